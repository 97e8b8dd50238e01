//! Minimal Linux /proc readers, tuned for repeated sampling: every file of a watched process
//! is opened once and re-read with `pread(fd, buf, 0)` (the kernel regenerates seq files on a
//! read at offset 0), so a sample costs one read per file and no path lookups or allocations.
//! Open file descriptors are counted with one `fstat` of `/proc/PID/fd` (the kernel reports
//! the count as the directory size since Linux 6.2), falling back to listing the directory.

use std::fs::File;
use std::io;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

/// Re-read a /proc file from offset 0 into `buf` (cleared first). Returns the bytes read.
pub fn reread(file: &File, buf: &mut Vec<u8>) -> io::Result<usize> {
    buf.clear();
    if buf.capacity() < 4096 {
        buf.reserve(4096);
    }
    loop {
        let len = buf.len();
        let cap = buf.capacity();
        buf.resize(cap, 0);
        let n = match file.read_at(&mut buf[len..], len as u64) {
            Ok(n) => n,
            Err(e) => {
                buf.truncate(len);
                return Err(e);
            }
        };
        buf.truncate(len + n);
        if n == 0 || buf.len() < cap {
            return Ok(buf.len());
        }
        buf.reserve(cap);
    }
}

/// The fields of `/proc/PID/stat` we use.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PidStat {
    pub state: u8,
    pub ppid: u32,
    pub utime_ticks: u64,
    pub stime_ticks: u64,
    /// CPU of the children this process waited for (`cutime`, `cstime`): where the final
    /// counters of a reaped child end up.
    pub cutime_ticks: u64,
    pub cstime_ticks: u64,
    pub num_threads: u64,
    pub starttime_ticks: u64,
    pub rss_pages: u64,
}

/// Parse `/proc/PID/stat`. The command name may hold spaces and parentheses: fields are counted
/// from the last `)`.
pub fn parse_stat(buf: &[u8]) -> Option<(PidStat, &[u8])> {
    let open = buf.iter().position(|&b| b == b'(')?;
    let close = buf.iter().rposition(|&b| b == b')')?;
    if close < open {
        return None;
    }
    let comm = &buf[open + 1..close];
    let rest = buf.get(close + 2..)?;
    let mut st = PidStat::default();
    for (i, field) in rest
        .split(|&b| b == b' ' || b == b'\n')
        .filter(|f| !f.is_empty())
        .enumerate()
    {
        match i {
            0 => st.state = field[0],
            1 => st.ppid = parse_u64(field)? as u32,
            11 => st.utime_ticks = parse_u64(field)?,
            12 => st.stime_ticks = parse_u64(field)?,
            // Signed in the kernel (`%ld`): a value we cannot read counts as none.
            13 => st.cutime_ticks = parse_u64(field).unwrap_or(0),
            14 => st.cstime_ticks = parse_u64(field).unwrap_or(0),
            17 => st.num_threads = parse_u64(field)?,
            19 => st.starttime_ticks = parse_u64(field)?,
            21 => {
                st.rss_pages = parse_u64(field)?;
                return Some((st, comm));
            }
            _ => {}
        }
    }
    None
}

/// The fields of `/proc/PID/status` (or `/proc/PID/task/TID/status`) we use.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PidStatus {
    pub vm_hwm_bytes: u64,
    pub vm_rss_bytes: u64,
    pub voluntary_ctxt_switches: u64,
    pub nonvoluntary_ctxt_switches: u64,
}

pub fn parse_status(buf: &[u8]) -> PidStatus {
    let mut st = PidStatus::default();
    for line in buf.split(|&b| b == b'\n') {
        let Some(colon) = line.iter().position(|&b| b == b':') else {
            continue;
        };
        let (key, val) = (&line[..colon], &line[colon + 1..]);
        let slot = match key {
            b"VmHWM" => &mut st.vm_hwm_bytes,
            b"VmRSS" => &mut st.vm_rss_bytes,
            b"voluntary_ctxt_switches" => &mut st.voluntary_ctxt_switches,
            b"nonvoluntary_ctxt_switches" => &mut st.nonvoluntary_ctxt_switches,
            _ => continue,
        };
        let v = first_number(val).unwrap_or(0);
        *slot = if val.ends_with(b"kB") { v * 1024 } else { v };
    }
    st
}

