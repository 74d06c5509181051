//! `Parker` / `Unparker`: a one-token blocking handshake on one futex word.
//!
//! State word (u32): [`EMPTY`], [`NOTIFIED`] (a token is waiting), [`PARKED`] (the owner is, or
//! is about to be, blocked in `futex::wait`).

use crate::futex::{self, WaitError, WaitResult};
use crate::sync::atomic::{
    AtomicU32,
    Ordering::{Acquire, Relaxed, Release},
};
use crate::sync::Arc;
use core::fmt;
use core::time::Duration;

/// No token, nobody parked.
const EMPTY: u32 = 0;
/// A token is available; the next `park` consumes it and returns at once.
const NOTIFIED: u32 = 1;
/// The owner is parked (or about to be); `unpark` must wake it. `EMPTY - 1` so `park` can
/// consume a token or announce itself with one `fetch_sub`.
const PARKED: u32 = u32::MAX;

/// The blocking side: one owner thread parks, any thread unparks through an [`Unparker`].
///
/// # Examples
/// ```
/// use portalis_primitives::Parker;
///
/// let parker = Parker::new();
/// let unparker = parker.unparker();
/// let t = std::thread::spawn(move || unparker.unpark());
/// parker.park().unwrap(); // returns once the token arrives (or arrived before)
/// t.join().unwrap();
/// ```
///
/// ## Memory ordering
/// Everything the unparking thread wrote before `unpark` is visible after the `park` that
/// consumes its token.
pub struct Parker {
    inner: Arc<Inner>,
}

/// The waking side of a [`Parker`]; cheap to clone.
#[derive(Clone)]
pub struct Unparker {
    inner: Arc<Inner>,
}

struct Inner {
    state: AtomicU32,
}

impl Default for Parker {
    fn default() -> Self {
        Self::new()
    }
}

impl Parker {
    /// A parker with no token.
    pub fn new() -> Self {
        Self {
            inner: Arc::new(Inner {
                state: AtomicU32::new(EMPTY),
            }),
        }
    }

    /// A handle that wakes this parker.
    pub fn unparker(&self) -> Unparker {
        Unparker {
            inner: self.inner.clone(),
        }
    }

    /// Blocks until a token is available, then consumes it.
    ///
    /// # Errors
    /// Where the thread cannot block (see [`futex::WaitError`]) and no token is available.
    pub fn park(&self) -> Result<(), WaitError> {
        self.park_inner(None).map(|_| ())
    }

    /// Like [`park`](Self::park) but gives up after `timeout`; `TimedOut` if no token came.
    ///
    /// # Errors
    /// As for [`park`](Self::park).
    pub fn park_timeout(&self, timeout: Duration) -> Result<WaitResult, WaitError> {
        self.park_inner(Some(timeout))
    }

    fn park_inner(&self, timeout: Option<Duration>) -> Result<WaitResult, WaitError> {
        let s = &self.inner.state;
        // NOTIFIED -> EMPTY consumes the token; EMPTY -> PARKED announces us.
        // Acquire: pairs with the Release swap in `unpark`.
        if s.fetch_sub(1, Acquire) == NOTIFIED {
            return Ok(WaitResult::Woken);
        }
        let deadline = timeout.and_then(futex::Deadline::after);
        loop {
            let left = match (timeout, deadline) {
                (Some(_), Some(d)) => Some(d.remaining()),
                (Some(t), None) if t.is_zero() => Some(t),
                _ => None,
            };
            let r = futex::wait(s, PARKED, left);
            // Acquire: pairs with the Release swap in `unpark`.
            if s.compare_exchange(NOTIFIED, EMPTY, Acquire, Relaxed)
                .is_ok()
            {
                return Ok(WaitResult::Woken);
            }
            let give_up = match r {
                Err(e) => Some(Err(e)),
                Ok(WaitResult::TimedOut) => Some(Ok(WaitResult::TimedOut)),
                Ok(WaitResult::Woken) => None, // spurious: wait again
            };
            if let Some(out) = give_up {
                // Withdraw; a token that raced in still counts. Acquire: as above.
                return if s.swap(EMPTY, Acquire) == NOTIFIED {
                    Ok(WaitResult::Woken)
                } else {
                    out
                };
            }
        }
    }
}

impl Unparker {
    /// Makes a token available, waking the parked owner if it sleeps.
    pub fn unpark(&self) {
        // Release: pairs with the Acquire in `Parker::park_inner`.
        if self.inner.state.swap(NOTIFIED, Release) == PARKED {
            futex::wake_one(&self.inner.state);
        }
    }
}

impl fmt::Debug for Parker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Parker").finish_non_exhaustive()
    }
}

impl fmt::Debug for Unparker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Unparker").finish_non_exhaustive()
    }
}
