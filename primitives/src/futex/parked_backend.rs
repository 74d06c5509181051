//! The portable waiter table ([`super::parked`]) as the active backend: macOS, Windows,
//! FreeBSD and other std targets, `wasm32-wasip1-threads` on stable, and Linux under
//! `--cfg portalis_force_parked`. Limits: every wait and wake takes one bucket lock.

pub(super) use super::parked::{can_block, wait, wake_all, wake_one, NAME};
