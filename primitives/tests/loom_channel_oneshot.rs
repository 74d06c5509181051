//! Loom models of the oneshot channel (`channel/oneshot.rs`).
#![cfg(portalis_loom)]

use loom::thread;
use portalis_primitives::channel::{oneshot, RecvError, SendError};

/// Send racing a (possibly parking) receive.
#[test]
fn loom_channel_oneshot_send_recv() {
    loom::model(|| {
        let (s, r) = oneshot::<u32>();
        let t = thread::spawn(move || s.send(3).unwrap());
        assert_eq!(r.recv(), Ok(3));
        t.join().unwrap();
    });
}

/// Sender dropped unsent racing a receive: `RecvError`, no hang.
#[test]
fn loom_channel_oneshot_sender_drop() {
    loom::model(|| {
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
    loom::model(|| {
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
