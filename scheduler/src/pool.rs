//! `ThreadPoolBuilder`, the shared `Registry` behind a pool, `ThreadPool`, and the lazily
//! built global pool with its free functions.

use crate::backend::{Backend, ThreadHandle};
use crate::deque::{Injector, Steal, Stealer, Worker};
use crate::job::{JobRef, JobResult, Payload, StackJob};
use crate::latch::{LockLatch, Probe, SpinLatch};
use crate::sleep::Sleep;
use crate::worker::{self, WorkerThread};
use crossbeam_utils::CachePadded;
use portalis_primitives::sync::atomic::{
    AtomicBool, AtomicU32,
    Ordering::{Acquire, Relaxed, Release},
};
use portalis_primitives::sync::{Arc, Mutex};
use portalis_primitives::time::Instant;
use portalis_primitives::{futex, Parker};
use std::fmt;
use std::panic::{self, AssertUnwindSafe};
use std::sync::OnceLock;
use std::time::Duration;

/// Largest accepted `num_threads`; larger requests are refused with a [`BuildError`].
pub const MAX_NUM_THREADS: usize = 4096;

/// Default worker stack (virtual memory; committed lazily): deep recursion through `join`
/// (10,000 levels in the tests) fits with room to spare.
pub const DEFAULT_STACK_SIZE: usize = 16 << 20;

type StartHandler = dyn Fn(usize) + Send + Sync;
type PanicHandler = dyn Fn(Payload) + Send + Sync;
type NameFn = dyn FnMut(usize) -> String;

/// Why a pool could not be built.
#[derive(Debug, thiserror::Error)]
#[error("{kind}")]
pub struct BuildError {
    kind: BuildErrorKind,
}

#[derive(Debug, thiserror::Error)]
enum BuildErrorKind {
    #[error("the global thread pool was already initialized; build it once, before first use")]
    GlobalPoolAlreadyInitialized,
    #[error(
        "num_threads({0}) is more than the maximum of {MAX_NUM_THREADS}; ask for fewer threads"
    )]
    TooManyThreads(usize),
    #[error("could not spawn a worker thread: {0}")]
    Spawn(#[source] std::io::Error),
}

impl BuildError {
    /// `true` when `build_global` found the global pool already built.
    pub fn is_global_pool_already_initialized(&self) -> bool {
        matches!(self.kind, BuildErrorKind::GlobalPoolAlreadyInitialized)
    }
}

/// Configures and builds a [`ThreadPool`] (rayon-core's builder shape).
///
/// # Examples
/// ```
/// use portalis_scheduler::ThreadPoolBuilder;
/// let pool = ThreadPoolBuilder::new().num_threads(2).thread_name(|i| format!("w{i}")).build().unwrap();
/// assert_eq!(pool.install(|| portalis_scheduler::join(|| 1, || 2)), (1, 2));
/// ```
#[derive(Default)]
pub struct ThreadPoolBuilder {
    num_threads: usize,
    thread_name: Option<Box<NameFn>>,
    stack_size: Option<usize>,
    start_handler: Option<Box<StartHandler>>,
    exit_handler: Option<Box<StartHandler>>,
    panic_handler: Option<Box<PanicHandler>>,
    use_current_thread: bool,
}

impl fmt::Debug for ThreadPoolBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ThreadPoolBuilder")
            .field("num_threads", &self.num_threads)
            .field("stack_size", &self.stack_size)
            .field("use_current_thread", &self.use_current_thread)
            .finish_non_exhaustive()
    }
}

impl ThreadPoolBuilder {
    /// A builder with defaults (threads = available parallelism).
    pub fn new() -> Self {
        Self::default()
    }

    /// Worker count; 0 means the default ([`Backend::default_num_threads`]).
    pub fn num_threads(mut self, n: usize) -> Self {
        self.num_threads = n;
        self
    }

    /// Names worker `i`.
    pub fn thread_name(mut self, f: impl FnMut(usize) -> String + 'static) -> Self {
        self.thread_name = Some(Box::new(f));
        self
    }

    /// Stack size of each worker thread (default [`DEFAULT_STACK_SIZE`]).
    pub fn stack_size(mut self, bytes: usize) -> Self {
        self.stack_size = Some(bytes);
        self
    }

    /// Runs on each worker thread when it starts, with its index.
    pub fn start_handler(mut self, f: impl Fn(usize) + Send + Sync + 'static) -> Self {
        self.start_handler = Some(Box::new(f));
        self
    }

