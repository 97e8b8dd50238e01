//! The one traversal: walks a module's AST once, keeps the semantic model up to date (scopes,
//! bindings, types, async context, enclosing loops, route handlers) and dispatches every enabled
//! rule at the nodes it cares about.

use super::{
    caching, database, event_loop, http, startup, ModuleInput, ProjectIndex, Rule, RuleSet,
    RuleSettings,
};
use crate::python::parser::ast::{self, Expr, ExprContext, Stmt};
use crate::python::parser::visitor::{walk_expr, walk_stmt};
use crate::python::parser::{Ranged, TextRange, TextSize, Visitor};
use crate::semantic::expr::{self as ex, target_names};
use crate::semantic::route::{self, Handler};
use crate::semantic::types::{self, Ty};
use crate::semantic::{BindingKind, ScopeKind, SemanticModel};
use perfaudit_model::scan::Finding;
use perfaudit_model::Severity;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SubscriptKind {
    Literal,
    Annotated,
    Generic,
    Other,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoopKind {
    For,
    While,
    Comprehension,
}

pub struct LoopCtx<'a> {
    pub kind: LoopKind,
    pub iter: Option<&'a Expr>,
    pub target: Option<&'a Expr>,
    pub start: TextSize,
    /// A literal collection or `range(<literal>)`: few, fixed iterations.
    pub small: bool,
    /// PA301/PA302: what the loop iterates over, when it is a query of a known model.
    pub orm: Option<database::LoopOrm<'a>>,
}

pub struct FuncCtx<'a> {
    pub def: Option<&'a ast::StmtFunctionDef>,
    pub is_async: bool,
    pub handler: Option<Handler>,
    /// Start-up hook or cached factory (PA307 exclusions).
    pub startup: bool,
    /// Index into `loops` where this function's loops begin.
    pub loop_base: usize,
    /// Index into `Checker::functions` (PA307 call graph), lambdas share their parent's.
    pub id: usize,
}

pub struct ClassCtx<'a> {
    pub def: &'a ast::StmtClassDef,
    pub is_view: bool,
    /// `self.x = <constructor>()` types seen in the class's methods.
    pub attr_types: Vec<(&'a str, Ty)>,
}

/// One function of the module, for the PA307 call graph.
pub struct FunctionInfo<'a> {
    pub name: &'a str,
    pub handler: bool,
    pub startup: bool,
    pub calls: Vec<&'a str>,
}

pub struct Checker<'a> {
    pub input: &'a ModuleInput<'a>,
    pub project: &'a ProjectIndex,
    pub settings: &'a RuleSettings,
    enabled: RuleSet,
    pub sem: SemanticModel<'a>,
    pub funcs: Vec<FuncCtx<'a>>,
    pub loops: Vec<LoopCtx<'a>>,
    pub classes: Vec<ClassCtx<'a>>,
    pub functions: Vec<FunctionInfo<'a>>,
    pub findings: Vec<Finding>,
    /// Inside a `return`/`raise` statement (depth).
    pub in_return: u32,
    /// Depth of if/try/loop/with blocks in the current scope (for conditional `del`).
    conditional: u32,
    /// Visiting an annotation; `annotation_deferred` when it is not evaluated at runtime.
    in_annotation: bool,
    annotation_deferred: bool,
    /// Start of the call whose callee is being visited (inner calls of a chain share it).
    callee_start: Option<TextSize>,
    /// Start of the expression directly under `await`.
    pub awaited: Option<TextSize>,
    /// Qualified name of the callee of the call being dispatched, computed only when its last
    /// segment is one some rule matches on (see `QUALIFIED_CALLEES`).
    callee_q: Option<String>,
    pub is_test_module: bool,
    /// Tests, migrations, scripts, docs and examples: code that does not serve requests.
    pub is_offline: bool,
    pub is_init_module: bool,
    pub state: RuleState<'a>,
}

/// Per-module state of rules that decide at the end of the module.
#[derive(Default)]
pub struct RuleState<'a> {
    pub cache: caching::unbounded_cache::State<'a>,
    pub conn: database::connection_per_request::State,
    pub heavy: Vec<startup::heavy_import::Candidate>,
    pub migrations: database::blocking_index_migration::State,
    pub pa309_seen: Vec<(String, String)>,
}

/// Last segments of the callees some rule resolves to a qualified name; other calls skip the
/// (allocating) resolution.
const QUALIFIED_CALLEES: &[&str] = &[
    // PA101
    "sleep",
    // PA102 / PA201
    "get",
    "post",
    "put",
    "patch",
    "delete",
    "head",
    "options",
    "request",
    "stream",
    "urlopen",
    "Client",
    "AsyncClient",
    // PA103
    "open",
    "input",
    "run",
    "call",
    "check_call",
    "check_output",
    "Popen",
    "getoutput",
    "getstatusoutput",
    "system",
    "popen",
    // PA104 / PA307
    "connect",
    "Redis",
    "StrictRedis",
    "from_url",
    "create_pool",
    "create_engine",
    "create_async_engine",
    "MongoClient",
    "AsyncIOMotorClient",
    // PA202
    "Session",
    "session",
    "ClientSession",
];

impl<'a> Checker<'a> {
    pub fn new(
        input: &'a ModuleInput<'a>,
        project: &'a ProjectIndex,
        settings: &'a RuleSettings,
    ) -> Self {
        let enabled = settings.enabled;
        let p = input.rel_path;
        let file = p.rsplit('/').next().unwrap_or(p);
        let is_test_module = file.starts_with("test_")
            || file.ends_with("_test.py")
            || file == "conftest.py"
            || p.split('/')
                .any(|seg| seg == "tests" || seg == "test" || seg == "testing");
        const OFFLINE: &[&str] = &[
            "tests",
            "test",
            "testing",
            "migrations",
            "alembic",
            "versions",
            "revisions",
            "scripts",
            "script",
            "docs",
            "examples",
            "benchmarks",
            "fixtures",
        ];
        let stem = file.trim_end_matches(".py");
        let is_offline = is_test_module
            || ["populate", "random_data", "seed", "fake", "sample_data"]
                .iter()
                .any(|x| stem.starts_with(x))
            || p.split('/')
                .any(|seg| OFFLINE.contains(&seg) || seg.starts_with('.') && seg.len() > 1);
        Checker {
            input,
            is_offline,
            callee_q: None,
            project,
            settings,
            enabled,
            sem: SemanticModel::with_capacity(input.source.len()),
            funcs: Vec::new(),
            loops: Vec::new(),
            classes: Vec::new(),
            functions: Vec::new(),
            findings: Vec::new(),
            in_return: 0,
            conditional: 0,
            in_annotation: false,
            annotation_deferred: false,
            callee_start: None,
            awaited: None,
            is_test_module,
            is_init_module: file == "__init__.py",
            state: RuleState::default(),
        }
    }

