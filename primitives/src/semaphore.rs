//! [`Semaphore`] and [`BoundedSemaphore`]: a counting semaphore on one futex word.
//!
//! # State word
//! | bits | name | meaning |
//! |---|---|---|
//! | 0..=21 | [`PERMITS_MASK`] | available permits (at most [`Semaphore::MAX_PERMITS`]) |
//! | 22..=31 | [`SLEEPERS_MASK`] | threads registered to sleep on the word (at most 1023) |
//!
//! # Protocol
//! 1. `acquire_many(n)` fast path: CAS `s → s − n` when `permits(s) ≥ n` (one RMW).
//! 2. Slow path: spin [`SPIN_LIMIT`] times re-trying 1; then register: CAS `s → s + SLEEPER`
//!    (Release; a multi-permit waiter first bumps `many_waiters`).
//! 3. Sleep while the word equals the registered value. On every wake-up: if permits suffice,
//!    CAS `s → s − n − SLEEPER` (take and deregister in one RMW); on timeout, CAS
//!    `s → s − SLEEPER` and report failure; otherwise sleep again on the new value.
//! 4. `release_many(n)`: CAS `s → s + n` (AcqRel). If `sleepers(s) > 0`, wake: one thread
//!    when `n == 1` and no multi-permit waiter exists, else all (a single wake-up could go to
//!    a waiter that needs more than is there while one that fits sleeps on).
//!
//! The sleeper count is exact (each waiter removes itself), so "wake only when someone is
//! known to be waiting" holds without waking bits to clear, and no sleeper is ever stranded
//! while permits are available: every release that adds permits while sleepers exist wakes
//! one; the woken one takes the permit or, if a barging thread took it, sleeps again
//! (and that thread's release wakes again).
//! 5. `acquire_many_async(n)` (an async waiter): registers as step 2 and awaits
//!    `futex::wait_future` on the registered value where a thread would sleep, so a
//!    release's `wake_one`/`wake_all` reaches it like a thread (the futex wakes a registered
//!    future first). Dropped while registered, it deregisters (`s → s − SLEEPER`), and
//!    `futex::wait_future` passes on a `wake_one` it was chosen by, so the permit that wake-up
//!    announced reaches another sleeper. `verify/tests/loom_async.rs` models it.
//!
//! If 1023 threads already sleep, further waiters poll with `yield_now` instead of sleeping.

use crate::deadline::{backoff_step, block, Blocked, Deadline, DEADLOCK_MSG};
use crate::error::{SemaphoreNewError, SemaphoreReleaseError};
use crate::futex;
use crate::sync::atomic::{
    AtomicU32,
    Ordering::{AcqRel, Acquire, Relaxed, Release},
};
use crate::sync::thread;
use crate::time::Instant;
use core::fmt;
use std::time::Duration;

/// Available permits.
pub(crate) const PERMITS_MASK: u32 = (1 << 22) - 1;
/// Registered sleepers.
pub(crate) const SLEEPERS_MASK: u32 = !PERMITS_MASK;
/// One registered sleeper.
const SLEEPER: u32 = 1 << 22;

/// Spins before registering to sleep: ≈100 PAUSEs ≈ 2.5 µs on the tuning machine, half a
/// futex round trip; this is what makes semaphore ping-pong (T1) fast when both threads run
/// on their own cores. Heuristic; see `benches/sync.rs`.
const SPIN_LIMIT: u32 = 100;

/// The success ordering of the release CAS (step 4): `AcqRel`. A negative control of
/// `verify/` (`verify/scripts/controls.sh`; never set in a shipped build) weakens it to show
/// the models catch the lost happens-before edge.
const SEEDED_RELEASE_ORDER: crate::sync::atomic::Ordering =
    if cfg!(portalis_seeded_bug = "semaphore_relaxed_release") {
        Relaxed
    } else {
        AcqRel
    };

#[inline]
fn permits(s: u32) -> u32 {
    s & PERMITS_MASK
}
#[inline]
fn sleepers(s: u32) -> u32 {
    (s & SLEEPERS_MASK) >> 22
}

