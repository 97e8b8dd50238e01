//! `perfaudit bench`: benchmark commands like hyperfine, with CPU times, peak RSS, a
//! significance test behind every comparison, and cold starts to a ready URL.

use crate::cli::format_parser;
use crate::exit::Status;
use crate::output::{write_atomically, OutputPolicy};
use anyhow::Context;
use clap::Args;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use perfaudit_bench::{
    compare, expand_parameters, parse_http_url, run_benchmark, BenchSpec, CommandSpec, OutputMode,
    ParameterScan, Progress, RealExecutor, RunCount, Shell,
};
use perfaudit_model::bench::{BenchDocument, BenchResult};
use perfaudit_report::style::Style;
use perfaudit_report::text::bench::{fmt_bytes, fmt_duration, TextOptions};
use perfaudit_report::BenchFormat;
use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

/// Benchmark commands: `perfaudit bench [OPTIONS] -- CMD [-- CMD2 ...]`, or several quoted
/// commands (`perfaudit bench 'sleep 0.1' 'sleep 0.2'`).
///
/// Each command runs through `sh -c` (its start-up time measured and subtracted) unless
/// `--no-shell`. Per run: wall, user and system time and peak RSS (`wait4` of that child).
#[derive(Debug, Args)]
pub(crate) struct BenchArgs {
    // Boxed: the options are many, and `Command` holds every subcommand's arguments inline.
    #[command(flatten)]
    pub opts: Box<BenchOptions>,
}

/// The options of `perfaudit bench`.
#[derive(Debug, Args)]
pub(crate) struct BenchOptions {
    /// Commands to benchmark, each one quoted.
    #[arg(value_name = "COMMAND")]
    pub commands: Vec<String>,

    /// Commands as words after `--`, separated by further `--`.
    #[arg(last = true, value_name = "CMD", allow_hyphen_values = true)]
    pub argv: Vec<String>,

    /// Untimed runs before the timed ones (fill caches).
    #[arg(long, short = 'w', value_name = "N", default_value_t = 0)]
    pub warmup: u64,

    /// Exactly N timed runs (overrides --min-runs/--max-runs/--min-time).
    #[arg(long, short = 'r', value_name = "N")]
    pub runs: Option<u64>,

    /// At least N timed runs.
    #[arg(long, short = 'm', value_name = "N", default_value_t = 10)]
    pub min_runs: u64,

    /// At most N timed runs.
    #[arg(long, short = 'M', value_name = "N")]
    pub max_runs: Option<u64>,

    /// Keep running until this much time was measured (e.g. 3s, 500ms), within the run bounds.
    #[arg(long, value_name = "DURATION", default_value = "3s", value_parser = parse_duration)]
    pub min_time: Duration,

    /// Run before every timed run (and warmup); once for all, or once per command.
    #[arg(long, short = 'p', value_name = "CMD")]
    pub prepare: Vec<String>,

    /// Run after every timed run; once for all, or once per command.
    #[arg(long, short = 'C', value_name = "CMD")]
    pub conclude: Vec<String>,

    /// Run once before each command's runs.
    #[arg(long, short = 's', value_name = "CMD")]
    pub setup: Option<String>,

    /// Run once after each command's runs.
    #[arg(long, short = 'c', value_name = "CMD")]
    pub cleanup: Option<String>,

    /// The shell that runs commands (`none`: no shell, like --no-shell).
    #[arg(long, short = 'S', value_name = "SHELL", default_value = "sh")]
    pub shell: String,

    /// Run commands directly, without a shell (words split with shell quoting rules).
    #[arg(long, short = 'N')]
    pub no_shell: bool,

    /// Scan a numeric parameter: `{NAME}` takes LO..=HI (step --parameter-step-size).
    #[arg(long, short = 'P', num_args = 3, value_names = ["NAME", "LO", "HI"])]
    pub parameter_scan: Vec<String>,

    /// Step of every -P scan (default 1).
    #[arg(long, short = 'D', value_name = "STEP")]
    pub parameter_step_size: Option<String>,

