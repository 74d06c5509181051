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

    /// Local push when on one of our workers, else inject.
    pub(crate) fn push_or_inject(&self, job: JobRef) {
        match self.current_worker() {
            Some(wt) => wt.push(job),
            None => self.inject(job),
        }
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
        if fifo {
            this.inject(job);
        } else {
            this.push_or_inject(job);
        }
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
            return r;
        }
        // SAFETY: see `current_worker`.
        if let Some(current) = unsafe { WorkerThread::current().as_ref() } {
            return Registry::in_worker_cross(this, current, op);
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
        current.wait_until(&job.latch);
        job.into_result()
    }
}
