//! [`RwLock<T>`]: readers–writer lock on one state word plus a writer wake-up sequence.
//!
//! # State word
//! | bits | name | meaning |
//! |---|---|---|
//! | 0..=28 | [`READERS_MASK`] | number of read guards alive |
//! | 29 | [`WRITER_BIT`] | a writer holds the lock (then the reader count is 0) |
//! | 30 | [`WRITERS_WAITING_BIT`] | a writer may be asleep on `writer_seq` |
//! | 31 | [`READERS_WAITING_BIT`] | a reader may be asleep on `state` |
//!
//! # Fairness policy (writer-preferring while held, open race on release)
//! * A new reader does not join readers that are already inside while a writer waits
//!   (`WRITERS_WAITING_BIT` set): writers are not starved by a stream of overlapping readers.
//! * Nobody ever waits on a **free** lock: when the lock is free, readers and writers just
//!   take it, whatever waiting bits are left (stale bits from timed-out waiters only cost an
//!   extra wake-up, never a hang).
//! * When the lock becomes free (last reader out, or writer out) the releaser clears both
//!   waiting bits and wakes one writer and all readers that announced themselves; they race.
//!   A woken writer that loses sets its bit again, which holds new readers back again.
//! * No upgradable read: an upgradable state needs a third holder kind, and its cost falls on
//!   every read path. `RwLockWriteGuard::downgrade` is provided instead (cheap: one RMW).
//!
//! No poisoning.

use crate::deadline::{backoff_step, block, Blocked, Deadline};
use crate::futex;
use crate::sync::atomic::{
    AtomicU32,
    Ordering::{Acquire, Relaxed, Release},
};
use crate::sync::cell::UnsafeCell;
use crate::time::Instant;
use core::fmt;
use core::marker::PhantomData;
use core::ops::{Deref, DerefMut};
use std::time::Duration;

/// Reader count.
pub(crate) const READERS_MASK: u32 = (1 << 29) - 1;
/// A writer holds the lock.
pub(crate) const WRITER_BIT: u32 = 1 << 29;
/// A writer may be asleep on `writer_seq`.
pub(crate) const WRITERS_WAITING_BIT: u32 = 1 << 30;
/// A reader may be asleep on `state`.
pub(crate) const READERS_WAITING_BIT: u32 = 1 << 31;
/// The most readers at once; one more panics.
const MAX_READERS: u32 = READERS_MASK - 1;

/// Spins before sleeping (same rationale as `mutex::SPIN_LIMIT`).
const SPIN_LIMIT: u32 = 40;

#[inline]
fn readers(s: u32) -> u32 {
    s & READERS_MASK
}
#[inline]
fn is_write_locked(s: u32) -> bool {
    s & WRITER_BIT != 0
}
#[inline]
fn is_free(s: u32) -> bool {
    s & (WRITER_BIT | READERS_MASK) == 0
}
/// A reader may enter: no writer inside, and no writer waiting behind readers still inside.
#[inline]
fn readable(s: u32) -> bool {
    !is_write_locked(s) && (readers(s) == 0 || s & WRITERS_WAITING_BIT == 0)
}

/// A readers–writer lock: many readers or one writer. See the module docs for the fairness
/// policy (writer-preferring while held) and the bit layout.
///
/// # Examples
/// ```
/// use portalis_primitives::RwLock;
/// use std::sync::Arc;
///
/// let l = Arc::new(RwLock::new(vec![1]));
/// let l2 = l.clone();
/// let t = std::thread::spawn(move || l2.write().push(2));
/// t.join().unwrap();
/// assert_eq!(*l.read(), [1, 2]);
/// ```
///
/// # Panics
/// Untimed `read`/`write` panic on a target without threads when they would block for ever;
/// `read` panics past 2^29 − 2 simultaneous readers.
///
/// ## Memory ordering
/// A write guard's drop is Release and every acquisition is Acquire: readers and the next
/// writer see everything the last writer wrote.
pub struct RwLock<T> {
    state: AtomicU32,
    /// Incremented (Release) before waking a writer; writers sleep on it.
    writer_seq: AtomicU32,
    data: UnsafeCell<T>,
}

// SAFETY: like std's RwLock: `T: Send` to move it between writers, `T: Sync` for shared readers.
unsafe impl<T: Send> Send for RwLock<T> {}
// SAFETY: as above.
unsafe impl<T: Send + Sync> Sync for RwLock<T> {}

impl<T> RwLock<T> {
    /// A new unlocked lock.
    pub fn new(value: T) -> Self {
        RwLock {
            state: AtomicU32::new(0),
            writer_seq: AtomicU32::new(0),
            data: UnsafeCell::new(value),
        }
    }

