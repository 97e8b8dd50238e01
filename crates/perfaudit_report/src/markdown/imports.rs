//! Markdown rendering of the imports document.

use crate::escape;
use crate::text::imports::kind_name;
use perfaudit_model::bench::{ImportEntry, ImportsDocument};
use std::io::{self, Write};

fn ms(us: f64) -> String {
    format!("{:.2}", us / 1000.0)
}

fn table(w: &mut dyn Write, title: &str, rows: &[ImportEntry]) -> io::Result<()> {
    writeln!(w)?;
    writeln!(w, "### {title}")?;
    writeln!(w)?;
    writeln!(w, "| Module | Self [ms] | Cumulative [ms] | Kind |")?;
    writeln!(w, "|:---|---:|---:|:---|")?;
    for e in rows {
        writeln!(
            w,
            "| {} | {} | {} | {} |",
            escape::markdown(&e.module),
            ms(e.self_us),
            ms(e.cumulative_us),
            kind_name(e.kind)
        )?;
    }
    Ok(())
}

pub fn render(w: &mut dyn Write, doc: &ImportsDocument) -> io::Result<()> {
    writeln!(
        w,
        "## Import profile of `{}`",
        escape::markdown(&doc.module)
    )?;
    writeln!(w)?;
    writeln!(
        w,
        "{} {}, {} fresh processes (`-X importtime`).",
        escape::markdown(&doc.python),
        escape::markdown(&doc.python_version),
        doc.runs
    )?;
    writeln!(w)?;
    writeln!(w, "| Metric | Value |")?;
    writeln!(w, "|:---|---:|")?;
    writeln!(w, "| Import time (median) | {} ms |", ms(doc.total_us))?;
    writeln!(w, "| Modules imported | {} |", doc.modules)?;
    writeln!(
        w,
        "| Interpreter start-up imports | {} modules, {} ms |",
        doc.startup_modules,
        ms(doc.startup_us)
    )?;
    let s = &doc.split;
    for (name, g) in [
        ("Application", &s.application),
        ("Third-party", &s.third_party),
        ("Standard library", &s.stdlib),
    ] {
        writeln!(
            w,
            "| {name} | {} modules, {} ms self |",
            g.modules,
            ms(g.self_us)
        )?;
    }
    table(w, "Slowest by self time", &doc.top_self)?;
    table(w, "Slowest by cumulative time", &doc.top_cumulative)?;
    if let Some(root) = doc.slowest_branch.first() {
        writeln!(w)?;
        writeln!(w, "### Slowest branch")?;
        writeln!(w)?;
        for e in &doc.slowest_branch {
            writeln!(
                w,
                "{}- {} — {} ms ({} ms self, {})",
                "  ".repeat(e.depth.saturating_sub(root.depth)),
                escape::markdown(&e.module),
                ms(e.cumulative_us),
                ms(e.self_us),
                kind_name(e.kind)
            )?;
        }
    }
    Ok(())
}
