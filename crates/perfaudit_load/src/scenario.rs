//! Scenario files (TOML) and the settings they share with the command line. Both become a
//! [`Scenario`]; values given on the command line override the file's; [`Scenario::build`]
//! turns the result into a [`LoadPlan`].
//!
//! ```toml
//! url = "http://127.0.0.1:8000"      # base URL; endpoint urls are paths below it
//! connections = 32
//! duration = "30s"                    # or: requests = 10000
//! rate = 200                          # open model (requests/s); omit for closed
//! warmup = "5s"
//! timeout = "5s"
//! http2 = false
//! headers = { Accept = "application/json" }
//! thresholds = ["p95<100ms", "error_rate<1%"]
//!
//! [data]
//! users = "users.txt"                 # one value a line, for {{data.users}}
//!
//! [[endpoints]]
//! name = "item"
//! url = "/items/{{counter}}?user={{data.users}}"
//! weight = 3
//!
//! [[endpoints]]
//! name = "create"
//! method = "POST"
//! url = "/items"
//! headers = { Content-Type = "application/json", Authorization = "Bearer {{env.TOKEN}}" }
//! body = '{"name": "n{{counter}}"}'
//! thresholds = ["p99<250ms"]
//!
//! [[stages]]                          # ramp rate (or `connections`) from 0
//! duration = "10s"
//! rate = 200
//! ```

use crate::error::LoadError;
use crate::plan::{
    default_threads, parse_duration, Endpoint, HttpVersion, LoadPlan, Pacing, RateSchedule, Stage,
    Target,
};
use crate::template::{process_env, DataSets, Template};
use crate::threshold::ThresholdSpec;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Load settings from a scenario file, the command line, or a `[[load]]` table of
/// perfaudit.toml (which IS a scenario plus a name). Every field is optional.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// The scenario's name (the audit's metric names use it: `load.<name>.latency.p95`).
    pub name: Option<String>,
    /// A scenario file this one is based on: its keys are read first and the keys here
    /// override them (relative to the file or config that names it).
    pub scenario: Option<String>,
    /// Base URL (`http(s)://host:port[/path]`); with no endpoints it is the one endpoint.
    pub url: Option<String>,
    pub connections: Option<u32>,
    pub threads: Option<u32>,
    /// A duration: `30s`, `500ms`, `2m`, or a number of seconds (`30` or `"30"`).
    #[serde(default, deserialize_with = "duration_text")]
    pub duration: Option<String>,
    pub requests: Option<u64>,
    pub rate: Option<f64>,
    #[serde(default, deserialize_with = "duration_text")]
    pub warmup: Option<String>,
    #[serde(default, deserialize_with = "duration_text")]
    pub timeout: Option<String>,
    #[serde(default, deserialize_with = "duration_text")]
    pub grace: Option<String>,
    pub http2: Option<bool>,
    pub insecure: Option<bool>,
    /// PEM file of extra trusted CA certificates.
    pub cacert: Option<String>,
    pub new_connection_per_request: Option<bool>,
    /// Method for the URL endpoint (when no `[[endpoints]]`).
    pub method: Option<String>,
    /// Headers sent with every endpoint's requests (an endpoint's own win).
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// Body for the URL endpoint (when no `[[endpoints]]`).
    pub body: Option<String>,
    pub body_file: Option<String>,
    #[serde(default)]
    pub thresholds: Vec<String>,
    /// Named data files for `{{data.NAME}}`.
    #[serde(default)]
    pub data: BTreeMap<String, String>,
    #[serde(default)]
    pub endpoints: Vec<ScenarioEndpoint>,
    #[serde(default)]
    pub stages: Vec<ScenarioStage>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioEndpoint {
    pub name: Option<String>,
    /// A path below the base URL, or a full URL on the same origin.
    pub url: String,
    pub method: Option<String>,
    pub weight: Option<u32>,
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    pub body: Option<String>,
    pub body_file: Option<String>,
    #[serde(default)]
    pub thresholds: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioStage {
    #[serde(deserialize_with = "duration_text_required")]
    pub duration: String,
    pub rate: Option<f64>,
    pub connections: Option<u32>,
}

/// A duration written as a string (`"30s"`, `"30"`) or a bare TOML number of seconds (`30`).
fn duration_text<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Text {
        S(String),
        I(i64),
        F(f64),
    }
    Ok(Option::<Text>::deserialize(d)?.map(|t| match t {
        Text::S(s) => s,
        Text::I(i) => i.to_string(),
        Text::F(f) => f.to_string(),
    }))
}

