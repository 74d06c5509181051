//! The threading backend behind the pool: how worker threads come to exist.
//!
//! [`Backend::detect`] picks one at run time. Native targets (and WASI with threads, where
//! `std::thread` maps onto wasi-threads) use [`Backend::Native`]; a target without threads
//! (or a thread that may not block, such as a browser main thread) gets
//! [`Backend::NoThreads`], where pools have no threads and every operation runs inline on the
//! caller. The threaded browser build on a cross-origin-isolated page (or in one of its
//! workers) gets [`Backend::WebWorkers`]: pool threads are Web Workers on the shared memory,
//! taken from the reservoir of `web::threads` (ADR 070). A page that is not isolated has no
//! shared memory: pools there run inline, and `web::TaskPool` runs registered tasks over
//! postMessage instead.

use portalis_primitives::futex;
use portalis_primitives::sync::thread;
use std::io;

/// Where and how the pool's threads run.
///
/// # Examples
/// ```
/// use portalis_scheduler::Backend;
/// let b = Backend::detect();
/// assert!(b.default_num_threads() >= 1 || b == Backend::NoThreads);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Backend {
    /// `std::thread` (native OS threads; wasi-threads under WASI).
    Native,
    /// No threads can be spawned or blocked on: pools run every job inline on the caller.
    NoThreads,
    /// Web Workers sharing this module's `WebAssembly.Memory` (threaded browser build on a
    /// cross-origin-isolated page). Workers must be booted asynchronously first:
    /// `ThreadPoolBuilder::build_async` does it.
    WebWorkers,
}

/// A spawned pool thread, joinable.
pub(crate) enum ThreadHandle {
    Native(thread::JoinHandle<()>),
    #[cfg(all(target_arch = "wasm32", target_feature = "atomics"))]
    Web(crate::web_rt::WebThread),
}

impl ThreadHandle {
    /// Waits for the thread's closure to return.
    pub(crate) fn join(self) {
        match self {
            ThreadHandle::Native(h) => {
                let _ = h.join();
            }
            #[cfg(all(target_arch = "wasm32", target_feature = "atomics"))]
            ThreadHandle::Web(h) => h.join(),
        }
    }
}

/// Most Web Workers a default-sized browser pool starts (`navigator.hardwareConcurrency`
/// above this is capped: each worker costs a stack in the shared memory and a JS realm).
pub const MAX_DEFAULT_WEB_WORKERS: usize = 16;

impl Backend {
    /// Detects the backend for the current target and thread.
    pub fn detect() -> Backend {
        #[cfg(all(target_arch = "wasm32", target_feature = "atomics"))]
        if crate::web_rt::shared_memory_available() {
            // Even on the page's main thread: the workers block, the main thread never does.
            return Backend::WebWorkers;
        }
        if cfg!(portalis_no_threads) || !futex::can_block() {
            Backend::NoThreads
        } else {
            Backend::Native
        }
    }

    /// The default worker count: available parallelism (at least 1), 0 without threads.
    pub fn default_num_threads(&self) -> usize {
        match self {
            Backend::Native => {
                if let Some(n) = std::env::var("PORTALIS_NUM_THREADS")
                    .ok()
                    .and_then(|s| s.parse::<usize>().ok())
                    .filter(|&n| n > 0)
                {
                    return n;
                }
                std::thread::available_parallelism().map_or(1, |n| n.get())
            }
            Backend::NoThreads => 0,
            Backend::WebWorkers => hardware_concurrency().clamp(1, MAX_DEFAULT_WEB_WORKERS),
        }
    }

    /// Spawns one worker thread. `stack_size`: `None` = the backend's default
    /// (`DEFAULT_STACK_SIZE` natively; any booted worker in the browser).
    pub(crate) fn spawn(
        &self,
        name: Option<String>,
        stack_size: Option<usize>,
        f: impl FnOnce() + Send + 'static,
    ) -> io::Result<ThreadHandle> {
        match self {
            Backend::Native => {
                let mut b = thread::Builder::new();
                if let Some(name) = name {
                    b = b.name(name);
                }
                if let Some(s) = stack_size {
                    b = b.stack_size(s);
                }
                b.spawn(f).map(ThreadHandle::Native)
            }
            #[cfg(all(target_arch = "wasm32", target_feature = "atomics"))]
            Backend::WebWorkers => {
                let _ = name; // a Web Worker's name is fixed when it boots
                crate::web_rt::spawn_thread(Box::new(f), stack_size, None)
                    .map(ThreadHandle::Web)
                    .map_err(io::Error::other)
            }
            #[cfg(not(all(target_arch = "wasm32", target_feature = "atomics")))]
            Backend::WebWorkers => Err(io::Error::new(
                io::ErrorKind::Unsupported,
                "Web Workers exist only in the threaded browser build",
            )),
            Backend::NoThreads => Err(io::Error::new(
                io::ErrorKind::Unsupported,
                "this target has no threads",
            )),
        }
    }
}

/// `navigator.hardwareConcurrency` (1 where unknown or outside a browser).
fn hardware_concurrency() -> usize {
    #[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
    {
        let nav = js_sys::Reflect::get(&js_sys::global(), &"navigator".into())
            .unwrap_or(wasm_bindgen::JsValue::UNDEFINED);
        js_sys::Reflect::get(&nav, &"hardwareConcurrency".into())
            .ok()
            .and_then(|v| v.as_f64())
            .map_or(1, |n| n as usize)
    }
    #[cfg(not(all(target_arch = "wasm32", target_os = "unknown")))]
    {
        1
    }
}
