//! Executor (being built).
