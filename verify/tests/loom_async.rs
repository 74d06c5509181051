//! Loom models of the async waiters (`futex::wait_future`, `Mutex::lock_async`,
//! `Semaphore::acquire_async`): registration never misses a wake-up, and a future dropped
//! while registered never strands a wake-up another waiter needed (primitives/src/futex/
//! wakers.rs steps 1–4, mutex.rs step 6, semaphore.rs step 5). Futures run under
//! `portalis_verify::model::block_on`, which parks the loom thread until its waker is called, so a lost
//! wake-up is a deadlock loom reports. "Dropped while registered" is a future polled once by
//! hand (with a no-op waker) and dropped later. Run with `bash verify/scripts/loom.sh`.
#![cfg(portalis_loom)]

use core::future::Future;
use core::task::{Context, Poll, Waker};
use loom::sync::atomic::{
    AtomicU32,
    Ordering::{Acquire, Release},
};
use loom::sync::Arc;
use loom::thread;
use portalis_primitives::{
    channel, futex, Barrier, BrokenBarrierError, Condvar, Mutex, MutexGuard, RwLock, Semaphore,
};
use portalis_verify::model::{block_on, loom_model, Payload};

/// Polls `f` once with a waker that does nothing; `true` if it resolved.
fn poll_once<F: Future>(f: core::pin::Pin<&mut F>) -> bool {
    let mut cx = Context::from_waker(Waker::noop());
    matches!(f.poll(&mut cx), Poll::Ready(_))
}

/// wakers.rs steps 1–2: a future registering on a word races a thread that changes the word
/// and wakes one. Either the future sees the change or the wake finds it.
/// Control: `async_wake_skips_fence` (the waker's half of the Dekker pair).
#[test]
fn loom_async_wait_future_sees_store_or_wake() {
    loom_model(2, || {
        let word = Arc::new(AtomicU32::new(0));
        let w = word.clone();
        let t = thread::spawn(move || {
            w.store(1, Release);
            futex::wake_one(&w);
        });
        block_on(async {
            while word.load(Acquire) == 0 {
                futex::wait_future(&word, 0).await;
            }
        });
        t.join().unwrap();
    });
}

/// wakers.rs step 4: a registered future is chosen by a `wake_one` and dropped without seeing
/// it; a thread blocked in `futex::wait` on the same word must still be woken (the dropped
/// future passes the wake-up on). Control: `async_cancel_drops_wake` (B sleeps forever).
#[test]
fn loom_async_cancelled_future_passes_wake_on() {
    loom_model(2, || {
        let word = Arc::new(AtomicU32::new(0));
        let mut a = Box::pin(futex::wait_future(&word, 0));
        assert!(!poll_once(a.as_mut()), "registered: the word is 0");
        let wb = word.clone();
        let b = thread::spawn(move || {
            while wb.load(Acquire) == 0 {
                let _ = futex::wait(&wb, 0, None);
            }
        });
        let wc = word.clone();
        let c = thread::spawn(move || {
            wc.store(1, Release);
            futex::wake_one(&wc); // chooses the registered future `a` first
        });
        c.join().unwrap();
        drop(a);
        b.join().unwrap();
    });
}

/// mutex.rs step 6: an async waiter registers while another thread holds the lock and
/// unlocks; the waiter gets the lock and sees what the holder wrote under it.
/// Control: `async_wake_skips_fence`.
#[test]
fn loom_async_mutex_lock_async_is_woken_by_unlock() {
    loom_model(2, || {
        let m = Arc::new(Mutex::new(0u32));
        let p = Arc::new(Payload::new());
        let g = m.lock();
        let (m2, p2) = (m.clone(), p.clone());
        let waiter = thread::spawn(move || {
            block_on(async {
                let mut g = m2.lock_async().await;
                *g += 1;
                assert_eq!(p2.read(), 7);
            })
        });
        p.write(7);
        drop(g);
        waiter.join().unwrap();
        assert_eq!(*m.lock(), 1);
    });
}

