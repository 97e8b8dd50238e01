//! PA202 http-client-per-call.

use crate::python::parser::ast;
use crate::python::parser::Ranged;
use crate::rules::checker::Checker;
use crate::rules::docs::RuleDoc;
use crate::rules::Rule;

pub const DOC: RuleDoc = RuleDoc {
    what: "Finds `requests.Session()`, `httpx.Client()`, `httpx.AsyncClient()` and \
`aiohttp.ClientSession()` created inside a route handler or inside a loop body.",
    why: "A client owns a connection pool. Creating one per request or per iteration throws \
the pool away each time: every call pays a new TCP (and TLS) handshake, and the service \
opens far more sockets than it needs (ephemeral port and file descriptor exhaustion under \
load).",
    example: "@app.get(\"/weather\")\nasync def weather(city: str):\n    async with httpx.AsyncClient() as client:\n        return (await client.get(URL, params={\"q\": city})).json()",
    use_instead: "client = httpx.AsyncClient(timeout=5)  # created once (module, lifespan, app.state)\n\n@app.get(\"/weather\")\nasync def weather(city: str):\n    return (await client.get(URL, params={\"q\": city})).json()",
    limits: "Handlers are recognised by route decorators, Django/DRF view conventions and view \
classes; clients created in helpers called by handlers are not followed (PA307 does that for \
database connections).",
};

/// Last segments of the callees this rule matches by qualified name (the checker resolves
/// only those).
pub(crate) const CALLEES: &[&str] = &[
    "Session",
    "session",
    "Client",
    "AsyncClient",
    "ClientSession",
];

pub(crate) fn check_call(checker: &mut Checker, call: &ast::ExprCall) {
    if checker.is_offline {
        return;
    }
    let Some(q) = checker.callee_qualified() else {
        return;
    };
    let what = match q.as_str() {
        "requests.Session" | "requests.session" => "requests.Session()",
        "httpx.Client" => "httpx.Client()",
        "httpx.AsyncClient" => "httpx.AsyncClient()",
        "aiohttp.ClientSession" => "aiohttp.ClientSession()",
        _ => return,
    };
    let in_loop = checker.iterating_loop().is_some()
        || checker
            .current_loops()
            .last()
            .is_some_and(|l| l.kind == crate::rules::checker::LoopKind::While);
    let handler = checker.func().and_then(|f| f.handler.map(|_| f.def));
    let place = if in_loop {
        "inside a loop body".to_string()
    } else if let Some(Some(def)) = handler {
        format!("inside route handler `{}`", def.name.as_str())
    } else {
        return;
    };
    checker.report(
        Rule::HttpClientPerCall,
        call.range(),
        format!("`{what}` is created {place}: a new connection pool every time"),
        "Create the client once (module level, app lifespan/startup, `app.state`, a dependency \
with a cached instance) and reuse it"
            .to_string(),
    );
}
