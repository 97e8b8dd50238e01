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
    (n.contains("redis") && !n.contains("pipe")).then_some(Ty::RedisSync)
}