/// The fields of `/proc/PID/smaps_rollup` we use, in bytes: PSS (each shared page divided by
/// the number of processes mapping it) and USS (pages private to the process).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Rollup {
    pub pss_bytes: u64,
    pub uss_bytes: u64,
}

/// Parse `/proc/PID/smaps_rollup` (`Pss:`, `Private_Clean:`, `Private_Dirty:` in kB). `None`
/// when there is no `Pss:` line (a kernel thread or an empty read).
pub fn parse_smaps_rollup(buf: &[u8]) -> Option<Rollup> {
    let mut r = Rollup::default();
    let mut seen = false;
    for line in buf.split(|&b| b == b'\n') {
        let Some(colon) = line.iter().position(|&b| b == b':') else {
            continue;
        };
        let (key, val) = (&line[..colon], &line[colon + 1..]);
        let kib = |v: &[u8]| first_number(v).unwrap_or(0).saturating_mul(1024);
        match key {
            b"Pss" => {
                r.pss_bytes = kib(val);
                seen = true;
            }
            b"Private_Clean" | b"Private_Dirty" => {
                r.uss_bytes = r.uss_bytes.saturating_add(kib(val));
            }
            _ => {}
        }
    }
    seen.then_some(r)
}

/// `read_bytes` and `write_bytes` of `/proc/PID/io`.
pub fn parse_io(buf: &[u8]) -> (u64, u64) {
    let (mut r, mut w) = (0, 0);
    for line in buf.split(|&b| b == b'\n') {
        if let Some(v) = line.strip_prefix(b"read_bytes:") {
            r = first_number(v).unwrap_or(0);
        } else if let Some(v) = line.strip_prefix(b"write_bytes:") {
            w = first_number(v).unwrap_or(0);
        }
    }
    (r, w)
}

/// Host CPU jiffies from the first line of `/proc/stat`: (busy, total).
pub fn parse_host_cpu(buf: &[u8]) -> Option<(u64, u64)> {
    let line = buf.split(|&b| b == b'\n').next()?;
    let rest = line.strip_prefix(b"cpu ")?;
    let mut total = 0u64;
    let mut idle = 0u64;
    for (i, f) in rest
        .split(|&b| b == b' ')
        .filter(|f| !f.is_empty())
        .enumerate()
    {
        let v = parse_u64(f)?;
        // user nice system idle iowait irq softirq steal guest guest_nice; guest time is
        // already counted in user/nice.
        if i >= 8 {
            break;
        }
        total += v;
        if i == 3 || i == 4 {
            idle += v;
        }
    }
    Some((total - idle, total))
}

/// `MemTotal` and `MemAvailable` of `/proc/meminfo`, in bytes.
pub fn parse_meminfo(buf: &[u8]) -> (u64, u64) {
    let (mut total, mut avail) = (0, 0);
    for line in buf.split(|&b| b == b'\n') {
        if let Some(v) = line.strip_prefix(b"MemTotal:") {
            total = first_number(v).unwrap_or(0) * 1024;
        } else if let Some(v) = line.strip_prefix(b"MemAvailable:") {
            avail = first_number(v).unwrap_or(0) * 1024;
        }
    }
    (total, avail)
}

/// The three load averages of `/proc/loadavg`.
pub fn parse_loadavg(buf: &[u8]) -> (f64, f64, f64) {
    let s = std::str::from_utf8(buf).unwrap_or("");
    let mut it = s
        .split_whitespace()
        .map(|f| f.parse::<f64>().unwrap_or(0.0));
    (
        it.next().unwrap_or(0.0),
        it.next().unwrap_or(0.0),
        it.next().unwrap_or(0.0),
    )
}

