//! Least squares on one period, in closed form for trigonometric polynomials: $J[x] = \tfrac12 \int_0^P \big((h \circledast x)(t) - y(t)\big)^2 dt$
//! and its gradient, the periodic correlation of $h$ with the residual,
//! $\delta J/\delta x(s) = \int_0^P h_P(t - s)\\, r(t)\\, dt$ with $r = h \circledast x - y_P$.

use super::U;
use super::trig::{NotTrigPolynomial, TrigPoly};
use crate::symbolic::Expr;

/// Periodic least squares in closed form: the residual, $J$ with its bound, and the gradient
/// as a trigonometric polynomial (evaluate it with [`TrigPoly::values`]).
#[derive(Debug, Clone, PartialEq)]
pub struct PeriodicLeastSquaresClosedForm {
    /// $r = h \circledast x - y$.
    pub residual: TrigPoly,
    /// $\delta J/\delta x = h \star r$.
    pub gradient: TrigPoly,
    /// $J = \tfrac12\int_0^P r^2$.
    pub j: f64,
    /// A bound on the error of $J$.
    pub j_error: f64,
}

/// Periodic least squares in closed form, when $h$, $x$ and $y$ are trigonometric polynomials
/// of the period: $r = h \circledast x - y$, $\delta J/\delta x = h \star r$ harmonic by
/// harmonic ($\tfrac P2 (a^h_k a^r_k + b^h_k b^r_k)$ and $\tfrac P2 (a^h_k b^r_k - b^h_k a^r_k)$),
/// $J = \tfrac12\int_0^P r^2$ by Parseval; or why not.
///
/// ```
/// # use flipshift_continuous::{Expr, QuadParams, periodic_least_squares_symbolic};
/// // h = x = sin ωt, y = 0, P = 2, ω = π: r = sin ⊛ sin = −cos ωt, and
/// // δJ/δx(s) = ∫₀² sin(ω(t − s))·(−cos ωt) dt = sin ωs.
/// let s = Expr::parse("sin(pi*t)")?;
/// let ls = periodic_least_squares_symbolic(&s, &s, &Expr::parse("0")?, 2.0)?;
/// let g = ls.gradient.values(&[0.5], QuadParams::default())?;
/// assert!((g.values[0] - 1.0).abs() <= g.error_estimates[0]);
/// assert!((ls.j - 0.5).abs() <= ls.j_error);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn periodic_least_squares_symbolic(
    h: &Expr,
    x: &Expr,
    y: &Expr,
    period: f64,
) -> std::result::Result<PeriodicLeastSquaresClosedForm, NotTrigPolynomial> {
    let hp = TrigPoly::recognise(h, period, "h")?;
    let xp = TrigPoly::recognise(x, period, "x")?;
    let yp = TrigPoly::recognise(y, period, "y")?;
    let residual = hp.convolve(&xp)?.sub(&yp)?;
    let gradient = hp.correlate(&residual)?;
    let (e, e_err) = residual.energy();
    Ok(PeriodicLeastSquaresClosedForm {
        residual,
        gradient,
        j: 0.5 * e,
        j_error: 0.5 * e_err * (1.0 + 4.0 * U),
    })
}
