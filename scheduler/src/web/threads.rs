//! The worker reservoir: Web Workers that have booted on the shared memory and wait, inside
//! Rust, for a closure to run. A pool's "thread spawn" in the browser takes an idle worker
//! from here and hands it the worker loop through shared memory (ADR 070).
//!
//! Why: a Web Worker starts only after its creator returns to the event loop (docs/notes/browser.md §1.6),
//! so a synchronous `ThreadPoolBuilder::build` that created workers and then blocked in
//! `install` would wait forever. Booting is therefore async ([`prestart`], which
//! `ThreadPoolBuilder::build_async` calls), and the synchronous spawn only *hands over*
//! (no JS, no event loop): a store, a `memory.atomic.notify`. A worker whose closure returns
//! (its pool shut down) goes back to the reservoir, so building a pool again reuses the same
//! workers, stacks and TLS blocks; [`shutdown_workers`] ends them for good.
//!
//! # A slot's states (one futex word per worker)
//! | state | meaning | who moves it out |
//! |---|---|---|
//! | `IDLE` | in the idle list, waiting | a spawner that popped it from the list (→ `WORK`), or [`shutdown_workers`] (→ `EXIT`) |
//! | `WORK` | `job` holds a closure, or the worker runs it | the worker, after running it (→ `IDLE`, then back on the list) |
//! | `EXIT` | leave the loop | nobody: the worker returns to JS, which frees its stack and TLS and closes |
//! | `DEAD` | the closure trapped (a panic aborts: the build is panic=abort); `job` holds what a replacement must run | the creating thread, on the worker's `portalis:died` message: it boots a replacement and hands it the job |
//!
//! Only the thread that removed a slot from the idle list (under its lock) writes `job` or the
//! state, so `job` is never accessed by two threads at once (see `Slot`'s `Sync` impl).
//!
//! # A worker that dies (ADR 115)
//! A trap unwinds the JS stack only: the bootstrap catches it and calls
//! [`worker_trapped`] on the same (dying) thread, whose Rust state is intact. The job's
//! `on_trap` hook (the pool's: `registry::adopt_after_trap`) moves the worker's deque out into
//! an orphan loop for the same index, completes the jobs the worker was running with
//! `WorkerDied` (ADR 113), rejects the pool's awaited calls, and returns a closure that claims
//! and runs the orphan. That closure goes into the slot (`DEAD`), and the bootstrap posts
//! `portalis:died` to the creator, which boots a new worker and hands it over
//! ([`replace_dead`]). `shutdown(true)` may claim the orphan first and run it itself.
//!
//! # A dead worker's stack and TLS block (ADR 123)
//! The bootstrap passes the dying instance's `__tls_base` and `__stack_alloc` to
//! [`worker_trapped`], which wraps them in a [`DeadStack`]: its `Drop` frees both blocks with
//! wasm-bindgen's leader form of `__wbindgen_thread_destroy`. Two owners hold it, and the last
//! one to let go frees the blocks:
//! * the slot, until the creator handles `portalis:died` ([`replace_dead`]): the bootstrap
//!   posts that message only after the dying thread's last call into Rust returned, so no
//!   code runs on that stack any more;
//! * the pool's registry (`adopt_after_trap`), until the registry is dropped: jobs of the pool
//!   (a stolen `join` half, a scope's jobs, the orphan's deque) may still read and write frames
//!   on the dead stack, and each runs on a loop of that pool, which holds the registry.
//!
//! A dying thread that was waiting for a job on another pool (`in_worker_cross`), or a trap
//! whose hook keeps nothing (no pool), leaks its blocks instead: a job of another pool may
//! still use that stack, and nothing tells when it has finished.

use super::{SpawnError, WorkerHandle};
use portalis_primitives::futex;
use portalis_primitives::sync::atomic::{
    AtomicPtr, AtomicU32,
    Ordering::{AcqRel, Acquire, Relaxed, Release},
};
use portalis_primitives::sync::Arc;
use portalis_primitives::Mutex;
use std::cell::{RefCell, UnsafeCell};
use std::ptr;

/// Slot state: waiting in the idle list.
const IDLE: u32 = 0;
/// Slot state: a closure was handed over (or is running).
const WORK: u32 = 1;
/// Slot state: leave the loop and exit the worker.
const EXIT: u32 = 2;
/// Slot state: the closure trapped; `job` holds its replacement's closure (if any).
const DEAD: u32 = 3;

