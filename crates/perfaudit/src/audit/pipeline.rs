//! The audit, stage by stage: scan -> imports and benches -> start the service (several cold
//! starts) -> load with the monitor attached to the service -> stop it -> metrics and KPIs.
//! Each stage reports through `Events` and records how busy the machine was around it
//! (`noise`); a stage that fails is recorded in the run's `errors` and the others still run
//! where that makes sense. A signal (see `signals`) stops the load at once, stops the service
//! and ends the pipeline: the caller gets `Outcome::Interrupted` and stores nothing.

use super::collect;
use super::config::{LoadSettings, ServiceSettings, Settings};
use super::judge::judge_kpi;
use super::noise::Probe;
use super::service::Service;
use crate::signals;
use perfaudit_model::load::LoadResult;
use perfaudit_model::run::*;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

/// What the pipeline tells its caller (progress lines, a live load line).
pub(crate) trait Events {
    fn stage(&self, msg: &str);
    fn load_progress(&self, scenario: &str, p: &perfaudit_load::Progress);
    fn load_done(&self);
}

/// How the pipeline ended.
pub(crate) enum Outcome {
    /// Every stage ran (some may have failed: see `errors`).
    Done(Box<RunRecord>),
    /// A signal arrived: the load was stopped, the service too; nothing may be stored.
    Interrupted(i32),
}

fn unix_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// CPU seconds a process used so far (utime + stime of /proc/PID/stat).
fn process_cpu_s(pid: u32) -> f64 {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return 0.0;
    };
    // Fields after the command name (which may hold spaces) start after the last ')'.
    let Some(rest) = stat.rsplit_once(')').map(|x| x.1) else {
        return 0.0;
    };
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|x| x.parse::<f64>().ok()).unwrap_or(0.0);
    // SAFETY: sysconf has no preconditions.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as f64;
    // utime and stime are fields 14 and 15; `rest` starts at field 3.
    (ticks(11) + ticks(12)) / hz
}

struct Ctx<'a> {
    ev: &'a dyn Events,
    run: RunRecord,
    loads: Vec<LoadResult>,
}

impl Ctx<'_> {
    fn fail(&mut self, stage: &str, message: String) {
        self.ev.stage(&format!("{stage}: error: {message}"));
        self.run.errors.push(StageError {
            stage: stage.to_string(),
            message,
        });
    }

    fn noise(&mut self, probe: Probe, stage: &str, service_cpu_s: f64) {
        if let Some(n) = probe.finish(stage, service_cpu_s) {
            if n.is_noisy() {
                self.ev.stage(&format!(
                    "{stage}: the machine was busy: other work used {:.2} of {} cores, steal {:.1}%",
                    n.other_cores, n.cores, n.steal_pct
                ));
            }
            self.run.noise.push(n);
        }
    }
}

fn new_record(settings: &Settings) -> RunRecord {
    let mut pythons: Vec<&str> = settings.imports.iter().map(|i| i.python.as_str()).collect();
    if let Some(s) = settings
        .service
        .as_ref()
        .filter(|s| s.argv[0].contains("python"))
    {
        pythons.push(s.argv[0].as_str());
    }
    if pythons.is_empty() {
        pythons.push("python3");
    }
    pythons.sort();
    pythons.dedup();
    RunRecord {
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
        comparison: None,
        errors: Vec::new(),
        noise: Vec::new(),
    }
}

