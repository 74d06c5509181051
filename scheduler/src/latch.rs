//! Latches: one-shot "this job is done" signals.
//!
//! * [`SpinLatch`]: the owner is a worker of the same pool; it keeps working while it waits,
//!   and sleeps through the pool's sleep protocol (PROTOCOL.md step L1–L3).
//! * [`LockLatch`]: the owner is outside the pool (or in another pool) and parks.
//! * [`CountLatch`]: a scope's (or broadcast's) count of unfinished jobs, owned by a worker.
//! * [`LatchRef`]: a latch owned elsewhere and shared by several jobs.
//! * [`CrossLatch`]: a [`SpinLatch`] set by a worker of *another* pool (a worker of pool A
//!   waiting on pool B keeps running A's jobs); it keeps the owner's pool alive while it wakes.
//!
//! A latch knows only the pool's [`Sleep`] state and its owner's worker index (to wake exactly
//! that worker); it does not know the registry or the worker (no import back up the layers).

use crate::sleep::Sleep;
use portalis_primitives::sync::atomic::{
    fence, AtomicU32, AtomicUsize,
    Ordering::{AcqRel, Acquire, Relaxed, Release, SeqCst},
};
use portalis_primitives::{Parker, Unparker};

/// Latch state: not set.
const UNSET: u32 = 0;
/// Latch state: set; the job's result is published.
const SET: u32 = 1;

/// Something a job sets when it is done.
pub(crate) trait Latch {
    /// Sets the latch.
    ///
    /// # Safety
    /// `this` is valid on entry. The latch (and the job holding it) may be freed by its owner
    /// the moment the state is published, so implementations touch only copies afterwards.
    unsafe fn set(this: *const Self);
}

/// Something a waiter can poll.
pub(crate) trait Probe {
    /// `true` once set; everything the setter wrote before setting is visible.
    fn probe(&self) -> bool;
}

/// A latch whose owner is worker `owner` of the pool whose sleep state is `sleep` (the owner
/// waits for it, so it outlives the latch's `set`).
pub(crate) struct SpinLatch {
    state: AtomicU32,
    sleep: *const Sleep,
    owner: usize,
}

// SAFETY: `sleep` is only dereferenced by `set`, which runs on a worker of the same pool
// (its registry, which owns the `Sleep`, is alive; see `set`); the rest is an atomic and an
// integer.
unsafe impl Send for SpinLatch {}
// SAFETY: as above; shared access is through the atomic state only.
unsafe impl Sync for SpinLatch {}

impl SpinLatch {
    /// A latch owned by worker `owner` of the pool whose sleep state is `sleep`.
    #[inline(always)]
    pub(crate) fn new(sleep: &Sleep, owner: usize) -> Self {
        SpinLatch {
            state: AtomicU32::new(UNSET),
            sleep,
            owner,
        }
    }
}

impl Probe for SpinLatch {
    #[inline]
    fn probe(&self) -> bool {
        // Acquire: pairs with the Release store in `SpinLatch::set`.
        self.state.load(Acquire) == SET
    }
}

impl Latch for SpinLatch {
    unsafe fn set(this: *const Self) {
        // Copy what we need before publishing: the owner may free the latch right after.
        // SAFETY: `this` is valid until the store below (trait contract).
        let (sleep, owner) = unsafe { ((*this).sleep, (*this).owner) };
        // SAFETY: still valid here.
        let state = unsafe { &(*this).state };
        // Release: pairs with the Acquire load in `probe`; publishes the job's result.
        state.store(SET, Release);
        // PROTOCOL.md step L2: Dekker pair with the sleeper's fence in step S3 (it announced
        // SLEEPING, then re-checks this latch; we set the latch, then read its word).
        fence(SeqCst);
        // SAFETY: the setter is a worker of the owner's pool (stolen jobs run only inside their
        // pool) and holds an `Arc` of its registry, which owns `*sleep`; or, for a setter of
        // another pool, the `CrossLatch` around this one holds such an `Arc` until we return.
        // So `*sleep` outlives this call.
        unsafe { (*sleep).wake_specific(owner) };
    }
}

/// A [`SpinLatch`] whose setter belongs to another pool than its owner. The setter holds no
/// reference to the owner's pool, so the latch carries one (`keep`, an `Arc` of the owner's
/// registry): `set` clones it before publishing and drops the clone after the wake, so the
/// owner's `Sleep` outlives the wake even if the owner's pool is dropped the moment the
/// owner sees the latch set. Generic so this module needs no registry type.
pub(crate) struct CrossLatch<K: Clone> {
    core: SpinLatch,
    keep: K,
}

impl<K: Clone> CrossLatch<K> {
    /// `core` must belong to the pool that `keep` keeps alive.
    pub(crate) fn new(core: SpinLatch, keep: K) -> Self {
        CrossLatch { core, keep }
    }
}

impl<K: Clone> Probe for CrossLatch<K> {
    #[inline]
    fn probe(&self) -> bool {
        self.core.probe()
    }
}