    /// Scan a list: `{NAME}` takes each comma-separated value; combinable with -P and -L.
    #[arg(long, short = 'L', num_args = 2, value_names = ["NAME", "VALUES"])]
    pub parameter_list: Vec<String>,

    /// Benchmark runs that exit non-zero (or are killed) instead of stopping.
    #[arg(long, short = 'i')]
    pub ignore_failure: bool,

    /// Benchmark this command first and compare every other command with it.
    #[arg(long, value_name = "CMD")]
    pub reference: Option<String>,

    /// Cold start: time each run from spawn to the first 2xx answer of URL (plain http),
    /// then stop its process group.
    #[arg(long, value_name = "URL")]
    pub ready_url: Option<String>,

    /// Give up waiting for --ready-url after this long (exit 2; the process group is stopped).
    #[arg(long, value_name = "DURATION", default_value = "30s", value_parser = parse_duration)]
    pub ready_timeout: Duration,

    /// Significance level of the Mann-Whitney U tests behind comparisons.
    #[arg(long, value_name = "ALPHA", default_value_t = 0.05)]
    pub significance: f64,

    /// Let the commands write to the terminal (default: discard their output).
    #[arg(long)]
    pub show_output: bool,

    /// List every run (wall, user, system, peak RSS, exit) in the text output.
    #[arg(long)]
    pub show_runs: bool,

    /// Write JSON results to FILE (rewritten after each command).
    #[arg(long, value_name = "FILE")]
    pub export_json: Option<PathBuf>,

    /// Write a Markdown table to FILE (rewritten after each command).
    #[arg(long, value_name = "FILE")]
    pub export_markdown: Option<PathBuf>,

    /// Write CSV to FILE (rewritten after each command).
    #[arg(long, value_name = "FILE")]
    pub export_csv: Option<PathBuf>,

    /// Output format.
    #[arg(long, value_name = "FORMAT", value_parser = format_parser::<BenchFormat>())]
    pub format: Option<BenchFormat>,
}

/// `30` (seconds), `30s`, `500ms`, `2m`, `1.5s`: the workspace's one duration grammar.
pub(crate) fn parse_duration(s: &str) -> Result<Duration, String> {
    perfaudit_model::units::parse_duration(s).map_err(String::from)
}

/// The command lines: quoted commands, then `--`-separated word groups.
fn command_lines(args: &BenchOptions) -> Vec<String> {
    let mut lines = args.commands.clone();
    for group in args.argv.split(|w| w == "--") {
        if !group.is_empty() {
            lines.push(
                group
                    .iter()
                    .map(|w| perfaudit_bench::quote_word(w))
                    .collect::<Vec<_>>()
                    .join(" "),
            );
        }
    }
    lines
}

/// The kinds of scan options in the order the user typed them (`'P'`, `'L'`), read from the
/// process arguments up to `--`, so that the last scan typed varies fastest.
fn scan_kinds_typed() -> Vec<char> {
    let mut kinds = Vec::new();
    for a in std::env::args().skip(1) {
        if a == "--" {
            break;
        }
        if a == "-P" || a == "--parameter-scan" || a.starts_with("--parameter-scan=") {
            kinds.push('P');
        } else if a == "-L" || a == "--parameter-list" || a.starts_with("--parameter-list=") {
            kinds.push('L');
        }
    }
    kinds
}

/// Interleave range and list scans in typed order; ranges first when the order is unknown.
fn in_command_line_order(
    ranges: Vec<ParameterScan>,
    lists: Vec<ParameterScan>,
    kinds: &[char],
) -> Vec<ParameterScan> {
    let n_p = kinds.iter().filter(|&&k| k == 'P').count();
    if n_p != ranges.len() || kinds.len() - n_p != lists.len() {
        return ranges.into_iter().chain(lists).collect();
    }
    let (mut r, mut l) = (ranges.into_iter(), lists.into_iter());
    kinds
        .iter()
        .filter_map(|k| if *k == 'P' { r.next() } else { l.next() })
        .collect()
}

