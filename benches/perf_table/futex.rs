//! Rows F1 (futex wake latency): a blocked thread woken through our futex layer, against
//! std's park/unpark, measured as half a ping-pong round trip between two sleeping threads.

#[path = "../common/futex.rs"]
mod common;

use crate::row::{percentile, Config, Goal, Row};
use common::{ours_wait, ours_wake, parked_wait, parked_wake, pingpong, std_park_pingpong, ROUNDS};
use portalis_threading::futex;

pub fn rows(cfg: &Config) -> Vec<Row> {
    let n = cfg.n(ROUNDS);
    let mut ours = pingpong(n, ours_wait, ours_wake);
    let mut parked = pingpong(n, parked_wait, parked_wake);
    let mut std_park = std_park_pingpong(n);
    let mut out = Vec::new();
    for (p, id) in [(50.0, "F1-wake-p50"), (99.0, "F1-wake-p99")] {
        let o = percentile(&mut ours, p);
        let peers = vec![("std park/unpark".to_string(), percentile(&mut std_park, p))];
        out.push(Row::measured(
            id,
            &format!(
                "futex wake latency p{p} ({}; half a blocking ping-pong, ns)",
                futex::BACKEND
            ),
            o,
            peers.clone(),
            Goal::MaxRatio(1.0),
            "<= std park/unpark",
        ));
        out.push(Row::measured(
            &format!("{id}-parked"),
            &format!("futex wake latency p{p} (portable parked table; ns)"),
            percentile(&mut parked, p),
            peers,
            Goal::MaxRatio(1.5),
            "<= 1.5 of std park/unpark",
        ));
    }
    out
}
