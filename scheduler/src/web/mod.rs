//! A minimal shared-memory Web Worker spawner for the browser build (`wasm32` + `atomics`):
//! `std::thread::spawn` is unsupported there, so a "thread" is a module Web Worker that
//! instantiates this same module on the page's shared `WebAssembly.Memory` and runs one boxed
//! Rust closure (mode A of docs/notes/browser.md).
//!
//! # A worker's life
//! 1. [`spawn`] boxes the closure, creates `new Worker(blob, {type: "module"})` from the
//!    bootstrap inlined by `wasm_bindgen::link_to!` (`bootstrap.js`), and posts
//!    `{t: "portalis:boot", glue: import.meta.url, module, memory, work: <box address>}`.
//! 2. The worker imports the glue, instantiates it on the shared memory (new stack + TLS),
//!    posts `portalis:ready` and calls [`portalis_web_worker_entry`], which runs the closure
//!    and then sets the handle's `done` word (Release) and wakes it.
//! 3. JS then calls `__wbindgen_thread_destroy()` (frees the stack and TLS) and `close()`.
//!
//! `spawn` is `async` because a worker does not start while its creator spins or blocks: the
//! creating thread must return to its event loop until the worker is ready.
//!
//! Limits: no pool, no panics carried across (the build is `panic=abort`: a panicking closure
//! traps its worker; the bootstrap then reports it, see `threads.rs` and ADR 115), no termination of a running worker (killing a
//! worker that may hold std's allocator lock can freeze the page, docs/notes/browser.md §6).

#[cfg(target_feature = "atomics")]
use portalis_primitives::futex::{self, WaitError};
#[cfg(target_feature = "atomics")]
use portalis_primitives::sync::atomic::{
    AtomicU32,
    Ordering::{Acquire, Release},
};
#[cfg(target_feature = "atomics")]
use portalis_primitives::sync::Arc;
use wasm_bindgen::prelude::*;
#[cfg(target_feature = "atomics")]
use wasm_bindgen::JsCast;

#[wasm_bindgen]
extern "C" {
    /// `import.meta.url` of the glue module: the URL a worker imports to instantiate us.
    #[wasm_bindgen(thread_local_v2, js_namespace = ["import", "meta"], js_name = url)]
    pub(crate) static GLUE_URL: String;
}

#[cfg(target_feature = "atomics")]
thread_local! {
    /// The URL workers start from: a revocable one-line module importing the bootstrap (see
    /// [`revocable_module_url`]); [`revoke_bootstrap_url`] revokes it, the next spawn makes a
    /// new one.
    static BOOTSTRAP_URL: core::cell::RefCell<Option<String>> = const { core::cell::RefCell::new(None) };
    /// `link_to!`'s own blob URL for the bootstrap. The glue evaluates it once per instance
    /// and returns the same URL on every call (measured: a spawn after revoking it failed to
    /// load), so it is never revoked: one per thread, not one per pool.
    static LINKED_BOOTSTRAP: String = wasm_bindgen::link_to!(module = "/src/web/bootstrap.js");
}

/// A blob URL of a one-line module that imports `linked`: revoking it frees only this small
/// blob, and `linked` (which the glue caches) stays valid for the next pool.
pub(crate) fn revocable_module_url(linked: &str) -> Result<String, JsValue> {
    let src = format!(
        "import {};\n",
        js_sys::JSON::stringify(&linked.into())?
            .as_string()
            .unwrap_or_default()
    );
    let opts = web_sys::BlobPropertyBag::new();
    opts.set_type("text/javascript");
    let blob = web_sys::Blob::new_with_str_sequence_and_options(
        &js_sys::Array::of1(&JsValue::from_str(&src)),
        &opts,
    )?;
    web_sys::Url::create_object_url_with_blob(&blob)
}

#[cfg(target_feature = "atomics")]
fn bootstrap_url() -> Result<String, JsValue> {
    BOOTSTRAP_URL.with(|u| {
        let mut u = u.borrow_mut();
        if u.is_none() {
            *u = Some(LINKED_BOOTSTRAP.with(|l| revocable_module_url(l))?);
        }
        Ok(u.clone().unwrap_or_default())
    })
}

