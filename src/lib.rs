//! portalis-threading: a lock-free work-stealing runtime with a Python-compatible threading
//! surface, running the same way natively, under WASI and in the browser.
//!
//! # Map
//! * [`primitives`] (crate `portalis-primitives`): futex wait/notify on every target and the
//!   primitives built on it.
//! * [`scheduler`] (crate `portalis-scheduler`): the work-stealing pool.
//! * [`py`]: Python's `threading`, `queue`, `concurrent.futures` and `multiprocessing`
//!   modules by name, on the primitives and the pool (for programs translated from Python).
//! * [`mapping`]: the table a transpiler reads: every Python API, its Rust path here, a
//!   code template, and where it runs.
#![warn(missing_docs, missing_debug_implementations, unreachable_pub)]

pub use portalis_primitives as primitives;
pub use portalis_scheduler as scheduler;

pub use portalis_primitives::channel;
pub use portalis_primitives::futex;
pub use portalis_primitives::select;
pub use portalis_primitives::time;
pub use portalis_primitives::{
    Atom, AtomicCell, Barrier, BoundedSemaphore, BrokenBarrierError, Condvar, Event, Latch,
    LockError, Mutex, MutexGuard, Once, OnceLock, ReentrantMutex, ReentrantMutexGuard,
    ReleaseError, RwLock, RwLockReadGuard, RwLockWriteGuard, Semaphore, SemaphoreNewError,
    SemaphoreReleaseError, SharedState, WaitGroup, WaitGroupError, WaitTimeoutResult,
    ZeroPartiesError,
};
pub use portalis_primitives::{Backoff, Parker, Unparker};

// Scheduler (issue 5): the rayon-core-shaped pool, executor and thread handles.
#[cfg(not(any(portalis_loom, portalis_shuttle)))]
pub use portalis_scheduler::executor;
#[cfg(not(any(portalis_loom, portalis_shuttle)))]
pub use portalis_scheduler::thread;
pub use portalis_scheduler::{
    broadcast, current_num_threads, current_thread_index, join, scope, scope_fifo, spawn,
    spawn_fifo, yield_now, Backend, BroadcastContext, BuildError, Scope, ScopeFifo, ThreadPool,
    ThreadPoolBuilder, Yield,
};

pub mod mapping;
#[cfg(not(any(portalis_loom, portalis_shuttle)))]
pub mod py;
