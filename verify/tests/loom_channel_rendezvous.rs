//! Loom models of the rendezvous channel, `bounded(0)` (`channel/rendezvous.rs` +
//! `channel/waiter.rs`): pairing, timeout/abort racing a claim, and happens-before from `send`
//! to `recv`. Run with `bash verify/scripts/loom.sh`.
#![cfg(portalis_loom)]

use loom::thread;
use portalis_primitives::channel::{bounded, RecvError, SendTimeoutError};
use portalis_verify::model::channel_hb;
use portalis_verify::model::loom_model;
use std::time::Duration;

/// Preemption bound of the models in this file that do not state their own (loom explores
/// every interleaving with at most this many preemptions; the CI budget keeps it at 2).
const BOUND: usize = 2;

const HOUR: Duration = Duration::from_secs(3600);

/// Rendezvous: two senders, one receiver; each send pairs with exactly one receive.
#[test]
fn loom_channel_rendezvous_pairing() {
    loom_model(BOUND, || {
        let (s, r) = bounded::<u32>(0);
        let s2 = s.clone();
        let a = thread::spawn(move || s.send(1).unwrap());
        let b = thread::spawn(move || s2.send(2).unwrap());
        let x = r.recv().unwrap();
        let y = r.recv().unwrap();
        assert_eq!(x + y, 3);
        assert_ne!(x, y);
        a.join().unwrap();
        b.join().unwrap();
        assert_eq!(r.recv(), Err(RecvError));
    });
}

/// Rendezvous send with a timeout (model: timed waits time out after one scheduling point) racing a receive:
/// exactly one of "the receiver got it" / "the sender got it back" (docs/notes/channels.md §5 abort).
/// The timeouts are an hour so the real clock never decides a branch: loom replays each
/// execution and a clock-dependent branch would make the replay diverge.
#[test]
fn loom_channel_rendezvous_abort_races_claim() {
    loom_model(BOUND, || {
        let (s, r) = bounded::<u32>(0);
        let t = thread::spawn(move || match s.send_timeout(5, HOUR) {
            Ok(()) => true,
            Err(SendTimeoutError::Timeout(5)) => false,
            Err(e) => panic!("unexpected {e:?}"),
        });
        let got = r.recv_timeout(HOUR).ok();
        let sent = t.join().unwrap();
        // The sender's result must match what the receiver saw; a message that timed out on
        // both sides may still be picked up by nobody, never by two.
        if let Some(v) = got {
            assert_eq!(v, 5);
            assert!(sent);
        } else {
            assert!(!sent);
        }
    });
}

/// Rendezvous (`bounded(0)`): `send` → `recv` carries happens-before.
#[test]
fn loom_hb_channel_rendezvous() {
    loom_model(BOUND, || channel_hb(Some(0)));
}
