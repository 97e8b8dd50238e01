//! `perfaudit monitor`: sample a process tree and the host; alerts; leak verdict.
//!
//! Settings are validated here, the sampler runs in `perfaudit_monitor`, its observer feeds
//! the live line (stderr), the `--samples` file and the `/metrics` endpoint; the final report
//! goes to the renderer of `--format`.

use crate::cli::format_parser;
use crate::exit::Status;
use crate::output::OutputPolicy;
use anyhow::Context;
use clap::{Args, ValueEnum};
use perfaudit_monitor::metrics_server::MetricsServer;
use perfaudit_monitor::{
    AlertRule, Live, Monitor, MonitorError, MonitorReport, MonitorSpec, TargetSpec,
};
use perfaudit_report::csv::monitor::SampleCsv;
use perfaudit_report::style::Style;
use perfaudit_report::MonitorFormat;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Sample a process tree's resources; alerts; memory-leak verdict.
///
/// Watches `--pid N` or spawns `-- CMD ARGS` (following it to its exit and passing its exit
/// code through), summing the process and all its descendants: CPU (user/system), RSS, threads,
/// open file descriptors, disk I/O, context switches; and the host: CPU, memory, load,
/// network. Exit 1 when an alert fired (unless the spawned command failed: its code wins).
#[derive(Debug, Args)]
#[command(
    after_help = "Alert rules: METRIC OP VALUE [for DURATION], OP one of > >= < <=.\n\
  Metrics: cpu cpu_user cpu_sys (% of one core), rss (bytes, or % of host memory), threads,\n\
  fds, procs, disk_read disk_write (bytes/s), host_cpu (% of all cores), mem (host memory\n\
  used: bytes or %), load1. Sizes: B KB MB GB (powers of 1000), KiB MiB GiB or K M G (1024).\n\
  Examples: --alert 'cpu>80%' --alert 'rss>500MB for 5s' --alert 'fds>1000' --alert 'mem>85%'\n\n\
--format csv writes the samples kept."
)]
pub(crate) struct MonitorArgs {
    /// Watch this existing process and all its descendants.
    #[arg(long, value_name = "PID")]
    pub pid: Option<u32>,

    /// Time between samples (10ms at least).
    #[arg(long, default_value = "1s", value_parser = duration_arg)]
    pub interval: Duration,

    /// Stop after this long (a spawned command is then terminated: SIGTERM, SIGKILL 2s later).
    /// Default: until the target exits or Ctrl-C.
    #[arg(long, value_parser = duration_arg)]
    pub duration: Option<Duration>,

    /// Record every process of the tree in each sample (JSON report and JSON Lines samples).
    #[arg(long)]
    pub per_process: bool,

    /// Alert rule, repeatable: `cpu>80%`, `rss>500MB for 5s`, `fds>1000` (see below).
    #[arg(long = "alert", value_name = "RULE", value_parser = alert_arg)]
    pub alerts: Vec<AlertRule>,

    /// Stream every sample to FILE as it is taken: JSON Lines (.jsonl, .ndjson, .json) or CSV
    /// (.csv), or as --samples-format says.
    #[arg(long, value_name = "FILE")]
    pub samples: Option<PathBuf>,

    /// Format of the --samples file (default: from its extension).
    #[arg(long, value_enum, requires = "samples")]
    pub samples_format: Option<SamplesFormat>,

    /// Serve OpenMetrics on http://ADDR/metrics while monitoring, e.g. 127.0.0.1:9464.
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<String>,

    /// Time excluded from leak analysis at the start (default: 20% of the run, at most 60s).
    #[arg(long, value_parser = duration_arg)]
    pub warmup: Option<Duration>,

    /// Significance level of the leak test (Mann-Kendall, one-sided).
    #[arg(long, default_value_t = 0.01)]
    pub alpha: f64,

    /// Samples kept in the report (the most recent); summaries, alerts and the leak test
    /// always cover the whole run.
    #[arg(long, default_value_t = 10_000, value_name = "N")]
    pub keep: usize,

    /// Output format.
    #[arg(long, value_name = "FORMAT", value_parser = format_parser::<MonitorFormat>())]
    pub format: Option<MonitorFormat>,

