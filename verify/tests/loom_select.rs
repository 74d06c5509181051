//! Loom models of the non-blocking select (`channel/select.rs` `try_run`, ADR 053): with a
//! message that one of two channels holds at every instant, `try_select` and
//! `Select::try_ready` never report nothing ready (linearizability, issue 16 item 3), on each
//! buffering discipline: the lock-free ring and list (change stamps = their positions) and the
//! locked queue (the lock's change count). Each model names the seeded bug
//! (verify/scripts/controls.sh) that must make it fail. Run with `bash verify/scripts/loom.sh`.
#![cfg(portalis_loom)]

use loom::thread;
use portalis_primitives::channel::{bounded, unbounded, Receiver, Select, Sender};
use portalis_verify::model::loom_model;

/// Enough for the mover to run between the two looks of a pass.
const PREEMPTIONS: usize = 2;

/// The mover: puts a message into `b`, then takes the one in `a` (if the select has not taken
/// it first), so `a` or `b` holds a message at every instant. Returns the senders so that no
/// case turns ready by disconnection.
fn mover(
    sa: Sender<u32>,
    sb: Sender<u32>,
    ra: Receiver<u32>,
) -> thread::JoinHandle<(Sender<u32>, Sender<u32>)> {
    thread::spawn(move || {
        sb.send(1).unwrap();
        let _ = ra.try_recv();
        (sa, sb)
    })
}

/// One model: channels from `make`, the mover racing one non-blocking select. `b` is listed
/// first (the models visit cases in the order added): the old single pass looked at `b`
/// before the mover filled it and at `a` after the mover emptied it, and reported nothing.
fn linearizable(make: fn() -> (Sender<u32>, Receiver<u32>), ready_only: bool) {
    loom_model(PREEMPTIONS, move || {
        let (sa, ra) = make();
        let (sb, rb) = make();
        sa.send(0).unwrap();
        let t = mover(sa, sb, ra.clone());
        let mut sel = Select::new();
        let ib = sel.recv(&rb);
        let _ia = sel.recv(&ra);
        if ready_only {
            assert!(
                sel.try_ready().is_ok(),
                "try_ready reported nothing ready while a message was queued throughout"
            );
        } else {
            match sel.try_select() {
                Ok(op) if op.index() == ib => assert_eq!(op.recv(&rb), Ok(1)),
                Ok(op) => assert_eq!(op.recv(&ra), Ok(0)),
                Err(_) => panic!("try_select reported nothing ready while a message was queued"),
            }
        }
        let _keep = t.join().unwrap();
    });
}

/// Ring (`bounded(2)`), `try_select`. Control: `select_try_single_pass`.
#[test]
fn loom_select_try_linearizable_ring() {
    linearizable(|| bounded(2), false);
}

/// Block list (`unbounded()`), `try_select`. Control: `select_try_single_pass`.
#[test]
fn loom_select_try_linearizable_list() {
    linearizable(unbounded, false);
}

/// Locked queue (`bounded(1)`), `try_select`. Control: `select_try_single_pass`. (A lost
/// change count, `lock_version_no_bump`, needs two passes missed in a row, more moves than
/// this model can explore: `shuttle_select.rs` catches it.)
#[test]
fn loom_select_try_linearizable_queue() {
    linearizable(|| bounded(1), false);
}

/// Ring, `Select::try_ready` (readiness only, nothing taken). No control: with the single
/// pass seeded this model still passes (bounds 2 and 3): loom never gave the readiness check's
/// Relaxed position loads the mover's newer values in the failing order. The `try_select` ring
/// model (whose pass claims with RMWs) catches the seeded bug.
#[test]
fn loom_select_try_ready_linearizable_ring() {
    linearizable(|| bounded(2), true);
}

/// Locked queue, `Select::try_ready`. Control: `select_try_single_pass`.
#[test]
fn loom_select_try_ready_linearizable_queue() {
    linearizable(|| bounded(1), true);
}
