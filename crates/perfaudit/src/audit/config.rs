//! `perfaudit.toml`: the audit's configuration. Parsed with serde; unknown keys are rejected
//! with their line and a "did you mean" suggestion; every quantity is checked before anything
//! runs. The README's "perfaudit audit" section documents every key.

use super::metrics::{catalog, suggest};
use perfaudit_model::run::{Kpi, Op};
use perfaudit_model::units::{parse_duration, parse_fraction, parse_quantity, Dim};
use serde::de::{MapAccess, Visitor};
use serde::{Deserialize, Deserializer};
use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;
use toml::Spanned;

pub(crate) const FILE_NAME: &str = "perfaudit.toml";

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawConfig {
    #[serde(default)]
    pub project: ProjectSection,
    /// The scan engine's own options (`perfaudit scan` reads the same table).
    pub scan: Option<perfaudit_scan::config::ScanConfig>,
    pub service: Option<ServiceSection>,
    /// Each `[[load]]` table IS a `perfaudit load --scenario` file plus a name: every key a
    /// scenario file can hold, with the same meaning.
    #[serde(default)]
    pub load: Vec<Spanned<perfaudit_load::Scenario>>,
    #[serde(default)]
    pub bench: Vec<Spanned<BenchSection>>,
    #[serde(default)]
    pub imports: Vec<Spanned<ImportsSection>>,
    #[serde(default)]
    pub monitor: MonitorSection,
    #[serde(default)]
    pub profile: super::profile::RawProfile,
    #[serde(default)]
    pub kpis: Kpis,
    #[serde(default)]
    pub regression: RegressionSection,
    #[serde(default)]
    pub history: HistorySection,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct ProjectSection {
    /// Name in the history (default: the config directory's name).
    pub name: Option<String>,
    /// The code to scan, relative to the config file (default `.`).
    pub path: Option<String>,
    /// Run the static scan (default true).
    pub scan: Option<bool>,
}

fn yes() -> bool {
    true
}

/// A command as a shell-like string or an argument array.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub(crate) enum CommandSpec {
    Line(String),
    Argv(Vec<String>),
}