    /// Is `rule` enabled? O(1): one bit per registry row.
    #[inline]
    pub fn enabled(&self, rule: Rule) -> bool {
        self.enabled.contains(rule)
    }

    /// Record a finding of `rule` at `range` with the rule's default severity.
    pub fn report(&mut self, rule: Rule, range: TextRange, message: String, help: String) {
        self.report_with(rule, range, message, help, None, None);
    }

    pub fn report_with(
        &mut self,
        rule: Rule,
        range: TextRange,
        message: String,
        help: String,
        severity: Option<Severity>,
        symbol: Option<String>,
    ) {
        let meta = rule.meta();
        let (line, column) = self.input.parsed.line_col(self.input.source, range.start());
        let (end_line, end_column) = self.input.parsed.line_col(self.input.source, range.end());
        self.findings.push(Finding {
            code: meta.code.to_string(),
            name: meta.name.to_string(),
            severity: severity.unwrap_or(meta.severity),
            path: self.input.rel_path.to_string(),
            line,
            column,
            message,
            help,
            symbol,
            end_line: Some(end_line),
            end_column: Some(end_column),
        });
    }

    pub fn line_of(&self, offset: TextSize) -> u32 {
        self.input.parsed.line_col(self.input.source, offset).0
    }

    /// Innermost function is `async def` (a nested sync def or a lambda is not).
    pub fn in_async(&self) -> bool {
        self.funcs.last().is_some_and(|f| f.is_async)
    }

