//! [`Mutex<T>`]: a one-word futex mutex, and the [`RawMutex`] the other primitives build on.
//!
//! # State word
//! | bits | name | meaning |
//! |---|---|---|
//! | 0 | [`LOCKED_BIT`] | held |
//! | 1..=31 | sleepers | number of threads registered to sleep on the word (exact) |
//!
//! # Protocol
//! 1. `lock` fast path: CAS `0 → LOCKED` (one RMW). Fails → `lock_contended`.
//! 2. `lock_contended` spins [`SPIN_LIMIT`] PAUSEs, then yields `YIELD_LIMIT` times, while
//!    the lock is held and **nobody sleeps** (a sleeper means the queue is long: get in line),
//!    taking the lock with a CAS whenever the lock bit clears (sleepers are kept).
//! 3. Then it registers: CAS `s → s + SLEEPER` and sleeps while the word equals what it
//!    stored. On every wake-up it takes a free lock and deregisters in one CAS
//!    (`s → (s − SLEEPER) | LOCKED`); on timeout it deregisters; otherwise it spins again
//!    (step 2 rules, with its own registration not counted) and sleeps on the new value.
//! 4. `unlock`: `fetch_sub(LOCKED)`; if the old value shows sleepers, `wake_one` (the only
//!    case that enters the kernel).
//!
//! No lost wake-up: a sleeper sleeps only on a value that has the lock bit set and counts
//! itself; the unlock that clears that bit is a later RMW on the same word, sees the count
//! and wakes one; if the unlock came first, the word differs and the wait returns.
//! Unlike a "parked" bit (std's and Drepper's design), the count is exact, so once the last
//! sleeper is gone newcomers spin again instead of every contender going to the kernel.
//!
//! No poisoning: a panic while holding the guard just unlocks (the data may be half-updated,
//! as with `parking_lot`).

use crate::deadline::{backoff_step, block, Blocked, Deadline};
use crate::error::LockError;
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

/// Held.
pub(crate) const LOCKED_BIT: u32 = 1;
/// One registered sleeper.
const SLEEPER: u32 = 2;

/// Spin iterations (`spin_loop` ≈ one PAUSE) before the yield phase and sleeping. Heuristic,
/// tuned with rows L2 of `benches/perf_table/sync.rs` on the 2-vCPU machines (see ADR 010):
/// with the exact sleeper count, ≈1 µs of spinning before yielding was the best of the
/// values tried.
pub(crate) const SPIN_LIMIT: u32 = 40;

#[inline]
fn is_locked(s: u32) -> bool {
    s & LOCKED_BIT != 0
}

#[inline]
fn sleepers(s: u32) -> u32 {
    s >> 1
}

/// A mutual-exclusion lock without data: the building block of [`Mutex`], [`Condvar`]'s
/// queue lock and [`ReentrantMutex`](crate::ReentrantMutex).
///
/// [`Condvar`]: crate::Condvar
pub(crate) struct RawMutex {
    /// The state word; see the module's bit table.
    state: AtomicU32,
}

impl RawMutex {
    pub(crate) fn new() -> Self {
        RawMutex {
            state: AtomicU32::new(0),
        }
    }

    #[inline]
    pub(crate) fn try_lock(&self) -> bool {
        // Acquire: pairs with the Release fetch_sub in `unlock`.
        self.state
            .compare_exchange(0, LOCKED_BIT, Acquire, Relaxed)
            .is_ok()
            || self.try_lock_slow(0)
    }

    /// Takes a free lock whatever the sleeper count; `me` = our own registration to remove.
    fn try_lock_slow(&self, me: u32) -> bool {
        let mut s = self.state.load(Relaxed);
        while !is_locked(s) {
            // Acquire: pairs with the Release fetch_sub in `unlock`.
            match self
                .state
                .compare_exchange_weak(s, (s - me) | LOCKED_BIT, Acquire, Relaxed)
            {
                Ok(_) => return true,
                Err(now) => s = now,
            }
        }
        false
    }

    #[inline]
    pub(crate) fn lock(&self) {
        // Acquire: pairs with the Release `fetch_sub` in `unlock`.
        if self
            .state
            .compare_exchange(0, LOCKED_BIT, Acquire, Relaxed)
            .is_err()
        {
            // Acquire above: pairs with the Release fetch_sub in `unlock`.
            self.lock_contended(Deadline::never()).unwrap_or_else(|_| {
                panic!("{}", crate::deadline::DEADLOCK_MSG);
            });
        }
    }

