//! Exact supports and breakpoints with respect to `t`.

use super::ast::{Expr, Func};
use crate::realfn::Interval;

/// A closed range $[lo, hi]$, possibly infinite, or empty (the expression is identically 0).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Range {
    Empty,
    Span(f64, f64),
}

impl Range {
    const ALL: Range = Range::Span(f64::NEG_INFINITY, f64::INFINITY);

    fn hull(self, o: Range) -> Range {
        match (self, o) {
            (Range::Empty, r) | (r, Range::Empty) => r,
            (Range::Span(a, b), Range::Span(c, d)) => Range::Span(a.min(c), b.max(d)),
        }
    }

    fn intersect(self, o: Range) -> Range {
        match (self, o) {
            (Range::Empty, _) | (_, Range::Empty) => Range::Empty,
            (Range::Span(a, b), Range::Span(c, d)) => {
                let (lo, hi) = (a.max(c), b.min(d));
                if lo <= hi {
                    Range::Span(lo, hi)
                } else {
                    Range::Empty
                }
            }
        }
    }
}

/// `e` as $a\\,t + b$ when it is affine in `t` with every other name constant.
pub(crate) fn affine(e: &Expr) -> Option<(f64, f64)> {
    Some(match e {
        Expr::Num(v) => (0.0, *v),
        Expr::Const { value, .. } => (0.0, *value),
        Expr::Var(n) if n == "t" => (1.0, 0.0),
        Expr::Var(_) => return None,
        Expr::Neg(a) => {
            let (p, q) = affine(a)?;
            (-p, -q)
        }
        Expr::Add(a, b) => {
            let ((p, q), (r, s)) = (affine(a)?, affine(b)?);
            (p + r, q + s)
        }
        Expr::Sub(a, b) => {
            let ((p, q), (r, s)) = (affine(a)?, affine(b)?);
            (p - r, q - s)
        }
        Expr::Mul(a, b) => {
            let ((p, q), (r, s)) = (affine(a)?, affine(b)?);
            if p == 0.0 {
                (q * r, q * s)
            } else if r == 0.0 {
                (p * s, q * s)
            } else {
                return None;
            }
        }
        Expr::Div(a, b) => {
            let ((p, q), (r, s)) = (affine(a)?, affine(b)?);
            if r != 0.0 || s == 0.0 {
                return None;
            }
            (p / s, q / s)
        }
        Expr::Pow(..) | Expr::Call(..) => {
            let v = e.constant_value()?;
            (0.0, v)
        }
    })
}

/// The uncertainty of a literal: none for a short binary fraction, half an ulp otherwise (a
/// decimal such as 0.1 or 619.46 is not a binary number).
fn literal_error(v: f64) -> f64 {
    if (v * 1024.0).fract() == 0.0 && v.abs() < 1e15 {
        0.0
    } else {
        0.5 * f64::EPSILON * v.abs()
    }
}

