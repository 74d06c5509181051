//! The demo's async API for JavaScript: the primitives' async variants (`Mutex::lock_async`,
//! `Semaphore::acquire_async`, `Receiver::recv_async`) and the executor's
//! `Future::result_async`, each exported as a method that returns a `Promise`, so a page's
//! main thread can `await` a lock, a permit, a message or a result that a Web Worker
//! provides, without ever blocking. Shared-memory pages only (cross-origin isolated).
//! `scheduler/tests/web_main.rs` (`demo_async_api_promises_resolve_from_js`) includes this file
//! and awaits the promises from JS.

use portalis_primitives::channel::{unbounded, Receiver, Sender};
use portalis_primitives::futex;
use portalis_primitives::sync::atomic::{
    AtomicU32,
    Ordering::{Acquire, Release},
};
use portalis_primitives::{Mutex, Semaphore};
use portalis_scheduler::executor::Future as TaskFuture;
use portalis_scheduler::web;
use std::sync::Arc;
use std::time::Duration;
use wasm_bindgen::prelude::*;

/// One lock, one semaphore (no permits), one channel and one executor future, shared with the
/// workers that [`start_worker`](AsyncDemo::start_worker) starts.
#[wasm_bindgen]
#[derive(Debug)]
pub struct AsyncDemo {
    counter: Arc<Mutex<u32>>,
    permits: Arc<Semaphore>,
    tx: Sender<u32>,
    rx: Receiver<u32>,
    result: TaskFuture<u32>,
}

impl Default for AsyncDemo {
    fn default() -> Self {
        Self::new()
    }
}

fn js_error(e: impl std::fmt::Display) -> JsValue {
    JsError::new(&e.to_string()).into()
}

#[wasm_bindgen]
impl AsyncDemo {
    /// A counter at 0, a semaphore with no permit, an empty channel, an unset future.
    #[wasm_bindgen(constructor)]
    pub fn new() -> AsyncDemo {
        let (tx, rx) = unbounded();
        AsyncDemo {
            counter: Arc::new(Mutex::new(0)),
            permits: Arc::new(Semaphore::new(0).expect("0 permits is valid")),
            tx,
            rx,
            result: TaskFuture::default(),
        }
    }

    /// Starts a Web Worker that takes the lock, holds it `ms` milliseconds, adds 1 to the
    /// counter and unlocks, then releases one permit, sends `value` on the channel and sets
    /// the future's result to `value`. Resolves once the worker holds the lock (so a
    /// `lockAdd` called next must wait for the worker's unlock).
    #[wasm_bindgen(js_name = startWorker)]
    pub fn start_worker(&self, value: u32, ms: u32) -> js_sys::Promise {
        let (counter, permits) = (self.counter.clone(), self.permits.clone());
        let (tx, result) = (self.tx.clone(), self.result.clone());
        let held = Arc::new(AtomicU32::new(0));
        let held2 = held.clone();
        wasm_bindgen_futures::future_to_promise(async move {
            let _detached = web::spawn(move || {
                let mut g = counter.lock();
                // Release: pairs with the Acquire load on the page's side.
                held2.store(1, Release);
                futex::wake_all(&held2);
                let nap = AtomicU32::new(0);
                let _ = futex::wait(&nap, 0, Some(Duration::from_millis(u64::from(ms))));
                *g += 1;
                drop(g);
                let _ = permits.release();
                let _ = tx.send(value);
                let _ = result.set_result(value);
            })
            .await
            .map_err(js_error)?;
            // Acquire: pairs with the worker's Release store.
            while held.load(Acquire) == 0 {
                let _ = futex::wait_async(&held, 0, None).await;
            }
            Ok(JsValue::UNDEFINED)
        })
    }

    /// `Mutex::lock_async`: resolves with the counter after adding `n` under the lock.
    #[wasm_bindgen(js_name = lockAdd)]
    pub fn lock_add(&self, n: u32) -> js_sys::Promise {
        let counter = self.counter.clone();
        wasm_bindgen_futures::future_to_promise(async move {
            let mut g = counter.lock_async().await;
            *g += n;
            Ok(JsValue::from(*g))
        })
    }

    /// `Semaphore::acquire_async`: resolves (with the permits left) once a permit is taken.
    pub fn acquire(&self) -> js_sys::Promise {
        let permits = self.permits.clone();
        wasm_bindgen_futures::future_to_promise(async move {
            permits.acquire_async().await;
            Ok(JsValue::from(permits.available()))
        })
    }

    /// `Receiver::recv_async`: resolves with the next message; rejects once the channel is
    /// empty and disconnected.
    pub fn recv(&self) -> js_sys::Promise {
        let rx = self.rx.clone();
        wasm_bindgen_futures::future_to_promise(async move {
            rx.recv_async().await.map(JsValue::from).map_err(js_error)
        })
    }

    /// `executor::Future::result_async`: resolves with the future's result.
    pub fn result(&self) -> js_sys::Promise {
        let f = self.result.clone();
        wasm_bindgen_futures::future_to_promise(async move {
            f.result_async().await.map(JsValue::from).map_err(js_error)
        })
    }
}
