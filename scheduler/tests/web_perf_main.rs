//! Bench-only (run by `make perf-web`, never by `make test`): the W2 row "main thread never
//! traps" of docs/perf-goals.md, on the page's main thread (cross-origin isolated, shared memory). Every
//! blocking entry point is called where `Atomics.wait` would trap, and must hand back
//! `MainThreadCannotBlock` instead; the figure is how long an untimed `futex::wait` spins
//! before it gives up (its budget is `futex::MAIN_THREAD_SPIN_BUDGET`).
//! Also the JSPI rows (issue 17, ADR 110): the main thread's wake latency when it waits inside
//! `web::run_blocking` (suspended on `Atomics.waitAsync`) against a worker's `Atomics.wait`
//! wake, measured the same way in interleaved passes; and what ran on the event loop during a
//! 100 ms suspended wait.
//! Rows are printed with `PERF-MD ` / `PERF-CSV ` prefixes for scripts/perf-web.sh.
#![cfg(all(target_arch = "wasm32", target_feature = "atomics"))]

#[path = "../../primitives/examples/futex_latency/table.rs"]
mod table;
mod web_common;

use portalis_primitives::futex::{self, WaitError};
use portalis_primitives::sync::atomic::Ordering::{Acquire, Release};
use portalis_primitives::sync::atomic::{AtomicU32, AtomicU64, Ordering::SeqCst};
use portalis_primitives::Parker;
use portalis_scheduler::web;
use std::cell::RefCell;
use std::rc::Rc;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;
use web_common::ticker::Ticker;
use web_common::*;

wasm_bindgen_test_configure!(run_in_browser);

/// Untimed waits timed (the median is reported).
const CALLS: usize = 21;

#[wasm_bindgen_test]
async fn perf_main_thread_never_traps() {
    if option_env!("PORTALIS_PERF_ONLY") == Some("wake") {
        return; // quick A/B runs of the async wake routes only
    }
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

    let mut rows = vec![table::Row {
        id: "W2-main-no-trap".into(),
        workload: format!(
            "page main thread: untimed and 1 h futex::wait, Parker::park, WorkerHandle::join all return MainThreadCannotBlock (no trap); figure = untimed wait's give-up time (spin budget {} ms; ns, median of {CALLS})",
            futex::MAIN_THREAD_SPIN_BUDGET.as_secs_f64() * 1e3
        ),
        ours_ns: table::percentile(&mut give_up, 50.0),
        goal: "main thread never traps".into(),
        ..table::Row::default()
    }];
    rows.extend(jspi_rows().await);
    let header = "main-thread check: headless Chromium page main thread, cross-origin isolated";
    for line in table::markdown("web main thread", header, &rows).lines() {
        console_log!("PERF-MD {line}");
    }
    for line in table::csv(&rows).lines() {
        console_log!("PERF-CSV {line}");
    }
}

/// `performance.timeOrigin + performance.now()` in ms: comparable across the page and its
/// workers (each has its own `performance.now()` origin). The origin is read once per thread,
/// so a stamp costs one `performance.now()` call (ADR 118: the old probe read the origin
/// through two `Reflect::get`s before the clock, which put ≈10 µs of a cold main thread's
/// work into every main-thread sample).
fn abs_ms() -> f64 {
    thread_local!(static ORIGIN: std::cell::Cell<f64> = const { std::cell::Cell::new(f64::NAN) });
    let origin = ORIGIN.with(|o| {
        if o.get().is_nan() {
            o.set(time_origin());
        }
        o.get()
    });
    origin + now_ms()
}

/// `performance.timeOrigin` through `Reflect` (what every stamp paid before ADR 118).
fn time_origin() -> f64 {
    let perf = js_sys::Reflect::get(&js_sys::global(), &"performance".into()).unwrap();
    js_sys::Reflect::get(&perf, &"timeOrigin".into())
        .unwrap()
        .as_f64()
        .unwrap()
}

