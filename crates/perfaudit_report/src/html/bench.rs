//! The HTML page of a `perfaudit bench` document (`perfaudit/bench/v1`).

use super::{page_end, page_start, sections};
use crate::escape::html as esc;
use perfaudit_model::bench::BenchDocument;
use std::fmt::Write as _;
use std::io::{self, Write};

pub fn write(w: &mut dyn Write, doc: &BenchDocument) -> io::Result<()> {
    page_start(w, "perfaudit bench")?;
    let mut out = String::from("<h1>Benchmarks</h1>");
    let rows: Vec<_> = doc
        .results
        .iter()
        .enumerate()
        .map(|(i, r)| {
            perfaudit_model::project::bench_section(&format!("#{}", i + 1), &r.command, r)
        })
        .collect();
    sections::bench(&mut out, &rows);
    if !doc.comparisons.is_empty() {
        out.push_str(r#"<h2>Comparisons</h2><table class="sortable"><thead><tr><th>command</th><th>vs</th><th>ratio</th><th>p-value</th><th>significant</th></tr></thead><tbody>"#);
        for c in &doc.comparisons {
            let _ = write!(
                out,
                r#"<tr><td><code>{}</code></td><td><code>{}</code></td><td class="n">{:.2} ± {:.2}</td><td class="n">{:.2e}</td><td>{}</td></tr>"#,
                esc(&c.command),
                esc(&c.reference),
                c.ratio,
                c.ratio_stddev,
                c.p_value,
                if c.significant { "yes" } else { "no" }
            );
        }
        out.push_str("</tbody></table>");
    }
    for r in doc.results.iter().filter(|r| !r.warnings.is_empty()) {
        for warning in &r.warnings {
            let _ = write!(
                out,
                r#"<div class="note"><code>{}</code>: {}</div>"#,
                esc(&r.command),
                esc(warning)
            );
        }
    }
    w.write_all(out.as_bytes())?;
    page_end(w)
}
