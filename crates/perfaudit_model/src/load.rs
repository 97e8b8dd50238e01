//! The `perfaudit/load/v1` document: what an HTTP load run measured. Owned by the load stage.
//!
//! Latencies are microseconds. In the open model (`--rate`) latency is measured from each
//! request's *intended* send time, so queueing caused by a slow server is counted (no
//! coordinated omission); `open_model` then says how late requests left and how many never did.

use crate::histogram::{Histogram, LatencySummary};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One load run (or several merged: `perfaudit load merge`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoadResult {
    /// Always `perfaudit/load/v1`.
    pub schema: String,
    /// The target, `scheme://host:port` (endpoints carry their paths).
    pub target: String,
    /// `closed` (connections as fast as the server allows) or `open` (requests on a schedule).
    pub model: String,
    /// HTTP version used: `1.1` or `2`.
    pub http_version: String,
    /// Concurrent connections (the peak, when stages ramp them).
    pub connections: u32,
    /// Worker threads of the generator.
    pub threads: u32,
    /// Wall clock at the start of measurement (after warm-up), ms since the Unix epoch.
    pub started_unix_ms: u64,
    /// Warm-up before measurement, excluded from every number here.
    pub warmup_s: f64,
    /// Requests completed (responses + errors) during measurement.
    pub requests: u64,
    /// Measured wall-clock duration, seconds.
    pub duration_s: f64,
    /// `responses / duration_s`: responses per second (failed requests are not throughput).
    pub rps: f64,
    /// Responses received (any status).
    pub responses: u64,
    /// Failed requests by kind: transport errors (`connect_refused`, `connect`, `reset`,
    /// `closed`, `timeout`, `tls`, `malformed`, `http2`, `io`) and HTTP `status_4xx` / `status_5xx`.
    pub errors: BTreeMap<String, u64>,
    /// `sum(errors) / requests` (0 when no request completed).
    pub error_rate: f64,
    /// Responses by HTTP status code.
    pub status: BTreeMap<String, u64>,
    /// Latency of responses, µs (from intended send time in the open model).
    pub latency_us: LatencySummary,
    /// The latency histogram (HDR, base64 V2 deflate).
    pub histogram: Histogram,
    /// Time to first byte: request written -> first response byte, µs.
    pub ttfb_us: LatencySummary,
    /// TCP (+TLS) connect time of each new connection, µs.
    pub connect_us: LatencySummary,
    /// Connections opened (including reconnects).
    pub connections_opened: u64,
    pub bytes: Bytes,
    /// Open model only: schedule adherence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub open_model: Option<OpenModel>,
    /// Requests still in flight when the run's hard stop (deadline + grace) came; not counted.
    pub unfinished: u64,
    /// Per second of measurement, by completion time.
    pub timeline: Vec<TimelineEntry>,
    /// The same numbers per endpoint.
    pub endpoints: Vec<EndpointResult>,
    /// CPU time the load generator itself used (its worker threads).
    pub cpu_s: CpuTime,
    /// Every threshold checked, overall and per endpoint.
    pub thresholds: Vec<ThresholdResult>,
    /// False when one threshold was breached, or when every request failed (or none completed).
    pub passed: bool,
    /// The run was cancelled (Ctrl-C) before its end: the numbers cover what ran.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub interrupted: bool,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Bytes {
    /// Request bytes written (headers + bodies).
    pub sent: u64,
    /// Response bytes read (headers + bodies).
    pub received: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OpenModel {
    /// Target request rate (the peak when stages ramp it), requests/s.
    pub rate: f64,
    /// Requests the schedule called for during measurement.
    pub scheduled: u64,
    /// Scheduled requests that could not be sent before the deadline (all connections busy).
    pub not_sent: u64,
    /// How late requests were sent relative to their schedule, µs.
    pub schedule_lag_us: LatencySummary,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimelineEntry {
    /// Seconds since the start of measurement (0-based).
    pub second: u32,
    /// Wall clock at the start of this second, ms since the Unix epoch (lines up with monitor samples).
    pub t_unix_ms: u64,
    pub requests: u64,
    pub errors: u64,
    pub p50_us: u64,
    pub p99_us: u64,
    pub max_us: u64,
    /// Latencies of the responses completed in this second, HDR base64 V2 deflate (kept
    /// encoded so a long run's timeline stays small; lets `load merge` stay exact per second).
    pub histogram: String,
}

impl TimelineEntry {
    /// The decoded latency histogram of this second.
    pub fn histogram(&self) -> Result<Histogram, crate::histogram::HistogramError> {
        Histogram::from_base64(&self.histogram)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EndpointResult {
    pub name: String,
    pub method: String,
    /// Path and query (templates unexpanded).
    pub url: String,
    pub requests: u64,
    pub rps: f64,
    pub responses: u64,
    pub errors: BTreeMap<String, u64>,
    pub error_rate: f64,
    pub status: BTreeMap<String, u64>,
    pub latency_us: LatencySummary,
    pub histogram: Histogram,
    pub ttfb_us: LatencySummary,
    pub bytes: Bytes,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct CpuTime {
    pub user: f64,
    pub sys: f64,
}

/// One threshold and whether the run met it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ThresholdResult {
    /// As written, e.g. `p95<100ms`.
    pub expr: String,
    /// The endpoint it applies to; absent for the whole run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
    /// `p95`, `p99.9`, `mean`, `max`, `min`, `error_rate`, `rps`, `requests`.
    pub metric: String,
    /// `<`, `<=`, `>`, `>=`.
    pub op: String,
    /// The limit in the metric's unit (µs for latency, a fraction for error_rate, 1/s for rps).
    pub limit: f64,
    /// The measured value in the same unit.
    pub actual: f64,
    pub passed: bool,
}

impl LoadResult {
    /// Thresholds that were breached.
    pub fn breached(&self) -> impl Iterator<Item = &ThresholdResult> {
        self.thresholds.iter().filter(|t| !t.passed)
    }
}
