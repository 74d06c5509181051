//! Bench-only (run by `make perf-web`, never by `make test`): futex wake latency in the
//! browser, rows F1-wake-p50 / F1-wake-p99. The test thread (a dedicated worker) and one
//! spawned worker ping-pong, both blocking, through three routes measured in the same run:
//! the nightly intrinsics (`futex::wait` = memory.atomic.wait32), the std-park route
//! (`futex::parked`, std's park is itself wait32 here), and std park/unpark as the peer.
//! Also the W2 rows of docs/perf-goals.md ("Other environments"): channel send/recv between two workers,
//! S1 on the pool (not implemented: the pool has no browser backend, the row records the
//! builder's error), and the idle-wake row (= F1-wake-p50 of the intrinsics route). The
//! main-thread check is `web_perf_main.rs`, the postMessage rows (W3) `web_perf_noiso.rs`.
//! Rows are printed with `PERF-MD ` / `PERF-CSV ` prefixes for scripts/perf-web.sh.
#![cfg(all(target_arch = "wasm32", target_feature = "atomics"))]

#[path = "../../primitives/examples/futex_latency/table.rs"]
mod table;
mod web_common;

use portalis_primitives::sync::atomic::{
    AtomicU32,
    Ordering::{Acquire, Release},
};
use portalis_primitives::{channel, futex};
use std::sync::{Arc, Mutex};
use wasm_bindgen_test::*;
use web_common::*;

wasm_bindgen_test_configure!(run_in_dedicated_worker);

/// Round trips per route: performance.now() is coarsened to 5 µs in isolated contexts, so
/// percentiles are quantised to 2.5 µs (half a round trip).
const ROUNDS: u32 = 6_000;

/// Half-round-trip samples (ns) between this worker and a spawned one, each side blocking in
/// `wait` and woken by the other's `wake`.
async fn pingpong(rounds: u32, wait: fn(&AtomicU32, u32), wake: fn(&AtomicU32)) -> Vec<f64> {
    let w = Arc::new(AtomicU32::new(0));
    let w2 = w.clone();
    let h = spawn(move || {
        for i in 0..rounds {
            let want = 2 * i + 1;
            loop {
                let v = w2.load(Acquire); // Acquire: pairs with the test thread's Release store.
                if v == want {
                    break;
                }
                wait(&w2, v);
            }
            w2.store(want + 1, Release); // Release: pairs with the test thread's Acquire load.
            wake(&w2);
        }
    })
    .await;
    let mut samples = Vec::with_capacity(rounds as usize);
    for i in 0..rounds {
        let start = now_ms();
        w.store(2 * i + 1, Release); // Release: pairs with the pong worker's Acquire load.
        wake(&w);
        loop {
            let v = w.load(Acquire); // Acquire: pairs with the pong worker's Release store.
            if v == 2 * i + 2 {
                break;
            }
            wait(&w, v);
        }
        samples.push((now_ms() - start) * 1e6 / 2.0);
    }
    h.join().unwrap();
    samples
}

/// std's park/unpark between this worker and a spawned one.
async fn std_park_pingpong(rounds: u32) -> Vec<f64> {
    let turn = Arc::new(AtomicU32::new(0));
    let me = std::thread::current();
    let pong_thread = Arc::new(Mutex::new(None));
    let (t2, pt) = (turn.clone(), pong_thread.clone());
    let h = spawn(move || {
        *pt.lock().unwrap() = Some(std::thread::current());
        for i in 0..rounds {
            // Acquire: pairs with the test thread's Release store.
            while t2.load(Acquire) != 2 * i + 1 {
                std::thread::park();
            }
            t2.store(2 * i + 2, Release); // Release: pairs with the test thread's Acquire load.
            me.unpark();
        }
    })
    .await;
    let pong = loop {
        if let Some(t) = pong_thread.lock().unwrap().clone() {
            break t;
        }
        sleep_ms(1).await;
    };
    let mut samples = Vec::with_capacity(rounds as usize);
    for i in 0..rounds {
        let start = now_ms();
        turn.store(2 * i + 1, Release); // Release: pairs with the pong worker's Acquire load.
        pong.unpark();
        // Acquire: pairs with the pong worker's Release store.
        while turn.load(Acquire) != 2 * i + 2 {
            std::thread::park();
        }
        samples.push((now_ms() - start) * 1e6 / 2.0);
    }
    h.join().unwrap();
    samples
}

fn ours_wait(w: &AtomicU32, v: u32) {
    let _ = futex::wait(w, v, None);
}
fn parked_wait(w: &AtomicU32, v: u32) {
    let _ = futex::parked::wait(w, v, None);
}

