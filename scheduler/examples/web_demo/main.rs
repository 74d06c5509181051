//! The browser demo (`make web-demo`, scripts/web-demo.sh): a Mandelbrot set rendered in
//! parallel by registered tasks on a `web::TaskPool`, which is a shared-memory Web Worker pool
//! on a cross-origin-isolated page and a message-passing pool on a plain one. The page
//! (`index.html`) shows the mode, the worker count and the live throughput, and compares the
//! parallel result with a single-threaded render. `async_api.rs` exports the async variants
//! (lock, permit, message, executor result) as Promise-returning methods of `AsyncDemo`.
//! Natively this example is empty.
#![cfg_attr(
    not(all(target_arch = "wasm32", target_feature = "atomics")),
    allow(dead_code)
)]

#[cfg(all(target_arch = "wasm32", target_feature = "atomics"))]
#[path = "async_api.rs"]
pub mod async_api;

#[cfg(all(target_arch = "wasm32", target_feature = "atomics"))]
/// The demo's task and its JS-facing pool.
pub mod demo {
    use portalis_scheduler::web::{self, RemoteTask, TaskPool};
    use std::rc::Rc;
    use wasm_bindgen::prelude::*;

    /// Rows `y0..y1` of a `w`×`h` Mandelbrot image, `max_iter` iterations at most: the
    /// iteration count of every pixel, row by row.
    #[derive(Debug)]
    pub struct MandelRows;
    impl RemoteTask for MandelRows {
        const NAME: &'static str = "mandel_rows";
        type Input = (u32, u32, u32, u32, u32);
        type Output = Vec<u32>;
        fn run((w, h, y0, y1, max_iter): Self::Input) -> Result<Vec<u32>, String> {
            if w == 0 || h == 0 || y0 > y1 || y1 > h {
                return Err(format!("bad rows {y0}..{y1} of {w}x{h}"));
            }
            Ok(rows(w, h, y0, y1, max_iter))
        }
    }

    fn rows(w: u32, h: u32, y0: u32, y1: u32, max_iter: u32) -> Vec<u32> {
        let mut out = Vec::with_capacity(((y1 - y0) * w) as usize);
        for y in y0..y1 {
            let ci = -1.2 + 2.4 * f64::from(y) / f64::from(h);
            for x in 0..w {
                let cr = -2.2 + 3.2 * f64::from(x) / f64::from(w);
                let (mut zr, mut zi, mut i) = (0.0f64, 0.0f64, 0);
                while i < max_iter && zr * zr + zi * zi <= 4.0 {
                    let t = zr * zr - zi * zi + cr;
                    zi = 2.0 * zr * zi + ci;
                    zr = t;
                    i += 1;
                }
                out.push(i);
            }
        }
        out
    }

    portalis_scheduler::remote_tasks![MandelRows];

    /// The demo's pool, as a JS class.
    #[wasm_bindgen]
    #[derive(Debug)]
    pub struct Demo {
        pool: Rc<TaskPool>,
    }

    #[wasm_bindgen]
    impl Demo {
        /// Builds the pool in the page's best mode (`threads` = 0: hardwareConcurrency).
        pub async fn create(threads: usize) -> Result<Demo, JsError> {
            let pool = TaskPool::new(portalis_task_table(), threads)
                .await
                .map_err(|e| JsError::new(&e.to_string()))?;
            Ok(Demo {
                pool: Rc::new(pool),
            })
        }

        /// "shared memory", "message passing" or "single thread".
        pub fn mode(&self) -> String {
            self.pool.mode().name().into()
        }

        /// Worker count.
        pub fn workers(&self) -> usize {
            self.pool.num_workers()
        }

        /// Rows `y0..y1` on some worker; resolves with their iteration counts (Uint32Array).
        pub fn rows(&self, w: u32, h: u32, y0: u32, y1: u32, max_iter: u32) -> js_sys::Promise {
            let pool = self.pool.clone();
            wasm_bindgen_futures::future_to_promise(async move {
                pool.run::<MandelRows>((w, h, y0, y1, max_iter))
                    .await
                    .map(|v| js_sys::Uint32Array::from(&v[..]).into())
                    .map_err(|e| JsError::new(&e.to_string()).into())
            })
        }
    }

    /// Blocking-style code on the page's main thread (issue 17, ADR 110): inside
    /// `web::run_blocking`, one band rendered by a worker and awaited with `web::block_on`,
    /// which suspends the wasm call through JSPI until the worker's reply arrives. Resolves
    /// with `{ canSuspend, suspensions, checksum }` (JSPI missing: `canSuspend` false and the
    /// blocking call returns its typed error instead).
    #[wasm_bindgen]
    pub fn blocking_band(demo: &Demo, w: u32, h: u32, max_iter: u32) -> js_sys::Promise {
        let pool = demo.pool.clone();
        web::run_blocking(move || {
            let can = web::can_suspend();
            let before = portalis_primitives::futex::suspensions();
            let band = web::block_on(pool.run::<MandelRows>((w, h, 0, 8, max_iter)))
                .map_err(|e| JsError::new(&e.to_string()))?
                .map_err(|e| JsError::new(&e.to_string()))?;
            let out = js_sys::Object::new();
            let set = |k: &str, v: JsValue| js_sys::Reflect::set(&out, &k.into(), &v);
            set("canSuspend", can.into())?;
            let n = portalis_primitives::futex::suspensions() - before;
            set("suspensions", (n as f64).into())?;
            let sum: u64 = band.iter().map(|&n| u64::from(n)).sum();
            set("checksum", (sum as f64).into())?;
            Ok(out.into())
        })
    }

    /// The same rows on the calling thread (the reference the page checks the pool against).
    #[wasm_bindgen]
    pub fn rows_here(w: u32, h: u32, y0: u32, y1: u32, max_iter: u32) -> Vec<u32> {
        rows(w, h, y0, y1, max_iter)
    }
}
