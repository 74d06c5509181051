//! Shuttle runs of whole-pool scenarios on the shim-built deque twin (crossbeam-deque is
//! invisible to the model). Fixed seeds, bounded iterations. Run with
//! `RUSTFLAGS="--cfg portalis_shuttle" cargo test --release -p portalis-scheduler --test shuttle_pool`.
#![cfg(portalis_shuttle)]

use portalis_primitives::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use portalis_primitives::sync::Arc;
use portalis_scheduler::{join, ThreadPoolBuilder};
use std::panic::{self, AssertUnwindSafe};

const ITERATIONS: usize = 300;

fn check(f: impl Fn() + Send + Sync + 'static) {
    // Counts executions outside the model (std atomic on purpose), to assert the runs happened.
    let runs = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let r2 = runs.clone();
    let f = move || {
        r2.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        f()
    };
    let mut config = shuttle::Config::default();
    config.max_steps = shuttle::MaxSteps::FailAfter(200_000);
    let scheduler = shuttle::scheduler::RandomScheduler::new_from_seed(0x5eed, ITERATIONS);
    let runner = shuttle::Runner::new(scheduler, config);
    runner.run(f);
    assert_eq!(runs.load(std::sync::atomic::Ordering::Relaxed), ITERATIONS);
}

fn tree(d: u32) -> usize {
    if d == 0 {
        return 1;
    }
    let (a, b) = join(|| tree(d - 1), || tree(d - 1));
    a + b + 1
}

/// Property: nested `join`s on a 2-worker pool return every result (steals and wake-ups
/// included) and the pool shuts down.
#[test]
fn shuttle_pool_nested_join() {
    check(|| {
        let pool = ThreadPoolBuilder::new().num_threads(2).build().unwrap();
        assert_eq!(pool.install(|| tree(4)), 31);
    });
}

/// Property: a scope returns only after every (nested) spawned job ran.
#[test]
fn shuttle_pool_scope_spawn_nested() {
    check(|| {
        let pool = ThreadPoolBuilder::new().num_threads(2).build().unwrap();
        let n = AtomicUsize::new(0);
        pool.scope(|s| {
            for _ in 0..2 {
                s.spawn(|s| {
                    s.spawn(|_| {
                        n.fetch_add(1, SeqCst);
                    });
                    let (a, b) = join(|| 1, || 2);
                    n.fetch_add(a + b, SeqCst);
                });
            }
        });
        assert_eq!(n.load(SeqCst), 8);
    });
}

/// Property: a panic in `join`'s closure reaches the caller and the pool keeps working.
#[test]
fn shuttle_pool_join_panic_propagates() {
    check(|| {
        let pool = ThreadPoolBuilder::new().num_threads(2).build().unwrap();
        let r = panic::catch_unwind(AssertUnwindSafe(|| {
            pool.install(|| join(|| tree(2), || -> usize { panic!("b") }))
        }));
        assert!(r.is_err());
        assert_eq!(pool.install(|| tree(2)), 7);
    });
}

/// Property: a panicking spawned job does not take its worker down, and `shutdown(true)`
/// with work still queued runs all of it (3 of 3) and joins the workers without hanging.
#[test]
fn shuttle_pool_spawn_panic_then_shutdown_during_work() {
    check(|| {
        let pool = ThreadPoolBuilder::new()
            .num_threads(2)
            .panic_handler(|_| {})
            .build()
            .unwrap();
        let n = Arc::new(AtomicUsize::new(0));
        pool.spawn(|| panic!("spawned"));
        for _ in 0..3 {
            let n = n.clone();
            pool.spawn(move || {
                n.fetch_add(1, SeqCst);
            });
        }
        pool.shutdown(true); // finishes queued work, joins threads
        assert_eq!(n.load(SeqCst), 3);
    });
}

/// Property: a `broadcast` runs once on each worker (indices 0 and 1) while another outside
/// thread's `install` runs concurrently; both return their results, nothing hangs.
#[test]
fn shuttle_pool_broadcast_and_install_from_outside() {
    check(|| {
        let pool = Arc::new(ThreadPoolBuilder::new().num_threads(2).build().unwrap());
        let p2 = pool.clone();
        let t = portalis_primitives::sync::thread::spawn(move || p2.install(|| tree(2)));
        let v = pool.broadcast(|ctx| ctx.index());
        assert_eq!(v, vec![0, 1]);
        assert_eq!(t.join().unwrap(), 7);
    });
}

/// A 1-thread pool: its worker's own pushes skip the sleep check (PROTOCOL.md P-single), while
/// an outside thread injects work concurrently. The worker must still run everything, and a
/// worker that went to sleep meanwhile must be woken by the injection (P2–P3 as usual).
#[test]
fn shuttle_pool_single_thread_scope_and_outside_spawns() {
    check(|| {
        let pool = Arc::new(ThreadPoolBuilder::new().num_threads(1).build().unwrap());
        let n = Arc::new(AtomicUsize::new(0));
        let (p2, n2) = (pool.clone(), n.clone());
        let outside = shuttle::thread::spawn(move || {
            let n3 = n2.clone();
            p2.spawn(move || {
                n3.fetch_add(100, SeqCst);
            });
        });
        pool.scope(|s| {
            for _ in 0..2 {
                s.spawn(|s| {
                    s.spawn(|_| {
                        n.fetch_add(1, SeqCst);
                    });
                    n.fetch_add(1, SeqCst);
                });
            }
        });
        outside.join().unwrap();
        // The injected job may still be queued: wait for it through the pool itself.
        while n.load(SeqCst) < 104 {
            pool.install(portalis_scheduler::yield_now);
            shuttle::thread::yield_now();
        }
        assert_eq!(n.load(SeqCst), 104);
    });
}

