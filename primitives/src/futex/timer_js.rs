//! [`sleep_until`] in the browser (`wasm32-unknown-unknown`, with or without atomics): a JS
//! `setTimeout` on the awaiting task's own thread resolves a promise at the deadline
//! (ADR 122). The page's or worker's event loop does the waiting; no thread, no polling.
//! Timers fire no earlier than asked, but `performance.now()` is coarsened (to 5–100 µs), so
//! the loop re-checks the clock and sleeps again for a rounding remainder.
//!
//! A sleep dropped before its timer fired clears the timer (`clearTimeout`, ADR 125): the
//! event loop then holds nothing of it (neither the timer nor, through it, the promise and
//! the future's callbacks) until the old deadline, and no dead promise is resolved later.

use crate::time::Instant;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

#[wasm_bindgen]
extern "C" {
    /// The global `setTimeout`, present in windows and workers alike.
    #[wasm_bindgen(js_name = setTimeout)]
    fn set_timeout(callback: &js_sys::Function, ms: i32) -> JsValue;
    /// The global `clearTimeout`.
    #[wasm_bindgen(js_name = clearTimeout)]
    fn clear_timeout(id: &JsValue);
}

/// A future that resolves after a number of milliseconds through the event loop's
/// `setTimeout` ([`sleep_ms`]); dropping it before then clears the timer.
pub(super) struct Sleep {
    /// The timer's id while it may still fire; `None` once it fired (seen in `poll`).
    timer: Option<JsValue>,
    /// The promise the timer resolves.
    fired: JsFuture,
}

/// A future that resolves after `ms` milliseconds through the event loop's `setTimeout`.
pub(super) fn sleep_ms(ms: i32) -> Sleep {
    let mut timer = None;
    let promise = js_sys::Promise::new(&mut |resolve, _reject| {
        timer = Some(set_timeout(&resolve, ms));
    });
    Sleep {
        timer,
        fired: JsFuture::from(promise),
    }
}

impl Future for Sleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        match Pin::new(&mut self.fired).poll(cx) {
            Poll::Ready(_) => {
                self.timer = None; // fired: nothing to clear
                Poll::Ready(())
            }
            Poll::Pending => Poll::Pending,
        }
    }
}

impl Drop for Sleep {
    fn drop(&mut self) {
        if let Some(id) = self.timer.take() {
            clear_timeout(&id);
        }
    }
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
