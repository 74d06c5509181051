//! Translations of `tests/python/cf_*.py`.

use crate::{b, bools, exc, strs};
use portalis_threading::py::concurrent::futures::{
    self as cf, Future, ThreadPoolExecutor, FIRST_COMPLETED, FIRST_EXCEPTION,
};
use portalis_threading::py::threading::{self, Event, Lock};
use portalis_threading::py::{PyResult, PyThreadingError};
use std::sync::Arc;

type Shared<T> = Arc<portalis_threading::Mutex<T>>;
fn shared<T>(v: T) -> Shared<T> {
    Arc::new(portalis_threading::Mutex::new(v))
}

fn pool(n: usize) -> ThreadPoolExecutor {
    ThreadPoolExecutor::new(Some(n)).unwrap()
}

fn cf_submit_result() {
    let ex = pool(2);
    let f = ex.submit(|| Ok(2i64.pow(10))).unwrap();
    println!("{}", f.result(None).unwrap());
}

fn cf_map_order() {
    let ex = pool(3);
    let v: Vec<i32> = ex
        .map(|x| Ok(x * x), 0..10, None)
        .unwrap()
        .collect::<PyResult<_>>()
        .unwrap();
    println!("{v:?}");
}

fn cf_map_exception() {
    let inv = |x: i32| -> PyResult<i32> {
        if x == 0 {
            return Err(PyThreadingError::raised(
                "ZeroDivisionError",
                "integer division or modulo by zero",
            ));
        }
        Ok(10 / x)
    };
    let ex = pool(2);
    let mut out = Vec::new();
    for r in ex.map(inv, [1, 2, 0, 5], None).unwrap() {
        match r {
            Ok(v) => out.push(v),
            Err(e) => {
                println!("{}", exc(&e));
                break;
            }
        }
    }
    println!("{out:?}");
}

fn cf_exception_method() {
    let ex = pool(1);
    let f = ex
        .submit(|| -> PyResult<()> { Err(PyThreadingError::raised("KeyError", "'k'")) })
        .unwrap();
    let e = f.exception(None).unwrap().unwrap();
    println!("{} {}", e.py_type_name(), e);
    let g = ex.submit(|| Ok(1)).unwrap();
    println!(
        "{}",
        g.exception(None)
            .unwrap()
            .map_or("None".to_string(), |e| e.to_string())
    );
}

fn cf_result_raises() {
    let ex = pool(1);
    let f = ex
        .submit(|| -> PyResult<()> { Err(PyThreadingError::value("bad value")) })
        .unwrap();
    if let Err(e) = f.result(None) {
        println!("{}", exc(&e));
    }
}

fn cf_cancel_pending() {
    let gate = Event::new();
    let ex = pool(1);
    let g2 = gate.clone();
    let blocker = ex.submit(move || Ok(g2.wait(None))).unwrap();
    let f = ex.submit(|| Ok("never")).unwrap();
    println!("{} {} {}", b(f.cancel()), b(f.cancelled()), b(f.done()));
    if let Err(e) = f.result(None) {
        println!("{}", exc(&e));
    }
    gate.set();
    println!("{}", b(blocker.result(None).unwrap()));
}

fn cf_cancel_running() {
    let (started, gate) = (Event::new(), Event::new());
    let ex = pool(1);
    let (s2, g2) = (started.clone(), gate.clone());
    let f = ex
        .submit(move || {
            s2.set();
            g2.wait(None);
            Ok("finished")
        })
        .unwrap();
    started.wait(None);
    println!("{} {} {}", b(f.running()), b(f.cancel()), b(f.cancelled()));
    gate.set();
    println!("{}", f.result(None).unwrap());
}

fn cf_cancel_done() {
    let ex = pool(1);
    let f = ex.submit(|| Ok(5)).unwrap();
    f.result(None).unwrap();
    println!("{} {} {}", b(f.cancel()), b(f.cancelled()), b(f.done()));
}

fn cf_states() {
    let (started, gate) = (Event::new(), Event::new());
    let ex = pool(1);
    let (s2, g2) = (started.clone(), gate.clone());
    let f = ex
        .submit(move || {
            s2.set();
            g2.wait(None);
            Ok(1)
        })
        .unwrap();
    started.wait(None);
    println!("{} {}", b(f.running()), b(f.done()));
    gate.set();
    f.result(None).unwrap();
    println!("{} {}", b(f.running()), b(f.done()));
}

fn cf_done_callback() {
    let got = shared(Vec::new());
    let done = Event::new();
    let gate = Event::new();
    {
        let ex = pool(1);
        let g2 = gate.clone();
        let f = ex
            .submit(move || Ok(if g2.wait(None) { 7 } else { 0 }))
            .unwrap();
        let (got2, done2) = (got.clone(), done.clone());
        f.add_done_callback(move |fut| {
            got2.lock().push(fut.result(None).unwrap());
            done2.set();
        });
        gate.set();
        done.wait(None);
    }
    println!("{:?}", *got.lock());
}