/// Called on a worker whose closure trapped, on that worker, with the JS error's text, the
/// job's `done` word and the dead worker's stack and TLS block (`None`: unknown, never freed):
/// returns the closure a replacement worker must run instead (`None`: nothing to resume). To
/// let the blocks be freed, the hook keeps a clone of the [`DeadStack`] until nothing can use
/// them. The pool's hook is `registry::adopt_after_trap`.
pub(crate) type OnTrap = fn(
    &str,
    &Arc<AtomicU32>,
    Option<&Arc<DeadStack>>,
) -> Option<Box<dyn FnOnce() + Send + 'static>>;

/// A dead worker's stack and TLS block (ADR 123): freed when the last owner drops it (see the
/// module docs, "A dead worker's stack and TLS block").
#[derive(Debug)]
pub(crate) struct DeadStack {
    /// The dead instance's `__tls_base`.
    tls_base: u32,
    /// The dead instance's `__stack_alloc` (the start of its stack block).
    stack_alloc: u32,
    /// The stack's size in bytes (the worker's `thread_stack_size`).
    stack_size: usize,
}

/// Dead workers' stacks freed so far (see [`freed_worker_stacks`]).
static FREED: AtomicU32 = AtomicU32::new(0);

/// How many dead pool workers' stacks and TLS blocks have been freed (ADR 123). A dead
/// worker's blocks are freed once its creator has heard of the death and its pool's last
/// reference is gone (the pool shut down or dropped and every loop exited); until then, and
/// for ever in the cases ADR 123 lists, they stay allocated.
pub fn freed_worker_stacks() -> usize {
    // Relaxed: a statistic; nothing is read through it.
    FREED.load(Relaxed) as usize
}

impl Drop for DeadStack {
    fn drop(&mut self) {
        use wasm_bindgen::JsCast;
        // The leader form: explicit blocks, freed from another thread's instance (the shared
        // allocator); see wasm-bindgen's threads transform, `inject_destroy`.
        let destroy = js_sys::Reflect::get(
            &wasm_bindgen::exports(),
            &"__wbindgen_thread_destroy".into(),
        )
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok());
        let Some(destroy) = destroy else {
            return; // an older glue without the export: the blocks stay leaked
        };
        let called = destroy.call3(
            &wasm_bindgen::JsValue::UNDEFINED,
            &self.tls_base.into(),
            &self.stack_alloc.into(),
            &(self.stack_size as u32).into(),
        );
        if called.is_ok() {
            // Relaxed: a statistic.
            FREED.fetch_add(1, Relaxed);
        }
    }
}

/// A closure to run on a reservoir worker, and the word set when it returned.
struct Job {
    f: Box<dyn FnOnce() + Send + 'static>,
    done: Arc<AtomicU32>,
    on_trap: Option<OnTrap>,
}

/// What the worker keeps of the job it runs, for [`worker_trapped`].
struct Running {
    done: Arc<AtomicU32>,
    on_trap: Option<OnTrap>,
}

/// One reservoir worker, as other threads see it.
struct Slot {
    state: AtomicU32,
    /// The worker's stack size in bytes (fixed at instantiation).
    stack: usize,
    /// The handed-over closure (see the module docs for who may touch it).
    job: UnsafeCell<Option<Job>>,
    /// The job being run: touched only by the slot's worker (`worker_loop`, `worker_trapped`).
    running: UnsafeCell<Option<Running>>,
    /// A dead worker's blocks, held until its creator handles `portalis:died` (ADR 123):
    /// written by the dying worker before it publishes `DEAD`, taken by the creator after.
    dead_stack: UnsafeCell<Option<Arc<DeadStack>>>,
}

// SAFETY: `job` is written only by the thread that took the slot out of the idle list (it
// alone owns the slot until it stores `WORK` with Release) and read/cleared only by the slot's
// worker after it loaded `WORK` with Acquire; the worker then publishes `IDLE` (Release) before
// putting the slot back on the list, whose lock orders it before the next taker's write. A
// dying worker writes `job` last and publishes `DEAD` (Release); only then does the creator,
// after an Acquire load of `DEAD`, take it; `dead_stack` the same way. `running` is touched by
// the slot's worker only.
unsafe impl Sync for Slot {}
// SAFETY: `Job`'s closure is `Send`; the rest are atomics.
unsafe impl Send for Slot {}

