//! The futex contract, checked against the active backend and (on std targets) the portable
//! waiter table. Nothing here asserts on elapsed time beyond "a timeout did not return early".
// These run real threads on the real backends; the model builds run verify/tests/loom_*.rs instead.
#![cfg(not(any(portalis_loom, portalis_shuttle)))]

#[cfg(not(portalis_no_threads))]
use crate::sync::atomic::AtomicUsize;
use crate::sync::atomic::{AtomicU32, Ordering::SeqCst};
#[cfg(not(portalis_no_threads))]
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Waiters in the many-waiter tests; small under miri, which runs threads slowly.
#[cfg(not(portalis_no_threads))]
const WAITERS: usize = if cfg!(miri) { 3 } else { 16 };

#[cfg(not(portalis_no_threads))]
macro_rules! contract_tests {
    ($modname:ident, $wait:path, $wake_one:path, $wake_all:path) => {
        mod $modname {
            use super::*;
            use crate::futex::WaitResult;

            #[test]
            fn mismatch_returns_at_once() {
                let w = AtomicU32::new(7);
                assert_eq!($wait(&w, 3, None), Ok(WaitResult::Woken));
                assert_eq!(
                    $wait(&w, 3, Some(Duration::from_secs(3600))),
                    Ok(WaitResult::Woken)
                );
            }

            #[test]
            fn zero_timeout_times_out_without_blocking() {
                let w = AtomicU32::new(0);
                assert_eq!($wait(&w, 0, Some(Duration::ZERO)), Ok(WaitResult::TimedOut));
            }

            #[test]
            fn short_timeout_is_not_early() {
                let w = AtomicU32::new(0);
                let t = Duration::from_millis(20);
                let start = Instant::now();
                // A spurious wake-up may end the wait early with `Woken`; only `TimedOut`
                // promises the time passed.
                loop {
                    match $wait(&w, 0, Some(t)) {
                        Ok(WaitResult::TimedOut) => break,
                        Ok(WaitResult::Woken) => continue,
                        Err(e) => panic!("unexpected error {e}"),
                    }
                }
                assert!(
                    start.elapsed() >= t,
                    "timed out after {:?} < {:?}",
                    start.elapsed(),
                    t
                );
            }

            #[test]
            fn wake_with_no_waiters_is_a_no_op() {
                let w = AtomicU32::new(0);
                $wake_one(&w);
                $wake_all(&w);
                assert_eq!(w.load(SeqCst), 0);
            }

            #[test]
            fn huge_timeout_still_wakes() {
                let w = Arc::new(AtomicU32::new(0));
                let w2 = w.clone();
                let t = std::thread::spawn(move || {
                    while w2.load(SeqCst) == 0 {
                        let r = $wait(&w2, 0, Some(Duration::MAX));
                        assert_eq!(r, Ok(WaitResult::Woken));
                    }
                });
                w.store(1, SeqCst);
                $wake_one(&w);
                t.join().unwrap();
            }

            #[test]
            fn wait_then_wake_one() {
                let w = Arc::new(AtomicU32::new(0));
                let slept = Arc::new(AtomicUsize::new(0));
                let (w2, s2) = (w.clone(), slept.clone());
                let t = std::thread::spawn(move || {
                    while w2.load(SeqCst) == 0 {
                        s2.fetch_add(1, SeqCst);
                        let _ = $wait(&w2, 0, None);
                    }
                });
                // Make it likely (not required) that the waiter is really asleep first.
                while slept.load(SeqCst) == 0 {
                    std::thread::yield_now();
                }
                w.store(1, SeqCst);
                $wake_one(&w);
                t.join().unwrap();
            }

            #[test]
            fn wake_all_releases_every_waiter() {
                let w = Arc::new(AtomicU32::new(0));
                let gone = Arc::new(AtomicUsize::new(0));
                let ts: Vec<_> = (0..WAITERS)
                    .map(|_| {
                        let (w, gone) = (w.clone(), gone.clone());
                        std::thread::spawn(move || {
                            while w.load(SeqCst) == 0 {
                                let _ = $wait(&w, 0, None);
                            }
                            gone.fetch_add(1, SeqCst);
                        })
                    })
                    .collect();
                w.store(1, SeqCst);
                $wake_all(&w);
                for t in ts {
                    t.join().unwrap();
                }
                assert_eq!(gone.load(SeqCst), WAITERS);
            }

            #[test]
            fn wake_one_per_token_releases_many_waiters() {
                // Each waiter takes one token; each wake_one follows one token. No waiter may
                // be left asleep while a token is free (a lost wake-up hangs this test).
                let tokens = Arc::new(AtomicU32::new(0));
                let ts: Vec<_> = (0..WAITERS)
                    .map(|_| {
                        let tokens = tokens.clone();
                        std::thread::spawn(move || loop {
                            let n = tokens.load(SeqCst);
                            if n > 0 {
                                if tokens.compare_exchange(n, n - 1, SeqCst, SeqCst).is_ok() {
                                    return;
                                }
                                continue;
                            }
                            let _ = $wait(&tokens, 0, None);
                        })
                    })
                    .collect();
                for _ in 0..WAITERS {
                    tokens.fetch_add(1, SeqCst);
                    $wake_one(&tokens);
                }
                for t in ts {
                    t.join().unwrap();
                }
                assert_eq!(tokens.load(SeqCst), 0);
            }
        }
    };
}

