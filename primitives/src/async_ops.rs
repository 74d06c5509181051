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
//!
//! # Rendezvous senders (`bounded(0)`; ADR 121)
//! An observer holds no message, so two observers (an async sender and an async receiver)
//! would only notify each other and never meet. On a rendezvous channel `send_async` waits
//! the way a blocked `send` does, **with its message in a packet**, so that any receiver (a
//! thread, a select, or an async receiver's `try_recv`) can take it:
//! * R1. `try_send` (step 1); on `Full`, move the message into a packet owned by a fresh
//!   context (`Context::with_packet`, `waiter.rs` step 6).
//! * R2. Under the channel lock (`Rendezvous::register_send_packet`): if the channel is
//!   disconnected or a receiver with a packet waits, take the message back and retry R1;
//!   else notify every waiting receiver (they are all observers: async receivers,
//!   `Select::ready`) and queue our entry. An async receiver registered before us is woken
//!   and its `try_recv` takes from our packet; one that comes later finds our entry in its
//!   own `try_recv`. Both happen under the lock, so no notice is missed.
//! * R3. Await `DONE`; then the packet tells: empty, a receiver took the message (`Ok`);
//!   still full, we were claimed without a transfer (disconnect): retry R1, which reports it.
//! * R4. **Cancel** (dropped in R3): `abort`; if it wins, remove our entry (the message is
//!   dropped with the context). If a receiver already claimed us, it is taking the message,
//!   or the claim was a disconnect: leave the packet to the context (it lives until the
//!   claimer's `Arc` goes, so the claimer never reads freed memory) and `abandon` it, so a
//!   select that gives the claim back re-queues a dead entry. Nothing is passed on: on a
//!   rendezvous channel a sender's entry is claimed only to take its message, by a
//!   disconnect (which woke everyone) or by a select reservation (which takes or gives back),
//!   never as a notice meant for another sender.
//!
//! `verify/tests/loom_async.rs` models R1–R4 (`loom_async_rendezvous_*`).
//!
//! # Rendezvous receivers meeting a selecting sender (ADR 125)
//! A select's send case on `bounded(0)` waits with a mailbox (handoff.rs M1–M3): a receiver
//! that claims it asks the select for the message and waits until the select's thread, after
//! returning from `select` and running user code, calls `SelectedOperation::send`. A thread
//! waits for that; an async receiver must not (on the browser's main thread it can only
//! spin). So `recv_async` on a rendezvous channel uses `try_recv_requesting`, and a claimed
//! selecting sender comes back to it to be requested from **without waiting**:
//! * Q1. `Request::new` runs M1–M2 with a context that owns the (empty) packet
//!   (`Context::with_empty_packet`, waiter.rs step 6), before any await point.
//! * Q2. Await DONE (`Context::wait_async`); the packet then holds the message, or is empty
//!   when the select gave the operation up (retry from step 1).
//! * Q3. **Cancel** (dropped in Q2): `Context::leave`. If DONE was already set, the message
//!   is in the packet and ours: put it back into the channel (`Chan::park_message`). Else
//!   the select's `hand_to_requester` will see that we left and put it back itself
//!   (handoff.rs M4). Either way the next receiver gets it; it is never lost nor doubled.

use crate::channel::chan::Chan;
use crate::channel::handoff;
use crate::channel::waiter::{Context, Entry, OwnedPacket};
use crate::channel::{Receiver, RecvError, SendError, Sender, TryRecvError, TrySendError};
use crate::sync::Arc;
use std::time::Duration;

/// How long an async receive on a timer with nothing due (`never`, a taken `after`) sleeps
/// between checks; the same period as a blocking `recv` there (`timer.rs` `sleep_until`).
const TIMER_RECHECK: Duration = Duration::from_secs(1000);

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

/// An async receiver's request to a selecting sender (Q1–Q3); dropping it while `armed`
/// cancels (Q3).
struct Request<'a, T> {
    chan: &'a Chan<T>,
    cx: Arc<Context>,
    /// The message slot, owned by `cx` (`waiter.rs` step 6).
    packet: *const OwnedPacket<T>,
    armed: bool,
}

