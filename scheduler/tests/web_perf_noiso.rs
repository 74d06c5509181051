//! Bench-only (run by `make perf-web`, never by `make test`): the W3 rows of docs/perf-goals.md ("browser,
//! no shared memory"), on a page WITHOUT cross-origin isolation
//! (`WASM_BINDGEN_TEST_NO_ORIGIN_ISOLATION=1`): ours is the message-passing `RemotePool`
//! (registered tasks, postcard envelopes, one module instance per worker): the first worker's
//! boot, the task round trip and the throughput of 10,000 tiny tasks; the RAW TRANSPORT rows
//! (a plain echo worker) are the floor it sits on. `performance.now()` is coarsened to 100 µs on a non-isolated page, so
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

/// A tiny registered task: echoes its bytes.
struct Echo;
impl portalis_scheduler::web::RemoteTask for Echo {
    const NAME: &'static str = "echo";
    type Input = Vec<u8>;
    type Output = Vec<u8>;
    fn run(v: Vec<u8>) -> Result<Vec<u8>, String> {
        Ok(v)
    }
}
portalis_scheduler::remote_tasks![Echo];

/// Ours over postMessage: first worker ready, task round trip p50, 10,000 tasks.
async fn task_rows() -> Vec<table::Row> {
    use portalis_scheduler::web::RemotePool;
    let now = || {
        js_sys::Reflect::get(&js_sys::global(), &"performance".into())
            .ok()
            .and_then(|p| js_sys::Reflect::get(&p, &"now".into()).ok().map(|f| (p, f)))
            .and_then(|(p, f)| f.unchecked_into::<js_sys::Function>().call0(&p).ok())
            .and_then(|v| v.as_f64())
            .unwrap_or(0.0)
    };
    let start = now();
    let pool = RemotePool::new(portalis_task_table(), 1)
        .await
        .expect("boot");
    let ready_ns = (now() - start) * 1e6;
    for _ in 0..WARMUP {
        pool.call::<Echo>(&vec![1, 2, 3, 4]).await.unwrap();
    }
    let mut rtts = Vec::with_capacity(ROUND_TRIPS as usize);
    let t0 = now();
    for _ in 0..ROUND_TRIPS {
        let s = now();
        assert_eq!(
            pool.call::<Echo>(&vec![1, 2, 3, 4]).await.unwrap(),
            vec![1, 2, 3, 4]
        );
        rtts.push((now() - s) * 1e6);
    }
    let mean = (now() - t0) * 1e6 / f64::from(ROUND_TRIPS);
    let p50_bound = table::percentile(&mut rtts, 50.0) + CLOCK_STEP_NS;
    drop(pool);
    // 10,000 tasks in flight at once on 2 workers.
    let pool = std::rc::Rc::new(
        RemotePool::new(portalis_task_table(), 2)
            .await
            .expect("boot"),
    );
    const N: usize = 10_000;
    let start = now();
    let promises: Vec<js_sys::Promise> = (0..N)
        .map(|i| {
            let pool = pool.clone();
            wasm_bindgen_futures::future_to_promise(async move {
                let out = pool
                    .call::<Echo>(&vec![i as u8])
                    .await
                    .map_err(|e| e.to_string())?;
                Ok(wasm_bindgen::JsValue::from(out[0]))
            })
        })
        .collect();
    for p in promises {
        wasm_bindgen_futures::JsFuture::from(p).await.expect("task");
    }
    let per_task = (now() - start) * 1e6 / N as f64;
    vec![
        table::Row {
            id: "W3-task-rtt-p50".into(),
            workload: format!("postMessage TASK round trip through ours (RemotePool, 1 worker, registered echo task, 4-byte input, postcard envelopes), {ROUND_TRIPS} sequential after {WARMUP} warm-up; UPPER BOUND of the p50 (quantised p50 + the 100 µs clock step; exact mean {:.1} µs) (ns)", mean / 1e3),
            ours_ns: p50_bound,
            max_ns: Some(1e6),
            goal: "p50 round trip < 1 ms".into(),
            ..table::Row::default()
        },
        table::Row {
            id: "W3-10k-tasks".into(),
            workload: "10,000 echo tasks in flight at once on a RemotePool of 2 workers, wall time per task (ns)".into(),
            ours_ns: per_task,
            goal: "10k tasks throughput (no numeric goal)".into(),
            ..table::Row::default()
        },
        table::Row {
            id: "W3-first-ready-ours".into(),
            workload: "RemotePool::new(1): new Worker(blob) until ready with its fingerprint (glue imported, module instantiated, own memory) (ns)".into(),
            ours_ns: ready_ns,
            max_ns: Some(1e8),
            goal: "first worker ready < 100 ms".into(),
            ..table::Row::default()
        },
    ]
}

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
    ];
    let mut rows = rows;
    rows.extend(task_rows().await);
    let header = "W3: headless Chromium page without COOP/COEP (no SharedArrayBuffer)";
    for line in table::markdown("web, no shared memory", header, &rows).lines() {
        console_log!("PERF-MD {line}");
    }
    for line in table::csv(&rows).lines() {
        console_log!("PERF-CSV {line}");
    }
}
