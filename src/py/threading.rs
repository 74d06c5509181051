//! Python's `threading` module on this crate's primitives.
//!
//! Every object is a cheap handle (`Clone` shares it, like a Python reference), so a
//! translated program clones a lock into each closure where Python would capture the name.
//!
//! | Python | here | built on |
//! |---|---|---|
//! | `Thread` | [`Thread`] | [`scheduler::thread::Builder`](crate::scheduler::thread::Builder) |
//! | `Lock` | [`Lock`] | a [`BoundedSemaphore`](crate::BoundedSemaphore) of 1 (any thread may release) |
//! | `RLock` | [`RLock`] | [`ReentrantMutex`](crate::ReentrantMutex) |
//! | `Condition` | [`Condition`] | [`Condvar`](crate::Condvar) (never wakes spuriously) |
//! | `Semaphore`, `BoundedSemaphore` | [`Semaphore`], [`BoundedSemaphore`] | the primitives of the same name |
//! | `Event` | [`Event`] | [`Event`](crate::Event) |
//! | `Timer` | [`Timer`] | a [`Thread`] waiting on an [`Event`] (CPython's own design) |
//! | `Barrier` | [`Barrier`] | [`Barrier`](crate::Barrier) (Python's phase machine) |
//! | `local` | [`Local`] | [`executor::Local`](crate::executor::Local) |
//!
//! # Examples
//! ```
//! use portalis_threading::py::threading::{Lock, Thread};
//! use std::sync::Arc;
//!
//! let lock = Lock::new();
//! let n = Arc::new(portalis_threading::Mutex::new(0)); // a Python list cell
//! let threads: Vec<Thread> = (0..4)
//!     .map(|_| {
//!         let (lock, n) = (lock.clone(), n.clone());
//!         Thread::new(move || {
//!             let _with = lock.guard(); // `with lock:`
//!             *n.lock() += 1;
//!         })
//!     })
//!     .collect();
//! for t in &threads { t.start().unwrap(); }
//! for t in &threads { t.join(None).unwrap(); }
//! assert_eq!(*n.lock(), 4);
//! ```

use super::error::{panic_to_py, PyResult, PyThreadingError, TargetResult};
use super::timeout;
use portalis_primitives::sync::atomic::{AtomicBool, AtomicUsize, Ordering::Relaxed};
use portalis_primitives::sync::Arc;
use portalis_primitives::Mutex;
use portalis_scheduler::thread as sthread;
use std::fmt;
use std::panic::{self, AssertUnwindSafe};

pub use portalis_scheduler::executor::Local;

pub use super::timeout::TIMEOUT_MAX;

// ---------------------------------------------------------------------------------------------
// Lock

/// `threading.Lock`: a non-reentrant lock that any thread may release.
///
/// # Examples
/// ```
/// use portalis_threading::py::threading::Lock;
/// let l = Lock::new();
/// assert!(l.acquire());
/// assert!(!l.acquire_with(false, -1.0).unwrap());
/// l.release().unwrap();
/// assert_eq!(l.release().unwrap_err().to_string(), "release unlocked lock");
/// ```
///
/// ## Memory ordering
/// A `release` happens-before the `acquire` that takes the lock next.
#[derive(Clone)]
pub struct Lock {
    sem: Arc<portalis_primitives::BoundedSemaphore>,
}

impl fmt::Debug for Lock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Lock")
            .field("locked", &self.locked())
            .finish()
    }
}

impl Default for Lock {
    fn default() -> Self {
        Self::new()
    }
}

impl Lock {
    /// An unlocked lock (`threading.Lock()`).
    pub fn new() -> Self {
        Lock {
            sem: Arc::new(
                portalis_primitives::BoundedSemaphore::new(1).expect("one permit always fits"),
            ),
        }
    }

    /// `acquire()`: blocks until the lock is taken; always `true`.
    pub fn acquire(&self) -> bool {
        self.sem.acquire();
        true
    }

    /// `acquire(blocking, timeout)` with Python's arguments (`timeout = -1.0` is no limit).
    ///
    /// # Errors
    /// `ValueError` for a timeout with `blocking=False` or a negative timeout other than -1,
    /// `OverflowError` past [`TIMEOUT_MAX`].
    pub fn acquire_with(&self, blocking: bool, timeout: f64) -> PyResult<bool> {
        Ok(match timeout::lock_timeout(blocking, timeout)? {
            None => self.acquire(),
            Some(d) if d.is_zero() => self.sem.try_acquire(),
            Some(d) => self.sem.acquire_timeout(d),
        })
    }

    /// `acquire(timeout=t)`.
    ///
    /// # Errors
    /// As [`acquire_with`](Self::acquire_with).
    pub fn acquire_timeout(&self, timeout: f64) -> PyResult<bool> {
        self.acquire_with(true, timeout)
    }

    /// `release()`, from any thread.
    ///
    /// # Errors
    /// `RuntimeError: release unlocked lock` when it is not locked.
    pub fn release(&self) -> PyResult<()> {
        self.sem
            .release()
            .map_err(|_| PyThreadingError::runtime("release unlocked lock"))
    }

    /// `locked()`.
    pub fn locked(&self) -> bool {
        self.sem.available() == 0
    }

