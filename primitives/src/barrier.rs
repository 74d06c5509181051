//! [`Barrier`]: Python's `threading.Barrier` (arrival index, action, timeout breaks the
//! barrier, abort, reset, draining) on a small internal lock and one futex word.
//!
//! # Design
//! The phase machine is Python's (`Lib/threading.py`), under a [`Mutex`]:
//! `Filling → (last arrival runs the action) → Draining → (last leaver) → Filling`;
//! `Broken` (timeout, abort, action panic) until `reset`; `Resetting` while waiters of a
//! reset generation leave. Arrivals during `Draining`/`Resetting` wait until the previous
//! generation has left, so generations never mix and the barrier is reusable.
//!
//! Waiting does not use a queue: every phase change bumps the `epoch` word (under the lock)
//! and waiters sleep on it, like a condition variable whose only operation is notify-all.
//!
//! # Abandoned async waiters (ADR 112)
//! A `wait_async` future dropped after it arrived owes a cancel step (break a still-filling
//! generation, leave). Its `Drop` must not wait for the lock (the holder may be running the
//! action, and on a page's main thread waiting can only busy-wait), so when the lock is taken
//! it counts the step in `abandoned` and bumps the epoch. Every taker of the lock runs the
//! owed steps first ([`Barrier::settle`]), and a waiter that read an epoch which already
//! includes such a bump sees the count (the bump's Release, its Acquire load) and settles
//! before it sleeps; the bump wakes the ones already asleep.
//!
//! # Epoch word
//! | bits | name | meaning |
//! |---|---|---|
//! | 0 | [`SLEEPERS_BIT`] | a waiter may be asleep: the next bump wakes all |
//! | 1..=31 | sequence | bumped by 2 on every phase change |
//!
//! Waiters spin [`SPIN_LIMIT`] times on the epoch before sleeping, which is where the speed
//! over a Mutex+Condvar barrier comes from: the last arrival usually finds nobody asleep and
//! makes no system call.

use crate::deadline::{backoff_step, block, Blocked, Deadline, DEADLOCK_MSG};
use crate::error::{BrokenBarrierError, ZeroPartiesError};
use crate::futex;
use crate::mutex::{Mutex, MutexGuard};
use crate::sync::atomic::{
    AtomicU32,
    Ordering::{Acquire, Relaxed, Release},
};
use core::fmt;
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::time::Duration;

/// A waiter may be asleep on the epoch.
const SLEEPERS_BIT: u32 = 1;
/// One epoch step.
const EPOCH_STEP: u32 = 2;
/// Spins on the epoch before sleeping (≈2.5 µs of PAUSEs): a barrier round among running
/// threads completes within that; heuristic, see `benches/sync.rs` (`barrier`).
const SPIN_LIMIT: u32 = 100;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Filling,
    Draining,
    Resetting,
    Broken,
}

#[derive(Debug)]
struct Inner {
    /// Threads inside `wait` of the current generation (arrived, not yet left).
    count: u32,
    phase: Phase,
}

type Action = Box<dyn Fn() + Send + Sync>;

/// A reusable barrier for a fixed number of parties, with Python's semantics.
///
/// # Examples
/// ```
/// use portalis_primitives::Barrier;
/// use std::sync::Arc;
///
/// let b = Arc::new(Barrier::new(3).unwrap());
/// let hs: Vec<_> = (0..3)
///     .map(|_| {
///         let b = b.clone();
///         std::thread::spawn(move || b.wait().unwrap())
///     })
///     .collect();
/// let mut idx: Vec<u32> = hs.into_iter().map(|h| h.join().unwrap()).collect();
/// idx.sort();
/// assert_eq!(idx, [0, 1, 2]); // arrival indices, one per thread
/// ```
///
/// # Errors
/// Waits return [`BrokenBarrierError`] to every waiter when one times out, when the barrier
/// is aborted or reset while they wait, or when the action panics.
///
/// # Panics
/// An untimed wait panics on a target without threads (the other parties can never come),
/// unless `parties == 1`. If the action panics, the barrier breaks and the panic resumes in
/// the thread that ran it.
///
/// ## Memory ordering
/// Everything each party wrote before `wait` is visible to every party after its `wait`
/// returns (the internal lock orders it), and to the action.
pub struct Barrier {
    parties: u32,
    action: Option<Action>,
    inner: Mutex<Inner>,
    epoch: AtomicU32,
    /// Cancel steps owed by arrived `wait_async` futures dropped while the lock was held
    /// (module docs); run by the next holder in [`settle`](Self::settle).
    abandoned: AtomicU32,
}

