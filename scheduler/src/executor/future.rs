//! `Future<T>`, `wait`, `as_completed`.
//!
//! Self-contained (no pool, no statics), so the loom build compiles this file alone as
//! `model_future` for the models in `verify/tests/loom_future.rs`.

use portalis_primitives::stdlike::{Condvar, Mutex};
use portalis_primitives::sync::Arc;
use portalis_primitives::time::Instant;
use std::fmt;
use std::panic::{self, AssertUnwindSafe};
use std::time::Duration;

/// `hook(cancel)`: cancels the future if `cancel` and it is still pending; returns whether it
/// is done (so finished futures can be pruned).
pub(crate) type CancelFn = Box<dyn Fn(bool) -> bool + Send>;

/// Why a future has no value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FutureError {
    /// Cancelled before it ran (Python: CancelledError).
    #[error("the future was cancelled")]
    Cancelled,
    /// The timeout elapsed first (Python: TimeoutError).
    #[error("timed out waiting for the future")]
    Timeout,
    /// The callable panicked; the panic message (Python: the exception).
    #[error("the callable panicked: {0}")]
    Panicked(String),
}

enum State<T> {
    Pending,
    Running,
    Done(Result<T, FutureError>),
}

type Callback<T> = Box<dyn FnOnce(&Future<T>) + Send>;

/// State, pending done-callbacks, registered `wait`/`as_completed` waiters.
type Slot<T> = (State<T>, Vec<Callback<T>>, Vec<Arc<Waiter>>);

struct Inner<T> {
    state: Mutex<Slot<T>>,
    cv: Condvar,
}

/// A shared wake-up point for `wait` / `as_completed`.
struct Waiter {
    count: Mutex<usize>,
    cv: Condvar,
    /// Bumped by every `notify`: the browser main thread waits on it through `futex::wait`
    /// (which suspends inside `web::run_blocking`, ADR 110), never on the std `Condvar`,
    /// which would trap there.
    #[cfg(all(target_arch = "wasm32", target_feature = "atomics"))]
    seq: portalis_primitives::sync::atomic::AtomicU32,
}

impl Waiter {
    fn new() -> Waiter {
        Waiter {
            count: Mutex::new(0),
            cv: Condvar::new(),
            #[cfg(all(target_arch = "wasm32", target_feature = "atomics"))]
            seq: portalis_primitives::sync::atomic::AtomicU32::new(0),
        }
    }

    fn notify(&self) {
        *self.count.lock().unwrap() += 1;
        self.cv.notify_all();
        #[cfg(all(target_arch = "wasm32", target_feature = "atomics"))]
        {
            // Release: pairs with the Acquire load in `wait_on_main_thread`.
            self.seq
                .fetch_add(1, portalis_primitives::sync::atomic::Ordering::Release);
            portalis_primitives::futex::wake_all(&self.seq);
        }
    }

    /// `true` on the browser's main thread, where `wait`/`as_completed` must not touch the
    /// std `Condvar`.
    #[cfg(all(target_arch = "wasm32", target_feature = "atomics"))]
    fn on_main_thread() -> bool {
        !portalis_primitives::futex::can_block()
    }

    /// The main thread's wait: until `ready()` (returns `true`) or `deadline` (`false`),
    /// through `futex::wait` on `seq` (suspends inside `run_blocking`; elsewhere on the main
    /// thread a busy-wait in bounded spins, ADR 015).
    #[cfg(all(target_arch = "wasm32", target_feature = "atomics"))]
    fn wait_on_main_thread(
        &self,
        deadline: Option<Instant>,
        mut ready: impl FnMut() -> bool,
    ) -> bool {
        loop {
            // Acquire: pairs with the Release increment in `notify`; read before `ready()`,
            // so a notify after the check changes `seq` and the wait returns at once.
            let seen = self
                .seq
                .load(portalis_primitives::sync::atomic::Ordering::Acquire);
            if ready() {
                return true;
            }
            let left = match deadline {
                None => None,
                Some(d) => match d.checked_duration_since(Instant::now()) {
                    Some(left) if !left.is_zero() => Some(left),
                    _ => return false,
                },
            };
            let _ = portalis_primitives::futex::wait(&self.seq, seen, left);
        }
    }
}

/// The eventual result of a submitted call (Python's `concurrent.futures.Future`).
pub struct Future<T> {
    inner: Arc<Inner<T>>,
}

