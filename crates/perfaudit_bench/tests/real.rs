//! Real processes: wait4 rusage (peak RSS of a child that allocates a known amount), failures,
//! cold start against a local server on 127.0.0.1:0, import profiles of a fixture package.

use perfaudit_bench::*;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

fn run(cmd: &str, shell: Shell) -> Result<Measurement, BenchError> {
    RealExecutor.execute(&Invocation {
        command: cmd,
        shell: &shell,
        output: OutputMode::Null,
        ready: None,
    })
}

/// Python's own peak RSS (its memory map's high-water mark, which unlike `ru_maxrss` does not
/// include what the spawning process held at exec).
fn python_baseline_hwm() -> f64 {
    let out = std::process::Command::new("python3")
        .args([
            "-c",
            "print([l for l in open('/proc/self/status') if l.startswith('VmHWM')][0].split()[1])",
        ])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse::<f64>()
        .unwrap()
        * 1024.0
}

#[test]
fn peak_rss_of_a_child_allocating_200_mib() {
    let m = run(
        "python3 -c \"b = b'x' * (200 << 20); assert b[-1] == 120\"",
        Shell::None,
    )
    .unwrap();
    assert!(m.exit.success());
    let want = (200u64 << 20) as f64 + python_baseline_hwm();
    let got = m.peak_rss_bytes as f64;
    assert!(
        (got - want).abs() / want < 0.05,
        "peak RSS {got}, want ~{want} (200 MiB + interpreter)"
    );
    assert!(m.user_s + m.system_s > 0.0);
}

#[test]
fn wait4_measures_that_child_only() {
    // A big allocation in one child does not leak into the next child's peak RSS (wait4 of
    // that pid, not getrusage(RUSAGE_CHILDREN)).
    let big = run("python3 -c \"b = b'x' * (150 << 20)\"", Shell::None).unwrap();
    let small = run("python3 -c pass", Shell::None).unwrap();
    assert!(big.peak_rss_bytes > 150 << 20);
    assert!(
        small.peak_rss_bytes + (100 << 20) < big.peak_rss_bytes,
        "{} vs {}",
        small.peak_rss_bytes,
        big.peak_rss_bytes
    );
    let sleep = run("sleep 0.05", Shell::None).unwrap();
    assert!(
        sleep.wall_s >= 0.05 && sleep.wall_s < 1.0,
        "{}",
        sleep.wall_s
    );
}

#[test]
fn failures_are_reported() {
    let err = run("definitely-not-a-command-xyz --flag", Shell::None).unwrap_err();
    assert!(matches!(&err, BenchError::CommandNotFound(c) if c.starts_with("definitely")));
    let m = run("definitely-not-a-command-xyz", Shell::Program("sh".into())).unwrap();
    assert_eq!(m.exit, ExitState::Code(127));
    let m = run("sh -c 'exit 3'", Shell::None).unwrap();
    assert_eq!(m.exit, ExitState::Code(3));
    let m = run("sh -c 'kill -9 $$'", Shell::None).unwrap();
    assert_eq!(m.exit, ExitState::Signal(9));
    assert_eq!(m.exit.describe(), "was killed by signal 9 (SIGKILL)");

    let mut spec = BenchSpec::new(vec![CommandSpec::new("sh -c 'kill -TERM $$'")]);
    spec.shell = Shell::None;
    spec.runs = RunCount::exactly(2);
    let err = run_benchmark(&spec, &mut RealExecutor, &mut |_| {}).unwrap_err();
    assert!(
        err.to_string().contains("killed by signal 15 (SIGTERM)"),
        "{err}"
    );
}

/// A local HTTP server on 127.0.0.1:0 answering 503 until `flag` exists, then 200.
/// Stops by itself after `life`.
fn ready_server(flag: PathBuf, life: Duration) -> (u16, Arc<AtomicBool>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    listener.set_nonblocking(true).unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let stop2 = stop.clone();
    std::thread::spawn(move || {
        let end = Instant::now() + life;
        while Instant::now() < end && !stop2.load(Ordering::Relaxed) {
            match listener.accept() {
                Ok((mut s, _)) => {
                    s.set_nonblocking(false).unwrap();
                    s.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
                    let mut buf = [0u8; 1024];
                    let _ = s.read(&mut buf);
                    let status = if flag.exists() {
                        "200 OK"
                    } else {
                        "503 Service Unavailable"
                    };
                    let _ = write!(s, "HTTP/1.1 {status}\r\nContent-Length: 0\r\n\r\n");
                }
                Err(_) => std::thread::sleep(Duration::from_millis(1)),
            }
        }
    });
    (port, stop)
}

fn alive(pid: i32) -> bool {
    // A zombie is not alive: read its state.
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(s) => !s.rsplit_once(')').unwrap().1.trim_start().starts_with('Z'),
        Err(_) => false,
    }
}

