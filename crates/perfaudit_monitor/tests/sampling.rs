//! The sampler against real processes (python3 and sh children), each test a few seconds.
#![cfg(target_os = "linux")]

use perfaudit_monitor::{
    AlertRule, EndReason, LeakVerdict, Monitor, MonitorError, MonitorReport, MonitorSpec,
};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

fn argv(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

fn python(code: &str) -> Vec<String> {
    argv(&["python3", "-c", code])
}

fn run(mut spec: MonitorSpec, interval_ms: u64) -> MonitorReport {
    spec.interval = Duration::from_millis(interval_ms);
    if spec.duration.is_none() {
        spec.duration = Some(Duration::from_secs(20));
    }
    Monitor::start(spec).expect("monitor starts").wait()
}

#[test]
fn peak_rss_matches_the_kernel_accounting() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("hwm");
    // Touch 200 MiB (bytes * n writes every page), hold it, then report the kernel's own peak.
    let code = format!(
        "import time, resource\n\
         b = b'\\x01' * (200 << 20)\n\
         time.sleep(0.6)\n\
         hwm = [l for l in open('/proc/self/status') if l.startswith('VmHWM')][0].split()[1]\n\
         open({:?}, 'w').write(hwm)\n",
        out.to_str().unwrap()
    );
    let started = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64;
    let report = run(MonitorSpec::command(python(&code)), 20);
    assert_eq!(report.ended, EndReason::TargetExited);
    let exit = report.exit.as_ref().expect("exit recorded");
    assert_eq!(exit.code, Some(0));
    let hwm_kib: u64 = std::fs::read_to_string(&out)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    let kernel = (hwm_kib * 1024) as f64;
    let seen = report.summary.rss_bytes.max;
    let err = (seen - kernel).abs() / kernel;
    assert!(
        err < 0.03,
        "sampled peak {seen} vs VmHWM {kernel}: {:.2}%",
        err * 100.0
    );
    // wait4's ru_maxrss agrees too.
    let ru = exit.max_rss_bytes.unwrap() as f64;
    assert!(
        (seen - ru).abs() / ru < 0.03,
        "sampled {seen} vs ru_maxrss {ru}"
    );
    assert!(report.summary.rss_peak_process_bytes as f64 >= seen * 0.99);
    // Samples line up on the wall clock.
    let first = &report.samples[0];
    assert!(first.t_unix_ms >= started && first.t_unix_ms < started + 2000);
    assert_eq!(first.t_s, 0.0_f64.max(first.t_s));
    let last = report.samples.last().unwrap();
    let wall = (last.t_unix_ms - first.t_unix_ms) as f64 / 1000.0;
    assert!((wall - (last.t_s - first.t_s)).abs() < 0.01);
    assert_eq!(report.schema, "perfaudit/monitor/v1");
}

#[test]
fn children_are_counted() {
    let code = "import subprocess, sys, time\n\
                kids = [subprocess.Popen(['sleep', '1.2']) for _ in range(3)]\n\
                kids.append(subprocess.Popen(['sh', '-c', 'sleep 1.2 & sleep 1.2; wait']))\n\
                [k.wait() for k in kids]\n";
    let mut spec = MonitorSpec::command(python(code));
    spec.per_process = true;
    let report = run(spec, 50);
    // python + 3 sleep + sh + its 2 sleeps = 7.
    assert_eq!(
        report.summary.processes.max, 7.0,
        "{:?}",
        report.summary.processes
    );
    let busiest = report.samples.iter().max_by_key(|s| s.processes).unwrap();
    let per = busiest.per_process.as_ref().unwrap();
    assert_eq!(per.len(), 7);
    let sum: u64 = per.iter().map(|p| p.rss_bytes).sum();
    assert_eq!(sum, busiest.rss_bytes);
    assert!(per.iter().filter(|p| p.name == "sleep").count() >= 5);
    assert_eq!(report.exit.as_ref().unwrap().code, Some(0));
}

#[test]
fn steady_growth_is_a_leak() {
    let code = "import time\n\
                keep = []\n\
                t0 = time.time()\n\
                while time.time() - t0 < 2.5:\n\
                \x20   keep.append(b'\\x01' * (1 << 20))\n\
                \x20   time.sleep(0.02)\n";
    let report = run(MonitorSpec::command(python(code)), 25);
    assert_eq!(report.leak.verdict, LeakVerdict::Leak, "{:#?}", report.leak);
    assert_eq!(report.leak.metric, "rss_bytes");
    let slope = report.leak.slope_per_min.unwrap();
    // ~1 MiB per 20-25 ms: a couple of GiB per minute.
    assert!(slope > 500.0 * 1048576.0, "{slope}");
    assert!(report.leak.p_value.unwrap() < 0.01);
}

