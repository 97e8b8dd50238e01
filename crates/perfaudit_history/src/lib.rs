//! The run history: SQLite at `.perfaudit/history.db`, schema version + ordered migrations.
