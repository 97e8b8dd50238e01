//! PA401 redis-keys.

use crate::python::parser::ast::{self, Expr};
use crate::python::parser::Ranged;
use crate::rules::checker::Checker;
use crate::rules::docs::RuleDoc;
use crate::rules::Rule;
use crate::semantic::expr::callee_label;

pub const DOC: RuleDoc = RuleDoc {
    what: "Finds `.keys(pattern)` (the Redis `KEYS` command) called on a receiver that resolves \
to a Redis client: a name bound to `redis.Redis(...)`/`from_url(...)`/`redis.asyncio`/\
`get_redis_connection()`, a `self.` attribute set to one, or a receiver named like a Redis \
client (`redis`, `redis_client`, `self.redis`). `dict.keys()` is never reported.",
    why: "`KEYS` walks the entire keyspace in one blocking command: O(number of keys). Redis is \
single-threaded, so while it runs every other client of the instance waits; on a production \
keyspace that is hundreds of milliseconds to seconds.",
    example: "for key in r.keys(\"session:*\"):\n    r.delete(key)",
    use_instead: "for key in r.scan_iter(match=\"session:*\", count=500):\n    r.delete(key)",
    limits: "Clients reached through untyped function parameters with neutral names are not \
recognised.",
};

pub(crate) fn check_call(checker: &mut Checker, call: &ast::ExprCall) {
    let Expr::Attribute(a) = &*call.func else {
        return;
    };
    if a.attr.as_str() != "keys" {
        return;
    }
    let typed = super::is_redis(checker, &a.value).is_some();
    // dict.keys() takes no arguments: a glob pattern argument is Redis KEYS.
    let pattern_arg = call.arguments.args.first().is_some_and(|e| match e {
        Expr::StringLiteral(s) => s.value.to_str().contains(['*', '?', '[', ':']),
        Expr::FString(_) => true,
        _ => false,
    }) || call
        .arguments
        .keywords
        .iter()
        .any(|k| k.arg.as_ref().is_some_and(|n| n.as_str() == "pattern"));
    if !(typed || pattern_arg) {
        return;
    }
    checker.report(
        Rule::RedisKeys,
        call.range(),
        format!(
            "`{}(...)` runs Redis `KEYS`, which scans the whole keyspace and blocks the server",
            callee_label(&call.func)
        ),
        "Iterate with `scan_iter(match=..., count=...)` (SCAN) instead, or keep an index of the keys in a set".to_string(),
    );
}
