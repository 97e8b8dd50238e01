//! No orphans on any death of perfaudit, SIGKILL included.
//!
//! A signal handler cannot run when perfaudit is killed with SIGKILL, and `PR_SET_PDEATHSIG`
//! reaches only the direct child (and fires when the *thread* that spawned it ends). So the
//! processes perfaudit starts are watched by a separate small process, the watchdog: perfaudit
//! re-executes itself in watchdog mode ([`run_if_watchdog`] at the top of `main`) and keeps the
//! write end of a pipe that is the watchdog's stdin. The kernel closes that pipe whatever way
//! perfaudit dies; the watchdog reads end-of-file and kills what it watches. As tini and
//! `systemd-run --scope` do, the watchdog is a child subreaper (`PR_SET_CHILD_SUBREAPER`): a
//! process of the tree that double-forks or calls `setsid` is re-parented to the watchdog, not to
//! init, so it stays in the tree and is found and killed. Cgroups would also catch a process that
//! escapes by other means, but need a writable cgroup v2 hierarchy, which CI containers rarely
//! give; the subreaper works everywhere on Linux >= 3.4.
//!
//! Two kinds:
//! - a **supervisor** ([`Supervised::spawn`]): the watchdog is the parent of a long-running
//!   service. It spawns the service in its own process group, reports its pid, its exit, and, when
//!   perfaudit closes the pipe (a normal stop, or perfaudit's death), SIGKILLs every process still
//!   descending from it and reports how many had left the service's process group.
//! - a **tracker** ([`track`] / [`untrack`]): one per perfaudit process, started on first use, for
//!   commands perfaudit must reap itself (benchmarks, whose `wait4` rusage is the measurement):
//!   each runs in its own process group, which the tracker SIGKILLs when perfaudit dies.
//!
//! Protocol. perfaudit -> watchdog (stdin): `+PGID` / `-PGID` lines (tracker), end-of-file (kill
//! everything, exit). watchdog -> perfaudit (fd 3 of the supervisor): `pid N`, `spawn-error
//! TEXT`, `exit code N` / `exit signal N`, and `done STRAYS` after the tree is gone.

