//! `perfaudit audit [DIR | --config FILE]`: the whole audit from perfaudit.toml: scan, start the
//! service, imports and benches, load with the monitor attached, stop it, judge KPIs, compare
//! with the baseline, report, store. Exit 1 if a KPI fails or a regression is significant,
//! 2 if the audit could not run.

use crate::audit::{self, config, pipeline, service};
use crate::cli::format_parser;
use crate::exit::Status;
use crate::output::{write_atomically, OutputPolicy};
use anyhow::Context;
use clap::Args;
use perfaudit_history::{History, RunRef};
use perfaudit_model::run::{RunRecord, RunStatus, Verdict};
use perfaudit_report::style::Style;
use perfaudit_report::{DocumentFormat, RunFormat};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

#[derive(Debug, Args)]
#[command(
    after_help = "Exit: 0 pass, 1 a KPI failed or a significant regression, 2 the audit could not run."
)]
pub(crate) struct AuditArgs {
    /// Directory holding perfaudit.toml [default: .].
    #[arg(value_name = "DIR")]
    pub dir: Option<PathBuf>,

    /// The config file to use instead of DIR/perfaudit.toml.
    #[arg(long, short = 'c', value_name = "FILE", conflicts_with = "dir")]
    pub config: Option<PathBuf>,

    /// Compare with this stored run instead of the baseline: a run id, `last`, `last~N`,
    /// `baseline` (the pinned baseline, else the last passing run).
    #[arg(long, value_name = "RUN")]
    pub baseline: Option<RunRef>,

    /// Do not compare with a stored run.
    #[arg(long)]
    pub no_compare: bool,

    /// Do not store this run in the history.
    #[arg(long)]
    pub no_store: bool,

    /// Pin this run as the project's baseline (when it passed).
    #[arg(long, conflicts_with = "no_store")]
    pub set_baseline: bool,

    /// The history database [default: `[history] path`, else .perfaudit/history.db next to
    /// the config].
    #[arg(long, value_name = "FILE")]
    pub history: Option<PathBuf>,

    /// Also write the report to FILE in the format its extension names: .html, .md, .json,
    /// .xml (JUnit), .prom or .om (OpenMetrics), .txt. Repeatable.
    #[arg(long = "report", value_name = "FILE")]
    pub reports: Vec<PathBuf>,

    /// Output format.
    #[arg(long, value_name = "FORMAT", value_parser = format_parser::<RunFormat>())]
    pub format: Option<RunFormat>,
}

/// Render a run in one of the run formats.
pub(crate) fn render_run(
    w: &mut dyn Write,
    run: &RunRecord,
    f: RunFormat,
    color: bool,
) -> std::io::Result<()> {
    perfaudit_report::render::run(w, run, f, Style::new(color))
}

/// The run format a `--report FILE`'s extension names.
fn format_of_path(p: &Path) -> anyhow::Result<RunFormat> {
    let ext = p
        .extension()
        .map(|e| e.to_string_lossy())
        .unwrap_or_default();
    RunFormat::from_extension(&ext).with_context(|| {
        let known: Vec<String> = RunFormat::ALL
            .iter()
            .flat_map(|f| f.format().extensions())
            .map(|e| format!(".{e}"))
            .collect();
        format!(
            "--report {}: cannot tell the format from the extension (use {})",
            p.display(),
            known.join(", ")
        )
    })
}

struct Events<'a> {
    out: &'a OutputPolicy,
    t0: Instant,
    bar: Option<indicatif::ProgressBar>,
}

impl pipeline::Events for Events<'_> {
    fn stage(&self, msg: &str) {
        if self.out.quiet {
            return;
        }
        let line = format!("[{:5.1}s] {msg}", self.t0.elapsed().as_secs_f64());
        self.out.note_above(self.bar.as_ref(), line);
    }

    fn load_progress(&self, scenario: &str, p: &perfaudit_load::Progress) {
        if let Some(b) = &self.bar {
            let planned = p
                .planned
                .map_or_else(String::new, |d| format!("/{:.0}s", d.as_secs_f64()));
            b.set_message(format!(
                "load {scenario}: {:.1}s{planned}  {} requests  {:.0} req/s  p99 {:.1}ms  errors {}",
                p.elapsed.as_secs_f64(),
                p.requests,
                p.rps,
                p.p99_us as f64 / 1e3,
                p.errors
            ));
            b.tick();
        }
    }

    fn load_done(&self) {
        if let Some(b) = &self.bar {
            b.set_message("");
        }
    }
}

