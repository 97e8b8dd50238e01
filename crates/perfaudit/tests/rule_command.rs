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

/// The README's catalog is the registry's table, exactly (no missing, extra or differing row).
/// `PERFAUDIT_UPDATE_README=1 cargo test -p perfaudit --test rule_command` rewrites it.
#[test]
fn readme_catalog_matches_the_registry() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md");
    let readme = std::fs::read_to_string(path).unwrap();
    let rules_at = readme
        .find("\n## Rules\n")
        .expect("README has a Rules section");
    let header = "| code | name | group | severity |\n";
    let start = rules_at + readme[rules_at..].find(header).expect("catalog table");
    let end = start + readme[start..].find("\n\n").expect("table ends") + 1;
    let want = perfaudit_scan::rules::codes::catalog_table();
    if readme[start..end] == want {
        return;
    }
    if std::env::var_os("PERFAUDIT_UPDATE_README").is_some() {
        let updated = format!("{}{want}{}", &readme[..start], &readme[end..]);
        std::fs::write(path, updated).unwrap();
        return;
    }
    panic!(
        "README catalog differs from the registry (PERFAUDIT_UPDATE_README=1 rewrites it):\n\
         README:\n{}\nregistry:\n{want}",
        &readme[start..end]
    );
}

#[test]
fn opt_in_rules_say_so_and_why() {
    perfaudit()
        .args(["rule", "PA309"])
        .assert()
        .success()
        .stdout(predicate::str::contains("Opt-in: runs only when selected"))
        .stdout(predicate::str::contains("--select ALL"))
        .stdout(predicate::str::contains("precision is 59%"));
    perfaudit()
        .arg("rule")
        .assert()
        .success()
        .stdout(predicate::str::contains("info (opt-in)"));
    let out = perfaudit()
        .args(["rule", "PA3", "--format", "json"])
        .assert()
        .success();
    let doc: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    let rules = doc["rules"].as_array().unwrap();
    let pa309 = rules.iter().find(|r| r["code"] == "PA309").unwrap();
    assert_eq!(pa309["opt_in"], true);
    assert!(pa309["opt_in_reason"].as_str().unwrap().contains("90%"));
    let pa308 = rules.iter().find(|r| r["code"] == "PA308").unwrap();
    assert_eq!(pa308["opt_in"], false);
    assert_eq!(pa308["stage"], "module");
    assert!(pa308.get("opt_in_reason").is_none());
    perfaudit()
        .args(["rule", "PA3011"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("did you mean `PA301`?"));
}
