//! Rows C1–C4 and T1 (rendezvous): the crossbeam-channel suite and friends, ours against
//! crossbeam-channel, flume, kanal and std mpsc in the same run (workloads in
//! `benches/common/channel.rs`). Shortened N (the criterion bench uses N = 5,000,000).

#[path = "../common/channel.rs"]
mod common;

use crate::row::{median_ns, Config, Goal, Row};
use common::{Chan, Crossbeam, Flavour, Flume, Kanal, Ours, StdMpsc, Workload};
use std::time::{Duration, Instant};

/// Threads per side, as crossbeam's suite.
const T: usize = 4;
/// Messages per run on hand-off cells (bounded(0), bounded(1)); peers need 1–15 µs/msg here.
const N_HANDOFF: usize = 10_000;
/// Messages per run on buffered cells.
const N_BUFFERED: usize = 200_000;

fn n_for(cfg: &Config, f: Flavour) -> usize {
    match f {
        Flavour::Bounded0 | Flavour::Bounded1 => cfg.n(N_HANDOFF),
        _ => cfg.n(N_BUFFERED),
    }
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
    for (w, t2, t16) in [(Workload::Mpsc, 1, 15), (Workload::Mpmc, 1, 8)] {
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
    let ours = median_ns(&c, reps, || {
        let t = Instant::now();
        for i in 0..reps {
            let (s, r) = portalis_threading::channel::oneshot::<u64>();
            s.send(i as u64).unwrap();
            std::hint::black_box(r.recv().unwrap());
        }
        t.elapsed()
    });
    let cb = median_ns(&c, reps, || {
        let t = Instant::now();
        for i in 0..reps {
            let (s, r) = crossbeam_channel::bounded::<u64>(1);
            s.send(i as u64).unwrap();
            std::hint::black_box(r.recv().unwrap());
        }
        t.elapsed()
    });
    let fl = median_ns(&c, reps, || {
        let t = Instant::now();
        for i in 0..reps {
            let (s, r) = flume::bounded::<u64>(1);
            s.send(i as u64).unwrap();
            std::hint::black_box(r.recv().unwrap());
        }
        t.elapsed()
    });
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
    let ours = median_ns(&c, msgs, || broadcast_ours(msgs));
    let cb = median_ns(&c, msgs, || broadcast_crossbeam(msgs));
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

const BCAST_RECEIVERS: usize = 4;
const BCAST_CAP: usize = 1024;

/// Each receiver accounts for every message: received, or skipped as `Lagged(n)`.
fn broadcast_ours(msgs: usize) -> Duration {
    use portalis_threading::channel::broadcast::{broadcast, RecvError};
    let (tx, rx) = broadcast::<u64>(BCAST_CAP);
    let rxs: Vec<_> = (0..BCAST_RECEIVERS).map(|_| tx.subscribe()).collect();
    drop(rx);
    let start = Instant::now();
    std::thread::scope(|sc| {
        for mut rx in rxs {
            sc.spawn(move || {
                let mut seen = 0u64;
                while seen < msgs as u64 {
                    match rx.recv() {
                        Ok(v) => {
                            std::hint::black_box(v);
                            seen += 1;
                        }
                        Err(RecvError::Lagged(n)) => seen += n,
                        Err(RecvError::Closed) => break,
                    }
                }
            });
        }
        for i in 0..msgs as u64 {
            tx.send(i).unwrap();
        }
        drop(tx);
    });
    start.elapsed()
}

fn broadcast_crossbeam(msgs: usize) -> Duration {
    let (ss, rs): (Vec<_>, Vec<_>) = (0..BCAST_RECEIVERS)
        .map(|_| crossbeam_channel::bounded::<u64>(BCAST_CAP))
        .unzip();
    let start = Instant::now();
    std::thread::scope(|sc| {
        for r in rs {
            sc.spawn(move || {
                for v in r.iter() {
                    std::hint::black_box(v);
                }
            });
        }
        for i in 0..msgs as u64 {
            for s in &ss {
                s.send(i).unwrap();
            }
        }
        drop(ss);
    });
    start.elapsed()
}
