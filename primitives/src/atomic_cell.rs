//! [`AtomicCell<T>`] (lock-free where the target has an atomic of `T`'s size) and
//! [`SharedState<T>`] (a shared, versioned value threads can read, update and wait on).
//!
//! # How `AtomicCell` chooses
//! | `size_of::<T>()` | condition | mechanism |
//! |---|---|---|
//! | 1, 2, 4, 8, 16 | `align_of::<T>() >= size`, `portable_atomic::AtomicUxx::is_lock_free()` | one atomic instruction (`portable-atomic` supplies 64/128-bit where `core` lacks them, e.g. `cmpxchg16b` by run-time detection) |
//! | anything else, or the above without a lock-free atomic | – | a per-cell [`RawMutex`] (spin then futex) |
//! | any | under loom/shuttle | the lock path, so the models see every access |
//!
//! The lock-free path reinterprets `T`'s bytes as an integer, so `T` must have no padding
//! and tolerate the round trip: that is the contract of the `unsafe` trait [`Atom`],
//! implemented here for the primitive types.

use crate::deadline::{block, Blocked, Deadline, DEADLOCK_MSG};
use crate::futex;
use crate::mutex::RawMutex;
use crate::rwlock::RwLock;
use crate::sync::atomic::{
    AtomicU32,
    Ordering::{Acquire, Relaxed, Release},
};
use crate::sync::cell::UnsafeCell;
use crate::sync::Arc;
use core::fmt;
use core::mem::{align_of, size_of};
use std::time::Duration;

/// Types whose values can be moved through an integer atomic of the same size.
///
/// # Safety
/// Every byte of every value of `Self` is initialized (no padding), and `Self: Copy`.
pub unsafe trait Atom: Copy {}

macro_rules! atoms {
    ($($t:ty),*) => { $(
        // SAFETY: a primitive without padding.
        unsafe impl Atom for $t {}
    )* };
}
atoms!(
    u8,
    u16,
    u32,
    u64,
    u128,
    usize,
    i8,
    i16,
    i32,
    i64,
    i128,
    isize,
    f32,
    f64,
    bool,
    char,
    ()
);

/// A `T` that threads load, store, swap and compare-exchange atomically.
///
/// # Examples
/// ```
/// use portalis_primitives::AtomicCell;
/// use std::sync::Arc;
///
/// let c = Arc::new(AtomicCell::new(1.5f64));
/// let c2 = c.clone();
/// std::thread::spawn(move || c2.store(2.5)).join().unwrap();
/// assert_eq!(c.load(), 2.5);
/// assert_eq!(c.compare_exchange(2.5, 3.0), Ok(2.5));
/// ```
///
/// ## Memory ordering
/// `load` is Acquire, `store` Release, `swap`/`compare_exchange` AcqRel (or the lock's
/// equivalent): a `load` that sees a value sees everything written before its `store`.
pub struct AtomicCell<T: Atom> {
    value: UnsafeCell<T>,
    /// Only used when `T` has no lock-free atomic.
    lock: RawMutex,
}

// SAFETY: the value moves between threads by copy; access is atomic or under `lock`.
unsafe impl<T: Atom + Send> Send for AtomicCell<T> {}
// SAFETY: as above.
unsafe impl<T: Atom + Send> Sync for AtomicCell<T> {}

#[cfg(not(any(portalis_loom, portalis_shuttle)))]
mod lockfree {
    //! Integer atomics of `T`'s size; `T: Atom` makes the byte reinterpretation sound.
    use crate::sync::atomic::Ordering;
    use core::mem::transmute_copy;
    use portable_atomic::{AtomicU128, AtomicU16, AtomicU32, AtomicU64, AtomicU8};

    pub(super) fn supported(size: usize, align: usize) -> bool {
        align >= size
            && match size {
                1 => AtomicU8::is_lock_free(),
                2 => AtomicU16::is_lock_free(),
                4 => AtomicU32::is_lock_free(),
                8 => AtomicU64::is_lock_free(),
                16 => AtomicU128::is_lock_free(),
                _ => false,
            }
    }

