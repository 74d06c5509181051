//! Python's `multiprocessing` API on **threads**: [`Process`], [`Pool`], [`Queue`], [`Pipe`],
//! [`Lock`], [`RLock`], [`Semaphore`], [`BoundedSemaphore`], [`Event`], [`Condition`],
//! [`Barrier`], [`Value`], [`Array`].
//!
//! A translated program keeps its structure, but its "processes" are threads of one process.
//! Where that differs from CPython's processes:
//!
//! | API | CPython (processes) | here (threads) |
//! |---|---|---|
//! | `Process` | separate address space; arguments and results are pickled | shared memory; the closure's captures are moved, nothing is copied or pickled |
//! | `Process.terminate()` / `kill()` | SIGTERM / SIGKILL | impossible for a thread: `RuntimeError`, the process runs on (stop it cooperatively, e.g. with an [`Event`]) |
//! | `Process.pid` | OS process id | the thread's OS thread id (`native_id`) |
//! | `Process.exitcode` | the exit status, `-N` for a signal | `0`, or `1` when the target raised / panicked |
//! | `Pool` | worker processes, tasks pickled in chunks | a [`ThreadPoolExecutor`](crate::py::concurrent::futures::ThreadPoolExecutor); `chunksize` is accepted and ignored |
//! | `Pool.terminate()` | kills the workers | cancels tasks not yet started; running ones finish |
//! | `Queue`, `Pipe` | pickled through OS pipes, a feeder thread | in-memory ([`queue::Queue`](crate::py::queue::Queue), [`channel`](crate::channel)): no size limit from pipe buffers, no serialization errors |
//! | `Value`, `Array` | shared memory (ctypes) + a lock | a value behind an [`RLock`]; `Copy` types only |
//! | start methods (`fork`/`spawn`) | matter | do not exist |
//! | a crash in a worker | only that process dies | a panic is caught and reported as an exception; an abort ends the whole program |
//!
//! # Examples
//! ```
//! use portalis_threading::py::multiprocessing::Pool;
//! let pool = Pool::new(Some(2)).unwrap();
//! let squares = pool.map(|x: i32| Ok(x * x), 0..5).unwrap();
//! assert_eq!(squares, [0, 1, 4, 9, 16]);
//! pool.close();
//! pool.join().unwrap();
//! ```

use super::concurrent::futures::{self as cf, ThreadPoolExecutor};
use super::error::{PyResult, PyThreadingError, TargetResult};
use super::threading::{self, Thread};
use super::timeout;
use crate::channel;
use portalis_primitives::sync::atomic::{AtomicI32, AtomicUsize, Ordering::Relaxed};
use portalis_primitives::sync::Arc;
use portalis_primitives::Mutex;
use std::fmt;

pub use super::threading::{Barrier, Condition, Event};

/// `multiprocessing.Queue` (in memory; see the module docs).
pub type Queue<T> = super::queue::Queue<T>;
/// `multiprocessing.JoinableQueue` (`task_done`/`join`).
pub type JoinableQueue<T> = super::queue::Queue<T>;
/// `multiprocessing.SimpleQueue`.
pub type SimpleQueue<T> = super::queue::SimpleQueue<T>;

fn released_too_many() -> PyThreadingError {
    PyThreadingError::value("semaphore or lock released too many times")
}

/// `os.cpu_count()` as `multiprocessing.cpu_count()` reports it.
pub fn cpu_count() -> usize {
    crate::Backend::detect().default_num_threads()
}

// ---------------------------------------------------------------------------------------------
// Locks: the threading ones, with multiprocessing's error messages.

/// `multiprocessing.Lock`: releasing it unlocked is a `ValueError` (not threading's
/// `RuntimeError`).
#[derive(Debug, Clone, Default)]
pub struct Lock(threading::Lock);

impl Lock {
    /// `Lock()`.
    pub fn new() -> Self {
        Self::default()
    }
    /// `acquire()`.
    pub fn acquire(&self) -> bool {
        self.0.acquire()
    }
    /// `acquire(block, timeout)` (`None` = no limit).
    ///
    /// # Errors
    /// None in practice (kept fallible for the timeout checks).
    pub fn acquire_with(&self, block: bool, timeout: Option<f64>) -> PyResult<bool> {
        match (block, timeout) {
            (false, _) => self.0.acquire_with(false, -1.0),
            (true, None) => Ok(self.0.acquire()),
            (true, Some(t)) => self.0.acquire_with(true, t.max(0.0)),
        }
    }
    /// `release()`.
    ///
    /// # Errors
    /// `ValueError: semaphore or lock released too many times`.
    pub fn release(&self) -> PyResult<()> {
        self.0.release().map_err(|_| released_too_many())
    }
    /// `with lock:`.
    pub fn guard(&self) -> threading::LockGuard<'_> {
        self.0.guard()
    }
}

