//! One row of the performance table and the one measuring mechanism every row module uses:
//! [`interleaved`] rounds (A B A B …), a ratio per round, and the median ratio with its range.

use std::time::{Duration, Instant};

/// How a row's goal is judged.
#[derive(Debug, Clone, Copy)]
pub enum Goal {
    /// `ratio <= max` (ratio = ours / best peer unless the row says otherwise).
    MaxRatio(f64),
    /// `ours_ns <= max_ns` (an absolute target; the ratio is still printed when peers exist).
    MaxNs(f64),
    /// Both must hold.
    Both { max_ratio: f64, max_ns: f64 },
}

/// A ratio measured once per round: its median across rounds (what `met` judges) and its
/// range (how far one round can stray: a wide range says the row is noisy, not slow).
#[derive(Debug, Clone, Copy)]
pub struct Ratio {
    pub median: f64,
    pub min: f64,
    pub max: f64,
}

/// One measured (or not yet implemented) workload.
#[derive(Debug, Clone)]
pub struct Row {
    /// Row id as in docs/perf-goals.md, e.g. `C1-spsc-bounded1`, `S1-1023-1t`, `L1`.
    pub id: String,
    /// Human description of the workload and unit.
    pub workload: String,
    /// Our median across rounds in ns (per op, per message, per node: the workload says which).
    pub ours_ns: Option<f64>,
    /// Each peer measured in the same rounds: (name, median ns across rounds).
    pub peers: Vec<(String, f64)>,
    /// The per-round ratio's median and range (ours / best peer, or `ratio_basis`).
    pub ratio: Option<Ratio>,
    /// What the ratio is, when it is not ours / best peer (shown in the best-peer column).
    pub ratio_basis: Option<String>,
    /// The goal from docs/perf-goals.md.
    pub goal: Goal,
    /// The goal as docs/perf-goals.md writes it.
    pub goal_text: String,
}

impl Row {
    /// A row whose workload exists in docs/perf-goals.md but not yet in the code: reported, not hidden.
    #[allow(dead_code)] // Every row is implemented today; kept for rows docs/perf-goals.md adds.
    pub fn not_implemented(id: &str, workload: &str, goal: Goal, goal_text: &str) -> Row {
        Row {
            id: id.into(),
            workload: workload.into(),
            ours_ns: None,
            peers: Vec::new(),
            ratio: None,
            ratio_basis: None,
            goal,
            goal_text: goal_text.into(),
        }
    }

    /// A row from interleaved rounds: implementation 0 of `m` is ours, the others are peers.
    /// The ratio of each round is ours / the peer with the lowest median (the best-peer
    /// column), so the ratio and the column always name the same peer.
    pub fn from_rounds(id: &str, workload: &str, m: &Measured, goal: Goal, goal_text: &str) -> Row {
        let best = (1..m.names.len()).min_by(|&a, &b| m.median(a).total_cmp(&m.median(b)));
        Row {
            id: id.into(),
            workload: workload.into(),
            ours_ns: Some(m.median(0)),
            peers: (1..m.names.len())
                .map(|i| (m.names[i].clone(), m.median(i)))
                .collect(),
            ratio: best.and_then(|b| m.ratio(|r| r[0] / r[b])),
            ratio_basis: None,
            goal,
            goal_text: goal_text.into(),
        }
    }

    /// Replaces the ratio by one on another basis (C3 growth, ours / plain code), which the
    /// best-peer column then names.
    pub fn with_basis(mut self, ratio: Option<Ratio>, basis: &str) -> Row {
        self.ratio = ratio;
        self.ratio_basis = Some(basis.into());
        self
    }

    /// The fastest peer of this run (by median across rounds).
    pub fn best_peer(&self) -> Option<(&str, f64)> {
        self.peers
            .iter()
            .filter(|(_, ns)| ns.is_finite() && *ns > 0.0)
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .map(|(n, ns)| (n.as_str(), *ns))
    }

    /// The median ratio across rounds: what `met` and the gates judge.
    pub fn ratio(&self) -> Option<f64> {
        self.ratio.map(|r| r.median)
    }

