//! Browser, shared memory, test thread = a dedicated Web Worker: the scheduler's, the
//! executor's and the rayon-core compatibility portable test suites (`tests/pool.rs`,
//! `tests/executor.rs`, `tests/rayon_compat.rs`, unchanged bodies) on pools whose threads
//! are Web Workers (`Backend::WebWorkers`, ADR 070).
//! Run by scripts/test-web.sh ("worker" mode, cross-origin isolated).
//!
//! Each `#[test]` of those files is re-attributed here (a nightly declarative attribute macro,
//! `macro_attr`: the browser build is nightly anyway) into an async wasm-bindgen test that
//! first tops up the worker reservoir with `web::prestart` and then runs the body unchanged.
//! The synchronous `ThreadPoolBuilder::build` in the bodies takes booted workers from there:
//! a worker cannot boot while its creator blocks (docs/notes/browser.md §1.6).
#![cfg(all(target_arch = "wasm32", target_feature = "atomics"))]
#![cfg_attr(
    all(target_arch = "wasm32", target_feature = "atomics"),
    feature(macro_attr)
)]

use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_dedicated_worker);

/// Idle workers every test may use at once: `join_tree_every_thread_count` builds pools of 1,
/// 2, 3 and 8 threads in a row, and a dropped pool's workers return to the reservoir only
/// once they have left its loop (drop does not wait), so up to 14 can be out at once.
const RESERVOIR: usize = 16;

/// Tops up the reservoir (a no-op once it holds `RESERVOIR` idle workers).
async fn ensure_workers() {
    portalis_scheduler::web::prestart(RESERVOIR, portalis_scheduler::web::DEFAULT_WORKER_STACK)
        .await
        .expect("boot the pool's Web Workers");
}

