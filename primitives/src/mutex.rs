//! [`Mutex<T>`]: a one-word futex mutex, and the [`RawMutex`] the other primitives build on.
//!
//! # State word
//! | bits | name | meaning |
//! |---|---|---|
//! | 0 | [`LOCKED_BIT`] | held |
//! | 1 | `WAKING` | an unlocker woke a sleeper that has not yet taken the lock or slept again |
//! | 2 | `HANDOFF` | a fair unlock left the lock held for a registered thread to claim |
//! | 3..=31 | sleepers | number of threads registered to sleep on the word (exact) |
//!
//! # Protocol
//! 1. `lock` fast path: CAS `0 → LOCKED` (one RMW). Fails → `lock_contended`.
//! 2. `lock_contended` spins [`SPIN_ROUNDS`] growing rounds of PAUSEs (2, 4, 8), re-checking
//!    between rounds, then yields `YIELD_LIMIT` times, while the lock is held and **nobody
//!    sleeps** (a sleeper means the queue is long: get in line), taking the lock with a CAS
//!    whenever the lock bit clears (sleepers are kept).
//! 3. Then it registers: CAS `s → s + SLEEPER`. It sleeps only on a value with the lock bit
//!    set and `WAKING` clear (clearing `WAKING` first if needed). On every return from the
//!    wait it spins again (step 2 rules, its own registration not counted); a registered
//!    thread takes a free lock, deregisters and clears `WAKING` in one CAS
//!    (`s → (s − SLEEPER) & !WAKING | LOCKED`); on timeout it deregisters and clears
//!    `WAKING`, and wakes a sleeper if the lock is free and others still sleep.
//! 4. `unlock`: `fetch_sub(LOCKED)`; if the old value shows sleepers and no `WAKING`, it
//!    sets `WAKING` with a CAS (only while the lock is still free, sleepers remain and
//!    `WAKING` is clear) and `wake_one`s (the only case that enters the kernel).
//!
//! 5. `unlock_fair` (on request only): with no sleeper it is step 4. With sleepers it keeps
//!    the lock bit and sets `HANDOFF | WAKING` in one Release CAS, then `wake_one`s. Only a
//!    *registered* thread may claim a hand-off: `s → (s − SLEEPER) & !(WAKING | HANDOFF)`,
//!    lock bit kept, Acquire. Every path of a registered thread checks for it: the spin after
//!    a wake-up, `sleep_value` before sleeping (so nobody sleeps on a `HANDOFF` value), the
//!    timeout path and `deregister` (a timing-out waiter that finds `HANDOFF` takes the lock
//!    instead of leaving: the hand-off was made while it was still counted, and it may be the
//!    only one counted). Unregistered threads see only a held lock, and do not register
//!    while `HANDOFF` is set (they yield until it is claimed, watching their deadline):
//!    registering then would let a newcomer claim the hand-off meant for the sleepers. So
//!    the lock is never free
//!    between the fair unlock and the claim, and never stranded: `HANDOFF` is set only while
//!    the count is non-zero, and the count cannot drop to zero without claiming it.
//! 6. `lock_async` (an async waiter): registers as step 3 and awaits `futex::wait_future` on
//!    the same sleep values, so the unlock's `wake_one` reaches it like a thread (the futex
//!    wakes a registered future first). It yields to its executor instead of registering
//!    while `HANDOFF` is set. A future dropped while registered deregisters (as a timeout
//!    does: clears `WAKING`, wakes another sleeper if the lock is free, re-hands a pending
//!    hand-off), and `futex::wait_future` passes on a `wake_one` it was chosen by; so a
//!    cancelled waiter neither strands a wake-up nor leaves a phantom sleeper.
//!    `verify/tests/loom_async.rs` models it.
//!
//! # What bounds a waiter's wait
//! Without `unlock_fair`: nothing, under continuous contention. A woken sleeper re-competes
//! with running threads (barging); in practice it wins often because running contenders stop
//! spinning once a sleeper is registered, but no bound is promised. With `unlock_fair` (or
//! `bump`) used by every holder: the lock passes to *some* registered sleeper each time, so
//! newcomers cannot overtake the sleepers; which sleeper is up to the kernel's futex queue
//! (FIFO on Linux in practice, not promised) and to which registered thread is awake first,
//! so one waiter's wait is bounded only if the chosen sleeper is fair, not by this protocol.
//!
//! `WAKING` keeps unlocks from waking a second sleeper while the first has not run yet (on
//! 2 vCPUs with 4–16 threads a woken thread often waits for a core for milliseconds, and
//! without the bit every unlock made a `futex_wake` syscall, mostly waking nobody; ADR 017).
//!
//! No lost wake-up. Clearing `WAKING` is always safe (it can only cause an extra wake-up);
//! `WAKING` is set only by an unlocker that then calls `wake_one`, and while it is set some
//! registered thread is awake and will clear it before it sleeps or when it takes the lock:
//! either the wake-up reached a thread in the kernel, or nobody was in the kernel, so every
//! registered thread is awake. A sleeper sleeps only on a value with the lock bit set,
//! `WAKING` clear and itself counted; the unlock that clears that lock bit is a later RMW on
//! the same word: it sees the count and either `WAKING` clear (it wakes one) or set (set
//! after we slept, by an unlocker whose `wake_one` then found at least us in the kernel).
//! Sleeping on a value with `WAKING` set would not be safe: the word can return to that
//! value (ABA) after a `wake_one` that found nobody, leaving nobody awake to clear the bit.
//! Unlike a "parked" bit (std's and Drepper's design), the count is exact, so once the last
//! sleeper is gone newcomers spin again instead of every contender going to the kernel.
//!
//! No poisoning: a panic while holding the guard just unlocks (the data may be half-updated,
//! as with `parking_lot`).

