//! The lock-free buffer of `bounded(n)`, n ≥ 2: a fixed array of slots, each carrying a
//! *stamp* that says whose turn the slot is (docs/notes/channels.md §3.4; the stamped-ring technique of
//! Vyukov's bounded MPMC queue, as crossbeam's array flavour uses it).
//!
//! # Positions and stamps
//! A position packs `lap | index`: `index < cap` is the slot, `lap` is a multiple of `span`
//! (the smallest power of two above `cap`) counting trips around the array. `head` is the next
//! position to read, `tail` the next to write. Slot `i` starts with stamp `i` (lap 0, free).
//! * Stamp == `tail` position: the slot is free for the writer of that position.
//! * Stamp == position + 1: the slot holds the message written at that position; readable by
//!   the reader whose `head` is that position.
//! * After reading position `p`, the reader stores `p + span` (the next lap's writer position
//!   for the same slot).
//!
//! Slots store their stamp *minus their index* (wrapping), so the initial stamps are all zero
//! and the ring comes from `alloc_zeroed` without an initialisation pass: pages are touched only
//! when a message first reaches them (docs/notes/channels.md §3.4: a big, mostly empty ring costs no page
//! faults up front). The model builds, whose atomics cannot be zero-filled, initialise normally.
//!
//! A writer claims a position with one CAS on `tail`, writes the value, then publishes with a
//! Release store of the stamp; a reader mirrors it on `head`. Laps make stamps unique, so a
//! stale position can never be mistaken for a current one (no ABA).
//!
//! # Protocol (step numbers are cited in the code)
//! 1. `push`: read `tail`, then the slot's stamp (Acquire, partner: step 4's Release store by
//!    the reader that freed the slot). Stamp == tail: CAS `tail` forward; the winner owns the
//!    slot, writes, and stores stamp = tail + 1 (Release, partner: step 3).
//! 2. `push` sees stamp == tail + 1 − span (a message of the previous lap not yet read): the
//!    ring may be full; it is if `head` (Relaxed: a re-check only decides Full, and the
//!    caller's slow path re-validates after its SeqCst fence) is a whole lap behind `tail`.
//!    Otherwise someone is mid-operation: spin and retry.
//! 3. `pop`: read `head`, then the slot's stamp (Acquire, partner: step 1's Release store).
//!    Stamp == head + 1: CAS `head` forward; the winner owns the value, reads it, and
//!    stores stamp = head + span (Release, partner: step 1's Acquire).
//! 4. `pop` sees stamp == head: the slot is not written yet; the ring is empty if `tail` ==
//!    `head`, else a writer is between its CAS and its stamp store: spin and retry.
//! 5. Claims (a selected send, lockfree.rs step R4): `claim` is step 1 without the write; the
//!    claimant later either writes (`write_claimed`: the value, then stamp = pos + 1) or
//!    abandons (`abandon`: stamp = pos + 2, a *hole*). Stamps of slot `i` are otherwise
//!    `lap + i` or `lap + i + 1`; with `span ≥ 4` (the channel's rings have `cap ≥ 2`; `claim`
//!    asserts it) `lap + i + 2` is neither for any lap, so a hole is never mistaken for a free
//!    or a written slot. `pop` skips a hole (CAS `head` forward, stamp = pos + span, as after a read) and
//!    reports that it freed a slot; `push` treats a hole of the previous lap like an unread
//!    message (step 2). A reader reaching a claimed slot spins until the claimant writes or
//!    abandons it, as in step 4 (crossbeam's array flavour behaves the same way).

use super::drops::drop_each;
use crate::sync::atomic::{
    AtomicUsize,
    Ordering::{Acquire, Relaxed, Release, SeqCst},
};
use crate::sync::cell::UnsafeCell;
use crossbeam_utils::CachePadded;
use std::mem::MaybeUninit;

/// One slot of the ring.
struct Slot<T> {
    /// Whose turn the slot is (module docs).
    stamp: AtomicUsize,
    /// The message, initialised between a writer's stamp store and a reader's CAS.
    val: UnsafeCell<MaybeUninit<T>>,
}

/// A bounded lock-free MPMC ring.
pub(crate) struct Ring<T> {
    /// Next position to read (module docs).
    head: CachePadded<AtomicUsize>,
    /// Next position to write (module docs).
    tail: CachePadded<AtomicUsize>,
    slots: Box<[Slot<T>]>,
    /// A power of two > `slots.len()`: the position distance of one lap.
    span: usize,
    /// `span - 1`, kept for the fast paths (one instruction fewer each, ADR 127).
    mask: usize,
}

