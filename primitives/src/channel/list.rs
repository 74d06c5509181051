//! The lock-free buffer of `unbounded()`: a singly linked list of blocks of slots
//! (docs/notes/channels.md §3.5; the block-list technique of crossbeam's list flavour, ADR 025).
//!
//! # Positions
//! `head.pos` / `tail.pos` count messages shifted left by [`SHIFT`]; bit 0 of `head.pos` is
//! [`MORE`] ("head's block is not the last one", so a reader need not look at `tail`). A block
//! spans [`LAP`] positions: offsets `0 .. BLOCK` are slots, offset `BLOCK` is a gap that means
//! "the next block is being installed" (whoever holds such a position waits a moment).
//!
//! # Protocol (step numbers are cited in the code)
//! 1. Writer: CAS `tail.pos` forward (one RMW on the fast path). The claimant of a block's last
//!    slot installs the next block (allocated *before* its CAS, so no allocation happens in
//!    the window): stores `tail.block`, then `tail.pos` (past the gap, Release, partner: the
//!    Acquire loads of writers), then links `block.next` (Release, partner: readers' Acquire
//!    in `wait_next`). It then writes its slot and sets its `written` flag with a plain Release
//!    store (partner: the reader's Acquire in `wait_write`) — a flag apart from the reader's
//!    `READ` flag, so the writer needs no second RMW.
//! 2. Reader: unless `MORE` is set, compare with `tail.pos` to report empty; then CAS
//!    `head.pos` forward. The claimant of a block's last slot advances `head` to the next block
//!    the same way (waiting for `next`). It then waits for `written` and moves the value out.
//! 3. Freeing (ADR 102): the reader of a slot other than its block's last sets the slot's
//!    `READ` flag with a plain Release store once it has moved the value out, and touches the
//!    block no more. The reader of the last slot *retires* the block: it scans the other
//!    slots' flags (Acquire, partner: those Release stores) and frees the block if all are
//!    read; otherwise it pushes the block on the list's `retired` stack (a CAS, Release), and
//!    every later retirement first takes the whole stack (one `swap`, Acquire) and re-scans
//!    each block in it, freeing the finished ones and pushing back the rest. The list's `Drop`
//!    frees what is left (every read has finished by then). A block is freed once, by the one
//!    thread that holds it (a retiring reader, or a sweeper that took it off the stack), after
//!    every reader of it has finished; readers pay no read-modify-write for it (the swap this
//!    replaces cost ~5 ns per message, ADR 102).

use super::drops::DropAll;
use crate::sync::atomic::{
    AtomicBool, AtomicPtr, AtomicU8, AtomicUsize,
    Ordering::{Acquire, Relaxed, Release, SeqCst},
};

/// The order of a writer's `written` store: Release (partner: the reader's Acquire in
/// `wait_write`). `verify/scripts/controls.sh` weakens it under `portalis_seeded_bug` (model
/// builds only, never shipped).
const WRITTEN_ORDER: crate::sync::atomic::Ordering =
    if cfg!(portalis_seeded_bug = "list_relaxed_written") {
        Relaxed
    } else {
        Release
    };
use crate::sync::cell::UnsafeCell;
use crossbeam_utils::CachePadded;
use std::mem::MaybeUninit;

/// Slots per block (docs/notes/channels.md §3.5 asks for 64–256; LAP = 64 keeps `%`/`/` shifts). Two under
/// the models, so a handful of messages crosses block boundaries.
const BLOCK: usize = if crate::sync::MODEL { 2 } else { 63 };
/// Positions per block: the slots plus the installation gap.
const LAP: usize = BLOCK + 1;
/// Low bits of a position reserved for flags.
const SHIFT: usize = 1;
/// `head.pos` flag: head's block is not the last one.
const MORE: usize = 1;

/// Slot state bit: the value was moved out (steps 2–3).
const READ: u8 = 2;

/// The flags of one slot, kept apart from the payloads (docs/notes/channels.md §3.5: 1-byte states next
/// to 8-byte payloads would pad every slot to 16 bytes; apart, a block of `u64` messages is
/// 8 + 63 × 10 bytes instead of 8 + 63 × 16, and the seq cells' page faults shrink with it).
struct Slot {
    /// The value is written (step 1); only the slot's writer stores it.
    written: AtomicBool,
    /// `READ` (steps 2–3): stored once, by the slot's reader, as its last access to the block.
    state: AtomicU8,
}

