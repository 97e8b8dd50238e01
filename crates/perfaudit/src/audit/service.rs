//! The service under test: started in its own process group under a supervisor watchdog
//! (`perfaudit_bench::watchdog`, a child subreaper that is the service's parent), watched until
//! its ready URL answers (cold start), stopped with its stop signal and then SIGKILL, always: on
//! success, on error (the guard's `Drop`), on Ctrl-C/SIGTERM (the signal thread, through
//! `SERVICE_PGID`), and when perfaudit itself is killed, SIGKILL included (the watchdog sees its
//! pipe from perfaudit close and kills the whole tree, daemonized and `setsid` processes too).

use super::config::ServiceSettings;
use perfaudit_bench::watchdog::Supervised;
use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream, ToSocketAddrs};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The process group of the running service (0: none), for the signal thread.
pub(crate) static SERVICE_PGID: AtomicI32 = AtomicI32::new(0);

/// Kill the registered service group: `sig` first, SIGKILL after `grace`.
pub(crate) fn kill_registered(sig: i32, grace: Duration) {
    let pgid = SERVICE_PGID.swap(0, Ordering::SeqCst);
    if pgid > 0 {
        kill_group(pgid, sig, grace);
    }
}

fn group_alive(pgid: i32) -> bool {
    // SAFETY: kill with signal 0 only checks for existence.
    unsafe { libc::kill(-pgid, 0) == 0 }
}

