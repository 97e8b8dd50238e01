//! `perfaudit monitor`: process-tree and host sampling, alerts, leak verdicts. Never prints.
