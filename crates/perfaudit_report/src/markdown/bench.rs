//! Markdown rendering of the bench document: hyperfine's table plus CPU, peak RSS and the
//! significance of each comparison.

use crate::escape;
use crate::text::bench::{comparison_sentence, fmt_bytes};
use perfaudit_model::bench::BenchDocument;
use std::io::{self, Write};

/// The time unit for the whole table, chosen from the fastest mean.
fn unit(doc: &BenchDocument) -> (&'static str, f64) {
    let fastest = doc
        .results
        .iter()
        .map(|r| r.mean_s)
        .fold(f64::INFINITY, f64::min);
    if fastest < 1e-3 {
        ("µs", 1e6)
    } else if fastest < 1.0 {
        ("ms", 1e3)
    } else {
        ("s", 1.0)
    }
}

pub fn render(w: &mut dyn Write, doc: &BenchDocument) -> io::Result<()> {
    let (u, k) = unit(doc);
    writeln!(
        w,
        "| Command | Mean [{u}] | Min [{u}] | Max [{u}] | Relative | User [{u}] | System [{u}] | Peak RSS | Runs |"
    )?;
    writeln!(w, "|:---|---:|---:|---:|---:|---:|---:|---:|---:|")?;
    let reference = doc.comparisons.first().map(|c| c.reference.as_str());
    for r in &doc.results {
        let relative = if Some(r.command.as_str()) == reference || doc.comparisons.is_empty() {
            "1.00".to_string()
        } else {
            doc.comparisons
                .iter()
                .find(|c| c.command == r.command)
                .map_or_else(
                    || "".to_string(),
                    |c| {
                        let mark = if c.significant { "" } else { " (n.s.)" };
                        format!("{:.2} ± {:.2}{mark}", c.ratio, c.ratio_stddev)
                    },
                )
        };
        let sd = r
            .stddev_s
            .map_or_else(String::new, |s| format!(" ± {:.1}", s * k));
        writeln!(
            w,
            "| {} | {:.1}{sd} | {:.1} | {:.1} | {relative} | {:.1} | {:.1} | {} | {} |",
            escape::markdown(&r.command),
            r.mean_s * k,
            r.min_s * k,
            r.max_s * k,
            r.user_s * k,
            r.system_s * k,
            fmt_bytes(r.peak_rss_bytes),
            r.runs
        )?;
    }
    if let Some(first) = doc.comparisons.first() {
        writeln!(w)?;
        writeln!(w, "{} ran", escape::markdown(&first.reference))?;
        writeln!(w)?;
        for c in &doc.comparisons {
            writeln!(w, "- {}", escape::markdown(&comparison_sentence(c)))?;
        }
    }
    let warnings: Vec<String> = doc
        .results
        .iter()
        .flat_map(|r| {
            r.warnings.iter().map(move |x| {
                format!(
                    "- {}: {}",
                    escape::markdown(&r.command),
                    escape::markdown(x)
                )
            })
        })
        .collect();
    if !warnings.is_empty() {
        writeln!(w)?;
        writeln!(w, "**Warnings**")?;
        writeln!(w)?;
        for x in warnings {
            writeln!(w, "{x}")?;
        }
    }
    Ok(())
}
