//! Shared helpers of the browser test binaries (`web_*.rs`): a clock, an event-loop sleep, and
//! the futex contract scenarios run between Web Workers spawned by `portalis_scheduler::web`.
//! The waker side is the calling thread (a worker in `web_worker.rs`, the page's main thread
//! in `web_main.rs`), so each scenario takes an async "wait until" that the caller picks.
#![allow(dead_code, unreachable_pub)] // Each test binary uses a subset.

use portalis_primitives::futex::{self, WaitResult};
use portalis_primitives::sync::atomic::{AtomicU32, Ordering::SeqCst};
mod clock;
pub mod deaths;
pub mod tasks;
pub use clock::*;
pub mod ticker;

use portalis_scheduler::web::{self, WorkerHandle};
use std::sync::Arc;

/// Waiters in the many-waiter scenarios (each is a Web Worker: ≈ 30–50 ms to start).
pub const WAITERS: usize = 6;

/// `fut`'s output, or a test failure naming `what` if it has not completed after `secs`
/// seconds: turns a hang (the bug some tests pin) into a failure instead of the runner's
/// timeout. Not a timing assertion: the bound is far above any healthy run.
pub async fn or_hang<F: core::future::Future>(what: &str, secs: i32, fut: F) -> F::Output {
    let mut fut = core::pin::pin!(fut);
    let mut timer = core::pin::pin!(sleep_ms(secs * 1000));
    core::future::poll_fn(|cx| {
        use core::future::Future as _;
        if let core::task::Poll::Ready(v) = fut.as_mut().poll(cx) {
            return core::task::Poll::Ready(v);
        }
        if timer.as_mut().poll(cx).is_ready() {
            panic!("{what}: still pending after {secs} s (hangs)");
        }
        core::task::Poll::Pending
    })
    .await
}

/// Spawns a worker or fails the test with the browser's reason.
pub async fn spawn(f: impl FnOnce() + Send + 'static) -> WorkerHandle {
    web::spawn(f).await.expect("spawn a shared-memory worker")
}

/// Waits (from any thread, without blocking) until `pred` holds, yielding to the event loop.
pub async fn until(mut pred: impl FnMut() -> bool) {
    while !pred() {
        sleep_ms(1).await;
    }
}

/// A worker that blocks in `wait` until the word changes; returns after the change.
fn blocking_waiter(word: Arc<AtomicU32>, asleep: Arc<AtomicU32>, gone: Arc<AtomicU32>) {
    while word.load(SeqCst) == 0 {
        asleep.fetch_add(1, SeqCst);
        let r = futex::wait(&word, 0, None);
        assert_eq!(r, Ok(WaitResult::Woken));
    }
    gone.fetch_add(1, SeqCst);
}

/// wait/wake between two threads: a worker blocks, the caller wakes it with `wake_one`.
pub async fn wait_then_wake_one() {
    let word = Arc::new(AtomicU32::new(0));
    let (asleep, gone) = (Arc::new(AtomicU32::new(0)), Arc::new(AtomicU32::new(0)));
    let (w, a, g) = (word.clone(), asleep.clone(), gone.clone());
    let h = spawn(move || blocking_waiter(w, a, g)).await;
    until(|| asleep.load(SeqCst) > 0).await;
    sleep_ms(5).await; // likely (not required) that it is really inside memory.atomic.wait32
    word.store(1, SeqCst);
    futex::wake_one(&word);
    h.join_async().await;
    assert_eq!(gone.load(SeqCst), 1);
}

