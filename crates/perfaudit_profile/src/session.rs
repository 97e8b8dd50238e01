//! One profiling session over a process tree: attach (with the permission probe first), follow
//! new children, tick at the rate asked, fold every thread sample, stop at the deadline, on
//! request, or when every process is gone (the profile so far, marked `target_exited`).
//!
//! Threads: one per profiled process (owning its py-spy reader, `adapter.rs`), one ticking
//! and folding, one attaching to children as they appear (attaching reads the interpreter's
//! binary and takes tens of milliseconds, which must not delay ticks). All end at `stop`.

use crate::access;
use crate::adapter::{self, ProcessSpy, SpyOptions};
use crate::fold::{Folder, FrameRef};
use crate::ProfileError;
use perfaudit_model::profile::{Profile, ProfileEnd};
use std::collections::HashSet;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// What to profile and how.
#[derive(Debug, Clone)]
pub struct SessionSpec {
    pub pid: u32,
    /// Samples per second (1..=1000).
    pub rate_hz: u32,
    /// Stop after this long from `begin` (None: until stopped or the target exits).
    pub duration: Option<Duration>,
    /// Follow the process's descendants (workers forked or spawned later too).
    pub subprocesses: bool,
    /// Native frames too (needs the `native` feature).
    pub native: bool,
    /// Count idle (waiting) threads too.
    pub idle: bool,
    /// How long to wait for the interpreter to come up (a process just spawned).
    pub attach_patience: Duration,
}

impl SessionSpec {
    pub fn new(pid: u32) -> SessionSpec {
        SessionSpec {
            pid,
            rate_hz: 100,
            duration: None,
            subprocesses: true,
            native: false,
            idle: false,
            attach_patience: Duration::from_secs(2),
        }
    }
}

const RUNNING: u8 = 0;
const STOP: u8 = 1;
const INTERRUPT: u8 = 2;
const BEGIN: u8 = 3;

/// A running session. Sampling is counted from `begin` (attach first, then start the load).
pub struct Session {
    control: Arc<AtomicU8>,
    begun: Arc<Mutex<Option<Instant>>>,
    ticker: Option<JoinHandle<Profile>>,
    attacher: Option<JoinHandle<()>>,
    /// The Python version of the first process attached.
    pub python_version: String,
    /// The processes attached at start.
    pub pids: Vec<u32>,
}

fn unix_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

