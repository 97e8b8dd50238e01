//! `perfaudit rule`: list, explain, formats, unknown codes.

use assert_cmd::Command;
use predicates::prelude::*;

fn perfaudit() -> Command {
    let mut c = Command::cargo_bin("perfaudit").unwrap();
    c.env("NO_COLOR", "1");
    c
}

#[test]
fn lists_every_rule_grouped() {
    let out = perfaudit().arg("rule").assert().success();
    let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    for r in perfaudit_scan::rules::codes::RULES {
        assert!(
            text.contains(r.code) && text.contains(r.name),
            "{} missing",
            r.code
        );
    }
    assert!(text.contains("C. Database and ORM"));
}

#[test]
fn explains_one_rule_with_every_section() {
    perfaudit()
        .args(["rule", "pa301"])
        .assert()
        .success()
        .stdout(predicate::str::contains("PA301 n-plus-one-sqlalchemy"))
        .stdout(predicate::str::contains("Why is this bad?"))
        .stdout(predicate::str::contains("Use instead"))
        .stdout(predicate::str::contains("Known limits"))
        .stdout(predicate::str::contains("selectinload"));
}

#[test]
fn documents_pipeline_rules_too() {
    perfaudit()
        .args(["rule", "PA505"])
        .assert()
        .success()
        .stdout(predicate::str::contains("unused-dependency"));
}

#[test]
fn markdown_has_python_blocks() {
    perfaudit()
        .args(["rule", "PA201", "--format", "markdown"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "## PA201 http-call-without-timeout",
        ))
        .stdout(predicate::str::contains("```python"));
}

#[test]
fn unknown_code_is_an_error() {
    perfaudit()
        .args(["rule", "PA999"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("unknown rule `PA999`"));
}

#[test]
fn unsupported_format_is_an_error() {
    perfaudit()
        .args(["rule", "--format", "sarif"])
        .assert()
        .code(2);
}

#[test]
fn json_validates_against_the_schema() {
    let schema: serde_json::Value =
        serde_json::from_str(include_str!("../../../schemas/rules.v1.schema.json")).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    for args in [
        vec!["rule", "--format", "json"],
        vec!["rule", "--all", "--format", "json"],
        vec!["rule", "PA4", "--format", "json"],
    ] {
        let out = perfaudit().args(&args).assert().success();
        let doc: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
        let errors: Vec<String> = validator.iter_errors(&doc).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{args:?}: {errors:?}");
    }
    let out = perfaudit()
        .args(["rule", "--all", "--format", "json"])
        .assert()
        .success();
    let doc: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(doc["schema"], "perfaudit/rules/v1");
    assert_eq!(
        doc["rules"].as_array().unwrap().len(),
        perfaudit_scan::rules::codes::RULES.len()
    );
    assert!(doc["rules"][0]["doc"]["why"].as_str().unwrap().len() > 20);
}
