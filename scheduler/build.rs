//! The negative controls of `verify/` (verify/scripts/controls.sh): `PORTALIS_SEEDED_BUG=<name>`
//! compiles one deliberately broken protocol step (`cfg(portalis_seeded_bug = "<name>")`) so
//! a model can show it catches it. Honoured only in model-checker builds (`--cfg
//! portalis_loom` / `--cfg portalis_shuttle`), so a shipped build can never carry one.
use std::env;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=PORTALIS_SEEDED_BUG");
    let Ok(bug) = env::var("PORTALIS_SEEDED_BUG") else {
        return;
    };
    let model = env::var_os("CARGO_CFG_PORTALIS_LOOM").is_some()
        || env::var_os("CARGO_CFG_PORTALIS_SHUTTLE").is_some();
    if !bug.is_empty() && model {
        println!("cargo:rustc-cfg=portalis_seeded_bug=\"{bug}\"");
    }
}
