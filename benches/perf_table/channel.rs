//! Rows C1–C4 and T1 (rendezvous): the crossbeam-channel suite and friends, ours against
//! crossbeam-channel, flume, kanal and std mpsc in the same run (workloads in
//! `benches/common/channel.rs`). Shortened N (the criterion bench uses N = 5,000,000).

#[path = "../common/channel.rs"]
mod common;

use crate::row::{median_ns, Config, Goal, Row};
use common::{Chan, Crossbeam, Flavour, Flume, Kanal, Ours, StdMpsc, Workload};

/// Threads per side, as crossbeam's suite.
const T: usize = 4;

/// Shortened N: hand-off cells (bounded(0), bounded(1)) need 1–15 µs/msg at the peers.
fn n_for(cfg: &Config, f: Flavour) -> usize {
    cfg.n(common::short_n(f))
}

/// Median ns/msg of one implementation on one cell (3 samples at most: the 60 s budget).
fn cell<C: Chan>(cfg: &Config, w: Workload, f: Flavour, t: usize) -> Option<f64> {
    if !common::supports::<C>(w, f) {
        return None;
    }
    let n = n_for(cfg, f);
    let c = Config {
        samples: cfg.samples.min(3),
        ..*cfg
    };
    Some(median_ns(&c, n, || common::run::<C>(w, f, n, t)))
}

fn peers(cfg: &Config, w: Workload, f: Flavour, t: usize) -> Vec<(String, f64)> {
    let mut v = Vec::new();
    let mut push = |name: &str, x: Option<f64>| {
        if let Some(x) = x {
            v.push((name.to_string(), x));
        }
    };
    push(Crossbeam::NAME, cell::<Crossbeam>(cfg, w, f, t));
    push(Flume::NAME, cell::<Flume>(cfg, w, f, t));
    push(Kanal::NAME, cell::<Kanal>(cfg, w, f, t));
    push(StdMpsc::NAME, cell::<StdMpsc>(cfg, w, f, t));
    v
}

pub fn rows(cfg: &Config) -> Vec<Row> {
    let mut v = Vec::new();
    let mut c2 = Vec::new();
    for w in Workload::ALL {
        for f in Flavour::ALL {
            if w == Workload::Seq && f == Flavour::Bounded0 {
                continue;
            }
            let ours = cell::<Ours>(cfg, w, f, T).expect("ours runs every cell");
            let p = peers(cfg, w, f, T);
            let id = format!("C1-{}-{}", w.name(), f.name());
            if matches!(w, Workload::Spsc | Workload::Mpsc | Workload::Mpmc)
                && matches!(f, Flavour::Bounded0 | Flavour::Bounded1)
            {
                c2.push(Row::measured(
                    &format!("C2-{}-{}", w.name(), f.name()),
                    "handoff cell (ns/msg)",
                    ours,
                    p.clone(),
                    Goal::MaxRatio(0.25),
                    "<= 0.25 of best Rust peer",
                ));
            }
            v.push(Row::measured(
                &id,
                &format!("crossbeam suite {} (ns/msg)", w.name()),
                ours,
                p,
                Goal::MaxRatio(0.9),
                "<= 0.9 of best peer",
            ));
        }
    }
    v.extend(c2);

    // C3: growth of ns/msg from 2 threads to 16 threads on 2 cores (worst flavour of ours).
    for (w, t2, t16) in common::C3_SHAPES {
        let mut worst = (0.0f64, 0.0f64, "");
        let mut peer_growth = Vec::new();
        for f in [Flavour::Bounded0, Flavour::Bounded1, Flavour::Unbounded] {
            let a = cell::<Ours>(cfg, w, f, t2).unwrap();
            let b = cell::<Ours>(cfg, w, f, t16).unwrap();
            if b / a > worst.0 {
                worst = (b / a, b, f.name());
            }
        }
        for (name, a, b) in [
            (
                "crossbeam",
                cell::<Crossbeam>(cfg, w, Flavour::Bounded1, t2),
                cell::<Crossbeam>(cfg, w, Flavour::Bounded1, t16),
            ),
            (
                "kanal",
                cell::<Kanal>(cfg, w, Flavour::Bounded1, t2),
                cell::<Kanal>(cfg, w, Flavour::Bounded1, t16),
            ),
        ] {
            if let (Some(a), Some(b)) = (a, b) {
                peer_growth.push((format!("{name} bounded1 16t"), b));
                let _ = a;
            }
        }
        let mut row = Row::measured(
            &format!("C3-{}", w.name()),
            "16 threads on 2 cores vs 2 threads: growth of ns/msg",
            worst.1,
            peer_growth,
            Goal::MaxRatio(1.3),
            "growth < 1.3x",
        );
        row.ratio_override = Some(worst.0);
        row.ratio_basis = Some(format!("ours 16t/2t (worst: {})", worst.2));
        v.push(row);
    }

    // C4: oneshot create + send + recv (one thread), peer: crossbeam bounded(1) per oneshot.
    let reps = cfg.n(200_000);
    let c = Config {
        samples: cfg.samples.min(5),
        ..*cfg
    };
    let ours = median_ns(&c, reps, || common::oneshot_ours(reps));
    let cb = median_ns(&c, reps, || common::oneshot_crossbeam(reps));
    let fl = median_ns(&c, reps, || common::oneshot_flume(reps));
    v.push(Row::measured(
        "C4-oneshot",
        "oneshot create+send+recv (ns)",
        ours,
        vec![
            ("crossbeam bounded(1)".into(), cb),
            ("flume bounded(1)".into(), fl),
        ],
        Goal::MaxRatio(0.9),
        "<= 0.9 of best peer",
    ));

    // C4: broadcast to 4 receivers (threads); peer: 4 crossbeam bounded(1024) channels.
    let msgs = cfg.n(100_000);
    let ours = median_ns(&c, msgs, || common::broadcast_ours(msgs));
    let cb = median_ns(&c, msgs, || common::broadcast_crossbeam(msgs));
    v.push(Row::measured(
        "C4-broadcast",
        "broadcast to 4 receivers (ns/msg)",
        ours,
        vec![("crossbeam 4x bounded(1024)".into(), cb)],
        Goal::MaxRatio(0.9),
        "<= 0.9 of best peer",
    ));

    // T1: ping-pong round trip over bounded(0).
    let rounds = cfg.n(10_000);
    let ours = median_ns(&c, rounds, || {
        common::pingpong::<Ours>(Flavour::Bounded0, rounds)
    });
    let cb = median_ns(&c, rounds, || {
        common::pingpong::<Crossbeam>(Flavour::Bounded0, rounds)
    });
    v.push(Row::measured(
        "T1-rendezvous",
        "ping-pong over bounded(0) (ns/round trip)",
        ours,
        vec![("crossbeam".into(), cb)],
        Goal::Both {
            max_ratio: 0.8,
            max_ns: 5000.0,
        },
        "<= 0.8 of crossbeam bounded(0); < 5 us",
    ));
    v
}
