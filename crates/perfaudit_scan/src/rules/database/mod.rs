//! C. Database and ORM. Shared query analysis (what model a query is over, which loaders and
//! limits its chain carries, following names to their assigned values) and the N+1 hooks the
//! checker calls on loops and attribute reads.

pub mod blocking_index_migration;
pub mod connection_per_request;
pub mod count_by_fetching;
pub mod filter_without_index;
pub mod foreign_key_without_index;
pub mod n_plus_one_django;
pub mod n_plus_one_sqlalchemy;
pub mod query_in_loop;
pub mod select_star;
pub mod unpaginated_list_endpoint;

use crate::python::parser::ast::{self, Expr};
use crate::rules::checker::Checker;
use crate::rules::Rule;
use crate::semantic::expr::loop_target_names;
use crate::semantic::models::{ModelFact, ModelKind};

/// Distributions of MySQL drivers (PEP 503 names).
const MYSQL_DRIVERS: &[&str] = &[
    "pymysql",
    "mysqlclient",
    "mysql-connector-python",
    "mysql-connector",
    "aiomysql",
    "asyncmy",
    "mariadb",
];

/// Distributions of PostgreSQL drivers (PEP 503 names).
const POSTGRES_DRIVERS: &[&str] = &[
    "psycopg2",
    "psycopg2-binary",
    "psycopg2cffi",
    "psycopg",
    "psycopg-binary",
    "psycopg-c",
    "asyncpg",
    "pg8000",
    "aiopg",
];

/// Do the runtime (non-dev) dependencies name a MySQL driver and no PostgreSQL driver?
pub fn mysql_only(declared: &[crate::deps::manifests::Declared]) -> bool {
    let runtime = || declared.iter().filter(|d| !d.dev);
    runtime().any(|d| MYSQL_DRIVERS.contains(&d.normalized.as_str()))
        && !runtime().any(|d| POSTGRES_DRIVERS.contains(&d.normalized.as_str()))
}

/// [`mysql_only`] for the manifests at `root` (requirements*.txt, pyproject.toml, setup.*).
pub fn mysql_only_project(root: &std::path::Path) -> bool {
    mysql_only(&crate::deps::manifests::read_all(root).declared)
}

/// What a loop iterates over, when it is the result of a query of a known model.
pub struct LoopOrm<'a> {
    pub kind: ModelKind,
    pub model: &'a ModelFact,
    pub targets: Vec<&'a str>,
    /// Relationship/field names named by eager loaders (`selectinload(M.x)`,
    /// `select_related("x")`, `prefetch_related("x")`).
    pub eager: Vec<String>,
    /// Loader options that cannot be read (`.options(*opts)`) or `select_related()` with no
    /// arguments: assume everything is loaded.
    pub eager_all: bool,
    /// A label of the query for messages.
    pub label: String,
    pub reported: Vec<&'a str>,
}

/// What a query expression (with the names it is built from) says about itself.
#[derive(Default)]
pub struct QueryInfo<'a> {
    pub sa_model: Option<&'a ModelFact>,
    pub dj_model: Option<&'a ModelFact>,
    pub eager: Vec<String>,
    pub eager_all: bool,
    pub values: bool,
    /// limit/offset/slice/paginate/first/one/get/count/exists...
    pub limited: bool,
    pub group_by: bool,
    /// `.all()`, `fetchall()`, `scalars()`, `list(...)`: materialises every row.
    pub fetch_all: bool,
    pub queryish: bool,
    nodes: u32,
}

const LOADERS: &[&str] = &[
    "joinedload",
    "selectinload",
    "subqueryload",
    "contains_eager",
    "raiseload",
    "immediateload",
    "defaultload",
    "noload",
];

const LIMITING: &[&str] = &[
    "limit",
    "offset",
    "paginate",
    "slice",
    "first",
    "one",
    "one_or_none",
    "scalar",
    "scalar_one",
    "scalar_one_or_none",
    "get",
    "get_or_404",
    "first_or_404",
    "one_or_404",
    "count",
    "exists",
    "fetchone",
    "fetchmany",
    "paginate_queryset",
    "page",
    "get_page",
    "Paginator",
    "paginate_query",
    "aggregate",
    "latest",
    "earliest",
    "in_bulk",
    "iterator",
    "yield_per",
    "partitions",
];

pub fn analyze_query<'a>(checker: &Checker<'a>, expr: &'a Expr) -> QueryInfo<'a> {
    let mut info = QueryInfo::default();
    let mut followed: Vec<&'a str> = Vec::new();
    walk_query(checker, expr, &mut info, &mut followed, 0);
    info
}