impl<K: Clone> Latch for CrossLatch<K> {
    unsafe fn set(this: *const Self) {
        // SAFETY: valid until the core's publishing store (trait contract). The clone keeps
        // the owner's pool (and its `Sleep`, which the core's wake reads) alive until we drop
        // it below, after the wake.
        let keep = unsafe { (*this).keep.clone() };
        if cfg!(portalis_seeded_bug = "cross_latch_skips_wake") {
            // Negative control of `verify/` (checker builds only, never shipped): the latch
            // is published but its owner, perhaps asleep in its own pool, is never woken.
            // SAFETY: valid until this store (trait contract); nothing is touched after it.
            unsafe { (*this).core.state.store(SET, Release) };
            drop(keep);
            return;
        }
        // SAFETY: valid on entry; `SpinLatch::set` touches only copies after its store.
        unsafe { SpinLatch::set(core::ptr::addr_of!((*this).core)) };
        drop(keep);
    }
}

/// A latch for a thread outside the pool: it parks until the job sets it.
pub(crate) struct LockLatch {
    state: AtomicU32,
    unparker: Unparker,
}

impl LockLatch {
    pub(crate) fn new(unparker: Unparker) -> Self {
        LockLatch {
            state: AtomicU32::new(UNSET),
            unparker,
        }
    }

    /// Parks until set.
    pub(crate) fn wait(&self, parker: &Parker) {
        while !self.probe() {
            if parker.park().is_err() {
                // Cannot block here (no-threads target or browser main thread): spin.
                portalis_primitives::sync::hint::spin_loop();
            }
        }
    }
}

impl Probe for LockLatch {
    #[inline]
    fn probe(&self) -> bool {
        // Acquire: pairs with the Release store in `LockLatch::set`.
        self.state.load(Acquire) == SET
    }
}

impl Latch for LockLatch {
    unsafe fn set(this: *const Self) {
        // Clone the unparker first: the owner may free the latch once it sees SET.
        // SAFETY: valid until the store below.
        let unparker = unsafe { (*this).unparker.clone() };
        // SAFETY: still valid here.
        let state = unsafe { &(*this).state };
        // Release: pairs with the Acquire load in `probe`.
        state.store(SET, Release);
        unparker.unpark();
    }
}

/// Counts unfinished jobs of a scope (starts at 1 for the scope body itself) or of a
/// broadcast; the last decrement sets `core`, which the owner waits on.
pub(crate) struct CountLatch {
    counter: AtomicUsize,
    core: CountCore,
}

/// Who waits for a [`CountLatch`].
pub(crate) enum CountCore {
    /// A worker of the pool (it keeps working while it waits).
    Worker(SpinLatch),
    /// A thread outside the pool (`in_place_scope`): it parks.
    Outside(LockLatch),
}

impl CountLatch {
    /// A latch holding `count` counts, owned as `core` says.
    pub(crate) fn new(count: usize, core: CountCore) -> Self {
        CountLatch {
            counter: AtomicUsize::new(count),
            core,
        }
    }

    pub(crate) fn increment(&self) {
        self.add(1);
    }

    /// Adds `n` counts at once (a scope owner's reserve, ADR 035).
    pub(crate) fn add(&self, n: usize) {
        // Relaxed: the count is only ever decremented by jobs spawned after this increment
        // (the push that hands them over orders it).
        self.counter.fetch_add(n, Relaxed);
    }

    /// Removes `n` counts at once; the one that reaches zero sets the core latch. `set` is
    /// `release(this, 1)`.
    ///
    /// # Safety
    /// As [`Latch::set`]; the caller holds `n` counts.
    pub(crate) unsafe fn release(this: *const Self, n: usize) {
        // SAFETY: valid on entry; the owner waits for the core latch, which only the last
        // decrement sets, so the counter is alive during our decrement.
        let CountLatch { counter, core } = unsafe { &*this };
        // AcqRel: the last decrement acquires every other job's writes (Release from their
        // decrements) before setting the core latch.
        // (`verify/scripts/controls.sh` weakens it under `portalis_seeded_bug`, never shipped.)
        let order = if cfg!(portalis_seeded_bug = "scope_counter_relaxed_release") {
            Relaxed
        } else {
            AcqRel
        };
        if counter.fetch_sub(n, order) == n {
            match core {
                // SAFETY: `core` is alive until set.
                CountCore::Worker(l) => unsafe { SpinLatch::set(l) },
                // SAFETY: as above.
                CountCore::Outside(l) => unsafe { LockLatch::set(l) },
            }
        }
    }
}

impl Probe for CountLatch {
    fn probe(&self) -> bool {
        match &self.core {
            CountCore::Worker(l) => l.probe(),
            CountCore::Outside(l) => l.probe(),
        }
    }
}

impl CountLatch {
    /// Parks until set (`CountCore::Outside` only; a worker owner waits in its work loop).
    pub(crate) fn wait_outside(&self, parker: &Parker) {
        if let CountCore::Outside(l) = &self.core {
            l.wait(parker);
        }
    }
}

impl Latch for CountLatch {
    unsafe fn set(this: *const Self) {
        // SAFETY: forwarded; one count.
        unsafe { CountLatch::release(this, 1) }
    }
}

/// A latch owned elsewhere, referenced by several jobs (a broadcast's jobs share one count).
pub(crate) struct LatchRef<'a, L>(pub(crate) &'a L);

impl<L: Latch> Latch for LatchRef<'_, L> {
    unsafe fn set(this: *const Self) {
        // SAFETY: valid on entry (contract); we forward the inner pointer and touch nothing
        // of `this` afterwards.
        let inner: *const L = unsafe { (*this).0 };
        // SAFETY: forwarded contract.
        unsafe { L::set(inner) }
    }
}

impl<L: Probe> Probe for LatchRef<'_, L> {
    fn probe(&self) -> bool {
        self.0.probe()
    }
}