impl Slot {
    /// Step 3: the reader has moved the value out; its last access to the block.
    #[inline(always)]
    fn mark_read(&self) {
        // Release: partner of the Acquire in `Block::all_read` (the move-out happens before the
        // block is freed). `verify/scripts/controls.sh` weakens it under `portalis_seeded_bug`.
        let order = if cfg!(portalis_seeded_bug = "list_relaxed_read") {
            Relaxed
        } else {
            Release
        };
        self.state.store(READ, order);
    }

    /// Step 2: waits for the writer that claimed this slot to finish.
    #[inline(always)]
    fn wait_write(&self) {
        // Acquire: partner of the Release `written` store in `push` (the value is visible).
        if !self.written.load(Acquire) {
            self.wait_write_slow();
        }
    }

    #[cold]
    fn wait_write_slow(&self) {
        // Spin, then yield: the thread we wait for may be preempted (docs/notes/channels.md §4).
        let backoff = crate::Backoff::new();
        // Acquire: partner of the Release `written` store in `push` (the value is visible).
        while !self.written.load(Acquire) {
            backoff.snooze();
        }
    }
}

struct Block<T> {
    next: AtomicPtr<Block<T>>,
    /// The next block on the list's `retired` stack (step 3); only its holder writes it.
    retired_next: AtomicPtr<Block<T>>,
    /// The payloads; slot `i`'s flags are `slots[i]`.
    vals: [UnsafeCell<MaybeUninit<T>>; BLOCK],
    slots: [Slot; BLOCK],
}

impl<T> Block<T> {
    fn alloc() -> *mut Block<T> {
        Box::into_raw(Box::new(Block {
            next: AtomicPtr::new(core::ptr::null_mut()),
            retired_next: AtomicPtr::new(core::ptr::null_mut()),
            vals: core::array::from_fn(|_| UnsafeCell::new(MaybeUninit::uninit())),
            slots: core::array::from_fn(|_| Slot {
                written: AtomicBool::new(false),
                state: AtomicU8::new(0),
            }),
        }))
    }

    /// Waits until the next block is linked (step 1) and returns it.
    fn wait_next(&self) -> *mut Block<T> {
        // Spin, then yield: the thread we wait for may be preempted (docs/notes/channels.md §4).
        let backoff = crate::Backoff::new();
        loop {
            // Acquire: partner of the Release store of `next` in `push`.
            let n = self.next.load(Acquire);
            if !n.is_null() {
                return n;
            }
            backoff.snooze();
        }
    }

    /// Step 3: `true` once the reader of every slot but the last has stored `READ`.
    ///
    /// # Safety
    /// `this` is alive and held by the caller (retiring it, or taken off the `retired` stack).
    unsafe fn all_read(this: *mut Block<T>) -> bool {
        // `verify/scripts/controls.sh` skips this check under `portalis_seeded_bug`, never
        // shipped.
        if cfg!(portalis_seeded_bug = "list_free_unread") {
            return true;
        }
        // SAFETY: the caller's contract: the block is alive.
        let slots = unsafe { &(&(*this).slots)[..BLOCK - 1] };
        // Every flag is loaded (no early exit) and the states are ANDed: a state is 0 or
        // `READ`, so the AND has `READ` iff all do. A branch-free loop the compiler unrolls:
        // the scan was ~4 instructions per message of the seq cell (ADR 127). Retiring a block
        // that is not all read is rare and then costs the rest of the loads, nothing else.
        let all = slots.iter().fold(READ, |acc, slot| {
            // Acquire: partner of the reader's Release `READ` store (its move of the value out
            // is done, and it touches the block no more).
            acc & slot.state.load(Acquire)
        });
        all & READ != 0
    }