/// Idle workers (any thread may take one). The crate's `Mutex`, not std's: on the page's main
/// thread it spins instead of trapping (ADR 015).
/// Made on first use by a CAS on a pointer, so no thread ever waits for another's
/// initialisation (std's `OnceLock` would park a contending main thread, which traps).
fn idle_list() -> &'static Mutex<Vec<Arc<Slot>>> {
    type List = Mutex<Vec<Arc<Slot>>>;
    static IDLE_LIST: AtomicPtr<List> = AtomicPtr::new(ptr::null_mut());
    // Acquire: pairs with the AcqRel CAS below (the list's construction is visible).
    let p = IDLE_LIST.load(Acquire);
    if !p.is_null() {
        // SAFETY: a non-null pointer is the leaked box published below, never freed.
        return unsafe { &*p };
    }
    let fresh = Box::into_raw(Box::new(Mutex::new(Vec::new())));
    // AcqRel: Release publishes `fresh`; Acquire sees a winner's list.
    match IDLE_LIST.compare_exchange(ptr::null_mut(), fresh, AcqRel, Acquire) {
        // SAFETY: we just published our leaked box; it is never freed.
        Ok(_) => unsafe { &*fresh },
        Err(winner) => {
            // SAFETY: `fresh` was never shared; `winner` is the published, leaked box.
            unsafe {
                drop(Box::from_raw(fresh));
                &*winner
            }
        }
    }
}

thread_local! {
    /// On a reservoir worker: its own slot (for [`worker_trapped`]).
    static MY_SLOT: RefCell<Option<Arc<Slot>>> = const { RefCell::new(None) };
    /// The workers this thread created: their JS `Worker` objects live in this thread's realm,
    /// so only this thread can await their exit.
    static OWNED: RefCell<Vec<(Arc<Slot>, WorkerHandle)>> = const { RefCell::new(Vec::new()) };
}

/// How many workers wait in the reservoir (any creator) with a stack of at least `min_stack`.
pub fn idle_workers(min_stack: usize) -> usize {
    idle_list()
        .lock()
        .iter()
        .filter(|s| s.stack >= min_stack)
        .count()
}

/// Makes sure at least `n` idle workers with a stack of `stack` bytes (or more) wait in the
/// reservoir, booting new ones as needed, and resolves once all of them are ready.
///
/// `stack` must be a non-zero multiple of 64 KiB.
///
/// # Errors
/// [`SpawnError::BadStackSize`], [`SpawnError::NoSharedMemory`] (page not cross-origin
/// isolated), [`SpawnError::BlobWorkersForbidden`] (CSP), [`SpawnError::Worker`].
pub async fn prestart(n: usize, stack: usize) -> Result<(), SpawnError> {
    super::check_stack_size(stack)?;
    let have = idle_workers(stack);
    let mut ready = Vec::new();
    for _ in have..n {
        let (slot, r) = boot_slot(stack)?;
        // Listed before it boots: `ready` is posted just before the worker enters its loop,
        // and a hand-over that comes first is simply found in `WORK` by its first load.
        idle_list().lock().push(slot.clone());
        ready.push((slot, r));
    }
    // All were created before the first await, so they boot in parallel.
    let mut first_err = None;
    for (slot, r) in ready {
        if let Err(e) = r.await_ready().await {
            forget_failed(&slot);
            first_err.get_or_insert(e);
        }
    }
    first_err.map_or(Ok(()), Err)
}

/// Creates one reservoir worker (not listed as idle) owned by this thread; it boots once this
/// thread returns to its event loop.
fn boot_slot(stack: usize) -> Result<(Arc<Slot>, super::Ready), SpawnError> {
    let slot = Arc::new(Slot {
        state: AtomicU32::new(IDLE),
        stack,
        job: UnsafeCell::new(None),
        running: UnsafeCell::new(None),
        dead_stack: UnsafeCell::new(None),
    });
    let s2 = slot.clone();
    let dead = slot.clone();
    let (handle, r) = super::start(
        Box::new(move || worker_loop(s2)),
        Some(stack),
        // Deferred: the handle being removed owns the message listener that calls this.
        Some(Box::new(move |message: String| {
            let dead = dead.clone();
            wasm_bindgen_futures::spawn_local(async move { replace_dead(&dead, &message) });
        })),
    )?;
    OWNED.with(|o| o.borrow_mut().push((slot.clone(), handle)));
    Ok((slot, r))
}

