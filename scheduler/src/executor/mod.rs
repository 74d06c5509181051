//! `concurrent.futures` on the pool: [`Future`], [`ThreadPoolExecutor`], [`wait`],
//! [`as_completed`], plus [`Timer`] (a cancelable delayed call) and [`Local`] (per-thread
//! values, like Python's `threading.local`).
//!
//! # Examples
//! ```
//! use portalis_scheduler::executor::{ThreadPoolExecutor, wait, ReturnWhen};
//! let ex = ThreadPoolExecutor::builder().max_workers(2).build().unwrap();
//! let fs: Vec<_> = (0..4).map(|i| ex.submit(move || i * i).unwrap()).collect();
//! let r = wait(&fs, None, ReturnWhen::AllCompleted);
//! assert_eq!(r.done.len(), 4);
//! assert_eq!(fs[3].result(None).unwrap(), 9);
//! ex.shutdown(true, false);
//! ```

mod future;
mod local;
mod timer;

pub use future::{as_completed, wait, Future, FutureError, ReturnWhen, WaitOutcome};
pub use local::Local;
pub use timer::Timer;

use crate::{ThreadPool, ThreadPoolBuilder};
use portalis_primitives::stdlike::Mutex;
use portalis_primitives::sync::Arc;
use std::fmt;

/// Why the executor refused work.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ExecutorError {
    /// `submit` after `shutdown` (Python: RuntimeError).
    #[error("cannot schedule new futures after shutdown")]
    Shutdown,
    /// The worker threads could not be started.
    #[error("could not start the executor's threads: {0}")]
    Build(String),
}

/// Configures a [`ThreadPoolExecutor`].
#[derive(Default)]
pub struct ExecutorBuilder {
    max_workers: usize,
    prefix: Option<String>,
    initializer: Option<Box<dyn Fn() + Send + Sync>>,
}

impl fmt::Debug for ExecutorBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ExecutorBuilder")
            .field("max_workers", &self.max_workers)
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

impl ExecutorBuilder {
    /// Worker threads; 0 = Python's default `min(32, cpus + 4)`.
    pub fn max_workers(mut self, n: usize) -> Self {
        self.max_workers = n;
        self
    }
    /// Threads are named `<prefix>_<i>`.
    pub fn thread_name_prefix(mut self, p: impl Into<String>) -> Self {
        self.prefix = Some(p.into());
        self
    }
    /// Runs on each worker thread when it starts.
    pub fn initializer(mut self, f: impl Fn() + Send + Sync + 'static) -> Self {
        self.initializer = Some(Box::new(f));
        self
    }
    /// Starts the executor.
    ///
    /// # Errors
    /// [`ExecutorError::Build`] when the threads cannot be started.
    pub fn build(self) -> Result<ThreadPoolExecutor, ExecutorError> {
        let n = if self.max_workers == 0 {
            (crate::Backend::detect().default_num_threads() + 4).min(32)
        } else {
            self.max_workers
        };
        let prefix = self
            .prefix
            .unwrap_or_else(|| "ThreadPoolExecutor".to_string());
        let mut b = ThreadPoolBuilder::new()
            .num_threads(n)
            .thread_name(move |i| format!("{prefix}_{i}"));
        if let Some(init) = self.initializer {
            b = b.start_handler(move |_| init());
        }
        let pool = b.build().map_err(|e| ExecutorError::Build(e.to_string()))?;
        Ok(ThreadPoolExecutor {
            pool: Mutex::new(Some(pool)),
            pending: Arc::new(Mutex::new((Vec::new(), PRUNE_MIN))),
            max_workers: n,
        })
    }
}

use future::CancelFn;

/// The pending-hook list is first pruned at this length (heuristic: small enough that an
/// idle executor holds few dead hooks, large enough that short bursts never prune).
const PRUNE_MIN: usize = 64;

/// Python's `concurrent.futures.ThreadPoolExecutor` on a [`ThreadPool`].
pub struct ThreadPoolExecutor {
    pool: Mutex<Option<ThreadPool>>,
    /// Cancel hooks of submitted futures, for `cancel_futures`, and the length at which
    /// finished ones are pruned next.
    pending: Arc<Mutex<(Vec<CancelFn>, usize)>>,
    max_workers: usize,
}

impl fmt::Debug for ThreadPoolExecutor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ThreadPoolExecutor")
            .field("max_workers", &self.max_workers)
            .finish_non_exhaustive()
    }
}

impl ThreadPoolExecutor {
    /// A builder.
    pub fn builder() -> ExecutorBuilder {
        ExecutorBuilder::default()
    }

    /// An executor with `max_workers` threads (0 = default).
    ///
    /// # Errors
    /// As for [`ExecutorBuilder::build`].
    pub fn new(max_workers: usize) -> Result<Self, ExecutorError> {
        Self::builder().max_workers(max_workers).build()
    }

    /// The worker count.
    pub fn max_workers(&self) -> usize {
        self.max_workers
    }

    /// Schedules `f` and returns its future.
    ///
    /// # Errors
    /// [`ExecutorError::Shutdown`] after [`shutdown`](Self::shutdown).
    pub fn submit<T, F>(&self, f: F) -> Result<Future<T>, ExecutorError>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let guard = self.pool.lock().unwrap();
        let pool = guard.as_ref().ok_or(ExecutorError::Shutdown)?;
        let fut = Future::pending();
        {
            let mut p = self.pending.lock().unwrap();
            // Prune finished futures only when the list doubled since the last prune, so a
            // burst of submits costs O(1) amortized each (pruning on every submit made
            // `map` over n items O(n^2): 25 us/task at n = 20,000, perf row P1).
            if p.0.len() >= p.1 {
                p.0.retain(|c| !c(false));
                p.1 = (2 * p.0.len()).max(PRUNE_MIN);
            }
            let weak = fut.cancel_hook();
            p.0.push(weak);
        }
        let f2 = fut.clone();
        pool.spawn(move || f2.run(f));
        Ok(fut)
    }

    /// Submits `f(item)` for every item; the results in input order.
    ///
    /// # Errors
    /// [`ExecutorError::Shutdown`] after shutdown.
    pub fn map<I, F, T>(&self, f: F, items: I) -> Result<Vec<Future<T>>, ExecutorError>
    where
        I: IntoIterator,
        I::Item: Send + 'static,
        F: Fn(I::Item) -> T + Send + Sync + 'static,
        T: Send + 'static,
    {
        let f = Arc::new(f);
        items
            .into_iter()
            .map(|x| {
                let f = f.clone();
                self.submit(move || f(x))
            })
            .collect()
    }

    /// Stops accepting work. `cancel_futures` cancels everything not yet running; `wait`
    /// blocks until the running and queued work finished and the threads exited.
    pub fn shutdown(&self, wait: bool, cancel_futures: bool) {
        if cancel_futures {
            // Taken out of the lock first: a cancel runs the future's done-callbacks (user
            // code), and no other thread's `submit` may wait for those (on a page's main
            // thread such a wait can only spin; ADR 111). After shutdown nothing prunes.
            let hooks = std::mem::take(&mut self.pending.lock().unwrap().0);
            for c in hooks.iter() {
                c(true);
            }
        }
        let pool = self.pool.lock().unwrap().take();
        if let Some(pool) = pool {
            pool.shutdown(wait);
        }
    }
}

impl Drop for ThreadPoolExecutor {
    fn drop(&mut self) {
        self.shutdown(true, false);
    }
}
