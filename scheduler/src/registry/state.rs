//! [`Registry`]: the state a pool's handle and its workers share — per-worker stealers,
//! heartbeat flags and broadcast queues, the injector, the sleep state, the termination flag
//! and the handlers. Only state and the operations on it; no thread is started here (see
//! `build.rs`) and nothing here knows a worker's private state (see `worker.rs`).

use crate::deque::{Injector, Steal, Stealer, Worker};
use crate::job::{JobFifo, JobRef, Payload};
use crate::sleep::Sleep;
use crossbeam_utils::CachePadded;
use portalis_primitives::futex;
use portalis_primitives::stdlike::Mutex;
use portalis_primitives::sync::atomic::{
    AtomicBool, AtomicU32,
    Ordering::{Acquire, Relaxed, Release},
};
#[cfg(all(target_arch = "wasm32", target_feature = "atomics"))]
use portalis_primitives::sync::Arc;
use portalis_primitives::time::Instant;
use std::panic::{self, AssertUnwindSafe};

/// A start or exit handler: runs on worker `i` with its index.
pub(crate) type StartHandler = dyn Fn(usize) + Send + Sync;
/// Receives the panics of `spawn`ed jobs.
pub(crate) type PanicHandler = dyn Fn(Payload) + Send + Sync;

/// Per-worker shared state (what other threads see of worker `i`).
struct ThreadInfo {
    stealer: Stealer<JobRef>,
    /// Heartbeat request: "promote a frame, someone is hungry" (ADR 031).
    beat: CachePadded<AtomicBool>,
    /// `broadcast` jobs for this worker only.
    broadcast: Injector<JobRef>,
    /// This worker's `spawn_fifo` jobs, run through tokens on its deque.
    fifo: JobFifo,
}

/// The handlers a pool runs on its workers.
#[derive(Default)]
pub(crate) struct Handlers {
    pub(crate) start: Option<Box<StartHandler>>,
    pub(crate) exit: Option<Box<StartHandler>>,
    pub(crate) panic: Option<Box<PanicHandler>>,
}

/// The state shared by a pool's handle and its workers.
pub(crate) struct Registry {
    infos: Box<[ThreadInfo]>,
    pub(crate) injector: Injector<JobRef>,
    pub(crate) sleep: Sleep,
    /// T1: set once; workers exit after draining. Relaxed reads in hot loops; see T1.
    terminate: AtomicBool,
    /// Number of spawned threads that have exited (futex word for shutdown_timeout).
    exited: AtomicU32,
    /// How many of the workers are threads this registry spawned (the others: the building
    /// thread under `use_current_thread`).
    pub(crate) spawned: usize,
    /// No threads at all: everything runs inline on the caller.
    pub(crate) inline: bool,
    pub(crate) handles: Mutex<Vec<crate::backend::ThreadHandle>>,
    handlers: Handlers,
    /// Browser: how a dead Web Worker is reported to awaited calls (ADR 115).
    #[cfg(all(target_arch = "wasm32", target_feature = "atomics"))]
    web: WebDeaths,
}

/// Worker deaths of a browser pool, for its awaited calls (ADR 115).
#[cfg(all(target_arch = "wasm32", target_feature = "atomics"))]
#[derive(Default)]
struct WebDeaths {
    /// The death count and the word awaited calls (`install_async`) wait on.
    signal: super::signal::CallSignal,
    /// The error text of the last death.
    death_message: Mutex<String>,
    /// Loops of dead workers not yet claimed by a replacement or by `shutdown` (ADR 113,
    /// `orphan.rs`). The crate's lock: on the page's main thread it spins, never traps.
    orphans: portalis_primitives::Mutex<Vec<Arc<super::orphan::Orphan>>>,
}

impl Registry {
    /// The state of a pool of `n` workers, `spawned` of which will be threads it starts; also
    /// returns each worker's private deque (index order).
    pub(crate) fn new(
        n: usize,
        spawned: usize,
        inline: bool,
        handlers: Handlers,
    ) -> (Registry, Vec<Worker<JobRef>>) {
        let deques: Vec<Worker<JobRef>> = (0..n).map(|_| Worker::new_lifo()).collect();
        let infos = deques
            .iter()
            .map(|d| ThreadInfo {
                stealer: d.stealer(),
                beat: CachePadded::new(AtomicBool::new(false)),
                broadcast: Injector::new(),
                fifo: JobFifo::new(),
            })
            .collect();
        let registry = Registry {
            infos,
            injector: Injector::new(),
            sleep: Sleep::new(n),
            terminate: AtomicBool::new(false),
            exited: AtomicU32::new(0),
            spawned,
            inline,
            handles: Mutex::new(Vec::new()),
            handlers,
            #[cfg(all(target_arch = "wasm32", target_feature = "atomics"))]
            web: WebDeaths::default(),
        };
        (registry, deques)
    }