/// A counting semaphore (Python's `threading.Semaphore`).
///
/// # Examples
/// ```
/// use portalis_primitives::Semaphore;
/// use std::sync::Arc;
///
/// let s = Arc::new(Semaphore::new(0).unwrap());
/// let s2 = s.clone();
/// let t = std::thread::spawn(move || s2.release().unwrap());
/// s.acquire(); // waits for the other thread's permit
/// t.join().unwrap();
/// assert!(!s.try_acquire());
/// ```
///
/// # Panics
/// Untimed acquires panic on a target without threads when no permit is available (nothing
/// could ever release one), and when `n > MAX_PERMITS` (it could never succeed). On the
/// browser main thread they busy-wait.
///
/// ## Memory ordering
/// Everything a thread wrote before `release` is visible to the thread whose `acquire` takes
/// that permit (release is Release, acquire is Acquire).
pub struct Semaphore {
    state: AtomicU32,
    /// Sleepers that want more than one permit (makes releases wake all).
    many_waiters: AtomicU32,
}

impl Semaphore {
    /// The largest number of permits a semaphore can hold.
    pub const MAX_PERMITS: u32 = PERMITS_MASK;

    /// A semaphore with `permits` available.
    ///
    /// # Errors
    /// [`SemaphoreNewError::TooManyPermits`] when `permits > MAX_PERMITS`.
    pub fn new(permits: u32) -> Result<Self, SemaphoreNewError> {
        if permits > Self::MAX_PERMITS {
            return Err(SemaphoreNewError::TooManyPermits);
        }
        Ok(Semaphore {
            state: AtomicU32::new(permits),
            many_waiters: AtomicU32::new(0),
        })
    }

    const_fn_unless_model! {
        /// The `const` form of [`new`](Self::new), for a `static` semaphore (a plain `fn` in
        /// loom/shuttle model builds).
        ///
        /// ```
        /// use portalis_primitives::Semaphore;
        ///
        /// static SLOTS: Semaphore = Semaphore::const_new(2);
        /// SLOTS.acquire();
        /// assert!(SLOTS.try_acquire());
        /// assert!(!SLOTS.try_acquire());
        /// SLOTS.release_many(2).unwrap();
        /// assert_eq!(SLOTS.available(), 2);
        /// ```
        ///
        /// # Panics
        /// When `permits > MAX_PERMITS`. In a `static` or `const` that panic is a
        /// compile-time error:
        /// ```compile_fail,E0080
        /// use portalis_primitives::Semaphore;
        /// static TOO_MANY: Semaphore = Semaphore::const_new(Semaphore::MAX_PERMITS + 1);
        /// ```
        pub fn const_new(permits: u32) -> Self {
            assert!(
                permits <= Self::MAX_PERMITS,
                "more permits than Semaphore::MAX_PERMITS"
            );
            Semaphore {
                state: AtomicU32::new(permits),
                many_waiters: AtomicU32::new(0),
            }
        }
    }

    /// Available permits now (a racy snapshot; Python's `_value`).
    pub fn available(&self) -> u32 {
        permits(self.state.load(Relaxed))
    }

    /// Takes one permit, waiting as long as needed.
    #[inline]
    pub fn acquire(&self) {
        self.acquire_many(1)
    }

    /// Takes `n` permits at once, waiting as long as needed.
    #[inline]
    pub fn acquire_many(&self, n: u32) {
        if !self.try_acquire_many(n) && !self.acquire_slow(n, Deadline::never()) {
            unreachable!("untimed acquire returned without permits");
        }
    }

    /// [`acquire`](Self::acquire) as a future: resolves once a permit is taken, waiting
    /// without blocking the thread. Use it on the browser's main thread or from async code on
    /// any target; it works with any executor. The waiter registers like a sleeping thread,
    /// so the release that makes room wakes it directly. Dropping the future before it
    /// resolves takes nothing and loses no wake-up meant for another waiter.
    ///
    /// # Examples
    /// ```
    /// use portalis_primitives::Semaphore;
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
    /// let s = Arc::new(Semaphore::new(0).unwrap());
    /// let s2 = s.clone();
    /// let t = std::thread::spawn(move || s2.release().unwrap());
    /// block_on(s.acquire_async());
    /// t.join().unwrap();
    /// assert_eq!(s.available(), 0);
    /// ```
    ///
    /// ## Memory ordering
    /// As [`acquire`](Self::acquire).
    pub async fn acquire_async(&self) {
        self.acquire_many_async(1).await
    }

