//! Integration with honest error estimates: adaptive Gauss–Legendre panels split at
//! breakpoints, with infinite ranges mapped onto finite ones.
//!
//! Each panel is integrated by the 20-point and the 10-point Gauss–Legendre rules (built once);
//! the value is the 20-point one and the error estimate is $|G_{20} - G_{10}|$ — the error of the
//! *lower* rule, so for smooth integrands it overstates the error of the value returned, never
//! understates it. Panels are bisected globally, largest estimate first, until the sum of the
//! estimates meets $\max(\text{abs\\_tol}, \text{rel\\_tol}\cdot|I|, 64\varepsilon\int|f|)$ —
//! the last term is the rounding level of any floating-point sum for $f$; a cancelling integral
//! (a value near zero) is held to it, and a request below it is met at that level (the reported
//! estimate says so). A half-line
//! $[a, \infty)$ is mapped by $t = a + u/(1-u)$, $u \in [0, 1)$, so a decaying integrand becomes
//! a finite one; its decay is checked first, and an integrand that does not decay is an error
//! ([`ContinuousError::Divergent`]), not a number.

use crate::error::{ContinuousError, Result};
use crate::realfn::{Interval, RealFn};
use gauss_quad::GaussLegendre;
use std::collections::BinaryHeap;
use std::num::NonZeroUsize;
use std::sync::OnceLock;

/// Settings of adaptive quadrature.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct QuadParams {
    /// Absolute tolerance on the whole integral.
    pub abs_tol: f64,
    /// Relative tolerance on the whole integral.
    pub rel_tol: f64,
    /// The most panels the adaptive bisection may create.
    pub max_subdivisions: usize,
}

impl Default for QuadParams {
    /// Relative accuracy 1e-13 with no absolute floor: a tiny value (a far tail) is computed to
    /// the same relative accuracy as a large one, and cancelling integrals stop at the rounding
    /// level $64\varepsilon\int|f|$ instead.
    fn default() -> Self {
        Self {
            abs_tol: 0.0,
            rel_tol: 1e-13,
            max_subdivisions: 4000,
        }
    }
}

/// What an integration did.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct QuadInfo {
    /// An estimate of the absolute error (an overestimate for smooth integrands).
    pub error_estimate: f64,
    /// Integrand evaluations.
    pub evaluations: usize,
    /// Panels in the final partition.
    pub subintervals: usize,
}

struct Rules {
    g20: Vec<(f64, f64)>,
    g10: Vec<(f64, f64)>,
}

fn rules() -> &'static Rules {
    static RULES: OnceLock<Rules> = OnceLock::new();
    RULES.get_or_init(|| {
        let make = |n: usize| {
            NonZeroUsize::new(n)
                .map(|n| GaussLegendre::new(n).as_node_weight_pairs().to_vec())
                .unwrap_or_default()
        };
        Rules {
            g20: make(20),
            g10: make(10),
        }
    })
}

/// How a panel's variable maps to $t$: directly, or onto a tail beyond an anchor.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Map {
    Identity,
    /// $t = \text{anchor} + u/(1-u)$.
    Right(f64),
    /// $t = \text{anchor} - u/(1-u)$.
    Left(f64),
}

#[derive(Debug, Clone, Copy)]
struct Panel {
    a: f64,
    b: f64,
    map: Map,
    value: f64,
    /// $\int |f|$ over the panel (by the same rule).
    mass: f64,
    err: f64,
}

