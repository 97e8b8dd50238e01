//! The project-wide model index: SQLAlchemy models (declarative, 2.0 `Mapped`/`mapped_column`,
//! Flask-SQLAlchemy `db.Column`, SQLModel `Field`), core `Table(...)`s, their columns, foreign
//! keys, relationships with `lazy=`, indexes (`index=True`, `unique`, `primary_key`,
//! `Index(...)`/`UniqueConstraint(...)` in `__table_args__` or at module level, Alembic
//! `op.create_index`); Django models (fields, FKs, `db_index`, `Meta.indexes`,
//! `unique_together`, `index_together`, `Meta.ordering`), Django migrations' `AddIndex`, and
//! whether DRF pagination is configured project-wide.

use crate::python::parser::ast::{self, Expr, Stmt};
use crate::python::parser::{ParsedModule, Ranged};
use crate::semantic::expr::{keyword, str_value};
use rustc_hash::FxHashMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModelKind {
    SqlAlchemy,
    Django,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    Plain,
    ForeignKey,
    OneToOne,
    ManyToMany,
}

#[derive(Debug, Clone)]
pub struct ColumnFact {
    /// Attribute name on the class.
    pub attr: String,
    /// Column name in the table (differs when given as the first string argument).
    pub column: String,
    pub kind: FieldKind,
    /// FK target (`users.id`, `User`, `"app.User"`).
    pub target: Option<String>,
    /// `index=True`, `unique=True`, `primary_key=True`, `db_index=True`.
    pub indexed: bool,
    /// Django `db_index=False` given explicitly.
    pub db_index_false: bool,
    pub is_bool: bool,
    /// Django reverse accessor (`related_name`).
    pub related_name: Option<String>,
    pub line: u32,
    pub column_no: u32,
}

#[derive(Debug, Clone)]
pub struct RelationshipFact {
    pub attr: String,
    pub target: Option<String>,
    /// `lazy=` value when it is a literal (`"select"`, `"joined"`, `True`...).
    pub lazy: Option<String>,
    pub line: u32,
}

#[derive(Debug, Clone)]
pub struct ModelFact {
    pub name: String,
    pub kind: ModelKind,
    pub table: Option<String>,
    pub bases: Vec<String>,
    pub columns: Vec<ColumnFact>,
    pub relationships: Vec<RelationshipFact>,
    /// Column lists of every index/unique constraint (attribute or column names).
    pub indexes: Vec<Vec<String>>,
    /// Django `Meta.ordering` entries with their location.
    pub ordering: Vec<(String, u32, u32)>,
    pub abstract_: bool,
    pub line: u32,
}

/// What one module contributes to the project index.
#[derive(Debug, Clone, Default)]
pub struct ModuleFacts {
    pub path: String,
    pub models: Vec<ModelFact>,
    /// Alembic `op.create_index`/`create_unique_constraint`: (table, columns).
    pub migration_indexes: Vec<(String, Vec<String>)>,
    /// Module-level `Index("ix", Model.col, ...)`: (model or table name, columns).
    pub loose_indexes: Vec<(String, Vec<String>)>,
    /// Django migrations `AddIndex(model_name=..., index=Index(fields=[...]))`.
    pub django_migration_indexes: Vec<(String, Vec<String>)>,
    /// `REST_FRAMEWORK = {"DEFAULT_PAGINATION_CLASS": ...}` seen.
    pub drf_default_pagination: bool,
    /// Classes that set a paginator for their subclasses (`pagination_class = X`,
    /// `paginate_by = N`, `paginator_class = X`).
    pub paginated_classes: Vec<String>,
    /// Module-level clients and factories other modules import: (name, type) for
    /// `SessionLocal = sessionmaker(...)`, `redis_client = redis.Redis(...)`.
    pub typed_globals: Vec<(String, crate::semantic::Ty)>,
    /// The module's dotted name, set by the pipeline once every module is named.
    pub module: Option<String>,
}

fn line_col(parsed: &ParsedModule, source: &str, r: &impl Ranged) -> (u32, u32) {
    parsed.line_col(source, r.start())
}

fn callee_last(call: &ast::ExprCall) -> &str {
    match &*call.func {
        Expr::Name(n) => n.id.as_str(),
        Expr::Attribute(a) => a.attr.as_str(),
        _ => "",
    }
}

fn base_name(e: &Expr) -> Option<String> {
    match e {
        Expr::Name(n) => Some(n.id.to_string()),
        Expr::Attribute(a) => Some(a.attr.to_string()),
        Expr::Subscript(s) => base_name(&s.value),
        Expr::Call(c) => base_name(&c.func),
        _ => None,
    }
}

