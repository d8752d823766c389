//! Integration with error bounds that hold: adaptive Gauss–Legendre panels split at
//! breakpoints and around narrow features, the double-exponential rule where a panel ends in
//! a singularity, infinite ranges mapped onto finite ones, and every sample's own rounding
//! error carried into the bound.
//!
//! Each panel is integrated by the 20-point and the 10-point Gauss–Legendre rules (built once);
//! the value is the 20-point one and the truncation estimate is $|G_{20} - G_{10}|$ — the error
//! of the *lower* rule, so for smooth integrands it overstates the error of the value returned.
//! Every sample comes with a bound on its own rounding error (a symbolic integrand propagates
//! it through its formula, so a polynomial written with cancelling coefficients says how little
//! of it double precision resolves), and the reported error is the truncation estimate plus
//! those rounding bounds plus the summation's.
//!
//! Panels are bisected globally, largest truncation estimate first, until the error meets
//! $\max(\text{abs\\_tol}, \text{rel\\_tol}\cdot|I|, 64\varepsilon\int|f|)$ — the last term is
//! the rounding level of any floating-point sum for $f$: a zero or cancelling integral ends
//! there, with that estimate.
//!
//! What the integrand says about itself ([`Features`]) places the first points: every
//! breakpoint and singular point, and a ladder of points around each peak (its centre and
//! $\pm\tfrac12, 1, 2, 4, \dots, 32$ widths), so that a Gaussian of width $10^{-4}$ is found
//! on a range of width $10^4$. A panel whose samples are all zero is not taken for zero on their
//! word: where the integrand can bound itself ([`RealFn::bound`]) that bound times the width is
//! its error, and it is refined until the bound proves it negligible.
//!
//! A half-line $[a, \infty)$ is mapped by $t = a + L\\,u/(1-u)$, $u \in [0, 1)$, with $L$ the
//! integrand's own length scale (its slowest decay, or its widest peak); its decay is checked
//! first, and an integrand that does not decay is an error ([`ContinuousError::Divergent`]).
//! A piece whose panels cannot be refined further (an endpoint singularity such as $\log|t|$
//! or $|t|^{-1/2}$) is integrated by the tanh–sinh rule instead, whose nodes crowd
//! double-exponentially into the ends; a non-finite sample there is reported, never replaced
//! by zero.

mod extrapolate;
mod rules;

use crate::error::{ContinuousError, Result};
use crate::realfn::{Features, Interval, RealFn};
use rules::{EPS, RuleResult};
use std::collections::BinaryHeap;

/// Settings of adaptive quadrature.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct QuadParams {
    /// Absolute tolerance on the whole integral.
    pub abs_tol: f64,
    /// Relative tolerance on the whole integral.
    pub rel_tol: f64,
    /// The most panels the adaptive bisection may create.
    pub max_subdivisions: usize,
    /// The most integrand evaluations one integral may use.
    pub max_evaluations: usize,
}

impl Default for QuadParams {
    /// Relative accuracy 1e-12 with no absolute floor: a tiny value (a far tail) is computed to
    /// the same relative accuracy as a large one, and cancelling integrals stop at the rounding
    /// level $64\varepsilon\int|f|$ instead. (The bound counts every sample's rounding, a few
    /// tens of ulps of the value: 1e-12 leaves the truncation room to meet it.)
    fn default() -> Self {
        Self {
            abs_tol: 0.0,
            rel_tol: 1e-12,
            max_subdivisions: 4000,
            max_evaluations: 500_000,
        }
    }
}

impl QuadParams {
    /// These settings with both tolerances halved: the share of the error budget left to an
    /// integral when something else (the placement of its breakpoints) takes the other half.
    pub(crate) fn half_tolerance(self) -> Self {
        Self {
            rel_tol: 0.5 * self.rel_tol,
            abs_tol: 0.5 * self.abs_tol,
            ..self
        }
    }
}

/// What an integration did.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct QuadInfo {
    /// A bound on the absolute error: the truncation estimate (an overestimate for smooth
    /// integrands) plus the rounding of every sample and of the sums.
    pub error_estimate: f64,
    /// The part of `error_estimate` that is rounding (the samples' own errors and the sums'):
    /// no refinement reduces it.
    pub rounding_error: f64,
    /// The rounding level of this integral, $64\varepsilon\int|f|$: no floating-point sum of
    /// the integrand is more accurate, so an error at or below it meets any tolerance.
    pub rounding_level: f64,
    /// Integrand evaluations.
    pub evaluations: usize,
    /// Panels in the final partition.
    pub subintervals: usize,
    /// Whether the error meets the tolerance (or the rounding level).
    pub converged: bool,
}

