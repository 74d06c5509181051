//! Rows S1–S5 and T2 (pool task spawn): the work-stealing scheduler.

use crate::row::{Config, Goal, Row};

pub fn rows(_cfg: &Config) -> Vec<Row> {
    vec![
        Row::not_implemented(
            "S1-1023-1t",
            "tree sum 1,023 nodes, 1 thread: join overhead (ns/join)",
            Goal::MaxNs(2.0),
            "<= 2 ns per join",
        ),
        Row::not_implemented(
            "S1-1023-all",
            "tree sum 1,023 nodes, all threads (ns/node) vs plain recursion",
            Goal::MaxRatio(1.0),
            "no slowdown vs plain recursion",
        ),
        Row::not_implemented(
            "S1-2^24-1t",
            "tree sum 2^24-1 nodes, 1 thread: join overhead (ns/join)",
            Goal::MaxNs(2.0),
            "<= 2 ns per join",
        ),
        Row::not_implemented(
            "S1-2^24-all",
            "tree sum 2^24-1 nodes, all threads (ns/node)",
            Goal::MaxRatio(1.0),
            "<= rayon",
        ),
        Row::not_implemented(
            "S2",
            "1,000,000 scope spawns of empty jobs (ns/spawn)",
            Goal::MaxRatio(0.5),
            "<= 0.5 of rayon",
        ),
        Row::not_implemented(
            "S3-quicksort",
            "quicksort 10^7 u64 (ns/element)",
            Goal::MaxRatio(0.8),
            "<= 0.8 of rayon",
        ),
        Row::not_implemented(
            "S3-fib",
            "fib(32) by join (ns/call)",
            Goal::MaxRatio(0.8),
            "<= 0.8 of rayon",
        ),
        Row::not_implemented(
            "S3-sum",
            "parallel sum of 10^8 (ns/element)",
            Goal::MaxRatio(0.8),
            "<= 0.8 of rayon",
        ),
        Row::not_implemented(
            "S4-p50",
            "idle wake latency p50 (ns)",
            Goal::Both {
                max_ratio: 1.0,
                max_ns: 5000.0,
            },
            "<= rayon; p50 < 5 us",
        ),
        Row::not_implemented(
            "S4-p99",
            "idle wake latency p99 (ns)",
            Goal::MaxRatio(1.0),
            "<= rayon",
        ),
        Row::not_implemented(
            "S5",
            "1-thread pool running S3 fib vs sequential (ns)",
            Goal::MaxRatio(1.05),
            "<= 1.05 of sequential",
        ),
        Row::not_implemented(
            "T2-thread",
            "OS thread spawn + join (ns)",
            Goal::Both {
                max_ratio: 1.1,
                max_ns: 10_000.0,
            },
            "<= 1.1 of std::thread",
        ),
        Row::not_implemented(
            "T2-task",
            "pool task spawn (ns/task)",
            Goal::MaxNs(100.0),
            "< 100 ns",
        ),
    ]
}
