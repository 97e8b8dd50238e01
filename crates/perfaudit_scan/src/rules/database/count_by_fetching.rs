//! PA305 count-by-fetching.

use crate::python::parser::ast::{self, Expr};
use crate::python::parser::Ranged;
use crate::rules::checker::Checker;
use crate::rules::docs::RuleDoc;
use crate::rules::Rule;
use crate::semantic::expr::callee_label;

pub const DOC: RuleDoc = RuleDoc {
    what: "Finds row counts computed by fetching every row: `len(q.all())`, \
`len(session.scalars(...).all())`, `len(cursor.fetchall())`, `len(Model.objects.filter(...))`, \
`len(list(queryset))`.",
    why: "The database sends every row, the driver decodes it and the ORM builds an object per \
row, only for the objects to be counted and thrown away. `SELECT count(*)` (or `EXISTS`) \
returns one number.",
    example: "if len(session.query(Order).filter_by(user_id=uid).all()) > 0: ...\nn = len(Book.objects.filter(author=a))",
    use_instead: "if session.query(Order).filter_by(user_id=uid).first() is not None: ...\nn = Book.objects.filter(author=a).count()",
    limits: "Only direct forms are reported; `len(rows)` of a variable is not (the rows may be \
used afterwards, and a Django queryset evaluated by `len` is cached for later iteration).",
};

pub(crate) fn check_call(checker: &mut Checker, call: &ast::ExprCall) {
    if checker.is_offline {
        return;
    }
    let Expr::Name(n) = &*call.func else { return };
    if n.id.as_str() != "len" || call.arguments.args.len() != 1 {
        return;
    }
    if checker.sem.lookup("len").is_some() {
        return;
    }
    let mut arg = &call.arguments.args[0];
    if let Expr::Call(c) = arg {
        if matches!(&*c.func, Expr::Name(l) if l.id.as_str() == "list")
            && c.arguments.args.len() == 1
        {
            arg = &c.arguments.args[0];
        }
    }
    let what = match arg {
        Expr::Call(c) => {
            let Expr::Attribute(a) = &*c.func else { return };
            let chain = callee_label(arg);
            let m = a.attr.as_str();
            let queryish = chain.contains("query")
                || chain.contains(".objects")
                || chain.contains("scalars")
                || chain.contains("execute")
                || chain.contains("select(");
            match m {
                "all" if queryish => chain,
                "fetchall" => chain,
                "filter" | "exclude" | "filter_by"
                    if chain.contains(".objects") || chain.contains(".query") =>
                {
                    chain
                }
                _ => return,
            }
        }
        _ => return,
    };
    let fix = if what.contains(".objects") {
        "`.count()` (or `.exists()` for a yes/no test)"
    } else {
        "a `SELECT count(*)` (`select(func.count()).select_from(...)`, `query.count()`) or `.first() is not None` for a yes/no test"
    };
    checker.report(
        Rule::CountByFetching,
        call.range(),
        format!("`len({what})` fetches every row just to count them"),
        format!("Count in the database: {fix}"),
    );
}
