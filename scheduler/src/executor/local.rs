//! `Local<T>`: one value per thread per instance (Python's `threading.local`).

use portalis_primitives::stdlike::Mutex;
use std::collections::HashMap;
use std::fmt;
use std::thread::ThreadId;

/// Per-thread values owned by one object. Values of exited threads are freed with the
/// `Local` itself.
///
/// # Examples
/// ```
/// use portalis_scheduler::executor::Local;
/// use std::cell::Cell;
/// let local = Local::new(|| Cell::new(0));
/// local.get().set(5);
/// std::thread::scope(|s| {
///     s.spawn(|| assert_eq!(local.get().get(), 0));
/// });
/// assert_eq!(local.get().get(), 5);
/// ```
pub struct Local<T: Send> {
    init: Box<dyn Fn() -> T + Send + Sync>,
    // Boxed so a value's address is stable while the map grows.
    values: Mutex<HashMap<ThreadId, Box<T>>>,
}

impl<T: Send> fmt::Debug for Local<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Local").finish_non_exhaustive()
    }
}

// SAFETY: each `T` is only ever reached (through `get`) by the thread whose id keys it, so
// sharing a `Local` never shares a `T`; `T: Send` lets the values be dropped by whichever
// thread drops the `Local`.
unsafe impl<T: Send> Sync for Local<T> {}

impl<T: Send> Local<T> {
    /// A new local whose per-thread value starts as `init()`.
    pub fn new(init: impl Fn() -> T + Send + Sync + 'static) -> Self {
        Local {
            init: Box::new(init),
            values: Mutex::new(HashMap::new()),
        }
    }

    /// The calling thread's value (created on first use).
    pub fn get(&self) -> &T {
        let id = std::thread::current().id();
        let found = self
            .values
            .lock()
            .unwrap()
            .get(&id)
            .map(|b| &**b as *const T);
        let p: *const T = match found {
            Some(p) => p,
            None => {
                // `init` is user code: run it without the lock, so another thread's `get` never
                // waits for it (on a page's main thread that wait could only spin). Only this
                // thread inserts under its own id, so nobody filled the entry meanwhile.
                let value = Box::new((self.init)());
                let mut m = self.values.lock().unwrap();
                &**m.entry(id).or_insert(value)
            }
        };
        // SAFETY: the box is never removed or replaced while `self` lives, so the address is
        // stable; only this thread reaches this entry (keyed by its id), so no `&mut` aliases.
        unsafe { &*p }
    }
}
