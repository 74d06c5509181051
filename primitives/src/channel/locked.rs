//! The lock-based protocol shared by `bounded(0)` (`rendezvous.rs`) and the locked queue of
//! `bounded(1)` / `bounded(n > 2²⁴)` (`queue.rs`): Go's `hchan` on threads (docs/notes/channels.md §2
//! "Go", §3.2) — one short lock over the buffer (if any) and two FIFO waiter queues, direct
//! hand-off, and spin→yield→futex waiting per `waiter.rs`. A discipline supplies `offer` and
//! `take` ([`Locked`]); the blocking loops here are the same for both.
//!
//! # Protocol
//! 1. Every check-and-act on the buffer, the waiter queues or `disconnected` happens under
//!    the channel's lock, so "I found nothing, I register" and "I pushed, I notify" are atomic
//!    with respect to each other: no fences, no lost wake-ups.
//! 2. Blocked `send`/`recv` calls wait with a *packet* (their message slot, on their stack;
//!    [`wait_with_packet`]). A sender that finds a waiting receiver writes into its packet
//!    instead of the queue; a receiver that pops a slot refills it from the first blocked
//!    sender's packet in the same lock hold (Go's trick, docs/notes/channels.md §3.3), or takes a blocked
//!    sender's message directly when nothing is queued (rendezvous). The woken waiter finds its
//!    packet done: one lock hold per message, no retry.
//! 3. Entries without a packet (observers: select cases on buffered channels, a select's send
//!    cases, `Select::ready`) are claimed only to notify them; the woken select retries its
//!    case *i* first, so a notification is never passed over while another waiter sleeps. A
//!    plain waiter claimed without its packet being used (disconnect, a reservation given back)
//!    also just retries from step 1.
//! 4. A select reservation (`reserved_recv` / `reserved_send` in `queue.rs`) holds one message
//!    or one free slot for a selected operation until it is completed or given back.
//! 5. Disconnection sets `disconnected` and claims every entry; the last receiver also takes
//!    the queued messages out and drops them after unlocking (exactly once).
//! 6. Before a `send`/`recv` on a channel of capacity > 1 registers, it polls `len_hint` (a
//!    Relaxed copy of the queue length stored under the lock) for a few backoff steps without
//!    the lock, then retries from step 1. A running partner then fills or drains a batch
//!    instead of turning every message into a hand-off (crossbeam's array/list flavours
//!    behave the same way).

use super::drops::drop_each;
use super::error::{RecvError, RecvTimeoutError, SendError, SendTimeoutError};
use super::error::{TryRecvError, TrySendError};
use super::handoff::{self, complete_all, Sides, Token, Wakes};
use super::lock::{Guard, Lock};
use super::waiter::{Context, Entry, Woken};
use crate::deadline::instant_now;
use crate::sync::cell::UnsafeCell;
use crate::sync::Arc;
use crate::time::Instant;
use std::collections::VecDeque;

/// A lock-based discipline: what it keeps under its lock and how a message gets in and out.
pub(crate) trait Locked<T> {
    /// Everything behind the lock (at least the [`Sides`]).
    type State;
    /// The channel lock.
    fn state(&self) -> &Lock<Self::State>;
    /// The waiter queues inside the locked state.
    fn sides(s: &mut Self::State) -> &mut Sides;
    /// Under the lock: place `msg` for a sender (steps 2–3). `Ok(None)`: queued;
    /// `Ok(Some((e, msg)))`: hand `msg` to the claimed receiver `e` after unlocking;
    /// `Err(msg)`: no room and no waiting receiver.
    fn offer(
        &self,
        s: &mut Self::State,
        msg: T,
        wakes: &mut Wakes,
    ) -> Result<Option<(Entry, T)>, T>;
    /// Under the lock: take a message for a receiver (steps 2–3).
    fn take(&self, s: &mut Self::State, wakes: &mut Wakes) -> Option<T>;
    /// `true` if a blocking call polls before registering (step 6).
    fn polls(&self) -> bool {
        false
    }
    /// Step 6, without the lock: wait a little for room (`sending`) or a message.
    fn poll(&self, _sending: bool) {}
    /// Under the lock, for the last receiver: the queued messages (step 5).
    fn take_queue(&self, _s: &mut Self::State) -> VecDeque<T> {
        VecDeque::new()
    }
}

