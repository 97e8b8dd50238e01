//! How busy the machine was around a stage: host CPU from /proc/stat minus what perfaudit and
//! its children (benchmarked commands, stopped services) used, minus the running service's
//! own CPU (from the monitor), gives the CPU other work took; steal and the load average come
//! along. Recorded per stage in the run (`noise`); the comparison uses it to tell a slower
//! machine from slower code.

use perfaudit_model::run::StageNoise;
use std::time::Instant;

/// A reading at the start of a stage.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Probe {
    at: Instant,
    /// busy, steal, total (seconds of CPU time over all cores).
    host: Option<(f64, f64, f64)>,
    /// perfaudit's own CPU plus its reaped children's, seconds.
    own: f64,
    loadavg: f64,
}

fn clk_tck() -> f64 {
    // SAFETY: sysconf has no preconditions.
    let t = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    if t > 0 {
        t as f64
    } else {
        100.0
    }
}

/// (busy, steal, total) CPU seconds from the first line of /proc/stat.
fn host_cpu() -> Option<(f64, f64, f64)> {
    let text = std::fs::read_to_string("/proc/stat").ok()?;
    let line = text.lines().next()?;
    let v: Vec<f64> = line
        .split_whitespace()
        .skip(1)
        .filter_map(|x| x.parse().ok())
        .collect();
    if v.len() < 8 {
        return None;
    }
    // user nice system idle iowait irq softirq steal [guest guest_nice: inside user/nice]
    let busy = v[0] + v[1] + v[2] + v[5] + v[6];
    let steal = v[7];
    let total = v[..8].iter().sum::<f64>();
    let t = clk_tck();
    Some((busy / t, steal / t, total / t))
}

fn own_cpu() -> f64 {
    let get = |who| {
        // SAFETY: getrusage writes into the zeroed struct we own.
        let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
        // SAFETY: valid pointer to a rusage struct.
        unsafe { libc::getrusage(who, &mut ru) };
        let tv = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
        tv(ru.ru_utime) + tv(ru.ru_stime)
    };
    get(libc::RUSAGE_SELF) + get(libc::RUSAGE_CHILDREN)
}

fn loadavg() -> f64 {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next().and_then(|x| x.parse().ok()))
        .unwrap_or(0.0)
}

fn cores() -> u32 {
    std::thread::available_parallelism().map_or(1, |n| n.get() as u32)
}

impl Probe {
    pub(crate) fn start() -> Probe {
        Probe {
            at: Instant::now(),
            host: host_cpu(),
            own: own_cpu(),
            loadavg: loadavg(),
        }
    }

    /// The stage's noise; `service_cpu_s`: CPU seconds the (unreaped) service used meanwhile.
    pub(crate) fn finish(&self, stage: &str, service_cpu_s: f64) -> Option<StageNoise> {
        let wall = self.at.elapsed().as_secs_f64();
        let (b0, s0, t0) = self.host?;
        let (b1, s1, t1) = host_cpu()?;
        if wall <= 0.0 {
            return None;
        }
        let n = cores();
        let busy = (b1 - b0).max(0.0);
        let own = (own_cpu() - self.own).max(0.0);
        let other = ((busy - own - service_cpu_s) / wall).max(0.0);
        let total = (t1 - t0).max(1e-9);
        let steal_pct = ((s1 - s0).max(0.0) / total * 100.0).min(100.0);
        let steal_cores = steal_pct / 100.0 * f64::from(n);
        let round = |x: f64| (x * 1000.0).round() / 1000.0;
        Some(StageNoise {
            stage: stage.to_string(),
            wall_s: round(wall),
            loadavg_before: self.loadavg,
            loadavg_after: loadavg(),
            other_cores: round(other),
            steal_pct: round(steal_pct),
            available_cores: round((f64::from(n) - other - steal_cores).max(0.0)),
            cores: n,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_busy_thread_of_our_own_is_not_counted_as_other_work() {
        let p = Probe::start();
        let t = Instant::now();
        let mut x = 0u64;
        while t.elapsed().as_millis() < 300 {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1);
        }
        std::hint::black_box(x);
        let n = p.finish("test", 0.0).unwrap();
        assert_eq!(n.stage, "test");
        assert!(n.wall_s >= 0.3);
        // Our own spinning is ours; what other tests do meanwhile is in `other`, so only
        // bounds can be asserted on a shared machine.
        assert!(n.other_cores >= 0.0 && n.other_cores <= f64::from(n.cores));
        assert!(n.available_cores <= f64::from(n.cores));
    }
}
