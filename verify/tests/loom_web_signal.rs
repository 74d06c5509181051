//! Loom models of `CallSignal` (`scheduler/src/registry/signal.rs`, ADR 115): an awaited pool
//! call (`ThreadPool::install_async` in the browser) waits on one word that its job's
//! completion and a worker's death both bump. The waiter here blocks in `futex::wait` where
//! the browser awaits `futex::wait_async`: both return at once when the word differs from the
//! value passed, which is the property the protocol relies on. A lost wake-up is a reported
//! deadlock. Controls: `call_signal_read_late`, and `call_signal_checks_waiters_first` for the
//! waiter check that lets `signal` skip its wake-up when nobody waits (ADR 126)
//! (verify/scripts/controls.sh).
#![cfg(portalis_loom)]

use loom::sync::Arc;
use loom::thread;
use portalis_primitives::futex;
use portalis_primitives::sync::atomic::{AtomicU32, Ordering::Release};
use portalis_scheduler::model::{CallSignal, Step};
use portalis_verify::model::{block_on, loom_model};

/// Preemption bound of the models in this file.
const BOUND: usize = 3;

/// The awaited call's loop: check; if there is nothing yet, announce (signal.rs W1, ADR 126),
/// check again, and wait on the word with the value read before that second check.
fn await_call(sig: &CallSignal, done: &AtomicU32, deaths0: u32) -> Step {
    loop {
        let first = sig.check(done, deaths0);
        if let Step::Wait(_) = first {
            let _announced = sig.waiting();
            match sig.check(done, deaths0) {
                Step::Wait(seen) => {
                    let _ = futex::wait(sig.word(), seen, None);
                }
                outcome => return outcome,
            }
        } else {
            return first;
        }
    }
}

/// How a model's call waits: blocking (`await_call`) or awaiting (`await_call_async`).
type Waiter = fn(&CallSignal, &AtomicU32, u32) -> Step;

/// The completion scenario: a job on another thread publishes its result and signals; the
/// call must wake and see `Done` (no death happened).
fn completion_wakes(wait: Waiter) {
    loom_model(BOUND, move || {
        let sig = Arc::new(CallSignal::new());
        let done = Arc::new(AtomicU32::new(0));
        let deaths0 = sig.deaths();
        let (s2, d2) = (sig.clone(), done.clone());
        let job = thread::spawn(move || {
            // Release: pairs with the Acquire load in `CallSignal::check`.
            d2.store(1, Release);
            s2.signal();
        });
        assert_eq!(wait(&sig, &done, deaths0), Step::Done);
        job.join().unwrap();
    });
}

/// The death scenario: a worker dies on another thread (and, with `other_completion`, an
/// unrelated call completes at the same time); the call must wake and see `Died`.
fn death_wakes(wait: Waiter, other_completion: bool) {
    loom_model(BOUND, move || {
        let sig = Arc::new(CallSignal::new());
        let done = Arc::new(AtomicU32::new(0));
        let deaths0 = sig.deaths();
        let s2 = sig.clone();
        let dying = thread::spawn(move || s2.died());
        // Another call's completion, if asked for.
        let other = other_completion.then(|| {
            let s3 = sig.clone();
            thread::spawn(move || s3.signal())
        });
        assert_eq!(wait(&sig, &done, deaths0), Step::Died);
        dying.join().unwrap();
        if let Some(other) = other {
            other.join().unwrap();
        }
        assert_eq!(sig.deaths(), deaths0 + 1);
    });
}

/// Property: a job completing on another thread always wakes the waiting call, which sees
/// `Done` (no death happened).
#[test]
fn loom_call_signal_completion_wakes_waiter() {
    completion_wakes(await_call);
}

/// Property: a worker death on another thread always wakes the waiting call, which then
/// returns (`Died`), while an unrelated job may complete at the same time (then either
/// outcome is allowed, but the call never sleeps forever).
#[test]
fn loom_call_signal_death_wakes_waiter() {
    death_wakes(await_call, true);
}

/// The awaited call's loop as the browser runs it since ADR 118: the same check, but waiting
/// in `futex::wait_future` (the waker table the `futex::wake_all` in `signal` visits) instead
/// of a blocking wait. Run under `block_on`, which parks the loom thread until its waker is
/// called, so a wake-up the table misses is a deadlock loom reports.
async fn await_call_async(sig: &CallSignal, done: &AtomicU32, deaths0: u32) -> Step {
    loop {
        let first = sig.check(done, deaths0);
        if let Step::Wait(_) = first {
            let _announced = sig.waiting();
            match sig.check(done, deaths0) {
                Step::Wait(seen) => futex::wait_future(sig.word(), seen).await,
                outcome => return outcome,
            }
        } else {
            return first;
        }
    }
}

/// `await_call_async` run to completion under `block_on`, as a [`Waiter`].
fn await_call_blocked_on(sig: &CallSignal, done: &AtomicU32, deaths0: u32) -> Step {
    block_on(await_call_async(sig, done, deaths0))
}

/// Property: as `loom_call_signal_completion_wakes_waiter`, with the waiter awaiting
/// `futex::wait_future` (`ThreadPool::install_async` in the browser).
/// Controls: `call_signal_read_late`, `call_signal_checks_waiters_first`. (The waker table's
/// own fence, control `async_wake_skips_fence`, is no longer needed here: `signal`'s fence
/// (signal.rs W2) comes before the table's load too, so that control passes here since ADR
/// 126; `loom_async.rs` still catches it.)
#[test]
fn loom_call_signal_async_completion_wakes_waiter() {
    completion_wakes(await_call_blocked_on);
}

/// Property: as `loom_call_signal_death_wakes_waiter`, with the waiter awaiting
/// `futex::wait_future`, but without the concurrent unrelated completion: with a third thread
/// the waker table's spin lock makes loom exceed its branch limit. Control:
/// `call_signal_read_late`.
#[test]
fn loom_call_signal_async_death_wakes_waiter() {
    death_wakes(await_call_blocked_on, false);
}
