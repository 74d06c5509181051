//! Getting work into a registry: finding the current worker, running an operation on a
//! worker (`in_worker`: inline on one of ours, else injected while the caller parks), and
//! queuing `'static` jobs (`spawn_job`).

use super::build::global_registry;
use super::state::Registry;
use super::worker::WorkerThread;
use crate::deque::Worker;
use crate::job::{JobRef, StackJob};
use crate::latch::{CrossLatch, LockLatch};
use portalis_primitives::sync::Arc;
use portalis_primitives::Parker;
use std::panic::{self, AssertUnwindSafe};

portalis_primitives::sync::thread_local! {
    /// Each outside thread's parker for blocking on pool work.
    static PARKER: Parker = Parker::new();
}

/// The registry of the current worker, else the global one.
#[inline]
pub(crate) fn current_registry() -> Arc<Registry> {
    let wt = WorkerThread::current();
    // SAFETY: see `Registry::current_worker`.
    match unsafe { wt.as_ref() } {
        Some(w) => w.registry.clone(),
        None => global_registry().clone(),
    }
}

impl Registry {
    /// Is the current thread a worker of this registry? Returns it.
    #[inline]
    pub(crate) fn current_worker(&self) -> Option<&WorkerThread> {
        let wt = WorkerThread::current();
        // SAFETY: a non-null TLS pointer is the live worker of this thread (cleared before
        // the worker is dropped).
        let wt = unsafe { wt.as_ref() }?;
        core::ptr::eq(&*wt.registry, self).then_some(wt)
    }

    /// Runs a `'static` job: inline without threads, else queued.
    pub(crate) fn spawn_job(this: &Arc<Self>, f: impl FnOnce() + Send + 'static, fifo: bool) {
        if this.inline {
            // No threads: run it now, on the caller.
            if let Err(p) = panic::catch_unwind(AssertUnwindSafe(f)) {
                this.handle_panic(p);
            }
            return;
        }
        // No `Arc<Registry>` clone per job (two contended RMWs): the job runs on a worker of
        // this registry and finds it through the worker's TLS when it needs the panic handler.
        let run = move || {
            if let Err(p) = panic::catch_unwind(AssertUnwindSafe(f)) {
                // SAFETY: spawned jobs run only on workers of their registry (non-null TLS).
                let wt = unsafe { &*WorkerThread::current() };
                wt.registry.handle_panic(p);
            }
        };
        // SAFETY: the closure is 'static; the job (inline, or boxed and freeing itself) runs
        // once, taken from a queue.
        let job = unsafe { JobRef::spawned(run) };
        match this.current_worker() {
            Some(wt) if fifo => wt.push_fifo(job),
            Some(wt) => wt.push(job),
            None => this.inject(job),
        }
    }

    /// Runs a `'static` job on worker `i` alone (its broadcast queue): inline without
    /// threads, else queued; the caller wakes the sleepers (`sleep.wake_all`) after queuing
    /// all of a broadcast's jobs. Its panic goes to the panic handler.
    pub(crate) fn spawn_job_on(this: &Arc<Self>, i: usize, f: impl FnOnce() + Send + 'static) {
        if this.inline {
            let wt = WorkerThread::new(this.clone(), 0, Worker::new_lifo());
            let prev = WorkerThread::set_current(&wt);
            if let Err(p) = panic::catch_unwind(AssertUnwindSafe(f)) {
                this.handle_panic(p);
            }
            WorkerThread::set_current(prev);
            return;
        }
        let run = move || {
            if let Err(p) = panic::catch_unwind(AssertUnwindSafe(f)) {
                // SAFETY: broadcast jobs run only on workers of their registry.
                let wt = unsafe { &*WorkerThread::current() };
                wt.registry.handle_panic(p);
            }
        };
        // SAFETY: 'static closure; runs once, taken from the queue.
        this.push_broadcast(i, unsafe { JobRef::spawned(run) });
    }

    /// Runs `op` on a worker of this registry and returns its result.
    #[inline]
    pub(crate) fn in_worker<OP, R>(this: &Arc<Self>, op: OP) -> R
    where
        OP: FnOnce(&WorkerThread) -> R + Send,
        R: Send,
    {
        let wt = WorkerThread::current();
        // SAFETY: see `current_worker`.
        match unsafe { wt.as_ref() } {
            Some(wt) if core::ptr::eq(&*wt.registry, &**this) => op(wt),
            _ => Registry::in_worker_cold(this, op),
        }
    }

    #[cold]
    fn in_worker_cold<OP, R>(this: &Arc<Self>, op: OP) -> R
    where
        OP: FnOnce(&WorkerThread) -> R + Send,
        R: Send,
    {
        if this.inline {
            return Registry::in_worker_here(this, op);
        }
        // SAFETY: see `current_worker`.
        if let Some(current) = unsafe { WorkerThread::current().as_ref() } {
            // Negative control of `verify/` (checker builds only, never shipped): a worker of
            // another pool parks like an outside thread (the deadlock of issue 15 §1).
            if !cfg!(portalis_seeded_bug = "cross_pool_parks") {
                return Registry::in_worker_cross(this, current, op);
            }
        }
        PARKER.with(|parker| {
            let job = StackJob::new(
                |_migrated: bool| {
                    let wt = WorkerThread::current();
                    // SAFETY: injected jobs run on a worker of this registry.
                    op(unsafe { &*wt })
                },
                LockLatch::new(parker.unparker()),
            );
            // SAFETY: `job` outlives its execution: we wait for the latch below.
            this.inject(unsafe { job.as_job_ref() });
            job.latch.wait(parker);
            job.into_result()
        })
    }

    /// Runs `op` on the calling thread as the one (virtual) worker of an inline registry (no
    /// threads); no `Send` bound: nothing leaves this thread.
    pub(crate) fn in_worker_here<OP, R>(this: &Arc<Self>, op: OP) -> R
    where
        OP: FnOnce(&WorkerThread) -> R,
    {
        debug_assert!(this.inline);
        let wt = WorkerThread::new(this.clone(), 0, Worker::new_lifo());
        let prev = WorkerThread::set_current(&wt);
        struct Restore(*const WorkerThread);
        impl Drop for Restore {
            fn drop(&mut self) {
                WorkerThread::set_current(self.0);
            }
        }
        let _restore = Restore(prev);
        let r = op(&wt);
        // Run anything left behind (spawns whose scope already ended cannot exist).
        while let Some(j) = wt.deque.pop() {
            // SAFETY: taken from the queue.
            unsafe { j.execute() };
        }
        r
    }

    /// `in_worker` from `current`, a worker of another pool: inject `op` here and, while it
    /// runs, keep executing `current`'s own pool's jobs (its broadcast jobs included), so two
    /// pools calling into each other cannot deadlock (issue 15 §1).
    #[cold]
    fn in_worker_cross<OP, R>(this: &Arc<Self>, current: &WorkerThread, op: OP) -> R
    where
        OP: FnOnce(&WorkerThread) -> R + Send,
        R: Send,
    {
        let job = StackJob::new(
            |_migrated: bool| {
                let wt = WorkerThread::current();
                // SAFETY: injected jobs run on a worker of this registry.
                op(unsafe { &*wt })
            },
            CrossLatch::new(current.spin_latch(), current.registry.clone()),
        );
        // SAFETY: `job` outlives its execution: we wait for the latch below.
        this.inject(unsafe { job.as_job_ref() });
        // Marked: a worker that dies in this wait leaves a job of another pool that may still
        // use its stack, so that stack is never freed (ADR 123).
        crate::running::cross_wait(|| current.wait_until(&job.latch));
        job.into_result()
    }
}
