//! [`Mutex<T>`]: a one-word futex mutex, and the [`RawMutex`] the other primitives build on.
//!
//! # State word
//! | bit | name | meaning |
//! |---|---|---|
//! | 0 | [`LOCKED_BIT`] | held |
//! | 1 | [`PARKED_BIT`] | a thread may be asleep in `futex::wait` on this word: unlock must wake one |
//! | 2..=31 | – | always 0 |
//!
//! `0` is free; `LOCKED_BIT` is held with nobody asleep (the only state the fast paths touch);
//! `LOCKED_BIT | PARKED_BIT` is held with possible sleepers. `PARKED_BIT` alone is never
//! stored: unlock swaps in 0.
//!
//! # Protocol
//! 1. `lock` fast path: CAS `0 → LOCKED` (one RMW). Fails → `lock_contended`.
//! 2. `lock_contended` spins up to [`SPIN_LIMIT`] iterations while the holder has no sleepers,
//!    retrying the CAS whenever the lock bit clears (keeping `PARKED_BIT` if present).
//! 3. Then it swaps in `LOCKED | PARKED`. If the old value was free we own the lock (and
//!    keep the pessimistic `PARKED_BIT`, because we cannot know whether others sleep);
//!    otherwise we sleep on the word while it equals `LOCKED | PARKED` and go to 3.
//! 4. `unlock` swaps in 0; if the old value had `PARKED_BIT`, it wakes one sleeper (the only
//!    case that enters the kernel: we wake only when someone announced it may be waiting).
//!
//! No lost wake-up: a sleeper sleeps only on `LOCKED | PARKED`, which it stored itself (3)
//! with a swap ordered before any later unlock's swap on the same word; that unlock sees
//! `PARKED_BIT` and wakes. If the unlock came first, the word differs and the wait returns.
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
use core::fmt;
use core::marker::PhantomData;
use core::ops::{Deref, DerefMut};
use std::time::{Duration, Instant};

/// Held.
pub(crate) const LOCKED_BIT: u32 = 1;
/// Held, and a thread may be asleep on the word.
pub(crate) const PARKED_BIT: u32 = 2;

/// Spin iterations before sleeping (each one `spin_loop` ≈ one PAUSE, ≈25 ns on the 2-vCPU
/// KVM machines this was tuned on, so ≈1 µs, about a fifth of a futex wait/wake round trip).
/// Heuristic from `benches/sync.rs` `spin_budget` (L2 with 0/10/40/100/400 spins): 40 was
/// within noise of the best at 2 and 4 threads and clearly better than 0 and 400 at 16.
pub(crate) const SPIN_LIMIT: u32 = 40;

#[inline]
fn is_locked(s: u32) -> bool {
    s & LOCKED_BIT != 0
}

#[inline]
fn has_sleepers(s: u32) -> bool {
    s & PARKED_BIT != 0
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
        // Acquire: pairs with the Release swap in `unlock`.
        self.state
            .compare_exchange(0, LOCKED_BIT, Acquire, Relaxed)
            .is_ok()
    }

    #[inline]
    pub(crate) fn lock(&self) {
        if !self.try_lock() {
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

    #[cold]
    fn lock_contended(&self, deadline: Deadline) -> Result<bool, LockError> {
        // Step 2: spin while the holder has no sleepers (it is probably running).
        let mut spin = 0;
        loop {
            let s = self.state.load(Relaxed);
            if !is_locked(s) {
                // Acquire: pairs with the Release swap in `unlock`.
                match self
                    .state
                    .compare_exchange_weak(s, s | LOCKED_BIT, Acquire, Relaxed)
                {
                    Ok(_) => return Ok(true),
                    Err(_) => continue,
                }
            }
            if has_sleepers(s) || !backoff_step(&mut spin, SPIN_LIMIT) {
                break;
            }
        }
        // Step 3: announce ourselves and sleep.
        loop {
            // Acquire: pairs with the Release swap in `unlock` when this takes a free lock.
            if !is_locked(self.state.swap(LOCKED_BIT | PARKED_BIT, Acquire)) {
                return Ok(true);
            }
            match block(&self.state, LOCKED_BIT | PARKED_BIT, deadline) {
                Ok(Blocked::Woken) => {}
                Ok(Blocked::TimedOut) => {
                    // Last try: the lock may have been freed just as we timed out. Leaving
                    // PARKED_BIT behind is harmless (one extra wake).
                    return Ok(self.try_lock_keep_parked());
                }
                Err(_) => return Err(LockError::WouldDeadlock),
            }
        }
    }

    /// CAS on a free word, keeping whatever sleeper bit is there.
    fn try_lock_keep_parked(&self) -> bool {
        let s = self.state.load(Relaxed);
        // Acquire: pairs with the Release swap in `unlock`.
        !is_locked(s)
            && self
                .state
                .compare_exchange(s, s | LOCKED_BIT, Acquire, Relaxed)
                .is_ok()
    }

    /// # Safety
    /// The caller holds the lock.
    #[inline]
    pub(crate) unsafe fn unlock(&self) {
        // Release: pairs with the Acquire CAS/swap of the next locker (steps 1–3).
        if has_sleepers(self.state.swap(0, Release)) {
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
        assert!(t0.elapsed() >= Duration::from_millis(20), "timeout returned early");
        assert!(m.try_lock_for(Duration::ZERO).is_none());
        assert!(m.try_lock_until(Instant::now()).is_none());
        drop(g);
        assert!(m.try_lock_for(Duration::ZERO).is_some());
        assert!(m.try_lock_for(Duration::MAX).is_some());
    }

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

    #[test]
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
