//! The watched process tree: the root and every descendant, each with its /proc files held
//! open. Membership is sticky: a descendant re-parented to init when its parent exits (a
//! daemonised worker) is still followed until it exits.

use crate::procfs::{self, PidStat};
use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io;

/// CPU counters, read at every sample (`/proc/PID/stat`): the process's own and those of the
/// children it reaped (a reaped child's final counters land in its parent's `cutime`/`cstime`).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Counters {
    pub utime_ticks: u64,
    pub stime_ticks: u64,
    pub cutime_ticks: u64,
    pub cstime_ticks: u64,
}

impl Counters {
    /// Own + reaped children's (user, system) ticks.
    pub(crate) fn totals(&self) -> (u64, u64) {
        (
            self.utime_ticks.saturating_add(self.cutime_ticks),
            self.stime_ticks.saturating_add(self.cstime_ticks),
        )
    }
}

/// A member that was gone at this refresh (reaped): where its final counters went.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Vanished {
    pub pid: u32,
    /// Its parent at the last reading: when that is a member, the parent's `cutime`/`cstime`
    /// grew by this process's final counters.
    pub ppid: u32,
    /// The last counters read (own + reaped children).
    pub last: Counters,
    /// Whether `last` was read at all (a member gone before its first reading has nothing to
    /// subtract).
    pub read: bool,
}

/// Slower-moving counters, read at most every `slow` refresh (`status` of each thread and
/// `io` cost more to generate than `stat`): disk bytes and context switches.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct SlowCounters {
    pub read_bytes: u64,
    pub write_bytes: u64,
    pub ctx_vol: u64,
    pub ctx_invol: u64,
}

/// One process of the tree with its held files and last readings.
pub(crate) struct Member {
    pub pid: u32,
    pub ppid: u32,
    pub name: String,
    starttime: u64,
    stat: File,
    /// `/proc/PID/task/TID/status` per thread (context switches are per thread).
    tasks: Vec<(u32, File)>,
    tasks_checked_at: u64,
    io: Option<File>,
    fd_dir: Option<File>,
    /// CPU counters at the previous sample (`None` right after the first sample of the run).
    pub prev: Option<Counters>,
    pub now: Counters,
    /// The last slow reading and when (seconds since start).
    slow_last: Option<(f64, SlowCounters)>,
    /// What the slow counters grew by at this refresh (`None` when they were not read).
    pub slow_delta: Option<SlowCounters>,
    /// Per-second rates of the slow counters over the last slow interval.
    pub rates: [f64; 4],
    pub rss_bytes: u64,
    pub hwm_bytes: u64,
    pub threads: u64,
    pub fds: Option<u64>,
    pub io_ok: bool,
    /// `/proc/PID/smaps_rollup`, read at slow refreshes (it walks the page tables).
    rollup_file: Option<File>,
    /// PSS/USS at the last slow refresh; `None` when not readable.
    pub rollup: Option<procfs::Rollup>,
    /// Exited and not yet reaped: its counters are final; it holds no memory, threads or fds.
    pub zombie: bool,
    has_read: bool,
}

/// What one refresh saw.
#[derive(Debug, Default)]
pub(crate) struct Refresh {
    /// Warnings to surface once (permission problems).
    pub warnings: Vec<String>,
}

pub(crate) struct Tree {
    pub members: Vec<Member>,
    /// Members that were gone (reaped) at the last refresh.
    pub vanished: Vec<Vanished>,
    /// Boot-clock ticks at the last discovery scan: a new child that started before it is not a
    /// new-born process (its earlier CPU is not the tree's).
    last_scan_ticks: Option<u64>,
    clk_tck: u64,
    /// PIDs known not to belong to the tree: pid -> starttime.
    outsiders: HashMap<u32, u64>,
    pids: Vec<u32>,
    buf: Vec<u8>,
    page_size: u64,
    fd_by_size: bool,
    samples: u64,
    warned_fd: HashSet<u32>,
    warned_io: HashSet<u32>,
    last_t: Option<f64>,
}

#[derive(Debug, thiserror::Error)]
pub(crate) enum TreeError {
    #[error("no process with PID {0}")]
    NoSuchProcess(u32),
    #[error("cannot read /proc/{pid}/stat: {source}")]
    Unreadable { pid: u32, source: io::Error },
}

