//! Where code runs: the context of every function of the project (a request handler, a
//! background task, start-up, a command-line tool, a migration, a test) and of each finding.
//!
//! Each module's checker records, per function, the context its own definition states (a route
//! decorator, a task decorator, a CLI decorator, a lifespan hook, a test function, or the
//! module's place: `tests/`, `migrations/`, `management/commands/`) and the functions it calls,
//! resolved to qualified names through the module's imports (`from app.crud import get_items`,
//! `crud.get_items(...)`, `self.helper(...)`). After every module was checked, [`resolve`]
//! gives each function without a context of its own the context of its callers across the
//! project (a request handler's helpers in other modules are request-path code), and every
//! finding the context of the function it is in.

use crate::python::parser::ast::{self, Expr};
use rustc_hash::FxHashMap;

pub use perfaudit_model::scan::Context;

/// One function of a module, for the project-wide call graph.
#[derive(Debug, Clone, Default)]
pub struct FnSummary {
    /// `pkg.module.func`, `pkg.module.Class.method` (module-level code: `pkg.module`).
    pub id: String,
    /// The context the definition (or its module's place) states, if any.
    pub direct: Option<Context>,
    /// Callees resolved to qualified names.
    pub calls: Vec<String>,
    /// Methods called on receivers of unknown type (`obj.method(...)`): matched to a project
    /// function only when exactly one function of the project has that name.
    pub method_calls: Vec<String>,
}

/// The context a module's path states, if any.
pub fn module_context(rel: &str) -> Option<Context> {
    let file = rel.rsplit('/').next().unwrap_or(rel);
    let stem = file.trim_end_matches(".py");
    let segs: Vec<&str> = rel.split('/').collect();
    let dirs = &segs[..segs.len().saturating_sub(1)];
    if file.starts_with("test_")
        || file.ends_with("_test.py")
        || file == "conftest.py"
        || file == "tests.py"
        || dirs
            .iter()
            .any(|s| matches!(*s, "tests" | "test" | "testing" | "fixtures" | "testutils"))
    {
        return Some(Context::Test);
    }
    if dirs.iter().any(|s| {
        matches!(
            *s,
            "migrations" | "alembic" | "versions" | "revisions" | "migration"
        )
    }) {
        return Some(Context::Migration);
    }
    let cli_dir = dirs.iter().any(|s| {
        matches!(
            *s,
            "scripts"
                | "script"
                | "bin"
                | "docs"
                | "doc"
                | "examples"
                | "example"
                | "benchmarks"
                | "bench"
                | "tools"
                | "devtools"
        ) || s.starts_with('.') && s.len() > 1
    }) || dirs
        .windows(2)
        .any(|w| w[0] == "management" && w[1] == "commands");
    if cli_dir
        || matches!(
            stem,
            "manage" | "setup" | "noxfile" | "fabfile" | "tasks_dev"
        )
        || ["populate", "random_data", "seed", "fake", "sample_data"]
            .iter()
            .any(|x| stem.starts_with(x))
    {
        return Some(Context::Cli);
    }
    None
}

fn decorator_callee(d: &Expr) -> &Expr {
    match d {
        Expr::Call(c) => &c.func,
        e => e,
    }
}

fn last_segment(e: &Expr) -> &str {
    match e {
        Expr::Name(n) => n.id.as_str(),
        Expr::Attribute(a) => a.attr.as_str(),
        _ => "",
    }
}

fn first_segment(e: &Expr) -> &str {
    match e {
        Expr::Name(n) => n.id.as_str(),
        Expr::Attribute(a) => first_segment(&a.value),
        Expr::Call(c) => first_segment(&c.func),
        _ => "",
    }
}

/// The context a function definition's decorators and name state (routes are classified by
/// the caller, which knows the enclosing class).
pub fn function_context(
    f: &ast::StmtFunctionDef,
    class: Option<&ast::StmtClassDef>,
) -> Option<Context> {
    for d in &f.decorator_list {
        let callee = decorator_callee(&d.expression);
        let last = last_segment(callee);
        let root = first_segment(callee);
        match last {
            // Celery (`@app.task`, `@shared_task`, `@periodic_task`), RQ (`@job`), Dramatiq
            // (`@dramatiq.actor`, `@actor`), Huey (`@huey.task`, `@db_task`, `@periodic_task`),
            // taskiq (`@broker.task`), APScheduler (`@scheduler.scheduled_job`).
            "task" | "shared_task" | "periodic_task" | "db_task" | "db_periodic_task" | "actor"
            | "job" | "scheduled_job" | "cron" | "on_after_configure" => {
                return Some(Context::Task)
            }
            // pytest
            "fixture" if root == "pytest" || root == "fixture" => return Some(Context::Test),
            // click/typer/Flask CLI: `@click.command()`, `@cli.command()`, `@app.cli.command()`,
            // `@manager.command`, `@click.group()`, `@typer_app.callback()`.
            "command" | "group" | "option" | "argument" | "callback"
                if root != "app"
                    || matches!(callee, Expr::Attribute(a) if last_segment(&a.value) == "cli") =>
            {
                return Some(Context::Cli)
            }
            _ => {}
        }
    }
    let name = f.name.as_str();
    if let Some(c) = class {
        let cname = c.name.as_str();
        if cname.starts_with("Test")
            || cname.ends_with("Test")
            || cname.ends_with("TestCase")
            || cname.ends_with("Tests")
        {
            return Some(Context::Test);
        }
        // Django management command, Celery class-based task.
        let bases: Vec<&str> = c
            .arguments
            .iter()
            .flat_map(|a| a.args.iter())
            .map(last_segment)
            .collect();
        if bases
            .iter()
            .any(|b| matches!(*b, "BaseCommand" | "LabelCommand" | "AppCommand"))
        {
            return Some(Context::Cli);
        }
        if bases.contains(&"Task") && matches!(name, "run" | "apply") {
            return Some(Context::Task);
        }
    } else if name.starts_with("test_") {
        return Some(Context::Test);
    }
    None
}

