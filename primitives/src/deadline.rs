//! Deadlines and the one blocking step every primitive shares: `futex::wait` with a deadline,
//! with the browser-main-thread and no-threads outcomes mapped to one documented policy.
//!
//! # Policy where a thread cannot block (see each primitive's `# Panics`)
//! * [`WaitError::MainThreadCannotBlock`] (browser main thread): the futex layer already spun
//!   for a bounded time; we report a spurious wake-up, so the caller re-checks and keeps
//!   spinning. The main thread therefore busy-waits until a worker releases the resource (or
//!   a timed call's deadline passes); it never traps.
//! * [`WaitError::WouldDeadlock`] (no threads at all): nothing can ever change the word, so an
//!   untimed wait is a certain deadlock. Timed waits time out (the futex layer sleeps the
//!   timeout out where it can); untimed infallible calls panic with [`DEADLOCK_MSG`]; fallible
//!   ones (`ReentrantMutex::acquire`) return an error.

use crate::futex::{self, WaitError, WaitResult};
use crate::sync::atomic::AtomicU32;
use crate::time::Instant;
use std::time::Duration;

/// Panic message of untimed blocking calls on a target without threads.
pub(crate) const DEADLOCK_MSG: &str =
    "deadlock: this target has no threads, so the resource can never be released; use a timed or try_ call";

/// An optional point in time on [`crate::time::Instant`]'s clock (`performance.now()` in the
/// browser, std's `Instant` elsewhere); `None` waits for ever. Under the model checkers it is
/// a point on the [model clock](model_clock) instead.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Deadline(Option<Point>);

/// A point on the clock deadlines are measured on.
#[cfg(not(any(portalis_loom, portalis_shuttle)))]
type Point = Instant;
/// A point on the clock deadlines are measured on: the model clock's reading.
#[cfg(any(portalis_loom, portalis_shuttle))]
type Point = Duration;

/// The model checkers' clock: per model thread, starting at zero and moving only when a timed
/// wait of that thread times out (it jumps to the wait's deadline). Reading the real clock
/// inside a model made a branch depend on how fast the machine ran ("Is the model fully
/// deterministic?" under load); with this clock a deadline expires exactly when the explored
/// execution lets a timed wait time out, the same in every replay.
#[cfg(any(portalis_loom, portalis_shuttle))]
mod model_clock {
    use core::cell::Cell;
    use std::time::Duration;

    crate::sync::thread_local! {
        static NOW: Cell<Duration> = Cell::new(Duration::ZERO);
    }

    /// This model thread's time.
    pub(super) fn now() -> Duration {
        NOW.with(Cell::get)
    }

    /// Moves this model thread's time forward to `to` (never back).
    pub(super) fn advance_to(to: Duration) {
        NOW.with(|n| n.set(n.get().max(to)));
    }
}

#[cfg(not(any(portalis_loom, portalis_shuttle)))]
#[inline]
fn now() -> Point {
    Instant::now()
}

#[cfg(any(portalis_loom, portalis_shuttle))]
#[inline]
fn now() -> Point {
    model_clock::now()
}

/// The clock the channels' deadlines (`Option<Instant>`, `channel/`) are read on:
/// `Instant::now()`; under the model checkers the [model clock](model_clock) as an `Instant`, a
/// fixed origin plus this model thread's time, so a channel's timed path takes the same branch
/// in every replay (issue 21 item 6). A deadline the caller computed from the real clock is
/// later than the model clock's reading by the real time since the origin: under the models
/// an absolute deadline expires only by a timed wait timing out.
#[cfg(not(any(portalis_loom, portalis_shuttle)))]
#[inline]
pub(crate) fn instant_now() -> Instant {
    Instant::now()
}

/// The model checkers' reading of the channel clock (see the native version).
#[cfg(any(portalis_loom, portalis_shuttle))]
pub(crate) fn instant_now() -> Instant {
    model_origin() + model_clock::now()
}