fn cf_done_callback_immediate() {
    let got = shared(Vec::new());
    let ex = pool(1);
    let f = ex.submit(|| Ok("x")).unwrap();
    f.result(None).unwrap();
    let g2 = got.clone();
    f.add_done_callback(move |fut| g2.lock().push(fut.done()));
    println!("{}", bools(&got.lock()));
}

fn cf_wait_all() {
    let ex = pool(3);
    let fs: Vec<Future<i32>> = (0..6)
        .map(|i| ex.submit(move || Ok(i + 1)).unwrap())
        .collect();
    let r = cf::wait(&fs, None, cf::ALL_COMPLETED);
    println!("{} {}", r.done.len(), r.not_done.len());
    let mut v: Vec<i32> = r.done.iter().map(|f| f.result(None).unwrap()).collect();
    v.sort();
    println!("{v:?}");
}

fn cf_wait_first_completed() {
    let gate = Event::new();
    let ex = pool(2);
    let g2 = gate.clone();
    let slow = ex.submit(move || Ok(g2.wait(None).to_string())).unwrap();
    let fast = ex.submit(|| Ok("fast".to_string())).unwrap();
    let fs = [slow.clone(), fast.clone()];
    let r = cf::wait(&fs, None, FIRST_COMPLETED);
    // `fast in done`: membership by identity, as Python's set does.
    let fast_done = r.done.iter().any(|f| f.done() && !f.running()) && fast.done();
    let slow_pending = !slow.done() && r.not_done.len() == 1;
    println!(
        "{} {} {} {}",
        b(fast_done),
        b(slow_pending),
        r.done.len(),
        r.not_done.len()
    );
    gate.set();
}

fn cf_wait_first_exception() {
    let gate = Event::new();
    let ex = pool(2);
    let g2 = gate.clone();
    let slow = ex.submit(move || Ok(g2.wait(None))).unwrap();
    let failing = ex
        .submit(|| -> PyResult<bool> { Err(PyThreadingError::runtime("fail")) })
        .unwrap();
    let r = cf::wait(&[slow.clone(), failing.clone()], None, FIRST_EXCEPTION);
    let failing_in_done = r.done.len() == 1 && failing.done();
    let slow_in_not_done = r.not_done.len() == 1 && !slow.done();
    println!("{} {}", b(failing_in_done), b(slow_in_not_done));
    gate.set();
}

fn cf_wait_first_exception_none_raise() {
    let ex = pool(2);
    let fs: Vec<Future<i32>> = (0..4).map(|i| ex.submit(move || Ok(i)).unwrap()).collect();
    let r = cf::wait(&fs, None, FIRST_EXCEPTION);
    println!("{} {}", r.done.len(), r.not_done.len());
}

fn cf_wait_timeout() {
    let gate = Event::new();
    let ex = pool(1);
    let g2 = gate.clone();
    let f = ex.submit(move || Ok(g2.wait(None))).unwrap();
    let r = cf::wait(&[f], Some(0.01), cf::ALL_COMPLETED);
    println!("{} {}", r.done.len(), r.not_done.len());
    gate.set();
}

fn cf_as_completed() {
    let ex = pool(3);
    let fs: Vec<Future<i32>> = (0..5)
        .map(|i| ex.submit(move || Ok(i * 10)).unwrap())
        .collect();
    let mut v: Vec<i32> = cf::as_completed(&fs, None)
        .map(|f| f.unwrap().result(None).unwrap())
        .collect();
    v.sort();
    println!("{v:?}");
}

fn cf_as_completed_timeout() {
    let gate = Event::new();
    let ex = pool(2);
    let quick = ex.submit(|| Ok("quick".to_string())).unwrap();
    quick.result(None).unwrap();
    let g2 = gate.clone();
    let slow = ex.submit(move || Ok(g2.wait(None).to_string())).unwrap();
    let mut seen = Vec::new();
    for f in cf::as_completed(&[quick, slow], Some(0.05)) {
        match f {
            Ok(f) => seen.push(f.result(None).unwrap()),
            Err(e) => {
                println!("{}", exc(&e));
                break;
            }
        }
    }
    println!("{}", strs(&seen));
    gate.set();
}

fn cf_submit_after_shutdown() {
    let ex = pool(1);
    ex.shutdown(true, false);
    if let Err(e) = ex.submit(|| Ok(1)) {
        println!("{}", exc(&e));
    }
}

fn cf_shutdown_cancel_futures() {
    let (gate, started) = (Event::new(), Event::new());
    let ex = pool(1);
    let (g2, s2) = (gate.clone(), started.clone());
    let first = ex
        .submit(move || {
            s2.set();
            g2.wait(None);
            Ok("ran")
        })
        .unwrap();
    started.wait(None);
    let rest: Vec<Future<&str>> = (0..3)
        .map(|_| ex.submit(|| Ok("queued")).unwrap())
        .collect();
    ex.shutdown(false, true);
    gate.set();
    let cancelled: Vec<bool> = rest.iter().map(Future::cancelled).collect();
    println!("{} {}", first.result(None).unwrap(), bools(&cancelled));
}