/// Rank for merging the contexts of several callers: the most consequential wins.
fn rank(c: Context) -> u8 {
    match c {
        Context::Request => 6,
        Context::Task => 5,
        Context::Startup => 4,
        Context::Unknown => 3,
        Context::Cli => 2,
        Context::Migration => 1,
        Context::Test => 0,
    }
}

/// Is a finding in this context reported by default? Request, task, start-up and code whose
/// callers are not known are; command-line tools, migrations and tests are not.
pub fn shown_by_default(c: Context) -> bool {
    !matches!(c, Context::Cli | Context::Migration | Context::Test)
}

/// The project's call graph, from every module's summaries.
pub struct Resolved {
    contexts: FxHashMap<String, Context>,
}

impl Resolved {
    /// The context of function `id` (unknown functions: `Unknown`).
    pub fn of(&self, id: &str) -> Context {
        self.contexts.get(id).copied().unwrap_or(Context::Unknown)
    }
}

/// Give every function its context: its own, else the best of its callers' (propagated along
/// resolved calls; test code never passes its context on, since tests call everything; method
/// calls on receivers of unknown type pass on request and task contexts only), else `Unknown`.
pub fn resolve<'a>(modules: impl Iterator<Item = &'a [FnSummary]>) -> Resolved {
    let mut all: Vec<&FnSummary> = Vec::new();
    for m in modules {
        all.extend(m.iter());
    }
    let mut index: FxHashMap<&str, usize> = FxHashMap::default();
    let mut by_last: FxHashMap<&str, Option<usize>> = FxHashMap::default();
    for (i, f) in all.iter().enumerate() {
        index.entry(f.id.as_str()).or_insert(i);
        if let Some(last) = f.id.rsplit('.').next() {
            if !last.starts_with("__") {
                by_last
                    .entry(last)
                    .and_modify(|e| {
                        if e.is_some_and(|j| all[j].id != f.id) {
                            *e = None
                        }
                    })
                    .or_insert(Some(i));
            }
        }
    }
    let mut ctx: Vec<Option<Context>> = all.iter().map(|f| f.direct).collect();
    // Edges caller -> callee, with whether only request/task pass through.
    let mut edges: Vec<Vec<(usize, bool)>> = vec![Vec::new(); all.len()];
    for (i, f) in all.iter().enumerate() {
        for c in &f.calls {
            if let Some(&j) = index.get(c.as_str()) {
                edges[i].push((j, false));
            } else if let Some(&j) = index.get(format!("{c}.__init__").as_str()) {
                // `Class(...)` runs `Class.__init__`.
                edges[i].push((j, false));
            }
        }
        for m in &f.method_calls {
            if let Some(Some(j)) = by_last.get(m.as_str()) {
                edges[i].push((*j, true));
            }
        }
    }
    // Propagate from the highest-ranked contexts down: a function takes the first context that
    // reaches it (its callers' best).
    // `Unknown` sits between start-up and the offline contexts: code reached from a function
    // nobody is known to call (an unresolved caller) may serve requests, so a command-line
    // caller alone does not make it offline.
    let order = [
        Context::Request,
        Context::Task,
        Context::Startup,
        Context::Unknown,
        Context::Cli,
        Context::Migration,
    ];
    let mut called = vec![false; all.len()];
    for (i, out) in edges.iter().enumerate() {
        if ctx[i] == Some(Context::Test) {
            continue;
        }
        for &(j, _) in out {
            if j != i {
                called[j] = true;
            }
        }
    }
    let mut inherited: Vec<Option<Context>> = vec![None; all.len()];
    for level in order {
        let mut stack: Vec<usize> = (0..all.len())
            .filter(|&i| {
                ctx[i] == Some(level)
                    || inherited[i] == Some(level)
                    || level == Context::Unknown
                        && ctx[i].is_none()
                        && !called[i]
                        && inherited[i].is_none()
            })
            .collect();
        for &i in &stack {
            if ctx[i].is_none() && inherited[i].is_none() {
                inherited[i] = Some(level);
            }
        }
        while let Some(i) = stack.pop() {
            for &(j, loose) in &edges[i] {
                if loose && !matches!(level, Context::Request | Context::Task | Context::Unknown) {
                    continue;
                }
                if ctx[j].is_some() || inherited[j].is_some() {
                    continue;
                }
                inherited[j] = Some(level);
                stack.push(j);
            }
        }
    }
    let mut contexts = FxHashMap::default();
    for (i, f) in all.iter().enumerate() {
        let c = ctx[i].take().or(inherited[i]).unwrap_or(Context::Unknown);
        contexts
            .entry(f.id.clone())
            .and_modify(|old: &mut Context| {
                if rank(c) > rank(*old) {
                    *old = c
                }
            })
            .or_insert(c);
    }
    Resolved { contexts }
}

