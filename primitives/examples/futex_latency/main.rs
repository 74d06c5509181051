//! Futex wake latency (rows F1-wake-p50 / F1-wake-p99) as a standalone program, for the
//! environments the criterion-based perf table cannot run in: `make perf-wasi` runs it under
//! wasmtime (wasi-threads). The workload is benches/perf_table/futex.rs's: half a blocking
//! ping-pong round trip between two threads, through the active futex backend, the portable
//! parked table, and std's park/unpark (the peer).
//!
//! Usage: `futex_latency [--rounds N] [--env NAME] [--out DIR]`; prints the Markdown table and,
//! with `--out`, writes DIR/<env>.md and DIR/<env>.csv.

// Model builds (loom/shuttle) and single-thread targets have no real blocking threads to
// measure: there the program only says so.
#[cfg(any(portalis_loom, portalis_shuttle, portalis_no_threads))]
fn main() {
    eprintln!("futex_latency: needs real threads and futex backends (not a model build or a single-thread target)");
}

#[cfg(not(any(portalis_loom, portalis_shuttle, portalis_no_threads)))]
fn main() {
    real::main()
}

#[cfg(not(any(portalis_loom, portalis_shuttle, portalis_no_threads)))]
#[path = "table.rs"]
mod table;

#[cfg(not(any(portalis_loom, portalis_shuttle, portalis_no_threads)))]
mod real {
    use super::table;

    use portalis_primitives::futex;
    use portalis_primitives::sync::atomic::{
        AtomicU32,
        Ordering::{Acquire, Release},
    };
    use std::sync::Arc;
    use std::time::Instant;

    /// Round trips per implementation (each has both threads block once).
    const ROUNDS: u32 = 4_000;

    /// Half-round-trip samples (ns) of a ping-pong where each side blocks in `wait` and is woken
    /// by the other's `wake` (the word counts turns: odd = ping done, even = pong done).
    fn pingpong(rounds: u32, wait: fn(&AtomicU32, u32), wake: fn(&AtomicU32)) -> Vec<f64> {
        let w = Arc::new(AtomicU32::new(0));
        let w2 = w.clone();
        let t = std::thread::spawn(move || {
            for i in 0..rounds {
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
        let mut samples = Vec::with_capacity(rounds as usize);
        for i in 0..rounds {
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

    /// std's park/unpark, the same ping-pong with a thread handle per side.
    fn std_park_pingpong(rounds: u32) -> Vec<f64> {
        let turn = Arc::new(AtomicU32::new(0));
        let main = std::thread::current();
        let t2 = turn.clone();
        let pong = std::thread::spawn(move || {
            for i in 0..rounds {
                // Acquire: pairs with the main thread's Release store.
                while t2.load(Acquire) != 2 * i + 1 {
                    std::thread::park();
                }
                t2.store(2 * i + 2, Release); // Release: pairs with the main thread's Acquire load.
                main.unpark();
            }
        });
        let mut samples = Vec::with_capacity(rounds as usize);
        for i in 0..rounds {
            let start = Instant::now();
            turn.store(2 * i + 1, Release); // Release: pairs with the pong thread's Acquire load.
            pong.thread().unpark();
            // Acquire: pairs with the pong thread's Release store.
            while turn.load(Acquire) != 2 * i + 2 {
                std::thread::park();
            }
            samples.push(start.elapsed().as_nanos() as f64 / 2.0);
        }
        pong.join().unwrap();
        samples
    }

    /// Passes per implementation (rotated order).
    const PASSES: u32 = 3;

    fn ours_wait(w: &AtomicU32, v: u32) {
        let _ = futex::wait(w, v, None);
    }
    fn parked_wait(w: &AtomicU32, v: u32) {
        let _ = futex::parked::wait(w, v, None);
    }

    /// Samples of implementation `r`: 0 = active backend, 1 = parked table, 2 = std park.
    fn route(r: usize, rounds: u32) -> Vec<f64> {
        match r {
            0 => pingpong(rounds, ours_wait, futex::wake_one),
            1 => pingpong(rounds, parked_wait, futex::parked::wake_one),
            _ => std_park_pingpong(rounds),
        }
    }

    pub(crate) fn main() {
        let args: Vec<String> = std::env::args().collect();
        let flag = |name: &str| {
            args.iter()
                .position(|a| a == name)
                .and_then(|i| args.get(i + 1))
        };
        let rounds = flag("--rounds")
            .and_then(|n| n.parse().ok())
            .unwrap_or(ROUNDS);
        let env = flag("--env").cloned().unwrap_or_else(|| {
            if cfg!(target_os = "wasi") {
                "wasi"
            } else {
                "native"
            }
            .into()
        });
        // Warm-up, then PASSES passes per implementation in rotated order, so machine noise
        // and warm-up effects do not all land on whichever runs first.
        for r in 0..3 {
            let _ = route(r, rounds / 10);
        }
        let mut samples: [Vec<f64>; 3] = Default::default();
        for pass in 0..PASSES as usize {
            for k in 0..3 {
                let r = (pass + k) % 3;
                samples[r].extend(route(r, rounds / PASSES));
            }
        }
        let [mut ours, mut parked, mut std_park] = samples;
        let means = format!(
            "means: active backend {}, parked table {}, std park/unpark {}",
            table::mean(&ours),
            table::mean(&parked),
            table::mean(&std_park)
        );
        let rows = table::f1_rows(futex::BACKEND, &env, &mut ours, &mut parked, &mut std_park);
        let header = format!(
            "machine: {} ; futex backend: {}; {rounds} round trips per implementation in {PASSES} rotated passes after a warm-up",
            if cfg!(target_os = "wasi") {
                "wasm32-wasip1-threads under wasmtime 36.0.9 (-W threads=y -S threads=y)"
            } else {
                "native"
            },
            futex::BACKEND
        ) + "; "
            + &means;
        let md = table::markdown(&env, &header, &rows);
        print!("{md}");
        if let Some(dir) = flag("--out") {
            let dir = std::path::Path::new(dir);
            std::fs::create_dir_all(dir).expect("create the output dir");
            std::fs::write(dir.join(format!("{env}.md")), &md).expect("write the .md");
            std::fs::write(dir.join(format!("{env}.csv")), table::csv(&rows))
                .expect("write the .csv");
        }
    }
}
