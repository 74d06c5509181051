//! Linearizability of the semaphores, a mutex-protected counter and the executor's `Future`,
//! from real threads: thousands of short random histories each, checked against the
//! sequential specifications in `portalis_verify::lin::specs`. Printed: the counts.
#![cfg(not(any(portalis_loom, portalis_shuttle)))]

use portalis_primitives::{BoundedSemaphore, Mutex, Semaphore};
use portalis_scheduler::executor::{Future, FutureError};
use portalis_verify::lin::specs::{
    self, FutureOp, FutureRet, FutureSpec, LockedCounter, MutexOp, SemOp,
};
use portalis_verify::lin::{Rng, Run, ThreadLog};
use std::time::Duration;

/// Histories per structure (times `PORTALIS_SOAK`).
const HISTORIES: usize = 2_000;

fn timeout(rng: &mut Rng) -> Duration {
    if rng.below(2) == 0 {
        Duration::ZERO
    } else {
        Duration::from_micros(300)
    }
}

/// The operations both semaphore types share.
trait Sem: Sync {
    fn try_acquire_many(&self, n: u32) -> bool;
    fn acquire_many_timeout(&self, n: u32, d: Duration) -> bool;
    fn release_many(&self, n: u32) -> bool;
}

impl Sem for Semaphore {
    fn try_acquire_many(&self, n: u32) -> bool {
        Semaphore::try_acquire_many(self, n)
    }
    fn acquire_many_timeout(&self, n: u32, d: Duration) -> bool {
        Semaphore::acquire_many_timeout(self, n, d)
    }
    fn release_many(&self, n: u32) -> bool {
        Semaphore::release_many(self, n).is_ok()
    }
}

impl Sem for BoundedSemaphore {
    fn try_acquire_many(&self, n: u32) -> bool {
        BoundedSemaphore::try_acquire_many(self, n)
    }
    fn acquire_many_timeout(&self, n: u32, d: Duration) -> bool {
        BoundedSemaphore::acquire_many_timeout(self, n, d)
    }
    fn release_many(&self, n: u32) -> bool {
        BoundedSemaphore::release_many(self, n).is_ok()
    }
}

fn sem_script<S: Sem>(sem: &S, _t: usize, rng: &mut Rng, log: &mut ThreadLog<'_, SemOp, bool>) {
    for _ in 0..rng.range(3, 6) {
        let n = rng.range(1, 2) as u32;
        match rng.below(3) {
            0 => log.op(SemOp::TryAcquire(n), || (sem.try_acquire_many(n), ())),
            1 => {
                let d = timeout(rng);
                log.op(SemOp::AcquireTimeout(n), || {
                    (sem.acquire_many_timeout(n, d), ())
                })
            }
            _ => log.op(SemOp::Release(n), || (sem.release_many(n), ())),
        }
    }
}

/// After the join: take every permit left, one by one, then one more must be refused (the
/// count the spec holds is the count the semaphore holds).
fn sem_drain<S: Sem>(sem: &S, log: &mut ThreadLog<'_, SemOp, bool>) {
    while log.op(SemOp::TryAcquire(1), || {
        let ok = sem.try_acquire_many(1);
        (ok, ok)
    }) {}
}

#[test]
#[ignore = "run in release by verify/scripts/checks.sh (make verify)"]
fn lin_semaphore() {
    Run {
        name: "semaphore",
        histories: HISTORIES,
        threads: 3,
        seed: 0x21,
    }
    .check(
        |rng| {
            let p = rng.range(0, 2) as u32;
            let spec = specs::Semaphore::new(p, Semaphore::MAX_PERMITS);
            (spec, Semaphore::new(p).unwrap(), vec![0, 1, 2])
        },
        sem_script::<Semaphore>,
        sem_drain::<Semaphore>,
    );
}

