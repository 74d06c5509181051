//! Rows W1 of docs/perf-goals.md ("Other environments"): the SAME workload code as the native
//! perf table (benches/common/{channel,pool,sync}.rs, by `#[path]`), run once natively and
//! once under wasmtime with wasi-threads by `make perf-wasi` (scripts/perf-wasi.sh). The ratio
//! of a row is wasi / native of this program's two runs.
//!
//! Usage:
//! * `perf_wasi --raw FILE` measures every W1 workload and writes `id<TAB>ns<TAB>workload`
//!   lines to FILE (the native run).
//! * `perf_wasi --raw FILE --native N1,N2 [--prior W1] --out DIR [--header TEXT]` measures,
//!   then writes DIR/wasi-w1.md and DIR/wasi-w1.csv: per row, the best of this run and the
//!   earlier WASI raw files W1 against the best of the native raw files N1, N2 (the script
//!   alternates native and WASI rounds and merges the result with the F1 rows).
//!
//! Sizes are shortened (each workload text says the size); `available_parallelism()` fails on
//! WASI, so every pool sets `num_threads` explicitly.

// Bench-only modules: `pub` there means "used by this program".
#![allow(unreachable_pub, missing_docs)]

#[path = "../benches/common/channel.rs"]
mod channel;
#[path = "../benches/common/pool.rs"]
mod pool;
#[path = "../benches/common/sync.rs"]
mod sync;
#[path = "../primitives/examples/futex_latency/table.rs"]
mod table;

use channel::{Flavour, Ours, Workload};
use portalis_threading::{ThreadPool, ThreadPoolBuilder};
use std::hint::black_box;
use std::time::{Duration, Instant};

/// Timed samples per workload (the median is reported), after one untimed warm-up.
const SAMPLES: usize = 11;
/// Threads per side in the channel cells (crossbeam's suite and the native table use 4).
const T: usize = 4;
/// Messages per run: hand-off cells (bounded 0/1) and buffered cells.
const N_HANDOFF: usize = 5_000;
const N_BUFFERED: usize = 100_000;

/// Median ns per op of `SAMPLES` runs of `f` (each returns the time for `per` ops).
fn median_ns(per: usize, mut f: impl FnMut() -> Duration) -> f64 {
    let _ = f();
    let mut v: Vec<f64> = (0..SAMPLES)
        .map(|_| f().as_nanos() as f64 / per.max(1) as f64)
        .collect();
    table::percentile(&mut v, 50.0)
}

fn pool(n: usize) -> ThreadPool {
    ThreadPoolBuilder::new().num_threads(n).build().unwrap()
}

/// Every W1 workload: (id, workload text, ns).
fn measure() -> Vec<(String, String, f64)> {
    let mut out = Vec::new();
    let mut push = |id: &str, text: String, ns: f64| {
        eprintln!("  {id}: {ns:.1} ns");
        out.push((id.to_string(), text, ns));
    };

    // C1: spsc and mpmc cells of crossbeam's suite, ours only.
    for w in [Workload::Spsc, Workload::Mpmc] {
        for f in Flavour::ALL {
            let n = match f {
                Flavour::Bounded0 | Flavour::Bounded1 => N_HANDOFF,
                _ => N_BUFFERED,
            };
            let ns = median_ns(n, || channel::run::<Ours>(w, f, n, T));
            let threads = if w == Workload::Spsc {
                "1+1 threads".to_string()
            } else {
                format!("{T}+{T} threads")
            };
            push(
                &format!("W1-C1-{}-{}", w.name(), f.name()),
                format!(
                    "crossbeam suite {} {}, {n} msgs, {threads} (spawns included, ns/msg)",
                    w.name(),
                    f.name()
                ),
                ns,
            );
        }
    }

    // S1: tree sum of 1,023 nodes on our pool with 1 and 2 threads (ns/node).
    let tree = pool::build_tree(10);
    let reps = 1_000;
    for threads in [1, 2] {
        let p = pool(threads);
        let ns = p.install(|| {
            median_ns(1023 * reps, || {
                let t = Instant::now();
                for _ in 0..reps {
                    black_box(pool::sum_ours(black_box(&tree)));
                }
                t.elapsed()
            })
        });
        push(
            &format!("W1-S1-1023-{threads}t"),
            format!("tree sum 1,023 nodes, pool of {threads} thread(s), {reps} sums (ns/node)"),
            ns,
        );
    }

    // L1: uncontended lock+unlock.
    let n = 1_000_000;
    push(
        "W1-L1",
        format!("mutex lock+unlock, 1 thread, {n} ops (ns/op)"),
        median_ns(n, || sync::l1_uncontended::<sync::OursMutex>(n)),
    );

    // T2: OS thread spawn + join through our Thread API.
    let reps = 100;
    push(
        "W1-T2-thread",
        format!("thread spawn + join, portalis Thread::spawn, {reps} per sample (ns)"),
        median_ns(reps, || {
            let t = Instant::now();
            for _ in 0..reps {
                portalis_threading::thread::Thread::spawn(|| black_box(1))
                    .unwrap()
                    .join()
                    .unwrap();
            }
            t.elapsed()
        }),
    );
    out
}