/// wake_all releases every one of N blocked workers.
pub async fn wake_all_releases_every_waiter() {
    let word = Arc::new(AtomicU32::new(0));
    let (asleep, gone) = (Arc::new(AtomicU32::new(0)), Arc::new(AtomicU32::new(0)));
    let mut hs = Vec::new();
    for _ in 0..WAITERS {
        let (w, a, g) = (word.clone(), asleep.clone(), gone.clone());
        hs.push(spawn(move || blocking_waiter(w, a, g)).await);
    }
    until(|| asleep.load(SeqCst) as usize >= WAITERS).await;
    word.store(1, SeqCst);
    futex::wake_all(&word);
    for h in &hs {
        h.join_async().await;
    }
    assert_eq!(gone.load(SeqCst) as usize, WAITERS);
}

/// Many waiters on one word, one `wake_one` per token: none may stay asleep while a token is
/// free (a lost wake-up hangs this scenario until the runner's timeout).
pub async fn wake_one_per_token_releases_many_waiters() {
    let tokens = Arc::new(AtomicU32::new(0));
    let mut hs = Vec::new();
    for _ in 0..WAITERS {
        let tokens = tokens.clone();
        hs.push(
            spawn(move || loop {
                let n = tokens.load(SeqCst);
                if n > 0 {
                    if tokens.compare_exchange(n, n - 1, SeqCst, SeqCst).is_ok() {
                        return;
                    }
                    continue;
                }
                let _ = futex::wait(&tokens, 0, None);
            })
            .await,
        );
    }
    for _ in 0..WAITERS {
        tokens.fetch_add(1, SeqCst);
        futex::wake_one(&tokens);
    }
    for h in &hs {
        h.join_async().await;
    }
    assert_eq!(tokens.load(SeqCst), 0);
}

/// Two workers ping-pong `rounds` times, both blocking in `wait`; returns the caller's count
/// of event-loop turns meanwhile (proof that the caller was never blocked).
pub async fn worker_ping_pong(rounds: u32) -> u32 {
    let word = Arc::new(AtomicU32::new(0));
    let side = |parity: u32, word: Arc<AtomicU32>| {
        move || {
            for i in 0..rounds {
                let mine = 2 * i + parity; // ping moves 0→1, pong 1→2, ...
                loop {
                    let v = word.load(SeqCst);
                    if v == mine {
                        break;
                    }
                    let _ = futex::wait(&word, v, None);
                }
                word.store(mine + 1, SeqCst);
                futex::wake_one(&word);
            }
        }
    };
    let ping = spawn(side(0, word.clone())).await;
    let pong = spawn(side(1, word.clone())).await;
    let mut turns = 0;
    while !(ping.is_finished() && pong.is_finished()) {
        sleep_ms(1).await;
        turns += 1;
    }
    assert_eq!(word.load(SeqCst), 2 * rounds);
    turns
}

/// Tolerance for `performance.now()`'s coarsening (5 µs plus jitter in isolated contexts,
/// 100 µs otherwise) when checking that a timeout did not return early.
pub const CLOCK_SLACK_MS: f64 = 0.2;

/// Runs a timed wait in a worker until it returns `TimedOut`; returns the elapsed ms.
pub async fn worker_timed_wait_elapsed(timeout_ms: u64) -> f64 {
    let out = Arc::new(AtomicU32::new(u32::MAX));
    let o = out.clone();
    let h = spawn(move || {
        let w = AtomicU32::new(0);
        let t = std::time::Duration::from_millis(timeout_ms);
        let start = now_ms();
        loop {
            match futex::wait(&w, 0, Some(t)) {
                Ok(WaitResult::TimedOut) => break,
                Ok(WaitResult::Woken) => continue, // spurious: only TimedOut promises time passed
                Err(e) => panic!("unexpected {e}"),
            }
        }
        o.store(((now_ms() - start) * 1e3) as u32, SeqCst); // µs
    })
    .await;
    h.join_async().await;
    out.load(SeqCst) as f64 / 1e3
}

