//! Table output: Markdown, CSV
//! (`id,workload,ours_ns,best_peer,best_peer_ns,ratio,goal,met,ratio_min,ratio_max`), an SVG
//! bar chart of the ratios, and the gate check. `ratio` is the median of the per-round ratios
//! (`row::interleaved`); `ratio_min`/`ratio_max` are their range across rounds.

use crate::row::{Goal, Row};
use std::fmt::Write as _;
use std::path::Path;

/// This machine's CPU model as /proc/cpuinfo names it (ratios differ between the AMD EPYC and
/// Intel Xeon machines of this kind, so every table and gate message names it).
pub fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into())
}

/// The 1-minute load average (`/proc/loadavg`), or `unknown`: with other builds running on
/// the 2 vCPUs, rows that block or hand off widen their ranges, and the header says so.
pub fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next().map(str::to_string))
        .unwrap_or_else(|| "unknown".into())
}

/// Cores, CPU model, rustc version and date, for the table header.
pub fn machine_header() -> String {
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(0);
    let cpu = cpu_model();
    let rustc =
        std::process::Command::new(std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into()))
            .arg("-V")
            .output()
            .ok()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
            .unwrap_or_else(|| "rustc (unknown)".into());
    let date = std::process::Command::new("date")
        .args(["-u", "+%Y-%m-%d %H:%M UTC"])
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    format!(
        "machine: {cores} cores, {cpu}; {rustc}; {date}; futex backend: {}",
        portalis_threading::futex::BACKEND
    )
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

/// The table as Markdown.
pub fn markdown(header: &str, rows: &[Row]) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "# Performance table (native)\n\n{header}\n");
    let _ = writeln!(
        s,
        "| id | workload | ours | peers (same run) | best peer | ratio | min–max | goal | met |"
    );
    let _ = writeln!(s, "|---|---|---|---|---|---|---|---|---|");
    for r in rows {
        let ours = r.ours_ns.map(fmt_ns).unwrap_or_else(|| "—".into());
        let peers = r
            .peers
            .iter()
            .map(|(n, ns)| format!("{n} {}", fmt_ns(*ns)))
            .collect::<Vec<_>>()
            .join("; ");
        let best = match (&r.ratio_basis, r.best_peer()) {
            (Some(b), _) => b.clone(),
            (None, Some((n, _))) => n.to_string(),
            (None, None) => "—".into(),
        };
        let ratio = r
            .ratio()
            .map(|x| format!("{x:.2}"))
            .unwrap_or_else(|| "—".into());
        let range = r
            .ratio
            .map(|x| format!("{:.2}–{:.2}", x.min, x.max))
            .unwrap_or_else(|| "—".into());
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            r.id,
            r.workload,
            ours,
            peers,
            best,
            ratio,
            range,
            r.goal_text,
            if r.straddles_goal() {
                format!("{} ~", r.met())
            } else {
                r.met().to_string()
            }
        );
    }
    let met = rows.iter().filter(|r| r.met() == "yes").count();
    let ni = rows.iter().filter(|r| r.met() == "not-implemented").count();
    let _ = writeln!(
        s,
        "\n{} rows: {met} met, {} not met, {ni} not implemented. Ratio = median across interleaved rounds of ours / best peer (lower is better) unless the best-peer column says otherwise; min–max = its range across rounds; `~` after met = that range straddles the ratio goal, so the verdict may change from run to run ({} rows).",
        rows.len(),
        rows.len() - met - ni,
        rows.iter().filter(|r| r.straddles_goal()).count()
    );
    s
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// The table as CSV with the fixed header.
pub fn csv(rows: &[Row]) -> String {
    let mut s = String::from(
        "id,workload,ours_ns,best_peer,best_peer_ns,ratio,goal,met,ratio_min,ratio_max\n",
    );
    for r in rows {
        let best = r.best_peer();
        let bound = |f: fn(&crate::row::Ratio) -> f64| {
            r.ratio.map(|x| format!("{:.4}", f(&x))).unwrap_or_default()
        };
        let _ = writeln!(
            s,
            "{},{},{},{},{},{},{},{},{},{}",
            csv_field(&r.id),
            csv_field(&r.workload),
            r.ours_ns.map(|x| format!("{x:.2}")).unwrap_or_default(),
            csv_field(r.ratio_basis.as_deref().or(best.map(|b| b.0)).unwrap_or("")),
            best.map(|b| format!("{:.2}", b.1)).unwrap_or_default(),
            r.ratio().map(|x| format!("{x:.4}")).unwrap_or_default(),
            csv_field(&r.goal_text),
            r.met(),
            bound(|x| x.min),
            bound(|x| x.max),
        );
    }
    s
}

