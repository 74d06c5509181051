//! The running-job chain: which jobs this thread is in the middle of running, so that if the
//! thread dies, each of them can still be completed with [`WorkerDied`] and whoever waits on it
//! wakes instead of waiting forever (ADR 113).
//!
//! Only the threaded browser build needs it. There a panicking job traps its Web Worker:
//! the build is panic=abort, so no frame's `Drop` runs and no latch is set. Natively a panic
//! unwinds into the job's `catch_unwind` and the chain is compiled out: [`Record::run`] is
//! then a plain call. The loom models (`verify/tests/loom_web_death.rs`) compile it in too.
//!
//! # Protocol (numbered as in the comments)
//! * **R1.** Running a job that someone waits on (`StackJob`, `JoinJob`, a scope's job), the
//!   runner links a [`Record`] of it on the thread's chain. The record holds the job's address
//!   and an `abandon` function for the job's type. The record lives in the runner's frame.
//! * **R2.** When the job's body returns (or unwinds), the record is unlinked *before* the
//!   runner writes the result and publishes the latch. From that publish on, the waiter may
//!   free the job, and no record names it any more.
//! * **R3.** A thread that dies (its worker trapped) runs [`abandon_all`] on itself, after the
//!   trap, and before anything else of the pool hears of the death. It walks the chain from
//!   the innermost record out. Each `abandon` writes `WorkerDied` as the job's outcome and sets
//!   the job's latch, once, exactly as the body's return would have.
//!
//! Why the latch is never set twice: normal completion and `abandon` run on the *same* thread.
//! A trap happens at one point of that thread's run. Before R2 the job is on the chain and its
//! latch is unset, so only `abandon` sets it. After R2 it is off the chain, so only the
//! runner's own publish sets it. Between R2 and the publish the runner only moves the result
//! into its slot and stores the latch word, which cannot trap. A death in an *outer* job, after
//! this one completed, finds this record unlinked (R2) and leaves the freed job alone. The
//! negative control `death_unlink_after_publish` (the publish moved inside the record's
//! lifetime) makes the model catch exactly that second set. In the models a thread may die
//! right after a job's publish (`model_die_after_publish`, where nothing can trap in the
//! browser), which is where that bug bites.

#[cfg(any(all(target_arch = "wasm32", target_feature = "atomics"), portalis_loom))]
use core::cell::Cell;

/// The outcome a waiter receives for a job whose runner died: its panic payload, and the
/// error type of the awaited calls (`ThreadPool::install_async`).
///
/// A Web Worker of the pool trapped while the job ran or waited. In this panic=abort build,
/// that happens when a job panics. The pool has booted a replacement and keeps its size.
/// The call's own result is lost: it may have been the job that panicked, or a job waiting
/// on it. Retry the call, or make the job not panic. Where an API returns no `Result`
/// (`install`, `join`, `scope`, `broadcast`), the waiter panics with this value as the payload,
/// as rayon propagates a job's panic.
#[cfg(any(all(target_arch = "wasm32", target_feature = "atomics"), portalis_loom))]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a worker of the pool died while the call was pending ({message}); the pool booted a replacement: retry the call")]
pub struct WorkerDied {
    /// The dead worker's error (the JS text of the trap, e.g. `RuntimeError: unreachable`).
    pub message: String,
}

/// Completes the job at the address with a death outcome (R3).
///
/// # Safety
/// The address is that of a job whose [`Record`] is linked on the calling thread's chain. The
/// thread died inside that job's body (so the job is alive: its waiter has not seen it done).
#[cfg(any(all(target_arch = "wasm32", target_feature = "atomics"), portalis_loom))]
pub(crate) type Abandon = unsafe fn(*const (), &WorkerDied);

/// One job this thread is running (R1). Lives in the runner's frame, linked while the job's
/// body runs.
pub(crate) struct Record {
    #[cfg(any(all(target_arch = "wasm32", target_feature = "atomics"), portalis_loom))]
    job: *const (),
    #[cfg(any(all(target_arch = "wasm32", target_feature = "atomics"), portalis_loom))]
    abandon: Abandon,
    #[cfg(any(all(target_arch = "wasm32", target_feature = "atomics"), portalis_loom))]
    prev: Cell<*const Record>,
}

#[cfg(any(all(target_arch = "wasm32", target_feature = "atomics"), portalis_loom))]
portalis_primitives::sync::thread_local! {
    /// The innermost record of this thread's chain (null: the thread runs no job).
    static TOP: Cell<*const Record> = Cell::new(core::ptr::null());
}

impl Record {
    /// A record of `job`, completed by `abandon` if the thread dies in its body. Natively both
    /// are dropped: the record is empty.
    #[cfg(any(all(target_arch = "wasm32", target_feature = "atomics"), portalis_loom))]
    #[inline(always)]
    pub(crate) fn new(job: *const (), abandon: Abandon) -> Self {
        Record {
            job,
            abandon,
            prev: Cell::new(core::ptr::null()),
        }
    }

