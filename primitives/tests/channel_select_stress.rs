//! Stress: a single consumer selecting over the receivers of several lock-free buffered
//! channels (ring and list flavours) fed by one producer each, as the perf table's `select_rx`
//! cell does (ADR 025, "the select_rx hang"). A watchdog turns a hang into a failure.
#![cfg(not(any(portalis_loom, portalis_shuttle)))]
#![cfg(not(portalis_no_threads))] // Spawns threads; wasm32-wasip1 has none.

use portalis_primitives::channel::{bounded, unbounded, Receiver, Select, Sender};
use std::sync::mpsc;
use std::time::Duration;

fn select_recv(rs: &[Receiver<u64>]) -> u64 {
    let mut sel = Select::new();
    for r in rs {
        sel.recv(r);
    }
    let oper = sel.select();
    let i = oper.index();
    oper.recv(&rs[i]).unwrap()
}

fn run_once(make: fn() -> (Sender<u64>, Receiver<u64>), t: usize, per: u64) {
    let (ss, rs): (Vec<_>, Vec<_>) = (0..t).map(|_| make()).unzip();
    std::thread::scope(|sc| {
        for s in &ss {
            sc.spawn(move || {
                for i in 0..per {
                    s.send(i).unwrap();
                }
            });
        }
        for _ in 0..per * t as u64 {
            std::hint::black_box(select_recv(&rs));
        }
    });
}

/// The perf table's `select_both` cell: `t` producers select over all senders, `t` consumers
/// select over all receivers, each moving `per` messages.
fn run_both(make: fn() -> (Sender<u64>, Receiver<u64>), t: usize, per: u64) {
    let (ss, rs): (Vec<_>, Vec<_>) = (0..t).map(|_| make()).unzip();
    std::thread::scope(|sc| {
        for _ in 0..t {
            let ss = ss.clone();
            sc.spawn(move || {
                for i in 0..per {
                    let mut sel = Select::new();
                    for s in &ss {
                        sel.send(s);
                    }
                    let oper = sel.select();
                    let k = oper.index();
                    oper.send(&ss[k], i).unwrap();
                }
            });
        }
        for _ in 0..t {
            let rs: Vec<_> = rs.to_vec();
            sc.spawn(move || {
                for _ in 0..per {
                    std::hint::black_box(select_recv(&rs));
                }
            });
        }
    });
}

/// Runs `f` on a thread and fails if it does not finish within `limit`.
fn with_watchdog(name: &str, limit: Duration, f: impl FnOnce() + Send + 'static) {
    let (done_tx, done_rx) = mpsc::channel();
    let h = std::thread::spawn(move || {
        f();
        let _ = done_tx.send(());
    });
    match done_rx.recv_timeout(limit) {
        Ok(()) => h.join().unwrap(),
        Err(mpsc::RecvTimeoutError::Disconnected) => h.join().unwrap(), // panicked: propagate
        Err(mpsc::RecvTimeoutError::Timeout) => panic!("{name}: hang (no progress in {limit:?})"),
    }
}

fn stress_both(name: &str, make: fn() -> (Sender<u64>, Receiver<u64>)) {
    let (iters, per) = if cfg!(miri) {
        (1, 8)
    } else if cfg!(debug_assertions) {
        (20, 500)
    } else {
        (200, 2000)
    };
    with_watchdog(name, Duration::from_secs(120), move || {
        for _ in 0..iters {
            run_both(make, 4, per);
        }
    });
}

fn stress(name: &str, make: fn() -> (Sender<u64>, Receiver<u64>)) {
    let (iters, per) = if cfg!(miri) {
        (1, 8)
    } else if cfg!(debug_assertions) {
        (20, 500)
    } else {
        (300, 2000)
    };
    with_watchdog(name, Duration::from_secs(120), move || {
        for _ in 0..iters {
            run_once(make, 4, per);
        }
    });
}

#[test]
fn select_rx_ring_small_does_not_hang() {
    stress("ring(2)", || bounded(2));
}

#[test]
fn select_rx_ring_n_does_not_hang() {
    stress("ring(n)", || bounded(2000));
}

#[test]
fn select_rx_list_does_not_hang() {
    stress("list", unbounded);
}

#[test]
fn select_both_ring_n_does_not_hang() {
    stress_both("both ring(n)", || bounded(8000));
}

#[test]
fn select_both_list_does_not_hang() {
    stress_both("both list", unbounded);
}

#[test]
fn select_both_ring_small_does_not_hang() {
    stress_both("both ring(2)", || bounded(2));
}
