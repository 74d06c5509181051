//! Negative controls of the linearizability checker on real objects and real threads (its
//! unit tests in `src/lin/tests.rs` hold the hand-written ones): each scenario here is built
//! so that it MUST produce a non-linearizable history, and the test fails if the checker
//! accepts it. Deterministic by construction: the bad interleaving is forced with channels,
//! not hoped for.
#![cfg(not(any(portalis_loom, portalis_shuttle)))]

use portalis_primitives::channel::{bounded, unbounded};
use portalis_verify::lin::specs::{ChanOp, ChanRet};
use portalis_verify::lin::{check, Clock, Event, Spec, ThreadLog, Verdict};
use std::sync::atomic::{AtomicU32, Ordering::SeqCst};
use std::thread;

/// A counter: `Incr` returns the value before; `Read` returns the value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
struct Counter(u32);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CounterOp {
    Incr,
    Read,
}

impl Spec for Counter {
    type Op = CounterOp;
    type Ret = u32;
    fn step(&self, op: &CounterOp, ret: &u32) -> Option<Self> {
        (*ret == self.0).then_some(match op {
            CounterOp::Incr => Counter(self.0 + 1),
            CounterOp::Read => *self,
        })
    }
}

/// The seeded bug: an increment written as load-then-store. `pause` runs between the two.
fn racy_incr(v: &AtomicU32, pause: impl FnOnce()) -> u32 {
    let old = v.load(SeqCst);
    pause();
    v.store(old + 1, SeqCst);
    old
}

/// Two real threads run the racy increment with B's whole increment forced inside A's
/// window: both return 0 and the final read is 1. The checker must reject that history;
/// the same schedule with a correct `fetch_add` must be accepted.
#[test]
fn lin_control_lost_update_is_caught() {
    for seeded in [true, false] {
        let v = AtomicU32::new(0);
        let clock = Clock::new();
        let (to_b, b_go) = bounded::<()>(1);
        let (to_a, a_go) = bounded::<()>(1);
        let history: Vec<Event<CounterOp, u32>> = thread::scope(|s| {
            let a = s.spawn(|| {
                let mut log = ThreadLog::new(&clock, 0);
                log.op(CounterOp::Incr, || {
                    let pause = || {
                        to_b.send(()).unwrap();
                        a_go.recv().unwrap();
                    };
                    let old = if seeded {
                        racy_incr(&v, pause)
                    } else {
                        pause();
                        v.fetch_add(1, SeqCst)
                    };
                    (old, ())
                });
                log.into_events()
            });
            let b = s.spawn(|| {
                let mut log = ThreadLog::new(&clock, 1);
                b_go.recv().unwrap();
                log.op(CounterOp::Incr, || (racy_incr(&v, || {}), ()));
                to_a.send(()).unwrap();
                log.into_events()
            });
            let mut h = a.join().unwrap();
            h.extend(b.join().unwrap());
            h
        });
        let mut log = ThreadLog::new(&clock, 2);
        log.op(CounterOp::Read, || (v.load(SeqCst), ()));
        let mut history = history;
        history.extend(log.into_events());
        let verdict = check(&Counter(0), &history);
        assert_eq!(
            verdict.is_linearizable(),
            !seeded,
            "seeded={seeded}: {verdict:?} on {history:?}"
        );
    }
}

/// A deliberately wrong specification (LIFO) against a real FIFO channel: the checker must
/// reject the channel's correct behaviour, so a spec/object mismatch is visible.
#[test]
fn lin_control_wrong_spec_is_caught() {
    #[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
    struct Stack(Vec<u32>);
    impl Spec for Stack {
        type Op = ChanOp;
        type Ret = ChanRet;
        fn step(&self, op: &ChanOp, ret: &ChanRet) -> Option<Self> {
            let mut next = self.clone();
            match (*op, *ret) {
                (ChanOp::Send(v), ChanRet::Sent) => next.0.push(v),
                (ChanOp::TryRecv, ChanRet::Got(v)) if next.0.pop() == Some(v) => {}
                (ChanOp::TryRecv, ChanRet::Empty) if next.0.is_empty() => {}
                _ => return None,
            }
            Some(next)
        }
    }
    let (s, r) = unbounded();
    let clock = Clock::new();
    let mut log = ThreadLog::new(&clock, 0);
    for v in [1, 2] {
        log.op(ChanOp::Send(v), || {
            (
                s.send(v).map_or(ChanRet::Disconnected, |()| ChanRet::Sent),
                (),
            )
        });
    }
    for _ in 0..2 {
        log.op(ChanOp::TryRecv, || {
            (r.try_recv().map_or(ChanRet::Empty, ChanRet::Got), ())
        });
    }
    let history = log.into_events();
    assert!(
        matches!(
            check(&Stack::default(), &history),
            Verdict::NotLinearizable { .. }
        ),
        "a LIFO spec accepted a FIFO channel: {history:?}"
    );
    // And the right spec accepts the same history.
    assert!(check(
        &portalis_verify::lin::specs::Queue::new(usize::MAX),
        &history
    )
    .is_linearizable());
}
