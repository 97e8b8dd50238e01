//! The rule registry: one row per rule, and everything else about rules derives from it.
//!
//! A row declares the code, the [`Rule`] variant, the kebab-case name, the group, the default
//! severity, the module that holds the rule's `DOC`, whether the rule needs the project index
//! (models, relationships, indexes), whether it is opt-in (and why), and its [`Stage`]. The
//! `Rule` enum, the [`RULES`] table, the doc lookup, [`RuleSet`] and its derived sets (default,
//! module rules, index-free rules), `perfaudit rule`, the README catalog check and the fixture
//! list of `tests/rule_fixtures.rs` all come from this table.

use super::docs::RuleDoc;
use super::{caching, database, event_loop, http, startup};
use perfaudit_model::Severity;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Group {
    /// A. The event loop (asyncio, FastAPI/Starlette, aiohttp, Django async views).
    EventLoop,
    /// B. HTTP clients.
    HttpClients,
    /// C. Database and ORM.
    Database,
    /// D. Redis and caching.
    Caching,
    /// E. Start-up, inventory and dependencies.
    Startup,
}

impl Group {
    pub fn letter(self) -> char {
        match self {
            Group::EventLoop => 'A',
            Group::HttpClients => 'B',
            Group::Database => 'C',
            Group::Caching => 'D',
            Group::Startup => 'E',
        }
    }

    /// The digit after `PA` in the group's codes.
    pub fn digit(self) -> char {
        match self {
            Group::EventLoop => '1',
            Group::HttpClients => '2',
            Group::Database => '3',
            Group::Caching => '4',
            Group::Startup => '5',
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Group::EventLoop => "The event loop",
            Group::HttpClients => "HTTP clients",
            Group::Database => "Database and ORM",
            Group::Caching => "Redis and caching",
            Group::Startup => "Start-up, inventory and dependencies",
        }
    }
}

/// Where a rule is decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Stage {
    /// By the module checker, during its one traversal of each module (has a fixture).
    Module,
    /// By the scan pipeline, over the whole project (inventory, dependency manifests).
    Project,
}

impl Stage {
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Module => "module",
            Stage::Project => "project",
        }
    }
}

/// One row of the registry.
#[derive(Debug, Clone, Copy)]
pub struct RuleMeta {
    pub rule: Rule,
    pub code: &'static str,
    pub name: &'static str,
    pub group: Group,
    pub severity: Severity,
    pub doc: &'static RuleDoc,
    /// Asks the project index (models, columns, relationships, indexes): when no enabled rule
    /// does, the facts pass is skipped.
    pub needs_index: bool,
    /// `Some(why)`: the rule runs only when selected by its full code or by `ALL`.
    pub opt_in: Option<&'static str>,
    pub stage: Stage,
}

macro_rules! opt_in {
    (-) => {
        None
    };
    ($why:literal) => {
        Some($why)
    };
}

macro_rules! yes_no {
    (yes) => {
        true
    };
    (no) => {
        false
    };
}

macro_rules! doc_of {
    ($g:ident $f:ident) => {
        $g::$f::DOC
    };
    ($g:ident $f:ident $doc:ident) => {
        $g::$f::$doc
    };
}

/// One hook of one rule at one dispatch site: the call, gated by the rule being enabled, when
/// the rule's row names this hook; nothing otherwise.
macro_rules! hook {
    (@call $v:ident $g:ident $f:ident $fun:ident $c:ident $(, $arg:expr)*) => {
        if $c.enabled(Rule::$v) {
            $g::$f::$fun($c $(, $arg)*);
        }
    };
    (async_call, async_call, $($t:tt)*) => { hook!(@call $($t)*) };
    (call, call, $($t:tt)*) => { hook!(@call $($t)*) };
    (outer_call, outer_call, $($t:tt)*) => { hook!(@call $($t)*) };
    (await_, await_, $($t:tt)*) => { hook!(@call $($t)*) };
    (return_value, return_value, $($t:tt)*) => { hook!(@call $($t)*) };
    (class_def, class_def, $($t:tt)*) => { hook!(@call $($t)*) };
    (function_def, function_def, $($t:tt)*) => { hook!(@call $($t)*) };
    (module_assign, module_assign, $($t:tt)*) => { hook!(@call $($t)*) };
    (class_assign, class_assign, $($t:tt)*) => { hook!(@call $($t)*) };
    (function_assign, function_assign, $($t:tt)*) => { hook!(@call $($t)*) };
    (subscript_store, subscript_store, $($t:tt)*) => { hook!(@call $($t)*) };
    (subscript_delete, subscript_delete, $($t:tt)*) => { hook!(@call $($t)*) };
    (import, import, $($t:tt)*) => { hook!(@call $($t)*) };
    (finish, finish, $($t:tt)*) => { hook!(@call $($t)*) };
    ($site:ident, $other:ident, $($t:tt)*) => {};
}

