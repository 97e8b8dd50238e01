//! PA304 unpaginated-list-endpoint.

use crate::python::parser::ast::{self, Expr};
use crate::python::parser::{Ranged, TextRange};
use crate::rules::checker::Checker;
use crate::rules::docs::RuleDoc;
use crate::rules::Rule;
use crate::semantic::expr::callee_label;
use crate::semantic::models::{ColumnFact, FieldKind, ModelFact, ModelIndex};

pub const DOC: RuleDoc = RuleDoc {
    what: "Finds route handlers that return every row of a query: `.all()`, \
`scalars(...).all()`, `fetchall()`, `list(Model.objects...)`, a serializer or comprehension \
over `Model.objects.all()`, with no `limit`/`offset`/`paginate`/slice/`first`/`get` in the \
query chain (followed through local variables, so a `limit` parameter that flows into the \
query counts). Also DRF list views (`ListAPIView`, `ModelViewSet`, ... imported from \
`rest_framework`, not another framework's class of the same name) with no \
`pagination_class` when the project sets no `DEFAULT_PAGINATION_CLASS`.",
    why: "The response grows with the table: time, memory and payload are proportional to the \
number of rows ever created. An endpoint that is fast in development times out, or takes the \
worker's memory, in production.",
    example: "@router.get(\"/items\")\ndef list_items(db: Session = Depends(get_db)):\n    return db.query(Item).all()",
    use_instead: "@router.get(\"/items\")\ndef list_items(skip: int = 0, limit: int = Query(100, le=1000), db: Session = Depends(get_db)):\n    return db.query(Item).offset(skip).limit(limit).all()",
    limits: "Only tables that grow with use are reported. When the query's model is in the \
project's model index, it must show that its rows accumulate: a creation timestamp \
(`created`, `created_at`, `date`, `timestamp`, `date_joined`, ...) or a foreign key/relationship \
to an owner-like model (user, account, member, customer, owner, author, team, profile, \
organization, tenant, workspace, project), on the model or an indexed base class. Models \
without either (configuration, pages, brackets, per-challenge flags and hints: rows an \
administrator writes by hand) are not reported; models whose base classes are not in the index, \
and queries whose model is unknown, still are. Raw SQL whose text has `LIMIT`/`FETCH FIRST`/\
`TOP` counts as limited. Handlers are recognised by decorators and view conventions; GraphQL \
resolvers are not. Queries filtered to a bounded set (e.g. one user's five settings) are still \
reported; grouped/aggregated queries are not. Pagination applied by middleware or a response \
wrapper is not seen.",
};

const DRF_LIST_BASES: &[&str] = &[
    "ListAPIView",
    "ListCreateAPIView",
    "ModelViewSet",
    "ReadOnlyModelViewSet",
];

/// Base classes that carry no columns of their own (declarative roots).
const ROOT_BASES: &[&str] = &[
    "Model",
    "Base",
    "DeclarativeBase",
    "DeclarativeBaseNoMeta",
    "SQLModel",
    "object",
    "AsyncAttrs",
    "MappedAsDataclass",
];

/// Column names that record when a row was created: rows accumulate over time.
const CREATION_COLUMNS: &[&str] = &[
    "created",
    "created_at",
    "created_on",
    "created_date",
    "creation_date",
    "creation_time",
    "date_created",
    "date_added",
    "date_joined",
    "date",
    "timestamp",
    "inserted_at",
    "submitted_at",
    "sent_at",
    "added",
    "added_at",
    "occurred_at",
    "logged_at",
];

/// Names of models whose rows are created by use: a foreign key to one of them means one row
/// per user (account, customer...) or per tenant.
const OWNER_WORDS: &[&str] = &[
    "user",
    "account",
    "member",
    "customer",
    "owner",
    "author",
    "creator",
    "team",
    "profile",
    "person",
    "people",
    "organization",
    "organisation",
    "tenant",
    "workspace",
    "project",
];

fn owner_like(name: &str) -> bool {
    let last = name.rsplit('.').next().unwrap_or(name).to_ascii_lowercase();
    OWNER_WORDS.iter().any(|w| last.contains(w))
}

