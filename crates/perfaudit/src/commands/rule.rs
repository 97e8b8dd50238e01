//! `perfaudit rule [CODE]`: explain a rule (its doc), or list every rule. The registry's rows
//! become a `perfaudit/rules/v1` document; the report crate renders it.

use crate::cli::format_parser;
use crate::exit::Status;
use crate::output::OutputPolicy;
use clap::Args;
use perfaudit_model::rules::{RuleDocText, RuleEntry, RulesDocument};
use perfaudit_report::style::Style;
use perfaudit_report::RulesFormat;
use perfaudit_scan::rules::codes::{self, RuleMeta};
use perfaudit_scan::rules::docs;

#[derive(Debug, Args)]
pub struct RuleArgs {
    /// A rule code (`PA301`) to explain, or a prefix (`PA3`) to list a group. Without it, every
    /// rule is listed (code, name, group, default severity).
    #[arg(value_name = "CODE")]
    pub code: Option<String>,

    /// Print the full doc of every rule (or of every rule the prefix matches).
    #[arg(long)]
    pub all: bool,

    /// Output format.
    #[arg(long, value_name = "FORMAT", value_parser = format_parser::<RulesFormat>())]
    pub format: Option<RulesFormat>,
}

pub fn run(args: RuleArgs, out: &OutputPolicy) -> anyhow::Result<Status> {
    let format = out.format(args.format)?;
    let selected: Vec<&'static RuleMeta> = match &args.code {
        None => codes::RULES.iter().collect(),
        Some(c) => {
            let m = codes::matching(c);
            if m.is_empty() {
                anyhow::bail!(
                    "unknown rule `{c}` (run `perfaudit rule` to list the {} rules)",
                    codes::RULES.len()
                );
            }
            m
        }
    };
    let exact = args.code.as_deref().and_then(codes::lookup).is_some();
    let full = args.all || exact;
    let doc = RulesDocument::new(selected.iter().map(|r| entry(r, full)).collect());
    out.emit(|w| perfaudit_report::render::rules(w, &doc, format, Style::new(out.color)))?;
    Ok(Status::Success)
}

/// One registry row as a catalog entry, with its doc when `full`.
fn entry(r: &RuleMeta, full: bool) -> RuleEntry {
    RuleEntry {
        code: r.code.to_string(),
        name: r.name.to_string(),
        group: r.group.letter().to_string(),
        group_title: r.group.title().to_string(),
        severity: r.severity,
        doc: full.then(|| {
            let d = docs::doc(r.code).expect("every code has a doc (tested)");
            RuleDocText {
                what: d.what.to_string(),
                why: d.why.to_string(),
                example: d.example.to_string(),
                use_instead: d.use_instead.to_string(),
                limits: d.limits.to_string(),
            }
        }),
    }
}
