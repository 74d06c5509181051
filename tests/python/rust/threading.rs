//! Translations of `tests/python/th_*.py`.

use crate::{b, bools, exc, strs};
use portalis_threading::py::threading::{
    self as threading, Barrier, BoundedSemaphore, Condition, Event, Local, Lock, RLock, Semaphore,
    Thread, Timer,
};
use portalis_threading::py::PyThreadingError;
use std::cell::RefCell;
use std::sync::Arc;

type Shared<T> = Arc<portalis_threading::Mutex<T>>;
fn shared<T>(v: T) -> Shared<T> {
    Arc::new(portalis_threading::Mutex::new(v))
}

fn start_all(ts: &[Thread]) {
    for t in ts {
        t.start().unwrap();
    }
}
fn join_all(ts: &[Thread]) {
    for t in ts {
        t.join(None).unwrap();
    }
}

fn th_lock_basic() {
    let l = Lock::new();
    println!("{}", b(l.locked()));
    println!("{}", b(l.acquire()));
    println!("{}", b(l.locked()));
    l.release().unwrap();
    println!("{}", b(l.locked()));
}

fn th_lock_release_unlocked() {
    let l = Lock::new();
    if let Err(e) = l.release() {
        println!("{}", exc(&e));
    }
}

fn th_lock_nonblocking() {
    let l = Lock::new();
    l.acquire();
    println!("{}", b(l.acquire_with(false, -1.0).unwrap()));
    println!("{}", b(l.acquire_with(false, -1.0).unwrap()));
    l.release().unwrap();
    println!("{}", b(l.acquire_with(false, -1.0).unwrap()));
}

fn th_lock_timeout_zero() {
    let l = Lock::new();
    l.acquire();
    println!("{}", b(l.acquire_timeout(0.0).unwrap()));
}

fn th_lock_timeout_expires() {
    let l = Lock::new();
    l.acquire();
    println!("{}", b(l.acquire_timeout(0.01).unwrap()));
    println!("{}", b(l.locked()));
}

fn th_lock_timeout_nonblocking_error() {
    let l = Lock::new();
    if let Err(e) = l.acquire_with(false, 1.0) {
        println!("{}", exc(&e));
    }
}

fn th_lock_negative_timeout() {
    let l = Lock::new();
    if let Err(e) = l.acquire_with(true, -2.0) {
        println!("{}", exc(&e));
    }
    println!("{}", b(l.acquire_with(true, -1.0).unwrap()));
}

fn th_lock_timeout_overflow() {
    let l = Lock::new();
    if let Err(e) = l.acquire_timeout(1e10) {
        println!("{}", exc(&e));
    }
}

fn th_lock_release_other_thread() {
    let l = Lock::new();
    let l2 = l.clone();
    let t = Thread::new(move || {
        l2.acquire();
    });
    t.start().unwrap();
    t.join(None).unwrap();
    println!("{}", b(l.locked()));
    l.release().unwrap();
    println!("{}", b(l.locked()));
}

fn th_lock_counter() {
    let l = Lock::new();
    let count = shared(0u64);
    let ts: Vec<Thread> = (0..4)
        .map(|_| {
            let (l, count) = (l.clone(), count.clone());
            Thread::new(move || {
                for _ in 0..1000 {
                    let _with = l.guard();
                    *count.lock() += 1;
                }
            })
        })
        .collect();
    start_all(&ts);
    join_all(&ts);
    println!("{}", *count.lock());
}

fn th_lock_with() {
    let l = Lock::new();
    {
        let _with = l.guard();
        println!("{}", b(l.locked()));
    }
    println!("{}", b(l.locked()));
}

fn th_lock_handoff() {
    let l = Lock::new();
    l.acquire();
    let out = shared(Vec::<String>::new());
    let (l2, out2) = (l.clone(), out.clone());
    let t = Thread::new(move || {
        l2.acquire();
        out2.lock().push("got it".into());
    });
    t.start().unwrap();
    l.release().unwrap();
    t.join(None).unwrap();
    println!("{}", strs(&out.lock()));
    println!("{}", b(l.locked()));
}

