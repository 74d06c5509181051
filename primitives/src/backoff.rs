//! Exponential backoff for spin loops: `spin` after losing a race, `snooze` while waiting on
//! another thread, then give up and block (`is_completed`).

use crate::sync::{hint, thread};
use core::cell::Cell;

/// Spins `2^step` times per call up to [`SPIN_LIMIT`]; heuristic, from crossbeam's and std's
/// measurements that ~64 PAUSEs (≈1.6 µs here) is past the cost of a futex round trip.
pub(crate) const SPIN_LIMIT: u32 = 6;
/// After this many steps `snooze` has yielded long enough that blocking is cheaper.
pub(crate) const YIELD_LIMIT: u32 = 10;

/// Exponential backoff for spin loops.
///
/// # Examples
/// ```
/// use portalis_primitives::Backoff;
/// use portalis_primitives::sync::atomic::{AtomicBool, Ordering::Acquire};
///
/// let ready = AtomicBool::new(true);
/// let backoff = Backoff::new();
/// while !ready.load(Acquire) {
///     if backoff.is_completed() {
///         break; // block on a futex instead
///     }
///     backoff.snooze();
/// }
/// ```
#[derive(Debug, Default)]
pub struct Backoff {
    step: Cell<u32>,
}

impl Backoff {
    /// A fresh backoff.
    #[inline]
    pub fn new() -> Self {
        Self { step: Cell::new(0) }
    }

    /// Starts over.
    #[inline]
    pub fn reset(&self) {
        self.step.set(0);
    }

    /// Backs off after losing a race on a CAS: spins only, never yields.
    #[inline]
    pub fn spin(&self) {
        let s = self.step.get().min(SPIN_LIMIT);
        for _ in 0..1u32 << s {
            hint::spin_loop();
        }
        if self.step.get() <= SPIN_LIMIT {
            self.step.set(self.step.get() + 1);
        }
    }

    /// Backs off while waiting on another thread: spins, then yields the time slice.
    #[inline]
    pub fn snooze(&self) {
        let s = self.step.get();
        if s <= SPIN_LIMIT {
            for _ in 0..1u32 << s {
                hint::spin_loop();
            }
        } else {
            thread::yield_now();
        }
        if s <= YIELD_LIMIT {
            self.step.set(s + 1);
        }
    }

    /// `true` once spinning and yielding have run their course: block instead.
    #[inline]
    pub fn is_completed(&self) -> bool {
        self.step.get() > YIELD_LIMIT
    }
}
