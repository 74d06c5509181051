//! `Timer`: call a function after a delay unless cancelled first (Python's `threading.Timer`).

use crate::thread::{Thread, ThreadError, ThreadHandle};
use portalis_primitives::stdlike::{Condvar, Mutex};
use portalis_primitives::sync::Arc;
use portalis_primitives::time::Instant;
use std::fmt;
use std::time::Duration;

/// A cancelable delayed call on its own thread.
///
/// # Examples
/// ```
/// use portalis_scheduler::executor::Timer;
/// use std::time::Duration;
/// let (tx, rx) = std::sync::mpsc::channel();
/// let t = Timer::start(Duration::from_millis(5), move || tx.send(1).unwrap()).unwrap();
/// assert_eq!(rx.recv().unwrap(), 1);
/// t.join();
/// ```
pub struct Timer {
    cancel: Arc<(Mutex<bool>, Condvar)>,
    handle: Option<ThreadHandle<bool>>,
}

impl fmt::Debug for Timer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Timer").finish_non_exhaustive()
    }
}

impl Timer {
    /// Starts the timer: `f` runs after `delay` unless [`cancel`](Self::cancel) comes first.
    ///
    /// # Errors
    /// [`ThreadError::Spawn`] when the timer thread cannot start.
    pub fn start(delay: Duration, f: impl FnOnce() + Send + 'static) -> Result<Timer, ThreadError> {
        let cancel = Arc::new((Mutex::new(false), Condvar::new()));
        let c2 = cancel.clone();
        let handle = Thread::spawn(move || {
            let deadline = Instant::now().checked_add(delay);
            let (m, cv) = &*c2;
            let mut cancelled = m.lock().unwrap();
            loop {
                if *cancelled {
                    return false;
                }
                let now = Instant::now();
                match deadline {
                    Some(d) if now < d => {
                        cancelled = cv.wait_timeout(cancelled, d - now).unwrap().0
                    }
                    Some(_) => break,
                    None => cancelled = cv.wait(cancelled).unwrap(),
                }
            }
            drop(cancelled);
            f();
            true
        })?;
        Ok(Timer {
            cancel,
            handle: Some(handle),
        })
    }

    /// Stops the timer if it has not fired yet.
    pub fn cancel(&self) {
        *self.cancel.0.lock().unwrap() = true;
        self.cancel.1.notify_all();
    }

    /// Waits for the timer thread; `true` if the function ran.
    pub fn join(mut self) -> bool {
        self.handle
            .take()
            .map(|h| h.join().unwrap_or(false))
            .unwrap_or(false)
    }
}
