//! Loom models of `RwLock`: writers exclude readers and each other; no lost wake-up for
//! either kind of waiter.
#![cfg(portalis_loom)]

use loom::sync::Arc;
use loom::thread;
use portalis_primitives::RwLock;
use portalis_verify::model::loom_model;

/// Preemption bound of the models in this file that do not state their own (loom explores
/// every interleaving with at most this many preemptions; the CI budget keeps it at 2).
const BOUND: usize = 2;

/// Property: a reader never sees a write half done (both fields move together), and the
/// write is visible after the writer finishes.
#[test]
fn loom_rwlock_reader_sees_whole_writes() {
    loom_model(BOUND, || {
        let l = Arc::new(RwLock::new((0u32, 0u32)));
        let l2 = l.clone();
        let t = thread::spawn(move || {
            let mut g = l2.write();
            g.0 += 1;
            g.1 += 1;
        });
        {
            let g = l.read();
            assert_eq!(g.0, g.1);
        }
        t.join().unwrap();
        assert_eq!(*l.read(), (1, 1));
    });
}

/// Property: writers exclude each other (no lost increment) and a reader racing them sees a
/// committed value; no waiter (reader or writer) is left asleep.
#[test]
fn loom_rwlock_two_writers_and_a_reader() {
    loom_model(BOUND, || {
        let l = Arc::new(RwLock::new(0u32));
        let ts: Vec<_> = (0..2)
            .map(|_| {
                let l = l.clone();
                thread::spawn(move || {
                    *l.write() += 1;
                })
            })
            .collect();
        let v = *l.read();
        assert!(v <= 2);
        for t in ts {
            t.join().unwrap();
        }
        assert_eq!(*l.read(), 2);
    });
}

/// Upgradable-read protocol U (rwlock.rs module docs): the upgrader waits for a plain reader
/// that entered beside it, sleeping on `upgrade_seq` until that reader's `fetch_sub` leaves
/// only its own count (U2). A lost wake-up here is a deadlock loom reports; the reader must
/// never see the write half done (the data cell is loom's, so a read racing the write is
/// reported too). Negative controls (ADR 061): with `read_unlock_slow`'s wake of the upgrader
/// removed, this model deadlocks; with the upgrader's re-check after reading `upgrade_seq`
/// removed, it deadlocks too, but only from 3 preemptions on, so this model runs with a
/// bound of 3 (≈ 1 s).
#[test]
fn loom_rwlock_upgrade_waits_for_reader() {
    use portalis_primitives::RwLockUpgradableReadGuard;
    loom_model(3, || {
        let l = Arc::new(RwLock::new((0u32, 0u32)));
        let l2 = l.clone();
        let t = thread::spawn(move || {
            let g = l2.read();
            assert_eq!(g.0, g.1);
        });
        let up = l.upgradable_read();
        let mut w = RwLockUpgradableReadGuard::upgrade(up);
        w.0 += 1;
        w.1 += 1;
        drop(w);
        t.join().unwrap();
        assert_eq!(*l.read(), (1, 1));
    });
}

/// An upgradable reader and a writer exclude each other across `with_upgraded` (upgrade,
/// then write-to-upgradable downgrade, U3/U4): no lost update, no lost wake-up.
#[test]
fn loom_rwlock_upgradable_and_writer() {
    loom_model(BOUND, || {
        let l = Arc::new(RwLock::new(0u32));
        let l2 = l.clone();
        let t = thread::spawn(move || {
            *l2.write() += 1;
        });
        {
            let mut g = l.upgradable_read();
            let seen = *g;
            g.with_upgraded(|v| *v = seen + 1);
        }
        t.join().unwrap();
        assert_eq!(*l.read(), 2);
    });
}

/// One side of the `read_recursive` claim (`rwlock.rs` fairness policy: it "ignores the
/// writer preference ... so a thread that already reads cannot deadlock behind a waiting
/// writer"): a thread holding a read guard takes a recursive one while a writer may be
/// waiting; it must get it, and the writer gets the lock after both guards go.
fn recursive_read_passes_writer(reader_on_main: bool) {
    let l = Arc::new(RwLock::new(0u32));
    let reader = |l: &RwLock<u32>| {
        let outer = l.read();
        thread::yield_now(); // let the writer announce itself
        let inner = l.read_recursive();
        *outer + *inner
    };
    let l2 = l.clone();
    if reader_on_main {
        let t = thread::spawn(move || *l2.write() += 1);
        let _ = reader(&l);
        t.join().unwrap();
    } else {
        let t = thread::spawn(move || {
            let _ = reader(&l2);
        });
        *l.write() += 1;
        t.join().unwrap();
    }
    assert_eq!(*l.read(), 1);
}