use crate::deadline::{block, growing_spin_step, Blocked, Deadline};
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
/// A woken sleeper has not yet taken the lock or gone back to sleep: unlocks don't wake.
const WAKING: u32 = 2;
/// A fair unlock handed the lock to a registered thread that has not claimed it yet (the lock
/// bit stays set meanwhile).
const HANDOFF: u32 = 4;
/// One registered sleeper.
const SLEEPER: u32 = 8;

/// Spin rounds (2, 4, 8 PAUSEs, ≈0.35 µs in all) before the yield phase and sleeping.
/// Heuristic, tuned with rows L2 of `benches/perf_table/sync.rs` on the 2-vCPU machines (ADR
/// 017 replaced ADR 010's 40 single-PAUSE checks).
pub(crate) const SPIN_ROUNDS: u32 = 3;

#[inline]
fn is_locked(s: u32) -> bool {
    s & LOCKED_BIT != 0
}

#[inline]
fn sleepers(s: u32) -> u32 {
    s >> 3
}

#[inline]
fn is_handoff(s: u32) -> bool {
    s & HANDOFF != 0
}

#[inline]
fn is_waking(s: u32) -> bool {
    s & WAKING != 0
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
    const_fn_unless_model! {
        pub(crate) fn new() -> Self {
            RawMutex {
                state: AtomicU32::new(0),
            }
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

    /// Takes a free lock whatever the sleeper count; `me` = our own registration to remove
    /// (`SLEEPER` or 0). A registered thread also clears `WAKING` (it may be the woken one)
    /// and claims a pending hand-off (`HANDOFF`: the lock bit is still set for it).
    fn try_lock_slow(&self, me: u32) -> bool {
        let clear = if me != 0 { WAKING } else { 0 };
        let mut s = self.state.load(Relaxed);
        while !is_locked(s) || (me != 0 && is_handoff(s)) {
            // Acquire: pairs with the Release fetch_sub in `unlock` (free lock) or the Release
            // CAS in `unlock_fair` (hand-off; the lock bit is kept).
            match self.state.compare_exchange_weak(
                s,
                ((s - me) & !(clear | HANDOFF)) | LOCKED_BIT,
                Acquire,
                Relaxed,
            ) {
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
            if sleepers(s) > me / SLEEPER || !growing_spin_step(&mut step, SPIN_ROUNDS) {
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
        loop {
            match self.register() {
                Register::Locked => return Ok(true),
                Register::Registered => break,
                Register::HandoffPending => {
                    // A hand-off is pending for the threads already registered: registering
                    // now would let us claim it ahead of them. Wait (yielding, so the woken
                    // claimer gets a core) until it is claimed; this window exists only after
                    // an `unlock_fair`.
                    if deadline.is_expired_now() {
                        return Ok(false);
                    }
                    crate::sync::thread::yield_now();
                }
            }
        }
        loop {
            // Sleep only on a value with the lock bit set and WAKING clear: that lock's
            // unlock will wake one of us (see the module docs).
            let s = match self.sleep_value() {
                Some(s) => s,
                None => return Ok(true),
            };
            let timed_out = match block(&self.state, s, deadline) {
                Ok(Blocked::Woken) => false,
                Ok(Blocked::TimedOut) => true,
                Err(_) => {
                    if self.deregister() {
                        return Ok(true);
                    }
                    return Err(LockError::WouldDeadlock);
                }
            };
            if !timed_out && self.spin_phase(SLEEPER) {
                return Ok(true);
            }
            if timed_out {
                if self.try_lock_slow(SLEEPER) {
                    return Ok(true);
                }
                // `deregister` takes a hand-off made since the line above instead of leaving.
                return Ok(self.deregister());
            }
        }
    }

    /// Step 3's registration, shared by `lock_contended` and `lock_async`: takes a free lock,
    /// or adds one sleeper, or reports a pending hand-off (step 5: not ours to claim, so the
    /// caller waits for it to be claimed and calls again).
    fn register(&self) -> Register {
        let mut s = self.state.load(Relaxed);
        loop {
            if !is_locked(s) {
                // Acquire: pairs with the Release fetch_sub in `unlock`.
                match self
                    .state
                    .compare_exchange_weak(s, s | LOCKED_BIT, Acquire, Relaxed)
                {
                    Ok(_) => return Register::Locked,
                    Err(now) => s = now,
                }
                continue;
            }
            if is_handoff(s) && !cfg!(portalis_seeded_bug = "mutex_newcomer_claims_handoff") {
                return Register::HandoffPending;
            }
            assert!(
                sleepers(s) < u32::MAX >> 3,
                "too many threads sleeping on one mutex"
            );
            // Relaxed: registering publishes nothing; the lock is taken by an Acquire CAS.
            match self
                .state
                .compare_exchange_weak(s, s + SLEEPER, Relaxed, Relaxed)
            {
                Ok(_) => return Register::Registered,
                Err(now) => s = now,
            }
        }
    }

    /// For a registered thread about to sleep: the value to sleep on (lock bit set, `WAKING`
    /// cleared by us if it was set, no `HANDOFF`), or `None` if we took the lock instead.
    fn sleep_value(&self) -> Option<u32> {
        let mut s = self.state.load(Relaxed);
        loop {
            if !is_locked(s) || is_handoff(s) {
                if self.try_lock_slow(SLEEPER) {
                    return None;
                }
                s = self.state.load(Relaxed);
                continue;
            }
            if !is_waking(s) {
                return Some(s);
            }
            // Relaxed: clearing WAKING publishes nothing.
            match self
                .state
                .compare_exchange_weak(s, s & !WAKING, Relaxed, Relaxed)
            {
                Ok(_) => return Some(s & !WAKING),
                Err(now) => s = now,
            }
        }
    }

    /// A registered thread gives up (timeout, or it cannot block): deregister and clear
    /// `WAKING` (we may be the woken one); if the lock is free and others still sleep, wake
    /// one in our place. If a hand-off is pending it claims it instead and returns `true`
    /// (we hold the lock): leaving would strand it when we are the only one counted.
    #[cold]
    fn deregister(&self) -> bool {
        let mut s = self.state.load(Relaxed);
        loop {
            if is_handoff(s) && !cfg!(portalis_seeded_bug = "mutex_timeout_drops_handoff") {
                if self.try_lock_slow(SLEEPER) {
                    return true;
                }
                s = self.state.load(Relaxed);
                continue;
            }
            // Seeded control `mutex_timeout_keeps_waking` (model builds only): the leaver
            // keeps the `WAKING` bit a wake-up spent on it set, so no unlock wakes again.
            let new = if cfg!(portalis_seeded_bug = "mutex_timeout_keeps_waking") {
                s - SLEEPER
            } else {
                (s - SLEEPER) & !WAKING
            };
            // Relaxed: deregistering publishes nothing.
            match self.state.compare_exchange_weak(s, new, Relaxed, Relaxed) {
                Ok(_) => {
                    // Seeded controls (model builds only): `mutex_leaver_skips_wake`, the leaver
                    // passes no wake-up on; `async_mutex_cancel_swallows_wake`, the same with
                    // its twin in futex/wakers.rs.
                    if !is_locked(new)
                        && sleepers(new) != 0
                        && !cfg!(portalis_seeded_bug = "mutex_leaver_skips_wake")
                        && !cfg!(portalis_seeded_bug = "async_mutex_cancel_swallows_wake")
                    {
                        self.wake_slow();
                    }
                    return false;
                }
                Err(now) => s = now,
            }
        }
    }

    /// # Safety
    /// The caller holds the lock.
    #[inline]
    pub(crate) unsafe fn unlock(&self) {
        // Release: pairs with the Acquire CAS of the next locker (steps 1–3).
        let s = self.state.fetch_sub(LOCKED_BIT, Release);
        if sleepers(s) != 0 && !is_waking(s) {
            self.wake_slow();
        }
    }

    /// Step 5: hands the lock to a registered sleeper if there is one (the lock bit stays
    /// set until it claims it), else an ordinary [`unlock`](Self::unlock).
    ///
    /// # Safety
    /// The caller holds the lock.
    #[cold]
    pub(crate) unsafe fn unlock_fair(&self) {
        let mut s = self.state.load(Relaxed);
        while sleepers(s) != 0 {
            if cfg!(portalis_seeded_bug = "mutex_fair_unlock_frees") {
                // Seeded bug (never shipped): wakes a sleeper but frees the lock, so a
                // running thread can barge in ahead of it.
                break;
            }
            // Release: pairs with the claimer's Acquire CAS in `try_lock_slow`.
            match self
                .state
                .compare_exchange_weak(s, s | HANDOFF | WAKING, Release, Relaxed)
            {
                Ok(_) => {
                    // Always wake (even if `WAKING` was set): a sleeper in the kernel must
                    // learn of the hand-off; an extra wake-up only costs a re-check.
                    futex::wake_one(&self.state);
                    return;
                }
                Err(now) => s = now,
            }
        }
        // SAFETY: the caller holds the lock.
        unsafe { self.unlock() }
    }

    /// Number of threads registered to sleep (a racy snapshot).
    #[inline]
    pub(crate) fn sleepers(&self) -> u32 {
        sleepers(self.state.load(Relaxed))
    }

    /// Step 4's slow part: set `WAKING` and wake one sleeper, unless the lock was taken
    /// again (its unlock will do it), nobody sleeps any more, or a wake-up is already pending.
    #[cold]
    fn wake_slow(&self) {
        let mut s = self.state.load(Relaxed);
        while sleepers(s) != 0 && s & (LOCKED_BIT | WAKING) == 0 {
            // Relaxed: the flag publishes nothing (the unlock's fetch_sub was the Release).
            match self
                .state
                .compare_exchange_weak(s, s | WAKING, Relaxed, Relaxed)
            {
                Ok(_) => {
                    futex::wake_one(&self.state);
                    return;
                }
                Err(now) => s = now,
            }
        }
    }

    #[inline]
    pub(crate) fn is_locked(&self) -> bool {
        is_locked(self.state.load(Relaxed))
    }

    /// Step 6: the async lock. It registers exactly as step 3 (so `unlock` wakes it through
    /// `futex::wake_one`, which visits registered futures first) and awaits
    /// [`futex::wait_future`] where a thread would block. No spinning or yielding of the
    /// thread: after a wake-up it tries once and otherwise goes back to `sleep_value`.
    /// While a hand-off is pending it does not register (step 5's rule) but yields to the
    /// executor until it is claimed. Dropping it while registered runs
    /// [`deregister`](Self::deregister) (clears `WAKING`, passes a wake-up on, or takes a
    /// pending hand-off and re-hands it with `unlock_fair`).
    pub(crate) async fn lock_async(&self) {
        if self.try_lock() {
            return;
        }
        loop {
            match self.register() {
                Register::Locked => return,
                Register::Registered => break,
                // Step 5: the hand-off belongs to the threads already registered.
                Register::HandoffPending => futex::yield_now().await,
            }
        }
        let mut reg = AsyncSleeper {
            raw: self,
            registered: true,
        };
        // `sleep_value` returns `None` once it took the lock.
        while let Some(s) = self.sleep_value() {
            futex::wait_future(&self.state, s).await;
            if self.try_lock_slow(SLEEPER) {
                break;
            }
        }
        reg.registered = false;
    }
}

/// The outcome of [`RawMutex::register`].
enum Register {
    /// The lock was free: we hold it now (not registered).
    Locked,
    /// We are counted as a sleeper.
    Registered,
    /// A fair hand-off is pending for the registered threads; nothing changed.
    HandoffPending,
}

/// A registered async waiter of a [`RawMutex`] (step 6); dropping it while `registered`
/// deregisters, so a cancelled `lock_async` never strands a wake-up or a hand-off.
struct AsyncSleeper<'a> {
    raw: &'a RawMutex,
    registered: bool,
}

impl Drop for AsyncSleeper<'_> {
    fn drop(&mut self) {
        if !self.registered || cfg!(portalis_seeded_bug = "mutex_async_cancel_keeps_sleeper") {
            return;
        }
        if self.raw.deregister() {
            // We took a pending hand-off instead of leaving: hand it on.
            // SAFETY: `deregister` returned true, so we hold the lock.
            unsafe { self.raw.unlock_fair() }
        }
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
/// Not fair by default: a running thread may take the lock ahead of a sleeping one (better
/// throughput; a woken sleeper re-competes), so nothing bounds one waiter's wait under
/// continuous contention. Fairness on request: [`MutexGuard::unlock_fair`] and
/// [`MutexGuard::bump`] hand the lock directly to a sleeping waiter.
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
/// A `static` needs no lazy cell: [`Mutex::new`] is a `const fn`.
/// ```
/// use portalis_primitives::Mutex;
///
/// static LOG: Mutex<Vec<u8>> = Mutex::new(Vec::new());
/// let t = std::thread::spawn(|| LOG.lock().push(1));
/// t.join().unwrap();
/// LOG.lock().push(2);
/// assert_eq!(*LOG.lock(), [1, 2]);
/// ```
///
/// The data may be unsized, as with std's mutex: a slice, or a trait object.
/// ```
/// use portalis_primitives::Mutex;
/// use std::sync::Arc;
///
/// let sized: Arc<Mutex<[u8; 4]>> = Arc::new(Mutex::new([1, 2, 3, 4]));
/// let slice: Arc<Mutex<[u8]>> = sized; // unsizing coercion
/// slice.lock()[0] = 9;
/// assert_eq!(&*slice.lock(), &[9, 2, 3, 4][..]);
///
/// let shown: Box<Mutex<dyn std::fmt::Display + Send>> = Box::new(Mutex::new(7));
/// assert_eq!(shown.lock().to_string(), "7");
///
/// fn first<T: ?Sized + AsRef<[u8]>>(m: &Mutex<T>) -> u8 {
///     m.lock().as_ref()[0]
/// }
/// assert_eq!(first(&*slice), 9);
/// ```
///
/// # Panics
/// [`lock`](Mutex::lock) panics only on a target without threads when the mutex is already
/// held (a certain deadlock). On the browser main thread it busy-waits instead of blocking.
///
/// ## Memory ordering
/// Everything a thread wrote while holding the lock is visible to the next thread that locks
/// it (unlock is Release, lock is Acquire).
pub struct Mutex<T: ?Sized> {
    pub(crate) raw: RawMutex,
    data: UnsafeCell<T>,
}

// SAFETY: the mutex hands out access to `T` to one thread at a time, so `T: Send` suffices.
unsafe impl<T: ?Sized + Send> Send for Mutex<T> {}
// SAFETY: as above: `&Mutex<T>` only yields `&mut T` under the lock.
unsafe impl<T: ?Sized + Send> Sync for Mutex<T> {}

impl<T> Mutex<T> {
    const_fn_unless_model! {
        /// A new unlocked mutex. `const` (usable in a `static`) except in loom/shuttle model
        /// builds, whose atomics have no `const fn new`.
        pub fn new(value: T) -> Self {
            Mutex {
                raw: RawMutex::new(),
                data: UnsafeCell::new(value),
            }
        }
    }

    /// Consumes the mutex, returning the data.
    pub fn into_inner(self) -> T {
        self.data.into_inner()
    }
}

impl<T: ?Sized> Mutex<T> {
    /// [`lock`](Self::lock) as a future: it resolves with the guard, waiting without blocking
    /// the thread. Use it on the browser's main thread (where `lock` can only busy-wait a
    /// bounded time) or from async code on any target; it works with any executor.
    ///
    /// The waiter registers in the mutex like a sleeping thread, so the unlock that lets it in
    /// wakes it directly (no polling). Not fair: a running thread can take the lock first.
    /// Dropping the future before it resolves gives its place up without losing a wake-up
    /// meant for another waiter.
    ///
    /// # Examples
    /// ```
    /// use portalis_primitives::Mutex;
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
    /// let m = Arc::new(Mutex::new(0));
    /// let g = m.lock();
    /// let m2 = m.clone();
    /// let t = std::thread::spawn(move || block_on(async { *m2.lock_async().await += 1 }));
    /// drop(g); // the waiting future is woken by this unlock
    /// t.join().unwrap();
    /// assert_eq!(*m.lock(), 1);
    /// ```
    ///
    /// ## Memory ordering
    /// As [`lock`](Self::lock).
    pub async fn lock_async(&self) -> MutexGuard<'_, T> {
        self.raw.lock_async().await;
        MutexGuard::new(self)
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

    /// A raw pointer to the data, for code that holds the lock by other means (a forgotten
    /// guard). Dereferencing it without holding the lock is a data race.
    pub fn data_ptr(&self) -> *mut T {
        self.data.with_mut(|p| p)
    }

    /// Unlocks without a guard.
    ///
    /// # Safety
    /// The calling code must hold the lock through a guard it has `mem::forget`-ten.
    pub unsafe fn force_unlock(&self) {
        // SAFETY: the caller holds the lock.
        unsafe { self.raw.unlock() }
    }

    /// Unlocks without a guard, handing the lock to a sleeping waiter if there is one (see
    /// [`MutexGuard::unlock_fair`]).
    ///
    /// # Safety
    /// As [`force_unlock`](Self::force_unlock).
    pub unsafe fn force_unlock_fair(&self) {
        // SAFETY: the caller holds the lock.
        unsafe { self.raw.unlock_fair() }
    }

    /// How many threads are registered to sleep on the lock (a racy snapshot; a registered
    /// thread may still be spinning before it sleeps). For tests and diagnostics: a thread
    /// counted here is one [`MutexGuard::unlock_fair`] can hand the lock to.
    #[doc(hidden)]
    pub fn registered_waiters(&self) -> u32 {
        self.raw.sleepers()
    }
}

impl<T: Default> Default for Mutex<T> {
    fn default() -> Self {
        Mutex::new(T::default())
    }
}

impl<T> From<T> for Mutex<T> {
    fn from(value: T) -> Self {
        Mutex::new(value)
    }
}

/// Prints `<locked>` in place of data that another guard holds.
pub(crate) struct LockedPlaceholder;

impl fmt::Debug for LockedPlaceholder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<locked>")
    }
}

/// Shows the data when the lock is free (`Mutex { data: [0, 10], .. }`), `<locked>` when it is
/// held (`Mutex { data: <locked>, .. }`), as std and parking_lot do. It takes the lock with
/// `try_lock`, never waits.
///
/// ```
/// let m = portalis_primitives::Mutex::new(vec![0, 10]);
/// assert_eq!(format!("{m:?}"), "Mutex { data: [0, 10], .. }");
/// let g = m.lock();
/// assert_eq!(format!("{m:?}"), "Mutex { data: <locked>, .. }");
/// drop(g);
/// ```
impl<T: ?Sized + fmt::Debug> fmt::Debug for Mutex<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Mutex");
        match self.try_lock() {
            Some(g) => d.field("data", &&*g),
            None => d.field("data", &LockedPlaceholder),
        };
        d.finish_non_exhaustive()
    }
}

/// Exclusive access to a [`Mutex`]'s data; unlocks on drop (waking one sleeper if any).
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct MutexGuard<'a, T: ?Sized> {
    pub(crate) mutex: &'a Mutex<T>,
    // Not Send: the lock is released by the thread that holds it (as with std's guard).
    _not_send: PhantomData<*const ()>,
}

