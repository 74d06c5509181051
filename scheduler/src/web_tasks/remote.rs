//! Registered tasks, and the pool that runs them on any kind of page (ADR 071).
//!
//! A page that is not cross-origin isolated has no `SharedArrayBuffer`: no worker can share
//! this module's memory, so closures cannot be handed over. What can cross is bytes. A
//! [`RemoteTask`] is a named function from a serializable input to a serializable output;
//! [`remote_tasks!`](crate::remote_tasks) compiles a table of them into the binary, so every
//! instance of the module (each copy-mode worker has its own) has the same table, and its
//! [`TaskTable::fingerprint`] is checked when a worker boots.
//!
//! [`TaskPool`] runs a task wherever it can, with the same call on every page:
//! * [`Mode::SharedMemory`]: a [`ThreadPool`] of Web Workers; the task's function runs on a
//!   worker with its input moved there (no encoding).
//! * [`Mode::MessagePassing`]: a [`RemotePool`] of copy-mode workers; the input travels as a
//!   postcard [`Envelope`], the output comes back the same way, one `postMessage` each way.
//! * [`Mode::SingleThread`]: no workers at all; the task runs on the caller.
//!
//! Failures come back as a typed [`TaskError`] for that one call: the task's own `Err`, a
//! panic (the build is panic=abort: the worker's instance traps, it reports the panic and
//! re-instantiates before its next call), a name the worker's table lacks, an input or output
//! that does not decode, a worker that died (it is replaced), or a pool that was shut down.

use crate::pool::ThreadPool;
use portalis_primitives::channel::envelope::Envelope;
use serde::{de::DeserializeOwned, Deserialize, Serialize};
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// A function a pool can run by name, on this instance or on another instance of the same
/// module. The same type runs unchanged in every [`Mode`].
///
/// # Examples
/// ```no_run
/// use portalis_scheduler::web::RemoteTask;
/// struct Sum;
/// impl RemoteTask for Sum {
///     const NAME: &'static str = "sum";
///     type Input = Vec<u64>;
///     type Output = u64;
///     fn run(v: Vec<u64>) -> Result<u64, String> {
///         Ok(v.iter().sum())
///     }
/// }
/// portalis_scheduler::remote_tasks![Sum];
/// ```
pub trait RemoteTask: 'static {
    /// The task's name in the table (unique within it).
    const NAME: &'static str;
    /// What the caller sends.
    type Input: Serialize + DeserializeOwned + Send + 'static;
    /// What the task returns.
    type Output: Serialize + DeserializeOwned + Send + 'static;
    /// Runs the task; an `Err` reaches the caller as [`TaskError::Failed`].
    ///
    /// # Errors
    /// Whatever the task reports.
    fn run(input: Self::Input) -> Result<Self::Output, String>;
}

/// What a worker reports instead of an output (postcard-encoded in its reply).
#[derive(Debug, Serialize, Deserialize)]
enum Fault {
    UnknownTask,
    BadInput(String),
    Failed(String),
    BadOutput(String),
}

/// One row of a [`TaskTable`].
#[derive(Clone, Copy)]
pub struct TaskEntry {
    name: &'static str,
    signature: fn() -> String,
    run: fn(&[u8]) -> Result<Vec<u8>, Fault>,
}

impl std::fmt::Debug for TaskEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TaskEntry")
            .field("name", &self.name)
            .field("signature", &(self.signature)())
            .finish()
    }
}

impl TaskEntry {
    /// The row for `T`.
    pub fn of<T: RemoteTask>() -> TaskEntry {
        TaskEntry {
            name: T::NAME,
            signature: || {
                format!(
                    "{}({})->{}",
                    T::NAME,
                    std::any::type_name::<T::Input>(),
                    std::any::type_name::<T::Output>()
                )
            },
            run: run_encoded::<T>,
        }
    }
}

fn run_encoded<T: RemoteTask>(input: &[u8]) -> Result<Vec<u8>, Fault> {
    let input: T::Input = Envelope::from_bytes(input)
        .and_then(|e| e.open())
        .map_err(|e| Fault::BadInput(e.to_string()))?;
    let out = T::run(input).map_err(Fault::Failed)?;
    Envelope::seal(0, 0, &out)
        .and_then(|e| e.to_bytes())
        .map_err(|e| Fault::BadOutput(e.to_string()))
}

/// The tasks compiled into this binary (made by [`remote_tasks!`](crate::remote_tasks)).
#[derive(Debug, Clone)]
pub struct TaskTable(pub Vec<TaskEntry>);