fn kw_true(call: &ast::ExprCall, name: &str) -> bool {
    keyword(call, name).is_some_and(|v| matches!(v, Expr::BooleanLiteral(b) if b.value))
}

fn kw_false(call: &ast::ExprCall, name: &str) -> bool {
    keyword(call, name).is_some_and(|v| matches!(v, Expr::BooleanLiteral(b) if !b.value))
}

/// A column name from an index element: `"col"`, `col`, `Model.col`, `text("...")` (skipped).
fn index_element(e: &Expr) -> Option<String> {
    match e {
        Expr::StringLiteral(s) => {
            let v = s.value.to_str();
            // Django: "-created" in Index(fields=[...]) orders; the column is `created`.
            Some(v.trim_start_matches('-').to_string())
        }
        Expr::Name(n) => Some(n.id.to_string()),
        Expr::Attribute(a) => Some(a.attr.to_string()),
        Expr::Call(c) => {
            // `Model.col.desc()`, `desc(Model.col)`
            match &*c.func {
                Expr::Attribute(a) if matches!(a.attr.as_str(), "desc" | "asc") => {
                    index_element(&a.value)
                }
                _ => c.arguments.args.first().and_then(index_element),
            }
        }
        _ => None,
    }
}

fn list_elements(e: &Expr) -> Vec<String> {
    match e {
        Expr::List(l) => l.elts.iter().filter_map(index_element).collect(),
        Expr::Tuple(t) => t.elts.iter().filter_map(index_element).collect(),
        other => index_element(other).into_iter().collect(),
    }
}

const SA_TYPES_BOOL: &[&str] = &["Boolean", "BOOLEAN", "bool"];

/// Extract this module's facts. Never fails; unknown shapes are skipped.
pub fn collect(path: &str, source: &str, parsed: &ParsedModule) -> ModuleFacts {
    let mut facts = ModuleFacts {
        path: path.to_string(),
        ..Default::default()
    };
    collect_body(parsed.body(), source, parsed, &mut facts, 0);
    collect_typed_globals(parsed.body(), &mut facts);
    facts
}

/// `X = sessionmaker(...)`, `r = redis.Redis(...)`, `engine = create_engine(...)` at module
/// level, resolved through the module's own imports.
fn collect_typed_globals(body: &[Stmt], facts: &mut ModuleFacts) {
    let mut imports: Vec<(&str, String)> = Vec::new();
    for stmt in body {
        match stmt {
            Stmt::Import(i) => {
                for a in &i.names {
                    let full = a.name.as_str();
                    match &a.asname {
                        Some(n) => imports.push((n.as_str(), full.to_string())),
                        None => {
                            let top = full.split('.').next().unwrap_or(full);
                            imports.push((top, top.to_string()));
                        }
                    }
                }
            }
            Stmt::ImportFrom(i) if i.level == 0 => {
                let module = i.module.as_ref().map_or("", |m| m.as_str());
                for a in &i.names {
                    let bound = a.asname.as_ref().map_or(a.name.as_str(), |n| n.as_str());
                    imports.push((bound, format!("{module}.{}", a.name.as_str())));
                }
            }
            Stmt::Assign(a) => {
                let (Some(Expr::Name(target)), Expr::Call(call)) = (a.targets.first(), &*a.value)
                else {
                    continue;
                };
                let Some(dotted) = crate::semantic::expr::dotted(&call.func) else {
                    continue;
                };
                let (head, rest) = dotted.split_once('.').unwrap_or((dotted.as_str(), ""));
                let Some((_, q)) = imports.iter().rev().find(|(n, _)| *n == head) else {
                    continue;
                };
                let q = if rest.is_empty() {
                    q.clone()
                } else {
                    format!("{q}.{rest}")
                };
                if let Some(t) = crate::semantic::types::constructor_type(&q) {
                    facts.typed_globals.push((target.id.to_string(), t));
                }
            }
            _ => {}
        }
    }
}