    /// Step 3: frees a block whose readers have all finished.
    ///
    /// # Safety
    /// `this` came from [`Block::alloc`], is held by the caller, and [`all_read`](Self::all_read)
    /// returned `true` for it (or no other thread can reach it any more).
    unsafe fn free(this: *mut Block<T>) {
        // Model builds: freeing is a write to the payload memory, so the model checker sees a
        // free that races with a reader's move-out (a free without the READ Acquire above).
        #[cfg(any(portalis_loom, portalis_shuttle))]
        // SAFETY: the caller's contract: the block is alive and ours.
        for v in unsafe { &(*this).vals } {
            v.with_mut(|_| ());
        }
        // SAFETY: the caller's contract; nothing points into the block any more.
        drop(unsafe { Box::from_raw(this) });
    }
}

/// One end of the list.
struct End<T> {
    pos: AtomicUsize,
    block: AtomicPtr<Block<T>>,
}

/// An unbounded lock-free MPMC queue.
pub(crate) struct List<T> {
    head: CachePadded<End<T>>,
    tail: CachePadded<End<T>>,
    /// Retired blocks some reader of which had not finished yet (step 3), linked through
    /// `retired_next`; touched once per block, so not padded.
    retired: AtomicPtr<Block<T>>,
}

// SAFETY: values move between threads through the list (T: Send); slot access is exclusive by
// the position claims (module docs).
unsafe impl<T: Send> Sync for List<T> {}
// SAFETY: as above.
unsafe impl<T: Send> Send for List<T> {}

impl<T> core::fmt::Debug for List<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("List").finish_non_exhaustive()
    }
}

impl<T> List<T> {
    pub(crate) fn new() -> List<T> {
        let b = Block::alloc();
        List {
            head: CachePadded::new(End {
                pos: AtomicUsize::new(0),
                block: AtomicPtr::new(b),
            }),
            tail: CachePadded::new(End {
                pos: AtomicUsize::new(0),
                block: AtomicPtr::new(b),
            }),
            retired: AtomicPtr::new(core::ptr::null_mut()),
        }
    }

    /// Step 3: the reader of `block`'s last slot is done with it. Sweeps the blocks retired
    /// earlier, then frees `block` or leaves it on the `retired` stack.
    ///
    /// # Safety
    /// The caller read `block`'s last slot and touches the block no more.
    #[inline(never)]
    unsafe fn retire(&self, block: *mut Block<T>) {
        // Relaxed: only decides whether to sweep; the swap in `sweep` is the synchronising read.
        if !self.retired.load(Relaxed).is_null() {
            self.sweep();
        }
        // SAFETY: the caller's contract: we hold `block`.
        unsafe {
            if Block::all_read(block) {
                Block::free(block);
            } else {
                self.defer(block);
            }
        }
    }

    /// Step 3: takes the whole `retired` stack and frees the blocks in it whose readers have
    /// finished; the others go back on the stack.
    fn sweep(&self) {
        // Acquire: partner of the Release CAS in `defer` (the pushed block's `retired_next`).
        // Taking the whole stack makes us the only holder of every block in it (no ABA: no
        // single-element pop exists).
        let mut b = self.retired.swap(core::ptr::null_mut(), Acquire);
        while !b.is_null() {
            // SAFETY: we hold every block of the chain we took; each is alive (only its holder
            // frees it).
            unsafe {
                // Relaxed: written by the block's previous holder before its Release push.
                let next = (*b).retired_next.load(Relaxed);
                if Block::all_read(b) {
                    Block::free(b);
                } else {
                    self.defer(b);
                }
                b = next;
            }
        }
    }

    /// Step 3: pushes a held block on the `retired` stack; the caller touches it no more.
    ///
    /// # Safety
    /// `b` is alive, held by the caller, and on no stack.
    unsafe fn defer(&self, b: *mut Block<T>) {
        // Relaxed: a guess, validated by the CAS.
        let mut top = self.retired.load(Relaxed);
        loop {
            // SAFETY: the caller's contract: we hold `b`. Relaxed: published by the CAS below.
            unsafe { (*b).retired_next.store(top, Relaxed) };
            // Release: partner of the Acquire swap in `sweep` (our `retired_next` store).
            match self.retired.compare_exchange_weak(top, b, Release, Relaxed) {
                Ok(_) => return,
                Err(t) => top = t,
            }
        }
    }

