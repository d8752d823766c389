//! Exact convolution of kernel families that are closed under convolution, with the choice
//! between the closed form and quadrature made (and reported) automatically.
//!
//! Three families are recognised in an [`Expr`] (sums and products of their members included):
//!
//! - **Gaussian**: $\sum_j p_j(t)\\, e^{-(a_j t^2 + b_j t + c_j)}$ with $a_j > 0$ and polynomial
//!   $p_j$, written with `exp`, `gauss(u)` ($u$ affine) or `c^u`. Completing the square and the
//!   moments $\int s^{2n} e^{-A s^2} ds = \sqrt{\pi/A}\\,(2n-1)!!/(2A)^n$ give
//!   $\sum_k q_k(t - m)\\, e^{-\alpha (t - m)^2}$ with $m = m_1 + m_2$ and
//!   $\alpha = \alpha_1\alpha_2/(\alpha_1 + \alpha_2)$: widths add in quadrature.
//! - **Piecewise polynomial**: polynomials times `rect(u)`, `tri(u)`, `step(u)`, `abs(u)`,
//!   `sgn(u)` of affine $u$, on bounded or half-infinite intervals (B-splines are repeated
//!   `rect` convolutions). The result is piecewise polynomial with breakpoints at the sums of
//!   the pieces' ends.
//! - **Piecewise exponential**: the same times $e^{-\beta t}$, e.g. one-sided exponentials
//!   $(t - c)^k e^{-\beta (t - c)} \operatorname{step}(t - c)$. Equal rates give
//!   $t^k e^{-\beta t} * t^l e^{-\beta t} = \frac{k!\\,l!}{(k+l+1)!} t^{k+l+1} e^{-\beta t}$ (on
//!   $t > 0$), different rates finite sums by partial fractions.
//!
//! A Gaussian against a window (erf terms), `sinc`, `cos`, and anything else fall back to
//! quadrature; [`NoClosedForm`] says why. Divergent integrals (`step(t) * step(-t)`) are refused
//! too.
//!
//! The result is emitted with every polynomial in Horner form in a local variable $t - a$
//! anchored at a breakpoint (or a Gaussian's centre), so it evaluates to a few ulps relative
//! away from breakpoints; see [`ClosedForm`].

mod ball;
mod emit;
mod gaussian;
mod operand;
mod piecewise;
mod poly;
mod recognise;

use crate::convolution::{ConvOutput, convolve_lenient};
use crate::error::{ContinuousError, Result};
use crate::quadrature::{QuadParams, accepts};
use crate::realfn::{Interval, RealFn};
use crate::symbolic::Expr;
use ball::Ball;
use operand::{GaussTerm, Kind, Reject};
use piecewise::{OutPiece, Purpose};

/// A family of kernels closed under convolution, whose convolutions are computed exactly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Family {
    /// Polynomials times Gaussians, $p(t)\\, e^{-(a t^2 + b t + c)}$ with $a > 0$.
    Gaussian,
    /// Piecewise polynomials: polynomials times `rect`, `tri`, `step`, `abs`, `sgn` of affine
    /// arguments (B-splines among them).
    PiecewisePolynomial,
    /// Piecewise exponential polynomials $p(t)\\, e^{-\beta t}$ on intervals: one-sided
    /// exponentials $t^k e^{-\beta t} \operatorname{step}(t)$, possibly shifted, and their
    /// products with piecewise polynomials.
    PiecewiseExponential,
}

impl std::fmt::Display for Family {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Family::Gaussian => "Gaussian",
            Family::PiecewisePolynomial => "piecewise polynomial",
            Family::PiecewiseExponential => "piecewise exponential",
        })
    }
}

/// Why a convolution has no closed form here (and goes to quadrature instead).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum NoClosedForm {
    /// An operand contains something no family covers.
    #[error("{operand} contains {what}, which no closed-form family covers")]
    Unsupported {
        /// `"h"` or `"x"`.
        operand: &'static str,
        /// What was found.
        what: String,
    },
    /// Each operand is in a family, but not the same one (e.g. a Gaussian and a `rect`: the
    /// result needs `erf`).
    #[error("h is {h} and x is {x}; mixed families have no closed form here")]
    Mixed {
        /// The kernel's family.
        h: Family,
        /// The signal's family.
        x: Family,
    },
    /// The convolution integral diverges (e.g. `step(t) * step(-t)`, or `1 * 1`).
    #[error("the convolution integral diverges for some t")]
    Divergent,
    /// The expansion would be too large (too many terms or too high a degree).
    #[error("{operand} is too large to expand: {what}")]
    TooLarge {
        /// `"h"`, `"x"` or `"h*x"`.
        operand: &'static str,
        /// What exceeded which limit.
        what: String,
    },
    /// A coefficient overflowed while expanding.
    #[error("a coefficient of {operand} is not finite after expansion")]
    NonFinite {
        /// `"h"`, `"x"` or `"h*x"`.
        operand: &'static str,
    },
}

