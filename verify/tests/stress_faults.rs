//! Fault injection: panics at every stage of a pool job (in `install`, either side of a
//! `join`, a scope's spawn, a detached `spawn`), in a `select!` body, in a barrier action,
//! in a message's `Drop`; receivers dropped while senders block and the reverse; timeouts
//! racing wake-ups; pools dropped with queued work. Each ends with nothing lost (counters),
//! no hang (every wait is bounded by `recv_timeout` or a join of threads that are bounded
//! themselves) and every value dropped exactly once (drop counters).
//! Iterations multiply with `PORTALIS_SOAK`.
#![cfg(not(any(portalis_loom, portalis_shuttle)))]

use portalis_primitives::channel::{bounded, select, unbounded};
use portalis_primitives::{Barrier, Semaphore};
use portalis_scheduler::ThreadPoolBuilder;
use portalis_verify::lin::soak_factor;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

const PATIENCE: Duration = Duration::from_secs(120);

/// Counts its drops; panics in `Drop` when `bomb` is set.
struct Tracked {
    drops: Arc<AtomicUsize>,
    bomb: bool,
}

impl Drop for Tracked {
    fn drop(&mut self) {
        self.drops.fetch_add(1, SeqCst);
        if self.bomb && !thread::panicking() {
            panic!("seeded panic in a message's Drop");
        }
    }
}

fn quiet_panics() {
    // The seeded panics are expected: keep their messages out of the log.
    std::panic::set_hook(Box::new(|info| {
        let msg = info.to_string();
        if !msg.contains("seeded panic") {
            eprintln!("{msg}");
        }
    }));
}

/// A panic at each stage of a pool job reaches the caller (or the panic handler), and the
/// pool keeps working afterwards.
#[test]
#[ignore = "run in release by verify/scripts/checks.sh (make verify)"]
fn stress_fault_panics_in_pool_jobs() {
    quiet_panics();
    let rounds = 200 * soak_factor();
    let handled = Arc::new(AtomicUsize::new(0));
    let h2 = handled.clone();
    let pool = ThreadPoolBuilder::new()
        .num_threads(4)
        .panic_handler(move |_| {
            h2.fetch_add(1, SeqCst);
        })
        .build()
        .unwrap();
    let mut caught = 0;
    for i in 0..rounds {
        // 1. In `install`.
        caught += catch_unwind(AssertUnwindSafe(|| {
            pool.install(|| panic!("seeded panic install {i}"))
        }))
        .is_err() as usize;
        // 2./3. In either side of a `join` (the other side still runs to completion).
        let other_ran = AtomicUsize::new(0);
        let r = catch_unwind(AssertUnwindSafe(|| {
            pool.install(|| {
                portalis_scheduler::join(
                    || panic!("seeded panic join a"),
                    || other_ran.fetch_add(1, SeqCst),
                )
            })
        }));
        caught += r.is_err() as usize;
        let r = catch_unwind(AssertUnwindSafe(|| {
            pool.install(|| {
                portalis_scheduler::join(
                    || other_ran.fetch_add(1, SeqCst),
                    || panic!("seeded panic join b"),
                )
            })
        }));
        caught += r.is_err() as usize;
        assert_eq!(
            other_ran.load(SeqCst),
            2,
            "the sibling of a panicking join side ran"
        );
        // 4. In a scope's spawned job: the scope re-raises after all its jobs finished.
        let finished = AtomicUsize::new(0);
        let r = catch_unwind(AssertUnwindSafe(|| {
            pool.scope(|s| {
                for k in 0..4 {
                    let finished = &finished;
                    s.spawn(move |_| {
                        if k == 2 {
                            panic!("seeded panic scope job");
                        }
                        finished.fetch_add(1, SeqCst);
                    });
                }
            })
        }));
        caught += r.is_err() as usize;
        assert_eq!(
            finished.load(SeqCst),
            3,
            "the scope waited for its other jobs"
        );
        // 5. In a detached `spawn`: goes to the panic handler.
        pool.spawn(move || panic!("seeded panic spawn {i}"));
    }
    assert_eq!(caught, 4 * rounds, "every panic reached its caller");
    // The handler count arrives asynchronously: wait for it with a bounded poll of the pool.
    let (tx, rx) = unbounded();
    for _ in 0..rounds {
        let tx = tx.clone();
        pool.spawn(move || tx.send(()).unwrap());
    }
    for _ in 0..rounds {
        rx.recv_timeout(PATIENCE)
            .expect("the pool stopped working after panics");
    }
    pool.shutdown(true);
    assert_eq!(
        handled.load(SeqCst),
        rounds,
        "every detached panic reached the handler"
    );
    println!("stress faults pool: {} panics injected (install, join a/b, scope, spawn), all delivered; pool kept working", 5 * rounds);
}

