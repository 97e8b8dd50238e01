//! The run history: SQLite at `.perfaudit/history.db` (WAL), with a schema version
//! (`PRAGMA user_version`) and ordered migrations.
//!
//! Each run is stored in one transaction: the whole `perfaudit/run/v1` document as JSON, the
//! columns the queries need (project, start time, status, git commit), its environment
//! (deduplicated by fingerprint) and one row per metric. A run killed before it is stored
//! leaves the earlier runs untouched.
//!
//! Schema history (each step is a migration, applied in order, each in its own transaction):
//! 1. `runs(id, started_at, project, commit_sha, passed, record)`.
//! 2. `environments(id, fingerprint, json)`; `runs.environment_id`; backfilled from records.
//! 3. `runs.status` replaces `passed` (pass / fail / error); `metrics(run_id, name, value, unit)`;
//!    `baselines(project, run_id)` for a pinned baseline.

use perfaudit_model::run::{Environment, RunRecord, RunStatus};
use rusqlite::{params, Connection, OptionalExtension, Transaction};
use std::path::{Path, PathBuf};

/// The schema version this build writes.
pub const SCHEMA_VERSION: i64 = 3;

/// Default location, relative to the project directory.
pub const DEFAULT_PATH: &str = ".perfaudit/history.db";

#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    #[error("history database {path}: {source}")]
    Sqlite {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
    #[error("cannot create the directory of {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("history database {path} has schema version {found}, newer than this perfaudit understands ({SCHEMA_VERSION}); upgrade perfaudit")]
    TooNew { path: PathBuf, found: i64 },
    #[error("run {id} in {path} is not a valid run record: {source}")]
    Corrupt {
        path: PathBuf,
        id: i64,
        #[source]
        source: serde_json::Error,
    },
    #[error("no run matches `{0}` in the history")]
    NotFound(String),
    #[error("cannot serialize the run: {0}")]
    Serialize(#[source] serde_json::Error),
}

pub type Result<T> = std::result::Result<T, HistoryError>;

/// A reference to a stored run, as users type it: `42`, `last`, `baseline`, `last~1`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunRef {
    Id(i64),
    /// The most recent run; `Last(n)` is the n-th before it.
    Last(u32),
    /// The pinned baseline of the project, else its last passing run.
    Baseline,
}

impl std::str::FromStr for RunRef {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        let s = s.trim();
        if s == "last" || s == "latest" || s == "head" {
            return Ok(RunRef::Last(0));
        }
        if let Some(n) = s.strip_prefix("last~") {
            return n
                .parse()
                .map(RunRef::Last)
                .map_err(|_| format!("`{s}`: expected last~N with N a number"));
        }
        if s == "baseline" {
            return Ok(RunRef::Baseline);
        }
        s.trim_start_matches('#')
            .parse::<i64>()
            .ok()
            .filter(|id| *id > 0)
            .map(RunRef::Id)
            .ok_or_else(|| {
                format!("`{s}` is not a run: use a run id, `last`, `last~N` or `baseline`")
            })
    }
}

impl std::fmt::Display for RunRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RunRef::Id(id) => write!(f, "{id}"),
            RunRef::Last(0) => f.write_str("last"),
            RunRef::Last(n) => write!(f, "last~{n}"),
            RunRef::Baseline => f.write_str("baseline"),
        }
    }
}

/// One line of `perfaudit report --list` (the model owns the type: it is a JSON document).
pub use perfaudit_model::history::RunSummary;

pub struct History {
    conn: Connection,
    path: PathBuf,
}

type Migration = fn(&Transaction<'_>) -> rusqlite::Result<()>;

/// The ordered migrations; `MIGRATIONS[i]` upgrades version `i` to `i + 1`.
const MIGRATIONS: [Migration; 3] = [migrate_v1, migrate_v2, migrate_v3];

fn migrate_v1(tx: &Transaction<'_>) -> rusqlite::Result<()> {
    tx.execute_batch(
        "CREATE TABLE runs (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            started_at TEXT NOT NULL,
            project TEXT NOT NULL,
            commit_sha TEXT,
            passed INTEGER NOT NULL,
            record TEXT NOT NULL
        );
        CREATE INDEX runs_project ON runs(project, id);",
    )
}

