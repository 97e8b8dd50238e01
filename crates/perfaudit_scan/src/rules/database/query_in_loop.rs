//! PA303 query-in-loop.

use crate::python::parser::ast::{self, Expr, Stmt};
use crate::python::parser::{Ranged, TextRange, TextSize};
use crate::rules::checker::Checker;
use crate::rules::docs::RuleDoc;
use crate::rules::Rule;
use crate::semantic::expr::{callee_label, keyword, loop_target_names, root_name, terminal_name};
use crate::semantic::Ty;

pub const DOC: RuleDoc = RuleDoc {
    what: "Finds a database query or write issued once per iteration of a `for` loop or a \
comprehension: SQLAlchemy session calls (`session.get/query/execute/scalar(s)/commit/flush/\
refresh/merge`), Flask-SQLAlchemy `Model.query...`, Django `Model.objects.<anything>`, \
`obj.save()`/`obj.delete()` on the loop variable, DB-API `cursor.execute(...)`.",
    why: "Each iteration pays a full database round trip (network + parse + plan). Looping \
over N items costs N round trips where one `IN (...)` query or one bulk operation would do; \
`commit()` per iteration also forces a disk flush per row.",
    example: "for user_id in ids:\n    user = session.get(User, user_id)\n    send(user)",
    use_instead: "users = session.scalars(select(User).where(User.id.in_(ids))).all()\nfor user in users:\n    send(user)\n\n# Django: Model.objects.filter(id__in=ids), bulk_create, bulk_update, update()",
    limits: "Loops over literal collections or `range(<literal>)` and `while` loops (batching, \
polling) are not reported, nor queries under `return`/`raise` (they run once). Loops bounded \
by the code rather than the data are not reported: over a class or an enum (`for r in \
Reason:`), an ALL_CAPS constant (`settings.DEFAULT_GROUPS`), `range(...)` of constants or with \
a step (chunks). Nor are: queries batched by the loop variable (`.in_(batch)`, \
`id__in=batch`); calls under `if i % N == 0` (one flush per batch); `commit()`/`flush()` in a \
per-item `try` whose handler catches `Exception` or rolls back (deliberate per-item \
transactions, so one failure does not undo the rest); queries in an `except Exception:` \
handler (the error path); `f.delete(save=False)` (a storage file, not a row); `session.get(url, \
headers=/timeout=/...)` on an HTTP session. Loops over small domain collections (a product's \
channels, a device's few bays) are still reported: nothing in the code bounds them. Sessions \
are recognised by type or by name (`session`, `db`, `db.session`, `*_session`).",
};

const SESSION_METHODS: &[&str] = &[
    "get", "query", "execute", "scalar", "scalars", "commit", "flush", "refresh", "merge",
    "get_one",
];

const CURSOR_METHODS: &[&str] = &["execute", "executemany", "fetch", "fetchrow", "fetchval"];

fn sessionish(checker: &Checker, recv: &Expr) -> bool {
    match checker.type_of(recv) {
        Some(Ty::SaSession | Ty::SaAsyncSession) => return true,
        Some(Ty::RequestsSession | Ty::HttpxClient | Ty::HttpxAsyncClient | Ty::AiohttpSession) => {
            return false
        }
        _ => {}
    }
    let Some(n) = terminal_name(recv) else {
        return false;
    };
    matches!(
        n,
        "session" | "db_session" | "dbsession" | "db" | "sess" | "async_session"
    ) || n.ends_with("_session") && !n.contains("http") && !n.contains("client")
}

fn cursorish(checker: &Checker, recv: &Expr) -> bool {
    if checker.type_of(recv) == Some(Ty::DbApi) {
        return true;
    }
    let Some(n) = terminal_name(recv) else {
        return false;
    };
    matches!(
        n,
        "cursor" | "cur" | "conn" | "connection" | "db_conn" | "dbconn"
    )
}

/// Keywords of HTTP client calls that no database session method takes.
const HTTP_KEYWORDS: &[&str] = &[
    "headers",
    "timeout",
    "proxies",
    "verify",
    "auth",
    "cookies",
    "allow_redirects",
    "follow_redirects",
];

