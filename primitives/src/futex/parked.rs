//! Portable futex emulation: an address-keyed table of parked threads, on
//! `std::thread::park_timeout` (which is itself `memory.atomic.wait32` on wasm threads and a
//! native futex or condvar elsewhere). Limits: every wait and wake locks one of
//! [`BUCKETS`] bucket mutexes, and a waiter allocates one small node; wakers of unrelated
//! words that hash to the same bucket contend.
//!
//! # Protocol
//! 1. `wait` locks the word's bucket and compares the word with `expected` **under the lock**;
//!    if it differs it returns at once.
//! 2. Otherwise it appends a node `(address, thread, woken = false)` and unlocks.
//! 3. It parks until `woken` is set (Acquire) or the timeout ends. On timeout it re-locks the
//!    bucket: if its node is still listed it removes it and reports `TimedOut`; if a waker
//!    already removed it, the wake-up raced the timeout and counts as `Woken`.
//! 4. `wake_*` locks the bucket, removes matching nodes, sets `woken` (Release) and unparks.
//!
//! No wake-up is lost: a waker that changed the word before step 1 is seen by the comparison
//! (the bucket lock orders the waker's store before our read when the waker locked first, and
//! the waker finds our node when we locked first).

use super::contract::{WaitError, WaitResult};
use crate::sync::atomic::{
    AtomicBool, AtomicU32,
    Ordering::{Acquire, Relaxed, Release},
};
use crate::sync::{thread, Arc, Mutex};
use core::time::Duration;
use crossbeam_utils::CachePadded;

/// Backend name reported by [`super::BACKEND`] when this table is active.
pub const NAME: &str = "parked-table";

/// Number of buckets: a power of two so the hash is a mask. Heuristic: enough that unrelated
/// words rarely share a lock on machines with tens of cores. One under the model checkers: a
/// bucket chosen by heap address could differ between replays of one execution (the models
/// need every replay to touch the same objects), and one bucket puts every word of a model
/// in one list, so the address filter of step 4 is exercised too.
pub const BUCKETS: usize = if crate::sync::MODEL { 1 } else { 64 };

struct Node {
    addr: usize,
    thread: thread::Thread,
    woken: AtomicBool,
}

type Bucket = CachePadded<Mutex<Vec<Arc<Node>>>>;

fn new_table() -> [Bucket; BUCKETS] {
    core::array::from_fn(|_| CachePadded::new(Mutex::new(Vec::new())))
}

#[cfg(not(any(portalis_loom, portalis_shuttle)))]
fn table() -> &'static [Bucket; BUCKETS] {
    static TABLE: std::sync::OnceLock<[Bucket; BUCKETS]> = std::sync::OnceLock::new();
    TABLE.get_or_init(new_table)
}

// Under the models the table is rebuilt for every explored execution (a model mutex may not
// outlive the execution that made it), so it is the model's lazy static.
#[cfg(any(portalis_loom, portalis_shuttle))]
fn table() -> &'static [Bucket; BUCKETS] {
    crate::sync::lazy_static! {
        static ref TABLE: [Bucket; BUCKETS] = new_table();
    }
    &TABLE
}

fn bucket(addr: usize) -> &'static Bucket {
    // Fibonacci hashing spreads neighbouring words (they are often 4 or 64 bytes apart).
    let h = (addr as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 58;
    &table()[h as usize & (BUCKETS - 1)]
}

fn lock(b: &Bucket) -> crate::sync::MutexGuard<'_, Vec<Arc<Node>>> {
    // No code panics while holding a bucket lock, so poisoning cannot happen; recover anyway.
    b.lock().unwrap_or_else(|e| e.into_inner())
}

/// Blocks while `word == expected`; see the [futex contract](super).
///
/// # Errors
/// Never: every std target with this table can block.
pub fn wait(
    word: &AtomicU32,
    expected: u32,
    timeout: Option<Duration>,
) -> Result<WaitResult, WaitError> {
    let addr = word as *const AtomicU32 as usize;
    let deadline = match timeout {
        Some(Duration::ZERO) => {
            return Ok(if word.load(Relaxed) == expected {
                WaitResult::TimedOut
            } else {
                WaitResult::Woken
            })
        }
        Some(t) => super::contract::Deadline::after(t),
        None => None,
    };
    let b = bucket(addr);
    // Negative control of `verify/` (never set in a shipped build): step 1's comparison made
    // before taking the lock, which lets a wake-up slip in between it and step 2.
    if cfg!(portalis_seeded_bug = "parked_check_outside_lock") && word.load(Relaxed) != expected {
        return Ok(WaitResult::Woken);
    }
    let node = {
        let mut q = lock(b);
        // Step 1. Relaxed: the bucket lock orders this read after any waker that locked first.
        if !cfg!(portalis_seeded_bug = "parked_check_outside_lock")
            && word.load(Relaxed) != expected
        {
            return Ok(WaitResult::Woken);
        }
        let node = Arc::new(Node {
            addr,
            thread: thread::current(),
            woken: AtomicBool::new(false),
        });
        q.push(node.clone()); // Step 2.
        node
    };
    // Step 3. Acquire: pairs with the Release store of `woken` in `wake` (step 4).
    while !node.woken.load(Acquire) {
        match deadline {
            None => thread::park(),
            Some(d) => {
                // The models have no clock: a timed wait there times out at its first check,
                // so every timed wait explores step 3's race of the timeout against a waker
                // (the waker may have removed our node already: then it counts as Woken).
                let left = if crate::sync::MODEL {
                    Duration::ZERO
                } else {
                    d.remaining()
                };
                if left.is_zero() {
                    let mut q = lock(b);
                    if let Some(i) = q.iter().position(|n| Arc::ptr_eq(n, &node)) {
                        // Negative control of `verify/` (never shipped): a timed-out node left
                        // in the table, where a later wake_one spends itself on it.
                        if !cfg!(portalis_seeded_bug = "parked_timeout_keeps_node") {
                            q.swap_remove(i);
                        }
                        return Ok(WaitResult::TimedOut);
                    }
                    // A waker removed us first: its wake-up counts.
                    return Ok(WaitResult::Woken);
                }
                #[cfg(not(any(portalis_loom, portalis_shuttle)))]
                thread::park_timeout(left);
            }
        }
    }
    Ok(WaitResult::Woken)
}

fn wake(word: &AtomicU32, max: usize) {
    let addr = word as *const AtomicU32 as usize;
    let b = bucket(addr);
    let mut woken = Vec::new();
    {
        let mut q = lock(b);
        let mut i = 0;
        // Step 4: remove in arrival order so wake_one is FIFO among waiters of one word.
        while i < q.len() && woken.len() < max {
            if q[i].addr == addr {
                woken.push(q.remove(i));
            } else {
                i += 1;
            }
        }
    }
    for n in woken {
        // Release: pairs with the Acquire load of `woken` in `wait` (step 3).
        n.woken.store(true, Release);
        n.thread.unpark();
    }
}

/// Wakes at most one waiter on `word` (the longest waiting).
pub fn wake_one(word: &AtomicU32) {
    wake(word, 1)
}

/// Wakes every waiter on `word`.
pub fn wake_all(word: &AtomicU32) {
    wake(word, usize::MAX)
}

/// Always `true`: the table backs threaded std targets only.
pub fn can_block() -> bool {
    true
}

backend_contract!();
