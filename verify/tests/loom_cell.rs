//! Loom models of `AtomicCell` (`atomic_cell.rs`) and `SharedState`: no lost update, and a
//! change is seen by a waiter.
#![cfg(portalis_loom)]

use loom::sync::Arc;
use loom::thread;
use portalis_verify::model::loom_model;

/// Preemption bound of the models in this file that do not state their own.
const BOUND: usize = 2;

use portalis_primitives::{AtomicCell, SharedState};
use std::time::Duration;

/// Property: two racing `fetch_update`s are both applied (no lost update).
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

/// Property: `wait_changed` from version 0 returns the next version once `set` runs, and
/// the new value is visible; a `Duration::MAX` wait is never a model timeout.
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
