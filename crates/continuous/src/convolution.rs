//! Convolution and correlation integrals, evaluated by quadrature split at the breakpoints of
//! both factors and around their narrow features, with error bounds that include the rounding
//! of every sample and of every breakpoint's position.

use crate::error::{ContinuousError, Result};
use crate::quadrature::two_sum_error;
use crate::quadrature::{Integrand, QuadParams, accepts, integrate_with};
use crate::realfn::{Features, Interval, Peak, RealFn};

/// Values of an integral transform at many points, with their error bounds.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ConvOutput {
    /// The values.
    pub values: Vec<f64>,
    /// A bound on the absolute error of each value.
    pub error_estimates: Vec<f64>,
    /// Integrand evaluations in all.
    pub evaluations: usize,
    /// The indices of the points where the tolerance was not met (their values are the best
    /// found); empty when every value meets it.
    pub unmet: Vec<usize>,
}

impl ConvOutput {
    /// The output, or [`ContinuousError::NoConvergence`] for its first point that missed the
    /// tolerance.
    pub fn require_converged(self) -> Result<Self> {
        match self.unmet.first() {
            None => Ok(self),
            Some(&i) => Err(ContinuousError::NoConvergence {
                estimate: self.values[i],
                error_estimate: self.error_estimates[i],
                evaluations: self.evaluations,
            }),
        }
    }

