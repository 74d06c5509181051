//! Rows F1 (futex wake latency): a blocked thread woken through our futex layer, against
//! std's park/unpark, measured as half a ping-pong round trip between two sleeping threads.
//! The three ping-pongs run in interleaved rounds of `ROUNDS / rounds` round trips each; p50
//! and p99 are taken per round and batch.

#[path = "../common/futex.rs"]
mod common;

use crate::row::{interleaved_percentiles, Config, Goal, Row};
use common::{ours_wait, ours_wake, parked_wait, parked_wake, pingpong, std_park_pingpong, ROUNDS};
use portalis_threading::futex;

pub fn rows(cfg: &Config) -> Vec<Row> {
    let n = (cfg.n(ROUNDS) / cfg.rounds()).max(100);
    let by_p = interleaved_percentiles(
        cfg,
        &mut [
            ("ours", &mut || pingpong(n, ours_wait, ours_wake)),
            ("std park/unpark", &mut || std_park_pingpong(n)),
            ("parked", &mut || pingpong(n, parked_wait, parked_wake)),
        ],
        &[50.0, 99.0],
    );
    let mut out = Vec::new();
    for (m, (p, id)) in by_p.iter().zip([(50, "F1-wake-p50"), (99, "F1-wake-p99")]) {
        let ours = m.derive(&["ours", "std park/unpark"], |r| vec![r[0], r[1]]);
        out.push(Row::from_rounds(
            id,
            &format!(
                "futex wake latency p{p} ({}; half a blocking ping-pong, ns; {n} per round)",
                futex::BACKEND
            ),
            &ours,
            Goal::MaxRatio(1.0),
            "<= std park/unpark",
        ));
        let parked = m.derive(&["parked", "std park/unpark"], |r| vec![r[2], r[1]]);
        out.push(Row::from_rounds(
            &format!("{id}-parked"),
            &format!("futex wake latency p{p} (portable parked table; ns)"),
            &parked,
            Goal::MaxRatio(1.5),
            "<= 1.5 of std park/unpark",
        ));
    }
    out
}
