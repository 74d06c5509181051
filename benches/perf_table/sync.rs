//! Rows L1–L4 and T1 (semaphore pair): locks, semaphores, barriers, events. Workloads live in
//! `benches/common/sync.rs` (shared with the criterion bench `benches/sync.rs`).

use crate::row::{median_ns, Config, Goal, Row};

#[path = "../common/sync.rs"]
mod w;

use w::*;

fn lock_row<const T: usize>(cfg: &Config, id: &str, desc: &str, per_thread: usize) -> Row {
    let per = cfg.n(per_thread);
    let total = T * per;
    let run = |f: fn(usize, usize) -> std::time::Duration| median_ns(cfg, total, || f(T, per));
    let ours = run(l2_contended::<OursMutex>);
    let peers = vec![
        (StdMutex::NAME.to_string(), run(l2_contended::<StdMutex>)),
        (PlMutex::NAME.to_string(), run(l2_contended::<PlMutex>)),
    ];
    Row::measured(
        id,
        desc,
        ours,
        peers,
        Goal::MaxRatio(1.0),
        "throughput >= best of std, parking_lot",
    )
}

pub fn rows(cfg: &Config) -> Vec<Row> {
    let mut rows = Vec::new();

    // L1: uncontended lock+unlock.
    let n = cfg.n(2_000_000);
    let l1 = |f: fn(usize) -> std::time::Duration| median_ns(cfg, n, || f(n));
    rows.push(Row::measured(
        "L1",
        "mutex lock+unlock, 1 thread (ns/op)",
        l1(l1_uncontended::<OursMutex>),
        vec![
            (StdMutex::NAME.into(), l1(l1_uncontended::<StdMutex>)),
            (PlMutex::NAME.into(), l1(l1_uncontended::<PlMutex>)),
        ],
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
    let l3 = |f: fn(usize, usize) -> std::time::Duration| median_ns(cfg, 4 * per, || f(4, per));
    rows.push(Row::measured(
        "L3",
        "rwlock 4 threads, 95% reads (ns/op)",
        l3(l3_read_mostly::<OursRw>),
        vec![
            (StdRw::NAME.into(), l3(l3_read_mostly::<StdRw>)),
            (PlRw::NAME.into(), l3(l3_read_mostly::<PlRw>)),
        ],
        Goal::MaxRatio(1.0),
        ">= best of std, parking_lot",
    ));

    // L4 semaphore: uncontended acquire+release pairs.
    let n = cfg.n(2_000_000);
    let sem = |f: fn(usize) -> std::time::Duration| median_ns(cfg, n, || f(n));
    rows.push(Row::measured(
        "L4-semaphore",
        "semaphore acquire+release, 1 thread (ns/pair)",
        sem(l4_semaphore::<OursSem>),
        vec![(CvSem::NAME.into(), sem(l4_semaphore::<CvSem>))],
        Goal::MaxRatio(0.3),
        "<= 0.3 of a Mutex+Condvar semaphore",
    ));

    // L4 barrier: 4 threads.
    let rounds = cfg.n(4_000);
    let bar = |f: fn(u32, usize) -> std::time::Duration| median_ns(cfg, rounds, || f(4, rounds));
    rows.push(Row::measured(
        "L4-barrier",
        "4-thread barrier round (ns/round)",
        bar(l4_barrier::<OursBarrier>),
        vec![(StdBarrier::NAME.into(), bar(l4_barrier::<StdBarrier>))],
        Goal::MaxRatio(0.5),
        "<= 0.5 of std::sync::Barrier",
    ));

    // L4 event ping-pong.
    let rounds = cfg.n(10_000);
    let ev = |f: fn(usize) -> std::time::Duration| median_ns(cfg, rounds, || f(rounds));
    rows.push(Row::measured(
        "L4-event",
        "event set/wait ping-pong (ns/round trip)",
        ev(l4_event::<OursEvent>),
        vec![(CvEvent::NAME.into(), ev(l4_event::<CvEvent>))],
        Goal::MaxRatio(1.0),
        "<= best peer",
    ));

    // T1: semaphore pair vs crossbeam bounded(0).
    let rounds = cfg.n(10_000);
    let pp = |f: fn(usize) -> std::time::Duration| median_ns(cfg, rounds, || f(rounds));
    rows.push(Row::measured(
        "T1-semaphore",
        "ping-pong over a semaphore pair (ns/round trip)",
        pp(t1_pingpong::<SemPair>),
        vec![(CbZero::NAME.into(), pp(t1_pingpong::<CbZero>))],
        Goal::Both {
            max_ratio: 0.8,
            max_ns: 5000.0,
        },
        "<= 0.8 of crossbeam bounded(0); < 5 us",
    ));

    rows
}
