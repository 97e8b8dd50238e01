//! B. HTTP clients: timeouts and client reuse.

pub mod client_per_call;
pub mod timeout;