    /// `with lock:` — acquires and releases when the guard drops.
    pub fn guard(&self) -> LockGuard<'_> {
        self.acquire();
        LockGuard { lock: self }
    }
}

/// The `with lock:` block of a [`Lock`]; releases on drop.
#[derive(Debug)]
pub struct LockGuard<'a> {
    lock: &'a Lock,
}

impl Drop for LockGuard<'_> {
    fn drop(&mut self) {
        // The guard holds the lock, so this release cannot find it unlocked, unless the body
        // released it by hand (Python would raise then too; we ignore it rather than panic).
        let _ = self.lock.release();
    }
}

// ---------------------------------------------------------------------------------------------
// RLock

/// `threading.RLock`: a reentrant lock owned by the thread that acquired it.
///
/// # Examples
/// ```
/// use portalis_threading::py::threading::RLock;
/// let r = RLock::new();
/// r.acquire();
/// r.acquire();
/// r.release().unwrap();
/// r.release().unwrap();
/// assert_eq!(r.release().unwrap_err().to_string(), "cannot release un-acquired lock");
/// ```
#[derive(Clone)]
pub struct RLock {
    m: Arc<portalis_primitives::ReentrantMutex<()>>,
}

impl fmt::Debug for RLock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RLock").finish_non_exhaustive()
    }
}

impl Default for RLock {
    fn default() -> Self {
        Self::new()
    }
}

impl RLock {
    /// An unlocked reentrant lock.
    pub fn new() -> Self {
        RLock {
            m: Arc::new(portalis_primitives::ReentrantMutex::new(())),
        }
    }

    /// `acquire()`: blocks; `true`.
    ///
    /// # Panics
    /// On a target without threads when another holder exists (it could never be released).
    pub fn acquire(&self) -> bool {
        self.m
            .acquire()
            .expect("acquiring would deadlock: no other thread can release this RLock");
        true
    }

    /// `acquire(blocking, timeout)` (`timeout = -1.0` is no limit).
    ///
    /// # Errors
    /// As [`Lock::acquire_with`]; `RuntimeError` when blocking could never end (no threads).
    pub fn acquire_with(&self, blocking: bool, timeout: f64) -> PyResult<bool> {
        match timeout::lock_timeout(blocking, timeout)? {
            None => self
                .m
                .acquire()
                .map(|_| true)
                .map_err(|e| PyThreadingError::runtime(e.to_string())),
            Some(d) if d.is_zero() => Ok(self.m.try_acquire()),
            Some(d) => self
                .m
                .acquire_timeout(d)
                .map_err(|e| PyThreadingError::runtime(e.to_string())),
        }
    }

    /// `release()`.
    ///
    /// # Errors
    /// `RuntimeError: cannot release un-acquired lock` when this thread does not hold it.
    pub fn release(&self) -> PyResult<()> {
        self.m
            .release()
            .map_err(|_| PyThreadingError::runtime("cannot release un-acquired lock"))
    }

    /// Whether the calling thread holds it (CPython's `_is_owned`).
    pub fn is_owned(&self) -> bool {
        self.m.is_owned_by_current_thread()
    }

    /// `with rlock:`.
    pub fn guard(&self) -> RLockGuard<'_> {
        self.acquire();
        RLockGuard { lock: self }
    }
}

/// The `with rlock:` block of an [`RLock`]; releases one level on drop.
#[derive(Debug)]
pub struct RLockGuard<'a> {
    lock: &'a RLock,
}

impl Drop for RLockGuard<'_> {
    fn drop(&mut self) {
        let _ = self.lock.release();
    }
}

// ---------------------------------------------------------------------------------------------
// Condition

/// The lock under a [`Condition`].
#[derive(Debug, Clone)]
pub enum ConditionLock {
    /// A plain [`Lock`].
    Lock(Lock),
    /// An [`RLock`] (Python's default).
    RLock(RLock),
}

/// `threading.Condition`: waits release the lock, notifications wake waiters in FIFO order,
/// and a wait never returns spuriously.
///
/// # Examples
/// ```
/// use portalis_threading::py::threading::{Condition, Event, Thread};
/// let cv = Condition::new();
/// let ready = Event::new(); // the shared flag
/// let (cv2, r2) = (cv.clone(), ready.clone());
/// let t = Thread::new(move || {
///     let _with = cv2.guard();
///     r2.set();
///     cv2.notify_all().unwrap();
/// });
/// t.start().unwrap();
/// let _with = cv.guard();
/// assert!(cv.wait_for(|| ready.is_set(), None).unwrap());
/// drop(_with);
/// t.join(None).unwrap();
/// ```
#[derive(Clone)]
pub struct Condition {
    inner: Arc<(ConditionLock, portalis_primitives::Condvar)>,
}

impl fmt::Debug for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Condition")
            .field("lock", &self.inner.0)
            .finish()
    }
}

impl Default for Condition {
    fn default() -> Self {
        Self::new()
    }
}

impl Condition {
    /// `Condition()`: over a new [`RLock`].
    pub fn new() -> Self {
        Self::with(ConditionLock::RLock(RLock::new()))
    }

    /// `Condition(lock)` over a [`Lock`].
    pub fn with_lock(lock: Lock) -> Self {
        Self::with(ConditionLock::Lock(lock))
    }

