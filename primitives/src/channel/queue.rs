//! The locked queue: `bounded(1)` and `bounded(n)` for `n` above the ring's limit (or when the
//! ring's memory cannot be reserved). A `VecDeque` whose memory follows occupancy, behind the
//! channel lock together with the waiter queues; `locked.rs` steps 1–6.
//!
//! A receiver that pops a slot refills it from the first blocked sender in the same lock hold
//! (step 2, Go's `recv` on a full channel; docs/notes/channels.md §3.3), so `bounded(1)` behaves as a
//! rendezvous plus one slot.

use super::error::{RecvError, RecvTimeoutError, SendError, SendTimeoutError};
use super::error::{TryRecvError, TrySendError};
use super::handoff::{self, complete_all, Discipline, Sides, Token, Version, Wakes};
use super::lock::{Guard, Lock};
use super::locked::{self, Locked};
use super::waiter::{Context, Entry};
use crate::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use crate::sync::Arc;
use crate::time::Instant;
use std::collections::VecDeque;

/// What the lock guards.
#[derive(Debug)]
pub(crate) struct QueueState<T> {
    /// The buffered messages, oldest first.
    queue: VecDeque<T>,
    /// Messages reserved by selected receive operations (step 4).
    reserved_recv: usize,
    /// Free slots reserved by selected send operations (step 4).
    reserved_send: usize,
    sides: Sides,
}

/// A bounded channel served by the lock.
#[derive(Debug)]
pub(crate) struct Queue<T> {
    state: Lock<QueueState<T>>,
    /// At most this many queued messages (≥ 1).
    cap: usize,
    /// `queue.len()` as of the last change (a Relaxed store under the lock): lets a blocking
    /// call poll for a change without taking the lock before it registers (step 6).
    len_hint: AtomicUsize,
}

impl<T> Queue<T> {
    pub(crate) fn new(cap: usize) -> Queue<T> {
        debug_assert!(cap >= 1);
        Queue {
            state: Lock::new(QueueState {
                queue: VecDeque::new(),
                reserved_recv: 0,
                reserved_send: 0,
                sides: Sides::default(),
            }),
            cap,
            len_hint: AtomicUsize::new(0),
        }
    }

    #[inline]
    fn lock(&self) -> Guard<'_, QueueState<T>> {
        // No user code runs under the lock (`T`'s drops happen after unlocking), so there is
        // nothing to poison.
        self.state.lock()
    }

    #[inline]
    fn has_room(&self, s: &QueueState<T>) -> bool {
        s.queue.len() + s.reserved_send < self.cap
    }
}

impl<T> Locked<T> for Queue<T> {
    type State = QueueState<T>;
    #[inline]
    fn state(&self) -> &Lock<QueueState<T>> {
        &self.state
    }
    #[inline]
    fn sides(s: &mut QueueState<T>) -> &mut Sides {
        &mut s.sides
    }
    #[inline]
    fn offer(
        &self,
        s: &mut QueueState<T>,
        msg: T,
        wakes: &mut Wakes,
    ) -> Result<Option<(Entry, T)>, T> {
        if !self.has_room(s) {
            return Err(msg);
        }
        if !s.sides.receivers.is_empty() {
            if let Some(e) = s.sides.receivers.claim_partner(&mut wakes.0) {
                return Ok(Some((e, msg)));
            }
        }
        s.queue.push_back(msg);
        // Relaxed: a hint (step 6); the lock orders the queue itself.
        self.len_hint.store(s.queue.len(), Relaxed);
        self.state.bump(); // a message: receives may be ready (lock.rs change count)
        Ok(None)
    }
    /// Refills the freed slot from the first blocked sender (Go's `recv` on a full channel;
    /// docs/notes/channels.md §3.3).
    #[inline]
    fn take(&self, s: &mut QueueState<T>, wakes: &mut Wakes) -> Option<T> {
        if s.queue.len() > s.reserved_recv {
            let msg = s.queue.pop_front();
            if !s.sides.senders.is_empty() && self.has_room(s) {
                if let Some(e) = s.sides.senders.claim_partner(&mut wakes.0) {
                    s.queue.push_back(handoff::take_packet(&e));
                    wakes.0.push(e);
                }
            }
            // Relaxed: a hint (step 6); the lock orders the queue itself.
            self.len_hint.store(s.queue.len(), Relaxed);
            self.state.bump(); // a free slot: sends may be ready
            return msg;
        }
        if !s.sides.senders.is_empty() {
            if let Some(e) = s.sides.senders.claim_partner(&mut wakes.0) {
                let msg = handoff::take_packet(&e);
                wakes.0.push(e);
                return Some(msg);
            }
        }
        None
    }
    fn polls(&self) -> bool {
        self.cap > 1
    }
    fn poll(&self, sending: bool) {
        // Relaxed: only a hint; the retry under the lock decides.
        if sending {
            handoff::poll_before_wait(|| self.len_hint.load(Relaxed) < self.cap);
        } else {
            handoff::poll_before_wait(|| self.len_hint.load(Relaxed) > 0);
        }
    }
    fn take_queue(&self, s: &mut QueueState<T>) -> VecDeque<T> {
        core::mem::take(&mut s.queue)
    }
}