    /// Shared access, blocking while a writer holds or waits for the lock.
    #[inline]
    pub fn read(&self) -> RwLockReadGuard<'_, T> {
        if !self.try_read_fast() && !self.read_contended(Deadline::never()) {
            unreachable!("untimed read returned without the lock");
        }
        RwLockReadGuard::new(self)
    }

    /// Shared access if available now.
    #[inline]
    pub fn try_read(&self) -> Option<RwLockReadGuard<'_, T>> {
        self.try_read_fast().then(|| RwLockReadGuard::new(self))
    }

    /// Shared access, waiting at most `timeout`.
    pub fn try_read_for(&self, timeout: Duration) -> Option<RwLockReadGuard<'_, T>> {
        self.read_deadline(Deadline::after(timeout))
    }

    /// Shared access, waiting until `deadline` at the latest.
    pub fn try_read_until(&self, deadline: Instant) -> Option<RwLockReadGuard<'_, T>> {
        self.read_deadline(Deadline::at(deadline))
    }

    fn read_deadline(&self, d: Deadline) -> Option<RwLockReadGuard<'_, T>> {
        (self.try_read_fast() || self.read_contended(d)).then(|| RwLockReadGuard::new(self))
    }

    /// Exclusive access.
    #[inline]
    pub fn write(&self) -> RwLockWriteGuard<'_, T> {
        if !self.try_write_fast() && !self.write_contended(Deadline::never()) {
            unreachable!("untimed write returned without the lock");
        }
        RwLockWriteGuard::new(self)
    }

    /// Exclusive access if free now.
    #[inline]
    pub fn try_write(&self) -> Option<RwLockWriteGuard<'_, T>> {
        self.try_write_fast().then(|| RwLockWriteGuard::new(self))
    }

    /// Exclusive access, waiting at most `timeout`.
    pub fn try_write_for(&self, timeout: Duration) -> Option<RwLockWriteGuard<'_, T>> {
        self.write_deadline(Deadline::after(timeout))
    }

    /// Exclusive access, waiting until `deadline` at the latest.
    pub fn try_write_until(&self, deadline: Instant) -> Option<RwLockWriteGuard<'_, T>> {
        self.write_deadline(Deadline::at(deadline))
    }

    fn write_deadline(&self, d: Deadline) -> Option<RwLockWriteGuard<'_, T>> {
        (self.try_write_fast() || self.write_contended(d)).then(|| RwLockWriteGuard::new(self))
    }

    /// Mutable access without locking.
    pub fn get_mut(&mut self) -> &mut T {
        // SAFETY: `&mut self` proves no guard and no other reference exists.
        self.data.with_mut(|p| unsafe { &mut *p })
    }

    /// Consumes the lock, returning the data.
    pub fn into_inner(self) -> T {
        self.data.into_inner()
    }

    /// Never fails spuriously: retries while the lock stays readable.
    #[inline]
    fn try_read_fast(&self) -> bool {
        let mut s = self.state.load(Relaxed);
        while readable(s) && readers(s) < MAX_READERS {
            // Acquire: pairs with the Release in `write_unlock` / `read_unlock`.
            match self.state.compare_exchange_weak(s, s + 1, Acquire, Relaxed) {
                Ok(_) => return true,
                Err(now) => s = now,
            }
        }
        false
    }

    /// Never fails spuriously: retries while the lock stays free (waiting bits may change).
    #[inline]
    fn try_write_fast(&self) -> bool {
        let mut s = self.state.load(Relaxed);
        while is_free(s) {
            // Acquire: pairs with the Release in `write_unlock` / `read_unlock`.
            match self
                .state
                .compare_exchange_weak(s, s | WRITER_BIT, Acquire, Relaxed)
            {
                Ok(_) => return true,
                Err(now) => s = now,
            }
        }
        false
    }

    /// Returns `true` with a read lock held, `false` on timeout.
    #[cold]
    fn read_contended(&self, deadline: Deadline) -> bool {
        let mut spin = 0;
        loop {
            let s = self.state.load(Relaxed);
            if readable(s) {
                assert!(readers(s) < MAX_READERS, "too many readers");
                // Acquire: pairs with the Release in `write_unlock` / `read_unlock`.
                if self
                    .state
                    .compare_exchange_weak(s, s + 1, Acquire, Relaxed)
                    .is_ok()
                {
                    return true;
                }
                continue;
            }
            if s & READERS_WAITING_BIT == 0 && backoff_step(&mut spin, SPIN_LIMIT) {
                continue;
            }
            if s & READERS_WAITING_BIT == 0 {
                // Announce ourselves; the releaser that frees the lock will wake us.
                if self
                    .state
                    .compare_exchange(s, s | READERS_WAITING_BIT, Relaxed, Relaxed)
                    .is_err()
                {
                    continue;
                }
            }
            match block(&self.state, s | READERS_WAITING_BIT, deadline) {
                Ok(Blocked::Woken) => {}
                Ok(Blocked::TimedOut) => return self.try_read_fast(),
                Err(_) if deadline.is_never() => panic!("{}", crate::deadline::DEADLOCK_MSG),
                Err(_) => return false,
            }
        }
    }

    /// Returns `true` with the write lock held, `false` on timeout.
    #[cold]
    fn write_contended(&self, deadline: Deadline) -> bool {
        let mut spin = 0;
        // A writer that has slept takes the lock with WRITERS_WAITING_BIT kept set: it cannot
        // know whether other writers still sleep, so its unlock must wake one.
        let mut extra = 0;
        loop {
            let s = self.state.load(Relaxed);
            if is_free(s) {
                // Acquire: pairs with the Release in `write_unlock` / `read_unlock`.
                if self
                    .state
                    .compare_exchange_weak(s, s | WRITER_BIT | extra, Acquire, Relaxed)
                    .is_ok()
                {
                    return true;
                }
                continue;
            }
            if s & WRITERS_WAITING_BIT == 0 && backoff_step(&mut spin, SPIN_LIMIT) {
                continue;
            }
            if s & WRITERS_WAITING_BIT == 0
                && self
                    .state
                    .compare_exchange(s, s | WRITERS_WAITING_BIT, Relaxed, Relaxed)
                    .is_err()
            {
                continue;
            }
            // Acquire: pairs with the Release increment in `wake_writer`.
            let seq = self.writer_seq.load(Acquire);
            // Re-check after reading `seq`: the lock must still be held AND our bit still set.
            // A releaser clears the bit and then bumps `seq` (Release): if our `seq` load saw
            // the bump, this load sees the cleared bit and we retry; if not, the bump makes
            // the wait below return. (Checking only "held" lost a wake-up: a releaser cleared
            // the bit, a reader entered, and we slept with no bit for its unlock to see —
            // found by loom_rwlock_two_writers_and_a_reader.)
            let now = self.state.load(Relaxed);
            if is_free(now) || now & WRITERS_WAITING_BIT == 0 {
                continue;
            }
            extra = WRITERS_WAITING_BIT;
            match block(&self.writer_seq, seq, deadline) {
                Ok(Blocked::Woken) => {}
                Ok(Blocked::TimedOut) => return self.try_write_fast(),
                Err(_) if deadline.is_never() => panic!("{}", crate::deadline::DEADLOCK_MSG),
                Err(_) => return false,
            }
        }
    }

    /// # Safety
    /// The caller holds a read lock.
    #[inline]
    unsafe fn read_unlock(&self) {
        // Release: pairs with the Acquire of the next writer.
        let s = self.state.fetch_sub(1, Release);
        if readers(s) == 1 && s & (WRITERS_WAITING_BIT | READERS_WAITING_BIT) != 0 {
            self.wake_after_free();
        }
    }

    /// # Safety
    /// The caller holds the write lock.
    #[inline]
    unsafe fn write_unlock(&self) {
        // Release: pairs with the Acquire of the next reader or writer.
        let s = self.state.fetch_and(!WRITER_BIT, Release);
        if s & (WRITERS_WAITING_BIT | READERS_WAITING_BIT) != 0 {
            self.wake_after_free();
        }
    }

    /// The lock was just seen free with waiting bits: clear them and wake their owners.
    #[cold]
    fn wake_after_free(&self) {
        let mut s = self.state.load(Relaxed);
        loop {
            if !is_free(s) {
                // Someone took it meanwhile; their release will do the waking.
                return;
            }
            let bits = s & (WRITERS_WAITING_BIT | READERS_WAITING_BIT);
            if bits == 0 {
                return;
            }
            match self
                .state
                .compare_exchange_weak(s, s & !bits, Relaxed, Relaxed)
            {
                Ok(_) => {
                    if bits & WRITERS_WAITING_BIT != 0 {
                        // Release: pairs with the Acquire load of `writer_seq` in
                        // `write_contended`.
                        self.writer_seq.fetch_add(1, Release);
                        futex::wake_one(&self.writer_seq);
                    }
                    if bits & READERS_WAITING_BIT != 0 {
                        futex::wake_all(&self.state);
                    }
                    return;
                }
                Err(now) => s = now,
            }
        }
    }
}