/// [`affine`] with a bound on the error of each coefficient: $(a, e_a), (b, e_b)$, from the
/// literals' own uncertainty and every rounding on the way.
fn affine_with_error(e: &Expr) -> Option<((f64, f64), (f64, f64))> {
    const U: f64 = 0.5 * f64::EPSILON;
    let exact = |v: f64| (v, 0.0);
    Some(match e {
        Expr::Num(v) => (exact(0.0), (*v, literal_error(*v))),
        Expr::Const { value, .. } => (exact(0.0), (*value, literal_error(*value))),
        Expr::Var(n) if n == "t" => (exact(1.0), exact(0.0)),
        Expr::Var(_) => return None,
        Expr::Neg(a) => {
            let ((p, ep), (q, eq)) = affine_with_error(a)?;
            ((-p, ep), (-q, eq))
        }
        Expr::Add(a, b) | Expr::Sub(a, b) => {
            let ((p, ep), (q, eq)) = affine_with_error(a)?;
            let ((r, er), (s, es)) = affine_with_error(b)?;
            let sign = if matches!(e, Expr::Sub(..)) {
                -1.0
            } else {
                1.0
            };
            let (x, y) = (p + sign * r, q + sign * s);
            ((x, ep + er + U * x.abs()), (y, eq + es + U * y.abs()))
        }
        Expr::Mul(a, b) => {
            let ((p, ep), (q, eq)) = affine_with_error(a)?;
            let ((r, er), (s, es)) = affine_with_error(b)?;
            // One side is a constant k (error ek), the other affine.
            let (k, ek, (x, ex), (y, ey)) = if p == 0.0 {
                (q, eq, (r, er), (s, es))
            } else if r == 0.0 {
                (s, es, (p, ep), (q, eq))
            } else {
                return None;
            };
            let prod = |v: f64, ev: f64| {
                let m = k * v;
                (m, k.abs() * ev + v.abs() * ek + ek * ev + U * m.abs())
            };
            (prod(x, ex), prod(y, ey))
        }
        Expr::Div(a, b) => {
            let ((p, ep), (q, eq)) = affine_with_error(a)?;
            let ((r, _), (s, es)) = affine_with_error(b)?;
            if r != 0.0 || s == 0.0 || es >= 0.5 * s.abs() {
                return None;
            }
            let quot = |v: f64, ev: f64| {
                let m = v / s;
                (m, (ev + m.abs() * es) / (s.abs() - es) + U * m.abs())
            };
            (quot(p, ep), quot(q, eq))
        }
        Expr::Pow(..) | Expr::Call(..) => {
            let v = e.constant_value()?;
            // A constant computed by a library function: a few ulps.
            (exact(0.0), (v, 4.0 * f64::EPSILON * v.abs()))
        }
    })
}

/// $\{t : lo \le a t + b \le hi\}$ for an affine argument.
fn preimage(a: f64, b: f64, lo: f64, hi: f64) -> Range {
    if a == 0.0 {
        return if lo <= b && b <= hi {
            Range::ALL
        } else {
            Range::Empty
        };
    }
    let (x, y) = ((lo - b) / a, (hi - b) / a);
    let (x, y) = if a > 0.0 { (x, y) } else { (y, x) };
    let fix = |v: f64, inf: f64| if v.is_nan() { inf } else { v };
    Range::Span(fix(x, f64::NEG_INFINITY), fix(y, f64::INFINITY))
}

pub(crate) fn support_range(e: &Expr) -> Range {
    match e {
        Expr::Num(v) => {
            if *v == 0.0 {
                Range::Empty
            } else {
                Range::ALL
            }
        }
        Expr::Const { value, .. } => {
            if *value == 0.0 {
                Range::Empty
            } else {
                Range::ALL
            }
        }
        Expr::Var(_) => Range::ALL,
        Expr::Neg(a) => support_range(a),
        Expr::Add(a, b) | Expr::Sub(a, b) => support_range(a).hull(support_range(b)),
        Expr::Mul(a, b) => support_range(a).intersect(support_range(b)),
        Expr::Div(a, _) => support_range(a),
        Expr::Pow(a, b) => match b.constant_value() {
            Some(p) if p > 0.0 => support_range(a),
            _ => Range::ALL,
        },
        Expr::Call(f, u) => {
            let aff = affine(u);
            match (f, aff) {
                (Func::Step, Some((a, b))) => preimage(a, b, 0.0, f64::INFINITY),
                (Func::Rect, Some((a, b))) => preimage(a, b, -0.5, 0.5),
                (Func::Tri, Some((a, b))) => preimage(a, b, -1.0, 1.0),
                (f, _) if f.preserves_zero() => support_range(u),
                _ => Range::ALL,
            }
        }
    }
}

