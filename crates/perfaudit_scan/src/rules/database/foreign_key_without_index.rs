//! PA308 foreign-key-without-index.

use crate::python::parser::{TextRange, TextSize};
use crate::rules::checker::Checker;
use crate::rules::docs::RuleDoc;
use crate::rules::Rule;
use crate::semantic::models::{ColumnFact, FieldKind, ModelFact, ModelIndex, ModelKind};

pub const DOC: RuleDoc = RuleDoc {
    what: "Finds SQLAlchemy foreign-key columns (`Column(ForeignKey(...))`, \
`mapped_column(ForeignKey(...))`, SQLModel `Field(foreign_key=...)`, `Table(...)` columns) with \
no `index=True`, `unique=True` or `primary_key=True` that do not lead any `Index(...)`/\
`UniqueConstraint(...)` (in `__table_args__`, at module level) or Alembic `op.create_index`; \
and Django `ForeignKey(..., db_index=False)`.",
    why: "PostgreSQL (unlike MySQL/InnoDB) does not index foreign keys. Every join or filter on \
the column, and every delete of a parent row (the FK check), scans the child table: fine with \
1,000 rows, seconds with 10 million.",
    example: "class Order(Base):\n    __tablename__ = \"orders\"\n    user_id = mapped_column(ForeignKey(\"users.id\"))",
    use_instead: "class Order(Base):\n    __tablename__ = \"orders\"\n    user_id = mapped_column(ForeignKey(\"users.id\"), index=True)",
    limits: "Indexes created by raw SQL migrations are not seen. On MySQL InnoDB the index \
exists implicitly: nothing is reported when the project's runtime dependencies name a MySQL \
driver (PyMySQL, mysqlclient, mysql-connector-python, aiomysql, asyncmy, mariadb) and no \
PostgreSQL driver (psycopg2, psycopg, asyncpg, pg8000, aiopg); otherwise ignore it with \
`ignore = [\"PA308\"]`. A Django `db_index=False` foreign key that leads a `Meta.indexes` entry, \
`index_together` or `unique_together` is covered; on an abstract model (or a table-less \
mixin) a column every concrete subclass indexes is covered. Models defined in migrations and tests \
(frozen copies) are not reported. A column with `primary_key=True` or leading a \
`PrimaryKeyConstraint` counts as indexed; the second column of a composite key does not.",
};

pub(crate) fn finish(checker: &mut Checker) {
    // Models in migrations and tests are frozen copies of the application's models: the
    // finding belongs to (and is reported on) the model itself. On MySQL/InnoDB every foreign
    // key has an index.
    if !checker.enabled(Rule::ForeignKeyWithoutIndex)
        || checker.is_offline
        || checker.settings.mysql_only
    {
        return;
    }
    let path = checker.input.rel_path;
    let models = &checker.project.models;
    let mut out = Vec::new();
    for m in models.models_in(path) {
        for c in &m.columns {
            if !matches!(c.kind, FieldKind::ForeignKey | FieldKind::OneToOne) {
                continue;
            }
            let bad = match m.kind {
                ModelKind::SqlAlchemy => !models.is_covered(m, c),
                ModelKind::Django => c.db_index_false && !models.is_covered(m, c),
            };
            // An abstract model or a mixin has no table: its subclasses' tables get the
            // column, and each may index it.
            let tableless = m.abstract_ || (m.kind == ModelKind::SqlAlchemy && m.table.is_none());
            let bad = bad && !(tableless && subclasses_cover(models, m, c));
            if bad {
                out.push((
                    c.line,
                    c.column_no,
                    format!(
                        "foreign key `{}.{}` (→ {}) has no index",
                        m.name,
                        c.attr,
                        c.target.as_deref().unwrap_or("?")
                    ),
                    match m.kind {
                        ModelKind::SqlAlchemy => "Add `index=True` to the column (and a migration with `op.create_index(..., postgresql_concurrently=True)`), or lead an `Index(...)` with it".to_string(),
                        ModelKind::Django => "Remove `db_index=False` (Django indexes foreign keys by default) unless a composite index leads with this column".to_string(),
                    },
                ));
            }
        }
    }
    for (line, col, msg, help) in out {
        let offset = offset_of(checker, line, col);
        checker.report(
            Rule::ForeignKeyWithoutIndex,
            TextRange::empty(offset),
            msg,
            help,
        );
    }
}

/// Does every concrete subclass of the table-less model `m` in the index cover `c`? False when
/// none is known.
fn subclasses_cover(models: &ModelIndex, m: &ModelFact, c: &ColumnFact) -> bool {
    let mut subs = models
        .models
        .iter()
        .map(|(_, x)| x)
        .filter(|x| x.name != m.name && x.bases.contains(&m.name))
        .peekable();
    subs.peek().is_some() && subs.all(|x| models.is_covered(x, c))
}

/// Byte offset of a 1-based line/column in the module's source.
pub(crate) fn offset_of(checker: &Checker, line: u32, col: u32) -> TextSize {
    let src = checker.input.source;
    let mut offset = 0usize;
    for (i, l) in src.split_inclusive('\n').enumerate() {
        if i + 1 == line as usize {
            let chars: usize = l
                .char_indices()
                .nth(col.saturating_sub(1) as usize)
                .map_or(l.len(), |(b, _)| b);
            return TextSize::from((offset + chars) as u32);
        }
        offset += l.len();
    }
    TextSize::from(0)
}
