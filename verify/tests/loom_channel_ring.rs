//! Loom models of the lock-free ring behind `bounded(n)`, n ≥ 2 (`channel/ring.rs` and the
//! wake-up protocol of `channel/lockfree.rs` steps R1–R3, ADR 025): hand-off, blocking on full and
//! on empty with wake-up, disconnection racing a blocked receiver. Run with
//! `bash verify/scripts/loom.sh`.
#![cfg(portalis_loom)]

use loom::thread;
use portalis_primitives::channel::{bounded, select, RecvError, Select, TryRecvError};
use portalis_verify::model::channel_hb;
use portalis_verify::model::loom_model;

/// Preemption bound of the models in this file that do not state their own (loom explores
/// every interleaving with at most this many preemptions; the CI budget keeps it at 2).
const BOUND: usize = 2;

/// Two messages through a ring of 2, receiver possibly blocked on empty: FIFO, nothing lost.
#[test]
fn loom_channel_ring_handoff() {
    loom_model(BOUND, || {
        let (s, r) = bounded::<u32>(2);
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

/// The ring is full: the third send blocks until the receiver frees a slot, and must be woken
/// (the Dekker pair of step R2 on the sender side).
#[test]
fn loom_channel_ring_full_blocks_and_wakes() {
    loom_model(BOUND, || {
        let (s, r) = bounded::<u32>(2);
        s.send(1).unwrap();
        s.send(2).unwrap();
        let t = thread::spawn(move || {
            s.send(3).unwrap();
        });
        assert_eq!(r.recv(), Ok(1));
        t.join().unwrap();
        assert_eq!(r.try_recv(), Ok(2));
        assert_eq!(r.try_recv(), Ok(3));
        assert_eq!(r.try_recv(), Err(TryRecvError::Disconnected));
    });
}

/// Two receivers block on an empty ring; one sender sends two messages: both receivers are
/// woken (one notification per push) and each gets one message.
#[test]
fn loom_channel_ring_empty_two_receivers_woken() {
    loom_model(BOUND, || {
        let (s, r) = bounded::<u32>(2);
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
fn loom_channel_ring_disconnect_races_blocked_receiver() {
    loom_model(BOUND, || {
        let (s, r) = bounded::<u32>(2);
        let t = thread::spawn(move || {
            s.send(7).unwrap();
            drop(s);
        });
        assert_eq!(r.recv(), Ok(7));
        assert_eq!(r.recv(), Err(RecvError));
        t.join().unwrap();
    });
}

/// Two senders race the inlined one-attempt fast path (ADR 026): the loser of the `tail` CAS
/// falls back to the looping `push`, the receiver (fast `pop` or the blocking path) gets
/// both messages, each once, in each sender's order.
#[test]
fn loom_channel_ring_fast_path_two_senders() {
    loom_model(BOUND, || {
        let (s, r) = bounded::<u32>(2);
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

/// A selected send claims its slot (ring.rs step 5) and writes it later; a receiver blocked
/// on the empty ring meanwhile is woken by the write (the Dekker pair across the claim-to-write
/// gap, lockfree.rs step R2).
#[test]
fn loom_channel_ring_selected_send_wakes_blocked_receiver() {
    loom_model(BOUND, || {
        let (s, r) = bounded::<u32>(2);
        let t = thread::spawn(move || r.recv());
        select! {
            send(s, 7) -> res => res.unwrap(),
        }
        assert_eq!(t.join().unwrap(), Ok(7));
    });
}

/// An abandoned claim racing a plain sender that may block on the full ring: the claim is
/// undone (nothing claimed after it) or becomes a hole (the sender pushed after it); either
/// way the receiver gets exactly the real messages, in order, and the blocked sender is woken
/// when a slot (the hole's included) frees up.
#[test]
fn loom_channel_ring_abandoned_claim_races_sender() {
    loom_model(BOUND, || {
        let (s, r) = bounded::<u32>(3);
        s.send(1).unwrap();
        let s2 = s.clone();
        let t = thread::spawn(move || {
            s2.send(2).unwrap();
            s2.send(3).unwrap();
        });
        {
            let mut sel = Select::new();
            sel.send(&s);
            // Ready unless the other sender has filled the ring already.
            if let Ok(oper) = sel.try_select() {
                drop(oper);
            }
        }
        assert_eq!(r.recv(), Ok(1));
        assert_eq!(r.recv(), Ok(2));
        assert_eq!(r.recv(), Ok(3));
        t.join().unwrap();
        assert!(r.try_recv().is_err());
    });
}

/// Ring (`bounded(2)`): `send` → `recv` carries happens-before for data outside the message.
/// (Until this stop this model ran `bounded(1)`, which is the locked queue, not the ring: that
/// is why `ring_relaxed_stamp` was "not caught" by it; the queue now has its own model in
/// `loom_channel_queue.rs`.)
#[test]
fn loom_hb_channel_ring() {
    loom_model(BOUND, || channel_hb(Some(2)));
}