/// The smallest figure for `id` in the comma-separated raw files `files`.
fn best_of(files: &str, id: &str) -> Option<f64> {
    files
        .split(',')
        .filter_map(|f| std::fs::read_to_string(f).ok())
        .flat_map(|text| {
            text.lines()
                .filter_map(|l| {
                    let mut it = l.split('\t');
                    if it.next() == Some(id) {
                        it.next()?.parse::<f64>().ok()
                    } else {
                        None
                    }
                })
                .collect::<Vec<_>>()
        })
        .min_by(f64::total_cmp)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let flag = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
    };
    let env = if cfg!(target_os = "wasi") {
        "wasi"
    } else {
        "native"
    };
    eprintln!("perf_wasi ({env}): measuring the W1 workloads");
    let got = measure();
    let raw: String = got
        .iter()
        .map(|(id, text, ns)| format!("{id}\t{ns:.3}\t{text}\n"))
        .collect();
    if let Some(path) = flag("--raw") {
        std::fs::write(path, &raw).expect("write the raw file");
    }
    let (Some(native), Some(dir)) = (flag("--native"), flag("--out")) else {
        print!("{raw}");
        return;
    };
    // Each side's figure is the minimum over its rounds (load on a shared machine only ever
    // adds time, and it hits whichever process runs at that moment).
    let native_ns = |id: &str| best_of(native, id);
    let rows: Vec<table::Row> = got
        .into_iter()
        .map(|(id, text, ns)| {
            let ns = flag("--prior")
                .and_then(|p| best_of(p, &id))
                .map_or(ns, |p| p.min(ns));
            let peers = native_ns(&id)
                .map(|n| vec![("native".to_string(), n)])
                .unwrap_or_default();
            let spawn = id == "W1-T2-thread";
            table::Row {
                workload: text,
                ours_ns: ns,
                peers,
                // The spawn row's goal is the absolute W1 floor; the ratio is shown for context.
                max_ratio: if spawn { None } else { Some(1.5) },
                max_ns: spawn.then_some(50_000.0),
                goal: if spawn {
                    "< 50 µs (ratio to native for context)".into()
                } else {
                    "<= 1.5 of the same code natively".into()
                },
                basis: Some("native (same code)".into()),
                id,
                ..table::Row::default()
            }
        })
        .collect();
    let header = flag("--header").cloned().unwrap_or_default();
    let md = table::markdown("wasi", &header, &rows);
    print!("{md}");
    let dir = std::path::Path::new(dir);
    std::fs::write(dir.join("wasi-w1.md"), &md).expect("write wasi-w1.md");
    std::fs::write(dir.join("wasi-w1.csv"), table::csv(&rows)).expect("write wasi-w1.csv");
}