    /// Step 1 once, for a slot that is not its block's last (no installation, no loop, no
    /// backoff): the uncontended fast path, small enough to inline into `send`. `Err(msg)`:
    /// not done (gap, last slot, or a lost CAS); the caller falls back to [`push`](Self::push).
    #[inline(always)]
    pub(crate) fn try_push_fast(&self, msg: T) -> Result<(), T> {
        // Acquire (both): as in `push`.
        let tail = self.tail.pos.load(Acquire);
        let block = self.tail.block.load(Acquire);
        let offset = (tail >> SHIFT) % LAP;
        // SeqCst on success: as in `push` (lockfree.rs step R2). Relaxed on failure: we retry in
        // `push`, which reloads everything. A successful CAS from `tail` proves `block` is
        // that position's block, as in `push`'s first round.
        if offset + 1 < BLOCK
            && self
                .tail
                .pos
                .compare_exchange(tail, tail + (1 << SHIFT), SeqCst, Relaxed)
                .is_ok()
        {
            // SAFETY: as in `push`: our CAS claimed this slot of the live block `block`
            // (`offset < BLOCK`), and we are its only writer.
            let slot = unsafe { (*block).slots.get_unchecked(offset) };
            // SAFETY: as above.
            let val = unsafe { (*block).vals.get_unchecked(offset) };
            // SAFETY: as above.
            val.with_mut(|p| unsafe { (*p).write(msg) });
            // Release: partner of the Acquire in `wait_write`.
            slot.written.store(true, WRITTEN_ORDER);
            return Ok(());
        }
        Err(msg)
    }

    /// Step 2 once, for a slot that is not its block's last (see
    /// [`try_push_fast`](Self::try_push_fast)). `None`: not decided here (empty, gap, last
    /// slot, or a lost CAS); the caller falls back to [`pop`](Self::pop).
    #[inline(always)]
    pub(crate) fn try_pop_fast(&self) -> Option<T> {
        // Acquire (both): as in `pop`.
        let head = self.head.pos.load(Acquire);
        let block = self.head.block.load(Acquire);
        let offset = (head >> SHIFT) % LAP;
        if offset + 1 >= BLOCK {
            return None;
        }
        let mut new_head = head + (1 << SHIFT);
        if new_head & MORE == 0 {
            // Relaxed: as in `pop` (an emptiness verdict the general path re-checks).
            let tail = self.tail.pos.load(Relaxed);
            if head >> SHIFT == tail >> SHIFT {
                return None;
            }
            if (head >> SHIFT) / LAP != (tail >> SHIFT) / LAP {
                new_head |= MORE;
            }
        }
        // SeqCst on success: as in `pop`. Relaxed on failure: `pop` reloads everything.
        if self
            .head
            .pos
            .compare_exchange(head, new_head, SeqCst, Relaxed)
            .is_err()
        {
            return None;
        }
        // SAFETY: as in `pop`: our claimed slot (not the last, `offset < BLOCK - 1`) is not
        // READ yet, so `block` is alive.
        let slot = unsafe { (*block).slots.get_unchecked(offset) };
        // SAFETY: as above.
        let val = unsafe { (*block).vals.get_unchecked(offset) };
        slot.wait_write();
        // SAFETY: `written` seen (Acquire) and our claim makes us the only reader.
        let msg = val.with(|p| unsafe { (*p).assume_init_read() });
        slot.mark_read();
        Some(msg)
    }

