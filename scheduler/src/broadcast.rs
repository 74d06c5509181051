//! `broadcast`: run an operation once on every worker of a pool.
//!
//! One [`StackJob`] per worker goes into that worker's own broadcast queue (which it serves
//! before anything else); the jobs share one [`CountLatch`] that the calling worker waits on.

use crate::job::StackJob;
use crate::latch::{CountCore, CountLatch, LatchRef};
use crate::registry::{current_registry, Registry, WorkerThread};
use portalis_primitives::sync::Arc;

/// What a `broadcast` job learns about where it runs.
#[derive(Debug, Clone, Copy)]
pub struct BroadcastContext {
    index: usize,
    num_threads: usize,
}

impl BroadcastContext {
    /// The context of worker `index` of `num_threads`.
    pub(crate) fn new(index: usize, num_threads: usize) -> Self {
        BroadcastContext { index, num_threads }
    }

    /// The context of the worker running this call (a broadcast job runs on a worker).
    pub(crate) fn here(num_threads: usize) -> Self {
        // SAFETY: broadcast jobs run on workers of their pool (non-null TLS).
        let w = unsafe { &*WorkerThread::current() };
        BroadcastContext::new(w.index, num_threads)
    }

    /// The index of the worker running this call.
    pub fn index(&self) -> usize {
        self.index
    }
    /// The pool's worker count.
    pub fn num_threads(&self) -> usize {
        self.num_threads
    }
}

/// Runs `op` on every worker of the current pool (the global one outside any pool); returns
/// the results by worker index.
///
/// # Examples
/// ```
/// let pool = portalis_scheduler::ThreadPoolBuilder::new().num_threads(3).build().unwrap();
/// let idx = pool.install(|| portalis_scheduler::broadcast(|ctx| ctx.index()));
/// assert_eq!(idx, [0, 1, 2]);
/// ```
pub fn broadcast<OP, R>(op: OP) -> Vec<R>
where
    OP: Fn(BroadcastContext) -> R + Sync,
    R: Send,
{
    broadcast_in(&current_registry(), op)
}

/// Runs a broadcast on `registry`: `op` once on every worker; results in index order.
pub(crate) fn broadcast_in<OP, R>(registry: &Arc<Registry>, op: OP) -> Vec<R>
where
    OP: Fn(BroadcastContext) -> R + Sync,
    R: Send,
{
    let n = registry.num_threads();
    if registry.inline {
        return vec![op(BroadcastContext {
            index: 0,
            num_threads: 1,
        })];
    }
    let run = |wt: &WorkerThread| {
        let op = &op;
        let latch = CountLatch::new(n, CountCore::Worker(wt.spin_latch()));
        let jobs: Vec<_> = (0..n)
            .map(|_| {
                StackJob::new(
                    move |_| {
                        // SAFETY: broadcast jobs run on workers of this pool.
                        let w = unsafe { &*WorkerThread::current() };
                        op(BroadcastContext {
                            index: w.index,
                            num_threads: n,
                        })
                    },
                    LatchRef(&latch),
                )
            })
            .collect();
        for (i, job) in jobs.iter().enumerate() {
            // SAFETY: `jobs` is not moved or dropped until the count latch is set.
            wt.registry.push_broadcast(i, unsafe { job.as_job_ref() });
        }
        wt.registry.sleep.wake_all();
        wt.wait_until(&latch);
        jobs.into_iter().map(|j| j.into_result()).collect()
    };
    Registry::in_worker(registry, run)
}

/// Queues `op` to run once on every worker of the current pool (the global one outside any
/// pool) and returns at once (rayon-core's `spawn_broadcast`). A panic in `op` goes to the
/// pool's panic handler.
///
/// # Examples
/// ```
/// use std::sync::mpsc;
/// let pool = portalis_scheduler::ThreadPoolBuilder::new().num_threads(2).build().unwrap();
/// let (tx, rx) = mpsc::channel();
/// let tx = std::sync::Mutex::new(tx);
/// pool.install(|| portalis_scheduler::spawn_broadcast(move |ctx| tx.lock().unwrap().send(ctx.index()).unwrap()));
/// let mut got = [rx.recv().unwrap(), rx.recv().unwrap()];
/// got.sort();
/// assert_eq!(got, [0, 1]);
/// ```
pub fn spawn_broadcast<OP>(op: OP)
where
    OP: Fn(BroadcastContext) + Send + Sync + 'static,
{
    spawn_broadcast_in(&current_registry(), op)
}

/// `spawn_broadcast` on `registry`.
pub(crate) fn spawn_broadcast_in<OP>(registry: &Arc<Registry>, op: OP)
where
    OP: Fn(BroadcastContext) + Send + Sync + 'static,
{
    let n = registry.num_threads();
    let op = Arc::new(op);
    for i in 0..n {
        let op = op.clone();
        // The jobs share `op` through the Arc: one word, carried inline in the JobRef.
        Registry::spawn_job_on(registry, i, move || op(BroadcastContext::here(n)));
    }
    registry.sleep.wake_all();
}
