//! Behaviours that CPython's own suites check (`Lib/test/lock_tests.py`, `test_queue.py`,
//! `test_thread.py`, `test_concurrent_futures/`), restated as Rust tests of `py::*` in our own
//! words. Each test names the CPython test it mirrors. Everything is ordered by joins, events
//! and barriers; where CPython's test sleeps to let threads block, these wait for an observable
//! state instead (`n_waiting`, a counter under the lock).
#![cfg(not(any(portalis_loom, portalis_shuttle)))] // `py` is not built under the model cfgs

use portalis_threading::py::concurrent::futures::{
    as_completed, wait, Future, ThreadPoolExecutor, ALL_COMPLETED, FIRST_COMPLETED,
};
use portalis_threading::py::queue::{LifoQueue, PriorityQueue, Queue};
use portalis_threading::py::threading::{
    self, Barrier, BoundedSemaphore, Condition, Event, Lock, RLock, Semaphore, Thread,
};
use portalis_threading::py::PyThreadingError;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;

fn run_threads(n: usize, f: impl Fn(usize) + Send + Sync + 'static) {
    let f = Arc::new(f);
    let ts: Vec<Thread> = (0..n)
        .map(|i| {
            let f = f.clone();
            Thread::new(move || f(i))
        })
        .collect();
    for t in &ts {
        t.start().unwrap();
    }
    for t in &ts {
        t.join(None).unwrap();
    }
}

// ---- lock_tests.py: BaseLockTests / LockTests

/// `test_try_acquire_contended`: a held lock cannot be taken without blocking from another
/// thread.
#[test]
fn lock_try_acquire_contended() {
    let l = Lock::new();
    l.acquire();
    let l2 = l.clone();
    let got = Arc::new(AtomicUsize::new(9));
    let g2 = got.clone();
    run_threads(1, move |_| {
        g2.store(usize::from(l2.acquire_with(false, -1.0).unwrap()), SeqCst)
    });
    assert_eq!(got.load(SeqCst), 0);
    l.release().unwrap();
}

/// `test_acquire_contended`: N threads block on a held lock; after the release every one gets
/// it in turn.
#[test]
fn lock_acquire_contended() {
    let l = Lock::new();
    l.acquire();
    let started = Arc::new(AtomicUsize::new(0));
    let finished = Arc::new(AtomicUsize::new(0));
    let (l2, s2, f2) = (l.clone(), started.clone(), finished.clone());
    let runner = Thread::new(move || {
        run_threads(5, move |_| {
            s2.fetch_add(1, SeqCst);
            l2.acquire();
            l2.release().unwrap();
            f2.fetch_add(1, SeqCst);
        })
    });
    runner.start().unwrap();
    while started.load(SeqCst) < 5 {
        std::thread::yield_now();
    }
    assert_eq!(finished.load(SeqCst), 0, "someone got a held lock");
    l.release().unwrap();
    runner.join(None).unwrap();
    assert_eq!(finished.load(SeqCst), 5);
}

/// `test_timeout`: a timed acquire of a held lock returns False; bad timeouts are
/// ValueError; a non-blocking call with a timeout is a ValueError.
#[test]
fn lock_timeout_rules() {
    let l = Lock::new();
    l.acquire();
    assert!(matches!(
        l.acquire_with(false, 1.0),
        Err(PyThreadingError::ValueError(_))
    ));
    assert!(matches!(
        l.acquire_with(true, -100.0),
        Err(PyThreadingError::ValueError(_))
    ));
    assert!(matches!(
        l.acquire_timeout(threading::TIMEOUT_MAX * 2.0),
        Err(PyThreadingError::OverflowError(_))
    ));
    assert!(!l.acquire_timeout(0.0).unwrap());
    assert!(!l.acquire_timeout(0.005).unwrap());
    // TIMEOUT_MAX itself is accepted (the lock is free, so it returns at once).
    l.release().unwrap();
    assert!(l.acquire_timeout(threading::TIMEOUT_MAX).unwrap());
}

/// `test_different_thread` (LockTests): a Lock may be released by a thread that did not
/// acquire it.
#[test]
fn lock_released_by_another_thread() {
    let l = Lock::new();
    let l2 = l.clone();
    run_threads(1, move |_| {
        l2.acquire();
    });
    assert!(l.locked());
    l.release().unwrap();
    assert!(!l.locked());
}

