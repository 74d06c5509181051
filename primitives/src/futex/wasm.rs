//! `wasm32` with shared memory (`+atomics`: the browser build on nightly with build-std).
//! Route: the nightly intrinsics `memory.atomic.wait32` / `memory.atomic.notify`
//! (`core::arch::wasm32`), with the relative nanosecond timeout the instruction takes; see
//! docs/adr/002-wasm-wait-route.md for the measurement against the std-park table.
//!
//! Limits:
//! * On the browser's **main thread** the instruction traps ("Atomics.wait cannot be called in
//!   this context"), even for a mismatching value. There `wait` never executes it: it spins
//!   with [`Backoff`](crate::Backoff) for at most [`MAIN_THREAD_SPIN_BUDGET`] and then returns
//!   [`WaitError::MainThreadCannotBlock`] (a timed wait whose timeout ends first returns
//!   `TimedOut`). [`wait_async`] is the main thread's way to wait: it uses
//!   `Atomics.waitAsync` where present and polls with `setTimeout` where not.
//! * Whether this thread is the main thread is decided once per thread: the JS global is a
//!   `Window` (a page's main thread) or not (Web Workers, Node).

use super::contract::{WaitError, WaitResult};
use super::timer::sleep_ms;
use crate::sync::atomic::{AtomicU32, Ordering::Relaxed};
use core::arch::wasm32;
use core::cell::Cell;
use core::time::Duration;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

pub(super) const NAME: &str = "wasm-atomics";

#[path = "jspi.rs"]
mod jspi;
pub use jspi::{
    block_on, can_suspend, jspi_supported, run_blocking, suspensions, unavailable_reason,
};

/// How long `wait` spins on the browser main thread before it gives up with
/// [`WaitError::MainThreadCannotBlock`]. Heuristic: long enough to cover a worker's short
/// critical section or a wake already in flight (a worker wake-up measured ≈ 0.1–0.5 ms in
/// headless Chromium here), short enough that a frame (16 ms) is never lost to it.
pub const MAIN_THREAD_SPIN_BUDGET: Duration = Duration::from_millis(2);

/// The period of the `setTimeout` poll [`wait_async`] falls back to when `Atomics.waitAsync`
/// is missing (Firefox < 145, Safari < 16.4); 1 ms is what emscripten's fallback uses.
pub const ASYNC_POLL_PERIOD_MS: i32 = 1;

#[wasm_bindgen]
extern "C" {
    /// `performance.now()` (ms, fractional): exists in windows, workers and Node.
    #[wasm_bindgen(js_namespace = performance, js_name = now)]
    fn performance_now() -> f64;
}

/// Milliseconds from an arbitrary origin; `std::time::Instant` panics on this target.
pub(super) fn now_ms() -> f64 {
    performance_now()
}

thread_local! {
    /// Iterations of [`spin_on_main_thread`]'s loop on this thread (diagnostics: [`main_thread_spins`]).
    static MAIN_THREAD_SPINS: Cell<u64> = const { Cell::new(0) };
    /// Cached answer of [`can_block`] for this thread: 0 = unknown, 1 = yes, 2 = no.
    static CAN_BLOCK: Cell<u8> = const { Cell::new(0) };
    /// This thread's [`op_counts`]: `memory.atomic.wait32` executed, `memory.atomic.notify`
    /// executed, waiters those notifies woke.
    static OP_COUNTS: Cell<OpCounts> = const { Cell::new(OpCounts { waits: 0, notifies: 0, woken: 0 }) };
}

/// How often this thread entered the engine's futex ([`op_counts`]): a perf probe (ADR 118),
/// counted per thread so it costs no shared write.
#[doc(hidden)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OpCounts {
    /// `memory.atomic.wait32` executed (the thread slept, or found the word changed inside).
    pub waits: u64,
    /// `memory.atomic.notify` executed.
    pub notifies: u64,
    /// Waiters those notifies woke (the instruction's result, summed).
    pub woken: u64,
}

/// This thread's futex entries so far (`wait32`, `notify`, waiters woken): a perf probe for
/// the hand-off measurements of `make perf-web` (ADR 118). Not part of the API.
#[doc(hidden)]
pub fn op_counts() -> OpCounts {
    OP_COUNTS.with(Cell::get)
}

fn count(f: impl FnOnce(&mut OpCounts)) {
    OP_COUNTS.with(|c| {
        let mut v = c.get();
        f(&mut v);
        c.set(v);
    });
}

/// `false` on a page's main thread (its global is a `Window`), `true` in workers and Node.
pub(super) fn can_block() -> bool {
    CAN_BLOCK.with(|c| {
        if c.get() == 0 {
            let window = js_sys::global().has_type::<web_sys::Window>();
            c.set(if window { 2 } else { 1 });
        }
        c.get() == 1
    })
}

