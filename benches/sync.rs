//! Criterion benches of the synchronization primitives (rows L1–L4, T1 of docs/perf-goals.md): ours,
//! std and parking_lot in the same group, through the traits of `common/sync.rs`.
//! Groups are named by regime; the thread count is the `BenchmarkId` parameter.
#![allow(missing_docs)]

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use std::time::Duration;

#[path = "common/sync.rs"]
mod w;
use w::*;

fn config() -> Criterion {
    Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
}

fn uncontended(c: &mut Criterion) {
    let mut g = c.benchmark_group("mutex_uncontended");
    g.bench_function(OursMutex::NAME, |b| {
        b.iter_custom(|n| l1_uncontended::<OursMutex>(n as usize))
    });
    g.bench_function(StdMutex::NAME, |b| {
        b.iter_custom(|n| l1_uncontended::<StdMutex>(n as usize))
    });
    g.bench_function(PlMutex::NAME, |b| {
        b.iter_custom(|n| l1_uncontended::<PlMutex>(n as usize))
    });
    g.finish();
}

fn contended(c: &mut Criterion) {
    let mut g = c.benchmark_group("mutex_contended");
    for threads in [2usize, 4, 16] {
        // One criterion iteration = one increment; threads split the count.
        macro_rules! one {
            ($t:ty) => {
                g.bench_with_input(BenchmarkId::new(<$t>::NAME, threads), &threads, |b, &t| {
                    b.iter_custom(|n| l2_contended::<$t>(t, (n as usize / t).max(1)))
                });
            };
        }
        one!(OursMutex);
        one!(StdMutex);
        one!(PlMutex);
    }
    g.finish();
}

fn rwlock(c: &mut Criterion) {
    let mut g = c.benchmark_group("rwlock_read_mostly");
    macro_rules! one {
        ($t:ty) => {
            g.bench_with_input(BenchmarkId::new(<$t>::NAME, 4), &4usize, |b, &t| {
                b.iter_custom(|n| l3_read_mostly::<$t>(t, (n as usize / t).max(1)))
            });
        };
    }
    one!(OursRw);
    one!(StdRw);
    one!(PlRw);
    g.finish();
}

fn semaphore(c: &mut Criterion) {
    let mut g = c.benchmark_group("semaphore");
    g.bench_function(BenchmarkId::new(OursSem::NAME, 1), |b| {
        b.iter_custom(|n| l4_semaphore::<OursSem>(n as usize))
    });
    g.bench_function(BenchmarkId::new(CvSem::NAME, 1), |b| {
        b.iter_custom(|n| l4_semaphore::<CvSem>(n as usize))
    });
    g.bench_function(BenchmarkId::new(OursSem::NAME, 4), |b| {
        b.iter_custom(|n| l4_semaphore_contended::<OursSem>(4, (n as usize / 4).max(1)))
    });
    g.bench_function(BenchmarkId::new(CvSem::NAME, 4), |b| {
        b.iter_custom(|n| l4_semaphore_contended::<CvSem>(4, (n as usize / 4).max(1)))
    });
    g.finish();
}

fn barrier_event_pingpong(c: &mut Criterion) {
    let mut g = c.benchmark_group("barrier");
    g.bench_function(BenchmarkId::new(OursBarrier::NAME, 4), |b| {
        b.iter_custom(|n| l4_barrier::<OursBarrier>(4, n as usize + 1))
    });
    g.bench_function(BenchmarkId::new(StdBarrier::NAME, 4), |b| {
        b.iter_custom(|n| l4_barrier::<StdBarrier>(4, n as usize + 1))
    });
    g.finish();
    let mut g = c.benchmark_group("event_pingpong");
    g.bench_function(OursEvent::NAME, |b| {
        b.iter_custom(|n| l4_event::<OursEvent>(n as usize))
    });
    g.bench_function(CvEvent::NAME, |b| {
        b.iter_custom(|n| l4_event::<CvEvent>(n as usize))
    });
    g.finish();
    let mut g = c.benchmark_group("handoff_pingpong");
    g.bench_function(SemPair::NAME, |b| {
        b.iter_custom(|n| t1_pingpong::<SemPair>(n as usize))
    });
    g.bench_function(CbZero::NAME, |b| {
        b.iter_custom(|n| t1_pingpong::<CbZero>(n as usize))
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = config();
    targets = uncontended, contended, rwlock, semaphore, barrier_event_pingpong
}
criterion_main!(benches);
