//! The module checker: the state one traversal keeps (semantic model, enclosing functions,
//! loops and classes, per-rule state) and the API the rules use (`enabled`, `report`, `type_of`,
//! `callee_qualified`, ...).
//!
//! - `traverse`: walks a module's AST once, keeps the semantic model up to date (through
//!   `semantic::{bindings, annotations, infer}`) and calls the dispatch sites of
//!   `codes::hooks` (one per node kind, generated from the registry rows; every rule is gated
//!   there by being enabled).

mod traverse;

use super::codes::{self, hooks, RuleState};
use super::{database, ModuleInput, ProjectIndex, Rule, RuleSet, RuleSettings};
use crate::python::parser::ast::{self, Expr};
use crate::python::parser::{TextRange, TextSize};
use crate::semantic::infer::Infer;
use crate::semantic::route::Handler;
use crate::semantic::types::Ty;
use crate::semantic::SemanticModel;
use perfaudit_model::scan::Finding;
use perfaudit_model::Severity;

/// The rules reached through the loop context (`database::loop_orm`, `database::on_attribute`).
const N_PLUS_ONE: RuleSet =
    RuleSet::from_rules_const(&[Rule::NPlusOneSqlalchemy, Rule::NPlusOneDjango]);

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
    /// segment is one some rule matches on (the `CALLEES` the rules declare).
    callee_q: Option<String>,
    pub is_test_module: bool,
    /// Tests, migrations, scripts, docs and examples: code that does not serve requests.
    pub is_offline: bool,
    pub is_init_module: bool,
    pub state: RuleState<'a>,
}

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

    /// Type inference at this point of the traversal (`semantic::infer`).
    pub fn infer(&self) -> Infer<'_, 'a> {
        Infer {
            sem: &self.sem,
            class_attrs: self.classes.last().map_or(&[], |c| &c.attr_types[..]),
            callees: codes::callees(),
        }
    }

    /// The inferred type of an expression: a typed name, `self.attr`, or a constructor call.
    pub fn type_of(&self, expr: &Expr) -> Option<Ty> {
        self.infer().type_of(expr)
    }

    /// The type an annotation names (`Session`, `Annotated[Session, Depends(...)]`,
    /// `Optional[Session]`, a module-level alias of those).
    pub fn annotation_type(&self, ann: &Expr) -> Option<Ty> {
        self.infer().annotation_type(ann)
    }

    /// Follow a name to the value it was last assigned in the visible scopes.
    pub fn value_of(&self, name: &str) -> Option<&'a Expr> {
        let b = self.sem.lookup(name)?;
        self.sem.binding(b).value
    }

    pub fn finish(mut self) -> Vec<Finding> {
        self.sem.resolve_deferred();
        hooks::finish(&mut self);
        let mut findings = self.findings;
        findings.sort_by(|a, b| (a.line, a.column, &a.code).cmp(&(b.line, b.column, &b.code)));
        findings.dedup_by(|a, b| a.line == b.line && a.column == b.column && a.code == b.code);
        findings
    }
}

impl<'a> Checker<'a> {
    /// The qualified name of the call being dispatched (see `callee_q`).
    pub fn callee_qualified(&self) -> Option<String> {
        self.callee_q.clone()
    }
}
