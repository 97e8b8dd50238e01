//! What to run: the target, endpoints, how many connections, when to stop (a request count
//! and/or a deadline) and how to pace (closed, a rate, or stages). Built by the CLI or a
//! scenario file ([`crate::Scenario`]); the engine only reads it.

use crate::error::LoadError;
use crate::template::{DataSets, Template};
use crate::threshold::ThresholdSpec;
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    Http,
    Https,
}

/// Where requests go: one origin (every endpoint of a run shares it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub scheme: Scheme,
    pub host: String,
    pub port: u16,
}

impl Target {
    /// Split `http(s)://host[:port][/path?query]` into the origin and the path (default `/`).
    pub fn parse_url(url: &str) -> Result<(Target, String), LoadError> {
        let bad = |reason: &str| LoadError::Url {
            url: url.to_string(),
            reason: reason.to_string(),
        };
        let (scheme, rest) = if let Some(r) = url.strip_prefix("http://") {
            (Scheme::Http, r)
        } else if let Some(r) = url.strip_prefix("https://") {
            (Scheme::Https, r)
        } else {
            return Err(bad("it must start with http:// or https://"));
        };
        let split = rest.find(['/', '?']).unwrap_or(rest.len());
        let (authority, path) = rest.split_at(split);
        if authority.contains('@') {
            return Err(bad(
                "user info in URLs is not supported; pass -H 'Authorization: ...'",
            ));
        }
        let default_port = if scheme == Scheme::Http { 80 } else { 443 };
        let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
            let end = v6
                .find(']')
                .ok_or_else(|| bad("unclosed `[` in IPv6 host"))?;
            let host = &v6[..end];
            let port = match &v6[end + 1..] {
                "" => default_port,
                p => p
                    .strip_prefix(':')
                    .and_then(|p| p.parse().ok())
                    .ok_or_else(|| bad("invalid port"))?,
            };
            (host.to_string(), port)
        } else {
            match authority.rsplit_once(':') {
                Some((h, p)) => (h.to_string(), p.parse().map_err(|_| bad("invalid port"))?),
                None => (authority.to_string(), default_port),
            }
        };
        if host.is_empty() {
            return Err(bad("no host"));
        }
        let path = if path.is_empty() {
            "/".to_string()
        } else if path.starts_with('?') {
            format!("/{path}")
        } else {
            path.to_string()
        };
        Ok((Target { scheme, host, port }, path))
    }

    /// The `Host` header / `:authority` value.
    pub fn authority(&self) -> String {
        let default = matches!(
            (self.scheme, self.port),
            (Scheme::Http, 80) | (Scheme::Https, 443)
        );
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        if default {
            host
        } else {
            format!("{host}:{}", self.port)
        }
    }

    /// `scheme://authority`.
    pub fn origin(&self) -> String {
        let s = match self.scheme {
            Scheme::Http => "http",
            Scheme::Https => "https",
        };
        format!("{s}://{}", self.authority())
    }
}

/// One kind of request of a scenario.
#[derive(Debug, Clone)]
pub struct Endpoint {
    pub name: String,
    pub method: String,
    /// Path and query, e.g. `/items?page={{counter}}`.
    pub path: Template,
    pub headers: Vec<(String, Template)>,
    pub body: Template,
    /// Relative share of requests (smooth weighted round-robin: exact proportions).
    pub weight: u32,
}

