//! Markdown report of an audit run (KPI table with pass/warn/fail marks, deltas against the
//! baseline, load, server, bench and import tables, findings), and of a comparison.

use crate::escape::markdown as md;
use crate::html::sections::{fmt_bytes, fmt_s, fmt_us, fmt_value};
use perfaudit_model::run::{CompareDocument, KpiStatus, RunRecord, Verdict};
use std::io::{self, Write};

fn mark(s: KpiStatus) -> &'static str {
    match s {
        KpiStatus::Pass => "✅ pass",
        KpiStatus::Warn => "⚠️ warn",
        KpiStatus::Fail => "❌ fail",
    }
}

/// A code span that cannot be broken out of: backticks inside become `'`, pipes are escaped.
fn code(s: &str) -> String {
    let inner: String = s
        .chars()
        .map(|c| match c {
            '`' => '\'',
            '\n' | '\r' => ' ',
            c => c,
        })
        .collect();
    format!("`{}`", inner.replace('|', "\\|"))
}

pub fn write(w: &mut dyn Write, run: &RunRecord) -> io::Result<()> {
    writeln!(
        w,
        "# perfaudit audit: {} — {}\n",
        md(&run.project),
        run.status.as_str().to_uppercase()
    )?;
    write!(
        w,
        "Run #{} · {} · {:.1}s",
        run.id, run.started_at, run.duration_s
    )?;
    if let Some(g) = &run.git {
        let short: String = g.commit.chars().take(10).collect();
        write!(w, " · commit {}", code(&short))?;
        if g.dirty {
            write!(w, " (uncommitted changes)")?;
        }
    }
    writeln!(w, "\n")?;
    for e in &run.errors {
        writeln!(
            w,
            "> **{}** could not run: {}\n",
            md(&e.stage),
            md(&e.message)
        )?;
    }
    if let Some(p) = &run.profile {
        super::profile::ranked_findings(w, p)?;
    }
    if !run.kpis.is_empty() {
        writeln!(w, "## KPIs\n")?;
        writeln!(w, "| status | metric | target | current | baseline | Δ |")?;
        writeln!(w, "|---|---|---|---:|---:|---:|")?;
        for k in &run.kpis {
            let cmp = run
                .comparison
                .as_ref()
                .and_then(|c| c.metrics.iter().find(|m| m.metric == k.metric));
            let base = cmp
                .and_then(|m| m.base)
                .map_or_else(|| "—".into(), |v| fmt_value(v, &k.unit));
            let delta = cmp
                .and_then(|m| m.change)
                .map_or_else(|| "—".into(), |c| format!("{:+.1}%", c * 100.0));
            writeln!(
                w,
                "| {} | {} | {} | {} | {} | {} |",
                mark(k.status),
                code(&k.metric),
                md(&k.target),
                k.value
                    .map_or_else(|| "—".into(), |v| fmt_value(v, &k.unit)),
                base,
                delta
            )?;
        }
        writeln!(w)?;
    }
    if let Some(c) = &run.comparison {
        write_compare_body(w, c, "## Compared with the baseline", true)?;
    }
    if let Some(s) = &run.service {
        writeln!(
            w,
            "## Service\n\n{} — cold start **{}**, {}.\n",
            md(&s.command),
            fmt_s(s.cold_start_s),
            md(&s.stopped)
        )?;
    }
    if !run.load.is_empty() {
        writeln!(w, "## Load\n")?;
        writeln!(
            w,
            "| scenario | target | requests | req/s | errors | p50 | p90 | p95 | p99 | max |"
        )?;
        writeln!(w, "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")?;
        for l in &run.load {
            writeln!(
                w,
                "| {} | {} | {} | {:.1} | {:.2}% | {} | {} | {} | {} | {} |",
                md(&l.name),
                md(&l.target),
                l.requests,
                l.rps,
                l.error_rate * 100.0,
                fmt_us(l.latency_us.p50),
                fmt_us(l.latency_us.p90),
                fmt_us(l.latency_us.p95),
                fmt_us(l.latency_us.p99),
                fmt_us(l.latency_us.max)
            )?;
        }
        writeln!(w)?;
    }
    if let Some(m) = &run.monitor {
        writeln!(w, "## Server resources\n")?;
        writeln!(
            w,
            "| CPU mean | CPU max | RSS mean | RSS max | threads max | fds max |"
        )?;
        writeln!(w, "|---:|---:|---:|---:|---:|---:|")?;
        writeln!(
            w,
            "| {:.1}% | {:.1}% | {} | {} | {} | {} |\n",
            m.cpu_pct_mean,
            m.cpu_pct_max,
            fmt_bytes(m.rss_bytes_mean),
            fmt_bytes(m.rss_bytes_max),
            m.threads_max,
            m.fds_max
        )?;
        if let Some(l) = &m.leak {
            writeln!(w, "Memory trend: {}\n", md(l))?;
        }
        for a in &m.alerts {
            writeln!(w, "- ⚠️ {}", md(a))?;
        }
    }
    if let Some(p) = &run.profile {
        super::profile::scenarios(w, p)?;
    }
    if !run.bench.is_empty() {
        writeln!(w, "## Benchmarks\n")?;
        writeln!(
            w,
            "| name | command | runs | mean ± σ | median | min | max |"
        )?;
        writeln!(w, "|---|---|---:|---:|---:|---:|---:|")?;
        for b in &run.bench {
            writeln!(
                w,
                "| {} | {} | {} | {} ± {} | {} | {} | {} |",
                md(&b.name),
                md(&b.command),
                b.runs,
                fmt_s(b.mean_s),
                fmt_s(b.stddev_s),
                fmt_s(b.median_s),
                fmt_s(b.min_s),
                fmt_s(b.max_s)
            )?;
        }
        writeln!(w)?;
    }
    for i in &run.imports {
        writeln!(
            w,
            "## Import time of {}\n\nTotal **{}**.\n",
            md(&i.module),
            fmt_us(i.total_us)
        )?;
        let mut top = i.top.clone();
        top.sort_by(|a, b| b.self_us.total_cmp(&a.self_us));
        writeln!(w, "| module | self | cumulative |\n|---|---:|---:|")?;
        for e in top.iter().take(10) {
            writeln!(
                w,
                "| {} | {} | {} |",
                md(&e.module),
                fmt_us(e.self_us),
                fmt_us(e.cumulative_us)
            )?;
        }
        writeln!(w)?;
    }
    if let Some(s) = &run.scan {
        let c = |k: &str| s.counts.get(k).copied().unwrap_or(0);
        writeln!(
            w,
            "## Findings\n\n{} files, {} lines: **{} error**, {} warning, {} info.\n",
            s.files,
            s.lines,
            c("error"),
            c("warning"),
            c("info")
        )?;
        if !s.findings.is_empty() {
            writeln!(
                w,
                "| severity | code | location | message |\n|---|---|---|---|"
            )?;
            for f in &s.findings {
                writeln!(
                    w,
                    "| {} | {} {} | {} | {} |",
                    f.severity,
                    md(&f.code),
                    md(&f.name),
                    md(&format!("{}:{}:{}", f.path, f.line, f.column)),
                    md(&f.message)
                )?;
            }
            writeln!(w)?;
        }
    }
    let e = &run.environment;
    writeln!(
        w,
        "## Environment\n\n{} × {}, {}, {} ({})\n",
        e.cpu_cores,
        md(&e.cpu_model),
        fmt_bytes(e.memory_bytes as f64),
        md(&e.os),
        md(&e.arch)
    )?;
    Ok(())
}

