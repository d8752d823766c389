//! The bridge on a period: circular convolution of point samples against the periodic
//! convolution, and the convergence it shows — geometric for kernels smooth on the circle
//! (the periodic trapezoidal rule), algebraic where a jump or a kink remains.

use super::agree::{
    Quantity, QuantityReport, ROUNDING_ULPS, fit_order, rel_max_err, rounding_floor,
};
use crate::{DiscreteError, circular_convolve, circular_correlate};
use flipshift_continuous::{
    ContinuousError, PERIODIC_NESTED_OUTER, PeriodicPointEval, QuadParams, RealFn, SharedFn,
    check_period, convolve_periodic_lenient, periodic_least_squares,
};

/// How the errors of [`check_periodic_agreement`] fall as $\Delta$ halves.
#[derive(Debug, Clone, PartialEq)]
pub enum PeriodicConvergence {
    /// $h_P$ and $x_P$ are smooth on the circle: the trapezoidal rule converges faster than
    /// any power of $\Delta$, and the errors reach rounding at a coarse spacing.
    Geometric,
    /// A jump or a kink of $h_P$ or $x_P$ (at the listed points of $[0, P)$, the seam 0
    /// included): the order falls to what it allows, as on the line.
    Algebraic {
        /// Where the periodic extensions jump or kink.
        points: Vec<f64>,
    },
}

/// The outcome of [`check_periodic_agreement`].
#[derive(Debug, Clone, PartialEq)]
pub struct PeriodicAgreementReport {
    /// The period $P$.
    pub period: f64,
    /// The spacings $P/N$, largest first.
    pub deltas: Vec<f64>,
    /// `conv`, `derivative`, `lsgrad` (with data) and `hessian`, in that order.
    pub quantities: Vec<QuantityReport>,
    /// The time $t_0$ whose row of the circulant $H$ is compared with $h_P(t_0 - \tau)$.
    pub t0: f64,
    /// Which case was detected, from the kernel's and the signal's breakpoints and their
    /// values and slopes at the seam.
    pub convergence: PeriodicConvergence,
    /// Things a careful user should know.
    pub warnings: Vec<String>,
}

/// Points of $[0, P)$ where the periodic extension of `f` jumps or kinks: its breakpoints and
/// support ends inside the period, and the seam 0 when the values or the slopes at $0^+$ and
/// $P^-$ differ.
fn rough_points(f: &dyn RealFn, p: f64) -> Vec<f64> {
    let s = f.support();
    let mut out = f.breakpoints();
    out.extend([s.a(), s.b()]);
    out.retain(|b| b.is_finite() && *b > 0.0 && *b < p);
    // The seam: f(0⁺) against f(P⁻), and one-sided slopes over a step of P·2⁻¹⁶ (their
    // difference is O(step·f″) when f is smooth there; a kink differs by O(1)).
    let d = p / 65536.0;
    let scale = (0..=64)
        .map(|i| f.eval(p * f64::from(i) / 64.0).abs())
        .fold(0.0, f64::max)
        .max(f64::MIN_POSITIVE);
    let (a0, a1, a2) = (f.eval(0.0), f.eval(d), f.eval(2.0 * d));
    let (b0, b1, b2) = (f.eval(p.next_down()), f.eval(p - d), f.eval(p - 2.0 * d));
    let jump = (a0 - b0).abs() > 1e-9 * scale;
    // Second-order one-sided slopes.
    let s0 = (-3.0 * a0 + 4.0 * a1 - a2) / (2.0 * d);
    let s1 = (3.0 * b0 - 4.0 * b1 + b2) / (2.0 * d);
    let kink = (s0 - s1).abs() > 1e-4 * scale / p;
    if jump || kink {
        out.push(0.0);
    }
    out.sort_by(f64::total_cmp);
    out.dedup();
    out
}

