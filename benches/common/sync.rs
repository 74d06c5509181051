//! Workloads of rows L1–L4 and T1 (semaphore pair), shared by `benches/sync.rs` (criterion)
//! and `benches/perf_table/sync.rs`. Every implementation sits behind a small local trait,
//! so one workload body measures ours and every peer.
// Bench-only items: `pub` means "used by an includer"; each includer uses a subset.
#![allow(
    dead_code,
    unreachable_pub,
    missing_docs,
    missing_debug_implementations
)]

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

// ---------------------------------------------------------------------------------------
// Traits and implementations.

/// A mutex around a `u64`.
pub trait Lock: Send + Sync + 'static {
    const NAME: &'static str;
    fn new(v: u64) -> Self;
    fn with(&self, f: impl FnOnce(&mut u64));
}

/// Ours.
pub struct OursMutex(portalis_threading::Mutex<u64>);
impl Lock for OursMutex {
    const NAME: &'static str = "portalis";
    fn new(v: u64) -> Self {
        Self(portalis_threading::Mutex::new(v))
    }
    #[inline]
    fn with(&self, f: impl FnOnce(&mut u64)) {
        f(&mut self.0.lock())
    }
}

/// std::sync::Mutex.
pub struct StdMutex(std::sync::Mutex<u64>);
impl Lock for StdMutex {
    const NAME: &'static str = "std";
    fn new(v: u64) -> Self {
        Self(std::sync::Mutex::new(v))
    }
    #[inline]
    fn with(&self, f: impl FnOnce(&mut u64)) {
        f(&mut self.0.lock().unwrap())
    }
}

/// parking_lot::Mutex.
pub struct PlMutex(parking_lot::Mutex<u64>);
impl Lock for PlMutex {
    const NAME: &'static str = "parking_lot";
    fn new(v: u64) -> Self {
        Self(parking_lot::Mutex::new(v))
    }
    #[inline]
    fn with(&self, f: impl FnOnce(&mut u64)) {
        f(&mut self.0.lock())
    }
}

/// A readers–writer lock around a `u64`.
pub trait RwLock: Send + Sync + 'static {
    const NAME: &'static str;
    fn new(v: u64) -> Self;
    fn read(&self) -> u64;
    fn write(&self, f: impl FnOnce(&mut u64));
}

pub struct OursRw(portalis_threading::RwLock<u64>);
impl RwLock for OursRw {
    const NAME: &'static str = "portalis";
    fn new(v: u64) -> Self {
        Self(portalis_threading::RwLock::new(v))
    }
    #[inline]
    fn read(&self) -> u64 {
        *self.0.read()
    }
    #[inline]
    fn write(&self, f: impl FnOnce(&mut u64)) {
        f(&mut self.0.write())
    }
}

pub struct StdRw(std::sync::RwLock<u64>);
impl RwLock for StdRw {
    const NAME: &'static str = "std";
    fn new(v: u64) -> Self {
        Self(std::sync::RwLock::new(v))
    }
    #[inline]
    fn read(&self) -> u64 {
        *self.0.read().unwrap()
    }
    #[inline]
    fn write(&self, f: impl FnOnce(&mut u64)) {
        f(&mut self.0.write().unwrap())
    }
}

pub struct PlRw(parking_lot::RwLock<u64>);
impl RwLock for PlRw {
    const NAME: &'static str = "parking_lot";
    fn new(v: u64) -> Self {
        Self(parking_lot::RwLock::new(v))
    }
    #[inline]
    fn read(&self) -> u64 {
        *self.0.read()
    }
    #[inline]
    fn write(&self, f: impl FnOnce(&mut u64)) {
        f(&mut self.0.write())
    }
}

/// A counting semaphore.
pub trait Sem: Send + Sync + 'static {
    const NAME: &'static str;
    fn new(permits: u32) -> Self;
    fn acquire(&self);
    fn release(&self);
}

pub struct OursSem(portalis_threading::Semaphore);
impl Sem for OursSem {
    const NAME: &'static str = "portalis";
    fn new(p: u32) -> Self {
        Self(portalis_threading::Semaphore::new(p).unwrap())
    }
    #[inline]
    fn acquire(&self) {
        self.0.acquire()
    }
    #[inline]
    fn release(&self) {
        self.0.release().unwrap()
    }
}

/// The textbook semaphore: a count under std's Mutex plus a Condvar.
pub struct CvSem(std::sync::Mutex<u32>, std::sync::Condvar);
impl Sem for CvSem {
    const NAME: &'static str = "std Mutex+Condvar";
    fn new(p: u32) -> Self {
        Self(std::sync::Mutex::new(p), std::sync::Condvar::new())
    }
    #[inline]
    fn acquire(&self) {
        let mut g = self
            .1
            .wait_while(self.0.lock().unwrap(), |n| *n == 0)
            .unwrap();
        *g -= 1;
    }
    #[inline]
    fn release(&self) {
        *self.0.lock().unwrap() += 1;
        self.1.notify_one();
    }
}

