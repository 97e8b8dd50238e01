//! A run record with every section filled, and untrusted text that tries to break out of each
//! format, for the renderer tests.

use perfaudit_model::run::*;
use perfaudit_model::Severity;
use std::collections::BTreeMap;

pub(crate) const EVIL: &str = "<script>alert('x')</script>|`**";

pub(crate) fn sample_run() -> RunRecord {
    let mut metrics = BTreeMap::new();
    let mut m = |n: &str, v: f64, unit: &str| {
        metrics.insert(
            n.to_string(),
            Metric {
                value: v,
                unit: unit.into(),
                better: Better::Lower,
                distribution: None,
            },
        );
    };
    m("latency.p95", 42.0, "ms");
    m("rss.max", 50e6, "bytes");
    m("findings.error", 1.0, "count");
    let lat = LatencySummary {
        min: 900.0,
        mean: 12_000.0,
        p50: 10_000.0,
        p90: 30_000.0,
        p95: 42_000.0,
        p99: 80_000.0,
        p999: 95_000.0,
        max: 120_000.0,
    };
    RunRecord {
        schema: perfaudit_model::SCHEMA_RUN.into(),
        id: 7,
        project: format!("demo{EVIL}"),
        started_at: "2026-11-22T13:00:00Z".into(),
        duration_s: 12.5,
        config_path: "perfaudit.toml".into(),
        git: Some(GitInfo {
            commit: "0123456789abcdef".into(),
            branch: Some("main".into()),
            dirty: true,
        }),
        environment: Environment {
            hostname: "ci".into(),
            os: "Debian GNU/Linux 12".into(),
            kernel: "6.1".into(),
            arch: "x86_64".into(),
            cpu_model: "Test CPU".into(),
            cpu_cores: 2,
            memory_bytes: 4 << 30,
            tools: BTreeMap::from([("python3".into(), "3.11.7".into())]),
        },
        status: RunStatus::Fail,
        kpis: vec![
            KpiResult {
                metric: "latency.p95".into(),
                target: "< 100ms".into(),
                value: Some(42.0),
                unit: "ms".into(),
                status: KpiStatus::Pass,
                message: "42.0ms meets < 100ms".into(),
            },
            KpiResult {
                metric: "findings.error".into(),
                target: "== 0".into(),
                value: Some(1.0),
                unit: "count".into(),
                status: KpiStatus::Fail,
                message: "1 misses the target == 0".into(),
            },
        ],
        metrics,
        scan: Some(ScanSection {
            root: "src".into(),
            files: 3,
            lines: 120,
            counts: BTreeMap::from([("error".into(), 1), ("warning".into(), 0)]),
            findings: vec![FindingView {
                code: "PA307".into(),
                name: "connection-per-request".into(),
                severity: Severity::Error,
                path: format!("app/<b>{EVIL}.py"),
                line: 3,
                column: 5,
                message: format!("sqlite3.connect in a handler {EVIL}"),
                help: "open one connection at start-up".into(),
                snippet: vec![
                    (2, "def handler():".into()),
                    (3, format!("    conn = sqlite3.connect('{EVIL}')")),
                    (4, "    return conn".into()),
                ],
            }],
        }),
        service: Some(ServiceSection {
            command: "python3 app.py".into(),
            ready_url: "http://127.0.0.1:1234/health".into(),
            cold_start_s: 0.8,
            stopped: "stopped by SIGTERM".into(),
            stderr_tail: vec![EVIL.into()],
        }),
        load: vec![
            LoadSection {
                name: "list".into(),
                target: "http://127.0.0.1:1234/documents".into(),
                offset_s: 0.0,
                requests: 300,
                duration_s: 2.0,
                rps: 150.0,
                error_rate: 0.01,
                errors: BTreeMap::from([("timeout".into(), 3)]),
                status: BTreeMap::from([("200".into(), 297)]),
                latency_us: lat,
                percentiles: vec![
                    (0.0, 900.0),
                    (50.0, 10_000.0),
                    (90.0, 30_000.0),
                    (99.0, 80_000.0),
                    (99.9, 95_000.0),
                ],
                timeline: vec![
                    LoadSecond {
                        t_s: 0.0,
                        requests: 140,
                        errors: 1,
                        p50_us: 9_000.0,
                        p99_us: 70_000.0,
                    },
                    LoadSecond {
                        t_s: 1.0,
                        requests: 160,
                        errors: 2,
                        p50_us: 11_000.0,
                        p99_us: 85_000.0,
                    },
                ],
                endpoints: vec![],
            },
            LoadSection {
                name: format!("s{EVIL}"),
                target: "http://127.0.0.1:1234/search".into(),
                offset_s: 2.0,
                requests: 100,
                duration_s: 1.0,
                rps: 100.0,
                error_rate: 0.0,
                errors: BTreeMap::new(),
                status: BTreeMap::from([("200".into(), 100)]),
                latency_us: lat,
                percentiles: vec![(0.0, 1000.0), (50.0, 20_000.0), (99.0, 90_000.0)],
                timeline: vec![LoadSecond {
                    t_s: 2.0,
                    requests: 100,
                    errors: 0,
                    p50_us: 20_000.0,
                    p99_us: 90_000.0,
                }],
                endpoints: vec![],
            },
        ],
        monitor: Some(MonitorSection {
            pid: 4242,
            samples: (0..30)
                .map(|i| ResourceSample {
                    t_s: i as f64 * 0.1 - 0.2,
                    cpu_pct: 20.0 + i as f64,
                    rss_bytes: 40e6 + i as f64 * 1e5,
                    pss_bytes: Some(30e6 + i as f64 * 1e5),
                    threads: 5,
                    fds: 9,
                })
                .collect(),
            cpu_pct_mean: 35.0,
            cpu_pct_max: 49.0,
            rss_bytes_mean: 41e6,
            rss_bytes_max: 43e6,
            pss_bytes_mean: Some(31e6),
            pss_bytes_max: Some(33e6),
            threads_max: 5,
            fds_max: 9,
            alerts: vec![],
            leak: Some("no leak".into()),
        }),
        bench: vec![BenchSection {
            name: "cli".into(),
            command: format!("python3 -c 'print(1)' {EVIL}"),
            runs: 5,
            mean_s: 0.05,
            stddev_s: 0.002,
            median_s: 0.05,
            min_s: 0.047,
            max_s: 0.055,
            peak_rss_bytes: Some(9_000_000),
            times_s: vec![0.05; 5],
        }],
        imports: vec![ImportsSection {
            module: "app".into(),
            total_us: 45_000.0,
            totals_us: vec![45_000.0],
            top: vec![
                ImportEntry {
                    module: "app".into(),
                    self_us: 1000.0,
                    cumulative_us: 45_000.0,
                },
                ImportEntry {
                    module: format!("json{EVIL}"),
                    self_us: 20_000.0,
                    cumulative_us: 25_000.0,
                },
            ],
        }],
        profile: None,
        comparison: Some(CompareDocument {
            schema: perfaudit_model::SCHEMA_COMPARE.into(),
            base_id: 6,
            head_id: 7,
            base_started_at: "2026-11-22T12:00:00Z".into(),
            head_started_at: "2026-11-22T13:00:00Z".into(),
            threshold: 0.2,
            alpha: 0.01,
            environment_differences: vec!["cores: 2 vs 4".into()],
            metrics: vec![
                MetricComparison {
                    metric: "latency.p95".into(),
                    unit: "ms".into(),
                    base: Some(30.0),
                    head: Some(42.0),
                    change: Some(0.4),
                    p_value: Some(1e-9),
                    verdict: Verdict::Regression,
                },
                MetricComparison {
                    metric: "rss.max".into(),
                    unit: "bytes".into(),
                    base: Some(49e6),
                    head: Some(50e6),
                    change: Some(0.02),
                    p_value: None,
                    verdict: Verdict::Unchanged,
                },
            ],
            regressed: true,
            functions: Vec::new(),
        }),
        errors: vec![StageError {
            stage: "bench".into(),
            message: format!("cannot run {EVIL}"),
        }],
    }
}

