//! `python -X importtime` profiles: run `PY -X importtime -c "import MODULE"` in fresh
//! processes, parse the rows (3.7+ format, and 3.14's `-X importtime=2` `cached` rows), build
//! the import tree, take medians over runs, and classify modules as application, third-party
//! or standard library.
//!
//! Rows are printed when an import finishes, children before their parent, each indented by
//! two spaces per nesting level (`import time: SELF | CUMULATIVE | <2·level spaces>NAME`).
//! A marker line written to stderr just before `import MODULE` separates the interpreter's own
//! start-up imports (encodings, site) from the module's.

use crate::error::BenchError;
use perfaudit_model::bench::{ImportEntry, ImportGroup, ImportSplit, ImportsDocument, ModuleKind};
use perfaudit_stats::summary::median;
use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::process::{Command, Stdio};

const MARKER: &str = "perfaudit-importtime-marker";

/// What to profile.
#[derive(Debug, Clone)]
pub struct ImportsSpec {
    /// Dotted module name (`app`, `app.main`).
    pub module: String,
    /// The interpreter (`python3`, a venv's `bin/python`).
    pub python: String,
    /// Fresh processes to measure (after one untimed run that also warms `.pyc` caches).
    pub runs: usize,
    /// Length of the top-N lists.
    pub top: usize,
    /// Use `-X importtime=2` (Python 3.14+: also report already-imported modules).
    pub importtime2: bool,
    /// Working directory (where the application's modules are importable from).
    pub cwd: Option<PathBuf>,
    pub env: Vec<(String, String)>,
}

impl ImportsSpec {
    pub fn new(module: impl Into<String>) -> Self {
        ImportsSpec {
            module: module.into(),
            python: "python3".to_string(),
            runs: 10,
            top: 10,
            importtime2: false,
            cwd: None,
            env: Vec::new(),
        }
    }
}

/// One `import time:` row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportRow {
    pub module: String,
    pub depth: usize,
    pub self_us: u64,
    pub cumulative_us: u64,
}

/// The parsed stderr of one run.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ImportTrace {
    /// Rows before the marker: the interpreter's start-up imports.
    pub startup: Vec<ImportRow>,
    /// Rows after the marker (all rows when there is no marker).
    pub rows: Vec<ImportRow>,
    /// `cached` rows (`-X importtime=2`) after the marker.
    pub cached: usize,
    /// Lines that are not import-time rows (warnings, a traceback).
    pub other: Vec<String>,
}

/// Parse `-X importtime` output. With `marker`, rows before the line equal to it are start-up.
pub fn parse_importtime(stderr: &str, marker: Option<&str>) -> ImportTrace {
    let mut t = ImportTrace::default();
    let mut after_marker = marker.is_none();
    for line in stderr.lines() {
        if Some(line.trim_end()) == marker {
            after_marker = true;
            continue;
        }
        let Some(rest) = line.strip_prefix("import time:") else {
            t.other.push(line.to_string());
            continue;
        };
        let mut cols = rest.splitn(3, '|');
        let (Some(a), Some(b), Some(name_col)) = (cols.next(), cols.next(), cols.next()) else {
            t.other.push(line.to_string());
            continue;
        };
        let (a, b) = (a.trim(), b.trim());
        if a == "cached" && b == "cached" {
            if after_marker {
                t.cached += 1;
            }
            continue;
        }
        let (Ok(self_us), Ok(cumulative_us)) = (a.parse::<u64>(), b.parse::<u64>()) else {
            // The header row ("self [us] | cumulative | imported package") and anything else.
            continue;
        };
        // One separator space after '|', then two spaces per level.
        let name_col = name_col.strip_prefix(' ').unwrap_or(name_col);
        let module = name_col.trim();
        if module.is_empty() {
            continue;
        }
        let indent = name_col.len() - name_col.trim_start().len();
        let row = ImportRow {
            module: module.to_string(),
            depth: indent / 2,
            self_us,
            cumulative_us,
        };
        if after_marker {
            t.rows.push(row);
        } else {
            t.startup.push(row);
        }
    }
    t
}

#[derive(Debug)]
struct Node {
    key: (String, usize),
    depth: usize,
    children: Vec<usize>,
}

