//! Text rendering of the load document: a summary a person reads in a terminal.

use crate::style::Style;
use perfaudit_model::histogram::LatencySummary;
use perfaudit_model::load::{LoadResult, ThresholdResult};
use std::io::{self, Write};

pub use perfaudit_model::units::{fmt_count, fmt_us};

pub use crate::units::bytes as fmt_bytes;

/// The threshold's limit and measured value in the metric's unit.
pub fn threshold_values(t: &ThresholdResult) -> (String, String) {
    match t.metric.as_str() {
        "error_rate" | "errors" => (
            format!("{:.2}%", t.limit * 100.0),
            format!("{:.2}%", t.actual * 100.0),
        ),
        "rps" => (format!("{:.1}/s", t.limit), format!("{:.1}/s", t.actual)),
        "requests" => (format!("{}", t.limit), format!("{}", t.actual)),
        _ => (fmt_us(t.limit), fmt_us(t.actual)),
    }
}

fn latency_line(s: &LatencySummary) -> String {
    format!(
        "min {}  mean {}  p50 {}  p90 {}  p95 {}  p99 {}  p99.9 {}  max {}",
        fmt_us(s.min as f64),
        fmt_us(s.mean),
        fmt_us(s.p50 as f64),
        fmt_us(s.p90 as f64),
        fmt_us(s.p95 as f64),
        fmt_us(s.p99 as f64),
        fmt_us(s.p999 as f64),
        fmt_us(s.max as f64)
    )
}

pub fn write(w: &mut dyn Write, r: &LoadResult, style: Style) -> io::Result<()> {
    let version = if r.http_version == "2" {
        "HTTP/2"
    } else {
        "HTTP/1.1"
    };
    writeln!(
        w,
        "{} {}  ({} model, {} connections, {} threads, {})",
        style.bold("perfaudit load"),
        r.target,
        r.model,
        r.connections,
        r.threads,
        version
    )?;
    let errors: u64 = r.errors.values().sum();
    let err_text = format!(
        "errors {} ({:.2}%)",
        fmt_count(errors),
        r.error_rate * 100.0
    );
    writeln!(
        w,
        "  requests    {} in {:.2}s   {} req/s   {}",
        fmt_count(r.requests),
        r.duration_s,
        style.bold(&format!("{:.1}", r.rps)),
        if errors > 0 {
            style.red(&err_text)
        } else {
            err_text
        }
    )?;
    if r.warmup_s > 0.0 {
        writeln!(w, "  warm-up     {:.2}s (excluded)", r.warmup_s)?;
    }
    let from = if r.model == "open" {
        " (from intended send time)"
    } else {
        ""
    };
    writeln!(
        w,
        "  latency     {}{}",
        latency_line(&r.latency_us),
        style.dim(from)
    )?;
    writeln!(
        w,
        "  ttfb        p50 {}  p99 {}  max {}",
        fmt_us(r.ttfb_us.p50 as f64),
        fmt_us(r.ttfb_us.p99 as f64),
        fmt_us(r.ttfb_us.max as f64)
    )?;
    writeln!(
        w,
        "  connect     {} opened  p50 {}  max {}",
        fmt_count(r.connections_opened),
        fmt_us(r.connect_us.p50 as f64),
        fmt_us(r.connect_us.max as f64)
    )?;
    if let Some(om) = &r.open_model {
        let not_sent = format!("not sent {}", fmt_count(om.not_sent));
        writeln!(
            w,
            "  schedule    rate {:.1}/s  scheduled {}  {}  lag p50 {}  p99 {}  max {}",
            om.rate,
            fmt_count(om.scheduled),
            if om.not_sent > 0 {
                style.yellow(&not_sent)
            } else {
                not_sent
            },
            fmt_us(om.schedule_lag_us.p50 as f64),
            fmt_us(om.schedule_lag_us.p99 as f64),
            fmt_us(om.schedule_lag_us.max as f64)
        )?;
    }
    if !r.status.is_empty() {
        let parts: Vec<String> = r
            .status
            .iter()
            .map(|(k, v)| format!("{k}: {}", fmt_count(*v)))
            .collect();
        writeln!(w, "  status      {}", parts.join("  "))?;
    }
    if !r.errors.is_empty() {
        let parts: Vec<String> = r
            .errors
            .iter()
            .map(|(k, v)| format!("{k}: {}", fmt_count(*v)))
            .collect();
        writeln!(w, "  errors      {}", style.red(&parts.join("  ")))?;
    }
    if r.unfinished > 0 {
        writeln!(
            w,
            "  unfinished  {} (in flight at the hard stop, not counted)",
            fmt_count(r.unfinished)
        )?;
    }
    writeln!(
        w,
        "  bytes       sent {}  received {}",
        fmt_bytes(r.bytes.sent),
        fmt_bytes(r.bytes.received)
    )?;
    let cpu = r.cpu_s.user + r.cpu_s.sys;
    let per = if r.requests > 0 {
        format!("  ({:.2}us CPU/request)", cpu * 1e6 / r.requests as f64)
    } else {
        String::new()
    };
    writeln!(
        w,
        "  cpu         user {:.2}s  sys {:.2}s{}",
        r.cpu_s.user, r.cpu_s.sys, per
    )?;
    if r.endpoints.len() > 1 {
        writeln!(w)?;
        let width = r
            .endpoints
            .iter()
            .map(|e| e.name.chars().count())
            .max()
            .unwrap_or(4)
            .max(8);
        writeln!(
            w,
            "  {:<width$}  {:>10} {:>10} {:>7} {:>9} {:>9} {:>9}",
            "endpoint", "requests", "req/s", "err%", "p50", "p99", "max"
        )?;
        for e in &r.endpoints {
            writeln!(
                w,
                "  {:<width$}  {:>10} {:>10.1} {:>6.2}% {:>9} {:>9} {:>9}",
                e.name,
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
        for t in &r.thresholds {
            let (limit, actual) = threshold_values(t);
            let scope = t
                .endpoint
                .as_ref()
                .map(|e| format!(" [{e}]"))
                .unwrap_or_default();
            let _ = limit;
            let line = if t.passed {
                format!(
                    "  {} {}{}  (actual {actual})",
                    style.green("pass"),
                    t.expr,
                    scope
                )
            } else {
                format!(
                    "  {} {}{}  (actual {actual})",
                    style.red("FAIL"),
                    t.expr,
                    scope
                )
            };
            writeln!(w, "{line}")?;
        }
        let breached = r.thresholds.iter().filter(|t| !t.passed).count();
        if breached > 0 {
            writeln!(
                w,
                "  {}",
                style.red(&format!(
                    "{breached} of {} thresholds breached",
                    r.thresholds.len()
                ))
            )?;
        }
    }
    Ok(())
}
