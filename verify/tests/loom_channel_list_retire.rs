//! Loom models of the block list's freeing protocol (`channel/list.rs` step 3, ADR 102):
//! readers mark their slot `READ` with a plain Release store; the reader of a block's last
//! slot frees the block if every other slot is read, or leaves it on the `retired` stack for a
//! later retirement (or the list's `Drop`) to free. Under the models a block has 2 slots, and
//! freeing a block writes its payload cells, so loom reports a free that is not ordered after
//! a reader's move-out. Negative controls (verify/scripts/controls.sh): `list_free_unread`
//! (the freeing reader skips the `READ` check) and `list_relaxed_read` (the `READ` store is
//! Relaxed) must make these models fail. Run with `bash verify/scripts/loom.sh`.
#![cfg(portalis_loom)]

use loom::thread;
use portalis_primitives::channel::{unbounded, RecvError};
use portalis_verify::model::loom_model;

/// Preemption bound (loom explores every interleaving with at most this many preemptions).
const BOUND: usize = 2;

/// Two receivers read the two slots of one block at once. Whichever finishes the last slot
/// first retires the block: it must not free it while the other still moves its message out
/// (then the block waits on the `retired` stack and the list's `Drop` frees it). Both
/// messages arrive once; the free is ordered after both reads.
#[test]
fn loom_channel_list_retire_waits_for_slow_reader() {
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

/// Four messages over two blocks, two receivers taking two each: the first block may be
/// retired while its other reader is still reading (it goes on the `retired` stack), and the
/// second block's retirement then sweeps the stack, freeing the first block only once its
/// reader is done. Every message arrives once.
#[test]
fn loom_channel_list_sweep_frees_retired_block() {
    loom_model(BOUND, || {
        let (s, r) = unbounded::<u32>();
        for i in 1..=4 {
            s.send(i).unwrap();
        }
        drop(s);
        let r2 = r.clone();
        let t = thread::spawn(move || r2.recv().unwrap() + r2.recv().unwrap());
        let a = r.recv().unwrap() + r.recv().unwrap();
        let b = t.join().unwrap();
        assert_eq!(a + b, 10);
        assert_eq!(r.recv(), Err(RecvError));
    });
}
