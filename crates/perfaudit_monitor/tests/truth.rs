//! Monitor truth: CPU of a tree whose workers restart every 100 ms matches the kernel's own
//! totals (wait4 of the root, which holds every reaped worker) and no sample exceeds the CPUs
//! the tree can use; PSS of a pre-fork tree sharing a large mapping matches smaps_rollup read
//! independently and is far below the RSS sum.
#![cfg(target_os = "linux")]

use perfaudit_monitor::{Monitor, MonitorSpec};
use std::time::Duration;

fn python(code: &str) -> Vec<String> {
    vec!["python3".into(), "-c".into(), code.into()]
}

/// Four workers, each spinning for 100 ms and exiting; the parent restarts each at once.
const RESTARTING: &str = r#"
import os, time
def spin(s):
    end = time.time() + s
    while time.time() < end:
        pass
live = set()
deadline = time.time() + 4.0
while True:
    while len(live) < 4 and time.time() < deadline:
        pid = os.fork()
        if pid == 0:
            spin(0.1)
            os._exit(0)
        live.add(pid)
    if not live:
        break
    pid, _ = os.wait()
    live.discard(pid)
"#;

#[test]
fn restarting_workers_cpu_matches_the_kernel_and_never_exceeds_the_cpus() {
    let mut spec = MonitorSpec::command(python(RESTARTING));
    spec.interval = Duration::from_millis(100);
    spec.duration = Some(Duration::from_secs(30));
    let r = Monitor::start(spec).unwrap().wait();
    let exit = r.exit.as_ref().expect("spawned command's exit");
    assert_eq!(exit.code, Some(0));
    let kernel = exit.user_s.unwrap() + exit.system_s.unwrap();
    let seen = r.summary.cpu_user_s + r.summary.cpu_system_s;
    let cpus = r.summary.cpus as f64;
    assert!(cpus >= 1.0);
    // The kernel's total is the truth; the monitor misses only the few ms before its first
    // reading.
    let err = (seen - kernel).abs() / kernel;
    assert!(
        err <= 0.03,
        "monitor {seen:.3}s vs kernel {kernel:.3}s ({:.1}% off)",
        err * 100.0
    );
    let max = r.samples.iter().map(|s| s.cpu_pct).fold(0.0f64, f64::max);
    assert!(
        max <= 100.0 * cpus + 1e-9,
        "a sample showed {max:.1}% on {cpus} CPUs"
    );
    assert_eq!(r.summary.cpu_lost_exits, 0);
    // Tick rounding moved at most a few ticks per interval.
    assert!(
        r.summary.cpu_carried_max_s < 0.2,
        "{}",
        r.summary.cpu_carried_max_s
    );
}

#[test]
fn pss_of_a_prefork_tree_counts_shared_pages_once() {
    let dir = tempfile::tempdir().unwrap();
    let pids = dir.path().join("pids");
    // A 96 MiB buffer touched by the parent, then three children that share it copy-on-write.
    let code = format!(
        r#"
import os, time
buf = bytearray(96 << 20)
for i in range(0, len(buf), 4096):
    buf[i] = 1
kids = []
for _ in range(3):
    pid = os.fork()
    if pid == 0:
        time.sleep(60)
        os._exit(0)
    kids.append(pid)
open({pids:?}, "w").write(" ".join(str(p) for p in [os.getpid()] + kids))
time.sleep(60)
"#,
        pids = pids.display().to_string()
    );
    let mut child = std::process::Command::new("python3")
        .arg("-c")
        .arg(&code)
        .spawn()
        .unwrap();
    let t = std::time::Instant::now();
    while !pids.exists() {
        assert!(t.elapsed() < Duration::from_secs(60), "never started");
        std::thread::sleep(Duration::from_millis(50));
    }
    let mut spec = MonitorSpec::pid(child.id());
    spec.interval = Duration::from_millis(250);
    spec.duration = Some(Duration::from_millis(1500));
    let r = Monitor::start(spec).unwrap().wait();
    // Independently: smaps_rollup of every process, summed.
    let pid_list: Vec<u32> = std::fs::read_to_string(&pids)
        .unwrap()
        .split_whitespace()
        .map(|p| p.parse().unwrap())
        .collect();
    let field = |pid: u32, key: &str| -> u64 {
        std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup"))
            .unwrap()
            .lines()
            .find_map(|l| l.strip_prefix(key))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap()
            * 1024
    };
    let pss_independent: u64 = pid_list.iter().map(|&p| field(p, "Pss:")).sum();
    for p in &pid_list {
        unsafe {
            libc::kill(*p as i32, libc::SIGKILL);
        }
    }
    let _ = child.wait();
    let last = r.samples.last().unwrap();
    assert_eq!(last.processes, 4);
    let pss = last.pss_bytes.expect("PSS readable") as f64;
    let err = (pss - pss_independent as f64).abs() / pss_independent as f64;
    assert!(
        err <= 0.03,
        "monitor PSS {pss} vs smaps_rollup {pss_independent} ({:.1}% off)",
        err * 100.0
    );
    // The RSS sum counts the shared 96 MiB four times; PSS once.
    let rss = last.rss_bytes as f64;
    assert!(rss > 3.0 * 96.0 * 1048576.0, "rss {rss}");
    assert!(pss < 0.5 * rss, "pss {pss} rss {rss}");
    let uss = last.uss_bytes.unwrap() as f64;
    assert!(uss <= pss, "uss {uss} pss {pss}");
    assert!(r.summary.pss_bytes.is_some());
}