/// Property: `read_recursive` does not wait behind a waiting writer (reader spawned).
/// Control: `rwlock_recursive_honours_writer`.
#[test]
fn loom_claim_rwlock_read_recursive_passes_waiting_writer() {
    loom_model(BOUND, || recursive_read_passes_writer(false));
}

/// As above with the reader on the main thread. Control: `rwlock_recursive_honours_writer`.
#[test]
fn loom_claim_rwlock_read_recursive_passes_waiting_writer_main() {
    loom_model(BOUND, || recursive_read_passes_writer(true));
}

/// Property (`rwlock.rs`, `write_give_up`: a writer that gives up leaves nothing that hangs
/// anyone and takes no held lock): a writer gives up (`try_write_for`; the model futex times a
/// timed wait out after one scheduling point) while a reader, then the main thread's write
/// guard, holds the lock; the main thread joins the writer while still holding its guard, so a
/// giver-up that took the held lock changes the value under that guard. Afterwards a reader
/// still gets the lock. Control: `rwlock_timeout_takes_held_lock` (the giving-up writer's last
/// try takes a lock that a writer holds). The join inside the guard matters: loom runs other
/// threads to completion at the timed wait's yield, so with the join after the guard's release
/// the giver-up only ever met a free lock and the control was missed (ADR 093's model change).
#[test]
fn loom_claim_rwlock_timed_out_writer_strands_nobody() {
    loom_model(BOUND, || {
        let l = Arc::new(RwLock::new(0u32));
        let g = l.read();
        let l2 = l.clone();
        let t = thread::spawn(move || {
            if let Some(mut w) = l2.try_write_for(std::time::Duration::from_secs(3600)) {
                *w += 1;
            }
        });
        drop(g);
        let mut w = l.write();
        let before = *w;
        t.join().unwrap();
        assert_eq!(*w, before, "a writer that gave up took the held lock");
        *w += 1;
        drop(w);
        let v = *l.read();
        assert!(v == 1 || v == 2);
    });
}

/// Property (ADR 097, `write_give_up`): a writer that times out while a read guard is held
/// leaves no bit that refuses readers, and a reader that slept behind its
/// `WRITERS_WAITING_BIT` is woken and enters while the guard is still held. The main thread
/// joins that reader before releasing its own guard, so a reader left asleep is a deadlock
/// loom reports (the deadlock of a thread that holds a read guard and waits for a thread that
/// needs one). Controls: `rwlock_timeout_keeps_writer_bit` (the bit stays until the lock is
/// next free: the behaviour before the fix) and `rwlock_timeout_skips_reader_wake` (the bits
/// are cleared but the sleeping readers are not woken).
#[test]
fn loom_claim_rwlock_timed_out_writer_lets_readers_in() {
    loom_model(BOUND, || {
        let l = Arc::new(RwLock::new(7u32));
        let held = l.read();
        let l2 = l.clone();
        let writer = thread::spawn(move || {
            l2.try_write_for(std::time::Duration::from_secs(3600))
                .is_some()
        });
        let l3 = l.clone();
        let reader = thread::spawn(move || *l3.read());
        assert!(
            !writer.join().unwrap(),
            "no writer gets in beside a read guard"
        );
        assert!(
            l.try_read().is_some(),
            "no writer waits: a new reader must join"
        );
        assert_eq!(reader.join().unwrap(), 7);
        drop(held);
        assert!(
            l.try_write().is_some(),
            "the lock is free: a writer must get it"
        );
    });
}

/// Property (`write_give_up`: the waiting bit is shared, so a writer that gives up passes a
/// wake-up on): one writer waits untimed and another gives up while a read guard is held;
/// once the guard goes, the untimed writer gets the lock. If the giving-up writer cleared the
/// bit while the other slept and woke nobody, the reader's release would see no bit and wake
/// nobody: a deadlock loom reports. Control: `rwlock_timeout_skips_writer_wake`.
#[test]
fn loom_claim_rwlock_timed_out_writer_passes_wake_on() {
    loom_model(BOUND, || {
        let l = Arc::new(RwLock::new(0u32));
        let held = l.read();
        let l1 = l.clone();
        let untimed = thread::spawn(move || *l1.write() += 1);
        let l2 = l.clone();
        let timed = thread::spawn(move || {
            l2.try_write_for(std::time::Duration::from_secs(3600))
                .is_some()
        });
        assert!(
            !timed.join().unwrap(),
            "no writer gets in beside a read guard"
        );
        drop(held);
        untimed.join().unwrap();
        assert_eq!(*l.read(), 1);
    });
}
