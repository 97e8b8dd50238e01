//! The sampling loop: one thread, an absolute schedule (no drift), a bounded ring of samples,
//! running summaries, alert and leak state updated as samples arrive.

use crate::alert::AlertEngine;
use crate::host::Host;
use crate::leak::{self, Materiality, Series};
use crate::summary::SummaryAcc;
use crate::tree::{Tree, TreeError};
use crate::{procfs, Live, MonitorError, MonitorSpec, Observer, TargetSpec};
use perfaudit_model::monitor::*;
use perfaudit_model::SCHEMA_MONITOR;
use std::collections::VecDeque;
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// CPUs in the affinity mask of `pid` (at least 1; the online count when unreadable).
fn affinity_cpus(pid: u32) -> f64 {
    // SAFETY: a zeroed cpu_set_t is valid; sched_getaffinity fills it.
    let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
    // SAFETY: valid pointer and size.
    let r = unsafe {
        libc::sched_getaffinity(
            pid as libc::pid_t,
            std::mem::size_of::<libc::cpu_set_t>(),
            &mut set,
        )
    };
    let n = if r == 0 {
        // SAFETY: set was filled by the kernel.
        unsafe { libc::CPU_COUNT(&set) as usize }
    } else {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    };
    n.max(1) as f64
}

/// A spawned command not yet reaped.
struct Child {
    pid: u32,
    exit: Option<ChildExit>,
}

pub(crate) struct Sampler {
    spec: MonitorSpec,
    observer: Option<Observer>,
    tree: Tree,
    host: Host,
    child: Option<Child>,
    target: Target,
    clk_tck: f64,
    ring: VecDeque<Sample>,
    samples_total: u64,
    summary: SummaryAcc,
    alerts: AlertEngine,
    rss: Series,
    fds: Series,
    threads: Series,
    fds_missing: bool,
    warnings: Vec<String>,
    /// CPUs the tree may run on (its root's affinity mask): a sample never shows more than
    /// 100% x this.
    cpus: f64,
    /// CPU ticks (user, system) measured but not yet shown: the share of an interval above
    /// the tree's capacity, which can only be tick rounding (each process's counters are
    /// whole ticks), carried into the next interval so totals stay exact.
    carry: (f64, f64),
    /// The largest carry, in seconds (how much rounding ever had to be moved).
    carry_max_s: f64,
    /// Processes whose last interval was lost (reaped by a process outside the tree, e.g. init).
    lost_exits: u64,
    /// Some member's smaps_rollup was never readable: PSS/USS unknown.
    pss_missing: bool,
}

impl Sampler {
    pub(crate) fn prepare(mut spec: MonitorSpec) -> Result<Sampler, MonitorError> {
        let (tck, page) = procfs::clk_tck_and_page_size();
        let mut child = None;
        let (pid, command, spawned) = match &spec.target {
            TargetSpec::Pid(pid) => {
                let cmd: Vec<String> = std::fs::read(procfs::proc_path(*pid, "cmdline"))
                    .map(|b| {
                        b.split(|&c| c == 0)
                            .filter(|s| !s.is_empty())
                            .map(|s| String::from_utf8_lossy(s).into_owned())
                            .collect()
                    })
                    .unwrap_or_default();
                // Kernel threads and zombies have no command line: show `[comm]` like ps.
                let cmd: Vec<String> = if cmd.is_empty() {
                    std::fs::read_to_string(procfs::proc_path(*pid, "comm"))
                        .map(|c| vec![format!("[{}]", c.trim_end())])
                        .unwrap_or_default()
                } else {
                    cmd
                };
                (*pid, cmd, false)
            }
            TargetSpec::Command(argv) => {
                let pid = spawn(argv)?;
                child = Some(Child { pid, exit: None });
                (pid, argv.clone(), true)
            }
        };
        // A spawned command may have finished before the first look (`true`): an empty tree,
        // and the run reports its exit.
        let tree = match Tree::new(pid, page, spawned) {
            Ok(t) => t,
            Err(e) => {
                return Err(match e {
                    TreeError::NoSuchProcess(p) => MonitorError::NoSuchProcess(p),
                    TreeError::Unreadable { pid, source }
                        if source.kind() == std::io::ErrorKind::PermissionDenied =>
                    {
                        MonitorError::PermissionDenied {
                            pid,
                            detail: source.to_string(),
                        }
                    }
                    TreeError::Unreadable { pid, source } => MonitorError::PermissionDenied {
                        pid,
                        detail: source.to_string(),
                    },
                });
            }
        };
        let alerts = AlertEngine::new(std::mem::take(&mut spec.alerts));
        Ok(Sampler {
            observer: spec.observer.take(),
            ring: VecDeque::with_capacity(spec.ring_capacity.min(4096)),
            spec,
            tree,
            host: Host::new(),
            child,
            target: Target {
                pid,
                command,
                spawned,
            },
            clk_tck: tck as f64,
            samples_total: 0,
            summary: SummaryAcc::default(),
            alerts,
            rss: Series::new(),
            fds: Series::new(),
            threads: Series::new(),
            fds_missing: false,
            warnings: Vec::new(),
            cpus: affinity_cpus(pid),
            carry: (0.0, 0.0),
            carry_max_s: 0.0,
            lost_exits: 0,
            pss_missing: false,
        })
    }

