//! Least squares on one period by nested quadrature, for kernels, signals and data that are
//! not trigonometric polynomials of the period: the residual $r(t) = (h \circledast x)(t) -
//! y_P(t)$ is a periodic convolution at each node of the outer integrals,
//! $J = \tfrac12 \int_0^P r^2\\, dt$ and
//! $\delta J/\delta x(s) = \int_0^P h_P(t - s)\\, r(t)\\, dt$ — the periodic convolution of the
//! reversed kernel $h_P(-\cdot)$ with $r$. Every inner value carries its bound into the outer
//! integral as the error of its sample, so the outer bound holds with the inner errors in it.

use super::{PeriodicFlip, U, check_period, periodic_at, wrap};
use crate::convolution::ConvOutput;
use crate::error::{ContinuousError, Result};
use crate::quadrature::{Integrand, QuadParams, accepts, integrate_with};
use crate::realfn::{Features, Interval, RealFn};
use std::cell::{Cell, RefCell};

/// Quadrature of the inner periodic convolution at each outer node: tighter than the outer,
/// so that its errors stay below the outer tolerance once integrated.
const INNER: QuadParams = QuadParams {
    rel_tol: 1e-12,
    abs_tol: 1e-300,
    max_subdivisions: 4000,
    max_evaluations: 200_000,
};

/// Quadrature of the outer integrals ($J$ and each gradient value).
pub const PERIODIC_NESTED_OUTER: QuadParams = QuadParams {
    rel_tol: 1e-9,
    abs_tol: 1e-300,
    max_subdivisions: 2000,
    max_evaluations: 50_000,
};

/// Periodic least squares by nested quadrature: $J$ with its bound and the gradient at the
/// requested points.
#[derive(Debug, Clone, PartialEq)]
pub struct PeriodicLeastSquares {
    /// $J = \tfrac12 \int_0^P r^2\\, dt$.
    pub j: f64,
    /// A bound on the error of $J$.
    pub j_error: f64,
    /// Whether $J$ met the outer tolerance.
    pub j_met: bool,
    /// $\delta J/\delta x(s)$ at each point, with its bound; the points that missed the outer
    /// tolerance are in [`ConvOutput::unmet`].
    pub gradient: ConvOutput,
}

/// $r(t) = (h \circledast x)(t) - y(t \bmod P)$ on $[0, P]$, each value by quadrature with its
/// bound as the sample's error.
struct Residual<'a> {
    h: &'a dyn RealFn,
    x: &'a dyn RealFn,
    y: &'a dyn RealFn,
    p: f64,
    /// $P \sup|h| \sup|x|$ over the period, which bounds $|h \circledast x|$.
    z_bound: Option<f64>,
    kinks: Vec<f64>,
    evaluations: Cell<usize>,
    failure: RefCell<Option<ContinuousError>>,
}

impl<'a> Residual<'a> {
    fn new(h: &'a dyn RealFn, x: &'a dyn RealFn, y: &'a dyn RealFn, p: f64) -> Self {
        let inner = |f: &dyn RealFn| {
            let s = f.support();
            let mut v = f.breakpoints();
            v.extend([s.a(), s.b()]);
            v.retain(|b| b.is_finite() && *b > 0.0 && *b < p);
            v.push(0.0);
            v
        };
        // h ⊛ x is smooth but where a jump or kink of h meets one of x: at their sums mod P.
        let (bh, bx) = (inner(h), inner(x));
        let mut kinks: Vec<f64> = bh
            .iter()
            .flat_map(|a| bx.iter().map(move |b| wrap(a + b, p)))
            .collect();
        kinks.extend(inner(y));
        kinks.retain(|b| *b > 0.0 && *b < p);
        kinks.sort_by(f64::total_cmp);
        kinks.dedup();
        let z_bound = match (h.bound(0.0, p), x.bound(0.0, p)) {
            (Some(a), Some(b)) if (a * b * p).is_finite() => Some(a * b * p * (1.0 + 4.0 * U)),
            _ => None,
        };
        Self {
            h,
            x,
            y,
            p,
            z_bound,
            kinks,
            evaluations: Cell::new(0),
            failure: RefCell::new(None),
        }
    }

