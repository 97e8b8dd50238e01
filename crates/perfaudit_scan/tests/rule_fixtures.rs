//! Every module rule of the registry against its fixture (`resources/test/fixtures/<CODE>.py`):
//! true positives and look-alike negatives, snapshotted (`snapshots/rule_fixtures__<CODE>.snap`,
//! written by insta: `INSTA_UPDATE=always cargo test -p perfaudit_scan --test rule_fixtures`,
//! or `cargo insta review`). The list of rules comes from the registry (stage `Module`): a new
//! rule needs no edit here. Each fixture is its own project: the model index is built from the
//! fixture itself, and only the rule under test is enabled.

use perfaudit_model::scan::Finding;
use perfaudit_scan::python::parser::parse_module;
use perfaudit_scan::rules::codes::{Stage, RULES};
use perfaudit_scan::rules::{
    check_module, collect_facts, may_have_facts, ModuleInput, ProjectIndex, Rule, RuleSettings,
};
use std::fmt::Write;

fn run(code: &str) -> String {
    let rel = format!("app/{code}.py");
    let (source, findings) = findings_at(code, &rel, |_| {});
    let mut out = String::new();
    for f in &findings {
        assert_eq!(f.code, code);
        assert_eq!(f.path, rel);
        assert!(!f.help.is_empty());
        let sym = f
            .symbol
            .as_deref()
            .map(|s| format!(" [{s}]"))
            .unwrap_or_default();
        writeln!(
            out,
            "{}:{} {} {}{sym}: {}\n    help: {}",
            f.line,
            f.column,
            f.code,
            f.severity.as_str(),
            f.message,
            f.help
        )
        .unwrap();
    }
    // Every line marked `# PA...` in the fixture is found, and nothing else.
    let expected: Vec<usize> = source
        .lines()
        .enumerate()
        .filter(|(_, l)| {
            l.split_once("# ")
                .is_some_and(|(_, c)| c.starts_with(code) && !c.contains("reported once"))
        })
        .map(|(i, _)| i + 1)
        .collect();
    let mut got: Vec<usize> = findings.iter().map(|f| f.line as usize).collect();
    got.dedup();
    assert_eq!(
        got, expected,
        "{code}: lines with findings vs lines marked `# {code}`"
    );
    out
}

/// The findings of `code` on its fixture as if it were the module at `rel` (rules that look
/// at paths), with `tweak` applied to the settings. Returns the fixture's source too.
fn findings_at(
    code: &str,
    rel: &str,
    tweak: impl FnOnce(&mut RuleSettings),
) -> (String, Vec<Finding>) {
    let path = format!(
        "{}/resources/test/fixtures/{code}.py",
        env!("CARGO_MANIFEST_DIR")
    );
    let source = std::fs::read_to_string(&path).expect("fixture exists");
    let parsed = parse_module(&source).expect("fixture parses");
    let input = ModuleInput {
        rel_path: rel,
        module_name: None,
        source: &source,
        parsed: &parsed,
    };
    let facts = if may_have_facts(&source) {
        vec![collect_facts(&input)]
    } else {
        Vec::new()
    };
    let project = ProjectIndex::from_facts(facts);
    let mut settings = RuleSettings::only([Rule::from_code(code).expect("a registry code")]);
    tweak(&mut settings);
    let findings = check_module(&input, &project, &settings);
    (source, findings)
}

#[test]
fn pa310_skips_hidden_directories() {
    let (_, in_app) = findings_at("PA310", "app/migrations/0002_index.py", |_| {});
    assert!(!in_app.is_empty());
    let (_, hidden) = findings_at("PA310", ".semgrep/best-practice/add-index.py", |_| {});
    assert!(hidden.is_empty(), "{hidden:?}");
}

#[test]
fn pa308_skips_frozen_models_and_mysql_projects() {
    let (_, app) = findings_at("PA308", "app/models.py", |_| {});
    assert!(!app.is_empty());
    // A migration's (or a test's) copy of the models: the finding is on the model itself.
    let (_, migration) = findings_at("PA308", "alembic/versions/0001_snapshot.py", |_| {});
    assert!(migration.is_empty(), "{migration:?}");
    let (_, test) = findings_at("PA308", "tests/test_models.py", |_| {});
    assert!(test.is_empty(), "{test:?}");
    let (_, mysql) = findings_at("PA308", "app/models.py", |s| s.mysql_only = true);
    assert!(mysql.is_empty(), "{mysql:?}");
}

#[test]
fn mysql_only_reads_runtime_drivers() {
    use perfaudit_scan::rules::database::mysql_only_project;
    let dir = tempfile::tempdir().unwrap();
    let write = |body: &str| std::fs::write(dir.path().join("pyproject.toml"), body).unwrap();
    write(
        "[project]\nname = \"ctf\"\ndependencies = [\"Flask\", \"PyMySQL[rsa]==1.1.1\"]\n\n\
         [dependency-groups]\ndev = [\"psycopg2-binary==2.9.6\"]\n",
    );
    assert!(
        mysql_only_project(dir.path()),
        "MySQL at run time, PostgreSQL only in dev"
    );
    write("[project]\nname = \"a\"\ndependencies = [\"pymysql\", \"psycopg[binary]>=3\"]\n");
    assert!(
        !mysql_only_project(dir.path()),
        "both drivers: PostgreSQL semantics"
    );
    write("[project]\nname = \"a\"\ndependencies = [\"sqlalchemy\"]\n");
    assert!(!mysql_only_project(dir.path()), "no driver declared");
}

/// Every module rule's fixture, snapshotted; every rule is run even when one fails, and the
/// failures are listed together.
#[test]
fn every_module_rule_matches_its_fixture_snapshot() {
    let mut failed = Vec::new();
    for r in RULES.iter().filter(|r| r.stage == Stage::Module) {
        let path = format!(
            "{}/resources/test/fixtures/{}.py",
            env!("CARGO_MANIFEST_DIR"),
            r.code
        );
        assert!(
            std::path::Path::new(&path).exists(),
            "missing fixture for {} ({path})",
            r.code
        );
        let code = r.code;
        let outcome = std::panic::catch_unwind(|| insta::assert_snapshot!(code, run(code)));
        if outcome.is_err() {
            failed.push(code);
        }
    }
    assert!(failed.is_empty(), "fixtures that differ: {failed:?}");
}

#[test]
fn project_rules_have_no_fixture_here() {
    // PA502 and PA504-PA506 are decided by the scan pipeline (tests/pipeline.rs); a stray
    // fixture for them would never run.
    for r in RULES.iter().filter(|r| r.stage == Stage::Project) {
        let path = format!(
            "{}/resources/test/fixtures/{}.py",
            env!("CARGO_MANIFEST_DIR"),
            r.code
        );
        assert!(!std::path::Path::new(&path).exists(), "{}", r.code);
    }
}
