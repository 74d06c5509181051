//! Translations of `tests/python/q_*.py`.

use crate::{b, exc, strs};
use portalis_threading::py::queue::{LifoQueue, PriorityQueue, Queue, SimpleQueue};
use portalis_threading::py::threading::{Event, Lock, Thread};
use portalis_threading::py::PyThreadingError;
use std::sync::Arc;

type Shared<T> = Arc<portalis_threading::Mutex<T>>;
fn shared<T>(v: T) -> Shared<T> {
    Arc::new(portalis_threading::Mutex::new(v))
}

fn q_fifo_order() {
    let q = Queue::new(0);
    for i in 0..5 {
        q.put(i, true, None).unwrap();
    }
    let v: Vec<i32> = (0..5).map(|_| q.get(true, None).unwrap()).collect();
    println!("{v:?}");
}

fn q_lifo_order() {
    let q = LifoQueue::new(0);
    for i in 0..5 {
        q.put(i, true, None).unwrap();
    }
    let v: Vec<i32> = (0..5).map(|_| q.get(true, None).unwrap()).collect();
    println!("{v:?}");
}

fn q_priority_order() {
    let q = PriorityQueue::new(0);
    for p in [5, 1, 4, 2, 3, 1] {
        q.put(p, true, None).unwrap();
    }
    let v: Vec<i32> = (0..6).map(|_| q.get(true, None).unwrap()).collect();
    println!("{v:?}");
}

fn q_priority_tuples() {
    let q = PriorityQueue::new(0);
    for item in [(2, "b"), (1, "z"), (2, "a"), (0, "x")] {
        q.put(item, true, None).unwrap();
    }
    while !q.empty() {
        let (p, name) = q.get(true, None).unwrap();
        println!("{p} {name}");
    }
}

fn q_get_nowait_empty() {
    let q: Queue<i32> = Queue::new(0);
    if let Err(e) = q.get_nowait() {
        println!("{}", exc(&e));
    }
    if let Err(PyThreadingError::Empty) = q.get(false, None) {
        println!("Empty again");
    }
}

fn q_put_nowait_full() {
    let q = Queue::new(1);
    q.put_nowait(1).unwrap();
    if let Err(e) = q.put_nowait(2) {
        println!("{}", exc(&e));
    }
    println!("{}", q.qsize());
}

fn q_get_timeout_empty() {
    let q: Queue<i32> = Queue::new(0);
    if let Err(PyThreadingError::Empty) = q.get(true, Some(0.01)) {
        println!("Empty after timeout");
    }
}

fn q_put_timeout_full() {
    let q = Queue::new(1);
    q.put("a", true, None).unwrap();
    if let Err(PyThreadingError::Full) = q.put("b", true, Some(0.01)) {
        println!("Full after timeout");
    }
    println!("{}", q.get(true, None).unwrap());
}

fn q_qsize_empty_full() {
    let q = Queue::new(2);
    println!("{} {} {}", q.qsize(), b(q.empty()), b(q.full()));
    q.put(1, true, None).unwrap();
    println!("{} {} {}", q.qsize(), b(q.empty()), b(q.full()));
    q.put(2, true, None).unwrap();
    println!("{} {} {}", q.qsize(), b(q.empty()), b(q.full()));
    println!("{}", q.maxsize());
}

fn q_task_done_too_many() {
    let q = Queue::new(0);
    q.put(1, true, None).unwrap();
    q.get(true, None).unwrap();
    q.task_done().unwrap();
    if let Err(e) = q.task_done() {
        println!("{}", exc(&e));
    }
}

fn q_join_after_task_done() {
    let q: Queue<Option<i32>> = Queue::new(0);
    let done = shared(Vec::new());
    let (q2, d2) = (q.clone(), done.clone());
    let t = Thread::new(move || loop {
        match q2.get(true, None).unwrap() {
            None => {
                q2.task_done().unwrap();
                break;
            }
            Some(item) => {
                d2.lock().push(item * 2);
                q2.task_done().unwrap();
            }
        }
    });
    t.start().unwrap();
    for i in 0..5 {
        q.put(Some(i), true, None).unwrap();
    }
    q.put(None, true, None).unwrap();
    q.join();
    println!("{:?}", *done.lock());
    t.join(None).unwrap();
}

