//! Browser, shared memory, test thread = the page's main thread (blocking forbidden): `wait`
//! returns `MainThreadCannotBlock` after its bounded spin instead of trapping, `wait_async`
//! works, and workers run the futex contract while the main thread keeps turning its event
//! loop. Run by scripts/test-web.sh ("main" mode, cross-origin isolated).
#![cfg(all(target_arch = "wasm32", target_feature = "atomics"))]

mod web_common;

use portalis_primitives::futex::{self, WaitError, WaitResult};
use portalis_primitives::sync::atomic::{AtomicU32, Ordering::SeqCst};
use std::sync::Arc;
use std::time::Duration;
use wasm_bindgen_test::*;
use web_common::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
fn main_thread_cannot_block() {
    assert!(!futex::can_block());
    assert_eq!(futex::BACKEND, "wasm-atomics");
    assert!(portalis_scheduler::web::shared_memory_available());
}

#[wasm_bindgen_test]
fn untimed_wait_returns_main_thread_cannot_block() {
    let w = AtomicU32::new(0);
    let start = now_ms();
    assert_eq!(
        futex::wait(&w, 0, None),
        Err(WaitError::MainThreadCannotBlock)
    );
    let took = now_ms() - start;
    // It spun for its budget and did not trap (we are still running).
    assert!(took >= futex::MAIN_THREAD_SPIN_BUDGET.as_secs_f64() * 1e3 - CLOCK_SLACK_MS);
}

#[wasm_bindgen_test]
fn huge_timeout_on_main_thread_is_an_error_not_a_hang() {
    let w = AtomicU32::new(0);
    assert_eq!(
        futex::wait(&w, 0, Some(Duration::MAX)),
        Err(WaitError::MainThreadCannotBlock)
    );
    assert_eq!(
        futex::wait(&w, 0, Some(Duration::from_secs(3600))),
        Err(WaitError::MainThreadCannotBlock)
    );
}

#[wasm_bindgen_test]
fn timeout_within_budget_times_out_not_early() {
    let w = AtomicU32::new(0);
    let t = futex::MAIN_THREAD_SPIN_BUDGET / 2;
    let start = now_ms();
    assert_eq!(futex::wait(&w, 0, Some(t)), Ok(WaitResult::TimedOut));
    let took = now_ms() - start;
    assert!(
        took >= t.as_secs_f64() * 1e3 - CLOCK_SLACK_MS,
        "took {took} ms"
    );
}

#[wasm_bindgen_test]
fn zero_timeout_and_mismatch_on_main_thread() {
    let w = AtomicU32::new(0);
    assert_eq!(
        futex::wait(&w, 0, Some(Duration::ZERO)),
        Ok(WaitResult::TimedOut)
    );
    assert_eq!(futex::wait(&w, 5, None), Ok(WaitResult::Woken));
    futex::wake_one(&w); // notify is allowed on the main thread
    futex::wake_all(&w);
}

#[wasm_bindgen_test]
async fn wait_async_is_woken_by_a_worker() {
    assert!(futex::has_wait_async(), "Chromium has Atomics.waitAsync");
    let word = Arc::new(AtomicU32::new(0));
    let w = word.clone();
    let h = spawn(move || {
        let dummy = AtomicU32::new(0);
        let _ = futex::wait(&dummy, 0, Some(Duration::from_millis(20)));
        w.store(1, SeqCst);
        futex::wake_all(&w);
    })
    .await;
    assert_eq!(futex::wait_async(&word, 0, None).await, WaitResult::Woken);
    assert_eq!(word.load(SeqCst), 1);
    h.join_async().await;
}

#[wasm_bindgen_test]
async fn wait_async_times_out_not_early() {
    let w = AtomicU32::new(0);
    let start = now_ms();
    assert_eq!(
        futex::wait_async(&w, 0, Some(Duration::from_millis(15))).await,
        WaitResult::TimedOut
    );
    let took = now_ms() - start;
    assert!(took >= 15.0 - CLOCK_SLACK_MS, "took {took} ms");
    assert_eq!(futex::wait_async(&w, 9, None).await, WaitResult::Woken);
}

