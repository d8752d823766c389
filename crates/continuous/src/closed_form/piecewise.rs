//! Exponential-polynomial pieces $p(t - a)\\, e^{-\beta (t - a)}$ on intervals $[lo, hi]$ (ends
//! possibly infinite): rect, tri, step, B-splines, one-sided exponentials $t^k e^{-\beta t}
//! \operatorname{step}(t)$ and their sums and products. The family is closed under
//! convolution wherever the integral converges.
//!
//! For two pieces the overlap $\{\tau\}$ of $t \mapsto \int f(\tau) g(t - \tau)\\,d\tau$ is an
//! interval whose ends are constant or move with $t$; between the sums of the pieces' ends it
//! has one shape, and on each such stretch the integral is exact:
//! - equal rates ($\delta = \beta_f - \beta_g = 0$): a polynomial integral;
//! - different rates: $\int R(w) e^{-\delta w} dw = -e^{-\delta w} \sum_m R^{(m)}(w)/\delta^{m+1}$
//!   (partial fractions), whose two ends cancel when the overlap is short compared with
//!   $1/|\delta|$: for $R$ of degree $n$ they lose a factor of about $2/P(n+1, x)$ at a width
//!   $x/|\delta|$, which is below 10 only from $x = n + 2$ on. Up to that width (at most
//!   $12/|\delta|$) the factor $e^{-\delta w}$ is replaced by its Taylor series about the end
//!   of the overlap where it is smallest, $e^{-\delta w_E} e^{|\delta| s}$ with $s \ge 0$: a
//!   series of positive terms, summed to below rounding, so the result stays accurate to a few
//!   ulps relative right up to the breakpoints, for any $\delta \ne 0$.
//!   The stretch where this happens ends at an extra cut $(n + 2)/|\delta|$ from the
//!   breakpoint.
//!
//! Every piece of the result is computed directly in a local variable $v = t - \text{anchor}$
//! with the anchor at the end of its interval nearer the (finite) edge of the support, where
//! the value is smallest: no polynomial is re-expanded about a distant point. Exponential terms
//! keep their own stretch's origin instead (where its overlap closes, or its finite end), where
//! they are of the size of the result; about a distant anchor the series would cancel and the
//! exponential overflow or underflow.
//!
//! Each contribution is computed twice: once in value and once with every summand replaced
//! by its magnitude. A coefficient within $8\varepsilon$ of its magnitude is rounding noise
//! (1e-33 where the exact coefficient is 0) and is dropped; the magnitudes also enter the
//! error estimate of `OutPiece::eval`.

use super::poly;
use super::recognise::Reject;
use crate::symbolic::{Expr, Func};

/// Most pairs of pieces convolved.
const MAX_PAIRS: usize = 1024;

/// The largest overlap, in units of $1/|\delta|$, over which the exponential's Taylor series is
/// summed instead of partial fractions.
const MAX_SERIES_X: f64 = 12.0;

/// The largest $|\ln|$ of a term's scale factor $e^{\dots}$ at its anchor before the other end
/// of the piece is tried ($e^{-745}$ underflows).
const MAX_LN_SCALE: f64 = 500.0;

/// Most terms of that series (enough for $x = 12$).
const MAX_SERIES_TERMS: usize = 96;

/// A coefficient within this many ulps of the magnitude of the sums that made it is rounding
/// noise.
const NOISE: f64 = 8.0 * f64::EPSILON;

/// The overlap width, in units of $1/|\delta|$, below which the exponential is summed as a
/// series: partial fractions of a degree-$n$ integrand cancel where the overlap is short, losing
/// a factor of about $2/P(n+1, x)$ ($P$ the regularised incomplete gamma function, $x$ the width
/// in units of $1/|\delta|$), which is below 10 from $x = n + 2$ on.
fn series_reach(degree: usize) -> f64 {
    (degree as f64 + 2.0).min(MAX_SERIES_X)
}

/// Which arithmetic a pass through [`contribution`] does: the values themselves, or the same
/// sums with every summand replaced by its magnitude — the scale against which a computed
/// coefficient is told apart from rounding noise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pass {
    Value,
    Magnitude,
}

impl Pass {
    /// A constant as this pass uses it.
    fn c(self, x: f64) -> f64 {
        match self {
            Pass::Value => x,
            Pass::Magnitude => x.abs(),
        }
    }

    fn poly(self, p: &[f64]) -> Vec<f64> {
        p.iter().map(|&c| self.c(c)).collect()
    }

    /// $p(v) \to p(-v)$ (magnitudes stay).
    fn reflect(self, p: &mut [f64]) {
        if self == Pass::Value {
            for c in p.iter_mut().skip(1).step_by(2) {
                *c = -*c;
            }
        }
    }
}

