//! Awaitable pool calls for threads that must not block (the page's main thread): the job runs
//! on a pool worker, and its result comes back through a slot and a futex word the caller
//! awaits with `futex::wait_async` (`Atomics.waitAsync`, else `setTimeout` polling).

use crate::pool::ThreadPool;
use portalis_primitives::futex;
use portalis_primitives::sync::atomic::{
    AtomicU32,
    Ordering::{Acquire, Release},
};
use portalis_primitives::sync::Arc;
use std::cell::UnsafeCell;

/// A result handed from one worker to one awaiting thread.
struct Slot<R> {
    done: AtomicU32,
    value: UnsafeCell<Option<R>>,
}

// SAFETY: `value` is written once by the job before the Release store of `done` and read once
// by the awaiting thread after its Acquire load of `done`; never both at once.
unsafe impl<R: Send> Sync for Slot<R> {}

impl ThreadPool {
    /// [`install`](Self::install) without blocking the caller: `op` runs on a worker of this
    /// pool and the returned future resolves with its result. Usable on the page's main thread,
    /// where `install` can only busy-wait.
    ///
    /// A panic in `op` traps its worker (the browser build is panic=abort) and this future
    /// never resolves; use `web::TaskPool` with registered tasks where a panic must come back
    /// as an error.
    pub async fn install_async<OP, R>(&self, op: OP) -> R
    where
        OP: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        let slot = Arc::new(Slot {
            done: AtomicU32::new(0),
            value: UnsafeCell::new(None),
        });
        let s2 = slot.clone();
        self.spawn(move || {
            let r = op();
            // SAFETY: the only write, before `done` is published (see `Slot`).
            unsafe { *s2.value.get() = Some(r) };
            // Release: pairs with the Acquire load below.
            s2.done.store(1, Release);
            futex::wake_all(&s2.done);
        });
        // Acquire: pairs with the Release store above.
        while slot.done.load(Acquire) == 0 {
            let _ = futex::wait_async(&slot.done, 0, None).await;
        }
        // SAFETY: `done` was observed (Acquire): the write is complete and nobody writes again.
        match unsafe { (*slot.value.get()).take() } {
            Some(r) => r,
            None => unreachable!("done is set only after the value was stored"),
        }
    }

    /// [`join`](Self::join) without blocking the caller (see
    /// [`install_async`](Self::install_async)).
    pub async fn join_async<A, B, RA, RB>(&self, a: A, b: B) -> (RA, RB)
    where
        A: FnOnce() -> RA + Send + 'static,
        B: FnOnce() -> RB + Send + 'static,
        RA: Send + 'static,
        RB: Send + 'static,
    {
        self.install_async(move || crate::join(a, b)).await
    }
}