#[test]
#[ignore = "run in release by verify/scripts/checks.sh (make verify)"]
fn lin_bounded_semaphore() {
    Run {
        name: "bounded semaphore",
        histories: HISTORIES,
        threads: 3,
        seed: 0x22,
    }
    .check(
        |rng| {
            let p = rng.range(1, 3) as u32;
            let spec = specs::Semaphore::new(p, p);
            (spec, BoundedSemaphore::new(p).unwrap(), vec![0, 1, 2])
        },
        sem_script::<BoundedSemaphore>,
        sem_drain::<BoundedSemaphore>,
    );
}

fn mutex_script(m: &Mutex<u32>, t: usize, rng: &mut Rng, log: &mut ThreadLog<'_, MutexOp, u32>) {
    for _ in 0..rng.range(2, 4) {
        let guard = match rng.below(3) {
            0 => Some(log.op(MutexOp::Lock(t), || (0, m.lock()))),
            1 => log.op(MutexOp::TryLock(t), || {
                let g = m.try_lock();
                (u32::from(g.is_some()), g)
            }),
            _ => log.op(MutexOp::TryLock(t), || {
                let g = m.try_lock_for(Duration::ZERO);
                (u32::from(g.is_some()), g)
            }),
        };
        let Some(mut g) = guard else { continue };
        for _ in 0..rng.range(1, 2) {
            log.op(MutexOp::Incr(t), || {
                let old = *g;
                *g += 1;
                (old, ())
            });
        }
        log.op(MutexOp::Unlock(t), || (0, drop(g)));
    }
}

#[test]
#[ignore = "run in release by verify/scripts/checks.sh (make verify)"]
fn lin_mutex_counter() {
    Run {
        name: "mutex-protected counter",
        histories: HISTORIES,
        threads: 3,
        seed: 0x23,
    }
    .check(
        |_| (LockedCounter::default(), Mutex::new(0), vec![0, 1, 2]),
        mutex_script,
        |m, log| {
            // The final value, read under the lock by the main thread.
            let t = 3;
            let mut g = log.op(MutexOp::Lock(t), || (0, m.lock()));
            log.op(MutexOp::Incr(t), || {
                let old = *g;
                *g += 1;
                (old, ())
            });
            log.op(MutexOp::Unlock(t), || (0, drop(g)));
        },
    );
}

fn future_op(f: &Future<u32>, op: FutureOp) -> FutureRet {
    match op {
        FutureOp::SetResult(v) => FutureRet::Bool(f.set_result(v).is_ok()),
        FutureOp::Cancel => FutureRet::Bool(f.cancel()),
        FutureOp::Done => FutureRet::Bool(f.done()),
        FutureOp::Cancelled => FutureRet::Bool(f.cancelled()),
        FutureOp::ResultNow => match f.result(Some(Duration::ZERO)) {
            Ok(v) => FutureRet::Value(v),
            Err(FutureError::Cancelled) => FutureRet::IsCancelled,
            Err(FutureError::Timeout) => FutureRet::NotYet,
            Err(e) => panic!("a future nobody ran reported {e:?}"),
        },
    }
}

#[test]
#[ignore = "run in release by verify/scripts/checks.sh (make verify)"]
fn lin_executor_future() {
    Run {
        name: "executor future",
        histories: HISTORIES,
        threads: 3,
        seed: 0x24,
    }
    .check(
        |_| (FutureSpec::default(), Future::new(), vec![0, 1, 2]),
        |f: &Future<u32>, t: usize, rng, log| {
            for k in 0..rng.range(3, 6) {
                let op = match rng.below(5) {
                    0 => FutureOp::SetResult((t * 16 + k) as u32),
                    1 => FutureOp::Cancel,
                    2 => FutureOp::Done,
                    3 => FutureOp::Cancelled,
                    _ => FutureOp::ResultNow,
                };
                log.op(op, || (future_op(f, op), ()));
            }
        },
        |f, log| {
            log.op(FutureOp::ResultNow, || {
                (future_op(f, FutureOp::ResultNow), ())
            });
        },
    );
}