/// Compare circular convolution of point samples with the periodic convolution
/// $z(t) = \int_0^P h_P(t - \tau)\\, x_P(\tau)\\, d\tau$ over the spacings $\Delta = P/N$,
/// $N = 8, 16, \dots$ (`levels` of them).
///
/// Sampled at $t_j = j\Delta$, $j < N$, the circular sum $\Delta \sum_j h_{(k-j) \bmod N} x_j$
/// is the trapezoidal rule for $z(t_k)$ on a periodic integrand. Three quantities are compared
/// at points common to every grid:
///
/// - `conv`: $\Delta\\,(h_\Delta \circledast x_\Delta)_k$ against $z(t_k)$ (by quadrature);
/// - `derivative`: row $k$ of the circulant $H$, $h_{(k-j) \bmod N}$, against
///   $h_P(t_0 - \tau_j)$ — equal sample by sample;
/// - `hessian`: $\Delta\\,(H^\top H)_{ij}$ against $\int_0^P h_P(t - \tau_i)\\, h_P(t - \tau_j)\\, dt$.
///
/// When $h_P$ and $x_P$ are smooth on the circle the errors fall geometrically and reach
/// rounding at a coarse $\Delta$: the report gives the ratio per halving and where rounding was
/// reached, and fits no order. A jump or kink (a breakpoint inside the period, or a mismatch
/// of values or slopes at the seam) makes the convergence algebraic, and the order is fitted
/// as on the line.
///
/// ```
/// # use flipshift_continuous::{Expr, SharedFn};
/// # use flipshift_discrete::{PeriodicConvergence, check_periodic_agreement};
/// # use std::sync::Arc;
/// let h: SharedFn = Arc::new(Expr::parse("exp(cos(2*pi*t))")?.compile()?);
/// let x: SharedFn = Arc::new(Expr::parse("sin(2*pi*t)")?.compile()?);
/// let r = check_periodic_agreement(h, x, 1.0, 6)?;
/// assert_eq!(r.convergence, PeriodicConvergence::Geometric);
/// assert!(r.quantities[0].rounding);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn check_periodic_agreement(
    h: SharedFn,
    x: SharedFn,
    period: f64,
    levels: usize,
) -> Result<PeriodicAgreementReport, DiscreteError> {
    check_periodic_agreement_with_data(h, x, None, period, levels)
}

