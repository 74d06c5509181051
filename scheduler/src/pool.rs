//! The pool's API: [`ThreadPoolBuilder`], [`ThreadPool`] (with its `install`, `join`,
//! `scope`, `spawn`, `broadcast`, shutdown) and the free functions that act on the current
//! pool. The mechanism is in `registry/`; this layer alone combines it with `join`, `scope`
//! and `broadcast`.

use crate::broadcast::{broadcast_in, spawn_broadcast_in, BroadcastContext};
use crate::error::BuildError;
use crate::join::join_in_worker;
use crate::registry::{
    self, current_registry, global_registry, Config, Registry, ThreadBuilder, WorkerThread,
    MAX_NUM_THREADS,
};
use crate::scope::{
    in_place_scope_fifo_in, in_place_scope_in, scope_fifo_in_worker, scope_in_worker, Scope,
    ScopeFifo,
};
use portalis_primitives::sync::Arc;
use portalis_primitives::time::Instant;
use std::fmt;
use std::time::Duration;

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
    config: Config,
}

impl fmt::Debug for ThreadPoolBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ThreadPoolBuilder")
            .field("num_threads", &self.config.num_threads)
            .field("stack_size", &self.config.stack_size)
            .field("use_current_thread", &self.config.use_current_thread)
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
        self.config.num_threads = n;
        self
    }

    /// Names worker `i`. If it panics, `build` stops and joins the workers it already
    /// started, then the panic continues to `build`'s caller.
    pub fn thread_name(mut self, f: impl FnMut(usize) -> String + 'static) -> Self {
        self.config.thread_name = Some(Box::new(f));
        self
    }

    /// Stack size of each worker thread (default [`DEFAULT_STACK_SIZE`]).
    pub fn stack_size(mut self, bytes: usize) -> Self {
        self.config.stack_size = Some(bytes);
        self
    }

    /// Runs on each worker thread when it starts, with its index. A panic in it goes to the
    /// [`panic_handler`](Self::panic_handler) and the worker starts anyway; without a panic
    /// handler the process aborts.
    pub fn start_handler(mut self, f: impl Fn(usize) + Send + Sync + 'static) -> Self {
        self.config.start_handler = Some(Box::new(f));
        self
    }

    /// Runs on each worker thread when it exits, with its index. A panic in it goes to the
    /// [`panic_handler`](Self::panic_handler); without one the process aborts.
    pub fn exit_handler(mut self, f: impl Fn(usize) + Send + Sync + 'static) -> Self {
        self.config.exit_handler = Some(Box::new(f));
        self
    }

    /// Receives panics of `spawn`ed jobs (default: print to stderr and keep running).
    pub fn panic_handler(
        mut self,
        f: impl Fn(Box<dyn std::any::Any + Send>) + Send + Sync + 'static,
    ) -> Self {
        self.config.panic_handler = Some(Box::new(f));
        self
    }

    /// Makes the building thread worker 0 of the pool: it runs pool work whenever it waits in
    /// `join`/`scope`/`install` of this pool, and `install` from it runs inline. A thread that
    /// already is a worker of a pool cannot: `build` then returns an error
    /// ([`BuildError::is_current_thread_in_pool`]).
    pub fn use_current_thread(mut self) -> Self {
        self.config.use_current_thread = true;
        self
    }

    /// Builds the pool.
    ///
    /// # Errors
    /// Too many threads, a thread could not be spawned, or `use_current_thread` on a thread
    /// that already belongs to a pool. On every error (and if `thread_name` panics) the
    /// threads already started are stopped and joined.
    pub fn build(self) -> Result<ThreadPool, BuildError> {
        Ok(ThreadPool {
            registry: registry::build(self.config)?,
        })
    }

    /// Starts each worker through `spawn` instead of `std::thread` (rayon-core's
    /// `spawn_handler`): it gets a [`ThreadBuilder`] and must arrange for
    /// [`ThreadBuilder::run`] to be called on some thread; an `Err` makes `build` fail (and
    /// stop the workers already started). The pool has no join handles for such threads:
    /// `shutdown(true)` waits until each worker left its loop.
    ///
    /// # Examples
    /// ```
    /// let pool = portalis_scheduler::ThreadPoolBuilder::new()
    ///     .num_threads(2)
    ///     .spawn_handler(|t| {
    ///         std::thread::Builder::new().stack_size(t.stack_size()).spawn(|| t.run())?;
    ///         Ok(())
    ///     })
    ///     .build()
    ///     .unwrap();
    /// assert_eq!(pool.install(|| portalis_scheduler::join(|| 1, || 2)), (1, 2));
    /// pool.shutdown(true);
    /// ```
    pub fn spawn_handler(
        mut self,
        spawn: impl FnMut(ThreadBuilder) -> std::io::Result<()> + 'static,
    ) -> Self {
        self.config.spawn_handler = Some(Box::new(spawn));
        self
    }

    /// Builds a pool whose threads live in a [`std::thread::scope`] (rayon-core's
    /// `build_scoped`): each worker thread runs `wrapper(thread_builder)`, which must call
    /// [`ThreadBuilder::run`]; `with_pool` gets the pool; when it returns the pool is dropped
    /// and the scope joins every worker before `build_scoped` returns. The threads may
    /// borrow from the caller (through `wrapper`).
    ///
    /// # Errors
    /// As for [`build`](Self::build).
    ///
    /// # Examples
    /// ```
    /// let label = String::from("scoped");
    /// let r = portalis_scheduler::ThreadPoolBuilder::new()
    ///     .num_threads(2)
    ///     .build_scoped(
    ///         |t| {
    ///             assert_eq!(label, "scoped"); // borrowed by every worker
    ///             t.run()
    ///         },
    ///         |pool| pool.install(|| portalis_scheduler::join(|| 20, || 22)),
    ///     )
    ///     .unwrap();
    /// assert_eq!(r, (20, 22));
    /// ```
    #[cfg(not(any(portalis_loom, portalis_shuttle)))] // the models have no thread scopes
    pub fn build_scoped<W, F, R>(self, wrapper: W, with_pool: F) -> Result<R, BuildError>
    where
        W: Fn(ThreadBuilder) + Sync,
        F: FnOnce(&ThreadPool) -> R,
    {
        let wrapper = &wrapper;
        std::thread::scope(|s| {
            let mut spawn = |t: ThreadBuilder| -> std::io::Result<()> {
                let mut b = std::thread::Builder::new().stack_size(t.stack_size());
                if let Some(name) = t.name() {
                    b = b.name(name.to_owned());
                }
                b.spawn_scoped(s, move || wrapper(t))?;
                Ok(())
            };
            let pool = ThreadPool {
                registry: registry::build_with(
                    self.config,
                    Some(&mut spawn),
                    crate::Backend::detect(),
                )?,
            };
            let r = with_pool(&pool);
            // Terminate; the scope's end joins the workers.
            drop(pool);
            Ok(r)
        })
    }

    /// Builds the global pool used by the free functions.
    ///
    /// # Errors
    /// The global pool already exists (built explicitly or by first use), or as for `build`.
    pub fn build_global(self) -> Result<(), BuildError> {
        registry::build_global(self.config)
    }

    /// Builds the pool, first booting the threads it needs where that must be awaited: in the
    /// browser ([`Backend::WebWorkers`](crate::Backend::WebWorkers)) a Web Worker starts only
    /// after its creator returns to the event loop, so this boots the missing workers
    /// (`web::prestart`) and then builds. Elsewhere it is [`build`](Self::build).
    ///
    /// # Errors
    /// As for `build`; in the browser also when a worker cannot boot (CSP, bad stack size).
    pub async fn build_async(self) -> Result<ThreadPool, BuildError> {
        prestart_for(
            self.config.num_threads,
            self.config.stack_size,
            self.config.use_current_thread,
        )
        .await?;
        self.build()
    }

    /// [`build_global`](Self::build_global), booting browser workers first (see
    /// [`build_async`](Self::build_async)).
    ///
    /// # Errors
    /// As for `build_global` and `build_async`.
    pub async fn build_global_async(self) -> Result<(), BuildError> {
        prestart_for(
            self.config.num_threads,
            self.config.stack_size,
            self.config.use_current_thread,
        )
        .await?;
        self.build_global()
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
/// Dropping it signals termination and returns at once, without waiting for work or threads
/// (rayon-core's contract): the workers still run every queued job, then exit on their own
/// (they are detached, never left unjoined). To block until they have exited, call
/// [`ThreadPool::shutdown`]`(true)` (what Python's executor needs) or
/// [`ThreadPool::shutdown_timeout`].
///
/// # Examples
/// ```
/// use portalis_scheduler::ThreadPoolBuilder;
/// let pool = ThreadPoolBuilder::new().num_threads(2).build().unwrap();
/// let (a, b) = pool.join(|| 1 + 1, || 2 + 2);
/// assert_eq!((a, b), (2, 4));
/// ```
pub struct ThreadPool {
    pub(crate) registry: Arc<Registry>,
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
        Registry::in_worker(&self.registry, |wt| join_in_worker(wt, a, b))
    }

    /// [`scope`](crate::scope()) inside this pool.
    pub fn scope<'scope, OP, R>(&self, op: OP) -> R
    where
        OP: FnOnce(&Scope<'scope>) -> R + Send,
        R: Send,
    {
        Registry::in_worker(&self.registry, |wt| scope_in_worker(wt, op))
    }

    /// [`scope_fifo`](crate::scope_fifo()) inside this pool.
    pub fn scope_fifo<'scope, OP, R>(&self, op: OP) -> R
    where
        OP: FnOnce(&ScopeFifo<'scope>) -> R + Send,
        R: Send,
    {
        Registry::in_worker(&self.registry, |wt| scope_fifo_in_worker(wt, op))
    }

    /// [`in_place_scope`](crate::in_place_scope()) spawning into this pool: the body runs on
    /// the calling thread.
    pub fn in_place_scope<'scope, OP, R>(&self, op: OP) -> R
    where
        OP: FnOnce(&Scope<'scope>) -> R,
    {
        in_place_scope_in(&self.registry, op)
    }

    /// [`in_place_scope_fifo`](crate::in_place_scope_fifo()) spawning into this pool.
    pub fn in_place_scope_fifo<'scope, OP, R>(&self, op: OP) -> R
    where
        OP: FnOnce(&ScopeFifo<'scope>) -> R,
    {
        in_place_scope_fifo_in(&self.registry, op)
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
        broadcast_in(&self.registry, op)
    }

    /// Queues `op` to run once on every worker and returns at once; a panic in `op` goes to
    /// the panic handler (rayon-core's `ThreadPool::spawn_broadcast`).
    pub fn spawn_broadcast<OP>(&self, op: OP)
    where
        OP: Fn(BroadcastContext) + Send + Sync + 'static,
    {
        spawn_broadcast_in(&self.registry, op)
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

    /// Whether the calling worker (of this pool) has jobs queued on its own deque; `None` when
    /// the caller is not a worker of this pool.
    pub fn current_thread_has_pending_tasks(&self) -> Option<bool> {
        let wt = self.registry.current_worker()?;
        Some(!wt.deque.is_empty())
    }

    /// Runs one job of the calling worker's own deque if the caller is a worker of this pool.
    pub fn yield_local(&self) -> Option<Yield> {
        let wt = self.registry.current_worker()?;
        Some(if wt.yield_local_one() {
            Yield::Executed
        } else {
            Yield::Idle
        })
    }

    /// Shuts the pool down: queued work still runs. With `wait`, returns after every thread
    /// exited (and joins them); without, returns at once like `drop` (a job blocked forever
    /// does not block this; the threads are detached and exit when their work is done).
    /// Called from one of the pool's own workers, it cannot wait for itself and returns at
    /// once.
    pub fn shutdown(self, wait: bool) {
        self.registry.terminate();
        if wait && !self.on_own_worker() {
            self.registry
                .wait_exited(None, WorkerThread::current().is_null());
            self.registry.join_threads();
        } else {
            self.registry.detach_threads();
        }
        self.release_current_thread();
        drop(self.into_registry());
    }

    /// Shuts down and waits up to `timeout` for the threads; `true` when all exited in time
    /// (then they are joined), `false` otherwise (they are detached and keep finishing in the
    /// background).
    pub fn shutdown_timeout(self, timeout: Duration) -> bool {
        self.registry.terminate();
        let ok = !self.on_own_worker()
            && self.registry.wait_exited(
                Instant::now().checked_add(timeout),
                WorkerThread::current().is_null(),
            );
        if ok {
            self.registry.join_threads();
        } else {
            self.registry.detach_threads();
        }
        self.release_current_thread();
        drop(self.into_registry());
        ok
    }

    /// Consumes the pool without running its `Drop` (the shutdown paths did that work
    /// already), handing back the registry reference so it is released, not leaked: a
    /// `mem::forget(self)` here leaked the whole registry on every `shutdown` (found by loom's
    /// leak check in verify/tests/loom_join.rs).
    fn into_registry(self) -> Arc<Registry> {
        let this = std::mem::ManuallyDrop::new(self);
        // SAFETY: `this` is never dropped or used again, so moving its only field out leaves
        // exactly one owner of that `Arc`.
        unsafe { std::ptr::read(&this.registry) }
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
    /// Signals termination and returns without waiting (see the type's docs).
    fn drop(&mut self) {
        self.registry.terminate();
        self.registry.detach_threads();
        self.release_current_thread();
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

/// Whether the calling worker has jobs queued on its own deque; `None` when not on a worker
/// (rayon-core's `current_thread_has_pending_tasks`).
pub fn current_thread_has_pending_tasks() -> Option<bool> {
    // SAFETY: see `Registry::current_worker`.
    let wt = unsafe { WorkerThread::current().as_ref() }?;
    Some(!wt.deque.is_empty())
}

/// The largest `num_threads` a pool accepts ([`MAX_NUM_THREADS`]).
pub fn max_num_threads() -> usize {
    MAX_NUM_THREADS
}

/// Runs one job of the calling worker's own deque (no stealing, no injected work); `None`
/// when not on a worker (rayon-core's `yield_local`).
pub fn yield_local() -> Option<Yield> {
    // SAFETY: see `Registry::current_worker`.
    let wt = unsafe { WorkerThread::current().as_ref() }?;
    Some(if wt.yield_local_one() {
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

/// Boots the Web Workers a pool of `num_threads` (0 = default) will take, in the browser; a
/// no-op elsewhere (`ThreadPoolBuilder::build_async`).
async fn prestart_for(
    num_threads: usize,
    stack_size: Option<usize>,
    use_current_thread: bool,
) -> Result<(), BuildError> {
    #[cfg(all(target_arch = "wasm32", target_feature = "atomics"))]
    {
        let backend = crate::Backend::detect();
        if backend == crate::Backend::WebWorkers && num_threads <= crate::MAX_NUM_THREADS {
            let n = if num_threads == 0 {
                backend.default_num_threads()
            } else {
                num_threads
            };
            let n = n - usize::from(use_current_thread && n > 0);
            let stack = stack_size.unwrap_or(crate::web_rt::DEFAULT_WORKER_STACK);
            crate::web_rt::prestart(n, stack).await.map_err(|e| {
                crate::error::BuildError::new(crate::error::BuildErrorKind::Spawn(
                    std::io::Error::other(e),
                ))
            })?;
        }
    }
    #[cfg(not(all(target_arch = "wasm32", target_feature = "atomics")))]
    let _ = (num_threads, stack_size, use_current_thread);
    Ok(())
}
