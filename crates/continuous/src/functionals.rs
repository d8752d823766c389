//! Functionals of a signal $x$, their functional derivatives, and the Gateaux check that
//! proves a derivative numerically.

use crate::convolution::{ConvOutput, Convolution, convolve, correlate};
use crate::error::{ContinuousError, Result};
use crate::operators::{RealFnExt, Reverse, Shift};
use crate::quadrature::{QuadParams, integrate};
use crate::realfn::{Interval, RealFn, SharedFn};
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

/// A smooth bump: $\varphi(t) = \exp\big(-1/(1 - u^2)\big)$ for $|u| < 1$, $u = (t - c)/w$, and 0
/// outside — infinitely differentiable with compact support $[c - w, c + w]$: the test
/// direction of a Gateaux check.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bump {
    centre: f64,
    half_width: f64,
}

impl Bump {
    /// A bump centred at `centre` with half-width `half_width > 0`.
    pub fn new(centre: f64, half_width: f64) -> Result<Self> {
        if !(centre.is_finite() && half_width.is_finite() && half_width > 0.0) {
            return Err(ContinuousError::InvalidParameter {
                what: "bump".into(),
                reason: format!(
                    "need a finite centre and half-width > 0, got {centre}, {half_width}"
                ),
            });
        }
        Ok(Self { centre, half_width })
    }
}

impl RealFn for Bump {
    fn eval(&self, t: f64) -> f64 {
        let u = (t - self.centre) / self.half_width;
        if u.abs() < 1.0 {
            (-1.0 / (1.0 - u * u)).exp()
        } else {
            0.0
        }
    }
    fn support(&self) -> Interval {
        Interval::new(self.centre - self.half_width, self.centre + self.half_width)
            .unwrap_or(Interval::real_line())
    }
}

/// The outcome of a Gateaux check.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GateauxReport {
    /// $\frac{d}{d\varepsilon} F[x + \varepsilon\varphi]\big|_{\varepsilon=0}$ by
    /// Richardson-extrapolated central differences.
    pub directional: f64,
    /// $\int \frac{\delta F}{\delta x}(s)\\,\varphi(s)\\,ds$ by quadrature.
    pub inner_product: f64,
    /// $|\text{directional} - \text{inner\\_product}| / \max(|\cdot|, |\cdot|)$.
    pub rel_discrepancy: f64,
}

/// Check a functional derivative numerically: compare the directional derivative
/// $\frac{d}{d\varepsilon} F[x + \varepsilon\varphi]$ at $\varepsilon = 0$ with
/// $\langle \delta F/\delta x, \varphi\rangle$.
///
/// The directional derivative is the central difference $D(\varepsilon) =
/// \big(F[x + \varepsilon\varphi] - F[x - \varepsilon\varphi]\big)/2\varepsilon$ at
/// $\varepsilon = \varepsilon_0, \varepsilon_0/2, \varepsilon_0/4$, Richardson-extrapolated twice
/// (its error expands in even powers of $\varepsilon$), so it is exact for quadratic
/// functionals and $O(\varepsilon_0^6)$ otherwise. `eps0` is relative to nothing: choose it so
/// that $\varepsilon_0\varphi$ is a modest perturbation of $x$.
pub fn gateaux_check(
    f: &dyn Fn(&dyn RealFn) -> Result<f64>,
    x: &dyn RealFn,
    gradient: &dyn RealFn,
    phi: &dyn RealFn,
    eps0: f64,
    params: QuadParams,
) -> Result<GateauxReport> {
    let directional = richardson_directional(&|eps| f(&x.plus_scaled(eps, phi)), eps0)?;
    let mut bps = phi.breakpoints();
    bps.extend(gradient.breakpoints());
    let (inner_product, _) = integrate(
        &|s| gradient.eval(s) * phi.eval(s),
        phi.support(),
        &bps,
        params,
    )?;
    Ok(GateauxReport::new(directional, inner_product))
}

impl GateauxReport {
    pub(crate) fn new(directional: f64, inner_product: f64) -> Self {
        let scale = directional.abs().max(inner_product.abs());
        let rel_discrepancy = if scale > 0.0 {
            (directional - inner_product).abs() / scale
        } else {
            0.0
        };
        Self {
            directional,
            inner_product,
            rel_discrepancy,
        }
    }
}