fn q_producer_consumer() {
    let q: Queue<Option<i64>> = Queue::new(3);
    let lock = Lock::new();
    let total = shared(0i64);
    let ps: Vec<Thread> = (0..4)
        .map(|k| {
            let q = q.clone();
            Thread::new(move || {
                for i in 0..100 {
                    q.put(Some(k * 1000 + i), true, None).unwrap();
                }
            })
        })
        .collect();
    let cs: Vec<Thread> = (0..4)
        .map(|_| {
            let (q, lock, total) = (q.clone(), lock.clone(), total.clone());
            Thread::new(move || {
                while let Some(item) = q.get(true, None).unwrap() {
                    let _with = lock.guard();
                    *total.lock() += item;
                }
            })
        })
        .collect();
    for t in ps.iter().chain(&cs) {
        t.start().unwrap();
    }
    for t in &ps {
        t.join(None).unwrap();
    }
    for _ in &cs {
        q.put(None, true, None).unwrap();
    }
    for t in &cs {
        t.join(None).unwrap();
    }
    println!("{}", *total.lock());
}

fn q_unbounded_never_full() {
    let q = Queue::new(0);
    for i in 0..1000 {
        q.put_nowait(i).unwrap();
    }
    println!("{} {}", b(q.full()), q.qsize());
    let q2 = Queue::new(-5);
    q2.put_nowait(1).unwrap();
    println!("{}", b(q2.full()));
}

fn q_negative_timeout() {
    let q: Queue<i32> = Queue::new(0);
    match q.get(true, Some(-1.0)) {
        Ok(_) => println!("no error"),
        Err(e) => println!("{}", exc(&e)),
    }
    match Queue::new(1).put(1, true, Some(-1.0)) {
        Ok(_) => println!("no error"),
        Err(e) => println!("{}", exc(&e)),
    }
    let q1 = Queue::new(1);
    q1.put(0, true, None).unwrap();
    if let Err(e) = q1.put(1, true, Some(-1.0)) {
        println!("{}", exc(&e));
    }
}

fn q_simplequeue_basic() {
    let q = SimpleQueue::new();
    for i in 0..3 {
        q.put(i);
    }
    println!("{} {}", q.qsize(), b(q.empty()));
    let v: Vec<i32> = (0..3).map(|_| q.get(true, None).unwrap()).collect();
    println!("{v:?}");
    println!("{}", b(q.empty()));
}

fn q_simplequeue_empty() {
    let q: SimpleQueue<i32> = SimpleQueue::new();
    if let Err(PyThreadingError::Empty) = q.get_nowait() {
        println!("Empty");
    }
    if let Err(PyThreadingError::Empty) = q.get(true, Some(0.01)) {
        println!("Empty after timeout");
    }
}

fn q_simplequeue_threads() {
    let q = SimpleQueue::new();
    let ts: Vec<Thread> = (0..4)
        .map(|k| {
            let q = q.clone();
            Thread::new(move || {
                for _ in 0..50 {
                    q.put(k);
                }
            })
        })
        .collect();
    for t in &ts {
        t.start().unwrap();
    }
    for t in &ts {
        t.join(None).unwrap();
    }
    let got: i32 = (0..200).map(|_| q.get(true, None).unwrap()).sum();
    println!("{} {}", got, b(q.empty()));
}

fn q_shutdown_get_raises() {
    let q = Queue::new(0);
    q.put(1, true, None).unwrap();
    q.shutdown(false);
    println!("{}", q.get(true, None).unwrap());
    if let Err(e) = q.get(true, None) {
        println!("{}", exc(&e));
    }
}

fn q_shutdown_put_raises() {
    let q: Queue<i32> = Queue::new(0);
    q.shutdown(false);
    if let Err(PyThreadingError::ShutDown) = q.put(1, true, None) {
        println!("ShutDown on put");
    }
    if let Err(PyThreadingError::ShutDown) = q.get_nowait() {
        println!("ShutDown on get");
    }
}

fn q_shutdown_immediate() {
    let q = Queue::new(0);
    for i in 0..3 {
        q.put(i, true, None).unwrap();
    }
    q.shutdown(true);
    println!("{}", q.qsize());
    q.join();
    println!("join returned");
    if let Err(PyThreadingError::ShutDown) = q.get(true, None) {
        println!("ShutDown");
    }
}