impl Session {
    /// Attach to the tree of `spec.pid`. Fails with the reason (permission with its fix, not
    /// Python, gone) rather than ever returning a session that can only produce nothing.
    pub fn start(spec: SessionSpec) -> Result<Session, ProfileError> {
        if !(1..=1000).contains(&spec.rate_hz) {
            return Err(ProfileError::Invalid(format!(
                "rate {} Hz is out of range (1-1000)",
                spec.rate_hz
            )));
        }
        if spec.native && !adapter::NATIVE_SUPPORTED {
            return Err(ProfileError::NativeUnsupported);
        }
        access::check_readable(spec.pid)?;
        let opts = SpyOptions {
            native: spec.native,
        };
        let deadline = Instant::now() + spec.attach_patience;
        let mut spies: Vec<ProcessSpy> = Vec::new();
        let mut attached: HashSet<u32> = HashSet::new();
        let mut root_error: Option<String> = None;
        // The root, and (with subprocesses) any Python descendant: `sh -c`, `uv run` and
        // gunicorn's master are all roots whose workers do the work. Until one is readable
        // (an interpreter just spawned is not yet), try again.
        loop {
            let patience = if spec.subprocesses {
                Duration::from_millis(300)
            } else {
                spec.attach_patience
            };
            let mut candidates = vec![spec.pid];
            if spec.subprocesses {
                candidates.extend(access::descendants(spec.pid));
            }
            for pid in candidates {
                if attached.contains(&pid) {
                    continue;
                }
                match ProcessSpy::attach(pid, opts, patience) {
                    Ok(s) => {
                        attached.insert(pid);
                        spies.push(s);
                    }
                    // A process we cannot read for lack of rights is a reason to stop.
                    Err(e) if e.to_ascii_lowercase().contains("permission denied") => {
                        return Err(adapter::classify_attach_error(pid, &e));
                    }
                    Err(e) if pid == spec.pid => root_error = Some(e),
                    Err(_) => {}
                }
            }
            if !spies.is_empty() || Instant::now() >= deadline {
                break;
            }
            if !access::alive(spec.pid) {
                return Err(ProfileError::Exited { pid: spec.pid });
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        if spies.is_empty() {
            let text = root_error.unwrap_or_else(|| "no Python process found".into());
            return Err(adapter::classify_attach_error(spec.pid, &text));
        }
        let python_version = spies[0].python_version.clone();
        let pids: Vec<u32> = spies.iter().map(|s| s.pid).collect();

        let control = Arc::new(AtomicU8::new(RUNNING));
        let begun = Arc::new(Mutex::new(None));
        let (new_tx, new_rx) = mpsc::channel::<ProcessSpy>();
        let attacher = if spec.subprocesses {
            let control = control.clone();
            let root = spec.pid;
            let known: HashSet<u32> = attached;
            Some(
                std::thread::Builder::new()
                    .name("perfaudit-profile-attach".into())
                    .spawn(move || attach_children(root, opts, known, &control, new_tx))
                    .map_err(|e| ProfileError::Invalid(format!("cannot start a thread: {e}")))?,
            )
        } else {
            drop(new_tx);
            None
        };
        let ticker = {
            let control = control.clone();
            let begun = begun.clone();
            let spec = spec.clone();
            std::thread::Builder::new()
                .name("perfaudit-profile".into())
                .spawn(move || tick_loop(&spec, spies, &new_rx, &control, &begun))
                .map_err(|e| ProfileError::Invalid(format!("cannot start a thread: {e}")))?
        };
        Ok(Session {
            control,
            begun,
            ticker: Some(ticker),
            attacher,
            python_version,
            pids,
        })
    }

    /// Start counting samples now (the duration runs from here).
    pub fn begin(&self) {
        if let Ok(mut b) = self.begun.lock() {
            b.get_or_insert_with(Instant::now);
        }
        let _ = self
            .control
            .compare_exchange(RUNNING, BEGIN, Ordering::SeqCst, Ordering::SeqCst);
    }

    /// Whether sampling has ended by itself (duration elapsed, every process gone).
    pub fn finished(&self) -> bool {
        self.ticker.as_ref().is_none_or(|t| t.is_finished())
    }

    /// Stop now and return the profile. `interrupted` marks it as cut short by the user.
    pub fn stop(mut self, interrupted: bool) -> Profile {
        self.begin();
        self.control
            .store(if interrupted { INTERRUPT } else { STOP }, Ordering::SeqCst);
        self.join()
    }

    /// Wait until the duration elapses or the target exits (or `stop_now` says so: Ctrl-C).
    pub fn wait(self, stop_now: &dyn Fn() -> bool) -> Profile {
        self.begin();
        while !self.finished() {
            if stop_now() {
                return self.stop(true);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        self.stop(false)
    }

    fn join(&mut self) -> Profile {
        let profile = self
            .ticker
            .take()
            .and_then(|t| t.join().ok())
            .unwrap_or_else(|| Folder::new(0, false, 0).finish(0.0, ProfileEnd::Completed));
        if let Some(a) = self.attacher.take() {
            let _ = a.join();
        }
        profile
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        if self.ticker.is_some() {
            self.control.store(STOP, Ordering::SeqCst);
            let _ = self.join();
        }
    }
}

fn stopping(control: &AtomicU8) -> Option<ProfileEnd> {
    match control.load(Ordering::SeqCst) {
        STOP => Some(ProfileEnd::Completed),
        INTERRUPT => Some(ProfileEnd::Interrupted),
        _ => None,
    }
}

/// Look for new descendants twice a second and attach to the Python ones.
fn attach_children(
    root: u32,
    opts: SpyOptions,
    mut known: HashSet<u32>,
    control: &AtomicU8,
    tx: Sender<ProcessSpy>,
) {
    let mut failures: std::collections::HashMap<u32, u32> = Default::default();
    while stopping(control).is_none() {
        for c in access::descendants(root) {
            if known.contains(&c) {
                continue;
            }
            match ProcessSpy::attach(c, opts, Duration::from_millis(300)) {
                Ok(s) => {
                    known.insert(c);
                    if tx.send(s).is_err() {
                        return;
                    }
                }
                Err(_) => {
                    // A process not (yet) Python: a few more tries, then leave it be.
                    let n = failures.entry(c).or_insert(0);
                    *n += 1;
                    if *n >= 3 {
                        known.insert(c);
                    }
                }
            }
        }
        for _ in 0..10 {
            if stopping(control).is_some() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// Tiny xorshift for the tick jitter (no sampling in lock-step with periodic work).
struct Jitter(u64);

impl Jitter {
    fn next_unit(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

fn tick_loop(
    spec: &SessionSpec,
    mut spies: Vec<ProcessSpy>,
    new_spies: &Receiver<ProcessSpy>,
    control: &AtomicU8,
    begun: &Mutex<Option<Instant>>,
) -> Profile {
    // Wait for `begin` (or a stop before it).
    let origin = loop {
        if let Some(end) = stopping(control) {
            if let Some(t) = begun.lock().ok().and_then(|b| *b) {
                break t;
            }
            return Folder::new(spec.rate_hz, spec.idle, unix_ms()).finish(0.0, end);
        }
        if control.load(Ordering::SeqCst) == BEGIN {
            if let Some(t) = begun.lock().ok().and_then(|b| *b) {
                break t;
            }
        }
        std::thread::sleep(Duration::from_millis(2));
    };
    let started_ms = unix_ms().saturating_sub(origin.elapsed().as_millis() as u64);
    let mut folder = Folder::new(spec.rate_hz, spec.idle, started_ms);
    for s in &spies {
        folder.process(s.pid, &access::cmdline(s.pid));
    }
    let interval = Duration::from_secs_f64(1.0 / f64::from(spec.rate_hz));
    let mut jitter = Jitter(0x9e37_79b9_7f4a_7c15 ^ u64::from(spec.pid));
    let mut next = origin;
    let end = loop {
        if let Some(end) = stopping(control) {
            break end;
        }
        if spec.duration.is_some_and(|d| origin.elapsed() >= d) {
            break ProfileEnd::Completed;
        }
        while let Ok(s) = new_spies.try_recv() {
            folder.process(s.pid, &access::cmdline(s.pid));
            spies.push(s);
        }
        if spies.is_empty()
            && (!access::alive(spec.pid)
                || !spec.subprocesses
                || access::descendants(spec.pid).is_empty())
        {
            break ProfileEnd::TargetExited;
        }
        // Sleep to the next tick (a little jitter around the interval).
        let now = Instant::now();
        if next > now {
            std::thread::sleep(next - now);
        } else {
            let late = now - next;
            if late > interval {
                folder.late_ticks += 1;
                folder.max_late_ms = folder.max_late_ms.max(late.as_secs_f64() * 1e3);
                next = now;
            }
        }
        let tick_at = Instant::now();
        // A sleep that overshot the deadline takes no sample past it.
        if spec
            .duration
            .is_some_and(|d| tick_at.duration_since(origin) >= d)
        {
            break ProfileEnd::Completed;
        }
        let second = tick_at.duration_since(origin).as_secs() as u32;
        next += interval.mul_f64(0.9 + 0.2 * jitter.next_unit());
        for s in &spies {
            s.request();
        }
        folder.ticks += 1;
        let mut counted = false;
        let mut gone: Vec<usize> = Vec::new();
        for (i, s) in spies.iter().enumerate() {
            match s.collect(Duration::from_secs(2)) {
                Some(Ok(threads)) => {
                    for t in threads {
                        let frames = t.frames.iter().map(|f| FrameRef {
                            name: &f.name,
                            file: &f.file,
                            line: f.line,
                        });
                        counted |= folder.add(second, s.pid, t.active, t.owns_gil, frames);
                    }
                }
                Some(Err(_)) => {
                    if access::alive(s.pid) {
                        folder.errors += 1;
                    } else {
                        gone.push(i);
                    }
                }
                None => gone.push(i),
            }
        }
        if !counted {
            folder.empty_ticks += 1;
        }
        for i in gone.into_iter().rev() {
            spies.swap_remove(i);
        }
    };
    let duration = origin.elapsed().as_secs_f64();
    drop(spies);
    folder.finish(duration, end)
}
