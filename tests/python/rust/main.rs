//! The Rust side of the differential suite: one binary, `py_scenarios <name>`, runs the
//! translation of `tests/python/<name>.py` (written from the mapping table's templates) and
//! prints what the Python program prints. `scripts/test-python.sh` compares the two.
#![allow(clippy::unwrap_used)]

mod futures;
mod multiprocessing;
mod queue;
mod threading;

use portalis_threading::py::PyThreadingError;

/// Python's `print(bool)`.
pub(crate) fn b(x: bool) -> &'static str {
    if x {
        "True"
    } else {
        "False"
    }
}

/// `f"{type(e).__name__}: {e}"`.
pub(crate) fn exc(e: &PyThreadingError) -> String {
    format!("{}: {}", e.py_type_name(), e)
}

/// Python's repr of a list of strings: `['a', 'b']`.
pub(crate) fn strs<S: AsRef<str>>(v: &[S]) -> String {
    let items: Vec<String> = v.iter().map(|s| format!("'{}'", s.as_ref())).collect();
    format!("[{}]", items.join(", "))
}

/// Python's repr of a list of bools.
pub(crate) fn bools(v: &[bool]) -> String {
    let items: Vec<&str> = v.iter().map(|&x| b(x)).collect();
    format!("[{}]", items.join(", "))
}

type Scenario = (&'static str, fn());

fn all() -> Vec<Scenario> {
    let mut v = threading::scenarios();
    v.extend(queue::scenarios());
    v.extend(futures::scenarios());
    v.extend(multiprocessing::scenarios());
    v
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let all = all();
    match args.first().map(String::as_str) {
        None | Some("--list") => {
            for (name, _) in &all {
                println!("{name}");
            }
        }
        Some(name) => match all.iter().find(|(n, _)| *n == name) {
            Some((_, f)) => f(),
            None => {
                eprintln!("no scenario named {name:?}; `--list` lists them");
                std::process::exit(2);
            }
        },
    }
}

/// Lists `fn` items of a module as `(name, fn)` pairs.
#[macro_export]
macro_rules! scenarios {
    ($($name:ident),* $(,)?) => {
        pub(crate) fn scenarios() -> Vec<(&'static str, fn())> {
            vec![$((stringify!($name), $name as fn())),*]
        }
    };
}
