//! `bounded(0)`: no buffer, each send meets a receive (direct hand-off, docs/notes/channels.md §3.2).
//!
//! The lock holds only the two waiter queues ([`Sides`]); the protocol is `locked.rs` steps
//! 1–5 with an empty buffer: a sender hands its message to a claimed receiver's packet or
//! waits with it in its own; a receiver takes it from a claimed sender's packet or waits.
//! Select: a receive case registers a boxed packet a sender can fill; a send case registers an
//! observer, and registering either notifies the other side's observers so that two selects
//! find each other (step 3).

use super::error::{RecvError, RecvTimeoutError, SendError, SendTimeoutError};
use super::error::{TryRecvError, TrySendError};
use super::handoff::{self, complete_all, Discipline, Sides, Token, Version, Wakes};
use super::lock::{Guard, Lock};
use super::locked::{self, Locked};
use super::waiter::{Context, Entry};
use crate::sync::Arc;
use crate::time::Instant;

/// A rendezvous channel.
#[derive(Debug)]
pub(crate) struct Rendezvous {
    sides: Lock<Sides>,
}

impl Rendezvous {
    pub(crate) fn new() -> Rendezvous {
        Rendezvous {
            sides: Lock::new(Sides::default()),
        }
    }

    #[inline]
    fn lock(&self) -> Guard<'_, Sides> {
        // No user code runs under the lock (`T`'s drops happen after unlocking), so there is
        // nothing to poison.
        self.sides.lock()
    }
}

impl Rendezvous {
    /// `async_ops.rs` step R2: queues an async sender's entry with its packet (owned by `cx`,
    /// `waiter.rs` step 6), as a blocked `send` queues its own (`locked.rs` step 2), and tells
    /// the receivers that wait as observers (async receivers, `Select::ready`) that a sender
    /// waits, as `register_send` does (step 3). Returns `true` without queueing when the send
    /// can proceed or fail now (a receiver with a packet waits, or the channel is
    /// disconnected): the caller retries `try_send`.
    pub(crate) fn register_send_packet(&self, cx: &Arc<Context>, packet: *const ()) -> bool {
        let mut notified = Vec::new();
        let mut g = self.lock();
        if g.disconnected || g.receivers.has_partner() {
            return true;
        }
        // Every queued receiver is an observer here (none has a packet): notify them all, so
        // an async receiver that registered first comes and takes from our packet.
        if !cfg!(portalis_seeded_bug = "rendezvous_async_send_skips_notify") {
            g.receivers.claim_all(&mut notified);
        }
        g.senders.push(Entry {
            cx: cx.clone(),
            oper: 0,
            packet,
            mailbox: false,
        });
        // A waiting sender makes receives ready (lock.rs change count).
        self.sides.bump();
        drop(g);
        complete_all(notified);
        false
    }

    /// `try_recv` for an async receiver: a claimed selecting sender comes back as
    /// `Err(entry)`, to be requested from without waiting (handoff.rs M4).
    pub(crate) fn try_recv_requesting<T>(&self) -> Result<Result<T, TryRecvError>, Entry> {
        locked::try_recv_or_claim::<T, _>(self).map_err(|(e, _)| e)
    }

    /// Puts back a message whose receiver left after its send was decided (handoff.rs M4):
    /// hands it to a waiting receiver, or queues it as the packet of a sender that nobody
    /// awaits (`register_send_packet` with a context of its own, `waiter.rs` step 6), which
    /// the next receiver takes as it takes an async sender's. `Err(msg)` if the channel is
    /// disconnected (no receiver can take it any more).
    pub(crate) fn park_message<T>(&self, msg: T) -> Result<(), T> {
        let mut msg = msg;
        loop {
            match locked::try_send(self, msg) {
                Ok(()) => return Ok(()),
                Err(TrySendError::Disconnected(m)) => return Err(m),
                Err(TrySendError::Full(m)) => msg = m,
            }
            let (cx, packet) = Context::with_packet(msg);
            if !self.register_send_packet(&cx, packet as *const ()) {
                return Ok(()); // queued; the entry's `Arc` keeps the packet alive
            }
            // Not queued (a receiver with a packet waits, or disconnected): retry.
            // SAFETY: the packet is owned by `cx`, never queued, so nobody else can reach it.
            let back = unsafe { (*packet).with_mut(|m| (*m).take()) };
            msg = back.expect("an unqueued packet keeps its message");
        }
    }
}

