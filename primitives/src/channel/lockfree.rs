//! The lock-free disciplines (ADR 025): `bounded(n)`, 2 ≤ n ≤ [`RING_MAX`], on a stamped ring
//! (`ring.rs`), and `unbounded()` on a block list (`list.rs`). The messages live in the
//! [`Buffer`]; the lock guards only the waiter queues and `disconnected` ([`Sides`]), and is
//! taken only when someone waits.
//!
//! # Protocol
//! * R0. `send`/`recv` first try one inlined round of the buffer's algorithm
//!   (`push_fast`/`pop_fast`: no loop, no backoff, no block installation) followed by the same
//!   `notify`; anything it does not decide goes to the out-of-line `send_slow`/`recv_slow`
//!   (the general steps below, unchanged). ADR 026.
//! * R1. A blocked `send`/`recv` (after a short poll) registers an *observer* entry under the
//!   lock, publishes the queue lengths in `rx_waiting`/`tx_waiting`, then re-checks the buffer
//!   after a SeqCst fence; if ready it removes its entry and retries, else it waits. A
//!   notification only wakes it to retry (`locked.rs` step 3); there is no direct hand-off.
//! * R2. The Dekker pair: a push/pop is followed by `fence(SeqCst)` and a Relaxed read of the
//!   other side's waiting count; only a non-zero count takes the lock to claim one waiter.
//!   With the registering side's fence between its count store and its buffer re-check, at
//!   least one of the two sees the other: no lost wake-up, and no lock when nobody waits.
//! * R3. `closed` mirrors `disconnected` (Release store in `disconnect`, Acquire loads on the
//!   fast paths). A receiver that sees it pops once more, so messages sent before the last
//!   sender left are still delivered. The last receiver drains the buffer; a send racing it
//!   leaves its message in the buffer, dropped with the channel (once).
//! * R4. A select receive takes its message when selected (`try_reserve_recv(take)` pops it
//!   into a boxed packet; `Select::ready` only reports readiness), so completing it never waits
//!   on one channel while the messages go to the select's others (the select_both hang, ADR
//!   025). A select send on a ring claims its slot when selected (ring.rs step 5) and `write`
//!   fills it, so it never waits on one channel either; a dropped, uncompleted send leaves a
//!   hole that the next reader skips. On a list (never full) a select send reserves nothing.

use super::drops::drop_each;
use super::error::{RecvError, RecvTimeoutError, SendError, SendTimeoutError};
use super::error::{TryRecvError, TrySendError};
use super::handoff::{self, Discipline, InlineMsg, Sides, Token, Version};
use super::list::List;
use super::lock::{Guard, Lock};
use super::ring::Ring;
use super::waiter::{Context, Entry, Woken};
use crate::deadline::instant_now;
use crate::sync::atomic::{
    fence, AtomicBool, AtomicUsize,
    Ordering::{Acquire, Relaxed, Release, SeqCst},
};
use crate::sync::Arc;
use crate::time::Instant;
use std::collections::VecDeque;

/// Largest capacity served by the lock-free ring: its slots are allocated and stamped up front,
/// so a larger capacity stays on the locked queue (`queue.rs`), whose memory follows occupancy.
pub(crate) const RING_MAX: usize = 1 << 24;

/// A lock-free message buffer (the ring or the list) as the protocol above uses it.
pub(crate) trait Buffer<T> {
    /// One uncontended attempt, inlined into `send` (ring.rs / list.rs `try_push_fast`);
    /// `Err(msg)`: undecided, use [`push`](Self::push).
    fn push_fast(&self, msg: T) -> Result<(), T>;
    /// One uncontended attempt, inlined into `recv`; `None`: undecided, use [`pop`](Self::pop).
    fn pop_fast(&self) -> Option<T>;
    /// Pushes; `Err(msg)` if full.
    fn push(&self, msg: T) -> Result<(), T>;
    /// Pops a message; sets `*freed` if a ring hole (ring.rs step 5) was skipped, which freed
    /// a slot even when `None` is returned.
    fn pop(&self, freed: &mut bool) -> Option<T>;
    /// The last receiver's drain: never waits for a slot being written (ring.rs).
    fn drain_pop(&self) -> Option<T>;
    /// Positions that every operation moves (ring.rs / list.rs `version`).
    fn version(&self) -> [usize; 2];
    /// Queued messages (a snapshot).
    fn len(&self) -> usize;
    /// `Some(cap)` for the ring, `None` for the list.
    fn capacity(&self) -> Option<usize>;
    /// `true` if a message is queued (a snapshot).
    fn has_msg(&self) -> bool;
    /// `true` if a push would find room (a snapshot).
    fn has_room(&self) -> bool;
    /// Step R4: a select send's reservation. The ring claims a slot when `take`; otherwise (and
    /// always for the list) a readiness verdict.
    fn reserve_send(&self, take: bool) -> Option<Token>;
    /// Fills a slot claimed by [`reserve_send`](Self::reserve_send).
    ///
    /// # Safety
    /// `pos` is this operation's unresolved claim (tokens are moved, so used once).
    unsafe fn write_claimed(&self, pos: usize, msg: T);
    /// Gives a claimed slot back: `true` if undone (free again), `false` if it became a hole.
    ///
    /// # Safety
    /// As for [`write_claimed`](Self::write_claimed).
    unsafe fn abandon(&self, pos: usize) -> bool;
}

