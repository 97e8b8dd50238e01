//! PA403 unbounded-cache.

use crate::python::parser::ast::{self, Expr};
use crate::python::parser::{Ranged, TextRange};
use crate::rules::checker::Checker;
use crate::rules::docs::RuleDoc;
use crate::rules::Rule;
use crate::semantic::expr::keyword;
use crate::semantic::ScopeKind;
use perfaudit_model::Severity;

pub const DOC: RuleDoc = RuleDoc {
    what: "Finds module- or class-level dicts (`_cache = {}`, `dict()`, `defaultdict(...)`, \
`OrderedDict()`) written from functions (`cache[key] = value`, `cache.setdefault(...)`) with no \
eviction anywhere in the module (`pop`, `popitem`, `del cache[...]`, `clear()`, a `len(cache)` \
size check, reassignment); reported when the dict is used as a cache (its name says so, or the \
same function reads it with `.get`). Also `functools.lru_cache(maxsize=None)` and \
`functools.cache` on functions whose arguments are unbounded (info).",
    why: "A process-wide dict that only grows is a memory leak: every distinct key stays until \
the worker restarts. Under real traffic (user ids, URLs, query strings as keys) RSS climbs \
until the container is OOM-killed or the GC pauses grow; `lru_cache(maxsize=None)` on a \
method also keeps every `self` alive.",
    example: "_profiles = {}\n\ndef profile(user_id):\n    if user_id not in _profiles:\n        _profiles[user_id] = load_profile(user_id)\n    return _profiles[user_id]",
    use_instead: "@functools.lru_cache(maxsize=4096)\ndef profile(user_id):\n    return load_profile(user_id)\n\n# or cachetools.TTLCache(maxsize=..., ttl=...), or Redis with an expiry",
    limits: "Dicts written only at import time (registries) are not reported. Eviction \
performed in another module is not seen. Keys drawn from a small fixed set make a plain dict \
fine; suppress the finding there.",
};

pub struct DictDef<'a> {
    name: &'a str,
    class: Option<&'a str>,
    write: Option<TextRange>,
    write_fn: Option<usize>,
    read_fns: Vec<usize>,
    evicted: bool,
}

#[derive(Default)]
pub struct State<'a> {
    dicts: Vec<DictDef<'a>>,
}

fn is_empty_dict(e: &Expr) -> bool {
    match e {
        Expr::Dict(d) => d.items.is_empty(),
        Expr::Call(c) => {
            let n = match &*c.func {
                Expr::Name(n) => n.id.as_str(),
                Expr::Attribute(a) => a.attr.as_str(),
                _ => return false,
            };
            matches!(n, "dict" | "OrderedDict")
                && c.arguments.args.is_empty()
                && c.arguments.keywords.is_empty()
                || n == "defaultdict"
        }
        _ => false,
    }
}

pub(crate) fn on_module_assign<'a>(checker: &mut Checker<'a>, a: &'a ast::StmtAssign) {
    if !checker.enabled(Rule::UnboundedCache) || !is_empty_dict(&a.value) {
        return;
    }
    if let Some(Expr::Name(n)) = a.targets.first() {
        checker.state.cache.dicts.push(DictDef {
            name: n.id.as_str(),
            class: None,
            write: None,
            write_fn: None,
            read_fns: Vec::new(),
            evicted: false,
        });
    }
}

pub(crate) fn on_class_assign<'a>(checker: &mut Checker<'a>, a: &'a ast::StmtAssign) {
    if !checker.enabled(Rule::UnboundedCache) || !is_empty_dict(&a.value) {
        return;
    }
    let class = checker.classes.last().map(|c| c.def.name.as_str());
    if let (Some(Expr::Name(n)), Some(class)) = (a.targets.first(), class) {
        checker.state.cache.dicts.push(DictDef {
            name: n.id.as_str(),
            class: Some(class),
            write: None,
            write_fn: None,
            read_fns: Vec::new(),
            evicted: false,
        });
    }
}