fn th_rlock_reentrant() {
    let r = RLock::new();
    for _ in 0..3 {
        println!("{}", b(r.acquire()));
    }
    for _ in 0..3 {
        r.release().unwrap();
    }
    if let Err(e) = r.release() {
        println!("{}", exc(&e));
    }
}

fn th_rlock_release_unowned() {
    let r = RLock::new();
    if let Err(e) = r.release() {
        println!("{}", exc(&e));
    }
}

fn th_rlock_other_thread_release() {
    let r = RLock::new();
    r.acquire();
    let res = shared(Vec::<String>::new());
    let (r2, res2) = (r.clone(), res.clone());
    let t = Thread::new(move || {
        if let Err(e) = r2.release() {
            res2.lock().push(format!("'{}'", exc(&e)));
        }
        res2.lock()
            .push(b(r2.acquire_with(false, -1.0).unwrap()).into());
    });
    t.start().unwrap();
    t.join(None).unwrap();
    println!("[{}]", res.lock().join(", "));
    r.release().unwrap();
}

fn th_rlock_with_nested() {
    let r = RLock::new();
    {
        let _a = r.guard();
        {
            let _b = r.guard();
            println!("inside twice");
        }
        println!("inside once");
    }
    let r2 = r.clone();
    let t = Thread::new(move || {
        println!("{}", b(r2.acquire_with(false, -1.0).unwrap()));
        r2.release().unwrap();
    });
    t.start().unwrap();
    t.join(None).unwrap();
}

fn th_condition_producer_consumer() {
    let c = Condition::new();
    let items = shared(Vec::<i32>::new());
    let (c2, items2) = (c.clone(), items.clone());
    let t = Thread::new(move || {
        let _with = c2.guard();
        c2.wait_for(|| items2.lock().len() == 3, None).unwrap();
        println!("consumer saw {}", items2.lock().len());
    });
    t.start().unwrap();
    for i in 0..3 {
        let _with = c.guard();
        items.lock().push(i);
        c.notify(1).unwrap();
    }
    t.join(None).unwrap();
}

fn th_condition_wait_unacquired() {
    let c = Condition::new();
    if let Err(e) = c.wait(None) {
        println!("{}", exc(&e));
    }
}

fn th_condition_notify_unacquired() {
    let c = Condition::new();
    if let Err(e) = c.notify(1) {
        println!("{}", exc(&e));
    }
    if let Err(e) = c.notify_all() {
        println!("{}", exc(&e));
    }
}

fn th_condition_wait_timeout() {
    let c = Condition::new();
    let _with = c.guard();
    println!("{}", b(c.wait(Some(0.01)).unwrap()));
}

fn th_condition_wait_for_timeout() {
    let c = Condition::new();
    let _with = c.guard();
    println!("{}", b(c.wait_for(|| false, Some(0.01)).unwrap()));
    println!("{}", b(c.wait_for(|| true, Some(0.01)).unwrap()));
}

fn th_condition_notify_n() {
    let lock = Lock::new();
    let c = Condition::with_lock(lock.clone());
    let report = Condition::with_lock(lock);
    let state = shared((0, 0)); // (waiting, woken)
    let ts: Vec<Thread> = (0..5)
        .map(|_| {
            let (c, report, state) = (c.clone(), report.clone(), state.clone());
            Thread::new(move || {
                let _with = c.guard();
                state.lock().0 += 1;
                report.notify(1).unwrap();
                c.wait(None).unwrap();
                state.lock().1 += 1;
                report.notify(1).unwrap();
            })
        })
        .collect();
    start_all(&ts);
    {
        let _with = c.guard();
        report.wait_for(|| state.lock().0 == 5, None).unwrap();
        c.notify(2).unwrap();
        report.wait_for(|| state.lock().1 >= 2, None).unwrap();
        println!("woken {}", state.lock().1);
        c.notify(3).unwrap();
        report.wait_for(|| state.lock().1 == 5, None).unwrap();
        println!("woken {}", state.lock().1);
    }
    join_all(&ts);
}

