//! The async waiters natively: `futex::wait_future`, `Mutex::lock_async`,
//! `Semaphore::acquire_async` (and the channels' `recv_async`/`send_async`) driven by a
//! minimal `block_on` (park/unpark waker), woken by real threads. Each test asserts the future
//! was *pending* before the other thread acted (so the wake-up, not a first-poll success, is
//! what finished it) and that cancelling a registered future hands its wake-up on.
#![cfg(not(any(portalis_loom, portalis_shuttle)))]
// No threads on wasm32-wasip1 / plain wasm32: these tests need a second thread.
#![cfg(not(target_family = "wasm"))]

use portalis_primitives::sync::atomic::{
    AtomicU32,
    Ordering::{Acquire, Release},
};
use portalis_primitives::{channel, futex, Mutex, MutexGuard, Semaphore};
use std::future::Future;
use std::pin::Pin;
use std::sync::{mpsc, Arc};
use std::task::{Context, Poll, Wake, Waker};
use std::thread;

struct Unpark(thread::Thread);
impl Wake for Unpark {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }
}

/// Polls `f` on this thread until it resolves, parking in between; `on_pending` runs once,
/// after the first poll returned `Pending` (so a test can release the other side only then).
fn block_on_after<F: Future>(f: F, on_pending: impl FnOnce()) -> F::Output {
    let waker = Waker::from(Arc::new(Unpark(thread::current())));
    let mut cx = Context::from_waker(&waker);
    let mut f = std::pin::pin!(f);
    let mut on_pending = Some(on_pending);
    loop {
        if let Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            assert!(on_pending.is_none(), "resolved on the first poll");
            return v;
        }
        if let Some(go) = on_pending.take() {
            go();
        }
        thread::park();
    }
}

/// Polls `f` to completion (it may resolve on the first poll).
fn block_on<F: Future>(f: F) -> F::Output {
    let waker = Waker::from(Arc::new(Unpark(thread::current())));
    let mut cx = Context::from_waker(&waker);
    let mut f = std::pin::pin!(f);
    loop {
        if let Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            return v;
        }
        thread::park();
    }
}

fn poll_once<F: Future>(f: Pin<&mut F>) -> Poll<F::Output> {
    f.poll(&mut Context::from_waker(Waker::noop()))
}

#[test]
fn wait_future_is_woken_by_wake_one_from_a_thread() {
    let word = Arc::new(AtomicU32::new(0));
    let (go_tx, go_rx) = mpsc::channel::<()>();
    let w = word.clone();
    let t = thread::spawn(move || {
        go_rx.recv().unwrap();
        w.store(1, Release);
        futex::wake_one(&w);
    });
    block_on_after(futex::wait_future(&word, 0), || go_tx.send(()).unwrap());
    assert_eq!(word.load(Acquire), 1);
    t.join().unwrap();
}

#[test]
fn wait_future_resolves_at_once_when_the_word_differs() {
    let word = AtomicU32::new(5);
    let mut f = Box::pin(futex::wait_future(&word, 0));
    assert!(poll_once(f.as_mut()).is_ready());
}

// The pass-on of a cancelled future's wake-up needs a thread known to be asleep in the
// kernel, which a native test cannot arrange without timing: verify/tests/loom_async.rs
// (`loom_async_cancelled_future_passes_wake_on`) checks it.

#[test]
fn mutex_lock_async_is_woken_by_unlock() {
    let m = Arc::new(Mutex::new(0));
    let g = m.lock();
    let (tx, rx) = mpsc::channel::<()>();
    let m2 = m.clone();
    let t = thread::spawn(move || {
        *block_on_after(m2.lock_async(), || tx.send(()).unwrap()) += 1;
    });
    rx.recv().unwrap(); // the future is pending (registered)
    drop(g);
    t.join().unwrap();
    assert!(m.try_lock().is_some());
}