/// `multiprocessing.RLock`: releasing it unowned is an `AssertionError`.
#[derive(Debug, Clone, Default)]
pub struct RLock(threading::RLock);

impl RLock {
    /// `RLock()`.
    pub fn new() -> Self {
        Self::default()
    }
    /// `acquire()`.
    pub fn acquire(&self) -> bool {
        self.0.acquire()
    }
    /// `acquire(block, timeout)`.
    ///
    /// # Errors
    /// As [`threading::RLock::acquire_with`].
    pub fn acquire_with(&self, block: bool, timeout: Option<f64>) -> PyResult<bool> {
        match (block, timeout) {
            (false, _) => self.0.acquire_with(false, -1.0),
            (true, None) => Ok(self.0.acquire()),
            (true, Some(t)) => self.0.acquire_with(true, t.max(0.0)),
        }
    }
    /// `release()`.
    ///
    /// # Errors
    /// `AssertionError: attempt to release recursive lock not owned by thread`.
    pub fn release(&self) -> PyResult<()> {
        self.0.release().map_err(|_| {
            PyThreadingError::raised(
                "AssertionError",
                "attempt to release recursive lock not owned by thread",
            )
        })
    }
    /// `with rlock:`.
    pub fn guard(&self) -> threading::RLockGuard<'_> {
        self.0.guard()
    }
    /// The `threading` lock underneath (for a [`Condition`]).
    pub fn as_threading(&self) -> &threading::RLock {
        &self.0
    }
}

/// `multiprocessing.Semaphore` (its `release()` takes no count).
#[derive(Debug, Clone)]
pub struct Semaphore(threading::Semaphore);

impl Semaphore {
    /// `Semaphore(value)`.
    ///
    /// # Errors
    /// `ValueError` for a negative value.
    pub fn new(value: i64) -> PyResult<Self> {
        threading::Semaphore::new(value).map(Self)
    }
    /// `acquire(block, timeout)`.
    ///
    /// # Errors
    /// As [`threading::Semaphore::acquire_with`] for a non-blocking call with a timeout.
    pub fn acquire(&self, block: bool, timeout: Option<f64>) -> PyResult<bool> {
        self.0
            .acquire_with(block, if block { timeout } else { None })
    }
    /// `release()`.
    ///
    /// # Errors
    /// `ValueError` when the count would overflow.
    pub fn release(&self) -> PyResult<()> {
        self.0.release(1)
    }
    /// `get_value()`.
    pub fn get_value(&self) -> u32 {
        self.0.value()
    }
}

/// `multiprocessing.BoundedSemaphore`.
#[derive(Debug, Clone)]
pub struct BoundedSemaphore(threading::BoundedSemaphore);

impl BoundedSemaphore {
    /// `BoundedSemaphore(value)`.
    ///
    /// # Errors
    /// `ValueError` for a negative value.
    pub fn new(value: i64) -> PyResult<Self> {
        threading::BoundedSemaphore::new(value).map(Self)
    }
    /// `acquire(block, timeout)`.
    ///
    /// # Errors
    /// As [`Semaphore::acquire`].
    pub fn acquire(&self, block: bool, timeout: Option<f64>) -> PyResult<bool> {
        self.0
            .acquire_with(block, if block { timeout } else { None })
    }
    /// `release()`.
    ///
    /// # Errors
    /// `ValueError: semaphore or lock released too many times`.
    pub fn release(&self) -> PyResult<()> {
        self.0.release(1).map_err(|_| released_too_many())
    }
    /// `get_value()`.
    pub fn get_value(&self) -> u32 {
        self.0.value()
    }
}

// ---------------------------------------------------------------------------------------------
// Process

static PROCESSES: AtomicUsize = AtomicUsize::new(0);

