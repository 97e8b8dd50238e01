//! PA309 filter-or-sort-without-index.

use crate::python::parser::ast::{self, Expr};
use crate::python::parser::{Ranged, TextRange};
use crate::rules::checker::Checker;
use crate::rules::docs::RuleDoc;
use crate::rules::Rule;
use crate::semantic::models::{ColumnFact, FieldKind, ModelFact, ModelKind};

pub const DOC: RuleDoc = RuleDoc {
    what: "Finds columns used in `filter`/`filter_by`/`where`/`order_by` (SQLAlchemy: \
`Model.col` expressions and `filter_by(col=...)`; Django: `Model.objects.filter/exclude/get/\
order_by` field names and `Meta.ordering`) that no index covers, according to the project \
model index. A call that also uses an indexed column is not reported (the index narrows the \
rows); boolean columns are not reported (an index rarely helps them).",
    why: "Without an index the database reads the whole table for every such query and sorts \
it in memory for `ORDER BY`. Latency grows linearly with the table and the scans evict useful \
pages from the cache.",
    example: "class User(Base):\n    email = mapped_column(String)\n\nsession.scalars(select(User).where(User.email == email))",
    use_instead: "class User(Base):\n    email = mapped_column(String, index=True)  # or unique=True",
    limits: "Only models found in the scanned tree are checked, by class name. Expression \
indexes, partial indexes and indexes made in raw SQL are not understood; small lookup tables \
may not need an index (the rule is info).",
};

fn is_covered(checker: &Checker, m: &ModelFact, c: &ColumnFact) -> bool {
    if c.attr == "id" || c.attr == "pk" {
        return true;
    }
    checker.project.models.is_covered(m, c)
}

/// Columns referenced as `Model.col` anywhere in `e`.
fn sa_refs<'a>(
    checker: &Checker<'a>,
    e: &Expr,
    out: &mut Vec<(&'a ModelFact, &'a ColumnFact)>,
    depth: u32,
) {
    if depth > 12 || out.len() > 16 {
        return;
    }
    match e {
        Expr::Attribute(a) => {
            if let Expr::Name(n) = &*a.value {
                let models = &checker.project.models;
                if let Some(m) = models.model(n.id.as_str(), ModelKind::SqlAlchemy) {
                    if let Some(c) = models.column(m, a.attr.as_str()) {
                        out.push((m, c));
                    }
                    return;
                }
            }
            sa_refs(checker, &a.value, out, depth + 1);
        }
        Expr::Compare(c) => {
            sa_refs(checker, &c.left, out, depth + 1);
            for x in c.comparators.iter() {
                sa_refs(checker, x, out, depth + 1);
            }
        }
        Expr::BoolOp(b) => b
            .values
            .iter()
            .for_each(|x| sa_refs(checker, x, out, depth + 1)),
        Expr::UnaryOp(u) => sa_refs(checker, &u.operand, out, depth + 1),
        Expr::Call(c) => {
            // M.col.in_(...), M.col.desc(), and_(...), or_(...)
            sa_refs(checker, &c.func, out, depth + 1);
            for x in c.arguments.args.iter() {
                sa_refs(checker, x, out, depth + 1);
            }
        }
        _ => {}
    }
}

fn chain_model<'a>(
    checker: &Checker<'a>,
    recv: &'a Expr,
    kind: ModelKind,
) -> Option<&'a ModelFact> {
    let info = super::analyze_query(checker, recv);
    match kind {
        ModelKind::SqlAlchemy => info.sa_model,
        ModelKind::Django => info.dj_model,
    }
}

fn django_objects_model<'a>(checker: &Checker<'a>, recv: &Expr) -> Option<&'a ModelFact> {
    let mut cur = recv;
    loop {
        match cur {
            Expr::Attribute(a) if matches!(a.attr.as_str(), "objects" | "_default_manager") => {
                let Expr::Name(n) = &*a.value else {
                    return None;
                };
                return checker
                    .project
                    .models
                    .model(n.id.as_str(), ModelKind::Django);
            }
            Expr::Attribute(a) => cur = &a.value,
            Expr::Call(c) => cur = &c.func,
            _ => return None,
        }
    }
}

