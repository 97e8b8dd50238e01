//! The one table of rule codes: code, name, group, default severity. Rule docs live with each
//! rule (as data) and are reached through this table.

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

#[derive(Debug, Clone, Copy)]
pub struct RuleMeta {
    pub code: &'static str,
    pub name: &'static str,
    pub group: Group,
    pub severity: Severity,
}

macro_rules! rules {
    ($($code:literal $name:literal $group:ident $sev:ident;)*) => {
        /// Every rule perfaudit knows, in code order.
        pub const RULES: &[RuleMeta] = &[
            $(RuleMeta { code: $code, name: $name, group: Group::$group, severity: Severity::$sev },)*
        ];
    };
}

rules! {
    "PA101" "blocking-sleep-in-async" EventLoop Error;
    "PA102" "blocking-http-in-async" EventLoop Error;
    "PA103" "blocking-io-in-async" EventLoop Warning;
    "PA104" "sync-db-in-async" EventLoop Error;
    "PA105" "sequential-await-in-loop" EventLoop Info;
    "PA201" "http-call-without-timeout" HttpClients Warning;
    "PA202" "http-client-per-call" HttpClients Warning;
    "PA301" "n-plus-one-sqlalchemy" Database Error;
    "PA302" "n-plus-one-django" Database Error;
    "PA303" "query-in-loop" Database Warning;
    "PA304" "unpaginated-list-endpoint" Database Warning;
    "PA305" "count-by-fetching" Database Warning;
    "PA306" "select-star" Database Info;
    "PA307" "connection-per-request" Database Warning;
    "PA308" "foreign-key-without-index" Database Warning;
    "PA309" "filter-or-sort-without-index" Database Info;
    "PA310" "blocking-index-migration" Database Warning;
    "PA401" "redis-keys" Caching Error;
    "PA402" "redis-roundtrip-in-loop" Caching Warning;
    "PA403" "unbounded-cache" Caching Warning;
    "PA404" "module-state-growth" Caching Warning;
    "PA501" "heavy-import-at-module-level" Startup Warning;
    "PA502" "oversized-module" Startup Info;
    "PA503" "unused-import" Startup Warning;
    "PA504" "undeclared-dependency" Startup Error;
    "PA505" "unused-dependency" Startup Warning;
    "PA506" "misplaced-dependency" Startup Warning;
}

/// The rule with this code (case-insensitive), if any.
pub fn lookup(code: &str) -> Option<&'static RuleMeta> {
    RULES.iter().find(|r| r.code.eq_ignore_ascii_case(code))
}

/// Codes matching a selector: a full code (`PA301`), a prefix (`PA3`, `PA`), or `ALL`.
pub fn matching(selector: &str) -> Vec<&'static RuleMeta> {
    let sel = selector.trim().to_ascii_uppercase();
    if sel == "ALL" {
        return RULES.iter().collect();
    }
    RULES.iter().filter(|r| r.code.starts_with(&sel)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_unique_and_well_formed() {
        for w in RULES.windows(2) {
            assert!(w[0].code < w[1].code, "{} before {}", w[0].code, w[1].code);
        }
        for r in RULES {
            assert!(r.code.len() == 5 && r.code.starts_with("PA"));
            let digit = r.code.as_bytes()[2];
            let expected = match r.group {
                Group::EventLoop => b'1',
                Group::HttpClients => b'2',
                Group::Database => b'3',
                Group::Caching => b'4',
                Group::Startup => b'5',
            };
            assert_eq!(digit, expected, "{}", r.code);
        }
        assert_eq!(lookup("pa503").unwrap().name, "unused-import");
        assert_eq!(matching("PA3").len(), 10);
        assert_eq!(matching("all").len(), RULES.len());
    }
}
