//! Futex-style wait/notify on one `AtomicU32`, for every target the workspace supports.
//!
//! # Contract
//! * [`wait`]`(word, expected, timeout)` returns at once with [`WaitResult::Woken`] when
//!   `word != expected`; otherwise it blocks until a [`wake_one`]/[`wake_all`] on the same word,
//!   the timeout, or a spurious wake-up. It returns [`WaitResult::TimedOut`] **only** when the
//!   timeout elapsed. Callers always re-check their condition in a loop.
//! * `timeout == None` waits without limit. `Some(Duration::ZERO)` checks the word and returns
//!   `TimedOut` if it still equals `expected`. A timeout too large to represent as a deadline
//!   (`Duration::MAX`) is treated as `None`.
//! * `wake_one` / `wake_all` imply **no** memory ordering. Publish with `Release` (or stronger)
//!   before waking, and re-check with `Acquire` after waking. Waking a word nobody waits on is a
//!   cheap no-op.
//! * Where blocking is impossible, `wait` returns a [`WaitError`] instead of hanging or trapping:
//!   [`WaitError::WouldDeadlock`] on targets without threads (nobody could ever wake us) and
//!   [`WaitError::MainThreadCannotBlock`] on the browser's main thread after a bounded spin.
//!
//! # Backends (the only OS/arch cfgs in the workspace live here)
//! | file (in chain order) | used on | mechanism |
//! |---|---|---|
//! | `model.rs` | `--cfg portalis_loom` / `--cfg portalis_shuttle` | a table under the model's mutex + one model condvar per waiter; really blocks, so a lost wake-up is a reported deadlock |
//! | `wasm.rs` | `wasm32` with `+atomics` (browser build, nightly) | `memory.atomic.wait32` / `memory.atomic.notify` (nightly intrinsics); on the browser main thread a bounded spin, then `MainThreadCannotBlock`; `wait_async` (`Atomics.waitAsync`) for async callers |
//! | `single.rs` | `wasm32` without threads (`wasm32-unknown-unknown`, `wasm32-wasip1`) | nothing can wake us: `WouldDeadlock` or sleep out the timeout |
//! | `linux.rs` | Linux, Android | `atomic-wait` (untimed) + `futex(FUTEX_WAIT_PRIVATE)` with a relative timeout |
//! | `parked.rs` | macOS, Windows, FreeBSD, other std targets, `wasm32-wasip1-threads` (stable) | address-keyed waiter table on `std::thread::park_timeout` |
//!
//! The table is ordered: the chain below takes the **first** row whose condition holds
//! (`cfg_chain!`), so a new backend is one new arm in the right place. Every backend ends
//! with `backend_contract!()`, a compile-time check that it exposes the same `NAME`, `wait`,
//! `wake_one`, `wake_all` and `can_block` signatures (the role parking_lot_core gives its
//! thread-parker trait); a backend's extras (the browser's `wait_async`) are re-exported
//! below, outside the contract. Beside every backend, `wakers.rs` keeps the futures waiting
//! in [`wait_future`]; [`wake_one`] and [`wake_all`] visit it too (ADR 120). Futures that
//! wait for an instant (`sleep_until`, ADR 122) are woken by `timer_thread.rs` (std targets
//! with threads: one timer thread per process), `timer_js.rs` (the browser: `setTimeout`) or
//! `timer_poll.rs` (wasip1 without threads and the models: they poll the clock). `parked.rs` is
//! compiled on every std target (as [`parked`]) so its tests and benches run natively too; `--cfg portalis_force_parked` makes it the active
//! backend on Linux. Unselected backends that a target can compile (`single.rs` on std
//! targets, `linux.rs` under `portalis_force_parked`) are compiled as contract checks only.

use crate::sync::atomic::AtomicU32;
use core::time::Duration;

