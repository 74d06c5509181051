//! The raw locks behind [`Mutex`](crate::Mutex) and [`RwLock`](crate::RwLock), implementing
//! [`lock_api`]'s raw traits (feature `lock-api`), so every crate written against lock_api
//! can run on this crate's futex layer, natively, under WASI and in the browser.
//!
//! | type | lock_api traits |
//! |---|---|
//! | [`RawMutex`] | `RawMutex`, `RawMutexTimed`, `RawMutexFair` |
//! | [`RawRwLock`] | `RawRwLock`, `RawRwLockDowngrade`, `RawRwLockTimed`, `RawRwLockRecursive`, `RawRwLockUpgrade`, `RawRwLockUpgradeDowngrade` |
//!
//! Not in model builds (`--cfg portalis_loom` / `portalis_shuttle`): lock_api needs a
//! `const INIT`, and the models' atomics have no `const fn new`.
//!
//! # Examples
//! ```
//! type Mutex<T> = lock_api::Mutex<portalis_primitives::raw::RawMutex, T>;
//! type RwLock<T> = lock_api::RwLock<portalis_primitives::raw::RawRwLock, T>;
//!
//! static COUNT: Mutex<u32> = Mutex::new(0);
//! let hs: Vec<_> = (0..4).map(|_| std::thread::spawn(|| *COUNT.lock() += 1)).collect();
//! for h in hs {
//!     h.join().unwrap();
//! }
//! assert_eq!(*COUNT.lock(), 4);
//!
//! let l = RwLock::new(vec![1]);
//! let up = l.upgradable_read();
//! let mut w = lock_api::RwLockUpgradableReadGuard::upgrade(up);
//! w.push(2);
//! drop(w);
//! assert_eq!(*l.read(), [1, 2]);
//! ```
//!
//! The guards are `!Send` (`GuardNoSend`): a lock is released by the thread that took it.

use crate::deadline::Deadline;
use crate::time::Instant;
use core::time::Duration;

/// [`lock_api::RawMutex`] on the futex mutex of [`Mutex`](crate::Mutex) (same state word,
/// same spin-then-sleep protocol; see `mutex.rs`).
#[derive(Debug)]
pub struct RawMutex(crate::mutex::RawMutex);

// SAFETY: the wrapped lock is a mutual-exclusion lock: `lock`/`try_lock` succeed only when no
// other thread holds it, and `unlock` (Release) pairs with the next `lock` (Acquire).
unsafe impl lock_api::RawMutex for RawMutex {
    #[allow(clippy::declare_interior_mutable_const)] // lock_api's required initializer.
    const INIT: Self = RawMutex(crate::mutex::RawMutex::new());
    type GuardMarker = lock_api::GuardNoSend;

    #[inline]
    fn lock(&self) {
        self.0.lock()
    }

    #[inline]
    fn try_lock(&self) -> bool {
        self.0.try_lock()
    }

    #[inline]
    unsafe fn unlock(&self) {
        // SAFETY: lock_api's contract: the caller holds the lock.
        unsafe { self.0.unlock() }
    }

    #[inline]
    fn is_locked(&self) -> bool {
        self.0.is_locked()
    }
}

// SAFETY: `unlock_fair` either frees the lock (no sleeper) or keeps it held for exactly one
// registered sleeper to claim (Release CAS paired with the claimer's Acquire CAS); `bump`
// hands off only when a sleeper is registered and re-takes the lock before returning.
unsafe impl lock_api::RawMutexFair for RawMutex {
    unsafe fn unlock_fair(&self) {
        // SAFETY: lock_api's contract: the caller holds the lock.
        unsafe { self.0.unlock_fair() }
    }

    unsafe fn bump(&self) {
        if self.0.sleepers() != 0 {
            // SAFETY: lock_api's contract: the caller holds the lock; we re-take it below.
            unsafe { self.0.unlock_fair() };
            self.0.lock();
        }
    }
}

// SAFETY: the timed forms take the same lock, or return `false` without it.
unsafe impl lock_api::RawMutexTimed for RawMutex {
    type Duration = Duration;
    type Instant = Instant;

    fn try_lock_for(&self, timeout: Duration) -> bool {
        matches!(self.0.lock_until(Deadline::after(timeout)), Ok(true))
    }

    fn try_lock_until(&self, timeout: Instant) -> bool {
        matches!(self.0.lock_until(Deadline::at(timeout)), Ok(true))
    }
}

/// [`lock_api::RawRwLock`] (with downgrade, timeouts, recursive and upgradable reads) on the
/// state word of [`RwLock`](crate::RwLock); see `rwlock.rs` for the protocol.
#[derive(Debug)]
pub struct RawRwLock(crate::rwlock::RawRwLock);