/// Received and transmitted bytes summed over every interface of `/proc/net/dev` but `lo`.
pub fn parse_net_dev(buf: &[u8]) -> (u64, u64) {
    let (mut rx, mut tx) = (0, 0);
    for line in buf.split(|&b| b == b'\n').skip(2) {
        let Some(colon) = line.iter().position(|&b| b == b':') else {
            continue;
        };
        let name = line[..colon].trim_ascii();
        if name == b"lo" {
            continue;
        }
        let mut fields = line[colon + 1..]
            .split(|&b| b == b' ')
            .filter(|f| !f.is_empty());
        let r = fields.next().and_then(parse_u64).unwrap_or(0);
        let t = fields.nth(7).and_then(parse_u64).unwrap_or(0);
        rx += r;
        tx += t;
    }
    (rx, tx)
}

fn parse_u64(b: &[u8]) -> Option<u64> {
    if b.is_empty() {
        return None;
    }
    let mut v: u64 = 0;
    for &c in b {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v.checked_mul(10)?.checked_add(u64::from(c - b'0'))?;
    }
    Some(v)
}

fn first_number(b: &[u8]) -> Option<u64> {
    b.split(|c| !c.is_ascii_digit())
        .find(|f| !f.is_empty())
        .and_then(parse_u64)
}

pub fn proc_path(pid: u32, file: &str) -> PathBuf {
    Path::new("/proc").join(pid.to_string()).join(file)
}

/// The PIDs in `/proc` right now.
pub fn list_pids(out: &mut Vec<u32>) -> io::Result<()> {
    out.clear();
    for entry in std::fs::read_dir("/proc")? {
        let entry = entry?;
        if let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|s| s.parse::<u32>().ok())
        {
            out.push(pid);
        }
    }
    Ok(())
}

/// Whether `fstat` of `/proc/PID/fd` reports the number of open descriptors (Linux >= 6.2).
pub fn fd_count_by_size_supported() -> bool {
    // This process has stdin/stdout/stderr and the directory handle open: more than zero.
    File::open("/proc/self/fd")
        .and_then(|f| f.metadata())
        .map(|m| m.len() > 0)
        .unwrap_or(false)
}

/// Count open descriptors through a held `/proc/PID/fd` handle.
pub fn count_fds(dir: &File, by_size: bool, pid: u32) -> io::Result<u64> {
    if by_size {
        let len = dir.metadata()?.len();
        if len > 0 {
            return Ok(len);
        }
        // A process with no descriptors, or a kernel that reports 0: count to be sure.
    }
    let mut n = 0;
    for entry in std::fs::read_dir(proc_path(pid, "fd"))? {
        entry?;
        n += 1;
    }
    Ok(n)
}

/// Clock ticks per second and the page size.
pub fn clk_tck_and_page_size() -> (u64, u64) {
    // SAFETY: sysconf has no preconditions.
    let tck = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    // SAFETY: as above.
    let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    (
        if tck > 0 { tck as u64 } else { 100 },
        if page > 0 { page as u64 } else { 4096 },
    )
}

/// Clock ticks per second.
pub fn clock_ticks() -> u64 {
    clk_tck_and_page_size().0
}