    /// The output, with the points that missed a relative tolerance kept where their bound is
    /// within `rel_tol` of the largest value on the grid — a value that is zero but for the
    /// rounding of where two supports meet (`0 ± 3e-45` beside values of order 1) is known to
    /// the grid's tolerance though to no relative one of its own; otherwise
    /// [`ContinuousError::NoConvergence`] for the first point that is not.
    pub fn require_converged_on_grid(mut self, rel_tol: f64) -> Result<Self> {
        let scale = self.values.iter().map(|v| v.abs()).fold(0.0, f64::max);
        let (values, errors) = (&self.values, &self.error_estimates);
        self.unmet
            .retain(|&i| !(errors[i] <= rel_tol * scale && values[i].abs() <= errors[i]));
        self.require_converged()
    }
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

/// How finely a factor must be resolved: its narrowest support, peak or decay length, or 0 when it has
/// singular points (those are exact only in its own variable).
fn sharpness(f: &dyn RealFn) -> f64 {
    let feats = f.features();
    if !feats.singular_points.is_empty() {
        return 0.0;
    }
    let narrowest_peak = feats
        .peaks
        .iter()
        .map(|p| p.width)
        .fold(f64::INFINITY, f64::min);
    let shortest_decay = feats
        .decay_rates
        .iter()
        .map(|r| 1.0 / r.abs())
        .fold(f64::INFINITY, f64::min);
    f.support().width().min(narrowest_peak).min(shortest_decay)
}

/// Features of a product of two factors: both sets, and for each pair of peaks the peak of
/// their product (for Gaussians exactly: the precision-weighted centre, the widths combined
/// as $w = w_1 w_2/\sqrt{w_1^2 + w_2^2}$).
fn product_features(fa: Features, fb: Features) -> Features {
    let mut combined = Vec::new();
    for p in fa.peaks.iter().take(16) {
        for q in fb.peaks.iter().take(16) {
            let (a2, b2) = (p.width * p.width, q.width * q.width);
            let s = a2 + b2;
            let centre = (p.centre * b2 + q.centre * a2) / s;
            let width = p.width * q.width / s.sqrt();
            if centre.is_finite() && width.is_finite() && width > 0.0 {
                combined.push(Peak { centre, width });
            }
        }
    }
    let mut out = fa.union(fb);
    out.peaks.extend(combined);
    out
}

/// An upper bound of $|f|$ within `r` of `p` on the side of its support (the values just inside
/// a support end stand for those just outside it, where a rounded end may have cut them off):
/// the function's own bound where it has one, else its largest value at $p$ and $p \pm r$ (an
/// estimate, for a user's closure).
fn sup_near(f: &dyn RealFn, p: f64, r: f64) -> f64 {
    let s = f.support();
    let r = r.max(4.0 * f64::EPSILON * p.abs()).max(f64::MIN_POSITIVE);
    let q = p.clamp(s.a(), s.b());
    let (lo, hi) = ((q - 2.0 * r).max(s.a()), (q + 2.0 * r).min(s.b()));
    match f.bound(lo, hi) {
        Some(b) if !b.is_nan() => b,
        _ => [lo, q, hi]
            .iter()
            .map(|&u| f.eval(u).abs())
            .fold(0.0, f64::max),
    }
}

/// Whether `p` lies within `r` of the interval `s`.
fn near(s: &Interval, p: f64, r: f64) -> bool {
    p >= s.a() - r && p <= s.b() + r
}

/// The support of $\tau \mapsto b(c + \sigma\tau)$, $\sigma = \pm 1$.
fn placed_support(b: &dyn RealFn, c: f64, sigma: f64) -> Interval {
    let sb = b.support();
    if sigma < 0.0 {
        sb.reversed().shifted(c)
    } else {
        sb.shifted(-c)
    }
}

/// $\int a(\tau)\\, b(c + \sigma\tau)\\, d\tau$, $\sigma = \pm 1$, over where both live, split at
/// every breakpoint and around every feature of both. The variable of integration is `a`'s own;
/// `b`'s breakpoints are placed at $\sigma(p - c)$ with one rounding each, and every breakpoint
/// carries the uncertainty of its own computation: the returned bound includes what that may
/// move ([`placement_error`]), also where the computed supports do not overlap.
fn product_integral(
    a: &dyn RealFn,
    b: &dyn RealFn,
    c: f64,
    sigma: f64,
    params: QuadParams,
) -> Result<(f64, f64, usize, bool)> {
    let sb = b.support();
    let placed = placed_support(b, c, sigma);
    let at = |p: f64| sigma * (p - c);
    let (bps_a, bps_b) = (a.breakpoints(), b.breakpoints());
    let mut bps: Vec<f64> = bps_a.clone();
    bps.extend(bps_b.iter().map(|&p| at(p)));
    for s in [a.support(), placed] {
        bps.extend([s.a(), s.b()].into_iter().filter(|v| v.is_finite()));
    }
    let features = product_features(a.features(), b.features().mapped(c, sigma));
    const U: f64 = 0.5 * f64::EPSILON;
    let (sa, sb_) = (a.support(), sb);
    let f = |tau: f64| {
        // Outside either support the product is exactly zero, whatever the other factor's
        // formula gives there (∞·0 is not a value of the product); inside, 0·∞ stays NaN.
        let u = c + sigma * tau;
        if !sa.contains(tau) || !sb_.contains(u) {
            return (0.0, 0.0);
        }
        let (va, ea) = a.eval_with_error(tau, 0.0);
        let (vb, eb) = b.eval_with_error(u, U * u.abs());
        let v = va * vb;
        let e = if ea == 0.0 { 0.0 } else { vb.abs() * ea }
            + if eb == 0.0 { 0.0 } else { va.abs() * eb }
            + U * v.abs();
        (v, e)
    };
    let bound = |lo: f64, hi: f64| {
        let (x, y) = (c + sigma * lo, c + sigma * hi);
        match (a.bound(lo, hi), b.bound(x.min(y), x.max(y))) {
            (Some(p), Some(q)) if p == 0.0 || q == 0.0 => 0.0,
            (Some(p), Some(q)) => p * q,
            _ => f64::INFINITY,
        }
    };
    // Whether both factors can bound themselves at all (a user's closure cannot).
    let bounded = a.bound(0.0, 0.0).is_some() && b.bound(0.0, 0.0).is_some();
    let ig = Integrand {
        f: &f,
        bound: if bounded { Some(&bound) } else { None },
        breakpoints: &bps,
        features: &features,
    };
    // Half the tolerance for the integral: the breakpoints' placement takes its share.
    let inner = QuadParams {
        rel_tol: 0.5 * params.rel_tol,
        abs_tol: 0.5 * params.abs_tol,
        ..params
    };
    let placement = placement_error(a, b, c, sigma, &placed);
    let Some(iv) = a.support().intersect(&placed) else {
        // The supports do not overlap where they were computed; they may where they truly are.
        let met = accepts(0.0, placement, placement, 0.0, &params);
        return Ok((0.0, placement, 0, met));
    };
    let (value, info) = integrate_with(&ig, iv, inner)?;
    let err = info.error_estimate + placement;
    let met = accepts(
        value,
        err,
        info.rounding_error + placement,
        info.rounding_level,
        &params,
    );
    Ok((value, err, info.evaluations, met))
}

/// What the integral may change by because the breakpoints and support ends of both factors
/// are not exactly where they were computed: $b$'s are placed at $\sigma(p - c)$ with one
/// rounding, and every one carries the uncertainty of its own computation
/// ([`RealFn::position_error`]). A jump moved by $\delta$ changes the integral by at most
/// $\delta \sup|a| \sup|\text{jump}|$ — at an end the jump is the value inside, at an inner
/// breakpoint at most twice the larger side. Ends within $\delta$ of the other factor's support
/// count even where the computed supports do not overlap.
fn placement_error(a: &dyn RealFn, b: &dyn RealFn, c: f64, sigma: f64, placed: &Interval) -> f64 {
    let (sa, sb) = (a.support(), b.support());
    let ends = |s: &Interval| {
        [s.a(), s.b()]
            .into_iter()
            .filter(|p| p.is_finite())
            .collect::<Vec<_>>()
    };
    let mut placement = 0.0;
    let (ends_b, ends_a) = (ends(&sb), ends(&sa));
    let inner_b: Vec<f64> = b
        .breakpoints()
        .into_iter()
        .filter(|p| !ends_b.contains(p))
        .collect();
    for (p, jump) in inner_b
        .iter()
        .map(|&p| (p, 2.0))
        .chain(ends_b.iter().map(|&p| (p, 1.0)))
    {
        let tau = sigma * (p - c);
        // The rounding of c − p, exactly (zero when it is representable), and that of p's
        // own computation.
        let delta = two_sum_error(c, -p).abs() + b.position_error(p);
        if delta > 0.0 && near(&sa, tau, delta) {
            placement += delta * sup_near(a, tau, delta) * jump * sup_near(b, p, delta);
        }
    }
    let inner_a: Vec<f64> = a
        .breakpoints()
        .into_iter()
        .filter(|p| !ends_a.contains(p))
        .collect();
    for (p, jump) in inner_a
        .iter()
        .map(|&p| (p, 2.0))
        .chain(ends_a.iter().map(|&p| (p, 1.0)))
    {
        let delta = a.position_error(p);
        if delta > 0.0 && near(placed, p, delta) {
            let u = c + sigma * p;
            placement += delta * sup_near(b, u, delta) * jump * sup_near(a, p, delta);
        }
    }
    // An unbounded factor next to a misplaced end (a singular point there) leaves the
    // integral unknown: an infinite bound, never a NaN one.
    if placement.is_nan() {
        f64::INFINITY
    } else {
        placement
    }
}

/// The overlap of the supports in `a`'s variable for $\int a(\tau)\, b(c + \sigma\tau)\,d\tau$:
/// its width and the largest magnitude of its ends.
fn overlap_in(a: &dyn RealFn, b: &dyn RealFn, c: f64, sigma: f64) -> Option<(f64, f64)> {
    let iv = a.support().intersect(&placed_support(b, c, sigma))?;
    Some((iv.width(), iv.a().abs().max(iv.b().abs())))
}

/// Whether to integrate in the variable of the second factor, `alt`, rather than in that of the
/// first, `pref` (the sharper, see [`sharpness`]): only where the overlap is so narrow for
/// where it lies in `pref`'s variable that doubles resolve it in fewer than $2^{20}$ steps,
/// while in `alt`'s it lies far nearer 0 (two supports that touch far from the origin: the
/// nodes would round to a few ulps of the position, in the other variable to ulps of the
/// overlap), and neither has a singular point (those are exact only in their own variable).
fn better_resolved(
    pref: (&dyn RealFn, &dyn RealFn, f64, f64),
    alt: (&dyn RealFn, &dyn RealFn, f64, f64),
) -> bool {
    let singular = |f: &dyn RealFn| !f.features().singular_points.is_empty();
    if singular(pref.0) || singular(alt.0) {
        return false;
    }
    match (
        overlap_in(pref.0, pref.1, pref.2, pref.3),
        overlap_in(alt.0, alt.1, alt.2, alt.3),
    ) {
        (Some((w, m)), Some((_, m_alt))) => {
            w < m * f64::EPSILON * 2f64.powi(20) && m_alt < m / 64.0
        }
        _ => false,
    }
}

/// $\int h(t - \tau)\\, x(\tau)\\,d\tau$ in the variable of the sharper factor.
fn conv_at(
    h: &dyn RealFn,
    x: &dyn RealFn,
    t: f64,
    p: QuadParams,
) -> Result<(f64, f64, usize, bool)> {
    let (a, b) = if sharpness(x) < sharpness(h) {
        (x, h)
    } else {
        (h, x)
    };
    if better_resolved((a, b, t, -1.0), (b, a, t, -1.0)) {
        product_integral(b, a, t, -1.0, p)
    } else {
        product_integral(a, b, t, -1.0, p)
    }
}

/// $(h \star r)(s) = \int h(u - s)\\, r(u)\\,du$ in the variable of the sharper factor.
fn corr_at(
    h: &dyn RealFn,
    r: &dyn RealFn,
    s: f64,
    p: QuadParams,
) -> Result<(f64, f64, usize, bool)> {
    // ∫ r(u) h(u − s) du, or ∫ h(v) r(v + s) dv.
    let in_r = (r, h, -s, 1.0);
    let in_h = (h, r, s, 1.0);
    let (pref, alt) = if sharpness(r) < sharpness(h) {
        (in_r, in_h)
    } else {
        (in_h, in_r)
    };
    let (a, b, c, sigma) = if better_resolved(pref, alt) {
        alt
    } else {
        pref
    };
    product_integral(a, b, c, sigma, p)
}

pub(crate) type PointFn<'a> = dyn Fn(f64) -> Result<(f64, f64, usize, bool)> + 'a;

/// Each point by `one`, gathered with the points that missed the tolerance.
pub(crate) fn each_point(what: &str, t: &[f64], one: &PointFn<'_>) -> Result<ConvOutput> {
    check_points(what, t)?;
    let mut out = ConvOutput::default();
    for (i, &ti) in t.iter().enumerate() {
        let (v, e, n, met) = one(ti)?;
        out.values.push(v);
        out.error_estimates.push(e);
        out.evaluations += n;
        if !met {
            out.unmet.push(i);
        }
    }
    Ok(out)
}

/// $z(t) = (h*x)(t) = \int h(t - \tau)\\, x(\tau)\\,d\tau$ at each point of `t`, every value to
/// `params`, or [`ContinuousError::NoConvergence`] with the best value of the first point that
/// could not get there (see [`convolve_lenient`] for all of them).
///
/// The integral runs over the intersection of the two supports only, in the variable of the
/// sharper factor (narrower support or peak, or a singular point: those stay exact), split at
/// the breakpoints of both and around their peaks. The error bound adds to quadrature's the
/// rounding of the placed breakpoints.
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
    convolve_lenient(h, x, t, params)?.require_converged()
}