#[cfg(not(portalis_no_threads))]
contract_tests!(
    active,
    crate::futex::wait,
    crate::futex::wake_one,
    crate::futex::wake_all
);
#[cfg(not(portalis_no_threads))]
contract_tests!(
    parked,
    crate::futex::parked::wait,
    crate::futex::parked::wake_one,
    crate::futex::parked::wake_all
);

#[cfg(not(portalis_no_threads))]
#[test]
fn native_targets_can_block() {
    assert!(crate::futex::can_block());
    assert!(!crate::futex::BACKEND.is_empty());
}

/// Targets without threads (`wasm32-wasip1`, plain `wasm32-unknown-unknown`): the
/// single-thread backend. Run by scripts/test-wasi.sh for `wasm32-wasip1`.
#[cfg(portalis_no_threads)]
mod single_thread {
    use super::*;
    use crate::futex::{self, WaitError, WaitResult};

    #[test]
    fn backend_cannot_block() {
        assert_eq!(futex::BACKEND, "single-thread");
        assert!(!futex::can_block());
    }

    #[test]
    fn untimed_wait_on_matching_word_would_deadlock() {
        let w = AtomicU32::new(0);
        assert_eq!(futex::wait(&w, 0, None), Err(WaitError::WouldDeadlock));
    }

    #[test]
    fn huge_timeout_would_deadlock_not_hang() {
        let w = AtomicU32::new(0);
        assert_eq!(
            futex::wait(&w, 0, Some(Duration::MAX)),
            Err(WaitError::WouldDeadlock)
        );
    }

    #[test]
    fn mismatch_returns_at_once() {
        let w = AtomicU32::new(7);
        assert_eq!(futex::wait(&w, 3, None), Ok(WaitResult::Woken));
    }

    #[test]
    fn zero_timeout_times_out() {
        let w = AtomicU32::new(0);
        assert_eq!(
            futex::wait(&w, 0, Some(Duration::ZERO)),
            Ok(WaitResult::TimedOut)
        );
    }

    #[cfg(target_os = "wasi")] // The browser build has neither a clock nor a blocking sleep.
    #[test]
    fn short_timeout_sleeps_it_out_and_is_not_early() {
        let w = AtomicU32::new(0);
        let t = Duration::from_millis(20);
        let start = Instant::now();
        assert_eq!(futex::wait(&w, 0, Some(t)), Ok(WaitResult::TimedOut));
        assert!(start.elapsed() >= t, "returned after {:?}", start.elapsed());
    }

    #[test]
    fn wake_with_no_waiters_is_a_no_op() {
        let w = AtomicU32::new(0);
        futex::wake_one(&w);
        futex::wake_all(&w);
        assert_eq!(w.load(SeqCst), 0);
    }
}