/// The relative timeout in ns that `memory.atomic.wait32` takes; -1 = forever (also for a
/// timeout too large to represent, such as `Duration::MAX`).
fn timeout_ns(timeout: Option<Duration>) -> i64 {
    timeout
        .and_then(|t| i64::try_from(t.as_nanos()).ok())
        .unwrap_or(-1)
}

pub(super) fn wait(
    word: &AtomicU32,
    expected: u32,
    timeout: Option<Duration>,
) -> Result<WaitResult, WaitError> {
    // Relaxed: the contract promises no ordering; callers re-check with Acquire.
    if word.load(Relaxed) != expected {
        return Ok(WaitResult::Woken);
    }
    if timeout == Some(Duration::ZERO) {
        return Ok(WaitResult::TimedOut);
    }
    if !can_block() {
        // Relaxed: a tally; tests read it to know the main thread is inside a wait.
        MAIN_THREAD_WAITS.fetch_add(1, Relaxed);
        if jspi::can_suspend() {
            return Ok(jspi::wait(word, expected, timeout));
        }
        return spin_on_main_thread(word, expected, timeout);
    }
    count(|c| c.waits += 1);
    // SAFETY: (1) `word.as_ptr()` points to a live, 4-byte-aligned u32 in linear memory for
    // the whole call because we hold `&word`; (2) the instruction only reads it atomically;
    // (3) we are not on a browser main thread (`can_block`), where it would trap.
    let r = unsafe {
        wasm32::memory_atomic_wait32(
            word.as_ptr() as *mut i32,
            expected as i32,
            timeout_ns(timeout),
        )
    };
    // 0 = woken by notify, 1 = the value differed, 2 = the timeout elapsed.
    Ok(if r == 2 {
        WaitResult::TimedOut
    } else {
        WaitResult::Woken
    })
}

/// The main thread's `wait`: spin with backoff while the word still equals `expected`, for at
/// most [`MAIN_THREAD_SPIN_BUDGET`] (or the timeout, when that is shorter).
#[cold]
fn spin_on_main_thread(
    word: &AtomicU32,
    expected: u32,
    timeout: Option<Duration>,
) -> Result<WaitResult, WaitError> {
    let budget_ms = MAIN_THREAD_SPIN_BUDGET.as_secs_f64() * 1e3;
    let limit_ms = timeout.map_or(budget_ms, |t| (t.as_secs_f64() * 1e3).min(budget_ms));
    let timeout_first = timeout.is_some_and(|t| t <= MAIN_THREAD_SPIN_BUDGET);
    let start = now_ms();
    let backoff = crate::Backoff::new();
    loop {
        // Relaxed: as in `wait`.
        if word.load(Relaxed) != expected {
            return Ok(WaitResult::Woken);
        }
        if now_ms() - start >= limit_ms {
            return if timeout_first {
                Ok(WaitResult::TimedOut)
            } else {
                Err(WaitError::MainThreadCannotBlock)
            };
        }
        // Spins only: `thread::yield_now` is a no-op here, so `snooze` would just spin too.
        backoff.spin();
        MAIN_THREAD_SPINS.with(|n| n.set(n.get() + 1));
    }
}

/// Waits the page's main thread entered (it cannot block: each spun or suspended), counted
/// across threads, so that a worker can tell the main thread is waiting for it.
static MAIN_THREAD_WAITS: AtomicU32 = AtomicU32::new(0);

/// How many times the page's main thread entered a `wait` on a word that still held the
/// expected value (so it spun or suspended instead of blocking). Readable from any thread:
/// a test's worker holding a lock can wait for this to grow, then release it, which proves
/// the main thread reached the contended path without relying on timing.
pub fn main_thread_waits() -> u32 {
    // Relaxed: a tally (see `MAIN_THREAD_WAITS`).
    MAIN_THREAD_WAITS.load(Relaxed)
}

/// How many iterations the main thread's bounded spin (the wait used where it can neither
/// block nor suspend) has run on this thread: a diagnostic, and the tests' proof that a wait
/// inside [`run_blocking`] suspended instead of spinning.
pub fn main_thread_spins() -> u64 {
    MAIN_THREAD_SPINS.with(Cell::get)
}

pub(super) fn wake_one(word: &AtomicU32) {
    // SAFETY: `word.as_ptr()` is a live, aligned u32 in linear memory (we hold `&word`);
    // notify never traps, on any thread, and does not touch the value.
    let n = unsafe { wasm32::memory_atomic_notify(word.as_ptr() as *mut i32, 1) };
    count(|c| {
        c.notifies += 1;
        c.woken += u64::from(n);
    });
}

