//! `join` with lazy frames (heartbeat scheduling; ADR 030/031).
//!
//! A join records its `b` closure as a frame in the worker's private frame stack — two
//! plain stores, no atomics — runs `a`, and pops the frame. If nobody asked for work in the
//! meantime, `b` runs inline as a plain call. A hungry worker sets the owner's heartbeat flag;
//! the owner checks it (one relaxed load) at each join entry and then promotes its *oldest*
//! recorded frame into its crossbeam deque, where thieves find it. A promoted frame is
//! reclaimed (popped back and run inline) or waited for at the join's end.

use crate::job::JoinJob;
use crate::latch::Probe;
use crate::registry::{global_registry, Registry, WorkerThread};
use core::mem::ManuallyDrop;
use std::panic::{self, AssertUnwindSafe};

/// Runs `a` and `b`, potentially in parallel, and returns both results.
///
/// A panic in either closure propagates to the caller after both have finished: when `a`
/// panics, `b` still runs (or its thief is waited for) before the panic continues, so no work
/// is silently dropped; when both panic, `a`'s panic is the one that propagates (as in
/// rayon-core). Unlike rayon-core, `b` then runs *while* `a`'s panic unwinds (from a drop
/// guard, which costs nothing when `a` returns): inside it `std::thread::panicking()` is
/// `true`, so a `std::sync::Mutex` guard it drops poisons that mutex (this crate's locks do
/// not poison). Called outside any pool, it runs in the global pool.
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

/// `a` then `b` as plain calls; if `a` panics, `b` still runs (during the unwind, see
/// [`join`]) before the panic continues.
#[inline(always)]
fn join_single<A, B, RA, RB>(a: A, b: B) -> (RA, RB)
where
    A: FnOnce() -> RA,
    B: FnOnce() -> RB,
{
    let mut guard = RunOnUnwind(ManuallyDrop::new(b));
    let ra = a();
    // SAFETY: taken once, and the guard is forgotten right after (its drop would take it).
    let b = unsafe { ManuallyDrop::take(&mut guard.0) };
    core::mem::forget(guard);
    (ra, b())
}

/// Holds `b` while `a` runs on the 1-thread path; dropped only when `a` unwinds, and then runs
/// `b`. A guard, not `catch_unwind`, because it costs nothing when `a` returns (ADR 041).
struct RunOnUnwind<B: FnOnce() -> RB, RB>(ManuallyDrop<B>);

impl<B: FnOnce() -> RB, RB> Drop for RunOnUnwind<B, RB> {
    fn drop(&mut self) {
        // SAFETY: reached only when `a` unwound: the happy path takes `b` and forgets us.
        let b = unsafe { ManuallyDrop::take(&mut self.0) };
        run_unwinding(b);
    }
}

/// Runs `b` while `a`'s panic unwinds; `b`'s own panic is caught and dropped (`a`'s continues).
#[cold]
#[inline(never)]
fn run_unwinding<RB>(b: impl FnOnce() -> RB) {
    drop(panic::catch_unwind(AssertUnwindSafe(b)));
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
    let job = JoinJob::new(b, wt.spin_latch());
    // SAFETY: `job` stays on this stack frame until it is popped (and, if promoted, reclaimed
    // or its latch observed), also when `a` unwinds (FrameGuard).
    let idx = wt.push_frame(unsafe { job.as_frame_ref() });
    let guard = FrameGuard { wt, idx, job: &job };
    let ra = a();
    core::mem::forget(guard);
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
    while !job.latch.probe() {
        match wt.deque.pop() {
            // SAFETY: popped back from our own deque: no thief has it, the closure is there.
            Some(j) if j == ours => return unsafe { job.take_func() }(false),
            // SAFETY: taken from our deque: we hold the right to run it.
            Some(j) => unsafe { wt.execute(j) },
            None => {
                wt.wait_until(&job.latch);
                break;
            }
        }
    }
    // SAFETY: the latch is set (a thief ran the job); read once.
    unsafe { job.take_result() }
}

impl<F: FnOnce(bool) -> R, R> JoinJob<F, R> {
    /// The frame was never promoted (or was popped back): run `b` on the unwind path,
    /// dropping its own panic (`a`'s continues).
    #[cold]
    fn run_unwinding(&self) {
        // SAFETY: only the owner's guard calls this, for a frame never promoted (or popped
        // back from its deque): nobody else can take the closure.
        let b = unsafe { self.take_func() };
        run_unwinding(|| b(false));
    }

    /// The frame was promoted: reclaim it (and run it) or wait for its thief.
    #[cold]
    fn reclaim_or_wait(&self, wt: &WorkerThread) {
        // SAFETY: identity only.
        let ours = unsafe { self.as_job_ref() };
        while !self.latch.probe() {
            match wt.deque.pop() {
                Some(j) if j == ours => {
                    self.run_unwinding();
                    return;
                }
                // SAFETY: taken from our deque.
                Some(j) => unsafe { wt.execute(j) },
                None => {
                    wt.wait_until(&self.latch);
                    break;
                }
            }
        }
        // The thief ran `b`; drop its result (a panic of `b` too: `a`'s panic continues).
        // SAFETY: latch observed set; read once.
        unsafe { self.drop_result() };
    }
}

/// Runs only when `a` unwinds: pops the frame and runs `b` (or waits for the thief running
/// it) before the unwind continues, so no work is dropped and no thief can still use the
/// stack frame when it dies (HEARTBEAT.md pitfall 6). A guard rather than `catch_unwind`
/// around `a`: `catch_unwind` measured ~40% more per join on the 2-thread fib (ADR 041).
/// Generic, not `dyn`: the landing pad then finds the job at a fixed stack offset and the
/// fast path stores nothing for the guard.
struct FrameGuard<'a, F: FnOnce(bool) -> R, R> {
    wt: &'a WorkerThread,
    idx: usize,
    job: &'a JoinJob<F, R>,
}

impl<F: FnOnce(bool) -> R, R> Drop for FrameGuard<'_, F, R> {
    fn drop(&mut self) {
        if self.wt.pop_frame(self.idx) {
            self.job.reclaim_or_wait(self.wt);
        } else {
            self.job.run_unwinding();
        }
    }
}