impl<T> Clone for Future<T> {
    fn clone(&self) -> Self {
        Future {
            inner: self.inner.clone(),
        }
    }
}

impl<T> fmt::Debug for Future<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = match self.inner.state.lock().unwrap().0 {
            State::Pending => "pending",
            State::Running => "running",
            State::Done(Ok(_)) => "finished",
            State::Done(Err(FutureError::Cancelled)) => "cancelled",
            State::Done(Err(_)) => "raised",
        };
        f.debug_struct("Future").field("state", &s).finish()
    }
}

fn panic_message(p: &(dyn std::any::Any + Send)) -> String {
    p.downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "<non-string panic payload>".into())
}

impl<T: Send + 'static> Default for Future<T> {
    fn default() -> Self {
        Self::pending()
    }
}

impl<T: Send + 'static> Future<T> {
    pub(crate) fn pending() -> Self {
        Future {
            inner: Arc::new(Inner {
                state: Mutex::new((State::Pending, Vec::new(), Vec::new())),
                cv: Condvar::new(),
            }),
        }
    }

    /// A hook that cancels the future if still pending; returns `true` once it is done.
    /// (Not in the loom build: loom's `Arc` has no `Weak`, and only the executor uses it.)
    #[cfg(not(portalis_loom))]
    pub(crate) fn cancel_hook(&self) -> CancelFn {
        let weak = Arc::downgrade(&self.inner);
        Box::new(move |cancel| match weak.upgrade() {
            Some(inner) => {
                let f = Future { inner };
                if cancel {
                    f.cancel();
                }
                f.done()
            }
            None => true,
        })
    }

    /// Runs `f` unless cancelled, storing its outcome.
    pub(crate) fn run(&self, f: impl FnOnce() -> T) {
        {
            let mut g = self.inner.state.lock().unwrap();
            match g.0 {
                State::Pending => g.0 = State::Running,
                _ => return, // cancelled
            }
        }
        let r = panic::catch_unwind(AssertUnwindSafe(f))
            .map_err(|p| FutureError::Panicked(panic_message(&*p)));
        self.finish(r);
    }

    /// A pending future that no executor runs (Python's `Future()`, for executor
    /// implementations and tests); complete it with [`set_result`](Self::set_result).
    pub fn new() -> Self {
        Self::pending()
    }

    /// Completes a pending or running future with `value` (Python's `set_result`); hands
    /// `value` back if the future is already done or cancelled (Python's
    /// `InvalidStateError`). A call the executor is still running keeps running, but its
    /// outcome is dropped.
    ///
    /// # Errors
    /// `Err(value)` when the future was already done.
    pub fn set_result(&self, value: T) -> Result<(), T> {
        let (callbacks, waiters) = {
            let mut g = self.inner.state.lock().unwrap();
            if let State::Done(_) = g.0 {
                return Err(value);
            }
            g.0 = State::Done(Ok(value));
            (std::mem::take(&mut g.1), std::mem::take(&mut g.2))
        };
        self.publish(callbacks, waiters);
        Ok(())
    }

    fn finish(&self, r: Result<T, FutureError>) {
        let (callbacks, waiters) = {
            let mut g = self.inner.state.lock().unwrap();
            if let State::Done(_) = g.0 {
                return; // completed by `set_result` meanwhile
            }
            g.0 = State::Done(r);
            (std::mem::take(&mut g.1), std::mem::take(&mut g.2))
        };
        self.publish(callbacks, waiters);
    }

    fn publish(&self, callbacks: Vec<Callback<T>>, waiters: Vec<Arc<Waiter>>) {
        self.inner.cv.notify_all();
        for w in waiters {
            w.notify();
        }
        for cb in callbacks {
            let _ = panic::catch_unwind(AssertUnwindSafe(|| cb(self)));
        }
    }

    /// Cancels the call if it has not started; `true` if the future is (now) cancelled.
    #[cfg_attr(
        portalis_seeded_bug = "future_cancel_two_phase",
        allow(unreachable_code)
    )]
    pub fn cancel(&self) -> bool {
        #[cfg(portalis_seeded_bug = "future_cancel_two_phase")]
        return self.cancel_two_phase();
        // Pending → cancelled in one critical section, so neither `run` nor `set_result` can
        // come in between. (It used to reserve the state as `Running` and publish `Cancelled`
        // after unlocking: a `set_result` in that window won, yet `cancel` returned `true`,
        // and a second `cancel` in it returned `false`. The linearizability checker found it:
        // verify/tests/lin_sync.rs `lin_executor_future`; loom: verify/tests/loom_future.rs
        // `loom_future_cancel_races_set_result`.)
        let (callbacks, waiters) = {
            let mut g = self.inner.state.lock().unwrap();
            match g.0 {
                State::Pending => {}
                State::Done(Err(FutureError::Cancelled)) => return true,
                _ => return false,
            }
            g.0 = State::Done(Err(FutureError::Cancelled));
            (std::mem::take(&mut g.1), std::mem::take(&mut g.2))
        };
        self.publish(callbacks, waiters);
        true
    }

    /// The negative control of `loom_future_cancel_races_set_result` (verify/scripts/
    /// controls.sh): the old two-step cancel, which let a `set_result` win after `cancel`
    /// had decided to return `true`. Compiled only with that seeded bug, in model builds.
    #[cfg(portalis_seeded_bug = "future_cancel_two_phase")]
    fn cancel_two_phase(&self) -> bool {
        {
            let g = self.inner.state.lock().unwrap();
            match g.0 {
                State::Pending => {}
                State::Done(Err(FutureError::Cancelled)) => return true,
                _ => return false,
            }
        }
        let mut g = self.inner.state.lock().unwrap();
        if let State::Pending = g.0 {
            g.0 = State::Running;
            drop(g);
            self.finish(Err(FutureError::Cancelled));
            return true;
        }
        false
    }

    /// `true` if cancelled.
    pub fn cancelled(&self) -> bool {
        matches!(
            self.inner.state.lock().unwrap().0,
            State::Done(Err(FutureError::Cancelled))
        )
    }

    /// `true` while the call runs.
    pub fn running(&self) -> bool {
        matches!(self.inner.state.lock().unwrap().0, State::Running)
    }

    /// `true` once finished, failed or cancelled.
    pub fn done(&self) -> bool {
        matches!(self.inner.state.lock().unwrap().0, State::Done(_))
    }

    /// Calls `f(&future)` when the future is done (at once if it already is).
    pub fn add_done_callback(&self, f: impl FnOnce(&Future<T>) + Send + 'static) {
        let mut g = self.inner.state.lock().unwrap();
        if let State::Done(_) = g.0 {
            drop(g);
            f(self);
        } else {
            g.1.push(Box::new(f));
        }
    }

    fn wait_done(&self, timeout: Option<Duration>) -> Result<(), FutureError> {
        #[cfg(all(target_arch = "wasm32", target_feature = "atomics"))]
        if !portalis_primitives::futex::can_block() {
            return self.wait_done_on_main_thread(timeout);
        }
        let deadline = timeout.and_then(|t| Instant::now().checked_add(t));
        let mut g = self.inner.state.lock().unwrap();
        loop {
            if let State::Done(_) = g.0 {
                return Ok(());
            }
            match deadline {
                None => g = self.inner.cv.wait(g).unwrap(),
                Some(d) => {
                    let now = Instant::now();
                    if now >= d {
                        return Err(FutureError::Timeout);
                    }
                    g = self.inner.cv.wait_timeout(g, d - now).unwrap().0;
                }
            }
        }
    }

    /// `wait_done` on the browser's main thread, where the std `Condvar` would trap: waits on
    /// a word that a done-callback sets, through `futex::wait`, which suspends inside
    /// `web::run_blocking` (JSPI, ADR 110) and otherwise busy-waits in bounded spins (ADR 015).
    #[cfg(all(target_arch = "wasm32", target_feature = "atomics"))]
    fn wait_done_on_main_thread(&self, timeout: Option<Duration>) -> Result<(), FutureError> {
        use portalis_primitives::futex;
        use portalis_primitives::sync::atomic::{
            AtomicU32,
            Ordering::{Acquire, Release},
        };
        let deadline = timeout.and_then(|t| Instant::now().checked_add(t));
        let done = Arc::new(AtomicU32::new(0));
        let d2 = done.clone();
        self.add_done_callback(move |_| {
            // Release: pairs with the Acquire load below.
            d2.store(1, Release);
            futex::wake_all(&d2);
        });
        // Acquire: pairs with the Release store in the callback.
        while done.load(Acquire) == 0 {
            let left = match deadline {
                None => None,
                Some(d) => match d.checked_duration_since(Instant::now()) {
                    Some(left) if !left.is_zero() => Some(left),
                    _ => return Err(FutureError::Timeout),
                },
            };
            // `MainThreadCannotBlock` (no JSPI here): its bounded spin ran; spin again.
            let _ = futex::wait(&done, 0, left);
        }
        Ok(())
    }

    /// Waits up to `timeout` (`None` = forever) and returns the value.
    ///
    /// # Errors
    /// [`FutureError::Timeout`], [`FutureError::Cancelled`], or [`FutureError::Panicked`].
    pub fn result(&self, timeout: Option<Duration>) -> Result<T, FutureError>
    where
        T: Clone,
    {
        self.wait_done(timeout)?;
        match &self.inner.state.lock().unwrap().0 {
            State::Done(r) => r.clone(),
            _ => unreachable!(),
        }
    }

    /// Waits up to `timeout`; the panic message if the call panicked, else `None`.
    ///
    /// # Errors
    /// [`FutureError::Timeout`] or [`FutureError::Cancelled`].
    pub fn exception(&self, timeout: Option<Duration>) -> Result<Option<String>, FutureError> {
        self.wait_done(timeout)?;
        match &self.inner.state.lock().unwrap().0 {
            State::Done(Err(FutureError::Panicked(m))) => Ok(Some(m.clone())),
            State::Done(Err(e)) => Err(e.clone()),
            _ => Ok(None),
        }
    }

    fn add_waiter(&self, w: &Arc<Waiter>) -> bool {
        let mut g = self.inner.state.lock().unwrap();
        if let State::Done(_) = g.0 {
            return true;
        }
        g.2.push(w.clone());
        false
    }

    /// Unregisters `w` (a `wait` or `as_completed` that returned before this future finished),
    /// so repeated timed waits on a long-running future do not pile up waiters.
    fn remove_waiter(&self, w: &Arc<Waiter>) {
        self.inner
            .state
            .lock()
            .unwrap()
            .2
            .retain(|x| !Arc::ptr_eq(x, w));
    }

    fn failed(&self) -> bool {
        matches!(
            self.inner.state.lock().unwrap().0,
            State::Done(Err(FutureError::Panicked(_)))
        )
    }
}