/// A barrier for N parties.
pub trait Bar: Send + Sync + 'static {
    const NAME: &'static str;
    fn new(n: u32) -> Self;
    fn wait(&self);
}

pub struct OursBarrier(portalis_threading::Barrier);
impl Bar for OursBarrier {
    const NAME: &'static str = "portalis";
    fn new(n: u32) -> Self {
        Self(portalis_threading::Barrier::new(n).unwrap())
    }
    #[inline]
    fn wait(&self) {
        self.0.wait().unwrap();
    }
}

pub struct StdBarrier(std::sync::Barrier);
impl Bar for StdBarrier {
    const NAME: &'static str = "std::sync::Barrier";
    fn new(n: u32) -> Self {
        Self(std::sync::Barrier::new(n as usize))
    }
    #[inline]
    fn wait(&self) {
        self.0.wait();
    }
}

/// A manual-reset event.
pub trait Ev: Send + Sync + 'static {
    const NAME: &'static str;
    fn new() -> Self;
    fn set(&self);
    fn clear(&self);
    fn wait(&self);
}

pub struct OursEvent(portalis_threading::Event);
impl Ev for OursEvent {
    const NAME: &'static str = "portalis";
    fn new() -> Self {
        Self(portalis_threading::Event::new())
    }
    #[inline]
    fn set(&self) {
        self.0.set()
    }
    #[inline]
    fn clear(&self) {
        self.0.clear()
    }
    #[inline]
    fn wait(&self) {
        self.0.wait()
    }
}

/// The textbook event: a flag under std's Mutex plus a Condvar (what CPython does).
pub struct CvEvent(std::sync::Mutex<bool>, std::sync::Condvar);
impl Ev for CvEvent {
    const NAME: &'static str = "std Mutex+Condvar";
    fn new() -> Self {
        Self(std::sync::Mutex::new(false), std::sync::Condvar::new())
    }
    #[inline]
    fn set(&self) {
        *self.0.lock().unwrap() = true;
        self.1.notify_all();
    }
    #[inline]
    fn clear(&self) {
        *self.0.lock().unwrap() = false;
    }
    #[inline]
    fn wait(&self) {
        drop(self.1.wait_while(self.0.lock().unwrap(), |s| !*s).unwrap());
    }
}

/// A ping-pong link between two threads: `ping` hands the turn over, `wait_pong` waits for
/// it to come back (and the other side does the mirror image).
pub trait PingPong: Send + Sync + 'static {
    const NAME: &'static str;
    fn new() -> (Self, Self)
    where
        Self: Sized;
    fn send(&self);
    fn recv(&self);
}

/// Two of our semaphores: each side releases the other's and acquires its own.
pub struct SemPair(
    Arc<portalis_threading::Semaphore>,
    Arc<portalis_threading::Semaphore>,
);
impl PingPong for SemPair {
    const NAME: &'static str = "portalis semaphore pair";
    fn new() -> (Self, Self) {
        let a = Arc::new(portalis_threading::Semaphore::new(0).unwrap());
        let b = Arc::new(portalis_threading::Semaphore::new(0).unwrap());
        (SemPair(a.clone(), b.clone()), SemPair(b, a))
    }
    #[inline]
    fn send(&self) {
        self.1.release().unwrap()
    }
    #[inline]
    fn recv(&self) {
        self.0.acquire()
    }
}

/// crossbeam-channel bounded(0) in each direction.
pub struct CbZero(
    crossbeam_channel::Sender<()>,
    crossbeam_channel::Receiver<()>,
);
impl PingPong for CbZero {
    const NAME: &'static str = "crossbeam bounded(0)";
    fn new() -> (Self, Self) {
        let (s1, r1) = crossbeam_channel::bounded(0);
        let (s2, r2) = crossbeam_channel::bounded(0);
        (CbZero(s1, r2), CbZero(s2, r1))
    }
    #[inline]
    fn send(&self) {
        self.0.send(()).unwrap()
    }
    #[inline]
    fn recv(&self) {
        self.1.recv().unwrap()
    }
}

// ---------------------------------------------------------------------------------------
// Workloads: each returns the wall time of the whole run.

/// L1: `iters` lock+increment+unlock on one thread.
pub fn l1_uncontended<L: Lock>(iters: usize) -> Duration {
    let l = L::new(0);
    let t = Instant::now();
    for _ in 0..iters {
        l.with(|v| *v = black_box(*v + 1));
    }
    let e = t.elapsed();
    l.with(|v| assert_eq!(*v, iters as u64));
    e
}

