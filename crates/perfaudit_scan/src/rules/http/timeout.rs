//! PA201 http-call-without-timeout.

use crate::python::parser::ast::{self, Expr};
use crate::python::parser::Ranged;
use crate::rules::checker::Checker;
use crate::rules::docs::RuleDoc;
use crate::rules::Rule;
use crate::semantic::expr::{callee_label, has_star_kwargs, is_none, keyword};
use crate::semantic::Ty;

pub const DOC: RuleDoc = RuleDoc {
    what: "Finds `requests` calls (`requests.get/post/...`, `requests.request`, and the same \
methods on a `requests.Session()` bound name) with no `timeout=` or with `timeout=None`; and \
`httpx` calls or clients given an explicit `timeout=None` (httpx has a 5 s default).",
    why: "`requests` waits forever by default. One slow or dead upstream then holds a worker \
(thread, process or connection slot) indefinitely; under load the service runs out of workers \
and every request queues behind the hung ones.",
    example: "resp = requests.get(url)\nresp = httpx.get(url, timeout=None)",
    use_instead: "resp = requests.get(url, timeout=(3.05, 10))\nresp = httpx.get(url, timeout=10)",
    limits: "Calls that pass `**kwargs` are not reported (the timeout may be in there). A \
timeout configured on a `Session` subclass or adapter is not seen.",
};

const METHODS: &[&str] = &[
    "get", "post", "put", "patch", "delete", "head", "options", "request",
];

/// Last segments of the callees this rule matches by qualified name (the checker resolves
/// only those).
pub(crate) const CALLEES: &[&str] = &[
    "get",
    "post",
    "put",
    "patch",
    "delete",
    "head",
    "options",
    "request",
    "stream",
    "Client",
    "AsyncClient",
];

pub(crate) fn check_call(checker: &mut Checker, call: &ast::ExprCall) {
    if checker.is_offline {
        return;
    }
    if has_star_kwargs(call) {
        return;
    }
    let timeout = keyword(call, "timeout");
    let q = checker.callee_qualified();
    if let Some(q) = q.as_deref() {
        if let Some(m) = q.strip_prefix("requests.") {
            if METHODS.contains(&m) {
                if timeout.is_none() || timeout.is_some_and(is_none) {
                    report(checker, call, q.to_string(), timeout.is_some());
                }
                return;
            }
        }
        if let Some(m) = q.strip_prefix("httpx.") {
            if (METHODS.contains(&m) || matches!(m, "stream" | "Client" | "AsyncClient"))
                && timeout.is_some_and(is_none)
            {
                report(checker, call, q.to_string(), true);
            }
            return;
        }
    }
    if let Expr::Attribute(a) = &*call.func {
        if METHODS.contains(&a.attr.as_str()) {
            match checker.type_of(&a.value) {
                Some(Ty::RequestsSession) if timeout.is_none() || timeout.is_some_and(is_none) => {
                    report(checker, call, callee_label(&call.func), timeout.is_some());
                }
                Some(Ty::HttpxClient | Ty::HttpxAsyncClient) if timeout.is_some_and(is_none) => {
                    report(checker, call, callee_label(&call.func), true);
                }
                _ => {}
            }
        }
    }
}

fn report(checker: &mut Checker, call: &ast::ExprCall, what: String, explicit_none: bool) {
    let message = if explicit_none {
        format!("`{what}(...)` is called with `timeout=None`: it can wait forever")
    } else {
        format!("`{what}(...)` has no `timeout=`: it can wait forever")
    };
    checker.report(
        Rule::HttpCallWithoutTimeout,
        call.range(),
        message,
        "Pass a finite timeout, e.g. `timeout=(3.05, 10)` (connect, read) for requests or \
`timeout=10` for httpx"
            .to_string(),
    );
}