fn duration_text_required<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    duration_text(d)?.ok_or_else(|| serde::de::Error::custom("missing duration"))
}

/// How deep `scenario = "base.toml"` chains may go (a loop is refused before that).
const MAX_BASES: usize = 8;

/// The largest request body or data file a scenario reads (64 MiB).
pub(crate) const MAX_FILE_BYTES: u64 = 64 << 20;

impl Scenario {
    /// Read a scenario file, with the file it is based on (`scenario = "base.toml"`) read
    /// first. File names inside (data files, bodies, the CA file, a base) are made absolute
    /// against the file's directory, so the result builds from any directory.
    pub fn from_file(path: &Path) -> Result<Scenario, LoadError> {
        Scenario::from_file_depth(path, 0)
    }

    fn from_file_depth(path: &Path, depth: usize) -> Result<Scenario, LoadError> {
        let text = std::fs::read_to_string(path).map_err(|source| LoadError::Read {
            path: path.display().to_string(),
            source,
        })?;
        let s = Scenario::from_toml(&text).map_err(|reason| LoadError::Scenario {
            path: path.display().to_string(),
            reason,
        })?;
        let dir = path.parent().unwrap_or(Path::new("."));
        s.with_base(dir, depth)
    }

    /// This scenario laid over the file it names in `scenario` (if any), with every file
    /// name made absolute against `dir` (the directory of the file or config holding it).
    pub fn resolve(self, dir: &Path) -> Result<Scenario, LoadError> {
        self.with_base(dir, 0)
    }

    fn with_base(mut self, dir: &Path, depth: usize) -> Result<Scenario, LoadError> {
        self.absolutize(dir);
        let Some(base) = self.scenario.take() else {
            return Ok(self);
        };
        if depth >= MAX_BASES {
            return Err(LoadError::Scenario {
                path: base,
                reason: format!("`scenario` bases nest more than {MAX_BASES} deep (a loop?)"),
            });
        }
        let base = Scenario::from_file_depth(Path::new(&base), depth + 1)?;
        Ok(base.overlay(self))
    }

    /// Make the file names this scenario holds absolute against `dir`.
    fn absolutize(&mut self, dir: &Path) {
        let abs = |v: &mut Option<String>| {
            if let Some(p) = v.as_mut() {
                *p = resolve(dir, p).display().to_string();
            }
        };
        abs(&mut self.scenario);
        abs(&mut self.body_file);
        abs(&mut self.cacert);
        for f in self.data.values_mut() {
            *f = resolve(dir, f).display().to_string();
        }
        for e in &mut self.endpoints {
            abs(&mut e.body_file);
        }
    }

    pub fn from_toml(text: &str) -> Result<Scenario, String> {
        toml::from_str(text).map_err(|e| e.to_string())
    }

    /// `over`'s values win where given; headers merge; thresholds add up; `over`'s endpoints
    /// and stages replace these when it has any. Every field is named here, so a field added
    /// to [`Scenario`] and not handled does not compile.
    pub fn overlay(self, over: Scenario) -> Scenario {
        let Scenario {
            name,
            scenario,
            url,
            connections,
            threads,
            duration,
            requests,
            rate,
            warmup,
            timeout,
            grace,
            http2,
            insecure,
            cacert,
            new_connection_per_request,
            method,
            headers,
            body,
            body_file,
            thresholds,
            data,
            endpoints,
            stages,
        } = over;
        let mut merged_headers = self.headers;
        merged_headers.extend(headers);
        let mut merged_thresholds = self.thresholds;
        merged_thresholds.extend(thresholds);
        let mut merged_data = self.data;
        merged_data.extend(data);
        // A body given over replaces the base's body of either kind.
        let (body, body_file) = if body.is_some() || body_file.is_some() {
            (body, body_file)
        } else {
            (self.body, self.body_file)
        };
        Scenario {
            name: name.or(self.name),
            scenario: scenario.or(self.scenario),
            url: url.or(self.url),
            connections: connections.or(self.connections),
            threads: threads.or(self.threads),
            duration: duration.or(self.duration),
            requests: requests.or(self.requests),
            rate: rate.or(self.rate),
            warmup: warmup.or(self.warmup),
            timeout: timeout.or(self.timeout),
            grace: grace.or(self.grace),
            http2: http2.or(self.http2),
            insecure: insecure.or(self.insecure),
            cacert: cacert.or(self.cacert),
            new_connection_per_request: new_connection_per_request
                .or(self.new_connection_per_request),
            method: method.or(self.method),
            headers: merged_headers,
            body,
            body_file,
            thresholds: merged_thresholds,
            data: merged_data,
            endpoints: if endpoints.is_empty() {
                self.endpoints
            } else {
                endpoints
            },
            stages: if stages.is_empty() {
                self.stages
            } else {
                stages
            },
        }
    }

