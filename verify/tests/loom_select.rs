//! Loom models of `select!` (`channel/select.rs` over the flavours' readiness and claim steps,
//! docs/notes/channels.md and ADR 023): a select blocked on several channels is woken by a send on any
//! of them, a select that gives up (timeout) never swallows a message, and two selects pair up
//! over rendezvous channels exactly once. Shuttle (`shuttle_channel_mpmc.rs`) runs the larger
//! producer/consumer scenarios. Run with `bash verify/scripts/loom.sh`.
//!
//! Timeouts are an hour: under the model a timed wait times out at once, so every interleaving
//! in which a select gives up is explored, and the real clock never decides a branch (loom
//! replays executions; a clock-dependent branch would make the replay diverge).
#![cfg(portalis_loom)]

use loom::thread;
use portalis_primitives::channel::{bounded, select, unbounded, RecvError, Select};
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
