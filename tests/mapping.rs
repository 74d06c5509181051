//! The mapping table is true: every Rust path compiles (the generated `mapping/paths.rs`
//! below names each one, and this test checks that file is current), every Python name exists
//! in CPython, and the table covers at least the plan's APIs per module.
#![cfg(not(any(portalis_loom, portalis_shuttle)))] // `py` is not built under the model cfgs

#[path = "mapping/paths.rs"]
mod paths;

use portalis_threading::mapping::{table, ApiRecord};
use std::process::Command;

/// `tests/mapping/paths.rs` is exactly what the table generates, so its compiling proves that
/// every current path exists. Fails when a record is added or renamed without regenerating.
#[test]
fn paths_file_is_current() {
    let on_disk = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/mapping/paths.rs"
    ))
    .expect("tests/mapping/paths.rs exists");
    assert_eq!(
        on_disk,
        portalis_threading::mapping::paths_check_source(),
        "regenerate: cargo run --example mapping_json -- --paths > tests/mapping/paths.rs"
    );
}

#[test]
fn covers_the_plan() {
    let t = table();
    let count = |m: &str| t.iter().filter(|r| r.module == m).count();
    assert!(
        count("threading") >= 18,
        "threading: {}",
        count("threading")
    );
    assert!(count("queue") >= 3);
    assert!(count("multiprocessing") >= 12);
    assert!(count("concurrent.futures") >= 4);
    let mut names: Vec<&str> = t.iter().map(|r| r.python.as_str()).collect();
    names.sort_unstable();
    let n = names.len();
    names.dedup();
    assert_eq!(n, names.len(), "a Python name is mapped twice");
}

#[test]
fn serializes_and_round_trips() {
    let t = table();
    let json = serde_json::to_string(&t).unwrap();
    let back: Vec<ApiRecord> = serde_json::from_str(&json).unwrap();
    assert_eq!(back, t);
}

fn python_313() -> Option<String> {
    let mut cands = vec!["python3.13".to_string()];
    if let Ok(out) = Command::new("pyenv").arg("root").output() {
        let root = String::from_utf8_lossy(&out.stdout).trim().to_string();
        cands.push(format!("{root}/versions/3.13.0/bin/python3"));
    }
    cands.into_iter().find(|c| {
        Command::new(c)
            .args(["-c", "import sys; assert sys.version_info >= (3, 13)"])
            .output()
            .is_ok_and(|o| o.status.success())
    })
}

/// Asks `python` which of `names` it lacks (each `module.attr`, resolved by import+getattr).
fn missing_in(python: &str, names: &[&str]) -> Vec<String> {
    let script = "import importlib, sys\nfor n in sys.argv[1:]:\n    mod, _, attr = n.rpartition('.')\n    if not hasattr(importlib.import_module(mod), attr):\n        print(n)\n";
    let out = Command::new(python)
        .arg("-c")
        .arg(script)
        .args(names)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {python}: {e}; install CPython 3"));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn every_python_name_exists_in_cpython() {
    let t = table();
    let old: Vec<&str> = t
        .iter()
        .filter(|r| r.python_min != "3.13")
        .map(|r| r.python.as_str())
        .collect();
    assert!(old.len() > 40);
    assert_eq!(missing_in("python3", &old), Vec::<String>::new());
    let new: Vec<&str> = t
        .iter()
        .filter(|r| r.python_min == "3.13")
        .map(|r| r.python.as_str())
        .collect();
    match python_313() {
        Some(py) => assert_eq!(missing_in(&py, &new), Vec::<String>::new()),
        // Skipped, not passed: the names needing 3.13 are unchecked on this machine.
        None => eprintln!("SKIP: no CPython 3.13; unchecked: {new:?}"),
    }
}

/// The check above can fail: a name CPython lacks is reported.
#[test]
fn the_python_check_reports_a_missing_name() {
    assert_eq!(
        missing_in("python3", &["threading.Lock", "threading.NoSuchThing"]),
        ["threading.NoSuchThing"]
    );
}
