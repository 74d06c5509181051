//! Linearizability of every channel flavour, from real threads: thousands of short random
//! histories (3 threads, 3–6 operations each, then a drain on the main thread) per flavour,
//! each checked against its sequential specification (`portalis_verify::lin::specs`). The
//! drain makes a lost message visible: it must end in `Empty` only once everything sent was
//! received. Printed: histories, operations and search states per flavour.
#![cfg(not(any(portalis_loom, portalis_shuttle)))]

use portalis_primitives::channel::{
    bounded, broadcast, oneshot, unbounded, Receiver, RecvTimeoutError, Sender, TryRecvError,
    TrySendError,
};
use portalis_verify::lin::specs::{
    Broadcast, BroadcastOp, BroadcastRet, ChanOp, ChanRet, Oneshot, OneshotOp, Queue, Rendezvous,
};
use portalis_verify::lin::{Rng, Run, ThreadLog};
use std::sync::Mutex;
use std::time::Duration;

/// Histories per flavour (times `PORTALIS_SOAK`).
const HISTORIES: usize = 2_000;
const THREADS: usize = 3;

/// A timeout for the timed operations: zero half the time (a pure poll through the timed
/// path), else short enough that thousands of histories stay cheap.
fn timeout(rng: &mut Rng) -> Duration {
    if rng.below(2) == 0 {
        Duration::ZERO
    } else {
        Duration::from_micros(300)
    }
}

/// One thread's script on an mpmc channel. `blocking_send`: untimed `send` cannot block
/// (unbounded), so the script may use it.
fn mpmc_script(
    (s, r): &(Sender<u32>, Receiver<u32>),
    t: usize,
    rng: &mut Rng,
    log: &mut ThreadLog<'_, ChanOp, ChanRet>,
    blocking_send: bool,
) {
    for k in 0..rng.range(3, 6) {
        let v = (t * 16 + k) as u32;
        match rng.below(5) {
            0 if blocking_send => log.op(ChanOp::Send(v), || match s.send(v) {
                Ok(()) => (ChanRet::Sent, ()),
                Err(_) => (ChanRet::Disconnected, ()),
            }),
            0 | 1 => log.op(ChanOp::TrySend(v), || match s.try_send(v) {
                Ok(()) => (ChanRet::Sent, ()),
                Err(TrySendError::Full(_)) => (ChanRet::Full, ()),
                Err(TrySendError::Disconnected(_)) => (ChanRet::Disconnected, ()),
            }),
            2 => {
                let d = timeout(rng);
                log.op(ChanOp::SendTimeout(v), || match s.send_timeout(v, d) {
                    Ok(()) => (ChanRet::Sent, ()),
                    Err(e) if e.is_timeout() => (ChanRet::Timeout, ()),
                    Err(_) => (ChanRet::Disconnected, ()),
                })
            }
            3 => log.op(ChanOp::TryRecv, || (try_recv(r), ())),
            _ => {
                let d = timeout(rng);
                log.op(ChanOp::RecvTimeout, || match r.recv_timeout(d) {
                    Ok(v) => (ChanRet::Got(v), ()),
                    Err(RecvTimeoutError::Timeout) => (ChanRet::Timeout, ()),
                    Err(RecvTimeoutError::Disconnected) => (ChanRet::Disconnected, ()),
                })
            }
        }
    }
}

fn try_recv(r: &Receiver<u32>) -> ChanRet {
    match r.try_recv() {
        Ok(v) => ChanRet::Got(v),
        Err(TryRecvError::Empty) => ChanRet::Empty,
        Err(TryRecvError::Disconnected) => ChanRet::Disconnected,
    }
}

fn script_unbounded(
    ch: &(Sender<u32>, Receiver<u32>),
    t: usize,
    rng: &mut Rng,
    log: &mut ThreadLog<'_, ChanOp, ChanRet>,
) {
    mpmc_script(ch, t, rng, log, true);
}

fn script_bounded(
    ch: &(Sender<u32>, Receiver<u32>),
    t: usize,
    rng: &mut Rng,
    log: &mut ThreadLog<'_, ChanOp, ChanRet>,
) {
    mpmc_script(ch, t, rng, log, false);
}

/// After the join: receive until `Empty` (at most everything that could have been sent).
fn drain((_, r): &(Sender<u32>, Receiver<u32>), log: &mut ThreadLog<'_, ChanOp, ChanRet>) {
    for _ in 0..=THREADS * 6 {
        if log.op(ChanOp::TryRecv, || {
            let got = try_recv(r);
            (got, got == ChanRet::Empty)
        }) {
            break;
        }
    }
}

fn run_mpmc(name: &str, seed: u64, cap: Option<usize>) {
    let run = Run {
        name,
        histories: HISTORIES,
        threads: THREADS,
        seed,
    };
    let make = || match cap {
        Some(c) => bounded(c),
        None => unbounded(),
    };
    let body = if cap.is_none() {
        script_unbounded
    } else {
        script_bounded
    };
    let stats = if cap == Some(0) {
        run.check(
            |_| (Rendezvous::default(), make(), (0..THREADS).collect()),
            body,
            drain,
        )
    } else {
        run.check(
            |_| {
                (
                    Queue::new(cap.unwrap_or(usize::MAX)),
                    make(),
                    (0..THREADS).collect(),
                )
            },
            body,
            drain,
        )
    };
    assert_eq!(
        stats.histories,
        HISTORIES * portalis_verify::lin::soak_factor()
    );
}

#[test]
#[ignore = "run in release by verify/scripts/checks.sh (make verify)"]
fn lin_channel_unbounded() {
    run_mpmc("channel unbounded (list)", 0x11, None);
}