fn spec_from_args(args: &BenchOptions) -> anyhow::Result<BenchSpec> {
    let lines = command_lines(args);
    if lines.is_empty() {
        anyhow::bail!("no command to benchmark: `perfaudit bench -- CMD [-- CMD2 ...]` or `perfaudit bench 'CMD' 'CMD2'`");
    }
    let mut ranges = Vec::new();
    for chunk in args.parameter_scan.chunks(3) {
        if let [name, lo, hi] = chunk {
            ranges.push(ParameterScan::range(
                name,
                lo,
                hi,
                args.parameter_step_size.as_deref(),
            )?);
        }
    }
    if args.parameter_step_size.is_some() && args.parameter_scan.is_empty() {
        anyhow::bail!("--parameter-step-size needs a --parameter-scan (-P)");
    }
    let mut lists = Vec::new();
    for chunk in args.parameter_list.chunks(2) {
        if let [name, values] = chunk {
            lists.push(ParameterScan::list(name, values)?);
        }
    }
    let scans = in_command_line_order(ranges, lists, &scan_kinds_typed());
    let mut commands = expand_parameters(&lines, &scans)?;
    let mut reference = None;
    if let Some(r) = &args.reference {
        commands.insert(0, CommandSpec::new(r.clone()));
        reference = Some(0);
    }
    let runs = match args.runs {
        Some(0) => anyhow::bail!("--runs must be at least 1"),
        Some(n) => RunCount::exactly(n),
        None => {
            if let Some(max) = args.max_runs {
                if max < args.min_runs.max(1) && max > 0 {
                    anyhow::bail!("--max-runs {max} is below --min-runs {}", args.min_runs);
                }
                if max == 0 {
                    anyhow::bail!("--max-runs must be at least 1");
                }
            }
            RunCount {
                min: args.min_runs.max(1),
                max: args.max_runs,
                min_time: args.min_time,
            }
        }
    };
    let shell = if args.no_shell || args.shell == "none" {
        Shell::None
    } else {
        Shell::Program(args.shell.clone())
    };
    let ready = match &args.ready_url {
        Some(u) => Some((parse_http_url(u)?, args.ready_timeout)),
        None => None,
    };
    let mut spec = BenchSpec::new(commands);
    spec.warmup = args.warmup;
    spec.runs = runs;
    spec.setup = args.setup.clone();
    spec.cleanup = args.cleanup.clone();
    spec.prepare = args.prepare.clone();
    spec.conclude = args.conclude.clone();
    spec.shell = shell;
    spec.output = if args.show_output {
        OutputMode::Inherit
    } else {
        OutputMode::Null
    };
    spec.ignore_failure = args.ignore_failure;
    spec.reference = reference;
    spec.ready = ready;
    spec.alpha = args.significance;
    Ok(spec)
}

fn render(
    format: BenchFormat,
    w: &mut dyn Write,
    doc: &BenchDocument,
    opts: TextOptions,
) -> std::io::Result<()> {
    perfaudit_report::render::bench(w, doc, format, opts)
}

/// Rewrite every export file with what was measured so far.
fn write_exports(args: &BenchOptions, doc: &BenchDocument) -> anyhow::Result<()> {
    let exports = [
        (&args.export_json, BenchFormat::Json),
        (&args.export_markdown, BenchFormat::Markdown),
        (&args.export_csv, BenchFormat::Csv),
    ];
    for (path, format) in exports {
        if let Some(path) = path {
            write_atomically(path, |w| render(format, w, doc, TextOptions::default()))
                .with_context(|| format!("cannot export to {}", path.display()))?;
        }
    }
    Ok(())
}

fn bar_style() -> ProgressStyle {
    ProgressStyle::with_template("{prefix:.bold} [{bar:30.cyan/blue}] {pos}/{len} {msg}")
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ")
}