    /// `Condition(rlock)` over an [`RLock`].
    pub fn with_rlock(lock: RLock) -> Self {
        Self::with(ConditionLock::RLock(lock))
    }

    fn with(lock: ConditionLock) -> Self {
        Condition {
            inner: Arc::new((lock, portalis_primitives::Condvar::new())),
        }
    }

    /// `acquire()` of the underlying lock.
    pub fn acquire(&self) -> bool {
        match &self.inner.0 {
            ConditionLock::Lock(l) => l.acquire(),
            ConditionLock::RLock(l) => l.acquire(),
        }
    }

    /// `release()` of the underlying lock.
    ///
    /// # Errors
    /// As the lock's `release`.
    pub fn release(&self) -> PyResult<()> {
        match &self.inner.0 {
            ConditionLock::Lock(l) => l.release(),
            ConditionLock::RLock(l) => l.release(),
        }
    }

    /// `with cond:`.
    pub fn guard(&self) -> ConditionGuard<'_> {
        self.acquire();
        ConditionGuard { cond: self }
    }

    fn is_owned(&self) -> bool {
        match &self.inner.0 {
            // CPython's `_is_owned` for a plain lock: "it is locked" (by anyone).
            ConditionLock::Lock(l) => l.locked(),
            ConditionLock::RLock(l) => l.is_owned(),
        }
    }

    /// `wait(timeout)`: releases the lock, waits for a notification or the timeout (`None` =
    /// no limit; negative = 0), re-acquires; `true` unless it timed out.
    ///
    /// # Errors
    /// `RuntimeError: cannot wait on un-acquired lock`.
    pub fn wait(&self, timeout: Option<f64>) -> PyResult<bool> {
        let not_owned = || PyThreadingError::runtime("cannot wait on un-acquired lock");
        if !self.is_owned() {
            return Err(not_owned());
        }
        let t = timeout::opt(timeout);
        let cv = &self.inner.1;
        match &self.inner.0 {
            ConditionLock::Lock(l) => cv.wait_releasing(
                || l.release(),
                || {
                    l.acquire();
                },
                t,
            ),
            ConditionLock::RLock(l) => cv.wait_reentrant(&l.m, t).map_err(|_| not_owned()),
        }
    }

    /// `wait_for(predicate, timeout)`: waits until `predicate()` is true or the timeout
    /// passed; returns the predicate's last value.
    ///
    /// # Errors
    /// As [`wait`](Self::wait).
    pub fn wait_for(
        &self,
        mut predicate: impl FnMut() -> bool,
        timeout: Option<f64>,
    ) -> PyResult<bool> {
        let end = timeout
            .map(|t| portalis_primitives::time::Instant::now() + timeout::secs(t.min(TIMEOUT_MAX)));
        let mut result = predicate();
        while !result {
            let wait = match end {
                None => None,
                Some(e) => {
                    let now = portalis_primitives::time::Instant::now();
                    if now >= e {
                        break;
                    }
                    Some((e - now).as_secs_f64())
                }
            };
            self.wait(wait)?;
            result = predicate();
        }
        Ok(result)
    }

    /// `notify(n)`: wakes up to `n` waiters.
    ///
    /// # Errors
    /// `RuntimeError: cannot notify on un-acquired lock`.
    pub fn notify(&self, n: usize) -> PyResult<()> {
        if !self.is_owned() {
            return Err(PyThreadingError::runtime(
                "cannot notify on un-acquired lock",
            ));
        }
        self.inner.1.notify_n(n);
        Ok(())
    }

    /// `notify_all()`.
    ///
    /// # Errors
    /// As [`notify`](Self::notify).
    pub fn notify_all(&self) -> PyResult<()> {
        self.notify(usize::MAX)
    }
}

/// The `with cond:` block of a [`Condition`].
#[derive(Debug)]
pub struct ConditionGuard<'a> {
    cond: &'a Condition,
}

impl Drop for ConditionGuard<'_> {
    fn drop(&mut self) {
        let _ = self.cond.release();
    }
}

// ---------------------------------------------------------------------------------------------
// Semaphores

fn semaphore_value(value: i64) -> PyResult<u32> {
    if value < 0 {
        return Err(PyThreadingError::value(
            "semaphore initial value must be >= 0",
        ));
    }
    u32::try_from(value)
        .ok()
        .filter(|&v| v <= portalis_primitives::Semaphore::MAX_PERMITS)
        .ok_or_else(|| {
            PyThreadingError::value(format!(
                "semaphore initial value must be <= {} in this implementation",
                portalis_primitives::Semaphore::MAX_PERMITS
            ))
        })
}

fn release_count(n: i64) -> PyResult<u32> {
    if n < 1 {
        return Err(PyThreadingError::value("n must be one or more"));
    }
    u32::try_from(n).map_err(|_| PyThreadingError::value("n too large"))
}