fn kill_group(pgid: i32, sig: i32, grace: Duration) {
    // SAFETY: plain syscalls on a process group we created.
    unsafe {
        libc::kill(-pgid, sig);
    }
    let deadline = Instant::now() + grace;
    while Instant::now() < deadline {
        if !group_alive(pgid) {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    unsafe {
        libc::kill(-pgid, libc::SIGKILL);
    }
}

/// A free TCP port on 127.0.0.1 (bound and released).
pub(crate) fn free_port() -> std::io::Result<u16> {
    let l = TcpListener::bind("127.0.0.1:0")?;
    Ok(l.local_addr()?.port())
}

/// Replace `{port}` in a string.
pub(crate) fn subst(s: &str, port: u16) -> String {
    s.replace("{port}", &port.to_string())
}

/// Resolve a URL from the config against the service's base URL.
pub(crate) fn resolve_url(url: &str, port: Option<u16>) -> String {
    let url = match port {
        Some(p) => subst(url, p),
        None => url.to_string(),
    };
    if url.starts_with("http://") || url.starts_with("https://") {
        return url;
    }
    let base = format!("http://127.0.0.1:{}", port.unwrap_or(80));
    if url.starts_with('/') {
        format!("{base}{url}")
    } else {
        format!("{base}/{url}")
    }
}

pub(crate) struct Service {
    sup: Supervised,
    pub pid: u32,
    pub port: Option<u16>,
    pub display: String,
    pub ready_url: String,
    stderr_tail: Arc<Mutex<VecDeque<String>>>,
    stop_signal: i32,
    stop_timeout: Duration,
    stopped: Option<String>,
}

fn tail_reader(r: impl Read + Send + 'static, tail: Arc<Mutex<VecDeque<String>>>) {
    std::thread::spawn(move || {
        let mut r = BufReader::new(r);
        let mut line = Vec::new();
        loop {
            line.clear();
            match r.read_until(b'\n', &mut line) {
                Ok(0) | Err(_) => break,
                Ok(_) => {
                    let s = String::from_utf8_lossy(&line).trim_end().to_string();
                    if let Ok(mut t) = tail.lock() {
                        if t.len() == 40 {
                            t.pop_front();
                        }
                        t.push_back(s);
                    }
                }
            }
        }
    });
}

impl Service {
    /// Spawn the service; does not wait for readiness.
    pub(crate) fn spawn(s: &ServiceSettings) -> anyhow::Result<Service> {
        let port = match s.port {
            Some(p) => Some(p),
            None => Some(free_port()?),
        };
        let p = port.unwrap_or(0);
        let argv: Vec<String> = s.argv.iter().map(|a| subst(a, p)).collect();
        let mut cmd = Command::new(&argv[0]);
        cmd.args(&argv[1..])
            .current_dir(&s.cwd)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .env("PORT", p.to_string());
        for (k, v) in &s.env {
            cmd.env(k, subst(v, p));
        }
        let mut sup = Supervised::spawn(&cmd, Stdio::piped(), Stdio::piped()).map_err(|e| {
            anyhow::anyhow!(
                "cannot start the service `{}` in {}: {e}",
                s.display,
                s.cwd.display()
            )
        })?;
        let pid = sup.pid();
        SERVICE_PGID.store(pid as i32, Ordering::SeqCst);
        let tail = Arc::new(Mutex::new(VecDeque::new()));
        if let Some(out) = sup.take_stdout() {
            tail_reader(out, Arc::new(Mutex::new(VecDeque::new())));
        }
        if let Some(err) = sup.take_stderr() {
            tail_reader(err, tail.clone());
        }
        Ok(Service {
            sup,
            pid,
            port,
            display: s.display.clone(),
            ready_url: resolve_url(&s.ready_url, port),
            stderr_tail: tail,
            stop_signal: s.stop_signal,
            stop_timeout: s.stop_timeout,
            stopped: None,
        })
    }

    pub(crate) fn stderr_tail(&self) -> Vec<String> {
        self.stderr_tail
            .lock()
            .map(|t| t.iter().cloned().collect())
            .unwrap_or_default()
    }

    /// Wait until the ready URL answers 2xx/3xx; the time since spawn is the cold start.
    pub(crate) fn wait_ready(
        &mut self,
        timeout: Duration,
        started: Instant,
    ) -> anyhow::Result<Duration> {
        let deadline = started + timeout;
        loop {
            if let Some(status) = self.sup.try_wait() {
                std::thread::sleep(Duration::from_millis(50)); // let the stderr reader catch up
                let tail = self.stderr_tail();
                let last: Vec<&String> = tail
                    .iter()
                    .rev()
                    .take(5)
                    .collect::<Vec<_>>()
                    .into_iter()
                    .rev()
                    .collect();
                self.stopped = Some(format!("exited with {status} before it was ready"));
                anyhow::bail!(
                    "the service `{}` exited ({status}) before {} answered{}",
                    self.display,
                    self.ready_url,
                    if last.is_empty() {
                        String::new()
                    } else {
                        format!(
                            "; its last words on stderr:\n  {}",
                            last.iter()
                                .map(|s| s.as_str())
                                .collect::<Vec<_>>()
                                .join("\n  ")
                        )
                    }
                );
            }
            if http_ok(&self.ready_url, Duration::from_millis(500)) {
                return Ok(started.elapsed());
            }
            if Instant::now() >= deadline {
                anyhow::bail!(
                    "the service `{}` did not answer {} within {:.0?}",
                    self.display,
                    self.ready_url,
                    timeout
                );
            }
            std::thread::sleep(Duration::from_millis(25));
        }
    }

    /// Stop the whole process group: the stop signal, then SIGKILL after the stop timeout; then
    /// the watchdog kills whatever of the tree is left (processes that left the group).
    pub(crate) fn stop(&mut self) -> String {
        SERVICE_PGID.store(0, Ordering::SeqCst);
        if let Some(s) = &self.stopped {
            let s = s.clone();
            self.finish_tree();
            return s;
        }
        let pgid = self.pid as i32;
        // SAFETY: a signal to the process group we created.
        unsafe {
            libc::kill(-pgid, self.stop_signal);
        }
        let how = self.sup.wait_timeout(self.stop_timeout);
        let mut desc = match how {
            Some(st) => {
                // The leader is gone; no member of its group may survive it.
                if group_alive(pgid) {
                    kill_group(pgid, libc::SIGKILL, Duration::from_millis(500));
                }
                format!("stopped by {} ({st})", signal_name(self.stop_signal))
            }
            None => {
                // SAFETY: as above.
                unsafe {
                    libc::kill(-pgid, libc::SIGKILL);
                }
                // The watchdog reaps the leader and reports at once: no polling of a dead,
                // unreaped leader.
                let _ = self.sup.wait_timeout(Duration::from_secs(2));
                format!(
                    "killed: did not stop within {:.1?} of {}",
                    self.stop_timeout,
                    signal_name(self.stop_signal)
                )
            }
        };
        let strays = self.finish_tree();
        if strays > 0 {
            desc.push_str(&format!(
                "; {strays} process{} that had left the service's process group (daemonized or setsid) killed",
                if strays == 1 { "" } else { "es" }
            ));
        }
        self.stopped = Some(desc.clone());
        desc
    }

    /// Close the watchdog: it SIGKILLs every process still in the service's tree and reports
    /// how many had left the process group.
    fn finish_tree(&mut self) -> u32 {
        self.sup.kill_tree()
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        if self.stopped.is_none() {
            self.stop();
        } else {
            self.finish_tree();
        }
    }
}

pub(crate) fn signal_name(sig: i32) -> &'static str {
    match sig {
        libc::SIGTERM => "SIGTERM",
        libc::SIGINT => "SIGINT",
        libc::SIGKILL => "SIGKILL",
        libc::SIGHUP => "SIGHUP",
        libc::SIGQUIT => "SIGQUIT",
        libc::SIGUSR1 => "SIGUSR1",
        libc::SIGUSR2 => "SIGUSR2",
        _ => "signal",
    }
}

/// `GET url` over plain HTTP/1.1: true on a 2xx or 3xx status line.
pub(crate) fn http_ok(url: &str, timeout: Duration) -> bool {
    http_status(url, timeout).is_some_and(|s| (200..400).contains(&s))
}

fn http_status(url: &str, timeout: Duration) -> Option<u16> {
    let rest = url.strip_prefix("http://")?;
    let (hostport, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let addr = if hostport.contains(':') {
        hostport.to_string()
    } else {
        format!("{hostport}:80")
    };
    let sock = addr.to_socket_addrs().ok()?.next()?;
    let mut s = TcpStream::connect_timeout(&sock, timeout).ok()?;
    s.set_read_timeout(Some(timeout)).ok()?;
    s.set_write_timeout(Some(timeout)).ok()?;
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {hostport}\r\nUser-Agent: perfaudit\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut line = String::new();
    BufReader::new(s).read_line(&mut line).ok()?;
    line.split_whitespace().nth(1)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_resolve_against_the_service() {
        assert_eq!(
            resolve_url("/health", Some(8000)),
            "http://127.0.0.1:8000/health"
        );
        assert_eq!(resolve_url("x?a=1", Some(1)), "http://127.0.0.1:1/x?a=1");
        assert_eq!(
            resolve_url("http://127.0.0.1:{port}/a", Some(5)),
            "http://127.0.0.1:5/a"
        );
    }

    #[test]
    fn http_ok_reads_the_status_line() {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        let h = std::thread::spawn(move || {
            for code in [200, 503] {
                let (mut c, _) = l.accept().unwrap();
                let mut buf = [0u8; 512];
                let _ = c.read(&mut buf);
                write!(c, "HTTP/1.1 {code} X\r\nContent-Length: 0\r\n\r\n").unwrap();
            }
        });
        let url = format!("http://127.0.0.1:{port}/health");
        // Generous: the whole suite (load tests included) shares two cores with this thread.
        assert!(http_ok(&url, Duration::from_secs(20)));
        assert!(!http_ok(&url, Duration::from_secs(20)));
        h.join().unwrap();
    }
}
