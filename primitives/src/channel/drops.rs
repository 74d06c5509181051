//! Dropping many messages when any of their `Drop` impls may panic (issue 16 item 8).
//!
//! A `VecDeque` or slice dropped in place keeps dropping its other elements while the first
//! panic unwinds; a second panicking element then aborts the process. [`DropAll`] drops one
//! message at a time inside `catch_unwind`, keeps the first panic, drops the rest, and resumes
//! that first panic at the end, so the dropping thread sees exactly one panic and every
//! message is dropped. Channel state is made consistent (lock released, waiters completed)
//! before any message is dropped.

use std::any::Any;
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};

/// Drops messages one by one, remembering the first panic (see the module docs).
#[derive(Default)]
pub(crate) struct DropAll {
    first_panic: Option<Box<dyn Any + Send>>,
}

impl DropAll {
    /// Drops `m`; a panic from its `Drop` is kept (the first) or discarded (later ones).
    #[inline]
    pub(crate) fn drop<T>(&mut self, m: T) {
        if core::mem::needs_drop::<T>() {
            // AssertUnwindSafe: `m` is moved in and gone whether or not its drop unwinds;
            // nothing else is observed after a panic.
            if let Err(p) = catch_unwind(AssertUnwindSafe(move || drop(m))) {
                if self.first_panic.is_none() {
                    self.first_panic = Some(p);
                }
            }
        }
    }

    /// Resumes the first kept panic, if any.
    pub(crate) fn finish(self) {
        if let Some(p) = self.first_panic {
            resume_unwind(p);
        }
    }
}

/// Drops every item of `items` (see the module docs); panics with the first item's panic.
pub(crate) fn drop_each<T>(items: impl IntoIterator<Item = T>) {
    if !core::mem::needs_drop::<T>() {
        return;
    }
    let mut all = DropAll::default();
    for m in items {
        all.drop(m);
    }
    all.finish();
}
