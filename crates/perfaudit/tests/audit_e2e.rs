//! End-to-end tests of `perfaudit audit`, `report` and `compare` on a tiny fixture service
//! (python3 stdlib, 127.0.0.1 on a free port, loads of 1.5 s) and on the bundled example.

use assert_cmd::Command;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tinyservice")
}

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A private copy of the fixture, so each test has its own history.
fn tiny_project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for f in ["app.py", "perfaudit.toml"] {
        std::fs::copy(fixture_dir().join(f), dir.path().join(f)).unwrap();
    }
    dir
}

fn perfaudit() -> Command {
    let mut c = Command::cargo_bin("perfaudit").unwrap();
    c.env_remove("TINY_DELAY_MS").env("NO_COLOR", "1");
    c
}

fn audit_json(dir: &Path, delay_ms: Option<u32>) -> (i32, Value) {
    let mut c = perfaudit();
    c.args(["audit", "--no-progress", "--format", "json"])
        .arg(dir);
    if let Some(d) = delay_ms {
        c.env("TINY_DELAY_MS", d.to_string());
    }
    let out = c.timeout(Duration::from_secs(90)).output().unwrap();
    let code = out.status.code().unwrap_or(-1);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}); exit {code}; stderr:\n{}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (code, v)
}

fn validator(schema: &str) -> jsonschema::Validator {
    let dir = repo_root().join("schemas");
    let load = |f: &str| -> Value {
        serde_json::from_str(&std::fs::read_to_string(dir.join(f)).unwrap()).unwrap()
    };
    let compare = load("compare.v1.schema.json");
    let profile = load("profile.v1.schema.json");
    jsonschema::options()
        .with_resource(
            "https://perfaudit.invalid/schemas/compare.v1.schema.json",
            jsonschema::Resource::from_contents(compare).unwrap(),
        )
        .with_resource(
            "https://perfaudit.invalid/schemas/profile.v1.schema.json",
            jsonschema::Resource::from_contents(profile).unwrap(),
        )
        .build(&load(schema))
        .unwrap()
}

fn assert_valid(v: &jsonschema::Validator, doc: &Value) {
    let errors: Vec<String> = v
        .iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect();
    assert!(errors.is_empty(), "schema violations: {errors:#?}");
}

fn verdict<'a>(run: &'a Value, metric: &str) -> &'a str {
    run["comparison"]["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["metric"] == metric)
        .unwrap_or_else(|| panic!("{metric} not compared"))["verdict"]
        .as_str()
        .unwrap()
}