/// A panic in a `select!` body unwinds out of it; the channels stay usable and lose nothing.
#[test]
#[ignore = "run in release by verify/scripts/checks.sh (make verify)"]
fn stress_fault_panic_in_select_body() {
    quiet_panics();
    let rounds = 2_000 * soak_factor();
    let (tx, rx) = bounded::<usize>(4);
    let (tx2, rx2) = unbounded::<usize>();
    let mut got = 0;
    for i in 0..rounds {
        tx.send(i).unwrap();
        tx2.send(i).unwrap();
        let r = catch_unwind(AssertUnwindSafe(|| {
            select! {
                recv(rx) -> m => { let _ = m; panic!("seeded panic in select body") },
                recv(rx2) -> m => { let _ = m; panic!("seeded panic in select body") },
            }
        }));
        assert!(r.is_err());
        // Exactly one of the two was taken by the select; the other is still there.
        got += 1;
        let left = rx.try_iter().count() + rx2.try_iter().count();
        assert_eq!(left, 1, "select took exactly one message");
    }
    assert_eq!(got, rounds);
    println!("stress faults select: {rounds} panics in select! bodies, channels intact");
}

/// A panicking barrier action breaks the barrier for every waiter; nobody hangs; the
/// panic reaches the thread that ran the action.
#[test]
#[ignore = "run in release by verify/scripts/checks.sh (make verify)"]
fn stress_fault_panic_in_barrier_action() {
    quiet_panics();
    let rounds = 300 * soak_factor();
    for _ in 0..rounds {
        let b =
            Arc::new(Barrier::with_action(4, || panic!("seeded panic in barrier action")).unwrap());
        let hs: Vec<_> = (0..4)
            .map(|_| {
                let b = b.clone();
                thread::spawn(move || catch_unwind(AssertUnwindSafe(|| b.wait_timeout(PATIENCE))))
            })
            .collect();
        let outcomes: Vec<_> = hs.into_iter().map(|h| h.join().unwrap()).collect();
        let panicked = outcomes.iter().filter(|o| o.is_err()).count();
        let broken = outcomes.iter().filter(|o| matches!(o, Ok(Err(_)))).count();
        assert_eq!(
            (panicked, broken),
            (1, 3),
            "one runs the action and panics, three see it broken"
        );
    }
    println!("stress faults barrier: {rounds} panicking actions, every waiter released");
}

/// Messages whose `Drop` panics: dropping a channel full of them drops every one (the
/// first panic propagates, the rest are still dropped).
#[test]
#[ignore = "run in release by verify/scripts/checks.sh (make verify)"]
fn stress_fault_panic_in_message_drop() {
    quiet_panics();
    let rounds = 500 * soak_factor();
    for (name, cap) in [
        ("bounded(8)", Some(8)),
        ("bounded(1)", Some(1)),
        ("unbounded", None),
    ] {
        for _ in 0..rounds {
            let drops = Arc::new(AtomicUsize::new(0));
            let (tx, rx) = match cap {
                Some(c) => bounded(c),
                None => unbounded(),
            };
            let n = cap.unwrap_or(8);
            for k in 0..n {
                tx.send(Tracked {
                    drops: drops.clone(),
                    bomb: k % 2 == 0,
                })
                .unwrap();
            }
            let r = catch_unwind(AssertUnwindSafe(move || drop(rx)));
            assert!(r.is_err(), "{name}: the Drop panic surfaces");
            assert_eq!(
                drops.load(SeqCst),
                n,
                "{name}: every queued message dropped once"
            );
            drop(tx);
        }
    }
    println!(
        "stress faults message Drop: {} channels dropped with panicking messages, all dropped once",
        3 * rounds
    );
}

/// Receivers dropped while senders block on a full channel: every blocked send returns its
/// message; and senders dropped while receivers block: every receiver wakes disconnected.
#[test]
#[ignore = "run in release by verify/scripts/checks.sh (make verify)"]
fn stress_fault_disconnect_while_blocked() {
    let rounds = 200 * soak_factor();
    for cap in [0usize, 1, 4] {
        for _ in 0..rounds {
            let drops = Arc::new(AtomicUsize::new(0));
            let (tx, rx) = bounded::<Tracked>(cap);
            for _ in 0..cap {
                tx.send(Tracked {
                    drops: drops.clone(),
                    bomb: false,
                })
                .unwrap();
            }
            let started = Arc::new(Semaphore::new(0).unwrap());
            let senders: Vec<_> = (0..4)
                .map(|_| {
                    let (tx, drops, started) = (tx.clone(), drops.clone(), started.clone());
                    thread::spawn(move || {
                        started.release().unwrap();
                        // Blocks (full or no receiver) until the receiver is dropped.
                        tx.send_timeout(Tracked { drops, bomb: false }, PATIENCE)
                            .expect_err("the channel was full until disconnected")
                            .into_inner()
                    })
                })
                .collect();
            assert!(started.acquire_many_timeout(4, PATIENCE));
            drop(rx);
            for s in senders {
                let msg = s.join().unwrap();
                drop(msg); // returned to us: dropped here, once
            }
            assert_eq!(
                drops.load(SeqCst),
                cap + 4,
                "cap {cap}: queued and returned messages all dropped once"
            );
            drop(tx);
        }
        // The reverse: receivers blocked on an empty channel; the senders go away.
        for _ in 0..rounds {
            let (tx, rx) = bounded::<u32>(cap);
            let started = Arc::new(Semaphore::new(0).unwrap());
            let receivers: Vec<_> = (0..4)
                .map(|_| {
                    let (rx, started) = (rx.clone(), started.clone());
                    thread::spawn(move || {
                        started.release().unwrap();
                        rx.recv_timeout(PATIENCE)
                    })
                })
                .collect();
            assert!(started.acquire_many_timeout(4, PATIENCE));
            drop(tx);
            for r in receivers {
                let e = r.join().unwrap().expect_err("nothing was sent");
                assert!(
                    e.is_disconnected(),
                    "cap {cap}: woke by disconnect, not timeout"
                );
            }
        }
    }
    println!(
        "stress faults disconnect: {} blocked senders and {} blocked receivers released by a drop",
        3 * 4 * rounds,
        3 * 4 * rounds
    );
}

