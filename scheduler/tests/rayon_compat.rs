//! Behaviours a rayon-core user relies on (issue 15). Tests named in a doc comment as
//! failing before the fix were run against the old code and failed as described; the others
//! say they are coverage. A scenario that used to
//! deadlock runs on a helper thread and is awaited with a generous bound (`finishes`): it
//! fails instead of hanging; nothing here asserts on time otherwise.
#![cfg(not(any(portalis_loom, portalis_shuttle)))] // native/WASI behaviour; models: shuttle_pool.rs

use portalis_scheduler::*;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::{mpsc, Arc};
use std::time::Duration;

/// How long a scenario that used to deadlock may take before the test calls it a deadlock.
/// Generous: the machine is shared and slow; a correct run takes milliseconds.
const DEADLOCK_BOUND: Duration = Duration::from_secs(60);

/// Runs `f` on a helper thread and returns its result; panics if it has not finished within
/// [`DEADLOCK_BOUND`] (the helper is then left blocked; the test process ends it).
fn finishes<R: Send + 'static>(what: &str, f: impl FnOnce() -> R + Send + 'static) -> R {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    match rx.recv_timeout(DEADLOCK_BOUND) {
        Ok(r) => r,
        Err(mpsc::RecvTimeoutError::Timeout) => {
            panic!("{what}: no result after {DEADLOCK_BOUND:?}: deadlocked")
        }
        Err(mpsc::RecvTimeoutError::Disconnected) => panic!("{what}: the scenario panicked"),
    }
}

fn pool(n: usize) -> Arc<ThreadPool> {
    Arc::new(ThreadPoolBuilder::new().num_threads(n).build().unwrap())
}

// ---- 1. cross-pool waits -------------------------------------------------------------

/// Pins: a worker of pool A waiting on pool B keeps running A's jobs, so
/// `a.install(|| b.install(|| a.install(..)))` on two 1-thread pools returns. Before the fix
/// A's only worker parked in `LockLatch::wait` and the innermost job, queued on A, never ran
/// (this test timed out).
#[test]
fn cross_pool_install_round_trip() {
    let (a, b) = (pool(1), pool(1));
    let r = finishes("a.install(b.install(a.install))", move || {
        a.install(|| b.install(|| a.install(|| 1 + 1)))
    });
    assert_eq!(r, 2);
}

/// Pins: a broadcast into pool A issued from pool B's workers, while A's workers wait on B,
/// reaches A's waiting workers (they run their own broadcast jobs while they wait). Before
/// the fix: deadlock (3- and 7-thread pools, every worker parked).
#[test]
fn cross_pool_nested_broadcasts() {
    let (a, b) = (pool(3), pool(7));
    let runs = finishes("a.install(b.broadcast(a.broadcast))", move || {
        a.install(|| {
            b.broadcast(|_| a.broadcast(|ctx| ctx.index()).len())
                .into_iter()
                .sum::<usize>()
        })
    });
    assert_eq!(runs, 7 * 3);
}

/// Pins: a join inside a cross-pool call still gets its results (the waiting worker's own
/// pool keeps its join frames working while it helps). Not a regression test (it passed
/// before too): it covers the new cross-pool wait together with promoted join frames.
#[test]
fn cross_pool_join_inside_install() {
    let (a, b) = (pool(2), pool(2));
    let r = finishes("a.join(b.install(a.install))", move || {
        a.install(|| {
            join(
                || b.install(|| a.install(|| join(|| 1, || 2))),
                || b.install(|| 3),
            )
        })
    });
    assert_eq!(r, ((1, 2), 3));
}

// ---- 3. no work dropped when a closure panics ------------------------------------------

/// `join(a, b)` where `a` panics: returns `b`'s flag after catching the panic.
#[cfg(panic = "unwind")]
fn join_a_panics_b_runs() -> bool {
    let ran = AtomicBool::new(false);
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        join(|| -> () { panic!("a") }, || ran.store(true, SeqCst))
    }));
    assert!(r.is_err(), "a's panic propagates");
    ran.load(SeqCst)
}