// SAFETY: values move between threads through the ring (T: Send); every slot access is
// exclusive by the stamp protocol (module docs).
unsafe impl<T: Send> Sync for Ring<T> {}
// SAFETY: as above.
unsafe impl<T: Send> Send for Ring<T> {}

impl<T> core::fmt::Debug for Ring<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Ring")
            .field("cap", &self.slots.len())
            .finish()
    }
}

/// How `Ring::push` failed (the message is handed back).
pub(crate) struct Full<T>(pub(crate) T);

impl<T> Ring<T> {
    /// A ring of `cap` slots (`cap ≥ 1`), or `None` if the memory cannot be reserved.
    pub(crate) fn new(cap: usize) -> Option<Ring<T>> {
        // Holes (step 5) need span >= 4, i.e. cap >= 2; the channel uses rings only from 2.
        debug_assert!(cap >= 2);
        let span = (cap.checked_add(1)?).checked_next_power_of_two()?;
        Some(Ring {
            head: CachePadded::new(AtomicUsize::new(0)),
            tail: CachePadded::new(AtomicUsize::new(0)),
            slots: Self::alloc_slots(cap)?,
            span,
            mask: span - 1,
        })
    }

    /// `cap` slots with stored stamp 0 (= stamp `i` for slot `i`), zero-filled by the allocator.
    #[cfg(not(any(portalis_loom, portalis_shuttle)))]
    fn alloc_slots(cap: usize) -> Option<Box<[Slot<T>]>> {
        let layout = std::alloc::Layout::array::<Slot<T>>(cap).ok()?;
        if layout.size() == 0 {
            return None; // unreachable: a slot holds an AtomicUsize and cap ≥ 1
        }
        // SAFETY: the layout has a non-zero size.
        let p = unsafe { std::alloc::alloc_zeroed(layout) } as *mut Slot<T>;
        if p.is_null() {
            return None;
        }
        // SAFETY: all-zero bytes are a valid `Slot<T>` (an `AtomicUsize` 0 and a `MaybeUninit`
        // inside a transparent cell); the memory comes from the global allocator with the layout
        // of `[Slot<T>; cap]`, which is how `Box<[Slot<T>]>` frees it.
        Some(unsafe { Box::from_raw(core::ptr::slice_from_raw_parts_mut(p, cap)) })
    }

    /// Model builds: the shim's atomics are objects that must be constructed.
    #[cfg(any(portalis_loom, portalis_shuttle))]
    fn alloc_slots(cap: usize) -> Option<Box<[Slot<T>]>> {
        let mut v: Vec<Slot<T>> = Vec::new();
        v.try_reserve_exact(cap).ok()?;
        v.extend((0..cap).map(|_| Slot {
            stamp: AtomicUsize::new(0),
            val: UnsafeCell::new(MaybeUninit::uninit()),
        }));
        Some(v.into_boxed_slice())
    }

    /// The position after `pos` (wrapping to the next lap after the last slot).
    #[inline]
    fn next(&self, pos: usize) -> usize {
        let mask = self.span - 1;
        Self::next_of(pos, pos & mask, mask, self.slots.len())
    }

    /// [`next`](Self::next) from values already in registers: `idx = pos & mask`,
    /// `mask = span - 1`, `cap = slots.len()`.
    #[inline(always)]
    fn next_of(pos: usize, idx: usize, mask: usize, cap: usize) -> usize {
        // `idx < cap < span`, so on the last slot `pos | mask` is the lap's last position and
        // one more is the next lap's first: `(pos & !mask) + span`, in fewer registers (ADR 127).
        let base = if idx + 1 < cap { pos } else { pos | mask };
        base.wrapping_add(1)
    }

