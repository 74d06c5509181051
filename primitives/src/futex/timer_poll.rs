//! [`sleep_until`] where nothing can wake a future at a deadline (ADR 122): under the model
//! checkers (no model of a timer thread) and on `wasm32-wasip1` without threads. The future
//! yields to its executor and re-reads the clock until the deadline: a busy poll. On
//! single-threaded WASI that is the honest choice: the only thread cannot sleep without
//! stopping every other task of its executor, and there is no reactor here to hand a clock
//! subscription to (`poll_oneoff`); a blocking `recv` on a timer does sleep there.

use crate::time::Instant;

/// Yields to the executor until [`Instant::now`] reaches `deadline`.
pub(crate) async fn sleep_until(deadline: Instant) {
    while Instant::now() < deadline {
        super::wakers::yield_now().await;
    }
}

/// No timer thread here: nothing to join (`timer_thread.rs` has the real one).
pub fn join_idle_timer() {}
