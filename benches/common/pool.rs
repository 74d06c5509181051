//! Workloads shared by the criterion bench (`benches/pool.rs`) and the perf table
//! (`benches/perf_table/pool.rs`): every workload exists in a plain sequential version, on our
//! pool and on rayon, with the same visit order (docs/notes/heartbeat.md pitfall 9: left child first).
#![allow(dead_code, unreachable_pub, missing_docs)]

use std::time::{Duration, Instant};

/// A heap-allocated binary tree node.
pub struct Node {
    pub value: u64,
    pub left: Option<Box<Node>>,
    pub right: Option<Box<Node>>,
}

/// A complete tree of `2^depth - 1` nodes.
pub fn build_tree(depth: u32) -> Option<Box<Node>> {
    if depth == 0 {
        return None;
    }
    Some(Box::new(Node {
        value: depth as u64,
        left: build_tree(depth - 1),
        right: build_tree(depth - 1),
    }))
}

pub fn sum_plain(n: &Option<Box<Node>>) -> u64 {
    match n {
        None => 0,
        Some(n) => {
            let a = sum_plain(&n.left);
            let b = sum_plain(&n.right);
            n.value + a + b
        }
    }
}

pub fn sum_ours(n: &Option<Box<Node>>) -> u64 {
    match n {
        None => 0,
        Some(n) => {
            let (a, b) = portalis_scheduler::join(|| sum_ours(&n.left), || sum_ours(&n.right));
            n.value + a + b
        }
    }
}

pub fn sum_rayon(n: &Option<Box<Node>>) -> u64 {
    match n {
        None => 0,
        Some(n) => {
            let (a, b) = rayon::join(|| sum_rayon(&n.left), || sum_rayon(&n.right));
            n.value + a + b
        }
    }
}

pub fn fib_plain(n: u64) -> u64 {
    if n < 2 {
        return n;
    }
    fib_plain(n - 1) + fib_plain(n - 2)
}

pub fn fib_ours(n: u64) -> u64 {
    if n < 2 {
        return n;
    }
    let (a, b) = portalis_scheduler::join(|| fib_ours(n - 1), || fib_ours(n - 2));
    a + b
}

pub fn fib_rayon(n: u64) -> u64 {
    if n < 2 {
        return n;
    }
    let (a, b) = rayon::join(|| fib_rayon(n - 1), || fib_rayon(n - 2));
    a + b
}

/// Below this many elements quicksort and sum run sequentially (both schedulers alike).
pub const SEQ_CUTOFF: usize = 4096;

fn partition(v: &mut [u64]) -> usize {
    let pivot_idx = v.len() / 2;
    let last = v.len() - 1;
    v.swap(pivot_idx, last);
    let pivot = v[last];
    let mut store = 0;
    for i in 0..last {
        if v[i] < pivot {
            v.swap(i, store);
            store += 1;
        }
    }
    v.swap(store, last);
    store
}

pub fn quicksort_plain(v: &mut [u64]) {
    if v.len() <= SEQ_CUTOFF {
        v.sort_unstable();
        return;
    }
    let mid = partition(v);
    let (lo, hi) = v.split_at_mut(mid);
    quicksort_plain(lo);
    quicksort_plain(&mut hi[1..]);
}

pub fn quicksort_ours(v: &mut [u64]) {
    if v.len() <= SEQ_CUTOFF {
        v.sort_unstable();
        return;
    }
    let mid = partition(v);
    let (lo, hi) = v.split_at_mut(mid);
    portalis_scheduler::join(|| quicksort_ours(lo), || quicksort_ours(&mut hi[1..]));
}

pub fn quicksort_rayon(v: &mut [u64]) {
    if v.len() <= SEQ_CUTOFF {
        v.sort_unstable();
        return;
    }
    let mid = partition(v);
    let (lo, hi) = v.split_at_mut(mid);
    rayon::join(|| quicksort_rayon(lo), || quicksort_rayon(&mut hi[1..]));
}

/// Pseudo-random input (xorshift), the same for every implementation.
pub fn random_vec(n: usize) -> Vec<u64> {
    let mut x = 0x9E37_79B9_7F4A_7C15u64;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        })
        .collect()
}

pub fn sum_slice_plain(v: &[u64]) -> u64 {
    v.iter().copied().fold(0u64, u64::wrapping_add)
}

pub fn sum_slice_ours(v: &[u64]) -> u64 {
    if v.len() <= SEQ_CUTOFF {
        return sum_slice_plain(v);
    }
    let (a, b) = v.split_at(v.len() / 2);
    let (x, y) = portalis_scheduler::join(|| sum_slice_ours(a), || sum_slice_ours(b));
    x.wrapping_add(y)
}

pub fn sum_slice_rayon(v: &[u64]) -> u64 {
    if v.len() <= SEQ_CUTOFF {
        return sum_slice_plain(v);
    }
    let (a, b) = v.split_at(v.len() / 2);
    let (x, y) = rayon::join(|| sum_slice_rayon(a), || sum_slice_rayon(b));
    x.wrapping_add(y)
}

/// `n` empty spawns into one scope, from inside the pool.
pub fn spawn_storm_ours(pool: &portalis_scheduler::ThreadPool, n: usize) -> Duration {
    pool.install(|| {
        let t = Instant::now();
        portalis_scheduler::scope(|s| {
            for _ in 0..n {
                s.spawn(|_| {});
            }
        });
        t.elapsed()
    })
}

pub fn spawn_storm_rayon(pool: &rayon::ThreadPool, n: usize) -> Duration {
    pool.install(|| {
        let t = Instant::now();
        rayon::scope(|s| {
            for _ in 0..n {
                s.spawn(|_| {});
            }
        });
        t.elapsed()
    })
}

/// Idle wake: after `gap` of idleness, `spawn` one job from outside; the job records the
/// latency from just before the spawn to its start. Returns ns samples.
pub fn idle_wake(
    spawn: &dyn Fn(Box<dyn FnOnce() + Send + 'static>),
    samples: usize,
    gap: Duration,
) -> Vec<f64> {
    use std::sync::mpsc;
    let (tx, rx) = mpsc::channel::<f64>();
    let mut out = Vec::with_capacity(samples);
    for _ in 0..samples {
        std::thread::sleep(gap);
        let tx = tx.clone();
        let t = Instant::now();
        spawn(Box::new(move || {
            let _ = tx.send(t.elapsed().as_nanos() as f64);
        }));
        out.push(rx.recv().unwrap());
    }
    out
}

/// Task spawn from outside the pool (row T2-task): `n` jobs handed to `spawn` from the calling
/// thread, each bumping a counter; returns the time until all `n` have run.
pub fn task_spawn(spawn: &dyn Fn(Box<dyn FnOnce() + Send + 'static>), n: usize) -> Duration {
    use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
    use std::sync::Arc;
    let done = Arc::new(AtomicUsize::new(0));
    let t = Instant::now();
    for _ in 0..n {
        let d = done.clone();
        spawn(Box::new(move || {
            d.fetch_add(1, Relaxed);
        }));
    }
    while done.load(Relaxed) < n {
        std::thread::yield_now();
    }
    t.elapsed()
}