macro_rules! registry {
    ($(
        $code:ident $variant:ident $name:literal $group:ident $sev:ident $stage:ident
        index=$index:ident opt_in=$opt:tt in=$g:ident::$f:ident $(doc=$doc:ident)?
        on={ $($hook:ident: $fun:ident),* $(,)? }
        $(callees=$callees:ident)?
        $(state={ $field:ident: $sty:ty })?;
    )*) => {
        /// Every rule perfaudit knows, in code order (the discriminant is the row index).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        #[repr(u16)]
        pub enum Rule {
            $($variant,)*
        }

        /// The registry, in code order: `RULES[rule as usize].rule == rule`.
        pub const RULES: &[RuleMeta] = &[
            $(RuleMeta {
                rule: Rule::$variant,
                code: stringify!($code),
                name: $name,
                group: Group::$group,
                severity: Severity::$sev,
                doc: &doc_of!($g $f $($doc)?),
                needs_index: yes_no!($index),
                opt_in: opt_in!($opt),
                stage: Stage::$stage,
            },)*
        ];

        impl Rule {
            /// Every rule, in code order.
            pub const ALL: &'static [Rule] = &[$(Rule::$variant,)*];
        }

        /// Per-module state of the rules that decide at the end of the module (the `state`
        /// of their rows).
        #[derive(Default)]
        pub struct RuleState<'a> {
            $($(pub $field: $sty,)?)*
            _module: std::marker::PhantomData<&'a ()>,
        }

        /// Last segments of the callees the rules resolve to a qualified name (each rule's
        /// `CALLEES`, named by the `callees` of its row); other calls skip the (allocating)
        /// resolution.
        pub(crate) fn callees() -> &'static [&'static str] {
            static UNION: std::sync::OnceLock<Vec<&'static str>> = std::sync::OnceLock::new();
            UNION.get_or_init(|| {
                let mut all: Vec<&'static str> = Vec::new();
                $($(all.extend_from_slice($g::$f::$callees);)?)*
                all.sort_unstable();
                all.dedup();
                all
            })
        }

        /// The dispatch sites of the checker, one per node kind: every rule whose row names
        /// the hook is called there, gated by the rule being enabled.
        pub(crate) mod hooks {
            use super::*;
            use crate::python::parser::ast::{self, Expr};
            use crate::rules::checker::Checker;
            use crate::semantic::BindingId;

            /// A call: `async_call` hooks when the innermost function is `async def`, `call`
            /// hooks always, `outer_call` hooks unless the call is an inner call of a chain.
            pub(crate) fn call<'a>(c: &mut Checker<'a>, node: &'a ast::ExprCall, inner: bool) {
                if c.in_async() {
                    $($(hook!(async_call, $hook, $variant $g $f $fun c, node);)*)*
                }
                $($(hook!(call, $hook, $variant $g $f $fun c, node);)*)*
                if !inner {
                    $($(hook!(outer_call, $hook, $variant $g $f $fun c, node);)*)*
                }
            }

            pub(crate) fn await_<'a>(c: &mut Checker<'a>, node: &'a ast::ExprAwait) {
                $($(hook!(await_, $hook, $variant $g $f $fun c, node);)*)*
            }

            /// The value of a `return` statement.
            pub(crate) fn return_value<'a>(c: &mut Checker<'a>, node: &'a Expr) {
                $($(hook!(return_value, $hook, $variant $g $f $fun c, node);)*)*
            }

            /// A class definition, before its body is visited.
            pub(crate) fn class_def<'a>(c: &mut Checker<'a>, node: &'a ast::StmtClassDef) {
                $($(hook!(class_def, $hook, $variant $g $f $fun c, node);)*)*
            }

            /// A function definition, before its defaults, annotations and body are visited.
            pub(crate) fn function_def<'a>(c: &mut Checker<'a>, node: &'a ast::StmtFunctionDef) {
                $($(hook!(function_def, $hook, $variant $g $f $fun c, node);)*)*
            }

            /// An assignment, by the kind of scope it is in.
            pub(crate) fn assign<'a>(c: &mut Checker<'a>, node: &'a ast::StmtAssign) {
                match c.sem.scope().kind {
                    crate::semantic::ScopeKind::Module => {
                        $($(hook!(module_assign, $hook, $variant $g $f $fun c, node);)*)*
                    }
                    crate::semantic::ScopeKind::Class => {
                        $($(hook!(class_assign, $hook, $variant $g $f $fun c, node);)*)*
                    }
                    _ => {
                        $($(hook!(function_assign, $hook, $variant $g $f $fun c, node);)*)*
                    }
                }
            }

            /// `x[k] = ...` (and subscripts in unpacking targets).
            pub(crate) fn subscript_store<'a>(c: &mut Checker<'a>, node: &'a ast::ExprSubscript) {
                $($(hook!(subscript_store, $hook, $variant $g $f $fun c, node);)*)*
            }

            /// `del x[k]`: the subscripted value.
            pub(crate) fn subscript_delete<'a>(c: &mut Checker<'a>, node: &'a Expr) {
                $($(hook!(subscript_delete, $hook, $variant $g $f $fun c, node);)*)*
            }

            /// One imported name, after it was bound (`qualified` is absolute for `from`
            /// imports; relative ones are not hooked).
            pub(crate) fn import<'a>(
                c: &mut Checker<'a>,
                qualified: &str,
                alias: &'a ast::Alias,
                id: BindingId,
            ) {
                $($(hook!(import, $hook, $variant $g $f $fun c, qualified, alias, id);)*)*
                let _ = (qualified, alias, id);
            }

            /// The end of the module, after deferred names were resolved.
            pub(crate) fn finish(c: &mut Checker) {
                $($(hook!(finish, $hook, $variant $g $f $fun c);)*)*
            }
        }
    };
}

