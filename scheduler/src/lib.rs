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
mod scope;
mod sleep;

/// Crate-private protocols exposed to the loom models in `verify/tests/` only: the sleep
/// protocol (`loom_sleep.rs`) and the executor's `Future` (`loom_future.rs`).
#[cfg(portalis_loom)]
#[doc(hidden)]
pub mod model {
    pub use crate::model_future::{as_completed, wait, Future, FutureError, ReturnWhen};
    pub use crate::registry::signal::{CallSignal, Step};
    pub use crate::sleep::Sleep;

    /// `Future::run` (crate-private: the executor's worker side), for the models.
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
