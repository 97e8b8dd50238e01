//! The audit's `[profile]` stage: a CPU profile of the service during each `[[load]]`
//! scenario (attached before the load starts, counted from its start, stopped at its end),
//! the stacks of the second with the worst p99, and the static findings ranked by the share
//! of samples their code cost.
//!
//! ```toml
//! [profile]
//! enabled = true   # default: on when the service command is Python (python*, gunicorn, uvicorn, ...)
//! rate = 100       # samples per second (default 100)
//! native = false   # native frames (needs a perfaudit built with the `native` feature)
//! idle = false     # count idle (waiting) threads too
//! ```

use super::config::ServiceSettings;
use perfaudit_model::profile::{
    FindingCost, ProfileSection, ProfileSettings, ScenarioProfile, WorstSecond,
};
use perfaudit_model::run::{LoadSection, ScanSection};
use perfaudit_profile::{Session, SessionSpec};
use serde::Deserialize;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// `[profile]` as written.
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawProfile {
    pub(crate) enabled: Option<bool>,
    pub(crate) rate: Option<u32>,
    pub(crate) native: Option<bool>,
    pub(crate) idle: Option<bool>,
}

/// `[profile]` resolved.
#[derive(Debug, Clone)]
pub(crate) struct ProfileConfig {
    pub(crate) rate_hz: u32,
    pub(crate) native: bool,
    pub(crate) idle: bool,
    /// Asked for in the config (a failure is then a stage error), not just on by default
    /// (a failure is then noted in the report).
    pub(crate) explicit: bool,
}

const PYTHON_SERVERS: [&str; 10] = [
    "gunicorn",
    "uvicorn",
    "hypercorn",
    "daphne",
    "granian",
    "flask",
    "fastapi",
    "waitress-serve",
    "celery",
    "django-admin",
];

/// Whether a service command runs Python (its program, or the program a wrapper runs).
pub(crate) fn is_python_command(argv: &[String]) -> bool {
    argv.iter().take(4).any(|a| {
        let base = Path::new(a)
            .file_name()
            .map_or(a.as_str(), |b| b.to_str().unwrap_or(""));
        base.starts_with("python")
            || base.starts_with("pypy")
            || base.ends_with(".py")
            || PYTHON_SERVERS.contains(&base)
    })
}

/// Resolve `[profile]`: None when off (explicitly, or not a Python service, or no service).
pub(crate) fn resolve(
    raw: &RawProfile,
    service: Option<&ServiceSettings>,
) -> Result<Option<ProfileConfig>, String> {
    let rate = raw.rate.unwrap_or(100);
    if !(1..=1000).contains(&rate) {
        return Err(format!(
            "[profile] rate: {rate} is out of range (1 to 1000 samples per second)"
        ));
    }
    let native = raw.native.unwrap_or(false);
    if native && !perfaudit_profile::adapter::NATIVE_SUPPORTED {
        return Err(format!(
            "[profile] native: {}",
            perfaudit_profile::ProfileError::NativeUnsupported
        ));
    }
    let Some(service) = service else {
        if raw.enabled == Some(true) {
            return Err("[profile] enabled = true needs a [service] to profile".into());
        }
        return Ok(None);
    };
    let on = raw
        .enabled
        .unwrap_or_else(|| is_python_command(&service.argv));
    Ok(on.then_some(ProfileConfig {
        rate_hz: rate,
        native,
        idle: raw.idle.unwrap_or(false),
        explicit: raw.enabled == Some(true),
    }))
}

/// The profiles of one audit, scenario by scenario.
pub(crate) struct Profiler {
    cfg: ProfileConfig,
    scenarios: Vec<ScenarioProfile>,
    /// Why profiling was not possible (noted in the report when not explicit).
    pub(crate) unavailable: Option<String>,
}

impl Profiler {
    pub(crate) fn new(cfg: &ProfileConfig) -> Profiler {
        Profiler {
            cfg: cfg.clone(),
            scenarios: Vec::new(),
            unavailable: None,
        }
    }

    pub(crate) fn explicit(&self) -> bool {
        self.cfg.explicit
    }

    /// Attach to the service's tree before a scenario's load starts; `begin` it right before.
    pub(crate) fn attach(&mut self, pid: u32) -> Result<Session, String> {
        if let Some(why) = &self.unavailable {
            return Err(why.clone());
        }
        let mut spec = SessionSpec::new(pid);
        spec.rate_hz = self.cfg.rate_hz;
        spec.native = self.cfg.native;
        spec.idle = self.cfg.idle;
        spec.subprocesses = true;
        spec.attach_patience = Duration::from_secs(3);
        Session::start(spec).map_err(|e| {
            let text = e.to_string();
            // Permission or not-Python will not change for the next scenario.
            if !matches!(e, perfaudit_profile::ProfileError::Exited { .. }) {
                self.unavailable = Some(text.clone());
            }
            text
        })
    }

    /// Stop the session at the end of the scenario's load and keep its profile.
    pub(crate) fn finish_scenario(&mut self, session: Session, load: &LoadSection) {
        let profile = session.stop(false);
        let worst_second = worst_second(&profile, load);
        self.scenarios.push(ScenarioProfile {
            scenario: load.name.clone(),
            requests: load.requests,
            worst_second,
            profile: strip_seconds(profile),
        });
    }

