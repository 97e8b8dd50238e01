//! Where a run was measured: the environment fingerprint, the git commit, the clock.

use perfaudit_model::run::{Environment, GitInfo};
use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Stdio};

fn read(path: &str) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

fn first_value(text: &str, key: &str) -> Option<String> {
    text.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        (k.trim() == key).then(|| v.trim().to_string())
    })
}

fn os_name() -> String {
    let rel = read("/etc/os-release");
    rel.lines()
        .find_map(|l| l.strip_prefix("PRETTY_NAME="))
        .map(|v| v.trim_matches('"').to_string())
        .unwrap_or_else(|| std::env::consts::OS.to_string())
}

/// `python3 --version` and the like: the first line of the output, without the tool's name.
pub(crate) fn tool_version(program: &str) -> Option<String> {
    let out = Command::new(program)
        .arg("--version")
        .stdin(Stdio::null())
        .output()
        .ok()?;
    let text = if out.stdout.is_empty() {
        out.stderr
    } else {
        out.stdout
    };
    let line = String::from_utf8_lossy(&text)
        .lines()
        .next()?
        .trim()
        .to_string();
    let v = line.rsplit(' ').next().unwrap_or(&line).to_string();
    (!v.is_empty()).then_some(v)
}

/// Collect the environment fingerprint; `pythons` are the interpreters the audit drives.
pub(crate) fn collect(pythons: &[&str]) -> Environment {
    let cpuinfo = read("/proc/cpuinfo");
    let meminfo = read("/proc/meminfo");
    let memory_bytes = first_value(&meminfo, "MemTotal")
        .and_then(|v| v.split_whitespace().next()?.parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024);
    let mut tools = BTreeMap::new();
    tools.insert(
        "perfaudit".to_string(),
        env!("CARGO_PKG_VERSION").to_string(),
    );
    for p in pythons {
        if let Some(v) = tool_version(p) {
            tools.insert((*p).to_string(), v);
        }
    }
    Environment {
        hostname: read("/proc/sys/kernel/hostname").trim().to_string(),
        os: os_name(),
        kernel: read("/proc/sys/kernel/osrelease").trim().to_string(),
        arch: std::env::consts::ARCH.to_string(),
        cpu_model: first_value(&cpuinfo, "model name")
            .or_else(|| first_value(&cpuinfo, "Hardware"))
            .unwrap_or_else(|| "unknown".into()),
        cpu_cores: std::thread::available_parallelism().map_or(1, |n| n.get() as u32),
        memory_bytes,
        tools,
    }
}

fn git(dir: &Path, args: &[&str]) -> Option<String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// The commit of the work tree containing `dir`, if it is in a git repository.
pub(crate) fn git_info(dir: &Path) -> Option<GitInfo> {
    let commit = git(dir, &["rev-parse", "HEAD"])?;
    let branch = git(dir, &["rev-parse", "--abbrev-ref", "HEAD"]).filter(|b| b != "HEAD");
    let dirty = git(dir, &["status", "--porcelain", "--untracked-files=no", "."])
        .is_some_and(|s| !s.is_empty());
    Some(GitInfo {
        commit,
        branch,
        dirty,
    })
}

/// RFC 3339 UTC for a Unix time in seconds.
pub(crate) fn rfc3339(unix_s: u64) -> String {
    let days = (unix_s / 86_400) as i64;
    let secs = unix_s % 86_400;
    // Civil from days (Howard Hinnant).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

pub(crate) fn now_rfc3339() -> String {
    let s = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    rfc3339(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_rfc3339() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_795_000_000), "2026-11-18T11:06:40Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
    }

    #[test]
    fn collects_an_environment() {
        let e = collect(&[]);
        assert!(e.cpu_cores >= 1);
        assert!(e.tools.contains_key("perfaudit"));
    }
}
