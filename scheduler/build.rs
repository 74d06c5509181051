//! The negative controls of `verify/` (verify/scripts/controls.sh): `PORTALIS_SEEDED_BUG=<name>`
//! compiles one deliberately broken protocol step (`cfg(portalis_seeded_bug = "<name>")`) so
//! a model can show it catches it. Honoured only in checker builds (`--cfg portalis_loom`,
//! `--cfg portalis_shuttle`, or a ThreadSanitizer build), so a shipped build never carries one.
//!
//! It also sets `cfg(portalis_tsan)` in ThreadSanitizer builds (`-Zsanitizer=thread`, which
//! rustc reports as `sanitize="thread"`; std's own `cfg(sanitize)` is unstable), so a test can
//! shrink what TSan cannot hold (verify/scripts/tsan.sh, ADR 042).
use std::env;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=PORTALIS_SEEDED_BUG");
    let tsan = env::var("CARGO_CFG_SANITIZE").is_ok_and(|s| s.split(',').any(|s| s == "thread"));
    if tsan {
        println!("cargo:rustc-cfg=portalis_tsan");
    }
    let Ok(bug) = env::var("PORTALIS_SEEDED_BUG") else {
        return;
    };
    let model = env::var_os("CARGO_CFG_PORTALIS_LOOM").is_some()
        || env::var_os("CARGO_CFG_PORTALIS_SHUTTLE").is_some()
        || tsan;
    if !bug.is_empty() && model {
        println!("cargo:rustc-cfg=portalis_seeded_bug=\"{bug}\"");
    }
}
