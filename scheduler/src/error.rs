//! [`BuildError`]: why a pool could not be built.

/// Why a pool could not be built.
#[derive(Debug, thiserror::Error)]
#[error("{kind}")]
pub struct BuildError {
    kind: BuildErrorKind,
}

#[derive(Debug, thiserror::Error)]
pub(crate) enum BuildErrorKind {
    #[error("the global thread pool was already initialized; build it once, before first use")]
    GlobalPoolAlreadyInitialized,
    #[error("num_threads({requested}) is more than the maximum of {max}; ask for fewer threads")]
    TooManyThreads { requested: usize, max: usize },
    #[error("could not spawn a worker thread: {0}")]
    Spawn(#[source] std::io::Error),
    #[error("use_current_thread() on a thread that already is a worker of a pool; build the pool from a thread outside every pool, or drop use_current_thread()")]
    CurrentThreadInPool,
}

impl BuildError {
    pub(crate) fn new(kind: BuildErrorKind) -> Self {
        BuildError { kind }
    }

    /// `true` when `build_global` found the global pool already built.
    pub fn is_global_pool_already_initialized(&self) -> bool {
        matches!(self.kind, BuildErrorKind::GlobalPoolAlreadyInitialized)
    }

    /// `true` when `use_current_thread()` was asked on a thread that already is a worker of
    /// a pool (it cannot belong to two).
    pub fn is_current_thread_in_pool(&self) -> bool {
        matches!(self.kind, BuildErrorKind::CurrentThreadInPool)
    }
}