// SAFETY: the only field that is not `Send` is `packet`, a pointer into the packet `cx` owns
// (an `Arc<Context>`, which crosses threads). Whoever holds the `Request` touches the packet
// only after DONE or after `leave` saw DONE (waiter.rs step 6), on whatever thread it then
// runs; the message in it crosses threads, so `T: Send` is required, as for the channel.
unsafe impl<T: Send> Send for Request<'_, T> {}

impl<'a, T> Request<'a, T> {
    /// Q1: asks the claimed selecting sender `e` for its message (handoff.rs M1–M2).
    fn new(chan: &'a Chan<T>, e: Entry) -> Request<'a, T> {
        let (cx, packet) = Context::with_empty_packet::<T>();
        handoff::send_request(e, &cx, packet as *const ());
        Request {
            chan,
            cx,
            packet,
            armed: true,
        }
    }

    /// Q2: the message, or `None` if the select gave the operation up.
    async fn answer(mut self) -> Option<T> {
        self.cx.wait_async().await;
        self.armed = false;
        // SAFETY: `packet` is owned by `self.cx`; we saw DONE (Acquire in `wait_async`,
        // pairing with the select's Release completion), after which the select no longer
        // touches it.
        unsafe { (*self.packet).with_mut(|m| (*m).take()) }
    }
}

impl<T> Drop for Request<'_, T> {
    fn drop(&mut self) {
        if !self.armed || !self.cx.leave() {
            // Answered, or (Q3) left before the select wrote: it keeps its message.
            return;
        }
        // Q3: the select completed us before we left: the message is ours to put back.
        // SAFETY: `leave` saw DONE (Acquire, pairing with the select's Release), so the
        // select's write is visible and it no longer touches the packet, owned by `self.cx`.
        let msg = unsafe { (*self.packet).with_mut(|m| (*m).take()) };
        if let Some(m) = msg {
            if cfg!(portalis_seeded_bug = "rendezvous_async_request_skips_abandon") {
                return; // Seeded bug: the message is dropped with the future.
            }
            // `Err`: disconnected, no receiver can take it any more: dropped, as a queued
            // message is when the channel goes.
            let _ = self.chan.park_message(m);
        }
    }
}

/// An async rendezvous sender's queued entry (R2–R4); dropping it while `armed` cancels (R4).
struct Offer<'a, T> {
    chan: &'a Chan<T>,
    cx: Arc<Context>,
    /// The message slot, owned by `cx` (`waiter.rs` step 6).
    packet: *const OwnedPacket<T>,
    armed: bool,
}

// SAFETY: as for `Request`: `packet` points into the packet `cx` owns, read by the holder only
// before queueing or after DONE (R3); `T: Send` because the message crosses threads.
unsafe impl<T: Send> Send for Offer<'_, T> {}

impl<T> Drop for Offer<'_, T> {
    fn drop(&mut self) {
        if !self.armed {
            return;
        }
        if self.cx.abort() {
            // R4: nobody can claim us now; our entry goes and the message with the context.
            self.chan.unregister(&self.cx, false);
        } else {
            // R4: claimed; the claimer finishes with the packet, which the context keeps alive.
            self.cx.abandon();
            if cfg!(portalis_seeded_bug = "rendezvous_async_cancel_takes_back") {
                // Seeded bug: reads the packet while the claimer may be taking from it.
                // SAFETY: none (the seeded bug under test); loom reports the race.
                drop(unsafe { (*self.packet).with_mut(|m| (*m).take()) });
            }
        }
    }
}