fn th_condition_with_lock() {
    let c = Condition::with_lock(Lock::new());
    let boxed = shared(Vec::<i32>::new());
    let t;
    {
        let _with = c.guard();
        let (c2, box2) = (c.clone(), boxed.clone());
        t = Thread::new(move || {
            let _with = c2.guard();
            box2.lock().push(42);
            c2.notify(1).unwrap();
        });
        t.start().unwrap();
        c.wait_for(|| !boxed.lock().is_empty(), None).unwrap();
        println!("{:?}", *boxed.lock());
    }
    t.join(None).unwrap();
}

fn th_condition_notify_all() {
    let c = Condition::new();
    let state = shared((false, 0, 0)); // ready, waiting, done
    let ts: Vec<Thread> = (0..4)
        .map(|_| {
            let (c, state) = (c.clone(), state.clone());
            Thread::new(move || {
                let _with = c.guard();
                state.lock().1 += 1;
                c.notify_all().unwrap();
                c.wait_for(|| state.lock().0, None).unwrap();
                state.lock().2 += 1;
            })
        })
        .collect();
    start_all(&ts);
    {
        let _with = c.guard();
        c.wait_for(|| state.lock().1 == 4, None).unwrap();
        state.lock().0 = true;
        c.notify_all().unwrap();
    }
    join_all(&ts);
    println!("{}", state.lock().2);
}

fn th_condition_rlock_depth() {
    let r = RLock::new();
    let c = Condition::with_rlock(r.clone());
    let flag = shared(Vec::<i32>::new());
    let t;
    {
        let _a = r.guard();
        {
            let _b = r.guard();
            let (c2, f2) = (c.clone(), flag.clone());
            t = Thread::new(move || {
                let _with = c2.guard();
                f2.lock().push(1);
                c2.notify(1).unwrap();
            });
            t.start().unwrap();
            let ok = c.wait_for(|| !flag.lock().is_empty(), None).unwrap();
            // Python prints the predicate's value, the (truthy) list.
            assert!(ok);
            println!("{:?}", *flag.lock());
        }
        println!("depth one");
    }
    t.join(None).unwrap();
    println!("{}", b(r.acquire_with(false, -1.0).unwrap()));
    r.release().unwrap();
}

fn th_semaphore_basic() {
    let s = Semaphore::new(2).unwrap();
    println!("{}", b(s.acquire()));
    println!("{}", b(s.acquire()));
    println!("{}", b(s.acquire_with(false, None).unwrap()));
    s.release(1).unwrap();
    println!("{}", b(s.acquire_with(false, None).unwrap()));
}

fn th_semaphore_negative() {
    if let Err(e) = Semaphore::new(-1) {
        println!("{}", exc(&e));
    }
}

fn th_semaphore_release_n() {
    let s = Semaphore::new(0).unwrap();
    s.release(3).unwrap();
    let v: Vec<bool> = (0..4)
        .map(|_| s.acquire_with(false, None).unwrap())
        .collect();
    println!("{}", bools(&v));
}

fn th_semaphore_release_zero() {
    let s = Semaphore::new(1).unwrap();
    if let Err(e) = s.release(0) {
        println!("{}", exc(&e));
    }
}

fn th_semaphore_nonblocking_timeout() {
    let s = Semaphore::new(1).unwrap();
    if let Err(e) = s.acquire_with(false, Some(1.0)) {
        println!("{}", exc(&e));
    }
}

fn th_semaphore_timeout() {
    let s = Semaphore::new(0).unwrap();
    println!("{}", b(s.acquire_with(true, Some(0.01)).unwrap()));
    println!("{}", b(s.acquire_with(true, Some(0.0)).unwrap()));
}

fn th_bounded_over_release() {
    let s = BoundedSemaphore::new(2).unwrap();
    s.acquire();
    s.release(1).unwrap();
    if let Err(e) = s.release(1) {
        println!("{}", exc(&e));
    }
    let a = s.acquire_with(false, None).unwrap();
    let b2 = s.acquire_with(false, None).unwrap();
    let c = s.acquire_with(false, None).unwrap();
    println!("{} {} {}", b(a), b(b2), b(c));
}