pub(crate) fn check_call<'a>(checker: &mut Checker<'a>, call: &'a ast::ExprCall) {
    if checker.is_offline || checker.project.models.models.is_empty() {
        return;
    }
    let Expr::Attribute(a) = &*call.func else {
        return;
    };
    let method = a.attr.as_str();
    let mut refs: Vec<(&'a ModelFact, &'a ColumnFact)> = Vec::new();
    match method {
        "filter" | "where" | "order_by" | "filter_by" | "get" => {}
        _ => return,
    }
    // Django first: Model.objects....filter(field=...)
    if let Some(m) = django_objects_model(checker, &a.value) {
        let models = &checker.project.models;
        let mut names: Vec<&str> = Vec::new();
        if method == "order_by" {
            for x in call.arguments.args.iter() {
                if let Expr::StringLiteral(s) = x {
                    names.push(s.value.to_str().trim_start_matches('-'));
                }
            }
        } else {
            for k in call.arguments.keywords.iter() {
                if let Some(arg) = &k.arg {
                    names.push(arg.as_str());
                }
            }
            if names.is_empty() || !call.arguments.args.is_empty() {
                return; // Q objects: not analysed
            }
        }
        for n in names {
            let mut parts = n.split("__");
            let field = parts.next().unwrap_or("");
            if field == "pk" || field == "id" {
                refs.clear();
                refs.push((m, &PK));
                break;
            }
            if let Some(c) = models.column(m, field) {
                // Relation traversal (author__name) joins through an indexed FK.
                if c.kind != FieldKind::Plain {
                    let second = parts.next();
                    if second.is_some_and(|s| !is_lookup(s)) {
                        refs.push((m, &PK));
                        continue;
                    }
                }
                refs.push((m, c));
            }
        }
    } else if method == "filter_by" {
        if let Some(m) = chain_model(checker, &a.value, ModelKind::SqlAlchemy) {
            let models = &checker.project.models;
            for k in call.arguments.keywords.iter() {
                if let Some(arg) = &k.arg {
                    if let Some(c) = models.column(m, arg.as_str()) {
                        refs.push((m, c));
                    }
                }
            }
        }
    } else if method != "get" {
        for x in call.arguments.args.iter() {
            sa_refs(checker, x, &mut refs, 0);
        }
    }
    if refs.is_empty() {
        return;
    }
    if refs.iter().any(|(m, c)| is_covered(checker, m, c)) {
        return;
    }
    // JSON/text blobs are not B-tree indexable anyway; booleans rarely benefit.
    const UNINDEXABLE: &[&str] = &[
        "payload",
        "data",
        "metadata",
        "private_metadata",
        "description",
        "body",
        "content",
        "text",
        "image",
        "file",
    ];
    let Some((m, c)) = refs
        .iter()
        .find(|(_, c)| !c.is_bool && !UNINDEXABLE.contains(&c.attr.as_str()))
        .copied()
    else {
        return;
    };
    let key = (m.name.clone(), c.attr.clone());
    if checker.state.pa309_seen.contains(&key) {
        return;
    }
    checker.state.pa309_seen.push(key);
    let verb = if method == "order_by" {
        "sorted"
    } else {
        "filtered"
    };
    checker.report(
        Rule::FilterOrSortWithoutIndex,
        call.range(),
        format!(
            "`{}.{}` is {verb} on in `.{method}(...)` but no index covers it",
            m.name, c.attr
        ),
        index_help(m),
    );
}

fn is_lookup(s: &str) -> bool {
    matches!(
        s,
        "exact"
            | "iexact"
            | "in"
            | "gt"
            | "gte"
            | "lt"
            | "lte"
            | "isnull"
            | "contains"
            | "icontains"
            | "startswith"
            | "istartswith"
            | "endswith"
            | "iendswith"
            | "range"
            | "date"
            | "year"
            | "month"
            | "day"
    )
}

fn index_help(m: &ModelFact) -> String {
    match m.kind {
        ModelKind::SqlAlchemy => "Add `index=True` to the column (or an `Index(...)` leading with it in `__table_args__`) and create it in a migration".to_string(),
        ModelKind::Django => "Add `db_index=True` to the field or a `models.Index(fields=[...])` leading with it in `Meta.indexes`".to_string(),
    }
}

static PK: ColumnFact = ColumnFact {
    attr: String::new(),
    column: String::new(),
    kind: FieldKind::Plain,
    target: None,
    indexed: true,
    db_index_false: false,
    is_bool: false,
    related_name: None,
    line: 0,
    column_no: 0,
};

/// Django `Meta.ordering` on models of this module.
pub(crate) fn finish(checker: &mut Checker) {
    if !checker.enabled(Rule::FilterOrSortWithoutIndex) {
        return;
    }
    let path = checker.input.rel_path;
    let models = &checker.project.models;
    let mut out = Vec::new();
    for m in models.models_in(path) {
        if m.kind != ModelKind::Django {
            continue;
        }
        for (field, line, col) in &m.ordering {
            if field == "pk" || field == "id" || field.contains("__") {
                continue;
            }
            let Some(c) = models.column(m, field) else {
                continue;
            };
            if c.is_bool || models.is_covered(m, c) {
                continue;
            }
            out.push((
                *line,
                *col,
                format!(
                    "`{}.{}` is the default ordering (`Meta.ordering`) but no index covers it",
                    m.name, field
                ),
                index_help(m),
            ));
        }
    }
    for (line, col, msg, help) in out {
        let off = super::foreign_key_without_index::offset_of(checker, line, col);
        checker.report(
            Rule::FilterOrSortWithoutIndex,
            TextRange::empty(off),
            msg,
            help,
        );
    }
}