#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub(crate) enum PortSpec {
    Fixed(u16),
    Auto(String),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ServiceSection {
    pub command: CommandSpec,
    pub cwd: Option<String>,
    #[serde(default)]
    pub env: BTreeMap<String, String>,
    /// `"auto"` (default): perfaudit picks a free port; `{port}` in the command, env values,
    /// URLs is replaced by it and `PORT` is set.
    pub port: Option<PortSpec>,
    /// Default `/`; relative URLs are resolved against `http://127.0.0.1:{port}`.
    pub ready_url: Option<String>,
    pub ready_timeout: Option<String>,
    pub stop_signal: Option<String>,
    pub stop_timeout: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct BenchSection {
    pub name: Option<String>,
    pub command: CommandSpec,
    pub runs: Option<u32>,
    pub warmup: Option<u32>,
    pub cwd: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ImportsSection {
    pub module: String,
    pub runs: Option<u32>,
    pub python: Option<String>,
    pub cwd: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct MonitorSection {
    #[serde(default = "yes")]
    pub enabled: bool,
    pub interval: Option<String>,
    /// `perfaudit monitor --alert` rules: `rss > 300MB for 2s`, `cpu > 90%`.
    #[serde(default)]
    pub alerts: Vec<String>,
}

impl Default for MonitorSection {
    fn default() -> Self {
        MonitorSection {
            enabled: true,
            interval: None,
            alerts: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub(crate) enum KpiSpec {
    Target(String),
    Detailed(KpiDetail),
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct KpiDetail {
    pub target: String,
    /// A stricter target: missing it (while meeting `target`) is a warning.
    pub warn: Option<String>,
}

/// `[kpis]` in document order.
#[derive(Debug, Default)]
pub(crate) struct Kpis(pub Vec<(String, Spanned<KpiSpec>)>);

impl<'de> Deserialize<'de> for Kpis {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Kpis;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a table of metric = \"< target\"")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Kpis, A::Error> {
                let mut v = Vec::new();
                while let Some((k, val)) = m.next_entry::<String, Spanned<KpiSpec>>()? {
                    v.push((k, val));
                }
                Ok(Kpis(v))
            }
        }
        d.deserialize_map(V)
    }
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct RegressionSection {
    pub threshold: Option<String>,
    pub significance: Option<f64>,
    /// Metrics to judge (default: every metric both runs measured).
    pub metrics: Option<Vec<String>>,
    /// `warn` (default) or `refuse` when the baseline was measured elsewhere.
    pub environment: Option<String>,
    /// Whether a significant regression fails the audit (default true).
    pub fail: Option<bool>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct HistorySection {
    pub path: Option<String>,
    /// Store runs (default true).
    pub store: Option<bool>,
}

// ---------------------------------------------------------------------------------------------
// Resolved settings: everything checked, quantities parsed, paths absolute.

#[derive(Debug, Clone)]
pub(crate) struct Settings {
    pub config_path: PathBuf,
    pub base_dir: PathBuf,
    pub project: String,
    pub scan: Option<ScanSettings>,
    pub service: Option<ServiceSettings>,
    pub load: Vec<LoadSettings>,
    pub bench: Vec<BenchSettings>,
    pub imports: Vec<ImportsSettings>,
    pub monitor: Option<MonitorSettings>,
    pub profile: Option<super::profile::ProfileConfig>,
    pub kpis: Vec<(Kpi, Option<(Op, f64)>)>,
    pub regression: RegressionSettings,
    pub history: Option<PathBuf>,
}

#[derive(Debug, Clone)]
pub(crate) struct ScanSettings {
    pub root: PathBuf,
    /// The engine's settings, resolved from `[scan]`.
    pub engine: perfaudit_scan::ScanSettings,
}

#[derive(Debug, Clone)]
pub(crate) struct ServiceSettings {
    pub argv: Vec<String>,
    /// The command as written, for reports.
    pub display: String,
    pub cwd: PathBuf,
    pub env: BTreeMap<String, String>,
    /// None: pick a free port.
    pub port: Option<u16>,
    pub ready_url: String,
    pub ready_timeout: Duration,
    pub stop_signal: i32,
    pub stop_timeout: Duration,
}

/// One `[[load]]`: a scenario (its base file already laid under it, file names absolute, the
/// audit's defaults below it) and its name. The plan is built from it by
/// [`super::stages::load_plan`] once the service's port is known.
#[derive(Debug, Clone)]
pub(crate) struct LoadSettings {
    pub name: String,
    pub scenario: perfaudit_load::Scenario,
}

#[derive(Debug, Clone)]
pub(crate) struct BenchSettings {
    pub name: String,
    pub argv: Vec<String>,
    pub display: String,
    pub runs: u32,
    pub warmup: u32,
    pub cwd: PathBuf,
}

#[derive(Debug, Clone)]
pub(crate) struct ImportsSettings {
    pub module: String,
    pub runs: u32,
    pub python: String,
    pub cwd: PathBuf,
}

#[derive(Debug, Clone)]
pub(crate) struct MonitorSettings {
    pub interval: Duration,
    pub alerts: Vec<perfaudit_monitor::AlertRule>,
}

#[derive(Debug, Clone)]
pub(crate) struct RegressionSettings {
    pub threshold: f64,
    pub alpha: f64,
    pub metrics: Option<Vec<String>>,
    pub refuse_other_environment: bool,
    pub fail: bool,
}

/// A config error with its location: `perfaudit.toml:12:5: unknown field ...`.
#[derive(Debug)]
pub(crate) struct ConfigError {
    pub path: PathBuf,
    pub line: Option<(usize, usize)>,
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some((l, c)) => write!(f, "{}:{l}:{c}: {}", self.path.display(), self.message),
            None => write!(f, "{}: {}", self.path.display(), self.message),
        }
    }
}

impl std::error::Error for ConfigError {}

fn line_col(src: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(src.len());
    let before = &src[..offset];
    let line = before.matches('\n').count() + 1;
    let col = before.rfind('\n').map_or(offset, |i| offset - i - 1) + 1;
    (line, col)
}

/// Add "did you mean" to serde's `unknown field `x`, expected one of `a`, `b``.
fn improve_message(msg: &str) -> String {
    let msg = msg.trim_end();
    let Some(rest) = msg.strip_prefix("unknown field `") else {
        return msg.to_string();
    };
    let Some((field, tail)) = rest.split_once('`') else {
        return msg.to_string();
    };
    let expected: Vec<&str> = tail.split('`').skip(1).step_by(2).collect();
    match suggest(field, expected.iter().copied()) {
        Some(s) => format!("{msg}; did you mean `{s}`?"),
        None => msg.to_string(),
    }
}

/// Find the config: `perfaudit.toml` in DIR, or the file itself.
pub(crate) fn locate(dir_or_file: &Path) -> Result<PathBuf, ConfigError> {
    let p = if dir_or_file.is_dir() {
        dir_or_file.join(FILE_NAME)
    } else {
        dir_or_file.to_path_buf()
    };
    if !p.is_file() {
        return Err(ConfigError {
            path: p,
            line: None,
            message: "no such file (create a perfaudit.toml; see README, \"perfaudit audit\")"
                .into(),
        });
    }
    Ok(p)
}

pub(crate) fn load(path: &Path) -> Result<Settings, ConfigError> {
    let src = std::fs::read_to_string(path).map_err(|e| ConfigError {
        path: path.to_path_buf(),
        line: None,
        message: format!("cannot read: {e}"),
    })?;
    parse(&src, path)
}

pub(crate) fn parse(src: &str, path: &Path) -> Result<Settings, ConfigError> {
    let raw: RawConfig = toml::from_str(src).map_err(|e| ConfigError {
        path: path.to_path_buf(),
        line: e.span().map(|s| line_col(src, s.start)),
        message: improve_message(e.message()),
    })?;
    resolve(raw, src, path)
}

fn split_command(spec: &CommandSpec) -> Result<(Vec<String>, String), String> {
    match spec {
        CommandSpec::Argv(v) if v.is_empty() => Err("the command is empty".into()),
        CommandSpec::Argv(v) => Ok((v.clone(), v.join(" "))),
        CommandSpec::Line(s) => {
            let argv = perfaudit_bench::split_words(s).map_err(|e| e.to_string())?;
            if argv.is_empty() {
                return Err("the command is empty".into());
            }
            Ok((argv, s.clone()))
        }
    }
}

fn signal_number(name: &str) -> Option<i32> {
    let n = name.trim().to_ascii_uppercase();
    let n = n.strip_prefix("SIG").unwrap_or(&n);
    Some(match n {
        "TERM" => libc::SIGTERM,
        "INT" => libc::SIGINT,
        "KILL" => libc::SIGKILL,
        "HUP" => libc::SIGHUP,
        "QUIT" => libc::SIGQUIT,
        "USR1" => libc::SIGUSR1,
        "USR2" => libc::SIGUSR2,
        _ => return None,
    })
}

/// The name a URL's path gives a scenario: `/documents?x=1` -> `documents`.
fn name_from_url(url: &str) -> String {
    let path = url
        .split_once("://")
        .map_or(url, |(_, rest)| rest.find('/').map_or("", |i| &rest[i..]));
    let path = path.split(['?', '#']).next().unwrap_or("");
    let name: String = path
        .trim_matches('/')
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if name.is_empty() {
        "root".into()
    } else {
        name
    }
}

fn resolve(raw: RawConfig, src: &str, path: &Path) -> Result<Settings, ConfigError> {
    let err_at = |span: Option<std::ops::Range<usize>>, message: String| ConfigError {
        path: path.to_path_buf(),
        line: span.map(|s| line_col(src, s.start)),
        message,
    };
    let base_dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
    let base_dir = base_dir.canonicalize().unwrap_or(base_dir);
    let rel = |p: &str| -> PathBuf {
        let pb = PathBuf::from(p);
        if pb.is_absolute() {
            pb
        } else {
            base_dir.join(pb)
        }
    };
    let dur =
        |s: &Option<String>, default: Duration, what: &str| -> Result<Duration, ConfigError> {
            match s {
                None => Ok(default),
                Some(s) => parse_duration(s).map_err(|e| err_at(None, format!("{what}: {e}"))),
            }
        };

    let project = raw.project.name.clone().unwrap_or_else(|| {
        base_dir
            .file_name()
            .map_or_else(|| "project".into(), |n| n.to_string_lossy().into_owned())
    });
    let scan = match raw.project.scan.unwrap_or(true) {
        false => None,
        true => Some(ScanSettings {
            root: rel(raw.project.path.as_deref().unwrap_or(".")),
            engine: perfaudit_scan::ScanSettings::resolve(
                &perfaudit_scan::CliOverrides::default(),
                raw.scan.as_ref(),
            )
            .map_err(|e| err_at(None, format!("[scan] {e}")))?,
        }),
    };

    let service = match &raw.service {
        None => None,
        Some(s) => {
            let (argv, display) = split_command(&s.command)
                .map_err(|e| err_at(None, format!("[service] command: {e}")))?;
            let port = match &s.port {
                None => None,
                Some(PortSpec::Fixed(p)) => Some(*p),
                Some(PortSpec::Auto(a)) if a == "auto" => None,
                Some(PortSpec::Auto(a)) => {
                    return Err(err_at(
                        None,
                        format!("[service] port: `{a}` is not a port number or \"auto\""),
                    ))
                }
            };
            let stop_signal = match &s.stop_signal {
                None => libc::SIGTERM,
                Some(n) => signal_number(n).ok_or_else(|| {
                    err_at(
                        None,
                        format!("[service] stop_signal: unknown signal `{n}` (SIGTERM, SIGINT, SIGKILL, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2)"),
                    )
                })?,
            };
            let ready_url = s.ready_url.clone().unwrap_or_else(|| "/".into());
            if ready_url.starts_with("https://") {
                return Err(err_at(
                    None,
                    format!("[service] ready_url `{ready_url}`: readiness is checked over plain http; use the service's http URL"),
                ));
            }
            Some(ServiceSettings {
                argv,
                display,
                cwd: rel(s.cwd.as_deref().unwrap_or(".")),
                env: s.env.clone(),
                port,
                ready_url,
                ready_timeout: dur(
                    &s.ready_timeout,
                    Duration::from_secs(30),
                    "[service] ready_timeout",
                )?,
                stop_signal,
                stop_timeout: dur(
                    &s.stop_timeout,
                    Duration::from_secs(5),
                    "[service] stop_timeout",
                )?,
            })
        }
    };

    let mut load = Vec::new();
    for l in &raw.load {
        let span = Some(l.span());
        let table = l.get_ref().clone();
        let what = match &table.name {
            Some(n) => format!("[[load]] `{n}`"),
            None => "[[load]]".to_string(),
        };
        if table.url.is_none() && table.scenario.is_none() && table.endpoints.is_empty() {
            return Err(err_at(
                span,
                format!("{what} needs a `url`, a `scenario` file or `[[load.endpoints]]`"),
            ));
        }
        let file_stem = table.scenario.as_deref().map(|p| {
            Path::new(p)
                .file_stem()
                .map_or_else(|| "scenario".into(), |s| s.to_string_lossy().into_owned())
        });
        let table_url = table.url.clone();
        let sc = table
            .resolve(&base_dir)
            .map_err(|e| err_at(span.clone(), format!("{what}: {e}")))?;
        let absolute = |u: &str| u.starts_with("http://") || u.starts_with("https://");
        if service.is_none() {
            let relative = match &sc.url {
                Some(u) => !absolute(u),
                None => !sc.endpoints.iter().any(|e| absolute(&e.url)),
            };
            if relative {
                return Err(err_at(
                    span,
                    format!(
                        "{what} url `{}` is relative but there is no [service] to resolve it against",
                        sc.url.as_deref().unwrap_or("/")
                    ),
                ));
            }
        }
        let name = sc
            .name
            .clone()
            .or(file_stem)
            .or_else(|| table_url.as_deref().map(name_from_url))
            .unwrap_or_else(|| "load".into());
        if load.iter().any(|x: &LoadSettings| x.name == name) {
            return Err(err_at(
                span,
                format!("[[load]] name `{name}` is used twice; give each scenario a `name`"),
            ));
        }
        // The audit's defaults lie under everything: 4 connections (unless stages ramp the
        // connections), 10 s.
        let ramps_connections = sc.stages.iter().any(|st| st.connections.is_some());
        let defaults = perfaudit_load::Scenario {
            connections: (!ramps_connections).then_some(4),
            ..perfaudit_load::Scenario::default()
        };
        let settings = LoadSettings {
            name: name.clone(),
            scenario: defaults.overlay(sc),
        };
        // Check everything now (durations, templates, data files, thresholds), against a
        // stand-in port, so that a bad key fails before any stage runs.
        super::stages::load_plan(&settings, service.as_ref().map(|_| 1))
            .map_err(|e| err_at(span.clone(), format!("[[load]] `{name}`: {e}")))?;
        load.push(settings);
    }

    let mut bench = Vec::new();
    for b in &raw.bench {
        let span = Some(b.span());
        let b = b.get_ref();
        let (argv, display) = split_command(&b.command)
            .map_err(|e| err_at(span.clone(), format!("[[bench]] command: {e}")))?;
        let name = b
            .name
            .clone()
            .unwrap_or_else(|| format!("bench{}", bench.len() + 1));
        bench.push(BenchSettings {
            name,
            argv,
            display,
            runs: b.runs.unwrap_or(10).max(2),
            warmup: b.warmup.unwrap_or(1),
            cwd: rel(b.cwd.as_deref().unwrap_or(".")),
        });
    }

    let imports: Vec<ImportsSettings> = raw
        .imports
        .iter()
        .map(|i| {
            let i = i.get_ref();
            ImportsSettings {
                module: i.module.clone(),
                runs: i.runs.unwrap_or(5).max(1),
                python: i.python.clone().unwrap_or_else(|| "python3".into()),
                cwd: rel(i.cwd.as_deref().unwrap_or(".")),
            }
        })
        .collect();

    let mut alerts = Vec::new();
    for a in &raw.monitor.alerts {
        alerts.push(
            perfaudit_monitor::AlertRule::parse(a)
                .map_err(|e| err_at(None, format!("[monitor] alerts: {e}")))?,
        );
    }
    let monitor = (raw.monitor.enabled && service.is_some())
        .then(|| {
            dur(
                &raw.monitor.interval,
                Duration::from_millis(100),
                "[monitor] interval",
            )
            .map(|interval| MonitorSettings { interval, alerts })
        })
        .transpose()?;

    let profile =
        super::profile::resolve(&raw.profile, service.as_ref()).map_err(|e| err_at(None, e))?;

    // KPIs: names from the catalog, targets in the metric's dimension.
    let names: Vec<String> = load.iter().map(|l| l.name.clone()).collect();
    let bnames: Vec<String> = bench.iter().map(|b| b.name.clone()).collect();
    let modules: Vec<String> = imports.iter().map(|i| i.module.clone()).collect();
    let cat = catalog(&names, &bnames, &modules);
    let mut kpis = Vec::new();
    for (metric, spec) in &raw.kpis.0 {
        let span = Some(spec.span());
        let Some((_, dim, better)) = cat.iter().find(|(n, _, _)| n == metric) else {
            let hint = suggest(metric, cat.iter().map(|(n, _, _)| n.as_str()))
                .map(|s| format!("; did you mean `{s}`?"))
                .unwrap_or_else(|| {
                    "; see README, \"perfaudit audit\", for the metric names".into()
                });
            return Err(err_at(
                span,
                format!("[kpis] unknown metric `{metric}`{hint}"),
            ));
        };
        let (target_s, warn_s) = match spec.get_ref() {
            KpiSpec::Target(t) => (t.clone(), None),
            KpiSpec::Detailed(d) => (d.target.clone(), d.warn.clone()),
        };
        let (op, target) = parse_target(&target_s, *dim)
            .map_err(|e| err_at(span.clone(), format!("[kpis] {metric}: {e}")))?;
        let warn = warn_s
            .map(|w| parse_target(&w, *dim))
            .transpose()
            .map_err(|e| err_at(span.clone(), format!("[kpis] {metric} warn: {e}")))?;
        let _ = better;
        kpis.push((
            Kpi {
                metric: metric.clone(),
                op,
                target,
                expr: target_s.trim().to_string(),
                warn_margin: 0.1,
            },
            warn,
        ));
    }

    let r = &raw.regression;
    let threshold = match &r.threshold {
        None => 0.2,
        Some(t) => {
            parse_fraction(t).map_err(|e| err_at(None, format!("[regression] threshold: {e}")))?
        }
    };
    let alpha = r.significance.unwrap_or(0.01);
    if !(alpha > 0.0 && alpha < 1.0) {
        return Err(err_at(
            None,
            "[regression] significance must be between 0 and 1 (e.g. 0.01)".into(),
        ));
    }
    if let Some(ms) = &r.metrics {
        for m in ms {
            if !cat.iter().any(|(n, _, _)| n == m) {
                let hint = suggest(m, cat.iter().map(|(n, _, _)| n.as_str()))
                    .map(|s| format!("; did you mean `{s}`?"))
                    .unwrap_or_default();
                return Err(err_at(
                    None,
                    format!("[regression] metrics: unknown metric `{m}`{hint}"),
                ));
            }
        }
    }
    let refuse = match r.environment.as_deref() {
        None | Some("warn") => false,
        Some("refuse") => true,
        Some(o) => {
            return Err(err_at(
                None,
                format!("[regression] environment: `{o}` is not \"warn\" or \"refuse\""),
            ))
        }
    };
    let regression = RegressionSettings {
        threshold,
        alpha,
        metrics: r.metrics.clone(),
        refuse_other_environment: refuse,
        fail: r.fail.unwrap_or(true),
    };
    let history = raw.history.store.unwrap_or(true).then(|| {
        rel(raw
            .history
            .path
            .as_deref()
            .unwrap_or(perfaudit_history::DEFAULT_PATH))
    });

    Ok(Settings {
        config_path: path.to_path_buf(),
        base_dir,
        project,
        scan,
        service,
        load,
        bench,
        imports,
        monitor,
        profile,
        kpis,
        regression,
        history,
    })
}

/// `< 100ms` -> (Lt, 100.0) in the dimension's unit.
pub(crate) fn parse_target(s: &str, dim: Dim) -> Result<(Op, f64), String> {
    let t = s.trim();
    let (op, rest) = if let Some(r) = t.strip_prefix("<=") {
        (Op::Le, r)
    } else if let Some(r) = t.strip_prefix(">=") {
        (Op::Ge, r)
    } else if let Some(r) = t.strip_prefix("==") {
        (Op::Eq, r)
    } else if let Some(r) = t.strip_prefix('<') {
        (Op::Lt, r)
    } else if let Some(r) = t.strip_prefix('>') {
        (Op::Gt, r)
    } else if let Some(r) = t.strip_prefix('=') {
        (Op::Eq, r)
    } else {
        return Err(format!(
            "`{s}` needs a comparison: `< 100ms`, `<= 1%`, `> 500`, `== 0`"
        ));
    };
    let v = parse_quantity(rest, dim)?;
    Ok((op, v))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(s: &str) -> Result<Settings, ConfigError> {
        parse(s, Path::new("/tmp/x/perfaudit.toml"))
    }

    #[test]
    fn a_full_config_resolves() {
        let s = parse_str(
            r#"
[project]
name = "docs"
path = "src"

[service]
command = "python3 app.py --port {port}"
ready_url = "/health"
env = { DELAY = "0" }

[[load]]
url = "/documents?limit=10"
duration = "2s"
connections = 2

[[load]]
name = "search"
url = "/search?q=x"
rate = 50

[[bench]]
name = "help"
command = ["python3", "-c", "pass"]
runs = 3

[[imports]]
module = "app"

[kpis]
"latency.p95" = "< 100ms"
error_rate = "< 1%"
"rss.max" = { target = "< 500MB", warn = "< 200MB" }
"load.search.rps" = "> 40"
"findings.error" = "== 0"

[regression]
threshold = "25%"
significance = 0.05
"#,
        )
        .unwrap();
        assert_eq!(s.project, "docs");
        let svc = s.service.unwrap();
        assert_eq!(svc.argv, ["python3", "app.py", "--port", "{port}"]);
        assert_eq!(s.load[0].name, "documents");
        assert_eq!(s.load[0].scenario.connections, Some(2));
        assert_eq!(
            s.load[1].scenario.connections,
            Some(4),
            "the audit's default"
        );
        assert_eq!(s.load[0].scenario.duration.as_deref(), Some("2s"));
        assert_eq!(s.load[1].scenario.rate, Some(50.0));
        assert_eq!(s.kpis.len(), 5);
        assert_eq!(s.kpis[0].0.metric, "latency.p95", "document order kept");
        assert_eq!(s.kpis[0].0.target, 100.0);
        assert_eq!(s.kpis[2].0.target, 500e6);
        assert_eq!(s.kpis[2].1, Some((Op::Lt, 200e6)));
        assert_eq!(s.regression.threshold, 0.25);
        assert!(s.history.unwrap().ends_with(".perfaudit/history.db"));
    }

    #[test]
    fn unknown_keys_name_the_line_and_a_suggestion() {
        let e = parse_str("[service]\ncommand = \"x\"\n\n[[load]]\nurl = \"/\"\nrat = 5\n")
            .unwrap_err();
        assert_eq!(e.line.map(|l| l.0), Some(6), "{e}");
        assert!(e.to_string().contains("did you mean `rate`?"), "{e}");
        let e = parse_str("[servce]\ncommand = \"x\"\n").unwrap_err();
        assert!(e.to_string().contains("did you mean `service`?"), "{e}");
        assert_eq!(e.line.map(|l| l.0), Some(1));
    }

    #[test]
    fn bad_kpis_are_rejected_with_their_line() {
        let e = parse_str("[kpis]\n\"latncy.p95\" = \"< 10ms\"\n").unwrap_err();
        assert!(e.to_string().contains("did you mean `latency.p95`?"), "{e}");
        assert_eq!(e.line.map(|l| l.0), Some(2));
        let e = parse_str("[kpis]\n\"rss.max\" = \"< 10ms\"\n").unwrap_err();
        assert!(e.to_string().contains("size"), "{e}");
        let e = parse_str("[kpis]\nrps = \"500\"\n").unwrap_err();
        assert!(e.to_string().contains("comparison"), "{e}");
    }

    #[test]
    fn shell_words_split_like_sh() {
        assert_eq!(
            perfaudit_bench::split_words(r#"python3 -c 'import a; print("x y")' "a b" c\ d"#)
                .unwrap(),
            ["python3", "-c", "import a; print(\"x y\")", "a b", "c d"]
        );
        assert!(perfaudit_bench::split_words("'open").is_err());
    }
}
