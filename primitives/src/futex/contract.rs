//! The types of the futex contract that `mod.rs` and every backend share: a leaf module, so a
//! backend imports them from here and never from its parent (no import circle; see
//! scripts/check-import-cycles.py).

use core::time::Duration;

/// How a [`wait`](super::wait) ended (an expected outcome, not an error).
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

/// Why a [`wait`](super::wait) could not block at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum WaitError {
    /// This target has no threads, so nothing could ever change the word: blocking would hang.
    #[error("waiting would deadlock: this target runs a single thread, so nothing can wake the waiter; use a timeout or a non-blocking call")]
    WouldDeadlock,
    /// The browser's main thread may not block (`Atomics.wait` throws there).
    #[error(
        "the browser main thread may not block: await the async variant instead (futex::wait_async, WorkerHandle::join_async, ThreadPool::install_async / join_async, Receiver::recv_async, Sender::send_async, Mutex::lock_async, RwLock::read_async / write_async, Condvar::wait_async, Semaphore::acquire_async, Barrier::wait_async, Event::wait_async, Future::result_async), or run this call in a Web Worker"
    )]
    MainThreadCannotBlock,
}

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