    /// Worker count.
    #[inline]
    pub(crate) fn num_threads(&self) -> usize {
        self.infos.len()
    }

    pub(crate) fn stealer(&self, i: usize) -> &Stealer<JobRef> {
        &self.infos[i].stealer
    }

    pub(crate) fn beat_flag(&self, i: usize) -> *const AtomicBool {
        &*self.infos[i].beat
    }

    /// Asks worker `v` to promote a frame (ADR 031).
    pub(crate) fn request_beat(&self, v: usize) {
        let b = &self.infos[v].beat;
        // Relaxed: a hint; load first so an already-set flag's line stays shared.
        if !b.load(Relaxed) {
            b.store(true, Relaxed);
        }
    }

    /// Worker `i`'s queue of `spawn_fifo` jobs (lives as long as the registry).
    pub(crate) fn fifo(&self, i: usize) -> &JobFifo {
        &self.infos[i].fifo
    }

    /// Queues a broadcast job for worker `i` alone (the caller wakes the sleepers).
    pub(crate) fn push_broadcast(&self, i: usize, job: JobRef) {
        self.infos[i].broadcast.push(job);
    }

    pub(crate) fn pop_broadcast(&self, i: usize) -> Option<JobRef> {
        let q = &self.infos[i].broadcast;
        if q.is_empty() {
            return None;
        }
        loop {
            match q.steal() {
                Steal::Success(j) => return Some(j),
                Steal::Empty => return None,
                Steal::Retry => {}
            }
        }
    }

    pub(crate) fn has_broadcast(&self, i: usize) -> bool {
        !self.infos[i].broadcast.is_empty()
    }

    /// P1–P3 for a job from outside (or another pool).
    pub(crate) fn inject(&self, job: JobRef) {
        self.injector.push(job);
        self.sleep.new_jobs();
    }

    pub(crate) fn terminating(&self) -> bool {
        // Acquire: pairs with the Release store in `terminate`.
        self.terminate.load(Acquire)
    }

    /// T1: ask workers to exit once the queues are empty.
    pub(crate) fn terminate(&self) {
        // Release: pairs with the Acquire load in `terminating`.
        self.terminate.store(true, Release);
        self.sleep.wake_all();
    }

    pub(crate) fn thread_exited(&self) {
        // Release: pairs with the Acquire load in `wait_exited`.
        self.exited.fetch_add(1, Release);
        futex::wake_all(&self.exited);
        // Browser: `wait_exited` waits on the signal word (orphan.rs O3).
        #[cfg(all(target_arch = "wasm32", target_feature = "atomics"))]
        self.web.signal.signal();
    }

    /// Waits until `count` threads have left their loops (a failed build's started ones).
    pub(crate) fn wait_exited_count(&self, count: usize) {
        self.wait_exited_until(count, None, false);
    }

    /// Waits (up to `deadline`) until every spawned thread has left its loop. `outside`: the
    /// caller is no pool's worker, so in the browser it may run the loops of dead workers
    /// itself while it waits (orphan.rs O3).
    pub(crate) fn wait_exited(&self, deadline: Option<Instant>, outside: bool) -> bool {
        self.wait_exited_until(self.spawned, deadline, outside)
    }

    fn wait_exited_until(&self, count: usize, deadline: Option<Instant>, outside: bool) -> bool {
        #[cfg(not(all(target_arch = "wasm32", target_feature = "atomics")))]
        let _ = outside;
        // Browser: announced as a waiter on the signal word for the whole wait (signal.rs W1,
        // ADR 126), before the first read of the word, so every `signal` wakes us.
        #[cfg(all(target_arch = "wasm32", target_feature = "atomics"))]
        let _announced = self.web.signal.waiting();
        loop {
            // Browser (orphan.rs O3): the word read first, then the loops of dead workers run
            // here, then the exit count; the wait below is on that word.
            #[cfg(all(target_arch = "wasm32", target_feature = "atomics"))]
            // Acquire: pairs with the Release increment in `CallSignal::signal`.
            let seen = self.web.signal.word().load(Acquire);
            #[cfg(all(target_arch = "wasm32", target_feature = "atomics"))]
            if outside {
                self.run_orphans_here();
            }
            // Acquire: pairs with the Release increment in `thread_exited`.
            let e = self.exited.load(Acquire);
            if e as usize >= count {
                return true;
            }
            let left = match deadline {
                Some(d) => {
                    let now = Instant::now();
                    if now >= d {
                        return false;
                    }
                    Some(d - now)
                }
                None => None,
            };
            #[cfg(all(target_arch = "wasm32", target_feature = "atomics"))]
            let (word, seen) = (self.web.signal.word(), seen);
            #[cfg(not(all(target_arch = "wasm32", target_feature = "atomics")))]
            let (word, seen) = (&self.exited, e);
            if futex::wait(word, seen, left).is_err() {
                return false;
            }
        }
    }

