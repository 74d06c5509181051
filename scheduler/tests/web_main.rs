//! Browser, shared memory, test thread = the page's main thread (blocking forbidden): `wait`
//! returns `MainThreadCannotBlock` after its bounded spin instead of trapping, `wait_async`
//! works, and workers run the futex contract while the main thread keeps turning its event
//! loop. Run by scripts/test-web.sh ("main" mode, cross-origin isolated).
#![cfg(all(target_arch = "wasm32", target_feature = "atomics"))]

mod web_common;

use portalis_primitives::futex::{self, WaitError, WaitResult};
use portalis_primitives::sync::atomic::{AtomicU32, Ordering::SeqCst};
use std::sync::Arc;
use std::time::Duration;
use wasm_bindgen_test::*;
use web_common::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
fn main_thread_cannot_block() {
    assert!(!futex::can_block());
    assert_eq!(futex::BACKEND, "wasm-atomics");
    assert!(portalis_scheduler::web::shared_memory_available());
}

#[wasm_bindgen_test]
fn untimed_wait_returns_main_thread_cannot_block() {
    let w = AtomicU32::new(0);
    let start = now_ms();
    assert_eq!(
        futex::wait(&w, 0, None),
        Err(WaitError::MainThreadCannotBlock)
    );
    let took = now_ms() - start;
    // It spun for its budget and did not trap (we are still running).
    assert!(took >= futex::MAIN_THREAD_SPIN_BUDGET.as_secs_f64() * 1e3 - CLOCK_SLACK_MS);
}

#[wasm_bindgen_test]
fn huge_timeout_on_main_thread_is_an_error_not_a_hang() {
    let w = AtomicU32::new(0);
    assert_eq!(
        futex::wait(&w, 0, Some(Duration::MAX)),
        Err(WaitError::MainThreadCannotBlock)
    );
    assert_eq!(
        futex::wait(&w, 0, Some(Duration::from_secs(3600))),
        Err(WaitError::MainThreadCannotBlock)
    );
}

#[wasm_bindgen_test]
fn timeout_within_budget_times_out_not_early() {
    let w = AtomicU32::new(0);
    let t = futex::MAIN_THREAD_SPIN_BUDGET / 2;
    let start = now_ms();
    assert_eq!(futex::wait(&w, 0, Some(t)), Ok(WaitResult::TimedOut));
    let took = now_ms() - start;
    assert!(
        took >= t.as_secs_f64() * 1e3 - CLOCK_SLACK_MS,
        "took {took} ms"
    );
}

#[wasm_bindgen_test]
fn zero_timeout_and_mismatch_on_main_thread() {
    let w = AtomicU32::new(0);
    assert_eq!(
        futex::wait(&w, 0, Some(Duration::ZERO)),
        Ok(WaitResult::TimedOut)
    );
    assert_eq!(futex::wait(&w, 5, None), Ok(WaitResult::Woken));
    futex::wake_one(&w); // notify is allowed on the main thread
    futex::wake_all(&w);
}

#[wasm_bindgen_test]
async fn wait_async_is_woken_by_a_worker() {
    assert!(futex::has_wait_async(), "Chromium has Atomics.waitAsync");
    let word = Arc::new(AtomicU32::new(0));
    let w = word.clone();
    let h = spawn(move || {
        let dummy = AtomicU32::new(0);
        let _ = futex::wait(&dummy, 0, Some(Duration::from_millis(20)));
        w.store(1, SeqCst);
        futex::wake_all(&w);
    })
    .await;
    assert_eq!(futex::wait_async(&word, 0, None).await, WaitResult::Woken);
    assert_eq!(word.load(SeqCst), 1);
    h.join_async().await;
}

#[wasm_bindgen_test]
async fn wait_async_times_out_not_early() {
    let w = AtomicU32::new(0);
    let start = now_ms();
    assert_eq!(
        futex::wait_async(&w, 0, Some(Duration::from_millis(15))).await,
        WaitResult::TimedOut
    );
    let took = now_ms() - start;
    assert!(took >= 15.0 - CLOCK_SLACK_MS, "took {took} ms");
    assert_eq!(futex::wait_async(&w, 9, None).await, WaitResult::Woken);
}

#[wasm_bindgen_test]
async fn blocking_join_on_main_thread_is_a_typed_error() {
    let go = Arc::new(AtomicU32::new(0));
    let g = go.clone();
    let h = spawn(move || {
        while g.load(SeqCst) == 0 {
            let _ = futex::wait(&g, 0, None);
        }
    })
    .await;
    assert_eq!(h.join(), Err(WaitError::MainThreadCannotBlock));
    go.store(1, SeqCst);
    futex::wake_one(&go);
    h.join_async().await;
}

#[wasm_bindgen_test]
async fn wait_then_wake_one_from_main_thread() {
    wait_then_wake_one().await;
}

#[wasm_bindgen_test]
async fn wake_all_of_n_waiters_from_main_thread() {
    wake_all_releases_every_waiter().await;
}

#[wasm_bindgen_test]
async fn many_waiters_one_word_from_main_thread() {
    wake_one_per_token_releases_many_waiters().await;
}

