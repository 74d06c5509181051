//! Shuttle runs of the MPMC channels: 4 producers / 4 consumers on every flavour; the
//! multiset received equals the multiset sent. Fixed seeds, bounded iterations.
#![cfg(portalis_shuttle)]

use portalis_primitives::channel::{bounded, select, unbounded, Receiver, Sender};
use shuttle::scheduler::RandomScheduler;
use shuttle::{thread, Config, Runner};

const PRODUCERS: usize = 4;
const CONSUMERS: usize = 4;
const PER_PRODUCER: usize = 3;
const ITERATIONS: usize = 300;

fn run(seed: u64, f: impl Fn() + Send + Sync + 'static) {
    Runner::new(
        RandomScheduler::new_from_seed(seed, ITERATIONS),
        Config::new(),
    )
    .run(f);
}

fn mpmc(make: fn() -> (Sender<usize>, Receiver<usize>)) {
    let (s, r) = make();
    let producers: Vec<_> = (0..PRODUCERS)
        .map(|p| {
            let s = s.clone();
            thread::spawn(move || {
                for i in 0..PER_PRODUCER {
                    s.send(p * 100 + i).unwrap();
                }
            })
        })
        .collect();
    drop(s);
    let consumers: Vec<_> = (0..CONSUMERS)
        .map(|_| {
            let r = r.clone();
            thread::spawn(move || r.iter().collect::<Vec<_>>())
        })
        .collect();
    drop(r);
    for p in producers {
        p.join().unwrap();
    }
    let mut got: Vec<usize> = consumers
        .into_iter()
        .flat_map(|c| c.join().unwrap())
        .collect();
    got.sort_unstable();
    let mut want: Vec<usize> = (0..PRODUCERS)
        .flat_map(|p| (0..PER_PRODUCER).map(move |i| p * 100 + i))
        .collect();
    want.sort_unstable();
    assert_eq!(got, want);
}

/// Property (rendezvous): 4 producers × 4 consumers, the multiset received equals the
/// multiset sent.
#[test]
fn shuttle_channel_mpmc_rendezvous() {
    run(1, || mpmc(|| bounded(0)));
}

/// Property (locked queue, `bounded(1)`): 4×4, the multiset received equals the multiset sent.
#[test]
fn shuttle_channel_mpmc_bounded1() {
    run(2, || mpmc(|| bounded(1)));
}

/// Property (lock-free ring, `bounded(4)`): 4×4, the multiset received equals the multiset sent.
#[test]
fn shuttle_channel_mpmc_bounded4() {
    run(3, || mpmc(|| bounded(4)));
}

/// The lock-free ring at its smallest size: senders hit "full" and wait (ADR 025).
#[test]
fn shuttle_channel_mpmc_ring2() {
    run(6, || mpmc(|| bounded(2)));
}

/// Producers and consumers in `select!` over a ring and a block list (lock-free flavours:
/// readiness-only reservations, observer wake-ups; lockfree.rs steps R1–R4).
#[test]
fn shuttle_channel_select_both_lockfree() {
    run(7, || {
        let (s1, r1) = bounded::<usize>(2);
        let (s2, r2) = unbounded::<usize>();
        let producers: Vec<_> = (0..2)
            .map(|p| {
                let (s1, s2) = (s1.clone(), s2.clone());
                thread::spawn(move || {
                    for i in 0..3 {
                        select! {
                            send(s1, p * 10 + i) -> r => r.unwrap(),
                            send(s2, p * 10 + i) -> r => r.unwrap(),
                        }
                    }
                })
            })
            .collect();
        drop((s1, s2));
        // One consumer. A drained, disconnected buffered channel is a ready case (and the
        // models always poll case 0 first), so on the first error it drains both channels.
        let consumer = thread::spawn(move || {
            let mut got = Vec::new();
            loop {
                let done = select! {
                    recv(r1) -> m => m.map(|v| got.push(v)).is_err(),
                    recv(r2) -> m => m.map(|v| got.push(v)).is_err(),
                };
                if done {
                    got.extend(r1.iter());
                    got.extend(r2.iter());
                    return got;
                }
            }
        });
        for p in producers {
            p.join().unwrap();
        }
        let mut got = consumer.join().unwrap();
        got.sort_unstable();
        assert_eq!(got, vec![0, 1, 2, 10, 11, 12]);
    });
}

