//! PA307 connection-per-request.

use crate::python::parser::ast;
use crate::python::parser::{Ranged, TextRange};
use crate::rules::checker::Checker;
use crate::rules::docs::RuleDoc;
use crate::rules::Rule;

pub const DOC: RuleDoc = RuleDoc {
    what: "Finds database and cache connections opened inside a route handler, or inside a \
function of the same module that a handler calls (directly, through `self.`, or as a FastAPI \
`Depends(...)`): `psycopg2/psycopg/pymysql/MySQLdb/asyncpg/aiomysql/sqlite3.connect`, \
`asyncpg.create_pool`, `create_engine`/`create_async_engine`, `redis.Redis(...)`/`from_url`, \
`MongoClient(...)`/`AsyncIOMotorClient(...)`.",
    why: "Opening a connection costs a TCP handshake, TLS, authentication and server-side \
process or session setup: often more than the query itself. Engines and clients are pools \
meant to be created once; one per request also multiplies the connections the database must \
hold (and can exhaust `max_connections` under load).",
    example: "@app.get(\"/items\")\ndef items():\n    conn = psycopg2.connect(DSN)\n    ...",
    use_instead: "pool = psycopg2.pool.ThreadedConnectionPool(1, 10, DSN)  # or an engine created once\n\n@app.get(\"/items\")\ndef items():\n    conn = pool.getconn()\n    try: ...\n    finally: pool.putconn(conn)",
    limits: "Module scope, lifespan/startup hooks, `init*`/`setup*`/`create_app` functions and \
`lru_cache`/`cache` factories are exempt. Calls across modules are not followed.",
};

const CONNECT: &[&str] = &[
    "psycopg2.connect",
    "psycopg.connect",
    "psycopg.AsyncConnection.connect",
    "pymysql.connect",
    "MySQLdb.connect",
    "mysql.connector.connect",
    "asyncpg.connect",
    "asyncpg.create_pool",
    "aiomysql.connect",
    "aiomysql.create_pool",
    "aiosqlite.connect",
    "sqlite3.connect",
    "sqlalchemy.create_engine",
    "sqlalchemy.engine.create_engine",
    "sqlalchemy.ext.asyncio.create_async_engine",
    "sqlmodel.create_engine",
    "redis.Redis",
    "redis.StrictRedis",
    "redis.from_url",
    "redis.Redis.from_url",
    "redis.asyncio.Redis",
    "redis.asyncio.from_url",
    "redis.asyncio.Redis.from_url",
    "aioredis.from_url",
    "aioredis.Redis",
    "pymongo.MongoClient",
    "motor.motor_asyncio.AsyncIOMotorClient",
];

#[derive(Default)]
pub struct State {
    /// (function id, call range, qualified callee)
    sites: Vec<(usize, TextRange, String)>,
}

/// Last segments of the callees this rule matches by qualified name (the checker resolves
/// only those).
pub(crate) const CALLEES: &[&str] = &[
    "connect",
    "create_pool",
    "create_engine",
    "create_async_engine",
    "Redis",
    "StrictRedis",
    "from_url",
    "MongoClient",
    "AsyncIOMotorClient",
];

pub(crate) fn check_call(checker: &mut Checker, call: &ast::ExprCall) {
    let Some(f) = checker.func() else { return };
    if f.startup || f.def.is_none() && f.id == usize::MAX {
        return;
    }
    let id = f.id;
    let Some(q) = checker.callee_qualified() else {
        return;
    };
    if !CONNECT.contains(&q.as_str()) {
        return;
    }
    checker.state.conn.sites.push((id, call.range(), q));
}

pub(crate) fn finish(checker: &mut Checker) {
    if checker.state.conn.sites.is_empty() {
        return;
    }
    let n = checker.functions.len();
    // reached_from[i] = handler id that reaches function i (BFS from each handler).
    let mut reached: Vec<Option<usize>> = vec![None; n];
    for h in 0..n {
        if !checker.functions[h].handler {
            continue;
        }
        let mut stack = vec![h];
        while let Some(cur) = stack.pop() {
            if reached[cur].is_some() {
                continue;
            }
            reached[cur] = Some(h);
            for callee in &checker.functions[cur].calls {
                for (j, g) in checker.functions.iter().enumerate() {
                    if g.name == *callee && !g.startup && reached[j].is_none() {
                        stack.push(j);
                    }
                }
            }
        }
    }
    let sites = std::mem::take(&mut checker.state.conn.sites);
    for (fid, range, q) in sites {
        let Some(Some(h)) = reached.get(fid) else {
            continue;
        };
        let handler = checker.functions[*h].name;
        let message = if *h == fid {
            format!("`{q}(...)` opens a new connection on every request to handler `{handler}`")
        } else {
            let via = checker.functions[fid].name;
            format!("`{q}(...)` in `{via}()` opens a new connection on every request to handler `{handler}`, which calls it")
        };
        checker.report(
            Rule::ConnectionPerRequest,
            range,
            message,
            "Create the engine/pool/client once (module level, app lifespan or startup, a cached \
factory) and take connections from it per request"
                .to_string(),
        );
    }
}
