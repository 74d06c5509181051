//! Recording histories from real threads, and the harness that runs thousands of them.
//!
//! Each history: `setup` builds a fresh object, its specification's initial state and one
//! private handle per thread; the threads start together at a barrier and run a short random
//! script (seeded: a failure names the seed that reproduces its script), logging every
//! operation through [`ThreadLog::op`]; after they are joined, `finish` may log more operations
//! from the main thread (a final drain, so a lost message shows as an illegal `Empty`); then
//! [`check`](super::check) must find a legal order, or the run panics with the history.
use super::{check, report, Event, Spec, Verdict};
use std::sync::atomic::{
    AtomicU64, AtomicUsize,
    Ordering::{AcqRel, Acquire},
};

/// One global tick counter: the real-time order of calls and returns.
///
/// An operation's return tick is taken after it returned and the next call tick before the
/// next call, both by `fetch_add` on this word. If A's return tick is smaller than B's call
/// tick, A's `fetch_add` precedes B's in the word's modification order, so (AcqRel) A's
/// effects happen-before B's call: "A returned before B was called" in the checker's sense is
/// real. The counter does add a synchronisation point around every operation, which can hide
/// a missing fence inside the object: ordering bugs are the loom models' job, not this one's.
#[derive(Debug, Default)]
pub struct Clock(AtomicU64);

impl Clock {
    /// A clock at 0.
    pub fn new() -> Self {
        Self::default()
    }

    /// The next tick.
    pub fn tick(&self) -> u64 {
        // AcqRel: pairs with itself on every other tick (see the type's doc).
        self.0.fetch_add(1, AcqRel)
    }
}

/// One thread's record of the operations it ran.
#[derive(Debug)]
pub struct ThreadLog<'c, O, R> {
    clock: &'c Clock,
    thread: usize,
    events: Vec<Event<O, R>>,
}

impl<'c, O, R> ThreadLog<'c, O, R> {
    /// An empty log for thread `thread`.
    pub fn new(clock: &'c Clock, thread: usize) -> Self {
        ThreadLog {
            clock,
            thread,
            events: Vec::new(),
        }
    }

    /// Runs `f`, records it as operation `op` with the result `f` reports, and returns what
    /// `f` returned (so scripts can branch on it, e.g. unlock only after a successful lock).
    pub fn op<T>(&mut self, op: O, f: impl FnOnce() -> (R, T)) -> T {
        let call = self.clock.tick();
        let (ret, out) = f();
        let ret_at = self.clock.tick();
        self.events.push(Event {
            thread: self.thread,
            op,
            ret,
            call,
            ret_at,
        });
        out
    }

    /// The recorded events.
    pub fn into_events(self) -> Vec<Event<O, R>> {
        self.events
    }
}

/// A spinning start line: the threads leave it within nanoseconds of each other, where a
/// sleeping barrier releases them one wake-up (tens of µs) apart, longer than a whole script:
/// measured, a `std::sync::Barrier` left almost no operations overlapping.
struct StartLine {
    arrived: AtomicUsize,
    parties: usize,
}

impl StartLine {
    fn wait(&self) {
        // AcqRel/Acquire: only a rendezvous; no data is published through it.
        self.arrived.fetch_add(1, AcqRel);
        let mut spins = 0u32;
        while self.arrived.load(Acquire) < self.parties {
            spins += 1;
            if spins.is_multiple_of(64) {
                // More threads than cores: let the late ones run.
                std::thread::yield_now();
            } else {
                std::hint::spin_loop();
            }
        }
    }
}

