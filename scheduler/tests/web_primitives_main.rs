//! Browser, shared memory, test thread = the page's main thread (blocking forbidden): the sync
//! primitives and channels never trap there (ADR 015, ADR 022). Timed calls return their
//! timeout result while a worker holds the resource; untimed `lock`/`acquire`/`wait` spin until
//! a worker releases. Run by scripts/test-web.sh ("main" mode, cross-origin isolated).
//!
//! Not tested here: an untimed channel `recv()`/`send()` that has to wait on the main thread
//! panics by design (ADR 022), and a panic is a trap in this `panic=abort` build, which would
//! end the whole test binary; its documented alternative, the timed variant, is tested instead.
#![cfg(all(target_arch = "wasm32", target_feature = "atomics"))]

mod web_common;

use portalis_primitives::channel::{self, RecvTimeoutError, TryRecvError};
use portalis_primitives::futex;
use portalis_primitives::sync::atomic::{AtomicU32, Ordering::SeqCst};
use portalis_primitives::{Barrier, Condvar, Event, Mutex, RwLock, Semaphore};
use std::sync::Arc;
use std::time::Duration;
use wasm_bindgen_test::*;
use web_common::*;

wasm_bindgen_test_configure!(run_in_browser);

/// Blocks the calling worker for about `ms`.
fn nap(ms: u64) {
    let w = AtomicU32::new(0);
    let start = now_ms();
    while now_ms() - start < ms as f64 {
        let _ = futex::wait(&w, 0, Some(Duration::from_millis(ms)));
    }
}

#[wasm_bindgen_test]
fn on_the_main_thread() {
    assert!(!futex::can_block());
}

#[wasm_bindgen_test]
async fn timed_calls_time_out_while_a_worker_holds_the_resource() {
    let m = Arc::new(Mutex::new(0u32));
    let l = Arc::new(RwLock::new(0u32));
    let s = Arc::new(Semaphore::new(1).unwrap());
    let (held, release) = (Arc::new(AtomicU32::new(0)), Arc::new(Event::new()));
    let (m2, l2, s2, h2, r2) = (
        m.clone(),
        l.clone(),
        s.clone(),
        held.clone(),
        release.clone(),
    );
    let h = spawn(move || {
        let _g = m2.lock();
        let _w = l2.write();
        s2.acquire();
        h2.store(1, SeqCst);
        r2.wait();
        s2.release().unwrap();
    })
    .await;
    until(|| held.load(SeqCst) == 1).await;
    let t = Duration::from_millis(30);
    let start = now_ms();
    assert!(m.try_lock_for(t).is_none());
    assert!(now_ms() - start >= 30.0 - CLOCK_SLACK_MS);
    assert!(m.try_lock().is_none());
    assert!(l.try_read_for(t).is_none());
    assert!(l.try_write_for(t).is_none());
    let start = now_ms();
    assert!(!s.acquire_timeout(t));
    assert!(now_ms() - start >= 30.0 - CLOCK_SLACK_MS);
    assert!(
        !release.wait_timeout(Duration::from_millis(5)),
        "nobody set it yet"
    );
    release.set();
    h.join_async().await;
    assert!(m.try_lock_for(t).is_some());
    assert!(s.acquire_timeout(t));
}

#[wasm_bindgen_test]
async fn untimed_calls_spin_until_a_worker_releases() {
    // ADR 015: lock()/acquire()/wait() on the main thread busy-wait (futex errors are treated
    // as spurious wake-ups) and succeed once a worker releases soon.
    let m = Arc::new(Mutex::new(0u32));
    let s = Arc::new(Semaphore::new(0).unwrap());
    let ev = Arc::new(Event::new());
    let held = Arc::new(AtomicU32::new(0));
    let (m2, s2, e2, h2) = (m.clone(), s.clone(), ev.clone(), held.clone());
    let h = spawn(move || {
        let mut g = m2.lock();
        h2.store(1, SeqCst);
        nap(40); // longer than the futex layer's main-thread spin budget
        *g = 7;
        drop(g);
        nap(20);
        s2.release().unwrap();
        nap(20);
        e2.set();
    })
    .await;
    until(|| held.load(SeqCst) == 1).await;
    assert_eq!(*m.lock(), 7); // the worker's write happened before its unlock
    s.acquire();
    ev.wait();
    h.join_async().await;
    assert_eq!(s.available(), 0);
}

#[wasm_bindgen_test]
async fn condvar_wait_timeout_on_main_thread_returns() {
    let pair = Arc::new((Mutex::new(false), Condvar::new()));
    let g = pair.0.lock();
    let (g, r) = pair.1.wait_timeout(g, Duration::from_millis(10));
    assert!(r.timed_out());
    drop(g);
    // Notified by a worker while the main thread spins in an untimed wait_while.
    let p = pair.clone();
    let h = spawn(move || {
        nap(20);
        *p.0.lock() = true;
        p.1.notify_all();
    })
    .await;
    let g = pair.1.wait_while(pair.0.lock(), |f| !*f);
    assert!(*g);
    drop(g);
    h.join_async().await;
}