macro_rules! semaphore_acquire {
    () => {
        /// `acquire()`: blocks for one permit; `true`.
        pub fn acquire(&self) -> bool {
            self.sem.acquire();
            true
        }

        /// `acquire(blocking, timeout)`; `false` when no permit came in time.
        ///
        /// # Errors
        /// `ValueError: can't specify timeout for non-blocking acquire`.
        pub fn acquire_with(&self, blocking: bool, timeout: Option<f64>) -> PyResult<bool> {
            Ok(match timeout::semaphore_timeout(blocking, timeout)? {
                None => self.acquire(),
                Some(d) if d.is_zero() => self.sem.try_acquire(),
                Some(d) => self.sem.acquire_timeout(d),
            })
        }

        /// `with sem:`.
        pub fn guard(&self) -> SemaphoreGuard<'_> {
            self.acquire();
            SemaphoreGuard {
                release: Box::new(move || {
                    let _ = self.release(1);
                }),
            }
        }
    };
}

/// `threading.Semaphore`.
///
/// # Examples
/// ```
/// use portalis_threading::py::threading::Semaphore;
/// let s = Semaphore::new(1).unwrap();
/// assert!(s.acquire());
/// assert!(!s.acquire_with(false, None).unwrap());
/// s.release(2).unwrap();
/// assert!(s.acquire_with(true, Some(0.0)).unwrap());
/// ```
#[derive(Clone, Debug)]
pub struct Semaphore {
    sem: Arc<portalis_primitives::Semaphore>,
}

impl Semaphore {
    /// `Semaphore(value)`.
    ///
    /// # Errors
    /// `ValueError: semaphore initial value must be >= 0`; values above
    /// `Semaphore::MAX_PERMITS` (2²² − 1) are a `ValueError` here (CPython has no bound).
    pub fn new(value: i64) -> PyResult<Self> {
        let v = semaphore_value(value)?;
        Ok(Semaphore {
            sem: Arc::new(portalis_primitives::Semaphore::new(v).expect("checked above")),
        })
    }

    semaphore_acquire!();

    /// `release(n=1)`.
    ///
    /// # Errors
    /// `ValueError: n must be one or more`.
    pub fn release(&self, n: i64) -> PyResult<()> {
        let n = release_count(n)?;
        self.sem
            .release_many(n)
            .map_err(|e| PyThreadingError::value(e.to_string()))
    }

    /// The current count (CPython's `_value`).
    pub fn value(&self) -> u32 {
        self.sem.available()
    }
}

/// `threading.BoundedSemaphore`: releasing past the initial value is a `ValueError`.
///
/// # Examples
/// ```
/// use portalis_threading::py::threading::BoundedSemaphore;
/// let s = BoundedSemaphore::new(1).unwrap();
/// let e = s.release(1).unwrap_err();
/// assert_eq!((e.py_type_name(), e.to_string().as_str()), ("ValueError", "Semaphore released too many times"));
/// ```
#[derive(Clone, Debug)]
pub struct BoundedSemaphore {
    sem: Arc<portalis_primitives::BoundedSemaphore>,
}

impl BoundedSemaphore {
    /// `BoundedSemaphore(value)`.
    ///
    /// # Errors
    /// As [`Semaphore::new`].
    pub fn new(value: i64) -> PyResult<Self> {
        let v = semaphore_value(value)?;
        Ok(BoundedSemaphore {
            sem: Arc::new(portalis_primitives::BoundedSemaphore::new(v).expect("checked above")),
        })
    }

    semaphore_acquire!();

    /// `release(n=1)`; nothing changes on error.
    ///
    /// # Errors
    /// `ValueError: Semaphore released too many times`, `ValueError: n must be one or more`.
    pub fn release(&self, n: i64) -> PyResult<()> {
        let n = release_count(n)?;
        self.sem
            .release_many(n)
            .map_err(|_| PyThreadingError::value("Semaphore released too many times"))
    }

    /// The current count.
    pub fn value(&self) -> u32 {
        self.sem.available()
    }
}

/// The `with sem:` block of a semaphore; releases one permit on drop.
pub struct SemaphoreGuard<'a> {
    release: Box<dyn Fn() + 'a>,
}

impl fmt::Debug for SemaphoreGuard<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SemaphoreGuard")
    }
}

impl Drop for SemaphoreGuard<'_> {
    fn drop(&mut self) {
        (self.release)();
    }
}

// ---------------------------------------------------------------------------------------------
// Event

/// `threading.Event`.
///
/// # Examples
/// ```
/// use portalis_threading::py::threading::Event;
/// let e = Event::new();
/// assert!(!e.wait(Some(0.0)));
/// e.set();
/// assert!(e.wait(None));
/// ```
#[derive(Clone, Debug, Default)]
pub struct Event {
    ev: Arc<portalis_primitives::Event>,
}

