//! Host-wide readings: CPU, memory, load average, network. Files are held open and re-read.

use crate::procfs;
use perfaudit_model::monitor::HostSample;
use std::fs::File;

pub(crate) struct Host {
    stat: Option<File>,
    meminfo: Option<File>,
    loadavg: Option<File>,
    net_dev: Option<File>,
    buf: Vec<u8>,
    prev_cpu: Option<(u64, u64)>,
    prev_net: Option<(f64, u64, u64)>,
    last: Option<HostSample>,
    /// Bytes over the run (sum of deltas).
    pub net_rx_total: u64,
    pub net_tx_total: u64,
}

impl Host {
    pub(crate) fn new() -> Host {
        let open = |p: &str| File::open(p).ok();
        Host {
            stat: open("/proc/stat"),
            meminfo: open("/proc/meminfo"),
            loadavg: open("/proc/loadavg"),
            net_dev: open("/proc/net/dev"),
            buf: Vec::with_capacity(8192),
            prev_cpu: None,
            prev_net: None,
            last: None,
            net_rx_total: 0,
            net_tx_total: 0,
        }
    }

    /// The last reading again (between reads, when sampling faster than the host is read).
    pub(crate) fn last(&self) -> Option<HostSample> {
        self.last.clone()
    }

    /// Read the host at time `t` (seconds since start); rates are over the time since the
    /// previous read (0 on the first).
    pub(crate) fn sample(&mut self, t: f64) -> HostSample {
        let mut h = HostSample {
            cpu_pct: 0.0,
            mem_total_bytes: 0,
            mem_used_bytes: 0,
            mem_available_bytes: 0,
            load1: 0.0,
            load5: 0.0,
            load15: 0.0,
            net_rx_bytes_per_s: 0.0,
            net_tx_bytes_per_s: 0.0,
        };
        if let Some(f) = &self.stat {
            if procfs::reread(f, &mut self.buf).is_ok() {
                if let Some((busy, total)) = procfs::parse_host_cpu(&self.buf) {
                    if let Some((pb, pt)) = self.prev_cpu {
                        let dt = total.saturating_sub(pt);
                        if dt > 0 {
                            h.cpu_pct = 100.0 * busy.saturating_sub(pb) as f64 / dt as f64;
                        }
                    }
                    self.prev_cpu = Some((busy, total));
                }
            }
        }
        if let Some(f) = &self.meminfo {
            if procfs::reread(f, &mut self.buf).is_ok() {
                let (total, avail) = procfs::parse_meminfo(&self.buf);
                h.mem_total_bytes = total;
                h.mem_available_bytes = avail;
                h.mem_used_bytes = total.saturating_sub(avail);
            }
        }
        if let Some(f) = &self.loadavg {
            if procfs::reread(f, &mut self.buf).is_ok() {
                (h.load1, h.load5, h.load15) = procfs::parse_loadavg(&self.buf);
            }
        }
        if let Some(f) = &self.net_dev {
            if procfs::reread(f, &mut self.buf).is_ok() {
                let (rx, tx) = procfs::parse_net_dev(&self.buf);
                if let Some((pt, prx, ptx)) = self.prev_net {
                    let drx = rx.saturating_sub(prx);
                    let dtx = tx.saturating_sub(ptx);
                    self.net_rx_total += drx;
                    self.net_tx_total += dtx;
                    let dt_s = t - pt;
                    if dt_s > 0.0 {
                        h.net_rx_bytes_per_s = drx as f64 / dt_s;
                        h.net_tx_bytes_per_s = dtx as f64 / dt_s;
                    }
                }
                self.prev_net = Some((t, rx, tx));
            }
        }
        self.last = Some(h.clone());
        h
    }
}

impl Default for Host {
    fn default() -> Self {
        Host::new()
    }
}