/// R1–R3 on a rendezvous channel: waits until a receiver takes `msg` (`Ok`), or hands it back
/// (`Err`) when the caller must retry `try_send` (a receiver with a packet waits now, or the
/// channel is disconnected).
async fn hand_over<T>(chan: &Chan<T>, msg: T) -> Result<(), T> {
    let (cx, packet) = Context::with_packet(msg);
    let mut offer = Offer {
        chan,
        cx,
        packet,
        armed: false,
    };
    let queued = chan.register_send_packet(&offer.cx, offer.packet as *const ()) == Some(false);
    if queued {
        offer.armed = true;
        offer.cx.wait_async().await;
        offer.armed = false;
        if cfg!(portalis_seeded_bug = "rendezvous_async_send_trusts_done") {
            return Ok(()); // Seeded bug: DONE taken for delivery (a disconnect is not one).
        }
    }
    // R3. SAFETY: `packet` is owned by `offer.cx`, alive here; either we never queued it, or
    // we saw DONE (Acquire in `wait_async`, pairing with the claimer's Release `complete`),
    // after which the claimer no longer touches it and the entry is in no queue.
    // (Read through `offer`, whose `Send` impl covers the pointer across the await.)
    let back = unsafe { (*offer.packet).with_mut(|m| (*m).take()) };
    match back {
        None => Ok(()),
        Some(m) => Err(m),
    }
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
    /// On a rendezvous channel (`bounded(0)`) whose sender waits in a [`Select`], it asks for
    /// the message and awaits the select's send; dropped meanwhile, it leaves the message in
    /// the channel for the next receiver (ADR 125).
    ///
    /// [`Select`]: crate::channel::Select
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
    /// A timer receiver (`after`, `at`, `tick`) sleeps until its message is due without a
    /// thread of its own and without polling: a per-process timer thread wakes it natively, a
    /// JS `setTimeout` in the browser. Only on `wasm32-wasip1` without threads does it yield
    /// to the executor and re-read the clock until then (a busy poll: that single thread
    /// cannot sleep while other tasks may be ready).
    ///
    /// # Errors
    /// [`RecvError`] when the channel is empty and disconnected.
    ///
    /// ## Memory ordering
    /// As [`recv`](Self::recv).
    pub async fn recv_async(&self) -> Result<T, RecvError> {
        loop {
            if let Some(chan) = self.chan().filter(|c| c.is_rendezvous()) {
                // Step 1 on `bounded(0)`: a selecting sender is requested from without
                // waiting for its select (Q1–Q3).
                match chan.try_recv_requesting() {
                    Some(Ok(Ok(v))) => return Ok(v),
                    Some(Ok(Err(TryRecvError::Disconnected))) => return Err(RecvError),
                    Some(Ok(Err(TryRecvError::Empty))) | None => wait_for_partner(chan, true).await,
                    Some(Err(e)) => {
                        if let Some(v) = Request::new(chan, e).answer().await {
                            return Ok(v);
                        }
                        // The select gave the operation up: start over.
                    }
                }
                continue;
            }
            // Step 1.
            match self.try_recv() {
                Ok(v) => return Ok(v),
                Err(TryRecvError::Disconnected) => return Err(RecvError),
                Err(TryRecvError::Empty) => match self.chan() {
                    Some(chan) => wait_for_partner(chan, true).await,
                    // A timer receiver (`after`, `tick`) has no waiter queue: it sleeps until
                    // its message is due (`futex::sleep_until`, ADR 122) and re-checks. With
                    // nothing due (`never`, or an `after` another receiver took, which a
                    // select may yet give back) it re-checks after a long sleep, as `recv`.
                    None => {
                        let now = crate::time::Instant::now();
                        let due = self
                            .timer_deadline()
                            .unwrap_or_else(|| now.checked_add(TIMER_RECHECK).unwrap_or(now));
                        crate::futex::sleep_until(due).await;
                    }
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
    /// a receiver (blocking, selecting or async) has taken the message. Dropping it before it
    /// resolves sends nothing (the message is dropped with the future), unless a receiver had
    /// already begun taking the message: then that receiver gets it, so the message is never
    /// lost nor delivered twice.
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
                Err(TrySendError::Full(v)) if self.chan.is_rendezvous() => {
                    // R1–R3: wait with the message, so an async receiver can take it.
                    match hand_over(&self.chan, v).await {
                        Ok(()) => return Ok(()),
                        Err(m) => msg = m,
                    }
                }
                Err(TrySendError::Full(v)) => {
                    msg = v;
                    wait_for_partner(&self.chan, false).await;
                }
            }
        }
    }
}