/// `global cache; cache = {}` inside a function resets it.
pub(crate) fn on_function_assign<'a>(checker: &mut Checker<'a>, a: &'a ast::StmtAssign) {
    if checker.state.cache.dicts.is_empty() {
        return;
    }
    for t in &a.targets {
        match t {
            Expr::Name(n) if checker.sem.scope().globals.contains(&n.id.as_str()) => {
                if let Some(d) = checker
                    .state
                    .cache
                    .dicts
                    .iter_mut()
                    .find(|d| d.class.is_none() && d.name == n.id.as_str())
                {
                    d.evicted = true;
                }
            }
            Expr::Attribute(_) => {
                if let Some(i) = dict_index(checker, t) {
                    checker.state.cache.dicts[i].evicted = true;
                }
            }
            _ => {}
        }
    }
}

fn dict_index(checker: &Checker, e: &Expr) -> Option<usize> {
    let dicts = &checker.state.cache.dicts;
    match e {
        Expr::Name(n) => {
            let idx = dicts
                .iter()
                .position(|d| d.class.is_none() && d.name == n.id.as_str())?;
            // The name must still refer to the module-level binding.
            let b = checker.sem.lookup(n.id.as_str())?;
            (checker.sem.binding(b).scope == 0).then_some(idx)
        }
        Expr::Attribute(a) => {
            let Expr::Name(owner) = &*a.value else {
                return None;
            };
            let owner = owner.id.as_str();
            dicts.iter().position(|d| {
                d.name == a.attr.as_str()
                    && d.class
                        .is_some_and(|c| owner == "self" || owner == "cls" || owner == c)
            })
        }
        _ => None,
    }
}

fn in_function(checker: &Checker) -> bool {
    checker.funcs.iter().any(|f| f.def.is_some()) && checker.sem.scope().kind != ScopeKind::Module
}

pub(crate) fn on_subscript_store<'a>(checker: &mut Checker<'a>, s: &'a ast::ExprSubscript) {
    if checker.state.cache.dicts.is_empty() || !in_function(checker) {
        return;
    }
    if let Some(i) = dict_index(checker, &s.value) {
        let fid = checker.funcs.last().map(|f| f.id);
        let d = &mut checker.state.cache.dicts[i];
        if d.write.is_none() {
            d.write = Some(s.range());
            d.write_fn = fid;
        }
    }
}

pub(crate) fn on_evict(checker: &mut Checker, e: &Expr) {
    if let Some(i) = dict_index(checker, e) {
        checker.state.cache.dicts[i].evicted = true;
    }
}

pub(crate) fn check_call(checker: &mut Checker, call: &ast::ExprCall) {
    if checker.state.cache.dicts.is_empty() {
        return;
    }
    match &*call.func {
        Expr::Attribute(a) => {
            let Some(i) = dict_index(checker, &a.value) else {
                return;
            };
            let infn = in_function(checker);
            let fid = checker.funcs.last().map(|f| f.id);
            let d = &mut checker.state.cache.dicts[i];
            match a.attr.as_str() {
                "setdefault" if infn => {
                    if d.write.is_none() {
                        d.write = Some(call.range());
                        d.write_fn = fid;
                    }
                    // setdefault reads and writes: the memo pattern by itself
                    d.read_fns.extend(fid);
                }
                "get" => d.read_fns.extend(fid),
                "pop" | "popitem" | "clear" => d.evicted = true,
                _ => {}
            }
        }
        Expr::Name(n) if n.id.as_str() == "len" => {
            if let Some(arg) = call.arguments.args.first() {
                if let Some(i) = dict_index(checker, arg) {
                    checker.state.cache.dicts[i].evicted = true;
                }
            }
        }
        _ => {}
    }
}

