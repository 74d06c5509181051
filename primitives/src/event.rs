//! [`Event`]: a manual-reset flag threads can wait on (Python's `threading.Event`).
//!
//! # State word
//! | value | name | meaning |
//! |---|---|---|
//! | 0 | [`UNSET`] | clear, nobody asleep |
//! | 1 | [`SET`] | set: waits return at once |
//! | 2 | [`UNSET_WAITERS`] | clear, and a thread may be asleep: `set` must wake all |
//!
//! `set` swaps in `SET` and wakes all only when it replaced `UNSET_WAITERS`. A waiter spins
//! [`SPIN_LIMIT`] times, then CASes `UNSET → UNSET_WAITERS` and sleeps on `UNSET_WAITERS`.
//! `clear` CASes `SET → UNSET` (a `UNSET_WAITERS` word is already clear).

use crate::deadline::{backoff_step, block, Blocked, Deadline, DEADLOCK_MSG};
use crate::futex;
use crate::sync::atomic::{
    AtomicU32,
    Ordering::{Acquire, Relaxed, Release},
};
use crate::time::Instant;
use core::fmt;
use std::time::Duration;

/// Clear, nobody asleep.
const UNSET: u32 = 0;
/// Set.
const SET: u32 = 1;
/// Clear, a thread may be asleep.
const UNSET_WAITERS: u32 = 2;

/// Spins before sleeping; same budget as the semaphore (ping-pong latency).
const SPIN_LIMIT: u32 = 100;

/// A flag that threads wait on until another thread sets it.
///
/// # Examples
/// ```
/// use portalis_primitives::Event;
/// use std::sync::Arc;
///
/// let e = Arc::new(Event::new());
/// let e2 = e.clone();
/// let t = std::thread::spawn(move || e2.set());
/// e.wait();
/// assert!(e.is_set());
/// t.join().unwrap();
/// ```
///
/// # Panics
/// An untimed `wait` on an unset event panics on a target without threads.
///
/// ## Memory ordering
/// Everything written before `set` is visible after a `wait`/`is_set` that observes it.
pub struct Event {
    state: AtomicU32,
}

impl Default for Event {
    fn default() -> Self {
        Self::new()
    }
}

impl Event {
    const_fn_unless_model! {
        /// A clear event; `const` outside model builds.
        ///
        /// ```
        /// use portalis_primitives::Event;
        ///
        /// static STARTED: Event = Event::new();
        /// let t = std::thread::spawn(|| STARTED.set());
        /// STARTED.wait();
        /// assert!(STARTED.is_set());
        /// t.join().unwrap();
        /// ```
        pub fn new() -> Self {
            Event {
                state: AtomicU32::new(UNSET),
            }
        }
    }

    /// `true` if set.
    #[inline]
    pub fn is_set(&self) -> bool {
        // Acquire: pairs with the Release swap in `set`.
        self.state.load(Acquire) == SET
    }

    /// Sets the flag and wakes every waiter.
    #[inline]
    pub fn set(&self) {
        // Release: pairs with the Acquire loads in `is_set` / `wait`.
        // (`verify/scripts/controls.sh` weakens it under `portalis_seeded_bug`, never shipped.)
        let order = if cfg!(portalis_seeded_bug = "event_relaxed_set") {
            Relaxed
        } else {
            Release
        };
        if self.state.swap(SET, order) == UNSET_WAITERS {
            self.wake();
        }
    }

    #[cold]
    fn wake(&self) {
        futex::wake_all(&self.state);
    }

    /// Clears the flag.
    #[inline]
    pub fn clear(&self) {
        if cfg!(portalis_seeded_bug = "event_clear_store") {
            // Negative control (`verify/scripts/controls.sh`, never shipped): forgets sleepers.
            self.state.store(UNSET, Relaxed);
            return;
        }
        let _ = self.state.compare_exchange(SET, UNSET, Relaxed, Relaxed);
    }

    /// Waits until set.
    #[inline]
    pub fn wait(&self) {
        if !self.is_set() {
            self.wait_slow(Deadline::never());
        }
    }

