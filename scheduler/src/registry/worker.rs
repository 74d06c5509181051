//! A worker thread's private state (deque, lazy join-frame stack, heartbeat flag), the main
//! loop, and the wait loop every blocked worker runs (execute local work → steal → sleep).

use super::state::Registry;
use crate::deque::{Steal, Stealer, Worker};
use crate::job::{FrameRef, JobRef};
use crate::latch::{Probe, SpinLatch};
use core::cell::Cell;
use core::ptr;
use portalis_primitives::sync::atomic::{AtomicBool, Ordering::Relaxed};
use portalis_primitives::sync::{self, Arc};

/// How many lazy join frames a worker records; deeper joins run as plain calls (they are
/// never promoted, which only matters for trees deeper than this under a single frame).
pub(crate) const MAX_FRAMES: usize = if sync::MODEL { 8 } else { 64 };

/// Failed search rounds (spin, then yield) before a worker sleeps (PROTOCOL.md S1).
/// Heuristic: ~30–60 µs of searching here, longer than a futex round trip (≈5–20 µs).
const ROUNDS_UNTIL_SLEEP: u32 = if sync::MODEL { 2 } else { 64 };
/// Of those rounds, the first ones spin (PAUSE) instead of yielding the core.
const SPIN_ROUNDS: u32 = if sync::MODEL { 1 } else { 16 };
/// Every this many joins a busy worker checks whether peers sleep and, if so, promotes a frame
/// itself (nobody idle is awake to ask). Heuristic, see ADR 031.
const TICK_PERIOD: u32 = if sync::MODEL { 2 } else { 1024 };

/// The tick backstop's join counter: counts down from [`TICK_PERIOD`], so a join's check is
/// one decrement that sets the zero flag itself (ADR 128; it counted up and masked before).
struct Ticks(Cell<u32>);

impl Ticks {
    const fn new() -> Ticks {
        Ticks(Cell::new(TICK_PERIOD))
    }

    /// Counts one join; `true` when the backstop check is due (then [`rearm`](Self::rearm)
    /// must run before the next `tick`).
    #[inline(always)]
    fn tick(&self) -> bool {
        let t = self.0.get() - 1;
        self.0.set(t);
        t == 0
    }

    /// Starts the next period if the current one ran out; nothing otherwise (a heartbeat
    /// requested by a hungry worker comes mid-period).
    #[inline]
    fn rearm(&self) {
        if self.0.get() == 0 {
            self.0.set(TICK_PERIOD);
        }
    }
}

/// Minimum time between two tick-backstop wakes by one busy worker (see `tick_wants_help`).
const TICK_WAKE_INTERVAL: std::time::Duration = std::time::Duration::from_micros(500);

/// Minimum time between two heartbeat requests by one hungry worker (ADR 031): a request
/// costs the victim a cache miss on its flag and a deque push; tiny trees must not pay that
/// every few hundred ns. `PORTALIS_HEARTBEAT_US` overrides it (tuning experiments).
fn heartbeat_interval() -> std::time::Duration {
    // The crate's own `OnceLock` outside the models (never std's, whose contended wait traps on
    // a page's main thread, where a pool may run inline: ADR 111); the models keep std's.
    #[cfg(not(any(portalis_loom, portalis_shuttle)))]
    static US: portalis_primitives::OnceLock<u64> = portalis_primitives::OnceLock::new();
    #[cfg(any(portalis_loom, portalis_shuttle))]
    static US: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    std::time::Duration::from_micros(*US.get_or_init(|| {
        std::env::var("PORTALIS_HEARTBEAT_US")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(DEFAULT_HEARTBEAT_US)
    }))
}
/// Default of [`heartbeat_interval`] in µs (chosen by the S1 measurements in ADR 031).
const DEFAULT_HEARTBEAT_US: u64 = 20;

#[cfg(not(any(portalis_loom, portalis_shuttle)))]
std::thread_local! {
    static WORKER: Cell<*const WorkerThread> = const { Cell::new(ptr::null()) };
}
#[cfg(any(portalis_loom, portalis_shuttle))]
sync::thread_local! {
    static WORKER: Cell<*const WorkerThread> = Cell::new(ptr::null());
}

