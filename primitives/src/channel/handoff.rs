//! What every channel discipline shares above the wait/wake layer (`waiter.rs`): the waiter
//! queues behind a channel's lock ([`Sides`]), rendezvous packets and the moves in and out of
//! them, select tokens, wake lists completed after unlocking, the pre-registration poll, and the
//! [`Discipline`] contract that `chan.rs` dispatches to and `select.rs` drives.
//!
//! The lock-based protocol (steps 1–6) is in `locked.rs`, the lock-free one (R0–R4) in
//! `lockfree.rs`; their step numbers are cited across files.

use super::error::{RecvError, RecvTimeoutError, SendError, SendTimeoutError};
use super::error::{TryRecvError, TrySendError};
use super::waiter::{Context, Entry, Waiters};
use crate::sync::cell::UnsafeCell;
use crate::sync::Arc;
use crate::time::Instant;

/// A rendezvous packet: the message slot of a blocked operation (`waiter.rs` Entry::packet).
pub(crate) type Packet<T> = UnsafeCell<Option<T>>;

/// The waiter queues of one channel and its disconnected flag; lives under the channel lock.
#[derive(Debug, Default)]
pub(crate) struct Sides {
    /// Blocked senders and select send cases.
    pub(crate) senders: Waiters,
    /// Blocked receivers, select receive cases and `Select::ready` observers.
    pub(crate) receivers: Waiters,
    /// The last sender or the last receiver is gone (`locked.rs` step 5).
    pub(crate) disconnected: bool,
}

impl Sides {
    /// The receivers' queue if `recv_side`, else the senders'.
    #[inline]
    pub(crate) fn side(&mut self, recv_side: bool) -> &mut Waiters {
        if recv_side {
            &mut self.receivers
        } else {
            &mut self.senders
        }
    }
}

/// A select reservation or outcome, type-erased so `Select` can hold any channel's.
#[derive(Debug)]
pub(crate) enum Token {
    /// A message or slot reserved in a locked queue (`locked.rs` step 4); for the lock-free
    /// disciplines a readiness verdict only (`lockfree.rs` step R4).
    Buffered,
    /// A ring slot claimed for a selected send (`lockfree.rs` step R4, ring.rs step 5): `write`
    /// fills it, `release` turns it into a hole.
    Slot(usize),
    /// A claimed rendezvous partner (`locked.rs` step 3): a sender entry to take from, or a
    /// receiver entry to write into.
    Partner(Entry),
    /// Our own boxed receive packet, filled by a sender (rendezvous select, step 3), or a
    /// message a lock-free receive took at selection (step R4) too big for [`Token::Inline`].
    Boxed(*mut ()),
    /// A message of at most two words that a lock-free receive took at selection (step R4),
    /// kept in the token instead of a box (ADR 106).
    Inline(InlineMsg),
    /// The channel is disconnected (ready, and the operation will fail).
    Disconnected,
    /// A timer fired at this instant.
    Timer(Instant),
}

/// Room for a message of at most two words inside a [`Token`] (ADR 106): a selected lock-free
/// receive (`lockfree.rs` step R4) moves its message here instead of into a boxed packet, which
/// cost an allocation and a free per select. Only the discipline that made it, which knows `T`,
/// takes the message back out.
#[derive(Debug)]
pub(crate) struct InlineMsg(core::mem::MaybeUninit<[usize; 2]>);

impl InlineMsg {
    /// `true` if a `T` fits (size and alignment); a constant per `T`.
    const fn fits<T>() -> bool {
        core::mem::size_of::<T>() <= core::mem::size_of::<[usize; 2]>()
            && core::mem::align_of::<T>() <= core::mem::align_of::<[usize; 2]>()
    }

    /// Moves `msg` in; `Err(msg)` if a `T` does not fit.
    #[inline]
    pub(crate) fn new<T>(msg: T) -> Result<InlineMsg, T> {
        if !Self::fits::<T>() {
            return Err(msg);
        }
        let mut buf = core::mem::MaybeUninit::<[usize; 2]>::uninit();
        // SAFETY: `fits` checked that a `T` fits in the buffer's size and alignment, and the
        // buffer is ours; `write` does not read the uninitialised bytes.
        unsafe { buf.as_mut_ptr().cast::<T>().write(msg) };
        Ok(InlineMsg(buf))
    }