impl Barrier {
    /// A barrier for `parties` threads.
    ///
    /// # Errors
    /// [`ZeroPartiesError`] when `parties == 0`.
    pub fn new(parties: u32) -> Result<Self, ZeroPartiesError> {
        Self::build(parties, None)
    }

    /// A barrier whose `action` one of the parties runs when all have arrived, before any is
    /// released (Python's `action=`).
    ///
    /// # Errors
    /// [`ZeroPartiesError`] when `parties == 0`.
    pub fn with_action(
        parties: u32,
        action: impl Fn() + Send + Sync + 'static,
    ) -> Result<Self, ZeroPartiesError> {
        Self::build(parties, Some(Box::new(action)))
    }

    const_fn_unless_model! {
        /// The `const` form of [`new`](Self::new), for a `static` barrier (a plain `fn` in
        /// loom/shuttle model builds).
        ///
        /// ```
        /// use portalis_primitives::Barrier;
        ///
        /// static START: Barrier = Barrier::const_new(2);
        /// let t = std::thread::spawn(|| START.wait().unwrap());
        /// let mine = START.wait().unwrap();
        /// let theirs = t.join().unwrap();
        /// assert_eq!(mine + theirs, 1); // arrival indices 0 and 1
        /// ```
        ///
        /// # Panics
        /// When `parties == 0`. In a `static` or `const` that panic is a compile-time error:
        /// ```compile_fail,E0080
        /// static NONE: portalis_primitives::Barrier = portalis_primitives::Barrier::const_new(0);
        /// ```
        pub fn const_new(parties: u32) -> Self {
            assert!(parties != 0, "a Barrier needs at least one party");
            Barrier {
                parties,
                action: None,
                inner: Mutex::new(Inner {
                    count: 0,
                    phase: Phase::Filling,
                }),
                epoch: AtomicU32::new(0),
                abandoned: AtomicU32::new(0),
            }
        }
    }

    fn build(parties: u32, action: Option<Action>) -> Result<Self, ZeroPartiesError> {
        if parties == 0 {
            return Err(ZeroPartiesError);
        }
        Ok(Barrier {
            parties,
            action,
            inner: Mutex::new(Inner {
                count: 0,
                phase: Phase::Filling,
            }),
            epoch: AtomicU32::new(0),
            abandoned: AtomicU32::new(0),
        })
    }