/// Step 2, both directions: queues an entry whose packet holds `msg` (a sender) or nothing (a
/// receiver) on one side, unlocks, completes `wakes`, waits until `deadline`, and withdraws
/// the entry if the wait did not end selected. Returns how the wait ended and what the packet
/// holds now: a sender's message comes back unless a receiver took it; a receiver finds the
/// message a sender wrote, if any.
fn wait_with_packet<T, C: Locked<T>>(
    c: &C,
    mut g: Guard<'_, C::State>,
    recv_side: bool,
    msg: Option<T>,
    wakes: Wakes,
    deadline: Option<Instant>,
) -> (Woken, Option<T>) {
    let cx = Context::new();
    let packet: handoff::Packet<T> = UnsafeCell::new(msg);
    C::sides(&mut g).side(recv_side).push(Entry {
        cx: cx.clone(),
        oper: 0,
        packet: &packet as *const handoff::Packet<T> as *const (),
        mailbox: false,
    });
    // A waiting partner makes the other side's operations ready (lock.rs change count).
    c.state().bump();
    drop(g);
    wakes.complete();
    let woken = cx.wait_until(deadline);
    if !matches!(woken, Woken::Selected(_)) {
        // Our abort won: remove the entry before the packet dies.
        let _ = C::sides(&mut c.state().lock()).side(recv_side).remove(&cx);
    }
    // SAFETY: after DONE (Acquire) or a won abort + removal under the lock, no other thread
    // touches the packet.
    let now = unsafe { packet.with_mut(|m| (*m).take()) };
    (woken, now)
}

/// Claims and completes one waiter of one side (`Discipline::notify_one`; step 3: a waiter
/// completed without its packet used retries from step 1).
pub(crate) fn notify_one<T, C: Locked<T>>(c: &C, recv_side: bool) {
    let e = C::sides(&mut c.state().lock()).side(recv_side).claim_one();
    if let Some(e) = e {
        Context::complete(e.cx);
    }
}

/// Blocking send with an optional deadline (steps 1–3, 6). `held`: the lock, if the caller
/// took it for a fast attempt that did not decide (`queue.rs`); step 1 then starts in that
/// same hold instead of locking again.
///
/// # Panics
/// If the thread cannot block (`futex::WaitError`) and no deadline was given.
pub(crate) fn send<'a, T, C: Locked<T>>(
    c: &'a C,
    mut held: Option<Guard<'a, C::State>>,
    mut msg: T,
    deadline: Option<Instant>,
) -> Result<(), SendTimeoutError<T>> {
    // Set once a wait timed out: the deadline counts as passed from then on.
    let mut expired = false;
    // Set once step 6's poll ran for this call.
    let mut polled = false;
    loop {
        let mut wakes = Wakes::default();
        let mut g = held.take().unwrap_or_else(|| c.state().lock());
        if C::sides(&mut g).disconnected {
            return Err(SendTimeoutError::Disconnected(msg));
        }
        match c.offer(&mut g, msg, &mut wakes) {
            Ok(r) => {
                drop(g);
                wakes.complete();
                if let Some((e, m)) = r {
                    handoff::hand_to(e, m);
                }
                return Ok(());
            }
            Err(m) => msg = m,
        }
        if expired || deadline.is_some_and(|d| instant_now() >= d) {
            drop(g);
            wakes.complete();
            return Err(SendTimeoutError::Timeout(msg));
        }
        if !polled && c.polls() {
            // Step 6: a running receiver may free a slot in a moment.
            polled = true;
            drop(g);
            wakes.complete();
            c.poll(true);
            continue;
        }
        let (woken, back) = wait_with_packet(c, g, false, Some(msg), wakes, deadline);
        expired |= woken == Woken::TimedOut;
        match (woken, back) {
            (_, None) => return Ok(()), // a receiver took it
            (Woken::CannotBlock(e), Some(_)) if deadline.is_none() => {
                panic!("channel send would block: {e}")
            }
            // Notified, disconnected, timed out, or (timed call on a thread that cannot
            // block: spin out the timeout, ADR 022) cannot block: step 1 decides.
            (_, Some(m)) => msg = m,
        }
    }
}

