//! [`ReentrantMutex<T>`]: a lock the holding thread may take again (Python's `RLock`).
//!
//! A [`RawMutex`] plus the owner's thread id and a recursion count, both touched only by the
//! owner (relaxed: a thread can only ever read its own id back if it wrote it itself).
//! Thread ids come from std's `ThreadId` (never reused), hashed once per thread into a `u64`.

use crate::deadline::Deadline;
use crate::error::{LockError, ReleaseError};
use crate::mutex::RawMutex;
use crate::sync::atomic::{AtomicU32, AtomicU64, Ordering::Relaxed};
use crate::sync::cell::UnsafeCell;
use crate::time::Instant;
use core::fmt;
use core::marker::PhantomData;
use core::ops::Deref;
use std::time::Duration;

crate::sync::thread_local! {
    static THREAD_ID: u64 = current_id();
}

fn current_id() -> u64 {
    use std::hash::{BuildHasher, BuildHasherDefault, DefaultHasher};
    // DefaultHasher with default keys is deterministic; ThreadIds are unique for the process
    // lifetime, so a collision needs a 64-bit hash collision. 0 is reserved for "no owner".
    let h = BuildHasherDefault::<DefaultHasher>::default()
        .hash_one(crate::sync::thread::current().id());
    h | 1
}

#[inline]
fn this_thread() -> u64 {
    THREAD_ID.with(|id| *id)
}

/// A mutual-exclusion lock that its holder may acquire again; it is released when every
/// acquisition has been released. Gives shared (`&T`) access only: use a `Cell`/`RefCell`
/// inside for mutation, as with std's `ReentrantLock`.
///
/// Two APIs: the guard API ([`lock`](Self::lock), [`try_lock_for`](Self::try_lock_for)) and
/// Python's explicit one ([`acquire`](Self::acquire), [`acquire_timeout`](Self::acquire_timeout),
/// [`release`](Self::release)), where releasing a lock this thread does not hold is a typed
/// error, never UB.
///
/// # Examples
/// ```
/// use portalis_primitives::ReentrantMutex;
/// use std::cell::Cell;
/// use std::sync::Arc;
///
/// let m = Arc::new(ReentrantMutex::new(Cell::new(0)));
/// let m2 = m.clone();
/// std::thread::spawn(move || {
///     let a = m2.lock();
///     let b = m2.lock(); // the same thread again: no deadlock
///     b.set(a.get() + 1);
/// })
/// .join()
/// .unwrap();
/// assert_eq!(m.lock().get(), 1);
/// assert!(m.release().is_err()); // not held by this thread
/// ```
///
/// # Panics
/// `lock` panics on a target without threads when another holder exists (impossible there
/// unless a guard leaked) and when the recursion count would overflow `u32`.
///
/// ## Memory ordering
/// As [`Mutex`](crate::Mutex): the final release is Release, the first acquire is Acquire.
pub struct ReentrantMutex<T: ?Sized> {
    raw: RawMutex,
    /// Id of the owning thread, 0 when free.
    owner: AtomicU64,
    /// Recursion depth; only the owner touches it.
    count: AtomicU32,
    data: UnsafeCell<T>,
}

// SAFETY: one thread at a time gets `&T`, so `T: Send` suffices (as for std's ReentrantLock).
unsafe impl<T: ?Sized + Send> Send for ReentrantMutex<T> {}
// SAFETY: as above; `&T` is handed out only to the owner thread.
unsafe impl<T: ?Sized + Send> Sync for ReentrantMutex<T> {}

impl<T> ReentrantMutex<T> {
    const_fn_unless_model! {
        /// A new unlocked mutex; `const` outside model builds.
        ///
        /// ```
        /// use portalis_primitives::ReentrantMutex;
        /// use std::cell::Cell;
        ///
        /// static RLOCK: ReentrantMutex<Cell<u32>> = ReentrantMutex::new(Cell::new(0));
        /// let outer = RLOCK.lock();
        /// let inner = RLOCK.lock(); // the same thread takes it again
        /// inner.set(inner.get() + 1);
        /// drop(inner);
        /// drop(outer);
        /// assert_eq!(RLOCK.lock().get(), 1);
        /// ```
        pub fn new(value: T) -> Self {
            ReentrantMutex {
                raw: RawMutex::new(),
                owner: AtomicU64::new(0),
                count: AtomicU32::new(0),
                data: UnsafeCell::new(value),
            }
        }
    }

    /// Consumes the mutex, returning the data.
    pub fn into_inner(self) -> T {
        self.data.into_inner()
    }
}