impl PartialEq for Panel {
    fn eq(&self, o: &Self) -> bool {
        self.err == o.err
    }
}
impl Eq for Panel {}
impl PartialOrd for Panel {
    fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Panel {
    fn cmp(&self, o: &Self) -> std::cmp::Ordering {
        self.err.total_cmp(&o.err)
    }
}

/// The point $t$ of the panel variable `u` (no evaluation).
fn map_t(map: Map, u: f64) -> f64 {
    match map {
        Map::Identity => u,
        Map::Right(a) => a + u / (1.0 - u),
        Map::Left(a) => a - u / (1.0 - u),
    }
}

/// The integrand in the panel's own variable.
fn mapped(f: &dyn Fn(f64) -> f64, map: Map, u: f64) -> (f64, f64) {
    match map {
        Map::Identity => (u, f(u)),
        Map::Right(a) => {
            let w = 1.0 - u;
            let t = a + u / w;
            (t, f(t) / (w * w))
        }
        Map::Left(a) => {
            let w = 1.0 - u;
            let t = a - u / w;
            (t, f(t) / (w * w))
        }
    }
}

/// One panel by G20 and G10.
fn panel(f: &dyn Fn(f64) -> f64, map: Map, a: f64, b: f64, evals: &mut usize) -> Result<Panel> {
    let r = rules();
    let (mid, half) = (0.5 * (a + b), 0.5 * (b - a));
    let mut eval = |x: f64| -> Result<f64> {
        let (t, v) = mapped(f, map, mid + half * x);
        *evals += 1;
        if v.is_finite() {
            Ok(v)
        } else if map != Map::Identity && t.is_finite() && f(t).is_finite() {
            // Finite f, infinite Jacobian product: the tail decays too slowly.
            Err(ContinuousError::Divergent {
                a: t,
                b: if matches!(map, Map::Right(_)) {
                    f64::INFINITY
                } else {
                    f64::NEG_INFINITY
                },
                reason: "the integrand decays too slowly on the infinite range".into(),
            })
        } else {
            Err(ContinuousError::NotDefined {
                what: "integrand".into(),
                t,
                value: v,
            })
        }
    };
    let (mut s20, mut abs20) = (0.0, 0.0);
    for &(x, w) in &r.g20 {
        let v = w * eval(x)?;
        s20 += v;
        abs20 += v.abs();
    }
    let mut s10 = 0.0;
    for &(x, w) in &r.g10 {
        s10 += w * eval(x)?;
    }
    let (v20, v10) = (half * s20, half * s10);
    // Rounding floor: a few ulps of Σ|wᵢfᵢ| — the sum cannot be trusted below that, and with
    // it an estimate is never reported as zero for a noisy or cancelling panel.
    let floor = 20.0 * f64::EPSILON * half.abs() * abs20;
    Ok(Panel {
        a,
        b,
        map,
        value: v20,
        mass: half.abs() * abs20,
        err: (v20 - v10).abs().max(floor),
    })
}

/// Global adaptive integration over the initial panels `(map, a, b)`.
fn adaptive(
    f: &dyn Fn(f64) -> f64,
    pieces: &[(Map, f64, f64)],
    params: QuadParams,
) -> Result<(f64, QuadInfo)> {
    let mut evals = 0;
    let mut heap = BinaryHeap::new();
    for &(map, a, b) in pieces {
        if b > a {
            heap.push(panel(f, map, a, b, &mut evals)?);
        }
    }
    loop {
        let total: f64 = heap.iter().map(|p| p.value).sum();
        let err: f64 = heap.iter().map(|p| p.err).sum();
        let mass: f64 = heap.iter().map(|p| p.mass).sum();
        // When the integrand cancels (a value near zero), relative accuracy in the value is
        // impossible: no sum is better than rounding of ∫|f|, so that is the floor.
        let tol = params
            .abs_tol
            .max(params.rel_tol * total.abs())
            .max(64.0 * f64::EPSILON * mass);
        if err <= tol || heap.is_empty() {
            return Ok((
                total,
                QuadInfo {
                    error_estimate: err,
                    evaluations: evals,
                    subintervals: heap.len(),
                },
            ));
        }
        let Some(worst) = heap.pop() else { continue };
        let mid = 0.5 * (worst.a + worst.b);
        let (t_lo, t_hi) = (map_t(worst.map, worst.a), map_t(worst.map, worst.b));
        let tiny =
            (t_hi - t_lo).abs() <= 1e-9 * t_lo.abs().max(1.0) || !(mid > worst.a && mid < worst.b);
        if tiny || heap.len() + 2 > params.max_subdivisions {
            // Bisection that has shrunk a panel to nothing while it still holds a fixed share
            // of the integral is sitting on a non-integrable singularity (∫ dt/t near 0 gives
            // ln 2 on every [ε, 2ε]): the integral does not exist.
            // For |t − c|^(−α) the half next to c holds 2^(α−1) of the panel: below 1 when
            // α < 1 (integrable, just slow), 1 when α ≥ 1 (not integrable).
            let halves = if tiny && mid > worst.a && mid < worst.b {
                let l = panel(f, worst.map, worst.a, mid, &mut evals)?.value.abs();
                let r = panel(f, worst.map, mid, worst.b, &mut evals)?.value.abs();
                l.max(r) / worst.value.abs().max(f64::MIN_POSITIVE)
            } else {
                0.0
            };
            if tiny && halves > 0.97 && worst.value.abs() > 1e-6 * mass.max(f64::MIN_POSITIVE) {
                return Err(ContinuousError::Divergent {
                    a: t_lo,
                    b: t_hi,
                    reason: format!(
                        "the integrand has a non-integrable singularity near t = {t_lo:?}"
                    ),
                });
            }
            heap.push(worst);
            return Err(ContinuousError::NoConvergence {
                estimate: total,
                error_estimate: err,
                evaluations: evals,
            });
        }
        heap.push(panel(f, worst.map, worst.a, mid, &mut evals)?);
        heap.push(panel(f, worst.map, mid, worst.b, &mut evals)?);
    }
}

/// Whether $|t\\,f(t)| \to 0$ along a tail (a necessary sign of integrability): the largest
/// $|t f(t)|$ over a band of points near $10^k$ must shrink over the last decades ($k = 4, 6,
/// 8$). An infinite value far out is growth, not decay.
///
/// A NaN far out is neither: it is usually $\infty \cdot 0$ in the integrand's own arithmetic
/// (an exponential overflowing where another factor has underflowed, or where a window has
/// already made the term zero). Then the nearer decades ($k = 0, 1, 2$) decide: an integrand
/// that does not decay there does not decay (the integral does not exist), and one that does is
/// reported as not defined where the NaN came out, since the integral may well exist but
/// cannot be computed from these values.
fn tail_decays(f: &dyn Fn(f64) -> f64, anchor: f64, dir: f64) -> Result<bool> {
    // The largest |t f(t)| near 10^k, or the first point where f is NaN.
    let band = |k: i32| -> std::result::Result<f64, f64> {
        let base = 10f64.powi(k);
        let mut m = 0.0f64;
        for i in 0..16 {
            let t = anchor + dir * base * (1.0 + 0.37 * f64::from(i));
            let v = f(t);
            if v.is_nan() {
                return Err(t);
            }
            m = m.max((v * (t - anchor)).abs());
        }
        Ok(m)
    };
    let decays = |m1: f64, m2: f64, m3: f64| {
        m1.is_finite()
            && m2.is_finite()
            && m3.is_finite()
            && (m3 <= 1e-12 * m1.max(1e-300)
                || (m3 < 0.5 * m2 && m2 < 0.5 * m1.max(1e-300))
                || m3 == 0.0)
    };
    match (band(4), band(6), band(8)) {
        (Ok(m4), Ok(m6), Ok(m8)) => Ok(decays(m4, m6, m8)),
        (Err(t), ..) | (_, Err(t), _) | (.., Err(t)) => match (band(0), band(1), band(2)) {
            (Ok(m0), Ok(m1), Ok(m2)) if !decays(m0, m1, m2) => Ok(false),
            _ => Err(ContinuousError::NotDefined {
                what: "the integrand, probed for decay along an infinite range,".into(),
                t,
                value: f64::NAN,
            }),
        },
    }
}

/// $\int_a^b f(t)\\,dt$ over a finite, half-infinite or infinite interval, splitting at the given
/// breakpoints (those outside the interval are ignored).
///
/// Returns the value and [`QuadInfo`]; a tolerance that cannot be met is
/// [`ContinuousError::NoConvergence`] (carrying the best value), an integrand that does not
/// decay on an infinite range is [`ContinuousError::Divergent`], a non-finite integrand value is
/// [`ContinuousError::NotDefined`].
///
/// ```
/// # use flipshift_continuous::{Interval, QuadParams, integrate};
/// let f = |t: f64| (-t * t / 2.0).exp();
/// let (v, info) = integrate(&f, Interval::real_line(), &[], QuadParams::default())?;
/// assert!((v - (2.0 * std::f64::consts::PI).sqrt()).abs() < 1e-14);
/// assert!(info.error_estimate < 1e-12);
/// # Ok::<(), flipshift_continuous::ContinuousError>(())
/// ```
pub fn integrate(
    f: &dyn Fn(f64) -> f64,
    iv: Interval,
    breakpoints: &[f64],
    params: QuadParams,
) -> Result<(f64, QuadInfo)> {
    if !(params.rel_tol > 0.0 && params.abs_tol >= 0.0) || params.max_subdivisions < 2 {
        return Err(ContinuousError::InvalidParameter {
            what: "quadrature tolerance".into(),
            reason: format!(
                "need rel_tol > 0, abs_tol ≥ 0 and max_subdivisions ≥ 2, got {params:?}"
            ),
        });
    }
    let (a, b) = (iv.a(), iv.b());
    let mut cuts: Vec<f64> = breakpoints
        .iter()
        .copied()
        .filter(|&p| p.is_finite() && p > a && p < b)
        .collect();
    cuts.sort_by(f64::total_cmp);
    cuts.dedup();

    // Finite middle part [lo, hi] with the cuts; tails beyond.
    let lo = if a.is_finite() {
        a
    } else {
        cuts.first().copied().unwrap_or(0.0).min(b)
    };
    let hi = if b.is_finite() {
        b
    } else {
        cuts.last().copied().unwrap_or(0.0).max(lo)
    };
    let mut pts = vec![lo];
    pts.extend(cuts.iter().copied().filter(|&p| p > lo && p < hi));
    pts.push(hi);
    let mut pieces: Vec<(Map, f64, f64)> = pts
        .windows(2)
        .map(|w| (Map::Identity, w[0], w[1]))
        .collect();
    let tail_panels = [0.0, 0.5, 0.75, 0.875, 1.0];
    if !b.is_finite() {
        if !tail_decays(f, hi, 1.0)? {
            return Err(ContinuousError::Divergent {
                a,
                b,
                reason: "the integrand does not decay as t → ∞".into(),
            });
        }
        pieces.extend(tail_panels.windows(2).map(|w| (Map::Right(hi), w[0], w[1])));
    }
    if !a.is_finite() {
        if !tail_decays(f, lo, -1.0)? {
            return Err(ContinuousError::Divergent {
                a,
                b,
                reason: "the integrand does not decay as t → −∞".into(),
            });
        }
        pieces.extend(tail_panels.windows(2).map(|w| (Map::Left(lo), w[0], w[1])));
    }
    adaptive(f, &pieces, params)
}

/// $\int f$ over its support, split at its breakpoints.
pub fn integrate_fn(f: &dyn RealFn, params: QuadParams) -> Result<(f64, QuadInfo)> {
    integrate(&|t| f.eval(t), f.support(), &f.breakpoints(), params)
}
