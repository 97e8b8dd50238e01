//! Folded stacks: every distinct stack counted in a map (stack -> samples), for the whole
//! profile and per second; strings interned once. Nothing grows with the number of samples:
//! memory is bounded by the distinct stacks of the code, and per second by `PER_SECOND`.

use perfaudit_model::profile::{
    Frame, FunctionStat, LineStat, ProcessStat, Profile, ProfileEnd, ProfileSecond, Stack,
};
use rustc_hash::FxHashMap;

/// Stacks kept per second (the rest of the second is counted in `other`).
pub const PER_SECOND: usize = 64;
/// Distinct stacks kept in the final profile (the rest counted in `truncated_samples`).
pub const MAX_STACKS: usize = 20_000;
/// Functions listed in the final profile.
pub const MAX_FUNCTIONS: usize = 200;
/// Functions that get a per-second self series (for comparisons).
const SERIES_FUNCTIONS: usize = 30;

/// A frame as the sampler hands it over: borrowed strings.
#[derive(Debug, Clone, Copy)]
pub struct FrameRef<'a> {
    pub name: &'a str,
    pub file: &'a str,
    pub line: u32,
}

#[derive(Default)]
struct Interner {
    ids: FxHashMap<Box<str>, u32>,
    strings: Vec<Box<str>>,
}

impl Interner {
    fn intern(&mut self, s: &str) -> u32 {
        if let Some(&id) = self.ids.get(s) {
            return id;
        }
        let id = self.strings.len() as u32;
        self.strings.push(s.into());
        self.ids.insert(s.into(), id);
        id
    }
    fn get(&self, id: u32) -> &str {
        &self.strings[id as usize]
    }
}

#[derive(Default, Clone, Copy)]
struct Counts {
    samples: u64,
    idle: u64,
    gil: u64,
}

/// The aggregator of one profile.
pub struct Folder {
    rate_hz: u32,
    include_idle: bool,
    started_unix_ms: u64,
    strings: Interner,
    /// (name, file, line) -> frame id.
    frame_ids: FxHashMap<(u32, u32, u32), u32>,
    frames: Vec<(u32, u32, u32)>,
    stack_ids: FxHashMap<Box<[u32]>, u32>,
    stacks: Vec<(Box<[u32]>, Counts)>,
    /// The open second and its stack counts.
    second: u32,
    second_counts: FxHashMap<u32, u64>,
    second_samples: u64,
    seconds: Vec<ProfileSecond>,
    processes: FxHashMap<u32, ProcessStat>,
    scratch: Vec<u32>,
    pub ticks: u64,
    pub samples: u64,
    pub idle_samples: u64,
    pub gil_samples: u64,
    pub empty_ticks: u64,
    pub errors: u64,
    pub late_ticks: u64,
    pub max_late_ms: f64,
}

impl Folder {
    pub fn new(rate_hz: u32, include_idle: bool, started_unix_ms: u64) -> Folder {
        Folder {
            rate_hz,
            include_idle,
            started_unix_ms,
            strings: Interner::default(),
            frame_ids: FxHashMap::default(),
            frames: Vec::new(),
            stack_ids: FxHashMap::default(),
            stacks: Vec::new(),
            second: 0,
            second_counts: FxHashMap::default(),
            second_samples: 0,
            seconds: Vec::new(),
            processes: FxHashMap::default(),
            scratch: Vec::new(),
            ticks: 0,
            samples: 0,
            idle_samples: 0,
            gil_samples: 0,
            empty_ticks: 0,
            errors: 0,
            late_ticks: 0,
            max_late_ms: 0.0,
        }
    }

    /// Name a process of the tree (its samples are counted by `add`).
    pub fn process(&mut self, pid: u32, command: &str) {
        self.processes.entry(pid).or_insert_with(|| ProcessStat {
            pid,
            command: command.to_string(),
            samples: 0,
        });
    }