/// `multiprocessing.Process` on a thread (see the module docs for what differs).
///
/// # Examples
/// ```
/// use portalis_threading::py::multiprocessing::{Process, Queue};
/// let q: Queue<i32> = Queue::new(0);
/// let q2 = q.clone();
/// let p = Process::new(move || q2.put(42, true, None));
/// p.start().unwrap();
/// p.join(None).unwrap();
/// assert_eq!(q.get(true, None).unwrap(), 42);
/// assert_eq!(p.exitcode(), Some(0));
/// ```
#[derive(Clone, Debug)]
pub struct Process {
    thread: Thread,
    exitcode: Arc<AtomicI32>,
}

/// `exitcode` before the process finished.
const RUNNING: i32 = i32::MIN;

impl Process {
    /// `Process(target=f)`; named `Process-<n>`.
    pub fn new<R: TargetResult>(target: impl FnOnce() -> R + Send + 'static) -> Self {
        // Relaxed: a unique counter.
        let n = PROCESSES.fetch_add(1, Relaxed) + 1;
        let exitcode = Arc::new(AtomicI32::new(RUNNING));
        let code = exitcode.clone();
        let name = format!("Process-{n}");
        let thread = Thread::new(move || {
            let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| target().into_py()))
                .unwrap_or_else(|p| Err(super::error::panic_to_py(&*p)));
            if let Err(e) = &r {
                eprintln!(
                    "Process {}:\n{}: {}",
                    threading::current_thread().name(),
                    e.py_type_name(),
                    e
                );
            }
            // Relaxed: read after `join`, which orders it (the thread's end happens-before
            // join's return).
            code.store(i32::from(r.is_err()), Relaxed);
        })
        .with_name(name);
        Process { thread, exitcode }
    }

    /// `Process(..., name=...)`.
    pub fn with_name(self, name: impl Into<String>) -> Self {
        self.thread.set_name(name);
        self
    }

    /// `Process(..., daemon=...)`.
    pub fn with_daemon(self, daemon: bool) -> Self {
        let _ = self.thread.set_daemon(daemon);
        self
    }

    /// `name`.
    pub fn name(&self) -> String {
        self.thread.name()
    }

    /// `start()`.
    ///
    /// # Errors
    /// `AssertionError: cannot start a process twice`.
    pub fn start(&self) -> PyResult<()> {
        self.thread.start().map_err(|e| match e {
            PyThreadingError::RuntimeError(m) if m.contains("only be started once") => {
                PyThreadingError::raised("AssertionError", "cannot start a process twice")
            }
            e => e,
        })
    }

    /// `join(timeout)`.
    ///
    /// # Errors
    /// `AssertionError: can only join a started process`.
    pub fn join(&self, timeout: Option<f64>) -> PyResult<()> {
        self.thread.join(timeout).map_err(|_| {
            PyThreadingError::raised("AssertionError", "can only join a started process")
        })
    }

    /// `is_alive()`.
    pub fn is_alive(&self) -> bool {
        self.thread.is_alive()
    }

    /// `pid`: the OS thread id here; `None` before `start`.
    pub fn pid(&self) -> Option<u64> {
        self.thread.native_id()
    }

    /// `exitcode`: `None` while running, then 0 (returned) or 1 (raised).
    pub fn exitcode(&self) -> Option<i32> {
        // Relaxed: see `new`.
        match self.exitcode.load(Relaxed) {
            RUNNING => None,
            c => Some(c),
        }
    }

    /// `terminate()`: a thread cannot be killed.
    ///
    /// # Errors
    /// Always `RuntimeError`; stop the target cooperatively (an [`Event`] it checks).
    pub fn terminate(&self) -> PyResult<()> {
        Err(PyThreadingError::runtime(
            "terminate() is not possible: this Process is a thread; signal it to stop (e.g. an Event) and join it",
        ))
    }
}

// ---------------------------------------------------------------------------------------------
// Pool

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PoolState {
    Run,
    Close,
    Terminate,
}

/// `multiprocessing.Pool` on a [`ThreadPoolExecutor`].
#[derive(Clone, Debug)]
pub struct Pool {
    ex: ThreadPoolExecutor,
    state: Arc<Mutex<PoolState>>,
}

/// `multiprocessing.pool.AsyncResult`.
#[derive(Debug)]
pub struct AsyncResult<T> {
    f: cf::Future<T>,
}

