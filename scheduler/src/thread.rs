//! OS threads with Python-`threading`-style bookkeeping: [`Thread::spawn`] returns a
//! [`ThreadHandle`] whose `join` gives a [`ThreadResult`]; threads have names and ids, and
//! [`current_thread`], [`active_count`] and [`enumerate`] see every live thread started here
//! (plus the calling thread).

use portalis_primitives::stdlike::Mutex;
use portalis_primitives::sync::atomic::{AtomicU64, AtomicUsize, Ordering::Relaxed};
use portalis_primitives::sync::{thread, Arc};
use std::any::Any;
use std::fmt;

/// Why a thread operation failed.
#[derive(thiserror::Error)]
#[non_exhaustive]
pub enum ThreadError {
    /// The thread panicked; the payload is handed back.
    #[error("the thread panicked")]
    Panic(Box<dyn Any + Send + 'static>),
    /// The OS refused to create the thread.
    #[error("could not spawn a thread: {0}")]
    Spawn(#[source] std::io::Error),
    /// Joining failed (the thread was already joined, or a thread tried to join itself).
    #[error("cannot join: {0}")]
    Join(&'static str),
}

impl fmt::Debug for ThreadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ThreadError::Panic(_) => f.write_str("Panic(..)"),
            ThreadError::Spawn(e) => f.debug_tuple("Spawn").field(e).finish(),
            ThreadError::Join(m) => f.debug_tuple("Join").field(m).finish(),
        }
    }
}

/// The outcome of a thread.
pub type ThreadResult<T> = Result<T, ThreadError>;

/// Identifies a thread; unique for the process's lifetime (like Python's `get_ident`).
pub type ThreadId = u64;

static NEXT_ID: AtomicU64 = AtomicU64::new(1);
static ACTIVE: AtomicUsize = AtomicUsize::new(0);
/// A plain `static` (the crate's `Mutex::new` is `const`): no lazy initialisation, whose
/// std `OnceLock` would wait with `memory.atomic.wait32` (a trap on a page's main thread) when
/// a worker initialises it at the same moment.
static REGISTRY: Mutex<Vec<Thread>> = Mutex::new(Vec::new());

fn registry() -> &'static Mutex<Vec<Thread>> {
    &REGISTRY
}

portalis_primitives::sync::thread_local! {
    static CURRENT: std::cell::RefCell<Option<Thread>> = const { std::cell::RefCell::new(None) };
}

/// A thread's identity (cheap to clone).
#[derive(Clone)]
pub struct Thread {
    inner: Arc<ThreadInner>,
}

struct ThreadInner {
    id: ThreadId,
    name: String,
    daemon: bool,
}

impl fmt::Debug for Thread {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Thread")
            .field("id", &self.inner.id)
            .field("name", &self.inner.name)
            .finish()
    }
}

impl PartialEq for Thread {
    fn eq(&self, other: &Self) -> bool {
        self.inner.id == other.inner.id
    }
}

/// Configures a thread before spawning it.
#[derive(Debug, Default)]
pub struct Builder {
    name: Option<String>,
    stack_size: Option<usize>,
    daemon: bool,
}

impl Builder {
    /// A builder with defaults (name `Thread-<id>`).
    pub fn new() -> Self {
        Self::default()
    }
    /// Names the thread.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }
    /// Stack size in bytes.
    pub fn stack_size(mut self, bytes: usize) -> Self {
        self.stack_size = Some(bytes);
        self
    }
    /// Marks the thread a daemon (informational, as in Python).
    pub fn daemon(mut self, daemon: bool) -> Self {
        self.daemon = daemon;
        self
    }

