//! Alert rules (`cpu>80%`, `rss>500MB for 5s`, `fds>=1000`, `mem>85%`) and their evaluation
//! over the stream of samples into events with start, end and peak.
//!
//! Grammar: `METRIC OP VALUE [for DURATION]`, OP one of `>`, `>=`, `<`, `<=`.
//! An event starts at the first sample where the condition holds and fires once it has held
//! for DURATION (default 0: the first breaching sample fires); it ends at the first sample
//! where the condition no longer holds.

use perfaudit_model::monitor::{AlertEvent, Sample};
use perfaudit_model::units::{
    fmt_duration_setting as format_duration, parse_duration, parse_size as parse_bytes, Op,
};
use std::fmt;
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Metric {
    /// Tree CPU, one core = 100%.
    Cpu,
    CpuUser,
    CpuSys,
    Rss,
    Threads,
    Fds,
    Procs,
    /// Tree disk bytes per second.
    DiskRead,
    DiskWrite,
    /// Host CPU busy, share of all cores.
    HostCpu,
    /// Host memory used (bytes, or % of total).
    HostMem,
    Load1,
}

impl Metric {
    pub const ALL: [(&'static str, Metric); 12] = [
        ("cpu", Metric::Cpu),
        ("cpu_user", Metric::CpuUser),
        ("cpu_sys", Metric::CpuSys),
        ("rss", Metric::Rss),
        ("threads", Metric::Threads),
        ("fds", Metric::Fds),
        ("procs", Metric::Procs),
        ("disk_read", Metric::DiskRead),
        ("disk_write", Metric::DiskWrite),
        ("host_cpu", Metric::HostCpu),
        ("mem", Metric::HostMem),
        ("load1", Metric::Load1),
    ];

    pub fn name(self) -> &'static str {
        Metric::ALL
            .iter()
            .find(|(_, m)| *m == self)
            .map(|(n, _)| *n)
            .unwrap_or("?")
    }

    fn parse(s: &str) -> Option<Metric> {
        let s = s.trim().to_ascii_lowercase();
        let s = match s.as_str() {
            "memory" | "host_mem" => "mem",
            "fd" => "fds",
            "thread" => "threads",
            "processes" | "proc" => "procs",
            "load" => "load1",
            other => other,
        }
        .to_string();
        Metric::ALL.iter().find(|(n, _)| *n == s).map(|(_, m)| *m)
    }

    /// Whether the value is naturally a percentage.
    fn is_percent(self) -> bool {
        matches!(
            self,
            Metric::Cpu | Metric::CpuUser | Metric::CpuSys | Metric::HostCpu
        )
    }

    /// Measured over the interval between two samples.
    fn is_rate(self) -> bool {
        matches!(
            self,
            Metric::Cpu
                | Metric::CpuUser
                | Metric::CpuSys
                | Metric::DiskRead
                | Metric::DiskWrite
                | Metric::HostCpu
        )
    }

    fn is_bytes(self) -> bool {
        matches!(
            self,
            Metric::Rss | Metric::HostMem | Metric::DiskRead | Metric::DiskWrite
        )
    }
}

/// One parsed `--alert`.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertRule {
    pub metric: Metric,
    pub op: Op,
    /// In the metric's unit, or a percentage when `percent` is set.
    pub threshold: f64,
    /// `rss>50%` / `mem>85%`: compare as a share of the host's total memory.
    pub percent: bool,
    pub for_: Duration,
    /// The value as the user wrote it (for the normalised rule text).
    value_text: String,
}