/// `test_state_after_timeout`: a timed-out acquire leaves the lock usable.
#[test]
fn lock_state_after_timeout() {
    let l = Lock::new();
    let l2 = l.clone();
    let e = Event::new();
    let e2 = e.clone();
    let holder = Thread::new(move || {
        l2.acquire();
        e2.wait(None);
        l2.release().unwrap();
    });
    holder.start().unwrap();
    while !l.locked() {
        std::thread::yield_now();
    }
    assert!(!l.acquire_timeout(0.01).unwrap());
    e.set();
    holder.join(None).unwrap();
    assert!(l.acquire_with(false, -1.0).unwrap());
    l.release().unwrap();
}

// ---- RLockTests

/// `test_release_unacquired`, `test_different_thread`, `test__is_owned`, `test_reacquire`.
#[test]
fn rlock_ownership() {
    let r = RLock::new();
    assert!(matches!(
        r.release(),
        Err(PyThreadingError::RuntimeError(_))
    ));
    assert!(!r.is_owned());
    r.acquire();
    r.acquire();
    assert!(r.is_owned());
    let r2 = r.clone();
    let seen = Arc::new(portalis_threading::Mutex::new(Vec::new()));
    let s2 = seen.clone();
    run_threads(1, move |_| {
        let mut s = s2.lock();
        s.push(r2.is_owned());
        s.push(r2.release().is_err());
        s.push(r2.acquire_with(false, -1.0).unwrap());
    });
    assert_eq!(*seen.lock(), [false, true, false]);
    r.release().unwrap();
    assert!(r.is_owned(), "one level still held");
    r.release().unwrap();
    assert!(!r.is_owned());
}

// ---- ConditionTests

/// `test_notify` (`_check_notify`): notify(1) wakes one waiter, notify(3) three more,
/// notify_all the rest; never more than asked.
#[test]
fn condition_notify_counts() {
    const N: usize = 5;
    let lock = Lock::new();
    let c = Condition::with_lock(lock.clone());
    let report = Condition::with_lock(lock);
    let state = Arc::new(portalis_threading::Mutex::new((0usize, 0usize)));
    let (c2, r2, s2) = (c.clone(), report.clone(), state.clone());
    let runner = Thread::new(move || {
        run_threads(N, move |_| {
            let _with = c2.guard();
            s2.lock().0 += 1;
            r2.notify_all().unwrap();
            c2.wait(None).unwrap();
            s2.lock().1 += 1;
            r2.notify_all().unwrap();
        })
    });
    runner.start().unwrap();
    let _with = c.guard();
    report.wait_for(|| state.lock().0 == N, None).unwrap();
    c.notify(1).unwrap();
    report.wait_for(|| state.lock().1 >= 1, None).unwrap();
    assert_eq!(state.lock().1, 1);
    c.notify(3).unwrap();
    report.wait_for(|| state.lock().1 >= 4, None).unwrap();
    assert_eq!(state.lock().1, 4);
    c.notify_all().unwrap();
    report.wait_for(|| state.lock().1 == N, None).unwrap();
    drop(_with);
    runner.join(None).unwrap();
}

/// `test_unacquired_wait`, `test_unacquired_notify`, `test_timeout`, `test_waitfor_timeout`.
#[test]
fn condition_errors_and_timeouts() {
    for c in [Condition::new(), Condition::with_lock(Lock::new())] {
        assert!(matches!(
            c.wait(Some(0.0)),
            Err(PyThreadingError::RuntimeError(_))
        ));
        assert!(matches!(
            c.notify(1),
            Err(PyThreadingError::RuntimeError(_))
        ));
        let _with = c.guard();
        assert!(!c.wait(Some(0.005)).unwrap());
        assert!(!c.wait_for(|| false, Some(0.005)).unwrap());
        assert!(c.wait_for(|| true, None).unwrap());
    }
}

// ---- SemaphoreTests / BoundedSemaphoreTests