/// [`check_periodic_agreement`], and with data `y` the least-squares gradient as well:
/// `lsgrad`, $\Delta\\,(H^\top(\Delta\\, h_\Delta \circledast x_\Delta - y_\Delta))_k$ — the
/// gradient of $\tfrac12 \Delta \sum_k r_k^2$ divided by $\Delta$ — against
/// $\delta J/\delta x(t_k) = \int_0^P h_P(t - t_k)\\, r(t)\\, dt$ by nested quadrature
/// ([`flipshift_continuous::periodic_least_squares`]). Its order is fitted when $h_P$, $x_P$
/// or $y_P$ jumps or kinks (the report's `convergence` is $h$'s and $x$'s, which the other
/// quantities depend on).
///
/// ```
/// # use flipshift_continuous::{Expr, SharedFn};
/// # use flipshift_discrete::{Quantity, check_periodic_agreement_with_data};
/// # use std::sync::Arc;
/// let f = |s: &str| -> Result<SharedFn, Box<dyn std::error::Error>> {
///     Ok(Arc::new(Expr::parse(s)?.compile()?))
/// };
/// let r = check_periodic_agreement_with_data(
///     f("exp(cos(2*pi*t))")?,
///     f("sin(2*pi*t)")?,
///     Some(f("cos(2*pi*t)")?),
///     1.0,
///     6,
/// )?;
/// let g = r.quantities.iter().find(|q| q.quantity == Quantity::Lsgrad).ok_or("no lsgrad")?;
/// assert!(g.rounding);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn check_periodic_agreement_with_data(
    h: SharedFn,
    x: SharedFn,
    y: Option<SharedFn>,
    period: f64,
    levels: usize,
) -> Result<PeriodicAgreementReport, DiscreteError> {
    check_period(period)?;
    let p = period;
    let n0 = 8usize;
    let levels = levels.clamp(2, 14);
    let deltas: Vec<f64> = (0..levels).map(|j| p / (n0 << j) as f64).collect();
    let coarse = deltas[0];
    // Lenient: a reference that cannot meet 1e-13 (a value that is zero where h vanishes on
    // part of the period) still has a bound that holds, and the floor below takes it in.
    let quad = QuadParams {
        rel_tol: 1e-13,
        abs_tol: 1e-300,
        max_evaluations: 200_000,
        ..Default::default()
    };
    // Comparison points: the coarsest grid, every one of them (8 points).
    let ks: Vec<usize> = (0..n0).collect();
    let t_cmp: Vec<f64> = ks.iter().map(|&k| k as f64 * coarse).collect();
    let z_ref = convolve_periodic_lenient(&*h, &*x, p, &t_cmp, quad)?;
    let t0 = coarse * (n0 / 2) as f64;
    let flip = PeriodicPointEval::new(h.clone(), 0.0, p)?.derivative();
    let a_ref = convolve_periodic_lenient(&flip, &*h, p, &t_cmp, quad)?;
    let g_ref = match &y {
        Some(y) => {
            Some(periodic_least_squares(&*h, &*x, &**y, p, &t_cmp, PERIODIC_NESTED_OUTER)?.gradient)
        }
        None => None,
    };

    let mut errs: [Vec<f64>; 3] = Default::default();
    let mut g_errs = Vec::new();
    for (j, &dt) in deltas.iter().enumerate() {
        let n = n0 << j;
        let sample = |f: &dyn RealFn, what: &str| -> Result<Vec<f64>, DiscreteError> {
            (0..n)
                .map(|i| {
                    let t = i as f64 * dt;
                    let v = f.eval(t);
                    if v.is_finite() {
                        Ok(v)
                    } else {
                        Err(ContinuousError::NonFinite {
                            what: format!("{what} at t = {t}"),
                            value: v,
                        }
                        .into())
                    }
                })
                .collect()
        };
        let hs = sample(&*h, "h")?;
        let xs = sample(&*x, "x")?;
        let stride = 1 << j;
        let z = circular_convolve(&hs, &xs)?;
        errs[0].push(rel_max_err(
            ks.iter().map(|&k| dt * z[k * stride]),
            &z_ref.values,
        ));
        // Row k0 of H: H_{k0, i} = h_{(k0 − i) mod n}, against h_P(t0 − τ_i).
        let k0 = (n0 / 2) * stride;
        let row = (0..n).map(|i| hs[(k0 + n - i) % n]);
        let want: Vec<f64> = (0..n)
            .map(|i| flip_at(&*h, t0 - i as f64 * dt, p))
            .collect();
        errs[1].push(rel_max_err(row, &want));
        // (HᵀH)_{ij} with i − j = m: Σ_u h_u h_{(u + m) mod n}.
        let ac = ks.iter().map(|&k| {
            let m = k * stride;
            dt * (0..n).map(|u| hs[u] * hs[(u + m) % n]).sum::<f64>()
        });
        errs[2].push(rel_max_err(ac, &a_ref.values));
        if let (Some(y), Some(g_ref)) = (&y, &g_ref) {
            // r = Δ·(h ⊛ x) − y; (1/Δ)∇J_Δ = Δ·Hᵀr, the circular correlation of h with r.
            let ys = sample(&**y, "y")?;
            let r: Vec<f64> = z.iter().zip(&ys).map(|(zk, yk)| dt * zk - yk).collect();
            let g = circular_correlate(&hs, &r)?;
            g_errs.push(rel_max_err(
                ks.iter().map(|&k| dt * g[k * stride]),
                &g_ref.values,
            ));
        }
    }
    let floors = [
        rounding_floor(&z_ref.values, &z_ref.error_estimates),
        ROUNDING_ULPS,
        rounding_floor(&a_ref.values, &a_ref.error_estimates),
    ];
    let mut rough: Vec<f64> = rough_points(&*h, p);
    rough.extend(rough_points(&*x, p));
    rough.sort_by(f64::total_cmp);
    rough.dedup();
    let convergence = if rough.is_empty() {
        PeriodicConvergence::Geometric
    } else {
        PeriodicConvergence::Algebraic { points: rough }
    };
    let mut quantities: Vec<QuantityReport> =
        [Quantity::Conv, Quantity::Derivative, Quantity::Hessian]
            .into_iter()
            .zip(errs)
            .zip(floors)
            .map(|((quantity, errors), floor)| {
                let order = match convergence {
                    PeriodicConvergence::Algebraic { .. } => fit_order(&deltas, &errors, floor),
                    PeriodicConvergence::Geometric => None,
                };
                QuantityReport::new(quantity, errors, floor, &deltas, order)
            })
            .collect();
    let mut warnings = Vec::new();
    if let (Some(y), Some(g_ref)) = (&y, &g_ref) {
        let floor = rounding_floor(&g_ref.values, &g_ref.error_estimates);
        let y_rough = rough_points(&**y, p);
        let algebraic = matches!(convergence, PeriodicConvergence::Algebraic { .. });
        let order = if algebraic || !y_rough.is_empty() {
            fit_order(&deltas, &g_errs, floor)
        } else {
            None
        };
        if !algebraic && !y_rough.is_empty() {
            warnings.push(format!(
                "y_P jumps or kinks at t = {y_rough:?} in [0, P): the lsgrad errors fall algebraically (an order is fitted to them) while the others, which do not involve y, fall geometrically"
            ));
        }
        // In the order of Quantity::ALL: conv, derivative, lsgrad, hessian.
        quantities.insert(
            2,
            QuantityReport::new(Quantity::Lsgrad, g_errs, floor, &deltas, order),
        );
    }
    if matches!(convergence, PeriodicConvergence::Geometric)
        && z_ref.values.iter().all(|v| *v == 0.0)
    {
        warnings.push("z is zero at every comparison point; errors are absolute".to_string());
    }
    Ok(PeriodicAgreementReport {
        period: p,
        deltas,
        quantities,
        t0,
        convergence,
        warnings,
    })
}

/// $h_P(s) = h(s - P\lfloor s/P \rfloor)$.
fn flip_at(h: &dyn RealFn, s: f64, p: f64) -> f64 {
    let w = s - p * (s / p).floor();
    h.eval(if w >= p || w < 0.0 { 0.0 } else { w })
}