impl<T> Locked<T> for Rendezvous {
    type State = Sides;
    #[inline]
    fn state(&self) -> &Lock<Sides> {
        &self.sides
    }
    #[inline]
    fn sides(s: &mut Sides) -> &mut Sides {
        s
    }
    #[inline]
    fn offer(&self, s: &mut Sides, msg: T, wakes: &mut Wakes) -> Result<Option<(Entry, T)>, T> {
        if !s.receivers.is_empty() {
            if let Some(e) = s.receivers.claim_partner(&mut wakes.0) {
                return Ok(Some((e, msg)));
            }
        }
        Err(msg)
    }
    #[inline]
    fn take(&self, s: &mut Sides, wakes: &mut Wakes) -> Option<T> {
        if !s.senders.is_empty() {
            if let Some(e) = s.senders.claim_partner(&mut wakes.0) {
                if e.mailbox {
                    // A selecting sender, now committed to us: the caller requests its
                    // message after unlocking (handoff.rs M1–M3).
                    wakes.1 = Some(e);
                    return None;
                }
                let msg = handoff::take_packet(&e);
                wakes.0.push(e);
                return Some(msg);
            }
        }
        None
    }
}

impl<T> Discipline<T> for Rendezvous {
    fn capacity(&self) -> Option<usize> {
        Some(0)
    }

    fn len(&self) -> usize {
        0
    }

    fn is_disconnected(&self) -> bool {
        self.lock().disconnected
    }

    #[inline]
    fn try_send(&self, msg: T) -> Result<(), TrySendError<T>> {
        locked::try_send(self, msg)
    }

    #[inline]
    fn try_recv(&self) -> Result<T, TryRecvError> {
        locked::try_recv(self)
    }

    fn send(&self, msg: T, deadline: Option<Instant>) -> Result<(), SendTimeoutError<T>> {
        locked::send(self, None, msg, deadline)
    }

    fn recv(&self, deadline: Option<Instant>) -> Result<T, RecvTimeoutError> {
        locked::recv::<T, _>(self, None, deadline)
    }

    fn disconnect(&self, last_receiver: bool) {
        locked::disconnect::<T, _>(self, last_receiver);
    }

    fn version(&self) -> Version {
        [self.sides.version(), 0, 0]
    }

    fn try_reserve_recv(&self, take: bool) -> Option<Token> {
        let mut g = self.lock();
        if !take {
            // `Select::ready`: a readiness verdict only. A waiting sender, plain or selecting
            // (whose mailbox a following `try_recv` claims, M1–M3), makes the case ready.
            let ready = g.senders.has_partner();
            let disc = g.disconnected;
            drop(g);
            return if ready {
                Some(Token::Buffered)
            } else if disc {
                Some(Token::Disconnected)
            } else {
                None
            };
        }
        let mut notified = Vec::new();
        let partner = g.senders.claim_partner(&mut notified);
        let disc = g.disconnected;
        drop(g);
        complete_all(notified);
        match partner {
            Some(e) if e.mailbox => {
                // A selecting sender committed to this select (M1–M3): its message moves into
                // a boxed packet owned by the selected operation.
                handoff::request_from::<T>(e).map(|m| Token::Boxed(handoff::box_packet(Some(m))))
            }
            Some(e) => Some(Token::Partner(e)),
            None if disc => Some(Token::Disconnected),
            None => None,
        }
    }

    fn try_reserve_send(&self, _take: bool) -> Option<Token> {
        let mut g = self.lock();
        if g.disconnected {
            return Some(Token::Disconnected);
        }
        let mut notified = Vec::new();
        let partner = g.receivers.claim_partner(&mut notified);
        drop(g);
        complete_all(notified);
        partner.map(Token::Partner)
    }