/// `test_constructor`, `test_multirelease`, `test_try_acquire`, `test_release_unacquired`.
#[test]
fn semaphore_rules() {
    assert!(matches!(
        Semaphore::new(-1),
        Err(PyThreadingError::ValueError(_))
    ));
    let s = Semaphore::new(0).unwrap();
    s.release(3).unwrap();
    assert_eq!(s.value(), 3);
    assert!(matches!(s.release(0), Err(PyThreadingError::ValueError(_))));
    let b = BoundedSemaphore::new(2).unwrap();
    assert!(matches!(b.release(1), Err(PyThreadingError::ValueError(_))));
    assert_eq!(b.value(), 2, "a failed release changes nothing");
    assert!(b.acquire_with(false, None).unwrap());
    assert!(b.acquire_with(false, None).unwrap());
    assert!(!b.acquire_with(false, None).unwrap());
    assert!(!b.acquire_with(true, Some(0.005)).unwrap());
}

/// `test_acquire_contended` (SemaphoreTests): at most `value` threads inside at once, and
/// all of them get through.
#[test]
fn semaphore_limits_concurrency() {
    let s = Semaphore::new(3).unwrap();
    let inside = Arc::new(AtomicUsize::new(0));
    let max = Arc::new(AtomicUsize::new(0));
    let done = Arc::new(AtomicUsize::new(0));
    let (i2, m2, d2) = (inside.clone(), max.clone(), done.clone());
    run_threads(10, move |_| {
        let _with = s.guard();
        let now = i2.fetch_add(1, SeqCst) + 1;
        m2.fetch_max(now, SeqCst);
        std::thread::yield_now();
        i2.fetch_sub(1, SeqCst);
        d2.fetch_add(1, SeqCst);
    });
    assert!(max.load(SeqCst) <= 3);
    assert_eq!(done.load(SeqCst), 10);
}

// ---- BarrierTests

/// `test_barrier` / `test_wait_return`: every party of each round gets a distinct index.
#[test]
fn barrier_rounds_and_indices() {
    const N: usize = 5;
    let b = Barrier::new(N as u32).unwrap();
    let seen = Arc::new(portalis_threading::Mutex::new(Vec::new()));
    let (b2, s2) = (b.clone(), seen.clone());
    run_threads(N, move |_| {
        for _ in 0..3 {
            let i = b2.wait(None).unwrap();
            s2.lock().push(i);
        }
    });
    let mut v = seen.lock().clone();
    v.sort_unstable();
    assert_eq!(v, (0..N as u32).flat_map(|i| [i; 3]).collect::<Vec<_>>());
    assert_eq!(b.n_waiting(), 0);
    assert!(!b.broken());
}

/// `test_abort` and `test_abort_and_reset`: one party aborts in round two, every other party
/// gets BrokenBarrierError; after a reset the barrier works again for everyone.
#[test]
fn barrier_abort_then_reset() {
    const N: usize = 5;
    let b = Barrier::new(N as u32).unwrap();
    let b2 = Barrier::new(N as u32).unwrap();
    let broken = Arc::new(AtomicUsize::new(0));
    let passed = Arc::new(AtomicUsize::new(0));
    let after = Arc::new(AtomicUsize::new(0));
    let (bb, bb2, br, pa, af) = (
        b.clone(),
        b2.clone(),
        broken.clone(),
        passed.clone(),
        after.clone(),
    );
    run_threads(N, move |_| {
        match bb.wait(None) {
            Ok(i) if i == (N / 2) as u32 => bb.abort(),
            Ok(_) => match bb.wait(None) {
                Ok(_) => {
                    pa.fetch_add(1, SeqCst);
                }
                Err(PyThreadingError::BrokenBarrierError) => {
                    br.fetch_add(1, SeqCst);
                }
                Err(e) => panic!("{e:?}"),
            },
            // The abort can land while this party is still leaving round one (CPython's
            // barrier has the same window); CPython's test counts it as broken too.
            Err(PyThreadingError::BrokenBarrierError) => {
                br.fetch_add(1, SeqCst);
            }
            Err(e) => panic!("{e:?}"),
        }
        if bb2.wait(None).unwrap() == (N / 2) as u32 {
            bb.reset();
        }
        bb2.wait(None).unwrap();
        bb.wait(None).unwrap();
        af.fetch_add(1, SeqCst);
    });
    assert_eq!(passed.load(SeqCst), 0);
    assert_eq!(broken.load(SeqCst), N - 1);
    assert_eq!(after.load(SeqCst), N);
}

