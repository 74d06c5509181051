//! Unit tests of the channel flavours (sized for miri with `cfg!(miri)`).

use super::*;
use crate::sync::Arc;
use crate::time::Instant;
use std::time::Duration;
// The shim is core's atomics here: these tests are compiled out of the model builds.
use crate::sync::atomic::{
    AtomicBool as StdAtomicBool, AtomicUsize as StdAtomicUsize, Ordering as StdOrdering,
};
use std::thread;

const N: usize = if cfg!(miri) { 50 } else { 20_000 };

fn all_flavours() -> Vec<(&'static str, Sender<usize>, Receiver<usize>)> {
    let mut v = Vec::new();
    let (s, r) = bounded(0);
    v.push(("bounded0", s, r));
    let (s, r) = bounded(1);
    v.push(("bounded1", s, r));
    let (s, r) = bounded(16);
    v.push(("bounded16", s, r));
    let (s, r) = unbounded();
    v.push(("unbounded", s, r));
    v
}

#[test]
#[cfg_attr(portalis_no_threads, ignore = "spawns threads; this target has none")]
fn spsc_fifo_every_flavour() {
    for (name, s, r) in all_flavours() {
        let t = thread::spawn(move || {
            for i in 0..N {
                s.send(i).unwrap();
            }
        });
        for i in 0..N {
            assert_eq!(r.recv(), Ok(i), "{name}");
        }
        t.join().unwrap();
        assert_eq!(r.recv(), Err(RecvError), "{name}");
    }
}

#[test]
#[cfg_attr(portalis_no_threads, ignore = "spawns threads; this target has none")]
fn mpmc_no_loss_no_dup() {
    const P: usize = 3;
    for (name, s, r) in all_flavours() {
        let per = N / P;
        let mut hs = Vec::new();
        for p in 0..P {
            let s = s.clone();
            hs.push(thread::spawn(move || {
                for i in 0..per {
                    s.send(p * per + i).unwrap();
                }
            }));
        }
        drop(s);
        let mut cs = Vec::new();
        for _ in 0..2 {
            let r = r.clone();
            cs.push(thread::spawn(move || {
                let mut got = Vec::new();
                let mut last = [None::<usize>; P];
                for v in r.iter() {
                    // FIFO per producer as seen by one consumer.
                    let p = v / per;
                    assert!(last[p].is_none_or(|l| l < v), "per-producer order");
                    last[p] = Some(v);
                    got.push(v);
                }
                got
            }));
        }
        for h in hs {
            h.join().unwrap();
        }
        let mut all: Vec<usize> = cs.into_iter().flat_map(|c| c.join().unwrap()).collect();
        all.sort_unstable();
        assert_eq!(all, (0..per * P).collect::<Vec<_>>(), "{name}");
    }
}

#[test]
fn try_ops_and_errors() {
    let (s, r) = bounded(1);
    assert_eq!(r.try_recv(), Err(TryRecvError::Empty));
    s.try_send(1).unwrap();
    assert_eq!(s.try_send(2), Err(TrySendError::Full(2)));
    assert!(s.is_full());
    assert_eq!(s.len(), 1);
    assert_eq!(s.capacity(), Some(1));
    assert_eq!(r.try_recv(), Ok(1));
    drop(r);
    assert_eq!(s.try_send(3), Err(TrySendError::Disconnected(3)));
    assert_eq!(s.send(4), Err(SendError(4)));
    assert_eq!(format!("{:?}", TrySendError::Full(NoDebug)), "Full(..)");
    assert_eq!(
        TrySendError::Full(5).to_string(),
        "sending on a full channel"
    );

    let (s, r) = bounded::<i32>(0);
    assert_eq!(s.try_send(1), Err(TrySendError::Full(1)));
    assert!(s.is_full() && s.is_empty());
    drop(s);
    assert_eq!(r.try_recv(), Err(TryRecvError::Disconnected));
    assert_eq!(
        r.recv_timeout(Duration::from_millis(1)),
        Err(RecvTimeoutError::Disconnected)
    );
}

struct NoDebug;

#[test]
fn timeouts_do_not_return_early() {
    for (name, s, r) in all_flavours() {
        let d = Duration::from_millis(if cfg!(miri) { 5 } else { 20 });
        let t0 = Instant::now();
        assert_eq!(r.recv_timeout(d), Err(RecvTimeoutError::Timeout), "{name}");
        assert!(t0.elapsed() >= d, "{name}");
        if s.capacity() == Some(0) {
            let t0 = Instant::now();
            assert_eq!(s.send_timeout(7, d), Err(SendTimeoutError::Timeout(7)));
            assert!(t0.elapsed() >= d);
        }
    }
}

#[test]
#[cfg_attr(portalis_no_threads, ignore = "spawns threads; this target has none")]
fn disconnect_wakes_blocked_receiver_and_sender() {
    for (name, s, r) in all_flavours() {
        let t = thread::spawn(move || r.recv());
        thread::sleep(Duration::from_millis(5));
        drop(s);
        assert_eq!(t.join().unwrap(), Err(RecvError), "{name}");
    }
    let (s, r) = bounded::<i32>(0);
    let t = thread::spawn(move || s.send(9));
    thread::sleep(Duration::from_millis(5));
    drop(r);
    assert_eq!(t.join().unwrap(), Err(SendError(9)));
}

#[test]
fn queued_messages_dropped_exactly_once() {
    static DROPS: StdAtomicUsize = StdAtomicUsize::new(0);
    struct D;
    impl Drop for D {
        fn drop(&mut self) {
            DROPS.fetch_add(1, StdOrdering::Relaxed);
        }
    }
    let (s, r) = unbounded();
    for _ in 0..10 {
        s.send(D).unwrap();
    }
    drop(r.recv().unwrap());
    assert_eq!(DROPS.load(StdOrdering::Relaxed), 1);
    drop(r);
    assert_eq!(
        DROPS.load(StdOrdering::Relaxed),
        10,
        "dropped when the last receiver drops"
    );
    let e = s.send(D).unwrap_err();
    drop(e);
    drop(s);
    assert_eq!(DROPS.load(StdOrdering::Relaxed), 11);
}

#[test]
#[cfg_attr(portalis_no_threads, ignore = "spawns threads; this target has none")]
fn zero_sized_types() {
    let (s, r) = bounded::<()>(usize::MAX);
    for _ in 0..100 {
        s.send(()).unwrap();
    }
    assert_eq!(r.len(), 100);
    assert_eq!(r.try_iter().count(), 100);
    let (s, r) = bounded::<()>(0);
    let t = thread::spawn(move || s.send(()));
    assert_eq!(r.recv(), Ok(()));
    t.join().unwrap().unwrap();
}

