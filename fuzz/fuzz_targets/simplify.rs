//! Simplification and compilation keep the values of an expression where it is defined, to
//! within the rounding of both evaluations. Two points come from the input, the rest are
//! fixed.
#![no_main]

use flipshift_testkit::properties::{POINTS, simplify_keeps_values};
use flipshift_testkit::strategies::Bytes;
use flipshift_testkit::strategies::exprs::{ALL_FUNCS, tree};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut b = Bytes::new(data);
    let mut points = POINTS.to_vec();
    for _ in 0..2 {
        points.push(match b.below(4) {
            0 => b.uniform(-4.0, 4.0),
            1 => b.pick(&[1e-8, -1e-8, 1.0, -1.0, 30.0, -30.0, 700.0, 1e6]),
            _ => b.uniform(-4.0, 4.0).round() / 4.0,
        });
    }
    let e = tree(&mut b, ALL_FUNCS);
    if let Err(why) = simplify_keeps_values(&e, &points) {
        panic!("{why}");
    }
});