/// A channel's timed wait for `deadline` timed out: under the models this thread's clock
/// jumps to it (as [`Deadline`]'s waits do); nothing natively.
#[inline]
pub(crate) fn instant_timed_out(deadline: Instant) {
    #[cfg(any(portalis_loom, portalis_shuttle))]
    model_clock::advance_to(deadline.saturating_duration_since(model_origin()));
    #[cfg(not(any(portalis_loom, portalis_shuttle)))]
    let _ = deadline;
}

/// The real instant the model clock's zero stands for: read once per process (a std
/// `OnceLock`, outside the model: the same value in every execution and replay).
#[cfg(any(portalis_loom, portalis_shuttle))]
fn model_origin() -> Instant {
    static ORIGIN: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
    *ORIGIN.get_or_init(Instant::now)
}

impl Deadline {
    /// No limit.
    #[inline]
    pub(crate) const fn never() -> Self {
        Deadline(None)
    }

    /// `now + timeout`; a timeout too large to represent (e.g. `Duration::MAX`) means never.
    #[inline]
    pub(crate) fn after(timeout: Duration) -> Self {
        let at = now().checked_add(timeout);
        // The model clock is a `Duration` from zero, which holds `Duration::MAX` where a real
        // `Instant` (seconds in an `i64`) overflows: without this filter a "wait for ever" by
        // `Duration::MAX` became a finite deadline the model could let expire
        // (loom_shared_state_change_is_seen saw a timeout it can never have natively).
        // (Seeded control `model_clock_max_is_finite` drops the filter, model builds only.)
        #[cfg(any(portalis_loom, portalis_shuttle))]
        let at = at.filter(|t| {
            cfg!(portalis_seeded_bug = "model_clock_max_is_finite")
                || t.as_secs() <= i64::MAX as u64
        });
        Deadline(at)
    }

    /// An absolute deadline.
    #[cfg(not(any(portalis_loom, portalis_shuttle)))]
    #[inline]
    pub(crate) fn at(when: Instant) -> Self {
        Deadline(Some(when))
    }

    /// An absolute deadline: under the models, the real time left until `when` from the model
    /// clock's now (a deadline in the past is already expired).
    #[cfg(any(portalis_loom, portalis_shuttle))]
    #[inline]
    pub(crate) fn at(when: Instant) -> Self {
        Self::after(when.saturating_duration_since(Instant::now()))
    }

    /// Time left: `Some(None)` = unlimited, `Some(Some(d))` = `d` left, `None` = expired.
    #[inline]
    fn remaining(self) -> Option<Option<Duration>> {
        match self.0 {
            None => Some(None),
            Some(t) => {
                let left = t.saturating_sub_point(now());
                if left.is_zero() {
                    None
                } else {
                    Some(Some(left))
                }
            }
        }
    }

    /// After a timed wait timed out: under the models the clock jumps to the deadline (it
    /// already passed in real time elsewhere).
    #[inline]
    fn timed_out(self) {
        #[cfg(any(portalis_loom, portalis_shuttle))]
        if let Some(t) = self.0 {
            model_clock::advance_to(t);
        }
    }

    /// `true` once the deadline has passed (never for an untimed deadline).
    #[inline]
    pub(crate) fn is_expired_now(self) -> bool {
        self.remaining().is_none()
    }

    /// `true` for an untimed deadline.
    #[inline]
    pub(crate) fn is_never(self) -> bool {
        self.0.is_none()
    }
}

/// `later - earlier`, zero when `earlier` is later; one name for both clocks.
trait SaturatingSub: Sized {
    fn saturating_sub_point(self, earlier: Self) -> Duration;
}

#[cfg(not(any(portalis_loom, portalis_shuttle)))]
impl SaturatingSub for Instant {
    #[inline]
    fn saturating_sub_point(self, earlier: Self) -> Duration {
        self.saturating_duration_since(earlier)
    }
}

#[cfg(any(portalis_loom, portalis_shuttle))]
impl SaturatingSub for Duration {
    #[inline]
    fn saturating_sub_point(self, earlier: Self) -> Duration {
        self.saturating_sub(earlier)
    }
}