fn reason(operand: &'static str, r: Reject) -> NoClosedForm {
    match r {
        Reject::Unsupported(what) => NoClosedForm::Unsupported { operand, what },
        Reject::TooLarge(what) => NoClosedForm::TooLarge { operand, what },
        Reject::NonFinite => NoClosedForm::NonFinite { operand },
        Reject::Divergent => NoClosedForm::Divergent,
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Repr {
    Gaussian(Vec<GaussTerm>),
    Pieces(Vec<OutPiece>),
}

/// The exact convolution $h * x$: an expression, its family, and a direct evaluator.
///
/// The expression is a sum of terms $q(t - a)\\, e^{-\beta (t - a)}\\, w(t)$ (windows $w$ =
/// `step(t - lo)·step(hi - t)` or one `step` per piece, exactly ½ at the piece's ends) or
/// $q(t - m)\\, e^{-\alpha (t - m)^2}$, each polynomial in Horner form about a local anchor;
/// it can be printed, simplified, differentiated, compiled, and fed back into
/// [`convolve_symbolic`] (so `rect * rect * rect` is two calls).
///
/// Implements [`RealFn`] by evaluating its internal representation directly (the same
/// arithmetic as the expression, without the tree), with weight ½ at breakpoints as `step`
/// has.
#[derive(Debug, Clone, PartialEq)]
pub struct ClosedForm {
    expr: Expr,
    stable: Expr,
    family: Family,
    repr: Repr,
}

impl ClosedForm {
    /// The result as an expression in `t`, in the family's own form (partial fractions,
    /// $1 - e^{-(t + 1/2)}$): the form to read, print and differentiate. Evaluated in floating
    /// point it can cancel next to breakpoints; evaluate through [`RealFn`] or
    /// [`ClosedForm::eval_with_error`], or compile [`ClosedForm::stable_expr`].
    pub fn expr(&self) -> &Expr {
        &self.expr
    }

    /// The same function written for evaluation in floating point: where partial fractions
    /// would cancel (an overlap short against the reciprocal difference of two rates), the
    /// exponential is summed as a Taylor series of positive terms instead. Longer to read.
    pub fn stable_expr(&self) -> &Expr {
        &self.stable
    }

    /// The result as an expression in `t`, by value.
    pub fn into_expr(self) -> Expr {
        self.expr
    }

    /// The family the operands were recognised in.
    pub fn family(&self) -> Family {
        self.family
    }

    /// The value at `t` and a rounding-level error estimate, larger where terms cancel.
    ///
    /// For a Gaussian result it is $64 (d + 1)\\,\varepsilon \sum_k |c_k|\\,|t - m|^k
    /// e^{-\alpha (t - m)^2}$ ($d$ the highest degree): the scale of the terms that were added.
    /// For a piecewise result it adds, per term, the rounding of the coefficients (the
    /// magnitudes of the sums that made each one, which is large where partial fractions
    /// cancel), of Horner's rule, and of the exponential's argument.
    pub fn eval_with_error(&self, t: f64) -> (f64, f64) {
        self.eval_ball(t).value_and_bound()
    }

    /// The value at `t` as a ball: the exact convolution of the operands as written lies
    /// within its radius.
    fn eval_ball(&self, t: f64) -> Ball {
        match &self.repr {
            Repr::Gaussian(g) => g.iter().fold(Ball::ZERO, |acc, term| acc + term.eval(t)),
            Repr::Pieces(p) => {
                let v = p.iter().fold(Ball::ZERO, |acc, piece| acc + piece.eval(t));
                // Where t lies within the uncertainty of a breakpoint, it may belong to either
                // side: the bound covers every assignment (the result is continuous, so they
                // differ little, but they are not the same numbers). Beyond the support's own
                // uncertain ends, 0 is one of them.
                let near = |b: &Ball| b.r > 0.0 && (b.m - ball::Dd::new(t)).hi.abs() <= b.r;
                if !p.iter().any(|o| near(&o.lo) || near(&o.hi)) {
                    return v;
                }
                let mut spread = 0.0f64;
                for o in p.iter().filter(|o| o.may_contain(t)) {
                    spread = spread.max((o.formula(t) - v).mag());
                }
                let outer = p.iter().any(|o| {
                    (near(&o.lo) && !p.iter().any(|q| q.hi == o.lo))
                        || (near(&o.hi) && !p.iter().any(|q| q.lo == o.hi))
                });
                if outer {
                    spread = spread.max(v.mag());
                }
                Ball::from_dd(v.m, v.r + spread)
            }
        }
    }
}

impl ClosedForm {
    /// The values at `t` with their rounding bounds; the points whose bound misses `params`
    /// (relative to the value, or absolutely) are listed in [`ConvOutput::unmet`]. A value
    /// that is zero to within a bound at the rounding level of the largest value asked for is
    /// accepted (the end of a support); a larger bound is not.
    pub fn values(&self, t: &[f64], params: QuadParams) -> ConvOutput {
        let (values, error_estimates): (Vec<f64>, Vec<f64>) =
            t.iter().map(|&ti| self.eval_with_error(ti)).unzip();
        // The scale of the values asked for: a value that is zero to within a bound at the
        // rounding level of that scale (the end of a support) is met.
        let scale = values.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        let level = 64.0 * f64::EPSILON * scale;
        let unmet = (0..t.len())
            .filter(|&i| {
                !accepts(
                    values[i],
                    error_estimates[i],
                    error_estimates[i],
                    level,
                    &params,
                )
            })
            .collect();
        ConvOutput {
            values,
            error_estimates,
            evaluations: 0,
            unmet,
        }
    }
}

impl RealFn for ClosedForm {
    fn eval(&self, t: f64) -> f64 {
        self.eval_with_error(t).0
    }

    fn support(&self) -> Interval {
        match &self.repr {
            Repr::Gaussian(g) if !g.is_empty() => Interval::real_line(),
            Repr::Pieces(p) if !p.is_empty() => {
                let lo = p.iter().fold(f64::INFINITY, |m, o| m.min(o.lo.mid()));
                let hi = p.iter().fold(f64::NEG_INFINITY, |m, o| m.max(o.hi.mid()));
                Interval::new(lo, hi).unwrap_or(Interval::real_line())
            }
            // Identically zero: any tiny interval (as `Expr::support` does).
            _ => Interval::new(0.0, f64::MIN_POSITIVE).unwrap_or(Interval::real_line()),
        }
    }

    fn breakpoints(&self) -> Vec<f64> {
        let mut out: Vec<f64> = match &self.repr {
            Repr::Gaussian(_) => Vec::new(),
            Repr::Pieces(p) => p.iter().flat_map(|o| [o.lo.mid(), o.hi.mid()]).collect(),
        };
        out.retain(|v| v.is_finite());
        out.sort_by(f64::total_cmp);
        out.dedup();
        out
    }
}

fn family_of(kind: &Kind) -> Option<Family> {
    match kind {
        Kind::Gaussian(_) => Some(Family::Gaussian),
        Kind::Pieces(p) if p.iter().any(|x| x.rate.mid() != 0.0) => {
            Some(Family::PiecewiseExponential)
        }
        Kind::Pieces(_) => Some(Family::PiecewisePolynomial),
        Kind::Zero | Kind::Mixed => None,
    }
}

/// The exact convolution $(h*x)(t) = \int h(t-\tau)\\, x(\tau)\\, d\tau$ of two expressions in
/// `t`, when both lie in one [`Family`]; otherwise the reason why not. Never panics.
///
/// Takes microseconds: the operands are expanded into sums of
/// $p(t)\\, e^{q(t)}\\, \mathbf 1_{[lo, hi]}(t)$ ($\deg q \le 2$) and convolved term by term.
///
/// ```
/// # use flipshift_continuous::{Expr, Family, RealFn, convolve_symbolic};
/// // rect * rect is the triangle.
/// let r = Expr::parse("rect(t)")?;
/// let z = convolve_symbolic(&r, &r).unwrap();
/// assert_eq!(z.family(), Family::PiecewisePolynomial);
/// assert!((z.eval(0.25) - 0.75).abs() < 1e-15);
/// let f = z.expr().compile()?;
/// assert!((f.eval(-0.6) - 0.4).abs() < 1e-15);
///
/// // Gaussians: variances add, N(0, 1) * N(0, 1) = N(0, 2).
/// let g = Expr::parse("gauss(t)")?;
/// let z = convolve_symbolic(&g, &g).unwrap();
/// let want = (-0.25f64).exp() / (2.0 * std::f64::consts::PI.sqrt());
/// assert!((z.eval(1.0) - want).abs() < 1e-16);
///
/// // Out of every family: quadrature will have to do.
/// assert!(convolve_symbolic(&Expr::parse("sinc(t)")?, &r).is_err());
/// # Ok::<(), flipshift_continuous::ContinuousError>(())
/// ```
pub fn convolve_symbolic(h: &Expr, x: &Expr) -> std::result::Result<ClosedForm, NoClosedForm> {
    let kh = recognise::classify(h).map_err(|r| reason("h", r))?;
    let kx = recognise::classify(x).map_err(|r| reason("x", r))?;
    let mixed = "a sum of Gaussian and windowed terms (their cross terms need erf)";
    let (repr, family) = match (&kh, &kx) {
        (Kind::Mixed, _) => {
            return Err(NoClosedForm::Unsupported {
                operand: "h",
                what: mixed.into(),
            });
        }
        (_, Kind::Mixed) => {
            return Err(NoClosedForm::Unsupported {
                operand: "x",
                what: mixed.into(),
            });
        }
        (Kind::Zero, other) | (other, Kind::Zero) => (
            Repr::Pieces(Vec::new()),
            family_of(other).unwrap_or(Family::PiecewisePolynomial),
        ),
        (Kind::Gaussian(a), Kind::Gaussian(b)) => {
            (Repr::Gaussian(gaussian::convolve(a, b)), Family::Gaussian)
        }
        (Kind::Pieces(a), Kind::Pieces(b)) => {
            let family = match (family_of(&kh), family_of(&kx)) {
                (Some(Family::PiecewisePolynomial), Some(Family::PiecewisePolynomial)) => {
                    Family::PiecewisePolynomial
                }
                _ => Family::PiecewiseExponential,
            };
            let pieces =
                piecewise::convolve(a, b, Purpose::Evaluate).map_err(|r| reason("h*x", r))?;
            (Repr::Pieces(pieces), family)
        }
        (a, b) => {
            return Err(NoClosedForm::Mixed {
                h: family_of(a).unwrap_or(Family::PiecewisePolynomial),
                x: family_of(b).unwrap_or(Family::PiecewisePolynomial),
            });
        }
    };
    let finite = match &repr {
        Repr::Gaussian(g) => g.iter().all(|t| t.poly.iter().all(|c| c.is_finite())),
        Repr::Pieces(p) => p
            .iter()
            .all(|o| o.terms.iter().all(|t| t.poly.iter().all(|c| c.is_finite()))),
    };
    if !finite {
        return Err(NoClosedForm::NonFinite { operand: "h*x" });
    }
    // The printed form is the family's own: partial fractions throughout (the series that
    // keeps evaluation accurate next to breakpoints is not shown).
    let stable = match &repr {
        Repr::Gaussian(g) => gaussian::to_expr(g),
        Repr::Pieces(p) => piecewise::to_expr(p, Purpose::Evaluate),
    };
    let expr = match (&repr, &kh, &kx) {
        (Repr::Gaussian(g), ..) => gaussian::to_expr(g),
        (Repr::Pieces(_), Kind::Pieces(a), Kind::Pieces(b)) => {
            let shown =
                piecewise::convolve(a, b, Purpose::Display).map_err(|r| reason("h*x", r))?;
            piecewise::to_expr(&shown, Purpose::Display)
        }
        (Repr::Pieces(p), ..) => piecewise::to_expr(p, Purpose::Display),
    };
    Ok(ClosedForm {
        expr,
        stable,
        family,
        repr,
    })
}

/// Which way [`convolve_auto`] computed $h * x$.
#[derive(Debug, Clone, PartialEq)]
pub enum ConvPath {
    /// Exactly, by [`convolve_symbolic`], in this family, at every point.
    ClosedForm(Family),
    /// By quadrature ([`convolve`](crate::convolve)), because there was no closed form for this
    /// reason.
    Quadrature(NoClosedForm),
    /// By the closed form, except at the listed points, where its rounding bound missed the
    /// tolerance and quadrature did better.
    Mixed {
        /// The closed form's family.
        family: Family,
        /// Indices of the points computed by quadrature.
        quadrature: Vec<usize>,
    },
}

impl ConvPath {
    /// Whether the closed form was used at every point.
    pub fn is_closed_form(&self) -> bool {
        matches!(self, ConvPath::ClosedForm(_))
    }
}

/// $(h*x)(t)$ at each point of `t`: exactly when [`convolve_symbolic`] finds a closed form and
/// its rounding bound meets `params` there, otherwise by quadrature with `params` — and which
/// of the two it was. Every value meets the tolerance, or the result is
/// [`ContinuousError::NoConvergence`] (see [`convolve_auto_lenient`]).
///
/// On the closed-form path the values come from [`ClosedForm::eval_with_error`], the error
/// estimates are its rounding bounds, and `evaluations` counts quadrature's only.
///
/// ```
/// # use flipshift_continuous::{ConvPath, Expr, Family, QuadParams, convolve_auto};
/// let h = Expr::parse("exp(-t)*step(t)")?;
/// let (z, path) = convolve_auto(&h, &h, &[1.0, 2.0], QuadParams::default())?;
/// assert_eq!(path, ConvPath::ClosedForm(Family::PiecewiseExponential));
/// assert!((z.values[1] - 2.0 * (-2.0f64).exp()).abs() < 1e-16);
///
/// let (_, path) = convolve_auto(&Expr::parse("sinc(t)")?, &h, &[1.0], QuadParams::default())?;
/// assert!(!path.is_closed_form());
/// # Ok::<(), flipshift_continuous::ContinuousError>(())
/// ```
pub fn convolve_auto(
    h: &Expr,
    x: &Expr,
    t: &[f64],
    params: QuadParams,
) -> Result<(ConvOutput, ConvPath)> {
    let (out, path) = convolve_auto_lenient(h, x, t, params)?;
    Ok((out.require_converged()?, path))
}

/// [`convolve_auto`] at every point, also where neither way met the tolerance: those points are
/// listed in [`ConvOutput::unmet`] with the better of the two values and its bound.
pub fn convolve_auto_lenient(
    h: &Expr,
    x: &Expr,
    t: &[f64],
    params: QuadParams,
) -> Result<(ConvOutput, ConvPath)> {
    if t.is_empty() {
        return Err(ContinuousError::Empty {
            what: "convolution grid".into(),
        });
    }
    if let Some(v) = t.iter().find(|v| !v.is_finite()) {
        return Err(ContinuousError::NonFinite {
            what: "convolution grid".into(),
            value: *v,
        });
    }
    let cf = match convolve_symbolic(h, x) {
        Ok(cf) => cf,
        Err(why) => {
            let (hc, xc) = (h.compile()?, x.compile()?);
            let out = convolve_lenient(&hc, &xc, t, params)?;
            return Ok((out, ConvPath::Quadrature(why)));
        }
    };
    let exact = cf.values(t, params);
    let missed = exact.unmet;
    let (mut values, mut error_estimates) = (exact.values, exact.error_estimates);
    let mut out = ConvOutput::default();
    let mut quadrature = Vec::new();
    if !missed.is_empty() {
        let (hc, xc) = (h.compile()?, x.compile()?);
        let tq: Vec<f64> = missed.iter().map(|&i| t[i]).collect();
        let q = convolve_lenient(&hc, &xc, &tq, params)?;
        out.evaluations = q.evaluations;
        for (k, &i) in missed.iter().enumerate() {
            if q.error_estimates[k] < error_estimates[i] {
                values[i] = q.values[k];
                error_estimates[i] = q.error_estimates[k];
                quadrature.push(i);
                if q.unmet.contains(&k) {
                    out.unmet.push(i);
                }
            } else {
                out.unmet.push(i);
            }
        }
    }
    out.values = values;
    out.error_estimates = error_estimates;
    let path = if quadrature.is_empty() {
        ConvPath::ClosedForm(cf.family())
    } else {
        ConvPath::Mixed {
            family: cf.family(),
            quadrature,
        }
    };
    Ok((out, path))
}