/// Now on the boot clock (the clock of `starttime` in `/proc/PID/stat`), in clock ticks.
pub fn boot_ticks(tck: u64) -> Option<u64> {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: a valid timespec pointer.
    if unsafe { libc::clock_gettime(libc::CLOCK_BOOTTIME, &mut ts) } != 0 {
        return None;
    }
    Some(ts.tv_sec as u64 * tck + ts.tv_nsec as u64 * tck / 1_000_000_000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_children_cpu_and_smaps_rollup() {
        let line = b"7 (w) S 1 7 7 0 -1 0 0 0 0 0 10 2 300 40 20 0 1 0 99 0 5 0\n";
        let (st, _) = parse_stat(line).unwrap();
        assert_eq!((st.utime_ticks, st.stime_ticks), (10, 2));
        assert_eq!((st.cutime_ticks, st.cstime_ticks), (300, 40));
        let rollup = b"55d0-7ffd ---p 00000000 00:00 0 [rollup]\nRss:  1000 kB\nPss:  400 kB\n\
            Pss_Anon:  100 kB\nShared_Clean:  800 kB\nPrivate_Clean:  50 kB\nPrivate_Dirty:  150 kB\n";
        let r = parse_smaps_rollup(rollup).unwrap();
        assert_eq!(r.pss_bytes, 400 * 1024);
        assert_eq!(r.uss_bytes, 200 * 1024);
        assert!(parse_smaps_rollup(b"").is_none());
        assert!(parse_smaps_rollup(b"garbage\n:::\n").is_none());
    }

    #[test]
    fn parses_stat_with_awkward_comm() {
        let line = b"4242 (we ird) (name)) S 17 4242 4242 0 -1 4194560 1 0 0 0 \
            150 25 0 0 20 0 3 0 123456 1000000 2500 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n";
        let (st, comm) = parse_stat(line).unwrap();
        assert_eq!(comm, b"we ird) (name)");
        assert_eq!(st.state, b'S');
        assert_eq!(st.ppid, 17);
        assert_eq!(st.utime_ticks, 150);
        assert_eq!(st.stime_ticks, 25);
        assert_eq!((st.cutime_ticks, st.cstime_ticks), (0, 0));
        assert_eq!(st.num_threads, 3);
        assert_eq!(st.starttime_ticks, 123456);
        assert_eq!(st.rss_pages, 2500);
        assert!(parse_stat(b"garbage").is_none());
        assert!(parse_stat(b"1 (x) S 1").is_none());
    }

    #[test]
    fn parses_status_io_and_host_files() {
        let status = b"Name:\tpython3\nVmHWM:\t  10240 kB\nVmRSS:\t   8192 kB\nThreads:\t1\n\
            voluntary_ctxt_switches:\t12\nnonvoluntary_ctxt_switches:\t3\n";
        let st = parse_status(status);
        assert_eq!(st.vm_hwm_bytes, 10240 * 1024);
        assert_eq!(st.vm_rss_bytes, 8192 * 1024);
        assert_eq!(st.voluntary_ctxt_switches, 12);
        assert_eq!(st.nonvoluntary_ctxt_switches, 3);
        let io = b"rchar: 100\nwchar: 200\nsyscr: 1\nsyscw: 2\nread_bytes: 4096\nwrite_bytes: 8192\ncancelled_write_bytes: 0\n";
        assert_eq!(parse_io(io), (4096, 8192));
        let stat = b"cpu  100 10 50 800 40 0 0 0 0 0\ncpu0 1 2 3 4\n";
        assert_eq!(parse_host_cpu(stat), Some((160, 1000)));
        let mem = b"MemTotal:  1000 kB\nMemFree: 10 kB\nMemAvailable:  600 kB\n";
        assert_eq!(parse_meminfo(mem), (1_024_000, 614_400));
        assert_eq!(
            parse_loadavg(b"0.50 1.25 2.00 3/107 12205\n"),
            (0.5, 1.25, 2.0)
        );
        let net = b"Inter-|   Receive |  Transmit\n face |bytes packets|bytes\n    lo: 3193 29 0 0 0 0 0 0 3193 29 0 0 0 0 0 0\n  eth0: 1000 5 0 0 0 0 0 0 2000 6 0 0 0 0 0 0\n";
        assert_eq!(parse_net_dev(net), (1000, 2000));
    }

    #[test]
    fn rereads_self_stat_and_counts_fds() {
        let f = File::open("/proc/self/stat").unwrap();
        let mut buf = Vec::new();
        reread(&f, &mut buf).unwrap();
        let (a, _) = parse_stat(&buf).unwrap();
        reread(&f, &mut buf).unwrap();
        let (b, _) = parse_stat(&buf).unwrap();
        assert_eq!(a.ppid, b.ppid);
        assert!(b.num_threads >= 1);
        let pid = std::process::id();
        let dir = File::open(proc_path(pid, "fd")).unwrap();
        let by_size = fd_count_by_size_supported();
        let before = count_fds(&dir, by_size, pid).unwrap();
        let extra: Vec<File> = (0..5)
            .map(|_| File::open("/proc/self/stat").unwrap())
            .collect();
        let after = count_fds(&dir, by_size, pid).unwrap();
        // Other test threads may open files concurrently; at least our five are seen.
        assert!(after >= before + 5, "{before} -> {after}");
        drop(extra);
    }
}
