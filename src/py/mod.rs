//! Python's threading modules by name, for programs translated from Python.
//!
//! CPython is the specification: names, arguments, return values, exception types and
//! messages follow it (checked against CPython 3.11 and 3.13 by the differential suite in
//! `tests/python/`, `make test-python`). Each module is a thin layer over this crate's
//! primitives, channels, pool and executor; none re-implements them.
//!
//! | Python module | here |
//! |---|---|
//! | `threading` | [`threading`] |
//! | `queue` | [`queue`] |
//! | `concurrent.futures` | [`concurrent::futures`] |
//! | `multiprocessing` (on threads) | [`multiprocessing`] |
//! | exceptions | [`PyThreadingError`] (one variant per Python exception) |
//!
//! # Conventions of the translation
//! * Objects are handles: `Clone` shares the object (a Python reference), so closures get a
//!   clone where Python code would capture a name.
//! * Timeouts are `f64` seconds (`Option<f64>` where Python's default is `None`; the
//!   `Lock.acquire` family keeps Python's `-1` for "no limit").
//! * `with x:` is `let _with = x.guard();`.
//! * A Python callable that may raise returns `PyResult<T>`; `raise E(msg)` is
//!   `return Err(PyThreadingError::raised("E", msg))`. A panic is reported as a
//!   `PanicException` where Python would report the exception.
//!
//! # Examples
//! ```
//! use portalis_threading::py::{queue::Queue, threading::Thread, PyThreadingError};
//!
//! let q: Queue<u32> = Queue::new(0);
//! let q2 = q.clone();
//! let consumer = Thread::new(move || -> Result<(), PyThreadingError> {
//!     let mut sum = 0;
//!     loop {
//!         let item = q2.get(true, None)?;
//!         if item == 0 { break; }
//!         sum += item;
//!         q2.task_done()?;
//!     }
//!     assert_eq!(sum, 6);
//!     q2.task_done()
//! });
//! consumer.start().unwrap();
//! for i in [1, 2, 3, 0] { q.put(i, true, None).unwrap(); }
//! q.join();
//! consumer.join(None).unwrap();
//! ```

mod error;
mod timeout;

pub mod concurrent;
pub mod multiprocessing;
pub mod queue;
pub mod threading;

pub use error::{PyResult, PyThreadingError, TargetResult};