#[wasm_bindgen_test]
async fn blocking_join_on_main_thread_is_a_typed_error() {
    let go = Arc::new(AtomicU32::new(0));
    let g = go.clone();
    let h = spawn(move || {
        while g.load(SeqCst) == 0 {
            let _ = futex::wait(&g, 0, None);
        }
    })
    .await;
    let e = h.join().unwrap_err();
    assert_eq!(e, WaitError::MainThreadCannotBlock);
    // The message names the awaitable variants to use instead.
    let msg = e.to_string();
    for name in [
        "join_async",
        "recv_async",
        "lock_async",
        "acquire_async",
        "result_async",
    ] {
        assert!(msg.contains(name), "{msg}");
    }
    go.store(1, SeqCst);
    futex::wake_one(&go);
    h.join_async().await;
}

#[wasm_bindgen_test]
async fn wait_then_wake_one_from_main_thread() {
    wait_then_wake_one().await;
}

#[wasm_bindgen_test]
async fn wake_all_of_n_waiters_from_main_thread() {
    wake_all_releases_every_waiter().await;
}

#[wasm_bindgen_test]
async fn many_waiters_one_word_from_main_thread() {
    wake_one_per_token_releases_many_waiters().await;
}

#[wasm_bindgen_test]
async fn workers_block_while_main_thread_stays_responsive() {
    let turns = worker_ping_pong(2_000).await;
    // The main thread kept running timer callbacks while both workers blocked in wait32.
    assert!(turns > 0, "the main thread's event loop never turned");
}

#[wasm_bindgen_test]
fn parker_on_main_thread_is_a_typed_error_or_times_out() {
    use portalis_primitives::Parker;
    let p = Parker::new();
    assert_eq!(p.park(), Err(WaitError::MainThreadCannotBlock));
    assert_eq!(
        p.park_timeout(Duration::from_millis(1)),
        Ok(WaitResult::TimedOut)
    );
    p.unparker().unpark();
    assert_eq!(p.park(), Ok(())); // a token is consumed without waiting
}

#[wasm_bindgen_test]
async fn wait_async_falls_back_to_polling_without_atomics_wait_async() {
    // Emulate an engine without Atomics.waitAsync (Firefox < 145, Safari < 16.4); other
    // tests running meanwhile on this thread just poll too, which is still correct.
    let atomics = js_sys::Reflect::get(&js_sys::global(), &"Atomics".into()).unwrap();
    let atomics: js_sys::Object = atomics.into();
    let saved = js_sys::Reflect::get(&atomics, &"waitAsync".into()).unwrap();
    js_sys::Reflect::delete_property(&atomics, &"waitAsync".into()).unwrap();
    let no_wait_async = !futex::has_wait_async();

    let word = Arc::new(AtomicU32::new(0));
    let w = word.clone();
    let h = spawn(move || {
        let dummy = AtomicU32::new(0);
        let _ = futex::wait(&dummy, 0, Some(Duration::from_millis(10)));
        w.store(1, SeqCst);
        futex::wake_all(&w);
    })
    .await;
    let woken = futex::wait_async(&word, 0, None).await;
    let timed_out = futex::wait_async(&AtomicU32::new(0), 0, Some(Duration::from_millis(5))).await;

    js_sys::Reflect::set(&atomics, &"waitAsync".into(), &saved).unwrap();
    h.join_async().await;
    assert!(no_wait_async, "deleting Atomics.waitAsync was not detected");
    assert_eq!(woken, WaitResult::Woken);
    assert_eq!(timed_out, WaitResult::TimedOut);
    assert!(futex::has_wait_async());
}

/// The registered-task suite from the page's main thread: a shared-memory pool (the page is
/// isolated), results awaited through `wait_async`, nothing blocks.
#[wasm_bindgen_test]
async fn task_pool_on_the_main_thread_uses_shared_memory() {
    use portalis_scheduler::web::{Mode, TaskError, TaskPool};
    use web_common::tasks::*;
    assert_eq!(Mode::detect(), Mode::SharedMemory);
    let pool = TaskPool::new(portalis_task_table(), 2).await.unwrap();
    assert_eq!(pool.mode(), Mode::SharedMemory);
    assert!(common_suite(&pool).await > 5);
    // A panicking task traps its worker here (panic=abort): the call gets `WorkerDied`, not a
    // hang (ADR 115), and the pool, whose worker was replaced, keeps answering.
    match or_hang("a panicking task", 60, pool.run::<Boom>("kaboom".into())).await {
        Err(TaskError::WorkerDied(_)) => {}
        other => panic!("expected WorkerDied, got {other:?}"),
    }
    assert_eq!(pool.run::<Sum>(vec![1, 2, 3]).await, Ok(6));
    pool.shutdown().await;
}

