//! Public behaviour of the pool: join/scope/spawn/broadcast, panics, shutdown, bad input.
#![cfg(not(any(portalis_loom, portalis_shuttle)))] // native behaviour; the models run loom_*/shuttle_* files

use portalis_scheduler::*;
// In the browser this file is a module of tests/web_pool.rs, whose `#[test]` boots workers.
#[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
use crate::browser_test as test;
#[cfg(panic = "unwind")] // only the panic tests catch unwinds
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{mpsc, Arc};
use std::time::Duration;

fn pool(n: usize) -> ThreadPool {
    ThreadPoolBuilder::new().num_threads(n).build().unwrap()
}

fn sum_tree(depth: u32) -> u64 {
    if depth == 0 {
        return 1;
    }
    let (a, b) = join(|| sum_tree(depth - 1), || sum_tree(depth - 1));
    a + b + 1
}

#[test]
fn join_tree_every_thread_count() {
    for n in [1, 2, 3, 8] {
        let p = pool(n);
        let d = if cfg!(miri) { 5 } else { 14 };
        assert_eq!(p.install(|| sum_tree(d)), (1 << (d + 1)) - 1, "threads {n}");
    }
}

#[test]
fn join_outside_pool_uses_global() {
    assert_eq!(sum_tree(10), (1 << 11) - 1);
    assert!(current_num_threads() >= 1);
    assert_eq!(current_thread_index(), None);
}

#[cfg(panic = "unwind")] // catches a panic; panic=abort targets (WASI) cannot
#[test]
fn join_panic_in_a_or_b_propagates_and_pool_survives() {
    let p = pool(2);
    for which in 0..2 {
        let r = panic::catch_unwind(AssertUnwindSafe(|| {
            p.install(|| {
                join(
                    || {
                        if which == 0 {
                            panic!("a")
                        }
                        sum_tree(8)
                    },
                    || {
                        if which == 1 {
                            panic!("b")
                        }
                        sum_tree(8)
                    },
                )
            })
        }));
        assert!(r.is_err());
    }
    assert_eq!(p.install(|| sum_tree(12)), (1 << 13) - 1);
}

/// `a` panics after its join's `b` was promoted and stolen: the join waits for the thief,
/// drops `b`'s result (here a value that counts its drops, or `b`'s own panic) and then lets
/// `a`'s panic continue.
#[cfg(panic = "unwind")] // catches a panic; panic=abort targets (WASI) cannot
#[test]
fn join_panic_in_a_after_b_was_stolen_drops_b_result() {
    use std::sync::atomic::AtomicBool;
    struct Counted<'a>(&'a AtomicUsize);
    impl Drop for Counted<'_> {
        fn drop(&mut self) {
            self.0.fetch_add(1, SeqCst);
        }
    }
    let p = pool(2);
    for b_panics in [false, true] {
        let drops = AtomicUsize::new(0);
        let b_ran = AtomicBool::new(false);
        let r = panic::catch_unwind(AssertUnwindSafe(|| {
            p.install(|| {
                join(
                    || {
                        // Poll points (nested joins) until the idle worker's heartbeat
                        // request promoted our frame and the worker ran `b`.
                        while !b_ran.load(SeqCst) {
                            join(|| (), || ());
                            std::thread::yield_now();
                        }
                        panic!("a");
                    },
                    || {
                        b_ran.store(true, SeqCst);
                        if b_panics {
                            panic!("b");
                        }
                        Counted(&drops)
                    },
                )
            })
        }));
        let msg = r.err().and_then(|p| p.downcast_ref::<&str>().copied());
        assert_eq!(msg, Some("a"), "b_panics {b_panics}");
        assert_eq!(drops.load(SeqCst), usize::from(!b_panics));
    }
    assert_eq!(p.install(|| sum_tree(10)), (1 << 11) - 1);
}