    pub fn func(&self) -> Option<&FuncCtx<'a>> {
        self.funcs.last()
    }

    /// Loops of the current function, innermost last.
    pub fn current_loops(&self) -> &[LoopCtx<'a>] {
        let base = self.funcs.last().map_or(0, |f| f.loop_base);
        &self.loops[base.min(self.loops.len())..]
    }

    /// The innermost loop of the current function that runs many iterations (a `for` or a
    /// comprehension over something that is not a small literal), if any.
    pub fn iterating_loop(&self) -> Option<&LoopCtx<'a>> {
        let loops = self.current_loops();
        let last = loops.last()?;
        if last.kind == LoopKind::While || last.small {
            return None;
        }
        Some(last)
    }

    /// Qualified name of a name/attribute chain.
    pub fn qualified(&self, expr: &Expr) -> Option<String> {
        self.sem.qualified(expr)
    }

    /// The inferred type of an expression: a typed name, `self.attr`, or a constructor call.
    pub fn type_of(&self, expr: &Expr) -> Option<Ty> {
        match expr {
            Expr::Name(n) => self.sem.type_of_name(n.id.as_str()),
            Expr::Attribute(a) => {
                if let Expr::Name(n) = &*a.value {
                    if matches!(n.id.as_str(), "self" | "cls") {
                        let class = self.classes.last()?;
                        return class
                            .attr_types
                            .iter()
                            .rev()
                            .find(|(k, _)| *k == a.attr.as_str())
                            .map(|(_, t)| *t);
                    }
                }
                None
            }
            Expr::Call(c) => self.call_type(c),
            Expr::Await(a) => self.type_of(&a.value),
            _ => None,
        }
    }

    fn call_type(&self, c: &ast::ExprCall) -> Option<Ty> {
        let constructor = matches!(&*c.func, Expr::Name(_)) && self.may_resolve_to_known(&c.func)
            || ex::terminal_name(&c.func).is_some_and(|t| {
                matches!(
                    t,
                    "Session"
                        | "session"
                        | "Client"
                        | "AsyncClient"
                        | "ClientSession"
                        | "Redis"
                        | "StrictRedis"
                        | "RedisCluster"
                        | "from_url"
                        | "get_redis_connection"
                        | "create_redis_pool"
                        | "AsyncSession"
                        | "sessionmaker"
                        | "scoped_session"
                        | "async_sessionmaker"
                        | "create_engine"
                        | "connect"
                        | "Path"
                        | "PurePath"
                        | "PosixPath"
                )
            });
        if constructor {
            if let Some(q) = self.qualified(&c.func) {
                if let Some(t) = types::constructor_type(&q) {
                    return Some(t);
                }
            }
        }
        match &*c.func {
            Expr::Attribute(a) => {
                let recv = self.type_of(&a.value);
                match (recv, a.attr.as_str()) {
                    (Some(t), "pipeline") if t.is_redis() => Some(Ty::RedisPipeline),
                    (Some(Ty::DbApi), "cursor") => Some(Ty::DbApi),
                    (Some(Ty::SaEngine), "connect" | "begin") => Some(Ty::DbApi),
                    (_, "cursor") => Some(Ty::DbApi),
                    _ => None,
                }
            }
            Expr::Name(n) => match self.sem.type_of_name(n.id.as_str()) {
                Some(Ty::SaSessionFactory) => Some(Ty::SaSession),
                Some(Ty::SaAsyncSessionFactory) => Some(Ty::SaAsyncSession),
                _ => None,
            },
            _ => None,
        }
    }

    /// The type an annotation names (`Session`, `Annotated[Session, Depends(...)]`,
    /// `Optional[Session]`, a module-level alias of those).
    pub fn annotation_type(&self, ann: &Expr) -> Option<Ty> {
        match ann {
            Expr::Subscript(s) => {
                let base = self.qualified(&s.value).unwrap_or_default();
                let last = base.rsplit('.').next().unwrap_or_default();
                if matches!(last, "Annotated" | "Optional") {
                    let first = match &*s.slice {
                        Expr::Tuple(t) => t.elts.first(),
                        e => Some(e),
                    }?;
                    return self.annotation_type(first);
                }
                None
            }
            Expr::BinOp(b) => self
                .annotation_type(&b.left)
                .or_else(|| self.annotation_type(&b.right)),
            Expr::Name(n) => {
                if let Some(b) = self.sem.lookup(n.id.as_str()) {
                    let binding = self.sem.binding(b);
                    if let BindingKind::Import { qualified, .. } = &binding.kind {
                        return types::annotation_type(qualified);
                    }
                    if let Some(t) = binding.ty {
                        return Some(t);
                    }
                    // `SessionDep = Annotated[Session, Depends(get_db)]`
                    if let Some(v) = binding.value {
                        if matches!(v, Expr::Subscript(_)) {
                            return self.annotation_type(v);
                        }
                    }
                    return None;
                }
                None
            }
            Expr::Attribute(_) => self.qualified(ann).and_then(|q| types::annotation_type(&q)),
            Expr::StringLiteral(s) => {
                // "Session" as a forward reference
                let q = self.sem.lookup(s.value.to_str()).and_then(|b| {
                    match &self.sem.binding(b).kind {
                        BindingKind::Import { qualified, .. } => Some(qualified.clone()),
                        _ => None,
                    }
                })?;
                types::annotation_type(&q)
            }
            _ => None,
        }
    }

    /// Follow a name to the value it was last assigned in the visible scopes.
    pub fn value_of(&self, name: &str) -> Option<&'a Expr> {
        let b = self.sem.lookup(name)?;
        self.sem.binding(b).value
    }

    fn infer_value_type(&self, value: &Expr) -> Option<Ty> {
        match value {
            Expr::Call(c) => self.call_type(c),
            Expr::Await(a) => self.infer_value_type(&a.value),
            Expr::Name(n) => self.sem.type_of_name(n.id.as_str()),
            Expr::Attribute(_) => self.type_of(value),
            _ => None,
        }
    }

    // ----- binding helpers -----

    fn bind_target(&mut self, target: &'a Expr, value: Option<&'a Expr>) {
        match target {
            Expr::Name(n) => {
                let ty = value.and_then(|v| self.infer_value_type(v));
                self.sem
                    .bind(n.id.as_str(), BindingKind::Other, n.range, value, ty);
            }
            Expr::Tuple(_) | Expr::List(_) | Expr::Starred(_) => {
                let mut names = Vec::new();
                target_names(target, &mut names);
                // Non-name parts (attributes, subscripts) are loads.
                self.visit_target_parts(target);
                for n in names {
                    self.sem
                        .bind(n.id.as_str(), BindingKind::Other, n.range, None, None);
                }
            }
            Expr::Attribute(a) => {
                // self.x = requests.Session()
                if let (Expr::Name(n), Some(v)) = (&*a.value, value) {
                    if n.id.as_str() == "self" {
                        if let Some(t) = self.infer_value_type(v) {
                            if let Some(c) = self.classes.last_mut() {
                                c.attr_types.push((a.attr.as_str(), t));
                            }
                        }
                    }
                }
                self.visit_expr(&a.value);
            }
            Expr::Subscript(s) => {
                caching::unbounded_cache::on_subscript_store(self, s);
                self.visit_expr(&s.value);
                self.visit_expr(&s.slice);
            }
            other => self.visit_expr(other),
        }
    }

    fn visit_target_parts(&mut self, target: &'a Expr) {
        match target {
            Expr::Name(_) => {}
            Expr::Tuple(t) => t.elts.iter().for_each(|e| self.visit_target_parts(e)),
            Expr::List(l) => l.elts.iter().for_each(|e| self.visit_target_parts(e)),
            Expr::Starred(s) => self.visit_target_parts(&s.value),
            Expr::Subscript(s) => {
                caching::unbounded_cache::on_subscript_store(self, s);
                self.visit_expr(&s.value);
                self.visit_expr(&s.slice);
            }
            Expr::Attribute(a) => self.visit_expr(&a.value),
            other => self.visit_expr(other),
        }
    }

    fn bind_parameters(&mut self, params: &'a ast::Parameters) {
        for p in params
            .posonlyargs
            .iter()
            .chain(params.args.iter())
            .chain(params.kwonlyargs.iter())
        {
            let ty = p.annotation().and_then(|a| self.annotation_type(a));
            self.sem.bind(
                p.name().as_str(),
                BindingKind::Other,
                p.parameter.name.range,
                None,
                ty,
            );
        }
        if let Some(v) = &params.vararg {
            self.sem.bind(
                v.name.as_str(),
                BindingKind::Other,
                v.name.range,
                None,
                None,
            );
        }
        if let Some(v) = &params.kwarg {
            self.sem.bind(
                v.name.as_str(),
                BindingKind::Other,
                v.name.range,
                None,
                None,
            );
        }
    }

    fn is_type_checking_test(&self, test: &Expr) -> bool {
        match test {
            Expr::Name(n) => {
                n.id.as_str() == "TYPE_CHECKING"
                    || self
                        .qualified(test)
                        .is_some_and(|q| q.ends_with("TYPE_CHECKING"))
            }
            Expr::Attribute(a) => a.attr.as_str() == "TYPE_CHECKING",
            _ => false,
        }
    }

    fn handle_import(&mut self, stmt: &'a Stmt) {
        match stmt {
            Stmt::Import(imp) => {
                for alias in &imp.names {
                    let full = alias.name.as_str();
                    let (bound, submodule) = match &alias.asname {
                        Some(a) => (a.as_str(), false),
                        None => match full.find('.') {
                            Some(i) => (&full[..i], true),
                            None => (full, false),
                        },
                    };
                    let redundant = alias.asname.as_ref().is_some_and(|a| a.as_str() == full);
                    let range = alias.asname.as_ref().map_or(alias.name.range, |a| a.range);
                    let id = self.sem.bind(
                        bound,
                        BindingKind::Import {
                            qualified: full.to_string(),
                            redundant_alias: redundant,
                            future: false,
                            submodule,
                            stmt_start: imp.range.start(),
                        },
                        range,
                        None,
                        None,
                    );
                    startup::heavy_import::on_import(self, full, alias, id);
                }
            }
            Stmt::ImportFrom(imp) => {
                let module = imp.module.as_ref().map(|m| m.as_str()).unwrap_or("");
                let future = module == "__future__" && imp.level == 0;
                for alias in &imp.names {
                    let name = alias.name.as_str();
                    if name == "*" {
                        continue;
                    }
                    if future && name == "annotations" {
                        self.sem.future_annotations = true;
                    }
                    let bound = alias.asname.as_ref().map_or(name, |a| a.as_str());
                    let mut qualified = ".".repeat(imp.level as usize);
                    if !module.is_empty() {
                        qualified.push_str(module);
                        qualified.push('.');
                    }
                    qualified.push_str(name);
                    let redundant = alias.asname.as_ref().is_some_and(|a| a.as_str() == name);
                    let range = alias.asname.as_ref().map_or(alias.name.range, |a| a.range);
                    let id = self.sem.bind(
                        bound,
                        BindingKind::Import {
                            qualified: qualified.clone(),
                            redundant_alias: redundant,
                            future,
                            submodule: false,
                            stmt_start: imp.range.start(),
                        },
                        range,
                        None,
                        None,
                    );
                    if imp.level == 0 {
                        startup::heavy_import::on_import(self, &qualified, alias, id);
                    }
                }
            }
            _ => {}
        }
    }

    /// `__all__ = [...]`, `__all__ += [...]`, `__all__.extend([...])`, `__all__.append("x")`.
    fn collect_dunder_all(&mut self, value: &Expr) {
        match value {
            Expr::List(l) => l.elts.iter().for_each(|e| self.collect_dunder_all(e)),
            Expr::Tuple(t) => t.elts.iter().for_each(|e| self.collect_dunder_all(e)),
            Expr::StringLiteral(s) => self.sem.dunder_all.push(s.value.to_str().to_string()),
            Expr::BinOp(b) => {
                self.collect_dunder_all(&b.left);
                self.collect_dunder_all(&b.right);
            }
            _ => {}
        }
    }

    // ----- annotations -----

    fn visit_annotation_expr(&mut self, expr: &'a Expr) {
        let (old_in, old_def) = (self.in_annotation, self.annotation_deferred);
        self.in_annotation = true;
        self.annotation_deferred = old_def || self.sem.future_annotations;
        self.visit_expr(expr);
        self.in_annotation = old_in;
        self.annotation_deferred = old_def;
    }

    fn string_annotation(&mut self, text: &str) {
        if text.len() > 2000 {
            return;
        }
        if let Some(parsed) = crate::python::parser::parse_expression(text) {
            let mut names = Vec::new();
            collect_annotation_names(&parsed, &mut names, 0);
            for n in names {
                self.sem.load_deferred(n);
            }
        }
    }

    // ----- end of module -----

    pub fn finish(mut self) -> Vec<Finding> {
        self.sem.resolve_deferred();
        startup::unused_import::finish(&mut self);
        startup::heavy_import::finish(&mut self);
        caching::unbounded_cache::finish(&mut self);
        database::connection_per_request::finish(&mut self);
        database::blocking_index_migration::finish(&mut self);
        database::foreign_key_without_index::finish(&mut self);
        database::filter_without_index::finish(&mut self);
        let mut findings = self.findings;
        findings.sort_by(|a, b| (a.line, a.column, &a.code).cmp(&(b.line, b.column, &b.code)));
        findings.dedup_by(|a, b| a.line == b.line && a.column == b.column && a.code == b.code);
        findings
    }

    /// Strings that typing's functional forms read as type expressions, as ruff does:
    /// `cast("T", x)`, `TypeVar("T", "A", "B", bound="C", default="D")`, `NewType("N", "T")`,
    /// `NamedTuple("N", [("a", "T")])`, `TypedDict("D", {"a": "T"})` (and keyword fields),
    /// `TypeAliasType("A", "T")`, called by any name (`t.cast` after `import typing as t`).
    fn typing_call_strings(&mut self, call: &'a ast::ExprCall) {
        let (last, is_name) = match &*call.func {
            Expr::Name(n) => (n.id.as_str(), true),
            Expr::Attribute(a) => (a.attr.as_str(), false),
            _ => return,
        };
        const FORMS: &[&str] = &[
            "cast",
            "TypeVar",
            "ParamSpec",
            "TypeVarTuple",
            "NewType",
            "NamedTuple",
            "TypedDict",
            "TypeAliasType",
        ];
        // Cheap test first: the name of a form, or a name bound by an import (`as c`).
        let aliased = || {
            is_name
                && self
                    .sem
                    .lookup(last)
                    .is_some_and(|b| matches!(self.sem.binding(b).kind, BindingKind::Import { .. }))
        };
        if !FORMS.contains(&last) && !aliased() {
            return;
        }
        let Some(q) = self.qualified(&call.func) else {
            return;
        };
        let Some(form) = q
            .strip_prefix("typing.")
            .or_else(|| q.strip_prefix("typing_extensions."))
        else {
            return;
        };
        let args = &call.arguments.args;
        let mut strings: Vec<&'a str> = Vec::new();
        let string = |e: &'a Expr, out: &mut Vec<&'a str>| {
            if let Expr::StringLiteral(s) = e {
                out.push(s.value.to_str());
            }
        };
        match form {
            "cast" => {
                args.first()
                    .into_iter()
                    .for_each(|e| string(e, &mut strings));
                for k in call.arguments.keywords.iter() {
                    if k.arg.as_ref().is_some_and(|a| a.as_str() == "typ") {
                        string(&k.value, &mut strings);
                    }
                }
            }
            "TypeVar" | "ParamSpec" | "TypeVarTuple" => {
                args.iter().skip(1).for_each(|e| string(e, &mut strings));
                for k in call.arguments.keywords.iter() {
                    if k.arg
                        .as_ref()
                        .is_some_and(|a| matches!(a.as_str(), "bound" | "default"))
                    {
                        string(&k.value, &mut strings);
                    }
                }
            }
            "NewType" | "TypeAliasType" => {
                args.get(1)
                    .into_iter()
                    .for_each(|e| string(e, &mut strings));
                for k in call.arguments.keywords.iter() {
                    if k.arg
                        .as_ref()
                        .is_some_and(|a| matches!(a.as_str(), "tp" | "value"))
                    {
                        string(&k.value, &mut strings);
                    }
                }
            }
            "NamedTuple" => {
                if let Some(
                    Expr::List(ast::ExprList { elts, .. })
                    | Expr::Tuple(ast::ExprTuple { elts, .. }),
                ) = args.get(1)
                {
                    for field in elts {
                        if let Expr::Tuple(t) = field {
                            t.elts
                                .get(1)
                                .into_iter()
                                .for_each(|e| string(e, &mut strings));
                        }
                    }
                }
                for k in call.arguments.keywords.iter() {
                    string(&k.value, &mut strings);
                }
            }
            "TypedDict" => {
                if let Some(Expr::Dict(d)) = args.get(1) {
                    for item in &d.items {
                        string(&item.value, &mut strings);
                    }
                }
                for k in call.arguments.keywords.iter() {
                    if k.arg.as_ref().is_some_and(|a| a.as_str() != "total") {
                        string(&k.value, &mut strings);
                    }
                }
            }
            _ => {}
        }
        for s in strings {
            self.string_annotation(s);
        }
    }

    /// PEP 695 type parameters: bounds and defaults are lazily evaluated type expressions.
    fn visit_type_params_deferred(&mut self, tp: Option<&'a ast::TypeParams>) {
        let Some(tp) = tp else { return };
        let old = self.annotation_deferred;
        self.annotation_deferred = true;
        for p in &tp.type_params {
            let (bound, default) = match p {
                ast::TypeParam::TypeVar(t) => (t.bound.as_deref(), t.default.as_deref()),
                ast::TypeParam::ParamSpec(t) => (None, t.default.as_deref()),
                ast::TypeParam::TypeVarTuple(t) => (None, t.default.as_deref()),
            };
            for e in bound.into_iter().chain(default) {
                let was = std::mem::replace(&mut self.in_annotation, true);
                self.visit_expr(e);
                self.in_annotation = was;
            }
        }
        self.annotation_deferred = old;
    }

    /// How a subscript's slice is read: `Literal[...]` holds values, `Annotated[T, ...]` a type
    /// then metadata, typing/builtin/collections generics hold types (strings are forward
    /// references), anything else is ordinary code.
    fn subscript_kind(&self, value: &Expr) -> SubscriptKind {
        let Some(q) = self.qualified(value) else {
            return SubscriptKind::Other;
        };
        let (module, name) = match q.rsplit_once('.') {
            Some((m, n)) => (m, n),
            None => ("builtins", q.as_str()),
        };
        match (module, name) {
            ("typing" | "typing_extensions", "Literal") => SubscriptKind::Literal,
            ("typing" | "typing_extensions", "Annotated") => SubscriptKind::Annotated,
            ("typing" | "typing_extensions" | "collections.abc", _) => SubscriptKind::Generic,
            ("builtins", "list" | "dict" | "set" | "frozenset" | "tuple" | "type")
                if self.sem.lookup(name).is_none() =>
            {
                SubscriptKind::Generic
            }
            ("collections", "deque" | "defaultdict" | "OrderedDict" | "Counter" | "ChainMap") => {
                SubscriptKind::Generic
            }
            _ => SubscriptKind::Other,
        }
    }

    fn visit_function(&mut self, f: &'a ast::StmtFunctionDef) {
        for d in &f.decorator_list {
            self.visit_expr(&d.expression);
        }
        self.visit_type_params_deferred(f.type_params.as_deref());
        if self.enabled(Rule::UnboundedCache) {
            caching::unbounded_cache::on_function_def(self, f);
        }
        // Defaults in the enclosing scope, then annotations.
        for p in f.parameters.iter_non_variadic_params() {
            if let Some(d) = &p.default {
                self.visit_expr(d);
            }
        }
        for p in f.parameters.iter() {
            if let Some(a) = p.annotation() {
                self.visit_annotation_expr(a);
            }
        }
        if let Some(r) = &f.returns {
            self.visit_annotation_expr(r);
        }
        self.sem.bind(
            f.name.as_str(),
            BindingKind::Other,
            f.name.range,
            None,
            None,
        );

        let in_view_class = self.sem.scope().kind == ScopeKind::Class
            && self.classes.last().is_some_and(|c| c.is_view);
        let at_module = self.sem.scope().kind == ScopeKind::Module;
        let handler = if self.is_test_module {
            None
        } else {
            route::classify(f, in_view_class, at_module)
        };
        let startup = route::is_startup_or_factory(f);
        let id = self.functions.len();
        self.functions.push(FunctionInfo {
            name: f.name.as_str(),
            handler: handler.is_some(),
            startup,
            calls: Vec::new(),
        });
        // Handler parameters `x = Depends(get_x)` call get_x per request.
        if handler.is_some() {
            for p in f.parameters.iter_non_variadic_params() {
                let dep = p.default.as_deref().or_else(|| {
                    p.annotation().and_then(|a| match a {
                        Expr::Subscript(s) => match &*s.slice {
                            Expr::Tuple(t) => t.elts.get(1),
                            _ => None,
                        },
                        _ => None,
                    })
                });
                if let Some(Expr::Call(c)) = dep {
                    if let Some(Expr::Name(n)) = c.arguments.args.first() {
                        self.functions[id].calls.push(n.id.as_str());
                    }
                }
            }
        }
        let loop_base = self.loops.len();
        self.funcs.push(FuncCtx {
            def: Some(f),
            is_async: f.is_async,
            handler,
            startup,
            loop_base,
            id,
        });
        let old_cond = std::mem::replace(&mut self.conditional, 0);
        let old_return = std::mem::replace(&mut self.in_return, 0);
        self.sem.push_scope(ScopeKind::Function);
        self.bind_parameters(&f.parameters);
        self.visit_body(&f.body);
        self.sem.pop_scope();
        self.funcs.pop();
        self.conditional = old_cond;
        self.in_return = old_return;
    }

    fn visit_comprehension_expr(
        &mut self,
        generators: &'a [ast::Comprehension],
        elts: &[&'a Expr],
        start: TextSize,
    ) {
        let Some(first) = generators.first() else {
            return;
        };
        self.visit_expr(&first.iter);
        // A comprehension under `return` still iterates: its body is not "run once".
        let old_return = std::mem::replace(&mut self.in_return, 0);
        self.sem.push_scope(ScopeKind::Comprehension);
        let mut pushed = 0;
        for (i, g) in generators.iter().enumerate() {
            if i > 0 {
                self.visit_expr(&g.iter);
            }
            let mut names = Vec::new();
            target_names(&g.target, &mut names);
            for n in names {
                self.sem
                    .bind(n.id.as_str(), BindingKind::Other, n.range, None, None);
            }
            let orm = database::loop_orm(self, &g.iter, &g.target);
            self.loops.push(LoopCtx {
                kind: LoopKind::Comprehension,
                iter: Some(&g.iter),
                target: Some(&g.target),
                start,
                small: ex::is_small_literal_iter(&g.iter),
                orm,
            });
            pushed += 1;
            for cond in &g.ifs {
                self.visit_expr(cond);
            }
        }
        for e in elts {
            self.visit_expr(e);
        }
        for _ in 0..pushed {
            self.loops.pop();
        }
        self.sem.pop_scope();
        self.in_return = old_return;
    }

    fn visit_pattern_bindings(&mut self, p: &'a ast::Pattern) {
        use ast::Pattern as P;
        match p {
            P::MatchAs(m) => {
                if let Some(inner) = &m.pattern {
                    self.visit_pattern_bindings(inner);
                }
                if let Some(n) = &m.name {
                    self.sem
                        .bind(n.as_str(), BindingKind::Other, n.range, None, None);
                }
            }
            P::MatchStar(m) => {
                if let Some(n) = &m.name {
                    self.sem
                        .bind(n.as_str(), BindingKind::Other, n.range, None, None);
                }
            }
            P::MatchMapping(m) => {
                for k in &m.keys {
                    self.visit_expr(k);
                }
                for p in &m.patterns {
                    self.visit_pattern_bindings(p);
                }
                if let Some(n) = &m.rest {
                    self.sem
                        .bind(n.as_str(), BindingKind::Other, n.range, None, None);
                }
            }
            P::MatchSequence(s) => s
                .patterns
                .iter()
                .for_each(|p| self.visit_pattern_bindings(p)),
            P::MatchOr(o) => o
                .patterns
                .iter()
                .for_each(|p| self.visit_pattern_bindings(p)),
            P::MatchClass(c) => {
                self.visit_expr(&c.cls);
                for p in &c.arguments.patterns {
                    self.visit_pattern_bindings(p);
                }
                for k in &c.arguments.keywords {
                    self.visit_pattern_bindings(&k.pattern);
                }
            }
            P::MatchValue(v) => self.visit_expr(&v.value),
            P::MatchSingleton(_) => {}
        }
    }
}

