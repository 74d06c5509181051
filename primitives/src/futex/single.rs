//! No threads (`wasm32-unknown-unknown` without atomics, `wasm32-wasip1`): nothing can change
//! a word while we wait, so an untimed wait on a matching word is a certain deadlock and
//! returns [`WaitError::WouldDeadlock`]. A timed wait sleeps out its timeout where the target
//! can sleep (WASI's `poll_oneoff`), and returns `TimedOut` at once where it cannot (the
//! browser has no blocking sleep). A timeout too large for a deadline (`Duration::MAX`) is
//! untimed, so it is `WouldDeadlock` too. Wakes are no-ops.

use super::contract::{WaitError, WaitResult};
use crate::sync::atomic::{AtomicU32, Ordering::Relaxed};
use core::time::Duration;

pub(super) const NAME: &str = "single-thread";

pub(super) fn wait(
    word: &AtomicU32,
    expected: u32,
    timeout: Option<Duration>,
) -> Result<WaitResult, WaitError> {
    // Relaxed: there is no other thread to synchronise with.
    if word.load(Relaxed) != expected {
        return Ok(WaitResult::Woken);
    }
    match timeout.filter(|&t| !is_untimed(t)) {
        None => Err(WaitError::WouldDeadlock),
        Some(t) => {
            #[cfg(target_os = "wasi")]
            std::thread::sleep(t);
            #[cfg(not(target_os = "wasi"))]
            let _ = t;
            Ok(WaitResult::TimedOut)
        }
    }
}

/// `true` for a timeout the contract treats as "forever": one whose deadline does not fit
/// (where there is a clock to ask: WASI), and `Duration::MAX` everywhere (the browser build
/// has no `Instant`).
fn is_untimed(t: Duration) -> bool {
    #[cfg(target_os = "wasi")]
    if super::contract::deadline(t).is_none() {
        return true;
    }
    t == Duration::MAX
}

pub(super) fn wake_one(_word: &AtomicU32) {}

pub(super) fn wake_all(_word: &AtomicU32) {}

pub(super) fn can_block() -> bool {
    false
}

backend_contract!();
