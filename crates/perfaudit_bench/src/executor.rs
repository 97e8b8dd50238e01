//! How one command is run and measured. [`RealExecutor`] spawns a process; [`MockExecutor`]
//! replays scripted measurements so the statistics of [`crate::run_benchmark`] can be tested
//! exactly, without real time.

use crate::error::BenchError;
use crate::http::HttpUrl;
use crate::process;
use std::collections::VecDeque;
use std::time::Duration;

/// How a command line becomes a process.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Shell {
    /// Split the line into words (POSIX quoting rules) and exec the first one directly.
    None,
    /// Run `SHELL -c LINE` (default `sh`); its start-up time is measured and subtracted.
    Program(String),
}

/// Where the benchmarked command's stdout/stderr go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputMode {
    /// Discarded (`/dev/null`), as hyperfine does by default.
    Null,
    /// Shared with perfaudit's own stdout/stderr (`--show-output`).
    Inherit,
}

/// What to run.
#[derive(Debug, Clone)]
pub struct Invocation<'a> {
    pub command: &'a str,
    pub shell: &'a Shell,
    pub output: OutputMode,
    /// Cold-start mode: time to the first 2xx of this URL, then stop the process group.
    pub ready: Option<(&'a HttpUrl, Duration)>,
}

/// How a process ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitState {
    Code(i32),
    Signal(i32),
}

impl ExitState {
    pub fn success(self) -> bool {
        self == ExitState::Code(0)
    }
    pub fn code(self) -> Option<i32> {
        match self {
            ExitState::Code(c) => Some(c),
            ExitState::Signal(_) => None,
        }
    }
    pub fn signal(self) -> Option<i32> {
        match self {
            ExitState::Signal(s) => Some(s),
            ExitState::Code(_) => None,
        }
    }
    /// "exited with code 3", "was killed by signal 9 (SIGKILL)".
    pub fn describe(self) -> String {
        match self {
            ExitState::Code(127) => "exited with code 127 (command not found?)".to_string(),
            ExitState::Code(c) => format!("exited with code {c}"),
            ExitState::Signal(s) => format!("was killed by signal {s}{}", signal_name(s)),
        }
    }
}

fn signal_name(s: i32) -> &'static str {
    match s {
        libc::SIGHUP => " (SIGHUP)",
        libc::SIGINT => " (SIGINT)",
        libc::SIGQUIT => " (SIGQUIT)",
        libc::SIGABRT => " (SIGABRT)",
        libc::SIGKILL => " (SIGKILL)",
        libc::SIGSEGV => " (SIGSEGV)",
        libc::SIGPIPE => " (SIGPIPE)",
        libc::SIGTERM => " (SIGTERM)",
        libc::SIGBUS => " (SIGBUS)",
        libc::SIGFPE => " (SIGFPE)",
        _ => "",
    }
}

/// One measured run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Measurement {
    /// Wall time (in ready mode: start to first 2xx).
    pub wall_s: f64,
    pub user_s: f64,
    pub system_s: f64,
    pub peak_rss_bytes: u64,
    pub exit: ExitState,
}

/// Runs one invocation and measures it.
pub trait Executor {
    fn execute(&mut self, inv: &Invocation<'_>) -> Result<Measurement, BenchError>;
}

/// Spawns real processes: `std::process` (posix_spawn), then `wait4` on that child for its
/// user/system time and peak RSS.
#[derive(Debug, Default, Clone, Copy)]
pub struct RealExecutor;

impl Executor for RealExecutor {
    fn execute(&mut self, inv: &Invocation<'_>) -> Result<Measurement, BenchError> {
        match inv.ready {
            None => process::run_to_exit(inv.command, inv.shell, inv.output),
            Some((url, timeout)) => {
                let spec = process::ColdStartSpec {
                    command: inv.command.to_string(),
                    shell: inv.shell.clone(),
                    output: inv.output,
                    url: url.clone(),
                    timeout,
                    env: Vec::new(),
                    cwd: None,
                };
                let service = process::cold_start(&spec)?;
                let ready = service.ready_after();
                let mut m = service.stop(process::STOP_GRACE)?;
                m.wall_s = ready.as_secs_f64();
                Ok(m)
            }
        }
    }
}

/// Replays scripted results in order, per command line; records every invocation.
/// A command without a script gets `default` (a zero-time success).
#[derive(Debug, Default)]
pub struct MockExecutor {
    scripts: Vec<(String, VecDeque<Result<Measurement, String>>)>,
    /// Every command line executed, in order.
    pub calls: Vec<String>,
}

impl MockExecutor {
    pub fn new() -> Self {
        Self::default()
    }

