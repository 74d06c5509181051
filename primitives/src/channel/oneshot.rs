//! A one-message channel: [`oneshot()`] gives one [`Sender`] (consumed by `send`) and one
//! [`Receiver`]. The whole protocol is one state word (docs/notes/channels.md §3.7, §3.1).
//!
//! # Protocol
//! 1. The sender writes the value into the cell, then CASes `EMPTY[|PARKED] -> FULL`
//!    (Release) and wakes the receiver if `PARKED` was set. If the state is `RECEIVER_GONE`
//!    it takes the value back and returns it in the error.
//! 2. The receiver sees `FULL` (Acquire), takes the value and stores `TAKEN`.
//! 3. To sleep, the receiver sets `PARKED` with an RMW (so step 1's CAS either sees it or
//!    the receiver sees `FULL`) and waits on the word.
//! 4. Dropping the sender unsent swaps in `SENDER_GONE`; dropping the receiver swaps in
//!    `RECEIVER_GONE` and drops a value it finds `FULL` (exactly once).

use super::error::{RecvError, RecvTimeoutError, SendError, TryRecvError};
use crate::deadline::{instant_now, instant_timed_out};
use crate::futex;
use crate::sync::atomic::{
    AtomicU32,
    Ordering::{AcqRel, Acquire, Relaxed, Release},
};
use crate::sync::cell::UnsafeCell;
use crate::sync::{thread, Arc, MODEL};
use crate::time::Instant;
use core::fmt;
use std::time::Duration;

/// Nothing sent yet.
const EMPTY: u32 = 0;
/// The value is in the cell.
const FULL: u32 = 1;
/// The sender dropped without sending.
const SENDER_GONE: u32 = 2;
/// The receiver is gone.
const RECEIVER_GONE: u32 = 3;
/// The receiver took the value.
const TAKEN: u32 = 4;
/// Mask of the phase above.
const PHASE_MASK: u32 = 7;
/// Bit: the receiver sleeps (or is about to) in `futex::wait`.
const PARKED_BIT: u32 = 8;

/// Yields before parking; heuristic as in `waiter.rs`.
const YIELDS: u32 = if MODEL { 0 } else { 16 };

struct Inner<T> {
    state: AtomicU32,
    value: UnsafeCell<Option<T>>,
}

/// Creates a one-message channel.
///
/// # Examples
/// ```
/// let (s, r) = portalis_primitives::channel::oneshot();
/// let t = std::thread::spawn(move || s.send(5).unwrap());
/// assert_eq!(r.recv(), Ok(5));
/// t.join().unwrap();
/// ```
pub fn oneshot<T>() -> (Sender<T>, Receiver<T>) {
    let inner = Arc::new(Inner {
        state: AtomicU32::new(EMPTY),
        value: UnsafeCell::new(None),
    });
    (
        Sender {
            inner: Some(inner.clone()),
        },
        Receiver { inner },
    )
}

/// The sending half of a [`oneshot()`] channel.
pub struct Sender<T> {
    inner: Option<Arc<Inner<T>>>,
}

/// The receiving half of a [`oneshot()`] channel.
pub struct Receiver<T> {
    inner: Arc<Inner<T>>,
}

// SAFETY: the value moves between threads once, guarded by the state word (steps 1–2).
unsafe impl<T: Send> Send for Sender<T> {}
// SAFETY: as above.
unsafe impl<T: Send> Send for Receiver<T> {}
// SAFETY: `&Sender` only reads the state word (`is_closed`); sending needs the owned sender.
unsafe impl<T: Send> Sync for Sender<T> {}

impl<T> Sender<T> {
    /// Sends the value (step 1).
    ///
    /// # Errors
    /// [`SendError`] with the value if the receiver is gone.
    pub fn send(mut self, value: T) -> Result<(), SendError<T>> {
        let inner = self.inner.take().expect("send consumes the sender");
        // SAFETY: only the sender writes the cell, and the receiver reads it only after seeing
        // FULL, which we publish below.
        unsafe { inner.value.with_mut(|v| *v = Some(value)) };
        let mut cur = inner.state.load(Relaxed);
        loop {
            if cur & PHASE_MASK == RECEIVER_GONE {
                // SAFETY: the receiver is gone and never saw FULL: the cell is ours again.
                let v = unsafe { inner.value.with_mut(|v| (*v).take()) };
                return Err(SendError(v.expect("we just wrote it")));
            }
            // Release: pairs with the Acquire loads of FULL in `Receiver` (step 2).
            // (`verify/scripts/controls.sh` weakens it under `portalis_seeded_bug`, never shipped.)
            let order = if cfg!(portalis_seeded_bug = "oneshot_relaxed_send") {
                Relaxed
            } else {
                Release
            };
            match inner.state.compare_exchange_weak(cur, FULL, order, Relaxed) {
                Ok(_) => break,
                Err(now) => cur = now,
            }
        }
        if cur & PARKED_BIT != 0 {
            futex::wake_one(&inner.state);
        }
        Ok(())
    }

    /// `true` if the receiver is gone.
    pub fn is_closed(&self) -> bool {
        self.inner
            .as_ref()
            .is_some_and(|i| i.state.load(Relaxed) & PHASE_MASK == RECEIVER_GONE)
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        if let Some(inner) = self.inner.take() {
            // Release: pairs with the receiver's Acquire (nothing to publish but the phase).
            let old = inner.state.swap(SENDER_GONE, Release);
            if old & PARKED_BIT != 0 {
                futex::wake_one(&inner.state);
            }
        }
    }
}

