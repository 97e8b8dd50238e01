//! `perfaudit monitor` end to end: the binary against python3/sh children it spawns.
#![cfg(target_os = "linux")]

use assert_cmd::Command;
use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::time::Duration;

fn schema() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../schemas/monitor.v1.schema.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn validate(doc: &Value) {
    let schema = schema();
    let validator = jsonschema::validator_for(&schema).expect("schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect();
    assert!(errors.is_empty(), "schema violations: {errors:#?}");
}

fn perfaudit() -> Command {
    let mut c = Command::cargo_bin("perfaudit").unwrap();
    c.timeout(Duration::from_secs(30));
    c
}

const CHURN: &str = "import time, subprocess\n\
    kid = subprocess.Popen(['sleep', '0.6'])\n\
    fs = [open('/dev/null') for _ in range(20)]\n\
    b = b'\\x01' * (30 << 20)\n\
    time.sleep(0.7)\n\
    kid.wait()\n";

#[test]
fn json_report_validates_and_samples_stream_to_jsonl_and_csv() {
    let dir = tempfile::tempdir().unwrap();
    let jsonl = dir.path().join("s.jsonl");
    let csv = dir.path().join("s.csv");
    let mut reports = Vec::new();
    for (file, extra) in [(&jsonl, None), (&csv, Some("--per-process"))] {
        let mut cmd = perfaudit();
        cmd.args(["monitor", "--format", "json", "--interval", "25ms"])
            .args(["--alert", "rss>20MiB", "--alert", "fds>1000000"])
            .arg("--samples")
            .arg(file);
        if let Some(e) = extra {
            cmd.arg(e);
        }
        let out = cmd.args(["--", "python3", "-c", CHURN]).output().unwrap();
        // The rss alert fired: exit 1.
        assert_eq!(
            out.status.code(),
            Some(1),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
        validate(&doc);
        assert_eq!(doc["schema"], "perfaudit/monitor/v1");
        assert_eq!(doc["alerts"].as_array().unwrap().len(), 1);
        assert_eq!(doc["alerts"][0]["rule"], "rss>20MiB");
        assert!(doc["summary"]["processes"]["max"].as_f64().unwrap() >= 2.0);
        assert!(
            ["leak", "no-leak", "inconclusive"].contains(&doc["leak"]["verdict"].as_str().unwrap())
        );
        reports.push(doc);
    }
    // JSON Lines: one valid sample per line, as many as were taken.
    let text = std::fs::read_to_string(&jsonl).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines.len() as u64,
        reports[0]["samples_total"].as_u64().unwrap()
    );
    let mut sample_schema = schema();
    let defs = sample_schema["$defs"].clone();
    sample_schema = serde_json::json!({"$defs": defs, "$ref": "#/$defs/sample"});
    let v = jsonschema::validator_for(&sample_schema).unwrap();
    for l in &lines {
        let s: Value = serde_json::from_str(l).unwrap();
        assert!(v.is_valid(&s), "{l}");
        assert!(s["t_unix_ms"].as_u64().unwrap() > 1_600_000_000_000);
    }
    // CSV: a header and one row per sample, same columns on every row.
    let text = std::fs::read_to_string(&csv).unwrap();
    let rows: Vec<&str> = text.lines().collect();
    assert!(
        rows[0].starts_with("t_unix_ms,t_s,processes,cpu_pct,"),
        "{}",
        rows[0]
    );
    assert!(rows[0].contains("host_mem_available_bytes"));
    assert!(!rows[0].contains("per_process"));
    assert_eq!(
        rows.len() as u64 - 1,
        reports[1]["samples_total"].as_u64().unwrap()
    );
    let cols = rows[0].split(',').count();
    assert!(rows.iter().all(|r| r.split(',').count() == cols));
    // --per-process: each sample lists the processes of the tree.
    let per = reports[1]["samples"][3]["per_process"].as_array().unwrap();
    assert!(!per.is_empty());
}

#[test]
fn exit_code_of_the_command_passes_through() {
    perfaudit()
        .args([
            "monitor",
            "--quiet",
            "--interval",
            "20ms",
            "--",
            "sh",
            "-c",
            "sleep 0.1; exit 3",
        ])
        .assert()
        .code(3);
    perfaudit()
        .args([
            "monitor",
            "-q",
            "--interval",
            "20ms",
            "--",
            "sh",
            "-c",
            "kill -TERM $$",
        ])
        .assert()
        .code(128 + 15);
    // Terminated by perfaudit at the end of --duration: not the command's failure.
    let out = perfaudit()
        .args([
            "monitor",
            "-q",
            "--format",
            "json",
            "--interval",
            "20ms",
            "--duration",
            "300ms",
        ])
        .args(["--", "sleep", "30"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["ended"], "duration");
    assert_eq!(doc["exit"]["terminated_by_monitor"], true);
    validate(&doc);
}

#[test]
fn bad_input_is_exit_2_with_a_clear_message() {
    let out = perfaudit()
        .args(["monitor", "--", "perfaudit-no-such-command-xyz", "arg"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("command not found: perfaudit-no-such-command-xyz"),
        "{err}"
    );

    let out = perfaudit()
        .args(["monitor", "--pid", "4294967290"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no process with PID 4294967290"));

    for args in [
        vec!["monitor"],
        vec!["monitor", "--pid", "1", "--", "true"],
        vec!["monitor", "--interval", "5ms", "--", "true"],
        vec!["monitor", "--alert", "gpu>3", "--", "true"],
        vec!["monitor", "--samples", "x.txt", "--", "true"],
        vec!["monitor", "--format", "sarif", "--", "true"],
    ] {
        let out = perfaudit().args(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(!out.stderr.is_empty(), "{args:?}");
    }
}

#[test]
fn a_pid_that_exits_mid_run_is_summarised() {
    let mut child = std::process::Command::new("sleep")
        .arg("0.8")
        .spawn()
        .unwrap();
    let out = perfaudit()
        .args([
            "monitor",
            "-q",
            "--format",
            "json",
            "--interval",
            "20ms",
            "--duration",
            "10s",
        ])
        .args(["--pid", &child.id().to_string()])
        .output()
        .unwrap();
    child.wait().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    validate(&doc);
    assert_eq!(doc["ended"], "target-exited");
    assert!(doc["samples_total"].as_u64().unwrap() >= 5);
    assert!(doc["duration_s"].as_f64().unwrap() < 5.0);
    let cmd = doc["target"]["command"].to_string();
    assert!(cmd.contains("sleep"), "{cmd}");
}

#[test]
fn other_formats_render() {
    for (fmt, needle) in [
        ("text", "leak:"),
        ("markdown", "### Leak verdict"),
        ("openmetrics", "# EOF"),
        ("csv", "t_unix_ms,t_s,"),
    ] {
        let out = perfaudit()
            .args(["monitor", "-q", "--format", fmt, "--interval", "20ms"])
            .args(["--", "sleep", "0.2"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{fmt}");
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(text.contains(needle), "{fmt}: {text}");
        if fmt == "openmetrics" {
            assert!(text.ends_with("# EOF\n"));
            assert!(text.contains("perfaudit_monitor_rss_bytes{pid="));
            assert!(text.contains("perfaudit_monitor_leak{"));
        }
    }
}

#[test]
fn metrics_endpoint_serves_while_running() {
    let bin = assert_cmd::cargo::cargo_bin("perfaudit");
    let mut child = std::process::Command::new(bin)
        .args([
            "monitor",
            "--no-progress",
            "--interval",
            "20ms",
            "--listen",
            "127.0.0.1:0",
        ])
        .args(["--duration", "5s", "--", "sleep", "1.5"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    stderr.read_line(&mut line).unwrap();
    let url = line
        .split("metrics on http://")
        .nth(1)
        .and_then(|r| r.split("/metrics").next())
        .unwrap_or_else(|| panic!("no address in {line:?}"))
        .to_string();
    assert!(url.starts_with("127.0.0.1:"), "{url}");
    std::thread::sleep(Duration::from_millis(300));
    let mut s = std::net::TcpStream::connect(&url).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    write!(s, "GET /metrics HTTP/1.1\r\nHost: {url}\r\n\r\n").unwrap();
    let mut body = String::new();
    s.read_to_string(&mut body).unwrap();
    assert!(body.starts_with("HTTP/1.1 200 OK"), "{body}");
    assert!(body.contains("application/openmetrics-text"));
    assert!(body.contains("perfaudit_monitor_rss_bytes{pid="), "{body}");
    assert!(body.contains("perfaudit_monitor_samples_total"));
    assert!(body.ends_with("# EOF\n"));
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0));
}

/// Another user's process: as an unprivileged user, fds and disk I/O of a root process are
/// not readable. Reported as unknown with a warning, never guessed. (Runs when the tests run
/// as root and `setpriv` exists, dropping to `nobody`.)
#[test]
fn another_users_process_degrades_clearly() {
    // SAFETY: geteuid has no preconditions.
    let root = unsafe { libc::geteuid() } == 0;
    let setpriv = std::path::Path::new("/usr/bin/setpriv");
    if !root || !setpriv.exists() {
        eprintln!("skipped: needs root and setpriv to act as another user");
        return;
    }
    let mut target = std::process::Command::new("sleep")
        .arg("5")
        .spawn()
        .unwrap();
    let bin = assert_cmd::cargo::cargo_bin("perfaudit");
    let out = std::process::Command::new(setpriv)
        .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
        .arg(&bin)
        .args([
            "monitor",
            "--no-progress",
            "--format",
            "json",
            "--interval",
            "50ms",
        ])
        .args(["--duration", "300ms", "--pid", &target.id().to_string()])
        .output()
        .unwrap();
    let _ = target.kill();
    let _ = target.wait();
    if out.status.code() == Some(126) || out.status.code() == Some(127) {
        eprintln!("skipped: `nobody` cannot execute {}", bin.display());
        return;
    }
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("are not readable (permission denied"), "{err}");
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    validate(&doc);
    assert!(doc["summary"]["fds"].is_null());
    assert!(doc["summary"]["read_bytes"].is_null());
    assert!(doc["samples"][0]["fds"].is_null());
    assert!(doc["summary"]["rss_bytes"]["max"].as_f64().unwrap() > 0.0);
    assert_eq!(doc["warnings"].as_array().unwrap().len(), 2);
}
