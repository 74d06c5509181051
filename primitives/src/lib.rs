//! Futex-style wait/notify on every target, and the lock-free primitives built on it.
//!
//! # Map
//! * [`sync`]: the shim every other module imports atomics, cells and threads from (std, loom
//!   or shuttle by cfg).
//! * [`futex`]: `wait` / `wake_one` / `wake_all` on an `AtomicU32`, one backend file per
//!   platform; the only OS/arch cfgs of the workspace.
//! * [`Parker`] / [`Unparker`] and [`Backoff`]: the blocking and spinning building blocks.
//!
//! # A blocked thread's path
//! A primitive's fast path is one atomic RMW. On contention it spins with [`Backoff`], then
//! announces itself in its state word and calls [`futex::wait`] with the value it announced.
//! The releasing side publishes with `Release`, sees the announcement and calls
//! [`futex::wake_one`]; the woken thread re-checks with `Acquire`.
#![warn(missing_docs, missing_debug_implementations, unreachable_pub)]
#![cfg_attr(portalis_wasm_atomics, feature(stdarch_wasm_atomic_wait))]
// The model builds (loom, shuttle) set the spin and yield counts to 0 and the waker table to one
// shard, so loops over those counts are empty and `% SHARDS` is `% 1` there; the lints below
// fire on those constants only, and the code is the same one the real builds run. Shuttle's
// atomics are also larger than the real ones, which changes an enum's variant sizes.
#![cfg_attr(
    any(portalis_loom, portalis_shuttle),
    allow(
        clippy::reversed_empty_ranges,
        clippy::modulo_one,
        clippy::absurd_extreme_comparisons,
        clippy::large_enum_variant
    )
)]

/// Declares a `const fn` in normal builds and a plain `fn` under the model checkers, whose
/// atomics and cells have no `const fn new` (docs/style.md §2). Constructors that cannot fail
/// use it, so `static M: Mutex<Vec<u8>> = Mutex::new(Vec::new());` compiles on every target;
/// a model build never has statics of our types (its state must reset per execution).
macro_rules! const_fn_unless_model {
    ($(#[$attr:meta])* $vis:vis fn $($rest:tt)*) => {
        #[cfg(not(any(portalis_loom, portalis_shuttle)))]
        $(#[$attr])* $vis const fn $($rest)*
        #[cfg(any(portalis_loom, portalis_shuttle))]
        $(#[$attr])* $vis fn $($rest)*
    };
}

#[doc(hidden)]
pub mod sync;

pub mod futex;

pub mod channel;

#[doc(hidden)]
pub mod stdlike;

mod backoff;
mod park;

pub use backoff::Backoff;
pub use park::{Parker, Unparker};

/// `recv_async`, `send_async` (the locks' async variants live in their own files).
mod async_ops;
mod atomic_cell;
mod barrier;
mod condvar;
mod deadline;
pub mod error;
mod event;
mod latch;
mod mutex;
mod once;
/// lock_api's raw traits on our locks (feature `lock-api`; not in model builds).
#[cfg(all(feature = "lock-api", not(any(portalis_loom, portalis_shuttle))))]
pub mod raw;
mod reentrant;
mod rwlock;
mod semaphore;
pub mod time;

pub use atomic_cell::{Atom, AtomicCell, SharedState};
pub use barrier::Barrier;
pub use condvar::{Condvar, WaitTimeoutResult};
pub use error::{
    BrokenBarrierError, LockError, ReleaseError, SemaphoreNewError, SemaphoreReleaseError,
    WaitGroupError, ZeroPartiesError,
};
pub use event::Event;
pub use latch::{Latch, WaitGroup};
pub use mutex::{MappedMutexGuard, Mutex, MutexGuard};
pub use once::{Once, OnceLock};
pub use reentrant::{ReentrantMutex, ReentrantMutexGuard};
pub use rwlock::{
    MappedRwLockReadGuard, MappedRwLockWriteGuard, RwLock, RwLockReadGuard,
    RwLockUpgradableReadGuard, RwLockWriteGuard,
};
pub use semaphore::{BoundedSemaphore, Semaphore};