/// A name spelt like a constant (`MAX_DEPTH`, `_BATCH`): fixed by the code.
fn constant_name(n: &str) -> bool {
    let t = n.trim_start_matches('_');
    !t.is_empty()
        && t.chars().any(|c| c.is_ascii_uppercase())
        && t.chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
}

/// Is the loop bounded by the code rather than by the data: a class or enum
/// (`for r in Reason:`), an ALL_CAPS constant, or `range(...)` of constants or with a step?
pub(crate) fn bounded_by_code(iter: &Expr) -> bool {
    match iter {
        Expr::Name(n) => {
            let id = n.id.as_str();
            constant_name(id)
                || id
                    .trim_start_matches('_')
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_ascii_uppercase())
        }
        Expr::Attribute(a) => constant_name(a.attr.as_str()),
        Expr::Call(c) => {
            let Expr::Name(f) = &*c.func else {
                return false;
            };
            match f.id.as_str() {
                "range" => {
                    c.arguments.args.len() == 3
                        || c.arguments.args.iter().all(|a| match a {
                            Expr::NumberLiteral(_) => true,
                            Expr::Name(n) => constant_name(n.id.as_str()),
                            Expr::Attribute(x) => constant_name(x.attr.as_str()),
                            _ => false,
                        })
                }
                "enumerate" | "sorted" | "reversed" | "list" | "tuple" => {
                    c.arguments.args.first().is_some_and(bounded_by_code)
                }
                _ => false,
            }
        }
        _ => false,
    }
}

/// Where a call sits inside the loop body.
#[derive(Default)]
struct Placement {
    /// Under `if <... % ...>`: once per batch.
    modulo_if: bool,
    /// In the body of a `try` whose handler catches `Exception` (or bare) or rolls back.
    isolating_try: bool,
    /// In an `except Exception:` (or bare) handler.
    broad_handler: bool,
}

fn has_modulo(e: &Expr) -> bool {
    match e {
        Expr::BinOp(b) => {
            matches!(b.op, ast::Operator::Mod) || has_modulo(&b.left) || has_modulo(&b.right)
        }
        Expr::Compare(c) => has_modulo(&c.left) || c.comparators.iter().any(has_modulo),
        Expr::BoolOp(b) => b.values.iter().any(has_modulo),
        Expr::UnaryOp(u) => has_modulo(&u.operand),
        _ => false,
    }
}

fn broad(h: &ast::ExceptHandlerExceptHandler) -> bool {
    fn is_broad(e: &Expr) -> bool {
        match e {
            Expr::Name(n) => matches!(n.id.as_str(), "Exception" | "BaseException"),
            Expr::Tuple(t) => t.elts.iter().any(is_broad),
            _ => false,
        }
    }
    h.type_.as_deref().is_none_or(is_broad)
}

fn rolls_back(body: &[Stmt]) -> bool {
    body.iter().any(|s| match s {
        Stmt::Expr(e) => matches!(&*e.value, Expr::Call(c)
            if matches!(&*c.func, Expr::Attribute(a) if a.attr.as_str() == "rollback")),
        _ => false,
    })
}

