//! Typed errors of the synchronization primitives (one type per operation).

/// A fallible blocking call could not block: the target has no threads, so waiting for a
/// resource held by this very thread would never end.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum LockError {
    /// Blocking would deadlock: nothing can ever release the resource.
    #[error("acquiring would deadlock: this target has no threads and the lock is held")]
    WouldDeadlock,
}

/// Releasing a lock the calling thread does not hold (Python's `RuntimeError: cannot release
/// un-acquired lock`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum ReleaseError {
    /// The calling thread does not own the lock (it is free or held by another thread).
    #[error("cannot release a lock this thread does not hold")]
    NotOwner,
}

/// Releasing permits into a semaphore failed; the count is unchanged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum SemaphoreReleaseError {
    /// A [`BoundedSemaphore`](crate::BoundedSemaphore) would exceed its initial value
    /// (Python's `ValueError: Semaphore released too many times`).
    #[error("semaphore released too many times")]
    OverRelease,
    /// The count would exceed [`Semaphore::MAX_PERMITS`](crate::Semaphore::MAX_PERMITS).
    #[error("semaphore permit count overflow")]
    Overflow,
}

/// A semaphore was asked for more permits than it can ever hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum SemaphoreNewError {
    /// The initial value exceeds [`Semaphore::MAX_PERMITS`](crate::Semaphore::MAX_PERMITS).
    #[error("initial permit count exceeds the maximum")]
    TooManyPermits,
}

/// The barrier is broken: a waiter timed out, or it was aborted or reset while this thread
/// waited (Python's `threading.BrokenBarrierError`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[error("barrier is broken")]
pub struct BrokenBarrierError;

/// `Barrier::new(0)`: a barrier needs at least one party (Python raises `ValueError`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[error("a barrier needs at least one party")]
pub struct ZeroPartiesError;

/// `WaitGroup::done` without a matching `add` (Go panics with "negative WaitGroup counter").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum WaitGroupError {
    /// The counter would go below zero (or above its maximum for `add`); it is unchanged.
    #[error("wait group counter out of range")]
    OutOfRange,
}
