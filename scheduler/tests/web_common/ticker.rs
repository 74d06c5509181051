//! A JS ticker for the JSPI tests and rows (ADR 110): a 1 ms `setInterval` that counts into a
//! shared word (and notifies it), plus a `requestAnimationFrame` counter. Timer callbacks run
//! only while the page's main thread is free, so a worker that waits for the word to move
//! proves the main thread turned its event loop (was suspended, not spinning).

use portalis_primitives::futex;
use portalis_primitives::sync::atomic::{AtomicU32, Ordering::SeqCst};
use std::sync::Arc;
use std::time::Duration;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(inline_js = r#"
let timer = 0, frames = 0, raf = 0;
export function ticker_start(memory, addr) {
  frames = 0;
  timer = setInterval(() => {
    const v = new Int32Array(memory.buffer);
    Atomics.add(v, addr >>> 2, 1);
    Atomics.notify(v, addr >>> 2);
  }, 1);
  const frame = () => { frames++; raf = requestAnimationFrame(frame); };
  raf = requestAnimationFrame(frame);
}
export function ticker_stop() {
  clearInterval(timer);
  cancelAnimationFrame(raf);
  return frames;
}
"#)]
extern "C" {
    fn ticker_start(memory: &JsValue, addr: u32);
    fn ticker_stop() -> u32;
}

/// Timer ticks (1 ms interval) counted while a closure ran; a worker waits for it to move.
pub struct Ticker(Arc<AtomicU32>);

impl Ticker {
    pub fn new() -> Self {
        Ticker(Arc::new(AtomicU32::new(0)))
    }
    pub fn start(&self) {
        ticker_start(&wasm_bindgen::memory(), self.0.as_ptr() as u32);
    }
    /// Stops the ticker; returns (timer ticks, animation frames) seen since `start`.
    pub fn stop(&self) -> (u32, u32) {
        let frames = ticker_stop();
        (self.0.load(SeqCst), frames)
    }
    /// A handle for a worker: blocks until the ticker has fired once, i.e. until the main
    /// thread turned its event loop.
    pub fn gate(&self) -> Gate {
        Gate(self.0.clone())
    }
}

/// The worker side of a [`Ticker`].
pub struct Gate(Arc<AtomicU32>);

impl Gate {
    /// Blocks this worker until the main thread's ticker fired, then naps `ms`.
    pub fn pass_then_nap(&self, ms: u64) {
        while self.0.load(SeqCst) == 0 {
            let _ = futex::wait(&self.0, 0, None);
        }
        let dummy = AtomicU32::new(0);
        let _ = futex::wait(&dummy, 0, Some(Duration::from_millis(ms)));
    }
}