/// Blocking receive with an optional deadline (steps 1–3, 6). `held`: as in [`send`].
///
/// # Panics
/// If the thread cannot block (`futex::WaitError`) and no deadline was given.
pub(crate) fn recv<'a, T, C: Locked<T>>(
    c: &'a C,
    mut held: Option<Guard<'a, C::State>>,
    deadline: Option<Instant>,
) -> Result<T, RecvTimeoutError> {
    // Set once a wait timed out: the deadline counts as passed from then on.
    let mut expired = false;
    // Set once step 6's poll ran for this call.
    let mut polled = false;
    loop {
        let mut wakes = Wakes::default();
        let mut g = held.take().unwrap_or_else(|| c.state().lock());
        if let Some(m) = c.take(&mut g, &mut wakes) {
            drop(g);
            wakes.complete();
            return Ok(m);
        }
        if let Some(e) = wakes.1.take() {
            // A selecting sender committed to us (handoff.rs M1–M3).
            drop(g);
            wakes.complete();
            match handoff::request_from(e) {
                Some(m) => return Ok(m),
                None => continue, // it gave the operation up: start over
            }
        }
        if C::sides(&mut g).disconnected {
            drop(g);
            wakes.complete();
            return Err(RecvTimeoutError::Disconnected);
        }
        if expired || deadline.is_some_and(|d| instant_now() >= d) {
            drop(g);
            wakes.complete();
            return Err(RecvTimeoutError::Timeout);
        }
        if !polled && c.polls() {
            // Step 6: a running sender may queue a message (or a batch) in a moment.
            polled = true;
            drop(g);
            wakes.complete();
            c.poll(false);
            continue;
        }
        let (woken, got) = wait_with_packet(c, g, true, None, wakes, deadline);
        expired |= woken == Woken::TimedOut;
        if let Some(m) = got {
            return Ok(m);
        }
        if let Woken::CannotBlock(e) = woken {
            // A timed call spins out its timeout instead (ADR 022): loop and re-check.
            if deadline.is_none() {
                panic!("channel recv would block: {e}");
            }
        }
    }
}

/// Non-blocking send (steps 1–3).
#[inline]
pub(crate) fn try_send<T, C: Locked<T>>(c: &C, msg: T) -> Result<(), TrySendError<T>> {
    let mut wakes = Wakes::default();
    let mut g = c.state().lock();
    if C::sides(&mut g).disconnected {
        return Err(TrySendError::Disconnected(msg));
    }
    let r = c.offer(&mut g, msg, &mut wakes);
    drop(g);
    wakes.complete();
    match r {
        Ok(None) => Ok(()),
        Ok(Some((e, msg))) => {
            handoff::hand_to(e, msg);
            Ok(())
        }
        Err(msg) => Err(TrySendError::Full(msg)),
    }
}

/// Non-blocking receive (steps 1–3; a claimed selecting sender per handoff.rs M1–M3).
#[inline]
pub(crate) fn try_recv<T, C: Locked<T>>(c: &C) -> Result<T, TryRecvError> {
    match try_recv_or_claim(c) {
        Ok(r) => r,
        Err((e, disc)) => match handoff::request_from(e) {
            // A selecting sender committed to us (M1–M3).
            Some(m) => Ok(m),
            // It gave the operation up.
            None if disc => Err(TryRecvError::Disconnected),
            None => Err(TryRecvError::Empty),
        },
    }
}

