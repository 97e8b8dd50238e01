//! No orphans on any death of perfaudit, SIGKILL included: the service's whole process tree
//! (gunicorn-style pre-fork workers, a daemonized setsid grandchild), benchmarked commands and
//! import profiles end within 2 s of perfaudit's death.

use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/prefork/prefork.py")
}

fn perfaudit() -> std::process::Command {
    let mut c = std::process::Command::new(assert_cmd::cargo::cargo_bin("perfaudit"));
    c.env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    c
}

/// Gone, or a zombie about to be reaped.
fn is_gone(pid: i32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        Ok(s) => {
            s.rsplit(')')
                .next()
                .and_then(|r| r.split_whitespace().next())
                == Some("Z")
        }
    }
}

/// Wait until every pid is gone; returns the survivors after `within`.
fn survivors(pids: &[i32], within: Duration) -> Vec<i32> {
    let t = Instant::now();
    loop {
        let alive: Vec<i32> = pids.iter().copied().filter(|p| !is_gone(*p)).collect();
        if alive.is_empty() || t.elapsed() >= within {
            // Never leave them running, whatever the verdict.
            for p in &alive {
                unsafe {
                    libc::kill(*p, libc::SIGKILL);
                }
            }
            return alive;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn read_pids(file: &Path) -> Vec<i32> {
    std::fs::read_to_string(file)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.trim().parse().ok())
        .collect()
}

/// Wait for at least `n` pids in `file` (each process writes its own), killing `child` and
/// failing the test after 60 s.
fn wait_pids(file: &Path, n: usize, child: &mut Child) -> Vec<i32> {
    let t = Instant::now();
    loop {
        let pids = read_pids(file);
        if pids.len() >= n {
            return pids;
        }
        if let Ok(Some(st)) = child.try_wait() {
            let mut err = String::new();
            use std::io::Read;
            let _ = child.stderr.take().unwrap().read_to_string(&mut err);
            panic!("perfaudit ended ({st}) before {n} processes ran: {err}");
        }
        if t.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            let _ = child.wait();
            survivors(&pids, Duration::ZERO);
            panic!("only {} of {n} processes started", pids.len());
        }
        std::thread::sleep(Duration::from_millis(25));
    }
}

fn sigkill(child: &mut Child) {
    unsafe {
        libc::kill(child.id() as i32, libc::SIGKILL);
    }
    let _ = child.wait();
}

fn prefork_project(dir: &Path, daemon: bool, load: &str) -> PathBuf {
    let pidfile = dir.join("pids");
    std::fs::write(
        dir.join("perfaudit.toml"),
        format!(
            r#"[project]
name = "prefork"
scan = false

[service]
command = ["python3", "{script}", "{{port}}"]
env = {{ PIDFILE = "{pidfile}", WORKERS = "3", DAEMON = "{daemon}" }}
ready_url = "/"
ready_timeout = "60s"
stop_timeout = "2s"
cold_starts = 1

[[load]]
url = "/"
duration = "{load}"
connections = 2

[history]
store = false
"#,
            script = fixture().display(),
            pidfile = pidfile.display(),
            daemon = if daemon { "1" } else { "0" },
        ),
    )
    .unwrap();
    pidfile
}

#[test]
fn sigkill_of_the_audit_ends_prefork_workers_and_a_setsid_daemon_within_2s() {
    let dir = tempfile::tempdir().unwrap();
    let pidfile = prefork_project(dir.path(), true, "60s");
    let mut child = perfaudit()
        .args(["audit", "--no-progress", "--quiet"])
        .arg(dir.path())
        .spawn()
        .unwrap();
    // parent + 3 workers + the daemon.
    let pids = wait_pids(&pidfile, 5, &mut child);
    std::thread::sleep(Duration::from_millis(500));
    sigkill(&mut child);
    let left = survivors(&pids, Duration::from_secs(2));
    assert!(
        left.is_empty(),
        "survived kill -9 of perfaudit: {left:?} of {pids:?}"
    );
}

#[test]
fn a_normal_audit_stops_a_daemonized_grandchild_too() {
    let dir = tempfile::tempdir().unwrap();
    let pidfile = prefork_project(dir.path(), true, "1s");
    let out = perfaudit()
        .args(["audit", "--no-progress", "--format", "json"])
        .arg(dir.path())
        .stdout(Stdio::piped())
        .output()
        .unwrap();
    let pids = read_pids(&pidfile);
    assert_eq!(pids.len(), 5, "{}", String::from_utf8_lossy(&out.stderr));
    let left = survivors(&pids, Duration::from_secs(2));
    assert!(left.is_empty(), "survived the audit: {left:?} of {pids:?}");
    let run: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let stopped = run["service"]["stopped"].as_str().unwrap();
    assert!(stopped.contains("1 process that had left"), "{stopped}");
    // The tree's memory is its PSS: the pre-fork workers' shared pages counted once, so well
    // below the RSS sum of five python processes.
    let mem = run["metrics"]["memory.max"]["value"].as_f64().unwrap();
    let rss = run["metrics"]["rss.max"]["value"].as_f64().unwrap();
    assert!(
        mem > 0.0 && mem < 0.8 * rss,
        "memory.max {mem} rss.max {rss}"
    );
}

#[test]
fn sigkill_of_bench_ends_the_shell_and_its_child() {
    let dir = tempfile::tempdir().unwrap();
    let pidfile = dir.path().join("pids");
    let script = format!(
        "echo $$ >> {p}; sleep 1000 & echo $! >> {p}; wait",
        p = pidfile.display()
    );
    let mut child = perfaudit()
        .args(["bench", "--runs", "2", "--warmup", "0"])
        .arg(&script)
        .spawn()
        .unwrap();
    let pids = wait_pids(&pidfile, 2, &mut child);
    sigkill(&mut child);
    let left = survivors(&pids, Duration::from_secs(2));
    assert!(
        left.is_empty(),
        "survived kill -9 of bench: {left:?} of {pids:?}"
    );
}

#[test]
fn sigterm_and_sighup_of_bench_end_the_shell_and_its_child() {
    for sig in [libc::SIGTERM, libc::SIGHUP] {
        let dir = tempfile::tempdir().unwrap();
        let pidfile = dir.path().join("pids");
        let script = format!(
            "echo $$ >> {p}; sleep 1000 & echo $! >> {p}; wait",
            p = pidfile.display()
        );
        let mut child = perfaudit()
            .args(["bench", "--runs", "2", "--warmup", "0"])
            .arg(&script)
            .spawn()
            .unwrap();
        let pids = wait_pids(&pidfile, 2, &mut child);
        unsafe {
            libc::kill(child.id() as i32, sig);
        }
        let _ = child.wait();
        let left = survivors(&pids, Duration::from_secs(2));
        assert!(
            left.is_empty(),
            "signal {sig}: survivors {left:?} of {pids:?}"
        );
    }
}

#[test]
fn sigkill_of_the_audit_during_bench_and_imports_leaves_nothing() {
    // [[bench]]: a command that hangs.
    let dir = tempfile::tempdir().unwrap();
    let pidfile = dir.path().join("pids");
    std::fs::write(
        dir.path().join("perfaudit.toml"),
        format!(
            r#"[project]
scan = false

[[bench]]
name = "hang"
command = ["sh", "-c", "echo $$ >> {p}; sleep 1000 & echo $! >> {p}; wait"]
runs = 2
warmup = 0

[history]
store = false
"#,
            p = pidfile.display()
        ),
    )
    .unwrap();
    let mut child = perfaudit()
        .args(["audit", "--no-progress", "--quiet"])
        .arg(dir.path())
        .spawn()
        .unwrap();
    let pids = wait_pids(&pidfile, 2, &mut child);
    sigkill(&mut child);
    let left = survivors(&pids, Duration::from_secs(2));
    assert!(left.is_empty(), "[[bench]] survivors: {left:?} of {pids:?}");

    // [[imports]]: a module whose import hangs.
    let dir = tempfile::tempdir().unwrap();
    let pidfile = dir.path().join("pids");
    std::fs::write(
        dir.path().join("hangmod.py"),
        format!(
            "import os, time\nopen({p:?}, 'a').write(f'{{os.getpid()}}\\n')\ntime.sleep(1000)\n",
            p = pidfile.display().to_string()
        ),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("perfaudit.toml"),
        "[project]\nscan = false\n\n[[imports]]\nmodule = \"hangmod\"\nruns = 1\n\n[history]\nstore = false\n",
    )
    .unwrap();
    let mut child = perfaudit()
        .args(["audit", "--no-progress", "--quiet"])
        .arg(dir.path())
        .spawn()
        .unwrap();
    let pids = wait_pids(&pidfile, 1, &mut child);
    sigkill(&mut child);
    let left = survivors(&pids, Duration::from_secs(2));
    assert!(
        left.is_empty(),
        "[[imports]] survivors: {left:?} of {pids:?}"
    );
}
