//! D. Redis and caching.

pub mod module_state_growth;
pub mod redis_keys;
pub mod redis_roundtrip;
pub mod unbounded_cache;

use crate::python::parser::ast::Expr;
use crate::rules::checker::Checker;
use crate::semantic::expr::terminal_name;
use crate::semantic::Ty;

/// Is `recv` a redis client (by inferred type, or named like one)?
pub(crate) fn is_redis(checker: &Checker, recv: &Expr) -> Option<Ty> {
    if let Some(t) = checker.type_of(recv) {
        return t.is_redis().then_some(t);
    }
    let n = terminal_name(recv)?.to_ascii_lowercase();
    // `redis`, `redis_client`, `cache_redis`, `redisconn`: the word, not a longer one that
    // contains it (`redispatch`).
    let named = n.split('_').any(|w| {
        w == "redis"
            || w.strip_prefix("redis").is_some_and(|rest| {
                matches!(
                    rest,
                    "client" | "conn" | "connection" | "cli" | "db" | "pool" | "cache"
                )
            })
            || w.ends_with("redis")
                && w.len() > 5
                && matches!(&w[..w.len() - 5], "aio" | "my" | "the")
    });
    (named && !n.contains("pipe")).then_some(Ty::RedisSync)
}