/// Names a string annotation refers to (roots of attribute chains), skipping `Literal[...]`.
fn collect_annotation_names(e: &Expr, out: &mut Vec<String>, depth: u32) {
    collect_type_names(e, out, depth, false);
}

/// Inside `Literal[...]` (`in_literal`) strings are values, not forward references, but names
/// (`Literal[Color.RED]`) are still loads, as in ruff.
fn collect_type_names(e: &Expr, out: &mut Vec<String>, depth: u32, in_literal: bool) {
    if depth > 32 {
        return;
    }
    let rec = |x: &Expr, out: &mut Vec<String>| collect_type_names(x, out, depth + 1, in_literal);
    match e {
        Expr::Name(n) => out.push(n.id.to_string()),
        Expr::Attribute(a) => rec(&a.value, out),
        Expr::Subscript(s) => {
            rec(&s.value, out);
            let literal = match &*s.value {
                Expr::Name(n) => n.id.as_str() == "Literal",
                Expr::Attribute(a) => a.attr.as_str() == "Literal",
                _ => false,
            };
            collect_type_names(&s.slice, out, depth + 1, in_literal || literal);
        }
        Expr::Tuple(t) => t.elts.iter().for_each(|x| rec(x, out)),
        Expr::List(t) => t.elts.iter().for_each(|x| rec(x, out)),
        Expr::BinOp(b) => {
            rec(&b.left, out);
            rec(&b.right, out);
        }
        Expr::Call(c) => {
            rec(&c.func, out);
            c.arguments.args.iter().for_each(|x| rec(x, out));
        }
        Expr::StringLiteral(s) if !in_literal => {
            if let Some(inner) = crate::python::parser::parse_expression(s.value.to_str()) {
                rec(&inner, out);
            }
        }
        _ => {}
    }
}

