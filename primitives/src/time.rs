//! The clock every timed call takes its deadlines from.
//!
//! [`Instant`] is `std::time::Instant` on every target except the browser
//! (`wasm32-unknown-unknown`), where `std::time::Instant::now` panics ("time not implemented on
//! this platform"). There it is a monotonic instant read from `performance.now()` with the
//! same API (`now`, `elapsed`, `duration_since`, `checked_add`, `+`/`-` with a `Duration`, ...),
//! so code written against `portalis_threading::time::Instant` runs unchanged natively, under
//! WASI and in the browser. Every public deadline of this crate (`Mutex::try_lock_until`,
//! `Receiver::recv_deadline`, the messages of `channel::after`/`tick`, ...) takes this type.
//!
//! Natively the two are one type, so switching from crossbeam or std keeps compiling:
//!
//! ```
//! use portalis_primitives::time::Instant;
//! use std::time::Duration;
//!
//! let start: std::time::Instant = Instant::now(); // the same type off the browser
//! let deadline = start + Duration::from_millis(5);
//! let m = portalis_primitives::Mutex::new(0);
//! assert!(m.try_lock_until(deadline).is_some());
//! assert!(deadline.duration_since(start) == Duration::from_millis(5));
//! ```

#[cfg(not(all(target_arch = "wasm32", target_os = "unknown")))]
pub use std::time::Instant;

#[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
pub use ms::MsInstant as Instant;

/// The browser's instant, compiled natively for its unit tests (with a std-backed clock).
#[cfg(any(test, all(target_arch = "wasm32", target_os = "unknown")))]
// Natively (tests only) nothing outside reaches the type, though in the browser it is public.
#[cfg_attr(
    not(all(target_arch = "wasm32", target_os = "unknown")),
    allow(unreachable_pub)
)]
mod ms {
    use core::ops::{Add, AddAssign, Sub, SubAssign};
    use core::time::Duration;

    #[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
    mod clock {
        use core::cell::Cell;
        use wasm_bindgen::prelude::*;

        #[wasm_bindgen]
        extern "C" {
            /// `performance.now()` (ms, fractional, monotonic): windows, workers and Node.
            #[wasm_bindgen(js_namespace = performance, js_name = now)]
            fn performance_now() -> f64;
        }

        thread_local! {
            /// This thread's `performance.timeOrigin` (NaN until read).
            static ORIGIN: Cell<f64> = const { Cell::new(f64::NAN) };
        }

        /// `performance.timeOrigin` of this JS context: when it started, in ms since the Unix
        /// epoch. Each worker has its own, so `performance.now()` alone is not comparable
        /// between threads; 0 where the property is missing (a single context then).
        fn time_origin() -> f64 {
            ORIGIN.with(|o| {
                if o.get().is_nan() {
                    let perf = js_sys::Reflect::get(&js_sys::global(), &"performance".into())
                        .unwrap_or(JsValue::UNDEFINED);
                    let origin = js_sys::Reflect::get(&perf, &"timeOrigin".into())
                        .ok()
                        .and_then(|v| v.as_f64())
                        .unwrap_or(0.0);
                    o.set(origin);
                }
                o.get()
            })
        }

        /// `timeOrigin + now()`: one clock for every worker and the page, so an instant made
        /// on one thread (a timer's message, a deadline) means the same moment on another.
        pub(super) fn now_ms() -> f64 {
            time_origin() + performance_now()
        }
    }

    #[cfg(not(all(target_arch = "wasm32", target_os = "unknown")))]
    mod clock {
        use std::sync::OnceLock;

        /// Test stand-in for `performance.now()`: ms since the first call.
        pub(super) fn now_ms() -> f64 {
            static ORIGIN: OnceLock<std::time::Instant> = OnceLock::new();
            ORIGIN
                .get_or_init(std::time::Instant::now)
                .elapsed()
                .as_secs_f64()
                * 1e3
        }
    }

    /// A point on the page's clock (`performance.timeOrigin + performance.now()`, so that
    /// instants agree between workers), kept as whole nanoseconds so that arithmetic is exact
    /// (`(t + d) - d == t`).
    ///
    /// Resolution is the browser's: 5 µs with cross-origin isolation, 100 µs without.
    /// Monotonic within a thread; between threads, as consistent as the contexts' time
    /// origins (sub-millisecond in Chromium).
    /// Offsets beyond `i64::MAX` ns (≈292 years) do not fit: `checked_add` returns `None`
    /// and `+` panics, as std's `Instant` does on overflow.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
    pub struct MsInstant {
        ns: i64,
    }

    fn ns_of(d: Duration) -> Option<i64> {
        i64::try_from(d.as_nanos()).ok()
    }

    fn duration_of(ns: i64) -> Duration {
        Duration::from_nanos(u64::try_from(ns).unwrap_or(0))
    }

