//! [`Orphan`]: the worker loop a dead Web Worker left behind, at its index (ADR 113). Two
//! threads may want to run it: the replacement worker that the dead worker's creator boots
//! (ADR 115), and a thread in `ThreadPool::shutdown(true)`. The second one cannot wait for
//! the replacement, because the replacement boots only when its creator returns to its event
//! loop, and the creator may be the very thread blocked in `shutdown`. Whoever claims the
//! orphan first runs it; the other finds it claimed and does nothing.
//!
//! # Protocol
//! * **O1.** The dying thread makes the orphan, adds it to its registry's list, and only then
//!   bumps the registry's signal word (`CallSignal::died`). So anyone who sees the bump also
//!   finds the orphan in the list.
//! * **O2.** To run it, a thread claims it with one CAS on `claimed` (false → true). The winner
//!   alone takes the closure out of the cell.
//! * **O3.** `shutdown(true)` loops: read the signal word, run every unclaimed orphan, check
//!   the exit count, wait on the word with the value read first. An orphan added or a thread
//!   exiting after the read changes the word (O1; `Registry::thread_exited` bumps it too), so
//!   the wait returns at once and nothing is missed.
//!
//! Model: `verify/tests/loom_web_death.rs`. Control: `orphan_claim_load_store`, a load and a
//! store instead of the CAS, so both threads run the loop.
#![cfg_attr(not(portalis_loom), allow(dead_code, unreachable_pub))]

use portalis_primitives::futex;
use portalis_primitives::sync::atomic::{
    AtomicBool, AtomicU32,
    Ordering::{AcqRel, Acquire, Release},
};
use portalis_primitives::sync::cell::UnsafeCell;
use portalis_primitives::sync::Arc;

/// A worker loop left by a dead worker, to be run once by whoever claims it.
pub struct Orphan {
    claimed: AtomicBool,
    run: UnsafeCell<Option<Box<dyn FnOnce() + Send>>>,
    /// The dead worker's "returned" word (its pool's join handle waits on it). Set when the
    /// loop was run by a thread other than a reservoir worker (which sets it itself).
    done: Arc<AtomicU32>,
}

impl core::fmt::Debug for Orphan {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Orphan")
            .field("claimed", &self.claimed)
            .finish_non_exhaustive()
    }
}

// SAFETY: `run` is written at construction and taken only by the thread that won the CAS on
// `claimed` (O2), so it is never touched by two threads; the closure is `Send`.
unsafe impl Sync for Orphan {}
// SAFETY: as above.
unsafe impl Send for Orphan {}

impl Orphan {
    /// The loop `run`, left by a worker whose join handle waits on `done`.
    pub fn new(run: Box<dyn FnOnce() + Send>, done: Arc<AtomicU32>) -> Self {
        Orphan {
            claimed: AtomicBool::new(false),
            run: UnsafeCell::new(Some(run)),
            done,
        }
    }

    /// O2: takes the loop if nobody has yet.
    fn claim(&self) -> Option<Box<dyn FnOnce() + Send>> {
        #[cfg(not(portalis_seeded_bug = "orphan_claim_load_store"))]
        // AcqRel: Acquire pairs with the Release of the construction's publication (the list's
        // lock or the slot hand-over); the loser takes nothing, so it needs no more.
        let won = self
            .claimed
            .compare_exchange(false, true, AcqRel, Acquire)
            .is_ok();
        #[cfg(portalis_seeded_bug = "orphan_claim_load_store")]
        // Seeded bug (negative control, model builds only): a check, then a separate store.
        let won = if self.claimed.load(Acquire) {
            false
        } else {
            self.claimed.store(true, Release);
            true
        };
        if !won {
            return None;
        }
        // SAFETY: we won the claim (O2): no other thread touches `run`.
        unsafe { self.run.with_mut(|r| (*r).take()) }
    }

    /// Runs the loop on a replacement reservoir worker, if still unclaimed (the reservoir sets
    /// `done` when the worker's job returns). Returns whether it ran.
    pub fn run_on_replacement(&self) -> bool {
        match self.claim() {
            Some(f) => {
                f();
                true
            }
            None => false,
        }
    }

    /// Runs the loop on this thread (a thread in `shutdown(true)`), if still unclaimed, and
    /// then sets `done` as the reservoir would have. Returns whether it ran.
    pub fn run_here(&self) -> bool {
        match self.claim() {
            Some(f) => {
                f();
                // Release: pairs with the Acquire loads of the join handle (`WebThread::join`).
                self.done.store(1, Release);
                futex::wake_all(&self.done);
                true
            }
            None => false,
        }
    }
}