/// A waiter registered on every future of a `wait` / `as_completed` call; unregistered on drop.
struct Registration<'a, T: Send + 'static> {
    fs: &'a [Future<T>],
    waiter: Arc<Waiter>,
}

impl<'a, T: Send + 'static> Registration<'a, T> {
    fn new(fs: &'a [Future<T>]) -> Self {
        let waiter = Arc::new(Waiter::new());
        for f in fs {
            f.add_waiter(&waiter);
        }
        Registration { fs, waiter }
    }
}

impl<T: Send + 'static> Drop for Registration<'_, T> {
    fn drop(&mut self) {
        for f in self.fs {
            f.remove_waiter(&self.waiter);
        }
    }
}

/// When [`wait`] returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReturnWhen {
    /// As soon as any future is done.
    FirstCompleted,
    /// As soon as any future panicked, or all are done.
    FirstException,
    /// When all are done.
    AllCompleted,
}

/// What [`wait`] found.
#[derive(Debug)]
pub struct WaitOutcome<T> {
    /// Futures that are done.
    pub done: Vec<Future<T>>,
    /// Futures still pending or running.
    pub not_done: Vec<Future<T>>,
}

/// Waits for `fs` per `return_when`, up to `timeout`; never errors (like Python's `wait`).
pub fn wait<T: Send + 'static>(
    fs: &[Future<T>],
    timeout: Option<Duration>,
    return_when: ReturnWhen,
) -> WaitOutcome<T> {
    let reg = Registration::new(fs);
    let waiter = &reg.waiter;
    let deadline = timeout.and_then(|t| Instant::now().checked_add(t));
    let satisfied = || {
        let done = fs.iter().filter(|f| f.done()).count();
        match return_when {
            ReturnWhen::AllCompleted => done == fs.len(),
            ReturnWhen::FirstCompleted => done > 0 || fs.is_empty(),
            ReturnWhen::FirstException => done == fs.len() || fs.iter().any(|f| f.failed()),
        }
    };
    #[cfg(all(target_arch = "wasm32", target_feature = "atomics"))]
    if Waiter::on_main_thread() {
        let _ = waiter.wait_on_main_thread(deadline, satisfied);
        drop(reg);
        let (done, not_done) = fs.iter().cloned().partition(|f| f.done());
        return WaitOutcome { done, not_done };
    }
    let mut g = waiter.count.lock().unwrap();
    while !satisfied() {
        match deadline {
            None => g = waiter.cv.wait(g).unwrap(),
            Some(d) => {
                let now = Instant::now();
                if now >= d {
                    break;
                }
                g = waiter.cv.wait_timeout(g, d - now).unwrap().0;
            }
        }
    }
    drop(g);
    drop(reg);
    let (done, not_done) = fs.iter().cloned().partition(|f| f.done());
    WaitOutcome { done, not_done }
}