fn th_bounded_release_n_too_many() {
    let s = BoundedSemaphore::new(3).unwrap();
    s.acquire();
    if let Err(e) = s.release(2) {
        println!("{}", exc(&e));
    }
    s.release(1).unwrap();
    println!("ok");
}

fn th_semaphore_limits_concurrency() {
    let s = Semaphore::new(3).unwrap();
    let guard = Lock::new();
    let state = shared((0i32, 0i32, 0i32)); // now, max, total
    let ts: Vec<Thread> = (0..10)
        .map(|_| {
            let (s, guard, state) = (s.clone(), guard.clone(), state.clone());
            Thread::new(move || {
                let _with = s.guard();
                {
                    let _g = guard.guard();
                    let mut st = state.lock();
                    st.0 += 1;
                    st.1 = st.1.max(st.0);
                    st.2 += 1;
                }
                let _g = guard.guard();
                state.lock().0 -= 1;
            })
        })
        .collect();
    start_all(&ts);
    join_all(&ts);
    let st = *state.lock();
    println!("{} {} {}", b(st.1 <= 3), st.2, st.0);
}

fn th_event_basic() {
    let e = Event::new();
    println!("{}", b(e.is_set()));
    e.set();
    println!(
        "{} {} {}",
        b(e.is_set()),
        b(e.wait(None)),
        b(e.wait(Some(0.0)))
    );
    e.clear();
    println!("{} {}", b(e.is_set()), b(e.wait(Some(0.0))));
}

fn th_event_threads() {
    let e = Event::new();
    let lock = Lock::new();
    let count = shared(0);
    let ts: Vec<Thread> = (0..5)
        .map(|_| {
            let (e, lock, count) = (e.clone(), lock.clone(), count.clone());
            Thread::new(move || {
                e.wait(None);
                let _with = lock.guard();
                *count.lock() += 1;
            })
        })
        .collect();
    start_all(&ts);
    e.set();
    join_all(&ts);
    println!("{}", *count.lock());
}

fn th_event_wait_timeout() {
    let e = Event::new();
    println!("{}", b(e.wait(Some(0.01))));
    println!("{}", b(e.wait(Some(0.0))));
}

fn th_barrier_basic() {
    let bar = Barrier::new(3).unwrap();
    let lock = Lock::new();
    let idx = shared(Vec::new());
    let ts: Vec<Thread> = (0..3)
        .map(|_| {
            let (bar, lock, idx) = (bar.clone(), lock.clone(), idx.clone());
            Thread::new(move || {
                let i = bar.wait(None).unwrap();
                let _with = lock.guard();
                idx.lock().push(i);
            })
        })
        .collect();
    start_all(&ts);
    join_all(&ts);
    let mut v = idx.lock().clone();
    v.sort();
    println!("{v:?}");
    println!("{} {} {}", bar.parties(), bar.n_waiting(), b(bar.broken()));
}

fn th_barrier_action() {
    let runs = shared(Vec::<&str>::new());
    let r2 = runs.clone();
    let bar =
        Barrier::with_action(2, Some(Box::new(move || r2.lock().push("action"))), None).unwrap();
    let party = {
        let bar = bar.clone();
        move || {
            for _ in 0..3 {
                bar.wait(None).unwrap();
            }
        }
    };
    let t = Thread::new(party.clone());
    t.start().unwrap();
    party();
    t.join(None).unwrap();
    println!("{}", runs.lock().len());
}

fn th_barrier_abort() {
    let bar = Barrier::new(2).unwrap();
    bar.abort();
    println!("{}", b(bar.broken()));
    if let Err(e) = bar.wait(None) {
        println!("{}", exc(&e));
    }
}

fn th_barrier_timeout() {
    let bar = Barrier::new(2).unwrap();
    if let Err(e) = bar.wait(Some(0.01)) {
        println!("{}", exc(&e));
    }
    println!("{}", b(bar.broken()));
}

