//! Loom models of `Semaphore` (`semaphore.rs`): permit conservation (never more holders than
//! permits, all permits back at the end), no lost wake-up on release, happens-before from
//! `release` to `acquire` (data in a loom cell), and the doc's "no sleeper is stranded while a
//! permit it can take is free" (waiter spawned and on main).
#![cfg(portalis_loom)]

use loom::sync::atomic::{AtomicU32, Ordering::Relaxed};
use loom::sync::Arc;
use loom::thread;
use portalis_primitives::{BoundedSemaphore, Semaphore, SemaphoreReleaseError};
use portalis_verify::model::loom_model;
use portalis_verify::model::Payload;

/// Preemption bound of the models in this file that do not state their own (loom explores
/// every interleaving with at most this many preemptions; the CI budget keeps it at 2).
const BOUND: usize = 2;

/// Property: with one permit, never two holders at once, and the permit is back at the end.
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

/// Property: a `BoundedSemaphore` at its bound refuses a release (`OverRelease`) whatever a
/// racing acquire/release pair does, and its count never drifts past the bound.
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

/// Semaphore: `release` → `acquire` carries happens-before (spawned releaser, main acquirer).
/// Control: `semaphore_relaxed_release`.
#[test]
fn loom_hb_semaphore_release_acquire() {
    loom_model(BOUND, || {
        let s = Arc::new(Semaphore::new(0).unwrap());
        let data = Arc::new(Payload::new());
        let (s2, d2) = (s.clone(), data.clone());
        let t = thread::spawn(move || {
            d2.write(1);
            s2.release().unwrap();
        });
        s.acquire();
        assert_eq!(data.read(), 1);
        t.join().unwrap();
    });
}

/// As [`loom_hb_semaphore_release_acquire`] with the acquirer spawned and a multi-permit
/// acquire (the `many_waiters` path). Control: `semaphore_relaxed_release`.
#[test]
fn loom_hb_semaphore_release_many_spawned_acquirer() {
    loom_model(BOUND, || {
        let s = Arc::new(Semaphore::new(0).unwrap());
        let data = Arc::new(Payload::new());
        let (s2, d2) = (s.clone(), data.clone());
        let t = thread::spawn(move || {
            s2.acquire_many(2);
            assert_eq!(d2.read(), 2);
        });
        data.write(2);
        s.release_many(2).unwrap();
        t.join().unwrap();
    });
}

/// `semaphore.rs`: "no sleeper is ever stranded while permits are available". A two-permit
/// waiter and a one-permit waiter sleep; one permit is released; the small waiter must then
/// finish *before any further release* (the main thread joins it first), so a wake-up spent
/// on the big waiter, which goes back to sleep, strands it: a deadlock loom reports.
/// Control: `semaphore_wake_one_always`.
#[test]
fn loom_claim_semaphore_small_waiter_not_stranded() {
    loom_model(BOUND, || {
        let s = Arc::new(Semaphore::new(0).unwrap());
        let s2 = s.clone();
        let big = thread::spawn(move || s2.acquire_many(2));
        let s3 = s.clone();
        let small = thread::spawn(move || s3.acquire());
        s.release().unwrap();
        small.join().unwrap();
        s.release_many(2).unwrap();
        big.join().unwrap();
        assert_eq!(s.available(), 0);
    });
}

/// As above with the small waiter on the main thread: a spawned thread releases one permit;
/// the main thread's acquire must return before anyone releases again.
/// Control: `semaphore_wake_one_always`.
#[test]
fn loom_claim_semaphore_small_waiter_on_main() {
    loom_model(BOUND, || {
        let s = Arc::new(Semaphore::new(0).unwrap());
        let s2 = s.clone();
        let big = thread::spawn(move || s2.acquire_many(2));
        let s3 = s.clone();
        let releaser = thread::spawn(move || s3.release().unwrap());
        s.acquire();
        s.release_many(2).unwrap();
        big.join().unwrap();
        releaser.join().unwrap();
        assert_eq!(s.available(), 0);
    });
}