/// A first-match-wins `cfg` chain, like an `if / else if / else` over cfgs: each arm's items
/// are compiled under its own condition AND the negation of every earlier condition, so
/// exactly one arm is active and no arm has to spell out the others' negations by hand.
/// New arms (a new platform, the browser's async route) go in the right place in the list.
macro_rules! cfg_chain {
    (@chain [$($prior:meta,)*]) => {};
    (@chain [$($prior:meta,)*] else { $($item:item)* }) => {
        cfg_chain!(@emit [not(any($($prior,)*))] $($item)*);
    };
    (@chain [$($prior:meta,)*] else if #[cfg($cond:meta)] { $($item:item)* } $($rest:tt)*) => {
        cfg_chain!(@chain [$($prior,)*] if #[cfg($cond)] { $($item)* } $($rest)*);
    };
    (@chain [$($prior:meta,)*] if #[cfg($cond:meta)] { $($item:item)* } $($rest:tt)*) => {
        cfg_chain!(@emit [all($cond, not(any($($prior,)*)))] $($item)*);
        cfg_chain!(@chain [$($prior,)* $cond,] $($rest)*);
    };
    (@emit [$m:meta] $($item:item)*) => { $(#[cfg($m)] $item)* };
    (if $($t:tt)*) => { cfg_chain!(@chain [] if $($t)*); };
}

/// Checks, at compile time, that a backend file has the one contract every backend shares.
/// Each backend file invokes it at its end, so a backend whose signature drifts fails to
/// build on its own target, and the files `mod.rs` can also compile here as unselected
/// checks (see below) fail on every target that can build them.
macro_rules! backend_contract {
    () => {
        const _: &str = NAME;
        const _: fn(
            &$crate::sync::atomic::AtomicU32,
            u32,
            Option<::core::time::Duration>,
        ) -> Result<$crate::futex::WaitResult, $crate::futex::WaitError> = wait;
        const _: fn(&$crate::sync::atomic::AtomicU32) = wake_one;
        const _: fn(&$crate::sync::atomic::AtomicU32) = wake_all;
        const _: fn() -> bool = can_block;
    };
}

// The backend chain: the first arm whose cfg holds is `imp`.
cfg_chain! {
    if #[cfg(any(portalis_loom, portalis_shuttle))] {
        #[path = "model.rs"]
        mod imp;
    } else if #[cfg(portalis_wasm_atomics)] {
        #[path = "wasm.rs"]
        mod imp;
    } else if #[cfg(portalis_no_threads)] {
        #[path = "single.rs"]
        mod imp;
    } else if #[cfg(all(
        any(target_os = "linux", target_os = "android"),
        not(portalis_force_parked)
    ))] {
        #[path = "linux.rs"]
        mod imp;
    } else {
        use parked as imp;
    }
}

/// The portable waiter table, compiled on every std target (tests, benches and the browser's
/// std-park comparison use it directly); the chain's last arm makes it the active backend.
/// Also compiled under the models (not as the active backend there), so `verify/` can
/// model-check the table that macOS, Windows and wasip1 run on.
#[cfg(not(portalis_no_threads))]
pub mod parked;

/// The browser main thread's suspending wait (JSPI, docs/adr/110-jspi-suspending-wait.md):
/// [`run_blocking`] runs blocking code as a Promise, inside which [`wait`] suspends.
#[cfg(all(portalis_wasm_atomics, not(any(portalis_loom, portalis_shuttle))))]
pub use imp::{
    block_on, can_suspend, jspi_supported, main_thread_spins, main_thread_waits, run_blocking,
    suspensions, unavailable_reason,
};
/// The browser build's extras, outside the shared contract: the main thread's async wait and
/// its spin budget.
#[cfg(all(portalis_wasm_atomics, not(any(portalis_loom, portalis_shuttle))))]
pub use imp::{has_wait_async, wait_async, ASYNC_POLL_PERIOD_MS, MAIN_THREAD_SPIN_BUDGET};
/// The browser build's perf probe: this thread's engine futex entries (ADR 118).
#[doc(hidden)]
#[cfg(all(portalis_wasm_atomics, not(any(portalis_loom, portalis_shuttle))))]
pub use imp::{op_counts, OpCounts};

// Unselected backends this target can still compile, built only to run their
// `backend_contract!` check (never called). `model.rs` needs the model crates and `wasm.rs`
// the wasm intrinsics, so they are checked by the loom/shuttle and browser builds.
#[cfg(all(
    any(target_os = "linux", target_os = "android"),
    portalis_force_parked,
    not(any(portalis_loom, portalis_shuttle))
))]
#[allow(dead_code)]
#[path = "linux.rs"]
mod linux_contract_check;
#[cfg(not(any(portalis_loom, portalis_shuttle, portalis_no_threads)))]
#[allow(dead_code)]
#[path = "single.rs"]
mod single_contract_check;

// Who wakes a future at a deadline ([`sleep_until`], ADR 122); the first arm that holds.
cfg_chain! {
    if #[cfg(any(portalis_loom, portalis_shuttle))] {
        #[path = "timer_poll.rs"]
        mod timer;
    } else if #[cfg(all(target_arch = "wasm32", target_os = "unknown"))] {
        #[path = "timer_js.rs"]
        mod timer;
    } else if #[cfg(portalis_no_threads)] {
        #[path = "timer_poll.rs"]
        mod timer;
    } else {
        #[path = "timer_thread.rs"]
        mod timer;
    }
}
/// Stops an idle timer thread and waits for it to exit (for tests under miri, which reject a
/// process that ends with a thread alive); a no-op where there is no timer thread.
#[doc(hidden)]
pub use timer::join_idle_timer;
/// Sleeps until an instant without blocking the thread: a future woken by a per-process
/// timer thread (std targets with threads), a JS `setTimeout` (the browser), or, where
/// neither exists (wasip1 without threads, the models), by polling the clock.
pub(crate) use timer::sleep_until;

