//! Text rendering of the monitor document, for a terminal.

use crate::style::Style;
use perfaudit_model::monitor::{LeakVerdict, MonitorReport, Sample, Stat};
use std::io::{self, Write};

pub use perfaudit_model::units::fmt_bytes as bytes;

/// A value in an alert's unit.
pub fn in_unit(v: f64, unit: &str) -> String {
    match unit {
        "%" => format!("{v:.1}%"),
        "bytes" => bytes(v),
        "bytes/s" => format!("{}/s", bytes(v)),
        "load" => format!("{v:.2}"),
        _ => format!("{v:.0}"),
    }
}

/// The slope of a leak metric per minute, in its unit.
pub fn slope(metric: &str, v: Option<f64>) -> String {
    match v {
        None => "-".to_string(),
        Some(v) if metric == "rss_bytes" => {
            format!("{}{}/min", if v >= 0.0 { "+" } else { "-" }, bytes(v.abs()))
        }
        Some(v) => format!("{v:+.2}/min"),
    }
}

pub fn p_value(p: Option<f64>) -> String {
    match p {
        None => "-".to_string(),
        Some(p) if p < 1e-3 => format!("{p:.1e}"),
        Some(p) => format!("{p:.3}"),
    }
}

/// A command line on one line, shell-quoted where needed, control characters escaped
/// (`python3 -c 'import time\ntime.sleep(1)'`).
pub fn command_line(argv: &[String]) -> String {
    if argv.is_empty() {
        return "?".to_string();
    }
    argv.iter()
        .map(|a| {
            let escaped: String = a
                .chars()
                .map(|c| match c {
                    '\n' => "\\n".to_string(),
                    '\t' => "\\t".to_string(),
                    '\'' => "'\\''".to_string(),
                    c if c.is_control() => format!("\\x{:02x}", c as u32),
                    c => c.to_string(),
                })
                .collect();
            let plain = !a.is_empty()
                && a.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_./=:,+@%".contains(c));
            if plain {
                escaped
            } else {
                format!("'{escaped}'")
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// One line describing how the run ended.
pub fn ending(r: &MonitorReport) -> String {
    let mut s = match r.ended {
        perfaudit_model::monitor::EndReason::Duration => "duration reached".to_string(),
        perfaudit_model::monitor::EndReason::TargetExited => "target exited".to_string(),
        perfaudit_model::monitor::EndReason::Stopped => "stopped".to_string(),
    };
    if let Some(e) = &r.exit {
        if e.terminated_by_monitor {
            s.push_str(", command terminated by perfaudit");
        } else if let Some(c) = e.code {
            s.push_str(&format!(", exit code {c}"));
        } else if let Some(sig) = e.signal {
            s.push_str(&format!(", killed by signal {sig}"));
        }
    }
    s
}

pub fn write<W: Write>(mut w: W, r: &MonitorReport, style: &Style) -> io::Result<()> {
    let cmd = command_line(&r.target.command);
    writeln!(
        w,
        "{} PID {} `{}`{}",
        style.bold("perfaudit monitor:"),
        r.target.pid,
        cmd,
        if r.target.spawned { " (spawned)" } else { "" }
    )?;
    writeln!(
        w,
        "  {:.1}s, {} samples every {}ms ({}); {}",
        r.duration_s,
        r.samples_total,
        trim(r.interval_ms),
        if r.samples_dropped > 0 {
            format!("last {} kept", r.samples.len())
        } else {
            "all kept".to_string()
        },
        ending(r)
    )?;
    let s = &r.summary;
    writeln!(w)?;
    writeln!(
        w,
        "{}",
        style.bold(&format!(
            "{:<24}{:>12}{:>12}{:>12}",
            "process tree", "mean", "min", "max"
        ))
    )?;
    row(&mut w, "cpu (1 core = 100%)", &s.cpu_pct, |v| {
        format!("{v:.1}%")
    })?;
    row(&mut w, "  user", &s.cpu_user_pct, |v| format!("{v:.1}%"))?;
    row(&mut w, "  system", &s.cpu_sys_pct, |v| format!("{v:.1}%"))?;
    row(&mut w, "rss", &s.rss_bytes, bytes)?;
    row(&mut w, "threads", &s.threads, |v| format!("{v:.0}"))?;
    match &s.fds {
        Some(f) => row(&mut w, "fds", f, |v| format!("{v:.0}"))?,
        None => writeln!(w, "{:<24}{:>12}", "fds", "unknown")?,
    }
    row(&mut w, "processes", &s.processes, |v| format!("{v:.0}"))?;
    writeln!(
        w,
        "{:<24}{}",
        "largest process peak",
        bytes(s.rss_peak_process_bytes as f64)
    )?;
    writeln!(
        w,
        "{:<24}user {:.2}s, system {:.2}s",
        "cpu time", s.cpu_user_s, s.cpu_system_s
    )?;
    match (s.read_bytes, s.write_bytes) {
        (Some(rb), Some(wb)) => writeln!(
            w,
            "{:<24}read {}, written {}",
            "disk",
            bytes(rb as f64),
            bytes(wb as f64)
        )?,
        _ => writeln!(w, "{:<24}unknown (not readable)", "disk")?,
    }
    writeln!(
        w,
        "{:<24}{} voluntary, {} involuntary",
        "context switches", s.ctx_voluntary, s.ctx_involuntary
    )?;
    if let Some(e) = &r.exit {
        if let Some(m) = e.max_rss_bytes {
            writeln!(w, "{:<24}{}", "command peak (wait4)", bytes(m as f64))?;
        }
    }
    writeln!(w)?;
    writeln!(
        w,
        "{}",
        style.bold(&format!(
            "{:<24}{:>12}{:>12}{:>12}",
            "host", "mean", "min", "max"
        ))
    )?;
    row(&mut w, "cpu (all cores)", &s.host.cpu_pct, |v| {
        format!("{v:.1}%")
    })?;
    row(&mut w, "memory used", &s.host.mem_used_bytes, bytes)?;
    row(
        &mut w,
        "memory available",
        &s.host.mem_available_bytes,
        bytes,
    )?;
    row(&mut w, "load1", &s.host.load1, |v| format!("{v:.2}"))?;
    writeln!(
        w,
        "{:<24}received {}, sent {}",
        "network",
        bytes(s.host.net_rx_bytes as f64),
        bytes(s.host.net_tx_bytes as f64)
    )?;

    writeln!(w)?;
    if r.alerts.is_empty() {
        writeln!(w, "{} none fired", style.bold("alerts:"))?;
    } else {
        writeln!(
            w,
            "{} {}",
            style.bold("alerts:"),
            style.red(&format!("{} fired", r.alerts.len()))
        )?;
        for a in &r.alerts {
            let end = match a.end_s {
                Some(e) => format!("{e:.2}s"),
                None => "end (still active)".to_string(),
            };
            writeln!(
                w,
                "  {:<28} {:.2}s -> {} ({:.2}s), peak {}",
                a.rule,
                a.start_s,
                end,
                a.duration_s,
                in_unit(a.peak, &a.unit)
            )?;
        }
    }

    writeln!(w)?;
    let l = &r.leak;
    let verdict = match l.verdict {
        LeakVerdict::Leak => style.red(l.verdict.as_str()),
        LeakVerdict::Inconclusive => style.yellow(l.verdict.as_str()),
        LeakVerdict::NoLeak => style.green(l.verdict.as_str()),
    };
    writeln!(
        w,
        "{} {} ({}) - {}",
        style.bold("leak:"),
        verdict,
        l.metric,
        l.reason
    )?;
    writeln!(
        w,
        "  Theil-Sen slope + Mann-Kendall test after {:.1}s warm-up, alpha {}",
        l.warmup_s, l.alpha
    )?;
    for m in &l.metrics {
        writeln!(
            w,
            "  {:<12}{:<14}{:>16}  p={:<9} n={}",
            m.metric,
            m.verdict.as_str(),
            slope(&m.metric, m.slope_per_min),
            p_value(m.p_value),
            m.n
        )?;
    }
    if !r.warnings.is_empty() {
        writeln!(w)?;
        writeln!(w, "{}", style.yellow("warnings:"))?;
        for wn in &r.warnings {
            writeln!(w, "  {wn}")?;
        }
    }
    Ok(())
}

fn row<W: Write>(w: &mut W, name: &str, s: &Stat, f: impl Fn(f64) -> String) -> io::Result<()> {
    writeln!(
        w,
        "{:<24}{:>12}{:>12}{:>12}",
        name,
        f(s.mean),
        f(s.min),
        f(s.max)
    )
}

fn trim(v: f64) -> String {
    let s = format!("{v:.3}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// The one-line live status drawn on stderr while sampling.
pub fn live_line(s: &Sample, active_alerts: &[String], events: usize) -> String {
    let mut line = format!(
        "{:>7.1}s  cpu {:>6.1}%  rss {:>10}  thr {:>4}  fds {:>5}  procs {:>3}  host cpu {:>5.1}% mem avail {}",
        s.t_s,
        s.cpu_pct,
        bytes(s.rss_bytes as f64),
        s.threads,
        s.fds.map_or("?".to_string(), |f| f.to_string()),
        s.processes,
        s.host.cpu_pct,
        bytes(s.host.mem_available_bytes as f64),
    );
    if !active_alerts.is_empty() {
        line.push_str(&format!("  ALERT {}", active_alerts.join(", ")));
    } else if events > 0 {
        line.push_str(&format!("  alerts fired: {events}"));
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert_eq!(bytes(512.0), "512 B");
        assert_eq!(bytes(1536.0), "1.50 KiB");
        assert_eq!(bytes(200.0 * 1048576.0), "200 MiB");
        assert_eq!(bytes(3.0 * 1073741824.0), "3.00 GiB");
        assert_eq!(in_unit(85.25, "%"), "85.2%");
        assert_eq!(slope("rss_bytes", Some(-1048576.0)), "-1.00 MiB/min");
        assert_eq!(slope("fds", Some(3.0)), "+3.00/min");
        assert_eq!(p_value(Some(0.0001234)), "1.2e-4");
        assert_eq!(p_value(Some(0.5)), "0.500");
        let argv: Vec<String> = ["python3", "-c", "import x\nx.run('a')"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(
            command_line(&argv),
            "python3 -c 'import x\\nx.run('\\''a'\\'')'"
        );
    }
}