// SAFETY: sharing the guard shares `&T` only.
unsafe impl<T: ?Sized + Sync> Sync for MutexGuard<'_, T> {}

impl<'a, T: ?Sized> MutexGuard<'a, T> {
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

    /// Unlocks fairly: if a thread is sleeping on the lock, the lock goes straight to it (it
    /// stays held across the hand-over, so no running thread can take it in between);
    /// otherwise this is an ordinary unlock. Slower than dropping the guard when there are
    /// sleepers (the lock is idle until the woken thread runs); use it when one waiter must
    /// not starve, e.g. every so often in a long loop of lock/unlock. An associated function,
    /// as in parking_lot, so it cannot clash with a method of `T`.
    ///
    /// Which sleeper gets the lock is not promised (any registered waiter may claim it; the
    /// futex queue decides which sleeper is woken). A timed waiter ([`Mutex::try_lock_for`])
    /// whose deadline passes while a hand-off is pending takes the lock rather than leave it
    /// with no owner.
    ///
    /// # Examples
    /// ```
    /// use portalis_primitives::{Mutex, MutexGuard};
    /// use std::sync::{mpsc, Arc};
    ///
    /// let m = Arc::new(Mutex::new(0));
    /// let g = m.lock();
    /// let (go, wait_go) = mpsc::channel::<()>();
    /// let m2 = m.clone();
    /// let t = std::thread::spawn(move || {
    ///     let mut g = m2.lock();
    ///     *g += 1;
    ///     wait_go.recv().unwrap(); // hold the lock until the main thread has checked
    /// });
    /// while m.registered_waiters() == 0 {
    ///     std::thread::yield_now(); // until the other thread is registered to sleep
    /// }
    /// MutexGuard::unlock_fair(g);
    /// // The lock went to the sleeper: it is not free, not even for an instant.
    /// assert!(m.try_lock().is_none());
    /// go.send(()).unwrap();
    /// t.join().unwrap();
    /// assert_eq!(*m.lock(), 1);
    /// ```
    pub fn unlock_fair(this: Self) {
        let raw = &this.mutex.raw;
        core::mem::forget(this);
        // SAFETY: the guard (now forgotten) proved we hold the lock.
        unsafe { raw.unlock_fair() }
    }