/// mutex.rs step 6: a fair unlock hands the lock to the only registered sleeper, an async
/// waiter dropped before it runs: its drop must pass the lock on (else `try_lock` fails for
/// ever). Fails with the drop guard removed (seeded: `mutex_async_cancel_keeps_sleeper`).
#[test]
fn mutex_cancelled_async_waiter_passes_a_fair_handoff_on() {
    let m = Mutex::new(0);
    let g = m.lock();
    let mut a = Box::pin(m.lock_async());
    assert!(poll_once(a.as_mut()).is_pending());
    MutexGuard::unlock_fair(g);
    drop(a);
    assert!(m.try_lock().is_some(), "the hand-off was stranded");
}

#[test]
fn mutex_lock_async_serialises_with_threads() {
    const ROUNDS: usize = if cfg!(miri) { 20 } else { 2000 };
    let m = Arc::new(Mutex::new(0usize));
    let m2 = m.clone();
    let t = thread::spawn(move || {
        for _ in 0..ROUNDS {
            *m2.lock() += 1;
        }
    });
    let waker = Waker::from(Arc::new(Unpark(thread::current())));
    let mut cx = Context::from_waker(&waker);
    for _ in 0..ROUNDS {
        let mut f = std::pin::pin!(m.lock_async());
        loop {
            if let Poll::Ready(mut g) = f.as_mut().poll(&mut cx) {
                *g += 1;
                break;
            }
            thread::park();
        }
    }
    t.join().unwrap();
    assert_eq!(*m.lock(), 2 * ROUNDS);
}

#[test]
fn semaphore_acquire_async_is_woken_by_release() {
    let s = Arc::new(Semaphore::new(0).unwrap());
    let (tx, rx) = mpsc::channel::<()>();
    let s2 = s.clone();
    let t = thread::spawn(move || {
        rx.recv().unwrap();
        s2.release().unwrap();
    });
    block_on_after(s.acquire_async(), || tx.send(()).unwrap());
    t.join().unwrap();
    assert_eq!(s.available(), 0);
}

#[test]
fn semaphore_acquire_many_async_waits_for_enough_permits() {
    let s = Arc::new(Semaphore::new(1).unwrap());
    let (tx, rx) = mpsc::channel::<()>();
    let s2 = s.clone();
    let t = thread::spawn(move || {
        rx.recv().unwrap();
        s2.release_many(2).unwrap();
    });
    block_on_after(s.acquire_many_async(3), || tx.send(()).unwrap());
    t.join().unwrap();
    assert_eq!(s.available(), 0);
}

/// semaphore.rs step 5: a dropped registered acquirer takes nothing, and leaves the sleeper
/// count exact (the next release is not spent on a phantom).
#[test]
fn semaphore_cancelled_async_acquirer_takes_nothing() {
    let s = Semaphore::new(0).unwrap();
    let mut a = Box::pin(s.acquire_async());
    assert!(poll_once(a.as_mut()).is_pending());
    drop(a);
    s.release().unwrap();
    assert_eq!(s.available(), 1);
    assert!(s.try_acquire());
    // Debug shows the sleeper count: none left.
    assert!(format!("{s:?}").contains("sleepers: 0"), "{s:?}");
}

/// Every discipline (list, ring, locked queue, rendezvous): a pending `recv_async` is woken
/// by a thread's `send`, then sees the disconnect.
#[test]
fn recv_async_is_woken_by_send_on_every_flavour() {
    for cap in [None, Some(4), Some(1), Some(0)] {
        let (tx, rx) = match cap {
            None => channel::unbounded(),
            Some(c) => channel::bounded(c),
        };
        let (go_tx, go_rx) = mpsc::channel::<()>();
        let t = thread::spawn(move || {
            go_rx.recv().unwrap();
            tx.send(42u32).unwrap();
        });
        let got = block_on_after(rx.recv_async(), || go_tx.send(()).unwrap());
        assert_eq!(got, Ok(42), "capacity {cap:?}");
        t.join().unwrap();
        let mut f = Box::pin(rx.recv_async());
        assert_eq!(
            poll_once(f.as_mut()),
            Poll::Ready(Err(channel::RecvError)),
            "capacity {cap:?}"
        );
    }
}

