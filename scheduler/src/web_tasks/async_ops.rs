//! Awaitable pool calls for threads that must not block (the page's main thread): the job runs
//! on a pool worker, and its result comes back through a slot; the caller awaits the pool's
//! signal word with `futex::wait_future` (the futex waker table: the executor's waker, one
//! event-loop task per wake-up, ADR 118), which completions and worker deaths bump and wake
//! with `futex::wake_all` (ADR 115).

use crate::executor::{Future, FutureError};
use crate::pool::ThreadPool;
use crate::registry::signal::Step;
use crate::running::WorkerDied;
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
    /// # Errors
    /// [`WorkerDied`] when a worker of this pool dies while the call is pending (a panic in
    /// `op`, or in any job of the pool, traps its worker: the browser build is panic=abort).
    /// The pool cannot tell which pending calls depended on the dead job, so it rejects all of
    /// them; the dead worker is replaced (ADR 115). Use `web::TaskPool` with registered tasks
    /// where a panic must come back as the call's own error.
    pub async fn install_async<OP, R>(&self, op: OP) -> Result<R, WorkerDied>
    where
        OP: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        let slot = Arc::new(Slot {
            done: AtomicU32::new(0),
            value: UnsafeCell::new(None),
        });
        let registry = self.registry.clone();
        let deaths = registry.call_signal().deaths();
        let s2 = slot.clone();
        let r2 = registry.clone();
        self.spawn(move || {
            let r = op();
            // SAFETY: the only write, before `done` is published (see `Slot`).
            unsafe { *s2.value.get() = Some(r) };
            // Release: pairs with the Acquire load in `CallSignal::check`.
            s2.done.store(1, Release);
            r2.call_signal().signal();
        });
        let sig = registry.call_signal();
        loop {
            // Announced (signal.rs W1) only once a first check found nothing: a job that
            // finished before we looked makes `signal` skip its futex call (ADR 126).
            let mut announced = None;
            let mut step = sig.check(&slot.done, deaths);
            if let Step::Wait(_) = step {
                announced = Some(sig.waiting());
                step = sig.check(&slot.done, deaths); // W1's re-check, after announcing
            }
            match step {
                Step::Done => break,
                Step::Died => {
                    return Err(WorkerDied {
                        message: registry.death_message(),
                    })
                }
                // The table route (one event-loop task per wake-up, ADR 118): `signal` and
                // `died` wake with `futex::wake_all`, which visits it.
                Step::Wait(seen) => futex::wait_future(sig.word(), seen).await,
            }
            drop(announced);
        }
        // SAFETY: `done` was observed (Acquire): the write is complete and nobody writes again.
        match unsafe { (*slot.value.get()).take() } {
            Some(r) => Ok(r),
            None => unreachable!("done is set only after the value was stored"),
        }
    }

    /// [`join`](Self::join) without blocking the caller (see
    /// [`install_async`](Self::install_async)).
    ///
    /// # Errors
    /// [`WorkerDied`], as [`install_async`](Self::install_async).
    pub async fn join_async<A, B, RA, RB>(&self, a: A, b: B) -> Result<(RA, RB), WorkerDied>
    where
        A: FnOnce() -> RA + Send + 'static,
        B: FnOnce() -> RB + Send + 'static,
        RA: Send + 'static,
        RB: Send + 'static,
    {
        self.install_async(move || crate::join(a, b)).await
    }
}

impl<T: Send + 'static> Future<T> {
    /// [`result`](Self::result) (untimed) without blocking: resolves with the value or the
    /// error once the call is done. Use it on the page's main thread, where `result` can only
    /// busy-wait.
    ///
    /// Wake-up: a done-callback sets a word and wakes it with `futex::wake_all`, which calls
    /// this task's waker (`futex::wait_future`, as [`ThreadPool::install_async`]); the word is
    /// re-read before every wait, so no wake-up is lost and none is late.
    ///
    /// # Examples
    /// ```no_run
    /// # async fn demo() {
    /// use portalis_scheduler::executor::Future;
    /// let f = Future::<u32>::default();
    /// // ...a Web Worker calls f.set_result(7)...
    /// # f.set_result(7).unwrap();
    /// assert_eq!(f.result_async().await, Ok(7));
    /// # }
    /// ```
    ///
    /// # Errors
    /// [`FutureError::Cancelled`] or [`FutureError::Panicked`], as `result`.
    pub async fn result_async(&self) -> Result<T, FutureError>
    where
        T: Clone,
    {
        let done = Arc::new(AtomicU32::new(0));
        let d2 = done.clone();
        self.add_done_callback(move |_| {
            // Release: pairs with the Acquire load below.
            d2.store(1, Release);
            futex::wake_all(&d2);
        });
        // Acquire: pairs with the Release store in the callback.
        while done.load(Acquire) == 0 {
            futex::wait_future(&done, 0).await;
        }
        // Done: `result` returns at once (it waits only while the state is not done).
        self.result(None)
    }
}
