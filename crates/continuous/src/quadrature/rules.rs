//! The rules one panel is integrated with: Gauss–Legendre pairs for smooth panels and the
//! double-exponential (tanh–sinh) rule for panels with an endpoint singularity.
//!
//! Every sample is a value with a bound on its own rounding error (what the integrand's
//! evaluation could not resolve); a rule returns its value, the estimate of its truncation
//! error, and the bound on its rounding error (the samples' errors and the summation's), kept
//! apart because only the first shrinks when a panel is refined.

use gauss_quad::GaussLegendre;
use std::num::NonZeroUsize;
use std::sync::OnceLock;

/// $\varepsilon = 2^{-52}$.
pub(super) const EPS: f64 = f64::EPSILON;

/// Node–weight pairs on $[-1, 1]$ of the 20- and 10-point Gauss–Legendre rules, built once.
pub(super) struct GaussPair {
    pub g20: Vec<(f64, f64)>,
    pub g10: Vec<(f64, f64)>,
}

pub(super) fn gauss_pair() -> &'static GaussPair {
    static RULES: OnceLock<GaussPair> = OnceLock::new();
    RULES.get_or_init(|| {
        let make = |n: usize| {
            NonZeroUsize::new(n)
                .map(|n| GaussLegendre::new(n).as_node_weight_pairs().to_vec())
                .unwrap_or_default()
        };
        GaussPair {
            g20: make(20),
            g10: make(10),
        }
    })
}

/// What a rule made of one panel.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub(super) struct RuleResult {
    /// The value.
    pub value: f64,
    /// The estimate of the truncation error (an overestimate for smooth integrands).
    pub trunc: f64,
    /// A bound on the rounding error: the samples' own errors, weighted, and the summation's.
    pub round: f64,
    /// $\int |f|$ over the panel by the same rule: the scale of any rounding.
    pub mass: f64,
    /// Whether every sample was exactly zero.
    pub all_zero: bool,
}

/// A sample of the integrand in the panel's variable: `Ok((value, rounding bound))`, or the
/// error to report.
pub(super) type Sample<'a, E> = dyn FnMut(f64) -> Result<(f64, f64), E> + 'a;

/// The panel $[a, b]$ (in the panel variable) by $G_{20}$ with the truncation estimate
/// $|G_{20} - G_{10}|$ — the error of the *lower* rule, so an overestimate for smooth
/// integrands.
pub(super) fn gauss<E>(g: &mut Sample<'_, E>, a: f64, b: f64) -> Result<RuleResult, E> {
    let r = gauss_pair();
    let (mid, half) = (0.5 * (a + b), 0.5 * (b - a));
    let (mut s20, mut abs20, mut e20) = (0.0, 0.0, 0.0);
    let mut all_zero = true;
    for &(x, w) in &r.g20 {
        let (v, e) = g(mid + half * x)?;
        s20 += w * v;
        abs20 += (w * v).abs();
        e20 += w * e;
        all_zero &= v == 0.0;
    }
    let mut s10 = 0.0;
    for &(x, w) in &r.g10 {
        let (v, _) = g(mid + half * x)?;
        s10 += w * v;
        all_zero &= v == 0.0;
    }
    let h = half.abs();
    Ok(RuleResult {
        value: half * s20,
        trunc: h * (s20 - s10).abs(),
        // The samples' errors, and 20 additions and a product by the weight each.
        round: h * (e20 + 24.0 * EPS * abs20),
        mass: h * abs20,
        all_zero,
    })
}

/// Most levels of the tanh–sinh rule ($h = 2^{-\ell}$): 3,000 evaluations at the last.
const DE_MAX_LEVEL: usize = 8;

/// The largest $|t|$ of the tanh–sinh variable: beyond it the distance to the end,
/// $\approx 2e^{-\pi\sinh t}$, is below the smallest normal number.
const DE_T_MAX: f64 = 6.5;

