//! Running summaries over every sample of a run, in constant memory.

use perfaudit_model::monitor::{HostSummary, Sample, Stat, Summary};

#[derive(Debug, Clone, Copy)]
pub(crate) struct StatAcc {
    n: u64,
    sum: f64,
    min: f64,
    max: f64,
}

impl Default for StatAcc {
    fn default() -> Self {
        StatAcc {
            n: 0,
            sum: 0.0,
            min: f64::INFINITY,
            max: f64::NEG_INFINITY,
        }
    }
}

impl StatAcc {
    pub(crate) fn push(&mut self, v: f64) {
        self.n += 1;
        self.sum += v;
        self.min = self.min.min(v);
        self.max = self.max.max(v);
    }

    pub(crate) fn stat(&self) -> Stat {
        if self.n == 0 {
            return Stat {
                mean: 0.0,
                min: 0.0,
                max: 0.0,
            };
        }
        Stat {
            mean: self.sum / self.n as f64,
            min: self.min,
            max: self.max,
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.n == 0
    }
}

/// Accumulates `Summary` sample by sample.
#[derive(Debug, Clone, Default)]
pub(crate) struct SummaryAcc {
    pub samples: u64,
    cpu: StatAcc,
    cpu_user: StatAcc,
    cpu_sys: StatAcc,
    rss: StatAcc,
    pss: StatAcc,
    uss: StatAcc,
    /// Some sample had no PSS.
    pub pss_missing: bool,
    pub cpus: u32,
    pub cpu_lost_exits: u64,
    pub cpu_carried_max_s: f64,
    threads: StatAcc,
    fds: StatAcc,
    procs: StatAcc,
    host_cpu: StatAcc,
    host_used: StatAcc,
    host_avail: StatAcc,
    load1: StatAcc,
    pub rss_peak_process_bytes: u64,
    pub cpu_user_s: f64,
    pub cpu_system_s: f64,
    pub read_bytes: u64,
    pub write_bytes: u64,
    /// Some sample could not read disk I/O.
    pub io_missing: bool,
    pub ctx_voluntary: u64,
    pub ctx_involuntary: u64,
}

impl SummaryAcc {
    pub(crate) fn push(&mut self, s: &Sample) {
        self.samples += 1;
        // Rates need an interval: the first sample has none (its CPU reads 0), so CPU
        // statistics start at the second sample.
        if self.samples > 1 {
            self.cpu.push(s.cpu_pct);
            self.cpu_user.push(s.cpu_user_pct);
            self.cpu_sys.push(s.cpu_sys_pct);
            self.host_cpu.push(s.host.cpu_pct);
        }
        self.rss.push(s.rss_bytes as f64);
        match (s.pss_bytes, s.uss_bytes) {
            (Some(p), Some(u)) => {
                self.pss.push(p as f64);
                self.uss.push(u as f64);
            }
            _ => self.pss_missing = true,
        }
        self.threads.push(s.threads as f64);
        if let Some(f) = s.fds {
            self.fds.push(f as f64);
        }
        self.procs.push(f64::from(s.processes));
        self.host_used.push(s.host.mem_used_bytes as f64);
        self.host_avail.push(s.host.mem_available_bytes as f64);
        self.load1.push(s.host.load1);
    }

    pub(crate) fn summary(&self, net_rx: u64, net_tx: u64) -> Summary {
        Summary {
            samples: self.samples,
            cpu_pct: self.cpu.stat(),
            cpu_user_pct: self.cpu_user.stat(),
            cpu_sys_pct: self.cpu_sys.stat(),
            rss_bytes: self.rss.stat(),
            pss_bytes: (!self.pss_missing && !self.pss.is_empty()).then(|| self.pss.stat()),
            uss_bytes: (!self.pss_missing && !self.uss.is_empty()).then(|| self.uss.stat()),
            cpus: self.cpus,
            cpu_lost_exits: self.cpu_lost_exits,
            cpu_carried_max_s: self.cpu_carried_max_s,
            threads: self.threads.stat(),
            fds: (!self.fds.is_empty()).then(|| self.fds.stat()),
            processes: self.procs.stat(),
            rss_peak_process_bytes: self.rss_peak_process_bytes,
            cpu_user_s: self.cpu_user_s,
            cpu_system_s: self.cpu_system_s,
            read_bytes: (!self.io_missing).then_some(self.read_bytes),
            write_bytes: (!self.io_missing).then_some(self.write_bytes),
            ctx_voluntary: self.ctx_voluntary,
            ctx_involuntary: self.ctx_involuntary,
            host: HostSummary {
                cpu_pct: self.host_cpu.stat(),
                mem_used_bytes: self.host_used.stat(),
                mem_available_bytes: self.host_avail.stat(),
                load1: self.load1.stat(),
                net_rx_bytes: net_rx,
                net_tx_bytes: net_tx,
            },
        }
    }
}
