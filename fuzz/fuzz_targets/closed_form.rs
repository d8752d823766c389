//! Closed forms against quadrature: for pairs from the closed-form families (piecewise
//! polynomials, exponentials times polynomials, Gaussians times polynomials), the exact
//! convolution and the quadrature of the same expressions agree within the sum of their
//! reported bounds.
#![no_main]

use flipshift_testkit::properties::closed_form_agrees_with_quadrature;
use flipshift_testkit::strategies::Bytes;
use flipshift_testkit::strategies::families::{Limits, pair};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let p = pair(&mut Bytes::new(data), &Limits::FUZZ);
    if let Err(why) = closed_form_agrees_with_quadrature(&p, 5_000) {
        panic!("{why}");
    }
});
