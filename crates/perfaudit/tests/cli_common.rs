//! The common command-line contract: exit codes, `--output` written atomically as an ordinary
//! file, unsupported formats rejected, a broken pipe exiting 0.

use assert_cmd::Command;
use std::io::Read;
use std::process::Stdio;

fn perfaudit() -> Command {
    Command::cargo_bin("perfaudit").unwrap()
}

#[test]
fn output_file_is_written_whole_with_ordinary_permissions() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("rules.json");
    perfaudit()
        .args(["rule", "--format", "json", "--output"])
        .arg(&out)
        .assert()
        .success();
    let text = std::fs::read_to_string(&out).unwrap();
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert!(doc.to_string().contains("PA503"));
    let mode = std::fs::metadata(&out).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o644);
    // No temporary file is left next to it.
    let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(names.len(), 1);

    // Replacing an existing file keeps that file's mode.
    std::fs::set_permissions(&out, std::fs::Permissions::from_mode(0o640)).unwrap();
    perfaudit()
        .args(["rule", "--format", "markdown", "--output"])
        .arg(&out)
        .assert()
        .success();
    let mode = std::fs::metadata(&out).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o640);
}

#[test]
fn unsupported_format_is_a_usage_error_with_exit_2() {
    let out = perfaudit()
        .args(["rule", "--format", "junit"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--format junit"), "{err}");
    assert!(err.contains("text"), "{err}");
}

#[test]
fn unknown_flag_exits_2() {
    perfaudit()
        .args(["rule", "--no-such-flag"])
        .assert()
        .code(2);
}

#[test]
fn broken_pipe_exits_0() {
    // `perfaudit scan DIR | head -c 1`: the reader goes away after one byte, while perfaudit
    // still has far more than a pipe buffer (64 KiB) to write.
    let dir = tempfile::tempdir().unwrap();
    for i in 0..1500 {
        std::fs::write(
            dir.path().join(format!("m{i}.py")),
            "import os\nimport sys\n",
        )
        .unwrap();
    }
    let bin = assert_cmd::cargo::cargo_bin("perfaudit");
    let mut child = std::process::Command::new(bin)
        .args(["scan", "--no-progress", "--color", "never", "--exit-zero"])
        .arg(dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut one = [0u8; 1];
    stdout.read_exact(&mut one).unwrap();
    drop(stdout);
    let status = child.wait().unwrap();
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    assert_eq!(status.code(), Some(0), "stderr: {err}");
    assert!(!err.contains("panicked"), "{err}");
}

/// Each command's `--help` lists exactly the formats it renders (not the global list).
#[test]
fn help_lists_each_commands_own_formats() {
    let help = |args: &[&str]| {
        let out = perfaudit().args(args).output().unwrap();
        assert!(out.status.success(), "{args:?}");
        String::from_utf8(out.stdout).unwrap()
    };
    // The `[possible values: ...]` of `--format` in the short help (clap may wrap it).
    let values = |help: &str| -> String {
        let flat = help.split_whitespace().collect::<Vec<_>>().join(" ");
        let start = flat
            .find("--format <FORMAT>")
            .unwrap_or_else(|| panic!("no --format in:\n{help}"));
        let rest = &flat[start..];
        let a = rest.find("[possible values: ").unwrap() + "[possible values: ".len();
        rest[a..a + rest[a..].find(']').unwrap()].to_string()
    };
    let load = help(&["load", "-h"]);
    let line = values(&load);
    for f in ["text", "json", "markdown", "html", "openmetrics"] {
        assert!(line.contains(f), "load --help misses {f}: {line}");
    }
    for f in ["sarif", "junit", "csv"] {
        assert!(!line.contains(f), "load --help lists {f}: {line}");
    }
    let long = help(&["load", "--help"]);
    assert!(long.contains("- html:"), "{long}");
    assert_eq!(values(&help(&["rule", "-h"])), "text, json, markdown");
    assert_eq!(
        values(&help(&["load", "merge", "-h"])),
        "text, json, markdown, html, openmetrics"
    );
    // The format given before the subcommand is checked against the command's list too.
    let out = perfaudit()
        .args(["--format", "sarif", "load", "http://127.0.0.1:9/"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--format sarif is not available"), "{err}");
}
