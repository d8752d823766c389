//! Gateaux checks — the numerical proof of a functional derivative — and the Richardson
//! differences they rest on, with the one test direction: a smooth bump of compact support.

use crate::error::{ContinuousError, Result};
use crate::operators::RealFnExt;
use crate::quadrature::{QuadParams, integrate};
use crate::realfn::{Interval, RealFn};
use crate::symbolic::{CompiledExpr, Expr, Func};
use crate::variational::signal::Signal;

/// The bump $\varphi(t) = \big(1 - u^2\big)^4$ for $|u| < 1$, $u = (t - c)/w$, and 0 outside: a
/// polynomial of compact support $[c - w, c + w]$ that vanishes there with three derivatives, so
/// that no boundary terms arise for functionals with $x'$ and $x''$ — the test direction of a
/// Gateaux check, as a function and as an expression.
///
/// ```
/// # use flipshift_continuous::{Bump, RealFn};
/// let phi = Bump::new(1.0, 0.5)?;
/// assert_eq!(phi.eval(1.0), 1.0);
/// assert_eq!(phi.eval(1.6), 0.0);
/// assert_eq!((phi.support().a(), phi.support().b()), (0.5, 1.5));
/// # Ok::<(), flipshift_continuous::ContinuousError>(())
/// ```
#[derive(Debug, Clone)]
pub struct Bump {
    expr: Expr,
    compiled: CompiledExpr,
    centre: f64,
    half_width: f64,
}

impl Bump {
    /// The bump centred at `centre` with half-width `half_width > 0`.
    pub fn new(centre: f64, half_width: f64) -> Result<Self> {
        if !(centre.is_finite() && half_width.is_finite() && half_width > 0.0) {
            return Err(ContinuousError::InvalidParameter {
                what: "bump".into(),
                reason: format!(
                    "need a finite centre and half-width > 0, got {centre}, {half_width}"
                ),
            });
        }
        let s = (Expr::var("t") - Expr::num(centre)) / Expr::num(half_width);
        let body = (Expr::num(1.0) - s.clone().pow(Expr::num(2.0))).pow(Expr::num(4.0));
        let expr = (body * Expr::call(Func::Rect, s / Expr::num(2.0))).simplify();
        Ok(Self {
            compiled: expr.compile()?,
            expr,
            centre,
            half_width,
        })
    }

    /// The bump as an expression in `t`.
    pub fn expr(&self) -> &Expr {
        &self.expr
    }
}

impl RealFn for Bump {
    fn eval(&self, t: f64) -> f64 {
        self.compiled.eval(t)
    }
    fn support(&self) -> Interval {
        Interval::new(self.centre - self.half_width, self.centre + self.half_width)
            .unwrap_or(Interval::real_line())
    }
    fn breakpoints(&self) -> Vec<f64> {
        vec![self.centre - self.half_width, self.centre + self.half_width]
    }
}

impl Signal for Bump {
    fn expr(&self) -> Option<&Expr> {
        Some(&self.expr)
    }
    fn derivative(&self, t: f64, order: usize) -> f64 {
        crate::variational::signal::expr_derivative(&self.expr, t, order)
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

/// Check a functional derivative numerically: compare the directional derivative
/// $\frac{d}{d\varepsilon} F[x + \varepsilon\varphi]$ at $\varepsilon = 0$ with
/// $\langle \delta F/\delta x, \varphi\rangle$.
///
/// The directional derivative is the central difference $D(\varepsilon) =
/// \big(F[x + \varepsilon\varphi] - F[x - \varepsilon\varphi]\big)/2\varepsilon$ at
/// $\varepsilon = \varepsilon_0, \varepsilon_0/2, \varepsilon_0/4$, Richardson-extrapolated twice
/// (see [`richardson_directional`]). `eps0` is relative to nothing: choose it so that
/// $\varepsilon_0\varphi$ is a modest perturbation of $x$. For a [`crate::Functional`] use its
/// own [`crate::Functional::gateaux_check`].
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

/// $\frac{d}{d\varepsilon} F(\varepsilon)$ at 0 from central differences at $\varepsilon_0$,
/// $\varepsilon_0/2$, $\varepsilon_0/4$, Richardson-extrapolated twice: the error of
/// $D(\varepsilon) = \big(F(\varepsilon) - F(-\varepsilon)\big)/2\varepsilon$ expands in even
/// powers of $\varepsilon$, so the result is exact for cubic $F$ and $O(\varepsilon_0^6)$
/// otherwise.
///
/// ```
/// # use flipshift_continuous::richardson_directional;
/// let d = richardson_directional(&|e: f64| Ok((1.0 + e).exp()), 0.1)?;
/// assert!((d - 1f64.exp()).abs() < 1e-9);
/// # Ok::<(), flipshift_continuous::ContinuousError>(())
/// ```
pub fn richardson_directional(f: &dyn Fn(f64) -> Result<f64>, eps0: f64) -> Result<f64> {
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
