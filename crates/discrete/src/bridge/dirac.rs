//! Continuous against discrete for a kernel made of Dirac deltas: the Kronecker delta of the
//! lattice stands for $\delta$, centred differences of it for $\delta^{(k)}$, and the discrete
//! convolution and least-squares gradient converge to the sifted continuous ones.
//!
//! The cell average of $\delta(t - p)$ over the cell $[j\Delta - \Delta/2, j\Delta + \Delta/2)$
//! is $1/\Delta$ on the cell holding $p$ and 0 elsewhere: the Kronecker delta, scaled so that
//! $\Delta \sum_i h_i x_{n-i} = x(t_n - j\Delta)$. (A point sitting on a cell boundary is split
//! half and half between the two cells.) So the discrete convolution is the signal shifted by
//! $j\Delta$ instead of $p$: exact when $p$ is a lattice point, in error by
//! $|p - j\Delta|\\,|x'| \le \tfrac12\Delta |x'|$ — first order, with a prefactor that
//! oscillates with $p/\Delta$ — when it is not (second order when it is a cell boundary).
//! $\delta^{(k)}$ is the centred difference of the Kronecker delta: $(\delta_{j-1} -
//! \delta_{j+1})/2\Delta$ for $k = 1$, $(\delta_{j-1} - 2\delta_j + \delta_{j+1})/\Delta^2$ for
//! $k = 2$, and their products for higher $k$; each is second order, so a lattice point gives
//! order 2.

use super::agree::{
    AgreementReport, CheckParams, Quantity, comparison_points, effective_window, half_max_region,
    lattice_range, quantity_report, rel_max_err, rounding_floor, width,
};
use super::sample::{Grid, sample};
use crate::{DiscreteError, Method, Mode, convolve as dconvolve, correlate as dcorrelate};
use flipshift_continuous::{
    ContinuousError, Distribution, DistributionConvolution, Expr, QuadParams,
};

/// The polynomial product of two stencils (coefficient lists on consecutive offsets).
fn stencil_product(a: &[f64], b: &[f64]) -> Vec<f64> {
    let mut out = vec![0.0; a.len() + b.len() - 1];
    for (i, x) in a.iter().enumerate() {
        for (j, y) in b.iter().enumerate() {
            out[i + j] += x * y;
        }
    }
    out
}

/// The centred difference stencil of order `k` (offsets $-\lceil k/2\rceil \dots$ symmetric),
/// times $\Delta^k$: `[1]`, `[1/2, 0, −1/2]` (on offsets −1, 0, 1, as a convolution kernel:
/// $x(t + \Delta)/2 - x(t - \Delta)/2$), `[1, −2, 1]`, ...
fn centred_stencil(k: u32) -> Vec<f64> {
    let mut s = vec![1.0];
    if k % 2 == 1 {
        s = stencil_product(&s, &[0.5, 0.0, -0.5]);
    }
    for _ in 0..k / 2 {
        s = stencil_product(&s, &[1.0, -2.0, 1.0]);
    }
    s
}

/// The discrete kernel of the singular part of `h` on the lattice of spacing `dt`: the first
/// lattice index and the values.
///
/// ```
/// # use flipshift_continuous::Distribution;
/// # use flipshift_discrete::dirac_samples;
/// // δ(t − 0.5) with Δ = 0.25: 1/Δ = 4 at index 2.
/// let (first, h) = dirac_samples(&Distribution::parse("dirac(t - 0.5)")?, 0.25)?;
/// assert_eq!((first, h), (2, vec![4.0]));
/// // δ′(t) with Δ = 0.5: (δ₋₁ − δ₁)/(2Δ)·(1/Δ) = [2, 0, −2].
/// let (first, h) = dirac_samples(&Distribution::parse("dirac(t, 1)")?, 0.5)?;
/// assert_eq!((first, h), (-1, vec![2.0, 0.0, -2.0]));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn dirac_samples(h: &Distribution, dt: f64) -> Result<(i64, Vec<f64>), DiscreteError> {
    if !(dt.is_finite() && dt > 0.0) {
        return Err(ContinuousError::InvalidParameter {
            what: "grid spacing".into(),
            reason: format!("need a finite Δ > 0, got {dt}"),
        }
        .into());
    }
    let mut entries: Vec<(i64, f64)> = Vec::new();
    for d in h.deltas() {
        let u = d.point / dt;
        // The cell holding p; a point on a cell boundary is shared half and half.
        let cells: Vec<(i64, f64)> = if (u - u.floor() - 0.5).abs() <= 4.0 * f64::EPSILON * u.abs()
        {
            vec![(u.floor() as i64, 0.5), (u.floor() as i64 + 1, 0.5)]
        } else {
            vec![(u.round() as i64, 1.0)]
        };
        let stencil = centred_stencil(d.order);
        let half = (stencil.len() / 2) as i64;
        let scale = d.weight / dt.powi(d.order as i32 + 1);
        for (j, share) in cells {
            for (i, c) in stencil.iter().enumerate() {
                entries.push((j + i as i64 - half, share * c * scale));
            }
        }
    }
    let lo = entries.iter().map(|e| e.0).min().unwrap_or(0);
    let hi = entries.iter().map(|e| e.0).max().unwrap_or(0);
    let mut out = vec![0.0; usize::try_from(hi - lo + 1).unwrap_or(1)];
    for (j, v) in entries {
        if let Some(slot) = usize::try_from(j - lo).ok().and_then(|k| out.get_mut(k)) {
            *slot += v;
        }
    }
    Ok((lo, out))
}

