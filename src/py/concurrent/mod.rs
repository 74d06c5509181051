//! Python's `concurrent` package: only [`futures`] (the thread side).

pub mod futures;