fn th_barrier_reset() {
    let bar = Barrier::new(2).unwrap();
    bar.abort();
    bar.reset();
    println!("{}", b(bar.broken()));
    let b2 = bar.clone();
    let t = Thread::new(move || {
        b2.wait(None).unwrap();
    });
    t.start().unwrap();
    bar.wait(None).unwrap();
    t.join(None).unwrap();
    println!("passed {}", b(bar.broken()));
}

fn th_barrier_abort_wakes_waiter() {
    let bar = Barrier::new(3).unwrap();
    let out = shared(Vec::<String>::new());
    let (b2, o2) = (bar.clone(), out.clone());
    let t = Thread::new(move || {
        if let Err(PyThreadingError::BrokenBarrierError) = b2.wait(None) {
            o2.lock().push("broken".into());
        }
    });
    t.start().unwrap();
    while bar.n_waiting() < 1 {
        std::thread::yield_now();
    }
    bar.abort();
    t.join(None).unwrap();
    println!("{} {}", strs(&out.lock()), b(bar.broken()));
}

fn th_barrier_default_timeout() {
    let bar = Barrier::with_action(2, None, Some(0.01)).unwrap();
    if let Err(PyThreadingError::BrokenBarrierError) = bar.wait(None) {
        println!("broken by the default timeout");
    }
}

fn th_barrier_broken_is_runtime_error() {
    let bar = Barrier::new(1).unwrap();
    println!("{}", bar.wait(None).unwrap());
    bar.abort();
    match bar.wait(None) {
        Err(e) if e.is_runtime_error() => {
            println!("caught as RuntimeError: {}", e.py_type_name())
        }
        _ => println!("not caught"),
    }
}

fn th_barrier_zero() {
    if let Err(e) = Barrier::new(0) {
        println!("{}", exc(&e));
    }
}

fn th_thread_start_twice() {
    let t = Thread::new(|| {});
    t.start().unwrap();
    t.join(None).unwrap();
    if let Err(e) = t.start() {
        println!("{}", exc(&e));
    }
}

fn th_thread_join_before_start() {
    let t = Thread::new(|| {});
    if let Err(e) = t.join(None) {
        println!("{}", exc(&e));
    }
}

fn th_thread_join_current() {
    if let Err(e) = threading::current_thread().join(None) {
        println!("{}", exc(&e));
    }
}

fn th_thread_name() {
    let t = Thread::new(|| {}).with_name("worker");
    println!("{}", t.name());
    t.set_name("renamed");
    println!("{}", t.name());
    let seen = shared(Vec::<String>::new());
    let s2 = seen.clone();
    let t2 =
        Thread::new(move || s2.lock().push(threading::current_thread().name())).with_name("inside");
    t2.start().unwrap();
    t2.join(None).unwrap();
    println!("{}", strs(&seen.lock()));
}

fn th_thread_is_alive() {
    let e = Event::new();
    let e2 = e.clone();
    let t = Thread::new(move || {
        e2.wait(None);
    });
    println!("{}", b(t.is_alive()));
    t.start().unwrap();
    println!("{}", b(t.is_alive()));
    e.set();
    t.join(None).unwrap();
    println!("{}", b(t.is_alive()));
}

fn th_thread_ident() {
    let inside = shared(Vec::new());
    let i2 = inside.clone();
    let t = Thread::new(move || i2.lock().push(threading::get_ident()));
    println!("{}", b(t.ident().is_none()));
    t.start().unwrap();
    t.join(None).unwrap();
    let id = t.ident();
    println!(
        "{} {} {}",
        b(id.is_some()),
        b(Some(inside.lock()[0]) == id),
        b(id != Some(threading::get_ident()))
    );
}

fn th_thread_native_id() {
    let inside = shared(Vec::new());
    let i2 = inside.clone();
    let t = Thread::new(move || i2.lock().push(threading::get_native_id()));
    println!("{}", b(t.native_id().is_none()));
    t.start().unwrap();
    t.join(None).unwrap();
    println!(
        "{} {}",
        b(Some(inside.lock()[0]) == t.native_id()),
        b(t.native_id() != Some(threading::get_native_id()))
    );
}

