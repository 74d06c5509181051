//! Happens-before on real threads, for ThreadSanitizer (verify/scripts/tsan.sh): the native
//! counterparts of the loom `loom_hb_*` models. Each scenario writes a plain (non-atomic)
//! cell before a primitive's release side and reads it after the acquire side on another
//! thread; TSan reports the pair as a data race when the primitive orders nothing, whatever
//! the timing (it tracks happens-before, not interleavings). tsan.sh seeds
//! `event_relaxed_set` and `semaphore_relaxed_release` and requires that report. Natively
//! (and under miri) they are ordinary tests: the values are always checked.
#![cfg(not(any(portalis_loom, portalis_shuttle)))]

use portalis_primitives::channel::oneshot;
use portalis_primitives::{Event, Latch, Semaphore};
use std::cell::UnsafeCell;
use std::sync::Arc;
use std::thread;

/// How often each scenario runs, so that both sides of each wait (the release already done,
/// or the waiter parked first) occur.
const ROUNDS: usize = if cfg!(miri) { 2 } else { 50 };

/// A plain memory cell handed from one thread to another outside the primitive under test.
struct Plain(UnsafeCell<u32>);

// SAFETY: each scenario writes the cell before the primitive's release side and reads it
// after the acquire side, the ordering the primitive claims; a primitive that breaks the
// claim is exactly what TSan reports (only the seeded-bug builds of tsan.sh do).
unsafe impl Sync for Plain {}

impl Plain {
    fn new() -> Arc<Self> {
        Arc::new(Plain(UnsafeCell::new(0)))
    }
    fn write(&self, v: u32) {
        // SAFETY: see the `Sync` impl.
        unsafe { *self.0.get() = v }
    }
    fn read(&self) -> u32 {
        // SAFETY: see the `Sync` impl.
        unsafe { *self.0.get() }
    }
}

/// Runs `publish(data)` on a new thread and `consume()` here, then checks the value.
fn handoff(publish: impl Fn(&Plain) + Send + Sync + 'static, consume: impl Fn()) {
    let publish = Arc::new(publish);
    for _ in 0..ROUNDS {
        let data = Plain::new();
        let (d2, p2) = (data.clone(), publish.clone());
        let t = thread::spawn(move || p2(&d2));
        consume();
        assert_eq!(data.read(), 7);
        t.join().unwrap();
    }
}

/// Event: `set` → `wait`. Control: `event_relaxed_set`.
#[test]
fn tsan_hb_event_set_wait() {
    let e = Arc::new(Event::new());
    let e2 = e.clone();
    handoff(
        move |d| {
            d.write(7);
            e2.set();
        },
        || {
            e.wait();
            e.clear();
        },
    );
}

/// Semaphore: `release` → `acquire`. Control: `semaphore_relaxed_release`.
#[test]
fn tsan_hb_semaphore_release_acquire() {
    let s = Arc::new(Semaphore::new(0).unwrap());
    let s2 = s.clone();
    handoff(
        move |d| {
            d.write(7);
            s2.release().unwrap();
        },
        || s.acquire(),
    );
}

/// Latch: `count_down` → `wait` (a fresh latch per round).
#[test]
fn tsan_hb_latch_count_down_wait() {
    for _ in 0..ROUNDS {
        let l = Arc::new(Latch::new(1));
        let data = Plain::new();
        let (l2, d2) = (l.clone(), data.clone());
        let t = thread::spawn(move || {
            d2.write(7);
            l2.count_down();
        });
        l.wait();
        assert_eq!(data.read(), 7);
        t.join().unwrap();
    }
}

/// Oneshot: `send` → `recv`, for data outside the message.
#[test]
fn tsan_hb_oneshot_send_recv() {
    for _ in 0..ROUNDS {
        let (s, r) = oneshot::<u32>();
        let data = Plain::new();
        let d2 = data.clone();
        let t = thread::spawn(move || {
            d2.write(7);
            s.send(7).unwrap();
        });
        assert_eq!(r.recv(), Ok(7));
        assert_eq!(data.read(), 7);
        t.join().unwrap();
    }
}
