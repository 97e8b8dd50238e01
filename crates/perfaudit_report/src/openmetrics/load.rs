//! OpenMetrics rendering of the load document (for a Pushgateway or a scrape of a file).

use crate::escape::label_value as lv;
use perfaudit_model::histogram::LatencySummary;
use perfaudit_model::load::LoadResult;
use std::io::{self, Write};

fn summary(w: &mut dyn Write, labels: &str, s: &LatencySummary, count: u64) -> io::Result<()> {
    let sep = if labels.is_empty() { "" } else { "," };
    for (q, v) in [
        ("0.5", s.p50),
        ("0.9", s.p90),
        ("0.95", s.p95),
        ("0.99", s.p99),
        ("0.999", s.p999),
    ] {
        writeln!(
            w,
            "perfaudit_load_latency_seconds{{{labels}{sep}quantile=\"{q}\"}} {}",
            v as f64 / 1e6
        )?;
    }
    let braces = if labels.is_empty() {
        String::new()
    } else {
        format!("{{{labels}}}")
    };
    writeln!(w, "perfaudit_load_latency_seconds_count{braces} {count}")?;
    writeln!(
        w,
        "perfaudit_load_latency_seconds_sum{braces} {}",
        s.mean * count as f64 / 1e6
    )
}

pub fn write(w: &mut dyn Write, r: &LoadResult) -> io::Result<()> {
    let target = format!("target=\"{}\"", lv(&r.target));
    writeln!(w, "# TYPE perfaudit_load_requests counter")?;
    writeln!(
        w,
        "# HELP perfaudit_load_requests Requests completed during measurement."
    )?;
    writeln!(
        w,
        "perfaudit_load_requests_total{{{target}}} {}",
        r.requests
    )?;
    for e in &r.endpoints {
        writeln!(
            w,
            "perfaudit_load_requests_total{{{target},endpoint=\"{}\"}} {}",
            lv(&e.name),
            e.requests
        )?;
    }
    writeln!(w, "# TYPE perfaudit_load_duration_seconds gauge")?;
    writeln!(
        w,
        "perfaudit_load_duration_seconds{{{target}}} {}",
        r.duration_s
    )?;
    writeln!(w, "# TYPE perfaudit_load_requests_per_second gauge")?;
    writeln!(
        w,
        "perfaudit_load_requests_per_second{{{target}}} {}",
        r.rps
    )?;
    writeln!(w, "# TYPE perfaudit_load_error_ratio gauge")?;
    writeln!(w, "perfaudit_load_error_ratio{{{target}}} {}", r.error_rate)?;
    writeln!(w, "# TYPE perfaudit_load_errors counter")?;
    for (k, v) in &r.errors {
        writeln!(
            w,
            "perfaudit_load_errors_total{{{target},kind=\"{}\"}} {v}",
            lv(k)
        )?;
    }
    writeln!(w, "# TYPE perfaudit_load_responses counter")?;
    for (k, v) in &r.status {
        writeln!(
            w,
            "perfaudit_load_responses_total{{{target},code=\"{}\"}} {v}",
            lv(k)
        )?;
    }
    writeln!(w, "# TYPE perfaudit_load_latency_seconds summary")?;
    writeln!(w, "# UNIT perfaudit_load_latency_seconds seconds")?;
    summary(w, &target, &r.latency_us, r.histogram.len())?;
    for e in &r.endpoints {
        let labels = format!("{target},endpoint=\"{}\"", lv(&e.name));
        summary(w, &labels, &e.latency_us, e.histogram.len())?;
    }
    if let Some(om) = &r.open_model {
        writeln!(w, "# TYPE perfaudit_load_not_sent counter")?;
        writeln!(
            w,
            "perfaudit_load_not_sent_total{{{target}}} {}",
            om.not_sent
        )?;
    }
    writeln!(w, "# TYPE perfaudit_load_cpu_seconds counter")?;
    writeln!(
        w,
        "perfaudit_load_cpu_seconds_total{{{target},mode=\"user\"}} {}",
        r.cpu_s.user
    )?;
    writeln!(
        w,
        "perfaudit_load_cpu_seconds_total{{{target},mode=\"system\"}} {}",
        r.cpu_s.sys
    )?;
    if !r.thresholds.is_empty() {
        writeln!(w, "# TYPE perfaudit_load_threshold_passed gauge")?;
        for t in &r.thresholds {
            let ep = t
                .endpoint
                .as_ref()
                .map(|e| format!(",endpoint=\"{}\"", lv(e)))
                .unwrap_or_default();
            writeln!(
                w,
                "perfaudit_load_threshold_passed{{{target}{ep},threshold=\"{}\"}} {}",
                lv(&t.expr),
                u8::from(t.passed)
            )?;
        }
    }
    writeln!(w, "# EOF")
}