/// A panicking job traps its Web Worker (the browser build is panic=abort; ADR 115). Pins:
/// the pending `install_async` rejects with `WorkerDied` (before ADR 115 it never resolved,
/// and this test failed at its hang guard), the death is reported to the creating thread
/// (`worker_deaths`), and a replacement worker takes the dead one's index, so the pool keeps
/// its size: a broadcast reaches both indexes, and the pool still runs jobs.
/// Run by the main-thread mode (`web_main.rs`: the pool's creator is the page's main thread)
/// and by the worker mode (`web_pool.rs`: the creator is a dedicated worker).
pub async fn pool_worker_death_is_reported_and_replaced() {
    use portalis_scheduler::{web, ThreadPoolBuilder};
    let pool = ThreadPoolBuilder::new()
        .num_threads(2)
        .build_async()
        .await
        .unwrap();
    let (deaths, replaced) = (web::worker_deaths(), web::replaced_workers());
    let r = or_hang(
        "install_async of a panicking job",
        60,
        pool.install_async(|| -> u32 { panic!("this job panics on purpose") }),
    )
    .await;
    let err = r.expect_err("a trapped worker cannot return a value");
    assert!(err.to_string().contains("retry"), "{err}");
    // Both indexes answer: the dead one's place was taken by a replacement.
    let mut indexes = or_hang(
        "broadcast after a worker death",
        60,
        pool.install_async(|| portalis_scheduler::broadcast(|c| c.index())),
    )
    .await
    .expect("no worker died during the broadcast");
    indexes.sort_unstable();
    assert_eq!(indexes, vec![0, 1]);
    assert_eq!(web::worker_deaths(), deaths + 1, "the death was reported");
    assert_eq!(
        web::replaced_workers(),
        replaced + 1,
        "a replacement booted"
    );
    let (a, b) = pool
        .join_async(|| (1..=100u64).sum::<u64>(), || 7)
        .await
        .unwrap();
    assert_eq!((a, b), (5050, 7));
}

/// A value whose `clone`, the first time after [`arm`](Self::arm), holds the caller where it
/// is until the page's main thread has entered a wait (`futex::main_thread_waits()` grew).
/// A worker cloning it under a library lock (a broadcast receiver's ring lock, the executor
/// future's state lock in `result`) thus holds that lock exactly until the main thread is
/// waiting for it: the contended path is reached by construction, not by timing. On the code
/// before ADR 111 that main-thread wait was std's `memory.atomic.wait32`: a trap.
#[derive(Debug)]
pub struct HoldsLock {
    pub value: u32,
    /// 0 = disarmed; else the `main_thread_waits()` count to wait for.
    target: Arc<AtomicU32>,
    /// Set to 1 by the holding clone once it holds (the main thread awaits it).
    pub holding: Arc<AtomicU32>,
}

impl HoldsLock {
    pub fn new(value: u32) -> Self {
        HoldsLock {
            value,
            target: Arc::new(AtomicU32::new(0)),
            holding: Arc::new(AtomicU32::new(0)),
        }
    }

    /// Makes the next `clone` hold until the main thread's next wait (call on the main thread).
    pub fn arm(&self) {
        self.target.store(futex::main_thread_waits() + 1, SeqCst);
    }
}

impl Clone for HoldsLock {
    fn clone(&self) -> Self {
        let target = self.target.swap(0, SeqCst);
        if target != 0 {
            self.holding.store(1, SeqCst);
            let w = AtomicU32::new(0);
            while futex::main_thread_waits() < target {
                // The cloning thread is a worker: a 1 ms nap between looks.
                let _ = futex::wait(&w, 0, Some(core::time::Duration::from_millis(1)));
            }
        }
        HoldsLock {
            value: self.value,
            target: self.target.clone(),
            holding: self.holding.clone(),
        }
    }
}

