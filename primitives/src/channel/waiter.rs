//! The wait/wake layer of every channel flavour: one state word per blocked operation
//! (docs/notes/channels.md §3.1, §5).
//!
//! A blocked `send`, `recv` or `select` owns one [`Context`]. It pushes one [`Entry`] per
//! channel it waits on into that channel's waiter queue (under the channel lock), then waits
//! on the context's state word. Another thread pops the entry (under the lock), **claims** the
//! context with a CAS, moves the payload if the entry has a packet, and **completes** it with
//! one RMW that tells it whether the waiter sleeps in the futex.
//!
//! # Protocol (step numbers are cited in the code)
//! 1. Waiter: `Context::new()` = `WAITING`; entries pushed under the channel lock.
//! 2. Claimer: `claim(oper)`: CAS `WAITING[|PARKED] -> CLAIMED[|PARKED]`; fails on `ABORTED` or
//!    an earlier claim, so at most one operation of a select wins.
//! 3. Claimer: writes/reads the packet (if any), then `complete()`: `fetch_or(DONE)`; if the old
//!    value had `PARKED`, `futex::wake_one`. After the `fetch_or` the claimer touches nothing but
//!    the futex word, kept alive by its `Arc` (a wake for a reused word is a spurious wake-up).
//! 4. Waiter: spins then yields while `DONE` is clear (no syscall if the claimer is quick), then
//!    `fetch_or(PARKED)` (an RMW on the same word as step 3: the two are totally ordered, so no
//!    lost wake-up and no SeqCst fence) and `futex::wait(word, seen)` while `DONE` is clear.
//! 5. Timeout / cannot block: `abort()`: CAS `WAITING[|PARKED] -> ABORTED`. If it fails the
//!    context was claimed: wait for `DONE` (step 4, untimed; the claimer is running) and take
//!    the outcome. Either way the waiter then removes its remaining entries under each lock.
//! 6. A waiter that cannot wait for `DONE` (a dropped async sender, `async_ops.rs` step R4)
//!    keeps its packet in the context itself ([`Context::with_packet`]): every claimer holds an
//!    `Arc` of the context until step 3, so the packet lives until the last claimer is done,
//!    and [`abandon`](Context::abandon) sets `ABORTED` beside the claim so that a claim given
//!    back (`unclaim`) can never be claimed again.

use crate::deadline::{instant_now, instant_timed_out};
use crate::futex;
use crate::sync::atomic::{
    AtomicU32, AtomicUsize,
    Ordering::{Acquire, Relaxed, Release},
};
use crate::sync::cell::UnsafeCell;
use crate::sync::{thread, Arc, MODEL};
use crate::time::Instant;

/// A packet a context owns (step 6); the same layout as `handoff::Packet`, which claimers
/// read it as (named here so that this layer does not import the one above it).
pub(crate) type OwnedPacket<T> = UnsafeCell<Option<T>>;

/// Nobody has claimed the waiter yet.
const WAITING: u32 = 0;
/// Bit: an operation claimed the waiter (step 2); its index is in `Context::selected`.
const CLAIMED_BIT: u32 = 1;
/// Bit: the claimer finished (step 3); the waiter may read its packet and leave.
const DONE_BIT: u32 = 2;
/// Bit: the waiter gave up (step 5); claims fail.
const ABORTED_BIT: u32 = 4;
/// Bit: the waiter sleeps (or is about to) in `futex::wait`; `complete` must wake it.
const PARKED_BIT: u32 = 8;

/// Spin iterations (each one `spin_loop` hint) before yielding; heuristic. docs/notes/channels.md §3.1
/// measured 256 PAUSE + 16 yields best on an idle 2-vCPU guest; on the shared (loaded) machine
/// a sweep of the perf table's C1/C2 rows (64/32, 32/128, 256/16, 16/256 spins/yields) favoured
/// short spinning and a long yield phase (ADR 022). Zero under the models.
const SPINS: u32 = if MODEL { 0 } else { 32 };
/// `yield_now` calls before parking; see [`SPINS`].
const YIELDS: u32 = if MODEL { 0 } else { 128 };