    /// Runs on each worker thread when it exits, with its index.
    pub fn exit_handler(mut self, f: impl Fn(usize) + Send + Sync + 'static) -> Self {
        self.exit_handler = Some(Box::new(f));
        self
    }

    /// Receives panics of `spawn`ed jobs (default: print to stderr and keep running).
    pub fn panic_handler(
        mut self,
        f: impl Fn(Box<dyn std::any::Any + Send>) + Send + Sync + 'static,
    ) -> Self {
        self.panic_handler = Some(Box::new(f));
        self
    }

    /// Makes the building thread worker 0 of the pool: it runs pool work whenever it waits in
    /// `join`/`scope`/`install` of this pool, and `install` from it runs inline.
    pub fn use_current_thread(mut self) -> Self {
        self.use_current_thread = true;
        self
    }

    /// Builds the pool.
    ///
    /// # Errors
    /// Too many threads, or a thread could not be spawned.
    pub fn build(self) -> Result<ThreadPool, BuildError> {
        Ok(ThreadPool {
            registry: Registry::new(self)?,
        })
    }

    /// Builds the pool, first booting the threads it needs where that must be awaited: in the
    /// browser ([`Backend::WebWorkers`]) a Web Worker starts only after its creator returns to
    /// the event loop, so this boots the missing workers (`web::prestart`) and then builds.
    /// Elsewhere it is [`build`](Self::build).
    ///
    /// # Errors
    /// As for `build`; in the browser also when a worker cannot boot (CSP, bad stack size).
    pub async fn build_async(self) -> Result<ThreadPool, BuildError> {
        self.prestart().await?;
        self.build()
    }

    /// [`build_global`](Self::build_global), booting browser workers first (see
    /// [`build_async`](Self::build_async)).
    ///
    /// # Errors
    /// As for `build_global` and `build_async`.
    pub async fn build_global_async(self) -> Result<(), BuildError> {
        self.prestart().await?;
        self.build_global()
    }

    /// Boots the Web Workers this builder's pool will need (browser only; a no-op elsewhere).
    async fn prestart(&self) -> Result<(), BuildError> {
        #[cfg(all(target_arch = "wasm32", target_feature = "atomics"))]
        {
            let backend = Backend::detect();
            if backend == Backend::WebWorkers && self.num_threads <= MAX_NUM_THREADS {
                let n = if self.num_threads == 0 {
                    backend.default_num_threads()
                } else {
                    self.num_threads
                };
                let n = n - usize::from(self.use_current_thread && n > 0);
                let stack = self.stack_size.unwrap_or(crate::web::DEFAULT_WORKER_STACK);
                crate::web::prestart(n, stack)
                    .await
                    .map_err(|e| BuildError {
                        kind: BuildErrorKind::Spawn(std::io::Error::other(e)),
                    })?;
            }
        }
        Ok(())
    }

    /// Builds the global pool used by the free functions.
    ///
    /// # Errors
    /// The global pool already exists (built explicitly or by first use), or as for `build`.
    pub fn build_global(self) -> Result<(), BuildError> {
        let mut fresh = None;
        let mut err = None;
        GLOBAL.get_or_init(|| match Registry::new(self) {
            Ok(r) => {
                fresh = Some(());
                r
            }
            Err(e) => {
                err = Some(e);
                Registry::new(ThreadPoolBuilder::new()).expect("default global pool")
            }
        });
        if let Some(e) = err {
            return Err(e);
        }
        match fresh {
            Some(()) => Ok(()),
            None => Err(BuildError {
                kind: BuildErrorKind::GlobalPoolAlreadyInitialized,
            }),
        }
    }
}

/// Per-worker shared state (what other threads see of worker `i`).
struct ThreadInfo {
    stealer: Stealer<JobRef>,
    /// Heartbeat request: "promote a frame, someone is hungry" (ADR 031).
    beat: CachePadded<AtomicBool>,
    /// `broadcast` jobs for this worker only.
    broadcast: Injector<JobRef>,
}

/// The state shared by a pool's handle and its workers.
pub(crate) struct Registry {
    infos: Box<[ThreadInfo]>,
    pub(crate) injector: Injector<JobRef>,
    pub(crate) sleep: Sleep,
    /// T1: set once; workers exit after draining. Relaxed reads in hot loops; see T1.
    terminate: AtomicBool,
    /// Number of spawned threads that have exited (futex word for shutdown_timeout).
    exited: AtomicU32,
    spawned: usize,
    /// No threads at all: everything runs inline on the caller.
    inline: bool,
    handles: Mutex<Vec<ThreadHandle>>,
    start_handler: Option<Box<StartHandler>>,
    exit_handler: Option<Box<StartHandler>>,
    panic_handler: Option<Box<PanicHandler>>,
}

