//! Text rendering of the rule catalog (`perfaudit rule`): a list grouped by rule group, or
//! each rule's doc in `ruff rule`'s sections.

use crate::style::Style;
use perfaudit_model::rules::{RuleDocText, RulesDocument};
use std::io::{self, Write};

/// The doc sections in print order: title, text, whether the text is code.
pub(crate) fn sections(d: &RuleDocText) -> [(&'static str, &str, bool); 5] {
    [
        ("What it does", &d.what, false),
        ("Why is this bad?", &d.why, false),
        ("Example", &d.example, true),
        ("Use instead", &d.use_instead, true),
        ("Known limits", &d.limits, false),
    ]
}

pub fn write(w: &mut dyn Write, doc: &RulesDocument, st: &Style) -> io::Result<()> {
    if !doc.full() {
        let width = doc.rules.iter().map(|r| r.name.len()).max().unwrap_or(0);
        let mut group: Option<&str> = None;
        for r in &doc.rules {
            if group != Some(r.group.as_str()) {
                if group.is_some() {
                    writeln!(w)?;
                }
                writeln!(w, "{}", st.bold(&format!("{}. {}", r.group, r.group_title)))?;
                group = Some(&r.group);
            }
            let opt_in = if r.opt_in { " (opt-in)" } else { "" };
            writeln!(
                w,
                "  {}  {:<width$}  {}",
                st.bold(&r.code),
                r.name,
                st.dim(&format!("{}{opt_in}", r.severity.as_str()))
            )?;
        }
        return Ok(());
    }
    for (i, r) in doc.rules.iter().enumerate() {
        if i > 0 {
            writeln!(w, "\n")?;
        }
        writeln!(w, "{}", st.bold(&format!("{} {}", r.code, r.name)))?;
        writeln!(
            w,
            "{}",
            st.dim(&format!(
                "Group {} ({}) · default severity: {}",
                r.group,
                r.group_title,
                r.severity.as_str()
            ))
        )?;
        for line in wrap(&r.enablement(), 94) {
            writeln!(w, "{}", st.dim(&line))?;
        }
        let Some(d) = &r.doc else { continue };
        for (title, text, code) in sections(d) {
            writeln!(w)?;
            writeln!(w, "{}", st.bold(title))?;
            if code {
                for line in text.lines() {
                    writeln!(w, "    {line}")?;
                }
            } else {
                for line in wrap(text, 92) {
                    writeln!(w, "  {line}")?;
                }
            }
        }
    }
    Ok(())
}

/// Greedy word wrap.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut cur = String::new();
    for word in text.split_whitespace() {
        if !cur.is_empty() && cur.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut cur));
        }
        if !cur.is_empty() {
            cur.push(' ');
        }
        cur.push_str(word);
    }
    if !cur.is_empty() {
        lines.push(cur);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::wrap;

    #[test]
    fn wraps_on_words() {
        assert_eq!(wrap("aa bb cc", 5), vec!["aa bb", "cc"]);
        assert!(wrap("", 5).is_empty());
    }
}