#[test]
#[cfg_attr(
    panic = "abort",
    ignore = "catches a panic; this target aborts on panic"
)]
fn capacity_errors() {
    assert!(try_bounded::<u64>(usize::MAX).is_err());
    assert!(try_bounded::<[u8; 16]>(usize::MAX / 8).is_err());
    assert!(std::panic::catch_unwind(|| bounded::<u64>(usize::MAX)).is_err());
    assert!(broadcast::try_broadcast::<u64>(0).is_err());
    assert!(broadcast::try_broadcast::<u64>(usize::MAX).is_err());
}

#[test]
fn same_channel() {
    let (s, r) = unbounded::<i32>();
    let (s2, r2) = unbounded::<i32>();
    assert!(s.same_channel(&s.clone()));
    assert!(!s.same_channel(&s2));
    assert!(r.same_channel(&r.clone()));
    assert!(!r.same_channel(&r2));
}

#[test]
fn select_macro_and_default() {
    let (s1, r1) = unbounded::<i32>();
    let (_s2, r2) = unbounded::<i32>();
    let got = select! {
        recv(r1) -> m => m.unwrap(),
        recv(r2) -> m => m.unwrap() + 100,
        default => -1,
    };
    assert_eq!(got, -1);
    s1.send(5).unwrap();
    let got = select! {
        recv(r1) -> m => m.unwrap(),
        recv(&r2) -> m => { m.unwrap() + 100 }
    };
    assert_eq!(got, 5);
    let got = select! {
        recv(r2) -> _m => 0,
        default(Duration::from_millis(2)) => 1,
    };
    assert_eq!(got, 1);
}

#[test]
#[cfg_attr(portalis_no_threads, ignore = "spawns threads; this target has none")]
fn select_rendezvous_both_sides() {
    // Senders and receivers both in select! over rendezvous channels (crossbeam's select_both).
    let n = if cfg!(miri) { 20 } else { 5_000 };
    let chans: Vec<_> = (0..2).map(|_| bounded::<usize>(0)).collect();
    let ss: Vec<Sender<usize>> = chans.iter().map(|c| c.0.clone()).collect();
    let rs: Vec<Receiver<usize>> = chans.iter().map(|c| c.1.clone()).collect();
    drop(chans);
    let t = thread::spawn(move || {
        for i in 0..n {
            select! {
                send(ss[0], i) -> r => r.unwrap(),
                send(ss[1], i) -> r => r.unwrap(),
            }
        }
    });
    let mut sum = 0;
    for _ in 0..n {
        sum += select! {
            recv(rs[0]) -> m => m.unwrap(),
            recv(rs[1]) -> m => m.unwrap(),
        };
    }
    t.join().unwrap();
    assert_eq!(sum, n * (n - 1) / 2);
}

#[test]
fn select_fairness_no_ready_branch_starved() {
    let rounds = if cfg!(miri) { 200 } else { 10_000 };
    let (s1, r1) = unbounded::<()>();
    let (s2, r2) = unbounded::<()>();
    let mut hits = [0usize; 2];
    for _ in 0..rounds {
        s1.send(()).unwrap();
        s2.send(()).unwrap();
        select! {
            recv(r1) -> _m => hits[0] += 1,
            recv(r2) -> _m => hits[1] += 1,
        }
        // Keep both ready: refill whichever was taken by draining the other.
        let _ = r1.try_recv();
        let _ = r2.try_recv();
    }
    assert!(hits[0] > rounds / 4 && hits[1] > rounds / 4, "{hits:?}");
}

#[test]
#[cfg_attr(
    panic = "abort",
    ignore = "catches a panic; this target aborts on panic"
)]
fn select_panic_in_body_leaves_channels_usable() {
    let (s, r) = bounded::<i32>(1);
    s.send(1).unwrap();
    let res = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        select! {
            recv(r) -> _m => panic!("branch body panics"),
        }
    }));
    assert!(res.is_err());
    s.send(2).unwrap();
    assert_eq!(r.recv(), Ok(2));
}

#[test]
#[cfg_attr(portalis_no_threads, ignore = "spawns threads; this target has none")]
fn dynamic_select_ready_and_timeout() {
    let (s, r) = bounded::<i32>(0);
    let mut sel = Select::new();
    let i = sel.recv(&r);
    assert!(sel.try_select().is_err());
    assert!(sel.select_timeout(Duration::from_millis(2)).is_err());
    assert!(sel.try_ready().is_err());
    let t = thread::spawn(move || s.send(3));
    let oper = sel.select();
    assert_eq!(oper.index(), i);
    assert_eq!(oper.recv(&r), Ok(3));
    t.join().unwrap().unwrap();

    let (s, r) = unbounded::<i32>();
    s.send(1).unwrap();
    let mut sel = Select::new();
    sel.send(&s);
    let ri = sel.recv(&r);
    let _ = ri;
    assert!(sel.ready() <= 1);
    assert_eq!(r.recv(), Ok(1), "ready() does not consume");
}

#[test]
fn dropped_selected_operation_gives_reservation_back() {
    let (s, r) = bounded::<i32>(1);
    s.send(1).unwrap();
    {
        let mut sel = Select::new();
        sel.recv(&r);
        let _oper = sel.select();
    }
    assert_eq!(r.try_recv(), Ok(1));
}

#[test]
fn timers() {
    let d = Duration::from_millis(2);
    let t0 = Instant::now();
    let a = after(d);
    let at = a.recv().unwrap();
    assert!(at >= t0 + d, "delivers the deadline, not earlier");
    assert!(Instant::now() >= at, "not before the deadline");
    assert_eq!(a.try_recv(), Err(TryRecvError::Empty));
    let tk = tick(d);
    let x = tk.recv().unwrap();
    let y = tk.recv().unwrap();
    assert!(y > x);
    let nv = never::<i32>();
    assert_eq!(nv.try_recv(), Err(TryRecvError::Empty));
    let timeout = after(d);
    let got = select! {
        recv(nv) -> _m => 0,
        recv(timeout) -> _m => 1,
    };
    assert_eq!(got, 1);
}

#[test]
#[cfg_attr(portalis_no_threads, ignore = "spawns threads; this target has none")]
fn oneshot_basic() {
    let (s, r) = oneshot::<String>();
    let t = thread::spawn(move || s.send("x".into()).unwrap());
    assert_eq!(r.recv().as_deref(), Ok("x"));
    t.join().unwrap();
    let (s, r) = oneshot::<i32>();
    drop(s);
    assert_eq!(r.recv(), Err(RecvError));
    let (s, r) = oneshot::<i32>();
    drop(r);
    assert_eq!(s.send(1), Err(SendError(1)));
    let (s, mut r) = oneshot::<i32>();
    assert_eq!(r.try_recv(), Err(TryRecvError::Empty));
    assert_eq!(
        r.recv_timeout(Duration::from_millis(1)),
        Err(RecvTimeoutError::Timeout)
    );
    s.send(2).unwrap();
    assert_eq!(r.try_recv(), Ok(2));
}