    fn register_recv(&self, oper: usize, cx: &Arc<Context>, observe: bool) -> (bool, *mut ()) {
        let mut notified = Vec::new();
        let mut g = self.lock();
        // Observers among the senders (selecting senders) are notified so they come and find
        // our packet (step 3); a sender with a packet means we are ready.
        // Our own send case on this channel (a select with both cases) is neither a partner
        // nor notified: a select never pairs with itself (issue 16 item 5).
        let ready = if g.senders.has_partner_except(cx) {
            true
        } else {
            g.senders.claim_all_except(cx, &mut notified);
            false
        };
        if ready || g.disconnected {
            drop(g);
            complete_all(notified);
            return (true, core::ptr::null_mut());
        }
        let packet = if observe {
            core::ptr::null_mut()
        } else {
            handoff::box_packet::<T>(None)
        };
        g.receivers.push(Entry {
            cx: cx.clone(),
            oper,
            packet,
            mailbox: false,
        });
        // A waiting receiver may make sends ready (lock.rs change count).
        self.sides.bump();
        drop(g);
        complete_all(notified);
        (false, packet)
    }

    fn register_send(&self, oper: usize, cx: &Arc<Context>, observe: bool) -> (bool, *mut ()) {
        let mut notified = Vec::new();
        let mut g = self.lock();
        let ready = g.disconnected || {
            // Not our own receive case (issue 16 item 5), as in `register_recv`.
            let partner = g.receivers.has_partner_except(cx);
            if !partner {
                // Only observers wait (`Select::ready`): notify them, as in `register_recv`.
                g.receivers.claim_all_except(cx, &mut notified);
            }
            partner
        };
        // A select (not `Select::ready`) waits with a mailbox, so a receiver can claim it
        // (issue 16 item 4, handoff.rs M1–M3).
        let mailbox = if ready || observe {
            core::ptr::null_mut()
        } else {
            handoff::box_mailbox()
        };
        if !ready {
            g.senders.push(Entry {
                cx: cx.clone(),
                oper,
                packet: mailbox,
                mailbox: !observe,
            });
            self.sides.bump();
        }
        drop(g);
        complete_all(notified);
        (ready, mailbox)
    }

    fn unregister(&self, cx: &Arc<Context>, recv_side: bool) {
        locked::unregister::<T, _>(self, cx, recv_side);
    }

    fn notify_one(&self, recv_side: bool) {
        locked::notify_one::<T, _>(self, recv_side);
    }

    fn read(&self, token: Token) -> Result<T, RecvError> {
        match locked::read_handoff(token) {
            Ok(r) => r,
            Err(t) => unreachable!("a rendezvous receive holds a hand-off token, not {t:?}"),
        }
    }

    fn write(&self, token: Token, msg: T) -> Result<(), SendError<T>> {
        if let Token::Partner(e) = token {
            if e.oper == handoff::REQUESTER {
                // A receiver requested our message (handoff.rs M3–M4); if it was an async one
                // that left meanwhile, the message goes back into the channel.
                return match handoff::hand_to_requester(e, msg) {
                    Ok(()) => Ok(()),
                    Err(m)
                        if cfg!(portalis_seeded_bug = "rendezvous_async_request_skips_abandon") =>
                    {
                        // Seeded bug: the returned message is dropped, not put back.
                        drop(m);
                        Ok(())
                    }
                    Err(m) => self.park_message(m).map_err(SendError),
                };
            }
            return match locked::write_handoff(Token::Partner(e), msg) {
                Ok(r) => r,
                Err((t, _)) => unreachable!("a rendezvous send holds a hand-off token, not {t:?}"),
            };
        }
        match locked::write_handoff(token, msg) {
            Ok(r) => r,
            Err((t, _)) => unreachable!("a rendezvous send holds a hand-off token, not {t:?}"),
        }
    }

    fn release(&self, token: Token, recv_side: bool) {
        match locked::release_handoff::<T, _>(self, token, recv_side) {
            None | Some(Token::Buffered) => {} // `Buffered`: a readiness verdict, nothing held
            Some(t) => unreachable!("a rendezvous operation holds a hand-off token, not {t:?}"),
        }
    }
}