impl TaskTable {
    /// A hash (FNV-1a, 32 bits) of every row's name and input/output types, in order: two
    /// instances with the same fingerprint agree on what each name means.
    pub fn fingerprint(&self) -> u32 {
        let mut h: u32 = 0x811c_9dc5;
        for e in &self.0 {
            for b in (e.signature)().bytes().chain([0u8]) {
                h ^= u32::from(b);
                h = h.wrapping_mul(0x0100_0193);
            }
        }
        h
    }

    /// Runs the row called `name` on `input` (an encoded envelope) and encodes the outcome:
    /// `Ok(output envelope)` or a fault. Called by the worker side of `remote_tasks!`.
    #[doc(hidden)]
    pub fn dispatch(&self, name: &str, input: &[u8]) -> Vec<u8> {
        install_panic_recorder();
        let r: Result<Vec<u8>, Fault> = match self.0.iter().find(|e| e.name == name) {
            Some(e) => (e.run)(input),
            None => Err(Fault::UnknownTask),
        };
        // Encoding a Result of bytes and strings cannot fail; an empty reply would be
        // reported as undecodable rather than panic here.
        postcard::to_allocvec(&r).unwrap_or_default()
    }
}

/// Makes the worker-side dispatch export and the table for the listed [`RemoteTask`] types:
/// defines `pub fn portalis_task_table() -> TaskTable` in the calling module and two
/// `#[wasm_bindgen]` exports the copy-mode worker calls (`__portalis_remote_dispatch`,
/// `__portalis_remote_fingerprint`). Invoke it once per binary, at its root.
///
/// # Examples
/// ```ignore
/// portalis_scheduler::remote_tasks![Sum, Mandelbrot];
/// let pool = TaskPool::new(portalis_task_table(), 0).await?;
/// ```
#[macro_export]
macro_rules! remote_tasks {
    ($($t:ty),* $(,)?) => {
        /// The registered tasks of this binary (see `portalis_scheduler::remote_tasks!`).
        pub fn portalis_task_table() -> $crate::web::TaskTable {
            $crate::web::TaskTable(::std::vec![$($crate::web::TaskEntry::of::<$t>()),*])
        }
        #[doc(hidden)]
        #[$crate::web::__wasm_bindgen::prelude::wasm_bindgen(wasm_bindgen = $crate::web::__wasm_bindgen)]
        pub fn __portalis_remote_dispatch(name: &str, input: &[u8]) -> ::std::vec::Vec<u8> {
            portalis_task_table().dispatch(name, input)
        }
        #[doc(hidden)]
        #[$crate::web::__wasm_bindgen::prelude::wasm_bindgen(wasm_bindgen = $crate::web::__wasm_bindgen)]
        pub fn __portalis_remote_fingerprint() -> u32 {
            portalis_task_table().fingerprint()
        }
    };
}

/// Records a panic's message where the copy-mode bootstrap reads it after the trap.
fn install_panic_recorder() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let prev = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let msg = info
                .payload()
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| info.payload().downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "<non-string panic payload>".into());
            let _ = js_sys::Reflect::set(
                &js_sys::global(),
                &"__portalis_last_panic".into(),
                &msg.into(),
            );
            prev(info);
        }));
    });
}

/// Why one task call failed. The pool keeps working after any of them.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TaskError {
    /// The task returned `Err(message)`.
    #[error("task {task:?} failed: {message}")]
    Failed {
        /// The task's name.
        task: String,
        /// Its error.
        message: String,
    },
    /// The task panicked (its worker re-instantiated the module and keeps serving).
    #[error("task {task:?} panicked: {message}")]
    Panicked {
        /// The task's name.
        task: String,
        /// The panic message.
        message: String,
    },
    /// The worker's table has no task of this name: list it in `remote_tasks![...]`.
    #[error("no task named {0:?} in the worker's task table; list it in remote_tasks![...]")]
    UnknownTask(String),
    /// The input did not decode as the task's `Input` on the worker.
    #[error("task {task:?}: the worker could not decode the input: {message}")]
    BadInput {
        /// The task's name.
        task: String,
        /// The decoder's error.
        message: String,
    },
    /// The output could not be encoded or decoded.
    #[error("task {task:?}: the output could not be encoded or decoded: {message}")]
    BadOutput {
        /// The task's name.
        task: String,
        /// The codec's error.
        message: String,
    },
    /// The worker running the call died (error event); it has been replaced.
    #[error("the worker running the call died ({0}); it was replaced, retry the call")]
    WorkerDied(String),
    /// The pool was shut down (or dropped) before the call completed.
    #[error("the pool was shut down before the call completed; build a new pool")]
    ShutDown,
}

