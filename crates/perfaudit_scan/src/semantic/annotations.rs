//! How annotations are read: which subscripts hold types, which names a string annotation
//! refers to, and `if TYPE_CHECKING:` tests.

use super::SemanticModel;
use crate::python::parser::ast::Expr;

/// How a subscript's slice is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubscriptKind {
    /// `Literal[...]`: values, not types.
    Literal,
    /// `Annotated[T, ...]`: a type, then metadata (ordinary code).
    Annotated,
    /// typing/builtin/collections generics: types (strings are forward references).
    Generic,
    /// Anything else: ordinary code.
    Other,
}

/// The kind of the subscript whose value is `value` (`List` in `List[int]`).
pub fn subscript_kind(sem: &SemanticModel, value: &Expr) -> SubscriptKind {
    let Some(q) = sem.qualified(value) else {
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
            if sem.lookup(name).is_none() =>
        {
            SubscriptKind::Generic
        }
        ("collections", "deque" | "defaultdict" | "OrderedDict" | "Counter" | "ChainMap") => {
            SubscriptKind::Generic
        }
        _ => SubscriptKind::Other,
    }
}

/// Is `test` (of an `if`) `TYPE_CHECKING` or `typing.TYPE_CHECKING`?
pub fn is_type_checking_test(sem: &SemanticModel, test: &Expr) -> bool {
    match test {
        Expr::Name(n) => {
            n.id.as_str() == "TYPE_CHECKING"
                || sem
                    .qualified(test)
                    .is_some_and(|q| q.ends_with("TYPE_CHECKING"))
        }
        Expr::Attribute(a) => a.attr.as_str() == "TYPE_CHECKING",
        _ => false,
    }
}

/// The names a string annotation refers to (roots of attribute chains), skipping
/// `Literal[...]`; empty when the text does not parse or is over 2,000 bytes.
pub fn string_annotation_names(text: &str) -> Vec<String> {
    let mut names = Vec::new();
    if text.len() > 2000 {
        return names;
    }
    if let Some(parsed) = crate::python::parser::parse_expression(text) {
        collect_annotation_names(&parsed, &mut names, 0);
    }
    names
}

/// Names an annotation expression refers to (roots of attribute chains), skipping
/// `Literal[...]`, following nested string annotations (bounded depth).
pub fn collect_annotation_names(e: &Expr, out: &mut Vec<String>, depth: u32) {
    if depth > 32 {
        return;
    }
    match e {
        Expr::Name(n) => out.push(n.id.to_string()),
        Expr::Attribute(a) => collect_annotation_names(&a.value, out, depth + 1),
        Expr::Subscript(s) => {
            collect_annotation_names(&s.value, out, depth + 1);
            let literal = match &*s.value {
                Expr::Name(n) => n.id.as_str() == "Literal",
                Expr::Attribute(a) => a.attr.as_str() == "Literal",
                _ => false,
            };
            if !literal {
                collect_annotation_names(&s.slice, out, depth + 1);
            }
        }
        Expr::Tuple(t) => t
            .elts
            .iter()
            .for_each(|x| collect_annotation_names(x, out, depth + 1)),
        Expr::List(t) => t
            .elts
            .iter()
            .for_each(|x| collect_annotation_names(x, out, depth + 1)),
        Expr::BinOp(b) => {
            collect_annotation_names(&b.left, out, depth + 1);
            collect_annotation_names(&b.right, out, depth + 1);
        }
        Expr::Call(c) => {
            collect_annotation_names(&c.func, out, depth + 1);
            c.arguments
                .args
                .iter()
                .for_each(|x| collect_annotation_names(x, out, depth + 1));
        }
        Expr::StringLiteral(s) => {
            if let Some(inner) = crate::python::parser::parse_expression(s.value.to_str()) {
                collect_annotation_names(&inner, out, depth + 1);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::python::parser::{parse_expression, TextRange};
    use crate::semantic::BindingKind;

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

    #[test]
    fn subscript_kinds() {
        let mut sem = SemanticModel::new();
        import(&mut sem, "Literal", "typing.Literal");
        import(&mut sem, "Annotated", "typing_extensions.Annotated");
        import(&mut sem, "Optional", "typing.Optional");
        import(&mut sem, "deque", "collections.deque");
        import(&mut sem, "Mapping", "collections.abc.Mapping");
        import(&mut sem, "np", "numpy");
        for (src, want) in [
            ("Literal", SubscriptKind::Literal),
            ("Annotated", SubscriptKind::Annotated),
            ("Optional", SubscriptKind::Generic),
            ("Mapping", SubscriptKind::Generic),
            ("deque", SubscriptKind::Generic),
            ("list", SubscriptKind::Generic),
            ("np.ndarray", SubscriptKind::Other),
            ("data", SubscriptKind::Other),
        ] {
            let e = parse_expression(src).unwrap();
            assert_eq!(subscript_kind(&sem, &e), want, "{src}");
        }
        // A local `list` shadows the builtin: `list[0]` is an index.
        sem.bind("list", BindingKind::Other, TextRange::default(), None, None);
        let e = parse_expression("list").unwrap();
        assert_eq!(subscript_kind(&sem, &e), SubscriptKind::Other);
    }

    #[test]
    fn string_annotations_name_their_roots_but_not_literals() {
        assert_eq!(
            string_annotation_names("Optional[List['models.User']]"),
            ["Optional", "List", "models"]
        );
        assert_eq!(
            string_annotation_names("Literal['a', 'b'] | Foo"),
            ["Literal", "Foo"]
        );
        assert!(string_annotation_names("not valid (").is_empty());
        assert!(string_annotation_names(&"A".repeat(2001)).is_empty());
    }

    #[test]
    fn type_checking_tests() {
        let mut sem = SemanticModel::new();
        import(&mut sem, "TC", "typing.TYPE_CHECKING");
        for (src, want) in [
            ("TYPE_CHECKING", true),
            ("typing.TYPE_CHECKING", true),
            ("TC", true),
            ("DEBUG", false),
        ] {
            let e = parse_expression(src).unwrap();
            assert_eq!(is_type_checking_test(&sem, &e), want, "{src}");
        }
    }
}
