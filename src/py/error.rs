//! [`PyThreadingError`]: every error of the Python surface, named after the Python exception
//! it stands for, with CPython's message, so a transpiler can map it back (`type(e).__name__`
//! is [`py_type_name`](PyThreadingError::py_type_name), `str(e)` is `Display`).

use std::fmt;

/// The result type of the Python surface.
pub type PyResult<T> = Result<T, PyThreadingError>;

/// A Python exception raised by the `threading`, `queue`, `concurrent.futures` or
/// `multiprocessing` surface, or by user code running on it.
///
/// `Display` prints exactly what CPython's `str(e)` prints (an empty string for `queue.Empty`,
/// `queue.Full`, `queue.ShutDown`, `BrokenBarrierError` and `CancelledError`, as CPython raises
/// them without arguments), so the messages are CPython's, not this crate's usual lowercase
/// style. Which CPython version a message was checked against is said on the variant.
#[derive(Clone, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum PyThreadingError {
    /// `RuntimeError` (e.g. `release unlocked lock`, `threads can only be started once`,
    /// `cannot schedule new futures after shutdown`).
    #[error("{0}")]
    RuntimeError(String),
    /// `ValueError` (e.g. `Semaphore released too many times`, `task_done() called too many
    /// times`).
    #[error("{0}")]
    ValueError(String),
    /// `TimeoutError` (also `concurrent.futures.TimeoutError`, an alias since 3.11); the
    /// message is empty for `Future.result(timeout)` and `"N (of M) futures unfinished"` for
    /// `as_completed`.
    #[error("{0}")]
    TimeoutError(String),
    /// `OverflowError` (a timeout beyond [`TIMEOUT_MAX`](crate::py::threading::TIMEOUT_MAX)).
    #[error("{0}")]
    OverflowError(String),
    /// `threading.BrokenBarrierError` (a subclass of `RuntimeError` in Python).
    #[error("")]
    BrokenBarrierError,
    /// `queue.Empty`: a non-blocking or timed `get` found nothing.
    #[error("")]
    Empty,
    /// `queue.Full`: a non-blocking or timed `put` found no room.
    #[error("")]
    Full,
    /// `queue.ShutDown` (Python 3.13): the queue was shut down.
    #[error("")]
    ShutDown,
    /// `concurrent.futures.CancelledError`: the future was cancelled.
    #[error("")]
    CancelledError,
    /// `concurrent.futures.InvalidStateError`: a result set on a finished future.
    #[error("{0}")]
    InvalidStateError(String),
    /// Any other exception, raised by user code (a task, a thread's target, a pool function):
    /// its Python type name and message, e.g. `("ZeroDivisionError", "division by zero")`.
    #[error("{message}")]
    Raised {
        /// The Python type name (`type(e).__name__`).
        type_name: String,
        /// The message (`str(e)`).
        message: String,
    },
}

impl fmt::Debug for PyThreadingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}({:?})", self.py_type_name(), self.to_string())
    }
}

impl PyThreadingError {
    /// An exception of any Python type raised by user code (`raise KeyError("k")` becomes
    /// `PyThreadingError::raised("KeyError", "'k'")`). The names this enum has a variant for
    /// are mapped to that variant, so errors compare equal whichever way they were built.
    pub fn raised(type_name: &str, message: impl Into<String>) -> Self {
        let message = message.into();
        match type_name {
            "RuntimeError" => Self::RuntimeError(message),
            "ValueError" => Self::ValueError(message),
            "TimeoutError" => Self::TimeoutError(message),
            "OverflowError" => Self::OverflowError(message),
            "InvalidStateError" => Self::InvalidStateError(message),
            _ => Self::Raised {
                type_name: type_name.to_string(),
                message,
            },
        }
    }

    /// `RuntimeError(msg)`.
    pub fn runtime(msg: impl Into<String>) -> Self {
        Self::RuntimeError(msg.into())
    }

    /// `ValueError(msg)`.
    pub fn value(msg: impl Into<String>) -> Self {
        Self::ValueError(msg.into())
    }

    /// The Python class name, as `type(e).__name__` prints it.
    pub fn py_type_name(&self) -> &str {
        match self {
            Self::RuntimeError(_) => "RuntimeError",
            Self::ValueError(_) => "ValueError",
            Self::TimeoutError(_) => "TimeoutError",
            Self::OverflowError(_) => "OverflowError",
            Self::BrokenBarrierError => "BrokenBarrierError",
            Self::Empty => "Empty",
            Self::Full => "Full",
            Self::ShutDown => "ShutDown",
            Self::CancelledError => "CancelledError",
            Self::InvalidStateError(_) => "InvalidStateError",
            Self::Raised { type_name, .. } => type_name,
        }
    }

    /// The fully qualified Python name (`queue.Empty`, `threading.BrokenBarrierError`,
    /// `concurrent.futures.CancelledError`, `builtins.ValueError`, ...).
    pub fn py_qualified_name(&self) -> String {
        let module = match self {
            Self::BrokenBarrierError => "threading",
            Self::Empty | Self::Full | Self::ShutDown => "queue",
            Self::CancelledError | Self::InvalidStateError(_) => "concurrent.futures",
            _ => "builtins",
        };
        format!("{module}.{}", self.py_type_name())
    }

    /// Whether a Python `except RuntimeError:` clause catches it (`BrokenBarrierError`
    /// derives from `RuntimeError`).
    pub fn is_runtime_error(&self) -> bool {
        matches!(self, Self::RuntimeError(_) | Self::BrokenBarrierError)
    }
}

impl From<portalis_primitives::BrokenBarrierError> for PyThreadingError {
    fn from(_: portalis_primitives::BrokenBarrierError) -> Self {
        Self::BrokenBarrierError
    }
}

/// A value a Python callable may return in Rust: `()` (a function that returns `None` and
/// cannot raise) or `Result<(), E>` where `E` converts into [`PyThreadingError`] (a function
/// that may raise). Used by [`Thread`](crate::py::threading::Thread) targets and
/// [`Process`](crate::py::multiprocessing::Process) targets.
pub trait TargetResult {
    /// The exception the callable raised, if any.
    fn into_py(self) -> PyResult<()>;
}

impl TargetResult for () {
    fn into_py(self) -> PyResult<()> {
        Ok(())
    }
}

impl<E: Into<PyThreadingError>> TargetResult for Result<(), E> {
    fn into_py(self) -> PyResult<()> {
        self.map_err(Into::into)
    }
}

/// Turns a panic payload into the exception a Python program would see (`type_name` is
/// `"PanicException"`, the message is the panic message).
pub(crate) fn panic_to_py(p: &(dyn std::any::Any + Send)) -> PyThreadingError {
    if let Some(e) = p.downcast_ref::<PyThreadingError>() {
        return e.clone();
    }
    let message = p
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "<non-string panic payload>".into());
    PyThreadingError::Raised {
        type_name: "PanicException".into(),
        message,
    }
}