registry! {
    // code variant name group severity stage
    //     index=<asks the project index> opt_in=<- or why> in=<the rule's module> [doc=<const>]
    //     on={<dispatch site>: <function of the module>, ...} [callees=<const>]
    //     [state={<field of RuleState>: <type>}]
    PA101 BlockingSleepInAsync "blocking-sleep-in-async" EventLoop Error Module
        index=yes opt_in=- in=event_loop::blocking_sleep
        on={ async_call: check_call } callees=CALLEES;
    PA102 BlockingHttpInAsync "blocking-http-in-async" EventLoop Error Module
        index=yes opt_in=- in=event_loop::blocking_http
        on={ async_call: check_call } callees=CALLEES;
    PA103 BlockingIoInAsync "blocking-io-in-async" EventLoop Warning Module
        index=yes opt_in=- in=event_loop::blocking_io
        on={ async_call: check_call } callees=CALLEES;
    PA104 SyncDbInAsync "sync-db-in-async" EventLoop Error Module
        index=yes opt_in=- in=event_loop::sync_db
        on={ async_call: check_call } callees=CALLEES;
    PA105 SequentialAwaitInLoop "sequential-await-in-loop" EventLoop Info Module
        index=yes opt_in=- in=event_loop::sequential_await
        on={ await_: check_await };
    PA201 HttpCallWithoutTimeout "http-call-without-timeout" HttpClients Warning Module
        index=yes opt_in=- in=http::timeout
        on={ call: check_call } callees=CALLEES;
    PA202 HttpClientPerCall "http-client-per-call" HttpClients Warning Module
        index=yes opt_in=- in=http::client_per_call
        on={ call: check_call } callees=CALLEES;
    // PA301/PA302 are reached through the loop context (`database::loop_orm`,
    // `database::on_attribute`), which the checker builds when either is enabled.
    PA301 NPlusOneSqlalchemy "n-plus-one-sqlalchemy" Database Error Module
        index=yes opt_in=- in=database::n_plus_one_sqlalchemy
        on={};
    PA302 NPlusOneDjango "n-plus-one-django" Database Error Module
        index=yes opt_in=- in=database::n_plus_one_django
        on={};
    PA303 QueryInLoop "query-in-loop" Database Warning Module
        index=yes opt_in=- in=database::query_in_loop
        on={ outer_call: check_call };
    PA304 UnpaginatedListEndpoint "unpaginated-list-endpoint" Database Warning Module
        index=yes opt_in=- in=database::unpaginated_list_endpoint
        on={ class_def: check_class, return_value: check_return };
    PA305 CountByFetching "count-by-fetching" Database Warning Module
        index=yes opt_in=- in=database::count_by_fetching
        on={ call: check_call };
    PA306 SelectStar "select-star" Database Info Module
        index=yes opt_in=- in=database::select_star
        on={ call: check_call };
    PA307 ConnectionPerRequest "connection-per-request" Database Warning Module
        index=yes opt_in=- in=database::connection_per_request
        on={ call: check_call, finish: finish } callees=CALLEES
        state={ conn: database::connection_per_request::State };
    PA308 ForeignKeyWithoutIndex "foreign-key-without-index" Database Warning Module
        index=yes opt_in=- in=database::foreign_key_without_index
        on={ finish: finish };
    PA309 FilterOrSortWithoutIndex "filter-or-sort-without-index" Database Info Module
        index=yes
        opt_in="its measured precision is 59% (16 of 27 findings real, bench/rules_precision.md), \
below the 90% bar: low-cardinality columns on small tables are flagged as well"
        in=database::filter_without_index
        on={ call: check_call, finish: finish }
        state={ pa309_seen: Vec<(String, String)> };
    PA310 BlockingIndexMigration "blocking-index-migration" Database Warning Module
        index=yes opt_in=- in=database::blocking_index_migration
        on={ call: check_call, finish: finish }
        state={ migrations: database::blocking_index_migration::State };
    PA401 RedisKeys "redis-keys" Caching Error Module
        index=yes opt_in=- in=caching::redis_keys
        on={ call: check_call };
    PA402 RedisRoundtripInLoop "redis-roundtrip-in-loop" Caching Warning Module
        index=yes opt_in=- in=caching::redis_roundtrip
        on={ call: check_call };
    PA403 UnboundedCache "unbounded-cache" Caching Warning Module
        index=yes opt_in=- in=caching::unbounded_cache
        on={
            call: check_call,
            function_def: on_function_def,
            module_assign: on_module_assign,
            class_assign: on_class_assign,
            function_assign: on_function_assign,
            subscript_store: on_subscript_store,
            subscript_delete: on_evict,
            finish: finish,
        }
        state={ cache: caching::unbounded_cache::State<'a> };
    PA501 HeavyImportAtModuleLevel "heavy-import-at-module-level" Startup Warning Module
        index=no opt_in=- in=startup::heavy_import
        on={ import: on_import, finish: finish }
        state={ heavy: Vec<startup::heavy_import::Candidate> };
    PA502 OversizedModule "oversized-module" Startup Info Project
        index=no opt_in=- in=startup::pipeline_docs doc=PA502
        on={};
    PA503 UnusedImport "unused-import" Startup Warning Module
        index=no opt_in=- in=startup::unused_import
        on={ finish: finish };
    PA504 UndeclaredDependency "undeclared-dependency" Startup Error Project
        index=no opt_in=- in=startup::pipeline_docs doc=PA504
        on={};
    PA505 UnusedDependency "unused-dependency" Startup Warning Project
        index=no opt_in=- in=startup::pipeline_docs doc=PA505
        on={};
    PA506 MisplacedDependency "misplaced-dependency" Startup Warning Project
        index=no opt_in=- in=startup::pipeline_docs doc=PA506
        on={};
}

impl RuleMeta {
    /// The rule's row in the README catalog and in `perfaudit rule --format markdown`.
    pub fn catalog_row(&self) -> String {
        let opt_in = if self.opt_in.is_some() {
            " (opt-in)"
        } else {
            ""
        };
        format!(
            "| {} | {} | {}. {} | {}{opt_in} |",
            self.code,
            self.name,
            self.group.letter(),
            self.group.title(),
            self.severity.as_str()
        )
    }
}

/// The README catalog: header and one row per rule, in code order.
pub fn catalog_table() -> String {
    let mut t = String::from("| code | name | group | severity |\n|---|---|---|---|\n");
    for r in RULES {
        t.push_str(&r.catalog_row());
        t.push('\n');
    }
    t
}

impl Rule {
    /// This rule's registry row.
    pub fn meta(self) -> &'static RuleMeta {
        &RULES[self as usize]
    }

    pub fn code(self) -> &'static str {
        self.meta().code
    }

    pub fn name(self) -> &'static str {
        self.meta().name
    }

    /// The rule with this code (case-insensitive), if any.
    pub fn from_code(code: &str) -> Option<Rule> {
        lookup(code).map(|m| m.rule)
    }
}