/// A worker's state; lives on its own thread (the stack of the main loop), reached via TLS.
pub(crate) struct WorkerThread {
    pub(crate) deque: Worker<JobRef>,
    pub(crate) index: usize,
    pub(crate) registry: Arc<Registry>,
    /// The pool has one thread: join/scope run inline (no frames, no atomics).
    pub(crate) single: bool,
    /// Heartbeat flag (set by hungry workers), in the registry's per-worker info.
    beat: *const AtomicBool,
    /// Lazy join frames: `frames[..min(len, MAX_FRAMES)]` are the open joins' `b` jobs.
    frames: [Cell<Option<FrameRef>>; MAX_FRAMES],
    /// Number of open joins (may exceed MAX_FRAMES; those are not recorded).
    len: Cell<usize>,
    /// Frames below `head` have been promoted to the deque.
    head: Cell<usize>,
    /// Round-robin victim for heartbeats and steals.
    victim: Cell<usize>,
    /// Joins until the next tick backstop check.
    ticks: Ticks,
    /// When this worker last asked a victim for a heartbeat.
    last_request: Cell<Option<portalis_primitives::time::Instant>>,
    /// When the tick backstop last promoted to wake a sleeper.
    last_tick_wake: Cell<Option<portalis_primitives::time::Instant>>,
}

impl WorkerThread {
    pub(crate) fn new(registry: Arc<Registry>, index: usize, deque: Worker<JobRef>) -> Self {
        let single = registry.num_threads() <= 1;
        let beat = registry.beat_flag(index);
        WorkerThread {
            deque,
            index,
            registry,
            single,
            beat,
            frames: [const { Cell::new(None) }; MAX_FRAMES],
            len: Cell::new(0),
            head: Cell::new(0),
            victim: Cell::new(index),
            ticks: Ticks::new(),
            last_request: Cell::new(None),
            last_tick_wake: Cell::new(None),
        }
    }

    /// A latch owned by this worker (set by whoever runs the job it guards).
    #[inline(always)]
    pub(crate) fn spin_latch(&self) -> SpinLatch {
        SpinLatch::new(&self.registry.sleep, self.index)
    }

    /// The worker running on this thread, or null.
    #[inline]
    pub(crate) fn current() -> *const WorkerThread {
        WORKER.with(|w| w.get())
    }

    /// Installs `this` as the current thread's worker; returns the previous pointer.
    pub(crate) fn set_current(this: *const WorkerThread) -> *const WorkerThread {
        WORKER.with(|w| w.replace(this))
    }

    // ---- lazy frames (join.rs) -------------------------------------------------------

    /// Records a join frame; returns its index.
    #[inline(always)]
    pub(crate) fn push_frame(&self, job: FrameRef) -> usize {
        let idx = self.len.get();
        if idx < MAX_FRAMES {
            self.frames[idx].set(Some(job));
        }
        self.len.set(idx + 1);
        // Relaxed: a hint; promotion is done by this thread, and the push it makes is ordered
        // by the deque and PROTOCOL.md P2.
        // SAFETY: `beat` points into the registry, which `self.registry` keeps alive.
        if self.ticks.tick() | unsafe { (*self.beat).load(Relaxed) } {
            self.heartbeat();
        }
        idx
    }

    /// Pops frame `idx`; returns `true` when it had been promoted (shared) meanwhile.
    #[inline(always)]
    pub(crate) fn pop_frame(&self, idx: usize) -> bool {
        self.len.set(idx);
        if idx < self.head.get() {
            self.head.set(idx);
            true
        } else {
            false
        }
    }