    /// The plan these settings describe. `base_dir` resolves relative file names. Body and
    /// data files are read whole, up to [`MAX_FILE_BYTES`].
    pub fn build(&self, base_dir: &Path) -> Result<LoadPlan, LoadError> {
        let cfg = |m: String| LoadError::Config(m);
        let dur = |field: &str, v: &Option<String>| -> Result<Option<Duration>, LoadError> {
            v.as_deref()
                .map(|t| parse_duration(t).map_err(|e| cfg(format!("{field}: {e}"))))
                .transpose()
        };
        let read = |name: &str| -> Result<Vec<u8>, LoadError> {
            use std::io::Read;
            let p = resolve(base_dir, name);
            let err = |source| LoadError::Read {
                path: p.display().to_string(),
                source,
            };
            // Bounded: `--body-file /dev/zero` (or a FIFO that never ends) must not read until
            // memory runs out.
            let mut bytes = Vec::new();
            std::fs::File::open(&p)
                .and_then(|f| f.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes))
                .map_err(err)?;
            if bytes.len() as u64 > MAX_FILE_BYTES {
                return Err(err(std::io::Error::other(format!(
                    "larger than {} MiB (bodies and data files are held in memory)",
                    MAX_FILE_BYTES >> 20
                ))));
            }
            Ok(bytes)
        };

        let mut data = DataSets::default();
        for (name, file) in &self.data {
            let bytes = read(file)?;
            data.add(name, &String::from_utf8_lossy(&bytes))
                .map_err(cfg)?;
        }
        let env = process_env;
        let compile = |t: &str| Template::compile(t, &data, &env);

        // The origin: the base URL, else the first endpoint's full URL.
        let base = self
            .url
            .clone()
            .or_else(|| {
                self.endpoints
                    .iter()
                    .find(|e| e.url.contains("://"))
                    .map(|e| e.url.clone())
            })
            .ok_or_else(|| {
                cfg("no URL: give one on the command line or `url` in the scenario".into())
            })?;
        let (target, base_path) = Target::parse_url(&base)?;

        let shared_headers =
            |own: &BTreeMap<String, String>| -> Result<Vec<(String, Template)>, LoadError> {
                let mut all: BTreeMap<String, (String, String)> = BTreeMap::new();
                for (k, v) in self.headers.iter().chain(own) {
                    all.insert(k.to_ascii_lowercase(), (k.clone(), v.clone()));
                }
                all.into_values()
                    .map(|(k, v)| Ok((k, compile(&v)?)))
                    .collect()
            };
        let body_of =
            |body: &Option<String>, file: &Option<String>| -> Result<Template, LoadError> {
                match (body, file) {
                    (Some(_), Some(_)) => Err(cfg("give `body` or `body_file`, not both".into())),
                    (Some(b), None) => compile(b),
                    (None, Some(f)) => compile(&String::from_utf8_lossy(&read(f)?)),
                    (None, None) => Ok(Template::default()),
                }
            };