/// `#[test]` for the included files: an async browser test that boots workers first.
macro_rules! browser_test_attr {
    // An ignored test (the browser-only `cfg_attr` ignores are expanded by now), possibly
    // documented: the item's doc comments (`#[doc = ..]`, written above `#[test]`) come first.
    // `tt`, not `literal`: wasm-bindgen-test's parser must see the bare string token.
    attr() (
        $(#[doc = $doc:tt])* #[ignore = $why:tt] $(#[$m:meta])* fn $name:ident() $body:block
    ) => {
        #[::wasm_bindgen_test::wasm_bindgen_test]
        #[ignore = $why]
        $(#[doc = $doc])*
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

#[path = "rayon_compat.rs"]
mod rayon_compat;

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

mod web_common;

/// A pool worker whose job panics (a trap) is reported to its creator, here a dedicated worker,
/// and replaced; the pending `install_async` rejects (see
/// `web_common::pool_worker_death_is_reported_and_replaced`).
#[wasm_bindgen_test]
async fn a_pool_worker_that_dies_is_reported_and_replaced_from_a_worker() {
    web_common::pool_worker_death_is_reported_and_replaced().await;
}

/// A blocking `install` from another worker whose job dies gets `WorkerDied` (ADR 113; see
/// `web_common::deaths`).
#[wasm_bindgen_test]
async fn a_blocking_install_whose_job_dies_gets_worker_died() {
    web_common::deaths::blocking_install_from_a_worker_gets_worker_died().await;
}

/// A join owner whose stolen half dies gets `WorkerDied`; `shutdown(true)` on the creating
/// thread returns (ADR 113; see `web_common::deaths`).
#[wasm_bindgen_test]
async fn a_join_whose_stolen_half_dies_gets_worker_died() {
    web_common::deaths::join_owner_of_a_dead_half_gets_worker_died().await;
}

/// After a join's thief and owner died, `shutdown` on the creating thread itself returns
/// (ADR 124; see `web_common::deaths`).
#[wasm_bindgen_test]
async fn a_join_whose_half_dies_then_the_creator_shuts_down() {
    web_common::deaths::join_owner_dies_then_the_creator_shuts_down().await;
}

/// 20 pool-worker deaths in a row leave the shared memory flat: dead stacks are freed (ADR
/// 123; see `web_common::deaths`).
#[wasm_bindgen_test]
async fn a_repeated_worker_death_leaves_memory_flat() {
    web_common::deaths::repeated_deaths_leave_memory_flat().await;
}

/// A scope whose spawned job dies gets `WorkerDied` (ADR 113; see `web_common::deaths`).
#[wasm_bindgen_test]
async fn a_scope_whose_job_dies_gets_worker_died() {
    web_common::deaths::scope_owner_of_a_dead_job_gets_worker_died().await;
}

/// A broadcast whose job on another worker dies gets `WorkerDied` (ADR 113; see
/// `web_common::deaths`).
#[wasm_bindgen_test]
async fn a_broadcast_whose_job_dies_gets_worker_died() {
    web_common::deaths::broadcast_with_a_dead_job_gets_worker_died().await;
}

/// The registered-task suite on the shared-memory pool (the same task types the
/// message-passing mode runs in `web_no_isolation.rs`).
#[wasm_bindgen_test]
async fn task_pool_runs_registered_tasks_on_shared_memory() {
    use portalis_scheduler::web::{Mode, TaskPool};
    use web_common::tasks::*;
    ensure_workers().await;
    assert_eq!(Mode::detect(), Mode::SharedMemory);
    let pool = TaskPool::new(portalis_task_table(), 2).await.unwrap();
    assert_eq!(pool.mode(), Mode::SharedMemory);
    assert!(common_suite(&pool).await > 5);
    pool.shutdown().await;
}

/// The message-passing pool also works on an isolated page (and from a worker): the same
/// suite plus the failure cases.
#[wasm_bindgen_test]
async fn task_pool_message_passing_from_a_worker() {
    use portalis_scheduler::web::{Mode, TaskPool};
    use web_common::tasks::*;
    let pool = TaskPool::with_mode(Mode::MessagePassing, portalis_task_table(), 2)
        .await
        .unwrap();
    assert!(common_suite(&pool).await + remote_suite(&pool).await > 20);
    pool.shutdown().await;
}

/// Two tables that differ in one row's types have different fingerprints (what a worker
/// booted from a stale build is caught by).
#[wasm_bindgen_test]
fn task_table_fingerprint_covers_names_and_types() {
    use portalis_scheduler::web::{TaskEntry, TaskTable};
    use web_common::tasks::*;
    let a = TaskTable(vec![TaskEntry::of::<Sum>(), TaskEntry::of::<Fail>()]);
    let b = TaskTable(vec![TaskEntry::of::<Sum>(), TaskEntry::of::<Boom>()]);
    let c = TaskTable(vec![TaskEntry::of::<Fail>(), TaskEntry::of::<Sum>()]);
    assert_eq!(a.fingerprint(), a.clone().fingerprint());
    assert_ne!(a.fingerprint(), b.fingerprint());
    assert_ne!(a.fingerprint(), c.fingerprint());
    assert_eq!(
        portalis_task_table().fingerprint(),
        portalis_task_table().fingerprint()
    );
}

/// Bad input: a stack size that is not a multiple of 64 KiB is refused with a clear error.
#[wasm_bindgen_test]
async fn stack_size_not_a_multiple_of_64k_is_an_error() {
    use portalis_scheduler::ThreadPoolBuilder;
    let e = ThreadPoolBuilder::new()
        .num_threads(1)
        .stack_size(100_000)
        .build_async()
        .await
        .unwrap_err();
    assert!(e.to_string().contains("64 KiB"), "{e}");
    assert!(matches!(
        portalis_scheduler::web::prestart(1, 3 << 10).await,
        Err(portalis_scheduler::web::SpawnError::BadStackSize(3072))
    ));
}

/// A synchronous build with no booted worker is a typed error naming the async builder (not
/// a deadlock: the worker could never boot while this thread blocks).
#[wasm_bindgen_test]
async fn sync_build_without_booted_workers_names_build_async() {
    use portalis_scheduler::ThreadPoolBuilder;
    // More workers than the reservoir holds, with a stack no booted worker has.
    let e = ThreadPoolBuilder::new()
        .num_threads(1)
        .stack_size(64 << 20)
        .build()
        .unwrap_err();
    assert!(e.to_string().contains("build_async"), "{e}");
}

/// The shared memory's size in bytes (it never shrinks: flat means "stopped growing").
fn memory_bytes() -> u32 {
    use wasm_bindgen::JsCast;
    let m: js_sys::WebAssembly::Memory = wasm_bindgen::memory().unchecked_into();
    m.buffer()
        .unchecked_into::<js_sys::SharedArrayBuffer>()
        .byte_length()
}

/// Lifecycle: 20 cycles of boot → pool → work → shutdown → stop the workers leave the memory
/// flat (each stopped worker frees its stack and TLS with `__wbindgen_thread_destroy`, so the
/// next cycle's workers reuse them); the bootstrap's blob URL is revoked when no worker of
/// this thread is left; building again afterwards works.
#[wasm_bindgen_test]
async fn build_shutdown_cycles_leave_memory_flat() {
    use portalis_scheduler::{join, web, ThreadPoolBuilder};
    let mut sizes = Vec::new();
    for _ in 0..20 {
        let pool = ThreadPoolBuilder::new()
            .num_threads(2)
            .stack_size(1 << 20)
            .build_async()
            .await
            .unwrap();
        assert_eq!(pool.install(|| join(|| 1, || 2)), (1, 2));
        pool.shutdown(true);
        let report = web::shutdown_workers().await;
        assert!(report.stopped >= 2, "{report:?}");
        if report.busy == 0 {
            assert_eq!(web::bootstrap_urls_held(), 0);
        }
        sizes.push(memory_bytes());
    }
    // 2 stacks of 1 MiB per cycle: without the frees, 15 cycles would grow it by 30 MiB.
    assert_eq!(
        sizes[4], sizes[19],
        "memory grew over the cycles: {sizes:?}"
    );
    let pool = ThreadPoolBuilder::new()
        .num_threads(2)
        .build_async()
        .await
        .unwrap();
    assert_eq!(pool.install(|| join(|| 3, || 4)), (3, 4));
}
