//! Threads (being built).
