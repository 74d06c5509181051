//! Loom models of the executor future's state machine (`scheduler/src/executor/future.rs`,
//! compiled alone as `model_future` under loom and reached through
//! `portalis_scheduler::model`). The model's condvar really blocks, so a lost wake-up of
//! `result`, `wait` or `as_completed` is a deadlock loom reports. Run with
//! `bash verify/scripts/loom.sh`.
#![cfg(portalis_loom)]

use loom::sync::atomic::{AtomicU32, Ordering::SeqCst};
use loom::sync::Arc;
use loom::thread;
use portalis_scheduler::model::{as_completed, run_future, wait, Future, FutureError, ReturnWhen};
use portalis_verify::model::loom_model;

/// Preemption bound of every model in this file.
const BOUND: usize = 2;

/// Property: a `cancel` racing the worker's start either cancels the call (it never runs, the
/// result is `Cancelled`) or loses to it (the call runs once, the result is its value), never
/// both, and the future is done either way.
#[test]
fn loom_future_cancel_races_run() {
    loom_model(BOUND, || {
        let f = Future::<u32>::new();
        let ran = Arc::new(AtomicU32::new(0));
        let (f2, ran2) = (f.clone(), ran.clone());
        let t = thread::spawn(move || {
            run_future(&f2, || {
                ran2.fetch_add(1, SeqCst);
                5
            })
        });
        let cancelled = f.cancel();
        t.join().unwrap();
        assert!(f.done());
        if cancelled {
            assert!(f.cancelled());
            assert_eq!(ran.load(SeqCst), 0, "a cancelled call ran");
            assert_eq!(f.result(None), Err(FutureError::Cancelled));
        } else {
            assert_eq!(ran.load(SeqCst), 1);
            assert_eq!(f.result(None), Ok(5));
        }
    });
}

/// Property: `cancel` racing `set_result` — exactly one wins, and what `cancel` returned is
/// what the future holds afterwards. Regression: `cancel` used to reserve the state and
/// publish `Cancelled` after unlocking, so a `set_result` in between also succeeded while
/// `cancel` returned `true` (found by the linearizability checker, verify/tests/lin_sync.rs;
/// this model fails on that code).
#[test]
fn loom_future_cancel_races_set_result() {
    loom_model(BOUND, || {
        let f = Future::<u32>::new();
        let f2 = f.clone();
        let t = thread::spawn(move || f2.set_result(7).is_ok());
        let cancelled = f.cancel();
        let set = t.join().unwrap();
        assert_ne!(cancelled, set, "exactly one of cancel and set_result wins");
        if cancelled {
            assert_eq!(f.result(None), Err(FutureError::Cancelled));
        } else {
            assert_eq!(f.result(None), Ok(7));
        }
    });
}

/// Property: a done-callback added while the call finishes runs exactly once, after
/// completion; a `result` waiting meanwhile is woken (the condvar hand-off).
#[test]
fn loom_future_callback_races_finish_runs_once() {
    loom_model(BOUND, || {
        let f = Future::<u32>::new();
        let calls = Arc::new(AtomicU32::new(0));
        let f2 = f.clone();
        let t = thread::spawn(move || run_future(&f2, || 1));
        let c = calls.clone();
        f.add_done_callback(move |fut| {
            assert!(fut.done(), "callback before completion");
            c.fetch_add(1, SeqCst);
        });
        assert_eq!(f.result(None), Ok(1));
        t.join().unwrap();
        assert_eq!(calls.load(SeqCst), 1);
    });
}

/// Property: `wait(FIRST_COMPLETED)` returns once any future completes and
/// `wait(ALL_COMPLETED)` once both do; neither is left asleep by a completion.
#[test]
fn loom_future_wait_first_then_all() {
    loom_model(BOUND, || {
        let fs = [Future::<u32>::new(), Future::<u32>::new()];
        let ts: Vec<_> = fs
            .iter()
            .enumerate()
            .map(|(i, f)| {
                let f = f.clone();
                thread::spawn(move || run_future(&f, move || i as u32))
            })
            .collect();
        let first = wait(&fs, None, ReturnWhen::FirstCompleted);
        assert!(!first.done.is_empty());
        let all = wait(&fs, None, ReturnWhen::AllCompleted);
        assert_eq!(all.done.len(), 2);
        assert!(all.not_done.is_empty());
        for t in ts {
            t.join().unwrap();
        }
    });
}

/// Property: `as_completed` yields each future exactly once, including one that completes
/// while it waits.
#[test]
fn loom_future_as_completed_yields_each_once() {
    loom_model(BOUND, || {
        let fs = [Future::<u32>::new(), Future::<u32>::new()];
        let f1 = fs[1].clone();
        let t = thread::spawn(move || run_future(&f1, || 1));
        run_future(&fs[0], || 0);
        let mut got: Vec<u32> = as_completed(&fs, None)
            .map(|f| f.unwrap().result(None).unwrap())
            .collect();
        got.sort_unstable();
        assert_eq!(got, [0, 1]);
        t.join().unwrap();
    });
}
