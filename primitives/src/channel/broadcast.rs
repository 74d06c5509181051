//! A broadcast channel: every [`Receiver`] sees every message sent after it subscribed;
//! a receiver that falls more than `cap` messages behind gets [`RecvError::Lagged`] with the
//! number of messages it missed and continues from the oldest one still held, as tokio's
//! `sync::broadcast` does.
//!
//! # Design (docs/notes/channels.md §3.7)
//! A ring of `cap` slots and a publish sequence `tail` behind a short lock; each receiver
//! keeps its own cursor. Sleepers wait on a futex word bumped by every send and close; a
//! sleeper count lets `send` skip the wake syscall when nobody sleeps.
//!
//! # Examples
//! ```
//! use portalis_primitives::channel::broadcast;
//!
//! let (tx, mut rx1) = broadcast(16);
//! let mut rx2 = tx.subscribe();
//! tx.send(1).unwrap();
//! let t = std::thread::spawn(move || rx2.recv().unwrap());
//! assert_eq!(rx1.recv(), Ok(1));
//! assert_eq!(t.join().unwrap(), 1);
//! ```

use super::drops::drop_each;
use super::error::{CapacityError, SendError};
use crate::deadline::{instant_now, instant_timed_out};
use crate::futex;
use crate::stdlike::{Mutex, MutexGuard};
use crate::sync::atomic::{
    AtomicU32, AtomicUsize,
    Ordering::{AcqRel, Relaxed},
};
use crate::sync::{thread, Arc, MODEL};
use crate::time::Instant;
use core::fmt;
use std::time::Duration;

/// Yields before sleeping; heuristic as in `waiter.rs`.
const YIELDS: u32 = if MODEL { 0 } else { 16 };

/// A broadcast receive failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecvError {
    /// Every sender is gone and this receiver saw everything.
    Closed,
    /// This receiver missed this many messages; the next `recv` returns the oldest held one.
    Lagged(u64),
}
impl fmt::Display for RecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RecvError::Closed => f.write_str("channel closed"),
            RecvError::Lagged(n) => write!(f, "channel lagged by {n}"),
        }
    }
}
impl std::error::Error for RecvError {}

/// A non-blocking broadcast receive failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TryRecvError {
    /// Nothing new.
    Empty,
    /// Every sender is gone and this receiver saw everything.
    Closed,
    /// This receiver missed this many messages.
    Lagged(u64),
}
impl fmt::Display for TryRecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TryRecvError::Empty => f.write_str("channel empty"),
            TryRecvError::Closed => f.write_str("channel closed"),
            TryRecvError::Lagged(n) => write!(f, "channel lagged by {n}"),
        }
    }
}
impl std::error::Error for TryRecvError {}

struct Ring<T> {
    slots: Box<[Option<T>]>,
    /// Sequence number of the next message.
    tail: u64,
    closed: bool,
}

impl<T> Drop for Ring<T> {
    fn drop(&mut self) {
        // One message at a time, so a panicking `Drop` neither aborts nor leaks the rest.
        drop_each(self.slots.iter_mut().filter_map(Option::take));
    }
}

struct Shared<T> {
    ring: Mutex<Ring<T>>,
    /// Futex word: bumped (under the lock) by every send and by close.
    version: AtomicU32,
    sleepers: AtomicU32,
    senders: AtomicUsize,
    receivers: AtomicUsize,
}

impl<T> Shared<T> {
    #[inline]
    fn lock(&self) -> MutexGuard<'_, Ring<T>> {
        self.ring.lock().unwrap_or_else(|e| e.into_inner())
    }
    fn wake(&self) {
        // Relaxed: a sleeper increments `sleepers` under the ring lock before unlocking, and
        // we read it after our own locked bump of `version`, so the lock orders the two.
        if self.sleepers.load(Relaxed) > 0 {
            futex::wake_all(&self.version);
        }
    }
}

/// Creates a broadcast channel keeping the last `cap` messages.
///
/// # Panics
/// If `cap == 0` or a ring of `cap` messages cannot be allocated (see [`try_broadcast`]).
pub fn broadcast<T: Clone>(cap: usize) -> (Sender<T>, Receiver<T>) {
    match try_broadcast(cap) {
        Ok(p) => p,
        Err(e) => panic!("{e}"),
    }
}

/// [`broadcast`] returning an error for a zero or unallocatable capacity.
///
/// # Errors
/// [`CapacityError`].
pub fn try_broadcast<T: Clone>(cap: usize) -> Result<(Sender<T>, Receiver<T>), CapacityError> {
    if cap == 0
        || core::alloc::Layout::array::<Option<T>>(cap).is_err()
        || cap > isize::MAX as usize / 2
    {
        return Err(CapacityError { capacity: cap });
    }
    let mut slots = Vec::new();
    if slots.try_reserve_exact(cap).is_err() {
        return Err(CapacityError { capacity: cap });
    }
    slots.resize_with(cap, || None);
    let shared = Arc::new(Shared {
        ring: Mutex::new(Ring {
            slots: slots.into_boxed_slice(),
            tail: 0,
            closed: false,
        }),
        version: AtomicU32::new(0),
        sleepers: AtomicU32::new(0),
        senders: AtomicUsize::new(1),
        receivers: AtomicUsize::new(1),
    });
    Ok((
        Sender {
            shared: shared.clone(),
        },
        Receiver { shared, next: 0 },
    ))
}

