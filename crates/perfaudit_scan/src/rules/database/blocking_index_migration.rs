//! PA310 blocking-index-migration.

use crate::python::parser::ast::{self, Expr};
use crate::python::parser::{Ranged, TextRange};
use crate::rules::checker::Checker;
use crate::rules::docs::RuleDoc;
use crate::rules::Rule;
use crate::semantic::expr::{is_true, keyword, str_value};

pub const DOC: RuleDoc = RuleDoc {
    what: "Finds index creation that locks writes to an existing table: Alembic \
`op.create_index(...)`/`batch_op.create_index(...)` without `postgresql_concurrently=True`, and \
Django migrations' `AddIndex` (instead of `AddIndexConcurrently`). Indexes on a table created \
in the same migration are not reported, including `batch_op.create_index(...)` inside \
`with op.batch_alter_table(\"t\") as batch_op:` on a table `t` created just before; files \
under hidden directories (`.semgrep/`, linter fixtures) are skipped.",
    why: "`CREATE INDEX` takes a lock that blocks every INSERT/UPDATE/DELETE on the table for \
the whole build: minutes on a large table, i.e. a write outage during the deploy. \
`CREATE INDEX CONCURRENTLY` builds without blocking writes.",
    example: "def upgrade():\n    op.create_index(\"ix_orders_user_id\", \"orders\", [\"user_id\"])",
    use_instead: "def upgrade():\n    with op.get_context().autocommit_block():\n        op.create_index(\"ix_orders_user_id\", \"orders\", [\"user_id\"], postgresql_concurrently=True)",
    limits: "PostgreSQL semantics (MySQL/InnoDB builds most indexes online). Whether the table \
is large is unknown; new, empty tables created in another migration are reported. Django \
`AddField(db_index=True)` and raw SQL are not analysed.",
};

#[derive(Default)]
pub struct State {
    created: Vec<String>,
    /// The table of the innermost `op.batch_alter_table("t")` seen so far: the table of the
    /// `batch_op.create_index(...)` calls in its `with` block.
    batch_table: Option<String>,
    /// (table or model, range, django?)
    sites: Vec<(String, TextRange, bool)>,
}

pub(crate) fn check_call(checker: &mut Checker, call: &ast::ExprCall) {
    let (recv, name) = match &*call.func {
        Expr::Attribute(a) => (Some(&*a.value), a.attr.as_str()),
        Expr::Name(n) => (None, n.id.as_str()),
        _ => return,
    };
    match name {
        "create_table" => {
            if let Some(t) = call.arguments.args.first().and_then(str_value) {
                checker
                    .state
                    .migrations
                    .created
                    .push(t.to_ascii_lowercase());
            }
        }
        "batch_alter_table" => {
            let t = keyword(call, "table_name")
                .or_else(|| call.arguments.args.first())
                .and_then(str_value)
                .map(str::to_ascii_lowercase);
            checker.state.migrations.batch_table = t;
        }
        "CreateModel" => {
            if let Some(t) = keyword(call, "name")
                .or_else(|| call.arguments.args.first())
                .and_then(str_value)
            {
                checker
                    .state
                    .migrations
                    .created
                    .push(t.to_ascii_lowercase());
            }
        }
        "create_index" => {
            let recv_ok = recv.is_some_and(|r| {
                matches!(r, Expr::Name(n) if n.id.as_str() == "op" || n.id.as_str().contains("batch_op"))
            });
            if !recv_ok {
                return;
            }
            if keyword(call, "postgresql_concurrently").is_some_and(is_true) {
                return;
            }
            let batch = recv.is_some_and(|r| matches!(r, Expr::Name(n) if n.id.as_str() != "op"));
            let table = if batch {
                // `batch_op.create_index(name, columns)`: the table is the batch's.
                checker
                    .state
                    .migrations
                    .batch_table
                    .clone()
                    .unwrap_or_default()
            } else {
                keyword(call, "table_name")
                    .or_else(|| call.arguments.args.get(1))
                    .and_then(str_value)
                    .unwrap_or("")
                    .to_ascii_lowercase()
            };
            checker
                .state
                .migrations
                .sites
                .push((table, call.range(), false));
        }
        "AddIndex" => {
            let model = keyword(call, "model_name")
                .and_then(str_value)
                .unwrap_or("")
                .to_ascii_lowercase();
            checker
                .state
                .migrations
                .sites
                .push((model, call.range(), true));
        }
        _ => {}
    }
}

pub(crate) fn finish(checker: &mut Checker) {
    let st = std::mem::take(&mut checker.state.migrations);
    // Hidden directories (`.semgrep/`, `.github/`) hold linter fixtures, not migrations.
    if checker
        .input
        .rel_path
        .split('/')
        .any(|seg| seg.len() > 1 && seg.starts_with('.'))
    {
        return;
    }
    for (table, range, django) in st.sites {
        if !table.is_empty() && st.created.contains(&table) {
            continue;
        }
        let (msg, help) = if django {
            (
                format!("`AddIndex` on model `{table}` builds the index with a lock that blocks writes"),
                "Use `django.contrib.postgres.operations.AddIndexConcurrently` in a migration with `atomic = False`".to_string(),
            )
        } else {
            (
                format!("`op.create_index` on table `{table}` blocks writes to the table while the index builds"),
                "Pass `postgresql_concurrently=True` and run it outside the transaction (`with op.get_context().autocommit_block():`)".to_string(),
            )
        };
        checker.report(Rule::BlockingIndexMigration, range, msg, help);
    }
}
