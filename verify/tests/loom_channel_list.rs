//! Loom models of the lock-free block list behind `unbounded()` (`channel/list.rs`, 2 slots per
//! block under loom, and the wake-up protocol of `channel/lockfree.rs` steps R1–R3, ADR 025):
//! hand-off, block crossing and freeing, blocking on empty with wake-up, disconnection racing
//! a blocked receiver. Run with
//! `bash verify/scripts/loom.sh` (`LOOM_MAX_PREEMPTIONS=2`).
#![cfg(portalis_loom)]

use loom::thread;
use portalis_primitives::channel::{unbounded, RecvError, TryRecvError};
use portalis_verify::model::loom_model;

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
/// slot starts freeing may find the other still reading (the `DESTROY` hand-over of
/// list.rs step 3). The block is freed exactly once, after both reads (loom checks the cell
/// accesses and the free).
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
