//! Bench-only (run by `make perf-web`, never by `make test`): the W2 row "main thread never
//! traps" of docs/perf-goals.md, on the page's main thread (cross-origin isolated, shared memory). Every
//! blocking entry point is called where `Atomics.wait` would trap, and must hand back
//! `MainThreadCannotBlock` instead; the figure is how long an untimed `futex::wait` spins
//! before it gives up (its budget is `futex::MAIN_THREAD_SPIN_BUDGET`).
//! Rows are printed with `PERF-MD ` / `PERF-CSV ` prefixes for scripts/perf-web.sh.
#![cfg(all(target_arch = "wasm32", target_feature = "atomics"))]

#[path = "../../primitives/examples/futex_latency/table.rs"]
mod table;
mod web_common;

use portalis_primitives::futex::{self, WaitError};
use portalis_primitives::sync::atomic::{AtomicU32, Ordering::SeqCst};
use portalis_primitives::Parker;
use std::sync::Arc;
use std::time::Duration;
use wasm_bindgen_test::*;
use web_common::*;

wasm_bindgen_test_configure!(run_in_browser);

/// Untimed waits timed (the median is reported).
const CALLS: usize = 21;

#[wasm_bindgen_test]
async fn perf_main_thread_never_traps() {
    assert!(
        !futex::can_block(),
        "this binary must run on the main thread"
    );
    let w = AtomicU32::new(0);
    let mut give_up = Vec::new();
    for _ in 0..CALLS {
        let start = now_ms();
        let r = futex::wait(&w, 0, None);
        give_up.push((now_ms() - start) * 1e6);
        assert_eq!(r, Err(WaitError::MainThreadCannotBlock));
    }
    assert_eq!(
        futex::wait(&w, 0, Some(Duration::from_secs(3600))),
        Err(WaitError::MainThreadCannotBlock)
    );
    assert_eq!(Parker::new().park(), Err(WaitError::MainThreadCannotBlock));
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

    let rows = vec![table::Row {
        id: "W2-main-no-trap".into(),
        workload: format!(
            "page main thread: untimed and 1 h futex::wait, Parker::park, WorkerHandle::join all return MainThreadCannotBlock (no trap); figure = untimed wait's give-up time (spin budget {} ms; ns, median of {CALLS})",
            futex::MAIN_THREAD_SPIN_BUDGET.as_secs_f64() * 1e3
        ),
        ours_ns: table::percentile(&mut give_up, 50.0),
        goal: "main thread never traps".into(),
        ..table::Row::default()
    }];
    let header = "main-thread check: headless Chromium page main thread, cross-origin isolated";
    for line in table::markdown("web main thread", header, &rows).lines() {
        console_log!("PERF-MD {line}");
    }
    for line in table::csv(&rows).lines() {
        console_log!("PERF-CSV {line}");
    }
}
