//! PA105 sequential-await-in-loop.

use crate::python::parser::ast::{self, Expr};
use crate::python::parser::Ranged;
use crate::rules::checker::{Checker, LoopKind};
use crate::rules::docs::RuleDoc;
use crate::rules::Rule;
use crate::semantic::expr::{callee_label, terminal_name};
use crate::semantic::Ty;

pub const DOC: RuleDoc = RuleDoc {
    what: "Finds `await client.get(...)` (and other HTTP methods of an async client: \
`httpx.AsyncClient`, `aiohttp.ClientSession`, or a receiver named like one) awaited once per \
iteration of a `for` loop or comprehension, where the requests could run concurrently.",
    why: "Each iteration waits for the previous request to finish: N requests cost N round \
trips end to end instead of roughly one. Independent requests can be sent together.",
    example: "async def prices(ids):\n    out = []\n    for i in ids:\n        r = await client.get(f\"/price/{i}\")\n        out.append(r.json())\n    return out",
    use_instead: "async def prices(ids):\n    rs = await asyncio.gather(*(client.get(f\"/price/{i}\") for i in ids))\n    return [r.json() for r in rs]",
    limits: "Does not prove independence: a loop whose next request depends on the previous \
response (pagination cursors) is reported too; that is why the rule is info. `while` loops \
and `async for` loops are not reported.",
};

const METHODS: &[&str] = &[
    "get", "post", "put", "patch", "delete", "head", "request", "fetch",
];

pub(crate) fn check_await(checker: &mut Checker, aw: &ast::ExprAwait) {
    if checker.is_offline {
        return;
    }
    let Expr::Call(call) = &*aw.value else {
        return;
    };
    let Expr::Attribute(a) = &*call.func else {
        return;
    };
    if !METHODS.contains(&a.attr.as_str()) {
        return;
    }
    let Some(lp) = checker.iterating_loop() else {
        return;
    };
    if lp.kind != LoopKind::For {
        return;
    }
    if let Some(Expr::Call(_)) = lp.iter {
        // `for x in asyncio.as_completed(...)` and friends
        if let Some(Expr::Call(c)) = lp.iter {
            if let Some(n) = terminal_name(&c.func) {
                if matches!(n, "as_completed") {
                    return;
                }
            }
        }
    }
    let typed = matches!(
        checker.type_of(&a.value),
        Some(Ty::HttpxAsyncClient | Ty::AiohttpSession)
    );
    let named = terminal_name(&a.value).is_some_and(|n| {
        let n = n.to_ascii_lowercase();
        n == "client"
            || n.ends_with("_client")
            || n == "http"
            || n == "http_client"
            || n == "httpx_client"
    });
    if !(typed || named) || checker.in_return > 0 {
        return;
    }
    let line = checker.line_of(lp.start);
    checker.report(
        Rule::SequentialAwaitInLoop,
        aw.range(),
        format!(
            "`await {}(...)` runs one request at a time in the loop at line {line}",
            callee_label(&call.func)
        ),
        "If the requests are independent, start them together with `asyncio.gather(...)` or a \
`TaskGroup` (bounded by a semaphore)"
            .to_string(),
    );
}