/// Why a [`TaskPool`] or [`RemotePool`] could not be built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PoolError {
    /// A worker could not start (CSP, bad stack size, ...).
    #[error(transparent)]
    Spawn(#[from] crate::web_rt::SpawnError),
    /// The shared-memory pool could not be built.
    #[error(transparent)]
    Build(#[from] crate::BuildError),
    /// A worker's task table differs from this instance's: it runs another build of the module.
    #[error("worker task table fingerprint {worker:#010x} differs from this page's {ours:#010x}: the worker loaded a different build of the module (stale cache?)")]
    FingerprintMismatch {
        /// This instance's fingerprint.
        ours: u32,
        /// The worker's.
        worker: u32,
    },
}

/// How a [`TaskPool`] runs tasks on this page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Web Workers on the shared memory (cross-origin-isolated page, threaded build).
    SharedMemory,
    /// Web Workers with their own module instance; inputs and outputs are copied.
    MessagePassing,
    /// No workers: tasks run on the caller.
    SingleThread,
}

impl Mode {
    /// The best mode this context supports.
    pub fn detect() -> Mode {
        if crate::Backend::detect() == crate::Backend::WebWorkers {
            Mode::SharedMemory
        } else if js_sys::Reflect::get(&js_sys::global(), &"Worker".into())
            .map(|w| w.is_function())
            .unwrap_or(false)
        {
            Mode::MessagePassing
        } else {
            Mode::SingleThread
        }
    }

    /// A short human name ("shared memory", "message passing", "single thread").
    pub fn name(self) -> &'static str {
        match self {
            Mode::SharedMemory => "shared memory",
            Mode::MessagePassing => "message passing",
            Mode::SingleThread => "single thread",
        }
    }
}

/// Runs [`RemoteTask`]s in the best [`Mode`] of the page; the same calls work in every mode.
#[derive(Debug)]
pub enum TaskPool {
    /// Shared-memory Web Workers.
    Shared(ThreadPool),
    /// Copy-mode Web Workers.
    Remote(RemotePool),
    /// No workers.
    Inline,
}

impl TaskPool {
    /// Builds a pool of `n` workers (0 = `navigator.hardwareConcurrency`, capped) in
    /// [`Mode::detect`]'s mode.
    ///
    /// # Errors
    /// [`PoolError`]: a worker could not start, or a worker's table differs from `table`.
    pub async fn new(table: TaskTable, n: usize) -> Result<TaskPool, PoolError> {
        TaskPool::with_mode(Mode::detect(), table, n).await
    }

    /// [`new`](Self::new) in a given mode (e.g. message passing on an isolated page, to
    /// compare).
    ///
    /// # Errors
    /// As for `new`.
    pub async fn with_mode(mode: Mode, table: TaskTable, n: usize) -> Result<TaskPool, PoolError> {
        Ok(match mode {
            Mode::SharedMemory => TaskPool::Shared(
                crate::ThreadPoolBuilder::new()
                    .num_threads(n)
                    .build_async()
                    .await?,
            ),
            Mode::MessagePassing => TaskPool::Remote(RemotePool::new(table, n).await?),
            Mode::SingleThread => TaskPool::Inline,
        })
    }

    /// The pool's mode.
    pub fn mode(&self) -> Mode {
        match self {
            TaskPool::Shared(_) => Mode::SharedMemory,
            TaskPool::Remote(_) => Mode::MessagePassing,
            TaskPool::Inline => Mode::SingleThread,
        }
    }

    /// Worker count (1 for [`Mode::SingleThread`]: the caller).
    pub fn num_workers(&self) -> usize {
        match self {
            TaskPool::Shared(p) => p.current_num_threads(),
            TaskPool::Remote(p) => p.num_workers(),
            TaskPool::Inline => 1,
        }
    }

    /// Runs `T` on `input` on some worker and resolves with its output. Never blocks the
    /// calling thread (usable on the page's main thread).
    ///
    /// # Errors
    /// [`TaskError`] for this call only.
    pub async fn run<T: RemoteTask>(&self, input: T::Input) -> Result<T::Output, TaskError> {
        match self {
            TaskPool::Shared(p) => run_shared::<T>(p, input).await,
            TaskPool::Remote(p) => p.call::<T>(&input).await,
            TaskPool::Inline => T::run(input).map_err(|message| TaskError::Failed {
                task: T::NAME.into(),
                message,
            }),
        }
    }

    /// Stops the workers (see [`RemotePool::shutdown`]; a shared pool is shut down without
    /// waiting, its workers return to the reservoir).
    pub async fn shutdown(self) {
        match self {
            TaskPool::Shared(p) => p.shutdown(false),
            TaskPool::Remote(p) => p.shutdown().await,
            TaskPool::Inline => {}
        }
    }
}

