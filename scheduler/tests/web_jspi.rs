//! Browser, shared memory, test thread = the page's main thread: blocking code run through
//! `web::run_blocking` suspends (JSPI, ADR 110) instead of spinning. Run by
//! scripts/test-web.sh ("main" mode, cross-origin isolated).
//!
//! Each scenario is deterministic by construction, not by sleeping: the closure starts a JS
//! ticker (a 1 ms `setInterval` that counts into a shared word), and the worker that will
//! release the main thread first waits for that word to move. A timer callback can run only
//! while the main thread's closure is suspended, so each scenario completes only if the wait
//! really suspended (had it spun, the worker would never be released and the test would time
//! out), and the ticks counted are > 0 by construction. The spin counter
//! (`futex::main_thread_spins`) must not move: no bounded spin ran.
#![cfg(all(target_arch = "wasm32", target_feature = "atomics"))]

mod web_common;

use portalis_primitives::futex::{self, WaitError, WaitResult};
use portalis_primitives::sync::atomic::{AtomicU32, Ordering::SeqCst};
use portalis_scheduler::web;
use std::sync::Arc;
use std::time::Duration;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;
use web_common::ticker::Ticker;
use web_common::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = console, js_name = log)]
    fn console_log(s: &str);
}

/// Runs `f` through `run_blocking` with a ticker started inside it; checks that it suspended
/// (suspension count moved, no spin iteration, timer ticks > 0) and returns `f`'s value.
async fn run_suspending(
    ticker: Ticker,
    f: impl FnOnce() -> Result<JsValue, JsValue> + 'static,
) -> JsValue {
    let spins = futex::main_thread_spins();
    let suspensions = futex::suspensions();
    let t = Arc::new(ticker);
    let t2 = t.clone();
    let p = web::run_blocking(move || {
        assert!(
            web::can_suspend(),
            "inside run_blocking with JSPI: {:?}",
            futex::unavailable_reason()
        );
        t2.start();
        let r = f();
        let (ticks, frames) = t2.stop();
        console_log(&format!(
            "jspi: {ticks} timer ticks, {frames} animation frames while suspended"
        ));
        assert!(ticks > 0, "a timer ran while Rust was suspended");
        r
    });
    let v = JsFuture::from(p).await.expect("run_blocking settled Ok");
    assert_eq!(futex::main_thread_spins(), spins, "no main-thread spin ran");
    assert!(futex::suspensions() > suspensions, "the wait suspended");
    v
}

#[wasm_bindgen_test]
fn jspi_is_available_but_not_outside_run_blocking() {
    assert!(web::jspi_supported(), "Chromium 156 ships JSPI");
    assert!(
        !web::can_suspend(),
        "a plain test function is not a promising call"
    );
    assert!(!futex::can_block());
}

/// The basic experiment: an untimed `futex::wait` on the main thread, woken by a worker.
#[wasm_bindgen_test]
async fn futex_wait_suspends_until_a_worker_wakes_it() {
    let ticker = Ticker::new();
    let gate = ticker.gate();
    let word = Arc::new(AtomicU32::new(0));
    let w2 = word.clone();
    let h = spawn(move || {
        gate.pass_then_nap(5);
        w2.store(1, SeqCst);
        futex::wake_all(&w2);
    })
    .await;
    let v = run_suspending(ticker, move || {
        while word.load(SeqCst) == 0 {
            assert_eq!(futex::wait(&word, 0, None), Ok(WaitResult::Woken));
        }
        Ok(JsValue::from(word.load(SeqCst)))
    })
    .await;
    assert_eq!(v.as_f64(), Some(1.0));
    h.join_async().await;
}

