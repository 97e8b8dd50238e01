//! PA301 n-plus-one-sqlalchemy.

use crate::python::parser::ast;
use crate::python::parser::Ranged;
use crate::rules::checker::Checker;
use crate::rules::docs::RuleDoc;
use crate::rules::Rule;

pub const DOC: RuleDoc = RuleDoc {
    what: "Finds a loop (or comprehension) over the result of a query of a SQLAlchemy model `M` \
whose body reads a relationship of `M` that loads lazily (no `lazy=` or \
`lazy=\"select\"`/`True`/`\"dynamic\"`), when the query chain has no `joinedload`, \
`selectinload`, `subqueryload`, `contains_eager`, `raiseload`, `immediateload` for it. Models \
and relationships come from the project-wide model index, so the model may live in another \
file.",
    why: "The loop runs 1 query for the list and then 1 more query per row the first time each \
row's relationship is touched: N+1 round trips. At 100 rows and 1 ms per query that is 100 ms \
of pure latency, growing with the data.",
    example: "posts = session.scalars(select(Post)).all()\nfor post in posts:\n    print(post.author.name)",
    use_instead: "posts = session.scalars(select(Post).options(selectinload(Post.author))).all()\nfor post in posts:\n    print(post.author.name)",
    limits: "Query results are followed through local assignments (`stmt = select(M)`, \
`rows = session.execute(stmt).scalars().all()`), not through function returns. Relationships \
created only by `backref=` on the other side are not known. Loader options given through \
variables (`.options(*opts)`) are assumed to cover everything.",
};

const LAZY_OK: &[&str] = &["select", "True", "true", "dynamic"];

pub(crate) fn check<'a>(
    checker: &mut Checker<'a>,
    loop_idx: usize,
    target: &'a ast::ExprName,
    attr: &'a ast::ExprAttribute,
) {
    let name = attr.attr.as_str();
    if checker.is_offline {
        return;
    }
    let Some(orm) = checker.loops[loop_idx].orm.as_ref() else {
        return;
    };
    if orm.eager_all || orm.eager.iter().any(|e| e == name) || orm.reported.contains(&name) {
        return;
    }
    let model = orm.model;
    let Some(rel) = checker.project.models.relationship(model, name) else {
        return;
    };
    let lazy = rel.lazy.as_deref();
    if let Some(l) = lazy {
        if !LAZY_OK.contains(&l) {
            return;
        }
    }
    let label = orm.label.clone();
    let line = checker.line_of(checker.loops[loop_idx].start);
    if let Some(o) = checker.loops[loop_idx].orm.as_mut() {
        o.reported.push(name);
    }
    let model_name = model.name.clone();
    checker.report(
        Rule::NPlusOneSqlalchemy,
        attr.range(),
        format!(
            "`{}.{name}` lazy-loads relationship `{model_name}.{name}` once per row of the loop over `{label}` (line {line}): N+1 queries",
            target.id.as_str()
        ),
        format!(
            "Load it with the query: `.options(selectinload({model_name}.{name}))` (or `joinedload` for a many-to-one), or set `lazy=\"selectin\"` on the relationship"
        ),
    );
}