/// One task on the shared-memory pool, awaited without blocking (`install_async`).
#[cfg(target_feature = "atomics")]
async fn run_shared<T: RemoteTask>(
    pool: &ThreadPool,
    input: T::Input,
) -> Result<T::Output, TaskError> {
    pool.install_async(move || T::run(input))
        .await
        .map_err(|died| TaskError::WorkerDied(died.message))?
        .map_err(|message| TaskError::Failed {
            task: T::NAME.into(),
            message,
        })
}

/// Without atomics a `ThreadPool` runs inline on the caller ([`Mode::detect`] never picks
/// shared memory there): the task runs now.
#[cfg(not(target_feature = "atomics"))]
async fn run_shared<T: RemoteTask>(
    pool: &ThreadPool,
    input: T::Input,
) -> Result<T::Output, TaskError> {
    pool.install(move || T::run(input))
        .map_err(|message| TaskError::Failed {
            task: T::NAME.into(),
            message,
        })
}

thread_local! {
    /// The copy-mode workers' start URL and how many pools use it: a revocable one-line
    /// module importing the bootstrap (`crate::web_rt::revocable_module_url`), revoked when the last
    /// pool of this thread is dropped.
    static REMOTE_URL: RefCell<Option<(String, usize)>> = const { RefCell::new(None) };
    /// `link_to!`'s own URL (cached by the glue, so never revoked: one per thread).
    static LINKED_REMOTE: String = wasm_bindgen::link_to!(module = "/src/web_tasks/remote.js");
}

fn remote_url_acquire() -> Result<String, crate::web_rt::SpawnError> {
    REMOTE_URL.with(|u| {
        let mut u = u.borrow_mut();
        if u.is_none() {
            let url = LINKED_REMOTE
                .with(|l| crate::web_rt::revocable_module_url(l))
                .map_err(|e| crate::web_rt::SpawnError::Worker(format!("{e:?}")))?;
            *u = Some((url, 0));
        }
        let (url, users) = u.as_mut().expect("set above");
        *users += 1;
        Ok(url.clone())
    })
}

fn remote_url_release() {
    REMOTE_URL.with(|u| {
        let mut u = u.borrow_mut();
        if let Some((url, users)) = u.as_mut() {
            *users -= 1;
            if *users == 0 {
                let _ = web_sys::Url::revoke_object_url(url);
                *u = None;
            }
        }
    });
}

/// Blob URLs the copy-mode pools of this thread hold (0 or 1; a test hook).
pub fn remote_urls_held() -> usize {
    REMOTE_URL.with(|u| usize::from(u.borrow().is_some()))
}

/// A call waiting for its reply.
struct Pending {
    worker: usize,
    reply: Rc<Reply>,
}

/// Where a call's reply lands; the call awaits it through [`ReplyFuture`] (a JS `Promise`,
/// its two callbacks and a `JsFuture` per call cost more than the transport, ADR 117).
#[derive(Default)]
struct Reply {
    value: RefCell<Option<Result<JsValue, JsValue>>>,
    waker: RefCell<Option<std::task::Waker>>,
}

impl Reply {
    /// Stores the outcome (the first one wins) and wakes the call.
    fn settle(&self, v: Result<JsValue, JsValue>) {
        self.value.borrow_mut().get_or_insert(v);
        if let Some(w) = self.waker.borrow_mut().take() {
            w.wake();
        }
    }
}

/// Resolves with the settled outcome of a [`Reply`].
struct ReplyFuture(Rc<Reply>);

impl core::future::Future for ReplyFuture {
    type Output = Result<JsValue, JsValue>;
    fn poll(
        self: core::pin::Pin<&mut Self>,
        cx: &mut core::task::Context<'_>,
    ) -> core::task::Poll<Self::Output> {
        if let Some(v) = self.0.value.borrow_mut().take() {
            return core::task::Poll::Ready(v);
        }
        *self.0.waker.borrow_mut() = Some(cx.waker().clone());
        core::task::Poll::Pending
    }
}

/// One copy-mode worker.
struct RemoteWorker {
    worker: web_sys::Worker,
    inflight: Cell<usize>,
    /// Calls not posted yet (one `portalis:calls` message per flush, ADR 117), and the input
    /// buffers they transfer.
    outbox: js_sys::Array,
    transfer: js_sys::Array,
    ready: js_sys::Promise,
    bye: js_sys::Promise,
    _on_message: Closure<dyn FnMut(web_sys::MessageEvent)>,
    _on_error: Closure<dyn FnMut(web_sys::Event)>,
}

