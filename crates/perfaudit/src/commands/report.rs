//! `perfaudit report [RUN | --last]`: re-render a stored run in any run format; `--list` shows
//! the history; `--set-baseline` pins the run as its project's baseline.

use super::audit::{render_run, FORMATS};
use crate::audit::locate_history;
use crate::cli::Format;
use crate::exit::Status;
use crate::output::OutputPolicy;
use clap::Args;
use perfaudit_history::{History, RunRef};
use std::path::PathBuf;

#[derive(Debug, Args)]
#[command(
    after_help = "Formats (--format): text (default), json, markdown, html, junit, openmetrics; --list: text, json."
)]
pub struct ReportArgs {
    /// The run: an id, `last`, `last~N` or `baseline` [default: last].
    #[arg(value_name = "RUN", conflicts_with = "last")]
    pub run: Option<RunRef>,

    /// The most recent run (the default).
    #[arg(long)]
    pub last: bool,

    /// Project directory: its perfaudit.toml names the history and the project [default: .].
    #[arg(long, short = 'C', value_name = "DIR")]
    pub dir: Option<PathBuf>,

    /// The history database (instead of the one the project's config names).
    #[arg(long, value_name = "FILE")]
    pub history: Option<PathBuf>,

    /// List the stored runs (newest first) instead of rendering one.
    #[arg(long, conflicts_with_all = ["run", "last", "set_baseline"])]
    pub list: bool,

    /// Pin the run as its project's baseline.
    #[arg(long)]
    pub set_baseline: bool,

    /// With --list: how many runs.
    #[arg(long, default_value_t = 20)]
    pub limit: usize,
}

pub fn run(args: ReportArgs, out: &OutputPolicy) -> anyhow::Result<Status> {
    let (path, settings) = locate_history(args.dir.as_deref(), args.history.as_deref())?;
    let project = settings.as_ref().map(|s| s.project.clone());
    let mut h = History::open_existing(&path)?;
    if args.list {
        let format = out.format_or(Format::Text, &[Format::Text, Format::Json])?;
        let runs = h.list(project.as_deref(), args.limit)?;
        out.emit(|w| {
            if format == Format::Json {
                let v: Vec<serde_json::Value> = runs
                    .iter()
                    .map(|r| {
                        serde_json::json!({
                            "id": r.id, "project": r.project, "started_at": r.started_at,
                            "status": r.status.as_str(), "commit": r.commit, "baseline": r.baseline,
                        })
                    })
                    .collect();
                return perfaudit_report::json::write(w, &v);
            }
            writeln!(
                w,
                "{:>5}  {:20}  {:6}  {:10}  project",
                "run", "started", "status", "commit"
            )?;
            for r in &runs {
                let commit: String = r
                    .commit
                    .as_deref()
                    .unwrap_or("-")
                    .chars()
                    .take(10)
                    .collect();
                writeln!(
                    w,
                    "{:>5}  {:20}  {:6}  {:10}  {}{}",
                    r.id,
                    r.started_at,
                    r.status.as_str(),
                    commit,
                    r.project,
                    if r.baseline { "  (baseline)" } else { "" }
                )?;
            }
            Ok(())
        })?;
        return Ok(Status::Success);
    }
    let format = out.format_or(Format::Text, &FORMATS)?;
    let r = args.run.unwrap_or(RunRef::Last(0));
    let id = h.resolve(&r, project.as_deref())?;
    let record = h.get(id)?;
    if args.set_baseline {
        h.set_baseline(id)?;
        out.note(format!(
            "run #{id} is now the baseline of {}",
            record.project
        ));
    }
    out.emit(|w| render_run(w, &record, format, out.color))?;
    Ok(Status::Success)
}