#[test]
fn broadcast_every_receiver_sees_every_message_and_lag() {
    let (tx, mut rx1) = broadcast::broadcast::<usize>(4);
    let mut rx2 = tx.subscribe();
    for i in 0..3 {
        tx.send(i).unwrap();
    }
    for i in 0..3 {
        assert_eq!(rx1.recv(), Ok(i));
        assert_eq!(rx2.recv(), Ok(i));
    }
    for i in 0..10 {
        tx.send(i).unwrap();
    }
    assert_eq!(rx1.recv(), Err(broadcast::RecvError::Lagged(6)));
    assert_eq!(rx1.recv(), Ok(6));
    drop(tx);
    assert_eq!(rx1.try_iter_count(), 3);
    assert_eq!(rx1.recv(), Err(broadcast::RecvError::Closed));
    assert_eq!(rx2.recv(), Err(broadcast::RecvError::Lagged(6)));
}

impl broadcast::Receiver<usize> {
    fn try_iter_count(&mut self) -> usize {
        let mut n = 0;
        while self.try_recv().is_ok() {
            n += 1;
        }
        n
    }
}

/// The lock-free buffers (ADR 025): `len` while the ring wraps around many laps and the list
/// crosses many blocks, FIFO throughout.
#[test]
fn lockfree_len_wraps_and_crosses_blocks() {
    let rounds = if cfg!(miri) { 40 } else { 2_000 };
    let (s, r) = bounded::<usize>(3);
    for i in 0..rounds {
        s.send(2 * i).unwrap();
        s.send(2 * i + 1).unwrap();
        assert_eq!(r.len(), 2);
        assert_eq!(r.recv(), Ok(2 * i));
        assert_eq!(r.len(), 1);
        assert_eq!(r.recv(), Ok(2 * i + 1));
        assert!(r.is_empty());
    }
    s.send(0).unwrap();
    s.send(1).unwrap();
    s.send(2).unwrap();
    assert!(s.is_full());
    assert_eq!(s.try_send(3), Err(TrySendError::Full(3)));
    let (s, r) = unbounded::<usize>();
    let mut next = 0;
    for i in 0..rounds {
        for _ in 0..5 {
            s.send(i).unwrap();
        }
        assert_eq!(r.len(), 5 * (i + 1) - 3 * i);
        for _ in 0..3 {
            assert_eq!(r.recv().map(|v| v <= i), Ok(true));
            next += 1;
        }
    }
    assert_eq!(r.len(), 5 * rounds - next);
    assert_eq!(r.try_iter().count(), 5 * rounds - next);
}

/// Messages left in a partly read list block or a wrapped ring are dropped exactly once when
/// the last receiver leaves; a later send hands its message back.
#[test]
fn lockfree_partial_blocks_dropped_exactly_once() {
    struct D(Arc<StdAtomicUsize>);
    impl Drop for D {
        fn drop(&mut self) {
            self.0.fetch_add(1, StdOrdering::Relaxed);
        }
    }
    let n = if cfg!(miri) { 150 } else { 1_000 };
    for cap in [None, Some(7)] {
        let count = Arc::new(StdAtomicUsize::new(0));
        let (s, r) = match cap {
            None => unbounded(),
            Some(c) => bounded(c),
        };
        let mut sent = 0;
        for i in 0..n {
            if s.try_send(D(count.clone())).is_ok() {
                sent += 1;
            }
            if i % 3 == 0 {
                drop(r.try_recv());
            }
        }
        drop(r);
        match s.send(D(count.clone())) {
            Err(SendError(d)) => drop(d),
            Ok(()) => panic!("send after the last receiver left must fail"),
        }
        // Every message sent (queued or read) plus the one handed back, once each. Failed
        // `try_send`s handed theirs back and dropped them too.
        assert_eq!(count.load(StdOrdering::Relaxed), n + 1, "{cap:?}");
        assert!(sent <= n);
        drop(s);
        assert_eq!(count.load(StdOrdering::Relaxed), n + 1, "{cap:?}");
    }
}

/// Many threads on a small ring and on the list, with blocking on both full and empty: every
/// message arrives exactly once (the wake-up protocol of lockfree.rs steps R1–R2).
#[test]
#[cfg_attr(portalis_no_threads, ignore = "spawns threads; this target has none")]
fn lockfree_mpmc_blocking_multiset() {
    let per = if cfg!(miri) { 20 } else { 20_000 };
    for cap in [Some(2), None] {
        let (s, r) = match cap {
            None => unbounded::<usize>(),
            Some(c) => bounded(c),
        };
        let total = Arc::new(StdAtomicUsize::new(0));
        let mut ts = Vec::new();
        for p in 0..3 {
            let s = s.clone();
            ts.push(thread::spawn(move || {
                for i in 0..per {
                    s.send(p * per + i).unwrap();
                }
            }));
        }
        for _ in 0..3 {
            let r = r.clone();
            let total = total.clone();
            ts.push(thread::spawn(move || {
                for v in r.iter() {
                    total.fetch_add(v, StdOrdering::Relaxed);
                }
            }));
        }
        drop((s, r));
        for t in ts {
            t.join().unwrap();
        }
        let n = 3 * per;
        assert_eq!(total.load(StdOrdering::Relaxed), n * (n - 1) / 2, "{cap:?}");
    }
}

/// ADR 025 (the select_both hang): a selected receive on a lock-free buffer (ring, list) owns
/// its message from the moment it is selected. Before the fix the select only saw readiness,
/// a competing receiver took the message, and the selected `recv` then blocked on that one
/// channel forever while the remaining messages went to the select's other channels.
#[test]
fn selected_recv_on_lock_free_buffer_owns_its_message() {
    type Make = fn() -> (Sender<usize>, Receiver<usize>);
    let flavours: [(&str, Make); 2] = [("ring", || bounded(4)), ("list", unbounded)];
    for (name, make) in flavours {
        let (sa, ra) = make();
        let (sb, rb) = make();
        sa.send(1).unwrap();
        let competitor = ra.clone();
        let mut sel = Select::new();
        let ia = sel.recv(&ra);
        sel.recv(&rb);
        let oper = sel.select();
        assert_eq!(oper.index(), ia, "{name}");
        // A competing receiver finds nothing: the selected operation holds the message.
        assert_eq!(competitor.try_recv(), Err(TryRecvError::Empty), "{name}");
        sb.send(2).unwrap();
        assert_eq!(oper.recv(&ra), Ok(1), "{name}");
        assert_eq!(rb.try_recv(), Ok(2), "{name}");
    }
}

/// A selected receive on a lock-free buffer that is dropped uncompleted gives its message back.
#[test]
fn dropped_selected_recv_on_lock_free_buffer_gives_message_back() {
    type Make = fn() -> (Sender<usize>, Receiver<usize>);
    let flavours: [(&str, Make); 2] = [("ring", || bounded(4)), ("list", unbounded)];
    for (name, make) in flavours {
        let (s, r) = make();
        s.send(7).unwrap();
        let mut sel = Select::new();
        sel.recv(&r);
        drop(sel.select());
        assert_eq!(r.try_recv(), Ok(7), "{name}");
    }
}