/// Pins: when `a` panics, `join` runs `b` before propagating (rayon-core's contract), on a
/// 1-thread pool, on a multi-thread pool and outside any pool. Before the fix `b` was dropped
/// unrun on every path (`ran` stayed false).
#[cfg(panic = "unwind")] // catches a panic; panic=abort targets (WASI) cannot
#[test]
fn join_runs_b_when_a_panics() {
    for n in [1, 2, 4] {
        assert!(pool(n).install(join_a_panics_b_runs), "{n} threads");
    }
    assert!(join_a_panics_b_runs(), "outside any pool");
}

/// Pins: when `a` panics after `b` was stolen, `join` waits for the thief to finish `b`
/// before propagating (the stack frame holding `b` must outlive the thief). `a` keeps
/// joining (each join entry checks the heartbeat flag and promotes the oldest frame, `b`)
/// until `b` has started elsewhere; `b` finishes only after `a` started to panic. Coverage,
/// not a regression test: the stolen path already waited before the fix.
#[cfg(panic = "unwind")]
#[test]
fn join_waits_for_stolen_b_when_a_panics() {
    let p = pool(2);
    let started = AtomicBool::new(false);
    let a_panicking = AtomicBool::new(false);
    let finished = AtomicBool::new(false);
    let r = finishes("join with stolen b", {
        let p = p.clone();
        move || {
            let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                p.install(|| {
                    join(
                        || {
                            while !started.load(SeqCst) {
                                join(|| (), || ());
                                std::thread::yield_now();
                            }
                            a_panicking.store(true, SeqCst);
                            panic!("a")
                        },
                        || {
                            started.store(true, SeqCst);
                            while !a_panicking.load(SeqCst) {
                                std::thread::yield_now();
                            }
                            finished.store(true, SeqCst);
                        },
                    )
                })
            }));
            (r.is_err(), finished.load(SeqCst))
        }
    });
    assert_eq!(r, (true, true));
}

/// Pins: a scope whose body panics still runs every job it spawned before propagating.
/// Coverage, not a regression test (scopes already waited for their jobs).
#[cfg(panic = "unwind")]
#[test]
fn scope_runs_spawned_jobs_when_body_panics() {
    for n in [1, 3] {
        let count = AtomicUsize::new(0);
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            pool(n).scope(|s| {
                for _ in 0..10 {
                    s.spawn(|_| {
                        count.fetch_add(1, SeqCst);
                    });
                }
                panic!("body");
            })
        }));
        assert!(r.is_err());
        assert_eq!(count.load(SeqCst), 10, "{n} threads");
    }
}

// ---- 2. dropping a pool does not wait -----------------------------------------------------

/// Pins: `drop(pool)` returns while a spawned job is blocked on a channel that the dropping
/// thread feeds only after the drop; the job then finishes. Before the fix `drop` waited for
/// every worker to exit: deadlock (this test timed out).
#[test]
fn drop_does_not_wait_for_a_blocked_job() {
    let got = finishes("drop with a job waiting for the dropper", || {
        let p = ThreadPoolBuilder::new().num_threads(1).build().unwrap();
        let (tx, rx) = mpsc::channel::<u32>();
        let (back_tx, back_rx) = mpsc::channel::<u32>();
        p.spawn(move || back_tx.send(rx.recv().unwrap() + 1).unwrap());
        drop(p);
        tx.send(41).unwrap();
        back_rx.recv().unwrap()
    });
    assert_eq!(got, 42);
}

/// Pins: an exit handler that waits for the dropping thread does not deadlock `drop`. Before
/// the fix: deadlock.
#[test]
fn drop_does_not_wait_for_exit_handlers() {
    let exited = finishes("drop with an exit handler waiting for the dropper", || {
        let (go_tx, go_rx) = mpsc::channel::<()>();
        let go_rx = std::sync::Mutex::new(go_rx);
        let (exit_tx, exit_rx) = mpsc::channel::<usize>();
        let p = ThreadPoolBuilder::new()
            .num_threads(2)
            .exit_handler(move |i| {
                go_rx.lock().unwrap().recv().unwrap();
                exit_tx.send(i).unwrap();
            })
            .build()
            .unwrap();
        drop(p);
        go_tx.send(()).unwrap();
        go_tx.send(()).unwrap();
        let mut v = [exit_rx.recv().unwrap(), exit_rx.recv().unwrap()];
        v.sort_unstable();
        v
    });
    assert_eq!(exited, [0, 1]);
}