/// mutex.rs step 6 with step 5: the holder hands the lock fairly to the only registered
/// sleeper, an async waiter, which is then dropped before it runs. Its drop must take the
/// hand-off and pass the lock on (here: free it), or the lock stays held by nobody.
/// A thread locking concurrently must get the lock too.
/// Control: `mutex_async_cancel_keeps_sleeper`.
#[test]
fn loom_async_mutex_cancel_after_fair_handoff() {
    loom_model(2, || {
        let m = Arc::new(Mutex::new(0u32));
        let g = m.lock();
        let mut a = Box::pin(m.lock_async());
        assert!(!poll_once(a.as_mut()), "registered: the lock is held");
        MutexGuard::unlock_fair(g); // hands the lock to `a` (the only sleeper)
        drop(a);
        let locked_after = m.try_lock().map(|mut g| *g += 1).is_some();
        assert!(locked_after, "the cancelled waiter stranded the hand-off");
        let m2 = m.clone();
        let t = thread::spawn(move || *m2.lock() += 1);
        t.join().unwrap();
        assert_eq!(*m.lock(), 2);
    });
}

/// mutex.rs step 6: a registered async waiter is chosen by an unlock's wake-up and dropped;
/// a thread blocked in `lock` must still get the lock.
/// Control: `async_mutex_cancel_swallows_wake`, which removes both ways the wake-up is passed
/// on (the wait future's pass-on in futex/wakers.rs and `deregister`'s `wake_slow`): each alone
/// is enough, so neither single-step bug (`async_cancel_drops_wake`, or the `deregister` half
/// alone) fails this model (ADR 092).
#[test]
fn loom_async_mutex_cancelled_waiter_does_not_strand_thread() {
    loom_model(2, || {
        let m = Arc::new(Mutex::new(0u32));
        let g = m.lock();
        let mut a = Box::pin(m.lock_async());
        assert!(!poll_once(a.as_mut()), "registered: the lock is held");
        let m2 = m.clone();
        let b = thread::spawn(move || *m2.lock() += 1);
        drop(g); // wakes one registered sleeper: `a` first
        drop(a);
        b.join().unwrap();
        assert_eq!(*m.lock(), 1);
    });
}

/// semaphore.rs step 5: a registered async acquirer is chosen by a release's `wake_one` and
/// dropped; a thread blocked in `acquire` must get the permit that wake-up announced.
/// Control: `async_cancel_drops_wake`.
#[test]
fn loom_async_semaphore_cancelled_acquirer_passes_permit_on() {
    loom_model(2, || {
        let s = Arc::new(Semaphore::new(0).unwrap());
        let mut a = Box::pin(s.acquire_async());
        assert!(!poll_once(a.as_mut()), "registered: no permit");
        let s2 = s.clone();
        let b = thread::spawn(move || s2.acquire());
        let s3 = s.clone();
        let c = thread::spawn(move || s3.release().unwrap());
        c.join().unwrap();
        drop(a);
        b.join().unwrap();
        assert_eq!(s.available(), 0);
    });
}

/// semaphore.rs step 5: an async acquirer on one thread, a release on another; the permit
/// and what the releaser wrote before it reach the acquirer.
#[test]
fn loom_async_semaphore_acquire_async_is_woken_by_release() {
    loom_model(2, || {
        let s = Arc::new(Semaphore::new(0).unwrap());
        let p = Arc::new(Payload::new());
        let (s2, p2) = (s.clone(), p.clone());
        let t = thread::spawn(move || {
            p2.write(3);
            s2.release().unwrap();
        });
        block_on(s.acquire_async());
        assert_eq!(p.read(), 3);
        t.join().unwrap();
        assert_eq!(s.available(), 0);
    });
}

/// async_ops.rs steps 2–3 on an unbounded channel: `recv_async` on one thread, `send` on
/// another; the message and what the sender wrote before it arrive.
#[test]
fn loom_async_channel_recv_async_is_woken_by_send() {
    loom_model(2, || {
        let (tx, rx) = channel::unbounded::<u32>();
        let p = Arc::new(Payload::new());
        let p2 = p.clone();
        let t = thread::spawn(move || {
            p2.write(5);
            tx.send(1).unwrap();
        });
        assert_eq!(block_on(rx.recv_async()), Ok(1));
        assert_eq!(p.read(), 5);
        t.join().unwrap();
    });
}

