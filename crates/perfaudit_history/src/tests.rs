use super::*;
use perfaudit_model::run::*;
use std::collections::BTreeMap;

fn env(cores: u32) -> Environment {
    Environment {
        hostname: "h".into(),
        os: "Debian GNU/Linux 12".into(),
        kernel: "6.1.0".into(),
        arch: "x86_64".into(),
        cpu_model: "Test CPU".into(),
        cpu_cores: cores,
        memory_bytes: 4 << 30,
        tools: BTreeMap::from([("python3".into(), "3.11.7".into())]),
    }
}

fn record(project: &str, status: RunStatus, p95: f64) -> RunRecord {
    let mut metrics = BTreeMap::new();
    metrics.insert(
        "latency.p95".to_string(),
        Metric {
            value: p95,
            unit: "ms".into(),
            better: Better::Lower,
            distribution: None,
        },
    );
    RunRecord {
        schema: perfaudit_model::SCHEMA_RUN.into(),
        id: 0,
        project: project.into(),
        started_at: "2026-11-22T12:00:00Z".into(),
        duration_s: 3.0,
        config_path: "perfaudit.toml".into(),
        git: Some(GitInfo {
            commit: "abc123".into(),
            branch: Some("main".into()),
            dirty: false,
        }),
        environment: env(2),
        status,
        kpis: vec![],
        metrics,
        scan: None,
        service: None,
        load: vec![],
        monitor: None,
        bench: vec![],
        imports: vec![],
        profile: None,
        comparison: None,
        errors: vec![],
    }
}

#[test]
fn stores_and_queries_runs() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sub/history.db");
    let mut h = History::open(&path).unwrap();
    assert_eq!(h.schema_version().unwrap(), SCHEMA_VERSION);
    let a = h.insert(&record("p", RunStatus::Pass, 10.0)).unwrap();
    let b = h.insert(&record("p", RunStatus::Fail, 30.0)).unwrap();
    let c = h.insert(&record("other", RunStatus::Pass, 5.0)).unwrap();
    assert_eq!(h.resolve(&RunRef::Last(0), Some("p")).unwrap(), b);
    assert_eq!(h.resolve(&RunRef::Last(1), Some("p")).unwrap(), a);
    assert_eq!(h.resolve(&RunRef::Last(0), None).unwrap(), c);
    // The baseline is the last passing run of the project ...
    assert_eq!(h.resolve(&RunRef::Baseline, Some("p")).unwrap(), a);
    assert_eq!(h.baseline_id(Some("p"), Some(a)).unwrap(), None);
    // ... unless one is pinned.
    h.set_baseline(b).unwrap();
    assert_eq!(h.resolve(&RunRef::Baseline, Some("p")).unwrap(), b);
    let got = h.get(b).unwrap();
    assert_eq!(got.id, b);
    assert_eq!(got.metrics["latency.p95"].value, 30.0);
    let list = h.list(Some("p"), 10).unwrap();
    assert_eq!(list.len(), 2);
    assert!(list[0].baseline && list[0].status == RunStatus::Fail);
    assert_eq!(
        h.metric_series("p", "latency.p95", 10).unwrap(),
        vec![(a, 10.0), (b, 30.0)]
    );
    assert!(matches!(
        h.resolve(&RunRef::Id(999), None),
        Err(HistoryError::NotFound(_))
    ));
    // WAL mode is on.
    let mode: String = h
        .conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    assert!(h.integrity_ok().unwrap());
    drop(h);
    // Reopening is idempotent.
    let h = History::open(&path).unwrap();
    assert_eq!(h.list(None, 10).unwrap().len(), 3);
}

#[test]
fn upgrades_a_version_1_database() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db");
    {
        // A database as the first release wrote it.
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch(
            "CREATE TABLE runs (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                started_at TEXT NOT NULL,
                project TEXT NOT NULL,
                commit_sha TEXT,
                passed INTEGER NOT NULL,
                record TEXT NOT NULL
            );
            CREATE INDEX runs_project ON runs(project, id);
            PRAGMA user_version = 1;",
        )
        .unwrap();
        let rec = serde_json::to_string(&record("old", RunStatus::Pass, 12.5)).unwrap();
        let failed = serde_json::to_string(&record("old", RunStatus::Fail, 50.0)).unwrap();
        conn.execute(
            "INSERT INTO runs(started_at, project, commit_sha, passed, record) VALUES ('2026-01-01T00:00:00Z', 'old', 'abc', 1, ?1)",
            [rec],
        )
        .unwrap();
        conn.execute(
            "INSERT INTO runs(started_at, project, commit_sha, passed, record) VALUES ('2026-01-02T00:00:00Z', 'old', 'abd', 0, ?1)",
            [failed],
        )
        .unwrap();
    }
    let mut h = History::open(&path).unwrap();
    assert_eq!(h.schema_version().unwrap(), SCHEMA_VERSION);
    // status derived from `passed`, metrics and environment backfilled.
    let list = h.list(Some("old"), 10).unwrap();
    assert_eq!(list[0].status, RunStatus::Fail);
    assert_eq!(list[1].status, RunStatus::Pass);
    assert_eq!(h.resolve(&RunRef::Baseline, Some("old")).unwrap(), 1);
    assert_eq!(
        h.metric_series("old", "latency.p95", 10).unwrap(),
        vec![(1, 12.5), (2, 50.0)]
    );
    let env_rows: i64 = h
        .conn
        .query_row(
            "SELECT count(*) FROM runs WHERE environment_id IS NOT NULL",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(env_rows, 2);
    assert_eq!(h.get(1).unwrap().metrics["latency.p95"].value, 12.5);
    // New runs go on after the old ones.
    assert_eq!(h.insert(&record("old", RunStatus::Pass, 11.0)).unwrap(), 3);
}

#[test]
fn refuses_a_newer_database() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("new.db");
    Connection::open(&path)
        .unwrap()
        .execute_batch("PRAGMA user_version = 99;")
        .unwrap();
    let err = History::open(&path).err().unwrap();
    assert!(err.to_string().contains("newer"), "{err}");
}

#[test]
fn run_refs_parse() {
    assert_eq!("last".parse::<RunRef>().unwrap(), RunRef::Last(0));
    assert_eq!("last~2".parse::<RunRef>().unwrap(), RunRef::Last(2));
    assert_eq!("baseline".parse::<RunRef>().unwrap(), RunRef::Baseline);
    assert_eq!("#7".parse::<RunRef>().unwrap(), RunRef::Id(7));
    assert!("0".parse::<RunRef>().is_err());
    assert!("yesterday".parse::<RunRef>().is_err());
}

#[test]
fn a_failed_insert_leaves_nothing_behind() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = History::open(dir.path().join("h.db")).unwrap();
    h.insert(&record("p", RunStatus::Pass, 1.0)).unwrap();
    // Make the metrics insert fail half-way through the transaction.
    h.conn
        .execute_batch(
            "CREATE TRIGGER boom BEFORE INSERT ON metrics BEGIN SELECT RAISE(ABORT, 'boom'); END;",
        )
        .unwrap();
    assert!(h.insert(&record("p", RunStatus::Pass, 2.0)).is_err());
    assert_eq!(h.list(None, 10).unwrap().len(), 1);
    assert!(h.integrity_ok().unwrap());
}
