//! Jobs: a type-erased [`JobRef`] (pointer + execute fn, or a small closure carried inline)
//! that the deques carry, the on-stack [`StackJob`] used by `install`/`broadcast`, the join
//! frame's [`JoinJob`], the boxed [`HeapJob`] used by `spawn` for closures too big to
//! carry inline, and [`JobFifo`], the FIFO queue a token on a LIFO deque draws from.

use crate::deque::{Injector, Steal};
use crate::latch::{Latch, SpinLatch};
use crate::running::record;
#[cfg(any(all(target_arch = "wasm32", target_feature = "atomics"), portalis_loom))]
use crate::running::WorkerDied;
use crate::sleep::Sleep;
use core::mem::{align_of, size_of, ManuallyDrop, MaybeUninit};
use portalis_primitives::sync::cell::UnsafeCell;
use std::any::Any;
use std::panic::{self, AssertUnwindSafe};

/// A panic payload carried from the thread that ran a job to the one that waits on it.
pub(crate) type Payload = Box<dyn Any + Send + 'static>;

/// A job that can be executed through a raw pointer.
pub(crate) trait Job {
    /// Runs the job.
    ///
    /// # Safety
    /// `this` points to a live `Self` that no other thread executes; the caller has exclusive
    /// rights to run it once.
    unsafe fn execute(this: *const ());
}

/// How many pointer-sized words of closure a [`JobRef`] carries inline (no allocation).
const INLINE_WORDS: usize = 2;
/// An inline job's closure bytes. `MaybeUninit` words: a closure may have padding, and the
/// words may carry pointers (their provenance travels with the bytes).
type Inline = [MaybeUninit<*const ()>; INLINE_WORDS];

/// A type-erased job: what the deques hold. Either a pointer to a job object (`StackJob`,
/// `JoinJob`, `HeapJob`) or, for a `spawn` closure of at most [`INLINE_WORDS`] words, the
/// closure itself (then `pointer` is null): spawning such a job allocates nothing (ADR 035).
#[derive(Clone, Copy, Debug)]
pub(crate) struct JobRef {
    /// The job object; null for an inline job.
    pointer: *const (),
    /// An inline job's closure (uninitialised otherwise).
    inline: Inline,
    execute_fn: unsafe fn(*const (), Inline),
}

// SAFETY: a JobRef is a handle whose creator guarantees the job may run on any thread (the
// closures are `Send`); ownership of the right to execute moves with the JobRef.
unsafe impl Send for JobRef {}
// SAFETY: as above; sharing the handle value itself is harmless.
unsafe impl Sync for JobRef {}

/// `execute_fn` of a job object.
///
/// # Safety
/// As [`Job::execute`] for `pointer`.
unsafe fn execute_object<T: Job>(pointer: *const (), _: Inline) {
    // SAFETY: forwarded.
    unsafe { T::execute(pointer) }
}

/// `execute_fn` of an inline closure.
///
/// # Safety
/// `inline` holds an `F` written by [`JobRef::spawned`], and this is its only execution.
unsafe fn execute_inline<F: FnOnce()>(_: *const (), inline: Inline) {
    // SAFETY: the bytes are an `F` (size and alignment checked when it was written); the
    // deques hand each JobRef to one runner, so the closure is moved out once.
    let f = unsafe { core::ptr::read(inline.as_ptr().cast::<F>()) };
    f();
}

impl JobRef {
    /// # Safety
    /// `data` must stay valid until the job has executed (or been reclaimed by its owner).
    #[inline(always)]
    pub(crate) unsafe fn new<T: Job>(data: *const T) -> JobRef {
        JobRef {
            pointer: data.cast(),
            inline: [MaybeUninit::uninit(); INLINE_WORDS],
            execute_fn: execute_object::<T>,
        }
    }

