//! Python's `queue` module: [`Queue`], [`LifoQueue`], [`PriorityQueue`], [`SimpleQueue`].
//!
//! The three bounded queues are CPython's design on this crate's primitives: one
//! [`Mutex`](crate::Mutex) over the container and three [`Condvar`](crate::Condvar)s
//! (`not_empty`, `not_full`, `all_tasks_done`), with CPython's `task_done`/`join` counting and
//! 3.13's `shutdown(immediate)`. [`SimpleQueue`] is an unbounded [`channel`](crate::channel).
//!
//! # Examples
//! ```
//! use portalis_threading::py::queue::{PriorityQueue, Queue};
//! use portalis_threading::py::PyThreadingError;
//!
//! let q: Queue<&str> = Queue::new(1);
//! q.put("a", true, None).unwrap();
//! assert_eq!(q.put_nowait("b"), Err(PyThreadingError::Full));
//! assert_eq!(q.get(true, Some(0.1)).unwrap(), "a");
//! assert_eq!(q.get(true, Some(0.0)), Err(PyThreadingError::Empty));
//!
//! let p = PriorityQueue::new(0);
//! for x in [3, 1, 2] { p.put(x, true, None).unwrap(); }
//! assert_eq!(p.get_nowait().unwrap(), 1);
//! ```

use super::error::{PyResult, PyThreadingError};
use super::timeout;
use crate::channel;
use portalis_primitives::sync::Arc;
use portalis_primitives::time::Instant;
use portalis_primitives::{Condvar, Mutex, MutexGuard};
use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};
use std::fmt;
use std::time::Duration;

/// The container a queue keeps its items in (CPython's `_init`/`_put`/`_get`/`_qsize`).
pub trait Container<T>: Send {
    /// An empty container.
    fn new() -> Self;
    /// `_put`.
    fn push(&mut self, item: T);
    /// `_get`; only called when `len() > 0`.
    fn pop(&mut self) -> Option<T>;
    /// `_qsize`.
    fn len(&self) -> usize;
    /// `_qsize() == 0`.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// First in, first out (`queue.Queue`).
#[derive(Debug)]
pub struct Fifo<T>(VecDeque<T>);
/// Last in, first out (`queue.LifoQueue`).
#[derive(Debug)]
pub struct Lifo<T>(Vec<T>);
/// Smallest first (`queue.PriorityQueue`, a min-heap like `heapq`).
#[derive(Debug)]
pub struct Priority<T: Ord>(BinaryHeap<Reverse<T>>);

impl<T: Send> Container<T> for Fifo<T> {
    fn new() -> Self {
        Fifo(VecDeque::new())
    }
    fn push(&mut self, item: T) {
        self.0.push_back(item)
    }
    fn pop(&mut self) -> Option<T> {
        self.0.pop_front()
    }
    fn len(&self) -> usize {
        self.0.len()
    }
}

impl<T: Send> Container<T> for Lifo<T> {
    fn new() -> Self {
        Lifo(Vec::new())
    }
    fn push(&mut self, item: T) {
        self.0.push(item)
    }
    fn pop(&mut self) -> Option<T> {
        self.0.pop()
    }
    fn len(&self) -> usize {
        self.0.len()
    }
}

impl<T: Ord + Send> Container<T> for Priority<T> {
    fn new() -> Self {
        Priority(BinaryHeap::new())
    }
    fn push(&mut self, item: T) {
        self.0.push(Reverse(item))
    }
    fn pop(&mut self) -> Option<T> {
        self.0.pop().map(|r| r.0)
    }
    fn len(&self) -> usize {
        self.0.len()
    }
}

struct State<C> {
    items: C,
    unfinished_tasks: usize,
    is_shutdown: bool,
}

struct Shared<C> {
    maxsize: usize,
    state: Mutex<State<C>>,
    not_empty: Condvar,
    not_full: Condvar,
    all_tasks_done: Condvar,
}

/// A bounded queue with CPython's semantics over the container `C`; use the aliases
/// [`Queue`], [`LifoQueue`] and [`PriorityQueue`].
pub struct BaseQueue<T, C: Container<T>> {
    shared: Arc<Shared<C>>,
    _item: std::marker::PhantomData<fn(T) -> T>,
}

/// `queue.Queue`: FIFO.
pub type Queue<T> = BaseQueue<T, Fifo<T>>;
/// `queue.LifoQueue`: LIFO.
pub type LifoQueue<T> = BaseQueue<T, Lifo<T>>;
/// `queue.PriorityQueue`: lowest item first.
pub type PriorityQueue<T> = BaseQueue<T, Priority<T>>;

impl<T, C: Container<T>> Clone for BaseQueue<T, C> {
    fn clone(&self) -> Self {
        BaseQueue {
            shared: self.shared.clone(),
            _item: std::marker::PhantomData,
        }
    }
}

impl<T, C: Container<T>> fmt::Debug for BaseQueue<T, C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Queue")
            .field("maxsize", &self.shared.maxsize)
            .field("qsize", &self.qsize())
            .finish()
    }
}

