//! The only file that names the `py-spy` crate (pinned `=0.4.3`, no default features: no CLI,
//! no libunwind). Everything else in perfaudit sees plain data: [`ThreadSample`] and
//! [`RawFrame`].
//!
//! We use `py_spy::PythonSpy` (one per process: it finds the interpreter, reads thread states
//! and frames with `process_vm_readv`) and `py_spy::Config`, but not `py_spy::sampler::Sampler`:
//! its subprocess mode scans all of `/proc` every 100 ms from a thread that outlives the
//! sampler until the root process exits, `expect`s on a race with an exiting process, and sends
//! samples through an unbounded channel. `session.rs` drives the ticks instead.
//!
//! `PythonSpy` is not `Send` on Linux, so each process gets its own thread that owns its spy
//! and answers one tick request with one set of stacks, as py-spy's own sampler does.

use crate::ProfileError;
use std::sync::mpsc::{self, Receiver, Sender};
use std::thread::JoinHandle;
use std::time::Duration;

/// One frame as py-spy read it (moved out of py-spy's own frame, no copy).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawFrame {
    pub name: String,
    pub file: String,
    pub line: u32,
}

/// One thread of one process at one tick.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThreadSample {
    /// Running (on CPU, or in a call py-spy does not know to be a wait) vs idle (waiting).
    pub active: bool,
    /// Held the GIL at the time of the read.
    pub owns_gil: bool,
    /// Innermost (executing) frame first, as py-spy returns them.
    pub frames: Vec<RawFrame>,
}

/// What the profiler asks of py-spy.
#[derive(Debug, Clone, Copy)]
pub struct SpyOptions {
    /// Also read native (C/C++) frames; needs py-spy's `unwind` feature (libunwind).
    pub native: bool,
}

/// Whether this build can read native frames (the `native` cargo feature of
/// `perfaudit_profile`, which turns on py-spy's `unwind` feature and links libunwind).
pub const NATIVE_SUPPORTED: bool = cfg!(feature = "native");

fn config(opts: SpyOptions) -> py_spy::Config {
    py_spy::Config {
        // Never pause the target: read its memory while it runs (py-spy --nonblocking).
        blocking: py_spy::config::LockingStrategy::NonBlocking,
        native: opts.native,
        // Every thread; idle ones are told apart (and kept or not) by the folder.
        gil_only: false,
        include_idle: true,
        // The executing line of every frame (py-spy's default).
        lineno: py_spy::config::LineNo::LastInstruction,
        // Thread names cost a /proc read per thread now and then; not used.
        collect_thread_names: false,
        ..py_spy::Config::default()
    }
}

type Reply = Result<Vec<ThreadSample>, String>;

/// A process being sampled: a thread owning its `PythonSpy`, one request, one reply.
pub struct ProcessSpy {
    pub pid: u32,
    pub python_version: String,
    tick: Option<Sender<()>>,
    reply: Receiver<Reply>,
    thread: Option<JoinHandle<()>>,
}

impl ProcessSpy {
    /// Attach to `pid` (retrying for `patience` while the interpreter starts up). The error
    /// text is py-spy's own, classified by the caller.
    pub fn attach(pid: u32, opts: SpyOptions, patience: Duration) -> Result<ProcessSpy, String> {
        let (init_tx, init_rx) = mpsc::channel::<Result<String, String>>();
        let (tick_tx, tick_rx) = mpsc::channel::<()>();
        let (reply_tx, reply_rx) = mpsc::channel::<Reply>();
        let cfg = config(opts);
        let thread = std::thread::Builder::new()
            .name(format!("perfaudit-spy-{pid}"))
            .spawn(move || {
                let started = std::time::Instant::now();
                let mut spy = loop {
                    match py_spy::PythonSpy::retry_new(pid as py_spy::Pid, &cfg, 3) {
                        Ok(s) => break s,
                        Err(e) => {
                            let gone = !std::path::Path::new(&format!("/proc/{pid}")).exists();
                            if gone || started.elapsed() >= patience {
                                let _ = init_tx.send(Err(format!("{e:#}")));
                                return;
                            }
                            std::thread::sleep(Duration::from_millis(50));
                        }
                    }
                };
                if init_tx.send(Ok(spy.version.to_string())).is_err() {
                    return;
                }
                for () in tick_rx.iter() {
                    let reply = match spy.get_stack_traces() {
                        Ok(traces) => Ok(traces.into_iter().map(convert).collect()),
                        Err(e) => Err(format!("{e:#}")),
                    };
                    if reply_tx.send(reply).is_err() {
                        break;
                    }
                }
            })
            .map_err(|e| format!("cannot start a sampling thread: {e}"))?;
        match init_rx.recv() {
            Ok(Ok(version)) => Ok(ProcessSpy {
                pid,
                python_version: version,
                tick: Some(tick_tx),
                reply: reply_rx,
                thread: Some(thread),
            }),
            Ok(Err(e)) => {
                let _ = thread.join();
                Err(e)
            }
            Err(_) => {
                let _ = thread.join();
                Err("the sampling thread ended during attach".into())
            }
        }
    }

    /// Ask for one set of stacks (non-blocking).
    pub fn request(&self) -> bool {
        self.tick.as_ref().is_some_and(|t| t.send(()).is_ok())
    }

    /// The stacks asked for by the last `request`; `None` when the thread is gone or took
    /// longer than `timeout`.
    pub fn collect(&self, timeout: Duration) -> Option<Reply> {
        self.reply.recv_timeout(timeout).ok()
    }
}

impl Drop for ProcessSpy {
    fn drop(&mut self) {
        // Closing the request channel ends the thread's loop after its current read.
        self.tick = None;
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn convert(t: py_spy::StackTrace) -> ThreadSample {
    ThreadSample {
        active: t.active,
        owns_gil: t.owns_gil,
        frames: t
            .frames
            .into_iter()
            .map(|f| RawFrame {
                name: f.name,
                // The full path, so that findings (relative paths) can be matched by suffix.
                file: f.filename,
                line: u32::try_from(f.line).unwrap_or(0),
            })
            .collect(),
    }
}

/// Classify py-spy's attach error for the user (the permission probe runs before attaching,
/// so what is left is "not Python" or "gone").
pub fn classify_attach_error(pid: u32, text: &str) -> ProfileError {
    let lower = text.to_ascii_lowercase();
    if !std::path::Path::new(&format!("/proc/{pid}")).exists() {
        ProfileError::Exited { pid }
    } else if lower.contains("permission denied") || lower.contains("operation not permitted") {
        ProfileError::Permission {
            pid,
            reason: text.to_string(),
        }
    } else {
        ProfileError::NotPython {
            pid,
            detail: text.to_string(),
        }
    }
}