use std::io::{BufRead, BufReader, Read, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

/// Environment variable that puts the perfaudit executable in watchdog mode.
pub const WATCHDOG_ENV: &str = "PERFAUDIT_WATCHDOG";

/// The executable that implements watchdog mode, set by [`install`].
static EXE: OnceLock<PathBuf> = OnceLock::new();

/// The tracker of this process, started on first [`track`].
static TRACKER: Mutex<Option<Tracker>> = Mutex::new(None);

struct Tracker {
    child: Child,
    stdin: ChildStdin,
}

/// Call first thing in `main`: when this process was started as a watchdog, run it and exit;
/// otherwise remember `exe` (normally `/proc/self/exe`) as the program to start watchdogs with.
pub fn run_if_watchdog() {
    match std::env::var_os(WATCHDOG_ENV) {
        Some(v) if v == "supervise" => std::process::exit(supervisor_main()),
        Some(v) if v == "track" => std::process::exit(tracker_main()),
        _ => {}
    }
    if let Ok(exe) = std::fs::read_link("/proc/self/exe") {
        let _ = EXE.set(exe);
    }
}

/// Use `exe` for watchdogs (tests of other binaries point it at the perfaudit binary).
pub fn install(exe: PathBuf) {
    let _ = EXE.set(exe);
}

/// Whether watchdogs can be started (an executable with watchdog mode is known).
pub fn available() -> bool {
    EXE.get().is_some()
}

fn watchdog_command(kind: &str) -> std::io::Result<Command> {
    let exe = EXE.get().ok_or_else(|| {
        std::io::Error::other("no watchdog executable (perfaudit_bench::watchdog::install)")
    })?;
    let mut cmd = Command::new(exe);
    cmd.env(WATCHDOG_ENV, kind)
        // Its own process group: a Ctrl-C or a group kill aimed at perfaudit does not take the
        // watchdog with it before it could clean up.
        .process_group(0)
        .stdin(Stdio::piped());
    Ok(cmd)
}

/// Start this process's tracker now (outside any timed region), if it is not running.
pub fn start_tracker() {
    tracker_send("");
}

/// Watch process group `pgid`: SIGKILLed if perfaudit dies before [`untrack`]. Best effort: when
/// no watchdog can be started, the group is simply not watched (and the caller's own stop paths
/// still apply).
pub fn track(pgid: u32) {
    tracker_send(&format!("+{pgid}\n"));
}

/// Stop watching `pgid` (it was reaped; its number may be reused).
pub fn untrack(pgid: u32) {
    tracker_send(&format!("-{pgid}\n"));
}

fn tracker_send(line: &str) {
    if !available() {
        return;
    }
    let mut guard = match TRACKER.lock() {
        Ok(g) => g,
        Err(p) => p.into_inner(),
    };
    if guard.is_none() {
        let Ok(mut cmd) = watchdog_command("track") else {
            return;
        };
        cmd.stdout(Stdio::null()).stderr(Stdio::null());
        let Ok(mut child) = cmd.spawn() else {
            return;
        };
        let Some(stdin) = child.stdin.take() else {
            return;
        };
        *guard = Some(Tracker { child, stdin });
    }
    if line.is_empty() {
        return;
    }
    if let Some(t) = guard.as_mut() {
        if t.stdin.write_all(line.as_bytes()).is_err() {
            // The tracker died: start a new one next time.
            let _ = t.child.kill();
            let _ = t.child.wait();
            *guard = None;
        }
    }
}

/// The tracker: read `+PGID`/`-PGID` until end-of-file, then SIGKILL every tracked group.
fn tracker_main() -> i32 {
    ignore_terminal_signals();
    let mut groups: Vec<i32> = Vec::new();
    let stdin = std::io::stdin();
    let mut line = String::new();
    let mut r = stdin.lock();
    loop {
        line.clear();
        match r.read_line(&mut line) {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
        let t = line.trim();
        if let Some(n) = t.strip_prefix('+').and_then(|n| n.parse::<i32>().ok()) {
            if n > 1 && !groups.contains(&n) {
                groups.push(n);
            }
        } else if let Some(n) = t.strip_prefix('-').and_then(|n| n.parse::<i32>().ok()) {
            groups.retain(|g| *g != n);
        }
    }
    for g in groups {
        // SAFETY: plain syscall; ESRCH (group gone) is fine.
        unsafe {
            libc::killpg(g, libc::SIGKILL);
        }
    }
    0
}

fn ignore_terminal_signals() {
    // SAFETY: setting dispositions to SIG_IGN at start-up, before any thread exists.
    unsafe {
        libc::signal(libc::SIGINT, libc::SIG_IGN);
        libc::signal(libc::SIGHUP, libc::SIG_IGN);
        libc::signal(libc::SIGPIPE, libc::SIG_IGN);
        libc::signal(libc::SIGQUIT, libc::SIG_IGN);
    }
}

/// How a supervised leader ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LeaderExit {
    Code(i32),
    Signal(i32),
}

impl std::fmt::Display for LeaderExit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LeaderExit::Code(c) => write!(f, "exit status: {c}"),
            LeaderExit::Signal(s) => write!(f, "signal: {s}"),
        }
    }
}

#[derive(Debug, Default)]
struct Status {
    exit: Option<LeaderExit>,
    /// `done N`: the tree is gone, N processes had left the leader's group.
    done: Option<u32>,
    closed: bool,
}

/// A command run under a supervisor watchdog: the watchdog is its parent.
#[derive(Debug)]
pub struct Supervised {
    watchdog: Child,
    control: Option<ChildStdin>,
    pid: u32,
    status: std::sync::Arc<(Mutex<Status>, std::sync::Condvar)>,
}