/// ADR 106: a selected lock-free receive keeps a message of at most two words in its token and
/// a bigger one in a boxed packet. Pins, for both sizes on the ring and the list, that a
/// completed selection yields the message once and an uncompleted one gives it back, with no
/// message dropped twice or lost (the `Arc`'s strong count returns to one).
#[test]
fn selected_recv_holds_small_messages_inline_and_big_ones_boxed() {
    fn check<M: Send + 'static>(tag: &Arc<()>, make: impl Fn() -> M, key: impl Fn(&M) -> u64) {
        for (s, r) in [bounded::<M>(4), unbounded::<M>()] {
            s.send(make()).unwrap();
            s.send(make()).unwrap();
            let mut sel = Select::new();
            sel.recv(&r);
            let m = sel.select().recv(&r).expect("a message is queued");
            assert_eq!(key(&m), 7);
            drop(m);
            let mut sel = Select::new();
            sel.recv(&r);
            drop(sel.select()); // uncompleted: the message goes back
            assert_eq!(r.len(), 1);
            assert_eq!(key(&r.try_recv().unwrap()), 7);
            assert_eq!(Arc::strong_count(tag), 1);
        }
    }
    let tag = Arc::new(());
    // Two words on every target (a `u64` beside the `Arc` would be three on wasm32).
    assert!(core::mem::size_of::<(Arc<()>, usize)>() <= 2 * core::mem::size_of::<usize>());
    check(&tag, || (tag.clone(), 7usize), |m| m.1 as u64);
    assert!(core::mem::size_of::<(Arc<()>, [u64; 3])>() > 2 * core::mem::size_of::<usize>());
    check(&tag, || (tag.clone(), [7u64, 8, 9]), |m| m.1[0]);
}

/// Regression (found by a shuttle run): a selected send on a ring only saw room, and if a
/// competing sender filled the slot before `send` completed, it blocked on that one channel
/// while the select's other channel had room. It now claims its slot when selected.
#[test]
fn selected_send_on_ring_owns_its_slot() {
    let (sa, ra) = bounded::<usize>(2);
    let (sb, rb) = bounded::<usize>(2);
    sa.send(0).unwrap();
    let competitor = sa.clone();
    let mut sel = Select::new();
    let ia = sel.send(&sa);
    sel.send(&sb);
    // Only `sa` can be selected... no: both have room; pin the choice by filling `sb`.
    drop(sel);
    sb.send(10).unwrap();
    sb.send(11).unwrap();
    let mut sel = Select::new();
    let ia2 = sel.send(&sa);
    sel.send(&sb);
    let _ = ia;
    let oper = sel.select();
    assert_eq!(oper.index(), ia2);
    // The slot is ours: a competing sender finds the ring full.
    assert_eq!(competitor.try_send(1), Err(TrySendError::Full(1)));
    assert_eq!(sa.len(), 2, "a claimed slot counts as occupied");
    assert_eq!(oper.send(&sa, 2), Ok(()));
    assert_eq!(ra.try_recv(), Ok(0));
    assert_eq!(ra.try_recv(), Ok(2));
    assert_eq!(rb.try_recv(), Ok(10));
}

/// A selected ring send dropped uncompleted is undone when nothing was claimed after it, and
/// otherwise leaves a hole: receivers skip it, FIFO order of the real messages holds, the slot
/// is reused, and a sender waiting for room is told when a receiver frees the hole's slot.
#[test]
#[cfg_attr(portalis_no_threads, ignore = "spawns threads; this target has none")]
fn abandoned_selected_send_is_undone_or_leaves_a_skipped_hole() {
    let select_send = |s: &Sender<usize>| {
        let mut sel = Select::new();
        sel.send(s);
        drop(sel.select());
    };
    // Undone: the last claim gives its slot straight back.
    let (s, r) = bounded::<usize>(2);
    s.send(1).unwrap();
    select_send(&s);
    s.send(2).unwrap();
    assert_eq!(s.try_send(9), Err(TrySendError::Full(9)));
    assert_eq!((r.recv(), r.recv()), (Ok(1), Ok(2)));

    // A hole: a message was pushed after the claim.
    let (s, r) = bounded::<usize>(3);
    s.send(1).unwrap();
    let mut sel = Select::new();
    sel.send(&s);
    let oper = sel.select(); // claims position 1
    s.send(2).unwrap(); // position 2
    drop(oper); // position 1 becomes a hole
    drop(sel);
    assert_eq!(
        s.len(),
        3,
        "the hole occupies its slot until a receiver passes it"
    );
    assert_eq!(s.try_send(9), Err(TrySendError::Full(9)));
    // A blocked sender is woken once the receiver frees slots (the hole's included).
    let s2 = s.clone();
    let t = thread::spawn(move || {
        for v in 3..6 {
            s2.send(v).unwrap();
        }
    });
    for want in 1..6 {
        assert_eq!(r.recv(), Ok(want));
    }
    t.join().unwrap();
    assert_eq!(r.try_recv(), Err(TryRecvError::Empty));

    // Many laps of completed and abandoned claims: nothing lost or duplicated, order kept.
    let rounds = if cfg!(miri) { 10 } else { 1000 };
    for i in 0..rounds {
        let mut sel = Select::new();
        sel.send(&s);
        let oper = sel.select();
        if i % 3 == 0 {
            s.send(i + 1_000_000).unwrap(); // forces a hole instead of an undo
            drop(oper);
            assert_eq!(r.try_recv(), Ok(i + 1_000_000));
        } else {
            oper.send(&s, i).unwrap();
            assert_eq!(r.try_recv(), Ok(i));
        }
        assert_eq!(r.try_recv(), Err(TryRecvError::Empty));
    }

    // Disconnection with a pending claim: `send` hands the message back, nothing hangs.
    let mut sel = Select::new();
    sel.send(&s);
    let oper = sel.select();
    drop(r);
    assert_eq!(oper.send(&s, 5), Err(SendError(5)));
}

#[test]
#[cfg_attr(
    panic = "abort",
    ignore = "catches a panic; this target aborts on panic"
)]
fn select_send_message_expression_panic_leaves_ring_usable() {
    let (s, r) = bounded::<i32>(2);
    let boom = |fail: bool| -> i32 {
        assert!(!fail, "message expression panics");
        0
    };
    let res = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        select! {
            send(s, boom(true)) -> _r => {},
        }
    }));
    assert!(res.is_err());
    s.send(1).unwrap();
    s.send(2).unwrap();
    assert_eq!(r.recv(), Ok(1));
    assert_eq!(r.recv(), Ok(2));
    assert_eq!(r.try_recv(), Err(TryRecvError::Empty));
}