/// `shutdown(true)` still blocks until every worker exited (the exit handlers have all run
/// when it returns).
#[test]
fn shutdown_wait_blocks_until_exit_handlers_ran() {
    let exits = Arc::new(AtomicUsize::new(0));
    let e2 = exits.clone();
    let p = ThreadPoolBuilder::new()
        .num_threads(3)
        .exit_handler(move |_| {
            e2.fetch_add(1, SeqCst);
        })
        .build()
        .unwrap();
    p.shutdown(true);
    assert_eq!(exits.load(SeqCst), 3);
}

// ---- 4. a panicking thread_name leaks no thread ----------------------------------------

/// Pins: when `thread_name` panics for worker 5, `build` stops and joins the 5 workers it
/// already started before the panic reaches its caller (all 5 exit handlers have run by
/// then). Before the fix the 5 workers never exited (`exits` stayed 0).
#[cfg(panic = "unwind")]
#[test]
fn panicking_thread_name_joins_started_workers() {
    let starts = Arc::new(AtomicUsize::new(0));
    let exits = Arc::new(AtomicUsize::new(0));
    let (s2, e2) = (starts.clone(), exits.clone());
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        ThreadPoolBuilder::new()
            .num_threads(8)
            .thread_name(|i| {
                if i >= 5 {
                    panic!("no name for {i}")
                }
                format!("named-{i}")
            })
            .start_handler(move |_| {
                s2.fetch_add(1, SeqCst);
            })
            .exit_handler(move |_| {
                e2.fetch_add(1, SeqCst);
            })
            .build()
    }));
    assert!(r.is_err(), "the thread_name panic reaches build's caller");
    assert_eq!(
        exits.load(SeqCst),
        5,
        "every started worker exited and was joined"
    );
    assert_eq!(starts.load(SeqCst), 5);
}

// ---- 5. panicking start / exit handlers go to the panic handler ------------------------

/// Pins: a panicking start handler (worker 1) and exit handler (worker 0) are routed to the
/// panic handler; the pool works in between. Before the fix the first panic aborted the
/// process (checked: the test binary died with SIGABRT).
#[cfg(panic = "unwind")]
#[test]
fn panicking_handlers_go_to_the_panic_handler() {
    let (tx, rx) = mpsc::channel::<String>();
    let tx = std::sync::Mutex::new(tx);
    let p = ThreadPoolBuilder::new()
        .num_threads(2)
        .start_handler(|i| {
            if i == 1 {
                panic!("start {i}")
            }
        })
        .exit_handler(|i| {
            if i == 0 {
                panic!("exit {i}")
            }
        })
        .panic_handler(move |p| {
            let msg = p.downcast_ref::<String>().cloned().unwrap_or_default();
            tx.lock().unwrap().send(msg).unwrap();
        })
        .build()
        .unwrap();
    assert_eq!(rx.recv().unwrap(), "start 1");
    assert_eq!(p.broadcast(|ctx| ctx.index()), [0, 1]);
    p.shutdown(true);
    assert_eq!(rx.recv().unwrap(), "exit 0");
    assert!(rx.try_recv().is_err(), "nothing else panicked");
}

// ---- 7. use_current_thread on a pool's worker ------------------------------------------

/// Pins: `use_current_thread()` on a thread that already is a worker of a pool returns a
/// typed error (and starts no thread). Before the fix `build` returned `Ok` and the thread
/// silently stayed in its old pool.
#[test]
fn use_current_thread_on_a_worker_is_an_error() {
    let outer = pool(1);
    let r = outer.install(|| {
        ThreadPoolBuilder::new()
            .num_threads(2)
            .use_current_thread()
            .build()
            .map(|_| ())
    });
    let e = r.expect_err("a worker cannot join a second pool");
    assert!(e.is_current_thread_in_pool(), "{e}");
    // The same builder works from a thread outside every pool.
    let inner = ThreadPoolBuilder::new()
        .num_threads(2)
        .use_current_thread()
        .build()
        .unwrap();
    assert_eq!(inner.current_thread_index(), Some(0));
}