fn collect_body(
    body: &[Stmt],
    source: &str,
    parsed: &ParsedModule,
    facts: &mut ModuleFacts,
    depth: u32,
) {
    if depth > 4 {
        return;
    }
    for stmt in body {
        match stmt {
            Stmt::ClassDef(class) => {
                if let Some(m) = model_from_class(class, source, parsed) {
                    facts.models.push(m);
                }
                let paginates = class.body.iter().any(|s| match s {
                    Stmt::Assign(a) => {
                        a.targets.iter().any(|t| {
                            matches!(t, Expr::Name(n) if matches!(n.id.as_str(),
                            "pagination_class" | "paginate_by" | "paginator_class"))
                        }) && !matches!(&*a.value, Expr::NoneLiteral(_))
                    }
                    _ => false,
                });
                if paginates {
                    facts.paginated_classes.push(class.name.to_string());
                }
                collect_body(&class.body, source, parsed, facts, depth + 1);
            }
            Stmt::FunctionDef(f) => collect_body(&f.body, source, parsed, facts, depth + 1),
            Stmt::If(i) => {
                collect_body(&i.body, source, parsed, facts, depth + 1);
                for c in &i.elif_else_clauses {
                    collect_body(&c.body, source, parsed, facts, depth + 1);
                }
            }
            Stmt::Try(t) => collect_body(&t.body, source, parsed, facts, depth + 1),
            Stmt::With(w) => collect_body(&w.body, source, parsed, facts, depth + 1),
            Stmt::Expr(e) => collect_expr_stmt(&e.value, facts),
            Stmt::Assign(a) => {
                if let Some(Expr::Name(n)) = a.targets.first() {
                    if n.id.as_str() == "REST_FRAMEWORK" {
                        if let Expr::Dict(d) = &*a.value {
                            for item in &d.items {
                                if let Some(k) = item.key.as_ref().and_then(str_value) {
                                    if k == "DEFAULT_PAGINATION_CLASS"
                                        && !matches!(item.value, Expr::NoneLiteral(_))
                                    {
                                        facts.drf_default_pagination = true;
                                    }
                                }
                            }
                        }
                    }
                    if let Expr::Call(c) = &*a.value {
                        if callee_last(c) == "Table" {
                            if let Some(m) = model_from_table(n.id.as_str(), c, source, parsed) {
                                facts.models.push(m);
                            }
                        }
                    }
                    // Django migrations: operations = [...]
                    if n.id.as_str() == "operations" {
                        if let Expr::List(l) = &*a.value {
                            for op in &l.elts {
                                collect_expr_stmt(op, facts);
                            }
                        }
                    }
                }
                if let Expr::Call(c) = &*a.value {
                    if callee_last(c) == "Index" {
                        collect_expr_stmt(&a.value, facts);
                    }
                }
            }
            _ => {}
        }
    }
}

fn collect_expr_stmt(e: &Expr, facts: &mut ModuleFacts) {
    let Expr::Call(c) = e else { return };
    let last = callee_last(c);
    match last {
        "create_index" | "create_unique_constraint" | "create_primary_key" => {
            // op.create_index(name, table, [cols]) / batch_op.create_index(name, [cols])
            let args = &c.arguments.args;
            let table = keyword(c, "table_name")
                .or_else(|| args.get(1))
                .and_then(str_value);
            let cols = keyword(c, "columns").or_else(|| args.get(2));
            if let (Some(t), Some(cols)) = (table, cols) {
                facts
                    .migration_indexes
                    .push((t.to_string(), list_elements(cols)));
            }
        }
        "Index" | "UniqueConstraint" => {
            // Module-level `Index("ix", Model.col, ...)`
            let mut owner = None;
            let mut cols = Vec::new();
            for a in c.arguments.args.iter().skip(1) {
                if let Expr::Attribute(at) = a {
                    if let Expr::Name(n) = &*at.value {
                        owner.get_or_insert_with(|| n.id.to_string());
                    }
                    cols.push(at.attr.to_string());
                }
            }
            if let Some(o) = owner {
                facts.loose_indexes.push((o, cols));
            }
        }
        "AddIndex" | "AddIndexConcurrently" => {
            let model = keyword(c, "model_name").and_then(str_value);
            let index = keyword(c, "index");
            if let (Some(m), Some(Expr::Call(ic))) = (model, index) {
                if let Some(fields) = keyword(ic, "fields") {
                    facts
                        .django_migration_indexes
                        .push((m.to_ascii_lowercase(), list_elements(fields)));
                }
            }
        }
        "AddField" | "AlterField" => {
            let model = keyword(c, "model_name").and_then(str_value);
            let name = keyword(c, "name").and_then(str_value);
            if let (Some(m), Some(n), Some(Expr::Call(fc))) = (model, name, keyword(c, "field")) {
                if kw_true(fc, "db_index") || kw_true(fc, "unique") {
                    facts
                        .django_migration_indexes
                        .push((m.to_ascii_lowercase(), vec![n.to_string()]));
                }
            }
        }
        _ => {}
    }
}

