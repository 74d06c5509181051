//! Loom models of `Mutex` and `ReentrantMutex`: mutual exclusion and no lost wake-up on
//! unlock (the spin budget is 1 under the model, so the sleep path is explored).
#![cfg(portalis_loom)]

use loom::sync::atomic::{AtomicBool, Ordering::SeqCst};
use loom::sync::Arc;
use loom::thread;
use portalis_primitives::{Mutex, ReentrantMutex};
use portalis_verify::model::loom_model;
use std::cell::Cell;

/// Preemption bound of the models in this file that do not state their own (loom explores
/// every interleaving with at most this many preemptions; the CI budget keeps it at 2).
const BOUND: usize = 2;

/// Two incrementers: no update is lost and nobody hangs (a lost wake-up would be a
/// deadlock loom reports).
#[test]
fn loom_mutex_mutual_exclusion() {
    loom_model(BOUND, || {
        let m = Arc::new(Mutex::new(0u32));
        let m2 = m.clone();
        let t = thread::spawn(move || {
            *m2.lock() += 1;
        });
        *m.lock() += 1;
        t.join().unwrap();
        assert_eq!(*m.lock(), 2);
    });
}

/// Three threads, so a sleeper and a second contender meet the pessimistic PARKED bit.
#[test]
fn loom_mutex_three_threads() {
    loom_model(BOUND, || {
        let m = Arc::new(Mutex::new(0u32));
        let ts: Vec<_> = (0..2)
            .map(|_| {
                let m = m.clone();
                thread::spawn(move || {
                    *m.lock() += 1;
                })
            })
            .collect();
        *m.lock() += 1;
        for t in ts {
            t.join().unwrap();
        }
        assert_eq!(*m.lock(), 3);
    });
}

/// try_lock never enters while another thread holds the lock.
#[test]
fn loom_mutex_try_lock() {
    loom_model(BOUND, || {
        let m = Arc::new(Mutex::new(0u32));
        let m2 = m.clone();
        let t = thread::spawn(move || {
            if let Some(mut g) = m2.try_lock() {
                *g += 1;
            }
        });
        {
            let mut g = m.lock();
            let v = *g;
            *g = v + 10;
        }
        t.join().unwrap();
        let v = *m.lock();
        assert!(v == 10 || v == 11);
    });
}

/// Re-entrant acquisition by one thread excludes the other thread until fully released.
#[test]
fn loom_reentrant_exclusion() {
    loom_model(BOUND, || {
        let m = Arc::new(ReentrantMutex::new(Cell::new(0u32)));
        let m2 = m.clone();
        let t = thread::spawn(move || {
            let a = m2.lock();
            let b = m2.lock();
            b.set(a.get() + 1);
        });
        {
            let g = m.lock();
            g.set(g.get() + 1);
        }
        assert!(m.release().is_err());
        t.join().unwrap();
        assert_eq!(m.lock().get(), 2);
    });
}

/// A timed locker gives up (under the model a timed wait times out after one scheduling
/// point) while two others contend: it must not take a pending wake-up (`WAKING`) with it, so nobody hangs.
#[test]
fn loom_mutex_timeout_passes_wake_on() {
    timed_locker_among_contenders(BOUND, 1);
}

/// A timed locker (`try_lock_for`) and a plain locker on two threads, while the main thread
/// locks `main_locks` times: every locker that got the lock added its share exactly once and
/// nobody hangs.
fn timed_locker_among_contenders(bound: usize, main_locks: u32) {
    loom_model(bound, move || {
        let m = Arc::new(Mutex::new(0u32));
        let m2 = m.clone();
        let m3 = m.clone();
        let t1 = thread::spawn(move || {
            if let Some(mut g) = m2.try_lock_for(std::time::Duration::from_millis(1)) {
                *g += 1;
            }
        });
        let t2 = thread::spawn(move || {
            *m3.lock() += 10;
        });
        for _ in 0..main_locks {
            *m.lock() += 100;
        }
        t1.join().unwrap();
        t2.join().unwrap();
        let v = *m.lock();
        let base = 10 + 100 * main_locks;
        assert!(v == base || v == base + 1, "{v}");
    });
}

