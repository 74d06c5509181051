//! Channel workloads shared by `benches/channel.rs` (criterion) and the perf table
//! (`benches/perf_table/channel.rs`): crossbeam-channel's benchmark suite
//! (`crossbeam-channel/benchmarks/crossbeam-channel.rs`) over one small trait, so one body
//! measures ours, crossbeam-channel, flume, kanal and std mpsc in the same run.
#![allow(dead_code, unreachable_pub, missing_docs)]

use std::thread;
use std::time::{Duration, Instant};

/// Buffer discipline of a cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavour {
    /// `bounded(0)`.
    Bounded0,
    /// `bounded(1)`.
    Bounded1,
    /// `bounded(n)` with n = the message count.
    BoundedN,
    /// `unbounded()`.
    Unbounded,
}

impl Flavour {
    pub const ALL: [Flavour; 4] = [
        Flavour::Bounded0,
        Flavour::Bounded1,
        Flavour::BoundedN,
        Flavour::Unbounded,
    ];
    pub fn name(self) -> &'static str {
        match self {
            Flavour::Bounded0 => "bounded0",
            Flavour::Bounded1 => "bounded1",
            Flavour::BoundedN => "boundedN",
            Flavour::Unbounded => "unbounded",
        }
    }
}

/// A workload of the suite.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Workload {
    Seq,
    Spsc,
    Mpsc,
    Mpmc,
    SelectRx,
    SelectBoth,
}

impl Workload {
    pub const ALL: [Workload; 6] = [
        Workload::Seq,
        Workload::Spsc,
        Workload::Mpsc,
        Workload::Mpmc,
        Workload::SelectRx,
        Workload::SelectBoth,
    ];
    pub fn name(self) -> &'static str {
        match self {
            Workload::Seq => "seq",
            Workload::Spsc => "spsc",
            Workload::Mpsc => "mpsc",
            Workload::Mpmc => "mpmc",
            Workload::SelectRx => "select_rx",
            Workload::SelectBoth => "select_both",
        }
    }
}

/// One channel implementation under test.
pub trait Chan {
    const NAME: &'static str;
    /// Receivers can be cloned (MPMC).
    const MPMC: bool = true;
    /// Has a dynamic select over receivers and over senders.
    const SELECT: bool = true;
    /// Selecting on both sides is reliable (flume's hangs, docs/notes/channels.md Table 1).
    const SELECT_BOTH: bool = true;
    type S: Send + Clone + 'static;
    type R: Send + 'static;
    fn make(f: Flavour, n: usize) -> (Self::S, Self::R) {
        match f {
            Flavour::Bounded0 => Self::bounded(0),
            Flavour::Bounded1 => Self::bounded(1),
            Flavour::BoundedN => Self::bounded(n),
            Flavour::Unbounded => Self::unbounded(),
        }
    }
    fn bounded(cap: usize) -> (Self::S, Self::R);
    fn unbounded() -> (Self::S, Self::R);
    fn send(s: &Self::S, v: u64);
    fn recv(r: &Self::R) -> u64;
    // Peers without MPMC receivers or select (std mpsc) keep these defaults; `supports`
    // leaves those cells out for them, so the defaults are never called.
    fn clone_r(_r: &Self::R) -> Self::R {
        unreachable!(
            "{} has no MPMC receiver; `supports` skips this cell",
            Self::NAME
        )
    }
    fn select_recv(_rs: &[Self::R]) -> u64 {
        unreachable!("{} has no select; `supports` skips this cell", Self::NAME)
    }
    fn select_send(_ss: &[Self::S], _v: u64) {
        unreachable!("{} has no select; `supports` skips this cell", Self::NAME)
    }
}

/// `true` if the implementation can run this cell.
pub fn supports<C: Chan>(w: Workload, f: Flavour) -> bool {
    match w {
        Workload::Seq => f != Flavour::Bounded0,
        Workload::Mpmc => C::MPMC,
        Workload::SelectRx => C::SELECT,
        Workload::SelectBoth => C::SELECT && C::SELECT_BOTH && C::MPMC,
        _ => true,
    }
}

/// The seq cell: `n` messages through one channel on one thread (bounded(1): send, recv, send,
/// …; otherwise all sends, then all receives). The loops and the channel's drop are timed by
/// `clock` (the wall clock in [`run`]; the perf table passes the thread's CPU clock, since
/// nothing here blocks or leaves the thread); building the channel is not timed.
pub fn seq<C: Chan>(f: Flavour, n: usize, clock: fn(&mut dyn FnMut()) -> Duration) -> Duration {
    let mut chan = Some(C::make(f, n));
    clock(&mut || {
        let Some((s, r)) = chan.take() else { return };
        if f == Flavour::Bounded1 {
            for i in 0..n as u64 {
                C::send(&s, i);
                std::hint::black_box(C::recv(&r));
            }
        } else {
            for i in 0..n as u64 {
                C::send(&s, i);
            }
            for _ in 0..n {
                std::hint::black_box(C::recv(&r));
            }
        }
    })
}