/// Whether a value with error bound `err`, of which `rounding` is rounding, meets the
/// tolerance: `err` within `rel_tol`·|value| or `abs_tol`; or, for an integral that cancels,
/// within its rounding level $64\varepsilon(\int|f| - |\int f|)$ (no floating-point sum of
/// the integrand resolves more; `rounding_level` is $64\varepsilon\int|f|$); or the value is
/// zero to within what double precision resolves of the integrand (|value| ≤ `err` with
/// truncation already below rounding and `err` within $16 \times$ `rounding_level`), where a
/// relative tolerance has no meaning and the honest answer is the value with its bound.
pub(crate) fn accepts(
    value: f64,
    err: f64,
    rounding: f64,
    rounding_level: f64,
    params: &QuadParams,
) -> bool {
    let cancelled = (rounding_level - 64.0 * EPS * value.abs()).max(0.0);
    let target = params
        .abs_tol
        .max(params.rel_tol * value.abs())
        .max(cancelled);
    // A value that is zero to within a bound made of rounding is accepted only when that bound
    // is itself at the rounding level of ∫|f| (an integral that cancels to zero), never for a
    // bound of any size (a closed form that cancels catastrophically passes no rounding level
    // and falls back). Nor is a bound accepted for being tiny: a value of 1e-316 with a bound
    // of 1e-307 is not known to any relative tolerance.
    err <= target
        || (value.abs() <= err && err - rounding <= rounding && err <= 16.0 * rounding_level)
}

/// An integrand together with what it knows about itself: the fuller input of
/// [`integrate_with`].
pub struct Integrand<'a> {
    /// The value at $t$ and a bound on its absolute rounding error.
    pub f: &'a dyn Fn(f64) -> (f64, f64),
    /// $\sup |f|$ on $[lo, hi]$ where the integrand can bound itself (`f64::INFINITY` when it
    /// cannot there); `None` when it never can (then a panel of zero samples is taken as zero).
    pub bound: Option<&'a dyn Fn(f64, f64) -> f64>,
    /// Points where $f$ or $f'$ jumps.
    pub breakpoints: &'a [f64],
    /// Peaks, decay rates, frequencies and singular points.
    pub features: &'a Features,
}

impl std::fmt::Debug for Integrand<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Integrand")
            .field("breakpoints", &self.breakpoints)
            .field("features", &self.features)
            .finish_non_exhaustive()
    }
}

/// How a piece's variable maps to $t$: directly, or onto a tail beyond an anchor.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Map {
    Identity,
    /// $t = \text{anchor} + L\\,u/(1-u)$.
    Right(f64, f64),
    /// $t = \text{anchor} - L\\,u/(1-u)$.
    Left(f64, f64),
}

impl Map {
    /// The point $t$ of the panel variable `u`.
    fn t(self, u: f64) -> f64 {
        match self {
            Map::Identity => u,
            Map::Right(a, l) => a + l * u / (1.0 - u),
            Map::Left(a, l) => a - l * u / (1.0 - u),
        }
    }

    /// $dt/du$.
    fn jacobian(self, u: f64) -> f64 {
        match self {
            Map::Identity => 1.0,
            Map::Right(_, l) | Map::Left(_, l) => {
                let w = 1.0 - u;
                l / (w * w)
            }
        }
    }
}

/// A piece of the range: a map and its panel-variable interval.
#[derive(Debug, Clone, Copy)]
struct Piece {
    map: Map,
    a: f64,
    b: f64,
}

#[derive(Debug, Clone, Copy)]
struct Panel {
    piece: usize,
    a: f64,
    b: f64,
    r: RuleResult,
}

impl PartialEq for Panel {
    fn eq(&self, o: &Self) -> bool {
        self.r.trunc == o.r.trunc
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
        self.r.trunc.total_cmp(&o.r.trunc)
    }
}

/// Samples the integrand in a piece's variable, counting evaluations and turning non-finite
/// values into the error they mean.
struct Sampler<'a, 'b> {
    ig: &'a Integrand<'b>,
    evals: usize,
}

impl Sampler<'_, '_> {
    fn sample(&mut self, map: Map, u: f64) -> Result<(f64, f64, f64)> {
        let t = map.t(u);
        let (v, e) = (self.ig.f)(t);
        self.evals += 1;
        if v.is_finite() {
            let j = map.jacobian(u);
            let (g, ge) = (v * j, e * j);
            // The rounding of t = anchor ± L·u/(1 − u) (four operations), in u's units.
            let du = match map {
                Map::Identity => 0.0,
                Map::Right(a, _) | Map::Left(a, _) => {
                    EPS * (a.abs() + 4.0 * (t - a).abs()) / j.abs()
                }
            };
            if g.is_finite() {
                return Ok((g, if ge.is_finite() { ge } else { f64::MAX }, du));
            }
            // Finite f, infinite Jacobian product: the tail decays too slowly.
            return Err(ContinuousError::Divergent {
                a: t,
                b: if matches!(map, Map::Right(..)) {
                    f64::INFINITY
                } else {
                    f64::NEG_INFINITY
                },
                reason: "the integrand decays too slowly on the infinite range".into(),
            });
        }
        Err(ContinuousError::NotDefined {
            what: "integrand".into(),
            t,
            value: v,
        })
    }

