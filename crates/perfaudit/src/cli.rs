//! The command line as the user typed it. Each subcommand's arguments live beside its command
//! (`commands/<sub>.rs`); doc comments are the `--help` text.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

use crate::commands;

/// perfaudit: the whole performance audit of a Python web service in one binary.
///
/// Reads the code and names what makes it slow (scan), measures the running service (load,
/// bench, imports), watches the server under load (monitor), remembers every run and says
/// when one got worse (audit, report, compare).
#[derive(Debug, Parser)]
#[command(
    name = "perfaudit",
    version,
    propagate_version = true,
    max_term_width = 100
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Output format (each command lists the ones it supports in its help).
    #[arg(long, global = true, value_enum)]
    pub format: Option<Format>,

    /// Write the report to FILE (atomically) instead of stdout.
    #[arg(long, short = 'o', global = true, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Print nothing on stderr but errors.
    #[arg(long, short = 'q', global = true)]
    pub quiet: bool,

    /// Do not draw live progress on stderr.
    #[arg(long, global = true)]
    pub no_progress: bool,

    /// When to colour the output (NO_COLOR is honoured by `auto`).
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
    Markdown,
    Html,
    Sarif,
    Junit,
    Openmetrics,
    Csv,
    /// Collapsed stacks (flamegraph.pl / inferno), `perfaudit profile` only.
    Collapsed,
    /// speedscope's JSON, `perfaudit profile` only.
    Speedscope,
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::Text => "text",
            Format::Json => "json",
            Format::Markdown => "markdown",
            Format::Html => "html",
            Format::Sarif => "sarif",
            Format::Junit => "junit",
            Format::Openmetrics => "openmetrics",
            Format::Csv => "csv",
            Format::Collapsed => "collapsed",
            Format::Speedscope => "speedscope",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Static audit of a Python codebase: inventory, imports, dependencies, performance rules.
    Scan(commands::scan::ScanArgs),
    /// Explain a rule (its doc), or list every rule.
    Rule(commands::rule::RuleArgs),
    /// HTTP load test: latency percentiles, throughput, errors; thresholds for CI.
    Load(commands::load::LoadArgs),
    /// Benchmark commands (like hyperfine), with peak memory and significance tests.
    Bench(commands::bench::BenchArgs),
    /// Profile Python import time (`python -X importtime`), repeatably.
    Imports(commands::imports::ImportsArgs),
    /// Sample a process tree's resources; alerts; memory-leak verdict.
    Monitor(commands::monitor::MonitorArgs),
    /// Sampling CPU profile of a Python process tree (py-spy): top functions, flame graph.
    Profile(commands::profile::ProfileArgs),
    /// Run the whole audit from perfaudit.toml: scan, start, load, monitor, judge, report, store.
    Audit(commands::audit::AuditArgs),
    /// Re-render a stored run from the history.
    Report(commands::report::ReportArgs),
    /// Regression verdicts per metric between two stored runs.
    Compare(commands::compare::CompareArgs),
}