/// The pool's blocking API called from the main thread once its workers have booted: it
/// busy-waits for them (ADR 015), it never traps; a synchronous build with no booted worker
/// is a typed error naming `build_async`, not a hang.
#[wasm_bindgen_test]
async fn pool_api_on_the_main_thread_does_not_trap() {
    use portalis_scheduler::{join, ThreadPoolBuilder};
    let e = ThreadPoolBuilder::new()
        .num_threads(1)
        .stack_size(128 << 20)
        .build()
        .unwrap_err();
    assert!(e.to_string().contains("build_async"), "{e}");
    let pool = ThreadPoolBuilder::new()
        .num_threads(2)
        .build_async()
        .await
        .unwrap();
    assert_eq!(pool.install(|| join(|| 1, || 2)), (1, 2));
    let mut seen = pool.broadcast(|c| c.index());
    seen.sort_unstable();
    assert_eq!(seen, vec![0, 1]);
    let n = std::sync::atomic::AtomicUsize::new(0);
    pool.scope(|s| {
        for _ in 0..10 {
            s.spawn(|_| {
                n.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            });
        }
    });
    assert_eq!(n.load(std::sync::atomic::Ordering::SeqCst), 10);
    drop(pool);
}

/// The async pool calls from the main thread: `install_async` / `join_async` resolve through
/// `Atomics.waitAsync` while the page keeps turning its event loop (no busy-wait, no trap).
#[wasm_bindgen_test]
async fn install_async_and_join_async_on_the_main_thread() {
    use portalis_scheduler::ThreadPoolBuilder;
    let pool = ThreadPoolBuilder::new()
        .num_threads(2)
        .build_async()
        .await
        .unwrap();
    let on = pool
        .install_async(portalis_scheduler::current_thread_index)
        .await
        .unwrap();
    assert!(on.is_some_and(|i| i < 2), "ran on a pool worker: {on:?}");
    let (a, b) = pool
        .join_async(|| (1..=100u64).sum::<u64>(), || 7)
        .await
        .unwrap();
    assert_eq!((a, b), (5050, 7));
}

/// ADR 126: a pool call's completion that nobody awaits any more makes no futex notify. The
/// call's future is polled once (its job is queued, the caller waits) and dropped; the job,
/// held at a gate until then, records the worker's notify count (`futex::op_counts`, ADR 118)
/// at its end, and the next job on the one worker records it again. Between the two the
/// worker only ran the first job's `CallSignal::signal`. Before ADR 126 that always called
/// `futex::wake_all` (count + 1); now it sees no announced waiter and skips it.
#[wasm_bindgen_test]
async fn unawaited_pool_call_completion_makes_no_futex_notify() {
    use core::future::Future as _;
    use portalis_scheduler::ThreadPoolBuilder;
    use std::sync::atomic::AtomicU64;
    let pool = ThreadPoolBuilder::new()
        .num_threads(1)
        .build_async()
        .await
        .unwrap();
    let gate = Arc::new(AtomicU32::new(0));
    let at_end = Arc::new(AtomicU64::new(u64::MAX));
    {
        let (g, e) = (gate.clone(), at_end.clone());
        let mut call = Box::pin(pool.install_async(move || {
            while g.load(SeqCst) == 0 {
                let _ = futex::wait(&g, 0, None);
            }
            e.store(futex::op_counts().notifies, SeqCst);
        }));
        let mut cx = core::task::Context::from_waker(core::task::Waker::noop());
        assert!(call.as_mut().poll(&mut cx).is_pending(), "held at the gate");
    } // the call is dropped: nobody awaits its completion
    gate.store(1, SeqCst);
    futex::wake_all(&gate);
    let next = or_hang(
        "install_async",
        60,
        pool.install_async(|| futex::op_counts().notifies),
    )
    .await
    .unwrap();
    let first = at_end.load(SeqCst);
    assert_ne!(first, u64::MAX, "the first job ran before the second");
    assert_eq!(
        next - first,
        0,
        "the unawaited completion's signal made a futex notify"
    );
}

/// A pool worker whose job panics (a trap) is reported and replaced, and the pending
/// `install_async` rejects (see `web_common::pool_worker_death_is_reported_and_replaced`).
#[wasm_bindgen_test]
async fn a_pool_worker_that_dies_is_reported_and_replaced() {
    pool_worker_death_is_reported_and_replaced().await;
}

/// Sleeps this worker ≈`ms` (a timed futex wait on a word nobody changes).
fn worker_nap(ms: u64) {
    let dummy = AtomicU32::new(0);
    let _ = futex::wait(&dummy, 0, Some(Duration::from_millis(ms)));
}

