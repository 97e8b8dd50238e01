//! The HTML page of a `perfaudit scan` report (`perfaudit/scan/v1`).

use super::chart::bars;
use super::{page_end, page_start, sections};
use crate::escape::html as esc;
use perfaudit_model::run::FindingView;
use perfaudit_model::scan::ScanReport;
use std::fmt::Write as _;
use std::io::{self, Write};

fn fmt_count(v: f64) -> String {
    perfaudit_model::units::fmt_count(v.max(0.0).round() as u64)
}

pub fn write(w: &mut dyn Write, doc: &ScanReport) -> io::Result<()> {
    page_start(w, &format!("perfaudit scan — {}", doc.root))?;
    let mut out = String::new();
    let s = &doc.summary;
    let status = if s.error > 0 {
        "fail"
    } else if s.warning > 0 {
        "warn"
    } else {
        "pass"
    };
    let _ = write!(
        out,
        r#"<h1>Scan: <code>{}</code> {}</h1><p class="sub">{} files, {} lines, {} Python modules ({} parsed) · {} error, {} warning, {} info · {} suppressed · {} ms</p>"#,
        esc(&doc.root),
        sections::badge(status),
        doc.files,
        doc.lines,
        doc.python_files,
        doc.parsed_files,
        s.error,
        s.warning,
        s.info,
        doc.suppressed,
        doc.duration_ms
    );
    if !s.by_code.is_empty() {
        let rows: Vec<(String, f64)> = s
            .by_code
            .iter()
            .map(|c| (format!("{} {}", c.code, c.name), c.count as f64))
            .collect();
        bars(&mut out, "Findings by rule", &rows, fmt_count);
    }
    out.push_str(r#"<h2 id="findings">Findings</h2>"#);
    if doc.findings.is_empty() {
        out.push_str("<p>No findings.</p>");
    }
    let mut findings: Vec<_> = doc.findings.iter().collect();
    findings.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| a.path.cmp(&b.path))
            .then(a.line.cmp(&b.line))
    });
    for f in findings {
        sections::finding(
            &mut out,
            &FindingView {
                code: f.code.clone(),
                name: f.name.clone(),
                severity: f.severity,
                path: f.path.clone(),
                line: f.line,
                column: f.column,
                message: f.message.clone(),
                help: f.help.clone(),
                snippet: Vec::new(),
            },
        );
    }
    out.push_str(r#"<h2 id="inventory">Inventory</h2><table class="sortable"><thead><tr><th>language</th><th>files</th><th>lines</th><th>bytes</th></tr></thead><tbody>"#);
    for l in &doc.languages {
        let _ = write!(
            out,
            r#"<tr><td>{}</td><td class="n">{}</td><td class="n">{}</td><td class="n">{}</td></tr>"#,
            esc(&l.language),
            l.files,
            l.lines,
            l.bytes
        );
    }
    out.push_str("</tbody></table>");
    if !doc.largest_files.is_empty() {
        let rows: Vec<(String, f64)> = doc
            .largest_files
            .iter()
            .map(|f| (f.path.clone(), f.lines as f64))
            .collect();
        bars(&mut out, "Largest files (lines)", &rows, fmt_count);
    }
    let i = &doc.imports;
    let _ = write!(
        out,
        r#"<h2 id="imports">Imports</h2><p>{} imports of {} modules: {} stdlib, {} third-party, {} first-party.</p>"#,
        i.total, i.unique, i.stdlib, i.third_party, i.first_party
    );
    if !i.most_common.is_empty() {
        let rows: Vec<(String, f64)> = i
            .most_common
            .iter()
            .map(|m| (m.module.clone(), m.count as f64))
            .collect();
        bars(&mut out, "Most imported modules", &rows, fmt_count);
    }
    if !doc.diagnostics.is_empty() {
        out.push_str(r#"<h2 id="diagnostics">Diagnostics</h2><ul>"#);
        for d in &doc.diagnostics {
            let _ = write!(
                out,
                "<li><code>{}</code>: {}</li>",
                esc(&d.path),
                esc(&d.message)
            );
        }
        out.push_str("</ul>");
    }
    w.write_all(out.as_bytes())?;
    page_end(w)
}