/// A profile whose function and file names carry markup.
pub(crate) fn sample_profile() -> perfaudit_model::profile::ProfileReport {
    use perfaudit_model::profile::*;
    let frame = |name: &str, file: &str, line: u32| Frame {
        name: name.into(),
        file: file.into(),
        line,
    };
    let frames = vec![
        frame("<module>", "/srv/app.py", 1),
        frame("handle", "/srv/app.py", 40),
        frame(EVIL, &format!("/srv/{EVIL}.py"), 7),
        frame("render", "/srv/app.py", 60),
    ];
    let stacks = vec![
        Stack {
            frames: vec![0, 1, 2],
            samples: 69,
            idle: 0,
            gil: 69,
        },
        Stack {
            frames: vec![0, 1, 3],
            samples: 31,
            idle: 0,
            gil: 31,
        },
    ];
    let f = |name: &str, file: &str, line, s: u64, t: u64| FunctionStat {
        name: name.into(),
        file: file.into(),
        line,
        self_samples: s,
        total_samples: t,
        self_share: s as f64 / 100.0,
        total_share: t as f64 / 100.0,
        lines: Vec::new(),
        per_second_self: Vec::new(),
    };
    ProfileReport {
        schema: perfaudit_model::SCHEMA_PROFILE.into(),
        target: ProfileTarget {
            pid: 42,
            command: Some(vec!["python3".into(), EVIL.into()]),
            exit_code: None,
        },
        settings: ProfileSettings {
            rate_hz: 100,
            duration_s: Some(1.0),
            subprocesses: true,
            native: false,
            idle: false,
            nonblocking: true,
        },
        profile: Profile {
            rate_hz: 100,
            started_unix_ms: 0,
            duration_s: 1.0,
            end: ProfileEnd::TargetExited,
            ticks: 100,
            samples: 100,
            idle_samples: 3,
            include_idle: false,
            gil_samples: 100,
            empty_ticks: 0,
            errors: 0,
            late_ticks: 0,
            max_late_ms: 0.0,
            processes: vec![ProcessStat {
                pid: 42,
                command: EVIL.into(),
                samples: 100,
            }],
            frames,
            stacks,
            truncated_samples: 0,
            functions: vec![
                f(EVIL, &format!("/srv/{EVIL}.py"), 7, 69, 69),
                f("render", "/srv/app.py", 60, 31, 31),
                f("handle", "/srv/app.py", 40, 0, 100),
            ],
            timeline: vec![ProfileSecond {
                t_s: 0,
                samples: 100,
                stacks: vec![(0, 69), (1, 31)],
                other: 0,
            }],
        },
    }
}
