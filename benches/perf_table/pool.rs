//! Rows S1–S5 and T2 (pool task spawn): the work-stealing scheduler.
//!
//! Sizes here are shrunk so the section stays under ~45 s on 2 cores; each workload text
//! states the size used. The full sizes (2^24−1 nodes, fib(32), quicksort 10^7, sum 10^8,
//! 10^6 spawns) are in the criterion bench `benches/pool.rs`.

#[path = "../common/pool.rs"]
mod work;

use crate::row::{median_ns, percentile, time, Config, Goal, Row};
use portalis_scheduler::{ThreadPool, ThreadPoolBuilder};
use std::hint::black_box;
use std::time::Duration;

fn ours(n: usize) -> ThreadPool {
    ThreadPoolBuilder::new().num_threads(n).build().unwrap()
}

fn rayon_pool(n: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(n)
        .build()
        .unwrap()
}

/// Times `a` and `b` alternately (`cfg.samples` pairs, after a warm-up each) on the calling
/// thread and returns both medians in ns per `per`: drift on a shared machine hits both alike.
fn paired(cfg: &Config, per: usize, a: &dyn Fn(), b: &dyn Fn()) -> (f64, f64) {
    a();
    b();
    let mut xs = Vec::new();
    let mut ys = Vec::new();
    for _ in 0..cfg.samples.max(1) {
        xs.push(time(a).as_nanos() as f64 / per as f64);
        ys.push(time(b).as_nanos() as f64 / per as f64);
    }
    (percentile(&mut xs, 50.0), percentile(&mut ys, 50.0))
}

fn peers(v: &[(&str, f64)]) -> Vec<(String, f64)> {
    v.iter().map(|(n, x)| (n.to_string(), *x)).collect()
}

