//! CSV export of the bench document: one row per command (hyperfine's columns, seconds), plus
//! peak RSS, runs and one `parameter_<name>` column per scanned parameter.

use crate::escape::csv_field;
use perfaudit_model::bench::BenchDocument;
use std::collections::BTreeSet;
use std::io::{self, Write};

pub fn render(w: &mut dyn Write, doc: &BenchDocument) -> io::Result<()> {
    let params: BTreeSet<&str> = doc
        .results
        .iter()
        .flat_map(|r| r.parameters.keys().map(String::as_str))
        .collect();
    write!(
        w,
        "command,mean_s,stddev_s,median_s,user_s,system_s,min_s,max_s,peak_rss_bytes,runs"
    )?;
    for p in &params {
        write!(w, ",{}", csv_field(&format!("parameter_{p}")))?;
    }
    writeln!(w)?;
    for r in &doc.results {
        write!(
            w,
            "{},{},{},{},{},{},{},{},{},{}",
            csv_field(&r.command),
            r.mean_s,
            r.stddev_s.map_or_else(String::new, |s| s.to_string()),
            r.median_s,
            r.user_s,
            r.system_s,
            r.min_s,
            r.max_s,
            r.peak_rss_bytes,
            r.runs
        )?;
        for p in &params {
            write!(
                w,
                ",{}",
                csv_field(r.parameters.get(*p).map_or("", String::as_str))
            )?;
        }
        writeln!(w)?;
    }
    Ok(())
}
