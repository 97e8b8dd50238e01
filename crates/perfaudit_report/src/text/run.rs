//! Terminal summary of an audit run, and of a comparison of two runs.

use crate::html::sections::{fmt_bytes, fmt_s, fmt_us, fmt_value};
use crate::style::Style;
use perfaudit_model::run::{CompareDocument, KpiStatus, RunRecord, RunStatus, Verdict};
use std::io::{self, Write};

fn status_mark(st: &Style, s: KpiStatus) -> String {
    match s {
        KpiStatus::Pass => st.green("PASS"),
        KpiStatus::Warn => st.yellow("WARN"),
        KpiStatus::Fail => st.red("FAIL"),
    }
}

/// Characters a terminal must not receive from untrusted text (escape sequences).
fn clean(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() && c != '\t' { '?' } else { c })
        .collect()
}

pub fn write(w: &mut dyn Write, run: &RunRecord, st: &Style) -> io::Result<()> {
    let status = match run.status {
        RunStatus::Pass => st.green("PASS"),
        RunStatus::Fail => st.red("FAIL"),
        RunStatus::Error => st.red("ERROR"),
    };
    write!(
        w,
        "{} {}  run #{}  {}  {:.1}s",
        st.bold("perfaudit audit"),
        st.bold(&clean(&run.project)),
        run.id,
        run.started_at,
        run.duration_s
    )?;
    if let Some(g) = &run.git {
        let short: String = g.commit.chars().take(10).collect();
        write!(
            w,
            "  commit {short}{}",
            if g.dirty { " (dirty)" } else { "" }
        )?;
    }
    writeln!(w, "\nstatus: {status}")?;
    for e in &run.errors {
        writeln!(
            w,
            "  {} {}: {}",
            st.red("error"),
            e.stage,
            clean(&e.message)
        )?;
    }

    if let Some(p) = &run.profile {
        if !p.ranked_findings.is_empty() || !p.unsampled_findings.is_empty() {
            writeln!(w)?;
            super::profile::ranked_findings(w, p, st)?;
        }
    }

    if !run.kpis.is_empty() {
        writeln!(w, "\n{}", st.bold("KPIs"))?;
        let mw = run.kpis.iter().map(|k| k.metric.len()).max().unwrap_or(6);
        let tw = run.kpis.iter().map(|k| k.target.len()).max().unwrap_or(6);
        for k in &run.kpis {
            let v = k
                .value
                .map_or_else(|| "-".to_string(), |v| fmt_value(v, &k.unit));
            // The row already shows status, target and value; a pass needs no sentence
            // repeating them, a warning or failure says why.
            let why = if k.status == KpiStatus::Pass {
                String::new()
            } else {
                clean(&k.message).to_string()
            };
            let line = format!(
                "  {}  {:mw$}  {:tw$}  {:>10}  {}",
                status_mark(st, k.status),
                k.metric,
                clean(&k.target),
                v,
                st.dim(&why),
            );
            writeln!(w, "{}", line.trim_end())?;
        }
    }

    if let Some(s) = &run.service {
        writeln!(
            w,
            "\n{}  cold start {}, {}",
            st.bold("Service"),
            fmt_s(s.cold_start_s),
            clean(&s.stopped)
        )?;
    }

    if !run.load.is_empty() {
        writeln!(w, "\n{}", st.bold("Load"))?;
        let nw = run
            .load
            .iter()
            .map(|l| l.name.len())
            .max()
            .unwrap_or(8)
            .max(8);
        writeln!(
            w,
            "  {:nw$}  {:>9}  {:>9}  {:>7}  {:>9}  {:>9}  {:>9}  {:>9}",
            "scenario", "requests", "req/s", "errors", "p50", "p95", "p99", "max"
        )?;
        for l in &run.load {
            writeln!(
                w,
                "  {:nw$}  {:>9}  {:>9.1}  {:>6.2}%  {:>9}  {:>9}  {:>9}  {:>9}",
                clean(&l.name),
                l.requests,
                l.rps,
                l.error_rate * 100.0,
                fmt_us(l.latency_us.p50),
                fmt_us(l.latency_us.p95),
                fmt_us(l.latency_us.p99),
                fmt_us(l.latency_us.max)
            )?;
        }
    }

    if let Some(m) = &run.monitor {
        writeln!(
            w,
            "\n{}  CPU mean {:.1}% max {:.1}%, RSS max {}, threads max {}, fds max {}",
            st.bold("Server"),
            m.cpu_pct_mean,
            m.cpu_pct_max,
            fmt_bytes(m.rss_bytes_max),
            m.threads_max,
            m.fds_max
        )?;
        if let Some(leak) = &m.leak {
            writeln!(w, "  memory trend: {}", clean(leak))?;
        }
        for a in &m.alerts {
            writeln!(w, "  {} {}", st.yellow("alert"), clean(a))?;
        }
    }

    if !run.bench.is_empty() {
        writeln!(w, "\n{}", st.bold("Benchmarks"))?;
        for b in &run.bench {
            writeln!(
                w,
                "  {}  {} ± {}  ({} … {}, {} runs)  {}",
                clean(&b.name),
                fmt_s(b.mean_s),
                fmt_s(b.stddev_s),
                fmt_s(b.min_s),
                fmt_s(b.max_s),
                b.runs,
                st.dim(&clean(&b.command))
            )?;
        }
    }

    if let Some(p) = &run.profile {
        for sc in &p.scenarios {
            writeln!(w)?;
            super::profile::scenario(w, sc, st)?;
        }
    }

    for i in &run.imports {
        writeln!(
            w,
            "\n{}  {} {}",
            st.bold("Imports"),
            clean(&i.module),
            fmt_us(i.total_us)
        )?;
        let mut top = i.top.clone();
        top.sort_by(|a, b| b.self_us.total_cmp(&a.self_us));
        for e in top.iter().take(5) {
            writeln!(w, "  {:>9}  {}", fmt_us(e.self_us), clean(&e.module))?;
        }
    }

    if let Some(s) = &run.scan {
        let c = |k: &str| s.counts.get(k).copied().unwrap_or(0);
        writeln!(
            w,
            "\n{}  {} files, {} lines: {} error, {} warning, {} info",
            st.bold("Findings"),
            s.files,
            s.lines,
            c("error"),
            c("warning"),
            c("info")
        )?;
        for f in s.findings.iter().take(15) {
            writeln!(
                w,
                "  {}:{}:{}: {} {} {}",
                clean(&f.path),
                f.line,
                f.column,
                st.severity(f.severity, &f.code),
                f.name,
                clean(&f.message)
            )?;
        }
        if s.findings.len() > 15 {
            writeln!(
                w,
                "  ... and {} more (see --format html or markdown)",
                s.findings.len() - 15
            )?;
        }
    }

    if let Some(c) = &run.comparison {
        writeln!(w)?;
        write_compare(w, c, st, true)?;
    }
    Ok(())
}

