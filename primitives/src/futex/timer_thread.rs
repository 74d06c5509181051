//! [`sleep_until`] on std targets with threads (natively, `wasm32-wasip1-threads`): one timer
//! thread per process wakes the futures at their deadlines (ADR 122), as async-io's and
//! smol's timer thread does, without a runtime.
//!
//! # Protocol (step numbers are cited in the code)
//! 1. **Register** (a [`Sleep`]'s poll before its deadline), under the table lock: insert
//!    `(deadline, key) -> waker` into a `BTreeMap` (or replace the waker of our key). If no
//!    timer thread runs, start one; if ours is now the earliest deadline, notify the thread,
//!    which may be sleeping until a later one.
//! 2. **Timer thread**, under the lock: remove every entry whose deadline has passed, and call
//!    their wakers after unlocking; then sleep on the condvar until the earliest deadline left
//!    (a notify from step 1 cuts that short). With no entry left it waits [`IDLE_EXIT`] more
//!    and then exits, clearing `running` under the lock (step 1 then starts a new one).
//! 3. **Poll again**: the future re-reads the clock; past the deadline it resolves (and drops
//!    its entry if it is still there: a spurious early poll), else step 1 again.
//! 4. **Cancel** (the future is dropped): remove our entry under the lock. A wake-up it was
//!    sent is not passed on: a deadline wakes only its own future, nobody else waits for it.
//!
//! No lost wake-up: the table lock orders step 1 against step 2. Either the thread's sweep
//! already saw our entry (it sleeps at most until our deadline), or the sweep comes after our
//! insert and notify (and then sleeps at most until our deadline too).
//!
//! If the thread cannot be started (the OS refuses one), the future falls back to waking
//! itself at once: it polls until the deadline rather than never resolving.

use crate::sync::{thread, Condvar, Mutex, MutexGuard};
use crate::time::Instant;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll, Waker};
use std::collections::BTreeMap;
use std::time::Duration;

/// How long an idle timer thread lingers before it exits (step 2). Heuristic: a `tick` or
/// repeated `after` loop re-arms within it, so the thread is not restarted per deadline;
/// an idle process keeps no thread for long.
const IDLE_EXIT: Duration = Duration::from_secs(1);

struct Table {
    /// Pending deadlines (`key` makes equal deadlines distinct) and their futures' wakers.
    entries: BTreeMap<(Instant, u64), Waker>,
    next_key: u64,
    /// A timer thread is running (set by the starter, cleared by the thread as it exits).
    running: bool,
    /// [`join_idle_timer`] asks an idle thread to exit now (cleared by a registration).
    stop: bool,
    /// The running (or last) thread, for [`join_idle_timer`].
    handle: Option<thread::JoinHandle<()>>,
}

static TABLE: Mutex<Table> = Mutex::new(Table {
    entries: BTreeMap::new(),
    next_key: 0,
    running: false,
    stop: false,
    handle: None,
});
/// Wakes the timer thread early: an earlier deadline arrived (step 1).
static EARLIER: Condvar = Condvar::new();

fn lock() -> MutexGuard<'static, Table> {
    // No user code runs under the lock (wakers are called after unlocking): nothing to poison.
    TABLE.lock().unwrap_or_else(|e| e.into_inner())
}

/// Step 2: the timer thread's loop.
fn run() {
    let mut g = lock();
    loop {
        let now = Instant::now();
        let mut due = Vec::new();
        while let Some(e) = g.entries.first_entry() {
            if e.key().0 > now {
                break;
            }
            due.push(e.remove());
        }
        if !due.is_empty() {
            drop(g);
            for w in due {
                w.wake();
            }
            g = lock();
            continue;
        }
        let next = g.entries.first_key_value().map(|(k, _)| k.0);
        match next {
            Some(d) => {
                g = EARLIER
                    .wait_timeout(g, d - now)
                    .unwrap_or_else(|e| e.into_inner())
                    .0;
            }
            None => {
                if !g.stop {
                    let (ng, r) = EARLIER
                        .wait_timeout(g, IDLE_EXIT)
                        .unwrap_or_else(|e| e.into_inner());
                    g = ng;
                    if !r.timed_out() && !g.stop {
                        continue;
                    }
                }
                if g.entries.is_empty() {
                    g.running = false;
                    return;
                }
            }
        }
    }
}

/// A future that resolves once [`Instant::now`] reaches `deadline`, woken by the timer thread.
#[must_use = "futures do nothing unless polled"]
#[derive(Debug)]
pub(crate) struct Sleep {
    deadline: Instant,
    /// Our entry's key while registered (steps 1–4).
    key: Option<u64>,
}

/// Sleeps until `deadline` without blocking the thread (see the module protocol).
pub(crate) fn sleep_until(deadline: Instant) -> Sleep {
    Sleep {
        deadline,
        key: None,
    }
}

impl Future for Sleep {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        // Wakers are cloned and dropped outside the lock: their code is the executor's.
        let waker = cx.waker().clone();
        let mut g = lock();
        if Instant::now() >= this.deadline {
            // Step 3.
            let stale = this
                .key
                .take()
                .and_then(|k| g.entries.remove(&(this.deadline, k)));
            drop(g);
            drop(stale);
            return Poll::Ready(());
        }
        // Step 1.
        g.stop = false;
        let key = *this.key.get_or_insert_with(|| {
            g.next_key += 1;
            g.next_key
        });
        let old = g.entries.insert((this.deadline, key), waker);
        let earliest = g.entries.first_key_value().map(|(k, _)| *k) == Some((this.deadline, key));
        if !g.running {
            let started = thread::Builder::new()
                .name("portalis-timer".into())
                .spawn(run);
            let Ok(handle) = started else {
                // No thread to wake us: poll again soon rather than never (module doc).
                let ours = g.entries.remove(&(this.deadline, key));
                this.key = None;
                drop(g);
                drop((old, ours));
                cx.waker().wake_by_ref();
                return Poll::Pending;
            };
            // A previous thread has exited (or is returning): dropping its handle detaches it.
            g.handle = Some(handle);
            g.running = true;
        } else if earliest {
            EARLIER.notify_one();
        }
        drop(g);
        drop(old);
        Poll::Pending
    }
}

/// Stops the timer thread if no deadline is pending, and waits until it has exited; returns
/// at once if a deadline is pending or no thread runs. For tests under miri, which reject a
/// process that ends while a thread is alive; a program never needs it (the thread exits by
/// itself after [`IDLE_EXIT`] idle).
pub fn join_idle_timer() {
    let handle = {
        let mut g = lock();
        if !g.entries.is_empty() {
            return;
        }
        g.stop = true;
        EARLIER.notify_one();
        g.handle.take()
    };
    if let Some(h) = handle {
        // The thread only returns (it runs no user code): a join error cannot happen.
        let _ = h.join();
    }
}

impl Drop for Sleep {
    fn drop(&mut self) {
        // Step 4.
        if let Some(k) = self.key {
            // The guard goes at the end of this statement, the waker after it (outside the lock).
            let waker = lock().entries.remove(&(self.deadline, k));
            drop(waker);
        }
    }
}