/// Revokes this thread's bootstrap blob URL (after its workers have booted: a booted worker
/// no longer needs it). Returns whether there was one.
#[cfg(target_feature = "atomics")]
pub fn revoke_bootstrap_url() -> bool {
    match BOOTSTRAP_URL.with(|u| u.borrow_mut().take()) {
        Some(url) => {
            let _ = web_sys::Url::revoke_object_url(&url);
            true
        }
        None => false,
    }
}

/// How many bootstrap blob URLs this thread currently holds (0 or 1; a test hook).
#[cfg(target_feature = "atomics")]
pub fn bootstrap_urls_held() -> usize {
    BOOTSTRAP_URL.with(|u| usize::from(u.borrow().is_some()))
}

/// Why [`spawn`] failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SpawnError {
    /// The page is not cross-origin isolated (no COOP/COEP headers), so memory cannot be
    /// shared with a worker; use the postMessage fallback instead.
    #[error("no shared memory: the page is not cross-origin isolated (serve it with COOP same-origin and COEP require-corp)")]
    NoSharedMemory,
    /// The browser refused to create or boot the worker (an instantiation error, ...); the
    /// message is the browser's.
    #[error("the web worker could not start: {0}")]
    Worker(String),
    /// The page's Content-Security-Policy does not allow `blob:` workers (or the browser
    /// refused the blob worker without a reason, which is what a CSP refusal looks like from
    /// the page: an `error` event with no message).
    #[error("the browser refused to load the blob: worker{}; if the page has a Content-Security-Policy, allow it with the directive `worker-src 'self' blob:` (and `script-src 'self' 'wasm-unsafe-eval'`)", if .0.is_empty() { String::new() } else { format!(" ({})", .0) })]
    BlobWorkersForbidden(String),
    /// No booted Web Worker waits in the reservoir (with a stack of at least `min_stack`
    /// bytes): workers boot only after their creator returns to the event loop, so a
    /// synchronous build cannot create them.
    #[error("no idle Web Worker (stack >= {min_stack} bytes) is ready: build the pool with `ThreadPoolBuilder::build_async().await` or call `web::prestart(n, stack).await` first")]
    NoIdleWorker {
        /// The stack size asked for (0 = any).
        min_stack: usize,
    },
    /// A worker stack size that is zero, not a multiple of 64 KiB, or above 4 GiB.
    #[error("stack size {0} bytes is not a non-zero multiple of 64 KiB (65536); round it up to a whole number of wasm pages")]
    BadStackSize(usize),
}

/// `true` when this context may share its memory with workers: it is cross-origin isolated
/// and has `SharedArrayBuffer`. Without it, the scheduler must use the postMessage fallback.
///
/// # Examples
/// ```no_run
/// if !portalis_scheduler::web::shared_memory_available() {
///     // serve the page with COOP/COEP, or use the copy-mode fallback
/// }
/// ```
pub fn shared_memory_available() -> bool {
    let global = js_sys::global();
    let isolated = js_sys::Reflect::get(&global, &"crossOriginIsolated".into())
        .ok()
        .and_then(|v| v.as_bool())
        .unwrap_or(false);
    let sab = js_sys::Reflect::get(&global, &"SharedArrayBuffer".into())
        .map(|v| v.is_function())
        .unwrap_or(false);
    // A build without atomics has an unshared memory: only the postMessage fallback works.
    cfg!(target_feature = "atomics") && isolated && sab
}

#[cfg(target_feature = "atomics")]
mod threads;
#[cfg(target_feature = "atomics")]
pub use threads::{
    freed_worker_stacks, idle_workers, prestart, replaced_workers, shutdown_workers, worker_deaths,
    ShutdownReport,
};
#[cfg(target_feature = "atomics")]
pub(crate) use threads::{spawn_thread, DeadStack, WebThread};

