//! Local type inference over the semantic model: the type of a name (from its binding), of
//! `self.attr` (from the enclosing class's assignments), of a constructor call, and of an
//! annotation (`Session`, `Annotated[Session, Depends(...)]`, `Optional[Session]`, aliases).

use super::types::{self, Ty};
use super::{expr as ex, BindingKind, SemanticModel};
use crate::python::parser::ast::{self, Expr};

/// The inputs of inference at one point of the traversal.
pub struct Infer<'s, 'a> {
    pub sem: &'s SemanticModel<'a>,
    /// `self.x = <constructor>()` types seen so far in the innermost class (latest last).
    pub class_attrs: &'s [(&'a str, Ty)],
    /// Last segments of the callees worth resolving to a qualified name (the rules' `CALLEES`).
    pub callees: &'s [&'static str],
}

/// Last segments of constructors whose result type is known (`types::constructor_type`).
const CONSTRUCTORS: &[&str] = &[
    "Session",
    "session",
    "Client",
    "AsyncClient",
    "ClientSession",
    "Redis",
    "StrictRedis",
    "RedisCluster",
    "from_url",
    "get_redis_connection",
    "create_redis_pool",
    "AsyncSession",
    "sessionmaker",
    "scoped_session",
    "async_sessionmaker",
    "create_engine",
    "connect",
    "Path",
    "PurePath",
    "PosixPath",
];

impl<'s, 'a> Infer<'s, 'a> {
    /// Cheap test before resolving a callee: an attribute whose last segment is in `callees`,
    /// or a name bound by an import (`from time import sleep as nap`) or, unbound, in
    /// `callees` (builtins such as `open`).
    pub fn may_resolve_to_known(&self, func: &Expr) -> bool {
        match func {
            Expr::Attribute(a) => self.callees.contains(&a.attr.as_str()),
            Expr::Name(n) => match self.sem.lookup(n.id.as_str()) {
                Some(b) => matches!(self.sem.binding(b).kind, BindingKind::Import { .. }),
                None => self.callees.contains(&n.id.as_str()),
            },
            _ => false,
        }
    }

