//! `perfaudit scan` end to end: a fixture tree with good modules, dependency manifests and
//! every kind of bad input; JSON validated against the checked-in schema.

use assert_cmd::Command;
use serde_json::Value;
use std::fs;
use std::path::Path;

fn write(root: &Path, rel: &str, data: impl AsRef<[u8]>) {
    let p = root.join(rel);
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    fs::write(p, data).unwrap();
}

/// A small web service with dependency problems, plus bad input.
fn fixture() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let r = dir.path();
    write(r, "app/__init__.py", "");
    write(
        r,
        "app/main.py",
        "import os\nimport requests\nimport yaml\nimport pytest\nfrom fastapi import FastAPI\nimport jwt  # perfaudit: ignore[PA504]\ntry:\n    import ujson\nexcept ImportError:\n    ujson = None\nfrom . import util\nfrom app.util import helper\n\napp = FastAPI()\n",
    );
    write(r, "app/util.py", "def helper():\n    return 1\n");
    let big: String = (0..1200).map(|i| format!("x{i} = {i}\n")).collect();
    write(r, "app/big.py", big);
    write(r, "tests/test_app.py", "import pytest\nimport app.main\n");
    write(r, "requirements.txt", "-r requirements/base.txt\n");
    write(
        r,
        "requirements/base.txt",
        "requests>=2\nfastapi==0.110  # the framework\nunused-thing==1.0\nuvicorn[standard]\ndataclasses\nleftover==2  # perfaudit: ignore[PA505]\n",
    );
    write(r, "requirements-dev.txt", "pytest\n");
    write(r, "README.md", "# demo\n\nsome text\n");
    write(r, "scripts/run", "#!/usr/bin/env python3\nprint('hi')\n");
    // Bad input.
    write(r, "bad/broken.py", "def f(:\n    pass\n");
    write(r, "bad/latin1.py", b"x = '\xe9t\xe9'\n");
    write(r, "bad/blob.py", b"\x00\x01\x02binary\x00");
    write(r, "bad/empty.py", "");
    // Ignored by .gitignore and by the built-in list: never reported.
    write(r, ".gitignore", "generated/\n");
    write(r, "generated/junk.py", "def (:\n");
    write(r, "node_modules/pkg/x.py", "def (:\n");
    write(r, ".venv/lib/x.py", "def (:\n");
    dir
}

fn scan_json(root: &Path, extra: &[&str]) -> (Value, i32) {
    let out = Command::cargo_bin("perfaudit")
        .unwrap()
        .args(["scan", "--format", "json", "--no-progress"])
        .args(extra)
        .arg(root)
        .output()
        .unwrap();
    let code = out.status.code().unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (v, code)
}

fn validate(doc: &Value) {
    let schema: Value = serde_json::from_str(
        &fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../schemas/scan.v1.schema.json"
        ))
        .unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(doc)
        .map(|e| format!("{e} at {}", e.instance_path))
        .collect();
    assert!(errors.is_empty(), "schema errors: {errors:#?}");
}

fn findings<'a>(doc: &'a Value, code: &str) -> Vec<&'a Value> {
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == code)
        .collect()
}

fn diag<'a>(doc: &'a Value, path: &str) -> &'a Value {
    doc["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["path"] == path)
        .unwrap_or_else(|| panic!("no diagnostic for {path}: {:#}", doc["diagnostics"]))
}

