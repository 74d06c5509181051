//! Python's `concurrent.futures` (thread side) on the [`executor`](crate::executor):
//! [`ThreadPoolExecutor`], [`Future`], [`wait`], [`as_completed`].
//!
//! A submitted callable returns `PyResult<T>`: `Err(e)` is the exception Python's `result()`
//! re-raises and `exception()` returns. A panic becomes a `PanicException`.
//!
//! # Examples
//! ```
//! use portalis_threading::py::concurrent::futures::{as_completed, ThreadPoolExecutor};
//! use portalis_threading::py::PyThreadingError;
//!
//! let ex = ThreadPoolExecutor::new(Some(2)).unwrap();
//! let squares: Vec<i64> = ex
//!     .map(|x: i64| Ok(x * x), 0..5, None)
//!     .unwrap()
//!     .collect::<Result<_, _>>()
//!     .unwrap();
//! assert_eq!(squares, [0, 1, 4, 9, 16]);
//! let f = ex.submit(|| Err::<i32, _>(PyThreadingError::raised("ZeroDivisionError", "division by zero"))).unwrap();
//! assert_eq!(f.exception(None).unwrap().unwrap().py_type_name(), "ZeroDivisionError");
//! ex.shutdown(true, false);
//! ```

use crate::executor as ex;
use crate::py::error::{PyResult, PyThreadingError};
use crate::py::timeout;
use portalis_primitives::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use portalis_primitives::sync::Arc;
use portalis_primitives::time::Instant;
use std::fmt;

/// `FIRST_COMPLETED`, `FIRST_EXCEPTION`, `ALL_COMPLETED`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReturnWhen {
    /// `FIRST_COMPLETED`.
    FirstCompleted,
    /// `FIRST_EXCEPTION`.
    FirstException,
    /// `ALL_COMPLETED`.
    AllCompleted,
}

/// `concurrent.futures.FIRST_COMPLETED`.
pub const FIRST_COMPLETED: ReturnWhen = ReturnWhen::FirstCompleted;
/// `concurrent.futures.FIRST_EXCEPTION`.
pub const FIRST_EXCEPTION: ReturnWhen = ReturnWhen::FirstException;
/// `concurrent.futures.ALL_COMPLETED`.
pub const ALL_COMPLETED: ReturnWhen = ReturnWhen::AllCompleted;

fn from_executor(e: ex::FutureError) -> PyThreadingError {
    match e {
        ex::FutureError::Cancelled => PyThreadingError::CancelledError,
        ex::FutureError::Timeout => PyThreadingError::TimeoutError(String::new()),
        ex::FutureError::Panicked(m) => PyThreadingError::Raised {
            type_name: "PanicException".into(),
            message: m,
        },
        other => PyThreadingError::runtime(other.to_string()),
    }
}

/// `concurrent.futures.Future`: the eventual outcome of a call.
pub struct Future<T> {
    f: ex::Future<PyResult<T>>,
}

impl<T> Clone for Future<T> {
    fn clone(&self) -> Self {
        Future { f: self.f.clone() }
    }
}

impl<T> fmt::Debug for Future<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.f.fmt(f)
    }
}

impl<T: Clone + Send + 'static> Default for Future<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Clone + Send + 'static> Future<T> {
    /// `Future()`: pending, completed by [`set_result`](Self::set_result) /
    /// [`set_exception`](Self::set_exception) (for executors and tests, as in Python).
    pub fn new() -> Self {
        Future {
            f: ex::Future::new(),
        }
    }

    /// `result(timeout)`: the value, or the exception the call raised.
    ///
    /// # Errors
    /// The call's exception; `CancelledError`; `TimeoutError` (empty message).
    pub fn result(&self, timeout: Option<f64>) -> PyResult<T> {
        self.f
            .result(timeout::opt(timeout))
            .map_err(from_executor)?
    }

    /// `exception(timeout)`: the call's exception, `None` if it returned.
    ///
    /// # Errors
    /// `CancelledError`; `TimeoutError`.
    pub fn exception(&self, timeout: Option<f64>) -> PyResult<Option<PyThreadingError>> {
        match self.f.result(timeout::opt(timeout)) {
            Ok(Ok(_)) => Ok(None),
            Ok(Err(e)) => Ok(Some(e)),
            Err(e @ ex::FutureError::Panicked(_)) => Ok(Some(from_executor(e))),
            Err(e) => Err(from_executor(e)),
        }
    }

