//! A bare number in a duration means seconds at every entry point (`perfaudit_model::units`):
//! `load -d 1`, `monitor --interval/--duration`, `[[load]] duration = "1"` (audit_load_table.rs),
//! `bench --min-time` (unit test in commands/bench.rs).

use assert_cmd::Command;
use serde_json::Value;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::time::{Duration, Instant};

/// A keep-alive HTTP/1.1 server on 127.0.0.1 answering `ok` until the test ends.
fn server() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for c in l.incoming() {
            let Ok(mut c) = c else { continue };
            std::thread::spawn(move || {
                let _ = c.set_read_timeout(Some(Duration::from_secs(5)));
                let (mut buf, mut chunk) = (Vec::new(), [0u8; 4096]);
                loop {
                    let Ok(n) = c.read(&mut chunk) else { return };
                    if n == 0 {
                        return;
                    }
                    buf.extend_from_slice(&chunk[..n]);
                    while let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                        buf.drain(..end + 4);
                        if c.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
                            .is_err()
                        {
                            return;
                        }
                    }
                }
            });
        }
    });
    port
}

#[test]
fn load_reads_a_bare_duration_as_seconds() {
    let port = server();
    let out = Command::cargo_bin("perfaudit")
        .unwrap()
        .args([
            "load",
            &format!("http://127.0.0.1:{port}/"),
            "-d",
            "1",
            "-c",
            "1",
        ])
        .args(["--threads", "1", "--no-progress", "--format", "json"])
        .timeout(Duration::from_secs(30))
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let d = v["duration_s"].as_f64().unwrap();
    assert!((0.9..2.5).contains(&d), "-d 1 ran {d} s");
}

#[test]
fn monitor_reads_bare_durations_as_seconds() {
    let t = Instant::now();
    let out = Command::cargo_bin("perfaudit")
        .unwrap()
        .args([
            "monitor",
            "--interval",
            "0.2",
            "--duration",
            "1",
            "--no-progress",
        ])
        .args(["--format", "json", "--", "sleep", "10"])
        .timeout(Duration::from_secs(30))
        .output()
        .unwrap();
    let took = t.elapsed();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(took < Duration::from_secs(6), "--duration 1 took {took:?}");
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let n = v["samples"].as_array().map_or(0, Vec::len);
    assert!(
        (3..=8).contains(&n),
        "--interval 0.2 over 1 s gave {n} samples"
    );
}

#[test]
fn absurd_durations_are_refused_not_panicked_on() {
    for args in [
        vec!["load", "http://127.0.0.1:9/", "-d", "1e30s"],
        vec!["monitor", "--duration", "400d", "--", "true"],
        vec!["bench", "--min-time", "99999999999", "true"],
    ] {
        let out = Command::cargo_bin("perfaudit")
            .unwrap()
            .args(&args)
            .timeout(Duration::from_secs(30))
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(
            err.contains("duration") || err.contains("range"),
            "{args:?}: {err}"
        );
    }
}
