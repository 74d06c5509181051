//! Rows F1 (futex wake latency): a blocked thread woken through our futex layer, against
//! std's park/unpark, measured as half a ping-pong round trip between two sleeping threads.

use crate::row::{percentile, Config, Goal, Row};
use portalis_threading::futex;
use std::sync::atomic::{
    AtomicU32,
    Ordering::{Acquire, Release},
};
use std::sync::Arc;
use std::time::Instant;

/// Round trips per implementation; each round has both threads block.
const ROUNDS: usize = 4_000;

/// Round-trip samples (ns) of a ping-pong where each side blocks in `wait` and is woken by
/// the other side's `wake` (word values: odd = ping's turn done, even = pong's).
fn pingpong(rounds: usize, wait: fn(&AtomicU32, u32), wake: fn(&AtomicU32)) -> Vec<f64> {
    let w = Arc::new(AtomicU32::new(0));
    let w2 = w.clone();
    let t = std::thread::spawn(move || {
        for i in 0..rounds as u32 {
            let want = 2 * i + 1;
            loop {
                let v = w2.load(Acquire); // Acquire: pairs with the main thread's Release store.
                if v == want {
                    break;
                }
                wait(&w2, v);
            }
            w2.store(want + 1, Release); // Release: pairs with the main thread's Acquire load.
            wake(&w2);
        }
    });
    let mut samples = Vec::with_capacity(rounds);
    for i in 0..rounds as u32 {
        let start = Instant::now();
        w.store(2 * i + 1, Release); // Release: pairs with the pong thread's Acquire load.
        wake(&w);
        loop {
            let v = w.load(Acquire); // Acquire: pairs with the pong thread's Release store.
            if v == 2 * i + 2 {
                break;
            }
            wait(&w, v);
        }
        samples.push(start.elapsed().as_nanos() as f64 / 2.0);
    }
    t.join().unwrap();
    samples
}

fn ours_wait(w: &AtomicU32, v: u32) {
    let _ = futex::wait(w, v, None);
}
fn ours_wake(w: &AtomicU32) {
    futex::wake_one(w);
}
fn parked_wait(w: &AtomicU32, v: u32) {
    let _ = futex::parked::wait(w, v, None);
}
fn parked_wake(w: &AtomicU32) {
    futex::parked::wake_one(w);
}

/// std's park/unpark as the peer: the same ping-pong with a thread handle per side.
fn std_park_pingpong(rounds: usize) -> Vec<f64> {
    let turn = Arc::new(AtomicU32::new(0));
    let main = std::thread::current();
    let t2 = turn.clone();
    let pong = std::thread::spawn(move || {
        for i in 0..rounds as u32 {
            while t2.load(Acquire) != 2 * i + 1 {
                std::thread::park();
            }
            t2.store(2 * i + 2, Release);
            main.unpark();
        }
    });
    let mut samples = Vec::with_capacity(rounds);
    for i in 0..rounds as u32 {
        let start = Instant::now();
        turn.store(2 * i + 1, Release);
        pong.thread().unpark();
        while turn.load(Acquire) != 2 * i + 2 {
            std::thread::park();
        }
        samples.push(start.elapsed().as_nanos() as f64 / 2.0);
    }
    pong.join().unwrap();
    samples
}

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
