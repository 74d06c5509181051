//! Loom models of the lock-free block list behind `unbounded()` (`channel/list.rs`, 2 slots per
//! block under loom, and the wake-up protocol of `channel/lockfree.rs` steps R1–R3, ADR 025):
//! hand-off, block crossing and freeing, blocking on empty with wake-up, disconnection racing
//! a blocked receiver. Run with
//! `bash verify/scripts/loom.sh`.
#![cfg(portalis_loom)]

use loom::sync::Arc;
use loom::thread;
use portalis_primitives::channel;
use portalis_primitives::channel::{unbounded, RecvError, TryRecvError};
use portalis_verify::model::loom_model;
use portalis_verify::model::{channel_hb, Payload};

/// Preemption bound of the models in this file that do not state their own (loom explores
/// every interleaving with at most this many preemptions; the CI budget keeps it at 2).
const BOUND: usize = 2;

/// Two messages (one block), receiver possibly blocked on empty: FIFO, nothing lost.
#[test]
fn loom_channel_list_handoff() {
    loom_model(BOUND, || {
        let (s, r) = unbounded::<u32>();
        let t = thread::spawn(move || {
            s.send(1).unwrap();
            s.send(2).unwrap();
        });
        assert_eq!(r.recv(), Ok(1));
        assert_eq!(r.recv(), Ok(2));
        t.join().unwrap();
        assert_eq!(r.recv(), Err(RecvError));
    });
}

/// Three messages cross a block boundary (2 slots per block under loom) while the receiver
/// reads concurrently: block installation, `next` links and the last reader's free race the
/// sender; FIFO, nothing lost, every block freed once (loom checks the frees).
#[test]
fn loom_channel_list_block_crossing() {
    loom_model(BOUND, || {
        let (s, r) = unbounded::<u32>();
        let t = thread::spawn(move || {
            for i in 1..=3 {
                s.send(i).unwrap();
            }
        });
        assert_eq!(r.recv(), Ok(1));
        assert_eq!(r.recv(), Ok(2));
        assert_eq!(r.recv(), Ok(3));
        t.join().unwrap();
        assert_eq!(r.try_recv(), Err(TryRecvError::Disconnected));
    });
}

/// Two receivers block on an empty list; one sender sends two messages: both receivers are
/// woken (one notification per push) and each gets one message.
#[test]
fn loom_channel_list_empty_two_receivers_woken() {
    loom_model(BOUND, || {
        let (s, r) = unbounded::<u32>();
        let r2 = r.clone();
        let t = thread::spawn(move || r2.recv().unwrap());
        s.send(1).unwrap();
        s.send(2).unwrap();
        let a = r.recv().unwrap();
        let b = t.join().unwrap();
        assert_eq!(a + b, 3);
    });
}

/// The last sender sends and leaves while the receiver blocks: it gets the message, then
/// `RecvError` (step R3), never a hang.
#[test]
fn loom_channel_list_disconnect_races_blocked_receiver() {
    loom_model(BOUND, || {
        let (s, r) = unbounded::<u32>();
        let t = thread::spawn(move || {
            s.send(7).unwrap();
            drop(s);
        });
        assert_eq!(r.recv(), Ok(7));
        assert_eq!(r.recv(), Err(RecvError));
        t.join().unwrap();
    });
}

/// Two receivers read the two slots of one block concurrently: whichever reader of the last
/// slot starts freeing may find the other still reading (list.rs step 3: the block then
/// waits on the `retired` stack). The block is freed exactly once, after both reads (loom
/// checks the cell accesses and the free).
#[test]
fn loom_channel_list_concurrent_readers_free_block_once() {
    loom_model(BOUND, || {
        let (s, r) = unbounded::<u32>();
        s.send(1).unwrap();
        s.send(2).unwrap();
        drop(s);
        let r2 = r.clone();
        let t = thread::spawn(move || r2.recv().unwrap());
        let a = r.recv().unwrap();
        let b = t.join().unwrap();
        assert_eq!(a + b, 3);
        assert_eq!(r.recv(), Err(RecvError));
    });
}

