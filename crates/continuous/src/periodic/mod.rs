//! Periodic convolution on $[0, P)$: $z(t) = \int_0^P h_P(t - \tau)\\, x_P(\tau)\\, d\tau$,
//! where $f_P(t) = f(t - P\lfloor t/P \rfloor)$ is the periodic extension of $f$ restricted to
//! $[0, P)$ — what the functions are on one period is all that counts, whatever they are
//! elsewhere.
//!
//! One period of the integrand is integrated by the adaptive quadrature of
//! [`crate::integrate_with`], split at $x$'s breakpoints and at $h$'s mapped into the period
//! ($\tau = (t - b) \bmod P$), including the seam $\tau = t \bmod P$ where $h_P$ wraps. Each value
//! carries a bound that holds: the quadrature's (truncation and the samples' rounding, with the
//! rounding of the wrapped argument $t - \tau$ charged to $h$), plus what a breakpoint placed
//! one rounding off can cost (its jump times the other factor times the displacement).

use crate::convolution::ConvOutput;
use crate::error::{ContinuousError, Result};
use crate::quadrature::{Integrand, QuadParams, accepts, integrate_with};
use crate::realfn::{Features, Interval, Peak, RealFn};

mod least_squares;
mod nested;
mod trig;
pub use least_squares::{PeriodicLeastSquaresClosedForm, periodic_least_squares_symbolic};
pub use nested::{PERIODIC_NESTED_OUTER, PeriodicLeastSquares, periodic_least_squares};
pub use trig::{NotTrigPolynomial, TrigPoly, convolve_periodic_symbolic};

pub(crate) const U: f64 = 0.5 * f64::EPSILON;

/// A period that is finite and positive, or the error saying what it is.
pub fn check_period(period: f64) -> Result<()> {
    if !(period > 0.0) || !period.is_finite() {
        return Err(ContinuousError::InvalidParameter {
            what: "period".into(),
            reason: format!("must be finite and > 0, got {period}"),
        });
    }
    Ok(())
}

/// $s - P\lfloor s/P \rfloor$, in $[0, P)$ (a value that rounds up to $P$ is the seam, 0).
fn wrap(s: f64, p: f64) -> f64 {
    let w = s - p * (s / p).floor();
    if w >= p || w < 0.0 { 0.0 } else { w }
}

/// The size of the jump of $h_P$ at the point $b \in [0, P)$ of its period: the larger of the
/// values beside it (for the seam $b = 0$: $h(0)$ and $h(P^-)$).
///
/// At an integrable singularity (log t at the seam) the value at $b$ itself is not finite; the
/// values one ulp either side stand for it (for a logarithm they exceed the $|\log\delta|$ that a
/// displacement $\delta$ of the singularity costs per unit length). Where those are not finite
/// either, the jump is.
fn jump_of(h: &dyn RealFn, b: f64, p: f64) -> f64 {
    let left = if b == 0.0 {
        p.next_down()
    } else {
        b.next_down()
    };
    let beside = [h.eval(left).abs(), h.eval(b.next_up()).abs()];
    let at = h.eval(b).abs();
    let finite = beside.iter().chain([&at]).filter(|v| v.is_finite());
    if beside.iter().any(|v| v.is_finite()) {
        finite.fold(0.0, |m: f64, v| m.max(*v))
    } else {
        f64::INFINITY
    }
}