/// A timed wait nobody wakes suspends and times out (not early: the waitAsync timeout).
#[wasm_bindgen_test]
async fn timed_wait_suspends_and_times_out() {
    let ticker = Ticker::new();
    let v = run_suspending(ticker, || {
        let w = AtomicU32::new(0);
        let start = now_ms();
        let r = futex::wait(&w, 0, Some(Duration::from_millis(30)));
        assert_eq!(r, Ok(WaitResult::TimedOut));
        Ok(JsValue::from(now_ms() - start))
    })
    .await;
    assert!(v.as_f64().unwrap() >= 30.0 - CLOCK_SLACK_MS, "{v:?}");
}

/// `Mutex::lock` on the main thread while a worker holds the lock.
#[wasm_bindgen_test]
async fn mutex_held_by_a_worker() {
    use portalis_primitives::Mutex;
    let ticker = Ticker::new();
    let gate = ticker.gate();
    let m = Arc::new(Mutex::new(0u32));
    let held = Arc::new(AtomicU32::new(0));
    let (m2, h2) = (m.clone(), held.clone());
    let h = spawn(move || {
        let mut g = m2.lock();
        h2.store(1, SeqCst);
        futex::wake_all(&h2);
        gate.pass_then_nap(20);
        *g = 1;
    })
    .await;
    while held.load(SeqCst) == 0 {
        let _ = futex::wait_async(&held, 0, None).await;
    }
    let v = run_suspending(ticker, move || {
        let mut g = m.lock();
        let seen = *g;
        *g = 2;
        Ok(JsValue::from(seen))
    })
    .await;
    assert_eq!(
        v.as_f64(),
        Some(1.0),
        "locked only after the worker's unlock"
    );
    h.join_async().await;
}

/// `recv()` on an empty channel that a worker feeds ≈50 ms after the main thread suspended.
#[wasm_bindgen_test]
async fn recv_on_an_empty_channel_fed_by_a_worker() {
    use portalis_primitives::channel;
    let ticker = Ticker::new();
    let gate = ticker.gate();
    let (tx, rx) = channel::unbounded::<u32>();
    let h = spawn(move || {
        gate.pass_then_nap(50);
        tx.send(42).unwrap();
    })
    .await;
    let v = run_suspending(ticker, move || {
        let got = rx.recv().map_err(|e| JsValue::from_str(&e.to_string()))?;
        assert!(
            rx.recv().is_err(),
            "disconnected once the worker dropped its sender"
        );
        Ok(JsValue::from(got))
    })
    .await;
    assert_eq!(v.as_f64(), Some(42.0));
    h.join_async().await;
}

/// A `Barrier` of the main thread and two workers.
#[wasm_bindgen_test]
async fn barrier_with_workers() {
    use portalis_primitives::Barrier;
    let ticker = Ticker::new();
    let b = Arc::new(Barrier::new(3).unwrap());
    let passed = Arc::new(AtomicU32::new(0));
    let mut hs = Vec::new();
    for _ in 0..2 {
        let (b, p, gate) = (b.clone(), passed.clone(), ticker.gate());
        hs.push(
            spawn(move || {
                gate.pass_then_nap(10);
                b.wait().unwrap();
                p.fetch_add(1, SeqCst);
            })
            .await,
        );
    }
    run_suspending(ticker, move || {
        b.wait().map_err(|e| JsValue::from_str(&e.to_string()))?;
        Ok(JsValue::UNDEFINED)
    })
    .await;
    for h in hs {
        h.join_async().await;
    }
    assert_eq!(passed.load(SeqCst), 2);
}

/// `install` + `join` on a Web Worker pool from the main thread: waits on the pool's latch.
#[wasm_bindgen_test]
async fn join_on_the_pool() {
    use portalis_scheduler::{join, ThreadPoolBuilder};
    let pool = Arc::new(
        ThreadPoolBuilder::new()
            .num_threads(2)
            .build_async()
            .await
            .unwrap(),
    );
    let ticker = Ticker::new();
    let (g1, g2) = (ticker.gate(), ticker.gate());
    let p2 = pool.clone();
    let v = run_suspending(ticker, move || {
        let (a, b) = p2.install(|| {
            join(
                move || {
                    g1.pass_then_nap(10);
                    1u32
                },
                move || {
                    g2.pass_then_nap(10);
                    2u32
                },
            )
        });
        Ok(JsValue::from(a * 10 + b))
    })
    .await;
    assert_eq!(v.as_f64(), Some(12.0));
}