    impl MsInstant {
        /// The current instant.
        pub fn now() -> MsInstant {
            // `as` saturates; `performance.now()` is a small non-negative number of ms.
            MsInstant {
                ns: (clock::now_ms() * 1e6) as i64,
            }
        }

        /// Time from `earlier` to `self`, zero if `earlier` is later (as std since 1.60).
        pub fn duration_since(&self, earlier: MsInstant) -> Duration {
            self.saturating_duration_since(earlier)
        }

        /// Time from `earlier` to `self`, `None` if `earlier` is later.
        pub fn checked_duration_since(&self, earlier: MsInstant) -> Option<Duration> {
            let d = self.ns.checked_sub(earlier.ns)?;
            (d >= 0).then(|| duration_of(d))
        }

        /// Time from `earlier` to `self`, zero if `earlier` is later.
        pub fn saturating_duration_since(&self, earlier: MsInstant) -> Duration {
            self.checked_duration_since(earlier).unwrap_or_default()
        }

        /// Time since `self`.
        pub fn elapsed(&self) -> Duration {
            MsInstant::now().saturating_duration_since(*self)
        }

        /// `self + d`, `None` when the result is beyond the representable range.
        pub fn checked_add(&self, d: Duration) -> Option<MsInstant> {
            Some(MsInstant {
                ns: self.ns.checked_add(ns_of(d)?)?,
            })
        }

        /// `self - d`, `None` when the result is beyond the representable range.
        pub fn checked_sub(&self, d: Duration) -> Option<MsInstant> {
            Some(MsInstant {
                ns: self.ns.checked_sub(ns_of(d)?)?,
            })
        }
    }

    impl Add<Duration> for MsInstant {
        type Output = MsInstant;
        /// # Panics
        /// When the result does not fit (as std's `Instant`).
        fn add(self, d: Duration) -> MsInstant {
            self.checked_add(d)
                .expect("overflow when adding duration to instant")
        }
    }
    impl AddAssign<Duration> for MsInstant {
        fn add_assign(&mut self, d: Duration) {
            *self = *self + d;
        }
    }
    impl Sub<Duration> for MsInstant {
        type Output = MsInstant;
        /// # Panics
        /// When the result does not fit (as std's `Instant`).
        fn sub(self, d: Duration) -> MsInstant {
            self.checked_sub(d)
                .expect("overflow when subtracting duration from instant")
        }
    }
    impl SubAssign<Duration> for MsInstant {
        fn sub_assign(&mut self, d: Duration) {
            *self = *self - d;
        }
    }
    impl Sub<MsInstant> for MsInstant {
        type Output = Duration;
        /// Saturating, as std's `Instant`.
        fn sub(self, earlier: MsInstant) -> Duration {
            self.saturating_duration_since(earlier)
        }
    }

    #[cfg(test)]
    mod tests {
        use super::MsInstant;
        use std::time::Duration;

        #[test]
        fn arithmetic_and_order() {
            let a = MsInstant::now();
            let b = a + Duration::from_millis(3);
            assert!(b > a);
            assert_ne!(a, b);
            assert_eq!(a.cmp(&b), std::cmp::Ordering::Less);
            assert_eq!(b.duration_since(a), Duration::from_millis(3));
            assert_eq!(a.duration_since(b), Duration::ZERO, "saturates");
            assert_eq!(a.checked_duration_since(b), None);
            assert_eq!(b - a, Duration::from_millis(3));
            assert_eq!(b - Duration::from_millis(3), a);
            let mut c = a;
            c += Duration::from_secs(1);
            c -= Duration::from_secs(1);
            assert_eq!(c, a);
            assert_eq!([b, a].iter().min(), Some(&a));
        }

        #[test]
        fn too_far_is_none_not_infinity() {
            let a = MsInstant::now();
            assert_eq!(a.checked_add(Duration::MAX), None);
            assert_eq!(a.checked_sub(Duration::MAX), None);
            assert!(a
                .checked_add(Duration::from_secs(86_400 * 365 * 200))
                .is_some());
        }

        #[test]
        #[cfg(panic = "unwind")]
        fn add_overflow_panics_like_std() {
            let a = MsInstant::now();
            assert!(std::panic::catch_unwind(|| a + Duration::MAX).is_err());
        }

        #[test]
        fn monotonic_and_elapsed() {
            let a = MsInstant::now();
            let b = MsInstant::now();
            assert!(b >= a);
            std::thread::sleep(Duration::from_millis(2));
            assert!(a.elapsed() >= Duration::from_millis(2));
        }

        #[test]
        fn hash_agrees_with_eq() {
            use std::collections::HashSet;
            let a = MsInstant::now();
            let set: HashSet<MsInstant> = [a, a, a + Duration::from_millis(1)].into();
            assert_eq!(set.len(), 2);
        }
    }
}