#[test]
#[ignore = "run in release by verify/scripts/checks.sh (make verify)"]
fn lin_channel_bounded_ring() {
    run_mpmc("channel bounded(2) (ring)", 0x12, Some(2));
}

#[test]
#[ignore = "run in release by verify/scripts/checks.sh (make verify)"]
fn lin_channel_bounded_one() {
    run_mpmc("channel bounded(1) (locked queue)", 0x13, Some(1));
}

#[test]
#[ignore = "run in release by verify/scripts/checks.sh (make verify)"]
fn lin_channel_rendezvous() {
    run_mpmc("channel bounded(0) (rendezvous)", 0x14, Some(0));
}

/// Broadcast: every thread sends through the shared sender and reads its own receiver (kept
/// alive in the shared object so `send`'s receiver count stays fixed); capacity 1–3 so
/// receivers lag. The main thread then drains every receiver.
#[test]
#[ignore = "run in release by verify/scripts/checks.sh (make verify)"]
fn lin_channel_broadcast() {
    type Obj = (broadcast::Sender<u32>, Vec<Mutex<broadcast::Receiver<u32>>>);
    fn try_recv(rx: &Mutex<broadcast::Receiver<u32>>) -> BroadcastRet {
        match rx.lock().unwrap().try_recv() {
            Ok(v) => BroadcastRet::Got(v),
            Err(broadcast::TryRecvError::Empty) => BroadcastRet::Empty,
            Err(broadcast::TryRecvError::Lagged(n)) => BroadcastRet::Lagged(n),
            Err(broadcast::TryRecvError::Closed) => panic!("closed while the sender lives"),
        }
    }
    let run = Run {
        name: "channel broadcast",
        histories: HISTORIES,
        threads: THREADS,
        seed: 0x15,
    };
    run.check(
        |rng| {
            let cap = rng.range(1, 3);
            let (tx, rx) = broadcast(cap);
            let mut rxs = vec![Mutex::new(rx)];
            rxs.extend((1..THREADS).map(|_| Mutex::new(tx.subscribe())));
            let obj: Obj = (tx, rxs);
            (Broadcast::new(cap, THREADS), obj, (0..THREADS).collect())
        },
        |(tx, rxs): &Obj, t: usize, rng, log| {
            for k in 0..rng.range(3, 6) {
                if rng.below(2) == 0 {
                    let v = (t * 16 + k) as u32;
                    log.op(BroadcastOp::Send(v), || {
                        (BroadcastRet::Sent(tx.send(v).expect("receivers live")), ())
                    });
                } else {
                    log.op(BroadcastOp::TryRecv(t), || (try_recv(&rxs[t]), ()));
                }
            }
        },
        |(_, rxs): &Obj, log| {
            for (r, rx) in rxs.iter().enumerate() {
                for _ in 0..=THREADS * 6 {
                    let got = log.op(BroadcastOp::TryRecv(r), || {
                        let got = try_recv(rx);
                        (got, got)
                    });
                    if got == BroadcastRet::Empty {
                        break;
                    }
                }
            }
        },
    );
}

/// Oneshot: thread 0 sends or drops the sender (after a random number of yields); thread 1
/// polls with `try_recv` and short `recv_timeout`s; then the main thread's receive must not
/// find it empty (the value was sent or the sender is gone).
#[test]
#[ignore = "run in release by verify/scripts/checks.sh (make verify)"]
fn lin_channel_oneshot() {
    type Obj = Mutex<oneshot::Receiver<u32>>;
    fn recv(rx: &Obj, d: Option<Duration>) -> ChanRet {
        let mut rx = rx.lock().unwrap();
        match d {
            None => match rx.try_recv() {
                Ok(v) => ChanRet::Got(v),
                Err(TryRecvError::Empty) => ChanRet::Empty,
                Err(TryRecvError::Disconnected) => ChanRet::Disconnected,
            },
            Some(d) => match rx.recv_timeout(d) {
                Ok(v) => ChanRet::Got(v),
                Err(RecvTimeoutError::Timeout) => ChanRet::Timeout,
                Err(RecvTimeoutError::Disconnected) => ChanRet::Disconnected,
            },
        }
    }
    let run = Run {
        name: "channel oneshot",
        histories: HISTORIES,
        threads: 2,
        seed: 0x16,
    };
    run.check(
        |_| {
            let (tx, rx) = oneshot();
            (Oneshot::default(), Mutex::new(rx), vec![Some(tx), None])
        },
        |rx: &Obj, tx: Option<oneshot::Sender<u32>>, rng, log| match tx {
            Some(tx) => {
                for _ in 0..rng.below(4) {
                    std::thread::yield_now();
                }
                if rng.below(4) == 0 {
                    log.op(OneshotOp::DropSender, || (ChanRet::Sent, drop(tx)));
                } else {
                    let v = rng.below(100) as u32;
                    log.op(OneshotOp::Send(v), || {
                        (
                            tx.send(v).map_or(ChanRet::Disconnected, |()| ChanRet::Sent),
                            (),
                        )
                    });
                }
            }
            None => {
                for _ in 0..rng.range(3, 6) {
                    if rng.below(2) == 0 {
                        log.op(OneshotOp::TryRecv, || (recv(rx, None), ()));
                    } else {
                        let d = timeout(rng);
                        log.op(OneshotOp::RecvTimeout, || (recv(rx, Some(d)), ()));
                    }
                }
            }
        },
        |rx: &Obj, log| log.op(OneshotOp::TryRecv, || (recv(rx, None), ())),
    );
}
