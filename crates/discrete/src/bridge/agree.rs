//! Continuous against discrete: the errors of four quantities over a sequence of spacings, and
//! the observed orders of convergence.

use super::sample::{Grid, Rule, sample};
use crate::{DiscreteError, Method, Mode, convolve as dconvolve, correlate as dcorrelate};
use flipshift_continuous::{
    ContinuousError, FnWithSupport, Functional, Interval, QuadParams, RealFn, SharedFn,
    convolve_lenient as cconvolve, correlate_lenient as ccorrelate,
};
use std::sync::Arc;

/// A quantity compared between the continuous and the discrete answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quantity {
    /// $\Delta\\,(h_\Delta * x_\Delta)_k$ against $z(t_k) = (h*x)(t_k)$.
    Conv,
    /// Row $k$ of $H$ against $\delta z(t_k)/\delta x(\tau_j) = h(t_k - \tau_j)$.
    Derivative,
    /// $\tfrac{1}{\Delta}\nabla J_\Delta = \Delta H^\top(\Delta H x - y)$ against
    /// $\delta J/\delta x(s_j) = (Rh * r)(s_j)$.
    Lsgrad,
    /// $\Delta\\,(H^\top H)_{ij}$ against the autocorrelation kernel $(Rh * h)(\tau_i - \tau_j)$.
    Hessian,
}

impl Quantity {
    /// All four, in the order reports list them.
    pub const ALL: [Quantity; 4] = [
        Quantity::Conv,
        Quantity::Derivative,
        Quantity::Lsgrad,
        Quantity::Hessian,
    ];

    /// The name used in JSON and tables: `conv`, `derivative`, `lsgrad`, `hessian`.
    pub fn name(&self) -> &'static str {
        match self {
            Quantity::Conv => "conv",
            Quantity::Derivative => "derivative",
            Quantity::Lsgrad => "lsgrad",
            Quantity::Hessian => "hessian",
        }
    }
}

/// Settings of [`check_agreement`].
#[derive(Debug, Clone)]
pub struct CheckParams {
    /// How the functions are sampled.
    pub rule: Rule,
    /// The spacings, largest first; `None` chooses a dyadic sequence from the functions' scales
    /// (dyadic so that every coarse grid point lies on every finer grid).
    pub deltas: Option<Vec<f64>>,
    /// How many spacings the automatic sequence has (each half the previous).
    pub levels: usize,
    /// How many comparison points (at most) each quantity uses.
    pub points: usize,
    /// Largest number of samples a grid may have.
    pub max_samples: usize,
}

impl Default for CheckParams {
    fn default() -> Self {
        Self {
            rule: Rule::Point,
            deltas: None,
            levels: 7,
            points: 21,
            max_samples: 1 << 17,
        }
    }
}

/// The errors of one quantity and what they show.
#[derive(Debug, Clone, PartialEq)]
pub struct QuantityReport {
    /// Which quantity.
    pub quantity: Quantity,
    /// Relative errors $\max|{\text{discrete}} - {\text{continuous}}| / \max|{\text{continuous}}|$,
    /// aligned with the report's spacings.
    pub errors: Vec<f64>,
    /// The rounding level of these errors: below it an error is noise, not discretisation.
    pub floor: f64,
    /// Whether any error reached the rounding level.
    pub rounding: bool,
    /// The observed order $p$: the least-squares slope of $\log$ error against $\log\Delta$ over
    /// the errors that are at least as large as every error at a finer spacing (all of them when
    /// they fall steadily; the upper corners when the prefactor oscillates, as for a jump between
    /// grid points), above the floor and, when three or more do, on the spacings that resolve
    /// the kernel; `None` when fewer than two remain.
    pub order: Option<f64>,
}

/// The outcome of [`check_agreement`].
#[derive(Debug, Clone, PartialEq)]
pub struct AgreementReport {
    /// The sampling rule.
    pub rule: Rule,
    /// The spacings, largest first.
    pub deltas: Vec<f64>,
    /// One report per quantity, in the order of [`Quantity::ALL`].
    pub quantities: Vec<QuantityReport>,
    /// The time $t_0$ whose row of $H$ is compared with $h(t_0 - \tau)$.
    pub t0: f64,
    /// Things a careful user should know (a grid too coarse to resolve the kernel, ...).
    pub warnings: Vec<String>,
}