/// Spawned closures small enough to travel inline in the queue (with the scope pointer, at
/// most two words) and big ones (boxed) each run once and drop their captures once.
#[test]
fn spawned_closures_inline_and_boxed_run_and_drop_once() {
    /// `.0.0` counts runs, `.0.1` drops.
    struct Counted(Arc<(AtomicUsize, AtomicUsize)>);
    impl Counted {
        fn ran(&self, k: usize) {
            self.0 .0.fetch_add(k, SeqCst);
        }
    }
    impl Drop for Counted {
        fn drop(&mut self) {
            self.0 .1.fetch_add(1, SeqCst);
        }
    }
    let p = pool(2);
    let counts = Arc::new((AtomicUsize::new(0), AtomicUsize::new(0)));
    let n = if cfg!(miri) { 4 } else { 100 };
    p.scope(|s| {
        for i in 0..n {
            // One word (+ the scope pointer): inline.
            let c = Counted(counts.clone());
            s.spawn(move |_| c.ran(1));
            // Nine words: boxed.
            let (c, big) = (Counted(counts.clone()), [i; 8]);
            s.spawn(move |_| c.ran(big[0] - i + 1));
        }
    });
    for i in 0..n {
        // One word: inline.
        let c = Counted(counts.clone());
        p.spawn(move || c.ran(1));
        // Three words: boxed.
        let (c, x, y) = (Counted(counts.clone()), i, i);
        p.spawn(move || c.ran(x - y + 1));
    }
    p.shutdown(true); // drains the queue and joins the workers
    assert_eq!(counts.0.load(SeqCst), 4 * n);
    assert_eq!(counts.1.load(SeqCst), 4 * n);
}

#[test]
fn scope_borrows_and_waits() {
    let p = pool(3);
    let mut v = vec![0usize; if cfg!(miri) { 50 } else { 1000 }];
    p.scope(|s| {
        for (i, x) in v.iter_mut().enumerate() {
            s.spawn(move |_| *x = i * 2);
        }
    });
    assert!(v.iter().enumerate().all(|(i, &x)| x == i * 2));
}

#[test]
fn scope_nested_spawns() {
    let p = pool(2);
    let count = AtomicUsize::new(0);
    p.scope(|s| {
        for _ in 0..10 {
            s.spawn(|s| {
                for _ in 0..10 {
                    s.spawn(|_| {
                        count.fetch_add(1, SeqCst);
                    });
                }
            });
        }
    });
    assert_eq!(count.load(SeqCst), 100);
}

/// The scope owner counts its spawns from a reserve (ADR 035): many batches, nested spawns
/// from jobs on any worker (also on the owner while it waits, after the reserve closed), and
/// nested scopes on the same thread each keep their own count.
#[test]
fn scope_owner_reserve_batches_and_nested_spawns() {
    let p = pool(2);
    let count = AtomicUsize::new(0);
    let n = if cfg!(miri) { 70 } else { 1000 };
    p.scope(|s| {
        for _ in 0..n {
            s.spawn(|s| {
                count.fetch_add(1, SeqCst);
                s.spawn(|_| {
                    count.fetch_add(1, SeqCst);
                });
            });
        }
        scope(|inner| {
            for _ in 0..n {
                inner.spawn(|_| {
                    count.fetch_add(1, SeqCst);
                });
            }
        });
        assert!(
            count.load(SeqCst) >= n,
            "the inner scope waited for its own jobs"
        );
    });
    assert_eq!(count.load(SeqCst), 3 * n);
}

#[cfg(panic = "unwind")] // catches a panic; panic=abort targets (WASI) cannot
#[test]
fn scope_panic_propagates_after_all_jobs() {
    let p = pool(2);
    let done = AtomicUsize::new(0);
    let r = panic::catch_unwind(AssertUnwindSafe(|| {
        p.scope(|s| {
            s.spawn(|_| panic!("job"));
            for _ in 0..50 {
                s.spawn(|_| {
                    done.fetch_add(1, SeqCst);
                });
            }
        })
    }));
    assert!(r.is_err());
    assert_eq!(done.load(SeqCst), 50);
}

#[test]
fn scope_fifo_runs_all() {
    let p = pool(2);
    let count = AtomicUsize::new(0);
    p.scope_fifo(|s| {
        for _ in 0..100 {
            s.spawn_fifo(|_| {
                count.fetch_add(1, SeqCst);
            });
        }
    });
    assert_eq!(count.load(SeqCst), 100);
}

