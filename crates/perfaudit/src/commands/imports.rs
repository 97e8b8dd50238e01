//! `perfaudit imports`: a repeatable `python -X importtime` profile of one module.

use crate::cli::format_parser;
use crate::exit::Status;
use crate::output::OutputPolicy;
use clap::Args;
use perfaudit_bench::{profile_imports, ImportsSpec};
use perfaudit_report::style::Style;
use perfaudit_report::ImportsFormat;
use std::path::PathBuf;
use std::time::Duration;

/// Profile `import MODULE` with `python -X importtime` in fresh processes: median total import
/// time, module count, top modules by self and cumulative time, the slowest branch, and the
/// application / third-party / stdlib split.
#[derive(Debug, Args)]
pub(crate) struct ImportsArgs {
    /// The dotted module to import (`app`, `app.main`).
    #[arg(value_name = "MODULE")]
    pub module: String,

    /// The Python interpreter (a virtualenv's `bin/python` to see its packages).
    #[arg(long, value_name = "PY", default_value = "python3")]
    pub python: String,

    /// Fresh interpreter processes to measure (after one untimed warm-up run).
    #[arg(long, short = 'r', value_name = "N", default_value_t = 10)]
    pub runs: usize,

    /// Modules listed in each top-N table.
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub top: usize,

    /// Run Python in this directory (where the application is importable from).
    #[arg(long, short = 'C', value_name = "DIR")]
    pub directory: Option<PathBuf>,

    /// Use `-X importtime=2` (Python 3.14+: also count imports of already-loaded modules).
    #[arg(long)]
    pub importtime2: bool,

    /// Output format.
    #[arg(long, value_name = "FORMAT", value_parser = format_parser::<ImportsFormat>())]
    pub format: Option<ImportsFormat>,
}

pub(crate) fn run(args: ImportsArgs, out: &OutputPolicy) -> anyhow::Result<Status> {
    let format = out.format(args.format)?;
    if args.runs == 0 {
        anyhow::bail!("--runs must be at least 1");
    }
    if let Some(dir) = &args.directory {
        if !dir.is_dir() {
            anyhow::bail!("--directory {}: not a directory", dir.display());
        }
    }
    let spec = ImportsSpec {
        module: args.module.clone(),
        python: args.python.clone(),
        runs: args.runs,
        top: args.top,
        importtime2: args.importtime2,
        cwd: args.directory.clone(),
        env: Vec::new(),
    };
    let spinner = out.spinner("{spinner} {msg}", Duration::from_millis(120));
    if let Some(pb) = &spinner {
        pb.set_message(format!(
            "importing {} in {} fresh {} processes",
            args.module, args.runs, args.python
        ));
    }
    let result = profile_imports(&spec);
    if let Some(pb) = spinner {
        pb.finish_and_clear();
    }
    let doc = result?;
    out.emit(|w| perfaudit_report::render::imports(w, &doc, format, Style::new(out.color)))?;
    Ok(Status::Success)
}
