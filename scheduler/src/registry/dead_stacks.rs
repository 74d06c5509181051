//! [`DeadStacks`]: the stacks (and TLS blocks) of a pool's dead Web Workers, held until no job
//! of the pool can use them any more (ADR 123). Generic over what it holds, so the models
//! check it (`verify/tests/loom_web_death.rs`); the browser holds `web::DeadStack`, whose
//! `Drop` frees the blocks (the last `Arc` frees them: the dead worker's creator holds another).
//!
//! # Protocol
//! * **S1.** A dying worker keeps its stack here ([`DeadStacks::keep`]) *before* its orphan is
//!   listed, so before its index's loop can run or leave.
//! * **S2.** Every loop of the pool calls [`DeadStacks::loop_left`] when it leaves, after its
//!   last job returned. The call that completes the count takes the list and drops it: every
//!   other loop's bump was a Release and this one an Acquire (one RMW chain), so every job's
//!   write to a dead stack happens before the free.
//! * **S3.** A worker that died in a wait for another pool's job (`cross`) poisons the list:
//!   nothing in it is ever freed (a job of the other pool may still use such a stack).
//!
//! Control: `dead_stacks_left_release` (S2 with a Release-only bump: a loop's write to the
//! dead stack races the free).
#![cfg_attr(not(portalis_loom), allow(dead_code, unreachable_pub))]

use portalis_primitives::sync::atomic::{AtomicBool, AtomicU32, Ordering::Relaxed};
use portalis_primitives::sync::Arc;

/// A pool's dead workers' stacks, released when its loops have all left (or it is dropped).
pub struct DeadStacks<T> {
    list: portalis_primitives::Mutex<Vec<Arc<T>>>,
    /// S3: never release (a worker died in a cross-pool wait).
    poisoned: AtomicBool,
    /// S2: loops that have left.
    left: AtomicU32,
}

impl<T> core::fmt::Debug for DeadStacks<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("DeadStacks")
            .field("poisoned", &self.poisoned)
            .field("left", &self.left)
            .finish_non_exhaustive()
    }
}

impl<T> Default for DeadStacks<T> {
    fn default() -> Self {
        DeadStacks {
            list: portalis_primitives::Mutex::new(Vec::new()),
            poisoned: AtomicBool::new(false),
            left: AtomicU32::new(0),
        }
    }
}

impl<T> DeadStacks<T> {
    /// An empty list.
    pub fn new() -> Self {
        Self::default()
    }

    /// S1: keeps a dead worker's stack (before its orphan is listed). `cross`: the worker died
    /// waiting for another pool's job (S3).
    pub fn keep(&self, stack: Arc<T>, cross: bool) {
        if cross {
            // Relaxed: read after the S2 Acquire (or in `Drop`), which orders this store.
            self.poisoned.store(true, Relaxed);
        }
        self.list.lock().push(stack);
    }

    /// S2: a loop of the pool left; the one that makes `loops` leavers releases the list
    /// (`release`: false when another thread of the pool may still run its jobs, e.g. a
    /// `use_current_thread` worker; then only `Drop` releases).
    pub fn loop_left(&self, loops: usize, release: bool) {
        #[cfg(not(portalis_seeded_bug = "dead_stacks_left_release"))]
        // AcqRel: Release publishes this loop's jobs' writes; the last bump's Acquire takes
        // every earlier bump's (one RMW chain), so they happen before the free below.
        let left = self
            .left
            .fetch_add(1, portalis_primitives::sync::atomic::Ordering::AcqRel)
            + 1;
        #[cfg(portalis_seeded_bug = "dead_stacks_left_release")]
        // Seeded bug (negative control, model builds only): the last leaver acquires nothing.
        let left = self
            .left
            .fetch_add(1, portalis_primitives::sync::atomic::Ordering::Release)
            + 1;
        if left as usize == loops && release {
            self.release();
        }
    }

    /// Drops the list (each entry freed unless another owner still holds it), unless
    /// poisoned (then leaked).
    fn release(&self) {
        let stacks = std::mem::take(&mut *self.list.lock());
        // Relaxed: the poisoning store happened before (S2's Acquire, or `&mut self`).
        if self.poisoned.load(Relaxed) {
            std::mem::forget(stacks);
        }
    }

    /// How many stacks are held (models).
    pub fn held(&self) -> usize {
        self.list.lock().len()
    }
}

impl<T> Drop for DeadStacks<T> {
    fn drop(&mut self) {
        self.release();
    }
}