impl Tree {
    /// Start following `root`. Fails when it does not exist or its stat is unreadable.
    /// With `allow_dead`, a root that already exited gives an empty tree instead of an error
    /// (a spawned command that finished before the first look).
    pub(crate) fn new(root: u32, page_size: u64, allow_dead: bool) -> Result<Tree, TreeError> {
        let mut tree = Tree {
            members: Vec::new(),
            vanished: Vec::new(),
            last_scan_ticks: None,
            clk_tck: procfs::clock_ticks(),
            outsiders: HashMap::new(),
            pids: Vec::new(),
            buf: Vec::with_capacity(4096),
            page_size,
            fd_by_size: procfs::fd_count_by_size_supported(),
            samples: 0,
            warned_fd: HashSet::new(),
            warned_io: HashSet::new(),
            last_t: None,
        };
        let stat = match File::open(procfs::proc_path(root, "stat")) {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return if allow_dead {
                    Ok(tree)
                } else {
                    Err(TreeError::NoSuchProcess(root))
                };
            }
            Err(source) => return Err(TreeError::Unreadable { pid: root, source }),
        };
        procfs::reread(&stat, &mut tree.buf)
            .map_err(|source| TreeError::Unreadable { pid: root, source })?;
        let Some((st, comm)) = procfs::parse_stat(&tree.buf) else {
            return Err(TreeError::NoSuchProcess(root));
        };
        if st.state == b'Z' || st.state == b'X' {
            return if allow_dead {
                Ok(tree)
            } else {
                Err(TreeError::NoSuchProcess(root))
            };
        }
        let name = String::from_utf8_lossy(comm).into_owned();
        tree.members.push(Member::new(root, st, name, stat));
        Ok(tree)
    }

    /// No live process left (zombies waiting to be reaped do not count).
    pub(crate) fn is_empty(&self) -> bool {
        self.members.iter().all(|m| m.zombie)
    }

    /// Live processes (zombies excluded).
    pub(crate) fn live(&self) -> usize {
        self.members.iter().filter(|m| !m.zombie).count()
    }

    /// Closing remarks: how many processes had unreadable fds / disk I/O in all, when more
    /// than the one already named.
    pub(crate) fn closing_warnings(&self) -> Vec<String> {
        let mut w = Vec::new();
        if self.warned_fd.len() > 1 {
            w.push(format!(
                "open file descriptors were not readable for {} processes of the tree in all",
                self.warned_fd.len()
            ));
        }
        if self.warned_io.len() > 1 {
            w.push(format!(
                "disk I/O was not readable for {} processes of the tree in all",
                self.warned_io.len()
            ));
        }
        w
    }

    /// Read every member's counters at time `t` (seconds since start); with `discover`, first
    /// look for new descendants; with `slow`, also read disk I/O and context switches.
    /// Exited members are dropped.
    pub(crate) fn refresh(&mut self, t: f64, discover: bool, slow: bool) -> Refresh {
        let mut out = Refresh::default();
        self.samples += 1;
        if discover || self.samples == 1 {
            self.discover();
        }
        let page = self.page_size;
        let by_size = self.fd_by_size;
        let samples = self.samples;
        let buf = &mut self.buf;
        let vanished = &mut self.vanished;
        vanished.clear();
        self.members.retain_mut(|m| {
            let alive = m.read(buf, page, by_size, samples, t, slow);
            if !alive {
                vanished.push(Vanished {
                    pid: m.pid,
                    ppid: m.ppid,
                    last: m.now,
                    read: m.has_read,
                });
            }
            alive
        });
        self.last_t = Some(t);
        // One warning per kind (the first process it concerns); the others are counted.
        for m in &self.members {
            if m.fds.is_none() && self.warned_fd.insert(m.pid) && self.warned_fd.len() == 1 {
                out.warnings.push(format!(
                    "open file descriptors of PID {} ({}) are not readable (permission denied: \
                     run perfaudit as the same user or root); fds are reported as unknown",
                    m.pid, m.name
                ));
            }
            if !m.io_ok && self.warned_io.insert(m.pid) && self.warned_io.len() == 1 {
                out.warnings.push(format!(
                    "disk I/O of PID {} ({}) is not readable (/proc/{}/io: permission denied or \
                     not supported); disk bytes are reported as unknown",
                    m.pid, m.name, m.pid
                ));
            }
        }
        out
    }

    /// Scan /proc for processes whose parent is a member.
    fn discover(&mut self) {
        let scan_ticks = procfs::boot_ticks(self.clk_tck);
        if procfs::list_pids(&mut self.pids).is_err() {
            return;
        }
        let newborn_after = self.last_scan_ticks;
        self.last_scan_ticks = scan_ticks;
        // Forget outsiders that are gone; every 50 samples re-check them all (PID reuse).
        if self.samples.checked_rem(50) == Some(0) {
            self.outsiders.clear();
        } else if self.outsiders.len() > self.pids.len() {
            let live: HashSet<u32> = self.pids.iter().copied().collect();
            self.outsiders.retain(|p, _| live.contains(p));
        }
        let mut member_pids: HashSet<u32> = self.members.iter().map(|m| m.pid).collect();
        let mut candidates: Vec<(u32, PidStat, String, File)> = Vec::new();
        for &pid in &self.pids {
            if member_pids.contains(&pid) || self.outsiders.contains_key(&pid) {
                continue;
            }
            let Ok(f) = File::open(procfs::proc_path(pid, "stat")) else {
                continue;
            };
            if procfs::reread(&f, &mut self.buf).is_err() {
                continue;
            }
            let Some((st, comm)) = procfs::parse_stat(&self.buf) else {
                continue;
            };
            let name = String::from_utf8_lossy(comm).into_owned();
            candidates.push((pid, st, name, f));
        }
        // Resolve chains of new processes (a new child and its new grandchild) to a fixpoint.
        loop {
            let before = candidates.len();
            let mut i = 0;
            while i < candidates.len() {
                if member_pids.contains(&candidates[i].1.ppid) {
                    let (pid, st, name, f) = candidates.swap_remove(i);
                    if st.state != b'Z' && st.state != b'X' {
                        member_pids.insert(pid);
                        let born_since_last_scan = match newborn_after {
                            // One tick of slack: starttime is rounded down to a tick.
                            Some(last) => st.starttime_ticks + 1 >= last,
                            None => false,
                        };
                        let mut m = Member::new(pid, st, name, f);
                        if let (Some(t), true) = (self.last_t, born_since_last_scan) {
                            // Born since the last scan (every sample): everything it did
                            // happened in this interval.
                            m.prev = Some(Counters::default());
                            m.slow_last = Some((t, SlowCounters::default()));
                        }
                        self.members.push(m);
                    }
                } else {
                    i += 1;
                }
            }
            if candidates.len() == before {
                break;
            }
        }
        for (pid, st, _, _) in candidates {
            self.outsiders.insert(pid, st.starttime_ticks);
        }
    }
}

