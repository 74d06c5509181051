//! [`CallSignal`]: how a call awaited from outside the pool (`ThreadPool::install_async`, the
//! browser) learns that its job completed or that a worker of the pool died (ADR 115). One
//! futex word, `signals`, is bumped and woken by both events, so one wait watches both; the
//! caller reads it *before* checking its job and the death count, so an event between the
//! checks and the wait changes the word and the wait returns at once. Portable, so the models
//! check it (`verify/tests/loom_web_signal.rs`); only the browser build uses it.
//!
//! # Waiter check (ADR 126)
//! `signal` wakes only when a waiter may sleep on the word, the usual futex handshake:
//! * W1. A caller about to wait announces itself ([`CallSignal::waiting`]: `waiters += 1`,
//!   then a SeqCst fence) and only then reads the word and re-checks ([`CallSignal::check`]).
//!   It stays announced until it stops waiting (the guard's drop).
//! * W2. `signal` bumps the word, then a SeqCst fence, then reads `waiters`, and calls
//!   `futex::wake_all` only if it is not zero.
//!
//! The two fences make (`waiters`, word) a Dekker pair: either `signal` sees the
//! announcement and wakes, or the waiter's re-check sees the bump (and the `done` store or
//! death published before it) and does not wait. A completion that nobody awaits yet (the
//! common case: the job finished before its caller's first check) costs no futex call.
#![cfg_attr(not(portalis_loom), allow(dead_code, unreachable_pub))]

use portalis_primitives::futex;
use portalis_primitives::sync::atomic::{
    fence, AtomicU32,
    Ordering::{Acquire, Relaxed, Release, SeqCst},
};

/// The death count and the signal word of one pool.
#[derive(Debug, Default)]
pub struct CallSignal {
    /// Workers of the pool that died; only grows.
    deaths: AtomicU32,
    /// Bumped (and woken) on every awaited completion and every death.
    signals: AtomicU32,
    /// Callers announced as waiting on `signals` (W1); `signal` wakes only if not zero (W2).
    waiters: AtomicU32,
}

/// A caller announced as waiting on the signal word (W1); dropping it withdraws the
/// announcement. Hold it from before the re-check until the wait returned.
#[derive(Debug)]
#[must_use = "the announcement lasts as long as the guard"]
pub struct Waiting<'a>(&'a CallSignal);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        // Relaxed: pairs with nothing; a `signal` that still sees the count makes one spare
        // wake-up, one that no longer sees it has no sleeper to wake.
        self.0.waiters.fetch_sub(1, Relaxed);
    }
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
        // Seeded bug: the waiter count read before the bump misses a waiter that announced
        // itself and re-checked in between (the W1/W2 Dekker pair broken).
        #[cfg(portalis_seeded_bug = "call_signal_checks_waiters_first")]
        // Relaxed: the seeded bug reads it without the fence.
        let waiting = self.waiters.load(Relaxed) != 0;
        // Release: pairs with the Acquire load in `check` (the caller's `done` store and the
        // death count are published before the word changes).
        self.signals.fetch_add(1, Release);
        // W2. SeqCst fence: this side of the Dekker pair with the fence in `waiting` (W1).
        #[cfg(not(portalis_seeded_bug = "call_signal_checks_waiters_first"))]
        fence(SeqCst);
        // Relaxed: ordered by the fence above against the announcement (W1).
        #[cfg(not(portalis_seeded_bug = "call_signal_checks_waiters_first"))]
        let waiting = self.waiters.load(Relaxed) != 0;
        if waiting {
            futex::wake_all(&self.signals);
        }
    }

    /// W1: announces a caller about to wait on [`word`](Self::word); call [`check`](Self::check)
    /// again after this and wait only on the value *that* check returned.
    pub fn waiting(&self) -> Waiting<'_> {
        // Relaxed: ordered by the fence below before the word's re-read in `check`.
        self.waiters.fetch_add(1, Relaxed);
        // SeqCst fence: this side of the Dekker pair with the fence in `signal` (W2).
        fence(SeqCst);
        Waiting(self)
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
