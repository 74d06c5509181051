//! Work-stealing scheduler with the rayon-core API shape, on `portalis-primitives`.
//!
//! # Map
//! API layer (imports the mechanism; nothing below imports it back):
//! * `pool`: [`ThreadPoolBuilder`], [`ThreadPool`] and the free functions acting on the
//!   current pool ([`spawn`], [`current_thread_index`], ...).
//! * `join`: lazy join frames promoted by heartbeats (ADR 030, 031).
//! * `scope`: [`Scope`] / [`ScopeFifo`].
//! * `broadcast`: [`broadcast`] / [`BroadcastContext`].
//!
//! Mechanism:
//! * `registry/`: the shared state of a pool (`state`), a worker's private state, main loop
//!   and wait loop (`worker`), building a pool and its threads plus the lazily built global
//!   pool (`build`), getting work in (`enter`: `in_worker`, `spawn_job`).
//! * `job`, `latch`: type-erased jobs and their "done" signals (latches know only `sleep`).
//! * `error`: [`BuildError`].
//! * `sleep`: spin → announce → futex sleep (`sleep/PROTOCOL.md`, ADR 032).
//! * `deque`: crossbeam-deque, or a shim-built twin under the model cfgs.
//! * [`Backend`]: how threads exist (native now; WASI/browser plug in).
//! * [`executor`]: `Future`, `ThreadPoolExecutor`, `wait`, `as_completed`, `Timer`, `Local`.
//! * [`thread`]: `Thread::spawn` / `ThreadHandle::join`, names, ids, `enumerate`.
//!
//! # A job's path
//! `join(a, b)` on a worker records `b` in the worker's frame stack and runs `a`. If a hungry
//! worker set this worker's heartbeat flag, the oldest frame is pushed to the worker's deque
//! (P1–P3 of the sleep protocol wake a sleeper if any); a thief steals it, runs it, and sets
//! the frame's latch; the owner reclaims or waits. Outside callers inject into the
//! `Injector` and park on a latch.
#![warn(missing_docs, missing_debug_implementations, unreachable_pub)]
/// The browser runtime: Web Workers on the shared memory (`web::spawn`, the worker reservoir,
/// ADR 003, 070). Internal name; the public path is [`web`]. Without `atomics` (a stable
/// toolchain) only what the postMessage fallback needs is compiled (ADR 116).
#[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
#[path = "web/mod.rs"]
mod web_rt;
/// Registered tasks, `TaskPool`, async pool calls (ADR 071), on top of `web_rt`.
#[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
mod web_tasks;
/// Threads in the browser: Web Worker pools on the shared memory and the worker reservoir
/// (threaded build: `wasm32` + `atomics`), and registered tasks that also run over postMessage
/// on a page without cross-origin isolation (every `wasm32-unknown-unknown` build, including a
/// stable one without atomics). See ADR 003, 070, 071, 115, 116.
#[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
pub mod web {
    #[cfg(target_feature = "atomics")]
    pub use crate::web_rt::{
        bootstrap_urls_held, idle_workers, prestart, replaced_workers, revoke_bootstrap_url,
        shutdown_workers, spawn, worker_deaths, ShutdownReport, WorkerHandle,
    };
    pub use crate::web_rt::{
        check_stack_size, shared_memory_available, SpawnError, DEFAULT_WORKER_STACK, STACK_GRANULE,
    };
    pub use crate::web_tasks::*;
    /// Blocking code on the page's main thread as a Promise, suspended through JSPI instead
    /// of spinning (ADR 110): see [`run_blocking`]. Threaded build only (the JSPI entry lives
    /// in the atomics futex backend; the stable build's postMessage pool has none yet).
    #[cfg(target_feature = "atomics")]
    pub use portalis_primitives::futex::{block_on, can_suspend, jspi_supported, run_blocking};
    #[doc(hidden)]
    pub use wasm_bindgen as __wasm_bindgen;
}

mod backend;
mod broadcast;
/// Programs that must not compile (doctests only).
#[cfg(doctest)]
mod compile_fail;
mod deque;
mod error;
mod job;
mod join;
mod latch;
mod pool;
mod registry;
mod running;
mod scope;
mod sleep;

/// Crate-private protocols exposed to the loom models in `verify/tests/` only: the sleep
/// protocol (`loom_sleep.rs`) and the executor's `Future` (`loom_future.rs`).
#[cfg(portalis_loom)]
#[doc(hidden)]
pub mod model {
    pub use crate::model_future::{as_completed, wait, Future, FutureError, ReturnWhen};
    pub use crate::registry::orphan::Orphan;
    pub use crate::registry::signal::{CallSignal, Step, Waiting};
    pub use crate::running::WorkerDied;
    pub use crate::sleep::Sleep;

