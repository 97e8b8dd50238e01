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

pub(crate) fn run(args: AuditArgs, out: &OutputPolicy) -> anyhow::Result<Status> {
    let format = out.format(args.format)?;
    let extra: Vec<(PathBuf, RunFormat)> = args
        .reports
        .iter()
        .map(|p| format_of_path(p).map(|f| (p.clone(), f)))
        .collect::<anyhow::Result<_>>()?;
    let cfg_path = match (&args.config, &args.dir) {
        (Some(c), _) => c.clone(),
        (None, d) => config::locate(d.as_deref().unwrap_or(Path::new(".")))?,
    };
    let settings = config::load(&cfg_path)?;
    let stop_grace = settings
        .service
        .as_ref()
        .map_or(std::time::Duration::from_secs(5), |s| s.stop_timeout);
    audit::install_signal_handlers(stop_grace).context("cannot install signal handlers")?;

    let history_path = args
        .history
        .clone()
        .or_else(|| settings.history.clone())
        .unwrap_or_else(|| settings.base_dir.join(perfaudit_history::DEFAULT_PATH));
    // With --no-store, an absent history is not created just to find no baseline in it.
    let use_history = !(args.no_store && args.no_compare)
        && (settings.history.is_some() || args.history.is_some())
        && (!args.no_store || history_path.exists());
    let mut history = if use_history {
        Some(History::open(&history_path)?)
    } else {
        None
    };

    let bar = out.spinner("{spinner} {msg}", std::time::Duration::from_millis(120));
    let events = Events {
        out,
        t0: Instant::now(),
        bar,
    };
    let mut record = pipeline::run(&settings, &events);
    if let Some(b) = &events.bar {
        b.finish_and_clear();
    }
    // No orphan: whatever happened above, no service is registered any more.
    service::kill_registered(libc::SIGKILL, std::time::Duration::from_millis(100));

    // Compare with the baseline.
    if let (Some(h), false) = (&history, args.no_compare) {
        let base_id = match &args.baseline {
            Some(r) => Some(h.resolve(r, Some(&settings.project))?),
            None => h.baseline_id(Some(&settings.project), None)?,
        };
        if let Some(id) = base_id {
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
            } else {
                if !diffs.is_empty() && !out.quiet {
                    out.note(format!(
                        "perfaudit: WARNING: baseline run #{id} was measured in a different environment; differences may come from the machine, not the code:\n  {}",
                        diffs.join("\n  ")
                    ));
                }
                let c = audit::compare::compare(
                    &base,
                    &record,
                    settings.regression.threshold,
                    settings.regression.alpha,
                    settings.regression.metrics.as_deref(),
                );
                if c.regressed && settings.regression.fail && record.status == RunStatus::Pass {
                    record.status = RunStatus::Fail;
                }
                let n = c
                    .metrics
                    .iter()
                    .filter(|m| m.verdict == Verdict::Regression)
                    .count();
                if !out.quiet {
                    out.note(format!(
                        "[{:5.1}s] compare: with run #{id}: {}",
                        events.t0.elapsed().as_secs_f64(),
                        if n == 0 {
                            "no significant regression".to_string()
                        } else {
                            format!("{n} significant regression(s)")
                        }
                    ));
                }
                record.comparison = Some(c);
            }
        } else if !out.quiet {
            out.note(format!(
                "[{:5.1}s] compare: no baseline yet (this run becomes one if it passes)",
                events.t0.elapsed().as_secs_f64()
            ));
        }
    }

    // Store.
    if let (Some(h), false) = (history.as_mut(), args.no_store) {
        let id = h.insert(&record)?;
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
                events.t0.elapsed().as_secs_f64(),
                h.path().display()
            ));
        }
    }

    // Report.
    for (path, f) in &extra {
        write_atomically(path, |w| render_run(w, &record, *f, false))?;
        // A report is meant to be read (and published): not the temporary file's 0600.
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o644));
    }
    out.emit(|w| render_run(w, &record, format, out.color))?;
    Ok(match record.status {
        RunStatus::Pass => Status::Success,
        RunStatus::Fail => Status::Failure,
        RunStatus::Error => Status::Error,
    })
}
