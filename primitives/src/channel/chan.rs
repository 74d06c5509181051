//! The shared core of `bounded(n)`, `bounded(0)` (rendezvous) and `unbounded()`: Go's `hchan`
//! on threads (CHANNELS.md §2 "Go", §3.2) — one short lock over the buffer and two FIFO waiter
//! queues, direct hand-off for rendezvous, and spin→yield→futex waiting per `waiter.rs`.
//!
//! The buffer disciplines live in [`super::bounded`] (capacity-limited ring whose memory
//! follows occupancy), [`super::unbounded`] and [`super::rendezvous`] (no buffer); this file
//! holds the protocol they share.
//!
//! # Protocol
//! 1. Every check-and-act on the buffer, the waiter queues or `disconnected` happens under
//!    `inner`'s lock, so "I found nothing, I register" and "I pushed, I notify" are atomic with
//!    respect to each other: no fences, no lost wake-ups.
//! 2. Blocked `send`/`recv` calls wait with a *packet* (their message slot, on their stack).
//!    A sender that finds a waiting receiver writes into its packet instead of the queue; a
//!    receiver that pops a slot refills it from the first blocked sender's packet in the same
//!    lock hold (Go's trick, CHANNELS.md §3.3), or takes a blocked sender's message directly
//!    when nothing is queued (rendezvous). The woken waiter finds its packet done: one lock
//!    hold per message, no retry.
//! 3. Entries without a packet (observers: select cases on buffered channels, a select's send
//!    cases, `Select::ready`) are claimed only to notify them; the woken select retries its
//!    case *i* first, so a notification is never passed over while another waiter sleeps. A
//!    plain waiter claimed without its packet being used (disconnect, a reservation given back)
//!    also just retries from step 1.
//! 4. A select reservation (`reserved_recv` / `reserved_send`) holds one message or one free
//!    slot for a selected operation until it is completed or given back.
//! 5. Disconnection sets `disconnected` and claims every entry; the last receiver also takes
//!    the queued messages out and drops them after unlocking (exactly once).
//! 6. Before a `send`/`recv` on a channel of capacity > 1 registers, it polls `len_hint` (a Relaxed copy of the
//!    queue length stored under the lock) for a few backoff steps without the lock, then
//!    retries from step 1. A running partner then fills or drains a batch instead of turning
//!    every message into a hand-off (crossbeam's array/list flavours behave the same way).
//!
//! # Lock-free flavours (`bounded(n)`, 2 ≤ n ≤ `RING_MAX`, and `unbounded()`; ADR 025)
//! The messages live in a lock-free [`Buf`] ([`Ring`] in `ring.rs`, [`List`] in `list.rs`); `inner.queue` and the
//! reservations stay unused and the lock guards only the waiter queues and `disconnected`.
//! * R0. `send`/`recv` first try one inlined round of the buffer's algorithm
//!   (`push_fast`/`pop_fast`: no loop, no backoff, no block installation) followed by the same
//!   `notify`; anything it does not decide goes to the out-of-line `send_ring`/`recv_ring`
//!   (the general steps below, unchanged). ADR 026.
//! * R1. A blocked `send`/`recv` (after a short poll) registers an *observer* entry under the
//!   lock, publishes the queue lengths in `rx_waiting`/`tx_waiting`, then re-checks the ring
//!   after a SeqCst fence; if ready it removes its entry and retries, else it waits. A
//!   notification only wakes it to retry (step 3 above); there is no direct hand-off.
//! * R2. The Dekker pair: a push/pop is followed by `fence(SeqCst)` and a Relaxed read of the
//!   other side's waiting count; only a non-zero count takes the lock to claim one waiter.
//!   With the registering side's fence between its count store and its ring re-check, at
//!   least one of the two sees the other: no lost wake-up, and no lock when nobody waits.
//! * R3. `closed` mirrors `disconnected` (Release store in `disconnect`, Acquire loads on the
//!   fast paths). A receiver that sees it pops once more, so messages sent before the last
//!   sender left are still delivered. The last receiver drains the ring; a send racing it
//!   leaves its message in the ring, dropped with the channel (once).
//! * R4. A select receive takes its message when selected (`try_reserve_recv(take)` pops it into a
//!   boxed packet; `Select::ready` only reports readiness), so completing it never waits on
//!   one channel while the messages go to the select's others (the select_both hang, ADR 025).
//!   A select send on a ring claims its slot when selected (ring.rs step 5) and `write` fills
//!   it, so it never waits on one channel either; a dropped, uncompleted send leaves a hole
//!   that the next reader skips. On a list (never full) a select send reserves nothing.

use super::error::{RecvTimeoutError, SendTimeoutError, TryRecvError, TrySendError};
use super::list::List;
use super::lock::{Guard, Lock};
use super::ring::Ring;
use super::waiter::{Context, Entry, Waiters, Woken};
use crate::sync::atomic::{
    fence, AtomicBool, AtomicUsize,
    Ordering::{AcqRel, Acquire, Relaxed, Release, SeqCst},
};
use crate::sync::cell::UnsafeCell;
use crate::sync::Arc;
use crate::time::Instant;
use std::collections::VecDeque;

/// A rendezvous packet: the message slot of a blocked operation (`waiter.rs` Entry::packet).
pub(crate) type Packet<T> = UnsafeCell<Option<T>>;

/// The state behind the lock.
#[derive(Debug)]
pub(crate) struct Inner<T> {
    pub(crate) queue: VecDeque<T>,
    pub(crate) disconnected: bool,
    /// Messages reserved by selected receive operations (step 4).
    pub(crate) reserved_recv: usize,
    /// Free slots reserved by selected send operations (step 4).
    pub(crate) reserved_send: usize,
    pub(crate) senders: Waiters,
    pub(crate) receivers: Waiters,
}

