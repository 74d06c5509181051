//! Loom models of the futex contract and the Parker. Run with
//! `bash verify/scripts/loom.sh --test loom_futex`.
#![cfg(portalis_loom)]

use loom::sync::Arc;
use loom::thread;
use portalis_primitives::futex;
use portalis_primitives::sync::atomic::{
    AtomicU32,
    Ordering::{Acquire, Release},
};
use portalis_primitives::Parker;
use portalis_verify::model::loom_model;

/// Preemption bound of the models in this file that do not state their own (loom explores
/// every interleaving with at most this many preemptions; the CI budget keeps it at 2).
const BOUND: usize = 2;

/// A waiter that saw 0 and a waker that stores 1 then wakes: the waiter always gets out (a
/// lost wake-up would be a deadlock loom reports).
#[test]
fn loom_futex_no_lost_wakeup() {
    loom_model(BOUND, || {
        let w = Arc::new(AtomicU32::new(0));
        let w2 = w.clone();
        let t = thread::spawn(move || {
            w2.store(1, Release); // Release: pairs with the Acquire load in the waiter loop.
            futex::wake_one(&w2);
        });
        while w.load(Acquire) == 0 {
            let _ = futex::wait(&w, 0, None);
        }
        t.join().unwrap();
    });
}

/// Two waiters, two wake_one calls after two increments: both get out.
#[test]
fn loom_futex_two_waiters_two_wakes() {
    loom_model(BOUND, || {
        let w = Arc::new(AtomicU32::new(0));
        let ws: Vec<_> = (0..2)
            .map(|_| {
                let w = w.clone();
                thread::spawn(move || loop {
                    let n = w.load(Acquire);
                    if n > 0 {
                        if w.compare_exchange(n, n - 1, Acquire, Acquire).is_ok() {
                            return;
                        }
                        continue;
                    }
                    let _ = futex::wait(&w, 0, None);
                })
            })
            .collect();
        for _ in 0..2 {
            w.fetch_add(1, Release); // Release: pairs with the waiters' Acquire load.
            futex::wake_one(&w);
        }
        for t in ws {
            t.join().unwrap();
        }
    });
}

/// Parker: an unpark racing a park is never lost.
#[test]
fn loom_parker_unpark_races_park() {
    loom_model(BOUND, || {
        let p = Parker::new();
        let u = p.unparker();
        let flag = Arc::new(AtomicU32::new(0));
        let f2 = flag.clone();
        let t = thread::spawn(move || {
            f2.store(1, Release); // Release: pairs with the Acquire load after park.
            u.unpark();
        });
        while flag.load(Acquire) == 0 {
            p.park().unwrap();
        }
        t.join().unwrap();
    });
}
