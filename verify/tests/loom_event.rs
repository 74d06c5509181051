//! Loom models of `Event`, `Latch`, `WaitGroup`, `Once`/`OnceLock`, `AtomicCell` and
//! `SharedState`: no lost wake-up, and publication of what was written before the signal.
#![cfg(portalis_loom)]

use loom::sync::Arc;
use loom::thread;
use portalis_primitives::{AtomicCell, Event, Latch, OnceLock, SharedState, WaitGroup};
use portalis_verify::model::loom_model;
use std::time::Duration;

/// Preemption bound of the models in this file that do not state their own (loom explores
/// every interleaving with at most this many preemptions; the CI budget keeps it at 2).
const BOUND: usize = 2;

#[test]
fn loom_event_set_wakes_waiter() {
    loom_model(BOUND, || {
        let e = Arc::new(Event::new());
        let e2 = e.clone();
        let t = thread::spawn(move || e2.set());
        e.wait();
        assert!(e.is_set());
        t.join().unwrap();
    });
}

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

#[test]
fn loom_once_lock_single_init() {
    loom_model(BOUND, || {
        let c = Arc::new(OnceLock::new());
        let c2 = c.clone();
        let t = thread::spawn(move || *c2.get_or_init(|| 1u32));
        let mine = *c.get_or_init(|| 2u32);
        let theirs = t.join().unwrap();
        assert_eq!(mine, theirs);
    });
}

#[test]
fn loom_atomic_cell_updates() {
    loom_model(BOUND, || {
        let c = Arc::new(AtomicCell::new(0u64));
        let c2 = c.clone();
        let t = thread::spawn(move || {
            c2.fetch_update(|x| Some(x + 1)).unwrap();
        });
        c.fetch_update(|x| Some(x + 1)).unwrap();
        t.join().unwrap();
        assert_eq!(c.load(), 2);
    });
}

#[test]
fn loom_shared_state_change_is_seen() {
    loom_model(BOUND, || {
        let s = SharedState::new(0u32);
        let s2 = s.clone();
        let t = thread::spawn(move || s2.set(5));
        let v = s.wait_changed(0, Duration::MAX);
        assert_eq!(v, 1);
        assert_eq!(s.get(), 5);
        t.join().unwrap();
    });
}
