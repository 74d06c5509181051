//! Rows C1–C4 and T1 (rendezvous): the crossbeam-channel suite and friends, ours against
//! crossbeam-channel, flume, kanal and std mpsc in the same run (workloads in
//! `benches/common/channel.rs`). Shortened N (the criterion bench uses N = 5,000,000). Every
//! cell runs ours and the peers in interleaved rounds (`row::interleaved`).

#[path = "../common/channel.rs"]
mod common;

use crate::row::{cpu_time, interleaved, Config, Goal, Measured, Row, Timed, CPU};
use common::{Chan, Crossbeam, Flavour, Flume, Kanal, Ours, StdMpsc, Workload};
use std::time::Duration;

/// Threads per side, as crossbeam's suite.
const T: usize = 4;

/// One implementation of a cell, ready to run: (name, one timed run).
type Runner = (String, Box<dyn FnMut() -> Duration>);

/// `C` on one cell with `n` messages and `t` threads per side, if `C` supports the cell. The
/// seq cells (one thread, nothing blocks) are timed by the thread's CPU clock, the others by
/// the wall clock (ADR 100).
fn runner<C: Chan>(w: Workload, f: Flavour, n: usize, t: usize, name: String) -> Option<Runner> {
    common::supports::<C>(w, f).then(|| {
        let run: Box<dyn FnMut() -> Duration> = if w == Workload::Seq {
            Box::new(move || common::seq::<C>(f, n, CPU))
        } else {
            Box::new(move || common::run::<C>(w, f, n, t))
        };
        (name, run)
    })
}

/// Interleaved rounds of `runners`, in ns per message.
fn measure(cfg: &Config, runners: &mut [Runner], n: usize) -> Measured {
    let mut impls: Vec<Timed<'_>> = runners
        .iter_mut()
        .map(|(name, run)| (name.as_str(), &mut **run as &mut dyn FnMut() -> Duration))
        .collect();
    interleaved(cfg, &mut impls, n)
}

/// Ours then every peer that supports the cell.
fn cell(cfg: &Config, w: Workload, f: Flavour) -> Measured {
    let n = cfg.n(common::short_n(f));
    let mut runners: Vec<Runner> = [
        runner::<Ours>(w, f, n, T, "ours".into()),
        runner::<Crossbeam>(w, f, n, T, Crossbeam::NAME.into()),
        runner::<Flume>(w, f, n, T, Flume::NAME.into()),
        runner::<Kanal>(w, f, n, T, Kanal::NAME.into()),
        runner::<StdMpsc>(w, f, n, T, StdMpsc::NAME.into()),
    ]
    .into_iter()
    .flatten()
    .collect();
    measure(cfg, &mut runners, n)
}

/// C3: ours on each flavour and the peers on bounded(1), each at `t2` and `t16` threads per
/// side, all in the same rounds; per round, growth = ns/msg at 16 threads / at 2 threads.
fn c3_row(cfg: &Config, w: Workload, t2: usize, t16: usize) -> Row {
    let ours_flavours = [Flavour::Bounded0, Flavour::Bounded1, Flavour::Unbounded];
    let mut runners: Vec<Runner> = Vec::new();
    for f in ours_flavours {
        let n = cfg.n(common::short_n(f));
        runners.extend(runner::<Ours>(w, f, n, t2, format!("ours {}", f.name())));
        runners.extend(runner::<Ours>(
            w,
            f,
            n,
            t16,
            format!("ours {} 16t", f.name()),
        ));
    }
    let b1 = Flavour::Bounded1;
    let n1 = cfg.n(common::short_n(b1));
    runners.extend(runner::<Crossbeam>(w, b1, n1, t2, "crossbeam".into()));
    runners.extend(runner::<Crossbeam>(w, b1, n1, t16, "crossbeam".into()));
    runners.extend(runner::<Kanal>(w, b1, n1, t2, "kanal".into()));
    runners.extend(runner::<Kanal>(w, b1, n1, t16, "kanal".into()));
    // Each runner was built for its own n, so per = 1 here; growth and ns/msg divide by n below.
    let m = measure(cfg, &mut runners, 1);
    let per_msg = |i: usize| {
        let f = if i < 2 * ours_flavours.len() {
            ours_flavours[i / 2]
        } else {
            b1
        };
        cfg.n(common::short_n(f)) as f64
    };
    let growth = |i: usize| m.ratio(|r| r[i + 1] / r[i]);
    // The worst flavour of ours (highest median growth) is the row.
    let (worst, g) = (0..ours_flavours.len())
        .filter_map(|k| growth(2 * k).map(|g| (k, g)))
        .max_by(|a, b| a.1.median.total_cmp(&b.1.median))
        .expect("ours runs every C3 cell");
    let peers: Vec<(String, f64)> = ["crossbeam", "kanal"]
        .iter()
        .filter_map(|name| {
            // Each peer's 2-thread runner, then its 16-thread one.
            let i = m.names.iter().position(|x| x == name)?;
            let g = growth(i).map_or(f64::NAN, |g| g.median);
            Some((
                format!("{name} bounded1 16t (growth {g:.2})"),
                m.median(i + 1) / per_msg(i + 1),
            ))
        })
        .collect();
    let i16 = 2 * worst + 1;
    let row = Row {
        ours_ns: Some(m.median(i16) / per_msg(i16)),
        peers,
        ..Row::not_implemented(
            &format!("C3-{}", w.name()),
            &format!("{t2}+1 vs {t16}+1 threads on 2 cores: growth of ns/msg"),
            Goal::MaxRatio(1.3),
            "growth < 1.3x",
        )
    };
    row.with_basis(
        Some(g),
        &format!("ours 16t/2t (worst: {})", ours_flavours[worst].name()),
    )
}

