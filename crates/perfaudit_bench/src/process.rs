//! Real processes: spawn, `wait4` for the child's own rusage, and cold starts (own process
//! group, ready-URL polling, group stop).

use crate::error::BenchError;
use crate::executor::{split_words, ExitState, Measurement, OutputMode, Shell};
use crate::http::{http_get_status, HttpUrl};
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How long a stopped service gets between SIGTERM and SIGKILL.
pub(crate) const STOP_GRACE: Duration = Duration::from_secs(5);

thread_local! {
    static RESOLVED: std::cell::RefCell<std::collections::HashMap<String, Option<std::path::PathBuf>>> =
        std::cell::RefCell::new(std::collections::HashMap::new());
}

/// Look a bare program name up in `PATH` once (as a shell's hash table does), so each run
/// execs it directly instead of letting `posix_spawnp` try every `PATH` entry inside the
/// timed region. Names with a `/` are used as given; a name not found is left to the spawn
/// (which reports it as not found).
fn resolve_program(program: &str) -> std::path::PathBuf {
    use std::os::unix::fs::PermissionsExt;
    if program.contains('/') || program.is_empty() {
        return program.into();
    }
    RESOLVED.with(|cache| {
        cache
            .borrow_mut()
            .entry(program.to_string())
            .or_insert_with(|| {
                let path = std::env::var_os("PATH")?;
                std::env::split_paths(&path)
                    .filter(|dir| dir.is_absolute())
                    .map(|dir| dir.join(program))
                    .find(|p| {
                        std::fs::metadata(p)
                            .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
                    })
            })
            .clone()
            .unwrap_or_else(|| program.into())
    })
}

/// The process for a command line; `resolve` looks bare program names up in our `PATH` once.
fn build(
    command: &str,
    shell: &Shell,
    output: OutputMode,
    resolve: bool,
) -> Result<Command, BenchError> {
    let program_path = |p: &str| -> std::path::PathBuf {
        if resolve {
            resolve_program(p)
        } else {
            p.into()
        }
    };
    let mut cmd = match shell {
        Shell::None => {
            let words = split_words(command)?;
            let (program, args) = words.split_first().ok_or(BenchError::EmptyCommand)?;
            let mut c = Command::new(program_path(program));
            c.args(args);
            c
        }
        Shell::Program(sh) => {
            let mut c = Command::new(program_path(sh));
            c.arg("-c").arg(command);
            c
        }
    };
    cmd.stdin(Stdio::null());
    match output {
        OutputMode::Null => {
            cmd.stdout(Stdio::null()).stderr(Stdio::null());
        }
        OutputMode::Inherit => {
            cmd.stdout(Stdio::inherit()).stderr(Stdio::inherit());
        }
    }
    Ok(cmd)
}

fn spawn(mut cmd: Command, command: &str) -> Result<std::process::Child, BenchError> {
    cmd.spawn().map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            BenchError::CommandNotFound(command.to_string())
        } else {
            BenchError::Spawn {
                command: command.to_string(),
                source: e,
            }
        }
    })
}

/// `wait4` on one pid: its exit state and its own rusage (plus that of the descendants it
/// waited for), never the rusage of perfaudit's other children.
fn wait4(
    pid: libc::pid_t,
    flags: libc::c_int,
) -> std::io::Result<Option<(ExitState, libc::rusage)>> {
    loop {
        let mut status: libc::c_int = 0;
        // SAFETY: rusage is plain old data; zeroed is a valid value.
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        // SAFETY: valid pointers to locals; pid is our own child.
        let r = unsafe { libc::wait4(pid, &mut status, flags, &mut usage) };
        if r == -1 {
            let err = std::io::Error::last_os_error();
            if err.kind() == std::io::ErrorKind::Interrupted {
                continue;
            }
            return Err(err);
        }
        if r == 0 {
            return Ok(None);
        }
        let state = if libc::WIFSIGNALED(status) {
            ExitState::Signal(libc::WTERMSIG(status))
        } else {
            ExitState::Code(libc::WEXITSTATUS(status))
        };
        return Ok(Some((state, usage)));
    }
}