/// Runs one cell with `n` messages and `t` threads per side; returns the wall time.
pub fn run<C: Chan>(w: Workload, f: Flavour, n: usize, t: usize) -> Duration {
    let start;
    match w {
        Workload::Seq => {
            return seq::<C>(f, n, |g| {
                let t = Instant::now();
                g();
                t.elapsed()
            })
        }
        Workload::Spsc | Workload::Mpsc => {
            let p = if w == Workload::Spsc { 1 } else { t };
            let (s, r) = C::make(f, n);
            start = Instant::now();
            thread::scope(|sc| {
                for _ in 0..p {
                    let s = s.clone();
                    sc.spawn(move || {
                        for i in 0..(n / p) as u64 {
                            C::send(&s, i);
                        }
                    });
                }
                for _ in 0..(n / p) * p {
                    std::hint::black_box(C::recv(&r));
                }
            });
        }
        Workload::Mpmc => {
            let (s, r) = C::make(f, n);
            start = Instant::now();
            thread::scope(|sc| {
                for _ in 0..t {
                    let s = s.clone();
                    sc.spawn(move || {
                        for i in 0..(n / t) as u64 {
                            C::send(&s, i);
                        }
                    });
                }
                for _ in 0..t {
                    let r = C::clone_r(&r);
                    sc.spawn(move || {
                        for _ in 0..n / t {
                            std::hint::black_box(C::recv(&r));
                        }
                    });
                }
            });
        }
        Workload::SelectRx => {
            let chans: Vec<_> = (0..t).map(|_| C::make(f, n)).collect();
            let (ss, rs): (Vec<_>, Vec<_>) = chans.into_iter().unzip();
            start = Instant::now();
            thread::scope(|sc| {
                for s in &ss {
                    let s = s.clone();
                    sc.spawn(move || {
                        for i in 0..(n / t) as u64 {
                            C::send(&s, i);
                        }
                    });
                }
                for _ in 0..(n / t) * t {
                    std::hint::black_box(C::select_recv(&rs));
                }
            });
        }
        Workload::SelectBoth => {
            let chans: Vec<_> = (0..t).map(|_| C::make(f, n)).collect();
            let (ss, rs): (Vec<_>, Vec<_>) = chans.into_iter().unzip();
            start = Instant::now();
            thread::scope(|sc| {
                for _ in 0..t {
                    let ss = ss.clone();
                    sc.spawn(move || {
                        for i in 0..(n / t) as u64 {
                            C::select_send(&ss, i);
                        }
                    });
                }
                for _ in 0..t {
                    let rs: Vec<_> = rs.iter().map(C::clone_r).collect();
                    sc.spawn(move || {
                        for _ in 0..n / t {
                            std::hint::black_box(C::select_recv(&rs));
                        }
                    });
                }
            });
        }
    }
    start.elapsed()
}

/// Ping-pong round trips over two channels of flavour `f` (row T1): total wall time.
pub fn pingpong<C: Chan>(f: Flavour, rounds: usize) -> Duration {
    let (s1, r1) = C::make(f, 1);
    let (s2, r2) = C::make(f, 1);
    let start = Instant::now();
    thread::scope(|sc| {
        sc.spawn(move || {
            for _ in 0..rounds {
                let v = C::recv(&r1);
                C::send(&s2, v);
            }
        });
        for i in 0..rounds as u64 {
            C::send(&s1, i);
            std::hint::black_box(C::recv(&r2));
        }
    });
    start.elapsed()
}

// ---------------------------------------------------------------------------------------------

pub struct Ours;
impl Chan for Ours {
    const NAME: &'static str = "ours";
    type S = portalis_threading::channel::Sender<u64>;
    type R = portalis_threading::channel::Receiver<u64>;
    fn bounded(cap: usize) -> (Self::S, Self::R) {
        portalis_threading::channel::bounded(cap)
    }
    fn unbounded() -> (Self::S, Self::R) {
        portalis_threading::channel::unbounded()
    }
    fn send(s: &Self::S, v: u64) {
        s.send(v).unwrap()
    }
    fn recv(r: &Self::R) -> u64 {
        r.recv().unwrap()
    }
    fn clone_r(r: &Self::R) -> Self::R {
        r.clone()
    }
    fn select_recv(rs: &[Self::R]) -> u64 {
        let mut sel = portalis_threading::channel::Select::new();
        for r in rs {
            sel.recv(r);
        }
        let oper = sel.select();
        let i = oper.index();
        oper.recv(&rs[i]).unwrap()
    }
    fn select_send(ss: &[Self::S], v: u64) {
        let mut sel = portalis_threading::channel::Select::new();
        for s in ss {
            sel.send(s);
        }
        let oper = sel.select();
        let i = oper.index();
        oper.send(&ss[i], v).unwrap()
    }
}