/// $\text{poly}(t - \text{anchor})\\, e^{-\text{rate}\\,(t - \text{anchor})}$ on $[lo, hi]$.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Piece {
    pub lo: f64,
    pub hi: f64,
    pub anchor: f64,
    pub rate: f64,
    pub poly: Vec<f64>,
}

/// $\text{poly}(v)\\, e^{-\text{rate}\\, v}$ with $v = t - \text{anchor}$.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Term {
    pub anchor: f64,
    pub rate: f64,
    pub poly: Vec<f64>,
    /// For each coefficient, the sum of the magnitudes of the summands that made it: the scale
    /// of its rounding error (filled in once the piece is complete).
    pub mag: Vec<f64>,
}

/// $\sum_j \text{poly}_j(t - a_j)\\, e^{-\text{rate}_j (t - a_j)}$ on $[lo, hi]$; the local
/// origins $a_j$ are the piece's `anchor` except for terms summed as a series, which keep the
/// breakpoint where their overlap closes.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct OutPiece {
    pub lo: f64,
    pub hi: f64,
    pub anchor: f64,
    pub terms: Vec<Term>,
}

impl OutPiece {
    /// The value and an estimate of its rounding error, with weight ½ at the ends (as `step`
    /// has). Per term $p(v)\\, e^{-\beta v}$, the sum of: Horner's rule,
    /// $\varepsilon \sum_k (2k + 2)\\, |c_k|\\, |v|^k$; the coefficients,
    /// $4\varepsilon \sqrt{|c_k|\\, m_k}$ each, between the error of a correctly rounded $c_k$
    /// and the bound by the magnitudes $m_k$ of the sums that made it (which counts the exact
    /// cancellations of binomial expansions as rounding); and the exponential, whose argument
    /// carries $2\varepsilon\\, |\beta v|$.
    pub fn eval(&self, t: f64) -> (f64, f64) {
        if !(self.lo <= t && t <= self.hi) {
            return (0.0, 0.0);
        }
        let w = if t == self.lo || t == self.hi {
            0.5
        } else {
            1.0
        };
        let (mut val, mut err) = (0.0, 0.0);
        for term in &self.terms {
            let v = t - term.anchor;
            let (e, arg) = if term.rate == 0.0 {
                (1.0, 0.0)
            } else {
                ((-term.rate * v).exp(), (term.rate * v).abs())
            };
            let p = poly::horner(&term.poly, v);
            val += p * e;
            let (mut rounding, mut vk) = (0.0, 1.0);
            for (k, (c, m)) in term.poly.iter().zip(&term.mag).enumerate() {
                let c = c.abs();
                rounding += ((2 * k + 2) as f64 * c + 4.0 * (c * m).sqrt()) * vk;
                vk *= v.abs();
            }
            err += (rounding * e + (p * e).abs() * (1.0 + 2.0 * arg)) * f64::EPSILON;
        }
        (w * val, w * err)
    }
}

/// Add pieces that share interval, anchor and rate.
pub(super) fn merge(pieces: Vec<Piece>) -> Vec<Piece> {
    let mut out: Vec<Piece> = Vec::with_capacity(pieces.len());
    for p in pieces {
        if let Some(slot) = out
            .iter_mut()
            .find(|o| o.lo == p.lo && o.hi == p.hi && o.anchor == p.anchor && o.rate == p.rate)
        {
            poly::add_scaled(&mut slot.poly, &p.poly, 1.0);
        } else {
            out.push(p);
        }
    }
    for o in &mut out {
        poly::trim(&mut o.poly);
    }
    out.retain(|o| !o.poly.is_empty());
    out
}

/// An end of the overlap in the pair's local variables: the constant $u = c$, or $u = T + c$.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Lim {
    Const(f64),
    Moving(f64),
}

impl Lim {
    fn at(self, t: f64) -> f64 {
        match self {
            Lim::Const(c) => c,
            Lim::Moving(c) => t + c,
        }
    }
}

/// A stretch $[a, b]$ (absolute $t$) of the result of one pair on which the overlap has one
/// shape.
#[derive(Debug, Clone, Copy)]
struct Stretch {
    p: usize,
    q: usize,
    /// $t$ of the pair's local origin $T = 0$.
    c: f64,
    a: f64,
    b: f64,
    lower: Lim,
    upper: Lim,
}

/// A point inside $(a, b)$, also for infinite ends.
fn inside(a: f64, b: f64) -> f64 {
    match (a.is_finite(), b.is_finite()) {
        (true, true) => 0.5 * (a + b),
        (true, false) => a + 1.0 + a.abs(),
        (false, true) => b - 1.0 - b.abs(),
        (false, false) => 0.0,
    }
}