/// A pending `send_async` on a full channel (ring, locked queue) or a rendezvous is woken
/// by a thread's `recv`, and its message arrives.
#[test]
fn send_async_is_woken_by_recv_on_bounded_flavours() {
    for cap in [4usize, 1, 0] {
        let (tx, rx) = channel::bounded(cap);
        for i in 0..cap {
            tx.send(i).unwrap();
        }
        let (go_tx, go_rx) = mpsc::channel::<()>();
        let t = thread::spawn(move || {
            go_rx.recv().unwrap();
            (0..=cap).map(|_| rx.recv().unwrap()).collect::<Vec<_>>()
        });
        block_on_after(tx.send_async(99), || go_tx.send(()).unwrap()).unwrap();
        let got = t.join().unwrap();
        assert_eq!(got.last(), Some(&99), "capacity {cap}");
        assert_eq!(got.len(), cap + 1);
    }
}

/// async_ops.rs step 4: a registered `recv_async` that is dropped takes no message; the
/// message sent afterwards is still there.
#[test]
fn cancelled_recv_async_takes_nothing() {
    for cap in [None, Some(4), Some(1)] {
        let (tx, rx) = match cap {
            None => channel::unbounded(),
            Some(c) => channel::bounded(c),
        };
        let mut f = Box::pin(rx.recv_async());
        assert!(poll_once(f.as_mut()).is_pending());
        tx.send(1u8).unwrap();
        drop(f);
        assert_eq!(rx.try_recv(), Ok(1), "capacity {cap:?}");
    }
}

#[test]
fn event_wait_async_is_woken_by_set() {
    let e = Arc::new(portalis_primitives::Event::new());
    let (tx, rx) = mpsc::channel::<()>();
    let e2 = e.clone();
    let t = thread::spawn(move || {
        rx.recv().unwrap();
        e2.set();
    });
    block_on_after(e.wait_async(), || tx.send(()).unwrap());
    assert!(e.is_set());
    t.join().unwrap();
}

#[test]
fn oneshot_recv_async_is_woken_by_send_and_sees_a_dropped_sender() {
    let (s, mut r) = channel::oneshot::<u32>();
    let (tx, rx) = mpsc::channel::<()>();
    let t = thread::spawn(move || {
        rx.recv().unwrap();
        s.send(9).unwrap();
    });
    assert_eq!(
        block_on_after(r.recv_async(), || tx.send(()).unwrap()),
        Ok(9)
    );
    t.join().unwrap();
    let (s, mut r) = channel::oneshot::<u32>();
    let mut f = Box::pin(r.recv_async());
    assert!(poll_once(f.as_mut()).is_pending());
    drop(s);
    assert_eq!(poll_once(f.as_mut()), Poll::Ready(Err(channel::RecvError)));
}

/// A dropped `oneshot` `recv_async` leaves the receiver usable.
#[test]
fn oneshot_cancelled_recv_async_keeps_the_receiver() {
    let (s, mut r) = channel::oneshot::<u32>();
    let mut f = Box::pin(r.recv_async());
    assert!(poll_once(f.as_mut()).is_pending());
    drop(f);
    s.send(4).unwrap();
    assert_eq!(r.try_recv(), Ok(4));
}

#[test]
fn broadcast_recv_async_is_woken_by_send_for_every_receiver() {
    let (tx, mut r1) = channel::broadcast::<u32>(4);
    let mut r2 = tx.subscribe();
    let (go_tx, go_rx) = mpsc::channel::<()>();
    let t = thread::spawn(move || {
        go_rx.recv().unwrap();
        tx.send(11).unwrap();
    });
    // `r2` may run before or after the send: either way it gets the message.
    let t2 = thread::spawn(move || block_on(r2.recv_async()));
    assert_eq!(
        block_on_after(r1.recv_async(), || go_tx.send(()).unwrap()),
        Ok(11)
    );
    t.join().unwrap();
    assert_eq!(t2.join().unwrap().ok(), Some(11));
    let mut f = Box::pin(r1.recv_async());
    assert_eq!(
        poll_once(f.as_mut()),
        Poll::Ready(Err(channel::broadcast::RecvError::Closed))
    );
}