/// A timed locker is picked by an unlock's wake-up just as it times out (the model futex
/// spends a `wake_one` on a timed waiter queued in that window, ADR 093), finds the lock taken
/// again by a barging thread, and gives up: it must clear the `WAKING` bit the wake-up set
/// and, if the lock is free by then, wake the other sleeper in its place (`deregister`), or
/// that sleeper hangs. Main locks twice to barge; a third thread sleeps in `lock`.
/// Controls: `mutex_timeout_keeps_waking` (the leaver deregisters but leaves `WAKING` set, so
/// no unlock wakes the sleeper) and `mutex_leaver_skips_wake` (the leaver finds the lock free
/// and wakes nobody in its place): each a deadlock at bound 2.
#[test]
fn loom_mutex_timed_out_waiter_passes_spent_wake_on() {
    timed_locker_among_contenders(2, 2);
}

/// Two sleepers and two unlocks per locker: the second unlock must not be swallowed by a
/// `WAKING` bit whose wake-up went to the other sleeper.
#[test]
fn loom_mutex_two_rounds_each() {
    loom_model(BOUND, || {
        let m = Arc::new(Mutex::new(0u32));
        let ts: Vec<_> = (0..2)
            .map(|_| {
                let m = m.clone();
                thread::spawn(move || {
                    for _ in 0..2 {
                        *m.lock() += 1;
                    }
                })
            })
            .collect();
        *m.lock() += 1;
        for t in ts {
            t.join().unwrap();
        }
        assert_eq!(*m.lock(), 5);
    });
}

/// Fair hand-off: B is registered to sleep when the holder calls `unlock_fair`; then a
/// newcomer (C, spawned after the fair unlock, using `lock`) and the old holder (`try_lock`)
/// race for the lock. B must be the next owner: the lock is never free in between and a
/// newcomer cannot claim the hand-off. Controls: `mutex_fair_unlock_frees` (the fair unlock
/// frees the lock) and `mutex_newcomer_claims_handoff` (a newcomer registers while the
/// hand-off is pending and claims it).
#[test]
fn loom_mutex_fair_handoff_reaches_sleeper() {
    loom_model(BOUND, || {
        let m = Arc::new(Mutex::new(vec!['A']));
        let g = m.lock();
        let mb = m.clone();
        let b = thread::spawn(move || mb.lock().push('B'));
        while m.registered_waiters() == 0 {
            thread::yield_now();
        }
        portalis_primitives::MutexGuard::unlock_fair(g);
        let mc = m.clone();
        let c = thread::spawn(move || mc.lock().push('C'));
        if let Some(mut g) = m.try_lock() {
            g.push('M');
        }
        b.join().unwrap();
        c.join().unwrap();
        let log = m.lock();
        assert_eq!(log[1], 'B', "the hand-off went to {:?} first", &*log);
    });
}

/// Fair hand-off racing a timed waiter that gives up (under the model a timed wait times out
/// after registering and one scheduling point): whichever way the race goes, once the waiter has returned (and
/// dropped a lock it got) the lock is free, never stranded held with no owner. Control:
/// `mutex_timeout_drops_handoff` (a timing-out waiter deregisters without claiming the
/// pending hand-off).
#[test]
fn loom_mutex_fair_handoff_vs_timeout() {
    loom_model(BOUND, || {
        let m = Arc::new(Mutex::new(0u32));
        let done = Arc::new(AtomicBool::new(false));
        let g = m.lock();
        let m1 = m.clone();
        let done1 = done.clone();
        let t = thread::spawn(move || {
            if let Some(mut g) = m1.try_lock_for(std::time::Duration::from_millis(1)) {
                *g += 1;
            }
            done1.store(true, SeqCst);
        });
        // Hand off while the waiter is registered (it cannot leave the count without
        // returning), so the race with its timeout path is what the model explores.
        while m.registered_waiters() == 0 && !done.load(SeqCst) {
            thread::yield_now();
        }
        portalis_primitives::MutexGuard::unlock_fair(g);
        t.join().unwrap();
        let g = m.try_lock();
        assert!(
            g.is_some(),
            "lock stranded after a hand-off raced a timeout"
        );
        assert!(*g.unwrap() <= 1);
        assert_eq!(m.registered_waiters(), 0);
    });
}
