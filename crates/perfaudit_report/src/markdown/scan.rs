//! markdown rendering of the scan document (for PR comments and reports): summary, findings
//! table, file problems, bundle analysis. Everything from the scanned tree is escaped.

use crate::escape::markdown as esc;
use crate::text::scan::{human_bytes, thousands};
use perfaudit_model::scan::ScanReport;
use std::io::{self, Write};

pub fn write<W: Write + ?Sized>(w: &mut W, r: &ScanReport) -> io::Result<()> {
    let s = &r.summary;
    writeln!(w, "# perfaudit scan: {}\n", esc(&r.root))?;
    writeln!(
        w,
        "**{}** findings ({} error, {} warning, {} info), {} suppressed, {} file problems; {} files, {} lines, {}.\n",
        thousands(s.error + s.warning + s.info),
        s.error,
        s.warning,
        s.info,
        r.suppressed,
        r.diagnostics.len(),
        thousands(r.files),
        thousands(r.lines),
        human_bytes(r.bytes)
    )?;
    if !s.by_code.is_empty() {
        writeln!(w, "| code | rule | severity | count |\n|---|---|---|---:|")?;
        for c in &s.by_code {
            writeln!(
                w,
                "| {} | {} | {} | {} |",
                c.code,
                esc(&c.name),
                c.severity,
                c.count
            )?;
        }
        writeln!(w)?;
    }
    if !r.findings.is_empty() {
        writeln!(w, "## Findings\n")?;
        writeln!(
            w,
            "| location | code | severity | message |\n|---|---|---|---|"
        )?;
        for f in &r.findings {
            writeln!(
                w,
                "| {}:{}:{} | {} | {} | {} |",
                esc(&f.path),
                f.line,
                f.column,
                f.code,
                f.severity,
                esc(&f.message)
            )?;
        }
        writeln!(w)?;
    }
    if !r.diagnostics.is_empty() {
        writeln!(w, "## Files that could not be fully analysed\n")?;
        writeln!(w, "| path | problem | message |\n|---|---|---|")?;
        for d in &r.diagnostics {
            let loc = match d.line {
                Some(l) => format!("{}:{l}", esc(&d.path)),
                None => esc(&d.path),
            };
            writeln!(w, "| {} | {} | {} |", loc, d.kind.as_str(), esc(&d.message))?;
        }
        writeln!(w)?;
    }
    writeln!(w, "## Bundle analysis\n")?;
    writeln!(
        w,
        "| language | files | lines | size |\n|---|---:|---:|---:|"
    )?;
    for l in &r.languages {
        writeln!(
            w,
            "| {} | {} | {} | {} |",
            esc(&l.language),
            thousands(l.files),
            thousands(l.lines),
            human_bytes(l.bytes)
        )?;
    }
    writeln!(w)?;
    if !r.largest_files.is_empty() {
        writeln!(
            w,
            "Largest files:\n\n| path | size | lines |\n|---|---:|---:|"
        )?;
        for f in &r.largest_files {
            writeln!(
                w,
                "| {} | {} | {} |",
                esc(&f.path),
                human_bytes(f.bytes),
                thousands(f.lines)
            )?;
        }
        writeln!(w)?;
    }
    let i = &r.imports;
    writeln!(
        w,
        "Imports: {} of {} top-level modules ({} stdlib, {} third-party, {} first-party).\n",
        thousands(i.total),
        thousands(i.unique),
        i.stdlib,
        i.third_party,
        i.first_party
    )?;
    if !i.most_common.is_empty() {
        writeln!(
            w,
            "| module | kind | imports | files |\n|---|---|---:|---:|"
        )?;
        for m in &i.most_common {
            writeln!(
                w,
                "| {} | {} | {} | {} |",
                esc(&m.module),
                m.kind.as_str(),
                m.count,
                m.files
            )?;
        }
        writeln!(w)?;
    }
    let d = &r.dependencies;
    if d.manifests.is_empty() {
        writeln!(
            w,
            "Dependencies: no manifest found; dependency checks skipped."
        )?;
    } else {
        writeln!(
            w,
            "Dependencies: {} declared ({} dev) in {}.",
            d.declared.len(),
            d.declared.iter().filter(|x| x.dev).count(),
            d.manifests
                .iter()
                .map(|m| esc(m))
                .collect::<Vec<_>>()
                .join(", ")
        )?;
    }
    Ok(())
}