    /// Locks before `deadline`; `Ok(false)` on timeout.
    #[inline]
    pub(crate) fn lock_until(&self, deadline: Deadline) -> Result<bool, LockError> {
        if self.try_lock() {
            return Ok(true);
        }
        self.lock_contended(deadline)
    }

    /// Step 2: spin/yield while held and nobody (else) sleeps. `true` once we hold the lock.
    fn spin_phase(&self, me: u32) -> bool {
        let mut step = 0;
        loop {
            if self.try_lock_slow(me) {
                return true;
            }
            let s = self.state.load(Relaxed);
            if sleepers(s) > me / SLEEPER || !backoff_step(&mut step, SPIN_LIMIT) {
                return false;
            }
        }
    }

    #[cold]
    fn lock_contended(&self, deadline: Deadline) -> Result<bool, LockError> {
        if self.spin_phase(0) {
            return Ok(true);
        }
        // Step 3: register (or take the lock if it came free).
        let mut s = self.state.load(Relaxed);
        loop {
            if !is_locked(s) {
                // Acquire: pairs with the Release fetch_sub in `unlock`.
                match self
                    .state
                    .compare_exchange_weak(s, s | LOCKED_BIT, Acquire, Relaxed)
                {
                    Ok(_) => return Ok(true),
                    Err(now) => s = now,
                }
                continue;
            }
            assert!(
                sleepers(s) < u32::MAX >> 1,
                "too many threads sleeping on one mutex"
            );
            match self
                .state
                .compare_exchange_weak(s, s + SLEEPER, Relaxed, Relaxed)
            {
                Ok(_) => {
                    s += SLEEPER;
                    break;
                }
                Err(now) => s = now,
            }
        }
        loop {
            let timed_out = match block(&self.state, s, deadline) {
                Ok(Blocked::Woken) => false,
                Ok(Blocked::TimedOut) => true,
                Err(_) => {
                    self.state.fetch_sub(SLEEPER, Relaxed);
                    return Err(LockError::WouldDeadlock);
                }
            };
            if !timed_out && self.spin_phase(SLEEPER) {
                return Ok(true);
            }
            if timed_out && self.try_lock_slow(SLEEPER) {
                return Ok(true);
            }
            if timed_out {
                // Relaxed: deregistering publishes nothing.
                self.state.fetch_sub(SLEEPER, Relaxed);
                return Ok(false);
            }
            // Sleep again only on a value with the lock bit set: its unlock will wake us.
            loop {
                s = self.state.load(Relaxed);
                if is_locked(s) {
                    break;
                }
                if self.try_lock_slow(SLEEPER) {
                    return Ok(true);
                }
            }
        }
    }

    /// # Safety
    /// The caller holds the lock.
    #[inline]
    pub(crate) unsafe fn unlock(&self) {
        // Release: pairs with the Acquire CAS of the next locker (steps 1–3).
        let s = self.state.fetch_sub(LOCKED_BIT, Release);
        if sleepers(s) != 0 {
            self.wake_one();
        }
    }

    #[cold]
    fn wake_one(&self) {
        futex::wake_one(&self.state);
    }

    #[inline]
    pub(crate) fn is_locked(&self) -> bool {
        is_locked(self.state.load(Relaxed))
    }
}

impl fmt::Debug for RawMutex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RawMutex")
            .field("locked", &self.is_locked())
            .finish()
    }
}

/// A mutual-exclusion lock protecting a `T`: one atomic RMW to lock and one to unlock when
/// uncontended, a bounded spin then a futex sleep when contended.
///
/// No poisoning: a panic while the guard is held unlocks the mutex; the next `lock` succeeds.
/// Not fair: a running thread may take the lock ahead of a sleeping one (better throughput;
/// a woken sleeper re-competes).
///
/// # Examples
/// ```
/// use portalis_primitives::Mutex;
/// use std::sync::Arc;
///
/// let m = Arc::new(Mutex::new(0));
/// let hs: Vec<_> = (0..4)
///     .map(|_| {
///         let m = m.clone();
///         std::thread::spawn(move || *m.lock() += 1)
///     })
///     .collect();
/// for h in hs {
///     h.join().unwrap();
/// }
/// assert_eq!(*m.lock(), 4);
/// ```
///
/// # Panics
/// [`lock`](Mutex::lock) panics only on a target without threads when the mutex is already
/// held (a certain deadlock). On the browser main thread it busy-waits instead of blocking.
///
/// ## Memory ordering
/// Everything a thread wrote while holding the lock is visible to the next thread that locks
/// it (unlock is Release, lock is Acquire).
pub struct Mutex<T> {
    pub(crate) raw: RawMutex,
    data: UnsafeCell<T>,
}

