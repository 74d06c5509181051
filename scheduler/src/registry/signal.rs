//! [`CallSignal`]: how a call awaited from outside the pool (`ThreadPool::install_async`, the
//! browser) learns that its job completed or that a worker of the pool died (ADR 115). One
//! futex word, `signals`, is bumped and woken by both events, so one wait watches both; the
//! caller reads it *before* checking its job and the death count, so an event between the
//! checks and the wait changes the word and the wait returns at once. Portable, so the models
//! check it (`verify/tests/loom_web_signal.rs`); only the browser build uses it.
#![cfg_attr(not(portalis_loom), allow(dead_code, unreachable_pub))]

use portalis_primitives::futex;
use portalis_primitives::sync::atomic::{
    AtomicU32,
    Ordering::{Acquire, Release},
};

/// The death count and the signal word of one pool.
#[derive(Debug, Default)]
pub struct CallSignal {
    /// Workers of the pool that died; only grows.
    deaths: AtomicU32,
    /// Bumped (and woken) on every awaited completion and every death.
    signals: AtomicU32,
}

/// What one check of an awaited call found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// The call's job completed (its `done` word is set).
    Done,
    /// A worker died since the call started (`deaths0` differs).
    Died,
    /// Neither: wait until the signal word differs from this value.
    Wait(u32),
}

impl CallSignal {
    /// A pool with no death and no signal yet.
    pub fn new() -> Self {
        CallSignal::default()
    }

    /// Deaths so far (a call records it when it starts).
    pub fn deaths(&self) -> u32 {
        // Acquire: pairs with the Release increment in `died`.
        self.deaths.load(Acquire)
    }

    /// The word to wait on with the value of [`Step::Wait`].
    pub fn word(&self) -> &AtomicU32 {
        &self.signals
    }

    /// An awaited job completed (after it set its `done` word): wakes the waiting calls.
    pub fn signal(&self) {
        // Release: pairs with the Acquire load in `check` (the caller's `done` store and the
        // death count are published before the word changes).
        self.signals.fetch_add(1, Release);
        futex::wake_all(&self.signals);
    }

    /// A worker died: counted, and every waiting call woken to see it.
    pub fn died(&self) {
        // Release: pairs with the Acquire load in `deaths`.
        self.deaths.fetch_add(1, Release);
        self.signal();
    }

    /// One check of a call that started at death count `deaths0` and whose job sets `done`.
    pub fn check(&self, done: &AtomicU32, deaths0: u32) -> Step {
        // Read first: an event after the two checks below changes it (no lost wake-up).
        #[cfg(not(portalis_seeded_bug = "call_signal_read_late"))]
        // Acquire: pairs with the Release increment in `signal`.
        let seen = self.signals.load(Acquire);
        // Acquire: pairs with the job's Release store of `done`.
        if done.load(Acquire) != 0 {
            return Step::Done;
        }
        if self.deaths() != deaths0 {
            return Step::Died;
        }
        // Seeded bug: reading the word after the checks loses an event between them.
        #[cfg(portalis_seeded_bug = "call_signal_read_late")]
        // Acquire: pairs with the Release increment in `signal`.
        let seen = self.signals.load(Acquire);
        Step::Wait(seen)
    }
}
