//! The discrete convolution's fast paths (FFT, the cost model's choice, FFT correlation, a
//! plan) against the direct sum, within 8(n + m)·ε·Σ|h|·max|x|; and the least-squares
//! gradient against the direct residual and correlation, within that bound carried through.
#![no_main]

use flipshift_testkit::properties::{direct_agrees_with_fft, gradient_agrees_with_direct};
use flipshift_testkit::strategies::Bytes;
use flipshift_testkit::strategies::signals::pair;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let p = pair(&mut Bytes::new(data), 4096, 512);
    if let Err(why) = direct_agrees_with_fft(&p) {
        panic!("{why}");
    }
    if let Err(why) = gradient_agrees_with_direct(&p) {
        panic!("{why}");
    }
});