/// Two senders race the inlined one-attempt fast path (ADR 026) for a 2-slot block: the fast
/// path takes only a block's non-last slot, so the CAS loser falls back to the looping `push`,
/// which takes the last slot and installs the next block while the receiver reads. Each
/// message arrives once.
#[test]
fn loom_channel_list_fast_path_two_senders() {
    loom_model(BOUND, || {
        let (s, r) = unbounded::<u32>();
        let s2 = s.clone();
        let t1 = thread::spawn(move || s.send(1).unwrap());
        let t2 = thread::spawn(move || s2.send(2).unwrap());
        let a = r.recv().unwrap();
        let b = r.recv().unwrap();
        assert_eq!(a + b, 3);
        assert_ne!(a, b);
        t1.join().unwrap();
        t2.join().unwrap();
        assert_eq!(r.try_recv(), Err(TryRecvError::Disconnected));
    });
}

/// A receiver blocked (or about to block) on an empty channel while the last sender sends
/// and drops: it gets the message, then `RecvError` — never a hang.
#[test]
fn loom_channel_disconnect_races_blocked_receiver() {
    loom_model(BOUND, || {
        let (s, r) = unbounded::<u32>();
        let t = thread::spawn(move || {
            s.send(7).unwrap();
            drop(s);
        });
        assert_eq!(r.recv(), Ok(7));
        assert_eq!(r.recv(), Err(RecvError));
        t.join().unwrap();
    });
}

/// List (`unbounded()`): `send` → `recv` carries happens-before.
#[test]
fn loom_hb_channel_list() {
    loom_model(BOUND, || channel_hb(None));
}

/// List (`unbounded()`, 2 slots per block under loom): three messages, so the receiver
/// follows the sender's `next` link into a second block (`wait_next`'s Acquire against the
/// installer's Release) and still sees every payload. No negative control: with the `next`
/// store weakened to Relaxed, loom spins the receiver on the stale null link and ran out of
/// memory (killed after ≈ 5 min) before reporting anything.
#[test]
fn loom_hb_channel_list_next_block() {
    loom_model(BOUND, || {
        let (s, r) = channel::unbounded::<u32>();
        let data = Arc::new([Payload::new(), Payload::new(), Payload::new()]);
        let d2 = data.clone();
        let t = thread::spawn(move || {
            for i in 0..3 {
                d2[i].write(i as u32 + 10);
                s.send(i as u32).unwrap();
            }
        });
        for i in 0..3 {
            assert_eq!(r.recv(), Ok(i as u32));
            assert_eq!(data[i].read(), i as u32 + 10);
        }
        t.join().unwrap();
    });
}

/// `channel/list.rs` (2 slots per block under loom): two senders crossing a block boundary
/// together. One sends two messages, the other one, so whichever claims the last slot of the
/// first block installs the next block while the other may already wait at the gap for it
/// (step 1: the installer publishes `tail.block` with its Release `tail.pos` store). The
/// receiver reads after both senders finish (a concurrent receiver multiplies the state space
/// past the CI budget; `primitives/tests/loom_channel_list.rs` races a receiver against one
/// sender across a block): per-sender FIFO, nothing lost or duplicated, every payload written
/// before its send visible after its receive. No negative control yet: weakening the
/// installer's Release `tail.pos` store makes loom exhaust its branch budget (the other sender
/// spins on a stale value) before it reports a wrong result, which `controls.sh` does not
/// count as a catch.
#[test]
fn loom_claim_list_two_senders_cross_block() {
    loom_model(3, || {
        let (s, r) = channel::unbounded::<u32>();
        let data = Arc::new([Payload::new(), Payload::new(), Payload::new()]);
        // Sender 0 sends messages 0 and 1, sender 1 sends message 2.
        let plan: [&'static [u32]; 2] = [&[0, 1], &[2]];
        let ts: Vec<_> = plan
            .into_iter()
            .map(|msgs| {
                let (s, data) = (s.clone(), data.clone());
                thread::spawn(move || {
                    for &m in msgs {
                        data[m as usize].write(m + 100);
                        s.send(m).unwrap();
                    }
                })
            })
            .collect();
        drop(s);
        for t in ts {
            t.join().unwrap();
        }
        let mut got = Vec::new();
        while let Ok(m) = r.recv() {
            assert_eq!(data[m as usize].read(), m + 100);
            got.push(m);
        }
        let zero = got.iter().position(|&m| m == 0);
        let one = got.iter().position(|&m| m == 1);
        assert!(zero < one, "sender 0's messages out of order: {got:?}");
        got.sort_unstable();
        assert_eq!(got, [0, 1, 2]);
    });
}