    /// Whether the per-round ratio's min–max range contains the ratio goal: the median's
    /// verdict may then change from run to run (the Markdown table marks it).
    pub fn straddles_goal(&self) -> bool {
        let goal = match self.goal {
            Goal::MaxRatio(m) | Goal::Both { max_ratio: m, .. } => m,
            Goal::MaxNs(_) => return false,
        };
        self.ratio.is_some_and(|r| r.min <= goal && goal <= r.max)
    }

    /// `yes` / `no` / `not-implemented`.
    pub fn met(&self) -> &'static str {
        let Some(ours) = self.ours_ns else {
            return "not-implemented";
        };
        let ok = match self.goal {
            Goal::MaxRatio(m) => self.ratio().is_some_and(|r| r <= m),
            Goal::MaxNs(m) => ours <= m,
            Goal::Both { max_ratio, max_ns } => {
                self.ratio().is_some_and(|r| r <= max_ratio) && ours <= max_ns
            }
        };
        if ok {
            "yes"
        } else {
            "no"
        }
    }
}

/// How long the run may take: `quick` for the gate, `full` for `make perf`.
#[derive(Debug, Clone, Copy)]
pub struct Config {
    /// Rounds per row: each round times every implementation of the row once, in turn.
    /// At least [`MIN_ROUNDS`] (docs/perf-goals.md: "at least 5 rounds").
    pub rounds: usize,
    /// Scale factor for message and job counts (1.0 = the row module's default size).
    pub scale: f64,
}

/// The floor on rounds per row (docs/perf-goals.md).
pub const MIN_ROUNDS: usize = 5;

impl Config {
    /// Scales a count, never below 1.
    pub fn n(&self, base: usize) -> usize {
        ((base as f64 * self.scale) as usize).max(1)
    }

    /// Rounds actually run (never fewer than [`MIN_ROUNDS`]).
    pub fn rounds(&self) -> usize {
        self.rounds.max(MIN_ROUNDS)
    }
}

/// Per-round values of implementations measured in interleaved rounds: `rounds[r][i]` is
/// implementation `i`'s value in round `r` (ns per op, or a latency percentile in ns).
#[derive(Debug, Clone)]
pub struct Measured {
    /// Implementation names, in the order each round ran them.
    pub names: Vec<String>,
    /// `rounds[r][i]`: implementation `i` in round `r`.
    pub rounds: Vec<Vec<f64>>,
}

impl Measured {
    /// Implementation `i`'s median across rounds.
    pub fn median(&self, i: usize) -> f64 {
        let mut v: Vec<f64> = self.rounds.iter().map(|r| r[i]).collect();
        median_of(&mut v)
    }

    /// `f` (a ratio of this round's values) per round: its median and range. Rounds where
    /// `f` is not finite (a zero denominator) are left out; `None` if none is finite.
    pub fn ratio(&self, f: impl Fn(&[f64]) -> f64) -> Option<Ratio> {
        let mut v: Vec<f64> = self
            .rounds
            .iter()
            .map(|r| f(r))
            .filter(|x| x.is_finite())
            .collect();
        if v.is_empty() {
            return None;
        }
        let median = median_of(&mut v);
        Some(Ratio {
            median,
            min: v[0],
            max: v[v.len() - 1],
        })
    }

    /// New per-round values computed from each round's values (e.g. overhead = pool − plain),
    /// named `names`. Derived values stay paired by round.
    pub fn derive(&self, names: &[&str], f: impl Fn(&[f64]) -> Vec<f64>) -> Measured {
        Measured {
            names: names.iter().map(|n| n.to_string()).collect(),
            rounds: self.rounds.iter().map(|r| f(r)).collect(),
        }
    }
}

