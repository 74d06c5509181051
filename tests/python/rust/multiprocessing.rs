//! Translations of `tests/python/mp_*.py` (processes become threads; see
//! `portalis_threading::py::multiprocessing`).

use crate::{b, exc};
use portalis_threading::py::multiprocessing::{self as mp, Pipe, Pool, Process};
use portalis_threading::py::{PyResult, PyThreadingError};

fn opt_i32(x: Option<i32>) -> String {
    x.map_or("None".into(), |v| v.to_string())
}

fn mp_process_basic() {
    let work = |q: mp::Queue<i32>, x: i32| q.put(x * x, true, None);
    let q: mp::Queue<i32> = mp::Queue::new(0);
    let q2 = q.clone();
    let p = Process::new(move || work(q2, 3));
    println!("{} {}", opt_i32(p.exitcode()), b(p.is_alive()));
    p.start().unwrap();
    println!("{}", q.get(true, None).unwrap());
    p.join(None).unwrap();
    println!("{} {}", opt_i32(p.exitcode()), b(p.is_alive()));
}

fn mp_process_exception_exitcode() {
    let p = Process::new(|| -> PyResult<()> { Err(PyThreadingError::value("child failed")) });
    p.start().unwrap();
    p.join(None).unwrap();
    println!("{}", opt_i32(p.exitcode()));
}

fn mp_pool_map() {
    let pool = Pool::new(Some(2)).unwrap();
    println!("{:?}", pool.map(|x: i32| Ok(x * x), 0..10).unwrap());
}

fn mp_pool_imap() {
    let pool = Pool::new(Some(2)).unwrap();
    let v: Vec<i32> = pool
        .imap(|x: i32| Ok(x + 1), 0..6)
        .unwrap()
        .collect::<PyResult<_>>()
        .unwrap();
    println!("{v:?}");
    let mut u: Vec<i32> = pool
        .imap_unordered(|x: i32| Ok(x + 1), 0..6)
        .unwrap()
        .collect::<PyResult<_>>()
        .unwrap();
    u.sort();
    println!("{u:?}");
}

fn mp_pool_apply_async() {
    let mul = |a: i32, b: i32| Ok(a * b);
    let pool = Pool::new(Some(1)).unwrap();
    let r = pool.apply_async(move || mul(6, 7)).unwrap();
    println!(
        "{} {} {}",
        r.get(Some(60.0)).unwrap(),
        b(r.ready()),
        b(r.successful().unwrap())
    );
    println!("{}", pool.apply(move || mul(2, 5)).unwrap());
}

fn mp_pool_starmap() {
    let pool = Pool::new(Some(2)).unwrap();
    let v = pool
        .starmap(|(a, e): (i64, u32)| Ok(a.pow(e)), [(2, 3), (3, 2), (10, 0)])
        .unwrap();
    println!("{v:?}");
}

fn mp_pool_closed() {
    let pool = Pool::new(Some(2)).unwrap();
    if let Err(e) = pool.join() {
        println!("{}", exc(&e));
    }
    pool.close();
    if let Err(e) = pool.map(|x: i32| Ok(x), [1]) {
        println!("{}", exc(&e));
    }
    pool.join().unwrap();
    println!("joined");
}

fn mp_pool_map_exception() {
    let inv = |x: i32| -> PyResult<i32> {
        if x == 0 {
            Err(PyThreadingError::raised(
                "ZeroDivisionError",
                "integer division or modulo by zero",
            ))
        } else {
            Ok(10 / x)
        }
    };
    let pool = Pool::new(Some(2)).unwrap();
    if let Err(e) = pool.map(inv, [1, 0, 2]) {
        println!("{}", exc(&e));
    }
}

fn mp_pool_terminate() {
    let pool = Pool::new(Some(2)).unwrap();
    println!("{:?}", pool.map(|x: i32| Ok(x), [1, 2]).unwrap());
    pool.terminate();
    pool.join().unwrap();
    if let Err(e) = pool.apply_async(|| Ok(1)) {
        println!("{}", exc(&e));
    }
}

fn mp_pipe_duplex() {
    let (a, b) = Pipe::<Option<i32>>(true);
    let b = std::sync::Arc::new(b);
    let b2 = b.clone();
    let echo = move || -> PyResult<()> {
        while let Some(msg) = b2.recv()? {
            b2.send(Some(msg * 2))?;
        }
        b2.close();
        Ok(())
    };
    let p = Process::new(echo);
    p.start().unwrap();
    for x in [1, 2, 3] {
        a.send(Some(x)).unwrap();
        println!("{}", a.recv().unwrap().unwrap());
    }
    a.send(None).unwrap();
    p.join(None).unwrap();
    b.close();
    if let Err(e) = a.recv() {
        println!("{}", exc(&e));
    }
}