impl Endpoint {
    /// A `GET` of `path` named after it.
    pub fn get(path: &str) -> Endpoint {
        Endpoint {
            name: path.to_string(),
            method: "GET".to_string(),
            path: Template::literal(path),
            headers: Vec::new(),
            body: Template::default(),
            weight: 1,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HttpVersion {
    Http1,
    Http2,
}

/// One stage: ramp linearly from the previous stage's target (0 before the first) to `target`
/// (requests/s or connections) over `duration`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Stage {
    pub duration: Duration,
    pub target: f64,
}

/// How requests are paced. One hot loop serves all three.
#[derive(Debug, Clone, PartialEq)]
pub enum Pacing {
    /// Closed model: each connection sends its next request when the previous one completed.
    Closed,
    /// Open model: requests leave on a schedule; latency counts from the scheduled time.
    Rate(RateSchedule),
    /// Closed model whose number of active connections follows stages.
    Connections(Vec<Stage>),
}

/// The open model's schedule: piecewise-linear request rate over time.
#[derive(Debug, Clone, PartialEq)]
pub struct RateSchedule {
    segs: Vec<Segment>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
struct Segment {
    start: f64,
    /// Seconds; infinite for a constant rate without end.
    len: f64,
    r0: f64,
    r1: f64,
    /// Requests scheduled before this segment.
    before: f64,
}

impl RateSchedule {
    /// A constant rate, forever (the stop condition ends it).
    pub fn constant(rate: f64) -> RateSchedule {
        RateSchedule {
            segs: vec![Segment {
                start: 0.0,
                len: f64::INFINITY,
                r0: rate,
                r1: rate,
                before: 0.0,
            }],
        }
    }

    /// Stages ramping the rate, starting from `start_rate`.
    pub fn stages(start_rate: f64, stages: &[Stage]) -> RateSchedule {
        let mut segs = Vec::new();
        let (mut t, mut r, mut before) = (0.0, start_rate, 0.0);
        for s in stages {
            let len = s.duration.as_secs_f64();
            segs.push(Segment {
                start: t,
                len,
                r0: r,
                r1: s.target,
                before,
            });
            before += (r + s.target) / 2.0 * len;
            t += len;
            r = s.target;
        }
        RateSchedule { segs }
    }

    /// Highest rate the schedule reaches.
    pub fn peak(&self) -> f64 {
        self.segs.iter().map(|s| s.r0.max(s.r1)).fold(0.0, f64::max)
    }

    /// Requests scheduled strictly before `t` seconds.
    pub fn count_before(&self, t: f64) -> u64 {
        let mut total = 0.0;
        for s in &self.segs {
            if t <= s.start {
                break;
            }
            let tau = (t - s.start).min(s.len);
            total = s.before + s.r0 * tau + (s.r1 - s.r0) * tau * tau / (2.0 * s.len);
            if s.len.is_infinite() {
                total = s.before + s.r0 * tau;
            }
        }
        (total - 1e-9).ceil().max(0.0) as u64
    }

    /// When request `i` (0-based) is due, seconds from the start; None past the schedule's end.
    pub fn time_of(&self, i: u64) -> Option<f64> {
        let x = i as f64;
        for s in &self.segs {
            let count = if s.len.is_infinite() {
                f64::INFINITY
            } else {
                (s.r0 + s.r1) / 2.0 * s.len
            };
            if x >= s.before + count || count == 0.0 {
                continue;
            }
            let y = x - s.before;
            let a = if s.len.is_infinite() {
                0.0
            } else {
                (s.r1 - s.r0) / (2.0 * s.len)
            };
            let tau = if a.abs() < 1e-12 {
                y / s.r0
            } else {
                let disc = (s.r0 * s.r0 + 4.0 * a * y).max(0.0);
                (-s.r0 + disc.sqrt()) / (2.0 * a)
            };
            return Some(s.start + tau.clamp(0.0, s.len));
        }
        None
    }
}

/// Number of active connections at `t` seconds under connection stages (ramping from 0).
pub(crate) fn connections_at(stages: &[Stage], t: f64) -> f64 {
    let (mut start, mut prev) = (0.0, 0.0);
    for s in stages {
        let len = s.duration.as_secs_f64();
        if t < start + len {
            return prev + (s.target - prev) * ((t - start) / len);
        }
        start += len;
        prev = s.target;
    }
    prev
}

/// Earliest time >= `now` at which connection `index` (0-based) is active, if any before `end`.
pub(crate) fn next_active(stages: &[Stage], index: u32, now: f64, end: f64) -> Option<f64> {
    let need = index as f64 + 1.0;
    if connections_at(stages, now) >= need - 1e-9 {
        return Some(now);
    }
    let (mut start, mut prev) = (0.0, 0.0);
    for s in stages {
        let len = s.duration.as_secs_f64();
        let seg_end = start + len;
        if seg_end > now && s.target >= need && s.target > prev {
            let at = start + (need - prev) / (s.target - prev) * len;
            let at = at.max(now).max(start);
            return (at < end).then_some(at);
        }
        start = seg_end;
        prev = s.target;
    }
    if prev >= need && start < end {
        return Some(start.max(now));
    }
    None
}

/// Everything a run needs.
#[derive(Debug, Clone)]
pub struct LoadPlan {
    pub target: Target,
    pub endpoints: Vec<Endpoint>,
    pub data: DataSets,
    /// Concurrent connections (the peak, with connection stages).
    pub connections: u32,
    /// Worker threads, each with its own event loop and share of the connections.
    pub threads: u32,
    /// Stop after this many measured requests...
    pub requests: Option<u64>,
    /// ...and/or after this long (measurement time, after the warm-up).
    pub duration: Option<Duration>,
    /// Requests due during the warm-up are sent but not measured.
    pub warmup: Duration,
    pub pacing: Pacing,
    /// Per request (and per connect): no complete response by then is a `timeout`.
    pub timeout: Duration,
    /// After the deadline, in-flight requests get this long to finish; then the run ends.
    pub grace: Duration,
    pub http: HttpVersion,
    /// Accept any TLS certificate.
    pub insecure: bool,
    /// Extra trusted root certificates (DER), besides the Mozilla roots.
    pub ca_der: Vec<Vec<u8>>,
    /// Open a fresh connection for every request.
    pub new_connection_per_request: bool,
    pub thresholds: Vec<ThresholdSpec>,
}

impl LoadPlan {
    /// A plan for `GET url`: 10 s, 50 connections, one thread per core, closed model.
    pub fn for_url(url: &str) -> Result<LoadPlan, LoadError> {
        let (target, path) = Target::parse_url(url)?;
        Ok(LoadPlan {
            target,
            endpoints: vec![Endpoint::get(&path)],
            data: DataSets::default(),
            connections: 50,
            threads: default_threads(),
            requests: None,
            duration: Some(Duration::from_secs(10)),
            warmup: Duration::ZERO,
            pacing: Pacing::Closed,
            timeout: Duration::from_secs(10),
            grace: Duration::from_secs(1),
            http: HttpVersion::Http1,
            insecure: false,
            ca_der: Vec::new(),
            new_connection_per_request: false,
            thresholds: Vec::new(),
        })
    }

    /// Check the plan is runnable; explains the first problem.
    pub fn validate(&self) -> Result<(), LoadError> {
        let bad = |m: String| Err(LoadError::Config(m));
        if self.endpoints.is_empty() {
            return bad("no endpoint to load".into());
        }
        if self.endpoints.iter().all(|e| e.weight == 0) {
            return bad("every endpoint has weight 0".into());
        }
        if self.connections == 0 {
            return bad("--connections must be at least 1".into());
        }
        if self.threads == 0 {
            return bad("--threads must be at least 1".into());
        }
        if self.requests.is_none() && self.duration.is_none() {
            return bad("give a duration (-d) or a request count (-n)".into());
        }
        if self.requests == Some(0) {
            return bad("--requests must be at least 1".into());
        }
        if self.timeout.is_zero() {
            return bad("--timeout must be positive".into());
        }
        match &self.pacing {
            Pacing::Rate(s) if s.peak() <= 0.0 || !s.peak().is_finite() => {
                return bad("--rate must be a positive number of requests per second".into())
            }
            Pacing::Connections(stages) if stages.iter().all(|s| s.target < 1.0) => {
                return bad("connection stages never open a connection".into())
            }
            _ => {}
        }
        for e in &self.endpoints {
            if e.method.is_empty() || !e.method.bytes().all(|b| b.is_ascii_alphabetic()) {
                return bad(format!("invalid method `{}`", e.method));
            }
            for (name, _) in &e.headers {
                if name.is_empty() || name.bytes().any(|b| !is_token(b)) {
                    return bad(format!("invalid header name `{name}`"));
                }
            }
        }
        Ok(())
    }

    /// `closed` or `open`.
    pub fn model(&self) -> &'static str {
        match self.pacing {
            Pacing::Rate(_) => "open",
            _ => "closed",
        }
    }
}

fn is_token(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// One worker thread per core.
pub fn default_threads() -> u32 {
    std::thread::available_parallelism().map_or(1, |n| n.get() as u32)
}

/// `250ms`, `30s`, `2m`, `1h`, `1.5s`, `100us`; a bare number is seconds (the workspace's one
/// duration grammar, `perfaudit_model::units`).
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    perfaudit_model::units::parse_duration(text).map_err(String::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        let (t, p) = Target::parse_url("http://127.0.0.1:8080/a?b=1").unwrap();
        assert_eq!(
            (t.host.as_str(), t.port, p.as_str()),
            ("127.0.0.1", 8080, "/a?b=1")
        );
        assert_eq!(t.authority(), "127.0.0.1:8080");
        let (t, p) = Target::parse_url("https://example.com").unwrap();
        assert_eq!(
            (t.port, p.as_str(), t.authority()),
            (443, "/", "example.com".into())
        );
        let (t, _) = Target::parse_url("http://[::1]:9/").unwrap();
        assert_eq!(
            (t.host.as_str(), t.authority()),
            ("::1", "[::1]:9".to_string())
        );
        assert!(Target::parse_url("ftp://x").is_err());
        assert!(Target::parse_url("http://:80/").is_err());
        assert!(Target::parse_url("http://h:99999/").is_err());
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("250ms").unwrap(), Duration::from_millis(250));
        assert_eq!(parse_duration("2m").unwrap(), Duration::from_secs(120));
        assert_eq!(parse_duration("1.5").unwrap(), Duration::from_millis(1500));
        assert!(parse_duration("5 parsecs").is_err());
        assert!(parse_duration("").is_err());
    }

    #[test]
    fn constant_schedule() {
        let s = RateSchedule::constant(100.0);
        assert_eq!(s.time_of(0), Some(0.0));
        assert!((s.time_of(250).unwrap() - 2.5).abs() < 1e-9);
        assert_eq!(s.count_before(1.0), 100);
        assert_eq!(s.count_before(1.005), 101);
    }

    #[test]
    fn ramp_schedule() {
        // 0 -> 100/s over 10 s (500 requests), then 100/s for 5 s (500 more).
        let s = RateSchedule::stages(
            0.0,
            &[
                Stage {
                    duration: Duration::from_secs(10),
                    target: 100.0,
                },
                Stage {
                    duration: Duration::from_secs(5),
                    target: 100.0,
                },
            ],
        );
        assert_eq!(s.count_before(10.0), 500);
        assert_eq!(s.count_before(15.0), 1000);
        assert_eq!(s.count_before(100.0), 1000);
        // cum(t) = 5 t^2 -> request 125 at t = 5.
        assert!((s.time_of(125).unwrap() - 5.0).abs() < 1e-9);
        assert!((s.time_of(750).unwrap() - 12.5).abs() < 1e-9);
        assert_eq!(s.time_of(1000), None);
        assert_eq!(s.peak(), 100.0);
    }

    #[test]
    fn connection_stages() {
        let st = [
            Stage {
                duration: Duration::from_secs(10),
                target: 10.0,
            },
            Stage {
                duration: Duration::from_secs(10),
                target: 10.0,
            },
            Stage {
                duration: Duration::from_secs(10),
                target: 0.0,
            },
        ];
        assert!((connections_at(&st, 5.0) - 5.0).abs() < 1e-9);
        assert_eq!(next_active(&st, 0, 0.0, 30.0), Some(1.0));
        assert_eq!(next_active(&st, 4, 0.0, 30.0), Some(5.0));
        assert_eq!(next_active(&st, 4, 12.0, 30.0), Some(12.0));
        assert_eq!(next_active(&st, 9, 26.0, 30.0), None);
    }
}
