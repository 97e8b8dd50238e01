//! Markdown rendering of the rule catalog (`perfaudit rule --format markdown`). Its text is
//! the registry's own (not untrusted input), so it is written as is.

use perfaudit_model::rules::RulesDocument;
use std::io::{self, Write};

pub fn write(w: &mut dyn Write, doc: &RulesDocument) -> io::Result<()> {
    if !doc.full() {
        writeln!(w, "| code | name | group | severity |")?;
        writeln!(w, "|---|---|---|---|")?;
        for r in &doc.rules {
            let opt_in = if r.opt_in { " (opt-in)" } else { "" };
            writeln!(
                w,
                "| {} | {} | {}. {} | {}{opt_in} |",
                r.code,
                r.name,
                r.group,
                r.group_title,
                r.severity.as_str()
            )?;
        }
        return Ok(());
    }
    for (i, r) in doc.rules.iter().enumerate() {
        if i > 0 {
            writeln!(w)?;
        }
        writeln!(w, "## {} {}", r.code, r.name)?;
        writeln!(w)?;
        writeln!(
            w,
            "Group {} ({}), default severity **{}**.",
            r.group,
            r.group_title,
            r.severity.as_str()
        )?;
        writeln!(w)?;
        writeln!(w, "{}", r.enablement())?;
        let Some(d) = &r.doc else { continue };
        for (title, text, code) in crate::text::rules::sections(d) {
            writeln!(w)?;
            writeln!(w, "### {title}")?;
            writeln!(w)?;
            if code {
                writeln!(w, "```python\n{text}\n```")?;
            } else {
                writeln!(w, "{text}")?;
            }
        }
    }
    Ok(())
}