    /// A heartbeat arrived: promote the oldest un-promoted frame into the deque.
    #[cold]
    #[inline(never)]
    pub(crate) fn heartbeat(&self) {
        self.ticks.rearm();
        // SAFETY: see push_frame. Relaxed: a hint.
        if unsafe { (*self.beat).swap(false, Relaxed) } {
            // Asked by a hungry worker: promote.
        } else if !self.tick_wants_help() {
            return;
        }
        let head = self.head.get();
        if head < self.len.get().min(MAX_FRAMES) {
            if let Some(job) = self.frames[head].get() {
                self.head.set(head + 1);
                let sleep = &self.registry.sleep;
                // ADR 107: the latch is bound here, before the push that shares the frame
                // (the deque's push publishes it to the thief with the job).
                // SAFETY: frames at `head..len` are live (their joins have not returned) and
                // were never pushed, so only this thread can reach them; each is promoted once.
                unsafe { job.bind_latch(sleep, self.index) };
                self.deque.push(job.job_ref());
                if cfg!(portalis_seeded_bug = "frame_latch_bound_late") {
                    // Negative control of `verify/` (model builds only, never shipped): the
                    // latch written again after the push, when a thief may already be setting
                    // it. (Bound before the push too, so a thief that runs first reads
                    // initialised memory; the models must report the late write.)
                    // SAFETY: none: this is the seeded bug the models must report.
                    unsafe { job.bind_latch(sleep, self.index) };
                }
                sleep.new_jobs();
            }
        }
    }

    /// The tick backstop: peers sleep and we have not woken one for a while. Waking costs a
    /// futex syscall on this (busy) thread, so it is rate-limited to one per
    /// [`TICK_WAKE_INTERVAL`]; without the limit, back-to-back 1,023-node trees paid a wake per
    /// tree (S1-1023-all went from 1.4× to 2.7× plain recursion).
    fn tick_wants_help(&self) -> bool {
        if !self.registry.sleep.has_sleepers() {
            return false;
        }
        if sync::MODEL {
            return true;
        }
        let now = portalis_primitives::time::Instant::now();
        match self.last_tick_wake.get() {
            Some(t) if now.duration_since(t) < TICK_WAKE_INTERVAL => false,
            _ => {
                self.last_tick_wake.set(Some(now));
                true
            }
        }
    }

    #[inline]
    fn check_beat(&self) {
        // SAFETY: see push_frame. Relaxed: a hint.
        if unsafe { (*self.beat).load(Relaxed) } {
            self.heartbeat();
        }
    }

    // ---- pushing eager jobs (spawn) ---------------------------------------------------

    /// Pushes a job onto this worker's deque (P1) and runs P2–P3.
    #[inline]
    pub(crate) fn push(&self, job: JobRef) {
        self.deque.push(job);
        // PROTOCOL.md P-single: a 1-thread pool's only worker is this running thread, so nobody can be asleep
        // waiting for this job: PROTOCOL.md P2–P3 (a SeqCst fence and a load) are skipped and
        // a 1-thread `scope` spawn has no fence or RMW on its path (the owner's job count is
        // batched, ADR 035).
        if !self.single {
            self.registry.sleep.new_jobs();
        }
    }

    /// `spawn_fifo` from this worker: the job goes into this worker's FIFO queue and a token
    /// onto its deque (issue 15 §8).
    #[inline]
    pub(crate) fn push_fifo(&self, job: JobRef) {
        // SAFETY: the queue lives in the registry, which every worker that can run the token
        // (only workers of this pool take from its deques) keeps alive.
        unsafe {
            self.registry
                .fifo(self.index)
                .push(job, |token| self.push(token))
        };
    }

    // ---- finding and running work ----------------------------------------------------

    /// Executes a job on this thread.
    ///
    /// # Safety
    /// `job` was taken from a queue (so we hold the sole right to run it).
    #[inline]
    pub(crate) unsafe fn execute(&self, job: JobRef) {
        // SAFETY: forwarded.
        unsafe { job.execute() }
    }

    /// Own broadcast queue, own deque, injector, then other workers.
    pub(crate) fn find_work(&self) -> Option<(JobRef, bool)> {
        if let Some(j) = self.registry.pop_broadcast(self.index) {
            return Some((j, false));
        }
        if let Some(j) = self.deque.pop() {
            return Some((j, false));
        }
        self.steal().map(|j| (j, true))
    }