    /// Lets a sleeping waiter have the lock, then takes it back: if a thread is sleeping on
    /// the lock, this is [`unlock_fair`](Self::unlock_fair) followed by a `lock` (the guard
    /// stays valid, but the data may have changed meanwhile); otherwise it does nothing and
    /// costs one load. Use it in a long critical section that other threads also need.
    ///
    /// # Examples
    /// ```
    /// use portalis_primitives::{Mutex, MutexGuard};
    ///
    /// let m = Mutex::new(Vec::new());
    /// let mut g = m.lock();
    /// for i in 0..1000 {
    ///     g.push(i);
    ///     if i % 100 == 0 {
    ///         MutexGuard::bump(&mut g); // waiters get a turn
    ///     }
    /// }
    /// assert_eq!(g.len(), 1000);
    /// ```
    pub fn bump(this: &mut Self) {
        let raw = &this.mutex.raw;
        if raw.sleepers() != 0 {
            // SAFETY: the guard proves we hold the lock; we take it back before returning,
            // so the guard is valid again.
            unsafe { raw.unlock_fair() };
            raw.lock();
        }
    }

    /// Narrows the guard to a part of the data (a field, an element), keeping the lock held
    /// until the returned guard drops. An associated function (`MutexGuard::map(g, ..)`) so
    /// it cannot clash with a method of `T`.
    ///
    /// # Examples
    /// ```
    /// use portalis_primitives::{Mutex, MutexGuard};
    ///
    /// let m = Mutex::new((1, String::from("a")));
    /// let mut s = MutexGuard::map(m.lock(), |pair| &mut pair.1);
    /// s.push('b');
    /// assert!(m.is_locked());
    /// drop(s);
    /// assert_eq!(m.lock().1, "ab");
    /// ```
    pub fn map<U: ?Sized>(this: Self, f: impl FnOnce(&mut T) -> &mut U) -> MappedMutexGuard<'a, U> {
        let raw = &this.mutex.raw;
        // SAFETY: the guard holds the lock, so this is the only access to the data.
        let data: *mut U = f(this.mutex.data.with_mut(|p| unsafe { &mut *p }));
        core::mem::forget(this);
        MappedMutexGuard {
            raw,
            data,
            _marker: PhantomData,
        }
    }

    /// Like [`map`](Self::map), but `f` may decline: then the original guard comes back in
    /// `Err`, still holding the lock.
    ///
    /// # Examples
    /// ```
    /// use portalis_primitives::{Mutex, MutexGuard};
    ///
    /// let m = Mutex::new(vec![1, 2]);
    /// let g = MutexGuard::try_map(m.lock(), |v| v.get_mut(5)).unwrap_err();
    /// let mut second = MutexGuard::try_map(g, |v| v.get_mut(1)).ok().unwrap();
    /// *second = 20;
    /// drop(second);
    /// assert_eq!(*m.lock(), [1, 20]);
    /// ```
    #[allow(clippy::result_large_err)] // The guard is two words; `Err` hands it back.
    pub fn try_map<U: ?Sized>(
        this: Self,
        f: impl FnOnce(&mut T) -> Option<&mut U>,
    ) -> Result<MappedMutexGuard<'a, U>, Self> {
        let raw = &this.mutex.raw;
        // SAFETY: the guard holds the lock, so this is the only access to the data.
        match f(this.mutex.data.with_mut(|p| unsafe { &mut *p })) {
            Some(data) => {
                let data: *mut U = data;
                core::mem::forget(this);
                Ok(MappedMutexGuard {
                    raw,
                    data,
                    _marker: PhantomData,
                })
            }
            None => Err(this),
        }
    }
}