    /// Count one thread sample, taken `second` whole seconds after the start. `frames` are
    /// innermost first (py-spy's order). Returns whether it was counted (idle threads are
    /// counted only with `include_idle`).
    pub fn add<'a>(
        &mut self,
        second: u32,
        pid: u32,
        active: bool,
        owns_gil: bool,
        frames: impl DoubleEndedIterator<Item = FrameRef<'a>>,
    ) -> bool {
        if !active {
            self.idle_samples += 1;
            if !self.include_idle {
                return false;
            }
        }
        if owns_gil {
            self.gil_samples += 1;
        }
        self.roll_to(second);
        self.scratch.clear();
        for f in frames.rev() {
            let name = self.strings.intern(f.name);
            let file = self.strings.intern(f.file);
            let key = (name, file, f.line);
            let next = self.frames.len() as u32;
            let id = *self.frame_ids.entry(key).or_insert(next);
            if id == next {
                self.frames.push(key);
            }
            self.scratch.push(id);
        }
        let sid = match self.stack_ids.get(self.scratch.as_slice()) {
            Some(&id) => id,
            None => {
                let id = self.stacks.len() as u32;
                let key: Box<[u32]> = self.scratch.as_slice().into();
                self.stack_ids.insert(key.clone(), id);
                self.stacks.push((key, Counts::default()));
                id
            }
        };
        let c = &mut self.stacks[sid as usize].1;
        c.samples += 1;
        if !active {
            c.idle += 1;
        }
        if owns_gil {
            c.gil += 1;
        }
        *self.second_counts.entry(sid).or_insert(0) += 1;
        self.second_samples += 1;
        self.samples += 1;
        if let Some(p) = self.processes.get_mut(&pid) {
            p.samples += 1;
        }
        true
    }

    /// Close seconds up to `second` (a sample of a later second, or the end).
    fn roll_to(&mut self, second: u32) {
        while self.second < second {
            self.close_second();
            self.second += 1;
        }
    }

    fn close_second(&mut self) {
        let mut stacks: Vec<(u32, u64)> = self.second_counts.drain().collect();
        stacks.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        let other = stacks.iter().skip(PER_SECOND).map(|s| s.1).sum();
        stacks.truncate(PER_SECOND);
        self.seconds.push(ProfileSecond {
            t_s: self.second,
            samples: self.second_samples,
            stacks,
            other,
        });
        self.second_samples = 0;
    }

    /// Distinct stacks so far (the memory bound's measure).
    pub fn distinct_stacks(&self) -> usize {
        self.stacks.len()
    }

    /// The profile: stacks (at most `MAX_STACKS`, most samples first), functions, timeline.
    /// The timeline covers every whole second of `duration_s` (seconds with no sample are present
    /// with 0).
    pub fn finish(mut self, duration_s: f64, end: ProfileEnd) -> Profile {
        // Whole seconds covered (a sliver past the last whole second adds none unless it
        // holds samples).
        let last = (duration_s.max(0.0).floor() as u32).max(1) - 1;
        self.roll_to(last.max(self.second));
        self.close_second();
        let functions = self.functions();

        // Order stacks by samples; keep the top MAX_STACKS; renumber.
        let mut order: Vec<u32> = (0..self.stacks.len() as u32).collect();
        order.sort_unstable_by(|&a, &b| {
            self.stacks[b as usize]
                .1
                .samples
                .cmp(&self.stacks[a as usize].1.samples)
                .then(a.cmp(&b))
        });
        let mut renum = vec![u32::MAX; self.stacks.len()];
        let mut truncated = 0;
        let mut frame_renum: FxHashMap<u32, u32> = FxHashMap::default();
        let mut frames = Vec::new();
        let mut stacks = Vec::new();
        for (rank, &old) in order.iter().enumerate() {
            let (fr, c) = &self.stacks[old as usize];
            if rank >= MAX_STACKS {
                truncated += c.samples;
                continue;
            }
            renum[old as usize] = stacks.len() as u32;
            let ids = fr
                .iter()
                .map(|&f| {
                    *frame_renum.entry(f).or_insert_with(|| {
                        let (n, file, line) = self.frames[f as usize];
                        frames.push(Frame {
                            name: self.strings.get(n).to_string(),
                            file: self.strings.get(file).to_string(),
                            line,
                        });
                        frames.len() as u32 - 1
                    })
                })
                .collect();
            stacks.push(Stack {
                frames: ids,
                samples: c.samples,
                idle: c.idle,
                gil: c.gil,
            });
        }
        let timeline = self
            .seconds
            .drain(..)
            .map(|mut s| {
                let mut kept = Vec::with_capacity(s.stacks.len());
                for (old, n) in s.stacks {
                    match renum.get(old as usize) {
                        Some(&new) if new != u32::MAX => kept.push((new, n)),
                        _ => s.other += n,
                    }
                }
                s.stacks = kept;
                s
            })
            .collect();
        let mut processes: Vec<ProcessStat> = self.processes.into_values().collect();
        processes.sort_by_key(|p| p.pid);
        Profile {
            rate_hz: self.rate_hz,
            started_unix_ms: self.started_unix_ms,
            duration_s,
            end,
            ticks: self.ticks,
            samples: self.samples,
            idle_samples: self.idle_samples,
            include_idle: self.include_idle,
            gil_samples: self.gil_samples,
            empty_ticks: self.empty_ticks,
            errors: self.errors,
            late_ticks: self.late_ticks,
            max_late_ms: self.max_late_ms,
            processes,
            frames,
            stacks,
            truncated_samples: truncated,
            functions,
            timeline,
        }
    }

    /// Self and total samples per function (name + file) and per line, exact over every stack.
    fn functions(&self) -> Vec<FunctionStat> {
        #[derive(Default)]
        struct Acc {
            self_n: u64,
            total: u64,
            lines: FxHashMap<u32, (u64, u64)>,
        }
        let mut acc: FxHashMap<(u32, u32), Acc> = FxHashMap::default();
        let mut seen_fn: Vec<(u32, u32)> = Vec::new();
        let mut seen_line: Vec<(u32, u32, u32)> = Vec::new();
        for (frames, c) in &self.stacks {
            seen_fn.clear();
            seen_line.clear();
            for &f in frames.iter() {
                let (n, file, line) = self.frames[f as usize];
                if !seen_fn.contains(&(n, file)) {
                    seen_fn.push((n, file));
                    acc.entry((n, file)).or_default().total += c.samples;
                }
                if !seen_line.contains(&(n, file, line)) {
                    seen_line.push((n, file, line));
                    acc.entry((n, file))
                        .or_default()
                        .lines
                        .entry(line)
                        .or_default()
                        .1 += c.samples;
                }
            }
            if let Some(&leaf) = frames.last() {
                let (n, file, line) = self.frames[leaf as usize];
                let a = acc.entry((n, file)).or_default();
                a.self_n += c.samples;
                a.lines.entry(line).or_default().0 += c.samples;
            }
        }
        let total = self.samples.max(1) as f64;
        let mut out: Vec<((u32, u32), FunctionStat)> = acc
            .into_iter()
            .map(|((n, file), a)| {
                let mut lines: Vec<LineStat> = a
                    .lines
                    .into_iter()
                    .map(|(line, (s, t))| LineStat {
                        line,
                        self_samples: s,
                        total_samples: t,
                    })
                    .collect();
                lines.sort_by(|x, y| {
                    y.total_samples
                        .cmp(&x.total_samples)
                        .then(y.self_samples.cmp(&x.self_samples))
                        .then(x.line.cmp(&y.line))
                });
                let line = lines
                    .iter()
                    .max_by(|x, y| {
                        x.self_samples
                            .cmp(&y.self_samples)
                            .then(x.total_samples.cmp(&y.total_samples))
                            .then(y.line.cmp(&x.line))
                    })
                    .map_or(0, |l| l.line);
                lines.truncate(10);
                (
                    (n, file),
                    FunctionStat {
                        name: self.strings.get(n).to_string(),
                        file: self.strings.get(file).to_string(),
                        line,
                        self_samples: a.self_n,
                        total_samples: a.total,
                        self_share: a.self_n as f64 / total,
                        total_share: a.total as f64 / total,
                        lines,
                        per_second_self: Vec::new(),
                    },
                )
            })
            .collect();
        out.sort_by(|a, b| {
            b.1.self_samples
                .cmp(&a.1.self_samples)
                .then(b.1.total_samples.cmp(&a.1.total_samples))
                .then(a.1.name.cmp(&b.1.name))
                .then(a.1.file.cmp(&b.1.file))
        });
        out.truncate(MAX_FUNCTIONS);
        // Per-second self samples of the top functions, from the per-second stacks.
        for (key, f) in out.iter_mut().take(SERIES_FUNCTIONS) {
            if f.self_samples == 0 {
                continue;
            }
            f.per_second_self = self
                .seconds
                .iter()
                .map(|s| {
                    s.stacks
                        .iter()
                        .filter(|(sid, _)| {
                            self.stacks[*sid as usize].0.last().is_some_and(|&leaf| {
                                let (n, file, _) = self.frames[leaf as usize];
                                (n, file) == *key
                            })
                        })
                        .map(|(_, c)| c)
                        .sum()
                })
                .collect();
        }
        out.into_iter().map(|(_, f)| f).collect()
    }
}

