//! The browser's task layer on top of the Web Worker runtime (`crate::web_rt`): registered
//! tasks and the pools that run them (`remote.rs`, ADR 071), and awaitable pool calls
//! (`async_ops.rs`). Re-exported as `portalis_scheduler::web`. Kept apart from the runtime so
//! the runtime (which the pool's backend spawns through) does not depend on the pool.

#[cfg(target_feature = "atomics")]
mod async_ops;
mod remote;

#[cfg(target_feature = "atomics")]
pub use crate::running::WorkerDied;

pub use remote::{
    last_boot_timeline, remote_urls_held, Mode, PoolError, RemotePool, RemoteTask, TaskEntry,
    TaskError, TaskPool, TaskTable,
};
