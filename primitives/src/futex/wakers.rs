//! The async half of the futex: an address-keyed table of [`Waker`]s that [`wake_one`] and
//! [`wake_all`] visit before (one) or besides (all) the backend's own sleepers, so a future can
//! wait on any futex word the blocking protocols notify, on every backend (natively, under the
//! models, and in the browser, where the waker is `wasm-bindgen-futures`' task waker and a
//! worker's wake resumes the task on its own thread).
//!
//! # Protocol (step numbers are cited in the code)
//! 1. **Register** (`WaitFuture`'s first poll), under the shard lock: `count += 1`,
//!    `fence(SeqCst)`, load the word. If it differs from `expected`, undo the count and
//!    resolve at once; else push an entry `Waiting(waker)` with a fresh key.
//! 2. **Wake** (`wake(word, max)`, after the caller changed the word): `fence(SeqCst)`, load
//!    the shard's `count`; if 0, nobody is registered and the table is not touched (the common
//!    case: no async waiter anywhere). Else, under the lock, mark up to `max` `Waiting`
//!    entries of that address `Woken` (FIFO), `count -= 1` each, take their wakers, and call
//!    them after unlocking. Entries stay in the table until their future sees them.
//! 3. **Poll again**: under the lock, a `Woken` entry is removed and the future resolves; a
//!    `Waiting` one gets the new waker.
//! 4. **Cancel** (the future is dropped while registered): under the lock, remove the entry.
//!    If it was `Woken` by a `wake_one` (`max == 1`), that wake-up was meant for *some* waiter
//!    of the word and nobody saw it: pass it on with [`wake_one`](super::wake_one) after
//!    unlocking (a spurious wake-up if nobody needed it). A `Waiting` entry just goes.
//!
//! No lost wake-up: steps 1 and 2 are a Dekker pair on (`count`, word) with a SeqCst fence on
//! each side, so either the waker sees `count > 0` and takes the lock (then it finds our entry
//! if we pushed first, or we see its store because its unlock happened before our lock), or
//! our load sees the changed word and we do not wait. A dropped future never swallows a
//! `wake_one` (step 4). `verify/tests/loom_async.rs` checks both, with seeded-bug controls.
//!
//! The shard lock is a spin lock: the browser's main thread may take it, where a blocking
//! lock would trap, and every critical section is a few moves in one `Vec` (wakers are
//! called only after unlocking).

use crate::sync::atomic::{
    fence, AtomicBool, AtomicUsize,
    Ordering::{Acquire, Relaxed, Release, SeqCst},
};
use crate::sync::{atomic::AtomicU32, cell::UnsafeCell};
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll, Waker};

/// Shards of the table (by address); one under the models, to keep their state small.
const SHARDS: usize = if crate::sync::MODEL { 1 } else { 16 };

/// Where one registered future stands.
enum State {
    /// Registered and not yet woken: the waker to call.
    Waiting(Waker),
    /// Chosen by a wake; `true` if by a `wake_one` (a cancel must pass it on).
    Woken(bool),
}

struct Entry {
    addr: usize,
    key: u64,
    state: State,
}

struct Inner {
    next_key: u64,
    entries: Vec<Entry>,
}

struct Shard {
    /// The spin lock over `inner`.
    locked: AtomicBool,
    /// Entries in `State::Waiting` (written under the lock, read without it in step 2).
    count: AtomicUsize,
    inner: UnsafeCell<Inner>,
}

// SAFETY: `inner` is only reached under `locked` (see `Shard::with`), which serialises all
// access; the wakers it holds are `Send + Sync`.
unsafe impl Sync for Shard {}

impl Shard {
    const_fn_unless_model! {
        fn new() -> Shard {
            Shard {
                locked: AtomicBool::new(false),
                count: AtomicUsize::new(0),
                inner: UnsafeCell::new(Inner {
                    next_key: 0,
                    entries: Vec::new(),
                }),
            }
        }
    }

