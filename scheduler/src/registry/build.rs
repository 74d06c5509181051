//! Building a registry: its configuration, starting its worker threads (one small function,
//! [`spawn_worker`], per thread), the `use_current_thread` worker, and the global registry.

use super::state::{Handlers, PanicHandler, Registry, StartHandler};
use super::worker::{self, WorkerThread};
use crate::backend::{Backend, ThreadHandle};
use crate::deque::Worker;
use crate::error::{BuildError, BuildErrorKind};
use crate::job::JobRef;
use portalis_primitives::sync::Arc;
/// The crate's own `OnceLock` outside the models: a caller that finds another thread building
/// the global pool waits through `futex::wait` (never std's `memory.atomic.wait32`, which traps
/// on a page's main thread; ADR 111). The models keep std's, which they do not explore.
#[cfg(not(any(portalis_loom, portalis_shuttle)))]
use portalis_primitives::OnceLock;
use std::fmt;
use std::io;
#[cfg(any(portalis_loom, portalis_shuttle))]
use std::sync::OnceLock;

/// Largest accepted `num_threads`; larger requests are refused with a [`BuildError`].
pub const MAX_NUM_THREADS: usize = 4096;

/// Default worker stack (virtual memory; committed lazily): deep recursion through `join`
/// (10,000 levels in the tests) fits with room to spare.
pub const DEFAULT_STACK_SIZE: usize = 16 << 20;

/// Names worker `i`.
pub(crate) type NameFn = dyn FnMut(usize) -> String;

/// A custom thread spawner (`ThreadPoolBuilder::spawn_handler`): starts a thread that calls
/// [`ThreadBuilder::run`].
pub(crate) type SpawnFn<'a> = dyn FnMut(ThreadBuilder) -> io::Result<()> + 'a;

/// What a custom spawn handler gets for each worker: its index, name and stack size, and the
/// worker itself, which [`run`](ThreadBuilder::run) runs on the calling thread (rayon-core's
/// `ThreadBuilder`).
pub struct ThreadBuilder {
    name: Option<String>,
    stack_size: usize,
    registry: Arc<Registry>,
    index: usize,
    deque: Worker<JobRef>,
}

impl fmt::Debug for ThreadBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ThreadBuilder")
            .field("index", &self.index)
            .field("name", &self.name)
            .field("stack_size", &self.stack_size)
            .finish_non_exhaustive()
    }
}

impl ThreadBuilder {
    /// The worker's index in its pool.
    pub fn index(&self) -> usize {
        self.index
    }

    /// The name `thread_name` gave this worker, if any.
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// The stack size the pool asks for (`stack_size`, else [`DEFAULT_STACK_SIZE`]).
    pub fn stack_size(&self) -> usize {
        self.stack_size
    }

    /// Runs the worker on the calling thread until the pool terminates. The spawn handler's
    /// thread must call this (once); a worker that never runs leaves its pool a thread short,
    /// and `shutdown(true)` then waits for it forever.
    pub fn run(self) {
        worker::main_loop(self.registry, self.index, self.deque)
    }
}

/// What a pool is built from (the builder's settings).
#[derive(Default)]
pub(crate) struct Config {
    pub(crate) num_threads: usize,
    pub(crate) thread_name: Option<Box<NameFn>>,
    pub(crate) stack_size: Option<usize>,
    pub(crate) start_handler: Option<Box<StartHandler>>,
    pub(crate) exit_handler: Option<Box<StartHandler>>,
    pub(crate) panic_handler: Option<Box<PanicHandler>>,
    pub(crate) use_current_thread: bool,
    /// `spawn_handler`: who starts the threads (default: [`spawn_worker`]).
    pub(crate) spawn_handler: Option<Box<SpawnFn<'static>>>,
}

/// Builds a registry and starts its workers (through the configured spawn handler, if any).
pub(crate) fn build(mut c: Config) -> Result<Arc<Registry>, BuildError> {
    let backend = Backend::detect();
    match c.spawn_handler.take() {
        Some(mut handler) => build_with(c, Some(&mut *handler), backend),
        None => build_with(c, None, backend),
    }
}

