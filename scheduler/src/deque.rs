//! The work queues: crossbeam-deque's `Worker` / `Stealer` / `Injector` natively; under the
//! model cfgs (`portalis_loom`, `portalis_shuttle`) a twin with the same API built on the sync
//! shim's `Mutex`, because crossbeam-deque keeps per-thread epoch state in std thread-locals
//! and is invisible to the model checkers (docs/style.md §9).

#[cfg(not(any(portalis_loom, portalis_shuttle)))]
pub(crate) use crossbeam_deque::{Injector, Steal, Stealer, Worker};

#[cfg(any(portalis_loom, portalis_shuttle))]
pub(crate) use twin::{Injector, Steal, Stealer, Worker};

#[cfg(any(portalis_loom, portalis_shuttle))]
mod twin {
    //! A mutex-protected `VecDeque` with crossbeam-deque's API: the owner pops the back
    //! (LIFO), thieves and the injector take the front (FIFO). Every access goes through the
    //! shim's `Mutex`, so the model sees (and permutes) each queue operation.
    use portalis_primitives::sync::{Arc, Mutex};
    use std::collections::VecDeque;

    pub(crate) use crossbeam_deque::Steal;

    /// The owner's end of a work-stealing queue.
    pub(crate) struct Worker<T> {
        q: Arc<Mutex<VecDeque<T>>>,
    }

    /// Locks a twin queue, ignoring poison: the real deque is lock-free and has no poisoning,
    /// and a join whose `a` panics pops its frame from an unwinding thread (a guard dropped
    /// while panicking poisons the model's mutex, which made every later pop fail).
    fn locked<T>(q: &Mutex<VecDeque<T>>) -> impl core::ops::DerefMut<Target = VecDeque<T>> + '_ {
        q.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A thief's handle on a [`Worker`]'s queue.
    pub(crate) struct Stealer<T> {
        q: Arc<Mutex<VecDeque<T>>>,
    }

    impl<T> Clone for Stealer<T> {
        fn clone(&self) -> Self {
            Self { q: self.q.clone() }
        }
    }

    impl<T> Worker<T> {
        pub(crate) fn new_lifo() -> Self {
            Self {
                q: Arc::new(Mutex::new(VecDeque::new())),
            }
        }
        pub(crate) fn stealer(&self) -> Stealer<T> {
            Stealer { q: self.q.clone() }
        }
        pub(crate) fn push(&self, t: T) {
            locked(&self.q).push_back(t);
        }
        pub(crate) fn pop(&self) -> Option<T> {
            locked(&self.q).pop_back()
        }
        #[allow(dead_code)]
        pub(crate) fn is_empty(&self) -> bool {
            locked(&self.q).is_empty()
        }
    }

    impl<T> Stealer<T> {
        pub(crate) fn steal(&self) -> Steal<T> {
            match locked(&self.q).pop_front() {
                Some(t) => Steal::Success(t),
                None => Steal::Empty,
            }
        }
        pub(crate) fn is_empty(&self) -> bool {
            locked(&self.q).is_empty()
        }
    }

    /// The pool-wide FIFO queue for jobs from outside the pool.
    pub(crate) struct Injector<T> {
        q: Mutex<VecDeque<T>>,
    }

    impl<T> Injector<T> {
        pub(crate) fn new() -> Self {
            Self {
                q: Mutex::new(VecDeque::new()),
            }
        }
        pub(crate) fn push(&self, t: T) {
            locked(&self.q).push_back(t);
        }
        pub(crate) fn steal(&self) -> Steal<T> {
            match locked(&self.q).pop_front() {
                Some(t) => Steal::Success(t),
                None => Steal::Empty,
            }
        }
        pub(crate) fn is_empty(&self) -> bool {
            locked(&self.q).is_empty()
        }
    }
}
