//! `join` with lazy frames (heartbeat scheduling; ADR 030/031).
//!
//! A join records its `b` closure as a frame in the worker's private frame stack — two
//! plain stores, no atomics — runs `a`, and pops the frame. If nobody asked for work in the
//! meantime, `b` runs inline as a plain call. A hungry worker sets the owner's heartbeat flag;
//! the owner checks it (one relaxed load) at each join entry and then promotes its *oldest*
//! recorded frame into its crossbeam deque, where thieves find it. A promoted frame is
//! reclaimed (popped back and run inline) or waited for at the join's end.

use crate::job::{JoinJob, Payload};
use crate::latch::Probe;
use crate::registry::{global_registry, Registry, WorkerThread};
use std::panic::{self, AssertUnwindSafe};

/// Runs `a` and `b`, potentially in parallel, and returns both results.
///
/// A panic in either closure propagates to the caller after both have finished: when `a`
/// panics, `b` still runs (or its thief is waited for) before the panic continues, so no work
/// is silently dropped; when both panic, `a`'s panic is the one that propagates (as in
/// rayon-core). Called outside any pool, it runs in the global pool.
///
/// # Examples
/// ```
/// fn fib(n: u64) -> u64 {
///     if n < 2 { return n; }
///     let (a, b) = portalis_scheduler::join(|| fib(n - 1), || fib(n - 2));
///     a + b
/// }
/// assert_eq!(fib(20), 6765);
/// ```
#[inline]
pub fn join<A, B, RA, RB>(a: A, b: B) -> (RA, RB)
where
    A: FnOnce() -> RA + Send,
    B: FnOnce() -> RB + Send,
    RA: Send,
    RB: Send,
{
    let wt = WorkerThread::current();
    if wt.is_null() {
        return join_cold(a, b);
    }
    // SAFETY: a non-null TLS pointer is the live worker running on this thread.
    let wt = unsafe { &*wt };
    if wt.single {
        // One worker: nobody could take `b`; plain calls, no frame, no atomics. Kept apart
        // from the frame path (an out-of-line call) so the caller's own frame stays as small
        // as plain recursion's (S5, ADR 034).
        return join_single(a, b);
    }
    join_frames(wt, a, move |_migrated| b())
}

/// `a` then `b` as plain calls; if `a` panics, `b` still runs before the panic continues.
#[inline(always)]
fn join_single<A, B, RA, RB>(a: A, b: B) -> (RA, RB)
where
    A: FnOnce() -> RA,
    B: FnOnce() -> RB,
{
    match panic::catch_unwind(AssertUnwindSafe(a)) {
        Ok(ra) => (ra, b()),
        Err(p) => run_then_resume(b, p),
    }
}

/// `a` panicked with `p` and `b` was never shared: run `b` (its own panic, if any, is
/// dropped: `a`'s continues), then resume `p`.
#[cold]
#[inline(never)]
fn run_then_resume<B: FnOnce() -> RB, RB>(b: B, p: Payload) -> ! {
    drop(panic::catch_unwind(AssertUnwindSafe(b)));
    panic::resume_unwind(p)
}

#[cold]
#[inline(never)]
fn join_cold<A, B, RA, RB>(a: A, b: B) -> (RA, RB)
where
    A: FnOnce() -> RA + Send,
    B: FnOnce() -> RB + Send,
    RA: Send,
    RB: Send,
{
    Registry::in_worker(global_registry(), |wt| join_in_worker(wt, a, b))
}

/// What a [`join_context`] closure learns about where it runs.
#[derive(Debug, Clone, Copy)]
pub struct FnContext {
    migrated: bool,
}

impl FnContext {
    /// `true` when the closure runs on another thread than the one that called
    /// [`join_context`]: `b` was stolen, or the call came from outside the pool and was
    /// injected into it (then `a` runs on a worker too).
    #[inline]
    pub fn migrated(&self) -> bool {
        self.migrated
    }
}

/// [`join`] whose closures learn whether they migrated to another thread (rayon-core's
/// `join_context`).
///
/// # Examples
/// ```
/// let pool = portalis_scheduler::ThreadPoolBuilder::new().num_threads(1).build().unwrap();
/// // One worker: nothing can be stolen, and install runs on that worker.
/// let (a, b) = pool.install(|| portalis_scheduler::join_context(|c| c.migrated(), |c| c.migrated()));
/// assert_eq!((a, b), (false, false));
/// ```
pub fn join_context<A, B, RA, RB>(a: A, b: B) -> (RA, RB)
where
    A: FnOnce(FnContext) -> RA + Send,
    B: FnOnce(FnContext) -> RB + Send,
    RA: Send,
    RB: Send,
{
    let wt = WorkerThread::current();
    // SAFETY: a non-null TLS pointer is the live worker running on this thread.
    match unsafe { wt.as_ref() } {
        Some(wt) => join_context_in_worker(wt, false, a, b),
        None => {
            let registry = global_registry();
            // Without threads the pool runs on the caller: nothing migrates.
            let injected = !registry.inline;
            Registry::in_worker(registry, |wt| join_context_in_worker(wt, injected, a, b))
        }
    }
}

