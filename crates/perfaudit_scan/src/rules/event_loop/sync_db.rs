//! PA104 sync-db-in-async.

use crate::python::parser::ast::{self, Expr};
use crate::python::parser::Ranged;
use crate::rules::checker::Checker;
use crate::rules::docs::RuleDoc;
use crate::rules::Rule;
use crate::semantic::expr::callee_label;
use crate::semantic::models::ModelKind;
use crate::semantic::Ty;

pub const DOC: RuleDoc = RuleDoc {
    what: "Finds synchronous database work in async context: methods of a sync SQLAlchemy \
`Session` (a parameter annotated `Session`, a `SessionLocal()`/`Session(...)` bound name), \
`psycopg2/pymysql/sqlite3/MySQLdb.connect`, a sync `redis.Redis` client and its commands, and \
Django ORM calls that hit the database (`Model.objects.get/create/count/...`, iterating a \
queryset) instead of the `a*` variants (`aget`, `acreate`, `async for`).",
    why: "A sync driver blocks the event loop for the whole query. Under load every concurrent \
request waits on the slowest query of the worker; Django raises \
`SynchronousOnlyOperation` for some of these, others silently serialise the service.",
    example: "async def get_user(user_id: int, db: Session = Depends(get_db)):\n    return db.query(User).get(user_id)",
    use_instead: "async def get_user(user_id: int, db: AsyncSession = Depends(get_db)):\n    return await db.get(User, user_id)\n\n# or keep the endpoint sync: `def get_user(...)` runs in FastAPI's threadpool",
    limits: "Calls inside functions passed to `sync_to_async`/`run_in_threadpool` are sync \
context and never flagged. Sessions and clients reached through untyped attributes are not \
tracked. Awaited calls are assumed async.",
};

const DJANGO_DB_METHODS: &[&str] = &[
    "get",
    "create",
    "get_or_create",
    "update_or_create",
    "count",
    "exists",
    "first",
    "last",
    "latest",
    "earliest",
    "update",
    "delete",
    "bulk_create",
    "bulk_update",
    "in_bulk",
    "aggregate",
];

const SESSION_METHODS: &[&str] = &[
    "query", "execute", "get", "scalar", "scalars", "commit", "flush", "refresh", "merge", "delete",
];

const REDIS_SKIP: &[&str] = &["pipeline", "lock"];

/// Last segments of the callees this rule matches by qualified name (the checker resolves
/// only those).
pub(crate) const CALLEES: &[&str] = &["connect", "Redis", "StrictRedis", "from_url"];

pub(crate) fn check_call(checker: &mut Checker, call: &ast::ExprCall) {
    if checker.awaited == Some(call.range().start()) {
        return;
    }
    let q = checker.callee_qualified();
    if let Some(q) = q.as_deref() {
        if matches!(
            q,
            "psycopg2.connect"
                | "pymysql.connect"
                | "sqlite3.connect"
                | "MySQLdb.connect"
                | "mysql.connector.connect"
                | "redis.Redis"
                | "redis.StrictRedis"
                | "redis.from_url"
                | "redis.Redis.from_url"
        ) {
            report(checker, call, format!("`{q}(...)`"));
            return;
        }
    }
    let Expr::Attribute(a) = &*call.func else {
        return;
    };
    let method = a.attr.as_str();
    match checker.type_of(&a.value) {
        Some(Ty::SaSession) if SESSION_METHODS.contains(&method) => {
            report(
                checker,
                call,
                format!(
                    "`{}` on a sync SQLAlchemy `Session`",
                    callee_label(&call.func)
                ),
            );
            return;
        }
        Some(Ty::RedisSync) if !REDIS_SKIP.contains(&method) => {
            report(
                checker,
                call,
                format!(
                    "`{}` on a sync `redis.Redis` client",
                    callee_label(&call.func)
                ),
            );
            return;
        }
        _ => {}
    }
    // Django: Model.objects.<db method>(...)
    if DJANGO_DB_METHODS.contains(&method) {
        let mut objects_of = None;
        let mut cur: &Expr = &a.value;
        loop {
            match cur {
                Expr::Attribute(x) if x.attr.as_str() == "objects" => {
                    if let Expr::Name(n) = &*x.value {
                        objects_of = Some(n.id.as_str());
                    }
                    break;
                }
                Expr::Attribute(x) => cur = &x.value,
                Expr::Call(c) => cur = &c.func,
                _ => break,
            }
        }
        if let Some(model) = objects_of {
            let known = checker
                .project
                .models
                .model(model, ModelKind::Django)
                .is_some()
                || model.chars().next().is_some_and(|c| c.is_ascii_uppercase());
            if known {
                report(
                    checker,
                    call,
                    format!("Django ORM `{}` (sync)", callee_label(&call.func)),
                );
            }
        }
    }
}

fn report(checker: &mut Checker, call: &ast::ExprCall, what: String) {
    checker.report(
        Rule::SyncDbInAsync,
        call.range(),
        format!("{what} blocks the event loop inside an `async def`"),
        "Use the async API (`AsyncSession` + `await`, `redis.asyncio`, asyncpg, Django `aget`/\
`acreate`/`async for`), wrap the work in `sync_to_async`/`run_in_threadpool`, or make the \
endpoint a sync `def`"
            .to_string(),
    );
}
