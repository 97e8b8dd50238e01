//! PA402 redis-roundtrip-in-loop.

use crate::python::parser::ast::{self, Expr};
use crate::python::parser::Ranged;
use crate::rules::checker::Checker;
use crate::rules::docs::RuleDoc;
use crate::rules::Rule;
use crate::semantic::expr::callee_label;

pub const DOC: RuleDoc = RuleDoc {
    what: "Finds Redis commands (`get`, `set`, `hget`, `hset`, `incr`, `expire`, `sadd`, \
`lpush`, `zadd`, `delete`, ...) issued on a Redis client once per iteration of a `for` loop \
or comprehension, outside a pipeline; and Django's `cache.get/set/delete` the same way.",
    why: "Every command is a network round trip (typically 0.2-1 ms, far more across zones). \
A loop over 1,000 keys spends a second waiting on the network; a pipeline or a multi-key \
command does it in one round trip.",
    example: "for uid in user_ids:\n    names.append(r.get(f\"user:{uid}:name\"))",
    use_instead: "names = r.mget([f\"user:{uid}:name\" for uid in user_ids])\n\n# or: pipe = r.pipeline(); for ...: pipe.get(k); values = pipe.execute()",
    limits: "`while` loops (polling, consumers) and loops over literal collections are not \
reported, nor loops bounded by the code (over an ALL_CAPS constant such as `QUEUE_NAMES`, an \
enum, `range` of constants). Clients must be recognisable (typed, or named like a Redis \
client).",
};

const COMMANDS: &[&str] = &[
    "get",
    "set",
    "setex",
    "setnx",
    "getset",
    "mget",
    "mset",
    "hget",
    "hset",
    "hgetall",
    "hmget",
    "hmset",
    "hdel",
    "hincrby",
    "hexists",
    "incr",
    "incrby",
    "decr",
    "decrby",
    "expire",
    "expireat",
    "ttl",
    "delete",
    "exists",
    "sadd",
    "srem",
    "smembers",
    "sismember",
    "lpush",
    "rpush",
    "lpop",
    "rpop",
    "lrange",
    "llen",
    "zadd",
    "zrem",
    "zscore",
    "zrange",
    "zincrby",
    "zrangebyscore",
    "publish",
    "append",
    "getdel",
];

pub(crate) fn check_call(checker: &mut Checker, call: &ast::ExprCall) {
    if checker.is_offline {
        return;
    }
    if checker.in_return > 0 {
        return;
    }
    let Expr::Attribute(a) = &*call.func else {
        return;
    };
    let m = a.attr.as_str();
    if !COMMANDS.contains(&m) {
        return;
    }
    let Some(lp) = checker.iterating_loop() else {
        return;
    };
    if lp
        .iter
        .is_some_and(crate::rules::database::query_in_loop::bounded_by_code)
    {
        return;
    }
    let line = checker.line_of(lp.start);
    let is_django_cache = matches!(m, "get" | "set" | "delete" | "incr" | "add")
        && checker.qualified(&a.value).is_some_and(|q| {
            q == "django.core.cache.cache" || q.starts_with("django.core.cache.caches")
        });
    let redis = super::is_redis(checker, &a.value).is_some();
    if !(redis || is_django_cache) {
        return;
    }
    let help = if is_django_cache {
        "Use `cache.get_many(keys)` / `cache.set_many(mapping)` / `cache.delete_many(keys)`"
            .to_string()
    } else {
        "Batch the commands: a multi-key command (`mget`, `mset`, `hmget`, `delete(*keys)`) or a `pipeline()` executed once after the loop".to_string()
    };
    checker.report(
        Rule::RedisRoundtripInLoop,
        call.range(),
        format!(
            "`{}(...)` makes one Redis round trip per iteration of the loop at line {line}",
            callee_label(&call.func)
        ),
        help,
    );
}
