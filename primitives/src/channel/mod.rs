//! Multi-producer multi-consumer channels with `select!`, API-compatible with
//! crossbeam-channel (and a superset of `std::sync::mpsc`): switch with one `use` line.
//!
//! # Flavours
//! | constructor | buffer | file |
//! |---|---|---|
//! | [`unbounded()`] | lock-free block list, grows with occupancy | `lockfree.rs` over `list.rs` |
//! | [`bounded`]`(n)`, 2 ≤ `n` ≤ 2²⁴ | lock-free stamped ring of `n` slots | `lockfree.rs` over `ring.rs` |
//! | [`bounded`]`(1)`, [`bounded`]`(n > 2²⁴)` | a `VecDeque` under the lock, memory follows occupancy | `queue.rs` over `locked.rs` |
//! | [`bounded`]`(0)` | none: each send meets a receive (rendezvous, direct hand-off) | `rendezvous.rs` over `locked.rs` |
//! | [`oneshot()`] | one message, one sender, one receiver | `oneshot.rs` |
//! | [`broadcast()`] | ring of `cap`; every receiver sees every message or `Lagged(n)` | `broadcast.rs` |
//! | [`after`], [`tick`], [`never`] | timers, for `select!` | `timer.rs` |
//!
//! # Layers (each file imports only files below it)
//! | layer | files |
//! |---|---|
//! | public API | `mod.rs` (re-exports), `macros.rs` (`select!`) |
//! | select engine | `select.rs` |
//! | handles | `handles.rs` (`Sender`, `Receiver`, constructors) |
//! | dispatch | `chan.rs` (handle counts, capacity → discipline) |
//! | disciplines | `lockfree.rs`, `queue.rs`, `rendezvous.rs`; `locked.rs` (their shared lock protocol) |
//! | shared contract | `handoff.rs` (waiter queues, packets, select tokens, the `Discipline` trait) |
//! | floor | `waiter.rs`, `lock.rs`, `ring.rs`, `list.rs`, `error.rs`, `timer.rs`, `drops.rs` |
//!
//! `oneshot.rs` and `broadcast.rs` stand alone on the floor.
//!
//! Blocking goes through `waiter.rs`: spin, then yield, then `futex::wait` on a per-operation
//! state word; a partner that finds us still spinning hands over with two RMWs and no
//! syscall (docs/notes/channels.md §3.1).
//!
//! # Semantics
//! * FIFO per channel; messages are never lost or duplicated: a failed send returns the
//!   message; messages still queued when the last [`Receiver`] drops are dropped exactly once,
//!   right then.
//! * The channel disconnects when the last [`Sender`] or the last [`Receiver`] drops:
//!   receivers drain what is queued, then get [`RecvError`]; senders get [`SendError`] back.
//!
//! # Threads that cannot block
//! On a browser main thread or a target without threads, `futex::wait` returns an error
//! instead of blocking. Then: the `try_*` calls and `select!` with `default` work as
//! everywhere; `*_timeout`/`*_deadline` calls spin or sleep out their timeout as the futex
//! backend allows and then return `Timeout`; untimed `send`/`recv`/`select` that would have
//! to wait **panic** with the futex layer's message (they would otherwise hang forever).
//!
//! ## Memory ordering
//! Everything a sender did before `send` happens-before the receive that returns its message
//! (the channel lock or the hand-off's Release/Acquire pair orders it).
//!
//! # Examples
//! ```
//! use portalis_primitives::channel::{bounded, select};
//!
//! let (s, r) = bounded(1);
//! let t = std::thread::spawn(move || {
//!     for i in 0..3 {
//!         s.send(i).unwrap();
//!     }
//! });
//! let got: Vec<i32> = r.iter().collect();
//! assert_eq!(got, [0, 1, 2]);
//! t.join().unwrap();
//! ```

pub mod broadcast;
pub(crate) mod chan;
mod drops;
#[cfg(feature = "envelope")]
pub mod envelope;
mod error;
mod handles;
pub(crate) mod handoff;
mod list;
mod lock;
mod locked;
mod lockfree;
mod macros;
pub mod oneshot;
mod queue;
mod rendezvous;
mod ring;
mod select;
mod timer;
pub(crate) mod waiter;

#[doc(inline)]
pub use crate::select;
#[doc(inline)]
pub use crate::select_biased;
pub use broadcast::broadcast;
pub use error::{
    CapacityError, ReadyTimeoutError, RecvError, RecvTimeoutError, SelectTimeoutError, SendError,
    SendTimeoutError, TryReadyError, TryRecvError, TrySelectError, TrySendError,
};
pub use handles::{
    after, at, bounded, never, tick, try_bounded, unbounded, IntoIter, Iter, Receiver, Sender,
    TryIter,
};
pub use oneshot::oneshot;
pub use select::{LocalHandles, Select, SelectedOperation, SendHandles};

// Unit tests use std threads; the model builds run the loom_/shuttle_ integration tests.
#[cfg(all(test, not(any(portalis_loom, portalis_shuttle))))]
mod tests;

/// Lets `select!` accept `r` and `&r` alike (deref coercion at the call).
#[doc(hidden)]
pub fn __as_receiver<T>(r: &Receiver<T>) -> &Receiver<T> {
    r
}

/// Lets `select!` accept `s` and `&s` alike (deref coercion at the call).
#[doc(hidden)]
pub fn __as_sender<T>(s: &Sender<T>) -> &Sender<T> {
    s
}
