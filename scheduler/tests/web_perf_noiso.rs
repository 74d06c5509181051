//! Bench-only (run by `make perf-web`, never by `make test`): the W3 rows of PERF.md ("browser,
//! no shared memory"), on a page WITHOUT cross-origin isolation
//! (`WASM_BINDGEN_TEST_NO_ORIGIN_ISOLATION=1`). There is no postMessage task backend yet, so
//! the task rows are not implemented; what is measured is the RAW TRANSPORT such a backend
//! would sit on: a plain echo Web Worker (from a Blob URL), the time until its first message
//! arrives, and postMessage round trips of a small payload. This is a floor for the fallback,
//! not a figure of ours. `performance.now()` is coarsened to 100 µs on a non-isolated page, so
//! the row reports an upper bound of the p50 (quantised p50 + one clock step); the mean
//! (total / count, exact) is printed with it.
//! Rows are printed with `PERF-MD ` / `PERF-CSV ` prefixes for scripts/perf-web.sh.
#![cfg(all(target_arch = "wasm32", target_feature = "atomics"))]

#[path = "../../primitives/examples/futex_latency/table.rs"]
mod table;

use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// Untimed round trips before the timed ones, and timed round trips.
const WARMUP: u32 = 100;
const ROUND_TRIPS: u32 = 2_000;
/// `performance.now()` step on a page without cross-origin isolation (Chromium: 100 µs).
const CLOCK_STEP_NS: f64 = 100_000.0;

/// Starts an echo worker and resolves to `[ready_ms, total_ms, rtt_ms...]`.
const ECHO_JS: &str = r#"
const warmup = arguments[0], n = arguments[1];
return new Promise((resolve, reject) => {
  const src = "onmessage = e => postMessage(e.data); postMessage('ready');";
  const url = URL.createObjectURL(new Blob([src], { type: "text/javascript" }));
  const t0 = performance.now();
  const w = new Worker(url);
  const out = [];
  let ready = -1, sent = 0, seq = 0, start = 0;
  const send = () => { sent = performance.now(); w.postMessage({ seq: seq++, payload: [1, 2, 3, 4] }); };
  w.onerror = e => reject(String(e.message));
  w.onmessage = e => {
    const now = performance.now();
    if (ready < 0) { ready = now - t0; send(); return; }
    if (seq > warmup) out.push(now - sent);
    if (seq === warmup) start = now;
    if (out.length >= n) {
      w.terminate(); URL.revokeObjectURL(url);
      resolve([ready, now - start].concat(out));
      return;
    }
    send();
  };
});
"#;

#[wasm_bindgen_test]
async fn perf_postmessage_raw_transport() {
    let isolated = js_sys::Reflect::get(&js_sys::global(), &"crossOriginIsolated".into())
        .unwrap()
        .as_bool();
    assert_eq!(
        isolated,
        Some(false),
        "this binary must run without isolation"
    );
    let f = js_sys::Function::new_with_args("", ECHO_JS);
    let p = f
        .call2(
            &wasm_bindgen::JsValue::NULL,
            &f64::from(WARMUP).into(),
            &f64::from(ROUND_TRIPS).into(),
        )
        .expect("start the echo worker");
    let got = wasm_bindgen_futures::JsFuture::from(p.unchecked_into::<js_sys::Promise>())
        .await
        .expect("echo worker round trips");
    let v: Vec<f64> = js_sys::Array::from(&got)
        .iter()
        .map(|x| x.as_f64().unwrap() * 1e6)
        .collect();
    let (ready, total, mut rtts) = (v[0], v[1], v[2..].to_vec());
    let mean = total / rtts.len() as f64;
    // Quantised samples: the true p50 lies below the quantised p50 plus one clock step.
    let p50_bound = table::percentile(&mut rtts, 50.0) + CLOCK_STEP_NS;
    let rows = vec![
        table::Row {
            id: "W3-rtt-p50".into(),
            workload: format!(
                "RAW TRANSPORT, not a task backend: postMessage echo round trip, small payload, plain Blob-URL worker, page not isolated, {ROUND_TRIPS} after {WARMUP} warm-up; figure = UPPER BOUND of the p50 (quantised p50 + the 100 µs clock step; exact mean {:.1} µs) (ns)",
                mean / 1e3
            ),
            ours_ns: p50_bound,
            max_ns: Some(1e6),
            goal: "p50 round trip < 1 ms".into(),
            ..table::Row::default()
        },
        table::Row {
            id: "W3-first-ready".into(),
            workload: "RAW TRANSPORT, not a task backend: new Worker(blob URL) until its first message arrives on the page (ns)".into(),
            ours_ns: ready,
            max_ns: Some(1e8),
            goal: "first worker ready < 100 ms".into(),
            ..table::Row::default()
        },
        table::Row::not_implemented(
            "W3-task-rtt-p50",
            "postMessage TASK round trip through ours: not implemented (no postMessage fallback task backend yet; web::spawn returns NoSharedMemory here)",
            "p50 round trip < 1 ms",
        ),
        table::Row::not_implemented(
            "W3-10k-tasks",
            "10k tasks throughput over postMessage: not implemented (no postMessage fallback task backend yet)",
            "10k tasks throughput (no numeric goal)",
        ),
    ];
    let header = "W3: headless Chromium page without COOP/COEP (no SharedArrayBuffer)";
    for line in table::markdown("web, no shared memory", header, &rows).lines() {
        console_log!("PERF-MD {line}");
    }
    for line in table::csv(&rows).lines() {
        console_log!("PERF-CSV {line}");
    }
}
