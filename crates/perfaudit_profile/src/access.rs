//! Before attaching: can this process read the target's memory? py-spy reads it with
//! `process_vm_readv`, which needs ptrace-attach rights (same user and Yama scope, or
//! CAP_SYS_PTRACE). A failed probe becomes an error with the reason and the fix, so a denied
//! profile is never an empty one. Also the process tree (children from procfs).

use crate::ProfileError;
use std::fs;

/// Probe one readable word of `pid`'s memory.
pub fn check_readable(pid: u32) -> Result<(), ProfileError> {
    let maps = match fs::read_to_string(format!("/proc/{pid}/maps")) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(ProfileError::NoSuchProcess { pid })
        }
        Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => {
            return Err(permission(pid, "reading /proc/PID/maps was denied".into()))
        }
        Err(e) => {
            return Err(ProfileError::Invalid(format!(
                "cannot read /proc/{pid}/maps: {e}"
            )))
        }
    };
    // /proc/PID/maps of a process we may not ptrace reads as empty on some kernels.
    let Some(addr) = maps.lines().find_map(|l| {
        let mut parts = l.split_whitespace();
        let range = parts.next()?;
        let perms = parts.next()?;
        if !perms.starts_with('r') {
            return None;
        }
        usize::from_str_radix(range.split('-').next()?, 16).ok()
    }) else {
        return Err(permission(
            pid,
            "its memory map is not visible to this user".into(),
        ));
    };
    let mut buf = [0u8; 8];
    let local = libc::iovec {
        iov_base: buf.as_mut_ptr().cast(),
        iov_len: buf.len(),
    };
    let remote = libc::iovec {
        iov_base: addr as *mut libc::c_void,
        iov_len: buf.len(),
    };
    // SAFETY: the local iovec points at a live stack buffer of the stated length; the remote
    // one is only read by the kernel in the other process.
    let n = unsafe { libc::process_vm_readv(pid as libc::pid_t, &local, 1, &remote, 1, 0) };
    if n >= 0 {
        return Ok(());
    }
    let err = std::io::Error::last_os_error();
    match err.raw_os_error() {
        Some(libc::EPERM) | Some(libc::EACCES) => Err(permission(pid, yama_reason(&err))),
        Some(libc::ESRCH) => Err(ProfileError::NoSuchProcess { pid }),
        _ => Err(ProfileError::Invalid(format!(
            "cannot read the memory of process {pid}: {err}"
        ))),
    }
}

fn permission(pid: u32, reason: String) -> ProfileError {
    ProfileError::Permission { pid, reason }
}

fn yama_reason(err: &std::io::Error) -> String {
    let scope = fs::read_to_string("/proc/sys/kernel/yama/ptrace_scope")
        .ok()
        .and_then(|s| s.trim().parse::<u32>().ok());
    let owner = "it belongs to another user or this process lacks CAP_SYS_PTRACE";
    match scope {
        Some(s @ 1..) => format!("{err} ({owner}; kernel.yama.ptrace_scope is {s})"),
        _ => format!("{err} ({owner})"),
    }
}

/// Every descendant of `root` (children first found through
/// `/proc/PID/task/TID/children`; processes that vanish meanwhile are skipped).
pub fn descendants(root: u32) -> Vec<u32> {
    let mut out = Vec::new();
    let mut queue = vec![root];
    while let Some(pid) = queue.pop() {
        let Ok(tasks) = fs::read_dir(format!("/proc/{pid}/task")) else {
            continue;
        };
        for t in tasks.flatten() {
            let path = t.path().join("children");
            let Ok(text) = fs::read_to_string(path) else {
                continue;
            };
            for c in text
                .split_whitespace()
                .filter_map(|w| w.parse::<u32>().ok())
            {
                if c != root && !out.contains(&c) {
                    out.push(c);
                    queue.push(c);
                }
            }
        }
        if out.len() > 4096 {
            break;
        }
    }
    out
}

/// The command line of `pid` (NULs as spaces), empty when it is gone.
pub fn cmdline(pid: u32) -> String {
    fs::read(format!("/proc/{pid}/cmdline"))
        .map(|b| {
            let s = String::from_utf8_lossy(&b);
            s.trim_end_matches('\0').replace('\0', " ")
        })
        .unwrap_or_default()
}

/// Whether `pid` is still alive (not a zombie).
pub fn alive(pid: u32) -> bool {
    match fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(s) => s
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().next())
            .is_some_and(|state| state != "Z" && state != "X"),
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn own_process_is_readable() {
        check_readable(std::process::id()).unwrap();
    }

    #[test]
    fn missing_process_is_named() {
        // pid_max is at most 2^22; this one cannot exist.
        let e = check_readable(9_999_999).unwrap_err();
        assert!(matches!(e, ProfileError::NoSuchProcess { pid: 9_999_999 }));
    }

    #[test]
    fn children_are_found() {
        let mut child = std::process::Command::new("sleep")
            .arg("5")
            .spawn()
            .unwrap();
        let kids = descendants(std::process::id());
        let _ = child.kill();
        let _ = child.wait();
        assert!(kids.contains(&child.id()), "{kids:?}");
    }
}