#[cfg(panic = "unwind")] // catches a panic; panic=abort targets (WASI) cannot
#[test]
fn spawn_panic_goes_to_handler_and_pool_keeps_workers() {
    let (tx, rx) = mpsc::channel::<String>();
    let tx = std::sync::Mutex::new(tx);
    let p = ThreadPoolBuilder::new()
        .num_threads(2)
        .panic_handler(move |p| {
            let msg = p
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .unwrap_or_default();
            tx.lock().unwrap().send(msg).unwrap();
        })
        .build()
        .unwrap();
    for _ in 0..4 {
        p.spawn(|| panic!("boom"));
    }
    // Untimed: the handler owns the only sender, so a lost report hangs (the harness's
    // timeout reports it) instead of a real-time limit failing on a slow or loaded machine
    // (a 10 s `recv_timeout` failed under miri on a busy 2-core machine: issue 21).
    for _ in 0..4 {
        assert_eq!(rx.recv().unwrap(), "boom");
    }
    // Both workers still answer.
    let idx = p.broadcast(|ctx| ctx.index());
    assert_eq!(idx, vec![0, 1]);
}

#[cfg(panic = "unwind")] // catches a panic; panic=abort targets (WASI) cannot
#[test]
#[cfg_attr(
    all(target_arch = "wasm32", target_os = "unknown"),
    ignore = "std's mpsc recv_timeout reads std::time::Instant, which panics in the browser"
)]
fn spawn_default_handler_keeps_running() {
    let p = pool(1);
    p.spawn(|| panic!("reported, not fatal"));
    let (tx, rx) = mpsc::channel();
    p.spawn(move || tx.send(7).unwrap());
    // Untimed for the same reason as in `spawn_panic_goes_to_handler_and_pool_keeps_workers`.
    assert_eq!(rx.recv().unwrap(), 7);
}

#[test]
#[cfg_attr(
    all(target_arch = "wasm32", target_os = "unknown"),
    ignore = "std's mpsc recv_timeout reads std::time::Instant, which panics in the browser"
)]
fn spawn_fifo_and_free_spawn() {
    let (tx, rx) = mpsc::channel();
    for i in 0..10 {
        let tx = tx.clone();
        spawn_fifo(move || tx.send(i).unwrap());
    }
    let tx2 = tx.clone();
    spawn(move || tx2.send(100).unwrap());
    let mut got: Vec<i32> = (0..11)
        .map(|_| rx.recv().unwrap()) // untimed: see spawn_panic_goes_to_handler_and_pool_keeps_workers
        .collect();
    got.sort();
    assert_eq!(got.last(), Some(&100));
}

#[test]
fn broadcast_runs_once_per_worker() {
    let p = pool(3);
    let v = p.broadcast(|ctx| (ctx.index(), ctx.num_threads()));
    assert_eq!(v, vec![(0, 3), (1, 3), (2, 3)]);
    // From inside the pool too.
    let v = p.install(|| broadcast(|ctx| ctx.index()));
    assert_eq!(v, vec![0, 1, 2]);
}

#[test]
fn install_inside_same_pool_does_not_deadlock() {
    let p = Arc::new(pool(1));
    let p2 = p.clone();
    let r = p.install(move || p2.install(|| 5) + p2.current_thread_index().unwrap());
    assert_eq!(r, 5);
}

#[test]
fn nested_pools() {
    let outer = pool(2);
    let inner = pool(2);
    let r = outer.install(|| {
        join(
            || inner.install(|| sum_tree(10)),
            || inner.join(|| sum_tree(9), || 1).0,
        )
    });
    assert_eq!(r, ((1 << 11) - 1, (1 << 10) - 1));
}

#[test]
fn current_thread_index_and_num_threads() {
    let p = pool(3);
    assert_eq!(p.current_num_threads(), 3);
    assert_eq!(p.current_thread_index(), None);
    let i = p.install(|| (current_thread_index().unwrap(), current_num_threads()));
    assert!(i.0 < 3);
    assert_eq!(i.1, 3);
    assert!(p.install(|| p.yield_now()).is_some());
    assert!(p.yield_now().is_none());
}

