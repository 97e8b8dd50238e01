//! The HTML page of a `perfaudit monitor` report (`perfaudit/monitor/v1`).

use super::{page_end, page_start, sections};
use crate::escape::html as esc;
use perfaudit_model::monitor::MonitorReport;
use std::fmt::Write as _;
use std::io::{self, Write};

pub fn write(w: &mut dyn Write, doc: &MonitorReport) -> io::Result<()> {
    let cmd = doc.target.command.join(" ");
    page_start(w, &format!("perfaudit monitor — pid {}", doc.target.pid))?;
    let section = perfaudit_model::project::monitor_section(doc, doc.started_unix_ms);
    let mut out = String::new();
    let _ = write!(
        out,
        r#"<h1>Monitor: pid {} <code>{}</code></h1><p class="sub">{:.1}s, a sample every {:.0}ms, ended: {}</p>"#,
        doc.target.pid,
        esc(&cmd),
        doc.duration_s,
        doc.interval_ms,
        esc(doc.ended.as_str())
    );
    sections::timeline(&mut out, &[], Some(&section));
    sections::monitor_summary(&mut out, &section);
    for warning in &doc.warnings {
        let _ = write!(out, r#"<div class="note">{}</div>"#, esc(warning));
    }
    w.write_all(out.as_bytes())?;
    page_end(w)
}