impl<T> Buffer<T> for Ring<T> {
    #[inline(always)]
    fn push_fast(&self, msg: T) -> Result<(), T> {
        self.try_push_fast(msg)
    }
    #[inline(always)]
    fn pop_fast(&self) -> Option<T> {
        self.try_pop_fast()
    }
    #[inline]
    fn push(&self, msg: T) -> Result<(), T> {
        Ring::push(self, msg).map_err(|f| f.0)
    }
    #[inline]
    fn pop(&self, freed: &mut bool) -> Option<T> {
        self.pop_skipping(freed)
    }
    fn drain_pop(&self) -> Option<T> {
        self.pop_no_wait()
    }
    fn version(&self) -> [usize; 2] {
        Ring::version(self)
    }
    fn len(&self) -> usize {
        Ring::len(self)
    }
    fn capacity(&self) -> Option<usize> {
        Some(self.cap())
    }
    fn has_msg(&self) -> bool {
        Ring::len(self) > 0
    }
    fn has_room(&self) -> bool {
        Ring::len(self) < self.cap()
    }
    fn reserve_send(&self, take: bool) -> Option<Token> {
        if take {
            // Step R4: own the slot, so completing the send never waits on this channel while
            // the select's other cases have room.
            self.claim().map(Token::Slot)
        } else {
            // `Select::ready` only wants a verdict.
            self.has_room().then_some(Token::Buffered)
        }
    }
    unsafe fn write_claimed(&self, pos: usize, msg: T) {
        // SAFETY: the caller's contract.
        unsafe { Ring::write_claimed(self, pos, msg) }
    }
    unsafe fn abandon(&self, pos: usize) -> bool {
        // SAFETY: the caller's contract.
        unsafe { Ring::abandon(self, pos) }
    }
}

impl<T> Buffer<T> for List<T> {
    #[inline(always)]
    fn push_fast(&self, msg: T) -> Result<(), T> {
        self.try_push_fast(msg)
    }
    #[inline(always)]
    fn pop_fast(&self) -> Option<T> {
        self.try_pop_fast()
    }
    #[inline]
    fn push(&self, msg: T) -> Result<(), T> {
        List::push(self, msg);
        Ok(())
    }
    #[inline]
    fn pop(&self, _freed: &mut bool) -> Option<T> {
        List::pop(self)
    }
    fn drain_pop(&self) -> Option<T> {
        List::pop(self)
    }
    fn version(&self) -> [usize; 2] {
        List::version(self)
    }
    fn len(&self) -> usize {
        List::len(self)
    }
    fn capacity(&self) -> Option<usize> {
        None
    }
    fn has_msg(&self) -> bool {
        !self.is_empty()
    }
    fn has_room(&self) -> bool {
        true
    }
    fn reserve_send(&self, _take: bool) -> Option<Token> {
        // A list always has room; `write` pushes.
        Some(Token::Buffered)
    }
    unsafe fn write_claimed(&self, _pos: usize, _msg: T) {
        unreachable!("slot tokens come from rings")
    }
    unsafe fn abandon(&self, _pos: usize) -> bool {
        unreachable!("slot tokens come from rings")
    }
}

/// A channel on a lock-free buffer `B`.
#[derive(Debug)]
pub(crate) struct LockFree<B> {
    buf: B,
    /// The waiter queues; messages never live here.
    sides: Lock<Sides>,
    /// `sides.receivers.len()` as of the last change under the lock; read by a sender after its
    /// push to decide whether to notify (the fence pair, step R2).
    rx_waiting: AtomicUsize,
    /// `sides.senders.len()`, read by a receiver after its pop (step R2).
    tx_waiting: AtomicUsize,
    /// A copy of `sides.disconnected` for the lock-free fast paths (step R3).
    closed: AtomicBool,
}