impl AlertRule {
    /// Parse `METRIC OP VALUE [for DURATION]`.
    pub fn parse(text: &str) -> Result<AlertRule, String> {
        let bad = |why: &str| {
            format!(
                "invalid --alert `{text}`: {why} (expected e.g. `cpu>80%`, `rss>500MB for 5s`, \
                 `fds>1000`; metrics: {})",
                Metric::ALL.map(|(n, _)| n).join(", ")
            )
        };
        let t = text.trim();
        let op_at = t
            .find(['<', '>'])
            .ok_or_else(|| bad("no comparison (> >= < <=)"))?;
        let metric_s = &t[..op_at];
        let metric = Metric::parse(metric_s)
            .ok_or_else(|| bad(&format!("unknown metric `{}`", metric_s.trim())))?;
        let rest = &t[op_at..];
        let (op, rest) = Op::strip_prefix(rest)
            .filter(|(op, _)| *op != Op::Eq)
            .ok_or_else(|| bad("no comparison (> >= < <=)"))?;
        let lower = rest.to_ascii_lowercase();
        let (value_s, for_) = match lower.find(" for ") {
            Some(i) => {
                let d = parse_duration(&rest[i + 5..]).map_err(|e| bad(&e.0))?;
                (rest[..i].trim(), d)
            }
            None => (rest.trim(), Duration::ZERO),
        };
        if value_s.is_empty() {
            return Err(bad("no threshold value"));
        }
        let value_s = value_s.trim_end_matches("/s").trim();
        let (threshold, percent) = if let Some(p) = value_s.strip_suffix('%') {
            let v: f64 = p
                .trim()
                .parse()
                .map_err(|_| bad(&format!("`{value_s}` is not a percentage")))?;
            if !(metric.is_percent() || matches!(metric, Metric::Rss | Metric::HostMem)) {
                return Err(bad(&format!("`{}` cannot be a percentage", metric.name())));
            }
            (v, !metric.is_percent())
        } else if metric.is_bytes() {
            (parse_bytes(value_s).map_err(|e| bad(&e.0))?, false)
        } else {
            let v: f64 = value_s
                .parse()
                .map_err(|_| bad(&format!("`{value_s}` is not a number")))?;
            (v, false)
        };
        if !threshold.is_finite() {
            return Err(bad("threshold is not a finite number"));
        }
        Ok(AlertRule {
            metric,
            op,
            threshold,
            percent,
            for_,
            value_text: value_s.to_string(),
        })
    }

    /// The unit of `value()` and of the events' `peak`.
    pub fn unit(&self) -> &'static str {
        if self.percent || self.metric.is_percent() {
            "%"
        } else {
            match self.metric {
                Metric::Rss | Metric::HostMem => "bytes",
                Metric::DiskRead | Metric::DiskWrite => "bytes/s",
                Metric::Load1 => "load",
                _ => "count",
            }
        }
    }

    /// The value this rule compares, from one sample; `None` when not measured.
    pub fn value(&self, s: &Sample) -> Option<f64> {
        let total = s.host.mem_total_bytes as f64;
        let pct = |v: f64| {
            if total > 0.0 {
                Some(100.0 * v / total)
            } else {
                None
            }
        };
        match self.metric {
            Metric::Cpu => Some(s.cpu_pct),
            Metric::CpuUser => Some(s.cpu_user_pct),
            Metric::CpuSys => Some(s.cpu_sys_pct),
            Metric::Rss if self.percent => pct(s.rss_bytes as f64),
            Metric::Rss => Some(s.rss_bytes as f64),
            Metric::Threads => Some(s.threads as f64),
            Metric::Fds => s.fds.map(|v| v as f64),
            Metric::Procs => Some(f64::from(s.processes)),
            Metric::DiskRead => s.read_bytes_per_s,
            Metric::DiskWrite => s.write_bytes_per_s,
            Metric::HostCpu => Some(s.host.cpu_pct),
            Metric::HostMem if self.percent => pct(s.host.mem_used_bytes as f64),
            Metric::HostMem => Some(s.host.mem_used_bytes as f64),
            Metric::Load1 => Some(s.host.load1),
        }
    }
}

impl fmt::Display for AlertRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}{}{}",
            self.metric.name(),
            self.op.as_str(),
            self.value_text
        )?;
        if self.metric.is_percent() && !self.value_text.ends_with('%') {
            f.write_str("%")?;
        }
        if !self.for_.is_zero() {
            write!(f, " for {}", format_duration(self.for_))?;
        }
        Ok(())
    }
}

/// Most events kept per run (memory stays bounded when a rule flaps for hours); the rest
/// are counted in `dropped`.
pub const MAX_EVENTS: usize = 1000;

/// Evaluates every rule over the sample stream.
#[derive(Debug)]
pub struct AlertEngine {
    rules: Vec<(AlertRule, Option<Pending>)>,
    pub events: Vec<AlertEvent>,
    /// Events beyond `MAX_EVENTS`, not listed.
    pub dropped: u64,
}

#[derive(Debug, Clone)]
struct Pending {
    start_unix_ms: u64,
    start_s: f64,
    peak: f64,
    last_s: f64,
    fired: bool,
}

impl AlertEngine {
    pub fn new(rules: Vec<AlertRule>) -> AlertEngine {
        AlertEngine {
            rules: rules.into_iter().map(|r| (r, None)).collect(),
            events: Vec::new(),
            dropped: 0,
        }
    }