    /// Step 1 once, without a loop or backoff: the uncontended fast path, small enough to
    /// inline into `send`. `Err(msg)`: the slot was not free for the `tail` we read (full,
    /// mid-operation peer, or a lost CAS); the caller falls back to [`push`](Self::push), which
    /// decides.
    #[inline(always)]
    pub(crate) fn try_push_fast(&self, msg: T) -> Result<(), T> {
        // The ring's shape is read once, before the atomics (which would make the compiler
        // reload it after each): ADR 102.
        let (mask, cap) = (self.mask, self.slots.len());
        // Relaxed: only a guess; the stamp's Acquire below validates the slot.
        let tail = self.tail.load(Relaxed);
        let idx = tail & mask;
        // Slot `idx` stores its stamp minus `idx` (module docs): free for `tail` is `lap`,
        // written at `tail` is `lap + 1`.
        let lap = tail.wrapping_sub(idx);
        let next = Self::next_of(tail, idx, mask, cap);
        // SAFETY: `tail`'s index part is always < `slots.len()` (module docs: `next` wraps
        // after the last slot), so the unchecked access is in bounds.
        let slot = unsafe { self.slots.get_unchecked(idx) };
        // Acquire: partner of the Release stamp store in `pop`/`try_pop_fast` (step 3), as in
        // `claim`.
        if slot.stamp.load(Acquire) == lap
            // SeqCst on success: as in `claim` (lockfree.rs step R2's StoreLoad barrier).
            && self
                .tail
                .compare_exchange(tail, next, SeqCst, Relaxed)
                .is_ok()
        {
            // SAFETY: our CAS claimed `tail` while its slot `idx` was free (a `claim`);
            // written exactly once, here.
            unsafe { Self::write_slot(slot, lap.wrapping_add(1), msg) };
            return Ok(());
        }
        Err(msg)
    }

    /// Step 3 once, without a loop or backoff (see [`try_push_fast`](Self::try_push_fast)).
    /// `None`: not decided here; the caller falls back to [`pop`](Self::pop).
    #[inline(always)]
    pub(crate) fn try_pop_fast(&self) -> Option<T> {
        // As in `try_push_fast`: the shape before the atomics.
        let (mask, cap) = (self.mask, self.slots.len());
        // Relaxed: only a guess; the stamp's Acquire below validates the slot.
        let head = self.head.load(Relaxed);
        let idx = head & mask;
        // As in `try_push_fast`: written at `head` is stored as `lap + 1`; read (free for the
        // next lap's writer) as `lap + span`.
        let lap = head.wrapping_sub(idx);
        let next = Self::next_of(head, idx, mask, cap);
        // SAFETY: as in `try_push_fast`, `head`'s index part is < `slots.len()`.
        let slot = unsafe { self.slots.get_unchecked(idx) };
        // Acquire: partner of the Release stamp store in `push`/`try_push_fast` (step 1).
        if slot.stamp.load(Acquire) == lap.wrapping_add(1)
            // SeqCst on success: as in `pop` (step R2 for waiting senders).
            && self
                .head
                .compare_exchange(head, next, SeqCst, Relaxed)
                .is_ok()
        {
            // SAFETY: as in `pop`: the slot holds the value written at `head` and our CAS
            // made us its only reader.
            let msg = slot.val.with(|p| unsafe { (*p).assume_init_read() });
            // Release: partner of the Acquire stamp load in `push`/`try_push_fast` (step 1).
            slot.stamp.store(lap.wrapping_add(mask + 1), Release);
            return Some(msg);
        }
        None
    }

    /// Steps 1–2: enqueues `msg`, or hands it back if the ring is full: a [`claim`](Self::claim)
    /// (step 1's CAS) followed at once by its [`write_claimed`](Self::write_claimed).
    #[inline(never)]
    pub(crate) fn push(&self, msg: T) -> Result<(), Full<T>> {
        match self.claim() {
            Some(pos) => {
                // SAFETY: `pos` is our fresh claim, written exactly once, here.
                unsafe { self.write_claimed(pos, msg) };
                Ok(())
            }
            None => Err(Full(msg)),
        }
    }

    /// Steps 1–2 without the write (step 5): claims the next free slot for a later
    /// [`write_claimed`](Self::write_claimed) or [`abandon`](Self::abandon); `None` if the ring
    /// is full. The claim must be resolved by one of the two: readers that reach the slot spin
    /// until then.
    pub(crate) fn claim(&self) -> Option<usize> {
        // Spin, then yield: the thread we wait for may be preempted (docs/notes/channels.md §4).
        let backoff = crate::Backoff::new();
        // Relaxed: only a guess; the stamp's Acquire below validates the slot.
        let mut tail = self.tail.load(Relaxed);
        loop {
            let idx = tail & (self.span - 1);
            let slot = &self.slots[idx];
            // Acquire: partner of the Release stamp store in `pop` (step 3): the previous
            // reader's move-out of the value happens before our write.
            let stamp = slot.stamp.load(Acquire).wrapping_add(idx);
            if stamp == tail {
                // SeqCst on success: one side of the channel's wake-up Dekker pair (lockfree.rs
                // step R2: this RMW is the StoreLoad barrier before the waiter-count read; free
                // on x86, where every locked RMW is one). The notify after the write follows
                // it, so the argument holds across a select's claim-to-write gap. Ownership of
                // the slot comes from the stamp (Acquire above); `tail` publishes nothing.
                match self
                    .tail
                    .compare_exchange_weak(tail, self.next(tail), SeqCst, Relaxed)
                {
                    Ok(_) => return Some(tail),
                    Err(t) => tail = t,
                }
            } else if stamp.wrapping_add(self.span) == tail.wrapping_add(1)
                || stamp.wrapping_add(self.span) == tail.wrapping_add(2)
            {
                // Step 2 (an unread message, or a hole of step 5, of the previous lap).
                // Relaxed: see the module docs.
                let head = self.head.load(Relaxed);
                if head.wrapping_add(self.span) == tail {
                    return None;
                }
                backoff.snooze();
                // Relaxed: a fresh guess, validated by the stamp as above.
                tail = self.tail.load(Relaxed);
            } else {
                backoff.snooze();
                // Relaxed: as above.
                tail = self.tail.load(Relaxed);
            }
        }
    }