/// One blocked operation's state word (layout: `CLAIMED_BIT | DONE_BIT | ABORTED_BIT |
/// PARKED_BIT` in the low 4 bits, the rest zero).
#[derive(Debug)]
pub(crate) struct Context {
    state: AtomicU32,
    /// The operation index of the claim (written by the claimer between steps 2 and 3).
    selected: AtomicUsize,
    /// A packet this context owns (step 6) and the function that frees it; `None` for every
    /// context but an async rendezvous sender's.
    owned: Option<Owned>,
}

/// A packet owned by a context (step 6): the boxed packet, type-erased, and its free function.
type Owned = (*mut (), unsafe fn(*mut ()));

// SAFETY: `owned` is the only field that is not `Send + Sync`. Its packet is reached only
// through an `Entry` of a channel queue (step 2: by the claimer alone) and freed by the
// context's last `Arc`; every thread that holds either holds the channel, which crosses
// threads only when its message type is `Send` (`Chan<T>: Sync` needs `T: Send`).
unsafe impl Send for Context {}
// SAFETY: as for `Send`: shared access never touches `owned` (only `Drop` does).
unsafe impl Sync for Context {}

impl Drop for Context {
    fn drop(&mut self) {
        if let Some((p, free)) = self.owned.take() {
            // SAFETY: `p` came from `with_packet` with this `free`; the last `Arc` is going,
            // so no claimer can touch the packet any more (step 6).
            unsafe { free(p) };
        }
    }
}

/// How a [`Context::wait_until`] ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Woken {
    /// Claimed and completed for this operation index.
    Selected(usize),
    /// The deadline passed and the abort won: nobody claimed us.
    TimedOut,
    /// The thread cannot block and the abort won (see `futex::WaitError`).
    CannotBlock(futex::WaitError),
}

impl Context {
    /// A fresh context (step 1).
    pub(crate) fn new() -> Arc<Context> {
        Arc::new(Context {
            state: AtomicU32::new(WAITING),
            selected: AtomicUsize::new(usize::MAX),
            owned: None,
        })
    }

    /// A fresh context that owns a packet holding `msg` (step 6), and that packet: it lives
    /// as long as the context, so a claimer that holds an entry may use it after the waiter
    /// is gone.
    pub(crate) fn with_packet<T>(msg: T) -> (Arc<Context>, *const OwnedPacket<T>) {
        Context::with_slot(Some(msg))
    }

    /// A fresh context that owns an empty packet (step 6): an async receiver's request to a
    /// selecting sender (handoff.rs M1–M2, ADR 125), whose message a select may write after
    /// the future is gone.
    pub(crate) fn with_empty_packet<T>() -> (Arc<Context>, *const OwnedPacket<T>) {
        Context::with_slot(None)
    }

    fn with_slot<T>(slot: Option<T>) -> (Arc<Context>, *const OwnedPacket<T>) {
        unsafe fn free<T>(p: *mut ()) {
            // SAFETY: the caller (`Drop`) passes the pointer `with_packet` boxed for this `T`.
            drop(unsafe { Box::from_raw(p as *mut OwnedPacket<T>) });
        }
        let p = Box::into_raw(Box::new(OwnedPacket::<T>::new(slot)));
        let cx = Arc::new(Context {
            state: AtomicU32::new(WAITING),
            selected: AtomicUsize::new(usize::MAX),
            owned: Some((p as *mut (), free::<T>)),
        });
        (cx, p)
    }

    /// Step 6: the waiter leaves a context that was already claimed. `ABORTED` joins the claim,
    /// so if the claimer gives the claim back (`unclaim`, a released select reservation) the
    /// re-queued entry is dead: the next claimer skips it.
    pub(crate) fn abandon(&self) {
        // Relaxed: only the bit's atomicity matters (as in `abort`).
        self.state.fetch_or(ABORTED_BIT, Relaxed);
    }