    /// Runs `f` under the shard's spin lock.
    fn with<R>(&self, f: impl FnOnce(&mut Inner, &AtomicUsize) -> R) -> R {
        let backoff = crate::Backoff::new();
        // Acquire: pairs with the Release store that unlocks below.
        while self
            .locked
            .compare_exchange_weak(false, true, Acquire, Relaxed)
            .is_err()
        {
            backoff.snooze();
        }
        // SAFETY: we hold the spin lock, so no other reference to `inner` exists.
        let r = self.inner.with_mut(|p| f(unsafe { &mut *p }, &self.count));
        // Release: pairs with the Acquire CAS of the next locker.
        self.locked.store(false, Release);
        r
    }
}

#[cfg(not(any(portalis_loom, portalis_shuttle)))]
static TABLE: [Shard; SHARDS] = [const { Shard::new() }; SHARDS];

#[cfg(any(portalis_loom, portalis_shuttle))]
crate::sync::lazy_static! {
    static ref TABLE: [Shard; SHARDS] = [Shard::new()];
}

fn shard(addr: usize) -> &'static Shard {
    // Words are 4-byte aligned; neighbouring words land in different shards.
    &TABLE[(addr >> 2) % SHARDS]
}

/// Step 2: marks up to `max` registered futures waiting on `word` as woken and wakes them.
/// Returns how many it woke. The caller changed the word before (the contract's Release).
///
/// Inlined into `futex::wake_one`/`wake_all`: the common case (nobody registered in the
/// shard) is the fence and one load; the table walk is the out-of-line [`wake_registered`].
/// Measured (ADR 104): out of line, the check cost 27 instructions per wake (a full frame for
/// the table walk's registers), for a fence and a load.
#[inline(always)]
pub(super) fn wake(word: &AtomicU32, max: usize) -> usize {
    let addr = word as *const AtomicU32 as usize;
    let sh = shard(addr);
    // SeqCst fence: step 2's half of the Dekker pair with step 1 (the caller's store to the
    // word before, our load of `count` after).
    if !cfg!(portalis_seeded_bug = "async_wake_skips_fence") {
        fence(SeqCst);
    }
    // Relaxed: ordered by the fence above (see the module's protocol).
    if sh.count.load(Relaxed) == 0 {
        return 0;
    }
    wake_registered(sh, addr, max)
}

/// Step 2's table walk, when the shard has registered futures (see [`wake`]).
#[cold]
#[inline(never)]
fn wake_registered(sh: &Shard, addr: usize, max: usize) -> usize {
    let mut woken: Vec<Waker> = Vec::new();
    sh.with(|inner, count| {
        for e in inner.entries.iter_mut() {
            if woken.len() == max {
                break;
            }
            if e.addr != addr {
                continue;
            }
            if let State::Waiting(_) = e.state {
                if let State::Waiting(w) = core::mem::replace(&mut e.state, State::Woken(max == 1))
                {
                    woken.push(w);
                }
                // Relaxed: the shard lock orders it for every other writer.
                count.fetch_sub(1, Relaxed);
            }
        }
    });
    let n = woken.len();
    for w in woken {
        w.wake();
    }
    n
}

/// A future that resolves once a [`wake_one`](super::wake_one) or
/// [`wake_all`](super::wake_all) on `word` chose it, or at once when `word != expected` on
/// the first poll; returned by [`wait_future`](super::wait_future). Executor-agnostic (it
/// only stores the task's [`Waker`]), `Send`, and cancel-safe: dropping it while registered
/// deregisters it, and passes on a `wake_one` it was chosen by but did not report.
///
/// Like [`wait`](super::wait) it may resolve spuriously (a wake for another reason, or a
/// passed-on wake): re-check the condition and wait again.
#[must_use = "futures do nothing unless polled"]
#[derive(Debug)]
pub struct WaitFuture<'a> {
    word: &'a AtomicU32,
    expected: u32,
    /// `Some(key)` while registered (steps 1–4); `None` before the first poll and after.
    key: Option<u64>,
    done: bool,
}

