//! Loom model of the FIFO tokens (issue 15 §8; `JobFifo` in `scheduler/src/job.rs`): a
//! `spawn_fifo` queues its job in a FIFO queue (a scope's, or the spawning worker's) and then
//! pushes a token on the spawning worker's LIFO deque; whoever runs a token, the owner or a
//! thief, takes the oldest job of that queue. The protocol rests on the order of the two
//! pushes: a thief that stole the token (the deque's Release/Acquire) must find the job.
//! Run with `bash verify/scripts/loom.sh`.
#![cfg(portalis_loom)]

use portalis_scheduler::ThreadPoolBuilder;
use portalis_verify::model::{loom_model, Payload};

/// Preemption bound of the model: bound 1 reaches the seeded bug below (a thief's steal
/// between the token's push and its job's).
const FIFO_BOUND: usize = 1;

/// Property: on a 2-thread pool, a FIFO scope whose two jobs are queued by a worker (tokens
/// on its deque, open to the other worker's steals) runs each job exactly once, returns only
/// after both, and their writes are visible after it. Control: `fifo_token_before_job` (the
/// token is pushed before its job is queued: a thief can run the token against an empty
/// queue, the job is then never run and the scope never ends; loom reports the deadlock).
#[test]
fn loom_fifo_tokens_stolen_and_local() {
    loom_model(FIFO_BOUND, || {
        {
            let pool = ThreadPoolBuilder::new().num_threads(2).build().unwrap();
            let data = [Payload::new(), Payload::new()];
            pool.install(|| {
                portalis_scheduler::scope_fifo(|s| {
                    for (i, d) in data.iter().enumerate() {
                        s.spawn_fifo(move |_| d.write(d.read() + i as u32 + 1));
                    }
                })
            });
            assert_eq!((data[0].read(), data[1].read()), (1, 2));
            pool.shutdown(true); // joins the workers: they must not outlive the model
        }
    });
}