/// One channel (all handles share it through an `Arc`).
#[derive(Debug)]
pub(crate) struct Chan<T> {
    inner: Lock<Inner<T>>,
    /// `None`: unbounded; `Some(0)`: rendezvous; `Some(n)`: at most `n` queued messages.
    cap: Option<usize>,
    pub(crate) senders: AtomicUsize,
    pub(crate) receivers: AtomicUsize,
    /// `queue.len()` as of the last unlock (a Relaxed store under the lock): lets a blocking
    /// call poll for a change without taking the lock before it registers (step 6).
    len_hint: AtomicUsize,
    /// The lock-free buffer of `bounded(n)`, 2 ≤ n ≤ [`RING_MAX`] (`ring.rs`) and of
    /// `unbounded()` (`list.rs`; ADR 025). When set, `inner.queue` stays empty and only the
    /// waiter queues live under the lock.
    ring: Option<Buf<T>>,
    /// Lock-free flavours: `inner.receivers.len()` as of the last change under the lock; read by a
    /// sender after its push to decide whether to notify (the fence pair, step R2).
    rx_waiting: AtomicUsize,
    /// Lock-free flavours: `inner.senders.len()`, read by a receiver after its pop (step R2).
    tx_waiting: AtomicUsize,
    /// Lock-free flavours: a copy of `inner.disconnected` for the lock-free fast paths (step R3).
    closed: AtomicBool,
}

/// Largest capacity served by the lock-free ring: its slots are allocated and stamped up front,
/// so a larger capacity stays on the lock core, whose memory follows occupancy.
const RING_MAX: usize = 1 << 24;

/// A lock-free buffer (steps R1–R4).
#[derive(Debug)]
pub(crate) enum Buf<T> {
    /// `bounded(n)`.
    Ring(Ring<T>),
    /// `unbounded()`.
    List(List<T>),
}

impl<T> Buf<T> {
    /// One uncontended attempt, inlined into `send` (ring.rs `try_push_fast`, list.rs
    /// `try_push_fast`); `Err(msg)`: undecided, use [`push`](Self::push).
    #[inline(always)]
    fn push_fast(&self, msg: T) -> Result<(), T> {
        match self {
            Buf::Ring(r) => r.try_push_fast(msg),
            Buf::List(l) => l.try_push_fast(msg),
        }
    }
    /// One uncontended attempt, inlined into `recv`; `None`: undecided, use [`pop`](Self::pop).
    #[inline(always)]
    fn pop_fast(&self) -> Option<T> {
        match self {
            Buf::Ring(r) => r.try_pop_fast(),
            Buf::List(l) => l.try_pop_fast(),
        }
    }
    #[inline]
    fn push(&self, msg: T) -> Result<(), T> {
        match self {
            Buf::Ring(r) => r.push(msg).map_err(|f| f.0),
            Buf::List(l) => {
                l.push(msg);
                Ok(())
            }
        }
    }
    /// Pops a message; sets `*freed` if a ring hole (ring.rs step 5) was skipped, which freed
    /// a slot even when `None` is returned.
    #[inline]
    fn pop(&self, freed: &mut bool) -> Option<T> {
        match self {
            Buf::Ring(r) => r.pop_skipping(freed),
            Buf::List(l) => l.pop(),
        }
    }
    /// The last receiver's drain: never waits for a slot being written (ring.rs).
    fn drain_pop(&self) -> Option<T> {
        match self {
            Buf::Ring(r) => r.pop_no_wait(),
            Buf::List(l) => l.pop(),
        }
    }
    fn len(&self) -> usize {
        match self {
            Buf::Ring(r) => r.len(),
            Buf::List(l) => l.len(),
        }
    }
    /// `true` if a message is queued (a snapshot).
    fn has_msg(&self) -> bool {
        match self {
            Buf::Ring(r) => r.len() > 0,
            Buf::List(l) => !l.is_empty(),
        }
    }
    /// `true` if a push would find room (a snapshot).
    fn has_room(&self) -> bool {
        match self {
            Buf::Ring(r) => r.len() < r.cap(),
            Buf::List(_) => true,
        }
    }
}

/// Poll rounds (`Backoff::snooze` steps: 1, 2, 4 … spins, then yields) a buffered `send`/`recv`
/// spends watching `len_hint` before registering a packet (step 6). Heuristic: long enough for
/// a running partner to produce or consume a batch (crossbeam's backoff does the same), short
/// next to a futex round trip. Zero under the models.
const POLL_STEPS: u32 = if crate::sync::MODEL { 0 } else { 8 };

/// A select reservation or outcome, type-erased so `Select` can hold any channel's.
#[derive(Debug)]
pub(crate) enum Token {
    /// A message or slot reserved in the buffer (step 4); for the lock-free flavours a
    /// readiness verdict only (step R4).
    Buffered,
    /// A ring slot claimed for a selected send (step R4, ring.rs step 5): `write` fills it,
    /// `release` turns it into a hole.
    Slot(usize),
    /// A claimed rendezvous partner (step 3): a sender entry to take from, or a receiver
    /// entry to write into.
    Partner(Entry),
    /// Our own boxed receive packet, filled by a sender (rendezvous select, step 3).
    Boxed(*mut ()),
    /// The channel is disconnected (ready, and the operation will fail).
    Disconnected,
    /// A timer fired at this instant.
    Timer(Instant),
}

/// Claimed entries to complete once the lock is released (`waiter.rs` step 3).
#[derive(Default)]
struct Wakes(Vec<Entry>);

