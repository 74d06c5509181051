//! Model-checker backend (loom or shuttle): a waiter table under the model's `Mutex`, with one
//! model `Condvar` per waiter. It blocks for real, so a lost wake-up shows up as a deadlock
//! the checker reports; it never degrades to a yield. Limits: a *timed* wait checks the word,
//! stays queued for one scheduling point (a `wake_one` in that window is spent on it) and then
//! reports `TimedOut` (the models have no clock), which explores the timeout path of every
//! timed wait and the wake-up lost to a waiter that gives up; keep model scenarios on untimed
//! waits where a wake-up must arrive.
//!
//! Protocol: `wait` compares the word with `expected` under the table mutex, which every waker
//! also takes, so a waker that stored before we locked is seen by our load, and one that locks
//! after us finds our entry. `wake_one` wakes exactly one waiter of that word (FIFO), so code
//! that needs `wake_all` but calls `wake_one` deadlocks in the model instead of passing.

use super::contract::{WaitError, WaitResult};
use crate::sync::atomic::{AtomicU32, Ordering::Relaxed};
use crate::sync::{Arc, Condvar, Mutex};
use core::time::Duration;

pub(super) const NAME: &str = "model";

struct Entry {
    addr: usize,
    id: u64,
    woken: bool,
    cv: Arc<Condvar>,
}

#[derive(Default)]
struct Table {
    next_id: u64,
    entries: Vec<Entry>,
}

crate::sync::lazy_static! {
    static ref TABLE: Mutex<Table> = Mutex::new(Table::default());
}

pub(super) fn wait(
    word: &AtomicU32,
    expected: u32,
    timeout: Option<Duration>,
) -> Result<WaitResult, WaitError> {
    let addr = word as *const AtomicU32 as usize;
    let mut t = TABLE.lock().unwrap();
    // Relaxed: the table mutex orders this load after the store of any waker that locked first.
    if word.load(Relaxed) != expected {
        return Ok(WaitResult::Woken);
    }
    let id = t.next_id;
    t.next_id += 1;
    let cv = Arc::new(Condvar::new());
    t.entries.push(Entry {
        addr,
        id,
        woken: false,
        cv: cv.clone(),
    });
    if timeout.is_some() {
        // A timed wait stays queued for one scheduling point and then times out. A
        // `wake_one` that picks it in that window is spent on it, as when a real waiter is
        // woken just as its deadline passes and its caller gives up: the caller must pass
        // that wake-up on (ADR 093).
        drop(t);
        crate::sync::thread::yield_now();
        let mut t = TABLE.lock().unwrap();
        if let Some(i) = t.entries.iter().position(|e| e.id == id) {
            t.entries.remove(i);
        }
        return Ok(WaitResult::TimedOut);
    }
    loop {
        t = cv.wait(t).unwrap();
        if let Some(i) = t.entries.iter().position(|e| e.id == id) {
            if t.entries[i].woken {
                t.entries.remove(i);
                return Ok(WaitResult::Woken);
            }
        }
    }
}

fn wake(word: &AtomicU32, max: usize) {
    let addr = word as *const AtomicU32 as usize;
    let mut t = TABLE.lock().unwrap();
    for e in t
        .entries
        .iter_mut()
        .filter(|e| e.addr == addr && !e.woken)
        .take(max)
    {
        e.woken = true;
        e.cv.notify_one();
    }
}

pub(super) fn wake_one(word: &AtomicU32) {
    wake(word, 1)
}

pub(super) fn wake_all(word: &AtomicU32) {
    wake(word, usize::MAX)
}

pub(super) fn can_block() -> bool {
    true
}

backend_contract!();
