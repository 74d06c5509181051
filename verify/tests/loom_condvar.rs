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

const HOUR: std::time::Duration = std::time::Duration::from_secs(3600);

/// One side of the "a notify racing a timeout is never lost" claim (`condvar.rs` docs): a
/// waiter in `wait_timeout` (the model clock lets it time out at any point it checks) against
/// a notifier that runs `notify_one` once the waiter has queued. `notify_one` reports `true`
/// exactly when the waiter reports "notified": a notifier that popped the node must not see the
/// waiter return "timed out" (the notification would be lost), and a waiter that timed out
/// must have removed its own node first. `waiter_on_main` picks which thread waits.
fn notify_races_timeout(waiter_on_main: bool) {
    let p = Arc::new((Mutex::new(false), Condvar::new()));
    let waiter = |p: &(Mutex<bool>, Condvar)| {
        let mut g = p.0.lock();
        *g = true; // queued: set under the lock that `wait_timeout` releases
        let (_g, r) = p.1.wait_timeout(g, HOUR);
        !r.timed_out()
    };
    let notifier = |p: &(Mutex<bool>, Condvar)| {
        let mut g = p.0.lock();
        while !*g {
            drop(g);
            thread::yield_now();
            g = p.0.lock();
        }
        p.1.notify_one()
    };
    let p2 = p.clone();
    let (notified, woke) = if waiter_on_main {
        let t = thread::spawn(move || notifier(&p2));
        let n = waiter(&p);
        (n, t.join().unwrap())
    } else {
        let t = thread::spawn(move || waiter(&p2));
        let w = notifier(&p);
        (t.join().unwrap(), w)
    };
    assert_eq!(
        notified, woke,
        "notify_one said {woke}, the waiter saw notified={notified}"
    );
}

/// Property: a notify racing a timeout is never lost (spawned waiter). See
/// [`notify_races_timeout`]. Control: `condvar_timeout_ignores_pop`.
#[test]
fn loom_claim_condvar_notify_races_timeout() {
    loom_model(BOUND, || notify_races_timeout(false));
}

/// As [`loom_claim_condvar_notify_races_timeout`] with the waiter on the main thread.
/// Control: `condvar_timeout_ignores_pop`.
#[test]
fn loom_claim_condvar_notify_races_timeout_main_waiter() {
    loom_model(BOUND, || notify_races_timeout(true));
}

/// Property (`condvar.rs` docs: "FIFO order among waiters"): with two waiters queued,
/// `notify_one` wakes the one that queued first. Each waiter records its id under the mutex
/// before `wait` queues it (so the record order is the queue order); the notifier waits until
/// both queued, notifies one, waits for it to report, and checks it was the first.
/// Preemption bound 1: the queue order is fixed once both waiters queued, so a wrong order
/// fails in every execution that reaches the check; bound 2 took 235 s wall (load ≈ 40) for
/// nothing more. Control: `condvar_notify_lifo`.
#[test]
fn loom_claim_condvar_notify_one_is_fifo() {
    loom_model(1, || {
        // (queued ids in order, woken ids in order)
        let p = Arc::new((Mutex::new((Vec::new(), Vec::new())), Condvar::new()));
        let ts: Vec<_> = (0..2u32)
            .map(|id| {
                let p = p.clone();
                thread::spawn(move || {
                    let mut g = p.0.lock();
                    g.0.push(id);
                    let mut g = p.1.wait(g);
                    g.1.push(id);
                })
            })
            .collect();
        let mut g = p.0.lock();
        while g.0.len() < 2 {
            drop(g);
            thread::yield_now();
            g = p.0.lock();
        }
        assert!(p.1.notify_one());
        while g.1.is_empty() {
            drop(g);
            thread::yield_now();
            g = p.0.lock();
        }
        assert_eq!(g.1[0], g.0[0], "notify_one woke the second waiter first");
        assert!(p.1.notify_one());
        drop(g);
        for t in ts {
            t.join().unwrap();
        }
    });
}
