//! The HTML report of a whole audit run.

use super::{page_end, page_start, sections};
use crate::escape::html as esc;
use perfaudit_model::run::{CompareDocument, RunRecord};
use std::fmt::Write as _;
use std::io::{self, Write};

pub fn write(w: &mut dyn Write, run: &RunRecord) -> io::Result<()> {
    let title = format!("perfaudit — {} — run #{}", run.project, run.id);
    page_start(w, &title)?;
    let mut out = String::with_capacity(64 * 1024);
    let _ = write!(
        out,
        r#"<h1>{} {}</h1><p class="sub">{} · {} · {:.1}s"#,
        esc(&run.project),
        sections::badge(run.status.as_str()),
        if run.id > 0 {
            format!("run #{}", run.id)
        } else {
            "not stored".to_string()
        },
        esc(&run.started_at),
        run.duration_s
    );
    if let Some(g) = &run.git {
        let short: String = g.commit.chars().take(10).collect();
        let _ = write!(
            out,
            " · commit <code>{}</code>{}{}",
            esc(&short),
            g.branch
                .as_deref()
                .map(|b| format!(" on {}", esc(b)))
                .unwrap_or_default(),
            if g.dirty {
                " (uncommitted changes)"
            } else {
                ""
            }
        );
    }
    let _ = write!(out, " · config <code>{}</code></p>", esc(&run.config_path));
    for e in &run.errors {
        let _ = write!(
            out,
            r#"<div class="alert"><b>{}</b> could not run: {}</div>"#,
            esc(&e.stage),
            esc(&e.message)
        );
    }
    if let Some(p) = &run.profile {
        super::profile::ranked_findings(&mut out, p);
    }
    sections::kpis(&mut out, &run.kpis);
    if let Some(c) = &run.comparison {
        sections::comparison(&mut out, c, "Compared with the baseline");
        super::profile::function_changes(&mut out, &c.functions);
    }
    if let Some(s) = &run.service {
        let _ = write!(
            out,
            r#"<h2 id="service">Service</h2><table class="service"><tbody><tr><td>command</td><td><code>{}</code></td></tr><tr><td>ready URL</td><td><code>{}</code></td></tr><tr><td>cold start</td><td class="n">{}</td></tr><tr><td>stopped</td><td>{}</td></tr></tbody></table>"#,
            esc(&s.command),
            esc(&s.ready_url),
            sections::fmt_s(s.cold_start_s),
            esc(&s.stopped)
        );
        if !s.stderr_tail.is_empty() {
            let _ = write!(
                out,
                r#"<details><summary>last lines of the service's stderr</summary><pre class="code">{}</pre></details>"#,
                esc(&s.stderr_tail.join("\n"))
            );
        }
    }
    sections::load(&mut out, &run.load);
    sections::timeline(&mut out, &run.load, run.monitor.as_ref());
    if let Some(p) = &run.profile {
        super::profile::scenarios(&mut out, p);
    }
    if let Some(m) = &run.monitor {
        sections::monitor_summary(&mut out, m);
    }
    sections::bench(&mut out, &run.bench);
    sections::imports(&mut out, &run.imports);
    if let Some(s) = &run.scan {
        sections::findings(&mut out, s);
    }
    sections::environment(&mut out, &run.environment);
    w.write_all(out.as_bytes())?;
    page_end(w)
}

/// The HTML page of a `perfaudit compare`.
pub fn write_compare(w: &mut dyn Write, c: &CompareDocument) -> io::Result<()> {
    page_start(
        w,
        &format!("perfaudit compare #{} → #{}", c.base_id, c.head_id),
    )?;
    let mut out = String::new();
    let _ = write!(
        out,
        "<h1>Compare run #{} → #{} {}</h1>",
        c.base_id,
        c.head_id,
        sections::badge(if c.regressed { "fail" } else { "pass" })
    );
    sections::comparison(&mut out, c, "Verdicts per metric");
    super::profile::function_changes(&mut out, &c.functions);
    w.write_all(out.as_bytes())?;
    page_end(w)
}
