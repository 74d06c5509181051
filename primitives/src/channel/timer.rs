//! The timer flavours behind [`after`](super::after), [`tick`](super::tick) and
//! [`never`](super::never): receivers that need no sender.
//!
//! Blocking on them sleeps with `std::thread::sleep` (a timer has nobody to wake it early).
//! On a thread that cannot block (browser main thread) that sleep is whatever std does there;
//! use `try_recv` or `select!` with `default` instead.

use super::error::{RecvTimeoutError, TryRecvError};
use crate::deadline::{moment, Moment};
use crate::sync::atomic::{AtomicBool, Ordering::Relaxed};
use crate::sync::Mutex;
use std::time::{Duration, Instant};

/// Sleeps until `until` (or forever for `None`).
pub(crate) fn sleep_until(until: Option<Moment>) {
    loop {
        let now = Moment::now();
        let left = match until {
            Some(d) if now >= d => return,
            Some(d) => d - now,
            None => Duration::from_secs(1000),
        };
        std::thread::sleep(left);
    }
}

/// One message at a fixed instant.
#[derive(Debug)]
pub(crate) struct At {
    pub(crate) when: Instant,
    /// Set once the message was taken (or reserved by a select).
    taken: AtomicBool,
}

impl At {
    pub(crate) fn new(when: Instant) -> At {
        At {
            when,
            taken: AtomicBool::new(false),
        }
    }

    pub(crate) fn try_recv(&self) -> Result<Instant, TryRecvError> {
        // Relaxed: the flag guards no other data; `swap` makes the delivery exactly-once.
        if Instant::now() >= self.when
            && !self.taken.load(Relaxed)
            && !self.taken.swap(true, Relaxed)
        {
            Ok(self.when)
        } else {
            Err(TryRecvError::Empty)
        }
    }

    pub(crate) fn recv(&self, deadline: Option<Moment>) -> Result<Instant, RecvTimeoutError> {
        loop {
            if let Ok(t) = self.try_recv() {
                return Ok(t);
            }
            let when = moment(self.when);
            // Relaxed: as in `try_recv`.
            let until = if self.taken.load(Relaxed) {
                deadline
            } else {
                Some(deadline.map_or(when, |d| d.min(when)))
            };
            if deadline.is_some_and(|d| Moment::now() >= d) {
                return Err(RecvTimeoutError::Timeout);
            }
            sleep_until(until);
        }
    }

    /// Gives a reserved message back (a select that did not complete it).
    pub(crate) fn unreserve(&self) {
        // Relaxed: as in `try_recv`.
        self.taken.store(false, Relaxed);
    }

    /// When a select must wake up to find this case ready.
    pub(crate) fn deadline(&self) -> Option<Moment> {
        // Relaxed: as in `try_recv`.
        (!self.taken.load(Relaxed)).then(|| moment(self.when))
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.try_peek().is_none()
    }

    fn try_peek(&self) -> Option<Instant> {
        // Relaxed: as in `try_recv`.
        (Instant::now() >= self.when && !self.taken.load(Relaxed)).then_some(self.when)
    }
}

/// A message every `period`.
#[derive(Debug)]
pub(crate) struct Tick {
    period: Duration,
    next: Mutex<Instant>,
}

impl Tick {
    pub(crate) fn new(period: Duration) -> Tick {
        let now = Instant::now();
        Tick {
            period,
            next: Mutex::new(now.checked_add(period).unwrap_or(now)),
        }
    }

    fn next(&self) -> crate::sync::MutexGuard<'_, Instant> {
        self.next.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn try_recv(&self) -> Result<Instant, TryRecvError> {
        let mut next = self.next();
        let now = Instant::now();
        if now >= *next {
            let t = *next;
            // As crossbeam: the next tick is one period after the later of now and this tick.
            *next = now.max(t).checked_add(self.period).unwrap_or(t);
            Ok(t)
        } else {
            Err(TryRecvError::Empty)
        }
    }

    pub(crate) fn recv(&self, deadline: Option<Moment>) -> Result<Instant, RecvTimeoutError> {
        loop {
            if let Ok(t) = self.try_recv() {
                return Ok(t);
            }
            let when = moment(*self.next());
            if deadline.is_some_and(|d| Moment::now() >= d) {
                return Err(RecvTimeoutError::Timeout);
            }
            sleep_until(Some(deadline.map_or(when, |d| d.min(when))));
        }
    }

    pub(crate) fn deadline(&self) -> Option<Moment> {
        Some(moment(*self.next()))
    }

    pub(crate) fn is_empty(&self) -> bool {
        Instant::now() < *self.next()
    }
}