fn mp_pipe_poll() {
    let (a, b_end) = Pipe::<&str>(true);
    println!("{}", b(a.poll(Some(0.0)).unwrap()));
    b_end.send("x").unwrap();
    let p1 = a.poll(Some(0.0)).unwrap();
    let p2 = a.poll(Some(0.0)).unwrap();
    println!("{} {} {}", b(p1), b(p2), a.recv().unwrap());
    let (r, w) = Pipe::<i32>(false);
    w.send(5).unwrap();
    println!("{}", r.recv().unwrap());
}

fn mp_lock_release_unlocked() {
    let l = mp::Lock::new();
    if let Err(e) = l.release() {
        println!("{}", exc(&e));
    }
    {
        let _with = l.guard();
        println!("{}", b(l.acquire_with(false, None).unwrap()));
    }
    println!("{}", b(l.acquire_with(false, None).unwrap()));
}

fn mp_rlock_release_unowned() {
    let r = mp::RLock::new();
    if let Err(e) = r.release() {
        println!("{}", exc(&e));
    }
    r.acquire();
    r.acquire();
    r.release().unwrap();
    r.release().unwrap();
    println!("balanced");
}

fn mp_value_counter() {
    let add = |v: mp::Value<i32>, n: usize| {
        for _ in 0..n {
            let _with = v.get_lock().guard();
            v.set_value(v.value() + 1);
        }
    };
    let v = mp::Value::new(0i32);
    let ps: Vec<Process> = (0..4)
        .map(|_| {
            let v = v.clone();
            Process::new(move || add(v, 100))
        })
        .collect();
    for p in &ps {
        p.start().unwrap();
    }
    for p in &ps {
        p.join(None).unwrap();
    }
    println!("{}", v.value());
}

fn mp_array() {
    let double = |a: mp::Array<i32>| -> PyResult<()> {
        for i in 0..a.len() {
            a.set(i, a.get(i)? * 2)?;
        }
        Ok(())
    };
    let a = mp::Array::new([1, 2, 3]);
    let a2 = a.clone();
    let p = Process::new(move || double(a2));
    p.start().unwrap();
    p.join(None).unwrap();
    println!("{:?} {}", a.to_vec(), a.len());
    if let Err(e) = a.get(5) {
        println!("{}", exc(&e));
    }
}

fn mp_sync_objects() {
    let s = mp::Semaphore::new(2).unwrap();
    let (x, y, z) = (
        s.acquire(true, None).unwrap(),
        s.acquire(true, None).unwrap(),
        s.acquire(false, None).unwrap(),
    );
    println!("{} {} {}", b(x), b(y), b(z));
    s.release().unwrap();
    println!("{}", s.get_value());
    let e = mp::Event::new();
    println!("{}", b(e.is_set()));
    e.set();
    println!("{}", b(e.wait(Some(0.0))));
    let bar = mp::Barrier::new(1).unwrap();
    println!("{}", bar.wait(None).unwrap());
    let c = mp::Condition::new();
    let _with = c.guard();
    println!("{}", b(c.wait(Some(0.01)).unwrap()));
}

fn mp_bounded_semaphore_over_release() {
    let s = mp::BoundedSemaphore::new(1).unwrap();
    if let Err(e) = s.release() {
        println!("{}", exc(&e));
    }
    let x = s.acquire(false, None).unwrap();
    let y = s.acquire(false, None).unwrap();
    println!("{} {}", b(x), b(y));
}

fn mp_queue_empty_full() {
    let q = mp::Queue::new(1);
    q.put("a", true, None).unwrap();
    if let Err(PyThreadingError::Full) = q.put("b", true, Some(0.01)) {
        println!("Full");
    }
    println!("{}", q.get(true, None).unwrap());
    if let Err(PyThreadingError::Empty) = q.get(true, Some(0.01)) {
        println!("Empty");
    }
}

crate::scenarios! {
    mp_process_basic, mp_process_exception_exitcode, mp_pool_map, mp_pool_imap,
    mp_pool_apply_async, mp_pool_starmap, mp_pool_closed, mp_pool_map_exception,
    mp_pool_terminate, mp_pipe_duplex, mp_pipe_poll, mp_lock_release_unlocked,
    mp_rlock_release_unowned, mp_value_counter, mp_array, mp_sync_objects,
    mp_bounded_semaphore_over_release, mp_queue_empty_full,
}
