//! Shuttle scenarios of the non-blocking select (`channel/select.rs` `try_run`, ADR 053):
//! longer runs than the loom models (`loom_select.rs`) can afford. A mover keeps a message in
//! one of two channels at every instant for several moves while the main thread calls
//! `try_select` over and over; no call may report nothing ready. Run with
//! `bash verify/scripts/shuttle.sh`. Negative controls (verify/scripts/controls.sh, which runs
//! `shuttle_*` files under shuttle; ADR 053, ADR 092): with `select_try_single_pass` seeded all
//! three fail, with `lock_version_no_bump` the queue scenario fails (a random scheduler: the
//! PCT scheduler at depth 3 did not find two missed passes in a row).
#![cfg(portalis_shuttle)]

use portalis_primitives::channel::{bounded, unbounded, Receiver, Select, Sender};
use portalis_primitives::sync::atomic::{AtomicBool, Ordering::SeqCst};
use portalis_primitives::sync::{thread, Arc};

const ITERATIONS: usize = 20_000;
/// Round trips of the message (a → b → a) per execution.
const MOVES: usize = 3;

fn check(f: impl Fn() + Send + Sync + 'static) {
    let scheduler = shuttle::scheduler::RandomScheduler::new_from_seed(0x5e1e, ITERATIONS);
    shuttle::Runner::new(scheduler, shuttle::Config::default()).run(f);
}

/// The scenario on channels from `make`. The mover uses `try_` operations (the select may hold
/// a message for a moment: it puts it back before its next call, and the mover then finds the
/// channel as it left it, so every move still succeeds on its next attempt).
fn moving_message(make: fn() -> (Sender<u32>, Receiver<u32>)) {
    check(move || {
        let (sa, ra) = make();
        let (sb, rb) = make();
        sa.send(0).unwrap();
        let done = Arc::new(AtomicBool::new(false));
        let mover = {
            let (sa, sb, ra, rb, done) =
                (sa.clone(), sb.clone(), ra.clone(), rb.clone(), done.clone());
            thread::spawn(move || {
                // Into the other channel first, then out of this one; each step retried until
                // it succeeds (the select may be holding the message for a moment).
                let step_send = |s: &Sender<u32>| {
                    while s.try_send(1).is_err() {
                        thread::yield_now()
                    }
                };
                let step_recv = |r: &Receiver<u32>| {
                    while r.try_recv().is_err() {
                        thread::yield_now()
                    }
                };
                for _ in 0..MOVES {
                    step_send(&sb);
                    step_recv(&ra);
                    step_send(&sa);
                    step_recv(&rb);
                }
                // SeqCst: the flag only ends the main loop.
                done.store(true, SeqCst);
            })
        };
        while !done.load(SeqCst) {
            let mut sel = Select::new();
            let ib = sel.recv(&rb);
            let _ia = sel.recv(&ra);
            let (op, s, r) = match sel.try_select() {
                Ok(op) if op.index() == ib => (op, &sb, &rb),
                Ok(op) => (op, &sa, &ra),
                Err(_) => panic!("try_select reported nothing ready while a message was queued"),
            };
            // Put it back at once: the mover waits for it.
            s.try_send(op.recv(r).unwrap()).unwrap();
            thread::yield_now();
        }
        mover.join().unwrap();
    });
}

/// Locked queue (`bounded(1)`): the lock's change count.
#[test]
fn shuttle_select_try_linearizable_queue() {
    moving_message(|| bounded(1));
}

/// Ring (`bounded(2)`): positions as change stamps.
#[test]
fn shuttle_select_try_linearizable_ring() {
    moving_message(|| bounded(2));
}

/// Block list (`unbounded()`).
#[test]
fn shuttle_select_try_linearizable_list() {
    moving_message(unbounded);
}