    pub(crate) fn join_threads(&self) {
        let handles = std::mem::take(&mut *self.handles.lock().unwrap());
        for h in handles {
            h.join();
        }
    }

    /// Drops the join handles: the threads are detached and exit on their own (none is left
    /// finished but neither joined nor detached).
    pub(crate) fn detach_threads(&self) {
        drop(std::mem::take(&mut *self.handles.lock().unwrap()));
    }

    /// Runs the start handler on worker `i`; a panic goes to [`Self::handler_panicked`].
    pub(crate) fn run_start_handler(&self, i: usize) {
        if let Some(h) = &self.handlers.start {
            if let Err(p) = panic::catch_unwind(AssertUnwindSafe(|| h(i))) {
                self.handler_panicked(p, "start");
            }
        }
    }

    /// Runs the exit handler on worker `i`; a panic goes to [`Self::handler_panicked`].
    pub(crate) fn run_exit_handler(&self, i: usize) {
        if let Some(h) = &self.handlers.exit {
            if let Err(p) = panic::catch_unwind(AssertUnwindSafe(|| h(i))) {
                self.handler_panicked(p, "exit");
            }
        }
    }

    /// A start or exit handler panicked: the panic handler receives it and the worker goes
    /// on; without a panic handler the process aborts (a worker without its start-up, or an
    /// exit nobody hears of, is not a state to continue in silently; rayon-core does the same).
    fn handler_panicked(&self, p: Payload, which: &str) {
        if self.handlers.panic.is_some() {
            self.handle_panic(p);
        } else {
            eprintln!(
                "portalis-scheduler: a worker's {which} handler panicked and the pool has no \
                 panic_handler; aborting"
            );
            std::process::abort();
        }
    }

    /// A `spawn`ed job panicked.
    pub(crate) fn handle_panic(&self, p: Payload) {
        match &self.handlers.panic {
            Some(h) => {
                if panic::catch_unwind(AssertUnwindSafe(|| h(p))).is_err() {
                    eprintln!("portalis-scheduler: the panic handler panicked; aborting");
                    std::process::abort();
                }
            }
            None => {
                let msg = p
                    .downcast_ref::<&str>()
                    .copied()
                    .or_else(|| p.downcast_ref::<String>().map(|s| s.as_str()))
                    .unwrap_or("<non-string payload>");
                eprintln!("portalis-scheduler: a spawned job panicked: {msg}");
            }
        }
    }
}

#[cfg(all(target_arch = "wasm32", target_feature = "atomics"))]
impl Registry {
    /// How awaited calls on this pool hear of completions and deaths (ADR 115).
    pub(crate) fn call_signal(&self) -> &super::signal::CallSignal {
        &self.web.signal
    }

    /// The error text of the last worker death ("" if none).
    pub(crate) fn death_message(&self) -> String {
        self.web
            .death_message
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// A dead worker's loop (orphan.rs O1: added before `worker_died` bumps the word).
    pub(crate) fn add_orphan(&self, orphan: Arc<super::orphan::Orphan>) {
        self.web.orphans.lock().push(orphan);
    }

    /// Runs here every dead worker's loop that no replacement has claimed (orphan.rs O3):
    /// called by `shutdown(true)`, whose caller cannot count on the replacements booting (their
    /// creator may be this very thread, blocked). Only on a thread that is no pool worker (the
    /// loop makes it one for a while).
    fn run_orphans_here(&self) {
        loop {
            let next = self.web.orphans.lock().pop();
            match next {
                Some(o) => {
                    o.run_here();
                }
                None => return,
            }
        }
    }

    /// A worker of this pool died (its Web Worker trapped): counted, and every awaited call
    /// is woken to see it.
    pub(crate) fn worker_died(&self, message: &str) {
        *self
            .web
            .death_message
            .lock()
            .unwrap_or_else(|e| e.into_inner()) = message.to_owned();
        self.web.signal.died();
    }
}