impl Member {
    fn new(pid: u32, st: PidStat, name: String, stat: File) -> Member {
        let fd_dir = File::open(procfs::proc_path(pid, "fd")).ok();
        let io = File::open(procfs::proc_path(pid, "io")).ok();
        Member {
            pid,
            ppid: st.ppid,
            name,
            starttime: st.starttime_ticks,
            stat,
            tasks: Vec::new(),
            tasks_checked_at: 0,
            io,
            fd_dir,
            prev: None,
            now: Counters::default(),
            slow_last: None,
            slow_delta: None,
            rates: [0.0; 4],
            rss_bytes: 0,
            hwm_bytes: 0,
            threads: 0,
            fds: None,
            io_ok: false,
            rollup_file: File::open(procfs::proc_path(pid, "smaps_rollup")).ok(),
            rollup: None,
            zombie: false,
            has_read: false,
        }
    }

    /// Read this member's counters. False when it has exited (or became a zombie).
    fn read(
        &mut self,
        buf: &mut Vec<u8>,
        page: u64,
        fd_by_size: bool,
        sample: u64,
        t: f64,
        slow: bool,
    ) -> bool {
        if procfs::reread(&self.stat, buf).is_err() {
            return false;
        }
        let Some((st, comm)) = procfs::parse_stat(buf) else {
            return false;
        };
        if comm != self.name.as_bytes() {
            self.name = String::from_utf8_lossy(comm).into_owned();
        }
        if st.state == b'X' || st.starttime_ticks != self.starttime {
            return false;
        }
        if self.has_read {
            self.prev = Some(self.now);
        }
        if st.state == b'Z' {
            // Exited, not yet reaped: take its final counters now (its last interval is not
            // lost); it is dropped once reaped, when its parent's cutime/cstime hold them.
            self.zombie = true;
            self.now = Counters {
                utime_ticks: st.utime_ticks,
                stime_ticks: st.stime_ticks,
                cutime_ticks: st.cutime_ticks,
                cstime_ticks: st.cstime_ticks,
            };
            self.ppid = st.ppid;
            self.threads = 0;
            self.rss_bytes = 0;
            self.fds = Some(0);
            self.io_ok = true;
            self.rollup = Some(procfs::Rollup::default());
            self.slow_delta = None;
            self.rates = [0.0; 4];
            self.has_read = true;
            return true;
        }
        self.ppid = st.ppid;
        self.threads = st.num_threads;
        self.rss_bytes = st.rss_pages * page;
        self.hwm_bytes = self.hwm_bytes.max(self.rss_bytes);
        self.now = Counters {
            utime_ticks: st.utime_ticks,
            stime_ticks: st.stime_ticks,
            cutime_ticks: st.cutime_ticks,
            cstime_ticks: st.cstime_ticks,
        };
        self.fds = self
            .fd_dir
            .as_ref()
            .and_then(|d| procfs::count_fds(d, fd_by_size, self.pid).ok());
        self.slow_delta = None;
        if slow || !self.has_read {
            self.read_slow(buf, sample, st.num_threads, t);
        }
        let unreadable = self.fds.is_none() || !self.io_ok || self.rollup.is_none();
        if unreadable && self.exiting(buf) {
            // It exited between reading its stat and its other files: the files were gone,
            // not forbidden (no permission warning); it holds no fds or memory any more.
            self.fds = Some(0);
            self.io_ok = true;
            self.rollup = Some(procfs::Rollup::default());
        }
        self.has_read = true;
        true
    }

