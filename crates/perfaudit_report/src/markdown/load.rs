//! Markdown rendering of the load document (for PR comments and reports).

use crate::escape::markdown as md;
use crate::text::load::{fmt_bytes, fmt_count, fmt_us, threshold_values};
use perfaudit_model::load::LoadResult;
use std::io::{self, Write};

pub fn write(w: &mut dyn Write, r: &LoadResult) -> io::Result<()> {
    writeln!(w, "## Load test: {}", md(&r.target))?;
    writeln!(w)?;
    writeln!(
        w,
        "{} model, {} connections, {} threads, HTTP/{}; {} requests in {:.2} s.",
        r.model,
        r.connections,
        r.threads,
        r.http_version,
        fmt_count(r.requests),
        r.duration_s
    )?;
    writeln!(w)?;
    writeln!(w, "| metric | value |")?;
    writeln!(w, "|---|---|")?;
    writeln!(w, "| requests/s | {:.1} |", r.rps)?;
    writeln!(w, "| error rate | {:.2}% |", r.error_rate * 100.0)?;
    let l = &r.latency_us;
    for (name, v) in [
        ("p50", l.p50),
        ("p90", l.p90),
        ("p95", l.p95),
        ("p99", l.p99),
        ("p99.9", l.p999),
        ("max", l.max),
    ] {
        writeln!(w, "| latency {name} | {} |", fmt_us(v as f64))?;
    }
    writeln!(w, "| latency mean | {} |", fmt_us(l.mean))?;
    writeln!(
        w,
        "| time to first byte p99 | {} |",
        fmt_us(r.ttfb_us.p99 as f64)
    )?;
    writeln!(
        w,
        "| connections opened | {} (connect p50 {}) |",
        fmt_count(r.connections_opened),
        fmt_us(r.connect_us.p50 as f64)
    )?;
    if let Some(om) = &r.open_model {
        writeln!(w, "| target rate | {:.1}/s |", om.rate)?;
        writeln!(
            w,
            "| requests not sent | {} of {} |",
            fmt_count(om.not_sent),
            fmt_count(om.scheduled)
        )?;
        writeln!(
            w,
            "| schedule lag p99 | {} |",
            fmt_us(om.schedule_lag_us.p99 as f64)
        )?;
    }
    writeln!(
        w,
        "| bytes sent / received | {} / {} |",
        fmt_bytes(r.bytes.sent),
        fmt_bytes(r.bytes.received)
    )?;
    writeln!(
        w,
        "| generator CPU | user {:.2} s, sys {:.2} s |",
        r.cpu_s.user, r.cpu_s.sys
    )?;
    if !r.status.is_empty() || !r.errors.is_empty() {
        writeln!(w)?;
        writeln!(w, "| outcome | count |")?;
        writeln!(w, "|---|---|")?;
        for (k, v) in &r.status {
            writeln!(w, "| HTTP {} | {} |", md(k), fmt_count(*v))?;
        }
        for (k, v) in &r.errors {
            writeln!(w, "| error `{}` | {} |", md(k), fmt_count(*v))?;
        }
    }
    if r.endpoints.len() > 1 {
        writeln!(w)?;
        writeln!(
            w,
            "| endpoint | requests | req/s | errors | p50 | p99 | max |"
        )?;
        writeln!(w, "|---|---:|---:|---:|---:|---:|---:|")?;
        for e in &r.endpoints {
            writeln!(
                w,
                "| {} {} | {} | {:.1} | {:.2}% | {} | {} | {} |",
                md(&e.method),
                md(&e.name),
                fmt_count(e.requests),
                e.rps,
                e.error_rate * 100.0,
                fmt_us(e.latency_us.p50 as f64),
                fmt_us(e.latency_us.p99 as f64),
                fmt_us(e.latency_us.max as f64)
            )?;
        }
    }
    if !r.thresholds.is_empty() {
        writeln!(w)?;
        writeln!(w, "| threshold | scope | limit | actual | result |")?;
        writeln!(w, "|---|---|---:|---:|---|")?;
        for t in &r.thresholds {
            let (limit, actual) = threshold_values(t);
            writeln!(
                w,
                "| `{}` | {} | {} | {} | {} |",
                t.expr.replace('`', "'").replace('|', "\\|"),
                t.endpoint
                    .as_deref()
                    .map(md)
                    .unwrap_or_else(|| "all".into()),
                limit,
                actual,
                if t.passed { "pass" } else { "**FAIL**" }
            )?;
        }
    }
    Ok(())
}
