//! The registered-task suite every browser mode runs (ADR 071): the same task types on a
//! shared-memory pool (isolated page, worker or main thread) and on copy-mode workers over
//! postMessage (page without COOP/COEP). `remote_tasks!` makes this binary's task table and
//! the exports the copy-mode workers call.

use portalis_scheduler::web::{Mode, RemoteTask, TaskError, TaskPool};

/// Sums its input.
pub struct Sum;
impl RemoteTask for Sum {
    const NAME: &'static str = "sum";
    type Input = Vec<u64>;
    type Output = u64;
    fn run(v: Vec<u64>) -> Result<u64, String> {
        Ok(v.iter().sum())
    }
}

/// Counts the primes in `lo..hi` (a CPU-bound task).
pub struct CountPrimes;
impl RemoteTask for CountPrimes {
    const NAME: &'static str = "count_primes";
    type Input = (u32, u32);
    type Output = u32;
    fn run((lo, hi): (u32, u32)) -> Result<u32, String> {
        Ok((lo..hi).filter(|&n| is_prime(n)).count() as u32)
    }
}

/// `true` when `n` is prime (trial division).
pub fn is_prime(n: u32) -> bool {
    n >= 2
        && (2..)
            .take_while(|d| d * d <= n)
            .all(|d| !n.is_multiple_of(d))
}

/// Fails with its input as the message.
pub struct Fail;
impl RemoteTask for Fail {
    const NAME: &'static str = "fail";
    type Input = String;
    type Output = ();
    fn run(msg: String) -> Result<(), String> {
        Err(msg)
    }
}

/// Panics with its input as the message (remote mode: `TaskError::Panicked`; in the
/// shared-memory mode the build's panic=abort traps the pool worker: `TaskError::WorkerDied`).
pub struct Boom;
impl RemoteTask for Boom {
    const NAME: &'static str = "boom";
    type Input = String;
    type Output = u32;
    fn run(msg: String) -> Result<u32, String> {
        panic!("{msg}")
    }
}

/// Makes its worker raise an uncaught JS error a moment later (an `error` event on the page's
/// `Worker` object: the pool must report the worker dead and replace it).
pub struct Crash;
impl RemoteTask for Crash {
    const NAME: &'static str = "crash";
    type Input = ();
    type Output = ();
    fn run((): ()) -> Result<(), String> {
        let f = js_sys::Function::new_no_args(
            "setTimeout(() => { throw new Error('portalis test: worker crash'); }, 0)",
        );
        f.call0(&wasm_bindgen::JsValue::NULL)
            .map(drop)
            .map_err(|e| format!("{e:?}"))
    }
}

/// A task type that is deliberately NOT in the table below.
pub struct NotRegistered;
impl RemoteTask for NotRegistered {
    const NAME: &'static str = "not_registered";
    type Input = u8;
    type Output = u8;
    fn run(x: u8) -> Result<u8, String> {
        Ok(x)
    }
}

portalis_scheduler::remote_tasks![Sum, CountPrimes, Fail, Boom, Crash];

/// The checks every mode passes; returns how many calls it checked.
pub async fn common_suite(pool: &TaskPool) -> usize {
    let mut checked = 0;
    for n in [0u64, 1, 10, 1000] {
        let v: Vec<u64> = (1..=n).collect();
        assert_eq!(pool.run::<Sum>(v).await, Ok(n * (n + 1) / 2), "sum 1..={n}");
        checked += 1;
    }
    // Known answers: 25 primes below 100, 168 below 1000, 1229 below 10,000.
    for (hi, want) in [(100, 25), (1000, 168), (10_000, 1229)] {
        assert_eq!(pool.run::<CountPrimes>((0, hi)).await, Ok(want));
        checked += 1;
    }
    assert_eq!(
        pool.run::<Fail>("no luck".into()).await,
        Err(TaskError::Failed {
            task: "fail".into(),
            message: "no luck".into()
        })
    );
    checked += 1;
    // The pool still works after a failing task.
    assert_eq!(pool.run::<Sum>(vec![2, 3]).await, Ok(5));
    checked + 1
}

/// The message-passing extras: a panic, an unknown name, an undecodable payload and a dying
/// worker each fail only their own call; the pool keeps answering.
pub async fn remote_suite(pool: &TaskPool) -> usize {
    let TaskPool::Remote(remote) = pool else {
        panic!("expected the message-passing mode, got {:?}", pool.mode());
    };
    assert_eq!(pool.mode(), Mode::MessagePassing);
    let mut checked = 0;
    match pool.run::<Boom>("kaboom".into()).await {
        Err(TaskError::Panicked { task, message }) => {
            assert_eq!(task, "boom");
            assert!(message.contains("kaboom"), "panic message: {message}");
        }
        other => panic!("expected a panic error, got {other:?}"),
    }
    checked += 1;
    // Every worker still answers (the panicked one re-instantiated its module).
    for _ in 0..2 * remote.num_workers() {
        assert_eq!(pool.run::<Sum>(vec![1, 2, 3]).await, Ok(6));
        checked += 1;
    }
    assert_eq!(
        pool.run::<NotRegistered>(1).await,
        Err(TaskError::UnknownTask("not_registered".into()))
    );
    checked += 1;
    match remote
        .call_raw("sum", b"\xff\xff\xff not an envelope")
        .await
    {
        Err(TaskError::BadInput { task, .. }) => assert_eq!(task, "sum"),
        other => panic!("expected BadInput, got {other:?}"),
    }
    checked += 1;
    assert_eq!(pool.run::<Sum>(vec![4]).await, Ok(4));
    checked += 1;
    // A worker that dies is reported and replaced.
    assert_eq!(remote.replaced_workers(), 0);
    assert_eq!(pool.run::<Crash>(()).await, Ok(()));
    while remote.replaced_workers() == 0 {
        super::sleep_ms(5).await;
    }
    for _ in 0..2 * remote.num_workers() {
        assert_eq!(pool.run::<Sum>(vec![5, 5]).await, Ok(10));
        checked += 1;
    }
    checked + 1
}
