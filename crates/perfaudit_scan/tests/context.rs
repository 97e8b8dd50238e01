//! Where code runs decides what is reported: every performance finding carries the context of
//! its function, derived across the project's modules (route handlers and what they call,
//! tasks, management commands, migrations, tests), and cli/migration/test findings are shown
//! only when asked. Names imported from the project's own modules (a session factory, a redis
//! client) keep their type.

use perfaudit_model::scan::Context;
use perfaudit_scan::pipeline::scan;
use perfaudit_scan::settings::{CliOverrides, ScanSettings};
use std::path::Path;

fn write(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

fn settings(contexts: &[&str]) -> ScanSettings {
    ScanSettings::resolve(
        &CliOverrides {
            contexts: contexts.iter().map(|s| s.to_string()).collect(),
            ..Default::default()
        },
        None,
    )
    .unwrap()
}

/// (code, path, line, context) of every performance finding.
fn findings(root: &Path, s: &ScanSettings) -> Vec<(String, String, u32, Option<Context>)> {
    static POOL: std::sync::Once = std::sync::Once::new();
    POOL.call_once(|| {
        let _ = rayon::ThreadPoolBuilder::new()
            .stack_size(perfaudit_scan::pipeline::WORKER_STACK)
            .build_global();
    });
    scan(root, s, &|_| {})
        .findings
        .into_iter()
        .filter(|f| matches!(f.code.as_bytes()[2], b'1'..=b'4'))
        .map(|f| (f.code, f.path, f.line, f.context))
        .collect()
}

/// A FastAPI + SQLAlchemy service laid out as real ones are: the session factory and the redis
/// client in their own modules, CRUD helpers called from routes, a task, a CLI command, an
/// Alembic migration and tests.
fn service() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        "requirements.txt",
        "fastapi\nsqlalchemy\npsycopg2\nredis\ncelery\nclick\n",
    );
    write(root, "app/__init__.py", "");
    write(
        root,
        "app/db.py",
        "from sqlalchemy import create_engine\nfrom sqlalchemy.orm import sessionmaker\n\n\
         engine = create_engine('postgresql://localhost/app')\n\
         SessionLocal = sessionmaker(bind=engine)\n",
    );
    write(
        root,
        "app/cache.py",
        "import redis\n\nredis_client = redis.Redis()\n",
    );
    write(
        root,
        "app/models.py",
        "from sqlalchemy import Column, Integer, String\nfrom sqlalchemy.orm import declarative_base\n\
         Base = declarative_base()\n\
         class Item(Base):\n    __tablename__ = 'items'\n    id = Column(Integer, primary_key=True)\n\
         \x20   name = Column(String)\n",
    );
    // Helpers with a query per loop iteration, called from several places.
    write(
        root,
        "app/crud.py",
        "from app.models import Item\n\n\
         def load_each(session, ids):\n    for i in ids:\n        session.get(Item, i)\n\n\
         def only_for_cli(session, ids):\n    for i in ids:\n        session.get(Item, i)\n\n\
         def only_for_tests(session, ids):\n    for i in ids:\n        session.get(Item, i)\n\n\
         def for_the_task(session, ids):\n    for i in ids:\n        session.get(Item, i)\n",
    );
    write(
        root,
        "app/api/routes.py",
        "from fastapi import APIRouter\nfrom app import crud\nfrom app.db import SessionLocal\n\
         from app.cache import redis_client\nfrom app.models import Item\n\n\
         router = APIRouter()\n\n\
         @router.get('/items')\nasync def items(ids: list[int]):\n\
         \x20   with SessionLocal() as s:\n        s.query(Item).all()\n\
         \x20   redis_client.get('k')\n    return crud.load_each(None, ids)\n",
    );
    write(
        root,
        "app/tasks.py",
        "from celery import shared_task\nfrom app.crud import for_the_task\n\n\
         @shared_task\ndef nightly(ids):\n    for_the_task(None, ids)\n",
    );
    write(
        root,
        "app/cli.py",
        "import click\nfrom app.crud import only_for_cli\n\n\
         @click.command()\ndef reindex():\n    only_for_cli(None, [1, 2, 3, 4])\n",
    );
    write(
        root,
        "tests/test_crud.py",
        "from app.crud import only_for_tests\nimport requests\n\n\
         def test_it():\n    only_for_tests(None, [1])\n    requests.get('http://127.0.0.1:1/x')\n",
    );
    write(
        root,
        "alembic/versions/0002_index.py",
        "from alembic import op\n\ndef upgrade():\n    op.create_index('ix_items_name', 'items', ['name'])\n",
    );
    dir
}

#[test]
fn findings_carry_the_context_of_their_callers_across_modules() {
    let dir = service();
    let all = findings(dir.path(), &settings(&["all"]));
    let ctx_of = |path: &str, line: u32, code: &str| {
        all.iter()
            .find(|(c, p, l, _)| c == code && p == path && *l == line)
            .unwrap_or_else(|| panic!("no {code} at {path}:{line} in {all:#?}"))
            .3
    };
    assert_eq!(ctx_of("app/crud.py", 5, "PA303"), Some(Context::Request));
    assert_eq!(ctx_of("app/crud.py", 9, "PA303"), Some(Context::Cli));
    // Tests call everything: a helper only tests call has no known caller.
    assert_eq!(ctx_of("app/crud.py", 13, "PA303"), Some(Context::Unknown));
    assert_eq!(ctx_of("app/crud.py", 17, "PA303"), Some(Context::Task));
    assert_eq!(
        ctx_of("tests/test_crud.py", 6, "PA201"),
        Some(Context::Test)
    );
    assert_eq!(
        ctx_of("alembic/versions/0002_index.py", 4, "PA310"),
        Some(Context::Migration)
    );
}

#[test]
fn imported_session_factory_and_redis_client_are_sync_clients_in_async_code() {
    let dir = service();
    let all = findings(dir.path(), &settings(&[]));
    let pa104: Vec<u32> = all
        .iter()
        .filter(|(c, p, _, _)| c == "PA104" && p == "app/api/routes.py")
        .map(|f| f.2)
        .collect();
    // `s.query(Item).all()` on a `SessionLocal()` from app/db.py, `redis_client.get` from
    // app/cache.py.
    assert_eq!(pa104, vec![12, 13], "{all:#?}");
}

#[test]
fn cli_migration_and_test_findings_are_hidden_by_default() {
    let dir = service();
    let default = findings(dir.path(), &settings(&[]));
    assert!(
        default
            .iter()
            .all(|f| !matches!(f.3, Some(Context::Cli | Context::Test))),
        "{default:#?}"
    );
    // PA310's home is migrations: reported there by default.
    assert!(default.iter().any(|f| f.0 == "PA310"));
    assert!(default.iter().any(|f| f.1 == "app/crud.py" && f.2 == 5));
    assert!(!default.iter().any(|f| f.1 == "app/crud.py" && f.2 == 9));
    let with_cli = findings(
        dir.path(),
        &settings(&["request", "task", "startup", "unknown", "cli"]),
    );
    assert!(with_cli.iter().any(|f| f.1 == "app/crud.py" && f.2 == 9));
    assert!(!with_cli.iter().any(|f| f.1 == "tests/test_crud.py"));
    let err = ScanSettings::resolve(
        &CliOverrides {
            contexts: vec!["requests".into()],
            ..Default::default()
        },
        None,
    )
    .unwrap_err();
    assert!(err.contains("unknown context `requests`"), "{err}");
}