pub fn rows(cfg: &Config) -> Vec<Row> {
    let all = std::thread::available_parallelism().map_or(2, |n| n.get());
    let (o1, oa) = (ours(1), ours(all));
    let (r1, ra) = (rayon_pool(1), rayon_pool(all));
    let mut rows = Vec::new();

    // ---- S1 small tree ----------------------------------------------------------------
    let small = work::build_tree(10); // 1,023 nodes
    let reps = cfg.n(2000);
    let per = 1023 * reps;
    let small_pair = |f: &(dyn Fn() -> u64 + Sync)| {
        paired(
            cfg,
            per,
            &|| {
                for _ in 0..reps {
                    black_box(work::sum_plain(black_box(&small)));
                }
            },
            &|| {
                for _ in 0..reps {
                    black_box(f());
                }
            },
        )
    };
    // Plain recursion is timed on the same pool thread, alternating with each scheduler
    // (thread placement and neighbours' load move the numbers by more than the overhead).
    let (plain_small, o1_small) = o1.install(|| small_pair(&|| work::sum_ours(black_box(&small))));
    let (plain_small_r, r1_small) =
        r1.install(|| small_pair(&|| work::sum_rayon(black_box(&small))));
    let (plain_small_a, oa_small) =
        oa.install(|| small_pair(&|| work::sum_ours(black_box(&small))));
    let (_, ra_small) = ra.install(|| small_pair(&|| work::sum_rayon(black_box(&small))));
    rows.push(Row::measured(
        "S1-1023-1t",
        &format!("tree sum 1,023 nodes, 1 thread: join overhead (ns/join) = pool − plain ({plain_small:.2} ns/node); peer = rayon overhead"),
        (o1_small - plain_small).max(0.0),
        peers(&[("rayon", (r1_small - plain_small_r).max(0.0))]),
        Goal::MaxNs(2.0),
        "<= 2 ns per join",
    ));
    let mut r = Row::measured(
        "S1-1023-all",
        &format!(
            "tree sum 1,023 nodes, {all} threads (ns/node) vs plain recursion; ratio = ours/plain"
        ),
        oa_small,
        peers(&[("plain", plain_small_a), ("rayon", ra_small)]),
        Goal::MaxRatio(1.0),
        "no slowdown vs plain recursion",
    );
    r.ratio_override = Some(oa_small / plain_small_a);
    r.ratio_basis = Some("plain recursion".into());
    rows.push(r);
    drop(small);

    // ---- S1 big tree (2^20 − 1 here; 2^24 − 1 in criterion) ---------------------------
    let depth = if cfg.scale < 1.0 { 18 } else { 20 };
    let big = work::build_tree(depth);
    let nodes = (1usize << depth) - 1;
    let big_pair = |f: &(dyn Fn() -> u64 + Sync)| {
        paired(
            cfg,
            nodes,
            &|| {
                black_box(work::sum_plain(black_box(&big)));
            },
            &|| {
                black_box(f());
            },
        )
    };
    let (plain_big, o1_big) = o1.install(|| big_pair(&|| work::sum_ours(black_box(&big))));
    let (plain_big_r, r1_big) = r1.install(|| big_pair(&|| work::sum_rayon(black_box(&big))));
    let (_, oa_big) = oa.install(|| big_pair(&|| work::sum_ours(black_box(&big))));
    let (_, ra_big) = ra.install(|| big_pair(&|| work::sum_rayon(black_box(&big))));
    rows.push(Row::measured(
        "S1-2^24-1t",
        &format!("tree sum 2^{depth}-1 nodes (2^24-1 in criterion), 1 thread: join overhead (ns/join) vs plain ({plain_big:.2} ns/node); peer = rayon overhead"),
        (o1_big - plain_big).max(0.0),
        peers(&[("rayon", (r1_big - plain_big_r).max(0.0))]),
        Goal::MaxNs(2.0),
        "<= 2 ns per join",
    ));
    rows.push(Row::measured(
        "S1-2^24-all",
        &format!("tree sum 2^{depth}-1 nodes, {all} threads (ns/node); plain = {plain_big:.2}"),
        oa_big,
        peers(&[("rayon", ra_big)]),
        Goal::MaxRatio(1.0),
        "<= rayon",
    ));
    drop(big);

    // ---- S2 spawn storm ---------------------------------------------------------------
    let n = cfg.n(200_000);
    let o = median_ns(cfg, n, || work::spawn_storm_ours(&oa, n));
    let r = median_ns(cfg, n, || work::spawn_storm_rayon(&ra, n));
    rows.push(Row::measured(
        "S2",
        &format!("{n} scope spawns of empty jobs, {all} threads (ns/spawn; 10^6 in criterion)"),
        o,
        peers(&[("rayon", r)]),
        Goal::MaxRatio(0.5),
        "<= 0.5 of rayon",
    ));

    // ---- S3 ----------------------------------------------------------------------------
    let len = cfg.n(1_000_000);
    let input = work::random_vec(len);
    let qs = |f: &dyn Fn(&mut [u64])| {
        median_ns(cfg, len, || {
            let mut v = input.clone();
            time(|| f(&mut v))
        })
    };
    let o = oa.install(|| qs(&work::quicksort_ours));
    let r = ra.install(|| qs(&work::quicksort_rayon));
    rows.push(Row::measured(
        "S3-quicksort",
        &format!("quicksort {len} u64, {all} threads (ns/element; 10^7 in criterion)"),
        o,
        peers(&[("rayon", r)]),
        Goal::MaxRatio(0.8),
        "<= 0.8 of rayon",
    ));
    let fib_n = 27u64;
    let calls = 832_039 * 2; // ~fib(27) calls: ns per call is relative only
    let o = oa.install(|| {
        median_ns(cfg, calls, || {
            time(|| {
                black_box(work::fib_ours(black_box(fib_n)));
            })
        })
    });
    let r = ra.install(|| {
        median_ns(cfg, calls, || {
            time(|| {
                black_box(work::fib_rayon(black_box(fib_n)));
            })
        })
    });
    let seq_fib = median_ns(cfg, calls, || {
        time(|| {
            black_box(work::fib_plain(black_box(fib_n)));
        })
    });
    rows.push(Row::measured(
        "S3-fib",
        &format!("fib({fib_n}) by join, {all} threads (ns/call; fib(32) in criterion); plain = {seq_fib:.2}"),
        o,
        peers(&[("rayon", r)]),
        Goal::MaxRatio(0.8),
        "<= 0.8 of rayon",
    ));
    let slen = cfg.n(10_000_000);
    let data = work::random_vec(slen);
    let o = oa.install(|| {
        median_ns(cfg, slen, || {
            time(|| {
                black_box(work::sum_slice_ours(black_box(&data)));
            })
        })
    });
    let r = ra.install(|| {
        median_ns(cfg, slen, || {
            time(|| {
                black_box(work::sum_slice_rayon(black_box(&data)));
            })
        })
    });
    rows.push(Row::measured(
        "S3-sum",
        &format!("parallel sum of {slen} u64, {all} threads (ns/element; 10^8 in criterion)"),
        o,
        peers(&[("rayon", r)]),
        Goal::MaxRatio(0.8),
        "<= 0.8 of rayon",
    ));
    drop(data);

    // ---- S4 idle wake -----------------------------------------------------------------
    let samples = cfg.n(300);
    let gap = Duration::from_millis(1);
    let mut o = work::idle_wake(&|f| oa.spawn(f), samples, gap);
    let mut r = work::idle_wake(&|f| ra.spawn(f), samples, gap);
    let (o50, r50) = (percentile(&mut o, 50.0), percentile(&mut r, 50.0));
    let (o99, r99) = (percentile(&mut o, 99.0), percentile(&mut r, 99.0));
    rows.push(Row::measured(
        "S4-p50",
        &format!("idle wake latency p50 (ns), {samples} spawns after 1 ms idle, {all} threads"),
        o50,
        peers(&[("rayon", r50)]),
        Goal::Both {
            max_ratio: 1.0,
            max_ns: 5000.0,
        },
        "<= rayon; p50 < 5 us",
    ));
    rows.push(Row::measured(
        "S4-p99",
        "idle wake latency p99 (ns), same run",
        o99,
        peers(&[("rayon", r99)]),
        Goal::MaxRatio(1.0),
        "<= rayon",
    ));

    // ---- S5 1-thread pool vs sequential (paired on the pool thread) -------------------
    let (seq_fib, o) = o1.install(|| {
        paired(
            cfg,
            calls,
            &|| {
                black_box(work::fib_plain(black_box(fib_n)));
            },
            &|| {
                black_box(work::fib_ours(black_box(fib_n)));
            },
        )
    });
    let r = r1.install(|| {
        median_ns(cfg, calls, || {
            time(|| {
                black_box(work::fib_rayon(black_box(fib_n)));
            })
        })
    });
    let mut row = Row::measured(
        "S5",
        &format!(
            "1-thread pool running fib({fib_n}) vs sequential (ns/call); rayon 1-thread shown"
        ),
        o,
        peers(&[("sequential", seq_fib), ("rayon-1t", r)]),
        Goal::MaxRatio(1.05),
        "<= 1.05 of sequential",
    );
    row.ratio_override = Some(o / seq_fib);
    row.ratio_basis = Some("sequential".into());
    rows.push(row);

    // ---- T2 ----------------------------------------------------------------------------
    let reps = cfg.n(300);
    // Alternated (`paired`), not one after the other: the section's pools were just built
    // and their threads start and search for work during the first samples; timing ours
    // first charged that to ours only (≈ 2.5× std here, ≈ 1.0× when alternated).
    let (o, s) = paired(
        cfg,
        reps,
        &|| {
            for _ in 0..reps {
                portalis_scheduler::thread::Thread::spawn(|| black_box(1))
                    .unwrap()
                    .join()
                    .unwrap();
            }
        },
        &|| {
            for _ in 0..reps {
                std::thread::spawn(|| black_box(1)).join().unwrap();
            }
        },
    );
    rows.push(Row::measured(
        "T2-thread",
        "OS thread spawn + join (ns): portalis Thread::spawn vs std::thread",
        o,
        peers(&[("std::thread", s)]),
        Goal::MaxRatio(1.1),
        "<= 1.1 of std::thread",
    ));
    let n = cfg.n(100_000);
    let task =
        |spawn: &dyn Fn(Box<dyn FnOnce() + Send>)| median_ns(cfg, n, || work::task_spawn(spawn, n));
    let o = task(&|f| oa.spawn(f));
    let r = task(&|f| ra.spawn(f));
    rows.push(Row::measured(
        "T2-task",
        &format!("pool task spawn from outside + run, {n} tasks (ns/task)"),
        o,
        peers(&[("rayon", r)]),
        Goal::MaxNs(100.0),
        "< 100 ns",
    ));
    rows
}
