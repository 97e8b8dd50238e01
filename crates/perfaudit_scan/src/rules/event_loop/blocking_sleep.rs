//! PA101 blocking-sleep-in-async.

use crate::python::parser::ast;
use crate::python::parser::Ranged;
use crate::rules::checker::Checker;
use crate::rules::docs::RuleDoc;
use crate::rules::Rule;

pub const DOC: RuleDoc = RuleDoc {
    what: "Finds `time.sleep(...)` (however it is imported) called in async context: the \
innermost enclosing function is an `async def`.",
    why: "`time.sleep` blocks the thread that runs the event loop. While it sleeps, no other \
request, task or callback on that loop makes progress: one slow sleep becomes a latency \
spike for every concurrent request served by the worker.",
    example: "async def poll():\n    while not ready():\n        time.sleep(0.5)",
    use_instead: "async def poll():\n    while not ready():\n        await asyncio.sleep(0.5)",
    limits: "A nested sync `def` or a lambda inside an `async def` is not async context (it may \
run in a thread). Calls hidden behind helper functions are not followed.",
};

/// Last segments of the callees this rule matches by qualified name (the checker resolves
/// only those).
pub(crate) const CALLEES: &[&str] = &["sleep"];

pub(crate) fn check_call(checker: &mut Checker, call: &ast::ExprCall) {
    let Some(q) = checker.callee_qualified() else {
        return;
    };
    if q == "time.sleep" {
        checker.report(
            Rule::BlockingSleepInAsync,
            call.range(),
            "`time.sleep(...)` blocks the event loop inside an `async def`".to_string(),
            "Use `await asyncio.sleep(...)` (or `anyio.sleep`) instead".to_string(),
        );
    }
}