impl<T: ?Sized> Deref for MutexGuard<'_, T> {
    type Target = T;
    #[inline]
    fn deref(&self) -> &T {
        // SAFETY: the guard proves we hold the lock, so no `&mut T` exists elsewhere.
        self.mutex.data.with(|p| unsafe { &*p })
    }
}

impl<T: ?Sized> DerefMut for MutexGuard<'_, T> {
    #[inline]
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: the guard proves exclusive access, and `&mut self` makes this the only
        // reference derived from it.
        self.mutex.data.with_mut(|p| unsafe { &mut *p })
    }
}

impl<T: ?Sized> Drop for MutexGuard<'_, T> {
    #[inline]
    fn drop(&mut self) {
        // SAFETY: the guard's existence proves we hold the lock.
        unsafe { self.mutex.raw.unlock() }
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for MutexGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: ?Sized + fmt::Display> fmt::Display for MutexGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&**self, f)
    }
}

/// A [`MutexGuard`] narrowed to part of the data by [`MutexGuard::map`]; unlocks the whole
/// mutex on drop. It cannot be used with a [`Condvar`](crate::Condvar) (the condvar needs the
/// whole mutex), as with parking_lot.
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct MappedMutexGuard<'a, T: ?Sized> {
    raw: &'a RawMutex,
    data: *mut T,
    // Borrows the data mutably for 'a; the raw pointer also makes the guard !Send (the lock
    // is released by the thread that holds it).
    _marker: PhantomData<&'a mut T>,
}