/// Walk down from `body` to the statements that contain `target`, noting the `if`/`try`/
/// `except` constructs that start after `after` (inside the loop).
fn place(body: &[Stmt], target: TextRange, after: TextSize, out: &mut Placement, depth: u32) {
    if depth > 64 {
        return;
    }
    let Some(stmt) = body.iter().find(|s| s.range().contains_range(target)) else {
        return;
    };
    let inside = stmt.range().start() > after;
    let within = |b: &[Stmt]| {
        b.first()
            .zip(b.last())
            .is_some_and(|(f, l)| TextRange::new(f.start(), l.end()).contains_range(target))
    };
    match stmt {
        Stmt::If(i) => {
            if within(&i.body) {
                out.modulo_if |= inside && has_modulo(&i.test);
                place(&i.body, target, after, out, depth + 1);
            } else {
                for c in &i.elif_else_clauses {
                    if within(&c.body) {
                        out.modulo_if |= inside && c.test.as_ref().is_some_and(has_modulo);
                        place(&c.body, target, after, out, depth + 1);
                    }
                }
            }
        }
        Stmt::Try(t) => {
            if within(&t.body) {
                out.isolating_try |= inside
                    && t.handlers.iter().any(|h| {
                        let ast::ExceptHandler::ExceptHandler(h) = h;
                        broad(h) || rolls_back(&h.body)
                    });
                place(&t.body, target, after, out, depth + 1);
            } else if within(&t.orelse) {
                place(&t.orelse, target, after, out, depth + 1);
            } else if within(&t.finalbody) {
                place(&t.finalbody, target, after, out, depth + 1);
            } else {
                for h in &t.handlers {
                    let ast::ExceptHandler::ExceptHandler(h) = h;
                    if within(&h.body) {
                        out.broad_handler |= inside && broad(h);
                        place(&h.body, target, after, out, depth + 1);
                    }
                }
            }
        }
        Stmt::For(f) => {
            place(&f.body, target, after, out, depth + 1);
            place(&f.orelse, target, after, out, depth + 1);
        }
        Stmt::While(w) => {
            place(&w.body, target, after, out, depth + 1);
            place(&w.orelse, target, after, out, depth + 1);
        }
        Stmt::With(w) => place(&w.body, target, after, out, depth + 1),
        Stmt::FunctionDef(f) => place(&f.body, target, after, out, depth + 1),
        Stmt::ClassDef(c) => place(&c.body, target, after, out, depth + 1),
        Stmt::Match(m) => {
            for c in &m.cases {
                place(&c.body, target, after, out, depth + 1);
            }
        }
        _ => {}
    }
}

/// Methods that make a lazy query (SQLAlchemy `Query`, Django `QuerySet`) hit the database.
const EVALUATING: &[&str] = &[
    "all",
    "first",
    "one",
    "one_or_none",
    "get",
    "count",
    "scalar",
    "exists",
    "delete",
    "update",
    "create",
    "get_or_create",
    "update_or_create",
    "aggregate",
    "in_bulk",
    "latest",
    "earliest",
    "last",
    "first_or_404",
    "get_or_404",
    "one_or_404",
    "paginate",
    "values_list",
    "iterator",
];

/// A label for the query this call issues, if it issues one.
pub(crate) fn query_call(checker: &Checker, call: &ast::ExprCall) -> Option<String> {
    let outer = match &*call.func {
        Expr::Attribute(a) => a.attr.as_str(),
        _ => return None,
    };
    let evaluating = EVALUATING.contains(&outer);
    // Walk the chain from the outermost call inwards.
    let mut cur: &Expr = &call.func;
    let mut cur_call = call;
    loop {
        match cur {
            Expr::Attribute(a) => {
                let m = a.attr.as_str();
                if SESSION_METHODS.contains(&m) && sessionish(checker, &a.value) {
                    // `session.get(url, headers=..., timeout=...)`: an HTTP session.
                    if HTTP_KEYWORDS.iter().any(|k| keyword(cur_call, k).is_some()) {
                        return None;
                    }
                    // `session.query(M).filter(...)` is lazy until evaluated.
                    if m == "query" && !evaluating {
                        return None;
                    }
                    return Some(callee_label(&call.func));
                }
                if CURSOR_METHODS.contains(&m) && cursorish(checker, &a.value) {
                    return Some(callee_label(&call.func));
                }
                if m == "objects" {
                    if let Expr::Name(n) = &*a.value {
                        if n.id.chars().next().is_some_and(|c| c.is_ascii_uppercase()) {
                            return evaluating.then(|| callee_label(&call.func));
                        }
                    }
                }
                if m == "query" {
                    if let Expr::Name(n) = &*a.value {
                        if checker.project.models.is_model(n.id.as_str()) {
                            return evaluating.then(|| callee_label(&call.func));
                        }
                    }
                }
                cur = &a.value;
            }
            Expr::Call(c) => {
                cur_call = c;
                cur = &c.func;
            }
            Expr::Subscript(s) => cur = &s.value,
            Expr::Await(a) => cur = &a.value,
            _ => return None,
        }
    }
}

