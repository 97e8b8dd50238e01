//! Exit codes: 0 success, 1 the audit failed (findings, breached threshold, regression),
//! 2 perfaudit could not do its job (bad input, bad config, target unreachable).
//! A broken pipe on stdout exits 0 (`perfaudit scan | head`).

use std::process::ExitCode;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Status {
    /// Everything ran and nothing failed.
    Success,
    /// The audit ran and found a failure: findings at/above `--fail-on`, a breached
    /// threshold or KPI, a significant regression.
    Failure,
    /// The tool could not do its job, but did what it could (e.g. some files unreadable).
    Error,
    /// Pass through a monitored command's own exit code (`perfaudit monitor -- CMD`).
    Code(u8),
}

impl Status {
    pub(crate) fn code(self) -> u8 {
        match self {
            Status::Success => 0,
            Status::Failure => 1,
            Status::Error => 2,
            Status::Code(c) => c,
        }
    }

    /// The worse of two statuses (`Error` > `Failure` > `Success`).
    #[allow(dead_code)]
    pub(crate) fn max(self, other: Status) -> Status {
        if other.code() > self.code() {
            other
        } else {
            self
        }
    }
}

/// True when the error (or anything in its chain) is a broken pipe.
pub(crate) fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

pub(crate) fn finish(outcome: anyhow::Result<Status>) -> ExitCode {
    match outcome {
        Ok(status) => ExitCode::from(status.code()),
        Err(err) if is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            crate::output::stderr_line(format!("perfaudit: error: {err:#}"));
            ExitCode::from(Status::Error.code())
        }
    }
}
