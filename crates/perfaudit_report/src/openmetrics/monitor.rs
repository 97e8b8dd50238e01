//! OpenMetrics text exposition of the monitor: the run's summary (`--format openmetrics`) and
//! the live gauges served on `/metrics` while it runs. CPU is a ratio (1.0 = one core busy).

use crate::escape::label_value;
use perfaudit_model::monitor::{MonitorReport, Sample, Stat, Summary};
use std::io::{self, Write};

/// The summary of a finished run.
pub fn write<W: Write>(mut w: W, r: &MonitorReport) -> io::Result<()> {
    let pid = r.target.pid;
    let s = &r.summary;
    let stat =
        |w: &mut W, name: &str, help: &str, unit: &str, st: &Stat, scale: f64| -> io::Result<()> {
            family(w, name, "gauge", help, unit)?;
            for (k, v) in [("mean", st.mean), ("min", st.min), ("max", st.max)] {
                writeln!(w, "{name}{{pid=\"{pid}\",stat=\"{k}\"}} {}", num(v * scale))?;
            }
            Ok(())
        };
    stat(
        &mut w,
        "perfaudit_monitor_cpu_ratio",
        "CPU of the process tree (1 = one core)",
        "ratio",
        &s.cpu_pct,
        0.01,
    )?;
    stat(
        &mut w,
        "perfaudit_monitor_rss_bytes",
        "Resident memory of the process tree",
        "bytes",
        &s.rss_bytes,
        1.0,
    )?;
    stat(
        &mut w,
        "perfaudit_monitor_threads",
        "Threads of the process tree",
        "",
        &s.threads,
        1.0,
    )?;
    if let Some(f) = &s.fds {
        stat(
            &mut w,
            "perfaudit_monitor_fds",
            "Open file descriptors of the process tree",
            "",
            f,
            1.0,
        )?;
    }
    stat(
        &mut w,
        "perfaudit_monitor_processes",
        "Processes in the tree",
        "",
        &s.processes,
        1.0,
    )?;
    stat(
        &mut w,
        "perfaudit_monitor_host_cpu_ratio",
        "Host CPU busy (1 = all cores)",
        "ratio",
        &s.host.cpu_pct,
        0.01,
    )?;
    stat(
        &mut w,
        "perfaudit_monitor_host_memory_used_bytes",
        "Host memory used (total - available)",
        "bytes",
        &s.host.mem_used_bytes,
        1.0,
    )?;
    totals(&mut w, pid, s, r.samples_total)?;
    family(
        &mut w,
        "perfaudit_monitor_duration_seconds",
        "gauge",
        "Length of the run",
        "seconds",
    )?;
    writeln!(
        w,
        "perfaudit_monitor_duration_seconds{{pid=\"{pid}\"}} {}",
        num(r.duration_s)
    )?;
    family(
        &mut w,
        "perfaudit_monitor_alert_events",
        "gauge",
        "Alert events per rule",
        "",
    )?;
    let mut rules: Vec<&str> = r.alerts.iter().map(|a| a.rule.as_str()).collect();
    rules.sort_unstable();
    rules.dedup();
    for rule in rules {
        let n = r.alerts.iter().filter(|a| a.rule == rule).count();
        writeln!(
            w,
            "perfaudit_monitor_alert_events{{pid=\"{pid}\",rule=\"{}\"}} {n}",
            label_value(rule)
        )?;
    }
    family(
        &mut w,
        "perfaudit_monitor_leak",
        "gauge",
        "Leak verdict per metric (1 for the verdict reached)",
        "",
    )?;
    for m in &r.leak.metrics {
        for v in ["leak", "no-leak", "inconclusive"] {
            writeln!(
                w,
                "perfaudit_monitor_leak{{pid=\"{pid}\",metric=\"{}\",verdict=\"{v}\"}} {}",
                m.metric,
                u8::from(m.verdict.as_str() == v)
            )?;
        }
    }
    family(
        &mut w,
        "perfaudit_monitor_leak_slope_per_minute",
        "gauge",
        "Theil-Sen slope per minute, in the metric's unit",
        "",
    )?;
    for m in &r.leak.metrics {
        if let Some(v) = m.slope_per_min {
            writeln!(
                w,
                "perfaudit_monitor_leak_slope_per_minute{{pid=\"{pid}\",metric=\"{}\"}} {}",
                m.metric,
                num(v)
            )?;
        }
    }
    family(
        &mut w,
        "perfaudit_monitor_leak_p_value",
        "gauge",
        "One-sided Mann-Kendall p-value for an increasing trend",
        "",
    )?;
    for m in &r.leak.metrics {
        if let Some(v) = m.p_value {
            writeln!(
                w,
                "perfaudit_monitor_leak_p_value{{pid=\"{pid}\",metric=\"{}\"}} {}",
                m.metric,
                num(v)
            )?;
        }
    }
    writeln!(w, "# EOF")
}