/// The stretches of one pair, plus the cuts where the Taylor-series treatment ends.
fn stretches(
    pi: usize,
    qi: usize,
    p: &Piece,
    q: &Piece,
    out: &mut Vec<Stretch>,
    cuts: &mut Vec<f64>,
) -> Result<(), Reject> {
    let c = p.anchor + q.anchor;
    let (l1, h1) = (p.lo - p.anchor, p.hi - p.anchor);
    let (l2, h2) = (q.lo - q.anchor, q.hi - q.anchor);
    let (s_lo, s_hi) = (l1 + l2, h1 + h2);
    if s_lo.partial_cmp(&s_hi) != Some(std::cmp::Ordering::Less) {
        return Ok(());
    }
    // Each switch point local and absolute; absolute ones are sums of the pieces' ends, so
    // they carry one rounding only.
    let mut pts = vec![(s_lo, p.lo + q.lo)];
    for (x, abs) in [(l1 + h2, p.lo + q.hi), (h1 + l2, p.hi + q.lo)] {
        if x.is_finite() && x > s_lo && x < s_hi {
            pts.push((x, abs));
        }
    }
    pts.push((s_hi, p.hi + q.hi));
    pts.sort_by(|x, y| x.0.total_cmp(&y.0));
    pts.dedup_by(|x, y| x.0 == y.0);
    let delta = p.rate - q.rate;
    for w in pts.windows(2) {
        let ((a, a_abs), (b, b_abs)) = (w[0], w[1]);
        let mid = inside(a, b);
        let lower = if l1 >= mid - h2 {
            Lim::Const(l1)
        } else {
            Lim::Moving(-h2)
        };
        let upper = if h1 <= mid - l2 {
            Lim::Const(h1)
        } else {
            Lim::Moving(-l2)
        };
        // The integral exists only if the integrand decays along an infinite overlap.
        let (lo_inf, hi_inf) = (
            lower.at(mid) == f64::NEG_INFINITY,
            upper.at(mid) == f64::INFINITY,
        );
        let decays_left = delta < 0.0; // e^{-δu} → 0 as u → −∞
        let decays_right = delta > 0.0;
        if (lo_inf && !decays_left) || (hi_inf && !decays_right) {
            return Err(Reject::Divergent);
        }
        out.push(Stretch {
            p: pi,
            q: qi,
            c,
            a: a_abs,
            b: b_abs,
            lower,
            upper,
        });
        // Where the overlap shrinks to nothing, partial fractions cancel: cut where the series
        // stops (see `contribution`).
        if delta != 0.0 {
            let degree = (p.poly.len() + q.poly.len()).saturating_sub(2);
            let reach = series_reach(degree) / delta.abs();
            if a == s_lo && a.is_finite() && a + reach < b {
                cuts.push(a_abs + reach);
            }
            if b == s_hi && b.is_finite() && b - reach > a {
                cuts.push(b_abs - reach);
            }
        }
    }
    Ok(())
}

/// Rows are powers of $v$, columns powers of $w$: $P_s(w)\\, Q_s(v - w)$.
fn bivariate(ps: &[f64], qs: &[f64], pass: Pass) -> Vec<Vec<f64>> {
    let width = ps.len() + qs.len() - 1;
    let mut r = vec![vec![0.0; width]; qs.len()];
    for (j, &qj) in qs.iter().enumerate() {
        if qj == 0.0 {
            continue;
        }
        // (v − w)^j = Σ_i C(j, i) v^i (−w)^(j−i)
        let mut binom = 1.0;
        for (i, row) in r.iter_mut().enumerate().take(j + 1) {
            let m = j - i;
            let coef = if m % 2 == 1 && pass == Pass::Value {
                -qj * binom
            } else {
                qj * binom
            };
            for (k, &pk) in ps.iter().enumerate() {
                row[m + k] += coef * pk;
            }
            binom = binom * (j - i) as f64 / (i + 1) as f64;
        }
    }
    r
}

/// $R'(v, w') = R(v, w' + v)$ for rows of powers of $v$ and columns of powers of $w$.
fn moving_frame(rows: &[Vec<f64>]) -> Vec<Vec<f64>> {
    let width = rows.iter().map(Vec::len).max().unwrap_or(0);
    let mut out = vec![vec![0.0; width]; rows.len() + width];
    for (i, row) in rows.iter().enumerate() {
        for (k, &c) in row.iter().enumerate() {
            if c == 0.0 {
                continue;
            }
            // (w' + v)^k = Σ_j C(k, j) w'^j v^(k−j)
            let mut binom = 1.0;
            for j in (0..=k).rev() {
                out[i + k - j][j] += c * binom;
                binom = binom * j as f64 / (k - j + 1) as f64;
            }
        }
    }
    while out.last().is_some_and(|r| poly::is_zero(r)) {
        out.pop();
    }
    out
}