    /// [`acquire_many`](Self::acquire_many) as a future (see
    /// [`acquire_async`](Self::acquire_async)): takes `n` permits at once.
    ///
    /// # Panics
    /// When `n > MAX_PERMITS` (it could never succeed).
    pub async fn acquire_many_async(&self, n: u32) {
        if self.try_acquire_many(n) {
            return;
        }
        assert!(
            n <= Self::MAX_PERMITS,
            "acquire of more than MAX_PERMITS permits"
        );
        let _many = ManyWaiter::new(self, n);
        let mut s = self.state.load(Relaxed);
        // Step 5: register (or take permits that appeared meanwhile).
        loop {
            if permits(s) >= n {
                // Acquire: pairs with the AcqRel CAS in `release_bounded`.
                match self.state.compare_exchange_weak(s, s - n, Acquire, Relaxed) {
                    Ok(_) => return,
                    Err(now) => s = now,
                }
                continue;
            }
            if sleepers(s) == SLEEPERS_MASK >> 22 {
                // Saturated: poll instead of sleeping, as a thread does.
                futex::yield_now().await;
                s = self.state.load(Relaxed);
                continue;
            }
            // Release: as in `sleep`.
            match self
                .state
                .compare_exchange_weak(s, s + SLEEPER, Release, Relaxed)
            {
                Ok(_) => {
                    s += SLEEPER;
                    break;
                }
                Err(now) => s = now,
            }
        }
        let mut reg = AsyncSleeper {
            sem: self,
            registered: true,
        };
        loop {
            futex::wait_future(&self.state, s).await;
            s = self.state.load(Relaxed);
            while permits(s) >= n {
                // Acquire: pairs with the AcqRel CAS in `release_bounded`; takes the permits
                // and deregisters in one RMW.
                match self
                    .state
                    .compare_exchange_weak(s, s - n - SLEEPER, Acquire, Relaxed)
                {
                    Ok(_) => {
                        reg.registered = false;
                        return;
                    }
                    Err(now) => s = now,
                }
            }
        }
    }

    /// Takes one permit if available now.
    #[inline]
    pub fn try_acquire(&self) -> bool {
        self.try_acquire_many(1)
    }

    /// Takes `n` permits if available now (all or nothing).
    #[inline]
    pub fn try_acquire_many(&self, n: u32) -> bool {
        let mut s = self.state.load(Relaxed);
        // Retry while enough permits remain: never fails spuriously.
        while permits(s) >= n {
            // Acquire: pairs with the AcqRel CAS in `release_bounded`.
            match self.state.compare_exchange_weak(s, s - n, Acquire, Relaxed) {
                Ok(_) => return true,
                Err(now) => s = now,
            }
        }
        false
    }

    /// Takes one permit, waiting at most `timeout`; `false` on timeout.
    pub fn acquire_timeout(&self, timeout: Duration) -> bool {
        self.acquire_many_timeout(1, timeout)
    }

    /// Takes `n` permits, waiting at most `timeout`; `false` on timeout.
    pub fn acquire_many_timeout(&self, n: u32, timeout: Duration) -> bool {
        self.try_acquire_many(n) || self.acquire_slow(n, Deadline::after(timeout))
    }

    /// Takes `n` permits, waiting until `deadline` at the latest; `false` on timeout.
    pub fn acquire_many_until(&self, n: u32, deadline: Instant) -> bool {
        self.try_acquire_many(n) || self.acquire_slow(n, Deadline::at(deadline))
    }

    /// Returns one permit.
    ///
    /// # Errors
    /// [`SemaphoreReleaseError::Overflow`] past [`MAX_PERMITS`](Self::MAX_PERMITS).
    #[inline]
    pub fn release(&self) -> Result<(), SemaphoreReleaseError> {
        self.release_bounded(1, Self::MAX_PERMITS)
    }

    /// Returns `n` permits.
    ///
    /// # Errors
    /// As [`release`](Self::release); the count is unchanged on error.
    #[inline]
    pub fn release_many(&self, n: u32) -> Result<(), SemaphoreReleaseError> {
        self.release_bounded(n, Self::MAX_PERMITS)
    }

