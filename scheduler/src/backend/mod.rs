//! The threading backend behind the pool: how worker threads come to exist.
//!
//! [`Backend::detect`] picks one at run time. Native targets (and WASI with threads, where
//! `std::thread` maps onto wasi-threads) use [`Backend::Native`]; a target without threads
//! (or a thread that may not block, such as a browser main thread) gets
//! [`Backend::NoThreads`], where pools have no threads and every operation runs inline on the
//! caller. The browser's Web Worker backend plugs in here as another variant.

use portalis_primitives::futex;
use portalis_primitives::sync::thread;
use std::io;

/// Where and how the pool's threads run.
///
/// # Examples
/// ```
/// use portalis_scheduler::Backend;
/// let b = Backend::detect();
/// assert!(b.default_num_threads() >= 1 || b == Backend::NoThreads);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Backend {
    /// `std::thread` (native OS threads; wasi-threads under WASI).
    Native,
    /// No threads can be spawned or blocked on: pools run every job inline on the caller.
    NoThreads,
}

impl Backend {
    /// Detects the backend for the current target and thread.
    pub fn detect() -> Backend {
        if cfg!(portalis_no_threads) || !futex::can_block() {
            Backend::NoThreads
        } else {
            Backend::Native
        }
    }

    /// The default worker count: available parallelism (at least 1), 0 without threads.
    pub fn default_num_threads(&self) -> usize {
        match self {
            Backend::Native => {
                if let Some(n) = std::env::var("PORTALIS_NUM_THREADS")
                    .ok()
                    .and_then(|s| s.parse::<usize>().ok())
                    .filter(|&n| n > 0)
                {
                    return n;
                }
                std::thread::available_parallelism().map_or(1, |n| n.get())
            }
            Backend::NoThreads => 0,
        }
    }

    /// Spawns one worker thread.
    pub(crate) fn spawn(
        &self,
        name: Option<String>,
        stack_size: Option<usize>,
        f: impl FnOnce() + Send + 'static,
    ) -> io::Result<thread::JoinHandle<()>> {
        match self {
            Backend::Native => {
                let mut b = thread::Builder::new();
                if let Some(name) = name {
                    b = b.name(name);
                }
                if let Some(s) = stack_size {
                    b = b.stack_size(s);
                }
                b.spawn(f)
            }
            Backend::NoThreads => Err(io::Error::new(
                io::ErrorKind::Unsupported,
                "this target has no threads",
            )),
        }
    }
}
