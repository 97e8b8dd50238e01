//! `perfaudit load` end to end: the binary against a server started here on 127.0.0.1:0;
//! its JSON validated against `schemas/load.v1.schema.json`.

use assert_cmd::Command;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// A tiny keep-alive HTTP/1.1 server answering 200 "ok" (503 for paths starting /fail),
/// on its own threads; stops when dropped.
struct Tiny {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
}

impl Drop for Tiny {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        let _ = std::net::TcpStream::connect(self.addr);
    }
}

fn tiny() -> Tiny {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let s = stop.clone();
    std::thread::spawn(move || {
        for conn in l.incoming() {
            if s.load(Ordering::Relaxed) {
                break;
            }
            let Ok(mut c) = conn else { continue };
            let s = s.clone();
            std::thread::spawn(move || {
                let _ = c.set_read_timeout(Some(Duration::from_secs(5)));
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                while !s.load(Ordering::Relaxed) {
                    let Ok(n) = c.read(&mut chunk) else { return };
                    if n == 0 {
                        return;
                    }
                    buf.extend_from_slice(&chunk[..n]);
                    while let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                        let head = String::from_utf8_lossy(&buf[..end]).into_owned();
                        buf.drain(..end + 4);
                        let resp: &[u8] = if head.contains(" /fail") {
                            b"HTTP/1.1 503 Busy\r\nContent-Length: 4\r\n\r\nbusy"
                        } else {
                            b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
                        };
                        if c.write_all(resp).is_err() {
                            return;
                        }
                    }
                }
            });
        }
    });
    Tiny { addr, stop }
}

fn perfaudit() -> Command {
    let mut c = Command::cargo_bin("perfaudit").unwrap();
    c.timeout(Duration::from_secs(30));
    c
}

fn schema() -> jsonschema::Validator {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../schemas/load.v1.schema.json"
    );
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    jsonschema::validator_for(&schema).unwrap()
}

fn assert_valid(doc: &serde_json::Value) {
    let v = schema();
    let errors: Vec<String> = v
        .iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect();
    assert!(errors.is_empty(), "schema violations: {errors:#?}");
}

#[test]
fn json_output_matches_the_schema_and_counts_exactly() {
    let srv = tiny();
    let out = perfaudit()
        .args([
            "load",
            &format!("http://{}/x", srv.addr),
            "-n",
            "300",
            "-c",
            "3",
            "--threads",
            "1",
        ])
        .args([
            "--format",
            "json",
            "--threshold",
            "p99<10s",
            "--threshold",
            "error_rate<1%",
        ])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_valid(&doc);
    assert_eq!(doc["schema"], "perfaudit/load/v1");
    assert_eq!(doc["requests"], 300);
    assert_eq!(doc["status"]["200"], 300);
    assert_eq!(doc["passed"], true);
    assert!(doc["timeline"][0]["t_unix_ms"].as_u64().unwrap() > 1_600_000_000_000);
}