/// `Future::result` with no timeout, with a timeout that is long enough, and with one that
/// elapses first (a timed suspension that ends in `FutureError::Timeout`).
#[wasm_bindgen_test]
async fn future_result_with_and_without_timeout() {
    use portalis_scheduler::executor::{Future, FutureError};
    let ticker = Ticker::new();
    let gate = ticker.gate();
    let (f1, f2, never) = (
        Future::<u32>::new(),
        Future::<u32>::new(),
        Future::<u32>::new(),
    );
    let (s1, s2) = (f1.clone(), f2.clone());
    let h = spawn(move || {
        gate.pass_then_nap(20);
        let _ = s1.set_result(7);
        let _ = s2.set_result(8);
    })
    .await;
    let v = run_suspending(ticker, move || {
        let a = f1.result(None).unwrap();
        let b = f2.result(Some(Duration::from_secs(60))).unwrap();
        let e = never.result(Some(Duration::from_millis(20)));
        assert_eq!(e, Err(FutureError::Timeout));
        Ok(JsValue::from(a * 10 + b))
    })
    .await;
    assert_eq!(v.as_f64(), Some(78.0));
    h.join_async().await;
}

/// Outside a promising call (a plain export, as this test function is) nothing changed: the
/// bounded spin, then today's typed error, never a trap.
#[wasm_bindgen_test]
fn outside_run_blocking_the_typed_error_stays() {
    let w = AtomicU32::new(0);
    let spins = futex::main_thread_spins();
    assert_eq!(
        futex::wait(&w, 0, None),
        Err(WaitError::MainThreadCannotBlock)
    );
    assert!(futex::main_thread_spins() > spins, "the bounded spin ran");
}

#[wasm_bindgen(inline_js = r#"
export function call_later(f, ms) { setTimeout(f, ms); }
"#)]
extern "C" {
    fn call_later(f: &js_sys::Function, ms: i32);
}

