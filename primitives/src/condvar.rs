//! [`Condvar`]: a condition variable that never wakes spuriously (Python `Condition` semantics).
//!
//! # Design
//! Every waiter owns a [`Node`] (one futex word, `WAITING` → `NOTIFIED`) and appends it to a
//! FIFO queue under a small internal lock **while still holding the user's mutex**. `notify_one`
//! pops the front node, stores `NOTIFIED` and wakes that node's word only; `notify_all` drains
//! the queue. A waiter returns only when its own node says `NOTIFIED` (→ notified) or its
//! deadline passed and it removed its node from the queue itself (→ timed out). A futex
//! spurious wake-up is absorbed inside `wait`, never seen by the caller.
//!
//! Consequences: notify-before-wait is not remembered (as in Python); a notify that races
//! with a timeout is never lost: if the notifier popped the node first, the waiter reports
//! "notified" even though its deadline also passed; FIFO order among waiters.
//!
//! `waiters` mirrors the queue length so `notify_*` with nobody waiting is one relaxed load.

use crate::deadline::{block_or_panic, spins, Blocked, Deadline};
use crate::error::ReleaseError;
use crate::futex;
use crate::mutex::{MutexGuard, RawMutex};
use crate::reentrant::ReentrantMutex;
use crate::sync::atomic::{
    AtomicU32, AtomicUsize,
    Ordering::{Acquire, Relaxed, Release},
};
use crate::sync::cell::UnsafeCell;
use crate::sync::{hint, Arc};
use crate::time::Instant;
use std::collections::VecDeque;
use std::time::Duration;

/// The panic message for one condvar waited on with two different mutexes at once.
pub(crate) const TWO_MUTEXES_MSG: &str = "Condvar misuse: waited on with two different mutexes \
at once (every thread waiting on one Condvar at the same time must release the same mutex); \
use one Condvar per mutex";

/// `bound_mutex` when a queued waiter's lock is unknown (`wait_releasing`): no check.
const UNCHECKED: usize = 0;

/// Node word: still queued (or being popped).
const WAITING: u32 = 0;
/// Node word: popped by a notifier; the waiter returns "notified".
const NOTIFIED: u32 = 1;

/// Spins on the node before sleeping: a notify often follows within a few hundred ns when the
/// notifier is running on the other core. Heuristic (≈0.5 µs of PAUSEs), cheaper than the
/// futex round trip it avoids.
const NODE_SPIN: u32 = 20;

type Node = Arc<AtomicU32>;

/// Whether a timed wait ended by notification or by timeout.
#[must_use]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct WaitTimeoutResult(bool);

impl WaitTimeoutResult {
    /// `true` when the wait ended because the timeout elapsed (and no notify picked it).
    pub fn timed_out(self) -> bool {
        self.0
    }
}

/// A condition variable for [`Mutex`](crate::Mutex) that never returns spuriously: `wait`
/// returns only after a `notify_one`/`notify_all` chose this waiter, `wait_timeout` only then
/// or on timeout.
///
/// # Examples
/// ```
/// use portalis_primitives::{Condvar, Mutex};
/// use std::sync::Arc;
///
/// let pair = Arc::new((Mutex::new(false), Condvar::new()));
/// let p2 = pair.clone();
/// let t = std::thread::spawn(move || {
///     *p2.0.lock() = true;
///     p2.1.notify_one();
/// });
/// let (m, cv) = &*pair;
/// let g = cv.wait_while(m.lock(), |ready| !*ready);
/// assert!(*g);
/// drop(g);
/// t.join().unwrap();
/// ```
///
/// # Panics
/// An untimed wait panics on a target without threads (nobody could notify). On the browser
/// main thread it busy-waits.
///
/// A wait panics when other threads are waiting on the same condvar with a **different**
/// mutex ("Condvar misuse: waited on with two different mutexes at once ..."), as std
/// documents and parking_lot does: such a program has no consistent predicate, and a notify
/// meant for one mutex's waiters could wake the other's, so a recovery that depends on it
/// would wait forever. The check runs under the condvar's queue lock when the waiter queues
/// itself, before it releases its mutex (the panic unwinds with the caller's guard, which
/// unlocks it). Using one condvar with different mutexes one after another, never at the same
/// time, is allowed. [`wait_reentrant`](Condvar::wait_reentrant) takes part in the same check.
///
/// ```should_panic
/// use portalis_primitives::{Condvar, Mutex};
///
/// static CV: Condvar = Condvar::new();
/// static M1: Mutex<()> = Mutex::new(());
/// static M2: Mutex<()> = Mutex::new(());
/// std::thread::spawn(|| {
///     let g = M1.lock();
///     let _g = CV.wait(g); // waits with M1
/// });
/// // Wait until the thread above is queued (the timed wait needs no notify).
/// while !CV.has_waiters() {
///     std::thread::yield_now();
/// }
/// let g = M2.lock();
/// let _ = CV.wait(g); // panics: M2 while a thread waits with M1
/// ```
///
/// ## Memory ordering
/// Waits return with the mutex re-locked, so the mutex orders data. In addition, everything
/// the notifier wrote before `notify_*` is visible to the waiter it woke.
pub struct Condvar {
    /// Number of queued nodes; written under `lock`, read relaxed by the notify fast path.
    waiters: AtomicUsize,
    /// Address of the mutex the queued waiters released ([`UNCHECKED`] before the first wait
    /// or while a `wait_releasing` waiter is queued). Read and written only under `lock`, and
    /// only meaningful while the queue is non-empty.
    bound_mutex: AtomicUsize,
    lock: RawMutex,
    queue: UnsafeCell<VecDeque<Node>>,
}

