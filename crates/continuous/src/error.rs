//! The one error type of the continuous crate.

/// Everything that can go wrong in `flipshift-continuous`.
///
/// Messages are lowercase and say what to change. Every variant carries the values that
/// caused it, never a pre-formatted string alone.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ContinuousError {
    /// An interval with `a >= b` or a NaN end.
    #[error("interval [{a}, {b}] is invalid; need a < b and no NaN")]
    InvalidInterval {
        /// Left end as given.
        a: f64,
        /// Right end as given.
        b: f64,
    },
    /// An expression could not be parsed.
    #[error("cannot parse expression at column {column}: {message}")]
    Parse {
        /// 1-based column (in characters) where the problem was found.
        column: usize,
        /// What was found and what was expected there.
        message: String,
    },
    /// A name that is neither an allowed variable, a bound parameter, a constant nor a
    /// function of the grammar.
    #[error("unknown name '{name}' at column {column}: {hint}")]
    UnknownName {
        /// The name as written.
        name: String,
        /// 1-based column of the name (0 when it was not parsed from text).
        column: usize,
        /// What is allowed there.
        hint: String,
    },
    /// A value that must be finite was NaN or infinite.
    #[error("{what} must be finite, got {value:?}")]
    NonFinite {
        /// Which value (e.g. `"t0"`, `"grid point 3"`).
        what: String,
        /// The offending value.
        value: f64,
    },
    /// An empty grid or list where at least one point is needed.
    #[error("{what} is empty; give at least one point")]
    Empty {
        /// What was empty.
        what: String,
    },
    /// A parameter outside its valid range.
    #[error("invalid {what}: {reason}")]
    InvalidParameter {
        /// The parameter's name.
        what: String,
        /// Why it is invalid and what is accepted.
        reason: String,
    },
    /// An expression that is not defined (or not finite) at a point where it must be evaluated.
    #[error("{what} is not finite at t = {t:?} (value {value:?})")]
    NotDefined {
        /// The quantity being evaluated.
        what: String,
        /// Where.
        t: f64,
        /// What came out.
        value: f64,
    },
    /// Symbolic differentiation is not possible (for example d/dt of a jump, as a function).
    #[error("cannot differentiate {what}: {reason}")]
    NotDifferentiable {
        /// The expression or function.
        what: String,
        /// Why not.
        reason: String,
    },
    /// An integral that does not exist: it diverges, or its integrand does not decay on an
    /// infinite range.
    #[error("integral over [{a:?}, {b:?}] does not exist: {reason}")]
    Divergent {
        /// Left end of the range.
        a: f64,
        /// Right end of the range.
        b: f64,
        /// What was observed.
        reason: String,
    },
    /// Adaptive quadrature did not reach the requested tolerance.
    #[error(
        "quadrature stalled at {estimate:?} ± {error_estimate:?} after {evaluations} evaluations; raise max_subdivisions or loosen rel_tol"
    )]
    NoConvergence {
        /// Best value found.
        estimate: f64,
        /// Its error estimate.
        error_estimate: f64,
        /// Integrand evaluations used.
        evaluations: usize,
    },
    /// No extremal was found: Newton's method diverged or stalled, or the solution could not be
    /// resolved. The best iterate is kept, with its residual.
    #[error("no extremal found: {reason}; best iterate's Euler–Lagrange residual {residual:e}")]
    NoExtremal {
        /// What happened.
        reason: String,
        /// $\max|E|$ of the best iterate.
        residual: f64,
        /// The best iterate.
        best: Box<crate::variational::ExtremalSolution>,
    },
    /// A use of `dirac` that defines no distribution (under a nonlinear function, times another
    /// delta, in a denominator, with a bad order or argument).
    #[error("dirac at column {column}: {reason}")]
    Distribution {
        /// 1-based column of the `dirac` in question (0 when not parsed from text).
        column: usize,
        /// What is not defined, and why.
        reason: String,
    },
}

/// Shorthand for results of this crate.
pub type Result<T, E = ContinuousError> = std::result::Result<T, E>;
