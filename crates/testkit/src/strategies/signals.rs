//! Kernel and signal vectors for the discrete convolution: lengths from 1 to a few thousand
//! (one transform, overlap-save blocks, kernels longer than signals), values from small
//! integers to the ends of the double range.

use super::{Bytes, from_bytes};
use flipshift_discrete::Mode;
use proptest::prelude::*;

/// Which fast path is compared with the direct sum.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FastPath {
    /// `convolve(h, x, mode, Method::Fft)`.
    Fft,
    /// `convolve(h, x, mode, Method::Auto)`: whichever the cost model picks.
    Auto,
    /// `correlate(h, x, mode, Method::Fft)`.
    CorrelateFft,
    /// `Plan::new(h, n, Method::Fft)?.convolve(x, mode)`.
    Plan,
}

/// A kernel, a signal, the mode and the fast path to compare.
#[derive(Debug, Clone, PartialEq)]
pub struct SignalPair {
    /// The kernel.
    pub h: Vec<f64>,
    /// The signal.
    pub x: Vec<f64>,
    /// The slice of the full result.
    pub mode: Mode,
    /// What is compared with the direct sum.
    pub path: FastPath,
}

/// A length: mostly short, sometimes up to `max`.
fn length(b: &mut Bytes<'_>, max: usize) -> usize {
    match b.below(4) {
        0 | 1 => 1 + b.below(16),
        2 => 1 + b.below(300.min(max)),
        _ => 1 + b.below(max),
    }
}

/// `n` values of one kind: uniform in [−1, 1], small integers (exact products), a wide
/// dynamic range (2^±60), sparse spikes, any finite double (subnormals, 1e308), or all
/// positive.
fn values(b: &mut Bytes<'_>, n: usize) -> Vec<f64> {
    let kind = b.below(6);
    (0..n)
        .map(|_| match kind {
            0 => 2.0 * b.unit() - 1.0,
            1 => f64::from(b.below(17) as i32 - 8),
            2 => {
                let m = 2.0 * b.unit() - 1.0;
                m * 2f64.powi(b.below(121) as i32 - 60)
            }
            3 => {
                if b.one_in(8) {
                    2.0 * b.unit() - 1.0
                } else {
                    0.0
                }
            }
            4 => {
                let v = f64::from_bits(b.u64());
                if v.is_finite() { v } else { 0.0 }
            }
            _ => b.unit(),
        })
        .collect()
}

/// A pair with the signal up to `max_n` long and the kernel up to `max_m`.
pub fn pair(b: &mut Bytes<'_>, max_n: usize, max_m: usize) -> SignalPair {
    let mode = b.pick(&[Mode::Full, Mode::Same, Mode::Valid]);
    let path = b.pick(&[
        FastPath::Fft,
        FastPath::Auto,
        FastPath::CorrelateFft,
        FastPath::Plan,
    ]);
    let (m, n) = (length(b, max_m), length(b, max_n));
    let h = values(b, m);
    let x = values(b, n);
    SignalPair { h, x, mode, path }
}

/// Pairs with signals to 1000 and kernels to 100 (the proptest run; the fuzz target goes to
/// 4096 and 512).
pub fn signal_pair() -> impl Strategy<Value = SignalPair> {
    from_bytes(4096, |b| pair(b, 1000, 100))
}