// SAFETY: the queue is only touched under `lock`; nodes are `Arc<AtomicU32>` (Send + Sync).
unsafe impl Send for Condvar {}
// SAFETY: as above.
unsafe impl Sync for Condvar {}

impl Default for Condvar {
    fn default() -> Self {
        Self::new()
    }
}

impl core::fmt::Debug for Condvar {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Condvar")
            .field("waiters", &self.waiters.load(Relaxed))
            .finish()
    }
}

impl Condvar {
    const_fn_unless_model! {
        /// A condition variable with no waiters; `const` outside model builds.
        ///
        /// ```
        /// use portalis_primitives::{Condvar, Mutex};
        ///
        /// static READY: Mutex<bool> = Mutex::new(false);
        /// static CV: Condvar = Condvar::new();
        /// let t = std::thread::spawn(|| {
        ///     *READY.lock() = true;
        ///     CV.notify_all();
        /// });
        /// let mut g = READY.lock();
        /// while !*g {
        ///     g = CV.wait(g);
        /// }
        /// drop(g);
        /// t.join().unwrap();
        /// ```
        pub fn new() -> Self {
            Condvar {
                waiters: AtomicUsize::new(0),
                bound_mutex: AtomicUsize::new(0),
                lock: RawMutex::new(),
                queue: UnsafeCell::new(VecDeque::new()),
            }
        }
    }

    /// Queues `node` for a waiter that is about to release the mutex at address `mutex`
    /// ([`UNCHECKED`] when the lock is not one of ours: `wait_releasing`).
    ///
    /// # Panics
    /// When other waiters are queued that released a different mutex: one condvar used with
    /// two mutexes at once (see the type's `# Panics`). Nothing was queued then.
    fn enqueue(&self, node: Node, mutex: usize) {
        let misuse = self.with_queue(|q| {
            // Relaxed: read and written only under the queue lock.
            let bound = self.bound_mutex.load(Relaxed);
            if q.is_empty() {
                self.bound_mutex.store(mutex, Relaxed);
            } else if mutex == UNCHECKED {
                // A waiter whose lock we cannot name: stop checking until the queue empties.
                self.bound_mutex.store(UNCHECKED, Relaxed);
            } else if bound != UNCHECKED && bound != mutex {
                return true;
            }
            q.push_back(node);
            // Relaxed: the queue lock and the user's mutex order this for notifiers.
            self.waiters.fetch_add(1, Relaxed);
            false
        });
        if misuse {
            panic!("{}", TWO_MUTEXES_MSG);
        }
    }

    fn with_queue<R>(&self, f: impl FnOnce(&mut VecDeque<Node>) -> R) -> R {
        self.lock.lock();
        // SAFETY: we hold `self.lock`, which guards the queue.
        let r = self.queue.with_mut(|q| f(unsafe { &mut *q }));
        // SAFETY: locked just above.
        unsafe { self.lock.unlock() };
        r
    }