/// Absolute dotted name of `from <level dots><module> import ...` in module `current`.
pub fn absolute_module(
    current: Option<&str>,
    is_init: bool,
    level: u32,
    module: &str,
) -> Option<String> {
    if level == 0 {
        return Some(module.to_string());
    }
    let current = current?;
    let mut parts: Vec<&str> = current.split('.').collect();
    // A package's `__init__` is the package itself: one level fewer to climb.
    let climb = if is_init { level - 1 } else { level } as usize;
    if climb > parts.len() {
        return None;
    }
    parts.truncate(parts.len() - climb);
    let mut out = parts.join(".");
    if !module.is_empty() {
        if !out.is_empty() {
            out.push('.');
        }
        out.push_str(module);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(id: &str, direct: Option<Context>, calls: &[&str], methods: &[&str]) -> FnSummary {
        FnSummary {
            id: id.to_string(),
            direct,
            calls: calls.iter().map(|s| s.to_string()).collect(),
            method_calls: methods.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn module_paths() {
        assert_eq!(module_context("app/tests/test_x.py"), Some(Context::Test));
        assert_eq!(module_context("app/conftest.py"), Some(Context::Test));
        assert_eq!(
            module_context("app/migrations/0001_initial.py"),
            Some(Context::Migration)
        );
        assert_eq!(
            module_context("alembic/versions/abc.py"),
            Some(Context::Migration)
        );
        assert_eq!(
            module_context("shop/management/commands/cleardb.py"),
            Some(Context::Cli)
        );
        assert_eq!(module_context("manage.py"), Some(Context::Cli));
        assert_eq!(module_context("app/views.py"), None);
        assert_eq!(module_context("app/testimonials.py"), None);
    }

    #[test]
    fn callers_pass_their_context_across_modules() {
        let view = [f(
            "app.views.index",
            Some(Context::Request),
            &["app.crud.items"],
            &[],
        )];
        let crud = [
            f("app.crud.items", None, &["app.crud.helper"], &[]),
            f("app.crud.helper", None, &[], &[]),
            f("app.crud.only_cli", None, &[], &[]),
            f("app.crud.orphan", None, &[], &[]),
            f("app.crud.tested", None, &[], &[]),
            f("app.crud.both", None, &[], &[]),
            f("app.crud.unique_method", None, &[], &[]),
        ];
        let cmd = [f(
            "app.management.commands.x.Command.handle",
            Some(Context::Cli),
            &["app.crud.only_cli", "app.crud.both"],
            &[],
        )];
        let test = [f(
            "app.tests.test_crud.test_it",
            Some(Context::Test),
            &["app.crud.tested", "app.crud.both"],
            &[],
        )];
        let task = [f(
            "app.tasks.t",
            Some(Context::Task),
            &["app.crud.both"],
            &["unique_method"],
        )];
        let r = resolve([&view[..], &crud, &cmd, &test, &task].into_iter());
        assert_eq!(r.of("app.crud.items"), Context::Request);
        assert_eq!(r.of("app.crud.helper"), Context::Request);
        assert_eq!(r.of("app.crud.only_cli"), Context::Cli);
        assert_eq!(r.of("app.crud.orphan"), Context::Unknown);
        // Tests call everything: they pass nothing on.
        assert_eq!(r.of("app.crud.tested"), Context::Unknown);
        assert_eq!(r.of("app.crud.both"), Context::Task);
        assert_eq!(r.of("app.crud.unique_method"), Context::Task);
    }

    #[test]
    fn relative_imports() {
        assert_eq!(
            absolute_module(Some("app.api.routes"), false, 1, "deps").as_deref(),
            Some("app.api.deps")
        );
        assert_eq!(
            absolute_module(Some("app.api.routes"), false, 2, "db").as_deref(),
            Some("app.db")
        );
        assert_eq!(
            absolute_module(Some("app.api"), true, 1, "deps").as_deref(),
            Some("app.api.deps")
        );
        assert_eq!(absolute_module(Some("app"), false, 3, "x"), None);
    }
}