/// Yields each future as it completes; an `Err(Timeout)` item ends the iteration when
/// `timeout` (from the call) elapses first.
///
/// # Examples
/// ```
/// use portalis_scheduler::executor::{as_completed, ThreadPoolExecutor};
/// let ex = ThreadPoolExecutor::new(2).unwrap();
/// let fs: Vec<_> = (0..3).map(|i| ex.submit(move || i).unwrap()).collect();
/// let mut got: Vec<i32> = as_completed(&fs, None).map(|f| f.unwrap().result(None).unwrap()).collect();
/// got.sort();
/// assert_eq!(got, [0, 1, 2]);
/// ```
pub fn as_completed<T: Send + 'static>(
    fs: &[Future<T>],
    timeout: Option<Duration>,
) -> impl Iterator<Item = Result<Future<T>, FutureError>> + '_ {
    let reg = Registration::new(fs);
    let deadline = timeout.and_then(|t| Instant::now().checked_add(t));
    let mut yielded = vec![false; fs.len()];
    let mut finished = false;
    std::iter::from_fn(move || {
        if finished || yielded.iter().all(|&y| y) {
            return None;
        }
        let waiter = &reg.waiter;
        #[cfg(all(target_arch = "wasm32", target_feature = "atomics"))]
        if Waiter::on_main_thread() {
            let mut found = None;
            let _ = waiter.wait_on_main_thread(deadline, || {
                found = (0..fs.len()).find(|&i| !yielded[i] && fs[i].done());
                found.is_some()
            });
            if let Some(i) = found {
                yielded[i] = true;
                return Some(Ok(fs[i].clone()));
            }
            finished = true;
            return Some(Err(FutureError::Timeout));
        }
        let mut g = waiter.count.lock().unwrap();
        loop {
            if let Some(i) = (0..fs.len()).find(|&i| !yielded[i] && fs[i].done()) {
                yielded[i] = true;
                return Some(Ok(fs[i].clone()));
            }
            match deadline {
                None => g = waiter.cv.wait(g).unwrap(),
                Some(d) => {
                    let now = Instant::now();
                    if now >= d {
                        finished = true;
                        return Some(Err(FutureError::Timeout));
                    }
                    g = waiter.cv.wait_timeout(g, d - now).unwrap().0;
                }
            }
        }
    })
}