/// An end of the overlap in the variables $(v, w)$ of one output piece.
#[derive(Debug, Clone, Copy, PartialEq)]
enum WLim {
    Const(f64),
    /// $w = c + v$.
    Moving(f64),
    /// $w = c - v$.
    Receding(f64),
    Infinite,
}

/// $\sum_i v^i F_i(\text{lim})$ as a polynomial in $v$.
fn at_limit(rows: &[Vec<f64>], lim: WLim, pass: Pass) -> Vec<f64> {
    let mut out = Vec::new();
    for (i, f) in rows.iter().enumerate() {
        match lim {
            WLim::Const(c) => {
                let v = poly::horner(f, pass.c(c));
                if out.len() <= i {
                    out.resize(i + 1, 0.0);
                }
                out[i] += v;
            }
            WLim::Moving(c) | WLim::Receding(c) => {
                let mut g = poly::shift(f, pass.c(c));
                if matches!(lim, WLim::Receding(_)) {
                    pass.reflect(&mut g);
                }
                if out.len() < i + g.len() {
                    out.resize(i + g.len(), 0.0);
                }
                for (j, gj) in g.into_iter().enumerate() {
                    out[i + j] += gj;
                }
            }
            WLim::Infinite => {}
        }
    }
    out
}

fn push_term(
    out: &mut Vec<Term>,
    (anchor, rate): (f64, f64),
    poly_v: &[f64],
    scale: f64,
    pass: Pass,
) -> Result<(), Reject> {
    if scale == 0.0 || poly::is_zero(poly_v) {
        return Ok(());
    }
    if !scale.is_finite() || poly_v.iter().any(|c| !c.is_finite()) {
        return match pass {
            Pass::Value => Err(Reject::NonFinite),
            // An unknown rounding level: no coefficient will be taken for noise.
            Pass::Magnitude => Ok(()),
        };
    }
    // A term whose coefficients all underflow (subnormal: the scale lies e^{-708} below its
    // anchor's) is flushed to zero, as a scale that underflows to 0 is above; kept, it would
    // overflow its exponential wherever it is evaluated far from its anchor.
    if poly_v.iter().all(|c| (c * scale).abs() < f64::MIN_POSITIVE) {
        return Ok(());
    }
    if let Some(slot) = out
        .iter_mut()
        .find(|t| t.rate == rate && t.anchor == anchor)
    {
        poly::add_scaled(&mut slot.poly, poly_v, scale);
    } else {
        out.push(Term {
            anchor,
            rate,
            poly: poly_v.iter().map(|c| c * scale).collect(),
            mag: Vec::new(),
        });
    }
    Ok(())
}

/// Terms of the series $e^{d s} = \sum_{n \le N} (d s)^n/n!$ ($d \ge 0$) for $0 \le d s \le x$,
/// enough that the remainder, at most $e^x x^{N+1}/(N+1)!$ relative, is below $10^{-17}$.
fn exp_series(d: f64, x: f64) -> Vec<f64> {
    let growth = x.exp();
    let mut coeffs = vec![1.0];
    let (mut c, mut bound) = (1.0, 1.0);
    for n in 1..MAX_SERIES_TERMS {
        bound *= x / n as f64;
        if bound * growth < 1e-17 {
            break;
        }
        c *= d / n as f64;
        coeffs.push(c);
    }
    coeffs
}

/// The contribution of the stretch `s` to the output piece on $[a, b]$, computed in the
/// arithmetic of `pass`, about the piece's `anchor` — or about its other end where the
/// exponential factors at the anchor are out of range: far down a tail,
/// $e^{-\beta (t - \text{anchor})}$ about the wrong end underflows to 0 or overflows.
fn contribution(
    s: &Stretch,
    p: &Piece,
    q: &Piece,
    (a, b, anchor): (f64, f64, f64),
    pass: Pass,
    out: &mut Vec<Term>,
) -> Result<(), Reject> {
    let mut terms = Vec::new();
    let first = contribution_at(s, p, q, (a, b, anchor), pass, &mut terms);
    let other = if anchor == a { b } else { a };
    let retry = match first {
        Ok(ln) => ln > MAX_LN_SCALE,
        Err(Reject::NonFinite) => true,
        Err(_) => false,
    };
    if retry && other.is_finite() && other != anchor {
        let mut alt = Vec::new();
        if let Ok(ln) = contribution_at(s, p, q, (a, b, other), pass, &mut alt)
            && first.as_ref().map_or(true, |&f| ln < f)
        {
            terms = alt;
            return merge_terms(out, terms, pass);
        }
    }
    first?;
    merge_terms(out, terms, pass)
}

fn merge_terms(out: &mut Vec<Term>, terms: Vec<Term>, pass: Pass) -> Result<(), Reject> {
    for t in terms {
        push_term(out, (t.anchor, t.rate), &t.poly, 1.0, pass)?;
    }
    Ok(())
}