// SAFETY: the mutex hands out access to `T` to one thread at a time, so `T: Send` suffices.
unsafe impl<T: Send> Send for Mutex<T> {}
// SAFETY: as above: `&Mutex<T>` only yields `&mut T` under the lock.
unsafe impl<T: Send> Sync for Mutex<T> {}

impl<T> Mutex<T> {
    /// A new unlocked mutex.
    pub fn new(value: T) -> Self {
        Mutex {
            raw: RawMutex::new(),
            data: UnsafeCell::new(value),
        }
    }

    /// Locks, blocking until the lock is free.
    ///
    /// # Examples
    /// ```
    /// let m = portalis_primitives::Mutex::new(1);
    /// *m.lock() += 1;
    /// assert_eq!(*m.lock(), 2);
    /// ```
    ///
    /// # Panics
    /// On a target without threads when the lock is held (see the type's docs).
    #[inline]
    pub fn lock(&self) -> MutexGuard<'_, T> {
        self.raw.lock();
        MutexGuard::new(self)
    }

    /// Locks if free, without waiting.
    #[inline]
    pub fn try_lock(&self) -> Option<MutexGuard<'_, T>> {
        self.raw.try_lock().then(|| MutexGuard::new(self))
    }

    /// Locks, waiting at most `timeout` (`Duration::ZERO` = one attempt after a short spin,
    /// `Duration::MAX` = no limit). `None` on timeout.
    pub fn try_lock_for(&self, timeout: Duration) -> Option<MutexGuard<'_, T>> {
        self.lock_deadline(Deadline::after(timeout))
    }

    /// Locks, waiting until `deadline` at the latest. `None` on timeout.
    pub fn try_lock_until(&self, deadline: Instant) -> Option<MutexGuard<'_, T>> {
        self.lock_deadline(Deadline::at(deadline))
    }

    #[inline]
    fn lock_deadline(&self, d: Deadline) -> Option<MutexGuard<'_, T>> {
        match self.raw.lock_until(d) {
            Ok(true) => Some(MutexGuard::new(self)),
            // On a target without threads a timed wait just times out; an untimed one
            // (Duration::MAX) cannot succeed either.
            Ok(false) | Err(_) => None,
        }
    }

    /// `true` if some thread holds the lock (a racy snapshot).
    pub fn is_locked(&self) -> bool {
        self.raw.is_locked()
    }

    /// Mutable access without locking (the borrow proves exclusivity).
    pub fn get_mut(&mut self) -> &mut T {
        // SAFETY: `&mut self` proves no guard and no other reference exists.
        self.data.with_mut(|p| unsafe { &mut *p })
    }

    /// Consumes the mutex, returning the data.
    pub fn into_inner(self) -> T {
        self.data.into_inner()
    }

    /// Unlocks without a guard.
    ///
    /// # Safety
    /// The calling code must hold the lock through a guard it has `mem::forget`-ten.
    pub unsafe fn force_unlock(&self) {
        // SAFETY: the caller holds the lock.
        unsafe { self.raw.unlock() }
    }
}

impl<T: Default> Default for Mutex<T> {
    fn default() -> Self {
        Mutex::new(T::default())
    }
}

impl<T> fmt::Debug for Mutex<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Mutex")
            .field("locked", &self.is_locked())
            .finish_non_exhaustive()
    }
}

/// Exclusive access to a [`Mutex`]'s data; unlocks on drop (waking one sleeper if any).
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct MutexGuard<'a, T> {
    pub(crate) mutex: &'a Mutex<T>,
    // Not Send: the lock is released by the thread that holds it (as with std's guard).
    _not_send: PhantomData<*const ()>,
}