/// `test_reset`: a reset while parties wait breaks their wait; the barrier is usable after.
#[test]
fn barrier_reset_frees_waiters() {
    const N: usize = 3;
    let b = Barrier::new(N as u32).unwrap();
    let broken = Arc::new(AtomicUsize::new(0));
    let (b2, br) = (b.clone(), broken.clone());
    let runner = Thread::new(move || {
        run_threads(N - 1, move |_| {
            if let Err(PyThreadingError::BrokenBarrierError) = b2.wait(None) {
                br.fetch_add(1, SeqCst);
            }
        })
    });
    runner.start().unwrap();
    while b.n_waiting() < (N - 1) as u32 {
        std::thread::yield_now();
    }
    b.reset();
    runner.join(None).unwrap();
    assert_eq!(broken.load(SeqCst), N - 1);
    assert!(!b.broken());
}

/// `test_timeout`, `test_default_timeout`, `test_single_thread`.
#[test]
fn barrier_timeouts_and_single_thread() {
    let b = Barrier::new(2).unwrap();
    assert_eq!(
        b.wait(Some(0.005)),
        Err(PyThreadingError::BrokenBarrierError)
    );
    assert!(b.broken());
    let d = Barrier::with_action(2, None, Some(0.005)).unwrap();
    assert_eq!(d.wait(None), Err(PyThreadingError::BrokenBarrierError));
    let one = Barrier::new(1).unwrap();
    assert_eq!(one.wait(None), Ok(0));
    assert_eq!(one.wait(None), Ok(0));
}

// ---- test_queue.py

/// `BaseQueueTestMixin.simple_queue_test`: FIFO, LIFO and priority orders; full/empty.
#[test]
fn queue_orders() {
    let items = [111, 333, 222];
    let fifo = Queue::new(3);
    let lifo = LifoQueue::new(3);
    let prio = PriorityQueue::new(3);
    for x in items {
        fifo.put(x, true, None).unwrap();
        lifo.put(x, true, None).unwrap();
        prio.put(x, true, None).unwrap();
    }
    assert!(fifo.full() && lifo.full() && prio.full());
    assert_eq!(fifo.put_nowait(1), Err(PyThreadingError::Full));
    let drain = |f: &dyn Fn() -> i32| (0..3).map(|_| f()).collect::<Vec<_>>();
    assert_eq!(drain(&|| fifo.get_nowait().unwrap()), [111, 333, 222]);
    assert_eq!(drain(&|| lifo.get_nowait().unwrap()), [222, 333, 111]);
    assert_eq!(drain(&|| prio.get_nowait().unwrap()), [111, 222, 333]);
    assert_eq!(fifo.get_nowait(), Err(PyThreadingError::Empty));
    assert_eq!(fifo.get(true, Some(0.005)), Err(PyThreadingError::Empty));
}

/// `test_queue_task_done` / `test_queue_join`: join returns once every put item was marked
/// done by the workers; one task_done too many is a ValueError.
#[test]
fn queue_task_done_and_join() {
    let q: Queue<Option<u64>> = Queue::new(0);
    let sum = Arc::new(AtomicUsize::new(0));
    let (q2, s2) = (q.clone(), sum.clone());
    let workers = Thread::new(move || {
        run_threads(2, move |_| {
            while let Some(x) = q2.get(true, None).unwrap() {
                s2.fetch_add(x as usize, SeqCst);
                q2.task_done().unwrap();
            }
            q2.task_done().unwrap();
        })
    });
    workers.start().unwrap();
    for round in 0..2 {
        for i in 0..100 {
            q.put(Some(i), true, None).unwrap();
        }
        q.join();
        assert_eq!(sum.load(SeqCst), 4950 * (round + 1));
    }
    q.put(None, true, None).unwrap();
    q.put(None, true, None).unwrap();
    q.join();
    workers.join(None).unwrap();
    assert!(matches!(
        q.task_done(),
        Err(PyThreadingError::ValueError(_))
    ));
}

