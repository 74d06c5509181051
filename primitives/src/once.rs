//! [`Once`] and [`OnceLock<T>`]: run an initializer exactly once; others wait for it.
//!
//! # State word
//! | bits | name | meaning |
//! |---|---|---|
//! | 0..=1 | phase | [`INCOMPLETE`] (not run, or the last run panicked: no poisoning, the next caller retries), [`RUNNING`], [`COMPLETE`] |
//! | 2 | [`WAITERS_BIT`] | a thread may be asleep on the word: the next phase change wakes all |
//!
//! Completion (and a panicking run's reset) swaps in the new phase without the bit and wakes
//! all when the bit was set; a waiter sets the bit (CAS) and sleeps on what it stored.

use crate::deadline::{block, Blocked, Deadline, DEADLOCK_MSG};
use crate::futex;
use crate::sync::atomic::{
    AtomicU32,
    Ordering::{Acquire, Relaxed, Release},
};
use crate::sync::cell::UnsafeCell;
use core::fmt;
use core::mem::MaybeUninit;
use std::time::Duration;

/// Not run.
const INCOMPLETE: u32 = 0;
/// A thread runs the closure.
const RUNNING: u32 = 1;
/// Done (the fast path: one Acquire load).
const COMPLETE: u32 = 3;
/// Phase bits.
const PHASE_MASK: u32 = 3;
/// Someone may be asleep.
const WAITERS_BIT: u32 = 4;

#[inline]
fn phase(s: u32) -> u32 {
    s & PHASE_MASK
}

/// Runs a closure exactly once, even when called from many threads at once. If the closure
/// panics, the `Once` goes back to "not run" (no poisoning) and one waiter retries.
///
/// # Examples
/// ```
/// use portalis_primitives::Once;
/// use portalis_primitives::sync::atomic::{AtomicU32, Ordering::Relaxed};
/// use std::sync::Arc;
///
/// let once = Arc::new(Once::new());
/// let runs = Arc::new(AtomicU32::new(0));
/// let hs: Vec<_> = (0..3)
///     .map(|_| {
///         let (once, runs) = (once.clone(), runs.clone());
///         std::thread::spawn(move || once.call_once(|| { runs.fetch_add(1, Relaxed); }))
///     })
///     .collect();
/// for h in hs {
///     h.join().unwrap();
/// }
/// assert_eq!(runs.load(Relaxed), 1);
/// ```
///
/// # Panics
/// Re-raises the closure's panic in the calling thread. A nested `call_once` on the same
/// `Once` from inside its closure deadlocks (as std's does), and panics on a target without
/// threads.
///
/// ## Memory ordering
/// Everything the closure wrote is visible to every thread that returns from `call_once`
/// or sees `is_completed() == true`.
pub struct Once {
    state: AtomicU32,
}

impl Default for Once {
    fn default() -> Self {
        Self::new()
    }
}

impl Once {
    const_fn_unless_model! {
        /// A `Once` that has not run; `const` outside model builds.
        ///
        /// ```
        /// use portalis_primitives::Once;
        /// use std::sync::atomic::{AtomicU32, Ordering::Relaxed};
        ///
        /// static INIT: Once = Once::new();
        /// static RUNS: AtomicU32 = AtomicU32::new(0);
        /// let hs: Vec<_> = (0..2)
        ///     .map(|_| std::thread::spawn(|| INIT.call_once(|| { RUNS.fetch_add(1, Relaxed); })))
        ///     .collect();
        /// for h in hs {
        ///     h.join().unwrap();
        /// }
        /// assert_eq!(RUNS.load(Relaxed), 1);
        /// ```
        pub fn new() -> Self {
            Once {
                state: AtomicU32::new(INCOMPLETE),
            }
        }
    }

    /// `true` once a closure has completed.
    #[inline]
    pub fn is_completed(&self) -> bool {
        // Acquire: pairs with the Release swap in `Completion::drop`.
        self.state.load(Acquire) == COMPLETE
    }

    /// Runs `f` if no call has completed yet; otherwise waits for the running one.
    #[inline]
    pub fn call_once(&self, f: impl FnOnce()) {
        if !self.is_completed() {
            let mut f = Some(f);
            self.call_slow(&mut || (f.take().unwrap())());
        }
    }

