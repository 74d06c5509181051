//! End-to-end behaviour through the facade: the pool, the primitives and the channels used
//! together the way translated Python programs use them.
#![cfg(not(any(portalis_loom, portalis_shuttle)))] // real threads; the models have their own files

use portalis_threading::channel;
use portalis_threading::executor::ThreadPoolExecutor;
use portalis_threading::{join, Barrier, Mutex, ThreadPoolBuilder, WaitGroup};
use std::sync::Arc;

/// Sizes shrink under miri, which runs threads slowly.
const ITEMS: u64 = if cfg!(miri) { 40 } else { 20_000 };

fn sum_by_join(v: &[u64]) -> u64 {
    if v.len() <= 64 {
        return v.iter().sum();
    }
    let (l, r) = v.split_at(v.len() / 2);
    let (a, b) = join(|| sum_by_join(l), || sum_by_join(r));
    a + b
}

#[test]
fn pool_results_flow_through_a_channel_into_a_mutex() {
    let pool = ThreadPoolBuilder::new().num_threads(2).build().unwrap();
    let data: Vec<u64> = (1..=ITEMS).collect();
    let (tx, rx) = channel::bounded::<u64>(4);
    let total = Arc::new(Mutex::new(0u64));
    let t2 = total.clone();
    let consumer = std::thread::spawn(move || {
        for x in rx.iter() {
            *t2.lock() += x;
        }
    });
    pool.scope(|s| {
        for chunk in data.chunks(1_000) {
            let tx = tx.clone();
            s.spawn(move |_| tx.send(sum_by_join(chunk)).unwrap());
        }
    });
    drop(tx); // the last sender: the consumer's iterator ends
    consumer.join().unwrap();
    assert_eq!(*total.lock(), ITEMS * (ITEMS + 1) / 2);
}

#[test]
fn executor_futures_barrier_and_wait_group() {
    const WORKERS: usize = 3;
    let ex = ThreadPoolExecutor::new(WORKERS).unwrap();
    let barrier = Arc::new(Barrier::new(WORKERS as u32).unwrap());
    let wg = Arc::new(WaitGroup::new());
    wg.add(WORKERS as u32).unwrap();
    let futures: Vec<_> = (0..WORKERS)
        .map(|i| {
            let (b, wg) = (barrier.clone(), wg.clone());
            ex.submit(move || {
                // Every task reaches the barrier before any returns: the executor really runs
                // WORKERS tasks at once (a smaller pool would deadlock here, not pass).
                let idx = b.wait().unwrap();
                wg.done().unwrap();
                (i, idx)
            })
            .unwrap()
        })
        .collect();
    wg.wait();
    let mut indices: Vec<u32> = futures.iter().map(|f| f.result(None).unwrap().1).collect();
    indices.sort_unstable();
    assert_eq!(indices, (0..WORKERS as u32).collect::<Vec<_>>());
    ex.shutdown(true, false);
}