pub(crate) fn run(args: BenchArgs, out: &OutputPolicy) -> anyhow::Result<Status> {
    let args = *args.opts;
    let format = out.format(args.format)?;
    let spec = spec_from_args(&args)?;
    let opts = TextOptions {
        style: Style::new(out.color),
        show_runs: args.show_runs,
    };
    // Text to the terminal streams each result as soon as its command is done.
    let stream_text = format == BenchFormat::Text && out.output.is_none();
    let bar = if out.progress {
        let pb = ProgressBar::with_draw_target(Some(1), ProgressDrawTarget::stderr());
        pb.set_style(bar_style());
        Some(pb)
    } else {
        None
    };
    let mut done: Vec<BenchResult> = Vec::new();
    let mut side_error: Option<anyhow::Error> = None;
    let stdout = std::io::stdout();

    let outcome = run_benchmark(&spec, &mut RealExecutor, &mut |p| match p {
        Progress::Calibrating => {
            if let Some(pb) = &bar {
                pb.set_prefix("shell");
                pb.set_message("measuring the shell's start-up time");
            }
        }
        Progress::Started { index, command } => {
            if let Some(pb) = &bar {
                pb.reset();
                pb.set_length(1);
                pb.set_position(0);
                pb.set_prefix(format!("Benchmark {}", index + 1));
                pb.set_message(command.to_string());
            }
        }
        Progress::Warmup { done, total, .. } => {
            if let Some(pb) = &bar {
                pb.set_prefix("warmup");
                pb.set_length(total);
                pb.set_position(done);
            }
        }
        Progress::Run {
            index,
            done: n,
            total,
            measurement: m,
        } => {
            if let Some(pb) = &bar {
                pb.set_prefix(format!("Benchmark {}", index + 1));
                pb.set_length(total);
                pb.set_position(n);
                pb.set_message(format!(
                    "run {n}: {} wall · {} user · {} sys · {} RSS",
                    fmt_duration(m.wall_s),
                    fmt_duration(m.user_s),
                    fmt_duration(m.system_s),
                    fmt_bytes(m.peak_rss_bytes)
                ));
            }
        }
        Progress::Finished { index, result } => {
            done.push(result.clone());
            let partial =
                BenchDocument::new(done.clone(), compare(&done, spec.reference, spec.alpha));
            if let Err(e) = write_exports(&args, &partial) {
                side_error.get_or_insert(e);
            }
            if stream_text {
                let print = || -> std::io::Result<()> {
                    let mut lock = stdout.lock();
                    if index > 0 {
                        writeln!(lock)?;
                    }
                    perfaudit_report::text::bench::render_result(&mut lock, index, result, opts)?;
                    lock.flush()
                };
                let r = match &bar {
                    Some(pb) => pb.suspend(print),
                    None => print(),
                };
                if let Err(e) = r {
                    side_error.get_or_insert(e.into());
                }
            }
        }
    });
    if let Some(pb) = &bar {
        pb.finish_and_clear();
    }
    if let Some(e) = side_error {
        return Err(e);
    }
    match outcome {
        Ok(doc) => {
            write_exports(&args, &doc)?;
            if stream_text {
                let mut lock = stdout.lock();
                perfaudit_report::text::bench::render_comparisons(&mut lock, &doc, opts)?;
                lock.flush()?;
            } else {
                out.emit(|w| render(format, w, &doc, opts))?;
            }
            Ok(Status::Success)
        }
        Err(err) => {
            // What was measured before the failure is already exported; also show it.
            if !done.is_empty() && !stream_text {
                let partial =
                    BenchDocument::new(done.clone(), compare(&done, spec.reference, spec.alpha));
                out.emit(|w| render(format, w, &partial, opts))?;
            }
            Err(anyhow::Error::new(err).context(if done.is_empty() {
                "benchmark failed".to_string()
            } else {
                format!(
                    "benchmark stopped after {} of {} commands (their results were kept)",
                    done.len(),
                    spec.commands.len()
                )
            }))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn min_time_and_ready_timeout_read_a_bare_number_as_seconds() {
        // The workspace's one grammar (perfaudit_model::units), tested in full there.
        assert_eq!(parse_duration("30"), Ok(Duration::from_secs(30)));
        assert!(parse_duration("soon").unwrap_err().contains("soon"));
    }

    #[test]
    fn quoting_round_trips() {
        assert_eq!(perfaudit_bench::quote_word("sleep"), "sleep");
        assert_eq!(perfaudit_bench::quote_word("a b"), "'a b'");
        assert_eq!(perfaudit_bench::quote_word("it's"), "'it'\\''s'");
        assert_eq!(perfaudit_bench::quote_word(""), "''");
    }
}
