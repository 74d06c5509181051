//! The browser main thread's suspending wait, through JavaScript Promise Integration (JSPI):
//! see docs/adr/110-jspi-suspending-wait.md.
//!
//! [`run_blocking`] queues a closure that JS then calls through
//! `WebAssembly.promising(exports.__portalis_jspi_call)`, from a fresh JS task (nothing of ours
//! below it on the stack). While it runs, [`can_suspend`] is true on this thread and
//! `futex::wait` calls the suspending wait instead of spinning: a wasm function of a tiny helper
//! module (built in `jspi.js`) whose import is `new WebAssembly.Suspending(wait)`, where `wait`
//! awaits `Atomics.waitAsync`. Rust reaches it through the main module's function table
//! (`call_indirect` on an index the helper's export was stored at), so no JavaScript frame
//! lies between the promising export and the suspending import, as JSPI requires.
//!
//! Per-thread state only (thread-locals): the table slot exists in the main thread's instance
//! alone (tables are not shared between workers), and only a `Window` thread ever installs it.

use super::WaitResult;
use crate::sync::atomic::{
    AtomicU32,
    Ordering::{Acquire, Relaxed, Release},
};
use core::cell::Cell;
use core::time::Duration;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

#[wasm_bindgen(module = "/src/futex/jspi.js")]
extern "C" {
    fn portalis_jspi_supported() -> bool;
    #[wasm_bindgen(catch)]
    fn portalis_jspi_install(memory: &JsValue, table: &JsValue, slot: u32) -> Result<i32, JsValue>;
    fn portalis_jspi_schedule(exports: &JsValue, job: u32, suspendable: bool, reject: &JsValue);
}

/// The suspending wait's wasm signature: (address, expected, timeout ms or -1) -> 0 woken,
/// 1 not equal, 2 timed out.
type SuspendingWait = extern "C" fn(i32, i32, f64) -> i32;

thread_local! {
    /// Table index of the suspending wait: 0 = not tried yet, -1 = unavailable, else the index.
    static WAIT_SLOT: Cell<i32> = const { Cell::new(0) };
    /// `true` while this thread runs inside a promising call that is not suspended.
    static IN_PROMISING: Cell<bool> = const { Cell::new(false) };
    /// Suspensions of this thread (diagnostics: [`suspensions`]).
    static SUSPENSIONS: Cell<u64> = const { Cell::new(0) };
    /// Why the install failed, when it did (diagnostics: [`unavailable_reason`]).
    static INSTALL_ERROR: core::cell::RefCell<Option<String>> = const { core::cell::RefCell::new(None) };
}

/// Calls of [`slot_placeholder`]'s own body (it gives the placeholder a body no other
/// function shares, so no function merging can alias its table slot).
static PLACEHOLDER_CALLS: AtomicU32 = AtomicU32::new(0);

/// The function whose table slot the suspending wait takes over. The function table cannot
/// grow (wasm-ld gives it a fixed size: measured, `Table.grow(1)` throws), so `jspi.js`
/// overwrites this function's entry in the main thread's instance with the helper's export.
/// Its own body only runs in an instance where nothing was installed, and is never called
/// there by this module: it reports a spurious wake-up (0).
extern "C" fn slot_placeholder(_addr: i32, _expected: i32, _ms: f64) -> i32 {
    PLACEHOLDER_CALLS.fetch_add(1, Relaxed); // Relaxed: a counter nobody orders against.
    0
}

/// Installs the suspending wait on this thread (once); `true` when it is available.
fn ensure_installed() -> bool {
    WAIT_SLOT.with(|slot| {
        if slot.get() == 0 {
            // A wasm32 function pointer is the function's index in the function table.
            let index = slot_placeholder as SuspendingWait as usize as u32;
            let r = portalis_jspi_install(
                &wasm_bindgen::memory(),
                &wasm_bindgen::function_table(),
                index,
            );
            slot.set(match r {
                Ok(i) if i > 0 => i,
                Ok(_) => -1,
                Err(e) => {
                    let msg = e
                        .dyn_ref::<js_sys::Error>()
                        .map_or_else(|| format!("{e:?}"), |e| String::from(e.message()));
                    INSTALL_ERROR.with(|m| *m.borrow_mut() = Some(msg));
                    -1
                }
            });
        }
        slot.get() > 0
    })
}

/// `true` when this engine has JSPI (`WebAssembly.Suspending` and `WebAssembly.promising`).
pub fn jspi_supported() -> bool {
    portalis_jspi_supported()
}