/// Build the forest from post-order rows; returns nodes and the roots in order.
fn build_tree(rows: &[ImportRow]) -> (Vec<Node>, Vec<usize>) {
    let mut seen: HashMap<&str, usize> = HashMap::new();
    let mut nodes: Vec<Node> = Vec::with_capacity(rows.len());
    let mut pending: Vec<usize> = Vec::new();
    for row in rows {
        let nth = seen.entry(row.module.as_str()).or_insert(0);
        let key = (row.module.clone(), *nth);
        *nth += 1;
        let mut children = Vec::new();
        while let Some(&last) = pending.last() {
            if nodes[last].depth > row.depth {
                children.push(last);
                pending.pop();
            } else {
                break;
            }
        }
        children.reverse();
        nodes.push(Node {
            key,
            depth: row.depth,
            children,
        });
        pending.push(nodes.len() - 1);
    }
    (nodes, pending)
}

fn preorder(nodes: &[Node], roots: &[usize], out: &mut Vec<usize>) {
    let mut stack: Vec<usize> = roots.iter().rev().copied().collect();
    while let Some(i) = stack.pop() {
        out.push(i);
        stack.extend(nodes[i].children.iter().rev().copied());
    }
}

/// Where the interpreter keeps what: reported by the untimed classification run.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct ModuleOrigins {
    #[serde(default)]
    pub version: String,
    #[serde(default)]
    pub stdlib_names: HashSet<String>,
    #[serde(default)]
    pub builtin: HashSet<String>,
    #[serde(default)]
    pub stdlib_dirs: Vec<String>,
    #[serde(default)]
    pub site_dirs: Vec<String>,
    /// Module name -> `__file__` (null for built-in or namespace modules).
    #[serde(default)]
    pub files: HashMap<String, Option<String>>,
}

fn under(path: &str, dir: &str) -> bool {
    !dir.is_empty()
        && path.starts_with(dir)
        && matches!(path.as_bytes().get(dir.len()), Some(b'/') | None)
}

/// Application, third-party or standard library: installed under a site-packages directory is
/// third-party; a name in `sys.stdlib_module_names`/built-ins or a file under the stdlib
/// directory is stdlib; anything else is the application.
pub fn classify_module(name: &str, o: &ModuleOrigins) -> ModuleKind {
    let top = name.split('.').next().unwrap_or(name);
    let file = o
        .files
        .get(name)
        .or_else(|| o.files.get(top))
        .and_then(|f| f.as_deref());
    if let Some(f) = file {
        if o.site_dirs.iter().any(|d| under(f, d))
            || f.contains("/site-packages/")
            || f.contains("/dist-packages/")
        {
            return ModuleKind::ThirdParty;
        }
    }
    if o.stdlib_names.contains(top) || o.builtin.contains(top) {
        return ModuleKind::Stdlib;
    }
    if let Some(f) = file {
        if o.stdlib_dirs.iter().any(|d| under(f, d)) {
            return ModuleKind::Stdlib;
        }
    }
    ModuleKind::Application
}

const CLASSIFIER: &str = r#"
import importlib, sys
importlib.import_module(sys.argv[1])
import json, site, sysconfig
paths = sysconfig.get_paths()
try:
    site_dirs = list(site.getsitepackages())
except AttributeError:
    site_dirs = []
try:
    site_dirs.append(site.getusersitepackages())
except AttributeError:
    pass
print(json.dumps({
    "version": sys.version.split()[0],
    "stdlib_names": sorted(getattr(sys, "stdlib_module_names", [])),
    "builtin": sorted(sys.builtin_module_names),
    "stdlib_dirs": [paths.get("stdlib", ""), paths.get("platstdlib", "")],
    "site_dirs": site_dirs,
    "files": {n: getattr(m, "__file__", None) for n, m in list(sys.modules.items())},
}))
"#;

fn valid_module_name(m: &str) -> bool {
    !m.is_empty()
        && m.split('.').all(|part| {
            let mut chars = part.chars();
            chars.next().is_some_and(|c| c == '_' || c.is_alphabetic())
                && chars.all(|c| c == '_' || c.is_alphanumeric())
        })
}

fn python_command(spec: &ImportsSpec) -> Command {
    let mut cmd = Command::new(&spec.python);
    if let Some(dir) = &spec.cwd {
        cmd.current_dir(dir);
    }
    for (k, v) in &spec.env {
        cmd.env(k, v);
    }
    cmd.env_remove("PYTHONPROFILEIMPORTTIME");
    cmd.stdin(Stdio::null());
    cmd
}