impl<T: Clone + Send + 'static> AsyncResult<T> {
    /// `get(timeout)`.
    ///
    /// # Errors
    /// The call's exception; `TimeoutError` (`multiprocessing.TimeoutError`).
    pub fn get(&self, timeout: Option<f64>) -> PyResult<T> {
        self.f.result(timeout)
    }
    /// `wait(timeout)`.
    pub fn wait(&self, timeout: Option<f64>) {
        let _ = self.f.exception(timeout);
    }
    /// `ready()`.
    pub fn ready(&self) -> bool {
        self.f.done()
    }
    /// `successful()`.
    ///
    /// # Errors
    /// `ValueError: <AsyncResult> not ready` before it is ready.
    pub fn successful(&self) -> PyResult<bool> {
        if !self.ready() {
            return Err(PyThreadingError::value("result is not ready"));
        }
        Ok(matches!(self.f.exception(Some(0.0)), Ok(None)))
    }
}

impl Pool {
    /// `Pool(processes)`; `None` = [`cpu_count`].
    ///
    /// # Errors
    /// `ValueError: Number of processes must be at least 1`.
    pub fn new(processes: Option<usize>) -> PyResult<Self> {
        if processes == Some(0) {
            return Err(PyThreadingError::value(
                "Number of processes must be at least 1",
            ));
        }
        let n = processes.unwrap_or_else(cpu_count);
        Ok(Pool {
            ex: ThreadPoolExecutor::with_options(Some(n), "ForkPoolWorker", None)?,
            state: Arc::new(Mutex::new(PoolState::Run)),
        })
    }

    fn check_running(&self) -> PyResult<()> {
        if *self.state.lock() != PoolState::Run {
            return Err(PyThreadingError::value("Pool not running"));
        }
        Ok(())
    }

    /// `map(func, iterable)`: the results in order, or the first exception.
    ///
    /// # Errors
    /// The first failing call's exception; `ValueError: Pool not running`.
    pub fn map<I, F, T>(&self, f: F, items: I) -> PyResult<Vec<T>>
    where
        I: IntoIterator,
        I::Item: Send + 'static,
        F: Fn(I::Item) -> PyResult<T> + Send + Sync + 'static,
        T: Clone + Send + 'static,
    {
        self.imap(f, items)?.collect()
    }

    /// `starmap(func, iterable_of_tuples)`: Rust closures take the tuple as one argument, so
    /// this is [`map`](Self::map).
    ///
    /// # Errors
    /// As [`map`](Self::map).
    pub fn starmap<I, F, T>(&self, f: F, items: I) -> PyResult<Vec<T>>
    where
        I: IntoIterator,
        I::Item: Send + 'static,
        F: Fn(I::Item) -> PyResult<T> + Send + Sync + 'static,
        T: Clone + Send + 'static,
    {
        self.map(f, items)
    }

    /// `imap(func, iterable)`: results lazily, in order.
    ///
    /// # Errors
    /// `ValueError: Pool not running`.
    pub fn imap<I, F, T>(&self, f: F, items: I) -> PyResult<cf::MapIter<T>>
    where
        I: IntoIterator,
        I::Item: Send + 'static,
        F: Fn(I::Item) -> PyResult<T> + Send + Sync + 'static,
        T: Clone + Send + 'static,
    {
        self.check_running()?;
        self.ex.map(f, items, None)
    }

    /// `imap_unordered(func, iterable)`: results as they complete.
    ///
    /// # Errors
    /// `ValueError: Pool not running`.
    pub fn imap_unordered<I, F, T>(
        &self,
        f: F,
        items: I,
    ) -> PyResult<impl Iterator<Item = PyResult<T>>>
    where
        I: IntoIterator,
        I::Item: Send + 'static,
        F: Fn(I::Item) -> PyResult<T> + Send + Sync + 'static,
        T: Clone + Send + 'static,
    {
        self.check_running()?;
        let f = Arc::new(f);
        let fs = items
            .into_iter()
            .map(|x| {
                let f = f.clone();
                self.ex.submit(move || f(x))
            })
            .collect::<PyResult<Vec<_>>>()?;
        Ok(cf::as_completed(&fs, None).map(|r| r.and_then(|f| f.result(None))))
    }

    /// `apply_async(func, args)`.
    ///
    /// # Errors
    /// `ValueError: Pool not running`.
    pub fn apply_async<T, F>(&self, f: F) -> PyResult<AsyncResult<T>>
    where
        F: FnOnce() -> PyResult<T> + Send + 'static,
        T: Clone + Send + 'static,
    {
        self.check_running()?;
        Ok(AsyncResult {
            f: self.ex.submit(f)?,
        })
    }