#[test]
#[cfg_attr(
    panic = "abort",
    ignore = "catches a panic; this target aborts on panic"
)]
fn completing_a_selected_send_with_recv_is_caught() {
    let (s, r) = bounded::<i32>(2);
    let mut sel = Select::new();
    sel.send(&s);
    let oper = sel.select();
    let res = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| oper.recv(&r)));
    assert!(
        res.is_err(),
        "a send case completed as a receive must be refused"
    );
    // The claim was given back during the unwind: the channel works and holds nothing.
    s.send(1).unwrap();
    assert_eq!(r.try_recv(), Ok(1));
    assert_eq!(r.try_recv(), Err(TryRecvError::Empty));
}

/// A message whose `Drop` counts itself and then panics (issue 16 item 8).
#[derive(Clone)]
struct Bomb(Arc<StdAtomicUsize>);
impl Drop for Bomb {
    fn drop(&mut self) {
        self.0.fetch_add(1, StdOrdering::Relaxed);
        panic!("message drop panics");
    }
}

/// Issue 16 item 8: dropping the last receiver of a channel that still holds several messages
/// whose `Drop` panics propagates one panic to the dropping thread and drops every message,
/// on every buffered discipline (list, ring, locked queue), whether the senders are still
/// there or already gone. Before the fix the queued messages were dropped as one `VecDeque`
/// that kept dropping while unwinding, and the second panic aborted the process (SIGABRT).
#[test]
#[cfg_attr(
    panic = "abort",
    ignore = "catches a panic; this target aborts on panic"
)]
fn panicking_message_drops_propagate_once_and_drop_all() {
    for senders_first in [false, true] {
        for cap in [None, Some(3), Some((1 << 24) + 1)] {
            let count = Arc::new(StdAtomicUsize::new(0));
            let (s, r) = match cap {
                None => unbounded(),
                Some(c) => bounded(c),
            };
            for _ in 0..3 {
                assert!(s.try_send(Bomb(count.clone())).is_ok());
            }
            if senders_first {
                drop(s);
                let got = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| drop(r)));
                assert!(
                    got.is_err(),
                    "the first drop panic reaches the dropping thread"
                );
            } else {
                let got = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| drop(r)));
                assert!(
                    got.is_err(),
                    "the first drop panic reaches the dropping thread"
                );
                // The channel is disconnected and usable: the send fails and hands back its
                // message, which panics on its own drop here (not counted).
                match s.try_send(Bomb(count.clone())) {
                    Err(TrySendError::Disconnected(m)) => {
                        let back =
                            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| drop(m)));
                        assert!(back.is_err());
                        count.fetch_sub(1, StdOrdering::Relaxed);
                    }
                    other => panic!("expected Disconnected, got ok={}", other.is_ok()),
                }
                drop(s);
            }
            assert_eq!(
                count.load(StdOrdering::Relaxed),
                3,
                "cap {cap:?}: every message dropped once"
            );
        }
    }
}

/// Issue 16 item 8 for broadcast: the ring of a dropped broadcast channel holding several
/// panicking messages drops each of them and propagates one panic (before: the slots were
/// dropped as a boxed slice, second panic = abort), and a send that overwrites a panicking
/// message still wakes sleepers before the panic reaches the sender.
#[test]
#[cfg_attr(
    panic = "abort",
    ignore = "catches a panic; this target aborts on panic"
)]
fn broadcast_panicking_message_drops_do_not_abort() {
    let count = Arc::new(StdAtomicUsize::new(0));
    let (s, r) = broadcast::broadcast::<Bomb>(4);
    for _ in 0..3 {
        assert!(s.send(Bomb(count.clone())).is_ok());
    }
    drop(r);
    let got = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| drop(s)));
    assert!(
        got.is_err(),
        "the first drop panic reaches the dropping thread"
    );
    assert_eq!(count.load(StdOrdering::Relaxed), 3);
}

/// Issue 16 item 8 for oneshot: a receiver dropped with a panicking message propagates that
/// panic once and leaves the sender side consistent. (This passed before the fix too: a
/// oneshot holds one message; it pins the behaviour.)
#[test]
#[cfg_attr(
    panic = "abort",
    ignore = "catches a panic; this target aborts on panic"
)]
fn oneshot_panicking_message_drop_propagates() {
    let count = Arc::new(StdAtomicUsize::new(0));
    let (s, r) = oneshot::oneshot::<Bomb>();
    assert!(s.send(Bomb(count.clone())).is_ok());
    let got = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| drop(r)));
    assert!(got.is_err());
    assert_eq!(count.load(StdOrdering::Relaxed), 1);
}

/// Issue 16 item 5: two threads each selecting over `send(c)` and `recv(c)` of the same
/// rendezvous channel pair up and complete every select. Before the fix a registering select
/// claimed its own send entry (or counted its own receive packet as a partner), aborted
/// itself and retried forever: 0 of 2000 selects completed (this test then hangs; checked by
/// running it on the old code under `timeout`).
#[test]
#[cfg_attr(portalis_no_threads, ignore = "spawns threads; this target has none")]
fn self_select_on_one_rendezvous_channel_completes() {
    const ROUNDS: usize = if cfg!(miri) { 20 } else { 2000 };
    let (s, r) = bounded::<usize>(0);
    let threads: Vec<_> = (0..2)
        .map(|id| {
            let (s, r) = (s.clone(), r.clone());
            thread::spawn(move || {
                let (mut sent, mut got) = (0, 0);
                for _ in 0..ROUNDS {
                    select! {
                        send(s, id) -> res => { res.unwrap(); sent += 1; }
                        recv(r) -> msg => { assert_eq!(msg.unwrap(), 1 - id); got += 1; }
                    }
                }
                (sent, got)
            })
        })
        .collect();
    let res: Vec<(usize, usize)> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    // Every hand-off completes one select on each side.
    assert_eq!(res[0].0, res[1].1);
    assert_eq!(res[0].1, res[1].0);
}

/// Issue 16 item 4: a sender blocked in `Select::select` on a rendezvous channel is claimable
/// by `try_recv` (handoff.rs M1–M3), as a selecting receiver already was by `try_send`.
/// Before the fix the select's send case was an observer without a packet, `try_recv`
/// returned `Empty` forever and this loop never ended (checked on the old code under
/// `timeout`).
#[test]
#[cfg_attr(portalis_no_threads, ignore = "spawns threads; this target has none")]
fn try_recv_claims_a_sender_blocked_in_select() {
    const ROUNDS: usize = if cfg!(miri) { 5 } else { 200 };
    let (s, r) = bounded::<usize>(0);
    let t = thread::spawn(move || {
        for i in 0..ROUNDS {
            let mut sel = Select::new();
            let k = sel.send(&s);
            let op = sel.select();
            assert_eq!(op.index(), k);
            op.send(&s, i).unwrap();
        }
    });
    for i in 0..ROUNDS {
        let got = loop {
            match r.try_recv() {
                Ok(v) => break v,
                Err(TryRecvError::Empty) => thread::yield_now(),
                Err(TryRecvError::Disconnected) => panic!("the sender is alive"),
            }
        };
        assert_eq!(got, i);
    }
    t.join().unwrap();
}

