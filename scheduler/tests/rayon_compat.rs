//! Behaviours a rayon-core user relies on (issue 15). Tests named in a doc comment as
//! failing before the fix were run against the old code and failed as described; the others
//! say they are coverage. A scenario that used to
//! deadlock runs on a helper thread and is awaited with a generous bound (`finishes`): it
//! fails instead of hanging; nothing here asserts on time otherwise.
//!
//! In the browser this file is a module of tests/web_pool.rs (worker mode: the test thread is
//! a dedicated Web Worker, the pools' threads are Web Workers). There is no std thread to run
//! a scenario on and std's timed channel waits read `std::time::Instant`, which panics there,
//! so `finishes` runs the scenario inline and `registry_released` waits untimed: a deadlock
//! then fails the binary through the runner's timeout (`WASM_BINDGEN_TEST_TIMEOUT`, set in
//! scripts/web-env.sh) instead of this file's bound. The panic tests are compiled out there
//! as on WASI (panic=abort); the rest run unless a `cfg_attr` says why not.
#![cfg(not(any(portalis_loom, portalis_shuttle)))] // native/WASI behaviour; models: verify/tests/shuttle_pool.rs

use portalis_scheduler::*;
// In the browser this file is a module of tests/web_pool.rs, whose `#[test]` boots workers.
#[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
use crate::browser_test as test;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::{mpsc, Arc};
use std::time::Duration;

/// How long a scenario that used to deadlock may take before the test calls it a deadlock.
/// Generous: the machine is shared and slow; a correct run takes milliseconds.
#[cfg(not(all(target_arch = "wasm32", target_os = "unknown")))]
const DEADLOCK_BOUND: Duration = Duration::from_secs(60);

/// Runs `f` on a helper thread and returns its result; panics if it has not finished within
/// [`DEADLOCK_BOUND`] (the helper is then left blocked; the test process ends it).
#[cfg(not(all(target_arch = "wasm32", target_os = "unknown")))]
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