    pub(crate) fn root_pid(&self) -> u32 {
        self.target.pid
    }

    pub(crate) fn run(mut self, stop: Receiver<()>) -> MonitorReport {
        let start = Instant::now();
        let start_unix_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis() as u64)
            .unwrap_or(0);
        let interval = self.spec.interval;
        let deadline = self.spec.duration.map(|d| start + d);
        // Costlier readings are spaced out when sampling fast: the host every 200 ms at most
        // often, context switches, disk I/O and PSS every 500 ms (their rates are held in
        // between; totals are exact). New descendants are looked for at every sample: a
        // process found late would have its CPU since birth charged to one interval.
        let every = |period_ms: u128| -> u64 {
            (period_ms * 1_000_000)
                .div_ceil(interval.as_nanos().max(1))
                .max(1) as u64
        };
        let (host_every, slow_every) = (every(200), every(500));
        let mut tick: u64 = 0;
        let mut prev_t: Option<Instant> = None;
        let ended = loop {
            self.reap();
            let now = Instant::now();
            let t = now.duration_since(start).as_secs_f64();
            let read_host = self.samples_total.checked_rem(host_every) == Some(0);
            let slow = self.samples_total.checked_rem(slow_every) == Some(0);
            let refresh = self.tree.refresh(t, true, slow);
            if self.tree.is_empty() {
                // Only zombies left: the spawned root is one, reap it now (no all-zero sample
                // of a tree that has ended).
                self.reap();
            }
            if self.tree.is_empty() && self.child.as_ref().is_none_or(|c| c.exit.is_some()) {
                // The last interval's CPU (final counters of the processes that just ended)
                // belongs to the totals, though there is no process left to sample.
                let (du, ds) = self.tree_cpu_ticks();
                self.summary.cpu_user_s += du / self.clk_tck;
                self.summary.cpu_system_s += ds / self.clk_tck;
                self.summary.cpu_lost_exits = self.lost_exits;
                break EndReason::TargetExited;
            }
            let dt = prev_t.map(|p| now.duration_since(p).as_secs_f64());
            prev_t = Some(now);
            let elapsed = now.duration_since(start);
            let sample = self.build_sample(
                elapsed.as_secs_f64(),
                start_unix_ms + elapsed.as_millis() as u64,
                dt,
                read_host,
            );
            self.record(sample, refresh.warnings);
            if deadline.is_some_and(|d| Instant::now() >= d) {
                break EndReason::Duration;
            }
            // Next tick on the absolute schedule; skip ticks we are late for.
            tick += 1;
            let mut next = start + interval * tick as u32;
            let now = Instant::now();
            if next <= now {
                let behind = now.duration_since(start).as_nanos() / interval.as_nanos().max(1);
                tick = behind as u64 + 1;
                next = start + interval * tick as u32;
            }
            if let Some(d) = deadline {
                next = next.min(d);
            }
            match stop.recv_timeout(next.saturating_duration_since(Instant::now())) {
                Err(RecvTimeoutError::Timeout) => {}
                Ok(()) | Err(RecvTimeoutError::Disconnected) => break EndReason::Stopped,
            }
        };
        let end = Instant::now();
        if ended != EndReason::TargetExited {
            self.terminate_spawned();
        }
        self.reap();
        let duration_s = end.duration_since(start).as_secs_f64();
        self.finish(
            ended,
            start_unix_ms,
            start_unix_ms + (duration_s * 1000.0) as u64,
            duration_s,
        )
    }

    /// CPU ticks (user, system) of the tree in the interval since the last refresh: every
    /// member's own and reaped children's counters, less what reaped members had already shown.
    fn tree_cpu_ticks(&mut self) -> (f64, f64) {
        let tck = self.clk_tck;
        let (mut du, mut ds) = (0i64, 0i64);
        for m in &self.tree.members {
            if let Some(p) = m.prev {
                let (nu, ns) = m.now.totals();
                let (ou, os) = p.totals();
                du += nu.saturating_sub(ou) as i64;
                ds += ns.saturating_sub(os) as i64;
            }
        }
        // Members reaped since the last sample: their final counters moved into their parent's
        // cutime/cstime (counted above); what of them we had already counted comes off. One
        // reaped by a process outside the tree (init) took its last interval with it.
        let in_tree: std::collections::HashSet<u32> = self
            .tree
            .members
            .iter()
            .map(|m| m.pid)
            .chain(self.tree.vanished.iter().map(|v| v.pid))
            .collect();
        // The spawned root is reaped by the monitor itself: its final counters (own + every
        // child it reaped) are wait4's rusage.
        let root_final = self.child.as_ref().and_then(|c| {
            let e = c.exit.as_ref()?;
            Some((c.pid, e.user_s? * tck, e.system_s? * tck))
        });
        let (mut root_du, mut root_ds) = (0.0f64, 0.0f64);
        for v in &self.tree.vanished {
            if !v.read {
                continue;
            }
            if let Some((_, fu, fs)) = root_final.filter(|r| r.0 == v.pid) {
                let (u, s) = v.last.totals();
                root_du += (fu - u as f64).max(0.0);
                root_ds += (fs - s as f64).max(0.0);
            } else if in_tree.contains(&v.ppid) {
                let (u, s) = v.last.totals();
                du -= u as i64;
                ds -= s as i64;
            } else {
                self.lost_exits += 1;
            }
        }
        // A parent that reaped a child we never counted cannot go negative (rare races: a
        // child re-parented away between readings).
        (du.max(0) as f64 + root_du, ds.max(0) as f64 + root_ds)
    }

    fn build_sample(
        &mut self,
        t_s: f64,
        t_unix_ms: u64,
        dt: Option<f64>,
        read_host: bool,
    ) -> Sample {
        let dt_s = dt.unwrap_or(0.0);
        let host = match self.host.last() {
            Some(h) if !read_host => h,
            _ => self.host.sample(t_s),
        };
        let tck = self.clk_tck;
        let pct = |ticks: u64| {
            if dt_s > 0.0 {
                100.0 * ticks as f64 / tck / dt_s
            } else {
                0.0
            }
        };
        let (du, ds) = self.tree_cpu_ticks();
        let (mut dr, mut dw, mut dv, mut di) = (0u64, 0u64, 0u64, 0u64);
        let mut rates = [0.0f64; 4];
        let (mut rss, mut threads, mut fds) = (0u64, 0u64, Some(0u64));
        let (mut pss, mut uss) = (Some(0u64), Some(0u64));
        let mut io_ok = true;
        let mut per = self.spec.per_process.then(Vec::new);
        for m in &self.tree.members {
            // Own CPU plus what its reaped children had at their end (cutime/cstime).
            let (pu, ps) = match m.prev {
                Some(p) => {
                    let (nu, ns) = m.now.totals();
                    let (ou, os) = p.totals();
                    (nu.saturating_sub(ou), ns.saturating_sub(os))
                }
                None => (0, 0),
            };
            if let Some(d) = m.slow_delta {
                dr += d.read_bytes;
                dw += d.write_bytes;
                dv += d.ctx_vol;
                di += d.ctx_invol;
            }
            for (sum, r) in rates.iter_mut().zip(m.rates) {
                *sum += r;
            }
            rss += m.rss_bytes;
            threads += m.threads;
            fds = match (fds, m.fds) {
                (Some(a), Some(b)) => Some(a + b),
                _ => None,
            };
            match m.rollup {
                Some(r) => {
                    pss = pss.map(|v| v + r.pss_bytes);
                    uss = uss.map(|v| v + r.uss_bytes);
                }
                None => {
                    pss = None;
                    uss = None;
                }
            }
            io_ok &= m.io_ok;
            self.summary.rss_peak_process_bytes =
                self.summary.rss_peak_process_bytes.max(m.hwm_bytes);
            if let Some(per) = per.as_mut() {
                if !m.zombie {
                    per.push(ProcessSample {
                        pid: m.pid,
                        ppid: m.ppid,
                        name: m.name.clone(),
                        cpu_pct: pct(pu + ps),
                        cpu_user_pct: pct(pu),
                        cpu_sys_pct: pct(ps),
                        rss_bytes: m.rss_bytes,
                        rss_peak_bytes: m.hwm_bytes,
                        threads: m.threads,
                        fds: m.fds,
                    });
                }
            }
        }
        if pss.is_none() && !self.tree.members.is_empty() {
            self.pss_missing = true;
        }
        // What this interval shows: its ticks plus any carried rounding, at most the tree's
        // capacity (CPUs x interval); the rest waits for the next interval.
        let (mut su, mut ss) = (du + self.carry.0, ds + self.carry.1);
        if dt_s > 0.0 {
            let cap = self.cpus * dt_s * tck;
            let total = su + ss;
            if total > cap && total > 0.0 {
                let keep = cap / total;
                self.carry = (su * (1.0 - keep), ss * (1.0 - keep));
                su *= keep;
                ss *= keep;
            } else {
                self.carry = (0.0, 0.0);
            }
            self.carry_max_s = self.carry_max_s.max((self.carry.0 + self.carry.1) / tck);
        }
        let pct_f = |ticks: f64| {
            if dt_s > 0.0 {
                100.0 * ticks / tck / dt_s
            } else {
                0.0
            }
        };
        self.summary.cpus = self.cpus as u32;
        self.summary.cpu_lost_exits = self.lost_exits;
        self.summary.cpu_carried_max_s = self.carry_max_s;
        self.summary.cpu_user_s += du / tck;
        self.summary.cpu_system_s += ds / tck;
        self.summary.ctx_voluntary += dv;
        self.summary.ctx_involuntary += di;
        if io_ok {
            self.summary.read_bytes += dr;
            self.summary.write_bytes += dw;
        } else {
            self.summary.io_missing = true;
        }
        Sample {
            t_unix_ms,
            t_s,
            processes: self.tree.live() as u32,
            cpu_pct: pct_f(su + ss),
            cpu_user_pct: pct_f(su),
            cpu_sys_pct: pct_f(ss),
            rss_bytes: rss,
            pss_bytes: pss,
            uss_bytes: uss,
            threads,
            fds,
            read_bytes_per_s: io_ok.then_some(rates[0]),
            write_bytes_per_s: io_ok.then_some(rates[1]),
            ctx_voluntary_per_s: rates[2],
            ctx_involuntary_per_s: rates[3],
            host,
            per_process: per,
        }
    }

    fn record(&mut self, sample: Sample, new_warnings: Vec<String>) {
        self.samples_total += 1;
        self.summary.push(&sample);
        self.alerts.observe(&sample, self.samples_total > 1);
        self.rss.push(sample.t_s, sample.rss_bytes as f64);
        self.threads.push(sample.t_s, sample.threads as f64);
        match sample.fds {
            Some(f) => self.fds.push(sample.t_s, f as f64),
            None => self.fds_missing = true,
        }
        self.warnings.extend(new_warnings.iter().cloned());
        if let Some(obs) = self.observer.as_mut() {
            let summary = self
                .summary
                .summary(self.host.net_rx_total, self.host.net_tx_total);
            let active = self.alerts.active();
            let events = self.alerts.events.len() + active.len();
            obs(&Live {
                pid: self.target.pid,
                sample: &sample,
                summary: &summary,
                active_alerts: &active,
                alert_events: events,
                new_warnings: &new_warnings,
            });
        }
        if self.spec.ring_capacity > 0 {
            if self.ring.len() >= self.spec.ring_capacity {
                self.ring.pop_front();
            }
            self.ring.push_back(sample);
        }
    }

    /// Reap the spawned command if it exited (`wait4`, with its resource usage).
    fn reap(&mut self) {
        let Some(child) = self.child.as_mut() else {
            return;
        };
        if child.exit.is_some() {
            return;
        }
        let mut status: libc::c_int = 0;
        // SAFETY: an all-zero rusage is a valid value for wait4 to fill.
        let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
        // SAFETY: valid pointers to live locals; WNOHANG never blocks.
        let r = unsafe {
            libc::wait4(
                child.pid as libc::pid_t,
                &mut status,
                libc::WNOHANG,
                &mut ru,
            )
        };
        if r == child.pid as libc::pid_t {
            let tv = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
            child.exit = Some(ChildExit {
                code: libc::WIFEXITED(status).then(|| libc::WEXITSTATUS(status)),
                signal: libc::WIFSIGNALED(status).then(|| libc::WTERMSIG(status)),
                max_rss_bytes: Some(ru.ru_maxrss.max(0) as u64 * 1024),
                user_s: Some(tv(ru.ru_utime)),
                system_s: Some(tv(ru.ru_stime)),
                terminated_by_monitor: false,
            });
        } else if r < 0 {
            // Not our child any more (ECHILD): nothing to report.
            child.exit = Some(ChildExit {
                code: None,
                signal: None,
                max_rss_bytes: None,
                user_s: None,
                system_s: None,
                terminated_by_monitor: false,
            });
        }
    }

    /// At the end of `--duration` or on stop: SIGTERM the spawned tree, SIGKILL what is left
    /// after the grace period. Processes perfaudit did not start are never signalled.
    fn terminate_spawned(&mut self) {
        let Some(child) = self.child.as_ref() else {
            return;
        };
        if child.exit.is_some() && self.tree.is_empty() {
            return;
        }
        let signal_all = |tree: &Tree, sig: libc::c_int| {
            for m in &tree.members {
                // SAFETY: kill has no memory-safety preconditions.
                unsafe {
                    libc::kill(m.pid as libc::pid_t, sig);
                }
            }
        };
        signal_all(&self.tree, libc::SIGTERM);
        let give_up = Instant::now() + self.spec.kill_grace;
        loop {
            std::thread::sleep(Duration::from_millis(10));
            self.reap();
            let _ = self.tree.refresh(0.0, true, false);
            if self.tree.is_empty() {
                break;
            }
            if Instant::now() >= give_up {
                signal_all(&self.tree, libc::SIGKILL);
                std::thread::sleep(Duration::from_millis(20));
                self.reap();
                let _ = self.tree.refresh(0.0, true, false);
                break;
            }
        }
        if let Some(exit) = self.child.as_mut().and_then(|c| c.exit.as_mut()) {
            exit.terminated_by_monitor = true;
        }
    }

    fn finish(
        self,
        ended: EndReason,
        started_unix_ms: u64,
        ended_unix_ms: u64,
        duration_s: f64,
    ) -> MonitorReport {
        let span = self.ring.back().map_or(0.0, |s| s.t_s);
        let warmup_s = match self.spec.warmup {
            Some(w) => w.as_secs_f64(),
            None => (0.2 * span).min(60.0),
        };
        let alpha = self.spec.alpha;
        let rss = leak::analyse(
            "rss_bytes",
            &self.rss.points(),
            warmup_s,
            alpha,
            Materiality::Bytes {
                min: 1048576.0,
                share: 0.02,
            },
        );
        let mut fds = leak::analyse(
            "fds",
            &self.fds.points(),
            warmup_s,
            alpha,
            Materiality::Count(2.0),
        );
        let fds_ok = !self.fds_missing && !self.fds.is_empty();
        if !fds_ok {
            fds.verdict = LeakVerdict::Inconclusive;
            fds.reason = "open file descriptors were not readable for the whole run".to_string();
        }
        let threads = leak::analyse(
            "threads",
            &self.threads.points(),
            warmup_s,
            alpha,
            Materiality::Count(2.0),
        );
        let leak = leak::overall(
            vec![(rss, true), (fds, fds_ok), (threads, true)],
            warmup_s,
            alpha,
        );
        let summary = self
            .summary
            .summary(self.host.net_rx_total, self.host.net_tx_total);
        let samples_dropped = self.samples_total - self.ring.len() as u64;
        let (alerts, alerts_dropped) = self.alerts.finish();
        let mut warnings = self.warnings;
        warnings.extend(self.tree.closing_warnings());
        if alerts_dropped > 0 {
            warnings.push(format!(
                "{alerts_dropped} more alert events happened after the first {} (not listed)",
                crate::alert::MAX_EVENTS
            ));
        }
        MonitorReport {
            schema: SCHEMA_MONITOR.to_string(),
            target: self.target,
            interval_ms: self.spec.interval.as_secs_f64() * 1000.0,
            started_unix_ms,
            ended_unix_ms,
            duration_s,
            ended,
            exit: self.child.and_then(|c| c.exit),
            samples_total: self.samples_total,
            samples_dropped,
            samples: self.ring.into_iter().collect(),
            summary,
            alerts,
            leak,
            warnings,
        }
    }
}

fn spawn(argv: &[String]) -> Result<u32, MonitorError> {
    let program = &argv[0];
    match std::process::Command::new(program).args(&argv[1..]).spawn() {
        Ok(child) => Ok(child.id()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            Err(MonitorError::CommandNotFound(program.clone()))
        }
        Err(source) => Err(MonitorError::Spawn {
            program: program.clone(),
            source,
        }),
    }
}