#[test]
fn rwlock_read_async_and_write_async_are_woken_by_unlocks() {
    let l = Arc::new(portalis_primitives::RwLock::new(0u32));
    let w = l.write();
    let (tx, rx) = mpsc::channel::<()>();
    let l2 = l.clone();
    let t = thread::spawn(move || *block_on_after(l2.read_async(), || tx.send(()).unwrap()));
    rx.recv().unwrap(); // the reader is pending
    let mut w = w;
    *w = 3;
    drop(w);
    assert_eq!(t.join().unwrap(), 3);
    let r = l.read();
    let (tx, rx) = mpsc::channel::<()>();
    let l3 = l.clone();
    let t = thread::spawn(move || *block_on_after(l3.write_async(), || tx.send(()).unwrap()) += 1);
    rx.recv().unwrap(); // the writer is pending behind our read guard
    drop(r);
    t.join().unwrap();
    assert_eq!(*l.read(), 4);
}

#[test]
fn condvar_wait_async_is_woken_by_notify_and_relocks() {
    let pair = Arc::new((Mutex::new(0u32), portalis_primitives::Condvar::new()));
    let (tx, rx) = mpsc::channel::<()>();
    let p2 = pair.clone();
    let t = thread::spawn(move || {
        rx.recv().unwrap(); // the waiter is queued and released the mutex
        *p2.0.lock() = 5;
        p2.1.notify_one();
    });
    let g = block_on_after(pair.1.wait_async(pair.0.lock()), || tx.send(()).unwrap());
    assert_eq!(*g, 5, "re-locked after the notifier's write");
    drop(g);
    t.join().unwrap();
}

#[test]
fn barrier_wait_async_is_released_by_the_last_thread() {
    let b = Arc::new(portalis_primitives::Barrier::new(2).unwrap());
    let (tx, rx) = mpsc::channel::<()>();
    let b2 = b.clone();
    let t = thread::spawn(move || {
        rx.recv().unwrap(); // the async waiter arrived and waits
        b2.wait().unwrap()
    });
    let mine = block_on_after(b.wait_async(), || tx.send(()).unwrap()).unwrap();
    assert_eq!(mine, 0, "the async waiter arrived first");
    assert_eq!(t.join().unwrap(), 1);
    assert!(!b.broken());
}

/// barrier.rs `wait_async`: a waiter that arrived and is dropped breaks the barrier (else the
/// other parties would wait for it for ever): a later `wait` gets `BrokenBarrierError`.
#[test]
fn barrier_cancelled_async_waiter_breaks_the_barrier() {
    let b = portalis_primitives::Barrier::new(2).unwrap();
    let mut a = Box::pin(b.wait_async());
    assert!(
        poll_once(a.as_mut()).is_pending(),
        "arrived, waiting for the other party"
    );
    assert_eq!(b.n_waiting(), 1);
    drop(a);
    assert!(b.broken());
    assert_eq!(b.n_waiting(), 0);
    assert!(b.wait().is_err());
    b.reset();
    assert!(!b.broken());
}

/// A message that counts its drops, to show a rendezvous hand-off neither loses nor
/// duplicates it.
struct Counted(u32, Arc<std::sync::atomic::AtomicUsize>);
impl Drop for Counted {
    fn drop(&mut self) {
        self.1.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }
}

/// ADR 121: on `bounded(0)`, a pending `send_async` and a `recv_async` (two futures, no
/// blocking thread) meet, in either order, on one thread. Before ADR 121 both ends waited as
/// observers, which hold no message: the receiver's poll only woke the sender and stayed
/// pending (checked on the old code: the first assertion on `r` failed with `Pending`).
#[test]
fn rendezvous_async_ends_meet_on_one_thread() {
    // Sender first.
    let (tx, rx) = channel::bounded::<u32>(0);
    let mut s = Box::pin(tx.send_async(5));
    assert!(poll_once(s.as_mut()).is_pending(), "no receiver yet");
    let mut r = Box::pin(rx.recv_async());
    assert_eq!(poll_once(r.as_mut()), Poll::Ready(Ok(5)));
    assert_eq!(poll_once(s.as_mut()), Poll::Ready(Ok(())));
    // Receiver first.
    let mut r = Box::pin(rx.recv_async());
    assert!(poll_once(r.as_mut()).is_pending(), "no sender yet");
    let mut s = Box::pin(tx.send_async(6));
    assert!(
        poll_once(s.as_mut()).is_pending(),
        "waits until the receiver takes it"
    );
    assert_eq!(poll_once(r.as_mut()), Poll::Ready(Ok(6)));
    assert_eq!(poll_once(s.as_mut()), Poll::Ready(Ok(())));
}