impl Registry {
    fn new(b: ThreadPoolBuilder) -> Result<Arc<Registry>, BuildError> {
        Registry::with_backend(b, Backend::detect())
    }

    fn with_backend(
        mut b: ThreadPoolBuilder,
        backend: Backend,
    ) -> Result<Arc<Registry>, BuildError> {
        if b.num_threads > MAX_NUM_THREADS {
            return Err(BuildError {
                kind: BuildErrorKind::TooManyThreads(b.num_threads),
            });
        }
        let requested = if b.num_threads == 0 {
            backend.default_num_threads()
        } else {
            b.num_threads
        };
        let inline = backend == Backend::NoThreads || requested == 0;
        let n = if inline { 1 } else { requested };
        let deques: Vec<Worker<JobRef>> = (0..n).map(|_| Worker::new_lifo()).collect();
        let infos = deques
            .iter()
            .map(|d| ThreadInfo {
                stealer: d.stealer(),
                beat: CachePadded::new(AtomicBool::new(false)),
                broadcast: Injector::new(),
            })
            .collect();
        let first = if inline || b.use_current_thread { 1 } else { 0 };
        let registry = Arc::new(Registry {
            infos,
            injector: Injector::new(),
            sleep: Sleep::new(n),
            terminate: AtomicBool::new(false),
            exited: AtomicU32::new(0),
            spawned: n - first,
            inline,
            handles: Mutex::new(Vec::new()),
            start_handler: b.start_handler.take(),
            exit_handler: b.exit_handler.take(),
            panic_handler: b.panic_handler.take(),
        });
        let mut deques = deques.into_iter();
        let current_deque = if first == 1 { deques.next() } else { None };
        let mut handles = Vec::new();
        for (i, deque) in deques.enumerate() {
            let index = i + first;
            let r = registry.clone();
            let name = b.thread_name.as_mut().map(|f| f(index));
            match backend.spawn(name, b.stack_size, move || {
                worker::main_loop(r, index, deque)
            }) {
                Ok(h) => handles.push(h),
                Err(e) => {
                    // Stop the threads already running; they exit on their own.
                    registry.terminate();
                    return Err(BuildError {
                        kind: BuildErrorKind::Spawn(e),
                    });
                }
            }
        }
        *registry.handles.lock().unwrap() = handles;
        if let (false, Some(deque)) = (inline, current_deque) {
            // use_current_thread: this thread becomes worker 0 until the pool is dropped here.
            let wt = Box::new(WorkerThread::new(registry.clone(), 0, deque));
            let old = WorkerThread::set_current(Box::into_raw(wt));
            if !old.is_null() {
                // Already a worker elsewhere: keep that identity; ours helps nobody.
                let ours = WorkerThread::set_current(old);
                // SAFETY: `ours` is the box we leaked just above and nobody else saw it.
                drop(unsafe { Box::from_raw(ours as *mut WorkerThread) });
            }
        }
        Ok(registry)
    }

    /// Worker count.
    #[inline]
    pub(crate) fn num_threads(&self) -> usize {
        self.infos.len()
    }

    pub(crate) fn stealer(&self, i: usize) -> &Stealer<JobRef> {
        &self.infos[i].stealer
    }

    pub(crate) fn beat_flag(&self, i: usize) -> *const AtomicBool {
        &*self.infos[i].beat
    }

    /// Asks worker `v` to promote a frame (ADR 031).
    pub(crate) fn request_beat(&self, v: usize) {
        let b = &self.infos[v].beat;
        // Relaxed: a hint; load first so an already-set flag's line stays shared.
        if !b.load(Relaxed) {
            b.store(true, Relaxed);
        }
    }

    pub(crate) fn pop_broadcast(&self, i: usize) -> Option<JobRef> {
        let q = &self.infos[i].broadcast;
        if q.is_empty() {
            return None;
        }
        loop {
            match q.steal() {
                Steal::Success(j) => return Some(j),
                Steal::Empty => return None,
                Steal::Retry => {}
            }
        }
    }

    pub(crate) fn has_broadcast(&self, i: usize) -> bool {
        !self.infos[i].broadcast.is_empty()
    }

