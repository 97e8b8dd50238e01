//! PA303 query-in-loop.

use crate::python::parser::ast::{self, Expr};
use crate::python::parser::Ranged;
use crate::rules::checker::Checker;
use crate::rules::docs::RuleDoc;
use crate::semantic::expr::{callee_label, loop_target_names, root_name, terminal_name};
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
polling) are not reported, nor queries under `return`/`raise` (they run once). Queries \
batched by the loop variable (`.in_(batch)`, `id__in=batch`) are not reported. Sessions are \
recognised by type or by name (`session`, `db`, `db.session`, `*_session`).",
};

const SESSION_METHODS: &[&str] = &[
    "get", "query", "execute", "scalar", "scalars", "commit", "flush", "refresh", "merge",
    "get_one",
];

const CURSOR_METHODS: &[&str] = &["execute", "executemany", "fetch", "fetchrow", "fetchval"];

fn sessionish(checker: &Checker, recv: &Expr) -> bool {
    if matches!(
        checker.type_of(recv),
        Some(Ty::SaSession | Ty::SaAsyncSession)
    ) {
        return true;
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
    loop {
        match cur {
            Expr::Attribute(a) => {
                let m = a.attr.as_str();
                if SESSION_METHODS.contains(&m) && sessionish(checker, &a.value) {
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
            Expr::Call(c) => cur = &c.func,
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
    let what = match query_call(checker, call) {
        Some(w) => w,
        None => {
            // obj.save() / obj.delete() on the loop variable
            let Expr::Attribute(a) = &*call.func else {
                return;
            };
            if !matches!(a.attr.as_str(), "save" | "delete") || !call.arguments.args.is_empty() {
                return;
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
    checker.report(
        "PA303",
        call.range(),
        format!(
            "`{what}(...)` runs a query on every iteration of the loop over `{iter_label}` (line {line})"
        ),
        "Fetch or write all rows at once: one query with `IN (...)` (`.in_(ids)`, `id__in=ids`), \
`bulk_create`/`bulk_update`/`update()`, `executemany`, or one `commit()` after the loop"
            .to_string(),
    );
}