#[test]
fn flat_churn_is_no_leak() {
    // Start the churner ourselves and watch it by PID once it is past its start-up (a loaded
    // CI machine can stretch python's start-up beyond any fixed warm-up).
    // Random hold times: a fixed churn period would alias with the sampling interval into a
    // slow beat, which over a short window can look like a trend.
    let code = "import random, sys, time\n\
                random.seed(7)\n\
                print('ready', flush=True)\n\
                t0 = time.time()\n\
                while time.time() - t0 < 6:\n\
                \x20   b = b'\\x01' * (20 << 20)\n\
                \x20   time.sleep(random.uniform(0.002, 0.03))\n\
                \x20   del b\n\
                \x20   time.sleep(random.uniform(0.002, 0.03))\n";
    let mut child = std::process::Command::new("python3")
        .args(["-c", code])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(child.stdout.take().unwrap()),
        &mut line,
    )
    .unwrap();
    assert_eq!(line.trim(), "ready");
    let mut spec = MonitorSpec::pid(child.id());
    spec.duration = Some(Duration::from_millis(2500));
    let report = run(spec, 25);
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(report.ended, EndReason::Duration);
    assert_eq!(
        report.leak.verdict,
        LeakVerdict::NoLeak,
        "{:#?}",
        report.leak
    );
    assert!(
        report
            .leak
            .metrics
            .iter()
            .all(|m| m.verdict == LeakVerdict::NoLeak),
        "{:#?}",
        report.leak
    );
    // It did churn: RSS moved by about the block size.
    assert!(report.summary.rss_bytes.max - report.summary.rss_bytes.min > 10e6);
}

#[test]
fn fds_opened_and_closed() {
    let code = "import time\n\
                time.sleep(0.4)\n\
                fs = [open('/dev/null') for _ in range(50)]\n\
                time.sleep(0.6)\n\
                [f.close() for f in fs]\n\
                time.sleep(0.6)\n";
    let report = run(MonitorSpec::command(python(code)), 25);
    let fds: Vec<u64> = report.samples.iter().map(|s| s.fds.unwrap()).collect();
    // Python's start-up opens and closes files; settled, it holds `base` descriptors.
    let base = *fds.last().unwrap();
    let settled: Vec<u64> = report
        .samples
        .iter()
        .filter(|s| s.t_s > 0.3)
        .map(|s| s.fds.unwrap())
        .collect();
    let max = *settled.iter().max().unwrap();
    assert_eq!(max, base + 50, "{fds:?}");
    // The 50 were open for ~0.6 s: a plateau of several samples.
    assert!(
        settled.iter().filter(|&&f| f == base + 50).count() >= 10,
        "{fds:?}"
    );
    assert!(report.summary.fds.unwrap().max >= max as f64);
}

#[test]
fn alert_has_start_end_and_peak() {
    // After start-up, hold 60 extra descriptors and 100 MiB for ~0.8 s; the child writes when.
    // (Descriptors and memory, unlike CPU, do not depend on how loaded the machine is.)
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("when");
    let code = format!(
        "import time\n\
         time.sleep(0.5)\n\
         t0 = time.time()\n\
         fs = [open('/dev/null') for _ in range(60)]\n\
         b = b'\\x01' * (100 << 20)\n\
         time.sleep(0.8)\n\
         t1 = time.time()\n\
         [f.close() for f in fs]\n\
         del b\n\
         time.sleep(0.5)\n\
         open({:?}, 'w').write('%f %f' % (t0, t1))\n",
        out.to_str().unwrap()
    );
    let mut spec = MonitorSpec::command(python(&code));
    spec.alerts = vec![
        AlertRule::parse("fds>50 for 200ms").unwrap(),
        AlertRule::parse("rss>90MiB").unwrap(),
        AlertRule::parse("rss>1TiB").unwrap(),
    ];
    let report = run(spec, 25);
    let when: Vec<f64> = std::fs::read_to_string(&out)
        .unwrap()
        .split_whitespace()
        .map(|v| v.parse::<f64>().unwrap() * 1000.0)
        .collect();
    let ev = &report.alerts;
    assert_eq!(ev.len(), 2, "{ev:#?}");
    let fds = ev.iter().find(|e| e.metric == "fds").unwrap();
    assert_eq!(fds.rule, "fds>50 for 200ms");
    assert_eq!(fds.unit, "count");
    let rss = ev.iter().find(|e| e.metric == "rss").unwrap();
    assert_eq!(rss.rule, "rss>90MiB");
    assert_eq!(rss.unit, "bytes");
    assert!(rss.peak >= 100.0 * 1048576.0, "{rss:?}");
    assert!(fds.peak >= 60.0, "{fds:?}");
    for e in [fds, rss] {
        // Start: the first sample after the resources were taken (t0 is before the opens);
        // end: the first sample after they were released. Generous bounds for loaded CI.
        let start = e.start_unix_ms as f64;
        let end = e.end_unix_ms.expect("released before the end") as f64;
        assert!(
            start >= when[0] - 5.0 && start < when[0] + 500.0,
            "{e:#?} {when:?}"
        );
        assert!(
            end >= when[1] - 5.0 && end < when[1] + 500.0,
            "{e:#?} {when:?}"
        );
        assert!(e.duration_s >= 0.2 && !e.active_at_end, "{e:#?}");
        let ms = e.end_unix_ms.unwrap() - e.start_unix_ms;
        assert!((ms as f64 - e.duration_s * 1000.0).abs() <= 1.0, "{e:?}");
    }
}