#[test]
fn audit_stores_runs_and_gives_kpi_and_regression_verdicts() {
    let p = tiny_project();
    let run_schema = validator("run.v1.schema.json");

    // 1. The first run: KPIs judged, stored, no baseline yet.
    let (code, first) = audit_json(p.path(), None);
    assert_eq!(code, 0, "{first:#}");
    assert_valid(&run_schema, &first);
    assert_eq!(first["id"], 1);
    assert_eq!(first["status"], "pass");
    assert!(first.get("comparison").is_none());
    let kpi = |run: &Value, m: &str| {
        run["kpis"]
            .as_array()
            .unwrap()
            .iter()
            .find(|k| k["metric"] == m)
            .unwrap()["status"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(kpi(&first, "latency.p95"), "pass");
    assert_eq!(kpi(&first, "error_rate"), "pass");
    // The p50 meets its target but not its (impossible) warning level.
    assert_eq!(kpi(&first, "load.work.latency.p50"), "warn");
    let p50 = first["metrics"]["latency.p50"]["value"].as_f64().unwrap();
    assert!(
        p50 >= 40.0,
        "the fixture sleeps 40 ms per request, p50 {p50} ms"
    );
    assert!(first["load"][0]["requests"].as_u64().unwrap() > 5);
    assert!(first["monitor"]["samples"].as_array().unwrap().len() > 3);
    assert!(first["service"]["cold_start_s"].as_f64().unwrap() > 0.0);
    assert!(p.path().join(".perfaudit/history.db").is_file());

    // 2. An unchanged rerun: compared with run 1, no regression.
    let (code, second) = audit_json(p.path(), None);
    assert_eq!(code, 0, "{:#}", second["comparison"]);
    assert_valid(&run_schema, &second);
    assert_eq!(second["comparison"]["base_id"], 1);
    assert_eq!(second["comparison"]["head_id"], 2);
    assert_eq!(second["comparison"]["regressed"], false);
    assert_ne!(verdict(&second, "latency.p95"), "regression");

    // 3. A deliberately slowed run (every request 4x slower): a significant regression, exit 1.
    let (code, slow) = audit_json(p.path(), Some(160));
    assert_eq!(code, 1, "{:#}", slow["comparison"]);
    assert_valid(&run_schema, &slow);
    assert_eq!(slow["status"], "fail");
    assert_eq!(
        slow["comparison"]["base_id"], 2,
        "the last passing run is the baseline"
    );
    assert_eq!(verdict(&slow, "latency.p50"), "regression");
    assert_eq!(verdict(&slow, "latency.p95"), "regression");
    let p = slow["comparison"]["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["metric"] == "latency.p50")
        .unwrap()["p_value"]
        .as_f64()
        .unwrap();
    assert!(p < 0.01);
}

#[test]
fn report_and_compare_read_the_history() {
    let p = tiny_project();
    let (c1, _) = audit_json(p.path(), None);
    let (c2, _) = audit_json(p.path(), Some(160));
    assert_eq!((c1, c2), (0, 1));
    let dir = p.path().to_str().unwrap();

    // report: re-render stored runs.
    let out = perfaudit()
        .args(["report", "-C", dir, "--format", "json", "1"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["id"], 1);
    let out = perfaudit()
        .args(["report", "-C", dir, "--last"])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("run #2") && text.contains("status: FAIL"),
        "{text}"
    );
    let out = perfaudit()
        .args(["report", "-C", dir, "--list"])
        .output()
        .unwrap();
    let list = String::from_utf8(out.stdout).unwrap();
    assert!(list.contains("pass") && list.contains("fail"), "{list}");
    let out = perfaudit()
        .args(["report", "-C", dir, "baseline", "--format", "html"])
        .output()
        .unwrap();
    let html = String::from_utf8(out.stdout).unwrap();
    assert!(html.contains("data-chart=\"Latency by percentile\""));
    assert!(html.contains("data-chart=\"Server CPU\""));

    // compare: verdicts per metric, exit 1 on a regression.
    let out = perfaudit()
        .args(["compare", "-C", dir, "1", "2", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let c: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_valid(&validator("compare.v1.schema.json"), &c);
    assert_eq!(c["regressed"], true);
    let out = perfaudit()
        .args(["compare", "-C", dir, "baseline", "1"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("no significant regression"));
    // An unknown run is a usage error.
    let out = perfaudit()
        .args(["compare", "-C", dir, "1", "99"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn config_errors_name_the_line_and_exit_2() {
    let p = tiny_project();
    let cfg = p.path().join("perfaudit.toml");
    let text = std::fs::read_to_string(&cfg).unwrap();
    let bad = text.replace("connections = 2", "conections = 2");
    let line = bad
        .lines()
        .position(|l| l.starts_with("conections"))
        .unwrap()
        + 1;
    std::fs::write(&cfg, bad).unwrap();
    let out = perfaudit().args(["audit"]).arg(p.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&format!("perfaudit.toml:{line}:")), "{err}");
    assert!(err.contains("did you mean `connections`?"), "{err}");
    assert!(
        !p.path().join(".perfaudit").exists(),
        "nothing stored for a bad config"
    );
}

#[test]
fn a_service_that_never_gets_ready_is_an_error_and_is_stopped() {
    let p = tiny_project();
    let cfg = p.path().join("perfaudit.toml");
    let text = std::fs::read_to_string(&cfg)
        .unwrap()
        .replace("ready_url = \"/health\"", "ready_url = \"/nope\"")
        .replace("ready_timeout = \"20s\"", "ready_timeout = \"2s\"");
    std::fs::write(&cfg, text).unwrap();
    let pidfile = p.path().join("pid");
    let out = perfaudit()
        .args(["audit", "--no-progress", "--format", "json"])
        .arg(p.path())
        .env("TINY_PIDFILE", &pidfile)
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let run: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(run["status"], "error");
    assert!(run["errors"][0]["message"]
        .as_str()
        .unwrap()
        .contains("did not answer"));
    let pid: i32 = std::fs::read_to_string(&pidfile)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert!(
        wait_gone(pid, Duration::from_secs(5)),
        "service {pid} survived"
    );
}

/// True once `pid` no longer exists (or is a zombie about to be reaped).
fn wait_gone(pid: i32, within: Duration) -> bool {
    let t = Instant::now();
    while t.elapsed() < within {
        match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
            Err(_) => return true,
            Ok(s) => {
                let state = s
                    .rsplit(')')
                    .next()
                    .and_then(|r| r.split_whitespace().next());
                if state == Some("Z") {
                    return true;
                }
            }
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    false
}

fn kill_mid_run(signal: i32) {
    let p = tiny_project();
    // A first, complete run.
    let (code, _) = audit_json(p.path(), None);
    assert_eq!(code, 0);
    // A long second run, killed while under load.
    let cfg = p.path().join("perfaudit.toml");
    let text = std::fs::read_to_string(&cfg)
        .unwrap()
        .replace("1500ms", "60s");
    std::fs::write(&cfg, text).unwrap();
    let pidfile = p.path().join("pid");
    let bin = assert_cmd::cargo::cargo_bin("perfaudit");
    let mut child = std::process::Command::new(bin)
        .args(["audit", "--no-progress", "--quiet"])
        .arg(p.path())
        .env("TINY_PIDFILE", &pidfile)
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let t = Instant::now();
    while !pidfile.exists() || std::fs::read_to_string(&pidfile).unwrap().trim().is_empty() {
        assert!(
            t.elapsed() < Duration::from_secs(30),
            "the service never started"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(800)); // under load now
    let service: i32 = std::fs::read_to_string(&pidfile)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    unsafe {
        libc::kill(child.id() as i32, signal);
    }
    let status = child.wait().unwrap();
    assert!(!status.success());
    assert!(
        wait_gone(service, Duration::from_secs(10)),
        "the service {service} outlived the audit"
    );
    // The history holds exactly the first run, intact.
    let out = perfaudit()
        .args(["report", "--list", "--format", "json", "-C"])
        .arg(p.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let list: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_valid(&validator("history.v1.schema.json"), &list);
    assert_eq!(list["schema"], "perfaudit/history/v1", "{list:#}");
    assert_eq!(list["runs"].as_array().unwrap().len(), 1, "{list:#}");
    assert_eq!(list["runs"][0]["id"], 1, "{list:#}");
    let out = perfaudit()
        .args(["report", "1", "--format", "json", "-C"])
        .arg(p.path())
        .output()
        .unwrap();
    assert!(out.status.success());
}

#[test]
fn interrupting_the_audit_stops_the_service_and_keeps_the_history() {
    kill_mid_run(libc::SIGINT);
}

#[test]
fn killing_the_audit_leaves_no_orphan_and_no_damaged_history() {
    kill_mid_run(libc::SIGKILL);
}

/// The bundled example, with short loads: every stage runs and the report has its sections.
#[test]
fn audit_of_the_example_service() {
    let example = repo_root().join("examples/docservice");
    let dir = tempfile::tempdir().unwrap();
    let cfg = std::fs::read_to_string(example.join("perfaudit.toml"))
        .unwrap()
        .replace("duration = \"2s\"", "duration = \"1s\"")
        .replace("runs = 5", "runs = 2")
        .replace("runs = 3", "runs = 1")
        .replace(
            "path = \".\"",
            &format!("path = {:?}", example.to_str().unwrap()),
        )
        .replace(
            "ready_url = \"/health\"",
            &format!(
                "ready_url = \"/health\"\ncwd = {:?}",
                example.to_str().unwrap()
            ),
        )
        .replace(
            "scenario = \"mixed.toml\"",
            &format!(
                "scenario = {:?}",
                example.join("mixed.toml").to_str().unwrap()
            ),
        )
        .replace(
            "[[imports]]",
            &format!("[[imports]]\ncwd = {:?}", example.to_str().unwrap()),
        )
        .replace(
            "[[bench]]",
            &format!("[[bench]]\ncwd = {:?}", example.to_str().unwrap()),
        );
    std::fs::write(dir.path().join("perfaudit.toml"), cfg).unwrap();
    let html = dir.path().join("report.html");
    let out = perfaudit()
        .args(["audit", "--no-progress", "--format", "json", "--report"])
        .arg(&html)
        .arg(dir.path())
        .timeout(Duration::from_secs(180))
        .output()
        .unwrap();
    let run: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    assert_valid(&validator("run.v1.schema.json"), &run);
    assert_eq!(run["errors"], serde_json::json!([]), "{:#}", run["errors"]);
    assert_ne!(out.status.code(), Some(2));
    let names: Vec<&str> = run["load"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["list", "mixed", "search"]);
    assert_eq!(run["load"][1]["endpoints"].as_array().unwrap().len(), 3);
    assert!(run["metrics"]["import_time"]["value"].as_f64().unwrap() > 0.0);
    assert!(run["bench"][0]["runs"].as_u64().unwrap() == 2);
    assert_eq!(run["kpis"].as_array().unwrap().len(), 7);
    // The deliberate flaws are found, with their code.
    let codes: Vec<&str> = run["scan"]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    for code in ["PA101", "PA201", "PA303", "PA306", "PA307", "PA403"] {
        assert!(codes.contains(&code), "{code} not found in {codes:?}");
    }
    assert!(!run["scan"]["findings"][0]["snippet"]
        .as_array()
        .unwrap()
        .is_empty());
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(page.contains("data-chart=\"Requests per second\""));
    assert!(page.contains("PA307"));
}

/// A baseline measured on another machine: a loud warning by default, a refusal (exit 2) with
/// `[regression] environment = "refuse"`.
#[test]
fn a_baseline_from_another_environment_is_flagged_or_refused() {
    let p = tiny_project();
    let (code, _) = audit_json(p.path(), None);
    assert_eq!(code, 0);
    // Pretend run 1 was measured on a 64-core machine.
    let db = rusqlite::Connection::open(p.path().join(".perfaudit/history.db")).unwrap();
    db.execute(
        "UPDATE runs SET record = json_set(record, '$.environment.cpu_cores', 64) WHERE id = 1",
        [],
    )
    .unwrap();
    drop(db);
    let out = perfaudit()
        .args(["audit", "--no-progress", "--format", "json"])
        .arg(p.path())
        .timeout(Duration::from_secs(90))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("WARNING") && err.contains("cores: 64 vs"),
        "{err}"
    );
    let run: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(run["comparison"]["environment_differences"][0]
        .as_str()
        .unwrap()
        .starts_with("cores: 64 vs"));

    let cfg = p.path().join("perfaudit.toml");
    let text = std::fs::read_to_string(&cfg).unwrap();
    std::fs::write(
        &cfg,
        text.replace("[regression]\n", "[regression]\nenvironment = \"refuse\"\n"),
    )
    .unwrap();
    let (code, refused) = audit_json(p.path(), None);
    // Run 2 (same machine) is now the baseline: comparable, so it passes ...
    assert_eq!(code, 0, "{:#}", refused["errors"]);
    // ... but against run 1 the comparison is refused.
    let out = perfaudit()
        .args([
            "audit",
            "--no-progress",
            "--format",
            "json",
            "--baseline",
            "1",
        ])
        .arg(p.path())
        .timeout(Duration::from_secs(90))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let run: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(run.get("comparison").is_none());
    assert!(run["errors"][0]["message"]
        .as_str()
        .unwrap()
        .contains("another environment"));
    let out = perfaudit()
        .args(["compare", "1", "2", "--strict-env", "-C"])
        .arg(p.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}