struct Inner {
    workers: RefCell<Vec<Option<RemoteWorker>>>,
    /// Batch the calls made in one turn of the event loop (default) or post each at once.
    batching: Cell<bool>,
    /// A flush of the outboxes is queued (a microtask).
    flush_queued: Cell<bool>,
    /// Sum over the workers' replies of the time they spent running their batches (ms).
    worker_busy_ms: Cell<f64>,
    pending: RefCell<HashMap<u32, Pending>>,
    next_id: Cell<u32>,
    /// Workers that died and were replaced.
    replaced: Cell<usize>,
    closed: Cell<bool>,
    url: String,
    fingerprint: u32,
}

/// Copy-mode Web Workers, each with its own instance of this module, running [`RemoteTask`]s
/// by name. Lives on the thread that built it (it holds JS objects).
pub struct RemotePool {
    inner: Rc<Inner>,
}

impl std::fmt::Debug for RemotePool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RemotePool")
            .field("workers", &self.num_workers())
            .field("replaced", &self.inner.replaced.get())
            .finish_non_exhaustive()
    }
}

impl RemotePool {
    /// Boots `n` copy-mode workers (0 = `navigator.hardwareConcurrency`, capped) and checks
    /// that each one's task table has `table`'s fingerprint.
    ///
    /// # Errors
    /// [`PoolError::Spawn`] (CSP, load failure), [`PoolError::FingerprintMismatch`].
    pub async fn new(table: TaskTable, n: usize) -> Result<RemotePool, PoolError> {
        let n = if n == 0 {
            crate::Backend::WebWorkers.default_num_threads()
        } else {
            n
        };
        let inner = Rc::new(Inner {
            workers: RefCell::new(Vec::new()),
            batching: Cell::new(true),
            flush_queued: Cell::new(false),
            worker_busy_ms: Cell::new(0.0),
            pending: RefCell::new(HashMap::new()),
            next_id: Cell::new(0),
            replaced: Cell::new(0),
            closed: Cell::new(false),
            url: remote_url_acquire()?,
            fingerprint: table.fingerprint(),
        });
        let pool = RemotePool { inner };
        for i in 0..n {
            let w = boot_worker(&pool.inner, i)?;
            pool.inner.workers.borrow_mut().push(Some(w));
        }
        for i in 0..n {
            let ready = pool.inner.workers.borrow()[i]
                .as_ref()
                .map(|w| w.ready.clone());
            if let Some(ready) = ready {
                let v = wasm_bindgen_futures::JsFuture::from(ready)
                    .await
                    .map_err(|e| {
                        crate::web_rt::classify_boot_error(
                            e.as_string().unwrap_or_else(|| format!("{e:?}")),
                        )
                    })?;
                let fp = v.as_f64().map_or(0, |f| f as u32);
                if fp != pool.inner.fingerprint {
                    return Err(PoolError::FingerprintMismatch {
                        ours: pool.inner.fingerprint,
                        worker: fp,
                    });
                }
            }
        }
        Ok(pool)
    }

    /// Worker count.
    pub fn num_workers(&self) -> usize {
        self.inner.workers.borrow().len()
    }

    /// Workers that died (error event) and were replaced so far.
    pub fn replaced_workers(&self) -> usize {
        self.inner.replaced.get()
    }

    /// Runs task `T` on `input` on the least busy worker.
    ///
    /// # Errors
    /// [`TaskError`] for this call only.
    pub async fn call<T: RemoteTask>(&self, input: &T::Input) -> Result<T::Output, TaskError> {
        let bytes = Envelope::seal(0, 0, input)
            .and_then(|e| e.to_bytes())
            .map_err(|e| TaskError::BadInput {
                task: T::NAME.into(),
                message: e.to_string(),
            })?;
        let out = self.call_raw(T::NAME, &bytes).await?;
        Envelope::from_bytes(&out)
            .and_then(|e| e.open())
            .map_err(|e| TaskError::BadOutput {
                task: T::NAME.into(),
                message: e.to_string(),
            })
    }

