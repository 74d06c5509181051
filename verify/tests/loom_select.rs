//! Loom models of `select!` (`channel/select.rs` over the flavours' readiness and claim steps,
//! docs/notes/channels.md and ADR 023): a select blocked on several channels is woken by a send on any
//! of them, a select that gives up (timeout) never swallows a message, and two selects pair up
//! over rendezvous channels exactly once; a non-blocking select (`try_run`, ADR 053) never
//! reports nothing ready while one of its channels holds a message at every instant (issue 16
//! item 3). Shuttle (`shuttle_channel_mpmc.rs`) runs the larger
//! producer/consumer scenarios. Run with `bash verify/scripts/loom.sh`.
//!
//! Timeouts are an hour: under the model a timed wait times out after one scheduling point,
//! so every interleaving in which a select gives up is explored, and the real clock never decides a branch (loom
//! replays executions; a clock-dependent branch would make the replay diverge).
#![cfg(portalis_loom)]

use loom::thread;
use portalis_primitives::channel::{
    bounded, select, unbounded, Receiver, RecvError, Select, Sender,
};
use portalis_verify::model::loom_model;
use std::time::Duration;

/// Preemption bound of the models in this file that do not state their own (loom explores
/// every interleaving with at most this many preemptions; the CI budget keeps it at 2).
const BOUND: usize = 2;

const HOUR: Duration = Duration::from_secs(3600);

/// A select blocked on a ring and a block list is woken by a send on either; the two sends
/// (one per channel, from another thread) are both received, each exactly once. The senders
/// stay alive (returned by the thread) so no case turns ready by disconnection.
#[test]
fn loom_channel_select_recv_woken_by_either() {
    loom_model(BOUND, || {
        let (s1, r1) = bounded::<u32>(2);
        let (s2, r2) = unbounded::<u32>();
        let (keep1, keep2) = (s1.clone(), s2.clone());
        let t = thread::spawn(move || {
            s2.send(2).unwrap();
            s1.send(1).unwrap();
        });
        let mut got = Vec::new();
        for _ in 0..2 {
            select! {
                recv(r1) -> m => got.push(m.unwrap()),
                recv(r2) -> m => got.push(m.unwrap()),
            }
        }
        t.join().unwrap();
        got.sort_unstable();
        assert_eq!(got, [1, 2]);
        assert!(r1.try_recv().is_err() && r2.try_recv().is_err());
        drop((keep1, keep2));
    });
}

/// A select with a timeout racing a send: either it took the message, or it timed out and the
/// message is still in the channel. Never lost, never received twice.
#[test]
fn loom_channel_select_timeout_never_swallows() {
    loom_model(BOUND, || {
        let (s1, r1) = bounded::<u32>(2);
        let (_s2, r2) = unbounded::<u32>();
        let t = thread::spawn(move || s1.send(7).unwrap());
        let got = select! {
            recv(r1) -> m => Some(m.unwrap()),
            recv(r2) -> m => Some(m.unwrap()),
            default(HOUR) => None,
        };
        t.join().unwrap();
        match got {
            Some(v) => {
                assert_eq!(v, 7);
                assert!(r1.try_recv().is_err(), "received twice");
            }
            None => assert_eq!(r1.try_recv(), Ok(7), "a timed-out select lost the message"),
        }
    });
}

/// Two selects meet over two rendezvous channels: one sends on both cases, the other receives
/// on both. They pair exactly once, and the value received is the one sent on that channel.
#[test]
fn loom_channel_select_send_meets_select_recv_rendezvous() {
    loom_model(BOUND, || {
        let (s1, r1) = bounded::<u32>(0);
        let (s2, r2) = bounded::<u32>(0);
        let t = thread::spawn(move || {
            select! {
                send(s1, 1) -> r => { r.unwrap(); 1 },
                send(s2, 2) -> r => { r.unwrap(); 2 },
            }
        });
        let got = select! {
            recv(r1) -> m => m.unwrap(),
            recv(r2) -> m => m.unwrap(),
        };
        let sent = t.join().unwrap();
        assert_eq!(got, sent);
    });
}

/// The dynamic `Select`: a blocked `select()` whose senders all drop reports a ready
/// (disconnected) operation instead of hanging, and completing it yields `RecvError`.
#[test]
fn loom_channel_select_dynamic_disconnect_wakes() {
    loom_model(BOUND, || {
        let (s1, r1) = bounded::<u32>(2);
        let (s2, r2) = unbounded::<u32>();
        let t = thread::spawn(move || drop((s1, s2)));
        let mut sel = Select::new();
        let i1 = sel.recv(&r1);
        let i2 = sel.recv(&r2);
        let op = sel.select();
        let i = op.index();
        let res = if i == i1 {
            op.recv(&r1)
        } else {
            assert_eq!(i, i2);
            op.recv(&r2)
        };
        assert_eq!(res, Err(RecvError));
        t.join().unwrap();
    });
}

/// Issue 16 item 4, the mailbox protocol (handoff.rs M1–M3): a sender blocked in a select on a
/// rendezvous channel and a plain `recv`. Whether the receiver finds the select's send case
/// registered (it claims the case, writes its own entry into the mailbox, completes the
/// select and waits for the selected send) or the select finds the receiver waiting (it takes
/// the receiver's packet), the message arrives exactly once and both sides finish. (Within
/// the preemption bound loom only reaches the second order here; the next model forces the
/// first.)
#[test]
fn loom_channel_select_sender_claimed_by_recv_rendezvous() {
    loom_model(BOUND, || {
        let (s, r) = bounded::<u32>(0);
        let t = thread::spawn(move || {
            let mut sel = Select::new();
            sel.send(&s);
            let op = sel.select();
            op.send(&s, 7).unwrap();
            s // keep the sender alive until the receive is done
        });
        assert_eq!(r.recv(), Ok(7));
        drop(t.join().unwrap());
    });
}

/// Issue 16 item 4 as reported: `try_recv` against a sender blocked in a select. The only way
/// for `try_recv` to get the message is to claim the select's mailbox (M1–M3), so every
/// explored run goes through it. Negative control: completing the select's context before
/// writing the mailbox in `request_from` makes loom report "Causality violation: Concurrent
/// write accesses to `UnsafeCell`" (checked).
#[test]
fn loom_channel_select_sender_claimed_by_try_recv_rendezvous() {
    loom_model(BOUND, || {
        let (s, r) = bounded::<u32>(0);
        let t = thread::spawn(move || {
            let mut sel = Select::new();
            sel.send(&s);
            let op = sel.select();
            op.send(&s, 7).unwrap();
            s
        });
        let got = loop {
            match r.try_recv() {
                Ok(v) => break v,
                Err(_) => thread::yield_now(),
            }
        };
        assert_eq!(got, 7);
        drop(t.join().unwrap());
    });
}

// ---- linearizable non-blocking select (ADR 053) ----

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
/// The bound lets the mover run between the two looks of a pass.
fn linearizable(make: fn() -> (Sender<u32>, Receiver<u32>), ready_only: bool) {
    loom_model(BOUND, move || {
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
