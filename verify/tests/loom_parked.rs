//! Loom models of the portable parked futex backend (`primitives/src/futex/parked.rs`), the
//! production backend on macOS, Windows, FreeBSD and wasip1 (under the models it is compiled
//! beside `model.rs`, with one bucket and its timed path stubbed: a timed wait times out at its
//! first check). Loom's `park` blocks for real, so a lost wake-up is a reported deadlock.
//! Run with `bash verify/scripts/loom.sh`.
#![cfg(portalis_loom)]

use loom::sync::Arc;
use loom::thread;
use portalis_primitives::futex::{parked, WaitResult};
use portalis_primitives::sync::atomic::{
    AtomicU32,
    Ordering::{Acquire, Release},
};
use portalis_verify::model::{loom_model, Payload};
use std::time::Duration;

/// Waits on the parked table until `word` is non-zero (the contract's re-check loop).
fn wait_nonzero(word: &AtomicU32) {
    // Acquire: pairs with the waker's Release store (the futex itself orders nothing).
    while word.load(Acquire) == 0 {
        let _ = parked::wait(word, 0, None).unwrap();
    }
}

/// Publishes 1 in `word` and wakes one waiter.
fn publish_and_wake_one(word: &AtomicU32) {
    // Release: pairs with the Acquire re-check in `wait_nonzero`.
    word.store(1, Release);
    parked::wake_one(word);
}

/// Property: no lost wake-up (protocol steps 1, 2, 4). A waiter on a spawned thread against a
/// store + `wake_one` on the main thread always returns. Control: `parked_check_outside_lock`.
#[test]
fn loom_parked_wake_one_spawned_waiter() {
    loom_model(2, || {
        let word = Arc::new(AtomicU32::new(0));
        let w = word.clone();
        let t = thread::spawn(move || wait_nonzero(&w));
        publish_and_wake_one(&word);
        t.join().unwrap();
    });
}

/// As [`loom_parked_wake_one_spawned_waiter`] with the roles swapped (the waiter on the main
/// thread): the preemption bound explores different orders from each side.
#[test]
fn loom_parked_wake_one_main_waiter() {
    loom_model(2, || {
        let word = Arc::new(AtomicU32::new(0));
        let w = word.clone();
        let t = thread::spawn(move || publish_and_wake_one(&w));
        wait_nonzero(&word);
        t.join().unwrap();
    });
}

/// Property: `wake_all` wakes every waiter of the word, and a waiter of another word sharing
/// the bucket (there is one bucket under the models) is not taken by mistake: two waiters on
/// `a`, and `b`'s wake-up, which must not consume `a`'s. Payload carries the data the waker
/// published (the re-check's Acquire is what orders it).
#[test]
fn loom_parked_wake_all_two_waiters() {
    loom_model(2, || {
        let a = Arc::new(AtomicU32::new(0));
        let data = Arc::new(Payload::new());
        let ts: Vec<_> = (0..2)
            .map(|_| {
                let (a, data) = (a.clone(), data.clone());
                thread::spawn(move || {
                    wait_nonzero(&a);
                    assert_eq!(data.read(), 7);
                })
            })
            .collect();
        let b = AtomicU32::new(0);
        parked::wake_all(&b); // another word: must leave a's waiters registered
        data.write(7);
        // Release: pairs with the Acquire re-check in `wait_nonzero`.
        a.store(1, Release);
        parked::wake_all(&a);
        for t in ts {
            t.join().unwrap();
        }
    });
}

/// Property (step 3): a timed wait that times out leaves no node behind, so a later
/// `wake_one` reaches the next waiter instead of spending itself on a thread that left. A
/// timed waiter runs (and times out) first; then an untimed waiter and a waker race.
/// Control: `parked_timeout_keeps_node` (the stale node takes the wake-up: deadlock).
#[test]
fn loom_parked_timeout_leaves_no_node() {
    loom_model(2, || {
        let word = Arc::new(AtomicU32::new(0));
        let w = word.clone();
        let timed = thread::spawn(move || parked::wait(&w, 0, Some(Duration::from_millis(1))));
        // Nobody wakes the timed waiter: it can only time out (the stub's first check).
        assert_eq!(timed.join().unwrap(), Ok(WaitResult::TimedOut));
        let w = word.clone();
        let t = thread::spawn(move || wait_nonzero(&w));
        publish_and_wake_one(&word);
        t.join().unwrap();
    });
}

/// Property (step 3): a timed wait racing a waker ends either way without a hang and reports
/// `Woken` when the waker removed its node first; the word's value decides the re-check.
#[test]
fn loom_parked_timeout_races_wake() {
    loom_model(2, || {
        let word = Arc::new(AtomicU32::new(0));
        let w = word.clone();
        let t = thread::spawn(move || publish_and_wake_one(&w));
        let r = parked::wait(&word, 0, Some(Duration::from_millis(1))).unwrap();
        t.join().unwrap();
        let _ = r; // either outcome is allowed; what matters is what the table holds now
                   // Either way no node of ours is left: one more waiter is woken by one more wake.
        let w = word.clone();
        let t = thread::spawn(move || {
            // Release: pairs with the Acquire load below.
            w.store(2, Release);
            parked::wake_one(&w);
        });
        while word.load(Acquire) != 2 {
            let _ = parked::wait(&word, 1, None).unwrap();
        }
        t.join().unwrap();
    });
}