/// Builds a registry and starts its workers, through `custom` when given. Every way out of
/// here — an error, or a panicking `thread_name` unwinding through — terminates and joins
/// (or, for custom threads, waits for) the threads it started. `backend` is
/// `Backend::detect()` except for the browser's lazily built global pool, which falls back to
/// `Backend::NoThreads` when no Web Worker has booted.
pub(crate) fn build_with(
    mut c: Config,
    mut custom: Option<&mut SpawnFn<'_>>,
    backend: Backend,
) -> Result<Arc<Registry>, BuildError> {
    if c.num_threads > MAX_NUM_THREADS {
        return Err(BuildError::new(BuildErrorKind::TooManyThreads {
            requested: c.num_threads,
            max: MAX_NUM_THREADS,
        }));
    }
    if c.use_current_thread && !WorkerThread::current().is_null() {
        return Err(BuildError::new(BuildErrorKind::CurrentThreadInPool));
    }
    let requested = if c.num_threads == 0 {
        backend.default_num_threads()
    } else {
        c.num_threads
    };
    let inline = backend == Backend::NoThreads || requested == 0;
    let n = if inline { 1 } else { requested };
    let first = if inline || c.use_current_thread { 1 } else { 0 };
    let handlers = Handlers {
        start: c.start_handler.take(),
        exit: c.exit_handler.take(),
        panic: c.panic_handler.take(),
    };
    let (registry, deques) = Registry::new(n, n - first, inline, handlers);
    let registry = Arc::new(registry);
    let mut deques = deques.into_iter();
    let current_deque = if first == 1 { deques.next() } else { None };
    let mut started = Started {
        registry: &registry,
        handles: Vec::new(),
        custom: 0,
    };
    for (i, deque) in deques.enumerate() {
        let index = i + first;
        // May panic (a user closure): `started` then stops and joins what runs already.
        let name = c.thread_name.as_mut().map(|f| f(index));
        let stack = c.stack_size.unwrap_or(DEFAULT_STACK_SIZE);
        let spawned = match custom.as_deref_mut() {
            Some(handler) => handler(ThreadBuilder {
                name,
                stack_size: stack,
                registry: registry.clone(),
                index,
                deque,
            })
            .map(|()| started.custom += 1),
            // In the browser a pool without `stack_size` takes any booted worker (its stack was
            // fixed when it booted); elsewhere the default applies.
            None => {
                let stack = match backend {
                    Backend::WebWorkers => c.stack_size,
                    _ => Some(stack),
                };
                spawn_worker(backend, &registry, index, deque, name, stack)
            }
            .map(|h| started.handles.push(h)),
        };
        // On an error `started` stops and joins the threads already running.
        spawned.map_err(|e| BuildError::new(BuildErrorKind::Spawn(e)))?;
    }
    *registry.handles.lock().unwrap() = started.keep();
    if let (false, Some(deque)) = (inline, current_deque) {
        // use_current_thread: this thread becomes worker 0 until the pool is dropped here
        // (checked above: it was no pool's worker).
        let wt = Box::new(WorkerThread::new(registry.clone(), 0, deque));
        let old = WorkerThread::set_current(Box::into_raw(wt));
        debug_assert!(old.is_null());
    }
    Ok(registry)
}

/// The threads `build` started so far; dropped before `keep` (an error return or an unwind),
/// it terminates the registry and joins them (custom-spawned ones: waits until they left
/// their loops), so a failed build leaves no thread behind.
struct Started<'a> {
    registry: &'a Registry,
    handles: Vec<ThreadHandle>,
    /// Workers started by a custom spawn handler (no handles: counted).
    custom: usize,
}

impl Started<'_> {
    /// The build succeeded: hand the handles over.
    fn keep(mut self) -> Vec<ThreadHandle> {
        self.custom = 0;
        std::mem::take(&mut self.handles)
    }
}

impl Drop for Started<'_> {
    fn drop(&mut self) {
        if self.handles.is_empty() && self.custom == 0 {
            return;
        }
        self.registry.terminate();
        for h in self.handles.drain(..) {
            // A worker's panic is already routed or aborted inside it; nothing to carry.
            h.join();
        }
        self.registry.wait_exited_count(self.custom);
    }
}

/// Starts worker `index` of `registry` on a new thread of `backend`, running the worker's
/// main loop on `deque`.
fn spawn_worker(
    backend: Backend,
    registry: &Arc<Registry>,
    index: usize,
    deque: Worker<JobRef>,
    name: Option<String>,
    stack_size: Option<usize>,
) -> io::Result<ThreadHandle> {
    let r = registry.clone();
    #[cfg(all(target_arch = "wasm32", target_feature = "atomics"))]
    if backend == Backend::WebWorkers {
        // A Web Worker whose job traps (panic=abort) hands its place to a replacement
        // (ADR 115): `adopt_after_trap` runs on it after the trap.
        let _ = name; // a Web Worker's name is fixed when it boots
        return crate::web_rt::spawn_thread(
            Box::new(move || worker::main_loop(r, index, deque)),
            stack_size,
            Some(worker::adopt_after_trap),
        )
        .map(ThreadHandle::Web)
        .map_err(io::Error::other);
    }
    backend.spawn(name, stack_size, move || worker::main_loop(r, index, deque))
}

static GLOBAL: OnceLock<Arc<Registry>> = OnceLock::new();

/// The global registry, built with defaults on first use.
pub(crate) fn global_registry() -> &'static Arc<Registry> {
    GLOBAL.get_or_init(|| {
        build(Config::default())
            .or_else(|e| match Backend::detect() {
                // No booted Web Worker (nobody called `build_global_async`): the lazily built
                // global pool runs inline rather than failing the caller.
                Backend::WebWorkers => build_with(Config::default(), None, Backend::NoThreads),
                _ => Err(e),
            })
            .expect("build the global pool")
    })
}

/// Builds the global registry from `c`.
///
/// # Errors
/// The global registry already exists, or as for [`build`].
pub(crate) fn build_global(c: Config) -> Result<(), BuildError> {
    let mut fresh = None;
    let mut err = None;
    GLOBAL.get_or_init(|| match build(c) {
        Ok(r) => {
            fresh = Some(());
            r
        }
        Err(e) => {
            err = Some(e);
            build(Config::default()).expect("default global pool")
        }
    });
    if let Some(e) = err {
        return Err(e);
    }
    match fresh {
        Some(()) => Ok(()),
        None => Err(BuildError::new(
            BuildErrorKind::GlobalPoolAlreadyInitialized,
        )),
    }
}