    macro_rules! dispatch {
        ($p:expr, |$a:ident : $bits:ident| $body:expr) => {
            match core::mem::size_of::<T>() {
                1 => {
                    type $bits = u8;
                    // SAFETY: caller: `p` is valid, aligned to size, only accessed atomically.
                    let $a = unsafe { &*($p as *const AtomicU8) };
                    $body
                }
                2 => {
                    type $bits = u16;
                    // SAFETY: as above.
                    let $a = unsafe { &*($p as *const AtomicU16) };
                    $body
                }
                4 => {
                    type $bits = u32;
                    // SAFETY: as above.
                    let $a = unsafe { &*($p as *const AtomicU32) };
                    $body
                }
                8 => {
                    type $bits = u64;
                    // SAFETY: as above.
                    let $a = unsafe { &*($p as *const AtomicU64) };
                    $body
                }
                16 => {
                    type $bits = u128;
                    // SAFETY: as above.
                    let $a = unsafe { &*($p as *const AtomicU128) };
                    $body
                }
                _ => unreachable!("checked by `supported`"),
            }
        };
    }

    /// # Safety
    /// `p` is valid, aligned to `size_of::<T>()`, `supported` held, and every access to `*p`
    /// goes through this module.
    pub(super) unsafe fn load<T: super::Atom>(p: *mut T, o: Ordering) -> T {
        dispatch!(p, |a: B| {
            let v: B = a.load(o);
            // SAFETY: same size; the bits were stored from a `T` (`T: Atom`).
            unsafe { transmute_copy::<B, T>(&v) }
        })
    }

    /// # Safety
    /// As [`load`].
    pub(super) unsafe fn swap<T: super::Atom>(p: *mut T, new: T, o: Ordering) -> T {
        dispatch!(p, |a: B| {
            // SAFETY: same size; `T: Atom` has no padding.
            let n: B = unsafe { transmute_copy::<T, B>(&new) };
            let v: B = a.swap(n, o);
            // SAFETY: as in `load`.
            unsafe { transmute_copy::<B, T>(&v) }
        })
    }

    /// # Safety
    /// As [`load`].
    pub(super) unsafe fn compare_exchange<T: super::Atom>(
        p: *mut T,
        current: T,
        new: T,
    ) -> Result<T, T> {
        dispatch!(p, |a: B| {
            // SAFETY: same size; `T: Atom` has no padding.
            let (c, n): (B, B) = unsafe { (transmute_copy(&current), transmute_copy(&new)) };
            // AcqRel / Acquire: pairs with other stores / loads of the same cell.
            a.compare_exchange(c, n, Ordering::AcqRel, Ordering::Acquire)
                // SAFETY: as in `load`.
                .map(|v| unsafe { transmute_copy::<B, T>(&v) })
                // SAFETY: as in `load`.
                .map_err(|v| unsafe { transmute_copy::<B, T>(&v) })
        })
    }
}

impl<T: Atom> AtomicCell<T> {
    /// A cell holding `value`.
    pub fn new(value: T) -> Self {
        AtomicCell {
            value: UnsafeCell::new(value),
            lock: RawMutex::new(),
        }
    }

    /// `true` if operations on this `T` are lock-free on this machine.
    #[inline]
    pub fn is_lock_free() -> bool {
        #[cfg(not(any(portalis_loom, portalis_shuttle)))]
        {
            lockfree::supported(size_of::<T>(), align_of::<T>())
        }
        #[cfg(any(portalis_loom, portalis_shuttle))]
        {
            let _ = (size_of::<T>(), align_of::<T>());
            false
        }
    }

    fn locked<R>(&self, f: impl FnOnce(*mut T) -> R) -> R {
        self.lock.lock();
        let r = self.value.with_mut(f);
        // SAFETY: locked just above.
        unsafe { self.lock.unlock() };
        r
    }

    /// Reads the value.
    #[inline]
    pub fn load(&self) -> T {
        #[cfg(not(any(portalis_loom, portalis_shuttle)))]
        if Self::is_lock_free() {
            // SAFETY: supported size/alignment; all accesses are atomic on this path.
            // Acquire: pairs with the Release of `store`/`swap`.
            return self
                .value
                .with_mut(|p| unsafe { lockfree::load(p, Acquire) });
        }
        // SAFETY: under the cell's lock.
        self.locked(|p| unsafe { *p })
    }

    /// Writes the value.
    #[inline]
    pub fn store(&self, value: T) {
        let _ = self.swap(value);
    }