/// The stress shape: 50 producers × 50 consumers through one Queue, nothing lost or
/// duplicated.
#[test]
fn queue_50_producers_50_consumers() {
    const P: u64 = 50;
    const PER: u64 = if cfg!(miri) { 2 } else { 200 };
    let q = Queue::new(10);
    let got = Arc::new(portalis_threading::Mutex::new(Vec::new()));
    let (q2, g2) = (q.clone(), got.clone());
    run_threads(2 * P as usize, move |i| {
        if (i as u64) < P {
            for k in 0..PER {
                q2.put(i as u64 * PER + k, true, None).unwrap();
            }
        } else {
            for _ in 0..PER {
                let x = q2.get(true, None).unwrap();
                g2.lock().push(x);
            }
        }
    });
    let mut v = got.lock().clone();
    v.sort_unstable();
    assert_eq!(v, (0..P * PER).collect::<Vec<_>>());
    assert!(q.empty());
}

/// `test_shutdown_*` (3.13): blocked getters and putters wake with ShutDown; a plain
/// shutdown lets gets drain the queue first; `immediate` drops items and releases join.
#[test]
fn queue_shutdown() {
    let q: Queue<i32> = Queue::new(1);
    q.put(1, true, None).unwrap();
    let q2 = q.clone();
    let putter = Thread::new(move || {
        assert_eq!(q2.put(2, true, None), Err(PyThreadingError::ShutDown));
    });
    putter.start().unwrap();
    q.shutdown(false);
    putter.join(None).unwrap();
    assert_eq!(q.get(true, None), Ok(1));
    assert_eq!(q.get(true, None), Err(PyThreadingError::ShutDown));

    let q: Queue<i32> = Queue::new(0);
    let q2 = q.clone();
    let getter = Thread::new(move || {
        assert_eq!(q2.get(true, None), Err(PyThreadingError::ShutDown));
    });
    getter.start().unwrap();
    q.shutdown(false);
    getter.join(None).unwrap();

    let q: Queue<i32> = Queue::new(0);
    for i in 0..3 {
        q.put(i, true, None).unwrap();
    }
    q.shutdown(true);
    assert_eq!(q.qsize(), 0);
    q.join(); // returns: immediate shutdown marked the dropped items done
    assert_eq!(q.get(false, None), Err(PyThreadingError::ShutDown));
}

// ---- test_thread.py / test_threading.py

/// `test_starting_threads` / `test_various_ops`: threads run, get distinct idents, and are
/// no longer alive after join; stack_size validates its argument.
#[test]
fn threads_start_and_finish() {
    let idents = Arc::new(portalis_threading::Mutex::new(Vec::new()));
    let i2 = idents.clone();
    run_threads(10, move |_| i2.lock().push(threading::get_ident()));
    let mut v = idents.lock().clone();
    v.sort_unstable();
    v.dedup();
    assert_eq!(v.len(), 10);
    assert!(!v.contains(&threading::get_ident()));
    assert!(matches!(
        threading::stack_size(Some(4096)),
        Err(PyThreadingError::ValueError(_))
    ));
}

// ---- test_concurrent_futures

/// `test_future.py`: state transitions and errors of a bare Future, including the
/// InvalidStateError of a second `set_result` and callbacks that run once.
#[test]
fn future_states() {
    let f: Future<i32> = Future::new();
    assert!(!f.done() && !f.running() && !f.cancelled());
    assert!(matches!(
        f.result(Some(0.0)),
        Err(PyThreadingError::TimeoutError(_))
    ));
    let calls = Arc::new(AtomicUsize::new(0));
    let c2 = calls.clone();
    f.add_done_callback(move |_| {
        c2.fetch_add(1, SeqCst);
    });
    f.set_result(5).unwrap();
    assert_eq!(calls.load(SeqCst), 1);
    assert!(matches!(
        f.set_result(6),
        Err(PyThreadingError::InvalidStateError(_))
    ));
    assert!(!f.cancel());
    assert_eq!(f.result(None), Ok(5));
    let c3 = calls.clone();
    f.add_done_callback(move |_| {
        c3.fetch_add(1, SeqCst);
    });
    assert_eq!(
        calls.load(SeqCst),
        2,
        "a callback on a done future runs at once"
    );

    let g: Future<i32> = Future::new();
    assert!(g.cancel());
    assert_eq!(g.result(None), Err(PyThreadingError::CancelledError));
    assert_eq!(g.exception(None), Err(PyThreadingError::CancelledError));
    assert!(matches!(
        g.set_result(1),
        Err(PyThreadingError::InvalidStateError(_))
    ));
}