    /// A job running `f` once: carried inline when it fits in [`INLINE_WORDS`] words, else
    /// boxed ([`HeapJob`]). Executing it frees the box, if any.
    ///
    /// # Safety
    /// The closure may borrow data that must outlive the job's execution (the caller's
    /// obligation: scopes wait for their jobs; `'static` spawns borrow nothing). The JobRef
    /// (or one of its copies) is executed at most once.
    #[inline]
    pub(crate) unsafe fn spawned<F: FnOnce() + Send>(f: F) -> JobRef {
        if size_of::<F>() <= size_of::<Inline>() && align_of::<F>() <= align_of::<Inline>() {
            let mut inline: Inline = [MaybeUninit::uninit(); INLINE_WORDS];
            // SAFETY: `F` fits (size and alignment checked above); the bytes are moved, and
            // `execute_inline` moves them out again exactly once.
            unsafe { core::ptr::write(inline.as_mut_ptr().cast::<F>(), f) };
            JobRef {
                pointer: core::ptr::null(),
                inline,
                execute_fn: execute_inline::<F>,
            }
        } else {
            // SAFETY: forwarded from the caller.
            unsafe { HeapJob::new(f).into_job_ref() }
        }
    }

    /// # Safety
    /// Runs the job once; see [`Job::execute`].
    #[inline]
    pub(crate) unsafe fn execute(self) {
        // SAFETY: forwarded from the caller.
        unsafe { (self.execute_fn)(self.pointer, self.inline) }
    }
}

/// A job-object `JobRef` without the inline words: what a worker's private join-frame array
/// stores (16 bytes per frame, as before `JobRef` grew the inline words).
#[derive(Clone, Copy, Debug)]
pub(crate) struct FrameRef {
    pointer: *const (),
    execute_fn: unsafe fn(*const (), Inline),
}

impl FrameRef {
    /// A frame for a join's job (only [`JoinJob`]s are frames: [`FrameRef::bind_latch`]
    /// relies on its layout).
    ///
    /// # Safety
    /// As [`JobRef::new`].
    #[inline(always)]
    pub(crate) unsafe fn new<F: FnOnce(bool) -> R, R>(data: *const JoinJob<F, R>) -> FrameRef {
        FrameRef {
            pointer: data.cast(),
            execute_fn: execute_object::<JoinJob<F, R>>,
        }
    }

    /// Binds the frame's latch to its owner (worker `owner` of the pool whose sleep state is
    /// `sleep`): the promotion step of ADR 107, run by the owner before the push that shares
    /// the frame (the push publishes the latch with the job).
    ///
    /// # Safety
    /// The frame is alive and not yet shared (no thread but its owner can reach it), and it
    /// is bound at most once.
    #[inline]
    pub(crate) unsafe fn bind_latch(self, sleep: &Sleep, owner: usize) {
        // SAFETY: `pointer` came from a `&JoinJob` (`new`), which is `repr(C)` with the latch
        // cell first, so it points to that cell; the cell's interior mutability allows the
        // write through a shared borrow, and nobody else reads it yet (caller's contract).
        let cell = unsafe { &*self.pointer.cast::<UnsafeCell<MaybeUninit<SpinLatch>>>() };
        cell.with_mut(|l| {
            // SAFETY: exclusive (see above).
            unsafe { (*l).write(SpinLatch::new(sleep, owner)) };
        });
    }

    /// The full `JobRef` (for the deque, when the frame is promoted).
    #[inline]
    pub(crate) fn job_ref(self) -> JobRef {
        JobRef {
            pointer: self.pointer,
            inline: [MaybeUninit::uninit(); INLINE_WORDS],
            execute_fn: self.execute_fn,
        }
    }
}

impl PartialEq for JobRef {
    /// Identity of job objects (the fn pointer adds nothing and is not unique). Used only to
    /// recognise a join frame popped back; inline jobs (null) never equal a frame.
    fn eq(&self, other: &Self) -> bool {
        core::ptr::eq(self.pointer, other.pointer)
    }
}
impl Eq for JobRef {}

/// The outcome slot of a job.
pub(crate) enum JobResult<T> {
    None,
    Ok(T),
    Panic(Payload),
}

impl<T> JobResult<T> {
    /// Runs `f`, catching a panic.
    #[inline]
    pub(crate) fn call(f: impl FnOnce() -> T) -> Self {
        match panic::catch_unwind(AssertUnwindSafe(f)) {
            Ok(v) => JobResult::Ok(v),
            Err(p) => JobResult::Panic(p),
        }
    }

