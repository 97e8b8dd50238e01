//! The semantic layer shared by the rules: scopes and bindings (with F401-compatible name
//! resolution), import/alias resolution to qualified names, simple local type inference, route
//! handler detection, and the project-wide model index.
//!
//! The model is filled while the rule checker walks a module once (`rules::checker`); rules ask
//! it questions ("what does `rq.get` resolve to?", "is `s` a `requests.Session`?").

pub mod annotations;
pub mod bindings;
pub mod expr;
pub mod infer;
pub mod models;
pub mod route;
pub mod types;

use crate::python::parser::{ast::Expr, TextRange, TextSize};
use rustc_hash::FxHashMap;
pub use types::Ty;

pub type ScopeId = u32;
pub type BindingId = u32;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScopeKind {
    Module,
    Class,
    Function,
    Lambda,
    Comprehension,
}

impl ScopeKind {
    fn is_function_like(self) -> bool {
        matches!(self, ScopeKind::Function | ScopeKind::Lambda)
    }
}

#[derive(Debug)]
pub struct Scope<'a> {
    pub kind: ScopeKind,
    pub parent: Option<ScopeId>,
    pub names: FxHashMap<&'a str, BindingId>,
    /// Names declared `global`/`nonlocal` in this scope.
    pub globals: Vec<&'a str>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BindingKind {
    /// An import: the qualified name it binds (`os.path` for `import os.path`, `a.b` for
    /// `from a import b`, `.x.y` for `from .x import y`).
    Import {
        qualified: String,
        /// `import x as x`, `from y import x as x`: an explicit re-export.
        redundant_alias: bool,
        future: bool,
        /// `import a.b` (binds `a`).
        submodule: bool,
        /// Start of the import statement (a `# noqa` there covers every alias, as in ruff).
        stmt_start: TextSize,
    },
    /// Any other binding (assignment, def, class, parameter, loop target...).
    Other,
    /// An annotation without a value (`x: int`).
    Annotation,
    /// `del x`.
    Deletion,
}

#[derive(Debug)]
pub struct Binding<'a> {
    pub name: &'a str,
    pub kind: BindingKind,
    /// Where the name is bound (for imports: the alias, `os` in `import os`).
    pub range: TextRange,
    pub scope: ScopeId,
    pub used: bool,
    /// Used from module or class scope code that runs at import time.
    pub used_at_import_time: bool,
    pub global: bool,
    /// Inside `if TYPE_CHECKING:`.
    pub type_checking: bool,
    /// The binding this one replaced in the same scope.
    pub shadowed: Option<BindingId>,
    /// The assigned value for `name = value`.
    pub value: Option<&'a Expr>,
    /// What the checker inferred about the bound object.
    pub ty: Option<Ty>,
}

/// A load resolved at the end of the module, against the final state of the enclosing scopes
/// (function bodies and deferred annotations), as ruff does.
struct Deferred<'a> {
    scope: ScopeId,
    name: DeferredName<'a>,
    /// True when resolution must skip class scopes (the load was inside a function).
    seen_function: bool,
}

enum DeferredName<'a> {
    Borrowed(&'a str),
    Owned(String),
}

impl DeferredName<'_> {
    fn as_str(&self) -> &str {
        match self {
            DeferredName::Borrowed(s) => s,
            DeferredName::Owned(s) => s,
        }
    }
}

#[derive(Default)]
pub struct SemanticModel<'a> {
    pub scopes: Vec<Scope<'a>>,
    pub bindings: Vec<Binding<'a>>,
    pub current: ScopeId,
    deferred: Vec<Deferred<'a>>,
    /// Depth of `if TYPE_CHECKING:` blocks being visited.
    pub type_checking_depth: u32,
    /// Names listed in `__all__` (module scope), with their ranges.
    pub dunder_all: Vec<String>,
    /// `from __future__ import annotations` seen.
    pub future_annotations: bool,
}

impl<'a> SemanticModel<'a> {
    pub fn new() -> Self {
        Self::with_capacity(0)
    }

    /// A model pre-sized for a module of `source_len` bytes (fewer reallocations).
    pub fn with_capacity(source_len: usize) -> Self {
        let mut m = SemanticModel {
            bindings: Vec::with_capacity(source_len / 48 + 16),
            scopes: Vec::with_capacity(source_len / 600 + 4),
            deferred: Vec::with_capacity(source_len / 64 + 16),
            ..Default::default()
        };
        m.scopes.push(Scope {
            kind: ScopeKind::Module,
            parent: None,
            names: FxHashMap::default(),
            globals: Vec::new(),
        });
        m
    }

