//! Loom models of `Condvar`: notify-before-wait (the flag protocol still gets out), no lost
//! wake-up, and no spurious return.
#![cfg(portalis_loom)]

use loom::sync::Arc;
use loom::thread;
use portalis_primitives::{Condvar, Mutex};
use portalis_verify::model::loom_model;

/// Preemption bound of the models in this file that do not state their own (loom explores
/// every interleaving with at most this many preemptions; the CI budget keeps it at 2).
const BOUND: usize = 2;

/// The notifier may run before the waiter reaches `wait`: the predicate loop still exits,
/// and a wait that started before the notify is always woken.
#[test]
fn loom_condvar_notify_before_wait() {
    loom_model(BOUND, || {
        let p = Arc::new((Mutex::new(false), Condvar::new()));
        let p2 = p.clone();
        let t = thread::spawn(move || {
            *p2.0.lock() = true;
            p2.1.notify_one();
        });
        let g = p.1.wait_while(p.0.lock(), |ready| !*ready);
        assert!(*g);
        drop(g);
        t.join().unwrap();
    });
}

/// A plain `wait` returns only after a notify chose it: the notifier counts its successful
/// notifications and the waiter checks one happened.
#[test]
fn loom_condvar_no_spurious_return() {
    loom_model(BOUND, || {
        let p = Arc::new((Mutex::new(0u32), Condvar::new()));
        let p2 = p.clone();
        let t = thread::spawn(move || {
            let mut g = p2.0.lock();
            while *g == 0 {
                // Keep notifying under the lock until the waiter has queued.
                drop(g);
                thread::yield_now();
                g = p2.0.lock();
            }
            assert!(p2.1.notify_one());
            *g = 2;
        });
        let mut g = p.0.lock();
        *g = 1;
        let g = p.1.wait(g);
        // Returned: the notifier must have run notify_one (it sets 2 under the same lock).
        assert_eq!(*g, 2);
        drop(g);
        t.join().unwrap();
    });
}

/// notify_all releases two waiters.
#[test]
fn loom_condvar_notify_all() {
    loom_model(BOUND, || {
        let p = Arc::new((Mutex::new(false), Condvar::new()));
        let ts: Vec<_> = (0..2)
            .map(|_| {
                let p = p.clone();
                thread::spawn(move || {
                    let g = p.1.wait_while(p.0.lock(), |go| !*go);
                    drop(g);
                })
            })
            .collect();
        *p.0.lock() = true;
        p.1.notify_all();
        for t in ts {
            t.join().unwrap();
        }
    });
}

/// Condition over a re-entrant lock held twice: the wait releases both levels (else the
/// notifier could never lock) and restores them.
#[test]
fn loom_condvar_reentrant_wait() {
    use portalis_primitives::ReentrantMutex;
    use std::cell::Cell;
    loom_model(BOUND, || {
        let p = Arc::new((ReentrantMutex::new(Cell::new(false)), Condvar::new()));
        let p2 = p.clone();
        let t = thread::spawn(move || {
            let g = p2.0.lock();
            g.set(true);
            p2.1.notify_one();
        });
        p.0.acquire().unwrap();
        p.0.acquire().unwrap();
        while !p.0.lock().get() {
            assert_eq!(p.1.wait_reentrant(&p.0, None), Ok(true));
        }
        p.0.release().unwrap();
        p.0.release().unwrap();
        assert!(p.0.release().is_err());
        t.join().unwrap();
    });
}