    /// One panel by the Gauss pair, with the zero-sample rule applied.
    fn panel(&mut self, pieces: &[Piece], piece: usize, a: f64, b: f64) -> Result<Panel> {
        let map = pieces[piece].map;
        let mut g = |u: f64| self.sample(map, u);
        let mut r = rules::gauss(&mut g, a, b)?;
        // An integrand that grows steeply towards an end of the panel may be singular there,
        // and then |G20 − G10| understates the error of G20 (for t^(−0.9) by seven times): the
        // whole value is uncertain until bisection or the tanh–sinh rule resolves it.
        if r.edge_growth.0.max(r.edge_growth.1) > SINGULAR_GROWTH {
            r.trunc = r.trunc.max(r.value.abs() + r.edge_tail);
        }
        if r.all_zero
            && let Some(bound) = self.ig.bound
        {
            let (t0, t1) = (map.t(a), map.t(b));
            let (lo, hi) = (t0.min(t1), t0.max(t1));
            let m = bound(lo, hi);
            r.trunc = if m == 0.0 {
                0.0
            } else if (hi - lo).is_finite() && m.is_finite() {
                m * (hi - lo)
            } else if map == Map::Identity {
                f64::MAX
            } else {
                // An infinite tail whose decay was checked: the samples stand.
                0.0
            };
        }
        Ok(Panel { piece, a, b, r })
    }
}

/// The exact rounding error of $a + b$ (Knuth's TwoSum): $(a + b) - \mathrm{fl}(a + b)$.
pub(crate) fn two_sum_error(a: f64, b: f64) -> f64 {
    let s = a + b;
    let bb = s - a;
    (a - (s - bb)) + (b - bb)
}

/// How much larger $|f|$ may be at a panel's outermost node than in its middle before the
/// panel is taken for one with a singular end: 12 for $t^{-1/2}$, 90 for $t^{-0.9}$, 8 for
/// $\log t$ (whose Gauss estimate is honest), about 1 for smooth integrands.
const SINGULAR_GROWTH: f64 = 10.0;