impl<B> LockFree<B> {
    pub(crate) fn new(buf: B) -> LockFree<B> {
        LockFree {
            buf,
            sides: Lock::new(Sides::default()),
            rx_waiting: AtomicUsize::new(0),
            tx_waiting: AtomicUsize::new(0),
            closed: AtomicBool::new(false),
        }
    }

    #[inline]
    fn lock(&self) -> Guard<'_, Sides> {
        // No user code runs under the lock (`T`'s drops happen after unlocking), so there is
        // nothing to poison.
        self.sides.lock()
    }

    /// Publishes the waiter-queue lengths for step R2 (call under the lock after any change to
    /// them).
    #[inline]
    fn sync_waiting(&self, g: &Sides) {
        // Relaxed: the SeqCst fences of step R2 order these stores against the pushes/pops.
        self.rx_waiting.store(g.receivers.len(), Relaxed);
        self.tx_waiting.store(g.senders.len(), Relaxed);
    }

    /// Step R2 (notifier side): after a push (`recv_side == true`) or a pop, wake one
    /// registered waiter of the other side if there is any.
    #[inline(always)]
    fn notify(&self, recv_side: bool) {
        // The Dekker pair with the fence in `register` (step R2). Our push/pop claimed its
        // position with a SeqCst RMW on `tail`/`head` (ring.rs, list.rs); this SeqCst load
        // follows it. C++20 [atomics.order]/4.3 + 4.2: if the waiter's re-check (after its
        // SeqCst fence) missed our RMW, its fence precedes our RMW in the single total order,
        // so our SeqCst load, later in that order, sees its count store. On x86 both cost
        // nothing extra (a locked RMW, a plain load). loom models SeqCst accesses as AcqRel,
        // so under the models a fence stands in for the RMW's ordering (the fence-fence form
        // of the same pair, which loom checks).
        if crate::sync::MODEL {
            fence(SeqCst);
        }
        let waiting = if recv_side {
            &self.rx_waiting
        } else {
            &self.tx_waiting
        };
        if waiting.load(SeqCst) != 0 {
            self.notify_slow(recv_side);
        }
    }

    #[cold]
    fn notify_slow(&self, recv_side: bool) {
        let mut g = self.lock();
        let w = g.side(recv_side).claim_one();
        self.sync_waiting(&g);
        drop(g);
        if let Some(e) = w {
            Context::complete(e.cx);
        }
    }

    /// Step R1: registers an observer entry for `cx` on one side, then (after the fence of step
    /// R2) re-checks with `ready`. `Some(true)`: ready, nothing stays registered;
    /// `Some(false)`: registered, wait; `None`: disconnected, nothing registered.
    fn register(
        &self,
        cx: &Arc<Context>,
        oper: usize,
        recv_side: bool,
        ready: impl FnOnce() -> bool,
    ) -> Option<bool> {
        let mut g = self.lock();
        if g.disconnected {
            return None;
        }
        g.side(recv_side).push(Entry {
            cx: cx.clone(),
            oper,
            packet: core::ptr::null(),
            mailbox: false,
        });
        self.sync_waiting(&g);
        // SeqCst fence: the partner of the fence in `notify` (step R2).
        fence(SeqCst);
        if ready() {
            let removed = g.side(recv_side).remove(cx);
            self.sync_waiting(&g);
            drop(g);
            drop(removed);
            return Some(true);
        }
        Some(false)
    }

    /// Removes `cx`'s entries from one side (after a wait that did not end selected, or a
    /// select's step 4).
    fn remove_entries(&self, cx: &Arc<Context>, recv_side: bool) {
        let mut g = self.lock();
        let removed = g.side(recv_side).remove(cx);
        self.sync_waiting(&g);
        drop(g);
        drop(removed);
    }
}

impl<B> LockFree<B> {
    /// Step R0 for `send`: one inlined round of the buffer's algorithm (`try_send_buf`'s first
    /// step, without its loop) and the notify. `Err(msg)`: undecided (or disconnected), the
    /// caller continues with [`send_slow`](Self::send_slow), which decides.
    #[inline(always)]
    pub(crate) fn send_fast<T>(&self, msg: T) -> Result<(), T>
    where
        B: Buffer<T>,
    {
        // Acquire: partner of the Release store in `disconnect` (step R3).
        if self.closed.load(Acquire) {
            return Err(msg);
        }
        self.buf.push_fast(msg)?;
        self.notify(true);
        Ok(())
    }