    pub fn push_scope(&mut self, kind: ScopeKind) -> ScopeId {
        let id = self.scopes.len() as ScopeId;
        let mut names = FxHashMap::default();
        if kind == ScopeKind::Function {
            names.reserve(8);
        }
        self.scopes.push(Scope {
            kind,
            parent: Some(self.current),
            names,
            globals: Vec::new(),
        });
        self.current = id;
        id
    }

    pub fn pop_scope(&mut self) {
        if let Some(p) = self.scopes[self.current as usize].parent {
            self.current = p;
        }
    }

    pub fn scope(&self) -> &Scope<'a> {
        &self.scopes[self.current as usize]
    }

    /// True when the code being visited runs at import time (module or class body, not
    /// inside any function or lambda).
    pub fn at_import_time(&self) -> bool {
        let mut id = Some(self.current);
        while let Some(s) = id {
            let scope = &self.scopes[s as usize];
            if scope.kind.is_function_like() {
                return false;
            }
            id = scope.parent;
        }
        true
    }

    /// Bind `name` in the current scope (or the nearest non-comprehension scope for walrus).
    pub fn bind(
        &mut self,
        name: &'a str,
        kind: BindingKind,
        range: TextRange,
        value: Option<&'a Expr>,
        ty: Option<Ty>,
    ) -> BindingId {
        let scope_id = self.current;
        self.bind_in(scope_id, name, kind, range, value, ty)
    }

    pub fn bind_in(
        &mut self,
        scope_id: ScopeId,
        name: &'a str,
        kind: BindingKind,
        range: TextRange,
        value: Option<&'a Expr>,
        ty: Option<Ty>,
    ) -> BindingId {
        let id = self.bindings.len() as BindingId;
        let existing = self.scopes[scope_id as usize].names.get(name).copied();
        if kind == BindingKind::Annotation && existing.is_some() {
            return existing.unwrap_or(id);
        }
        let mut used = false;
        let mut used_at_import_time = false;
        let mut global = self.scopes[scope_id as usize].globals.contains(&name);
        if let Some(e) = existing {
            let old = &self.bindings[e as usize];
            if !matches!(old.kind, BindingKind::Deletion) {
                used = old.used;
                used_at_import_time = old.used_at_import_time;
                global |= old.global;
            }
        }
        self.bindings.push(Binding {
            name,
            kind,
            range,
            scope: scope_id,
            used,
            used_at_import_time,
            global,
            type_checking: self.type_checking_depth > 0,
            shadowed: existing,
            value,
            ty,
        });
        self.scopes[scope_id as usize].names.insert(name, id);
        id
    }

    /// `del name`: counts as a use; unless conditional, the name is unbound afterwards.
    pub fn delete(&mut self, name: &'a str, range: TextRange, conditional: bool) {
        self.load(name);
        if !conditional {
            let id = self.bindings.len() as BindingId;
            let scope_id = self.current;
            self.bindings.push(Binding {
                name,
                kind: BindingKind::Deletion,
                range,
                scope: scope_id,
                used: false,
                used_at_import_time: false,
                global: false,
                type_checking: false,
                shadowed: None,
                value: None,
                ty: None,
            });
            self.scopes[scope_id as usize].names.insert(name, id);
        }
    }

    /// Restore `name` in the current scope to `previous` (or remove it): the end of an
    /// `except ... as name:` block.
    pub fn restore(&mut self, name: &'a str, previous: Option<BindingId>) {
        let scope = &mut self.scopes[self.current as usize];
        match previous {
            Some(p) => {
                scope.names.insert(name, p);
            }
            None => {
                scope.names.remove(name);
            }
        }
    }

    pub fn declare_global(&mut self, name: &'a str) {
        let cur = self.current as usize;
        self.scopes[cur].globals.push(name);
        if let Some(&b) = self.scopes[cur].names.get(name) {
            self.bindings[b as usize].global = true;
        }
    }

    /// The binding `name` refers to right now (in-order lookup), if any.
    pub fn lookup(&self, name: &str) -> Option<BindingId> {
        let mut id = Some(self.current);
        let mut seen_function = false;
        let mut first = true;
        while let Some(s) = id {
            let scope = &self.scopes[s as usize];
            if !(seen_function && scope.kind == ScopeKind::Class && !first) {
                if let Some(&b) = scope.names.get(name) {
                    if matches!(self.bindings[b as usize].kind, BindingKind::Deletion) {
                        return None;
                    }
                    return Some(b);
                }
            }
            if scope.kind.is_function_like() {
                seen_function = true;
            }
            first = false;
            id = scope.parent;
        }
        None
    }

    pub fn binding(&self, id: BindingId) -> &Binding<'a> {
        &self.bindings[id as usize]
    }

    /// A load of `name` from the current scope: resolved now through the scopes up to the
    /// nearest function, later (against the final state) beyond it.
    pub fn load(&mut self, name: &'a str) {
        self.load_name(DeferredName::Borrowed(name), false);
    }

    /// A load that happens in a deferred annotation (string annotation, or any annotation
    /// under `from __future__ import annotations`): resolved at the end of the module.
    pub fn load_deferred(&mut self, name: String) {
        self.deferred.push(Deferred {
            scope: self.current,
            name: DeferredName::Owned(name),
            seen_function: false,
        });
    }

    pub fn load_deferred_borrowed(&mut self, name: &'a str) {
        self.deferred.push(Deferred {
            scope: self.current,
            name: DeferredName::Borrowed(name),
            seen_function: false,
        });
    }

    fn load_name(&mut self, name: DeferredName<'a>, runtime_only: bool) {
        let _ = runtime_only;
        let import_time = self.at_import_time();
        let mut id = Some(self.current);
        let mut first = true;
        while let Some(s) = id {
            let scope = &self.scopes[s as usize];
            // Class scopes are visible only to code directly in the class body.
            if scope.kind != ScopeKind::Class || first {
                if let Some(&b) = scope.names.get(name.as_str()) {
                    let binding = &mut self.bindings[b as usize];
                    binding.used = true;
                    if import_time {
                        binding.used_at_import_time = true;
                    }
                    return;
                }
            }
            let is_fn = scope.kind.is_function_like();
            let parent = scope.parent;
            first = false;
            if is_fn {
                if let Some(p) = parent {
                    self.deferred.push(Deferred {
                        scope: p,
                        name,
                        seen_function: true,
                    });
                }
                return;
            }
            id = parent;
        }
    }

    /// Resolve every deferred load against the final scopes. Call once, after the traversal.
    pub fn resolve_deferred(&mut self) {
        let deferred = std::mem::take(&mut self.deferred);
        for d in &deferred {
            let mut id = Some(d.scope);
            let mut first = true;
            let mut seen_function = d.seen_function;
            while let Some(s) = id {
                let scope = &self.scopes[s as usize];
                let skip = scope.kind == ScopeKind::Class && (seen_function || !first);
                if !skip {
                    if let Some(&b) = scope.names.get(d.name.as_str()) {
                        self.bindings[b as usize].used = true;
                        break;
                    }
                }
                if scope.kind.is_function_like() {
                    seen_function = true;
                }
                first = false;
                id = scope.parent;
            }
        }
        // `__all__` marks module-scope bindings as exported (used).
        let names: Vec<String> = self.dunder_all.clone();
        for n in &names {
            if let Some(&b) = self.scopes[0].names.get(n.as_str()) {
                self.bindings[b as usize].used = true;
            }
        }
    }

    /// Qualified name of a name/attribute chain (`rq.get` -> `requests.get` after
    /// `import requests as rq`); unbound names resolve to themselves (builtins such as `open`).
    pub fn qualified(&self, expr: &Expr) -> Option<String> {
        let mut parts: Vec<&str> = Vec::new();
        let mut cur = expr;
        loop {
            match cur {
                Expr::Attribute(a) => {
                    parts.push(a.attr.as_str());
                    cur = &a.value;
                }
                Expr::Name(n) => {
                    let base = match self.lookup(n.id.as_str()) {
                        Some(b) => match &self.binding(b).kind {
                            BindingKind::Import {
                                qualified,
                                submodule,
                                ..
                            } => {
                                if *submodule {
                                    n.id.to_string()
                                } else {
                                    qualified.clone()
                                }
                            }
                            _ => return None,
                        },
                        None => n.id.to_string(),
                    };
                    let mut out = base;
                    for p in parts.iter().rev() {
                        out.push('.');
                        out.push_str(p);
                    }
                    return Some(out);
                }
                _ => return None,
            }
        }
    }

    /// The inferred type of a name (through its current binding).
    pub fn type_of_name(&self, name: &str) -> Option<Ty> {
        self.lookup(name).and_then(|b| self.binding(b).ty)
    }
}