impl AgreementReport {
    /// The report of one quantity.
    pub fn get(&self, q: Quantity) -> Option<&QuantityReport> {
        self.quantities.iter().find(|r| r.quantity == q)
    }
}

/// The slope of $\log e$ against $\log\Delta$ by least squares, over the pairs with $e > $
/// `floor`; `None` with fewer than two such pairs.
///
/// ```
/// # use flipshift_discrete::fit_order;
/// let deltas = [0.1, 0.05, 0.025];
/// let errors = deltas.map(|d: f64| 3.0 * d * d);
/// let p = fit_order(&deltas, &errors, 0.0).ok_or("no order")?;
/// assert!((p - 2.0).abs() < 1e-12);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn fit_order(deltas: &[f64], errors: &[f64], floor: f64) -> Option<f64> {
    let pts: Vec<(f64, f64)> = deltas
        .iter()
        .zip(errors)
        .filter(|&(&d, &e)| d > 0.0 && e.is_finite() && e > floor && e > 0.0)
        .map(|(&d, &e)| (d.ln(), e.ln()))
        .collect();
    if pts.len() < 2 {
        return None;
    }
    let n = pts.len() as f64;
    let mx = pts.iter().map(|p| p.0).sum::<f64>() / n;
    let my = pts.iter().map(|p| p.1).sum::<f64>() / n;
    let sxy: f64 = pts.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    let sxx: f64 = pts.iter().map(|p| (p.0 - mx).powi(2)).sum();
    (sxx > 0.0).then(|| sxy / sxx)
}

/// Relative truncation level for infinite supports: beyond it a function is below rounding.
const TAIL: f64 = 1e-18;

/// A finite window outside of which `f` is negligible (below [`TAIL`] of its peak).
pub(crate) fn effective_window(f: &dyn RealFn, what: &str) -> Result<(f64, f64), DiscreteError> {
    let s = f.support();
    if s.is_bounded() {
        let n = 4096;
        let nonzero = (0..=n).any(|i| {
            let t = s.a() + (s.b() - s.a()) * f64::from(i) / f64::from(n);
            f.eval(t) != 0.0
        });
        if !nonzero && what != "y" {
            return Err(ContinuousError::InvalidParameter {
                what: what.into(),
                reason: "it is zero everywhere on its support; nothing to compare".into(),
            }
            .into());
        }
        return Ok((s.a(), s.b()));
    }
    // The peak, from a scan of the finite part near the support's finite end or the origin.
    let anchor = if s.a().is_finite() {
        s.a()
    } else if s.b().is_finite() {
        s.b()
    } else {
        0.0
    };
    let mut peak: f64 = 0.0;
    for i in -400..=400 {
        let t = anchor + f64::from(i) * 0.05;
        if s.contains(t) {
            peak = peak.max(f.eval(t).abs());
        }
    }
    if !peak.is_finite() || peak == 0.0 {
        return Err(ContinuousError::InvalidParameter {
            what: what.into(),
            reason: "it is zero or not finite near its support; nothing to compare".into(),
        }
        .into());
    }
    // March outward until a whole band [L, 2L] is below TAIL · peak.
    let reach = |dir: f64| -> Result<f64, DiscreteError> {
        let mut l = 1.0;
        while l <= 8192.0 {
            let band_max = (0..=256)
                .map(|i| f.eval(anchor + dir * (l + l * f64::from(i) / 256.0)).abs())
                .fold(0.0, f64::max);
            if band_max <= TAIL * peak {
                return Ok(anchor + dir * l);
            }
            l *= 2.0;
        }
        Err(ContinuousError::Divergent {
            a: if dir < 0.0 { f64::NEG_INFINITY } else { anchor },
            b: if dir < 0.0 { anchor } else { f64::INFINITY },
            reason: format!("{what} does not decay on its infinite support, so the continuous quantities do not exist"),
        }
        .into())
    };
    let lo = if s.a().is_finite() {
        s.a()
    } else {
        reach(-1.0)?
    };
    let hi = if s.b().is_finite() {
        s.b()
    } else {
        reach(1.0)?
    };
    Ok((lo, hi))
}