    /// Step R0 for `recv`, as [`send_fast`](Self::send_fast). `None`: undecided, the caller
    /// continues with [`recv_slow`](Self::recv_slow).
    #[inline(always)]
    pub(crate) fn recv_fast<T>(&self) -> Option<T>
    where
        B: Buffer<T>,
    {
        let m = self.buf.pop_fast()?;
        self.notify(false);
        Some(m)
    }

    /// Non-blocking send (step R3 for disconnection).
    #[inline]
    fn try_send_buf<T>(&self, msg: T) -> Result<(), TrySendError<T>>
    where
        B: Buffer<T>,
    {
        // Acquire: partner of the Release store in `disconnect`.
        if self.closed.load(Acquire) {
            return Err(TrySendError::Disconnected(msg));
        }
        match self.buf.push(msg) {
            Ok(()) => {
                self.notify(true);
                Ok(())
            }
            Err(m) => Err(TrySendError::Full(m)),
        }
    }

    /// Non-blocking receive (step R3: after `closed` is seen, one more pop collects messages
    /// sent before the last sender left).
    #[inline]
    fn try_recv_buf<T>(&self) -> Result<T, TryRecvError>
    where
        B: Buffer<T>,
    {
        let mut freed = false;
        if let Some(m) = self.buf.pop(&mut freed) {
            self.notify(false);
            return Ok(m);
        }
        // Acquire: partner of the Release store in `disconnect`: every send of the departed
        // senders happened before.
        if self.closed.load(Acquire) {
            return match self.buf.pop(&mut freed) {
                Some(m) => {
                    self.notify(false);
                    Ok(m)
                }
                None => Err(TryRecvError::Disconnected),
            };
        }
        if freed {
            // Only holes were skipped (ring.rs step 5): their slots are free for senders.
            self.notify(false);
        }
        Err(TryRecvError::Empty)
    }

    /// Blocking send (steps R1–R2).
    #[inline(never)]
    pub(crate) fn send_slow<T>(
        &self,
        mut msg: T,
        deadline: Option<Instant>,
    ) -> Result<(), SendTimeoutError<T>>
    where
        B: Buffer<T>,
    {
        let mut expired = false;
        let mut polled = false;
        loop {
            match self.try_send_buf(msg) {
                Ok(()) => return Ok(()),
                Err(TrySendError::Disconnected(m)) => {
                    return Err(SendTimeoutError::Disconnected(m))
                }
                Err(TrySendError::Full(m)) => msg = m,
            }
            if expired || deadline.is_some_and(|d| instant_now() >= d) {
                return Err(SendTimeoutError::Timeout(msg));
            }
            if !polled {
                polled = true;
                handoff::poll_before_wait(|| self.buf.has_room());
                continue;
            }
            let cx = Context::new();
            match self.register(&cx, 0, false, || self.buf.has_room()) {
                None => return Err(SendTimeoutError::Disconnected(msg)),
                Some(true) => continue,
                Some(false) => {}
            }
            let woken = cx.wait_until(deadline);
            expired |= woken == Woken::TimedOut;
            if !matches!(woken, Woken::Selected(_)) {
                self.remove_entries(&cx, false);
            }
            if let Woken::CannotBlock(e) = woken {
                // A timed call spins out its timeout instead (ADR 022): loop and re-check.
                if deadline.is_none() {
                    panic!("channel send would block: {e}");
                }
            }
        }
    }