/// ADR 121 across threads: an async sender and an async receiver, each on its own thread
/// and parked between polls, exchange 50 messages (5 under miri) in order on `bounded(0)`.
#[test]
fn rendezvous_async_ends_meet_across_threads() {
    let n = if cfg!(miri) { 5 } else { 50 };
    let (tx, rx) = channel::bounded::<u32>(0);
    let t = thread::spawn(move || {
        for i in 0..n {
            block_on(tx.send_async(i)).unwrap();
        }
    });
    for i in 0..n {
        assert_eq!(block_on(rx.recv_async()), Ok(i));
    }
    t.join().unwrap();
    assert_eq!(block_on(rx.recv_async()), Err(channel::RecvError));
}

/// ADR 121 R4: a queued async rendezvous sender dropped before any receiver came sends
/// nothing and drops its message once; one dropped after a receiver took the message (not
/// yet polled again) delivered it exactly once; one whose receivers all left gets its message
/// back in the error.
#[test]
fn rendezvous_send_async_cancel_and_disconnect_lose_nothing() {
    let drops = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let dropped = || drops.load(std::sync::atomic::Ordering::SeqCst);
    let (tx, rx) = channel::bounded::<Counted>(0);
    // Dropped while queued: nothing sent, the message dropped with the future.
    let mut s = Box::pin(tx.send_async(Counted(1, drops.clone())));
    assert!(poll_once(s.as_mut()).is_pending());
    drop(s);
    assert_eq!(dropped(), 1);
    assert!(matches!(rx.try_recv(), Err(channel::TryRecvError::Empty)));
    // Taken, then the future dropped before it saw it: delivered once.
    let mut s = Box::pin(tx.send_async(Counted(2, drops.clone())));
    assert!(poll_once(s.as_mut()).is_pending());
    let got = rx.try_recv().ok().map(|m| m.0);
    assert_eq!(got, Some(2));
    assert_eq!(
        dropped(),
        2,
        "the received message was dropped by the receiver"
    );
    drop(s);
    assert_eq!(dropped(), 2, "nothing left to drop");
    // Every receiver gone while queued: the message comes back in the error.
    let mut s = Box::pin(tx.send_async(Counted(3, drops.clone())));
    assert!(poll_once(s.as_mut()).is_pending());
    drop(rx);
    match poll_once(s.as_mut()) {
        Poll::Ready(Err(channel::SendError(m))) => assert_eq!(m.0, 3),
        other => panic!(
            "expected the message back, got {:?}",
            other.map(|r| r.is_ok())
        ),
    }
    assert_eq!(dropped(), 3);
}

/// A waker that counts its wake-ups (and does nothing else).
struct CountWakes(std::sync::atomic::AtomicUsize);
impl Wake for CountWakes {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }
}

/// Polls `f` to completion like [`block_on`], counting its polls.
fn block_on_counting<F: Future>(f: F) -> (F::Output, usize) {
    let mut f = std::pin::pin!(f);
    let mut polls = 0;
    let v = block_on(std::future::poll_fn(|cx| {
        polls += 1;
        f.as_mut().poll(cx)
    }));
    (v, polls)
}

