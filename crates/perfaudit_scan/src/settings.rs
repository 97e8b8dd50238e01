//! Everything a scan needs, resolved from the command line and the configuration before the
//! scan starts (the engine never sees raw arguments).

use crate::config::ScanConfig;
use crate::pathglob::PathGlobs;
use crate::rules::{codes, RuleSettings};
use perfaudit_model::scan::Context;
use perfaudit_model::Severity;
use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;

#[derive(Debug, Clone)]
pub struct ScanSettings {
    /// Rule options; `rules.enabled` is the selected set.
    pub rules: RuleSettings,
    pub excludes: PathGlobs,
    /// Per-path ignores: glob set and, per pattern, the ignored code prefixes.
    pub per_file_ignores: PathGlobs,
    pub per_file_codes: Vec<Vec<String>>,
    pub max_module_lines: u64,
    pub max_module_definitions: u64,
    pub max_file_bytes: u64,
    pub allowed_unused_dependencies: Vec<String>,
    pub allowed_undeclared_imports: Vec<String>,
    pub extra_first_party: Vec<String>,
    pub dependency_map: HashMap<String, Vec<String>>,
    pub python_env: Option<PathBuf>,
    pub respect_gitignore: bool,
    pub largest_files: usize,
    pub most_common: usize,
    pub fail_on: Severity,
    /// Bytes of Python text the walk may keep for the second pass instead of reading those
    /// modules again (memory for speed; not a configuration key).
    pub keep_python_bytes: usize,
}

/// The default [`ScanSettings::keep_python_bytes`]: 8 MiB.
pub const KEEP_PYTHON_BYTES: usize = 8 << 20;

impl Default for ScanSettings {
    fn default() -> Self {
        ScanSettings {
            rules: RuleSettings::default(),
            excludes: PathGlobs::default(),
            per_file_ignores: PathGlobs::default(),
            per_file_codes: Vec::new(),
            max_module_lines: 1000,
            max_module_definitions: 100,
            max_file_bytes: 10 * 1024 * 1024,
            allowed_unused_dependencies: Vec::new(),
            allowed_undeclared_imports: Vec::new(),
            extra_first_party: Vec::new(),
            dependency_map: HashMap::new(),
            python_env: None,
            respect_gitignore: true,
            largest_files: 10,
            most_common: 20,
            fail_on: Severity::Warning,
            keep_python_bytes: KEEP_PYTHON_BYTES,
        }
    }
}

/// What the command line says (each `None`/empty means "not given").
#[derive(Debug, Clone, Default)]
pub struct CliOverrides {
    pub select: Vec<String>,
    pub ignore: Vec<String>,
    pub exclude: Vec<String>,
    pub fail_on: Option<Severity>,
    pub python_env: Option<PathBuf>,
    /// `--contexts`: contexts whose performance findings are reported.
    pub contexts: Vec<String>,
}

/// Parse a list of context names (`all` for every one).
pub fn parse_contexts(items: &[String], what: &str) -> Result<BTreeSet<Context>, String> {
    let mut out = BTreeSet::new();
    for s in items {
        for part in s.split(',') {
            let part = part.trim();
            if part.is_empty() {
                continue;
            }
            if part.eq_ignore_ascii_case("all") {
                out.extend(Context::ALL);
                continue;
            }
            match Context::parse(part) {
                Some(c) => {
                    out.insert(c);
                }
                None => {
                    return Err(format!(
                        "{what}: unknown context `{part}` (one of request, task, startup, \
unknown, cli, migration, test, all)"
                    ))
                }
            }
        }
    }
    Ok(out)
}

/// Expand selectors (codes, prefixes, `ALL`) into codes; an unknown selector is an error.
pub fn expand(selectors: &[String], what: &str) -> Result<BTreeSet<&'static str>, String> {
    let mut out = BTreeSet::new();
    for s in selectors {
        for part in s.split(',') {
            let part = part.trim();
            if part.is_empty() {
                continue;
            }
            let m = codes::matching(part);
            if m.is_empty() {
                return Err(format!(
                    "{what}: unknown rule code or prefix `{part}` (see `perfaudit rule`)"
                ));
            }
            out.extend(m.into_iter().map(|r| r.code));
        }
    }
    Ok(out)
}

