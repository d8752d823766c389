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
    /// How much larger $|f|$ is at the node nearest each end (left, right) than in the middle
    /// of the panel: large where the integrand is singular at that end.
    pub edge_growth: (f64, f64),
    /// What the integrand may hold between the outermost nodes and the ends where it grows
    /// towards them: the growth between the two outermost samples at an end, continued
    /// exponentially to the end and integrated (an unresolved layer's mass, which
    /// $|G_{20} - G_{10}|$ does not see).
    pub edge_tail: f64,
}

/// A sample of the integrand in the panel's variable $u$: `Ok((value, rounding bound, δu))`,
/// where δu bounds how far the point the integrand was evaluated at lies from $u$ (the
/// rounding of the map to $t$, in $u$'s units), or the error to report.
pub(super) type Sample<'a, E> = dyn FnMut(f64) -> Result<(f64, f64, f64), E> + 'a;

/// The panel $[a, b]$ (in the panel variable) by $G_{20}$ with the truncation estimate
/// $|G_{20} - G_{10}|$ — the error of the *lower* rule, so an overestimate for smooth
/// integrands.
pub(super) fn gauss<E>(g: &mut Sample<'_, E>, a: f64, b: f64) -> Result<RuleResult, E> {
    let r = gauss_pair();
    let (mid, half) = (0.5 * (a + b), 0.5 * (b - a));
    let (mut s20, mut abs20, mut e20) = (0.0, 0.0, 0.0);
    let mut all_zero = true;
    // The exact rounding of mid and half (from a ± b): every node moves by it.
    let (mid_err, half_err) = (
        0.5 * super::two_sum_error(a, b).abs(),
        0.5 * super::two_sum_error(b, -a).abs(),
    );
    // Every sample as (x, value, δu, G20 weight), for the effect of the rounding of the nodes.
    let mut nodes = [(0.0, 0.0, 0.0, 0.0); 30];
    for (k, &(x, w)) in r.g20.iter().enumerate() {
        // u = fl(mid + fl(half·x)): both roundings exactly.
        let p = half * x;
        let u = mid + p;
        let placed = (half.mul_add(x, -p) + super::two_sum_error(mid, p)).abs()
            + mid_err
            + half_err * x.abs();
        let (v, e, du) = g(u)?;
        s20 += w * v;
        abs20 += (w * v).abs();
        e20 += w * e;
        all_zero &= v == 0.0;
        nodes[k] = (x, v, du + placed, w);
    }
    let mut s10 = 0.0;
    // |f| at the nodes nearest the ends, and its smallest value in the middle half.
    let (mut left, mut right, mut middle) = (
        (f64::INFINITY, 0.0),
        (f64::NEG_INFINITY, 0.0),
        f64::INFINITY,
    );
    for (k, &(x, w)) in r.g10.iter().enumerate() {
        let (v, _, _) = g(mid + half * x)?;
        nodes[20 + k] = (x, v, 0.0, 0.0);
        s10 += w * v;
        all_zero &= v == 0.0;
        if x < left.0 {
            left = (x, v.abs());
        }
        if x > right.0 {
            right = (x, v.abs());
        }
        if x.abs() < 0.5 {
            middle = middle.min(v.abs());
        }
    }
    let floor = middle.max(f64::MIN_POSITIVE);
    let h = half.abs();
    // A node lands only where floating point puts it, δu from where the rule means it: the
    // rule then sums f(u + δu), off by about |f'(u)|·δu. |f'| from the samples' differences
    // with their neighbours (in the resolved panels that are accepted, the larger of the two
    // overestimates it).
    nodes.sort_by(|p, q| p.0.total_cmp(&q.0));
    let slope = |i: usize, j: usize| {
        let (p, q) = (nodes[i], nodes[j]);
        ((q.1 - p.1) / (h * (q.0 - p.0))).abs()
    };
    let tail = |outer: (f64, f64, f64, f64), inner: (f64, f64, f64, f64)| {
        let (f1, f2) = (outer.1.abs(), inner.1.abs());
        let d = h * (1.0 - outer.0.abs());
        if !(f1 > f2) || d == 0.0 {
            return 0.0;
        }
        if f2 == 0.0 {
            // Zero to nonzero: the layer is unresolved; nothing to extrapolate from.
            return f1 * h;
        }
        let rate = (f1 / f2).ln() / (h * (outer.0 - inner.0).abs());
        let m = rate * d;
        // ∫₀^d f1·e^{rate·s} ds (the exponent capped short of overflow).
        (f1 * if m > 1e-8 {
            m.min(700.0).exp_m1() / rate
        } else {
            d
        })
        .min(f64::MAX)
    };
    let edge_tail = tail(nodes[0], nodes[1]) + tail(nodes[29], nodes[28]);
    let mut abscissa = 0.0;
    for (i, &(_, _, du, w)) in nodes.iter().enumerate() {
        if du == 0.0 {
            continue;
        }
        let left = if i > 0 { slope(i - 1, i) } else { 0.0 };
        let right = if i < 29 { slope(i, i + 1) } else { 0.0 };
        abscissa += w * left.max(right) * du;
    }
    Ok(RuleResult {
        edge_growth: (left.1 / floor, right.1 / floor),
        edge_tail,
        value: half * s20,
        trunc: h * (s20 - s10).abs(),
        // The samples' errors, and 20 additions and a product by the weight each.
        round: h * (e20 + 24.0 * EPS * abs20 + abscissa),
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
/// Returns the result (with the last level's estimate if the levels did not settle to `tol`),
/// or `None` for an empty panel or one too narrow for its position to hold the rule's nodes.
pub(super) fn tanh_sinh<E>(
    g: &mut Sample<'_, E>,
    a: f64,
    b: f64,
    tol: f64,
    singular: (bool, bool),
) -> Result<Option<RuleResult>, E> {
    use std::f64::consts::FRAC_PI_2;
    let half = 0.5 * (b - a);
    if !(half > 0.0) {
        return Ok(None);
    }
    // A panel only a few thousand ulps wide leaves no room to keep 64 ulps from its ends and
    // still crowd nodes towards them: the rule has nothing to add to Gauss's there.
    let ulp = f64::EPSILON * a.abs().max(b.abs());
    if half < 2048.0 * ulp {
        return Ok(None);
    }
    // Running sums over all nodes so far (weights of step 1, scaled by h at the end).
    let (mut sum, mut abs_sum, mut err_sum) = (0.0, 0.0, 0.0);
    let mut all_zero = true;
    // The nearest node kept at each end: its distance from the end and |f| there.
    let (mut tail_lo, mut tail_hi) = ((f64::INFINITY, 0.0f64), (f64::INFINITY, 0.0f64));
    let mut add = |t: f64,
                   sum: &mut f64,
                   abs_sum: &mut f64,
                   err_sum: &mut f64,
                   all_zero: &mut bool,
                   tails: (&mut (f64, f64), &mut (f64, f64))|
     -> Result<(), E> {
        let s = FRAC_PI_2 * t.sinh();
        let c = FRAC_PI_2 * t.cosh();
        if t == 0.0 {
            let (v, e, _) = g(0.5 * (a + b))?;
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
        let dist = half * delta;
        let end = if s > 0.0 { b } else { a };
        // A node closer to its end than 64 ulps of it is not where the rule means it to be
        // (the rounding of its position is a sizeable fraction of its distance), and next to a
        // singular end, declared or not, that error is unbounded: such nodes are left to the
        // remainder (negligible at a regular end).
        let ulp = (end.abs().next_up() - end.abs()).max(f64::MIN_POSITIVE);
        if dist < 64.0 * ulp {
            return Ok(());
        }
        let x = if s > 0.0 { b - dist } else { a + dist };
        if x <= a || x >= b {
            return Ok(());
        }
        let (v, e, _) = g(x)?;
        *sum += w * v;
        *abs_sum += (w * v).abs();
        *err_sum += w * e;
        *all_zero &= v == 0.0;
        let nearest = if s > 0.0 { tails.1 } else { tails.0 };
        if dist < nearest.0 {
            *nearest = (dist, v.abs());
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
            // The remainder within the nearest node's distance d of each end: ∫₀^d |f| is at
            // most 10·d·|f(d)| for |f| growing like d^(−α), α ≤ 0.9, or like log d; 2·d·|f(d)|
            // at a regular end.
            let remainder = [(tail_lo, singular.0), (tail_hi, singular.1)]
                .iter()
                .map(|&((d, f), sing)| {
                    if d.is_finite() {
                        (if sing { 10.0 } else { 2.0 }) * d * f
                    } else {
                        0.0
                    }
                })
                .sum::<f64>();
            let round = half * h * (err_sum + 8.0 * EPS * abs_sum) + EPS * value.abs();
            // Settled when the difference is below tol, or at rounding and no longer
            // shrinking (the sequence cannot do better).
            let at_rounding = diff <= 4.0 * round && diff >= 0.5 * prev_diff;
            // Two coarse levels (h = 1, ½) can agree by accident on an integrand crowded
            // towards one end (a Gaussian's flank: 4e-3 apart from the integral, 4e-3 of
            // their own difference); from h = ⅛ on, with the difference shrinking, it is an
            // estimate.
            let settled = level >= 3 && diff <= prev_diff;
            if (settled && diff + remainder <= tol) || (level >= 3 && at_rounding) {
                return Ok(Some(RuleResult {
                    value,
                    trunc: diff + remainder,
                    round,
                    mass: half * h * abs_sum,
                    all_zero,
                    edge_growth: (1.0, 1.0),
                    edge_tail: 0.0,
                }));
            }
            prev_diff = diff;
            if level == DE_MAX_LEVEL {
                // Not settled to `tol`: the last level, with its honest (larger) estimate.
                return Ok(Some(RuleResult {
                    value,
                    trunc: diff + remainder,
                    round,
                    mass: half * h * abs_sum,
                    all_zero,
                    edge_growth: (1.0, 1.0),
                    edge_tail: 0.0,
                }));
            }
        }
        prev = Some(value);
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tanh_sinh_integrates_endpoint_singularities() {
        let mut f = |x: f64| -> Result<(f64, f64, f64), ()> {
            let v = 1.0 / x.sqrt();
            Ok((v, 4.0 * EPS * v, 0.0))
        };
        let r = tanh_sinh(&mut f, 0.0, 0.7, 1e-13, (true, false)).unwrap();
        let want = 2.0 * 0.7f64.sqrt();
        let r = r.unwrap_or_default();
        assert!(
            (r.value - want).abs() <= r.trunc + r.round,
            "{r:?} vs {want}"
        );
        assert!((r.value - want).abs() < 1e-13);
    }
}
