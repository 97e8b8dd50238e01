//! Configuration: `[scan]` in `perfaudit.toml`, else `[tool.perfaudit]` in `pyproject.toml`
//! (both at the scanned root), or the file given with `--config`. Keys are kebab-case; an
//! unknown key is an error naming it.

use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ScanConfig {
    /// Rule codes or prefixes to run (replaces the default: every rule).
    pub select: Option<Vec<String>>,
    /// Rule codes or prefixes not to run.
    pub ignore: Option<Vec<String>>,
    /// Globs of paths not to scan (in addition to .gitignore and the built-in list).
    pub exclude: Option<Vec<String>>,
    /// Glob -> codes or prefixes ignored in matching files.
    pub per_file_ignores: Option<BTreeMap<String, Vec<String>>>,
    /// Lowest severity that fails the scan: info, warning (default), error.
    pub fail_on: Option<String>,
    /// PA502: modules with more lines than this (default 1000).
    pub max_module_lines: Option<u64>,
    /// PA502: modules with more top-level functions and classes than this (default 100).
    pub max_module_definitions: Option<u64>,
    /// Python files larger than this many bytes are not parsed (default 10 MiB).
    pub max_file_size: Option<u64>,
    /// PA501: the heavy top-level modules.
    pub heavy_imports: Option<Vec<String>>,
    /// PA503: imports kept for their side effects (`module` or `pkg.*`).
    pub allowed_unused_imports: Option<Vec<String>>,
    /// PA505: distributions used without an import statement.
    pub allowed_unused_dependencies: Option<Vec<String>>,
    /// PA504: top-level modules that need no declaration (vendored, provided by the platform).
    pub allowed_undeclared_imports: Option<Vec<String>>,
    /// Extra first-party top-level module names.
    pub first_party: Option<Vec<String>>,
    /// Distribution -> import names, overriding the environment and the built-in table.
    pub dependency_map: Option<BTreeMap<String, Vec<String>>>,
    /// The Python environment whose metadata maps distributions to modules (a venv root).
    pub python_env: Option<PathBuf>,
    /// Honour .gitignore/.ignore files (default true).
    pub respect_gitignore: Option<bool>,
    /// How many of the largest files the report lists (default 10).
    pub largest_files: Option<usize>,
    /// Contexts whose performance findings are reported (`request`, `task`, `startup`,
    /// `unknown`, `cli`, `migration`, `test`, or `all`; default: all but cli, migration, test).
    pub contexts: Option<Vec<String>>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: invalid TOML: {message}")]
    Toml { path: PathBuf, message: String },
    #[error("{path}: [{table}]: {message}")]
    Key {
        path: PathBuf,
        table: String,
        message: String,
    },
}

#[derive(Debug, Clone)]
pub struct LoadedConfig {
    pub path: PathBuf,
    pub config: ScanConfig,
}

fn parse_table(path: &Path, text: &str, table: &[&str]) -> Result<Option<ScanConfig>, ConfigError> {
    let doc: toml::Table = text
        .parse()
        .map_err(|e: toml::de::Error| ConfigError::Toml {
            path: path.to_path_buf(),
            message: e.message().to_string(),
        })?;
    let mut cur: Option<&toml::Value> = None;
    let mut t = &doc;
    for (i, key) in table.iter().enumerate() {
        match t.get(*key) {
            Some(v) => {
                if i + 1 == table.len() {
                    cur = Some(v);
                } else if let Some(next) = v.as_table() {
                    t = next;
                } else {
                    return Ok(None);
                }
            }
            None => return Ok(None),
        }
    }
    let Some(v) = cur else { return Ok(None) };
    let cfg = ScanConfig::deserialize(v.clone()).map_err(|e| ConfigError::Key {
        path: path.to_path_buf(),
        table: table.join("."),
        message: e.message().to_string(),
    })?;
    Ok(Some(cfg))
}

fn read(path: &Path) -> Result<String, ConfigError> {
    std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.to_path_buf(),
        source,
    })
}

/// Load the configuration for a scan of `root`. `explicit` (from `--config`) must exist;
/// a `pyproject.toml` is read from `[tool.perfaudit]`, any other file from `[scan]`.
pub fn load(root: &Path, explicit: Option<&Path>) -> Result<Option<LoadedConfig>, ConfigError> {
    if let Some(p) = explicit {
        let text = read(p)?;
        let is_pyproject = p.file_name().is_some_and(|n| n == "pyproject.toml");
        let table: &[&str] = if is_pyproject {
            &["tool", "perfaudit"]
        } else {
            &["scan"]
        };
        let cfg = parse_table(p, &text, table)?.unwrap_or_default();
        return Ok(Some(LoadedConfig {
            path: p.to_path_buf(),
            config: cfg,
        }));
    }
    let dir = if root.is_file() {
        root.parent().unwrap_or(Path::new("."))
    } else {
        root
    };
    let pa = dir.join("perfaudit.toml");
    if pa.is_file() {
        if let Some(cfg) = parse_table(&pa, &read(&pa)?, &["scan"])? {
            return Ok(Some(LoadedConfig {
                path: pa,
                config: cfg,
            }));
        }
    }
    let pp = dir.join("pyproject.toml");
    if pp.is_file() {
        // A pyproject.toml that is not valid TOML is reported by the dependency pass;
        // here only a present [tool.perfaudit] table matters.
        let text = read(&pp)?;
        if text.contains("perfaudit") {
            if let Some(cfg) = parse_table(&pp, &text, &["tool", "perfaudit"])? {
                return Ok(Some(LoadedConfig {
                    path: pp,
                    config: cfg,
                }));
            }
        }
    }
    Ok(None)
}

/// A `[scan]` table already parsed by someone else (the `audit` command's perfaudit.toml).
pub fn from_table(table: toml::Table) -> Result<ScanConfig, String> {
    ScanConfig::deserialize(toml::Value::Table(table))
        .map_err(|e| format!("[scan]: {}", e.message()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_key_is_named() {
        let err = parse_table(
            Path::new("perfaudit.toml"),
            "[scan]\nselct = ['PA5']\n",
            &["scan"],
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("selct"), "{err}");
        assert!(err.contains("[scan]"), "{err}");
    }

    #[test]
    fn reads_keys() {
        let cfg = parse_table(
            Path::new("pyproject.toml"),
            "[tool.perfaudit]\nselect = ['PA5']\nmax-module-lines = 10\n[tool.perfaudit.per-file-ignores]\n'tests/**' = ['PA503']\n",
            &["tool", "perfaudit"],
        )
        .unwrap()
        .unwrap();
        assert_eq!(cfg.select.unwrap(), ["PA5"]);
        assert_eq!(cfg.max_module_lines, Some(10));
        assert_eq!(cfg.per_file_ignores.unwrap()["tests/**"], ["PA503"]);
        assert!(parse_table(Path::new("x"), "[other]\n", &["scan"])
            .unwrap()
            .is_none());
    }
}