    /// `cancel()`: `true` if it is (now) cancelled; a running or finished call cannot be.
    pub fn cancel(&self) -> bool {
        self.f.cancel()
    }
    /// `cancelled()`.
    pub fn cancelled(&self) -> bool {
        self.f.cancelled()
    }
    /// `running()`.
    pub fn running(&self) -> bool {
        self.f.running()
    }
    /// `done()`.
    pub fn done(&self) -> bool {
        self.f.done()
    }

    /// `add_done_callback(fn)`: `fn(future)` runs when it is done (at once if it is).
    pub fn add_done_callback(&self, f: impl FnOnce(&Future<T>) + Send + 'static) {
        self.f
            .add_done_callback(move |inner| f(&Future { f: inner.clone() }))
    }

    /// `set_result(value)`.
    ///
    /// # Errors
    /// `InvalidStateError` when the future is already done or cancelled.
    pub fn set_result(&self, value: T) -> PyResult<()> {
        self.set(Ok(value))
    }

    /// `set_exception(exc)`.
    ///
    /// # Errors
    /// `InvalidStateError` when the future is already done or cancelled.
    pub fn set_exception(&self, exc: PyThreadingError) -> PyResult<()> {
        self.set(Err(exc))
    }

    fn set(&self, r: PyResult<T>) -> PyResult<()> {
        let state = if self.cancelled() {
            "CANCELLED"
        } else {
            "FINISHED"
        };
        self.f
            .set_result(r)
            .map_err(|_| PyThreadingError::InvalidStateError(format!("{state}: {self:?}")))
    }

    fn failed(&self) -> bool {
        self.done() && !self.cancelled() && matches!(self.exception(Some(0.0)), Ok(Some(_)))
    }
}

// ---------------------------------------------------------------------------------------------

/// `ThreadPoolExecutor` numbering for default thread names (`ThreadPoolExecutor-<n>_<i>`).
static EXECUTORS: AtomicUsize = AtomicUsize::new(0);

/// `concurrent.futures.ThreadPoolExecutor` on a work-stealing [`ThreadPool`](crate::ThreadPool).
///
/// Threads are started when the executor is built (CPython starts them as work arrives, up to
/// `max_workers`). Dropping the last handle is `shutdown(wait=True)`, the end of a `with`
/// block.
#[derive(Clone)]
pub struct ThreadPoolExecutor {
    ex: Arc<ex::ThreadPoolExecutor>,
}

impl fmt::Debug for ThreadPoolExecutor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ThreadPoolExecutor")
            .field("max_workers", &self.max_workers())
            .finish()
    }
}

/// CPython's default worker count: `min(32, cpu_count + 4)`.
pub fn default_max_workers() -> usize {
    (crate::Backend::detect().default_num_threads() + 4).min(32)
}

impl ThreadPoolExecutor {
    /// `ThreadPoolExecutor(max_workers)`; `None` = [`default_max_workers`].
    ///
    /// # Errors
    /// `ValueError: max_workers must be greater than 0`; `RuntimeError` when the threads
    /// cannot start.
    pub fn new(max_workers: Option<usize>) -> PyResult<Self> {
        Self::with_options(max_workers, "", None)
    }

    /// `ThreadPoolExecutor(max_workers, thread_name_prefix, initializer)` (`initargs` are
    /// captured by the closure). An empty prefix means CPython's `ThreadPoolExecutor-<n>`.
    ///
    /// # Errors
    /// As [`new`](Self::new).
    pub fn with_options(
        max_workers: Option<usize>,
        thread_name_prefix: &str,
        initializer: Option<Box<dyn Fn() + Send + Sync>>,
    ) -> PyResult<Self> {
        if max_workers == Some(0) {
            return Err(PyThreadingError::value(
                "max_workers must be greater than 0",
            ));
        }
        // Relaxed: a unique counter.
        let n = EXECUTORS.fetch_add(1, Relaxed);
        let prefix = if thread_name_prefix.is_empty() {
            format!("ThreadPoolExecutor-{n}")
        } else {
            thread_name_prefix.to_string()
        };
        let mut b = ex::ThreadPoolExecutor::builder()
            .max_workers(max_workers.unwrap_or_else(default_max_workers))
            .thread_name_prefix(prefix);
        if let Some(init) = initializer {
            b = b.initializer(init);
        }
        let ex = b
            .build()
            .map_err(|e| PyThreadingError::runtime(e.to_string()))?;
        Ok(ThreadPoolExecutor { ex: Arc::new(ex) })
    }