/// `join_context` on a known worker; `injected`: the call came from outside the pool.
fn join_context_in_worker<A, B, RA, RB>(wt: &WorkerThread, injected: bool, a: A, b: B) -> (RA, RB)
where
    A: FnOnce(FnContext) -> RA + Send,
    B: FnOnce(FnContext) -> RB + Send,
    RA: Send,
    RB: Send,
{
    let a = move || a(FnContext { migrated: injected });
    if wt.single {
        return join_single(a, move || b(FnContext { migrated: false }));
    }
    join_frames(wt, a, move |migrated| b(FnContext { migrated }))
}

/// `join` on a known worker.
#[inline]
pub(crate) fn join_in_worker<A, B, RA, RB>(wt: &WorkerThread, a: A, b: B) -> (RA, RB)
where
    A: FnOnce() -> RA + Send,
    B: FnOnce() -> RB + Send,
    RA: Send,
    RB: Send,
{
    if wt.single {
        // One worker: nobody could take `b`; plain calls, no frame, no atomics.
        return join_single(a, b);
    }
    join_frames(wt, a, move |_migrated| b())
}

/// The lazy-frame path of `join` (more than one worker). Out of line: inlined into the
/// caller it made the caller's frame (and the 1-thread path) pay for its spills, and measured
/// slower on both paths (ADR 034).
#[inline(never)]
fn join_frames<A, B, RA, RB>(wt: &WorkerThread, a: A, b: B) -> (RA, RB)
where
    A: FnOnce() -> RA + Send,
    B: FnOnce(bool) -> RB + Send,
    RA: Send,
    RB: Send,
{
    let job = JoinJob::new(b);
    // SAFETY: `job` stays on this stack frame until it is popped (and, if promoted, reclaimed
    // or its latch observed), also when `a` panics (`a_panicked`).
    let idx = wt.push_frame(unsafe { job.as_frame_ref() });
    let ra = match panic::catch_unwind(AssertUnwindSafe(a)) {
        Ok(ra) => ra,
        Err(p) => a_panicked(wt, idx, &job, p),
    };
    if !wt.pop_frame(idx) {
        // Never shared: run `b` as a plain call.
        // SAFETY: never promoted, so no thief holds the JobRef; the closure is still there.
        return (ra, unsafe { job.take_func() }(false));
    }
    (ra, join_promoted(wt, &job))
}

/// The frame was promoted: reclaim it from our deque, or help until a thief finishes it.
#[cold]
#[inline(never)]
fn join_promoted<F, R>(wt: &WorkerThread, job: &JoinJob<F, R>) -> R
where
    F: FnOnce(bool) -> R,
{
    // SAFETY: used only as an identity to compare with popped JobRefs.
    let ours = unsafe { job.as_job_ref() };
    // SAFETY: the frame was promoted (its latch bound before the push); we are its owner.
    let latch = unsafe { job.latch() };
    while !latch.probe() {
        match wt.deque.pop() {
            // SAFETY: popped back from our own deque: no thief has it, the closure is there.
            Some(j) if j == ours => return unsafe { job.take_func() }(false),
            // SAFETY: taken from our deque: we hold the right to run it.
            Some(j) => unsafe { wt.execute(j) },
            None => {
                wt.wait_until(latch);
                break;
            }
        }
    }
    // SAFETY: the latch is set (a thief ran the job); read once.
    unsafe { job.take_result() }
}

/// `a` panicked with `p`: pop the frame, run `b` (or reclaim it from the deque and run it, or
/// wait for the thief running it), drop `b`'s own result, then resume `p`. The stack frame
/// holding the job dies only after this, so no thief can still use it (docs/notes/heartbeat.md pitfall 6).
#[cold]
#[inline(never)]
fn a_panicked<F, R>(wt: &WorkerThread, idx: usize, job: &JoinJob<F, R>, p: Payload) -> !
where
    F: FnOnce(bool) -> R,
{
    if !wt.pop_frame(idx) {
        // Never shared: the closure is still ours.
        // SAFETY: never promoted, so no thief holds the JobRef.
        let b = unsafe { job.take_func() };
        run_then_resume(|| b(false), p)
    }
    // SAFETY: identity only.
    let ours = unsafe { job.as_job_ref() };
    // SAFETY: the frame was promoted (its latch bound before the push); we are its owner.
    let latch = unsafe { job.latch() };
    while !latch.probe() {
        match wt.deque.pop() {
            Some(j) if j == ours => {
                // SAFETY: popped back from our own deque: no thief has it.
                let b = unsafe { job.take_func() };
                run_then_resume(|| b(false), p)
            }
            // SAFETY: taken from our deque: we hold the right to run it.
            Some(j) => unsafe { wt.execute(j) },
            None => {
                wt.wait_until(latch);
                break;
            }
        }
    }
    // The thief ran `b`; drop its result (a panic of `b` too: `a`'s panic continues).
    // SAFETY: the latch was observed set; read once.
    unsafe { job.drop_result() };
    panic::resume_unwind(p)
}