    pub(crate) fn terminating(&self) -> bool {
        // Acquire: pairs with the Release store in `terminate`.
        self.terminate.load(Acquire)
    }

    /// T1: ask workers to exit once the queues are empty.
    pub(crate) fn terminate(&self) {
        // Release: pairs with the Acquire load in `terminating`.
        self.terminate.store(true, Release);
        self.sleep.wake_all();
    }

    pub(crate) fn thread_exited(&self) {
        // Release: pairs with the Acquire load in `wait_exited`.
        self.exited.fetch_add(1, Release);
        futex::wake_all(&self.exited);
    }

    /// Waits (up to `deadline`) until every spawned thread has left its loop.
    fn wait_exited(&self, deadline: Option<Instant>) -> bool {
        loop {
            // Acquire: pairs with the Release increment in `thread_exited`.
            let e = self.exited.load(Acquire);
            if e as usize >= self.spawned {
                return true;
            }
            let left = match deadline {
                Some(d) => {
                    let now = Instant::now();
                    if now >= d {
                        return false;
                    }
                    Some(d - now)
                }
                None => None,
            };
            if futex::wait(&self.exited, e, left).is_err() {
                return false;
            }
        }
    }

    fn join_threads(&self) {
        let handles = std::mem::take(&mut *self.handles.lock().unwrap());
        for h in handles {
            h.join();
        }
    }

    pub(crate) fn run_start_handler(&self, i: usize) {
        if let Some(h) = &self.start_handler {
            h(i);
        }
    }

    pub(crate) fn run_exit_handler(&self, i: usize) {
        if let Some(h) = &self.exit_handler {
            h(i);
        }
    }

    /// A `spawn`ed job panicked.
    pub(crate) fn handle_panic(&self, p: Payload) {
        match &self.panic_handler {
            Some(h) => {
                if panic::catch_unwind(AssertUnwindSafe(|| h(p))).is_err() {
                    eprintln!("portalis-scheduler: the panic handler panicked; aborting");
                    std::process::abort();
                }
            }
            None => {
                let msg = p
                    .downcast_ref::<&str>()
                    .copied()
                    .or_else(|| p.downcast_ref::<String>().map(|s| s.as_str()))
                    .unwrap_or("<non-string payload>");
                eprintln!("portalis-scheduler: a spawned job panicked: {msg}");
            }
        }
    }

    /// Is the current thread a worker of this registry? Returns it.
    #[inline]
    pub(crate) fn current_worker(&self) -> Option<&WorkerThread> {
        let wt = WorkerThread::current();
        // SAFETY: a non-null TLS pointer is the live worker of this thread (cleared before
        // the worker is dropped).
        let wt = unsafe { wt.as_ref() }?;
        core::ptr::eq(&*wt.registry, self).then_some(wt)
    }

    /// P1–P3 for a job from outside (or another pool).
    pub(crate) fn inject(&self, job: JobRef) {
        self.injector.push(job);
        self.sleep.new_jobs();
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

    /// Runs a broadcast: `op` once on every worker; results in index order.
    pub(crate) fn broadcast<OP, R>(this: &Arc<Self>, op: OP) -> Vec<R>
    where
        OP: Fn(BroadcastContext) -> R + Sync,
        R: Send,
    {
        let n = this.num_threads();
        if this.inline {
            return vec![op(BroadcastContext {
                index: 0,
                num_threads: 1,
            })];
        }
        let run = |wt: &WorkerThread| {
            let op = &op;
            let latch = crate::latch::CountLatch::Worker {
                counter: portalis_primitives::sync::atomic::AtomicUsize::new(n),
                core: SpinLatch::new(wt),
            };
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
                this.infos[i].broadcast.push(unsafe { job.as_job_ref() });
            }
            this.sleep.wake_all();
            wt.wait_until(&latch);
            jobs.into_iter().map(|j| j.into_result()).collect()
        };
        Registry::in_worker(this, run)
    }
}

/// A latch owned elsewhere, referenced by several jobs.
pub(crate) struct LatchRef<'a, L>(pub(crate) &'a L);

impl<L: crate::latch::Latch> crate::latch::Latch for LatchRef<'_, L> {
    unsafe fn set(this: *const Self) {
        // SAFETY: valid on entry (contract); we forward the inner pointer and touch nothing
        // of `this` afterwards.
        let inner: *const L = unsafe { (*this).0 };
        // SAFETY: forwarded contract.
        unsafe { L::set(inner) }
    }
}

