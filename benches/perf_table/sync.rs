//! Rows L1–L4 and T1 (semaphore pair): locks, semaphores, barriers, events. Workloads live in
//! `benches/common/sync.rs` (shared with the criterion bench `benches/sync.rs`). Ours and the
//! peers of each row run in interleaved rounds (`row::interleaved`).

use crate::row::{cpu_time, interleaved, Config, Goal, Row};
use std::time::Duration;

#[path = "../common/sync.rs"]
mod w;

use w::*;

fn lock_row<const T: usize>(cfg: &Config, id: &str, desc: &str, per_thread: usize) -> Row {
    let per = cfg.n(per_thread);
    let m = interleaved(
        cfg,
        &mut [
            ("ours", &mut || l2_contended::<OursMutex>(T, per)),
            (StdMutex::NAME, &mut || l2_contended::<StdMutex>(T, per)),
            (PlMutex::NAME, &mut || l2_contended::<PlMutex>(T, per)),
        ],
        T * per,
    );
    Row::from_rounds(
        id,
        desc,
        &m,
        Goal::MaxRatio(1.0),
        "throughput >= best of std, parking_lot",
    )
}

/// A one-thread, never-blocking workload timed by the thread's CPU clock (ADR 100); the
/// workload's own wall time is dropped.
fn cpu(f: fn(usize) -> Duration, n: usize) -> Duration {
    cpu_time(|| {
        let _ = f(n);
    })
}

pub fn rows(cfg: &Config) -> Vec<Row> {
    let mut rows = Vec::new();

    // L1: uncontended lock+unlock (one thread: CPU clock).
    let n = cfg.n(2_000_000);
    let m = interleaved(
        cfg,
        &mut [
            ("ours", &mut || cpu(l1_uncontended::<OursMutex>, n)),
            (StdMutex::NAME, &mut || cpu(l1_uncontended::<StdMutex>, n)),
            (PlMutex::NAME, &mut || cpu(l1_uncontended::<PlMutex>, n)),
        ],
        n,
    );
    rows.push(Row::from_rounds(
        "L1",
        "mutex lock+unlock, 1 thread (ns/op)",
        &m,
        Goal::Both {
            max_ratio: 1.0,
            max_ns: 10.0,
        },
        "<= 1.0 of std and parking_lot; < 10 ns",
    ));

    // L2: contended increments, fixed count per thread.
    rows.push(lock_row::<2>(
        cfg,
        "L2-2t",
        "mutex contended, 2 threads (ns/increment)",
        200_000,
    ));
    rows.push(lock_row::<4>(
        cfg,
        "L2-4t",
        "mutex contended, 4 threads (ns/increment)",
        100_000,
    ));
    rows.push(lock_row::<16>(
        cfg,
        "L2-16t",
        "mutex contended, 16 threads (ns/increment)",
        25_000,
    ));

    // L3: 4 threads, 95% reads.
    let per = cfg.n(100_000);
    let m = interleaved(
        cfg,
        &mut [
            ("ours", &mut || l3_read_mostly::<OursRw>(4, per)),
            (StdRw::NAME, &mut || l3_read_mostly::<StdRw>(4, per)),
            (PlRw::NAME, &mut || l3_read_mostly::<PlRw>(4, per)),
        ],
        4 * per,
    );
    rows.push(Row::from_rounds(
        "L3",
        "rwlock 4 threads, 95% reads (ns/op)",
        &m,
        Goal::MaxRatio(1.0),
        ">= best of std, parking_lot",
    ));

    // L4 semaphore: uncontended acquire+release pairs (one thread: CPU clock).
    let n = cfg.n(2_000_000);
    let m = interleaved(
        cfg,
        &mut [
            ("ours", &mut || cpu(l4_semaphore::<OursSem>, n)),
            (CvSem::NAME, &mut || cpu(l4_semaphore::<CvSem>, n)),
        ],
        n,
    );
    rows.push(Row::from_rounds(
        "L4-semaphore",
        "semaphore acquire+release, 1 thread (ns/pair)",
        &m,
        Goal::MaxRatio(0.3),
        "<= 0.3 of a Mutex+Condvar semaphore",
    ));

    // L4 barrier: 4 threads.
    let r = cfg.n(4_000);
    let m = interleaved(
        cfg,
        &mut [
            ("ours", &mut || l4_barrier::<OursBarrier>(4, r)),
            (StdBarrier::NAME, &mut || l4_barrier::<StdBarrier>(4, r)),
        ],
        r,
    );
    rows.push(Row::from_rounds(
        "L4-barrier",
        "4-thread barrier round (ns/round)",
        &m,
        Goal::MaxRatio(0.5),
        "<= 0.5 of std::sync::Barrier",
    ));

    // L4 event ping-pong, and T1: semaphore pair vs crossbeam bounded(0).
    let r = cfg.n(10_000);
    let pingpong = |ours: fn(usize) -> Duration, peer: fn(usize) -> Duration, peer_name| {
        interleaved(
            cfg,
            &mut [("ours", &mut || ours(r)), (peer_name, &mut || peer(r))],
            r,
        )
    };
    rows.push(Row::from_rounds(
        "L4-event",
        "event set/wait ping-pong (ns/round trip)",
        &pingpong(l4_event::<OursEvent>, l4_event::<CvEvent>, CvEvent::NAME),
        Goal::MaxRatio(1.0),
        "<= best peer",
    ));
    rows.push(Row::from_rounds(
        "T1-semaphore",
        "ping-pong over a semaphore pair (ns/round trip)",
        &pingpong(t1_pingpong::<SemPair>, t1_pingpong::<CbZero>, CbZero::NAME),
        Goal::Both {
            max_ratio: 0.8,
            max_ns: 5000.0,
        },
        "<= 0.8 of crossbeam bounded(0); < 5 us",
    ));

    rows
}