/// `Mutex::lock_async` on the main thread while a worker holds the lock for ≈20 ms: it
/// resolves after the unlock (the worker's write under the lock is seen) without trapping.
#[wasm_bindgen_test]
async fn mutex_lock_async_waits_for_a_worker_on_the_main_thread() {
    use portalis_primitives::Mutex;
    let m = Arc::new(Mutex::new(0u32));
    let held = Arc::new(AtomicU32::new(0));
    let (m2, h2) = (m.clone(), held.clone());
    let h = spawn(move || {
        let mut g = m2.lock();
        h2.store(1, SeqCst);
        futex::wake_all(&h2);
        worker_nap(20);
        *g = 1;
    })
    .await;
    while held.load(SeqCst) == 0 {
        let _ = futex::wait_async(&held, 0, None).await;
    }
    let mut g = m.lock_async().await;
    assert_eq!(*g, 1, "locked only after the worker's unlock");
    *g = 2;
    drop(g);
    h.join_async().await;
    assert_eq!(*m.lock(), 2);
}

/// `Semaphore::acquire_async` on the main thread with no permit until a worker releases one
/// ≈20 ms later.
#[wasm_bindgen_test]
async fn semaphore_acquire_async_waits_for_a_worker_release() {
    use portalis_primitives::Semaphore;
    let s = Arc::new(Semaphore::new(0).unwrap());
    let released = Arc::new(AtomicU32::new(0));
    let (s2, r2) = (s.clone(), released.clone());
    let h = spawn(move || {
        worker_nap(20);
        r2.store(1, SeqCst);
        s2.release().unwrap();
    })
    .await;
    s.acquire_async().await;
    assert_eq!(
        released.load(SeqCst),
        1,
        "a permit came only from the worker"
    );
    assert_eq!(s.available(), 0);
    h.join_async().await;
}

/// `Receiver::recv_async` on the main thread: a message a worker sends ≈20 ms later, then
/// `RecvError` once the worker dropped the sender.
#[wasm_bindgen_test]
async fn channel_recv_async_gets_a_worker_message_then_disconnect() {
    use portalis_primitives::channel::{unbounded, RecvError};
    let (tx, rx) = unbounded::<u32>();
    let h = spawn(move || {
        worker_nap(20);
        tx.send(42).unwrap();
        worker_nap(10);
        drop(tx);
    })
    .await;
    assert_eq!(rx.recv_async().await, Ok(42));
    assert_eq!(rx.recv_async().await, Err(RecvError));
    h.join_async().await;
}

/// `Sender::send_async` on the main thread into a full `bounded(1)` channel: it resolves once a
/// worker receives ≈20 ms later, and the worker then gets the second message.
#[wasm_bindgen_test]
async fn channel_send_async_waits_for_room_from_a_worker() {
    use portalis_primitives::channel::bounded;
    let (tx, rx) = bounded::<u32>(1);
    tx.try_send(1).unwrap();
    assert!(tx.try_send(9).is_err(), "full");
    let got = Arc::new(AtomicU32::new(0));
    let g2 = got.clone();
    let h = spawn(move || {
        worker_nap(20);
        let a = rx.recv().unwrap();
        let b = rx.recv().unwrap();
        g2.store(a * 10 + b, SeqCst);
    })
    .await;
    tx.send_async(2).await.unwrap();
    h.join_async().await;
    assert_eq!(got.load(SeqCst), 12);
    drop(tx);
}

/// `executor::Future::result_async` on the main thread: a worker sets the result ≈20 ms later.
#[wasm_bindgen_test]
async fn future_result_async_resolves_when_a_worker_sets_it() {
    use portalis_scheduler::executor::Future;
    let f = Future::<u32>::default();
    let f2 = f.clone();
    let h = spawn(move || {
        worker_nap(20);
        f2.set_result(7).unwrap();
    })
    .await;
    assert_eq!(f.result_async().await, Ok(7));
    h.join_async().await;
}