/// `true` when a [`wait`](super::wait) on this thread would suspend the current call (through
/// JSPI) rather than block, spin or fail: the call runs inside [`run_blocking`] with JSPI
/// available, and is not a re-entrant call made while that one is suspended.
pub fn can_suspend() -> bool {
    IN_PROMISING.with(Cell::get) && WAIT_SLOT.with(Cell::get) > 0
}

/// How many times this thread's calls suspended in a wait (diagnostics and tests).
pub fn suspensions() -> u64 {
    SUSPENSIONS.with(Cell::get)
}

/// Why the suspending wait could not be installed on this thread, if it was tried and failed
/// (for example a function table that cannot grow); `None` otherwise.
pub fn unavailable_reason() -> Option<String> {
    INSTALL_ERROR.with(|m| m.borrow().clone())
}

/// One suspending wait: the current promising call is suspended until `Atomics.waitAsync`
/// settles (woken, not equal, or timed out); other JS (timers, frames, messages) runs meanwhile.
/// Only called when [`can_suspend`] is true.
pub(super) fn wait(word: &AtomicU32, expected: u32, timeout: Option<Duration>) -> WaitResult {
    let ms = timeout
        .map(|t| t.as_secs_f64() * 1e3)
        .filter(|ms| *ms < 1e15)
        .unwrap_or(-1.0);
    let slot = WAIT_SLOT.with(Cell::get);
    debug_assert!(slot > 0);
    // SAFETY: a wasm32 function pointer is an index into this instance's function table, and
    // `slot` is `slot_placeholder`'s index, where `portalis_jspi_install` stored the helper's
    // `w` (read back from a thread-local, so the call stays indirect): a wasm function
    // of type (i32, i32, f64) -> i32, which is what `SuspendingWait` lowers to under the C ABI
    // (call_indirect checks the type at run time and traps, never misbehaves, on a mismatch).
    // The slot was filled on this thread and tables are per instance, so it is ours.
    let f: SuspendingWait = unsafe { core::mem::transmute::<usize, SuspendingWait>(slot as usize) };
    // While suspended, JS may re-enter Rust on this thread: those calls are not inside a
    // promising call and must not try to suspend.
    let outer = IN_PROMISING.with(|c| c.replace(false));
    SUSPENSIONS.with(|n| n.set(n.get() + 1));
    let r = f(word.as_ptr() as i32, expected as i32, ms);
    IN_PROMISING.with(|c| c.set(outer));
    if r == 2 {
        WaitResult::TimedOut
    } else {
        WaitResult::Woken
    }
}

/// A queued [`run_blocking`] job: the boxed closure, with the caller's promise settlers.
type Job = Box<dyn FnOnce(bool)>;

/// Runs blocking Rust code on the browser's main thread without blocking the page: returns a
/// `Promise` that settles with `f`'s result. `f` runs later, from a fresh JS task, inside an
/// export wrapped with `WebAssembly.promising`; every `futex::wait` in it (and so every lock,
/// channel, barrier, `join` and `Future::result`) suspends `f` on `Atomics.waitAsync` while
/// the event loop keeps running (timers, frames, worker start-up), then resumes it.
///
/// * One `run_blocking` job runs at a time per thread; a second one starts when the first has
///   finished (queued, FIFO). JSPI keeps the wasm stack of a suspended call but not Rust's
///   shadow stack in linear memory, which is only safe while suspended calls finish in LIFO
///   order; the queue keeps it so.
/// * A JS callback that re-enters Rust while `f` is suspended (an event handler calling an
///   export) runs normally but cannot suspend: [`can_suspend`] is false there and its blocking
///   waits behave as on a plain main thread (bounded spin, then
///   [`WaitError::MainThreadCannotBlock`](super::WaitError::MainThreadCannotBlock)). Such a
///   callback must not wait for a lock that `f` holds: `f` cannot resume until it returns.
/// * Without JSPI (`WebAssembly.Suspending` missing) `f` still runs (later, from a fresh task)
///   but cannot suspend: blocking calls in it behave as on a plain main thread.
/// * In a Web Worker, `f` runs the same way; workers block natively and never suspend.
///
/// A trap in `f` (a panic under `panic = abort`) rejects the promise with the
/// `WebAssembly.RuntimeError`.
///
/// # Examples
/// ```no_run
/// use portalis_primitives::futex;
/// use wasm_bindgen::prelude::*;
///
/// /// From the page: `await main_blocking()` in a plain `<script type="module">`.
/// #[wasm_bindgen]
/// pub fn main_blocking() -> js_sys::Promise {
///     futex::run_blocking(|| {
///         // Blocking-style code: locks, channels, joins; suspends instead of spinning.
///         Ok(JsValue::from(futex::can_suspend()))
///     })
/// }
/// ```
pub fn run_blocking<F>(f: F) -> js_sys::Promise
where
    F: FnOnce() -> Result<JsValue, JsValue> + 'static,
{
    let mut settle: Option<(js_sys::Function, js_sys::Function)> = None;
    let promise = js_sys::Promise::new(&mut |resolve, reject| settle = Some((resolve, reject)));
    let Some((resolve, reject)) = settle else {
        // The Promise executor runs synchronously; unreachable in a conforming engine.
        return js_sys::Promise::reject(&JsValue::from_str("Promise executor did not run"));
    };
    let suspendable = ensure_installed();
    let reject_trap = reject.clone();
    let job: Job = Box::new(move |in_promising| {
        let outer = IN_PROMISING.with(|c| c.replace(in_promising));
        let r = f();
        IN_PROMISING.with(|c| c.set(outer));
        let _ = match r {
            Ok(v) => resolve.call1(&JsValue::UNDEFINED, &v),
            Err(e) => reject.call1(&JsValue::UNDEFINED, &e),
        };
    });
    let ptr = Box::into_raw(Box::new(job));
    portalis_jspi_schedule(
        &wasm_bindgen::exports(),
        ptr as usize as u32,
        suspendable,
        &reject_trap,
    );
    promise
}