fn cf_shutdown_waits_pending() {
    let out = shared(Vec::new());
    let lock = Lock::new();
    let ex = pool(2);
    for i in 0..20 {
        let (out, lock) = (out.clone(), lock.clone());
        ex.submit(move || {
            let _with = lock.guard();
            out.lock().push(i);
            Ok(())
        })
        .unwrap();
    }
    ex.shutdown(true, false);
    let mut v = out.lock().clone();
    v.sort();
    println!("{}", b(v == (0..20).collect::<Vec<_>>()));
}

fn cf_max_workers_zero() {
    if let Err(e) = ThreadPoolExecutor::new(Some(0)) {
        println!("{}", exc(&e));
    }
}

fn cf_default_max_workers() {
    let ex = ThreadPoolExecutor::new(None).unwrap();
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!("{}", b(ex.max_workers() == (cpus + 4).min(32)));
    ex.shutdown(true, false);
}

fn cf_map_timeout() {
    let gate = Event::new();
    let ex = pool(2);
    let g2 = gate.clone();
    let it = ex
        .map(
            move |x: i32| Ok(if x == 1 { i32::from(g2.wait(None)) } else { x }),
            [0, 1, 2],
            Some(0.05),
        )
        .unwrap();
    let mut out = Vec::new();
    for r in it {
        match r {
            Ok(v) => out.push(v),
            Err(e) => {
                println!("{}: {}()", e.py_type_name(), e.py_type_name());
                break;
            }
        }
    }
    println!("{out:?}");
    gate.set();
}

fn cf_future_set_result_twice() {
    let f = Future::new();
    println!("{}", b(f.done()));
    f.set_result(3).unwrap();
    println!("{} {}", f.result(None).unwrap(), b(f.done()));
    if let Err(e) = f.set_result(4) {
        println!("{}", e.py_type_name());
    }
}

fn cf_future_set_exception() {
    let f: Future<i32> = Future::new();
    f.set_exception(PyThreadingError::value("nope")).unwrap();
    let e = f.exception(None).unwrap().unwrap();
    println!("{} {}", e.py_type_name(), e);
    if let Err(e) = f.result(None) {
        println!("{}", exc(&e));
    }
}

fn cf_result_timeout() {
    let f: Future<i32> = Future::new();
    if let Err(e) = f.result(Some(0.01)) {
        println!("{}: {}()", e.py_type_name(), e.py_type_name());
    }
    if let Err(PyThreadingError::TimeoutError(_)) = f.exception(Some(0.0)) {
        println!("exception() timed out too");
    }
}

fn cf_thread_name_prefix() {
    let ex = ThreadPoolExecutor::with_options(Some(1), "pfx", None).unwrap();
    let name = ex
        .submit(|| Ok(threading::current_thread().name()))
        .unwrap();
    println!("{}", name.result(None).unwrap());
}

fn cf_initializer() {
    let calls = shared(Vec::<String>::new());
    let lock = Lock::new();
    let init = {
        let (calls, lock) = (calls.clone(), lock.clone());
        move |tag: &str| {
            let _with = lock.guard();
            calls.lock().push(tag.to_string());
        }
    };
    {
        let ex =
            ThreadPoolExecutor::with_options(Some(1), "", Some(Box::new(move || init("ready"))))
                .unwrap();
        let c2 = calls.clone();
        println!(
            "{}",
            ex.submit(move || Ok(c2.lock().len()))
                .unwrap()
                .result(None)
                .unwrap()
        );
    }
    println!("{}", strs(&calls.lock()));
}

fn cf_cancelled_future_set_result() {
    let f = Future::new();
    println!("{}", b(f.cancel()));
    if let Err(e) = f.set_result(1) {
        let msg = e.to_string();
        println!("{} {}", e.py_type_name(), msg.split(':').next().unwrap());
    }
}

fn cf_exception_of_cancelled() {
    let f: Future<i32> = Future::new();
    f.cancel();
    if let Err(PyThreadingError::CancelledError) = f.exception(None) {
        println!("CancelledError from exception()");
    }
}

fn cf_many_tasks_sum() {
    let ex = pool(4);
    let s: i64 = ex
        .map(Ok, 0..1000i64, None)
        .unwrap()
        .map(Result::unwrap)
        .sum();
    println!("{s}");
}

crate::scenarios! {
    cf_submit_result, cf_map_order, cf_map_exception, cf_exception_method, cf_result_raises,
    cf_cancel_pending, cf_cancel_running, cf_cancel_done, cf_states, cf_done_callback,
    cf_done_callback_immediate, cf_wait_all, cf_wait_first_completed, cf_wait_first_exception,
    cf_wait_first_exception_none_raise, cf_wait_timeout, cf_as_completed, cf_as_completed_timeout,
    cf_submit_after_shutdown, cf_shutdown_cancel_futures, cf_shutdown_waits_pending,
    cf_max_workers_zero, cf_default_max_workers, cf_map_timeout, cf_future_set_result_twice,
    cf_future_set_exception, cf_result_timeout, cf_thread_name_prefix, cf_initializer,
    cf_cancelled_future_set_result, cf_exception_of_cancelled, cf_many_tasks_sum,
}
