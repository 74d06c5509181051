//! Rows S1–S5 and T2 (pool task spawn): the work-stealing scheduler.
//!
//! Sizes here are shrunk so the section stays under ~60 s on 2 cores; each workload text
//! states the size used. The full sizes (2^24−1 nodes, fib(32), quicksort 10^7, sum 10^8,
//! 10^6 spawns) are in the criterion bench `benches/pool.rs`. Every row runs its
//! implementations in interleaved rounds (`row::interleaved`); each timed sample enters its
//! pool with `install` and starts the clock inside, so plain code runs on a pool thread too.

#[path = "../common/pool.rs"]
mod work;

use crate::row::{
    interleaved, interleaved_percentiles, time, Clock, Config, Goal, Measured, Row, CPU, WALL,
};
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

/// Calls made by the doubly recursive fib(n): 2·fib(n+1) − 1.
fn fib_calls(n: u64) -> usize {
    2 * work::fib_plain(n + 1) as usize - 1
}

/// S1 on one tree (`reps` sums per sample): plain recursion and each scheduler, on the
/// 1-thread and the all-thread pools, in one set of rounds. The 1-thread samples (one thread,
/// nothing blocks) are timed by the worker's CPU clock, the all-thread ones (and the plain
/// code they are compared with) by the wall clock. Returns (1-thread overhead row
/// values, all-thread values): `[ours − plain, rayon − plain]` per node on 1 thread, each
/// scheduler against plain code run on its own pool's thread in the same round; and
/// `[ours, plain, rayon]` per node on all threads.
fn s1_rounds(
    cfg: &Config,
    pools: (
        &ThreadPool,
        &rayon::ThreadPool,
        &ThreadPool,
        &rayon::ThreadPool,
    ),
    tree: &Option<Box<work::Node>>,
    reps: usize,
) -> (Measured, Measured) {
    let (o1, r1, oa, ra) = pools;
    let sums = |f: fn(&Option<Box<work::Node>>) -> u64, clock: Clock| {
        clock(&mut || {
            for _ in 0..reps {
                black_box(f(black_box(tree)));
            }
        })
    };
    let nodes = reps * ((1usize << tree_depth(tree)) - 1);
    let m = interleaved(
        cfg,
        &mut [
            ("plain@ours-1t", &mut || {
                o1.install(|| sums(work::sum_plain, CPU))
            }),
            ("ours-1t", &mut || o1.install(|| sums(work::sum_ours, CPU))),
            ("plain@rayon-1t", &mut || {
                r1.install(|| sums(work::sum_plain, CPU))
            }),
            ("rayon-1t", &mut || {
                r1.install(|| sums(work::sum_rayon, CPU))
            }),
            ("plain@ours-all", &mut || {
                oa.install(|| sums(work::sum_plain, WALL))
            }),
            ("ours-all", &mut || {
                oa.install(|| sums(work::sum_ours, WALL))
            }),
            ("rayon-all", &mut || {
                ra.install(|| sums(work::sum_rayon, WALL))
            }),
        ],
        nodes,
    );
    let one = m.derive(&["ours overhead", "rayon"], |r| {
        vec![(r[1] - r[0]).max(0.0), (r[3] - r[2]).max(0.0)]
    });
    let all = m.derive(&["ours", "plain", "rayon"], |r| vec![r[5], r[4], r[6]]);
    (one, all)
}

fn tree_depth(t: &Option<Box<work::Node>>) -> u32 {
    t.as_ref().map_or(0, |n| 1 + tree_depth(&n.left))
}