    /// The value, or resumes the carried panic on the calling thread.
    pub(crate) fn into_return_value(self) -> T {
        match self {
            JobResult::Ok(v) => v,
            JobResult::Panic(p) => resume(p),
            JobResult::None => unreachable!("job result read before the job ran"),
        }
    }
}

/// Resumes a job's panic on the thread that waited for it. A [`WorkerDied`] outcome (the
/// job's worker trapped, ADR 113) is raised with `panic_any`, not resumed, so that the panic
/// hook sees its typed payload; in the panic=abort browser build this traps the waiter too.
pub(crate) fn resume(p: Payload) -> ! {
    #[cfg(any(all(target_arch = "wasm32", target_feature = "atomics"), portalis_loom))]
    let p = match p.downcast::<WorkerDied>() {
        Ok(died) => panic::panic_any(*died),
        Err(p) => p,
    };
    panic::resume_unwind(p)
}

/// R3 of `running.rs` for a job whose outcome slot is an `UnsafeCell<JobResult<R>>`: the slot
/// gets the death as a panic payload.
///
/// # Safety
/// The runner died in the job's body: nobody reads or writes the slot until the latch is set.
#[cfg(any(all(target_arch = "wasm32", target_feature = "atomics"), portalis_loom))]
unsafe fn died_outcome<R>(slot: &UnsafeCell<JobResult<R>>, died: &WorkerDied) {
    let outcome = JobResult::Panic(Box::new(died.clone()));
    // SAFETY: exclusive until the latch is set (the contract).
    unsafe { slot.with_mut(|s| *s = outcome) };
}

/// A job living on the stack of the thread that waits for it; `L` tells that thread it ran.
pub(crate) struct StackJob<L, F, R> {
    pub(crate) latch: L,
    func: UnsafeCell<Option<F>>,
    result: UnsafeCell<JobResult<R>>,
}

impl<L: Latch, F: FnOnce(bool) -> R, R> StackJob<L, F, R> {
    #[inline]
    pub(crate) fn new(func: F, latch: L) -> Self {
        StackJob {
            latch,
            func: UnsafeCell::new(Some(func)),
            result: UnsafeCell::new(JobResult::None),
        }
    }

    /// # Safety
    /// The job must not be executing or have executed elsewhere, and must stay alive while
    /// the returned `JobRef` may still run.
    #[inline]
    pub(crate) unsafe fn as_job_ref(&self) -> JobRef {
        // SAFETY: forwarded from the caller.
        unsafe { JobRef::new(self) }
    }

    /// The result after the latch was observed set.
    pub(crate) fn into_result(self) -> R {
        self.result.into_inner().into_return_value()
    }
}

impl<L: Latch, F: FnOnce(bool) -> R, R> Job for StackJob<L, F, R> {
    unsafe fn execute(this: *const ()) {
        // SAFETY: `this` was made from a `&StackJob<L, F, R>` by `as_job_ref`; the owner keeps
        // it alive until the latch is set.
        let this = unsafe { &*(this as *const Self) };
        // SAFETY: the JobRef is executed once, by us; the owner does not touch `func` or
        // `result` until it sees the latch set.
        let func = unsafe { this.func.with_mut(|f| (*f).take()) }.expect("job run twice");
        // running.rs R1/R2: if this thread dies in `func`, `abandon` completes the job.
        let r = record!(this, Self::abandon).run(|| JobResult::call(|| func(true)));
        // SAFETY: as above: exclusive until the latch is set below.
        unsafe { this.result.with_mut(|slot| *slot = r) };
        // SAFETY: the latch lives in the job, which is alive until `set` publishes; `set`
        // touches nothing of the job after its publishing store.
        unsafe { L::set(&this.latch) };
    }
}

#[cfg(any(all(target_arch = "wasm32", target_feature = "atomics"), portalis_loom))]
impl<L: Latch, F: FnOnce(bool) -> R, R> StackJob<L, F, R> {
    /// running.rs R3: the runner died in `func`; the waiter gets `died` as the job's panic.
    ///
    /// # Safety
    /// As [`crate::running::Abandon`]; `this` is a `StackJob<L, F, R>`.
    unsafe fn abandon(this: *const (), died: &WorkerDied) {
        // SAFETY: the record was made from a live `&StackJob<L, F, R>` that is still unset.
        let this = unsafe { &*(this as *const Self) };
        // SAFETY: exclusive until the latch is set (the runner never continues).
        unsafe { died_outcome(&this.result, died) };
        // SAFETY: as in `execute`: `set` touches nothing of the job after publishing.
        unsafe { L::set(&this.latch) };
    }
}

