//! A dead pool worker's waiters (ADR 113): every thread that waits on a job whose Web Worker
//! trapped gets `WorkerDied` instead of waiting for ever, and `shutdown(true)` returns.
//!
//! In this panic=abort build a waiter whose API has no `Result` panics with a `WorkerDied`
//! payload, and so traps too. These tests count such panics with a panic hook
//! ([`died_panics`]). Each test runs `shutdown(true)` after the death, in a helper worker
//! behind a hang guard, and then builds and uses a new pool. Before ADR 113, every one of
//! them failed at its hang guard: the waiter waited for ever, so the pool's threads never
//! exited.

use super::{or_hang, spawn, until};
use portalis_primitives::sync::atomic::{AtomicU32, Ordering::SeqCst};
use portalis_scheduler::{web, ThreadPool, ThreadPoolBuilder};
use std::sync::{Arc, Once};

/// Panics seen (on any thread) whose payload is a `web::WorkerDied`.
static DIED_PANICS: AtomicU32 = AtomicU32::new(0);

/// How many panics with a `WorkerDied` payload any thread has raised so far (installs the
/// counting hook on first use; the previous hook still runs).
pub fn died_panics() -> u32 {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if info.payload().is::<web::WorkerDied>() {
                DIED_PANICS.fetch_add(1, SeqCst);
            }
            previous(info);
        }));
    });
    DIED_PANICS.load(SeqCst)
}

/// A two-worker pool, booted.
async fn pool2() -> ThreadPool {
    ThreadPoolBuilder::new()
        .num_threads(2)
        .build_async()
        .await
        .expect("build a 2-worker pool")
}

/// A pool lent to helper workers by address. The helpers that use it either return or trap
/// (and then never run again) before its owner shuts it down.
#[derive(Clone, Copy)]
struct Lent(*const ThreadPool);
// SAFETY: `ThreadPool` is `Sync`; the owner keeps it alive while any helper may use it.
unsafe impl Send for Lent {}
impl Lent {
    /// A method, so closures capture the whole (Send) wrapper.
    fn get(self) -> &'static ThreadPool {
        // SAFETY: see the type: alive while lent.
        unsafe { &*self.0 }
    }
}

/// `shutdown(true)` in a helper worker, behind a hang guard; then a new pool works.
async fn shutdown_returns(pool: ThreadPool, what: &str) {
    let h = spawn(move || pool.shutdown(true)).await;
    or_hang(what, 60, h.join_async()).await;
    let fresh = pool2().await;
    let mut seen = or_hang(
        "a broadcast on a pool built after the death",
        60,
        fresh.install_async(|| portalis_scheduler::broadcast(|c| c.index())),
    )
    .await
    .expect("no death in the new pool");
    seen.sort_unstable();
    assert_eq!(seen, vec![0, 1]);
}

/// Pins: a *blocking* `install` called from another Web Worker (not a pool worker) whose job
/// traps its pool worker gets a `WorkerDied` panic instead of waiting for ever; then the
/// pool shuts down. Before ADR 113 the helper waited for ever and the test failed at the guard
/// "a blocking install whose job died".
pub async fn blocking_install_from_a_worker_gets_worker_died() {
    let pool = Box::new(pool2().await);
    let d0 = died_panics();
    let returned = Arc::new(AtomicU32::new(0));
    let r2 = returned.clone();
    let lent = Lent(&*pool);
    let h = spawn(move || {
        let v: u32 = lent.get().install(|| panic!("this job panics on purpose"));
        r2.store(v + 1, SeqCst);
    })
    .await;
    // The helper traps on its WorkerDied panic: its handle reports it closed.
    or_hang("a blocking install whose job died", 60, h.closed()).await;
    assert_eq!(returned.load(SeqCst), 0, "install cannot return a value");
    assert_eq!(
        died_panics(),
        d0 + 1,
        "the installer's panic carried WorkerDied"
    );
    shutdown_returns(*pool, "shutdown(true) after a blocking install's job died").await;
}

