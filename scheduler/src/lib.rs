//! Work-stealing scheduler with the rayon-core API shape, on `portalis-primitives`.
//!
//! (Being built: see issue "Work-stealing scheduler".)
#![warn(missing_docs, missing_debug_implementations, unreachable_pub)]
#[cfg(all(target_arch = "wasm32", target_feature = "atomics"))]
pub mod web;