impl<'a> Visitor<'a> for Checker<'a> {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        match stmt {
            Stmt::FunctionDef(f) => self.visit_function(f),
            Stmt::ClassDef(c) => {
                for d in &c.decorator_list {
                    self.visit_expr(&d.expression);
                }
                self.visit_type_params_deferred(c.type_params.as_deref());
                if let Some(args) = &c.arguments {
                    for a in args.args.iter() {
                        self.visit_expr(a);
                    }
                    for k in args.keywords.iter() {
                        self.visit_expr(&k.value);
                    }
                }
                if self.enabled(Rule::UnpaginatedListEndpoint) {
                    database::unpaginated_list_endpoint::check_class(self, c);
                }
                self.classes.push(ClassCtx {
                    def: c,
                    is_view: route::is_view_class(c),
                    attr_types: Vec::new(),
                });
                let old_cond = std::mem::replace(&mut self.conditional, 0);
                self.sem.push_scope(ScopeKind::Class);
                self.visit_body(&c.body);
                self.sem.pop_scope();
                self.conditional = old_cond;
                self.classes.pop();
                self.sem.bind(
                    c.name.as_str(),
                    BindingKind::Other,
                    c.name.range,
                    None,
                    None,
                );
            }
            Stmt::Import(_) | Stmt::ImportFrom(_) => self.handle_import(stmt),
            Stmt::Assign(a) => {
                self.visit_expr(&a.value);
                if self.sem.scope().kind == ScopeKind::Module {
                    if let Some(Expr::Name(n)) = a.targets.first() {
                        if n.id.as_str() == "__all__" {
                            self.collect_dunder_all(&a.value);
                        }
                    }
                    caching::unbounded_cache::on_module_assign(self, a);
                } else if self.sem.scope().kind == ScopeKind::Class {
                    caching::unbounded_cache::on_class_assign(self, a);
                } else {
                    caching::unbounded_cache::on_function_assign(self, a);
                }
                for t in &a.targets {
                    self.bind_target(t, Some(&a.value));
                }
            }
            Stmt::AugAssign(a) => {
                self.visit_expr(&a.value);
                match &*a.target {
                    Expr::Name(n) => {
                        if n.id.as_str() == "__all__" && self.sem.scope().kind == ScopeKind::Module
                        {
                            self.collect_dunder_all(&a.value);
                        }
                        self.sem.load(n.id.as_str());
                        self.sem
                            .bind(n.id.as_str(), BindingKind::Other, n.range, None, None);
                    }
                    other => self.visit_expr(other),
                }
            }
            Stmt::AnnAssign(a) => {
                if let Some(v) = &a.value {
                    self.visit_expr(v);
                    // `X: TypeAlias = "Foo | None"`: the string is a type expression.
                    if let Expr::StringLiteral(s) = &**v {
                        if self.qualified(&a.annotation).is_some_and(|q| {
                            q == "typing.TypeAlias" || q == "typing_extensions.TypeAlias"
                        }) {
                            self.string_annotation(s.value.to_str());
                        }
                    }
                }
                self.visit_annotation_expr(&a.annotation);
                match &*a.target {
                    Expr::Name(n) => {
                        let kind = if a.value.is_some() {
                            BindingKind::Other
                        } else {
                            BindingKind::Annotation
                        };
                        let ty = self
                            .annotation_type(&a.annotation)
                            .or_else(|| a.value.as_deref().and_then(|v| self.infer_value_type(v)));
                        self.sem
                            .bind(n.id.as_str(), kind, n.range, a.value.as_deref(), ty);
                        if let (Some(v), ScopeKind::Module) = (&a.value, self.sem.scope().kind) {
                            if n.id.as_str() == "__all__" {
                                self.collect_dunder_all(v);
                            }
                        }
                    }
                    other => self.bind_target(other, a.value.as_deref()),
                }
            }
            Stmt::For(f) => {
                self.visit_expr(&f.iter);
                let orm = database::loop_orm(self, &f.iter, &f.target);
                self.bind_target(&f.target, None);
                self.loops.push(LoopCtx {
                    kind: LoopKind::For,
                    iter: Some(&f.iter),
                    target: Some(&f.target),
                    start: f.range.start(),
                    small: ex::is_small_literal_iter(&f.iter),
                    orm,
                });
                self.conditional += 1;
                self.visit_body(&f.body);
                self.loops.pop();
                self.visit_body(&f.orelse);
                self.conditional -= 1;
            }
            Stmt::While(w) => {
                self.visit_expr(&w.test);
                self.loops.push(LoopCtx {
                    kind: LoopKind::While,
                    iter: None,
                    target: None,
                    start: w.range.start(),
                    small: false,
                    orm: None,
                });
                self.conditional += 1;
                self.visit_body(&w.body);
                self.loops.pop();
                self.visit_body(&w.orelse);
                self.conditional -= 1;
            }
            Stmt::If(i) => {
                self.visit_expr(&i.test);
                let tc = self.is_type_checking_test(&i.test);
                self.conditional += 1;
                if tc {
                    self.sem.type_checking_depth += 1;
                }
                self.visit_body(&i.body);
                if tc {
                    self.sem.type_checking_depth -= 1;
                }
                for clause in &i.elif_else_clauses {
                    if let Some(t) = &clause.test {
                        self.visit_expr(t);
                    }
                    self.visit_body(&clause.body);
                }
                self.conditional -= 1;
            }
            Stmt::Try(t) => {
                self.conditional += 1;
                self.visit_body(&t.body);
                for h in &t.handlers {
                    let ast::ExceptHandler::ExceptHandler(h) = h;
                    if let Some(ty) = &h.type_ {
                        self.visit_expr(ty);
                    }
                    match &h.name {
                        Some(n) => {
                            let prev = self.sem.scope().names.get(n.as_str()).copied();
                            self.sem
                                .bind(n.as_str(), BindingKind::Other, n.range, None, None);
                            self.visit_body(&h.body);
                            self.sem.restore(n.as_str(), prev);
                        }
                        None => self.visit_body(&h.body),
                    }
                }
                self.visit_body(&t.orelse);
                self.visit_body(&t.finalbody);
                self.conditional -= 1;
            }
            Stmt::With(w) => {
                for item in &w.items {
                    self.visit_expr(&item.context_expr);
                    if let Some(v) = &item.optional_vars {
                        self.bind_target(v, Some(&item.context_expr));
                    }
                }
                self.conditional += 1;
                self.visit_body(&w.body);
                self.conditional -= 1;
            }
            Stmt::Delete(d) => {
                for t in &d.targets {
                    match t {
                        Expr::Name(n) => {
                            let cond = self.conditional > 0;
                            self.sem.delete(n.id.as_str(), n.range, cond);
                        }
                        Expr::Subscript(s) => {
                            caching::unbounded_cache::on_evict(self, &s.value);
                            self.visit_expr(t);
                        }
                        other => self.visit_expr(other),
                    }
                }
            }
            Stmt::Global(g) => {
                for n in &g.names {
                    self.sem.declare_global(n.as_str());
                }
            }
            Stmt::Nonlocal(g) => {
                for n in &g.names {
                    self.sem.declare_global(n.as_str());
                }
            }
            Stmt::Return(r) => {
                if let Some(v) = &r.value {
                    if self.enabled(Rule::UnpaginatedListEndpoint) {
                        database::unpaginated_list_endpoint::check_return(self, v);
                    }
                    self.in_return += 1;
                    self.visit_expr(v);
                    self.in_return -= 1;
                }
            }
            Stmt::Raise(_) => {
                self.in_return += 1;
                walk_stmt(self, stmt);
                self.in_return -= 1;
            }
            Stmt::Match(m) => {
                self.visit_expr(&m.subject);
                self.conditional += 1;
                for case in &m.cases {
                    self.visit_pattern_bindings(&case.pattern);
                    if let Some(g) = &case.guard {
                        self.visit_expr(g);
                    }
                    self.visit_body(&case.body);
                }
                self.conditional -= 1;
            }
            _ => walk_stmt(self, stmt),
        }
    }

    fn visit_annotation(&mut self, expr: &'a Expr) {
        self.visit_annotation_expr(expr);
    }

    fn visit_expr(&mut self, expr: &'a Expr) {
        match expr {
            Expr::Name(n) => {
                if matches!(n.ctx, ExprContext::Load) {
                    if self.in_annotation && self.annotation_deferred {
                        self.sem.load_deferred_borrowed(n.id.as_str());
                    } else {
                        self.sem.load(n.id.as_str());
                    }
                }
            }
            Expr::StringLiteral(s) if self.in_annotation => {
                self.string_annotation(s.value.to_str());
            }
            Expr::Subscript(s) if matches!(s.ctx, ExprContext::Load) => {
                self.visit_expr(&s.value);
                match self.subscript_kind(&s.value) {
                    SubscriptKind::Literal => {
                        let old = std::mem::replace(&mut self.in_annotation, false);
                        self.visit_expr(&s.slice);
                        self.in_annotation = old;
                    }
                    SubscriptKind::Annotated => {
                        let old = self.in_annotation;
                        match &*s.slice {
                            Expr::Tuple(t) => {
                                for (i, e) in t.elts.iter().enumerate() {
                                    self.in_annotation = i == 0;
                                    self.visit_expr(e);
                                }
                            }
                            other => {
                                self.in_annotation = true;
                                self.visit_expr(other);
                            }
                        }
                        self.in_annotation = old;
                    }
                    SubscriptKind::Generic => {
                        let old = std::mem::replace(&mut self.in_annotation, true);
                        self.visit_expr(&s.slice);
                        self.in_annotation = old;
                    }
                    SubscriptKind::Other => {
                        let old = self.callee_start.take();
                        self.visit_expr(&s.slice);
                        self.callee_start = old;
                    }
                }
            }
            Expr::Lambda(l) => {
                if let Some(p) = &l.parameters {
                    for d in p.iter_non_variadic_params() {
                        if let Some(d) = &d.default {
                            self.visit_expr(d);
                        }
                    }
                }
                let id = self.funcs.last().map_or(usize::MAX, |f| f.id);
                let loop_base = self.loops.len();
                self.funcs.push(FuncCtx {
                    def: None,
                    is_async: false,
                    handler: None,
                    startup: false,
                    loop_base,
                    id,
                });
                self.sem.push_scope(ScopeKind::Lambda);
                if let Some(p) = &l.parameters {
                    self.bind_parameters(p);
                }
                self.visit_expr(&l.body);
                self.sem.pop_scope();
                self.funcs.pop();
            }
            Expr::ListComp(c) => {
                self.visit_comprehension_expr(&c.generators, &[&c.elt], c.range.start())
            }
            Expr::SetComp(c) => {
                self.visit_comprehension_expr(&c.generators, &[&c.elt], c.range.start())
            }
            Expr::Generator(c) => {
                self.visit_comprehension_expr(&c.generators, &[&c.elt], c.range.start())
            }
            Expr::DictComp(c) => {
                let mut elts: Vec<&'a Expr> = Vec::with_capacity(2);
                if let Some(k) = &c.key {
                    elts.push(k);
                }
                elts.push(&c.value);
                self.visit_comprehension_expr(&c.generators, &elts, c.range.start())
            }
            Expr::Named(n) => {
                self.visit_expr(&n.value);
                if let Expr::Name(t) = &*n.target {
                    // Walrus binds in the nearest non-comprehension scope.
                    let mut sid = self.sem.current;
                    while self.sem.scopes[sid as usize].kind == ScopeKind::Comprehension {
                        match self.sem.scopes[sid as usize].parent {
                            Some(p) => sid = p,
                            None => break,
                        }
                    }
                    let ty = self.infer_value_type(&n.value);
                    self.sem.bind_in(
                        sid,
                        t.id.as_str(),
                        BindingKind::Other,
                        t.range,
                        Some(&n.value),
                        ty,
                    );
                }
            }
            Expr::Await(a) => {
                if self.enabled(Rule::SequentialAwaitInLoop) {
                    event_loop::sequential_await::check_await(self, a);
                }
                let old = self.awaited.replace(a.value.start());
                self.visit_expr(&a.value);
                self.awaited = old;
            }
            Expr::Attribute(a) => {
                if self.in_annotation {
                    self.visit_expr(&a.value);
                    return;
                }
                if !self.loops.is_empty() && database::on_attribute(self, a) {
                    return;
                }
                self.visit_expr(&a.value);
            }
            Expr::Call(call) => {
                if !self.in_annotation {
                    let is_inner = self.callee_start == Some(call.start());
                    self.dispatch_call(call, is_inner);
                }
                self.typing_call_strings(call);
                let old = self.callee_start.replace(call.start());
                self.visit_expr(&call.func);
                self.callee_start = None;
                let old_await = self.awaited.take();
                for a in call.arguments.args.iter() {
                    self.visit_expr(a);
                }
                for k in call.arguments.keywords.iter() {
                    self.visit_expr(&k.value);
                }
                self.awaited = old_await;
                self.callee_start = old;
            }
            _ => {
                let old = self.callee_start.take();
                walk_expr(self, expr);
                self.callee_start = old;
            }
        }
    }
}