    /// Successful runs of `command` taking these wall times (user = system = 0, RSS = 0).
    pub fn times(self, command: &str, walls: &[f64]) -> Self {
        let ms = walls
            .iter()
            .map(|&w| Measurement {
                wall_s: w,
                user_s: 0.0,
                system_s: 0.0,
                peak_rss_bytes: 0,
                exit: ExitState::Code(0),
            })
            .collect::<Vec<_>>();
        self.measurements(command, &ms)
    }

    /// Scripted measurements of `command`, in order.
    pub fn measurements(mut self, command: &str, ms: &[Measurement]) -> Self {
        self.queue(command).extend(ms.iter().map(|m| Ok(*m)));
        self
    }

    /// The next run of `command` fails to start with this message (like "command not found").
    pub fn spawn_error(mut self, command: &str, msg: &str) -> Self {
        self.queue(command).push_back(Err(msg.to_string()));
        self
    }

    fn queue(&mut self, command: &str) -> &mut VecDeque<Result<Measurement, String>> {
        if let Some(i) = self.scripts.iter().position(|(c, _)| c == command) {
            return &mut self.scripts[i].1;
        }
        self.scripts.push((command.to_string(), VecDeque::new()));
        &mut self.scripts.last_mut().expect("just pushed").1
    }
}

impl Executor for MockExecutor {
    fn execute(&mut self, inv: &Invocation<'_>) -> Result<Measurement, BenchError> {
        self.calls.push(inv.command.to_string());
        let next = self
            .scripts
            .iter_mut()
            .find(|(c, _)| c == inv.command)
            .and_then(|(_, q)| q.pop_front());
        match next {
            Some(Ok(m)) => Ok(m),
            Some(Err(_)) => Err(BenchError::CommandNotFound(inv.command.to_string())),
            None => Ok(Measurement {
                wall_s: 0.0,
                user_s: 0.0,
                system_s: 0.0,
                peak_rss_bytes: 0,
                exit: ExitState::Code(0),
            }),
        }
    }
}

/// Quote a word so that both `sh -c` and [`split_words`] give it back unchanged (the one
/// shell quoter of the workspace).
pub fn quote_word(word: &str) -> String {
    if !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:,+@%^{}".contains(c))
    {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', "'\\''"))
    }
}

/// Split a command line into words with POSIX shell quoting (single quotes, double quotes,
/// backslash escapes); no expansion of any kind.
pub fn split_words(line: &str) -> Result<Vec<String>, BenchError> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            c if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            '\'' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(c) => cur.push(c),
                        None => return Err(BenchError::BadQuoting(line.to_string())),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(c @ ('"' | '\\' | '$' | '`')) => cur.push(c),
                            Some('\n') => {}
                            Some(c) => {
                                cur.push('\\');
                                cur.push(c);
                            }
                            None => return Err(BenchError::BadQuoting(line.to_string())),
                        },
                        Some(c) => cur.push(c),
                        None => return Err(BenchError::BadQuoting(line.to_string())),
                    }
                }
            }
            '\\' => {
                in_word = true;
                match chars.next() {
                    Some('\n') => {}
                    Some(c) => cur.push(c),
                    None => return Err(BenchError::BadQuoting(line.to_string())),
                }
            }
            c => {
                in_word = true;
                cur.push(c);
            }
        }
    }
    if in_word {
        words.push(cur);
    }
    Ok(words)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_like_a_shell() {
        assert_eq!(
            split_words(r#"python3 -c 'print("a b")' "x y" z\ w """#).unwrap(),
            vec!["python3", "-c", "print(\"a b\")", "x y", "z w", ""]
        );
        assert_eq!(
            split_words("  sleep   0.05 ").unwrap(),
            vec!["sleep", "0.05"]
        );
        assert!(split_words("echo 'open").is_err());
        assert!(split_words("").unwrap().is_empty());
    }

    #[test]
    fn exit_states_describe_themselves() {
        assert_eq!(ExitState::Code(3).describe(), "exited with code 3");
        assert_eq!(
            ExitState::Signal(9).describe(),
            "was killed by signal 9 (SIGKILL)"
        );
        assert!(ExitState::Code(0).success());
        assert_eq!(ExitState::Signal(15).code(), None);
    }
}
