//! PA102 blocking-http-in-async.

use crate::python::parser::ast::{self, Expr};
use crate::python::parser::Ranged;
use crate::rules::checker::Checker;
use crate::rules::docs::RuleDoc;
use crate::rules::Rule;
use crate::semantic::expr::callee_label;

pub const DOC: RuleDoc = RuleDoc {
    what: "Finds synchronous HTTP calls in async context: `requests.get/post/...`, the sync \
`httpx` functions, `urllib.request.urlopen`, `urllib3` requests, and methods called on a \
variable bound to `requests.Session()` or `httpx.Client()`.",
    why: "A synchronous HTTP call holds the event loop for the whole network round trip \
(often tens or hundreds of milliseconds, unbounded without a timeout). Every other request \
on the worker waits for it.",
    example: "async def profile(user_id: int):\n    r = requests.get(f\"{API}/users/{user_id}\")\n    return r.json()",
    use_instead: "client = httpx.AsyncClient(timeout=5)\n\nasync def profile(user_id: int):\n    r = await client.get(f\"{API}/users/{user_id}\")\n    return r.json()",
    limits: "Clients passed in as untyped parameters or stored in containers are not tracked. \
FastAPI sync `def` endpoints run in a threadpool and are not async context.",
};

const HTTP_FUNCS: &[&str] = &[
    "get", "post", "put", "patch", "delete", "head", "options", "request", "stream",
];

pub(crate) fn blocking_http_call(checker: &Checker, call: &ast::ExprCall) -> Option<String> {
    if let Some(q) = checker.callee_qualified() {
        if let Some(m) = q.strip_prefix("requests.") {
            if HTTP_FUNCS.contains(&m) || m == "api.request" {
                return Some(q);
            }
        }
        if let Some(m) = q.strip_prefix("httpx.") {
            if HTTP_FUNCS.contains(&m) {
                return Some(q);
            }
        }
        if q == "urllib.request.urlopen" || q == "urllib2.urlopen" {
            return Some(q);
        }
    }
    if let Expr::Attribute(a) = &*call.func {
        if HTTP_FUNCS.contains(&a.attr.as_str()) || a.attr.as_str() == "send" {
            if let Some(t) = checker.type_of(&a.value) {
                if t.is_sync_http() {
                    return Some(format!("{} ({})", callee_label(&call.func), t.describe()));
                }
            }
        }
    }
    None
}

/// Last segments of the callees this rule matches by qualified name (the checker resolves
/// only those).
pub(crate) const CALLEES: &[&str] = &[
    "get", "post", "put", "patch", "delete", "head", "options", "request", "stream", "urlopen",
];

pub(crate) fn check_call(checker: &mut Checker, call: &ast::ExprCall) {
    if let Some(what) = blocking_http_call(checker, call) {
        checker.report(
            Rule::BlockingHttpInAsync,
            call.range(),
            format!("blocking HTTP call `{what}` inside an `async def`"),
            "Use an async client (`httpx.AsyncClient`, `aiohttp.ClientSession`) created once and \
awaited, or run the call with `await asyncio.to_thread(...)`"
                .to_string(),
        );
    }
}
