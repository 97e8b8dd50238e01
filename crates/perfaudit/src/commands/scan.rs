//! `perfaudit scan [PATH]`: arguments + configuration -> `ScanSettings` -> engine -> renderer ->
//! exit status.
//!
//! Exit status: 2 when part of the input could not be read at all (an unreadable file or
//! directory, a bad configuration) — the scan is incomplete; otherwise 1 when a finding or a
//! per-file diagnostic (syntax error, not UTF-8, ...) is at or above `--fail-on`, unless
//! `--exit-zero`; otherwise 0.

use crate::cli::format_parser;
use crate::exit::Status;
use crate::output::OutputPolicy;
use anyhow::Context;
use clap::Args;
use perfaudit_model::scan::{DiagnosticKind, ScanReport};
use perfaudit_model::Severity;
use perfaudit_report::render::ScanOptions;
use perfaudit_report::sarif::RuleDescriptor;
use perfaudit_report::style::Style;
use perfaudit_report::ScanFormat;
use perfaudit_scan::rules::codes;
use perfaudit_scan::{config, CliOverrides, Progress, ScanSettings};
use std::path::PathBuf;

#[derive(Debug, Args)]
pub(crate) struct ScanArgs {
    /// Directory (or single file) to scan.
    #[arg(default_value = ".")]
    pub path: PathBuf,

    /// Run only these rules: codes or prefixes (`PA503`, `PA5`, `ALL`), comma-separated or repeated.
    #[arg(long, value_name = "CODES", value_delimiter = ',')]
    pub select: Vec<String>,

    /// Do not run these rules: codes or prefixes, comma-separated or repeated.
    #[arg(long, value_name = "CODES", value_delimiter = ',')]
    pub ignore: Vec<String>,

    /// Skip paths matching GLOB (relative to PATH; `migrations`, `tests/**`, `*_pb2.py`). Repeatable.
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,

    /// Fail (exit 1) on findings of this severity or worse [default: warning].
    #[arg(long, value_name = "SEVERITY", value_parser = parse_severity)]
    pub fail_on: Option<Severity>,

    /// Exit 0 even when there are findings (unreadable input still exits 2).
    #[arg(long)]
    pub exit_zero: bool,

    /// Read settings from this file ([scan] table; [tool.perfaudit] for a pyproject.toml)
    /// instead of PATH/perfaudit.toml or PATH/pyproject.toml.
    #[arg(long, value_name = "FILE", conflicts_with = "isolated")]
    pub config: Option<PathBuf>,

    /// Ignore every configuration file.
    #[arg(long)]
    pub isolated: bool,

    /// Python environment (virtualenv root) whose installed metadata maps distributions to
    /// import names [default: PATH/.venv, PATH/venv, $VIRTUAL_ENV].
    #[arg(long, value_name = "DIR")]
    pub python_env: Option<PathBuf>,

    /// Output format.
    #[arg(long, value_name = "FORMAT", value_parser = format_parser::<ScanFormat>())]
    pub format: Option<ScanFormat>,
}

fn parse_severity(s: &str) -> Result<Severity, String> {
    s.parse()
}

pub(crate) fn run(args: ScanArgs, out: &OutputPolicy) -> anyhow::Result<Status> {
    let format = out.format(args.format)?;
    let loaded = if args.isolated {
        None
    } else {
        config::load(&args.path, args.config.as_deref())?
    };
    let cli = CliOverrides {
        select: args.select.clone(),
        ignore: args.ignore.clone(),
        exclude: args.exclude.clone(),
        fail_on: args.fail_on,
        python_env: args.python_env.clone(),
    };
    let settings = ScanSettings::resolve(&cli, loaded.as_ref().map(|l| &l.config)).map_err(
        |e| match &loaded {
            Some(l) => anyhow::anyhow!("{}: {e}", l.path.display()),
            None => anyhow::anyhow!(e),
        },
    )?;
    if !args.path.exists() {
        anyhow::bail!("{}: no such file or directory", args.path.display());
    }

    let bar = out.spinner(
        "{spinner} {msg} {wide_bar} {pos}/{len}",
        std::time::Duration::from_millis(100),
    );
    if let Some(pb) = &bar {
        pb.set_message("walking");
    }
    let progress = |p: Progress| {
        if let Some(pb) = &bar {
            match p {
                Progress::Walked { python, .. } => {
                    pb.set_length(python);
                    pb.set_message("checking");
                }
                Progress::Checked { done, .. } => pb.set_position(done),
            }
        }
    };
    let report = perfaudit_scan::scan(&args.path, &settings, &progress);
    if let Some(pb) = bar {
        pb.finish_and_clear();
    }

    let rules = rule_descriptors();
    let options = ScanOptions {
        style: Style::new(out.color),
        fail_on: settings.fail_on,
        rules: &rules,
    };
    out.emit(|w| perfaudit_report::render::scan(w, &report, format, &options))
        .context("cannot write the report")?;
    Ok(status(&report, settings.fail_on, args.exit_zero))
}

fn rule_descriptors() -> Vec<RuleDescriptor> {
    codes::RULES
        .iter()
        .map(|r| RuleDescriptor {
            code: r.code.to_string(),
            name: r.name.to_string(),
            severity: r.severity,
            group: r.group.title().to_string(),
        })
        .collect()
}

/// The exit status of a scan (see the module doc).
pub(crate) fn status(report: &ScanReport, fail_on: Severity, exit_zero: bool) -> Status {
    if report
        .diagnostics
        .iter()
        .any(|d| d.kind == DiagnosticKind::Unreadable)
    {
        return Status::Error;
    }
    if exit_zero {
        return Status::Success;
    }
    let failing = report.findings.iter().any(|f| f.severity >= fail_on)
        || report.diagnostics.iter().any(|d| d.severity >= fail_on);
    if failing {
        Status::Failure
    } else {
        Status::Success
    }
}