/// The region where `|f|` is at least half its peak (sampled on `[lo, hi]`): its width is the
/// scale a grid must resolve, its middle where the function "is".
pub(crate) fn half_max_region(f: &dyn RealFn, lo: f64, hi: f64) -> (f64, f64) {
    let n = 4000;
    let vals: Vec<(f64, f64)> = (0..=n)
        .map(|i| {
            let t = lo + (hi - lo) * f64::from(i) / f64::from(n);
            (t, f.eval(t).abs())
        })
        .collect();
    let peak = vals.iter().map(|v| v.1).fold(0.0, f64::max);
    let inside: Vec<f64> = vals
        .iter()
        .filter(|v| v.1 >= 0.5 * peak)
        .map(|v| v.0)
        .collect();
    match (inside.first(), inside.last()) {
        (Some(a), Some(b)) if b > a => (*a, *b),
        _ => (lo, hi),
    }
}

pub(crate) fn width(r: (f64, f64)) -> f64 {
    (r.1 - r.0).max(f64::MIN_POSITIVE)
}

fn middle(r: (f64, f64)) -> f64 {
    0.5 * (r.0 + r.1)
}

pub(crate) fn lattice_range(lo: f64, hi: f64, dt: f64) -> (i64, i64) {
    // A tiny slack keeps a support end that lies on the lattice inside the range.
    let k0 = ((lo / dt) - 1e-9).floor() as i64;
    let k1 = ((hi / dt) + 1e-9).ceil() as i64;
    (k0, k1)
}

/// Up to `count` lattice points `k·step` in `[lo, hi]`, laid out symmetrically from the lattice
/// point nearest `centre` (so the centre — lag 0, or t₀ — is always compared), with a stride
/// that is a multiple of the coarsest spacing.
pub(crate) fn comparison_points(
    lo: f64,
    hi: f64,
    centre: f64,
    coarse: f64,
    count: usize,
) -> Vec<f64> {
    let (k0, k1) = lattice_range(lo, hi, coarse);
    let total = (k1 - k0 + 1).max(1) as usize;
    let stride = total.div_ceil(count.max(1)).max(1) as i64;
    let kc = ((centre / coarse).round() as i64).clamp(k0, k1);
    let mut ks: Vec<i64> = (0..)
        .map(|i| kc - i * stride)
        .take_while(|&k| k >= k0)
        .collect();
    ks.extend((1..).map(|i| kc + i * stride).take_while(|&k| k <= k1));
    ks.sort_unstable();
    ks.into_iter().map(|k| k as f64 * coarse).collect()
}

fn zero_fn() -> SharedFn {
    // The zero target: any support will do; [0, 1] keeps the windows tight.
    let unit = Interval::new(0.0, 1.0).unwrap_or(Interval::real_line());
    Arc::new(FnWithSupport::new(|_t: f64| 0.0, unit))
}