    fn steal(&self) -> Option<JobRef> {
        let reg = &*self.registry;
        loop {
            let mut retry = false;
            match reg.injector.steal() {
                Steal::Success(j) => return Some(j),
                Steal::Retry => retry = true,
                Steal::Empty => {}
            }
            let n = reg.num_threads();
            let start = self.victim.get();
            for k in 0..n {
                let v = (start + k) % n;
                if v == self.index {
                    continue;
                }
                let s: &Stealer<JobRef> = reg.stealer(v);
                match s.steal() {
                    Steal::Success(j) => {
                        self.victim.set(v);
                        return Some(j);
                    }
                    Steal::Retry => retry = true,
                    Steal::Empty => {}
                }
            }
            if !retry {
                return None;
            }
        }
    }

    /// S4's "is there anything at all?" (for this worker).
    pub(crate) fn has_work(&self) -> bool {
        let reg = &*self.registry;
        reg.has_broadcast(self.index)
            || !reg.injector.is_empty()
            || (0..reg.num_threads()).any(|v| !reg.stealer(v).is_empty())
    }

    /// S1's heartbeat request: ask the next busy worker to share a frame.
    fn signal_hungry(&self) {
        let reg = &*self.registry;
        let n = reg.num_threads();
        if n <= 1 {
            return;
        }
        if !sync::MODEL {
            let now = portalis_primitives::time::Instant::now();
            if let Some(last) = self.last_request.get() {
                if now.duration_since(last) < heartbeat_interval() {
                    return;
                }
            }
            self.last_request.set(Some(now));
        }
        let mut v = (self.victim.get() + 1) % n;
        if v == self.index {
            v = (v + 1) % n;
        }
        self.victim.set(v);
        reg.request_beat(v);
    }

    /// Runs jobs until `done()` holds; sleeps (S1–S5) when there is nothing to do.
    pub(crate) fn wait_until(&self, latch: &dyn Probe) {
        self.work_until(&|| latch.probe(), false);
    }

    /// The body of every wait: main loop (`done` = terminating, `drain`: finish queued work
    /// first, T1) and latch waits (`drain` false: return as soon as the latch is set).
    pub(crate) fn work_until(&self, done: &dyn Fn() -> bool, drain: bool) {
        let mut rounds = 0u32;
        loop {
            if !drain && done() {
                return;
            }
            self.check_beat();
            let found = self.find_work();
            if found.is_none() && drain && done() {
                return;
            }
            if let Some((job, stolen)) = found {
                if stolen && self.registry.sleep.has_sleepers() {
                    // Work came from elsewhere and peers sleep: promote our first frame so a
                    // sleeper is woken (by the push) only if this job actually forks.
                    self.registry.request_beat(self.index);
                }
                // SAFETY: taken from a queue.
                unsafe { self.execute(job) };
                rounds = 0;
                continue;
            }
            if rounds < ROUNDS_UNTIL_SLEEP {
                self.signal_hungry();
                if rounds < SPIN_ROUNDS {
                    for _ in 0..(1u32 << rounds.min(6)) {
                        sync::hint::spin_loop();
                    }
                } else {
                    sync::thread::yield_now();
                }
                rounds += 1;
                continue;
            }
            self.registry
                .sleep
                .sleep(self.index, || !done() && !self.has_work());
            rounds = 0;
        }
    }

    /// One step for `yield_local`: run one job of this worker's own deque, if any.
    pub(crate) fn yield_local_one(&self) -> bool {
        match self.deque.pop() {
            Some(job) => {
                // SAFETY: taken from our deque.
                unsafe { self.execute(job) };
                true
            }
            None => false,
        }
    }

    /// One step for `yield_now`: run one available job, if any.
    pub(crate) fn yield_one(&self) -> bool {
        self.check_beat();
        match self.find_work() {
            Some((job, _)) => {
                // SAFETY: taken from a queue.
                unsafe { self.execute(job) };
                true
            }
            None => false,
        }
    }
}

/// The main loop of a pool thread.
pub(crate) fn main_loop(registry: Arc<Registry>, index: usize, deque: Worker<JobRef>) {
    let wt = WorkerThread::new(registry.clone(), index, deque);
    let prev = WorkerThread::set_current(&wt);
    debug_assert!(prev.is_null());
    // An unwind out of the loop would lose a worker silently: abort instead (docs/style.md §8).
    let abort = AbortOnUnwind;
    registry.run_start_handler(index);
    wt.work_until(&|| registry.terminating(), true);
    registry.run_exit_handler(index);
    core::mem::forget(abort);
    WorkerThread::set_current(ptr::null());
    drop(wt);
    registry.thread_exited();
}

