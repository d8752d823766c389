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
//!   $x/|\delta|$. For evaluation, up to that width (at most $12/|\delta|$) the factor
//!   $e^{-\delta w}$ is replaced by its Taylor series about the end of the overlap where it is
//!   smallest, $e^{-\delta w_E} e^{|\delta| s}$ with $s \ge 0$: a series of positive terms,
//!   summed to far below double-double rounding. The stretch where this happens ends at an
//!   extra cut $(n + 2)/|\delta|$ from the breakpoint. For display the partial fractions are
//!   kept: they are the family's own form ($1 - e^{-(t + 1/2)}$, not a polynomial of degree 40).
//!
//! Every piece of the result is computed directly in a local variable $v = t - \text{anchor}$
//! with the anchor at the end of its interval nearer the (finite) edge of the support, where
//! the value is smallest. Exponential terms keep their own stretch's origin instead (where its
//! overlap closes, or its finite end), where they are of the size of the result.
//!
//! All arithmetic is in [`Ball`]s: midpoints to double-double precision and radii that bound
//! every rounding and every uncertainty of the inputs, so that each coefficient, and each
//! value, knows how far from exact it can be.

use super::ball::Ball;
use super::operand::{Piece, Reject};
use super::poly;
use crate::symbolic::{Expr, Func};

/// Most pairs of pieces convolved.
const MAX_PAIRS: usize = 1024;

/// The largest overlap, in units of $1/|\delta|$, over which the exponential's Taylor series is
/// summed instead of partial fractions.
const MAX_SERIES_X: f64 = 12.0;

/// The largest $|\ln|$ of a term's scale factor $e^{\dots}$ at its anchor before the other end
/// of the piece is tried ($e^{-745}$ underflows).
const MAX_LN_SCALE: f64 = 500.0;

/// Most terms of that series (enough for $x = 12$ to $10^{-36}$).
const MAX_SERIES_TERMS: usize = 128;

/// The overlap width, in units of $1/|\delta|$, below which the exponential is summed as a
/// series: partial fractions of a degree-$n$ integrand cancel where the overlap is short,
/// losing a factor of about $2/P(n+1, x)$ ($P$ the regularised incomplete gamma function, $x$
/// the width in units of $1/|\delta|$), which is below 10 from $x = n + 2$ on.
fn series_reach(degree: usize) -> f64 {
    (degree as f64 + 2.0).min(MAX_SERIES_X)
}

/// What the result is for: evaluation (series where partial fractions cancel) or display
/// (partial fractions throughout: the family's own form).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Purpose {
    Evaluate,
    Display,
}

/// $\text{poly}(v)\\, e^{-\text{rate}\\, v}$ with $v = t - \text{anchor}$.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Term {
    pub anchor: Ball,
    pub rate: Ball,
    pub poly: Vec<Ball>,
}

impl Term {
    /// The value at `t` as a ball.
    fn eval(&self, t: f64) -> Ball {
        let v = Ball::exact(t) - self.anchor;
        let p = poly::horner(&self.poly, v);
        if self.rate.is_zero() {
            p
        } else {
            p * (-(self.rate * v)).exp()
        }
    }
}

/// $\sum_j \text{poly}_j(t - a_j)\\, e^{-\text{rate}_j (t - a_j)}$ on $[lo, hi]$; the local
/// origins $a_j$ are the piece's `anchor` except for terms summed as a series, which keep the
/// breakpoint where their overlap closes.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct OutPiece {
    pub lo: Ball,
    pub hi: Ball,
    pub anchor: Ball,
    pub terms: Vec<Term>,
}

impl OutPiece {
    /// Whether `t` lies in the piece by the midpoints of its ends.
    pub fn contains(&self, t: f64) -> bool {
        self.lo.m.cmp_f64(t).is_le() && self.hi.m.cmp_f64(t).is_ge()
    }

    /// Whether `t` might lie in the piece: within the radii of its ends.
    pub fn may_contain(&self, t: f64) -> bool {
        (self.lo - Ball::exact(self.lo.r)).m.cmp_f64(t).is_le()
            && (self.hi + Ball::exact(self.hi.r)).m.cmp_f64(t).is_ge()
    }