impl<T: ?Sized> ReentrantMutex<T> {
    /// The address [`Condvar`](crate::Condvar) compares to detect one condvar used with two
    /// locks at once.
    pub(crate) fn raw_addr(&self) -> usize {
        &self.raw as *const RawMutex as usize
    }

    /// `Ok(true)` when acquired (again), `Ok(false)` on timeout.
    fn acquire_deadline(&self, d: Deadline) -> Result<bool, LockError> {
        let me = this_thread();
        // Relaxed: only this thread ever stores `me`.
        if self.owner.load(Relaxed) == me {
            let c = self.count.load(Relaxed);
            assert!(c < u32::MAX, "ReentrantMutex recursion count overflow");
            self.count.store(c + 1, Relaxed);
            return Ok(true);
        }
        if !self.raw.try_lock() && !self.raw.lock_until(d)? {
            return Ok(false);
        }
        // Relaxed: the raw mutex orders these for the next owner.
        self.owner.store(me, Relaxed);
        self.count.store(1, Relaxed);
        Ok(true)
    }

    /// Acquires, blocking without limit (Python `acquire()`).
    ///
    /// # Errors
    /// [`LockError::WouldDeadlock`] on a target without threads when another holder exists.
    pub fn acquire(&self) -> Result<(), LockError> {
        self.acquire_deadline(Deadline::never()).map(|_| ())
    }

    /// Acquires if possible without waiting (Python `acquire(blocking=False)`).
    pub fn try_acquire(&self) -> bool {
        self.acquire_deadline(Deadline::after(Duration::ZERO))
            .unwrap_or(false)
    }

    /// Acquires, waiting at most `timeout` (Python `acquire(timeout=...)`): `Ok(false)` on
    /// timeout.
    ///
    /// # Errors
    /// As [`acquire`](Self::acquire), for `Duration::MAX`.
    pub fn acquire_timeout(&self, timeout: Duration) -> Result<bool, LockError> {
        self.acquire_deadline(Deadline::after(timeout))
    }

    /// Releases one level of acquisition (Python `release()`).
    ///
    /// # Errors
    /// [`ReleaseError::NotOwner`] when this thread does not hold the lock; nothing changes.
    pub fn release(&self) -> Result<(), ReleaseError> {
        // Relaxed: see `acquire_deadline`.
        if self.owner.load(Relaxed) != this_thread() {
            return Err(ReleaseError::NotOwner);
        }
        let c = self.count.load(Relaxed);
        if c > 1 {
            self.count.store(c - 1, Relaxed);
        } else {
            self.count.store(0, Relaxed);
            self.owner.store(0, Relaxed);
            // SAFETY: we own the raw mutex (owner == us).
            unsafe { self.raw.unlock() };
        }
        Ok(())
    }

    /// Releases every level at once and returns the depth (Python `Condition` with an RLock
    /// uses this as `_release_save`).
    ///
    /// # Errors
    /// [`ReleaseError::NotOwner`] when this thread does not hold the lock.
    pub fn release_all(&self) -> Result<u32, ReleaseError> {
        // Relaxed: see `acquire_deadline`.
        if self.owner.load(Relaxed) != this_thread() {
            return Err(ReleaseError::NotOwner);
        }
        let c = self.count.swap(0, Relaxed);
        self.owner.store(0, Relaxed);
        // SAFETY: we own the raw mutex.
        unsafe { self.raw.unlock() };
        Ok(c)
    }

    /// Re-acquires with a saved depth (the counterpart of [`release_all`](Self::release_all)).
    ///
    /// # Errors
    /// As [`acquire`](Self::acquire).
    ///
    /// # Panics
    /// If `depth` is 0.
    pub fn acquire_restore(&self, depth: u32) -> Result<(), LockError> {
        assert!(depth > 0, "depth must be at least 1");
        self.acquire()?;
        // Relaxed: owner-only field.
        self.count.store(depth, Relaxed);
        Ok(())
    }

    /// `true` when the calling thread holds the lock (Python `_is_owned`).
    pub fn is_owned_by_current_thread(&self) -> bool {
        // Relaxed: see `acquire_deadline`.
        self.owner.load(Relaxed) == this_thread()
    }

