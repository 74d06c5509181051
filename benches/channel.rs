//! Criterion bench of the channels: crossbeam-channel's suite (seq, spsc, mpsc, mpmc,
//! select_rx, select_both × bounded(0), bounded(1), bounded(N), unbounded; T = 4) with ours,
//! crossbeam-channel, flume, kanal and std mpsc as functions of one group per cell.
//!
//! N = 5,000,000 messages per iteration as upstream; override with `CHANNEL_BENCH_N`
//! (hand-off cells of the slow peers take 5–40 s per iteration at full N on 2 vCPUs).
//!
//! The perf table's other channel rows, same workload code (`benches/common/channel.rs`):
//! * `C3-<mpsc|mpmc>-<flavour>`: 2 threads vs 16 threads on the cores (functions
//!   `<impl>/2t`, `<impl>/16t`), at the perf table's shortened N (10,000 messages on hand-off
//!   flavours, 200,000 on buffered; `CHANNEL_BENCH_N` overrides);
//! * `C4-oneshot`: create + send + recv of one message (ours `oneshot`, peers `bounded(1)`);
//! * `C4-broadcast`: 100,000 messages (or `CHANNEL_BENCH_N`) to 4 receiver threads.
//!
//! Machine of record: 2 vCPU KVM guest (AMD EPYC Zen 3), see docs/perf-goals.md.
#![allow(missing_docs)]

#[path = "common/channel.rs"]
mod common;

use common::{Chan, Crossbeam, Flavour, Flume, Kanal, Ours, StdMpsc, Workload};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use std::time::Duration;

const T: usize = 4;

fn n_or(default: usize) -> usize {
    std::env::var("CHANNEL_BENCH_N")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

fn n() -> usize {
    n_or(5_000_000)
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

/// `<impl>/2t` and `<impl>/16t` of one C3 cell, if the implementation has the shape.
fn c3_one<C: Chan>(
    g: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    w: Workload,
    f: Flavour,
    n: usize,
    (t2, t16): (usize, usize),
) {
    if !common::supports::<C>(w, f) {
        return;
    }
    for (label, t) in [("2t", t2), ("16t", t16)] {
        g.bench_function(BenchmarkId::new(C::NAME, label), |b| {
            b.iter_custom(|iters| {
                (0..iters)
                    .map(|_| common::run::<C>(w, f, n, t))
                    .sum::<Duration>()
            })
        });
    }
}

/// Row C3: oversubscription, every flavour of mpsc and mpmc.
fn c3(c: &mut Criterion) {
    for (w, t2, t16) in common::C3_SHAPES {
        for f in Flavour::ALL {
            let n = n_or(common::short_n(f));
            let mut g = c.benchmark_group(format!("C3-{}-{}", w.name(), f.name()));
            g.sample_size(10)
                .warm_up_time(Duration::from_millis(1))
                .measurement_time(Duration::from_secs(1));
            g.throughput(criterion::Throughput::Elements(n as u64));
            c3_one::<Ours>(&mut g, w, f, n, (t2, t16));
            c3_one::<Crossbeam>(&mut g, w, f, n, (t2, t16));
            c3_one::<Flume>(&mut g, w, f, n, (t2, t16));
            c3_one::<Kanal>(&mut g, w, f, n, (t2, t16));
            c3_one::<StdMpsc>(&mut g, w, f, n, (t2, t16));
            g.finish();
        }
    }
}

/// Row C4: oneshot (one iteration = one create + send + recv) and broadcast.
fn c4(c: &mut Criterion) {
    let mut g = c.benchmark_group("C4-oneshot");
    g.bench_function("ours", |b| {
        b.iter_custom(|it| common::oneshot_ours(it as usize))
    });
    g.bench_function("crossbeam-bounded1", |b| {
        b.iter_custom(|it| common::oneshot_crossbeam(it as usize))
    });
    g.bench_function("flume-bounded1", |b| {
        b.iter_custom(|it| common::oneshot_flume(it as usize))
    });
    g.finish();

    let msgs = n_or(100_000);
    let mut g = c.benchmark_group("C4-broadcast");
    g.sample_size(10)
        .warm_up_time(Duration::from_millis(1))
        .measurement_time(Duration::from_secs(1));
    g.throughput(criterion::Throughput::Elements(msgs as u64));
    g.bench_function("ours", |b| {
        b.iter_custom(|it| (0..it).map(|_| common::broadcast_ours(msgs)).sum())
    });
    g.bench_function("crossbeam-4x-bounded1024", |b| {
        b.iter_custom(|it| (0..it).map(|_| common::broadcast_crossbeam(msgs)).sum())
    });
    g.finish();
}

criterion_group!(benches, suite, c3, c4);
criterion_main!(benches);
