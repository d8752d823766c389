//! The point evaluation $z(t_0) = (h*x)(t_0)$ as a functional of $x$, and its derivative: the
//! kernel reversed and shifted.

use crate::convolution::convolve;
use crate::error::{ContinuousError, Result};
use crate::operators::{RealFnExt, Reverse, Shift};
use crate::quadrature::QuadParams;
use crate::realfn::RealFn;
use crate::symbolic::Expr;

/// The point evaluation $z(t_0) = (h*x)(t_0) = \int h(t_0 - \tau)\\, x(\tau)\\,d\tau$ as a
/// functional of $x$.
///
/// It is linear in $x$, so its functional derivative is the kernel of that integral:
/// $\delta z(t_0)/\delta x(\tau) = h(t_0 - \tau) = (S_{t_0} R\\, h)(\tau)$ — the kernel
/// reversed, then shifted to $t_0$.
#[derive(Debug, Clone)]
pub struct PointEval<H> {
    /// The kernel $h$.
    pub h: H,
    /// The time $t_0$.
    pub t0: f64,
}

impl<H: RealFn + Clone> PointEval<H> {
    /// The functional at `t0`; an error for a non-finite `t0`.
    pub fn new(h: H, t0: f64) -> Result<Self> {
        if !t0.is_finite() {
            return Err(ContinuousError::NonFinite {
                what: "t0".into(),
                value: t0,
            });
        }
        Ok(Self { h, t0 })
    }

    /// $z(t_0)$ for the signal `x`, with its error estimate.
    pub fn value(&self, x: &dyn RealFn, params: QuadParams) -> Result<(f64, f64)> {
        let out = convolve(&self.h, x, &[self.t0], params)?;
        Ok((out.values[0], out.error_estimates[0]))
    }

    /// $\delta z(t_0)/\delta x = S_{t_0} R\\, h$, the function $\tau \mapsto h(t_0 - \tau)$.
    pub fn derivative(&self) -> Shift<Reverse<H>> {
        self.h.clone().reversed().shifted(self.t0)
    }
}

/// The symbolic functional derivative $\delta z(t_0)/\delta x(\tau) = h(t_0 - \tau)$: $h$ with
/// $t \mapsto t_0 - \tau$, simplified, in the variable `tau` (printed τ).
///
/// ```
/// # use flipshift_continuous::{Expr, point_eval_derivative};
/// let h = Expr::parse("exp(-t)*step(t)")?;
/// assert_eq!(point_eval_derivative(&h, 1.0).to_unicode(), "exp(τ − 1)·step(1 − τ)");
/// # Ok::<(), flipshift_continuous::ContinuousError>(())
/// ```
pub fn point_eval_derivative(h: &Expr, t0: f64) -> Expr {
    h.substitute("t", &(Expr::num(t0) - Expr::var("tau")))
        .simplify()
}

/// The same in the variable `t` (for evaluation as a function of one variable), i.e.
/// $t \mapsto h(t_0 - t)$.
pub fn point_eval_derivative_in_t(h: &Expr, t0: f64) -> Expr {
    h.substitute("t", &(Expr::num(t0) - Expr::var("t")))
        .simplify()
}