impl<T: Default> Default for RwLock<T> {
    fn default() -> Self {
        RwLock::new(T::default())
    }
}

impl<T> fmt::Debug for RwLock<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.state.load(Relaxed);
        f.debug_struct("RwLock")
            .field("readers", &readers(s))
            .field("writer", &is_write_locked(s))
            .finish_non_exhaustive()
    }
}

/// Shared access to an [`RwLock`]'s data.
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct RwLockReadGuard<'a, T> {
    lock: &'a RwLock<T>,
    _not_send: PhantomData<*const ()>,
}

// SAFETY: shares `&T` only.
unsafe impl<T: Sync> Sync for RwLockReadGuard<'_, T> {}

impl<'a, T> RwLockReadGuard<'a, T> {
    fn new(lock: &'a RwLock<T>) -> Self {
        RwLockReadGuard {
            lock,
            _not_send: PhantomData,
        }
    }
}

impl<T> Deref for RwLockReadGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: a read lock is held: no writer has `&mut T`.
        self.lock.data.with(|p| unsafe { &*p })
    }
}

impl<T> Drop for RwLockReadGuard<'_, T> {
    fn drop(&mut self) {
        // SAFETY: this guard holds a read lock.
        unsafe { self.lock.read_unlock() }
    }
}

impl<T: fmt::Debug> fmt::Debug for RwLockReadGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

