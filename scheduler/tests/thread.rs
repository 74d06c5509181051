//! Thread handles: results, panics, names, ids, enumerate.
#![cfg(not(any(portalis_loom, portalis_shuttle)))] // native behaviour; the models run loom_*/shuttle_* files

use portalis_scheduler::thread::{
    active_count, current_thread, enumerate, Builder, Thread, ThreadError,
};
use std::sync::mpsc;

#[test]
fn spawn_join_returns_value() {
    assert_eq!(Thread::spawn(|| 40 + 2).unwrap().join().unwrap(), 42);
}

#[cfg(panic = "unwind")] // catches a panic; panic=abort targets (WASI) cannot
#[test]
fn panic_is_carried_as_thread_error() {
    let h = Thread::spawn(|| -> u32 { panic!("nope") }).unwrap();
    match h.join() {
        Err(ThreadError::Panic(p)) => assert_eq!(*p.downcast::<&str>().unwrap(), "nope"),
        other => panic!("expected a panic, got {other:?}"),
    }
}

#[test]
fn names_ids_enumerate_and_active_count() {
    let (go_tx, go_rx) = mpsc::channel::<()>();
    let (seen_tx, seen_rx) = mpsc::channel();
    let h = Builder::new()
        .name("worker-x")
        .stack_size(256 << 10)
        .spawn(move || {
            let me = current_thread();
            seen_tx.send((me.name().to_string(), me.id())).unwrap();
            go_rx.recv().unwrap();
        })
        .unwrap();
    let (name, id) = seen_rx.recv().unwrap();
    assert_eq!(name, "worker-x");
    assert_eq!(id, h.thread().id());
    assert_eq!(
        std::thread::current().name().is_some(),
        current_thread().name() != ""
    );
    assert!(enumerate().iter().any(|t| t.id() == id));
    assert!(active_count() >= 2);
    assert_ne!(current_thread().id(), id);
    go_tx.send(()).unwrap();
    h.join().unwrap();
    assert!(!enumerate().iter().any(|t| t.id() == id));
}
