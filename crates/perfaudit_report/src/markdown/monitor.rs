//! Markdown rendering of the monitor document (for a PR comment or an audit report).

use crate::escape::markdown as md;
use crate::text::monitor::{bytes, command_line, ending, in_unit, p_value, slope};
use perfaudit_model::monitor::{MonitorReport, Stat};
use std::io::{self, Write};

pub fn write<W: Write>(mut w: W, r: &MonitorReport) -> io::Result<()> {
    let cmd = command_line(&r.target.command);
    writeln!(w, "## perfaudit monitor")?;
    writeln!(w)?;
    writeln!(
        w,
        "PID {} `{}`{}: {:.1} s, {} samples every {} ms; {}.",
        r.target.pid,
        cmd.replace('`', "'"),
        if r.target.spawned { " (spawned)" } else { "" },
        r.duration_s,
        r.samples_total,
        r.interval_ms,
        md(&ending(r))
    )?;
    writeln!(w)?;
    let s = &r.summary;
    writeln!(w, "| process tree | mean | min | max |")?;
    writeln!(w, "|---|---:|---:|---:|")?;
    let pct = |v: f64| format!("{v:.1}%");
    let count = |v: f64| format!("{v:.0}");
    row(&mut w, "CPU (1 core = 100%)", &s.cpu_pct, pct)?;
    row(&mut w, "CPU user", &s.cpu_user_pct, pct)?;
    row(&mut w, "CPU system", &s.cpu_sys_pct, pct)?;
    row(&mut w, "RSS", &s.rss_bytes, bytes)?;
    row(&mut w, "threads", &s.threads, count)?;
    match &s.fds {
        Some(f) => row(&mut w, "open fds", f, count)?,
        None => writeln!(w, "| open fds | unknown | | |")?,
    }
    row(&mut w, "processes", &s.processes, count)?;
    row(&mut w, "host CPU (all cores)", &s.host.cpu_pct, pct)?;
    row(&mut w, "host memory used", &s.host.mem_used_bytes, bytes)?;
    row(
        &mut w,
        "host memory available",
        &s.host.mem_available_bytes,
        bytes,
    )?;
    row(&mut w, "host load1", &s.host.load1, |v| format!("{v:.2}"))?;
    writeln!(w)?;
    writeln!(
        w,
        "CPU time user {:.2} s, system {:.2} s; disk {}; context switches {} voluntary, {} involuntary; network received {}, sent {}.",
        s.cpu_user_s,
        s.cpu_system_s,
        match (s.read_bytes, s.write_bytes) {
            (Some(rb), Some(wb)) => format!("read {}, written {}", bytes(rb as f64), bytes(wb as f64)),
            _ => "unknown (not readable)".to_string(),
        },
        s.ctx_voluntary,
        s.ctx_involuntary,
        bytes(s.host.net_rx_bytes as f64),
        bytes(s.host.net_tx_bytes as f64)
    )?;
    writeln!(w)?;
    writeln!(w, "### Alerts")?;
    writeln!(w)?;
    if r.alerts.is_empty() {
        writeln!(w, "None fired.")?;
    } else {
        writeln!(w, "| rule | start (s) | end (s) | duration (s) | peak |")?;
        writeln!(w, "|---|---:|---:|---:|---:|")?;
        for a in &r.alerts {
            writeln!(
                w,
                "| `{}` | {:.2} | {} | {:.2} | {} |",
                a.rule.replace('`', "'").replace('|', "\\|"),
                a.start_s,
                a.end_s
                    .map_or("still active".to_string(), |e| format!("{e:.2}")),
                a.duration_s,
                in_unit(a.peak, &a.unit)
            )?;
        }
    }
    writeln!(w)?;
    let l = &r.leak;
    writeln!(
        w,
        "### Leak verdict: **{}** ({})",
        l.verdict.as_str(),
        l.metric
    )?;
    writeln!(w)?;
    writeln!(w, "{}", md(&l.reason))?;
    writeln!(w)?;
    writeln!(
        w,
        "Theil-Sen slope and Mann-Kendall trend test after a {:.1} s warm-up (alpha {}).",
        l.warmup_s, l.alpha
    )?;
    writeln!(w)?;
    writeln!(w, "| metric | verdict | slope | p-value | points |")?;
    writeln!(w, "|---|---|---:|---:|---:|")?;
    for m in &l.metrics {
        writeln!(
            w,
            "| {} | {} | {} | {} | {} |",
            m.metric,
            m.verdict.as_str(),
            slope(&m.metric, m.slope_per_min),
            p_value(m.p_value),
            m.n
        )?;
    }
    if !r.warnings.is_empty() {
        writeln!(w)?;
        writeln!(w, "### Warnings")?;
        writeln!(w)?;
        for wn in &r.warnings {
            writeln!(w, "- {}", md(wn))?;
        }
    }
    Ok(())
}

fn row<W: Write>(w: &mut W, name: &str, s: &Stat, f: impl Fn(f64) -> String) -> io::Result<()> {
    writeln!(
        w,
        "| {} | {} | {} | {} |",
        name,
        f(s.mean),
        f(s.min),
        f(s.max)
    )
}