impl Event {
    /// An unset event.
    pub fn new() -> Self {
        Self::default()
    }
    /// `set()`.
    pub fn set(&self) {
        self.ev.set()
    }
    /// `clear()`.
    pub fn clear(&self) {
        self.ev.clear()
    }
    /// `is_set()`.
    pub fn is_set(&self) -> bool {
        self.ev.is_set()
    }
    /// `wait(timeout)`: the flag on return (`None` = no limit).
    pub fn wait(&self, timeout: Option<f64>) -> bool {
        match timeout::opt(timeout) {
            None => {
                self.ev.wait();
                true
            }
            Some(d) => self.ev.wait_timeout(d),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Barrier

/// `threading.Barrier`.
///
/// # Examples
/// ```
/// use portalis_threading::py::threading::{Barrier, Thread};
/// let b = Barrier::new(2).unwrap();
/// let b2 = b.clone();
/// let t = Thread::new(move || { b2.wait(None).unwrap(); });
/// t.start().unwrap();
/// let i = b.wait(None).unwrap();
/// assert!(i < 2);
/// t.join(None).unwrap();
/// ```
#[derive(Clone, Debug)]
pub struct Barrier {
    b: Arc<portalis_primitives::Barrier>,
    timeout: Option<f64>,
}

impl Barrier {
    /// `Barrier(parties)`.
    ///
    /// # Errors
    /// `ValueError: parties must be > 0` (CPython 3.13; 3.11 accepts 0 and breaks later).
    pub fn new(parties: u32) -> PyResult<Self> {
        Self::build(parties, None, None)
    }

    /// `Barrier(parties, action, timeout)`: `action` runs in one party when all have arrived;
    /// `timeout` is the default for [`wait`](Self::wait).
    ///
    /// # Errors
    /// As [`new`](Self::new).
    pub fn with_action(
        parties: u32,
        action: Option<Box<dyn Fn() + Send + Sync>>,
        timeout: Option<f64>,
    ) -> PyResult<Self> {
        Self::build(parties, action, timeout)
    }

    fn build(
        parties: u32,
        action: Option<Box<dyn Fn() + Send + Sync>>,
        timeout: Option<f64>,
    ) -> PyResult<Self> {
        let b = match action {
            None => portalis_primitives::Barrier::new(parties),
            Some(a) => portalis_primitives::Barrier::with_action(parties, a),
        }
        .map_err(|_| PyThreadingError::value("parties must be > 0"))?;
        Ok(Barrier {
            b: Arc::new(b),
            timeout,
        })
    }

    /// `wait(timeout)`: this party's arrival index (0 ..= parties-1).
    ///
    /// # Errors
    /// `BrokenBarrierError` when the barrier is or becomes broken (timeout, abort, reset).
    pub fn wait(&self, timeout: Option<f64>) -> PyResult<u32> {
        match timeout::opt(timeout.or(self.timeout)) {
            None => self.b.wait(),
            Some(d) => self.b.wait_timeout(d),
        }
        .map_err(Into::into)
    }

    /// `parties`.
    pub fn parties(&self) -> u32 {
        self.b.parties()
    }
    /// `n_waiting`.
    pub fn n_waiting(&self) -> u32 {
        self.b.n_waiting()
    }
    /// `broken`.
    pub fn broken(&self) -> bool {
        self.b.broken()
    }
    /// `abort()`: breaks the barrier; waiters get `BrokenBarrierError`.
    pub fn abort(&self) {
        self.b.abort()
    }
    /// `reset()`: back to the empty state; current waiters get `BrokenBarrierError`.
    pub fn reset(&self) {
        self.b.reset()
    }
}

// ---------------------------------------------------------------------------------------------
// Thread

type Target = Box<dyn FnOnce() -> PyResult<()> + Send>;
type Hook = Arc<dyn Fn(&Thread) + Send + Sync>;
type ExceptHook = Arc<dyn Fn(&ExceptHookArgs) + Send + Sync>;

/// Unnamed threads are `Thread-<n>`, numbered from 1 in creation order (CPython's `_counter`).
static COUNTER: AtomicUsize = AtomicUsize::new(0);
/// `stack_size()`: 0 = the platform default.
static STACK_SIZE: AtomicUsize = AtomicUsize::new(0);
static TRACE: Global<Option<Hook>> = Global::new();
static PROFILE: Global<Option<Hook>> = Global::new();
static EXCEPTHOOK: Global<Option<ExceptHook>> = Global::new();
static MAIN: std::sync::OnceLock<Thread> = std::sync::OnceLock::new();
/// Live threads started here (and dummies), in start order, for `enumerate`.
static KNOWN: Global<Vec<Thread>> = Global::new();

/// A lazily built process-wide [`Mutex`] (our `Mutex::new` is not `const`).
struct Global<T>(std::sync::OnceLock<Mutex<T>>);

impl<T: Default> Global<T> {
    const fn new() -> Self {
        Global(std::sync::OnceLock::new())
    }
    fn lock(&self) -> portalis_primitives::MutexGuard<'_, T> {
        self.0.get_or_init(|| Mutex::new(T::default())).lock()
    }
}

portalis_primitives::sync::thread_local! {
    static CURRENT: std::cell::RefCell<Option<Thread>> = const { std::cell::RefCell::new(None) };
}

struct ThreadState {
    started: bool,
    handle: Option<sthread::ThreadHandle<()>>,
    ident: Option<u64>,
    native_id: Option<u64>,
}

struct ThreadInner {
    target: Mutex<Option<Target>>,
    name: Mutex<String>,
    daemon: AtomicBool,
    state: Mutex<ThreadState>,
    started: portalis_primitives::Event,
    finished: portalis_primitives::Event,
    /// A thread this crate did not start (the main thread, a dummy): always alive.
    foreign: bool,
}

/// `threading.Thread`: a named thread running a target once.
///
/// The target is a closure (Python's `args`/`kwargs` are captured by it) returning `()` or
/// `Result<(), E>`; an `Err` or a panic goes to [`excepthook`] with the thread, as an
/// uncaught exception does in Python.
///
/// # Examples
/// ```
/// use portalis_threading::py::threading::Thread;
/// let t = Thread::new(|| {}).with_name("worker");
/// t.start().unwrap();
/// t.join(None).unwrap();
/// assert!(!t.is_alive());
/// assert_eq!(t.start().unwrap_err().to_string(), "threads can only be started once");
/// ```
#[derive(Clone)]
pub struct Thread {
    inner: Arc<ThreadInner>,
}

impl PartialEq for Thread {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }
}

impl fmt::Debug for Thread {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Thread")
            .field("name", &self.name())
            .field("ident", &self.ident())
            .finish()
    }
}