    /// Step 5: fills a slot taken by [`claim`](Self::claim) and hands it to its reader.
    ///
    /// # Safety
    /// `pos` came from `claim` on this ring and was neither written nor abandoned yet.
    #[inline(always)]
    pub(crate) unsafe fn write_claimed(&self, pos: usize, msg: T) {
        let idx = pos & (self.span - 1);
        // SAFETY: a claimed position's index part is < `slots.len()` (`next` wraps after the
        // last slot), so the access is in bounds.
        let slot = unsafe { self.slots.get_unchecked(idx) };
        // SAFETY: the caller's contract, passed on; `slot` is slot `idx` of `pos`, whose
        // "written" stamp is `pos + 1`, stored minus `idx`.
        unsafe { Self::write_slot(slot, pos.wrapping_add(1).wrapping_sub(idx), msg) }
    }

    /// [`write_claimed`](Self::write_claimed) on a slot already looked up.
    ///
    /// # Safety
    /// As for `write_claimed`; `slot` is the claimed position's slot and `stored` its
    /// "written" stamp as stored (position + 1 − index, module docs).
    #[inline(always)]
    unsafe fn write_slot(slot: &Slot<T>, stored: usize, msg: T) {
        // SAFETY: the claim's CAS moved `tail` past `pos` while the slot was free for it, so
        // we are its only writer until the stamp store below (caller's contract: once).
        slot.val.with_mut(|p| unsafe { (*p).write(msg) });
        // Release: partner of the Acquire stamp load in `pop`/`try_pop_fast` (step 3).
        // (`verify/scripts/controls.sh` weakens it under `portalis_seeded_bug`, never shipped.)
        let order = if cfg!(portalis_seeded_bug = "ring_relaxed_stamp") {
            Relaxed
        } else {
            Release
        };
        slot.stamp.store(stored, order);
    }

    /// Step 5: gives up a slot taken by [`claim`](Self::claim). If no position was claimed
    /// after it, the claim is undone (`tail` moves back: the slot is free again) and `true` is
    /// returned; otherwise the slot becomes a hole that the next reader skips (it occupies its
    /// slot until then) and `false` is returned.
    ///
    /// # Safety
    /// As for [`write_claimed`](Self::write_claimed).
    pub(crate) unsafe fn abandon(&self, pos: usize) -> bool {
        // SeqCst: the same RMW order on `tail` as `claim`/`push` (lockfree.rs step R2). Positions
        // carry their lap, so `tail == next(pos)` means nobody claimed after us (no ABA); the
        // slot's stamp still says "free for `pos`", as the claim left it.
        if self
            .tail
            .compare_exchange(self.next(pos), pos, SeqCst, Relaxed)
            .is_ok()
        {
            return true;
        }
        let idx = pos & (self.span - 1);
        // Release: partner of the Acquire stamp load in `pop`/`push` (only the stamp matters;
        // no value is published).
        self.slots[idx]
            .stamp
            .store(pos.wrapping_add(2).wrapping_sub(idx), Release);
        false
    }

    /// Steps 3–5: dequeues a message, or `None` if the ring is empty, skipping holes (step 5)
    /// and setting `*freed` when it skipped one: a slot was freed even if no message is
    /// returned, so waiting senders must be told.
    #[inline(never)]
    pub(crate) fn pop_skipping(&self, freed: &mut bool) -> Option<T> {
        self.pop_impl::<true>(freed)
    }

