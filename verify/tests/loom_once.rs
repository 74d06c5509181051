//! Loom model of `OnceLock` (`once.rs`): one initialiser wins and every caller sees its value.
#![cfg(portalis_loom)]

use loom::sync::Arc;
use loom::thread;
use portalis_verify::model::loom_model;

/// Preemption bound of the models in this file that do not state their own.
const BOUND: usize = 2;

use portalis_primitives::OnceLock;

/// Property: two racing `get_or_init` calls see the same value (exactly one initialiser
/// wins).
#[test]
fn loom_once_lock_single_init() {
    loom_model(BOUND, || {
        let c = Arc::new(OnceLock::new());
        let c2 = c.clone();
        let t = thread::spawn(move || *c2.get_or_init(|| 1u32));
        let mine = *c.get_or_init(|| 2u32);
        let theirs = t.join().unwrap();
        assert_eq!(mine, theirs);
    });
}