/// The job of a `join` frame: `b`, its result slot and the latch a thief sets. Leaner than a
/// [`StackJob`] because the join fast path builds one per call (ADR 034): the closure is a
/// `ManuallyDrop` consumed exactly once (by the owner inline, by the owner after reclaiming
/// it, by a thief, or dropped by the owner's unwind guard) instead of an `Option` that is
/// written, tested and dropped; the result slot is written only by a thief, so it needs no
/// initialisation and no drop.
///
/// The latch is written only when the frame is promoted (ADR 107): a frame that is never
/// shared (nearly every join) never needs one, so the fast path writes nothing but the
/// closure. The owner binds it ([`FrameRef::bind_latch`]) before pushing the frame into its
/// deque, whose push publishes it to the thief; every reader (the thief's `set`, the owner's
/// probe after finding the frame promoted) comes after the promotion. `repr(C)` with the
/// latch first, so the type-erased [`FrameRef`] can reach it.
#[repr(C)]
pub(crate) struct JoinJob<F, R> {
    latch: UnsafeCell<MaybeUninit<SpinLatch>>,
    func: UnsafeCell<ManuallyDrop<F>>,
    result: UnsafeCell<MaybeUninit<JobResult<R>>>,
}

impl<F: FnOnce(bool) -> R, R> JoinJob<F, R> {
    #[inline(always)]
    pub(crate) fn new(func: F) -> Self {
        JoinJob {
            latch: UnsafeCell::new(MaybeUninit::uninit()),
            func: UnsafeCell::new(ManuallyDrop::new(func)),
            result: UnsafeCell::new(MaybeUninit::uninit()),
        }
    }

    /// The latch of a promoted frame.
    ///
    /// # Safety
    /// The frame was promoted (its latch bound by [`FrameRef::bind_latch`] before the push
    /// that shared it), and the caller is its owner or took it from a deque after that push.
    #[inline]
    pub(crate) unsafe fn latch(&self) -> &SpinLatch {
        // SAFETY: bound before the frame was shared (caller's contract); never written again.
        self.latch.with(|l| unsafe { (*l).assume_init_ref() })
    }

    /// # Safety
    /// As [`StackJob::as_job_ref`].
    #[inline(always)]
    pub(crate) unsafe fn as_job_ref(&self) -> JobRef {
        // SAFETY: forwarded from the caller.
        unsafe { JobRef::new(self) }
    }

    /// # Safety
    /// As [`StackJob::as_job_ref`].
    #[inline(always)]
    pub(crate) unsafe fn as_frame_ref(&self) -> FrameRef {
        // SAFETY: forwarded from the caller.
        unsafe { FrameRef::new(self) }
    }

    /// Takes the closure out.
    ///
    /// # Safety
    /// Called at most once per job and only by whoever holds the right to run it: the owner
    /// when the frame was never promoted or was popped back from its deque (then no thief can
    /// hold the `JobRef`), or the thief in `execute`.
    #[inline(always)]
    pub(crate) unsafe fn take_func(&self) -> F {
        // SAFETY: forwarded: exclusive access, and the closure is still there.
        unsafe { self.func.with_mut(|f| ManuallyDrop::take(&mut *f)) }
    }

    /// The result after the latch was observed set (a thief ran the job).
    ///
    /// # Safety
    /// The latch was observed set (Acquire), and this is called once.
    pub(crate) unsafe fn take_result(&self) -> R {
        // SAFETY: the thief wrote the slot before its Release store of the latch, which we
        // observed with Acquire; nobody touches the job any more.
        let r = unsafe { self.result.with_mut(|slot| (*slot).assume_init_read()) };
        r.into_return_value()
    }
}