    /// Feed one sample. `rates_valid` is false for the first sample of a run, whose rates
    /// (CPU, disk, host CPU) have no interval behind them and read 0: rules on rates skip it.
    pub fn observe(&mut self, s: &Sample, rates_valid: bool) {
        for (rule, pending) in &mut self.rules {
            if !rates_valid && rule.metric.is_rate() {
                continue;
            }
            let v = rule.value(s);
            let holds = v.is_some_and(|v| rule.op.holds(v, rule.threshold));
            match (holds, pending.as_mut()) {
                (true, None) => {
                    let v = v.unwrap_or(0.0);
                    *pending = Some(Pending {
                        start_unix_ms: s.t_unix_ms,
                        start_s: s.t_s,
                        peak: v,
                        last_s: s.t_s,
                        fired: rule.for_.is_zero(),
                    });
                }
                (true, Some(p)) => {
                    let v = v.unwrap_or(p.peak);
                    p.peak = if rule.op.upward() {
                        p.peak.max(v)
                    } else {
                        p.peak.min(v)
                    };
                    p.last_s = s.t_s;
                    if s.t_s - p.start_s >= rule.for_.as_secs_f64() - 1e-9 {
                        p.fired = true;
                    }
                }
                (false, Some(_)) => {
                    let p = pending.take().expect("matched Some");
                    if p.fired && self.events.len() >= MAX_EVENTS {
                        self.dropped += 1;
                    } else if p.fired {
                        self.events.push(AlertEvent {
                            rule: rule.to_string(),
                            metric: rule.metric.name().to_string(),
                            unit: rule.unit().to_string(),
                            start_unix_ms: p.start_unix_ms,
                            start_s: p.start_s,
                            end_unix_ms: Some(s.t_unix_ms),
                            end_s: Some(s.t_s),
                            duration_s: s.t_s - p.start_s,
                            peak: p.peak,
                            active_at_end: false,
                        });
                    }
                }
                (false, None) => {}
            }
        }
    }

    /// Rules whose condition holds and has fired, right now (for the live line).
    pub fn active(&self) -> Vec<String> {
        self.rules
            .iter()
            .filter(|(_, p)| p.as_ref().is_some_and(|p| p.fired))
            .map(|(r, _)| r.to_string())
            .collect()
    }

    /// Close the run: events still active are reported with `active_at_end`. Returns the
    /// events and how many were not kept.
    pub fn finish(mut self) -> (Vec<AlertEvent>, u64) {
        for (rule, pending) in &mut self.rules {
            if let Some(p) = pending.take() {
                if p.fired {
                    self.events.push(AlertEvent {
                        rule: rule.to_string(),
                        metric: rule.metric.name().to_string(),
                        unit: rule.unit().to_string(),
                        start_unix_ms: p.start_unix_ms,
                        start_s: p.start_s,
                        end_unix_ms: None,
                        end_s: None,
                        duration_s: p.last_s - p.start_s,
                        peak: p.peak,
                        active_at_end: true,
                    });
                }
            }
        }
        self.events
            .sort_by(|a, b| a.start_s.total_cmp(&b.start_s).then(a.rule.cmp(&b.rule)));
        (self.events, self.dropped)
    }