    /// Step 1: enqueues `msg` (never fails).
    #[inline(never)]
    pub(crate) fn push(&self, msg: T) {
        // Spin, then yield: the thread we wait for may be preempted (docs/notes/channels.md §4).
        let backoff = crate::Backoff::new();
        let mut next_block: *mut Block<T> = core::ptr::null_mut();
        // Acquire: partner of the Release `tail.pos` store of a block installer (step 1), so
        // the `tail.block` load below sees that block or a later one.
        let mut tail = self.tail.pos.load(Acquire);
        // Acquire: the block's initialisation happened before its pointer was stored.
        let mut block = self.tail.block.load(Acquire);
        loop {
            let offset = (tail >> SHIFT) % LAP;
            if offset == BLOCK {
                // The next block is being installed.
                backoff.snooze();
                // Acquire: as above.
                tail = self.tail.pos.load(Acquire);
                block = self.tail.block.load(Acquire);
                continue;
            }
            if offset + 1 == BLOCK && next_block.is_null() {
                next_block = Block::alloc();
            }
            let new_tail = tail + (1 << SHIFT);
            // SeqCst on success: one side of the channel's wake-up Dekker pair (lockfree.rs step
            // R2; free on x86). The slot's `written` flag publishes the value. Acquire on failure:
            // as the load above.
            match self
                .tail
                .pos
                .compare_exchange_weak(tail, new_tail, SeqCst, Acquire)
            {
                Ok(_) => {
                    if offset + 1 == BLOCK {
                        let nb = core::mem::replace(&mut next_block, core::ptr::null_mut());
                        // Relaxed: published by the Release `pos` store right after.
                        self.tail.block.store(nb, Relaxed);
                        // Release: partner of the writers' Acquire `pos` loads.
                        self.tail.pos.store(new_tail + (1 << SHIFT), Release);
                        // SAFETY: `block` is alive: our slot in it is not read yet (step 3).
                        // Release: partner of the Acquire in `wait_next`.
                        unsafe { (*block).next.store(nb, Release) };
                    }
                    // SAFETY: our CAS claimed this slot; the block stays alive until its reader
                    // (who waits for `written`) leaves.
                    let slot = unsafe { &(*block).slots[offset] };
                    // SAFETY: as above.
                    let val = unsafe { &(*block).vals[offset] };
                    // SAFETY: the claim makes us the slot's only writer.
                    val.with_mut(|p| unsafe { (*p).write(msg) });
                    // Release: partner of the Acquire in `wait_write`.
                    slot.written.store(true, WRITTEN_ORDER);
                    if !next_block.is_null() {
                        // SAFETY: allocated by us and never shared (another thread installed).
                        drop(unsafe { Box::from_raw(next_block) });
                    }
                    return;
                }
                Err(t) => {
                    tail = t;
                    // Acquire: as above.
                    block = self.tail.block.load(Acquire);
                }
            }
        }
    }

    /// Step 2: dequeues a message, or `None` if the list is empty.
    #[inline(never)]
    pub(crate) fn pop(&self) -> Option<T> {
        // Spin, then yield: the thread we wait for may be preempted (docs/notes/channels.md §4).
        let backoff = crate::Backoff::new();
        // Acquire: partner of the Release `head.pos` store of a reader advancing blocks.
        let mut head = self.head.pos.load(Acquire);
        // Acquire: as above (the block pointer was stored before the position).
        let mut block = self.head.block.load(Acquire);
        loop {
            let offset = (head >> SHIFT) % LAP;
            if offset == BLOCK {
                backoff.snooze();
                // Acquire: as above.
                head = self.head.pos.load(Acquire);
                block = self.head.block.load(Acquire);
                continue;
            }
            let mut new_head = head + (1 << SHIFT);
            if new_head & MORE == 0 {
                // Relaxed: an emptiness verdict; the channel's slow path re-checks after its
                // SeqCst fence, and a claimed slot is waited for (`written`) anyway.
                let tail = self.tail.pos.load(Relaxed);
                if head >> SHIFT == tail >> SHIFT {
                    return None;
                }
                if (head >> SHIFT) / LAP != (tail >> SHIFT) / LAP {
                    new_head |= MORE;
                }
            }
            // SeqCst on success: as in `push` (step R2 for waiting senders; an unbounded
            // channel has none, but select observers use the same path). The value is
            // published by `written`. Acquire on failure: as the load above.
            match self
                .head
                .pos
                .compare_exchange_weak(head, new_head, SeqCst, Acquire)
            {
                Ok(_) => {
                    if offset + 1 == BLOCK {
                        // SAFETY: our claimed slot is not READ yet, so `block` is not freed
                        // (step 3).
                        let next = unsafe { (*block).wait_next() };
                        let mut next_pos = (new_head & !MORE) + (1 << SHIFT);
                        // Relaxed: `next`'s links are re-read with Acquire where used; this
                        // only decides the MORE hint.
                        // SAFETY: `next` is alive: none of its slots can be read before our
                        // `head.pos` store below.
                        if !unsafe { (*next).next.load(Relaxed) }.is_null() {
                            next_pos |= MORE;
                        }
                        // Relaxed: published by the Release `pos` store right after.
                        self.head.block.store(next, Relaxed);
                        // Release: partner of the readers' Acquire `pos` loads.
                        self.head.pos.store(next_pos, Release);
                    }
                    // SAFETY: as above, `block` lives while our slot is not READ.
                    let slot = unsafe { &(*block).slots[offset] };
                    // SAFETY: as above.
                    let val = unsafe { &(*block).vals[offset] };
                    slot.wait_write();
                    // SAFETY: `written` seen (Acquire) and our claim makes us the only reader.
                    let msg = val.with(|p| unsafe { (*p).assume_init_read() });
                    if offset + 1 == BLOCK {
                        // SAFETY: we read the last slot and touch the block no more; step 3.
                        unsafe { self.retire(block) };
                    } else {
                        slot.mark_read();
                    }
                    return Some(msg);
                }
                Err(h) => {
                    head = h;
                    // Acquire: as above.
                    block = self.head.block.load(Acquire);
                }
            }
        }
    }

