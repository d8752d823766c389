//! What a formula says about the shape of its function, for quadrature: its narrow features
//! (peaks, decays, oscillations, singular points) and enclosures of its values on an interval.

use super::ast::{Expr, Func, pow};
use super::support::{Range, affine, quadratic, support_range};
use crate::realfn::{Features, Peak};
use std::f64::consts::PI;

/// Collect the features of `e` (in `t`).
pub(crate) fn features(e: &Expr) -> Features {
    let mut f = Features::default();
    collect(e, &mut f);
    f
}

fn push_peak(f: &mut Features, centre: f64, width: f64) {
    if centre.is_finite() && width.is_finite() && width > 0.0 {
        f.peaks.push(Peak { centre, width });
    }
}

/// The root of an affine $a t + b$ and $1/|a|$, when $a \ne 0$.
fn root_and_scale(u: &Expr) -> Option<(f64, f64)> {
    let (a, b) = affine(u)?;
    (a != 0.0 && a.is_finite() && b.is_finite()).then(|| (-b / a, 1.0 / a.abs()))
}

fn collect(e: &Expr, f: &mut Features) {
    match e {
        Expr::Num(_) | Expr::Const { .. } | Expr::Var(_) => {}
        Expr::Neg(a) => collect(a, f),
        Expr::Add(a, b) | Expr::Sub(a, b) | Expr::Mul(a, b) => {
            collect(a, f);
            collect(b, f);
        }
        Expr::Div(a, b) => {
            collect(a, f);
            collect(b, f);
            denominator(b, f);
        }
        Expr::Pow(a, b) => {
            collect(a, f);
            collect(b, f);
            if let Some(p) = b.constant_value()
                && p < 0.0
            {
                denominator(a, f);
            }
            if let Some(p) = b.constant_value()
                && p.fract() != 0.0
                && let Some((r, _)) = root_and_scale(a)
            {
                f.singular_points.push(r);
            }
        }
        Expr::Call(func, u) => {
            collect(u, f);
            call(*func, u, f);
        }
    }
}

/// A denominator: a pole at an affine root, a Lorentzian peak where a quadratic has no real
/// root.
fn denominator(d: &Expr, f: &mut Features) {
    if let Some((r, _)) = root_and_scale(d) {
        f.singular_points.push(r);
    } else if let Some((a2, a1, a0)) = quadratic(d) {
        let c = -a1 / (2.0 * a2);
        let w2 = a0 / a2 - c * c;
        if w2 > 0.0 {
            push_peak(f, c, w2.sqrt());
        } else if w2 == 0.0 {
            f.singular_points.push(c);
        }
    }
}

fn call(func: Func, u: &Expr, f: &mut Features) {
    match func {
        Func::Exp => {
            if let Some((a2, a1, _)) = quadratic(u) {
                if a2 < 0.0 {
                    push_peak(f, -a1 / (2.0 * a2), 1.0 / (-2.0 * a2).sqrt());
                }
            } else if let Some((a, _)) = affine(u)
                && a != 0.0
                && a.is_finite()
            {
                f.decay_rates.push(-a);
            }
        }
        Func::Gauss | Func::Tanh | Func::Erf => {
            if let Some((r, w)) = root_and_scale(u) {
                push_peak(f, r, w);
            }
        }
        Func::Sin | Func::Cos | Func::Tan => {
            if let Some((_, w)) = root_and_scale(u) {
                f.frequencies.push(1.0 / w);
            }
        }
        Func::Sinc | Func::SincD1 | Func::SincD2 => {
            if let Some((r, w)) = root_and_scale(u) {
                f.frequencies.push(PI / w);
                push_peak(f, r, w);
            }
        }
        Func::Log | Func::Sqrt => {
            if let Some((r, _)) = root_and_scale(u) {
                f.singular_points.push(r);
            }
        }
        Func::Abs | Func::Step | Func::Rect | Func::Tri | Func::Sign => {}
    }
}

/// A closed interval $[lo, hi]$ of values (ends possibly infinite).
type Iv = (f64, f64);

const WHOLE: Iv = (f64::NEG_INFINITY, f64::INFINITY);

/// Widened outwards by a few ulps, so that the rounding of the ends never cuts a value off.
fn widen((lo, hi): Iv) -> Iv {
    if lo.is_nan() || hi.is_nan() {
        return WHOLE;
    }
    let w = |v: f64, s: f64| v + s * (4.0 * f64::EPSILON * v.abs() + f64::MIN_POSITIVE);
    (w(lo, -1.0), w(hi, 1.0))
}

fn hull(a: Iv, b: Iv) -> Iv {
    (a.0.min(b.0), a.1.max(b.1))
}

/// Products of interval ends, with $0 \cdot \infty = 0$ (an exact zero end times an unbounded
/// one bounds nothing beyond zero there).
fn mul_end(x: f64, y: f64) -> f64 {
    if x == 0.0 || y == 0.0 { 0.0 } else { x * y }
}

fn mul(a: Iv, b: Iv) -> Iv {
    let p = [
        mul_end(a.0, b.0),
        mul_end(a.0, b.1),
        mul_end(a.1, b.0),
        mul_end(a.1, b.1),
    ];
    let lo = p.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = p.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    (lo, hi)
}