impl std::fmt::Display for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

/// The row of this code (case-insensitive), if any.
pub fn lookup(code: &str) -> Option<&'static RuleMeta> {
    RULES.iter().find(|r| r.code.eq_ignore_ascii_case(code))
}

/// The rules a selector names, or `None` when it names none: `ALL` is every rule, a full code
/// that rule, a prefix (`PA3`, `PA`) every rule it starts. For `ignore`, per-file ignores and
/// `perfaudit rule`.
pub fn matching(selector: &str) -> Option<RuleSet> {
    let sel = selector.trim().to_ascii_uppercase();
    if sel == "ALL" {
        return Some(RuleSet::all());
    }
    let set: RuleSet = RULES
        .iter()
        .filter(|r| r.code.starts_with(&sel))
        .map(|r| r.rule)
        .collect();
    (sel.len() >= 2 && !set.is_empty()).then_some(set)
}

/// The rules a selector turns on in `select`: like [`matching`], except that a prefix leaves
/// the opt-in rules out (they are named by their full code, or taken with `ALL`).
pub fn selecting(selector: &str) -> Option<RuleSet> {
    let set = matching(selector)?;
    let sel = selector.trim();
    if sel.eq_ignore_ascii_case("ALL") || lookup(sel).is_some() {
        return Some(set);
    }
    Some(set.subtract(RuleSet::all().subtract(RuleSet::default_enabled())))
}