/// Waits on `cv` until `deadline` (`None` = no limit); `false` once the deadline passed.
fn wait_on<'a, C>(
    cv: &Condvar,
    g: MutexGuard<'a, State<C>>,
    deadline: Option<Instant>,
) -> (MutexGuard<'a, State<C>>, bool) {
    match deadline {
        None => (cv.wait(g), true),
        Some(d) => {
            let now = Instant::now();
            if now >= d {
                return (g, false);
            }
            (cv.wait_until(g, d).0, true)
        }
    }
}

fn deadline_after(t: Duration) -> Option<Instant> {
    Some(Instant::now().checked_add(t).unwrap_or_else(far_future))
}

fn far_future() -> Instant {
    Instant::now() + Duration::from_secs(super::threading::TIMEOUT_MAX as u64)
}

impl<T, C: Container<T>> BaseQueue<T, C> {
    /// `Queue(maxsize)`; `maxsize <= 0` is unbounded.
    pub fn new(maxsize: i64) -> Self {
        BaseQueue {
            shared: Arc::new(Shared {
                maxsize: usize::try_from(maxsize).unwrap_or(0),
                state: Mutex::new(State {
                    items: C::new(),
                    unfinished_tasks: 0,
                    is_shutdown: false,
                }),
                not_empty: Condvar::new(),
                not_full: Condvar::new(),
                all_tasks_done: Condvar::new(),
            }),
            _item: std::marker::PhantomData,
        }
    }

    /// `maxsize` (0 = unbounded).
    pub fn maxsize(&self) -> usize {
        self.shared.maxsize
    }

    /// `qsize()`.
    pub fn qsize(&self) -> usize {
        self.shared.state.lock().items.len()
    }

    /// `empty()`.
    pub fn empty(&self) -> bool {
        self.qsize() == 0
    }

    /// `full()`.
    pub fn full(&self) -> bool {
        let m = self.shared.maxsize;
        m > 0 && self.qsize() >= m
    }

    /// `put(item, block, timeout)`.
    ///
    /// # Errors
    /// `Full` (non-blocking or timed out), `ShutDown`, `ValueError` for a negative timeout.
    pub fn put(&self, item: T, block: bool, timeout: Option<f64>) -> PyResult<()> {
        let s = &*self.shared;
        let mut g = s.state.lock();
        if g.is_shutdown {
            return Err(PyThreadingError::ShutDown);
        }
        if s.maxsize > 0 {
            if !block {
                if g.items.len() >= s.maxsize {
                    return Err(PyThreadingError::Full);
                }
            } else {
                let deadline = timeout::queue_timeout(true, timeout)?.and_then(deadline_after);
                while g.items.len() >= s.maxsize {
                    let (g2, in_time) = wait_on(&s.not_full, g, deadline);
                    g = g2;
                    if !in_time {
                        return Err(PyThreadingError::Full);
                    }
                    if g.is_shutdown {
                        return Err(PyThreadingError::ShutDown);
                    }
                }
            }
        }
        g.items.push(item);
        g.unfinished_tasks += 1;
        s.not_empty.notify_one();
        Ok(())
    }

    /// `put_nowait(item)`.
    ///
    /// # Errors
    /// As [`put`](Self::put).
    pub fn put_nowait(&self, item: T) -> PyResult<()> {
        self.put(item, false, None)
    }

    /// `get(block, timeout)`.
    ///
    /// # Errors
    /// `Empty` (non-blocking or timed out), `ShutDown` (shut down and empty),
    /// `ValueError` for a negative timeout.
    pub fn get(&self, block: bool, timeout: Option<f64>) -> PyResult<T> {
        let s = &*self.shared;
        let mut g = s.state.lock();
        if g.is_shutdown && g.items.is_empty() {
            return Err(PyThreadingError::ShutDown);
        }
        if !block {
            if g.items.is_empty() {
                return Err(PyThreadingError::Empty);
            }
        } else {
            let deadline = timeout::queue_timeout(true, timeout)?.and_then(deadline_after);
            while g.items.is_empty() {
                let (g2, in_time) = wait_on(&s.not_empty, g, deadline);
                g = g2;
                if !in_time {
                    return Err(PyThreadingError::Empty);
                }
                if g.is_shutdown && g.items.is_empty() {
                    return Err(PyThreadingError::ShutDown);
                }
            }
        }
        let item = g.items.pop().expect("checked non-empty under the lock");
        s.not_full.notify_one();
        Ok(item)
    }

