//! Everything a scan needs, resolved from the command line and the configuration before the
//! scan starts (the engine never sees raw arguments).

use crate::config::ScanConfig;
use crate::pathglob::PathGlobs;
use crate::rules::{codes, Rule, RuleSet, RuleSettings};
use perfaudit_model::Severity;
use std::collections::HashMap;
use std::path::PathBuf;

#[derive(Debug, Clone)]
pub struct ScanSettings {
    /// Rule options; `rules.enabled` is the selected set.
    pub rules: RuleSettings,
    pub excludes: PathGlobs,
    /// Per-path ignores: glob set and, per pattern, the ignored code prefixes.
    pub per_file_ignores: PathGlobs,
    pub per_file_codes: Vec<RuleSet>,
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
}

/// Expand selectors (codes, prefixes, `ALL`) with `matcher` into a rule set; a selector that
/// names no rule is an error naming it, with a suggestion when one is close.
fn expand_with(
    selectors: &[String],
    what: &str,
    matcher: fn(&str) -> Option<RuleSet>,
) -> Result<RuleSet, String> {
    let mut out = RuleSet::empty();
    for s in selectors {
        for part in s.split(',') {
            let part = part.trim();
            if part.is_empty() {
                continue;
            }
            match matcher(part) {
                Some(m) => out = out.union(m),
                None => return Err(codes::unknown_selector_message(what, part)),
            }
        }
    }
    Ok(out)
}

/// The rules that `ignore`-like selectors name (opt-in rules included in prefixes).
pub fn expand(selectors: &[String], what: &str) -> Result<RuleSet, String> {
    expand_with(selectors, what, codes::matching)
}

/// The rules that `select` selectors turn on: `ALL` is every rule, opt-in ones included; a
/// prefix leaves the opt-in rules out; a full code is that rule.
pub fn expand_select(selectors: &[String], what: &str) -> Result<RuleSet, String> {
    expand_with(selectors, what, codes::selecting)
}