/// The work handed to a worker through linear memory.
#[cfg(target_feature = "atomics")]
struct Work {
    f: Box<dyn FnOnce() + Send + 'static>,
    done: Arc<AtomicU32>,
}

/// The entry the bootstrap calls in the new worker, with the address [`spawn`] posted.
///
/// Not for direct use: it is public only so wasm-bindgen exports it.
#[cfg(target_feature = "atomics")]
#[doc(hidden)]
#[wasm_bindgen]
pub fn portalis_web_worker_entry(work: u32) {
    // SAFETY: `work` is the address `spawn` obtained from `Box::into_raw(Box<Work>)` and
    // posted to exactly one worker, whose bootstrap calls this entry once; the shared memory
    // makes the allocation valid here, and nobody else frees it.
    let work = unsafe { Box::from_raw(work as usize as *mut Work) };
    let Work { f, done } = *work;
    f();
    // Release: pairs with the Acquire loads in `WorkerHandle::{is_finished, join, join_async}`.
    done.store(1, Release);
    futex::wake_all(&done);
}

/// A running worker: join it (blocking in a worker, async on the main thread).
#[cfg(target_feature = "atomics")]
#[derive(Debug)]
pub struct WorkerHandle {
    worker: web_sys::Worker,
    done: Arc<AtomicU32>,
    /// Resolves on `portalis:bye` (stack and TLS freed, about to close) or an error event.
    bye: js_sys::Promise,
    // Kept alive while the worker may still post to us; unregistered on drop.
    _on_message: Closure<dyn FnMut(web_sys::MessageEvent)>,
    _on_error: Closure<dyn FnMut(web_sys::Event)>,
}

#[cfg(target_feature = "atomics")]
impl WorkerHandle {
    /// `true` once the closure has returned.
    pub fn is_finished(&self) -> bool {
        // Acquire: pairs with the Release store in `portalis_web_worker_entry`.
        self.done.load(Acquire) != 0
    }

    /// Blocks until the closure has returned.
    ///
    /// # Errors
    /// [`WaitError::MainThreadCannotBlock`] on the page's main thread when the closure has not
    /// finished within the futex layer's spin budget (use [`join_async`](Self::join_async)).
    pub fn join(&self) -> Result<(), WaitError> {
        while !self.is_finished() {
            let _ = futex::wait(&self.done, 0, None)?;
        }
        Ok(())
    }

    /// Waits without blocking the thread until the closure has returned.
    ///
    /// Woken through the futex waker table (`futex::wait_future`: the worker's
    /// `futex::wake_all` calls the task's waker), one event-loop task after the worker's wake,
    /// where a `JsFuture` over `Atomics.waitAsync` took two (ADR 118).
    pub async fn join_async(&self) {
        while !self.is_finished() {
            futex::wait_future(&self.done, 0).await;
        }
    }
}

#[cfg(target_feature = "atomics")]
impl WorkerHandle {
    /// Resolves once the worker has freed its stack and TLS and is closing (after the closure
    /// returned), or once it died with an error event.
    pub async fn closed(&self) {
        let _ = wasm_bindgen_futures::JsFuture::from(self.bye.clone()).await;
    }
}

#[cfg(target_feature = "atomics")]
impl Drop for WorkerHandle {
    fn drop(&mut self) {
        // The worker keeps running its closure and exits by itself; we only stop listening.
        self.worker.set_onmessage(None);
        self.worker.set_onerror(None);
    }
}

