//! Loom models of the scheduler's join/job protocol (`scheduler/src/join.rs`, `job.rs`,
//! `latch.rs`) on a real two-worker pool (its deque is the shim-built twin under the models):
//! a thief's `JoinJob::execute` (write the result, then `SpinLatch::set`, Release) against the
//! owner's `probe` (Acquire) + `take_result`, the promoted frame's latch bound before its push
//! (ADR 107), and a scope's job counter (`CountLatch`).
//! Run with `bash verify/scripts/loom.sh`.
#![cfg(portalis_loom)]

use loom::sync::Arc;
use portalis_scheduler::{join, scope, ThreadPoolBuilder};
use portalis_verify::model::{loom_model, Payload};

/// Preemption bound of the stolen-join model (see its doc for the measurement).
const JOIN_BOUND: usize = 2;

/// Property: a `join` whose `b` was stolen returns `b`'s result, and everything `b` wrote is
/// visible to the owner after `join` returns. The inner join gives the owner a join entry at
/// which a hungry worker's heartbeat promotes the outer frame, so the other worker can steal
/// `b`. Control: `join_result_after_latch` (the latch published before the result: loom
/// reports the owner's read racing the thief's write).
#[test]
fn loom_join_stolen_result_published() {
    loom_model(JOIN_BOUND, || {
        {
            let pool = ThreadPoolBuilder::new().num_threads(2).build().unwrap();
            let data = Arc::new(Payload::new());
            let d2 = data.clone();
            let (ab, b) = pool.install(move || {
                join(
                    || join(|| 1u32, || 2u32),
                    move || {
                        d2.write(40);
                        40u32
                    },
                )
            });
            assert_eq!((ab, b), ((1, 2), 40));
            assert_eq!(data.read(), 40);
            pool.shutdown(true); // joins the workers: they must not outlive the model
        }
    });
}

/// Preemption bound of the sleeping-owner model (see its doc).
const SLEEP_BOUND: usize = 1;

/// Property: the latch of a promoted join frame, bound by its owner at promotion (ADR 107),
/// wakes that owner: `join` returns even when the owner has gone to sleep (PROTOCOL.md S2–S5)
/// while the thief still runs `b`. `b` blocks until a helper thread outside the pool notifies
/// it, so the owner can run out of work and sleep before `b` finishes; a wake-up that misses
/// the owner leaves it asleep for ever, which loom reports as a deadlock. Controls:
/// `frame_latch_wrong_owner` (bound to the other worker: deadlock) and
/// `frame_latch_bound_late` (written again after the push: causality violation). Bound 1: `b`
/// blocks by itself (no preemption needed to stop the thief in it); bound 2 did not finish in
/// 15 min on this 2-vCPU machine.
#[test]
fn loom_join_promoted_latch_wakes_sleeping_owner() {
    use loom::sync::Notify;
    loom_model(SLEEP_BOUND, || {
        {
            let pool = ThreadPoolBuilder::new().num_threads(2).build().unwrap();
            let go = Arc::new(Notify::new());
            let g2 = go.clone();
            let helper = loom::thread::spawn(move || g2.notify());
            let (ab, b) = pool.install(move || {
                join(
                    || join(|| 1u32, || 2u32),
                    move || {
                        go.wait();
                        3u32
                    },
                )
            });
            assert_eq!((ab, b), ((1, 2), 3));
            helper.join().unwrap();
            pool.shutdown(true); // joins the workers: they must not outlive the model
        }
    });
}

/// Property: a scope returns only after every job spawned in it finished (its `CountLatch`
/// reached zero), and their writes are visible after it.
#[test]
fn loom_join_scope_counter() {
    loom_model(1, || {
        {
            let pool = ThreadPoolBuilder::new().num_threads(2).build().unwrap();
            let data = Arc::new([Payload::new(), Payload::new()]);
            let d2 = data.clone();
            pool.install(move || {
                scope(|s| {
                    for i in 0..2 {
                        let d = d2.clone();
                        s.spawn(move |_| d[i].write(i as u32 + 1));
                    }
                })
            });
            assert_eq!((data[0].read(), data[1].read()), (1, 2));
            pool.shutdown(true); // joins the workers: they must not outlive the model
        }
    });
}
