//! `perfaudit compare BASE HEAD`: regression verdicts per metric between two stored runs.
//! Exit 1 when a metric regressed significantly.

use crate::audit::{compare::compare, locate_history};
use crate::cli::format_parser;
use crate::exit::Status;
use crate::output::OutputPolicy;
use clap::Args;
use perfaudit_history::{History, RunRef};
use perfaudit_model::units::parse_fraction;
use perfaudit_report::render::CompareOptions;
use perfaudit_report::style::Style;
use perfaudit_report::CompareFormat;
use std::path::PathBuf;

#[derive(Debug, Args)]
#[command(
    after_help = "Exit: 0 no significant regression, 1 a metric regressed, 2 unknown run or (--strict-env) different environments."
)]
pub(crate) struct CompareArgs {
    /// The base run: an id, `last`, `last~N` or `baseline`.
    #[arg(value_name = "BASE")]
    pub base: RunRef,

    /// The head run: an id, `last`, `last~N` or `baseline`.
    #[arg(value_name = "HEAD")]
    pub head: RunRef,

    /// Project directory: its perfaudit.toml names the history, the project and the
    /// regression settings [default: .].
    #[arg(long, short = 'C', value_name = "DIR")]
    pub dir: Option<PathBuf>,

    /// The history database (instead of the one the project's config names).
    #[arg(long, value_name = "FILE")]
    pub history: Option<PathBuf>,

    /// Relative change that counts, e.g. `20%` [default: `[regression] threshold`, else 20%].
    #[arg(long, value_name = "PCT")]
    pub threshold: Option<String>,

    /// Significance level of the Mann-Whitney test [default: `[regression] significance`, else 0.01].
    #[arg(long, value_name = "ALPHA")]
    pub significance: Option<f64>,

    /// Judge only these metrics (repeatable).
    #[arg(long = "metric", value_name = "NAME")]
    pub metrics: Vec<String>,

    /// Refuse (exit 2) when the two runs were measured in different environments.
    #[arg(long)]
    pub strict_env: bool,

    /// Show every metric, also the unchanged ones (text format).
    #[arg(long)]
    pub all: bool,

    /// Output format.
    #[arg(long, value_name = "FORMAT", value_parser = format_parser::<CompareFormat>())]
    pub format: Option<CompareFormat>,
}

pub(crate) fn run(args: CompareArgs, out: &OutputPolicy) -> anyhow::Result<Status> {
    let format = out.format(args.format)?;
    let (path, settings) = locate_history(args.dir.as_deref(), args.history.as_deref())?;
    let project = settings.as_ref().map(|s| s.project.clone());
    let h = History::open_existing(&path)?;
    let base = h.load(&args.base, project.as_deref())?;
    let head = h.load(&args.head, project.as_deref())?;
    let reg = settings.as_ref().map(|s| &s.regression);
    let threshold = match &args.threshold {
        Some(t) => parse_fraction(t).map_err(|e| anyhow::anyhow!("--threshold: {e}"))?,
        None => reg.map_or(0.2, |r| r.threshold),
    };
    let alpha = args
        .significance
        .unwrap_or_else(|| reg.map_or(0.01, |r| r.alpha));
    if !(alpha > 0.0 && alpha < 1.0) {
        anyhow::bail!("--significance must be between 0 and 1");
    }
    let only: Option<Vec<String>> = if args.metrics.is_empty() {
        reg.and_then(|r| r.metrics.clone())
    } else {
        Some(args.metrics.clone())
    };
    let doc = compare(&base, &head, threshold, alpha, only.as_deref());
    let strict = args.strict_env || reg.is_some_and(|r| r.refuse_other_environment);
    if !doc.environment_differences.is_empty() {
        if strict {
            anyhow::bail!(
                "runs #{} and #{} were measured in different environments: {}",
                base.id,
                head.id,
                doc.environment_differences.join("; ")
            );
        }
        if !out.quiet {
            out.note(format!(
                "perfaudit: WARNING: runs #{} and #{} were measured in different environments; differences may come from the machine, not the code:\n  {}",
                base.id,
                head.id,
                doc.environment_differences.join("\n  ")
            ));
        }
    }
    let options = CompareOptions {
        style: Style::new(out.color),
        changed_only: !args.all,
    };
    out.emit(|w| perfaudit_report::render::compare(w, &doc, format, options))?;
    Ok(if doc.regressed {
        Status::Failure
    } else {
        Status::Success
    })
}