#[wasm_bindgen_test]
async fn channel_try_calls_on_main_thread() {
    let (s, r) = channel::bounded::<u32>(1);
    assert_eq!(r.try_recv(), Err(TryRecvError::Empty));
    let s2 = s.clone();
    let h = spawn(move || s2.send(3).unwrap()).await;
    h.join_async().await;
    assert!(s.try_send(4).is_err(), "full");
    assert_eq!(r.try_recv(), Ok(3));
    // A worker blocked in an untimed send is completed by the main thread's try_recv.
    let (s, r) = channel::bounded::<u32>(0);
    let h = spawn(move || s.send(9).unwrap()).await;
    let mut got = Err(TryRecvError::Empty);
    while got == Err(TryRecvError::Empty) {
        sleep_ms(1).await;
        got = r.try_recv();
    }
    assert_eq!(got, Ok(9));
    h.join_async().await;
    assert_eq!(r.try_recv(), Err(TryRecvError::Disconnected));
}

/// ADR 022: timed channel calls on the main thread spin out their timeout and return
/// `Timeout` (regression: they used `std::time::Instant::now()`, which panics here).
#[wasm_bindgen_test]
async fn channel_timed_calls_on_main_thread() {
    let (s, r) = channel::bounded::<u32>(1);
    let start = now_ms();
    assert_eq!(
        r.recv_timeout(Duration::from_millis(20)),
        Err(RecvTimeoutError::Timeout)
    );
    assert!(now_ms() - start >= 20.0 - CLOCK_SLACK_MS);
    // A worker sends while the main thread waits with a timeout: the message arrives.
    let s2 = s.clone();
    let h = spawn(move || {
        nap(10);
        s2.send(5).unwrap();
    })
    .await;
    assert_eq!(r.recv_timeout(Duration::from_secs(10)), Ok(5));
    h.join_async().await;
    // send_timeout on a full channel times out and hands the message back.
    s.send(1).unwrap();
    let e = s.send_timeout(2, Duration::from_millis(10)).unwrap_err();
    assert_eq!(e.into_inner(), 2);
    assert_eq!(r.try_recv(), Ok(1));
    drop(s);
    assert_eq!(
        r.recv_timeout(Duration::from_millis(5)),
        Err(RecvTimeoutError::Disconnected)
    );
}

#[wasm_bindgen_test]
async fn oneshot_broadcast_and_select_timeouts_on_main_thread() {
    // oneshot: times out (not early), then receives what a worker sends meanwhile.
    let (s, mut r) = channel::oneshot::<u32>();
    let start = now_ms();
    assert_eq!(
        r.recv_timeout(Duration::from_millis(20)),
        Err(RecvTimeoutError::Timeout)
    );
    assert!(now_ms() - start >= 20.0 - CLOCK_SLACK_MS);
    let h = spawn(move || {
        nap(10);
        s.send(8).unwrap();
    })
    .await;
    assert_eq!(r.recv_timeout(Duration::from_secs(10)), Ok(8));
    h.join_async().await;

    // broadcast: a timed receive with nothing sent reports Empty after its timeout.
    let (tx, mut rx) = channel::broadcast::<u32>(4);
    let start = now_ms();
    assert_eq!(
        rx.recv_timeout(Duration::from_millis(20)),
        Err(channel::broadcast::TryRecvError::Empty)
    );
    assert!(now_ms() - start >= 20.0 - CLOCK_SLACK_MS);
    tx.send(1).unwrap();
    assert_eq!(rx.recv_timeout(Duration::from_millis(20)), Ok(1));

    // select! with a timeout: times out, then picks the channel a worker sends on.
    let (s1, r1) = channel::bounded::<u32>(0);
    let (_s2, r2) = channel::unbounded::<u32>();
    let start = now_ms();
    let got = channel::select! {
        recv(r1) -> m => m.ok(),
        recv(r2) -> m => m.ok(),
        default(Duration::from_millis(20)) => None,
    };
    assert_eq!(got, None);
    assert!(now_ms() - start >= 20.0 - CLOCK_SLACK_MS);
    let h = spawn(move || s1.send(4).unwrap()).await;
    let got = channel::select! {
        recv(r1) -> m => m.ok(),
        recv(r2) -> m => m.ok().map(|v| v + 100),
        default(Duration::from_secs(10)) => None,
    };
    assert_eq!(got, Some(4));
    h.join_async().await;
}

