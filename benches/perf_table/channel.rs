//! Rows C1–C4 and T1 (rendezvous): the crossbeam-channel suite and friends.

use crate::row::{Config, Goal, Row};

pub fn rows(_cfg: &Config) -> Vec<Row> {
    let mut v = Vec::new();
    let flavours = ["bounded0", "bounded1", "boundedN", "unbounded"];
    for f in ["bounded1", "boundedN", "unbounded"] {
        v.push(Row::not_implemented(
            &format!("C1-seq-{f}"),
            "crossbeam suite seq (ns/msg)",
            Goal::MaxRatio(0.9),
            "<= 0.9 of best peer",
        ));
    }
    for w in ["spsc", "mpsc", "mpmc", "select_rx", "select_both"] {
        for f in flavours {
            v.push(Row::not_implemented(
                &format!("C1-{w}-{f}"),
                &format!("crossbeam suite {w} (ns/msg)"),
                Goal::MaxRatio(0.9),
                "<= 0.9 of best peer",
            ));
        }
    }
    for w in ["spsc", "mpsc", "mpmc"] {
        for f in ["bounded0", "bounded1"] {
            v.push(Row::not_implemented(
                &format!("C2-{w}-{f}"),
                "handoff cell (ns/msg)",
                Goal::MaxRatio(0.25),
                "<= 0.25 of best Rust peer",
            ));
        }
    }
    for w in ["mpsc", "mpmc"] {
        v.push(Row::not_implemented(
            &format!("C3-{w}"),
            "16 threads on 2 cores vs 2 threads: growth of ns/msg",
            Goal::MaxRatio(1.3),
            "growth < 1.3x",
        ));
    }
    v.push(Row::not_implemented(
        "C4-oneshot",
        "oneshot create+send+recv (ns)",
        Goal::MaxRatio(0.9),
        "<= 0.9 of best peer",
    ));
    v.push(Row::not_implemented(
        "C4-broadcast",
        "broadcast to 4 receivers (ns/msg)",
        Goal::MaxRatio(0.9),
        "<= 0.9 of best peer",
    ));
    v.push(Row::not_implemented(
        "T1-rendezvous",
        "ping-pong over bounded(0) (ns/round trip)",
        Goal::Both {
            max_ratio: 0.8,
            max_ns: 5000.0,
        },
        "<= 0.8 of crossbeam bounded(0); < 5 us",
    ));
    v
}
