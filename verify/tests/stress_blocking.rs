//! Blocking paths that coverage showed no test reached (README, "Coverage"): `select!` that
//! has to wait on a `bounded(1)` channel (the locked-queue flavour's select registration and
//! hand-off), for a receive and for a send; and a broadcast receiver that sleeps in
//! `recv_timeout`/`recv` until a send or the close. Each round ends with every message
//! received exactly once and no hang (every wait is bounded by `PATIENCE`, or by a join of a
//! thread whose waits are).
#![cfg(not(any(portalis_loom, portalis_shuttle)))]

use portalis_primitives::channel::{bounded, broadcast, select};
use portalis_verify::lin::soak_factor;
use std::thread;
use std::time::Duration;

const PATIENCE: Duration = Duration::from_secs(120);

/// A select over two empty `bounded(1)` channels waits until another thread sends on one;
/// a select sending into a full `bounded(1)` waits until another thread receives.
#[test]
#[ignore = "run in release by verify/scripts/checks.sh (make verify)"]
fn stress_select_waits_on_bounded_one() {
    let rounds = 2_000 * soak_factor();
    for i in 0..rounds {
        let (s1, r1) = bounded::<usize>(1);
        let (s2, r2) = bounded::<usize>(1);
        let sender = thread::spawn(move || {
            if i % 2 == 0 {
                s1.send(i).unwrap();
            } else {
                s2.send(i).unwrap();
            }
            (s1, s2)
        });
        let got = select! {
            recv(r1) -> m => (1, m.unwrap()),
            recv(r2) -> m => (2, m.unwrap()),
            default(PATIENCE) => panic!("select never woke"),
        };
        assert_eq!(
            got,
            (1 + i % 2, i),
            "the message from the channel it was sent on"
        );
        let (s1, _s2) = sender.join().unwrap();
        // Now the send side: fill r1's slot, then select-send a second message; a receiver
        // thread makes room.
        s1.send(1_000_000 + i).unwrap();
        let receiver = thread::spawn(move || {
            let a = r1.recv_timeout(PATIENCE).unwrap();
            let b = r1.recv_timeout(PATIENCE).unwrap();
            (a, b)
        });
        select! {
            send(s1, 2_000_000 + i) -> res => res.unwrap(),
            default(PATIENCE) => panic!("select send never woke"),
        }
        assert_eq!(
            receiver.join().unwrap(),
            (1_000_000 + i, 2_000_000 + i),
            "FIFO, both received once"
        );
    }
    println!("stress select bounded(1): {rounds} receive-selects and {rounds} send-selects that may wait (the partner thread starts at the same time)");
}

/// Broadcast receivers that sleep: two receivers wait in `recv_timeout`/`recv` before the
/// sender sends; each gets every message once; after the sender drops, both see `Closed`.
#[test]
#[ignore = "run in release by verify/scripts/checks.sh (make verify)"]
fn stress_broadcast_receivers_sleep() {
    let rounds = 1_000 * soak_factor();
    for i in 0..rounds {
        let (tx, mut rx1) = broadcast::<usize>(4);
        let mut rx2 = tx.subscribe();
        assert_eq!(tx.receiver_count(), 2);
        let tx2 = tx.clone();
        let a = thread::spawn(move || {
            let first = rx1.recv_timeout(PATIENCE).unwrap();
            let second = rx1.recv_timeout(PATIENCE).unwrap();
            let end = rx1.recv_timeout(PATIENCE);
            (first, second, end)
        });
        let b = thread::spawn(move || {
            let first = rx2.recv().unwrap();
            let second = rx2.recv().unwrap();
            let end = rx2.recv();
            (first, second, end)
        });
        // Likely after both went to sleep; correct either way.
        thread::yield_now();
        tx.send(i).unwrap();
        tx2.send(i + 1).unwrap();
        drop((tx, tx2));
        let (a1, a2, ae) = a.join().unwrap();
        let (b1, b2, be) = b.join().unwrap();
        assert_eq!((a1, a2, b1, b2), (i, i + 1, i, i + 1));
        assert_eq!(ae, Err(broadcast::TryRecvError::Closed));
        assert_eq!(be, Err(broadcast::RecvError::Closed));
    }
    println!("stress broadcast sleepers: {rounds} rounds of 2 sleeping receivers x 2 messages + close, none lost");
}