fn migrate_v2(tx: &Transaction<'_>) -> rusqlite::Result<()> {
    tx.execute_batch(
        "CREATE TABLE environments (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            fingerprint TEXT NOT NULL UNIQUE,
            json TEXT NOT NULL
        );
        ALTER TABLE runs ADD COLUMN environment_id INTEGER REFERENCES environments(id);",
    )?;
    // Backfill: every stored record carries its environment.
    let rows: Vec<(i64, String)> = {
        let mut st = tx.prepare("SELECT id, record FROM runs")?;
        let it = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        it.collect::<rusqlite::Result<_>>()?
    };
    for (id, record) in rows {
        let env = serde_json::from_str::<serde_json::Value>(&record)
            .ok()
            .and_then(|v| v.get("environment").cloned())
            .and_then(|e| serde_json::from_value::<Environment>(e).ok());
        if let Some(env) = env {
            let env_id = upsert_environment(tx, &env)?;
            tx.execute(
                "UPDATE runs SET environment_id = ?1 WHERE id = ?2",
                params![env_id, id],
            )?;
        }
    }
    Ok(())
}

fn migrate_v3(tx: &Transaction<'_>) -> rusqlite::Result<()> {
    tx.execute_batch(
        "ALTER TABLE runs ADD COLUMN status TEXT NOT NULL DEFAULT 'pass';
        UPDATE runs SET status = CASE WHEN passed THEN 'pass' ELSE 'fail' END;
        CREATE TABLE metrics (
            run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
            name TEXT NOT NULL,
            value REAL NOT NULL,
            unit TEXT NOT NULL,
            PRIMARY KEY (run_id, name)
        );
        CREATE INDEX metrics_name ON metrics(name, run_id);
        CREATE TABLE baselines (
            project TEXT PRIMARY KEY,
            run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE
        );",
    )?;
    let rows: Vec<(i64, String)> = {
        let mut st = tx.prepare("SELECT id, record FROM runs")?;
        let it = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        it.collect::<rusqlite::Result<_>>()?
    };
    for (id, record) in rows {
        let Ok(v) = serde_json::from_str::<serde_json::Value>(&record) else {
            continue;
        };
        if let Some(metrics) = v.get("metrics").and_then(|m| m.as_object()) {
            for (name, m) in metrics {
                let value = m.get("value").and_then(|x| x.as_f64());
                let unit = m.get("unit").and_then(|x| x.as_str()).unwrap_or("");
                if let Some(value) = value {
                    tx.execute(
                        "INSERT OR REPLACE INTO metrics(run_id, name, value, unit) VALUES (?1, ?2, ?3, ?4)",
                        params![id, name, value, unit],
                    )?;
                }
            }
        }
    }
    Ok(())
}

fn upsert_environment(tx: &Transaction<'_>, env: &Environment) -> rusqlite::Result<i64> {
    let fp = env.fingerprint();
    let json = serde_json::to_string(env).unwrap_or_else(|_| "{}".into());
    tx.execute(
        "INSERT INTO environments(fingerprint, json) VALUES (?1, ?2)
         ON CONFLICT(fingerprint) DO UPDATE SET json = excluded.json",
        params![fp, json],
    )?;
    tx.query_row(
        "SELECT id FROM environments WHERE fingerprint = ?1",
        params![fp],
        |r| r.get(0),
    )
}