    /// [`wait`](Self::wait) as a future: resolves once the event is set, waiting without
    /// blocking the thread (the browser's main thread, async code; any executor). It marks
    /// the word `UNSET_WAITERS` like a sleeping thread, so `set`'s `wake_all` wakes it.
    /// Dropping it early is harmless (`set` wakes all waiters, so no wake-up is owed).
    ///
    /// # Examples
    /// ```
    /// use portalis_primitives::Event;
    /// use std::sync::Arc;
    /// # fn block_on<F: std::future::Future>(f: F) -> F::Output {
    /// #     struct T(std::thread::Thread);
    /// #     impl std::task::Wake for T { fn wake(self: std::sync::Arc<Self>) { self.0.unpark() } }
    /// #     let w = std::task::Waker::from(std::sync::Arc::new(T(std::thread::current())));
    /// #     let mut cx = std::task::Context::from_waker(&w);
    /// #     let mut f = std::pin::pin!(f);
    /// #     loop { if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) { return v; } std::thread::park(); }
    /// # }
    ///
    /// let e = Arc::new(Event::new());
    /// let e2 = e.clone();
    /// let t = std::thread::spawn(move || e2.set());
    /// block_on(e.wait_async());
    /// assert!(e.is_set());
    /// t.join().unwrap();
    /// ```
    ///
    /// ## Memory ordering
    /// As [`wait`](Self::wait).
    pub async fn wait_async(&self) {
        loop {
            if self.is_set() {
                return;
            }
            // Relaxed: marking publishes nothing; `is_set` re-checks with Acquire.
            match self
                .state
                .compare_exchange(UNSET, UNSET_WAITERS, Relaxed, Relaxed)
            {
                Ok(_) | Err(UNSET_WAITERS) => futex::wait_future(&self.state, UNSET_WAITERS).await,
                Err(_) => {} // set (or cleared and set) meanwhile: re-check
            }
        }
    }

    /// Waits until set or `timeout`; returns whether it is set (Python's `wait(timeout)`).
    pub fn wait_timeout(&self, timeout: Duration) -> bool {
        self.is_set() || self.wait_slow(Deadline::after(timeout))
    }

    /// Waits until set or `deadline`; returns whether it is set.
    pub fn wait_until(&self, deadline: Instant) -> bool {
        self.is_set() || self.wait_slow(Deadline::at(deadline))
    }

    #[cold]
    fn wait_slow(&self, deadline: Deadline) -> bool {
        let mut step = 0;
        while !self.is_set() {
            if !backoff_step(&mut step, SPIN_LIMIT) {
                break;
            }
        }
        loop {
            // Acquire: pairs with the Release swap in `set`.
            let s = self.state.load(Acquire);
            if s == SET {
                return true;
            }
            if s == UNSET
                && self
                    .state
                    .compare_exchange(UNSET, UNSET_WAITERS, Relaxed, Relaxed)
                    .is_err()
            {
                continue;
            }
            match block(&self.state, UNSET_WAITERS, deadline) {
                Ok(Blocked::Woken) => {}
                Ok(Blocked::TimedOut) => return self.is_set(),
                Err(_) if deadline.is_never() => panic!("{}", DEADLOCK_MSG),
                Err(_) => return self.is_set(),
            }
        }
    }
}

impl fmt::Debug for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Event")
            .field("set", &self.is_set())
            .finish()
    }
}

// Unit tests use real threads and sleeps; the models run verify/tests/loom_* and verify/tests/shuttle_*.
#[cfg(all(test, not(any(portalis_loom, portalis_shuttle))))]
mod tests {
    use super::*;
    use crate::sync::{thread, Arc};

    #[test]
    fn set_clear_wait() {
        let e = Event::new();
        let t0 = Instant::now();
        assert!(!e.wait_timeout(Duration::from_millis(5)));
        assert!(t0.elapsed() >= Duration::from_millis(5), "returned early");
        assert!(!e.wait_timeout(Duration::ZERO));
        e.set();
        assert!(e.wait_timeout(Duration::MAX));
        e.clear();
        assert!(!e.is_set());
    }

    #[cfg_attr(portalis_no_threads, ignore = "spawns threads; this target has none")]
    #[test]
    fn ping_pong() {
        const ROUNDS: usize = if cfg!(miri) { 20 } else { 2_000 };
        let a = Arc::new((Event::new(), Event::new()));
        let b = a.clone();
        let t = thread::spawn(move || {
            for _ in 0..ROUNDS {
                b.0.wait();
                b.0.clear();
                b.1.set();
            }
        });
        for _ in 0..ROUNDS {
            a.0.set();
            a.1.wait();
            a.1.clear();
        }
        t.join().unwrap();
    }
}