impl<F, R> JoinJob<F, R> {
    /// Drops the result a thief wrote (a panic payload too), without resuming it.
    ///
    /// # Safety
    /// As [`JoinJob::take_result`].
    pub(crate) unsafe fn drop_result(&self) {
        // SAFETY: forwarded: the slot was written and is read once.
        drop(unsafe { self.result.with_mut(|slot| (*slot).assume_init_read()) });
    }
}

impl<F: FnOnce(bool) -> R, R> Job for JoinJob<F, R> {
    unsafe fn execute(this: *const ()) {
        // SAFETY: `this` was made from a `&JoinJob<F, R>` by `as_job_ref`; the owner keeps it
        // alive until the latch is set.
        let this = unsafe { &*(this as *const Self) };
        // SAFETY: we took the JobRef from a queue, so we are its only runner (take_func).
        let func = unsafe { this.take_func() };
        if cfg!(portalis_seeded_bug = "death_unlink_after_publish") {
            // Negative control of `verify/` (model builds only, never shipped): the outcome is
            // published while the job is still on the running chain (running.rs R2 broken),
            // so a death right after the publish completes the job a second time.
            record!(this, Self::abandon).run(|| {
                let r = JobResult::call(|| func(true));
                // SAFETY: none beyond `execute`'s: this is the seeded bug.
                unsafe { this.result.with_mut(|slot| (*slot).write(r)) };
                // SAFETY: as below.
                unsafe { SpinLatch::set(this.latch()) };
                #[cfg(portalis_loom)]
                crate::running::model_death_point();
            });
            return;
        }
        // running.rs R1/R2: if this thread dies in `func`, `abandon` completes the job.
        let r = record!(this, Self::abandon).run(|| JobResult::call(|| func(true)));
        if cfg!(portalis_seeded_bug = "join_result_after_latch") {
            // Negative control of `verify/` (model builds only, never shipped): the latch set
            // before the result is written, which the owner may read (or free) at once.
            // SAFETY: none: this is the seeded bug the models must report.
            unsafe { SpinLatch::set(this.latch()) };
            // SAFETY: none (seeded bug).
            unsafe { this.result.with_mut(|slot| (*slot).write(r)) };
            return;
        }
        // SAFETY: exclusive until the latch is set below; the slot was never written.
        unsafe { this.result.with_mut(|slot| (*slot).write(r)) };
        // SAFETY: we took the job from a deque, so it was promoted and its latch bound before
        // that push (`latch`); the latch lives in the job, alive until `set` publishes, and
        // `set` touches nothing of the job after its publishing store.
        unsafe { SpinLatch::set(this.latch()) };
        // Models only: the thread may die here, the job done (running.rs R2 keeps it safe).
        #[cfg(portalis_loom)]
        crate::running::model_death_point();
    }
}

#[cfg(any(all(target_arch = "wasm32", target_feature = "atomics"), portalis_loom))]
impl<F: FnOnce(bool) -> R, R> JoinJob<F, R> {
    /// running.rs R3: the thief died in `b`; the join's owner gets `died` as `b`'s panic.
    ///
    /// # Safety
    /// As [`crate::running::Abandon`]; `this` is a `JoinJob<F, R>`.
    unsafe fn abandon(this: *const (), died: &WorkerDied) {
        // SAFETY: the record was made from a live `&JoinJob<F, R>` that is still unset.
        let this = unsafe { &*(this as *const Self) };
        let outcome: JobResult<R> = JobResult::Panic(Box::new(died.clone()));
        // SAFETY: the slot was never written (the thief died before writing it) and is ours
        // until the latch is set.
        unsafe { this.result.with_mut(|slot| (*slot).write(outcome)) };
        // SAFETY: as in `execute`: the job was taken from a deque, so its latch was bound
        // before that push (`latch`); `set` touches nothing of the job after publishing.
        unsafe { SpinLatch::set(this.latch()) };
    }