fn walk_query<'a>(
    checker: &Checker<'a>,
    expr: &'a Expr,
    info: &mut QueryInfo<'a>,
    followed: &mut Vec<&'a str>,
    depth: u32,
) {
    info.nodes += 1;
    if depth > 24 || info.nodes > 400 {
        return;
    }
    let models = &checker.project.models;
    match expr {
        Expr::Call(c) => {
            let name = match &*c.func {
                Expr::Attribute(a) => a.attr.as_str(),
                Expr::Name(n) => n.id.as_str(),
                _ => "",
            };
            match name {
                "query" | "select" => {
                    info.queryish = true;
                    if let Some(Expr::Name(n)) = c.arguments.args.first() {
                        if let Some(m) = models.model(n.id.as_str(), ModelKind::SqlAlchemy) {
                            info.sa_model.get_or_insert(m);
                        }
                    }
                }
                "options" => {
                    for a in c.arguments.args.iter() {
                        match a {
                            Expr::Call(l) => {
                                let ln = match &*l.func {
                                    Expr::Attribute(x) => x.attr.as_str(),
                                    Expr::Name(x) => x.id.as_str(),
                                    _ => "",
                                };
                                if !LOADERS.contains(&ln) && ln != "Load" && ln != "lazyload" {
                                    info.eager_all = true;
                                }
                                collect_loader_attrs(a, &mut info.eager, 0);
                            }
                            _ => info.eager_all = true,
                        }
                    }
                }
                "select_related" | "prefetch_related" => {
                    if c.arguments.args.is_empty() && name == "select_related" {
                        info.eager_all = true;
                    }
                    for a in c.arguments.args.iter() {
                        match a {
                            Expr::StringLiteral(s) => info.eager.push(
                                s.value
                                    .to_str()
                                    .split("__")
                                    .next()
                                    .unwrap_or("")
                                    .to_string(),
                            ),
                            Expr::Call(p) => {
                                if let Some(Expr::StringLiteral(s)) = p.arguments.args.first() {
                                    info.eager.push(
                                        s.value
                                            .to_str()
                                            .split("__")
                                            .next()
                                            .unwrap_or("")
                                            .to_string(),
                                    );
                                }
                            }
                            _ => info.eager_all = true,
                        }
                    }
                }
                "values" | "values_list" => info.values = true,
                "group_by" | "annotate" | "distinct" => info.group_by = true,
                "all" | "fetchall" | "scalars" | "list" => info.fetch_all = true,
                "filter" | "filter_by" | "where" | "order_by" | "exclude" | "execute" => {
                    info.queryish = true
                }
                n if LIMITING.contains(&n) => info.limited = true,
                _ => {}
            }
            walk_query(checker, &c.func, info, followed, depth + 1);
            for a in c.arguments.args.iter() {
                walk_query(checker, a, info, followed, depth + 1);
            }
        }
        Expr::Attribute(a) => {
            if let Expr::Name(n) = &*a.value {
                match a.attr.as_str() {
                    "objects" | "_default_manager" => {
                        info.queryish = true;
                        if let Some(m) = models.model(n.id.as_str(), ModelKind::Django) {
                            info.dj_model.get_or_insert(m);
                        }
                    }
                    "query" => {
                        if let Some(m) = models.model(n.id.as_str(), ModelKind::SqlAlchemy) {
                            info.queryish = true;
                            info.sa_model.get_or_insert(m);
                        }
                    }
                    _ => {}
                }
            }
            walk_query(checker, &a.value, info, followed, depth + 1);
        }
        Expr::Subscript(s) => {
            info.limited |= matches!(&*s.slice, Expr::Slice(_) | Expr::NumberLiteral(_));
            walk_query(checker, &s.value, info, followed, depth + 1);
        }
        Expr::Await(a) => walk_query(checker, &a.value, info, followed, depth + 1),
        Expr::Starred(s) => walk_query(checker, &s.value, info, followed, depth + 1),
        // Raw SQL passed to `execute(...)`/`text(...)`: its own `LIMIT`/`FETCH FIRST` bounds it.
        Expr::StringLiteral(s) => info.limited |= sql_has_limit(s.value.to_str()),
        Expr::Name(n) => {
            let id = n.id.as_str();
            if followed.contains(&id) || followed.len() > 12 {
                return;
            }
            followed.push(id);
            if let Some(b) = checker.sem.lookup(id) {
                let mut bid = Some(b);
                let mut hops = 0;
                // Follow this binding and the ones it shadowed (`q = q.filter(...)`).
                while let Some(cur) = bid {
                    hops += 1;
                    if hops > 4 {
                        break;
                    }
                    let binding = checker.sem.binding(cur);
                    if let Some(v) = binding.value {
                        walk_query(checker, v, info, followed, depth + 1);
                    }
                    bid = binding.shadowed;
                }
            }
        }
        _ => {}
    }
}