#[test]
fn num_threads_zero_is_default_and_huge_is_an_error() {
    let p = pool(0);
    assert!(p.current_num_threads() >= 1);
    let e = ThreadPoolBuilder::new()
        .num_threads(usize::MAX)
        .build()
        .unwrap_err();
    assert!(e.to_string().contains("maximum"));
}

#[test]
fn second_global_pool_is_an_error() {
    let _ = ThreadPoolBuilder::new().num_threads(2).build_global();
    let e = ThreadPoolBuilder::new()
        .num_threads(2)
        .build_global()
        .unwrap_err();
    assert!(e.is_global_pool_already_initialized());
}

#[test]
#[cfg_attr(
    all(target_arch = "wasm32", target_os = "unknown"),
    ignore = "Web Workers have no std thread names"
)]
fn handlers_and_names() {
    let starts = Arc::new(AtomicUsize::new(0));
    let exits = Arc::new(AtomicUsize::new(0));
    let (s2, e2) = (starts.clone(), exits.clone());
    let p = ThreadPoolBuilder::new()
        .num_threads(2)
        .thread_name(|i| format!("sched-test-{i}"))
        .stack_size(1 << 20)
        .start_handler(move |_| {
            s2.fetch_add(1, SeqCst);
        })
        .exit_handler(move |_| {
            e2.fetch_add(1, SeqCst);
        })
        .build()
        .unwrap();
    let names = p.broadcast(|_| std::thread::current().name().unwrap().to_string());
    assert_eq!(names, vec!["sched-test-0", "sched-test-1"]);
    p.shutdown(true);
    assert_eq!(starts.load(SeqCst), 2);
    assert_eq!(exits.load(SeqCst), 2);
}

/// Drop returns without waiting, and every job queued before it still runs (the last one to
/// finish reports on a channel).
#[test]
fn drop_finishes_queued_work() {
    const N: usize = if cfg!(miri) { 20 } else { 1000 };
    let count = Arc::new(AtomicUsize::new(0));
    let (done_tx, done_rx) = mpsc::channel();
    let p = pool(2);
    for _ in 0..N {
        let (c, done_tx) = (count.clone(), done_tx.clone());
        p.spawn(move || {
            if c.fetch_add(1, SeqCst) + 1 == N {
                done_tx.send(()).unwrap();
            }
        });
    }
    drop(p);
    done_rx.recv().unwrap();
    assert_eq!(count.load(SeqCst), N);
}

#[test]
fn shutdown_wait_finishes_queued_work() {
    const N: usize = if cfg!(miri) { 20 } else { 1000 };
    let count = Arc::new(AtomicUsize::new(0));
    let p = pool(2);
    for _ in 0..N {
        let c = count.clone();
        p.spawn(move || {
            c.fetch_add(1, SeqCst);
        });
    }
    p.shutdown(true);
    assert_eq!(count.load(SeqCst), N);
}

#[test]
fn shutdown_without_wait_returns_despite_blocked_job() {
    let p = pool(1);
    let (tx, rx) = mpsc::channel::<()>();
    let (started_tx, started_rx) = mpsc::channel::<()>();
    p.spawn(move || {
        started_tx.send(()).unwrap();
        let _ = rx.recv(); // blocks until the test ends (sender dropped at exit)
    });
    started_rx.recv().unwrap();
    p.shutdown(false);
    let p2 = pool(1);
    assert!(!p2.install(|| false));
    // The blocked worker is released when `tx` drops.
    drop(tx);
}

#[test]
#[cfg_attr(
    all(target_arch = "wasm32", target_os = "unknown"),
    ignore = "std's mpsc recv_timeout reads std::time::Instant, which panics in the browser"
)]
fn shutdown_timeout_reports() {
    let p = pool(2);
    let (tx, rx) = mpsc::channel::<()>();
    p.spawn(move || {
        let _ = rx.recv_timeout(Duration::from_secs(30));
    });
    std::thread::sleep(Duration::from_millis(20));
    assert!(!p.shutdown_timeout(Duration::from_millis(50)));
    drop(tx);
    let p = pool(2);
    p.spawn(|| {});
    assert!(p.shutdown_timeout(Duration::from_secs(10)));
}

