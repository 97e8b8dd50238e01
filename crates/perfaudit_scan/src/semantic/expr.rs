//! Small, allocation-free helpers over expressions.

use crate::python::parser::ast::{self, Expr};

/// `recv.method(...)`: the receiver and method name of a method call.
pub fn method_call(call: &ast::ExprCall) -> Option<(&Expr, &str)> {
    match &*call.func {
        Expr::Attribute(a) => Some((&a.value, a.attr.as_str())),
        _ => None,
    }
}

/// The last segment of a name/attribute (`self.redis` -> `redis`, `client` -> `client`).
pub fn terminal_name(expr: &Expr) -> Option<&str> {
    match expr {
        Expr::Name(n) => Some(n.id.as_str()),
        Expr::Attribute(a) => Some(a.attr.as_str()),
        _ => None,
    }
}

/// The root name of an attribute/call/subscript chain (`a` in `a.b(c).d[0]`).
pub fn root_name(expr: &Expr) -> Option<&ast::ExprName> {
    let mut cur = expr;
    loop {
        match cur {
            Expr::Name(n) => return Some(n),
            Expr::Attribute(a) => cur = &a.value,
            Expr::Call(c) => cur = &c.func,
            Expr::Subscript(s) => cur = &s.value,
            Expr::Await(a) => cur = &a.value,
            _ => return None,
        }
    }
}

/// Write the dotted form of a pure name/attribute chain into `out`; false if not one.
pub fn dotted_into(expr: &Expr, out: &mut String) -> bool {
    match expr {
        Expr::Name(n) => {
            out.push_str(n.id.as_str());
            true
        }
        Expr::Attribute(a) => {
            if !dotted_into(&a.value, out) {
                return false;
            }
            out.push('.');
            out.push_str(a.attr.as_str());
            true
        }
        _ => false,
    }
}

pub fn dotted(expr: &Expr) -> Option<String> {
    let mut s = String::new();
    dotted_into(expr, &mut s).then_some(s)
}

/// A short human label for a call's callee (`session.execute`, `requests.get`, `x.y.get`),
/// with call/subscript links shown as `()`/`[]`.
pub fn callee_label(expr: &Expr) -> String {
    let mut s = String::new();
    label_into(expr, &mut s, 0);
    s
}

fn label_into(expr: &Expr, out: &mut String, depth: u32) {
    if depth > 8 {
        out.push('…');
        return;
    }
    match expr {
        Expr::Name(n) => out.push_str(n.id.as_str()),
        Expr::Attribute(a) => {
            label_into(&a.value, out, depth + 1);
            out.push('.');
            out.push_str(a.attr.as_str());
        }
        Expr::Call(c) => {
            label_into(&c.func, out, depth + 1);
            out.push_str("(…)");
        }
        Expr::Subscript(s) => {
            label_into(&s.value, out, depth + 1);
            out.push_str("[…]");
        }
        Expr::Await(a) => {
            out.push_str("(await ");
            label_into(&a.value, out, depth + 1);
            out.push(')');
        }
        _ => out.push('…'),
    }
}

pub fn keyword<'a>(call: &'a ast::ExprCall, name: &str) -> Option<&'a Expr> {
    call.arguments
        .keywords
        .iter()
        .find(|k| k.arg.as_ref().is_some_and(|a| a.as_str() == name))
        .map(|k| &k.value)
}

/// `f(**kwargs)` present.
pub fn has_star_kwargs(call: &ast::ExprCall) -> bool {
    call.arguments.keywords.iter().any(|k| k.arg.is_none())
}

pub fn has_star_args(call: &ast::ExprCall) -> bool {
    call.arguments
        .args
        .iter()
        .any(|a| matches!(a, Expr::Starred(_)))
}

pub fn str_value(expr: &Expr) -> Option<&str> {
    match expr {
        Expr::StringLiteral(s) => Some(s.value.to_str()),
        _ => None,
    }
}

pub fn is_none(expr: &Expr) -> bool {
    matches!(expr, Expr::NoneLiteral(_))
}

pub fn is_true(expr: &Expr) -> bool {
    matches!(expr, Expr::BooleanLiteral(b) if b.value)
}

pub fn is_false(expr: &Expr) -> bool {
    matches!(expr, Expr::BooleanLiteral(b) if !b.value)
}

/// Iterate a call chain from the outermost call inwards: for `a.b(x).c(y)` yields the calls
/// `.c(y)` then `.b(x)` with their method names.
pub fn chain_calls(expr: &Expr) -> ChainIter<'_> {
    ChainIter { cur: Some(expr) }
}

pub struct ChainIter<'a> {
    cur: Option<&'a Expr>,
}

impl<'a> Iterator for ChainIter<'a> {
    /// (method or function name, the call)
    type Item = (&'a str, &'a ast::ExprCall);
    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let e = self.cur?;
            match e {
                Expr::Call(c) => match &*c.func {
                    Expr::Attribute(a) => {
                        self.cur = Some(&a.value);
                        return Some((a.attr.as_str(), c));
                    }
                    Expr::Name(n) => {
                        self.cur = None;
                        return Some((n.id.as_str(), c));
                    }
                    other => self.cur = Some(other),
                },
                Expr::Attribute(a) => self.cur = Some(&a.value),
                Expr::Subscript(s) => self.cur = Some(&s.value),
                Expr::Await(a) => self.cur = Some(&a.value),
                _ => {
                    self.cur = None;
                    return None;
                }
            }
        }
    }
}

/// True when the chain contains a slice subscript (`qs[:20]`) or an index.
pub fn chain_has_subscript(expr: &Expr) -> bool {
    let mut cur = expr;
    loop {
        match cur {
            Expr::Subscript(_) => return true,
            Expr::Call(c) => cur = &c.func,
            Expr::Attribute(a) => cur = &a.value,
            Expr::Await(a) => cur = &a.value,
            _ => return false,
        }
    }
}

/// True for a literal collection (`("a", "b")`, `[1, 2]`) or `range(<int literal>)`: loops
/// over these have a small, fixed number of iterations.
pub fn is_small_literal_iter(expr: &Expr) -> bool {
    match expr {
        Expr::List(l) => l.elts.len() <= 16,
        Expr::Tuple(t) => t.elts.len() <= 16,
        Expr::Set(s) => s.elts.len() <= 16,
        Expr::Dict(d) => d.items.len() <= 16,
        Expr::StringLiteral(_) => true,
        Expr::Call(c) => {
            matches!(&*c.func, Expr::Name(n) if n.id.as_str() == "range")
                && !c.arguments.args.is_empty()
                && c.arguments
                    .args
                    .iter()
                    .all(|a| matches!(a, Expr::NumberLiteral(_)))
        }
        _ => false,
    }
}

/// Names bound by an assignment target (`a`, `a, (b, *c)`).
pub fn target_names<'a>(target: &'a Expr, out: &mut Vec<&'a ast::ExprName>) {
    match target {
        Expr::Name(n) => out.push(n),
        Expr::Tuple(t) => t.elts.iter().for_each(|e| target_names(e, out)),
        Expr::List(l) => l.elts.iter().for_each(|e| target_names(e, out)),
        Expr::Starred(s) => target_names(&s.value, out),
        _ => {}
    }
}

/// The first loop-target name (`x` in `for x in ...`, `x` in `for i, x in enumerate(...)`).
pub fn loop_target_names(target: &Expr) -> Vec<&str> {
    let mut v = Vec::new();
    target_names(target, &mut v);
    v.into_iter().map(|n| n.id.as_str()).collect()
}
