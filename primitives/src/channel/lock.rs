//! The channel lock: a three-state futex mutex (0 unlocked, 1 locked, 2 locked with sleepers)
//! that spins and then yields before sleeping, so a short critical section on a 2-vCPU machine
//! rarely costs a syscall (std's mutex futex-waits after 100 spins; docs/notes/channels.md §3.2 asks for
//! "a small futex-backed lock, never a pure spinlock").
//!
//! # Change count
//! Each lock also carries a *version*: a counter the disciplines bump (`Lock::bump`, under the
//! lock) whenever a change may make a waiting operation ready: a message queued or taken, a
//! waiter entry queued, a reservation given back, disconnection. A non-blocking select reads it
//! without the lock before and after its pass (`select.rs`, the double collect of ADR 053): an
//! unchanged count proves no such change happened in between. Only the holder writes it, so
//! the bump is a load and a Release store (two plain moves on x86), no RMW.
//!
//! Model builds use the shim's `Mutex` instead (loom cannot explore spin loops; the channel
//! protocol above the lock is what the models check).

#[cfg(not(any(portalis_loom, portalis_shuttle)))]
mod imp {
    use super::Version;
    use crate::futex;
    use crate::sync::atomic::{
        AtomicU32,
        Ordering::{Acquire, Relaxed, Release},
    };
    use crate::sync::{hint, thread};
    use core::cell::UnsafeCell;
    use core::ops::{Deref, DerefMut};

    /// Unlocked.
    const UNLOCKED: u32 = 0;
    /// Locked, nobody sleeps.
    const LOCKED: u32 = 1;
    /// Locked and a thread sleeps (or is about to) in `futex::wait`: unlock must wake.
    const CONTENDED: u32 = 2;
    /// Spin rounds (1, 2, 4 … 64 `spin_loop`s) then yields before sleeping; heuristic, sized so
    /// a preempted holder gets the CPU back through our yields (docs/notes/channels.md §4).
    const SPIN_STEPS: u32 = 6;
    /// `yield_now` calls before sleeping; see [`SPIN_STEPS`].
    const YIELDS: u32 = 16;

    /// A mutex for the channel's state.
    #[derive(Debug)]
    pub(crate) struct Lock<T> {
        state: AtomicU32,
        /// The change count for a non-blocking select's double collect (module docs).
        version: Version,
        data: UnsafeCell<T>,
    }

    // SAFETY: the lock hands out `&mut T` to one thread at a time (Acquire/Release on `state`).
    unsafe impl<T: Send> Sync for Lock<T> {}
    // SAFETY: moving the lock moves the `T`.
    unsafe impl<T: Send> Send for Lock<T> {}

    /// Holds the lock; unlocks on drop.
    pub(crate) struct Guard<'a, T> {
        lock: &'a Lock<T>,
    }

    impl<T> Lock<T> {
        pub(crate) fn new(v: T) -> Lock<T> {
            Lock {
                state: AtomicU32::new(UNLOCKED),
                version: Version::default(),
                data: UnsafeCell::new(v),
            }
        }

        /// Counts a change that may make an operation ready; call while holding the lock.
        #[inline]
        pub(crate) fn bump(&self) {
            self.version.bump();
        }

        /// The change count (read without the lock).
        #[inline]
        pub(crate) fn version(&self) -> usize {
            self.version.get()
        }

        #[inline]
        pub(crate) fn lock(&self) -> Guard<'_, T> {
            // Acquire: pairs with the Release in `Guard::drop` of the previous holder.
            if self
                .state
                .compare_exchange(UNLOCKED, LOCKED, Acquire, Relaxed)
                .is_err()
            {
                self.lock_contended();
            }
            Guard { lock: self }
        }

        #[cold]
        fn lock_contended(&self) {
            for step in 0..SPIN_STEPS + YIELDS {
                if step < SPIN_STEPS {
                    for _ in 0..1u32 << step {
                        hint::spin_loop();
                    }
                } else {
                    thread::yield_now();
                }
                // Acquire: as in `lock`.
                if self.state.load(Relaxed) == UNLOCKED
                    && self
                        .state
                        .compare_exchange(UNLOCKED, LOCKED, Acquire, Relaxed)
                        .is_ok()
                {
                    return;
                }
            }
            // Announce a sleeper; whoever holds the lock will wake us on unlock.
            // Acquire: as in `lock` (the swap may take the lock).
            while self.state.swap(CONTENDED, Acquire) != UNLOCKED {
                // An error (cannot block) degrades to spinning: the holder is running.
                if futex::wait(&self.state, CONTENDED, None).is_err() {
                    thread::yield_now();
                }
            }
        }
    }

    impl<T> Deref for Guard<'_, T> {
        type Target = T;
        fn deref(&self) -> &T {
            // SAFETY: we hold the lock, so no `&mut` exists elsewhere.
            unsafe { &*self.lock.data.get() }
        }
    }

    impl<T> DerefMut for Guard<'_, T> {
        fn deref_mut(&mut self) -> &mut T {
            // SAFETY: we hold the lock exclusively.
            unsafe { &mut *self.lock.data.get() }
        }
    }

    impl<T> Drop for Guard<'_, T> {
        #[inline]
        fn drop(&mut self) {
            // Release: pairs with the Acquire of the next `lock`.
            if self.lock.state.swap(UNLOCKED, Release) == CONTENDED {
                futex::wake_one(&self.lock.state);
            }
        }
    }
}

#[cfg(any(portalis_loom, portalis_shuttle))]
mod imp {
    use super::Version;
    use crate::sync::{Mutex, MutexGuard};

    /// The model builds' lock: the shim's `Mutex` (and the change count, module docs).
    #[derive(Debug)]
    pub(crate) struct Lock<T>(Mutex<T>, Version);

    /// Holds the lock.
    pub(crate) type Guard<'a, T> = MutexGuard<'a, T>;

    impl<T> Lock<T> {
        pub(crate) fn new(v: T) -> Lock<T> {
            Lock(Mutex::new(v), Version::default())
        }
        pub(crate) fn bump(&self) {
            self.1.bump();
        }
        pub(crate) fn version(&self) -> usize {
            self.1.get()
        }
        pub(crate) fn lock(&self) -> Guard<'_, T> {
            self.0.lock().unwrap_or_else(|e| e.into_inner())
        }
    }
}

pub(crate) use imp::{Guard, Lock};

use crate::sync::atomic::{
    AtomicUsize,
    Ordering::{Acquire, Relaxed, Release},
};

/// A lock's change count (module docs).
#[derive(Debug, Default)]
struct Version(AtomicUsize);

impl Version {
    #[inline]
    fn bump(&self) {
        if cfg!(portalis_seeded_bug = "lock_version_no_bump") {
            return; // negative control (verify/scripts/controls.sh): changes go uncounted
        }
        // Only the lock holder writes, so load + store is an increment. Release: the store
        // becomes visible no later than the unlock's Release that follows it, so any thread
        // that sees the change under the lock could also see the new count; pairs with the
        // Acquire load in `get`.
        self.0.store(self.0.load(Relaxed).wrapping_add(1), Release);
    }
    #[inline]
    fn get(&self) -> usize {
        // Acquire: pairs with `bump`; the select's SeqCst fences order it against its pass.
        self.0.load(Acquire)
    }
}