/// L2: `threads` threads each do `per_thread` locked increments of one counter (fixed count).
pub fn l2_contended<L: Lock>(threads: usize, per_thread: usize) -> Duration {
    let l = Arc::new(L::new(0));
    let go = Arc::new(std::sync::Barrier::new(threads + 1));
    let hs: Vec<_> = (0..threads)
        .map(|_| {
            let (l, go) = (l.clone(), go.clone());
            std::thread::spawn(move || {
                go.wait();
                for _ in 0..per_thread {
                    l.with(|v| *v += 1);
                }
            })
        })
        .collect();
    // Start the clock before releasing the threads: on 2 cores they may finish before this
    // thread runs again after the barrier.
    let t = Instant::now();
    go.wait();
    for h in hs {
        h.join().unwrap();
    }
    let e = t.elapsed();
    l.with(|v| assert_eq!(*v, (threads * per_thread) as u64));
    e
}

/// L3: `threads` threads, `per_thread` operations each, one write in 20 (95% reads).
pub fn l3_read_mostly<R: RwLock>(threads: usize, per_thread: usize) -> Duration {
    let l = Arc::new(R::new(0));
    let go = Arc::new(std::sync::Barrier::new(threads + 1));
    let hs: Vec<_> = (0..threads)
        .map(|_| {
            let (l, go) = (l.clone(), go.clone());
            std::thread::spawn(move || {
                go.wait();
                let mut sum = 0u64;
                for i in 0..per_thread {
                    if i % 20 == 0 {
                        l.write(|v| *v += 1);
                    } else {
                        sum = sum.wrapping_add(l.read());
                    }
                }
                black_box(sum);
            })
        })
        .collect();
    // Start the clock before releasing the threads: on 2 cores they may finish before this
    // thread runs again after the barrier.
    let t = Instant::now();
    go.wait();
    for h in hs {
        h.join().unwrap();
    }
    t.elapsed()
}

/// L4 semaphore: `iters` acquire+release pairs on one thread.
pub fn l4_semaphore<S: Sem>(iters: usize) -> Duration {
    let s = S::new(1);
    let t = Instant::now();
    for _ in 0..iters {
        s.acquire();
        s.release();
    }
    t.elapsed()
}

/// L4 semaphore, contended: `threads` threads share 1 permit, `per_thread` pairs each.
pub fn l4_semaphore_contended<S: Sem>(threads: usize, per_thread: usize) -> Duration {
    let s = Arc::new(S::new(1));
    let go = Arc::new(std::sync::Barrier::new(threads + 1));
    let hs: Vec<_> = (0..threads)
        .map(|_| {
            let (s, go) = (s.clone(), go.clone());
            std::thread::spawn(move || {
                go.wait();
                for _ in 0..per_thread {
                    s.acquire();
                    s.release();
                }
            })
        })
        .collect();
    // Start the clock before releasing the threads: on 2 cores they may finish before this
    // thread runs again after the barrier.
    let t = Instant::now();
    go.wait();
    for h in hs {
        h.join().unwrap();
    }
    t.elapsed()
}

/// L4 barrier: `threads` threads pass the barrier `rounds` times.
pub fn l4_barrier<B: Bar>(threads: u32, rounds: usize) -> Duration {
    let b = Arc::new(B::new(threads));
    let hs: Vec<_> = (1..threads)
        .map(|_| {
            let b = b.clone();
            std::thread::spawn(move || {
                for _ in 0..rounds {
                    b.wait();
                }
            })
        })
        .collect();
    b.wait(); // line up once
    let t = Instant::now();
    for _ in 1..rounds {
        b.wait();
    }
    let e = t.elapsed();
    for h in hs {
        h.join().unwrap();
    }
    e
}

/// L4 event: `rounds` ping-pong round trips over two events.
pub fn l4_event<E: Ev>(rounds: usize) -> Duration {
    let ev = Arc::new((E::new(), E::new()));
    let e2 = ev.clone();
    let h = std::thread::spawn(move || {
        for _ in 0..rounds {
            e2.0.wait();
            e2.0.clear();
            e2.1.set();
        }
    });
    let t = Instant::now();
    for _ in 0..rounds {
        ev.0.set();
        ev.1.wait();
        ev.1.clear();
    }
    let e = t.elapsed();
    h.join().unwrap();
    e
}

/// T1: `rounds` ping-pong round trips between two threads.
pub fn t1_pingpong<P: PingPong>(rounds: usize) -> Duration {
    let (a, b) = P::new();
    let h = std::thread::spawn(move || {
        for _ in 0..rounds {
            b.recv();
            b.send();
        }
    });
    let t = Instant::now();
    for _ in 0..rounds {
        a.send();
        a.recv();
    }
    let e = t.elapsed();
    h.join().unwrap();
    e
}