/// ADR 121 in the browser: on `bounded(0)` an async sender and an async receiver, both tasks
/// of this thread's event loop and no blocking end, meet; once with the sender spawned and
/// the receiver awaited, once the other way round. Before ADR 121 neither end carried the
/// message, so the awaited end hung (`or_hang` fails it).
pub async fn rendezvous_async_ends_meet_on_this_thread() {
    use portalis_primitives::channel::bounded;
    let (tx, rx) = bounded::<u32>(0);
    let done = Arc::new(AtomicU32::new(0));
    let d2 = done.clone();
    let tx2 = tx.clone();
    wasm_bindgen_futures::spawn_local(async move {
        tx2.send_async(5).await.unwrap();
        d2.store(1, SeqCst);
    });
    assert_eq!(or_hang("recv_async", 10, rx.recv_async()).await, Ok(5));
    or_hang("send_async", 10, until(|| done.load(SeqCst) == 1)).await;
    let d3 = done.clone();
    let rx2 = rx.clone();
    wasm_bindgen_futures::spawn_local(async move {
        let v = rx2.recv_async().await.unwrap();
        d3.store(v, SeqCst);
    });
    or_hang("send_async", 10, tx.send_async(6)).await.unwrap();
    or_hang("recv_async", 10, until(|| done.load(SeqCst) == 6)).await;
}

/// ADR 122 in the browser: a task awaiting a timer receive sleeps on a JS `setTimeout`.
/// * `after(1 h)`, raced against a 200 ms window: polled once (to arm its timer) and never
///   again while the window runs. Before ADR 122 it yielded to the event loop
///   (`setTimeout(0)`) and was polled again every few ms (6–309 polls in 30 ms measured on
///   the old code, so a window of 200 ms sees at least two).
/// * `after(30 ms)` resolves after a bounded number of polls: one to arm, one when the timer
///   fires, plus a re-arm or two for `performance.now()`'s coarse rounding.
pub async fn after_recv_async_is_polled_a_bounded_number_of_times() {
    use core::future::Future as _;
    use portalis_primitives::channel::after;
    let hour = after(std::time::Duration::from_secs(3600));
    let mut f = core::pin::pin!(hour.recv_async());
    let mut window = core::pin::pin!(sleep_ms(200));
    let mut polls = 0;
    core::future::poll_fn(|cx| {
        if window.as_mut().poll(cx).is_ready() {
            return core::task::Poll::Ready(());
        }
        polls += 1;
        assert!(f.as_mut().poll(cx).is_pending(), "an hour has not passed");
        core::task::Poll::Pending
    })
    .await;
    assert_eq!(
        polls, 1,
        "after(1 h) was polled again while nothing was due"
    );

    let r = after(std::time::Duration::from_millis(30));
    let mut f = core::pin::pin!(r.recv_async());
    let mut polls = 0;
    let got = or_hang(
        "after(30 ms)",
        10,
        core::future::poll_fn(|cx| {
            polls += 1;
            f.as_mut().poll(cx)
        }),
    )
    .await;
    assert!(got.is_ok());
    assert!(polls <= 4, "after(30 ms) polled {polls} times");
}

/// Timers of at least `min_ms` armed through the global `setTimeout` on this thread that have
/// neither fired nor been cleared. The first call wraps `setTimeout`/`clearTimeout` on this
/// global to keep that count (the library's wasm-bindgen imports look the globals up at each
/// call, so its timers go through the wrappers).
fn live_js_timers(min_ms: i32) -> u32 {
    let count = js_sys::Function::new_with_args(
        "min",
        "const g = globalThis;
         if (!g.__portalisLiveTimers) {
           const set = g.setTimeout.bind(g), clear = g.clearTimeout.bind(g);
           const live = new Map();
           g.__portalisLiveTimers = live;
           g.setTimeout = (f, ms, ...a) => {
             const id = set((...x) => { live.delete(id); return f(...x); }, ms, ...a);
             live.set(id, ms | 0);
             return id;
           };
           g.clearTimeout = (id) => { live.delete(id); clear(id); };
         }
         let n = 0;
         for (const ms of g.__portalisLiveTimers.values()) if (ms >= min) n++;
         return n;",
    );
    count
        .call1(&wasm_bindgen::JsValue::NULL, &min_ms.into())
        .expect("the timer count runs")
        .as_f64()
        .expect("a number") as u32
}

