//! Browser WITHOUT cross-origin isolation (no COOP/COEP: `WASM_BINDGEN_TEST_NO_ORIGIN_ISOLATION=1`,
//! so no SharedArrayBuffer): the threaded build still loads, the fallback detection reports no
//! shared memory, spawning a shared-memory worker is a typed error, and the futex layer on the
//! main thread still returns its typed error instead of trapping.
//! Run by scripts/test-web.sh ("no-isolation" mode) twice: in the threaded build, and in a
//! stable build without atomics ("no-atomics" mode, ADR 116: a user on a stable toolchain gets
//! the fallback; the tests that need the threaded build are compiled out there).
#![cfg(all(target_arch = "wasm32", target_os = "unknown"))]

#[cfg(target_feature = "atomics")]
mod web_common;
/// Without atomics only the task suite is shared (the rest of `web_common` spawns
/// shared-memory workers).
#[cfg(not(target_feature = "atomics"))]
#[allow(unreachable_pub, dead_code)] // the shared files are written for `mod web_common;`
mod web_common {
    #[path = "clock.rs"]
    mod clock;
    pub use clock::*;
    #[path = "tasks.rs"]
    pub mod tasks;
}

#[cfg(target_feature = "atomics")]
use portalis_primitives::futex::{self, WaitError, WaitResult};
#[cfg(target_feature = "atomics")]
use portalis_primitives::sync::atomic::AtomicU32;
use portalis_scheduler::web;
#[cfg(target_feature = "atomics")]
use portalis_scheduler::web::SpawnError;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn global(name: &str) -> wasm_bindgen::JsValue {
    js_sys::Reflect::get(&js_sys::global(), &name.into()).unwrap()
}

#[wasm_bindgen_test]
fn page_is_not_isolated_and_has_no_shared_array_buffer() {
    assert_eq!(global("crossOriginIsolated").as_bool(), Some(false));
    assert!(global("SharedArrayBuffer").is_undefined());
}

#[wasm_bindgen_test]
fn fallback_detection_reports_no_shared_memory() {
    assert!(!web::shared_memory_available());
}

/// The build this binary is: the threaded one, or the stable one without atomics (whose
/// memory can never be shared, so even `crossOriginIsolated` would not change the mode).
#[wasm_bindgen_test]
fn build_kind_is_reported() {
    use wasm_bindgen::JsCast;
    let threaded = cfg!(target_feature = "atomics");
    let memory = wasm_bindgen::memory();
    let buffer = js_sys::Reflect::get(&memory, &"buffer".into()).unwrap();
    // The threaded build's memory is shared (even here, where the page cannot share it with
    // a worker: it was created `shared: true`); the stable build's is a plain ArrayBuffer.
    assert_eq!(
        buffer.is_instance_of::<js_sys::ArrayBuffer>(),
        !threaded,
        "threaded build: {threaded}"
    );
}

#[cfg(target_feature = "atomics")]
#[wasm_bindgen_test]
async fn spawn_is_a_typed_error_without_shared_memory() {
    let r = web::spawn(|| {}).await;
    assert_eq!(r.err(), Some(SpawnError::NoSharedMemory));
}

#[cfg(target_feature = "atomics")]
#[wasm_bindgen_test]
fn futex_on_main_thread_still_answers() {
    let w = AtomicU32::new(0);
    assert!(!futex::can_block());
    assert_eq!(futex::wait(&w, 1, None), Ok(WaitResult::Woken));
    assert_eq!(
        futex::wait(&w, 0, None),
        Err(WaitError::MainThreadCannotBlock)
    );
}

/// The fallback: on a page without COOP/COEP a `TaskPool` is a message-passing pool (one
/// module instance per worker), not an error, and the same registered tasks run there; a
/// panic, an unknown name, a bad payload and a dying worker fail only their own call.
#[wasm_bindgen_test]
async fn task_pool_falls_back_to_message_passing() {
    use web_common::tasks::*;
    assert_eq!(web::Mode::detect(), web::Mode::MessagePassing);
    let pool = web::TaskPool::new(portalis_task_table(), 2)
        .await
        .expect("a message-passing pool");
    assert_eq!(pool.mode(), web::Mode::MessagePassing);
    assert_eq!(pool.num_workers(), 2);
    let n = common_suite(&pool).await + remote_suite(&pool).await;
    assert!(n > 20);
    pool.shutdown().await;
    // The copy-mode bootstrap's blob URL was revoked with the last pool of this thread.
    assert_eq!(web::remote_urls_held(), 0);
    // And a new pool works afterwards.
    let pool = web::TaskPool::new(portalis_task_table(), 1).await.unwrap();
    assert_eq!(pool.run::<Sum>(vec![7, 8]).await, Ok(15));
    pool.shutdown().await;
}

/// A threaded pool cannot exist here, and building one is a typed error or an inline pool,
/// never a trap: the global pool falls back to running inline.
#[wasm_bindgen_test]
fn pools_without_shared_memory_run_inline() {
    use portalis_scheduler::{Backend, ThreadPoolBuilder};
    assert_ne!(Backend::detect(), Backend::WebWorkers);
    let pool = ThreadPoolBuilder::new().build().unwrap();
    assert_eq!(
        pool.install(|| portalis_scheduler::join(|| 1, || 2)),
        (1, 2)
    );
}

/// Issue 17 on a page without cross-origin isolation: blocking code run through
/// `web::run_blocking` gets the result of a task sent to a worker by postMessage with
/// `web::block_on`: the main thread's wasm suspends (JSPI, ADR 110) until the reply's message
/// event has run, with no spin iteration; the same program as on an isolated page.
/// Threaded build only: `run_blocking` lives in the atomics futex backend, and the stable
/// no-atomics build of this suite (mode no-atomics, ADR 116) has no JSPI entry yet.
#[cfg(target_feature = "atomics")]
#[wasm_bindgen_test]
async fn blocking_result_of_a_remote_task_suspends_until_the_reply() {
    use std::rc::Rc;
    use web_common::tasks::*;
    let pool = Rc::new(web::TaskPool::new(portalis_task_table(), 1).await.unwrap());
    assert_eq!(pool.mode(), web::Mode::MessagePassing);
    let p2 = pool.clone();
    let (spins, suspensions) = (futex::main_thread_spins(), futex::suspensions());
    let p = web::run_blocking(move || {
        assert!(web::can_suspend(), "{:?}", futex::unavailable_reason());
        let sum = web::block_on(p2.run::<Sum>(vec![1, 2, 3]))
            .expect("suspends, no error")
            .expect("the task ran");
        let primes = web::block_on(p2.run::<CountPrimes>((0, 100)))
            .expect("suspends")
            .expect("the task ran");
        let failed = web::block_on(p2.run::<Fail>("no".into())).expect("suspends");
        assert!(failed.is_err(), "a failing task is its typed error");
        Ok(wasm_bindgen::JsValue::from(
            sum as f64 * 1000.0 + f64::from(primes),
        ))
    });
    let v = wasm_bindgen_futures::JsFuture::from(p)
        .await
        .expect("settled Ok");
    assert_eq!(v.as_f64(), Some(6025.0));
    assert_eq!(futex::main_thread_spins(), spins, "no main-thread spin ran");
    assert!(futex::suspensions() > suspensions, "the wait suspended");
    Rc::try_unwrap(pool)
        .unwrap_or_else(|_| panic!("the closure was dropped"))
        .shutdown()
        .await;
}