    /// The value at `t` as a ball, without the window (the piece's formula).
    pub fn formula(&self, t: f64) -> Ball {
        self.terms
            .iter()
            .fold(Ball::ZERO, |acc, term| acc + term.eval(t))
    }

    /// The value at `t` with weight ½ at the ends (as `step` has) and 0 outside.
    pub fn eval(&self, t: f64) -> Ball {
        if !self.contains(t) {
            return Ball::ZERO;
        }
        let at_end = self.lo.m.cmp_f64(t).is_eq() || self.hi.m.cmp_f64(t).is_eq();
        let v = self.formula(t);
        if at_end { v * 0.5 } else { v }
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
            poly::add(&mut slot.poly, &p.poly);
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
    Const(Ball),
    Moving(Ball),
}

impl Lim {
    fn at(self, t: Ball) -> Ball {
        match self {
            Lim::Const(c) => c,
            Lim::Moving(c) => t + c,
        }
    }

    fn at_mid(self, t: f64) -> f64 {
        match self {
            Lim::Const(c) => c.mid(),
            Lim::Moving(c) => t + c.mid(),
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
    c: Ball,
    a: Ball,
    b: Ball,
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

/// `a + b` for ends that may be infinite.
fn sum(a: Ball, b: Ball) -> Ball {
    let (x, y) = (a.mid(), b.mid());
    if x.is_infinite() || y.is_infinite() {
        Ball::exact(x + y)
    } else {
        a + b
    }
}

/// `a - b` for ends that may be infinite.
fn diff(a: Ball, b: Ball) -> Ball {
    sum(a, -b)
}

/// The stretches of one pair, plus the cuts where the Taylor-series treatment ends.
fn stretches(
    (pi, qi): (usize, usize),
    p: &Piece,
    q: &Piece,
    purpose: Purpose,
    out: &mut Vec<Stretch>,
    cuts: &mut Vec<Ball>,
) -> Result<(), Reject> {
    let c = p.anchor + q.anchor;
    let (l1, h1) = (diff(p.lo, p.anchor), diff(p.hi, p.anchor));
    let (l2, h2) = (diff(q.lo, q.anchor), diff(q.hi, q.anchor));
    let (s_lo, s_hi) = (sum(l1, l2).mid(), sum(h1, h2).mid());
    if s_lo.partial_cmp(&s_hi) != Some(std::cmp::Ordering::Less) {
        return Ok(());
    }
    // Each switch point local (a midpoint, for the shape) and absolute (a ball): the absolute
    // ones are sums of the pieces' ends.
    let mut pts = vec![(s_lo, sum(p.lo, q.lo))];
    for (x, abs) in [
        (sum(l1, h2).mid(), sum(p.lo, q.hi)),
        (sum(h1, l2).mid(), sum(p.hi, q.lo)),
    ] {
        if x.is_finite() && x > s_lo && x < s_hi {
            pts.push((x, abs));
        }
    }
    pts.push((s_hi, sum(p.hi, q.hi)));
    pts.sort_by(|x, y| x.0.total_cmp(&y.0));
    pts.dedup_by(|x, y| x.0 == y.0);
    let delta = (p.rate - q.rate).mid();
    let (l1m, h1m, l2m, h2m) = (l1.mid(), h1.mid(), l2.mid(), h2.mid());
    for w in pts.windows(2) {
        let ((a, a_abs), (b, b_abs)) = (w[0], w[1]);
        let mid = inside(a, b);
        let lower = if l1m >= mid - h2m {
            Lim::Const(l1)
        } else {
            Lim::Moving(-h2)
        };
        let upper = if h1m <= mid - l2m {
            Lim::Const(h1)
        } else {
            Lim::Moving(-l2)
        };
        // The integral exists only if the integrand decays along an infinite overlap.
        let (lo_inf, hi_inf) = (
            lower.at_mid(mid) == f64::NEG_INFINITY,
            upper.at_mid(mid) == f64::INFINITY,
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
        if delta != 0.0 && purpose == Purpose::Evaluate {
            let degree = (p.poly.len() + q.poly.len()).saturating_sub(2);
            let reach = series_reach(degree) / delta.abs();
            if a == s_lo && a.is_finite() && a + reach < b {
                cuts.push(Ball::exact(a_abs.mid() + reach));
            }
            if b == s_hi && b.is_finite() && b - reach > a {
                cuts.push(Ball::exact(b_abs.mid() - reach));
            }
        }
    }
    Ok(())
}

/// Rows are powers of $v$, columns powers of $w$: $P_s(w)\\, Q_s(v - w)$.
fn bivariate(ps: &[Ball], qs: &[Ball]) -> Vec<Vec<Ball>> {
    let width = ps.len() + qs.len() - 1;
    let mut r = vec![vec![Ball::ZERO; width]; qs.len()];
    for (j, &qj) in qs.iter().enumerate() {
        if qj.is_zero() {
            continue;
        }
        // (v − w)^j = Σ_i C(j, i) v^i (−w)^(j−i)
        let mut binom = 1.0;
        for (i, row) in r.iter_mut().enumerate().take(j + 1) {
            let m = j - i;
            let coef = if m % 2 == 1 {
                qj * (-binom)
            } else {
                qj * binom
            };
            for (k, &pk) in ps.iter().enumerate() {
                row[m + k] = row[m + k] + coef * pk;
            }
            binom = binom * (j - i) as f64 / (i + 1) as f64;
        }
    }
    r
}

/// $R'(v, w') = R(v, w' + v)$ for rows of powers of $v$ and columns of powers of $w$.
fn moving_frame(rows: &[Vec<Ball>]) -> Vec<Vec<Ball>> {
    let width = rows.iter().map(Vec::len).max().unwrap_or(0);
    let mut out = vec![vec![Ball::ZERO; width]; rows.len() + width];
    for (i, row) in rows.iter().enumerate() {
        for (k, &c) in row.iter().enumerate() {
            if c.is_zero() {
                continue;
            }
            // (w' + v)^k = Σ_j C(k, j) w'^j v^(k−j)
            let mut binom = 1.0;
            for j in (0..=k).rev() {
                out[i + k - j][j] = out[i + k - j][j] + c * binom;
                binom = binom * j as f64 / (k - j + 1) as f64;
            }
        }
    }
    while out.last().is_some_and(|r| poly::is_zero(r)) {
        out.pop();
    }
    out
}

/// $p(v) \to p(-v)$.
fn reflect(p: &mut [Ball]) {
    for c in p.iter_mut().skip(1).step_by(2) {
        *c = -*c;
    }
}

/// An end of the overlap in the variables $(v, w)$ of one output piece.
#[derive(Debug, Clone, Copy, PartialEq)]
enum WLim {
    Const(Ball),
    /// $w = c + v$.
    Moving(Ball),
    /// $w = c - v$.
    Receding(Ball),
    Infinite,
}

/// $\sum_i v^i F_i(\text{lim})$ as a polynomial in $v$.
fn at_limit(rows: &[Vec<Ball>], lim: WLim) -> Vec<Ball> {
    let mut out = Vec::new();
    for (i, f) in rows.iter().enumerate() {
        match lim {
            WLim::Const(c) => {
                let v = poly::horner(f, c);
                if out.len() <= i {
                    out.resize(i + 1, Ball::ZERO);
                }
                out[i] = out[i] + v;
            }
            WLim::Moving(c) | WLim::Receding(c) => {
                let mut g = poly::shift(f, c);
                if matches!(lim, WLim::Receding(_)) {
                    reflect(&mut g);
                }
                if out.len() < i + g.len() {
                    out.resize(i + g.len(), Ball::ZERO);
                }
                for (j, gj) in g.into_iter().enumerate() {
                    out[i + j] = out[i + j] + gj;
                }
            }
            WLim::Infinite => {}
        }
    }
    out
}

fn push_term(
    out: &mut Vec<Term>,
    (anchor, rate): (Ball, Ball),
    poly_v: &[Ball],
    scale: Ball,
) -> Result<(), Reject> {
    if scale.is_zero() || poly::is_zero(poly_v) {
        return Ok(());
    }
    if !scale.is_finite() || poly_v.iter().any(|c| !c.is_finite()) {
        return Err(Reject::NonFinite);
    }
    // A term whose coefficients all underflow (the scale lies e^{-708} below its anchor's) is
    // flushed to zero, as a scale that underflows to 0 is; kept, it would overflow its
    // exponential wherever it is evaluated far from its anchor.
    if poly_v
        .iter()
        .all(|c| c.mag() * scale.mag() < f64::MIN_POSITIVE)
    {
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
            poly: poly_v.iter().map(|&c| c * scale).collect(),
        });
    }
    Ok(())
}

/// Terms of the series $e^{d s} = \sum_{n \le N} (d s)^n/n!$ ($d \ge 0$) for $0 \le d s \le x$,
/// enough that the remainder, at most $e^x x^{N+1}/(N+1)!$ relative, is below $10^{-36}$ (far
/// below the double-double rounding every coefficient already carries).
fn exp_series(d: Ball, x: f64) -> Vec<Ball> {
    let growth = x.exp();
    let mut coeffs = vec![Ball::ONE];
    let (mut c, mut bound) = (Ball::ONE, 1.0);
    for n in 1..MAX_SERIES_TERMS {
        bound *= x / n as f64;
        if bound * growth < 1e-36 {
            break;
        }
        c = c * d / Ball::exact(n as f64);
        coeffs.push(c);
    }
    coeffs
}

/// The contribution of the stretch `s` to the output piece on $[a, b]$, about the piece's
/// `anchor` — or about its other end where the exponential factors at the anchor are out of
/// range: far down a tail, $e^{-\beta (t - \text{anchor})}$ about the wrong end underflows to 0
/// or overflows.
fn contribution(
    s: &Stretch,
    pq: (&Piece, &Piece),
    (a, b, anchor): (Ball, Ball, Ball),
    purpose: Purpose,
    out: &mut Vec<Term>,
) -> Result<(), Reject> {
    let mut terms = Vec::new();
    let first = contribution_at(s, pq, (a, b, anchor), purpose, &mut terms);
    let other = if anchor == a { b } else { a };
    let retry = match first {
        Ok(ln) => ln > MAX_LN_SCALE,
        Err(Reject::NonFinite) => true,
        Err(_) => false,
    };
    if retry && other.mid().is_finite() && other != anchor {
        let mut alt = Vec::new();
        if let Ok(ln) = contribution_at(s, pq, (a, b, other), purpose, &mut alt)
            && first.as_ref().map_or(true, |&f| ln < f)
        {
            return merge_terms(out, alt);
        }
    }
    first?;
    merge_terms(out, terms)
}

fn merge_terms(out: &mut Vec<Term>, terms: Vec<Term>) -> Result<(), Reject> {
    for t in terms {
        push_term(out, (t.anchor, t.rate), &t.poly, Ball::ONE)?;
    }
    Ok(())
}

/// [`contribution`] about `anchor`; returns the largest $|\ln|$ of the terms' scale factors.
fn contribution_at(
    s: &Stretch,
    (p, q): (&Piece, &Piece),
    (a, b, anchor): (Ball, Ball, Ball),
    purpose: Purpose,
    out: &mut Vec<Term>,
) -> Result<f64, Reject> {
    // Exponential terms are kept about the stretch's own natural origin: where its overlap
    // closes (one end fixed, one moving), or its finite end if it runs to infinity. There the
    // series is a sum of positive terms and partial fractions vanish to the order of the
    // contact, where re-expanded about a distant anchor either would cancel; and there the term
    // is of the size of the result, where about a far anchor its exponential would overflow in
    // the expression (∞·0 outside the window) or its scale underflow. (Unless the factors are
    // out of range there.)
    let (sa, sb) = (s.a.mid(), s.b.mid());
    let natural = match (s.lower, s.upper) {
        (Lim::Const(c), Lim::Moving(_)) if c.mid().is_finite() => Some(s.a),
        (Lim::Moving(_), Lim::Const(c)) if c.mid().is_finite() => Some(s.b),
        _ if sa.is_finite() && !sb.is_finite() => Some(s.a),
        _ if sb.is_finite() && !sa.is_finite() => Some(s.b),
        _ => None,
    };
    if let Some(tc) = natural
        && (!p.rate.is_zero() || !q.rate.is_zero())
        && tc != anchor
        && tc.mid().is_finite()
    {
        let mut terms = Vec::new();
        if let Ok(ln) = contribution_at(s, (p, q), (a, b, tc), purpose, &mut terms)
            && ln <= MAX_LN_SCALE
        {
            merge_terms(out, terms)?;
            return Ok(ln);
        }
    }
    let tanch = anchor - s.c;
    let (lo0m, hi0m) = (s.lower.at_mid(tanch.mid()), s.upper.at_mid(tanch.mid()));
    let l0 = if lo0m.is_finite() {
        s.lower.at(tanch)
    } else if hi0m.is_finite() {
        s.upper.at(tanch)
    } else {
        return Err(Reject::Divergent);
    };
    let wlim = |lim: Lim| match lim {
        Lim::Const(c) if !c.mid().is_finite() => WLim::Infinite,
        Lim::Const(c) => WLim::Const(c - l0),
        Lim::Moving(c) => WLim::Moving(tanch + c - l0),
    };
    let (mut wlo, mut whi) = (wlim(s.lower), wlim(s.upper));
    // At a breakpoint where the overlap closes, its ends agree in exact arithmetic: make them
    // agree here too (the difference of two balls that both hold the same exact point).
    if lo0m.is_finite() && hi0m.is_finite() {
        let gap = s.upper.at(tanch) - s.lower.at(tanch);
        if gap.m.hi.abs() <= gap.r + 16.0 * f64::EPSILON * (anchor.mag() + s.c.mag()) {
            whi = match whi {
                WLim::Const(_) => WLim::Const(Ball::ZERO),
                WLim::Moving(_) => WLim::Moving(Ball::ZERO),
                other => other,
            };
        }
    }
    let delta = p.rate - q.rate;
    let ps = poly::shift(&p.poly, l0);
    let qs = poly::shift(&q.poly, tanch - l0);
    let mut rows = bivariate(&ps, &qs);
    // Constant factor e^{-β l0 − γ (tanch − l0)}, kept as an exponent until the end.
    let kexp = -(p.rate * l0) - q.rate * (tanch - l0);
    // The rate of the result where the limits are constant in w: γ, times e^{-δ w}.
    let mut rate_const = q.rate;
    // When both ends move with t, integrate in the moving frame w' = w − v, where the range is
    // fixed: e^{-δ w} = e^{-δ v} e^{-δ w'} moves the rate to β.
    if let (WLim::Moving(clo), WLim::Moving(chi)) = (wlo, whi) {
        rows = moving_frame(&rows);
        (wlo, whi) = (WLim::Const(clo), WLim::Const(chi));
        rate_const = p.rate;
    }
    // Rates equal in their midpoints are one and the same rate (the same number, written
    // twice): the polynomial integral, not partial fractions by a ball holding zero.
    if delta.m.hi == 0.0 {
        let anti: Vec<Vec<Ball>> = rows.iter().map(|r| poly::antiderivative(r)).collect();
        let mut d = at_limit(&anti, whi);
        poly::add_scaled(&mut d, &at_limit(&anti, wlo), -Ball::ONE);
        push_term(out, (anchor, rate_const), &d, kexp.exp())?;
        return Ok(kexp.mid().abs());
    }
    let dm = delta.mid();
    // The width of the overlap across this piece.
    let (va, vb) = ((a - anchor).mid(), (b - anchor).mid());
    let at = |l: WLim, v: f64| match l {
        WLim::Const(c) => c.mid(),
        WLim::Moving(c) => c.mid() + v,
        WLim::Receding(c) => c.mid() - v,
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
    // Taylor series is summed instead, when the result is for evaluation.
    if purpose == Purpose::Evaluate
        && wa.is_finite()
        && wb.is_finite()
        && dm.abs() * width(inside(va, vb)) < series_reach(degree)
    {
        let x = dm.abs() * wa.abs().max(wb.abs());
        // Expand about the end E where e^{-δ w} is smallest, w = w_E + σ s with s ≥ 0 on the
        // overlap: e^{-δ w} = e^{-δ w_E} e^{|δ| s}, a series of positive terms.
        let (end, other, sigma) = if dm > 0.0 {
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
        let mut r: Vec<Vec<Ball>> = rows.iter().map(|row| poly::shift(row, ce)).collect();
        if moving {
            r = moving_frame(&r);
        }
        let e = exp_series(delta.abs(), x);
        for row in &mut r {
            if sigma < 0.0 {
                reflect(row);
            }
            *row = poly::antiderivative(&poly::mul(row, &e));
        }
        // The other end of the overlap as a value of s.
        let upper = match (other, moving) {
            (WLim::Const(co), false) => WLim::Const((co - ce) * sigma),
            (WLim::Moving(co), false) if sigma > 0.0 => WLim::Moving(co - ce),
            (WLim::Moving(co), false) => WLim::Receding(ce - co),
            (WLim::Const(co), true) if sigma > 0.0 => WLim::Receding(co - ce),
            (WLim::Const(co), true) => WLim::Moving(ce - co),
            _ => return Err(Reject::Divergent),
        };
        let rate = if moving { p.rate } else { rate_const };
        let v = at_limit(&r, upper);
        let ln = kexp - delta * ce;
        push_term(out, (anchor, rate), &v, ln.exp())?;
        return Ok(ln.mid().abs());
    }
    // Partial fractions: F(v, w) = −e^{−δw} S(v, w), S = Σ_m ∂_w^m R / δ^{m+1}.
    let srows: Vec<Vec<Ball>> = rows
        .iter()
        .map(|r| {
            let mut s = vec![Ball::ZERO; r.len()];
            let mut next = Ball::ZERO;
            for k in (0..r.len()).rev() {
                s[k] = (r[k] + next * ((k + 1) as f64)) / delta;
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
        let pv = at_limit(&srows, lim);
        let ln = kexp - delta * shift;
        ln_max = ln_max.max(ln.mid().abs());
        push_term(out, (anchor, rate), &pv, ln.exp() * sign)?;
    }
    Ok(ln_max)
}

/// A natural origin of a piece: its midpoint, its finite end, or its own anchor.
fn centre(p: &Piece) -> Ball {
    match (p.lo.mid().is_finite(), p.hi.mid().is_finite()) {
        (true, true) => (p.lo + p.hi) * 0.5,
        (true, false) => p.lo,
        (false, true) => p.hi,
        (false, false) => p.anchor,
    }
}

/// $h * x$ for sums of pieces, as pieces with local anchors.
pub(super) fn convolve(
    hs: &[Piece],
    xs: &[Piece],
    purpose: Purpose,
) -> Result<Vec<OutPiece>, Reject> {
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
            stretches((i, j), p, q, purpose, &mut all, &mut cuts)?;
        }
    }
    if all.is_empty() {
        return Ok(Vec::new());
    }
    cuts.extend(all.iter().flat_map(|s| [s.a, s.b]));
    cuts.retain(|v| v.mid().is_finite());
    cuts.sort_by(|x, y| x.cmp_mid(y));
    // Merge cuts that differ by rounding only — of their own size, not of the largest cut's: a
    // series cut far out (rates an ulp apart reach 10¹³) must not merge cuts a distance apart
    // near the origin. The one kept covers both.
    let mut bounds: Vec<Ball> = Vec::with_capacity(cuts.len() + 2);
    for v in cuts {
        match bounds.last_mut() {
            Some(l)
                if (v - *l).mid()
                    <= (64.0 * f64::EPSILON * l.mid().abs().max(v.mid().abs())).max(l.r + v.r) =>
            {
                let spread = (v - *l).mag() + v.r;
                l.r = l.r.max(spread);
            }
            _ => bounds.push(v),
        }
    }
    if all.iter().any(|s| s.a.mid() == f64::NEG_INFINITY) {
        bounds.insert(0, Ball::exact(f64::NEG_INFINITY));
    }
    if all.iter().any(|s| s.b.mid() == f64::INFINITY) {
        bounds.push(Ball::exact(f64::INFINITY));
    }
    let (s_lo, s_hi) = match (bounds.first(), bounds.last()) {
        (Some(x), Some(y)) => (x.mid(), y.mid()),
        _ => return Ok(Vec::new()),
    };
    // Between two infinite tails the value is smallest far out, and there it is the exponentials
    // that set it: anchor towards the bulk (the median of the pairs' finite switch points), where
    // the terms are of moderate size, rather than at a far end where they are e^{-300} of it.
    let mut ends: Vec<f64> = all
        .iter()
        .flat_map(|s| [s.a.mid(), s.b.mid()])
        .filter(|v| v.is_finite())
        .collect();
    ends.sort_by(f64::total_cmp);
    let bulk = ends.get(ends.len() / 2).copied().unwrap_or(0.0);
    let mut pieces: Vec<OutPiece> = bounds
        .windows(2)
        .map(|w| {
            let (a, b) = (w[0], w[1]);
            let (am, bm) = (a.mid(), b.mid());
            let anchor = match (am.is_finite(), bm.is_finite()) {
                (true, true) => {
                    let (da, db) = (am - s_lo, s_hi - bm);
                    let nearer_a = if da.is_finite() || db.is_finite() {
                        da <= db
                    } else {
                        (am - bulk).abs() <= (bm - bulk).abs()
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
    let mids: Vec<f64> = pieces
        .iter()
        .map(|o| inside(o.lo.mid(), o.hi.mid()))
        .collect();
    for s in &all {
        let first = mids.partition_point(|&m| m <= s.a.mid());
        for k in first..pieces.len() {
            if mids[k] >= s.b.mid() {
                break;
            }
            let o = &mut pieces[k];
            let span = (o.lo, o.hi, o.anchor);
            contribution(s, (&hs[s.p], &xs[s.q]), span, purpose, &mut o.terms)?;
        }
    }
    for o in &mut pieces {
        for t in &mut o.terms {
            poly::trim(&mut t.poly);
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

/// A coefficient for display: its midpoint, or 0 where the ball holds 0 and is tiny against
/// the largest coefficient of its polynomial (rounding residue of a cancellation).
fn shown(c: Ball, largest: f64) -> f64 {
    if c.m.hi.abs() <= c.r.max(1e-28 * largest) {
        0.0
    } else {
        c.mid()
    }
}

/// $\sum_{\text{pieces}} \text{window} \cdot \sum_j \text{poly}_j(v)\\, e^{-\text{rate}_j v}$.
/// (Display drops the residue of cancellations; evaluation keeps every midpoint.)
pub(super) fn to_expr(pieces: &[OutPiece], purpose: Purpose) -> Expr {
    let coef = |c: Ball, largest: f64| match purpose {
        Purpose::Display => shown(c, largest),
        Purpose::Evaluate => c.mid(),
    };
    pieces
        .iter()
        .map(|o| {
            let body = o
                .terms
                .iter()
                .map(|term| {
                    let v = super::emit::local(term.anchor.mid());
                    let largest = term.poly.iter().fold(0.0f64, |m, c| m.max(c.mag()));
                    let coeffs: Vec<f64> = term.poly.iter().map(|&c| coef(c, largest)).collect();
                    let p = super::emit::horner(&coeffs, &v);
                    let rate = coef(term.rate, term.rate.mag());
                    if rate == 0.0 {
                        p
                    } else {
                        super::emit::times(p, super::emit::decay(rate, &v))
                    }
                })
                .filter(|e| !matches!(e, Expr::Num(x) if *x == 0.0))
                .reduce(|a, b| a + b)
                .unwrap_or(Expr::num(0.0));
            match window(o.lo.mid(), o.hi.mid()) {
                Some(w) => super::emit::times(w, body),
                None => body,
            }
        })
        .reduce(|a, b| a + b)
        .unwrap_or(Expr::num(0.0))
}