impl Thread {
    /// `Thread(target=f)`; named `Thread-<n>` until [`with_name`](Self::with_name).
    pub fn new<R: TargetResult>(target: impl FnOnce() -> R + Send + 'static) -> Self {
        // Relaxed: a unique counter.
        let n = COUNTER.fetch_add(1, Relaxed) + 1;
        Self::build(
            format!("Thread-{n}"),
            Some(Box::new(move || target().into_py())),
            false,
        )
    }

    fn build(name: String, target: Option<Target>, foreign: bool) -> Self {
        Thread {
            inner: Arc::new(ThreadInner {
                target: Mutex::new(target),
                name: Mutex::new(name),
                daemon: AtomicBool::new(false),
                state: Mutex::new(ThreadState {
                    started: foreign,
                    handle: None,
                    ident: None,
                    native_id: None,
                }),
                started: portalis_primitives::Event::new(),
                finished: portalis_primitives::Event::new(),
                foreign,
            }),
        }
    }

    /// `Thread(target=f, name=...)`.
    pub fn with_name(self, name: impl Into<String>) -> Self {
        *self.inner.name.lock() = name.into();
        self
    }

    /// The default name CPython gives a thread whose target is a function named `f`:
    /// `Thread-<n> (f)`. No effect after [`with_name`](Self::with_name)-style naming.
    pub fn with_target_name(self, function: &str) -> Self {
        {
            let mut n = self.inner.name.lock();
            if n.starts_with("Thread-") && !n.contains(' ') {
                n.push_str(&format!(" ({function})"));
            }
        }
        self
    }

    /// `Thread(..., daemon=d)`.
    pub fn with_daemon(self, daemon: bool) -> Self {
        // Relaxed: read by the starting thread after this call returns.
        self.inner.daemon.store(daemon, Relaxed);
        self
    }

    /// `name`.
    pub fn name(&self) -> String {
        self.inner.name.lock().clone()
    }

    /// `name = ...`.
    pub fn set_name(&self, name: impl Into<String>) {
        *self.inner.name.lock() = name.into();
    }

    /// `daemon`.
    pub fn daemon(&self) -> bool {
        // Relaxed: a flag with no data attached.
        self.inner.daemon.load(Relaxed)
    }

    /// `daemon = d`.
    ///
    /// # Errors
    /// `RuntimeError: cannot set daemon status of active thread` after `start`.
    pub fn set_daemon(&self, daemon: bool) -> PyResult<()> {
        if self.inner.state.lock().started {
            return Err(PyThreadingError::runtime(
                "cannot set daemon status of active thread",
            ));
        }
        // Relaxed: as in `with_daemon`.
        self.inner.daemon.store(daemon, Relaxed);
        Ok(())
    }

    /// `ident`: `None` before `start`.
    pub fn ident(&self) -> Option<u64> {
        self.inner.state.lock().ident
    }

    /// `native_id`: the OS thread id, `None` before `start`.
    pub fn native_id(&self) -> Option<u64> {
        self.inner.state.lock().native_id
    }

    /// `start()`: runs the target on a new thread; returns once it has started.
    ///
    /// # Errors
    /// `RuntimeError: threads can only be started once`; `RuntimeError: can't start new
    /// thread` when the OS refuses.
    pub fn start(&self) -> PyResult<()> {
        let mut st = self.inner.state.lock();
        if st.started {
            return Err(PyThreadingError::runtime(
                "threads can only be started once",
            ));
        }
        st.started = true;
        let target = self.inner.target.lock().take();
        let me = self.clone();
        let mut b = sthread::Builder::new()
            .name(self.name())
            .daemon(self.daemon());
        // Relaxed: a setting read once per start.
        let stack = STACK_SIZE.load(Relaxed);
        if stack > 0 {
            b = b.stack_size(stack);
        }
        KNOWN.lock().push(self.clone());
        let spawned = b.spawn(move || {
            {
                let mut st = me.inner.state.lock();
                st.ident = Some(sthread::current_thread().id());
                st.native_id = Some(native_id());
            }
            CURRENT.with(|c| *c.borrow_mut() = Some(me.clone()));
            me.inner.started.set();
            for hook in [TRACE.lock().clone(), PROFILE.lock().clone()]
                .into_iter()
                .flatten()
            {
                hook(&me);
            }
            let outcome = match target {
                None => Ok(()),
                Some(f) => panic::catch_unwind(AssertUnwindSafe(f))
                    .unwrap_or_else(|p| Err(panic_to_py(&*p))),
            };
            if let Err(exc) = outcome {
                excepthook(&ExceptHookArgs {
                    exc,
                    thread: Some(me.clone()),
                });
            }
            KNOWN.lock().retain(|t| t != &me);
            me.inner.finished.set();
        });
        match spawned {
            Ok(h) => {
                st.handle = Some(h);
                drop(st);
                self.inner.started.wait();
                Ok(())
            }
            Err(_) => {
                KNOWN.lock().retain(|t| t != self);
                Err(PyThreadingError::runtime("can't start new thread"))
            }
        }
    }

