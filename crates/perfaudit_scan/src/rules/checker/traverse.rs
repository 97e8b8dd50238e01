//! The one traversal: walks a module's AST once, keeps the semantic model up to date (scopes,
//! bindings, annotations, types, async context, enclosing loops, route handlers) and calls the
//! dispatch site of each node kind (`codes::hooks`), where every rule is gated.

use super::{Checker, ClassCtx, FuncCtx, FunctionInfo, LoopCtx, LoopKind, N_PLUS_ONE};
use crate::python::parser::ast::{self, Expr, ExprContext, Stmt};
use crate::python::parser::visitor::{walk_expr, walk_stmt};
use crate::python::parser::{Ranged, TextSize, Visitor};
use crate::rules::codes::hooks;
use crate::rules::database;
use crate::semantic::annotations::{self, SubscriptKind};
use crate::semantic::bindings;
use crate::semantic::expr::{self as ex, target_names};
use crate::semantic::route;
use crate::semantic::{BindingKind, ScopeKind};

impl<'a> Checker<'a> {
    fn bind_target(&mut self, target: &'a Expr, value: Option<&'a Expr>) {
        match target {
            Expr::Name(n) => {
                let ty = value.and_then(|v| self.infer().value_type(v));
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
                        if let Some(t) = self.infer().value_type(v) {
                            if let Some(c) = self.classes.last_mut() {
                                c.attr_types.push((a.attr.as_str(), t));
                            }
                        }
                    }
                }
                self.visit_expr(&a.value);
            }
            Expr::Subscript(s) => {
                hooks::subscript_store(self, s);
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
                hooks::subscript_store(self, s);
                self.visit_expr(&s.value);
                self.visit_expr(&s.slice);
            }
            Expr::Attribute(a) => self.visit_expr(&a.value),
            other => self.visit_expr(other),
        }
    }

    fn handle_import(&mut self, stmt: &'a Stmt) {
        match stmt {
            Stmt::Import(imp) => {
                for alias in &imp.names {
                    let id = bindings::bind_import(&mut self.sem, imp.range.start(), alias);
                    hooks::import(self, alias.name.as_str(), alias, id);
                }
            }
            Stmt::ImportFrom(imp) => {
                for alias in &imp.names {
                    if let Some((qualified, id)) =
                        bindings::bind_import_from(&mut self.sem, imp, alias)
                    {
                        if imp.level == 0 {
                            hooks::import(self, &qualified, alias, id);
                        }
                    }
                }
            }
            _ => {}
        }
    }

    fn visit_annotation_expr(&mut self, expr: &'a Expr) {
        let (old_in, old_def) = (self.in_annotation, self.annotation_deferred);
        self.in_annotation = true;
        self.annotation_deferred = old_def || self.sem.future_annotations;
        self.visit_expr(expr);
        self.in_annotation = old_in;
        self.annotation_deferred = old_def;
    }

    fn string_annotation(&mut self, text: &str) {
        for n in annotations::string_annotation_names(text) {
            self.sem.load_deferred(n);
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

    fn visit_function(&mut self, f: &'a ast::StmtFunctionDef) {
        for d in &f.decorator_list {
            self.visit_expr(&d.expression);
        }
        self.visit_type_params_deferred(f.type_params.as_deref());
        hooks::function_def(self, f);
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
        bindings::bind_parameters(&mut self.sem, &f.parameters);
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
            let orm = self.loop_orm(&g.iter, &g.target);
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

    /// PA301/PA302's loop context: what a loop iterates over, when it is a query of a known
    /// model (built only when one of them is enabled).
    fn loop_orm(&self, iter: &'a Expr, target: &'a Expr) -> Option<database::LoopOrm<'a>> {
        if self.enabled.intersects(&N_PLUS_ONE) {
            database::loop_orm(self, iter, target)
        } else {
            None
        }
    }

    fn dispatch_call(&mut self, call: &'a ast::ExprCall, is_inner: bool) {
        self.callee_q = if self.infer().may_resolve_to_known(&call.func) {
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
        hooks::call(self, call, is_inner);
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
                hooks::class_def(self, c);
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
                            bindings::collect_dunder_all(&mut self.sem, &a.value);
                        }
                    }
                }
                hooks::assign(self, a);
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
                            bindings::collect_dunder_all(&mut self.sem, &a.value);
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
                }
                self.visit_annotation_expr(&a.annotation);
                match &*a.target {
                    Expr::Name(n) => {
                        let kind = if a.value.is_some() {
                            BindingKind::Other
                        } else {
                            BindingKind::Annotation
                        };
                        let ty = self.annotation_type(&a.annotation).or_else(|| {
                            a.value.as_deref().and_then(|v| self.infer().value_type(v))
                        });
                        self.sem
                            .bind(n.id.as_str(), kind, n.range, a.value.as_deref(), ty);
                        if let (Some(v), ScopeKind::Module) = (&a.value, self.sem.scope().kind) {
                            if n.id.as_str() == "__all__" {
                                bindings::collect_dunder_all(&mut self.sem, v);
                            }
                        }
                    }
                    other => self.bind_target(other, a.value.as_deref()),
                }
            }
            Stmt::For(f) => {
                self.visit_expr(&f.iter);
                let orm = self.loop_orm(&f.iter, &f.target);
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
                let tc = annotations::is_type_checking_test(&self.sem, &i.test);
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
                            hooks::subscript_delete(self, &s.value);
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
                    hooks::return_value(self, v);
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
                match annotations::subscript_kind(&self.sem, &s.value) {
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
                    bindings::bind_parameters(&mut self.sem, p);
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
                    let ty = self.infer().value_type(&n.value);
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
                hooks::await_(self, a);
                let old = self.awaited.replace(a.value.start());
                self.visit_expr(&a.value);
                self.awaited = old;
            }
            Expr::Attribute(a) => {
                if self.in_annotation {
                    self.visit_expr(&a.value);
                    return;
                }
                if !self.loops.is_empty()
                    && self.enabled.intersects(&N_PLUS_ONE)
                    && database::on_attribute(self, a)
                {
                    return;
                }
                self.visit_expr(&a.value);
            }
            Expr::Call(call) => {
                if !self.in_annotation {
                    let is_inner = self.callee_start == Some(call.start());
                    self.dispatch_call(call, is_inner);
                } else if let Some(first) = call.arguments.args.first() {
                    // typing.cast("T", x) style string types inside annotations
                    let _ = first;
                }
                // `cast("Type", x)`: the string is a type expression.
                if let Expr::Name(n) = &*call.func {
                    if n.id.as_str() == "cast" {
                        if let Some(Expr::StringLiteral(s)) = call.arguments.args.first() {
                            self.string_annotation(s.value.to_str());
                        }
                    }
                }
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
