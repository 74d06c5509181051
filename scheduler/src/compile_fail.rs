//! Soundness checks the compiler enforces: programs that must **not** compile.
//!
//! This module holds no code; it exists for its doctests (it is compiled only when rustdoc
//! collects doctests, `cfg(doctest)`). Each `compile_fail` example names the error code it
//! must fail with, so it cannot pass because of a typo or an unrelated error, and each is
//! followed by the corrected program as an ordinary doctest, which must compile and run. The
//! pairs differ only in the line the comment points at. rayon-core ships the same kind of
//! checks (`rayon-core/src/compile_fail/`).
//!
//! Stable rustdoc only checks that a `compile_fail` example fails; it checks the error code
//! on nightly only. `make test-compile-fail` therefore runs these doctests on nightly (a
//! wrong code fails there with "Some expected error codes were not found"). The one example
//! without a code (the leaked `&Scope`) fails with "lifetime may not live long enough", which
//! has no code; checked by hand when it was written.
//!
//! # 1. A scope cannot let a borrow escape
//! A job spawned into a scope may borrow only what outlives the scope (`'scope`); a local of
//! the scope's own body dies before the scope's jobs are waited for.
//! ```compile_fail,E0373
//! portalis_scheduler::scope(|s| {
//!     let x = 22;
//!     s.spawn(|_| assert_eq!(x, 22)); // `x` dies when the body returns, jobs may still run
//! });
//! ```
//! Corrected: the borrowed value lives outside the scope.
//! ```
//! let x = 22;
//! portalis_scheduler::scope(|s| {
//!     s.spawn(|_| assert_eq!(x, 22));
//! });
//! ```
//!
//! The `&Scope` handle itself cannot leave the scope either (a job spawned through a leaked
//! handle could outlive the borrows it captured).
//! ```compile_fail
//! // error: lifetime may not live long enough
//! let leaked = portalis_scheduler::scope(|s| s); // the handle may not outlive the call
//! drop(leaked);
//! ```
//! Corrected: only owned results leave the scope.
//! ```
//! let n = portalis_scheduler::scope(|s| {
//!     s.spawn(|_| {});
//!     7
//! });
//! assert_eq!(n, 7);
//! ```
//!
//! A job spawned into the scope cannot hand a borrow of its own locals to a sibling.
//! ```compile_fail,E0597
//! use std::sync::Mutex;
//! let slot: Mutex<Option<&i32>> = Mutex::new(None);
//! portalis_scheduler::scope(|s| {
//!     s.spawn(|_| {
//!         let local = 5;
//!         *slot.lock().unwrap() = Some(&local); // `local` dies with the job
//!     });
//! });
//! ```
//! Corrected: what is stored outlives the scope.
//! ```
//! use std::sync::Mutex;
//! static FIVE: i32 = 5;
//! let slot: Mutex<Option<&i32>> = Mutex::new(None);
//! portalis_scheduler::scope(|s| {
//!     s.spawn(|_| {
//!         *slot.lock().unwrap() = Some(&FIVE);
//!     });
//! });
//! assert_eq!(slot.into_inner().unwrap(), Some(&5));
//! ```
//!
//! # 2. `join` closures cannot race on a `&mut`
//! Both closures may run at the same time on different threads, so they cannot both borrow
//! one variable mutably.
//! ```compile_fail,E0499
//! let mut v = 0;
//! portalis_scheduler::join(|| v += 1, || v += 1); // two `&mut v` at once
//! ```
//! Corrected: each closure gets its own disjoint `&mut`.
//! ```
//! let (mut a, mut b) = (0, 0);
//! portalis_scheduler::join(|| a += 1, || b += 1);
//! assert_eq!(a + b, 2);
//! ```
//!
//! Nor can one closure read what the other writes.
//! ```compile_fail,E0502
//! let mut v = vec![1, 2, 3];
//! portalis_scheduler::join(|| v.push(4), || v.len()); // `&mut v` and `&v` at once
//! ```
//! Corrected: split the data first.
//! ```
//! let mut v = vec![1, 2, 3, 4];
//! let (left, right) = v.split_at_mut(2);
//! portalis_scheduler::join(|| left[0] = 10, || right.len());
//! assert_eq!(v, [10, 2, 3, 4]);
//! ```
//!
//! # 3. Values that are not `Send` cannot cross into a job
//! `Rc` counts its references without atomics; moving one into a job on another thread would
//! race on the count.
//! ```compile_fail,E0277
//! let rc = std::rc::Rc::new(5);
//! portalis_scheduler::spawn(move || assert_eq!(*rc, 5)); // `Rc<i32>` is not `Send`
//! ```
//! Corrected: `Arc` counts atomically.
//! ```
//! let arc = std::sync::Arc::new(5);
//! let (tx, rx) = std::sync::mpsc::channel();
//! portalis_scheduler::spawn(move || tx.send(*arc).unwrap());
//! assert_eq!(rx.recv().unwrap(), 5);
//! ```
//!
//! The same holds for scope jobs, which may borrow but still run on other threads.
//! ```compile_fail,E0277
//! let cell = std::cell::Cell::new(0);
//! portalis_scheduler::scope(|s| {
//!     s.spawn(|_| cell.set(1)); // `&Cell` is not `Send` (`Cell` is not `Sync`)
//! });
//! ```
//! Corrected: an atomic is `Sync`.
//! ```
//! use std::sync::atomic::{AtomicI32, Ordering::Relaxed};
//! let cell = AtomicI32::new(0);
//! portalis_scheduler::scope(|s| {
//!     s.spawn(|_| cell.store(1, Relaxed));
//! });
//! assert_eq!(cell.into_inner(), 1);
//! ```
//!
//! And for `join`: a closure that captures an `Rc` may run on a thief.
//! ```compile_fail,E0277
//! let rc = std::rc::Rc::new(1);
//! let r2 = rc.clone();
//! portalis_scheduler::join(move || *rc + 1, || 2); // `Rc<i32>` is not `Send`
//! drop(r2);
//! ```
//! Corrected:
//! ```
//! let arc = std::sync::Arc::new(1);
//! let (a, b) = portalis_scheduler::join(move || *arc + 1, || 2);
//! assert_eq!((a, b), (2, 2));
//! ```
