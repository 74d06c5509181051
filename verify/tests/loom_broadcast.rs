//! Loom models of the broadcast channel (`channel/broadcast.rs`): lag accounting, and
//! happens-before from `send` to `recv` for data outside the message.
#![cfg(portalis_loom)]

use loom::sync::Arc;
use loom::thread;
use portalis_primitives::channel::broadcast::{broadcast, RecvError};
use portalis_verify::model::loom_model;
use portalis_verify::model::Payload;

/// Preemption bound of the models in this file that do not state their own (loom explores
/// every interleaving with at most this many preemptions; the CI budget keeps it at 2).
const BOUND: usize = 2;

/// Capacity 1, two sends racing a receiver: it sees both messages, or `Lagged(1)` then the
/// second; every message is accounted for exactly once and the end is `Closed`.
#[test]
fn loom_channel_broadcast_lag() {
    loom_model(BOUND, || {
        let (tx, mut rx) = broadcast::<u32>(1);
        let t = thread::spawn(move || {
            tx.send(1).unwrap();
            tx.send(2).unwrap();
        });
        let mut seen = Vec::new();
        let mut lagged = 0;
        loop {
            match rx.recv() {
                Ok(v) => seen.push(v),
                Err(RecvError::Lagged(n)) => lagged += n,
                Err(RecvError::Closed) => break,
            }
        }
        t.join().unwrap();
        assert_eq!(seen.len() as u64 + lagged, 2);
        assert_eq!(seen.last(), Some(&2));
    });
}

/// Broadcast: `send` → `recv` carries happens-before.
#[test]
fn loom_hb_broadcast_send_recv() {
    loom_model(BOUND, || {
        let (tx, mut rx) = broadcast::<u32>(1);
        let data = Arc::new(Payload::new());
        let d2 = data.clone();
        let t = thread::spawn(move || {
            d2.write(3);
            tx.send(3).unwrap();
        });
        assert_eq!(rx.recv(), Ok(3));
        assert_eq!(data.read(), 3);
        t.join().unwrap();
    });
}

/// Property (`broadcast.rs`: "every Receiver sees every message sent after it subscribed",
/// and sleepers are woken by every send): two receivers, one spawned and one on main, each
/// receive both messages, in order, whether they went to sleep first or not.
#[test]
fn loom_claim_broadcast_every_receiver_sees_every_message() {
    loom_model(BOUND, || {
        let (tx, mut rx1) = broadcast::<u32>(2);
        let mut rx2 = tx.subscribe();
        let t = thread::spawn(move || (rx2.recv(), rx2.recv()));
        let s = thread::spawn(move || {
            tx.send(1).unwrap();
            tx.send(2).unwrap();
        });
        assert_eq!((rx1.recv(), rx1.recv()), (Ok(1), Ok(2)));
        assert_eq!(t.join().unwrap(), (Ok(1), Ok(2)));
        s.join().unwrap();
    });
}