fn tv_secs(tv: libc::timeval) -> f64 {
    tv.tv_sec as f64 + tv.tv_usec as f64 * 1e-6
}

fn measurement(wall: Duration, exit: ExitState, usage: &libc::rusage) -> Measurement {
    Measurement {
        wall_s: wall.as_secs_f64(),
        user_s: tv_secs(usage.ru_utime),
        system_s: tv_secs(usage.ru_stime),
        // Linux reports ru_maxrss in KiB.
        peak_rss_bytes: (usage.ru_maxrss.max(0) as u64) * 1024,
        exit,
    }
}

/// Run a command to its exit and measure it.
pub(crate) fn run_to_exit(
    command: &str,
    shell: &Shell,
    output: OutputMode,
) -> Result<Measurement, BenchError> {
    let mut cmd = build(command, shell, output, true)?;
    // Its own process group, watched by the tracker: if perfaudit dies mid-run, the whole
    // group (`sh -c` and what it started) is killed, not left behind.
    cmd.process_group(0);
    crate::watchdog::start_tracker();
    let start = Instant::now();
    let child = spawn(cmd, command)?;
    let pid = child.id() as libc::pid_t;
    crate::watchdog::track(pid as u32);
    let waited = wait4(pid, 0).map_err(|source| BenchError::Wait {
        command: command.to_string(),
        source,
    });
    let wall = start.elapsed();
    // Reaped: from here the group number may be reused (what the command left running in the
    // background is its own business, as in hyperfine).
    crate::watchdog::untrack(pid as u32);
    let waited = waited?;
    // `child` is dropped without `wait`: the pid is already reaped by wait4 above.
    drop(child);
    let (exit, usage) =
        waited.ok_or_else(|| BenchError::Invalid("wait4 returned no child".into()))?;
    Ok(measurement(wall, exit, &usage))
}

/// A service to start and time to readiness.
#[derive(Debug, Clone)]
pub struct ColdStartSpec {
    pub command: String,
    pub shell: Shell,
    pub output: OutputMode,
    /// Polled with `GET` until it answers 2xx (plain http only).
    pub url: HttpUrl,
    /// Give up (and stop the process group) after this long.
    pub timeout: Duration,
    /// Extra environment variables for the service.
    pub env: Vec<(String, String)>,
    pub cwd: Option<std::path::PathBuf>,
}

/// A started service that answered its ready URL; runs in its own process group until
/// [`RunningService::stop`] (or drop, which stops it too).
#[derive(Debug)]
pub struct RunningService {
    command: String,
    pid: libc::pid_t,
    ready_after: Duration,
    started: Instant,
    reaped: bool,
}

impl RunningService {
    /// The service's pid (also its process group id).
    pub fn pid(&self) -> u32 {
        self.pid as u32
    }
    /// Time from spawn to the first 2xx answer.
    pub fn ready_after(&self) -> Duration {
        self.ready_after
    }
    /// When the process was spawned.
    pub fn started(&self) -> Instant {
        self.started
    }
    /// Whether the leader process has exited (without reaping it).
    pub fn is_running(&self) -> bool {
        // SAFETY: kill with signal 0 only checks for existence/permission.
        !self.reaped && unsafe { libc::kill(self.pid, 0) } == 0 && !self.leader_is_zombie()
    }

    fn leader_is_zombie(&self) -> bool {
        std::fs::read_to_string(format!("/proc/{}/stat", self.pid))
            .ok()
            .and_then(|s| {
                s.rsplit_once(')')
                    .map(|(_, rest)| rest.trim_start().starts_with('Z'))
            })
            .unwrap_or(false)
    }

    /// Stop the whole process group: SIGTERM, then SIGKILL after `grace`. Returns the leader's
    /// rusage (its wall time is the total time it ran).
    pub fn stop(mut self, grace: Duration) -> Result<Measurement, BenchError> {
        self.stop_inner(grace)
    }

    fn stop_inner(&mut self, grace: Duration) -> Result<Measurement, BenchError> {
        let r = stop_group(self.pid, self.started, grace, &self.command);
        if r.is_ok() {
            self.reaped = true;
            crate::watchdog::untrack(self.pid as u32);
        }
        r
    }
}

