//! Sequential specifications of the structures the checker is run on. Each one is the
//! documented contract, written as the smallest state machine that says it; where the
//! contract allows more than one outcome (a `try_send` on a rendezvous channel may find no
//! receiver waiting), the spec allows each of them and says so.
use super::Spec;
use std::collections::VecDeque;

/// A channel operation (mpmc flavours).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChanOp {
    /// `send(v)` (blocks while full).
    Send(u32),
    /// `try_send(v)`.
    TrySend(u32),
    /// `send_timeout(v, t)`.
    SendTimeout(u32),
    /// `recv()` (blocks while empty).
    Recv,
    /// `try_recv()`.
    TryRecv,
    /// `recv_timeout(t)`, `t` possibly zero.
    RecvTimeout,
}

/// A channel operation's result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChanRet {
    /// A send succeeded.
    Sent,
    /// `try_send` found the channel full (`Full`).
    Full,
    /// A timed operation timed out.
    Timeout,
    /// A receive returned this message.
    Got(u32),
    /// `try_recv` found nothing (`Empty`).
    Empty,
    /// The other side is gone.
    Disconnected,
}

/// A FIFO channel with `cap` slots (`usize::MAX`: unbounded), no handle ever dropped during
/// the history. A timed-out receive linearizes at a moment the channel was empty; a
/// timed-out or refused send at a moment it was full.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Queue {
    cap: usize,
    items: VecDeque<u32>,
}

impl Queue {
    /// An empty channel of capacity `cap` (`usize::MAX` for unbounded).
    pub fn new(cap: usize) -> Self {
        Queue {
            cap,
            items: VecDeque::new(),
        }
    }
}

impl Spec for Queue {
    type Op = ChanOp;
    type Ret = ChanRet;
    fn step(&self, op: &ChanOp, ret: &ChanRet) -> Option<Self> {
        use ChanOp::*;
        use ChanRet::*;
        let full = self.items.len() >= self.cap;
        let mut next = self.clone();
        match (*op, *ret) {
            (Send(v) | TrySend(v) | SendTimeout(v), Sent) if !full => next.items.push_back(v),
            (TrySend(_), Full) | (SendTimeout(_), Timeout) if full => {}
            (Recv | TryRecv | RecvTimeout, Got(v)) if self.items.front() == Some(&v) => {
                next.items.pop_front();
            }
            (TryRecv, Empty) | (RecvTimeout, Timeout) if self.items.is_empty() => {}
            _ => return None,
        }
        Some(next)
    }
}

/// A zero-capacity (rendezvous) channel: a send and the receive that takes its message
/// overlap in time, so they can be placed next to each other. The state holds the message
/// between the two: while it is `Some`, only the receive that returns it may come next. A
/// refused `try_send` and a timed-out send are allowed whenever nothing is in flight (the
/// spec does not track waiting receivers), as are an `Empty` `try_recv` and a timed-out
/// receive.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Rendezvous {
    in_flight: Option<u32>,
}

impl Spec for Rendezvous {
    type Op = ChanOp;
    type Ret = ChanRet;
    fn step(&self, op: &ChanOp, ret: &ChanRet) -> Option<Self> {
        use ChanOp::*;
        use ChanRet::*;
        match (self.in_flight, *op, *ret) {
            (None, Send(v) | TrySend(v) | SendTimeout(v), Sent) => {
                Some(Rendezvous { in_flight: Some(v) })
            }
            (Some(m), Recv | TryRecv | RecvTimeout, Got(v)) if m == v => {
                Some(Rendezvous::default())
            }
            (None, TrySend(_), Full)
            | (None, SendTimeout(_), Timeout)
            | (None, TryRecv, Empty)
            | (None, RecvTimeout, Timeout) => Some(self.clone()),
            _ => None,
        }
    }
}

/// A broadcast channel operation: `Send(v)` on the (shared) sender, `TryRecv(r)` on
/// receiver `r`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BroadcastOp {
    /// `send(v)`.
    Send(u32),
    /// `try_recv()` on receiver `r`.
    TryRecv(usize),
}

/// A broadcast operation's result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BroadcastRet {
    /// `send` returned `Ok(n)`: `n` receivers.
    Sent(usize),
    /// A message.
    Got(u32),
    /// Nothing new.
    Empty,
    /// `Lagged(n)`: this receiver missed `n` messages.
    Lagged(u64),
}