/// Issue 16 item 4, `Select::ready` on the receiving side: once a selecting sender waits,
/// `ready` reports the receive case and the following `try_recv` gets the message (before: the
/// two sides only notified each other and `try_recv` stayed `Empty`).
#[test]
#[cfg_attr(portalis_no_threads, ignore = "spawns threads; this target has none")]
fn ready_then_try_recv_meets_a_selecting_sender() {
    const ROUNDS: usize = if cfg!(miri) { 5 } else { 200 };
    let (s, r) = bounded::<usize>(0);
    let t = thread::spawn(move || {
        for i in 0..ROUNDS {
            select! {
                send(s, i) -> res => res.unwrap(),
            }
        }
    });
    for i in 0..ROUNDS {
        let got = loop {
            let mut sel = Select::new();
            sel.recv(&r);
            assert_eq!(sel.ready(), 0);
            // A plain sender is not involved, so the only way to be ready is the selecting one.
            if let Ok(v) = r.try_recv() {
                break v;
            }
        };
        assert_eq!(got, i);
    }
    t.join().unwrap();
}

/// Fairness rounds for issue 16 items 1–2 (each of two cases must win 40–60 % of them: a
/// statistical bound that a uniform choice misses with negligible probability, about 1e-89 at
/// 10^4 rounds; not a timing assertion).
const FAIR_ROUNDS: usize = if cfg!(miri) { 0 } else { 10_000 };

/// `true` if `wins` is within 40–60 % of `FAIR_ROUNDS`.
fn fair(wins: usize) -> bool {
    (FAIR_ROUNDS * 4 / 10..=FAIR_ROUNDS * 6 / 10).contains(&wins)
}

/// Issue 16 item 1: among ready cases the choice is uniform. Four cases, two never ready
/// (empty, sender alive) ahead of two always ready: before the fix (random start, then the
/// first ready case going round) the first ready case won ≈ 75 %.
#[test]
#[cfg_attr(miri, ignore)] // 10^4 rounds; statistics, not memory safety
fn select_picks_uniformly_among_ready_cases_buffered() {
    let (_se1, re1) = unbounded::<u8>();
    let (_se2, re2) = unbounded::<u8>();
    let (s1, r1) = unbounded::<u8>();
    let (s2, r2) = unbounded::<u8>();
    for _ in 0..FAIR_ROUNDS {
        s1.send(1).unwrap();
        s2.send(2).unwrap();
    }
    let mut wins = [0usize; 2];
    for _ in 0..FAIR_ROUNDS {
        select! {
            recv(re1) -> _ => unreachable!(),
            recv(re2) -> _ => unreachable!(),
            recv(r1) -> m => { assert_eq!(m, Ok(1)); wins[0] += 1; }
            recv(r2) -> m => { assert_eq!(m, Ok(2)); wins[1] += 1; }
        }
    }
    assert!(fair(wins[0]) && fair(wins[1]), "wins {wins:?}");
}

/// ADR 105: a `Select` keeps up to eight cases inline and moves them to the heap at the ninth.
/// Pins that every case keeps its index and handle across that move (and in a clone): with
/// twelve receivers and only case `k` ready, `select` and `try_select` report `k` and its
/// message, and nothing is ready once it is taken.
#[test]
fn select_with_more_cases_than_kept_inline() {
    let chans: Vec<_> = (0..12).map(|_| unbounded::<usize>()).collect();
    for k in 0..chans.len() {
        chans[k].0.send(k).unwrap();
        let mut sel = Select::new();
        for (i, (_, r)) in chans.iter().enumerate() {
            assert_eq!(sel.recv(r), i);
        }
        let mut copy = sel.clone();
        let op = copy.try_select().expect("case k is ready");
        assert_eq!(op.index(), k);
        assert_eq!(op.recv(&chans[k].1), Ok(k));
        assert!(sel.try_select().is_err(), "the only message was taken");
        chans[k].0.send(k + 100).unwrap();
        let op = sel.select();
        assert_eq!(op.index(), k);
        assert_eq!(op.recv(&chans[k].1), Ok(k + 100));
    }
}

/// Issue 16 item 1 on rendezvous channels: two blocked senders behind two never-ready cases;
/// before each select the receiver waits (`Select::ready`, which takes nothing) until both
/// senders wait, so both cases are ready; the select must pick each 40–60 %. Before the fix:
/// ≈ 75 / 25.
#[test]
#[cfg_attr(miri, ignore)] // 10^4 rounds; statistics, not memory safety
#[cfg_attr(portalis_no_threads, ignore = "spawns threads; this target has none")]
fn select_picks_uniformly_among_ready_cases_rendezvous() {
    let (_se1, re1) = bounded::<u8>(0);
    let (_se2, re2) = bounded::<u8>(0);
    let (s1, r1) = bounded::<u8>(0);
    let (s2, r2) = bounded::<u8>(0);
    let senders: Vec<_> = [(s1, 1u8), (s2, 2u8)]
        .into_iter()
        .map(|(s, v)| {
            thread::spawn(move || {
                // Until the receiver is gone (the send then fails).
                while let Ok(()) = s.send(v) {}
            })
        })
        .collect();
    let mut wins = [0usize; 2];
    for _ in 0..FAIR_ROUNDS {
        // Wait (without taking anything) until both senders wait, so both cases are ready
        // when the select polls: deterministic, not a race between the two senders.
        for r in [&r1, &r2] {
            let mut probe = Select::new();
            probe.recv(r);
            assert_eq!(probe.ready(), 0);
        }
        select! {
            recv(re1) -> _ => unreachable!(),
            recv(re2) -> _ => unreachable!(),
            recv(r1) -> m => { assert_eq!(m, Ok(1)); wins[0] += 1; }
            recv(r2) -> m => { assert_eq!(m, Ok(2)); wins[1] += 1; }
        }
    }
    drop((r1, r2));
    for t in senders {
        t.join().unwrap();
    }
    assert!(fair(wins[0]) && fair(wins[1]), "wins {wins:?}");
}

