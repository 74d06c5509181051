//! One channel of `bounded`/`unbounded`: its handle counts and the discipline that buffers
//! its messages, chosen by capacity when it is made.
//!
//! | capacity | discipline | file |
//! |---|---|---|
//! | `unbounded()` | lock-free block list | `lockfree.rs` over `list.rs` |
//! | `bounded(n)`, 2 ≤ n ≤ 2²⁴ | lock-free stamped ring | `lockfree.rs` over `ring.rs` |
//! | `bounded(1)`, `bounded(n > 2²⁴)` | locked `VecDeque` | `queue.rs` over `locked.rs` |
//! | `bounded(0)` | none: direct hand-off | `rendezvous.rs` over `locked.rs` |
//!
//! Every discipline implements [`Discipline`] (`handoff.rs`), so the handles and the select
//! engine see one protocol; this file only counts handles and dispatches.

use super::error::{RecvError, RecvTimeoutError, SendError, SendTimeoutError};
use super::error::{TryRecvError, TrySendError};
use super::handoff::{Discipline, Token, Version};
use super::list::List;
use super::lockfree::{LockFree, RING_MAX};
use super::queue::Queue;
use super::rendezvous::Rendezvous;
use super::ring::Ring;
use super::waiter::{Context, Entry};
use crate::sync::atomic::{
    AtomicUsize,
    Ordering::{AcqRel, Relaxed},
};
use crate::sync::Arc;
use crate::time::Instant;
use core::marker::PhantomData;

/// One channel (all handles share it through an `Arc`).
#[derive(Debug)]
pub(crate) struct Chan<T> {
    /// Live `Sender` handles; the last one to go disconnects.
    pub(crate) senders: AtomicUsize,
    /// Live `Receiver` handles; the last one to go disconnects and drops what is queued.
    pub(crate) receivers: AtomicUsize,
    discipline: Buffering<T>,
}

/// Where a channel's messages wait (see the table above). The hot paths test the two
/// lock-free variants first and call out of line for the others: a four-way `match` compiles to
/// an indirect jump that cost the seq cells ~1 ns (ADR 051).
#[derive(Debug)]
enum Buffering<T> {
    /// `unbounded()`.
    List(LockFree<List<T>>),
    /// `bounded(n)`, 2 ≤ n ≤ [`RING_MAX`].
    Ring(LockFree<Ring<T>>),
    /// `bounded(1)`, `bounded(n > RING_MAX)`, or a ring whose memory could not be reserved.
    Queue(Queue<T>),
    /// `bounded(0)`.
    Rendezvous(Rendezvous, PhantomData<fn(T) -> T>),
}

/// Calls the same [`Discipline`] method on whichever discipline `$chan` uses.
macro_rules! dispatch {
    ($chan:expr, $d:ident => $call:expr) => {
        match &$chan.discipline {
            Buffering::List($d) => $call,
            Buffering::Ring($d) => $call,
            Buffering::Queue($d) => $call,
            Buffering::Rendezvous($d, _) => $call,
        }
    };
}

impl<T> Chan<T> {
    /// `None`: unbounded; `Some(0)`: rendezvous; `Some(n)`: at most `n` queued messages.
    pub(crate) fn new(cap: Option<usize>) -> Chan<T> {
        let discipline = match cap {
            None => Buffering::List(LockFree::new(List::new())),
            Some(0) => Buffering::Rendezvous(Rendezvous::new(), PhantomData),
            Some(c) => match (2..=RING_MAX).contains(&c).then(|| Ring::new(c)).flatten() {
                Some(r) => Buffering::Ring(LockFree::new(r)),
                None => Buffering::Queue(Queue::new(c)),
            },
        };
        Chan {
            senders: AtomicUsize::new(1),
            receivers: AtomicUsize::new(1),
            discipline,
        }
    }

    pub(crate) fn capacity(&self) -> Option<usize> {
        dispatch!(self, d => Discipline::<T>::capacity(d))
    }

    pub(crate) fn len(&self) -> usize {
        dispatch!(self, d => Discipline::<T>::len(d))
    }

    pub(crate) fn is_disconnected(&self) -> bool {
        dispatch!(self, d => Discipline::<T>::is_disconnected(d))
    }

