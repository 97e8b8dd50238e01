//! Text rendering of the imports document.

use crate::style::Style;
use perfaudit_model::bench::{ImportEntry, ImportsDocument, ModuleKind};
use std::io::{self, Write};

use perfaudit_model::units::fmt_us as us;

pub fn kind_name(k: ModuleKind) -> &'static str {
    match k {
        ModuleKind::Application => "application",
        ModuleKind::ThirdParty => "third-party",
        ModuleKind::Stdlib => "stdlib",
    }
}

fn table(w: &mut dyn Write, title: &str, rows: &[ImportEntry], st: Style) -> io::Result<()> {
    writeln!(w)?;
    writeln!(w, "{}", st.bold(title))?;
    writeln!(
        w,
        "  {:>10} {:>11}  {:<12} module",
        "self", "cumulative", "kind"
    )?;
    for e in rows {
        writeln!(
            w,
            "  {:>10} {:>11}  {:<12} {}",
            us(e.self_us),
            us(e.cumulative_us),
            kind_name(e.kind),
            e.module
        )?;
    }
    Ok(())
}

pub fn render(w: &mut dyn Write, doc: &ImportsDocument, style: Style) -> io::Result<()> {
    let st = style;
    writeln!(
        w,
        "{} {}  ({} {}, {} runs)",
        st.bold("import"),
        doc.module,
        doc.python,
        doc.python_version,
        doc.runs
    )?;
    let min = doc.total_us_runs.iter().min().copied().unwrap_or(0) as f64;
    let max = doc.total_us_runs.iter().max().copied().unwrap_or(0) as f64;
    writeln!(
        w,
        "  Import time (median):  {}   (range {} … {})",
        st.green(&us(doc.total_us)),
        us(min),
        us(max)
    )?;
    writeln!(
        w,
        "  Modules imported:      {}   (plus {} at interpreter start-up, {})",
        doc.modules,
        doc.startup_modules,
        us(doc.startup_us)
    )?;
    if doc.cached_hits > 0 {
        writeln!(
            w,
            "  Already imported hits: {} (-X importtime=2)",
            doc.cached_hits
        )?;
    }
    let s = &doc.split;
    writeln!(
        w,
        "  Split (self time):     application {} in {} modules · third-party {} in {} · stdlib {} in {}",
        us(s.application.self_us),
        s.application.modules,
        us(s.third_party.self_us),
        s.third_party.modules,
        us(s.stdlib.self_us),
        s.stdlib.modules
    )?;
    table(
        w,
        &format!("Top {} by self time", doc.top_self.len()),
        &doc.top_self,
        st,
    )?;
    table(
        w,
        &format!("Top {} by cumulative time", doc.top_cumulative.len()),
        &doc.top_cumulative,
        st,
    )?;
    if let Some(root) = doc.slowest_branch.first() {
        writeln!(w)?;
        writeln!(
            w,
            "{} (modules above 1% of the total)",
            st.bold("Slowest branch")
        )?;
        for e in &doc.slowest_branch {
            let indent = "  ".repeat(e.depth.saturating_sub(root.depth));
            writeln!(
                w,
                "  {:>11} {:>10}  {indent}{} {}",
                us(e.cumulative_us),
                us(e.self_us),
                e.module,
                st.dim(&format!("[{}]", kind_name(e.kind)))
            )?;
        }
    }
    Ok(())
}
