//! One row of the performance table and the timing helpers every row module uses.

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

/// One measured (or not yet implemented) workload.
#[derive(Debug, Clone)]
pub struct Row {
    /// Row id as in docs/perf-goals.md, e.g. `C1-spsc-bounded1`, `S1-1023-1t`, `L1`.
    pub id: String,
    /// Human description of the workload and unit.
    pub workload: String,
    /// Our median in ns (per op, per message, per node: the workload says which).
    pub ours_ns: Option<f64>,
    /// Each peer measured in the same run: (name, median ns).
    pub peers: Vec<(String, f64)>,
    /// Overrides the ratio (for rows whose ratio is not ours/best-peer, e.g. C3's growth).
    pub ratio_override: Option<f64>,
    /// What the ratio is, when overridden (shown in the best-peer column).
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
            ratio_override: None,
            ratio_basis: None,
            goal,
            goal_text: goal_text.into(),
        }
    }

    /// A measured row: ours against peers.
    pub fn measured(
        id: &str,
        workload: &str,
        ours_ns: f64,
        peers: Vec<(String, f64)>,
        goal: Goal,
        goal_text: &str,
    ) -> Row {
        Row {
            id: id.into(),
            workload: workload.into(),
            ours_ns: Some(ours_ns),
            peers,
            ratio_override: None,
            ratio_basis: None,
            goal,
            goal_text: goal_text.into(),
        }
    }

    /// The fastest peer of this run.
    pub fn best_peer(&self) -> Option<(&str, f64)> {
        self.peers
            .iter()
            .filter(|(_, ns)| ns.is_finite() && *ns > 0.0)
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .map(|(n, ns)| (n.as_str(), *ns))
    }

    /// ours / best peer, or the override.
    pub fn ratio(&self) -> Option<f64> {
        if let Some(r) = self.ratio_override {
            return Some(r);
        }
        let ours = self.ours_ns?;
        let (_, best) = self.best_peer()?;
        Some(ours / best)
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
    /// Number of timed samples per implementation (the median is reported).
    #[allow(dead_code)] // Read through `median_ns` by the row modules.
    pub samples: usize,
    /// Scale factor for message and job counts (1.0 = the row module's default size).
    pub scale: f64,
}

impl Config {
    /// Scales a count, never below 1.
    pub fn n(&self, base: usize) -> usize {
        ((base as f64 * self.scale) as usize).max(1)
    }
}

/// Median of `samples` runs of `f`, each returning the time for `per` operations: ns per op.
/// Runs one untimed warm-up first.
#[allow(dead_code)] // Used by the row modules as they land.
pub fn median_ns(cfg: &Config, per: usize, mut f: impl FnMut() -> Duration) -> f64 {
    let _ = f();
    let mut v: Vec<f64> = (0..cfg.samples.max(1))
        .map(|_| f().as_nanos() as f64 / per.max(1) as f64)
        .collect();
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Times one call of `f`.
#[allow(dead_code)] // Used by the row modules as they land.
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