pub fn rows(cfg: &Config) -> Vec<Row> {
    let all = std::thread::available_parallelism().map_or(2, |n| n.get());
    let (o1, oa) = (ours(1), ours(all));
    let (r1, ra) = (rayon_pool(1), rayon_pool(all));
    let pools = (&o1, &r1, &oa, &ra);
    let mut rows = Vec::new();

    // ---- S1 small tree ----------------------------------------------------------------
    let small = work::build_tree(10); // 1,023 nodes
    let (one, alls) = s1_rounds(cfg, pools, &small, cfg.n(2000));
    rows.push(Row::from_rounds(
        "S1-1023-1t",
        "tree sum 1,023 nodes, 1 thread: join overhead (ns/join) = pool − plain recursion on the pool's thread, per round; peer = rayon overhead",
        &one,
        Goal::MaxNs(2.0),
        "<= 2 ns per join",
    ));
    rows.push(
        Row::from_rounds(
            "S1-1023-all",
            &format!(
                "tree sum 1,023 nodes, {all} threads (ns/node) vs plain recursion; ratio = ours/plain"
            ),
            &alls,
            Goal::MaxRatio(1.0),
            "no slowdown vs plain recursion",
        )
        .with_basis(alls.ratio(|r| r[0] / r[1]), "plain recursion"),
    );
    drop(small);

    // ---- S1 big tree (2^20 − 1 here; 2^24 − 1 in criterion) ---------------------------
    let depth = if cfg.scale < 1.0 { 18 } else { 20 };
    let big = work::build_tree(depth);
    let (one, alls) = s1_rounds(cfg, pools, &big, 1);
    rows.push(Row::from_rounds(
        "S1-2^24-1t",
        &format!("tree sum 2^{depth}-1 nodes (2^24-1 in criterion), 1 thread: join overhead (ns/join) vs plain ({:.2} ns/node); peer = rayon overhead", alls.median(1)),
        &one,
        Goal::MaxNs(2.0),
        "<= 2 ns per join",
    ));
    let alls = alls.derive(&["ours", "rayon"], |r| vec![r[0], r[2]]);
    rows.push(Row::from_rounds(
        "S1-2^24-all",
        &format!("tree sum 2^{depth}-1 nodes, {all} threads (ns/node)"),
        &alls,
        Goal::MaxRatio(1.0),
        "<= rayon",
    ));
    drop(big);

    // ---- S2 spawn storm ---------------------------------------------------------------
    let n = cfg.n(200_000);
    let m = interleaved(
        cfg,
        &mut [
            ("ours", &mut || work::spawn_storm_ours(&oa, n)),
            ("rayon", &mut || work::spawn_storm_rayon(&ra, n)),
        ],
        n,
    );
    rows.push(Row::from_rounds(
        "S2",
        &format!("{n} scope spawns of empty jobs, {all} threads (ns/spawn; 10^6 in criterion)"),
        &m,
        Goal::MaxRatio(0.5),
        "<= 0.5 of rayon",
    ));

    // ---- S3 and S5: the three apps --------------------------------------------------------
    // S3 runs each app on the all-thread pools; S5 runs it on the 1-thread pools against the
    // plain sequential code, timed on our pool's thread in the same rounds.
    let len = cfg.n(1_000_000);
    let input = work::random_vec(len);
    let sort_on = |install: &dyn Fn(&mut (dyn FnMut() -> Duration + Send)) -> Duration,
                   sort: fn(&mut [u64]),
                   clock: Clock| {
        let mut v = input.clone();
        install(&mut || clock(&mut || sort(&mut v)))
    };
    let fib_n = 27u64;
    let calls = fib_calls(fib_n);
    let slen = cfg.n(10_000_000);
    let data = work::random_vec(slen);

    // The pools' `install`, for the closures below (each sample enters the pool).
    let on_oa = |f: &mut (dyn FnMut() -> Duration + Send)| oa.install(f);
    let on_ra = |f: &mut (dyn FnMut() -> Duration + Send)| ra.install(f);
    let on_o1 = |f: &mut (dyn FnMut() -> Duration + Send)| o1.install(f);
    let on_r1 = |f: &mut (dyn FnMut() -> Duration + Send)| r1.install(f);
    let fib = |f: fn(u64) -> u64, clock: Clock| {
        clock(&mut || {
            black_box(f(black_box(fib_n)));
        })
    };
    let sum = |f: fn(&[u64]) -> u64, clock: Clock| {
        clock(&mut || {
            black_box(f(black_box(&data)));
        })
    };

    let m = interleaved(
        cfg,
        &mut [
            ("ours", &mut || sort_on(&on_oa, work::quicksort_ours, WALL)),
            ("rayon", &mut || {
                sort_on(&on_ra, work::quicksort_rayon, WALL)
            }),
        ],
        len,
    );
    rows.push(Row::from_rounds(
        "S3-quicksort",
        &format!("quicksort {len} u64, {all} threads (ns/element; 10^7 in criterion)"),
        &m,
        Goal::MaxRatio(0.8),
        "<= 0.8 of rayon",
    ));
    let m = interleaved(
        cfg,
        &mut [
            ("ours", &mut || on_oa(&mut || fib(work::fib_ours, WALL))),
            ("rayon", &mut || on_ra(&mut || fib(work::fib_rayon, WALL))),
        ],
        calls,
    );
    rows.push(Row::from_rounds(
        "S3-fib",
        &format!(
            "fib({fib_n}) by join, {all} threads (ns/call, {calls} calls; fib(32) in criterion)"
        ),
        &m,
        Goal::MaxRatio(0.8),
        "<= 0.8 of rayon",
    ));
    let m = interleaved(
        cfg,
        &mut [
            ("ours", &mut || {
                on_oa(&mut || sum(work::sum_slice_ours, WALL))
            }),
            ("rayon", &mut || {
                on_ra(&mut || sum(work::sum_slice_rayon, WALL))
            }),
        ],
        slen,
    );
    rows.push(Row::from_rounds(
        "S3-sum",
        &format!("parallel sum of {slen} u64, {all} threads (ns/element; 10^8 in criterion)"),
        &m,
        Goal::MaxRatio(0.8),
        "<= 0.8 of rayon",
    ));

    // ---- S4 idle wake -----------------------------------------------------------------
    let per_round = (cfg.n(700) / cfg.rounds()).max(40);
    let gap = Duration::from_millis(1);
    let by_p = interleaved_percentiles(
        cfg,
        &mut [
            ("ours", &mut || {
                work::idle_wake(&|f| oa.spawn(f), per_round, gap)
            }),
            ("rayon", &mut || {
                work::idle_wake(&|f| ra.spawn(f), per_round, gap)
            }),
        ],
        &[50.0, 99.0],
    );
    rows.push(Row::from_rounds(
        "S4-p50",
        &format!("idle wake latency p50 (ns), {per_round} spawns per round after 1 ms idle, {all} threads"),
        &by_p[0],
        Goal::Both {
            max_ratio: 1.0,
            max_ns: 5000.0,
        },
        "<= rayon; p50 < 5 us",
    ));
    rows.push(Row::from_rounds(
        "S4-p99",
        "idle wake latency p99 (ns) of each round's spawns, same rounds",
        &by_p[1],
        Goal::MaxRatio(1.0),
        "<= rayon",
    ));

    // ---- S5 1-thread pool vs sequential code (plain code on our pool's thread) ---------
    // What the compiler does to each baseline (README "S5 baselines"): fib_plain keeps one
    // recursive call and turns the other into a loop; sum_slice_plain is vectorised;
    // quicksort_plain is the same recursion as quicksort_ours without `join`.
    let s5 = |id: &str, what: &str, m: &Measured| {
        Row::from_rounds(
            id,
            &format!(
                "1-thread pool running {what} vs the sequential code (ns/{}); rayon 1-thread shown",
                if id.ends_with("fib") {
                    "call"
                } else {
                    "element"
                }
            ),
            m,
            Goal::MaxRatio(1.05),
            "<= 1.05 of sequential",
        )
        .with_basis(m.ratio(|r| r[0] / r[1]), "sequential")
    };
    let m = interleaved(
        cfg,
        &mut [
            ("ours-1t", &mut || {
                sort_on(&on_o1, work::quicksort_ours, CPU)
            }),
            ("sequential", &mut || {
                sort_on(&on_o1, work::quicksort_plain, CPU)
            }),
            ("rayon-1t", &mut || {
                sort_on(&on_r1, work::quicksort_rayon, CPU)
            }),
        ],
        len,
    );
    rows.push(s5("S5-quicksort", &format!("quicksort {len} u64"), &m));
    let m = interleaved(
        cfg,
        &mut [
            ("ours-1t", &mut || on_o1(&mut || fib(work::fib_ours, CPU))),
            ("sequential", &mut || {
                on_o1(&mut || fib(work::fib_plain, CPU))
            }),
            ("rayon-1t", &mut || on_r1(&mut || fib(work::fib_rayon, CPU))),
        ],
        calls,
    );
    rows.push(s5("S5-fib", &format!("fib({fib_n}), {calls} calls"), &m));
    let m = interleaved(
        cfg,
        &mut [
            ("ours-1t", &mut || {
                on_o1(&mut || sum(work::sum_slice_ours, CPU))
            }),
            ("sequential", &mut || {
                on_o1(&mut || sum(work::sum_slice_plain, CPU))
            }),
            ("rayon-1t", &mut || {
                on_r1(&mut || sum(work::sum_slice_rayon, CPU))
            }),
        ],
        slen,
    );
    rows.push(s5("S5-sum", &format!("sum of {slen} u64"), &m));
    drop(data);

    // ---- T2 ----------------------------------------------------------------------------
    let reps = cfg.n(300);
    // Interleaved, not one after the other: the section's pools were just built and their
    // threads start and search for work during the first samples; timing ours first charged
    // that to ours only (≈ 2.5× std here, ≈ 1.0× when alternated).
    let m = interleaved(
        cfg,
        &mut [
            ("ours", &mut || {
                time(|| {
                    for _ in 0..reps {
                        portalis_scheduler::thread::Thread::spawn(|| black_box(1))
                            .unwrap()
                            .join()
                            .unwrap();
                    }
                })
            }),
            ("std::thread", &mut || {
                time(|| {
                    for _ in 0..reps {
                        std::thread::spawn(|| black_box(1)).join().unwrap();
                    }
                })
            }),
        ],
        reps,
    );
    rows.push(Row::from_rounds(
        "T2-thread",
        "OS thread spawn + join (ns): portalis Thread::spawn vs std::thread",
        &m,
        Goal::MaxRatio(1.1),
        "<= 1.1 of std::thread",
    ));
    let n = cfg.n(100_000);
    let m = interleaved(
        cfg,
        &mut [
            ("ours", &mut || work::task_spawn(&|f| oa.spawn(f), n)),
            ("rayon", &mut || work::task_spawn(&|f| ra.spawn(f), n)),
        ],
        n,
    );
    rows.push(Row::from_rounds(
        "T2-task",
        &format!("pool task spawn from outside + run, {n} tasks (ns/task)"),
        &m,
        Goal::MaxNs(100.0),
        "< 100 ns",
    ));
    rows
}
