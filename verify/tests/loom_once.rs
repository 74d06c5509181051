//! Loom models of `Once` and `OnceLock` (`once.rs`): one initialiser wins and every caller sees
//! what it wrote; a panicking run lets the next caller retry and strands no sleeper.
#![cfg(portalis_loom)]

use loom::sync::Arc;
use loom::thread;
use portalis_verify::model::loom_model;

/// Preemption bound of the models in this file that do not state their own.
const BOUND: usize = 2;

use loom::sync::atomic::{AtomicU32, Ordering::Relaxed};
use portalis_primitives::{Once, OnceLock};
use portalis_verify::model::Payload;

/// Property: two racing `get_or_init` calls see the same value (exactly one initialiser
/// wins).
#[test]
fn loom_once_lock_single_init() {
    loom_model(BOUND, || {
        let c = Arc::new(OnceLock::new());
        let c2 = c.clone();
        let t = thread::spawn(move || *c2.get_or_init(|| 1u32));
        let mine = *c.get_or_init(|| 2u32);
        let theirs = t.join().unwrap();
        assert_eq!(mine, theirs);
    });
}

/// Property (`once.rs`: "run an initializer exactly once; others wait for it"): two racing
/// `call_once`s run one closure, and each caller, once `call_once` returns, sees what that
/// closure wrote (happens-before through the state word, data in a loom cell). Both threads
/// call, so the waiter is on main in some executions and spawned in others.
#[test]
fn loom_claim_once_callers_see_the_run() {
    loom_model(BOUND, || {
        let once = Arc::new(Once::new());
        let data = Arc::new(Payload::new());
        let runs = Arc::new(AtomicU32::new(0));
        let call = |once: &Once, data: &Payload, runs: &AtomicU32| {
            once.call_once(|| {
                data.write(runs.fetch_add(1, Relaxed) + 1);
            });
            assert_eq!(data.read(), 1);
        };
        let (o2, d2, r2) = (once.clone(), data.clone(), runs.clone());
        let t = thread::spawn(move || call(&o2, &d2, &r2));
        call(&once, &data, &runs);
        t.join().unwrap();
        assert_eq!(runs.load(Relaxed), 1);
    });
}

/// Marker payload of the panics below, which the panic hook keeps quiet.
const QUIET: &str = "loom_once: deliberate panic";

/// Property (`once.rs` state word: a panicking run resets to INCOMPLETE, "no poisoning, the
/// next caller retries", and a phase change wakes all sleepers): a spawned caller's closure
/// panics while main calls too. Main either runs first, or waits for the panicking run and
/// is woken by its reset (never left asleep), then runs its own closure; at the end the
/// `Once` is complete and exactly one closure completed.
/// Control: `once_panic_reset_skips_wake` (the panicking run's reset wakes nobody: main,
/// asleep on the RUNNING phase, is never woken, a deadlock).
#[test]
fn loom_claim_once_panicking_run_lets_next_caller_retry() {
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if info.payload().downcast_ref::<&str>() != Some(&QUIET) {
            hook(info);
        }
    }));
    loom_model(BOUND, || {
        let once = Arc::new(Once::new());
        let done = Arc::new(AtomicU32::new(0));
        let o2 = once.clone();
        let t = thread::spawn(move || {
            let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                o2.call_once(|| std::panic::panic_any(QUIET))
            }));
            r.is_err()
        });
        once.call_once(|| {
            done.fetch_add(1, Relaxed);
        });
        // Whether the spawned closure ran (and panicked) depends on the order; either way:
        t.join().unwrap();
        assert!(once.is_completed());
        assert_eq!(done.load(Relaxed), 1);
    });
}