impl<'a> Checker<'a> {
    /// Cheap test before resolving a callee: an attribute whose last segment some rule knows,
    /// or a name bound by an import (`from time import sleep as nap`) or a known builtin.
    fn may_resolve_to_known(&self, func: &Expr) -> bool {
        match func {
            Expr::Attribute(a) => QUALIFIED_CALLEES.contains(&a.attr.as_str()),
            Expr::Name(n) => match self.sem.lookup(n.id.as_str()) {
                Some(b) => matches!(self.sem.binding(b).kind, BindingKind::Import { .. }),
                None => QUALIFIED_CALLEES.contains(&n.id.as_str()),
            },
            _ => false,
        }
    }

    /// The qualified name of the call being dispatched (see `callee_q`).
    pub fn callee_qualified(&self) -> Option<String> {
        self.callee_q.clone()
    }

    fn dispatch_call(&mut self, call: &'a ast::ExprCall, is_inner: bool) {
        self.callee_q = if self.may_resolve_to_known(&call.func) {
            self.qualified(&call.func)
        } else {
            None
        };
        // Call graph for PA307.
        if let Some(f) = self.funcs.last() {
            let id = f.id;
            let callee = match &*call.func {
                Expr::Name(n) => Some(n.id.as_str()),
                Expr::Attribute(a) if matches!(&*a.value, Expr::Name(n) if n.id.as_str() == "self" || n.id.as_str() == "cls") => {
                    Some(a.attr.as_str())
                }
                _ => None,
            };
            if let (Some(c), Some(info)) = (callee, self.functions.get_mut(id)) {
                if info.calls.len() < 256 {
                    info.calls.push(c);
                }
            }
        }
        if self.in_async() {
            if self.enabled(Rule::BlockingSleepInAsync) {
                event_loop::blocking_sleep::check_call(self, call);
            }
            if self.enabled(Rule::BlockingHttpInAsync) {
                event_loop::blocking_http::check_call(self, call);
            }
            if self.enabled(Rule::BlockingIoInAsync) {
                event_loop::blocking_io::check_call(self, call);
            }
            if self.enabled(Rule::SyncDbInAsync) {
                event_loop::sync_db::check_call(self, call);
            }
        }
        if self.enabled(Rule::HttpCallWithoutTimeout) {
            http::timeout::check_call(self, call);
        }
        if self.enabled(Rule::HttpClientPerCall) {
            http::client_per_call::check_call(self, call);
        }
        if !is_inner && self.enabled(Rule::QueryInLoop) {
            database::query_in_loop::check_call(self, call);
        }
        if self.enabled(Rule::CountByFetching) {
            database::count_by_fetching::check_call(self, call);
        }
        if self.enabled(Rule::SelectStar) {
            database::select_star::check_call(self, call);
        }
        if self.enabled(Rule::ConnectionPerRequest) {
            database::connection_per_request::check_call(self, call);
        }
        if self.enabled(Rule::FilterOrSortWithoutIndex) {
            database::filter_without_index::check_call(self, call);
        }
        if self.enabled(Rule::BlockingIndexMigration) {
            database::blocking_index_migration::check_call(self, call);
        }
        if self.enabled(Rule::RedisKeys) {
            caching::redis_keys::check_call(self, call);
        }
        if self.enabled(Rule::RedisRoundtripInLoop) {
            caching::redis_roundtrip::check_call(self, call);
        }
        if self.enabled(Rule::UnboundedCache) {
            caching::unbounded_cache::check_call(self, call);
        }
    }
}