fn model_from_table(
    var: &str,
    call: &ast::ExprCall,
    source: &str,
    parsed: &ParsedModule,
) -> Option<ModelFact> {
    let table = call.arguments.args.first().and_then(str_value)?.to_string();
    let (line, _) = line_col(parsed, source, call);
    let mut m = ModelFact {
        name: var.to_string(),
        kind: ModelKind::SqlAlchemy,
        table: Some(table),
        bases: Vec::new(),
        columns: Vec::new(),
        relationships: Vec::new(),
        indexes: Vec::new(),
        ordering: Vec::new(),
        abstract_: false,
        line,
    };
    for a in call.arguments.args.iter().skip(1) {
        let Expr::Call(c) = a else { continue };
        match callee_last(c) {
            "Column" => {
                if let Some(name) = c.arguments.args.first().and_then(str_value) {
                    if let Some(col) = sa_column(name, c, source, parsed) {
                        m.columns.push(col);
                    }
                }
            }
            "Index" | "UniqueConstraint" | "PrimaryKeyConstraint" => {
                m.indexes.push(constraint_columns(c));
            }
            _ => {}
        }
    }
    Some(m)
}

fn constraint_columns(c: &ast::ExprCall) -> Vec<String> {
    let skip = usize::from(callee_last(c) == "Index");
    c.arguments
        .args
        .iter()
        .skip(skip)
        .filter_map(index_element)
        .collect()
}

/// `Column(...)`, `db.Column(...)`, `mapped_column(...)`, SQLModel `Field(...)`.
fn sa_column(
    attr: &str,
    c: &ast::ExprCall,
    source: &str,
    parsed: &ParsedModule,
) -> Option<ColumnFact> {
    let mut column = attr.to_string();
    let mut target = None;
    let mut is_bool = false;
    let is_field = callee_last(c) == "Field";
    for (i, a) in c.arguments.args.iter().enumerate() {
        match a {
            Expr::StringLiteral(s) if i == 0 && !is_field => column = s.value.to_str().to_string(),
            Expr::Call(fk) if callee_last(fk) == "ForeignKey" => {
                target = fk.arguments.args.first().map(|t| {
                    str_value(t).map(str::to_string).unwrap_or_else(|| {
                        let mut s = String::new();
                        crate::semantic::expr::dotted_into(t, &mut s);
                        s
                    })
                });
            }
            Expr::Name(n) if SA_TYPES_BOOL.contains(&n.id.as_str()) => is_bool = true,
            Expr::Attribute(at) if SA_TYPES_BOOL.contains(&at.attr.as_str()) => is_bool = true,
            Expr::Call(t) if SA_TYPES_BOOL.contains(&callee_last(t)) => is_bool = true,
            _ => {}
        }
    }
    if is_field {
        if let Some(fk) = keyword(c, "foreign_key").and_then(str_value) {
            target = Some(fk.to_string());
        }
    }
    let indexed = kw_true(c, "index") || kw_true(c, "unique") || kw_true(c, "primary_key");
    let (line, column_no) = line_col(parsed, source, c);
    Some(ColumnFact {
        attr: attr.to_string(),
        column,
        kind: if target.is_some() {
            FieldKind::ForeignKey
        } else {
            FieldKind::Plain
        },
        target,
        indexed,
        db_index_false: false,
        is_bool,
        related_name: None,
        line,
        column_no,
    })
}

fn annotation_is_bool(ann: &Expr) -> bool {
    // Mapped[bool], Mapped[Optional[bool]], Mapped[bool | None]
    match ann {
        Expr::Subscript(s) => annotation_is_bool(&s.slice),
        Expr::Name(n) => n.id.as_str() == "bool",
        Expr::BinOp(b) => annotation_is_bool(&b.left) || annotation_is_bool(&b.right),
        Expr::Tuple(t) => t.elts.iter().any(annotation_is_bool),
        _ => false,
    }
}

fn django_field_kind(last: &str) -> Option<FieldKind> {
    Some(match last {
        "ForeignKey" | "ParentalKey" | "TreeForeignKey" => FieldKind::ForeignKey,
        "OneToOneField" => FieldKind::OneToOne,
        "ManyToManyField" | "ParentalManyToManyField" | "TaggableManager" => FieldKind::ManyToMany,
        l if l.ends_with("Field") => FieldKind::Plain,
        _ => return None,
    })
}

