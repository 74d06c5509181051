//! Criterion bench of row F1, futex wake latency: half a blocking ping-pong round trip (one
//! iteration = one wake of a sleeping thread), ours (the platform backend), the portable
//! parked table and std's park/unpark in one group, driven by `benches/common/futex.rs`.
#![allow(missing_docs)]

#[path = "common/futex.rs"]
mod common;

use criterion::{criterion_group, criterion_main, Criterion};
use std::time::Duration;

/// Sum of the half-round-trip samples of `it` rounds, as the iteration time.
fn total(samples: Vec<f64>) -> Duration {
    Duration::from_nanos(samples.iter().sum::<f64>() as u64)
}

fn f1(c: &mut Criterion) {
    let mut g = c.benchmark_group("F1-futex-wake");
    g.sample_size(20)
        .warm_up_time(Duration::from_millis(100))
        .measurement_time(Duration::from_secs(1));
    g.bench_function("ours", |b| {
        b.iter_custom(|it| {
            total(common::pingpong(
                it as usize,
                common::ours_wait,
                common::ours_wake,
            ))
        })
    });
    g.bench_function("parked", |b| {
        b.iter_custom(|it| {
            total(common::pingpong(
                it as usize,
                common::parked_wait,
                common::parked_wake,
            ))
        })
    });
    g.bench_function("std-park", |b| {
        b.iter_custom(|it| total(common::std_park_pingpong(it as usize)))
    });
    g.finish();
}

criterion_group!(benches, f1);
criterion_main!(benches);
