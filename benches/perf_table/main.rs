//! The performance table (`make perf`): every row of docs/perf-goals.md for the native
//! environment, ours against each peer measured in the same run.
//!
//! Flags: `--quick` (5 rounds, smaller sizes: the CI gate), `--gate FILE` (fail when a ratio
//! exceeds its gate), `--passes N` (see below), `--only PREFIX` (rows whose id starts with
//! PREFIX), `--section NAME` (measure only that section: futex, sync, channel, pool or python), `--out
//! DIR` (default `target/perf`).
//!
//! How a row is measured (`row::interleaved`, ADR 100): ours and the row's peers run in
//! interleaved rounds (A B C, A B C, …; 7 rounds, 5 with `--quick`), one timed sample of each
//! per round after one untimed warm-up each. The ratio is computed per round; the row reports
//! the median ratio and its min–max across rounds, and `met` judges the median.
//!
//! `--passes N` (the gate runs 2): every section is measured N times, and each row keeps the
//! whole pass (its medians, ratio and range) whose median ratio is the lowest, so a gate fails
//! only when a row's median ratio is slow in every pass. Ranges are never pooled across passes.

// A bench binary: `pub` in its modules means "used by main", nothing is exported.
#![allow(unreachable_pub, missing_docs)]

mod futex;
mod output;
mod row;

mod channel;
mod pool;
mod python;
mod sync;

use row::{Config, Row};
use std::io::Write;

/// A subsystem's row builder.
type Section = fn(&Config) -> Vec<Row>;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let flag = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
    };
    let quick = args.iter().any(|a| a == "--quick");
    let only = flag("--only").cloned();
    let section = flag("--section").cloned();
    let out_dir = flag("--out")
        .cloned()
        .unwrap_or_else(|| "target/perf".into());
    let gate = flag("--gate").cloned();
    // `--passes N` (gate runs): measure every section N times and keep, per row, the pass with
    // the lowest median ratio (see the module doc), so a gate fails only when a row is slow in
    // every pass, not on one noisy pass of a shared machine. The table header says so.
    let passes: usize = flag("--passes")
        .and_then(|p| p.parse().ok())
        .unwrap_or(1)
        .max(1);
    let cfg = if quick {
        Config {
            rounds: row::MIN_ROUNDS,
            scale: 0.25,
        }
    } else {
        Config {
            rounds: 7,
            scale: 1.0,
        }
    };

    let header = output::machine_header();
    eprintln!("{header}");
    let load_at_start = output::load_average();
    let mut sections: Vec<(&str, Section)> = vec![
        ("futex", futex::rows),
        ("sync", sync::rows),
        ("channel", channel::rows),
        ("pool", pool::rows),
        ("python", python::rows),
    ];
    if let Some(s) = &section {
        sections.retain(|(name, _)| name == s);
    }
    let mut rows: Vec<Row> = Vec::new();
    for pass in 1..=passes {
        for (i, (name, f)) in sections.iter().enumerate() {
            eprint!(
                "[pass {pass}/{passes}, {}/{}] measuring {name} ... ",
                i + 1,
                sections.len()
            );
            let _ = std::io::stderr().flush();
            let t = std::time::Instant::now();
            let mut got = f(&cfg);
            if let Some(p) = &only {
                got.retain(|r| r.id.starts_with(p.as_str()));
            }
            eprintln!("{} rows in {:.1} s", got.len(), t.elapsed().as_secs_f64());
            for r in got {
                match rows.iter_mut().find(|old| old.id == r.id) {
                    Some(old) => {
                        let better = match (r.ratio(), old.ratio()) {
                            (Some(new), Some(prev)) => new < prev,
                            (Some(_), None) => true,
                            _ => false,
                        };
                        if better {
                            *old = r;
                        }
                    }
                    None => rows.push(r),
                }
            }
        }
    }
    // A loaded machine widens the min–max ranges: the header says how loaded it was.
    let header = format!(
        "{header}; load average (1 min) {load_at_start} at start, {} at end",
        output::load_average()
    );
    let header = if passes > 1 {
        format!("{header}; per row, the pass (of {passes}) with the lowest median ratio")
    } else {
        header
    };

    let md = output::markdown(&header, &rows);
    println!("{md}");
    if let Err(e) = output::write_all(&out_dir, &md, &rows) {
        eprintln!("perf table: could not write {out_dir}: {e}");
        std::process::exit(2);
    }
    eprintln!("wrote {out_dir}/native.md, native.csv, native.svg");

    if let Some(path) = gate {
        match output::check_gates(&path, &rows) {
            Ok(failures) if failures.is_empty() => {
                eprintln!("bench gate: all ratios within {path}")
            }
            Ok(failures) => {
                for f in &failures {
                    eprintln!("bench gate FAILED: {f}");
                }
                std::process::exit(1);
            }
            Err(e) => {
                eprintln!("bench gate: cannot read {path}: {e}");
                std::process::exit(2);
            }
        }
    }
}