/// The error for a selector that matches no rule: names it and, when one is close, suggests
/// the code the user probably meant (a code one or two edits away, or a rule name).
pub fn unknown_selector_message(what: &str, selector: &str) -> String {
    let mut msg = format!("{what}: unknown rule code or prefix `{selector}`");
    if let Some(s) = suggest(selector) {
        msg.push_str(&format!("; did you mean `{s}`?"));
    }
    msg.push_str(" (run `perfaudit rule` to list the rules)");
    msg
}

/// The closest known selector: a rule code within two edits (a swap of two digits is one), or the code of the rule whose
/// name is closest (`unused-imports` -> `PA503`).
pub fn suggest(selector: &str) -> Option<String> {
    let sel = selector.trim().to_ascii_uppercase();
    let by_code = RULES
        .iter()
        .map(|r| (strsim::osa_distance(&sel, r.code), r.code))
        .min_by_key(|(d, _)| *d)
        .filter(|(d, _)| *d <= 2)
        .map(|(_, c)| c.to_string());
    if sel.starts_with("PA") && sel.len() <= 6 {
        return by_code;
    }
    let lower = selector.trim().to_ascii_lowercase();
    let by_name = RULES
        .iter()
        .map(|r| (strsim::jaro_winkler(&lower, r.name), r))
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .filter(|(s, _)| *s >= 0.85)
        .map(|(_, r)| format!("{} ({})", r.code, r.name));
    by_name.or(by_code)
}

