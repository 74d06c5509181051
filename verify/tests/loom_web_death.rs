//! Loom models of what a dead browser worker leaves behind (ADR 113).
//!
//! * The running-job chain (`scheduler/src/running.rs`). A thief runs a `join` frame's `b`
//!   job (the real `JoinJob`, its `SpinLatch` and its result slot) and may die in it.
//!   - A death *in the body* must complete the job with `WorkerDied` for the owner, who waits
//!     on the latch.
//!   - A death *after* the job completed, e.g. back in the worker loop or in an outer job,
//!     must not touch the job again: the owner may already have read the outcome and freed the
//!     frame. That is "the job finishes right as the worker dies": completion and death run on
//!     the same thread, so the chain's record must be gone before the publish (R2).
//!
//!   A trap cannot be injected under loom. `DeathJob::die_in_body` links the record as
//!   `execute` does and runs the death walk from inside the body. It then stops before
//!   anything after the body, as a trapped thread does.
//! * The orphan claim (`scheduler/src/registry/orphan.rs`, O2). The replacement worker and a
//!   thread in `shutdown(true)` both try to run a dead worker's loop, and exactly one may.
//!
//! * The dead stacks (`scheduler/src/registry/dead_stacks.rs`, ADR 123). A dead worker's stack
//!   is freed only after every loop of its pool left, so a live loop's last write into a frame
//!   on it happens before the free.
//!
//! Controls (verify/scripts/controls.sh): `death_unlink_after_publish` (the outcome
//! published while the record is still linked, so a death right after the publish sets the
//! latch a second time and writes the slot the owner reads), `orphan_claim_load_store` (a check
//! and a separate store instead of the CAS) and `dead_stacks_left_release` (the last leaver's
//! bump acquires nothing).
#![cfg(portalis_loom)]

use loom::sync::Arc;
use loom::thread;
use portalis_primitives::sync::atomic::{AtomicU32, Ordering::SeqCst};
use portalis_scheduler::model::{
    die_after_next_publish, thread_dies, DeadStacks, DeathJob, Orphan, WorkerDied,
};
use portalis_verify::model::loom_model;

/// Preemption bound of the models in this file.
const BOUND: usize = 3;

/// The death every model reports.
fn died() -> WorkerDied {
    WorkerDied {
        message: "RuntimeError: unreachable (model)".to_owned(),
    }
}

/// The owner raises a `WorkerDied` payload with `panic_any` (so that a real panic hook sees
/// it). Keep the default hook's line for it out of the model's output; other panics still
/// print.
fn quiet_worker_died_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !info.payload().is::<WorkerDied>() {
                previous(info);
            }
        }));
    });
}

/// The owner's wait: spin (yielding) until the latch is set.
fn wait_set(job: &DeathJob) {
    while !job.is_set() {
        thread::yield_now();
    }
}

/// Property: a thief that dies in the body completes the job with `WorkerDied` (R3), so the
/// owner waiting on the latch wakes and sees that death as `b`'s panic, never a value.
#[test]
fn loom_death_in_body_completes_the_waiting_owner() {
    quiet_worker_died_panics();
    loom_model(BOUND, || {
        let job = Arc::new(DeathJob::new(7));
        let j2 = job.clone();
        let thief = thread::spawn(move || j2.die_in_body(&died()));
        wait_set(&job);
        let payload = job
            .outcome()
            .expect_err("a dead thief cannot have produced a value");
        assert_eq!(payload.downcast_ref::<WorkerDied>(), Some(&died()));
        thief.join().unwrap();
    });
}

/// Property: a death right after the job published its outcome (the thread dies as the job
/// finishes) completes nothing of it, and neither does a later death (in its loop or an outer
/// job). The owner sees the value, and the slot it reads is written once, before the
/// publish. With the publish moved inside the record's lifetime (control
/// `death_unlink_after_publish`), the death walk writes the slot again and sets the latch a
/// second time. Loom reports that write as racing the owner's read, and the owner may see
/// `WorkerDied` instead of the value.
#[test]
fn loom_death_after_completion_leaves_the_job_alone() {
    quiet_worker_died_panics();
    loom_model(BOUND, || {
        let job = Arc::new(DeathJob::new(7));
        let j2 = job.clone();
        let thief = thread::spawn(move || {
            die_after_next_publish(died());
            j2.run();
            thread_dies(&died())
        });
        wait_set(&job);
        match job.outcome() {
            Ok(v) => assert_eq!(v, 7),
            Err(_) => panic!("a job that completed was reported dead"),
        }
        // The owner's frame is gone from here on (the job would be freed in the pool).
        drop(job);
        assert_eq!(thief.join().unwrap(), 0, "the late death found a record");
    });
}

