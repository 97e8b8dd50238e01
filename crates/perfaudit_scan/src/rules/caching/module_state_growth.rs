//! PA404 module-state-growth.

use crate::python::parser::ast::{self, Expr};
use crate::python::parser::{Ranged, TextRange};
use crate::rules::checker::Checker;
use crate::rules::docs::RuleDoc;

pub const DOC: RuleDoc = RuleDoc {
    what: "Finds a module-level list, dict or set (`EVENTS = []`, `seen = {}`, `set()`, \
`defaultdict(...)`, `deque()` without `maxlen`) that code on the request path or in a task adds \
to (`.append/.extend/.add/.insert/.update/.setdefault/.appendleft`) while \
nothing in the module ever removes from it (`.pop/.popitem/.popleft/.remove/.discard/.clear`, \
`del X[...]`, reassigning it).",
    why: "A module-level container lives as long as the worker process. Adding to it on every \
request without ever removing is a memory leak: the worker's memory grows with its traffic \
until it is killed or swaps, and every lookup or copy of the container gets slower.",
    example: "RECENT = []\n\n@app.post(\"/events\")\ndef record(event: Event):\n    RECENT.append(event)\n    return {\"ok\": True}",
    use_instead: "RECENT = collections.deque(maxlen=1000)  # bounded\n\n# or a cache with a size/TTL bound (cachetools.TTLCache), or Redis/the database",
    limits: "Reported only where the adding function is a route handler, a background task or \
what one calls (contexts request and task): registries filled at import time by decorators are \
start-up code and not reported. Removal anywhere in the module (even on another path) counts \
as bounded; bounds enforced by another module are not seen. Dict memos written with \
`X[key] = value` are PA403's.",
};

const ADDERS: &[&str] = &[
    "append",
    "extend",
    "add",
    "insert",
    "update",
    "setdefault",
    "appendleft",
    "extendleft",
];

const REMOVERS: &[&str] = &[
    "pop",
    "popitem",
    "popleft",
    "remove",
    "discard",
    "clear",
    "difference_update",
    "intersection_update",
];

#[derive(Default)]
pub struct State<'a> {
    /// (container name, where it grows, the function).
    growth: Vec<(&'a str, TextRange, &'a str)>,
    /// Containers something removes from or resets.
    shrunk: Vec<&'a str>,
}

/// Is `name` a module-level binding to a growable container?
fn module_container(checker: &Checker, name: &str) -> bool {
    let Some(b) = checker.sem.lookup(name) else {
        return false;
    };
    let binding = checker.sem.binding(b);
    if binding.scope != 0 {
        return false;
    }
    match binding.value {
        Some(Expr::List(_) | Expr::Dict(_) | Expr::Set(_)) => true,
        Some(Expr::Call(c)) => {
            let callee = match &*c.func {
                Expr::Name(n) => n.id.as_str(),
                Expr::Attribute(a) => a.attr.as_str(),
                _ => return false,
            };
            match callee {
                "list" | "dict" | "set" | "defaultdict" | "OrderedDict" | "Counter" => {
                    c.arguments.args.is_empty() || callee == "defaultdict"
                }
                "deque" => {
                    c.arguments
                        .keywords
                        .iter()
                        .all(|k| k.arg.as_ref().is_none_or(|a| a.as_str() != "maxlen"))
                        && c.arguments.args.len() < 2
                }
                _ => false,
            }
        }
        _ => false,
    }
}

/// A method call on a name: growth inside a function, or removal anywhere.
pub(crate) fn check_call<'a>(checker: &mut Checker<'a>, call: &'a ast::ExprCall) {
    let Expr::Attribute(a) = &*call.func else {
        return;
    };
    let Expr::Name(n) = &*a.value else { return };
    let m = a.attr.as_str();
    let name = n.id.as_str();
    if REMOVERS.contains(&m) {
        checker.state.growth_pa404.shrunk.push(name);
        return;
    }
    if !ADDERS.contains(&m) {
        return;
    }
    let Some(def) = checker.func().and_then(|f| f.def) else {
        return;
    };
    if module_container(checker, name) {
        let fname = def.name.as_str();
        checker
            .state
            .growth_pa404
            .growth
            .push((name, call.range(), fname));
    }
}

/// `del X[key]`, `X = ...` under `global X` in a function (a reset): `X` is bounded.
pub(crate) fn on_shrink<'a>(checker: &mut Checker<'a>, name: &'a str) {
    checker.state.growth_pa404.shrunk.push(name);
}

/// Names of the module's functions used as decorators at module level (`@register`): they
/// run at import time.
fn decorators(body: &[ast::Stmt]) -> Vec<&str> {
    let mut out = Vec::new();
    for s in body {
        let decs = match s {
            ast::Stmt::FunctionDef(f) => &f.decorator_list,
            ast::Stmt::ClassDef(c) => &c.decorator_list,
            _ => continue,
        };
        for d in decs {
            let e = match &d.expression {
                Expr::Call(c) => &*c.func,
                e => e,
            };
            if let Expr::Name(n) = e {
                out.push(n.id.as_str());
            }
        }
    }
    out
}

pub(crate) fn finish(checker: &mut Checker) {
    let st = std::mem::take(&mut checker.state.growth_pa404);
    if st.growth.is_empty() {
        return;
    }
    let import_time = decorators(checker.input.parsed.body());
    let mut reported: Vec<&str> = Vec::new();
    for (name, range, func) in st.growth {
        if st.shrunk.contains(&name) || reported.contains(&name) || import_time.contains(&func) {
            continue;
        }
        reported.push(name);
        checker.report(
            crate::rules::Rule::ModuleStateGrowth,
            range,
            format!(
                "module-level `{name}` grows on every call of `{func}` and nothing removes from it: \
memory grows with traffic"
            ),
            "Bound it (`collections.deque(maxlen=N)`, a size/TTL cache such as \
`cachetools.TTLCache`), or keep the data per request or in Redis/the database"
                .to_string(),
        );
    }
}