impl Drop for RunningService {
    fn drop(&mut self) {
        if !self.reaped {
            let _ = self.stop_inner(Duration::from_secs(2));
        }
    }
}

fn killpg(pgid: libc::pid_t, sig: libc::c_int) {
    // SAFETY: plain syscall; errors (ESRCH: group gone) are fine to ignore.
    unsafe {
        libc::killpg(pgid, sig);
    }
}

fn group_exists(pgid: libc::pid_t) -> bool {
    // SAFETY: signal 0 only probes.
    unsafe { libc::killpg(pgid, 0) == 0 }
}

fn stop_group(
    pid: libc::pid_t,
    started: Instant,
    grace: Duration,
    command: &str,
) -> Result<Measurement, BenchError> {
    killpg(pid, libc::SIGTERM);
    let deadline = Instant::now() + grace;
    let wait_err = |source| BenchError::Wait {
        command: command.to_string(),
        source,
    };
    let mut leader = None;
    loop {
        if leader.is_none() {
            leader = wait4(pid, libc::WNOHANG).map_err(wait_err)?;
        }
        if leader.is_some() && !group_exists(pid) {
            break;
        }
        if Instant::now() >= deadline {
            killpg(pid, libc::SIGKILL);
            if leader.is_none() {
                leader = wait4(pid, 0).map_err(wait_err)?;
            }
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let wall = started.elapsed();
    let (exit, usage) =
        leader.ok_or_else(|| BenchError::Invalid("wait4 returned no child".into()))?;
    Ok(measurement(wall, exit, &usage))
}

/// Start `spec.command` in its own process group and poll `spec.url` until it answers 2xx.
/// On success the service keeps running (see [`RunningService`]); on timeout or early exit the
/// process group is stopped and an error says why.
pub fn cold_start(spec: &ColdStartSpec) -> Result<RunningService, BenchError> {
    // With its own PATH, the service's PATH decides which program runs.
    let resolve = !spec.env.iter().any(|(k, _)| k == "PATH");
    let mut cmd = build(&spec.command, &spec.shell, spec.output, resolve)?;
    cmd.process_group(0);
    for (k, v) in &spec.env {
        cmd.env(k, v);
    }
    if let Some(dir) = &spec.cwd {
        cmd.current_dir(dir);
    }
    crate::watchdog::start_tracker();
    let started = Instant::now();
    let child = spawn(cmd, &spec.command)?;
    let pid = child.id() as libc::pid_t;
    crate::watchdog::track(pid as u32);
    drop(child);
    let deadline = started + spec.timeout;
    let mut last = String::from("no answer yet");
    let mut interval = Duration::from_millis(2);
    loop {
        if let Some((exit, _)) = wait4(pid, libc::WNOHANG).map_err(|source| BenchError::Wait {
            command: spec.command.clone(),
            source,
        })? {
            killpg(pid, libc::SIGKILL);
            crate::watchdog::untrack(pid as u32);
            return Err(BenchError::ExitedBeforeReady {
                command: spec.command.clone(),
                url: spec.url.to_string(),
                state: exit.describe(),
            });
        }
        let now = Instant::now();
        if now >= deadline {
            let _ = stop_group(pid, started, STOP_GRACE, &spec.command);
            crate::watchdog::untrack(pid as u32);
            return Err(BenchError::ReadyTimeout {
                command: spec.command.clone(),
                url: spec.url.to_string(),
                timeout: spec.timeout,
                last,
            });
        }
        let attempt_timeout = (deadline - now).min(Duration::from_secs(1));
        match http_get_status(&spec.url, attempt_timeout) {
            Ok(status) if (200..300).contains(&status) => {
                return Ok(RunningService {
                    command: spec.command.clone(),
                    pid,
                    ready_after: started.elapsed(),
                    started,
                    reaped: false,
                });
            }
            Ok(status) => last = format!("HTTP {status}"),
            Err(e) => last = e.to_string(),
        }
        std::thread::sleep(interval);
        // Poll densely at first (cold start resolution), then back off to 50 ms.
        if started.elapsed() > Duration::from_millis(500) {
            interval = (interval * 2).min(Duration::from_millis(50));
        }
    }
}