    /// For the loom models only: a thief that takes the job and dies in its body, the way a
    /// trapping Web Worker does. The record is linked as in `execute`, the death walk runs
    /// from inside the body, and nothing after the body runs (a trapped thread never
    /// continues).
    ///
    /// # Safety
    /// As [`Job::execute`]; the calling thread's chain holds no other record.
    #[cfg(portalis_loom)]
    pub(crate) unsafe fn model_die_in_body(&self, died: &WorkerDied) {
        // SAFETY: forwarded: we hold the right to run the job.
        drop(unsafe { self.take_func() });
        let this: *const Self = self;
        // SAFETY: the body "traps": the record names this live, unset job.
        record!(this, Self::abandon).run(|| unsafe { crate::running::abandon_all(died) });
    }
}

/// A boxed job for `spawn`: runs once and frees itself.
pub(crate) struct HeapJob<F> {
    func: F,
}

impl<F: FnOnce() + Send> HeapJob<F> {
    fn new(func: F) -> Box<Self> {
        Box::new(HeapJob { func })
    }

    /// Leaks the box into a `JobRef`; executing the JobRef frees it.
    ///
    /// # Safety
    /// The closure may borrow data that must outlive the job's execution (the caller's
    /// obligation: scopes wait for their jobs; `'static` spawns borrow nothing).
    unsafe fn into_job_ref(self: Box<Self>) -> JobRef {
        // SAFETY: the box stays allocated until `execute` reclaims it.
        unsafe { JobRef::new(Box::into_raw(self)) }
    }
}

impl<F: FnOnce() + Send> Job for HeapJob<F> {
    unsafe fn execute(this: *const ()) {
        // SAFETY: `this` came from `Box::into_raw` in `into_job_ref` and runs exactly once.
        let this = unsafe { Box::from_raw(this as *mut Self) };
        (this.func)();
    }
}

/// A FIFO queue of jobs reached through tokens on LIFO deques (issue 15 §8). `spawn_fifo`
/// queues its job here and pushes a token (a `JobRef` to this queue) on the spawning
/// worker's deque; whoever runs a token runs the *oldest* job of the queue. Jobs of one queue
/// therefore start in the order they were queued, and as a group they interleave with the
/// worker's LIFO jobs by where their tokens sit in the deque.
///
/// Invariant: every push adds one job and one token, and a token takes one job, so a token
/// always finds a job.
pub(crate) struct JobFifo {
    queue: Injector<JobRef>,
}

impl JobFifo {
    pub(crate) fn new() -> Self {
        JobFifo {
            queue: Injector::new(),
        }
    }

    /// Queues `job`, then hands its token to `push_token` (which pushes it on the spawning
    /// worker's deque). The order is the protocol: a thief that steals the token from the
    /// deque (Acquire, paired with the deque push's Release) then finds the job, queued
    /// before in program order (verify/tests/loom_fifo.rs).
    ///
    /// # Safety
    /// `self` must stay alive until the token has executed (a scope's queue: the scope
    /// waits for the job the token runs; a worker's queue: it lives in the registry, which
    /// every worker that can run the token keeps alive).
    #[inline]
    pub(crate) unsafe fn push(&self, job: JobRef, push_token: impl FnOnce(JobRef)) {
        // SAFETY: forwarded from the caller.
        let token = unsafe { JobRef::new(self) };
        if cfg!(portalis_seeded_bug = "fifo_token_before_job") {
            // Negative control of `verify/` (checker builds only, never shipped): the token
            // is published before its job, so a thief can run it against an empty queue.
            push_token(token);
            self.queue.push(job);
            return;
        }
        self.queue.push(job);
        push_token(token);
    }
}

impl Job for JobFifo {
    unsafe fn execute(this: *const ()) {
        // SAFETY: a token is made by `push` from a live `JobFifo` that outlives it (push's
        // contract).
        let this = unsafe { &*(this as *const Self) };
        let job = loop {
            match this.queue.steal() {
                Steal::Success(job) => break job,
                Steal::Retry => {}
                Steal::Empty => {
                    // Unreachable by the one-token-per-job invariant (the job was pushed
                    // before its token, and the deque hand-over ordered the two).
                    debug_assert!(false, "a FIFO token found its queue empty");
                    return;
                }
            }
        };
        // From here on `this` may be freed (the job can end the scope owning the queue):
        // touch only `job`.
        // SAFETY: taken from the queue, so we hold the sole right to run it.
        unsafe { job.execute() }
    }
}
