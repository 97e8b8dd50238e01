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

#[cfg(test)]
mod tests {
    use super::*;
    use perfaudit_model::bench::{BenchMode, BenchResult};

    pub(crate) fn result(command: &str, mean: f64) -> BenchResult {
        BenchResult {
            command: command.into(),
            parameters: [("n".to_string(), "1".to_string())].into(),
            mode: BenchMode::Wall,
            ready_url: None,
            runs: 2,
            mean_s: mean,
            stddev_s: Some(0.5),
            median_s: mean,
            min_s: mean - 0.5,
            max_s: mean + 0.5,
            user_s: 0.25,
            system_s: 0.125,
            peak_rss_bytes: 4096,
            times_s: vec![mean - 0.5, mean + 0.5],
            user_times_s: vec![0.25, 0.25],
            system_times_s: vec![0.125, 0.125],
            peak_rss_runs_bytes: vec![4096, 4096],
            exit_codes: vec![Some(0), Some(0)],
            signals: vec![None, None],
            outliers: vec![],
            shell_overhead_s: 0.0,
            warnings: vec![],
        }
    }

    #[test]
    fn quotes_commands_and_adds_parameter_columns() {
        let doc = BenchDocument::new(vec![result("echo \"a,b\"", 1.5)], vec![]);
        let mut out = Vec::new();
        render(&mut out, &doc).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "command,mean_s,stddev_s,median_s,user_s,system_s,min_s,max_s,peak_rss_bytes,runs,parameter_n\n\
             \"echo \"\"a,b\"\"\",1.5,0.5,1.5,0.25,0.125,1,2,4096,2,1\n"
        );
    }

    #[test]
    fn markdown_escapes_commands() {
        let doc = BenchDocument::new(vec![result("cat x | grep <b>", 1.5)], vec![]);
        let mut out = Vec::new();
        crate::markdown::bench::render(&mut out, &doc).unwrap();
        let md = String::from_utf8(out).unwrap();
        assert!(md.contains("| cat x \\| grep &lt;b&gt; | 1.5 ± 0.5 | 1.0 | 2.0 | 1.00 | 0.2 | 0.1 | 4.00 KiB | 2 |"), "{md}");
    }
}