    /// Releases the guard's mutex, waits for a notification, re-locks and returns the guard.
    ///
    /// # Panics
    /// On a target without threads (see the type's docs).
    pub fn wait<'a, T: ?Sized>(&self, guard: MutexGuard<'a, T>) -> MutexGuard<'a, T> {
        self.wait_deadline(guard, Deadline::never()).0
    }

    /// [`wait`](Self::wait) as a future: releases the guard's mutex, resolves once notified
    /// and the mutex is re-locked (`Mutex::lock_async`), waiting without blocking the thread
    /// (the browser's main thread, async code; any executor). The waiter queues its node like a
    /// thread, and `notify_*`'s `futex::wake_one` on the node wakes the task.
    ///
    /// Cancel: dropped while still queued, it removes its node (it was not notified); dropped
    /// after a notifier popped it but before it saw the notification, it passes that
    /// notification on (`notify_one`), so a `notify_one` is never spent on a gone waiter.
    /// Dropped while re-locking, the notification counts as received.
    ///
    /// # Examples
    /// ```
    /// use portalis_primitives::{Condvar, Mutex};
    /// use std::sync::Arc;
    /// # fn block_on<F: std::future::Future>(f: F) -> F::Output {
    /// #     struct T(std::thread::Thread);
    /// #     impl std::task::Wake for T { fn wake(self: std::sync::Arc<Self>) { self.0.unpark() } }
    /// #     let w = std::task::Waker::from(std::sync::Arc::new(T(std::thread::current())));
    /// #     let mut cx = std::task::Context::from_waker(&w);
    /// #     let mut f = std::pin::pin!(f);
    /// #     loop { if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) { return v; } std::thread::park(); }
    /// # }
    ///
    /// let pair = Arc::new((Mutex::new(false), Condvar::new()));
    /// let p2 = pair.clone();
    /// let t = std::thread::spawn(move || {
    ///     *p2.0.lock() = true;
    ///     p2.1.notify_all();
    /// });
    /// block_on(async {
    ///     let mut g = pair.0.lock_async().await;
    ///     while !*g {
    ///         g = pair.1.wait_async(g).await;
    ///     }
    /// });
    /// t.join().unwrap();
    /// ```
    ///
    /// # Panics
    /// As [`wait`](Self::wait) for a condvar used with two mutexes at once.
    pub async fn wait_async<'a, T: ?Sized>(&self, guard: MutexGuard<'a, T>) -> MutexGuard<'a, T> {
        let mutex = MutexGuard::mutex(&guard);
        let node: Node = Arc::new(AtomicU32::new(WAITING));
        self.enqueue(node.clone(), &mutex.raw as *const RawMutex as usize);
        drop(guard);
        let mut queued = QueuedAsync {
            cv: self,
            node: &node,
            armed: true,
        };
        // Acquire: pairs with the Release store in `notify_*`.
        while node.load(Acquire) != NOTIFIED {
            futex::wait_future(&node, WAITING).await;
        }
        queued.armed = false;
        mutex.lock_async().await
    }

    /// Waits while `condition` holds, re-checking after each notification.
    pub fn wait_while<'a, T: ?Sized>(
        &self,
        mut guard: MutexGuard<'a, T>,
        mut condition: impl FnMut(&mut T) -> bool,
    ) -> MutexGuard<'a, T> {
        while condition(&mut *guard) {
            guard = self.wait(guard);
        }
        guard
    }

    /// Waits for a notification or `timeout` (`Duration::MAX` = no limit).
    pub fn wait_timeout<'a, T: ?Sized>(
        &self,
        guard: MutexGuard<'a, T>,
        timeout: Duration,
    ) -> (MutexGuard<'a, T>, WaitTimeoutResult) {
        self.wait_deadline(guard, Deadline::after(timeout))
    }

    /// Waits for a notification or until `deadline`.
    pub fn wait_until<'a, T: ?Sized>(
        &self,
        guard: MutexGuard<'a, T>,
        deadline: Instant,
    ) -> (MutexGuard<'a, T>, WaitTimeoutResult) {
        self.wait_deadline(guard, Deadline::at(deadline))
    }

    /// Waits while `condition` holds, at most `timeout` in total (Python's `wait_for`).
    /// The result says whether it timed out with the condition still true.
    pub fn wait_timeout_while<'a, T: ?Sized>(
        &self,
        mut guard: MutexGuard<'a, T>,
        timeout: Duration,
        mut condition: impl FnMut(&mut T) -> bool,
    ) -> (MutexGuard<'a, T>, WaitTimeoutResult) {
        let d = Deadline::after(timeout);
        while condition(&mut *guard) {
            let (g, r) = self.wait_deadline(guard, d);
            guard = g;
            if r.timed_out() {
                let still = condition(&mut *guard);
                return (guard, WaitTimeoutResult(still));
            }
        }
        (guard, WaitTimeoutResult(false))
    }

    /// Python's `Condition(RLock()).wait(timeout)`: fully releases a [`ReentrantMutex`] held
    /// (possibly recursively) by this thread, waits for a notification or `timeout` (`None` =
    /// no limit), then re-acquires it to the same depth. Returns `Ok(true)` when notified,
    /// `Ok(false)` on timeout; never returns spuriously.
    ///
    /// # Examples
    /// ```
    /// use portalis_primitives::{Condvar, ReentrantMutex};
    /// use std::cell::Cell;
    /// use std::sync::Arc;
    /// use std::time::Duration;
    ///
    /// let p = Arc::new((ReentrantMutex::new(Cell::new(false)), Condvar::new()));
    /// let p2 = p.clone();
    /// let t = std::thread::spawn(move || {
    ///     let g = p2.0.lock();
    ///     g.set(true);
    ///     p2.1.notify_all();
    /// });
    /// p.0.acquire().unwrap();
    /// p.0.acquire().unwrap(); // depth 2: wait releases both levels
    /// while !p.0.lock().get() {
    ///     p.1.wait_reentrant(&p.0, Some(Duration::from_millis(50))).unwrap();
    /// }
    /// p.0.release().unwrap();
    /// p.0.release().unwrap();
    /// t.join().unwrap();
    /// ```
    ///
    /// # Errors
    /// [`ReleaseError::NotOwner`] (Python's `RuntimeError: cannot wait on un-acquired lock`)
    /// when this thread does not hold `lock`; nothing changes then.
    ///
    /// # Panics
    /// An untimed wait panics on a target without threads.
    pub fn wait_reentrant<T: ?Sized>(
        &self,
        lock: &ReentrantMutex<T>,
        timeout: Option<Duration>,
    ) -> Result<bool, ReleaseError> {
        if !lock.is_owned_by_current_thread() {
            return Err(ReleaseError::NotOwner);
        }
        let deadline = match timeout {
            None => Deadline::never(),
            Some(t) => Deadline::after(t),
        };
        let node: Node = Arc::new(AtomicU32::new(WAITING));
        self.enqueue(node.clone(), lock.raw_addr());
        let depth = lock.release_all()?;
        let timed_out = self.sleep(&node, deadline);
        if lock.acquire_restore(depth).is_err() {
            panic!("{}", crate::deadline::DEADLOCK_MSG);
        }
        Ok(!timed_out)
    }

    /// Python's `Condition(lock).wait(timeout)` for a lock this type does not know (for
    /// example a `Lock` that any thread may release): queues this waiter, calls `release`,
    /// sleeps until notified or `timeout` (`None` = no limit), then calls `reacquire`.
    /// Returns `Ok(true)` when notified, `Ok(false)` on timeout; never returns spuriously.
    /// The caller must hold the lock, so that a notifier (which takes it) sees the queued
    /// waiter, exactly as for [`wait`](Self::wait).
    ///
    /// # Errors
    /// Whatever `release` returns (the waiter is dequeued again and `reacquire` is not
    /// called).
    ///
    /// # Panics
    /// An untimed wait panics on a target without threads.
    pub fn wait_releasing<E>(
        &self,
        release: impl FnOnce() -> Result<(), E>,
        reacquire: impl FnOnce(),
        timeout: Option<Duration>,
    ) -> Result<bool, E> {
        let deadline = match timeout {
            None => Deadline::never(),
            Some(t) => Deadline::after(t),
        };
        let node: Node = Arc::new(AtomicU32::new(WAITING));
        // The lock is unknown here: this waiter is not checked against the others.
        self.enqueue(node.clone(), UNCHECKED);
        if let Err(e) = release() {
            self.with_queue(|q| {
                if let Some(i) = q.iter().position(|n| Arc::ptr_eq(n, &node)) {
                    q.remove(i);
                    // Relaxed: under the queue lock.
                    self.waiters.fetch_sub(1, Relaxed);
                }
            });
            return Err(e);
        }
        let timed_out = self.sleep(&node, deadline);
        reacquire();
        Ok(!timed_out)
    }

    fn wait_deadline<'a, T: ?Sized>(
        &self,
        guard: MutexGuard<'a, T>,
        deadline: Deadline,
    ) -> (MutexGuard<'a, T>, WaitTimeoutResult) {
        let mutex = MutexGuard::mutex(&guard);
        let node: Node = Arc::new(AtomicU32::new(WAITING));
        self.enqueue(node.clone(), &mutex.raw as *const RawMutex as usize);
        drop(guard);
        let timed_out = self.sleep(&node, deadline);
        mutex.raw.lock();
        (MutexGuard::relocked(mutex), WaitTimeoutResult(timed_out))
    }

    /// Sleeps on `node` until notified (`false`) or timed out and dequeued by us (`true`).
    fn sleep(&self, node: &Node, deadline: Deadline) -> bool {
        for _ in 0..spins(NODE_SPIN) {
            // Acquire: pairs with the Release store in `notify_*`.
            if node.load(Acquire) == NOTIFIED {
                return false;
            }
            hint::spin_loop();
        }
        loop {
            // Acquire: pairs with the Release store in `notify_*`.
            if node.load(Acquire) == NOTIFIED {
                return false;
            }
            let r = if deadline.is_never() {
                block_or_panic(node, WAITING, deadline)
            } else {
                crate::deadline::block(node, WAITING, deadline).unwrap_or(Blocked::TimedOut)
            };
            if r == Blocked::TimedOut {
                let removed = self.with_queue(|q| {
                    let i = q.iter().position(|n| Arc::ptr_eq(n, node));
                    if let Some(i) = i {
                        q.remove(i);
                        // Relaxed: under the queue lock.
                        self.waiters.fetch_sub(1, Relaxed);
                    }
                    i.is_some()
                });
                // (Seeded control `condvar_timeout_ignores_pop`, model builds only: reports a
                // timeout although a notifier already popped us, losing its notification.)
                if removed || cfg!(portalis_seeded_bug = "condvar_timeout_ignores_pop") {
                    return true;
                }
                // A notifier popped us first: wait for its NOTIFIED store (it is running
                // `notify_*` right now, so this is short).
                // Acquire: pairs with the Release store in `notify_*`.
                while node.load(Acquire) != NOTIFIED {
                    hint::spin_loop();
                    crate::sync::thread::yield_now();
                }
                return false;
            }
        }
    }

    /// `true` if some thread is queued in a wait (a racy snapshot).
    pub fn has_waiters(&self) -> bool {
        // Relaxed: a snapshot; callers re-check under their own mutex.
        self.waiters.load(Relaxed) != 0
    }

    /// Wakes the longest-waiting thread, if any. Returns whether one was woken.
    #[inline]
    pub fn notify_one(&self) -> bool {
        // Relaxed: a notifier holding the user's mutex sees every waiter that queued under it;
        // one that does not hold it may miss a concurrent waiter, as with any condvar.
        if self.waiters.load(Relaxed) == 0 {
            return false;
        }
        self.notify_slow(1) == 1
    }

    /// Wakes every waiting thread. Returns how many were woken.
    #[inline]
    pub fn notify_all(&self) -> usize {
        // Relaxed: as in `notify_one`.
        if self.waiters.load(Relaxed) == 0 {
            return 0;
        }
        self.notify_slow(usize::MAX)
    }

    /// Wakes up to `n` waiters (Python's `notify(n)`). Returns how many were woken.
    pub fn notify_n(&self, n: usize) -> usize {
        // Relaxed: as in `notify_one`.
        if n == 0 || self.waiters.load(Relaxed) == 0 {
            return 0;
        }
        self.notify_slow(n)
    }

    #[cold]
    fn notify_slow(&self, n: usize) -> usize {
        let popped: Vec<Node> = self.with_queue(|q| {
            let k = n.min(q.len());
            // Relaxed: under the queue lock.
            self.waiters.fetch_sub(k, Relaxed);
            if cfg!(portalis_seeded_bug = "condvar_notify_lifo") {
                // Seeded control (model builds only): the newest waiters first.
                let len = q.len();
                return q.drain(len - k..).rev().collect();
            }
            q.drain(..k).collect()
        });
        let k = popped.len();
        for node in popped {
            // Release: pairs with the Acquire loads in `sleep`.
            node.store(NOTIFIED, Release);
            // `node` is our own Arc clone: the word stays valid even if the waiter left.
            futex::wake_one(&node);
        }
        k
    }
}