/// Run every stage; never fails as a whole: failures are in `record.errors`.
pub(crate) fn run(settings: &Settings, ev: &dyn Events) -> Outcome {
    let t0 = Instant::now();
    let mut cx = Ctx {
        ev,
        run: new_record(settings),
        loads: Vec::new(),
    };
    type Stage = dyn Fn(&mut Ctx<'_>, &Settings);
    let stages: [&Stage; 4] = [&scan_stage, &imports_stage, &bench_stage, &service_stage];
    for stage in stages {
        if let Some(sig) = signals::received() {
            return Outcome::Interrupted(sig);
        }
        stage(&mut cx, settings);
    }
    if let Some(sig) = signals::received() {
        return Outcome::Interrupted(sig);
    }
    let mut run = cx.run;
    judge(settings, &mut run, &cx.loads);
    run.duration_s = t0.elapsed().as_secs_f64();
    Outcome::Done(Box::new(run))
}

/// 1. Static scan.
fn scan_stage(cx: &mut Ctx<'_>, settings: &Settings) {
    let Some(scan) = &settings.scan else { return };
    cx.ev.stage(&format!("scan: {}", scan.root.display()));
    let probe = Probe::start();
    match super::stages::scan(scan) {
        Ok(section) => {
            cx.ev.stage(&format!(
                "scan: {} files, {} lines, {} findings",
                section.files,
                section.lines,
                section.findings.len()
            ));
            cx.run.scan = Some(section);
        }
        Err(e) => cx.fail("scan", e),
    }
    cx.noise(probe, "scan", 0.0);
}

/// 2a. Import-time profiles (the service is not running yet).
fn imports_stage(cx: &mut Ctx<'_>, settings: &Settings) {
    if settings.imports.is_empty() {
        return;
    }
    let probe = Probe::start();
    for i in &settings.imports {
        if signals::received().is_some() {
            return;
        }
        cx.ev
            .stage(&format!("imports: {} ({} runs)", i.module, i.runs));
        match super::stages::imports(i) {
            Ok(s) => {
                cx.ev.stage(&format!(
                    "imports: {} takes {:.1}ms",
                    s.module,
                    s.total_us / 1e3
                ));
                cx.run.imports.push(s);
            }
            Err(e) => cx.fail(&format!("imports {}", i.module), e),
        }
    }
    cx.noise(probe, "imports", 0.0);
}

/// 2b. Command benchmarks.
fn bench_stage(cx: &mut Ctx<'_>, settings: &Settings) {
    if settings.bench.is_empty() {
        return;
    }
    let probe = Probe::start();
    for b in &settings.bench {
        if signals::received().is_some() {
            return;
        }
        cx.ev.stage(&format!("bench: {} ({} runs)", b.name, b.runs));
        match super::stages::bench(b) {
            Ok(s) => {
                cx.ev.stage(&format!(
                    "bench: {} mean {:.1}ms ± {:.1}ms",
                    s.name,
                    s.mean_s * 1e3,
                    s.stddev_s * 1e3
                ));
                cx.run.bench.push(s);
            }
            Err(e) => cx.fail(&format!("bench {}", b.name), e),
        }
    }
    cx.noise(probe, "bench", 0.0);
}

/// Why a start failed, and the service section of the failed start (when it was spawned).
type StartError = (String, Option<ServiceSection>);

/// Start the service and wait until it is ready: the cold start.
fn start_once(svc: &ServiceSettings) -> Result<(Service, std::time::Duration), Box<StartError>> {
    let spawned = Instant::now();
    let mut service = Service::spawn(svc).map_err(|e| Box::new((format!("{e:#}"), None)))?;
    match service.wait_ready(svc.ready_timeout, spawned) {
        Ok(cold) => Ok((service, cold)),
        Err(e) => {
            let tail = service.stderr_tail();
            let stopped = service.stop();
            Err(Box::new((
                format!("{e:#}"),
                Some(ServiceSection {
                    command: svc.display.clone(),
                    ready_url: service.ready_url.clone(),
                    cold_start_s: 0.0,
                    cold_starts_s: Vec::new(),
                    stopped,
                    stderr_tail: tail,
                }),
            )))
        }
    }
}

/// 3. The service (cold starts), the load and the monitor; without a service, the load alone.
fn service_stage(cx: &mut Ctx<'_>, settings: &Settings) {
    let Some(svc) = &settings.service else {
        for l in &settings.load {
            if signals::received().is_some() {
                return;
            }
            let probe = Probe::start();
            if let Some(r) = load_one(cx, l, None) {
                let start = r.started_unix_ms;
                cx.run.load.push(collect::load_section(&l.name, &r, start));
                cx.loads.push(r);
            }
            cx.noise(probe, "load", 0.0);
        }
        return;
    };
    // Cold starts: each a fresh process; the last one stays up for the load.
    let probe = Probe::start();
    let mut colds = Vec::new();
    let mut service = None;
    for k in 0..svc.cold_starts {
        if signals::received().is_some() {
            return;
        }
        cx.ev.stage(&format!(
            "service: starting `{}` (cold start {}/{})",
            svc.display,
            k + 1,
            svc.cold_starts
        ));
        match start_once(svc) {
            Err(err) => {
                let (e, section) = *err;
                cx.run.service = section;
                cx.fail("service", e);
                return;
            }
            Ok((mut s, cold)) => {
                colds.push(cold.as_secs_f64());
                if k + 1 < svc.cold_starts {
                    s.stop();
                } else {
                    service = Some(s);
                }
            }
        }
    }
    let Some(mut service) = service else { return };
    let last_start_cpu = process_cpu_s(service.pid);
    cx.noise(probe, "service", last_start_cpu);
    let cold = perfaudit_stats::summary::median(&colds).unwrap_or(0.0);
    cx.ev.stage(&format!(
        "service: pid {} ready at {} after {:.2}s (median of {} cold starts)",
        service.pid,
        service.ready_url,
        cold,
        colds.len()
    ));

    let probe = Probe::start();
    let cpu_before = process_cpu_s(service.pid);
    let phase_start = unix_ms();
    let monitor = match settings
        .monitor
        .as_ref()
        .map(|m| super::stages::start_monitor(service.pid, m))
    {
        Some(Ok(h)) => Some(h),
        Some(Err(e)) => {
            cx.fail("monitor", e);
            None
        }
        None => None,
    };
    for l in &settings.load {
        if signals::received().is_some() {
            break;
        }
        if let Some(r) = load_one(cx, l, service.port) {
            cx.run
                .load
                .push(collect::load_section(&l.name, &r, phase_start));
            cx.loads.push(r);
        }
    }
    let wall = probe_wall(phase_start);
    if let Some(h) = monitor {
        let report = h.stop();
        cx.run.monitor = Some(collect::monitor_section(&report, phase_start));
    }
    let service_cpu = match &cx.run.monitor {
        Some(m) => m.cpu_pct_mean / 100.0 * wall,
        None => process_cpu_s(service.pid) - cpu_before,
    };
    cx.noise(probe, "load", service_cpu);
    let tail = service.stderr_tail();
    let stopped = service.stop();
    cx.ev.stage(&format!("service: {stopped}"));
    cx.run.service = Some(ServiceSection {
        command: svc.display.clone(),
        ready_url: service.ready_url.clone(),
        cold_start_s: cold,
        cold_starts_s: colds,
        stopped,
        stderr_tail: tail,
    });
}

fn probe_wall(since_unix_ms: u64) -> f64 {
    unix_ms().saturating_sub(since_unix_ms) as f64 / 1e3
}

/// One scenario; a scenario in which no request got a response is a stage error (the tool
/// could not measure anything), and so is one that could not start.
fn load_one(cx: &mut Ctx<'_>, l: &LoadSettings, port: Option<u16>) -> Option<LoadResult> {
    let stage = format!("load {}", l.name);
    let plan = match super::stages::load_plan(l, port) {
        Ok(p) => p,
        Err(e) => {
            cx.fail(&stage, e);
            return None;
        }
    };
    let ev = cx.ev;
    let r = perfaudit_load::run_until(plan, &|p| ev.load_progress(&l.name, p), &|| {
        signals::received().is_some()
    });
    ev.load_done();
    match r {
        Err(e) => {
            cx.fail(&stage, e.to_string());
            None
        }
        Ok(r) => {
            ev.stage(&format!(
                "load {}: {} requests, {} responses, {:.1} responses/s, p95 {}, errors {:.2}%",
                l.name,
                r.requests,
                r.responses,
                r.rps,
                if r.responses > 0 {
                    format!("{:.1}ms", r.latency_us.p95 as f64 / 1e3)
                } else {
                    "—".into()
                },
                r.error_rate * 100.0
            ));
            if r.responses == 0 && !r.interrupted {
                let kinds: Vec<String> = r.errors.iter().map(|(k, v)| format!("{v} {k}")).collect();
                cx.fail(
                    &stage,
                    format!(
                        "no request got a response ({} requests: {})",
                        r.requests,
                        if kinds.is_empty() {
                            "none completed".to_string()
                        } else {
                            kinds.join(", ")
                        }
                    ),
                );
            }
            Some(r)
        }
    }
}

/// Metrics, KPIs and the run's status (the fourth stage). A scenario where every request
/// failed fails the audit (a built-in check next to the KPIs) even when no KPI names it.
fn judge(settings: &Settings, run: &mut RunRecord, loads: &[LoadResult]) {
    run.metrics = collect::metrics(run, loads);
    run.kpis = settings
        .kpis
        .iter()
        .map(|(k, warn)| judge_kpi(k, *warn, &run.metrics))
        .collect();
    // A scenario's own thresholds are judged like KPIs (and fail the audit like them).
    for (l, r) in run.load.iter().zip(loads) {
        let t = super::judge::threshold_kpis(&l.name, &r.thresholds);
        run.kpis.extend(t);
    }
    for l in &run.load {
        if l.requests > 0 && l.error_rate >= 1.0 {
            run.kpis.push(KpiResult {
                metric: format!("load.{}.error_rate", l.name),
                target: "< 100%".into(),
                value: Some(l.error_rate * 100.0),
                unit: "%".into(),
                status: KpiStatus::Fail,
                message: format!(
                    "every request of scenario `{}` failed (built-in check)",
                    l.name
                ),
            });
        }
    }
    run.status = if !run.errors.is_empty() {
        RunStatus::Error
    } else if run.kpis.iter().any(|k| k.status == KpiStatus::Fail) {
        RunStatus::Fail
    } else {
        RunStatus::Pass
    };
}