fn q_shutdown_wakes_getter() {
    let q: Queue<i32> = Queue::new(0);
    let out = shared(Vec::<String>::new());
    let started = Event::new();
    let (q2, o2, s2) = (q.clone(), out.clone(), started.clone());
    let t = Thread::new(move || {
        s2.set();
        if let Err(PyThreadingError::ShutDown) = q2.get(true, None) {
            o2.lock().push("getter woke with ShutDown".into());
        }
    });
    t.start().unwrap();
    started.wait(None);
    q.shutdown(false);
    t.join(None).unwrap();
    println!("{}", strs(&out.lock()));
}

fn q_shutdown_wakes_putter() {
    let q = Queue::new(1);
    q.put("x", true, None).unwrap();
    let out = shared(Vec::<String>::new());
    let (q2, o2) = (q.clone(), out.clone());
    let t = Thread::new(move || {
        if let Err(PyThreadingError::ShutDown) = q2.put("y", true, None) {
            o2.lock().push("putter woke with ShutDown".into());
        }
    });
    t.start().unwrap();
    q.shutdown(false);
    t.join(None).unwrap();
    println!("{} {}", strs(&out.lock()), q.get(true, None).unwrap());
}

fn q_lifo_threads() {
    let q = LifoQueue::new(0);
    let q2 = q.clone();
    let t = Thread::new(move || {
        for i in 0..10 {
            q2.put(i, true, None).unwrap();
        }
    });
    t.start().unwrap();
    t.join(None).unwrap();
    let v: Vec<i32> = (0..10).map(|_| q.get(true, None).unwrap()).collect();
    println!("{v:?}");
}

fn q_priority_strings() {
    let q = PriorityQueue::new(0);
    for w in ["pear", "apple", "fig", "banana"] {
        q.put(w, true, None).unwrap();
    }
    let v: Vec<&str> = (0..4).map(|_| q.get(true, None).unwrap()).collect();
    println!("{}", v.join(" "));
}

fn q_50_producers_50_consumers() {
    let q = Queue::new(0);
    let lock = Lock::new();
    let got = shared(Vec::new());
    let mut ts: Vec<Thread> = (0..50)
        .map(|k| {
            let q = q.clone();
            Thread::new(move || {
                for i in 0..20 {
                    q.put(k * 20 + i, true, None).unwrap();
                }
            })
        })
        .collect();
    ts.extend((0..50).map(|_| {
        let (q, lock, got) = (q.clone(), lock.clone(), got.clone());
        Thread::new(move || {
            for _ in 0..20 {
                let item = q.get(true, None).unwrap();
                {
                    let _with = lock.guard();
                    got.lock().push(item);
                }
                q.task_done().unwrap();
            }
        })
    }));
    for t in &ts {
        t.start().unwrap();
    }
    q.join();
    for t in &ts {
        t.join(None).unwrap();
    }
    let mut v = got.lock().clone();
    let n = v.len();
    v.sort();
    println!(
        "{} {} {}",
        n,
        b(v == (0..1000).collect::<Vec<_>>()),
        b(q.empty())
    );
}

fn q_blocked_put_released_by_get() {
    let q = Queue::new(1);
    let q2 = q.clone();
    let t = Thread::new(move || {
        for i in 0..5 {
            q2.put(i, true, None).unwrap();
        }
    });
    t.start().unwrap();
    let v: Vec<i32> = (0..5).map(|_| q.get(true, None).unwrap()).collect();
    println!("{v:?}");
    t.join(None).unwrap();
}

fn q_get_block_false_with_timeout_ignored() {
    let q = Queue::new(0);
    if let Err(PyThreadingError::Empty) = q.get(false, Some(5.0)) {
        println!("Empty at once");
    }
    q.put(3, true, None).unwrap();
    println!("{}", q.get(false, Some(5.0)).unwrap());
}

crate::scenarios! {
    q_fifo_order, q_lifo_order, q_priority_order, q_priority_tuples, q_get_nowait_empty,
    q_put_nowait_full, q_get_timeout_empty, q_put_timeout_full, q_qsize_empty_full,
    q_task_done_too_many, q_join_after_task_done, q_producer_consumer, q_unbounded_never_full,
    q_negative_timeout, q_simplequeue_basic, q_simplequeue_empty, q_simplequeue_threads,
    q_shutdown_get_raises, q_shutdown_put_raises, q_shutdown_immediate, q_shutdown_wakes_getter,
    q_shutdown_wakes_putter, q_lifo_threads, q_priority_strings, q_50_producers_50_consumers,
    q_blocked_put_released_by_get, q_get_block_false_with_timeout_ignored,
}
