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

/// Runs `a` and `b`, potentially in parallel, and returns both results.
///
/// A panic in either closure propagates to the caller after both have finished (or one was
/// never started). Called outside any pool, it runs in the global pool.
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
        return (a(), b());
    }
    join_frames(wt, a, b)
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
        return (a(), b());
    }
    join_frames(wt, a, b)
}

/// The lazy-frame path of `join` (more than one worker). Out of line: inlined into the
/// caller it made the caller's frame (and the 1-thread path) pay for its spills, and measured
/// slower on both paths (ADR 034).
#[inline(never)]
fn join_frames<A, B, RA, RB>(wt: &WorkerThread, a: A, b: B) -> (RA, RB)
where
    A: FnOnce() -> RA + Send,
    B: FnOnce() -> RB + Send,
    RA: Send,
    RB: Send,
{
    let job = JoinJob::new(move |_migrated: bool| b(), wt.spin_latch());
    // SAFETY: `job` stays on this stack frame until it is popped (and, if promoted, reclaimed
    // or its latch observed), including on unwind (FrameGuard).
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
    /// The frame was never promoted: drop the closure in place (unwind path).
    #[cold]
    fn drop_func(&self) {
        // SAFETY: only the owner's guard calls this, for a frame never promoted (or popped
        // back from its deque): nobody else can take the closure.
        drop(unsafe { self.take_func() });
    }

    /// The frame was promoted: reclaim it (and drop its closure) or wait for its thief.
    #[cold]
    fn reclaim_or_wait(&self, wt: &WorkerThread) {
        // SAFETY: identity only.
        let ours = unsafe { self.as_job_ref() };
        while !self.latch.probe() {
            match wt.deque.pop() {
                Some(j) if j == ours => {
                    self.drop_func();
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
        // The thief ran `b`; drop its result (a panic of `b` is dropped too: `a`'s panic is
        // the one that continues).
        // SAFETY: latch observed set; read once.
        unsafe { self.drop_result() };
    }
}

/// Runs only when `a` unwinds: pops the frame and, if it was shared, makes sure no thief
/// still uses it before the stack frame dies (HEARTBEAT.md pitfall 6). Generic, not `dyn`:
/// the landing pad then finds the job at a fixed stack offset and the fast path stores
/// nothing for the guard.
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
            self.job.drop_func();
        }
    }
}