mod contract;
mod wakers;
#[allow(unused_imports)] // Not every backend needs deadlines.
pub(crate) use contract::{deadline, Deadline};
pub use contract::{WaitError, WaitResult};
pub(crate) use wakers::yield_now;
pub use wakers::WaitFuture;

/// Blocks while `word == expected`, until woken, timed out, or spuriously woken.
///
/// See the [module contract](self). A `timeout` of `None` waits without limit.
///
/// # Examples
/// ```
/// use portalis_primitives::futex;
/// use portalis_primitives::sync::atomic::{AtomicU32, Ordering::{Acquire, Release}};
/// use std::sync::Arc;
/// use std::time::Duration;
///
/// let word = Arc::new(AtomicU32::new(0));
/// let w = word.clone();
/// let t = std::thread::spawn(move || {
///     w.store(1, Release);
///     futex::wake_one(&w);
/// });
/// while word.load(Acquire) == 0 {
///     let _ = futex::wait(&word, 0, Some(Duration::from_millis(50)));
/// }
/// t.join().unwrap();
/// // A word that already differs returns at once.
/// assert_eq!(futex::wait(&word, 0, None), Ok(futex::WaitResult::Woken));
/// ```
///
/// # Errors
/// [`WaitError::WouldDeadlock`] on a target without threads when `timeout` is `None` and the
/// word equals `expected`; [`WaitError::MainThreadCannotBlock`] on the browser main thread once
/// its bounded spin ends.
///
/// ## Memory ordering
/// None: the comparison with `expected` is a relaxed read. Pair your own `Acquire` re-check
/// with the waker's `Release` publication.
#[inline]
pub fn wait(
    word: &AtomicU32,
    expected: u32,
    timeout: Option<Duration>,
) -> Result<WaitResult, WaitError> {
    imp::wait(word, expected, timeout)
}

/// Wakes at most one thread blocked in [`wait`] on `word` (a few backends may wake more;
/// waiters treat extra wake-ups as spurious).
///
/// ## Memory ordering
/// None; see the [module contract](self).
#[inline]
pub fn wake_one(word: &AtomicU32) {
    // A registered future first (`wakers.rs` step 2), else a blocked thread.
    if wakers::wake(word, 1) == 0 {
        imp::wake_one(word)
    }
}

/// Wakes every thread blocked in [`wait`] on `word`.
///
/// ## Memory ordering
/// None; see the [module contract](self).
#[inline]
pub fn wake_all(word: &AtomicU32) {
    wakers::wake(word, usize::MAX);
    imp::wake_all(word)
}

/// The async twin of [`wait`]: a future that resolves once a [`wake_one`] or [`wake_all`] on
/// `word` chose it, or at once if `word != expected` when first polled. It works with any
/// executor (it only keeps the task's `Waker`) and on every backend, including the browser's
/// main thread, where [`wait`] may not block. Dropping it while it waits deregisters it and
/// passes on a `wake_one` it was chosen by (`wakers.rs` step 4), so cancelling never loses a
/// wake-up. No timeout: race it against a timer if you need one.
///
/// # Examples
/// ```
/// use portalis_primitives::futex;
/// use portalis_primitives::sync::atomic::{AtomicU32, Ordering::{Acquire, Release}};
/// use std::sync::Arc;
/// # fn block_on<F: std::future::Future>(f: F) -> F::Output {
/// #     struct T(std::thread::Thread);
/// #     impl std::task::Wake for T { fn wake(self: Arc<Self>) { self.0.unpark() } }
/// #     let w = std::task::Waker::from(Arc::new(T(std::thread::current())));
/// #     let mut cx = std::task::Context::from_waker(&w);
/// #     let mut f = std::pin::pin!(f);
/// #     loop { if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) { return v; } std::thread::park(); }
/// # }
///
/// let word = Arc::new(AtomicU32::new(0));
/// let w = word.clone();
/// let t = std::thread::spawn(move || {
///     w.store(1, Release);
///     futex::wake_all(&w);
/// });
/// block_on(async {
///     while word.load(Acquire) == 0 {
///         futex::wait_future(&word, 0).await;
///     }
/// });
/// t.join().unwrap();
/// ```
///
/// ## Memory ordering
/// None, as for [`wait`]: re-check with `Acquire`.
#[inline]
pub fn wait_future(word: &AtomicU32, expected: u32) -> WaitFuture<'_> {
    WaitFuture::new(word, expected)
}

/// `true` when the calling thread may block in [`wait`] (false on the browser main thread and
/// on targets without threads). Non-blocking callers can use it to choose a path up front.
#[inline]
pub fn can_block() -> bool {
    imp::can_block()
}

/// The name of the active backend, for diagnostics and the perf table header.
pub const BACKEND: &str = imp::NAME;

// The contract tests use real threads (and `futex::parked`, absent under the models).
#[cfg(all(test, not(any(portalis_loom, portalis_shuttle))))]
mod tests;
