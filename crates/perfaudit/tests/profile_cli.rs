//! `perfaudit profile`: a real `python3` child profiled end to end in every format, the JSON
//! validated against schemas/profile.v1.schema.json; the errors that must never be an empty
//! profile (not Python, no such process, no ptrace rights) exit 2 with the reason.

use assert_cmd::Command;
use serde_json::Value;
use std::time::Duration;

const BUSY: &str = "
import time
def heavy():
    x = 0
    for i in range(3000):
        x += i * i
def light():
    x = 0
    for i in range(1000):
        x += i * i
end = time.time() + float(__import__('sys').argv[1])
while time.time() < end:
    heavy()
    light()
";

fn perfaudit() -> Command {
    let mut c = Command::cargo_bin("perfaudit").unwrap();
    c.timeout(Duration::from_secs(60));
    c
}

fn schema(name: &str) -> Value {
    let path = format!("{}/../../schemas/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn validate(doc: &Value) {
    let schema = schema("profile.v1.schema.json");
    let validator = jsonschema::validator_for(&schema).expect("schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect();
    assert!(errors.is_empty(), "schema violations: {errors:#?}");
}

fn profile(format: &str, extra: &[&str], run_for: &str) -> std::process::Output {
    perfaudit()
        .args(["profile", "--quiet", "--format", format, "--rate", "200"])
        .args(extra)
        .args(["--", "python3", "-c", BUSY, run_for])
        .output()
        .unwrap()
}

#[test]
fn json_profile_of_a_python_child_matches_the_schema_and_the_work() {
    let out = profile("json", &["--duration", "2s"], "20");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    validate(&doc);
    assert_eq!(doc["schema"], "perfaudit/profile/v1");
    assert_eq!(doc["end"], "completed");
    assert_eq!(doc["settings"]["nonblocking"], true);
    let f = |n: &str| {
        doc["functions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["name"] == n)
            .map_or(0.0, |f| f["self_share"].as_f64().unwrap())
    };
    let (h, l) = (f("heavy"), f("light"));
    // (The interpreter's start-up, site imports, is in the profile too.)
    assert!(h + l > 0.5, "heavy {h} light {l}");
    assert!(h / l > 2.2 && h / l < 4.0, "heavy/light {}", h / l);
    // The spawned command was stopped at the end of the duration.
    assert!(doc["target"]["command"].is_array());
}

#[test]
fn collapsed_speedscope_html_and_text() {
    let out = profile("collapsed", &["--duration", "1s"], "20");
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let line = text
        .lines()
        .find(|l| l.contains("heavy (<string>:"))
        .unwrap_or_else(|| panic!("{text}"));
    let (stack, n) = line.rsplit_once(' ').unwrap();
    assert!(n.parse::<u64>().unwrap() > 0);
    assert!(stack.starts_with("<module> (<string>:"), "{stack}");

    let out = profile("speedscope", &["--duration", "1s"], "20");
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["profiles"][0]["type"], "sampled");
    let p = &doc["profiles"][0];
    assert_eq!(
        p["samples"].as_array().unwrap().len(),
        p["weights"].as_array().unwrap().len()
    );
    let nframes = doc["shared"]["frames"].as_array().unwrap().len() as u64;
    for s in p["samples"].as_array().unwrap() {
        for i in s.as_array().unwrap() {
            assert!(i.as_u64().unwrap() < nframes);
        }
    }

    let out = profile("html", &["--duration", "1s"], "20");
    let page = String::from_utf8(out.stdout).unwrap();
    assert!(page.contains("data-flame=\""));
    assert!(page.contains("default-src 'none'"));
    assert_eq!(page.matches("<script").count(), 1);

    let out = profile("text", &["--duration", "1s"], "20");
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("Top functions by self time"), "{text}");
    assert!(
        text.contains("heavy") && text.contains("<string>:"),
        "{text}"
    );
}

#[test]
fn a_target_that_exits_gives_the_profile_so_far_marked() {
    let out = profile("json", &["--duration", "30s"], "1.5");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    validate(&doc);
    assert_eq!(doc["end"], "target_exited");
    assert!(doc["samples"].as_u64().unwrap() > 20);
    assert_eq!(doc["target"]["exit_code"], 0);
    assert!(doc["duration_s"].as_f64().unwrap() < 20.0);
}

#[test]
fn a_non_python_target_is_a_clear_error() {
    let out = perfaudit()
        .args(["profile", "--duration", "1s", "--", "sleep", "5"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("does not look like a Python interpreter"),
        "{err}"
    );
    assert!(out.stdout.is_empty());
}

#[test]
fn a_missing_pid_and_bad_flags_exit_2() {
    let out = perfaudit()
        .args(["profile", "--pid", "9999999"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("does not exist"));
    for args in [
        vec!["profile", "--rate", "0", "--", "python3", "-c", "pass"],
        vec!["profile"],
        vec!["profile", "--format", "junit", "--pid", "1"],
    ] {
        let out = perfaudit().args(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
    }
}

/// Without ptrace rights over the target (another user's process): exit 2 with the reason and
/// the fixes. Runs where the test can drop to `nobody` (as root, with setpriv).
#[test]
fn another_users_process_is_refused_with_the_fix() {
    let is_root = std::fs::read_to_string("/proc/self/status")
        .unwrap()
        .lines()
        .any(|l| l.starts_with("Uid:") && l.split_whitespace().nth(1) == Some("0"));
    if !is_root || !std::path::Path::new("/usr/bin/setpriv").exists() {
        eprintln!("skipped: needs root and setpriv to act as another user");
        return;
    }
    let mut target = std::process::Command::new("python3")
        .args(["-c", "import time; time.sleep(30)"])
        .spawn()
        .unwrap();
    let bin = assert_cmd::cargo::cargo_bin("perfaudit");
    let out = std::process::Command::new("/usr/bin/setpriv")
        .args([
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
            "--inh-caps=-all",
        ])
        .arg(&bin)
        .args(["profile", "--duration", "1s", "--pid"])
        .arg(target.id().to_string())
        .output()
        .unwrap();
    let _ = target.kill();
    let _ = target.wait();
    let err = String::from_utf8_lossy(&out.stderr);
    if err.contains("Permission denied") && err.contains("os error 13") && !err.contains("memory") {
        eprintln!("skipped: nobody cannot run the test binary here: {err}");
        return;
    }
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("cannot read the memory of process"), "{err}");
    assert!(err.contains("--cap-add SYS_PTRACE"), "{err}");
    assert!(err.contains("kernel.yama.ptrace_scope"), "{err}");
    assert!(out.stdout.is_empty());
}