#[wasm_bindgen::prelude::wasm_bindgen]
extern "C" {
    /// `console.error` (the death of a worker is reported there too).
    #[wasm_bindgen(js_namespace = console, js_name = error)]
    fn console_error(msg: &wasm_bindgen::JsValue);
}

/// Deaths of reservoir workers reported to their creators (see [`worker_deaths`]).
static DEATHS: AtomicU32 = AtomicU32::new(0);
/// Replacement workers handed a dead worker's job.
static REPLACED: AtomicU32 = AtomicU32::new(0);

/// How many reservoir (pool) workers have died (their closure trapped, e.g. a panicking job in
/// this panic=abort build) and been reported to the thread that created them.
pub fn worker_deaths() -> usize {
    // Relaxed: a statistic; nothing is read through it.
    DEATHS.load(Relaxed) as usize
}

/// How many replacement workers took over a dead worker's place (see [`worker_deaths`]).
pub fn replaced_workers() -> usize {
    // Relaxed: a statistic; nothing is read through it.
    REPLACED.load(Relaxed) as usize
}

/// On the creating thread, when `dead`'s worker posted `portalis:died`: reports it, forgets the
/// dead worker, and boots a replacement that runs the job the dead one left (for a pool worker:
/// its loop at the same index, so the pool keeps its size).
fn replace_dead(dead: &Arc<Slot>, message: &str) {
    // Acquire: pairs with the Release store of `DEAD` in `worker_trapped`.
    let is_dead = dead.state.load(Acquire) == DEAD;
    if is_dead {
        // The creator's hold on the dead blocks ends here (ADR 123): the bootstrap posted this
        // message after the dying thread's last call into Rust returned. The pool's registry
        // may still hold them; the last of the two frees them.
        // SAFETY: `DEAD` was observed (Acquire): the dying worker wrote `dead_stack` before
        // and never touches the slot again; this creator is the only reader (one message).
        drop(unsafe { (*dead.dead_stack.get()).take() });
    }
    // Relaxed: a statistic.
    DEATHS.fetch_add(1, Relaxed);
    console_error(
        &format!("portalis: a Web Worker of the pool died ({message}); booting a replacement")
            .into(),
    );
    // The handle goes: the worker closed itself (its stack and TLS are kept, see module docs).
    OWNED.with(|o| o.borrow_mut().retain(|(s, _)| !Arc::ptr_eq(s, dead)));
    if !is_dead {
        return; // died outside a job (cannot happen: the bootstrap reports only after entry)
    }
    // SAFETY: `DEAD` was observed (Acquire): the dying worker wrote `job` before and never
    // touches the slot again; this creator is the only one that reads it (one message).
    let Some(job) = (unsafe { (*dead.job.get()).take() }) else {
        return;
    };
    let (slot, ready) = match boot_slot(dead.stack) {
        Ok(b) => b,
        Err(e) => {
            console_error(&format!("portalis: no replacement worker: {e}").into());
            return;
        }
    };
    // SAFETY: the new slot is in no list: this thread owns it until the store below.
    unsafe { *slot.job.get() = Some(job) };
    // Release: pairs with the Acquire load in `worker_loop` (found at its first load).
    slot.state.store(WORK, Release);
    futex::wake_one(&slot.state);
    // Relaxed: a statistic.
    REPLACED.fetch_add(1, Relaxed);
    wasm_bindgen_futures::spawn_local(async move {
        if let Err(e) = ready.await_ready().await {
            console_error(&format!("portalis: the replacement worker did not boot: {e}").into());
        }
    });
}

/// The entry the bootstrap calls on a worker whose closure trapped (a panic aborts in this
/// panic=abort build), on that worker, with the error's text and the instance's `__tls_base`
/// and `__stack_alloc` (0: unknown): see [`worker_trapped`].
///
/// Not for direct use: it is public only so wasm-bindgen exports it.
#[doc(hidden)]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn portalis_web_worker_died(message: String, tls_base: u32, stack_alloc: u32) {
    worker_trapped(&message, tls_base, stack_alloc);
}