/// Property (orphan.rs O2): of the replacement worker and a thread in `shutdown(true)`, exactly
/// one runs the dead worker's loop, and the loop's `done` word is set by the one that ran it
/// here (the reservoir sets it for a replacement).
#[test]
fn loom_orphan_loop_runs_once() {
    loom_model(BOUND, || {
        let ran = Arc::new(AtomicU32::new(0));
        let done = Arc::new(AtomicU32::new(0));
        let r2 = ran.clone();
        let orphan = Arc::new(Orphan::new(
            Box::new(move || {
                r2.fetch_add(1, SeqCst);
            }),
            done.clone(),
        ));
        let o2 = orphan.clone();
        let replacement = thread::spawn(move || o2.run_on_replacement());
        let here = orphan.run_here();
        let there = replacement.join().unwrap();
        assert!(
            here != there,
            "exactly one ran it (here {here}, there {there})"
        );
        assert_eq!(ran.load(SeqCst), 1, "the loop ran once");
        assert_eq!(
            done.load(SeqCst),
            u32::from(here),
            "done set by the thread that ran it here"
        );
    });
}

/// A dead worker's stack as the model sees it: a frame that a live loop's job still writes to
/// (a stolen `join` half's latch), and a `Drop` (the free) that writes it too.
struct ModelStack {
    frame: loom::cell::UnsafeCell<u32>,
    freed: Arc<AtomicU32>,
}

impl Drop for ModelStack {
    fn drop(&mut self) {
        // The free: loom checks that every write to the frame happened before it.
        // SAFETY: `&mut self`: no other reference to the frame is used from here on.
        self.frame.with_mut(|f| unsafe { *f = 0 });
        self.freed.fetch_add(1, SeqCst);
    }
}

/// A live loop's pointer into the dead frame (the pool hands jobs raw pointers, not `Arc`s).
struct FramePtr(*const ModelStack);
// SAFETY: the pointee lives until the last `Arc` is dropped, which `DeadStacks` delays until
// the loop holding this pointer has left (the property under test).
unsafe impl Send for FramePtr {}

/// Property (dead_stacks.rs S1, S2): a dead worker's stack, kept before its orphan is listed,
/// is freed once, after both of the pool's loops left (a live thief that completes a stolen
/// job in the dead frame, and the orphan's runner) and the creator dropped its hold, and the
/// thief's write happens before the free. With the last leaver's bump Release-only (control
/// `dead_stacks_left_release`), loom reports the free's write as racing the thief's.
#[test]
fn loom_dead_stack_freed_after_every_loop_left() {
    loom_model(BOUND, || {
        let freed = Arc::new(AtomicU32::new(0));
        let stacks = Arc::new(DeadStacks::<ModelStack>::new());
        let stack = Arc::new(ModelStack {
            frame: loom::cell::UnsafeCell::new(1),
            freed: freed.clone(),
        });
        let frame = FramePtr(Arc::as_ptr(&stack));
        let s1 = stacks.clone();
        // A live loop of the pool: completes the stolen job (writes the dead frame), leaves.
        let thief = thread::spawn(move || {
            let frame = frame;
            // SAFETY: the stack is freed only after this loop left (S2).
            unsafe { (*frame.0).frame.with_mut(|f| *f = 2) };
            s1.loop_left(2, true);
        });
        // The dying worker: S1, kept before its orphan is listed (here: its runner spawned).
        stacks.keep(stack.clone(), false);
        let s2 = stacks.clone();
        let orphan = thread::spawn(move || s2.loop_left(2, true));
        // The creator, on `portalis:died`: lets go of its hold.
        drop(stack);
        thief.join().unwrap();
        orphan.join().unwrap();
        assert_eq!(
            freed.load(SeqCst),
            1,
            "freed once the loops left, pool still alive"
        );
        assert_eq!(stacks.held(), 0, "the list was released");
    });
}