/// The comparison table; `changed_only` hides unchanged metrics.
pub fn write_compare(
    w: &mut dyn Write,
    c: &CompareDocument,
    st: &Style,
    changed_only: bool,
) -> io::Result<()> {
    writeln!(
        w,
        "{}  run #{} -> run #{}  (threshold {:.0}%, p < {})",
        st.bold("Compared with baseline"),
        c.base_id,
        c.head_id,
        c.threshold * 100.0,
        c.alpha
    )?;
    if !c.environment_differences.is_empty() {
        writeln!(
            w,
            "  {} the runs were measured in different environments: {}",
            st.red("WARNING"),
            clean(&c.environment_differences.join("; "))
        )?;
    }
    let rows: Vec<_> = c
        .metrics
        .iter()
        .filter(|m| !changed_only || m.verdict != Verdict::Unchanged)
        .collect();
    let mw = rows
        .iter()
        .map(|m| m.metric.len())
        .max()
        .unwrap_or(6)
        .max(6);
    for m in &rows {
        let f = |v: Option<f64>| v.map_or_else(|| "-".into(), |v| fmt_value(v, &m.unit));
        let change = m
            .change
            .map_or_else(|| "-".into(), |c| format!("{:+.1}%", c * 100.0));
        let p = m
            .p_value
            .map_or_else(|| "-".into(), |p| format!("p={p:.1e}"));
        let verdict = match m.verdict {
            Verdict::Regression => st.red("regression"),
            Verdict::Improvement => st.green("improvement"),
            v => st.dim(v.as_str()),
        };
        writeln!(
            w,
            "  {:mw$}  {:>10} -> {:>10}  {:>8}  {:>10}  {}",
            m.metric,
            f(m.base),
            f(m.head),
            change,
            p,
            verdict
        )?;
    }
    let unchanged = c.metrics.len() - rows.len();
    if changed_only && unchanged > 0 {
        writeln!(w, "  {unchanged} metrics unchanged (within the threshold)")?;
    }
    super::profile::function_changes(w, &c.functions, st)?;
    let regressions = c
        .metrics
        .iter()
        .filter(|m| m.verdict == Verdict::Regression)
        .count();
    if regressions > 0 {
        writeln!(
            w,
            "  {}",
            st.red(&format!("{regressions} significant regression(s)"))
        )?;
    } else {
        writeln!(w, "  no significant regression")?;
    }
    Ok(())
}
