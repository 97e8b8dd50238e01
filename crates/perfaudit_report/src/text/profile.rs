//! Text rendering of a CPU profile (`perfaudit profile`) and of the audit's per-scenario
//! profiles: top functions by self and by total share, with file:line.

use crate::style::Style;
use perfaudit_model::profile::{
    FunctionStat, Profile, ProfileEnd, ProfileReport, ProfileSection, ScenarioProfile,
};
use std::io::{self, Write};

/// A file path shortened to its last three components (`.../app/views.py`), control
/// characters escaped.
pub fn short_file(file: &str) -> String {
    let parts: Vec<&str> = file.rsplitn(4, '/').collect();
    let s = if parts.len() == 4 {
        let mut p: Vec<&str> = parts[..3].to_vec();
        p.reverse();
        format!(".../{}", p.join("/"))
    } else {
        file.to_string()
    };
    clean(&s)
}

/// Untrusted text on one line: control characters shown escaped.
pub fn clean(s: &str) -> String {
    s.chars()
        .flat_map(|c| {
            if c.is_control() {
                c.escape_default().collect::<Vec<_>>()
            } else {
                vec![c]
            }
        })
        .collect()
}

fn pct(x: f64) -> String {
    format!("{:.1}%", x * 100.0)
}

fn table(w: &mut dyn Write, rows: &[&FunctionStat], s: &Style) -> io::Result<()> {
    writeln!(
        w,
        "  {:>6}  {:>6}  {:>8}  {:<32}  location",
        "self", "total", "samples", "function"
    )?;
    for f in rows {
        let name = clean(&f.name);
        writeln!(
            w,
            "  {:>6}  {:>6}  {:>8}  {:<32}  {}",
            pct(f.self_share),
            pct(f.total_share),
            f.self_samples,
            if name.chars().count() > 32 {
                format!("{}…", name.chars().take(31).collect::<String>())
            } else {
                name
            },
            s.dim(&format!("{}:{}", short_file(&f.file), f.line))
        )?;
    }
    Ok(())
}

/// The top-functions tables of one profile.
pub fn functions(w: &mut dyn Write, p: &Profile, top: usize, s: &Style) -> io::Result<()> {
    if p.samples == 0 {
        writeln!(
            w,
            "  no running thread was sampled (every thread idle; --idle counts them)"
        )?;
        return Ok(());
    }
    writeln!(w, "{}", s.bold("Top functions by self time"))?;
    let by_self: Vec<&FunctionStat> = p
        .functions
        .iter()
        .filter(|f| f.self_samples > 0)
        .take(top)
        .collect();
    table(w, &by_self, s)?;
    writeln!(
        w,
        "{}",
        s.bold("Top functions by total time (with callees)")
    )?;
    let mut by_total: Vec<&FunctionStat> = p.functions.iter().collect();
    by_total.sort_by(|a, b| {
        b.total_samples
            .cmp(&a.total_samples)
            .then(b.self_samples.cmp(&a.self_samples))
    });
    by_total.truncate(top);
    table(w, &by_total, s)
}

/// One line on the sampling itself.
pub fn summary_line(p: &Profile) -> String {
    let idle = if p.include_idle {
        format!("{} idle included", p.idle_samples)
    } else {
        format!("{} idle not counted", p.idle_samples)
    };
    let gil = if p.samples > 0 {
        format!(
            ", GIL held in {}",
            pct(p.gil_samples as f64 / p.samples as f64)
        )
    } else {
        String::new()
    };
    let mut line = format!(
        "{} samples in {} ticks at {} Hz over {:.1}s ({idle}{gil})",
        p.samples, p.ticks, p.rate_hz, p.duration_s
    );
    if p.errors > 0 {
        line.push_str(&format!(", {} failed reads", p.errors));
    }
    if p.late_ticks > 0 {
        line.push_str(&format!(
            ", {} late ticks (worst {:.0}ms)",
            p.late_ticks, p.max_late_ms
        ));
    }
    line
}