/// An async waiter's queued node (`Condvar::wait_async`); dropping it while `armed` withdraws
/// the node, or passes on a notification that popped it.
struct QueuedAsync<'a> {
    cv: &'a Condvar,
    node: &'a Node,
    armed: bool,
}

impl Drop for QueuedAsync<'_> {
    fn drop(&mut self) {
        if !self.armed {
            return;
        }
        let removed = self.cv.with_queue(|q| {
            let i = q.iter().position(|n| Arc::ptr_eq(n, self.node));
            if let Some(i) = i {
                q.remove(i);
                // Relaxed: under the queue lock.
                self.cv.waiters.fetch_sub(1, Relaxed);
            }
            i.is_some()
        });
        if !removed && !cfg!(portalis_seeded_bug = "condvar_async_cancel_drops_notify") {
            // A notifier popped us (its NOTIFIED store may still be on its way): the
            // notification was meant for a waiter; give it to the next one.
            self.cv.notify_one();
        }
    }
}

// Unit tests use real threads and sleeps; the models run verify/tests/loom_* and verify/tests/shuttle_*.
#[cfg(all(test, not(any(portalis_loom, portalis_shuttle))))]
mod tests {
    use super::*;
    use crate::sync::{thread, Arc};
    use crate::Mutex;

    /// Pins the misuse report of issue 20: a wait with a second mutex while another thread
    /// waits with a first one panics naming the misuse (before, the second waiter was queued
    /// and blocked for ever, so this test hung). The first waiter is unaffected and is woken
    /// normally afterwards.
    #[cfg_attr(portalis_no_threads, ignore = "spawns threads; this target has none")]
    #[cfg(panic = "unwind")] // catches the panic (WASI is panic=abort)
    #[test]
    fn two_mutexes_at_once_panics() {
        let cv = Arc::new(Condvar::new());
        let m1 = Arc::new(Mutex::new(false));
        let (cv2, m1b) = (cv.clone(), m1.clone());
        let waiter = thread::spawn(move || {
            let mut g = m1b.lock();
            while !*g {
                g = cv2.wait(g);
            }
        });
        while !cv.has_waiters() {
            thread::yield_now();
        }
        let m2 = Mutex::new(());
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let _g = cv.wait(m2.lock());
        }));
        let msg = r.expect_err("a second mutex must be refused");
        let msg = msg
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| msg.downcast_ref::<&str>().copied())
            .unwrap_or_default();
        assert!(msg.contains("two different mutexes"), "message: {msg}");
        // The refused waiter's mutex was unlocked by the unwind.
        assert!(!m2.is_locked());
        // The first waiter still works.
        *m1.lock() = true;
        cv.notify_all();
        waiter.join().unwrap();
        // Once nobody waits, another mutex may be used.
        let (_g, r) = cv.wait_timeout(m2.lock(), Duration::ZERO);
        assert!(r.timed_out());
    }

    #[test]
    fn timeout_without_notify() {
        let m = Mutex::new(());
        let cv = Condvar::new();
        let t0 = Instant::now();
        let (g, r) = cv.wait_timeout(m.lock(), Duration::from_millis(10));
        assert!(r.timed_out());
        assert!(t0.elapsed() >= Duration::from_millis(10), "returned early");
        let (_g, r) = cv.wait_timeout(g, Duration::ZERO);
        assert!(r.timed_out());
    }

    #[test]
    fn notify_before_wait_is_not_remembered() {
        let m = Mutex::new(());
        let cv = Condvar::new();
        assert!(!cv.notify_one());
        let (_g, r) = cv.wait_timeout(m.lock(), Duration::from_millis(1));
        assert!(r.timed_out());
    }

    #[test]
    fn reentrant_wait() {
        let m = crate::ReentrantMutex::new(());
        let cv = Condvar::new();
        assert_eq!(
            cv.wait_reentrant(&m, Some(Duration::ZERO)),
            Err(ReleaseError::NotOwner)
        );
        m.acquire().unwrap();
        m.acquire().unwrap();
        assert_eq!(
            cv.wait_reentrant(&m, Some(Duration::from_millis(2))),
            Ok(false)
        );
        m.release().unwrap();
        m.release().unwrap();
        assert!(m.release().is_err());
    }

    #[cfg_attr(portalis_no_threads, ignore = "spawns threads; this target has none")]
    #[test]
    fn notify_all_wakes_everyone() {
        let pair = Arc::new((Mutex::new(0usize), Condvar::new()));
        let n = 3;
        let hs: Vec<_> = (0..n)
            .map(|_| {
                let p = pair.clone();
                thread::spawn(move || {
                    let mut g = p.0.lock();
                    *g += 1;
                    let g = p.1.wait(g);
                    drop(g);
                })
            })
            .collect();
        loop {
            let g = pair.0.lock();
            if *g == n && pair.1.waiters.load(Relaxed) == n {
                break;
            }
            drop(g);
            thread::yield_now();
        }
        assert_eq!(pair.1.notify_all(), n);
        for h in hs {
            h.join().unwrap();
        }
    }
}
