//! `Mutex` and `Condvar` with std's API (`lock() -> LockResult<_>`, `wait(guard) ->
//! LockResult<_>`), built on the crate's own futex locks, for the library's internal state
//! locks (the broadcast ring, the executor's futures, timers, scopes, the thread registry).
//!
//! Why not std's: on wasm32 with `+atomics`, std's `Mutex`/`Condvar` wait with
//! `memory.atomic.wait32`, which traps on a page's main thread ("Atomics.wait cannot be called
//! in this context") as soon as the lock is contended. The crate's own locks wait through
//! [`futex::wait`](crate::futex::wait): on the main thread a bounded spin that the caller
//! repeats while the (short) critical section runs, or a JSPI suspension inside
//! `run_blocking` (ADR 015, 110, 111). Natively they are the same futex protocol as std's.
//!
//! Never poisoned: `lock` always returns `Ok` (a panic while holding the guard just unlocks),
//! so the `unwrap`s at the call sites cannot fire. Under the model checkers these are the
//! shim's (loom's or shuttle's) types, so the models see each lock operation as before.

#[cfg(any(portalis_loom, portalis_shuttle))]
pub use crate::sync::{Condvar, Mutex, MutexGuard};

#[cfg(not(any(portalis_loom, portalis_shuttle)))]
pub use imp::{Condvar, Mutex, MutexGuard};

#[cfg(not(any(portalis_loom, portalis_shuttle)))]
mod imp {
    use core::fmt;
    use std::sync::{LockResult, TryLockError, TryLockResult};
    use std::time::Duration;

    /// The guard: the crate's own [`MutexGuard`](crate::MutexGuard).
    pub type MutexGuard<'a, T> = crate::MutexGuard<'a, T>;

    /// [`crate::Mutex`] with std's signatures (see the module docs).
    pub struct Mutex<T: ?Sized>(crate::Mutex<T>);

    impl<T> Mutex<T> {
        /// A new unlocked mutex.
        pub const fn new(value: T) -> Self {
            Mutex(crate::Mutex::new(value))
        }

        /// Unwraps the value (never poisoned).
        ///
        /// # Errors
        /// Never.
        pub fn into_inner(self) -> LockResult<T> {
            Ok(self.0.into_inner())
        }
    }

    impl<T: ?Sized> Mutex<T> {
        /// Locks, waiting as [`crate::Mutex::lock`] does (never traps on a page's main thread).
        ///
        /// # Errors
        /// Never (no poisoning).
        #[inline]
        pub fn lock(&self) -> LockResult<MutexGuard<'_, T>> {
            Ok(self.0.lock())
        }

        /// Locks if free.
        ///
        /// # Errors
        /// [`TryLockError::WouldBlock`] when held.
        #[inline]
        pub fn try_lock(&self) -> TryLockResult<MutexGuard<'_, T>> {
            self.0.try_lock().ok_or(TryLockError::WouldBlock)
        }

        /// The value, through `&mut self` (no locking).
        ///
        /// # Errors
        /// Never.
        pub fn get_mut(&mut self) -> LockResult<&mut T> {
            Ok(self.0.get_mut())
        }
    }

    impl<T: Default> Default for Mutex<T> {
        fn default() -> Self {
            Mutex::new(T::default())
        }
    }

    impl<T: ?Sized + fmt::Debug> fmt::Debug for Mutex<T> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            self.0.fmt(f)
        }
    }

    /// [`crate::Condvar`] with std's signatures (see the module docs).
    #[derive(Debug, Default)]
    pub struct Condvar(crate::Condvar);

    impl Condvar {
        /// A new condition variable.
        pub const fn new() -> Self {
            Condvar(crate::Condvar::new())
        }

        /// Releases the guard's mutex, waits for a notification, re-locks.
        ///
        /// # Errors
        /// Never.
        #[inline]
        pub fn wait<'a, T: ?Sized>(
            &self,
            guard: MutexGuard<'a, T>,
        ) -> LockResult<MutexGuard<'a, T>> {
            Ok(self.0.wait(guard))
        }

        /// As [`wait`](Self::wait), for at most `timeout`.
        ///
        /// # Errors
        /// Never.
        #[inline]
        pub fn wait_timeout<'a, T: ?Sized>(
            &self,
            guard: MutexGuard<'a, T>,
            timeout: Duration,
        ) -> LockResult<(MutexGuard<'a, T>, crate::WaitTimeoutResult)> {
            Ok(self.0.wait_timeout(guard, timeout))
        }

        /// Wakes one waiter.
        #[inline]
        pub fn notify_one(&self) {
            self.0.notify_one();
        }

        /// Wakes every waiter.
        #[inline]
        pub fn notify_all(&self) {
            self.0.notify_all();
        }
    }
}