/// async_ops.rs step 4: a registered `recv_async` (first in the receivers' queue) is
/// notified by a send and dropped; a thread blocked in `recv` must still get the message.
/// Control: `channel_async_cancel_drops_notice`.
#[test]
fn loom_async_channel_cancelled_recv_passes_notice_on() {
    loom_model(2, || {
        let (tx, rx) = channel::unbounded::<u32>();
        let mut a = Box::pin(rx.recv_async());
        assert!(!poll_once(a.as_mut()), "registered: the channel is empty");
        let rx2 = rx.clone();
        let b = thread::spawn(move || rx2.recv().unwrap());
        // `tx` stays alive to the end: the last sender's drop would wake every receiver.
        let tx2 = tx.clone();
        let c = thread::spawn(move || tx2.send(7).unwrap());
        c.join().unwrap();
        drop(a);
        assert_eq!(b.join().unwrap(), 7);
        drop(tx);
    });
}

/// rwlock.rs `write_async`: a registered async writer is chosen by the write unlock's
/// `wake_one` on `writer_seq` and dropped; a thread blocked in `write` must still get the
/// lock. Control: `async_cancel_drops_wake`.
#[test]
fn loom_async_rwlock_cancelled_writer_does_not_strand_writer() {
    loom_model(2, || {
        let l = Arc::new(RwLock::new(0u32));
        let g = l.write();
        let mut a = Box::pin(l.write_async());
        assert!(!poll_once(a.as_mut()), "registered: the lock is held");
        let l2 = l.clone();
        let b = thread::spawn(move || *l2.write() += 1);
        drop(g); // wakes one writer: `a` first
        drop(a);
        b.join().unwrap();
        assert_eq!(*l.read(), 1);
    });
}