// SAFETY: shared locks exclude an exclusive one and vice versa (rwlock.rs state word); every
// unlock is Release and every acquisition Acquire.
unsafe impl lock_api::RawRwLock for RawRwLock {
    #[allow(clippy::declare_interior_mutable_const)] // lock_api's required initializer.
    const INIT: Self = RawRwLock(crate::rwlock::RawRwLock::new());
    type GuardMarker = lock_api::GuardNoSend;

    #[inline]
    fn lock_shared(&self) {
        let locked = self.0.read_until(Deadline::never());
        debug_assert!(locked);
    }

    #[inline]
    fn try_lock_shared(&self) -> bool {
        self.0.try_read_fast()
    }

    #[inline]
    unsafe fn unlock_shared(&self) {
        // SAFETY: lock_api's contract: the caller holds a shared lock.
        unsafe { self.0.read_unlock() }
    }

    #[inline]
    fn lock_exclusive(&self) {
        let locked = self.0.write_until(Deadline::never());
        debug_assert!(locked);
    }

    #[inline]
    fn try_lock_exclusive(&self) -> bool {
        self.0.try_write_fast()
    }

    #[inline]
    unsafe fn unlock_exclusive(&self) {
        // SAFETY: lock_api's contract: the caller holds the exclusive lock.
        unsafe { self.0.write_unlock() }
    }

    #[inline]
    fn is_locked(&self) -> bool {
        self.0.is_locked()
    }

    #[inline]
    fn is_locked_exclusive(&self) -> bool {
        self.0.is_locked_exclusive()
    }
}

// SAFETY: the downgrade keeps a shared lock without a window for a writer.
unsafe impl lock_api::RawRwLockDowngrade for RawRwLock {
    unsafe fn downgrade(&self) {
        // SAFETY: lock_api's contract: the caller holds the exclusive lock.
        unsafe { self.0.write_downgrade() }
    }
}

// SAFETY: the timed forms take the same locks, or return `false` without them.
unsafe impl lock_api::RawRwLockTimed for RawRwLock {
    type Duration = Duration;
    type Instant = Instant;

    fn try_lock_shared_for(&self, timeout: Duration) -> bool {
        self.0.read_until(Deadline::after(timeout))
    }

    fn try_lock_shared_until(&self, timeout: Instant) -> bool {
        self.0.read_until(Deadline::at(timeout))
    }

    fn try_lock_exclusive_for(&self, timeout: Duration) -> bool {
        self.0.write_until(Deadline::after(timeout))
    }

    fn try_lock_exclusive_until(&self, timeout: Instant) -> bool {
        self.0.write_until(Deadline::at(timeout))
    }
}

// SAFETY: a recursive shared lock is a shared lock that ignores waiting writers.
unsafe impl lock_api::RawRwLockRecursive for RawRwLock {
    fn lock_shared_recursive(&self) {
        let locked = self.0.read_recursive_until(Deadline::never());
        debug_assert!(locked);
    }

    fn try_lock_shared_recursive(&self) -> bool {
        self.0.try_read_recursive()
    }
}

// SAFETY: protocol U of rwlock.rs: one upgradable holder beside readers, upgraded without a
// window for a writer.
unsafe impl lock_api::RawRwLockUpgrade for RawRwLock {
    fn lock_upgradable(&self) {
        let locked = self.0.upgradable_until(Deadline::never());
        debug_assert!(locked);
    }

    fn try_lock_upgradable(&self) -> bool {
        self.0.try_upgradable()
    }

    unsafe fn unlock_upgradable(&self) {
        // SAFETY: lock_api's contract: the caller holds the upgradable lock.
        unsafe { self.0.upgradable_unlock() }
    }

    unsafe fn upgrade(&self) {
        // SAFETY: lock_api's contract: the caller holds the upgradable lock.
        unsafe { self.0.upgrade() }
    }

    unsafe fn try_upgrade(&self) -> bool {
        // SAFETY: lock_api's contract: the caller holds the upgradable lock.
        unsafe { self.0.try_upgrade() }
    }
}

// SAFETY: both downgrades keep the lock without a window for a writer.
unsafe impl lock_api::RawRwLockUpgradeDowngrade for RawRwLock {
    unsafe fn downgrade_upgradable(&self) {
        // SAFETY: lock_api's contract: the caller holds the upgradable lock.
        unsafe { self.0.upgradable_downgrade() }
    }

    unsafe fn downgrade_to_upgradable(&self) {
        // SAFETY: lock_api's contract: the caller holds the exclusive lock.
        unsafe { self.0.write_downgrade_to_upgradable() }
    }
}