    /// Acquires and returns a guard.
    ///
    /// # Panics
    /// See the type's docs.
    pub fn lock(&self) -> ReentrantMutexGuard<'_, T> {
        if self.acquire().is_err() {
            panic!("{}", crate::deadline::DEADLOCK_MSG);
        }
        ReentrantMutexGuard::new(self)
    }

    /// A guard if the lock is free or already ours.
    pub fn try_lock(&self) -> Option<ReentrantMutexGuard<'_, T>> {
        self.try_acquire().then(|| ReentrantMutexGuard::new(self))
    }

    /// A guard, waiting at most `timeout`.
    pub fn try_lock_for(&self, timeout: Duration) -> Option<ReentrantMutexGuard<'_, T>> {
        matches!(self.acquire_deadline(Deadline::after(timeout)), Ok(true))
            .then(|| ReentrantMutexGuard::new(self))
    }

    /// A guard, waiting until `deadline` at the latest.
    pub fn try_lock_until(&self, deadline: Instant) -> Option<ReentrantMutexGuard<'_, T>> {
        matches!(self.acquire_deadline(Deadline::at(deadline)), Ok(true))
            .then(|| ReentrantMutexGuard::new(self))
    }
}

impl<T: Default> Default for ReentrantMutex<T> {
    fn default() -> Self {
        ReentrantMutex::new(T::default())
    }
}

/// Shows the data when this thread can take the lock (it is free or already ours), else
/// `<locked>`, as parking_lot does; never waits.
///
/// ```
/// let m = portalis_primitives::ReentrantMutex::new(5);
/// assert_eq!(format!("{m:?}"), "ReentrantMutex { data: 5, .. }");
/// ```
impl<T: ?Sized + fmt::Debug> fmt::Debug for ReentrantMutex<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("ReentrantMutex");
        match self.try_lock() {
            Some(g) => d.field("data", &&*g),
            None => d.field("data", &crate::mutex::LockedPlaceholder),
        };
        d.finish_non_exhaustive()
    }
}

/// Shared access to a [`ReentrantMutex`]'s data; releases one level on drop.
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct ReentrantMutexGuard<'a, T: ?Sized> {
    lock: &'a ReentrantMutex<T>,
    _not_send: PhantomData<*const ()>,
}

impl<'a, T: ?Sized> ReentrantMutexGuard<'a, T> {
    fn new(lock: &'a ReentrantMutex<T>) -> Self {
        ReentrantMutexGuard {
            lock,
            _not_send: PhantomData,
        }
    }

    /// Releases one level fairly: when this is the last level (recursion count 1) and a
    /// thread sleeps on the lock, the lock goes straight to it, as
    /// [`MutexGuard::unlock_fair`](crate::MutexGuard::unlock_fair); when this thread still
    /// holds other levels, it only drops this one (the lock stays ours), like dropping the
    /// guard.
    ///
    /// # Examples
    /// ```
    /// use portalis_primitives::{ReentrantMutex, ReentrantMutexGuard};
    ///
    /// let m = ReentrantMutex::new(());
    /// let outer = m.lock();
    /// let inner = m.lock();
    /// ReentrantMutexGuard::unlock_fair(inner); // depth 2 → 1: still ours
    /// assert!(m.is_owned_by_current_thread());
    /// ReentrantMutexGuard::unlock_fair(outer); // the last level: released
    /// assert!(!m.is_owned_by_current_thread());
    /// ```
    pub fn unlock_fair(this: Self) {
        let lock = this.lock;
        core::mem::forget(this);
        // Relaxed: owner-only field.
        let c = lock.count.load(Relaxed);
        if c > 1 {
            lock.count.store(c - 1, Relaxed);
        } else {
            lock.count.store(0, Relaxed);
            lock.owner.store(0, Relaxed);
            // SAFETY: the guard proved this thread owns the raw mutex.
            unsafe { lock.raw.unlock_fair() };
        }
    }

    /// Lets a sleeping waiter have the lock, then takes it back with the same recursion
    /// depth (every guard of this thread stays valid, but the data may have changed): if a
    /// thread sleeps on the lock, all levels are released with a fair hand-off and retaken;
    /// otherwise nothing happens. Unlike [`unlock_fair`](Self::unlock_fair) this works at
    /// any depth, because the thread gets the lock back before any of its guards is used
    /// again.
    ///
    /// # Examples
    /// ```
    /// use portalis_primitives::{ReentrantMutex, ReentrantMutexGuard};
    /// use std::cell::Cell;
    ///
    /// let m = ReentrantMutex::new(Cell::new(0));
    /// let outer = m.lock();
    /// let mut inner = m.lock();
    /// ReentrantMutexGuard::bump(&mut inner); // nobody waits: no-op
    /// inner.set(1);
    /// drop(inner);
    /// assert_eq!(outer.get(), 1);
    /// ```
    pub fn bump(this: &mut Self) {
        let lock = this.lock;
        if lock.raw.sleepers() == 0 {
            return;
        }
        // Relaxed: owner-only fields; the raw mutex orders them for the next owner.
        let c = lock.count.swap(0, Relaxed);
        let me = lock.owner.swap(0, Relaxed);
        // SAFETY: the guard proves this thread owns the raw mutex.
        unsafe { lock.raw.unlock_fair() };
        lock.raw.lock();
        lock.owner.store(me, Relaxed);
        lock.count.store(c, Relaxed);
    }
}