    /// Step 6 for a waiter that claimed itself (an async requester, handoff.rs M4): leaves
    /// the context and reports whether the claimer had already completed it. `true`: the
    /// packet holds what the claimer wrote and is the leaver's to empty; `false`: the claimer
    /// will see `ABORTED` in [`complete_unless_left`](Self::complete_unless_left) and keep
    /// its message. The two RMWs on the state word are totally ordered, so exactly one side
    /// owns the message.
    pub(crate) fn leave(&self) -> bool {
        // Acquire: pairs with the Release `fetch_or` in `complete_unless_left` (the packet
        // write before DONE is visible to the leaver that sees DONE).
        self.state.fetch_or(ABORTED_BIT, Acquire) & DONE_BIT != 0
    }

    /// Step 3 for a requester's context (handoff.rs M4): completes it like
    /// [`complete`](Self::complete) and returns `false` if the waiter had left first (see
    /// [`leave`](Self::leave)); the packet is then still the caller's, kept alive by `this`.
    pub(crate) fn complete_unless_left(this: &Arc<Context>) -> bool {
        // Release: pairs with the Acquire `fetch_or` in `leave` and the Acquire loads of DONE
        // in `wait_until`/`wait_async` (the packet write before).
        let old = this.state.fetch_or(DONE_BIT, Release);
        debug_assert!(old & CLAIMED_BIT != 0);
        if old & PARKED_BIT != 0 {
            futex::wake_one(&this.state);
        }
        old & ABORTED_BIT == 0
    }

    /// Step 2: claims the waiter for operation `oper`; `false` if it was claimed or aborted.
    #[inline]
    pub(crate) fn claim(&self, oper: usize) -> bool {
        let mut cur = self.state.load(Relaxed);
        loop {
            if cur & (CLAIMED_BIT | ABORTED_BIT) != 0 {
                return false;
            }
            // Relaxed: the packet hand-over is ordered by step 3's Release and the channel lock.
            match self
                .state
                .compare_exchange_weak(cur, cur | CLAIMED_BIT, Relaxed, Relaxed)
            {
                Ok(_) => {
                    // Relaxed: published by the Release `fetch_or` in `complete`.
                    self.selected.store(oper, Relaxed);
                    return true;
                }
                Err(now) => cur = now,
            }
        }
    }

    /// Undoes a claim that was not completed (a select reservation given back). The caller
    /// claimed this context and re-queues its entry under the channel lock.
    pub(crate) fn unclaim(&self) {
        // Relaxed: the channel lock held by the caller orders the re-queued entry.
        self.state.fetch_and(!CLAIMED_BIT, Relaxed);
    }

    /// Step 3: completes a claimed waiter. `this` is consumed so the caller cannot touch the
    /// context afterwards except through the kept `Arc` (the futex word).
    #[inline]
    pub(crate) fn complete(this: Arc<Context>) {
        // Release: pairs with the Acquire loads of DONE in `wait_until` (packet writes before).
        // (`verify/scripts/controls.sh` weakens it under `portalis_seeded_bug`, never shipped.)
        let order = if cfg!(portalis_seeded_bug = "waiter_relaxed_complete") {
            Relaxed
        } else {
            Release
        };
        let old = this.state.fetch_or(DONE_BIT, order);
        debug_assert!(old & CLAIMED_BIT != 0);
        if old & PARKED_BIT != 0 {
            futex::wake_one(&this.state);
        }
    }

    #[inline]
    fn done(&self) -> Option<usize> {
        // Acquire: pairs with the Release `fetch_or` in `complete` (step 3).
        if self.state.load(Acquire) & DONE_BIT != 0 {
            // Relaxed: ordered by the Acquire above.
            Some(self.selected.load(Relaxed))
        } else {
            None
        }
    }