    /// Runs `body` with this record linked (R1), unlinking it when `body` returns or unwinds
    /// (R2): the caller publishes the job's outcome only after this returns.
    #[cfg(any(all(target_arch = "wasm32", target_feature = "atomics"), portalis_loom))]
    #[inline(always)]
    pub(crate) fn run<R>(&self, body: impl FnOnce() -> R) -> R {
        /// Unlinks on return and on unwind; a trap runs no `Drop`, so a dead thread's chain
        /// keeps the record for `abandon_all`.
        struct Unlink<'a>(&'a Record);
        impl Drop for Unlink<'_> {
            fn drop(&mut self) {
                let prev = self.0.prev.get();
                TOP.with(|t| t.set(prev));
            }
        }
        TOP.with(|t| {
            self.prev.set(t.get());
            t.set(self);
        });
        let unlink = Unlink(self);
        let r = body();
        drop(unlink);
        r
    }

    /// Natively: a plain call (no thread dies without unwinding, so nothing to record).
    #[cfg(not(any(all(target_arch = "wasm32", target_feature = "atomics"), portalis_loom)))]
    #[inline(always)]
    pub(crate) fn run<R>(&self, body: impl FnOnce() -> R) -> R {
        body()
    }
}

#[cfg(portalis_loom)]
portalis_primitives::sync::thread_local! {
    /// Models only: the death this thread suffers at [`model_death_point`], if any.
    static DIE_AFTER_PUBLISH: core::cell::RefCell<Option<WorkerDied>> =
        core::cell::RefCell::new(None);
}

/// Models only: the next job this thread completes is followed by its death, right after the
/// job published its outcome (before `execute` returns): "the job finishes right as the
/// worker dies".
#[cfg(portalis_loom)]
pub(crate) fn model_die_after_publish(died: WorkerDied) {
    DIE_AFTER_PUBLISH.with(|d| *d.borrow_mut() = Some(died));
}

/// Models only: where a job's `execute` lets the thread die just after its publish, if the
/// model asked for it ([`model_die_after_publish`]). A no-op otherwise.
#[cfg(portalis_loom)]
pub(crate) fn model_death_point() {
    if let Some(died) = DIE_AFTER_PUBLISH.with(|d| d.borrow_mut().take()) {
        // SAFETY: models only: the chain's records are live frames of this thread (the model
        // thread then goes on, which a trapped thread would not, but touches no job again).
        unsafe { abandon_all(&died) };
    }
}

#[cfg(all(target_arch = "wasm32", target_feature = "atomics"))]
std::thread_local! {
    /// How many waits for another pool's job this thread is in (see [`cross_wait`]).
    static CROSS_WAITS: Cell<u32> = const { Cell::new(0) };
}

/// Runs `wait`, a pool worker's wait for its job on another pool (`in_worker_cross`), counted
/// on this thread: a trap skips the decrement, so a dead thread's count says whether a job of
/// another pool may still use its stack (ADR 123). A plain call outside the threaded browser
/// build.
#[inline(always)]
pub(crate) fn cross_wait<R>(wait: impl FnOnce() -> R) -> R {
    #[cfg(all(target_arch = "wasm32", target_feature = "atomics"))]
    {
        /// Decrements on return and on unwind (a trap runs no `Drop`).
        struct Leave;
        impl Drop for Leave {
            fn drop(&mut self) {
                CROSS_WAITS.with(|c| c.set(c.get() - 1));
            }
        }
        CROSS_WAITS.with(|c| c.set(c.get() + 1));
        let leave = Leave;
        let r = wait();
        drop(leave);
        r
    }
    #[cfg(not(all(target_arch = "wasm32", target_feature = "atomics")))]
    wait()
}

/// Whether this thread is inside a [`cross_wait`] (for a dead thread: died in one).
#[cfg(all(target_arch = "wasm32", target_feature = "atomics"))]
pub(crate) fn in_cross_wait() -> bool {
    CROSS_WAITS.with(|c| c.get() != 0)
}

/// Builds the record of `job` for its type's `abandon` (a no-op natively).
macro_rules! record {
    ($job:expr, $abandon:expr) => {{
        #[cfg(any(all(target_arch = "wasm32", target_feature = "atomics"), portalis_loom))]
        let r = $crate::running::Record::new($job as *const _ as *const (), $abandon);
        #[cfg(not(any(all(target_arch = "wasm32", target_feature = "atomics"), portalis_loom)))]
        let r = $crate::running::Record {};
        r
    }};
}
pub(crate) use record;

/// R3: the calling thread died (its Web Worker trapped, and this runs after the trap, on it):
/// completes every job on its chain with `died`, innermost first, and empties the chain.
/// Returns how many jobs it completed.
///
/// # Safety
/// The thread died: none of the linked bodies will ever continue (their frames are abandoned,
/// never freed), so each linked job is alive and unset.
#[cfg(any(all(target_arch = "wasm32", target_feature = "atomics"), portalis_loom))]
pub(crate) unsafe fn abandon_all(died: &WorkerDied) -> usize {
    let mut n = 0;
    let mut at = TOP.with(|t| t.replace(core::ptr::null()));
    while !at.is_null() {
        // SAFETY: a linked record lives in a frame of this thread that was never left (R2
        // unlinks on every way out but a trap), on a stack that is not freed before this
        // thread's death has reached its creator, after this returns (ADR 123).
        let rec = unsafe { &*at };
        at = rec.prev.get();
        // SAFETY: the record names a live, unset job of this thread's chain (the contract).
        unsafe { (rec.abandon)(rec.job, died) };
        n += 1;
    }
    n
}
