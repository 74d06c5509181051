//! Loom models of `Latch` and `WaitGroup` (`latch.rs`): no lost wake-up on the last
//! count-down, and publication of what each counter wrote before it.
#![cfg(portalis_loom)]

use loom::sync::Arc;
use loom::thread;
use portalis_verify::model::loom_model;

/// Preemption bound of the models in this file that do not state their own.
const BOUND: usize = 2;

use portalis_primitives::{Latch, WaitGroup};
use portalis_verify::model::Payload;

/// Property: `wait` returns only after both count-downs (count 0), and the last count-down
/// wakes a sleeping waiter.
#[test]
fn loom_latch_two_count_downs() {
    loom_model(BOUND, || {
        let l = Arc::new(Latch::new(2));
        let ts: Vec<_> = (0..2)
            .map(|_| {
                let l = l.clone();
                thread::spawn(move || {
                    l.count_down();
                })
            })
            .collect();
        l.wait();
        assert_eq!(l.count(), 0);
        for t in ts {
            t.join().unwrap();
        }
    });
}

/// Property: `done` bringing the count to zero wakes a waiter asleep in `wait`.
#[test]
fn loom_waitgroup_done_wakes() {
    loom_model(BOUND, || {
        let wg = Arc::new(WaitGroup::new());
        wg.add(1).unwrap();
        let w2 = wg.clone();
        let t = thread::spawn(move || w2.done().unwrap());
        wg.wait();
        t.join().unwrap();
    });
}

/// Latch: every `count_down` → `wait` carries happens-before (two counters, both payloads
/// visible after the wait). Control: `latch_relaxed_count_down`.
#[test]
fn loom_hb_latch_count_down_wait() {
    loom_model(BOUND, || {
        let l = Arc::new(Latch::new(2));
        let data = Arc::new([Payload::new(), Payload::new()]);
        let ts: Vec<_> = (0..2)
            .map(|i| {
                let (l, data) = (l.clone(), data.clone());
                thread::spawn(move || {
                    data[i].write(i as u32 + 1);
                    l.count_down();
                })
            })
            .collect();
        l.wait();
        assert_eq!((data[0].read(), data[1].read()), (1, 2));
        for t in ts {
            t.join().unwrap();
        }
    });
}

/// Property (`latch.rs`: "the decrement that reaches zero ... wakes all"): two waiters, one
/// on main and one spawned, both return after a single count-down from a third thread (a
/// wake-one would leave one asleep: a deadlock loom reports).
#[test]
fn loom_claim_latch_count_down_wakes_every_waiter() {
    loom_model(BOUND, || {
        let l = Arc::new(Latch::new(1));
        let (l2, l3) = (l.clone(), l.clone());
        let w = thread::spawn(move || l2.wait());
        let c = thread::spawn(move || l3.count_down());
        l.wait();
        w.join().unwrap();
        c.join().unwrap();
    });
}
