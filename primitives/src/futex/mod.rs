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
//! | file | used on | mechanism |
//! |---|---|---|
//! | `linux.rs` | Linux, Android | `atomic-wait` (untimed) + `futex(FUTEX_WAIT_PRIVATE)` with a relative timeout |
//! | `parked.rs` | macOS, Windows, FreeBSD, other std targets, `wasm32-wasip1-threads` (stable) | address-keyed waiter table on `std::thread::park_timeout` |
//! | `wasm.rs` | `wasm32` with `+atomics` (browser build, nightly) | `memory.atomic.wait32` / `memory.atomic.notify` (nightly intrinsics); on the browser main thread a bounded spin, then `MainThreadCannotBlock`; `wait_async` (`Atomics.waitAsync`) for async callers |
//! | `single.rs` | `wasm32` without threads (`wasm32-unknown-unknown`, `wasm32-wasip1`) | nothing can wake us: `WouldDeadlock` or sleep out the timeout |
//! | `model.rs` | `--cfg portalis_loom` / `--cfg portalis_shuttle` | a table under the model's mutex + one model condvar per waiter; really blocks, so a lost wake-up is a reported deadlock |
//!
//! `parked.rs` is compiled on every std target (as [`parked`]) so its tests and benches run
//! natively too; `--cfg portalis_force_parked` makes it the active backend on Linux.

use crate::sync::atomic::AtomicU32;
use core::time::Duration;

#[cfg_attr(any(portalis_loom, portalis_shuttle), path = "model.rs")]
#[cfg_attr(
    all(not(any(portalis_loom, portalis_shuttle)), portalis_wasm_atomics),
    path = "wasm.rs"
)]
#[cfg_attr(
    all(not(any(portalis_loom, portalis_shuttle)), portalis_no_threads),
    path = "single.rs"
)]
#[cfg_attr(
    all(
        not(any(portalis_loom, portalis_shuttle, portalis_force_parked)),
        any(target_os = "linux", target_os = "android")
    ),
    path = "linux.rs"
)]
#[cfg_attr(
    all(
        not(any(
            portalis_loom,
            portalis_shuttle,
            portalis_wasm_atomics,
            portalis_no_threads
        )),
        any(
            portalis_force_parked,
            not(any(target_os = "linux", target_os = "android"))
        )
    ),
    path = "parked_backend.rs"
)]
mod imp;

// Also compiled under the models (not as the active backend there), so `verify/` can
// model-check the table that macOS, Windows and wasip1 run on.
#[cfg(not(portalis_no_threads))]
pub mod parked;

/// The browser build's extras: the main thread's async wait and its spin budget.
#[cfg(all(portalis_wasm_atomics, not(any(portalis_loom, portalis_shuttle))))]
pub use imp::{has_wait_async, wait_async, ASYNC_POLL_PERIOD_MS, MAIN_THREAD_SPIN_BUDGET};

/// How a [`wait`] ended (an expected outcome, not an error).
#[must_use = "a wait may time out or wake spuriously: re-check the condition"]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WaitResult {
    /// Woken by a waker, because the word differed from `expected`, or spuriously.
    Woken,
    /// The timeout elapsed while the word still held `expected` (as far as the wait could tell).
    TimedOut,
}

impl WaitResult {
    /// `true` for [`WaitResult::TimedOut`].
    #[inline]
    pub fn timed_out(self) -> bool {
        matches!(self, WaitResult::TimedOut)
    }
}

/// Why a [`wait`] could not block at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum WaitError {
    /// This target has no threads, so nothing could ever change the word: blocking would hang.
    #[error("waiting would deadlock: this target runs a single thread, so nothing can wake the waiter; use a timeout or a non-blocking call")]
    WouldDeadlock,
    /// The browser's main thread may not block (`Atomics.wait` throws there).
    #[error(
        "the browser main thread may not block: run this call in a Web Worker or use the async API"
    )]
    MainThreadCannotBlock,
}

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
    imp::wake_one(word)
}

/// Wakes every thread blocked in [`wait`] on `word`.
///
/// ## Memory ordering
/// None; see the [module contract](self).
#[inline]
pub fn wake_all(word: &AtomicU32) {
    imp::wake_all(word)
}

/// `true` when the calling thread may block in [`wait`] (false on the browser main thread and
/// on targets without threads). Non-blocking callers can use it to choose a path up front.
#[inline]
pub fn can_block() -> bool {
    imp::can_block()
}

/// The name of the active backend, for diagnostics and the perf table header.
pub const BACKEND: &str = imp::NAME;

/// Turns a relative timeout into a deadline; `None` when it does not fit (treat as untimed).
#[allow(dead_code)] // Not every backend needs deadlines.
#[inline]
pub(crate) fn deadline(timeout: Duration) -> Option<std::time::Instant> {
    std::time::Instant::now().checked_add(timeout)
}

/// A deadline for re-arming a relative timeout after a spurious wake-up (`Parker`), on the
/// clock every target has: [`crate::time::Instant`] (`performance.now()`-based in the browser,
/// where std's `Instant::now` panics).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Deadline {
    at: crate::time::Instant,
}

impl Deadline {
    /// `timeout` from now; `None` when it does not fit (the caller treats that as untimed).
    pub(crate) fn after(timeout: Duration) -> Option<Deadline> {
        crate::time::Instant::now()
            .checked_add(timeout)
            .map(|at| Deadline { at })
    }

    /// Time left until the deadline (zero once it passed).
    pub(crate) fn remaining(&self) -> Duration {
        self.at
            .saturating_duration_since(crate::time::Instant::now())
    }
}

// The contract tests use real threads (and `futex::parked`, absent under the models).
#[cfg(all(test, not(any(portalis_loom, portalis_shuttle))))]
mod tests;