pub(crate) fn finish(checker: &mut Checker) {
    let dicts = std::mem::take(&mut checker.state.cache.dicts);
    for d in dicts {
        let Some(w) = d.write else { continue };
        if d.evicted {
            continue;
        }
        let lname = d.name.to_ascii_lowercase();
        let cache_like =
            lname.contains("cache") || lname.contains("memo") || lname.contains("cached");
        let memo = d.write_fn.is_some_and(|w| d.read_fns.contains(&w));
        if !(cache_like || memo) {
            continue;
        }
        let owner = d.class.map(|c| format!("{c}.")).unwrap_or_default();
        checker.report(
            Rule::UnboundedCache,
            w,
            format!(
                "`{owner}{}` is a process-wide cache that only grows: nothing ever evicts from it",
                d.name
            ),
            "Bound it: `functools.lru_cache(maxsize=N)`, `cachetools.LRUCache`/`TTLCache`, or an external cache with expiry".to_string(),
        );
    }
}

/// `@lru_cache(maxsize=None)` / `@functools.cache` on a function with unbounded arguments.
pub(crate) fn on_function_def(checker: &mut Checker, f: &ast::StmtFunctionDef) {
    for d in &f.decorator_list {
        let (func, call) = match &d.expression {
            Expr::Call(c) => (&*c.func, Some(c)),
            e => (e, None),
        };
        let Some(q) = checker.qualified(func) else {
            continue;
        };
        let unbounded = match (q.as_str(), call) {
            ("functools.cache", None) => true,
            ("functools.lru_cache", Some(c)) => {
                keyword(c, "maxsize").is_some_and(|v| matches!(v, Expr::NoneLiteral(_)))
                    || matches!(c.arguments.args.first(), Some(Expr::NoneLiteral(_)))
            }
            _ => false,
        };
        if !unbounded {
            continue;
        }
        let params: Vec<&ast::ParameterWithDefault> = f
            .parameters
            .posonlyargs
            .iter()
            .chain(f.parameters.args.iter())
            .chain(f.parameters.kwonlyargs.iter())
            .filter(|p| !matches!(p.name().as_str(), "self" | "cls"))
            .collect();
        let method = f
            .parameters
            .args
            .first()
            .is_some_and(|p| p.name().as_str() == "self");
        if params.is_empty() && !method {
            continue;
        }
        let bounded = !params.is_empty()
            && params.iter().all(|p| {
                p.annotation().is_some_and(|a| match a {
                    Expr::Name(n) => n.id.as_str() == "bool",
                    Expr::Subscript(s) => {
                        matches!(&*s.value, Expr::Name(n) if n.id.as_str() == "Literal")
                    }
                    _ => false,
                })
            });
        // Arguments drawn from request data: ids, keys, urls, queries, free text.
        let unbounded_arg = params.iter().any(|p| {
            let n = p.name().as_str().to_ascii_lowercase();
            let named = n == "id"
                || n.ends_with("_id")
                || n.contains("key")
                || n.contains("url")
                || n.contains("query")
                || n.contains("text")
                || n.contains("email")
                || n.contains("token");
            let numeric = p.annotation().is_some_and(|a| {
                matches!(a, Expr::Name(t) if matches!(t.id.as_str(), "int" | "float" | "bytes"))
            });
            named || numeric
        });
        if bounded || !(method || unbounded_arg) {
            continue;
        }
        let extra = if method {
            " and keeps every `self` alive"
        } else {
            ""
        };
        checker.report_with(
            Rule::UnboundedCache,
            d.range(),
            format!(
                "`{}` on `{}` caches every distinct argument forever{extra}",
                if call.is_some() {
                    "lru_cache(maxsize=None)"
                } else {
                    "functools.cache"
                },
                f.name.as_str()
            ),
            "Give the cache a bound: `@functools.lru_cache(maxsize=N)`, or a TTL cache".to_string(),
            Some(Severity::Info),
            None,
        );
    }
}