    /// The section: every scenario, and the findings ranked by measured cost.
    pub(crate) fn finish(
        self,
        scan: Option<&ScanSection>,
        scan_root: Option<&Path>,
    ) -> ProfileSection {
        let (ranked_findings, unsampled_findings) = match (scan, scan_root) {
            (Some(s), Some(root)) => rank_findings(s, root, &self.scenarios),
            _ => (Vec::new(), Vec::new()),
        };
        ProfileSection {
            settings: ProfileSettings {
                rate_hz: self.cfg.rate_hz,
                duration_s: None,
                subprocesses: true,
                native: self.cfg.native,
                idle: self.cfg.idle,
                nonblocking: true,
            },
            scenarios: self.scenarios,
            ranked_findings,
            unsampled_findings,
            unavailable: self.unavailable,
        }
    }
}

/// The load second with the worst p99 (among seconds that completed requests), and the
/// profile's stacks of that second. Both count seconds from the scenario's start.
fn worst_second(p: &perfaudit_model::profile::Profile, load: &LoadSection) -> Option<WorstSecond> {
    let (k, sec) = load
        .timeline
        .iter()
        .filter(|s| s.requests > 0)
        .map(|s| (((s.t_s - load.offset_s).max(0.0)).floor() as u32, s))
        .max_by(|a, b| a.1.p99_us.total_cmp(&b.1.p99_us))?;
    let ps = p.timeline.iter().find(|s| s.t_s == k)?;
    Some(WorstSecond {
        t_s: k,
        p99_us: sec.p99_us,
        samples: ps.samples,
        stacks: ps.stacks.clone(),
    })
}

/// The stored run keeps per-second totals; the per-second stacks were only needed for the
/// worst second (kept apart) and the functions' series (already computed).
fn strip_seconds(mut p: perfaudit_model::profile::Profile) -> perfaudit_model::profile::Profile {
    for s in &mut p.timeline {
        s.other += s.stacks.iter().map(|x| x.1).sum::<u64>();
        s.stacks.clear();
    }
    p
}

/// Which functions got slower between two runs (scenarios both profiled): a self share that
/// moved by 2 percentage points or more, confirmed by a Mann-Whitney U test over the seconds.
pub(crate) fn function_changes(
    base: &perfaudit_model::run::RunRecord,
    head: &perfaudit_model::run::RunRecord,
    alpha: f64,
) -> Vec<perfaudit_model::profile::FunctionChange> {
    match (&base.profile, &head.profile) {
        (Some(b), Some(h)) => {
            perfaudit_profile::compare::compare(&b.scenarios, &h.scenarios, 2.0, alpha)
        }
        _ => Vec::new(),
    }
}

fn rank_findings(
    scan: &ScanSection,
    root: &Path,
    scenarios: &[ScenarioProfile],
) -> (Vec<FindingCost>, Vec<String>) {
    let base: PathBuf = if root.is_file() {
        root.parent().map(Path::to_path_buf).unwrap_or_default()
    } else {
        root.to_path_buf()
    };
    let mut sources: HashMap<&str, Option<String>> = HashMap::new();
    let mut ranked = Vec::new();
    let mut unsampled = Vec::new();
    for f in &scan.findings {
        let text = sources
            .entry(f.path.as_str())
            .or_insert_with(|| std::fs::read_to_string(base.join(&f.path)).ok());
        let span = text
            .as_deref()
            .and_then(|t| perfaudit_profile::source::enclosing_function(t, f.line));
        let best = scenarios
            .iter()
            .filter_map(|sc| {
                let (scope, n) =
                    perfaudit_profile::matching::cost(&sc.profile, &f.path, f.line, span.as_ref())?;
                Some((sc, scope, n, sc.profile.share(n)))
            })
            .max_by(|a, b| a.3.total_cmp(&b.3));
        match best {
            Some((sc, scope, n, share)) => ranked.push(FindingCost {
                code: f.code.clone(),
                path: f.path.clone(),
                line: f.line,
                message: f.message.clone(),
                scenario: sc.scenario.clone(),
                scope,
                function: span.as_ref().map(|s| s.name.clone()),
                share,
                samples: n,
            }),
            None => unsampled.push(format!("{} {}:{}", f.code, f.path, f.line)),
        }
    }
    ranked.sort_by(|a, b| b.share.total_cmp(&a.share));
    (ranked, unsampled)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_string).collect()
    }

    #[test]
    fn python_services_are_recognised() {
        for c in [
            "python3 -m app",
            "/usr/bin/python3.12 app.py",
            "gunicorn -w 4 app:app",
            "uvicorn app:app --port 1",
            "uv run uvicorn app:app",
            "./manage.py runserver",
        ] {
            assert!(is_python_command(&words(c)), "{c}");
        }
        for c in ["node server.js", "./server", "java -jar x.jar"] {
            assert!(!is_python_command(&words(c)), "{c}");
        }
    }
}