#[test]
fn use_current_thread_runs_install_inline() {
    let p = ThreadPoolBuilder::new()
        .num_threads(2)
        .use_current_thread()
        .build()
        .unwrap();
    assert_eq!(p.current_thread_index(), Some(0));
    let me = std::thread::current().id();
    assert_eq!(p.install(|| std::thread::current().id()), me);
    assert_eq!(p.install(|| sum_tree(12)), (1 << 13) - 1);
    drop(p);
    assert_eq!(current_thread_index(), None);
}

#[test]
fn deep_recursion_through_join() {
    // wasm threads get a 1 MiB stack by default and debug-build join frames are large there,
    // so WASI checks a shallower depth; native checks the 10,000 the issue asks for.
    // In the browser the engine's own call stack of a worker (V8: about 1 MB, not settable
    // from a page) overflows before the wasm stack does: a debug-build join level nests many
    // wasm calls (catch_unwind and closure shims); 800 levels passed, 1,000 did not.
    // Under ThreadSanitizer (`cfg(portalis_tsan)`, set by build.rs) a thread's shadow
    // call stack holds 65,536 frames and overflowing it corrupts the runtime's memory (it
    // crashed in TSan's trace allocator, then hung): a debug join level is about 9 frames, so
    // TSan checks 2,000 levels (18,000 frames). See ADR 042.
    const DEPTH: usize = if cfg!(miri) {
        50
    } else if cfg!(portalis_tsan) {
        2_000
    } else if cfg!(all(target_arch = "wasm32", target_os = "unknown")) {
        500
    } else if cfg!(target_family = "wasm") {
        1_000
    } else {
        10_000
    };
    fn down(n: usize) -> usize {
        if n == 0 {
            return 0;
        }
        let (a, b) = join(|| down(n - 1), || 1);
        a + b
    }
    let p = pool(2);
    assert_eq!(p.install(|| down(DEPTH)), DEPTH);
    assert_eq!(down(DEPTH), DEPTH);
}

#[test]
fn scope_is_shareable_across_join() {
    let p = pool(2);
    let n = AtomicUsize::new(0);
    p.scope(|s| {
        join(
            || {
                s.spawn(|_| {
                    n.fetch_add(1, SeqCst);
                })
            },
            || {
                s.spawn(|_| {
                    n.fetch_add(1, SeqCst);
                })
            },
        );
    });
    assert_eq!(n.load(SeqCst), 2);
}

#[test]
fn pool_and_scope_are_send_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<ThreadPool>();
    assert_send_sync::<Scope<'static>>();
    assert_send_sync::<ScopeFifo<'static>>();
}

/// A 1-thread pool's scope (its pushes skip the sleep check, PROTOCOL.md P-single): every
/// spawned job, nested ones included, runs exactly once, LIFO and FIFO scopes alike.
#[test]
#[cfg_attr(
    portalis_no_threads,
    ignore = "builds a threaded pool; this target has none"
)]
fn single_thread_pool_scope_runs_every_job_once() {
    let pool = ThreadPoolBuilder::new().num_threads(1).build().unwrap();
    let n = if cfg!(miri) { 20 } else { 10_000 };
    let hits: Vec<std::sync::atomic::AtomicU32> = (0..2 * n)
        .map(|_| std::sync::atomic::AtomicU32::new(0))
        .collect();
    pool.scope(|s| {
        for i in 0..n {
            let hits = &hits;
            s.spawn(move |s| {
                hits[i].fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                s.spawn(move |_| {
                    hits[n + i].fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                });
            });
        }
    });
    assert!(hits
        .iter()
        .all(|h| h.load(std::sync::atomic::Ordering::Relaxed) == 1));
    let order = std::sync::Mutex::new(Vec::new());
    pool.scope_fifo(|s| {
        for i in 0..5 {
            let order = &order;
            s.spawn_fifo(move |_| order.lock().unwrap().push(i));
        }
    });
    assert_eq!(*order.lock().unwrap(), [0, 1, 2, 3, 4]);
}
