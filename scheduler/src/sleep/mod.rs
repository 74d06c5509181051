//! Idle workers: spin → announce → futex sleep, with no lost wake-ups and an O(1) "anyone
//! asleep?" check on every push. The argument is in `PROTOCOL.md` (steps S1–S5, P1–P3, W1–W2,
//! L1–L3, T1); comments cite those steps.

#![cfg_attr(not(portalis_loom), allow(unreachable_pub))]

use crossbeam_utils::CachePadded;
use portalis_primitives::futex;
use portalis_primitives::sync::atomic::{
    fence, AtomicU32, AtomicUsize,
    Ordering::{AcqRel, Acquire, Relaxed, Release, SeqCst},
};

/// Worker word: running or searching.
const AWAKE: u32 = 0;
/// Worker word: announced sleep (S2) and not yet claimed by a waker.
const SLEEPING: u32 = 1;

/// The pool's sleep state.
#[derive(Debug)]
pub struct Sleep {
    /// Announced, unclaimed sleepers (PROTOCOL.md S2 / W2).
    sleepers: CachePadded<AtomicU32>,
    /// One futex word per worker.
    words: Box<[CachePadded<AtomicU32>]>,
    /// Where W1's scan starts, so wakes spread over workers. Relaxed: a hint only.
    next: AtomicUsize,
}

impl Sleep {
    /// Sleep state for `n` workers.
    pub fn new(n: usize) -> Self {
        Sleep {
            sleepers: CachePadded::new(AtomicU32::new(0)),
            words: (0..n)
                .map(|_| CachePadded::new(AtomicU32::new(AWAKE)))
                .collect(),
            next: AtomicUsize::new(0),
        }
    }

    /// P2–P3: call after pushing a job (P1).
    #[inline]
    pub fn new_jobs(&self) {
        // P2: Dekker pair with S3: our push, then their announcement.
        fence(SeqCst);
        // P3: Relaxed: the fence above orders this load after the push.
        if self.sleepers.load(Relaxed) != 0 {
            self.wake_any();
        }
    }

    /// `true` when some worker announced sleep (a hint; Relaxed).
    #[inline]
    pub fn has_sleepers(&self) -> bool {
        self.sleepers.load(Relaxed) != 0
    }

    /// W1–W2: wakes one sleeping worker, if one is still unclaimed. Returns whether it did.
    #[cold]
    pub fn wake_any(&self) -> bool {
        let n = self.words.len();
        let start = self.next.fetch_add(1, Relaxed);
        for k in 0..n {
            if self.wake_specific((start + k) % n) {
                return true;
            }
        }
        false
    }

    /// W2 (and L3) for worker `i`: claims and wakes it if it sleeps.
    pub fn wake_specific(&self, i: usize) -> bool {
        let w = &self.words[i];
        // Relaxed: a cheap pre-check; the CAS decides.
        if w.load(Relaxed) != SLEEPING {
            return false;
        }
        // AcqRel: Acquire pairs with the Release store of S2 (our decrement follows the
        // sleeper's increment); Release pairs with the Acquire load in `sleep`'s S5 loop.
        if w.compare_exchange(SLEEPING, AWAKE, AcqRel, Relaxed).is_ok() {
            // Relaxed: a counter; the word CAS above is what hands the wake-up over.
            self.sleepers.fetch_sub(1, Relaxed);
            futex::wake_one(w);
            true
        } else {
            false
        }
    }

    /// T1 / broadcast: wakes every sleeper.
    pub fn wake_all(&self) {
        fence(SeqCst); // P2 for the terminate flag / broadcast queues.
        for i in 0..self.words.len() {
            self.wake_specific(i);
        }
    }

    /// S2–S5 for worker `i`. `idle()` is the S4 re-check: `true` when there is still nothing to
    /// do (no job anywhere, latch unset, not terminating). Returns after being woken, or at once
    /// when `idle()` turned false.
    pub fn sleep(&self, i: usize, idle: impl Fn() -> bool) {
        let w = &self.words[i];
        // S2: announce: count first, then the word. Relaxed increment: the Release store
        // below publishes it; Release pairs with the Acquire half of the claim CAS in
        // `wake_specific`, so a waker's decrement always follows our increment (the count never
        // under-reports a sleeper; found by loom_sleep_two_workers_two_pushes).
        self.sleepers.fetch_add(1, Relaxed);
        w.store(SLEEPING, Release);
        // S3: Dekker pair with P2 / L2.
        fence(SeqCst);
        // S4: re-check.
        if !idle() {
            // Withdraw. Acquire: pairs with a waker's Release CAS if we lose (not needed for
            // data, which the queues order, but keeps the word's history simple).
            if w.compare_exchange(SLEEPING, AWAKE, Acquire, Relaxed)
                .is_ok()
            {
                self.sleepers.fetch_sub(1, Relaxed);
            }
            return;
        }
        // S5: block until a waker claims us.
        loop {
            // Acquire: pairs with the Release CAS in `wake_specific`.
            if w.load(Acquire) != SLEEPING {
                return;
            }
            if futex::wait(w, SLEEPING, None).is_err() {
                // Cannot block on this thread: withdraw and let the caller spin.
                if w.compare_exchange(SLEEPING, AWAKE, Acquire, Relaxed)
                    .is_ok()
                {
                    self.sleepers.fetch_sub(1, Relaxed);
                }
                return;
            }
        }
    }
}