    /// `_max_workers`.
    pub fn max_workers(&self) -> usize {
        self.ex.max_workers()
    }

    /// `submit(fn, *args)`.
    ///
    /// # Errors
    /// `RuntimeError: cannot schedule new futures after shutdown`.
    pub fn submit<T, F>(&self, f: F) -> PyResult<Future<T>>
    where
        F: FnOnce() -> PyResult<T> + Send + 'static,
        T: Send + 'static,
    {
        self.ex
            .submit(f)
            .map(|f| Future { f })
            .map_err(|_| PyThreadingError::runtime("cannot schedule new futures after shutdown"))
    }

    /// `map(fn, iterable, timeout)`: every call is submitted now; the iterator yields the
    /// results in order, each waiting at most until `timeout` seconds after this call. The
    /// first exception (or `TimeoutError`) ends the iteration and cancels the calls not yet
    /// started, as does dropping the iterator. (CPython's `chunksize` is ignored by its
    /// `ThreadPoolExecutor` too.)
    ///
    /// # Errors
    /// `RuntimeError` after shutdown.
    pub fn map<I, F, T>(&self, f: F, items: I, timeout: Option<f64>) -> PyResult<MapIter<T>>
    where
        I: IntoIterator,
        I::Item: Send + 'static,
        F: Fn(I::Item) -> PyResult<T> + Send + Sync + 'static,
        T: Clone + Send + 'static,
    {
        let end = timeout.map(|t| {
            let now = Instant::now();
            now.checked_add(timeout::secs(t)).unwrap_or(now)
        });
        let f = Arc::new(f);
        let mut fs = Vec::new();
        for x in items {
            let f = f.clone();
            fs.push(self.submit(move || f(x))?);
        }
        fs.reverse();
        Ok(MapIter { fs, end })
    }

    /// `shutdown(wait, cancel_futures)`; later submits raise `RuntimeError`.
    pub fn shutdown(&self, wait: bool, cancel_futures: bool) {
        self.ex.shutdown(wait, cancel_futures)
    }
}

/// The iterator [`ThreadPoolExecutor::map`] returns.
pub struct MapIter<T: Clone + Send + 'static> {
    /// Remaining futures, last first (popped from the end).
    fs: Vec<Future<T>>,
    end: Option<Instant>,
}

impl<T: Clone + Send + 'static> fmt::Debug for MapIter<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MapIter")
            .field("remaining", &self.fs.len())
            .finish()
    }
}

impl<T: Clone + Send + 'static> Iterator for MapIter<T> {
    type Item = PyResult<T>;

    fn next(&mut self) -> Option<PyResult<T>> {
        let fut = self.fs.pop()?;
        let t = self
            .end
            .map(|e| e.saturating_duration_since(Instant::now()).as_secs_f64());
        let r = fut.result(t);
        if r.is_err() {
            fut.cancel();
            self.cancel_rest();
        }
        Some(r)
    }
}

impl<T: Clone + Send + 'static> MapIter<T> {
    fn cancel_rest(&mut self) {
        for f in self.fs.drain(..) {
            f.cancel();
        }
    }
}

impl<T: Clone + Send + 'static> Drop for MapIter<T> {
    fn drop(&mut self) {
        self.cancel_rest();
    }
}

// ---------------------------------------------------------------------------------------------

/// `DoneAndNotDoneFutures`: what [`wait`] returns (each list in the input order).
#[derive(Debug)]
pub struct DoneAndNotDone<T> {
    /// `done`.
    pub done: Vec<Future<T>>,
    /// `not_done`.
    pub not_done: Vec<Future<T>>,
}