// SAFETY: sharing the guard shares `&T` only.
unsafe impl<T: ?Sized + Sync> Sync for MappedMutexGuard<'_, T> {}

impl<'a, T: ?Sized> MappedMutexGuard<'a, T> {
    /// Unlocks fairly; see [`MutexGuard::unlock_fair`].
    pub fn unlock_fair(this: Self) {
        let raw = this.raw;
        core::mem::forget(this);
        // SAFETY: the guard (now forgotten) proved we hold the lock.
        unsafe { raw.unlock_fair() }
    }

    /// Narrows further; see [`MutexGuard::map`].
    pub fn map<U: ?Sized>(this: Self, f: impl FnOnce(&mut T) -> &mut U) -> MappedMutexGuard<'a, U> {
        let raw = this.raw;
        // SAFETY: `this` holds the lock and `data` points into the locked data.
        let data: *mut U = f(unsafe { &mut *this.data });
        core::mem::forget(this);
        MappedMutexGuard {
            raw,
            data,
            _marker: PhantomData,
        }
    }

    /// Narrows further if `f` agrees; see [`MutexGuard::try_map`].
    #[allow(clippy::result_large_err)] // The guard is two words; `Err` hands it back.
    pub fn try_map<U: ?Sized>(
        this: Self,
        f: impl FnOnce(&mut T) -> Option<&mut U>,
    ) -> Result<MappedMutexGuard<'a, U>, Self> {
        let raw = this.raw;
        // SAFETY: `this` holds the lock and `data` points into the locked data.
        match f(unsafe { &mut *this.data }) {
            Some(data) => {
                let data: *mut U = data;
                core::mem::forget(this);
                Ok(MappedMutexGuard {
                    raw,
                    data,
                    _marker: PhantomData,
                })
            }
            None => Err(this),
        }
    }
}