    /// Spawns the thread.
    ///
    /// # Errors
    /// [`ThreadError::Spawn`] when the OS refuses.
    pub fn spawn<F, T>(self, f: F) -> ThreadResult<ThreadHandle<T>>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        // Relaxed: a unique counter.
        let id = NEXT_ID.fetch_add(1, Relaxed);
        let name = self.name.unwrap_or_else(|| format!("Thread-{id}"));
        let t = Thread {
            inner: Arc::new(ThreadInner {
                id,
                name: name.clone(),
                daemon: self.daemon,
            }),
        };
        let mut b = thread::Builder::new().name(name);
        if let Some(s) = self.stack_size {
            b = b.stack_size(s);
        }
        let me = t.clone();
        // Relaxed: a statistic; `active_count` is a snapshot.
        ACTIVE.fetch_add(1, Relaxed);
        registry().lock().unwrap().push(t.clone());
        let spawned = b.spawn(move || {
            CURRENT.with(|c| *c.borrow_mut() = Some(me.clone()));
            struct Leave(ThreadId);
            impl Drop for Leave {
                fn drop(&mut self) {
                    registry().lock().unwrap().retain(|t| t.inner.id != self.0);
                    ACTIVE.fetch_sub(1, Relaxed);
                }
            }
            let _leave = Leave(me.inner.id);
            f()
        });
        match spawned {
            Ok(handle) => Ok(ThreadHandle {
                handle: Some(handle),
                thread: t,
            }),
            Err(e) => {
                registry().lock().unwrap().retain(|x| x.inner.id != id);
                ACTIVE.fetch_sub(1, Relaxed);
                Err(ThreadError::Spawn(e))
            }
        }
    }
}

impl Thread {
    /// Spawns a thread running `f` with default settings.
    ///
    /// # Examples
    /// ```
    /// use portalis_scheduler::thread::Thread;
    /// let h = Thread::spawn(|| 6 * 7).unwrap();
    /// assert_eq!(h.join().unwrap(), 42);
    /// ```
    ///
    /// # Errors
    /// [`ThreadError::Spawn`] when the OS refuses.
    pub fn spawn<F, T>(f: F) -> ThreadResult<ThreadHandle<T>>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        Builder::new().spawn(f)
    }

    /// The thread's unique id.
    pub fn id(&self) -> ThreadId {
        self.inner.id
    }
    /// The thread's name.
    pub fn name(&self) -> &str {
        &self.inner.name
    }
    /// Whether it was marked daemon.
    pub fn is_daemon(&self) -> bool {
        self.inner.daemon
    }
}

/// The owner's handle on a spawned thread.
pub struct ThreadHandle<T> {
    handle: Option<thread::JoinHandle<T>>,
    thread: Thread,
}

impl<T> fmt::Debug for ThreadHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ThreadHandle")
            .field("thread", &self.thread)
            .finish()
    }
}

impl<T> ThreadHandle<T> {
    /// The thread's identity.
    pub fn thread(&self) -> &Thread {
        &self.thread
    }

    /// Waits for the thread and returns its value.
    ///
    /// # Errors
    /// [`ThreadError::Panic`] with the payload if it panicked; [`ThreadError::Join`] when a
    /// thread joins itself.
    pub fn join(mut self) -> ThreadResult<T> {
        if current_thread().id() == self.thread.id() {
            return Err(ThreadError::Join("a thread cannot join itself"));
        }
        let h = self
            .handle
            .take()
            .ok_or(ThreadError::Join("already joined"))?;
        h.join().map_err(ThreadError::Panic)
    }

    /// `true` once the thread finished running.
    pub fn is_finished(&self) -> bool {
        self.handle.as_ref().is_none_or(|h| h.is_finished())
    }
}

/// The calling thread's identity (threads not started here get an id on first call, named
/// after the OS thread or `Dummy-<id>`; the main thread's name is `main`).
pub fn current_thread() -> Thread {
    CURRENT.with(|c| {
        c.borrow_mut()
            .get_or_insert_with(|| {
                // Relaxed: a unique counter.
                let id = NEXT_ID.fetch_add(1, Relaxed);
                let name = std::thread::current()
                    .name()
                    .map(str::to_string)
                    .unwrap_or_else(|| format!("Dummy-{id}"));
                Thread {
                    inner: Arc::new(ThreadInner {
                        id,
                        name,
                        daemon: false,
                    }),
                }
            })
            .clone()
    })
}

/// Live threads started by [`Thread::spawn`], plus the calling thread (as Python counts the
/// main thread).
pub fn active_count() -> usize {
    // Relaxed: a snapshot.
    ACTIVE.load(Relaxed) + 1
}

/// Every live thread started here, plus the calling thread.
pub fn enumerate() -> Vec<Thread> {
    let me = current_thread();
    let mut v = registry().lock().unwrap().clone();
    if !v.contains(&me) {
        v.insert(0, me);
    }
    v
}