/// The stamp as the probe took it before ADR 118 (origin looked up before the clock is read):
/// printed beside the lock row so the two clocks can be compared in the same run.
fn abs_ms_reflect() -> f64 {
    time_origin() + now_ms()
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

/// Rounds per variant (the variants interleave: A B C D E, A B C D E, ...).
const HANDOFF_ROUNDS: u32 = 121;
/// How long the worker holds the lock (or naps) before it stamps and wakes, in ms: the page's
/// main thread is idle in its event loop meanwhile.
const HANDOFF_NAP_MS: u64 = 2;

/// `Atomics.waitAsync` straight from JS on `view[index]` while it holds `value`: resolves to
/// the absolute time (`performance.timeOrigin + now()`) at which its promise's reaction ran,
/// or -1 if the word had already changed. The floor every main-thread async wake stands on.
const JS_WAIT_ASYNC: &str = r#"
const r = Atomics.waitAsync(new Int32Array(arguments[0]), arguments[1], arguments[2]);
if (!r.async) return Promise.resolve(-1);
const cb = arguments[3];
const now = () => performance.timeOrigin + performance.now();
return r.value.then(cb ? () => { cb(); return now(); } : now);
"#;

/// How the page's main thread waits in one round of [`perf_async_lock_handoff`].
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Route {
    /// A: `Atomics.waitAsync` in JS, stamped in the promise reaction (no Rust future).
    JsFloor,
    /// A2: as A, but the reaction first calls an empty Rust closure (entering wasm).
    JsToWasm,
    /// B: `futex::wait_async` (a `JsFuture` over `Atomics.waitAsync`).
    WaitAsync,
    /// C: `futex::wait_future` (the waker table; the task's waker is wasm-bindgen-futures').
    WaitFuture,
    /// D: `Mutex::lock_async` (a registered sleeper, woken by the unlock).
    LockAsync,
    /// E: the old async lock (`lock_polling`, 1 ms timeout).
    LockPolling,
}

const ROUTES: [Route; 6] = [
    Route::JsFloor,
    Route::JsToWasm,
    Route::WaitAsync,
    Route::WaitFuture,
    Route::LockAsync,
    Route::LockPolling,
];

/// W2 async wake on the page's main thread, split by route: a worker naps (A–C) or holds a
/// `Mutex` (D, E) for ≈2 ms while the main thread waits asynchronously; latency = the main
/// thread running again − the worker's stamp taken just before its wake (absolute clocks).
/// The row is D (ours) against E (before ADR 120); A–C are printed beside it to show where
/// the time goes: A is the browser's floor, C − A what the Rust executor adds, D − C what
/// the lock adds.
#[wasm_bindgen_test]
async fn perf_async_lock_handoff() {
    use portalis_primitives::Mutex;
    let total = HANDOFF_ROUNDS * ROUTES.len() as u32;
    let m = Arc::new(Mutex::new(0f64));
    // go: round r announced by the page; held: the worker holds the lock for round r (D, E)
    // or is about to nap (A–C); word: what A–C wait on (the worker stores r and wakes).
    let go = Arc::new(AtomicU32::new(0));
    let held = Arc::new(AtomicU32::new(0));
    let word = Arc::new(AtomicU32::new(0));
    let stamp = Arc::new(AtomicU64::new(0));
    let (m2, go2, held2, word2, stamp2) = (
        m.clone(),
        go.clone(),
        held.clone(),
        word.clone(),
        stamp.clone(),
    );
    let h = spawn(move || {
        let nap = AtomicU32::new(0);
        let nap_for = Duration::from_millis(HANDOFF_NAP_MS);
        for r in 1..=total {
            while go2.load(SeqCst) < r {
                let _ = futex::wait(&go2, r - 1, None);
            }
            let route = ROUTES[(r - 1) as usize % ROUTES.len()];
            if matches!(route, Route::LockAsync | Route::LockPolling) {
                let mut g = m2.lock();
                held2.store(r, SeqCst);
                futex::wake_all(&held2);
                let _ = futex::wait(&nap, 0, Some(nap_for));
                *g = abs_ms();
            } else {
                held2.store(r, SeqCst);
                futex::wake_all(&held2);
                let _ = futex::wait(&nap, 0, Some(nap_for));
                stamp2.store(abs_ms().to_bits(), SeqCst);
                word2.store(r, SeqCst);
                futex::wake_all(&word2);
            }
        }
    })
    .await;
    let js_wait = js_sys::Function::new_with_args("", JS_WAIT_ASYNC);
    let probe = wasm_bindgen::closure::Closure::<dyn FnMut() -> f64>::new(|| 0.0);
    let memory: js_sys::WebAssembly::Memory =
        wasm_bindgen::JsCast::unchecked_into(wasm_bindgen::memory());
    let mut lat: Vec<Vec<f64>> = vec![Vec::new(); ROUTES.len()];
    let mut last_word = 0;
    let mut old_probe = Vec::new();
    let mut dropped = 0;
    for r in 1..=total {
        let k = (r - 1) as usize % ROUTES.len();
        go.store(r, SeqCst);
        futex::wake_all(&go);
        while held.load(SeqCst) < r {
            let _ = futex::wait_async(&held, r - 1, None).await;
        }
        let stamped = || f64::from_bits(stamp.load(SeqCst));
        // A–C wait while `word` keeps the value of the last A–C round (the worker stores r
        // after its nap; D and E rounds leave it). If the store already happened (this thread
        // was late by the whole nap), the round is no wake and its sample is dropped.
        let cur = last_word;
        let missed = word.load(SeqCst) != cur;
        let ns = match ROUTES[k] {
            Route::JsFloor | Route::JsToWasm => {
                let index = JsValue::from((word.as_ptr() as usize / 4) as u32);
                let expected = JsValue::from(cur as i32);
                let cb = if ROUTES[k] == Route::JsToWasm {
                    probe.as_ref()
                } else {
                    &JsValue::UNDEFINED
                };
                let args = js_sys::Array::of4(&memory.buffer(), &index, &expected, cb);
                let p = js_wait
                    .apply(&JsValue::NULL, &args)
                    .expect("Atomics.waitAsync");
                let t = JsFuture::from(js_sys::Promise::from(p))
                    .await
                    .expect("waitAsync resolves")
                    .as_f64()
                    .unwrap_or(-1.0);
                // -1: the worker was done before we waited (not a wake); the sample is dropped.
                (t >= 0.0).then(|| (t - stamped()) * 1e6)
            }
            Route::WaitAsync => {
                while word.load(SeqCst) == cur {
                    let _ = futex::wait_async(&word, cur, None).await;
                }
                (!missed).then(|| (abs_ms() - stamped()) * 1e6)
            }
            Route::WaitFuture => {
                while word.load(SeqCst) == cur {
                    futex::wait_future(&word, cur).await;
                }
                (!missed).then(|| (abs_ms() - stamped()) * 1e6)
            }
            Route::LockAsync => {
                let g = m.lock_async().await;
                let t = abs_ms();
                // The same resume stamped the old way (its lookups run after `t` was read).
                old_probe.push((abs_ms_reflect() - *g) * 1e6);
                Some((t - *g) * 1e6)
            }
            Route::LockPolling => {
                let g = lock_polling(&m).await;
                Some((abs_ms() - *g) * 1e6)
            }
        };
        match ns {
            Some(ns) => lat[k].push(ns),
            None => dropped += 1,
        }
        if !matches!(ROUTES[k], Route::LockAsync | Route::LockPolling) {
            // A: the worker's store may still be on its way.
            while word.load(SeqCst) == cur {
                let _ = futex::wait_async(&word, cur, None).await;
            }
            last_word = r;
        }
    }
    h.join_async().await;
    let summary = |v: &mut Vec<f64>| {
        let lo = v.iter().cloned().fold(f64::MAX, f64::min);
        let hi = v.iter().cloned().fold(0.0, f64::max);
        (table::percentile(v, 50.0), lo, hi, v.len())
    };
    let mut note = format!(
        "main-thread async wake by route ({HANDOFF_ROUNDS} interleaved rounds each, worker naps/holds {HANDOFF_NAP_MS} ms, stamp → main thread running, p50 (min–max) µs; {dropped} rounds dropped: the page saw the change before it waited)"
    );
    let mut p50 = [0f64; ROUTES.len()];
    let mut ranges = [(0f64, 0f64); ROUTES.len()];
    for (k, route) in ROUTES.iter().enumerate() {
        let (med, lo, hi, n) = summary(&mut lat[k]);
        p50[k] = med;
        ranges[k] = (lo, hi);
        note += &format!(
            "; {route:?} {:.1} ({:.1}–{:.1}, n={n})",
            med / 1e3,
            lo / 1e3,
            hi / 1e3
        );
    }
    note += &format!(
        "; LockAsync stamped with the pre-ADR-118 probe clock (Reflect lookups first) {:.1}",
        table::percentile(&mut old_probe, 50.0) / 1e3
    );
    console_log!("PERF-NOTE {note}");
    let (o_min, o_max) = ranges[4];
    let (b_min, b_max) = ranges[5];
    let rows = vec![table::Row {
        id: "W2-async-lock-handoff".into(),
        workload: format!(
            "page main thread awaits Mutex::lock_async while a worker holds the lock ≈2 ms; unlock → resolved (ns, p50 of {HANDOFF_ROUNDS}, interleaved with the 1 ms-poll variant and the wake routes printed above the table); ours min–max {:.0}–{:.0}, before min–max {:.0}–{:.0}; JS Atomics.waitAsync floor p50 {:.0}",
            o_min, o_max, b_min, b_max, p50[0]
        ),
        ours_ns: p50[4],
        peers: vec![("1 ms poll (before)".into(), p50[5])],
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

/// Wake-ups per route and pass of the JSPI wake rows (4 passes, routes alternating).
const JSPI_ROUNDS: u32 = 200;
const JSPI_PASSES: u32 = 4;

/// The waker side (a worker): for each round, waits until the waiter announced it is about to
/// wait, naps 0.3 ms so the waiter is surely parked or suspended, stamps the shared clock and
/// wakes it.
fn waker(w: &AtomicU32, stamp: &AtomicU64, rounds: u32) {
    let dummy = AtomicU32::new(0);
    for i in 0..rounds {
        loop {
            let v = w.load(Acquire); // Acquire: pairs with the waiter's Release store.
            if v == 2 * i + 1 {
                break;
            }
            let _ = futex::wait(w, v, None);
        }
        let _ = futex::wait(&dummy, 0, Some(Duration::from_micros(300)));
        stamp.store(abs_ms().to_bits(), Release); // Release: read after the waiter's Acquire.
        w.store(2 * i + 2, Release); // Release: pairs with the waiter's Acquire load.
        futex::wake_all(w);
    }
}

/// The waiter side: one-way wake latency samples (ns) from the waker's stamp to this thread
/// running again after `futex::wait` (which suspends on the main thread inside
/// `run_blocking`, and blocks natively in a worker); also how many rounds suspended.
fn waiter(w: &AtomicU32, stamp: &AtomicU64, rounds: u32) -> (Vec<f64>, u32) {
    let mut samples = Vec::with_capacity(rounds as usize);
    let mut suspended = 0;
    for i in 0..rounds {
        w.store(2 * i + 1, Release); // Release: pairs with the waker's Acquire load.
        futex::wake_all(w);
        let before = futex::suspensions();
        loop {
            let v = w.load(Acquire); // Acquire: pairs with the waker's Release store.
            if v == 2 * i + 2 {
                break;
            }
            let _ = futex::wait(w, v, None);
        }
        let woke = abs_ms();
        suspended += u32::from(futex::suspensions() > before);
        // Acquire: pairs with the waker's Release store of the stamp (before its word store).
        samples.push((woke - f64::from_bits(stamp.load(Acquire))) * 1e6);
    }
    (samples, suspended)
}

/// Main thread (inside `run_blocking`, suspending) woken by a worker.
async fn jspi_wakes(rounds: u32) -> (Vec<f64>, u32) {
    let (w, stamp) = (Arc::new(AtomicU32::new(0)), Arc::new(AtomicU64::new(0)));
    let (w2, s2) = (w.clone(), stamp.clone());
    let h = spawn(move || waker(&w2, &s2, rounds)).await;
    let out = Rc::new(RefCell::new((Vec::new(), 0)));
    let o = out.clone();
    let spins = futex::main_thread_spins();
    let p = web::run_blocking(move || {
        assert!(web::can_suspend(), "{:?}", futex::unavailable_reason());
        *o.borrow_mut() = waiter(&w, &stamp, rounds);
        Ok(JsValue::UNDEFINED)
    });
    JsFuture::from(p).await.expect("the JSPI wake rounds ran");
    assert_eq!(futex::main_thread_spins(), spins, "suspended, never spun");
    h.join_async().await;
    out.take()
}

/// A worker in `memory.atomic.wait32` woken by another worker, the same protocol.
async fn worker_wakes(rounds: u32) -> Vec<f64> {
    let (w, stamp) = (Arc::new(AtomicU32::new(0)), Arc::new(AtomicU64::new(0)));
    let out = Arc::new(Mutex::new(Vec::new()));
    let (w2, s2, w3, s3, o) = (w.clone(), stamp.clone(), w, stamp, out.clone());
    let a = spawn(move || waker(&w2, &s2, rounds)).await;
    let b = spawn(move || *o.lock().unwrap() = waiter(&w3, &s3, rounds).0).await;
    a.join_async().await;
    b.join_async().await;
    let v = std::mem::take(&mut *out.lock().unwrap());
    v
}

/// The JSPI rows: wake latency p50/p99 against a worker's, and a 100 ms suspended wait.
async fn jspi_rows() -> Vec<table::Row> {
    let _ = jspi_wakes(20).await; // warm-up
    let _ = worker_wakes(20).await;
    let (mut main, mut worker, mut suspended) = (Vec::new(), Vec::new(), 0);
    for pass in 0..JSPI_PASSES {
        if pass % 2 == 1 {
            worker.extend(worker_wakes(JSPI_ROUNDS).await);
        }
        let (m, s) = jspi_wakes(JSPI_ROUNDS).await;
        main.extend(m);
        suspended += s;
        if pass % 2 == 0 {
            worker.extend(worker_wakes(JSPI_ROUNDS).await);
        }
    }
    let n = main.len();
    let mut rows = Vec::new();
    for (id, p) in [("W2-jspi-wake-p50", 50.0), ("W2-jspi-wake-p99", 99.0)] {
        let ours = table::percentile(&mut main, p);
        let peer = table::percentile(&mut worker, p);
        rows.push(table::Row {
            id: id.into(),
            workload: format!(
                "page main thread in futex::wait inside web::run_blocking (suspended through JSPI on Atomics.waitAsync in {suspended} of {n} rounds), woken by a worker: one-way latency from the waker's stamp to the waiter running (performance.timeOrigin + now(), 5 µs clock), p{p}, {JSPI_PASSES} alternating passes (ns); peer: a worker in Atomics.wait woken the same way"
            ),
            ours_ns: ours,
            peers: vec![("worker Atomics.wait".into(), peer)],
            goal: "measure (no numeric goal)".into(),
            ..table::Row::default()
        });
    }
    // 100 ms suspended: frames and timer callbacks that ran, spin iterations (must be 0).
    let ticker = Rc::new(Ticker::new());
    let t = ticker.clone();
    let spins = futex::main_thread_spins();
    let p = web::run_blocking(move || {
        let w = AtomicU32::new(0);
        t.start();
        let start = now_ms();
        let r = futex::wait(&w, 0, Some(Duration::from_millis(100)));
        let took = now_ms() - start;
        let (ticks, frames) = t.stop();
        assert_eq!(r, Ok(portalis_primitives::futex::WaitResult::TimedOut));
        Ok(js_sys::Array::of3(&took.into(), &ticks.into(), &frames.into()).into())
    });
    let v: js_sys::Array = JsFuture::from(p).await.expect("suspended wait").into();
    let spun = futex::main_thread_spins() - spins;
    let (took, ticks, frames) = (
        v.get(0).as_f64().unwrap(),
        v.get(1).as_f64().unwrap(),
        v.get(2).as_f64().unwrap(),
    );
    let met = frames >= 5.0 && spun == 0;
    rows.push(table::Row {
        id: "W2-jspi-100ms".into(),
        workload: format!(
            "a 100 ms timed futex::wait on the page main thread inside web::run_blocking: {frames} requestAnimationFrame callbacks and {ticks} 1 ms-interval timer callbacks ran meanwhile, {spun} spin iterations; figure = the wait's duration"
        ),
        ours_ns: took * 1e6,
        // The goal is on the counts, not the figure: a failed goal shows as "no".
        max_ns: if met { None } else { Some(0.0) },
        goal: "≥ 5 frames, 0 spin iterations".into(),
        ..table::Row::default()
    });
    rows
}