    /// Moves the message back out.
    ///
    /// # Safety
    /// `self` came from [`new`](Self::new) of this same `T` (the token's discipline).
    #[inline]
    pub(crate) unsafe fn take<T>(self) -> T {
        // SAFETY: the caller's contract: `new::<T>` wrote a valid `T` at the start of the
        // buffer, suitably aligned, and `self` is consumed, so it is read once.
        unsafe { self.0.as_ptr().cast::<T>().read() }
    }
}

/// Claimed entries to complete once the lock is released (`waiter.rs` step 3), and (`.1`) a
/// claimed select send case to request a message from (`request_from`, issue 16 item 4).
#[derive(Default)]
pub(crate) struct Wakes(pub(crate) Vec<Entry>, pub(crate) Option<Entry>);

impl Wakes {
    /// Completes the claimed entries; the caller has taken any request out first.
    #[inline]
    pub(crate) fn complete(self) {
        debug_assert!(
            self.1.is_none(),
            "a claimed select sender must be requested from"
        );
        if !self.0.is_empty() {
            complete_all(self.0);
        }
    }
}

/// A select send case's mailbox on a rendezvous channel (issue 16 item 4). The case's entry
/// points at it (`Entry::mailbox`). Protocol, after step 2's claim of the select's context for
/// that case by a receiver (a plain `recv`/`try_recv` or a polling select):
/// * M1. The receiver makes its own context, claims it itself (nobody else can see it), and
///   writes an entry for it with a packet on its stack (`oper == REQUESTER`) into the mailbox.
/// * M2. The receiver completes the select's context (Release), then waits on its own.
/// * M3. The select sees DONE for that case (Acquire), takes the entry out of the mailbox and
///   returns it as its `Token::Partner`: `SelectedOperation::send` hands the message to it
///   (`hand_to`, step 3); dropping the operation completes it with an empty packet instead.
///
/// So a selecting sender is claimable by a non-blocking receive, as a selecting receiver (with
/// its boxed packet) is by `try_send`. A thread receiver then waits for the select's thread to
/// complete the operation, as crossbeam-channel's zero flavour does.
///
/// An **async** receiver (`recv_async`, ADR 125) must not wait synchronously: the select may
/// complete the operation only after running user code, and on the browser's main thread the
/// wait could only spin. So:
/// * M4. Its packet is owned by its context (`Context::with_empty_packet`, waiter.rs step 6),
///   M1–M2 are the same, and it awaits DONE (`Context::wait_async`). The select writes the
///   message and completes with [`hand_to_requester`]. If the future is dropped first it
///   `leave`s (ABORTED beside its own claim); the RMWs on the state word decide who holds
///   the message: the select, if its `complete_unless_left` saw ABORTED (it takes the
///   message back), else the leaver, which saw DONE (it takes it out of the packet). Whoever
///   holds it puts it back into the channel ([`Rendezvous::park_message`]: to a waiting
///   receiver, or queued as a waiting sender's packet nobody awaits), so the next receiver
///   gets it: never lost, never received twice.
///
/// [`Rendezvous::park_message`]: super::rendezvous::Rendezvous::park_message
pub(crate) type Mailbox = UnsafeCell<Option<Entry>>;

/// The `oper` of an entry written into a mailbox (M1): a release completes it empty instead
/// of re-queueing it.
pub(crate) const REQUESTER: usize = usize::MAX;

/// A new, empty boxed mailbox.
pub(crate) fn box_mailbox() -> *mut () {
    Box::into_raw(Box::new(Mailbox::new(None))) as *mut ()
}

/// Takes the entry out of a mailbox if a receiver wrote one (M3); frees the mailbox only then.
///
/// # Safety
/// `p` came from [`box_mailbox`], its case's entry is gone from every queue, and the select
/// saw DONE (Acquire) or won its abort, so no receiver writes it any more.
pub(crate) unsafe fn take_mailbox(p: *mut ()) -> Option<Entry> {
    // SAFETY: the caller's contract; the writer (M1) finished before the DONE we saw.
    let e = unsafe { (*(p as *mut Mailbox)).with_mut(|m| (*m).take()) };
    if e.is_some() {
        // SAFETY: as above; ours to free.
        unsafe { free_mailbox(p) };
    }
    e
}

