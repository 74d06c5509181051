//! Browser WITHOUT cross-origin isolation (no COOP/COEP: `WASM_BINDGEN_TEST_NO_ORIGIN_ISOLATION=1`,
//! so no SharedArrayBuffer): the threaded build still loads, the fallback detection reports no
//! shared memory, spawning a shared-memory worker is a typed error, and the futex layer on the
//! main thread still returns its typed error instead of trapping.
//! Run by scripts/test-web.sh ("no-isolation" mode).
#![cfg(all(target_arch = "wasm32", target_feature = "atomics"))]

mod web_common;

use portalis_primitives::futex::{self, WaitError, WaitResult};
use portalis_primitives::sync::atomic::AtomicU32;
use portalis_scheduler::web::{self, SpawnError};
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

#[wasm_bindgen_test]
async fn spawn_is_a_typed_error_without_shared_memory() {
    let r = web::spawn(|| {}).await;
    assert_eq!(r.err(), Some(SpawnError::NoSharedMemory));
}

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