    #[inline]
    fn release_bounded(&self, n: u32, bound: u32) -> Result<(), SemaphoreReleaseError> {
        let mut s = self.state.load(Relaxed);
        loop {
            if n > bound - permits(s).min(bound) {
                return Err(if bound == Self::MAX_PERMITS {
                    SemaphoreReleaseError::Overflow
                } else {
                    SemaphoreReleaseError::OverRelease
                });
            }
            // AcqRel: Release pairs with the Acquire of the acquirer taking these permits;
            // Acquire pairs with the Release registration CAS in `acquire_slow`, so a
            // registered multi-permit waiter's `many_waiters` increment is visible below.
            match self
                .state
                .compare_exchange_weak(s, s + n, SEEDED_RELEASE_ORDER, Relaxed)
            {
                Ok(_) => break,
                Err(now) => s = now,
            }
        }
        if sleepers(s) > 0 && n > 0 {
            self.wake(n);
        }
        Ok(())
    }

    #[cold]
    fn wake(&self, n: u32) {
        // Relaxed: ordered by the AcqRel CAS in `release_bounded` (see there).
        if n == 1
            && (self.many_waiters.load(Relaxed) == 0
                || cfg!(portalis_seeded_bug = "semaphore_wake_one_always"))
        {
            futex::wake_one(&self.state);
        } else {
            futex::wake_all(&self.state);
        }
    }

    /// Steps 2–3 of the protocol. `true` with `n` permits taken, `false` on timeout.
    #[cold]
    fn acquire_slow(&self, n: u32, deadline: Deadline) -> bool {
        assert!(
            n <= Self::MAX_PERMITS,
            "acquire of more than MAX_PERMITS permits"
        );
        let mut step = 0;
        while backoff_step(&mut step, SPIN_LIMIT) {
            if self.try_acquire_many(n) {
                return true;
            }
        }
        if n > 1 {
            // Relaxed: published by the Release registration CAS below.
            self.many_waiters.fetch_add(1, Relaxed);
        }
        let got = self.sleep(n, deadline);
        if n > 1 {
            // Relaxed: a stale read only makes a release wake all instead of one.
            self.many_waiters.fetch_sub(1, Relaxed);
        }
        got
    }

    fn sleep(&self, n: u32, deadline: Deadline) -> bool {
        // Register (or take permits that appeared meanwhile).
        let mut s = self.state.load(Relaxed);
        let mut registered = loop {
            if permits(s) >= n {
                // Acquire: pairs with the AcqRel CAS in `release_bounded`.
                match self.state.compare_exchange_weak(s, s - n, Acquire, Relaxed) {
                    Ok(_) => return true,
                    Err(now) => s = now,
                }
                continue;
            }
            if sleepers(s) == SLEEPERS_MASK >> 22 {
                break false; // saturated: poll instead of sleeping
            }
            // Release: pairs with the AcqRel CAS in `release_bounded` (see there).
            match self
                .state
                .compare_exchange_weak(s, s + SLEEPER, Release, Relaxed)
            {
                Ok(_) => {
                    s += SLEEPER;
                    break true;
                }
                Err(now) => s = now,
            }
        };
        loop {
            let timed_out = if registered {
                match block(&self.state, s, deadline) {
                    Ok(Blocked::Woken) => false,
                    Ok(Blocked::TimedOut) => true,
                    Err(_) if deadline.is_never() => {
                        // Deregister so the count stays exact, then report the deadlock.
                        self.state.fetch_sub(SLEEPER, Relaxed);
                        panic!("{}", DEADLOCK_MSG);
                    }
                    Err(_) => true,
                }
            } else {
                thread::yield_now();
                deadline.is_expired_now()
            };
            s = self.state.load(Relaxed);
            loop {
                let me = if registered { SLEEPER } else { 0 };
                if permits(s) >= n {
                    // Acquire: pairs with the AcqRel CAS in `release_bounded`.
                    match self
                        .state
                        .compare_exchange_weak(s, s - n - me, Acquire, Relaxed)
                    {
                        Ok(_) => return true,
                        Err(now) => {
                            s = now;
                            continue;
                        }
                    }
                }
                if timed_out {
                    if me == 0 {
                        return false;
                    }
                    match self
                        .state
                        .compare_exchange_weak(s, s - me, Relaxed, Relaxed)
                    {
                        Ok(_) => return false,
                        Err(now) => {
                            s = now;
                            continue;
                        }
                    }
                }
                if !registered && sleepers(s) < SLEEPERS_MASK >> 22 {
                    // Room again: register, so a release wakes us.
                    // Release: as in the first registration.
                    match self
                        .state
                        .compare_exchange_weak(s, s + SLEEPER, Release, Relaxed)
                    {
                        Ok(_) => {
                            s += SLEEPER;
                            registered = true;
                        }
                        Err(now) => {
                            s = now;
                            continue;
                        }
                    }
                }
                break;
            }
        }
    }
}

