//! What each worker records (histograms and counters, never samples), the shared per-second
//! timeline, and the merge of everything into the result at the end.

use crate::error::ErrorKind;
use perfaudit_model::histogram::Histogram;
use perfaudit_model::load::{Bytes, TimelineEntry};
use std::collections::BTreeMap;

/// Counters and histograms of one endpoint in one worker.
#[derive(Debug, Clone)]
pub(crate) struct EndpointStats {
    pub latency: Histogram,
    pub ttfb: Histogram,
    /// Responses by status code (index = code, 0..=999).
    pub status: Vec<u64>,
    pub errors: [u64; ErrorKind::COUNT],
    pub requests: u64,
    pub responses: u64,
    pub bytes: Bytes,
}

impl Default for EndpointStats {
    fn default() -> Self {
        EndpointStats {
            latency: Histogram::new(),
            ttfb: Histogram::new(),
            status: vec![0; 1000],
            errors: [0; ErrorKind::COUNT],
            requests: 0,
            responses: 0,
            bytes: Bytes::default(),
        }
    }
}

impl EndpointStats {
    pub(crate) fn merge(&mut self, o: &EndpointStats) {
        let _ = self.latency.merge(&o.latency);
        let _ = self.ttfb.merge(&o.ttfb);
        for (a, b) in self.status.iter_mut().zip(&o.status) {
            *a += b;
        }
        for (a, b) in self.errors.iter_mut().zip(&o.errors) {
            *a += b;
        }
        self.requests += o.requests;
        self.responses += o.responses;
        self.bytes.sent += o.bytes.sent;
        self.bytes.received += o.bytes.received;
    }

    pub(crate) fn error_count(&self) -> u64 {
        self.errors.iter().sum()
    }

    pub(crate) fn errors_map(&self) -> BTreeMap<String, u64> {
        ErrorKind::ALL
            .iter()
            .filter(|k| self.errors[k.index()] > 0)
            .map(|k| (k.as_str().to_string(), self.errors[k.index()]))
            .collect()
    }

    pub(crate) fn status_map(&self) -> BTreeMap<String, u64> {
        self.status
            .iter()
            .enumerate()
            .filter(|(_, &n)| n > 0)
            .map(|(code, &n)| (code.to_string(), n))
            .collect()
    }
}

/// Everything one worker measured.
#[derive(Debug, Clone)]
pub(crate) struct WorkerStats {
    pub endpoints: Vec<EndpointStats>,
    pub connect: Histogram,
    pub lag: Histogram,
    pub connections_opened: u64,
    /// Measured slots taken (open model) / requests started.
    pub started: u64,
    pub unfinished: u64,
    /// Latest completion, seconds after measurement start.
    pub last_done_s: f64,
    pub cpu_user: f64,
    pub cpu_sys: f64,
}

impl WorkerStats {
    pub(crate) fn new(endpoints: usize) -> WorkerStats {
        WorkerStats {
            endpoints: vec![EndpointStats::default(); endpoints],
            connect: Histogram::new(),
            lag: Histogram::new(),
            connections_opened: 0,
            started: 0,
            unfinished: 0,
            last_done_s: 0.0,
            cpu_user: 0.0,
            cpu_sys: 0.0,
        }
    }

    pub(crate) fn merge(&mut self, o: &WorkerStats) {
        for (a, b) in self.endpoints.iter_mut().zip(&o.endpoints) {
            a.merge(b);
        }
        let _ = self.connect.merge(&o.connect);
        let _ = self.lag.merge(&o.lag);
        self.connections_opened += o.connections_opened;
        self.started += o.started;
        self.unfinished += o.unfinished;
        self.last_done_s = self.last_done_s.max(o.last_done_s);
        self.cpu_user += o.cpu_user;
        self.cpu_sys += o.cpu_sys;
    }
}

/// One worker's numbers for the second it is in.
#[derive(Debug, Default)]
pub(crate) struct SecondLocal {
    pub requests: u64,
    pub errors: u64,
    pub latency: Histogram,
}