#[test]
fn breached_threshold_exits_1_and_says_which() {
    let srv = tiny();
    let out = perfaudit()
        .args([
            "load",
            &format!("http://{}/fail", srv.addr),
            "-n",
            "50",
            "-c",
            "2",
        ])
        .args([
            "--threshold",
            "error_rate<1%",
            "--threshold",
            "p99<10s",
            "--color",
            "never",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("FAIL error_rate<1%"), "{text}");
    assert!(text.contains("pass p99<10s"), "{text}");
    assert!(text.contains("503: 50"), "{text}");
    assert!(text.contains("1 of 2 thresholds breached"), "{text}");
}

#[test]
fn unreachable_target_exits_2() {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let out = perfaudit()
        .args([
            "load",
            &format!("http://127.0.0.1:{port}/"),
            "-n",
            "5",
            "-c",
            "1",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unreachable"));
}

#[test]
fn bad_input_exits_2_naming_it() {
    for (args, needle) in [
        (vec!["load", "ftp://x/"], "http://"),
        (
            vec!["load", "http://127.0.0.1:1/", "--threshold", "p95<fast"],
            "p95<fast",
        ),
        (
            vec!["load", "--scenario", "/nonexistent/scenario.toml"],
            "/nonexistent/scenario.toml",
        ),
        (
            vec!["load", "http://127.0.0.1:1/", "-d", "5 parsecs"],
            "parsecs",
        ),
        (
            vec![
                "load",
                "merge",
                "/nonexistent/a.json",
                "/nonexistent/b.json",
            ],
            "/nonexistent/a.json",
        ),
    ] {
        let out = perfaudit().args(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(needle), "{args:?}: {err}");
    }
}

#[test]
fn merge_combines_runs_exactly_and_validates() {
    let srv = tiny();
    let dir = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    for (i, n) in [120, 80].iter().enumerate() {
        let f = dir.path().join(format!("run{i}.json"));
        let st = perfaudit()
            .args([
                "load",
                &format!("http://{}/", srv.addr),
                "-n",
                &n.to_string(),
                "-c",
                "2",
            ])
            .args(["--format", "json", "--output"])
            .arg(&f)
            .output()
            .unwrap();
        assert!(st.status.success());
        files.push(f);
    }
    let out = perfaudit()
        .args(["load", "merge", "--format", "json"])
        .args(&files)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_valid(&doc);
    assert_eq!(doc["requests"], 200);
    assert_eq!(doc["status"]["200"], 200);
    let h = perfaudit_model::histogram::Histogram::from_base64(doc["histogram"].as_str().unwrap())
        .unwrap();
    assert_eq!(h.len(), 200);

    // The same file twice (also through another path) is refused, naming it.
    let alias = dir.path().join("alias.json");
    std::os::unix::fs::symlink(&files[0], &alias).unwrap();
    let out = perfaudit()
        .args(["load", "merge", "--format", "json"])
        .arg(&files[0])
        .arg(&alias)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("given twice"), "{err}");
    // A forged histogram payload length is an error naming the file, exit 2, not an abort.
    let mut doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&files[1]).unwrap()).unwrap();
    use base64::Engine;
    let mut raw = base64::engine::general_purpose::STANDARD
        .decode(doc["histogram"].as_str().unwrap())
        .unwrap();
    raw[4..8].copy_from_slice(&0x7fff_ffffu32.to_be_bytes());
    doc["histogram"] = base64::engine::general_purpose::STANDARD
        .encode(&raw)
        .into();
    let forged = dir.path().join("forged.json");
    std::fs::write(&forged, doc.to_string()).unwrap();
    let out = perfaudit()
        .args(["load", "merge", "--format", "json"])
        .arg(&files[0])
        .arg(&forged)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("forged.json"), "{err}");
}

#[test]
fn markdown_and_openmetrics_render() {
    let srv = tiny();
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("s.toml");
    std::fs::write(
        &scenario,
        format!(
            "url = \"http://{}\"\nrequests = 40\nconnections = 2\n[[endpoints]]\nname = \"ok|pipe\"\nurl = \"/ok\"\nweight = 3\n[[endpoints]]\nname = \"fail\"\nurl = \"/fail\"\nthresholds = [\"error_rate<10%\"]\n",
            srv.addr
        ),
    )
    .unwrap();
    let out = perfaudit()
        .args(["load", "--format", "markdown", "--scenario"])
        .arg(&scenario)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let md = String::from_utf8_lossy(&out.stdout);
    assert!(md.contains("| `error_rate<10%` | fail |"), "{md}");
    assert!(md.contains("ok\\|pipe"), "{md}");
    let out = perfaudit()
        .args(["load", "--format", "openmetrics", "--scenario"])
        .arg(&scenario)
        .output()
        .unwrap();
    let om = String::from_utf8_lossy(&out.stdout);
    assert!(om.contains("perfaudit_load_requests_total{target="), "{om}");
    assert!(om.contains("endpoint=\"fail\""), "{om}");
    assert!(om.trim_end().ends_with("# EOF"));
}
