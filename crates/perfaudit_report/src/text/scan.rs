//! text rendering of the scan document: findings grouped by file (ruff-like locations),
//! per-file diagnostics, then the "bundle analysis" (languages, largest files, imports,
//! dependencies) and the summary.

use crate::style::Style;
use perfaudit_model::scan::ScanReport;
use perfaudit_model::Severity;
use std::io::{self, Write};

pub use perfaudit_model::units::fmt_count as thousands;

pub use crate::units::bytes as human_bytes;

fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{} {}", thousands(n), if n == 1 { one } else { many })
}

/// Control characters in untrusted text (file names, messages) would drive the terminal.
fn clean(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .collect()
}

pub fn write<W: Write + ?Sized>(
    w: &mut W,
    r: &ScanReport,
    style: Style,
    fail_on: Severity,
) -> io::Result<()> {
    // Findings, grouped by file.
    let mut current: Option<&str> = None;
    for f in &r.findings {
        if current != Some(f.path.as_str()) {
            if current.is_some() {
                writeln!(w)?;
            }
            writeln!(w, "{}", style.bold(&clean(&f.path)))?;
            current = Some(&f.path);
        }
        let loc = format!("{}:{}", f.line, f.column);
        writeln!(
            w,
            "  {:>8}  {} {:<7} {}",
            style.dim(&loc),
            style.severity(f.severity, &style.bold(&f.code)),
            f.severity.as_str(),
            clean(&f.message)
        )?;
        if !f.help.is_empty() {
            writeln!(
                w,
                "  {:>8}  {}",
                "",
                style.dim(&format!("help: {}", clean(&f.help)))
            )?;
        }
    }
    if current.is_some() {
        writeln!(w)?;
    }

    if !r.diagnostics.is_empty() {
        writeln!(
            w,
            "{}",
            style.bold("Files that could not be fully analysed")
        )?;
        for d in &r.diagnostics {
            let loc = match (d.line, d.column) {
                (Some(l), Some(c)) => format!("{}:{l}:{c}", clean(&d.path)),
                _ => clean(&d.path),
            };
            writeln!(
                w,
                "  {} {} {}",
                loc,
                style.severity(d.severity, &format!("[{}]", d.kind.as_str())),
                clean(&d.message)
            )?;
        }
        writeln!(w)?;
    }

    // Bundle analysis.
    writeln!(
        w,
        "{}  {}: {}, {} lines, {}",
        style.bold("Bundle analysis"),
        clean(&r.root),
        plural(r.files, "file", "files"),
        thousands(r.lines),
        human_bytes(r.bytes)
    )?;
    writeln!(
        w,
        "  {:<20} {:>8} {:>11} {:>11} {:>7}",
        "language", "files", "lines", "size", "lines%"
    )?;
    for l in r.languages.iter().take(12) {
        let pct = if r.lines > 0 {
            l.lines as f64 * 100.0 / r.lines as f64
        } else {
            0.0
        };
        writeln!(
            w,
            "  {:<20} {:>8} {:>11} {:>11} {:>6.1}%",
            clean(&l.language),
            thousands(l.files),
            thousands(l.lines),
            human_bytes(l.bytes),
            pct
        )?;
    }
    if r.languages.len() > 12 {
        writeln!(w, "  ... and {} more", r.languages.len() - 12)?;
    }
    if !r.largest_files.is_empty() {
        writeln!(w, "  largest files:")?;
        for f in &r.largest_files {
            writeln!(
                w,
                "    {:>10}  {:>9} lines  {}",
                human_bytes(f.bytes),
                thousands(f.lines),
                clean(&f.path)
            )?;
        }
    }
    writeln!(
        w,
        "  python: {} modules, {} parsed",
        thousands(r.python_files),
        thousands(r.parsed_files)
    )?;

    let i = &r.imports;
    writeln!(
        w,
        "{}  {} imports of {} top-level modules: {} stdlib, {} third-party, {} first-party",
        style.bold("Imports"),
        thousands(i.total),
        thousands(i.unique),
        i.stdlib,
        i.third_party,
        i.first_party
    )?;
    if !i.most_common.is_empty() {
        let list: Vec<String> = i
            .most_common
            .iter()
            .take(10)
            .map(|m| format!("{} {}", clean(&m.module), thousands(m.count)))
            .collect();
        writeln!(w, "  most common: {}", list.join(", "))?;
    }

    let d = &r.dependencies;
    if d.manifests.is_empty() {
        writeln!(
            w,
            "{}  no manifest found (requirements*.txt, pyproject.toml, setup.cfg, setup.py): dependency checks skipped",
            style.bold("Dependencies")
        )?;
    } else {
        let dev = d.declared.iter().filter(|x| x.dev).count() as u64;
        let mapping = match &d.environment {
            Some(env) => format!("names from the environment {}", clean(env)),
            None => "names from the built-in table".to_string(),
        };
        writeln!(
            w,
            "{}  {} declared ({} dev) in {}; {}",
            style.bold("Dependencies"),
            thousands(d.declared.len() as u64),
            dev,
            d.manifests
                .iter()
                .map(|m| clean(m))
                .collect::<Vec<_>>()
                .join(", "),
            mapping
        )?;
    }

    // Summary.
    let s = &r.summary;
    writeln!(w)?;
    for c in &s.by_code {
        writeln!(
            w,
            "  {:>6}  {} {}",
            thousands(c.count),
            style.severity(c.severity, &c.code),
            c.name
        )?;
    }
    let total = s.error + s.warning + s.info;
    let mut line = format!(
        "{}: {} ({} error, {} warning, {} info)",
        if total == 0 { "No findings" } else { "Found" },
        plural(total, "finding", "findings"),
        thousands(s.error),
        thousands(s.warning),
        thousands(s.info)
    );
    if total == 0 {
        line = "No findings".to_string();
    }
    if r.suppressed > 0 {
        line.push_str(&format!(", {} suppressed", thousands(r.suppressed)));
    }
    if !r.diagnostics.is_empty() {
        line.push_str(&format!(
            ", {}",
            plural(r.diagnostics.len() as u64, "file problem", "file problems")
        ));
    }
    line.push_str(&format!(" in {} ms", thousands(r.duration_ms)));
    let failing = r.findings.iter().any(|f| f.severity >= fail_on)
        || r.diagnostics.iter().any(|d| d.severity >= fail_on);
    let painted = if failing {
        style.red(&line)
    } else {
        style.green(&line)
    };
    writeln!(w, "{}", style.bold(&painted))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(1234567), "1,234,567");
        assert_eq!(human_bytes(10), "10 B");
        assert_eq!(human_bytes(1536), "1.50 KiB");
        assert_eq!(clean("a\x1b[31mb"), "a?[31mb");
    }
}
