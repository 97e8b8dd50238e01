//! The audit, stage by stage: scan -> imports and benches -> start the service (cold start) ->
//! load with the monitor attached to the service -> stop it -> metrics and KPIs. Each stage
//! reports through `Events`; a stage that fails is recorded in the run's `errors` and the
//! others still run where that makes sense.

use super::collect;
use super::config::{LoadSettings, Settings};
use super::judge::judge_kpi;
use super::service::Service;
use perfaudit_model::histogram::Histogram;
use perfaudit_model::run::*;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

/// What the pipeline tells its caller (progress lines, a live load line).
pub(crate) trait Events {
    fn stage(&self, msg: &str);
    fn load_progress(&self, scenario: &str, p: &perfaudit_load::Progress);
    fn load_done(&self);
}

fn unix_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// Run every stage; never fails as a whole: failures are in `record.errors`.
pub(crate) fn run(settings: &Settings, ev: &dyn Events) -> RunRecord {
    let t0 = Instant::now();
    let mut pythons: Vec<&str> = settings.imports.iter().map(|i| i.python.as_str()).collect();
    if settings
        .service
        .as_ref()
        .is_some_and(|s| s.argv[0].contains("python"))
    {
        pythons.push(
            settings
                .service
                .as_ref()
                .map_or("python3", |s| s.argv[0].as_str()),
        );
    }
    if pythons.is_empty() {
        pythons.push("python3");
    }
    pythons.sort();
    pythons.dedup();
    let mut run = RunRecord {
        schema: perfaudit_model::SCHEMA_RUN.to_string(),
        id: 0,
        project: settings.project.clone(),
        started_at: super::env::now_rfc3339(),
        duration_s: 0.0,
        config_path: settings.config_path.display().to_string(),
        git: super::env::git_info(&settings.base_dir),
        environment: super::env::collect(&pythons),
        status: RunStatus::Pass,
        kpis: Vec::new(),
        metrics: Default::default(),
        scan: None,
        service: None,
        load: Vec::new(),
        monitor: None,
        bench: Vec::new(),
        imports: Vec::new(),
        profile: None,
        comparison: None,
        errors: Vec::new(),
    };
    let fail = |run: &mut RunRecord, stage: &str, message: String| {
        ev.stage(&format!("{stage}: error: {message}"));
        run.errors.push(StageError {
            stage: stage.to_string(),
            message,
        });
    };

    // 1. Static scan.
    if let Some(scan) = &settings.scan {
        ev.stage(&format!("scan: {}", scan.root.display()));
        match super::stages::scan(scan) {
            Ok(section) => {
                ev.stage(&format!(
                    "scan: {} files, {} lines, {} findings",
                    section.files,
                    section.lines,
                    section.findings.len()
                ));
                run.scan = Some(section);
            }
            Err(e) => fail(&mut run, "scan", e),
        }
    }

    // 2. Import-time profiles and command benchmarks (the service is not running yet).
    for i in &settings.imports {
        ev.stage(&format!("imports: {} ({} runs)", i.module, i.runs));
        match super::stages::imports(i) {
            Ok(s) => {
                ev.stage(&format!(
                    "imports: {} takes {:.1}ms",
                    s.module,
                    s.total_us / 1e3
                ));
                run.imports.push(s);
            }
            Err(e) => fail(&mut run, &format!("imports {}", i.module), e),
        }
    }
    for b in &settings.bench {
        ev.stage(&format!("bench: {} ({} runs)", b.name, b.runs));
        match super::stages::bench(b) {
            Ok(s) => {
                ev.stage(&format!(
                    "bench: {} mean {:.1}ms ± {:.1}ms",
                    s.name,
                    s.mean_s * 1e3,
                    s.stddev_s * 1e3
                ));
                run.bench.push(s);
            }
            Err(e) => fail(&mut run, &format!("bench {}", b.name), e),
        }
    }

    // 3. The service, the load and the monitor.
    let mut histograms: Vec<Histogram> = Vec::new();
    let mut thresholds: Vec<(String, Vec<perfaudit_model::load::ThresholdResult>)> = Vec::new();
    if let Some(svc) = &settings.service {
        ev.stage(&format!("service: starting `{}`", svc.display));
        let spawned = Instant::now();
        match Service::spawn(svc) {
            Err(e) => fail(&mut run, "service", format!("{e:#}")),
            Ok(mut service) => match service.wait_ready(svc.ready_timeout, spawned) {
                Err(e) => {
                    let tail = service.stderr_tail();
                    let stopped = service.stop();
                    run.service = Some(ServiceSection {
                        command: svc.display.clone(),
                        ready_url: service.ready_url.clone(),
                        cold_start_s: 0.0,
                        stopped,
                        stderr_tail: tail,
                    });
                    fail(&mut run, "service", format!("{e:#}"));
                }
                Ok(cold) => {
                    ev.stage(&format!(
                        "service: pid {} ready at {} after {:.2}s (cold start)",
                        service.pid,
                        service.ready_url,
                        cold.as_secs_f64()
                    ));
                    let phase_start = unix_ms();
                    let monitor =
                        settings
                            .monitor
                            .as_ref()
                            .and_then(|m| match super::stages::start_monitor(service.pid, m) {
                                Ok(h) => Some(h),
                                Err(e) => {
                                    fail(&mut run, "monitor", e);
                                    None
                                }
                            });
                    let mut profiler = settings.profile.as_ref().map(super::profile::Profiler::new);
                    for l in &settings.load {
                        if super::interrupted() {
                            break;
                        }
                        let session = profiler.as_mut().and_then(|p| match p.attach(service.pid) {
                            Ok(s) => Some(s),
                            Err(e) if p.explicit() => {
                                fail(&mut run, &format!("profile {}", l.name), e);
                                None
                            }
                            Err(e) => {
                                ev.stage(&format!("profile: not profiled: {e}"));
                                None
                            }
                        });
                        if let Some(s) = &session {
                            s.begin();
                        }
                        match load_one(l, service.port, ev) {
                            Ok(r) => {
                                ev.stage(&format!(
                                    "load {}: {} requests, {:.1} req/s, p95 {:.1}ms, errors {:.2}%",
                                    l.name,
                                    r.requests,
                                    r.rps,
                                    r.latency_us.p95 as f64 / 1e3,
                                    r.error_rate * 100.0
                                ));
                                thresholds.push((l.name.clone(), r.thresholds.clone()));
                                let section = collect::load_section(&l.name, &r, phase_start);
                                if let (Some(p), Some(s)) = (profiler.as_mut(), session) {
                                    p.finish_scenario(s, &section);
                                }
                                run.load.push(section);
                                histograms.push(r.histogram.clone());
                            }
                            Err(e) => fail(&mut run, &format!("load {}", l.name), e),
                        }
                    }
                    run.profile = profiler.map(|p| {
                        let root = settings.scan.as_ref().map(|s| s.root.as_path());
                        p.finish(run.scan.as_ref(), root)
                    });
                    if let Some(h) = monitor {
                        let report = h.stop();
                        run.monitor = Some(collect::monitor_section(&report, phase_start));
                    }
                    let tail = service.stderr_tail();
                    let stopped = service.stop();
                    ev.stage(&format!("service: {stopped}"));
                    run.service = Some(ServiceSection {
                        command: svc.display.clone(),
                        ready_url: service.ready_url.clone(),
                        cold_start_s: cold.as_secs_f64(),
                        stopped,
                        stderr_tail: tail,
                    });
                }
            },
        }
    } else {
        for l in &settings.load {
            match load_one(l, None, ev) {
                Ok(r) => {
                    let start = r.started_unix_ms;
                    thresholds.push((l.name.clone(), r.thresholds.clone()));
                    run.load.push(collect::load_section(&l.name, &r, start));
                    histograms.push(r.histogram.clone());
                }
                Err(e) => fail(&mut run, &format!("load {}", l.name), e),
            }
        }
    }

    // 4. Metrics and KPIs.
    run.metrics = collect::metrics(&run, &histograms);
    run.kpis = settings
        .kpis
        .iter()
        .map(|(k, warn)| judge_kpi(k, *warn, &run.metrics))
        .collect();
    // A scenario's own thresholds are judged like KPIs (and fail the audit like them).
    for (name, ts) in &thresholds {
        run.kpis.extend(super::judge::threshold_kpis(name, ts));
    }
    run.duration_s = t0.elapsed().as_secs_f64();
    run.status = if !run.errors.is_empty() {
        RunStatus::Error
    } else if run.kpis.iter().any(|k| k.status == KpiStatus::Fail) {
        RunStatus::Fail
    } else {
        RunStatus::Pass
    };
    run
}

fn load_one(
    l: &LoadSettings,
    port: Option<u16>,
    ev: &dyn Events,
) -> Result<perfaudit_load::LoadResult, String> {
    let plan = super::stages::load_plan(l, port)?;
    let r = perfaudit_load::run(plan, &|p| ev.load_progress(&l.name, p)).map_err(|e| e.to_string());
    ev.load_done();
    r
}
