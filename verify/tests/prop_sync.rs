//! Property tests: random operation sequences on the primitives, on one thread, against a
//! sequential model: semaphores (permits, bound, all-or-nothing `_many`), mutex and rwlock
//! (which `try_*` succeed given the guards held), event, latch and wait group. Timed
//! operations use a zero timeout (the timed path with nothing to wait for).
#![cfg(not(any(portalis_loom, portalis_shuttle)))]

use portalis_primitives::{BoundedSemaphore, Event, Latch, Mutex, RwLock, Semaphore, WaitGroup};
use proptest::prelude::*;
use std::time::Duration;

const Z: Duration = Duration::ZERO;

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 256 * portalis_verify::lin::soak_factor() as u32,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config())]

    /// Semaphore and BoundedSemaphore: (op, n) with op 0 try_acquire_many, 1 timed acquire
    /// with zero timeout, 2 release_many; `available()` tracks the model after each step.
    #[test]
    fn prop_semaphore(start in 0u32..4, bounded in any::<bool>(), ops in prop::collection::vec((0u8..3, 0u32..4), 0..60)) {
        let bound = if bounded { start.max(1) + 1 } else { Semaphore::MAX_PERMITS };
        let plain = Semaphore::new(start).unwrap();
        let bsem = BoundedSemaphore::new(bound).unwrap();
        // Bring the bounded one down to `start` permits.
        prop_assert!(bsem.try_acquire_many(bound - start));
        let mut model = start;
        for (k, (op, n)) in ops.into_iter().enumerate() {
            let (ok, expect) = match op {
                0 | 1 => {
                    let expect = model >= n;
                    let ok = match (bounded, op) {
                        (false, 0) => plain.try_acquire_many(n),
                        (false, _) => plain.acquire_many_timeout(n, Z),
                        (true, 0) => bsem.try_acquire_many(n),
                        (true, _) => bsem.acquire_many_timeout(n, Z),
                    };
                    if expect { model -= n }
                    (ok, expect)
                }
                _ => {
                    let expect = model + n <= bound;
                    let ok = if bounded { bsem.release_many(n).is_ok() } else { plain.release_many(n).is_ok() };
                    if expect { model += n }
                    (ok, expect)
                }
            };
            prop_assert_eq!(ok, expect, "op {} ({}, {})", k, op, n);
            let avail = if bounded { bsem.available() } else { plain.available() };
            prop_assert_eq!(avail, model, "available after op {}", k);
        }
    }

    /// Mutex: with a guard held, `try_lock` and `try_lock_for(0)` fail; without, succeed;
    /// the value written under each guard is what the next guard reads.
    #[test]
    fn prop_mutex(ops in prop::collection::vec(0u8..4, 0..60)) {
        let m = Mutex::new(0u32);
        let mut held = None;
        let mut model = 0u32;
        for (k, op) in ops.into_iter().enumerate() {
            match op {
                0 | 1 => {
                    let g = if op == 0 { m.try_lock() } else { m.try_lock_for(Z) };
                    prop_assert_eq!(g.is_some(), held.is_none(), "try_lock at op {}", k);
                    if let Some(mut g) = g {
                        prop_assert_eq!(*g, model);
                        *g += 1;
                        model += 1;
                        held = Some(g);
                    }
                }
                2 => { held = None; }
                _ => {
                    if held.is_none() {
                        let g = m.lock();
                        prop_assert_eq!(*g, model);
                    }
                }
            }
        }
        drop(held);
        prop_assert_eq!(m.into_inner(), model);
    }

    /// RwLock: readers and one writer, through every `try_*` form; model: reader count and
    /// a writer flag. Upgradable reads count as readers that exclude other upgradables and
    /// writers.
    ///
    /// A `try_write_for` that times out leaves nothing behind: the next `try_read` and
    /// `try_upgradable_read` succeed whenever no writer holds the lock. This test found the
    /// opposite (a writer that gave up left `WRITERS_WAITING_BIT` set, refusing new readers
    /// until the lock was next free; its model then carried a `stale` flag); fixed by
    /// `RawRwLock::write_give_up` (docs/adr/097).
    #[test]
    fn prop_rwlock(ops in prop::collection::vec((0u8..7, 0usize..4), 0..60)) {
        let l = RwLock::new(0u32);
        let mut reads = Vec::new();
        let mut upgradable = None;
        let mut write = None;
        for (k, (op, i)) in ops.into_iter().enumerate() {
            let free_of_writer = write.is_none();
            match op {
                0 | 1 => {
                    let g = if op == 0 { l.try_read() } else { l.try_read_for(Z) };
                    prop_assert_eq!(g.is_some(), free_of_writer, "try_read at op {}", k);
                    if let Some(g) = g { reads.push(g) }
                }
                2 | 3 => {
                    let g = if op == 2 { l.try_write() } else { l.try_write_for(Z) };
                    let can = free_of_writer && reads.is_empty() && upgradable.is_none();
                    prop_assert_eq!(g.is_some(), can, "try_write at op {}", k);
                    if let Some(mut g) = g { *g += 1; write = Some(g) }
                }
                4 => {
                    let g = l.try_upgradable_read();
                    let can = free_of_writer && upgradable.is_none();
                    prop_assert_eq!(g.is_some(), can, "try_upgradable_read at op {}", k);
                    if let Some(g) = g { upgradable = Some(g) }
                }
                5 => {
                    if !reads.is_empty() { drop(reads.swap_remove(i % reads.len())); }
                    else { upgradable = None; }
                }
                _ => { write = None; }
            }
            let locked = !reads.is_empty() || upgradable.is_some() || write.is_some();
            prop_assert_eq!(l.is_locked(), locked);
            prop_assert_eq!(l.is_locked_exclusive(), write.is_some());
        }
    }

    /// Event: set/clear/is_set/wait_timeout(0).
    #[test]
    fn prop_event(ops in prop::collection::vec(0u8..4, 0..40)) {
        let e = Event::new();
        let mut model = false;
        for op in ops {
            match op {
                0 => { e.set(); model = true; }
                1 => { e.clear(); model = false; }
                2 => prop_assert_eq!(e.is_set(), model),
                _ => prop_assert_eq!(e.wait_timeout(Z), model),
            }
        }
    }

    /// Latch (count-downs past zero ignored) and wait group (done at zero refused).
    #[test]
    fn prop_latch_and_wait_group(n in 0u32..5, ops in prop::collection::vec((0u8..3, 0u32..3), 0..40)) {
        let latch = Latch::new(n);
        let wg = WaitGroup::new();
        let (mut lm, mut wm) = (n, 0u32);
        for (op, k) in ops {
            match op {
                0 => {
                    prop_assert_eq!(latch.count_down(), lm > 0);
                    lm = lm.saturating_sub(1);
                }
                1 => { prop_assert!(wg.add(k).is_ok()); wm += k; }
                _ => { prop_assert_eq!(wg.done().is_ok(), wm > 0); wm = wm.saturating_sub(1); }
            }
            prop_assert_eq!(latch.count(), lm);
            prop_assert_eq!(latch.try_wait(), lm == 0);
            prop_assert_eq!(latch.wait_timeout(Z), lm == 0);
            prop_assert_eq!(wg.count(), wm);
            prop_assert_eq!(wg.wait_timeout(Z), wm == 0);
        }
    }
}