impl ScanSettings {
    /// Command line over configuration over defaults (ruff's precedence: `--select`
    /// replaces `select`; `--ignore` adds to `ignore`).
    pub fn resolve(cli: &CliOverrides, cfg: Option<&ScanConfig>) -> Result<Self, String> {
        let empty = ScanConfig::default();
        let cfg = cfg.unwrap_or(&empty);
        let mut s = ScanSettings::default();
        let select: Vec<String> = if !cli.select.is_empty() {
            cli.select.clone()
        } else if let Some(sel) = &cfg.select {
            sel.clone()
        } else {
            vec!["ALL".to_string()]
        };
        let mut enabled = expand(&select, "select")?;
        // Opt-in rules (measured precision below the bar) run only when named by full code.
        for code in crate::rules::OPT_IN {
            let named = select
                .iter()
                .flat_map(|s| s.split(','))
                .any(|s| s.trim().eq_ignore_ascii_case(code));
            if !named {
                enabled.remove(code);
            }
        }
        let mut ignore = cfg.ignore.clone().unwrap_or_default();
        ignore.extend(cli.ignore.iter().cloned());
        for code in expand(&ignore, "ignore")? {
            enabled.remove(code);
        }
        s.rules.enabled = enabled;
        let mut exclude = cfg.exclude.clone().unwrap_or_default();
        exclude.extend(cli.exclude.iter().cloned());
        s.excludes = PathGlobs::new(&exclude).map_err(|e| format!("exclude: {e}"))?;
        if let Some(pfi) = &cfg.per_file_ignores {
            let pats: Vec<&String> = pfi.keys().collect();
            s.per_file_ignores =
                PathGlobs::new(&pats).map_err(|e| format!("per-file-ignores: {e}"))?;
            for codes in pfi.values() {
                let expanded = expand(codes, "per-file-ignores")?;
                s.per_file_codes
                    .push(expanded.into_iter().map(|c| c.to_string()).collect());
            }
        }
        if let Some(f) = &cfg.fail_on {
            s.fail_on = f.parse().map_err(|e: String| format!("fail-on: {e}"))?;
        }
        if let Some(f) = cli.fail_on {
            s.fail_on = f;
        }
        if let Some(v) = cfg.max_module_lines {
            s.max_module_lines = v;
        }
        if let Some(v) = cfg.max_module_definitions {
            s.max_module_definitions = v;
        }
        if let Some(v) = cfg.max_file_size {
            s.max_file_bytes = v;
        }
        if let Some(v) = &cfg.heavy_imports {
            s.rules.heavy_imports = v.clone();
        }
        if let Some(v) = &cfg.allowed_unused_imports {
            s.rules.allowed_unused_imports = v.clone();
        }
        s.allowed_unused_dependencies = cfg.allowed_unused_dependencies.clone().unwrap_or_default();
        s.allowed_undeclared_imports = cfg.allowed_undeclared_imports.clone().unwrap_or_default();
        s.extra_first_party = cfg.first_party.clone().unwrap_or_default();
        if let Some(m) = &cfg.dependency_map {
            s.dependency_map = m.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        }
        s.python_env = cli.python_env.clone().or_else(|| cfg.python_env.clone());
        if let Some(v) = cfg.respect_gitignore {
            s.respect_gitignore = v;
        }
        if let Some(v) = cfg.largest_files {
            s.largest_files = v;
        }
        if !cli.contexts.is_empty() {
            s.rules.contexts = parse_contexts(&cli.contexts, "--contexts")?;
        } else if let Some(v) = &cfg.contexts {
            s.rules.contexts = parse_contexts(v, "contexts")?;
        }
        Ok(s)
    }

    pub fn is_enabled(&self, code: &str) -> bool {
        self.rules.is_enabled(code)
    }

    /// Is `code` ignored for this path by `per-file-ignores`?
    pub fn path_ignores(&self, rel: &str, code: &str) -> bool {
        if self.per_file_ignores.is_empty() {
            return false;
        }
        self.per_file_ignores
            .matching_patterns(rel)
            .into_iter()
            .any(|i| self.per_file_codes[i].iter().any(|c| c == code))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opt_in_rules_run_only_when_named() {
        let default = ScanSettings::resolve(&CliOverrides::default(), None).unwrap();
        assert!(!default.rules.is_enabled("PA309"));
        assert!(default.rules.is_enabled("PA308"));
        let prefix = CliOverrides {
            select: vec!["PA3".into()],
            ..Default::default()
        };
        let s = ScanSettings::resolve(&prefix, None).unwrap();
        assert!(!s.rules.is_enabled("PA309"));
        let named = CliOverrides {
            select: vec!["ALL,pa309".into()],
            ..Default::default()
        };
        let s = ScanSettings::resolve(&named, None).unwrap();
        assert!(s.rules.is_enabled("PA309") && s.rules.is_enabled("PA101"));
    }

    #[test]
    fn select_ignore_precedence() {
        let cfg = ScanConfig {
            select: Some(vec!["PA5".into()]),
            ignore: Some(vec!["PA502".into()]),
            ..Default::default()
        };
        let s = ScanSettings::resolve(&CliOverrides::default(), Some(&cfg)).unwrap();
        assert!(s.is_enabled("PA503") && !s.is_enabled("PA502") && !s.is_enabled("PA101"));
        let cli = CliOverrides {
            select: vec!["PA1,PA503".into()],
            ignore: vec!["PA105".into()],
            ..Default::default()
        };
        let s = ScanSettings::resolve(&cli, Some(&cfg)).unwrap();
        assert!(s.is_enabled("PA101") && s.is_enabled("PA503") && !s.is_enabled("PA105"));
        assert!(!s.is_enabled("PA504"));
        let bad = CliOverrides {
            select: vec!["XY1".into()],
            ..Default::default()
        };
        assert!(ScanSettings::resolve(&bad, None)
            .unwrap_err()
            .contains("XY1"));
    }
}