/// Words of the bit set: enough for every row of the registry, whatever the group sizes.
const WORDS: usize = RULES.len().div_ceil(64);

/// A set of rules, one bit per registry row (`contains` is a shift and a mask).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct RuleSet([u64; WORDS]);

impl RuleSet {
    pub const fn empty() -> Self {
        RuleSet([0; WORDS])
    }

    /// Every rule, opt-in ones included (`--select ALL`).
    pub const fn all() -> Self {
        Self::where_(0)
    }

    /// What runs when nothing is selected: every rule except the opt-in ones.
    pub const fn default_enabled() -> Self {
        Self::where_(1)
    }

    /// The rules decided by the module checker (stage `Module`).
    pub const fn module_rules() -> Self {
        Self::where_(2)
    }

    /// The rules that ask the project index.
    pub const fn index_rules() -> Self {
        Self::where_(3)
    }

    /// The rows of the registry that pass test `which` (const: no closures).
    const fn where_(which: u8) -> Self {
        let mut words = [0u64; WORDS];
        let mut i = 0;
        while i < RULES.len() {
            let r = &RULES[i];
            let take = match which {
                0 => true,
                1 => r.opt_in.is_none(),
                2 => matches!(r.stage, Stage::Module),
                _ => r.needs_index,
            };
            if take {
                words[i / 64] |= 1 << (i % 64);
            }
            i += 1;
        }
        RuleSet(words)
    }

    /// A set of these rules, in a `const`.
    pub const fn from_rules_const(rules: &[Rule]) -> Self {
        let mut words = [0u64; WORDS];
        let mut i = 0;
        while i < rules.len() {
            let r = rules[i] as usize;
            words[r / 64] |= 1 << (r % 64);
            i += 1;
        }
        RuleSet(words)
    }

    pub fn from_rules(rules: impl IntoIterator<Item = Rule>) -> Self {
        rules.into_iter().collect()
    }

    pub fn insert(&mut self, rule: Rule) {
        let i = rule as usize;
        self.0[i / 64] |= 1 << (i % 64);
    }

    pub fn remove(&mut self, rule: Rule) {
        let i = rule as usize;
        self.0[i / 64] &= !(1 << (i % 64));
    }

    #[inline]
    pub fn contains(&self, rule: Rule) -> bool {
        let i = rule as usize;
        self.0[i / 64] & (1 << (i % 64)) != 0
    }

    /// Is the rule with this code (case-insensitive) in the set? Unknown codes are not.
    pub fn contains_code(&self, code: &str) -> bool {
        Rule::from_code(code).is_some_and(|r| self.contains(r))
    }

    pub fn union(mut self, other: RuleSet) -> Self {
        for (a, b) in self.0.iter_mut().zip(other.0) {
            *a |= b;
        }
        self
    }

    pub fn subtract(mut self, other: RuleSet) -> Self {
        for (a, b) in self.0.iter_mut().zip(other.0) {
            *a &= !b;
        }
        self
    }

    #[inline]
    pub fn intersects(&self, other: &RuleSet) -> bool {
        self.0.iter().zip(other.0).any(|(a, b)| a & b != 0)
    }

    pub fn is_empty(&self) -> bool {
        self.0.iter().all(|w| *w == 0)
    }

    pub fn len(&self) -> usize {
        self.0.iter().map(|w| w.count_ones() as usize).sum()
    }

    /// The rules of the set, in code order.
    pub fn iter(&self) -> impl Iterator<Item = Rule> + '_ {
        Rule::ALL.iter().copied().filter(|r| self.contains(*r))
    }
}

impl FromIterator<Rule> for RuleSet {
    fn from_iter<I: IntoIterator<Item = Rule>>(iter: I) -> Self {
        let mut s = RuleSet::empty();
        for r in iter {
            s.insert(r);
        }
        s
    }
}

