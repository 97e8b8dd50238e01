//! `perfaudit bench` end to end: JSON validated against schemas/bench.v1.schema.json, exports,
//! failures (not found, non-zero exit, ready URL that never answers), parameter scans.

use assert_cmd::Command;
use serde_json::Value;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::time::{Duration, Instant};

fn perfaudit() -> Command {
    let mut c = Command::cargo_bin("perfaudit").unwrap();
    c.env("NO_COLOR", "1");
    c
}

fn schema(name: &str) -> jsonschema::Validator {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../schemas")
        .join(name);
    let schema: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    jsonschema::validator_for(&schema).unwrap()
}

fn assert_valid(v: &jsonschema::Validator, doc: &Value) {
    let errors: Vec<String> = v
        .iter_errors(doc)
        .map(|e| format!("{e} at {}", e.instance_path))
        .collect();
    assert!(errors.is_empty(), "schema errors: {errors:#?}\n{doc:#}");
}

#[test]
fn json_output_follows_the_schema_and_compares_with_a_test() {
    let out = perfaudit()
        .args([
            "bench", "-N", "--runs", "4", "--format", "json", "--", "true", "--", "sleep", "0.02",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_valid(&schema("bench.v1.schema.json"), &doc);
    assert_eq!(doc["schema"], "perfaudit/bench/v1");
    let results = doc["results"].as_array().unwrap();
    assert_eq!(results.len(), 2);
    assert_eq!(results[1]["command"], "sleep 0.02");
    assert_eq!(results[1]["runs"], 4);
    assert!(results[1]["min_s"].as_f64().unwrap() >= 0.02);
    assert_eq!(results[1]["times_s"].as_array().unwrap().len(), 4);
    assert_eq!(results[1]["exit_codes"], serde_json::json!([0, 0, 0, 0]));
    assert!(results[1]["peak_rss_bytes"].as_u64().unwrap() > 0);
    let cmp = &doc["comparisons"][0];
    assert_eq!(cmp["reference"], "true");
    assert_eq!(cmp["command"], "sleep 0.02");
    assert_eq!(cmp["verdict"], "slower");
    // 4 vs 4 runs, complete separation: U = 16, p = 0.0286 (normal approximation)
    assert_eq!(cmp["u"], 16.0);
    assert!(cmp["p_value"].as_f64().unwrap() < 0.05);
}

#[test]
fn text_output_names_the_test_behind_the_comparison() {
    let out = perfaudit()
        .args([
            "bench",
            "-N",
            "--runs",
            "5",
            "--show-runs",
            "sleep 0.001",
            "sleep 0.03",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("Benchmark 1: sleep 0.001"), "{text}");
    assert!(text.contains("Time (mean ± σ):"), "{text}");
    assert!(text.contains("Peak RSS:"), "{text}");
    assert!(text.contains("peak RSS   exit"), "{text}");
    assert!(text.contains("'sleep 0.001' ran"), "{text}");
    assert!(
        text.contains("times faster than 'sleep 0.03' (Mann-Whitney U = 25, p = 0.012)"),
        "{text}"
    );
}

#[test]
fn exports_are_written_and_kept_when_a_later_command_fails() {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("r.json");
    let md = dir.path().join("r.md");
    let csv = dir.path().join("r.csv");
    let out = perfaudit()
        .args(["bench", "-N", "--runs", "2", "--export-json"])
        .arg(&json)
        .arg("--export-markdown")
        .arg(&md)
        .arg("--export-csv")
        .arg(&csv)
        .args(["--", "true", "--", "sh", "-c", "exit 3"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("exited with code 3"), "{err}");
    assert!(err.contains("--ignore-failure"), "{err}");
    assert!(err.contains("after 1 of 2 commands"), "{err}");
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_valid(&schema("bench.v1.schema.json"), &doc);
    assert_eq!(doc["results"].as_array().unwrap().len(), 1);
    let md = std::fs::read_to_string(&md).unwrap();
    assert!(md.starts_with("| Command | Mean ["), "{md}");
    let csv = std::fs::read_to_string(&csv).unwrap();
    assert!(csv.starts_with("command,mean_s,stddev_s,median_s,user_s,system_s,min_s,max_s,peak_rss_bytes,runs\ntrue,"), "{csv}");
}

#[test]
fn ignore_failure_records_exit_codes_and_signals() {
    let out = perfaudit()
        .args([
            "bench", "-N", "--runs", "2", "-i", "--format", "json", "--", "sh", "-c", "exit 3",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["results"][0]["exit_codes"], serde_json::json!([3, 3]));
    let out = perfaudit()
        .args([
            "bench",
            "--runs",
            "1",
            "-i",
            "--format",
            "json",
            "kill -9 $$",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["results"][0]["exit_codes"], serde_json::json!([null]));
    assert_eq!(doc["results"][0]["signals"], serde_json::json!([9]));
}

#[test]
fn command_not_found_and_bad_arguments_exit_2() {
    perfaudit()
        .args(["bench", "-N", "--runs", "1", "--", "no-such-command-xyz"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "command not found: `no-such-command-xyz`",
        ));
    perfaudit()
        .args(["bench", "--runs", "1", "no-such-command-xyz"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "exited with code 127 (command not found?)",
        ));
    perfaudit()
        .args(["bench"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("no command to benchmark"));
    perfaudit()
        .args(["bench", "--format", "sarif", "true"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("--format sarif is not available"));
    perfaudit()
        .args(["bench", "--ready-url", "https://127.0.0.1:1/", "true"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("only plain http://"));
}

#[test]
fn parameter_scans_combine() {
    let out = perfaudit()
        .args([
            "bench", "-N", "--runs", "1", "--format", "json", "-L", "word", "a,b", "-P", "n", "1",
            "2", "--", "echo", "{word}", "{n}",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_valid(&schema("bench.v1.schema.json"), &doc);
    let commands: Vec<&str> = doc["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["command"].as_str().unwrap())
        .collect();
    assert_eq!(commands, ["echo a 1", "echo a 2", "echo b 1", "echo b 2"]);
    assert_eq!(
        doc["results"][3]["parameters"],
        serde_json::json!({"n": "2", "word": "b"})
    );
}

#[test]
fn a_ready_url_that_never_answers_times_out_with_exit_2() {
    // A loopback server that always answers 500, stopping by itself.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    listener.set_nonblocking(true).unwrap();
    std::thread::spawn(move || {
        let end = Instant::now() + Duration::from_secs(20);
        while Instant::now() < end {
            if let Ok((mut s, _)) = listener.accept() {
                let _ = s.set_nonblocking(false);
                let mut buf = [0u8; 512];
                let _ = s.read(&mut buf);
                let _ =
                    s.write_all(b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n");
            } else {
                std::thread::sleep(Duration::from_millis(2));
            }
        }
    });
    let t0 = Instant::now();
    perfaudit()
        .args([
            "bench",
            "--runs",
            "1",
            "--ready-timeout",
            "700ms",
            "--ready-url",
            &format!("http://127.0.0.1:{port}/health"),
            "sleep 30",
        ])
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "did not answer 2xx within 700ms (last: HTTP 500)",
        ))
        .stderr(predicates::str::contains(
            "process group of `sleep 30` was stopped",
        ));
    assert!(t0.elapsed() < Duration::from_secs(10));
}