/// A multi-permit waiter's mark in `many_waiters` (so releases wake all), for the life of one
/// `acquire_many_async`.
struct ManyWaiter<'a> {
    sem: &'a Semaphore,
    n: u32,
}

impl<'a> ManyWaiter<'a> {
    fn new(sem: &'a Semaphore, n: u32) -> Self {
        if n > 1 {
            // Relaxed: published by the Release registration CAS that follows.
            sem.many_waiters.fetch_add(1, Relaxed);
        }
        ManyWaiter { sem, n }
    }
}

impl Drop for ManyWaiter<'_> {
    fn drop(&mut self) {
        if self.n > 1 {
            // Relaxed: a stale read only makes a release wake all instead of one.
            self.sem.many_waiters.fetch_sub(1, Relaxed);
        }
    }
}

/// A registered async waiter of a [`Semaphore`] (step 5); dropping it while `registered`
/// removes its sleeper count, so the count stays exact.
struct AsyncSleeper<'a> {
    sem: &'a Semaphore,
    registered: bool,
}

impl Drop for AsyncSleeper<'_> {
    fn drop(&mut self) {
        if self.registered {
            // Relaxed: deregistering publishes nothing.
            self.sem.state.fetch_sub(SLEEPER, Relaxed);
        }
    }
}

impl fmt::Debug for Semaphore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.state.load(Relaxed);
        f.debug_struct("Semaphore")
            .field("available", &permits(s))
            .field("sleepers", &sleepers(s))
            .finish()
    }
}

/// A semaphore whose count may never exceed its initial value (Python's
/// `threading.BoundedSemaphore`): over-release is a typed error and the count never drifts.
///
/// # Examples
/// ```
/// use portalis_primitives::{BoundedSemaphore, SemaphoreReleaseError};
///
/// let s = BoundedSemaphore::new(1).unwrap();
/// s.acquire();
/// s.release().unwrap();
/// assert_eq!(s.release(), Err(SemaphoreReleaseError::OverRelease));
/// assert_eq!(s.available(), 1);
/// # let t = std::thread::spawn(|| ()); t.join().unwrap();
/// ```
///
/// ## Memory ordering
/// As [`Semaphore`].
#[derive(Debug)]
pub struct BoundedSemaphore {
    inner: Semaphore,
    bound: u32,
}

impl BoundedSemaphore {
    /// A semaphore with `permits` available, which is also its upper bound.
    ///
    /// # Errors
    /// [`SemaphoreNewError::TooManyPermits`] when `permits > Semaphore::MAX_PERMITS`.
    pub fn new(permits: u32) -> Result<Self, SemaphoreNewError> {
        Ok(BoundedSemaphore {
            inner: Semaphore::new(permits)?,
            bound: permits,
        })
    }

    const_fn_unless_model! {
        /// The `const` form of [`new`](Self::new), for a `static` semaphore (a plain `fn` in
        /// loom/shuttle model builds).
        ///
        /// ```
        /// use portalis_primitives::BoundedSemaphore;
        ///
        /// static POOL: BoundedSemaphore = BoundedSemaphore::const_new(1);
        /// POOL.acquire();
        /// POOL.release().unwrap();
        /// assert!(POOL.release().is_err()); // over-release is refused
        /// ```
        ///
        /// # Panics
        /// When `permits > Semaphore::MAX_PERMITS`; in a `static` or `const` that is a
        /// compile-time error:
        /// ```compile_fail,E0080
        /// use portalis_primitives::{BoundedSemaphore, Semaphore};
        /// static B: BoundedSemaphore = BoundedSemaphore::const_new(Semaphore::MAX_PERMITS + 1);
        /// ```
        pub fn const_new(permits: u32) -> Self {
            BoundedSemaphore {
                inner: Semaphore::const_new(permits),
                bound: permits,
            }
        }
    }

    /// The bound (the initial value).
    pub fn bound(&self) -> u32 {
        self.bound
    }

    /// Available permits now (a racy snapshot).
    pub fn available(&self) -> u32 {
        self.inner.available()
    }