/// Does the call use the loop variable as a batch (`.in_(batch)`, `id__in=batch`)?
fn batched_by_loop(call: &ast::ExprCall, targets: &[&str]) -> bool {
    fn mentions_in(e: &Expr, targets: &[&str], depth: u32) -> bool {
        if depth > 16 {
            return false;
        }
        match e {
            Expr::Call(c) => {
                let is_in = matches!(&*c.func, Expr::Attribute(a) if matches!(a.attr.as_str(), "in_" | "any_"));
                if is_in
                    && c.arguments
                        .args
                        .iter()
                        .any(|a| root_name(a).is_some_and(|n| targets.contains(&n.id.as_str())))
                {
                    return true;
                }
                for k in c.arguments.keywords.iter() {
                    if k.arg.as_ref().is_some_and(|a| a.as_str().ends_with("__in"))
                        && root_name(&k.value).is_some_and(|n| targets.contains(&n.id.as_str()))
                    {
                        return true;
                    }
                }
                mentions_in(&c.func, targets, depth + 1)
                    || c.arguments
                        .args
                        .iter()
                        .any(|a| mentions_in(a, targets, depth + 1))
                    || c.arguments
                        .keywords
                        .iter()
                        .any(|k| mentions_in(&k.value, targets, depth + 1))
            }
            Expr::Attribute(a) => mentions_in(&a.value, targets, depth + 1),
            Expr::Compare(c) => {
                mentions_in(&c.left, targets, depth + 1)
                    || c.comparators
                        .iter()
                        .any(|x| mentions_in(x, targets, depth + 1))
            }
            Expr::BoolOp(b) => b.values.iter().any(|x| mentions_in(x, targets, depth + 1)),
            Expr::Await(a) => mentions_in(&a.value, targets, depth + 1),
            _ => false,
        }
    }
    mentions_in(&Expr::Call(call.clone()), targets, 0)
}

pub(crate) fn check_call(checker: &mut Checker, call: &ast::ExprCall) {
    if checker.in_return > 0 || checker.is_offline {
        return;
    }
    let Some(lp) = checker.iterating_loop() else {
        return;
    };
    let targets: Vec<&str> = lp.target.map(loop_target_names).unwrap_or_default();
    let line = checker.line_of(lp.start);
    let iter_label = lp.iter.map(callee_label).unwrap_or_default();
    let lower = iter_label.to_ascii_lowercase();
    if lower.contains("batch") || lower.contains("chunk") {
        return; // the loop already batches
    }
    if lower.contains("tables") || lower.contains("get_models") {
        return; // bounded by the schema, not by the data
    }
    if lp.iter.is_some_and(bounded_by_code) {
        return;
    }
    let loop_start = lp.start;
    let what = match query_call(checker, call) {
        Some(w) => w,
        None => {
            // obj.save() / obj.delete() on the loop variable
            let Expr::Attribute(a) = &*call.func else {
                return;
            };
            if !matches!(a.attr.as_str(), "save" | "delete")
                || !call.arguments.args.is_empty()
                || keyword(call, "save").is_some()
            {
                return; // `f.delete(save=False)`: a storage file (FieldFile), not a row
            }
            let Expr::Name(n) = &*a.value else { return };
            if !targets.contains(&n.id.as_str()) || n.id.as_str().contains("form") {
                return;
            }
            callee_label(&call.func)
        }
    };
    if batched_by_loop(call, &targets) {
        return;
    }
    let mut at = Placement::default();
    place(
        checker.input.parsed.body(),
        call.range(),
        loop_start,
        &mut at,
        0,
    );
    let boundary =
        matches!(&*call.func, Expr::Attribute(a) if matches!(a.attr.as_str(), "commit" | "flush"));
    if at.modulo_if || at.broad_handler || (boundary && at.isolating_try) {
        return;
    }
    checker.report(
        Rule::QueryInLoop,
        call.range(),
        format!(
            "`{what}(...)` runs a query on every iteration of the loop over `{iter_label}` (line {line})"
        ),
        "Fetch or write all rows at once: one query with `IN (...)` (`.in_(ids)`, `id__in=ids`), \
`bulk_create`/`bulk_update`/`update()`, `executemany`, or one `commit()` after the loop"
            .to_string(),
    );
}
