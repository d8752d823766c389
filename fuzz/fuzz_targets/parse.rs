//! The parser: no input makes it panic, an error points into the text, and what parses prints
//! and parses back to the same tree with the same values. The first byte chooses how the rest
//! is read: as text (most inputs), as a soup of the grammar's tokens, or as a tree that is
//! printed first.
#![no_main]

use flipshift_testkit::properties::{parse_round_trip, print_round_trip};
use flipshift_testkit::strategies::Bytes;
use flipshift_testkit::strategies::exprs::{ALL_FUNCS, text, tree};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let result = match mode % 4 {
        0 | 1 => parse_round_trip(&String::from_utf8_lossy(rest)),
        2 => parse_round_trip(&text(&mut Bytes::new(rest))),
        _ => print_round_trip(&tree(&mut Bytes::new(rest), ALL_FUNCS)),
    };
    if let Err(why) = result {
        panic!("{why}");
    }
});