/// `time::Instant` works on the page's main thread (std's `Instant::now` panics here), and a
/// timer receive, whose end is known, busy-waits to it instead of trapping in `wait32`.
#[wasm_bindgen_test]
fn instant_and_timers_on_main_thread() {
    use portalis_primitives::time::Instant;
    let t0 = Instant::now();
    let at = channel::after(Duration::from_millis(10)).recv().unwrap();
    assert!(at >= t0 + Duration::from_millis(10));
    assert!(Instant::now() >= at);
    let ticks = channel::tick(Duration::from_millis(3));
    let a = ticks.recv_timeout(Duration::from_secs(5)).unwrap();
    let b = ticks.recv_timeout(Duration::from_secs(5)).unwrap();
    assert!(b >= a + Duration::from_millis(3));
    let ev = Event::new();
    assert!(!ev.wait_until(Instant::now() + Duration::from_millis(5)));
    assert!(t0.elapsed() >= Duration::from_millis(18));
}

/// Issue 9 item 2, ADR 111: a worker holds the broadcast ring's lock (its receiver clones a
/// message under it, and the clone holds until the main thread waits: `HoldsLock`) while the
/// main thread calls `try_recv`. The ring lock used to be std's `Mutex`, whose contended wait
/// is `memory.atomic.wait32`: a trap here ("Atomics.wait cannot be called in this context").
/// Now it is the crate's own lock: the main thread spins in bounded rounds until the worker
/// lets go, then receives.
#[wasm_bindgen_test]
async fn broadcast_ring_held_by_a_worker_does_not_trap_the_main_thread() {
    let (tx, mut rx) = channel::broadcast::<HoldsLock>(4);
    let mut rx_w = tx.subscribe();
    let msg = HoldsLock::new(5);
    let holding = msg.holding.clone();
    msg.arm();
    tx.send(msg).unwrap();
    let got = Arc::new(AtomicU32::new(0));
    let g2 = got.clone();
    let h = spawn(move || g2.store(rx_w.try_recv().unwrap().value, SeqCst)).await;
    until(|| holding.load(SeqCst) == 1).await;
    let waits = futex::main_thread_waits();
    assert_eq!(rx.try_recv().unwrap().value, 5);
    assert!(
        futex::main_thread_waits() > waits,
        "the main thread waited for the worker's ring lock"
    );
    h.join_async().await;
    assert_eq!(got.load(SeqCst), 5);
}

/// Polls `f` once with a waker that does nothing; `true` if it resolved.
fn poll_once<F: core::future::Future>(f: core::pin::Pin<&mut F>) -> bool {
    let mut cx = core::task::Context::from_waker(core::task::Waker::noop());
    f.poll(&mut cx).is_ready()
}

/// Issue 9 item 2, ADR 112: dropping an arrived `Barrier::wait_async` future on the main
/// thread while a worker runs the barrier's action (which holds the barrier's lock) must not
/// wait for that lock. Here the action waits until the drop has returned, so the old `Drop`
/// (which took the lock) hung the page for ever; now the drop defers its cancel step, which
/// the next holder runs, and the barrier is reusable afterwards.
#[wasm_bindgen_test]
async fn dropped_barrier_wait_async_does_not_wait_for_the_action() {
    let in_action = Arc::new(AtomicU32::new(0));
    let dropped = Arc::new(AtomicU32::new(0));
    let (ia, dr) = (in_action.clone(), dropped.clone());
    let b = Arc::new(
        Barrier::with_action(2, move || {
            ia.store(1, SeqCst);
            let w = AtomicU32::new(0);
            while dr.load(SeqCst) == 0 {
                let _ = futex::wait(&w, 0, Some(Duration::from_millis(1)));
            }
        })
        .unwrap(),
    );
    let mut fut = Box::pin(b.wait_async());
    assert!(!poll_once(fut.as_mut()), "arrived; the barrier is filling");
    let b2 = b.clone();
    let ok = Arc::new(AtomicU32::new(0));
    let ok2 = ok.clone();
    let h = spawn(move || {
        // The last party: runs the action (holding the lock), then leaves.
        assert_eq!(b2.wait(), Ok(1));
        ok2.store(1, SeqCst);
    })
    .await;
    until(|| in_action.load(SeqCst) == 1).await;
    let waits = futex::main_thread_waits();
    drop(fut);
    assert_eq!(futex::main_thread_waits(), waits, "the drop did not wait");
    dropped.store(1, SeqCst);
    h.join_async().await;
    assert_eq!(ok.load(SeqCst), 1);
    // Reusable: the deferred leave ran, so a new generation fills and releases.
    let b3 = b.clone();
    let h = spawn(move || {
        b3.wait().unwrap();
    })
    .await;
    let mine = or_hang("barrier reuse", 20, b.wait_async()).await;
    assert!(mine.is_ok());
    h.join_async().await;
    assert!(!b.broken());
}
