//! Rows of the performance table for the wasm environments, in the native table's formats:
//! Markdown `| id | workload | ours | peers (same run) | best peer | ratio | goal | met |` and
//! CSV `id,workload,ours_ns,best_peer,best_peer_ns,ratio,goal,met`. Shared by
//! `examples/futex_latency` (WASI) and `scheduler/tests/web_perf.rs` (browser) by `#[path]`.
#![allow(dead_code, unreachable_pub)]

/// One measured row; the goal is `ours / best peer <= max_ratio`.
pub struct Row {
    pub id: String,
    pub workload: String,
    pub ours_ns: f64,
    pub peers: Vec<(String, f64)>,
    pub max_ratio: f64,
    pub goal: String,
}

impl Row {
    fn best(&self) -> Option<(&str, f64)> {
        self.peers
            .iter()
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .map(|(n, v)| (n.as_str(), *v))
    }
    fn ratio(&self) -> Option<f64> {
        self.best().map(|(_, b)| self.ours_ns / b)
    }
    fn met(&self) -> &'static str {
        match self.ratio() {
            Some(r) if r <= self.max_ratio => "yes",
            _ => "no",
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
            fmt_ns(r.ours_ns),
            peers.join("; "),
            r.best().map_or("—", |b| b.0),
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
            "{},{},{:.2},{},{},{},{},{}\n",
            csv_field(&r.id),
            csv_field(&r.workload),
            r.ours_ns,
            csv_field(best.map_or("", |b| b.0)),
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
            max_ratio: 1.0,
            goal: "<= std park/unpark".into(),
        });
        out.push(Row {
            id: format!("{id}-parked"),
            workload: format!("futex wake latency p{p} (portable parked table; {env}; ns)"),
            ours_ns: percentile(parked, p),
            peers,
            max_ratio: 1.5,
            goal: "<= 1.5 of std park/unpark".into(),
        });
    }
    out
}