fn monotone(g: impl Fn(f64) -> f64, (lo, hi): Iv, increasing: bool) -> Iv {
    let (x, y) = (g(lo), g(hi));
    if increasing { (x, y) } else { (y, x) }
}

/// An enclosure of `e` for $t \in [t_0, t_1]$; the whole line where the formula is not defined
/// or cannot be bounded.
pub(crate) fn range(e: &Expr, t: Iv) -> Iv {
    let r = range_in(e, t);
    if r.0.is_nan() || r.1.is_nan() || r.0 > r.1 {
        WHOLE
    } else {
        r
    }
}

fn range_in(e: &Expr, t: Iv) -> Iv {
    // Outside its own support a term is exactly zero; partly outside, it is the hull of zero
    // and its values on the part inside.
    if !matches!(e, Expr::Num(_) | Expr::Const { .. } | Expr::Var(_)) {
        match support_range(e) {
            Range::Empty => return (0.0, 0.0),
            Range::Span(lo, hi) if lo > f64::NEG_INFINITY || hi < f64::INFINITY => {
                let (a, b) = (t.0.max(lo), t.1.min(hi));
                if a > b {
                    return (0.0, 0.0);
                }
                let inner = raw(e, (a, b));
                return if a > t.0 || b < t.1 {
                    hull(inner, (0.0, 0.0))
                } else {
                    inner
                };
            }
            Range::Span(..) => {}
        }
    }
    raw(e, t)
}

fn raw(e: &Expr, t: Iv) -> Iv {
    match e {
        Expr::Num(v) => (*v, *v),
        Expr::Const { value, .. } => (*value, *value),
        Expr::Var(_) => t,
        Expr::Neg(a) => {
            let r = range_in(a, t);
            (-r.1, -r.0)
        }
        Expr::Add(a, b) => {
            let (x, y) = (range_in(a, t), range_in(b, t));
            widen((x.0 + y.0, x.1 + y.1))
        }
        Expr::Sub(a, b) => {
            let (x, y) = (range_in(a, t), range_in(b, t));
            widen((x.0 - y.1, x.1 - y.0))
        }
        Expr::Mul(a, b) => widen(mul(range_in(a, t), range_in(b, t))),
        Expr::Div(a, b) => {
            let (x, y) = (range_in(a, t), range_in(b, t));
            if x == (0.0, 0.0) {
                (0.0, 0.0)
            } else if y.0 > 0.0 || y.1 < 0.0 {
                widen(mul(x, (1.0 / y.1, 1.0 / y.0)))
            } else {
                WHOLE
            }
        }
        Expr::Pow(a, b) => power(range_in(a, t), b, t),
        Expr::Call(f, u) => widen(function(*f, range_in(u, t))),
    }
}

fn power(x: Iv, b: &Expr, t: Iv) -> Iv {
    match b.constant_value() {
        Some(p) if p.fract() == 0.0 && p.abs() <= 64.0 => {
            let n = p as i32;
            if n == 0 {
                return (1.0, 1.0);
            }
            if n < 0 && x.0 <= 0.0 && x.1 >= 0.0 {
                return WHOLE;
            }
            let (a, c) = (x.0.powi(n), x.1.powi(n));
            if n % 2 == 0 && x.0 < 0.0 && x.1 > 0.0 {
                // Through zero: the least value is 0 (n > 0).
                widen((0.0, a.max(c)))
            } else {
                widen((a.min(c), a.max(c)))
            }
        }
        Some(p) => {
            // A fractional power needs a non-negative base.
            if x.0 < 0.0 {
                return WHOLE;
            }
            let (a, c) = (pow(x.0, p), pow(x.1, p));
            widen((a.min(c), a.max(c)))
        }
        None => {
            // A variable exponent: only a positive base is bounded, via exp(b ln a).
            if x.0 <= 0.0 {
                return WHOLE;
            }
            let l = function(Func::Log, x);
            let y = mul(l, range_in(b, t));
            widen(function(Func::Exp, y))
        }
    }
}