/// Called on a pool worker whose Web Worker trapped (a panic aborts in the browser build), on
/// that worker, after the trap unwound its JS stack (ADR 115, 113): takes its place's state out
/// of the dead frame (the registry and the deque) into an [`Orphan`](super::orphan::Orphan)
/// listed in the registry (O1), completes every job the worker was in the middle of with
/// `WorkerDied` (running.rs R3), tells the registry (awaited calls on the pool are rejected)
/// and returns what a replacement worker runs: the orphan, if nobody claimed it first. `done`
/// is the dead worker's "returned" word, which the pool's join handle waits on. `None` if this
/// thread is no pool worker. The registry keeps `dead_stack` (the worker's stack and TLS
/// block) until it is dropped, and lets it be freed then unless this worker died in a wait
/// for another pool's job (ADR 123).
#[cfg(all(target_arch = "wasm32", target_feature = "atomics"))]
pub(crate) fn adopt_after_trap(
    message: &str,
    done: &Arc<portalis_primitives::sync::atomic::AtomicU32>,
    dead_stack: Option<&Arc<crate::web_rt::DeadStack>>,
) -> Option<Box<dyn FnOnce() + Send + 'static>> {
    let wt = WorkerThread::set_current(ptr::null());
    if wt.is_null() {
        return None;
    }
    // SAFETY: `wt` is this thread's own worker, in `main_loop`'s frame on this worker's stack.
    // The trap left that frame without running its destructors, and this thread never runs
    // Rust again after returning (the bootstrap closes it; its stack is freed only after that,
    // ADR 123), so moving the registry and the deque out is the only use of them from now on:
    // the dead frame's copies are never dropped or read.
    let (registry, index, deque) = unsafe {
        let wt = &*wt;
        (ptr::read(&wt.registry), wt.index, ptr::read(&wt.deque))
    };
    let r2 = registry.clone();
    let orphan = Arc::new(super::orphan::Orphan::new(
        Box::new(move || main_loop(r2, index, deque)),
        done.clone(),
    ));
    if let Some(stack) = dead_stack {
        // ADR 123: jobs of this pool may still use the dead stack until its loops have all
        // left; a job of another pool (this worker waited for it) may use it for ever. Kept
        // before the orphan is listed, so before this index's loop can leave.
        registry.keep_dead_stack(stack.clone(), crate::running::in_cross_wait());
    }
    // O1: listed before the death is signalled.
    registry.add_orphan(orphan.clone());
    let died = crate::running::WorkerDied {
        message: message.to_owned(),
    };
    // SAFETY: this thread died: the bodies on its chain never continue (R3's contract).
    unsafe { crate::running::abandon_all(&died) };
    registry.worker_died(message);
    Some(Box::new(move || {
        orphan.run_on_replacement();
    }))
}

/// Aborts the process if dropped during unwinding.
pub(crate) struct AbortOnUnwind;

impl Drop for AbortOnUnwind {
    fn drop(&mut self) {
        eprintln!("portalis-scheduler: a worker loop unwound (a handler panicked); aborting");
        std::process::abort();
    }
}

#[cfg(test)]
mod tests {
    use super::{Ticks, TICK_PERIOD};

    /// Pins the tick backstop's schedule (ADR 128): due on the `TICK_PERIOD`-th join and every
    /// period after, as the counting-up version's `t & (period - 1) == 0` was; a heartbeat
    /// that runs mid-period (asked for by a hungry worker) does not restart the count.
    #[test]
    fn tick_backstop_is_due_once_per_period() {
        let ticks = Ticks::new();
        let mut due = Vec::new();
        for join in 1..=3 * TICK_PERIOD {
            if ticks.tick() {
                due.push(join);
            }
            // `heartbeat` rearms on every call, due or not (a beat may arrive on any join).
            ticks.rearm();
        }
        assert_eq!(due, [TICK_PERIOD, 2 * TICK_PERIOD, 3 * TICK_PERIOD]);
    }
}
