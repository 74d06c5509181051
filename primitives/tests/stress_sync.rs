//! Stress tests of the synchronization primitives with real threads (sized down under miri).
#![cfg(not(any(portalis_loom, portalis_shuttle)))]
#![cfg(not(portalis_no_threads))] // Spawns threads; wasm32-wasip1 has none.

use portalis_primitives::{Barrier, Condvar, Event, Mutex, RwLock, Semaphore};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

const THREADS: usize = if cfg!(miri) { 3 } else { 8 };
const ROUNDS: usize = if cfg!(miri) { 20 } else { 5_000 };

/// Condvar as a token-passing ring: every thread waits for its turn; a lost notify hangs.
#[test]
fn stress_condvar_ring() {
    let p = Arc::new((Mutex::new(0usize), Condvar::new()));
    let hs: Vec<_> = (0..THREADS)
        .map(|me| {
            let p = p.clone();
            thread::spawn(move || {
                for r in 0..ROUNDS / 10 {
                    let turn = r * THREADS + me;
                    let mut g = p.1.wait_while(p.0.lock(), |t| *t != turn);
                    *g += 1;
                    drop(g);
                    p.1.notify_all();
                }
            })
        })
        .collect();
    for h in hs {
        h.join().unwrap();
    }
    assert_eq!(*p.0.lock(), THREADS * (ROUNDS / 10));
}

/// More threads than permits, with timeouts mixed in: the count never drifts.
#[test]
fn stress_semaphore_with_timeouts() {
    let s = Arc::new(Semaphore::new(2).unwrap());
    let inside = Arc::new(AtomicUsize::new(0));
    let hs: Vec<_> = (0..THREADS)
        .map(|i| {
            let (s, inside) = (s.clone(), inside.clone());
            thread::spawn(move || {
                for r in 0..ROUNDS {
                    let got = if (i + r) % 7 == 0 {
                        s.acquire_timeout(Duration::from_micros(50))
                    } else {
                        s.acquire();
                        true
                    };
                    if got {
                        assert!(inside.fetch_add(1, Relaxed) < 2);
                        inside.fetch_sub(1, Relaxed);
                        s.release().unwrap();
                    }
                }
            })
        })
        .collect();
    for h in hs {
        h.join().unwrap();
    }
    assert_eq!(s.available(), 2);
}

/// Mutex and RwLock under many threads with timed attempts mixed in.
#[test]
fn stress_locks_with_timeouts() {
    let m = Arc::new(Mutex::new(0usize));
    let l = Arc::new(RwLock::new(0usize));
    let hs: Vec<_> = (0..THREADS)
        .map(|i| {
            let (m, l) = (m.clone(), l.clone());
            thread::spawn(move || {
                let mut mine = 0;
                for r in 0..ROUNDS {
                    if r % 5 == 0 {
                        if let Some(mut g) = m.try_lock_for(Duration::from_micros(20)) {
                            *g += 1;
                            mine += 1;
                        }
                    } else {
                        *m.lock() += 1;
                        mine += 1;
                    }
                    if (r + i) % 10 == 0 {
                        *l.write() += 1;
                    } else {
                        let _ = *l.read();
                    }
                }
                mine
            })
        })
        .collect();
    let total: usize = hs.into_iter().map(|h| h.join().unwrap()).sum();
    assert_eq!(*m.lock(), total);
}

/// Barrier rounds with more threads, then an event broadcast.
#[test]
fn stress_barrier_and_event() {
    let b = Arc::new(Barrier::new(THREADS as u32).unwrap());
    let e = Arc::new(Event::new());
    let hs: Vec<_> = (0..THREADS)
        .map(|_| {
            let (b, e) = (b.clone(), e.clone());
            thread::spawn(move || {
                for _ in 0..ROUNDS / 50 {
                    b.wait().unwrap();
                }
                e.wait();
            })
        })
        .collect();
    thread::sleep(Duration::from_millis(1));
    e.set();
    for h in hs {
        h.join().unwrap();
    }
}