/// How one [`block`] ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Blocked {
    /// Woken (maybe spuriously): re-check the condition.
    Woken,
    /// The deadline passed.
    TimedOut,
}

/// Sleeps while `*word == expected`, until woken or `deadline`.
///
/// # Errors
/// [`WaitError::WouldDeadlock`] only for an untimed wait on a target without threads; the
/// browser main thread's error becomes [`Blocked::Woken`] (see the module policy).
#[inline]
pub(crate) fn block(
    word: &AtomicU32,
    expected: u32,
    deadline: Deadline,
) -> Result<Blocked, WaitError> {
    let Some(timeout) = deadline.remaining() else {
        return Ok(Blocked::TimedOut);
    };
    match futex::wait(word, expected, timeout) {
        Ok(WaitResult::Woken) => Ok(Blocked::Woken),
        Ok(WaitResult::TimedOut) => {
            deadline.timed_out();
            Ok(Blocked::TimedOut)
        }
        Err(WaitError::MainThreadCannotBlock) => Ok(Blocked::Woken),
        Err(e) => Err(e),
    }
}

/// [`block`] for infallible callers: panics with [`DEADLOCK_MSG`] on a certain deadlock.
#[inline]
pub(crate) fn block_or_panic(word: &AtomicU32, expected: u32, deadline: Deadline) -> Blocked {
    match block(word, expected, deadline) {
        Ok(b) => b,
        Err(_) => panic!("{}", DEADLOCK_MSG),
    }
}

/// Spin iterations (`spin_loop` calls) shrink to almost nothing under the model checkers,
/// where spinning only multiplies the explored interleavings.
#[inline]
pub(crate) const fn spins(n: u32) -> u32 {
    if crate::sync::MODEL {
        1
    } else {
        n
    }
}

/// Yields (`sched_yield`) after the spin phase and before sleeping: on 2 cores with more
/// runnable threads than cores, giving the core to the thread we wait for is cheaper than a
/// futex round trip (≈0.6 µs per yield vs ≈5 µs per wait/wake). Heuristic, tuned with the
/// L2/L4 rows of `benches/perf_table/sync.rs`.
pub(crate) const YIELD_LIMIT: u32 = 8;

/// One step of a spin-then-yield phase: `false` once the budget (`spin` PAUSEs, then
/// [`YIELD_LIMIT`] yields) is used up.
#[inline]
pub(crate) fn backoff_step(step: &mut u32, spin: u32) -> bool {
    let spin = spins(spin);
    let total = spin + if crate::sync::MODEL { 0 } else { YIELD_LIMIT };
    if *step >= total {
        return false;
    }
    if *step < spin {
        crate::sync::hint::spin_loop();
    } else {
        crate::sync::thread::yield_now();
    }
    *step += 1;
    true
}

/// One step of a growing spin phase: rounds `0..rounds` spin `2^(round + 1)` PAUSEs (2, 4, 8,
/// …), the caller re-checking its condition between rounds, then [`YIELD_LIMIT`] yields;
/// `false` once used up. Rounds that grow (parking_lot's `SpinWait` schedule) matter with more
/// threads than cores: a waiter that re-checks a lock after every PAUSE catches nearly every
/// short unlocked window, so two running threads hand the lock (and its cache line) back and
/// forth at ≈20 ns per operation instead of one of them going to sleep and the other running
/// alone at ≈5 ns (ADR 017).
#[inline]
pub(crate) fn growing_spin_step(step: &mut u32, rounds: u32) -> bool {
    let rounds = spins(rounds);
    let total = rounds + if crate::sync::MODEL { 0 } else { YIELD_LIMIT };
    if *step >= total {
        return false;
    }
    if *step < rounds {
        for _ in 0..spins(2 << *step) {
            crate::sync::hint::spin_loop();
        }
    } else {
        crate::sync::thread::yield_now();
    }
    *step += 1;
    true
}