fn growth_column(c: &ColumnFact) -> bool {
    let attr = c.attr.to_ascii_lowercase();
    if CREATION_COLUMNS.contains(&attr.as_str()) || attr.starts_with("created_") {
        return true;
    }
    c.kind != FieldKind::Plain
        && (owner_like(&c.attr) || c.target.as_deref().is_some_and(owner_like))
}

/// Does the model show that its table grows with use (see the doc's limits)? Unknown base
/// classes count as growth: they may carry the timestamp.
pub(crate) fn grows(models: &ModelIndex, m: &ModelFact) -> bool {
    let mut stack = vec![m];
    let mut seen = 0;
    while let Some(cur) = stack.pop() {
        seen += 1;
        if seen > 16 {
            return true;
        }
        if cur.columns.iter().any(growth_column)
            || cur
                .relationships
                .iter()
                .any(|r| r.target.as_deref().is_some_and(owner_like))
        {
            return true;
        }
        for b in &cur.bases {
            if b == &cur.name {
                continue;
            }
            match models.model(b, cur.kind) {
                Some(bm) => stack.push(bm),
                None if ROOT_BASES.contains(&b.as_str()) => {}
                None => return true,
            }
        }
    }
    false
}

/// The query's model is known and shows no growth: its rows are few and hand-written.
fn bounded_table(checker: &Checker, info: &super::QueryInfo) -> bool {
    info.sa_model
        .or(info.dj_model)
        .is_some_and(|m| !grows(&checker.project.models, m))
}

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
                if ormish && !info.limited && !info.group_by && !bounded_table(checker, &info) {
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
        && !bounded_table(checker, &info)
    {
        return Some((callee_label(e), e.range()));
    }
    None
}

pub(crate) fn check_return<'a>(checker: &mut Checker<'a>, value: &'a Expr) {
    if !checker.enabled(Rule::UnpaginatedListEndpoint) {
        return;
    }
    let Some(f) = checker.func() else { return };
    let (Some(_), Some(def)) = (f.handler, f.def) else {
        return;
    };
    let handler = def.name.as_str();
    if let Some((what, range)) = unbounded(checker, value, 0) {
        // One finding per query, however many returns lead to it.
        if checker.findings.iter().any(|f| {
            f.code == Rule::UnpaginatedListEndpoint.code()
                && f.line == checker.line_of(range.start())
        }) {
            return;
        }
        checker.report(
            Rule::UnpaginatedListEndpoint,
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
    if !checker.enabled(Rule::UnpaginatedListEndpoint)
        || checker.project.models.drf_default_pagination
    {
        return;
    }
    let Some(args) = &class.arguments else { return };
    let base = args.args.iter().find_map(|b| {
        let n = match b {
            Expr::Name(n) => n.id.as_str(),
            Expr::Attribute(a) => a.attr.as_str(),
            _ => return None,
        };
        // Other frameworks reuse the names (wagtail's admin `ModelViewSet`): an import from
        // outside `rest_framework` is not DRF.
        let foreign = checker
            .qualified(b)
            .is_some_and(|q| q.contains('.') && !q.starts_with("rest_framework."));
        (DRF_LIST_BASES.contains(&n) && !foreign).then_some(n)
    });
    let Some(base) = base else { return };
    let mut has_pagination = false;
    let mut explicit_none = false;
    let mut small_table = false;
    for stmt in &class.body {
        if let ast::Stmt::Assign(a) = stmt {
            if let Some(Expr::Name(n)) = a.targets.first() {
                if n.id.as_str() == "pagination_class" {
                    has_pagination = !matches!(&*a.value, Expr::NoneLiteral(_));
                    explicit_none = !has_pagination;
                }
                if n.id.as_str() == "queryset" {
                    let info = super::analyze_query(checker, &a.value);
                    small_table = info.limited || bounded_table(checker, &info);
                }
            }
        }
        if let ast::Stmt::FunctionDef(f) = stmt {
            if f.name.as_str() == "list" {
                has_pagination = true; // custom list(): judged by its return
            }
        }
    }
    if has_pagination || small_table || checker.is_test_module {
        return;
    }
    let how = if explicit_none {
        "sets `pagination_class = None`"
    } else {
        "has no `pagination_class` and the project sets no `DEFAULT_PAGINATION_CLASS`"
    };
    checker.report(
        Rule::UnpaginatedListEndpoint,
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
