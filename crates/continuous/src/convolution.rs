//! Convolution and correlation integrals, evaluated by quadrature split at the breakpoints of
//! both factors.

use crate::error::{ContinuousError, Result};
use crate::quadrature::{QuadParams, integrate};
use crate::realfn::{Interval, RealFn};

/// Values of an integral transform at many points, with their error estimates.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ConvOutput {
    /// The values.
    pub values: Vec<f64>,
    /// An absolute error estimate for each value.
    pub error_estimates: Vec<f64>,
    /// Integrand evaluations in all.
    pub evaluations: usize,
}

fn check_points(what: &str, t: &[f64]) -> Result<()> {
    if t.is_empty() {
        return Err(ContinuousError::Empty { what: what.into() });
    }
    if let Some(v) = t.iter().find(|v| !v.is_finite()) {
        return Err(ContinuousError::NonFinite {
            what: what.into(),
            value: *v,
        });
    }
    Ok(())
}

/// $\int f(\tau)\\, g(\tau)\\,d\tau$ where $f$ lives on `sf` with breakpoints `bf`, $g$ on `sg`
/// with `bg`: over the intersection, split at every breakpoint.
fn product_integral(
    fg: &dyn Fn(f64) -> f64,
    sf: Interval,
    sg: Interval,
    mut bps: Vec<f64>,
    params: QuadParams,
) -> Result<(f64, f64, usize)> {
    let Some(iv) = sf.intersect(&sg) else {
        return Ok((0.0, 0.0, 0));
    };
    bps.push(sf.a());
    bps.push(sf.b());
    bps.push(sg.a());
    bps.push(sg.b());
    let (v, info) = integrate(fg, iv, &bps, params)?;
    Ok((v, info.error_estimate, info.evaluations))
}

/// $z(t) = (h*x)(t) = \int h(\tau)\\, x(t - \tau)\\,d\tau$ at each point of `t`.
///
/// The integral runs over $\operatorname{supp} h \cap (t - \operatorname{supp} x)$ only and is
/// split at the breakpoints of $h$ and at those of $x$ as placed by $t$ (a jump of $x$ at $b$
/// sits at $\tau = t - b$).
///
/// ```
/// # use flipshift_continuous::{Expr, QuadParams, convolve};
/// // rect * rect is the triangle.
/// let r = Expr::parse("rect(t)")?.compile()?;
/// let z = convolve(&r, &r, &[0.0, 0.25, 1.5], QuadParams::default())?;
/// assert!((z.values[1] - 0.75).abs() < 1e-15 && z.values[2] == 0.0);
/// # Ok::<(), flipshift_continuous::ContinuousError>(())
/// ```
pub fn convolve(
    h: &dyn RealFn,
    x: &dyn RealFn,
    t: &[f64],
    params: QuadParams,
) -> Result<ConvOutput> {
    check_points("convolution grid", t)?;
    let (sh, sx) = (h.support(), x.support());
    let (bh, bx) = (h.breakpoints(), x.breakpoints());
    let mut out = ConvOutput::default();
    for &ti in t {
        let placed = sx.reversed().shifted(ti); // {τ : t − τ ∈ supp x}
        let mut bps = bh.clone();
        bps.extend(bx.iter().map(|b| ti - b));
        let (v, e, n) = product_integral(
            &|tau| h.eval(tau) * x.eval(ti - tau),
            sh,
            placed,
            bps,
            params,
        )?;
        out.values.push(v);
        out.error_estimates.push(e);
        out.evaluations += n;
    }
    Ok(out)
}

/// The correlation $(h \star r)(s) = \int h(t - s)\\, r(t)\\,dt = (Rh * r)(s)$ at each point
/// of `s`: the adjoint of convolution by $h$.
pub fn correlate(
    h: &dyn RealFn,
    r: &dyn RealFn,
    s: &[f64],
    params: QuadParams,
) -> Result<ConvOutput> {
    check_points("correlation grid", s)?;
    let (sh, sr) = (h.support(), r.support());
    let (bh, br) = (h.breakpoints(), r.breakpoints());
    let mut out = ConvOutput::default();
    for &si in s {
        let placed = sh.shifted(si); // {t : t − s ∈ supp h}
        let mut bps = br.clone();
        bps.extend(bh.iter().map(|b| si + b));
        let (v, e, n) = product_integral(&|t| h.eval(t - si) * r.eval(t), placed, sr, bps, params)?;
        out.values.push(v);
        out.error_estimates.push(e);
        out.evaluations += n;
    }
    Ok(out)
}

/// The function $h * x$, evaluated by quadrature wherever it is asked for.
///
/// Support $[a + c, b + d]$ for $h$ on $[a, b]$ and $x$ on $[c, d]$; breakpoints at the pairwise
/// sums of the factors' breakpoints and support ends. [`RealFn::eval`] returns NaN if the
/// integral fails; [`Convolution::try_eval`] says why.
#[derive(Debug, Clone)]
pub struct Convolution<H, X> {
    /// The kernel.
    pub h: H,
    /// The signal.
    pub x: X,
    /// Quadrature settings for each evaluation.
    pub params: QuadParams,
}

impl<H: RealFn, X: RealFn> Convolution<H, X> {
    /// $(h*x)(t)$ and its error estimate.
    pub fn try_eval(&self, t: f64) -> Result<(f64, f64)> {
        let out = convolve(&self.h, &self.x, &[t], self.params)?;
        Ok((out.values[0], out.error_estimates[0]))
    }
}

fn ends_and_breaks(f: &dyn RealFn) -> Vec<f64> {
    let s = f.support();
    let mut p = f.breakpoints();
    p.extend([s.a(), s.b()].into_iter().filter(|v| v.is_finite()));
    p
}

impl<H: RealFn, X: RealFn> RealFn for Convolution<H, X> {
    fn eval(&self, t: f64) -> f64 {
        self.try_eval(t).map_or(f64::NAN, |v| v.0)
    }
    fn support(&self) -> Interval {
        self.h.support().minkowski_sum(&self.x.support())
    }
    fn breakpoints(&self) -> Vec<f64> {
        let (a, b) = (ends_and_breaks(&self.h), ends_and_breaks(&self.x));
        let mut out: Vec<f64> = a
            .iter()
            .flat_map(|p| b.iter().map(move |q| p + q))
            .collect();
        out.retain(|v| v.is_finite());
        out.sort_by(f64::total_cmp);
        out.dedup();
        out
    }
}