/// rwlock.rs `write_async` (ADR 097): an async writer registered behind a read guard and
/// dropped (as under an executor's timeout) leaves like a timed-out thread: its
/// `WRITERS_WAITING_BIT` refuses no new reader, and a reader that slept behind it is woken and
/// enters while the guard is still held (the main thread joins it before releasing, so a
/// reader left asleep is a deadlock loom reports). Control:
/// `rwlock_async_cancel_keeps_writer_bit`.
#[test]
fn loom_async_rwlock_cancelled_writer_lets_readers_in() {
    loom_model(2, || {
        let l = Arc::new(RwLock::new(7u32));
        let held = l.read();
        let mut a = Box::pin(l.write_async());
        assert!(
            !poll_once(a.as_mut()),
            "registered: a reader holds the lock"
        );
        let l2 = l.clone();
        let reader = thread::spawn(move || *l2.read());
        drop(a);
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

/// rwlock.rs `read_async`: an async reader on one thread, a writer releasing on another;
/// the reader sees what the writer wrote.
#[test]
fn loom_async_rwlock_read_async_is_woken_by_write_unlock() {
    loom_model(2, || {
        let l = Arc::new(RwLock::new(0u32));
        let g = l.write();
        let l2 = l.clone();
        let reader = thread::spawn(move || block_on(async { *l2.read_async().await }));
        let mut g = g;
        *g = 9;
        drop(g);
        assert_eq!(reader.join().unwrap(), 9);
    });
}

/// condvar.rs `wait_async`: an async waiter queued first is popped by `notify_one` and dropped
/// before it sees the notification; a thread queued behind it in `wait` must get the
/// notification instead (Condvar never wakes spuriously, so a lost one is a deadlock).
/// Control: `condvar_async_cancel_drops_notify`.
#[test]
fn loom_async_condvar_cancelled_waiter_passes_notify_on() {
    loom_model(2, || {
        let pair = Arc::new((Mutex::new(false), Condvar::new()));
        let mut a = Box::pin(pair.1.wait_async(pair.0.lock()));
        assert!(!poll_once(a.as_mut()), "queued: nobody notified");
        let p2 = pair.clone();
        let b = thread::spawn(move || {
            let mut g = p2.0.lock();
            *g = true; // queued (below) before anyone sees this under the lock
            drop(p2.1.wait(g));
        });
        // Notify once `b` is queued behind `a`: it sets the flag under the mutex and keeps
        // holding it until `wait` queued it and released it.
        loop {
            let g = pair.0.lock();
            if *g {
                break;
            }
            drop(g);
            thread::yield_now();
        }
        pair.1.notify_one(); // pops `a` (first in the queue)
        drop(a);
        b.join().unwrap();
    });
}

/// barrier.rs `wait_async` cancel (ADR 112): an arrived async waiter is dropped while a
/// second party waits in `wait` and a third thread takes the internal lock (`n_waiting`), so
/// in some interleavings the drop finds the lock held and defers its cancel step. The
/// sleeping party must still learn that the barrier broke (never sleep for ever), and the
/// step runs exactly once. Controls: `barrier_cancel_no_bump` (the deferring drop does not
/// bump the epoch: a party already asleep is never woken) and `barrier_cancel_skips_recheck`
/// (a party that read an epoch including the bump sleeps without settling).
#[test]
fn loom_async_barrier_deferred_cancel_breaks_sleeper() {
    loom_model(2, || {
        let b = Arc::new(Barrier::new(3).unwrap());
        let mut a = Box::pin(b.wait_async());
        assert!(!poll_once(a.as_mut()), "arrived: the barrier is filling");
        let b2 = b.clone();
        let sleeper = thread::spawn(move || b2.wait());
        let b3 = b.clone();
        let observer = thread::spawn(move || b3.n_waiting());
        drop(a);
        assert_eq!(sleeper.join().unwrap(), Err(BrokenBarrierError));
        let _ = observer.join().unwrap();
        assert!(b.broken());
    });
}

/// async_ops.rs R1–R3 (ADR 121): on `bounded(0)` an async sender and an async receiver, each
/// on its own thread with no blocking end, meet; the message and what the sender wrote before
/// it arrive. Control: `rendezvous_async_send_skips_notify` (a receiver that registered first
/// is never told a sender waits: both futures sleep, a deadlock).
#[test]
fn loom_async_rendezvous_async_ends_meet() {
    loom_model(2, || {
        let (tx, rx) = channel::bounded::<u32>(0);
        let p = Arc::new(Payload::new());
        let p2 = p.clone();
        let t = thread::spawn(move || {
            p2.write(5);
            block_on(tx.send_async(1)).unwrap();
        });
        assert_eq!(block_on(rx.recv_async()), Ok(1));
        assert_eq!(p.read(), 5);
        t.join().unwrap();
    });
}

/// async_ops.rs R3: an async rendezvous sender whose receivers all leave (on another thread,
/// at any point) gets its message back in the error: a completed wait is not a delivery.
/// Control: `rendezvous_async_send_trusts_done` (the disconnect's claim is taken for a
/// receiver's and the message is lost behind an `Ok`).
#[test]
fn loom_async_rendezvous_send_async_sees_disconnect() {
    loom_model(2, || {
        let (tx, rx) = channel::bounded::<u32>(0);
        let t = thread::spawn(move || drop(rx));
        assert_eq!(block_on(tx.send_async(7)), Err(channel::SendError(7)));
        t.join().unwrap();
    });
}

/// A message that counts its drops (in a loom atomic), to show it is neither lost nor doubled.
struct Counted(Arc<loom::sync::atomic::AtomicUsize>);
impl Drop for Counted {
    fn drop(&mut self) {
        self.0.fetch_add(1, core::sync::atomic::Ordering::SeqCst);
    }
}

/// async_ops.rs R4: a queued async rendezvous sender is dropped while a thread blocked in
/// `recv` may be taking its message. The receiver either gets the message or (once the sender
/// handle goes) the disconnect; the message is dropped exactly once either way, and the
/// packet is never touched by both. Control: `rendezvous_async_cancel_takes_back` (the
/// cancelled future empties its packet although a receiver claimed it: loom reports the
/// unsynchronised access).
#[test]
fn loom_async_rendezvous_cancelled_send_loses_nothing() {
    loom_model(2, || {
        let drops = Arc::new(loom::sync::atomic::AtomicUsize::new(0));
        let (tx, rx) = channel::bounded::<Counted>(0);
        let mut s = Box::pin(tx.send_async(Counted(drops.clone())));
        assert!(!poll_once(s.as_mut()), "queued: no receiver yet");
        let r = thread::spawn(move || rx.recv().is_ok());
        drop(s);
        drop(tx);
        let _received = r.join().unwrap();
        assert_eq!(drops.load(core::sync::atomic::Ordering::SeqCst), 1);
    });
}

/// async_ops.rs Q1–Q2, handoff.rs M4 (ADR 125): on `bounded(0)` an async receiver meets a
/// sender blocked in a select. It can only get the message by claiming the select's send case
/// and requesting it; it then awaits the select's send instead of waiting for it inside
/// `poll`. The message and what the selecting thread wrote before it arrive.
#[test]
fn loom_async_rendezvous_recv_async_meets_selecting_sender() {
    loom_model(2, || {
        let (tx, rx) = channel::bounded::<u32>(0);
        let p = Arc::new(Payload::new());
        let p2 = p.clone();
        let t = thread::spawn(move || {
            p2.write(5);
            let mut sel = channel::Select::new();
            sel.send(&tx);
            let op = sel.select();
            op.send(&tx, 1).unwrap();
            tx // kept alive until the receive is done
        });
        assert_eq!(block_on(rx.recv_async()), Ok(1));
        assert_eq!(p.read(), 5);
        drop(t.join().unwrap());
    });
}

/// async_ops.rs Q3, handoff.rs M4 (ADR 125): an async receiver polled once (it may have
/// claimed the selecting sender and requested its message) is dropped while the select sends.
/// The message goes back into the channel, so a blocking `recv` afterwards gets it, and it is
/// dropped exactly once. (Within the bound, the runs that reach M4 have the drop's `leave`
/// before the select's completion: the select takes the message back, checked with a
/// temporary panic there. The next model forces the other order.) Control:
/// `rendezvous_async_request_skips_abandon` (the message that comes back is dropped instead:
/// the `recv` waits forever, a deadlock).
#[test]
fn loom_async_rendezvous_dropped_request_loses_nothing() {
    loom_model(2, || {
        let drops = Arc::new(loom::sync::atomic::AtomicUsize::new(0));
        let (tx, rx) = channel::bounded::<Counted>(0);
        let d2 = drops.clone();
        let t = thread::spawn(move || {
            let mut sel = channel::Select::new();
            sel.send(&tx);
            let op = sel.select();
            op.send(&tx, Counted(d2)).unwrap();
            tx
        });
        let mut f = Box::pin(rx.recv_async());
        assert!(
            !poll_once(f.as_mut()),
            "nothing is received on the first poll"
        );
        drop(f);
        drop(rx.recv().expect("the message is back in the channel"));
        let tx = t.join().unwrap();
        assert_eq!(drops.load(core::sync::atomic::Ordering::SeqCst), 1);
        drop(tx);
    });
}

/// async_ops.rs Q3, handoff.rs M4 (ADR 125), the other order: the async receiver is polled
/// until the select returned (so it has requested the message), then the selecting thread
/// completes its send (DONE), and only then is the future dropped, never polled again. The
/// drop's `leave` sees DONE and puts the message back; a blocking `recv` gets it, and it is
/// dropped exactly once. Control: `rendezvous_async_request_skips_abandon` (deadlock).
#[test]
fn loom_async_rendezvous_request_dropped_after_send_loses_nothing() {
    loom_model(2, || {
        let drops = Arc::new(loom::sync::atomic::AtomicUsize::new(0));
        let selected = Arc::new(AtomicU32::new(0));
        let (tx, rx) = channel::bounded::<Counted>(0);
        let (d2, s2) = (drops.clone(), selected.clone());
        let t = thread::spawn(move || {
            let mut sel = channel::Select::new();
            sel.send(&tx);
            let op = sel.select();
            s2.store(1, Release); // Release: pairs with the Acquire load below (a flag only)
            op.send(&tx, Counted(d2)).unwrap();
            tx
        });
        let mut f = Box::pin(rx.recv_async());
        let mut cx = Context::from_waker(Waker::noop());
        // The select returns only once this future (the only receiver) claimed its case. (The
        // flag may be read late, after the send: then the future simply receives.)
        let mut received = false;
        while selected.load(Acquire) == 0 {
            if let Poll::Ready(r) = f.as_mut().poll(&mut cx) {
                drop(r.expect("the select sends"));
                received = true;
                break;
            }
            thread::yield_now();
        }
        let tx = t.join().unwrap(); // the send completed our request (DONE)
        drop(f);
        if !received {
            drop(rx.recv().expect("the message is back in the channel"));
        }
        assert_eq!(drops.load(core::sync::atomic::Ordering::SeqCst), 1);
        drop(tx);
    });
}
