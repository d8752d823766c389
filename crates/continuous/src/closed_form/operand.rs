//! What an operand of a closed-form convolution is, once read: the types shared by the reader
//! ([`super::recognise`]) and the convolutions ([`super::gaussian`], [`super::piecewise`]).

use super::ball::Ball;

/// Why an operand is outside every family (mapped to the public error by the caller).
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Reject {
    /// A construct no family covers.
    Unsupported(String),
    /// Too many terms or too high a degree.
    TooLarge(String),
    /// A coefficient overflowed.
    NonFinite,
    /// The convolution integral does not converge.
    Divergent,
}

/// $\text{poly}(t - m)\\, e^{-\alpha (t - m)^2}$ with $\alpha > 0$.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct GaussTerm {
    pub m: Ball,
    pub alpha: Ball,
    pub poly: Vec<Ball>,
}

/// $\text{poly}(t - \text{anchor})\\, e^{-\text{rate}\\,(t - \text{anchor})}$ on $[lo, hi]$
/// (ends possibly infinite).
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Piece {
    pub lo: Ball,
    pub hi: Ball,
    pub anchor: Ball,
    pub rate: Ball,
    pub poly: Vec<Ball>,
}

/// What one operand is, once its atoms are sorted.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Kind {
    /// Identically zero.
    Zero,
    /// Polynomials times Gaussians on the whole line.
    Gaussian(Vec<GaussTerm>),
    /// Exponential-polynomial pieces on intervals.
    Pieces(Vec<Piece>),
    /// Both of the above (no closed form against anything nonzero).
    Mixed,
}