impl Supervised {
    /// Start `cmd` under a new supervisor watchdog. Program, arguments, environment and working
    /// directory are taken from `cmd`; `stdout`/`stderr` are the service's (the watchdog passes
    /// its own to it; take pipes with [`Supervised::take_stdout`]); its stdin is /dev/null.
    /// Returns once the service was spawned (or failed to spawn).
    pub fn spawn(cmd: &Command, stdout: Stdio, stderr: Stdio) -> std::io::Result<Supervised> {
        let mut wd = watchdog_command("supervise")?;
        wd.stdout(stdout).stderr(stderr);
        wd.arg("--").arg(cmd.get_program()).args(cmd.get_args());
        if let Some(dir) = cmd.get_current_dir() {
            wd.current_dir(dir);
        }
        for (k, v) in cmd.get_envs() {
            match v {
                Some(v) => wd.env(k, v),
                None => wd.env_remove(k),
            };
        }
        let (status_r, status_w) = pipe_cloexec()?;
        let status_w_fd = status_w.as_raw_fd();
        // SAFETY: only dup2 (async-signal-safe) between fork and exec.
        unsafe {
            wd.pre_exec(move || {
                if libc::dup2(status_w_fd, 3) == -1 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let spawned = wd.spawn();
        // Our copy of the write end goes: the status pipe ends when the watchdog does.
        drop(status_w);
        let mut watchdog = spawned?;
        let control = watchdog.stdin.take();
        let status =
            std::sync::Arc::new((Mutex::new(Status::default()), std::sync::Condvar::new()));
        let (first_tx, first_rx) = std::sync::mpsc::channel::<Result<u32, String>>();
        let st = status.clone();
        std::thread::Builder::new()
            .name("perfaudit-watchdog-status".into())
            .spawn(move || read_status(status_r, st, first_tx))?;
        match first_rx.recv_timeout(Duration::from_secs(30)) {
            Ok(Ok(pid)) => Ok(Supervised {
                watchdog,
                control,
                pid,
                status,
            }),
            Ok(Err(msg)) => {
                drop(control);
                let _ = watchdog.wait();
                Err(spawn_error(&msg))
            }
            Err(_) => {
                let _ = watchdog.kill();
                let _ = watchdog.wait();
                Err(std::io::Error::other("the watchdog did not start"))
            }
        }
    }

    /// The service's stdout, when it was piped.
    pub fn take_stdout(&mut self) -> Option<std::process::ChildStdout> {
        self.watchdog.stdout.take()
    }

    /// The service's stderr, when it was piped.
    pub fn take_stderr(&mut self) -> Option<std::process::ChildStderr> {
        self.watchdog.stderr.take()
    }

    /// The supervised process's pid (also its process group id).
    pub fn pid(&self) -> u32 {
        self.pid
    }

    /// The watchdog's pid.
    pub fn watchdog_pid(&self) -> u32 {
        self.watchdog.id()
    }

    /// How the leader ended, if it has.
    pub fn try_wait(&self) -> Option<LeaderExit> {
        let g = lock(&self.status.0);
        g.exit.or(if g.closed {
            // The watchdog vanished without a word (killed): the leader went with it.
            Some(LeaderExit::Signal(libc::SIGKILL))
        } else {
            None
        })
    }

    /// Wait up to `timeout` for the leader to end.
    pub fn wait_timeout(&self, timeout: Duration) -> Option<LeaderExit> {
        let deadline = Instant::now() + timeout;
        let (m, cv) = &*self.status;
        let mut g = lock(m);
        loop {
            if let Some(e) = g.exit {
                return Some(e);
            }
            if g.closed {
                return Some(LeaderExit::Signal(libc::SIGKILL));
            }
            let now = Instant::now();
            if now >= deadline {
                return None;
            }
            g = match cv.wait_timeout(g, deadline - now) {
                Ok((g, _)) => g,
                Err(p) => p.into_inner().0,
            };
        }
    }

    /// End the whole tree now: close the watchdog's pipe (it SIGKILLs every process still
    /// descending from it) and wait for it. Returns how many processes had left the leader's
    /// process group (daemonized, `setsid`) and were killed by the watchdog.
    pub fn kill_tree(&mut self) -> u32 {
        drop(self.control.take());
        let _ = self.watchdog.wait();
        let (m, cv) = &*self.status;
        let mut g = lock(m);
        let deadline = Instant::now() + Duration::from_secs(2);
        while !g.closed && Instant::now() < deadline {
            g = match cv.wait_timeout(g, Duration::from_millis(50)) {
                Ok((g, _)) => g,
                Err(p) => p.into_inner().0,
            };
        }
        g.done.unwrap_or(0)
    }
}

impl Drop for Supervised {
    fn drop(&mut self) {
        if self.control.is_some() {
            self.kill_tree();
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    match m.lock() {
        Ok(g) => g,
        Err(p) => p.into_inner(),
    }
}

fn spawn_error(msg: &str) -> std::io::Error {
    // `spawn-error <errno> <text>`: keep the kind (NotFound, PermissionDenied) for the caller.
    let (code, text) = msg.split_once(' ').unwrap_or(("0", msg));
    match code.parse::<i32>() {
        Ok(c) if c > 0 => std::io::Error::from_raw_os_error(c),
        _ => std::io::Error::other(text.to_string()),
    }
}

fn read_status(
    r: OwnedFd,
    st: std::sync::Arc<(Mutex<Status>, std::sync::Condvar)>,
    first: std::sync::mpsc::Sender<Result<u32, String>>,
) {
    let r = BufReader::new(std::fs::File::from(r));
    for line in r.lines() {
        let Ok(line) = line else { break };
        let (m, cv) = &*st;
        if let Some(n) = line.strip_prefix("pid ") {
            if let Ok(pid) = n.trim().parse() {
                let _ = first.send(Ok(pid));
            }
        } else if let Some(e) = line.strip_prefix("spawn-error ") {
            let _ = first.send(Err(e.to_string()));
        } else if let Some(c) = line.strip_prefix("exit code ") {
            lock(m).exit = c.trim().parse().ok().map(LeaderExit::Code);
            cv.notify_all();
        } else if let Some(c) = line.strip_prefix("exit signal ") {
            lock(m).exit = c.trim().parse().ok().map(LeaderExit::Signal);
            cv.notify_all();
        } else if let Some(n) = line.strip_prefix("done ") {
            lock(m).done = n.trim().parse().ok();
        }
    }
    let _ = first.send(Err(
        "0 the watchdog ended before it started the command".into()
    ));
    let (m, cv) = &*st;
    lock(m).closed = true;
    cv.notify_all();
}

fn pipe_cloexec() -> std::io::Result<(OwnedFd, OwnedFd)> {
    let mut fds = [0 as libc::c_int; 2];
    // SAFETY: fds is a valid array of two ints.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } == -1 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: pipe2 returned two fresh descriptors we own.
    Ok(unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) })
}

/// The supervisor: spawn the command after `--`, report, reap, and kill the whole tree when
/// stdin ends.
fn supervisor_main() -> i32 {
    ignore_terminal_signals();
    // SAFETY: fd 3 was set up by the parent (dup2 of the status pipe). Marking it close-on-exec
    // keeps it from the service.
    let mut status = unsafe {
        libc::fcntl(3, libc::F_SETFD, libc::FD_CLOEXEC);
        std::fs::File::from_raw_fd(3)
    };
    let argv: Vec<std::ffi::OsString> = std::env::args_os()
        .skip_while(|a| a != "--")
        .skip(1)
        .collect();
    // SAFETY: prctl on ourselves.
    unsafe {
        libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
    }
    let Some((program, args)) = argv.split_first() else {
        let _ = writeln!(status, "spawn-error 0 no command");
        return 2;
    };
    let mut cmd = Command::new(program);
    cmd.args(args)
        .env_remove(WATCHDOG_ENV)
        .stdin(Stdio::null())
        .process_group(0);
    // SAFETY: only async-signal-safe calls between fork and exec.
    unsafe {
        cmd.pre_exec(|| {
            // The watchdog is single-threaded, so the death signal is tied to its life.
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
            if libc::getppid() == 1 {
                libc::_exit(1);
            }
            Ok(())
        });
    }
    let leader = match cmd.spawn() {
        Ok(c) => c.id() as libc::pid_t,
        Err(e) => {
            let code = e.raw_os_error().unwrap_or(0);
            let _ = writeln!(status, "spawn-error {code} {e}");
            return 2;
        }
    };
    let _ = writeln!(status, "pid {leader}");
    let me = std::process::id() as libc::pid_t;
    let mut leader_done = false;
    let mut stdin = std::io::stdin();
    let mut buf = [0u8; 256];
    loop {
        // Reap whatever ended (the leader, and orphans re-parented to us).
        loop {
            let mut st: libc::c_int = 0;
            // SAFETY: plain waitpid on our own children.
            let r = unsafe { libc::waitpid(-1, &mut st, libc::WNOHANG) };
            if r <= 0 {
                break;
            }
            if r == leader && !leader_done {
                leader_done = true;
                let _ = if libc::WIFSIGNALED(st) {
                    writeln!(status, "exit signal {}", libc::WTERMSIG(st))
                } else {
                    writeln!(status, "exit code {}", libc::WEXITSTATUS(st))
                };
            }
        }
        let mut pfd = libc::pollfd {
            fd: 0,
            events: libc::POLLIN,
            revents: 0,
        };
        // SAFETY: one valid pollfd.
        let n = unsafe { libc::poll(&mut pfd, 1, 20) };
        if n > 0 {
            match stdin.read(&mut buf) {
                Ok(0) => break,
                Ok(_) => {}
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(_) => break,
            }
        }
    }
    let strays = kill_descendants(me, leader, Duration::from_secs(5));
    let _ = writeln!(status, "done {strays}");
    0
}

/// SIGKILL every descendant of `me` until none is left (or `limit` passed), reaping them.
/// Returns how many of the killed processes were outside `leader`'s process group.
fn kill_descendants(me: libc::pid_t, leader: libc::pid_t, limit: Duration) -> u32 {
    let deadline = Instant::now() + limit;
    let mut strays = std::collections::HashSet::new();
    loop {
        let procs = scan_proc();
        let desc = descendants(me, &procs);
        for &(pid, pgid) in &desc {
            if pgid != leader {
                strays.insert(pid);
            }
            // SAFETY: plain kill of a process in our subtree.
            unsafe {
                libc::kill(pid, libc::SIGKILL);
            }
        }
        // Reap: killed children, and grandchildren re-parented to us (we are a subreaper).
        let any_child = loop {
            let mut st: libc::c_int = 0;
            // SAFETY: plain waitpid on our own children.
            let r = unsafe { libc::waitpid(-1, &mut st, libc::WNOHANG) };
            if r <= 0 {
                // 0: children left that have not ended yet; -1 (ECHILD): none at all.
                break r == 0;
            }
        };
        if desc.is_empty() && !any_child {
            break;
        }
        if Instant::now() >= deadline {
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    strays.len() as u32
}

/// (pid, ppid, pgid) of every process in /proc.
fn scan_proc() -> Vec<(libc::pid_t, libc::pid_t, libc::pid_t)> {
    let mut out = Vec::new();
    let Ok(rd) = std::fs::read_dir("/proc") else {
        return out;
    };
    for e in rd.flatten() {
        let name = e.file_name();
        let Some(pid) = name.to_str().and_then(|s| s.parse::<libc::pid_t>().ok()) else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        // Fields after the command name in parentheses: state ppid pgrp ...
        let Some((_, rest)) = stat.rsplit_once(')') else {
            continue;
        };
        let mut f = rest.split_ascii_whitespace();
        let state = f.next();
        let ppid = f.next().and_then(|v| v.parse().ok());
        let pgid = f.next().and_then(|v| v.parse().ok());
        if let (Some(state), Some(ppid), Some(pgid)) = (state, ppid, pgid) {
            if state == "Z" {
                // A zombie is already dead; its parent (or we) will reap it.
                continue;
            }
            out.push((pid, ppid, pgid));
        }
    }
    out
}

/// (pid, pgid) of the descendants of `root`.
fn descendants(
    root: libc::pid_t,
    procs: &[(libc::pid_t, libc::pid_t, libc::pid_t)],
) -> Vec<(libc::pid_t, libc::pid_t)> {
    let mut out = Vec::new();
    let mut frontier = vec![root];
    while let Some(p) = frontier.pop() {
        for &(pid, ppid, pgid) in procs {
            if ppid == p && pid != root {
                out.push((pid, pgid));
                frontier.push(pid);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descendants_follow_the_parent_links() {
        let procs = vec![
            (10, 1, 10),
            (11, 10, 11),
            (12, 11, 11),
            (13, 12, 13),
            (20, 1, 20),
        ];
        let mut d = descendants(10, &procs);
        d.sort();
        assert_eq!(d, vec![(11, 11), (12, 11), (13, 13)]);
        assert!(descendants(20, &procs).is_empty());
    }

    #[test]
    fn spawn_errors_keep_their_kind() {
        let e = spawn_error("2 No such file or directory (os error 2)");
        assert_eq!(e.kind(), std::io::ErrorKind::NotFound);
        let e = spawn_error("0 no command");
        assert!(e.to_string().contains("no command"));
    }

    #[test]
    fn leader_exit_reads_like_an_exit_status() {
        assert_eq!(LeaderExit::Code(3).to_string(), "exit status: 3");
        assert_eq!(LeaderExit::Signal(9).to_string(), "signal: 9");
    }
}