/// A small deterministic generator (SplitMix64) for the scripts.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator from `seed`.
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n > 0`).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }

    /// Uniform in `lo..=hi`.
    pub fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below((hi - lo + 1) as u64) as usize
    }
}

/// What a run checked.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    /// Histories recorded and found linearizable.
    pub histories: usize,
    /// Operations in them.
    pub operations: usize,
    /// Operations that overlapped in time with an operation of another thread (the ones
    /// whose order the checker had to decide, not read off the clock).
    pub concurrent: usize,
    /// Search states the checker entered, over all histories.
    pub states: usize,
}

/// How many events of `history` overlap an event of another thread.
fn concurrent<O, R>(history: &[Event<O, R>]) -> usize {
    history
        .iter()
        .filter(|a| {
            history
                .iter()
                .any(|b| b.thread != a.thread && a.call < b.ret_at && b.call < a.ret_at)
        })
        .count()
}

/// A run's parameters.
#[derive(Debug, Clone, Copy)]
pub struct Run<'a> {
    /// The structure's name, for the report line.
    pub name: &'a str,
    /// How many histories (multiplied by [`soak_factor`]).
    pub histories: usize,
    /// Threads per history.
    pub threads: usize,
    /// Base seed; history `h` thread `t` uses a seed derived from `(seed, h, t)`.
    pub seed: u64,
}

/// `PORTALIS_SOAK` (a positive integer, default 1): how many times more iterations the
/// checker and stress runs do (`make soak` sets 100).
pub fn soak_factor() -> usize {
    std::env::var("PORTALIS_SOAK")
        .ok()
        .and_then(|s| s.parse::<usize>().ok())
        .filter(|&n| n > 0)
        .unwrap_or(1)
}

fn seed_of(base: u64, history: usize, thread: usize) -> u64 {
    let mut r = Rng::new(base ^ ((history as u64) << 20) ^ thread as u64);
    r.next_u64()
}

impl Run<'_> {
    /// Records and checks `self.histories × soak_factor()` histories; prints one line with
    /// the counts and returns them.
    ///
    /// * `setup(rng)`: a fresh specification state, object, and one handle per thread
    ///   (exactly `self.threads` of them);
    /// * `body(object, handle, rng, log)`: one thread's script;
    /// * `finish(object, log)`: operations on the main thread after the join.
    ///
    /// # Panics
    /// On the first history the checker rejects, with the history, its seed and the longest
    /// legal prefix; or if `setup` returns the wrong number of handles.
    pub fn check<S, T, P>(
        &self,
        setup: impl Fn(&mut Rng) -> (S, T, Vec<P>),
        body: impl Fn(&T, P, &mut Rng, &mut ThreadLog<'_, S::Op, S::Ret>) + Sync,
        finish: impl Fn(&T, &mut ThreadLog<'_, S::Op, S::Ret>),
    ) -> Stats
    where
        S: Spec,
        S::Op: Send,
        S::Ret: Send,
        T: Sync,
        P: Send,
    {
        let mut stats = Stats::default();
        let n = self.histories * soak_factor();
        for h in 0..n {
            let mut rng = Rng::new(seed_of(self.seed, h, usize::MAX));
            let (spec, object, handles) = setup(&mut rng);
            assert_eq!(
                handles.len(),
                self.threads,
                "setup must give one handle per thread"
            );
            let clock = Clock::new();
            let start = StartLine {
                arrived: AtomicUsize::new(0),
                parties: self.threads,
            };
            let mut history = std::thread::scope(|s| {
                let workers: Vec<_> = handles
                    .into_iter()
                    .enumerate()
                    .map(|(t, handle)| {
                        let (clock, start, object, body) = (&clock, &start, &object, &body);
                        let seed = seed_of(self.seed, h, t);
                        s.spawn(move || {
                            let mut rng = Rng::new(seed);
                            let mut log = ThreadLog::new(clock, t);
                            start.wait();
                            body(object, handle, &mut rng, &mut log);
                            log.into_events()
                        })
                    })
                    .collect();
                let mut all = Vec::new();
                for w in workers {
                    all.extend(w.join().expect("a script thread panicked"));
                }
                all
            });
            let mut log = ThreadLog::new(&clock, self.threads);
            finish(&object, &mut log);
            history.extend(log.into_events());
            stats.histories += 1;
            stats.operations += history.len();
            stats.concurrent += concurrent(&history);
            match check(&spec, &history) {
                Verdict::Linearizable { states, .. } => stats.states += states,
                Verdict::NotLinearizable { longest, .. } => panic!(
                    "lin {}: history {h} (seed {:#x}) is not linearizable from {spec:?}:\n{}",
                    self.name,
                    self.seed,
                    report(&history, &longest)
                ),
            }
        }
        println!(
            "lin {}: {} histories ({} threads), {} operations ({} concurrent), {} search states, \
             all linearizable",
            self.name,
            stats.histories,
            self.threads,
            stats.operations,
            stats.concurrent,
            stats.states
        );
        stats
    }
}