/// The sending half of a [`broadcast`] channel; clone it for more senders.
pub struct Sender<T> {
    shared: Arc<Shared<T>>,
}

/// One subscriber of a [`broadcast`] channel.
pub struct Receiver<T> {
    shared: Arc<Shared<T>>,
    next: u64,
}

impl<T: Clone> Sender<T> {
    /// Sends to every current receiver; returns how many there are.
    ///
    /// # Errors
    /// [`SendError`] with the message if there is no receiver.
    #[inline]
    pub fn send(&self, msg: T) -> Result<usize, SendError<T>> {
        let mut g = self.shared.lock();
        // Relaxed: receivers join/leave under... any count read is a snapshot, as in tokio.
        let n = self.shared.receivers.load(Relaxed);
        if n == 0 {
            return Err(SendError(msg));
        }
        let cap = g.slots.len() as u64;
        let i = (g.tail % cap) as usize;
        let old = g.slots[i].replace(msg);
        g.tail += 1;
        // Relaxed: the ring lock orders the bump with the sleepers' reads.
        self.shared.version.fetch_add(1, Relaxed);
        drop(g);
        // Wake before dropping: a panicking `Drop` of the overwritten message must not cost a
        // sleeper its wake-up. The message is dropped outside the lock.
        self.shared.wake();
        drop(old);
        Ok(n)
    }

    /// A new receiver that sees messages sent from now on.
    pub fn subscribe(&self) -> Receiver<T> {
        let g = self.shared.lock();
        // Relaxed: counted under the lock `send` reads it in.
        self.shared.receivers.fetch_add(1, Relaxed);
        Receiver {
            shared: self.shared.clone(),
            next: g.tail,
        }
    }

    /// Number of receivers.
    pub fn receiver_count(&self) -> usize {
        // Relaxed: a snapshot.
        self.shared.receivers.load(Relaxed)
    }
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Self {
        // Relaxed: cloned from a live handle.
        self.shared.senders.fetch_add(1, Relaxed);
        Sender {
            shared: self.shared.clone(),
        }
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        // AcqRel: the last sender sees every other sender's sends before closing.
        if self.shared.senders.fetch_sub(1, AcqRel) == 1 {
            let mut g = self.shared.lock();
            g.closed = true;
            // Relaxed: under the lock, as in `send`.
            self.shared.version.fetch_add(1, Relaxed);
            drop(g);
            self.shared.wake();
        }
    }
}

impl<T: Clone> Receiver<T> {
    fn poll(&mut self, g: &Ring<T>) -> Result<T, TryRecvError> {
        let cap = g.slots.len() as u64;
        if g.tail > self.next + cap {
            let missed = g.tail - cap - self.next;
            self.next = g.tail - cap;
            return Err(TryRecvError::Lagged(missed));
        }
        if self.next < g.tail {
            let v = g.slots[(self.next % cap) as usize]
                .clone()
                .expect("a published slot is full");
            self.next += 1;
            return Ok(v);
        }
        if g.closed {
            Err(TryRecvError::Closed)
        } else {
            Err(TryRecvError::Empty)
        }
    }

    /// Receives the next message without waiting.
    ///
    /// # Errors
    /// [`TryRecvError`].
    #[inline]
    pub fn try_recv(&mut self) -> Result<T, TryRecvError> {
        let shared = self.shared.clone();
        let g = shared.lock();
        self.poll(&g)
    }

    /// Waits for the next message.
    ///
    /// # Errors
    /// [`RecvError::Lagged`] after falling behind, [`RecvError::Closed`] at the end.
    ///
    /// # Panics
    /// If the thread cannot block (see the channel module docs).
    pub fn recv(&mut self) -> Result<T, RecvError> {
        match self.recv_deadline(None) {
            Ok(v) => Ok(v),
            Err(TryRecvError::Lagged(n)) => Err(RecvError::Lagged(n)),
            Err(_) => Err(RecvError::Closed),
        }
    }