impl Wakes {
    #[inline]
    fn complete(self) {
        if !self.0.is_empty() {
            complete_all(self.0);
        }
    }
}

/// Completes claimed entries after the lock is released (`waiter.rs` step 3).
fn complete_all(v: Vec<Entry>) {
    for e in v {
        Context::complete(e.cx);
    }
}

impl<T> Chan<T> {
    pub(crate) fn new(cap: Option<usize>) -> Chan<T> {
        Chan {
            inner: Lock::new(Inner {
                queue: VecDeque::new(),
                disconnected: false,
                reserved_recv: 0,
                reserved_send: 0,
                senders: Waiters::default(),
                receivers: Waiters::default(),
            }),
            cap,
            senders: AtomicUsize::new(1),
            receivers: AtomicUsize::new(1),
            len_hint: AtomicUsize::new(0),
            ring: match cap {
                Some(c) if (2..=RING_MAX).contains(&c) => Ring::new(c).map(Buf::Ring),
                None => Some(Buf::List(List::new())),
                _ => None,
            },
            rx_waiting: AtomicUsize::new(0),
            tx_waiting: AtomicUsize::new(0),
            closed: AtomicBool::new(false),
        }
    }

    /// Lock-free flavours: publishes the waiter-queue lengths for step R2 (call under the lock after
    /// any change to them).
    #[inline]
    fn sync_waiting(&self, g: &Inner<T>) {
        if self.ring.is_some() {
            // Relaxed: the SeqCst fences of step R2 order these stores against the pushes/pops.
            self.rx_waiting.store(g.receivers.len(), Relaxed);
            self.tx_waiting.store(g.senders.len(), Relaxed);
        }
    }

    /// Lock-free flavours, step R2 (notifier side): after a push (`recv_side == true`) or a pop,
    /// wake one registered waiter of the other side if there is any.
    #[inline(always)]
    fn notify(&self, recv_side: bool) {
        // The Dekker pair with the fence in `register_ring` (step R2). Our push/pop claimed
        // its position with a SeqCst RMW on `tail`/`head` (ring.rs, list.rs); this SeqCst load
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
        let w = if recv_side {
            g.receivers.claim_one()
        } else {
            g.senders.claim_one()
        };
        self.sync_waiting(&g);
        drop(g);
        if let Some(e) = w {
            Context::complete(e.cx);
        }
    }

    /// Lock-free flavours, step R1: registers an observer entry for `cx` on one side, then (after the
    /// fence of step R2) re-checks with `ready`. `Some(true)`: ready, nothing stays registered;
    /// `Some(false)`: registered, wait; `None`: disconnected, nothing registered.
    fn register_ring(
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
        let e = Entry {
            cx: cx.clone(),
            oper,
            packet: core::ptr::null(),
        };
        if recv_side {
            g.receivers.push(e);
        } else {
            g.senders.push(e);
        }
        self.sync_waiting(&g);
        // SeqCst fence: the partner of the fence in `notify` (step R2).
        fence(SeqCst);
        if ready() {
            let removed = if recv_side {
                g.receivers.remove(cx)
            } else {
                g.senders.remove(cx)
            };
            self.sync_waiting(&g);
            drop(g);
            drop(removed);
            return Some(true);
        }
        Some(false)
    }

    /// Lock-free flavours: after a wait that did not end selected, removes our entry.
    fn unregister_ring(&self, cx: &Arc<Context>, recv_side: bool) {
        let mut g = self.lock();
        let removed = if recv_side {
            g.receivers.remove(cx)
        } else {
            g.senders.remove(cx)
        };
        self.sync_waiting(&g);
        drop(g);
        drop(removed);
    }

    /// Lock-free flavours: non-blocking send (step R3 for disconnection).
    #[inline]
    fn try_send_ring(&self, ring: &Buf<T>, msg: T) -> Result<(), TrySendError<T>> {
        // Acquire: partner of the Release store in `disconnect`.
        if self.closed.load(Acquire) {
            return Err(TrySendError::Disconnected(msg));
        }
        match ring.push(msg) {
            Ok(()) => {
                self.notify(true);
                Ok(())
            }
            Err(m) => Err(TrySendError::Full(m)),
        }
    }