    /// Writes `value` and returns the previous one.
    #[inline]
    pub fn swap(&self, value: T) -> T {
        #[cfg(not(any(portalis_loom, portalis_shuttle)))]
        if Self::is_lock_free() {
            // SAFETY: as in `load`.
            // AcqRel: Release pairs with `load`'s Acquire; Acquire with earlier stores.
            return self.value.with_mut(|p| unsafe {
                lockfree::swap(p, value, crate::sync::atomic::Ordering::AcqRel)
            });
        }
        // SAFETY: under the cell's lock.
        self.locked(|p| unsafe { core::ptr::replace(p, value) })
    }

    /// Stores `new` if the value is bitwise equal to `current`; returns the previous value
    /// (`Ok` on success, `Err` with the actual value otherwise).
    ///
    /// # Errors
    /// `Err(actual)` when the value was not `current`.
    pub fn compare_exchange(&self, current: T, new: T) -> Result<T, T> {
        #[cfg(not(any(portalis_loom, portalis_shuttle)))]
        if Self::is_lock_free() {
            // SAFETY: as in `load`.
            return self
                .value
                .with_mut(|p| unsafe { lockfree::compare_exchange(p, current, new) });
        }
        self.locked(|p| {
            // SAFETY: under the cell's lock.
            let v = unsafe { *p };
            if bytes_eq(&v, &current) {
                // SAFETY: under the cell's lock.
                unsafe { *p = new };
                Ok(v)
            } else {
                Err(v)
            }
        })
    }

    /// Applies `f` until it returns `None` or the update lands; returns the previous value.
    ///
    /// # Errors
    /// `Err(current)` when `f` returned `None`.
    pub fn fetch_update(&self, mut f: impl FnMut(T) -> Option<T>) -> Result<T, T> {
        let mut cur = self.load();
        while let Some(new) = f(cur) {
            match self.compare_exchange(cur, new) {
                Ok(prev) => return Ok(prev),
                Err(actual) => cur = actual,
            }
        }
        Err(cur)
    }

    /// Consumes the cell.
    pub fn into_inner(self) -> T {
        self.value.into_inner()
    }
}

fn bytes_eq<T: Atom>(a: &T, b: &T) -> bool {
    // SAFETY: `T: Atom` has no padding, so all `size_of::<T>()` bytes are initialized.
    let (x, y) = unsafe {
        (
            core::slice::from_raw_parts(a as *const T as *const u8, size_of::<T>()),
            core::slice::from_raw_parts(b as *const T as *const u8, size_of::<T>()),
        )
    };
    x == y
}

impl<T: Atom + Default> Default for AtomicCell<T> {
    fn default() -> Self {
        Self::new(T::default())
    }
}

impl<T: Atom + fmt::Debug> fmt::Debug for AtomicCell<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("AtomicCell").field(&self.load()).finish()
    }
}

/// Version word of [`SharedState`]: bit 0 = a thread may be asleep, bits 1.. = version.
const STATE_SLEEPERS_BIT: u32 = 1;
/// One version step.
const VERSION_STEP: u32 = 2;

struct SharedInner<T> {
    value: RwLock<T>,
    version: AtomicU32,
}

/// A value shared by many threads: read it, update it, and wait for the next update.
/// Cloning the handle shares the same value (an `Arc` inside).
///
/// # Examples
/// ```
/// use portalis_primitives::SharedState;
/// use std::time::Duration;
///
/// let s = SharedState::new(0u64);
/// let v0 = s.version();
/// let s2 = s.clone();
/// let t = std::thread::spawn(move || s2.update(|x| *x += 1));
/// let v1 = s.wait_changed(v0, Duration::from_secs(10));
/// assert!(v1 != v0);
/// assert_eq!(s.get(), 1);
/// t.join().unwrap();
/// ```
///
/// ## Memory ordering
/// Reads see the latest completed update (the inner [`RwLock`] orders them); a
/// `wait_changed` that returns a new version sees that update.
pub struct SharedState<T> {
    inner: Arc<SharedInner<T>>,
}

impl<T> Clone for SharedState<T> {
    fn clone(&self) -> Self {
        SharedState {
            inner: self.inner.clone(),
        }
    }
}

impl<T> SharedState<T> {
    /// Shares `value`.
    pub fn new(value: T) -> Self {
        SharedState {
            inner: Arc::new(SharedInner {
                value: RwLock::new(value),
                version: AtomicU32::new(0),
            }),
        }
    }

    /// Calls `f` with shared access.
    pub fn read<R>(&self, f: impl FnOnce(&T) -> R) -> R {
        f(&self.inner.value.read())
    }