#[derive(Debug, Default)]
struct SecondAcc {
    requests: u64,
    errors: u64,
    latency: Histogram,
}

/// The per-second timeline all workers feed. A second is finalized (its histogram encoded and
/// dropped) once every worker has moved past it, so memory stays flat over long runs.
#[derive(Debug)]
pub(crate) struct Timeline {
    /// Per worker: the lowest second it may still add to.
    low: Vec<u32>,
    open: BTreeMap<u32, SecondAcc>,
    done: Vec<TimelineEntry>,
    start_unix_ms: u64,
    /// Totals flushed so far (for progress).
    pub requests: u64,
    pub errors: u64,
}

impl Timeline {
    pub(crate) fn new(workers: usize, start_unix_ms: u64) -> Timeline {
        Timeline {
            low: vec![0; workers],
            open: BTreeMap::new(),
            done: Vec::new(),
            start_unix_ms,
            requests: 0,
            errors: 0,
        }
    }

    /// Worker `w` hands over second `sec` and will only add to seconds >= `next` from now on.
    pub(crate) fn flush(&mut self, w: usize, sec: u32, local: &mut SecondLocal, next: u32) {
        if local.requests > 0 {
            let acc = self.open.entry(sec).or_default();
            acc.requests += local.requests;
            acc.errors += local.errors;
            let _ = acc.latency.merge(&local.latency);
            self.requests += local.requests;
            self.errors += local.errors;
            local.requests = 0;
            local.errors = 0;
            local.latency = Histogram::new();
        }
        self.low[w] = self.low[w].max(next);
        let min = self.low.iter().copied().min().unwrap_or(u32::MAX);
        let upto = min.min(self.open.keys().next_back().map_or(0, |s| s + 1));
        let from = self.done.len() as u32;
        for s in from..upto {
            self.finalize(s);
        }
    }

    fn finalize(&mut self, s: u32) {
        let acc = self.open.remove(&s).unwrap_or_default();
        self.done.push(TimelineEntry {
            second: s,
            t_unix_ms: self.start_unix_ms + u64::from(s) * 1000,
            requests: acc.requests,
            errors: acc.errors,
            p50_us: acc.latency.quantile(0.5),
            p99_us: acc.latency.quantile(0.99),
            max_us: acc.latency.max(),
            histogram: acc.latency.to_base64(),
        });
    }

    /// The last finalized second.
    pub(crate) fn last(&self) -> Option<&TimelineEntry> {
        self.done.last()
    }

    /// All seconds, gaps filled with zeros, covering at least `seconds` seconds.
    pub(crate) fn finish(mut self, seconds: u32) -> Vec<TimelineEntry> {
        let last = self.open.keys().next_back().map_or(0, |s| s + 1);
        let upto = last.max(seconds);
        for s in self.done.len() as u32..upto {
            self.finalize(s);
        }
        self.done
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeline_finalizes_when_every_worker_moved_on() {
        let mut t = Timeline::new(2, 1_000_000);
        let mut l = SecondLocal {
            requests: 3,
            ..Default::default()
        };
        l.latency.record(100);
        t.flush(0, 0, &mut l, 2);
        assert!(t.last().is_none(), "worker 1 may still add to second 0");
        let mut l1 = SecondLocal {
            requests: 1,
            errors: 1,
            ..Default::default()
        };
        t.flush(1, 0, &mut l1, 3);
        assert_eq!(t.last().unwrap().second, 0);
        assert_eq!(t.last().unwrap().requests, 4);
        let mut l = SecondLocal {
            requests: 2,
            ..Default::default()
        };
        t.flush(0, 2, &mut l, u32::MAX);
        t.flush(1, 3, &mut SecondLocal::default(), u32::MAX);
        let all = t.finish(5);
        assert_eq!(all.len(), 5);
        assert_eq!(all[1].requests, 0);
        assert_eq!(all[2].requests, 2);
        assert_eq!(all[2].t_unix_ms, 1_002_000);
    }
}
