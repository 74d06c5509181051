//! The timer flavours behind [`after`](super::after), [`tick`](super::tick) and
//! [`never`](super::never): receivers that need no sender.
//!
//! Blocking on them sleeps in a timed `futex::wait` on a private word (a timer has nobody to
//! wake it early). Where a thread cannot block that wait returns at once and the loop below
//! re-checks the clock: the browser main thread busy-waits until the message is due (as every
//! primitive does there, see `deadline.rs`; prefer `try_recv` or `select!` with `default`), and
//! the browser build without threads spins until the deadline. WASI without threads sleeps.

use super::error::{RecvTimeoutError, TryRecvError};
use crate::deadline::{instant_now, instant_timed_out};
use crate::futex;
use crate::stdlike::Mutex;
use crate::sync::atomic::{AtomicU32, AtomicUsize, Ordering::Relaxed};
use crate::time::Instant;
use std::time::Duration;

/// Sleeps until `until` (or forever for `None`).
pub(crate) fn sleep_until(until: Option<Instant>) {
    // Nobody ever changes or wakes this word: every wait ends by its timeout (or spuriously).
    let word = AtomicU32::new(0);
    loop {
        let now = instant_now();
        let left = match until {
            Some(d) if now >= d => return,
            Some(d) => d - now,
            None => Duration::from_secs(1000),
        };
        // Every outcome (timed out, spurious wake, cannot block here) re-checks the clock; a
        // timeout moves the model clock to `until` (deadline.rs `instant_timed_out`).
        if let (Ok(futex::WaitResult::TimedOut), Some(d)) =
            (futex::wait(&word, 0, Some(left)), until)
        {
            instant_timed_out(d);
        }
    }
}

/// One message at a fixed instant.
#[derive(Debug)]
pub(crate) struct At {
    pub(crate) when: Instant,
    /// Odd while the message is taken (or reserved by a select); each take and each give-back
    /// adds one, so the count also stamps changes for a select's double collect (`version`).
    taken: AtomicUsize,
}

impl At {
    pub(crate) fn new(when: Instant) -> At {
        At {
            when,
            taken: AtomicUsize::new(0),
        }
    }

    pub(crate) fn try_recv(&self) -> Result<Instant, TryRecvError> {
        // Relaxed: the count guards no other data; the CAS makes the delivery exactly-once.
        let g = self.taken.load(Relaxed);
        if instant_now() >= self.when
            && g & 1 == 0
            && self
                .taken
                .compare_exchange(g, g.wrapping_add(1), Relaxed, Relaxed)
                .is_ok()
        {
            Ok(self.when)
        } else {
            Err(TryRecvError::Empty)
        }
    }

    pub(crate) fn recv(&self, deadline: Option<Instant>) -> Result<Instant, RecvTimeoutError> {
        loop {
            if let Ok(t) = self.try_recv() {
                return Ok(t);
            }
            let when = self.when;
            // Relaxed: as in `try_recv`.
            let until = if self.is_taken() {
                deadline
            } else {
                Some(deadline.map_or(when, |d| d.min(when)))
            };
            if deadline.is_some_and(|d| instant_now() >= d) {
                return Err(RecvTimeoutError::Timeout);
            }
            sleep_until(until);
        }
    }

    /// Gives a reserved message back (a select that did not complete it).
    pub(crate) fn unreserve(&self) {
        // Relaxed: as in `try_recv`; only the holder of the reservation gives it back.
        self.taken.fetch_add(1, Relaxed);
    }

    fn is_taken(&self) -> bool {
        // Relaxed: as in `try_recv`.
        self.taken.load(Relaxed) & 1 == 1
    }

    /// The change stamp (`handoff::Version`): the take count and whether the instant has
    /// passed. The clock only moves forward, so "not due" at the second read means not due
    /// during the whole pass.
    pub(crate) fn version(&self) -> [usize; 3] {
        // Relaxed: as in `try_recv`.
        let g = self.taken.load(Relaxed);
        [g, (instant_now() >= self.when) as usize, 0]
    }

    /// When a select must wake up to find this case ready.
    pub(crate) fn deadline(&self) -> Option<Instant> {
        (!self.is_taken()).then_some(self.when)
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.try_peek().is_none()
    }

    fn try_peek(&self) -> Option<Instant> {
        (instant_now() >= self.when && !self.is_taken()).then_some(self.when)
    }
}

/// A message every `period`.
#[derive(Debug)]
pub(crate) struct Tick {
    period: Duration,
    /// When the next tick is due, and how many ticks were taken (the change stamp, `version`).
    next: Mutex<(Instant, usize)>,
}

impl Tick {
    pub(crate) fn new(period: Duration) -> Tick {
        let now = instant_now();
        Tick {
            period,
            next: Mutex::new((now.checked_add(period).unwrap_or(now), 0)),
        }
    }

    fn next(&self) -> crate::stdlike::MutexGuard<'_, (Instant, usize)> {
        self.next.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn try_recv(&self) -> Result<Instant, TryRecvError> {
        let mut next = self.next();
        let now = instant_now();
        if now >= next.0 {
            let t = next.0;
            // As crossbeam: the next tick is one period after the later of now and this tick.
            next.0 = now.max(t).checked_add(self.period).unwrap_or(t);
            next.1 = next.1.wrapping_add(1);
            Ok(t)
        } else {
            Err(TryRecvError::Empty)
        }
    }

    pub(crate) fn recv(&self, deadline: Option<Instant>) -> Result<Instant, RecvTimeoutError> {
        loop {
            if let Ok(t) = self.try_recv() {
                return Ok(t);
            }
            let when = self.next().0;
            if deadline.is_some_and(|d| instant_now() >= d) {
                return Err(RecvTimeoutError::Timeout);
            }
            sleep_until(Some(deadline.map_or(when, |d| d.min(when))));
        }
    }

    pub(crate) fn deadline(&self) -> Option<Instant> {
        Some(self.next().0)
    }

    pub(crate) fn is_empty(&self) -> bool {
        instant_now() < self.next().0
    }

    /// The change stamp (`handoff::Version`): ticks taken and whether the next one is due (see
    /// `At::version`).
    pub(crate) fn version(&self) -> [usize; 3] {
        let next = self.next();
        [next.1, (instant_now() >= next.0) as usize, 0]
    }
}