/// The indexes and unique constraints of a `__table_args__` tuple or list.
fn table_args_indexes(v: &Expr, m: &mut ModelFact) {
    let elts: Vec<&Expr> = match v {
        Expr::Tuple(t) => t.elts.iter().collect(),
        Expr::List(l) => l.elts.iter().collect(),
        _ => Vec::new(),
    };
    for e in elts {
        if let Expr::Call(c) = e {
            if matches!(
                callee_last(c),
                "Index" | "UniqueConstraint" | "PrimaryKeyConstraint"
            ) {
                m.indexes.push(constraint_columns(c));
            }
        }
    }
}

fn model_from_class(
    class: &ast::StmtClassDef,
    source: &str,
    parsed: &ParsedModule,
) -> Option<ModelFact> {
    let bases: Vec<String> = class
        .arguments
        .as_ref()
        .map(|a| a.args.iter().filter_map(base_name).collect())
        .unwrap_or_default();
    let (line, _) = line_col(parsed, source, &class.name);
    let mut m = ModelFact {
        name: class.name.to_string(),
        kind: ModelKind::SqlAlchemy,
        table: None,
        bases,
        columns: Vec::new(),
        relationships: Vec::new(),
        indexes: Vec::new(),
        ordering: Vec::new(),
        abstract_: false,
        line,
    };
    let mut sa_signals = 0;
    let mut dj_signals = 0;
    for stmt in &class.body {
        let (target, annotation, value) = match stmt {
            Stmt::Assign(a) => match a.targets.first() {
                Some(Expr::Name(n)) => (n.id.as_str(), None, Some(&*a.value)),
                _ => continue,
            },
            Stmt::AnnAssign(a) => match &*a.target {
                Expr::Name(n) => (n.id.as_str(), Some(&*a.annotation), a.value.as_deref()),
                _ => continue,
            },
            Stmt::ClassDef(meta) if meta.name.as_str() == "Meta" => {
                django_meta(meta, &mut m, source, parsed);
                continue;
            }
            // `@declared_attr def __table_args__(cls): return (Index(...), ...)`
            Stmt::FunctionDef(f) if f.name.as_str() == "__table_args__" => {
                for s in &f.body {
                    if let Stmt::Return(r) = s {
                        if let Some(v) = r.value.as_deref() {
                            table_args_indexes(v, &mut m);
                        }
                    }
                }
                continue;
            }
            _ => continue,
        };
        if target == "__tablename__" {
            if let Some(v) = value.and_then(str_value) {
                m.table = Some(v.to_string());
                sa_signals += 1;
            }
            continue;
        }
        if target == "__table_args__" {
            if let Some(v) = value {
                table_args_indexes(v, &mut m);
            }
            continue;
        }
        let Some(Expr::Call(call)) = value else {
            // `x: Mapped[int]` without a value is a plain column.
            if let Some(ann) = annotation {
                if matches!(ann, Expr::Subscript(s) if base_name(&s.value).as_deref() == Some("Mapped"))
                {
                    let (l, c) = line_col(parsed, source, ann);
                    m.columns.push(ColumnFact {
                        attr: target.to_string(),
                        column: target.to_string(),
                        kind: FieldKind::Plain,
                        target: None,
                        indexed: false,
                        db_index_false: false,
                        is_bool: annotation_is_bool(ann),
                        related_name: None,
                        line: l,
                        column_no: c,
                    });
                    sa_signals += 1;
                }
            }
            continue;
        };
        let last = callee_last(call);
        match last {
            "Column" | "mapped_column" => {
                if let Some(mut col) = sa_column(target, call, source, parsed) {
                    if let Some(ann) = annotation {
                        col.is_bool |= annotation_is_bool(ann);
                    }
                    m.columns.push(col);
                    sa_signals += 1;
                }
            }
            "Field" if keyword(call, "foreign_key").is_some() || kw_true(call, "index") => {
                if let Some(col) = sa_column(target, call, source, parsed) {
                    m.columns.push(col);
                    sa_signals += 1;
                }
            }
            "relationship" | "Relationship" => {
                let target_model = call.arguments.args.first().and_then(|t| match t {
                    Expr::StringLiteral(s) => Some(s.value.to_str().to_string()),
                    Expr::Name(n) => Some(n.id.to_string()),
                    _ => None,
                });
                let target_model = target_model.or_else(|| annotation.and_then(mapped_target));
                let lazy = keyword(call, "lazy").map(|v| match v {
                    Expr::StringLiteral(s) => s.value.to_str().to_string(),
                    Expr::BooleanLiteral(b) => b.value.to_string(),
                    Expr::NoneLiteral(_) => "None".to_string(),
                    _ => "<dynamic>".to_string(),
                });
                let (l, _) = line_col(parsed, source, call);
                m.relationships.push(RelationshipFact {
                    attr: target.to_string(),
                    target: target_model,
                    lazy,
                    line: l,
                });
                sa_signals += 1;
            }
            _ => {
                if let Some(kind) = django_field_kind(last) {
                    // models.CharField(...), ForeignKey(...)
                    let receiver_ok = match &*call.func {
                        Expr::Attribute(a) => {
                            matches!(&*a.value, Expr::Name(n) if n.id.as_str() == "models")
                                || kind != FieldKind::Plain
                        }
                        Expr::Name(_) => true,
                        _ => false,
                    };
                    if !receiver_ok {
                        continue;
                    }
                    let field_target = if kind == FieldKind::Plain {
                        None
                    } else {
                        keyword(call, "to")
                            .or_else(|| call.arguments.args.first())
                            .and_then(|t| match t {
                                Expr::StringLiteral(s) => Some(
                                    s.value
                                        .to_str()
                                        .rsplit('.')
                                        .next()
                                        .unwrap_or_default()
                                        .to_string(),
                                ),
                                Expr::Name(n) => Some(n.id.to_string()),
                                Expr::Attribute(a) => Some(a.attr.to_string()),
                                _ => None,
                            })
                            .map(|t| if t == "self" { m.name.clone() } else { t })
                    };
                    let (l, c) = line_col(parsed, source, call);
                    let unique = kw_true(call, "unique") || kw_true(call, "primary_key");
                    let db_index_false = kw_false(call, "db_index");
                    let indexed = unique
                        || kw_true(call, "db_index")
                        || (matches!(kind, FieldKind::ForeignKey | FieldKind::OneToOne)
                            && !db_index_false)
                        || kind == FieldKind::OneToOne;
                    m.columns.push(ColumnFact {
                        attr: target.to_string(),
                        column: target.to_string(),
                        kind,
                        target: field_target,
                        indexed,
                        db_index_false,
                        is_bool: matches!(last, "BooleanField" | "NullBooleanField"),
                        related_name: keyword(call, "related_name")
                            .and_then(str_value)
                            .map(str::to_string),
                        line: l,
                        column_no: c,
                    });
                    dj_signals += 1;
                }
            }
        }
    }
    if dj_signals > sa_signals {
        m.kind = ModelKind::Django;
    }
    if m.kind == ModelKind::Django
        && !m
            .bases
            .iter()
            .any(|b| b == "Model" || b.ends_with("Model") || b.ends_with("Mixin") || b != "object")
    {
        return None;
    }
    if sa_signals + dj_signals == 0 && m.ordering.is_empty() && m.indexes.is_empty() {
        return None;
    }
    Some(m)
}