impl History {
    /// Open (creating it and its directory if needed) and migrate to [`SCHEMA_VERSION`].
    pub fn open(path: impl AsRef<Path>) -> Result<History> {
        let path = path.as_ref().to_path_buf();
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| HistoryError::Io {
                path: path.clone(),
                source,
            })?;
        }
        let conn = Connection::open(&path).map_err(|source| HistoryError::Sqlite {
            path: path.clone(),
            source,
        })?;
        let mut h = History { conn, path };
        h.setup()?;
        Ok(h)
    }

    /// Open an existing database read-only-ish: fails when the file does not exist.
    pub fn open_existing(path: impl AsRef<Path>) -> Result<History> {
        let p = path.as_ref();
        if !p.exists() {
            return Err(HistoryError::Io {
                path: p.to_path_buf(),
                source: std::io::Error::new(
                    std::io::ErrorKind::NotFound,
                    "no history yet (run `perfaudit audit` first)",
                ),
            });
        }
        History::open(p)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn err(&self, source: rusqlite::Error) -> HistoryError {
        HistoryError::Sqlite {
            path: self.path.clone(),
            source,
        }
    }

    fn setup(&mut self) -> Result<()> {
        self.conn
            .busy_timeout(std::time::Duration::from_secs(10))
            .map_err(|e| self.err(e))?;
        self.conn
            .pragma_update(None, "journal_mode", "WAL")
            .map_err(|e| self.err(e))?;
        self.conn
            .pragma_update(None, "foreign_keys", "ON")
            .map_err(|e| self.err(e))?;
        self.conn
            .pragma_update(None, "synchronous", "NORMAL")
            .map_err(|e| self.err(e))?;
        self.migrate()
    }

    /// The schema version of the open database.
    pub fn schema_version(&self) -> Result<i64> {
        self.conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(|e| self.err(e))
    }

    fn migrate(&mut self) -> Result<()> {
        let found = self.schema_version()?;
        if found > SCHEMA_VERSION {
            return Err(HistoryError::TooNew {
                path: self.path.clone(),
                found,
            });
        }
        for (i, step) in MIGRATIONS.iter().enumerate().skip(found.max(0) as usize) {
            let path = self.path.clone();
            let wrap = |source| HistoryError::Sqlite {
                path: path.clone(),
                source,
            };
            let tx = self.conn.transaction().map_err(wrap)?;
            step(&tx).map_err(wrap)?;
            tx.pragma_update(None, "user_version", (i + 1) as i64)
                .map_err(wrap)?;
            tx.commit().map_err(wrap)?;
        }
        Ok(())
    }

    /// Store a run (all or nothing); returns its id, which is also written into the stored record.
    pub fn insert(&mut self, record: &RunRecord) -> Result<i64> {
        let path = self.path.clone();
        let wrap = |source| HistoryError::Sqlite {
            path: path.clone(),
            source,
        };
        let tx = self.conn.transaction().map_err(wrap)?;
        let env_id = upsert_environment(&tx, &record.environment).map_err(wrap)?;
        tx.execute(
            "INSERT INTO runs(started_at, project, commit_sha, passed, record, environment_id, status)
             VALUES (?1, ?2, ?3, ?4, '{}', ?5, ?6)",
            params![
                record.started_at,
                record.project,
                record.git.as_ref().map(|g| g.commit.clone()),
                record.status == RunStatus::Pass,
                env_id,
                record.status.as_str(),
            ],
        )
        .map_err(wrap)?;
        let id = tx.last_insert_rowid();
        let mut stored = record.clone();
        stored.id = id;
        if let Some(c) = stored.comparison.as_mut() {
            c.head_id = id;
        }
        let json = serde_json::to_string(&stored).map_err(HistoryError::Serialize)?;
        tx.execute(
            "UPDATE runs SET record = ?1 WHERE id = ?2",
            params![json, id],
        )
        .map_err(wrap)?;
        for (name, m) in &record.metrics {
            if m.value.is_finite() {
                tx.execute(
                    "INSERT INTO metrics(run_id, name, value, unit) VALUES (?1, ?2, ?3, ?4)",
                    params![id, name, m.value, m.unit],
                )
                .map_err(wrap)?;
            }
        }
        tx.commit().map_err(wrap)?;
        Ok(id)
    }

    /// Resolve a reference to a run id. `project` scopes `last` and `baseline` (None: any project).
    pub fn resolve(&self, r: &RunRef, project: Option<&str>) -> Result<i64> {
        let found: Option<i64> = match r {
            RunRef::Id(id) => self
                .conn
                .query_row("SELECT id FROM runs WHERE id = ?1", params![id], |x| {
                    x.get(0)
                })
                .optional()
                .map_err(|e| self.err(e))?,
            RunRef::Last(n) => self
                .conn
                .query_row(
                    "SELECT id FROM runs WHERE (?1 IS NULL OR project = ?1)
                     ORDER BY id DESC LIMIT 1 OFFSET ?2",
                    params![project, n],
                    |x| x.get(0),
                )
                .optional()
                .map_err(|e| self.err(e))?,
            RunRef::Baseline => self.baseline_id(project, None)?,
        };
        found.ok_or_else(|| {
            HistoryError::NotFound(match project {
                Some(p) => format!("{r}` of project `{p}"),
                None => r.to_string(),
            })
        })
    }

    /// The baseline of a project: the pinned one if any, else the last passing run
    /// (excluding `before`, and only runs older than it when given).
    pub fn baseline_id(&self, project: Option<&str>, before: Option<i64>) -> Result<Option<i64>> {
        let pinned: Option<i64> = self
            .conn
            .query_row(
                "SELECT b.run_id FROM baselines b WHERE (?1 IS NULL OR b.project = ?1)
                 AND (?2 IS NULL OR b.run_id < ?2) ORDER BY b.run_id DESC LIMIT 1",
                params![project, before],
                |x| x.get(0),
            )
            .optional()
            .map_err(|e| self.err(e))?;
        if pinned.is_some() {
            return Ok(pinned);
        }
        self.conn
            .query_row(
                "SELECT id FROM runs WHERE status = 'pass' AND (?1 IS NULL OR project = ?1)
                 AND (?2 IS NULL OR id < ?2) ORDER BY id DESC LIMIT 1",
                params![project, before],
                |x| x.get(0),
            )
            .optional()
            .map_err(|e| self.err(e))
    }

    /// Pin a run as its project's baseline.
    pub fn set_baseline(&mut self, id: i64) -> Result<()> {
        let project: String = self
            .conn
            .query_row("SELECT project FROM runs WHERE id = ?1", params![id], |r| {
                r.get(0)
            })
            .optional()
            .map_err(|e| self.err(e))?
            .ok_or_else(|| HistoryError::NotFound(id.to_string()))?;
        self.conn
            .execute(
                "INSERT INTO baselines(project, run_id) VALUES (?1, ?2)
                 ON CONFLICT(project) DO UPDATE SET run_id = excluded.run_id",
                params![project, id],
            )
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// Load a stored run.
    pub fn get(&self, id: i64) -> Result<RunRecord> {
        let json: String = self
            .conn
            .query_row("SELECT record FROM runs WHERE id = ?1", params![id], |r| {
                r.get(0)
            })
            .optional()
            .map_err(|e| self.err(e))?
            .ok_or_else(|| HistoryError::NotFound(id.to_string()))?;
        let mut rec: RunRecord =
            serde_json::from_str(&json).map_err(|source| HistoryError::Corrupt {
                path: self.path.clone(),
                id,
                source,
            })?;
        rec.id = id;
        Ok(rec)
    }

    /// Resolve and load.
    pub fn load(&self, r: &RunRef, project: Option<&str>) -> Result<RunRecord> {
        let id = self.resolve(r, project)?;
        self.get(id)
    }

    /// The most recent runs, newest first.
    pub fn list(&self, project: Option<&str>, limit: usize) -> Result<Vec<RunSummary>> {
        let mut st = self
            .conn
            .prepare(
                "SELECT r.id, r.project, r.started_at, r.status, r.commit_sha,
                        EXISTS(SELECT 1 FROM baselines b WHERE b.run_id = r.id)
                 FROM runs r WHERE (?1 IS NULL OR r.project = ?1)
                 ORDER BY r.id DESC LIMIT ?2",
            )
            .map_err(|e| self.err(e))?;
        let rows = st
            .query_map(params![project, limit as i64], |r| {
                let status: String = r.get(3)?;
                Ok(RunSummary {
                    id: r.get(0)?,
                    project: r.get(1)?,
                    started_at: r.get(2)?,
                    status: status.parse().unwrap_or(RunStatus::Error),
                    commit: r.get(4)?,
                    baseline: r.get(5)?,
                })
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<rusqlite::Result<_>>()
            .map_err(|e| self.err(e))
    }

    /// The values of one metric over the most recent runs of a project, oldest first.
    pub fn metric_series(
        &self,
        project: &str,
        metric: &str,
        limit: usize,
    ) -> Result<Vec<(i64, f64)>> {
        let mut st = self
            .conn
            .prepare(
                "SELECT m.run_id, m.value FROM metrics m JOIN runs r ON r.id = m.run_id
                 WHERE r.project = ?1 AND m.name = ?2 ORDER BY m.run_id DESC LIMIT ?3",
            )
            .map_err(|e| self.err(e))?;
        let rows = st
            .query_map(params![project, metric, limit as i64], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .map_err(|e| self.err(e))?;
        let mut v: Vec<(i64, f64)> = rows
            .collect::<rusqlite::Result<_>>()
            .map_err(|e| self.err(e))?;
        v.reverse();
        Ok(v)
    }

    /// Database integrity check (`PRAGMA integrity_check` says `ok`).
    pub fn integrity_ok(&self) -> Result<bool> {
        let s: String = self
            .conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .map_err(|e| self.err(e))?;
        Ok(s == "ok")
    }
}

#[cfg(test)]
mod tests;