/// ADR 122: a timer receive that is not due registers a deadline and does not wake itself.
/// Before ADR 122 it returned `Pending` after waking its own task (a busy yield): checked on
/// the old code, where the wake count after one poll was 1 for each receiver.
#[test]
fn timer_recv_async_does_not_wake_itself() {
    let hour = std::time::Duration::from_secs(3600);
    for (name, r) in [
        ("after", channel::after(hour)),
        ("tick", channel::tick(hour)),
        ("never", channel::never()),
    ] {
        let wakes = Arc::new(CountWakes(std::sync::atomic::AtomicUsize::new(0)));
        let waker = Waker::from(wakes.clone());
        let mut f = Box::pin(r.recv_async());
        assert!(f
            .as_mut()
            .poll(&mut Context::from_waker(&waker))
            .is_pending());
        assert_eq!(
            wakes.0.load(std::sync::atomic::Ordering::SeqCst),
            0,
            "{name}"
        );
        drop(f); // cancels its deadline
    }
}

/// ADR 122: a task awaiting `after(d)` is polled a bounded number of times: once to register,
/// once when the timer thread wakes it at the deadline, plus room for spurious returns from
/// `thread::park`. Before ADR 122 it was polled in a loop until the deadline (thousands of
/// times for 30 ms: checked on the old code). Same for three `tick`s.
#[test]
fn timer_recv_async_is_polled_a_bounded_number_of_times() {
    let d = std::time::Duration::from_millis(30);
    let start = std::time::Instant::now();
    let (got, polls) = block_on_counting(channel::after(d).recv_async());
    assert!(got.is_ok());
    assert!(start.elapsed() >= d, "resolved before its deadline");
    assert!(polls <= 4, "after(30 ms) polled {polls} times");
    let tk = channel::tick(std::time::Duration::from_millis(10));
    let (_, polls) = block_on_counting(async {
        for _ in 0..3 {
            tk.recv_async().await.unwrap();
        }
    });
    assert!(polls <= 12, "three ticks polled {polls} times");
    drop(tk);
    futex::join_idle_timer(); // as above
}

// ---- async rendezvous receivers meeting a selecting sender (ADR 125) ----

/// What the test thread hears: its future's waker fired, or the select returned.
#[derive(Debug, PartialEq)]
enum Heard {
    Woken,
    Selected,
}

/// A waker that reports each wake-up on a channel (so the test can wait for "woken or
/// selected" in one place, without sleeping).
struct Report(mpsc::Sender<Heard>);
impl Wake for Report {
    fn wake(self: Arc<Self>) {
        let _ = self.0.send(Heard::Woken);
    }
}

/// How long the selecting thread waits for the test's go-ahead before it completes the send
/// anyway: a hang guard only (the go-ahead comes as soon as the test thread's poll returns).
const GO_GUARD: std::time::Duration = std::time::Duration::from_secs(10);

/// A thread blocked in a select with one send case on `tx`. Once the select returns it says
/// `Selected`, waits for the go-ahead (at most [`GO_GUARD`]), then completes the send of `v`.
/// Returns whether the go-ahead came in time, the send's outcome, and `tx`.
#[allow(clippy::type_complexity)]
fn selecting_sender<T: Send + 'static>(
    tx: channel::Sender<T>,
    v: T,
    heard: mpsc::Sender<Heard>,
    go: mpsc::Receiver<()>,
) -> thread::JoinHandle<(bool, Result<(), channel::SendError<T>>, channel::Sender<T>)> {
    thread::spawn(move || {
        let mut sel = channel::Select::new();
        sel.send(&tx);
        let op = sel.select();
        heard.send(Heard::Selected).unwrap();
        let in_time = go.recv_timeout(GO_GUARD).is_ok();
        let r = op.send(&tx, v);
        (in_time, r, tx)
    })
}

/// Polls `f` (reporting wake-ups on `heard`) until the select on the other thread returned
/// and `f` is pending after it; returns `Some(v)` if `f` resolved first.
fn poll_until_selected<F: Future>(
    mut f: Pin<&mut F>,
    cx: &mut Context<'_>,
    events: &mpsc::Receiver<Heard>,
) -> Option<F::Output> {
    loop {
        if let Poll::Ready(v) = f.as_mut().poll(cx) {
            return Some(v);
        }
        match events.recv().unwrap() {
            Heard::Woken => {}
            Heard::Selected => return None,
        }
    }
}