/// The audit as named stages: locate and load the config, open the history, run the
/// pipeline, compare with the baseline, store, report.
pub(crate) fn run(args: AuditArgs, out: &OutputPolicy) -> anyhow::Result<Status> {
    let format = out.format(args.format)?;
    let extra = report_files(&args)?;
    let settings = locate_and_load(&args)?;
    install_interrupts(&settings)?;
    let mut history = open_history(&args, &settings)?;
    let t0 = Instant::now();
    let mut record = match measure(&settings, out, t0) {
        pipeline::Outcome::Done(r) => *r,
        pipeline::Outcome::Interrupted(sig) => return Ok(interrupted(sig, out)),
    };
    if let (Some(h), false) = (&history, args.no_compare) {
        compare_with_baseline(h, &args, &settings, &mut record, out, t0)?;
    }
    if let Some(sig) = crate::signals::received() {
        return Ok(interrupted(sig, out));
    }
    if let (Some(h), false) = (history.as_mut(), args.no_store) {
        store(h, &args, &mut record, out, t0)?;
    }
    report(&extra, &record, format, out)?;
    Ok(match record.status {
        RunStatus::Pass => Status::Success,
        RunStatus::Fail => Status::Failure,
        RunStatus::Error => Status::Error,
    })
}

fn report_files(args: &AuditArgs) -> anyhow::Result<Vec<(PathBuf, RunFormat)>> {
    args.reports
        .iter()
        .map(|p| format_of_path(p).map(|f| (p.clone(), f)))
        .collect()
}

fn locate_and_load(args: &AuditArgs) -> anyhow::Result<config::Settings> {
    let cfg_path = match (&args.config, &args.dir) {
        (Some(c), _) => c.clone(),
        (None, d) => config::locate(d.as_deref().unwrap_or(Path::new(".")))?,
    };
    Ok(config::load(&cfg_path)?)
}

/// SIGINT/SIGTERM/SIGHUP: the pipeline stops the load at once and stops the service; if a
/// stage cannot be cancelled, the watchdog kills the service's group after its stop timeout
/// and exits 128 + the signal.
fn install_interrupts(settings: &config::Settings) -> anyhow::Result<()> {
    let grace = settings
        .service
        .as_ref()
        .map_or(std::time::Duration::from_secs(5), |s| s.stop_timeout)
        + std::time::Duration::from_secs(2);
    crate::signals::install().context("cannot install signal handlers")?;
    crate::signals::watchdog(grace, move || {
        crate::output::stderr_line("perfaudit: interrupted; stopping the service");
        service::kill_registered(libc::SIGTERM, std::time::Duration::from_secs(1));
    })
    .context("cannot start the signal watchdog")?;
    Ok(())
}

fn open_history(args: &AuditArgs, settings: &config::Settings) -> anyhow::Result<Option<History>> {
    let history_path = args
        .history
        .clone()
        .or_else(|| settings.history.clone())
        .unwrap_or_else(|| settings.base_dir.join(perfaudit_history::DEFAULT_PATH));
    // With --no-store, an absent history is not created just to find no baseline in it.
    let use_history = !(args.no_store && args.no_compare)
        && (settings.history.is_some() || args.history.is_some())
        && (!args.no_store || history_path.exists());
    Ok(if use_history {
        Some(History::open(&history_path)?)
    } else {
        None
    })
}

/// Every stage of the pipeline, with the progress line.
fn measure(settings: &config::Settings, out: &OutputPolicy, t0: Instant) -> pipeline::Outcome {
    let bar = out.spinner("{spinner} {msg}", std::time::Duration::from_millis(120));
    let events = Events { out, t0, bar };
    let outcome = pipeline::run(settings, &events);
    if let Some(b) = &events.bar {
        b.finish_and_clear();
    }
    // No orphan: whatever happened above, no service is registered any more.
    service::kill_registered(libc::SIGKILL, std::time::Duration::from_millis(100));
    outcome
}