impl<'a> WaitFuture<'a> {
    pub(super) fn new(word: &'a AtomicU32, expected: u32) -> Self {
        WaitFuture {
            word,
            expected,
            key: None,
            done: false,
        }
    }
}

impl Future for WaitFuture<'_> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        if this.done {
            return Poll::Ready(());
        }
        let addr = this.word as *const AtomicU32 as usize;
        let sh = shard(addr);
        let ready = match this.key {
            None => sh.with(|inner, count| {
                // Step 1. Relaxed: the fence below orders it before our load of the word.
                count.fetch_add(1, Relaxed);
                // SeqCst fence: step 1's half of the Dekker pair with `wake` (step 2).
                fence(SeqCst);
                // Relaxed: the contract promises no ordering; callers re-check with Acquire.
                if this.word.load(Relaxed) != this.expected {
                    // Relaxed: under the shard lock.
                    count.fetch_sub(1, Relaxed);
                    return true;
                }
                let key = inner.next_key;
                inner.next_key += 1;
                inner.entries.push(Entry {
                    addr,
                    key,
                    state: State::Waiting(cx.waker().clone()),
                });
                this.key = Some(key);
                false
            }),
            Some(key) => sh.with(|inner, _| {
                // Step 3.
                let i = inner
                    .entries
                    .iter()
                    .position(|e| e.key == key)
                    .expect("a registered entry stays until its future removes it");
                match &mut inner.entries[i].state {
                    State::Woken(_) => {
                        inner.entries.swap_remove(i);
                        this.key = None;
                        true
                    }
                    State::Waiting(w) => {
                        if !w.will_wake(cx.waker()) {
                            *w = cx.waker().clone();
                        }
                        false
                    }
                }
            }),
        };
        if ready {
            this.done = true;
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }
}

impl Drop for WaitFuture<'_> {
    fn drop(&mut self) {
        let Some(key) = self.key else { return };
        let addr = self.word as *const AtomicU32 as usize;
        // Step 4.
        let pass_on = shard(addr).with(|inner, count| {
            let i = inner
                .entries
                .iter()
                .position(|e| e.key == key)
                .expect("a registered entry stays until its future removes it");
            match inner.entries.swap_remove(i).state {
                State::Waiting(_) => {
                    // Relaxed: under the shard lock.
                    count.fetch_sub(1, Relaxed);
                    false
                }
                // Seeded controls (model builds only): `async_cancel_drops_wake`, and
                // `async_mutex_cancel_swallows_wake` with its twin in mutex.rs `deregister`.
                State::Woken(one) => {
                    one && !cfg!(portalis_seeded_bug = "async_cancel_drops_wake")
                        && !cfg!(portalis_seeded_bug = "async_mutex_cancel_swallows_wake")
                }
            }
        });
        if pass_on {
            // `futex::wake_one`, spelled out so this module names only the backend, not its
            // parent (ARCHITECTURE.md, import layers): a registered future first, else a thread.
            if wake(self.word, 1) == 0 {
                super::imp::wake_one(self.word);
            }
        }
    }
}

/// A future that returns `Pending` once (waking itself) and then resolves: lets other tasks
/// of the executor run. In the browser build it waits for a `setTimeout(0)` instead, so a
/// task that loops on it cannot starve the event loop's macrotasks (a worker's cross-thread
/// wake arrives as one).
pub(crate) async fn yield_now() {
    #[cfg(all(portalis_wasm_atomics, not(any(portalis_loom, portalis_shuttle))))]
    {
        super::timer::sleep_ms(0).await;
    }
    #[cfg(not(all(portalis_wasm_atomics, not(any(portalis_loom, portalis_shuttle)))))]
    {
        let mut yielded = false;
        core::future::poll_fn(|cx| {
            if yielded {
                Poll::Ready(())
            } else {
                yielded = true;
                cx.waker().wake_by_ref();
                Poll::Pending
            }
        })
        .await
    }
}
