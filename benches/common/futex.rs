//! Futex workload shared by the criterion bench (`benches/futex.rs`) and the perf table
//! (`benches/perf_table/futex.rs`): a ping-pong between two threads that both block, driven by
//! the same code for our futex layer, the portable parked table and std's park/unpark.
#![allow(dead_code, unreachable_pub, missing_docs)]

use portalis_threading::futex;
use std::sync::atomic::{
    AtomicU32,
    Ordering::{Acquire, Release},
};
use std::sync::Arc;
use std::time::Instant;

/// Round trips per implementation; each round has both threads block.
pub const ROUNDS: usize = 4_000;

/// Round-trip samples (ns) of a ping-pong where each side blocks in `wait` and is woken by
/// the other side's `wake` (word values: odd = ping's turn done, even = pong's).
pub fn pingpong(rounds: usize, wait: fn(&AtomicU32, u32), wake: fn(&AtomicU32)) -> Vec<f64> {
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

pub fn ours_wait(w: &AtomicU32, v: u32) {
    let _ = futex::wait(w, v, None);
}
pub fn ours_wake(w: &AtomicU32) {
    futex::wake_one(w);
}
pub fn parked_wait(w: &AtomicU32, v: u32) {
    let _ = futex::parked::wait(w, v, None);
}
pub fn parked_wake(w: &AtomicU32) {
    futex::parked::wake_one(w);
}

/// std's park/unpark as the peer: the same ping-pong with a thread handle per side.
pub fn std_park_pingpong(rounds: usize) -> Vec<f64> {
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
