//! Loom models of the oneshot channel (`channel/oneshot.rs`): send/recv hand-off, sender drop
//! waking the receiver, receiver drop racing a send (the value comes back), and happens-before
//! from `send` to `recv` for data outside the message.
#![cfg(portalis_loom)]

use loom::sync::Arc;
use loom::thread;
use portalis_primitives::channel::{oneshot, RecvError, SendError};
use portalis_verify::model::loom_model;
use portalis_verify::model::Payload;

/// Preemption bound of the models in this file that do not state their own (loom explores
/// every interleaving with at most this many preemptions; the CI budget keeps it at 2).
const BOUND: usize = 2;

/// Send racing a (possibly parking) receive.
#[test]
fn loom_channel_oneshot_send_recv() {
    loom_model(BOUND, || {
        let (s, r) = oneshot::<u32>();
        let t = thread::spawn(move || s.send(3).unwrap());
        assert_eq!(r.recv(), Ok(3));
        t.join().unwrap();
    });
}

/// Sender dropped unsent racing a receive: `RecvError`, no hang.
#[test]
fn loom_channel_oneshot_sender_drop() {
    loom_model(BOUND, || {
        let (s, r) = oneshot::<u32>();
        let t = thread::spawn(move || drop(s));
        assert_eq!(r.recv(), Err(RecvError));
        t.join().unwrap();
    });
}

/// Receiver dropped racing a send: the value is returned or dropped by the receiver,
/// exactly once (an `Arc` counts the live copies).
#[test]
fn loom_channel_oneshot_receiver_drop_races_send() {
    loom_model(BOUND, || {
        let v = loom::sync::Arc::new(());
        let (s, r) = oneshot::<loom::sync::Arc<()>>();
        let v2 = v.clone();
        let t = thread::spawn(move || match s.send(v2) {
            Ok(()) => None,
            Err(SendError(back)) => Some(back),
        });
        drop(r);
        let back = t.join().unwrap();
        assert_eq!(
            loom::sync::Arc::strong_count(&v),
            1 + usize::from(back.is_some())
        );
    });
}

/// Oneshot: `send` → `recv` carries happens-before for data outside the message.
/// Control: `oneshot_relaxed_send`.
#[test]
fn loom_hb_oneshot_send_recv() {
    loom_model(BOUND, || {
        let (s, r) = oneshot::<u32>();
        let data = Arc::new(Payload::new());
        let d2 = data.clone();
        let t = thread::spawn(move || {
            d2.write(5);
            s.send(5).unwrap();
        });
        assert_eq!(r.recv(), Ok(5));
        assert_eq!(data.read(), 5);
        t.join().unwrap();
    });
}

/// As [`loom_hb_oneshot_send_recv`] with the receiver spawned and the sender on main.
/// Control: `oneshot_relaxed_send`.
#[test]
fn loom_hb_oneshot_spawned_receiver() {
    loom_model(BOUND, || {
        let (s, r) = oneshot::<u32>();
        let data = Arc::new(Payload::new());
        let d2 = data.clone();
        let t = thread::spawn(move || {
            assert_eq!(r.recv(), Ok(5));
            assert_eq!(d2.read(), 5);
        });
        data.write(5);
        s.send(5).unwrap();
        t.join().unwrap();
    });
}