/// $rac{d}{d\varepsilon} F(\varepsilon)$ at 0 from central differences at $\varepsilon_0$,
/// $\varepsilon_0/2$, $\varepsilon_0/4$, Richardson-extrapolated twice.
pub(crate) fn richardson_directional(f: &dyn Fn(f64) -> Result<f64>, eps0: f64) -> Result<f64> {
    if !(eps0.is_finite() && eps0 > 0.0) {
        return Err(ContinuousError::InvalidParameter {
            what: "eps0".into(),
            reason: format!("need a finite step > 0, got {eps0}"),
        });
    }
    let d = |eps: f64| -> Result<f64> { Ok((f(eps)? - f(-eps)?) / (2.0 * eps)) };
    let (d1, d2, d3) = (d(eps0)?, d(eps0 / 2.0)?, d(eps0 / 4.0)?);
    // D(ε) = F′ + c₂ε² + c₄ε⁴ + …: eliminate ε², then ε⁴.
    let r1 = (4.0 * d2 - d1) / 3.0;
    let r2 = (4.0 * d3 - d2) / 3.0;
    Ok((16.0 * r2 - r1) / 15.0)
}

/// Quadrature of the inner integral of a nested one ($(h*x)(t)$ at each outer node): tighter than
/// the outer, so that its errors stay below the outer tolerance once integrated.
pub(crate) const NESTED_INNER: QuadParams = QuadParams {
    rel_tol: 1e-12,
    abs_tol: 1e-300,
    max_subdivisions: 4000,
    max_evaluations: 500_000,
};

/// Quadrature of the outer integral of a nested one (a cost, a gradient value).
pub(crate) const NESTED_OUTER: QuadParams = QuadParams {
    rel_tol: 1e-11,
    abs_tol: 1e-300,
    max_subdivisions: 4000,
    max_evaluations: 500_000,
};

/// The least-squares functional $J\[x\] = \tfrac12\int \big((h*x)(t) - y(t)\big)^2 dt$.
///
/// Its gradient is the correlation of $h$ with the residual $r = h*x - y$:
/// $$\frac{\delta J}{\delta x}(s) = \int h(t - s)\\, r(t)\\,dt = (Rh * r)(s).$$
/// Both are nested integrals; the residual is evaluated by quadrature at `inner` tolerance and
/// its error is carried into the outer estimates.
#[derive(Clone)]
pub struct LeastSquares {
    h: SharedFn,
    x: SharedFn,
    y: SharedFn,
    /// Quadrature settings of the inner integrals (the residual).
    pub inner: QuadParams,
    /// Quadrature settings of the outer integrals (J and the gradient).
    pub outer: QuadParams,
}

impl std::fmt::Debug for LeastSquares {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LeastSquares").finish_non_exhaustive()
    }
}

/// The residual $r = h*x - y$ as a function (inner quadrature per evaluation).
struct Residual<'a> {
    conv: Convolution<&'a SharedFn, &'a SharedFn>,
    y: &'a SharedFn,
    worst: std::cell::Cell<f64>,
    failure: std::cell::RefCell<Option<ContinuousError>>,
}

impl RealFn for Residual<'_> {
    fn eval(&self, t: f64) -> f64 {
        match self.conv.try_eval(t) {
            Ok((v, e)) => {
                self.worst.set(self.worst.get().max(e));
                v - self.y.eval(t)
            }
            Err(err) => {
                self.failure.borrow_mut().get_or_insert(err);
                f64::NAN
            }
        }
    }
    fn support(&self) -> Interval {
        self.conv.support().hull(&self.y.support())
    }
    fn breakpoints(&self) -> Vec<f64> {
        let mut b = self.conv.breakpoints();
        b.extend(self.y.breakpoints());
        let s = self.y.support();
        b.extend([s.a(), s.b()].into_iter().filter(|v| v.is_finite()));
        b.sort_by(f64::total_cmp);
        b.dedup();
        b
    }
}

impl LeastSquares {
    /// $J$ for kernel `h`, signal `x` and target `y`.
    pub fn new(h: SharedFn, x: SharedFn, y: SharedFn) -> Self {
        Self {
            h,
            x,
            y,
            inner: NESTED_INNER,
            outer: NESTED_OUTER,
        }
    }