/// Parse collapsed stacks (`a;b;c 12`, the flamegraph.pl/inferno format) into (frames root
/// first, count). Used by tests and by the benchmark to read `py-spy record --format raw`.
pub fn parse_collapsed(text: &str) -> Vec<(Vec<String>, u64)> {
    text.lines()
        .filter_map(|l| {
            let (stack, n) = l.trim_end().rsplit_once(' ')?;
            let n = n.parse().ok()?;
            Some((stack.split(';').map(str::to_string).collect(), n))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f<'a>(name: &'a str, file: &'a str, line: u32) -> FrameRef<'a> {
        FrameRef { name, file, line }
    }

    /// Recorded stacks of a small service (innermost first, as py-spy gives them).
    fn recorded() -> Vec<(u32, bool, Vec<FrameRef<'static>>)> {
        let main = f("<module>", "/srv/app.py", 90);
        let handle = f("handle", "/srv/app.py", 40);
        let query = f("query", "/srv/db.py", 12);
        let render = f("render", "/srv/app.py", 60);
        let wait = f("select", "/usr/lib/python3/selectors.py", 415);
        let mut v = Vec::new();
        for _ in 0..6 {
            v.push((0, true, vec![query, handle, main]));
        }
        for _ in 0..3 {
            v.push((0, true, vec![render, handle, main]));
        }
        v.push((1, true, vec![handle, main]));
        for _ in 0..5 {
            v.push((1, false, vec![wait, main]));
        }
        v
    }

    #[test]
    fn shares_self_and_total() {
        let mut folder = Folder::new(100, false, 0);
        folder.process(7, "python app.py");
        for (sec, active, frames) in recorded() {
            folder.add(sec, 7, active, active, frames.into_iter());
        }
        let p = folder.finish(2.0, ProfileEnd::Completed);
        assert_eq!(p.samples, 10);
        assert_eq!(p.idle_samples, 5);
        assert_eq!(p.processes[0].samples, 10);
        let by = |n: &str| p.functions.iter().find(|x| x.name == n).unwrap();
        assert_eq!(by("query").self_samples, 6);
        assert!((by("query").self_share - 0.6).abs() < 1e-12);
        assert_eq!(by("render").self_samples, 3);
        assert_eq!(by("handle").self_samples, 1);
        assert_eq!(by("handle").total_samples, 10);
        assert!((by("<module>").total_share - 1.0).abs() < 1e-12);
        assert_eq!(p.functions[0].name, "query");
        assert_eq!(by("handle").line, 40);
        // Idle threads were not counted: the selector wait is absent.
        assert!(p.functions.iter().all(|x| x.name != "select"));
        // Three distinct running stacks, most samples first; frames root first.
        assert_eq!(p.stacks.len(), 3);
        assert_eq!(p.stacks[0].samples, 6);
        let names: Vec<&str> = p
            .stack_frames(&p.stacks[0])
            .map(|f| f.name.as_str())
            .collect();
        assert_eq!(names, ["<module>", "handle", "query"]);
        // Per second.
        assert_eq!(p.timeline.len(), 2);
        assert_eq!(p.timeline[0].samples, 9);
        assert_eq!(p.timeline[1].samples, 1);
        assert_eq!(by("query").per_second_self, vec![6, 0]);
    }

    #[test]
    fn idle_included_when_asked() {
        let mut folder = Folder::new(100, true, 0);
        for (sec, active, frames) in recorded() {
            folder.add(sec, 1, active, false, frames.into_iter());
        }
        let p = folder.finish(2.0, ProfileEnd::Completed);
        assert_eq!(p.samples, 15);
        let sel = p.functions.iter().find(|x| x.name == "select").unwrap();
        assert_eq!(sel.self_samples, 5);
        let idle_stack = p.stacks.iter().find(|s| s.idle > 0).unwrap();
        assert_eq!(idle_stack.idle, 5);
    }

    #[test]
    fn recursion_counted_once_in_total() {
        let mut folder = Folder::new(100, false, 0);
        let a = f("fib", "/x.py", 3);
        let b = f("fib", "/x.py", 4);
        folder.add(0, 1, true, true, vec![b, a, a].into_iter());
        let p = folder.finish(1.0, ProfileEnd::Completed);
        let fib = &p.functions[0];
        assert_eq!((fib.self_samples, fib.total_samples), (1, 1));
        assert_eq!(fib.lines.len(), 2);
        assert_eq!(fib.line, 4);
    }

    #[test]
    fn memory_is_bounded_by_distinct_stacks() {
        let mut folder = Folder::new(100, false, 0);
        for i in 0..100_000u32 {
            let frames = [f("work", "/w.py", 10 + i % 5), f("main", "/w.py", 1)];
            folder.add(i / 400, 1, true, true, frames.into_iter());
        }
        assert_eq!(folder.distinct_stacks(), 5);
        let p = folder.finish(250.0, ProfileEnd::Completed);
        assert_eq!(p.samples, 100_000);
        assert_eq!(p.timeline.len(), 250);
        assert!(p.timeline.iter().all(|s| s.stacks.len() <= 5));
        assert_eq!(p.frames.len(), 6);
    }

    #[test]
    fn per_second_cap_counts_the_rest() {
        let mut folder = Folder::new(100, false, 0);
        let names: Vec<String> = (0..100).map(|i| format!("f{i}")).collect();
        for n in &names {
            folder.add(0, 1, true, true, [f(n, "/a.py", 1)].into_iter());
        }
        let p = folder.finish(1.0, ProfileEnd::Completed);
        assert_eq!(p.timeline[0].stacks.len(), PER_SECOND);
        assert_eq!(p.timeline[0].other, 100 - PER_SECOND as u64);
        assert_eq!(p.timeline[0].samples, 100);
    }

    #[test]
    fn collapsed_lines_parse() {
        let v = parse_collapsed("a (x.py:1);b (x.py:2) 7\nbad line\nc 3\n");
        assert_eq!(v.len(), 2);
        assert_eq!(v[0].0, ["a (x.py:1)", "b (x.py:2)"]);
        assert_eq!(v[0].1, 7);
    }
}
