//! `perfaudit load`: HTTP load from the command line or a scenario file; `load merge` combines
//! runs from several machines. Flags become a [`Scenario`] laid over the scenario file, which
//! becomes the engine's plan.

use crate::cli::format_parser;
use crate::exit::Status;
use crate::output::OutputPolicy;
use anyhow::Context;
use clap::{Args, Subcommand};
use perfaudit_load::{LoadResult, Phase, Progress, Scenario};
use perfaudit_report::style::Style;
use perfaudit_report::LoadFormat;
use std::path::{Path, PathBuf};

#[derive(Debug, Args)]
#[command(
    args_conflicts_with_subcommands = true,
    after_help = "Thresholds: p50|p90|p95|p99|p99.9|pNN, mean, min, max (latency: us, ms, s; \
                  default ms), error_rate (1% or 0.01), rps, requests; with <, <=, >, >=.\n\
                  Errors count transport failures (connect_refused, connect, reset, closed, \
                  timeout, tls, malformed, http2, io) and HTTP 4xx/5xx responses.\n\
                  Exit 1 when a threshold is breached, 2 when the run cannot start or the target is unreachable."
)]
pub(crate) struct LoadArgs {
    #[command(subcommand)]
    pub merge: Option<LoadCommand>,

    #[command(flatten)]
    pub run: Box<RunArgs>,
}

/// The options of a load run (boxed: the command enum stays small).
#[derive(Debug, Args)]
pub(crate) struct RunArgs {
    /// Target URL (http:// or https://). With --scenario, the base URL of its endpoints.
    pub url: Option<String>,

    /// Scenario file (TOML): endpoints with weights, templates, stages, thresholds.
    #[arg(long, short = 's', value_name = "FILE")]
    pub scenario: Option<PathBuf>,

    /// Concurrent connections [default: 50].
    #[arg(long, short = 'c', value_name = "N")]
    pub connections: Option<u32>,

    /// Measure for this long, e.g. 30s, 2m [default: 10s unless -n].
    #[arg(long, short = 'd', value_name = "TIME")]
    pub duration: Option<String>,

    /// Stop after this many requests (with -d: whichever comes first).
    #[arg(long, short = 'n', value_name = "N")]
    pub requests: Option<u64>,

    /// Open model: send R requests per second on a schedule; latency counts from each
    /// request's intended send time.
    #[arg(long, short = 'r', value_name = "R")]
    pub rate: Option<f64>,

    /// Worker threads [default: number of CPUs].
    #[arg(long, short = 't', value_name = "N")]
    pub threads: Option<u32>,

    /// Run this long before measuring; its requests are not counted.
    #[arg(long, value_name = "TIME")]
    pub warmup: Option<String>,

    /// HTTP method [default: GET].
    #[arg(long, short = 'm')]
    pub method: Option<String>,

    /// Request header `Name: value` (repeatable).
    #[arg(long = "header", short = 'H', value_name = "HEADER")]
    pub headers: Vec<String>,

    /// Request body.
    #[arg(long, conflicts_with = "body_file")]
    pub body: Option<String>,

    /// Request body read from FILE.
    #[arg(long, value_name = "FILE")]
    pub body_file: Option<PathBuf>,

    /// Per-request timeout (connect included) [default: 10s].
    #[arg(long, value_name = "TIME")]
    pub timeout: Option<String>,

    /// Use HTTP/1.1 (the default).
    #[arg(long, conflicts_with = "http2")]
    pub http1: bool,

    /// Use HTTP/2 (ALPN h2 over TLS, prior knowledge over plain TCP).
    #[arg(long)]
    pub http2: bool,

    /// Accept any TLS certificate.
    #[arg(long, short = 'k')]
    pub insecure: bool,

    /// Trust the CA certificates of this PEM file too.
    #[arg(long, value_name = "FILE")]
    pub cacert: Option<PathBuf>,

    /// Open a new connection for every request.
    #[arg(long)]
    pub new_connection_per_request: bool,

