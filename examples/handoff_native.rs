//! The native reference line of `make perf-web` (ADR 118): the browser's `W2-C1-spsc-bounded1`
//! workload run natively on the same machine in the same perf-web run, ours against
//! crossbeam-channel and kanal. It shows what one hand-off per message costs between two
//! threads here with no browser in the way, next to the browser's figure.
//!
//! The workload is the browser harness's (`scheduler/tests/web_perf.rs`, `channel_cell`):
//! `N` u64 messages from a spawned thread to the main thread over `bounded(1)`, the sender
//! released by the receiver, timed at the receiver; ns per message. Ours also over
//! `bounded(64)` (the buffered reference). Rounds interleave the channels (A B C, A B C, ...).
//! Output: one `NATIVE ...` line (median and min–max per channel) for scripts/perf-web.sh.

use std::sync::mpsc;
use std::time::Instant;

/// Messages per run (as the browser row).
const N: u64 = 20_000;
/// Interleaved rounds (one timed run of each channel per round, after one warm-up each).
const ROUNDS: usize = 9;

/// Times `N` messages through (`send`, `recv`) from a spawned thread to this one.
fn run<S: Send + 'static, R>((s, r): (S, R), send: fn(&S, u64), recv: fn(&R) -> u64) -> f64 {
    let (go_s, go_r) = mpsc::channel::<()>();
    let t = std::thread::spawn(move || {
        go_r.recv().unwrap();
        for i in 0..N {
            send(&s, i);
        }
    });
    let start = Instant::now();
    go_s.send(()).unwrap();
    for _ in 0..N {
        std::hint::black_box(recv(&r));
    }
    let ns = start.elapsed().as_nanos() as f64 / N as f64;
    t.join().unwrap();
    ns
}

type Cell = (&'static str, fn() -> f64);

fn ours(cap: usize) -> f64 {
    run(
        portalis_threading::channel::bounded::<u64>(cap),
        |s, v| s.send(v).unwrap(),
        |r| r.recv().unwrap(),
    )
}

const CELLS: [Cell; 4] = [
    ("ours bounded(1)", || ours(1)),
    ("crossbeam bounded(1)", || {
        run(
            crossbeam_channel::bounded::<u64>(1),
            |s, v| s.send(v).unwrap(),
            |r| r.recv().unwrap(),
        )
    }),
    ("kanal bounded(1)", || {
        run(
            kanal::bounded::<u64>(1),
            |s, v| s.send(v).unwrap(),
            |r| r.recv().unwrap(),
        )
    }),
    ("ours bounded(64)", || ours(64)),
];

fn main() {
    let mut per: Vec<Vec<f64>> = vec![Vec::new(); CELLS.len()];
    for (_, f) in CELLS {
        let _ = f();
    }
    for round in 0..ROUNDS {
        for k in 0..CELLS.len() {
            let i = (round + k) % CELLS.len();
            per[i].push((CELLS[i].1)());
        }
    }
    let load = std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next().map(str::to_owned))
        .unwrap_or_else(|| "?".into());
    let mut line = format!(
        "NATIVE same workload on this machine (spawned thread -> main thread, {N} msgs, receiver-timed, {ROUNDS} interleaved rounds, median (min–max) ns/msg; load {load})"
    );
    for (i, (name, _)) in CELLS.iter().enumerate() {
        let v = &mut per[i];
        v.sort_by(f64::total_cmp);
        line += &format!(
            "; {name} {:.0} ({:.0}–{:.0})",
            v[v.len() / 2],
            v[0],
            v[v.len() - 1]
        );
    }
    println!("{line}");
}