fn th_thread_daemon() {
    let t = Thread::new(|| {});
    println!("{}", b(t.daemon()));
    t.set_daemon(true).unwrap();
    println!("{}", b(t.daemon()));
    let t2 = Thread::new(|| {}).with_daemon(true);
    println!("{}", b(t2.daemon()));
    t.start().unwrap();
    t.join(None).unwrap();
    if let Err(e) = t.set_daemon(false) {
        println!("{}", exc(&e));
    }
}

fn th_thread_args() {
    let out = shared(Vec::new());
    let add = {
        let out = out.clone();
        move |a: i32, b: i32, scale: i32| out.lock().push((a + b) * scale)
    };
    let ts: Vec<Thread> = (0..3)
        .map(|i| {
            let add = add.clone();
            Thread::new(move || add(i, 10, 2))
        })
        .collect();
    start_all(&ts);
    join_all(&ts);
    let mut v = out.lock().clone();
    v.sort();
    println!("{v:?}");
}

fn th_thread_join_timeout() {
    let e = Event::new();
    let e2 = e.clone();
    let t = Thread::new(move || {
        e2.wait(None);
    });
    t.start().unwrap();
    t.join(Some(0.01)).unwrap();
    println!("{}", b(t.is_alive()));
    e.set();
    t.join(None).unwrap();
    println!("{}", b(t.is_alive()));
}

fn th_current_thread_main() {
    println!("{}", threading::current_thread().name());
    println!(
        "{}",
        b(threading::main_thread() == threading::current_thread())
    );
    let res = shared(Vec::<String>::new());
    let r2 = res.clone();
    let t = Thread::new(move || {
        let same = threading::main_thread() == threading::current_thread();
        r2.lock().push(b(same).into());
        r2.lock()
            .push(format!("'{}'", threading::main_thread().name()));
    });
    t.start().unwrap();
    t.join(None).unwrap();
    println!("[{}]", res.lock().join(", "));
}

fn th_active_count() {
    println!("{}", threading::active_count());
    let e = Event::new();
    let ts: Vec<Thread> = (0..3)
        .map(|_| {
            let e = e.clone();
            Thread::new(move || {
                e.wait(None);
            })
        })
        .collect();
    start_all(&ts);
    println!("{}", threading::active_count());
    e.set();
    join_all(&ts);
    println!("{}", threading::active_count());
}

fn th_enumerate() {
    let e = Event::new();
    let ts: Vec<Thread> = ["b-worker", "a-worker"]
        .iter()
        .map(|n| {
            let e = e.clone();
            Thread::new(move || {
                e.wait(None);
            })
            .with_name(*n)
        })
        .collect();
    start_all(&ts);
    let mut names: Vec<String> = threading::enumerate().iter().map(Thread::name).collect();
    names.sort();
    println!("{}", strs(&names));
    e.set();
    join_all(&ts);
    let names: Vec<String> = threading::enumerate().iter().map(Thread::name).collect();
    println!("{}", strs(&names));
}

fn th_get_ident_distinct() {
    let lock = Lock::new();
    let ids = shared(Vec::new());
    let barrier = Barrier::new(3).unwrap();
    let ts: Vec<Thread> = (0..3)
        .map(|_| {
            let (lock, ids, barrier) = (lock.clone(), ids.clone(), barrier.clone());
            Thread::new(move || {
                {
                    let _with = lock.guard();
                    ids.lock().push(threading::get_ident());
                }
                barrier.wait(None).unwrap();
            })
        })
        .collect();
    start_all(&ts);
    join_all(&ts);
    let ids = ids.lock().clone();
    let distinct: std::collections::HashSet<_> = ids.iter().collect();
    println!(
        "{} {}",
        distinct.len(),
        b(ids.contains(&threading::get_ident()))
    );
}

