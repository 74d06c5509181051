//! [`sleep_until`] in the browser (`wasm32-unknown-unknown`, with or without atomics): a JS
//! `setTimeout` on the awaiting task's own thread resolves a promise at the deadline
//! (ADR 122). The page's or worker's event loop does the waiting; no thread, no polling.
//! Timers fire no earlier than asked, but `performance.now()` is coarsened (to 5–100 µs), so
//! the loop re-checks the clock and sleeps again for a rounding remainder.

use crate::time::Instant;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    /// The global `setTimeout`, present in windows and workers alike.
    #[wasm_bindgen(js_name = setTimeout)]
    fn set_timeout(callback: &js_sys::Function, ms: i32) -> JsValue;
}

/// A future that resolves after `ms` milliseconds through the event loop's `setTimeout`.
pub(super) async fn sleep_ms(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _reject| {
        let _ = set_timeout(&resolve, ms);
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

/// Sleeps until `deadline` on this thread's event loop.
pub(crate) async fn sleep_until(deadline: Instant) {
    loop {
        let now = Instant::now();
        if now >= deadline {
            return;
        }
        // Whole milliseconds, rounded up; a browser caps a timer at 2³¹−1 ms (≈ 24.8 days),
        // so a longer sleep goes round the loop again.
        let ms = (deadline - now).as_secs_f64() * 1e3;
        sleep_ms(ms.ceil().min(i32::MAX as f64) as i32).await;
    }
}

/// No timer thread here: nothing to join (`timer_thread.rs` has the real one).
pub fn join_idle_timer() {}