    /// Lock-free flavours: non-blocking receive (step R3: after `closed` is seen, one more pop
    /// collects messages sent before the last sender left).
    #[inline]
    fn try_recv_ring(&self, ring: &Buf<T>) -> Result<T, TryRecvError> {
        let mut freed = false;
        if let Some(m) = ring.pop(&mut freed) {
            self.notify(false);
            return Ok(m);
        }
        // Acquire: partner of the Release store in `disconnect`: every send of the departed
        // senders happened before.
        if self.closed.load(Acquire) {
            return match ring.pop(&mut freed) {
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

    /// Lock-free flavours: blocking send (steps R1–R2).
    #[inline(never)]
    fn send_ring(
        &self,
        ring: &Buf<T>,
        mut msg: T,
        deadline: Option<Instant>,
    ) -> Result<(), SendTimeoutError<T>> {
        let mut expired = false;
        let mut polled = false;
        loop {
            match self.try_send_ring(ring, msg) {
                Ok(()) => return Ok(()),
                Err(TrySendError::Disconnected(m)) => {
                    return Err(SendTimeoutError::Disconnected(m))
                }
                Err(TrySendError::Full(m)) => msg = m,
            }
            if expired || deadline.is_some_and(|d| Instant::now() >= d) {
                return Err(SendTimeoutError::Timeout(msg));
            }
            if !polled {
                polled = true;
                self.poll_before_wait(|| ring.has_room());
                continue;
            }
            let cx = Context::new();
            match self.register_ring(&cx, 0, false, || ring.has_room()) {
                None => return Err(SendTimeoutError::Disconnected(msg)),
                Some(true) => continue,
                Some(false) => {}
            }
            let woken = cx.wait_until(deadline);
            expired |= woken == Woken::TimedOut;
            if !matches!(woken, Woken::Selected(_)) {
                self.unregister_ring(&cx, false);
            }
            if let Woken::CannotBlock(e) = woken {
                // A timed call spins out its timeout instead (ADR 022): loop and re-check.
                if deadline.is_none() {
                    panic!("channel send would block: {e}");
                }
            }
        }
    }

    /// Lock-free flavours: blocking receive (steps R1–R2).
    #[inline(never)]
    fn recv_ring(&self, ring: &Buf<T>, deadline: Option<Instant>) -> Result<T, RecvTimeoutError> {
        let mut expired = false;
        let mut polled = false;
        loop {
            match self.try_recv_ring(ring) {
                Ok(m) => return Ok(m),
                Err(TryRecvError::Disconnected) => return Err(RecvTimeoutError::Disconnected),
                Err(TryRecvError::Empty) => {}
            }
            if expired || deadline.is_some_and(|d| Instant::now() >= d) {
                return Err(RecvTimeoutError::Timeout);
            }
            if !polled {
                polled = true;
                self.poll_before_wait(|| ring.has_msg());
                continue;
            }
            let cx = Context::new();
            // `closed` counts as ready: the retry reports the disconnection.
            // Relaxed: re-checked with Acquire in `try_recv_ring`.
            match self.register_ring(&cx, 0, true, || ring.has_msg() || self.closed.load(Relaxed)) {
                None | Some(true) => continue,
                Some(false) => {}
            }
            let woken = cx.wait_until(deadline);
            expired |= woken == Woken::TimedOut;
            if !matches!(woken, Woken::Selected(_)) {
                self.unregister_ring(&cx, true);
            }
            if let Woken::CannotBlock(e) = woken {
                // A timed call spins out its timeout instead (ADR 022): loop and re-check.
                if deadline.is_none() {
                    panic!("channel recv would block: {e}");
                }
            }
        }
    }

    /// Step 6: before a blocking call registers, watch `len_hint` for a bounded time; `true`
    /// if it changed so that a retry may succeed.
    fn poll_before_wait(&self, ready: impl Fn() -> bool) -> bool {
        let backoff = crate::Backoff::new();
        for _ in 0..POLL_STEPS {
            backoff.snooze();
            if ready() {
                return true;
            }
        }
        false
    }

    #[inline]
    fn lock(&self) -> Guard<'_, Inner<T>> {
        // No user code runs under the lock (`T`'s drops happen after unlocking), so there is
        // nothing to poison.
        self.inner.lock()
    }

    #[inline]
    fn is_zero(&self) -> bool {
        self.cap == Some(0)
    }

    #[inline]
    fn has_room(&self, g: &Inner<T>) -> bool {
        match self.cap {
            None => true,
            Some(c) => g.queue.len() + g.reserved_send < c,
        }
    }

    pub(crate) fn capacity(&self) -> Option<usize> {
        self.cap
    }

    pub(crate) fn len(&self) -> usize {
        if let Some(r) = &self.ring {
            return r.len();
        }
        self.lock().queue.len()
    }

    pub(crate) fn is_disconnected(&self) -> bool {
        self.lock().disconnected
    }

    /// Writes `msg` into a claimed receiver's packet and completes it (step 3).
    fn hand_to(e: Entry, msg: T) {
        let p = e.packet as *const Packet<T>;
        // SAFETY: (1) we won the claim on `e.cx`, so we are the packet's only writer; (2) the
        // receiver keeps the packet alive and does not read it until it sees DONE, which
        // `complete` publishes with Release after this write.
        unsafe { (*p).with_mut(|m| *m = Some(msg)) };
        Context::complete(e.cx);
    }

    /// Takes the message out of a claimed sender's packet and completes it (step 3).
    fn take_from(e: Entry) -> T {
        let msg = Self::take_packet(&e);
        Context::complete(e.cx);
        msg
    }

    /// Under the lock: place `msg` for a sender (steps 2–3). `Ok(None)`: queued;
    /// `Ok(Some((e, msg)))`: hand `msg` to the claimed receiver `e` after unlocking;
    /// `Err(msg)`: no room and no waiting receiver.
    #[inline]
    fn offer(&self, g: &mut Inner<T>, msg: T, wakes: &mut Wakes) -> Result<Option<(Entry, T)>, T> {
        if !self.is_zero() && !self.has_room(g) {
            return Err(msg);
        }
        if !g.receivers.is_empty() {
            if let Some(e) = g.receivers.claim_partner(&mut wakes.0) {
                return Ok(Some((e, msg)));
            }
        }
        if self.is_zero() {
            return Err(msg);
        }
        g.queue.push_back(msg);
        // Relaxed: a hint (step 6); the lock orders the queue itself.
        self.len_hint.store(g.queue.len(), Relaxed);
        Ok(None)
    }

    /// Under the lock: take a message for a receiver (steps 2–3), refilling the freed slot
    /// from the first blocked sender (Go's `recv` on a full channel; CHANNELS.md §3.3).
    #[inline]
    fn take(&self, g: &mut Inner<T>, wakes: &mut Wakes) -> Option<T> {
        if !self.is_zero() && g.queue.len() > g.reserved_recv {
            let msg = g.queue.pop_front();
            if !g.senders.is_empty() && self.has_room(g) {
                if let Some(e) = g.senders.claim_partner(&mut wakes.0) {
                    g.queue.push_back(Self::take_packet(&e));
                    wakes.0.push(e);
                }
            }
            // Relaxed: a hint (step 6); the lock orders the queue itself.
            self.len_hint.store(g.queue.len(), Relaxed);
            return msg;
        }
        if !g.senders.is_empty() {
            if let Some(e) = g.senders.claim_partner(&mut wakes.0) {
                let msg = Self::take_packet(&e);
                wakes.0.push(e);
                return Some(msg);
            }
        }
        None
    }

    /// Takes the message out of a claimed sender's packet (complete it afterwards).
    fn take_packet(e: &Entry) -> T {
        let p = e.packet as *const Packet<T>;
        // SAFETY: (1) we won the claim, so nobody else touches the packet; (2) the sender wrote
        // it before pushing the entry under the lock we took to pop it (lock = happens-before);
        // (3) it stays alive until the sender sees DONE, published after this read.
        let msg = unsafe { (*p).with_mut(|m| (*m).take()) };
        msg.expect("a sender entry's packet holds its message until claimed")
    }

    /// Non-blocking send (steps 1–3).
    #[inline]
    pub(crate) fn try_send(&self, msg: T) -> Result<(), TrySendError<T>> {
        if let Some(r) = &self.ring {
            return self.try_send_ring(r, msg);
        }
        let mut wakes = Wakes::default();
        let mut g = self.lock();
        if g.disconnected {
            return Err(TrySendError::Disconnected(msg));
        }
        let r = self.offer(&mut g, msg, &mut wakes);
        drop(g);
        wakes.complete();
        match r {
            Ok(None) => Ok(()),
            Ok(Some((e, msg))) => {
                Self::hand_to(e, msg);
                Ok(())
            }
            Err(msg) => Err(TrySendError::Full(msg)),
        }
    }

    /// Non-blocking receive (steps 1–3).
    #[inline]
    pub(crate) fn try_recv(&self) -> Result<T, TryRecvError> {
        if let Some(r) = &self.ring {
            return self.try_recv_ring(r);
        }
        let mut wakes = Wakes::default();
        let mut g = self.lock();
        let r = self.take(&mut g, &mut wakes);
        let disc = g.disconnected;
        drop(g);
        wakes.complete();
        match r {
            Some(m) => Ok(m),
            None if disc => Err(TryRecvError::Disconnected),
            None => Err(TryRecvError::Empty),
        }
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
        let mut msg = msg;
        // Lock-free flavours: one inlined attempt (`try_send_ring`'s first step) before the
        // out-of-line general path; the protocol is unchanged (ADR 026).
        if let Some(r) = &self.ring {
            // Acquire: partner of the Release store in `disconnect` (step R3).
            if !self.closed.load(Acquire) {
                match r.push_fast(msg) {
                    Ok(()) => {
                        self.notify(true);
                        return Ok(());
                    }
                    Err(m) => msg = m,
                }
            }
            return self.send_ring(r, msg, deadline);
        }
        self.send_lock(msg, deadline)
    }

    /// `send` on the lock core (bounded(0), bounded(1), bounded(n > 2²⁴)); left to the
    /// compiler's inlining as before the fast paths (an extra out-of-line hop cost
    /// seq-bounded1 ~1–3 ns, ADR 026).
    fn send_lock(&self, msg: T, deadline: Option<Instant>) -> Result<(), SendTimeoutError<T>> {
        let mut msg = msg;
        // Set once a wait timed out: the deadline counts as passed from then on.
        let mut expired = false;
        // Set once step 6's poll ran for this call.
        let mut polled = false;
        loop {
            let mut wakes = Wakes::default();
            let mut g = self.lock();
            if g.disconnected {
                return Err(SendTimeoutError::Disconnected(msg));
            }
            match self.offer(&mut g, msg, &mut wakes) {
                Ok(r) => {
                    drop(g);
                    wakes.complete();
                    if let Some((e, m)) = r {
                        Self::hand_to(e, m);
                    }
                    return Ok(());
                }
                Err(m) => msg = m,
            }
            if expired || deadline.is_some_and(|d| Instant::now() >= d) {
                drop(g);
                wakes.complete();
                return Err(SendTimeoutError::Timeout(msg));
            }
            if !polled && self.cap.is_none_or(|c| c > 1) {
                // Step 6: a running receiver may free a slot in a moment.
                polled = true;
                drop(g);
                wakes.complete();
                let cap = self.cap.unwrap_or(usize::MAX);
                // Relaxed: only a hint; the retry under the lock decides.
                self.poll_before_wait(|| self.len_hint.load(Relaxed) < cap);
                continue;
            }
            // Wait with the message in a packet a receiver can take (steps 2–3).
            let cx = Context::new();
            let packet: Packet<T> = UnsafeCell::new(Some(msg));
            g.senders.push(Entry {
                cx: cx.clone(),
                oper: 0,
                packet: &packet as *const Packet<T> as *const (),
            });
            drop(g);
            wakes.complete();
            let woken = cx.wait_until(deadline);
            expired |= woken == Woken::TimedOut;
            if !matches!(woken, Woken::Selected(_)) {
                // Our abort won: remove the entry before the packet dies.
                let _ = self.lock().senders.remove(&cx);
            }
            // SAFETY: after DONE (Acquire) or a won abort + removal under the lock, no
            // other thread touches the packet.
            let back = unsafe { packet.with_mut(|m| (*m).take()) };
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

    /// Blocking receive with an optional deadline.
    ///
    /// # Panics
    /// If the thread cannot block (`futex::WaitError`) and no deadline was given.
    #[inline]
    pub(crate) fn recv(&self, deadline: Option<Instant>) -> Result<T, RecvTimeoutError> {
        // Lock-free flavours: one inlined attempt (`try_recv_ring`'s first step) before the
        // out-of-line general path; the protocol is unchanged (ADR 026).
        if let Some(r) = &self.ring {
            if let Some(m) = r.pop_fast() {
                self.notify(false);
                return Ok(m);
            }
            return self.recv_ring(r, deadline);
        }
        self.recv_lock(deadline)
    }

    /// `recv` on the lock core (see [`send_lock`](Self::send_lock)).
    fn recv_lock(&self, deadline: Option<Instant>) -> Result<T, RecvTimeoutError> {
        // Set once a wait timed out: the deadline counts as passed from then on.
        let mut expired = false;
        // Set once step 6's poll ran for this call.
        let mut polled = false;
        loop {
            let mut wakes = Wakes::default();
            let mut g = self.lock();
            if let Some(m) = self.take(&mut g, &mut wakes) {
                drop(g);
                wakes.complete();
                return Ok(m);
            }
            if g.disconnected {
                drop(g);
                wakes.complete();
                return Err(RecvTimeoutError::Disconnected);
            }
            if expired || deadline.is_some_and(|d| Instant::now() >= d) {
                drop(g);
                wakes.complete();
                return Err(RecvTimeoutError::Timeout);
            }
            if !polled && self.cap.is_none_or(|c| c > 1) {
                // Step 6: a running sender may queue a message (or a batch) in a moment.
                polled = true;
                drop(g);
                wakes.complete();
                // Relaxed: only a hint; the retry under the lock decides.
                self.poll_before_wait(|| self.len_hint.load(Relaxed) > 0);
                continue;
            }
            let cx = Context::new();
            let packet: Packet<T> = UnsafeCell::new(None);
            g.receivers.push(Entry {
                cx: cx.clone(),
                oper: 0,
                packet: &packet as *const Packet<T> as *const (),
            });
            drop(g);
            wakes.complete();
            let woken = cx.wait_until(deadline);
            expired |= woken == Woken::TimedOut;
            if !matches!(woken, Woken::Selected(_)) {
                let _ = self.lock().receivers.remove(&cx);
            }
            // SAFETY: as in `send`: after DONE or a won abort + removal nobody else
            // touches the packet.
            if let Some(m) = unsafe { packet.with_mut(|m| (*m).take()) } {
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

    /// The last sender or receiver is gone (step 5).
    pub(crate) fn disconnect(&self, last_receiver: bool) {
        let mut claimed = Vec::new();
        let mut g = self.lock();
        g.disconnected = true;
        // Release: partner of the Acquire loads in `try_send_ring` / `try_recv_ring` (step R3).
        self.closed.store(true, Release);
        g.senders.claim_all(&mut claimed);
        g.receivers.claim_all(&mut claimed);
        self.sync_waiting(&g);
        let mut dropped = if last_receiver {
            core::mem::take(&mut g.queue)
        } else {
            VecDeque::new()
        };
        drop(g);
        if let (true, Some(r)) = (last_receiver, &self.ring) {
            // Step R3: the last receiver drains the ring; later sends fail on `closed`, and
            // any that raced past it (or whose slot is still being written, ring.rs step 5)
            // are dropped with the ring.
            while let Some(m) = r.drain_pop() {
                dropped.push_back(m);
            }
        }
        complete_all(claimed);
        drop(dropped); // user `Drop` impls run outside the lock
    }

    /// Drops a sender handle's count; disconnects on the last.
    pub(crate) fn release_sender(&self) {
        // AcqRel: pairs with the other handles' decrements, so the last one sees all their
        // effects before disconnecting.
        if self.senders.fetch_sub(1, AcqRel) == 1 {
            self.disconnect(false);
        }
    }

    /// Drops a receiver handle's count; disconnects (and drops the queue) on the last.
    pub(crate) fn release_receiver(&self) {
        // AcqRel: as in `release_sender`.
        if self.receivers.fetch_sub(1, AcqRel) == 1 {
            self.disconnect(true);
        }
    }

    /// Counts a cloned handle.
    pub(crate) fn acquire(counter: &AtomicUsize) {
        // Relaxed: a clone is made from a live handle, which already keeps the count > 0.
        counter.fetch_add(1, Relaxed);
    }

    // ---- select support (step 4) ----

    /// Reserves a message for a selected receive. `take`: the select will complete the
    /// operation (not `Select::ready`), so a lock-free buffer's message is taken now (step R4).
    pub(crate) fn try_reserve_recv(&self, take: bool) -> Option<Token> {
        if let Some(r) = &self.ring {
            if take {
                // Step R4: the message moves into a boxed packet owned by the selected
                // operation, so completing it never waits on this channel alone.
                return match self.try_recv_ring(r) {
                    Ok(m) => Some(Token::Boxed(
                        Box::into_raw(Box::new(Packet::<T>::new(Some(m)))) as *mut (),
                    )),
                    Err(TryRecvError::Disconnected) => Some(Token::Disconnected),
                    Err(TryRecvError::Empty) => None,
                };
            }
            // `Select::ready`: a readiness verdict only (the caller follows up itself).
            return if r.has_msg() {
                Some(Token::Buffered)
            } else if self.closed.load(Acquire) {
                // Acquire: as in `try_recv_ring`; re-check for messages sent before.
                Some(if r.has_msg() {
                    Token::Buffered
                } else {
                    Token::Disconnected
                })
            } else {
                None
            };
        }
        let mut g = self.lock();
        if self.is_zero() {
            let mut notified = Vec::new();
            let partner = g.senders.claim_partner(&mut notified);
            let disc = g.disconnected;
            drop(g);
            complete_all(notified);
            match partner {
                Some(e) => Some(Token::Partner(e)),
                None if disc => Some(Token::Disconnected),
                None => None,
            }
        } else if g.queue.len() > g.reserved_recv {
            g.reserved_recv += 1;
            Some(Token::Buffered)
        } else if g.senders.has_partner() {
            // Every slot is reserved by selected senders and a plain sender waits: take its
            // message directly.
            let mut notified = Vec::new();
            let partner = g.senders.claim_partner(&mut notified);
            drop(g);
            complete_all(notified);
            partner.map(Token::Partner)
        } else if g.disconnected {
            Some(Token::Disconnected)
        } else {
            None
        }
    }

    /// Reserves a slot (or a waiting receiver) for a selected send. `take`: the select will
    /// complete the operation (not `Select::ready`), so a ring slot is claimed now (step R4).
    pub(crate) fn try_reserve_send(&self, take: bool) -> Option<Token> {
        if let Some(r) = &self.ring {
            // Acquire: as in `try_send_ring`.
            if self.closed.load(Acquire) {
                return Some(Token::Disconnected);
            }
            if let (true, Buf::Ring(ring)) = (take, r) {
                // Step R4: own the slot, so completing the send never waits on this channel
                // while the select's other cases have room.
                return ring.claim().map(Token::Slot);
            }
            // A list always has room; `Select::ready` only wants a verdict. `write` pushes.
            return r.has_room().then_some(Token::Buffered);
        }
        let mut g = self.lock();
        if g.disconnected {
            return Some(Token::Disconnected);
        }
        if self.is_zero() {
            let mut notified = Vec::new();
            let partner = g.receivers.claim_partner(&mut notified);
            drop(g);
            complete_all(notified);
            partner.map(Token::Partner)
        } else if self.has_room(&g) {
            g.reserved_send += 1;
            Some(Token::Buffered)
        } else {
            None
        }
    }

    /// Registers a select's receive case. Returns `(ready, packet)`: `ready` if the case can
    /// proceed now (nothing registered then); `packet` is a boxed rendezvous packet to free
    /// with [`Chan::free_packet`] unless the case is selected through it.
    pub(crate) fn register_recv(
        &self,
        oper: usize,
        cx: &Arc<Context>,
        observe: bool,
    ) -> (bool, *mut ()) {
        if let Some(r) = &self.ring {
            let _ = observe; // ring entries are always observers
                             // Relaxed: `closed` is re-read with Acquire by the retry.
            let ready =
                self.register_ring(cx, oper, true, || r.has_msg() || self.closed.load(Relaxed));
            return (ready != Some(false), core::ptr::null_mut());
        }
        let mut notified = Vec::new();
        let mut g = self.lock();
        let ready = if self.is_zero() {
            // Observers among the senders (selecting senders) are notified so they come and
            // find our packet (step 3); a sender with a packet means we are ready.
            if g.senders.has_partner() {
                true
            } else {
                g.senders.claim_all(&mut notified);
                false
            }
        } else {
            g.queue.len() > g.reserved_recv || g.senders.has_partner()
        };
        if ready || g.disconnected {
            drop(g);
            complete_all(notified);
            return (true, core::ptr::null_mut());
        }
        let packet = if self.is_zero() && !observe {
            Box::into_raw(Box::new(Packet::<T>::new(None))) as *mut ()
        } else {
            core::ptr::null_mut()
        };
        g.receivers.push(Entry {
            cx: cx.clone(),
            oper,
            packet,
        });
        drop(g);
        complete_all(notified);
        (false, packet)
    }

    /// Registers a select's send case (always an observer); `true` if ready now.
    pub(crate) fn register_send(&self, oper: usize, cx: &Arc<Context>) -> bool {
        if let Some(r) = &self.ring {
            return self.register_ring(cx, oper, false, || r.has_room()) != Some(false);
        }
        let mut notified = Vec::new();
        let mut g = self.lock();
        let ready = g.disconnected
            || if self.is_zero() {
                let partner = g.receivers.has_partner();
                if !partner {
                    // Only observers wait (`Select::ready`): notify them, as in `register_recv`.
                    g.receivers.claim_all(&mut notified);
                }
                partner
            } else {
                self.has_room(&g)
            };
        if !ready {
            g.senders.push(Entry {
                cx: cx.clone(),
                oper,
                packet: core::ptr::null(),
            });
        }
        drop(g);
        complete_all(notified);
        ready
    }

    /// Removes a select's entries for `cx` from one side.
    pub(crate) fn unregister(&self, cx: &Arc<Context>, recv_side: bool) {
        let mut g = self.lock();
        let removed = if recv_side {
            g.receivers.remove(cx)
        } else {
            g.senders.remove(cx)
        };
        self.sync_waiting(&g);
        drop(g);
        drop(removed);
    }

    /// Frees a boxed receive packet (dropping a message in it, if any).
    ///
    /// # Safety
    /// `p` came from [`Chan::register_recv`] of this `T`, its entry is no longer queued, and
    /// no claimer can write it any more (the select saw DONE for another case or aborted).
    pub(crate) unsafe fn free_packet(p: *mut ()) {
        if !p.is_null() {
            // SAFETY: the caller's contract: `p` is our `Box<Packet<T>>`, unaliased.
            drop(unsafe { Box::from_raw(p as *mut Packet<T>) });
        }
    }

    /// `true` if a boxed receive packet holds a message.
    ///
    /// # Safety
    /// As for [`Chan::free_packet`], and the packet is still alive.
    pub(crate) unsafe fn packet_full(p: *mut ()) -> bool {
        // SAFETY: the caller's contract; the writer finished before DONE (Acquire seen).
        !p.is_null() && unsafe { (*(p as *mut Packet<T>)).with(|m| (*m).is_some()) }
    }

    /// Completes a selected receive.
    pub(crate) fn read(&self, token: Token) -> Result<T, super::error::RecvError> {
        match token {
            Token::Buffered if self.ring.is_some() => {
                unreachable!("a selected receive on a lock-free buffer holds its message (R4)")
            }
            Token::Buffered => {
                let mut g = self.lock();
                g.reserved_recv -= 1;
                let msg = g.queue.pop_front().expect("a reservation holds a message");
                let w = if g.senders.is_empty() {
                    None
                } else {
                    g.senders.claim_one()
                };
                drop(g);
                if let Some(e) = w {
                    Context::complete(e.cx);
                }
                Ok(msg)
            }
            Token::Partner(e) => Ok(Self::take_from(e)),
            Token::Boxed(p) => {
                // SAFETY: `p` is our packet; the sender wrote it before DONE, which we saw.
                let b = unsafe { Box::from_raw(p as *mut Packet<T>) };
                Ok(b.into_inner().expect("a selected packet is full"))
            }
            Token::Disconnected | Token::Timer(_) => Err(super::error::RecvError),
            Token::Slot(_) => unreachable!("send tokens never reach `read` (ids differ by side)"),
        }
    }

    /// Completes a selected send.
    pub(crate) fn write(&self, token: Token, msg: T) -> Result<(), super::error::SendError<T>> {
        match token {
            Token::Slot(pos) => {
                let Some(Buf::Ring(ring)) = &self.ring else {
                    unreachable!("slot tokens come from rings")
                };
                // Acquire: as in `try_send_ring`. A disconnection after this check leaves the
                // message in the ring, dropped with the channel once (step R3).
                if self.closed.load(Acquire) {
                    // SAFETY: `pos` is this operation's unresolved claim (tokens are moved).
                    // No receiver is left to care whether it became a hole.
                    let _ = unsafe { ring.abandon(pos) };
                    return Err(super::error::SendError(msg));
                }
                // SAFETY: as above.
                unsafe { ring.write_claimed(pos, msg) };
                // Step R2 (notifier side): the claim's SeqCst RMW on `tail` came first.
                self.notify(true);
                Ok(())
            }
            Token::Buffered if self.ring.is_some() => {
                // Step R4: a list (never full), so this send does not wait.
                self.send(msg, None).map_err(|e| match e {
                    SendTimeoutError::Disconnected(m) | SendTimeoutError::Timeout(m) => {
                        super::error::SendError(m)
                    }
                })
            }
            Token::Buffered => {
                let mut g = self.lock();
                g.reserved_send -= 1;
                if g.disconnected {
                    return Err(super::error::SendError(msg));
                }
                g.queue.push_back(msg);
                let w = if g.receivers.is_empty() {
                    None
                } else {
                    g.receivers.claim_one()
                };
                drop(g);
                if let Some(e) = w {
                    Context::complete(e.cx);
                }
                Ok(())
            }
            Token::Partner(e) => {
                Self::hand_to(e, msg);
                Ok(())
            }
            _ => Err(super::error::SendError(msg)),
        }
    }

    /// Gives back a reservation that will not be completed (`Select::ready`, a dropped
    /// `SelectedOperation`).
    pub(crate) fn release(&self, token: Token, recv_side: bool) {
        match token {
            Token::Buffered if self.ring.is_some() => {} // step R4: nothing was reserved
            Token::Slot(pos) => {
                if let Some(Buf::Ring(ring)) = &self.ring {
                    // SAFETY: `pos` is this operation's unresolved claim (tokens are moved).
                    if unsafe { ring.abandon(pos) } {
                        // Undone: the slot is free again, as after a pop.
                        self.notify(false);
                    } else {
                        // A hole: a receiver that saw the claimed slot may wait for it.
                        self.notify(true);
                    }
                }
            }
            Token::Buffered => {
                let mut g = self.lock();
                let w = if recv_side {
                    g.reserved_recv -= 1;
                    g.receivers.claim_one()
                } else {
                    g.reserved_send -= 1;
                    g.senders.claim_one()
                };
                drop(g);
                if let Some(e) = w {
                    Context::complete(e.cx);
                }
            }
            Token::Partner(e) => {
                let mut g = self.lock();
                e.cx.unclaim();
                if recv_side {
                    g.senders.push_front(e);
                } else {
                    g.receivers.push_front(e);
                }
            }
            Token::Boxed(p) if self.ring.is_some() => {
                // Step R4: the message taken at selection goes back into the buffer (at the
                // back: order against later messages is not kept); dropped only if the
                // channel is full or disconnected meanwhile (documented on
                // `SelectedOperation`).
                // SAFETY: our own packet, filled by `try_reserve_recv`, unaliased.
                let b = unsafe { Box::from_raw(p as *mut Packet<T>) };
                if let (Some(m), Some(r)) = (b.into_inner(), &self.ring) {
                    let _ = self.try_send_ring(r, m);
                }
            }
            Token::Boxed(p) => {
                // SAFETY: our own packet, completed; the message in it is dropped (documented
                // on `SelectedOperation`).
                unsafe { Self::free_packet(p) };
            }
            Token::Disconnected | Token::Timer(_) => {}
        }
    }
}