impl<T: ?Sized> Deref for MappedMutexGuard<'_, T> {
    type Target = T;
    #[inline]
    fn deref(&self) -> &T {
        // SAFETY: the guard holds the lock; `data` points into the locked data.
        unsafe { &*self.data }
    }
}

impl<T: ?Sized> DerefMut for MappedMutexGuard<'_, T> {
    #[inline]
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as in `deref`, and `&mut self` makes this the only reference.
        unsafe { &mut *self.data }
    }
}

impl<T: ?Sized> Drop for MappedMutexGuard<'_, T> {
    #[inline]
    fn drop(&mut self) {
        // SAFETY: the guard's existence proves we hold the lock.
        unsafe { self.raw.unlock() }
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for MappedMutexGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

// Unit tests use real threads and sleeps; the models run verify/tests/loom_* and verify/tests/shuttle_*.
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

    /// Stress for the timeout path next to sleepers: a timed locker that gives up while it
    /// holds the pending wake-up (`WAKING`) must pass it on, or the untimed sleepers hang
    /// (the loom models cannot reach this: their timed waits never sleep). The race is rare,
    /// so this is a smoke test, not a proof.
    #[cfg_attr(portalis_no_threads, ignore = "spawns threads; this target has none")]
    #[test]
    fn timeouts_mixed_with_sleepers() {
        let m = Arc::new(Mutex::new(0usize));
        let rounds = if cfg!(miri) { 20 } else { 5_000 };
        let hs: Vec<_> = (0..6)
            .map(|i| {
                let m = m.clone();
                thread::spawn(move || {
                    let mut done = 0;
                    for _ in 0..rounds {
                        if i % 2 == 0 {
                            let mut g = m.lock();
                            *g += 1;
                            done += 1;
                            // Hold a little so the others sleep.
                            for _ in 0..50 {
                                core::hint::spin_loop();
                            }
                        } else if let Some(mut g) = m.try_lock_for(Duration::from_micros(20)) {
                            *g += 1;
                            done += 1;
                        }
                    }
                    done
                })
            })
            .collect();
        let done: usize = hs.into_iter().map(|h| h.join().unwrap()).sum();
        assert_eq!(*m.lock(), done);
        assert!(done >= 3 * rounds);
    }

    /// Pins the hand-off: A holds, B is registered to sleep, A unlocks fairly and at once
    /// tries to take the lock back; it must fail, because the lock went to B without ever
    /// being free. (With an ordinary unlock in `unlock_fair` this fails: A's `try_lock` wins
    /// the freed lock before B runs; checked by swapping the call.) Deterministic: B cannot
    /// leave the count without the lock (untimed lock), and holds the lock until told.
    #[cfg_attr(portalis_no_threads, ignore = "spawns threads; this target has none")]
    #[test]
    fn unlock_fair_hands_the_lock_to_the_sleeper() {
        use std::sync::mpsc;
        for _ in 0..if cfg!(miri) { 2 } else { 50 } {
            let m = Arc::new(Mutex::new(0));
            let g = m.lock();
            let (go, wait_go) = mpsc::channel::<()>();
            let m2 = m.clone();
            let b = thread::spawn(move || {
                let mut g = m2.lock();
                *g += 1;
                // Hold the lock until the main thread has checked.
                wait_go.recv().unwrap();
                drop(g);
            });
            while m.registered_waiters() == 0 {
                thread::yield_now();
            }
            MutexGuard::unlock_fair(g);
            assert!(m.try_lock().is_none(), "a fair unlock freed the lock");
            go.send(()).unwrap();
            b.join().unwrap();
            assert_eq!(*m.lock(), 1);
            assert_eq!(m.registered_waiters(), 0);
        }
    }

    /// `bump` with a sleeper lets it in and takes the lock back: the sleeper's write is seen
    /// through the same guard. Without a sleeper it keeps the lock (a `try_lock` from
    /// another thread fails).
    #[cfg_attr(portalis_no_threads, ignore = "spawns threads; this target has none")]
    #[test]
    fn bump_lets_the_sleeper_in_and_relocks() {
        let m = Arc::new(Mutex::new(0));
        let mut g = m.lock();
        MutexGuard::bump(&mut g); // nobody sleeps: a no-op
        let m1 = m.clone();
        assert!(thread::spawn(move || m1.try_lock().is_none())
            .join()
            .unwrap());
        let m2 = m.clone();
        let b = thread::spawn(move || *m2.lock() += 1);
        while m.registered_waiters() == 0 {
            thread::yield_now();
        }
        MutexGuard::bump(&mut g);
        // The hand-off went to the sleeper, which ran before we got the lock back.
        assert_eq!(*g, 1);
        *g += 1;
        drop(g);
        b.join().unwrap();
        assert_eq!(*m.lock(), 2);
    }

    /// A fair unlock with nobody registered is an ordinary unlock.
    #[test]
    fn unlock_fair_without_sleepers_frees() {
        let m = Mutex::new(5);
        MutexGuard::unlock_fair(m.lock());
        assert!(!m.is_locked());
        let g = MutexGuard::map(m.lock(), |v| v);
        MappedMutexGuard::unlock_fair(g);
        assert_eq!(*m.try_lock().unwrap(), 5);
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