impl<T> Receiver<T> {
    fn take_if_ready(&self) -> Option<Result<T, RecvError>> {
        // Acquire: pairs with the Release CAS in `Sender::send` (step 1).
        match self.inner.state.load(Acquire) & PHASE_MASK {
            FULL => {
                // SAFETY: FULL was published after the write and we are the only reader.
                let v = unsafe { self.inner.value.with_mut(|v| (*v).take()) };
                // Relaxed: only this receiver reads the phase from now on.
                self.inner.state.store(TAKEN, Relaxed);
                Some(Ok(v.expect("FULL means a value")))
            }
            SENDER_GONE | TAKEN => Some(Err(RecvError)),
            _ => None,
        }
    }

    /// Receives without waiting.
    ///
    /// # Errors
    /// `Empty` before the value arrives, `Disconnected` if the sender dropped unsent or the
    /// value was already taken.
    pub fn try_recv(&mut self) -> Result<T, TryRecvError> {
        match self.take_if_ready() {
            Some(Ok(v)) => Ok(v),
            Some(Err(_)) => Err(TryRecvError::Disconnected),
            None => Err(TryRecvError::Empty),
        }
    }

    /// Waits for the value.
    ///
    /// # Errors
    /// [`RecvError`] if the sender dropped without sending.
    ///
    /// # Panics
    /// If the thread cannot block (see the channel module docs).
    pub fn recv(self) -> Result<T, RecvError> {
        self.wait(None).map_err(|_| RecvError)
    }

    /// [`recv`](Self::recv) as a future: resolves with the value (or [`RecvError`] if the
    /// sender dropped unsent), waiting without blocking the thread (the browser's main
    /// thread, async code; any executor). It sets `PARKED` like a sleeping receiver (step 3),
    /// so the send wakes it. Takes `&mut self`: a future dropped early leaves the receiver
    /// usable (there is only one receiver, so no wake-up is owed to anyone).
    ///
    /// # Examples
    /// ```
    /// # fn block_on<F: std::future::Future>(f: F) -> F::Output {
    /// #     struct T(std::thread::Thread);
    /// #     impl std::task::Wake for T { fn wake(self: std::sync::Arc<Self>) { self.0.unpark() } }
    /// #     let w = std::task::Waker::from(std::sync::Arc::new(T(std::thread::current())));
    /// #     let mut cx = std::task::Context::from_waker(&w);
    /// #     let mut f = std::pin::pin!(f);
    /// #     loop { if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) { return v; } std::thread::park(); }
    /// # }
    ///
    /// let (s, mut r) = portalis_primitives::channel::oneshot();
    /// let t = std::thread::spawn(move || s.send(5).unwrap());
    /// assert_eq!(block_on(r.recv_async()), Ok(5));
    /// t.join().unwrap();
    /// ```
    ///
    /// # Errors
    /// [`RecvError`] if the sender dropped without sending, or the value was taken already.
    pub async fn recv_async(&mut self) -> Result<T, RecvError> {
        loop {
            if let Some(r) = self.take_if_ready() {
                return r;
            }
            // Acquire: pairs with the sender's Release (step 3).
            let seen = self.inner.state.fetch_or(PARKED_BIT, Acquire) | PARKED_BIT;
            if seen & PHASE_MASK != EMPTY {
                return self.take_if_ready().expect("a non-empty phase is final");
            }
            futex::wait_future(&self.inner.state, seen).await;
        }
    }

    /// Waits at most `timeout` for the value.
    ///
    /// # Errors
    /// [`RecvTimeoutError`].
    pub fn recv_timeout(&mut self, timeout: Duration) -> Result<T, RecvTimeoutError> {
        self.wait(instant_now().checked_add(timeout))
    }

    fn wait(&self, deadline: Option<Instant>) -> Result<T, RecvTimeoutError> {
        for _ in 0..YIELDS {
            if let Some(r) = self.take_if_ready() {
                return r.map_err(|_| RecvTimeoutError::Disconnected);
            }
            thread::yield_now();
        }
        loop {
            // Acquire: pairs with the sender's Release (step 3).
            let seen = self.inner.state.fetch_or(PARKED_BIT, Acquire) | PARKED_BIT;
            if seen & PHASE_MASK != EMPTY {
                return self
                    .take_if_ready()
                    .expect("a non-empty phase is final")
                    .map_err(|_| RecvTimeoutError::Disconnected);
            }
            let left = match deadline {
                Some(d) => {
                    let now = instant_now();
                    if now >= d {
                        return Err(RecvTimeoutError::Timeout);
                    }
                    Some(d - now)
                }
                None => None,
            };
            match futex::wait(&self.inner.state, seen, left) {
                Ok(futex::WaitResult::Woken) => {}
                Ok(futex::WaitResult::TimedOut) => {
                    if let Some(d) = deadline {
                        instant_timed_out(d); // the model clock jumps (deadline.rs)
                    }
                    return match self.take_if_ready() {
                        Some(r) => r.map_err(|_| RecvTimeoutError::Disconnected),
                        None => Err(RecvTimeoutError::Timeout),
                    };
                }
                Err(e) => {
                    if deadline.is_none() {
                        panic!("oneshot recv would block: {e}");
                    }
                    // Timed: spin out the timeout (ADR 022); the loop re-checks the deadline.
                }
            }
        }
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        // AcqRel: Acquire pairs with the sender's Release so we may drop a FULL value;
        // Release publishes RECEIVER_GONE to the sender's CAS.
        let old = self.inner.state.swap(RECEIVER_GONE, AcqRel);
        if old & PHASE_MASK == FULL {
            // SAFETY: FULL and no longer reachable by the sender: we own the value (step 4).
            drop(unsafe { self.inner.value.with_mut(|v| (*v).take()) });
        }
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad("oneshot::Sender { .. }")
    }
}
impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad("oneshot::Receiver { .. }")
    }
}
