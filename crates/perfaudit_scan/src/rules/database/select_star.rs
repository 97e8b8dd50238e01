//! PA306 select-star.

use crate::python::parser::ast::{self, Expr};
use crate::python::parser::Ranged;
use crate::rules::checker::Checker;
use crate::rules::docs::RuleDoc;
use crate::rules::Rule;

pub const DOC: RuleDoc = RuleDoc {
    what: "Finds `SELECT * FROM` in SQL strings passed to `execute`/`executemany`, `text`, \
`raw`, `read_sql`/`read_sql_query`, asyncpg's `fetch`/`fetchrow`/`fetchval`, directly or \
through a name bound to the string. `count(*)` and `EXISTS (SELECT * ...)` are not reported, nor `SELECT * FROM (<subquery>)` (the derived table \
already chose its columns) and the migration tools' one-row `alembic_version`/\
`django_migrations`.",
    why: "`SELECT *` transfers every column, including large text/JSON/blob columns the code \
never reads; it defeats index-only scans, and silently changes shape when a column is added.",
    example: "cur.execute(\"SELECT * FROM orders WHERE user_id = %s\", (uid,))",
    use_instead:
        "cur.execute(\"SELECT id, total, created_at FROM orders WHERE user_id = %s\", (uid,))",
    limits: "SQL assembled by concatenation or formatting across several statements is not \
reconstructed; f-strings are checked on their literal parts.",
};

const SINKS: &[&str] = &[
    "execute",
    "executemany",
    "text",
    "raw",
    "read_sql",
    "read_sql_query",
    "fetch",
    "fetchrow",
    "fetchval",
    "exec_driver_sql",
];

/// Does `sql` contain `SELECT * FROM` (or `SELECT *,`) not inside `EXISTS (`?
pub fn has_select_star(sql: &str) -> bool {
    let lower = sql.to_ascii_lowercase();
    let b = lower.as_bytes();
    let mut from = 0;
    while let Some(pos) = lower[from..].find("select") {
        let start = from + pos;
        from = start + 6;
        if start > 0 && (b[start - 1].is_ascii_alphanumeric() || b[start - 1] == b'_') {
            continue;
        }
        let mut i = start + 6;
        let ws_start = i;
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        if i == ws_start || i >= b.len() || b[i] != b'*' {
            continue;
        }
        i += 1;
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        let follows = lower[i..].starts_with("from") || lower[i..].starts_with(',');
        if !follows {
            continue;
        }
        // EXISTS (SELECT * ...)
        let before = lower[..start].trim_end();
        let before = before
            .strip_suffix('(')
            .map(str::trim_end)
            .unwrap_or(before);
        if before.ends_with("exists") {
            continue;
        }
        // `SELECT * FROM (SELECT a, b ...) t`: the derived table already chose the columns.
        let rest = lower[i..].strip_prefix("from").unwrap_or("").trim_start();
        if rest.starts_with('(') {
            continue;
        }
        // One-row bookkeeping tables of migration tools.
        let table = rest
            .split(|c: char| c.is_ascii_whitespace() || c == ';' || c == ')')
            .next()
            .unwrap_or("")
            .trim_matches('"');
        if matches!(table, "alembic_version" | "django_migrations") {
            continue;
        }
        return true;
    }
    false
}

fn literal_text(checker: &Checker, e: &Expr) -> Option<String> {
    match e {
        Expr::StringLiteral(s) => Some(s.value.to_str().to_string()),
        Expr::FString(f) => {
            let mut out = String::new();
            for part in f.value.iter() {
                match part {
                    ast::FStringPart::Literal(l) => out.push_str(&l.value),
                    ast::FStringPart::FString(fs) => {
                        for el in fs.elements.iter() {
                            if let ast::InterpolatedStringElement::Literal(l) = el {
                                out.push_str(&l.value);
                            } else {
                                out.push_str(" x ");
                            }
                        }
                    }
                }
            }
            Some(out)
        }
        Expr::Name(n) => checker.value_of(n.id.as_str()).and_then(|v| match v {
            Expr::StringLiteral(_) | Expr::FString(_) => literal_text(checker, v),
            _ => None,
        }),
        Expr::Call(c) => {
            // text("SELECT ...") passed to execute: reported on the inner call.
            let _ = c;
            None
        }
        _ => None,
    }
}

pub(crate) fn check_call(checker: &mut Checker, call: &ast::ExprCall) {
    if checker.is_offline {
        return;
    }
    let name = match &*call.func {
        Expr::Attribute(a) => a.attr.as_str(),
        Expr::Name(n) => n.id.as_str(),
        _ => return,
    };
    if !SINKS.contains(&name) {
        return;
    }
    let Some(first) = call.arguments.args.first() else {
        return;
    };
    let Some(sql) = literal_text(checker, first) else {
        return;
    };
    if !has_select_star(&sql) {
        return;
    }
    checker.report(
        Rule::SelectStar,
        first.range(),
        format!("`SELECT *` in SQL passed to `{name}(...)` fetches every column"),
        "Name the columns the code reads (`SELECT id, name, ... FROM ...`)".to_string(),
    );
}

#[cfg(test)]
mod tests {
    use super::has_select_star;

    #[test]
    fn select_star_detection() {
        assert!(has_select_star("SELECT * FROM t"));
        assert!(has_select_star("select\n  *\nfrom t"));
        assert!(has_select_star("SELECT *, rank() over () FROM t"));
        assert!(!has_select_star("SELECT count(*) FROM t"));
        assert!(!has_select_star("SELECT 1 WHERE EXISTS (SELECT * FROM t)"));
        assert!(!has_select_star("SELECT id FROM t"));
        assert!(!has_select_star("preselect * from"));
    }
}