        let mut endpoints = Vec::new();
        let mut thresholds = Vec::new();
        if self.endpoints.is_empty() {
            let method = self
                .method
                .clone()
                .unwrap_or_else(|| "GET".into())
                .to_ascii_uppercase();
            endpoints.push(Endpoint {
                name: base_path.clone(),
                method,
                path: compile(&base_path)?,
                headers: shared_headers(&BTreeMap::new())?,
                body: body_of(&self.body, &self.body_file)?,
                weight: 1,
            });
        } else {
            for (i, e) in self.endpoints.iter().enumerate() {
                let path = if e.url.contains("://") {
                    let (t, p) = Target::parse_url(&e.url)?;
                    if t != target {
                        return Err(cfg(format!(
                            "endpoint {}: {} is not on {} (one origin per run)",
                            i + 1,
                            e.url,
                            target.origin()
                        )));
                    }
                    p
                } else if e.url.starts_with('/') {
                    format!("{}{}", base_path.trim_end_matches('/'), e.url)
                } else {
                    return Err(cfg(format!(
                        "endpoint {}: url `{}` must be a path starting with / or a full URL",
                        i + 1,
                        e.url
                    )));
                };
                let name = e.name.clone().unwrap_or_else(|| path.clone());
                if endpoints.iter().any(|x: &Endpoint| x.name == name) {
                    return Err(cfg(format!("two endpoints are named `{name}`")));
                }
                for t in &e.thresholds {
                    thresholds.push(ThresholdSpec::parse(t, Some(&name))?);
                }
                endpoints.push(Endpoint {
                    name,
                    method: e
                        .method
                        .clone()
                        .unwrap_or_else(|| "GET".into())
                        .to_ascii_uppercase(),
                    path: compile(&path)?,
                    headers: shared_headers(&e.headers)?,
                    body: body_of(&e.body, &e.body_file)?,
                    weight: e.weight.unwrap_or(1),
                });
            }
        }
        let mut overall = Vec::new();
        for t in &self.thresholds {
            overall.push(ThresholdSpec::parse(t, None)?);
        }
        overall.extend(thresholds);

        let mut stages = Vec::new();
        let (mut by_rate, mut by_conns) = (false, false);
        for (i, s) in self.stages.iter().enumerate() {
            let d =
                parse_duration(&s.duration).map_err(|e| cfg(format!("stage {}: {e}", i + 1)))?;
            let target = match (s.rate, s.connections) {
                (Some(r), None) => {
                    by_rate = true;
                    r
                }
                (None, Some(c)) => {
                    by_conns = true;
                    f64::from(c)
                }
                _ => {
                    return Err(cfg(format!(
                        "stage {}: give exactly one of `rate` or `connections`",
                        i + 1
                    )))
                }
            };
            stages.push(Stage {
                duration: d,
                target,
            });
        }
        if by_rate && by_conns {
            return Err(cfg(
                "stages ramp either `rate` or `connections`, not both".into()
            ));
        }
        let warmup = dur("warmup", &self.warmup)?.unwrap_or(Duration::ZERO);
        let stages_total: Duration = stages.iter().map(|s| s.duration).sum();
        let mut duration = dur("duration", &self.duration)?;
        if !stages.is_empty() && duration.is_none() {
            duration = Some(
                stages_total
                    .checked_sub(warmup)
                    .ok_or_else(|| cfg("the warm-up is longer than the stages".into()))?,
            );
        }
        if duration.is_none() && self.requests.is_none() {
            duration = Some(Duration::from_secs(10));
        }
        let max_stage_conns = stages.iter().map(|s| s.target).fold(0.0, f64::max);
        let connections = match self.connections {
            Some(c) => c,
            None if by_conns => max_stage_conns.ceil() as u32,
            None => 50,
        };
        let pacing = if by_rate {
            if self.rate.is_some() {
                return Err(cfg("give `rate` or rate stages, not both".into()));
            }
            Pacing::Rate(RateSchedule::stages(0.0, &stages))
        } else if by_conns {
            Pacing::Connections(stages)
        } else if let Some(r) = self.rate {
            Pacing::Rate(RateSchedule::constant(r))
        } else {
            Pacing::Closed
        };
        let mut ca_der = Vec::new();
        if let Some(ca) = &self.cacert {
            ca_der = pem_certs(&read(ca)?).map_err(|e| cfg(format!("{ca}: {e}")))?;
        }
        let plan = LoadPlan {
            target,
            endpoints,
            data,
            connections,
            threads: self.threads.unwrap_or_else(default_threads),
            requests: self.requests,
            duration,
            warmup,
            pacing,
            timeout: dur("timeout", &self.timeout)?.unwrap_or(Duration::from_secs(10)),
            grace: dur("grace", &self.grace)?.unwrap_or(Duration::from_secs(1)),
            http: if self.http2 == Some(true) {
                HttpVersion::Http2
            } else {
                HttpVersion::Http1
            },
            insecure: self.insecure.unwrap_or(false),
            ca_der,
            new_connection_per_request: self.new_connection_per_request.unwrap_or(false),
            thresholds: overall,
        };
        plan.validate()?;
        Ok(plan)
    }
}

fn resolve(base: &Path, name: &str) -> PathBuf {
    let p = Path::new(name);
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        base.join(p)
    }
}