    /// Takes the internal lock and runs the cancel steps owed to it (module docs).
    #[inline]
    fn lock(&self) -> MutexGuard<'_, Inner> {
        let mut g = self.inner.lock();
        self.settle(&mut g);
        g
    }

    /// [`lock`](Self::lock) for async waiters.
    async fn lock_async(&self) -> MutexGuard<'_, Inner> {
        let mut g = self.inner.lock_async().await;
        self.settle(&mut g);
        g
    }

    /// Runs the cancel steps of abandoned async waiters (caller holds the lock); `true` if
    /// there were any (the phase may have changed: the caller re-checks before waiting).
    #[inline]
    fn settle(&self, g: &mut MutexGuard<'_, Inner>) -> bool {
        // Relaxed: the count is only a tally; a step counted after this load is either seen
        // by a later holder or by a waiter's post-epoch check (`cond_wait`), which is ordered
        // by the epoch's Release/Acquire.
        if self.abandoned.load(Relaxed) == 0 {
            return false;
        }
        self.settle_slow(g)
    }

    #[cold]
    fn settle_slow(&self, g: &mut MutexGuard<'_, Inner>) -> bool {
        // Relaxed: as in `settle`; every step counted so far is taken exactly once (one RMW).
        let n = self.abandoned.swap(0, Relaxed);
        for _ in 0..n {
            self.cancel_arrived(g);
        }
        n != 0
    }

    /// The cancel step of an arrived waiter that leaves early (caller holds the lock): a
    /// still-filling generation breaks (a party left), then it leaves.
    fn cancel_arrived(&self, g: &mut MutexGuard<'_, Inner>) {
        if g.phase == Phase::Filling {
            self.break_locked(g);
        }
        self.leave(g);
    }

    /// `true` if an abandoned waiter's step is pending (see [`cond_wait`](Self::cond_wait)).
    fn abandoned_pending(&self) -> bool {
        // Relaxed: read after the caller's Acquire load of the epoch, which orders it after the
        // dropper's count (the dropper counts before its Release bump).
        !cfg!(portalis_seeded_bug = "barrier_cancel_skips_recheck")
            && self.abandoned.load(Relaxed) != 0
    }

    /// The number of parties.
    pub fn parties(&self) -> u32 {
        self.parties
    }

    /// Threads currently waiting for the barrier to fill.
    pub fn n_waiting(&self) -> u32 {
        let g = self.lock();
        if g.phase == Phase::Filling {
            g.count
        } else {
            0
        }
    }

    /// `true` while broken (until [`reset`](Self::reset)).
    pub fn broken(&self) -> bool {
        self.lock().phase == Phase::Broken
    }

    /// Waits for all parties; returns this thread's arrival index (`0..parties`).
    ///
    /// # Errors
    /// [`BrokenBarrierError`]; see the type's docs.
    pub fn wait(&self) -> Result<u32, BrokenBarrierError> {
        self.wait_deadline(Deadline::never())
    }

    /// [`wait`](Self::wait) as a future: waits for all parties without blocking the thread
    /// (the browser's main thread, async code; any executor). The internal lock is taken with
    /// `Mutex::lock_async`, and the epoch is awaited with `futex::wait_future` behind
    /// `SLEEPERS_BIT`, so every phase change's `wake_all` wakes it.
    ///
    /// Cancel: dropping the future after it arrived and before all parties did breaks the
    /// barrier (as a timeout does in Python: the other waiters get [`BrokenBarrierError`],
    /// where they would otherwise wait for ever for a party that left); dropped after the
    /// release, it leaves like a returning waiter. Dropped before it arrived, it changes
    /// nothing.
    ///
    /// # Examples
    /// ```
    /// use portalis_primitives::Barrier;
    /// use std::sync::Arc;
    /// # fn block_on<F: std::future::Future>(f: F) -> F::Output {
    /// #     struct T(std::thread::Thread);
    /// #     impl std::task::Wake for T { fn wake(self: std::sync::Arc<Self>) { self.0.unpark() } }
    /// #     let w = std::task::Waker::from(std::sync::Arc::new(T(std::thread::current())));
    /// #     let mut cx = std::task::Context::from_waker(&w);
    /// #     let mut f = std::pin::pin!(f);
    /// #     loop { if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) { return v; } std::thread::park(); }
    /// # }
    ///
    /// let b = Arc::new(Barrier::new(2).unwrap());
    /// let b2 = b.clone();
    /// let t = std::thread::spawn(move || b2.wait().unwrap());
    /// let mine = block_on(b.wait_async()).unwrap();
    /// assert_eq!(mine + t.join().unwrap(), 1);
    /// ```
    ///
    /// # Errors
    /// [`BrokenBarrierError`]; see the type's docs.
    pub async fn wait_async(&self) -> Result<u32, BrokenBarrierError> {
        let mut g = self.lock_async().await;
        while matches!(g.phase, Phase::Draining | Phase::Resetting) {
            g = self.cond_wait_async(g).await;
        }
        if g.phase == Phase::Broken {
            return Err(BrokenBarrierError);
        }
        let index = g.count;
        g.count += 1;
        let mut arrived = ArrivedAsync {
            barrier: self,
            armed: true,
        };
        let r = if index + 1 == self.parties {
            self.release(&mut g)
        } else {
            while g.phase == Phase::Filling {
                g = self.cond_wait_async(g).await;
            }
            match g.phase {
                Phase::Broken | Phase::Resetting => Err(BrokenBarrierError),
                _ => Ok(()),
            }
        };
        arrived.armed = false;
        self.leave(&mut g);
        r.map(|_| index)
    }

    /// The exit step of a wait (caller holds the lock): the last leaver of a released or
    /// reset generation reopens the barrier.
    fn leave(&self, g: &mut MutexGuard<'_, Inner>) {
        g.count -= 1;
        if g.count == 0 && matches!(g.phase, Phase::Draining | Phase::Resetting) {
            g.phase = Phase::Filling;
            self.notify_all();
        }
    }

    /// `cond_wait` for an async waiter: unlocks, awaits an epoch bump, relocks with
    /// `lock_async`.
    async fn cond_wait_async<'a>(&'a self, mut g: MutexGuard<'a, Inner>) -> MutexGuard<'a, Inner> {
        // Owed cancel steps first: they may change the phase the caller waits on.
        if self.settle(&mut g) {
            return g;
        }
        // Acquire: pairs with the Release CAS of an abandoning drop's bump (the others are
        // made under the lock we hold); then a step counted before that bump is visible.
        let e = self.epoch.load(Acquire) & !SLEEPERS_BIT;
        if self.abandoned_pending() {
            return g; // spurious: the caller's loop settles it
        }
        drop(g);
        loop {
            // Acquire: pairs with the Release CAS in `notify_all`.
            let now = self.epoch.load(Acquire);
            if now & !SLEEPERS_BIT != e {
                break;
            }
            // Relaxed: the bit only announces a sleeper and publishes no data; `notify_all`'s CAS
            // on this word reads it, and the futex wait below re-checks the word.
            if now & SLEEPERS_BIT == 0
                && self
                    .epoch
                    .compare_exchange(now, now | SLEEPERS_BIT, Relaxed, Relaxed)
                    .is_err()
            {
                continue;
            }
            futex::wait_future(&self.epoch, e | SLEEPERS_BIT).await;
        }
        self.lock_async().await
    }

    /// As [`wait`](Self::wait), but if not all parties arrive within `timeout` the barrier
    /// breaks (for every waiter) and this returns the error.
    ///
    /// # Errors
    /// [`BrokenBarrierError`].
    pub fn wait_timeout(&self, timeout: Duration) -> Result<u32, BrokenBarrierError> {
        self.wait_deadline(Deadline::after(timeout))
    }

    fn wait_deadline(&self, deadline: Deadline) -> Result<u32, BrokenBarrierError> {
        let mut g = self.lock();
        // Enter: let the previous generation drain first (untimed, as in Python).
        // (Seeded control `barrier_enter_skips_drain`, model builds only: generations mix.)
        while !cfg!(portalis_seeded_bug = "barrier_enter_skips_drain")
            && matches!(g.phase, Phase::Draining | Phase::Resetting)
        {
            g = self.cond_wait(g, Deadline::never()).0;
        }
        if g.phase == Phase::Broken {
            return Err(BrokenBarrierError);
        }
        let index = g.count;
        g.count += 1;
        let r = if index + 1 == self.parties {
            self.release(&mut g)
        } else {
            let (g2, r) = self.wait_release(g, deadline);
            g = g2;
            r
        };
        // Exit.
        self.leave(&mut g);
        if cfg!(portalis_seeded_bug = "barrier_action_after_release") && index + 1 == self.parties {
            drop(g);
            if let Some(a) = &self.action {
                a();
            }
        }
        r.map(|_| index)
    }

    /// The last arrival: run the action, then start draining.
    fn release(&self, g: &mut MutexGuard<'_, Inner>) -> Result<(), BrokenBarrierError> {
        // Seeded control `barrier_action_after_release` (verify/scripts/controls.sh, model
        // builds only): the action is left to `wait_deadline`, which runs it after the last
        // arrival has released everyone and dropped the lock.
        if cfg!(portalis_seeded_bug = "barrier_action_after_release") {
            g.phase = Phase::Draining;
            self.notify_all();
            return Ok(());
        }
        if let Some(a) = &self.action {
            if let Err(p) = catch_unwind(AssertUnwindSafe(a)) {
                self.break_locked(g);
                // Leave the barrier consistently before unwinding.
                g.count -= 1;
                resume_unwind(p);
            }
        }
        g.phase = Phase::Draining;
        self.notify_all();
        Ok(())
    }

    fn wait_release<'a>(
        &'a self,
        mut g: MutexGuard<'a, Inner>,
        deadline: Deadline,
    ) -> (MutexGuard<'a, Inner>, Result<(), BrokenBarrierError>) {
        while g.phase == Phase::Filling {
            let (g2, timed_out) = self.cond_wait(g, deadline);
            g = g2;
            if timed_out && g.phase == Phase::Filling {
                self.break_locked(&mut g);
                return (g, Err(BrokenBarrierError));
            }
        }
        let r = match g.phase {
            Phase::Broken | Phase::Resetting => Err(BrokenBarrierError),
            _ => Ok(()),
        };
        (g, r)
    }

    fn break_locked(&self, g: &mut MutexGuard<'_, Inner>) {
        g.phase = Phase::Broken;
        self.notify_all();
    }

    /// Breaks the barrier: current and future waiters get [`BrokenBarrierError`] until
    /// [`reset`](Self::reset).
    pub fn abort(&self) {
        let mut g = self.lock();
        self.break_locked(&mut g);
    }

    /// Returns the barrier to its initial state; threads waiting now get
    /// [`BrokenBarrierError`].
    pub fn reset(&self) {
        let mut g = self.lock();
        if g.count > 0 {
            if matches!(g.phase, Phase::Filling | Phase::Broken) {
                g.phase = Phase::Resetting;
            }
        } else {
            g.phase = Phase::Filling;
        }
        // Seeded control `barrier_reset_skips_wake` (verify/scripts/controls.sh, model builds
        // only): the phase changes but nobody asleep in the old generation hears of it.
        if !cfg!(portalis_seeded_bug = "barrier_reset_skips_wake") {
            self.notify_all();
        }
    }

    /// Bumps the epoch (caller holds the lock, or is an abandoning drop: ADR 112) and wakes
    /// sleepers if any announced.
    fn notify_all(&self) {
        let mut e = self.epoch.load(Relaxed);
        loop {
            let new = e.wrapping_add(EPOCH_STEP) & !SLEEPERS_BIT;
            // Release: pairs with the Acquire loads in `cond_wait`/`cond_wait_async` (the lock
            // also orders the data; this makes spinning waiters see the bump promptly and
            // safely, and publishes an abandoning drop's count: ADR 112).
            match self.epoch.compare_exchange_weak(e, new, Release, Relaxed) {
                Ok(_) => break,
                Err(now) => e = now,
            }
        }
        // Seeded control `barrier_wake_checks_new_epoch` (verify/scripts/controls.sh, model
        // builds only): tests the bit on the value just stored, which never has it.
        let announced = if cfg!(portalis_seeded_bug = "barrier_wake_checks_new_epoch") {
            e.wrapping_add(EPOCH_STEP) & !SLEEPERS_BIT
        } else {
            e
        };
        if announced & SLEEPERS_BIT != 0 {
            futex::wake_all(&self.epoch);
        }
    }

    /// Unlocks, waits for an epoch bump or `deadline`, relocks. Returns `(guard, timed_out)`.
    fn cond_wait<'a>(
        &'a self,
        mut g: MutexGuard<'a, Inner>,
        deadline: Deadline,
    ) -> (MutexGuard<'a, Inner>, bool) {
        // Owed cancel steps first: they may change the phase the caller waits on.
        if self.settle(&mut g) {
            return (g, false);
        }
        // Acquire: pairs with the Release CAS of an abandoning drop's bump (the others are
        // made under the lock we hold); then a step counted before that bump is visible.
        let e = self.epoch.load(Acquire) & !SLEEPERS_BIT;
        if self.abandoned_pending() {
            return (g, false); // spurious: the caller's loop settles it
        }
        drop(g);
        let mut timed_out = false;
        let mut spun = 0;
        loop {
            // Acquire: pairs with the Release CAS in `notify_all`.
            let now = self.epoch.load(Acquire);
            if now & !SLEEPERS_BIT != e {
                break;
            }
            if backoff_step(&mut spun, SPIN_LIMIT) {
                continue;
            }
            // Relaxed: the bit only announces a sleeper and publishes no data; `notify_all`'s CAS
            // on this word reads it, and the futex wait below re-checks the word.
            if now & SLEEPERS_BIT == 0
                && self
                    .epoch
                    .compare_exchange(now, now | SLEEPERS_BIT, Relaxed, Relaxed)
                    .is_err()
            {
                continue;
            }
            match block(&self.epoch, e | SLEEPERS_BIT, deadline) {
                Ok(Blocked::Woken) => {}
                Ok(Blocked::TimedOut) => {
                    timed_out = true;
                    break;
                }
                Err(_) if deadline.is_never() => panic!("{}", DEADLOCK_MSG),
                Err(_) => {
                    timed_out = true;
                    break;
                }
            }
        }
        (self.lock(), timed_out)
    }
}