/// Issue 16 item 2: a blocked select is fair among simultaneous partners. The same channel
/// listed twice, and each message sent only once the select is blocked with its cases
/// registered: on the rendezvous channel the sender retries `try_send`, which succeeds only
/// against a registered receive packet (deterministic); on buffered channels the sender first
/// yields a while so that the select has usually registered (the assertion holds on either
/// path; the yields only make the blocked one the common one). Before the fix cases registered
/// in index order and a partner claims the oldest entry: case 0 won nearly every round.
#[test]
#[cfg_attr(miri, ignore)] // 10^4 rounds; statistics, not memory safety
#[cfg_attr(portalis_no_threads, ignore = "spawns threads; this target has none")]
fn blocked_select_is_fair_among_simultaneous_partners() {
    for cap in [Some(3), None, Some(0)] {
        let (s, r) = match cap {
            Some(c) => bounded::<u32>(c),
            None => unbounded(),
        };
        let (ack_s, ack_r) = bounded::<()>(0);
        let t = thread::spawn(move || {
            for i in 0..FAIR_ROUNDS as u32 {
                if cap == Some(0) {
                    let mut m = i;
                    while let Err(e) = s.try_send(m) {
                        m = e.into_inner();
                        thread::yield_now();
                    }
                } else {
                    for _ in 0..BLOCKED_YIELDS {
                        thread::yield_now();
                    }
                    s.send(i).unwrap();
                }
                ack_r.recv().unwrap();
            }
        });
        let mut wins = [0usize; 2];
        for i in 0..FAIR_ROUNDS as u32 {
            select! {
                recv(r) -> m => { assert_eq!(m, Ok(i)); wins[0] += 1; }
                recv(r) -> m => { assert_eq!(m, Ok(i)); wins[1] += 1; }
            }
            ack_s.send(()).unwrap();
        }
        t.join().unwrap();
        assert!(fair(wins[0]) && fair(wins[1]), "cap {cap:?}: wins {wins:?}");
    }
}

/// Yields a buffered sender makes before each send in the blocked-fairness test (heuristic:
/// longer than the select's poll phase on an idle 2-vCPU machine).
const BLOCKED_YIELDS: usize = 20;

/// Issue 16 item 6: `Select::ready`/`try_ready` on a `tick` receiver do not consume the tick.
/// Before the fix `try_ready()` returned the case and the following `try_recv()` was `Empty`.
#[test]
fn ready_does_not_consume_a_tick() {
    let r = tick(Duration::from_millis(1));
    let mut sel = Select::new();
    sel.recv(&r);
    assert_eq!(sel.ready(), 0); // blocks until the first tick is due
    assert!(r.try_recv().is_ok(), "ready consumed the tick");
    // And `try_ready` once the next tick is due: wait for it without consuming it.
    while !r.is_full() {
        thread::yield_now();
    }
    assert_eq!(sel.try_ready(), Ok(0));
    assert!(r.try_recv().is_ok(), "try_ready consumed the tick");
}

/// Issue 16 item 7: `select!` evaluates each channel expression exactly once, and temporaries
/// are accepted as operands. Before the fix each operand was evaluated twice (register, then
/// complete): a counting expression ran twice, an expression returning a different handle the
/// second time panicked ("passed a receiver that wasn't selected"), and `recv(after(d))` /
/// `send(c.tx(), v)` did not compile (E0716), so this test did not build on the old code.
#[test]
fn select_macro_evaluates_each_operand_once() {
    let (s, r) = unbounded::<i32>();
    s.send(5).unwrap();
    let evals = core::cell::Cell::new(0);
    let pick = || {
        evals.set(evals.get() + 1);
        &r
    };
    let got = select! {
        recv(pick()) -> m => m.unwrap(),
    };
    assert_eq!((got, evals.get()), (5, 1));

    // A fresh receiver per evaluation: evaluated once, so completion uses the same handle.
    let (s2, r2) = unbounded::<i32>();
    s2.send(6).unwrap();
    let got = select! {
        recv(r2.clone()) -> m => m.unwrap(),
    };
    assert_eq!(got, 6);

    // Temporaries as operands.
    let got = select! {
        recv(after(Duration::from_millis(1))) -> m => m.is_ok(),
    };
    assert!(got);
    struct Holder(Sender<i32>);
    impl Holder {
        fn tx(&self) -> Sender<i32> {
            self.0.clone()
        }
    }
    let h = Holder(s.clone());
    select! {
        send(h.tx(), 7) -> res => res.unwrap(),
    }
    assert_eq!(r.recv(), Ok(7));
}

/// crossbeam-channel's `select!` grammar: `default()`, trailing commas inside the case
/// parentheses, and `select_biased!` (first ready case listed wins). These did not compile
/// before (no such rules, no macro).
#[test]
fn select_macro_accepts_crossbeam_grammar_and_biased() {
    let (s, r) = unbounded::<i32>();
    let got = select! {
        recv(r,) -> _ => 1,
        default() => 2,
    };
    assert_eq!(got, 2);
    select! {
        send(s, 3,) -> res => res.unwrap(),
        default(Duration::from_secs(3600),) => unreachable!("unbounded has room"),
    }
    let (s2, r2) = unbounded::<i32>();
    s2.send(4).unwrap();
    for _ in 0..100 {
        // Both ready: the biased select takes the first listed every time.
        let got = select_biased! {
            recv(r) -> m => m.unwrap(),
            recv(r2) -> m => m.unwrap(),
        };
        assert_eq!(got, 3);
        s.send(3).unwrap();
    }
}

/// `Select` is `Clone`; `Sender`/`Receiver` are `UnwindSafe + RefUnwindSafe` (crossbeam's
/// API). Compile-time checks: these did not build before.
#[test]
fn select_clone_and_handles_unwind_safe() {
    fn unwind_safe<X: std::panic::UnwindSafe + std::panic::RefUnwindSafe>() {}
    unwind_safe::<Sender<core::cell::Cell<i32>>>();
    unwind_safe::<Receiver<core::cell::Cell<i32>>>();
    let (s, r) = unbounded::<i32>();
    let mut a = Select::new();
    a.recv(&r);
    let mut b = a.clone();
    s.send(1).unwrap();
    let op = b.select();
    assert_eq!(op.recv(&r), Ok(1));
    assert!(a.try_select().is_err());
}

/// What the linearizability test calls: each returns `Some(i)` if case `i` (`0` = `a`,
/// `1` = `b`) was ready (a taken message goes back into its channel), `None` if it reported
/// nothing ready.
fn try_select_api(api: &str, a: &Receiver<usize>, b: &Receiver<usize>) -> Option<usize> {
    // The mover may be waiting for this message: hand it back before the next call.
    let put_back = |i: usize, m: Result<usize, RecvError>| {
        LINEARIZABLE_SENDERS.with(|v| v.borrow()[i].send(m.unwrap()).unwrap());
        i
    };
    match api {
        "try_select" => {
            let mut sel = Select::new();
            let ia = sel.recv(a);
            let _ = sel.recv(b);
            let op = sel.try_select().ok()?;
            let i = op.index();
            let (r, k) = if i == ia { (a, 0) } else { (b, 1) };
            Some(put_back(k, op.recv(r)))
        }
        "select_default" => crate::select! {
            recv(a) -> m => Some(put_back(0, m)),
            recv(b) -> m => Some(put_back(1, m)),
            default => None,
        },
        "try_ready" => {
            let mut sel = Select::new();
            let ia = sel.recv(a);
            let _ = sel.recv(b);
            sel.try_ready().ok().map(|i| if i == ia { 0 } else { 1 })
        }
        _ => unreachable!(),
    }
}