/// A horizontal bar chart of the ratios on a log scale, with the goal marked per row.
pub fn svg(rows: &[Row]) -> String {
    let measured: Vec<&Row> = rows.iter().filter(|r| r.ratio().is_some()).collect();
    let (w, left, bar_h, top) = (900.0, 190.0, 16.0, 40.0);
    let h = top + measured.len() as f64 * (bar_h + 4.0) + 40.0;
    // Log scale from 1/16 to 16: x = left + (log2(r) + 4) / 8 * span.
    let span = w - left - 20.0;
    let x = |r: f64| left + ((r.log2().clamp(-4.0, 4.0) + 4.0) / 8.0) * span;
    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" font-family="monospace" font-size="11">"#
    );
    let _ = writeln!(s, r#"<rect width="100%" height="100%" fill="white"/>"#);
    let _ = writeln!(
        s,
        r#"<text x="10" y="20" font-size="14">ours / best peer, median of rounds (log scale; left of 1.0 = faster; tick = goal; whisker = min–max)</text>"#
    );
    for k in [-4, -2, 0, 2, 4] {
        let r = 2f64.powi(k);
        let xx = x(r);
        let _ = writeln!(
            s,
            r##"<line x1="{xx}" y1="{top}" x2="{xx}" y2="{}" stroke="#ccc"/>"##,
            h - 30.0
        );
        let _ = writeln!(s, r#"<text x="{}" y="{}">{r}</text>"#, xx - 8.0, h - 15.0);
    }
    for (i, r) in measured.iter().enumerate() {
        let y = top + i as f64 * (bar_h + 4.0);
        let ratio = r.ratio().unwrap_or(1.0);
        let color = if r.met() == "yes" { "#3a7" } else { "#d54" };
        let (x0, x1) = (x(1.0).min(x(ratio)), x(1.0).max(x(ratio)));
        let _ = writeln!(s, r#"<text x="10" y="{}">{}</text>"#, y + 12.0, r.id);
        let _ = writeln!(
            s,
            r#"<rect x="{x0}" y="{y}" width="{}" height="{bar_h}" fill="{color}"/>"#,
            (x1 - x0).max(1.0)
        );
        let _ = writeln!(
            s,
            r#"<text x="{}" y="{}">{ratio:.2}</text>"#,
            x1 + 3.0,
            y + 12.0
        );
        if let Some(rr) = r.ratio {
            let ym = y + bar_h / 2.0;
            let _ = writeln!(
                s,
                r#"<line x1="{}" y1="{ym}" x2="{}" y2="{ym}" stroke="black" stroke-width="1"/>"#,
                x(rr.min),
                x(rr.max)
            );
        }
        if let crate::row::Goal::MaxRatio(g) | crate::row::Goal::Both { max_ratio: g, .. } = r.goal
        {
            let gx = x(g);
            let _ = writeln!(
                s,
                r#"<line x1="{gx}" y1="{}" x2="{gx}" y2="{}" stroke="black" stroke-width="2"/>"#,
                y - 1.0,
                y + bar_h + 1.0
            );
        }
    }
    let _ = writeln!(
        s,
        r##"<line x1="{0}" y1="{top}" x2="{0}" y2="{1}" stroke="#000"/>"##,
        x(1.0),
        h - 30.0
    );
    s.push_str("</svg>\n");
    s
}

/// Writes native.md, native.csv and native.svg into `dir`.
pub fn write_all(dir: &str, md: &str, rows: &[Row]) -> std::io::Result<()> {
    let d = Path::new(dir);
    std::fs::create_dir_all(d)?;
    std::fs::write(d.join("native.md"), md)?;
    std::fs::write(d.join("native.csv"), csv(rows))?;
    std::fs::write(d.join("native.svg"), svg(rows))?;
    Ok(())
}

/// Reads the gates file and lists every problem: a measured row whose ratio exceeds its gate,
/// a gated id with no measured row (so a gate cannot pass by a row disappearing), and a gate
/// tighter than its row's own ratio goal (a gate is a regression alarm, not a second goal).
///
/// Each line is `id max_ratio  # calibration`, where the comment says on which CPUs the ratio
/// was measured and what it was; a failure quotes it with this machine's CPU, so a red CI run
/// explains itself.
pub fn check_gates(path: &str, rows: &[Row]) -> std::io::Result<Vec<String>> {
    let text = std::fs::read_to_string(path)?;
    let cpu = cpu_model();
    let mut failures = Vec::new();
    for (n, raw) in text.lines().enumerate() {
        let (line, calibration) = match raw.split_once('#') {
            Some((l, c)) => (l.trim(), c.trim()),
            None => (raw.trim(), ""),
        };
        if line.is_empty() {
            continue;
        }
        let at = format!("{path}:{}", n + 1);
        let mut it = line.split_whitespace();
        let (Some(id), Some(max)) = (it.next(), it.next()) else {
            failures.push(format!("{at}: expected `id max_ratio  # calibration`"));
            continue;
        };
        let Ok(max) = max.parse::<f64>() else {
            failures.push(format!("{at}: bad ratio {max:?}"));
            continue;
        };
        if calibration.is_empty() {
            failures.push(format!(
                "{at}: gate for {id} has no calibration comment (the ratios seen, per CPU)"
            ));
        }
        let Some(row) = rows.iter().find(|r| r.id == id) else {
            failures.push(format!("{id}: gated but not measured in this run ({at})"));
            continue;
        };
        let goal = match row.goal {
            Goal::MaxRatio(m) => Some(m),
            Goal::Both { max_ratio, .. } => Some(max_ratio),
            Goal::MaxNs(_) => None,
        };
        if let Some(goal) = goal.filter(|g| max < *g) {
            failures.push(format!(
                "{id}: gate {max} is tighter than the row's goal {goal} ({at}); \
                 raise it to about 2.5x the worst ratio seen on either CPU"
            ));
        }
        match row.ratio() {
            Some(r) if r <= max => {}
            Some(r) => {
                let range = row
                    .ratio
                    .map(|x| format!(" (rounds {:.2}-{:.2})", x.min, x.max))
                    .unwrap_or_default();
                failures.push(format!(
                    "{id}: median ratio {r:.2}{range} > gate {max} on {cpu}; gate calibrated as: {calibration} ({at})"
                ))
            }
            None => failures.push(format!("{id}: gated but has no ratio in this run ({at})")),
        }
    }
    Ok(failures)
}