/// [`contribution`] about `anchor`; returns the largest $|\ln|$ of the terms' scale factors.
fn contribution_at(
    s: &Stretch,
    p: &Piece,
    q: &Piece,
    (a, b, anchor): (f64, f64, f64),
    pass: Pass,
    out: &mut Vec<Term>,
) -> Result<f64, Reject> {
    // Exponential terms are kept about the stretch's own natural origin: where its overlap
    // closes (one end fixed, one moving), or its finite end if it runs to infinity. There the
    // series (a polynomial of high degree) is a sum of positive terms and partial fractions
    // vanish to the order of the contact, where re-expanded about a distant anchor either would
    // cancel; and there the term is of the size of the result, where about a far anchor its
    // exponential would overflow in the expression (∞·0 outside the window) or its scale
    // underflow. (Unless the factors are out of range there.)
    let natural = match (s.lower, s.upper) {
        (Lim::Const(c), Lim::Moving(_)) if c.is_finite() => Some(s.a),
        (Lim::Moving(_), Lim::Const(c)) if c.is_finite() => Some(s.b),
        _ if s.a.is_finite() && !s.b.is_finite() => Some(s.a),
        _ if s.b.is_finite() && !s.a.is_finite() => Some(s.b),
        _ => None,
    };
    if let Some(tc) = natural
        && (p.rate != 0.0 || q.rate != 0.0)
        && tc != anchor
        && tc.is_finite()
    {
        let mut terms = Vec::new();
        if let Ok(ln) = contribution_at(s, p, q, (a, b, tc), pass, &mut terms)
            && ln <= MAX_LN_SCALE
        {
            merge_terms(out, terms, pass)?;
            return Ok(ln);
        }
    }
    let tanch = anchor - s.c;
    let (lo0, hi0) = (s.lower.at(tanch), s.upper.at(tanch));
    let l0 = if lo0.is_finite() {
        lo0
    } else if hi0.is_finite() {
        hi0
    } else {
        return Err(Reject::Divergent);
    };
    let wlim = |lim: Lim| match lim {
        Lim::Const(c) if !c.is_finite() => WLim::Infinite,
        Lim::Const(c) => WLim::Const(c - l0),
        Lim::Moving(c) => WLim::Moving(tanch + c - l0),
    };
    let (mut wlo, mut whi) = (wlim(s.lower), wlim(s.upper));
    // At a breakpoint where the overlap closes, its ends agree in exact arithmetic; make them
    // agree here too, or the rounding of the anchor shows up as a spurious term.
    let closing = 16.0 * f64::EPSILON * (anchor.abs() + s.c.abs() + lo0.abs());
    if lo0.is_finite() && (hi0 - lo0).abs() <= closing {
        whi = match whi {
            WLim::Const(_) => WLim::Const(0.0),
            WLim::Moving(_) => WLim::Moving(0.0),
            other => other,
        };
    }
    let delta = p.rate - q.rate;
    let ps = poly::shift(&pass.poly(&p.poly), pass.c(l0));
    let qs = poly::shift(&pass.poly(&q.poly), pass.c(tanch - l0));
    let mut rows = bivariate(&ps, &qs, pass);
    // Constant factor e^{-β l0 − γ (tanch − l0)}, kept as an exponent until the end.
    let kexp = -p.rate * l0 - q.rate * (tanch - l0);
    // The rate of the result where the limits are constant in w: γ, times e^{-δ w}.
    let mut rate_const = q.rate;
    // When both ends move with t, integrate in the moving frame w' = w − v, where the range is
    // fixed: e^{-δ w} = e^{-δ v} e^{-δ w'} moves the rate to β.
    if let (WLim::Moving(clo), WLim::Moving(chi)) = (wlo, whi) {
        rows = moving_frame(&rows);
        (wlo, whi) = (WLim::Const(clo), WLim::Const(chi));
        rate_const = p.rate;
    }
    if delta == 0.0 {
        let anti: Vec<Vec<f64>> = rows.iter().map(|r| poly::antiderivative(r)).collect();
        let mut diff = at_limit(&anti, whi, pass);
        poly::add_scaled(&mut diff, &at_limit(&anti, wlo, pass), pass.c(-1.0));
        push_term(out, (anchor, rate_const), &diff, kexp.exp(), pass)?;
        return Ok(kexp.abs());
    }
    // The width of the overlap across this piece.
    let (va, vb) = (a - anchor, b - anchor);
    let at = |l: WLim, v: f64| match l {
        WLim::Const(c) => c,
        WLim::Moving(c) => c + v,
        WLim::Receding(c) => c - v,
        WLim::Infinite => f64::INFINITY,
    };
    let width = |v: f64| match (wlo, whi) {
        (WLim::Infinite, _) | (_, WLim::Infinite) => f64::INFINITY,
        _ => at(whi, v) - at(wlo, v),
    };
    let (wa, wb) = (width(va), width(vb));
    let degree = rows
        .iter()
        .map(Vec::len)
        .max()
        .unwrap_or(1)
        .saturating_sub(1);
    // Partial fractions lose digits where the overlap is short against 1/|δ|; there (and only
    // there: the pieces are cut where the width crosses `series_reach / |δ|`) the exponential's
    // Taylor series is summed instead.
    if wa.is_finite()
        && wb.is_finite()
        && delta.abs() * width(inside(va, vb)) < series_reach(degree)
    {
        let x = delta.abs() * wa.abs().max(wb.abs());
        // Expand about the end E where e^{-δ w} is smallest, w = w_E + σ s with s ≥ 0 on the
        // overlap: e^{-δ w} = e^{-δ w_E} e^{|δ| s}, a series of positive terms.
        let (end, other, sigma) = if delta > 0.0 {
            (whi, wlo, -1.0)
        } else {
            (wlo, whi, 1.0)
        };
        let (ce, moving) = match end {
            WLim::Const(c) => (c, false),
            WLim::Moving(c) => (c, true),
            _ => return Err(Reject::Divergent),
        };
        // R(v, w_E + σ s) in rows of powers of v and columns of powers of s.
        let mut r: Vec<Vec<f64>> = rows
            .iter()
            .map(|row| poly::shift(row, pass.c(ce)))
            .collect();
        if moving {
            r = moving_frame(&r);
        }
        let e = exp_series(delta.abs(), x);
        for row in &mut r {
            if sigma < 0.0 {
                pass.reflect(row);
            }
            *row = poly::antiderivative(&poly::mul(row, &e));
        }
        // The other end of the overlap as a value of s.
        let upper = match (other, moving) {
            (WLim::Const(co), false) => WLim::Const(sigma * (co - ce)),
            (WLim::Moving(co), false) if sigma > 0.0 => WLim::Moving(co - ce),
            (WLim::Moving(co), false) => WLim::Receding(ce - co),
            (WLim::Const(co), true) if sigma > 0.0 => WLim::Receding(co - ce),
            (WLim::Const(co), true) => WLim::Moving(ce - co),
            _ => return Err(Reject::Divergent),
        };
        let rate = if moving { p.rate } else { rate_const };
        let v = at_limit(&r, upper, pass);
        let ln = kexp - delta * ce;
        push_term(out, (anchor, rate), &v, ln.exp(), pass)?;
        return Ok(ln.abs());
    }
    // Partial fractions: F(v, w) = −e^{−δw} S(v, w), S = Σ_m ∂_w^m R / δ^{m+1}.
    let d = pass.c(delta);
    let srows: Vec<Vec<f64>> = rows
        .iter()
        .map(|r| {
            let mut s = vec![0.0; r.len()];
            let mut next = 0.0;
            for k in (0..r.len()).rev() {
                s[k] = (r[k] + (k + 1) as f64 * next) / d;
                next = s[k];
            }
            s
        })
        .collect();
    let mut ln_max = 0.0f64;
    for (lim, sign) in [(whi, -1.0), (wlo, 1.0)] {
        let (rate, shift) = match lim {
            WLim::Const(c) => (rate_const, c),
            WLim::Moving(c) => (p.rate, c),
            WLim::Receding(_) | WLim::Infinite => continue,
        };
        let pv = at_limit(&srows, lim, pass);
        let ln = kexp - delta * shift;
        ln_max = ln_max.max(ln.abs());
        push_term(out, (anchor, rate), &pv, pass.c(sign) * ln.exp(), pass)?;
    }
    Ok(ln_max)
}

