//! PA304 unpaginated-list-endpoint.

use crate::python::parser::ast::{self, Expr};
use crate::python::parser::{Ranged, TextRange};
use crate::rules::checker::Checker;
use crate::rules::docs::RuleDoc;
use crate::semantic::expr::callee_label;

pub const DOC: RuleDoc = RuleDoc {
    what: "Finds route handlers that return every row of a query: `.all()`, \
`scalars(...).all()`, `fetchall()`, `list(Model.objects...)`, a serializer or comprehension \
over `Model.objects.all()`, with no `limit`/`offset`/`paginate`/slice/`first`/`get` in the \
query chain (followed through local variables, so a `limit` parameter that flows into the \
query counts). Also DRF list views (`ListAPIView`, `ModelViewSet`, ...) with no \
`pagination_class` when the project sets no `DEFAULT_PAGINATION_CLASS`.",
    why: "The response grows with the table: time, memory and payload are proportional to the \
number of rows ever created. An endpoint that is fast in development times out, or takes the \
worker's memory, in production.",
    example: "@router.get(\"/items\")\ndef list_items(db: Session = Depends(get_db)):\n    return db.query(Item).all()",
    use_instead: "@router.get(\"/items\")\ndef list_items(skip: int = 0, limit: int = Query(100, le=1000), db: Session = Depends(get_db)):\n    return db.query(Item).offset(skip).limit(limit).all()",
    limits: "Handlers are recognised by decorators and view conventions; GraphQL resolvers are \
not. Queries filtered to a bounded set (e.g. one user's five settings) are still reported; \
grouped/aggregated queries are not. Pagination applied by middleware or a response wrapper is \
not seen.",
};

const DRF_LIST_BASES: &[&str] = &[
    "ListAPIView",
    "ListCreateAPIView",
    "ModelViewSet",
    "ReadOnlyModelViewSet",
];

fn unbounded<'a>(checker: &Checker<'a>, e: &'a Expr, depth: u32) -> Option<(String, TextRange)> {
    if depth > 6 {
        return None;
    }
    match e {
        Expr::Call(c) => {
            let name = match &*c.func {
                Expr::Attribute(a) => a.attr.as_str(),
                Expr::Name(n) => n.id.as_str(),
                _ => "",
            };
            if matches!(name, "all" | "fetchall")
                || (name == "list" && !c.arguments.args.is_empty())
            {
                let info = super::analyze_query(checker, e);
                let chain = callee_label(e);
                let ormish = info.queryish
                    || info.sa_model.is_some()
                    || info.dj_model.is_some()
                    || name == "fetchall"
                    || chain.contains("scalars");
                if ormish && !info.limited && !info.group_by {
                    return Some((chain, e.range()));
                }
                return None;
            }
            // Serializer(queryset, many=True), jsonify(...), Response(...)
            for a in c.arguments.args.iter() {
                if let Some(s) = unbounded(checker, a, depth + 1) {
                    return Some(s);
                }
            }
            None
        }
        Expr::Name(n) => {
            let v = checker.value_of(n.id.as_str())?;
            unbounded(checker, v, depth + 1)
        }
        Expr::Attribute(a) => {
            // serializer.data
            if let Expr::Name(_) = &*a.value {
                return unbounded(checker, &a.value, depth + 1);
            }
            None
        }
        Expr::Await(a) => unbounded(checker, &a.value, depth + 1),
        Expr::ListComp(lc) => lc
            .generators
            .first()
            .and_then(|g| unbounded_iter(checker, &g.iter, depth + 1)),
        Expr::Dict(d) => d
            .items
            .iter()
            .find_map(|i| unbounded(checker, &i.value, depth + 1)),
        Expr::Tuple(t) => t
            .elts
            .first()
            .and_then(|x| unbounded(checker, x, depth + 1)),
        _ => None,
    }
}

/// An iterated queryset/query (`for x in Model.objects.all()`): unbounded unless limited.
fn unbounded_iter<'a>(
    checker: &Checker<'a>,
    e: &'a Expr,
    depth: u32,
) -> Option<(String, TextRange)> {
    if let Some(s) = unbounded(checker, e, depth) {
        return Some(s);
    }
    let info = super::analyze_query(checker, e);
    if (info.dj_model.is_some() || info.sa_model.is_some())
        && !info.limited
        && !info.group_by
        && !info.values
        && callee_label(e).contains(".all(")
    {
        return Some((callee_label(e), e.range()));
    }
    None
}

pub(crate) fn check_return<'a>(checker: &mut Checker<'a>, value: &'a Expr) {
    if !checker.enabled("PA304") {
        return;
    }
    let Some(f) = checker.func() else { return };
    let (Some(_), Some(def)) = (f.handler, f.def) else {
        return;
    };
    let handler = def.name.as_str();
    if let Some((what, range)) = unbounded(checker, value, 0) {
        // One finding per query, however many returns lead to it.
        if checker
            .findings
            .iter()
            .any(|f| f.code == "PA304" && f.line == checker.line_of(range.start()))
        {
            return;
        }
        checker.report(
            "PA304",
            range,
            format!(
                "handler `{handler}` returns every row of `{what}` with no limit or pagination"
            ),
            "Paginate: take `limit`/`offset` (or a cursor) parameters with a maximum and apply \
them to the query (`.limit()/.offset()`, a slice, `paginate`), or use DRF/Django pagination"
                .to_string(),
        );
    }
}

pub(crate) fn check_class(checker: &mut Checker, class: &ast::StmtClassDef) {
    if !checker.enabled("PA304") || checker.project.models.drf_default_pagination {
        return;
    }
    let Some(args) = &class.arguments else { return };
    let base = args.args.iter().find_map(|b| {
        let n = match b {
            Expr::Name(n) => n.id.as_str(),
            Expr::Attribute(a) => a.attr.as_str(),
            _ => return None,
        };
        DRF_LIST_BASES.contains(&n).then_some(n)
    });
    let Some(base) = base else { return };
    let mut has_pagination = false;
    let mut explicit_none = false;
    for stmt in &class.body {
        if let ast::Stmt::Assign(a) = stmt {
            if let Some(Expr::Name(n)) = a.targets.first() {
                if n.id.as_str() == "pagination_class" {
                    has_pagination = !matches!(&*a.value, Expr::NoneLiteral(_));
                    explicit_none = !has_pagination;
                }
            }
        }
        if let ast::Stmt::FunctionDef(f) = stmt {
            if f.name.as_str() == "list" {
                has_pagination = true; // custom list(): judged by its return
            }
        }
    }
    if has_pagination || checker.is_test_module {
        return;
    }
    let how = if explicit_none {
        "sets `pagination_class = None`"
    } else {
        "has no `pagination_class` and the project sets no `DEFAULT_PAGINATION_CLASS`"
    };
    checker.report(
        "PA304",
        class.name.range(),
        format!(
            "DRF list view `{}` ({base}) {how}: it returns every row",
            class.name.as_str()
        ),
        "Set `pagination_class` (e.g. `LimitOffsetPagination`, `CursorPagination`) or \
`REST_FRAMEWORK[\"DEFAULT_PAGINATION_CLASS\"]` with a `PAGE_SIZE`"
            .to_string(),
    );
}