/// The live exposition served on `/metrics`: the latest sample plus running totals.
pub fn write_live<W: Write>(
    mut w: W,
    pid: u32,
    s: &Sample,
    summary: &Summary,
    active_alerts: &[String],
) -> io::Result<()> {
    let g = |w: &mut W, name: &str, help: &str, unit: &str, v: Option<f64>| -> io::Result<()> {
        if let Some(v) = v {
            family(w, name, "gauge", help, unit)?;
            writeln!(w, "{name}{{pid=\"{pid}\"}} {}", num(v))?;
        }
        Ok(())
    };
    g(
        &mut w,
        "perfaudit_monitor_cpu_ratio",
        "CPU of the process tree (1 = one core)",
        "ratio",
        Some(s.cpu_pct / 100.0),
    )?;
    g(
        &mut w,
        "perfaudit_monitor_rss_bytes",
        "Resident memory of the process tree",
        "bytes",
        Some(s.rss_bytes as f64),
    )?;
    g(
        &mut w,
        "perfaudit_monitor_rss_max_bytes",
        "Largest resident memory of the tree seen so far",
        "bytes",
        Some(summary.rss_bytes.max),
    )?;
    g(
        &mut w,
        "perfaudit_monitor_threads",
        "Threads of the process tree",
        "",
        Some(s.threads as f64),
    )?;
    g(
        &mut w,
        "perfaudit_monitor_fds",
        "Open file descriptors of the process tree",
        "",
        s.fds.map(|v| v as f64),
    )?;
    g(
        &mut w,
        "perfaudit_monitor_processes",
        "Processes in the tree",
        "",
        Some(f64::from(s.processes)),
    )?;
    g(
        &mut w,
        "perfaudit_monitor_host_cpu_ratio",
        "Host CPU busy (1 = all cores)",
        "ratio",
        Some(s.host.cpu_pct / 100.0),
    )?;
    g(
        &mut w,
        "perfaudit_monitor_host_memory_used_bytes",
        "Host memory used (total - available)",
        "bytes",
        Some(s.host.mem_used_bytes as f64),
    )?;
    g(
        &mut w,
        "perfaudit_monitor_host_memory_available_bytes",
        "Host memory available",
        "bytes",
        Some(s.host.mem_available_bytes as f64),
    )?;
    g(
        &mut w,
        "perfaudit_monitor_host_load1",
        "Host load average over 1 minute",
        "",
        Some(s.host.load1),
    )?;
    totals(&mut w, pid, summary, summary.samples)?;
    family(
        &mut w,
        "perfaudit_monitor_alerts_firing",
        "gauge",
        "Alert rules firing now",
        "",
    )?;
    writeln!(
        w,
        "perfaudit_monitor_alerts_firing{{pid=\"{pid}\"}} {}",
        active_alerts.len()
    )?;
    writeln!(w, "# EOF")
}

fn totals<W: Write>(w: &mut W, pid: u32, s: &Summary, samples: u64) -> io::Result<()> {
    family(
        w,
        "perfaudit_monitor_cpu_seconds",
        "counter",
        "CPU time of the process tree",
        "seconds",
    )?;
    writeln!(
        w,
        "perfaudit_monitor_cpu_seconds_total{{pid=\"{pid}\",mode=\"user\"}} {}",
        num(s.cpu_user_s)
    )?;
    writeln!(
        w,
        "perfaudit_monitor_cpu_seconds_total{{pid=\"{pid}\",mode=\"system\"}} {}",
        num(s.cpu_system_s)
    )?;
    if let (Some(r), Some(wr)) = (s.read_bytes, s.write_bytes) {
        family(
            w,
            "perfaudit_monitor_disk_bytes",
            "counter",
            "Disk bytes of the process tree",
            "bytes",
        )?;
        writeln!(
            w,
            "perfaudit_monitor_disk_bytes_total{{pid=\"{pid}\",direction=\"read\"}} {r}"
        )?;
        writeln!(
            w,
            "perfaudit_monitor_disk_bytes_total{{pid=\"{pid}\",direction=\"write\"}} {wr}"
        )?;
    }
    family(
        w,
        "perfaudit_monitor_context_switches",
        "counter",
        "Context switches of the process tree",
        "",
    )?;
    writeln!(
        w,
        "perfaudit_monitor_context_switches_total{{pid=\"{pid}\",kind=\"voluntary\"}} {}",
        s.ctx_voluntary
    )?;
    writeln!(
        w,
        "perfaudit_monitor_context_switches_total{{pid=\"{pid}\",kind=\"involuntary\"}} {}",
        s.ctx_involuntary
    )?;
    family(
        w,
        "perfaudit_monitor_host_network_bytes",
        "counter",
        "Host network bytes (all interfaces but lo)",
        "bytes",
    )?;
    writeln!(
        w,
        "perfaudit_monitor_host_network_bytes_total{{direction=\"receive\"}} {}",
        s.host.net_rx_bytes
    )?;
    writeln!(
        w,
        "perfaudit_monitor_host_network_bytes_total{{direction=\"transmit\"}} {}",
        s.host.net_tx_bytes
    )?;
    family(
        w,
        "perfaudit_monitor_samples",
        "counter",
        "Samples taken",
        "",
    )?;
    writeln!(
        w,
        "perfaudit_monitor_samples_total{{pid=\"{pid}\"}} {samples}"
    )
}

fn family<W: Write>(w: &mut W, name: &str, kind: &str, help: &str, unit: &str) -> io::Result<()> {
    writeln!(w, "# TYPE {name} {kind}")?;
    if !unit.is_empty() {
        writeln!(w, "# UNIT {name} {unit}")?;
    }
    writeln!(w, "# HELP {name} {help}")
}

fn num(v: f64) -> String {
    if v.is_finite() {
        let s = format!("{v}");
        s
    } else if v.is_nan() {
        "NaN".to_string()
    } else if v > 0.0 {
        "+Inf".to_string()
    } else {
        "-Inf".to_string()
    }
}