fn mapped_target(ann: &Expr) -> Option<String> {
    // Mapped["User"], Mapped[List["Item"]], Mapped[list[Item]], Mapped[Optional["User"]]
    match ann {
        Expr::Subscript(s) => mapped_target(&s.slice),
        Expr::StringLiteral(s) => Some(s.value.to_str().to_string()),
        Expr::Name(n) if !matches!(n.id.as_str(), "List" | "list" | "Optional" | "Set" | "set") => {
            Some(n.id.to_string())
        }
        Expr::BinOp(b) => mapped_target(&b.left),
        _ => None,
    }
}

fn django_meta(meta: &ast::StmtClassDef, m: &mut ModelFact, source: &str, parsed: &ParsedModule) {
    for stmt in &meta.body {
        let Stmt::Assign(a) = stmt else { continue };
        let Some(Expr::Name(n)) = a.targets.first() else {
            continue;
        };
        match n.id.as_str() {
            "abstract" => m.abstract_ = matches!(&*a.value, Expr::BooleanLiteral(b) if b.value),
            "indexes" | "constraints" => {
                let elts: Vec<&Expr> = match &*a.value {
                    Expr::List(l) => l.elts.iter().collect(),
                    Expr::Tuple(t) => t.elts.iter().collect(),
                    _ => Vec::new(),
                };
                for e in elts {
                    if let Expr::Call(c) = e {
                        if let Some(f) = keyword(c, "fields") {
                            m.indexes.push(list_elements(f));
                        }
                    }
                }
            }
            "unique_together" | "index_together" => match &*a.value {
                Expr::List(l) if l.elts.iter().all(|e| matches!(e, Expr::StringLiteral(_))) => {
                    m.indexes.push(list_elements(&a.value))
                }
                Expr::Tuple(t) if t.elts.iter().all(|e| matches!(e, Expr::StringLiteral(_))) => {
                    m.indexes.push(list_elements(&a.value))
                }
                Expr::List(l) => l.elts.iter().for_each(|e| m.indexes.push(list_elements(e))),
                Expr::Tuple(t) => t.elts.iter().for_each(|e| m.indexes.push(list_elements(e))),
                _ => {}
            },
            "ordering" => {
                let elts: Vec<&Expr> = match &*a.value {
                    Expr::List(l) => l.elts.iter().collect(),
                    Expr::Tuple(t) => t.elts.iter().collect(),
                    _ => Vec::new(),
                };
                for e in elts {
                    if let Some(s) = str_value(e) {
                        let (l, c) = line_col(parsed, source, e);
                        m.ordering
                            .push((s.trim_start_matches('-').to_string(), l, c));
                    }
                }
            }
            _ => {}
        }
    }
}