    /// Calls `f` with exclusive access, then publishes a new version and wakes waiters.
    pub fn update<R>(&self, f: impl FnOnce(&mut T) -> R) -> R {
        let mut g = self.inner.value.write();
        let r = f(&mut g);
        let mut v = self.inner.version.load(Relaxed);
        loop {
            let new = v.wrapping_add(VERSION_STEP) & !STATE_SLEEPERS_BIT;
            // Release: pairs with the Acquire in `version` / `wait_changed`.
            match self
                .inner
                .version
                .compare_exchange_weak(v, new, Release, Relaxed)
            {
                Ok(_) => break,
                Err(now) => v = now,
            }
        }
        drop(g);
        if v & STATE_SLEEPERS_BIT != 0 {
            futex::wake_all(&self.inner.version);
        }
        r
    }

    /// Replaces the value.
    pub fn set(&self, value: T) {
        self.update(|v| *v = value);
    }

    /// The current version (changes on every update).
    pub fn version(&self) -> u32 {
        // Acquire: pairs with the Release in `update`.
        self.inner.version.load(Acquire) >> 1
    }

    /// Waits until the version differs from `since` or `timeout`; returns the version then.
    ///
    /// # Panics
    /// With `Duration::MAX` on a target without threads when nothing changed.
    pub fn wait_changed(&self, since: u32, timeout: Duration) -> u32 {
        let d = Deadline::after(timeout);
        loop {
            // Acquire: pairs with the Release in `update`.
            let w = self.inner.version.load(Acquire);
            if w >> 1 != since {
                return w >> 1;
            }
            if w & STATE_SLEEPERS_BIT == 0
                && self
                    .inner
                    .version
                    .compare_exchange(w, w | STATE_SLEEPERS_BIT, Relaxed, Relaxed)
                    .is_err()
            {
                continue;
            }
            match block(&self.inner.version, w | STATE_SLEEPERS_BIT, d) {
                Ok(Blocked::Woken) => {}
                Ok(Blocked::TimedOut) => return self.version(),
                Err(_) if d.is_never() => panic!("{}", DEADLOCK_MSG),
                Err(_) => return self.version(),
            }
        }
    }
}

impl<T: Clone> SharedState<T> {
    /// A copy of the value.
    pub fn get(&self) -> T {
        self.read(T::clone)
    }
}

impl<T> fmt::Debug for SharedState<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SharedState")
            .field("version", &self.version())
            .finish_non_exhaustive()
    }
}

// Unit tests use real threads and sleeps; the models run verify/tests/loom_* and verify/tests/shuttle_*.
#[cfg(all(test, not(any(portalis_loom, portalis_shuttle))))]
mod tests {
    use super::*;
    use crate::sync::thread;

    #[test]
    fn cell_ops_all_sizes() {
        let a = AtomicCell::new(1u8);
        assert_eq!(a.swap(2), 1);
        let b = AtomicCell::new(1u128);
        assert_eq!(b.compare_exchange(1, 5), Ok(1));
        assert_eq!(b.compare_exchange(1, 6), Err(5));
        let c = AtomicCell::new('x');
        c.store('y');
        assert_eq!(c.load(), 'y');
        assert_eq!(AtomicCell::new(0u64).fetch_update(|x| Some(x + 1)), Ok(0));
        #[cfg(not(miri))]
        assert!(AtomicCell::<u32>::is_lock_free());
    }

    #[cfg_attr(portalis_no_threads, ignore = "spawns threads; this target has none")]
    #[test]
    fn concurrent_increments() {
        const N: u64 = if cfg!(miri) { 50 } else { 10_000 };
        let c = Arc::new(AtomicCell::new(0u64));
        let hs: Vec<_> = (0..2)
            .map(|_| {
                let c = c.clone();
                thread::spawn(move || {
                    for _ in 0..N {
                        c.fetch_update(|x| Some(x + 1)).unwrap();
                    }
                })
            })
            .collect();
        for h in hs {
            h.join().unwrap();
        }
        assert_eq!(c.load(), 2 * N);
    }

    #[test]
    fn shared_state_wait() {
        let s = SharedState::new(vec![1]);
        let v = s.version();
        assert_eq!(s.wait_changed(v, Duration::ZERO), v);
        s.update(|x| x.push(2));
        assert_eq!(s.wait_changed(v, Duration::MAX), v + 1);
        assert_eq!(s.get(), [1, 2]);
    }
}