    /// `join(timeout)`: waits for the thread to finish (`None` = no limit); check
    /// [`is_alive`](Self::is_alive) to see whether a timed join timed out.
    ///
    /// # Errors
    /// `RuntimeError: cannot join thread before it is started`, `RuntimeError: cannot join
    /// current thread`.
    pub fn join(&self, timeout: Option<f64>) -> PyResult<()> {
        if !self.inner.state.lock().started {
            return Err(PyThreadingError::runtime(
                "cannot join thread before it is started",
            ));
        }
        if current_thread() == *self {
            return Err(PyThreadingError::runtime("cannot join current thread"));
        }
        if self.inner.foreign {
            // CPython would block forever on the main thread from another thread; a dummy
            // is never joinable. We wait out the timeout, if any.
            if let Some(d) = timeout::opt(timeout) {
                self.inner.finished.wait_timeout(d);
            } else {
                self.inner.finished.wait();
            }
            return Ok(());
        }
        let done = match timeout::opt(timeout) {
            None => {
                self.inner.finished.wait();
                true
            }
            Some(d) => self.inner.finished.wait_timeout(d),
        };
        if done {
            // The target finished: reap the OS thread, so the thread's bookkeeping
            // (active_count) is settled when join returns, as in CPython.
            let h = self.inner.state.lock().handle.take();
            if let Some(h) = h {
                let _ = h.join();
            }
        }
        Ok(())
    }

    /// `is_alive()`: started and not finished.
    pub fn is_alive(&self) -> bool {
        if self.inner.foreign {
            return true;
        }
        let st = self.inner.state.lock();
        st.started && st.handle.as_ref().is_some_and(|h| !h.is_finished())
    }
}

/// The OS thread id (`gettid` on Linux; elsewhere the portable ident).
fn native_id() -> u64 {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: `gettid` has no preconditions and cannot fail.
        let tid = unsafe { libc::gettid() };
        tid as u64
    }
    #[cfg(not(target_os = "linux"))]
    {
        sthread::current_thread().id()
    }
}

/// `threading.current_thread()`: the calling thread's [`Thread`] (for a thread not started
/// here: the main thread, named `MainThread`, or a `Dummy-<n>`).
pub fn current_thread() -> Thread {
    if let Some(t) = CURRENT.with(|c| c.borrow().clone()) {
        return t;
    }
    let is_main = std::thread::current().name() == Some("main");
    let t = if is_main {
        MAIN.get_or_init(foreign_current).clone()
    } else {
        foreign_current()
    };
    CURRENT.with(|c| *c.borrow_mut() = Some(t.clone()));
    t
}

fn foreign_current() -> Thread {
    let is_main = std::thread::current().name() == Some("main");
    let ident = sthread::current_thread().id();
    let name = if is_main {
        "MainThread".to_string()
    } else {
        // A pool worker keeps its pool name (`<prefix>_<i>`), as CPython's executor threads
        // are named; an unnamed foreign thread is a `Dummy-<n>`.
        std::thread::current()
            .name()
            .map(str::to_string)
            .unwrap_or_else(|| format!("Dummy-{ident}"))
    };
    let t = Thread::build(name, None, true);
    {
        let mut st = t.inner.state.lock();
        st.ident = Some(ident);
        st.native_id = Some(native_id());
    }
    t.inner.started.set();
    if !is_main {
        KNOWN.lock().push(t.clone());
    }
    t
}

/// `threading.main_thread()`: the thread named `main` by Rust's runtime, as `MainThread`.
/// (It is recorded when it first calls into this module; before that, from another thread,
/// a record without ident stands for it.)
pub fn main_thread() -> Thread {
    if std::thread::current().name() == Some("main") {
        return current_thread();
    }
    MAIN.get_or_init(|| {
        let t = Thread::build("MainThread".into(), None, true);
        t.inner.started.set();
        t
    })
    .clone()
}

/// `threading.active_count()`: `len(enumerate())`.
pub fn active_count() -> usize {
    enumerate().len()
}

/// `threading.enumerate()`: the main thread, then every live thread started here, in start
/// order (plus the calling thread if it is a dummy).
pub fn enumerate() -> Vec<Thread> {
    let me = current_thread();
    let mut v = vec![main_thread()];
    for t in KNOWN.lock().iter() {
        if !v.contains(t) {
            v.push(t.clone());
        }
    }
    if !v.contains(&me) {
        v.push(me);
    }
    v
}

/// `threading.get_ident()`.
pub fn get_ident() -> u64 {
    sthread::current_thread().id()
}

/// `threading.get_native_id()`.
pub fn get_native_id() -> u64 {
    native_id()
}

/// `threading.settrace(func)`. Rust has no line tracing: `func` is called once at the start
/// of every thread started through [`Thread::start`] afterwards, with that thread.
pub fn settrace(func: impl Fn(&Thread) + Send + Sync + 'static) {
    *TRACE.lock() = Some(Arc::new(func));
}

