//! Rows L1–L4 and T1 (semaphore pair): locks, semaphores, barriers, events.

use crate::row::{Config, Goal, Row};

pub fn rows(_cfg: &Config) -> Vec<Row> {
    vec![
        Row::not_implemented("L1", "mutex lock+unlock, 1 thread (ns/op)", Goal::Both { max_ratio: 1.0, max_ns: 10.0 }, "<= 1.0 of std and parking_lot; < 10 ns"),
        Row::not_implemented("L2-2t", "mutex contended, 2 threads (ns/increment)", Goal::MaxRatio(1.0), "throughput >= best of std, parking_lot"),
        Row::not_implemented("L2-4t", "mutex contended, 4 threads (ns/increment)", Goal::MaxRatio(1.0), "throughput >= best of std, parking_lot"),
        Row::not_implemented("L2-16t", "mutex contended, 16 threads (ns/increment)", Goal::MaxRatio(1.0), "throughput >= best of std, parking_lot"),
        Row::not_implemented("L3", "rwlock 4 threads, 95% reads (ns/op)", Goal::MaxRatio(1.0), ">= best of std, parking_lot"),
        Row::not_implemented("L4-semaphore", "semaphore acquire+release (ns/pair)", Goal::MaxRatio(0.3), "<= 0.3 of a Mutex+Condvar semaphore"),
        Row::not_implemented("L4-barrier", "4-thread barrier round (ns/round)", Goal::MaxRatio(0.5), "<= 0.5 of std::sync::Barrier"),
        Row::not_implemented("L4-event", "event set/wait ping-pong (ns/round trip)", Goal::MaxRatio(1.0), "<= best peer"),
        Row::not_implemented("T1-semaphore", "ping-pong over a semaphore pair (ns/round trip)", Goal::Both { max_ratio: 0.8, max_ns: 5000.0 }, "<= 0.8 of crossbeam bounded(0); < 5 us"),
    ]
}
