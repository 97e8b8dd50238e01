//! PA103 blocking-io-in-async.

use crate::python::parser::ast::{self, Expr};
use crate::python::parser::Ranged;
use crate::rules::checker::Checker;
use crate::rules::docs::RuleDoc;
use crate::rules::Rule;
use crate::semantic::Ty;
use perfaudit_model::Severity;

pub const DOC: RuleDoc = RuleDoc {
    what: "Finds blocking file and process I/O in async context: `open(...)`, \
`Path.open/read_text/read_bytes/write_text/write_bytes`, `subprocess.run/call/check_call/\
check_output/Popen`, `os.system`, `os.popen`, `input()`. File reads and writes are reported \
as info (often one-off and small), processes and `input` as warnings.",
    why: "The event loop thread waits for the disk or the child process; every concurrent \
request on the worker stalls meanwhile. Process spawning in particular can take many \
milliseconds.",
    example: "async def export():\n    with open(\"report.csv\") as f:\n        data = f.read()\n    subprocess.run([\"gzip\", \"report.csv\"])",
    use_instead: "async def export():\n    data = await asyncio.to_thread(Path(\"report.csv\").read_text)\n    proc = await asyncio.create_subprocess_exec(\"gzip\", \"report.csv\")\n    await proc.wait()",
    limits: "`Path` objects are recognised when built with `Path(...)` in the call or bound to \
a name; other path-like receivers are not. `aiofiles.open`/`anyio.open_file` are not flagged.",
};

/// Last segments of the callees this rule matches by qualified name (the checker resolves
/// only those).
pub(crate) const CALLEES: &[&str] = &[
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
];

pub(crate) fn check_call(checker: &mut Checker, call: &ast::ExprCall) {
    let q = checker.callee_qualified();
    let (what, sev) = match q.as_deref() {
        Some("open") | Some("io.open") => ("open(...)".to_string(), Severity::Info),
        Some("input") => ("input()".to_string(), Severity::Warning),
        Some(
            s @ ("subprocess.run"
            | "subprocess.call"
            | "subprocess.check_call"
            | "subprocess.check_output"
            | "subprocess.Popen"
            | "subprocess.getoutput"
            | "subprocess.getstatusoutput"
            | "os.system"
            | "os.popen"),
        ) => (format!("{s}(...)"), Severity::Warning),
        _ => {
            let Expr::Attribute(a) = &*call.func else {
                return;
            };
            let m = a.attr.as_str();
            if !matches!(
                m,
                "read_text" | "read_bytes" | "write_text" | "write_bytes" | "open"
            ) {
                return;
            }
            let is_path = checker.type_of(&a.value) == Some(Ty::Path);
            if !is_path {
                return;
            }
            (format!("Path.{m}(...)"), Severity::Info)
        }
    };
    checker.report_with(
        Rule::BlockingIoInAsync,
        call.range(),
        format!("blocking I/O `{what}` inside an `async def`"),
        "Move the I/O off the loop: `await asyncio.to_thread(...)`, `aiofiles`/`anyio` for files, \
`asyncio.create_subprocess_exec` for processes"
            .to_string(),
        Some(sev),
        None,
    );
}
