//! Property tests: random operation sequences on each channel flavour, on one thread,
//! against a sequential model (a `VecDeque` and handle counts). Covers zero timeouts,
//! cloning and dropping handles (disconnects from either side), and that every message is
//! dropped exactly once: each carries a drop counter, and at the end created == dropped.
#![cfg(not(any(portalis_loom, portalis_shuttle)))]

use portalis_primitives::channel::{
    bounded, broadcast, oneshot, unbounded, Receiver, RecvTimeoutError, Sender, TryRecvError,
    TrySendError,
};
use proptest::prelude::*;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::sync::Arc;
use std::time::Duration;

/// A message that counts its drops.
#[derive(Debug)]
struct Msg(u32, Arc<AtomicUsize>);

impl Drop for Msg {
    fn drop(&mut self) {
        // Relaxed: one thread.
        self.1.fetch_add(1, Relaxed);
    }
}

#[derive(Debug, Clone)]
enum Op {
    TrySend(usize),
    SendTimeoutZero(usize),
    TryRecv(usize),
    RecvTimeoutZero(usize),
    CloneSender(usize),
    CloneReceiver(usize),
    DropSender(usize),
    DropReceiver(usize),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0..4usize).prop_map(Op::TrySend),
        2 => (0..4usize).prop_map(Op::SendTimeoutZero),
        4 => (0..4usize).prop_map(Op::TryRecv),
        2 => (0..4usize).prop_map(Op::RecvTimeoutZero),
        1 => (0..4usize).prop_map(Op::CloneSender),
        1 => (0..4usize).prop_map(Op::CloneReceiver),
        1 => (0..4usize).prop_map(Op::DropSender),
        1 => (0..4usize).prop_map(Op::DropReceiver),
    ]
}

/// What the model says a send should do.
#[derive(Debug, PartialEq)]
enum SendOutcome {
    Ok,
    Full,
    Disconnected,
}