#[wasm_bindgen_test]
async fn workers_block_while_main_thread_stays_responsive() {
    let turns = worker_ping_pong(2_000).await;
    // The main thread kept running timer callbacks while both workers blocked in wait32.
    assert!(turns > 0, "the main thread's event loop never turned");
}

#[wasm_bindgen_test]
fn parker_on_main_thread_is_a_typed_error_or_times_out() {
    use portalis_primitives::Parker;
    let p = Parker::new();
    assert_eq!(p.park(), Err(WaitError::MainThreadCannotBlock));
    assert_eq!(
        p.park_timeout(Duration::from_millis(1)),
        Ok(WaitResult::TimedOut)
    );
    p.unparker().unpark();
    assert_eq!(p.park(), Ok(())); // a token is consumed without waiting
}

#[wasm_bindgen_test]
async fn wait_async_falls_back_to_polling_without_atomics_wait_async() {
    // Emulate an engine without Atomics.waitAsync (Firefox < 145, Safari < 16.4); other
    // tests running meanwhile on this thread just poll too, which is still correct.
    let atomics = js_sys::Reflect::get(&js_sys::global(), &"Atomics".into()).unwrap();
    let atomics: js_sys::Object = atomics.into();
    let saved = js_sys::Reflect::get(&atomics, &"waitAsync".into()).unwrap();
    js_sys::Reflect::delete_property(&atomics, &"waitAsync".into()).unwrap();
    let no_wait_async = !futex::has_wait_async();

    let word = Arc::new(AtomicU32::new(0));
    let w = word.clone();
    let h = spawn(move || {
        let dummy = AtomicU32::new(0);
        let _ = futex::wait(&dummy, 0, Some(Duration::from_millis(10)));
        w.store(1, SeqCst);
        futex::wake_all(&w);
    })
    .await;
    let woken = futex::wait_async(&word, 0, None).await;
    let timed_out = futex::wait_async(&AtomicU32::new(0), 0, Some(Duration::from_millis(5))).await;

    js_sys::Reflect::set(&atomics, &"waitAsync".into(), &saved).unwrap();
    h.join_async().await;
    assert!(no_wait_async, "deleting Atomics.waitAsync was not detected");
    assert_eq!(woken, WaitResult::Woken);
    assert_eq!(timed_out, WaitResult::TimedOut);
    assert!(futex::has_wait_async());
}

/// The registered-task suite from the page's main thread: a shared-memory pool (the page is
/// isolated), results awaited through `wait_async`, nothing blocks.
#[wasm_bindgen_test]
async fn task_pool_on_the_main_thread_uses_shared_memory() {
    use portalis_scheduler::web::{Mode, TaskPool};
    use web_common::tasks::*;
    assert_eq!(Mode::detect(), Mode::SharedMemory);
    let pool = TaskPool::new(portalis_task_table(), 2).await.unwrap();
    assert_eq!(pool.mode(), Mode::SharedMemory);
    assert!(common_suite(&pool).await > 5);
    pool.shutdown().await;
}

/// The pool's blocking API called from the main thread once its workers have booted: it
/// busy-waits for them (ADR 015), it never traps; a synchronous build with no booted worker
/// is a typed error naming `build_async`, not a hang.
#[wasm_bindgen_test]
async fn pool_api_on_the_main_thread_does_not_trap() {
    use portalis_scheduler::{join, ThreadPoolBuilder};
    let e = ThreadPoolBuilder::new()
        .num_threads(1)
        .stack_size(128 << 20)
        .build()
        .unwrap_err();
    assert!(e.to_string().contains("build_async"), "{e}");
    let pool = ThreadPoolBuilder::new()
        .num_threads(2)
        .build_async()
        .await
        .unwrap();
    assert_eq!(pool.install(|| join(|| 1, || 2)), (1, 2));
    let mut seen = pool.broadcast(|c| c.index());
    seen.sort_unstable();
    assert_eq!(seen, vec![0, 1]);
    let n = std::sync::atomic::AtomicUsize::new(0);
    pool.scope(|s| {
        for _ in 0..10 {
            s.spawn(|_| {
                n.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            });
        }
    });
    assert_eq!(n.load(std::sync::atomic::Ordering::SeqCst), 10);
    drop(pool);
}

/// The async pool calls from the main thread: `install_async` / `join_async` resolve through
/// `Atomics.waitAsync` while the page keeps turning its event loop (no busy-wait, no trap).
#[wasm_bindgen_test]
async fn install_async_and_join_async_on_the_main_thread() {
    use portalis_scheduler::ThreadPoolBuilder;
    let pool = ThreadPoolBuilder::new()
        .num_threads(2)
        .build_async()
        .await
        .unwrap();
    let on = pool
        .install_async(portalis_scheduler::current_thread_index)
        .await;
    assert!(on.is_some_and(|i| i < 2), "ran on a pool worker: {on:?}");
    let (a, b) = pool.join_async(|| (1..=100u64).sum::<u64>(), || 7).await;
    assert_eq!((a, b), (5050, 7));
}
