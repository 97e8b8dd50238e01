use std::time::Duration;

/// Why a benchmark, a cold start or an import profile could not be measured.
#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    #[error("command not found: `{0}`")]
    CommandNotFound(String),
    #[error("cannot start `{command}`: {source}")]
    Spawn {
        command: String,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot wait for `{command}`: {source}")]
    Wait {
        command: String,
        #[source]
        source: std::io::Error,
    },
    #[error("`{command}` {state}; use --ignore-failure to benchmark it anyway")]
    CommandFailed { command: String, state: String },
    #[error("the {stage} command `{command}` {state}")]
    AuxiliaryFailed {
        stage: &'static str,
        command: String,
        state: String,
    },
    #[error("an empty command cannot be benchmarked")]
    EmptyCommand,
    #[error(
        "cannot split `{0}` into words (unbalanced quotes); quote it differently or use --shell"
    )]
    BadQuoting(String),
    #[error("bad ready URL `{url}`: {reason}")]
    BadUrl { url: String, reason: String },
    #[error("`{url}` did not answer 2xx within {timeout:?} (last: {last}); the process group of `{command}` was stopped")]
    ReadyTimeout {
        command: String,
        url: String,
        timeout: Duration,
        last: String,
    },
    #[error("`{command}` exited ({state}) before `{url}` answered 2xx")]
    ExitedBeforeReady {
        command: String,
        url: String,
        state: String,
    },
    #[error("`import {module}` failed in {python}:\n{stderr}")]
    ImportFailed {
        module: String,
        python: String,
        stderr: String,
    },
    #[error("no `import time:` rows in the output of {python} (is it CPython 3.7+?)")]
    NoImportTimes { python: String },
    #[error("bad parameter scan: {0}")]
    BadParameter(String),
    #[error("{0}")]
    Invalid(String),
}