fn function(f: Func, x: Iv) -> Iv {
    let (lo, hi) = x;
    match f {
        Func::Exp => monotone(f64::exp, x, true),
        Func::Log => {
            if lo < 0.0 {
                WHOLE
            } else {
                monotone(f64::ln, x, true)
            }
        }
        Func::Sqrt => {
            if lo < 0.0 {
                WHOLE
            } else {
                monotone(f64::sqrt, x, true)
            }
        }
        Func::Abs => {
            if lo >= 0.0 {
                x
            } else if hi <= 0.0 {
                (-hi, -lo)
            } else {
                (0.0, (-lo).max(hi))
            }
        }
        Func::Sin | Func::Cos => trig(f, x),
        Func::Tan => {
            if !(hi - lo < PI) {
                return WHOLE;
            }
            // A pole at π/2 + kπ inside the interval makes it unbounded.
            let k = ((lo - PI / 2.0) / PI).ceil();
            if PI / 2.0 + k * PI <= hi {
                WHOLE
            } else {
                monotone(f64::tan, x, true)
            }
        }
        Func::Tanh => monotone(f64::tanh, x, true),
        Func::Erf => monotone(crate::special::erf, x, true),
        Func::Step | Func::Sign => monotone(|u| f.apply(u), x, true),
        Func::Rect => {
            let touches_inside = lo < 0.5 && hi > -0.5;
            let touches_edge = lo <= 0.5 && hi >= -0.5;
            let max = if touches_inside {
                1.0
            } else if touches_edge {
                0.5
            } else {
                0.0
            };
            let min = if lo < -0.5 || hi > 0.5 {
                0.0
            } else if lo == -0.5 || hi == 0.5 {
                0.5
            } else {
                1.0
            };
            (min, max)
        }
        Func::Tri => {
            let at = |u: f64| (1.0 - u.abs()).max(0.0);
            let max = at(0.0f64.clamp(lo, hi));
            (at(lo).min(at(hi)), max)
        }
        Func::Gauss => {
            let a = function(Func::Abs, x);
            (Func::Gauss.apply(a.1), Func::Gauss.apply(a.0))
        }
        Func::Sinc | Func::SincD1 | Func::SincD2 => {
            // |sinc(u)| ≤ 1/(π|u|), and sinc ≥ −0.2173; the derivatives are bounded by small
            // constants and decay like 1/|u| too.
            let m = function(Func::Abs, x).0;
            let (cap, floor): (f64, f64) = match f {
                Func::Sinc => (1.0, -0.2173),
                Func::SincD1 => (1.4, -1.4),
                _ => (3.3, -3.3),
            };
            let k = match f {
                Func::Sinc => 1.0 / PI,
                Func::SincD1 => 2.0,
                _ => 2.0 * PI,
            };
            let b = if m > 0.0 { (k / m).min(cap) } else { cap };
            (floor.max(-b), b)
        }
    }
}

/// sin or cos on an interval: the ends, and ±1 where an extremum lies inside.
fn trig(f: Func, (lo, hi): Iv) -> Iv {
    if !(hi - lo < 2.0 * PI) || !lo.is_finite() || !hi.is_finite() {
        return (-1.0, 1.0);
    }
    let g = |u: f64| f.apply(u);
    let (mut a, mut b) = (g(lo).min(g(hi)), g(lo).max(g(hi)));
    // Extrema of sin at π/2 + kπ, of cos at kπ.
    let phase = if f == Func::Sin { PI / 2.0 } else { 0.0 };
    let mut k = ((lo - phase) / PI).ceil();
    while phase + k * PI <= hi {
        let v = g(phase + k * PI);
        if v > 0.0 {
            b = 1.0;
        } else {
            a = -1.0;
        }
        k += 1.0;
    }
    (a, b)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e(s: &str) -> Expr {
        Expr::parse(s).unwrap_or_else(|err| panic!("{s}: {err}"))
    }

    #[test]
    fn a_gaussian_factor_gives_its_centre_and_width() {
        let f = features(&e("2*exp(-(t+0.001)^2/(2*0.0003^2))"));
        assert_eq!(f.peaks.len(), 1);
        assert!((f.peaks[0].centre + 0.001).abs() < 1e-15);
        assert!((f.peaks[0].width - 0.0003).abs() < 1e-15);
        let g = features(&e("gauss((t - 3)/0.5)*exp(-2*t)*sin(5*t)"));
        assert!((g.peaks[0].centre - 3.0).abs() < 1e-15 && (g.peaks[0].width - 0.5).abs() < 1e-15);
        assert_eq!(g.decay_rates, vec![2.0]);
        assert_eq!(g.frequencies, vec![5.0]);
    }

    #[test]
    fn enclosures_contain_the_values() {
        for (src, lo, hi) in [
            ("exp(-(t-1)^2/0.01)", -3.0, 0.5),
            ("exp(-t)*step(t)", -1e4, 2.0),
            ("sin(3*t)/(1 + t^2)", -2.0, 2.0),
            ("tri(t)*log(abs(t) + 1)", -0.5, 2.0),
            ("sinc(t)*rect(t/4)", 0.2, 7.0),
        ] {
            let x = e(src);
            let c = x.compile().unwrap_or_else(|err| panic!("{src}: {err}"));
            let (a, b) = range(&x, (lo, hi));
            for i in 0..=1000 {
                let t = lo + (hi - lo) * f64::from(i) / 1000.0;
                let v = crate::RealFn::eval(&c, t);
                assert!(a <= v && v <= b, "{src} at {t}: {v} not in [{a}, {b}]");
            }
        }
        // Far from a narrow peak the enclosure proves the function negligible.
        let (_, b) = range(&e("exp(-(t-1)^2/(2*1e-8))"), (2.0, 3.0));
        assert!(b <= 1e-300, "{b}");
        // exp(1e4)·step(−1e4) is ∞·0 in arithmetic, but 0 outside the support.
        assert_eq!(range(&e("exp(-t)*step(t)"), (-1e4, -1.0)), (0.0, 0.0));
    }
}