/// A natural origin of a piece: its midpoint, its finite end, or its own anchor.
fn centre(p: &Piece) -> f64 {
    match (p.lo.is_finite(), p.hi.is_finite()) {
        (true, true) => 0.5 * (p.lo + p.hi),
        (true, false) => p.lo,
        (false, true) => p.hi,
        (false, false) => p.anchor,
    }
}

/// $h * x$ for sums of pieces, as pieces with local anchors.
pub(super) fn convolve(hs: &[Piece], xs: &[Piece]) -> Result<Vec<OutPiece>, Reject> {
    if hs.len().saturating_mul(xs.len()) > MAX_PAIRS {
        return Err(Reject::TooLarge(format!(
            "{} × {} pairs of pieces (at most {MAX_PAIRS})",
            hs.len(),
            xs.len()
        )));
    }
    let (mut all, mut cuts) = (Vec::new(), Vec::new());
    for (i, p) in hs.iter().enumerate() {
        for (j, q) in xs.iter().enumerate() {
            stretches(i, j, p, q, &mut all, &mut cuts)?;
        }
    }
    if all.is_empty() {
        return Ok(Vec::new());
    }
    cuts.extend(all.iter().flat_map(|s| [s.a, s.b]));
    cuts.retain(|v| v.is_finite());
    cuts.sort_by(f64::total_cmp);
    // Merge cuts that differ by rounding only.
    let scale = cuts.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    let tol = 64.0 * f64::EPSILON * scale;
    let mut bounds: Vec<f64> = Vec::with_capacity(cuts.len() + 2);
    for v in cuts {
        if bounds.last().is_none_or(|&l| v - l > tol) {
            bounds.push(v);
        }
    }
    if all.iter().any(|s| s.a == f64::NEG_INFINITY) {
        bounds.insert(0, f64::NEG_INFINITY);
    }
    if all.iter().any(|s| s.b == f64::INFINITY) {
        bounds.push(f64::INFINITY);
    }
    let (s_lo, s_hi) = match (bounds.first(), bounds.last()) {
        (Some(&x), Some(&y)) => (x, y),
        _ => return Ok(Vec::new()),
    };
    // Between two infinite tails the value is smallest far out, and there it is the exponentials
    // that set it: anchor towards the bulk (the median of the pairs' finite switch points), where
    // the terms are of moderate size, rather than at a far end where they are e^{-300} of it.
    let mut ends: Vec<f64> = all
        .iter()
        .flat_map(|s| [s.a, s.b])
        .filter(|v| v.is_finite())
        .collect();
    ends.sort_by(f64::total_cmp);
    let bulk = ends.get(ends.len() / 2).copied().unwrap_or(0.0);
    let mut pieces: Vec<OutPiece> = bounds
        .windows(2)
        .map(|w| {
            let (a, b) = (w[0], w[1]);
            let anchor = match (a.is_finite(), b.is_finite()) {
                (true, true) => {
                    let (da, db) = (a - s_lo, s_hi - b);
                    let nearer_a = if da.is_finite() || db.is_finite() {
                        da <= db
                    } else {
                        (a - bulk).abs() <= (b - bulk).abs()
                    };
                    if nearer_a { a } else { b }
                }
                (true, false) => a,
                (false, true) => b,
                (false, false) => centre(&hs[0]) + centre(&xs[0]),
            };
            OutPiece {
                lo: a,
                hi: b,
                anchor,
                terms: Vec::new(),
            }
        })
        .collect();
    if pieces.is_empty() {
        // One finite bound only: a zero-width result.
        return Ok(Vec::new());
    }
    let mids: Vec<f64> = pieces.iter().map(|o| inside(o.lo, o.hi)).collect();
    let mut magnitudes: Vec<Vec<Term>> = vec![Vec::new(); pieces.len()];
    for s in &all {
        let first = mids.partition_point(|&m| m <= s.a);
        for k in first..pieces.len() {
            if mids[k] >= s.b {
                break;
            }
            let o = &mut pieces[k];
            let span = (o.lo, o.hi, o.anchor);
            let (p, q) = (&hs[s.p], &xs[s.q]);
            contribution(s, p, q, span, Pass::Value, &mut o.terms)?;
            contribution(s, p, q, span, Pass::Magnitude, &mut magnitudes[k])?;
        }
    }
    for (o, mags) in pieces.iter_mut().zip(&magnitudes) {
        // A coefficient at the rounding level of the sums that made it is noise (1e-33 where
        // the exact value is 0; the high coefficients of partial fractions that cancel): drop it.
        for t in &mut o.terms {
            t.mag = match mags
                .iter()
                .find(|m| m.rate == t.rate && m.anchor == t.anchor)
            {
                Some(m) => m.poly.clone(),
                None => Vec::new(),
            };
            t.mag.resize(t.poly.len(), 0.0);
            for (c, m) in t.poly.iter_mut().zip(&mut t.mag) {
                if c.abs() <= NOISE * *m {
                    *c = 0.0;
                }
                *m = m.max(c.abs());
            }
            poly::trim(&mut t.poly);
            t.mag.truncate(t.poly.len());
        }
        o.terms.retain(|t| !t.poly.is_empty());
    }
    pieces.retain(|o| !o.terms.is_empty());
    Ok(pieces)
}