fn write_compare_body(
    w: &mut dyn Write,
    c: &CompareDocument,
    heading: &str,
    changed_only: bool,
) -> io::Result<()> {
    writeln!(
        w,
        "{heading}\n\nRun #{} → run #{}; threshold {:.0}%, significance p < {}.\n",
        c.base_id,
        c.head_id,
        c.threshold * 100.0,
        c.alpha
    )?;
    if !c.environment_differences.is_empty() {
        writeln!(
            w,
            "> ⚠️ **Different environments**: {}\n",
            md(&c.environment_differences.join("; "))
        )?;
    }
    writeln!(
        w,
        "| metric | base | head | Δ | p | verdict |\n|---|---:|---:|---:|---:|---|"
    )?;
    for m in c
        .metrics
        .iter()
        .filter(|m| !changed_only || m.verdict != Verdict::Unchanged)
    {
        let f = |v: Option<f64>| v.map_or_else(|| "—".into(), |v| fmt_value(v, &m.unit));
        let verdict = match m.verdict {
            Verdict::Regression => "❌ regression".to_string(),
            Verdict::Improvement => "✅ improvement".to_string(),
            v => v.as_str().to_string(),
        };
        writeln!(
            w,
            "| {} | {} | {} | {} | {} | {} |",
            code(&m.metric),
            f(m.base),
            f(m.head),
            m.change
                .map_or_else(|| "—".into(), |c| format!("{:+.1}%", c * 100.0)),
            m.p_value.map_or_else(|| "—".into(), |p| format!("{p:.1e}")),
            verdict
        )?;
    }
    let unchanged = c
        .metrics
        .iter()
        .filter(|m| m.verdict == Verdict::Unchanged)
        .count();
    if changed_only && unchanged > 0 {
        writeln!(w, "\n{unchanged} metrics unchanged (within the threshold).")?;
    }
    writeln!(w)
}

pub fn write_compare(w: &mut dyn Write, c: &CompareDocument) -> io::Result<()> {
    write_compare_body(
        w,
        c,
        &format!("# perfaudit compare #{} → #{}", c.base_id, c.head_id),
        false,
    )
}
