//! A `[[load]]` table of perfaudit.toml IS a `perfaudit load --scenario` file plus a name:
//! templates (`{{env.X}}`, `{{counter}}`), thresholds, numeric durations and every other
//! scenario key work the same in both (tiny fixture service, python3 stdlib, 127.0.0.1).

use assert_cmd::Command;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::time::Duration;

fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tinyservice")
}

fn project(load_table: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(fixture_dir().join("app.py"), dir.path().join("app.py")).unwrap();
    let log = dir.path().join("requests.log");
    let toml = format!(
        r#"[project]
name = "tiny"
scan = false

[service]
command = "python3 app.py"
ready_url = "/health"
ready_timeout = "20s"
stop_timeout = "3s"
env = {{ TINY_LOG = "{}", TINY_DELAY_MS = "20" }}

[monitor]
enabled = false

[history]
store = false

{load_table}
"#,
        log.display()
    );
    std::fs::write(dir.path().join("perfaudit.toml"), toml).unwrap();
    (dir, log)
}

fn audit(dir: &Path) -> (i32, Value, String) {
    let out = Command::cargo_bin("perfaudit")
        .unwrap()
        .args(["audit", "--no-progress", "--format", "json"])
        .arg(dir)
        .env("NO_COLOR", "1")
        .env("PA_TEST_TOKEN", "sekrit")
        .timeout(Duration::from_secs(90))
        .output()
        .unwrap();
    let code = out.status.code().unwrap_or(-1);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let v: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}); exit {code}; stderr:\n{stderr}"));
    (code, v, stderr)
}

fn kpi<'a>(run: &'a Value, metric: &str) -> &'a Value {
    run["kpis"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["metric"] == metric)
        .unwrap_or_else(|| panic!("no KPI {metric} in {:#}", run["kpis"]))
}

#[test]
fn templates_and_thresholds_of_a_load_table_are_honoured() {
    let (dir, log) = project(
        r#"[[load]]
name = "work"
url = "/work?n={{counter}}"
headers = { Authorization = "Bearer {{env.PA_TEST_TOKEN}}" }
duration = "1"
connections = 1
thresholds = ["p95<1ms", "error_rate<1%"]
"#,
    );
    let (code, run, stderr) = audit(dir.path());
    assert_eq!(
        code, 1,
        "a breached scenario threshold fails the audit\n{stderr}"
    );
    let t = kpi(&run, "load.work.latency.p95");
    assert_eq!(t["status"], "fail", "{t:#}");
    assert_eq!(t["target"], "p95<1ms");
    assert_eq!(kpi(&run, "load.work.error_rate")["status"], "pass");
    // A bare duration is seconds (it used to be milliseconds in the audit only).
    let d = run["load"][0]["duration_s"].as_f64().unwrap();
    assert!((0.9..3.0).contains(&d), "duration = \"1\" ran {d} s");
    let lines = std::fs::read_to_string(&log).unwrap();
    assert!(!lines.contains("{{"), "templates sent literally:\n{lines}");
    let mut counters = Vec::new();
    for l in lines.lines() {
        let (path, auth) = l.split_once('\t').unwrap();
        assert_eq!(auth, "Bearer sekrit", "{l}");
        counters.push(path.trim_start_matches("/work?n=").parse::<u64>().unwrap());
    }
    assert!(counters.len() >= 5, "{} requests", counters.len());
    assert!(
        counters.contains(&0) && counters.contains(&1),
        "{counters:?}"
    );
}

#[test]
fn a_load_table_takes_numbers_for_durations_and_passes_kept_thresholds() {
    let (dir, _log) = project(
        r#"[[load]]
url = "/work"
duration = 1
requests = 20
connections = 2
threads = 1
timeout = 5
thresholds = ["p(95)<5s", "requests>=20"]
"#,
    );
    let (code, run, stderr) = audit(dir.path());
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(run["load"][0]["name"], "work");
    assert_eq!(
        run["load"][0]["requests"], 20,
        "-n given: exactly 20 requests"
    );
    assert_eq!(kpi(&run, "load.work.latency.p95")["status"], "pass");
    assert_eq!(kpi(&run, "load.work.requests")["status"], "pass");
}

#[test]
fn a_scenario_file_under_a_load_table_keeps_its_thresholds_and_the_table_overrides_it() {
    let (dir, _log) = project(
        r#"[[load]]
scenario = "base.toml"
duration = "1s"
"#,
    );
    std::fs::write(
        dir.path().join("base.toml"),
        "connections = 1\nduration = \"30s\"\nthresholds = [\"p99<1us\"]\n[[endpoints]]\nurl = \"/work\"\n",
    )
    .unwrap();
    let (code, run, stderr) = audit(dir.path());
    assert_eq!(code, 1, "the file's threshold is judged\n{stderr}");
    assert_eq!(run["load"][0]["name"], "base", "named after the file");
    let d = run["load"][0]["duration_s"].as_f64().unwrap();
    assert!(
        d < 5.0,
        "the table's duration wins over the file's 30s: {d}"
    );
    assert_eq!(kpi(&run, "load.base.latency.p99")["status"], "fail");
}

#[test]
fn bad_load_tables_fail_before_anything_runs() {
    for (table, says) in [
        (
            "[[load]]\nurl = \"/work\"\nduration = \"10y\"\n",
            "unknown unit `y`",
        ),
        (
            "[[load]]\nurl = \"/work\"\nduration = \"400d\"\n",
            "out of range",
        ),
        (
            "[[load]]\nurl = \"/work\"\nthresholds = [\"p95 fast\"]\n",
            "p95 fast",
        ),
        ("[[load]]\nurl = \"/x/{{nope}}\"\n", "nope"),
        (
            "[[load]]\nurl = \"/work\"\nconections = 3\n",
            "did you mean `connections`",
        ),
        ("[[load]]\nname = \"x\"\n", "needs a `url`"),
    ] {
        let (dir, log) = project(table);
        let out = Command::cargo_bin("perfaudit")
            .unwrap()
            .args(["audit", "--no-progress"])
            .arg(dir.path())
            .timeout(Duration::from_secs(30))
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{table}: {stderr}");
        assert!(
            stderr.contains(says),
            "{table}: expected `{says}` in {stderr}"
        );
        assert!(!log.exists(), "{table}: the service was started");
    }
}