/// The panel $[a, b]$ by the double-exponential rule
/// $x = \tfrac{a+b}2 + \tfrac{b-a}2 \tanh(\tfrac\pi2 \sinh t)$, which converges geometrically
/// for integrands analytic inside the panel even when they are singular at its ends
/// ($\log|x - a|$, $|x - a|^{-\alpha}$ with $\alpha < 1$).
///
/// Nodes near an end are placed at $a + \tfrac{b-a}{2}\delta$ with
/// $\delta = 2/(1 + e^{\pi \sinh t})$ computed directly, so that a singular end is approached
/// as closely as the floating-point numbers next to it allow; nodes that round onto the end
/// are dropped and the size of the last term kept stands for the remainder. Levels are added
/// until two successive ones agree to `tol`; the estimate of the truncation error is their
/// difference (the error of the coarser level: for this rule an overestimate).
///
/// Returns the result, or `None` when the levels did not settle.
pub(super) fn tanh_sinh<E>(
    g: &mut Sample<'_, E>,
    a: f64,
    b: f64,
    tol: f64,
) -> Result<Option<RuleResult>, E> {
    use std::f64::consts::FRAC_PI_2;
    let half = 0.5 * (b - a);
    if !(half > 0.0) {
        return Ok(None);
    }
    // Running sums over all nodes so far (weights of step 1, scaled by h at the end).
    let (mut sum, mut abs_sum, mut err_sum) = (0.0, 0.0, 0.0);
    let mut all_zero = true;
    // The size of the last kept term at each end (the remainder's scale).
    let (mut tail_lo, mut tail_hi) = (0.0f64, 0.0f64);
    let mut add = |t: f64,
                   sum: &mut f64,
                   abs_sum: &mut f64,
                   err_sum: &mut f64,
                   all_zero: &mut bool,
                   tails: (&mut f64, &mut f64)|
     -> Result<(), E> {
        let s = FRAC_PI_2 * t.sinh();
        let c = FRAC_PI_2 * t.cosh();
        if t == 0.0 {
            let (v, e) = g(0.5 * (a + b))?;
            *sum += c * v;
            *abs_sum += (c * v).abs();
            *err_sum += c * e;
            *all_zero &= v == 0.0;
            return Ok(());
        }
        // δ = 1 − tanh(|s|) = 2/(1 + e^{2|s|}), and the weight c·(1 − tanh²) = c·δ(2 − δ).
        let e2 = (2.0 * s.abs()).exp();
        let delta = 2.0 / (1.0 + e2);
        let w = c * delta * (2.0 - delta);
        if w == 0.0 || !delta.is_finite() {
            return Ok(());
        }
        let x = if s > 0.0 {
            b - half * delta
        } else {
            a + half * delta
        };
        if x <= a || x >= b {
            // Rounded onto the end: the node does not exist in floating point.
            return Ok(());
        }
        let (v, e) = g(x)?;
        *sum += w * v;
        *abs_sum += (w * v).abs();
        *err_sum += w * e;
        *all_zero &= v == 0.0;
        let term = (w * v).abs();
        if s > 0.0 {
            *tails.1 = term;
        } else {
            *tails.0 = term;
        }
        Ok(())
    };
    let mut prev: Option<f64> = None;
    let mut prev_diff = f64::INFINITY;
    for level in 0..=DE_MAX_LEVEL {
        let h = 0.5f64.powi(level as i32);
        // Level 0 takes every integer k; later levels the odd multiples of h only.
        let n = (DE_T_MAX / h).floor() as i64;
        let step = if level == 0 { 1 } else { 2 };
        let start = if level == 0 { 0 } else { 1 };
        let mut k = start;
        while k <= n {
            let t = k as f64 * h;
            let (tl, th) = (&mut tail_lo, &mut tail_hi);
            add(
                t,
                &mut sum,
                &mut abs_sum,
                &mut err_sum,
                &mut all_zero,
                (tl, th),
            )?;
            if k != 0 {
                let (tl, th) = (&mut tail_lo, &mut tail_hi);
                add(
                    -t,
                    &mut sum,
                    &mut abs_sum,
                    &mut err_sum,
                    &mut all_zero,
                    (tl, th),
                )?;
            }
            k += step;
        }
        let value = half * h * sum;
        if let Some(p) = prev {
            let diff = (value - p).abs();
            // The remainder beyond the last nodes: a few times the last terms kept.
            let remainder = 4.0 * half * h * (tail_lo + tail_hi);
            let round = half * h * (err_sum + 8.0 * EPS * abs_sum) + EPS * value.abs();
            // Settled when the difference is below tol, or at rounding and no longer
            // shrinking (the sequence cannot do better).
            let at_rounding = diff <= 4.0 * round && diff >= 0.5 * prev_diff;
            if diff + remainder <= tol || (level >= 3 && at_rounding) {
                return Ok(Some(RuleResult {
                    value,
                    trunc: diff + remainder,
                    round,
                    mass: half * h * abs_sum,
                    all_zero,
                }));
            }
            prev_diff = diff;
        }
        prev = Some(value);
    }
    Ok(None)
}
