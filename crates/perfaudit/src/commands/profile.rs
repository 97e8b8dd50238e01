//! `perfaudit profile (--pid N | -- CMD ...)`: a sampling CPU profile of a Python process tree
//! (py-spy's reader, in-process): top functions by self and total share with file:line, JSON,
//! collapsed stacks, speedscope, a self-contained HTML flame graph.
//!
//! Permission problems, a non-Python target and a target gone before the first sample are
//! errors (exit 2) that say why and what to do; never an empty profile.

use crate::cli::format_parser;
use crate::exit::Status;
use crate::output::OutputPolicy;
use anyhow::Context;
use clap::Args;
use perfaudit_model::profile::{ProfileReport, ProfileSettings, ProfileTarget};
use perfaudit_profile::{Session, SessionSpec};
use perfaudit_report::style::Style;
use perfaudit_report::ProfileFormat;
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// Sampling CPU profile of a Python process and its children (py-spy, non-blocking).
///
/// Profiles `--pid N` or spawns `-- CMD ARGS` and profiles it (from its start to its exit, or
/// for --duration; then it is stopped: SIGTERM, SIGKILL 2s later). The target is never paused.
/// Reading another process's memory needs ptrace rights: your own child always works; another
/// user's process needs root or CAP_SYS_PTRACE.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  perfaudit profile --pid 4242 --duration 30s --format html -o flame.html\n  \
perfaudit profile --format collapsed -- python3 app.py | inferno-flamegraph > flame.svg"
)]
pub(crate) struct ProfileArgs {
    /// Profile this running process (and its children).
    #[arg(long, value_name = "PID")]
    pub(crate) pid: Option<u32>,

    /// Samples per second.
    #[arg(long, default_value_t = 100, value_name = "HZ")]
    pub(crate) rate: u32,

    /// Stop after this long (default: until the target exits or Ctrl-C).
    #[arg(long, value_parser = duration_arg)]
    pub(crate) duration: Option<Duration>,

    /// Follow child processes (gunicorn/uvicorn workers, multiprocessing): on by default;
    /// `--subprocesses=false` profiles the one process.
    #[arg(long, default_value_t = true, num_args = 0..=1, default_missing_value = "true",
          value_name = "BOOL", action = clap::ArgAction::Set)]
    pub(crate) subprocesses: bool,

    /// Include native (C/C++) frames (needs a perfaudit built with the `native` feature).
    #[arg(long)]
    pub(crate) native: bool,

    /// Count idle threads too (waiting on I/O, locks, sleep); by default only running ones.
    #[arg(long)]
    pub(crate) idle: bool,

    /// Output format.
    #[arg(long, value_name = "FORMAT", value_parser = format_parser::<ProfileFormat>())]
    pub(crate) format: Option<ProfileFormat>,

    /// The command to spawn and profile, after `--`.
    #[arg(last = true, value_name = "CMD")]
    pub(crate) command: Vec<String>,
}

fn duration_arg(s: &str) -> Result<Duration, String> {
    perfaudit_model::units::parse_duration(s).map_err(String::from)
}

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

/// The spawned command: its own process group, ended with perfaudit (PR_SET_PDEATHSIG), its
/// stdout sent to perfaudit's stderr so the report on stdout stays clean.
struct Spawned(Child);

impl Spawned {
    fn start(argv: &[String]) -> anyhow::Result<Spawned> {
        let stderr = std::io::stderr()
            .as_fd_owned()
            .context("cannot duplicate stderr")?;
        let mut cmd = Command::new(&argv[0]);
        cmd.args(&argv[1..])
            .stdin(Stdio::null())
            .stdout(Stdio::from(stderr))
            .process_group(0);
        // SAFETY: prctl is async-signal-safe; nothing else runs between fork and exec.
        unsafe {
            cmd.pre_exec(|| {
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
                Ok(())
            });
        }
        let child = cmd
            .spawn()
            .with_context(|| format!("cannot start `{}`", argv[0]))?;
        Ok(Spawned(child))
    }

    fn exit_code(&mut self) -> Option<i32> {
        use std::os::unix::process::ExitStatusExt;
        self.0
            .try_wait()
            .ok()
            .flatten()
            .map(|s| s.code().unwrap_or_else(|| 128 + s.signal().unwrap_or(0)))
    }