impl<T: ?Sized> Deref for ReentrantMutexGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: only the owning thread holds guards, and only `&T` is handed out.
        self.lock.data.with(|p| unsafe { &*p })
    }
}

impl<T: ?Sized> Drop for ReentrantMutexGuard<'_, T> {
    fn drop(&mut self) {
        // The guard proves ownership; an error here would be a bug in this module.
        let r = self.lock.release();
        debug_assert!(r.is_ok());
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for ReentrantMutexGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

// Unit tests use real threads and sleeps; the models run verify/tests/loom_* and verify/tests/shuttle_*.
#[cfg(all(test, not(any(portalis_loom, portalis_shuttle))))]
mod tests {
    use super::*;
    use crate::sync::{thread, Arc};
    use core::cell::Cell;

    #[test]
    fn recursion_and_errors() {
        let m = ReentrantMutex::new(Cell::new(0));
        assert_eq!(m.release(), Err(ReleaseError::NotOwner));
        m.acquire().unwrap();
        m.acquire().unwrap();
        assert!(m.is_owned_by_current_thread());
        m.release().unwrap();
        m.release().unwrap();
        assert_eq!(m.release(), Err(ReleaseError::NotOwner));
        let g = m.lock();
        let g2 = m.lock();
        g2.set(2);
        drop(g2);
        assert_eq!(g.get(), 2);
        drop(g);
        assert!(!m.is_owned_by_current_thread());
    }

    /// The hand-off of `unlock_fair` (see the Mutex test of the same name): the last level's
    /// fair release gives the lock to the registered sleeper, so an immediate `try_acquire`
    /// fails; an inner level's fair release keeps the lock.
    #[cfg_attr(portalis_no_threads, ignore = "spawns threads; this target has none")]
    #[test]
    fn unlock_fair_hands_the_lock_to_the_sleeper() {
        use std::sync::mpsc;
        let m = Arc::new(ReentrantMutex::new(Cell::new(0)));
        let outer = m.lock();
        let inner = m.lock();
        let (go, wait_go) = mpsc::channel::<()>();
        let m2 = m.clone();
        let b = thread::spawn(move || {
            let g = m2.lock();
            g.set(g.get() + 1);
            // Hold the lock until the main thread has checked.
            wait_go.recv().unwrap();
        });
        while m.raw.sleepers() == 0 {
            thread::yield_now();
        }
        ReentrantMutexGuard::unlock_fair(inner);
        assert!(m.is_owned_by_current_thread());
        ReentrantMutexGuard::unlock_fair(outer);
        assert!(!m.try_acquire(), "a fair release freed the lock");
        go.send(()).unwrap();
        b.join().unwrap();
        assert_eq!(m.lock().get(), 1);
    }

    /// `bump` at depth 2 with a sleeper: the sleeper runs, and the depth is restored (two
    /// releases are needed before another thread can take the lock).
    #[cfg_attr(portalis_no_threads, ignore = "spawns threads; this target has none")]
    #[test]
    fn bump_restores_the_depth() {
        let m = Arc::new(ReentrantMutex::new(Cell::new(0)));
        let outer = m.lock();
        let mut inner = m.lock();
        let m2 = m.clone();
        let b = thread::spawn(move || {
            let g = m2.lock();
            g.set(g.get() + 1);
        });
        while m.raw.sleepers() == 0 {
            thread::yield_now();
        }
        ReentrantMutexGuard::bump(&mut inner);
        assert_eq!(inner.get(), 1);
        b.join().unwrap();
        drop(inner);
        assert!(m.is_owned_by_current_thread());
        drop(outer);
        let m3 = m.clone();
        assert!(thread::spawn(move || m3.try_acquire()).join().unwrap());
    }

    #[cfg_attr(portalis_no_threads, ignore = "spawns threads; this target has none")]
    #[test]
    fn other_thread_excluded() {
        let m = Arc::new(ReentrantMutex::new(()));
        m.acquire().unwrap();
        let m2 = m.clone();
        thread::spawn(move || {
            assert!(!m2.try_acquire());
            assert_eq!(m2.acquire_timeout(Duration::from_millis(5)), Ok(false));
            assert_eq!(m2.release(), Err(ReleaseError::NotOwner));
        })
        .join()
        .unwrap();
        let depth = m.release_all().unwrap();
        assert_eq!(depth, 1);
        let m3 = m.clone();
        thread::spawn(move || {
            assert!(m3.try_acquire());
            m3.release().unwrap();
        })
        .join()
        .unwrap();
    }
}
