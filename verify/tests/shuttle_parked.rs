//! Shuttle scenarios of the portable parked futex backend (`primitives/src/futex/parked.rs`):
//! more threads and more rounds than the loom models can afford, under randomised schedules
//! (fixed seed). A lost wake-up is a deadlock shuttle reports. Run with
//! `bash verify/scripts/shuttle.sh`.
#![cfg(portalis_shuttle)]

use portalis_primitives::futex::parked;
use portalis_primitives::sync::atomic::{
    AtomicU32,
    Ordering::{Acquire, Release},
};
use portalis_primitives::sync::{thread, Arc};

const ITERATIONS: usize = 2_000;

fn check(f: impl Fn() + Send + Sync + 'static) {
    let scheduler = shuttle::scheduler::RandomScheduler::new_from_seed(0x9a4c, ITERATIONS);
    shuttle::Runner::new(scheduler, shuttle::Config::default()).run(f);
}

/// Property: three waiters of one word (waiter `i` needs the word above `i`) and one waiter of
/// another word in the same table; the word is bumped three times, each bump followed by a
/// `wake_all`, then the other word is set and woken by one `wake_one`. Every waiter returns:
/// no wake-up is lost and a wake of one word never lands on a waiter of another.
#[test]
fn shuttle_parked_bumps_and_other_word() {
    check(|| {
        let a = Arc::new(AtomicU32::new(0));
        let b = Arc::new(AtomicU32::new(0));
        let mut ts = Vec::new();
        for i in 0..3u32 {
            let a = a.clone();
            // Waiter i needs the word to reach at least i + 1.
            ts.push(thread::spawn(move || {
                loop {
                    // Acquire: pairs with the Release bumps below.
                    let v = a.load(Acquire);
                    if v > i {
                        return;
                    }
                    let _ = parked::wait(&a, v, None).unwrap();
                }
            }));
        }
        let b2 = b.clone();
        ts.push(thread::spawn(move || {
            // Acquire: pairs with the Release store below.
            while b2.load(Acquire) == 0 {
                let _ = parked::wait(&b2, 0, None).unwrap();
            }
        }));
        for _ in 0..3 {
            // Release: pairs with the waiters' Acquire loads.
            a.fetch_add(1, Release);
            parked::wake_all(&a);
        }
        // Release: pairs with the other waiter's Acquire load.
        b.store(1, Release);
        parked::wake_one(&b);
        for t in ts {
            t.join().unwrap();
        }
    });
}