    /// `apply(func, args)`: `apply_async(...).get()`.
    ///
    /// # Errors
    /// The call's exception; `ValueError: Pool not running`.
    pub fn apply<T, F>(&self, f: F) -> PyResult<T>
    where
        F: FnOnce() -> PyResult<T> + Send + 'static,
        T: Clone + Send + 'static,
    {
        self.apply_async(f)?.get(None)
    }

    /// `close()`: no more tasks; queued ones still run.
    pub fn close(&self) {
        let mut s = self.state.lock();
        if *s == PoolState::Run {
            *s = PoolState::Close;
        }
    }

    /// `terminate()`: no more tasks, and queued ones are cancelled (running ones finish:
    /// threads cannot be killed).
    pub fn terminate(&self) {
        *self.state.lock() = PoolState::Terminate;
        self.ex.shutdown(false, true);
    }

    /// `join()`: waits for the workers after `close()` or `terminate()`.
    ///
    /// # Errors
    /// `ValueError: Pool is still running` before `close()`/`terminate()`.
    pub fn join(&self) -> PyResult<()> {
        if *self.state.lock() == PoolState::Run {
            return Err(PyThreadingError::value("Pool is still running"));
        }
        self.ex.shutdown(true, false);
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// Pipe

/// One end of a [`Pipe`] (`multiprocessing.connection.Connection`).
pub struct Connection<T> {
    tx: Mutex<Option<channel::Sender<T>>>,
    rx: Mutex<Option<channel::Receiver<T>>>,
    /// A message `poll` received ahead of `recv`.
    peeked: Mutex<Option<T>>,
}

impl<T> fmt::Debug for Connection<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Connection")
            .field("readable", &self.rx.lock().is_some())
            .field("writable", &self.tx.lock().is_some())
            .finish()
    }
}

/// `multiprocessing.Pipe(duplex)`: two connected ends. With `duplex = false` the first end
/// only receives and the second only sends, as in CPython.
///
/// # Examples
/// ```
/// use portalis_threading::py::multiprocessing::Pipe;
/// let (a, b) = Pipe::<&str>(true);
/// a.send("ping").unwrap();
/// assert_eq!(b.recv().unwrap(), "ping");
/// b.close();
/// assert_eq!(a.recv().unwrap_err().py_type_name(), "EOFError");
/// ```
#[allow(non_snake_case)] // Python's name for a function that builds the pair.
pub fn Pipe<T>(duplex: bool) -> (Connection<T>, Connection<T>) {
    let (tx1, rx1) = channel::unbounded();
    if duplex {
        let (tx2, rx2) = channel::unbounded();
        (
            Connection::new(Some(tx1), Some(rx2)),
            Connection::new(Some(tx2), Some(rx1)),
        )
    } else {
        (
            Connection::new(None, Some(rx1)),
            Connection::new(Some(tx1), None),
        )
    }
}

impl<T> Connection<T> {
    fn new(tx: Option<channel::Sender<T>>, rx: Option<channel::Receiver<T>>) -> Self {
        Connection {
            tx: Mutex::new(tx),
            rx: Mutex::new(rx),
            peeked: Mutex::new(None),
        }
    }

    /// `send(obj)`.
    ///
    /// # Errors
    /// `OSError: connection is read-only` (receive-only end), `BrokenPipeError` when the other
    /// end is closed.
    pub fn send(&self, obj: T) -> PyResult<()> {
        let tx = self.tx.lock().clone();
        let tx =
            tx.ok_or_else(|| PyThreadingError::raised("OSError", "connection is read-only"))?;
        tx.send(obj)
            .map_err(|_| PyThreadingError::raised("BrokenPipeError", "[Errno 32] Broken pipe"))
    }

    /// `recv()`: blocks for the next message.
    ///
    /// # Errors
    /// `EOFError` when the other end is closed and nothing is left; `OSError: connection is
    /// write-only` on a send-only end.
    pub fn recv(&self) -> PyResult<T> {
        if let Some(m) = self.peeked.lock().take() {
            return Ok(m);
        }
        let rx = self.rx.lock().clone();
        let rx =
            rx.ok_or_else(|| PyThreadingError::raised("OSError", "connection is write-only"))?;
        rx.recv()
            .map_err(|_| PyThreadingError::raised("EOFError", ""))
    }

