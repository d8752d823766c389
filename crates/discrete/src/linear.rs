//! The shared vocabulary: the error type, SciPy's modes, methods, layouts, and the
//! `LinearOp` trait that pairs every operator with its adjoint.

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
        "the normal equations are singular or too ill-conditioned to solve ({detail}); add Tikhonov regularisation (--lambda > 0)"
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
    /// An FFT library failure (a length mismatch inside the library; not expected).
    #[error("fft failed: {0}")]
    Fft(String),
    /// An error from the continuous side (sampling, quadrature).
    #[error(transparent)]
    Continuous(#[from] ContinuousError),
}

/// Which part of the full convolution to return, as in `scipy.signal.convolve(x, h, mode)`.
///
/// For $x \in \mathbb{R}^n$, $h \in \mathbb{R}^m$ the full result has $n + m - 1$ entries;
/// `Same` is the centred slice of length $n$ starting at $\lfloor (m-1)/2 \rfloor$; `Valid`
/// holds the $\max(n,m) - \min(n,m) + 1$ entries that need no zero padding, starting at
/// $\min(n, m) - 1$.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Length $n + m - 1$.
    Full,
    /// Length $n$, centred.
    Same,
    /// Length $\max(n,m) - \min(n,m) + 1$.
    Valid,
}

impl Mode {
    /// Output length for signal length `n` and kernel length `m` (both ≥ 1).
    pub fn len(&self, n: usize, m: usize) -> usize {
        match self {
            Mode::Full => n + m - 1,
            Mode::Same => n,
            Mode::Valid => n.max(m) - n.min(m) + 1,
        }
    }

    /// Index into the full result where this mode's output starts.
    pub fn offset(&self, n: usize, m: usize) -> usize {
        match self {
            Mode::Full => 0,
            Mode::Same => (m - 1) / 2,
            Mode::Valid => n.min(m) - 1,
        }
    }
}

impl std::str::FromStr for Mode {
    type Err = DiscreteError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "full" => Ok(Mode::Full),
            "same" => Ok(Mode::Same),
            "valid" => Ok(Mode::Valid),
            _ => Err(DiscreteError::InvalidParameter {
                what: "mode",
                reason: format!("'{s}' is not one of full, same, valid"),
            }),
        }
    }
}

/// How a convolution is computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// Whichever a cost model says is faster.
    Auto,
    /// The $O(nm)$ sum: the ground truth.
    Direct,
    /// Real FFTs (overlap-add when the kernel is much shorter than the signal).
    Fft,
}

impl std::str::FromStr for Method {
    type Err = DiscreteError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "auto" => Ok(Method::Auto),
            "direct" => Ok(Method::Direct),
            "fft" => Ok(Method::Fft),
            _ => Err(DiscreteError::InvalidParameter {
                what: "method",
                reason: format!("'{s}' is not one of auto, direct, fft"),
            }),
        }
    }
}

/// Matrix-calculus layout of a Jacobian.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// $\partial z/\partial x = H$: one row per output $z_k$.
    Numerator,
    /// $(\partial z/\partial x)^\top = H^\top$: one row per input $x_j$.
    Denominator,
}

impl std::str::FromStr for Layout {
    type Err = DiscreteError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "numerator" => Ok(Layout::Numerator),
            "denominator" => Ok(Layout::Denominator),
            _ => Err(DiscreteError::InvalidParameter {
                what: "layout",
                reason: format!("'{s}' is not one of numerator, denominator"),
            }),
        }
    }
}

/// A linear operator together with its adjoint.
///
/// Implementations satisfy $\langle A x, y\rangle = \langle x, A^* y\rangle$; the tests check it
/// for every one.
pub trait LinearOp {
    /// The space the operator acts on.
    type Domain;
    /// The space it maps into.
    type Range;
    /// $A x$.
    fn apply(&self, x: &Self::Domain) -> Result<Self::Range, DiscreteError>;
    /// $A^* y$.
    fn apply_adjoint(&self, y: &Self::Range) -> Result<Self::Domain, DiscreteError>;
}

/// Non-empty and finite, or the error naming the first bad entry.
pub(crate) fn check(what: &'static str, v: &[f64]) -> Result<(), DiscreteError> {
    if v.is_empty() {
        return Err(DiscreteError::Empty { what });
    }
    if let Some((index, &value)) = v.iter().enumerate().find(|(_, x)| !x.is_finite()) {
        return Err(DiscreteError::NonFinite { what, index, value });
    }
    Ok(())
}