/// A broadcast channel keeping the last `cap` messages, `receivers` receivers subscribed at
/// the start: every receiver sees every message in order, or `Lagged(n)` when more than
/// `cap` were sent past its cursor, after which it continues from the oldest one kept.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Broadcast {
    cap: u64,
    /// Every message sent, by sequence number (histories are short).
    log: Vec<u32>,
    cursors: Vec<u64>,
}

impl Broadcast {
    /// A channel of capacity `cap` with `receivers` receivers.
    pub fn new(cap: usize, receivers: usize) -> Self {
        Broadcast {
            cap: cap as u64,
            log: Vec::new(),
            cursors: vec![0; receivers],
        }
    }
}

impl Spec for Broadcast {
    type Op = BroadcastOp;
    type Ret = BroadcastRet;
    fn step(&self, op: &BroadcastOp, ret: &BroadcastRet) -> Option<Self> {
        let mut next = self.clone();
        let tail = self.log.len() as u64;
        match (*op, *ret) {
            (BroadcastOp::Send(v), BroadcastRet::Sent(n)) if n == self.cursors.len() => {
                next.log.push(v)
            }
            (BroadcastOp::TryRecv(r), got) => {
                let c = *self.cursors.get(r)?;
                let expect = if tail > c + self.cap {
                    next.cursors[r] = tail - self.cap;
                    BroadcastRet::Lagged(tail - self.cap - c)
                } else if c < tail {
                    next.cursors[r] = c + 1;
                    BroadcastRet::Got(self.log[c as usize])
                } else {
                    BroadcastRet::Empty
                };
                if got != expect {
                    return None;
                }
            }
            _ => return None,
        }
        Some(next)
    }
}

/// A oneshot channel operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OneshotOp {
    /// `send(v)` (consumes the sender).
    Send(u32),
    /// The sender dropped without sending.
    DropSender,
    /// `try_recv()`.
    TryRecv,
    /// `recv_timeout(t)`.
    RecvTimeout,
}

/// A oneshot channel: empty, then holding the value (or the sender gone), then taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Oneshot {
    /// Nothing sent yet, sender alive.
    #[default]
    Empty,
    /// The value waits.
    Full(u32),
    /// The value was received, or the sender dropped without sending.
    Over,
}

impl Spec for Oneshot {
    type Op = OneshotOp;
    type Ret = ChanRet;
    fn step(&self, op: &OneshotOp, ret: &ChanRet) -> Option<Self> {
        use ChanRet::*;
        use OneshotOp::*;
        match (*self, *op, *ret) {
            (Oneshot::Empty, Send(v), Sent) => Some(Oneshot::Full(v)),
            (Oneshot::Empty, DropSender, Sent) => Some(Oneshot::Over),
            (Oneshot::Full(m), TryRecv | RecvTimeout, Got(v)) if m == v => Some(Oneshot::Over),
            (Oneshot::Empty, TryRecv, Empty) | (Oneshot::Empty, RecvTimeout, Timeout) => {
                Some(*self)
            }
            (Oneshot::Over, TryRecv | RecvTimeout, Disconnected) => Some(*self),
            _ => None,
        }
    }
}

/// A semaphore operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SemOp {
    /// `try_acquire_many(n)`.
    TryAcquire(u32),
    /// `acquire_many_timeout(n, t)`.
    AcquireTimeout(u32),
    /// `release_many(n)`.
    Release(u32),
}

/// A counting semaphore with an upper bound (`u32::MAX >> 1` stands for the plain
/// semaphore's limit): an acquire of `n` succeeds iff `n` permits are there, a timed-out or
/// refused one linearizes at a moment fewer were; a release fails iff it would pass the bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Semaphore {
    permits: u32,
    bound: u32,
}

impl Semaphore {
    /// `permits` available, at most `bound`.
    pub fn new(permits: u32, bound: u32) -> Self {
        Semaphore { permits, bound }
    }
}

