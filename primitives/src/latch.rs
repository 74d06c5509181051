//! [`Latch`] (a one-shot countdown) and [`WaitGroup`] (Go-style add/done/wait), on one word.
//!
//! # State word
//! | bits | name | meaning |
//! |---|---|---|
//! | 0 | [`WAITERS_BIT`] | a thread may be asleep: the step to zero must wake all |
//! | 1..=31 | count | outstanding count (shifted by [`COUNT_SHIFT`]) |
//!
//! The decrement that reaches zero clears the word to 0 and wakes all if `WAITERS_BIT` was
//! set. A waiter sets `WAITERS_BIT` (CAS) and sleeps while the word equals what it stored.

use crate::deadline::{block, spins, Blocked, Deadline, DEADLOCK_MSG};
use crate::error::WaitGroupError;
use crate::futex;
use crate::sync::atomic::{
    AtomicU32,
    Ordering::{Acquire, Relaxed, Release},
};
use crate::sync::hint;
use core::fmt;
use std::time::Duration;

/// A thread may be asleep.
const WAITERS_BIT: u32 = 1;
/// The count lives above the waiters bit.
const COUNT_SHIFT: u32 = 1;
/// One count unit.
const ONE: u32 = 1 << COUNT_SHIFT;
/// Largest count.
const MAX_COUNT: u32 = u32::MAX >> COUNT_SHIFT;
/// Spins before sleeping (heuristic, as for `Event`).
const SPIN_LIMIT: u32 = 100;

/// The shared counter behind both types.
struct Counter {
    state: AtomicU32,
}

impl Counter {
    fn new(n: u32) -> Self {
        Counter {
            state: AtomicU32::new(n << COUNT_SHIFT),
        }
    }

    fn count(&self) -> u32 {
        // Acquire: pairs with the Release in `sub`.
        self.state.load(Acquire) >> COUNT_SHIFT
    }

    /// `Err` (unchanged) when the count would leave `0..=MAX_COUNT`.
    fn add(&self, n: u32) -> Result<(), WaitGroupError> {
        let mut s = self.state.load(Relaxed);
        loop {
            if n > MAX_COUNT - (s >> COUNT_SHIFT) {
                return Err(WaitGroupError::OutOfRange);
            }
            // Relaxed: adding work publishes nothing; the matching `sub` does.
            match self
                .state
                .compare_exchange_weak(s, s + n * ONE, Relaxed, Relaxed)
            {
                Ok(_) => return Ok(()),
                Err(now) => s = now,
            }
        }
    }

    /// `Err` (unchanged) when `n` exceeds the count.
    #[inline]
    fn sub(&self, n: u32) -> Result<(), WaitGroupError> {
        let mut s = self.state.load(Relaxed);
        loop {
            let c = s >> COUNT_SHIFT;
            if n > c {
                return Err(WaitGroupError::OutOfRange);
            }
            let new = if c == n { 0 } else { s - n * ONE };
            // Release: pairs with the Acquire in `count` / `wait`. (`verify/scripts/controls.sh`
            // weakens it under `portalis_seeded_bug`, never shipped.)
            let order = if cfg!(portalis_seeded_bug = "latch_relaxed_count_down") {
                Relaxed
            } else {
                Release
            };
            match self.state.compare_exchange_weak(s, new, order, Relaxed) {
                Ok(_) => break,
                Err(now) => s = now,
            }
        }
        if s >> COUNT_SHIFT == n && s & WAITERS_BIT != 0 {
            if cfg!(portalis_seeded_bug = "latch_wake_one") {
                // Seeded control (verify/scripts/controls.sh, model builds only): one waiter.
                futex::wake_one(&self.state);
            } else {
                futex::wake_all(&self.state);
            }
        }
        Ok(())
    }

    /// `true` once zero; `false` on timeout.
    fn wait(&self, deadline: Deadline) -> bool {
        for _ in 0..spins(SPIN_LIMIT) {
            if self.count() == 0 {
                return true;
            }
            hint::spin_loop();
        }
        loop {
            // Acquire: pairs with the Release in `sub`.
            let s = self.state.load(Acquire);
            if s >> COUNT_SHIFT == 0 {
                return true;
            }
            if s & WAITERS_BIT == 0
                && self
                    .state
                    .compare_exchange(s, s | WAITERS_BIT, Relaxed, Relaxed)
                    .is_err()
            {
                continue;
            }
            match block(&self.state, s | WAITERS_BIT, deadline) {
                Ok(Blocked::Woken) => {}
                Ok(Blocked::TimedOut) => return self.count() == 0,
                Err(_) if deadline.is_never() => panic!("{}", DEADLOCK_MSG),
                Err(_) => return self.count() == 0,
            }
        }
    }
}