impl<T> Discipline<T> for Queue<T> {
    fn capacity(&self) -> Option<usize> {
        Some(self.cap)
    }

    fn len(&self) -> usize {
        self.lock().queue.len()
    }

    fn is_disconnected(&self) -> bool {
        self.lock().sides.disconnected
    }

    #[inline]
    fn try_send(&self, msg: T) -> Result<(), TrySendError<T>> {
        locked::try_send(self, msg)
    }

    #[inline]
    fn try_recv(&self) -> Result<T, TryRecvError> {
        locked::try_recv(self)
    }

    /// The common case first (room, no waiting receiver: `offer`'s queueing branch), decided
    /// in one lock hold with no wake list; anything else continues in `locked::send` within
    /// the same hold (ADR 102).
    #[inline]
    fn send(&self, msg: T, deadline: Option<Instant>) -> Result<(), SendTimeoutError<T>> {
        let mut g = self.lock();
        if !g.sides.disconnected && self.has_room(&g) && g.sides.receivers.is_empty() {
            g.queue.push_back(msg);
            // Relaxed: a hint (step 6); the lock orders the queue itself.
            self.len_hint.store(g.queue.len(), Relaxed);
            self.state.bump(); // a message: receives may be ready (the select's change count)
            return Ok(());
        }
        locked::send(self, Some(g), msg, deadline)
    }

    /// The common case first (a queued message beyond the reserved ones, no blocked sender to
    /// refill from: `take`'s plain pop), as in `send`.
    #[inline]
    fn recv(&self, deadline: Option<Instant>) -> Result<T, RecvTimeoutError> {
        let mut g = self.lock();
        if g.queue.len() > g.reserved_recv && g.sides.senders.is_empty() {
            if let Some(msg) = g.queue.pop_front() {
                // Relaxed: a hint (step 6); the lock orders the queue itself.
                self.len_hint.store(g.queue.len(), Relaxed);
                self.state.bump(); // a free slot: sends may be ready (the select's change count)
                return Ok(msg);
            }
        }
        locked::recv(self, Some(g), deadline)
    }

    fn disconnect(&self, last_receiver: bool) {
        locked::disconnect(self, last_receiver);
    }

    fn version(&self) -> Version {
        [self.state.version(), 0, 0]
    }

    fn try_reserve_recv(&self, _take: bool) -> Option<Token> {
        let mut g = self.lock();
        if g.queue.len() > g.reserved_recv {
            g.reserved_recv += 1;
            Some(Token::Buffered)
        } else if g.sides.senders.has_partner() {
            // Every slot is reserved by selected senders and a plain sender waits: take its
            // message directly.
            let mut notified = Vec::new();
            let partner = g.sides.senders.claim_partner(&mut notified);
            drop(g);
            complete_all(notified);
            partner.map(Token::Partner)
        } else if g.sides.disconnected {
            Some(Token::Disconnected)
        } else {
            None
        }
    }