fn th_local() {
    let data: Arc<Local<RefCell<Option<String>>>> = Arc::new(Local::new(|| RefCell::new(None)));
    *data.get().borrow_mut() = Some("main".into());
    let seen = shared(Vec::new());
    let ts: Vec<Thread> = (0..3)
        .map(|i| {
            let (data, seen) = (data.clone(), seen.clone());
            Thread::new(move || {
                let had = data.get().borrow().is_some();
                *data.get().borrow_mut() = Some(i.to_string());
                seen.lock().push((had, i));
            })
        })
        .collect();
    start_all(&ts);
    join_all(&ts);
    let mut v = seen.lock().clone();
    v.sort();
    let items: Vec<String> = v.iter().map(|(h, i)| format!("({}, {i})", b(*h))).collect();
    println!("[{}]", items.join(", "));
    println!("{}", data.get().borrow().as_deref().unwrap_or("None"));
}

fn th_timer_fires() {
    let fired = Event::new();
    let f2 = fired.clone();
    let t = Timer::new(0.01, move || f2.set());
    t.start().unwrap();
    t.join(None).unwrap();
    println!("{}", b(fired.is_set()));
}

fn th_timer_cancel() {
    let fired = shared(Vec::<i32>::new());
    let f2 = fired.clone();
    let t = Timer::new(60.0, move || f2.lock().push(1));
    t.start().unwrap();
    t.cancel();
    t.join(None).unwrap();
    println!("{:?}", *fired.lock());
}

fn th_timer_join_timeout() {
    let fired = shared(Vec::<i32>::new());
    let f2 = fired.clone();
    let t = Timer::new(60.0, move || f2.lock().push(1));
    if let Err(e) = t.join(None) {
        println!("{}: {}", e.py_type_name(), e);
    }
    t.start().unwrap();
    t.join(Some(0.01)).unwrap();
    println!("{}", b(t.is_alive()));
    t.cancel();
    t.join(None).unwrap();
    println!("{} {:?}", b(t.is_alive()), *fired.lock());
    let f3 = fired.clone();
    let u = Timer::new(-1.0, move || f3.lock().push(2));
    u.start().unwrap();
    u.join(None).unwrap();
    println!("{} {:?}", b(u.is_alive()), *fired.lock());
}

fn th_timer_args() {
    let out = shared(Vec::new());
    let o2 = out.clone();
    let f = move |a: i32, b: i32| o2.lock().push(a * b);
    let t = Timer::new(0.001, move || f(6, 7));
    t.start().unwrap();
    t.join(None).unwrap();
    println!("{:?}", *out.lock());
}

fn th_excepthook_custom() {
    let seen = shared(Vec::<String>::new());
    let s2 = seen.clone();
    threading::set_excepthook(move |args| {
        s2.lock().push(format!(
            "('{}', '{}', '{}')",
            args.exc_type(),
            args.exc,
            args.thread.as_ref().map(Thread::name).unwrap_or_default()
        ))
    });
    let boom = || -> Result<(), PyThreadingError> { Err(PyThreadingError::value("boom")) };
    let t = Thread::new(boom).with_name("failing");
    t.start().unwrap();
    t.join(None).unwrap();
    println!("[{}]", seen.lock().join(", "));
    threading::set_excepthook(threading::default_excepthook);
}

fn th_stack_size() {
    println!("{}", threading::stack_size(None).unwrap());
    if let Err(e) = threading::stack_size(Some(100)) {
        println!("{}", exc(&e));
    }
    println!("{}", threading::stack_size(Some(262_144)).unwrap());
    println!("{}", threading::stack_size(None).unwrap());
    let out = shared(Vec::new());
    let o2 = out.clone();
    let t = Thread::new(move || o2.lock().push((0..100).sum::<i32>()));
    t.start().unwrap();
    t.join(None).unwrap();
    println!("{:?}", *out.lock());
    println!("{}", threading::stack_size(Some(0)).unwrap());
}

fn th_settrace() {
    let names = shared(std::collections::BTreeSet::new());
    let n2 = names.clone();
    threading::settrace(move |t| {
        n2.lock().insert(t.name());
    });
    let t = Thread::new(|| {}).with_name("traced");
    t.start().unwrap();
    t.join(None).unwrap();
    threading::clear_trace();
    let t2 = Thread::new(|| {}).with_name("untraced");
    t2.start().unwrap();
    t2.join(None).unwrap();
    let v: Vec<String> = names.lock().iter().cloned().collect();
    println!("{}", strs(&v));
}