    /// Non-blocking send.
    #[inline]
    pub(crate) fn try_send(&self, msg: T) -> Result<(), TrySendError<T>> {
        dispatch!(self, d => d.try_send(msg))
    }

    /// Non-blocking receive.
    #[inline]
    pub(crate) fn try_recv(&self) -> Result<T, TryRecvError> {
        dispatch!(self, d => d.try_recv())
    }

    /// Blocking send with an optional deadline.
    ///
    /// # Panics
    /// If the thread cannot block (`futex::WaitError`) and no deadline was given.
    #[inline]
    pub(crate) fn send(
        &self,
        msg: T,
        deadline: Option<Instant>,
    ) -> Result<(), SendTimeoutError<T>> {
        match self.send_fast(msg) {
            Ok(()) => Ok(()),
            Err(msg) => self.send_rest(msg, deadline),
        }
    }

    /// The inlined first attempt of `send` (lockfree.rs step R0 on the two lock-free
    /// disciplines; the others decide nothing here). `Err(msg)`: not decided, continue with
    /// [`send_rest`](Self::send_rest). Split from it so the handles' `send` can keep this part
    /// inline and call the rest as its tail (ADR 127).
    #[inline(always)]
    pub(crate) fn send_fast(&self, msg: T) -> Result<(), T> {
        // Two inlined arms, not a four-way jump table (see `Buffering`).
        match &self.discipline {
            Buffering::List(d) => d.send_fast(msg),
            Buffering::Ring(d) => d.send_fast(msg),
            _ => Err(msg),
        }
    }

    /// `send` after [`send_fast`](Self::send_fast) did not decide: the lock-free disciplines'
    /// general path (`send_slow`), or the whole `send` of the lock-based ones.
    #[inline]
    pub(crate) fn send_rest(
        &self,
        msg: T,
        deadline: Option<Instant>,
    ) -> Result<(), SendTimeoutError<T>> {
        match &self.discipline {
            Buffering::List(d) => d.send_slow(msg, deadline),
            Buffering::Ring(d) => d.send_slow(msg, deadline),
            Buffering::Queue(d) => d.send(msg, deadline),
            Buffering::Rendezvous(d, _) => d.send(msg, deadline),
        }
    }

    /// Blocking receive with an optional deadline.
    ///
    /// # Panics
    /// If the thread cannot block (`futex::WaitError`) and no deadline was given.
    #[inline]
    pub(crate) fn recv(&self, deadline: Option<Instant>) -> Result<T, RecvTimeoutError> {
        match self.recv_fast() {
            Some(m) => Ok(m),
            None => self.recv_rest(deadline),
        }
    }

    /// The inlined first attempt of `recv` (as [`send_fast`](Self::send_fast)). `None`: not
    /// decided, continue with [`recv_rest`](Self::recv_rest).
    #[inline(always)]
    pub(crate) fn recv_fast(&self) -> Option<T> {
        match &self.discipline {
            Buffering::List(d) => d.recv_fast(),
            Buffering::Ring(d) => d.recv_fast(),
            _ => None,
        }
    }

    /// `recv` after [`recv_fast`](Self::recv_fast) did not decide (as
    /// [`send_rest`](Self::send_rest)).
    #[inline]
    pub(crate) fn recv_rest(&self, deadline: Option<Instant>) -> Result<T, RecvTimeoutError> {
        match &self.discipline {
            Buffering::List(d) => d.recv_slow(deadline),
            Buffering::Ring(d) => d.recv_slow(deadline),
            Buffering::Queue(d) => d.recv(deadline),
            Buffering::Rendezvous(d, _) => d.recv(deadline),
        }
    }

    /// Drops a sender handle's count; disconnects on the last.
    pub(crate) fn release_sender(&self) {
        // AcqRel: pairs with the other handles' decrements, so the last one sees all their
        // effects before disconnecting.
        if self.senders.fetch_sub(1, AcqRel) == 1 {
            dispatch!(self, d => Discipline::<T>::disconnect(d, false));
        }
    }

    /// Drops a receiver handle's count; disconnects (and drops the queue) on the last.
    pub(crate) fn release_receiver(&self) {
        // AcqRel: as in `release_sender`.
        if self.receivers.fetch_sub(1, AcqRel) == 1 {
            dispatch!(self, d => Discipline::<T>::disconnect(d, true));
        }
    }