/// [`try_recv`] up to a claimed selecting sender: `Err((entry, disconnected))` hands the
/// claimed send case to the caller, who must request its message (handoff.rs M1–M2 or M4).
#[inline]
pub(crate) fn try_recv_or_claim<T, C: Locked<T>>(
    c: &C,
) -> Result<Result<T, TryRecvError>, (Entry, bool)> {
    let mut wakes = Wakes::default();
    let mut g = c.state().lock();
    let r = c.take(&mut g, &mut wakes);
    let disc = C::sides(&mut g).disconnected;
    let request = wakes.1.take();
    drop(g);
    wakes.complete();
    if let Some(e) = request {
        return Err((e, disc));
    }
    Ok(match r {
        Some(m) => Ok(m),
        None if disc => Err(TryRecvError::Disconnected),
        None => Err(TryRecvError::Empty),
    })
}

/// Step 5: the last sender or receiver is gone.
pub(crate) fn disconnect<T, C: Locked<T>>(c: &C, last_receiver: bool) {
    let mut claimed = Vec::new();
    let mut g = c.state().lock();
    let sides = C::sides(&mut g);
    sides.disconnected = true;
    sides.senders.claim_all(&mut claimed);
    sides.receivers.claim_all(&mut claimed);
    c.state().bump();
    let dropped = if last_receiver {
        c.take_queue(&mut g)
    } else {
        VecDeque::new()
    };
    drop(g);
    complete_all(claimed);
    // User `Drop` impls run outside the lock, one at a time (a panicking one must not abort).
    drop_each(dropped);
}

/// Removes a select's entries for `cx` from one side.
pub(crate) fn unregister<T, C: Locked<T>>(c: &C, cx: &Arc<Context>, recv_side: bool) {
    let removed = C::sides(&mut c.state().lock()).side(recv_side).remove(cx);
    drop(removed);
}

/// Completes a selected receive through a hand-off token (a partner or a boxed packet);
/// `Err(token)` for the discipline's own tokens.
pub(crate) fn read_handoff<T>(token: Token) -> Result<Result<T, RecvError>, Token> {
    match token {
        Token::Partner(e) => Ok(Ok(handoff::take_from(e))),
        Token::Boxed(p) => {
            // SAFETY: `p` is our packet; the sender wrote it before DONE, which we saw.
            let m = unsafe { handoff::unbox_packet::<T>(p) };
            Ok(Ok(m.expect("a selected packet is full")))
        }
        Token::Disconnected | Token::Timer(_) => Ok(Err(RecvError)),
        t => Err(t),
    }
}

/// Completes a selected send through a partner token; `Err((token, msg))` otherwise.
pub(crate) fn write_handoff<T>(
    token: Token,
    msg: T,
) -> Result<Result<(), SendError<T>>, (Token, T)> {
    match token {
        Token::Partner(e) => {
            handoff::hand_to(e, msg);
            Ok(Ok(()))
        }
        Token::Disconnected | Token::Timer(_) | Token::Boxed(_) => Ok(Err(SendError(msg))),
        t => Err((t, msg)),
    }
}

/// Gives back a hand-off token (a partner goes back to the front of its queue; a boxed packet
/// and the message in it are dropped); `Some(token)` for the discipline's own tokens.
pub(crate) fn release_handoff<T, C: Locked<T>>(
    c: &C,
    token: Token,
    recv_side: bool,
) -> Option<Token> {
    match token {
        Token::Partner(e) if e.oper == handoff::REQUESTER => {
            // A receiver waiting on its own context for our message (handoff.rs M3): it gets
            // an empty packet and reports or retries.
            Context::complete(e.cx);
            None
        }
        Token::Partner(e) => {
            let mut g = c.state().lock();
            e.cx.unclaim();
            // A receive case claimed a sender (and the reverse): it goes back to its side.
            C::sides(&mut g).side(!recv_side).push_front(e);
            c.state().bump();
            None
        }
        Token::Boxed(p) => {
            // SAFETY: our own packet, completed; the message in it is dropped (documented on
            // `SelectedOperation`).
            unsafe { handoff::free_packet::<T>(p) };
            None
        }
        Token::Disconnected | Token::Timer(_) => None,
        t => Some(t),
    }
}