/// Re-entrancy, as documented on `run_blocking`: while the outer call is suspended, a JS
/// timer callback re-enters Rust. That call runs, cannot suspend (`can_suspend` false), and
/// its blocking wait gets the typed error, not a trap; a nested `run_blocking` it starts is
/// queued and runs after the outer one finished (one suspendable call at a time).
#[wasm_bindgen_test]
async fn reentrant_callback_while_suspended() {
    use std::{cell::RefCell, rc::Rc};
    let order = Rc::new(RefCell::new(Vec::<&'static str>::new()));
    let release = Arc::new(AtomicU32::new(0));
    let inner_promise = Rc::new(RefCell::new(None::<js_sys::Promise>));
    let (o, r, ip) = (order.clone(), release.clone(), inner_promise.clone());
    let cb = Closure::once_into_js(move || {
        o.borrow_mut().push("callback");
        assert!(!web::can_suspend(), "a re-entrant call cannot suspend");
        let w = AtomicU32::new(0);
        assert_eq!(
            futex::wait(&w, 0, None),
            Err(WaitError::MainThreadCannotBlock)
        );
        let o2 = o.clone();
        *ip.borrow_mut() = Some(web::run_blocking(move || {
            o2.borrow_mut().push("nested");
            Ok(JsValue::from(web::can_suspend()))
        }));
        r.store(1, SeqCst);
        futex::wake_all(&r);
    });
    let o = order.clone();
    let outer = web::run_blocking(move || {
        call_later(cb.unchecked_ref(), 5);
        while release.load(SeqCst) == 0 {
            let _ = futex::wait(&release, 0, None);
        }
        o.borrow_mut().push("outer done");
        Ok(JsValue::UNDEFINED)
    });
    JsFuture::from(outer).await.expect("outer settled Ok");
    let nested = inner_promise.borrow_mut().take().expect("callback ran");
    let v = JsFuture::from(nested).await.expect("nested settled Ok");
    assert_eq!(v.as_bool(), Some(true), "the nested job could suspend");
    assert_eq!(
        *order.borrow_mut(),
        vec!["callback", "outer done", "nested"]
    );
}

/// A closure's `Err` rejects the promise with that value (a trap rejects it too, with the
/// `RuntimeError`; not tested here: a panic fails the test harness itself).
#[wasm_bindgen_test]
async fn errors_reject_the_promise() {
    let e = JsFuture::from(web::run_blocking(|| Err(JsValue::from_str("no"))))
        .await
        .unwrap_err();
    assert_eq!(e.as_string().as_deref(), Some("no"));
}

/// `block_on` outside `run_blocking`: a ready future completes, a pending one is today's
/// typed error after the bounded spin (never a trap, never a hang).
#[wasm_bindgen_test]
fn block_on_outside_run_blocking() {
    assert_eq!(web::block_on(async { 5 }), Ok(5));
    let never = std::future::pending::<()>();
    assert_eq!(web::block_on(never), Err(WaitError::MainThreadCannotBlock));
}

/// `block_on` inside `run_blocking` on an async-only API (`Future::result_async`, woken by a
/// worker): suspends until the worker's done-callback fires.
#[wasm_bindgen_test]
async fn block_on_an_async_api_suspends() {
    use portalis_scheduler::executor::Future;
    let ticker = Ticker::new();
    let gate = ticker.gate();
    let f = Future::<u32>::new();
    let s = f.clone();
    let h = spawn(move || {
        gate.pass_then_nap(10);
        let _ = s.set_result(9);
    })
    .await;
    let v = run_suspending(ticker, move || {
        let r = web::block_on(f.result_async()).map_err(|e| JsValue::from_str(&e.to_string()))?;
        Ok(JsValue::from(r.unwrap()))
    })
    .await;
    assert_eq!(v.as_f64(), Some(9.0));
    h.join_async().await;
}

/// `executor::wait` and `as_completed` on the main thread inside `run_blocking`: they wait on
/// their waiter's word through `futex::wait` (suspending), not on std's `Condvar`, which traps
/// on the main thread.
#[wasm_bindgen_test]
async fn executor_wait_and_as_completed_suspend() {
    use portalis_scheduler::executor::{as_completed, wait, Future, ReturnWhen};
    let ticker = Ticker::new();
    let gate = ticker.gate();
    let fs: Vec<Future<u32>> = (0..3).map(|_| Future::new()).collect();
    let setters = fs.clone();
    let h = spawn(move || {
        gate.pass_then_nap(10);
        let _ = setters[1].set_result(1);
        gate.pass_then_nap(10);
        let _ = setters[0].set_result(0);
        let _ = setters[2].set_result(2);
    })
    .await;
    let v = run_suspending(ticker, move || {
        let first = wait(&fs, None, ReturnWhen::FirstCompleted);
        assert!(!first.done.is_empty(), "returned once one was done");
        let mut got: Vec<u32> = as_completed(&fs, Some(Duration::from_secs(60)))
            .map(|f| f.unwrap().result(None).unwrap())
            .collect();
        got.sort_unstable();
        assert_eq!(got, [0, 1, 2]);
        let never = [Future::<u32>::new()];
        let out = wait(
            &never,
            Some(Duration::from_millis(10)),
            ReturnWhen::AllCompleted,
        );
        assert_eq!(out.not_done.len(), 1, "timed out");
        Ok(JsValue::from(got.len() as u32))
    })
    .await;
    assert_eq!(v.as_f64(), Some(3.0));
    h.join_async().await;
}