    /// Counts a cloned handle.
    pub(crate) fn acquire(counter: &AtomicUsize) {
        // Relaxed: a clone is made from a live handle, which already keeps the count > 0.
        counter.fetch_add(1, Relaxed);
    }

    // ---- select support ----

    /// The change stamp for a non-blocking select's double collect.
    pub(crate) fn version(&self) -> Version {
        dispatch!(self, d => Discipline::<T>::version(d))
    }

    /// Reserves a message for a selected receive (`take`: see [`Discipline`]).
    pub(crate) fn try_reserve_recv(&self, take: bool) -> Option<Token> {
        dispatch!(self, d => Discipline::<T>::try_reserve_recv(d, take))
    }

    /// Reserves a slot (or a waiting receiver) for a selected send.
    pub(crate) fn try_reserve_send(&self, take: bool) -> Option<Token> {
        dispatch!(self, d => Discipline::<T>::try_reserve_send(d, take))
    }

    /// Registers a select's receive case; `(ready, packet)`.
    pub(crate) fn register_recv(
        &self,
        oper: usize,
        cx: &Arc<Context>,
        observe: bool,
    ) -> (bool, *mut ()) {
        dispatch!(self, d => Discipline::<T>::register_recv(d, oper, cx, observe))
    }

    /// Registers a select's send case; `(ready, mailbox)`.
    pub(crate) fn register_send(
        &self,
        oper: usize,
        cx: &Arc<Context>,
        observe: bool,
    ) -> (bool, *mut ()) {
        dispatch!(self, d => Discipline::<T>::register_send(d, oper, cx, observe))
    }

    /// `async_ops.rs` step R2 on a rendezvous channel: queues an async sender with its packet
    /// (`Rendezvous::register_send_packet`); `Some(ready)`. `None` on the buffered
    /// disciplines, whose async senders wait as observers for room.
    pub(crate) fn register_send_packet(
        &self,
        cx: &Arc<Context>,
        packet: *const (),
    ) -> Option<bool> {
        match &self.discipline {
            Buffering::Rendezvous(d, _) => Some(d.register_send_packet(cx, packet)),
            _ => None,
        }
    }

    /// `try_recv` for an async receiver on a rendezvous channel (`None` elsewhere): a claimed
    /// selecting sender comes back as `Err(entry)`, requested without waiting (handoff.rs M4).
    pub(crate) fn try_recv_requesting(&self) -> Option<Result<Result<T, TryRecvError>, Entry>> {
        match &self.discipline {
            Buffering::Rendezvous(d, _) => Some(d.try_recv_requesting()),
            _ => None,
        }
    }

    /// Puts back a message whose async receiver left (rendezvous only, handoff.rs M4);
    /// `Err(msg)` when disconnected or not a rendezvous channel.
    pub(crate) fn park_message(&self, msg: T) -> Result<(), T> {
        match &self.discipline {
            Buffering::Rendezvous(d, _) => d.park_message(msg),
            _ => Err(msg),
        }
    }

    /// `true` for `bounded(0)`.
    pub(crate) fn is_rendezvous(&self) -> bool {
        matches!(self.discipline, Buffering::Rendezvous(..))
    }

    /// Removes a select's entries for `cx` from one side.
    pub(crate) fn unregister(&self, cx: &Arc<Context>, recv_side: bool) {
        dispatch!(self, d => Discipline::<T>::unregister(d, cx, recv_side))
    }

    /// Claims and completes one waiter of one side, if any (`Discipline::notify_one`).
    pub(crate) fn notify_one(&self, recv_side: bool) {
        dispatch!(self, d => Discipline::<T>::notify_one(d, recv_side))
    }

    /// Completes a selected receive.
    pub(crate) fn read(&self, token: Token) -> Result<T, RecvError> {
        dispatch!(self, d => d.read(token))
    }

    /// Completes a selected send.
    pub(crate) fn write(&self, token: Token, msg: T) -> Result<(), SendError<T>> {
        dispatch!(self, d => d.write(token, msg))
    }

    /// Gives back a reservation that will not be completed.
    pub(crate) fn release(&self, token: Token, recv_side: bool) {
        dispatch!(self, d => Discipline::<T>::release(d, token, recv_side))
    }
}
