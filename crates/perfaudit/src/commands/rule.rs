//! `perfaudit rule [CODE]`: explain a rule (its doc), or list every rule. The registry's rows
//! become a `perfaudit/rules/v1` document; the report crate renders it.

use crate::cli::format_parser;
use crate::exit::Status;
use crate::output::OutputPolicy;
use clap::Args;
use perfaudit_model::rules::{RuleDocText, RuleEntry, RulesDocument};
use perfaudit_report::style::Style;
use perfaudit_report::RulesFormat;
use perfaudit_scan::rules::codes::{self, RuleMeta, RULES};

#[derive(Debug, Args)]
pub(crate) struct RuleArgs {
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

pub(crate) fn run(args: RuleArgs, out: &OutputPolicy) -> anyhow::Result<Status> {
    let format = out.format(args.format)?;
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
        stage: r.stage.as_str().to_string(),
        opt_in: r.opt_in.is_some(),
        opt_in_reason: r.opt_in.map(str::to_string),
        doc: full.then(|| RuleDocText {
            what: r.doc.what.to_string(),
            why: r.doc.why.to_string(),
            example: r.doc.example.to_string(),
            use_instead: r.doc.use_instead.to_string(),
            limits: r.doc.limits.to_string(),
        }),
    }
}