fn collect_breakpoints(e: &Expr, out: &mut Vec<f64>) {
    match e {
        Expr::Num(_) | Expr::Const { .. } | Expr::Var(_) => {}
        Expr::Neg(a) => collect_breakpoints(a, out),
        Expr::Add(a, b) | Expr::Sub(a, b) | Expr::Mul(a, b) | Expr::Pow(a, b) => {
            collect_breakpoints(a, out);
            collect_breakpoints(b, out);
            // A negative power of an affine base has a pole at its root.
            if let (Expr::Pow(base, p), Some((k, c))) = (e, affine(a))
                && k != 0.0
                && p.constant_value().is_some_and(|v| v < 0.0)
                && !base.free_vars().is_empty()
            {
                out.push(-c / k);
            }
        }
        Expr::Div(a, b) => {
            collect_breakpoints(a, out);
            collect_breakpoints(b, out);
            // A pole where an affine denominator vanishes.
            if let Some((k, c)) = affine(b)
                && k != 0.0
            {
                out.push(-c / k);
            }
        }
        Expr::Call(f, u) => {
            collect_breakpoints(u, out);
            let roots: &[f64] = match f {
                Func::Step | Func::Sign | Func::Abs | Func::Sqrt => &[0.0],
                Func::Rect => &[-0.5, 0.5],
                Func::Tri => &[-1.0, 0.0, 1.0],
                _ => &[],
            };
            if roots.is_empty() {
                return;
            }
            if let Some((a, b)) = affine(u) {
                if a != 0.0 {
                    out.extend(roots.iter().map(|r| (r - b) / a));
                }
            } else if let Some((a2, a1, a0)) = quadratic(u) {
                // Roots of a·t² + b·t + c = r for each r.
                for r in roots {
                    let c = a0 - r;
                    let disc = a1 * a1 - 4.0 * a2 * c;
                    if disc >= 0.0 {
                        let s = disc.sqrt();
                        // The stable pair of roots (no cancellation).
                        let q = -0.5 * (a1 + a1.signum() * s);
                        if q != 0.0 {
                            out.push(q / a2);
                            out.push(c / q);
                        } else {
                            out.push(0.0);
                        }
                    }
                }
            }
        }
    }
}

/// Each breakpoint at an affine argument (the root of $a t + b = r$) with a bound on how far
/// its true position lies from the computed one.
pub(crate) fn breakpoint_errors(e: &Expr, out: &mut Vec<(f64, f64)>) {
    match e {
        Expr::Num(_) | Expr::Const { .. } | Expr::Var(_) => {}
        Expr::Neg(a) => breakpoint_errors(a, out),
        Expr::Add(a, b) | Expr::Sub(a, b) | Expr::Mul(a, b) | Expr::Pow(a, b) | Expr::Div(a, b) => {
            breakpoint_errors(a, out);
            breakpoint_errors(b, out);
        }
        Expr::Call(f, u) => {
            breakpoint_errors(u, out);
            let roots: &[f64] = match f {
                Func::Step | Func::Sign | Func::Abs | Func::Sqrt => &[0.0],
                Func::Rect => &[-0.5, 0.5],
                Func::Tri => &[-1.0, 0.0, 1.0],
                _ => &[],
            };
            if let Some(((a, ea), (b, eb))) = affine_with_error(u)
                && a != 0.0
                && ea < 0.5 * a.abs()
            {
                for r in roots {
                    // p = (r − b)/a: the coefficients' errors, and the two roundings exactly
                    // (zero for rect(t)'s ±0.5: exact ends meet exactly).
                    let d = r - b;
                    let p = d / a;
                    let sub = crate::quadrature::two_sum_error(*r, -b);
                    let div = p.mul_add(a, -d);
                    let err =
                        (eb + p.abs() * ea) / (a.abs() - ea) + ((sub - div) / a).abs() * 1.0000001;
                    if p.is_finite() && err.is_finite() {
                        out.push((p, err));
                    }
                }
            }
        }
    }
}

