//! Loom models of timed channel operations on the model clock (issue 21 item 6, ADR 053): a
//! channel deadline is read on `deadline::instant_now`, which under the models is the model
//! clock (ADR 090), so whether a timed call takes its "deadline passed" branch depends only on
//! the explored execution (a timed wait that timed out), never on how fast the machine ran
//! the model. The timeout here is short (20 µs) on purpose: on the real clock it expires
//! during a model run in some replays and not in others. Checked: with the channel code
//! reading `Instant::now()` (before this change) the ring model panics with loom's "Reached
//! unexpected exploration state. Is the model fully deterministic?"; on the model clock all
//! five pass, run after run. Run with `bash verify/scripts/loom.sh`.
#![cfg(portalis_loom)]

use loom::thread;
use portalis_primitives::channel::{
    bounded, unbounded, Receiver, RecvTimeoutError, Select, SendTimeoutError, Sender,
};
use portalis_verify::model::loom_model;
use std::time::Duration;

const SHORT: Duration = Duration::from_micros(20);

/// A timed receive racing a send on a buffered channel from `make`: either it got the message,
/// or it timed out and the message is still queued. Never lost, never doubled.
fn timed_recv_races_send(make: fn() -> (Sender<u32>, Receiver<u32>)) {
    loom_model(2, move || {
        let (s, r) = make();
        let t = thread::spawn(move || {
            s.send(1).unwrap();
            s // kept alive: no disconnection
        });
        let got = r.recv_timeout(SHORT);
        let _s = t.join().unwrap();
        match got {
            Ok(v) => {
                assert_eq!(v, 1);
                assert!(r.try_recv().is_err(), "received twice");
            }
            Err(RecvTimeoutError::Timeout) => assert_eq!(r.try_recv(), Ok(1), "lost"),
            Err(e) => panic!("unexpected {e:?}"),
        }
    });
}

/// Ring (`bounded(2)`).
#[test]
fn loom_channel_clock_recv_timeout_races_send_ring() {
    timed_recv_races_send(|| bounded(2));
}

/// Locked queue (`bounded(1)`).
#[test]
fn loom_channel_clock_recv_timeout_races_send_queue() {
    timed_recv_races_send(|| bounded(1));
}

/// Block list (`unbounded()`).
#[test]
fn loom_channel_clock_recv_timeout_races_send_list() {
    timed_recv_races_send(unbounded);
}

/// Rendezvous (`bounded(0)`): a timed send meets a timed receive or both time out; one side
/// can never succeed alone.
#[test]
fn loom_channel_clock_rendezvous_timed_pair() {
    loom_model(2, || {
        let (s, r) = bounded::<u32>(0);
        let t = thread::spawn(move || {
            let sent = s.send_timeout(7, SHORT).map_err(|e| match e {
                SendTimeoutError::Timeout(v) | SendTimeoutError::Disconnected(v) => v,
            });
            (sent, s) // kept alive: no disconnection
        });
        let got = r.recv_timeout(SHORT);
        let (sent, _s) = t.join().unwrap();
        match (got, sent) {
            (Ok(7), Ok(())) => {}
            (Err(RecvTimeoutError::Timeout), Err(7)) => {}
            other => panic!("a one-sided rendezvous: {other:?}"),
        }
    });
}

/// A select with a short timeout racing a send: it selected the message, or it timed out and
/// the message is still queued.
#[test]
fn loom_channel_clock_select_timeout_races_send() {
    loom_model(2, || {
        let (s, r) = bounded::<u32>(2);
        let (_keep, r2) = unbounded::<u32>();
        let t = thread::spawn(move || {
            s.send(3).unwrap();
            s
        });
        let mut sel = Select::new();
        let i = sel.recv(&r);
        sel.recv(&r2);
        let outcome = match sel.select_timeout(SHORT) {
            Ok(op) => {
                assert_eq!(op.index(), i);
                Some(op.recv(&r).unwrap())
            }
            Err(_) => None,
        };
        let _s = t.join().unwrap();
        match outcome {
            Some(v) => assert_eq!((v, r.try_recv().is_err()), (3, true)),
            None => assert_eq!(r.try_recv(), Ok(3), "lost"),
        }
    });
}