/// Pins: the owner of a `join` whose stolen half traps its thief gets a `WorkerDied` panic
/// (it traps in turn), both deaths are reported, and `shutdown(true)` returns. Before ADR 113
/// the owner waited for ever on the latch and `shutdown(true)` never returned (the test
/// failed at the guard "the join owner's panic").
///
/// Not pinned here: `shutdown(true)` called synchronously on the creating thread right after
/// the deaths, where it must run the dead workers' loops itself (orphan.rs). That case passed
/// alone but hung in some runs of the whole binary (ADR 113, "Open").
pub async fn join_owner_of_a_dead_half_gets_worker_died() {
    let pool = pool2().await;
    let d0 = died_panics();
    let deaths0 = web::worker_deaths();
    let stolen = Arc::new(AtomicU32::new(0));
    let s2 = stolen.clone();
    let r = or_hang(
        "install_async of a join whose stolen half dies",
        60,
        pool.install_async(move || {
            let s3 = s2.clone();
            portalis_scheduler::join(
                move || {
                    // Joins until a hungry peer has stolen `b` (promotion happens at a join).
                    while s3.load(SeqCst) == 0 {
                        portalis_scheduler::join(|| (), || ());
                    }
                },
                move || {
                    s2.store(1, SeqCst);
                    panic!("the stolen half panics on purpose");
                },
            )
        }),
    )
    .await;
    assert!(r.is_err(), "a worker died while the call was pending");
    or_hang("the join owner's panic", 60, until(|| died_panics() > d0)).await;
    assert_eq!(
        died_panics(),
        d0 + 1,
        "the join owner's panic carried WorkerDied"
    );
    assert_eq!(stolen.load(SeqCst), 1, "the half ran on the other worker");
    // Both deaths (the thief, then the owner) reached this thread, the creator.
    or_hang(
        "both deaths reported",
        60,
        until(|| web::worker_deaths() >= deaths0 + 2),
    )
    .await;
    shutdown_returns(pool, "shutdown(true) after a join's stolen half died").await;
}

/// Pins: the owner of a `scope` one of whose spawned jobs traps another worker gets a
/// `WorkerDied` panic (the job's count is given back), and `shutdown(true)` returns. Before
/// ADR 113 the owner waited for ever for the count.
pub async fn scope_owner_of_a_dead_job_gets_worker_died() {
    let pool = pool2().await;
    let d0 = died_panics();
    let r = or_hang(
        "install_async of a scope whose job dies",
        60,
        pool.install_async(|| {
            let taken = AtomicU32::new(0);
            portalis_scheduler::scope(|s| {
                let taken = &taken;
                s.spawn(move |_| {
                    taken.store(1, SeqCst);
                    panic!("a scope's job panics on purpose");
                });
                // The body waits until the other worker took the job (it does not run it).
                while taken.load(SeqCst) == 0 {
                    std::hint::spin_loop();
                }
            });
        }),
    )
    .await;
    assert!(r.is_err(), "a worker died while the call was pending");
    or_hang("the scope owner's panic", 60, until(|| died_panics() > d0)).await;
    assert_eq!(
        died_panics(),
        d0 + 1,
        "the scope owner's panic carried WorkerDied"
    );
    shutdown_returns(pool, "shutdown(true) after a scope's job died").await;
}

/// Pins: a `broadcast` whose job on another worker traps gets a `WorkerDied` panic, and
/// `shutdown(true)` returns. Before ADR 113 the caller waited for ever for the count.
pub async fn broadcast_with_a_dead_job_gets_worker_died() {
    let pool = pool2().await;
    let d0 = died_panics();
    let r = or_hang(
        "install_async of a broadcast whose job dies",
        60,
        pool.install_async(|| {
            let me = portalis_scheduler::current_thread_index();
            portalis_scheduler::broadcast(move |c| {
                if Some(c.index()) != me {
                    panic!("a broadcast job panics on purpose");
                }
                c.index()
            })
        }),
    )
    .await;
    assert!(r.is_err(), "a worker died while the call was pending");
    or_hang(
        "the broadcast caller's panic",
        60,
        until(|| died_panics() > d0),
    )
    .await;
    assert_eq!(
        died_panics(),
        d0 + 1,
        "the broadcast caller's panic carried WorkerDied"
    );
    shutdown_returns(pool, "shutdown(true) after a broadcast's job died").await;
}
