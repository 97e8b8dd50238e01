//! `perfaudit load`: the HTTP load engine. Never prints; the binary draws progress.