fn th_setprofile() {
    let names = shared(std::collections::BTreeSet::new());
    let n2 = names.clone();
    threading::setprofile(move |t| {
        n2.lock().insert(t.name());
    });
    let t = Thread::new(|| {}).with_name("profiled");
    t.start().unwrap();
    t.join(None).unwrap();
    threading::clear_profile();
    let v: Vec<String> = names.lock().iter().cloned().collect();
    println!("{}", strs(&v));
}

fn th_timeout_max() {
    println!("{:.1}", threading::TIMEOUT_MAX);
}

fn th_thread_exception_does_not_kill_others() {
    threading::set_excepthook(|_| {});
    let out = shared(Vec::<String>::new());
    let o2 = out.clone();
    let bad =
        Thread::new(|| -> Result<(), PyThreadingError> { Err(PyThreadingError::runtime("x")) });
    let good = Thread::new(move || o2.lock().push("good ran".into()));
    let ts = [bad, good];
    start_all(&ts);
    join_all(&ts);
    let alive: Vec<bool> = ts.iter().map(Thread::is_alive).collect();
    println!("{} {}", strs(&out.lock()), bools(&alive));
}

fn th_lock_acquire_default_blocking_with_timeout() {
    let l = Lock::new();
    println!("{}", b(l.acquire_with(true, 0.5).unwrap()));
    println!("{}", b(l.acquire_with(true, 0.0).unwrap()));
    l.release().unwrap();
}

fn th_default_thread_names() {
    let t = Thread::new(|| {});
    println!("{}", b(t.name().starts_with("Thread-")));
    let worker = || {};
    let t2 = Thread::new(worker).with_target_name("worker");
    println!("{}", b(t2.name().ends_with(" (worker)")));
}

crate::scenarios! {
    th_lock_basic, th_lock_release_unlocked, th_lock_nonblocking, th_lock_timeout_zero,
    th_lock_timeout_expires, th_lock_timeout_nonblocking_error, th_lock_negative_timeout,
    th_lock_timeout_overflow, th_lock_release_other_thread, th_lock_counter, th_lock_with,
    th_lock_handoff, th_rlock_reentrant, th_rlock_release_unowned, th_rlock_other_thread_release,
    th_rlock_with_nested, th_condition_producer_consumer, th_condition_wait_unacquired,
    th_condition_notify_unacquired, th_condition_wait_timeout, th_condition_wait_for_timeout,
    th_condition_notify_n, th_condition_with_lock, th_condition_notify_all,
    th_condition_rlock_depth, th_semaphore_basic, th_semaphore_negative, th_semaphore_release_n,
    th_semaphore_release_zero, th_semaphore_nonblocking_timeout, th_semaphore_timeout,
    th_bounded_over_release, th_bounded_release_n_too_many, th_semaphore_limits_concurrency,
    th_event_basic, th_event_threads, th_event_wait_timeout, th_barrier_basic, th_barrier_action,
    th_barrier_abort, th_barrier_timeout, th_barrier_reset, th_barrier_abort_wakes_waiter,
    th_barrier_default_timeout, th_barrier_broken_is_runtime_error, th_barrier_zero,
    th_thread_start_twice, th_thread_join_before_start, th_thread_join_current, th_thread_name,
    th_thread_is_alive, th_thread_ident, th_thread_native_id, th_thread_daemon, th_thread_args,
    th_thread_join_timeout, th_current_thread_main, th_active_count, th_enumerate,
    th_get_ident_distinct, th_local, th_timer_fires, th_timer_cancel, th_timer_join_timeout, th_timer_args,
    th_excepthook_custom, th_stack_size, th_settrace, th_setprofile, th_timeout_max,
    th_thread_exception_does_not_kill_others, th_lock_acquire_default_blocking_with_timeout,
    th_default_thread_names,
}