/// Timeouts racing wake-ups: a receive with a tiny timeout against a send at about the same
/// moment, and a timed acquire against a release. Whatever wins, nothing is lost: the
/// message is received or still queued, the permit is taken or still available.
#[test]
#[ignore = "run in release by verify/scripts/checks.sh (make verify)"]
fn stress_fault_timeouts_race_wakeups() {
    let rounds = 3_000 * soak_factor();
    let (mut timed_out, mut won) = (0, 0);
    for i in 0..rounds {
        let cap = [0usize, 1, 4][i % 3];
        let (tx, rx) = bounded::<usize>(cap);
        let d = Duration::from_micros((i % 50) as u64);
        let r = thread::spawn(move || (rx.recv_timeout(d), rx));
        let sent = tx.send_timeout(i, Duration::from_micros((i % 37) as u64));
        let (got, rx) = r.join().unwrap();
        match (sent, got) {
            (Ok(()), Ok(v)) => {
                assert_eq!(v, i);
                won += 1;
            }
            (Ok(()), Err(_)) => {
                // Timed out, but then the message must still be in the channel.
                assert_eq!(
                    rx.try_recv(),
                    Ok(i),
                    "a message sent but neither received nor queued"
                );
                timed_out += 1;
            }
            (Err(e), got) => {
                assert!(e.is_timeout());
                assert!(got.is_err(), "a receive got a message whose send failed");
                timed_out += 1;
            }
        }
        let sem = Arc::new(Semaphore::new(0).unwrap());
        let s2 = sem.clone();
        let a = thread::spawn(move || s2.acquire_timeout(d));
        sem.release().unwrap();
        let took = a.join().unwrap();
        assert_eq!(
            sem.available(),
            if took { 0 } else { 1 },
            "a permit lost or doubled"
        );
    }
    println!("stress faults timeouts: {rounds} races ({won} receives won, {timed_out} timed out), nothing lost");
}

/// Pools dropped (and shut down without waiting) with work still queued: every job either
/// runs or is dropped unrun; its captured value is dropped exactly once either way, and the
/// count arrives (no hang).
#[test]
#[ignore = "run in release by verify/scripts/checks.sh (make verify)"]
fn stress_fault_pool_dropped_with_queued_work() {
    let rounds = 20 * soak_factor();
    const JOBS: usize = 5_000;
    for r in 0..rounds {
        let drops = Arc::new(AtomicUsize::new(0));
        let ran = Arc::new(AtomicUsize::new(0));
        let (tx, rx) = unbounded::<()>();
        let pool = ThreadPoolBuilder::new().num_threads(2).build().unwrap();
        for _ in 0..JOBS {
            let t = Tracked {
                drops: drops.clone(),
                bomb: false,
            };
            let (ran, tx) = (ran.clone(), tx.clone());
            pool.spawn(move || {
                let _t = t;
                ran.fetch_add(1, SeqCst);
                let _ = tx.send(());
            });
        }
        drop(tx);
        if r % 2 == 0 {
            drop(pool);
        } else {
            pool.shutdown(false);
        }
        // Queued work still runs after drop/shutdown (documented): all JOBS reports arrive.
        for _ in 0..JOBS {
            rx.recv_timeout(PATIENCE)
                .expect("queued work was lost or hung");
        }
        // The jobs' closures are dropped when they return, after their send: wait for the
        // channel to disconnect (every job's sender clone dropped), then count.
        assert!(rx.recv_timeout(PATIENCE).unwrap_err().is_disconnected());
        assert_eq!(ran.load(SeqCst), JOBS);
        assert_eq!(
            drops.load(SeqCst),
            JOBS,
            "every captured value dropped once"
        );
    }
    println!("stress faults pool drop: {} pools dropped with {JOBS} queued jobs each, all ran, all dropped once", rounds);
}
