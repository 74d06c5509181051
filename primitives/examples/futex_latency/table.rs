//! Rows of the performance table for the wasm environments, in the native table's formats:
//! Markdown `| id | workload | ours | peers (same run) | best peer | ratio | goal | met |` and
//! CSV `id,workload,ours_ns,best_peer,best_peer_ns,ratio,goal,met`. Shared by
//! `examples/futex_latency` (WASI) and `scheduler/tests/web_perf.rs` (browser) by `#[path]`.
#![allow(dead_code, unreachable_pub)]

/// One row. The goal is `ours / best peer <= max_ratio` (when set) and `ours <= max_ns` (when
/// set); a `not_implemented` row has no figure and its workload text says why.
#[derive(Default)]
pub struct Row {
    pub id: String,
    pub workload: String,
    pub ours_ns: f64,
    pub peers: Vec<(String, f64)>,
    pub max_ratio: Option<f64>,
    pub max_ns: Option<f64>,
    pub goal: String,
    /// Shown in the best-peer column instead of the peer's name (e.g. "native (same code)").
    pub basis: Option<String>,
    pub not_implemented: bool,
}

impl Row {
    /// A row that cannot be measured yet; `why` goes into the workload text.
    pub fn not_implemented(id: &str, workload: &str, goal: &str) -> Row {
        Row {
            id: id.into(),
            workload: workload.into(),
            goal: goal.into(),
            not_implemented: true,
            ..Row::default()
        }
    }
    fn best(&self) -> Option<(&str, f64)> {
        self.peers
            .iter()
            .filter(|(_, v)| v.is_finite() && *v > 0.0)
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .map(|(n, v)| (n.as_str(), *v))
    }
    fn ratio(&self) -> Option<f64> {
        if self.not_implemented {
            return None;
        }
        self.best().map(|(_, b)| self.ours_ns / b)
    }
    fn best_name(&self) -> &str {
        self.basis
            .as_deref()
            .or(self.best().map(|b| b.0))
            .unwrap_or("")
    }
    /// `yes` / `no` / `not-implemented`.
    pub fn met(&self) -> &'static str {
        if self.not_implemented {
            return "not-implemented";
        }
        let ratio_ok = self
            .max_ratio
            .is_none_or(|m| self.ratio().is_some_and(|r| r <= m));
        let ns_ok = self.max_ns.is_none_or(|m| self.ours_ns <= m);
        if ratio_ok && ns_ok {
            "yes"
        } else {
            "no"
        }
    }
}

/// Mean of `samples` (exact even when each sample is quantised by a coarse clock, because
/// back-to-back intervals telescope), formatted for a table header.
pub fn mean(samples: &[f64]) -> String {
    fmt_ns(samples.iter().sum::<f64>() / samples.len().max(1) as f64)
}

/// The p-th percentile (0..=100) of `samples`.
pub fn percentile(samples: &mut [f64], p: f64) -> f64 {
    samples.sort_by(f64::total_cmp);
    let i = ((samples.len() - 1) as f64 * p / 100.0).round() as usize;
    samples[i]
}

fn fmt_ns(ns: f64) -> String {
    if ns >= 1e6 {
        format!("{:.2} ms", ns / 1e6)
    } else if ns >= 1e3 {
        format!("{:.2} µs", ns / 1e3)
    } else {
        format!("{ns:.1} ns")
    }
}

/// The rows as a Markdown table under `title` and `header`.
pub fn markdown(title: &str, header: &str, rows: &[Row]) -> String {
    let mut s = format!("# Performance table ({title})\n\n{header}\n\n");
    s.push_str("| id | workload | ours | peers (same run) | best peer | ratio | goal | met |\n");
    s.push_str("|---|---|---|---|---|---|---|---|\n");
    for r in rows {
        let peers: Vec<String> = r
            .peers
            .iter()
            .map(|(n, v)| format!("{n} {}", fmt_ns(*v)))
            .collect();
        s.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | {} | {} |\n",
            r.id,
            r.workload,
            if r.not_implemented {
                "—".into()
            } else {
                fmt_ns(r.ours_ns)
            },
            peers.join("; "),
            if r.best_name().is_empty() {
                "—"
            } else {
                r.best_name()
            },
            r.ratio().map_or("—".into(), |x| format!("{x:.2}")),
            r.goal,
            r.met()
        ));
    }
    s
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// The rows as CSV with the native table's header.
pub fn csv(rows: &[Row]) -> String {
    let mut s = String::from("id,workload,ours_ns,best_peer,best_peer_ns,ratio,goal,met\n");
    for r in rows {
        let best = r.best();
        s.push_str(&format!(
            "{},{},{},{},{},{},{},{}\n",
            csv_field(&r.id),
            csv_field(&r.workload),
            if r.not_implemented {
                String::new()
            } else {
                format!("{:.2}", r.ours_ns)
            },
            csv_field(r.best_name()),
            best.map_or(String::new(), |b| format!("{:.2}", b.1)),
            r.ratio().map_or(String::new(), |x| format!("{x:.4}")),
            csv_field(&r.goal),
            r.met()
        ));
    }
    s
}

/// The F1 rows from three sample sets (ns, half round trips): the active backend, the
/// portable parked table, and std park/unpark as the peer (as in benches/perf_table/futex.rs).
pub fn f1_rows(
    backend: &str,
    env: &str,
    ours: &mut [f64],
    parked: &mut [f64],
    std_park: &mut [f64],
) -> Vec<Row> {
    let mut out = Vec::new();
    for (p, id) in [(50.0, "F1-wake-p50"), (99.0, "F1-wake-p99")] {
        let peers = vec![("std park/unpark".to_string(), percentile(std_park, p))];
        out.push(Row {
            id: id.into(),
            workload: format!(
                "futex wake latency p{p} ({backend}; {env}; half a blocking ping-pong, ns)"
            ),
            ours_ns: percentile(ours, p),
            peers: peers.clone(),
            max_ratio: Some(1.0),
            goal: "<= std park/unpark".into(),
            ..Row::default()
        });
        out.push(Row {
            id: format!("{id}-parked"),
            workload: format!("futex wake latency p{p} (portable parked table; {env}; ns)"),
            ours_ns: percentile(parked, p),
            peers,
            max_ratio: Some(1.5),
            goal: "<= 1.5 of std park/unpark".into(),
            ..Row::default()
        });
    }
    out
}
