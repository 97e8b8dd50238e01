//! One function per engine: settings in, a run-record section out (errors as text).

use super::collect;
use super::config::{BenchSettings, ImportsSettings, LoadSettings, MonitorSettings, ScanSettings};
use perfaudit_model::run::{BenchSection, ImportsSection, ScanSection};

/// Quote a word for `sh`.
fn sh_quote(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:,+@%".contains(c))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

pub fn scan(_s: &ScanSettings) -> Result<ScanSection, String> {
    Err("the scan engine (perfaudit_scan) has not landed in this build yet".into())
}

pub fn imports(i: &ImportsSettings) -> Result<ImportsSection, String> {
    let mut spec = perfaudit_bench::ImportsSpec::new(i.module.clone());
    spec.python = i.python.clone();
    spec.runs = i.runs as usize;
    spec.top = 15;
    spec.cwd = Some(i.cwd.clone());
    let doc = perfaudit_bench::profile_imports(&spec).map_err(|e| e.to_string())?;
    Ok(collect::imports_section(&doc))
}

pub fn bench(b: &BenchSettings) -> Result<BenchSection, String> {
    let words: Vec<String> = b.argv.iter().map(|a| sh_quote(a)).collect();
    let command = format!(
        "cd {} && exec {}",
        sh_quote(&b.cwd.to_string_lossy()),
        words.join(" ")
    );
    let mut spec =
        perfaudit_bench::BenchSpec::new(vec![perfaudit_bench::CommandSpec::new(command)]);
    spec.runs = perfaudit_bench::RunCount::exactly(u64::from(b.runs));
    spec.warmup = u64::from(b.warmup);
    let doc =
        perfaudit_bench::run_benchmark(&spec, &mut perfaudit_bench::RealExecutor, &mut |_| {})
            .map_err(|e| e.to_string())?;
    let r = doc
        .results
        .first()
        .ok_or_else(|| "the benchmark produced no result".to_string())?;
    Ok(collect::bench_section(&b.name, &b.display, r))
}

pub fn start_monitor(
    pid: u32,
    m: &MonitorSettings,
) -> Result<perfaudit_monitor::MonitorHandle, String> {
    let mut spec = perfaudit_monitor::MonitorSpec::pid(pid);
    spec.interval = m.interval;
    spec.alerts = m.alerts.clone();
    perfaudit_monitor::Monitor::start(spec).map_err(|e| e.to_string())
}

pub fn load_plan(l: &LoadSettings, url: &str) -> Result<perfaudit_load::LoadPlan, String> {
    use perfaudit_load::{Pacing, RateSchedule, Template};
    let mut plan = perfaudit_load::LoadPlan::for_url(url).map_err(|e| e.to_string())?;
    if let Some(ep) = plan.endpoints.first_mut() {
        ep.name = l.name.clone();
        ep.method = l.method.clone();
        ep.headers = l
            .headers
            .iter()
            .map(|(k, v)| (k.clone(), Template::literal(v)))
            .collect();
        if let Some(b) = &l.body {
            ep.body = Template::literal(b);
        }
    }
    plan.connections = l.connections;
    plan.threads = perfaudit_load::default_threads().min(l.connections).max(1);
    plan.duration = Some(l.duration);
    plan.warmup = l.warmup;
    plan.timeout = l.timeout;
    plan.pacing = match l.rate {
        Some(r) => Pacing::Rate(RateSchedule::constant(r)),
        None => Pacing::Closed,
    };
    plan.validate().map_err(|e| e.to_string())?;
    Ok(plan)
}