pub struct Crossbeam;
impl Chan for Crossbeam {
    const NAME: &'static str = "crossbeam";
    type S = crossbeam_channel::Sender<u64>;
    type R = crossbeam_channel::Receiver<u64>;
    fn bounded(cap: usize) -> (Self::S, Self::R) {
        crossbeam_channel::bounded(cap)
    }
    fn unbounded() -> (Self::S, Self::R) {
        crossbeam_channel::unbounded()
    }
    fn send(s: &Self::S, v: u64) {
        s.send(v).unwrap()
    }
    fn recv(r: &Self::R) -> u64 {
        r.recv().unwrap()
    }
    fn clone_r(r: &Self::R) -> Self::R {
        r.clone()
    }
    fn select_recv(rs: &[Self::R]) -> u64 {
        let mut sel = crossbeam_channel::Select::new();
        for r in rs {
            sel.recv(r);
        }
        let oper = sel.select();
        let i = oper.index();
        oper.recv(&rs[i]).unwrap()
    }
    fn select_send(ss: &[Self::S], v: u64) {
        let mut sel = crossbeam_channel::Select::new();
        for s in ss {
            sel.send(s);
        }
        let oper = sel.select();
        let i = oper.index();
        oper.send(&ss[i], v).unwrap()
    }
}

pub struct Flume;
impl Chan for Flume {
    const NAME: &'static str = "flume";
    // flume's select_both hangs (zesterer/flume #44, #135; docs/notes/channels.md Table 1).
    const SELECT_BOTH: bool = false;
    type S = flume::Sender<u64>;
    type R = flume::Receiver<u64>;
    fn bounded(cap: usize) -> (Self::S, Self::R) {
        flume::bounded(cap)
    }
    fn unbounded() -> (Self::S, Self::R) {
        flume::unbounded()
    }
    fn send(s: &Self::S, v: u64) {
        s.send(v).unwrap()
    }
    fn recv(r: &Self::R) -> u64 {
        r.recv().unwrap()
    }
    fn clone_r(r: &Self::R) -> Self::R {
        r.clone()
    }
    fn select_recv(rs: &[Self::R]) -> u64 {
        let mut sel = flume::Selector::new();
        for r in rs {
            sel = sel.recv(r, |m| m.unwrap());
        }
        sel.wait()
    }
    fn select_send(ss: &[Self::S], v: u64) {
        let mut sel = flume::Selector::new();
        for s in ss {
            sel = sel.send(s, v, |r| r.unwrap());
        }
        sel.wait()
    }
}

pub struct Kanal;
impl Chan for Kanal {
    const NAME: &'static str = "kanal";
    const SELECT: bool = false;
    type S = kanal::Sender<u64>;
    type R = kanal::Receiver<u64>;
    fn bounded(cap: usize) -> (Self::S, Self::R) {
        kanal::bounded(cap)
    }
    fn unbounded() -> (Self::S, Self::R) {
        kanal::unbounded()
    }
    fn send(s: &Self::S, v: u64) {
        s.send(v).unwrap()
    }
    fn recv(r: &Self::R) -> u64 {
        r.recv().unwrap()
    }
    fn clone_r(r: &Self::R) -> Self::R {
        r.clone()
    }
}

/// std's mpsc: `sync_channel(cap)` / `channel()`; no MPMC receiver, no select.
pub struct StdMpsc;
#[derive(Clone)]
pub enum StdSender {
    Sync(std::sync::mpsc::SyncSender<u64>),
    Async(std::sync::mpsc::Sender<u64>),
}
impl Chan for StdMpsc {
    const NAME: &'static str = "std";
    const MPMC: bool = false;
    const SELECT: bool = false;
    type S = StdSender;
    type R = std::sync::mpsc::Receiver<u64>;
    fn bounded(cap: usize) -> (Self::S, Self::R) {
        let (s, r) = std::sync::mpsc::sync_channel(cap);
        (StdSender::Sync(s), r)
    }
    fn unbounded() -> (Self::S, Self::R) {
        let (s, r) = std::sync::mpsc::channel();
        (StdSender::Async(s), r)
    }
    fn send(s: &Self::S, v: u64) {
        match s {
            StdSender::Sync(s) => s.send(v).unwrap(),
            StdSender::Async(s) => s.send(v).unwrap(),
        }
    }
    fn recv(r: &Self::R) -> u64 {
        r.recv().unwrap()
    }
}