pub fn write(w: &mut dyn Write, doc: &ProfileReport, s: &Style) -> io::Result<()> {
    let p = &doc.profile;
    let what = match &doc.target.command {
        Some(c) => super::monitor::command_line(c),
        None => format!("pid {}", doc.target.pid),
    };
    writeln!(w, "{} {}", s.bold("Profile of"), what)?;
    writeln!(w, "  {}", summary_line(p))?;
    let sampled: Vec<String> = p
        .processes
        .iter()
        .filter(|x| x.samples > 0)
        .map(|x| format!("pid {}: {} samples", x.pid, x.samples))
        .collect();
    writeln!(
        w,
        "  {} processes profiled ({})",
        p.processes.len(),
        if sampled.is_empty() {
            "none sampled".into()
        } else {
            sampled.join(", ")
        }
    )?;
    match p.end {
        ProfileEnd::Completed => {}
        ProfileEnd::TargetExited => writeln!(
            w,
            "  {}",
            s.yellow(&format!(
                "the target exited after {:.1}s: this is the profile until then",
                p.duration_s
            ))
        )?,
        ProfileEnd::Interrupted => writeln!(
            w,
            "  {}",
            s.yellow("interrupted: this is the profile until then")
        )?,
    }
    if let Some(code) = doc.target.exit_code {
        writeln!(w, "  the command exited with {code}")?;
    }
    writeln!(w)?;
    functions(w, p, 15, s)
}

/// One scenario's profile in the audit's text report.
pub fn scenario(w: &mut dyn Write, sc: &ScenarioProfile, s: &Style) -> io::Result<()> {
    writeln!(
        w,
        "{} {}",
        s.bold("Profile of scenario"),
        clean(&sc.scenario)
    )?;
    writeln!(w, "  {}", summary_line(&sc.profile))?;
    if let Some(ws) = &sc.worst_second {
        let top: Vec<String> = ws
            .stacks
            .iter()
            .take(3)
            .filter_map(|(i, n)| {
                let st = sc.profile.stacks.get(*i as usize)?;
                let leaf = st
                    .frames
                    .last()
                    .and_then(|&f| sc.profile.frames.get(f as usize))?;
                Some(format!(
                    "{} {}",
                    clean(&leaf.name),
                    pct(*n as f64 / ws.samples.max(1) as f64)
                ))
            })
            .collect();
        writeln!(
            w,
            "  worst second: t={}s, p99 {:.1}ms, {} samples: {}",
            ws.t_s,
            ws.p99_us / 1e3,
            ws.samples,
            if top.is_empty() {
                "no running thread".into()
            } else {
                top.join(", ")
            }
        )?;
    }
    functions(w, &sc.profile, 10, s)
}

/// "Findings ranked by measured cost", the report's opening when there is a profile.
pub fn ranked_findings(w: &mut dyn Write, sec: &ProfileSection, s: &Style) -> io::Result<()> {
    if sec.ranked_findings.is_empty() && sec.unsampled_findings.is_empty() {
        return Ok(());
    }
    writeln!(w, "{}", s.bold("Findings ranked by measured cost"))?;
    for f in &sec.ranked_findings {
        let scope = match (&f.scope, &f.function) {
            (perfaudit_model::profile::CostScope::Line, _) => "line".to_string(),
            (perfaudit_model::profile::CostScope::Function, Some(name)) => {
                format!("in function {}", clean(name))
            }
            (perfaudit_model::profile::CostScope::Function, None) => "its function".into(),
        };
        writeln!(
            w,
            "  {} {}:{} — {} of samples in scenario `{}` ({scope}): {}",
            s.bold(&f.code),
            clean(&f.path),
            f.line,
            pct(f.share),
            clean(&f.scenario),
            clean(&f.message)
        )?;
    }
    if !sec.unsampled_findings.is_empty() {
        writeln!(
            w,
            "  {}",
            s.dim(&format!(
                "no samples: {}",
                sec.unsampled_findings
                    .iter()
                    .map(|x| clean(x))
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        )?;
    }
    Ok(())
}

/// Which functions got slower (from a comparison of two profiled runs).
pub fn function_changes(
    w: &mut dyn Write,
    changes: &[perfaudit_model::profile::FunctionChange],
    s: &Style,
) -> io::Result<()> {
    let shown: Vec<_> = changes
        .iter()
        .filter(|c| c.verdict != "unchanged")
        .take(10)
        .collect();
    if shown.is_empty() {
        return Ok(());
    }
    writeln!(w, "  {}", s.bold("functions (self share of the profile)"))?;
    for c in shown {
        let ms = match (c.base_ms_per_request, c.head_ms_per_request) {
            (Some(b), Some(h)) => format!("  {b:.2} -> {h:.2} ms/request"),
            _ => String::new(),
        };
        let p = c
            .p_value
            .map_or_else(String::new, |p| format!("  p={p:.1e}"));
        let verdict = match c.verdict.as_str() {
            "slower" | "new" => s.red(&c.verdict),
            "faster" | "gone" => s.green(&c.verdict),
            v => s.dim(v),
        };
        writeln!(
            w,
            "  {} {} ({}): {} -> {}{ms}{p}  {verdict}",
            clean(&c.scenario),
            clean(&c.name),
            short_file(&c.file),
            pct(c.base_share),
            pct(c.head_share),
        )?;
    }
    Ok(())
}