/// Frees a mailbox (dropping an entry in it, if any); `null` is ignored.
///
/// # Safety
/// As for [`take_mailbox`], and nobody else frees it.
pub(crate) unsafe fn free_mailbox(p: *mut ()) {
    if !p.is_null() {
        // SAFETY: the caller's contract: `p` is our `Box<Mailbox>`, unaliased.
        drop(unsafe { Box::from_raw(p as *mut Mailbox) });
    }
}

/// Steps M1–M2 for a claimed select send case `e` (claimed by us under the channel lock, now
/// released): asks the select for its message and waits for it. `None` if the select gave the
/// operation up (its `SelectedOperation` was dropped).
pub(crate) fn request_from<T>(e: Entry) -> Option<T> {
    let me = Context::new();
    let packet: Packet<T> = UnsafeCell::new(None);
    send_request(e, &me, &packet as *const Packet<T> as *const ());
    // Our context is claimed (by us), so this wait ends only when the select completes it.
    let woken = me.wait_until(None);
    debug_assert!(matches!(woken, super::waiter::Woken::Selected(_)));
    // SAFETY: the select's `hand_to` wrote the packet before its DONE (Release), which we saw
    // (Acquire); nobody touches the packet after that.
    unsafe { packet.with_mut(|m| (*m).take()) }
}

/// Steps M1–M2 for a claimed select send case `e`: claims the fresh context `me` ourselves
/// and writes an entry for it with `packet` (a `*const Packet<T>`, kept alive until the
/// select completes `me`, or owned by `me`: M4) into the case's mailbox, then completes the
/// select.
pub(crate) fn send_request(e: Entry, me: &Arc<Context>, packet: *const ()) {
    debug_assert!(e.mailbox);
    let mine = me.claim(REQUESTER);
    debug_assert!(mine, "a fresh context is unclaimed");
    let request = Entry {
        cx: me.clone(),
        oper: REQUESTER,
        packet,
        mailbox: false,
    };
    let mailbox = e.packet as *const Mailbox;
    // M1. SAFETY: we won the claim on `e.cx` for this case, so we are the mailbox's only
    // writer; the select keeps it alive and reads it only after the DONE that `complete`
    // publishes with Release below.
    unsafe { (*mailbox).with_mut(|m| *m = Some(request)) };
    // M2; the mailbox is not touched after this.
    Context::complete(e.cx);
}

/// A select's send to a requester (M3–M4): writes `msg` into its packet and completes it;
/// `Err(msg)` if the requester (an async receiver) left before: the message is the caller's
/// again.
pub(crate) fn hand_to_requester<T>(e: Entry, msg: T) -> Result<(), T> {
    debug_assert_eq!(e.oper, REQUESTER);
    let p = e.packet as *const Packet<T>;
    // SAFETY: as in `hand_to`: the requester claimed its own context for us alone, and keeps
    // the packet alive (on its stack until DONE, or owned by the context we hold, M4).
    unsafe { (*p).with_mut(|m| *m = Some(msg)) };
    if Context::complete_unless_left(&e.cx) {
        return Ok(());
    }
    // M4: it left before our DONE, so it never reads the packet; the packet is owned by
    // `e.cx`, which we still hold.
    // SAFETY: as above; nobody else touches the packet any more.
    let back = unsafe { (*p).with_mut(|m| (*m).take()) };
    Err(back.expect("we just wrote it"))
}

/// Completes claimed entries after the lock is released (`waiter.rs` step 3).
pub(crate) fn complete_all(v: Vec<Entry>) {
    for e in v {
        Context::complete(e.cx);
    }
}

/// Writes `msg` into a claimed receiver's packet and completes it (`locked.rs` step 3).
pub(crate) fn hand_to<T>(e: Entry, msg: T) {
    let p = e.packet as *const Packet<T>;
    // SAFETY: (1) we won the claim on `e.cx`, so we are the packet's only writer; (2) the
    // receiver keeps the packet alive and does not read it until it sees DONE, which
    // `complete` publishes with Release after this write.
    unsafe { (*p).with_mut(|m| *m = Some(msg)) };
    Context::complete(e.cx);
}