#[cfg(all(test, not(any(portalis_loom, portalis_shuttle))))]
mod tests {
    use super::{as_completed, wait, Future, FutureError, ReturnWhen};
    use std::time::Duration;

    fn waiters(f: &Future<u32>) -> usize {
        f.inner.state.lock().unwrap().2.len()
    }

    /// Timed `wait`s and dropped `as_completed` iterators on a future that never finishes
    /// leave no waiter registered on it (they used to accumulate, one per call).
    #[test]
    fn returning_waits_unregister_their_waiter() {
        let f = Future::<u32>::pending();
        for _ in 0..50 {
            let out = wait(
                std::slice::from_ref(&f),
                Some(Duration::from_micros(10)),
                ReturnWhen::FirstCompleted,
            );
            assert_eq!(out.not_done.len(), 1);
        }
        assert_eq!(waiters(&f), 0);
        {
            let fs = [f.clone()];
            let mut it = as_completed(&fs, Some(Duration::from_micros(10)));
            assert!(matches!(it.next(), Some(Err(FutureError::Timeout))));
            assert_eq!(waiters(&f), 1, "registered while the iterator lives");
        }
        assert_eq!(waiters(&f), 0);
        f.run(|| 3);
        assert_eq!(f.result(None), Ok(3));
    }
}
