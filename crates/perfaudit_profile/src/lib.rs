//! Sampling CPU profiles of Python processes.
//!
//! - `adapter.rs`: the only file naming `py-spy` (stack reads of one process).
//! - `session.rs`: the tick loop over a process tree (attach, follow children, deadline, stop).
//! - `fold.rs`: folded stacks (stack -> samples) per profile and per second, interned strings.
//! - `access.rs`: can we read the target's memory? (ptrace rights, with the fix in the error).
//! - `matching.rs` + `source.rs`: which share of the samples a finding's location cost.
//! - `compare.rs`: which function got slower between two profiles (time blocks).
//!
//! The engine never prints; errors carry the text the user needs.

pub mod access;
pub mod adapter;
pub mod compare;
pub mod fold;
pub mod matching;
pub mod session;
pub mod source;

pub use session::{Session, SessionSpec};

/// Why a profile could not be taken.
#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    #[error("process {pid} does not exist")]
    NoSuchProcess { pid: u32 },
    #[error(
        "cannot read the memory of process {pid}: {reason}.\n\
         Reading another process's stacks needs ptrace rights over it. Fixes: profile a process \
         perfaudit starts itself (`perfaudit profile -- CMD`), or run perfaudit as the process's \
         user (or root); in a container add the capability (`docker run --cap-add SYS_PTRACE`, \
         Kubernetes `securityContext.capabilities.add: [SYS_PTRACE]`); on hosts with Yama, \
         `sudo sysctl kernel.yama.ptrace_scope=0` allows a non-child process of the same user"
    )]
    Permission { pid: u32, reason: String },
    #[error(
        "process {pid} (or its children) does not look like a Python interpreter py-spy can read \
         (CPython 2.3-2.7, 3.3-3.15): {detail}"
    )]
    NotPython { pid: u32, detail: String },
    #[error("process {pid} exited before it could be profiled")]
    Exited { pid: u32 },
    #[error(
        "native frames (--native / [profile] native) need py-spy's `unwind` feature, which links \
         the C library libunwind; this perfaudit was built without it (rebuild with \
         `cargo build --release --features perfaudit_profile/native` after installing libunwind-dev)"
    )]
    NativeUnsupported,
    #[error("{0}")]
    Invalid(String),
}