/// An async waiter counted in the barrier (`Barrier::wait_async`); dropping it while
/// `armed` breaks a still-filling generation (a party left) and leaves, at once or through
/// `abandoned` (module docs).
struct ArrivedAsync<'a> {
    barrier: &'a Barrier,
    armed: bool,
}

impl Drop for ArrivedAsync<'_> {
    /// Never waits (ADR 112): with the lock free it runs the cancel step itself; with the lock
    /// held (possibly for the whole action, or by a waiter that is about to sleep) it counts
    /// the step for the holder, then bumps the epoch so that waiters asleep come and settle it.
    fn drop(&mut self) {
        if !self.armed {
            return;
        }
        let b = self.barrier;
        if let Some(mut g) = b.inner.try_lock() {
            b.settle(&mut g);
            b.cancel_arrived(&mut g);
            return;
        }
        // Relaxed: the Release CAS of the bump below publishes it (module docs).
        b.abandoned.fetch_add(1, Relaxed);
        if !cfg!(portalis_seeded_bug = "barrier_cancel_no_bump") {
            b.notify_all();
        }
    }
}

impl fmt::Debug for Barrier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Barrier")
            .field("parties", &self.parties)
            .field("n_waiting", &self.n_waiting())
            .field("broken", &self.broken())
            .finish_non_exhaustive()
    }
}