    /// SIGTERM to the group, SIGKILL 2s later; reaped.
    fn stop(&mut self) -> Option<i32> {
        if let Some(c) = self.exit_code() {
            return Some(c);
        }
        let pgid = self.0.id() as libc::pid_t;
        // SAFETY: signals to the child's own process group.
        unsafe { libc::kill(-pgid, libc::SIGTERM) };
        let t0 = std::time::Instant::now();
        while t0.elapsed() < Duration::from_secs(2) {
            if self.exit_code().is_some() {
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        // SAFETY: as above.
        unsafe { libc::kill(-pgid, libc::SIGKILL) };
        self.0.wait().ok();
        None
    }
}

impl Drop for Spawned {
    fn drop(&mut self) {
        if self.exit_code().is_none() {
            self.stop();
        }
    }
}

trait AsFdOwned {
    fn as_fd_owned(&self) -> std::io::Result<std::os::fd::OwnedFd>;
}

impl AsFdOwned for std::io::Stderr {
    fn as_fd_owned(&self) -> std::io::Result<std::os::fd::OwnedFd> {
        use std::os::fd::AsFd;
        self.as_fd().try_clone_to_owned()
    }
}

pub(crate) fn run(args: ProfileArgs, out: &OutputPolicy) -> anyhow::Result<Status> {
    let format = out.format(args.format)?;
    if !(1..=1000).contains(&args.rate) {
        anyhow::bail!(
            "--rate {} is out of range: 1 to 1000 samples per second",
            args.rate
        );
    }
    if args.duration.is_some_and(|d| d.is_zero()) {
        anyhow::bail!("--duration must be longer than 0s");
    }
    let mut spawned = match (args.pid, args.command.is_empty()) {
        (Some(_), false) => anyhow::bail!("give either --pid or a command after `--`, not both"),
        (None, true) => anyhow::bail!(
            "nothing to profile: give --pid PID or a command after `--` (perfaudit profile -- python3 app.py)"
        ),
        (Some(_), true) => None,
        (None, false) => Some(Spawned::start(&args.command)?),
    };
    let pid = match (&spawned, args.pid) {
        (Some(s), _) => s.0.id(),
        (None, Some(p)) => p,
        (None, None) => unreachable!("checked above"),
    };
    let mut spec = SessionSpec::new(pid);
    spec.rate_hz = args.rate;
    spec.duration = args.duration;
    spec.subprocesses = args.subprocesses;
    spec.native = args.native;
    spec.idle = args.idle;
    spec.attach_patience = if spawned.is_some() {
        Duration::from_secs(5)
    } else {
        Duration::from_secs(1)
    };
    install_signal_handlers();
    let session = match Session::start(spec) {
        Ok(s) => s,
        Err(e) => {
            let code = spawned.as_mut().and_then(Spawned::stop);
            let extra = code
                .map(|c| format!(" (the command exited with {c})"))
                .unwrap_or_default();
            anyhow::bail!("{e}{extra}");
        }
    };
    {
        out.note(format!(
            "perfaudit: profiling pid {pid} (Python {}{}) at {} Hz{}; Ctrl-C to stop",
            session.python_version,
            if args.subprocesses {
                ", with its children"
            } else {
                ""
            },
            args.rate,
            args.duration
                .map(|d| format!(" for {:.1}s", d.as_secs_f64()))
                .unwrap_or_default()
        ));
    }
    let profile = session.wait(&|| INTERRUPTED.load(Ordering::SeqCst));
    let exit_code = spawned.as_mut().and_then(Spawned::stop);
    let doc = ProfileReport {
        schema: perfaudit_model::SCHEMA_PROFILE.to_string(),
        target: ProfileTarget {
            pid,
            command: spawned.is_some().then(|| args.command.clone()),
            exit_code,
        },
        settings: ProfileSettings {
            rate_hz: args.rate,
            duration_s: args.duration.map(|d| d.as_secs_f64()),
            subprocesses: args.subprocesses,
            native: args.native,
            idle: args.idle,
            nonblocking: true,
        },
        profile,
    };
    let style = Style::new(out.color);
    out.emit(|w| perfaudit_report::render::profile(w, &doc, format, style))?;
    if doc.profile.samples == 0 {
        out.note(format!(
            "perfaudit: no running thread was sampled ({} idle samples); --idle counts waiting threads",
            doc.profile.idle_samples
        ));
    }
    Ok(Status::Success)
}