pub(super) fn wake_all(word: &AtomicU32) {
    // SAFETY: as in `wake_one`.
    let n = unsafe { wasm32::memory_atomic_notify(word.as_ptr() as *mut i32, u32::MAX) };
    count(|c| {
        c.notifies += 1;
        c.woken += u64::from(n);
    });
}

/// Waits without blocking the thread: resolves once `word != expected` was observed after a
/// wake-up (or at once), or with `TimedOut` when `timeout` elapses first. Use it on the
/// browser main thread, where [`wait`](super::wait) may not block.
///
/// It uses `Atomics.waitAsync` on a fresh `Int32Array` over the shared memory (a
/// `memory.grow` replaces the buffer) where the engine has it, and polls every
/// [`ASYNC_POLL_PERIOD_MS`] with `setTimeout` where it does not. A wake-up with the word
/// unchanged is treated as spurious, so the future resolves `Woken` only once the word
/// differs. Dropping the future abandons the JS promise harmlessly.
///
/// # Examples
/// ```no_run
/// # async fn demo() {
/// use portalis_primitives::futex;
/// use portalis_primitives::sync::atomic::{AtomicU32, Ordering::Acquire};
/// static READY: AtomicU32 = AtomicU32::new(0);
/// // ...a Web Worker stores 1 with Release and calls futex::wake_all(&READY)...
/// let r = futex::wait_async(&READY, 0, None).await;
/// assert!(r == futex::WaitResult::TimedOut || READY.load(Acquire) != 0);
/// # }
/// ```
///
/// ## Memory ordering
/// None, as for [`wait`](super::wait): re-check with `Acquire`.
pub async fn wait_async(word: &AtomicU32, expected: u32, timeout: Option<Duration>) -> WaitResult {
    let deadline = timeout
        .filter(|t| t.as_secs_f64() * 1e3 < f64::MAX / 2.0)
        .map(|t| now_ms() + t.as_secs_f64() * 1e3);
    loop {
        // Relaxed: as in `wait`.
        if word.load(Relaxed) != expected {
            return WaitResult::Woken;
        }
        let left_ms = match deadline {
            Some(d) => {
                let left = d - now_ms();
                if left <= 0.0 {
                    return WaitResult::TimedOut;
                }
                Some(left)
            }
            None => None,
        };
        match wait_async_once(word, expected, left_ms) {
            Some(promise) => {
                // "ok" or "timed-out"; either way the loop re-checks word and deadline.
                let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
            }
            None => {
                let ms = left_ms.map_or(ASYNC_POLL_PERIOD_MS, |l| {
                    (l.ceil() as i32).clamp(0, ASYNC_POLL_PERIOD_MS)
                });
                sleep_ms(ms).await;
            }
        }
    }
}

/// `true` when this engine has `Atomics.waitAsync`. Looked up on every call (two property
/// reads, small next to a wait), so a page that removes or polyfills it is followed.
pub fn has_wait_async() -> bool {
    let atomics =
        js_sys::Reflect::get(&js_sys::global(), &"Atomics".into()).unwrap_or(JsValue::UNDEFINED);
    js_sys::Reflect::get(&atomics, &"waitAsync".into())
        .map(|f| f.is_function())
        .unwrap_or(false)
}

/// One `Atomics.waitAsync` on `word`: `Some(promise)` to await, or `None` when the caller
/// must poll (no `waitAsync`, or it answered synchronously: "not-equal" or "timed-out", in
/// which case the caller's re-check ends the loop or the poll retries).
fn wait_async_once(
    word: &AtomicU32,
    expected: u32,
    timeout_ms: Option<f64>,
) -> Option<js_sys::Promise> {
    if !has_wait_async() {
        return None;
    }
    let memory: js_sys::WebAssembly::Memory = wasm_bindgen::memory().unchecked_into();
    // A fresh view each time: `memory.grow` detaches and replaces the buffer.
    let view = js_sys::Int32Array::new(&memory.buffer());
    let index = (word.as_ptr() as usize / 4) as u32;
    let r = match timeout_ms {
        Some(ms) => js_sys::Atomics::wait_async_with_timeout(&view, index, expected as i32, ms),
        None => js_sys::Atomics::wait_async(&view, index, expected as i32),
    }
    .ok()?;
    let is_async = js_sys::Reflect::get(&r, &"async".into())
        .ok()?
        .as_bool()
        .unwrap_or(false);
    let value = js_sys::Reflect::get(&r, &"value".into()).ok()?;
    if is_async {
        value.dyn_into::<js_sys::Promise>().ok()
    } else {
        // Settled synchronously: hand back an already-resolved promise so the caller re-checks.
        Some(js_sys::Promise::resolve(&value))
    }
}

backend_contract!();