// Unit tests use real threads and sleeps; the models run verify/tests/loom_* and verify/tests/shuttle_*.
#[cfg(all(test, not(any(portalis_loom, portalis_shuttle))))]
mod tests {
    use super::*;
    use crate::sync::atomic::AtomicUsize;
    use crate::sync::{thread, Arc};

    const ROUNDS: usize = if cfg!(miri) { 5 } else { 500 };

    /// Polls `f` once with a waker that does nothing; `true` if it resolved.
    fn poll_once<F: core::future::Future>(f: core::pin::Pin<&mut F>) -> bool {
        let mut cx = core::task::Context::from_waker(core::task::Waker::noop());
        f.poll(&mut cx).is_ready()
    }

    /// ADR 112: dropping an arrived `wait_async` future while the internal lock is held does
    /// not wait for the lock (before, `Drop` called `lock()`: with the lock held by this very
    /// thread it deadlocked, and on a page's main thread it busy-waited for as long as a worker
    /// held it, e.g. for a whole barrier action). The owed cancel step runs at the next lock.
    #[cfg_attr(portalis_no_threads, ignore = "spawns threads; this target has none")]
    #[test]
    fn dropped_async_waiter_never_waits_for_the_lock() {
        let b = Barrier::new(2).unwrap();
        let mut fut = Box::pin(b.wait_async());
        assert!(!poll_once(fut.as_mut()), "arrived; the barrier is filling");
        let g = b.inner.lock(); // the lock is held while the future is dropped
        drop(fut); // deferred, never waits
        assert_eq!(b.abandoned.load(Relaxed), 1);
        drop(g);
        assert!(
            b.broken(),
            "the settled cancel broke the filling generation"
        );
        assert_eq!(b.abandoned.load(Relaxed), 0);
        b.reset();
        // Reusable: count is back to 0 (the abandoned party left).
        let b = Arc::new(b);
        let b2 = b.clone();
        let t = thread::spawn(move || b2.wait());
        let mine = b.wait().unwrap();
        assert_eq!(mine + t.join().unwrap().unwrap(), 1);
    }

