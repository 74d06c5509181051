//! Latches: one-shot "this job is done" signals.
//!
//! * [`SpinLatch`]: the owner is a worker of the same pool; it keeps working while it waits,
//!   and sleeps through the pool's sleep protocol (PROTOCOL.md step L1–L3).
//! * [`LockLatch`]: the owner is outside the pool (or in another pool) and parks.
//! * [`CountLatch`]: a scope's count of unfinished jobs, owned by a worker.

use crate::pool::Registry;
use crate::worker::WorkerThread;
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

/// A latch whose owner is the worker `owner` (which waits for it, so it outlives the latch's
/// `set`). One pointer instead of registry + index: the join fast path builds one per call.
pub(crate) struct SpinLatch {
    state: AtomicU32,
    owner: *const WorkerThread,
}

// SAFETY: the owner pointer is only dereferenced by `set`, for the owner's immutable `index`
// and `registry` fields, while the owner is blocked waiting for this latch (alive); the rest
// is an atomic.
unsafe impl Send for SpinLatch {}
// SAFETY: as above; shared access is through the atomic state only.
unsafe impl Sync for SpinLatch {}

impl SpinLatch {
    #[inline(always)]
    pub(crate) fn new(owner: &WorkerThread) -> Self {
        SpinLatch {
            state: AtomicU32::new(UNSET),
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
        // SAFETY: `this` is valid until the store below (trait contract); the owner worker is
        // alive (it waits for this latch) and `index`/`registry` never change after it was
        // built, so reading them races with nothing.
        let (registry, owner): (*const Registry, usize) = unsafe {
            let w = (*this).owner;
            (
                &**core::ptr::addr_of!((*w).registry),
                *core::ptr::addr_of!((*w).index),
            )
        };
        // SAFETY: still valid here.
        let state = unsafe { &(*this).state };
        // Release: pairs with the Acquire load in `probe`; publishes the job's result.
        state.store(SET, Release);
        // PROTOCOL.md step L2: Dekker pair with the sleeper's fence in step S3 (it announced
        // SLEEPING, then re-checks this latch; we set the latch, then read its word).
        fence(SeqCst);
        // SAFETY: the setter is a worker of `registry` (stolen jobs run only inside their
        // pool), which holds an `Arc<Registry>`; so the registry outlives this call.
        unsafe { (*registry).sleep.wake_specific(owner) };
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
/// broadcast; the owner is a worker of the pool.
pub(crate) enum CountLatch {
    /// The owner is a worker of the pool.
    Worker {
        counter: AtomicUsize,
        core: SpinLatch,
    },
}

impl CountLatch {
    pub(crate) fn increment(&self) {
        self.add(1);
    }

    /// Adds `n` counts at once (a scope owner's reserve, ADR 035).
    pub(crate) fn add(&self, n: usize) {
        let CountLatch::Worker { counter, .. } = self;
        // Relaxed: the count is only ever decremented by jobs spawned after this increment
        // (the push that hands them over orders it).
        counter.fetch_add(n, Relaxed);
    }

    /// Removes `n` counts at once; the one that reaches zero sets the core latch. `set` is
    /// `release(this, 1)`.
    ///
    /// # Safety
    /// As [`Latch::set`]; the caller holds `n` counts.
    pub(crate) unsafe fn release(this: *const Self, n: usize) {
        // SAFETY: valid on entry; the owner waits for the core latch, which only the last
        // decrement sets, so the counter is alive during our decrement.
        let CountLatch::Worker { counter, core } = unsafe { &*this };
        // AcqRel: the last decrement acquires every other job's writes (Release from their
        // decrements) before setting the core latch.
        if counter.fetch_sub(n, AcqRel) == n {
            // SAFETY: `core` is alive until set.
            unsafe { SpinLatch::set(core) };
        }
    }
}

impl Probe for CountLatch {
    fn probe(&self) -> bool {
        let CountLatch::Worker { core, .. } = self;
        core.probe()
    }
}

impl Latch for CountLatch {
    unsafe fn set(this: *const Self) {
        // SAFETY: forwarded; one count.
        unsafe { CountLatch::release(this, 1) }
    }
}