    /// The last receiver's drain (lockfree.rs step R3): like [`pop_skipping`](Self::pop_skipping), but returns `None`
    /// at a slot still being written (a claim of step 5 or a writer between its CAS and its
    /// stamp store) instead of waiting for it. That message stays in the ring and is dropped
    /// with it; waiting could deadlock when the claim belongs to the dropping thread itself.
    pub(crate) fn pop_no_wait(&self) -> Option<T> {
        self.pop_impl::<false>(&mut false)
    }

    /// Steps 3–5. `WAIT`: spin on a slot that is claimed but not written yet.
    #[inline]
    fn pop_impl<const WAIT: bool>(&self, freed: &mut bool) -> Option<T> {
        // Spin, then yield: the thread we wait for may be preempted (docs/notes/channels.md §4).
        let backoff = crate::Backoff::new();
        // Relaxed: only a guess; the stamp's Acquire below validates the slot.
        let mut head = self.head.load(Relaxed);
        loop {
            let idx = head & (self.span - 1);
            let slot = &self.slots[idx];
            // Acquire: partner of the Release stamp store in `push` (step 1): the writer's
            // value is visible.
            let stamp = slot.stamp.load(Acquire).wrapping_add(idx);
            if stamp == head + 1 {
                // SeqCst on success: as in `claim` (step R2 for waiting senders).
                match self
                    .head
                    .compare_exchange_weak(head, self.next(head), SeqCst, Relaxed)
                {
                    Ok(_) => {
                        // SAFETY: the stamp says the slot holds the value written at `head`,
                        // and our CAS made us its only reader.
                        let msg = slot.val.with(|p| unsafe { (*p).assume_init_read() });
                        // Release: partner of the Acquire stamp load in `push` (step 1).
                        slot.stamp
                            .store(head.wrapping_add(self.span).wrapping_sub(idx), Release);
                        return Some(msg);
                    }
                    Err(h) => head = h,
                }
            } else if stamp == head.wrapping_add(2) {
                // Step 5: a hole. Skip it like a read (SeqCst: as above) and free the slot.
                match self
                    .head
                    .compare_exchange_weak(head, self.next(head), SeqCst, Relaxed)
                {
                    Ok(_) => {
                        // Release: partner of the Acquire stamp load in `push` (step 1).
                        slot.stamp
                            .store(head.wrapping_add(self.span).wrapping_sub(idx), Release);
                        *freed = true;
                        // Relaxed: a fresh guess.
                        head = self.head.load(Relaxed);
                    }
                    Err(h) => head = h,
                }
            } else if stamp == head {
                // Step 4. Relaxed: an emptiness verdict; the caller's slow path re-checks
                // after its SeqCst fence.
                let tail = self.tail.load(Relaxed);
                if tail == head || !WAIT {
                    return None;
                }
                backoff.snooze();
                // Relaxed: a fresh guess.
                head = self.head.load(Relaxed);
            } else {
                backoff.snooze();
                // Relaxed: a fresh guess.
                head = self.head.load(Relaxed);
            }
        }
    }

    /// `[head, tail]`: every push and pop (and hole skip) moves one of them, and positions never
    /// repeat (laps), so equal pairs read at two instants prove no operation took effect in
    /// between (a non-blocking select's double collect, select.rs).
    pub(crate) fn version(&self) -> [usize; 2] {
        // SeqCst: ordered with the select's SeqCst fences around its pass and with the
        // claiming SeqCst CASes on `head`/`tail`.
        [self.head.load(SeqCst), self.tail.load(SeqCst)]
    }

    /// The number of queued messages (a snapshot).
    pub(crate) fn len(&self) -> usize {
        loop {
            // Relaxed: a snapshot; re-read until `tail` is stable around `head`.
            let tail = self.tail.load(Relaxed);
            let head = self.head.load(Relaxed);
            if self.tail.load(Relaxed) == tail {
                let cap = self.slots.len();
                let hi = head & (self.span - 1);
                let ti = tail & (self.span - 1);
                return if hi < ti {
                    ti - hi
                } else if hi > ti {
                    cap - hi + ti
                } else if tail == head {
                    0
                } else {
                    cap
                };
            }
        }
    }

    /// The capacity.
    pub(crate) fn cap(&self) -> usize {
        self.slots.len()
    }
}

impl<T> Drop for Ring<T> {
    fn drop(&mut self) {
        // Messages never received are dropped here, exactly once (the channel takes them out
        // through `pop` when the last receiver leaves, so this only sees late sends).
        // `&mut self`: no claim or write is in flight, so nothing is skipped by not waiting.
        // One at a time, so a panicking `Drop` neither aborts nor leaks the rest.
        drop_each(core::iter::from_fn(|| self.pop_no_wait()));
    }
}
