//! `scope` / `scope_fifo`: spawn borrowed jobs and wait for all of them.

use crate::broadcast::BroadcastContext;
use crate::job::{JobFifo, JobRef, JobResult, Payload};
use crate::latch::{CountCore, CountLatch, Latch, LockLatch};
use crate::registry::{global_registry, Registry, WorkerThread};
use crate::running::record;
use core::marker::PhantomData;
use portalis_primitives::stdlike::Mutex;
use portalis_primitives::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use portalis_primitives::sync::Arc;
use portalis_primitives::Parker;
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
    /// The owner's own pool when the owner is a worker of *another* pool (`in_place_scope`
    /// from there): a job's last decrement wakes the owner through that pool's sleep state,
    /// so it holds a clone of this across the wake, as `CrossLatch` does (the owner may
    /// return, and its pool be dropped, the moment it sees the count reach zero).
    owner_pool: Option<Arc<Registry>>,
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
    /// This scope's FIFO queue: its workers push tokens on their own deques (issue 15 §8).
    fifo: JobFifo,
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
            latch: CountLatch::new(1, CountCore::Worker(wt.spin_latch())),
            owner: wt,
            reserve: AtomicUsize::new(0),
            panic: Mutex::new(None),
            owner_pool: None,
            _marker: PhantomData,
        }
    }

    /// A scope of `registry` owned by `wt`, a worker of another pool (`in_place_scope` from
    /// there): `wt` waits like a worker, running its own pool's jobs (issue 15 §1's rule).
    fn new_cross(registry: Arc<Registry>, wt: &WorkerThread) -> Self {
        ScopeBase {
            registry,
            latch: CountLatch::new(1, CountCore::Worker(wt.spin_latch())),
            owner: wt,
            reserve: AtomicUsize::new(0),
            panic: Mutex::new(None),
            owner_pool: Some(wt.registry.clone()),
            _marker: PhantomData,
        }
    }

    /// A scope owned by a thread outside `registry` (`in_place_scope`): it parks on
    /// `parker` to wait, and has no reserve (every spawn counts on the shared counter, since
    /// any outside thread would match a null owner).
    fn new_outside(registry: Arc<Registry>, parker: &Parker) -> Self {
        ScopeBase {
            registry,
            latch: CountLatch::new(1, CountCore::Outside(LockLatch::new(parker.unparker()))),
            owner: core::ptr::null(),
            reserve: AtomicUsize::new(RESERVE_CLOSED),
            panic: Mutex::new(None),
            owner_pool: None,
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
        // running.rs R1/R2: if this thread dies in `f`, `abandon` counts the job done.
        record!(self, Self::abandon).run(|| {
            if let Err(p) = panic::catch_unwind(AssertUnwindSafe(f)) {
                self.job_panicked(p);
            }
        });
        self.count_done();
    }

    /// running.rs R3: the thread running one of this scope's jobs died in it; the scope gets
    /// `died` as that job's panic and the job's count back, so the owner does not wait for
    /// ever (it then panics with `died`, as for any job's panic).
    ///
    /// # Safety
    /// As [`crate::running::Abandon`]; `this` is a `ScopeBase`.
    #[cfg(any(all(target_arch = "wasm32", target_feature = "atomics"), portalis_loom))]
    unsafe fn abandon(this: *const (), died: &crate::running::WorkerDied) {
        // SAFETY: the scope waits for this job's count, which only `count_done` below gives.
        let this = unsafe { &*(this as *const Self) };
        this.job_panicked(Box::new(died.clone()));
        this.count_done();
    }

    /// Gives back one job's count (the last one wakes the owner).
    fn count_done(&self) {
        // Keeps a cross-pool owner's pool alive through the wake (see `owner_pool`); taken
        // before the decrement, after which the scope may be gone.
        let keep = self.owner_pool.clone();
        // SAFETY: the latch is alive: the scope waits for this very decrement.
        unsafe { CountLatch::set(&self.latch) };
        drop(keep);
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

    /// The current thread's worker if it belongs to this scope's pool.
    #[inline]
    fn own_worker(&self, wt: *const WorkerThread) -> Option<&WorkerThread> {
        // SAFETY: a non-null TLS pointer is the live worker of this thread.
        unsafe { wt.as_ref() }.filter(|w| core::ptr::eq(&*w.registry, &*self.registry))
    }

    /// Queues a counted job: on the current worker's deque when it belongs to this pool, else
    /// through the injector.
    #[inline]
    fn push(&self, wt: *const WorkerThread, job: JobRef) {
        match self.own_worker(wt) {
            Some(w) => w.push(job),
            None => self.registry.inject(job),
        }
    }

    /// Queues one counted job per worker of the pool into that worker's broadcast queue
    /// (a scope's `spawn_broadcast`); `make()` builds one job per worker.
    fn spawn_broadcast_jobs<F: FnOnce() + Send + 'scope>(&self, make: impl Fn() -> F) {
        let n = self.registry.num_threads();
        // The counts come first: a job may finish before the next one is queued.
        self.latch.add(n);
        for i in 0..n {
            // SAFETY: the job may borrow data outliving the scope (`'scope`), and the scope
            // waits for it (it holds one of the counts added above); runs once, from a queue.
            let job = unsafe { JobRef::spawned(make()) };
            self.registry.push_broadcast(i, job);
        }
        self.registry.sleep.wake_all();
    }

    /// Runs the scope body, then waits for every spawned job; propagates the first panic.
    fn complete<R>(&self, wt: &WorkerThread, f: impl FnOnce() -> R) -> R {
        let r = self.run_body(f);
        wt.wait_until(&self.latch);
        self.finish(r)
    }

    /// [`Self::complete`] for a scope owned by a thread outside the pool.
    fn complete_outside<R>(&self, parker: &Parker, f: impl FnOnce() -> R) -> R {
        let r = self.run_body(f);
        self.latch.wait_outside(parker);
        self.finish(r)
    }

    /// Runs the body and gives back the body's own count and the unused reserve.
    fn run_body<R>(&self, f: impl FnOnce() -> R) -> JobResult<R> {
        let r = JobResult::call(f);
        // Close the reserve (jobs this thread runs while waiting may still spawn: they count
        // one by one) and give back what is left of it with the body's own count.
        // Relaxed: owner-only, see `reserve`.
        let unused = match self.reserve.swap(RESERVE_CLOSED, Relaxed) {
            RESERVE_CLOSED => 0, // an outside owner never had one
            n => n,
        };
        // SAFETY: our own count (the initial 1) plus the unused reserve, which we hold.
        unsafe { CountLatch::release(&self.latch, 1 + unused) };
        r
    }

    /// After every job finished: the first job panic, else the body's outcome.
    fn finish<R>(&self, r: JobResult<R>) -> R {
        if let Some(p) = self.panic.lock().unwrap().take() {
            crate::job::resume(p);
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

impl<'scope> Scope<'scope> {
    /// Spawns `body` once on every worker of the pool, into this scope (rayon-core's
    /// `Scope::spawn_broadcast`): each call gets the scope and its worker's context, and the
    /// scope waits for all of them.
    pub fn spawn_broadcast<BODY>(&self, body: BODY)
    where
        BODY: Fn(&Scope<'scope>, BroadcastContext) + Send + Sync + 'scope,
    {
        let n = self.base.registry.num_threads();
        let body = Arc::new(body);
        let ptr = self as *const Scope<'scope>;
        self.base.spawn_broadcast_jobs(|| {
            let (body, ptr) = (body.clone(), ScopePtr(ptr));
            move || {
                // SAFETY: the scope waits for this job before it is dropped.
                let scope = unsafe { &*ptr.get() };
                scope
                    .base
                    .execute_job(|| body(scope, BroadcastContext::here(n)));
            }
        });
    }
}

impl<'scope> ScopeFifo<'scope> {
    /// Spawns `body` once on every worker of the pool, into this scope (see
    /// [`Scope::spawn_broadcast`]).
    pub fn spawn_broadcast<BODY>(&self, body: BODY)
    where
        BODY: Fn(&ScopeFifo<'scope>, BroadcastContext) + Send + Sync + 'scope,
    {
        let n = self.base.registry.num_threads();
        let body = Arc::new(body);
        let ptr = self as *const ScopeFifo<'scope>;
        self.base.spawn_broadcast_jobs(|| {
            let (body, ptr) = (body.clone(), ScopePtr(ptr));
            move || {
                // SAFETY: the scope waits for this job before it is dropped.
                let scope = unsafe { &*ptr.get() };
                scope
                    .base
                    .execute_job(|| body(scope, BroadcastContext::here(n)));
            }
        });
    }
}

impl<'scope> ScopeFifo<'scope> {
    /// Spawns `body`; jobs spawned into this scope start in the order they were spawned
    /// (see [`scope_fifo`] for how they interleave with other work).
    pub fn spawn_fifo<BODY>(&self, body: BODY)
    where
        BODY: FnOnce(&ScopeFifo<'scope>) + Send + 'scope,
    {
        let wt = self.base.count_job();
        let ptr = ScopePtr(self as *const ScopeFifo<'scope>);
        let run = move || {
            // SAFETY: the scope waits for this job before it is dropped.
            let scope = unsafe { &*ptr.get() };
            scope.base.execute_job(|| body(scope));
        };
        // SAFETY: as in Scope::spawn.
        let job = unsafe { JobRef::spawned(run) };
        match self.base.own_worker(wt) {
            // SAFETY: the queue lives in this scope, which waits for the job the token runs
            // (one token per counted job), so it outlives the token.
            Some(w) => unsafe { self.fifo.push(job, |token| w.push(token)) },
            None => self.base.registry.inject(job),
        }
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
        fifo: JobFifo::new(),
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

/// Like [`scope`], but the body runs on the calling thread even outside any pool (rayon-core's
/// `in_place_scope`); spawned jobs go to the current pool (the global one outside any pool),
/// and the caller parks until they finished.
///
/// # Examples
/// ```
/// let me = std::thread::current().id();
/// let mut v = [0; 3];
/// portalis_scheduler::in_place_scope(|s| {
///     assert_eq!(std::thread::current().id(), me);
///     for (i, x) in v.iter_mut().enumerate() {
///         s.spawn(move |_| *x = i + 1);
///     }
/// });
/// assert_eq!(v, [1, 2, 3]);
/// ```
pub fn in_place_scope<'scope, OP, R>(op: OP) -> R
where
    OP: FnOnce(&Scope<'scope>) -> R,
{
    let wt = WorkerThread::current();
    // SAFETY: a non-null TLS pointer is the live worker of this thread.
    match unsafe { wt.as_ref() } {
        Some(wt) => scope_in_worker(wt, op),
        None => in_place_scope_in(global_registry(), op),
    }
}

/// [`in_place_scope`] with FIFO start order for spawned jobs (rayon-core's
/// `in_place_scope_fifo`).
pub fn in_place_scope_fifo<'scope, OP, R>(op: OP) -> R
where
    OP: FnOnce(&ScopeFifo<'scope>) -> R,
{
    let wt = WorkerThread::current();
    // SAFETY: a non-null TLS pointer is the live worker of this thread.
    match unsafe { wt.as_ref() } {
        Some(wt) => scope_fifo_in_worker(wt, op),
        None => in_place_scope_fifo_in(global_registry(), op),
    }
}

/// `in_place_scope` into `registry`: on one of its workers an ordinary scope; elsewhere the
/// body runs here and jobs are injected, and the caller waits: a worker of another pool
/// keeps running its own pool's jobs meanwhile (as in a cross-pool `install`, issue 15 §1),
/// a thread outside any pool parks.
pub(crate) fn in_place_scope_in<'scope, OP, R>(registry: &Arc<Registry>, op: OP) -> R
where
    OP: FnOnce(&Scope<'scope>) -> R,
{
    if let Some(wt) = registry.current_worker() {
        return scope_in_worker(wt, op);
    }
    if registry.inline {
        // No threads: the pool runs on this thread anyway.
        return Registry::in_worker_here(registry, |wt| scope_in_worker(wt, op));
    }
    // (Negative control of `verify/`, checker builds only: `in_place_scope_cross_parks` takes
    // the parking path below instead, the behaviour before issue 15's fix.)
    // SAFETY: a non-null TLS pointer is the live worker of this thread.
    let current = unsafe { WorkerThread::current().as_ref() }
        .filter(|_| !cfg!(portalis_seeded_bug = "in_place_scope_cross_parks"));
    if let Some(wt) = current {
        let scope = Scope {
            base: ScopeBase::new_cross(registry.clone(), wt),
        };
        return scope.base.complete(wt, || op(&scope));
    }
    let parker = Parker::new();
    let scope = Scope {
        base: ScopeBase::new_outside(registry.clone(), &parker),
    };
    scope.base.complete_outside(&parker, || op(&scope))
}

/// `in_place_scope_fifo` into `registry` (see [`in_place_scope_in`]).
pub(crate) fn in_place_scope_fifo_in<'scope, OP, R>(registry: &Arc<Registry>, op: OP) -> R
where
    OP: FnOnce(&ScopeFifo<'scope>) -> R,
{
    if let Some(wt) = registry.current_worker() {
        return scope_fifo_in_worker(wt, op);
    }
    if registry.inline {
        return Registry::in_worker_here(registry, |wt| scope_fifo_in_worker(wt, op));
    }
    // SAFETY: a non-null TLS pointer is the live worker of this thread.
    if let Some(wt) = unsafe { WorkerThread::current().as_ref() } {
        let scope = ScopeFifo {
            base: ScopeBase::new_cross(registry.clone(), wt),
            fifo: JobFifo::new(),
        };
        return scope.base.complete(wt, || op(&scope));
    }
    let parker = Parker::new();
    let scope = ScopeFifo {
        base: ScopeBase::new_outside(registry.clone(), &parker),
        fifo: JobFifo::new(),
    };
    scope.base.complete_outside(&parker, || op(&scope))
}