/// An interrupted audit stores nothing and exits 128 + the signal.
fn interrupted(sig: i32, out: &OutputPolicy) -> Status {
    service::kill_registered(libc::SIGKILL, std::time::Duration::from_millis(100));
    if !out.quiet {
        out.note(format!(
            "perfaudit: interrupted by {}: the load and the service were stopped; nothing was judged or stored",
            service::signal_name(sig)
        ));
    }
    Status::Code(crate::signals::exit_code(sig))
}

/// The baseline: `--baseline RUN`, else the project's pinned baseline, else its last passing
/// run measured on a quiet machine, else its last passing run.
fn compare_with_baseline(
    h: &History,
    args: &AuditArgs,
    settings: &config::Settings,
    record: &mut RunRecord,
    out: &OutputPolicy,
    t0: Instant,
) -> anyhow::Result<()> {
    let base_id = match &args.baseline {
        Some(r) => Some(h.resolve(r, Some(&settings.project))?),
        None => h.baseline_id(Some(&settings.project), None)?,
    };
    let elapsed = || t0.elapsed().as_secs_f64();
    let Some(id) = base_id else {
        if !out.quiet {
            out.note(format!(
                "[{:5.1}s] compare: no baseline yet (this run becomes one if it passes)",
                elapsed()
            ));
        }
        return Ok(());
    };
    let base = h.get(id)?;
    let diffs = base.environment.differences(&record.environment);
    if !diffs.is_empty() && settings.regression.refuse_other_environment {
        record.errors.push(perfaudit_model::run::StageError {
            stage: "compare".into(),
            message: format!(
                "baseline run #{id} was measured in another environment ({}); not compared ([regression] environment = \"refuse\")",
                diffs.join("; ")
            ),
        });
        record.status = RunStatus::Error;
        return Ok(());
    }
    if !diffs.is_empty() && !out.quiet {
        out.note(format!(
            "perfaudit: WARNING: baseline run #{id} was measured in a different environment; differences may come from the machine, not the code:\n  {}",
            diffs.join("\n  ")
        ));
    }
    let r = &settings.regression;
    let c = audit::compare::compare(
        &base,
        record,
        audit::compare::Options {
            threshold: r.threshold,
            alpha: r.alpha,
            only: r.metrics.as_deref(),
            noisy: r.noisy,
        },
    );
    if c.regressed && r.fail && record.status == RunStatus::Pass {
        record.status = RunStatus::Fail;
    }
    let count = |v: Verdict| c.metrics.iter().filter(|m| m.verdict == v).count();
    let n = count(Verdict::Regression);
    if !out.quiet {
        out.note(format!(
            "[{:5.1}s] compare: with run #{id}: {}{}",
            elapsed(),
            if n == 0 {
                "no significant regression".to_string()
            } else {
                format!("{n} significant regression(s)")
            },
            match (count(Verdict::Noisy), count(Verdict::Inconclusive)) {
                (0, 0) => String::new(),
                (a, b) => format!(" ({a} noisy, {b} inconclusive)"),
            }
        ));
        for note in &c.noise {
            out.note(format!("perfaudit: WARNING: {note}"));
        }
    }
    record.comparison = Some(c);
    Ok(())
}

fn store(
    h: &mut History,
    args: &AuditArgs,
    record: &mut RunRecord,
    out: &OutputPolicy,
    t0: Instant,
) -> anyhow::Result<()> {
    let id = h.insert(record)?;
    record.id = id;
    if let Some(c) = record.comparison.as_mut() {
        c.head_id = id;
    }
    if args.set_baseline && record.status == RunStatus::Pass {
        h.set_baseline(id)?;
    }
    if !out.quiet {
        out.note(format!(
            "[{:5.1}s] stored run #{id} in {}",
            t0.elapsed().as_secs_f64(),
            h.path().display()
        ));
    }
    Ok(())
}

fn report(
    extra: &[(PathBuf, RunFormat)],
    record: &RunRecord,
    format: RunFormat,
    out: &OutputPolicy,
) -> anyhow::Result<()> {
    for (path, f) in extra {
        write_atomically(path, |w| render_run(w, record, *f, false))?;
        // A report is meant to be read (and published): not the temporary file's 0600.
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o644));
    }
    out.emit(|w| render_run(w, record, format, out.color))?;
    Ok(())
}