    /// Events so far plus those currently firing (without consuming the engine).
    pub fn snapshot(&self) -> usize {
        self.events.len() + self.active().len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use perfaudit_model::monitor::HostSample;

    fn sample(t: f64, cpu: f64, rss: u64) -> Sample {
        Sample {
            t_unix_ms: 1_000_000 + (t * 1000.0) as u64,
            t_s: t,
            processes: 1,
            cpu_pct: cpu,
            cpu_user_pct: cpu,
            cpu_sys_pct: 0.0,
            rss_bytes: rss,
            pss_bytes: None,
            uss_bytes: None,
            threads: 1,
            fds: Some(4),
            read_bytes_per_s: None,
            write_bytes_per_s: None,
            ctx_voluntary_per_s: 0.0,
            ctx_involuntary_per_s: 0.0,
            host: HostSample {
                cpu_pct: 0.0,
                mem_total_bytes: 1000,
                mem_used_bytes: 900,
                mem_available_bytes: 100,
                load1: 0.0,
                load5: 0.0,
                load15: 0.0,
                net_rx_bytes_per_s: 0.0,
                net_tx_bytes_per_s: 0.0,
            },
            per_process: None,
        }
    }

    #[test]
    fn parses_rules() {
        let r = AlertRule::parse("cpu>80%").unwrap();
        assert_eq!(
            (r.metric, r.op, r.threshold, r.percent),
            (Metric::Cpu, Op::Gt, 80.0, false)
        );
        assert_eq!(r.to_string(), "cpu>80%");
        let r = AlertRule::parse("rss > 500MB for 5s").unwrap();
        assert_eq!(r.threshold, 500e6);
        assert_eq!(r.for_, Duration::from_secs(5));
        assert_eq!(r.to_string(), "rss>500MB for 5s");
        let r = AlertRule::parse("fds>=1000").unwrap();
        assert_eq!((r.metric, r.op), (Metric::Fds, Op::Ge));
        let r = AlertRule::parse("mem>85%").unwrap();
        assert!(r.percent);
        let r = AlertRule::parse("threads>200 FOR 250ms").unwrap();
        assert_eq!(r.for_, Duration::from_millis(250));
        assert_eq!(AlertRule::parse("cpu>80").unwrap().to_string(), "cpu>80%");
        for bad in [
            "cpu",
            "gpu>1",
            "cpu>",
            "fds>10%",
            "rss>lots",
            "cpu>80% for ever",
        ] {
            let e = AlertRule::parse(bad).unwrap_err();
            assert!(e.contains("invalid --alert"), "{bad}: {e}");
        }
    }

    #[test]
    fn events_need_the_minimum_duration_and_record_start_end_peak() {
        let rule = AlertRule::parse("cpu>50% for 1s").unwrap();
        let mut eng = AlertEngine::new(vec![rule]);
        // One sample per second.
        let cpus = [
            10.0, 60.0, 70.0, 10.0, // t=1..2: held exactly 1 s, fires
            60.0, 90.0, 80.0, 70.0, 10.0, // event t=4..8 (held 3 s), peak 90
            60.0, 60.0, 60.0, // still active at the end (t=9..11)
        ];
        for (i, c) in cpus.iter().enumerate() {
            eng.observe(&sample(i as f64, *c, 0), true);
        }
        assert_eq!(eng.active(), vec!["cpu>50% for 1s".to_string()]);
        let (ev, _) = eng.finish();
        assert_eq!(ev.len(), 3, "{ev:?}");
        // t=1..3: held 1 s (samples at 1 and 2), ended at 3.
        assert_eq!(ev[0].start_s, 1.0);
        assert_eq!(ev[0].end_s, Some(3.0));
        assert_eq!(ev[0].peak, 70.0);
        assert_eq!(ev[1].start_s, 4.0);
        assert_eq!(ev[1].end_s, Some(8.0));
        assert_eq!(ev[1].end_unix_ms, Some(1_008_000));
        assert_eq!(ev[1].peak, 90.0);
        assert_eq!(ev[1].duration_s, 4.0);
        assert!(ev[2].active_at_end && ev[2].end_s.is_none());
        assert_eq!(ev[2].duration_s, 2.0);

        // A single sample over the threshold does not fire a `for 1s` rule.
        let mut eng = AlertEngine::new(vec![AlertRule::parse("cpu>50% for 1s").unwrap()]);
        eng.observe(&sample(0.0, 90.0, 0), true);
        eng.observe(&sample(0.5, 10.0, 0), true);
        assert!(eng.finish().0.is_empty());
    }

    #[test]
    fn percent_of_memory_and_lower_bounds() {
        let mut eng = AlertEngine::new(vec![
            AlertRule::parse("mem>85%").unwrap(),
            AlertRule::parse("rss<100B").unwrap(),
        ]);
        eng.observe(&sample(0.0, 0.0, 50), false);
        eng.observe(&sample(1.0, 0.0, 20), true);
        let (ev, _) = eng.finish();
        assert_eq!(ev.len(), 2);
        let mem = ev.iter().find(|e| e.metric == "mem").unwrap();
        assert_eq!(mem.peak, 90.0);
        assert_eq!(mem.unit, "%");
        let rss = ev.iter().find(|e| e.metric == "rss").unwrap();
        assert_eq!(rss.peak, 20.0);
    }

    #[test]
    fn events_are_bounded() {
        let mut eng = AlertEngine::new(vec![AlertRule::parse("cpu>50%").unwrap()]);
        for i in 0..(2 * MAX_EVENTS + 20) {
            let cpu = if i % 2 == 0 { 90.0 } else { 0.0 };
            eng.observe(&sample(i as f64, cpu, 0), true);
        }
        let (ev, dropped) = eng.finish();
        assert_eq!(ev.len(), MAX_EVENTS);
        assert_eq!(dropped, 10);
    }

    #[test]
    fn rate_rules_skip_the_first_sample() {
        let mut eng = AlertEngine::new(vec![AlertRule::parse("cpu<5%").unwrap()]);
        eng.observe(&sample(0.0, 0.0, 0), false);
        eng.observe(&sample(1.0, 50.0, 0), true);
        assert!(eng.finish().0.is_empty());
    }
}