    /// Step 4 for an async waiter (`async_ops.rs`): sets `PARKED` and awaits
    /// [`futex::wait_future`] on the state word until `DONE`, so `complete`'s `wake_one`
    /// reaches the task like a sleeping thread. Returns the selected operation index.
    pub(crate) async fn wait_async(&self) -> usize {
        loop {
            // Acquire: as in `wait_until`.
            let seen = self.state.fetch_or(PARKED_BIT, Acquire) | PARKED_BIT;
            if seen & DONE_BIT != 0 {
                return self.done().expect("DONE is sticky");
            }
            futex::wait_future(&self.state, seen).await;
        }
    }

    /// Step 5: gives up; `true` if no claim can happen any more.
    pub(crate) fn abort(&self) -> bool {
        let mut cur = self.state.load(Relaxed);
        loop {
            if cur & CLAIMED_BIT != 0 {
                return false;
            }
            // Relaxed: only the ABORTED bit's atomicity matters; entries are removed under locks.
            match self
                .state
                .compare_exchange_weak(cur, cur | ABORTED_BIT, Relaxed, Relaxed)
            {
                Ok(_) => return true,
                Err(now) => cur = now,
            }
        }
    }

    /// Tries to abort before waiting (a select that found a ready case while registering):
    /// `None` if the abort won, `Some(oper)` if the context was claimed (then waits for DONE).
    pub(crate) fn abort_or_selected(&self) -> Option<usize> {
        if self.abort() {
            None
        } else {
            match self.wait_until(None) {
                Woken::Selected(i) => Some(i),
                _ => unreachable!("an untimed wait on a claimed context ends selected"),
            }
        }
    }

    /// Step 4: waits until claimed and completed, until `deadline`, or until it turns out the
    /// thread cannot block. Spin, yield, then park.
    pub(crate) fn wait_until(&self, deadline: Option<Instant>) -> Woken {
        for _ in 0..SPINS {
            if let Some(i) = self.done() {
                return Woken::Selected(i);
            }
            crate::sync::hint::spin_loop();
        }
        for _ in 0..YIELDS {
            if let Some(i) = self.done() {
                return Woken::Selected(i);
            }
            thread::yield_now();
        }
        let mut claimed = false;
        loop {
            // Acquire: pairs with the Release `fetch_or` in `complete` when DONE is already set.
            let seen = self.state.fetch_or(PARKED_BIT, Acquire) | PARKED_BIT;
            if seen & DONE_BIT != 0 {
                return Woken::Selected(self.done().expect("DONE is sticky"));
            }
            let left = match deadline {
                Some(d) if !claimed => {
                    let now = instant_now();
                    if now >= d {
                        if self.abort() {
                            return Woken::TimedOut;
                        }
                        claimed = true; // the claimer is running; wait for DONE untimed
                        continue;
                    }
                    Some(d - now)
                }
                _ => None,
            };
            match futex::wait(&self.state, seen, left) {
                Ok(futex::WaitResult::TimedOut) if !claimed => {
                    // The futex says the deadline passed (under the models: at once); trust it
                    // rather than re-reading a clock that may lag. Under the models the
                    // thread's clock jumps to the deadline (deadline.rs `instant_timed_out`).
                    if let Some(d) = deadline {
                        instant_timed_out(d);
                    }
                    if self.abort() {
                        return Woken::TimedOut;
                    }
                    claimed = true;
                }
                Ok(_) => {}
                Err(e) => {
                    if !claimed && self.abort() {
                        return Woken::CannotBlock(e);
                    }
                    // Claimed: the claimer completes within a bounded number of steps.
                    claimed = true;
                    while self.done().is_none() {
                        crate::sync::hint::spin_loop();
                    }
                }
            }
        }
    }
}

/// One registration of a waiter on one channel's queue.
#[derive(Debug)]
pub(crate) struct Entry {
    /// The waiter's context (kept alive by this `Arc` for step 3's wake).
    pub(crate) cx: Arc<Context>,
    /// The operation index reported to the waiter when this entry's claim wins.
    pub(crate) oper: usize,
    /// `null`: an observer (claiming it only notifies). Otherwise a `*const Packet<T>` owned
    /// by the waiter, valid until the waiter sees DONE or aborts; or, if `mailbox`, a select
    /// send case's `*const Mailbox` (handoff.rs, issue 16 item 4).
    pub(crate) packet: *const (),
    /// `packet` is a select send case's mailbox: the claimer writes its own waiting entry there
    /// and the select hands its message to that entry (handoff.rs `request_from`).
    pub(crate) mailbox: bool,
}

