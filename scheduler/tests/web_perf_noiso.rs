//! Bench-only (run by `make perf-web`, never by `make test`): the W3 rows of docs/perf-goals.md ("browser,
//! no shared memory"), on a page WITHOUT cross-origin isolation
//! (`WASM_BINDGEN_TEST_NO_ORIGIN_ISOLATION=1`): ours is the message-passing `RemotePool`
//! (registered tasks, postcard envelopes, one module instance per worker): the first worker's
//! boot, the task round trip and the throughput of 10,000 tiny tasks; the RAW TRANSPORT rows
//! (a plain echo worker) are the floor it sits on. `performance.now()` is coarsened to 100 µs on a non-isolated page, so
//! the row reports an upper bound of the p50 (quantised p50 + one clock step); the mean
//! (total / count, exact) is printed with it.
//! Rows are printed with `PERF-MD ` / `PERF-CSV ` prefixes for scripts/perf-web.sh.
#![cfg(all(target_arch = "wasm32", target_os = "unknown"))]

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
    // 10,000 tasks in flight at once on 2 workers, batched (the default) and one postMessage
    // per call, in interleaved rounds (ADR 117).
    let pool = std::rc::Rc::new(
        RemotePool::new(portalis_task_table(), 2)
            .await
            .expect("boot"),
    );
    const N: usize = 10_000;
    const ROUNDS: usize = 3;
    let mut batched = Vec::new();
    let mut unbatched = Vec::new();
    for round in 0..ROUNDS {
        let order = if round % 2 == 0 {
            [true, false]
        } else {
            [false, true]
        };
        for batch in order {
            pool.set_batching(batch);
            let busy0 = pool.worker_busy_ms();
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
            for (i, p) in promises.into_iter().enumerate() {
                let v = wasm_bindgen_futures::JsFuture::from(p).await.expect("task");
                assert_eq!(
                    v.as_f64(),
                    Some(f64::from(i as u8)),
                    "task {i}'s own output"
                );
            }
            let per_task = (now() - start) * 1e6 / N as f64;
            let busy = (pool.worker_busy_ms() - busy0) * 1e3 / N as f64;
            console_log!(
                "W3-10k round {round}: batched={batch}: {:.1} µs per task; workers busy {busy:.1} µs per task (summed over 2)",
                per_task / 1e3
            );
            if batch { &mut batched } else { &mut unbatched }.push(per_task);
        }
    }
    pool.set_batching(true);
    // The harness alone (no worker): 10,000 `future_to_promise` of a ready future, awaited in
    // order, and 10,000 JS Promises resolved by hand and awaited through `JsFuture` (what a
    // call costs on the page besides the transport).
    let start = now();
    let promises: Vec<js_sys::Promise> = (0..N)
        .map(|i| {
            wasm_bindgen_futures::future_to_promise(async move {
                Ok(wasm_bindgen::JsValue::from(i as u8))
            })
        })
        .collect();
    for p in promises {
        wasm_bindgen_futures::JsFuture::from(p)
            .await
            .expect("ready");
    }
    let harness = (now() - start) * 1e6 / N as f64;
    console_log!("W3-10k harness alone: {:.1} µs per task", harness / 1e3);
    let med = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        (v[v.len() / 2], v[0], v[v.len() - 1])
    };
    let (per_task, b_min, b_max) = med(&mut batched);
    let (unb, u_min, u_max) = med(&mut unbatched);
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
            workload: format!("10,000 echo tasks in flight at once on a RemotePool of 2 workers, calls batched per event-loop turn (≤ 256 per postMessage), wall time per task, median of {ROUNDS} rounds (min {:.1}, max {:.1} µs); one postMessage per call, interleaved: median {:.1} µs (min {:.1}, max {:.1}) (ns)", b_min / 1e3, b_max / 1e3, unb / 1e3, u_min / 1e3, u_max / 1e3),
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

/// Where a copy-mode worker's boot goes (ADR 117): `RemotePool::new(1)` booted `BOOTS` times in
/// a row (each pool shut down before the next), each boot's timeline split into phases.
/// Printed as `BOOT-PHASES` lines; the first boot is the page's first copy-mode worker.
async fn boot_phases() {
    use portalis_scheduler::web::{last_boot_timeline, RemotePool};
    const BOOTS: usize = 7;
    const NAMES: [&str; 5] = [
        "create->script",
        "script->boot msg",
        "boot->glue imported",
        "glue->instantiated",
        "instantiated->ready on page",
    ];
    let mut all: Vec<Vec<f64>> = Vec::new();
    for _ in 0..BOOTS {
        let pool = RemotePool::new(portalis_task_table(), 1)
            .await
            .expect("boot");
        let t = last_boot_timeline();
        assert_eq!(t.len(), 6, "timeline {t:?}");
        let d: Vec<f64> = t.windows(2).map(|w| w[1] - w[0]).collect();
        console_log!(
            "BOOT-PHASES boot {}: total {:.1} ms = {}",
            all.len(),
            t[5] - t[0],
            NAMES
                .iter()
                .zip(&d)
                .map(|(n, v)| format!("{n} {v:.1}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        all.push(d);
        pool.shutdown().await;
    }
    for (i, n) in NAMES.iter().enumerate() {
        let mut v: Vec<f64> = all[1..].iter().map(|d| d[i]).collect();
        v.sort_by(f64::total_cmp);
        console_log!(
            "BOOT-PHASES later boots {n}: median {:.1} ms (min {:.1}, max {:.1}); first boot {:.1}",
            v[v.len() / 2],
            v[0],
            v[v.len() - 1],
            all[0][i]
        );
    }
}

#[wasm_bindgen_test]
async fn perf_postmessage_raw_transport() {
    if option_env!("PORTALIS_BOOT_PHASES").is_some() {
        boot_phases().await;
        return;
    }
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