pub fn rows(cfg: &Config) -> Vec<Row> {
    let mut v = Vec::new();
    let mut c2 = Vec::new();
    for w in Workload::ALL {
        for f in Flavour::ALL {
            if w == Workload::Seq && f == Flavour::Bounded0 {
                continue;
            }
            let m = cell(cfg, w, f);
            if matches!(w, Workload::Spsc | Workload::Mpsc | Workload::Mpmc)
                && matches!(f, Flavour::Bounded0 | Flavour::Bounded1)
            {
                c2.push(Row::from_rounds(
                    &format!("C2-{}-{}", w.name(), f.name()),
                    "handoff cell (ns/msg)",
                    &m,
                    Goal::MaxRatio(0.25),
                    "<= 0.25 of best Rust peer",
                ));
            }
            v.push(Row::from_rounds(
                &format!("C1-{}-{}", w.name(), f.name()),
                &format!("crossbeam suite {} (ns/msg)", w.name()),
                &m,
                Goal::MaxRatio(0.9),
                "<= 0.9 of best peer",
            ));
        }
    }
    v.extend(c2);

    // C3: growth of ns/msg from 2 threads to 16 threads on 2 cores (worst flavour of ours).
    for (w, t2, t16) in common::C3_SHAPES {
        v.push(c3_row(cfg, w, t2, t16));
    }

    // C4: oneshot create + send + recv (one thread), peer: crossbeam bounded(1) per oneshot.
    // One thread, nothing blocks: the thread's CPU clock (the workload's own wall time is
    // dropped).
    let reps = cfg.n(200_000);
    let m = interleaved(
        cfg,
        &mut [
            ("ours", &mut || {
                cpu_time(|| {
                    let _ = common::oneshot_ours(reps);
                })
            }),
            ("crossbeam bounded(1)", &mut || {
                cpu_time(|| {
                    let _ = common::oneshot_crossbeam(reps);
                })
            }),
            ("flume bounded(1)", &mut || {
                cpu_time(|| {
                    let _ = common::oneshot_flume(reps);
                })
            }),
        ],
        reps,
    );
    v.push(Row::from_rounds(
        "C4-oneshot",
        "oneshot create+send+recv (ns)",
        &m,
        Goal::MaxRatio(0.9),
        "<= 0.9 of best peer",
    ));

    // C4: broadcast to 4 receivers (threads); peer: 4 crossbeam bounded(1024) channels.
    let msgs = cfg.n(100_000);
    let m = interleaved(
        cfg,
        &mut [
            ("ours", &mut || common::broadcast_ours(msgs)),
            ("crossbeam 4x bounded(1024)", &mut || {
                common::broadcast_crossbeam(msgs)
            }),
        ],
        msgs,
    );
    v.push(Row::from_rounds(
        "C4-broadcast",
        "broadcast to 4 receivers (ns/msg)",
        &m,
        Goal::MaxRatio(0.9),
        "<= 0.9 of best peer",
    ));

    // T1: ping-pong round trip over bounded(0).
    let rounds = cfg.n(10_000);
    let m = interleaved(
        cfg,
        &mut [
            ("ours", &mut || {
                common::pingpong::<Ours>(Flavour::Bounded0, rounds)
            }),
            ("crossbeam", &mut || {
                common::pingpong::<Crossbeam>(Flavour::Bounded0, rounds)
            }),
        ],
        rounds,
    );
    v.push(Row::from_rounds(
        "T1-rendezvous",
        "ping-pong over bounded(0) (ns/round trip)",
        &m,
        Goal::Both {
            max_ratio: 0.8,
            max_ns: 5000.0,
        },
        "<= 0.8 of crossbeam bounded(0); < 5 us",
    ));
    v
}
