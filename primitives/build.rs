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
    seeded_bug();
}

/// The negative controls of `verify/` (verify/scripts/controls.sh): `PORTALIS_SEEDED_BUG=<name>`
/// compiles one deliberately broken protocol step (`cfg(portalis_seeded_bug = "<name>")`) so
/// a model can show it catches it. Honoured only in checker builds (`--cfg portalis_loom`,
/// `--cfg portalis_shuttle`, or a ThreadSanitizer build), so a shipped build never carries one.
fn seeded_bug() {
    println!("cargo:rerun-if-env-changed=PORTALIS_SEEDED_BUG");
    let Ok(bug) = env::var("PORTALIS_SEEDED_BUG") else {
        return;
    };
    // A checker build: loom, shuttle, or ThreadSanitizer (`-Zsanitizer=thread`, whose
    // controls verify/scripts/tsan.sh runs).
    let tsan = env::var("CARGO_CFG_SANITIZE").is_ok_and(|s| s.split(',').any(|s| s == "thread"));
    let model = env::var_os("CARGO_CFG_PORTALIS_LOOM").is_some()
        || env::var_os("CARGO_CFG_PORTALIS_SHUTTLE").is_some()
        || tsan;
    if !bug.is_empty() && model {
        println!("cargo:rustc-cfg=portalis_seeded_bug=\"{bug}\"");
    }
}
