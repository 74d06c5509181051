//! Linux futex: `atomic-wait` for untimed waits and wakes, and the raw
//! `futex(FUTEX_WAIT | FUTEX_PRIVATE_FLAG)` syscall with a relative timeout for timed waits.
//! Limits: process-private words only (no cross-process futexes); a timeout is measured on
//! `CLOCK_MONOTONIC` by the kernel and re-armed with the remaining time after `EINTR`.

use super::contract::{WaitError, WaitResult};
use crate::sync::atomic::AtomicU32;
use core::time::Duration;
use std::time::Instant;

pub(super) const NAME: &str = "linux-futex";

#[inline]
pub(super) fn wait(
    word: &AtomicU32,
    expected: u32,
    timeout: Option<Duration>,
) -> Result<WaitResult, WaitError> {
    match timeout.and_then(|t| super::contract::deadline(t).map(|d| (t, d))) {
        None => {
            atomic_wait::wait(word, expected);
            Ok(WaitResult::Woken)
        }
        Some((t, deadline)) => Ok(wait_timed(word, expected, t, deadline)),
    }
}

#[cold]
fn wait_timed(
    word: &AtomicU32,
    expected: u32,
    mut left: Duration,
    deadline: Instant,
) -> WaitResult {
    loop {
        let ts = libc::timespec {
            // Saturate: a timeout past i64::MAX seconds is indistinguishable from "forever".
            tv_sec: i64::try_from(left.as_secs()).unwrap_or(i64::MAX) as libc::time_t,
            tv_nsec: left.subsec_nanos() as libc::c_long,
        };
        // SAFETY: (1) `word.as_ptr()` points to a live, 4-byte-aligned u32 for the whole call
        // because we hold `&word`; (2) `ts` lives on our stack across the call; (3)
        // FUTEX_WAIT only reads both, and the unused `uaddr2`/`val3` arguments are ignored.
        let r = unsafe {
            libc::syscall(
                libc::SYS_futex,
                word.as_ptr(),
                libc::FUTEX_WAIT | libc::FUTEX_PRIVATE_FLAG,
                expected,
                &ts as *const libc::timespec,
                core::ptr::null::<u32>(),
                0u32,
            )
        };
        if r == 0 {
            return WaitResult::Woken;
        }
        match std::io::Error::last_os_error().raw_os_error() {
            // EAGAIN: the word already differed.
            Some(libc::EAGAIN) => return WaitResult::Woken,
            Some(libc::ETIMEDOUT) => return WaitResult::TimedOut,
            // EINTR: a signal; wait out the rest of the timeout unless it is over.
            _ => {
                let now = Instant::now();
                if now >= deadline {
                    return WaitResult::TimedOut;
                }
                left = deadline - now;
            }
        }
    }
}

#[inline]
pub(super) fn wake_one(word: &AtomicU32) {
    atomic_wait::wake_one(word as *const AtomicU32);
}

#[inline]
pub(super) fn wake_all(word: &AtomicU32) {
    atomic_wait::wake_all(word as *const AtomicU32);
}

#[inline]
pub(super) fn can_block() -> bool {
    true
}

backend_contract!();