/// The same five async calls with `Atomics.waitAsync` deleted (the `setTimeout` fallback of
/// engines without it), against the pool from `build_async`: each still resolves.
#[wasm_bindgen_test]
async fn async_variants_resolve_without_atomics_wait_async() {
    use portalis_primitives::channel::bounded;
    use portalis_primitives::{Mutex, Semaphore};
    use portalis_scheduler::executor::Future;
    use portalis_scheduler::ThreadPoolBuilder;
    let pool = ThreadPoolBuilder::new()
        .num_threads(1)
        .build_async()
        .await
        .unwrap();
    let atomics: js_sys::Object = js_sys::Reflect::get(&js_sys::global(), &"Atomics".into())
        .unwrap()
        .into();
    let saved = js_sys::Reflect::get(&atomics, &"waitAsync".into()).unwrap();
    js_sys::Reflect::delete_property(&atomics, &"waitAsync".into()).unwrap();
    let no_wait_async = !futex::has_wait_async();

    let m = Arc::new(Mutex::new(0u32));
    let s = Arc::new(Semaphore::new(0).unwrap());
    let (tx, rx) = bounded::<u32>(1);
    let (rtx, rrx) = bounded::<u32>(1);
    let f = Future::<u32>::default();
    let held = Arc::new(AtomicU32::new(0));
    let guard = m.lock_async().await; // main holds the mutex first: the worker must wait.
    let (m2, s2, f2, h2) = (m.clone(), s.clone(), f.clone(), held.clone());
    pool.spawn(move || {
        worker_nap(15);
        s2.release().unwrap();
        rtx.send(5).unwrap();
        let v = rx.recv().unwrap();
        f2.set_result(v).unwrap();
        h2.store(1, SeqCst);
        *m2.lock() += 1;
    });
    s.acquire_async().await;
    let r = rrx.recv_async().await;
    tx.send_async(3).await.unwrap();
    let fr = f.result_async().await;
    while held.load(SeqCst) == 0 {
        let _ = futex::wait_async(&held, 0, None).await;
    }
    drop(guard);
    let after = loop {
        let g = m.lock_async().await;
        if *g == 1 {
            break *g;
        }
        drop(g);
        let _ = futex::wait_async(&AtomicU32::new(0), 0, Some(Duration::from_millis(1))).await;
    };

    js_sys::Reflect::set(&atomics, &"waitAsync".into(), &saved).unwrap();
    assert!(no_wait_async, "deleting Atomics.waitAsync was not detected");
    assert_eq!((r, fr, after), (Ok(5), Ok(3), 1));
    drop(pool);
}

#[path = "../examples/web_demo/async_api.rs"]
mod async_api;

#[wasm_bindgen::prelude::wasm_bindgen(inline_js = r#"
export async function driveAsyncDemo(demo) {
  await demo.startWorker(5, 20);      // a worker now holds the lock for ~20 ms
  const counter = await demo.lockAdd(10); // Mutex::lock_async: after the worker's +1
  const left = await demo.acquire();      // Semaphore::acquire_async: the worker's permit
  const msg = await demo.recv();          // Receiver::recv_async: the worker's message
  const result = await demo.result();     // executor Future::result_async
  return [counter, left, msg, result];
}
"#)]
extern "C" {
    #[wasm_bindgen(js_name = driveAsyncDemo)]
    fn drive_async_demo(demo: wasm_bindgen::JsValue) -> js_sys::Promise;
}

/// The demo's Promise exports (`examples/web_demo/async_api.rs`) awaited from JavaScript on
/// the page's main thread: each resolves with what the worker provided, in order.
#[wasm_bindgen_test]
async fn demo_async_api_promises_resolve_from_js() {
    let demo = async_api::AsyncDemo::new();
    let out = wasm_bindgen_futures::JsFuture::from(drive_async_demo(demo.into()))
        .await
        .expect("every promise resolves");
    let out: Vec<f64> = js_sys::Array::from(&out)
        .iter()
        .map(|v| v.as_f64().expect("numbers"))
        .collect();
    assert_eq!(out, vec![11.0, 0.0, 5.0, 5.0]);
}

/// `Event::wait_async`, oneshot and broadcast `recv_async` on the page's main thread, each
/// resolved by a worker ≈20 ms later (woken through the registered waker, no polling).
#[wasm_bindgen_test]
async fn event_oneshot_broadcast_async_on_the_main_thread() {
    use portalis_primitives::channel::{broadcast, oneshot};
    use portalis_primitives::Event;
    let e = Arc::new(Event::new());
    let (os_tx, mut os_rx) = oneshot::<u32>();
    let (b_tx, mut b_rx) = broadcast::<u32>(4);
    let e2 = e.clone();
    let h = spawn(move || {
        worker_nap(20);
        e2.set();
        worker_nap(10);
        os_tx.send(3).unwrap();
        worker_nap(10);
        b_tx.send(4).unwrap();
    })
    .await;
    e.wait_async().await;
    assert!(e.is_set());
    assert_eq!(os_rx.recv_async().await, Ok(3));
    assert_eq!(b_rx.recv_async().await, Ok(4));
    h.join_async().await;
}