/// Runs `f` in a new module Web Worker that shares this module's memory, and resolves once
/// the worker is ready (instantiated, about to call `f`).
///
/// Only available in the threaded browser build (`wasm32` + `atomics`) on a cross-origin
/// isolated page or worker.
///
/// # Examples
/// ```no_run
/// # async fn demo() {
/// use portalis_primitives::sync::atomic::{AtomicU32, Ordering::SeqCst};
/// use std::sync::Arc;
/// let n = Arc::new(AtomicU32::new(0));
/// let n2 = n.clone();
/// let h = portalis_scheduler::web::spawn(move || { n2.store(1, SeqCst); }).await.unwrap();
/// h.join_async().await;
/// assert_eq!(n.load(SeqCst), 1);
/// # }
/// ```
///
/// # Errors
/// [`SpawnError::NoSharedMemory`] when [`shared_memory_available`] is false;
/// [`SpawnError::Worker`] when the browser cannot create or boot the worker (the boxed
/// closure is then leaked, not freed: a worker that failed late might still own it);
/// [`SpawnError::BlobWorkersForbidden`] when a Content-Security-Policy forbids `blob:` workers.
#[cfg(target_feature = "atomics")]
pub async fn spawn<F>(f: F) -> Result<WorkerHandle, SpawnError>
where
    F: FnOnce() + Send + 'static,
{
    let (handle, ready) = start(Box::new(f), None, None)?;
    ready.await?;
    Ok(handle)
}

/// The worker's readiness: resolves on its `portalis:ready` message.
#[cfg(target_feature = "atomics")]
pub(crate) struct Ready(js_sys::Promise);

#[cfg(target_feature = "atomics")]
impl Ready {
    pub(crate) async fn await_ready(self) -> Result<(), SpawnError> {
        wasm_bindgen_futures::JsFuture::from(self.0)
            .await
            .map(drop)
            .map_err(|e| classify_boot_error(e.as_string().unwrap_or_else(|| format!("{e:?}"))))
    }
}

#[cfg(target_feature = "atomics")]
impl core::future::IntoFuture for Ready {
    type Output = Result<(), SpawnError>;
    type IntoFuture = core::pin::Pin<Box<dyn core::future::Future<Output = Self::Output>>>;
    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.await_ready())
    }
}

/// A CSP violation or a refused blob worker is reported by the browser as an error event with
/// little detail; name the directive so the page author knows what to change.
pub(crate) fn classify_boot_error(msg: String) -> SpawnError {
    let lower = msg.to_ascii_lowercase();
    if lower.contains("content security policy")
        || lower.contains("worker-src")
        || lower.contains("securityerror")
        || msg.is_empty()
        || msg == "undefined"
        || msg == "null"
        || msg == "JsValue(undefined)"
        || msg == "JsValue(null)"
    {
        SpawnError::BlobWorkersForbidden(msg)
    } else {
        SpawnError::Worker(msg)
    }
}