#[test]
fn bad_targets_are_clear_errors() {
    match Monitor::start(MonitorSpec::pid(u32::MAX - 7)) {
        Err(MonitorError::NoSuchProcess(_)) => {}
        other => panic!("{:?}", other.map(|_| ())),
    }
    match Monitor::start(MonitorSpec::command(argv(&[
        "perfaudit-no-such-command-xyz",
    ]))) {
        Err(e @ MonitorError::CommandNotFound(_)) => {
            assert_eq!(
                e.to_string(),
                "command not found: perfaudit-no-such-command-xyz"
            )
        }
        other => panic!("{:?}", other.map(|_| ())),
    }
    let mut spec = MonitorSpec::pid(std::process::id());
    spec.interval = Duration::from_millis(5);
    assert!(matches!(
        Monitor::start(spec),
        Err(MonitorError::InvalidSpec(_))
    ));
}

#[test]
fn pid_that_exits_mid_run_and_exit_codes() {
    // Not reaped by anyone while we watch: a zombie counts as exited.
    let mut child = std::process::Command::new("sleep")
        .arg("0.4")
        .spawn()
        .unwrap();
    let mut spec = MonitorSpec::pid(child.id());
    spec.duration = Some(Duration::from_secs(5));
    let report = run(spec, 20);
    assert_eq!(report.ended, EndReason::TargetExited);
    assert!(report.samples_total >= 5, "{}", report.samples_total);
    assert!(report.duration_s < 2.0);
    assert!(report.exit.is_none());
    child.wait().unwrap();

    let report = run(MonitorSpec::command(argv(&["sh", "-c", "exit 3"])), 20);
    assert_eq!(report.exit.as_ref().unwrap().code, Some(3));

    // --duration ends a command that would run longer: terminated, reported as such.
    let mut spec = MonitorSpec::command(argv(&["sleep", "30"]));
    spec.duration = Some(Duration::from_millis(300));
    let report = run(spec, 20);
    assert_eq!(report.ended, EndReason::Duration);
    let exit = report.exit.unwrap();
    assert!(exit.terminated_by_monitor);
    assert_eq!(exit.signal, Some(15));
    assert!(report.duration_s < 1.0);
}

#[test]
fn stop_returns_the_report_and_the_ring_is_bounded() {
    let mut spec = MonitorSpec::pid(std::process::id());
    spec.interval = Duration::from_millis(10);
    spec.ring_capacity = 5;
    let seen = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let s2 = seen.clone();
    spec.observer = Some(Box::new(move |live| {
        assert!(live.sample.rss_bytes > 0);
        s2.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }));
    let h = Monitor::start(spec).unwrap();
    assert_eq!(h.pid(), std::process::id());
    while seen.load(std::sync::atomic::Ordering::SeqCst) < 8 {
        std::thread::sleep(Duration::from_millis(10));
    }
    let report = h.stop();
    assert_eq!(report.ended, EndReason::Stopped);
    assert_eq!(report.samples.len(), 5);
    assert!(report.samples_total >= 8);
    assert_eq!(report.samples_dropped, report.samples_total - 5);
    assert_eq!(
        seen.load(std::sync::atomic::Ordering::SeqCst),
        report.samples_total
    );
    assert_eq!(report.summary.samples, report.samples_total);
}