    /// Blocking receive (steps R1–R2).
    #[inline(never)]
    pub(crate) fn recv_slow<T>(&self, deadline: Option<Instant>) -> Result<T, RecvTimeoutError>
    where
        B: Buffer<T>,
    {
        let mut expired = false;
        let mut polled = false;
        loop {
            match self.try_recv_buf() {
                Ok(m) => return Ok(m),
                Err(TryRecvError::Disconnected) => return Err(RecvTimeoutError::Disconnected),
                Err(TryRecvError::Empty) => {}
            }
            if expired || deadline.is_some_and(|d| instant_now() >= d) {
                return Err(RecvTimeoutError::Timeout);
            }
            if !polled {
                polled = true;
                handoff::poll_before_wait(|| self.buf.has_msg());
                continue;
            }
            let cx = Context::new();
            // `closed` counts as ready: the retry reports the disconnection.
            // Relaxed: re-checked with Acquire in `try_recv_buf`.
            match self.register(&cx, 0, true, || {
                self.buf.has_msg() || self.closed.load(Relaxed)
            }) {
                None | Some(true) => continue,
                Some(false) => {}
            }
            let woken = cx.wait_until(deadline);
            expired |= woken == Woken::TimedOut;
            if !matches!(woken, Woken::Selected(_)) {
                self.remove_entries(&cx, true);
            }
            if let Woken::CannotBlock(e) = woken {
                // A timed call spins out its timeout instead (ADR 022): loop and re-check.
                if deadline.is_none() {
                    panic!("channel recv would block: {e}");
                }
            }
        }
    }
}

impl<T, B: Buffer<T>> Discipline<T> for LockFree<B> {
    fn capacity(&self) -> Option<usize> {
        self.buf.capacity()
    }

    fn len(&self) -> usize {
        self.buf.len()
    }

    fn is_disconnected(&self) -> bool {
        self.lock().disconnected
    }

    #[inline]
    fn try_send(&self, msg: T) -> Result<(), TrySendError<T>> {
        self.try_send_buf(msg)
    }

    #[inline]
    fn try_recv(&self) -> Result<T, TryRecvError> {
        self.try_recv_buf()
    }

    /// Step R0: one inlined attempt ([`send_fast`](Self::send_fast)) before the out-of-line
    /// general path.
    #[inline]
    fn send(&self, msg: T, deadline: Option<Instant>) -> Result<(), SendTimeoutError<T>> {
        match self.send_fast(msg) {
            Ok(()) => Ok(()),
            Err(msg) => self.send_slow(msg, deadline),
        }
    }

    /// Step R0, as `send`.
    #[inline]
    fn recv(&self, deadline: Option<Instant>) -> Result<T, RecvTimeoutError> {
        match self.recv_fast() {
            Some(m) => Ok(m),
            None => self.recv_slow(deadline),
        }
    }

    /// Step R3 (and `locked.rs` step 5).
    fn disconnect(&self, last_receiver: bool) {
        let mut claimed = Vec::new();
        let mut g = self.lock();
        g.disconnected = true;
        // Release: partner of the Acquire loads in `try_send_buf` / `try_recv_buf` (step R3).
        self.closed.store(true, Release);
        g.senders.claim_all(&mut claimed);
        g.receivers.claim_all(&mut claimed);
        self.sync_waiting(&g);
        drop(g);
        let mut dropped = VecDeque::new();
        if last_receiver {
            // Step R3: the last receiver drains the buffer; later sends fail on `closed`, and
            // any that raced past it (or whose slot is still being written, ring.rs step 5)
            // are dropped with the buffer.
            while let Some(m) = self.buf.drain_pop() {
                dropped.push_back(m);
            }
        }
        handoff::complete_all(claimed);
        // User `Drop` impls run outside the lock, one at a time (a panicking one must not
        // abort).
        drop_each(dropped);
    }

    /// Step R4 for `take`; `Select::ready` gets a readiness verdict only.
    fn try_reserve_recv(&self, take: bool) -> Option<Token> {
        if take {
            // Step R4: the message moves into the token (≤ two words, ADR 106) or a boxed
            // packet owned by the selected operation, so completing it never waits on this
            // channel alone.
            return match self.try_recv_buf() {
                Ok(m) => Some(match InlineMsg::new(m) {
                    Ok(inline) => Token::Inline(inline),
                    Err(m) => Token::Boxed(handoff::box_packet(Some(m))),
                }),
                Err(TryRecvError::Disconnected) => Some(Token::Disconnected),
                Err(TryRecvError::Empty) => None,
            };
        }
        // `Select::ready`: a readiness verdict only (the caller follows up itself).
        if self.buf.has_msg() {
            Some(Token::Buffered)
        } else if self.closed.load(Acquire) {
            // Acquire: as in `try_recv_buf`; re-check for messages sent before.
            Some(if self.buf.has_msg() {
                Token::Buffered
            } else {
                Token::Disconnected
            })
        } else {
            None
        }
    }

    fn version(&self) -> Version {
        let [head, tail] = self.buf.version();
        // SeqCst: as the positions (ring.rs `version`); `closed` is set once, so with the
        // positions it covers every change a select case can see.
        [head, tail, self.closed.load(SeqCst) as usize]
    }