/// [`convolve`] at every point, also those where the tolerance was not met: they are listed in
/// [`ConvOutput::unmet`] with their best values and honest bounds.
pub fn convolve_lenient(
    h: &dyn RealFn,
    x: &dyn RealFn,
    t: &[f64],
    params: QuadParams,
) -> Result<ConvOutput> {
    each_point("convolution grid", t, &|ti| conv_at(h, x, ti, params))
}

/// The correlation $(h \star r)(s) = \int h(t - s)\\, r(t)\\,dt = (Rh * r)(s)$ at each point
/// of `s`: the adjoint of convolution by $h$. Every value to `params`, or
/// [`ContinuousError::NoConvergence`] (see [`correlate_lenient`]).
pub fn correlate(
    h: &dyn RealFn,
    r: &dyn RealFn,
    s: &[f64],
    params: QuadParams,
) -> Result<ConvOutput> {
    correlate_lenient(h, r, s, params)?.require_converged()
}

/// [`correlate`] at every point, also those where the tolerance was not met (listed in
/// [`ConvOutput::unmet`]).
pub fn correlate_lenient(
    h: &dyn RealFn,
    r: &dyn RealFn,
    s: &[f64],
    params: QuadParams,
) -> Result<ConvOutput> {
    each_point("correlation grid", s, &|si| corr_at(h, r, si, params))
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
    /// $(h*x)(t)$ and its error bound.
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
    fn eval_with_error(&self, t: f64, dt: f64) -> (f64, f64) {
        let _ = dt;
        self.try_eval(t).unwrap_or((f64::NAN, f64::INFINITY))
    }
}