/// The browser's `finishes`: runs `f` on this thread (no std threads there; see the module
/// doc). A deadlock hangs the binary until the runner's timeout fails it.
#[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
fn finishes<R>(_what: &str, f: impl FnOnce() -> R) -> R {
    f()
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

// ---- 6. no thread left behind after shutdown --------------------------------------------

/// Sends on its channel when dropped: put inside a pool's exit handler, it reports when the
/// pool's registry (which owns the handlers and the workers' join handles) is released.
struct SignalOnDrop(mpsc::Sender<()>);

impl Drop for SignalOnDrop {
    fn drop(&mut self) {
        let _ = self.0.send(());
    }
}

/// A 1-thread pool whose worker is blocked in a spawned job until the returned sender sends,
/// and a receiver that hears when the pool's registry is released.
fn pool_with_blocked_job() -> (ThreadPool, mpsc::Sender<()>, mpsc::Receiver<()>) {
    let (released_tx, released_rx) = mpsc::channel();
    let guard = SignalOnDrop(released_tx);
    let p = ThreadPoolBuilder::new()
        .num_threads(1)
        .exit_handler(move |_| {
            let _keep = &guard;
        })
        .build()
        .unwrap();
    let (go_tx, go_rx) = mpsc::channel::<()>();
    let (running_tx, running_rx) = mpsc::channel::<()>();
    p.spawn(move || {
        running_tx.send(()).unwrap();
        go_rx.recv().unwrap();
    });
    // The job holds the only worker from here on: the shutdown below cannot finish it.
    running_rx.recv().unwrap();
    (p, go_tx, released_rx)
}

/// Waits (bounded by [`DEADLOCK_BOUND`]; untimed in the browser, see the module doc) for the
/// registry-released signal.
fn registry_released(what: &str, released: &mpsc::Receiver<()>) {
    #[cfg(not(all(target_arch = "wasm32", target_os = "unknown")))]
    let got = released.recv_timeout(DEADLOCK_BOUND);
    #[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
    let got = released.recv();
    match got {
        Ok(()) => {}
        Err(e) => panic!(
            "{what}: the pool's registry (its handlers and its threads' join handles) was \
             never released after the last worker left: {e:?}"
        ),
    }
}

/// Pins (issue 15 §6): after `shutdown(false)` with a job still blocked, the job finishes
/// once released and, when the last worker leaves, the pool's registry is released: its
/// threads' join handles are dropped (each thread detached) and its handlers freed, so no
/// thread is left unjoined and undetached. Before the fix `shutdown` `mem::forget`-ed the
/// pool, so the registry, with every `JoinHandle` in it, was never released: checked by
/// putting `std::mem::forget(self)` back in `ThreadPool::shutdown` (as before b0a315c), and
/// on 20491b2~1's pool: this test failed ("never released") and ThreadSanitizer (make
/// test-tsan) reported a thread leak.
#[test]
fn shutdown_without_wait_leaves_no_thread_behind() {
    let (p, go, released) = pool_with_blocked_job();
    p.shutdown(false);
    go.send(()).unwrap();
    registry_released("shutdown(false)", &released);
}

/// Pins (issue 15 §6): a `shutdown_timeout` that times out on a blocked job returns `false`
/// and still leaves no thread behind: once the job is released and the worker leaves, the
/// registry (handlers, join handles) is released. Before the fix it `mem::forget`-ed the
/// pool: checked as for [`shutdown_without_wait_leaves_no_thread_behind`], this test failed.
#[test]
fn shutdown_timeout_that_times_out_leaves_no_thread_behind() {
    let (p, go, released) = pool_with_blocked_job();
    // The worker cannot exit before `go` sends, so this times out whatever the machine's pace.
    assert!(!p.shutdown_timeout(Duration::from_millis(10)));
    go.send(()).unwrap();
    registry_released("shutdown_timeout", &released);
}

/// Dropping the pool with a blocked job releases the registry too once the worker leaves.
/// Coverage for §6 (`Drop` never forgot the pool); on 20491b2~1's pool the drop itself
/// deadlocked (§2), which `finishes` turns into a failure.
#[test]
fn drop_with_a_blocked_job_leaves_no_thread_behind() {
    let (p, go, released) = pool_with_blocked_job();
    finishes("drop with a blocked job", move || drop(p));
    go.send(()).unwrap();
    registry_released("drop", &released);
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

// ---- 8. FIFO order per scope, interleaved with LIFO work ------------------------------
//
// The order contract (README "Order of spawned jobs"): on one thread, with nothing stolen,
// `Scope::spawn` jobs start in LIFO order and `ScopeFifo::spawn_fifo` jobs of one scope start
// in FIFO order; each FIFO job is represented on the spawning worker's deque by a token
// pushed when it was spawned, so FIFO and LIFO work interleave by those positions. The
// expected vectors below follow from that rule (rayon-core's documented behaviour).

use std::sync::Mutex;

/// Ten outer jobs, each spawning ten inner jobs into the *same* scope; returns the order.
macro_rules! flat_order {
    ($scope:ident, $spawn:ident) => {{
        pool(1).install(|| {
            let order = Mutex::new(Vec::new());
            $scope(|s| {
                let order = &order;
                for i in 0..10 {
                    s.$spawn(move |s| {
                        for j in 0..10 {
                            s.$spawn(move |_| order.lock().unwrap().push(i * 10 + j));
                        }
                    });
                }
            });
            order.into_inner().unwrap()
        })
    }};
}

/// Ten outer jobs, each running a nested scope of ten jobs; returns the order.
macro_rules! nested_order {
    ($outer:ident, $ospawn:ident, $inner:ident, $ispawn:ident) => {{
        pool(1).install(|| {
            let order = Mutex::new(Vec::new());
            $outer(|s| {
                let order = &order;
                for i in 0..10 {
                    s.$ospawn(move |_| {
                        $inner(|s| {
                            for j in 0..10 {
                                s.$ispawn(move |_| order.lock().unwrap().push(i * 10 + j));
                            }
                        })
                    });
                }
            });
            order.into_inner().unwrap()
        })
    }};
}

/// Outer jobs 0..=3 and inner jobs -1..=-3 spawned alternately while an inner scope is open.
macro_rules! mixed_order {
    ($outer:ident, $ospawn:ident, $inner:ident, $ispawn:ident) => {{
        pool(1).install(|| {
            let order = Mutex::new(Vec::new());
            $outer(|o| {
                let order = &order;
                o.$ospawn(move |_| order.lock().unwrap().push(0));
                $inner(|i| {
                    i.$ispawn(move |_| order.lock().unwrap().push(-1));
                    o.$ospawn(move |_| order.lock().unwrap().push(1));
                    i.$ispawn(move |_| order.lock().unwrap().push(-2));
                    o.$ospawn(move |_| order.lock().unwrap().push(2));
                    i.$ispawn(move |_| order.lock().unwrap().push(-3));
                });
                o.$ospawn(move |_| order.lock().unwrap().push(3));
            });
            order.into_inner().unwrap()
        })
    }};
}

/// LIFO scope: reverse order (coverage: unchanged by the fix).
#[test]
fn order_flat_lifo() {
    assert_eq!(
        flat_order!(scope, spawn),
        (0..100).rev().collect::<Vec<_>>()
    );
}

/// A FIFO scope whose jobs spawn more jobs into it runs all 100 in spawn order (coverage:
/// held before too, through the one injector; the base case of the contract).
#[test]
fn order_flat_fifo() {
    assert_eq!(
        flat_order!(scope_fifo, spawn_fifo),
        (0..100).collect::<Vec<_>>()
    );
}

/// Nested FIFO scopes run in FIFO order at both levels (coverage: held before too).
#[test]
fn order_nested_fifo_fifo() {
    assert_eq!(
        nested_order!(scope_fifo, spawn_fifo, scope_fifo, spawn_fifo),
        (0..100).collect::<Vec<_>>()
    );
}

/// Nested LIFO scopes (coverage).
#[test]
fn order_nested_lifo_lifo() {
    assert_eq!(
        nested_order!(scope, spawn, scope, spawn),
        (0..100).rev().collect::<Vec<_>>()
    );
}

/// LIFO outside, FIFO inside: outer jobs in reverse, each one's inner jobs in order
/// (coverage: held before too).
#[test]
fn order_nested_lifo_fifo() {
    let want: Vec<i32> = (0..10)
        .rev()
        .flat_map(|i| (0..10).map(move |j| i * 10 + j))
        .collect();
    assert_eq!(nested_order!(scope, spawn, scope_fifo, spawn_fifo), want);
}

/// FIFO outside, LIFO inside: outer jobs in order, each one's inner jobs reversed
/// (coverage: held before too).
#[test]
fn order_nested_fifo_lifo() {
    let want: Vec<i32> = (0..10)
        .flat_map(|i| (0..10).rev().map(move |j| i * 10 + j))
        .collect();
    assert_eq!(nested_order!(scope_fifo, spawn_fifo, scope, spawn), want);
}

/// Pins the shape of issue 15 §8: two FIFO scopes, spawns alternating between them. Before
/// the fix: `[0, -1, 1, -2, 2, -3, 3]` (one pool-wide FIFO); per-scope FIFO queues
/// interleaved through tokens give `[-1, 0, -2, 1, -3, 2, 3]`.
#[test]
fn order_mixed_fifo_fifo() {
    assert_eq!(
        mixed_order!(scope_fifo, spawn_fifo, scope_fifo, spawn_fifo),
        [-1, 0, -2, 1, -3, 2, 3]
    );
}

/// Two LIFO scopes alternating (coverage; the inner scope's end runs some outer jobs before
/// the last outer one is spawned, so the outer ones are not perfectly reversed).
#[test]
fn order_mixed_lifo_lifo() {
    assert_eq!(
        mixed_order!(scope, spawn, scope, spawn),
        [-3, 2, -2, 1, -1, 3, 0]
    );
}

/// Pins: LIFO outer scope, FIFO inner scope alternating. Before the fix every LIFO job ran
/// before any FIFO one: `[2, 1, 0, -1, -2, -3, 3]`.
#[test]
fn order_mixed_lifo_fifo() {
    assert_eq!(
        mixed_order!(scope, spawn, scope_fifo, spawn_fifo),
        [-1, 2, -2, 1, -3, 3, 0]
    );
}

/// Pins: FIFO outer scope, LIFO inner scope alternating. Before the fix:
/// `[-3, -2, -1, 0, 1, 2, 3]`.
#[test]
fn order_mixed_fifo_lifo() {
    assert_eq!(
        mixed_order!(scope_fifo, spawn_fifo, scope, spawn),
        [-3, 0, -2, 1, -1, 2, 3]
    );
}

/// Pins: `spawn_fifo` from a worker (no scope) interleaves with that worker's LIFO `spawn`s
/// through tokens: on one thread, LIFO pops the newest token or job first, and each token
/// runs the oldest FIFO job. Before the fix every FIFO job waited in the injector until the
/// worker's deque was empty, giving `[l2, l1, l0, f0, f1, f2]`.
#[test]
fn order_spawn_fifo_interleaves_with_spawn() {
    let p = pool(1);
    let (tx, rx) = mpsc::channel::<&'static str>();
    p.install(|| {
        for (fifo, lifo) in [("f0", "l0"), ("f1", "l1"), ("f2", "l2")] {
            let (t1, t2) = (tx.clone(), tx.clone());
            spawn_fifo(move || t1.send(fifo).unwrap());
            spawn(move || t2.send(lifo).unwrap());
        }
    });
    drop(tx);
    let got: Vec<_> = rx.iter().collect();
    assert_eq!(got, ["l2", "f0", "l1", "f1", "l0", "f2"]);
}

// ---- the rest of rayon-core's API -------------------------------------------------------

/// `join_context`: nothing migrates on a 1-thread pool; from outside any pool the call is
/// injected, so `a` runs on another thread (migrated); a `b` that another worker ran (the
/// owner keeps joining, which promotes `b`, until `b` has started elsewhere) says migrated.
#[test]
fn join_context_reports_migration() {
    assert_eq!(
        pool(1).install(|| join_context(|c| c.migrated(), |c| c.migrated())),
        (false, false)
    );
    let (a, _) = join_context(|c| c.migrated(), |_| ());
    assert!(a, "called from outside the pool: a runs on a worker");
    let p = pool(2);
    let b_started = AtomicBool::new(false);
    let (a, b) = finishes("join_context with a stolen b", move || {
        p.install(|| {
            join_context(
                |c| {
                    let me = std::thread::current().id();
                    while !b_started.load(SeqCst) {
                        join(|| (), || ());
                        std::thread::yield_now();
                    }
                    (c.migrated(), me)
                },
                |c| {
                    b_started.store(true, SeqCst);
                    (c.migrated(), std::thread::current().id())
                },
            )
        })
    });
    assert!(!a.0, "a runs where join_context was called");
    assert!(b.0 && a.1 != b.1, "b ran on the other worker and says so");
}

/// `yield_local` runs only the worker's own deque: a job there runs; an injected one does not.
#[test]
fn yield_local_runs_only_local_work() {
    let p = pool(1);
    assert_eq!(yield_local(), None, "not on a worker");
    let ran = Arc::new(AtomicUsize::new(0));
    let r2 = ran.clone();
    let (first, second) = p.install(move || {
        let r3 = r2.clone();
        spawn(move || {
            r3.fetch_add(1, SeqCst);
        });
        let first = yield_local();
        let second = yield_local();
        (first, second)
    });
    assert_eq!((first, second), (Some(Yield::Executed), Some(Yield::Idle)));
    assert_eq!(ran.load(SeqCst), 1);
}

/// `spawn_broadcast` (free function and on the pool) runs once per worker and returns at
/// once; a panic goes to the panic handler.
#[test]
fn spawn_broadcast_runs_on_every_worker() {
    let (tx, rx) = mpsc::channel::<usize>();
    let tx = std::sync::Mutex::new(tx);
    let (ptx, prx) = mpsc::channel::<()>();
    let ptx = std::sync::Mutex::new(ptx);
    let p = ThreadPoolBuilder::new()
        .num_threads(3)
        .panic_handler(move |_| ptx.lock().unwrap().send(()).unwrap())
        .build()
        .unwrap();
    let tx = Arc::new(tx);
    let t2 = tx.clone();
    p.spawn_broadcast(move |ctx| {
        assert_eq!(ctx.num_threads(), 3);
        t2.lock().unwrap().send(ctx.index()).unwrap();
    });
    let mut got: Vec<_> = (0..3).map(|_| rx.recv().unwrap()).collect();
    got.sort_unstable();
    assert_eq!(got, [0, 1, 2]);
    // The panicking half needs unwinding (WASI builds are panic=abort).
    if cfg!(panic = "unwind") {
        p.install(|| {
            spawn_broadcast(|ctx| {
                if ctx.index() == 1 {
                    panic!("one");
                }
            })
        });
        prx.recv().unwrap();
    }
}

/// `Scope::spawn_broadcast` / `ScopeFifo::spawn_broadcast`: one call per worker, borrowed data,
/// and the scope waits for them.
#[test]
fn scope_spawn_broadcast_runs_on_every_worker() {
    let p = pool(3);
    let hits: Vec<AtomicUsize> = (0..3).map(|_| AtomicUsize::new(0)).collect();
    p.scope(|s| {
        s.spawn_broadcast(|_, ctx| {
            hits[ctx.index()].fetch_add(1, SeqCst);
        })
    });
    p.scope_fifo(|s| {
        s.spawn_broadcast(|s, ctx| {
            let hits = &hits;
            s.spawn_fifo(move |_| {
                hits[ctx.index()].fetch_add(10, SeqCst);
            });
        })
    });
    let v: Vec<_> = hits.iter().map(|h| h.load(SeqCst)).collect();
    assert_eq!(v, [11, 11, 11]);
}

/// Pins: `b.in_place_scope` called on a worker of pool A keeps that worker running A's jobs
/// while it waits for the scope (issue 15 §1's rule, for `in_place_scope`): the scope's job,
/// on B's worker, calls `a.install`, which only A's (waiting) worker can run. Both pools have
/// one thread. Before the fix A's worker parked on a `LockLatch` and the job never ran:
/// this test failed with "deadlocked" after the 60 s bound (checked 2026-12-07 by reverting
/// `in_place_scope_in`'s cross-pool branch).
#[test]
fn in_place_scope_from_another_pool_keeps_its_worker_working() {
    let (a, b) = (pool(1), pool(1));
    let r = finishes("a.install(b.in_place_scope(spawn(a.install)))", move || {
        a.install(|| {
            let got = AtomicUsize::new(0);
            b.in_place_scope(|s| {
                s.spawn(|_| {
                    got.store(a.install(|| 40) + 1, SeqCst);
                });
            });
            got.load(SeqCst) + 1
        })
    });
    assert_eq!(r, 42);
}

/// As [`in_place_scope_from_another_pool_keeps_its_worker_working`] for
/// `in_place_scope_fifo` (failed the same way before the fix).
#[test]
fn in_place_scope_fifo_from_another_pool_keeps_its_worker_working() {
    let (a, b) = (pool(1), pool(1));
    let r = finishes(
        "a.install(b.in_place_scope_fifo(spawn_fifo(a.install)))",
        move || {
            a.install(|| {
                let got = AtomicUsize::new(0);
                b.in_place_scope_fifo(|s| {
                    s.spawn_fifo(|_| {
                        got.store(a.install(|| 40) + 1, SeqCst);
                    });
                });
                got.load(SeqCst) + 1
            })
        },
    );
    assert_eq!(r, 42);
}

/// `in_place_scope`: the body runs on the calling thread (it may use non-`Send` values), its
/// jobs run in the current pool (the global one here) and may borrow; the scope waits.
#[test]
fn in_place_scope_runs_body_here() {
    let me = std::thread::current().id();
    let local = std::rc::Rc::new(5); // not Send: only the body touches it
    let mut v = vec![0usize; 8];
    let body_thread = in_place_scope(|s| {
        for (i, x) in v.iter_mut().enumerate() {
            s.spawn(move |s| {
                s.spawn(|_| {});
                *x = i * 2;
            });
        }
        (std::thread::current().id(), *local)
    });
    assert_eq!(body_thread, (me, 5));
    assert_eq!(v, (0..8).map(|i| i * 2).collect::<Vec<_>>());
    // On a worker it is an ordinary scope of that worker's pool.
    let p = pool(2);
    let idx = p.install(|| in_place_scope(|_| current_thread_index()));
    assert!(idx.is_some());
}

/// `in_place_scope_fifo`: same, FIFO; a panic in a job propagates after all jobs ran.
#[cfg(panic = "unwind")]
#[test]
fn in_place_scope_fifo_waits_and_propagates() {
    let count = AtomicUsize::new(0);
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        in_place_scope_fifo(|s| {
            for i in 0..20 {
                let count = &count;
                s.spawn_fifo(move |_| {
                    count.fetch_add(1, SeqCst);
                    if i == 7 {
                        panic!("job 7");
                    }
                });
            }
        })
    }));
    assert!(r.is_err());
    assert_eq!(count.load(SeqCst), 20);
}