/// [`check_agreement`](super::agree::check_agreement) for a kernel `h` that is deltas alone:
/// `conv` ($\Delta\\,(h_\Delta * x_\Delta)$ against $\sum_i w_i x^{(k_i)}(t - p_i)$) and `lsgrad`
/// ($\Delta H^\top(\Delta H x_\Delta - y_\Delta)$ against $(Rh * r)(s)$, $r = h*x - y$), with
/// $h_\Delta$ from [`dirac_samples`] and $x$, $y$ sampled by `params.rule`. The other two
/// quantities are distributions ($h(t_0 - \tau)$ and $Rh * h$) with no pointwise values to
/// compare, so the report has these two only.
///
/// An error when `h` has a regular part or no deltas, or when $h * x$ holds a delta (then there
/// is nothing pointwise to compare).
pub fn check_dirac_agreement(
    h: &Distribution,
    x: &Expr,
    y: Option<&Expr>,
    params: &CheckParams,
) -> Result<AgreementReport, DiscreteError> {
    if h.has_regular_part() || h.is_regular() {
        return Err(ContinuousError::InvalidParameter {
            what: "h".into(),
            reason: "the check with a delta takes a kernel that is deltas alone (a function part is checked by `check` on its own)".into(),
        }
        .into());
    }
    let zero = Expr::num(0.0);
    let y = y.unwrap_or(&zero);
    let xc = x.compile()?;
    let yc = y.compile()?;
    let (xl, xr) = effective_window(&xc, "x")?;
    let x_region = half_max_region(&xc, xl, xr);
    let (yl, yr) = if y.constant_value() == Some(0.0) {
        (xl, xr)
    } else {
        effective_window(&yc, "y")?
    };
    let pts: Vec<f64> = h.deltas().iter().map(|d| d.point).collect();
    let (pmin, pmax) = pts
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &p| {
            (a.min(p), b.max(p))
        });
    let deltas: Vec<f64> = match &params.deltas {
        Some(d) if !d.is_empty() => {
            let mut d = d.clone();
            d.sort_by(|a, b| b.total_cmp(a));
            d
        }
        _ => {
            let d0 = 2f64.powi((width(x_region) / 4.0).log2().round() as i32);
            (0..params.levels.max(2))
                .map(|j| d0 / 2f64.powi(j as i32))
                .collect()
        }
    };
    let coarse = deltas[0];
    let quad = QuadParams::default();

    // Continuous references by sifting, once.
    let conv = DistributionConvolution::new(h, &Distribution::from_expr(x.clone()))?;
    if !conv.exact().is_regular() {
        return Err(ContinuousError::InvalidParameter {
            what: "h*x".into(),
            reason: format!(
                "{} holds a delta (x jumps and h differentiates it): nothing pointwise to compare",
                conv.exact().to_unicode()
            ),
        }
        .into());
    }
    let (zl, zr) = (xl + pmin, xr + pmax);
    let t_conv = comparison_points(zl, zr, 0.5 * (zl + zr), coarse, params.points);
    let z_ref = conv.values(&t_conv, quad)?.output;
    let r = (conv.exact().regular().clone() - y.clone()).simplify();
    let grad = DistributionConvolution::new(&h.reflected(0.0), &Distribution::from_expr(r))?;
    let (rl, rr) = (zl.min(yl), zr.max(yr));
    let s_grad = comparison_points(
        rl - pmax,
        rr - pmin,
        0.5 * (rl + rr - pmin - pmax),
        coarse,
        params.points.min(11),
    );
    let with_grad = grad.exact().is_regular();
    let g_ref = if with_grad {
        Some(grad.values(&s_grad, quad)?.output)
    } else {
        None
    };

    let mut errs: [Vec<f64>; 2] = Default::default();
    let mut used = Vec::new();
    let mut warnings = Vec::new();
    for &dt in &deltas {
        let (h0, hs) = dirac_samples(h, dt)?;
        let (x0, x1) = lattice_range(xl, xr, dt);
        let (r0, r1) = lattice_range(rl, rr, dt);
        let biggest = (x1 - x0).max(r1 - r0) + hs.len() as i64;
        if biggest as usize + 1 > params.max_samples {
            warnings.push(format!(
                "stopped before Δ = {dt}: the grid would need {} samples (at most {})",
                biggest + 1,
                params.max_samples
            ));
            break;
        }
        let gx = Grid::lattice(x0, x1, dt)?;
        let xs = sample(&xc, &gx, params.rule)?;
        let z = dconvolve(&hs, &xs, Mode::Full, Method::Auto)?;
        let z_at = |t: f64| -> f64 {
            let k = (t / dt).round() as i64 - (h0 + x0);
            usize::try_from(k)
                .ok()
                .and_then(|k| z.get(k))
                .map_or(0.0, |v| dt * v)
        };
        errs[0].push(rel_max_err(t_conv.iter().map(|&t| z_at(t)), &z_ref.values));
        if let Some(g_ref) = &g_ref {
            // r = Δ·(Hx) − y on the residual lattice ⊇ z's; g = Δ·(correlation of r with h).
            let m = hs.len() as i64;
            let big_r0 = r0.min(h0 + x0);
            let big_r1 = r1.max(h0 + x0 + (xs.len() as i64) + m - 2);
            let gr = Grid::lattice(big_r0, big_r1, dt)?;
            let ys = sample(&yc, &gr, params.rule)?;
            let offset = usize::try_from((h0 + x0) - big_r0).unwrap_or(0);
            let mut res: Vec<f64> = ys.iter().map(|v| -v).collect();
            for (i, v) in z.iter().enumerate() {
                if let Some(slot) = res.get_mut(offset + i) {
                    *slot += dt * v;
                }
            }
            let corr = dcorrelate(&hs, &res, Mode::Full, Method::Auto)?;
            let g_at = |s: f64| -> f64 {
                let k = (s / dt).round() as i64 + (m - 1) - big_r0 + h0;
                usize::try_from(k)
                    .ok()
                    .and_then(|k| corr.get(k))
                    .map_or(0.0, |v| dt * v)
            };
            errs[1].push(rel_max_err(s_grad.iter().map(|&s| g_at(s)), &g_ref.values));
        }
        used.push(dt);
    }
    let fit_mask = vec![true; used.len()];
    let [conv_errs, grad_errs] = errs;
    let mut quantities = vec![quantity_report(
        Quantity::Conv,
        conv_errs,
        rounding_floor(&z_ref.values, &z_ref.error_estimates),
        &used,
        &fit_mask,
    )];
    match &g_ref {
        Some(g) => quantities.push(quantity_report(
            Quantity::Lsgrad,
            grad_errs,
            rounding_floor(&g.values, &g.error_estimates),
            &used,
            &fit_mask,
        )),
        None => warnings.push(format!(
            "the gradient (Rh * r)(s) = {} holds a delta (r jumps and h differentiates it): lsgrad is not compared",
            grad.exact().to_unicode()
        )),
    }
    Ok(AgreementReport {
        rule: params.rule,
        deltas: used,
        quantities,
        t0: 0.5 * (zl + zr),
        warnings,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn report(h: &str, x: &str) -> AgreementReport {
        let h = Distribution::parse(h).unwrap();
        let x = Expr::parse(x).unwrap();
        check_dirac_agreement(&h, &x, None, &CheckParams::default()).unwrap()
    }

    #[test]
    fn centred_stencils_differentiate_polynomials_exactly() {
        // Σ c_i (t − iΔ)^m with the stencil on offsets −h..h equals m!·δ_{mk}·Δ^k at t = 0 for
        // m ≤ k + 1 (the stencil is exact on polynomials up to degree k + 1).
        for k in 0..6u32 {
            let s = centred_stencil(k);
            let half = (s.len() / 2) as i32;
            for m in 0..=k + 1 {
                let sum: f64 = s
                    .iter()
                    .enumerate()
                    .map(|(i, c)| c * f64::from(-(i as i32 - half)).powi(m as i32))
                    .sum();
                let want = if m == k {
                    (1..=k).map(f64::from).product::<f64>()
                } else {
                    0.0
                };
                assert!((sum - want).abs() < 1e-12, "k {k} m {m}: {sum}");
            }
        }
    }

    #[test]
    fn a_lattice_delta_is_exact_and_an_off_lattice_one_is_first_order() {
        let r = report("dirac(t - 0.5)", "exp(-t^2)");
        let conv = r.get(Quantity::Conv).unwrap();
        assert!(conv.errors.iter().all(|&e| e <= conv.floor), "{conv:?}");
        let r = report("dirac(t - 0.3)", "exp(-t^2)");
        let conv = r.get(Quantity::Conv).unwrap();
        let p = conv.order.unwrap();
        assert!((0.7..1.4).contains(&p), "{conv:?}");
    }

    #[test]
    fn a_delta_derivative_converges_at_second_order() {
        for h in ["dirac(t - 0.5, 1)", "2*dirac(t + 1, 2)"] {
            let r = report(h, "exp(-t^2)");
            for q in &r.quantities {
                let p = q.order.unwrap();
                assert!((1.8..2.3).contains(&p), "{h}: {q:?}");
            }
        }
    }
}