fn run_python(spec: &ImportsSpec, cmd: &mut Command) -> Result<std::process::Output, BenchError> {
    use std::os::unix::process::CommandExt;
    // Its own process group, watched by the tracker (killed if perfaudit dies meanwhile).
    cmd.process_group(0)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let child = cmd.spawn();
    let out = child.and_then(|c| {
        let pid = c.id();
        crate::watchdog::track(pid);
        let out = c.wait_with_output();
        crate::watchdog::untrack(pid);
        out
    });
    out.map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            BenchError::CommandNotFound(spec.python.clone())
        } else {
            BenchError::Spawn {
                command: spec.python.clone(),
                source: e,
            }
        }
    })
}

fn import_error(spec: &ImportsSpec, stderr: &str) -> BenchError {
    let text: Vec<&str> = stderr
        .lines()
        .filter(|l| !l.starts_with("import time:") && l.trim_end() != MARKER)
        .collect();
    let tail = text.len().saturating_sub(30);
    BenchError::ImportFailed {
        module: spec.module.clone(),
        python: spec.python.clone(),
        stderr: text[tail..].join("\n"),
    }
}

/// Profile `import MODULE`: one untimed run (which also fills `.pyc` caches) reports where
/// each module lives; then `runs` fresh processes under `-X importtime`.
pub fn profile_imports(spec: &ImportsSpec) -> Result<ImportsDocument, BenchError> {
    if !valid_module_name(&spec.module) {
        return Err(BenchError::Invalid(format!(
            "`{}` is not a dotted Python module name",
            spec.module
        )));
    }
    if spec.runs == 0 {
        return Err(BenchError::Invalid("--runs must be at least 1".into()));
    }
    let out = run_python(
        spec,
        python_command(spec).args(["-c", CLASSIFIER, &spec.module]),
    )?;
    if !out.status.success() {
        return Err(import_error(spec, &String::from_utf8_lossy(&out.stderr)));
    }
    let origins: ModuleOrigins = serde_json::from_slice(&out.stdout).map_err(|e| {
        BenchError::Invalid(format!(
            "{} printed something unexpected while classifying modules: {e}",
            spec.python
        ))
    })?;

    let flag = if spec.importtime2 {
        "importtime=2"
    } else {
        "importtime"
    };
    let code = format!(
        "import sys; sys.stderr.write('{MARKER}\\n'); sys.stderr.flush(); import {}",
        spec.module
    );
    let mut traces = Vec::with_capacity(spec.runs);
    for _ in 0..spec.runs {
        let out = run_python(spec, python_command(spec).args(["-X", flag, "-c", &code]))?;
        let stderr = String::from_utf8_lossy(&out.stderr);
        if !out.status.success() {
            return Err(import_error(spec, &stderr));
        }
        let trace = parse_importtime(&stderr, Some(MARKER));
        if trace.rows.is_empty() && trace.startup.is_empty() {
            return Err(BenchError::NoImportTimes {
                python: spec.python.clone(),
            });
        }
        traces.push(trace);
    }
    Ok(aggregate(spec, &origins, &traces))
}

fn roots_total(rows: &[ImportRow]) -> u64 {
    let (nodes, roots) = build_tree(rows);
    let by_key: HashMap<&(String, usize), &ImportRow> =
        nodes.iter().zip(rows).map(|(n, r)| (&n.key, r)).collect();
    roots
        .iter()
        .map(|&r| by_key[&nodes[r].key].cumulative_us)
        .sum()
}