    /// The first error of an inner integral, if any.
    fn take_failure(&self) -> Result<()> {
        match self.failure.borrow_mut().take() {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}

impl RealFn for Residual<'_> {
    fn eval(&self, t: f64) -> f64 {
        self.eval_with_error(t, 0.0).0
    }
    fn support(&self) -> Interval {
        Interval::new(0.0, self.p).unwrap_or_else(|_| Interval::real_line())
    }
    fn breakpoints(&self) -> Vec<f64> {
        self.kinks.clone()
    }
    fn eval_with_error(&self, t: f64, dt: f64) -> (f64, f64) {
        if self.failure.borrow().is_some() {
            return (0.0, f64::INFINITY);
        }
        match periodic_at(self.h, self.x, self.p, t, INNER) {
            Ok((z, ez, n, _)) => {
                self.evaluations.set(self.evaluations.get() + n);
                let (vy, ey) = self.y.eval_with_error(wrap(t, self.p), dt);
                let v = z - vy;
                // The inner bound holds whether or not it met the inner tolerance.
                (v, ez + ey + U * v.abs())
            }
            Err(e) => {
                *self.failure.borrow_mut() = Some(e);
                (0.0, f64::INFINITY)
            }
        }
    }
    fn bound(&self, lo: f64, hi: f64) -> Option<f64> {
        let (a, b) = (lo.max(0.0), hi.min(self.p));
        if a > b {
            return Some(0.0);
        }
        Some(self.z_bound? + self.y.bound(a, b)?)
    }
    fn features(&self) -> Features {
        self.y.features()
    }
}

/// Periodic least squares $J\[x\] = \tfrac12\int_0^P \big((h \circledast x)(t) - y(t)\big)^2 dt$
/// and its gradient $\delta J/\delta x(s) = \int_0^P h_P(t - s)\\, r(t)\\, dt$ at the points
/// `s`, by nested quadrature (the inner at relative tolerance $10^{-12}$, the outer at
/// `outer`, [`PERIODIC_NESTED_OUTER`] by default). Every value carries a bound that holds; the
/// gradient values that miss the outer tolerance are listed in [`ConvOutput::unmet`] and $J$'s
/// miss in [`PeriodicLeastSquares::j_met`].
///
/// For trigonometric polynomials of the period,
/// [`periodic_least_squares_symbolic`](crate::periodic_least_squares_symbolic) gives both in
/// closed form. Errors: a period that is not finite and positive, empty or non-finite points, an
/// inner or outer integrand that is not finite.
///
/// ```
/// # use flipshift_continuous::{Expr, periodic_least_squares, PERIODIC_NESTED_OUTER};
/// // The sawtooth h = t on [0, 2), x = cos πt, y = 0: r = h ⊛ x = −(2/π) sin πt,
/// // δJ/δx(s) = (4/π²) cos πs and J = 2/π².
/// let pi = std::f64::consts::PI;
/// let (h, x, y) = (Expr::parse("t")?.compile()?, Expr::parse("cos(pi*t)")?.compile()?, Expr::parse("0")?.compile()?);
/// let ls = periodic_least_squares(&h, &x, &y, 2.0, &[0.25], PERIODIC_NESTED_OUTER)?;
/// let g = 4.0 / (pi * pi) * (pi * 0.25).cos();
/// assert!((ls.gradient.values[0] - g).abs() <= ls.gradient.error_estimates[0]);
/// assert!((ls.j - 2.0 / (pi * pi)).abs() <= ls.j_error);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn periodic_least_squares(
    h: &dyn RealFn,
    x: &dyn RealFn,
    y: &dyn RealFn,
    period: f64,
    s: &[f64],
    outer: QuadParams,
) -> Result<PeriodicLeastSquares> {
    check_period(period)?;
    let p = period;
    let r = Residual::new(h, x, y, p);
    // J = ½∫₀ᴾ r²: the sample's error from r's, |r|·e + ½e², and its own rounding.
    let half_square = |t: f64| {
        let (v, e) = r.eval_with_error(t, 0.0);
        let w = 0.5 * v * v;
        (w, v.abs() * e + 0.5 * e * e + U * w)
    };
    let square_bound = |a: f64, b: f64| r.bound(a, b).map_or(f64::INFINITY, |m| 0.5 * m * m);
    let features = r.features();
    let ig = Integrand {
        f: &half_square,
        bound: r
            .z_bound
            .is_some()
            .then_some(&square_bound as &dyn Fn(f64, f64) -> f64),
        breakpoints: &r.kinks,
        features: &features,
    };
    let (j, info) = integrate_with(&ig, Interval::new(0.0, p)?, outer)?;
    r.take_failure()?;
    let j_met = accepts(
        j,
        info.error_estimate,
        info.rounding_error,
        info.rounding_level,
        &outer,
    );
    // δJ/δx(s) = ∫₀ᴾ k_P(s − t)·r(t) dt with k_P(v) = h_P(−v): the reversed periodic kernel.
    let reversed = PeriodicFlip {
        h,
        t0: 0.0,
        period: p,
    };
    let gradient = crate::convolution::each_point("gradient points", s, &|si| {
        let out = periodic_at(&reversed, &r, p, si, outer)?;
        r.take_failure()?;
        Ok(out)
    })?;
    let mut gradient = gradient;
    gradient.evaluations += info.evaluations + r.evaluations.get();
    Ok(PeriodicLeastSquares {
        j,
        j_error: info.error_estimate,
        j_met,
        gradient,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::symbolic::Expr;
    use crate::{TrigPoly, periodic_least_squares_symbolic};
    use std::f64::consts::PI;

    fn f(s: &str) -> crate::symbolic::CompiledExpr {
        Expr::parse(s).unwrap().compile().unwrap()
    }

    #[test]
    fn sawtooth_against_the_worked_answer() {
        // r = −(2/π) sin πt, δJ/δx(s) = (4/π²) cos πs, J = 2/π² (worked by parts).
        let s = [0.0, 0.25, 1.1, -0.7, 3.5];
        let ls = periodic_least_squares(
            &f("t"),
            &f("cos(pi*t)"),
            &f("0"),
            2.0,
            &s,
            PERIODIC_NESTED_OUTER,
        )
        .unwrap();
        assert!(ls.gradient.unmet.is_empty() && ls.j_met);
        for (k, si) in s.iter().enumerate() {
            let want = 4.0 / (PI * PI) * (PI * si).cos();
            let (g, b) = (ls.gradient.values[k], ls.gradient.error_estimates[k]);
            assert!((g - want).abs() <= b, "s = {si}: {g} vs {want} ± {b}");
            // Values are about 0.4: the outer tolerance 1e-9 of them, with room.
            assert!(b <= 1e-8, "bound {b}");
        }
        assert!((ls.j - 2.0 / (PI * PI)).abs() <= ls.j_error);
    }

    #[test]
    fn nested_quadrature_agrees_with_the_closed_form_of_the_same_functions() {
        // On [0, 1) the factor step(t + 1) is 1: the same trigonometric polynomials, written
        // so that the closed form does not recognise them.
        let (hs, xs, ys) = (
            "1 + 3*sin(2*pi*t) + cos(4*pi*t)",
            "2*cos(2*pi*t) - sin(4*pi*t) + 0.5",
            "sin(2*pi*t)",
        );
        let wrapped = |e: &str| f(&format!("({e})*step(t + 1)"));
        let (h, x, y) = (wrapped(hs), wrapped(xs), wrapped(ys));
        assert!(TrigPoly::recognise(h.expr(), 1.0, "h").is_err());
        let s = [0.05, 0.3, 0.77];
        let ls = periodic_least_squares(&h, &x, &y, 1.0, &s, PERIODIC_NESTED_OUTER).unwrap();
        let exact = periodic_least_squares_symbolic(
            &Expr::parse(hs).unwrap(),
            &Expr::parse(xs).unwrap(),
            &Expr::parse(ys).unwrap(),
            1.0,
        )
        .unwrap();
        let g = exact.gradient.values(&s, QuadParams::default()).unwrap();
        for k in 0..s.len() {
            let (v, b) = (ls.gradient.values[k], ls.gradient.error_estimates[k]);
            let d = (v - g.values[k]).abs();
            assert!(
                d <= b + g.error_estimates[k],
                "{v} vs {} ± {b}",
                g.values[k]
            );
            // The outer tolerance 1e-9 of values of order 1, with room.
            assert!(b <= 1e-8 * (1.0 + g.values[k].abs()), "bound {b}");
        }
        assert!((ls.j - exact.j).abs() <= ls.j_error + exact.j_error);
        assert!(ls.j_met && ls.gradient.unmet.is_empty());
    }

    #[test]
    fn the_gradient_is_the_gateaux_derivative_of_j() {
        // A kink and a jump: h = tri(t − 1) on [0, 2), x = exp(−t) (jumps at the seam).
        let (h, y) = (f("tri(t - 1)"), f("0.2*cos(pi*t)"));
        let x = |eps: f64| f(&format!("exp(-t) + ({eps})*exp(-10*(t-0.8)^2)"));
        let j = |eps: f64| {
            periodic_least_squares(&h, &x(eps), &y, 2.0, &[0.0], PERIODIC_NESTED_OUTER)
                .unwrap()
                .j
        };
        let eps = 1e-3;
        let directional = (j(eps) - j(-eps)) / (2.0 * eps);
        // ⟨δJ/δx, φ⟩ by Simpson over the gradient sampled on a fine grid of [0, 2).
        let n = 200;
        let pts: Vec<f64> = (0..=n).map(|i| 2.0 * i as f64 / n as f64).collect();
        let ls = periodic_least_squares(&h, &x(0.0), &y, 2.0, &pts, PERIODIC_NESTED_OUTER).unwrap();
        let phi = |t: f64| (-10.0 * (t - 0.8) * (t - 0.8)).exp();
        let w = |i: usize| {
            if i == 0 || i == n {
                1.0
            } else if i % 2 == 1 {
                4.0
            } else {
                2.0
            }
        };
        let inner: f64 = (0..=n)
            .map(|i| w(i) * ls.gradient.values[i] * phi(pts[i]))
            .sum::<f64>()
            * (2.0 / n as f64)
            / 3.0;
        // Central difference O(ε²) and Simpson on a smooth product: agree to ~1e-7.
        assert!(
            (directional - inner).abs() <= 1e-6 * inner.abs().max(1e-3),
            "{directional} vs {inner}"
        );
    }

    #[test]
    fn bounds_hold_at_random_parameters_with_a_jump_at_the_seam() {
        // h = a·t + b on [0, P) (a sawtooth: it jumps at the seam), x = cos(λt + φ) with
        // λ = 2πk/P, y = c·sin ωt, ω = 2π/P. By parts, ∫₀ᴾ u·e^{−iλu} du = iP/λ, so
        // r = −a(P/λ)·sin(λt + φ) − c·sin ωt and
        // δJ/δx(s) = a·[a(P/λ)²·cos(λs + φ) + c(P/ω)·cos ωs]; J = ½∫₀ᴾ r², which the
        // trapezoidal rule on 64 points gives to rounding (r is a trigonometric polynomial).
        let mut unmet = 0;
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let mut uniform = |lo: f64, hi: f64| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            lo + (hi - lo) * (state >> 11) as f64 / (1u64 << 53) as f64
        };
        for case in 0..24 {
            let p = uniform(0.5, 4.0);
            let (a, b, c) = (uniform(-2.0, 2.0), uniform(-1.0, 1.0), uniform(-1.0, 1.0));
            let k = 1 + (case % 3);
            let phi = uniform(0.0, 2.0 * PI);
            let w = 2.0 * PI / p;
            let lambda = w * k as f64;
            let h = f(&format!("({a:?})*t + ({b:?})"));
            let x = f(&format!("cos(({lambda:?})*t + ({phi:?}))"));
            let y = f(&format!("({c:?})*sin(({w:?})*t)"));
            let s: Vec<f64> = (0..3).map(|_| uniform(-p, 2.0 * p)).collect();
            let ls = periodic_least_squares(&h, &x, &y, p, &s, PERIODIC_NESTED_OUTER).unwrap();
            unmet += ls.gradient.unmet.len() + usize::from(!ls.j_met);
            let r = |t: f64| -a * (p / lambda) * (lambda * t + phi).sin() - c * (w * t).sin();
            let scale = a.abs() * (a * (p / lambda).powi(2)).abs() + (a * c * p / w).abs();
            for (i, &si) in s.iter().enumerate() {
                let want = a
                    * (a * (p / lambda).powi(2) * (lambda * si + phi).cos()
                        + c * (p / w) * (w * si).cos());
                let (g, bound) = (ls.gradient.values[i], ls.gradient.error_estimates[i]);
                // The reference's own rounding: a few ulps of its terms.
                let slack = 64.0 * f64::EPSILON * scale;
                assert!(
                    (g - want).abs() <= bound + slack,
                    "case {case}, P = {p}, s = {si}: {g} vs {want}, bound {bound}"
                );
                // Useful, not merely honest: within the outer tolerance (1e-9) of the
                // gradient's scale.
                assert!(
                    bound <= 1e-9 * scale,
                    "case {case}: bound {bound} for scale {scale}"
                );
            }
            let n = 64;
            let j_ref = 0.5
                * (p / n as f64)
                * (0..n)
                    .map(|i| r(p * i as f64 / n as f64).powi(2))
                    .sum::<f64>();
            assert!(
                (ls.j - j_ref).abs() <= ls.j_error + 64.0 * f64::EPSILON * j_ref,
                "case {case}: J = {} vs {j_ref} ± {}",
                ls.j,
                ls.j_error
            );
        }
        // Right, not merely refused: the outer tolerance is met everywhere.
        assert!(unmet == 0, "{unmet} of 96 values refused");
    }

    #[test]
    fn bad_periods_and_points_are_errors() {
        let h = f("t");
        for p in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            assert!(periodic_least_squares(&h, &h, &h, p, &[0.0], PERIODIC_NESTED_OUTER).is_err());
        }
        assert!(
            periodic_least_squares(&h, &h, &h, 1.0, &[f64::NAN], PERIODIC_NESTED_OUTER).is_err()
        );
    }
}