// SAFETY: the packet pointer is only dereferenced by the thread that wins the claim (step 2),
// before it completes (step 3); the waiter keeps the packet alive until DONE or a won abort.
unsafe impl Send for Entry {}

/// A FIFO of waiters (lives inside a channel's lock).
#[derive(Debug, Default)]
pub(crate) struct Waiters {
    q: std::collections::VecDeque<Entry>,
}

impl Waiters {
    pub(crate) fn push(&mut self, e: Entry) {
        self.q.push_back(e);
    }
    pub(crate) fn push_front(&mut self, e: Entry) {
        self.q.push_front(e);
    }
    pub(crate) fn is_empty(&self) -> bool {
        self.q.is_empty()
    }
    pub(crate) fn len(&self) -> usize {
        self.q.len()
    }
    /// Removes every entry of `cx`, returning whether one carried a packet (their packets are
    /// the caller's to free).
    pub(crate) fn remove(&mut self, cx: &Arc<Context>) -> Vec<Entry> {
        let mut out = Vec::new();
        let mut i = 0;
        while i < self.q.len() {
            if Arc::ptr_eq(&self.q[i].cx, cx) {
                out.extend(self.q.remove(i));
            } else {
                i += 1;
            }
        }
        out
    }
    /// Pops entries until one's claim wins (step 2); entries that fail are dropped.
    pub(crate) fn claim_one(&mut self) -> Option<Entry> {
        while let Some(e) = self.q.pop_front() {
            if e.cx.claim(e.oper) {
                return Some(e);
            }
        }
        None
    }
    /// Claims every entry (disconnection); the caller completes them after unlocking.
    pub(crate) fn claim_all(&mut self, out: &mut Vec<Entry>) {
        while let Some(e) = self.q.pop_front() {
            if e.cx.claim(e.oper) {
                out.push(e);
            }
        }
    }
    /// Pops until a claimable entry with a packet; claimable observers met on the way are
    /// claimed and pushed to `notified` (complete them after unlocking). A mailbox entry (a
    /// select send case) is returned as a partner; the caller must then run
    /// `handoff::request_from` with it after unlocking.
    pub(crate) fn claim_partner(&mut self, notified: &mut Vec<Entry>) -> Option<Entry> {
        while let Some(e) = self.q.pop_front() {
            if e.cx.claim(e.oper) {
                if e.packet.is_null() {
                    notified.push(e);
                } else {
                    return Some(e);
                }
            }
        }
        None
    }
    /// `true` if some entry carries a packet whose owner may still be claimed.
    pub(crate) fn has_partner(&self) -> bool {
        self.q.iter().any(|e| !e.packet.is_null())
    }
    /// As [`has_partner`](Self::has_partner), ignoring `me`'s own entries: a select never
    /// pairs with itself (issue 16 item 5).
    pub(crate) fn has_partner_except(&self, me: &Arc<Context>) -> bool {
        self.q
            .iter()
            .any(|e| !e.packet.is_null() && !Arc::ptr_eq(&e.cx, me))
    }
    /// Claims every entry but `me`'s own (a registering select notifies the other side's
    /// observers, never itself: issue 16 item 5); the caller completes them after unlocking.
    pub(crate) fn claim_all_except(&mut self, me: &Arc<Context>, out: &mut Vec<Entry>) {
        let mut kept = std::collections::VecDeque::new();
        while let Some(e) = self.q.pop_front() {
            if Arc::ptr_eq(&e.cx, me) {
                kept.push_back(e);
            } else if e.cx.claim(e.oper) {
                out.push(e);
            }
        }
        self.q = kept;
    }
}