/// Exclusive access to an [`RwLock`]'s data.
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct RwLockWriteGuard<'a, T> {
    lock: &'a RwLock<T>,
    _not_send: PhantomData<*const ()>,
}

// SAFETY: shares `&T` only.
unsafe impl<T: Sync> Sync for RwLockWriteGuard<'_, T> {}

impl<'a, T> RwLockWriteGuard<'a, T> {
    fn new(lock: &'a RwLock<T>) -> Self {
        RwLockWriteGuard {
            lock,
            _not_send: PhantomData,
        }
    }

    /// Turns exclusive access into shared access without letting a writer in between.
    pub fn downgrade(this: Self) -> RwLockReadGuard<'a, T> {
        let lock = this.lock;
        core::mem::forget(this);
        // Release: pairs with the Acquire of readers that enter after this.
        let s = lock.state.fetch_add(1u32.wrapping_sub(WRITER_BIT), Release);
        if s & READERS_WAITING_BIT != 0
            && lock.state.fetch_and(!READERS_WAITING_BIT, Relaxed) & READERS_WAITING_BIT != 0
        {
            futex::wake_all(&lock.state);
        }
        RwLockReadGuard::new(lock)
    }
}

impl<T> Deref for RwLockWriteGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: the write lock is held.
        self.lock.data.with(|p| unsafe { &*p })
    }
}

impl<T> DerefMut for RwLockWriteGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: the write lock is held and `&mut self` is unique.
        self.lock.data.with_mut(|p| unsafe { &mut *p })
    }
}

impl<T> Drop for RwLockWriteGuard<'_, T> {
    fn drop(&mut self) {
        // SAFETY: this guard holds the write lock.
        unsafe { self.lock.write_unlock() }
    }
}

impl<T: fmt::Debug> fmt::Debug for RwLockWriteGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

// Unit tests use real threads and sleeps; the models run tests/loom_* and tests/shuttle_*.
#[cfg(all(test, not(any(portalis_loom, portalis_shuttle))))]
mod tests {
    use super::*;
    use crate::sync::{thread, Arc};

    const ROUNDS: usize = if cfg!(miri) { 30 } else { 10_000 };

    #[cfg_attr(portalis_no_threads, ignore = "spawns threads; this target has none")]
    #[test]
    fn readers_and_writers() {
        let l = Arc::new(RwLock::new((0usize, 0usize)));
        let hs: Vec<_> = (0..4)
            .map(|i| {
                let l = l.clone();
                thread::spawn(move || {
                    for _ in 0..ROUNDS {
                        if i % 2 == 0 {
                            let mut g = l.write();
                            g.0 += 1;
                            g.1 += 1;
                        } else {
                            let g = l.read();
                            assert_eq!(g.0, g.1);
                        }
                    }
                })
            })
            .collect();
        for h in hs {
            h.join().unwrap();
        }
        assert_eq!(l.read().0, 2 * ROUNDS);
    }

    #[test]
    fn timeouts_and_downgrade() {
        let l = RwLock::new(1);
        let r = l.read();
        assert!(l.try_read().is_some());
        assert!(l.try_write().is_none());
        assert!(l.try_write_for(Duration::from_millis(5)).is_none());
        drop(r);
        let w = l.try_write_for(Duration::MAX).unwrap();
        assert!(l.try_read_for(Duration::ZERO).is_none());
        let r = RwLockWriteGuard::downgrade(w);
        assert_eq!(*r, 1);
        assert!(l.try_read().is_some());
        assert!(l.try_write().is_none());
    }
}