/// Sorts `v` and returns its median (the mean of the two middle values for an even length).
fn median_of(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// An implementation timed by [`interleaved`]: a name and one timed sample per call.
pub type Timed<'a> = (&'a str, &'a mut dyn FnMut() -> Duration);

/// An implementation sampled by [`interleaved_percentiles`]: a name and a batch of latency
/// samples (ns) per call.
pub type Sampled<'a> = (&'a str, &'a mut dyn FnMut() -> Vec<f64>);

/// Runs one untimed warm-up call of each implementation, then `rounds` rounds of one call of
/// each in turn (A B C, A B C, …): drift of a shared machine (a neighbour's build, a vCPU
/// stolen for a second) then hits every implementation of a round alike, and the per-round
/// ratio cancels it.
fn run_rounds<T>(rounds: usize, impls: &mut [(&str, &mut dyn FnMut() -> T)]) -> Vec<Vec<T>> {
    for (_, f) in impls.iter_mut() {
        drop(f());
    }
    (0..rounds)
        .map(|_| impls.iter_mut().map(|(_, f)| f()).collect())
        .collect()
}

/// The table's measuring mechanism: `cfg.rounds()` interleaved rounds of `impls` (each call
/// returns the time of `per` operations), in ns per operation.
pub fn interleaved(cfg: &Config, impls: &mut [Timed<'_>], per: usize) -> Measured {
    let per = per.max(1) as f64;
    Measured {
        names: impls.iter().map(|(n, _)| n.to_string()).collect(),
        rounds: run_rounds(cfg.rounds(), impls)
            .into_iter()
            .map(|r| r.into_iter().map(|d| d.as_nanos() as f64 / per).collect())
            .collect(),
    }
}

/// Latency rows: `cfg.rounds()` interleaved rounds, each call of an implementation returning a
/// batch of samples; each percentile in `ps` is taken per round and batch, giving one
/// [`Measured`] per percentile (so p50 and p99 get a per-round ratio and a range too).
pub fn interleaved_percentiles(
    cfg: &Config,
    impls: &mut [Sampled<'_>],
    ps: &[f64],
) -> Vec<Measured> {
    let names: Vec<String> = impls.iter().map(|(n, _)| n.to_string()).collect();
    let rounds = run_rounds(cfg.rounds(), impls);
    ps.iter()
        .map(|&p| Measured {
            names: names.clone(),
            rounds: rounds
                .iter()
                .map(|r| r.iter().map(|s| percentile(&mut s.clone(), p)).collect())
                .collect(),
        })
        .collect()
}

/// How a sample is timed: [`WALL`] (every row that blocks or uses several threads) or [`CPU`]
/// (rows that run on one thread and never block; see [`cpu_time`]).
pub type Clock = fn(&mut dyn FnMut()) -> Duration;
/// The wall clock ([`time`]).
pub const WALL: Clock = |f| time(f);
/// The calling thread's CPU clock ([`cpu_time`]).
pub const CPU: Clock = |f| cpu_time(f);

/// Times one call of `f` by the wall clock.
pub fn time(f: impl FnOnce()) -> Duration {
    let t = Instant::now();
    f();
    t.elapsed()
}

/// The p-th percentile (0..=100) of a sample set, in the samples' unit.
pub fn percentile(samples: &mut [f64], p: f64) -> f64 {
    samples.sort_by(f64::total_cmp);
    let i = ((samples.len() - 1) as f64 * p / 100.0).round() as usize;
    samples[i]
}

/// Times one call of `f` by the calling thread's CPU clock (`CLOCK_THREAD_CPUTIME_ID`): the
/// time this thread ran, not the time other processes of a shared machine ran instead of it.
/// Only for samples that run on one thread and never block (ADR 100): a wait would vanish
/// from this clock. Falls back to the wall clock where the CPU clock cannot be read.
pub fn cpu_time(f: impl FnOnce()) -> Duration {
    fn now() -> Option<Duration> {
        let mut ts = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: `ts` is a valid, writable timespec for the duration of the call.
        let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
        (rc == 0).then(|| Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32))
    }
    match now() {
        Some(start) => {
            f();
            now().map_or(Duration::ZERO, |end| end.saturating_sub(start))
        }
        None => time(f),
    }
}