/// The window of $[lo, hi]$: `step(t - lo)·step(hi - t)` for a bounded piece, one `step` for a
/// half line, 1 for the line. Each `step` argument is exactly 0 at its end (a `rect` of
/// $(t - m)/w$ need not be exactly ±½ there), so the expression weighs the ends by ½ as
/// [`OutPiece::eval`] does.
fn window(lo: f64, hi: f64) -> Option<Expr> {
    let t = Expr::var("t");
    let left = || Expr::call(Func::Step, super::emit::local(lo));
    let right = || {
        Expr::call(
            Func::Step,
            if hi == 0.0 {
                -t.clone()
            } else {
                Expr::num(hi) - t.clone()
            },
        )
    };
    match (lo.is_finite(), hi.is_finite()) {
        (true, true) => Some(left() * right()),
        (true, false) => Some(left()),
        (false, true) => Some(right()),
        (false, false) => None,
    }
}

/// $\sum_{\text{pieces}} \text{window} \cdot \sum_j \text{poly}_j(v)\\, e^{-\text{rate}_j v}$.
pub(super) fn to_expr(pieces: &[OutPiece]) -> Expr {
    pieces
        .iter()
        .map(|o| {
            let body = o
                .terms
                .iter()
                .map(|term| {
                    let v = super::emit::local(term.anchor);
                    let p = super::emit::horner(&term.poly, &v);
                    if term.rate == 0.0 {
                        p
                    } else {
                        super::emit::times(p, super::emit::decay(term.rate, &v))
                    }
                })
                .reduce(|a, b| a + b)
                .unwrap_or(Expr::num(0.0));
            match window(o.lo, o.hi) {
                Some(w) => super::emit::times(w, body),
                None => body,
            }
        })
        .reduce(|a, b| a + b)
        .unwrap_or(Expr::num(0.0))
}