    #[cold]
    fn call_slow(&self, f: &mut dyn FnMut()) {
        loop {
            // Acquire: pairs with the Release swap in `Completion::drop` (we may see COMPLETE).
            let s = self.state.load(Acquire);
            match phase(s) {
                COMPLETE => return,
                INCOMPLETE => {
                    // Relaxed: we will write, not read, the guarded data.
                    if self
                        .state
                        .compare_exchange(s, RUNNING | (s & WAITERS_BIT), Relaxed, Relaxed)
                        .is_ok()
                    {
                        let mut done = Completion {
                            once: self,
                            to: INCOMPLETE,
                        };
                        f();
                        done.to = COMPLETE;
                        return;
                    }
                }
                _ => {
                    self.sleep_while(s, Deadline::never());
                }
            }
        }
    }

    /// Sets the waiters bit on `s` and sleeps until the word changes; `false` on timeout.
    fn sleep_while(&self, s: u32, deadline: Deadline) -> bool {
        if s & WAITERS_BIT == 0
            && self
                .state
                .compare_exchange(s, s | WAITERS_BIT, Relaxed, Relaxed)
                .is_err()
        {
            return true; // changed meanwhile: re-check
        }
        match block(&self.state, s | WAITERS_BIT, deadline) {
            Ok(Blocked::Woken) => true,
            Ok(Blocked::TimedOut) => false,
            Err(_) if deadline.is_never() => panic!("{}", DEADLOCK_MSG),
            Err(_) => false,
        }
    }

    /// Waits until a closure has completed, without running one.
    ///
    /// # Panics
    /// On a target without threads when not completed.
    pub fn wait(&self) {
        while !self.is_completed() {
            // Relaxed: `is_completed` re-checks with Acquire.
            self.sleep_while(self.state.load(Relaxed), Deadline::never());
        }
    }

    /// Waits until a closure has completed (without running one); `false` on timeout.
    pub fn wait_timeout(&self, timeout: Duration) -> bool {
        let d = Deadline::after(timeout);
        while !self.is_completed() {
            // Relaxed: `is_completed` re-checks with Acquire.
            if !self.sleep_while(self.state.load(Relaxed), d) {
                return self.is_completed();
            }
        }
        true
    }
}

/// Publishes the outcome of a run (also on panic) and wakes sleepers.
struct Completion<'a> {
    once: &'a Once,
    to: u32,
}

impl Drop for Completion<'_> {
    fn drop(&mut self) {
        // Release: pairs with the Acquire loads in `is_completed` / `call_slow`.
        // (`verify/scripts/controls.sh` weakens it under `portalis_seeded_bug`, never shipped.)
        let order = if cfg!(portalis_seeded_bug = "once_relaxed_complete") {
            Relaxed
        } else {
            Release
        };
        // Seeded control `once_panic_reset_skips_wake` (model builds only): a panicking run's
        // reset to INCOMPLETE wakes nobody, as if only the next caller needed to see it.
        let skip_wake =
            cfg!(portalis_seeded_bug = "once_panic_reset_skips_wake") && self.to == INCOMPLETE;
        if self.once.state.swap(self.to, order) & WAITERS_BIT != 0 && !skip_wake {
            futex::wake_all(&self.once.state);
        }
    }
}

impl fmt::Debug for Once {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Once")
            .field("completed", &self.is_completed())
            .finish()
    }
}

/// A cell written once, then read by everyone (std's `OnceLock`, with timed waits).
///
/// # Examples
/// ```
/// use portalis_primitives::OnceLock;
/// use std::sync::Arc;
///
/// let cell = Arc::new(OnceLock::new());
/// let c2 = cell.clone();
/// std::thread::spawn(move || { c2.get_or_init(|| 7); }).join().unwrap();
/// assert_eq!(cell.get(), Some(&7));
/// assert_eq!(cell.set(8), Err(8));
/// ```
///
/// ## Memory ordering
/// As [`Once`]: the value is fully written before any thread can read it.
pub struct OnceLock<T> {
    once: Once,
    value: UnsafeCell<MaybeUninit<T>>,
}

// SAFETY: like std's OnceLock: the value is written once, then only shared.
unsafe impl<T: Send + Sync> Sync for OnceLock<T> {}
// SAFETY: moving the cell moves the value.
unsafe impl<T: Send> Send for OnceLock<T> {}