    /// ADR 112: a party asleep in `wait` learns of a cancel deferred while another thread held
    /// the lock (the dropper's epoch bump wakes it; it settles and finds the barrier broken).
    /// Control: with `barrier_cancel_no_bump` the sleeper would never wake (the loom model
    /// `loom_async_barrier_deferred_cancel_breaks_sleeper` checks every interleaving).
    #[cfg_attr(portalis_no_threads, ignore = "spawns threads; this target has none")]
    #[test]
    fn deferred_cancel_wakes_a_sleeping_party() {
        let b = Arc::new(Barrier::new(3).unwrap());
        let mut fut = Box::pin(b.wait_async());
        assert!(!poll_once(fut.as_mut()), "arrived");
        let b2 = b.clone();
        let t = thread::spawn(move || b2.wait());
        while b.n_waiting() < 2 {
            thread::yield_now();
        }
        let g = b.inner.lock();
        drop(fut);
        drop(g);
        assert_eq!(t.join().unwrap(), Err(BrokenBarrierError));
        assert!(b.broken());
    }

    #[test]
    fn zero_parties_is_an_error() {
        assert_eq!(Barrier::new(0).err(), Some(ZeroPartiesError));
        assert_eq!(Barrier::new(1).unwrap().wait(), Ok(0));
    }

