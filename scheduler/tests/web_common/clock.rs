//! A clock and an event-loop sleep for the browser tests (any build: with or without atomics).
#![allow(dead_code, unreachable_pub)] // Each test binary uses a subset.

use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = performance, js_name = now)]
    fn performance_now() -> f64;
    #[wasm_bindgen(js_name = setTimeout)]
    fn set_timeout(callback: &js_sys::Function, ms: i32) -> JsValue;
}

/// `performance.now()` in ms (`std::time::Instant` panics on this target).
pub fn now_ms() -> f64 {
    performance_now()
}

/// Yields to the event loop for `ms` (the page stays responsive while tests await this).
pub async fn sleep_ms(ms: i32) {
    let p = js_sys::Promise::new(&mut |resolve, _| {
        let _ = set_timeout(&resolve, ms);
    });
    let _ = wasm_bindgen_futures::JsFuture::from(p).await;
}