impl<T> Default for OnceLock<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> OnceLock<T> {
    const_fn_unless_model! {
        /// An empty cell; `const` outside model builds.
        ///
        /// ```
        /// use portalis_primitives::OnceLock;
        ///
        /// static CONFIG: OnceLock<String> = OnceLock::new();
        /// let t = std::thread::spawn(|| CONFIG.get_or_init(|| "on".to_string()).len());
        /// let n = t.join().unwrap();
        /// assert_eq!(n, 2);
        /// assert_eq!(CONFIG.get().map(String::as_str), Some("on"));
        /// ```
        pub fn new() -> Self {
            OnceLock {
                once: Once::new(),
                value: UnsafeCell::new(MaybeUninit::uninit()),
            }
        }
    }

    /// The value if initialized.
    #[inline]
    pub fn get(&self) -> Option<&T> {
        if self.once.is_completed() {
            // SAFETY: completion (observed with Acquire) means the value was written and is
            // never written again.
            Some(self.value.with(|p| unsafe { (*p).assume_init_ref() }))
        } else {
            None
        }
    }

    /// The value, initializing it with `f` if empty (one thread runs `f`; the others wait).
    pub fn get_or_init(&self, f: impl FnOnce() -> T) -> &T {
        if let Some(v) = self.get() {
            return v;
        }
        self.once.call_once(|| {
            let v = f();
            // SAFETY: we are the only runner (RUNNING state) and nobody reads before COMPLETE.
            self.value.with_mut(|p| unsafe { (*p).write(v) });
        });
        self.get().expect("initialized by call_once")
    }

    /// Stores `value` if empty; otherwise hands it back.
    ///
    /// # Errors
    /// `Err(value)` when the cell was already initialized.
    pub fn set(&self, value: T) -> Result<(), T> {
        let mut v = Some(value);
        self.get_or_init(|| v.take().unwrap());
        match v {
            None => Ok(()),
            Some(v) => Err(v),
        }
    }

    /// Waits until initialized or `timeout`.
    pub fn wait_timeout(&self, timeout: Duration) -> Option<&T> {
        self.once.wait_timeout(timeout);
        self.get()
    }

    /// Takes the value out, leaving the cell empty.
    pub fn take(&mut self) -> Option<T> {
        if self.once.is_completed() {
            self.once = Once::new();
            // SAFETY: it was initialized, and the fresh `Once` marks it empty.
            Some(self.value.with_mut(|p| unsafe { (*p).assume_init_read() }))
        } else {
            None
        }
    }

    /// Consumes the cell, returning the value if initialized.
    pub fn into_inner(mut self) -> Option<T> {
        self.take()
    }
}

impl<T> Drop for OnceLock<T> {
    fn drop(&mut self) {
        if self.once.is_completed() {
            // SAFETY: initialized and never dropped before (take resets `once`).
            self.value.with_mut(|p| unsafe { (*p).assume_init_drop() })
        }
    }
}

impl<T: fmt::Debug> fmt::Debug for OnceLock<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("OnceLock").field(&self.get()).finish()
    }
}

// Unit tests use real threads and sleeps; the models run verify/tests/loom_* and verify/tests/shuttle_*.
#[cfg(all(test, not(any(portalis_loom, portalis_shuttle))))]
mod tests {
    use super::*;
    #[cfg(panic = "unwind")] // only the panic test spawns a thread
    use crate::sync::{thread, Arc};

    #[cfg_attr(portalis_no_threads, ignore = "spawns threads; this target has none")]
    #[test]
    #[cfg(panic = "unwind")] // needs to catch a panicking thread (WASI is panic=abort)
    fn panic_is_not_poison() {
        let once = Arc::new(Once::new());
        let o2 = once.clone();
        let r = thread::spawn(move || o2.call_once(|| panic!("first run fails"))).join();
        assert!(r.is_err());
        assert!(!once.is_completed());
        let mut ran = false;
        once.call_once(|| ran = true);
        assert!(ran);
        assert!(once.wait_timeout(Duration::ZERO));
    }

    #[test]
    fn once_lock() {
        let mut c = OnceLock::new();
        assert!(c.wait_timeout(Duration::from_millis(1)).is_none());
        assert_eq!(c.set(String::from("a")), Ok(()));
        assert_eq!(c.set(String::from("b")), Err(String::from("b")));
        assert_eq!(c.take().as_deref(), Some("a"));
        assert!(c.get().is_none());
        assert_eq!(c.get_or_init(|| "c".into()), "c");
    }
}
