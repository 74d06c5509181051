//! Browser, shared memory, test thread = a dedicated Web Worker (blocking allowed): the futex
//! contract between the test worker and workers it spawns (`portalis_scheduler::web`).
//! Run by scripts/test-web.sh ("worker" mode, cross-origin isolated).
#![cfg(all(target_arch = "wasm32", target_feature = "atomics"))]

mod web_common;

use portalis_primitives::futex::{self, WaitResult};
use portalis_primitives::sync::atomic::{AtomicU32, Ordering::SeqCst};
use std::sync::Arc;
use std::time::Duration;
use wasm_bindgen_test::*;
use web_common::*;

wasm_bindgen_test_configure!(run_in_dedicated_worker);

#[wasm_bindgen_test]
fn runs_in_a_worker_that_may_block() {
    assert!(futex::can_block());
    assert_eq!(futex::BACKEND, "wasm-atomics");
    assert!(portalis_scheduler::web::shared_memory_available());
}

#[wasm_bindgen_test]
fn mismatch_returns_at_once() {
    let w = AtomicU32::new(7);
    assert_eq!(futex::wait(&w, 3, None), Ok(WaitResult::Woken));
    assert_eq!(
        futex::wait(&w, 3, Some(Duration::from_secs(3600))),
        Ok(WaitResult::Woken)
    );
}

#[wasm_bindgen_test]
fn zero_timeout_times_out_without_blocking() {
    let w = AtomicU32::new(0);
    assert_eq!(
        futex::wait(&w, 0, Some(Duration::ZERO)),
        Ok(WaitResult::TimedOut)
    );
}

#[wasm_bindgen_test]
fn short_timeout_is_not_early() {
    let w = AtomicU32::new(0);
    let start = now_ms();
    loop {
        match futex::wait(&w, 0, Some(Duration::from_millis(20))) {
            Ok(WaitResult::TimedOut) => break,
            Ok(WaitResult::Woken) => continue, // spurious: only TimedOut promises time passed
            Err(e) => panic!("unexpected {e}"),
        }
    }
    let took = now_ms() - start;
    assert!(
        took >= 20.0 - CLOCK_SLACK_MS,
        "timed out after {took} ms < 20 ms"
    );
}

#[wasm_bindgen_test]
async fn timed_wait_in_a_spawned_worker_is_not_early() {
    let took = worker_timed_wait_elapsed(15).await;
    assert!(
        took >= 15.0 - CLOCK_SLACK_MS,
        "timed out after {took} ms < 15 ms"
    );
}

#[wasm_bindgen_test]
fn wake_with_no_waiters_is_a_no_op() {
    let w = AtomicU32::new(0);
    futex::wake_one(&w);
    futex::wake_all(&w);
    assert_eq!(w.load(SeqCst), 0);
}

#[wasm_bindgen_test]
async fn huge_timeout_still_wakes() {
    // The test worker blocks with Duration::MAX (treated as untimed); a spawned worker wakes it.
    let word = Arc::new(AtomicU32::new(0));
    let w = word.clone();
    let h = spawn(move || {
        let dummy = AtomicU32::new(0);
        let _ = futex::wait(&dummy, 0, Some(Duration::from_millis(10)));
        w.store(1, SeqCst);
        futex::wake_one(&w);
    })
    .await;
    while word.load(SeqCst) == 0 {
        assert_eq!(
            futex::wait(&word, 0, Some(Duration::MAX)),
            Ok(WaitResult::Woken)
        );
    }
    h.join().unwrap();
}

#[wasm_bindgen_test]
async fn wait_then_wake_one_worker_waits() {
    wait_then_wake_one().await;
}

#[wasm_bindgen_test]
async fn test_thread_blocks_and_worker_wakes() {
    let word = Arc::new(AtomicU32::new(0));
    let w = word.clone();
    let h = spawn(move || {
        let dummy = AtomicU32::new(0);
        let _ = futex::wait(&dummy, 0, Some(Duration::from_millis(5)));
        w.store(1, SeqCst);
        futex::wake_all(&w);
    })
    .await;
    while word.load(SeqCst) == 0 {
        let _ = futex::wait(&word, 0, None).unwrap();
    }
    h.join().unwrap(); // a blocking join is allowed in a worker
}

#[wasm_bindgen_test]
async fn wake_all_of_n_waiters() {
    wake_all_releases_every_waiter().await;
}

#[wasm_bindgen_test]
async fn many_waiters_one_word_wake_one_per_token() {
    wake_one_per_token_releases_many_waiters().await;
}

#[wasm_bindgen_test]
async fn two_workers_ping_pong_blocking() {
    let _turns = worker_ping_pong(500).await;
}

#[wasm_bindgen_test]
async fn parked_table_wakes_across_workers() {
    // The std-park route (futex::parked) works between workers too; its timed path re-arms on
    // futex::Deadline (performance.now() here: std's Instant panics on this target).
    let w0 = AtomicU32::new(0);
    let start = now_ms();
    assert_eq!(
        futex::parked::wait(&w0, 0, Some(Duration::from_millis(10))),
        Ok(WaitResult::TimedOut)
    );
    let took = now_ms() - start;
    assert!(
        took >= 10.0 - CLOCK_SLACK_MS,
        "timed out after {took} ms < 10 ms"
    );
    let word = Arc::new(AtomicU32::new(0));
    let w = word.clone();
    let h = spawn(move || {
        while w.load(SeqCst) == 0 {
            let _ = futex::parked::wait(&w, 0, None);
        }
    })
    .await;
    sleep_ms(5).await;
    word.store(1, SeqCst);
    futex::parked::wake_all(&word);
    h.join().unwrap();
}

#[wasm_bindgen_test]
async fn parker_across_workers_and_timed_park() {
    use portalis_primitives::Parker;
    let p = Parker::new();
    // A timed park re-arms its timeout on performance.now() (std's Instant panics here).
    assert_eq!(
        p.park_timeout(Duration::from_millis(5)),
        Ok(WaitResult::TimedOut)
    );
    let u = p.unparker();
    let h = spawn(move || u.unpark()).await;
    assert_eq!(p.park_timeout(Duration::MAX), Ok(WaitResult::Woken));
    h.join().unwrap();
}