/// Property (list, `unbounded()`): 4×4, the multiset received equals the multiset sent.
#[test]
fn shuttle_channel_mpmc_unbounded() {
    run(4, || mpmc(unbounded));
}

/// Producers and consumers both in `select!` over two rendezvous channels.
#[test]
fn shuttle_channel_select_both_rendezvous() {
    run(5, || {
        let (s1, r1) = bounded::<usize>(0);
        let (s2, r2) = bounded::<usize>(0);
        let producers: Vec<_> = (0..2)
            .map(|p| {
                let (s1, s2) = (s1.clone(), s2.clone());
                thread::spawn(move || {
                    for i in 0..2 {
                        select! {
                            send(s1, p * 10 + i) -> r => r.unwrap(),
                            send(s2, p * 10 + i) -> r => r.unwrap(),
                        }
                    }
                })
            })
            .collect();
        drop((s1, s2));
        let consumers: Vec<_> = (0..2)
            .map(|_| {
                let (r1, r2) = (r1.clone(), r2.clone());
                thread::spawn(move || {
                    let mut got = Vec::new();
                    for _ in 0..2 {
                        select! {
                            recv(r1) -> m => got.push(m.unwrap()),
                            recv(r2) -> m => got.push(m.unwrap()),
                        }
                    }
                    got
                })
            })
            .collect();
        for p in producers {
            p.join().unwrap();
        }
        let mut got: Vec<usize> = consumers
            .into_iter()
            .flat_map(|c| c.join().unwrap())
            .collect();
        got.sort_unstable();
        assert_eq!(got, vec![0, 1, 10, 11]);
    });
}

/// Two consumers select over two lock-free channels, one message each, the senders alive
/// throughout (no disconnection to wake anyone). Before the fix of ADR 025's select hang, both
/// consumers could select channel 0 on the same readiness, one took the message and the other
/// blocked in a `recv` on channel 0 alone while the last message sat in channel 1: shuttle
/// reported the deadlock.
fn select_two_consumers(make: fn() -> (Sender<usize>, Receiver<usize>)) {
    let (s0, r0) = make();
    let (s1, r1) = make();
    let consumers: Vec<_> = (0..2)
        .map(|_| {
            let (r0, r1) = (r0.clone(), r1.clone());
            thread::spawn(move || {
                select! {
                    recv(r0) -> m => m.unwrap(),
                    recv(r1) -> m => m.unwrap(),
                }
            })
        })
        .collect();
    let producers: Vec<_> = [(s0.clone(), 1), (s1.clone(), 2)]
        .into_iter()
        .map(|(s, v)| thread::spawn(move || s.send(v).unwrap()))
        .collect();
    for p in producers {
        p.join().unwrap();
    }
    let mut got: Vec<usize> = consumers.into_iter().map(|c| c.join().unwrap()).collect();
    got.sort_unstable();
    assert_eq!(got, vec![1, 2]);
    drop((s0, s1));
}

/// Property: two `select!` consumers over two rings lose and duplicate nothing.
#[test]
fn shuttle_channel_select_two_consumers_ring() {
    run(11, || select_two_consumers(|| bounded(2)));
}

/// Property: two `select!` consumers over two lists lose and duplicate nothing.
#[test]
fn shuttle_channel_select_two_consumers_list() {
    run(12, || select_two_consumers(unbounded));
}

