//! The HTML page of a `perfaudit load` result (`perfaudit/load/v1`).

use super::{page_end, page_start, sections};
use crate::escape::html as esc;
use perfaudit_model::load::LoadResult;
use std::fmt::Write as _;
use std::io::{self, Write};

pub fn write(w: &mut dyn Write, doc: &LoadResult) -> io::Result<()> {
    page_start(w, &format!("perfaudit load — {}", doc.target))?;
    let section = perfaudit_model::project::load_section("load", doc, doc.started_unix_ms);
    let mut out = String::new();
    let _ = write!(
        out,
        r#"<h1>Load: <code>{}</code> {}</h1><p class="sub">{} model, {}, {} connections, {} threads · {:.1}s · {} requests · {:.1} req/s</p>"#,
        esc(&doc.target),
        sections::badge(if doc.passed { "pass" } else { "fail" }),
        esc(&doc.model),
        esc(&doc.http_version),
        doc.connections,
        doc.threads,
        doc.duration_s,
        doc.requests,
        doc.rps
    );
    if !doc.thresholds.is_empty() {
        out.push_str(r#"<h2>Thresholds</h2><table class="sortable"><thead><tr><th>status</th><th>threshold</th><th>actual</th></tr></thead><tbody>"#);
        for t in &doc.thresholds {
            let _ = write!(
                out,
                "<tr><td>{}</td><td><code>{}</code></td><td class=\"n\">{}</td></tr>",
                sections::badge(if t.passed { "pass" } else { "fail" }),
                esc(&t.expr),
                t.actual
            );
        }
        out.push_str("</tbody></table>");
    }
    let mut named = section.clone();
    if let Some(first) = doc.endpoints.first() {
        if doc.endpoints.len() == 1 {
            named.name = first.name.clone();
        }
    }
    sections::load(&mut out, std::slice::from_ref(&named));
    sections::timeline(&mut out, std::slice::from_ref(&named), None);
    w.write_all(out.as_bytes())?;
    page_end(w)
}
