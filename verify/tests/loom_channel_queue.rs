//! Loom models of the locked queue behind `bounded(1)` (and `bounded(n)` past the ring's
//! limit: `channel/queue.rs` + `channel/waiter.rs`).
#![cfg(portalis_loom)]

use loom::thread;
use portalis_verify::model::loom_model;

/// Preemption bound of the models in this file that do not state their own.
const BOUND: usize = 2;

use portalis_primitives::channel::bounded;
use portalis_verify::model::channel_hb;

/// bounded(1), two messages: the second send blocks until the receiver frees the slot and
/// refills it from the blocked sender's packet; FIFO and nothing lost.
#[test]
fn loom_channel_handoff_bounded1() {
    loom_model(BOUND, || {
        let (s, r) = bounded::<u32>(1);
        let t = thread::spawn(move || {
            s.send(1).unwrap();
            s.send(2).unwrap();
        });
        assert_eq!(r.recv(), Ok(1));
        assert_eq!(r.recv(), Ok(2));
        t.join().unwrap();
    });
}

/// Queue (`bounded(1)`): `send` → `recv` carries happens-before for data outside the message.
#[test]
fn loom_hb_channel_queue() {
    loom_model(BOUND, || channel_hb(Some(1)));
}