/// Regression: two producers select-send over two rings while the consumer drains only one of
/// them first. A selected send used to see room, lose the slot to the other producer and then
/// block on that full channel alone while the other had room: shuttle found the deadlock. A
/// selected send now claims its slot (ring.rs step 5).
#[test]
fn shuttle_channel_select_send_never_commits_to_a_full_ring() {
    for seed in 0..4 {
        run(100 + seed, || {
            let (sa, ra) = bounded::<usize>(2);
            let (sb, rb) = bounded::<usize>(2);
            let producers: Vec<_> = (0..2)
                .map(|p| {
                    let (sa, sb) = (sa.clone(), sb.clone());
                    thread::spawn(move || {
                        for i in 0..3 {
                            select! {
                                send(sa, p * 10 + i) -> r => r.unwrap(),
                                send(sb, p * 10 + i) -> r => r.unwrap(),
                            }
                        }
                    })
                })
                .collect();
            drop((sa, sb));
            // At most 2 messages fit in `a`, so at least 4 go through `b`.
            let mut got: Vec<usize> = (0..4).map(|_| rb.recv().unwrap()).collect();
            got.extend(ra.iter());
            got.extend(rb.iter());
            for p in producers {
                p.join().unwrap();
            }
            got.sort_unstable();
            assert_eq!(got, vec![0, 1, 2, 10, 11, 12]);
        });
    }
}

/// Issue 16 item 5: two selects, each with a send and a receive case on the same rendezvous
/// channel, pair with each other and never with themselves (rendezvous.rs `register_recv` /
/// `register_send` skip the registering context's own entries). Before the fix each select
/// claimed its own entry and retried forever: shuttle reports the run exceeding its step
/// bound (negative control: revert `has_partner_except`/`claim_all_except` to the unfiltered
/// calls).
#[test]
fn shuttle_channel_self_select_rendezvous() {
    run(11, || {
        let (s, r) = bounded::<usize>(0);
        let threads: Vec<_> = (0..2)
            .map(|id| {
                let (s, r) = (s.clone(), r.clone());
                thread::spawn(move || {
                    select! {
                        send(s, id) -> res => { res.unwrap(); (1, 0) }
                        recv(r) -> msg => { assert_eq!(msg.unwrap(), 1 - id); (0, 1) }
                    }
                })
            })
            .collect();
        let res: Vec<(usize, usize)> = threads.into_iter().map(|t| t.join().unwrap()).collect();
        assert_eq!(res[0].0, res[1].1);
        assert_eq!(res[0].1, res[1].0);
    });
}

/// Issue 16 item 4: a sender blocked in `Select::select` on a rendezvous channel is claimed
/// by a `try_recv` loop (handoff.rs M1–M3: the receiver writes its entry into the select's
/// mailbox and waits for the selected send). Negative control: before the fix (send cases as
/// packet-less observers) the loop never ends and shuttle reports the step bound exceeded.
#[test]
fn shuttle_channel_try_recv_claims_selecting_sender() {
    run(12, || {
        let (s, r) = bounded::<usize>(0);
        let t = thread::spawn(move || {
            let mut sel = portalis_primitives::channel::Select::new();
            sel.send(&s);
            let op = sel.select();
            op.send(&s, 7).unwrap();
        });
        let got = loop {
            match r.try_recv() {
                Ok(v) => break v,
                Err(_) => thread::yield_now(),
            }
        };
        assert_eq!(got, 7);
        t.join().unwrap();
    });
}

/// Issue 16 item 4, mailbox requests from both kinds of receiver at once: a plain `recv` and a
/// receiving select compete for two selecting senders; every message arrives exactly once.
#[test]
fn shuttle_channel_selecting_senders_meet_recv_and_select() {
    run(13, || {
        let (s, r) = bounded::<usize>(0);
        let senders: Vec<_> = (0..2)
            .map(|id| {
                let s = s.clone();
                thread::spawn(move || {
                    select! {
                        send(s, id) -> res => res.unwrap(),
                    }
                })
            })
            .collect();
        drop(s);
        let r2 = r.clone();
        let sel = thread::spawn(move || {
            select! {
                recv(r2) -> m => m.unwrap(),
            }
        });
        let a = r.recv().unwrap();
        let b = sel.join().unwrap();
        for t in senders {
            t.join().unwrap();
        }
        let mut got = [a, b];
        got.sort_unstable();
        assert_eq!(got, [0, 1]);
    });
}
