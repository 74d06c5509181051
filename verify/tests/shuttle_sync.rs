//! Shuttle scenarios for the bigger primitives (more threads and operations than loom can
//! explore): fixed seeds, bounded iterations.
#![cfg(portalis_shuttle)]

use portalis_primitives::sync::atomic::{AtomicU32, Ordering::Relaxed};
use portalis_primitives::{Barrier, BrokenBarrierError, Condvar, Mutex, RwLock, Semaphore};
use shuttle::scheduler::RandomScheduler;
use shuttle::sync::Arc;
use shuttle::{thread, Config, Runner};

/// Iterations per scenario (random schedules explored).
const ITERS: usize = 300;
/// Fixed seed so failures reproduce.
const SEED: u64 = 0x5eed_0003;

fn run(f: impl Fn() + Send + Sync + 'static) {
    let sched = RandomScheduler::new_from_seed(SEED, ITERS);
    Runner::new(sched, Config::new()).run(f);
}

/// Three parties, three rounds, with an action: indices are a permutation each round and the
/// action runs once per round (generation reuse).
#[test]
fn shuttle_barrier_rounds_with_action() {
    run(|| {
        let runs = Arc::new(AtomicU32::new(0));
        let r2 = runs.clone();
        let b = Arc::new(
            Barrier::with_action(3, move || {
                r2.fetch_add(1, Relaxed);
            })
            .unwrap(),
        );
        let hs: Vec<_> = (0..3)
            .map(|_| {
                let b = b.clone();
                thread::spawn(move || (0..3).map(|_| b.wait().unwrap()).sum::<u32>())
            })
            .collect();
        let total: u32 = hs.into_iter().map(|h| h.join().unwrap()).sum();
        // 3 rounds, each handing out the indices 0, 1 and 2 once (sum 3).
        assert_eq!(total, 3 * 3);
        assert_eq!(runs.load(Relaxed), 3);
    });
}

/// Reset while two of three parties wait: both get BrokenBarrierError, a third arrival
/// racing with the reset either joins the broken generation or waits for the next one, and
/// afterwards the barrier fills normally (generation reuse after a reset).
#[test]
fn shuttle_barrier_reset_race() {
    run(|| {
        let b = Arc::new(Barrier::new(3).unwrap());
        let hs: Vec<_> = (0..2)
            .map(|_| {
                let b = b.clone();
                thread::spawn(move || b.wait())
            })
            .collect();
        while b.n_waiting() < 2 {
            thread::yield_now();
        }
        b.reset();
        for h in hs {
            assert_eq!(h.join().unwrap(), Err(BrokenBarrierError));
        }
        assert!(!b.broken());
        let hs: Vec<_> = (0..2)
            .map(|_| {
                let b = b.clone();
                thread::spawn(move || b.wait())
            })
            .collect();
        assert!(b.wait().is_ok());
        for h in hs {
            assert!(h.join().unwrap().is_ok());
        }
    });
}

/// Four threads share two permits with mixed single and double acquisitions.
#[test]
fn shuttle_semaphore_mixed() {
    run(|| {
        let s = Arc::new(Semaphore::new(2).unwrap());
        let inside = Arc::new(AtomicU32::new(0));
        let hs: Vec<_> = (0..4)
            .map(|i| {
                let (s, inside) = (s.clone(), inside.clone());
                thread::spawn(move || {
                    let k = if i == 0 { 2 } else { 1 };
                    for _ in 0..2 {
                        s.acquire_many(k);
                        assert!(inside.fetch_add(k, Relaxed) + k <= 2);
                        inside.fetch_sub(k, Relaxed);
                        s.release_many(k).unwrap();
                    }
                })
            })
            .collect();
        for h in hs {
            h.join().unwrap();
        }
        assert_eq!(s.available(), 2);
    });
}

/// Bounded queue with a mutex and two condvars: two producers, two consumers.
#[test]
fn shuttle_condvar_queue() {
    run(|| {
        let q = Arc::new((
            Mutex::new(Vec::<u32>::new()),
            Condvar::new(),
            Condvar::new(),
        ));
        let mut hs = Vec::new();
        for p in 0..2 {
            let q = q.clone();
            hs.push(thread::spawn(move || {
                for i in 0..3 {
                    let g = q.2.wait_while(q.0.lock(), |v| v.len() >= 2);
                    let mut g = g;
                    g.push(p * 10 + i);
                    drop(g);
                    q.1.notify_one();
                }
            }));
        }
        let got = Arc::new(AtomicU32::new(0));
        for _ in 0..2 {
            let (q, got) = (q.clone(), got.clone());
            hs.push(thread::spawn(move || {
                for _ in 0..3 {
                    let mut g = q.1.wait_while(q.0.lock(), |v| v.is_empty());
                    g.pop().unwrap();
                    drop(g);
                    q.2.notify_one();
                    got.fetch_add(1, Relaxed);
                }
            }));
        }
        for h in hs {
            h.join().unwrap();
        }
        assert_eq!(got.load(Relaxed), 6);
    });
}

/// Two writers and two readers: readers always see both fields equal.
#[test]
fn shuttle_rwlock_mixed() {
    run(|| {
        let l = Arc::new(RwLock::new((0u32, 0u32)));
        let hs: Vec<_> = (0..4)
            .map(|i| {
                let l = l.clone();
                thread::spawn(move || {
                    for _ in 0..3 {
                        if i < 2 {
                            let mut g = l.write();
                            g.0 += 1;
                            g.1 += 1;
                        } else {
                            let g = l.read();
                            assert_eq!(g.0, g.1);
                        }
                    }
                })
            })
            .collect();
        for h in hs {
            h.join().unwrap();
        }
        assert_eq!(*l.read(), (6, 6));
    });
}