/// `RwLock::read_async`/`write_async`, `Condvar::wait_async` and `Barrier::wait_async` on the
/// page's main thread, each let through by a worker ≈20 ms later.
#[wasm_bindgen_test]
async fn rwlock_condvar_barrier_async_on_the_main_thread() {
    use portalis_primitives::{Barrier, Condvar, Mutex, RwLock};
    let l = Arc::new(RwLock::new(0u32));
    let pair = Arc::new((Mutex::new(false), Condvar::new()));
    let b = Arc::new(Barrier::new(2).unwrap());
    let held = Arc::new(AtomicU32::new(0));
    let (l2, p2, b2, h2) = (l.clone(), pair.clone(), b.clone(), held.clone());
    let h = spawn(move || {
        let mut w = l2.write();
        h2.store(1, SeqCst);
        futex::wake_all(&h2);
        worker_nap(20);
        *w = 7;
        drop(w);
        // Notify once the page is queued on the condvar (it set the flag under the mutex).
        loop {
            let g = p2.0.lock();
            if *g {
                break;
            }
            drop(g);
            worker_nap(1);
        }
        p2.1.notify_one();
        let i = b2.wait().expect("not broken");
        h2.store(10 + i, SeqCst);
    })
    .await;
    while held.load(SeqCst) == 0 {
        let _ = futex::wait_async(&held, 0, None).await;
    }
    assert_eq!(
        *l.read_async().await,
        7,
        "read only after the worker's write"
    );
    *l.write_async().await += 1;
    let mut g = pair.0.lock_async().await;
    *g = true;
    let g = pair.1.wait_async(g).await;
    assert!(*g);
    drop(g);
    let mine = b.wait_async().await.expect("not broken");
    h.join_async().await;
    // Arrival indices 0 and 1, in either order.
    assert_eq!(mine + held.load(SeqCst) - 10, 1);
    assert_eq!(*l.read(), 8);
}

/// Issue 9 item 2, ADR 111: a worker holds an executor `Future`'s state lock (its `result`
/// clones the value under it; `HoldsLock` holds until the main thread waits) while the main
/// thread calls `done()`. The state lock used to be std's `Mutex`: a contended lock on the
/// main thread trapped ("Atomics.wait cannot be called in this context"). Now it is the
/// crate's own lock, whose main-thread wait spins in bounded rounds until the worker lets go.
#[wasm_bindgen_test]
async fn executor_future_state_lock_held_by_a_worker_does_not_trap_the_main_thread() {
    use portalis_scheduler::executor::Future;
    let f = Future::<HoldsLock>::new();
    let msg = HoldsLock::new(9);
    let holding = msg.holding.clone();
    msg.arm();
    assert!(f.set_result(msg).is_ok());
    let got = Arc::new(AtomicU32::new(0));
    let (f2, g2) = (f.clone(), got.clone());
    let h = spawn(move || g2.store(f2.result(None).unwrap().value, SeqCst)).await;
    until(|| holding.load(SeqCst) == 1).await;
    let waits = futex::main_thread_waits();
    assert!(f.done());
    assert!(
        futex::main_thread_waits() > waits,
        "the main thread waited for the worker's state lock"
    );
    h.join_async().await;
    assert_eq!(got.load(SeqCst), 9);
}

/// ADR 121: two async ends of a rendezvous channel meet on the page's main thread.
#[wasm_bindgen_test]
async fn rendezvous_async_ends_meet_on_the_main_thread() {
    rendezvous_async_ends_meet_on_this_thread().await;
}

/// ADR 125: an async `bounded(0)` receiver on the main thread meets a selecting worker
/// without waiting for the select inside `poll`.
#[wasm_bindgen_test]
async fn rendezvous_recv_async_meets_a_selecting_sender_on_the_main_thread() {
    rendezvous_recv_async_meets_a_selecting_sender_on_this_thread().await;
}

/// ADR 125: a dropped `after(1 h).recv_async()` clears its JS timer on the main thread.
#[wasm_bindgen_test]
async fn dropped_timer_recv_async_clears_its_js_timer_on_the_main_thread() {
    dropped_timer_recv_async_clears_its_js_timer().await;
}

/// ADR 122: `after(d).recv_async()` sleeps on a JS timer on the main thread (bounded polls).
#[wasm_bindgen_test]
async fn after_recv_async_sleeps_on_a_js_timer_on_the_main_thread() {
    after_recv_async_is_polled_a_bounded_number_of_times().await;
}
