//! The sync shim: the only file in the workspace that names `core::sync::atomic`,
//! `std::sync`, `std::thread`, loom or shuttle.
//!
//! Everything else imports `crate::sync::...` (or `portalis_primitives::sync::...` from the
//! scheduler), so one cfg switches the whole workspace between the real world, loom
//! (`--cfg portalis_loom`) and shuttle (`--cfg portalis_shuttle`). `.ci/check-shim` greps that
//! no other file names the forbidden paths.

#[cfg(portalis_loom)]
mod imp {
    pub use loom::cell;
    pub use loom::sync::{atomic, Arc, Condvar, Mutex, MutexGuard};
    pub use loom::{hint, lazy_static, thread, thread_local};

    /// `true` under a model checker: stress sizes and spin budgets shrink.
    pub const MODEL: bool = true;
}

#[cfg(all(portalis_shuttle, not(portalis_loom)))]
mod imp {
    pub use shuttle::sync::{atomic, Arc, Condvar, Mutex, MutexGuard};
    pub use shuttle::{lazy_static, thread, thread_local};

    /// Spin hints become yields, so shuttle's scheduler can run the thread we wait for.
    pub mod hint {
        /// A spin-loop hint that yields to shuttle's scheduler.
        pub fn spin_loop() {
            shuttle::thread::yield_now()
        }
    }

    /// `true` under a model checker: stress sizes and spin budgets shrink.
    pub const MODEL: bool = true;
}

#[cfg(not(any(portalis_loom, portalis_shuttle)))]
mod imp {
    pub use core::{hint, sync::atomic};
    pub use std::sync::{Arc, Condvar, Mutex, MutexGuard};
    pub use std::{thread, thread_local};

    /// `true` under a model checker: stress sizes and spin budgets shrink.
    pub const MODEL: bool = false;
}

pub use imp::*;

/// A loom-shaped `UnsafeCell` for the std and shuttle builds: the value is only reached
/// through `with` / `with_mut`, so loom can track every access in model builds.
#[cfg(not(portalis_loom))]
pub mod cell {
    /// `core::cell::UnsafeCell` behind loom's closure-based API.
    #[derive(Debug, Default)]
    #[repr(transparent)]
    pub struct UnsafeCell<T: ?Sized>(core::cell::UnsafeCell<T>);

    impl<T> UnsafeCell<T> {
        /// Wraps `value` (`const`, unlike loom's).
        #[inline]
        pub const fn new(value: T) -> Self {
            Self(core::cell::UnsafeCell::new(value))
        }

        /// Unwraps the value.
        #[inline]
        pub fn into_inner(self) -> T {
            self.0.into_inner()
        }
    }

    impl<T: ?Sized> UnsafeCell<T> {
        /// Calls `f` with a shared raw pointer to the value.
        #[inline]
        pub fn with<R>(&self, f: impl FnOnce(*const T) -> R) -> R {
            f(self.0.get())
        }

        /// Calls `f` with a mutable raw pointer to the value.
        #[inline]
        pub fn with_mut<R>(&self, f: impl FnOnce(*mut T) -> R) -> R {
            f(self.0.get())
        }

        /// Mutable access through a unique borrow (no tracking needed).
        #[inline]
        pub fn get_mut(&mut self) -> &mut T {
            self.0.get_mut()
        }
    }
}
