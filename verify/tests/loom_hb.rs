//! Happens-before models: every primitive must publish what the releasing thread wrote before
//! its release side to the thread that passes its acquire side. The data travel *outside* the
//! primitive, in a [`Payload`] (a loom `UnsafeCell`), so a weakened ordering in the primitive
//! is a causality violation loom reports — counting with Relaxed atomics could not show it.
//! Each model names the seeded bug (verify/scripts/controls.sh) that must make it fail.
//! Run with `bash verify/scripts/loom.sh`.
//!
//! The same scenarios also build natively (threads and `Arc` come from the sync shim), where
//! [`hb_scenario`] runs each on real threads: under ThreadSanitizer (verify/scripts/tsan.sh)
//! the [`Payload`] is a plain memory cell, so a missing edge is a data-race report, and
//! tsan.sh seeds `event_relaxed_set` and `semaphore_relaxed_release` to show TSan reports them.
#![cfg(not(portalis_shuttle))]

use portalis_primitives::channel::{self, broadcast::broadcast, oneshot};
use portalis_primitives::sync::{thread, Arc};
use portalis_primitives::{Barrier, Event, Latch, Semaphore};
use portalis_verify::{hb_scenario, Payload};

/// Semaphore: `release` → `acquire` carries happens-before (spawned releaser, main acquirer).
/// Control: `semaphore_relaxed_release`.
#[test]
fn loom_hb_semaphore_release_acquire() {
    hb_scenario(2, || {
        let s = Arc::new(Semaphore::new(0).unwrap());
        let data = Arc::new(Payload::new());
        let (s2, d2) = (s.clone(), data.clone());
        let t = thread::spawn(move || {
            d2.write(1);
            s2.release().unwrap();
        });
        s.acquire();
        assert_eq!(data.read(), 1);
        t.join().unwrap();
    });
}

/// As [`loom_hb_semaphore_release_acquire`] with the acquirer spawned and a multi-permit
/// acquire (the `many_waiters` path). Control: `semaphore_relaxed_release`.
#[test]
fn loom_hb_semaphore_release_many_spawned_acquirer() {
    hb_scenario(2, || {
        let s = Arc::new(Semaphore::new(0).unwrap());
        let data = Arc::new(Payload::new());
        let (s2, d2) = (s.clone(), data.clone());
        let t = thread::spawn(move || {
            s2.acquire_many(2);
            assert_eq!(d2.read(), 2);
        });
        data.write(2);
        s.release_many(2).unwrap();
        t.join().unwrap();
    });
}

/// Event: `set` → `wait` carries happens-before. Control: `event_relaxed_set`.
#[test]
fn loom_hb_event_set_wait() {
    hb_scenario(2, || {
        let e = Arc::new(Event::new());
        let data = Arc::new(Payload::new());
        let (e2, d2) = (e.clone(), data.clone());
        let t = thread::spawn(move || {
            d2.write(1);
            e2.set();
        });
        e.wait();
        assert_eq!(data.read(), 1);
        t.join().unwrap();
    });
}

/// Latch: every `count_down` → `wait` carries happens-before (two counters, both payloads
/// visible after the wait). Control: `latch_relaxed_count_down`.
#[test]
fn loom_hb_latch_count_down_wait() {
    hb_scenario(2, || {
        let l = Arc::new(Latch::new(2));
        let data = Arc::new([Payload::new(), Payload::new()]);
        let ts: Vec<_> = (0..2)
            .map(|i| {
                let (l, data) = (l.clone(), data.clone());
                thread::spawn(move || {
                    data[i].write(i as u32 + 1);
                    l.count_down();
                })
            })
            .collect();
        l.wait();
        assert_eq!((data[0].read(), data[1].read()), (1, 2));
        for t in ts {
            t.join().unwrap();
        }
    });
}

/// Barrier: what each party wrote before `wait` is visible to the other after it.
#[test]
fn loom_hb_barrier_exchange() {
    hb_scenario(2, || {
        let b = Arc::new(Barrier::new(2).unwrap());
        let data = Arc::new([Payload::new(), Payload::new()]);
        let (b2, d2) = (b.clone(), data.clone());
        let t = thread::spawn(move || {
            d2[1].write(2);
            b2.wait().unwrap();
            assert_eq!(d2[0].read(), 1);
        });
        data[0].write(1);
        b.wait().unwrap();
        assert_eq!(data[1].read(), 2);
        t.join().unwrap();
    });
}

/// Oneshot: `send` → `recv` carries happens-before for data outside the message.
/// Control: `oneshot_relaxed_send`.
#[test]
fn loom_hb_oneshot_send_recv() {
    hb_scenario(2, || {
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

/// Broadcast: `send` → `recv` carries happens-before.
#[test]
fn loom_hb_broadcast_send_recv() {
    hb_scenario(2, || {
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

/// One channel flavour: `send` → `recv` carries happens-before, with a second message so the
/// receiver may block on an empty channel in between.
fn channel_hb(cap: Option<usize>) {
    let (s, r) = match cap {
        Some(c) => channel::bounded::<u32>(c),
        None => channel::unbounded::<u32>(),
    };
    let data = Arc::new([Payload::new(), Payload::new()]);
    let d2 = data.clone();
    let t = thread::spawn(move || {
        for i in 0..2 {
            d2[i].write(i as u32 + 10);
            s.send(i as u32).unwrap();
        }
    });
    for i in 0..2 {
        assert_eq!(r.recv(), Ok(i as u32));
        assert_eq!(data[i].read(), i as u32 + 10);
    }
    t.join().unwrap();
}

/// Ring (`bounded(1)`): `send` → `recv` carries happens-before. Its seeded control
/// (`ring_relaxed_stamp`) is NOT caught here (checked): the receiver's spin yields, so loom
/// lets the sender finish its send, whose `fence(SeqCst)` (chan.rs R2) loom treats as
/// synchronising with the receiver's; `primitives/tests/loom_channel_ring.rs` catches it.
#[test]
fn loom_hb_channel_ring() {
    hb_scenario(2, || channel_hb(Some(1)));
}

/// Rendezvous (`bounded(0)`): `send` → `recv` carries happens-before.
#[test]
fn loom_hb_channel_rendezvous() {
    hb_scenario(2, || channel_hb(Some(0)));
}

/// List (`unbounded()`): `send` → `recv` carries happens-before.
#[test]
fn loom_hb_channel_list() {
    hb_scenario(2, || channel_hb(None));
}

/// List (`unbounded()`, 2 slots per block under loom): three messages, so the receiver
/// follows the sender's `next` link into a second block (`wait_next`'s Acquire against the
/// installer's Release) and still sees every payload. No negative control: with the `next`
/// store weakened to Relaxed, loom spins the receiver on the stale null link and ran out of
/// memory (killed after ≈ 5 min) before reporting anything.
#[test]
fn loom_hb_channel_list_next_block() {
    hb_scenario(2, || {
        let (s, r) = channel::unbounded::<u32>();
        let data = Arc::new([Payload::new(), Payload::new(), Payload::new()]);
        let d2 = data.clone();
        let t = thread::spawn(move || {
            for i in 0..3 {
                d2[i].write(i as u32 + 10);
                s.send(i as u32).unwrap();
            }
        });
        for i in 0..3 {
            assert_eq!(r.recv(), Ok(i as u32));
            assert_eq!(data[i].read(), i as u32 + 10);
        }
        t.join().unwrap();
    });
}