/// The merged, project-wide view of every model.
#[derive(Debug, Clone, Default)]
pub struct ModelIndex {
    pub models: Vec<(String, ModelFact)>,
    by_name: FxHashMap<String, Vec<usize>>,
    by_table: FxHashMap<String, usize>,
    /// (table, leading column) pairs covered by a migration index.
    migration_leading: FxHashMap<String, Vec<String>>,
    django_migration_leading: FxHashMap<String, Vec<String>>,
    loose_leading: FxHashMap<String, Vec<String>>,
    /// Django reverse accessors: (target model, accessor) -> source model.
    reverse: FxHashMap<(String, String), String>,
    /// Django related-manager accessors (reverse accessors and many-to-many fields) -> the
    /// model of their rows, when only one model of the project has an accessor of that name.
    accessors: FxHashMap<String, Option<String>>,
    pub drf_default_pagination: bool,
    /// Project classes that set a paginator for their subclasses.
    pub paginated_classes: rustc_hash::FxHashSet<String>,
    /// `module.name` -> type of module-level clients and session factories.
    pub typed_globals: FxHashMap<String, crate::semantic::Ty>,
}

/// How a Django attribute relates to other rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DjangoRel {
    Forward(String),
    Reverse(String),
    ManyToMany(String),
}

impl ModelIndex {
    pub fn from_facts(facts: Vec<ModuleFacts>) -> Self {
        let mut idx = ModelIndex::default();
        for f in facts {
            idx.drf_default_pagination |= f.drf_default_pagination;
            idx.paginated_classes.extend(f.paginated_classes);
            if let Some(module) = &f.module {
                for (name, t) in f.typed_globals {
                    idx.typed_globals.insert(format!("{module}.{name}"), t);
                }
            }
            for (t, cols) in f.migration_indexes {
                if let Some(c) = cols.into_iter().next() {
                    idx.migration_leading.entry(t).or_default().push(c);
                }
            }
            for (t, cols) in f.django_migration_indexes {
                if let Some(c) = cols.into_iter().next() {
                    idx.django_migration_leading.entry(t).or_default().push(c);
                }
            }
            for (t, cols) in f.loose_indexes {
                if let Some(c) = cols.into_iter().next() {
                    idx.loose_leading.entry(t).or_default().push(c);
                }
            }
            for m in f.models {
                idx.models.push((f.path.clone(), m));
            }
        }
        for (i, (_, m)) in idx.models.iter().enumerate() {
            idx.by_name.entry(m.name.clone()).or_default().push(i);
            if let Some(t) = &m.table {
                idx.by_table.insert(t.clone(), i);
            }
        }
        // Django reverse accessors.
        let mut reverse = FxHashMap::default();
        for (_, m) in &idx.models {
            if m.kind != ModelKind::Django {
                continue;
            }
            for c in &m.columns {
                if c.kind == FieldKind::Plain {
                    continue;
                }
                let Some(t) = &c.target else { continue };
                let accessor = match &c.related_name {
                    Some(r) if r.ends_with('+') => continue,
                    Some(r) => r.replace("%(class)s", &m.name.to_ascii_lowercase()),
                    None if c.kind == FieldKind::OneToOne => m.name.to_ascii_lowercase(),
                    None => format!("{}_set", m.name.to_ascii_lowercase()),
                };
                reverse.insert((t.clone(), accessor.clone()), m.name.clone());
                let rows = if c.kind == FieldKind::ManyToMany {
                    t.rsplit('.').next().unwrap_or(t).to_string()
                } else {
                    m.name.clone()
                };
                let mut note = |name: String, rows: String| {
                    idx.accessors
                        .entry(name)
                        .and_modify(|e| {
                            if e.as_deref() != Some(rows.as_str()) {
                                *e = None
                            }
                        })
                        .or_insert(Some(rows));
                };
                if c.kind == FieldKind::ManyToMany {
                    note(c.attr.clone(), rows);
                    note(accessor, m.name.clone());
                } else if c.kind == FieldKind::ForeignKey {
                    note(accessor, rows);
                }
            }
        }
        idx.reverse = reverse;
        idx
    }

