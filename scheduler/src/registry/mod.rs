//! The mechanism behind a pool (the API is `pool.rs`, `join.rs`, `scope.rs`, `broadcast.rs`).
//!
//! Layers inside, each importing only the ones above it in this list:
//! * `signal`: `CallSignal`, how awaited calls hear of a completion or a worker's death.
//! * `orphan`: `Orphan`, the loop a dead browser worker leaves at its index (ADR 113).
//! * `dead_stacks`: `DeadStacks`, a pool's dead browser workers' stacks until freed (ADR 123).
//! * `state`: [`Registry`], the state a pool's handle and its workers share.
//! * `worker`: [`WorkerThread`], a worker's private state, its main loop and wait loop.
//! * `build`: building a registry and starting its threads; the global registry.
//! * `enter`: `in_worker`, `spawn_job`, the current registry.
//!
//! This file only declares and re-exports.

mod build;
pub(crate) mod dead_stacks;
mod enter;
pub(crate) mod orphan;
pub(crate) mod signal;
mod state;
mod worker;

#[cfg(not(any(portalis_loom, portalis_shuttle)))]
// only `build_scoped` uses it (no scopes in models)
pub(crate) use build::build_with;
pub(crate) use build::{build, build_global, global_registry, Config};
pub use build::{ThreadBuilder, DEFAULT_STACK_SIZE, MAX_NUM_THREADS};
pub(crate) use enter::current_registry;
pub(crate) use state::Registry;
pub(crate) use worker::WorkerThread;
