//! What a statement binds: imports (with their qualified names), parameters (with their
//! annotated types), and the names listed in `__all__`.

use super::infer::annotation_type;
use super::{BindingId, BindingKind, SemanticModel};
use crate::python::parser::ast::{self, Expr};
use crate::python::parser::TextSize;

/// `import a.b` / `import a.b as c`: binds one alias (`a`, or `c`) to the module `a.b`.
pub fn bind_import<'a>(
    sem: &mut SemanticModel<'a>,
    stmt_start: TextSize,
    alias: &'a ast::Alias,
) -> BindingId {
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
    sem.bind(
        bound,
        BindingKind::Import {
            qualified: full.to_string(),
            redundant_alias: redundant,
            future: false,
            submodule,
            stmt_start,
        },
        range,
        None,
        None,
    )
}

/// `from m import x as y`: binds one alias (`y`) to `m.x` (`.m.x` for a relative import);
/// `from __future__ import annotations` turns on deferred annotations. Returns the qualified
/// name and the binding, or `None` for `*`.
pub fn bind_import_from<'a>(
    sem: &mut SemanticModel<'a>,
    imp: &'a ast::StmtImportFrom,
    alias: &'a ast::Alias,
) -> Option<(String, BindingId)> {
    let module = imp.module.as_ref().map(|m| m.as_str()).unwrap_or("");
    let future = module == "__future__" && imp.level == 0;
    let name = alias.name.as_str();
    if name == "*" {
        return None;
    }
    if future && name == "annotations" {
        sem.future_annotations = true;
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
    let id = sem.bind(
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
    Some((qualified, id))
}

/// Binds a function's (or lambda's) parameters in the current scope, typed by their
/// annotations (`db: Session`).
pub fn bind_parameters<'a>(sem: &mut SemanticModel<'a>, params: &'a ast::Parameters) {
    for p in params
        .posonlyargs
        .iter()
        .chain(params.args.iter())
        .chain(params.kwonlyargs.iter())
    {
        let ty = p.annotation().and_then(|a| annotation_type(sem, a));
        sem.bind(
            p.name().as_str(),
            BindingKind::Other,
            p.parameter.name.range,
            None,
            ty,
        );
    }
    for v in [&params.vararg, &params.kwarg].into_iter().flatten() {
        sem.bind(
            v.name.as_str(),
            BindingKind::Other,
            v.name.range,
            None,
            None,
        );
    }
}

/// The names of `__all__ = [...]`, `__all__ += [...]`, `__all__ = [...] + [...]`.
pub fn collect_dunder_all(sem: &mut SemanticModel, value: &Expr) {
    match value {
        Expr::List(l) => l.elts.iter().for_each(|e| collect_dunder_all(sem, e)),
        Expr::Tuple(t) => t.elts.iter().for_each(|e| collect_dunder_all(sem, e)),
        Expr::StringLiteral(s) => sem.dunder_all.push(s.value.to_str().to_string()),
        Expr::BinOp(b) => {
            collect_dunder_all(sem, &b.left);
            collect_dunder_all(sem, &b.right);
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::python::parser::ast::Stmt;
    use crate::python::parser::parse_module;
    use crate::semantic::{ScopeKind, Ty};

    fn module(src: &str) -> &'static [Stmt] {
        let parsed = Box::leak(Box::new(parse_module(src).expect("parses")));
        parsed.body()
    }

    fn import_of(sem: &SemanticModel, name: &str) -> (String, bool, bool) {
        let b = sem.binding(sem.lookup(name).unwrap_or_else(|| panic!("{name} bound")));
        match &b.kind {
            BindingKind::Import {
                qualified,
                submodule,
                redundant_alias,
                ..
            } => (qualified.clone(), *submodule, *redundant_alias),
            other => panic!("{name}: {other:?}"),
        }
    }

    #[test]
    fn imports_bind_their_qualified_names() {
        let body = module(
            "from __future__ import annotations\nimport os.path\nimport numpy as np\n\
             import json as json\nfrom sqlalchemy.orm import Session as S\nfrom . import views\n\
             from ..core import *\n",
        );
        let mut sem = SemanticModel::new();
        let mut from_imports = Vec::new();
        for stmt in body {
            match stmt {
                Stmt::Import(imp) => {
                    for a in &imp.names {
                        bind_import(&mut sem, imp.range.start(), a);
                    }
                }
                Stmt::ImportFrom(imp) => {
                    for a in &imp.names {
                        from_imports.push(bind_import_from(&mut sem, imp, a).map(|(q, _)| q));
                    }
                }
                _ => unreachable!(),
            }
        }
        assert!(sem.future_annotations);
        assert_eq!(import_of(&sem, "os"), ("os.path".into(), true, false));
        assert_eq!(import_of(&sem, "np"), ("numpy".into(), false, false));
        assert_eq!(import_of(&sem, "json"), ("json".into(), false, true));
        assert_eq!(
            import_of(&sem, "S"),
            ("sqlalchemy.orm.Session".into(), false, false)
        );
        assert_eq!(import_of(&sem, "views"), (".views".into(), false, false));
        assert!(sem.lookup("Session").is_none());
        assert_eq!(
            from_imports,
            [
                Some("__future__.annotations".to_string()),
                Some("sqlalchemy.orm.Session".to_string()),
                Some(".views".to_string()),
                None
            ]
        );
        assert_eq!(
            sem.qualified(&crate::python::parser::parse_expression("S.query").unwrap())
                .as_deref(),
            Some("sqlalchemy.orm.Session.query")
        );
    }

    #[test]
    fn parameters_are_typed_by_their_annotations() {
        let body = module(
            "from sqlalchemy.orm import Session\ndef handler(db: Session, /, n: int = 1, *args, key, **kw): pass\n",
        );
        let mut sem = SemanticModel::new();
        let Stmt::ImportFrom(imp) = &body[0] else {
            unreachable!()
        };
        bind_import_from(&mut sem, imp, &imp.names[0]);
        let Stmt::FunctionDef(f) = &body[1] else {
            unreachable!()
        };
        sem.push_scope(ScopeKind::Function);
        bind_parameters(&mut sem, &f.parameters);
        assert_eq!(sem.type_of_name("db"), Some(Ty::SaSession));
        for name in ["n", "args", "key", "kw"] {
            assert!(sem.lookup(name).is_some(), "{name}");
            assert_eq!(sem.type_of_name(name), None);
        }
        sem.pop_scope();
        assert!(
            sem.lookup("db").is_none(),
            "parameters live in the function scope"
        );
    }

    #[test]
    fn dunder_all_collects_string_names() {
        let body = module("__all__ = ['a', 'b'] + ('c',) + other\n");
        let Stmt::Assign(a) = &body[0] else {
            unreachable!()
        };
        let mut sem = SemanticModel::new();
        collect_dunder_all(&mut sem, &a.value);
        assert_eq!(sem.dunder_all, ["a", "b", "c"]);
    }
}
