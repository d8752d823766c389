//! The one error type of the discrete crate, and the validation of input vectors.

use flipshift_continuous::ContinuousError;

/// Everything that can go wrong in `flipshift-discrete`.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum DiscreteError {
    /// An input vector with no entries.
    #[error("{what} is empty; give at least one number")]
    Empty {
        /// Which input.
        what: &'static str,
    },
    /// An input entry that is NaN or infinite.
    #[error("{what}[{index}] is {value}; every entry must be finite")]
    NonFinite {
        /// Which input.
        what: &'static str,
        /// Position of the first bad entry.
        index: usize,
        /// The entry.
        value: f64,
    },
    /// Lengths that do not fit together.
    #[error("{what} has length {got}, but {expected}")]
    Length {
        /// Which input.
        what: &'static str,
        /// Its length.
        got: usize,
        /// What was needed, and why.
        expected: String,
    },
    /// A parameter outside its range.
    #[error("invalid {what}: {reason}")]
    InvalidParameter {
        /// The parameter.
        what: &'static str,
        /// Why, and what is accepted.
        reason: String,
    },
    /// A system that is singular or too ill-conditioned to solve in double precision.
    #[error(
        "the normal equations are singular or too ill-conditioned to solve ({detail}); regularise with λ > 0 (--lambda), or a larger λ"
    )]
    Singular {
        /// Where it was detected.
        detail: String,
    },
    /// An iterative solver that did not converge.
    #[error(
        "conjugate gradients did not converge: relative residual {residual:e} after {iterations} iterations; add regularisation or use another method"
    )]
    NoConvergence {
        /// Iterations run.
        iterations: usize,
        /// Final relative residual.
        residual: f64,
    },
    /// A value computed from finite inputs that is not finite: the inputs are too large for
    /// the double range (or a loss is evaluated outside its domain).
    #[error(
        "{what} is {value} at entry {index} although every input is finite: the inputs are too large for the double range; scale them down"
    )]
    Overflow {
        /// The computed quantity.
        what: &'static str,
        /// Position of its first non-finite entry.
        index: usize,
        /// The entry.
        value: f64,
    },
    /// An FFT library failure (a length mismatch inside the library; not expected).
    #[error("fft failed: {0}")]
    Fft(String),
    /// The direct method found no stationary point (Newton diverged or stalled), or one that is
    /// not a minimum of the discretised functional; the best iterate is kept.
    #[error(
        "no extremal found by the direct method: {reason}; best iterate's Euler–Lagrange residual {residual:e}"
    )]
    NoExtremal {
        /// What happened.
        reason: String,
        /// $\max|E|$ of the best iterate.
        residual: f64,
        /// The best iterate.
        best: Box<crate::extremal::DirectSolution>,
    },
    /// An error from the continuous side (sampling, quadrature).
    #[error(transparent)]
    Continuous(#[from] ContinuousError),
}

/// Non-empty and finite, or the error naming the first bad entry.
pub(crate) fn check(what: &'static str, v: &[f64]) -> Result<(), DiscreteError> {
    if v.is_empty() {
        return Err(DiscreteError::Empty { what });
    }
    match first_non_finite(v) {
        Some((index, value)) => Err(DiscreteError::NonFinite { what, index, value }),
        None => Ok(()),
    }
}

/// The first entry of `v` that is NaN or infinite, with its index. The common case, every
/// entry finite, is one pass that vectorises (an OR of the entries' exponent fields equal to
/// all ones, eight lanes at a time, with no early exit); the index is looked for only when
/// that pass finds something.
pub(crate) fn first_non_finite(v: &[f64]) -> Option<(usize, f64)> {
    const EXP: u64 = 0x7ff0_0000_0000_0000;
    let bad = |x: &f64| x.to_bits() & EXP == EXP;
    let chunks = v.chunks_exact(8);
    let rest = chunks.remainder();
    let mut lanes = [false; 8];
    for c in chunks {
        for (l, x) in lanes.iter_mut().zip(c) {
            *l |= bad(x);
        }
    }
    if !lanes.iter().any(|&l| l) && !rest.iter().any(bad) {
        return None;
    }
    v.iter().copied().enumerate().find(|(_, x)| !x.is_finite())
}

/// A usable kernel (non-empty, finite) and signal length (at least 1).
pub(crate) fn check_kernel(h: &[f64], n: usize) -> Result<(), DiscreteError> {
    check("h", h)?;
    if n == 0 {
        return Err(DiscreteError::InvalidParameter {
            what: "n",
            reason: "the signal length must be at least 1".into(),
        });
    }
    Ok(())
}

/// A computed quantity `what` that is finite everywhere, or [`DiscreteError::Overflow`] at its
/// first non-finite entry (an input check would name it as if the user had given it).
pub(crate) fn check_computed(what: &'static str, v: &[f64]) -> Result<(), DiscreteError> {
    match first_non_finite(v) {
        Some((index, value)) => Err(DiscreteError::Overflow { what, index, value }),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_non_finite_entry_is_found_wherever_it_is() {
        for len in [0usize, 1, 7, 8, 9, 31, 100] {
            let v: Vec<f64> = (0..len).map(|i| i as f64 - 3.5).collect();
            assert_eq!(first_non_finite(&v), None);
            for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
                for at in 0..len {
                    let mut w = v.clone();
                    w[at] = bad;
                    // A second bad entry further on does not hide the first.
                    if at + 3 < len {
                        w[at + 3] = f64::NAN;
                    }
                    let (i, x) = first_non_finite(&w).unwrap();
                    assert!(i == at && x.to_bits() == bad.to_bits(), "{len} {at} {bad}");
                }
            }
        }
        // The largest and smallest finite doubles, and subnormals, are finite.
        let edge = [
            f64::MAX,
            -f64::MAX,
            f64::MIN_POSITIVE,
            5e-324,
            -0.0,
            0.0,
            1.0,
            2.0,
            3.0,
        ];
        assert_eq!(first_non_finite(&edge), None);
    }
}