    /// `get_nowait()`.
    ///
    /// # Errors
    /// As [`get`](Self::get).
    pub fn get_nowait(&self) -> PyResult<T> {
        self.get(false, None)
    }

    /// `task_done()`.
    ///
    /// # Errors
    /// `ValueError: task_done() called too many times`; the count is unchanged then.
    pub fn task_done(&self) -> PyResult<()> {
        let s = &*self.shared;
        let mut g = s.state.lock();
        if g.unfinished_tasks == 0 {
            return Err(PyThreadingError::value("task_done() called too many times"));
        }
        g.unfinished_tasks -= 1;
        if g.unfinished_tasks == 0 {
            s.all_tasks_done.notify_all();
        }
        Ok(())
    }

    /// `join()`: blocks until every item put has been marked done.
    pub fn join(&self) {
        let s = &*self.shared;
        let mut g = s.state.lock();
        while g.unfinished_tasks > 0 {
            g = s.all_tasks_done.wait(g);
        }
    }

    /// `shutdown(immediate)` (Python 3.13): later `put`s raise `ShutDown`; `get`s raise it
    /// once the queue is empty, or at once with `immediate` (which drops the remaining
    /// items, marking each done). Every blocked caller is woken.
    pub fn shutdown(&self, immediate: bool) {
        let s = &*self.shared;
        let mut g = s.state.lock();
        g.is_shutdown = true;
        if immediate {
            while g.items.pop().is_some() {
                g.unfinished_tasks = g.unfinished_tasks.saturating_sub(1);
            }
            s.all_tasks_done.notify_all();
        }
        s.not_empty.notify_all();
        s.not_full.notify_all();
    }

    /// `is_shutdown` (3.13).
    pub fn is_shutdown(&self) -> bool {
        self.shared.state.lock().is_shutdown
    }
}

/// `queue.SimpleQueue`: unbounded FIFO without task tracking, on an unbounded
/// [`channel`](crate::channel).
///
/// # Examples
/// ```
/// use portalis_threading::py::queue::SimpleQueue;
/// let q = SimpleQueue::new();
/// q.put(1);
/// assert_eq!(q.get(true, None).unwrap(), 1);
/// assert!(q.empty());
/// ```
pub struct SimpleQueue<T> {
    tx: channel::Sender<T>,
    rx: channel::Receiver<T>,
}

impl<T> Clone for SimpleQueue<T> {
    fn clone(&self) -> Self {
        SimpleQueue {
            tx: self.tx.clone(),
            rx: self.rx.clone(),
        }
    }
}

impl<T> fmt::Debug for SimpleQueue<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SimpleQueue")
            .field("qsize", &self.rx.len())
            .finish()
    }
}

impl<T> Default for SimpleQueue<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> SimpleQueue<T> {
    /// `SimpleQueue()`.
    pub fn new() -> Self {
        let (tx, rx) = channel::unbounded();
        SimpleQueue { tx, rx }
    }

    /// `put(item)` (also `put_nowait`; never blocks, never fails).
    pub fn put(&self, item: T) {
        // Both ends live in `self`, so the channel is never disconnected.
        if self.tx.send(item).is_err() {
            unreachable!("a SimpleQueue holds its own receiver");
        }
    }

    /// `get(block, timeout)`.
    ///
    /// # Errors
    /// `Empty` (non-blocking or timed out); `ValueError` for a negative timeout.
    pub fn get(&self, block: bool, timeout: Option<f64>) -> PyResult<T> {
        match timeout::queue_timeout(block, timeout)? {
            None => self.rx.recv().map_err(|_| PyThreadingError::Empty),
            Some(d) if d.is_zero() => self.rx.try_recv().map_err(|_| PyThreadingError::Empty),
            Some(d) => self.rx.recv_timeout(d).map_err(|_| PyThreadingError::Empty),
        }
    }

    /// `get_nowait()`.
    ///
    /// # Errors
    /// `Empty`.
    pub fn get_nowait(&self) -> PyResult<T> {
        self.get(false, None)
    }

    /// `qsize()`.
    pub fn qsize(&self) -> usize {
        self.rx.len()
    }

    /// `empty()`.
    pub fn empty(&self) -> bool {
        self.rx.is_empty()
    }
}
