//! `perfaudit rule [CODE]`: explain a rule (its doc), or list every rule.

use crate::cli::Format;
use crate::exit::Status;
use crate::output::OutputPolicy;
use clap::Args;
use perfaudit_scan::rules::codes::{self, RuleMeta, RULES};
use perfaudit_scan::rules::docs::RuleDoc;
use serde_json::json;
use std::io::{self, Write};

#[derive(Debug, Args)]
pub struct RuleArgs {
    /// A rule code (`PA301`) to explain, or a prefix (`PA3`) to list a group. Without it, every
    /// rule is listed (code, name, group, default severity).
    #[arg(value_name = "CODE")]
    pub code: Option<String>,

    /// Print the full doc of every rule (or of every rule the prefix matches).
    #[arg(long)]
    pub all: bool,
}

pub fn run(args: RuleArgs, out: &OutputPolicy) -> anyhow::Result<Status> {
    let format = out.format_or(
        Format::Text,
        &[Format::Text, Format::Markdown, Format::Json],
    )?;
    let selected: Vec<&'static RuleMeta> = match &args.code {
        None => RULES.iter().collect(),
        Some(c) => match codes::matching(c) {
            Some(m) => m.iter().map(|r| r.meta()).collect(),
            None => {
                let hint = codes::suggest(c)
                    .map(|s| format!("; did you mean `{s}`?"))
                    .unwrap_or_default();
                anyhow::bail!(
                    "unknown rule `{c}`{hint} (run `perfaudit rule` to list the {} rules)",
                    RULES.len()
                );
            }
        },
    };
    let exact = args.code.as_deref().and_then(codes::lookup).is_some();
    let full = args.all || exact;
    out.emit(|w| match format {
        Format::Json => write_json(w, &selected, full),
        Format::Markdown => write_markdown(w, &selected, full),
        _ => write_text(w, &selected, full, out.color),
    })?;
    Ok(Status::Success)
}

fn doc_of(r: &RuleMeta) -> &'static RuleDoc {
    r.doc
}

/// How a rule is enabled, for the full doc: by default, or only when selected (and why).
fn enablement(r: &RuleMeta) -> String {
    match r.opt_in {
        Some(why) => format!(
            "Opt-in: runs only when selected by its code (`--select {}`) or by `--select ALL`, \
not by default nor by a prefix, because {why}.",
            r.code
        ),
        None => "Enabled by default.".to_string(),
    }
}

fn write_json(w: &mut dyn Write, rules: &[&RuleMeta], full: bool) -> io::Result<()> {
    let items: Vec<serde_json::Value> = rules
        .iter()
        .map(|r| {
            let mut v = json!({
                "code": r.code,
                "name": r.name,
                "group": r.group.letter().to_string(),
                "group_title": r.group.title(),
                "severity": r.severity.as_str(),
                "stage": r.stage.as_str(),
                "opt_in": r.opt_in.is_some(),
            });
            if let Some(why) = r.opt_in {
                v["opt_in_reason"] = json!(why);
            }
            if full {
                let d = doc_of(r);
                v["doc"] = json!({
                    "what": d.what,
                    "why": d.why,
                    "example": d.example,
                    "use_instead": d.use_instead,
                    "limits": d.limits,
                });
            }
            v
        })
        .collect();
    let doc = json!({ "schema": "perfaudit/rules/v1", "rules": items });
    serde_json::to_writer_pretty(&mut *w, &doc)?;
    writeln!(w)
}

fn write_markdown(w: &mut dyn Write, rules: &[&RuleMeta], full: bool) -> io::Result<()> {
    if !full {
        writeln!(w, "| code | name | group | severity |")?;
        writeln!(w, "|---|---|---|---|")?;
        for r in rules {
            writeln!(w, "{}", r.catalog_row())?;
        }
        return Ok(());
    }
    for (i, r) in rules.iter().enumerate() {
        if i > 0 {
            writeln!(w)?;
        }
        let d = doc_of(r);
        writeln!(w, "## {} {}", r.code, r.name)?;
        writeln!(w)?;
        writeln!(
            w,
            "Group {} ({}), default severity **{}**.",
            r.group.letter(),
            r.group.title(),
            r.severity.as_str()
        )?;
        writeln!(w)?;
        writeln!(w, "{}", enablement(r))?;
        for (title, text, code) in sections(d) {
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

fn sections(d: &RuleDoc) -> [(&'static str, &'static str, bool); 5] {
    [
        ("What it does", d.what, false),
        ("Why is this bad?", d.why, false),
        ("Example", d.example, true),
        ("Use instead", d.use_instead, true),
        ("Known limits", d.limits, false),
    ]
}

fn write_text(w: &mut dyn Write, rules: &[&RuleMeta], full: bool, color: bool) -> io::Result<()> {
    let (bold, dim, reset) = if color {
        ("\x1b[1m", "\x1b[2m", "\x1b[0m")
    } else {
        ("", "", "")
    };
    if !full {
        let width = rules.iter().map(|r| r.name.len()).max().unwrap_or(0);
        let mut group = None;
        for r in rules {
            if group != Some(r.group) {
                if group.is_some() {
                    writeln!(w)?;
                }
                writeln!(w, "{bold}{}. {}{reset}", r.group.letter(), r.group.title())?;
                group = Some(r.group);
            }
            let opt_in = if r.opt_in.is_some() { " (opt-in)" } else { "" };
            writeln!(
                w,
                "  {bold}{}{reset}  {:<width$}  {dim}{}{opt_in}{reset}",
                r.code,
                r.name,
                r.severity.as_str()
            )?;
        }
        return Ok(());
    }
    for (i, r) in rules.iter().enumerate() {
        if i > 0 {
            writeln!(w, "\n")?;
        }
        let d = doc_of(r);
        writeln!(w, "{bold}{} {}{reset}", r.code, r.name)?;
        writeln!(
            w,
            "{dim}Group {} ({}) · default severity: {}{reset}",
            r.group.letter(),
            r.group.title(),
            r.severity.as_str()
        )?;
        for line in wrap(&enablement(r), 94) {
            writeln!(w, "{dim}{line}{reset}")?;
        }
        for (title, text, code) in sections(d) {
            writeln!(w)?;
            writeln!(w, "{bold}{title}{reset}")?;
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