/// Creates the worker and posts its boot message; the worker starts once this thread returns
/// to its event loop, and the returned [`Ready`] resolves when it has instantiated the module.
/// `stack`: the worker's stack size (a non-zero multiple of 64 KiB; `None` = the glue's
/// default, 2 MiB). `on_died`: called (on this thread) with the error's text when the closure
/// trapped after the worker was ready (the bootstrap's `portalis:died`).
#[cfg(target_feature = "atomics")]
pub(crate) fn start(
    f: Box<dyn FnOnce() + Send + 'static>,
    stack: Option<usize>,
    mut on_died: Option<Box<dyn FnMut(String)>>,
) -> Result<(WorkerHandle, Ready), SpawnError> {
    if !shared_memory_available() {
        return Err(SpawnError::NoSharedMemory);
    }
    if let Some(s) = stack {
        check_stack_size(s)?;
    }
    let js_err = |e: JsValue| SpawnError::Worker(format!("{e:?}"));
    let opts = web_sys::WorkerOptions::new();
    opts.set_type(web_sys::WorkerType::Module);
    let worker = bootstrap_url()
        .and_then(|url| web_sys::Worker::new_with_options(&url, &opts))
        .map_err(|e| classify_boot_error(format!("{e:?}")))?;

    // Resolves on "portalis:ready", rejects on "portalis:error" or an error event.
    let (mut resolve, mut reject) = (None, None);
    let ready = js_sys::Promise::new(&mut |res, rej| {
        resolve = Some(res);
        reject = Some(rej);
    });
    let (resolve, reject) = (
        resolve.expect("set by Promise::new"),
        reject.expect("set by Promise::new"),
    );
    let reject2 = reject.clone();
    let mut bye_res = None;
    let bye = js_sys::Promise::new(&mut |res, _| bye_res = Some(res));
    let bye_resolve = std::rc::Rc::new(std::cell::RefCell::new(bye_res));
    let bye_resolve2 = bye_resolve.clone();
    let on_message =
        Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |e: web_sys::MessageEvent| {
            let data = e.data();
            let tag = js_sys::Reflect::get(&data, &"t".into())
                .ok()
                .and_then(|t| t.as_string());
            match tag.as_deref() {
                Some("portalis:ready") => {
                    let _ = resolve.call0(&JsValue::NULL);
                }
                Some("portalis:bye") => {
                    if let Some(f) = bye_resolve.borrow_mut().take() {
                        let _ = f.call0(&JsValue::NULL);
                    }
                }
                Some("portalis:error") => {
                    let msg =
                        js_sys::Reflect::get(&data, &"message".into()).unwrap_or(JsValue::NULL);
                    let _ = reject.call1(&JsValue::NULL, &msg);
                }
                Some("portalis:died") => {
                    let msg = js_sys::Reflect::get(&data, &"message".into())
                        .ok()
                        .and_then(|m| m.as_string())
                        .unwrap_or_default();
                    // The worker closes without saying bye.
                    if let Some(f) = bye_resolve.borrow_mut().take() {
                        let _ = f.call0(&JsValue::NULL);
                    }
                    if let Some(f) = on_died.as_mut() {
                        f(msg);
                    }
                }
                _ => {} // not ours (a test runner's console relay, ...)
            }
        });
    let on_error = Closure::<dyn FnMut(web_sys::Event)>::new(move |e: web_sys::Event| {
        let msg = js_sys::Reflect::get(&e, &"message".into()).unwrap_or(JsValue::NULL);
        let msg = msg.as_string().unwrap_or_default(); // empty: refused without a reason (CSP)
        let _ = reject2.call1(&JsValue::NULL, &msg.into());
        // A dead worker never says bye: do not leave its closer waiting.
        if let Some(f) = bye_resolve2.borrow_mut().take() {
            let _ = f.call0(&JsValue::NULL);
        }
    });
    worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));

    let done = Arc::new(AtomicU32::new(0));
    let work = Box::into_raw(Box::new(Work {
        f,
        done: done.clone(),
    }));
    let boot = js_sys::Object::new();
    let set = |k: &str, v: &JsValue| js_sys::Reflect::set(&boot, &k.into(), v).map(drop);
    set("t", &"portalis:boot".into()).map_err(js_err)?;
    set("glue", &GLUE_URL.with(|u| JsValue::from_str(u))).map_err(js_err)?;
    set("module", &wasm_bindgen::module()).map_err(js_err)?;
    set("memory", &wasm_bindgen::memory()).map_err(js_err)?;
    set("work", &JsValue::from(work as usize as u32)).map_err(js_err)?;
    if let Some(s) = stack {
        set("stack", &JsValue::from(s as u32)).map_err(js_err)?;
    }
    worker.post_message(&boot).map_err(js_err)?;
    Ok((
        WorkerHandle {
            worker,
            done,
            bye,
            _on_message: on_message,
            _on_error: on_error,
        },
        Ready(ready),
    ))
}

/// The stack of a pool worker booted by `ThreadPoolBuilder::build_async` when the builder sets
/// none: 4 MiB (the glue's own default is 2 MiB; deep `join` recursion wants more, and every
/// byte of it is committed shared memory).
pub const DEFAULT_WORKER_STACK: usize = 4 << 20;

/// The size of a wasm page: worker stacks are allocated in whole pages.
pub const STACK_GRANULE: usize = 64 << 10;

/// Checks a worker stack size: a non-zero multiple of 64 KiB that fits in 32 bits.
///
/// # Errors
/// [`SpawnError::BadStackSize`] otherwise.
pub fn check_stack_size(bytes: usize) -> Result<(), SpawnError> {
    if bytes == 0 || !bytes.is_multiple_of(STACK_GRANULE) || u32::try_from(bytes).is_err() {
        Err(SpawnError::BadStackSize(bytes))
    } else {
        Ok(())
    }
}