    fn residual(&self) -> Residual<'_> {
        Residual {
            conv: Convolution {
                h: &self.h,
                x: &self.x,
                params: self.inner,
            },
            y: &self.y,
            worst: std::cell::Cell::new(0.0),
            failure: std::cell::RefCell::new(None),
        }
    }

    /// Surface an inner failure instead of the outer NaN it caused — unless the outer integral
    /// does not exist at all, which is the more fundamental answer (its tail probes may have
    /// asked the inner integral for values far beyond any meaningful accuracy).
    fn inner_failure(r: &Residual<'_>, outer: ContinuousError) -> ContinuousError {
        let inner = r.failure.borrow_mut().take();
        match (outer, inner) {
            (d @ ContinuousError::Divergent { .. }, _) => d,
            (_, Some(inner)) => inner,
            (outer, None) => outer,
        }
    }

    /// $J\[x\]$ and its error estimate.
    pub fn value(&self) -> Result<(f64, f64)> {
        let r = self.residual();
        let s = r.support();
        let bps = r.breakpoints();
        let (v, info) = integrate(
            &|t| {
                let e = r.eval(t);
                0.5 * e * e
            },
            s,
            &bps,
            self.outer,
        )
        .map_err(|e| Self::inner_failure(&r, e))?;
        if let Some(e) = r.failure.borrow_mut().take() {
            return Err(e);
        }
        // Inner errors δ in r change ½r² by about |r|·δ; bound ∫|r|·δ by 2√(2J)·δ·√(width)
        // would need the width; use the simpler and larger ∫|r| δ ≤ δ·(1 + 2J) per unit, plus
        // the outer estimate.
        let inner = r.worst.get() * (1.0 + 2.0 * v.abs());
        Ok((v, info.error_estimate + inner))
    }

    /// $\delta J/\delta x(s) = (Rh * r)(s)$ at each point of `s`.
    pub fn gradient(&self, s: &[f64]) -> Result<ConvOutput> {
        let r = self.residual();
        let mut out =
            correlate(&self.h, &r, s, self.outer).map_err(|e| Self::inner_failure(&r, e))?;
        if let Some(e) = r.failure.borrow_mut().take() {
            return Err(e);
        }
        // An inner error δ in r moves the correlation by at most δ·∫|h|.
        let (h1, _) = integrate(
            &|t| self.h.eval(t).abs(),
            self.h.support(),
            &self.h.breakpoints(),
            self.outer,
        )?;
        let inner = r.worst.get() * h1;
        for e in &mut out.error_estimates {
            *e += inner;
        }
        Ok(out)
    }

    /// $J$ as a functional of another signal (for Gateaux checks).
    pub fn value_at(&self, x: &dyn RealFn) -> Result<f64> {
        // Re-run with x in place of self.x, sharing h and y.
        let shim = FnRef(x);
        let conv = Convolution {
            h: &self.h,
            x: &shim,
            params: self.inner,
        };
        let failure = std::cell::RefCell::new(None);
        let r = |t: f64| match conv.try_eval(t) {
            Ok((v, _)) => v - self.y.eval(t),
            Err(e) => {
                failure.borrow_mut().get_or_insert(e);
                f64::NAN
            }
        };
        let mut bps = conv.breakpoints();
        bps.extend(self.y.breakpoints());
        let ys = self.y.support();
        bps.extend([ys.a(), ys.b()].into_iter().filter(|v| v.is_finite()));
        let support = conv.support().hull(&ys);
        let res = integrate(
            &|t| {
                let e = r(t);
                0.5 * e * e
            },
            support,
            &bps,
            self.outer,
        );
        if let Some(e) = failure.borrow_mut().take() {
            return Err(e);
        }
        Ok(res?.0)
    }

    /// The gradient as a function (each evaluation is a nested quadrature; NaN on failure).
    pub fn gradient_fn(&self) -> impl RealFn + '_ {
        GradientFn { ls: self }
    }
}

struct FnRef<'a>(&'a dyn RealFn);

impl RealFn for FnRef<'_> {
    fn eval(&self, t: f64) -> f64 {
        self.0.eval(t)
    }
    fn support(&self) -> Interval {
        self.0.support()
    }
    fn breakpoints(&self) -> Vec<f64> {
        self.0.breakpoints()
    }
}

struct GradientFn<'a> {
    ls: &'a LeastSquares,
}

impl RealFn for GradientFn<'_> {
    fn eval(&self, s: f64) -> f64 {
        self.ls.gradient(&[s]).map_or(f64::NAN, |o| o.values[0])
    }
    fn support(&self) -> Interval {
        // (Rh * r) lives on supp(r) − supp(h).
        let r = self.ls.residual();
        r.support().minkowski_sum(&self.ls.h.support().reversed())
    }
    fn breakpoints(&self) -> Vec<f64> {
        Vec::new()
    }
}