/// Samples of route `r`: 0 = intrinsics, 1 = std-park table, 2 = std park/unpark.
async fn route(r: usize, rounds: u32) -> Vec<f64> {
    match r {
        0 => pingpong(rounds, ours_wait, futex::wake_one).await,
        1 => pingpong(rounds, parked_wait, futex::parked::wake_one).await,
        _ => std_park_pingpong(rounds).await,
    }
}

/// Passes per route, in rotated order, so tier-up of the freshly compiled code and machine
/// noise do not all land on whichever route runs first.
const PASSES: u32 = 3;
/// Untimed round trips per route before measuring (lets the engine optimise the loop).
const WARMUP: u32 = 300;

/// Mean ns per call of `f` over `n` calls (the clock's 5 µs coarsening vanishes over n).
fn per_call_ns(n: u32, mut f: impl FnMut()) -> f64 {
    let start = now_ms();
    for _ in 0..n {
        f();
    }
    (now_ms() - start) * 1e6 / n as f64
}

/// Cost of the calls that do not block: `wake_one` with nobody waiting, `wait` on a word that
/// already differs, per route (what every uncontended release/acquire pays).
fn uncontended_costs() -> String {
    const N: u32 = 200_000;
    let w = AtomicU32::new(1);
    let wake_i = per_call_ns(N, || futex::wake_one(&w));
    let wake_p = per_call_ns(N, || futex::parked::wake_one(&w));
    let wait_i = per_call_ns(N, || {
        let _ = futex::wait(&w, 0, None);
    });
    let wait_p = per_call_ns(N, || {
        let _ = futex::parked::wait(&w, 0, None);
    });
    format!(
        "uncontended wake_one: intrinsics {wake_i:.1} ns, parked table {wake_p:.1} ns; \
         wait on a differing word: intrinsics {wait_i:.1} ns, parked table {wait_p:.1} ns"
    )
}

/// Channel cells (W2): `n` messages from a spawned worker to this one (the test thread),
/// timed at the receiver from the moment the blocked sender is released; ns per message.
async fn channel_cell(kind: &str, n: u32) -> f64 {
    let (s, r) = match kind {
        "bounded1" => channel::bounded(1),
        "boundedN" => channel::bounded(n as usize),
        _ => channel::unbounded(),
    };
    let go = Arc::new(AtomicU32::new(0));
    let g = go.clone();
    let h = spawn(move || {
        // Acquire: pairs with the test thread's Release store of `go`.
        while g.load(Acquire) == 0 {
            let _ = futex::wait(&g, 0, None);
        }
        for i in 0..n {
            s.send(u64::from(i)).unwrap();
        }
    })
    .await;
    let start = now_ms();
    go.store(1, Release); // Release: pairs with the sender's Acquire load.
    futex::wake_one(&go);
    for _ in 0..n {
        std::hint::black_box(r.recv().unwrap());
    }
    let took = now_ms() - start;
    h.join().unwrap();
    took * 1e6 / f64::from(n)
}

/// What one run of [`channel_handoffs`] saw: ns per message, and per message on each side:
/// blocking calls (`send` on a full channel, `recv` on an empty one) and the engine futex
/// entries of that side's thread (`memory.atomic.wait32` executed, `memory.atomic.notify`
/// executed, waiters those notifies woke).
#[derive(Clone, Copy, Default)]
struct Handoffs {
    ns: f64,
    blocks: [f64; 2],
    waits: [f64; 2],
    notifies: [f64; 2],
    woken: [f64; 2],
}

/// Why bounded(1) costs µs per message (ADR 117, 118): `n` messages over a `bounded(cap)`
/// channel from a spawned worker to this one, each side first trying without blocking and
/// counting the times it had to block, and each side's futex entries (`futex::op_counts`).
/// Index 0 of each pair is the sender, 1 the receiver.
async fn channel_handoffs(cap: usize, n: u32) -> Handoffs {
    let (s, r) = channel::bounded(cap);
    let go = Arc::new(AtomicU32::new(0));
    let g = go.clone();
    let sender_out = Arc::new(Mutex::new([0u64; 4]));
    let so = sender_out.clone();
    let h = spawn(move || {
        // Acquire: pairs with the test thread's Release store of `go`.
        while g.load(Acquire) == 0 {
            let _ = futex::wait(&g, 0, None);
        }
        let c0 = futex::op_counts();
        let mut blocks = 0u64;
        for i in 0..n {
            if let Err(channel::TrySendError::Full(v)) = s.try_send(u64::from(i)) {
                blocks += 1;
                s.send(v).unwrap();
            }
        }
        let c1 = futex::op_counts();
        *so.lock().unwrap() = [
            blocks,
            c1.waits - c0.waits,
            c1.notifies - c0.notifies,
            c1.woken - c0.woken,
        ];
    })
    .await;
    let mut recv_blocks = 0u64;
    let start = now_ms();
    go.store(1, Release); // Release: pairs with the sender's Acquire load.
    futex::wake_one(&go);
    let c0 = futex::op_counts();
    for _ in 0..n {
        let v = match r.try_recv() {
            Ok(v) => v,
            Err(_) => {
                recv_blocks += 1;
                r.recv().unwrap()
            }
        };
        std::hint::black_box(v);
    }
    let c1 = futex::op_counts();
    let took = now_ms() - start;
    h.join().unwrap();
    let sd = *sender_out.lock().unwrap();
    let per = |x: u64| x as f64 / f64::from(n);
    Handoffs {
        ns: took * 1e6 / f64::from(n),
        blocks: [per(sd[0]), per(recv_blocks)],
        waits: [per(sd[1]), per(c1.waits - c0.waits)],
        notifies: [per(sd[2]), per(c1.notifies - c0.notifies)],
        woken: [per(sd[3]), per(c1.woken - c0.woken)],
    }
}

