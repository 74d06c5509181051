//! `scope` / `scope_fifo`: spawn borrowed jobs and wait for all of them.

use crate::job::{JobRef, JobResult, Payload};
use crate::latch::{CountLatch, Latch};
use crate::registry::{global_registry, Registry, WorkerThread};
use core::marker::PhantomData;
use portalis_primitives::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use portalis_primitives::sync::{Arc, Mutex};
use std::fmt;
use std::panic::{self, AssertUnwindSafe};

/// Makes the scope invariant in `'scope` (as rayon's does).
type ScopeMarker<'scope> = PhantomData<Box<dyn FnOnce(&Scope<'scope>) + Send + Sync + 'scope>>;

/// How many job counts the scope's owner takes from the shared counter at once (ADR 035).
const RESERVE_BATCH: usize = 64;
/// `reserve` after the body finished: the owner counts one by one again.
const RESERVE_CLOSED: usize = usize::MAX;

struct ScopeBase<'scope> {
    registry: Arc<Registry>,
    latch: CountLatch,
    /// The worker that created the scope and waits for it.
    owner: *const WorkerThread,
    /// Counts the owner added to `latch` in advance and has not used yet: the owner's spawns
    /// skip the contended counter RMW 63 times out of 64. Read and written only on the
    /// owner's thread (Relaxed); released with the body's own count in `complete`.
    reserve: AtomicUsize,
    panic: Mutex<Option<Payload>>,
    _marker: ScopeMarker<'scope>,
}

// SAFETY: `owner` is compared by address only (never dereferenced through the scope); the
// rest is Sync.
unsafe impl Sync for ScopeBase<'_> {}
// SAFETY: as above.
unsafe impl Send for ScopeBase<'_> {}

/// A scope for spawning jobs that may borrow from outside it; see [`scope`].
pub struct Scope<'scope> {
    base: ScopeBase<'scope>,
}

/// A scope whose jobs start in FIFO order; see [`scope_fifo`].
pub struct ScopeFifo<'scope> {
    base: ScopeBase<'scope>,
}

impl fmt::Debug for Scope<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Scope").finish_non_exhaustive()
    }
}

impl fmt::Debug for ScopeFifo<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ScopeFifo").finish_non_exhaustive()
    }
}

/// A raw pointer to a scope, sent to its jobs (the scope outlives them: it waits).
struct ScopePtr<T>(*const T);
// SAFETY: scopes are Sync (their state is atomics and a Mutex) and outlive their jobs.
unsafe impl<T> Send for ScopePtr<T> {}
impl<T> ScopePtr<T> {
    /// A method, so closures capture the whole (Send) wrapper, not the raw field.
    fn get(&self) -> *const T {
        self.0
    }
}

impl<'scope> ScopeBase<'scope> {
    fn new(wt: &WorkerThread) -> Self {
        ScopeBase {
            registry: wt.registry.clone(),
            latch: CountLatch::new(1, wt.spin_latch()),
            owner: wt,
            reserve: AtomicUsize::new(0),
            panic: Mutex::new(None),
            _marker: PhantomData,
        }
    }

    fn job_panicked(&self, p: Payload) {
        let mut slot = self.panic.lock().unwrap();
        if slot.is_none() {
            *slot = Some(p);
        }
    }

    /// Runs one spawned body and counts it done.
    fn execute_job(&self, f: impl FnOnce()) {
        if let Err(p) = panic::catch_unwind(AssertUnwindSafe(f)) {
            self.job_panicked(p);
        }
        // SAFETY: the latch is alive: the scope waits for this very decrement.
        unsafe { CountLatch::set(&self.latch) };
    }

    /// Counts one more job (before it is queued). Returns the current thread's worker (null
    /// outside any pool) so the caller does not read the TLS twice.
    #[inline]
    fn count_job(&self) -> *const WorkerThread {
        let wt = WorkerThread::current();
        if core::ptr::eq(wt, self.owner) {
            // Relaxed: only this (the owner's) thread touches `reserve`.
            let r = self.reserve.load(Relaxed);
            if r != RESERVE_CLOSED {
                if r == 0 {
                    self.latch.add(RESERVE_BATCH);
                    self.reserve.store(RESERVE_BATCH - 1, Relaxed);
                } else {
                    self.reserve.store(r - 1, Relaxed);
                }
                return wt;
            }
        }
        self.latch.increment();
        wt
    }

    /// Queues a counted job: on the current worker's deque when it belongs to this pool, else
    /// through the injector.
    #[inline]
    fn push(&self, wt: *const WorkerThread, job: JobRef) {
        // SAFETY: a non-null TLS pointer is the live worker of this thread.
        match unsafe { wt.as_ref() } {
            Some(w) if core::ptr::eq(&*w.registry, &*self.registry) => w.push(job),
            _ => self.registry.inject(job),
        }
    }

