//! Scaling by powers of two: exact (barring overflow and underflow), so a problem can be
//! brought to magnitudes near 1, solved, and the answer scaled back without a rounding error.

use crate::error::{DiscreteError, check};
use rayon::prelude::*;

/// Multiplication by $2^e$ for $|e|$ up to about 2200, in at most two exact steps.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Pow2 {
    a: f64,
    b: f64,
}

/// $2^e$ for $-1022 \le e \le 1023$ (normal numbers), from the bits.
fn pow2_normal(e: i32) -> f64 {
    debug_assert!((-1022..=1023).contains(&e));
    f64::from_bits(((e + 1023) as u64) << 52)
}

impl Pow2 {
    /// The factor $2^e$; beyond ±2200 the result of [`Pow2::apply`] is 0 or ∞ for any
    /// non-zero finite input, as the exact product would be.
    pub(crate) fn new(e: i32) -> Self {
        let e = e.clamp(-2200, 2200);
        // Split into two factors within the normal range; the first one alone when it fits.
        let first = e.clamp(-1022, 1023);
        let second = (e - first).clamp(-1022, 1023);
        Self {
            a: pow2_normal(first),
            b: pow2_normal(second),
        }
    }

    /// $v \cdot 2^e$: two multiplications, the second by 1 unless $|e| > 1022$, and no branch
    /// (so that loops over it vectorise). Both factors have the sign of $e$, so the
    /// intermediate lies between $v$ and the result: it cannot overflow or underflow unless
    /// the result does.
    #[inline]
    pub(crate) fn apply(self, v: f64) -> f64 {
        v * self.a * self.b
    }

    /// $2^e$ as one number (0 or ∞ when out of range).
    pub(crate) fn factor(self) -> f64 {
        self.a * self.b
    }
}

/// The exponent $e$ with $\max_k |v_k| \cdot 2^{-e} \in [\tfrac12, 1)$; 0 for an all-zero (or
/// empty) `v`. Inputs are finite.
pub(crate) fn exponent_of_max(v: &[f64]) -> i32 {
    let max = v.iter().fold(0.0f64, |a, x| a.max(x.abs()));
    exponent(max)
}

/// Entries per piece when [`scan`] splits a long vector over the threads.
const SCAN_PIECE: usize = 1 << 16;

/// One pass over `v`: the error [`check`] gives for an empty or non-finite vector, else the
/// exponent of its largest entry ([`exponent_of_max`]). A vector of more than four pieces is
/// scanned in pieces of [`SCAN_PIECE`] on the threads of the rayon pool (the maximum and the
/// finiteness flag do not depend on the order: the result is the same on any number of
/// threads).
pub(crate) fn scan(what: &'static str, v: &[f64]) -> Result<i32, DiscreteError> {
    let (m, all_ok) = if v.len() > 4 * SCAN_PIECE && rayon::current_num_threads() > 1 {
        v.par_chunks(SCAN_PIECE)
            .map(max_and_finite)
            .reduce(|| (0.0, true), |a, b| (a.0.max(b.0), a.1 && b.1))
    } else {
        max_and_finite(v)
    };
    if !all_ok || v.is_empty() {
        check(what, v)?;
    }
    Ok(exponent(m))
}

/// The largest magnitude in `v` and whether every entry is finite.
fn max_and_finite(v: &[f64]) -> (f64, bool) {
    // Eight lanes of maxima and of "all finite" flags, so that the loop vectorises; the exact
    // error (with the first bad index) comes from `check` when a flag drops.
    let mut max = [0.0f64; 8];
    let mut ok = [true; 8];
    let chunks = v.chunks_exact(8);
    let rest = chunks.remainder();
    for c in chunks {
        for l in 0..8 {
            let a = c[l].abs();
            max[l] = if a > max[l] { a } else { max[l] };
            ok[l] &= a <= f64::MAX;
        }
    }
    let mut all_ok = ok.iter().all(|&f| f);
    let mut m = max.iter().fold(0.0f64, |a, &b| a.max(b));
    for &x in rest {
        all_ok &= x.is_finite();
        m = m.max(x.abs());
    }
    (m, all_ok)
}

/// The exponent $e$ with $|v| \cdot 2^{-e} \in [\tfrac12, 1)$; 0 for 0 and non-finite `v`.
pub(crate) fn exponent(v: f64) -> i32 {
    if v == 0.0 || !v.is_finite() {
        return 0;
    }
    let v = v.abs();
    if v < f64::MIN_POSITIVE {
        // Subnormal: bring into the normal range first.
        return exponent(v * pow2_normal(64)) - 64;
    }
    ((v.to_bits() >> 52) & 0x7ff) as i32 - 1022
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exponents_bracket_the_value() {
        for v in [1.0, 0.5, 0.75, 3.0, 1e300, 1e-300, 5e-324, f64::MAX, 1e-310] {
            let e = exponent(v);
            let s = Pow2::new(-e).apply(v);
            assert!((0.5..1.0).contains(&s), "{v}: e = {e}, scaled {s}");
        }
        assert_eq!(exponent(0.0), 0);
        assert_eq!(exponent_of_max(&[0.25, -3.0, 1.0]), 2);
        let long: Vec<f64> = (0..37).map(|i| (i as f64 - 20.0) / 8.0).collect();
        assert_eq!(scan("x", &long), Ok(exponent_of_max(&long)));
        let mut bad = long.clone();
        bad[9] = f64::NAN;
        assert!(matches!(
            scan("x", &bad),
            Err(DiscreteError::NonFinite { index: 9, .. })
        ));
        bad[9] = 1.0;
        bad[35] = f64::NEG_INFINITY;
        assert!(matches!(
            scan("x", &bad),
            Err(DiscreteError::NonFinite { index: 35, .. })
        ));
        assert!(matches!(scan("x", &[]), Err(DiscreteError::Empty { .. })));
        // Long enough to be scanned in pieces on two threads: the same exponent and the same
        // first bad index.
        let pool = rayon::ThreadPoolBuilder::new().num_threads(2).build();
        let pool = pool.expect("a pool of two threads");
        let mut long: Vec<f64> = (0..5 * SCAN_PIECE + 3).map(|i| (i % 977) as f64).collect();
        long[3 * SCAN_PIECE + 5] = -4096.0;
        assert_eq!(pool.install(|| scan("x", &long)), Ok(13));
        long[4 * SCAN_PIECE + 1] = f64::INFINITY;
        long[2 * SCAN_PIECE] = f64::NAN;
        assert!(matches!(
            pool.install(|| scan("x", &long)),
            Err(DiscreteError::NonFinite { index, .. }) if index == 2 * SCAN_PIECE
        ));
    }

    #[test]
    fn scaling_is_exact_and_reversible_within_range() {
        for e in [-2000, -1074, -1022, -100, 0, 7, 1023, 1500, 2100] {
            let p = Pow2::new(e);
            let back = Pow2::new(-e);
            for v in [1.0, -0.3, 0.6180339887] {
                let scaled = p.apply(v);
                if scaled.is_normal() {
                    assert_eq!(back.apply(scaled), v, "2^{e}·{v}");
                }
            }
        }
        assert_eq!(Pow2::new(2000).apply(1.0), f64::INFINITY);
        assert_eq!(Pow2::new(-2000).apply(1.0), 0.0);
    }
}