    /// A `join` frame's `b` job as the models see it (ADR 113): its owner waits on the latch,
    /// a thief runs it or dies in it (`verify/tests/loom_web_death.rs`).
    pub struct DeathJob {
        job: crate::job::JoinJob<Box<dyn FnOnce(bool) -> u32 + Send>, u32>,
        /// Owns the `Sleep` the job's latch wakes through (kept alive with the job).
        _sleep: portalis_primitives::sync::Arc<Sleep>,
    }

    impl std::fmt::Debug for DeathJob {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.debug_struct("DeathJob").finish_non_exhaustive()
        }
    }

    // SAFETY: the job is shared as the pool shares a stolen join frame: the thief runs it
    // once, the owner reads the result after the latch (Acquire).
    unsafe impl Send for DeathJob {}
    // SAFETY: as above.
    unsafe impl Sync for DeathJob {}

    impl DeathJob {
        /// A job returning `v`, owned by worker 0 of a one-worker `Sleep`.
        pub fn new(v: u32) -> Self {
            let sleep = portalis_primitives::sync::Arc::new(Sleep::new(1));
            let job: crate::job::JoinJob<Box<dyn FnOnce(bool) -> u32 + Send>, u32> =
                crate::job::JoinJob::new(Box::new(move |_| v));
            // The promotion step (ADR 107): bind the latch before the job is shared.
            // SAFETY: the job is alive and not shared yet; bound once.
            unsafe { job.as_frame_ref().bind_latch(&sleep, 0) };
            DeathJob { job, _sleep: sleep }
        }

        /// A thief runs the job to completion (`Job::execute`). Call once, on one thread.
        pub fn run(&self) {
            // SAFETY: the model calls one of `run`/`die_in_body` once, on one thread.
            unsafe { self.job.as_job_ref().execute() }
        }

        /// A thief takes the job and its thread dies in the body (see
        /// `JoinJob::model_die_in_body`). Call once, on one thread, instead of `run`.
        pub fn die_in_body(&self, died: &WorkerDied) {
            // SAFETY: as `run`.
            unsafe { self.job.model_die_in_body(died) }
        }

        /// The owner's check: is the latch set?
        pub fn is_set(&self) -> bool {
            use crate::latch::Probe;
            // SAFETY: bound in `new`, before the job was shared.
            unsafe { self.job.latch() }.probe()
        }

        /// The owner reads the outcome once the latch is set: the value, or the panic the
        /// owner would raise (a `WorkerDied` payload for a death).
        pub fn outcome(&self) -> Result<u32, Box<dyn std::any::Any + Send>> {
            assert!(self.is_set(), "outcome read before the latch was set");
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                // SAFETY: the latch was observed set; the model reads once.
                unsafe { self.job.take_result() }
            }))
        }
    }

    /// The calling thread will die right after the next job it runs publishes its outcome
    /// (before `execute` returns): "the job finishes right as the worker dies".
    pub fn die_after_next_publish(died: WorkerDied) {
        crate::running::model_die_after_publish(died);
    }

    /// The calling thread dies (R3 of `running.rs`): completes every job on its chain.
    pub fn thread_dies(died: &WorkerDied) -> usize {
        // SAFETY: the models call it only where the thread's linked bodies never continue.
        unsafe { crate::running::abandon_all(died) }
    }

    pub fn run_future<T: Send + 'static>(f: &Future<T>, call: impl FnOnce() -> T) {
        f.run(call);
    }
}
/// The executor's `Future` alone (compiled from its own file under loom, for `model`).
#[cfg(portalis_loom)]
#[path = "executor/future.rs"]
#[allow(dead_code, unreachable_pub)] // Only the models use it; its `pub` items stay private here.
mod model_future;

// The executor and thread bookkeeping use process-wide statics; they are not model subjects.
#[cfg(not(any(portalis_loom, portalis_shuttle)))]
pub mod executor;
#[cfg(not(any(portalis_loom, portalis_shuttle)))]
pub mod thread;

pub use backend::{Backend, MAX_DEFAULT_WEB_WORKERS};
pub use broadcast::{broadcast, spawn_broadcast, BroadcastContext};
pub use error::BuildError;
pub use join::{join, join_context, FnContext};
pub use pool::{
    current_num_threads, current_thread_has_pending_tasks, current_thread_index, max_num_threads,
    spawn, spawn_fifo, yield_local, yield_now, ThreadPool, ThreadPoolBuilder, Yield,
};
pub use registry::{ThreadBuilder, DEFAULT_STACK_SIZE, MAX_NUM_THREADS};
pub use scope::{in_place_scope, in_place_scope_fifo, scope, scope_fifo, Scope, ScopeFifo};