    /// Django: the model of the rows of `obj.<accessor>.all()` for a related manager, when the
    /// accessor name belongs to one model of the project only.
    pub fn related_manager_rows(&self, accessor: &str) -> Option<&ModelFact> {
        let rows = self.accessors.get(accessor)?.as_deref()?;
        self.model(rows, ModelKind::Django)
    }

    /// The model called `name` (unique by class name; when several share it, the first of the
    /// kind asked for).
    pub fn model(&self, name: &str, kind: ModelKind) -> Option<&ModelFact> {
        self.by_name
            .get(name)?
            .iter()
            .map(|&i| &self.models[i].1)
            .find(|m| m.kind == kind)
    }

    pub fn is_model(&self, name: &str) -> bool {
        self.by_name.contains_key(name)
    }

    /// Visit `m` and its bases found in the index (mixins, abstract models), nearest first.
    fn with_bases<'s, T>(
        &'s self,
        m: &'s ModelFact,
        f: &mut impl FnMut(&'s ModelFact) -> Option<T>,
    ) -> Option<T> {
        let mut stack = vec![m];
        let mut seen = 0;
        while let Some(cur) = stack.pop() {
            seen += 1;
            if seen > 16 {
                break;
            }
            if let Some(v) = f(cur) {
                return Some(v);
            }
            for b in cur.bases.iter().rev() {
                if b == &cur.name {
                    continue;
                }
                if let Some(bm) = self.by_name.get(b).and_then(|v| v.first()) {
                    stack.push(&self.models[*bm].1);
                }
            }
        }
        None
    }

    pub fn relationship<'s>(
        &'s self,
        m: &'s ModelFact,
        attr: &str,
    ) -> Option<&'s RelationshipFact> {
        self.with_bases(m, &mut |x| x.relationships.iter().find(|r| r.attr == attr))
    }

    pub fn column<'s>(&'s self, m: &'s ModelFact, attr: &str) -> Option<&'s ColumnFact> {
        self.with_bases(m, &mut |x| x.columns.iter().find(|c| c.attr == attr))
    }

    /// Is `col` (attribute name) of `m` the leading column of some index?
    pub fn is_covered(&self, m: &ModelFact, col: &ColumnFact) -> bool {
        if col.indexed {
            return true;
        }
        let names = [col.attr.as_str(), col.column.as_str()];
        let lead = |v: &Vec<String>| v.first().is_some_and(|c| names.contains(&c.as_str()));
        let found = self
            .with_bases(m, &mut |x| x.indexes.iter().any(lead).then_some(()))
            .is_some();
        if found {
            return true;
        }
        let mut keys: Vec<String> = vec![m.name.clone(), m.name.to_ascii_lowercase()];
        if let Some(t) = &m.table {
            keys.push(t.clone());
        }
        for k in &keys {
            for map in [
                &self.migration_leading,
                &self.loose_leading,
                &self.django_migration_leading,
            ] {
                if let Some(v) = map.get(k) {
                    if v.iter().any(|c| names.contains(&c.as_str())) {
                        return true;
                    }
                }
            }
        }
        false
    }

    /// Django: what attribute `attr` of model `m` is (forward FK, reverse accessor, M2M).
    pub fn django_relation(&self, m: &ModelFact, attr: &str) -> Option<DjangoRel> {
        if let Some(c) = self.column(m, attr) {
            return match c.kind {
                FieldKind::ForeignKey | FieldKind::OneToOne => {
                    Some(DjangoRel::Forward(c.target.clone().unwrap_or_default()))
                }
                FieldKind::ManyToMany => {
                    Some(DjangoRel::ManyToMany(c.target.clone().unwrap_or_default()))
                }
                FieldKind::Plain => None,
            };
        }
        self.reverse
            .get(&(m.name.clone(), attr.to_string()))
            .map(|src| DjangoRel::Reverse(src.clone()))
    }

    /// Models defined in the module at `path`.
    pub fn models_in<'s>(&'s self, path: &'s str) -> impl Iterator<Item = &'s ModelFact> + 's {
        self.models
            .iter()
            .filter(move |(p, _)| p == path)
            .map(|(_, m)| m)
    }
}
