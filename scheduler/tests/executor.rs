//! The executor: futures, submit/map/shutdown, wait, as_completed, Timer, Local.
#![cfg(not(any(portalis_loom, portalis_shuttle)))] // native behaviour; the models run loom_*/shuttle_* files

use portalis_scheduler::executor::*;
// In the browser this file is a module of tests/web_pool.rs, whose `#[test]` boots workers.
#[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
use crate::browser_test as test;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{mpsc, Arc};
use std::time::Duration;

#[cfg(panic = "unwind")] // catches a panic; panic=abort targets (WASI) cannot
#[test]
fn submit_result_exception_done_callback() {
    let ex = ThreadPoolExecutor::builder()
        .max_workers(2)
        .thread_name_prefix("exec")
        .build()
        .unwrap();
    assert_eq!(ex.max_workers(), 2);
    let f = ex
        .submit(|| std::thread::current().name().unwrap().to_string())
        .unwrap();
    assert!(f.result(None).unwrap().starts_with("exec_"));
    assert!(f.done() && !f.cancelled() && !f.running());
    assert_eq!(f.exception(None).unwrap(), None);
    let bad = ex.submit(|| -> u8 { panic!("kaput") }).unwrap();
    assert_eq!(bad.result(None), Err(FutureError::Panicked("kaput".into())));
    assert_eq!(bad.exception(None).unwrap().as_deref(), Some("kaput"));
    let (tx, rx) = mpsc::channel();
    let tx = std::sync::Mutex::new(tx);
    f.add_done_callback(move |f| tx.lock().unwrap().send(f.done()).unwrap());
    assert!(rx.recv().unwrap());
}

#[test]
fn result_timeout_and_cancel() {
    let ex = ThreadPoolExecutor::new(1).unwrap();
    let (tx, rx) = mpsc::channel::<()>();
    let blocker = ex.submit(move || rx.recv().unwrap()).unwrap();
    let queued = ex.submit(|| 5).unwrap();
    assert_eq!(
        blocker.result(Some(Duration::from_millis(20))),
        Err(FutureError::Timeout)
    );
    assert!(queued.cancel());
    assert!(queued.cancelled());
    assert_eq!(queued.result(None), Err(FutureError::Cancelled));
    tx.send(()).unwrap();
    blocker.result(None).unwrap();
    assert!(!blocker.cancel());
}

#[test]
fn map_in_order_and_initializer() {
    let inits = Arc::new(AtomicUsize::new(0));
    let i2 = inits.clone();
    let ex = ThreadPoolExecutor::builder()
        .max_workers(3)
        .initializer(move || {
            i2.fetch_add(1, SeqCst);
        })
        .build()
        .unwrap();
    let fs = ex.map(|x: u32| x * 2, 0..50).unwrap();
    let v: Vec<u32> = fs.iter().map(|f| f.result(None).unwrap()).collect();
    assert_eq!(v, (0..50).map(|x| x * 2).collect::<Vec<_>>());
    ex.shutdown(true, false);
    assert_eq!(inits.load(SeqCst), 3);
    assert_eq!(ex.submit(|| 1).unwrap_err(), ExecutorError::Shutdown);
}

#[test]
fn shutdown_cancel_futures() {
    let ex = ThreadPoolExecutor::new(1).unwrap();
    let (tx, rx) = mpsc::channel::<()>();
    let running = ex.submit(move || rx.recv().unwrap()).unwrap();
    let queued: Vec<_> = (0..5).map(|i| ex.submit(move || i).unwrap()).collect();
    while !running.running() {
        std::thread::yield_now();
    }
    tx.send(()).unwrap();
    ex.shutdown(true, true);
    assert!(running.done() && !running.cancelled());
    assert!(queued.iter().all(|f| f.done()));
}

#[cfg(panic = "unwind")] // catches a panic; panic=abort targets (WASI) cannot
#[test]
fn wait_modes_and_as_completed() {
    let ex = ThreadPoolExecutor::new(2).unwrap();
    let (tx, rx) = mpsc::channel::<()>();
    let slow = ex.submit(move || rx.recv().is_ok()).unwrap();
    let fast = ex.submit(|| true).unwrap();
    let fs = vec![slow.clone(), fast.clone()];
    let r = wait(&fs, None, ReturnWhen::FirstCompleted);
    assert!(!r.done.is_empty());
    let r = wait(
        &fs,
        Some(Duration::from_millis(20)),
        ReturnWhen::AllCompleted,
    );
    assert_eq!(r.not_done.len(), 1);
    let it: Vec<_> = as_completed(&fs, Some(Duration::from_millis(20))).collect();
    assert!(matches!(it.last(), Some(Err(FutureError::Timeout))));
    tx.send(()).unwrap();
    let r = wait(&fs, None, ReturnWhen::AllCompleted);
    assert_eq!(r.done.len(), 2);
    let bad = vec![ex.submit(|| -> bool { panic!("x") }).unwrap(), slow];
    let r = wait(&bad, None, ReturnWhen::FirstException);
    assert!(!r.done.is_empty());
}

#[test]
#[cfg_attr(
    all(target_arch = "wasm32", target_os = "unknown"),
    ignore = "spawns a std::thread, which the browser does not have"
)]
fn timer_fires_or_cancels() {
    let hits = Arc::new(AtomicUsize::new(0));
    let h = hits.clone();
    let t = Timer::start(Duration::from_secs(30), move || {
        h.fetch_add(1, SeqCst);
    })
    .unwrap();
    t.cancel();
    assert!(!t.join());
    let h = hits.clone();
    let t = Timer::start(Duration::from_millis(1), move || {
        h.fetch_add(1, SeqCst);
    })
    .unwrap();
    assert!(t.join());
    assert_eq!(hits.load(SeqCst), 1);
}

#[test]
#[cfg_attr(
    all(target_arch = "wasm32", target_os = "unknown"),
    ignore = "spawns a std::thread, which the browser does not have"
)]
fn local_is_per_thread() {
    let l = Arc::new(Local::new(|| AtomicUsize::new(0)));
    l.get().store(7, SeqCst);
    let l2 = l.clone();
    std::thread::spawn(move || {
        assert_eq!(l2.get().load(SeqCst), 0);
        l2.get().store(1, SeqCst);
    })
    .join()
    .unwrap();
    assert_eq!(l.get().load(SeqCst), 7);
}