    fn try_reserve_send(&self, _take: bool) -> Option<Token> {
        let mut g = self.lock();
        if g.sides.disconnected {
            Some(Token::Disconnected)
        } else if self.has_room(&g) {
            g.reserved_send += 1;
            Some(Token::Buffered)
        } else {
            None
        }
    }

    fn register_recv(&self, oper: usize, cx: &Arc<Context>, _observe: bool) -> (bool, *mut ()) {
        let mut g = self.lock();
        let ready = g.queue.len() > g.reserved_recv || g.sides.senders.has_partner();
        if !ready && !g.sides.disconnected {
            g.sides.receivers.push(Entry {
                cx: cx.clone(),
                oper,
                packet: core::ptr::null(),
                mailbox: false,
            });
            self.state.bump();
            return (false, core::ptr::null_mut());
        }
        (true, core::ptr::null_mut())
    }

    fn register_send(&self, oper: usize, cx: &Arc<Context>, _observe: bool) -> (bool, *mut ()) {
        let mut g = self.lock();
        let ready = g.sides.disconnected || self.has_room(&g);
        if !ready {
            g.sides.senders.push(Entry {
                cx: cx.clone(),
                oper,
                packet: core::ptr::null(),
                mailbox: false,
            });
            self.state.bump();
        }
        (ready, core::ptr::null_mut())
    }

    fn unregister(&self, cx: &Arc<Context>, recv_side: bool) {
        locked::unregister(self, cx, recv_side);
    }

    fn notify_one(&self, recv_side: bool) {
        locked::notify_one(self, recv_side);
    }

    fn read(&self, token: Token) -> Result<T, RecvError> {
        match locked::read_handoff(token) {
            Ok(r) => r,
            Err(Token::Buffered) => {
                let mut g = self.lock();
                g.reserved_recv -= 1;
                let msg = g.queue.pop_front().expect("a reservation holds a message");
                self.state.bump();
                let w = if g.sides.senders.is_empty() {
                    None
                } else {
                    g.sides.senders.claim_one()
                };
                drop(g);
                if let Some(e) = w {
                    Context::complete(e.cx);
                }
                Ok(msg)
            }
            Err(t) => unreachable!("a locked-queue receive never holds {t:?}"),
        }
    }

    fn write(&self, token: Token, msg: T) -> Result<(), SendError<T>> {
        match locked::write_handoff(token, msg) {
            Ok(r) => r,
            Err((Token::Buffered, msg)) => {
                let mut g = self.lock();
                g.reserved_send -= 1;
                if g.sides.disconnected {
                    return Err(SendError(msg));
                }
                g.queue.push_back(msg);
                self.state.bump();
                let w = if g.sides.receivers.is_empty() {
                    None
                } else {
                    g.sides.receivers.claim_one()
                };
                drop(g);
                if let Some(e) = w {
                    Context::complete(e.cx);
                }
                Ok(())
            }
            Err((t, _)) => unreachable!("a locked-queue send never holds {t:?}"),
        }
    }

    fn release(&self, token: Token, recv_side: bool) {
        match locked::release_handoff(self, token, recv_side) {
            None => {}
            Some(Token::Buffered) => {
                let mut g = self.lock();
                let w = if recv_side {
                    g.reserved_recv -= 1;
                    g.sides.receivers.claim_one()
                } else {
                    g.reserved_send -= 1;
                    g.sides.senders.claim_one()
                };
                // A message or slot is free again.
                self.state.bump();
                drop(g);
                if let Some(e) = w {
                    Context::complete(e.cx);
                }
            }
            Some(t) => unreachable!("a locked-queue operation never holds {t:?}"),
        }
    }
}