/// `spawn_handler` + `ThreadBuilder::run`: the handler sees each worker's index, name and
/// stack size and starts it on its own thread; the pool works and `shutdown(true)` waits for
/// the workers without join handles.
#[test]
#[cfg_attr(
    all(target_arch = "wasm32", target_os = "unknown"),
    ignore = "its spawn handler starts workers on std threads, which the browser does not have"
)]
fn spawn_handler_starts_workers() {
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let s2 = seen.clone();
    let exits = Arc::new(AtomicUsize::new(0));
    let e2 = exits.clone();
    let p = ThreadPoolBuilder::new()
        .num_threads(3)
        .thread_name(|i| format!("custom-{i}"))
        .stack_size(1 << 20)
        .exit_handler(move |_| {
            e2.fetch_add(1, SeqCst);
        })
        .spawn_handler(move |t| {
            s2.lock()
                .unwrap()
                .push((t.index(), t.name().map(String::from), t.stack_size()));
            std::thread::Builder::new()
                .name(t.name().unwrap().to_owned())
                .stack_size(t.stack_size())
                .spawn(|| t.run())?;
            Ok(())
        })
        .build()
        .unwrap();
    let names = p.broadcast(|_| std::thread::current().name().unwrap().to_owned());
    assert_eq!(names, ["custom-0", "custom-1", "custom-2"]);
    p.shutdown(true);
    assert_eq!(exits.load(SeqCst), 3);
    let seen = seen.lock().unwrap().clone();
    assert_eq!(
        seen,
        (0..3)
            .map(|i| (i, Some(format!("custom-{i}")), 1 << 20))
            .collect::<Vec<_>>()
    );
}