impl std::fmt::Debug for RuleSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_set().entries(self.iter().map(Rule::code)).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_unique_and_well_formed() {
        for w in RULES.windows(2) {
            assert!(w[0].code < w[1].code, "{} before {}", w[0].code, w[1].code);
        }
        for (i, r) in RULES.iter().enumerate() {
            assert_eq!(r.rule as usize, i, "{}: discriminant is the row", r.code);
            assert!(r.code.len() == 5 && r.code.starts_with("PA"));
            assert_eq!(r.code.as_bytes()[2] as char, r.group.digit(), "{}", r.code);
            assert!(
                r.name.bytes().all(|b| b.is_ascii_lowercase() || b == b'-'),
                "{}",
                r.name
            );
        }
        let mut names: Vec<_> = RULES.iter().map(|r| r.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), RULES.len(), "names are unique");
        assert_eq!(lookup("pa503").unwrap().name, "unused-import");
        assert_eq!(Rule::UnusedImport.code(), "PA503");
        assert_eq!(
            Rule::from_code("PA309"),
            Some(Rule::FilterOrSortWithoutIndex)
        );
    }

    #[test]
    fn every_code_has_a_complete_doc() {
        for r in RULES {
            let d = r.doc;
            for (section, text) in [
                ("what", d.what),
                ("why", d.why),
                ("example", d.example),
                ("use_instead", d.use_instead),
                ("limits", d.limits),
            ] {
                assert!(text.len() > 10, "{} doc section {section} is empty", r.code);
            }
        }
    }

    #[test]
    fn selectors() {
        // In `select` a prefix leaves the opt-in rules out; ALL and the full code take them.
        // (Counts come from the table, so that a new row needs no edit here.)
        let starting = |p: &'static str| RULES.iter().filter(move |r| r.code.starts_with(p));
        let opt_in = RULES.iter().filter(|r| r.opt_in.is_some()).count();
        let pa3 = selecting("PA3").unwrap();
        assert_eq!(
            pa3.len(),
            starting("PA3").filter(|r| r.opt_in.is_none()).count()
        );
        assert!(!pa3.contains(Rule::FilterOrSortWithoutIndex));
        assert_eq!(selecting("PA").unwrap().len(), RULES.len() - opt_in);
        assert_eq!(selecting("all").unwrap().len(), RULES.len());
        assert_eq!(
            selecting("pa309").unwrap().iter().collect::<Vec<_>>(),
            [Rule::FilterOrSortWithoutIndex]
        );
        // Everywhere else a prefix is every rule it starts.
        assert_eq!(matching("PA3").unwrap().len(), starting("PA3").count());
        assert_eq!(matching("all").unwrap().len(), RULES.len());
        for bad in ["PA999", "XY1", "P", "", "PA3011"] {
            assert!(matching(bad).is_none() && selecting(bad).is_none(), "{bad}");
        }
        assert_eq!(RuleSet::default_enabled().len(), RULES.len() - opt_in);
    }

    #[test]
    fn suggestions() {
        assert_eq!(suggest("PA3011").as_deref(), Some("PA301"));
        assert_eq!(suggest("PA530").as_deref(), Some("PA503"));
        assert_eq!(
            suggest("unused-imports").as_deref(),
            Some("PA503 (unused-import)")
        );
        assert_eq!(suggest("XYZ"), None);
        let msg = unknown_selector_message("select", "PA3011");
        assert!(msg.contains("`PA3011`") && msg.contains("did you mean `PA301`?"));
    }

    #[test]
    fn rule_set_has_room_for_any_number_of_rules() {
        let mut s = RuleSet::empty();
        assert!(s.is_empty());
        for r in Rule::ALL {
            s.insert(*r);
        }
        assert_eq!(s, RuleSet::all());
        assert_eq!(s.len(), RULES.len());
        s.remove(Rule::RedisKeys);
        assert!(!s.contains(Rule::RedisKeys) && s.contains(Rule::UnboundedCache));
        assert!(s.contains_code("pa403") && !s.contains_code("PA401") && !s.contains_code("X"));
        let project = RuleSet::all().subtract(RuleSet::module_rules());
        assert_eq!(
            project.iter().map(Rule::code).collect::<Vec<_>>(),
            ["PA502", "PA504", "PA505", "PA506"]
        );
        assert_eq!(
            format!("{project:?}"),
            r#"{"PA502", "PA504", "PA505", "PA506"}"#
        );
    }
}