    /// `true` if no message is queued (a snapshot).
    #[inline]
    pub(crate) fn is_empty(&self) -> bool {
        // Relaxed: a snapshot; callers re-validate (see `pop`).
        let head = self.head.pos.load(Relaxed);
        let tail = self.tail.pos.load(Relaxed);
        head >> SHIFT == tail >> SHIFT
    }

    /// `[head.pos, tail.pos]`: every push and pop moves one of them for good (positions only
    /// grow), so equal pairs read at two instants prove no operation took effect in between (a
    /// non-blocking select's double collect, select.rs).
    pub(crate) fn version(&self) -> [usize; 2] {
        // SeqCst: as in `Ring::version`.
        [self.head.pos.load(SeqCst), self.tail.pos.load(SeqCst)]
    }

    /// The number of queued messages (a snapshot).
    pub(crate) fn len(&self) -> usize {
        loop {
            // Relaxed: a snapshot; re-read until `tail` is stable around `head`.
            let tail = self.tail.pos.load(Relaxed);
            let head = self.head.pos.load(Relaxed);
            if self.tail.pos.load(Relaxed) != tail {
                continue;
            }
            let (mut h, mut t) = (head >> SHIFT, tail >> SHIFT);
            // A position in the gap counts as the start of the next block.
            if h % LAP == BLOCK {
                h += 1;
            }
            if t % LAP == BLOCK {
                t += 1;
            }
            let base = h / LAP * LAP;
            let (h, t) = (h - base, t - base);
            return t - h - (t / LAP - h / LAP);
        }
    }
}

impl<T> Drop for List<T> {
    fn drop(&mut self) {
        // Relaxed (all loads): `&mut self` — no other thread touches the list any more.
        let mut head = self.head.pos.load(Relaxed) >> SHIFT;
        let tail = self.tail.pos.load(Relaxed) >> SHIFT;
        let mut block = self.head.block.load(Relaxed);
        // One message at a time: a panicking `Drop` neither aborts nor leaks the rest; the
        // first panic is resumed once the blocks are freed.
        let mut msgs = DropAll::default();
        while head != tail {
            let offset = head % LAP;
            if offset < BLOCK {
                // SAFETY: positions in [head, tail) were claimed and (all threads gone) written,
                // and never read; `block` is the live block holding them; reading moves the
                // message out, and the slot is never read again.
                let m = unsafe { (*block).vals[offset].with_mut(|p| (*p).assume_init_read()) };
                msgs.drop(m);
            } else {
                // SAFETY: we are the only owner; the next block was linked when this one
                // filled.
                let next = unsafe { (*block).next.load(Relaxed) };
                // SAFETY: as above; nothing points into `block` any more.
                drop(unsafe { Box::from_raw(block) });
                block = next;
            }
            head += 1;
        }
        if !block.is_null() {
            // SAFETY: the last live block, owned by us.
            drop(unsafe { Box::from_raw(block) });
        }
        // Retired blocks still waiting for a reader (step 3): every read has finished now.
        let mut b = self.retired.load(Relaxed);
        while !b.is_null() {
            // SAFETY: `&mut self`: we hold every retired block, and no thread reaches them.
            unsafe {
                // Relaxed: as above.
                let next = (*b).retired_next.load(Relaxed);
                Block::free(b);
                b = next;
            }
        }
        msgs.finish();
    }
}
