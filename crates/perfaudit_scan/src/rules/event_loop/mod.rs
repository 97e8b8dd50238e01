//! A. The event loop: blocking calls in async context, sequential awaits in loops.

pub mod blocking_http;
pub mod blocking_io;
pub mod blocking_sleep;
pub mod sequential_await;
pub mod sync_db;