    /// Runs the task called `name` on already-encoded input bytes (a postcard [`Envelope`]);
    /// resolves with the encoded output envelope. For callers that route by name.
    ///
    /// # Errors
    /// [`TaskError`] for this call only.
    pub async fn call_raw(&self, name: &str, input: &[u8]) -> Result<Vec<u8>, TaskError> {
        let inner = &self.inner;
        if inner.closed.get() {
            return Err(TaskError::ShutDown);
        }
        let id = inner.next_id.get();
        inner.next_id.set(id.wrapping_add(1));
        let idx = {
            let ws = inner.workers.borrow();
            (0..ws.len())
                .filter(|&i| ws[i].is_some())
                .min_by_key(|&i| ws[i].as_ref().map_or(usize::MAX, |w| w.inflight.get()))
        };
        let Some(idx) = idx else {
            return Err(TaskError::ShutDown);
        };
        let reply = Rc::new(Reply::default());
        inner.pending.borrow_mut().insert(
            id,
            Pending {
                worker: idx,
                reply: reply.clone(),
            },
        );
        let msg = js_sys::Object::new();
        let arr = js_sys::Uint8Array::from(input);
        let _ = js_sys::Reflect::set(&msg, &"id".into(), &id.into());
        let _ = js_sys::Reflect::set(&msg, &"name".into(), &name.into());
        let _ = js_sys::Reflect::set(&msg, &"input".into(), &arr);
        let queued = {
            let ws = inner.workers.borrow();
            match ws[idx].as_ref() {
                Some(w) => {
                    w.inflight.set(w.inflight.get() + 1);
                    w.outbox.push(&msg);
                    w.transfer.push(&arr.buffer());
                    w.outbox.length() as usize
                }
                None => 0,
            }
        };
        if queued == 0 {
            inner.pending.borrow_mut().remove(&id);
            return Err(TaskError::WorkerDied("worker gone".into()));
        }
        if !inner.batching.get() || queued >= MAX_BATCH {
            flush_worker(inner, idx);
        } else if !inner.flush_queued.replace(true) {
            // Every call made before this turn of the event loop ends joins the batch.
            let weak = Rc::downgrade(inner);
            queue_microtask(&Closure::once_into_js(move || {
                if let Some(inner) = weak.upgrade() {
                    inner.flush_queued.set(false);
                    let n = inner.workers.borrow().len();
                    (0..n).for_each(|i| flush_worker(&inner, i));
                }
            }));
        }
        let reply = ReplyFuture(reply).await;
        decode_reply(name, reply)
    }

    /// Milliseconds the workers spent running calls so far (summed over workers, from their
    /// replies; a perf hook, ADR 117).
    #[doc(hidden)]
    pub fn worker_busy_ms(&self) -> f64 {
        self.inner.worker_busy_ms.get()
    }

    /// Posts each call at once instead of batching the calls of one event-loop turn (the
    /// batching A/B of `make perf-web`, ADR 117). Default: batching on.
    #[doc(hidden)]
    pub fn set_batching(&self, on: bool) {
        self.inner.batching.set(on);
    }

    /// Asks every worker to exit after the calls it already received (FIFO), waits for them,
    /// rejects anything still pending with [`TaskError::ShutDown`], and revokes the bootstrap's
    /// blob URL once no pool of this thread uses it.
    pub async fn shutdown(self) {
        let n = self.inner.workers.borrow().len();
        (0..n).for_each(|i| flush_worker(&self.inner, i)); // queued calls go before the exit
        let byes: Vec<js_sys::Promise> = {
            let ws = self.inner.workers.borrow();
            ws.iter()
                .flatten()
                .map(|w| {
                    let msg = js_sys::Object::new();
                    let _ = js_sys::Reflect::set(&msg, &"t".into(), &"portalis:exit".into());
                    let _ = w.worker.post_message(&msg);
                    w.bye.clone()
                })
                .collect()
        };
        for b in byes {
            let _ = wasm_bindgen_futures::JsFuture::from(b).await;
        }
        // Drop terminates and rejects the rest.
    }
}

impl Drop for RemotePool {
    fn drop(&mut self) {
        let inner = &self.inner;
        inner.closed.set(true);
        for w in inner.workers.borrow_mut().drain(..).flatten() {
            w.worker.set_onmessage(None);
            w.worker.set_onerror(None);
            w.worker.terminate();
        }
        let pending: Vec<Pending> = inner.pending.borrow_mut().drain().map(|(_, p)| p).collect();
        for p in pending {
            p.reply.settle(Err("portalis:shutdown".into()));
        }
        remote_url_release();
    }
}

/// Turns a worker's reply (or a rejection) into the call's result.
fn decode_reply(name: &str, reply: Result<JsValue, JsValue>) -> Result<Vec<u8>, TaskError> {
    let task = || name.to_string();
    let data = match reply {
        Ok(d) => d,
        Err(e) => {
            let s = e.as_string().unwrap_or_default();
            return Err(match s.strip_prefix("portalis:died:") {
                Some(why) => TaskError::WorkerDied(why.into()),
                None => TaskError::ShutDown,
            });
        }
    };
    let get = |k: &str| js_sys::Reflect::get(&data, &k.into()).unwrap_or(JsValue::UNDEFINED);
    if get("ok").as_bool() == Some(true) {
        let out = js_sys::Uint8Array::new(&get("out")).to_vec();
        let r: Result<Vec<u8>, Fault> =
            postcard::from_bytes(&out).map_err(|e| TaskError::BadOutput {
                task: task(),
                message: e.to_string(),
            })?;
        return r.map_err(|f| match f {
            Fault::UnknownTask => TaskError::UnknownTask(task()),
            Fault::BadInput(message) => TaskError::BadInput {
                task: task(),
                message,
            },
            Fault::Failed(message) => TaskError::Failed {
                task: task(),
                message,
            },
            Fault::BadOutput(message) => TaskError::BadOutput {
                task: task(),
                message,
            },
        });
    }
    Err(TaskError::Panicked {
        task: task(),
        message: get("err").as_string().unwrap_or_default(),
    })
}