/// The DER certificates of a PEM file.
fn pem_certs(pem: &[u8]) -> Result<Vec<Vec<u8>>, String> {
    use base64::Engine as _;
    let text = String::from_utf8_lossy(pem);
    let mut out = Vec::new();
    let mut cur: Option<String> = None;
    for line in text.lines() {
        let line = line.trim();
        if line == "-----BEGIN CERTIFICATE-----" {
            cur = Some(String::new());
        } else if line == "-----END CERTIFICATE-----" {
            let b64 = cur.take().ok_or("END without BEGIN")?;
            out.push(
                base64::engine::general_purpose::STANDARD
                    .decode(b64)
                    .map_err(|e| format!("bad base64 in certificate: {e}"))?,
            );
        } else if let Some(c) = cur.as_mut() {
            c.push_str(line);
        }
    }
    if out.is_empty() {
        return Err("no PEM certificate found".into());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_endless_body_file_is_refused_not_read_until_memory_runs_out() {
        // Issue 21: `--body-file /dev/zero` read until out of memory.
        let s = Scenario::from_toml(
            "url = \"http://127.0.0.1:9/\"\nmethod = \"POST\"\nbody_file = \"/dev/zero\"\n",
        )
        .unwrap();
        let e = s.build(Path::new("/")).unwrap_err().to_string();
        assert!(
            e.contains("/dev/zero") && e.contains("larger than 64 MiB"),
            "{e}"
        );
    }

    #[test]
    fn builds_endpoints_weights_thresholds_and_stages() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("users.txt"), "ann\nbob\n").unwrap();
        let s = Scenario::from_toml(
            r#"
url = "http://127.0.0.1:9/api"
duration = "3s"
thresholds = ["p95<100ms"]
headers = { Accept = "application/json" }
[data]
users = "users.txt"
[[endpoints]]
name = "get"
url = "/u/{{data.users}}"
weight = 3
thresholds = ["p99<1s"]
[[endpoints]]
method = "post"
url = "/items"
body = '{"n": {{counter}}}'
headers = { accept = "text/plain" }
[[stages]]
duration = "2s"
rate = 100
[[stages]]
duration = "1s"
rate = 100
"#,
        )
        .unwrap();
        let plan = s.build(dir.path()).unwrap();
        assert_eq!(plan.endpoints.len(), 2);
        assert_eq!(plan.endpoints[0].path.source(), "/api/u/{{data.users}}");
        assert_eq!(plan.endpoints[0].weight, 3);
        assert_eq!(plan.endpoints[1].name, "/api/items");
        assert_eq!(plan.endpoints[1].method, "POST");
        assert_eq!(
            plan.endpoints[1].headers.len(),
            1,
            "endpoint header overrides shared one"
        );
        assert_eq!(plan.endpoints[1].headers[0].1.source(), "text/plain");
        assert_eq!(plan.thresholds.len(), 2);
        assert_eq!(plan.thresholds[1].endpoint.as_deref(), Some("get"));
        assert_eq!(plan.duration, Some(Duration::from_secs(3)));
        match &plan.pacing {
            Pacing::Rate(r) => assert_eq!(r.count_before(3.0), 200),
            p => panic!("{p:?}"),
        }
    }

    #[test]
    fn overlay_and_errors() {
        let file =
            Scenario::from_toml("url = \"http://a:1/\"\nconnections = 5\nthresholds=[\"rps>1\"]")
                .unwrap();
        let cli = Scenario {
            connections: Some(7),
            thresholds: vec!["p99<1s".into()],
            ..Default::default()
        };
        let s = file.overlay(cli);
        assert_eq!(s.connections, Some(7));
        assert_eq!(s.thresholds.len(), 2);
        assert!(Scenario::from_toml("conections = 5")
            .unwrap_err()
            .contains("conections"));
        let bad =
            Scenario::from_toml("url = \"http://a:1/\"\n[[endpoints]]\nurl = \"http://b:2/\"")
                .unwrap();
        assert!(bad
            .build(Path::new("."))
            .unwrap_err()
            .to_string()
            .contains("one origin"));
        let bad = Scenario::from_toml(
            "url = \"http://a:1/\"\n[[stages]]\nduration = \"1s\"\nrate = 1\nconnections = 2",
        )
        .unwrap();
        assert!(bad.build(Path::new(".")).is_err());
        let bad = Scenario::from_toml("url = \"http://a:1/\"\n[data]\nx = \"/nonexistent/file\"")
            .unwrap();
        assert!(bad
            .build(Path::new("."))
            .unwrap_err()
            .to_string()
            .contains("/nonexistent/file"));
    }
}