/// `concurrent.futures.wait(fs, timeout, return_when)`; never raises.
pub fn wait<T: Clone + Send + 'static>(
    fs: &[Future<T>],
    timeout: Option<f64>,
    return_when: ReturnWhen,
) -> DoneAndNotDone<T> {
    let inner: Vec<_> = fs.iter().map(|f| f.f.clone()).collect();
    let t = timeout::opt(timeout);
    match return_when {
        ReturnWhen::AllCompleted => {
            ex::wait(&inner, t, ex::ReturnWhen::AllCompleted);
        }
        ReturnWhen::FirstCompleted => {
            ex::wait(&inner, t, ex::ReturnWhen::FirstCompleted);
        }
        ReturnWhen::FirstException => {
            // An exception here is an `Err` value of the call, which the executor's own
            // FIRST_EXCEPTION (panics only) does not see: wait for completions one at a time.
            let end = t.map(|d| Instant::now().checked_add(d).unwrap_or_else(Instant::now));
            loop {
                if fs.iter().any(Future::failed) || fs.iter().all(Future::done) {
                    break;
                }
                let pending: Vec<_> = fs
                    .iter()
                    .filter(|f| !f.done())
                    .map(|f| f.f.clone())
                    .collect();
                let left = match end {
                    None => None,
                    Some(e) => {
                        let now = Instant::now();
                        if now >= e {
                            break;
                        }
                        Some(e - now)
                    }
                };
                ex::wait(&pending, left, ex::ReturnWhen::FirstCompleted);
            }
        }
    }
    let (done, not_done) = fs.iter().cloned().partition(|f| f.done());
    DoneAndNotDone { done, not_done }
}

/// `concurrent.futures.as_completed(fs, timeout)`: yields each future once, as it finishes
/// (those already done first, in input order); when `timeout` seconds pass first, yields
/// `Err(TimeoutError("N (of M) futures unfinished"))` and ends.
///
/// Built on the executor's [`wait`](crate::executor::wait): each round waits for the first
/// completion among the pending futures and collects every finished one, so a round costs
/// O(pending).
pub fn as_completed<T: Clone + Send + 'static>(
    fs: &[Future<T>],
    timeout: Option<f64>,
) -> AsCompleted<T> {
    AsCompleted {
        total: fs.len(),
        pending: fs.to_vec(),
        ready: std::collections::VecDeque::new(),
        end: timeout::opt(timeout)
            .map(|d| Instant::now().checked_add(d).unwrap_or_else(Instant::now)),
        over: false,
    }
}

/// The iterator [`as_completed`] returns.
pub struct AsCompleted<T> {
    total: usize,
    pending: Vec<Future<T>>,
    ready: std::collections::VecDeque<Future<T>>,
    end: Option<Instant>,
    over: bool,
}

impl<T> fmt::Debug for AsCompleted<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsCompleted")
            .field("total", &self.total)
            .field("pending", &self.pending.len())
            .finish()
    }
}

impl<T: Clone + Send + 'static> AsCompleted<T> {
    fn collect_done(&mut self) {
        let (done, pending): (Vec<_>, Vec<_>) = std::mem::take(&mut self.pending)
            .into_iter()
            .partition(Future::done);
        self.ready.extend(done);
        self.pending = pending;
    }
}

impl<T: Clone + Send + 'static> Iterator for AsCompleted<T> {
    type Item = PyResult<Future<T>>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.over {
            return None;
        }
        loop {
            if let Some(f) = self.ready.pop_front() {
                return Some(Ok(f));
            }
            self.collect_done();
            if !self.ready.is_empty() {
                continue;
            }
            if self.pending.is_empty() {
                return None;
            }
            let left = match self.end {
                None => None,
                Some(e) => {
                    let now = Instant::now();
                    if now >= e {
                        self.over = true;
                        return Some(Err(PyThreadingError::TimeoutError(format!(
                            "{} (of {}) futures unfinished",
                            self.pending.len(),
                            self.total
                        ))));
                    }
                    Some(e - now)
                }
            };
            let inner: Vec<_> = self.pending.iter().map(|f| f.f.clone()).collect();
            ex::wait(&inner, left, ex::ReturnWhen::FirstCompleted);
        }
    }
}