thread_local! {
    /// The boot timeline of the last copy-mode worker that became ready on this thread (see
    /// [`last_boot_timeline`]).
    static LAST_BOOT: RefCell<Vec<f64>> = const { RefCell::new(Vec::new()) };
}

/// `performance.timeOrigin + performance.now()` in ms (0 where there is no `performance`).
fn now_abs_ms() -> f64 {
    let perf = js_sys::Reflect::get(&js_sys::global(), &"performance".into())
        .unwrap_or(JsValue::UNDEFINED);
    let origin = js_sys::Reflect::get(&perf, &"timeOrigin".into())
        .ok()
        .and_then(|v| v.as_f64())
        .unwrap_or(0.0);
    let now = js_sys::Reflect::get(&perf, &"now".into())
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
        .and_then(|f| f.call0(&perf).ok())
        .and_then(|v| v.as_f64())
        .unwrap_or(0.0);
    origin + now
}

/// Where the last copy-mode worker of this thread spent its boot (a perf hook, ADR 117):
/// absolute times in ms of `[created, script started, boot received, glue imported,
/// instantiated, ready on this thread]` (empty before any boot; a creation whose worker is
/// not ready yet shows `[created]`).
#[doc(hidden)]
pub fn last_boot_timeline() -> Vec<f64> {
    LAST_BOOT.with(|b| b.borrow().clone())
}

/// Creates worker `idx` and posts its boot message.
fn boot_worker(inner: &Rc<Inner>, idx: usize) -> Result<RemoteWorker, crate::web_rt::SpawnError> {
    LAST_BOOT.with(|b| *b.borrow_mut() = vec![now_abs_ms()]);
    let opts = web_sys::WorkerOptions::new();
    opts.set_type(web_sys::WorkerType::Module);
    let worker = web_sys::Worker::new_with_options(&inner.url, &opts)
        .map_err(|e| crate::web_rt::classify_boot_error(format!("{e:?}")))?;
    let (mut ready_res, mut ready_rej, mut bye_res) = (None, None, None);
    let ready = js_sys::Promise::new(&mut |a, b| {
        ready_res = Some(a);
        ready_rej = Some(b);
    });
    let bye = js_sys::Promise::new(&mut |a, _| bye_res = Some(a));
    let (ready_res, ready_rej, bye_res) = (
        ready_res.expect("set by Promise::new"),
        ready_rej.expect("set by Promise::new"),
        bye_res.expect("set by Promise::new"),
    );
    let weak = Rc::downgrade(inner);
    let (rej2, bye2) = (ready_rej.clone(), bye_res.clone());
    let on_message =
        Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |e: web_sys::MessageEvent| {
            let data = e.data();
            let get =
                |k: &str| js_sys::Reflect::get(&data, &k.into()).unwrap_or(JsValue::UNDEFINED);
            match get("t").as_string().as_deref() {
                Some("portalis:ready") => {
                    let phases = js_sys::Array::from(&get("phases"));
                    LAST_BOOT.with(|b| {
                        let mut b = b.borrow_mut();
                        b.truncate(1); // keeps the creation time
                        b.extend(phases.iter().filter_map(|v| v.as_f64()));
                        b.push(now_abs_ms());
                    });
                    let _ = ready_res.call1(&JsValue::NULL, &get("fingerprint"));
                }
                Some("portalis:rets") => {
                    let Some(inner) = weak.upgrade() else { return };
                    let busy = get("busy").as_f64().unwrap_or(0.0);
                    inner.worker_busy_ms.set(inner.worker_busy_ms.get() + busy);
                    for ret in js_sys::Array::from(&get("rets")).iter() {
                        let id = js_sys::Reflect::get(&ret, &"id".into())
                            .ok()
                            .and_then(|v| v.as_f64())
                            .map_or(u32::MAX, |f| f as u32);
                        let p = inner.pending.borrow_mut().remove(&id);
                        if let Some(p) = p {
                            if let Some(Some(w)) = inner.workers.borrow().get(p.worker) {
                                w.inflight.set(w.inflight.get().saturating_sub(1));
                            }
                            p.reply.settle(Ok(ret));
                        }
                    }
                }
                Some("portalis:error") => {
                    let msg = get("message");
                    let _ = ready_rej.call1(&JsValue::NULL, &msg);
                    if let Some(inner) = weak.upgrade() {
                        worker_died(&inner, idx, msg.as_string().unwrap_or_default());
                    }
                }
                Some("portalis:bye") => {
                    let _ = bye_res.call0(&JsValue::NULL);
                }
                _ => {}
            }
        });
    let weak = Rc::downgrade(inner);
    let on_error = Closure::<dyn FnMut(web_sys::Event)>::new(move |e: web_sys::Event| {
        e.prevent_default();
        let msg = js_sys::Reflect::get(&e, &"message".into())
            .ok()
            .and_then(|m| m.as_string())
            .unwrap_or_default(); // empty: refused without a reason (CSP)
        let _ = rej2.call1(&JsValue::NULL, &msg.clone().into());
        let _ = bye2.call0(&JsValue::NULL);
        if let Some(inner) = weak.upgrade() {
            worker_died(&inner, idx, msg);
        }
    });
    worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    let boot = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&boot, &"t".into(), &"portalis:rboot".into());
    let _ = js_sys::Reflect::set(
        &boot,
        &"glue".into(),
        &crate::web_rt::GLUE_URL.with(|u| JsValue::from_str(u)),
    );
    let _ = js_sys::Reflect::set(&boot, &"module".into(), &wasm_bindgen::module());
    worker
        .post_message(&boot)
        .map_err(|e| crate::web_rt::SpawnError::Worker(format!("{e:?}")))?;
    Ok(RemoteWorker {
        worker,
        inflight: Cell::new(0),
        outbox: js_sys::Array::new(),
        transfer: js_sys::Array::new(),
        ready,
        bye,
        _on_message: on_message,
        _on_error: on_error,
    })
}