/// Medians over runs, the tree of the median run, top lists, the slowest branch, the split.
pub(crate) fn aggregate(
    spec: &ImportsSpec,
    origins: &ModuleOrigins,
    traces: &[ImportTrace],
) -> ImportsDocument {
    let totals: Vec<u64> = traces.iter().map(|t| roots_total(&t.rows)).collect();
    let startups: Vec<f64> = traces
        .iter()
        .map(|t| roots_total(&t.startup) as f64)
        .collect();
    let totals_f: Vec<f64> = totals.iter().map(|&t| t as f64).collect();
    let total_us = median(&totals_f).unwrap_or(0.0);
    // The run whose total is closest to the median gives the tree's shape.
    let shape = (0..traces.len())
        .min_by(|&a, &b| {
            (totals_f[a] - total_us)
                .abs()
                .total_cmp(&(totals_f[b] - total_us).abs())
        })
        .unwrap_or(0);

    // Per (module, occurrence): self and cumulative times over runs.
    let mut samples: HashMap<(String, usize), (Vec<f64>, Vec<f64>)> = HashMap::new();
    for t in traces {
        let (nodes, _) = build_tree(&t.rows);
        for (n, r) in nodes.iter().zip(&t.rows) {
            let e = samples.entry(n.key.clone()).or_default();
            e.0.push(r.self_us as f64);
            e.1.push(r.cumulative_us as f64);
        }
    }
    let rows = &traces[shape].rows;
    let (nodes, roots) = build_tree(rows);
    let entry = |i: usize| -> ImportEntry {
        let (s, c) = &samples[&nodes[i].key];
        ImportEntry {
            module: nodes[i].key.0.clone(),
            depth: nodes[i].depth,
            self_us: median(s).unwrap_or(0.0),
            cumulative_us: median(c).unwrap_or(0.0),
            kind: classify_module(&nodes[i].key.0, origins),
        }
    };
    let mut order = Vec::with_capacity(nodes.len());
    preorder(&nodes, &roots, &mut order);
    let imports: Vec<ImportEntry> = order.iter().map(|&i| entry(i)).collect();

    let mut top_self = imports.clone();
    top_self.sort_by(|a, b| b.self_us.total_cmp(&a.self_us));
    top_self.truncate(spec.top);
    let mut top_cumulative = imports.clone();
    top_cumulative.sort_by(|a, b| b.cumulative_us.total_cmp(&a.cumulative_us));
    top_cumulative.truncate(spec.top);

    let mut slowest_branch = Vec::new();
    if let Some(&root) = roots
        .iter()
        .max_by(|&&a, &&b| entry(a).cumulative_us.total_cmp(&entry(b).cumulative_us))
    {
        let cut = total_us * 0.01;
        let mut stack = vec![root];
        while let Some(i) = stack.pop() {
            let e = entry(i);
            if e.cumulative_us < cut && i != root {
                continue;
            }
            slowest_branch.push(e);
            if slowest_branch.len() >= 60 {
                break;
            }
            stack.extend(nodes[i].children.iter().rev().copied());
        }
    }

    let mut split = ImportSplit::default();
    for e in &imports {
        let g: &mut ImportGroup = match e.kind {
            ModuleKind::Application => &mut split.application,
            ModuleKind::ThirdParty => &mut split.third_party,
            ModuleKind::Stdlib => &mut split.stdlib,
        };
        g.modules += 1;
        g.self_us += e.self_us;
    }
    let cached = traces.get(shape).map_or(0, |t| t.cached);
    ImportsDocument {
        schema: ImportsDocument::schema_id().to_string(),
        module: spec.module.clone(),
        python: spec.python.clone(),
        python_version: origins.version.clone(),
        runs: traces.len(),
        total_us,
        total_us_runs: totals,
        startup_us: median(&startups).unwrap_or(0.0),
        startup_modules: traces[shape].startup.len(),
        modules: rows.len(),
        cached_hits: cached,
        top_self,
        top_cumulative,
        slowest_branch,
        split,
        imports,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "\
import time: self [us] | cumulative | imported package
import time:       156 |        156 |   _io
import time:       322 |        478 | _frozen_importlib_external
perfaudit-importtime-marker
import time:       205 |        205 |       _json
import time:       521 |        726 |     json.scanner
import time: cached    | cached     |     re
import time:       465 |       1191 |   json.decoder
import time:       459 |        459 |   json.encoder
import time:       302 |       1952 | json
import time:        10 |         10 | app
Traceback is not a row
";

    #[test]
    fn parses_rows_marker_and_cached() {
        let t = parse_importtime(SAMPLE, Some(MARKER));
        assert_eq!(t.startup.len(), 2);
        assert_eq!(t.startup[0].depth, 1);
        assert_eq!(t.startup[1].depth, 0);
        assert_eq!(t.rows.len(), 6);
        assert_eq!(
            t.rows[0],
            ImportRow {
                module: "_json".into(),
                depth: 3,
                self_us: 205,
                cumulative_us: 205
            }
        );
        assert_eq!(t.rows[4].module, "json");
        assert_eq!(t.rows[4].depth, 0);
        assert_eq!(t.cached, 1);
        assert_eq!(t.other, vec!["Traceback is not a row"]);
        assert_eq!(roots_total(&t.rows), 1962);
        assert_eq!(roots_total(&t.startup), 478);
    }

    #[test]
    fn builds_the_tree_including_level_jumps() {
        let t = parse_importtime(SAMPLE, Some(MARKER));
        let (nodes, roots) = build_tree(&t.rows);
        let names = |ix: &[usize]| {
            ix.iter()
                .map(|&i| nodes[i].key.0.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(names(&roots), ["json", "app"]);
        assert_eq!(
            names(&nodes[roots[0]].children),
            ["json.decoder", "json.encoder"]
        );
        // _json sits two levels below json.decoder's level with json.scanner between.
        let mut order = Vec::new();
        preorder(&nodes, &roots, &mut order);
        assert_eq!(
            names(&order),
            [
                "json",
                "json.decoder",
                "json.scanner",
                "_json",
                "json.encoder",
                "app"
            ]
        );
        // A jump of several levels (site's imports) still nests under the next shallower row.
        let rows = parse_importtime(
            "import time: 1 | 1 |         deep\nimport time: 2 | 3 |   mid\nimport time: 4 | 7 | top\n",
            None,
        )
        .rows;
        let (nodes, roots) = build_tree(&rows);
        assert_eq!(roots, vec![2]);
        assert_eq!(nodes[1].children, vec![0]);
    }

    fn origins() -> ModuleOrigins {
        ModuleOrigins {
            version: "3.11.7".into(),
            stdlib_names: ["json", "_json", "re", "os"]
                .iter()
                .map(|s| s.to_string())
                .collect(),
            builtin: ["sys"].iter().map(|s| s.to_string()).collect(),
            stdlib_dirs: vec!["/usr/lib/python3.11".into()],
            site_dirs: vec!["/venv/lib/python3.11/site-packages".into()],
            files: [
                ("app", Some("/src/app/__init__.py")),
                (
                    "requests",
                    Some("/venv/lib/python3.11/site-packages/requests/__init__.py"),
                ),
                ("zoneinfo_x", Some("/usr/lib/python3.11/zoneinfo_x.py")),
                ("json.decoder", Some("/usr/lib/python3.11/json/decoder.py")),
            ]
            .iter()
            .map(|(k, v)| (k.to_string(), v.map(str::to_string)))
            .collect(),
        }
    }

    #[test]
    fn classifies_modules() {
        let o = origins();
        assert_eq!(classify_module("app", &o), ModuleKind::Application);
        assert_eq!(classify_module("app.views", &o), ModuleKind::Application);
        assert_eq!(classify_module("requests", &o), ModuleKind::ThirdParty);
        assert_eq!(classify_module("json.decoder", &o), ModuleKind::Stdlib);
        assert_eq!(classify_module("sys", &o), ModuleKind::Stdlib);
        assert_eq!(classify_module("zoneinfo_x", &o), ModuleKind::Stdlib);
        assert!(under("/a/b/c.py", "/a/b"));
        assert!(!under("/a/bc/c.py", "/a/b"));
    }

    #[test]
    fn aggregates_medians_over_runs() {
        let run = |json_self: u64, app: u64| {
            let s = format!(
                "{MARKER}\nimport time: 5 | 5 |   _json\nimport time: {json_self} | {} | json\nimport time: {app} | {app} | app\n",
                json_self + 5
            );
            parse_importtime(&s, Some(MARKER))
        };
        let traces = vec![run(100, 10), run(300, 30), run(200, 20)];
        let mut spec = ImportsSpec::new("app");
        spec.top = 2;
        let doc = aggregate(&spec, &origins(), &traces);
        assert_eq!(doc.total_us_runs, vec![115, 335, 225]);
        assert_eq!(doc.total_us, 225.0);
        assert_eq!(doc.modules, 3);
        assert_eq!(doc.imports[0].module, "json");
        assert_eq!(doc.imports[0].self_us, 200.0);
        assert_eq!(doc.imports[0].cumulative_us, 205.0);
        assert_eq!(doc.imports[1].depth, 1);
        assert_eq!(
            doc.top_self
                .iter()
                .map(|e| e.module.as_str())
                .collect::<Vec<_>>(),
            ["json", "app"]
        );
        assert_eq!(
            doc.slowest_branch
                .iter()
                .map(|e| e.module.as_str())
                .collect::<Vec<_>>(),
            ["json", "_json"]
        );
        assert_eq!(doc.split.stdlib.modules, 2);
        assert_eq!(doc.split.application.modules, 1);
        assert_eq!(doc.split.application.self_us, 20.0);
    }

    #[test]
    fn module_names_are_validated() {
        assert!(valid_module_name("app.main_2"));
        assert!(!valid_module_name("os; import evil"));
        assert!(!valid_module_name("2x"));
        assert!(!valid_module_name("a..b"));
    }
}