/// `threading.settrace(None)`.
pub fn clear_trace() {
    *TRACE.lock() = None;
}

/// `threading.setprofile(func)`: like [`settrace`], a per-thread start hook.
pub fn setprofile(func: impl Fn(&Thread) + Send + Sync + 'static) {
    *PROFILE.lock() = Some(Arc::new(func));
}

/// `threading.setprofile(None)`.
pub fn clear_profile() {
    *PROFILE.lock() = None;
}

/// `threading.stack_size(size)`: sets the stack size of threads started afterwards (0 =
/// platform default) and returns the previous setting. As in CPython, `stack_size()` without
/// an argument is `stack_size(0)`: it resets the setting too.
///
/// # Errors
/// `ValueError: size not valid: N bytes` for `0 < size < 32768`.
pub fn stack_size(size: Option<usize>) -> PyResult<usize> {
    match size.unwrap_or(0) {
        s if s != 0 && s < 32_768 => Err(PyThreadingError::value(format!(
            "size not valid: {s} bytes"
        ))),
        // Relaxed: a setting, read once per thread start; nothing else is published with it.
        s => Ok(STACK_SIZE.swap(s, Relaxed)),
    }
}

/// `threading.ExceptHookArgs`: what [`excepthook`] receives for an uncaught exception.
#[derive(Debug, Clone)]
pub struct ExceptHookArgs {
    /// The exception (`exc_type` is `exc.py_type_name()`, `exc_value` is `exc`).
    pub exc: PyThreadingError,
    /// The thread it escaped from.
    pub thread: Option<Thread>,
}

impl ExceptHookArgs {
    /// `exc_type.__name__`.
    pub fn exc_type(&self) -> &str {
        self.exc.py_type_name()
    }
}

/// `threading.excepthook(args)`: calls the hook set by [`set_excepthook`], else
/// [`default_excepthook`].
pub fn excepthook(args: &ExceptHookArgs) {
    let hook = EXCEPTHOOK.lock().clone();
    match hook {
        Some(h) => h(args),
        None => default_excepthook(args),
    }
}

/// `threading.__excepthook__`: prints `Exception in thread NAME:` and `Type: message` to
/// stderr (CPython also prints the traceback, which Rust does not have).
pub fn default_excepthook(args: &ExceptHookArgs) {
    let name = args
        .thread
        .as_ref()
        .map(Thread::name)
        .unwrap_or_else(|| get_ident().to_string());
    eprintln!(
        "Exception in thread {name}:\n{}: {}",
        args.exc.py_type_name(),
        args.exc
    );
}

/// `threading.excepthook = func`.
pub fn set_excepthook(func: impl Fn(&ExceptHookArgs) + Send + Sync + 'static) {
    *EXCEPTHOOK.lock() = Some(Arc::new(func));
}

// ---------------------------------------------------------------------------------------------
// Timer

/// `threading.Timer(interval, function)`: a [`Thread`] that calls `function` after `interval`
/// seconds unless [`cancel`](Timer::cancel) came first. Built as CPython builds it: the thread
/// waits on a `finished` [`Event`] for `interval`, runs `function` only if the event is still
/// unset, then sets it; `cancel()` sets the event. So `join(timeout)`, `is_alive()`, `name()`
/// and the thread's identity behave exactly as a `Thread`'s.
///
/// # Examples
/// ```
/// use portalis_threading::py::threading::{Event, Timer};
/// let fired = Event::new();
/// let f2 = fired.clone();
/// let t = Timer::new(0.001, move || f2.set());
/// t.start().unwrap();
/// t.join(None).unwrap();
/// assert!(fired.is_set());
/// assert!(!t.is_alive());
/// ```
#[derive(Clone, Debug)]
pub struct Timer {
    thread: Thread,
    finished: Event,
}

impl Timer {
    /// `Timer(interval, function)`; `args` are captured by the closure. A negative or zero
    /// interval fires at once, as in CPython.
    pub fn new(interval: f64, function: impl FnOnce() + Send + 'static) -> Self {
        let finished = Event::new();
        let f2 = finished.clone();
        let thread = Thread::new(move || {
            let _ = f2.wait(Some(interval.clamp(0.0, TIMEOUT_MAX)));
            if !f2.is_set() {
                function();
            }
            f2.set();
        });
        Timer { thread, finished }
    }

    /// `start()`.
    ///
    /// # Errors
    /// `RuntimeError: threads can only be started once`.
    pub fn start(&self) -> PyResult<()> {
        self.thread.start()
    }

    /// `cancel()`: stops the timer if it has not fired yet (a no-op once it has).
    pub fn cancel(&self) {
        self.finished.set()
    }

    /// `join(timeout)`: waits for the timer's thread, as [`Thread::join`].
    ///
    /// # Errors
    /// As [`Thread::join`]: `RuntimeError` before `start()` or from the timer's own thread.
    pub fn join(&self, timeout: Option<f64>) -> PyResult<()> {
        self.thread.join(timeout)
    }

    /// `is_alive()`: started and its thread not finished.
    pub fn is_alive(&self) -> bool {
        self.thread.is_alive()
    }

    /// The timer's thread (`name`, `daemon`, `ident`, ...: a Python `Timer` is a `Thread`).
    pub fn thread(&self) -> &Thread {
        &self.thread
    }
}
