//! Profiles a real `python3` child: known functions, known shares (by iteration counts), a
//! sleeping thread told apart as idle, a child process followed, and the end of the target.

use perfaudit_model::profile::ProfileEnd;
use perfaudit_profile::{ProfileError, Session, SessionSpec};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const SCRIPT: &str = r#"
import threading, time, sys, os
def heavy():
    x = 0
    for i in range(3000):
        x += i * i
    return x
def light():
    x = 0
    for i in range(1000):
        x += i * i
    return x
def sleeper():
    while True:
        time.sleep(0.05)
threading.Thread(target=sleeper, daemon=True).start()
if len(sys.argv) > 1 and sys.argv[1] == "fork":
    os.fork()
deadline = time.time() + float(os.environ.get("RUN_FOR", "30"))
while time.time() < deadline:
    heavy()
    light()
"#;

struct Kill(Child);
impl Drop for Kill {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn python(args: &[&str], run_for: &str) -> Kill {
    Kill(
        Command::new("python3")
            .arg("-c")
            .arg(SCRIPT)
            .args(args)
            .env("RUN_FOR", run_for)
            .stdin(Stdio::null())
            .spawn()
            .expect("python3"),
    )
}

#[test]
fn shares_of_a_real_python_child() {
    let child = python(&[], "30");
    let mut spec = SessionSpec::new(child.0.id());
    spec.attach_patience = Duration::from_secs(10);
    spec.rate_hz = 200;
    spec.duration = Some(Duration::from_secs(3));
    let session = Session::start(spec).expect("attach");
    assert!(
        session.python_version.starts_with('3'),
        "{}",
        session.python_version
    );
    let p = session.wait(&|| false);
    assert_eq!(p.end, ProfileEnd::Completed);
    assert!(p.ticks > 200, "ticks {}", p.ticks);
    assert!(p.samples > 200, "samples {}", p.samples);
    // The sleeping thread is idle and not counted.
    assert!(p.idle_samples > 100, "idle {}", p.idle_samples);
    let share = |n: &str| {
        p.functions
            .iter()
            .find(|f| f.name == n)
            .map_or(0.0, |f| f.self_share)
    };
    // It runs for a moment every 50 ms (longer when the machine is busy: a runnable thread
    // waiting for a core reads as running, for py-spy too), but mostly it sleeps.
    let sleeper_running = p
        .functions
        .iter()
        .find(|f| f.name == "sleeper")
        .map_or(0, |f| f.self_samples);
    assert!(
        sleeper_running < p.idle_samples,
        "{sleeper_running} vs {}",
        p.idle_samples
    );
    let (h, l) = (share("heavy"), share("light"));
    assert!(h + l > 0.5, "heavy {h} light {l}");
    assert!(h / l > 2.0 && h / l < 4.5, "ratio {}", h / l);
    let heavy = p.functions.iter().find(|f| f.name == "heavy").unwrap();
    assert_eq!(heavy.file, "<string>");
    assert!(heavy.line >= 3 && heavy.line <= 6, "line {}", heavy.line);
    assert_eq!(p.timeline.len(), 3);
}

#[test]
fn idle_threads_counted_when_asked_and_children_followed() {
    let child = python(&["fork"], "30");
    let mut spec = SessionSpec::new(child.0.id());
    spec.attach_patience = Duration::from_secs(10);
    spec.duration = Some(Duration::from_secs(2));
    spec.idle = true;
    let session = Session::start(spec).expect("attach");
    let p = session.wait(&|| false);
    assert!(
        p.functions.iter().any(|f| f.name == "sleeper"),
        "{:?}",
        p.functions.iter().map(|f| &f.name).collect::<Vec<_>>()
    );
    // The forked child was found and sampled too.
    let sampled: Vec<_> = p.processes.iter().filter(|x| x.samples > 0).collect();
    assert_eq!(sampled.len(), 2, "{:?}", p.processes);
}

#[test]
fn target_exit_is_marked() {
    let child = python(&[], "1.5");
    let mut spec = SessionSpec::new(child.0.id());
    spec.attach_patience = Duration::from_secs(10);
    spec.duration = Some(Duration::from_secs(20));
    let session = Session::start(spec).expect("attach");
    let t0 = std::time::Instant::now();
    let p = session.wait(&|| false);
    assert_eq!(p.end, ProfileEnd::TargetExited);
    assert!(t0.elapsed() < Duration::from_secs(10));
    assert!(p.samples > 20);
}

#[test]
fn non_python_target_is_a_clear_error() {
    let child = Kill(Command::new("sleep").arg("20").spawn().unwrap());
    let mut spec = SessionSpec::new(child.0.id());
    spec.attach_patience = Duration::from_secs(10);
    spec.attach_patience = Duration::from_millis(500);
    match Session::start(spec) {
        Err(ProfileError::NotPython { pid, .. }) => assert_eq!(pid, child.0.id()),
        Err(e) => panic!("wrong error: {e}"),
        Ok(_) => panic!("a profile of `sleep`"),
    }
}