/// The bounded(1) explanation line: interleaved rounds of bounded(1), bounded(2) and
/// bounded(64) with their block and futex counts, and the blocking ping-pong round trip (two
/// wakes).
async fn bounded1_explained() -> String {
    const N: u32 = 20_000;
    const R: usize = 5;
    let caps = [1usize, 2, 64];
    let mut per: Vec<Vec<Handoffs>> = vec![Vec::new(); caps.len()];
    let _ = channel_handoffs(1, N / 10).await;
    for round in 0..R {
        for k in 0..caps.len() {
            let i = (round + k) % caps.len();
            per[i].push(channel_handoffs(caps[i], N).await);
        }
    }
    let mut rt: Vec<f64> = pingpong(2_000, ours_wait, futex::wake_one)
        .await
        .into_iter()
        .map(|half| 2.0 * half)
        .collect();
    let rt50 = table::percentile(&mut rt, 50.0);
    let mut out = format!(
        "bounded(1) explained ({N} msgs, {R} interleaved rounds, medians; per message, sender/receiver): blocking ping-pong round trip (two wakes) {:.1} µs",
        rt50 / 1e3
    );
    for (i, cap) in caps.iter().enumerate() {
        let med = |f: &dyn Fn(&Handoffs) -> f64| {
            let mut v: Vec<f64> = per[i].iter().map(f).collect();
            table::percentile(&mut v, 50.0)
        };
        let (lo, hi) = per[i]
            .iter()
            .fold((f64::MAX, 0f64), |(lo, hi), p| (lo.min(p.ns), hi.max(p.ns)));
        out += &format!(
            "; bounded({cap}): {:.0} ns/msg ({lo:.0}–{hi:.0}), blocks {:.3}/{:.3}, wait32 {:.3}/{:.3}, notify {:.3}/{:.3} (woke {:.3}/{:.3})",
            med(&|p| p.ns),
            med(&|p| p.blocks[0]),
            med(&|p| p.blocks[1]),
            med(&|p| p.waits[0]),
            med(&|p| p.waits[1]),
            med(&|p| p.notifies[0]),
            med(&|p| p.notifies[1]),
            med(&|p| p.woken[0]),
            med(&|p| p.woken[1]),
        );
    }
    out
}

/// Timed samples per channel cell (median reported), after one warm-up run.
const CHANNEL_SAMPLES: usize = 9;

async fn w2_channel_rows() -> Vec<table::Row> {
    let mut rows = Vec::new();
    for (kind, n) in [
        ("bounded1", 20_000),
        ("boundedN", 200_000),
        ("unbounded", 200_000),
    ] {
        let _ = channel_cell(kind, n / 10).await;
        let mut v = Vec::new();
        for _ in 0..CHANNEL_SAMPLES {
            v.push(channel_cell(kind, n).await);
        }
        rows.push(table::Row {
            id: format!("W2-C1-spsc-{kind}"),
            workload: format!(
                "channel spsc {kind}, spawned worker -> test worker, {n} msgs, receiver-timed (ns/msg, median of {CHANNEL_SAMPLES})"
            ),
            ours_ns: table::percentile(&mut v, 50.0),
            max_ns: Some(100.0),
            goal: "send < 100 ns".into(),
            ..table::Row::default()
        });
    }
    rows
}

fn tree_sum(depth: u32) -> u64 {
    if depth == 0 {
        return 0;
    }
    let (a, b) = portalis_scheduler::join(|| tree_sum(depth - 1), || tree_sum(depth - 1));
    u64::from(depth) + a + b
}