    #[cfg_attr(portalis_no_threads, ignore = "spawns threads; this target has none")]
    #[test]
    fn rounds_with_action() {
        let runs = Arc::new(AtomicUsize::new(0));
        let r2 = runs.clone();
        let b = Arc::new(
            Barrier::with_action(3, move || {
                r2.fetch_add(1, Relaxed);
            })
            .unwrap(),
        );
        let hs: Vec<_> = (0..3)
            .map(|_| {
                let b = b.clone();
                thread::spawn(move || {
                    let mut last = 0;
                    for _ in 0..ROUNDS {
                        if b.wait().unwrap() == 2 {
                            last += 1;
                        }
                    }
                    last
                })
            })
            .collect();
        let lasts: usize = hs.into_iter().map(|h| h.join().unwrap()).sum();
        assert_eq!(lasts, ROUNDS);
        assert_eq!(runs.load(Relaxed), ROUNDS);
    }

    #[cfg_attr(portalis_no_threads, ignore = "spawns threads; this target has none")]
    #[test]
    fn timeout_breaks_for_everyone_then_reset() {
        let b = Arc::new(Barrier::new(3).unwrap());
        let b2 = b.clone();
        let t = thread::spawn(move || b2.wait());
        let t0 = std::time::Instant::now();
        assert_eq!(
            b.wait_timeout(Duration::from_millis(20)),
            Err(BrokenBarrierError)
        );
        assert!(t0.elapsed() >= Duration::from_millis(20), "returned early");
        assert_eq!(t.join().unwrap(), Err(BrokenBarrierError));
        assert!(b.broken());
        assert_eq!(b.wait_timeout(Duration::ZERO), Err(BrokenBarrierError));
        b.reset();
        assert!(!b.broken());
        assert_eq!(b.n_waiting(), 0);
    }

    #[cfg_attr(portalis_no_threads, ignore = "spawns threads; this target has none")]
    #[test]
    fn abort_and_reset_wake_waiters() {
        let b = Arc::new(Barrier::new(2).unwrap());
        let b2 = b.clone();
        let t = thread::spawn(move || b2.wait());
        while b.n_waiting() == 0 {
            thread::yield_now();
        }
        b.reset();
        assert_eq!(t.join().unwrap(), Err(BrokenBarrierError));
        let b3 = b.clone();
        let t = thread::spawn(move || b3.wait());
        while b.n_waiting() == 0 {
            thread::yield_now();
        }
        b.abort();
        assert_eq!(t.join().unwrap(), Err(BrokenBarrierError));
        b.reset();
        let b4 = b.clone();
        let t = thread::spawn(move || b4.wait());
        assert!(b.wait().is_ok());
        assert!(t.join().unwrap().is_ok());
    }
}
