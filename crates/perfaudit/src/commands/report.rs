//! `perfaudit report [RUN | --last]`: re-render a stored run in any run format; `--list` shows
//! the history; `--set-baseline` pins the run as its project's baseline.

use super::audit::render_run;
use crate::audit::locate_history;
use crate::cli::{format_parser, unsupported_format};
use crate::exit::Status;
use crate::output::OutputPolicy;
use clap::Args;
use perfaudit_history::{History, RunRef};
use perfaudit_model::history::HistoryList;
use perfaudit_report::{DocumentFormat, HistoryFormat, RunFormat};
use std::path::PathBuf;

#[derive(Debug, Args)]
#[command(after_help = list_formats_help())]
pub(crate) struct ReportArgs {
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

    /// Output format (with --list: see below).
    #[arg(long, value_name = "FORMAT", value_parser = format_parser::<RunFormat>())]
    pub format: Option<RunFormat>,
}

fn list_formats_help() -> String {
    format!(
        "With --list, --format is one of: {}.",
        HistoryFormat::names().join(", ")
    )
}

pub(crate) fn run(args: ReportArgs, out: &OutputPolicy) -> anyhow::Result<Status> {
    let (path, settings) = locate_history(args.dir.as_deref(), args.history.as_deref())?;
    let project = settings.as_ref().map(|s| s.project.clone());
    let mut h = History::open_existing(&path)?;
    if args.list {
        let format = match args.format {
            Some(f) => HistoryFormat::from_format(f.format())
                .ok_or_else(|| anyhow::anyhow!(unsupported_format::<HistoryFormat>(f.name())))?,
            None => out.format(None)?,
        };
        let list = HistoryList::new(h.list(project.as_deref(), args.limit)?);
        out.emit(|w| perfaudit_report::render::history(w, &list, format))?;
        return Ok(Status::Success);
    }
    let format = out.format(args.format)?;
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
