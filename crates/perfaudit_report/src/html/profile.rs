//! The HTML page of a CPU profile (`perfaudit profile --format html`), and the profile parts of
//! the audit's run page: findings ranked by measured cost, per scenario the top functions, the
//! flame graph, and the stacks of the second with the worst p99.

use super::flame;
use super::{page_end, page_start};
use crate::escape::html as esc;
use perfaudit_model::profile::{
    CostScope, FunctionStat, Profile, ProfileEnd, ProfileReport, ProfileSection,
};
use std::fmt::Write as _;
use std::io::{self, Write};

fn pct(x: f64) -> String {
    format!("{:.1}%", x * 100.0)
}

/// The top functions, sortable, with file:line.
pub fn functions_table(out: &mut String, p: &Profile, top: usize) {
    if p.samples == 0 {
        out.push_str(r#"<p class="note">No running thread was sampled (every thread idle).</p>"#);
        return;
    }
    out.push_str(r#"<table class="sortable"><thead><tr><th>self</th><th>total</th><th>self samples</th><th>function</th><th>location</th></tr></thead><tbody>"#);
    let rows: Vec<&FunctionStat> = p.functions.iter().take(top).collect();
    for f in rows {
        let _ = write!(
            out,
            r#"<tr><td class="n" data-v="{}">{}</td><td class="n" data-v="{}">{}</td><td class="n">{}</td><td><code>{}</code></td><td><code>{}:{}</code></td></tr>"#,
            f.self_share,
            pct(f.self_share),
            f.total_share,
            pct(f.total_share),
            f.self_samples,
            esc(&f.name),
            esc(&f.file),
            f.line
        );
    }
    out.push_str("</tbody></table>");
}

fn summary(out: &mut String, p: &Profile) {
    let _ = write!(
        out,
        r#"<p class="sub">{}</p>"#,
        esc(&crate::text::profile::summary_line(p))
    );
    match p.end {
        ProfileEnd::Completed => {}
        ProfileEnd::TargetExited => {
            let _ = write!(
                out,
                r#"<div class="note">The target exited after {:.1}s: this is the profile until then.</div>"#,
                p.duration_s
            );
        }
        ProfileEnd::Interrupted => {
            out.push_str(r#"<div class="note">Interrupted: this is the profile until then.</div>"#)
        }
    }
}

pub fn write(w: &mut dyn Write, doc: &ProfileReport) -> io::Result<()> {
    let what = match &doc.target.command {
        Some(c) => c.join(" "),
        None => format!("pid {}", doc.target.pid),
    };
    page_start(w, &format!("perfaudit profile — {what}"))?;
    let p = &doc.profile;
    let mut out = String::new();
    let _ = write!(out, "<style>{}</style>", flame::CSS);
    let _ = write!(out, r#"<h1>CPU profile: <code>{}</code></h1>"#, esc(&what));
    summary(&mut out, p);
    out.push_str("<h2>Flame graph</h2>");
    flame::graph(&mut out, p, &flame::all_stacks(p), "all samples");
    out.push_str("<h2>Top functions</h2>");
    functions_table(&mut out, p, 30);
    out.push_str("<h2>Processes</h2><table><thead><tr><th>pid</th><th>samples</th><th>command</th></tr></thead><tbody>");
    for pr in &p.processes {
        let _ = write!(
            out,
            r#"<tr><td class="n">{}</td><td class="n">{}</td><td><code>{}</code></td></tr>"#,
            pr.pid,
            pr.samples,
            esc(&pr.command)
        );
    }
    out.push_str("</tbody></table>");
    w.write_all(out.as_bytes())?;
    page_end(w)
}

/// "Findings ranked by measured cost": the opening of a run page that has a profile.
pub fn ranked_findings(out: &mut String, sec: &ProfileSection) {
    if sec.ranked_findings.is_empty() && sec.unsampled_findings.is_empty() {
        return;
    }
    out.push_str("<h2>Findings ranked by measured cost</h2>");
    if !sec.ranked_findings.is_empty() {
        out.push_str(r#"<table class="sortable"><thead><tr><th>share</th><th>code</th><th>location</th><th>scenario</th><th>where</th><th>finding</th></tr></thead><tbody>"#);
        for f in &sec.ranked_findings {
            let scope = match (f.scope, &f.function) {
                (CostScope::Line, _) => "line".to_string(),
                (CostScope::Function, Some(n)) => format!("function {n}"),
                (CostScope::Function, None) => "function".to_string(),
            };
            let _ = write!(
                out,
                r#"<tr><td class="n" data-v="{}">{}</td><td><b>{}</b></td><td><code>{}:{}</code></td><td>{}</td><td>{}</td><td>{}</td></tr>"#,
                f.share,
                pct(f.share),
                esc(&f.code),
                esc(&f.path),
                f.line,
                esc(&f.scenario),
                esc(&scope),
                esc(&f.message)
            );
        }
        out.push_str("</tbody></table>");
    }
    if !sec.unsampled_findings.is_empty() {
        let _ = write!(
            out,
            r#"<p class="sub">No samples at: {}</p>"#,
            esc(&sec.unsampled_findings.join(", "))
        );
    }
}

/// Per scenario: summary, top functions, flame graph, the worst second's stacks.
pub fn scenarios(out: &mut String, sec: &ProfileSection) {
    if sec.scenarios.is_empty() {
        return;
    }
    let _ = write!(out, "<style>{}</style>", flame::CSS);
    out.push_str("<h2>Where the CPU went (profile per scenario)</h2>");
    for sc in &sec.scenarios {
        let p = &sc.profile;
        let _ = write!(out, "<h3>Scenario <code>{}</code></h3>", esc(&sc.scenario));
        summary(out, p);
        functions_table(out, p, 10);
        flame::graph(
            out,
            p,
            &flame::all_stacks(p),
            &format!("scenario {}", sc.scenario),
        );
        if let Some(ws) = &sc.worst_second {
            let _ = write!(
                out,
                r#"<p>The second with the worst p99 (t={}s of the load, p99 {:.1}ms, {} samples): what was running then.</p>"#,
                ws.t_s,
                ws.p99_us / 1e3,
                ws.samples
            );
            if ws.stacks.is_empty() {
                out.push_str(r#"<p class="sub">No running thread was sampled in that second.</p>"#);
            } else {
                flame::graph(out, p, &ws.stacks, &format!("worst second t={}s", ws.t_s));
            }
        }
    }
}

/// Which functions got slower (from a comparison of two profiled runs).
pub fn function_changes(out: &mut String, changes: &[perfaudit_model::profile::FunctionChange]) {
    let shown: Vec<_> = changes
        .iter()
        .filter(|c| c.verdict != "unchanged")
        .collect();
    if shown.is_empty() {
        return;
    }
    out.push_str(r#"<h3>Functions (self share of the CPU profile)</h3><table class="sortable"><thead><tr><th>scenario</th><th>function</th><th>base</th><th>head</th><th>ms/request</th><th>p</th><th>verdict</th></tr></thead><tbody>"#);
    for c in shown {
        let ms = match (c.base_ms_per_request, c.head_ms_per_request) {
            (Some(b), Some(h)) => format!("{b:.2} → {h:.2}"),
            _ => "-".into(),
        };
        let class = match c.verdict.as_str() {
            "slower" | "new" => "v-regression",
            "faster" | "gone" => "v-improvement",
            _ => "v-noise",
        };
        let _ = write!(
            out,
            r#"<tr><td>{}</td><td><code>{}</code> <span class="help">{}</span></td><td class="n">{}</td><td class="n">{}</td><td class="n">{}</td><td class="n">{}</td><td class="{class}">{}</td></tr>"#,
            esc(&c.scenario),
            esc(&c.name),
            esc(&c.file),
            pct(c.base_share),
            pct(c.head_share),
            esc(&ms),
            c.p_value.map_or_else(|| "-".into(), |p| format!("{p:.1e}")),
            esc(&c.verdict)
        );
    }
    out.push_str("</tbody></table>");
}