/// `e` as $a t^2 + b t + c$ (with $a \ne 0$) when it is such a quadratic.
pub(crate) fn quadratic(e: &Expr) -> Option<(f64, f64, f64)> {
    fn q(e: &Expr) -> Option<(f64, f64, f64)> {
        if let Some((a, b)) = affine(e) {
            return Some((0.0, a, b));
        }
        Some(match e {
            Expr::Neg(a) => {
                let (x, y, z) = q(a)?;
                (-x, -y, -z)
            }
            Expr::Add(a, b) => {
                let ((x, y, z), (u, v, w)) = (q(a)?, q(b)?);
                (x + u, y + v, z + w)
            }
            Expr::Sub(a, b) => {
                let ((x, y, z), (u, v, w)) = (q(a)?, q(b)?);
                (x - u, y - v, z - w)
            }
            Expr::Mul(a, b) => {
                let ((x, y, z), (u, v, w)) = (q(a)?, q(b)?);
                let deg = |a: f64, b: f64| {
                    if a != 0.0 {
                        2
                    } else if b != 0.0 {
                        1
                    } else {
                        0
                    }
                };
                if deg(x, y) + deg(u, v) > 2 {
                    return None;
                }
                (x * w + u * z + y * v, y * w + v * z, z * w)
            }
            Expr::Div(a, b) => {
                let (x, y, z) = q(a)?;
                let s = b.constant_value().filter(|s| *s != 0.0)?;
                (x / s, y / s, z / s)
            }
            Expr::Pow(a, b) if b.constant_value() == Some(2.0) => {
                let (p, r) = affine(a)?;
                (p * p, 2.0 * p * r, r * r)
            }
            _ => return None,
        })
    }
    q(e).filter(|(a, _, _)| *a != 0.0)
}

impl Expr {
    /// An interval outside of which the expression is exactly zero (with respect to `t`).
    ///
    /// Rules: `rect(u)` lives where $|u| \le \tfrac12$, `tri(u)` where $|u| \le 1$, `step(u)`
    /// where $u \ge 0$, each mapped exactly through an affine argument $u = a t + b$ (either
    /// sign of $a$); products intersect, sums take the hull, a quotient takes its numerator's,
    /// functions with $f(0) = 0$ keep their argument's. Anything else (a non-affine argument
    /// of a jump) is conservatively the whole line: never too small.
    ///
    /// ```
    /// # use flipshift_continuous::Expr;
    /// let s = Expr::parse("exp(-t)*step(t - 2)*rect((t - 3)/4)")?.support();
    /// assert_eq!((s.a(), s.b()), (2.0, 5.0));
    /// let s = Expr::parse("step(1 - t)")?.support();
    /// assert_eq!((s.a(), s.b()), (f64::NEG_INFINITY, 1.0));
    /// # Ok::<(), flipshift_continuous::ContinuousError>(())
    /// ```
    pub fn support(&self) -> Interval {
        match support_range(self) {
            Range::Span(a, b) if a < b => Interval::new(a, b).unwrap_or(Interval::real_line()),
            // A single point or nothing: zero almost everywhere; any tiny interval will do.
            Range::Span(a, _) if a.is_finite() => {
                Interval::new(a, a.next_up()).unwrap_or(Interval::real_line())
            }
            _ => Interval::new(0.0, f64::MIN_POSITIVE).unwrap_or(Interval::real_line()),
        }
    }

    /// Points (in `t`) where the expression or its derivative may jump: the jumps of `step`,
    /// `rect`, `sgn`, the kinks of `tri`, `abs` and the root of `sqrt`, at affine or quadratic
    /// arguments, and the poles of affine denominators; sorted, without duplicates, finite.
    pub fn breakpoints(&self) -> Vec<f64> {
        let mut out = Vec::new();
        collect_breakpoints(self, &mut out);
        out.retain(|v| v.is_finite());
        out.sort_by(f64::total_cmp);
        out.dedup();
        out
    }
}