impl<L: Probe> Probe for LatchRef<'_, L> {
    fn probe(&self) -> bool {
        self.0.probe()
    }
}

portalis_primitives::sync::thread_local! {
    /// Each outside thread's parker for blocking on pool work.
    static PARKER: Parker = Parker::new();
}

/// What a `broadcast` job learns about where it runs.
#[derive(Debug, Clone, Copy)]
pub struct BroadcastContext {
    index: usize,
    num_threads: usize,
}

impl BroadcastContext {
    /// The index of the worker running this call.
    pub fn index(&self) -> usize {
        self.index
    }
    /// The pool's worker count.
    pub fn num_threads(&self) -> usize {
        self.num_threads
    }
}

/// Result of [`yield_now`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Yield {
    /// Another job ran.
    Executed,
    /// Nothing to run.
    Idle,
}

/// A work-stealing thread pool.
///
/// Dropping it finishes queued work and joins its threads (see [`ThreadPool::shutdown`]).
///
/// # Examples
/// ```
/// use portalis_scheduler::ThreadPoolBuilder;
/// let pool = ThreadPoolBuilder::new().num_threads(2).build().unwrap();
/// let (a, b) = pool.join(|| 1 + 1, || 2 + 2);
/// assert_eq!((a, b), (2, 4));
/// ```
pub struct ThreadPool {
    registry: Arc<Registry>,
}

impl fmt::Debug for ThreadPool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ThreadPool")
            .field("num_threads", &self.current_num_threads())
            .finish_non_exhaustive()
    }
}

impl ThreadPool {
    /// Runs `op` inside the pool (on one of its workers) and returns its result; panics in
    /// `op` propagate. From a worker of this pool it runs inline (no deadlock).
    pub fn install<OP, R>(&self, op: OP) -> R
    where
        OP: FnOnce() -> R + Send,
        R: Send,
    {
        Registry::in_worker(&self.registry, |_| op())
    }

    /// [`join`] inside this pool.
    pub fn join<A, B, RA, RB>(&self, a: A, b: B) -> (RA, RB)
    where
        A: FnOnce() -> RA + Send,
        B: FnOnce() -> RB + Send,
        RA: Send,
        RB: Send,
    {
        Registry::in_worker(&self.registry, |wt| crate::join::join_in_worker(wt, a, b))
    }

