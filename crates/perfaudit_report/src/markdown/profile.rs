//! Markdown parts of the audit's profile: findings ranked by measured cost, and per scenario
//! the top functions (the flame graphs are in the HTML report).

use crate::escape::markdown as md;
use perfaudit_model::profile::{CostScope, ProfileSection};
use std::io::{self, Write};

fn pct(x: f64) -> String {
    format!("{:.1}%", x * 100.0)
}

pub fn ranked_findings(w: &mut dyn Write, sec: &ProfileSection) -> io::Result<()> {
    if sec.ranked_findings.is_empty() && sec.unsampled_findings.is_empty() {
        return Ok(());
    }
    writeln!(w, "## Findings ranked by measured cost\n")?;
    if !sec.ranked_findings.is_empty() {
        writeln!(
            w,
            "| share of samples | code | location | scenario | where | finding |"
        )?;
        writeln!(w, "|---:|---|---|---|---|---|")?;
        for f in &sec.ranked_findings {
            let scope = match (f.scope, &f.function) {
                (CostScope::Line, _) => "line".to_string(),
                (CostScope::Function, Some(n)) => format!("function {}", md(n)),
                (CostScope::Function, None) => "function".into(),
            };
            writeln!(
                w,
                "| {} | {} | {}:{} | {} | {} | {} |",
                pct(f.share),
                md(&f.code),
                md(&f.path),
                f.line,
                md(&f.scenario),
                scope,
                md(&f.message)
            )?;
        }
        writeln!(w)?;
    }
    if !sec.unsampled_findings.is_empty() {
        let list: Vec<String> = sec.unsampled_findings.iter().map(|s| md(s)).collect();
        writeln!(w, "No samples at: {}\n", list.join(", "))?;
    }
    Ok(())
}

pub fn scenarios(w: &mut dyn Write, sec: &ProfileSection) -> io::Result<()> {
    for sc in &sec.scenarios {
        let p = &sc.profile;
        writeln!(w, "## Profile of scenario {}\n", md(&sc.scenario))?;
        writeln!(w, "{}\n", md(&crate::text::profile::summary_line(p)))?;
        if p.samples == 0 {
            writeln!(w, "No running thread was sampled.\n")?;
            continue;
        }
        writeln!(w, "| self | total | function | location |")?;
        writeln!(w, "|---:|---:|---|---|")?;
        for f in p.functions.iter().take(10) {
            writeln!(
                w,
                "| {} | {} | {} | {}:{} |",
                pct(f.self_share),
                pct(f.total_share),
                md(&f.name),
                md(&crate::text::profile::short_file(&f.file)),
                f.line
            )?;
        }
        writeln!(w)?;
        if let Some(ws) = &sc.worst_second {
            writeln!(
                w,
                "Worst second (t={}s, p99 {:.1}ms): {} samples; its stacks are in the HTML report.\n",
                ws.t_s,
                ws.p99_us / 1e3,
                ws.samples
            )?;
        }
    }
    Ok(())
}
