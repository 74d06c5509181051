//! Loom models of `Semaphore`: permit conservation (never more holders than permits, all
//! permits back at the end, no sleeper left registered) and no lost wake-up on release.
#![cfg(portalis_loom)]

use loom::sync::atomic::{AtomicU32, Ordering::Relaxed};
use loom::sync::Arc;
use loom::thread;
use portalis_primitives::{BoundedSemaphore, Semaphore, SemaphoreReleaseError};
use portalis_verify::model::loom_model;

/// Preemption bound of the models in this file that do not state their own (loom explores
/// every interleaving with at most this many preemptions; the CI budget keeps it at 2).
const BOUND: usize = 2;

#[test]
fn loom_semaphore_permit_conservation() {
    loom_model(BOUND, || {
        let s = Arc::new(Semaphore::new(1).unwrap());
        let inside = Arc::new(AtomicU32::new(0));
        let ts: Vec<_> = (0..2)
            .map(|_| {
                let (s, inside) = (s.clone(), inside.clone());
                thread::spawn(move || {
                    s.acquire();
                    assert_eq!(inside.fetch_add(1, Relaxed), 0);
                    inside.fetch_sub(1, Relaxed);
                    s.release().unwrap();
                })
            })
            .collect();
        for t in ts {
            t.join().unwrap();
        }
        assert_eq!(s.available(), 1);
    });
}

/// A waiter on an empty semaphore is woken by a release from another thread.
#[test]
fn loom_semaphore_release_wakes() {
    loom_model(BOUND, || {
        let s = Arc::new(Semaphore::new(0).unwrap());
        let s2 = s.clone();
        let t = thread::spawn(move || s2.release().unwrap());
        s.acquire();
        t.join().unwrap();
        assert_eq!(s.available(), 0);
    });
}

/// A two-permit waiter and a one-permit waiter, fed by two single releases: both finish
/// (the multi-permit waiter forces wake-all, so a wake-up cannot go to the wrong one).
#[test]
fn loom_semaphore_many_and_one() {
    loom_model(BOUND, || {
        let s = Arc::new(Semaphore::new(0).unwrap());
        let s2 = s.clone();
        let big = thread::spawn(move || {
            s2.acquire_many(2);
            s2.release_many(2).unwrap();
        });
        let s3 = s.clone();
        let feeder = thread::spawn(move || {
            s3.release().unwrap();
            s3.release().unwrap();
        });
        s.acquire();
        s.release().unwrap();
        big.join().unwrap();
        feeder.join().unwrap();
        assert_eq!(s.available(), 2);
    });
}

#[test]
fn loom_bounded_semaphore_no_drift() {
    loom_model(BOUND, || {
        let s = Arc::new(BoundedSemaphore::new(1).unwrap());
        let s2 = s.clone();
        let t = thread::spawn(move || {
            if s2.try_acquire() {
                s2.release().unwrap();
            }
        });
        let r = s.release();
        t.join().unwrap();
        assert_eq!(r, Err(SemaphoreReleaseError::OverRelease));
        assert_eq!(s.available(), 1);
    });
}
