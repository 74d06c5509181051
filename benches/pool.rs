//! Criterion bench of the scheduler at docs/perf-goals.md's full sizes: S1 (tree sum 1,023 and
//! 2^24−1 nodes), S2 (10^6 scope spawns), S3 (quicksort 10^7, fib(32), sum 10^8), S5, T2 —
//! ours, rayon and plain recursion in the same group; and the perf table's latency rows:
//! `S4-idle-wake` (one spawn from outside into a pool idle for 1 ms, time to job start; the
//! idle gap is outside the timed part) and `T2-task-spawn` (one iteration = one task spawned
//! from outside and run), ours vs rayon on pools of all cores.
#![allow(missing_docs, unreachable_pub)]

#[path = "common/pool.rs"]
mod work;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, SamplingMode};
use std::hint::black_box;
use std::time::Duration;

fn pools(n: usize) -> (portalis_scheduler::ThreadPool, rayon::ThreadPool) {
    (
        portalis_scheduler::ThreadPoolBuilder::new()
            .num_threads(n)
            .build()
            .unwrap(),
        rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build()
            .unwrap(),
    )
}

fn s1(c: &mut Criterion) {
    let all = std::thread::available_parallelism().map_or(2, |n| n.get());
    for depth in [10u32, 24] {
        let tree = work::build_tree(depth);
        let mut g = c.benchmark_group(format!("S1-tree-{}", (1u64 << depth) - 1));
        if depth > 20 {
            g.sample_size(10);
        }
        g.bench_function("plain", |b| b.iter(|| work::sum_plain(black_box(&tree))));
        for n in [1, all] {
            let (o, r) = pools(n);
            g.bench_with_input(BenchmarkId::new("portalis", n), &n, |b, _| {
                o.install(|| b.iter(|| work::sum_ours(black_box(&tree))))
            });
            g.bench_with_input(BenchmarkId::new("rayon", n), &n, |b, _| {
                r.install(|| b.iter(|| work::sum_rayon(black_box(&tree))))
            });
        }
        g.finish();
    }
}

fn s2(c: &mut Criterion) {
    let all = std::thread::available_parallelism().map_or(2, |n| n.get());
    let (o, r) = pools(all);
    let mut g = c.benchmark_group("S2-scope-spawn-1e6");
    g.sample_size(10);
    g.bench_function("portalis", |b| {
        b.iter_custom(|it| (0..it).map(|_| work::spawn_storm_ours(&o, 1_000_000)).sum())
    });
    g.bench_function("rayon", |b| {
        b.iter_custom(|it| {
            (0..it)
                .map(|_| work::spawn_storm_rayon(&r, 1_000_000))
                .sum()
        })
    });
    g.finish();
}

fn s3(c: &mut Criterion) {
    let all = std::thread::available_parallelism().map_or(2, |n| n.get());
    let (o, r) = pools(all);
    let (o1, _) = pools(1);
    let mut g = c.benchmark_group("S3");
    g.sample_size(10);
    let input = work::random_vec(10_000_000);
    g.bench_function("quicksort-1e7/portalis", |b| {
        b.iter_batched_ref(
            || input.clone(),
            |v| o.install(|| work::quicksort_ours(v)),
            criterion::BatchSize::LargeInput,
        )
    });
    g.bench_function("quicksort-1e7/rayon", |b| {
        b.iter_batched_ref(
            || input.clone(),
            |v| r.install(|| work::quicksort_rayon(v)),
            criterion::BatchSize::LargeInput,
        )
    });
    g.bench_function("fib32/plain", |b| b.iter(|| work::fib_plain(black_box(32))));
    g.bench_function("fib32/portalis", |b| {
        b.iter(|| o.install(|| work::fib_ours(black_box(32))))
    });
    g.bench_function("fib32/portalis-1t (S5)", |b| {
        b.iter(|| o1.install(|| work::fib_ours(black_box(32))))
    });
    g.bench_function("fib32/rayon", |b| {
        b.iter(|| r.install(|| work::fib_rayon(black_box(32))))
    });
    drop(input);
    let data = work::random_vec(100_000_000);
    g.bench_function("sum-1e8/plain", |b| {
        b.iter(|| work::sum_slice_plain(black_box(&data)))
    });
    g.bench_function("sum-1e8/portalis", |b| {
        b.iter(|| o.install(|| work::sum_slice_ours(black_box(&data))))
    });
    g.bench_function("sum-1e8/rayon", |b| {
        b.iter(|| r.install(|| work::sum_slice_rayon(black_box(&data))))
    });
    g.finish();
}

fn t2(c: &mut Criterion) {
    let mut g = c.benchmark_group("T2-thread-spawn-join");
    g.bench_function("portalis", |b| {
        b.iter(|| {
            portalis_scheduler::thread::Thread::spawn(|| 1)
                .unwrap()
                .join()
                .unwrap()
        })
    });
    g.bench_function("std", |b| {
        b.iter(|| std::thread::spawn(|| 1).join().unwrap())
    });
    g.finish();
}

/// Idle gap before each S4 spawn (as the perf table).
const S4_GAP: Duration = Duration::from_millis(1);

fn s4(c: &mut Criterion) {
    let all = std::thread::available_parallelism().map_or(2, |n| n.get());
    let (o, r) = pools(all);
    let mut g = c.benchmark_group("S4-idle-wake");
    // Each iteration sleeps S4_GAP untimed: keep the timed total small so the wall time is
    // bounded (a few thousand iterations at most).
    g.sampling_mode(SamplingMode::Flat)
        .sample_size(10)
        .warm_up_time(Duration::from_millis(5))
        .measurement_time(Duration::from_millis(20));
    g.bench_function("portalis", |b| {
        b.iter_custom(|it| {
            let ns: f64 = work::idle_wake(&|f| o.spawn(f), it as usize, S4_GAP)
                .iter()
                .sum();
            Duration::from_nanos(ns as u64)
        })
    });
    g.bench_function("rayon", |b| {
        b.iter_custom(|it| {
            let ns: f64 = work::idle_wake(&|f| r.spawn(f), it as usize, S4_GAP)
                .iter()
                .sum();
            Duration::from_nanos(ns as u64)
        })
    });
    g.finish();
}

fn t2_task(c: &mut Criterion) {
    let all = std::thread::available_parallelism().map_or(2, |n| n.get());
    let (o, r) = pools(all);
    let mut g = c.benchmark_group("T2-task-spawn");
    g.bench_function("portalis", |b| {
        b.iter_custom(|it| work::task_spawn(&|f| o.spawn(f), it as usize))
    });
    g.bench_function("rayon", |b| {
        b.iter_custom(|it| work::task_spawn(&|f| r.spawn(f), it as usize))
    });
    g.finish();
}

criterion_group!(benches, s1, s2, s3, t2, s4, t2_task);
criterion_main!(benches);