    /// `poll(timeout)`: whether `recv` would return without blocking (a message, or EOF).
    /// `Some(0.0)` (CPython's default) checks once; `None` waits without limit.
    ///
    /// # Errors
    /// `OSError: connection is write-only` on a send-only end.
    pub fn poll(&self, timeout: Option<f64>) -> PyResult<bool> {
        let mut peeked = self.peeked.lock();
        if peeked.is_some() {
            return Ok(true);
        }
        let rx = self.rx.lock().clone();
        let rx =
            rx.ok_or_else(|| PyThreadingError::raised("OSError", "connection is write-only"))?;
        // Err(true): the other end is closed (recv would raise EOFError at once).
        let r: Result<T, bool> = match timeout::opt(timeout) {
            None => rx.recv().map_err(|_| true),
            Some(d) if d.is_zero() => rx
                .try_recv()
                .map_err(|e| matches!(e, channel::TryRecvError::Disconnected)),
            Some(d) => rx
                .recv_timeout(d)
                .map_err(|e| matches!(e, channel::RecvTimeoutError::Disconnected)),
        };
        match r {
            Ok(m) => {
                *peeked = Some(m);
                Ok(true)
            }
            Err(closed) => Ok(closed),
        }
    }

    /// `close()`: the other end sees EOF once it has read everything.
    pub fn close(&self) {
        self.tx.lock().take();
        self.rx.lock().take();
    }
}

// ---------------------------------------------------------------------------------------------
// Value, Array

/// `multiprocessing.Value`: a `Copy` value with its [`RLock`].
///
/// # Examples
/// ```
/// use portalis_threading::py::multiprocessing::Value;
/// let v = Value::new(0i64);
/// {
///     let _with = v.get_lock().guard(); // `with v.get_lock():`
///     v.set_value(v.value() + 1);       // `v.value += 1`
/// }
/// assert_eq!(v.value(), 1);
/// ```
#[derive(Clone, Debug)]
pub struct Value<T> {
    lock: RLock,
    cell: Arc<Mutex<T>>,
}

impl<T: Copy> Value<T> {
    /// `Value(typecode, value)` (the type is `T`).
    pub fn new(value: T) -> Self {
        Value {
            lock: RLock::new(),
            cell: Arc::new(Mutex::new(value)),
        }
    }
    /// `.value`.
    pub fn value(&self) -> T {
        let _with = self.lock.guard();
        *self.cell.lock()
    }
    /// `.value = v`.
    pub fn set_value(&self, v: T) {
        let _with = self.lock.guard();
        *self.cell.lock() = v;
    }
    /// `get_lock()`.
    pub fn get_lock(&self) -> &RLock {
        &self.lock
    }
}

/// `multiprocessing.Array`: a fixed-length array of `Copy` values with its [`RLock`].
#[derive(Clone, Debug)]
pub struct Array<T> {
    lock: RLock,
    items: Arc<Mutex<Vec<T>>>,
}

impl<T: Copy> Array<T> {
    /// `Array(typecode, initializer)`.
    pub fn new(items: impl IntoIterator<Item = T>) -> Self {
        Array {
            lock: RLock::new(),
            items: Arc::new(Mutex::new(items.into_iter().collect())),
        }
    }
    /// `len(a)`.
    pub fn len(&self) -> usize {
        self.items.lock().len()
    }
    /// `len(a) == 0`.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// `a[i]`.
    ///
    /// # Errors
    /// `IndexError: invalid index`.
    pub fn get(&self, i: usize) -> PyResult<T> {
        let _with = self.lock.guard();
        self.items.lock().get(i).copied().ok_or_else(index_error)
    }
    /// `a[i] = v`.
    ///
    /// # Errors
    /// `IndexError: invalid index`.
    pub fn set(&self, i: usize, v: T) -> PyResult<()> {
        let _with = self.lock.guard();
        let mut items = self.items.lock();
        let slot = items
            .get_mut(i)
            .ok_or_else(|| PyThreadingError::raised("IndexError", "invalid index"))?;
        *slot = v;
        Ok(())
    }
    /// `a[:]`.
    pub fn to_vec(&self) -> Vec<T> {
        let _with = self.lock.guard();
        self.items.lock().clone()
    }
    /// `get_lock()`.
    pub fn get_lock(&self) -> &RLock {
        &self.lock
    }
}

fn index_error() -> PyThreadingError {
    PyThreadingError::raised("IndexError", "invalid index")
}