    fn try_reserve_send(&self, take: bool) -> Option<Token> {
        // Acquire: as in `try_send_buf`.
        if self.closed.load(Acquire) {
            return Some(Token::Disconnected);
        }
        self.buf.reserve_send(take)
    }

    fn register_recv(&self, oper: usize, cx: &Arc<Context>, _observe: bool) -> (bool, *mut ()) {
        // Entries here are always observers. Relaxed: `closed` is re-read with Acquire by the
        // retry.
        let ready = self.register(cx, oper, true, || {
            self.buf.has_msg() || self.closed.load(Relaxed)
        });
        (ready != Some(false), core::ptr::null_mut())
    }

    fn register_send(&self, oper: usize, cx: &Arc<Context>, _observe: bool) -> (bool, *mut ()) {
        let ready = self.register(cx, oper, false, || self.buf.has_room()) != Some(false);
        (ready, core::ptr::null_mut())
    }

    fn unregister(&self, cx: &Arc<Context>, recv_side: bool) {
        self.remove_entries(cx, recv_side);
    }

    fn notify_one(&self, recv_side: bool) {
        self.notify_slow(recv_side);
    }

    fn read(&self, token: Token) -> Result<T, RecvError> {
        match token {
            Token::Boxed(p) => {
                // SAFETY: `p` is the packet `try_reserve_recv` filled; tokens are moved.
                let m = unsafe { handoff::unbox_packet::<T>(p) };
                Ok(m.expect("a selected packet is full"))
            }
            // SAFETY: made by `try_reserve_recv` of this channel, so of this `T`; tokens are moved.
            Token::Inline(inline) => Ok(unsafe { inline.take::<T>() }),
            Token::Disconnected | Token::Timer(_) => Err(RecvError),
            Token::Buffered => {
                unreachable!("a selected receive on a lock-free buffer holds its message (R4)")
            }
            t => unreachable!("a lock-free receive never holds {t:?}"),
        }
    }

    fn write(&self, token: Token, msg: T) -> Result<(), SendError<T>> {
        match token {
            Token::Slot(pos) => {
                // Acquire: as in `try_send_buf`. A disconnection after this check leaves the
                // message in the ring, dropped with the channel once (step R3).
                if self.closed.load(Acquire) {
                    // SAFETY: `pos` is this operation's unresolved claim (tokens are moved).
                    // No receiver is left to care whether it became a hole.
                    let _ = unsafe { self.buf.abandon(pos) };
                    return Err(SendError(msg));
                }
                // SAFETY: as above.
                unsafe { self.buf.write_claimed(pos, msg) };
                // Step R2 (notifier side): the claim's SeqCst RMW on `tail` came first.
                self.notify(true);
                Ok(())
            }
            // Step R4: a list (never full), so this send does not wait.
            Token::Buffered => self.send(msg, None).map_err(|e| match e {
                SendTimeoutError::Disconnected(m) | SendTimeoutError::Timeout(m) => SendError(m),
            }),
            _ => Err(SendError(msg)),
        }
    }

    fn release(&self, token: Token, _recv_side: bool) {
        match token {
            Token::Buffered => {} // step R4: nothing was reserved
            Token::Slot(pos) => {
                // SAFETY: `pos` is this operation's unresolved claim (tokens are moved).
                if unsafe { self.buf.abandon(pos) } {
                    // Undone: the slot is free again, as after a pop.
                    self.notify(false);
                } else {
                    // A hole: a receiver that saw the claimed slot may wait for it.
                    self.notify(true);
                }
            }
            Token::Boxed(p) => {
                // Step R4: the message taken at selection goes back into the buffer (at the
                // back: order against later messages is not kept); dropped only if the channel
                // is full or disconnected meanwhile (documented on `SelectedOperation`).
                // SAFETY: our own packet, filled by `try_reserve_recv`, unaliased.
                if let Some(m) = unsafe { handoff::unbox_packet::<T>(p) } {
                    let _ = self.try_send_buf(m);
                }
            }
            Token::Inline(inline) => {
                // As `Boxed` above.
                // SAFETY: made by `try_reserve_recv` of this channel, so of this `T`.
                let _ = self.try_send_buf(unsafe { inline.take::<T>() });
            }
            Token::Partner(_) | Token::Disconnected | Token::Timer(_) => {}
        }
    }
}