/// Takes the message out of a claimed sender's packet and completes it (`locked.rs` step 3).
pub(crate) fn take_from<T>(e: Entry) -> T {
    let msg = take_packet(&e);
    Context::complete(e.cx);
    msg
}

/// Takes the message out of a claimed sender's packet (complete it afterwards).
pub(crate) fn take_packet<T>(e: &Entry) -> T {
    let p = e.packet as *const Packet<T>;
    // SAFETY: (1) we won the claim, so nobody else touches the packet; (2) the sender wrote
    // it before pushing the entry under the lock we took to pop it (lock = happens-before);
    // (3) it stays alive until the sender sees DONE, published after this read.
    let msg = unsafe { (*p).with_mut(|m| (*m).take()) };
    msg.expect("a sender entry's packet holds its message until claimed")
}

/// A new boxed receive packet (rendezvous select receive, or a message taken at selection).
pub(crate) fn box_packet<T>(msg: Option<T>) -> *mut () {
    Box::into_raw(Box::new(Packet::<T>::new(msg))) as *mut ()
}

/// Takes back a boxed packet's message and frees the box.
///
/// # Safety
/// `p` came from [`box_packet`] of this `T`, no claimer can write it any more (its entry is
/// gone and the select saw DONE or aborted), and nobody else frees it.
pub(crate) unsafe fn unbox_packet<T>(p: *mut ()) -> Option<T> {
    // SAFETY: the caller's contract: `p` is our `Box<Packet<T>>`, unaliased.
    unsafe { Box::from_raw(p as *mut Packet<T>) }.into_inner()
}

/// Frees a boxed receive packet (dropping a message in it, if any); `null` is ignored.
///
/// # Safety
/// As for [`unbox_packet`] when `p` is not null.
pub(crate) unsafe fn free_packet<T>(p: *mut ()) {
    if !p.is_null() {
        // SAFETY: the caller's contract.
        drop(unsafe { unbox_packet::<T>(p) });
    }
}

/// `true` if a boxed receive packet holds a message.
///
/// # Safety
/// As for [`free_packet`], and the packet is still alive.
pub(crate) unsafe fn packet_full<T>(p: *mut ()) -> bool {
    // SAFETY: the caller's contract; the writer finished before DONE (Acquire seen).
    !p.is_null() && unsafe { (*(p as *mut Packet<T>)).with(|m| (*m).is_some()) }
}

/// Poll rounds (`Backoff::snooze` steps: 1, 2, 4 … spins, then yields) a buffered `send`/`recv`
/// spends watching for a change before registering (`locked.rs` step 6, `lockfree.rs` R1).
/// Heuristic: long enough for a running partner to produce or consume a batch (crossbeam's
/// backoff does the same), short next to a futex round trip. Zero under the models.
const POLL_STEPS: u32 = if crate::sync::MODEL { 0 } else { 8 };

/// Before a blocking call registers, watches `ready` for a bounded time; `true` if it turned
/// true so that a retry may succeed.
pub(crate) fn poll_before_wait(ready: impl Fn() -> bool) -> bool {
    let backoff = crate::Backoff::new();
    for _ in 0..POLL_STEPS {
        backoff.snooze();
        if ready() {
            return true;
        }
    }
    false
}

/// A channel's or timer's change stamp for a non-blocking select's double collect
/// (`select.rs`): equal stamps read at two instants prove that nothing which could make one of
/// its operations ready happened in between (ADR 053).
pub(crate) type Version = [usize; 3];