/// Compare the continuous and the discrete answers for kernel `h`, signal `x` and target `y`
/// (zero when `None`) over a sequence of spacings.
///
/// For each spacing $\Delta$ the functions are sampled on the lattice $t_k = k\\,\Delta$ by
/// `params.rule` and four quantities are compared at fixed points common to every lattice:
///
/// - `conv`: $\Delta\\,(h_\Delta * x_\Delta)$ against $z = h*x$ (continuous by quadrature);
/// - `derivative`: row $k$ of $H$ (computed as $H^\top e_k$, a correlation) against
///   $h(t_k - \tau_j)$ at the centre $t_0$ of $z$'s window;
/// - `lsgrad`: $\Delta\\,H^\top(\Delta H x_\Delta - y_\Delta)$ against $(Rh * r)(s)$ with
///   $r = h*x - y$;
/// - `hessian`: $\Delta\\,(H^\top H)_{ij}$ against $(Rh*h)(\tau_i - \tau_j)$.
///
/// Errors are relative to the largest continuous value. An error at or below the rounding
/// floor (the continuous reference's own error estimate, or a few hundred ulps of the
/// result, whichever is larger) is reported as rounding, and no order is fitted to it.
pub fn check_agreement(
    h: SharedFn,
    x: SharedFn,
    y: Option<SharedFn>,
    params: &CheckParams,
) -> Result<AgreementReport, DiscreteError> {
    let y = y.unwrap_or_else(zero_fn);
    let (hl, hr) = effective_window(&*h, "h")?;
    let (xl, xr) = effective_window(&*x, "x")?;
    let (h_region, x_region) = (half_max_region(&*h, hl, hr), half_max_region(&*x, xl, xr));
    let (yl, yr) = effective_window(&*y, "y")?;
    let mut warnings = Vec::new();

    let deltas: Vec<f64> = match &params.deltas {
        Some(d) => {
            if d.is_empty() {
                return Err(ContinuousError::Empty {
                    what: "spacings".into(),
                }
                .into());
            }
            if let Some(bad) = d.iter().find(|v| !(v.is_finite() && **v > 0.0)) {
                return Err(ContinuousError::InvalidParameter {
                    what: "spacing".into(),
                    reason: format!("need finite Δ > 0, got {bad}"),
                }
                .into());
            }
            let mut d = d.clone();
            d.sort_by(|a, b| b.total_cmp(a));
            d
        }
        None => {
            let w = width(h_region).min(width(x_region));
            let d0 = 2f64.powi((w / 4.0).log2().round() as i32);
            (0..params.levels.max(2))
                .map(|j| d0 / 2f64.powi(j as i32))
                .collect()
        }
    };
    let coarse = deltas[0];

    // Windows: z = h*x lives on [hl + xl, hr + xr]; the residual on the hull with y's window.
    let (zl, zr) = (hl + xl, hr + xr);
    let (rl, rr) = (zl.min(yl), zr.max(yr));
    let quad = QuadParams {
        rel_tol: 1e-13,
        abs_tol: 1e-300,
        ..Default::default()
    };

    // Continuous references, once.
    let t_conv = comparison_points(
        zl,
        zr,
        middle(h_region) + middle(x_region),
        coarse,
        params.points,
    );
    // The references are compared by their largest relative error over each grid: a point
    // that is zero to within the rounding of where supports meet is settled for that.
    let z_ref = cconvolve(&*h, &*x, &t_conv, quad)?.require_converged_on_grid(quad.rel_tol)?;
    // t0 where the flipped kernel meets the signal: τ ↦ h(t0 − τ) then has its body (and its
    // jumps) over the signal's grid, which is where row k of H lives.
    let t0 = ((middle(h_region) + middle(x_region)) / coarse).round() * coarse;
    let s_grad = comparison_points(
        rl - hr,
        rr - hl,
        0.5 * (rl - hr + rr - hl),
        coarse,
        params.points.min(11),
    );
    let ls = Functional::least_squares(h.clone(), y.clone())?;
    let g_ref = ls
        .gradient_lenient(&x, &s_grad)?
        .require_converged_on_grid(quad.rel_tol)?;
    let lags = comparison_points(hl - hr, hr - hl, 0.0, coarse, params.points);
    let a_ref = ccorrelate(&*h, &*h, &lags, quad)?.require_converged_on_grid(quad.rel_tol)?;

    let mut errs: [Vec<f64>; 4] = Default::default();
    let mut used = Vec::new();
    let mut resolved = Vec::new();
    for &dt in &deltas {
        let (h0, h1) = lattice_range(hl, hr, dt);
        let (x0, x1) = lattice_range(xl, xr, dt);
        let (r0, r1) = lattice_range(rl, rr, dt);
        let biggest = [(h1 - h0), (x1 - x0), (r1 - r0)]
            .into_iter()
            .max()
            .unwrap_or(0);
        if biggest as usize + 1 > params.max_samples {
            warnings.push(format!(
                "stopped before Δ = {dt}: the grid would need {} samples (at most {})",
                biggest + 1,
                params.max_samples
            ));
            break;
        }
        let gh = Grid::lattice(h0, h1, dt)?;
        let gx = Grid::lattice(x0, x1, dt)?;
        let hs = sample(&*h, &gh, params.rule)?;
        let xs = sample(&*x, &gx, params.rule)?;

        // Resolution: the sampled energy Δ Σ h_k² against ∫ h² (from the autocorrelation at 0).
        let energy = dt * hs.iter().map(|v| v * v).sum::<f64>();
        let exact = ccorrelate(&*h, &*h, &[0.0], quad)?
            .require_converged()?
            .values[0];
        let coarse_here = exact > 0.0 && ((energy - exact) / exact).abs() > 0.05;
        resolved.push(!coarse_here);
        if coarse_here {
            warnings.push(format!(
                "Δ = {dt} is too coarse to resolve h: its sampled energy Δ·Σh² is off by {:.0}%",
                100.0 * ((energy - exact) / exact).abs()
            ));
        }

        // (a) conv: z lattice starts at h0 + x0.
        let z = dconvolve(&hs, &xs, Mode::Full, Method::Auto)?;
        let z_at = |t: f64| -> f64 {
            let k = (t / dt).round() as i64 - (h0 + x0);
            usize::try_from(k)
                .ok()
                .and_then(|k| z.get(k))
                .map_or(0.0, |v| dt * v)
        };
        errs[0].push(rel_max_err(t_conv.iter().map(|&t| z_at(t)), &z_ref.values));

        // (b) derivative: row k0 of H is Hᵀ e_k0, the correlation of e_k0 with h ('valid').
        let k_t0 = (t0 / dt).round() as i64 - (h0 + x0);
        let mut e = vec![0.0; z.len()];
        let row = match usize::try_from(k_t0).ok().filter(|&k| k < e.len()) {
            Some(k) => {
                e[k] = 1.0;
                dcorrelate(&hs, &e, Mode::Valid, Method::Direct)?
            }
            None => vec![0.0; xs.len()],
        };
        let tau = gx.points();
        let want: Vec<f64> = tau.iter().map(|&t| h.eval(t0 - t)).collect();
        errs[1].push(rel_max_err(row.iter().copied(), &want));

        // (c) lsgrad: r = Δ·(Hx) − y on the residual lattice [r0, r1] ⊇ z's lattice.
        let gr = Grid::lattice(r0.min(h0 + x0), r1.max(h1 + x1), dt)?;
        let ys = sample(&*y, &gr, params.rule)?;
        let offset = usize::try_from((h0 + x0) - (r0.min(h0 + x0))).unwrap_or(0);
        let mut r: Vec<f64> = ys.iter().map(|v| -v).collect();
        for (i, v) in z.iter().enumerate() {
            if let Some(slot) = r.get_mut(offset + i) {
                *slot += dt * v;
            }
        }
        // g(s) = Δ Σ_n r_n h(t_n − s): the full correlation of r with h; entry k sits at
        // lattice index S = k − (m − 1) + R0 − H0.
        let corr = dcorrelate(&hs, &r, Mode::Full, Method::Auto)?;
        let m = hs.len() as i64;
        let big_r0 = r0.min(h0 + x0);
        let g_at = |s: f64| -> f64 {
            let k = (s / dt).round() as i64 + (m - 1) - big_r0 + h0;
            usize::try_from(k)
                .ok()
                .and_then(|k| corr.get(k))
                .map_or(0.0, |v| dt * v)
        };
        errs[2].push(rel_max_err(s_grad.iter().map(|&s| g_at(s)), &g_ref.values));

        // (d) hessian: (HᵀH)_ij = Σ_k h_(k−i) h_(k−j), the autocorrelation at lag i − j.
        let ac = dcorrelate(&hs, &hs, Mode::Full, Method::Auto)?;
        let ac_at = |lag: f64| -> f64 {
            let k = (lag / dt).round() as i64 + (hs.len() as i64 - 1);
            usize::try_from(k)
                .ok()
                .and_then(|k| ac.get(k))
                .map_or(0.0, |v| dt * v)
        };
        errs[3].push(rel_max_err(lags.iter().map(|&l| ac_at(l)), &a_ref.values));
        used.push(dt);
    }

    // Rounding floors: the reference's own relative error estimate, or 512 ulps.
    let est = |values: &[f64], errors: &[f64]| -> f64 {
        let scale = values.iter().map(|v| v.abs()).fold(0.0, f64::max);
        let e = errors.iter().copied().fold(0.0, f64::max);
        if scale > 0.0 { e / scale } else { 0.0 }
    };
    let ulps = 512.0 * f64::EPSILON;
    let floors = [
        ulps.max(2.0 * est(&z_ref.values, &z_ref.error_estimates)),
        ulps,
        ulps.max(2.0 * est(&g_ref.values, &g_ref.error_estimates)),
        ulps.max(2.0 * est(&a_ref.values, &a_ref.error_estimates)),
    ];
    // Orders are fitted on the resolved spacings when at least three are, so a pre-asymptotic
    // coarse grid does not bend the slope.
    let fit_mask: Vec<bool> = if resolved.iter().filter(|r| **r).count() >= 3 {
        resolved.clone()
    } else {
        vec![true; used.len()]
    };
    let quantities = Quantity::ALL
        .iter()
        .zip(errs)
        .zip(floors)
        .map(|((&quantity, errors), floor)| {
            quantity_report(quantity, errors, floor, &used, &fit_mask)
        })
        .collect();
    Ok(AgreementReport {
        rule: params.rule,
        deltas: used,
        quantities,
        t0,
        warnings,
    })
}