/// The raw export JS calls (wrapped with `WebAssembly.promising` when `suspendable`) to run one
/// [`run_blocking`] job. Not for direct use.
#[doc(hidden)]
#[wasm_bindgen]
#[allow(unreachable_pub)] // `#[wasm_bindgen]` exports only `pub` fns; JS reaches it, Rust does not.
pub fn __portalis_jspi_call(job: u32, suspendable: u32) {
    // SAFETY: `job` is the pointer `run_blocking` leaked with `Box::into_raw` for this job, and
    // `jspi.js` calls this export exactly once per scheduled job, so the box is reclaimed once.
    let job = unsafe { Box::from_raw(job as usize as *mut Job) };
    job(suspendable != 0);
}

/// The waker of [`block_on`]: sets its word to 1 and wakes the word's waiters.
struct WordWaker(AtomicU32);

impl std::task::Wake for WordWaker {
    fn wake(self: crate::sync::Arc<Self>) {
        self.wake_by_ref();
    }
    fn wake_by_ref(self: &crate::sync::Arc<Self>) {
        // Release: pairs with the Acquire swap in `block_on`, so what the waker's thread
        // published before waking is visible to the next poll.
        self.0.store(1, Release);
        super::wake_all(&self.0);
    }
}

/// Drives `fut` to completion from blocking code: polls it, and while it is pending waits
/// with [`futex::wait`](super::wait) for its waker. Inside [`run_blocking`] on the main thread
/// that wait suspends (the event loop runs, so a future fed by a `postMessage` reply or a
/// JS Promise makes progress); in a Web Worker it blocks (fine for futures woken by other
/// threads, but a future that needs this worker's own event loop would never be woken).
///
/// This is how blocking code gets the result of an async-only API, for example a task sent
/// to a worker by postMessage on a page without cross-origin isolation.
///
/// # Errors
/// [`WaitError::MainThreadCannotBlock`](super::WaitError::MainThreadCannotBlock) on the main
/// thread outside [`run_blocking`] (or without JSPI) when `fut` is still pending after the
/// bounded spin (`fut` is dropped).
///
/// # Examples
/// ```no_run
/// use portalis_primitives::futex;
/// let p = futex::run_blocking(|| {
///     let v = futex::block_on(async { 6 * 7 }).map_err(|e| e.to_string())?;
///     Ok(v.into())
/// });
/// ```
pub fn block_on<F: core::future::Future>(fut: F) -> Result<F::Output, super::WaitError> {
    use core::task::{Context, Poll};
    let word = crate::sync::Arc::new(WordWaker(AtomicU32::new(0)));
    let waker = std::task::Waker::from(word.clone());
    let mut cx = Context::from_waker(&waker);
    let mut fut = core::pin::pin!(fut);
    loop {
        // Acquire: pairs with the Release store in `wake_by_ref`. Reset before the poll, so a
        // wake during or after the poll leaves 1 and the wait below returns at once.
        word.0.swap(0, Acquire);
        if let Poll::Ready(v) = fut.as_mut().poll(&mut cx) {
            return Ok(v);
        }
        // Relaxed: the loop's swap above orders what the waker published.
        while word.0.load(Relaxed) == 0 {
            let _ = super::wait(&word.0, 0, None)?;
        }
    }
}
