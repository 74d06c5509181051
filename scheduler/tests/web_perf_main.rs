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

/// `performance.timeOrigin + performance.now()` in ms: comparable across the page and its
/// workers (each has its own `performance.now()` origin).
fn abs_ms() -> f64 {
    let perf = js_sys::Reflect::get(&js_sys::global(), &"performance".into()).unwrap();
    let origin = js_sys::Reflect::get(&perf, &"timeOrigin".into())
        .unwrap()
        .as_f64()
        .unwrap();
    origin + now_ms()
}

/// The async lock as it was before notify-driven waiters (kept here only to measure against):
/// `try_lock`, else a 1 ms `Atomics.waitAsync` timeout on a word nobody notifies (the old
/// `lock_async` waited on the state word, which an unlock notifies only for registered
/// sleepers, and it did not register: its wake-up was the timeout).
async fn lock_polling<T>(
    m: &portalis_primitives::Mutex<T>,
) -> portalis_primitives::MutexGuard<'_, T> {
    let never = AtomicU32::new(0);
    loop {
        if let Some(g) = m.try_lock() {
            return g;
        }
        let _ = futex::wait_async(&never, 0, Some(Duration::from_millis(1))).await;
    }
}

/// Hand-off rounds per variant (interleaved A B A B ...).
const HANDOFF_ROUNDS: u32 = 41;

/// W2 async lock hand-off: a worker holds a `Mutex` for ≈2 ms while the page's main thread
/// waits for it asynchronously; latency = main's lock time − the worker's unlock time
/// (absolute clocks). Ours: `Mutex::lock_async` (registered sleeper, woken by the unlock's
/// `futex::wake_one` through the task's waker). Before: `lock_polling` (1 ms timeout).
#[wasm_bindgen_test]
async fn perf_async_lock_handoff() {
    use portalis_primitives::Mutex;
    let total = 2 * HANDOFF_ROUNDS;
    let m = Arc::new(Mutex::new(0f64));
    let go = Arc::new(AtomicU32::new(0));
    let held = Arc::new(AtomicU32::new(0));
    let (m2, go2, held2) = (m.clone(), go.clone(), held.clone());
    let h = spawn(move || {
        let nap = AtomicU32::new(0);
        for r in 1..=total {
            while go2.load(SeqCst) < r {
                let _ = futex::wait(&go2, r - 1, None);
            }
            let mut g = m2.lock();
            held2.store(r, SeqCst);
            futex::wake_all(&held2);
            let _ = futex::wait(&nap, 0, Some(Duration::from_millis(2)));
            *g = abs_ms();
        }
    })
    .await;
    let (mut ours, mut before) = (Vec::new(), Vec::new());
    for r in 1..=total {
        go.store(r, SeqCst);
        futex::wake_all(&go);
        while held.load(SeqCst) < r {
            let _ = futex::wait_async(&held, r - 1, None).await;
        }
        let (lat, new) = if r % 2 == 1 {
            let g = m.lock_async().await;
            ((abs_ms() - *g) * 1e6, true)
        } else {
            let g = lock_polling(&m).await;
            ((abs_ms() - *g) * 1e6, false)
        };
        if new {
            ours.push(lat)
        } else {
            before.push(lat)
        }
    }
    h.join_async().await;
    let (o_min, o_max) = (
        ours.iter().cloned().fold(f64::MAX, f64::min),
        ours.iter().cloned().fold(0.0, f64::max),
    );
    let (b_min, b_max) = (
        before.iter().cloned().fold(f64::MAX, f64::min),
        before.iter().cloned().fold(0.0, f64::max),
    );
    let o50 = table::percentile(&mut ours, 50.0);
    let b50 = table::percentile(&mut before, 50.0);
    let rows = vec![table::Row {
        id: "W2-async-lock-handoff".into(),
        workload: format!(
            "page main thread awaits Mutex::lock_async while a worker holds the lock ≈2 ms; unlock → resolved (ns, p50 of {HANDOFF_ROUNDS}, interleaved with the 1 ms-poll variant); ours min–max {:.0}–{:.0}, before min–max {:.0}–{:.0}",
            o_min, o_max, b_min, b_max
        ),
        ours_ns: o50,
        peers: vec![("1 ms poll (before)".into(), b50)],
        goal: "wake p50 < 50 µs".into(),
        max_ns: Some(50_000.0),
        ..table::Row::default()
    }];
    let header = "async lock hand-off: headless Chromium page main thread, cross-origin isolated";
    for line in table::markdown("web async lock", header, &rows).lines() {
        console_log!("PERF-MD {line}");
    }
    for line in table::csv(&rows).lines() {
        console_log!("PERF-CSV {line}");
    }
}