    /// The command to spawn and follow, after `--`.
    #[arg(last = true, value_name = "CMD")]
    pub command: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum SamplesFormat {
    Jsonl,
    Csv,
}

impl SamplesFormat {
    /// The format a `--samples` file's extension names.
    fn from_extension(ext: &str) -> Option<SamplesFormat> {
        const EXTENSIONS: [(&str, SamplesFormat); 4] = [
            ("jsonl", SamplesFormat::Jsonl),
            ("ndjson", SamplesFormat::Jsonl),
            ("json", SamplesFormat::Jsonl),
            ("csv", SamplesFormat::Csv),
        ];
        EXTENSIONS
            .iter()
            .find(|(e, _)| ext.eq_ignore_ascii_case(e))
            .map(|(_, f)| *f)
    }
}

fn duration_arg(s: &str) -> Result<Duration, String> {
    perfaudit_model::units::parse_duration(s).map_err(String::from)
}

fn alert_arg(s: &str) -> Result<AlertRule, String> {
    AlertRule::parse(s)
}

/// Set by SIGINT/SIGTERM: stop sampling and report what was seen.
static INTERRUPTED: AtomicBool = AtomicBool::new(false);

extern "C" fn on_signal(_sig: libc::c_int) {
    INTERRUPTED.store(true, Ordering::SeqCst);
}

fn install_signal_handlers() {
    let handler = on_signal as extern "C" fn(libc::c_int) as libc::sighandler_t;
    // SAFETY: the handler only stores to an atomic, which is async-signal-safe.
    unsafe {
        libc::signal(libc::SIGINT, handler);
        libc::signal(libc::SIGTERM, handler);
    }
}

/// The streaming samples file.
enum SampleSink {
    Jsonl(BufWriter<File>),
    Csv(BufWriter<File>, SampleCsv),
}

impl SampleSink {
    fn write(&mut self, s: &perfaudit_monitor::Sample) -> std::io::Result<()> {
        match self {
            SampleSink::Jsonl(w) => {
                serde_json::to_writer(&mut *w, s).map_err(std::io::Error::other)?;
                w.write_all(b"\n")?;
                w.flush()
            }
            SampleSink::Csv(w, csv) => {
                csv.write_row(&mut *w, s)?;
                w.flush()
            }
        }
    }
}

pub(crate) fn run(args: MonitorArgs, out: &OutputPolicy) -> anyhow::Result<Status> {
    let format = out.format(args.format)?;
    let target = match (args.pid, args.command.is_empty()) {
        (Some(_), false) => anyhow::bail!("give either --pid or a command after `--`, not both"),
        (Some(pid), true) => TargetSpec::Pid(pid),
        (None, false) => TargetSpec::Command(args.command.clone()),
        (None, true) => anyhow::bail!(
            "nothing to monitor: give --pid PID or a command after `--` (perfaudit monitor -- python app.py)"
        ),
    };
    if !(args.alpha > 0.0 && args.alpha < 1.0) {
        anyhow::bail!("--alpha must be between 0 and 1 (got {})", args.alpha);
    }
    if args.interval < MonitorSpec::MIN_INTERVAL {
        anyhow::bail!(
            "--interval {:?} is too short (10ms at least)",
            args.interval
        );
    }

    let sink = match &args.samples {
        None => None,
        Some(path) => {
            let fmt = match args.samples_format {
                Some(f) => f,
                None => path
                    .extension()
                    .and_then(|e| e.to_str())
                    .and_then(SamplesFormat::from_extension)
                    .with_context(|| {
                        format!(
                            "cannot tell the format of --samples {} from its extension: use .jsonl or .csv, or --samples-format",
                            path.display()
                        )
                    })?,
            };
            let f = File::create(path)
                .with_context(|| format!("cannot create --samples file {}", path.display()))?;
            let w = BufWriter::new(f);
            Some(match fmt {
                SamplesFormat::Jsonl => SampleSink::Jsonl(w),
                SamplesFormat::Csv => SampleSink::Csv(w, SampleCsv::new()),
            })
        }
    };

    let server = match &args.listen {
        None => None,
        Some(addr) => Some(
            MetricsServer::bind(addr)
                .with_context(|| format!("cannot listen on {addr} for /metrics"))?,
        ),
    };

    let progress = out.spinner("{spinner} {msg}", Duration::from_millis(200));

    let sink_error: Arc<Mutex<Option<String>>> = Arc::new(Mutex::new(None));
    let mut spec = MonitorSpec::new(target);
    spec.interval = args.interval;
    spec.duration = args.duration;
    spec.per_process = args.per_process;
    spec.alerts = args.alerts.clone();
    spec.ring_capacity = args.keep;
    spec.warmup = args.warmup;
    spec.alpha = args.alpha;
    spec.observer = Some(observer(
        sink,
        server.as_ref().map(|s| s.publisher()),
        progress.clone(),
        out.quiet,
        Arc::clone(&sink_error),
        args.samples.clone(),
    ));

    install_signal_handlers();
    let handle = match Monitor::start(spec) {
        Ok(h) => h,
        Err(e) => {
            if let Some(pb) = &progress {
                pb.finish_and_clear();
            }
            return Err(start_error(e));
        }
    };
    if !out.quiet {
        let what = match &args.pid {
            Some(pid) => format!("PID {pid}"),
            None => format!(
                "`{}` (PID {})",
                perfaudit_report::text::monitor::command_line(&args.command),
                handle.pid()
            ),
        };
        let listen = server
            .as_ref()
            .map(|s| format!(", metrics on http://{}/metrics", s.local_addr()))
            .unwrap_or_default();
        let msg = format!(
            "perfaudit: monitoring {what} every {}{listen}; Ctrl-C to stop",
            perfaudit_model::units::fmt_duration_setting(args.interval)
        );
        out.note_above(progress.as_ref(), msg);
    }
    let report = loop {
        if handle.is_finished() {
            break handle.wait();
        }
        if INTERRUPTED.load(Ordering::SeqCst) {
            break handle.stop();
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    if let Some(pb) = &progress {
        pb.finish_and_clear();
    }
    drop(server);

    let style = Style::new(out.color);
    out.emit(|w| perfaudit_report::render::monitor(w, &report, format, style))?;

    if let Some(err) = sink_error.lock().ok().and_then(|e| e.clone()) {
        anyhow::bail!("{err}");
    }
    Ok(exit_status(&report))
}

fn observer(
    mut sink: Option<SampleSink>,
    publisher: Option<perfaudit_monitor::metrics_server::Publisher>,
    progress: Option<indicatif::ProgressBar>,
    quiet: bool,
    sink_error: Arc<Mutex<Option<String>>>,
    samples_path: Option<PathBuf>,
) -> perfaudit_monitor::Observer {
    Box::new(move |live: &Live<'_>| {
        if let Some(s) = sink.as_mut() {
            if let Err(e) = s.write(live.sample) {
                let path = samples_path
                    .as_ref()
                    .map(|p| p.display().to_string())
                    .unwrap_or_default();
                if let Ok(mut slot) = sink_error.lock() {
                    *slot = Some(format!("cannot write --samples file {path}: {e}"));
                }
                sink = None;
            }
        }
        if let Some(p) = &publisher {
            let mut body = Vec::with_capacity(4096);
            if perfaudit_report::openmetrics::monitor::write_live(
                &mut body,
                live.pid,
                live.sample,
                live.summary,
                live.active_alerts,
            )
            .is_ok()
            {
                p.publish(String::from_utf8_lossy(&body).into_owned());
            }
        }
        if !quiet {
            for w in live.new_warnings {
                crate::output::note_above(progress.as_ref(), format!("perfaudit: warning: {w}"));
            }
        }
        if let Some(pb) = &progress {
            pb.set_message(perfaudit_report::text::monitor::live_line(
                live.sample,
                live.active_alerts,
                live.alert_events,
            ));
        }
    })
}

fn start_error(e: MonitorError) -> anyhow::Error {
    match e {
        MonitorError::PermissionDenied { pid, detail } => anyhow::anyhow!(
            "permission denied reading process {pid} ({detail}): run perfaudit as the process's user or as root"
        ),
        other => anyhow::Error::new(other),
    }
}

/// 1 when an alert fired; a spawned command's failure passes through (its exit code, or
/// 128 + signal) unless perfaudit itself terminated it at the end of `--duration`.
fn exit_status(report: &MonitorReport) -> Status {
    if let Some(exit) = &report.exit {
        if !exit.terminated_by_monitor {
            let code = match (exit.code, exit.signal) {
                (Some(c), _) => c,
                (None, Some(sig)) => 128 + sig,
                (None, None) => 0,
            };
            if code != 0 {
                // Leave with the command's own code (the report is already written).
                return Status::Code(code.clamp(1, 255) as u8);
            }
        }
    }
    if report.alerts.is_empty() {
        Status::Success
    } else {
        Status::Failure
    }
}