    /// Fail (exit 1) unless this holds, e.g. 'p95<100ms', 'error_rate<1%', 'rps>500' (repeatable).
    #[arg(long = "threshold", value_name = "EXPR")]
    pub thresholds: Vec<String>,

    /// Output format.
    #[arg(long, value_name = "FORMAT", value_parser = format_parser::<LoadFormat>())]
    pub format: Option<LoadFormat>,
}

#[derive(Debug, Subcommand)]
pub(crate) enum LoadCommand {
    /// Merge JSON results of runs made at the same time from several machines (exact: HDR
    /// histograms add bucket by bucket); thresholds of the first are checked again.
    Merge(MergeArgs),
}

#[derive(Debug, Args)]
pub(crate) struct MergeArgs {
    /// JSON results of `perfaudit load --format json`.
    #[arg(required = true, num_args = 2.., value_name = "RESULT.json")]
    pub files: Vec<PathBuf>,

    /// Output format.
    #[arg(long, value_name = "FORMAT", value_parser = format_parser::<LoadFormat>())]
    pub format: Option<LoadFormat>,
}

pub(crate) fn run(args: LoadArgs, out: &OutputPolicy) -> anyhow::Result<Status> {
    if let Some(LoadCommand::Merge(m)) = args.merge {
        let format = out.format(m.format)?;
        return merge(&m, format, out);
    }
    let format = out.format(args.run.format)?;
    let (scenario, base_dir) = settings(&args.run)?;
    let plan = scenario.build(&base_dir)?;
    let bar = out.progress.then(progress_bar);
    let draw = |p: &Progress| {
        if let Some(bar) = &bar {
            bar.set_message(progress_line(p));
        }
    };
    let result = perfaudit_load::run(plan, &draw)?;
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    render(&result, format, out)?;
    if result.responses == 0 && result.requests > 0 && unreachable_only(&result) {
        let kinds: Vec<String> = result
            .errors
            .iter()
            .map(|(k, v)| format!("{k}: {v}"))
            .collect();
        anyhow::bail!(
            "target {} unreachable ({})",
            result.target,
            kinds.join(", ")
        );
    }
    if !result.passed {
        if !out.quiet && format != LoadFormat::Text {
            for t in result.breached() {
                let scope = t
                    .endpoint
                    .as_ref()
                    .map(|e| format!(" [{e}]"))
                    .unwrap_or_default();
                out.note(format!("perfaudit: threshold breached: {}{scope}", t.expr));
            }
        }
        return Ok(Status::Failure);
    }
    Ok(Status::Success)
}

/// Only connection-level failures: nothing ever answered.
fn unreachable_only(r: &LoadResult) -> bool {
    r.errors
        .keys()
        .all(|k| matches!(k.as_str(), "connect_refused" | "connect" | "tls"))
}

/// The scenario file (if any) with the command line laid over it.
fn settings(args: &RunArgs) -> anyhow::Result<(Scenario, PathBuf)> {
    let (file, base_dir) = match &args.scenario {
        Some(path) => (
            Scenario::from_file(path)?,
            path.parent()
                .map_or_else(|| PathBuf::from("."), Path::to_path_buf),
        ),
        None => (Scenario::default(), PathBuf::from(".")),
    };
    if args.scenario.is_none() && args.url.is_none() {
        anyhow::bail!("give a URL or --scenario FILE (see perfaudit load --help)");
    }
    let mut headers = std::collections::BTreeMap::new();
    for h in &args.headers {
        let (k, v) = h
            .split_once(':')
            .with_context(|| format!("header `{h}` must look like `Name: value`"))?;
        headers.insert(k.trim().to_string(), v.trim().to_string());
    }
    let body_file = args.body_file.as_ref().map(|p| {
        std::path::absolute(p)
            .unwrap_or_else(|_| p.clone())
            .display()
            .to_string()
    });
    let cacert = args.cacert.as_ref().map(|p| {
        std::path::absolute(p)
            .unwrap_or_else(|_| p.clone())
            .display()
            .to_string()
    });
    let cli = Scenario {
        url: args.url.clone(),
        connections: args.connections,
        threads: args.threads,
        duration: args.duration.clone(),
        requests: args.requests,
        rate: args.rate,
        warmup: args.warmup.clone(),
        timeout: args.timeout.clone(),
        http2: if args.http2 {
            Some(true)
        } else if args.http1 {
            Some(false)
        } else {
            None
        },
        insecure: args.insecure.then_some(true),
        cacert,
        new_connection_per_request: args.new_connection_per_request.then_some(true),
        method: args.method.clone(),
        headers,
        body: args.body.clone(),
        body_file,
        thresholds: args.thresholds.clone(),
        ..Scenario::default()
    };
    // -n without -d: stop by count only (the file's duration still applies if it has one).
    let mut merged = file.overlay(cli);
    if args.requests.is_some() && args.duration.is_none() && args.scenario.is_none() {
        merged.duration = None;
    }
    Ok((merged, base_dir))
}

