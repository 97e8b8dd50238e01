//! The command line as the user typed it. Each subcommand's arguments live beside its command
//! (`commands/<sub>.rs`); doc comments are the `--help` text.

use clap::builder::{PossibleValue, TypedValueParser};
use clap::{Args, Parser, Subcommand, ValueEnum};
use perfaudit_report::DocumentFormat;
use std::ffi::OsStr;
use std::marker::PhantomData;
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
pub(crate) struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub(crate) struct GlobalArgs {
    /// Output format, before the subcommand (`perfaudit --format json scan`); each command's
    /// own `--format` lists the formats it supports.
    #[arg(long = "format", value_name = "FORMAT", hide = true)]
    pub format: Option<String>,

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

/// The `--format` parser of one kind of document: its possible values, and so the command's
/// `--help`, are the kind's list of formats (`perfaudit_report::format`), nothing else.
pub(crate) fn format_parser<K: DocumentFormat>() -> FormatParser<K> {
    FormatParser(PhantomData)
}

#[derive(Clone)]
pub(crate) struct FormatParser<K>(PhantomData<K>);

impl<K: DocumentFormat> TypedValueParser for FormatParser<K> {
    type Value = K;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        _arg: Option<&clap::Arg>,
        value: &OsStr,
    ) -> Result<K, clap::Error> {
        let name = value.to_string_lossy();
        K::from_name(&name).ok_or_else(|| {
            clap::Error::raw(
                clap::error::ErrorKind::InvalidValue,
                format!("{}\n", unsupported_format::<K>(&name)),
            )
            .with_cmd(cmd)
        })
    }

    fn possible_values(&self) -> Option<Box<dyn Iterator<Item = PossibleValue> + '_>> {
        Some(Box::new(K::ALL.iter().map(|k| {
            PossibleValue::new(k.name()).help(k.format().about())
        })))
    }
}

/// The message for a format this kind of document does not support.
pub(crate) fn unsupported_format<K: DocumentFormat>(name: &str) -> String {
    format!(
        "--format {name} is not available for a {} (choose one of: {})",
        K::KIND,
        K::names().join(", ")
    )
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
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

/// The README's format table, generated from every command's `--format` parser.
#[cfg(test)]
pub(crate) fn format_table() -> String {
    use clap::CommandFactory;
    fn rows(cmd: &clap::Command, prefix: &str, out: &mut Vec<(String, Vec<String>)>) {
        for sub in cmd.get_subcommands() {
            let name = format!("{prefix}{}", sub.get_name());
            if let Some(arg) = sub.get_arguments().find(|a| a.get_id() == "format") {
                let values = arg
                    .get_possible_values()
                    .iter()
                    .map(|v| v.get_name().to_string())
                    .collect();
                out.push((name.clone(), values));
            }
            if name == "report" {
                let values = perfaudit_report::HistoryFormat::names()
                    .into_iter()
                    .map(String::from)
                    .collect();
                out.push(("report --list".to_string(), values));
            }
            rows(sub, &format!("{name} "), out);
        }
    }
    let mut table = Vec::new();
    rows(&Cli::command(), "", &mut table);
    let mut s = String::from("| command | formats |\n|---|---|\n");
    for (cmd, values) in table {
        s.push_str(&format!("| `{cmd}` | {} |\n", values.join(", ")));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    const BEGIN: &str = "<!-- formats:begin (generated from each command's --format; `PERFAUDIT_UPDATE_README=1 cargo test -p perfaudit format_table` rewrites it) -->\n";
    const END: &str = "<!-- formats:end -->";

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    /// A command's formats = its `--help` = the README's table.
    #[test]
    fn readme_format_table_matches_the_commands() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md");
        let readme = std::fs::read_to_string(path).unwrap();
        let start = readme
            .find(BEGIN)
            .expect("README has the formats:begin marker")
            + BEGIN.len();
        let end = start + readme[start..].find(END).expect("formats:end marker");
        let want = format_table();
        if readme[start..end] != want {
            if std::env::var_os("PERFAUDIT_UPDATE_README").is_some() {
                let new = format!("{}{want}{}", &readme[..start], &readme[end..]);
                std::fs::write(path, new).unwrap();
            } else {
                panic!(
                    "README's format table is stale; it should read:\n{want}\n(PERFAUDIT_UPDATE_README=1 rewrites it)"
                );
            }
        }
    }

    #[test]
    fn every_command_help_lists_exactly_its_formats() {
        let mut cmd = Cli::command();
        let load = cmd.find_subcommand_mut("load").unwrap();
        let help = load.render_long_help().to_string();
        for f in perfaudit_report::LoadFormat::names() {
            assert!(help.contains(f), "load --help misses {f}:\n{help}");
        }
        assert!(!help.contains("sarif"), "{help}");
        assert!(!help.contains("junit"), "{help}");
    }
}