    /// The inferred type of an expression: a typed name, `self.attr`, or a constructor call.
    pub fn type_of(&self, expr: &Expr) -> Option<Ty> {
        match expr {
            Expr::Name(n) => self.sem.type_of_name(n.id.as_str()),
            Expr::Attribute(a) => {
                if let Expr::Name(n) = &*a.value {
                    if matches!(n.id.as_str(), "self" | "cls") {
                        return self
                            .class_attrs
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

    /// The type of the value a call returns: a known constructor, `redis.pipeline()`,
    /// `.cursor()`, `engine.connect()`, or calling a session factory.
    pub fn call_type(&self, c: &ast::ExprCall) -> Option<Ty> {
        let constructor = matches!(&*c.func, Expr::Name(_)) && self.may_resolve_to_known(&c.func)
            || ex::terminal_name(&c.func).is_some_and(|t| CONSTRUCTORS.contains(&t));
        if constructor {
            if let Some(q) = self.sem.qualified(&c.func) {
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

    /// The type of an assigned value (what a name bound to it will have).
    pub fn value_type(&self, value: &Expr) -> Option<Ty> {
        match value {
            Expr::Call(c) => self.call_type(c),
            Expr::Await(a) => self.value_type(&a.value),
            Expr::Name(n) => self.sem.type_of_name(n.id.as_str()),
            Expr::Attribute(_) => self.type_of(value),
            _ => None,
        }
    }

    /// The type an annotation names (`Session`, `Annotated[Session, Depends(...)]`,
    /// `Optional[Session]`, `Session | None`, a module-level alias of those, `"Session"`).
    pub fn annotation_type(&self, ann: &Expr) -> Option<Ty> {
        annotation_type(self.sem, ann)
    }
}

/// See [`Infer::annotation_type`] (needs only the bindings).
pub fn annotation_type(sem: &SemanticModel, ann: &Expr) -> Option<Ty> {
    match ann {
        Expr::Subscript(s) => {
            let base = sem.qualified(&s.value).unwrap_or_default();
            let last = base.rsplit('.').next().unwrap_or_default();
            if matches!(last, "Annotated" | "Optional") {
                let first = match &*s.slice {
                    Expr::Tuple(t) => t.elts.first(),
                    e => Some(e),
                }?;
                return annotation_type(sem, first);
            }
            None
        }
        Expr::BinOp(b) => annotation_type(sem, &b.left).or_else(|| annotation_type(sem, &b.right)),
        Expr::Name(n) => {
            let b = sem.lookup(n.id.as_str())?;
            let binding = sem.binding(b);
            if let BindingKind::Import { qualified, .. } = &binding.kind {
                return types::annotation_type(qualified);
            }
            if let Some(t) = binding.ty {
                return Some(t);
            }
            // `SessionDep = Annotated[Session, Depends(get_db)]`
            match binding.value {
                Some(v @ Expr::Subscript(_)) => annotation_type(sem, v),
                _ => None,
            }
        }
        Expr::Attribute(_) => sem.qualified(ann).and_then(|q| types::annotation_type(&q)),
        Expr::StringLiteral(s) => {
            // "Session" as a forward reference
            let q = sem
                .lookup(s.value.to_str())
                .and_then(|b| match &sem.binding(b).kind {
                    BindingKind::Import { qualified, .. } => Some(qualified.clone()),
                    _ => None,
                })?;
            types::annotation_type(&q)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::python::parser::{parse_expression, TextRange};

    fn import(sem: &mut SemanticModel<'static>, name: &'static str, qualified: &str) {
        sem.bind(
            name,
            BindingKind::Import {
                qualified: qualified.to_string(),
                redundant_alias: false,
                future: false,
                submodule: false,
                stmt_start: Default::default(),
            },
            TextRange::default(),
            None,
            None,
        );
    }

    fn leak(src: &str) -> &'static Expr {
        Box::leak(Box::new(parse_expression(src).expect("parses")))
    }

    #[test]
    fn annotations_name_types_through_wrappers_aliases_and_strings() {
        let mut sem = SemanticModel::new();
        import(&mut sem, "Session", "sqlalchemy.orm.Session");
        import(&mut sem, "Annotated", "typing.Annotated");
        import(&mut sem, "Optional", "typing.Optional");
        import(&mut sem, "redis", "redis");
        let alias = leak("Annotated[Session, Depends(get_db)]");
        sem.bind(
            "SessionDep",
            BindingKind::Other,
            TextRange::default(),
            Some(alias),
            None,
        );
        for (ann, want) in [
            ("Session", Some(Ty::SaSession)),
            ("Annotated[Session, Depends(get_db)]", Some(Ty::SaSession)),
            ("Optional[Session]", Some(Ty::SaSession)),
            ("Session | None", Some(Ty::SaSession)),
            ("SessionDep", Some(Ty::SaSession)),
            ("'Session'", Some(Ty::SaSession)),
            ("redis.Redis", Some(Ty::RedisSync)),
            ("list[Session]", None),
            ("Unbound", None),
        ] {
            assert_eq!(annotation_type(&sem, leak(ann)), want, "{ann}");
        }
    }

    #[test]
    fn constructors_factories_self_attributes_and_methods() {
        let mut sem = SemanticModel::new();
        import(&mut sem, "requests", "requests");
        import(&mut sem, "sessionmaker", "sqlalchemy.orm.sessionmaker");
        import(&mut sem, "Redis", "redis.Redis");
        sem.bind(
            "SessionLocal",
            BindingKind::Other,
            TextRange::default(),
            None,
            Some(Ty::SaSessionFactory),
        );
        let attrs = [("http", Ty::HttpxClient), ("http", Ty::RequestsSession)];
        let inf = Infer {
            sem: &sem,
            class_attrs: &attrs,
            callees: &["Session"],
        };
        for (src, want) in [
            ("requests.Session()", Some(Ty::RequestsSession)),
            ("SessionLocal()", Some(Ty::SaSession)),
            ("Redis()", Some(Ty::RedisSync)),
            ("Redis().pipeline()", Some(Ty::RedisPipeline)),
            ("conn.cursor()", Some(Ty::DbApi)),
            ("self.http", Some(Ty::RequestsSession)),
            ("await requests.Session()", Some(Ty::RequestsSession)),
            ("self.other", None),
            ("make()", None),
        ] {
            assert_eq!(inf.type_of(leak(src)), want, "{src}");
        }
        assert!(inf.may_resolve_to_known(leak("requests.Session")));
        assert!(!inf.may_resolve_to_known(leak("requests.get")));
        assert!(inf.may_resolve_to_known(leak("Redis")), "an imported name");
        assert!(!inf.may_resolve_to_known(leak("helper")));
    }
}
