//! Browser, shared memory, test thread = a dedicated Web Worker: the scheduler's and the
//! executor's portable test suites (`tests/pool.rs`, `tests/executor.rs`, unchanged bodies)
//! on pools whose threads are Web Workers (`Backend::WebWorkers`, ADR 070).
//! Run by scripts/test-web.sh ("worker" mode, cross-origin isolated).
//!
//! Each `#[test]` of those files is re-attributed here (a nightly declarative attribute macro,
//! `macro_attr`: the browser build is nightly anyway) into an async wasm-bindgen test that
//! first tops up the worker reservoir with `web::prestart` and then runs the body unchanged.
//! The synchronous `ThreadPoolBuilder::build` in the bodies takes booted workers from there:
//! a worker cannot boot while its creator blocks (BROWSER.md §1.6).
#![cfg(all(target_arch = "wasm32", target_feature = "atomics"))]
#![cfg_attr(
    all(target_arch = "wasm32", target_feature = "atomics"),
    feature(macro_attr)
)]

use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_dedicated_worker);

/// Idle workers every test may use at once: `join_tree_every_thread_count` builds an 8-thread
/// pool while the global pool (built by the first test that needs it) keeps 2.
const RESERVOIR: usize = 10;

/// Tops up the reservoir (a no-op once it holds `RESERVOIR` idle workers).
async fn ensure_workers() {
    portalis_scheduler::web::prestart(RESERVOIR, portalis_scheduler::web::DEFAULT_WORKER_STACK)
        .await
        .expect("boot the pool's Web Workers");
}

/// `#[test]` for the included files: an async browser test that boots workers first.
macro_rules! browser_test_attr {
    // An ignored test (the browser-only `cfg_attr` ignores are expanded by now). `tt`, not
    // `literal`: wasm-bindgen-test's parser must see the bare string token.
    attr() (#[ignore = $why:tt] $(#[$m:meta])* fn $name:ident() $body:block) => {
        #[::wasm_bindgen_test::wasm_bindgen_test]
        #[ignore = $why]
        $(#[$m])*
        async fn $name() {
            $body
        }
    };
    attr() ($(#[$m:meta])* fn $name:ident() $body:block) => {
        #[::wasm_bindgen_test::wasm_bindgen_test]
        $(#[$m])*
        async fn $name() {
            $crate::ensure_workers().await;
            $body
        }
    };
}
pub(crate) use browser_test_attr as browser_test;

#[path = "pool.rs"]
mod pool;

#[path = "executor.rs"]
mod executor;

/// The backend the suites above ran on: Web Workers, not the inline fallback.
#[wasm_bindgen_test]
async fn pools_here_are_web_worker_pools() {
    use portalis_scheduler::{Backend, ThreadPoolBuilder};
    assert_eq!(Backend::detect(), Backend::WebWorkers);
    let pool = ThreadPoolBuilder::new()
        .num_threads(2)
        .build_async()
        .await
        .unwrap();
    // Two different workers ran the two halves: each reports its own pool index.
    let mut seen = pool.broadcast(|ctx| ctx.index());
    seen.sort_unstable();
    assert_eq!(seen, vec![0, 1]);
}