/// Issue 15 §1: two 1-thread pools calling into each other. A worker of A waiting on B keeps
/// running A's jobs (`in_worker_cross`, a `CrossLatch` set by B's worker wakes it through A's
/// sleep state). Negative control (run by hand, 2026-12-07): with the cross path removed (the
/// worker parks as an outside thread) shuttle reports a deadlock here.
#[test]
fn shuttle_pool_cross_pool_round_trip() {
    check(|| {
        let a = Arc::new(ThreadPoolBuilder::new().num_threads(1).build().unwrap());
        let b = Arc::new(ThreadPoolBuilder::new().num_threads(1).build().unwrap());
        let r = a.install(|| b.install(|| a.install(|| 7)));
        assert_eq!(r, 7);
    });
}

/// Issue 15 §1 with a broadcast: B's workers broadcast into A while A's worker waits on B.
#[test]
fn shuttle_pool_cross_pool_broadcast() {
    check(|| {
        let a = Arc::new(ThreadPoolBuilder::new().num_threads(2).build().unwrap());
        let b = Arc::new(ThreadPoolBuilder::new().num_threads(1).build().unwrap());
        let v = a.install(|| b.broadcast(|_| a.broadcast(|ctx| ctx.index())));
        assert_eq!(v, vec![vec![0, 1]]);
    });
}

/// Issue 15 §8: FIFO tokens. Two workers; a FIFO scope's jobs spawn more FIFO jobs (tokens
/// on the spawning worker's deque, stolen by the other worker), and a worker's own
/// `spawn_fifo` jobs go through its per-worker queue. Every job runs exactly once and the
/// scope waits for all. Negative control (run by hand, 2026-12-07): pushing the token on the
/// deque before queuing its job (with a yield in between) lets a thief run a token that finds
/// no job; shuttle then reports "deadlock! blocked tasks: [main-thread, ...]".
#[test]
fn shuttle_pool_fifo_tokens() {
    check(|| {
        let pool = ThreadPoolBuilder::new().num_threads(2).build().unwrap();
        let n = AtomicUsize::new(0);
        pool.scope_fifo(|s| {
            for _ in 0..2 {
                s.spawn_fifo(|s| {
                    s.spawn_fifo(|_| {
                        n.fetch_add(1, SeqCst);
                    });
                    n.fetch_add(10, SeqCst);
                });
            }
        });
        assert_eq!(n.load(SeqCst), 22);
        let done = Arc::new(AtomicUsize::new(0));
        let d2 = done.clone();
        pool.install(move || {
            for _ in 0..2 {
                let d3 = d2.clone();
                portalis_scheduler::spawn_fifo(move || {
                    d3.fetch_add(1, SeqCst);
                });
            }
        });
        pool.shutdown(true);
        assert_eq!(done.load(SeqCst), 2);
    });
}

/// Issue 15 §3: `a` panics while `b` may have been promoted and stolen; `join` runs `b` (or
/// waits for its thief) before the panic continues, so `b` has always run when the caller
/// catches it, and the stack frame holding `b` outlives any thief.
#[test]
fn shuttle_pool_join_a_panics_b_still_runs() {
    check(|| {
        let pool = ThreadPoolBuilder::new().num_threads(2).build().unwrap();
        let ran = AtomicUsize::new(0);
        let r = panic::catch_unwind(AssertUnwindSafe(|| {
            pool.install(|| {
                join(
                    || -> usize {
                        tree(2);
                        panic!("a")
                    },
                    || ran.fetch_add(1, SeqCst),
                )
            })
        }));
        assert!(r.is_err());
        assert_eq!(ran.load(SeqCst), 1);
    });
}

/// Issue 15 §2: dropping the pool returns without waiting, and the queued jobs still run
/// (the workers drain before they exit; their handles are detached).
#[test]
fn shuttle_pool_drop_returns_and_work_finishes() {
    check(|| {
        let pool = ThreadPoolBuilder::new().num_threads(2).build().unwrap();
        let n = Arc::new(AtomicUsize::new(0));
        for _ in 0..3 {
            let n = n.clone();
            pool.spawn(move || {
                n.fetch_add(1, SeqCst);
            });
        }
        drop(pool);
        while n.load(SeqCst) < 3 {
            shuttle::thread::yield_now();
        }
    });
}

/// `in_place_scope` from a thread outside the pool: the scope's count latch has a parking
/// core (`CountCore::Outside`), set by whichever worker finishes the last job, while jobs
/// spawn more jobs. The owner must be woken exactly when all ran (a lost unpark is a
/// deadlock shuttle reports; an early wake fails the count).
#[test]
fn shuttle_pool_in_place_scope_from_outside() {
    check(|| {
        let pool = ThreadPoolBuilder::new().num_threads(2).build().unwrap();
        let n = AtomicUsize::new(0);
        pool.in_place_scope(|s| {
            for _ in 0..2 {
                s.spawn(|s| {
                    s.spawn(|_| {
                        n.fetch_add(1, SeqCst);
                    });
                    n.fetch_add(1, SeqCst);
                });
            }
        });
        assert_eq!(n.load(SeqCst), 4);
    });
}
