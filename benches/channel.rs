//! Criterion bench of the channels: crossbeam-channel's suite (seq, spsc, mpsc, mpmc,
//! select_rx, select_both × bounded(0), bounded(1), bounded(N), unbounded; T = 4) with ours,
//! crossbeam-channel, flume, kanal and std mpsc as functions of one group per cell.
//!
//! N = 5,000,000 messages per iteration as upstream; override with `CHANNEL_BENCH_N`
//! (hand-off cells of the slow peers take 5–40 s per iteration at full N on 2 vCPUs).
//! Machine of record: 2 vCPU KVM guest (AMD EPYC Zen 3), see ../shared/PERF.md.
#![allow(missing_docs)]

#[path = "common/channel.rs"]
mod common;

use common::{Chan, Crossbeam, Flavour, Flume, Kanal, Ours, StdMpsc, Workload};
use criterion::{criterion_group, criterion_main, Criterion};
use std::time::Duration;

const T: usize = 4;

fn n() -> usize {
    std::env::var("CHANNEL_BENCH_N")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(5_000_000)
}

fn one<C: Chan>(
    g: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    w: Workload,
    f: Flavour,
    n: usize,
) {
    if common::supports::<C>(w, f) {
        g.bench_function(C::NAME, |b| {
            b.iter_custom(|iters| {
                (0..iters)
                    .map(|_| common::run::<C>(w, f, n, T))
                    .sum::<Duration>()
            })
        });
    }
}

fn suite(c: &mut Criterion) {
    let n = n();
    for w in Workload::ALL {
        for f in Flavour::ALL {
            if w == Workload::Seq && f == Flavour::Bounded0 {
                continue;
            }
            let mut g = c.benchmark_group(format!("{}_{}", f.name(), w.name()));
            g.sample_size(10)
                .warm_up_time(Duration::from_millis(1))
                .measurement_time(Duration::from_secs(1));
            g.throughput(criterion::Throughput::Elements(n as u64));
            one::<Ours>(&mut g, w, f, n);
            one::<Crossbeam>(&mut g, w, f, n);
            one::<Flume>(&mut g, w, f, n);
            one::<Kanal>(&mut g, w, f, n);
            one::<StdMpsc>(&mut g, w, f, n);
            g.finish();
        }
    }
    let mut g = c.benchmark_group("rendezvous_pingpong");
    g.sample_size(10);
    let rounds = (n / 50).max(1_000);
    g.bench_function("ours", |b| {
        b.iter_custom(|iters| {
            (0..iters)
                .map(|_| common::pingpong::<Ours>(Flavour::Bounded0, rounds))
                .sum::<Duration>()
        })
    });
    g.bench_function("crossbeam", |b| {
        b.iter_custom(|iters| {
            (0..iters)
                .map(|_| common::pingpong::<Crossbeam>(Flavour::Bounded0, rounds))
                .sum::<Duration>()
        })
    });
    g.finish();
}

criterion_group!(benches, suite);
criterion_main!(benches);