    /// [`scope`](crate::scope()) inside this pool.
    pub fn scope<'scope, OP, R>(&self, op: OP) -> R
    where
        OP: FnOnce(&crate::Scope<'scope>) -> R + Send,
        R: Send,
    {
        Registry::in_worker(&self.registry, |wt| crate::scope::scope_in_worker(wt, op))
    }

    /// [`scope_fifo`](crate::scope_fifo()) inside this pool.
    pub fn scope_fifo<'scope, OP, R>(&self, op: OP) -> R
    where
        OP: FnOnce(&crate::ScopeFifo<'scope>) -> R + Send,
        R: Send,
    {
        Registry::in_worker(&self.registry, |wt| {
            crate::scope::scope_fifo_in_worker(wt, op)
        })
    }

    /// Queues a `'static` job (LIFO on the calling worker, else via the injector). Its panic
    /// goes to the panic handler.
    pub fn spawn(&self, op: impl FnOnce() + Send + 'static) {
        Registry::spawn_job(&self.registry, op, false)
    }

    /// Queues a `'static` job in FIFO order.
    pub fn spawn_fifo(&self, op: impl FnOnce() + Send + 'static) {
        Registry::spawn_job(&self.registry, op, true)
    }

    /// Runs `op` once on every worker; returns the results by worker index.
    pub fn broadcast<OP, R>(&self, op: OP) -> Vec<R>
    where
        OP: Fn(BroadcastContext) -> R + Sync,
        R: Send,
    {
        Registry::broadcast(&self.registry, op)
    }

    /// The pool's worker count.
    pub fn current_num_threads(&self) -> usize {
        self.registry.num_threads()
    }

    /// The calling worker's index, if it is a worker of this pool.
    pub fn current_thread_index(&self) -> Option<usize> {
        self.registry.current_worker().map(|w| w.index)
    }

    /// Runs one pending job of this pool if the caller is one of its workers.
    pub fn yield_now(&self) -> Option<Yield> {
        let wt = self.registry.current_worker()?;
        Some(if wt.yield_one() {
            Yield::Executed
        } else {
            Yield::Idle
        })
    }

    /// Shuts the pool down: queued work still runs; with `wait`, returns after every thread
    /// exited; without, returns at once (a job blocked forever does not block this).
    pub fn shutdown(self, wait: bool) {
        self.registry.terminate();
        if wait && !self.on_own_worker() {
            self.registry.wait_exited(None);
            self.registry.join_threads();
        }
        self.release_current_thread();
        std::mem::forget(self);
    }

    /// Shuts down and waits up to `timeout` for the threads; `true` when all exited in time
    /// (then they are joined), `false` otherwise (they keep finishing in the background).
    pub fn shutdown_timeout(self, timeout: Duration) -> bool {
        self.registry.terminate();
        let ok = !self.on_own_worker()
            && self
                .registry
                .wait_exited(Instant::now().checked_add(timeout));
        if ok {
            self.registry.join_threads();
        }
        self.release_current_thread();
        std::mem::forget(self);
        ok
    }

    fn on_own_worker(&self) -> bool {
        self.registry
            .current_worker()
            .is_some_and(|w| !self.is_current_thread_member(w))
    }

    /// `use_current_thread` workers are not pool threads: dropping from them is fine.
    fn is_current_thread_member(&self, w: &WorkerThread) -> bool {
        self.registry.spawned < self.registry.num_threads() && w.index == 0
    }

    fn release_current_thread(&self) {
        if let Some(w) = self.registry.current_worker() {
            if self.is_current_thread_member(w) {
                let p = WorkerThread::set_current(core::ptr::null());
                // SAFETY: the use_current_thread worker was leaked from a Box in `build`.
                drop(unsafe { Box::from_raw(p as *mut WorkerThread) });
            }
        }
    }
}

impl Drop for ThreadPool {
    fn drop(&mut self) {
        self.registry.terminate();
        if !self.on_own_worker() {
            self.registry.wait_exited(None);
            self.registry.join_threads();
        }
        self.release_current_thread();
    }
}

// ---- the global pool -------------------------------------------------------------------

static GLOBAL: OnceLock<Arc<Registry>> = OnceLock::new();

/// The global registry, built with defaults on first use.
pub(crate) fn global_registry() -> &'static Arc<Registry> {
    GLOBAL.get_or_init(|| {
        Registry::new(ThreadPoolBuilder::new())
            .or_else(|e| match Backend::detect() {
                // No booted Web Worker (nobody called `build_global_async`): the lazily built
                // global pool runs inline rather than failing the caller.
                Backend::WebWorkers => {
                    Registry::with_backend(ThreadPoolBuilder::new(), Backend::NoThreads)
                }
                _ => Err(e),
            })
            .expect("build the global pool")
    })
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

/// Worker count of the current pool (the global pool outside any pool).
pub fn current_num_threads() -> usize {
    let wt = WorkerThread::current();
    // SAFETY: see `Registry::current_worker`.
    match unsafe { wt.as_ref() } {
        Some(w) => w.registry.num_threads(),
        None => global_registry().num_threads(),
    }
}

/// The index of the calling worker in its pool, `None` outside any pool.
pub fn current_thread_index() -> Option<usize> {
    // SAFETY: see `Registry::current_worker`.
    unsafe { WorkerThread::current().as_ref() }.map(|w| w.index)
}

/// Runs one pending job of the current pool; `None` when not on a worker.
pub fn yield_now() -> Option<Yield> {
    // SAFETY: see `Registry::current_worker`.
    let wt = unsafe { WorkerThread::current().as_ref() }?;
    Some(if wt.yield_one() {
        Yield::Executed
    } else {
        Yield::Idle
    })
}

/// Queues a `'static` job on the current pool (the global one outside any pool).
pub fn spawn(op: impl FnOnce() + Send + 'static) {
    Registry::spawn_job(&current_registry(), op, false)
}

/// Like [`spawn`], FIFO.
pub fn spawn_fifo(op: impl FnOnce() + Send + 'static) {
    Registry::spawn_job(&current_registry(), op, true)
}

/// Runs `op` on every worker of the current pool.
pub fn broadcast<OP, R>(op: OP) -> Vec<R>
where
    OP: Fn(BroadcastContext) -> R + Sync,
    R: Send,
{
    Registry::broadcast(&current_registry(), op)
}

/// Keeps a `StackJob`'s `JobResult` type reachable for the facade's docs.
#[allow(dead_code)]
pub(crate) type Outcome<T> = JobResult<T>;
