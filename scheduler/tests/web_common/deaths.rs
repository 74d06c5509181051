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

/// The byte length of the shared wasm memory (`memory.buffer.byteLength`): it only grows.
pub fn memory_bytes() -> f64 {
    let buffer = js_sys::Reflect::get(&wasm_bindgen::memory(), &"buffer".into())
        .expect("the memory has a buffer");
    js_sys::Reflect::get(&buffer, &"byteLength".into())
        .expect("the buffer has a byteLength")
        .as_f64()
        .expect("byteLength is a number")
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
    a_new_pool_works().await;
}

/// A pool built after the deaths runs a broadcast on both of its workers.
async fn a_new_pool_works() {
    let fresh = pool2().await;
    let mut seen = or_hang(
        "a broadcast on a pool built after the deaths",
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

/// Runs on `pool` a `join` whose stolen half traps its thief while the owner keeps joining
/// until the steal happened; returns once the owner's `WorkerDied` panic and both deaths (the
/// thief, then the owner) have reached this thread, the creator.
async fn kill_a_joins_thief_and_owner(pool: &ThreadPool) {
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
    or_hang(
        "both deaths reported",
        60,
        until(|| web::worker_deaths() >= deaths0 + 2),
    )
    .await;
}

/// Pins: the owner of a `join` whose stolen half traps its thief gets a `WorkerDied` panic
/// (it traps in turn), both deaths are reported, and `shutdown(true)` returns. Before ADR 113
/// the owner waited for ever on the latch and `shutdown(true)` never returned (the test
/// failed at the guard "the join owner's panic"). The creator's own synchronous shutdown after
/// the deaths is [`join_owner_dies_then_the_creator_shuts_down`].
pub async fn join_owner_of_a_dead_half_gets_worker_died() {
    let pool = pool2().await;
    kill_a_joins_thief_and_owner(&pool).await;
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

/// Pins: `shutdown` called synchronously on the thread that created the pool (and its workers),
/// right after a join's thief and owner died, returns: the creator runs the dead workers' loops
/// itself, because their replacements cannot boot while it blocks (orphan.rs). The hang guard is
/// `shutdown_timeout` (60 s, the same wait as `shutdown(true)`), which fails the test instead
/// of hanging the binary. On 289bb67 this hung in some runs of the binary (ADR 113 "Open",
/// ADR 124).
pub async fn join_owner_dies_then_the_creator_shuts_down() {
    let pool = pool2().await;
    kill_a_joins_thief_and_owner(&pool).await;
    assert!(
        pool.shutdown_timeout(std::time::Duration::from_secs(60)),
        "shutdown on the creating thread after two deaths: a loop of the pool had not exited \
         after 60 s (hangs)"
    );
    a_new_pool_works().await;
}

/// Deaths before the measured ones in [`repeated_deaths_leave_memory_flat`] (the allocator's
/// warm-up, see there).
const WARM_UP_DEATHS: usize = 40;
/// Deaths in a row over which [`repeated_deaths_leave_memory_flat`] measures the memory.
const MEASURED_DEATHS: usize = 20;
/// How many default worker stacks (4 MiB) the memory may grow by over the measured deaths:
/// under a third of what leaking every dead stack costs (20 stacks, 81 MiB on 289bb67), and
/// above the largest growth seen with the stacks freed (16.2 MiB).
const GROWTH_BOUND_STACKS: usize = 6;

/// Pins: a dead pool worker's stack and TLS block are freed once nothing can use them (ADR
/// 123). Each round: a 2-worker pool, a job that traps its worker, the death reported to this
/// thread (the creator), the pool dropped, and the wait until the dead stack was freed (its
/// loops have all left) and the replacement is idle again (so the reservoir keeps its size).
/// After a warm-up of 40 deaths, 20 more deaths in a row may grow the shared memory by at
/// most [`GROWTH_BOUND_STACKS`] default worker stacks, and every round freed one dead stack.
///
/// Why a warm-up and a bound, not "flat": freed stacks come back as free chunks of the
/// allocator, and small long-lived allocations (among them what the dead frames owned, never
/// dropped after a trap) split some of them, so the next replacement's stack sometimes needs
/// new memory. Measured (ADR 123): 12–39 MiB over the first 40 deaths; over the 20 measured
/// deaths 0 MiB in every run of this test alone (8) or of the whole binary (6), and 0–16.2 MiB
/// in runs after the other `a_` tests (4 of 14 above 0). On 289bb67 every death leaked its
/// 4 MiB stack: the memory grew by 81.2 MiB over the same 20 deaths, linearly.
pub async fn repeated_deaths_leave_memory_flat() {
    let rounds = WARM_UP_DEATHS + MEASURED_DEATHS;
    let mut sizes = Vec::with_capacity(rounds);
    let freed0 = web::freed_worker_stacks();
    let mut frees = Vec::with_capacity(rounds);
    for _ in 0..rounds {
        // The reservoir keeps its size: each round waits below until the replacement worker
        // is idle again, so the next pool does not boot a new worker (a new stack) meanwhile.
        let idle0 = web::idle_workers(web::DEFAULT_WORKER_STACK).max(2);
        let pool = pool2().await;
        let (deaths, replaced) = (web::worker_deaths(), web::replaced_workers());
        let r = or_hang(
            "install_async of a job that panics",
            60,
            pool.install_async(|| -> u32 { panic!("this job panics on purpose") }),
        )
        .await;
        assert!(r.is_err(), "a trapped worker cannot return a value");
        or_hang(
            "the death reported and a replacement handed the loop",
            60,
            until(|| web::worker_deaths() > deaths && web::replaced_workers() > replaced),
        )
        .await;
        let freed_before = web::freed_worker_stacks();
        // Dropped, not shut down from a helper: no helper's stack comes and goes (the
        // allocator sees one 4 MiB stack allocated and one freed per round).
        drop(pool);
        or_hang(
            "the dead stack freed, the pool's workers and the replacement idle again",
            60,
            until(|| {
                web::freed_worker_stacks() > freed_before
                    && web::idle_workers(web::DEFAULT_WORKER_STACK) >= idle0
            }),
        )
        .await;
        sizes.push(memory_bytes());
        frees.push(web::freed_worker_stacks() - freed0);
    }
    let freed = web::freed_worker_stacks() - freed0;
    let mib = |b: f64| b / f64::from(1u32 << 20);
    let sizes_mib: Vec<f64> = sizes.iter().map(|&b| mib(b)).collect();
    web_sys_log(&format!(
        "memory after each of {rounds} deaths (MiB): {sizes_mib:?}; stacks freed: {freed}; \
         freed after each: {frees:?}"
    ));
    let growth = sizes[rounds - 1] - sizes[WARM_UP_DEATHS - 1];
    assert!(
        growth <= (GROWTH_BOUND_STACKS * web::DEFAULT_WORKER_STACK) as f64,
        "the memory grew by {:.1} MiB over {MEASURED_DEATHS} deaths after a warm-up of \
         {WARM_UP_DEATHS} (at most {GROWTH_BOUND_STACKS} stacks of 4 MiB allowed): dead \
         workers' stacks are leaked; sizes (MiB): {sizes_mib:?}",
        mib(growth)
    );
    assert!(
        freed >= rounds,
        "{freed} dead stacks freed after {rounds} deaths (each pool dropped and its loops left)"
    );
}

/// `console.log` (the runner shows it with the test's output).
fn web_sys_log(s: &str) {
    #[wasm_bindgen::prelude::wasm_bindgen]
    extern "C" {
        #[wasm_bindgen(js_namespace = console, js_name = log)]
        fn console_log(s: &str);
    }
    console_log(s);
}