/// One buffering discipline of `bounded`/`unbounded` channels (`rendezvous.rs`, `queue.rs`,
/// `lockfree.rs`): the operations `chan.rs` dispatches to and the select engine drives.
pub(crate) trait Discipline<T> {
    /// `Some(cap)` for bounded channels, `None` for unbounded ones.
    fn capacity(&self) -> Option<usize>;
    /// Number of queued messages (a snapshot).
    fn len(&self) -> usize;
    /// `true` once the channel is disconnected.
    fn is_disconnected(&self) -> bool;
    /// Non-blocking send.
    fn try_send(&self, msg: T) -> Result<(), TrySendError<T>>;
    /// Non-blocking receive.
    fn try_recv(&self) -> Result<T, TryRecvError>;
    /// Blocking send with an optional deadline; panics if the thread cannot block and no
    /// deadline was given.
    fn send(&self, msg: T, deadline: Option<Instant>) -> Result<(), SendTimeoutError<T>>;
    /// Blocking receive with an optional deadline; panics as `send`.
    fn recv(&self, deadline: Option<Instant>) -> Result<T, RecvTimeoutError>;
    /// The last sender or receiver is gone (`locked.rs` step 5, `lockfree.rs` R3).
    fn disconnect(&self, last_receiver: bool);
    /// The change stamp ([`Version`]), read without the lock.
    fn version(&self) -> Version;
    /// Reserves a message for a selected receive; `take`: the select will complete the
    /// operation (not `Select::ready`).
    fn try_reserve_recv(&self, take: bool) -> Option<Token>;
    /// Reserves a slot (or a waiting receiver) for a selected send; `take` as above.
    fn try_reserve_send(&self, take: bool) -> Option<Token>;
    /// Registers a select's receive case: `(ready, packet)`; `ready` if the case can proceed
    /// now (nothing registered then); `packet` is a boxed rendezvous packet to free with
    /// [`free_packet`] unless the case is selected through it.
    fn register_recv(&self, oper: usize, cx: &Arc<Context>, observe: bool) -> (bool, *mut ());
    /// Registers a select's send case: `(ready, mailbox)`. On a rendezvous channel a select
    /// (not `observe`) registers a mailbox (M1–M3) to free with [`free_mailbox`] unless the
    /// case is selected through it; elsewhere the entry is an observer and `mailbox` is null.
    fn register_send(&self, oper: usize, cx: &Arc<Context>, observe: bool) -> (bool, *mut ());
    /// Removes a select's entries for `cx` from one side.
    fn unregister(&self, cx: &Arc<Context>, recv_side: bool);
    /// Claims and completes one waiter on one side, if any: an async waiter that was notified
    /// and then dropped passes the notice on with it (`async_ops.rs`). A waiter completed this
    /// way without a packet transfer retries (`locked.rs` step 3), so an extra notice is only a
    /// spurious wake-up.
    fn notify_one(&self, recv_side: bool);
    /// Completes a selected receive.
    fn read(&self, token: Token) -> Result<T, RecvError>;
    /// Completes a selected send.
    fn write(&self, token: Token, msg: T) -> Result<(), SendError<T>>;
    /// Gives back a reservation that will not be completed (`Select::ready`, a dropped
    /// `SelectedOperation`).
    fn release(&self, token: Token, recv_side: bool);
}

/// A channel end that can take part in a select (implemented by `Sender` and `Receiver` in
/// `handles.rs`; driven by `select.rs`).
pub(crate) trait SelectHandle {
    /// Select step 1: reserve the operation if it can proceed now. `take`: the caller will
    /// complete the operation (`select`), so a receive on a lock-free buffer takes its message
    /// now (ADR 025, step R4); `false` for `ready`, which only reports readiness.
    fn try_reserve(&self, take: bool) -> Option<Token>;
    /// Select step 2: register; `(ready, packet)`.
    fn register(&self, oper: usize, cx: &Arc<Context>, observe: bool) -> (bool, *mut ());
    /// Select step 4: remove our entries.
    fn unregister(&self, cx: &Arc<Context>);
    /// The case was selected: if its packet holds the outcome (a receive packet a sender
    /// filled, a mailbox a receiver wrote), the token for it (the packet is consumed); else
    /// `None` and the packet is still to be freed with [`free_packet`](Self::free_packet).
    fn selected_packet(&self, p: *mut ()) -> Option<Token>;
    /// Frees the packet from `register`.
    fn free_packet(&self, p: *mut ());
    /// When a timer case becomes ready.
    fn deadline(&self) -> Option<Instant>;
    /// The change stamp of this case's channel or timer ([`Version`]).
    fn version(&self) -> Version;
    /// Gives back a reservation.
    fn release(&self, token: Token);
    /// Channel identity (to check the handle passed to `SelectedOperation`).
    fn id(&self) -> *const ();
}