    /// [`recv`](Self::recv) as a future: resolves with the next message (or the error `recv`
    /// would give), waiting without blocking the thread (async code on any executor). It
    /// counts itself in `sleepers` and awaits `futex::wait_future` on `version`, so the next
    /// send's `wake_all` wakes it; dropping it early only uncounts it (a `wake_all` owes
    /// nothing to anyone).
    ///
    /// On the browser's main thread the ring's lock is the crate's own mutex (ADR 111): a
    /// worker holding it for a moment makes the lock attempt spin briefly, never trap.
    ///
    /// # Examples
    /// ```
    /// # fn block_on<F: std::future::Future>(f: F) -> F::Output {
    /// #     struct T(std::thread::Thread);
    /// #     impl std::task::Wake for T { fn wake(self: std::sync::Arc<Self>) { self.0.unpark() } }
    /// #     let w = std::task::Waker::from(std::sync::Arc::new(T(std::thread::current())));
    /// #     let mut cx = std::task::Context::from_waker(&w);
    /// #     let mut f = std::pin::pin!(f);
    /// #     loop { if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) { return v; } std::thread::park(); }
    /// # }
    ///
    /// let (tx, mut rx) = portalis_primitives::channel::broadcast(4);
    /// let t = std::thread::spawn(move || tx.send(3).unwrap());
    /// assert_eq!(block_on(rx.recv_async()), Ok(3));
    /// t.join().unwrap();
    /// ```
    ///
    /// # Errors
    /// As [`recv`](Self::recv).
    pub async fn recv_async(&mut self) -> Result<T, RecvError> {
        let shared = self.shared.clone();
        loop {
            let seen = {
                let g = shared.lock();
                match self.poll(&g) {
                    Ok(v) => return Ok(v),
                    Err(TryRecvError::Empty) => {}
                    Err(TryRecvError::Lagged(n)) => return Err(RecvError::Lagged(n)),
                    Err(_) => return Err(RecvError::Closed),
                }
                // Relaxed: read under the lock that orders every bump.
                let seen = shared.version.load(Relaxed);
                // Relaxed: incremented under the lock; see `Shared::wake`.
                shared.sleepers.fetch_add(1, Relaxed);
                seen
            };
            let _counted = Uncount(&shared.sleepers);
            futex::wait_future(&shared.version, seen).await;
        }
    }

    /// Waits at most `timeout`; `Err(TryRecvError::Empty)` on timeout.
    ///
    /// # Errors
    /// [`TryRecvError`].
    pub fn recv_timeout(&mut self, timeout: Duration) -> Result<T, TryRecvError> {
        self.recv_deadline(instant_now().checked_add(timeout))
    }

    fn recv_deadline(&mut self, deadline: Option<Instant>) -> Result<T, TryRecvError> {
        let shared = self.shared.clone();
        let mut spins = 0;
        loop {
            let g = shared.lock();
            match self.poll(&g) {
                Err(TryRecvError::Empty) => {}
                r => return r,
            }
            // Relaxed: read under the lock that orders every bump.
            let mut seen = shared.version.load(Relaxed);
            if spins < YIELDS {
                drop(g);
                spins += 1;
                thread::yield_now();
                continue;
            }
            let left = match deadline {
                Some(d) => {
                    let now = instant_now();
                    if now >= d {
                        return Err(TryRecvError::Empty);
                    }
                    Some(d - now)
                }
                None => None,
            };
            // Relaxed: incremented under the lock; see `Shared::wake`.
            shared.sleepers.fetch_add(1, Relaxed);
            drop(g);
            if cfg!(portalis_seeded_bug = "broadcast_seen_after_unlock") {
                // Seeded control (verify/scripts/controls.sh, model builds only): the version
                // to sleep on re-read outside the lock, so a send in between is slept through.
                seen = shared.version.load(Relaxed);
            }
            let r = futex::wait(&shared.version, seen, left);
            // Relaxed: a counter only.
            shared.sleepers.fetch_sub(1, Relaxed);
            match r {
                Ok(futex::WaitResult::Woken) => {}
                Ok(futex::WaitResult::TimedOut) => {
                    if let Some(d) = deadline {
                        instant_timed_out(d); // the model clock jumps (deadline.rs)
                    }
                    let g = shared.lock();
                    return self.poll(&g);
                }
                Err(e) => {
                    if deadline.is_none() {
                        panic!("broadcast recv would block: {e}");
                    }
                    // Timed: spin out the timeout (ADR 022); the loop re-checks the deadline.
                }
            }
        }
    }
}

/// Takes an async receiver out of `sleepers` when its wait ends or is dropped.
struct Uncount<'a>(&'a AtomicU32);

impl Drop for Uncount<'_> {
    fn drop(&mut self) {
        // Relaxed: a counter only (as in `recv_deadline`).
        self.0.fetch_sub(1, Relaxed);
    }
}

impl<T> Clone for Receiver<T> {
    /// A receiver at the same position.
    fn clone(&self) -> Self {
        // Relaxed: cloned from a live handle.
        self.shared.receivers.fetch_add(1, Relaxed);
        Receiver {
            shared: self.shared.clone(),
            next: self.next,
        }
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        // Relaxed: `send` treats the count as a snapshot.
        self.shared.receivers.fetch_sub(1, Relaxed);
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad("broadcast::Sender { .. }")
    }
}
impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("broadcast::Receiver")
            .field("next", &self.next)
            .finish()
    }
}