impl ScanSettings {
    /// Command line over configuration over defaults (ruff's precedence: `--select`
    /// replaces `select`; `--ignore` adds to `ignore`).
    pub fn resolve(cli: &CliOverrides, cfg: Option<&ScanConfig>) -> Result<Self, String> {
        let empty = ScanConfig::default();
        let cfg = cfg.unwrap_or(&empty);
        let mut s = ScanSettings::default();
        let select = if !cli.select.is_empty() {
            Some(&cli.select)
        } else {
            cfg.select.as_ref()
        };
        let mut enabled = match select {
            Some(sel) => expand_select(sel, "select")?,
            None => RuleSet::default_enabled(),
        };
        let mut ignore = cfg.ignore.clone().unwrap_or_default();
        ignore.extend(cli.ignore.iter().cloned());
        enabled = enabled.subtract(expand(&ignore, "ignore")?);
        s.rules.enabled = enabled;
        let mut exclude = cfg.exclude.clone().unwrap_or_default();
        exclude.extend(cli.exclude.iter().cloned());
        s.excludes = PathGlobs::new(&exclude).map_err(|e| format!("exclude: {e}"))?;
        if let Some(pfi) = &cfg.per_file_ignores {
            let pats: Vec<&String> = pfi.keys().collect();
            s.per_file_ignores =
                PathGlobs::new(&pats).map_err(|e| format!("per-file-ignores: {e}"))?;
            for codes in pfi.values() {
                s.per_file_codes.push(expand(codes, "per-file-ignores")?);
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
        Ok(s)
    }

    pub fn is_enabled(&self, rule: Rule) -> bool {
        self.rules.is_enabled(rule)
    }

    /// Is the rule of this finding code enabled? Unknown codes are not.
    pub fn is_code_enabled(&self, code: &str) -> bool {
        self.rules.enabled.contains_code(code)
    }

    /// Is `code` ignored for this path by `per-file-ignores`?
    pub fn path_ignores(&self, rel: &str, code: &str) -> bool {
        if self.per_file_ignores.is_empty() {
            return false;
        }
        self.per_file_ignores
            .matching_patterns(rel)
            .into_iter()
            .any(|i| self.per_file_codes[i].contains_code(code))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opt_in_rules_run_only_when_named() {
        let default = ScanSettings::resolve(&CliOverrides::default(), None).unwrap();
        assert!(!default.rules.is_enabled(Rule::FilterOrSortWithoutIndex));
        assert!(default.rules.is_enabled(Rule::ForeignKeyWithoutIndex));
        let prefix = CliOverrides {
            select: vec!["PA3".into()],
            ..Default::default()
        };
        let s = ScanSettings::resolve(&prefix, None).unwrap();
        assert!(!s.rules.is_enabled(Rule::FilterOrSortWithoutIndex));
        let named = CliOverrides {
            select: vec!["ALL,pa309".into()],
            ..Default::default()
        };
        let s = ScanSettings::resolve(&named, None).unwrap();
        assert!(
            s.rules.is_enabled(Rule::FilterOrSortWithoutIndex)
                && s.rules.is_enabled(Rule::BlockingSleepInAsync)
        );
    }

    #[test]
    fn all_means_all_opt_in_rules_included() {
        let all = CliOverrides {
            select: vec!["ALL".into()],
            ..Default::default()
        };
        let s = ScanSettings::resolve(&all, None).unwrap();
        assert_eq!(s.rules.enabled, RuleSet::all());
        assert!(s.is_enabled(Rule::FilterOrSortWithoutIndex));
        // An ignored prefix takes the opt-in rule out too.
        let ignored = CliOverrides {
            select: vec!["ALL".into()],
            ignore: vec!["PA3".into()],
            ..Default::default()
        };
        let s = ScanSettings::resolve(&ignored, None).unwrap();
        assert!(!s.is_enabled(Rule::FilterOrSortWithoutIndex));
        assert!(!s.is_enabled(Rule::QueryInLoop) && s.is_enabled(Rule::RedisKeys));
    }

    #[test]
    fn unknown_codes_are_errors_with_a_suggestion() {
        let typo = CliOverrides {
            select: vec!["PA101,PA3011".into()],
            ..Default::default()
        };
        let err = ScanSettings::resolve(&typo, None).unwrap_err();
        assert!(
            err.contains("select: unknown rule code or prefix `PA3011`"),
            "{err}"
        );
        assert!(err.contains("did you mean `PA301`?"), "{err}");
        let ignore = CliOverrides {
            ignore: vec!["unused-imports".into()],
            ..Default::default()
        };
        let err = ScanSettings::resolve(&ignore, None).unwrap_err();
        assert!(
            err.starts_with("ignore:") && err.contains("PA503 (unused-import)"),
            "{err}"
        );
        let cfg = ScanConfig {
            per_file_ignores: Some(
                [("tests/**".to_string(), vec!["PA5O3".to_string()])]
                    .into_iter()
                    .collect(),
            ),
            ..Default::default()
        };
        let err = ScanSettings::resolve(&CliOverrides::default(), Some(&cfg)).unwrap_err();
        assert!(
            err.starts_with("per-file-ignores:") && err.contains("`PA503`"),
            "{err}"
        );
        let cfg = ScanConfig {
            select: Some(vec!["PA99".into()]),
            ..Default::default()
        };
        let err = ScanSettings::resolve(&CliOverrides::default(), Some(&cfg)).unwrap_err();
        assert!(err.contains("`PA99`"), "{err}");
    }

    #[test]
    fn select_ignore_precedence() {
        let cfg = ScanConfig {
            select: Some(vec!["PA5".into()]),
            ignore: Some(vec!["PA502".into()]),
            ..Default::default()
        };
        let s = ScanSettings::resolve(&CliOverrides::default(), Some(&cfg)).unwrap();
        assert!(
            s.is_enabled(Rule::UnusedImport)
                && !s.is_enabled(Rule::OversizedModule)
                && !s.is_enabled(Rule::BlockingSleepInAsync)
        );
        let cli = CliOverrides {
            select: vec!["PA1,PA503".into()],
            ignore: vec!["PA105".into()],
            ..Default::default()
        };
        let s = ScanSettings::resolve(&cli, Some(&cfg)).unwrap();
        assert!(
            s.is_enabled(Rule::BlockingSleepInAsync)
                && s.is_enabled(Rule::UnusedImport)
                && !s.is_enabled(Rule::SequentialAwaitInLoop)
        );
        assert!(!s.is_enabled(Rule::UndeclaredDependency));
        let bad = CliOverrides {
            select: vec!["XY1".into()],
            ..Default::default()
        };
        assert!(ScanSettings::resolve(&bad, None)
            .unwrap_err()
            .contains("XY1"));
    }
}