// SAFETY: sharing the guard shares `&T` only.
unsafe impl<T: Sync> Sync for MutexGuard<'_, T> {}

impl<'a, T> MutexGuard<'a, T> {
    #[inline]
    fn new(mutex: &'a Mutex<T>) -> Self {
        MutexGuard {
            mutex,
            _not_send: PhantomData,
        }
    }

    /// The mutex this guard locks (used by [`Condvar`](crate::Condvar) to unlock and relock).
    pub(crate) fn mutex(this: &Self) -> &'a Mutex<T> {
        this.mutex
    }

    /// Re-creates a guard after [`Condvar`](crate::Condvar) relocked the mutex.
    pub(crate) fn relocked(mutex: &'a Mutex<T>) -> Self {
        MutexGuard::new(mutex)
    }
}

impl<T> Deref for MutexGuard<'_, T> {
    type Target = T;
    #[inline]
    fn deref(&self) -> &T {
        // SAFETY: the guard proves we hold the lock, so no `&mut T` exists elsewhere.
        self.mutex.data.with(|p| unsafe { &*p })
    }
}

impl<T> DerefMut for MutexGuard<'_, T> {
    #[inline]
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: the guard proves exclusive access, and `&mut self` makes this the only
        // reference derived from it.
        self.mutex.data.with_mut(|p| unsafe { &mut *p })
    }
}

impl<T> Drop for MutexGuard<'_, T> {
    #[inline]
    fn drop(&mut self) {
        // SAFETY: the guard's existence proves we hold the lock.
        unsafe { self.mutex.raw.unlock() }
    }
}

impl<T: fmt::Debug> fmt::Debug for MutexGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

// Unit tests use real threads and sleeps; the models run tests/loom_* and tests/shuttle_*.
#[cfg(all(test, not(any(portalis_loom, portalis_shuttle))))]
mod tests {
    use super::*;
    use crate::sync::{thread, Arc};

    const ROUNDS: usize = if cfg!(miri) { 50 } else { 20_000 };

    #[cfg_attr(portalis_no_threads, ignore = "spawns threads; this target has none")]
    #[test]
    fn counts_under_contention() {
        let m = Arc::new(Mutex::new(0usize));
        let hs: Vec<_> = (0..4)
            .map(|_| {
                let m = m.clone();
                thread::spawn(move || {
                    for _ in 0..ROUNDS {
                        *m.lock() += 1;
                    }
                })
            })
            .collect();
        for h in hs {
            h.join().unwrap();
        }
        assert_eq!(*m.lock(), 4 * ROUNDS);
    }

    #[test]
    fn try_lock_and_timeouts() {
        let m = Mutex::new(());
        let g = m.lock();
        assert!(m.try_lock().is_none());
        let t0 = Instant::now();
        assert!(m.try_lock_for(Duration::from_millis(20)).is_none());
        assert!(
            t0.elapsed() >= Duration::from_millis(20),
            "timeout returned early"
        );
        assert!(m.try_lock_for(Duration::ZERO).is_none());
        assert!(m.try_lock_until(Instant::now()).is_none());
        drop(g);
        assert!(m.try_lock_for(Duration::ZERO).is_some());
        assert!(m.try_lock_for(Duration::MAX).is_some());
    }

    #[cfg_attr(portalis_no_threads, ignore = "spawns threads; this target has none")]
    #[test]
    fn dropping_guard_wakes_a_sleeper() {
        let m = Arc::new(Mutex::new(0));
        let g = m.lock();
        let m2 = m.clone();
        let t = thread::spawn(move || *m2.lock() += 1);
        // Let the other thread reach its sleep (not required for correctness).
        thread::sleep(Duration::from_millis(if cfg!(miri) { 1 } else { 20 }));
        drop(g);
        t.join().unwrap();
        assert_eq!(*m.lock(), 1);
    }

    #[cfg_attr(portalis_no_threads, ignore = "spawns threads; this target has none")]
    #[test]
    #[cfg(panic = "unwind")] // needs to catch a panicking thread (WASI is panic=abort)
    fn no_poisoning() {
        let m = Arc::new(Mutex::new(1));
        let m2 = m.clone();
        let r = thread::spawn(move || {
            let _g = m2.lock();
            panic!("boom");
        })
        .join();
        assert!(r.is_err());
        assert_eq!(*m.lock(), 1);
    }
}
