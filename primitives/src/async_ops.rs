//! Awaitable variants of the blocking calls, for the browser's main thread (browser build
//! only: `wasm32-unknown-unknown` with `+atomics`), where `Atomics.wait` throws and the
//! blocking calls can only spin for [`MAIN_THREAD_SPIN_BUDGET`](crate::futex::MAIN_THREAD_SPIN_BUDGET).
//! The futures run on any executor that drives JS promises (`wasm-bindgen-futures`).
//!
//! Each is one loop: try the non-blocking call; on would-block, read the word whose change
//! signals progress (if the primitive has one), re-try if it already moved, else await
//! [`futex::wait_async`] on it with a timeout of [`ASYNC_POLL_PERIOD_MS`]. The blocking
//! protocols wake only *registered* sleepers (exact counts in the state words), and an async
//! waiter does not register (a dropped future could not keep the count or the mutex's `WAKING`
//! bit right), so an unlock or release by a worker changes the word but may not notify it:
//! the wait then ends at its timeout. A lost wake-up is therefore impossible to make
//! permanent: progress is noticed at most one poll period late (≈1 ms; browsers clamp nested
//! timers to ≥4 ms). Where the engine lacks `Atomics.waitAsync`, `wait_async` itself polls
//! with `setTimeout` at the same period.

use crate::channel::{Receiver, RecvError, SendError, Sender, TryRecvError, TrySendError};
use crate::futex::{self, ASYNC_POLL_PERIOD_MS};
use crate::sync::atomic::AtomicU32;
use std::time::Duration;

/// The poll period as a `Duration`.
fn period() -> Duration {
    Duration::from_millis(ASYNC_POLL_PERIOD_MS as u64)
}

/// Awaits a change of `word` from `observed`, or one poll period, whichever comes first.
async fn pause_on(word: &AtomicU32, observed: u32) {
    let _ = futex::wait_async(word, observed, Some(period())).await;
}

/// Awaits one poll period (for primitives without a progress word).
async fn pause() {
    // Never notified and never changed: `wait_async` on it is a timer.
    static NEVER: AtomicU32 = AtomicU32::new(0);
    pause_on(&NEVER, 0).await;
}

impl<T> Receiver<T> {
    /// [`recv`](Self::recv) without blocking: resolves with the next message, or
    /// [`RecvError`] once the channel is empty and every sender is gone. Use it on the browser
    /// main thread.
    ///
    /// Wake-up: **polling**. A channel's waiters are per-thread packets, not a word an async
    /// caller can wait on, so this re-tries [`try_recv`](Self::try_recv) every
    /// [`ASYNC_POLL_PERIOD_MS`](crate::futex::ASYNC_POLL_PERIOD_MS) (`Atomics.waitAsync`
    /// timeout or `setTimeout`): a message is seen at most one period (plus timer clamping)
    /// after it was sent.
    ///
    /// # Examples
    /// ```no_run
    /// # async fn demo() {
    /// let (tx, rx) = portalis_primitives::channel::unbounded();
    /// // ...a Web Worker sends...
    /// # tx.send(7).unwrap();
    /// assert_eq!(rx.recv_async().await, Ok(7));
    /// # }
    /// ```
    ///
    /// # Errors
    /// [`RecvError`] when the channel is empty and disconnected.
    pub async fn recv_async(&self) -> Result<T, RecvError> {
        loop {
            match self.try_recv() {
                Ok(v) => return Ok(v),
                Err(TryRecvError::Disconnected) => return Err(RecvError),
                Err(TryRecvError::Empty) => pause().await,
            }
        }
    }
}

impl<T> Sender<T> {
    /// [`send`](Self::send) without blocking: resolves once the message is in the channel, or
    /// gives it back in [`SendError`] when every receiver is gone. Use it on the browser main
    /// thread.
    ///
    /// Wake-up: **polling**, as [`Receiver::recv_async`]: it re-tries
    /// [`try_send`](Self::try_send) every poll period while the channel is full. On a
    /// rendezvous channel (`bounded(0)`) it succeeds only while a receiver is blocked in
    /// `recv`, which a worker can do.
    ///
    /// # Examples
    /// ```no_run
    /// # async fn demo() {
    /// let (tx, rx) = portalis_primitives::channel::bounded(1);
    /// tx.send_async(1).await.unwrap();
    /// // ...a Web Worker receives, making room...
    /// # rx.recv().unwrap();
    /// tx.send_async(2).await.unwrap();
    /// # }
    /// ```
    ///
    /// # Errors
    /// [`SendError`] holding the message when every receiver is gone.
    pub async fn send_async(&self, msg: T) -> Result<(), SendError<T>> {
        let mut msg = msg;
        loop {
            match self.try_send(msg) {
                Ok(()) => return Ok(()),
                Err(TrySendError::Disconnected(v)) => return Err(SendError(v)),
                Err(TrySendError::Full(v)) => {
                    msg = v;
                    pause().await;
                }
            }
        }
    }
}
