//! `perfaudit imports` end to end on a fixture package: JSON against
//! schemas/imports.v1.schema.json, text and Markdown, and a module that fails to import.

use assert_cmd::Command;
use serde_json::Value;
use std::path::{Path, PathBuf};

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../perfaudit_bench/tests/fixtures/imp")
}

fn perfaudit() -> Command {
    let mut c = Command::cargo_bin("perfaudit").unwrap();
    c.env("NO_COLOR", "1").env("PYTHONDONTWRITEBYTECODE", "1");
    c
}

#[test]
fn json_profile_follows_the_schema() {
    let out = perfaudit()
        .args(["imports", "app", "--runs", "3", "--format", "json", "-C"])
        .arg(fixture())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../schemas/imports.v1.schema.json");
    let schema: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let v = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = v.iter_errors(&doc).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{errors:#?}");
    assert_eq!(doc["schema"], "perfaudit/imports/v1");
    assert_eq!(doc["runs"], 3);
    assert_eq!(doc["top_self"][0]["module"], "app.slow");
    assert_eq!(doc["top_self"][0]["kind"], "application");
    assert!(doc["total_us"].as_f64().unwrap() >= 30_000.0);
}

#[test]
fn text_and_markdown_profiles() {
    let out = perfaudit()
        .args(["imports", "app", "--runs", "2", "-C"])
        .arg(fixture())
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("Import time (median):"), "{text}");
    assert!(text.contains("Slowest branch"), "{text}");
    assert!(text.contains("application"), "{text}");
    let out = perfaudit()
        .args([
            "imports", "app", "--runs", "1", "--format", "markdown", "-C",
        ])
        .arg(fixture())
        .output()
        .unwrap();
    let md = String::from_utf8_lossy(&out.stdout);
    assert!(md.contains("## Import profile of `app`"), "{md}");
    assert!(
        md.contains("| app.slow |") || md.contains("| app.slow"),
        "{md}"
    );
}

#[test]
fn a_module_that_fails_to_import_shows_the_python_error() {
    perfaudit()
        .args(["imports", "broken", "--runs", "1", "-C"])
        .arg(fixture())
        .assert()
        .code(2)
        .stderr(predicates::str::contains("`import broken` failed"))
        .stderr(predicates::str::contains(
            "ImportError: boom: the database URL is not configured",
        ));
    perfaudit()
        .args(["imports", "os; print(1)"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("not a dotted Python module name"));
}