/// Pins the bug of 289bb67: an async receiver on `bounded(0)` that meets a sender blocked in a
/// select claimed it and then waited *synchronously*, inside `poll`, for the select's thread
/// to complete the send (on the browser's main thread: a spin, then a panic). Now the poll
/// returns `Pending` and the completed send wakes the task. On the old code the poll blocks
/// until the selecting thread gives up waiting for the go-ahead (`GO_GUARD`), so the
/// assertion "go-ahead in time" fails.
#[test]
fn rendezvous_recv_async_does_not_wait_for_a_selecting_sender() {
    let (tx, rx) = channel::bounded::<u32>(0);
    let (heard_tx, events) = mpsc::channel();
    let (go_tx, go) = mpsc::channel();
    let t = selecting_sender(tx, 7, heard_tx.clone(), go);
    let waker = Waker::from(Arc::new(Report(heard_tx)));
    let mut cx = Context::from_waker(&waker);
    let mut f = std::pin::pin!(rx.recv_async());
    // The select returns only once our future claimed its case (nobody else receives), so
    // `Selected` arrives while `f` is pending on its request.
    let early = poll_until_selected(f.as_mut(), &mut cx, &events);
    // `Err` if the selecting thread already gave up waiting (the old code): the assertion on
    // `in_time` below reports it.
    let _ = go_tx.send(());
    let got = early.unwrap_or_else(|| loop {
        if let Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            break v;
        }
        assert_eq!(events.recv().unwrap(), Heard::Woken);
    });
    let (in_time, sent, _tx) = t.join().unwrap();
    assert!(
        in_time,
        "recv_async waited inside poll for the select to complete its send"
    );
    assert_eq!(sent, Ok(()));
    assert_eq!(got, Ok(7));
}

/// ADR 125 Q3 / handoff.rs M4: an async receiver that requested a selecting sender's message
/// is dropped, before the select sends (`send_first == false`) or after the send completed it
/// but before it was polled again (`true`). Either way the message goes back into the channel
/// and the next `recv` gets it; it is dropped exactly once overall (counted).
#[test]
fn rendezvous_recv_async_dropped_after_requesting_loses_nothing() {
    for send_first in [false, true] {
        let drops = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let (tx, rx) = channel::bounded::<Counted>(0);
        let (heard_tx, events) = mpsc::channel();
        let (go_tx, go) = mpsc::channel();
        let t = selecting_sender(tx, Counted(7, drops.clone()), heard_tx.clone(), go);
        let waker = Waker::from(Arc::new(Report(heard_tx)));
        let mut cx = Context::from_waker(&waker);
        let mut f = Box::pin(rx.recv_async());
        let early = poll_until_selected(f.as_mut(), &mut cx, &events);
        assert!(early.is_none(), "resolved before the select sent");
        let tx = if send_first {
            go_tx.send(()).unwrap();
            let (in_time, sent, tx) = t.join().unwrap();
            assert!(in_time && sent.is_ok());
            drop(f); // completed, never polled again
            tx
        } else {
            drop(f); // requested, not answered yet
            go_tx.send(()).unwrap();
            let (in_time, sent, tx) = t.join().unwrap();
            assert!(
                in_time && sent.is_ok(),
                "the message was put back, not refused"
            );
            tx
        };
        assert_eq!(drops.load(std::sync::atomic::Ordering::SeqCst), 0, "lost");
        let m = rx.recv().expect("the message is back in the channel");
        drop(m);
        assert_eq!(drops.load(std::sync::atomic::Ordering::SeqCst), 1);
        drop(tx);
        assert!(rx.recv().is_err());
    }
}

/// The channel futures are `Send` when the message is, so a multi-threaded executor can move
/// them between threads (a compile-time check: it does not build otherwise). `send_async` was
/// not `Send` since ADR 121 (its rendezvous offer held a raw packet pointer across an await;
/// this file failed to compile with that error on 289bb67 once the check was added), and the
/// request of ADR 125 would have made `recv_async` the same.
#[test]
fn channel_futures_are_send() {
    fn is_send<F: Send>(_: F) {}
    let (tx, rx) = channel::bounded::<u32>(0);
    is_send(rx.recv_async());
    is_send(tx.send_async(1));
}