    /// Runs the scope body, then waits for every spawned job; propagates the first panic.
    fn complete<R>(&self, wt: &WorkerThread, f: impl FnOnce() -> R) -> R {
        let r = JobResult::call(f);
        // Close the reserve (jobs this thread runs while waiting may still spawn: they count
        // one by one) and give back what is left of it with the body's own count.
        // Relaxed: owner-only, see `reserve`.
        let unused = self.reserve.swap(RESERVE_CLOSED, Relaxed);
        // SAFETY: our own count (the initial 1) plus the unused reserve, which we hold.
        unsafe { CountLatch::release(&self.latch, 1 + unused) };
        wt.wait_until(&self.latch);
        if let Some(p) = self.panic.lock().unwrap().take() {
            panic::resume_unwind(p);
        }
        r.into_return_value()
    }
}

impl<'scope> Scope<'scope> {
    /// Spawns `body` into the scope; it may borrow anything that outlives the scope.
    pub fn spawn<BODY>(&self, body: BODY)
    where
        BODY: FnOnce(&Scope<'scope>) + Send + 'scope,
    {
        let wt = self.base.count_job();
        let ptr = ScopePtr(self as *const Scope<'scope>);
        let run = move || {
            // SAFETY: the scope waits for this job before it is dropped.
            let scope = unsafe { &*ptr.get() };
            scope.base.execute_job(|| body(scope));
        };
        // SAFETY: the borrowed data outlives the scope, which outlives the job (it waits for
        // it); the job runs once, taken from a queue.
        let job = unsafe { JobRef::spawned(run) };
        self.base.push(wt, job);
    }
}

impl<'scope> ScopeFifo<'scope> {
    /// Spawns `body`; jobs spawned by one thread start in the order they were spawned.
    pub fn spawn_fifo<BODY>(&self, body: BODY)
    where
        BODY: FnOnce(&ScopeFifo<'scope>) + Send + 'scope,
    {
        self.base.count_job();
        let ptr = ScopePtr(self as *const ScopeFifo<'scope>);
        let run = move || {
            // SAFETY: the scope waits for this job before it is dropped.
            let scope = unsafe { &*ptr.get() };
            scope.base.execute_job(|| body(scope));
        };
        // SAFETY: as in Scope::spawn.
        let job = unsafe { JobRef::spawned(run) };
        self.base.registry.inject(job);
    }
}

pub(crate) fn scope_in_worker<'scope, OP, R>(wt: &WorkerThread, op: OP) -> R
where
    OP: FnOnce(&Scope<'scope>) -> R,
{
    let scope = Scope {
        base: ScopeBase::new(wt),
    };
    scope.base.complete(wt, || op(&scope))
}

pub(crate) fn scope_fifo_in_worker<'scope, OP, R>(wt: &WorkerThread, op: OP) -> R
where
    OP: FnOnce(&ScopeFifo<'scope>) -> R,
{
    let scope = ScopeFifo {
        base: ScopeBase::new(wt),
    };
    scope.base.complete(wt, || op(&scope))
}

/// Creates a scope: jobs spawned in it may borrow from the caller's stack; `scope` returns
/// after all of them finished. A panic in `op` or any job propagates (the first one).
///
/// # Examples
/// ```
/// let mut v = vec![0; 4];
/// portalis_scheduler::scope(|s| {
///     for (i, x) in v.iter_mut().enumerate() {
///         s.spawn(move |_| *x = i * 10);
///     }
/// });
/// assert_eq!(v, [0, 10, 20, 30]);
/// ```
pub fn scope<'scope, OP, R>(op: OP) -> R
where
    OP: FnOnce(&Scope<'scope>) -> R + Send,
    R: Send,
{
    let wt = WorkerThread::current();
    // SAFETY: a non-null TLS pointer is the live worker of this thread.
    match unsafe { wt.as_ref() } {
        Some(wt) => scope_in_worker(wt, op),
        None => Registry::in_worker(global_registry(), |wt| scope_in_worker(wt, op)),
    }
}

/// Like [`scope`], with FIFO start order for spawned jobs.
///
/// # Examples
/// ```
/// let order = std::sync::Mutex::new(Vec::new());
/// portalis_scheduler::scope_fifo(|s| {
///     for i in 0..3 {
///         let order = &order;
///         s.spawn_fifo(move |_| order.lock().unwrap().push(i));
///     }
/// });
/// assert_eq!(order.into_inner().unwrap().len(), 3);
/// ```
pub fn scope_fifo<'scope, OP, R>(op: OP) -> R
where
    OP: FnOnce(&ScopeFifo<'scope>) -> R + Send,
    R: Send,
{
    let wt = WorkerThread::current();
    // SAFETY: as in `scope`.
    match unsafe { wt.as_ref() } {
        Some(wt) => scope_fifo_in_worker(wt, op),
        None => Registry::in_worker(global_registry(), |wt| scope_fifo_in_worker(wt, op)),
    }
}