/// `test_done_callback_raises`: a callback that panics does not stop the others.
#[test]
fn future_callback_panic_does_not_stop_others() {
    let f: Future<i32> = Future::new();
    let ran = Arc::new(AtomicUsize::new(0));
    f.add_done_callback(|_| panic!("doh!"));
    let r2 = ran.clone();
    f.add_done_callback(move |_| {
        r2.fetch_add(1, SeqCst);
    });
    f.set_result(5).unwrap();
    assert_eq!(ran.load(SeqCst), 1);
}

/// `test_shutdown.py::test_cancel_futures` and executor shutdown with pending work:
/// `shutdown(wait=True)` runs everything queued; `cancel_futures` cancels what had not started.
#[test]
fn executor_shutdown_with_pending_work() {
    let ex = ThreadPoolExecutor::new(Some(2)).unwrap();
    let ran = Arc::new(AtomicUsize::new(0));
    for _ in 0..50 {
        let r = ran.clone();
        ex.submit(move || {
            r.fetch_add(1, SeqCst);
            Ok(())
        })
        .unwrap();
    }
    ex.shutdown(true, false);
    assert_eq!(ran.load(SeqCst), 50);
    assert!(matches!(
        ex.submit(|| Ok(())),
        Err(PyThreadingError::RuntimeError(_))
    ));

    let ex = ThreadPoolExecutor::new(Some(1)).unwrap();
    let (gate, started) = (Event::new(), Event::new());
    let (g2, s2) = (gate.clone(), started.clone());
    let first = ex
        .submit(move || {
            s2.set();
            g2.wait(None);
            Ok(1)
        })
        .unwrap();
    started.wait(None);
    let rest: Vec<Future<i32>> = (0..10).map(|i| ex.submit(move || Ok(i)).unwrap()).collect();
    ex.shutdown(false, true);
    gate.set();
    assert_eq!(first.result(None), Ok(1));
    assert!(rest.iter().all(Future::cancelled));
}

/// `test_wait.py` / `test_as_completed.py`: return_when, timeouts, and the timeout message.
#[test]
fn wait_and_as_completed() {
    let ex = ThreadPoolExecutor::new(Some(2)).unwrap();
    let gate = Event::new();
    let g2 = gate.clone();
    let slow = ex.submit(move || Ok(g2.wait(None))).unwrap();
    let fast = ex.submit(|| Ok(true)).unwrap();
    let fs = [slow.clone(), fast.clone()];
    let r = wait(&fs, None, FIRST_COMPLETED);
    assert_eq!((r.done.len(), r.not_done.len()), (1, 1));
    let r = wait(&fs, Some(0.005), ALL_COMPLETED);
    assert_eq!(r.not_done.len(), 1);
    let mut it = as_completed(&fs, Some(0.01));
    assert!(it.next().unwrap().unwrap().done());
    match it.next() {
        Some(Err(PyThreadingError::TimeoutError(m))) => {
            assert_eq!(m, "1 (of 2) futures unfinished")
        }
        other => panic!("{other:?}"),
    }
    assert!(it.next().is_none());
    gate.set();
    assert_eq!(as_completed(&fs, None).count(), 2);
}

/// `test_map_timeout` (executor map): a timeout ends the iteration with TimeoutError and
/// cancels what had not started.
#[test]
fn map_timeout_cancels_the_rest() {
    let ex = ThreadPoolExecutor::new(Some(1)).unwrap();
    let gate = Event::new();
    let g2 = gate.clone();
    let mut it = ex
        .map(
            move |i: i32| {
                if i == 0 {
                    g2.wait(None);
                }
                Ok(i)
            },
            0..5,
            Some(0.01),
        )
        .unwrap();
    assert!(matches!(
        it.next(),
        Some(Err(PyThreadingError::TimeoutError(_)))
    ));
    gate.set();
    drop(it);
    ex.shutdown(true, false);
}
