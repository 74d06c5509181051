//! Chooses the futex backend family from the target, because on stable the cfg set of
//! `wasm32-wasip1-threads` equals that of `wasm32-wasip1` (`target_feature = "atomics"` is
//! false there), so only `TARGET` tells whether threads exist.
use std::env;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let target = env::var("TARGET").unwrap_or_default();
    let arch = env::var("CARGO_CFG_TARGET_ARCH").unwrap_or_default();
    let features = env::var("CARGO_CFG_TARGET_FEATURE").unwrap_or_default();
    let atomics = features.split(',').any(|f| f == "atomics");
    if arch == "wasm32" {
        if atomics {
            // Shared memory with `memory.atomic.wait32`: the browser build (nightly, build-std).
            println!("cargo:rustc-cfg=portalis_wasm_atomics");
        } else if target != "wasm32-wasip1-threads" {
            // Plain wasm32-unknown-unknown or wasm32-wasip1: one thread, nobody to wake us.
            println!("cargo:rustc-cfg=portalis_no_threads");
        }
        // wasm32-wasip1-threads on stable: threads exist; the std-backed parked table is used.
    }
}
