//! Simple local type inference: what kind of client object a name or expression holds.

/// The kinds of objects the rules care about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ty {
    RequestsSession,
    HttpxClient,
    HttpxAsyncClient,
    AiohttpSession,
    RedisSync,
    RedisAsync,
    RedisPipeline,
    /// A sync SQLAlchemy `Session` (or sqlmodel's).
    SaSession,
    SaAsyncSession,
    /// A DB-API connection or cursor (psycopg2, pymysql, sqlite3, Django `connection`).
    DbApi,
    Path,
    /// A `sessionmaker(...)` factory: calling it gives a `SaSession`.
    SaSessionFactory,
    SaAsyncSessionFactory,
    /// A SQLAlchemy engine.
    SaEngine,
}

impl Ty {
    pub fn is_redis(self) -> bool {
        matches!(self, Ty::RedisSync | Ty::RedisAsync)
    }

    pub fn is_sync_http(self) -> bool {
        matches!(self, Ty::RequestsSession | Ty::HttpxClient)
    }

    pub fn describe(self) -> &'static str {
        match self {
            Ty::RequestsSession => "requests.Session",
            Ty::HttpxClient => "httpx.Client",
            Ty::HttpxAsyncClient => "httpx.AsyncClient",
            Ty::AiohttpSession => "aiohttp.ClientSession",
            Ty::RedisSync => "redis.Redis",
            Ty::RedisAsync => "redis.asyncio.Redis",
            Ty::RedisPipeline => "redis pipeline",
            Ty::SaSession => "sqlalchemy.orm.Session",
            Ty::SaAsyncSession => "sqlalchemy.ext.asyncio.AsyncSession",
            Ty::DbApi => "DB-API connection",
            Ty::Path => "pathlib.Path",
            Ty::SaSessionFactory => "sessionmaker",
            Ty::SaAsyncSessionFactory => "async_sessionmaker",
            Ty::SaEngine => "sqlalchemy Engine",
        }
    }
}

/// The type of the object a call to `qualified` returns (constructors and factories).
pub fn constructor_type(qualified: &str) -> Option<Ty> {
    Some(match qualified {
        "requests.Session" | "requests.session" | "requests.sessions.Session" => {
            Ty::RequestsSession
        }
        "httpx.Client" => Ty::HttpxClient,
        "httpx.AsyncClient" => Ty::HttpxAsyncClient,
        "aiohttp.ClientSession" => Ty::AiohttpSession,
        "redis.Redis"
        | "redis.StrictRedis"
        | "redis.client.Redis"
        | "redis.client.StrictRedis"
        | "redis.from_url"
        | "redis.Redis.from_url"
        | "redis.StrictRedis.from_url"
        | "redis.RedisCluster"
        | "redis.cluster.RedisCluster"
        | "django_redis.get_redis_connection" => Ty::RedisSync,
        "redis.asyncio.Redis"
        | "redis.asyncio.StrictRedis"
        | "redis.asyncio.from_url"
        | "redis.asyncio.Redis.from_url"
        | "redis.asyncio.client.Redis"
        | "aioredis.Redis"
        | "aioredis.from_url"
        | "aioredis.create_redis_pool"
        | "coredis.Redis" => Ty::RedisAsync,
        "sqlalchemy.orm.Session" | "sqlalchemy.orm.session.Session" | "sqlmodel.Session" => {
            Ty::SaSession
        }
        "sqlalchemy.ext.asyncio.AsyncSession" | "sqlmodel.ext.asyncio.session.AsyncSession" => {
            Ty::SaAsyncSession
        }
        "sqlalchemy.orm.sessionmaker" | "sqlalchemy.orm.scoped_session" => Ty::SaSessionFactory,
        "sqlalchemy.ext.asyncio.async_sessionmaker" => Ty::SaAsyncSessionFactory,
        "sqlalchemy.create_engine"
        | "sqlalchemy.engine.create_engine"
        | "sqlmodel.create_engine" => Ty::SaEngine,
        "psycopg2.connect"
        | "psycopg.connect"
        | "pymysql.connect"
        | "sqlite3.connect"
        | "MySQLdb.connect"
        | "mysql.connector.connect"
        | "django.db.connection" => Ty::DbApi,
        "pathlib.Path" | "pathlib.PurePath" | "pathlib.PosixPath" => Ty::Path,
        _ => return None,
    })
}

/// The type named by an annotation's qualified name (`Session` imported from
/// `sqlalchemy.orm`).
pub fn annotation_type(qualified: &str) -> Option<Ty> {
    Some(match qualified {
        "sqlalchemy.orm.Session" | "sqlalchemy.orm.session.Session" | "sqlmodel.Session" => {
            Ty::SaSession
        }
        "sqlalchemy.ext.asyncio.AsyncSession" | "sqlmodel.ext.asyncio.session.AsyncSession" => {
            Ty::SaAsyncSession
        }
        "requests.Session" | "requests.sessions.Session" => Ty::RequestsSession,
        "httpx.Client" => Ty::HttpxClient,
        "httpx.AsyncClient" => Ty::HttpxAsyncClient,
        "aiohttp.ClientSession" => Ty::AiohttpSession,
        "redis.Redis" | "redis.StrictRedis" | "redis.client.Redis" => Ty::RedisSync,
        "redis.asyncio.Redis" | "redis.asyncio.client.Redis" | "aioredis.Redis" => Ty::RedisAsync,
        "pathlib.Path" => Ty::Path,
        _ => return None,
    })
}