#[cfg(test)]
mod tests {
    use super::super::recognise::{Kind, classify};
    use super::*;

    fn pieces(src: &str) -> Vec<Piece> {
        match classify(&Expr::parse(src).unwrap_or_else(|e| panic!("{src}: {e}"))) {
            Ok(Kind::Pieces(p)) => p,
            other => panic!("{src}: {other:?}"),
        }
    }

    fn value(out: &[OutPiece], t: f64) -> f64 {
        out.iter().map(|o| o.eval(t).0).sum()
    }

    #[test]
    fn a_window_piece_does_not_erase_the_series_of_nearly_equal_rates() {
        // t² e^{-at} step * e^{-bt} step with b − a = 5.5e-5, alone and next to a rect piece
        // whose breakpoint at 0.1 starts a piece [0.1, 0.1 + 4/δ] of the series: its constant
        // term is 0.1³/3·e^{-0.1 b}, tiny against the polynomial at the far end of the piece,
        // and was once dropped as noise on that account.
        let (a, b) = (2.0162939085133385, 2.0163491506219535);
        let h = pieces(&format!("t^2*exp(-{a:?}*t)*step(t)"));
        let exp = pieces(&format!("exp(-{b:?}*t)*step(t)"));
        let rect = pieces("(-0.09026692736921665*t)*rect(t/0.2)");
        let both: Vec<Piece> = exp.iter().chain(&rect).cloned().collect();
        let conv = |x: &[Piece]| convolve(&h, x).unwrap_or_else(|r| panic!("{r:?}"));
        let (ze, zr, zb) = (conv(&exp), conv(&rect), conv(&both));
        // e^{-bt} ∫₀ᵗ u² e^{(b-a)u} du = e^{-bt} t³ Σ (δt)ⁿ / (n! (n + 3)), δ = b − a > 0.
        let exact = |t: f64| {
            let (d, mut term, mut sum) = (b - a, 1.0, 0.0);
            for n in 0..40 {
                sum += term / f64::from(n + 3);
                term *= d * t / f64::from(n + 1);
            }
            (-b * t).exp() * t.powi(3) * sum
        };
        for t in [0.05, 0.1, 0.3, 1.0, 5.0, 50.0] {
            let (e, r, s) = (value(&ze, t), value(&zr, t), value(&zb, t));
            assert!(
                (e - exact(t)).abs() <= 1e-14 * exact(t),
                "t = {t}: {e} vs {}",
                exact(t)
            );
            assert!(
                (s - (e + r)).abs() <= 1e-14 * (e.abs() + r.abs()),
                "t = {t}: {s} vs {e} + {r}"
            );
        }
    }

    #[test]
    fn coefficients_at_the_rounding_level_of_their_sums_are_dropped() {
        // tri * tri ends in c·(t − t_end)³: the lower coefficients cancel to rounding noise,
        // which would spoil the relative accuracy next to the end.
        let out = convolve(
            &pieces("tri((t + 1.5678217153327874)/2.4690218619976916)"),
            &pieces("tri((t - 0.6679710396758171)/2.831268290919092)"),
        )
        .unwrap_or_else(|r| panic!("{r:?}"));
        let last = out.last().unwrap_or_else(|| panic!("no pieces"));
        assert_eq!(
            last.hi,
            -1.5678217153327874 + 2.4690218619976916 + 0.6679710396758171 + 2.831268290919092
        );
        for term in &last.terms {
            assert!(
                term.poly.iter().take(3).all(|&c| c == 0.0),
                "{:?}",
                term.poly
            );
        }
    }
}