    /// See [`Semaphore::acquire`].
    #[inline]
    pub fn acquire(&self) {
        self.inner.acquire()
    }

    /// See [`Semaphore::acquire_many`].
    ///
    /// # Panics
    /// When `n` exceeds the bound (it could never succeed).
    pub fn acquire_many(&self, n: u32) {
        assert!(n <= self.bound, "acquire_many beyond the semaphore's bound");
        self.inner.acquire_many(n)
    }

    /// See [`Semaphore::try_acquire`].
    #[inline]
    pub fn try_acquire(&self) -> bool {
        self.inner.try_acquire()
    }

    /// See [`Semaphore::try_acquire_many`].
    pub fn try_acquire_many(&self, n: u32) -> bool {
        self.inner.try_acquire_many(n)
    }

    /// See [`Semaphore::acquire_timeout`].
    pub fn acquire_timeout(&self, timeout: Duration) -> bool {
        self.inner.acquire_timeout(timeout)
    }

    /// See [`Semaphore::acquire_many_timeout`].
    pub fn acquire_many_timeout(&self, n: u32, timeout: Duration) -> bool {
        self.inner.acquire_many_timeout(n, timeout)
    }

    /// Returns one permit.
    ///
    /// # Errors
    /// [`SemaphoreReleaseError::OverRelease`] if that would exceed the bound; unchanged then.
    #[inline]
    pub fn release(&self) -> Result<(), SemaphoreReleaseError> {
        self.inner.release_bounded(1, self.bound)
    }

    /// Returns `n` permits (all or nothing).
    ///
    /// # Errors
    /// As [`release`](Self::release).
    pub fn release_many(&self, n: u32) -> Result<(), SemaphoreReleaseError> {
        self.inner.release_bounded(n, self.bound)
    }
}

// Unit tests use real threads and sleeps; the models run verify/tests/loom_* and verify/tests/shuttle_*.
#[cfg(all(test, not(any(portalis_loom, portalis_shuttle))))]
mod tests {
    use super::*;
    use crate::sync::Arc;

    const ROUNDS: usize = if cfg!(miri) { 50 } else { 20_000 };

    #[cfg_attr(portalis_no_threads, ignore = "spawns threads; this target has none")]
    #[test]
    fn conservation_under_contention() {
        let s = Arc::new(Semaphore::new(2).unwrap());
        let inside = Arc::new(AtomicU32::new(0));
        let hs: Vec<_> = (0..4)
            .map(|i| {
                let s = s.clone();
                let inside = inside.clone();
                thread::spawn(move || {
                    for _ in 0..ROUNDS {
                        let k = if i == 0 { 2 } else { 1 };
                        s.acquire_many(k);
                        let now = inside.fetch_add(k, Relaxed) + k;
                        assert!(now <= 2);
                        inside.fetch_sub(k, Relaxed);
                        s.release_many(k).unwrap();
                    }
                })
            })
            .collect();
        for h in hs {
            h.join().unwrap();
        }
        assert_eq!(s.available(), 2);
        assert_eq!(sleepers(s.state.load(Relaxed)), 0);
    }

    #[test]
    fn timeouts_and_bounds() {
        let s = Semaphore::new(0).unwrap();
        let t0 = Instant::now();
        assert!(!s.acquire_timeout(Duration::from_millis(10)));
        assert!(t0.elapsed() >= Duration::from_millis(10), "returned early");
        assert!(!s.acquire_timeout(Duration::ZERO));
        s.release_many(3).unwrap();
        assert!(s.acquire_many_timeout(3, Duration::MAX));
        assert_eq!(sleepers(s.state.load(Relaxed)), 0);
        assert!(Semaphore::new(Semaphore::MAX_PERMITS + 1).is_err());
        let m = Semaphore::new(Semaphore::MAX_PERMITS).unwrap();
        assert_eq!(m.release(), Err(SemaphoreReleaseError::Overflow));
        let b = BoundedSemaphore::new(2).unwrap();
        assert_eq!(b.release(), Err(SemaphoreReleaseError::OverRelease));
        assert!(b.try_acquire_many(2));
        assert_eq!(b.release_many(3), Err(SemaphoreReleaseError::OverRelease));
        b.release_many(2).unwrap();
        assert_eq!(b.available(), 2);
    }
}