    /// Whether the process is a zombie or gone right now.
    fn exiting(&self, buf: &mut Vec<u8>) -> bool {
        if procfs::reread(&self.stat, buf).is_err() {
            return true;
        }
        match procfs::parse_stat(buf) {
            Some((st, _)) => st.state == b'Z' || st.state == b'X',
            None => true,
        }
    }

    /// Context switches (summed over threads), the kernel's peak RSS, disk bytes.
    fn read_slow(&mut self, buf: &mut Vec<u8>, sample: u64, threads: u64, t: f64) {
        // Threads: refresh the task list when the count changed, and every 20 slow reads.
        if self.tasks.is_empty()
            || self.tasks.len() as u64 != threads
            || sample.saturating_sub(self.tasks_checked_at) >= 20
        {
            self.refresh_tasks();
            self.tasks_checked_at = sample;
        }
        let prev = self.slow_last.map(|(_, c)| c).unwrap_or_default();
        let mut now = prev;
        let (mut vol, mut invol) = (0u64, 0u64);
        let mut hwm = 0;
        let mut i = 0;
        while i < self.tasks.len() {
            let (tid, ref f) = self.tasks[i];
            if procfs::reread(f, buf).is_ok() && !buf.is_empty() {
                let s = procfs::parse_status(buf);
                vol += s.voluntary_ctxt_switches;
                invol += s.nonvoluntary_ctxt_switches;
                if tid == self.pid {
                    hwm = s.vm_hwm_bytes;
                }
                i += 1;
            } else {
                self.tasks.swap_remove(i);
            }
        }
        // Threads that ended take their counts with them: never let the sum go backwards.
        now.ctx_vol = vol.max(prev.ctx_vol);
        now.ctx_invol = invol.max(prev.ctx_invol);
        self.hwm_bytes = self.hwm_bytes.max(hwm);
        self.rollup = self.rollup_file.as_ref().and_then(|f| {
            procfs::reread(f, buf)
                .ok()
                .and_then(|_| procfs::parse_smaps_rollup(buf))
        });
        self.io_ok = false;
        if let Some(io) = &self.io {
            if procfs::reread(io, buf).is_ok() && !buf.is_empty() {
                let (r, w) = procfs::parse_io(buf);
                now.read_bytes = r.max(prev.read_bytes);
                now.write_bytes = w.max(prev.write_bytes);
                self.io_ok = true;
            }
        }
        if let Some((t0, p)) = self.slow_last {
            let d = SlowCounters {
                read_bytes: now.read_bytes - p.read_bytes,
                write_bytes: now.write_bytes - p.write_bytes,
                ctx_vol: now.ctx_vol - p.ctx_vol,
                ctx_invol: now.ctx_invol - p.ctx_invol,
            };
            let dt = t - t0;
            if dt > 0.0 {
                self.rates = [
                    d.read_bytes as f64 / dt,
                    d.write_bytes as f64 / dt,
                    d.ctx_vol as f64 / dt,
                    d.ctx_invol as f64 / dt,
                ];
            }
            self.slow_delta = Some(d);
        }
        self.slow_last = Some((t, now));
    }

    fn refresh_tasks(&mut self) {
        let Ok(dir) = std::fs::read_dir(procfs::proc_path(self.pid, "task")) else {
            return;
        };
        let mut tids: Vec<u32> = dir
            .filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
            .collect();
        tids.sort_unstable();
        self.tasks
            .retain(|(tid, _)| tids.binary_search(tid).is_ok());
        for tid in tids {
            if self.tasks.iter().any(|(t, _)| *t == tid) {
                continue;
            }
            let path = procfs::proc_path(self.pid, "task")
                .join(tid.to_string())
                .join("status");
            if let Ok(f) = File::open(path) {
                self.tasks.push((tid, f));
            }
        }
    }
}
