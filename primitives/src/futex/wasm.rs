//! `wasm32` with shared memory (`+atomics`; the browser build). PLACEHOLDER ROUTE until the
//! intrinsics land: the portable waiter table on std's park (itself `memory.atomic.wait32`).
//! The browser main thread is not yet detected here.

pub(super) use super::parked::{can_block, wait, wake_all, wake_one};

pub(super) const NAME: &str = "wasm-parked";
