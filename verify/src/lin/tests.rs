//! The checker's own tests: legal histories accepted, illegal ones rejected (its negative
//! controls), and the pruning doing its job.
use super::specs::{ChanOp, ChanRet, Queue};
use super::*;

fn ev<O, R>(thread: usize, op: O, ret: R, call: u64, ret_at: u64) -> Event<O, R> {
    Event {
        thread,
        op,
        ret,
        call,
        ret_at,
    }
}

/// A counter: `Some(k)` adds `k` and returns nothing; `None` reads.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
struct Counter(u32);

impl Spec for Counter {
    type Op = Option<u32>;
    type Ret = Option<u32>;
    fn step(&self, op: &Option<u32>, ret: &Option<u32>) -> Option<Self> {
        match (op, ret) {
            (Some(k), None) => Some(Counter(self.0 + k)),
            (None, Some(v)) if *v == self.0 => Some(self.clone()),
            _ => None,
        }
    }
}

#[test]
fn sequential_legal_history_is_accepted_with_its_order() {
    use ChanOp::*;
    use ChanRet::*;
    let h = [
        ev(0, Send(1), Sent, 0, 1),
        ev(0, Send(2), Sent, 2, 3),
        ev(1, TryRecv, Got(1), 4, 5),
        ev(1, TryRecv, Got(2), 6, 7),
        ev(1, TryRecv, Empty, 8, 9),
    ];
    match check(&Queue::new(usize::MAX), &h) {
        Verdict::Linearizable { order, .. } => assert_eq!(order, [0, 1, 2, 3, 4]),
        v => panic!("rejected a legal sequential history: {v:?}"),
    }
}

#[test]
fn overlapping_sends_may_be_received_in_either_order() {
    use ChanOp::*;
    use ChanRet::*;
    // Both sends overlap: the receives saw 2 first, so the witness must place send(2) first.
    let h = [
        ev(0, Send(1), Sent, 0, 3),
        ev(1, Send(2), Sent, 1, 2),
        ev(2, TryRecv, Got(2), 4, 5),
        ev(2, TryRecv, Got(1), 6, 7),
    ];
    match check(&Queue::new(usize::MAX), &h) {
        Verdict::Linearizable { order, .. } => assert_eq!(order, [1, 0, 2, 3]),
        v => panic!("rejected a legal concurrent history: {v:?}"),
    }
}

/// Negative control: FIFO order violated across real time (send(1) returned before send(2)
/// was called, yet 2 came out first). The checker must reject it.
#[test]
fn fifo_violation_across_real_time_is_rejected() {
    use ChanOp::*;
    use ChanRet::*;
    let h = [
        ev(0, Send(1), Sent, 0, 1),
        ev(1, Send(2), Sent, 2, 3),
        ev(2, TryRecv, Got(2), 4, 5),
    ];
    let v = check(&Queue::new(usize::MAX), &h);
    assert!(!v.is_linearizable(), "accepted a FIFO violation: {v:?}");
}

/// Negative control: a lost message. Everything sent returned before the final `Empty`.
#[test]
fn lost_message_is_rejected() {
    use ChanOp::*;
    use ChanRet::*;
    let h = [
        ev(0, TrySend(7), Sent, 0, 2),
        ev(1, TryRecv, Empty, 1, 3), // overlaps the send: may go first, fine
        ev(2, TryRecv, Empty, 4, 5), // after the send returned: the 7 must be there
    ];
    let v = check(&Queue::new(4), &h);
    assert!(!v.is_linearizable(), "accepted a lost message: {v:?}");
    // The same history with the late receive overlapping the send is legal.
    let h2 = [h[0].clone(), h[1].clone(), ev(2, TryRecv, Empty, 1, 5)];
    assert!(check(&Queue::new(4), &h2).is_linearizable());
}

/// Negative control: a bounded channel that accepted more than its capacity.
#[test]
fn overfull_bounded_channel_is_rejected() {
    use ChanOp::*;
    use ChanRet::*;
    let h = [
        ev(0, TrySend(1), Sent, 0, 1),
        ev(0, TrySend(2), Sent, 2, 3),
        ev(1, TrySend(3), Full, 0, 5),
    ];
    assert!(check(&Queue::new(2), &h).is_linearizable());
    assert!(!check(&Queue::new(1), &h).is_linearizable());
}

/// Negative control: a stale read (an add returned, a later read misses it).
#[test]
fn stale_read_is_rejected() {
    let h = [ev(0, Some(1), None, 0, 1), ev(1, None, Some(0), 2, 3)];
    assert!(!check(&Counter(0), &h).is_linearizable());
    // Overlapping, the read may come first.
    let h = [ev(0, Some(1), None, 0, 3), ev(1, None, Some(0), 1, 2)];
    assert!(check(&Counter(0), &h).is_linearizable());
}

/// The memo cuts the search: N fully overlapping adds followed by an impossible read have
/// N! orders but only 2^N distinct (placed set, state) pairs; the search must enter at most
/// that many, and reject.
#[test]
fn memo_bounds_the_search_to_distinct_pairs() {
    const N: u64 = 14;
    let mut h: Vec<_> = (0..N)
        .map(|i| ev(i as usize, Some(1), None, i, 2 * N))
        .collect();
    h.push(ev(0, None, Some(N as u32 + 1), 2 * N + 1, 2 * N + 2));
    let v = check(&Counter(0), &h);
    assert!(!v.is_linearizable());
    // States reached: every subset of the adds (the state is the subset's size, so a pair is
    // determined by the subset): 2^N - 1 non-empty ones. 14! would be 8.7e10.
    assert_eq!(v.states(), (1 << N) - 1);
}

#[test]
fn report_marks_the_longest_prefix() {
    use ChanOp::*;
    use ChanRet::*;
    let h = [ev(0, Send(1), Sent, 0, 1), ev(1, TryRecv, Got(9), 2, 3)];
    let Verdict::NotLinearizable { longest, .. } = check(&Queue::new(1), &h) else {
        panic!("accepted a receive of a value never sent");
    };
    assert_eq!(longest, [0]);
    let r = report(&h, &longest);
    assert!(r.contains("#0") && r.contains("Got(9)"), "{r}");
}

#[test]
#[should_panic(expected = "returns before its call")]
fn malformed_event_is_refused() {
    let _ = check(&Counter(0), &[ev(0, Some(1), None, 5, 5)]);
}

#[test]
fn soak_factor_defaults_to_one() {
    // The variable is only read; an unset or unparsable value means 1.
    if std::env::var_os("PORTALIS_SOAK").is_none() {
        assert_eq!(soak_factor(), 1);
    }
}