/// A spawn handler that fails for worker 2: `build` returns the error and the two workers
/// already started have exited (their exit handlers ran) before it returns.
#[test]
#[cfg_attr(
    all(target_arch = "wasm32", target_os = "unknown"),
    ignore = "its spawn handler calls std::thread::spawn, which the browser does not have"
)]
fn spawn_handler_error_stops_started_workers() {
    let exits = Arc::new(AtomicUsize::new(0));
    let e2 = exits.clone();
    let r = ThreadPoolBuilder::new()
        .num_threads(4)
        .exit_handler(move |_| {
            e2.fetch_add(1, SeqCst);
        })
        .spawn_handler(|t| {
            if t.index() == 2 {
                return Err(std::io::Error::other("no thread for you"));
            }
            std::thread::spawn(|| t.run());
            Ok(())
        })
        .build();
    assert!(r.is_err());
    assert_eq!(exits.load(SeqCst), 2);
}

/// `build_scoped`: workers may borrow from the caller, and every worker has exited when it
/// returns.
#[test]
#[cfg_attr(
    all(target_arch = "wasm32", target_os = "unknown"),
    ignore = "build_scoped runs workers on std::thread::scope threads; the browser has none"
)]
fn build_scoped_borrows_and_joins() {
    let started = AtomicUsize::new(0);
    let exits = Arc::new(AtomicUsize::new(0));
    let e2 = exits.clone();
    let r = ThreadPoolBuilder::new()
        .num_threads(2)
        .exit_handler(move |_| {
            e2.fetch_add(1, SeqCst);
        })
        .build_scoped(
            |t| {
                started.fetch_add(1, SeqCst);
                t.run()
            },
            |p| p.install(|| join(|| 1, || 2)),
        )
        .unwrap();
    assert_eq!(r, (1, 2));
    assert_eq!(started.load(SeqCst), 2);
    assert_eq!(exits.load(SeqCst), 2);
}

/// `current_thread_has_pending_tasks` and `max_num_threads`.
#[test]
fn pending_tasks_and_max_threads() {
    assert_eq!(current_thread_has_pending_tasks(), None);
    assert_eq!(max_num_threads(), MAX_NUM_THREADS);
    let p = pool(1);
    let (before, after) = p.install(|| {
        let before = current_thread_has_pending_tasks();
        spawn(|| {});
        (before, current_thread_has_pending_tasks())
    });
    assert_eq!((before, after), (Some(false), Some(true)));
}