fn merge(m: &MergeArgs, format: LoadFormat, out: &OutputPolicy) -> anyhow::Result<Status> {
    let mut runs = Vec::new();
    let mut seen: Vec<(std::path::PathBuf, &std::path::Path)> = Vec::new();
    for path in &m.files {
        // The same file twice would count every request twice.
        if let Ok(real) = std::fs::canonicalize(path) {
            if let Some((_, first)) = seen.iter().find(|(r, _)| *r == real) {
                anyhow::bail!(
                    "{} is given twice (also as {}): each shard's result is merged once",
                    path.display(),
                    first.display()
                );
            }
            seen.push((real, path));
        }
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let run: LoadResult = serde_json::from_str(&text)
            .with_context(|| format!("{}: not a perfaudit/load/v1 result", path.display()))?;
        if run.schema != perfaudit_model::SCHEMA_LOAD {
            anyhow::bail!(
                "{}: schema is `{}`, expected `{}`",
                path.display(),
                run.schema,
                perfaudit_model::SCHEMA_LOAD
            );
        }
        runs.push(run);
    }
    let merged = perfaudit_load::merge_results(&runs).map_err(|e| {
        let names: Vec<String> = m
            .files
            .iter()
            .enumerate()
            .map(|(i, p)| format!("run {} = {}", i + 1, p.display()))
            .collect();
        anyhow::anyhow!("cannot merge: {e} ({})", names.join(", "))
    })?;
    render(&merged, format, out)?;
    Ok(if merged.passed {
        Status::Success
    } else {
        Status::Failure
    })
}

fn render(r: &LoadResult, format: LoadFormat, out: &OutputPolicy) -> anyhow::Result<()> {
    let style = Style::new(out.color);
    out.emit(|w| perfaudit_report::render::load(w, r, format, style))
}

fn progress_bar() -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new_spinner();
    bar.set_draw_target(indicatif::ProgressDrawTarget::stderr_with_hz(4));
    bar.set_style(
        indicatif::ProgressStyle::with_template("{spinner} {msg}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
    );
    bar.enable_steady_tick(std::time::Duration::from_millis(250));
    bar
}

fn progress_line(p: &Progress) -> String {
    use perfaudit_report::text::load::{fmt_count, fmt_us};
    let when = match (p.phase, p.planned) {
        (Phase::Warmup, _) => "warm-up".to_string(),
        (Phase::Draining, _) => "finishing".to_string(),
        (Phase::Measuring, Some(d)) => {
            format!("{:.0}s/{:.0}s", p.elapsed.as_secs_f64(), d.as_secs_f64())
        }
        (Phase::Measuring, None) => format!("{:.0}s", p.elapsed.as_secs_f64()),
    };
    let of = p
        .planned_requests
        .map(|n| format!("/{}", fmt_count(n)))
        .unwrap_or_default();
    format!(
        "{when}  {}{of} requests  {:.0} req/s  {} errors  p99 {}",
        fmt_count(p.requests),
        p.rps,
        fmt_count(p.errors),
        fmt_us(p.p99_us as f64)
    )
}
