//! The `direct_fft` fuzz target's property (`fuzz/`) at a smaller count on every `cargo test`:
//! every fast path of the discrete convolution (FFT, the cost model's choice, FFT
//! correlation, a plan) agrees with the direct sum within 8(n + m)·ε·Σ|h|·max|x|, in every
//! mode, for kernels and signals from one sample to a thousand, with values from small
//! integers to the ends of the double range (`flipshift_testkit::strategies::signals`).
//!
//! `PROPTEST_CASES=N` runs N cases.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use flipshift_testkit::properties::direct_agrees_with_fft;
use flipshift_testkit::strategies::config;
use flipshift_testkit::strategies::signals::signal_pair;
use proptest::prelude::*;

proptest! {
    #![proptest_config(config(5000))]

    #[test]
    fn fast_paths_agree_with_the_direct_sum(p in signal_pair()) {
        direct_agrees_with_fft(&p).map_err(TestCaseError::fail)?;
    }
}
