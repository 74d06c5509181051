//! lock_api's wrappers on our raw locks (feature `lock-api`): the behaviour code written
//! against lock_api relies on. Run: `cargo test -p portalis-primitives --features lock-api
//! --test lock_api` (make test-native does).
#![cfg(all(feature = "lock-api", not(any(portalis_loom, portalis_shuttle))))]

use portalis_primitives::raw::{RawMutex, RawRwLock};
use std::sync::Arc;
use std::time::Duration;

type Mutex<T> = lock_api::Mutex<RawMutex, T>;
type RwLock<T> = lock_api::RwLock<RawRwLock, T>;

const ROUNDS: usize = if cfg!(miri) { 50 } else { 10_000 };

#[cfg_attr(portalis_no_threads, ignore = "spawns threads; this target has none")]
#[test]
fn mutex_counts_and_times_out() {
    let m = Arc::new(Mutex::new(0usize));
    let hs: Vec<_> = (0..4)
        .map(|_| {
            let m = m.clone();
            std::thread::spawn(move || {
                for _ in 0..ROUNDS {
                    *m.lock() += 1;
                }
            })
        })
        .collect();
    for h in hs {
        h.join().unwrap();
    }
    assert_eq!(*m.lock(), 4 * ROUNDS);
    let g = m.lock();
    assert!(m.is_locked());
    assert!(m.try_lock().is_none());
    assert!(m.try_lock_for(Duration::from_millis(1)).is_none());
    drop(g);
    assert!(m.try_lock_for(Duration::ZERO).is_some());
    // Mapped guards come from lock_api itself.
    let m = Mutex::new((1, 2));
    *lock_api::MutexGuard::map(m.lock(), |p| &mut p.1) += 1;
    assert_eq!(*m.lock(), (1, 3));
}

/// `RawMutexFair` through lock_api's guards: every increment done with fair unlocks and
/// bumps under contention is kept, and nobody hangs (a stranded hand-off would).
#[cfg_attr(portalis_no_threads, ignore = "spawns threads; this target has none")]
#[test]
fn mutex_fair_unlock_and_bump() {
    let m = Arc::new(Mutex::new(0usize));
    let hs: Vec<_> = (0..4)
        .map(|_| {
            let m = m.clone();
            std::thread::spawn(move || {
                for i in 0..ROUNDS / 10 {
                    let mut g = m.lock();
                    *g += 1;
                    if i % 2 == 0 {
                        lock_api::MutexGuard::bump(&mut g);
                        *g += 1;
                        drop(g);
                    } else {
                        *g += 1;
                        lock_api::MutexGuard::unlock_fair(g);
                    }
                }
            })
        })
        .collect();
    for h in hs {
        h.join().unwrap();
    }
    assert_eq!(*m.lock(), 4 * 2 * (ROUNDS / 10));
    assert!(!m.is_locked());
}

#[cfg_attr(portalis_no_threads, ignore = "spawns threads; this target has none")]
#[test]
fn rwlock_kinds() {
    let l = Arc::new(RwLock::new(0usize));
    let hs: Vec<_> = (0..4)
        .map(|i| {
            let l = l.clone();
            std::thread::spawn(move || {
                for _ in 0..ROUNDS / 4 {
                    match i {
                        0 => *l.write() += 1,
                        1 => {
                            let g = l.upgradable_read();
                            *lock_api::RwLockUpgradableReadGuard::upgrade(g) += 1;
                        }
                        2 => {
                            let w = l.write();
                            let r = lock_api::RwLockWriteGuard::downgrade(w);
                            let _ = *r;
                        }
                        _ => {
                            let a = *l.read();
                            let b = *l.read_recursive();
                            assert!(b >= a);
                        }
                    }
                }
            })
        })
        .collect();
    for h in hs {
        h.join().unwrap();
    }
    assert_eq!(*l.read(), 2 * (ROUNDS / 4));

    let r = l.read();
    assert!(l.is_locked() && !l.is_locked_exclusive());
    assert!(l.try_write_for(Duration::from_millis(1)).is_none());
    // (A plain read would now wait: the timed-out writer left its waiting bit, which holds
    // new readers back until the lock is next free; a recursive read passes.)
    assert!(l.try_read_recursive().is_some());
    drop(r);
    let w = l.try_write_for(Duration::MAX).unwrap();
    assert!(l.is_locked_exclusive());
    let up = lock_api::RwLockWriteGuard::downgrade_to_upgradable(w);
    assert!(l.try_upgradable_read().is_none());
    let r = lock_api::RwLockUpgradableReadGuard::downgrade(up);
    assert!(l.try_upgradable_read().is_some());
    drop(r);
    assert!(!l.is_locked());
}