// ---- Row C3: oversubscription ----------------------------------------------------------------

/// Row C3's two shapes: `(workload, t for 2 threads, t for 16 threads)`, where `t` is the
/// threads-per-side argument of [`run`] (mpsc: `t` producers + 1 consumer; mpmc: `t` + `t`).
pub const C3_SHAPES: [(Workload, usize, usize); 2] =
    [(Workload::Mpsc, 1, 15), (Workload::Mpmc, 1, 8)];

/// Messages per run on hand-off cells (bounded(0), bounded(1)) where N is shortened.
pub const N_HANDOFF: usize = 10_000;
/// Messages per run on buffered cells where N is shortened.
pub const N_BUFFERED: usize = 200_000;

/// The shortened message count for flavour `f` (hand-off cells cost 1–15 µs/msg at peers).
pub fn short_n(f: Flavour) -> usize {
    match f {
        Flavour::Bounded0 | Flavour::Bounded1 => N_HANDOFF,
        _ => N_BUFFERED,
    }
}

// ---- Row C4: oneshot and broadcast -------------------------------------------------------------

/// `reps` times: create a one-message channel with `make`, send `i` on it, receive it.
/// The same loop drives ours (`oneshot`) and the peers (`bounded(1)` per message).
pub fn oneshot_loop<S, R>(
    reps: usize,
    make: impl Fn() -> (S, R),
    send: impl Fn(S, u64),
    recv: impl Fn(R) -> u64,
) -> Duration {
    let t = Instant::now();
    for i in 0..reps as u64 {
        let (s, r) = make();
        send(s, i);
        std::hint::black_box(recv(r));
    }
    t.elapsed()
}

pub fn oneshot_ours(reps: usize) -> Duration {
    oneshot_loop(
        reps,
        portalis_threading::channel::oneshot::<u64>,
        |s, v| s.send(v).unwrap(),
        |r| r.recv().unwrap(),
    )
}

pub fn oneshot_crossbeam(reps: usize) -> Duration {
    oneshot_loop(
        reps,
        || crossbeam_channel::bounded::<u64>(1),
        |s, v| s.send(v).unwrap(),
        |r| r.recv().unwrap(),
    )
}

pub fn oneshot_flume(reps: usize) -> Duration {
    oneshot_loop(
        reps,
        || flume::bounded::<u64>(1),
        |s, v| s.send(v).unwrap(),
        |r| r.recv().unwrap(),
    )
}

/// Receivers (one thread each) of the broadcast workload.
pub const BCAST_RECEIVERS: usize = 4;
/// Ring capacity of the broadcast channel (and of each peer channel).
pub const BCAST_CAP: usize = 1024;

/// Ours: one broadcast channel, 4 subscribers; each receiver accounts for every message:
/// received, or skipped as `Lagged(n)`.
pub fn broadcast_ours(msgs: usize) -> Duration {
    use portalis_threading::channel::broadcast::{broadcast, RecvError};
    let (tx, rx) = broadcast::<u64>(BCAST_CAP);
    let rxs: Vec<_> = (0..BCAST_RECEIVERS).map(|_| tx.subscribe()).collect();
    drop(rx);
    let start = Instant::now();
    thread::scope(|sc| {
        for mut rx in rxs {
            sc.spawn(move || {
                let mut seen = 0u64;
                while seen < msgs as u64 {
                    match rx.recv() {
                        Ok(v) => {
                            std::hint::black_box(v);
                            seen += 1;
                        }
                        Err(RecvError::Lagged(n)) => seen += n,
                        Err(RecvError::Closed) => break,
                    }
                }
            });
        }
        for i in 0..msgs as u64 {
            tx.send(i).unwrap();
        }
        drop(tx);
    });
    start.elapsed()
}

/// Peer: 4 crossbeam `bounded(1024)` channels, the sender sends every message on each.
pub fn broadcast_crossbeam(msgs: usize) -> Duration {
    let (ss, rs): (Vec<_>, Vec<_>) = (0..BCAST_RECEIVERS)
        .map(|_| crossbeam_channel::bounded::<u64>(BCAST_CAP))
        .unzip();
    let start = Instant::now();
    thread::scope(|sc| {
        for r in rs {
            sc.spawn(move || {
                for v in r.iter() {
                    std::hint::black_box(v);
                }
            });
        }
        for i in 0..msgs as u64 {
            for s in &ss {
                s.send(i).unwrap();
            }
        }
        drop(ss);
    });
    start.elapsed()
}