#[test]
fn json_follows_the_schema_and_contract() {
    let dir = fixture();
    let (doc, code) = scan_json(dir.path(), &[]);
    validate(&doc);
    assert_eq!(doc["schema"], "perfaudit/scan/v1");
    assert_eq!(code, 1, "findings at/above warning fail the scan");

    // Inventory.
    assert!(doc["files"].as_u64().unwrap() >= 14);
    let langs: Vec<&str> = doc["languages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["language"].as_str().unwrap())
        .collect();
    assert_eq!(langs[0], "Python");
    assert!(langs.contains(&"Markdown"));
    assert_eq!(doc["largest_files"][0]["path"], "app/big.py");
    assert_eq!(doc["largest_files"][0]["lines"], 1200);
    let py = doc["languages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["language"] == "Python")
        .unwrap();
    assert_eq!(
        py["files"], 10,
        "9 .py files plus the python-shebang script"
    );

    // Imports.
    let imp = &doc["imports"];
    assert_eq!(imp["total"], 11);
    let third: Vec<&str> = imp["third_party_modules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    assert_eq!(
        third,
        ["fastapi", "jwt", "pytest", "requests", "ujson", "yaml"]
    );
    assert_eq!(imp["first_party"], 1); // app (tests has no __init__: `test_app` is a module too)
    assert!(imp["stdlib"].as_u64().unwrap() >= 1);

    // Dependencies.
    let pa504 = findings(&doc, "PA504");
    assert_eq!(pa504.len(), 1, "{pa504:#?}");
    assert_eq!(pa504[0]["symbol"], "pyyaml");
    assert_eq!(
        (pa504[0]["path"].as_str(), pa504[0]["line"].as_u64()),
        (Some("app/main.py"), Some(3))
    );
    let pa505: Vec<&str> = findings(&doc, "PA505")
        .iter()
        .map(|f| f["symbol"].as_str().unwrap())
        .collect();
    assert_eq!(pa505, ["unused-thing"]);
    let pa506: Vec<(&str, &str)> = findings(&doc, "PA506")
        .iter()
        .map(|f| (f["symbol"].as_str().unwrap(), f["path"].as_str().unwrap()))
        .collect();
    assert_eq!(
        pa506,
        [
            ("pytest", "app/main.py"),
            ("dataclasses", "requirements/base.txt")
        ]
    );
    assert_eq!(doc["suppressed"], 2);
    let manifests: Vec<&str> = doc["dependencies"]["manifests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    assert_eq!(
        manifests,
        [
            "requirements-dev.txt",
            "requirements.txt",
            "requirements/base.txt"
        ]
    );

    // PA502.
    let pa502 = findings(&doc, "PA502");
    assert_eq!(pa502.len(), 1);
    assert_eq!(pa502[0]["path"], "app/big.py");

    // Bad input: each a diagnostic with path and reason; the rest still scanned.
    let d = diag(&doc, "bad/broken.py");
    assert_eq!(d["kind"], "syntax-error");
    assert_eq!(d["line"], 1);
    assert_eq!(diag(&doc, "bad/latin1.py")["kind"], "not-utf8");
    assert_eq!(diag(&doc, "bad/blob.py")["kind"], "binary");
    assert_eq!(diag(&doc, "bad/empty.py")["kind"], "empty");
    assert!(doc["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .all(|d| d["path"] != "app/__init__.py"));
    for d in doc["diagnostics"].as_array().unwrap() {
        let p = d["path"].as_str().unwrap();
        assert!(
            !p.starts_with("generated")
                && !p.starts_with("node_modules")
                && !p.starts_with(".venv"),
            "{p}"
        );
    }
    assert_eq!(doc["python_files"], 9);
}

#[test]
fn select_ignore_exit_zero_and_fail_on() {
    let dir = fixture();
    let (doc, code) = scan_json(dir.path(), &["--select", "PA505", "--fail-on", "error"]);
    assert_eq!(findings(&doc, "PA505").len(), 1);
    assert_eq!(doc["findings"].as_array().unwrap().len(), 1);
    // PA505 is a warning; but the syntax error and the encoding error are error diagnostics.
    assert_eq!(code, 1);
    let (doc, code) = scan_json(dir.path(), &["--ignore", "PA5", "--exclude", "bad"]);
    assert!(doc["findings"].as_array().unwrap().is_empty());
    assert!(doc["diagnostics"].as_array().unwrap().is_empty());
    assert_eq!(code, 0);
    let (_, code) = scan_json(dir.path(), &["--exit-zero"]);
    assert_eq!(code, 0);
    let out = Command::cargo_bin("perfaudit")
        .unwrap()
        .args(["scan", "--select", "PA9"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("PA9"));
}

#[test]
fn configuration_from_perfaudit_toml_and_pyproject() {
    let dir = fixture();
    let r = dir.path();
    write(
        r,
        "perfaudit.toml",
        "[project]\npath = '.'\n[scan]\nignore = ['PA506', 'PA503']\nmax-module-lines = 2000\nexclude = ['bad']\nallowed-unused-dependencies = ['unused-thing']\n[scan.per-file-ignores]\n'app/main.py' = ['PA504']\n",
    );
    let (doc, code) = scan_json(r, &[]);
    assert!(
        doc["findings"].as_array().unwrap().is_empty(),
        "{:#}",
        doc["findings"]
    );
    assert_eq!(code, 0);

    write(r, "perfaudit.toml", "[scan]\nmax-module-linez = 3\n");
    let out = Command::cargo_bin("perfaudit")
        .unwrap()
        .args(["scan"])
        .arg(r)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("max-module-linez") && err.contains("perfaudit.toml"),
        "{err}"
    );

    fs::remove_file(r.join("perfaudit.toml")).unwrap();
    write(
        r,
        "pyproject.toml",
        "[project]\nname = 'demo'\ndependencies = ['requests', 'fastapi', 'PyYAML']\n[dependency-groups]\ndev = ['pytest']\n[tool.perfaudit]\nselect = ['PA504', 'PA505']\n",
    );
    fs::remove_file(r.join("requirements.txt")).unwrap();
    fs::remove_file(r.join("requirements-dev.txt")).unwrap();
    fs::remove_dir_all(r.join("requirements")).unwrap();
    let (doc, _) = scan_json(r, &[]);
    assert!(
        doc["findings"].as_array().unwrap().is_empty(),
        "{:#}",
        doc["findings"]
    );
    let declared = doc["dependencies"]["declared"].as_array().unwrap();
    assert_eq!(declared.len(), 4);
    assert!(declared
        .iter()
        .any(|d| d["name"] == "pytest" && d["dev"] == true));
    // --isolated ignores [tool.perfaudit]: PA502 comes back.
    let (doc, _) = scan_json(r, &["--isolated"]);
    assert_eq!(findings(&doc, "PA502").len(), 1);
}

#[test]
fn text_markdown_and_sarif() {
    let dir = fixture();
    let run = |fmt: &str| {
        let out = Command::cargo_bin("perfaudit")
            .unwrap()
            .args(["scan", "--no-progress", "--color", "never", "--format", fmt])
            .arg(dir.path())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1));
        String::from_utf8(out.stdout).unwrap()
    };
    let text = run("text");
    assert!(text.contains("app/main.py\n"), "{text}");
    assert!(text.contains("3:8  PA504 error"), "{text}");
    assert!(text.contains("Bundle analysis"));
    assert!(text.contains("bad/broken.py:1:"));
    assert!(!text.contains('\x1b'));
    let md = run("markdown");
    assert!(md.contains("| app/main.py:3:8 | PA504 | error |"), "{md}");
    let sarif: Value = serde_json::from_str(&run("sarif")).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    let run0 = &sarif["runs"][0];
    let results = run0["results"].as_array().unwrap();
    assert!(results.iter().any(|r| r["ruleId"] == "PA504"
        && r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "app/main.py"
        && r["locations"][0]["physicalLocation"]["region"]["startLine"] == 3));
    let idx = results[0]["ruleIndex"].as_u64().unwrap() as usize;
    assert_eq!(
        run0["tool"]["driver"]["rules"][idx]["id"],
        results[0]["ruleId"]
    );
    assert!(
        run0["invocations"][0]["toolExecutionNotifications"]
            .as_array()
            .unwrap()
            .len()
            >= 4
    );
    let out = Command::cargo_bin("perfaudit")
        .unwrap()
        .args(["scan", "--format", "junit"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn fifty_megabyte_module_is_counted_not_parsed() {
    let dir = tempfile::tempdir().unwrap();
    let line = "x = 1\n";
    let big = line.repeat(50 * 1024 * 1024 / line.len() + 1);
    write(dir.path(), "huge.py", &big);
    write(dir.path(), "ok.py", "import os\n");
    let (doc, code) = scan_json(dir.path(), &[]);
    validate(&doc);
    let d = diag(&doc, "huge.py");
    assert_eq!(d["kind"], "too-large");
    assert!(d["message"].as_str().unwrap().contains("bytes"));
    assert_eq!(
        doc["largest_files"][0]["lines"].as_u64().unwrap(),
        (big.len() / line.len()) as u64
    );
    assert_eq!(doc["parsed_files"], 1);
    assert_eq!(
        code, 1,
        "a skipped file is a warning, the default --fail-on"
    );
    let (_, code) = scan_json(dir.path(), &["--fail-on", "error"]);
    assert_eq!(code, 0);
}

#[cfg(unix)]
#[test]
fn unreadable_input_and_symlink_loops() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let r = dir.path();
    write(r, "ok.py", "import os\n");
    write(r, "secret.py", "import os\n");
    write(r, "locked/inner.py", "import os\n");
    fs::set_permissions(r.join("secret.py"), fs::Permissions::from_mode(0o000)).unwrap();
    fs::set_permissions(r.join("locked"), fs::Permissions::from_mode(0o000)).unwrap();
    std::os::unix::fs::symlink("..", r.join("locked_loop")).ok();
    std::os::unix::fs::symlink(r.join("nowhere.py"), r.join("dangling.py")).unwrap();
    fs::create_dir_all(r.join("pkg")).unwrap();
    std::os::unix::fs::symlink("..", r.join("pkg/up")).unwrap();
    let (doc, code) = scan_json(r, &[]);
    // Restore so the temp dir can be removed.
    fs::set_permissions(r.join("locked"), fs::Permissions::from_mode(0o755)).unwrap();
    fs::set_permissions(r.join("secret.py"), fs::Permissions::from_mode(0o644)).unwrap();
    validate(&doc);
    assert_eq!(code, 2, "unreadable input: the scan is incomplete");
    assert_eq!(diag(&doc, "dangling.py")["kind"], "unreadable");
    assert_eq!(diag(&doc, "pkg/up")["kind"], "symlink-loop");
    let running_as_root = fs::read(r.join("secret.py")).is_ok() && unsafe_is_root();
    if !running_as_root {
        assert_eq!(diag(&doc, "secret.py")["kind"], "unreadable");
        assert_eq!(diag(&doc, "locked")["kind"], "unreadable");
    }
    assert!(
        doc["parsed_files"].as_u64().unwrap() >= 1,
        "the rest is still scanned"
    );
    // --exit-zero does not hide an incomplete scan.
    let (_, code) = scan_json(r, &["--exit-zero"]);
    assert_eq!(code, 2);
}

/// Root reads files whatever their mode: detect it through /proc (no libc needed).
fn unsafe_is_root() -> bool {
    fs::read_to_string("/proc/self/status")
        .map(|s| {
            s.lines()
                .any(|l| l.starts_with("Uid:") && l.split_whitespace().nth(1) == Some("0"))
        })
        .unwrap_or(false)
}

#[test]
fn scans_a_single_file() {
    let dir = fixture();
    let (doc, _) = scan_json(&dir.path().join("app/big.py"), &["--select", "PA502"]);
    assert_eq!(doc["files"], 1);
    assert_eq!(findings(&doc, "PA502")[0]["path"], "big.py");
}

/// An unknown code anywhere in the selection is an error naming it with a suggestion, exit 2;
/// `--select ALL` runs the opt-in PA309, a prefix and the default do not.
#[test]
fn unknown_codes_are_errors_and_all_means_all() {
    let dir = fixture();
    let r = dir.path();
    let run = |args: &[&str]| {
        Command::cargo_bin("perfaudit")
            .unwrap()
            .arg("scan")
            .args(args)
            .arg(r)
            .output()
            .unwrap()
    };
    for (args, named) in [
        (
            vec!["--select", "PA101,PA3011"],
            "`PA3011`; did you mean `PA301`?",
        ),
        (vec!["--ignore", "PA530"], "`PA530`; did you mean `PA503`?"),
    ] {
        let out = run(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(named), "{args:?}: {err}");
    }
    write(
        r,
        "perfaudit.toml",
        "[scan]\n[scan.per-file-ignores]\n'tests/**' = ['unused-imports']\n",
    );
    let out = run(&[]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("per-file-ignores") && err.contains("PA503 (unused-import)"),
        "{err}"
    );
    fs::remove_file(r.join("perfaudit.toml")).unwrap();

    write(
        r,
        "app/models.py",
        "from sqlalchemy import Column, Integer, String, select\nfrom sqlalchemy.orm import declarative_base\n\nBase = declarative_base()\n\n\nclass User(Base):\n    __tablename__ = 'users'\n    id = Column(Integer, primary_key=True)\n    email = Column(String)\n\n\ndef by_email(session, email):\n    return session.execute(select(User).where(User.email == email)).scalar_one()\n",
    );
    let (all, _) = scan_json(r, &["--select", "ALL"]);
    assert_eq!(findings(&all, "PA309").len(), 1, "{:#}", all["findings"]);
    let (named, _) = scan_json(r, &["--select", "PA309"]);
    assert_eq!(findings(&named, "PA309").len(), 1);
    for args in [vec![], vec!["--select", "PA3"], vec!["--select", "PA"]] {
        let (doc, _) = scan_json(r, &args);
        assert!(findings(&doc, "PA309").is_empty(), "{args:?}");
    }
}

/// Issue 21: an 80 KB module `x = f()()()...` (and subscript, slice, await and f-string chains)
/// aborted the scan with a stack overflow (rc 134). Over the limit it is a located diagnostic;
/// just under it, scanned on the main thread's path without running out of stack.
#[test]
fn postfix_chains_never_overflow_the_stack() {
    let over = [
        format!("x = f{}\n", "()".repeat(40_000)),
        format!("x = a{}\n", "[0]".repeat(30_000)),
        format!("x = a{}\n", "[1:2]".repeat(30_000)),
        format!("async def g():\n    x = await a{}\n", "()".repeat(30_000)),
        format!("x = f\"{{a{}}}\"\n", "()".repeat(30_000)),
    ];
    for src in over {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("deep.py"), &src).unwrap();
        let out = assert_cmd::Command::cargo_bin("perfaudit")
            .unwrap()
            .args(["scan", "--no-progress", "--format", "json"])
            .arg(dir.path())
            .output()
            .unwrap();
        let code = out.status.code();
        assert!(matches!(code, Some(0) | Some(1)), "exit {code:?}");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("levels deep, over the limit"), "{text}");
    }
    for src in [
        format!("x = f{}\n", "()".repeat(9_500)),
        format!("x = a{}\n", "[0]".repeat(9_900)),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("under.py");
        std::fs::write(&file, &src).unwrap();
        // A single file is scanned on the calling thread's path.
        let out = assert_cmd::Command::cargo_bin("perfaudit")
            .unwrap()
            .args(["scan", "--no-progress", "--format", "json"])
            .arg(&file)
            .output()
            .unwrap();
        assert!(
            matches!(out.status.code(), Some(0) | Some(1)),
            "exit {:?}: {}",
            out.status.code(),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