fn read_pid(path: &Path) -> i32 {
    for _ in 0..200 {
        if let Ok(s) = std::fs::read_to_string(path) {
            if let Ok(p) = s.trim().parse() {
                return p;
            }
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    panic!("no pid in {}", path.display());
}

#[test]
fn cold_start_times_to_first_2xx_and_stops_the_group() {
    let dir = tempfile::tempdir().unwrap();
    let flag = dir.path().join("ready");
    let child_pid = dir.path().join("child.pid");
    let (port, stop) = ready_server(flag.clone(), Duration::from_secs(30));
    // The "service": becomes ready after 0.3 s, and has a grandchild in its process group.
    let command = format!(
        "sleep 60 & echo $! > {}; sleep 0.3; touch {}; wait",
        child_pid.display(),
        flag.display()
    );
    let spec = ColdStartSpec {
        command,
        shell: Shell::Program("sh".into()),
        output: OutputMode::Null,
        url: parse_http_url(&format!("http://127.0.0.1:{port}/health")).unwrap(),
        timeout: Duration::from_secs(10),
        env: Vec::new(),
        cwd: None,
    };
    let service = cold_start(&spec).unwrap();
    let ready = service.ready_after().as_secs_f64();
    assert!((0.3..2.0).contains(&ready), "ready after {ready}");
    assert!(service.is_running());
    let grandchild = read_pid(&child_pid);
    assert!(alive(grandchild));
    let leader = service.pid() as i32;
    let m = service.stop(Duration::from_secs(5)).unwrap();
    assert_eq!(m.exit, ExitState::Signal(libc_sigterm()));
    assert!(!alive(leader));
    // The grandchild got the group's SIGTERM too.
    let t0 = Instant::now();
    while alive(grandchild) && t0.elapsed() < Duration::from_secs(3) {
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(
        !alive(grandchild),
        "process group member {grandchild} survived"
    );
    stop.store(true, Ordering::Relaxed);
}

fn libc_sigterm() -> i32 {
    15
}

#[test]
fn ready_url_that_never_answers_times_out_and_stops_the_process() {
    let dir = tempfile::tempdir().unwrap();
    let never = dir.path().join("never");
    let pid_file = dir.path().join("pid");
    let (port, stop) = ready_server(never, Duration::from_secs(30));
    let spec = ColdStartSpec {
        command: format!("echo $$ > {}; exec sleep 60", pid_file.display()),
        shell: Shell::Program("sh".into()),
        output: OutputMode::Null,
        url: parse_http_url(&format!("http://127.0.0.1:{port}/")).unwrap(),
        timeout: Duration::from_millis(600),
        env: Vec::new(),
        cwd: None,
    };
    let t0 = Instant::now();
    let err = cold_start(&spec).unwrap_err();
    assert!(t0.elapsed() < Duration::from_secs(5));
    let msg = err.to_string();
    assert!(matches!(err, BenchError::ReadyTimeout { .. }), "{msg}");
    assert!(msg.contains("HTTP 503"), "{msg}");
    assert!(!alive(read_pid(&pid_file)));
    stop.store(true, Ordering::Relaxed);

    // A service that exits before it is ready.
    let spec = ColdStartSpec {
        command: "exit 4".into(),
        timeout: Duration::from_secs(5),
        ..spec
    };
    let err = cold_start(&spec).unwrap_err();
    assert!(err.to_string().contains("exited with code 4"), "{err}");
}

#[test]
fn bench_in_ready_mode_runs_the_cold_start_each_time() {
    let dir = tempfile::tempdir().unwrap();
    let flag = dir.path().join("up");
    let (port, stop) = ready_server(flag.clone(), Duration::from_secs(30));
    let mut spec = BenchSpec::new(vec![CommandSpec::new(format!(
        "sleep 0.1; touch {}; exec sleep 60",
        flag.display()
    ))]);
    spec.runs = RunCount::exactly(2);
    spec.prepare = vec![format!("rm -f {}", flag.display())];
    spec.ready = Some((
        parse_http_url(&format!("http://127.0.0.1:{port}/")).unwrap(),
        Duration::from_secs(10),
    ));
    let doc = run_benchmark(&spec, &mut RealExecutor, &mut |_| {}).unwrap();
    let r = &doc.results[0];
    assert_eq!(r.runs, 2);
    assert!(r.min_s >= 0.09 && r.max_s < 2.0, "{:?}", r.times_s);
    assert_eq!(r.signals, vec![Some(15), Some(15)]);
    assert_eq!(r.shell_overhead_s, 0.0);
    stop.store(true, Ordering::Relaxed);
}

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/imp")
}

#[test]
fn import_profile_of_a_fixture_package() {
    let mut spec = ImportsSpec::new("app");
    spec.runs = 3;
    spec.cwd = Some(fixture());
    spec.env = vec![("PYTHONDONTWRITEBYTECODE".into(), "1".into())];
    let doc = profile_imports(&spec).unwrap();
    assert_eq!(doc.schema, "perfaudit/imports/v1");
    assert_eq!(doc.runs, 3);
    assert!(doc.total_us >= 30_000.0, "{}", doc.total_us);
    assert!(doc.startup_modules > 0);
    let slow = doc.imports.iter().find(|e| e.module == "app.slow").unwrap();
    assert_eq!(slow.kind, perfaudit_model::bench::ModuleKind::Application);
    assert!(slow.self_us >= 30_000.0);
    assert_eq!(doc.top_self[0].module, "app.slow");
    assert_eq!(doc.top_cumulative[0].module, "app");
    assert_eq!(doc.slowest_branch[0].module, "app");
    assert!(doc.slowest_branch.iter().any(|e| e.module == "app.slow"));
    assert_eq!(doc.imports[0].module, "app");
    assert!(doc.split.application.modules == 2);
    if let Some(json) = doc.imports.iter().find(|e| e.module == "json") {
        assert_eq!(json.kind, perfaudit_model::bench::ModuleKind::Stdlib);
    }
    assert!(!doc.python_version.is_empty());
}

#[test]
fn a_module_that_fails_to_import_shows_the_python_error() {
    let mut spec = ImportsSpec::new("broken");
    spec.runs = 1;
    spec.cwd = Some(fixture());
    let err = profile_imports(&spec).unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("ImportError: boom: the database URL is not configured"),
        "{msg}"
    );
    let mut spec = ImportsSpec::new("app");
    spec.python = "no-such-python-xyz".into();
    assert!(matches!(
        profile_imports(&spec).unwrap_err(),
        BenchError::CommandNotFound(_)
    ));
}
