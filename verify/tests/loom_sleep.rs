//! Loom models of the sleep protocol (`scheduler/src/sleep/PROTOCOL.md`). The model futex
//! really blocks, so a lost wake-up is a deadlock loom reports. Run with
//! `bash verify/scripts/loom.sh --test loom_sleep`.
#![cfg(portalis_loom)]

use loom::sync::Arc;
use loom::thread;
use portalis_primitives::sync::atomic::{
    fence, AtomicU32,
    Ordering::{Acquire, Relaxed, Release, SeqCst},
};
use portalis_scheduler::model::Sleep;
use portalis_verify::model::loom_model;

/// Preemption bound of the models in this file that do not state their own (loom explores
/// every interleaving with at most this many preemptions; the CI budget keeps it at 2).
const BOUND: usize = 2;

/// Takes one job from a counter-queue; `true` if it got one.
fn take(q: &AtomicU32) -> bool {
    let mut n = q.load(Acquire); // Acquire: pairs with the Release push.
    while n > 0 {
        match q.compare_exchange(n, n - 1, Acquire, Acquire) {
            Ok(_) => return true,
            Err(m) => n = m,
        }
    }
    false
}

/// Worker `i`'s loop: take a job or sleep (S1 is a single failed search; S2–S5 by `sleep`).
fn run_worker(sleep: &Sleep, q: &AtomicU32, i: usize) {
    loop {
        if take(q) {
            return;
        }
        sleep.sleep(i, || q.load(Acquire) == 0); // Acquire: as in `take`.
    }
}

/// P1–P3 against S2–S5: a push while the worker goes to sleep is never lost.
#[test]
fn loom_sleep_push_while_worker_sleeps() {
    loom_model(BOUND, || {
        let sleep = Arc::new(Sleep::new(1));
        let q = Arc::new(AtomicU32::new(0));
        let (s2, q2) = (sleep.clone(), q.clone());
        let w = thread::spawn(move || run_worker(&s2, &q2, 0));
        q.fetch_add(1, Release); // P1. Release: pairs with the Acquire in `take`.
        sleep.new_jobs(); // P2–P3
        w.join().unwrap();
        assert_eq!(q.load(Relaxed), 0);
    });
}

/// Two workers, two pushes from one thread: both jobs are taken, nobody sleeps forever
/// (every wake goes to a distinct announced sleeper or the job is seen in S4).
#[test]
fn loom_sleep_two_workers_two_pushes() {
    loom_model(BOUND, || {
        let sleep = Arc::new(Sleep::new(2));
        let q = Arc::new(AtomicU32::new(0));
        let ws: Vec<_> = (0..2)
            .map(|i| {
                let (s, q) = (sleep.clone(), q.clone());
                thread::spawn(move || run_worker(&s, &q, i))
            })
            .collect();
        for _ in 0..2 {
            q.fetch_add(1, Release); // P1. Release: pairs with the Acquire in `take`.
            sleep.new_jobs();
        }
        for w in ws {
            w.join().unwrap();
        }
    });
}

/// L1–L3: a latch set while its owner goes to sleep wakes the owner.
#[test]
fn loom_sleep_latch_set_while_owner_sleeps() {
    loom_model(BOUND, || {
        let sleep = Arc::new(Sleep::new(1));
        let latch = Arc::new(AtomicU32::new(0));
        let (s2, l2) = (sleep.clone(), latch.clone());
        let owner = thread::spawn(move || {
            // Acquire: pairs with the setter's Release store.
            while l2.load(Acquire) == 0 {
                s2.sleep(0, || l2.load(Acquire) == 0);
            }
        });
        latch.store(1, Release); // L2. Release: pairs with the owner's Acquire load.
        fence(SeqCst); // L2: pairs with S3.
        sleep.wake_specific(0); // L3
        owner.join().unwrap();
    });
}

/// T1: terminate wakes every sleeper.
#[test]
fn loom_sleep_terminate_wakes_all() {
    loom_model(BOUND, || {
        let sleep = Arc::new(Sleep::new(2));
        let stop = Arc::new(AtomicU32::new(0));
        let ws: Vec<_> = (0..2)
            .map(|i| {
                let (s, stop) = (sleep.clone(), stop.clone());
                thread::spawn(move || {
                    // Acquire: pairs with the Release store below.
                    while stop.load(Acquire) == 0 {
                        s.sleep(i, || stop.load(Acquire) == 0);
                    }
                })
            })
            .collect();
        stop.store(1, Release); // T1. Release: pairs with the workers' Acquire loads.
        sleep.wake_all();
        for w in ws {
            w.join().unwrap();
        }
    });
}
