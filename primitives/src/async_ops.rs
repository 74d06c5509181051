//! Awaitable channel operations, `Receiver::recv_async` and `Sender::send_async`, on every
//! target and with any executor. (The locks' async variants live beside their protocols:
//! `Mutex::lock_async` in mutex.rs step 6, `Semaphore::acquire_async` in semaphore.rs step 5.)
//!
//! # Protocol (step numbers are cited in the code)
//! 1. Try the non-blocking operation (`try_recv` / `try_send`); done unless it would block.
//! 2. Register an **observer** entry (no packet) for a fresh waiter [`Context`] on the side
//!    that waits (the receivers' side for `recv_async`), exactly as `Select::ready` does: the
//!    registration re-checks readiness under the channel's lock or fence (`locked.rs` step 1,
//!    `lockfree.rs` R2), so a message or slot that appeared since step 1 is not missed.
//! 3. Await the context (`Context::wait_async`: `PARKED`, then `futex::wait_future` on its
//!    word): the partner that would wake a blocked thread claims and completes our entry, and
//!    its `futex::wake_one` wakes the task. Remove the entries and go back to step 1.
//! 4. **Cancel** (the future is dropped in step 3): abort the context. If the abort fails, a
//!    partner already claimed us, with a notice meant for *a* waiter of this side (another
//!    receiver may be asleep while the message we were told about sits in the channel): pass
//!    it on with `notify_one` on the same side. Then remove our entries. An observer has no
//!    packet, so nothing is written into the dropped future's memory and nothing is lost.
//!
//! `verify/tests/loom_async.rs` models steps 2–4 (`loom_async_channel_*`).

use crate::channel::chan::Chan;
use crate::channel::waiter::Context;
use crate::channel::{Receiver, RecvError, SendError, Sender, TryRecvError, TrySendError};
use crate::sync::Arc;

/// An observer registration of one async waiter (steps 2–4); dropping it while `armed`
/// cancels (step 4).
struct Observer<'a, T> {
    chan: &'a Chan<T>,
    cx: Arc<Context>,
    recv_side: bool,
    armed: bool,
}

impl<T> Drop for Observer<'_, T> {
    fn drop(&mut self) {
        if self.armed
            && !self.cx.abort()
            && !cfg!(portalis_seeded_bug = "channel_async_cancel_drops_notice")
        {
            // Step 4: claimed (notified) but dropped: pass the notice on.
            self.chan.notify_one(self.recv_side);
        }
        self.chan.unregister(&self.cx, self.recv_side);
    }
}

/// Steps 2–3: waits until a partner notifies this side of `chan` (or it is ready already).
async fn wait_for_partner<T>(chan: &Chan<T>, recv_side: bool) {
    let cx = Context::new();
    // `observe`: an entry without a packet on every discipline.
    let (ready, _no_packet) = if recv_side {
        chan.register_recv(0, &cx, true)
    } else {
        chan.register_send(0, &cx, true)
    };
    let mut obs = Observer {
        chan,
        cx,
        recv_side,
        armed: !ready,
    };
    if !ready {
        obs.cx.wait_async().await;
        obs.armed = false;
    }
    // `obs` drops here: removes what is left of our entries.
}

impl<T> Receiver<T> {
    /// [`recv`](Self::recv) as a future: resolves with the next message, or [`RecvError`]
    /// once the channel is empty and every sender is gone. It waits without blocking the
    /// thread: use it on the browser's main thread or from async code on any target, with any
    /// executor.
    ///
    /// The future registers like a blocked receiver, so the send that makes a message
    /// available wakes it directly (no polling). Dropping it before it resolves takes no
    /// message and passes on a wake-up it was given, so no other receiver is left asleep.
    ///
    /// # Examples
    /// ```
    /// use portalis_primitives::channel;
    /// # use std::sync::Arc;
    /// # fn block_on<F: std::future::Future>(f: F) -> F::Output {
    /// #     struct T(std::thread::Thread);
    /// #     impl std::task::Wake for T { fn wake(self: Arc<Self>) { self.0.unpark() } }
    /// #     let w = std::task::Waker::from(Arc::new(T(std::thread::current())));
    /// #     let mut cx = std::task::Context::from_waker(&w);
    /// #     let mut f = std::pin::pin!(f);
    /// #     loop { if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) { return v; } std::thread::park(); }
    /// # }
    ///
    /// let (tx, rx) = channel::unbounded();
    /// let t = std::thread::spawn(move || tx.send(7).unwrap());
    /// assert_eq!(block_on(rx.recv_async()), Ok(7));
    /// t.join().unwrap();
    /// assert!(block_on(rx.recv_async()).is_err()); // the sender is gone
    /// ```
    ///
    /// A timer receiver (`after`, `tick`) is polled instead: the future yields to the
    /// executor between checks of its clock.
    ///
    /// # Errors
    /// [`RecvError`] when the channel is empty and disconnected.
    ///
    /// ## Memory ordering
    /// As [`recv`](Self::recv).
    pub async fn recv_async(&self) -> Result<T, RecvError> {
        loop {
            // Step 1.
            match self.try_recv() {
                Ok(v) => return Ok(v),
                Err(TryRecvError::Disconnected) => return Err(RecvError),
                Err(TryRecvError::Empty) => match self.chan() {
                    Some(chan) => wait_for_partner(chan, true).await,
                    // A timer receiver (`after`, `tick`) has no waiter queue: nothing notifies
                    // it, so it yields to the executor and re-checks its clock.
                    None => crate::futex::yield_now().await,
                },
            }
        }
    }
}

impl<T> Sender<T> {
    /// [`send`](Self::send) as a future: resolves once the message is in the channel (or
    /// handed to a receiver), or gives it back in [`SendError`] when every receiver is gone.
    /// It waits without blocking the thread (see [`Receiver::recv_async`]); the receive that
    /// makes room wakes it directly. On a rendezvous channel (`bounded(0)`) it completes when
    /// a receiver arrives. Dropping it before it resolves sends nothing (the message is
    /// dropped with the future).
    ///
    /// # Examples
    /// ```
    /// use portalis_primitives::channel;
    /// # use std::sync::Arc;
    /// # fn block_on<F: std::future::Future>(f: F) -> F::Output {
    /// #     struct T(std::thread::Thread);
    /// #     impl std::task::Wake for T { fn wake(self: Arc<Self>) { self.0.unpark() } }
    /// #     let w = std::task::Waker::from(Arc::new(T(std::thread::current())));
    /// #     let mut cx = std::task::Context::from_waker(&w);
    /// #     let mut f = std::pin::pin!(f);
    /// #     loop { if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) { return v; } std::thread::park(); }
    /// # }
    ///
    /// let (tx, rx) = channel::bounded(0);
    /// let t = std::thread::spawn(move || rx.recv().unwrap());
    /// block_on(tx.send_async(5)).unwrap();
    /// assert_eq!(t.join().unwrap(), 5);
    /// ```
    ///
    /// # Errors
    /// [`SendError`] holding the message when every receiver is gone.
    ///
    /// ## Memory ordering
    /// As [`send`](Self::send).
    pub async fn send_async(&self, msg: T) -> Result<(), SendError<T>> {
        let mut msg = msg;
        loop {
            // Step 1.
            match self.try_send(msg) {
                Ok(()) => return Ok(()),
                Err(TrySendError::Disconnected(v)) => return Err(SendError(v)),
                Err(TrySendError::Full(v)) => {
                    msg = v;
                    wait_for_partner(&self.chan, false).await;
                }
            }
        }
    }
}