/// A countdown latch: `count_down` `n` times, then every `wait` returns (C++ `std::latch`).
///
/// # Examples
/// ```
/// use portalis_primitives::Latch;
/// use std::sync::Arc;
///
/// let l = Arc::new(Latch::new(2));
/// let hs: Vec<_> = (0..2)
///     .map(|_| {
///         let l = l.clone();
///         std::thread::spawn(move || l.count_down())
///     })
///     .collect();
/// l.wait();
/// for h in hs {
///     h.join().unwrap();
/// }
/// ```
///
/// # Panics
/// An untimed `wait` on a non-zero latch panics on a target without threads; `new` panics
/// past 2^31 − 1.
///
/// ## Memory ordering
/// Everything written before each `count_down` is visible after `wait` returns.
pub struct Latch {
    c: Counter,
}

impl Latch {
    /// A latch that opens after `n` count-downs.
    pub fn new(n: u32) -> Self {
        assert!(n <= MAX_COUNT, "latch count too large");
        Latch { c: Counter::new(n) }
    }

    /// Decrements the count; extra count-downs at zero are ignored (returns `false` then).
    #[inline]
    pub fn count_down(&self) -> bool {
        self.c.sub(1).is_ok()
    }

    /// The remaining count.
    pub fn count(&self) -> u32 {
        self.c.count()
    }

    /// `true` if the count is zero.
    pub fn try_wait(&self) -> bool {
        self.c.count() == 0
    }

    /// Waits until the count is zero.
    pub fn wait(&self) {
        if !self.try_wait() {
            self.c.wait(Deadline::never());
        }
    }

    /// Waits until zero or `timeout`; returns whether it is zero.
    pub fn wait_timeout(&self, timeout: Duration) -> bool {
        self.try_wait() || self.c.wait(Deadline::after(timeout))
    }
}

impl fmt::Debug for Latch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Latch")
            .field("count", &self.count())
            .finish()
    }
}

/// A counter of outstanding work: `add` before starting, `done` when finished, `wait` for zero
/// (Go's `sync.WaitGroup`). Reusable: after reaching zero it can be `add`ed to again.
///
/// # Examples
/// ```
/// use portalis_primitives::WaitGroup;
/// use std::sync::Arc;
///
/// let wg = Arc::new(WaitGroup::new());
/// let hs: Vec<_> = (0..3)
///     .map(|_| {
///         wg.add(1).unwrap();
///         let wg = wg.clone();
///         std::thread::spawn(move || wg.done().unwrap())
///     })
///     .collect();
/// wg.wait();
/// for h in hs {
///     h.join().unwrap();
/// }
/// ```
///
/// ## Memory ordering
/// As [`Latch`].
pub struct WaitGroup {
    c: Counter,
}

impl Default for WaitGroup {
    fn default() -> Self {
        Self::new()
    }
}

impl WaitGroup {
    /// A wait group at zero.
    pub fn new() -> Self {
        WaitGroup { c: Counter::new(0) }
    }

    /// Adds `n` outstanding units.
    ///
    /// # Errors
    /// [`WaitGroupError::OutOfRange`] past 2^31 − 1; unchanged then.
    pub fn add(&self, n: u32) -> Result<(), WaitGroupError> {
        self.c.add(n)
    }

    /// Marks one unit done.
    ///
    /// # Errors
    /// [`WaitGroupError::OutOfRange`] when the count is already zero; unchanged then.
    #[inline]
    pub fn done(&self) -> Result<(), WaitGroupError> {
        self.c.sub(1)
    }

    /// Outstanding units.
    pub fn count(&self) -> u32 {
        self.c.count()
    }

    /// Waits until the count is zero.
    ///
    /// # Panics
    /// On a target without threads when the count is not zero.
    pub fn wait(&self) {
        if self.c.count() != 0 {
            self.c.wait(Deadline::never());
        }
    }

    /// Waits until zero or `timeout`; returns whether it is zero.
    pub fn wait_timeout(&self, timeout: Duration) -> bool {
        self.c.count() == 0 || self.c.wait(Deadline::after(timeout))
    }
}

impl fmt::Debug for WaitGroup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WaitGroup")
            .field("count", &self.count())
            .finish()
    }
}

// Unit tests use real threads and sleeps; the models run verify/tests/loom_* and verify/tests/shuttle_*.
#[cfg(all(test, not(any(portalis_loom, portalis_shuttle))))]
mod tests {
    use super::*;

    #[test]
    fn latch_and_waitgroup() {
        let l = Latch::new(1);
        assert!(!l.wait_timeout(Duration::from_millis(2)));
        assert!(l.count_down());
        assert!(!l.count_down());
        l.wait();
        let wg = WaitGroup::new();
        assert_eq!(wg.done(), Err(WaitGroupError::OutOfRange));
        wg.add(2).unwrap();
        wg.done().unwrap();
        assert!(!wg.wait_timeout(Duration::ZERO));
        wg.done().unwrap();
        assert!(wg.wait_timeout(Duration::MAX));
        assert_eq!(wg.add(u32::MAX), Err(WaitGroupError::OutOfRange));
    }
}
