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

fn mkfifo(p: &std::path::Path) {
    let c = std::ffi::CString::new(p.as_os_str().as_encoded_bytes()).unwrap();
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
}

#[test]
fn output_to_a_fifo_is_written_through() {
    use std::os::unix::fs::FileTypeExt;
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("out.fifo");
    mkfifo(&fifo);
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read_to_string(fifo).unwrap())
    };
    perfaudit()
        .args(["rule", "--format", "json", "--output"])
        .arg(&fifo)
        .timeout(std::time::Duration::from_secs(30))
        .assert()
        .success();
    let text = reader.join().unwrap();
    assert!(text.contains("PA503"));
    assert!(std::fs::symlink_metadata(&fifo)
        .unwrap()
        .file_type()
        .is_fifo());
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[test]
fn output_through_a_symlink_writes_its_target() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("reports")).unwrap();
    let target = dir.path().join("reports/rules.json");
    std::fs::write(&target, "old").unwrap();
    let link = dir.path().join("link.json");
    std::os::unix::fs::symlink("reports/rules.json", &link).unwrap();
    perfaudit()
        .args(["rule", "--format", "json", "--output"])
        .arg(&link)
        .assert()
        .success();
    assert!(std::fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    let text = std::fs::read_to_string(&target).unwrap();
    assert!(text.contains("PA503"));
}

#[test]
fn output_to_a_device_node_keeps_the_device() {
    use std::os::unix::fs::{FileTypeExt, MetadataExt};
    // /dev/null's numbers on a node in a temp dir (never the real /dev/null); needs CAP_MKNOD.
    let dir = tempfile::tempdir().unwrap();
    let dev = dir.path().join("null");
    let c = std::ffi::CString::new(dev.as_os_str().as_encoded_bytes()).unwrap();
    if unsafe { libc::mknod(c.as_ptr(), libc::S_IFCHR | 0o666, libc::makedev(1, 3)) } != 0 {
        eprintln!("mknod not permitted here; the FIFO test covers write-through");
        return;
    }
    perfaudit()
        .args(["rule", "--format", "json", "--output"])
        .arg(&dev)
        .assert()
        .success();
    let m = std::fs::symlink_metadata(&dev).unwrap();
    assert!(
        m.file_type().is_char_device(),
        "the device node was replaced"
    );
    assert_eq!(m.rdev(), libc::makedev(1, 3));
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[test]
fn output_to_dev_stdout_reaches_stdout() {
    if std::fs::symlink_metadata("/dev/stdout").is_err() {
        return;
    }
    // stdout is a pipe here: written through /proc/self/fd/1, not replaced.
    let out = perfaudit()
        .args(["rule", "--format", "json", "--output", "/dev/stdout"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("PA503"));

    // stdout redirected to a file in append mode: appended, not replaced or truncated.
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log.txt");
    std::fs::write(&log, "first line\n").unwrap();
    let f = std::fs::OpenOptions::new().append(true).open(&log).unwrap();
    let status = std::process::Command::new(assert_cmd::cargo::cargo_bin("perfaudit"))
        .args(["rule", "--format", "json", "--output", "/dev/stdout"])
        .stdout(f)
        .status()
        .unwrap();
    assert!(status.success());
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(text.starts_with("first line\n"), "{text}");
    assert!(text.contains("PA503"));
}

#[test]
fn new_output_file_honours_the_umask() {
    use std::os::unix::fs::PermissionsExt;
    use std::os::unix::process::CommandExt;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("private.json");
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("perfaudit"));
    cmd.args(["rule", "--format", "json", "--output"]).arg(&out);
    unsafe {
        cmd.pre_exec(|| {
            libc::umask(0o077);
            Ok(())
        });
    }
    assert!(cmd.status().unwrap().success());
    let mode = std::fs::metadata(&out).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
}