/// Most calls in one `portalis:calls` message: the worker replies once per message, so a cap
/// lets the first results come back while it works on the rest.
const MAX_BATCH: usize = 256;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = queueMicrotask)]
    fn queue_microtask(f: &JsValue);
}

/// Posts worker `idx`'s queued calls as one `portalis:calls` message (their input buffers
/// transferred). A worker that cannot take them is treated as dead.
fn flush_worker(inner: &Rc<Inner>, idx: usize) {
    let posted = {
        let ws = inner.workers.borrow();
        let Some(Some(w)) = ws.get(idx) else { return };
        if w.outbox.length() == 0 {
            return;
        }
        let msg = js_sys::Object::new();
        let _ = js_sys::Reflect::set(&msg, &"t".into(), &"portalis:calls".into());
        let calls = w.outbox.slice(0, w.outbox.length());
        w.outbox.set_length(0);
        let transfer = w.transfer.slice(0, w.transfer.length());
        w.transfer.set_length(0);
        let _ = js_sys::Reflect::set(&msg, &"calls".into(), &calls);
        w.worker
            .post_message_with_transfer(&msg, &transfer)
            .map_err(|e| format!("{e:?}"))
    };
    if let Err(e) = posted {
        worker_died(inner, idx, e);
    }
}

/// Worker `idx` died: reject its calls with `WorkerDied` and boot a replacement.
fn worker_died(inner: &Rc<Inner>, idx: usize, why: String) {
    if inner.closed.get() {
        return;
    }
    let lost: Vec<u32> = inner
        .pending
        .borrow()
        .iter()
        .filter(|(_, p)| p.worker == idx)
        .map(|(&id, _)| id)
        .collect();
    for id in lost {
        if let Some(p) = inner.pending.borrow_mut().remove(&id) {
            p.reply.settle(Err(format!("portalis:died:{why}").into()));
        }
    }
    let old = inner
        .workers
        .borrow_mut()
        .get_mut(idx)
        .and_then(Option::take);
    if let Some(old) = old {
        old.worker.terminate();
        // The closures may be running right now (this is one of them): free them later.
        let keep = Rc::new(RefCell::new(Some(old)));
        let cb = Closure::once_into_js(move || drop(keep.borrow_mut().take()));
        let _ = js_sys::global()
            .unchecked_into::<WorkerGlobalScopeLike>()
            .set_timeout(cb.unchecked_ref(), 0);
    }
    inner.replaced.set(inner.replaced.get() + 1);
    if let Ok(w) = boot_worker(inner, idx) {
        if let Some(slot) = inner.workers.borrow_mut().get_mut(idx) {
            *slot = Some(w);
        }
    }
}

#[wasm_bindgen]
extern "C" {
    /// Any global with `setTimeout` (window or worker).
    type WorkerGlobalScopeLike;
    #[wasm_bindgen(method, js_name = setTimeout)]
    fn set_timeout(this: &WorkerGlobalScopeLike, cb: &js_sys::Function, ms: i32) -> JsValue;
}