/// Global adaptive integration over the initial pieces; `unrefinable` is an error no
/// refinement reduces (cuts merged at the start), counted with the rounding.
fn adaptive(
    ig: &Integrand<'_>,
    pieces: &[Piece],
    params: QuadParams,
    unrefinable: f64,
) -> Result<(f64, QuadInfo)> {
    let mut s = Sampler { ig, evals: 0 };
    let mut heap = BinaryHeap::new();
    // Panels integrated once and for all (by the tanh–sinh rule).
    let mut fixed: Vec<Panel> = Vec::new();
    let mut de_tried = vec![false; pieces.len()];
    for (i, p) in pieces.iter().enumerate() {
        if p.b > p.a {
            heap.push(s.panel(pieces, i, p.a, p.b)?);
        }
    }
    loop {
        let all = || heap.iter().chain(fixed.iter());
        let total: f64 = all().map(|p| p.r.value).sum();
        let trunc: f64 = all().map(|p| p.r.trunc).sum();
        let round: f64 = all().map(|p| p.r.round).sum::<f64>() + EPS * total.abs() + unrefinable;
        let mass: f64 = all().map(|p| p.r.mass).sum();
        let rounding_level = 64.0 * EPS * mass;
        let info = |converged: bool, evals: usize, n: usize| QuadInfo {
            error_estimate: trunc + round,
            rounding_error: round,
            rounding_level,
            evaluations: evals,
            subintervals: n,
            converged,
        };
        let n = heap.len() + fixed.len();
        if accepts(total, trunc + round, round, rounding_level, &params) {
            return Ok((total, info(true, s.evals, n)));
        }
        let target = params
            .abs_tol
            .max(params.rel_tol * total.abs())
            .max((rounding_level - 64.0 * EPS * total.abs()).max(0.0));
        // Only truncation shrinks under refinement: once it is below the samples' own
        // rounding, no partition can do better.
        if trunc <= 0.25 * round || heap.is_empty() {
            let met = accepts(total, trunc + round, round, rounding_level, &params);
            return Ok((total, info(met, s.evals, n)));
        }
        let Some(worst) = heap.pop() else {
            return Ok((total, info(false, s.evals, n)));
        };
        let piece = pieces[worst.piece];
        let mid = 0.5 * (worst.a + worst.b);
        let (t_lo, t_hi) = (piece.map.t(worst.a), piece.map.t(worst.b));
        // Bisected thirty times, or down to 2^16 ulps of where it lies: a panel no partition
        // of doubles refines usefully (a narrow piece far from the origin starts wider than
        // that in ulps, however small it is next to its position).
        // (Counted in the panel variable: a tail piece reaches t = ∞.)
        let bisected_out = worst.b - worst.a <= (piece.b - piece.a) * 2f64.powi(-30);
        let at_ulps = (t_hi - t_lo).abs() <= 65536.0 * EPS * t_lo.abs().max(t_hi.abs());
        let tiny = bisected_out || at_ulps || !(mid > worst.a && mid < worst.b);
        let budget = s.evals + 60 > params.max_evaluations || n + 2 > params.max_subdivisions;
        // A panel at an end of its piece that looks singular there: the tanh–sinh rule, which
        // crowds its nodes into the ends, takes the piece now rather than after 30 bisections.
        let singular_end = (worst.a == piece.a && worst.r.edge_growth.0 > SINGULAR_GROWTH)
            || (worst.b == piece.b && worst.r.edge_growth.1 > SINGULAR_GROWTH);
        if tiny || budget || (singular_end && !de_tried[worst.piece]) {
            if tiny && mid > worst.a && mid < worst.b {
                // Bisection that has shrunk a panel to nothing while it still holds a fixed
                // share of the integral sits on a non-integrable singularity (∫ dt/t near 0
                // gives ln 2 on every [ε, 2ε]). For |t − c|^(−α) the half next to c holds
                // 2^(α−1) of the panel: below 1 when α < 1 (integrable, just slow), 1 when
                // α ≥ 1 (not integrable).
                // A narrow feature inside the panel, or a sign change that makes the panel's
                // value small, can mimic this once; the scale invariance of a true singularity
                // persists, so the heavier half is followed down several levels, and all parts
                // must share one sign.
                let whole = worst.r.value;
                let (mut a, mut b) = (worst.a, worst.b);
                let mut singular = whole.abs() > 1e-6 * mass.max(f64::MIN_POSITIVE);
                let mut level_value = whole;
                for _ in 0..4 {
                    if !singular {
                        break;
                    }
                    let m = 0.5 * (a + b);
                    if !(m > a && m < b) {
                        break;
                    }
                    let l = s.panel(pieces, worst.piece, a, m)?.r.value;
                    let r = s.panel(pieces, worst.piece, m, b)?.r.value;
                    let same_sign = l * level_value >= 0.0 && r * level_value >= 0.0;
                    let heavier = l.abs().max(r.abs());
                    singular =
                        same_sign && heavier > 0.97 * level_value.abs().max(f64::MIN_POSITIVE);
                    if l.abs() >= r.abs() {
                        b = m;
                        level_value = l;
                    } else {
                        a = m;
                        level_value = r;
                    }
                }
                if singular {
                    return Err(ContinuousError::Divergent {
                        a: t_lo,
                        b: t_hi,
                        reason: format!(
                            "the integrand has a non-integrable singularity near t = {t_lo:?}"
                        ),
                    });
                }
            }
            // The piece cannot be refined further by bisection: an endpoint singularity, or a
            // budget too small for Gauss panels. The tanh–sinh rule takes the whole piece.
            if !de_tried[worst.piece] && s.evals + 3200 <= params.max_evaluations {
                de_tried[worst.piece] = true;
                heap.push(worst);
                let held: f64 = heap
                    .iter()
                    .filter(|p| p.piece == worst.piece)
                    .map(|p| p.r.trunc + p.r.round)
                    .sum();
                // Which ends look singular: the panels at them grow steeply towards them.
                let growth = |end_a: bool| {
                    heap.iter()
                        .filter(|p| {
                            p.piece == worst.piece
                                && if end_a {
                                    p.a == piece.a
                                } else {
                                    p.b == piece.b
                                }
                        })
                        .any(|p| {
                            (if end_a {
                                p.r.edge_growth.0
                            } else {
                                p.r.edge_growth.1
                            }) > SINGULAR_GROWTH
                        })
                };
                // A declared singular point at an end counts whatever the panels showed.
                let declared = |u: f64| {
                    let t = piece.map.t(u);
                    ig.features
                        .singular_points
                        .iter()
                        .any(|&p| (p - t).abs() <= 4.0 * EPS * p.abs().max(f64::MIN_POSITIVE))
                };
                let singular = (
                    growth(true) || declared(piece.a),
                    growth(false) || declared(piece.b),
                );
                let map = piece.map;
                let mut g = |u: f64| s.sample(map, u);
                // A hundredth of the whole tolerance: a piece taken once and for all must leave
                // room for the others.
                let goal = 0.01 * target;
                // Before bisection has run out, only a settled result is taken: a steep but
                // smooth end (a Gaussian's flank) resolves by bisection, and an unsettled rule
                // would be final.
                if let Some(r) = rules::tanh_sinh(&mut g, piece.a, piece.b, goal, singular)?
                    && (r.value + r.trunc + r.round).is_finite()
                    && r.trunc + r.round < held
                    && (r.trunc <= goal.max(64.0 * EPS * r.value.abs()) || tiny || budget)
                {
                    heap.retain(|p| p.piece != worst.piece);
                    fixed.push(Panel {
                        piece: worst.piece,
                        a: piece.a,
                        b: piece.b,
                        r,
                    });
                }
                continue;
            }
            if !(tiny || budget) {
                // A suspected singular end that the tanh–sinh rule could not improve on:
                // bisection goes on.
                heap.push(s.panel(pieces, worst.piece, worst.a, mid)?);
                heap.push(s.panel(pieces, worst.piece, mid, worst.b)?);
                continue;
            }
            heap.push(worst);
            let all = || heap.iter().chain(fixed.iter());
            let total: f64 = all().map(|p| p.r.value).sum();
            let n = heap.len() + fixed.len();
            return Ok((total, info(false, s.evals, n)));
        }
        heap.push(s.panel(pieces, worst.piece, worst.a, mid)?);
        heap.push(s.panel(pieces, worst.piece, mid, worst.b)?);
    }
}