/// Does this SQL text bound its rows (`LIMIT n`, `FETCH FIRST n ROWS`, `TOP n`)? Only for
/// text that reads as a `SELECT`.
pub(crate) fn sql_has_limit(sql: &str) -> bool {
    let lower = sql.to_ascii_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty())
        .collect();
    if !words.contains(&"select") {
        return false;
    }
    words.contains(&"limit")
        || words.windows(2).any(|w| {
            matches!(
                (w[0], w[1]),
                ("fetch", "first") | ("fetch", "next") | ("select", "top")
            )
        })
}

fn collect_loader_attrs(e: &Expr, out: &mut Vec<String>, depth: u32) {
    if depth > 12 {
        return;
    }
    match e {
        Expr::Call(c) => {
            collect_loader_attrs(&c.func, out, depth + 1);
            for a in c.arguments.args.iter() {
                collect_loader_attrs(a, out, depth + 1);
            }
        }
        Expr::Attribute(a) => {
            out.push(a.attr.to_string());
            collect_loader_attrs(&a.value, out, depth + 1);
        }
        Expr::StringLiteral(s) => {
            let v = s.value.to_str();
            if v == "*" {
                out.push("*".to_string());
            }
            out.extend(v.split('.').map(str::to_string));
        }
        _ => {}
    }
}

/// Called by the checker for every `for` loop and comprehension generator.
pub(crate) fn loop_orm<'a>(
    checker: &Checker<'a>,
    iter: &'a Expr,
    target: &'a Expr,
) -> Option<LoopOrm<'a>> {
    if !(checker.enabled(Rule::NPlusOneSqlalchemy) || checker.enabled(Rule::NPlusOneDjango)) {
        return None;
    }
    if checker.project.models.models.is_empty() {
        return None;
    }
    let info = analyze_query(checker, iter);
    if info.values {
        return None;
    }
    let (kind, model) = match (info.sa_model, info.dj_model) {
        (Some(m), _) => (ModelKind::SqlAlchemy, m),
        (None, Some(m)) => (ModelKind::Django, m),
        _ => return None,
    };
    let label = crate::semantic::expr::callee_label(iter);
    let eager_all = info.eager_all || info.eager.iter().any(|e| e == "*");
    Some(LoopOrm {
        kind,
        model,
        targets: loop_target_names(target),
        eager: info.eager,
        eager_all,
        label,
        reported: Vec::new(),
    })
}

/// Called by the checker for attribute reads while inside a loop. Returns true when it visited
/// the attribute's children itself.
pub(crate) fn on_attribute<'a>(checker: &mut Checker<'a>, a: &'a ast::ExprAttribute) -> bool {
    let base = checker.funcs.last().map_or(0, |f| f.loop_base);
    // x.fk.id -> x.fk_id (Django)
    if let Expr::Attribute(inner) = &*a.value {
        if let Expr::Name(n) = &*inner.value {
            if matches!(a.attr.as_str(), "id" | "pk") {
                if let Some(idx) = find_loop(checker, base, n.id.as_str()) {
                    if n_plus_one_django::check_fk_id(checker, idx, n, inner, a) {
                        checker.sem.load(n.id.as_str());
                        return true;
                    }
                }
            }
        }
    }
    if let Expr::Name(n) = &*a.value {
        if let Some(idx) = find_loop(checker, base, n.id.as_str()) {
            let kind = checker.loops[idx].orm.as_ref().map(|o| o.kind);
            match kind {
                Some(ModelKind::SqlAlchemy) if checker.enabled(Rule::NPlusOneSqlalchemy) => {
                    n_plus_one_sqlalchemy::check(checker, idx, n, a)
                }
                Some(ModelKind::Django) if checker.enabled(Rule::NPlusOneDjango) => {
                    n_plus_one_django::check(checker, idx, n, a)
                }
                _ => {}
            }
        }
    }
    false
}

fn find_loop(checker: &Checker, base: usize, name: &str) -> Option<usize> {
    let base = base.min(checker.loops.len());
    (base..checker.loops.len()).rev().find(|&i| {
        checker.loops[i]
            .orm
            .as_ref()
            .is_some_and(|o| o.targets.contains(&name))
    })
}