/// $z(t)$ at one point: the value, its error bound, evaluations, and whether the bound meets
/// the tolerance.
fn periodic_at(
    h: &dyn RealFn,
    x: &dyn RealFn,
    p: f64,
    t: f64,
    params: QuadParams,
) -> Result<(f64, f64, usize, bool)> {
    let sx = x.support();
    let (lo, hi) = (sx.a().max(0.0), sx.b().min(p));
    if !(lo < hi) {
        return Ok((0.0, 0.0, 0, true));
    }
    let iv = Interval::new(lo, hi)?;
    // z is P-periodic in t: work with t mod P; its rounding (an ulp of |t|) and that of
    // t − τ and of the wrap (ulps of P) are charged to h's argument.
    let tw = wrap(t, p);
    let dt = U * (t.abs() + 3.0 * p);
    let hp = |tau: f64| {
        let mut s = tw - tau;
        if s < 0.0 {
            s += p;
        }
        // t − τ + P rounds up to P only when t − τ is a tiny negative number: the argument
        // approaches the seam from below, where h_P is h(P⁻), not h(0).
        if s >= p {
            s = p.next_down();
        }
        s
    };
    let f = |tau: f64| {
        if !iv.contains(tau) {
            return (0.0, 0.0);
        }
        let (vx, ex) = x.eval_with_error(tau, 0.0);
        let (vh, eh) = h.eval_with_error(hp(tau), dt);
        let v = vx * vh;
        let e = if ex == 0.0 { 0.0 } else { vh.abs() * ex }
            + if eh == 0.0 { 0.0 } else { vx.abs() * eh }
            + U * v.abs();
        (v, e)
    };
    // h on one period bounds h_P everywhere.
    let hmax = h.bound(0.0, p);
    // On a panel [a, b] of τ, h's argument runs over t − [a, b] mod P: bounded by h's own
    // bound there when that range does not cross the seam (so a panel where h_P vanishes is
    // proved zero), by its bound on the whole period otherwise.
    let h_on = |a: f64, b: f64| periodic_bound(h, tw - b - dt, tw - a + dt, p);
    let bound = |a: f64, b: f64| match (x.bound(a, b), h_on(a, b)) {
        (Some(q), Some(r)) if q == 0.0 || r == 0.0 => 0.0,
        (Some(q), Some(r)) => q * r,
        _ => f64::INFINITY,
    };
    let bounded = x.bound(0.0, 0.0).is_some() && hmax.is_some();
    // h's breakpoints and support ends on [0, P), and the seam 0, mapped to τ = (t − b) mod P.
    let sh = h.support();
    let mut h_points: Vec<f64> = h.breakpoints();
    h_points.extend([sh.a(), sh.b()]);
    h_points.retain(|b| b.is_finite() && *b > 0.0 && *b < p);
    h_points.push(0.0);
    let mut x_points: Vec<f64> = x.breakpoints();
    x_points.extend([sx.a(), sx.b()]);
    x_points.retain(|b| b.is_finite() && *b > lo && *b < hi);
    let mut bps: Vec<f64> = x_points.clone();
    bps.extend(h_points.iter().map(|&b| wrap(tw - b, p)));
    bps.retain(|b| *b > lo && *b < hi);
    bps.sort_by(f64::total_cmp);
    bps.dedup();
    let features = periodic_features(h, x, tw, p);
    let ig = Integrand {
        f: &f,
        bound: if bounded { Some(&bound) } else { None },
        breakpoints: &bps,
        features: &features,
    };
    // Half the tolerance for the integral: the breakpoints' placement takes its share.
    let inner = params.half_tolerance();
    let (value, info) = integrate_with(&ig, iv, inner)?;
    let mut placement = 0.0;
    for &b in &h_points {
        let tau = wrap(tw - b, p);
        if iv.contains(tau) {
            let delta = dt + h.position_error(b);
            placement += x.eval(tau).abs() * jump_of(h, b, p) * delta;
        }
    }
    for &q in &x_points {
        let jump = x.eval(q.next_down()).abs().max(x.eval(q.next_up()).abs());
        placement += h.eval(hp(q)).abs() * jump * x.position_error(q);
    }
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

/// A bound of $|h_P|$ on $[lo, hi]$: $h$'s own on the range mapped into $[0, P)$ when it does
/// not cross the seam, its bound on the whole period otherwise.
fn periodic_bound(h: &dyn RealFn, lo: f64, hi: f64, p: f64) -> Option<f64> {
    let k = (lo / p).floor();
    let (a, b) = (lo - k * p, hi - k * p);
    if a >= 0.0 && b < p && a <= b {
        h.bound(a, b)
    } else {
        h.bound(0.0, p)
    }
}

/// The features of $\tau \mapsto x(\tau)\\, h_P(t - \tau)$ on one period: $x$'s, and $h$'s
/// reflected about $t$ and wrapped into $[0, P)$ (with the copies one period either side, so a
/// peak that straddles an end is seen from both).
fn periodic_features(h: &dyn RealFn, x: &dyn RealFn, tw: f64, p: f64) -> Features {
    let fh = h.features().mapped(tw, -1.0);
    let mut out = x.features();
    for pk in fh.peaks.iter().take(32) {
        let c = wrap(pk.centre, p);
        for centre in [c - p, c, c + p] {
            out.peaks.push(Peak {
                centre,
                width: pk.width,
            });
        }
    }
    out.decay_rates.extend(fh.decay_rates);
    out.frequencies.extend(fh.frequencies);
    out.singular_points
        .extend(fh.singular_points.iter().map(|&s| wrap(s, p)));
    out
}

/// The periodic convolution $z(t) = \int_0^P h_P(t - \tau)\\, x_P(\tau)\\, d\tau$ at each point
/// of `t`, with an error bound on each; the points where the tolerance was not met are listed
/// in [`ConvOutput::unmet`] (their values are the best found).
///
/// $f_P$ is the periodic extension of $f$ restricted to $[0, P)$. Errors: a period that is not
/// finite and positive, empty or non-finite points, a sample that is not finite.
///
/// ```
/// # use flipshift_continuous::{Expr, QuadParams, convolve_periodic_lenient};
/// // cos(2πt) * cos(2πt) on the period 1 is ½cos(2πt).
/// let h = Expr::parse("cos(2*pi*t)")?.compile()?;
/// let out = convolve_periodic_lenient(&h, &h, 1.0, &[0.0, 0.25], QuadParams::default())?;
/// assert!((out.values[0] - 0.5).abs() <= out.error_estimates[0].max(1e-15));
/// assert!(out.values[1].abs() <= 1e-14);
/// # Ok::<(), flipshift_continuous::ContinuousError>(())
/// ```
pub fn convolve_periodic_lenient(
    h: &dyn RealFn,
    x: &dyn RealFn,
    period: f64,
    t: &[f64],
    params: QuadParams,
) -> Result<ConvOutput> {
    check_period(period)?;
    crate::convolution::each_point("evaluation points", t, &|ti| {
        periodic_at(h, x, period, ti, params)
    })
}

/// [`convolve_periodic_lenient`], or [`ContinuousError::NoConvergence`] at the first point
/// whose bound misses the tolerance.
pub fn convolve_periodic(
    h: &dyn RealFn,
    x: &dyn RealFn,
    period: f64,
    t: &[f64],
    params: QuadParams,
) -> Result<ConvOutput> {
    convolve_periodic_lenient(h, x, period, t, params)?.require_converged()
}

/// The point evaluation of a periodic convolution,
/// $z(t_0) = \int_0^P h_P(t_0 - \tau)\\, x_P(\tau)\\, d\tau$, as a functional of $x$.
///
/// Linear in $x$, so its functional derivative is its kernel, the periodic kernel reversed
/// and shifted: $\delta z(t_0)/\delta x(\tau) = h_P(t_0 - \tau)$ — the rule of the line with
/// the argument read modulo $P$ (see [`PeriodicPointEval::derivative`]).
#[derive(Debug, Clone)]
pub struct PeriodicPointEval<H> {
    /// The kernel $h$ (its values on $[0, P)$ are what count).
    pub h: H,
    /// The time $t_0$.
    pub t0: f64,
    /// The period $P$.
    pub period: f64,
}

impl<H: RealFn + Clone> PeriodicPointEval<H> {
    /// The functional at `t0` with period `period`; an error for a non-finite `t0` or a
    /// period that is not finite and positive.
    pub fn new(h: H, t0: f64, period: f64) -> Result<Self> {
        check_period(period)?;
        if !t0.is_finite() {
            return Err(ContinuousError::NonFinite {
                what: "t0".into(),
                value: t0,
            });
        }
        Ok(Self { h, t0, period })
    }

    /// $z(t_0)$ for the signal `x`, with its error bound.
    pub fn value(&self, x: &dyn RealFn, params: QuadParams) -> Result<(f64, f64)> {
        let out = convolve_periodic(&self.h, x, self.period, &[self.t0], params)?;
        Ok((out.values[0], out.error_estimates[0]))
    }

    /// $\delta z(t_0)/\delta x = \tau \mapsto h_P(t_0 - \tau)$, a function of period $P$.
    ///
    /// ```
    /// # use flipshift_continuous::{Expr, PeriodicPointEval, RealFn};
    /// // h = t on [0, 1), repeated: h_P(0.25 − τ) at τ = 0.5 is h(0.75).
    /// let h = Expr::parse("t")?.compile()?;
    /// let d = PeriodicPointEval::new(h, 0.25, 1.0)?.derivative();
    /// assert_eq!(d.eval(0.5), 0.75);
    /// assert_eq!(d.eval(2.5), 0.75);
    /// # Ok::<(), flipshift_continuous::ContinuousError>(())
    /// ```
    pub fn derivative(&self) -> PeriodicFlip<H> {
        PeriodicFlip {
            h: self.h.clone(),
            t0: self.t0,
            period: self.period,
        }
    }
}

/// $\tau \mapsto h_P(t_0 - \tau)$: a kernel restricted to $[0, P)$, repeated, reversed and
/// shifted to $t_0$ — the functional derivative of a periodic convolution's value at $t_0$
/// ([`PeriodicPointEval::derivative`]). Its support is the whole line; its breakpoints are
/// $h$'s and the seam, mapped to $\tau = (t_0 - b) \bmod P$, in every period.
#[derive(Debug, Clone)]
pub struct PeriodicFlip<H> {
    h: H,
    t0: f64,
    period: f64,
}

impl<H: RealFn> PeriodicFlip<H> {
    /// The breakpoints in $[lo, hi]$.
    pub fn breakpoints_in(&self, lo: f64, hi: f64) -> Vec<f64> {
        let p = self.period;
        let sh = self.h.support();
        let mut inner: Vec<f64> = self.h.breakpoints();
        inner.extend([sh.a(), sh.b()]);
        inner.retain(|b| b.is_finite() && *b > 0.0 && *b < p);
        inner.push(0.0);
        let mut out = Vec::new();
        if !(lo.is_finite() && hi.is_finite()) || (hi - lo) / p > 1e4 {
            return out;
        }
        for b in inner {
            let base = wrap(self.t0 - b, p);
            let mut k = ((lo - base) / p).floor();
            while base + k * p <= hi {
                let q = base + k * p;
                if q >= lo {
                    out.push(q);
                }
                k += 1.0;
            }
        }
        out.sort_by(f64::total_cmp);
        out.dedup();
        out
    }
}

impl<H: RealFn> RealFn for PeriodicFlip<H> {
    fn eval(&self, tau: f64) -> f64 {
        self.h.eval(wrap(self.t0 - tau, self.period))
    }
    fn support(&self) -> Interval {
        Interval::real_line()
    }
    fn breakpoints(&self) -> Vec<f64> {
        // One period either side of [0, P): where a test function usually lives.
        self.breakpoints_in(-self.period, 2.0 * self.period)
    }
    fn eval_with_error(&self, tau: f64, dt: f64) -> (f64, f64) {
        let s = self.t0 - tau;
        let dt = dt + U * (s.abs() + 3.0 * self.period);
        self.h.eval_with_error(wrap(s, self.period), dt)
    }
    fn bound(&self, lo: f64, hi: f64) -> Option<f64> {
        let slack = U * (self.t0.abs() + lo.abs().max(hi.abs()) + 3.0 * self.period);
        periodic_bound(
            &self.h,
            self.t0 - hi - slack,
            self.t0 - lo + slack,
            self.period,
        )
    }
}