/// The report of one quantity from its errors over the spacings `used`: the observed order
/// fitted on the non-increasing envelope of the errors above `floor`, on the spacings of
/// `fit_mask`.
pub(crate) fn quantity_report(
    quantity: Quantity,
    errors: Vec<f64>,
    floor: f64,
    used: &[f64],
    fit_mask: &[bool],
) -> QuantityReport {
    // The non-increasing envelope e_j = max over i ≥ j of the errors: equal to the
    // errors when they fall steadily, the upper envelope when the prefactor oscillates
    // (a jump between grid points), so the slope is not biased by where a period ends.
    let mut envelope = errors.clone();
    for j in (0..envelope.len().saturating_sub(1)).rev() {
        envelope[j] = envelope[j].max(envelope[j + 1]);
    }
    // Fit the points on the envelope (an error as large as every finer one): all of
    // them for a steady decrease, the upper corners for an oscillating one — without the
    // last point then, which is on the envelope only because nothing finer was measured.
    let monotone = errors.windows(2).all(|w| w[1] < w[0]);
    let last = errors.len().saturating_sub(1);
    let (d, e): (Vec<f64>, Vec<f64>) = used
        .iter()
        .zip(errors.iter().zip(&envelope))
        .zip(fit_mask)
        .enumerate()
        .filter(|(j, ((_, (e, env)), keep))| **keep && *e >= *env && (monotone || *j != last))
        .map(|(_, ((d, (e, _)), _))| (*d, *e))
        .unzip();
    // Errors that do not decrease leave too few envelope points: fit them all, which
    // reports the honest order ≈ 0 of a quantity that does not converge.
    let order = fit_order(&d, &e, floor).or_else(|| fit_order(used, &errors, floor));
    QuantityReport {
        quantity,
        rounding: errors.iter().any(|&e| e <= floor),
        order,
        floor,
        errors,
    }
}

/// $\max_i |a_i - b_i| / \max_i |b_i|$ (absolute when every $b_i$ is zero).
pub(crate) fn rel_max_err(got: impl Iterator<Item = f64>, want: &[f64]) -> f64 {
    let scale = want.iter().map(|v| v.abs()).fold(0.0, f64::max);
    let err = got
        .zip(want)
        .map(|(g, w)| (g - w).abs())
        .fold(0.0, f64::max);
    if scale > 0.0 { err / scale } else { err }
}