impl Spec for Semaphore {
    type Op = SemOp;
    /// `true`: acquired / released.
    type Ret = bool;
    fn step(&self, op: &SemOp, ok: &bool) -> Option<Self> {
        let mut next = *self;
        match (*op, *ok) {
            (SemOp::TryAcquire(n) | SemOp::AcquireTimeout(n), true) if self.permits >= n => {
                next.permits -= n
            }
            (SemOp::TryAcquire(n) | SemOp::AcquireTimeout(n), false) if self.permits < n => {}
            (SemOp::Release(n), true) if self.permits.checked_add(n)? <= self.bound => {
                next.permits += n
            }
            (SemOp::Release(n), false)
                if self.permits.checked_add(n).is_none_or(|p| p > self.bound) => {}
            _ => return None,
        }
        Some(next)
    }
}

/// An operation on a mutex guarding a counter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MutexOp {
    /// `lock()` by thread `t`.
    Lock(usize),
    /// `try_lock()` (or `try_lock_for(0)`) by thread `t`.
    TryLock(usize),
    /// `*guard += 1` by thread `t` (returns the old value).
    Incr(usize),
    /// Drop of thread `t`'s guard.
    Unlock(usize),
}

/// A mutex and the counter it guards: `lock` waits for no holder; `try_lock` fails only while
/// another thread holds it; only the holder increments (each increment sees the previous).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct LockedCounter {
    holder: Option<usize>,
    counter: u32,
}

impl Spec for LockedCounter {
    type Op = MutexOp;
    /// `Lock`/`Unlock`: 0; `TryLock`: 1 acquired, 0 refused; `Incr`: the value before.
    type Ret = u32;
    fn step(&self, op: &MutexOp, ret: &u32) -> Option<Self> {
        let mut next = *self;
        match (*op, *ret, self.holder) {
            (MutexOp::Lock(t), 0, None) | (MutexOp::TryLock(t), 1, None) => next.holder = Some(t),
            (MutexOp::TryLock(t), 0, Some(h)) if h != t => {}
            (MutexOp::Incr(t), old, Some(h)) if h == t && old == self.counter => next.counter += 1,
            (MutexOp::Unlock(t), 0, Some(h)) if h == t => next.holder = None,
            _ => return None,
        }
        Some(next)
    }
}

/// An executor future operation (Python's `concurrent.futures.Future` surface).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FutureOp {
    /// `set_result(v)`.
    SetResult(u32),
    /// `cancel()`.
    Cancel,
    /// `done()`.
    Done,
    /// `cancelled()`.
    Cancelled,
    /// `result(Some(0))`.
    ResultNow,
}

/// A future operation's result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FutureRet {
    /// `true`/`false` from `cancel`, `done`, `cancelled`, or `set_result` (`Ok` = true).
    Bool(bool),
    /// `result` returned this value.
    Value(u32),
    /// `result` returned `Err(Cancelled)`.
    IsCancelled,
    /// `result` returned `Err(Timeout)`.
    NotYet,
}

/// A future never submitted to a pool: pending until `set_result` finishes it or `cancel`
/// cancels it; both are final, and `cancel` of a cancelled future is `true` again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum FutureSpec {
    /// Neither finished nor cancelled.
    #[default]
    Pending,
    /// Finished with this value.
    Finished(u32),
    /// Cancelled.
    Cancelled,
}

impl Spec for FutureSpec {
    type Op = FutureOp;
    type Ret = FutureRet;
    fn step(&self, op: &FutureOp, ret: &FutureRet) -> Option<Self> {
        use FutureRet::*;
        use FutureSpec::*;
        let (next, expect) = match (*self, *op) {
            (Pending, FutureOp::SetResult(v)) => (Finished(v), Bool(true)),
            (s, FutureOp::SetResult(_)) => (s, Bool(false)),
            (Pending | Cancelled, FutureOp::Cancel) => (Cancelled, Bool(true)),
            (s, FutureOp::Cancel) => (s, Bool(false)),
            (s, FutureOp::Done) => (s, Bool(s != Pending)),
            (s, FutureOp::Cancelled) => (s, Bool(s == Cancelled)),
            (Pending, FutureOp::ResultNow) => (Pending, NotYet),
            (Finished(v), FutureOp::ResultNow) => (*self, Value(v)),
            (Cancelled, FutureOp::ResultNow) => (Cancelled, IsCancelled),
        };
        (*ret == expect).then_some(next)
    }
}