/// Runs on a reservoir worker whose closure trapped (called by the bootstrap after the trap,
/// through `portalis_web_worker_died`): leaves in its slot the closure a replacement must run,
/// and marks it `DEAD`. When the job has no replacement (no `on_trap` hook, or the thread is no
/// pool worker) its `done` word is set instead, so its joiners do not wait forever. A worker
/// from `web::spawn` (no slot) is left alone: its handle's `closed` resolves on `portalis:died`.
///
/// `tls_base` and `stack_alloc` name this worker's blocks (ADR 123): the hook may keep them
/// for freeing, and the slot holds them until the creator handles the death. Never freed
/// when the hook keeps nothing (no pool: who else may still use this stack is unknown), when
/// either is 0, or when this returns early (no slot, no job).
pub(crate) fn worker_trapped(message: &str, tls_base: u32, stack_alloc: u32) {
    let Some(slot) = MY_SLOT.with(|s| s.borrow_mut().take()) else {
        return;
    };
    // SAFETY: `running` is this worker's own (see `Slot`).
    let Some(Running { done, on_trap }) = (unsafe { (*slot.running.get()).take() }) else {
        return;
    };
    let dead_stack = (tls_base != 0 && stack_alloc != 0).then(|| {
        Arc::new(DeadStack {
            tls_base,
            stack_alloc,
            stack_size: slot.stack,
        })
    });
    match on_trap.and_then(|hook| hook(message, &done, dead_stack.as_ref())) {
        Some(f) => {
            // SAFETY: the slot is `WORK` and this is its worker: nobody else touches `job`
            // or `dead_stack` until `DEAD` is published below. This thread keeps no
            // reference, so the blocks cannot be freed before the creator took this one.
            unsafe {
                *slot.job.get() = Some(Job { f, done, on_trap });
                *slot.dead_stack.get() = dead_stack;
            }
        }
        None => {
            // Never freed: nothing says when the last user of this stack is done.
            core::mem::forget(dead_stack);
            // Release: pairs with the Acquire loads in `WebThread::join`.
            done.store(1, Release);
            futex::wake_all(&done);
        }
    }
    // Release: pairs with the Acquire load in `replace_dead`.
    slot.state.store(DEAD, Release);
}

/// A worker that failed to boot: unlist it (if no spawner took it yet) and drop its handle.
/// A slot a spawner already took keeps its closure forever (the pool reports the missing
/// worker as not exited; nothing is freed that a late boot could still use).
fn forget_failed(slot: &Arc<Slot>) {
    let mut idle = idle_list().lock();
    if let Some(i) = idle.iter().position(|s| Arc::ptr_eq(s, slot)) {
        idle.swap_remove(i);
    }
    drop(idle);
    OWNED.with(|o| o.borrow_mut().retain(|(s, _)| !Arc::ptr_eq(s, slot)));
}

/// The loop a reservoir worker runs until it is told to exit.
fn worker_loop(slot: Arc<Slot>) {
    MY_SLOT.with(|s| *s.borrow_mut() = Some(slot.clone()));
    loop {
        // Acquire: pairs with the Release store of `WORK`/`EXIT` by the slot's taker.
        match slot.state.load(Acquire) {
            IDLE => {
                // A worker may block: it parks in memory.atomic.wait32.
                let _ = futex::wait(&slot.state, IDLE, None);
            }
            WORK => {
                // SAFETY: we loaded `WORK` (Acquire), so the taker's write of `job` is visible
                // and nobody else touches it until we publish `IDLE` (see `Slot`).
                let job = unsafe { (*slot.job.get()).take() };
                let done = job.map(|job| {
                    // SAFETY: `running` is this worker's own (see `Slot`).
                    unsafe {
                        *slot.running.get() = Some(Running {
                            done: job.done.clone(),
                            on_trap: job.on_trap,
                        })
                    };
                    (job.f)();
                    // SAFETY: as above.
                    unsafe { *slot.running.get() = None };
                    job.done
                });
                // Back in the list before the joiner hears of it, so a `shutdown_workers`
                // right after `join` finds this worker idle. Release: pairs with the Acquire
                // load above on the next hand-over.
                slot.state.store(IDLE, Release);
                idle_list().lock().push(slot.clone());
                if let Some(done) = done {
                    // Release: pairs with the Acquire loads in `WebThread::join`.
                    done.store(1, Release);
                    futex::wake_all(&done);
                }
            }
            _ => {
                MY_SLOT.with(|s| s.borrow_mut().take());
                return; // EXIT
            }
        }
    }
}