/// S1 in the browser on a Web Worker pool (`build_async` boots the workers), and the time
/// to boot one Web Worker on the shared memory (`web::prestart(1)`: create, import the glue,
/// instantiate, report ready).
async fn w2_pool_rows() -> Vec<table::Row> {
    let goal = "runs in the browser (no numeric W2 goal)";
    let mut rows = Vec::new();
    let pool = match portalis_scheduler::ThreadPoolBuilder::new()
        .num_threads(2)
        .build_async()
        .await
    {
        Ok(pool) => pool,
        Err(e) => {
            return vec![table::Row::not_implemented(
                "W2-S1-1023-2t",
                &format!("tree sum 1,023 nodes on the pool: the pool did not build ({e})"),
                goal,
            )]
        }
    };
    const REPS: u32 = 1_000;
    let ns = pool.install(|| {
        let _ = tree_sum(10);
        let start = now_ms();
        for _ in 0..REPS {
            std::hint::black_box(tree_sum(std::hint::black_box(10)));
        }
        (now_ms() - start) * 1e6 / f64::from(1023 * REPS)
    });
    rows.push(table::Row {
        id: "W2-S1-1023-2t".into(),
        workload: "tree sum 1,023 nodes, pool of 2 Web Workers, from inside the pool (ns/node)"
            .into(),
        ours_ns: ns,
        goal: goal.into(),
        ..table::Row::default()
    });
    drop(pool);
    // First worker ready: median of 5 boots of one fresh worker each (stopped in between).
    let mut boots = Vec::new();
    for _ in 0..5 {
        let _ = portalis_scheduler::web::shutdown_workers().await;
        let idle = portalis_scheduler::web::idle_workers(0);
        let start = now_ms();
        portalis_scheduler::web::prestart(idle + 1, 1 << 20)
            .await
            .expect("boot a worker");
        boots.push((now_ms() - start) * 1e6);
    }
    rows.push(table::Row {
        id: "W2-first-worker".into(),
        workload: "one shared-memory Web Worker: new Worker(blob) until ready (glue imported, module instantiated on the shared memory), median of 5 (ns)".into(),
        ours_ns: table::percentile(&mut boots, 50.0),
        max_ns: Some(1e8),
        goal: "first worker ready < 100 ms".into(),
        ..table::Row::default()
    });
    rows
}

#[wasm_bindgen_test]
async fn perf_futex_wake_latency() {
    // `PORTALIS_PERF_ONLY=handoffs` at build time: only the bounded(1) line (quick A/B runs).
    if option_env!("PORTALIS_PERF_ONLY") == Some("handoffs") {
        console_log!("PERF-NOTE {}", bounded1_explained().await);
        return;
    }
    let uncontended = uncontended_costs();
    for r in 0..3 {
        let _ = route(r, WARMUP).await;
    }
    let mut samples: [Vec<f64>; 3] = Default::default();
    for pass in 0..PASSES as usize {
        for k in 0..3 {
            let r = (pass + k) % 3;
            let got = route(r, ROUNDS / PASSES).await;
            samples[r].extend(got);
        }
    }
    let [mut ours, mut parked, mut std_park] = samples;
    let means = format!(
        "means: active backend {}, parked table {}, std park/unpark {}",
        table::mean(&ours),
        table::mean(&parked),
        table::mean(&std_park)
    );
    let wake_p50 = table::percentile(&mut ours.clone(), 50.0);
    let mut rows = table::f1_rows(futex::BACKEND, "web", &mut ours, &mut parked, &mut std_park);
    rows.extend(w2_channel_rows().await);
    console_log!("PERF-NOTE {}", bounded1_explained().await);
    rows.extend(w2_pool_rows().await);
    rows.push(table::Row {
        id: "W2-wake-p50".into(),
        workload: format!(
            "idle wake p50 = F1-wake-p50 ({}): a blocked worker woken by another, half a blocking ping-pong (ns)",
            futex::BACKEND
        ),
        ours_ns: wake_p50,
        max_ns: Some(50_000.0),
        goal: "p50 < 50 µs".into(),
        ..table::Row::default()
    });
    let header = format!(
        "machine: headless Chromium, wasm32-unknown-unknown +atomics (nightly, build-std, release), \
         dedicated worker <-> spawned worker; futex backend: {}; {ROUNDS} round trips per route in {PASSES} rotated passes after a warm-up; \
         performance.now() resolution 5 µs",
        futex::BACKEND
    ) + "; " + &means
        + "; "
        + &uncontended;
    for line in table::markdown("web", &header, &rows).lines() {
        console_log!("PERF-MD {line}");
    }
    for line in table::csv(&rows).lines() {
        console_log!("PERF-CSV {line}");
    }
}
