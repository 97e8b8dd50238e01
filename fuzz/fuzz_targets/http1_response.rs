//! The HTTP/1.1 response parser of `perfaudit load` on arbitrary server bytes, arriving in
//! arbitrary read sizes: it must never panic, loop or over-consume.
#![no_main]

use libfuzzer_sys::fuzz_target;
use perfaudit_load::parse::{parse_stream, ResponseParser};

fuzz_target!(|data: &[u8]| {
    let Some((&split, rest)) = data.split_first() else {
        return;
    };
    let _ = parse_stream(rest, usize::from(split) + 1);
    // Feeding never claims more bytes than it was given.
    let mut p = ResponseParser::new(split % 2 == 0);
    if let Ok(used) = p.feed(rest) {
        assert!(used <= rest.len());
    }
});