std::thread_local! {
    /// The selecting thread's senders of the two channels (`try_select_api` puts back).
    static LINEARIZABLE_SENDERS: core::cell::RefCell<Vec<Sender<usize>>> =
        const { core::cell::RefCell::new(Vec::new()) };
}

/// Issue 16 item 3: a non-blocking select is linearizable. A mover keeps one message in one
/// of two channels at every instant (it sends the next message into `b` before it receives the
/// one in `a`, and back), so at no instant is neither case ready: `try_select`, `select!` with
/// `default` and `Select::try_ready` must never report nothing ready. A message the select
/// takes goes back into its channel before the next call (the mover waits for it meanwhile),
/// so the invariant holds at every instant of every call. The old single pass could check `b`,
/// miss the message moving from `b` to `a` behind it, check `a` too early, and report empty.
/// Ring (`bounded(2)`), list (`unbounded`) and locked queue (`bounded(1)`).
#[test]
#[cfg_attr(miri, ignore)] // 10^5 calls racing a mover: a race detector, not memory safety
#[cfg_attr(portalis_no_threads, ignore = "spawns threads; this target has none")]
fn try_select_never_reports_empty_while_a_message_is_always_queued() {
    const CALLS: usize = 100_000;
    type Make = fn() -> (Sender<usize>, Receiver<usize>);
    let makers: [(&str, Make); 3] = [
        ("bounded2", || bounded(2)),
        ("unbounded", unbounded),
        ("bounded1", || bounded(1)),
    ];
    for (name, make) in makers {
        for api in ["try_select", "select_default", "try_ready"] {
            let (sa, ra) = make();
            let (sb, rb) = make();
            sa.send(0).unwrap();
            let stop = Arc::new(StdAtomicBool::new(false));
            let mover = {
                let (sa, sb, ra, rb) = (sa.clone(), sb.clone(), ra.clone(), rb.clone());
                let stop = stop.clone();
                thread::spawn(move || {
                    let mut moves = 0usize;
                    while !stop.load(StdOrdering::Relaxed) {
                        // Into b, then out of a: one of them holds a message throughout.
                        sb.send(moves).unwrap();
                        ra.recv().unwrap();
                        sa.send(moves).unwrap();
                        rb.recv().unwrap();
                        moves += 1;
                    }
                    moves
                })
            };
            LINEARIZABLE_SENDERS.with(|v| *v.borrow_mut() = vec![sa.clone(), sb.clone()]);
            let mut empty = 0;
            for _ in 0..CALLS {
                if try_select_api(api, &ra, &rb).is_none() {
                    empty += 1;
                }
            }
            stop.store(true, StdOrdering::Relaxed);
            let moves = mover.join().unwrap();
            LINEARIZABLE_SENDERS.with(|v| v.borrow_mut().clear());
            assert_eq!(
                empty, 0,
                "{name} {api}: reported nothing ready {empty} times in {CALLS} calls \
                 ({moves} moves), though a message was queued at every instant"
            );
        }
    }
}

/// Issue 16 API: a select made with `Select::new_sendable` is `Send + Sync` (static
/// assertions: this does not compile if either is missing) and runs on another thread than the
/// one that built it; `Select::new` selects stay `!Send` (a `compile_fail` doctest on
/// `Select`), as do sendable selects over non-`Send` messages (refused by `recv`/`send`).
#[test]
#[cfg_attr(portalis_no_threads, ignore = "spawns threads; this target has none")]
fn sendable_select_is_send_and_sync() {
    fn assert_send_sync<X: Send + Sync>(x: X) -> X {
        x
    }
    let (s1, r1) = bounded::<u32>(1);
    let (s2, r2) = unbounded::<String>();
    s2.send("moved".to_string()).unwrap();
    let mut sel = Select::new_sendable_biased();
    let i1 = sel.send(&s1);
    let i2 = sel.recv(&r2);
    let mut sel = assert_send_sync(sel);
    let shared = assert_send_sync(&sel);
    assert!(format!("{shared:?}").contains('2'));
    let (s1, r2) = (&s1, &r2);
    thread::scope(|scope| {
        scope
            .spawn(move || {
                // Biased: the send case (index 0) is ready and listed first.
                let op = sel.select();
                assert_eq!(op.index(), i1);
                op.send(s1, 5).unwrap();
                let op = sel.try_select().unwrap();
                assert_eq!(op.index(), i1 + 1);
                assert_eq!(op.index(), i2);
                assert_eq!(op.recv(r2).unwrap(), "moved");
            })
            .join()
            .unwrap();
    });
    assert_eq!(r1.try_recv(), Ok(5));
}

/// Polls `f` with a waker that does nothing until it resolves (a busy executor: it needs no
/// thread to wake it, so it runs on targets without threads too); returns the output and the
/// number of polls.
fn busy_block_on<F: core::future::Future>(f: F) -> (F::Output, usize) {
    let mut f = core::pin::pin!(f);
    let mut cx = core::task::Context::from_waker(core::task::Waker::noop());
    let mut polls = 1;
    loop {
        if let core::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            return (v, polls);
        }
        polls += 1;
    }
}

/// ADR 121 on one thread, so on every target (wasm32-wasip1 without threads too): an async
/// rendezvous sender and an async receiver meet, sender first. Before ADR 121 the receiver
/// stayed pending for ever (both waited as observers, nobody held the message).
#[test]
fn rendezvous_async_ends_meet_without_threads() {
    use core::future::Future as _;
    let (tx, rx) = bounded::<u32>(0);
    let mut cx = core::task::Context::from_waker(core::task::Waker::noop());
    let mut s = Box::pin(tx.send_async(3));
    assert!(s.as_mut().poll(&mut cx).is_pending(), "no receiver yet");
    let mut r = Box::pin(rx.recv_async());
    assert_eq!(r.as_mut().poll(&mut cx), core::task::Poll::Ready(Ok(3)));
    assert_eq!(s.as_mut().poll(&mut cx), core::task::Poll::Ready(Ok(())));
}

/// ADR 122 on every target: `after(d).recv_async()` resolves, not before its deadline, under
/// a busy executor. Natively the timer thread holds its deadline meanwhile; on wasm32-wasip1
/// without threads the future itself polls the clock (the documented fallback).
#[test]
fn after_recv_async_resolves_on_every_target() {
    let d = Duration::from_millis(5);
    let start = Instant::now();
    let (got, _polls) = busy_block_on(after(d).recv_async());
    assert!(got.is_ok());
    assert!(start.elapsed() >= d, "resolved before its deadline");
    crate::futex::join_idle_timer(); // miri rejects a process ending with it alive
}
