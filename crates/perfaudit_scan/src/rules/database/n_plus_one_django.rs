//! PA302 n-plus-one-django.

use crate::python::parser::ast;
use crate::python::parser::Ranged;
use crate::rules::checker::Checker;
use crate::rules::docs::RuleDoc;
use crate::rules::Rule;
use crate::semantic::models::DjangoRel;

pub const DOC: RuleDoc = RuleDoc {
    what: "Finds a loop (or comprehension) over a Django queryset of model `M` whose body reads a \
foreign key (`x.author.name`), a one-to-one, a reverse relation (`x.comment_set.all()`, a \
`related_name`) or a many-to-many of `M`, with no `select_related`/`prefetch_related` naming it \
in the queryset chain. Sub-case: `x.fk.id`/`x.fk.pk` fetches the related row only to read its \
key, which `x.fk_id` already holds.",
    why: "Django evaluates the queryset once, then runs one more query per row for each related \
object touched: N+1 round trips that grow with the table.",
    example: "for book in Book.objects.filter(published=True):\n    print(book.author.name, book.tags.count())",
    use_instead: "books = Book.objects.filter(published=True).select_related(\"author\").prefetch_related(\"tags\")\nfor book in books:\n    print(book.author.name, len(book.tags.all()))",
    limits: "Querysets are followed through local assignments, not through `get_queryset()` or \
function returns. Fields inherited from models outside the project (e.g. Django's `User`) are \
unknown and never reported. Templates and serializers are not analysed.",
};

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
    if orm.reported.contains(&name) || orm.eager.iter().any(|e| e == name) {
        return;
    }
    let model = orm.model;
    let Some(rel) = checker.project.models.django_relation(model, name) else {
        return;
    };
    if orm.eager_all && matches!(rel, DjangoRel::Forward(_)) {
        return;
    }
    let label = orm.label.clone();
    let line = checker.line_of(checker.loops[loop_idx].start);
    if let Some(o) = checker.loops[loop_idx].orm.as_mut() {
        o.reported.push(name);
    }
    let (what, fix) = match rel {
        DjangoRel::Forward(t) => (
            format!("foreign key `{}.{name}` (→ {t})", model.name),
            format!(".select_related(\"{name}\")"),
        ),
        DjangoRel::Reverse(src) => (
            format!("reverse relation `{}.{name}` (from {src})", model.name),
            format!(".prefetch_related(\"{name}\")"),
        ),
        DjangoRel::ManyToMany(t) => (
            format!("many-to-many `{}.{name}` (→ {t})", model.name),
            format!(".prefetch_related(\"{name}\")"),
        ),
    };
    checker.report(
        Rule::NPlusOneDjango,
        attr.range(),
        format!(
            "`{}.{name}` reads {what} once per row of the loop over `{label}` (line {line}): N+1 queries",
            target.id.as_str()
        ),
        format!("Add `{fix}` to the queryset"),
    );
}

/// `x.fk.id` inside a loop over a queryset: report and suggest `x.fk_id`. True if reported.
pub(crate) fn check_fk_id<'a>(
    checker: &mut Checker<'a>,
    loop_idx: usize,
    target: &'a ast::ExprName,
    inner: &'a ast::ExprAttribute,
    outer: &'a ast::ExprAttribute,
) -> bool {
    if !checker.enabled(Rule::NPlusOneDjango) {
        return false;
    }
    let Some(orm) = checker.loops[loop_idx].orm.as_ref() else {
        return false;
    };
    if orm.kind != crate::semantic::models::ModelKind::Django {
        return false;
    }
    let fk = inner.attr.as_str();
    if orm.eager_all || orm.eager.iter().any(|e| e == fk) {
        return false;
    }
    let model = orm.model;
    let Some(DjangoRel::Forward(_)) = checker.project.models.django_relation(model, fk) else {
        return false;
    };
    let key = outer.attr.as_str();
    checker.report(
        Rule::NPlusOneDjango,
        outer.range(),
        format!(
            "`{t}.{fk}.{key}` fetches the related `{fk}` row only to read its key",
            t = target.id.as_str()
        ),
        format!(
            "Use `{t}.{fk}_id`, which is already loaded",
            t = target.id.as_str()
        ),
    );
    true
}