/// A closure handed to a reservoir worker: join waits until it returned.
#[derive(Debug)]
pub(crate) struct WebThread {
    done: Arc<AtomicU32>,
}

impl WebThread {
    /// Waits until the closure returned (blocks in a worker; spins on the page's main thread,
    /// where the caller only joins threads that already left their loop).
    pub(crate) fn join(self) {
        // Acquire: pairs with the Release store in `worker_loop`.
        while self.done.load(Acquire) == 0 {
            let _ = futex::wait(&self.done, 0, None);
        }
    }
}

/// Hands `f` to an idle reservoir worker whose stack is at least `min_stack` bytes (any when
/// `None`). Never creates a worker and never waits. `on_trap`: what a replacement runs if
/// `f` traps (see [`OnTrap`]; `None`: the worker is only reported dead).
///
/// # Errors
/// [`SpawnError::NoIdleWorker`] when none waits (call [`prestart`] first, or build the pool
/// with `ThreadPoolBuilder::build_async`).
pub(crate) fn spawn_thread(
    f: Box<dyn FnOnce() + Send + 'static>,
    min_stack: Option<usize>,
    on_trap: Option<OnTrap>,
) -> Result<WebThread, SpawnError> {
    if let Some(s) = min_stack {
        super::check_stack_size(s)?;
    }
    let want = min_stack.unwrap_or(0);
    let slot = {
        let mut idle = idle_list().lock();
        // Smallest fitting stack first, so big-stack workers stay for those who need them.
        let best = idle
            .iter()
            .enumerate()
            .filter(|(_, s)| s.stack >= want)
            .min_by_key(|(_, s)| s.stack)
            .map(|(i, _)| i);
        match best {
            Some(i) => idle.swap_remove(i),
            None => return Err(SpawnError::NoIdleWorker { min_stack: want }),
        }
    };
    let done = Arc::new(AtomicU32::new(0));
    // SAFETY: we removed the slot from the idle list, so we own it until the store below; its
    // worker waits for `WORK` and does not touch `job` (see `Slot`).
    unsafe {
        *slot.job.get() = Some(Job {
            f,
            done: done.clone(),
            on_trap,
        })
    };
    // Release: pairs with the Acquire load in `worker_loop`.
    slot.state.store(WORK, Release);
    futex::wake_one(&slot.state);
    Ok(WebThread { done })
}

/// What [`shutdown_workers`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ShutdownReport {
    /// Workers that left their loop, freed their stack and TLS and closed.
    pub stopped: usize,
    /// Workers still running a pool's loop (their pool is alive): left running, still owned.
    pub busy: usize,
}

/// Ends every idle reservoir worker this thread created: each leaves its loop, frees its
/// stack and TLS (`__wbindgen_thread_destroy`) and closes; the bootstrap's blob URL is revoked
/// once this thread owns no worker. Workers still lent to a live pool are left alone (drop or
/// shut down that pool first) and counted as `busy`.
pub async fn shutdown_workers() -> ShutdownReport {
    let owned = OWNED.with(|o| std::mem::take(&mut *o.borrow_mut()));
    let mut exiting = Vec::new();
    let mut kept = Vec::new();
    for (slot, handle) in owned {
        let removed = {
            let mut idle = idle_list().lock();
            match idle.iter().position(|s| Arc::ptr_eq(s, &slot)) {
                Some(i) => {
                    idle.swap_remove(i);
                    true
                }
                None => false,
            }
        };
        if removed {
            // Release: pairs with the Acquire load in `worker_loop`.
            slot.state.store(EXIT, Release);
            futex::wake_one(&slot.state);
            exiting.push(handle);
        } else {
            kept.push((slot, handle));
        }
    }
    let report = ShutdownReport {
        stopped: exiting.len(),
        busy: kept.len(),
    };
    for h in exiting {
        h.join_async().await;
        h.closed().await;
    }
    let none_left = kept.is_empty();
    OWNED.with(|o| o.borrow_mut().extend(kept));
    if none_left {
        super::revoke_bootstrap_url();
    }
    report
}