/// Runs `ops` on a channel of capacity `cap` (`None`: unbounded) and on the model.
fn run(cap: Option<usize>, ops: &[Op]) -> Result<(), TestCaseError> {
    let drops = Arc::new(AtomicUsize::new(0));
    let mut created = 0usize;
    let (s, r) = match cap {
        Some(c) => bounded::<Msg>(c),
        None => unbounded::<Msg>(),
    };
    let mut senders: Vec<Sender<Msg>> = vec![s];
    let mut receivers: Vec<Receiver<Msg>> = vec![r];
    let mut model: VecDeque<u32> = VecDeque::new();
    // Once either side has gone to zero handles it stays there (no handle to clone from).
    let limit = cap.unwrap_or(usize::MAX);
    for (k, op) in ops.iter().enumerate() {
        let v = k as u32;
        match *op {
            Op::TrySend(i) | Op::SendTimeoutZero(i) => {
                let Some(s) = senders.get(i % senders.len().max(1)) else {
                    continue;
                };
                let expect = if receivers.is_empty() {
                    SendOutcome::Disconnected
                } else if model.len() >= limit {
                    // A rendezvous send with no receiver waiting is refused as full too.
                    SendOutcome::Full
                } else {
                    SendOutcome::Ok
                };
                created += 1;
                let msg = Msg(v, drops.clone());
                let got = if matches!(op, Op::TrySend(_)) {
                    match s.try_send(msg) {
                        Ok(()) => SendOutcome::Ok,
                        Err(TrySendError::Full(m)) => {
                            prop_assert_eq!(m.0, v, "the refused message comes back");
                            SendOutcome::Full
                        }
                        Err(TrySendError::Disconnected(m)) => {
                            prop_assert_eq!(m.0, v);
                            SendOutcome::Disconnected
                        }
                    }
                } else {
                    match s.send_timeout(msg, Duration::ZERO) {
                        Ok(()) => SendOutcome::Ok,
                        Err(e) if e.is_timeout() => SendOutcome::Full,
                        Err(e) => {
                            prop_assert_eq!(e.into_inner().0, v);
                            SendOutcome::Disconnected
                        }
                    }
                };
                prop_assert_eq!(&got, &expect, "op {} {:?}", k, op);
                if got == SendOutcome::Ok {
                    model.push_back(v);
                }
            }
            Op::TryRecv(i) | Op::RecvTimeoutZero(i) => {
                let Some(r) = receivers.get(i % receivers.len().max(1)) else {
                    continue;
                };
                let expect = match model.pop_front() {
                    Some(m) => Ok(m),
                    None if senders.is_empty() => Err(true),
                    None => Err(false),
                };
                let got = if matches!(op, Op::TryRecv(_)) {
                    match r.try_recv() {
                        Ok(m) => Ok(m.0),
                        Err(TryRecvError::Disconnected) => Err(true),
                        Err(TryRecvError::Empty) => Err(false),
                    }
                } else {
                    match r.recv_timeout(Duration::ZERO) {
                        Ok(m) => Ok(m.0),
                        Err(RecvTimeoutError::Disconnected) => Err(true),
                        Err(RecvTimeoutError::Timeout) => Err(false),
                    }
                };
                prop_assert_eq!(got, expect, "op {} {:?}", k, op);
            }
            Op::CloneSender(i) => {
                if let Some(s) = senders.get(i % senders.len().max(1)) {
                    senders.push(s.clone());
                }
            }
            Op::CloneReceiver(i) => {
                if let Some(r) = receivers.get(i % receivers.len().max(1)) {
                    receivers.push(r.clone());
                }
            }
            Op::DropSender(i) => {
                if !senders.is_empty() {
                    senders.swap_remove(i % senders.len());
                }
            }
            Op::DropReceiver(i) => {
                if !receivers.is_empty() {
                    receivers.swap_remove(i % receivers.len());
                    if receivers.is_empty() {
                        // The last receiver's drop drops what was queued, right then.
                        model.clear();
                        prop_assert_eq!(
                            drops.load(Relaxed),
                            created,
                            "queued messages dropped with the last receiver"
                        );
                    }
                }
            }
        }
        if let Some(s) = senders.first() {
            prop_assert_eq!(s.len(), model.len(), "len after op {}", k);
            prop_assert_eq!(s.is_empty(), model.is_empty());
            if let Some(c) = cap {
                prop_assert_eq!(s.is_full(), model.len() >= c);
            }
        }
        // Every message not queued was dropped exactly once (refused ones came back and were
        // dropped here; received ones were dropped after the comparison).
        prop_assert_eq!(
            drops.load(Relaxed),
            created - model.len(),
            "drops after op {}",
            k
        );
    }
    drop(senders);
    drop(receivers);
    prop_assert_eq!(
        drops.load(Relaxed),
        created,
        "every message dropped exactly once"
    );
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256 * portalis_verify::lin::soak_factor() as u32, ..ProptestConfig::default() })]

    #[test]
    fn prop_channel_unbounded(ops in prop::collection::vec(op(), 0..60)) {
        run(None, &ops)?;
    }

    #[test]
    fn prop_channel_bounded(cap in 0usize..5, ops in prop::collection::vec(op(), 0..60)) {
        run(Some(cap), &ops)?;
    }

    /// Broadcast: subscribe, send, receive per receiver, drop receivers and the sender;
    /// model: the log of messages and a cursor per receiver, `Lagged` past `cap`.
    #[test]
    fn prop_channel_broadcast(cap in 1usize..4, ops in prop::collection::vec((0u8..5, 0usize..4), 0..60)) {
        let (tx, rx) = broadcast::<u32>(cap);
        let mut tx = Some(tx);
        let mut rxs = vec![(rx, 0u64)];
        let mut log: Vec<u32> = Vec::new();
        for (k, (what, i)) in ops.into_iter().enumerate() {
            let v = k as u32;
            match what {
                0 | 1 => if let Some(tx) = &tx {
                    match tx.send(v) {
                        Ok(n) => { prop_assert_eq!(n, rxs.len()); log.push(v); }
                        Err(e) => { prop_assert!(rxs.is_empty()); prop_assert_eq!(e.0, v); }
                    }
                },
                2 => if let Some((rx, cur)) = { let n = rxs.len().max(1); rxs.get_mut(i % n) } {
                    let tail = log.len() as u64;
                    let expect = if tail > *cur + cap as u64 {
                        let missed = tail - cap as u64 - *cur;
                        *cur = tail - cap as u64;
                        Err(broadcast::TryRecvError::Lagged(missed))
                    } else if *cur < tail {
                        *cur += 1;
                        Ok(log[*cur as usize - 1])
                    } else if tx.is_none() {
                        Err(broadcast::TryRecvError::Closed)
                    } else {
                        Err(broadcast::TryRecvError::Empty)
                    };
                    prop_assert_eq!(rx.try_recv(), expect, "op {}", k);
                },
                3 => if let Some(tx) = &tx {
                    rxs.push((tx.subscribe(), log.len() as u64));
                } else if !rxs.is_empty() {
                    drop(rxs.swap_remove(i % rxs.len()));
                },
                _ => if i == 0 { tx = None } else if !rxs.is_empty() { drop(rxs.swap_remove(i % rxs.len())); },
            }
        }
    }

    /// Oneshot: send or drop the sender at step `at` of `polls` receive attempts.
    #[test]
    fn prop_channel_oneshot(polls in 1usize..6, at in 0usize..6, send in any::<bool>(), timeout in any::<bool>()) {
        let (tx, mut rx) = oneshot::<u32>();
        let mut tx = Some(tx);
        let mut state = 0; // 0 empty, 1 full, 2 over
        for k in 0..polls {
            if k == at {
                let t = tx.take().unwrap();
                if send { prop_assert!(t.send(7).is_ok()); state = 1; } else { drop(t); state = 2; }
            }
            let got = if timeout {
                rx.recv_timeout(Duration::ZERO).map_err(|e| matches!(e, RecvTimeoutError::Disconnected))
            } else {
                rx.try_recv().map_err(|e| matches!(e, TryRecvError::Disconnected))
            };
            let expect = match state { 0 => Err(false), 1 => { state = 2; Ok(7) } _ => Err(true) };
            prop_assert_eq!(got, expect, "poll {}", k);
        }
        if let Some(t) = tx {
            drop(rx);
            prop_assert!(t.is_closed(), "the sender sees the receiver gone");
            prop_assert!(t.send(1).is_err());
        }
    }
}