/// ADR 125 (timer_js.rs): an async timer receive dropped before it is due clears its JS
/// timer. `after(1 h).recv_async()` is polled once (it arms an hour-long `setTimeout`, which
/// the count must see: the check can fail) and dropped; then no hour-long timer may be left.
/// Before the fix the dropped future's timer stayed armed (count 1 after the drop).
pub async fn dropped_timer_recv_async_clears_its_js_timer() {
    use core::future::Future as _;
    use portalis_primitives::channel::after;
    // An hour, less a minute for the time between `after` and the poll: nothing else on the
    // page arms a timer that long.
    const HOUR_MS: i32 = 3_540_000;
    let _ = live_js_timers(HOUR_MS); // installs the wrappers before anything is armed
    let before = live_js_timers(HOUR_MS);
    let hour = after(std::time::Duration::from_secs(3600));
    {
        let mut f = Box::pin(hour.recv_async());
        let mut cx = core::task::Context::from_waker(core::task::Waker::noop());
        assert!(
            f.as_mut().poll(&mut cx).is_pending(),
            "an hour has not passed"
        );
        assert_eq!(
            live_js_timers(HOUR_MS),
            before + 1,
            "the pending receive armed one hour-long JS timer"
        );
    } // dropped here
    assert_eq!(
        live_js_timers(HOUR_MS),
        before,
        "the dropped receive left its JS timer armed"
    );
}

/// ADR 125: an async receiver on `bounded(0)` meets a sender blocked in a select on a worker.
/// The receiver claims the select's send case and requests the message; the worker, once its
/// select returned, waits for this thread's go-ahead before it sends, which this thread gives
/// only after its receive is pending. Before ADR 125 the receive waited for the send inside
/// `poll` (on the page's main thread: a spin), so the go-ahead never came before the worker's
/// hang guard (10 s) ran out, which the worker reports.
pub async fn rendezvous_recv_async_meets_a_selecting_sender_on_this_thread() {
    use portalis_primitives::channel::{bounded, Select};
    let (tx, rx) = bounded::<u32>(0);
    let selected = Arc::new(AtomicU32::new(0));
    let go = Arc::new(AtomicU32::new(0));
    let in_time = Arc::new(AtomicU32::new(0)); // 1: go-ahead in time, 2: guard ran out
    let (s2, g2, t2) = (selected.clone(), go.clone(), in_time.clone());
    let worker = spawn(move || {
        let mut sel = Select::new();
        sel.send(&tx);
        let op = sel.select();
        s2.store(1, SeqCst);
        let guard_end = now_ms() + 10_000.0;
        let mut ok = true;
        while g2.load(SeqCst) == 0 {
            let left = guard_end - now_ms();
            if left <= 0.0 {
                ok = false;
                break;
            }
            let _ = futex::wait(&g2, 0, Some(std::time::Duration::from_secs_f64(left / 1e3)));
        }
        t2.store(if ok { 1 } else { 2 }, SeqCst);
        op.send(&tx, 7).unwrap();
    })
    .await;
    let got = Arc::new(AtomicU32::new(0));
    let g3 = got.clone();
    let rx2 = rx.clone();
    wasm_bindgen_futures::spawn_local(async move {
        let v = rx2.recv_async().await.unwrap();
        g3.store(v, SeqCst);
    });
    // The select returns only once the receive (the only one) claimed it.
    or_hang("select", 30, until(|| selected.load(SeqCst) == 1)).await;
    go.store(1, SeqCst);
    futex::wake_all(&go);
    or_hang("recv_async", 30, until(|| got.load(SeqCst) == 7)).await;
    worker.join_async().await;
    assert_eq!(
        in_time.load(SeqCst),
        1,
        "recv_async waited inside poll for the select to complete its send"
    );
}