/// Whether $|t\\,f(t)| \to 0$ along a tail (a necessary sign of integrability): the largest
/// $|t f(t)|$ over a band of points near $L \cdot 10^k$ must shrink over the last decades
/// ($k = 4, 6, 8$). An infinite value far out is growth, not decay.
///
/// A NaN far out is neither: it is usually $\infty \cdot 0$ in the integrand's own arithmetic
/// (an exponential overflowing where another factor has underflowed). Then the nearer decades
/// ($k = 0, 1, 2$) decide: an integrand that does not decay there does not decay (the integral
/// does not exist), and one that does is reported as not defined where the NaN came out, since
/// the integral may well exist but cannot be computed from these values.
fn tail_decays(f: &dyn Fn(f64) -> f64, anchor: f64, dir: f64, scale: f64) -> Result<bool> {
    // The largest |t f(t)| near 10^k, or the first point where f is NaN.
    let band = |k: i32| -> std::result::Result<f64, f64> {
        let base = scale.max(1.0) * 10f64.powi(k);
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

/// Widths (in units of a peak's width) at which points are placed around it.
const PEAK_LADDER: [f64; 15] = [
    0.0, -0.5, 0.5, -1.0, 1.0, -2.0, 2.0, -4.0, 4.0, -8.0, 8.0, -16.0, 16.0, -32.0, 32.0,
];

/// Lengths (in units of a decay length) at which points are placed after a start of decay.
const DECAY_LADDER: [f64; 8] = [0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0];

/// Most peaks a partition is built around (the narrowest are kept).
const MAX_PEAKS: usize = 64;

/// The first points of the partition of $[a, b]$: breakpoints, singular points and a ladder
/// of points around every peak that reaches into the range.
/// The points where the integration range is cut at the start, and the pairs of points kept
/// as one because they were closer than a few ulps (see [`merge_error`]).
fn initial_cuts(
    a: f64,
    b: f64,
    breakpoints: &[f64],
    features: &Features,
) -> (Vec<f64>, Vec<(f64, f64)>) {
    let mut cuts: Vec<f64> = breakpoints
        .iter()
        .chain(features.singular_points.iter())
        .copied()
        .collect();
    let mut peaks: Vec<_> = features
        .peaks
        .iter()
        .filter(|p| p.width > 0.0 && p.width.is_finite() && p.centre.is_finite())
        .filter(|p| p.centre + 40.0 * p.width >= a && p.centre - 40.0 * p.width <= b)
        .collect();
    peaks.sort_by(|x, y| x.width.total_cmp(&y.width));
    peaks.truncate(MAX_PEAKS);
    for p in &peaks {
        cuts.extend(PEAK_LADDER.iter().map(|k| p.centre + k * p.width));
    }
    // Where a function starts: at a breakpoint or an end of the range.
    let starts: Vec<f64> = breakpoints
        .iter()
        .copied()
        .chain([a, b])
        .filter(|p| p.is_finite() && *p >= a && *p <= b)
        .take(MAX_PEAKS)
        .collect();
    // Where the range starts far out on a peak's flank, d widths from its centre, a Gaussian
    // falls by e every w/(2d) there: from each start that far out, a ladder of that length
    // away from the centre (the ladder around the centre is too coarse for it).
    for p in peaks.iter().take(8) {
        for &e in &starts {
            let d = (e - p.centre).abs();
            let len = p.width * p.width / (2.0 * d);
            // Within 8 widths the ladder around the centre resolves the flank; beyond 40 a
            // Gaussian has underflowed (and other peaks do not fall so).
            if d > 8.0 * p.width && d <= 40.0 * p.width && (b - a) > 8.0 * len {
                // On to 2048 lengths: a polynomial factor that vanishes at the start moves
                // the mass out by several lengths, and the tail beyond the last cut is mapped
                // on the scale of the slowest decay, too coarse for what is left of the flank.
                let dir = (e - p.centre).signum();
                cuts.extend(
                    DECAY_LADDER
                        .iter()
                        .chain(&[128.0, 256.0, 512.0, 1024.0, 2048.0])
                        .map(|k| e + dir * k * len),
                );
            }
        }
    }
    // An exponential decay starts where the function starts: at a breakpoint or an end of the
    // range. A ladder of its lengths from each such point in the direction of decay (the
    // fastest few rates only) resolves a layer much thinner than the range.
    let mut rates: Vec<f64> = features
        .decay_rates
        .iter()
        .copied()
        .filter(|r| r.is_finite() && *r != 0.0 && (b - a) * r.abs() > 8.0)
        .collect();
    rates.sort_by(|x, y| y.abs().total_cmp(&x.abs()));
    rates.dedup();
    rates.truncate(4);
    for r in rates {
        let len = 1.0 / r.abs();
        for &p in &starts {
            cuts.extend(DECAY_LADDER.iter().map(|k| p + r.signum() * k * len));
        }
    }
    cuts.retain(|&p| p.is_finite() && p > a && p < b);
    cuts.sort_by(f64::total_cmp);
    // Points closer than a few ulps make panels that cannot be bisected: keep one, and say
    // which were merged.
    let mut out: Vec<f64> = Vec::with_capacity(cuts.len());
    let mut merged = Vec::new();
    for c in cuts {
        match out.last() {
            Some(&l) if c - l <= 4.0 * EPS * c.abs().max(l.abs()) => {
                if c > l {
                    merged.push((l, c));
                }
            }
            _ => out.push(c),
        }
    }
    (out, merged)
}

/// What keeping two cuts $l < r$ as one may cost: a jump of $f$ at the dropped point lies
/// inside a panel, within $\delta = r - l$ of its end, where the Gauss rules do not see it;
/// it moves the integral by at most $2\delta \sup|f|$ near there. The bound of $|f|$ is the
/// integrand's own where it has one, else the largest sample at $l$, $r$ and between.
fn merge_error(ig: &Integrand<'_>, merged: &[(f64, f64)]) -> f64 {
    merged
        .iter()
        .map(|&(l, r)| {
            let d = r - l;
            let own = ig.bound.map(|bound| bound(l - d, r + d));
            let m = match own {
                Some(m) if m.is_finite() => m,
                _ => [l, 0.5 * (l + r), r]
                    .iter()
                    .map(|&t| (ig.f)(t).0.abs())
                    .fold(0.0, f64::max),
            };
            2.0 * d * m
        })
        .sum()
}

/// The length scale of a tail towards `dir` (±1): the slowest decay that points that way,
/// else the widest peak, else 1.
fn tail_scale(features: &Features, dir: f64) -> f64 {
    let decay = features
        .decay_rates
        .iter()
        .filter(|r| dir * **r > 0.0 && r.is_finite())
        .map(|r| 1.0 / r.abs())
        .fold(0.0f64, f64::max);
    if decay > 0.0 && decay.is_finite() {
        return decay;
    }
    let widest = features
        .peaks
        .iter()
        .map(|p| p.width)
        .filter(|w| w.is_finite())
        .fold(0.0f64, f64::max);
    if widest > 0.0 { widest } else { 1.0 }
}

/// $\int_a^b f(t)\\,dt$ over a finite, half-infinite or infinite interval, with everything the
/// integrand knows about itself; the value and [`QuadInfo`] even when the tolerance was not met
/// (then `info.converged` is false and the value is the best found).
///
/// Errors: invalid parameters, an integrand that does not decay on an infinite range
/// ([`ContinuousError::Divergent`]) or has a non-integrable singularity, a non-finite sample
/// ([`ContinuousError::NotDefined`]).
pub fn integrate_with(
    ig: &Integrand<'_>,
    iv: Interval,
    params: QuadParams,
) -> Result<(f64, QuadInfo)> {
    if !(params.rel_tol > 0.0 && params.abs_tol >= 0.0)
        || params.max_subdivisions < 2
        || params.max_evaluations < 60
    {
        return Err(ContinuousError::InvalidParameter {
            what: "quadrature tolerance".into(),
            reason: format!(
                "need rel_tol > 0, abs_tol ≥ 0, max_subdivisions ≥ 2 and max_evaluations ≥ 60, got {params:?}"
            ),
        });
    }
    let (a, b) = (iv.a(), iv.b());
    let (cuts, merged) = initial_cuts(a, b, ig.breakpoints, ig.features);
    let merged_error = merge_error(ig, &merged);
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
    let mut pieces: Vec<Piece> = pts
        .windows(2)
        .map(|w| Piece {
            map: Map::Identity,
            a: w[0],
            b: w[1],
        })
        .collect();
    let value_only = |t: f64| (ig.f)(t).0;
    let tail_panels = [0.0, 0.5, 0.75, 0.875, 1.0];
    if !b.is_finite() {
        let l = tail_scale(ig.features, 1.0);
        if !tail_decays(&value_only, hi, 1.0, l)? {
            return Err(ContinuousError::Divergent {
                a,
                b,
                reason: "the integrand does not decay as t → ∞".into(),
            });
        }
        pieces.extend(tail_panels.windows(2).map(|w| Piece {
            map: Map::Right(hi, l),
            a: w[0],
            b: w[1],
        }));
    }
    if !a.is_finite() {
        let l = tail_scale(ig.features, -1.0);
        if !tail_decays(&value_only, lo, -1.0, l)? {
            return Err(ContinuousError::Divergent {
                a,
                b,
                reason: "the integrand does not decay as t → −∞".into(),
            });
        }
        pieces.extend(tail_panels.windows(2).map(|w| Piece {
            map: Map::Left(lo, l),
            a: w[0],
            b: w[1],
        }));
    }
    let (value, info) = adaptive(ig, &pieces, params, merged_error)?;
    if info.converged || ig.features.frequencies.is_empty() || (a.is_finite() && b.is_finite()) {
        return Ok((value, info));
    }
    // An oscillating integrand whose tails the map could not resolve (algebraic decay times
    // an oscillation: infinitely many sign changes near u = 1): integrate the tails period by
    // period and extrapolate their partial sums.
    let finite: Vec<Piece> = pieces
        .iter()
        .copied()
        .filter(|p| p.map == Map::Identity)
        .collect();
    let (mut total, mut fin) = if finite.is_empty() {
        (0.0, QuadInfo::default())
    } else {
        adaptive(ig, &finite, params, merged_error)?
    };
    let mut err = fin.error_estimate;
    let period = oscillation_period(&ig.features.frequencies);
    for (infinite, anchor, dir) in [(!b.is_finite(), hi, 1.0), (!a.is_finite(), lo, -1.0)] {
        if !infinite {
            continue;
        }
        let tail = oscillatory_tail(ig, anchor, dir, period, params)?;
        total += tail.value;
        err += tail.error;
        fin.evaluations += tail.evaluations;
        fin.rounding_level += tail.rounding_level;
    }
    fin.error_estimate = err;
    fin.converged = accepts(total, err, fin.rounding_error, fin.rounding_level, &params);
    if fin.converged || err < info.error_estimate {
        Ok((total, fin))
    } else {
        Ok((value, info))
    }
}

/// A period of the product of oscillations at angular frequencies `w`: the product holds the
/// frequencies $|\sum \pm\omega_i|$; where they are commensurate, the period of them all
/// ($2\pi$ over their greatest common divisor, to a tolerance), so that each period's integral
/// is a smooth function of its index; otherwise that of their sum.
fn oscillation_period(w: &[f64]) -> f64 {
    let w: Vec<f64> = w
        .iter()
        .copied()
        .filter(|x| *x > 0.0 && x.is_finite())
        .collect();
    let sum: f64 = w.iter().sum();
    // Every combination Σ ±ωᵢ (at most 2^6 of them).
    let mut combos = vec![0.0f64];
    for &x in w.iter().take(6) {
        combos = combos.iter().flat_map(|c| [c + x, c - x]).collect();
    }
    let mut g = 0.0f64;
    for c in combos.iter().map(|c| c.abs()).filter(|c| *c > 1e-12 * sum) {
        // Euclid's algorithm with a tolerance: the remainder counts as zero below it.
        let (mut a, mut b) = (g.max(c), g.min(c));
        while b > 1e-9 * sum {
            let r = a % b;
            a = b;
            b = if r > b - 1e-9 * sum { 0.0 } else { r };
        }
        g = a;
    }
    if g > sum / 64.0 {
        2.0 * std::f64::consts::PI / g
    } else {
        2.0 * std::f64::consts::PI / sum
    }
}

/// A tail's value by extrapolation, with its error and cost.
struct Tail {
    value: f64,
    error: f64,
    evaluations: usize,
    rounding_level: f64,
}

/// Periods of an oscillatory tail summed directly before the extrapolated ones.
const TAIL_LEAD: usize = 64;

/// Periods of an oscillatory tail whose partial sums are extrapolated.
const TAIL_PERIODS: usize = 40;

/// $\int_{T_0}^{\pm\infty} f$ period by period: the partial sums $S_k$ over
/// $[T_0, T_0 \pm kP]$, each period by adaptive quadrature to well below the tolerance, then
/// extrapolated by Levin's u-transform and by Wynn's ε-algorithm. The error is the larger of
/// the better method's own estimate and the two methods' disagreement, plus the periods'
/// quadrature errors.
fn oscillatory_tail(
    ig: &Integrand<'_>,
    anchor: f64,
    dir: f64,
    period: f64,
    params: QuadParams,
) -> Result<Tail> {
    if !(period.is_finite() && period > 0.0) {
        return Err(ContinuousError::InvalidParameter {
            what: "oscillation period".into(),
            reason: format!("need a positive period, got {period}"),
        });
    }
    let inner = QuadParams {
        rel_tol: params.rel_tol * 1e-2,
        ..params
    };
    let (mut sums, mut terms) = (Vec::new(), Vec::new());
    let (mut acc, mut lead, mut term_err, mut evals, mut level) = (0.0, 0.0, 0.0, 0usize, 0.0);
    for k in 0..TAIL_LEAD + TAIL_PERIODS {
        let (x0, x1) = (
            anchor + dir * period * k as f64,
            anchor + dir * period * (k + 1) as f64,
        );
        let piece = Piece {
            map: Map::Identity,
            a: x0.min(x1),
            b: x0.max(x1),
        };
        let (v, info) = adaptive(ig, &[piece], inner, 0.0)?;
        term_err += info.error_estimate;
        evals += info.evaluations;
        level += info.rounding_level;
        if k < TAIL_LEAD {
            // Summed as it is: the extrapolation starts farther out, where the tail is smaller
            // and smoother in the number of periods.
            lead += v;
            continue;
        }
        acc += v;
        sums.push(acc);
        terms.push(v);
        if evals > params.max_evaluations {
            break;
        }
    }
    // The tail behaves like a function of its distance from the origin, in periods.
    let beta = (anchor.abs() / period + TAIL_LEAD as f64).max(1.0);
    // Wynn's ε-algorithm for alternating terms only: on the smooth, logarithmically converging
    // sequences of a product of oscillations it converges to a wrong value with a confident
    // estimate, where Levin's transform is exact in the limit.
    let alternating = terms.windows(2).filter(|w| w[0] * w[1] < 0.0).count() * 2 > terms.len();
    let limits = [
        extrapolate::levin(&sums, &terms, beta),
        if alternating {
            extrapolate::wynn(&sums)
        } else {
            None
        },
    ];
    let best = limits
        .iter()
        .flatten()
        .min_by(|x, y| x.error.total_cmp(&y.error))
        .copied();
    let Some(best) = best else {
        return Ok(Tail {
            value: lead + acc,
            error: f64::INFINITY,
            evaluations: evals,
            rounding_level: level,
        });
    };
    // The two methods contradict each other only if they differ by more than both their
    // estimates allow; then neither is to be trusted beyond that difference.
    let conflict = match limits {
        [Some(l), Some(w)] if (l.value - w.value).abs() > l.error + w.error => {
            (l.value - w.value).abs()
        }
        _ => 0.0,
    };
    // The transforms' own estimates come from the agreement of neighbouring orders, which can
    // understate the error of the best one by a few times: a factor of ten for safety.
    Ok(Tail {
        value: lead + best.value,
        error: (10.0 * best.error).max(conflict) + term_err,
        evaluations: evals,
        rounding_level: level,
    })
}

/// $\int_a^b f(t)\\,dt$ over a finite, half-infinite or infinite interval, splitting at the given
/// breakpoints (those outside the interval are ignored).
///
/// A plain closure says nothing about its own rounding: each sample is charged four ulps.
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
/// // The bound (truncation and every sample's rounding) holds and meets the default 1e-12.
/// assert!((v - (2.0 * std::f64::consts::PI).sqrt()).abs() <= info.error_estimate);
/// assert!(info.error_estimate <= 1e-12 * v);
/// # Ok::<(), flipshift_continuous::ContinuousError>(())
/// ```
pub fn integrate(
    f: &dyn Fn(f64) -> f64,
    iv: Interval,
    breakpoints: &[f64],
    params: QuadParams,
) -> Result<(f64, QuadInfo)> {
    let g = |t: f64| {
        let v = f(t);
        (v, 4.0 * EPS * v.abs())
    };
    let features = Features::default();
    let ig = Integrand {
        f: &g,
        bound: None,
        breakpoints,
        features: &features,
    };
    require(integrate_with(&ig, iv, params)?)
}

/// The result, or [`ContinuousError::NoConvergence`] with the best value when the tolerance
/// was not met.
pub(crate) fn require((value, info): (f64, QuadInfo)) -> Result<(f64, QuadInfo)> {
    if info.converged {
        Ok((value, info))
    } else {
        Err(ContinuousError::NoConvergence {
            estimate: value,
            error_estimate: info.error_estimate,
            evaluations: info.evaluations,
        })
    }
}

/// $\int f$ over its support, split at its breakpoints and around its features, with its own
/// rounding bounds ([`RealFn::eval_with_error`]) and bounds on panels of zero samples
/// ([`RealFn::bound`]).
pub fn integrate_fn(f: &dyn RealFn, params: QuadParams) -> Result<(f64, QuadInfo)> {
    let g = |t: f64| f.eval_with_error(t, 0.0);
    let bound = |lo: f64, hi: f64| f.bound(lo, hi).unwrap_or(f64::INFINITY);
    let has_bound = f.bound(f.support().a(), f.support().b()).is_some();
    let features = f.features();
    let breakpoints = f.breakpoints();
    let ig = Integrand {
        f: &g,
        bound: if has_bound { Some(&bound) } else { None },
        breakpoints: &breakpoints,
        features: &features,
    };
    require(integrate_with(&ig, f.support(), params)?)
}
