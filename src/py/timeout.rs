//! Python's float-seconds timeouts, validated the way CPython validates them.

use super::error::{PyResult, PyThreadingError};
use std::time::Duration;

/// `threading.TIMEOUT_MAX`: the largest timeout (seconds) a blocking call accepts
/// (CPython's value on 64-bit Linux). Defined here, beside the conversions that clamp to it,
/// and re-exported as `py::threading::TIMEOUT_MAX`.
pub const TIMEOUT_MAX: f64 = 9_223_372_036.0;

/// Seconds → `Duration`, for a value already known to be finite and in `0..=TIMEOUT_MAX`.
pub(crate) fn secs(t: f64) -> Duration {
    Duration::try_from_secs_f64(t.max(0.0)).unwrap_or(Duration::MAX)
}

/// `Lock.acquire(blocking, timeout)`'s checks: `timeout == -1` means no limit; other
/// negatives are a `ValueError`; values past `TIMEOUT_MAX` an `OverflowError`. Returns
/// `None` for "no limit". (Messages: CPython 3.11; 3.13 says "timeout value must be a
/// non-negative number" for a negative timeout.)
pub(crate) fn lock_timeout(blocking: bool, timeout: f64) -> PyResult<Option<Duration>> {
    if !blocking && timeout != -1.0 {
        return Err(PyThreadingError::value(
            "can't specify a timeout for a non-blocking call",
        ));
    }
    if timeout < 0.0 && timeout != -1.0 {
        return Err(PyThreadingError::value("timeout value must be positive"));
    }
    if timeout > TIMEOUT_MAX {
        return Err(PyThreadingError::OverflowError(
            "timestamp out of range for platform time_t".into(),
        ));
    }
    if !blocking {
        return Ok(Some(Duration::ZERO));
    }
    Ok(if timeout == -1.0 {
        None
    } else {
        Some(secs(timeout))
    })
}

/// `Semaphore.acquire(blocking, timeout)`'s checks (`None` = no limit; a negative timeout
/// is treated as zero, as CPython's `Condition.wait` does).
pub(crate) fn semaphore_timeout(
    blocking: bool,
    timeout: Option<f64>,
) -> PyResult<Option<Duration>> {
    if !blocking && timeout.is_some() {
        return Err(PyThreadingError::value(
            "can't specify timeout for non-blocking acquire",
        ));
    }
    if !blocking {
        return Ok(Some(Duration::ZERO));
    }
    Ok(timeout.map(secs))
}

/// A plain optional timeout (Event.wait, Thread.join, Condition.wait, Future.result):
/// negatives count as zero.
pub(crate) fn opt(timeout: Option<f64>) -> Option<Duration> {
    timeout.map(secs)
}

/// `Queue.get/put(block, timeout)`'s checks: a negative timeout is a `ValueError`.
pub(crate) fn queue_timeout(block: bool, timeout: Option<f64>) -> PyResult<Option<Duration>> {
    if !block {
        return Ok(Some(Duration::ZERO));
    }
    match timeout {
        Some(t) if t < 0.0 => Err(PyThreadingError::value(
            "'timeout' must be a non-negative number",
        )),
        t => Ok(t.map(secs)),
    }
}
