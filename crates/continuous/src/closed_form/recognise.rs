//! Reading an expression as a finite sum of *atoms*
//! $c\\,p(t)\\,e^{q(t)}\\,\mathbf 1_{[lo, hi]}(t)$ with $p$ a polynomial and $q$ of degree at
//! most 2, and sorting the atoms into the families that convolve in closed form.
//!
//! Every number is a [`Ball`]: the expression's own numbers enter with the uncertainty of their
//! decimal form (exact when they are integers or short binary fractions), constants such as
//! $\pi$ and $\ln c$ are computed to double-double precision, and nothing is folded in `f64`.

use super::ball::{self, Ball, Dd};
use super::operand::{GaussTerm, Kind, Piece, Reject};
use super::poly;
use crate::symbolic::{Expr, Func};

/// Most atoms one operand may expand to.
pub(super) const MAX_ATOMS: usize = 256;
/// Highest polynomial degree an atom may carry.
pub(super) const MAX_DEGREE: usize = 40;
/// Highest integer power expanded.
const MAX_POWER: f64 = 16.0;

type R<T> = std::result::Result<T, Reject>;

fn unsupported<T>(what: impl Into<String>) -> R<T> {
    Err(Reject::Unsupported(what.into()))
}

const INF: f64 = f64::INFINITY;

/// A polynomial $\sum_k c_k (t - \text{centre})^k$, kept about a centre of its own so that
/// factors such as $(t - 3)^4$ stay exact.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct CPoly {
    pub centre: Ball,
    pub k: Vec<Ball>,
}

impl CPoly {
    fn constant(c: Ball) -> CPoly {
        CPoly {
            centre: Ball::ZERO,
            k: vec![c],
        }
    }

    fn t() -> CPoly {
        CPoly {
            centre: Ball::ZERO,
            k: vec![Ball::ZERO, Ball::ONE],
        }
    }

    pub fn degree(&self) -> usize {
        poly::degree(&self.k)
    }

    fn is_zero(&self) -> bool {
        poly::is_zero(&self.k)
    }

    /// Coefficients about `c`.
    pub fn about(&self, c: Ball) -> Vec<Ball> {
        if self.degree() == 0 || c == self.centre {
            self.k.clone()
        } else {
            poly::shift(&self.k, c - self.centre)
        }
    }

    /// Trim, and centre an affine polynomial about 0 at its root: $a t + b = a (t - r)$. (One
    /// already about a centre of its own keeps it: re-rooting it would form the difference of
    /// two copies of one uncertain number, whose ball is wider than the truth.)
    fn normalised(mut self) -> CPoly {
        poly::trim(&mut self.k);
        if self.k.is_empty() {
            self.k.push(Ball::ZERO);
        }
        if self.k.len() == 2
            && self.centre.is_zero()
            && !self.k[0].is_zero()
            && !self.k[1].mid_is_zero()
        {
            let root = self.centre - self.k[0] / self.k[1];
            if root.is_finite() {
                self.centre = root;
                self.k[0] = Ball::ZERO;
            }
        }
        if self.degree() == 0 {
            self.centre = Ball::ZERO;
            self.k.truncate(1);
        }
        self
    }

    fn add(&self, o: &CPoly) -> CPoly {
        // Re-expand the lower-degree term about the other's centre: re-expanding a high degree
        // about a distant centre (an affine term's root, say) cancels.
        let (base, other) = if o.degree() > self.degree() {
            (o, self)
        } else {
            (self, o)
        };
        let mut k = base.k.clone();
        poly::add(&mut k, &other.about(base.centre));
        CPoly {
            centre: base.centre,
            k,
        }
        .normalised()
    }

    fn mul(&self, o: &CPoly) -> CPoly {
        // As in `add`: the lower degree is re-expanded.
        let (base, other) = if o.degree() > self.degree() {
            (o, self)
        } else {
            (self, o)
        };
        CPoly {
            centre: base.centre,
            k: poly::mul(&base.k, &other.about(base.centre)),
        }
        .normalised()
    }

    fn scale(&self, s: Ball) -> CPoly {
        CPoly {
            centre: self.centre,
            k: self.k.iter().map(|&c| c * s).collect(),
        }
        .normalised()
    }

    fn is_finite(&self) -> bool {
        self.centre.is_finite() && self.k.iter().all(|c| c.is_finite())
    }
}

/// $p(t)\\, e^{q(t)}$ on $[lo, hi]$ (ends may be infinite).
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Atom {
    pub p: CPoly,
    pub q: CPoly,
    pub lo: Ball,
    pub hi: Ball,
}

impl Atom {
    fn poly(p: CPoly) -> Atom {
        Atom {
            p,
            q: CPoly::constant(Ball::ZERO),
            lo: Ball::exact(-INF),
            hi: Ball::exact(INF),
        }
    }

    fn is_plain_polynomial(&self) -> bool {
        self.q.is_zero() && self.lo.mid() == -INF && self.hi.mid() == INF
    }

    fn times(&self, o: &Atom) -> R<Option<Atom>> {
        let lo = if self.lo.cmp_mid(&o.lo).is_ge() {
            self.lo
        } else {
            o.lo
        };
        let hi = if self.hi.cmp_mid(&o.hi).is_le() {
            self.hi
        } else {
            o.hi
        };
        if !lo.cmp_mid(&hi).is_lt() {
            return Ok(None);
        }
        let p = self.p.mul(&o.p);
        if p.degree() > MAX_DEGREE {
            return Err(Reject::TooLarge(format!(
                "a polynomial factor of degree {} (at most {MAX_DEGREE})",
                p.degree()
            )));
        }
        let q = self.q.add(&o.q);
        if q.degree() > 2 {
            return unsupported("an exponential of a polynomial of degree above 2");
        }
        Ok(Some(Atom { p, q, lo, hi }))
    }
}

/// Two atoms with the same exponent and window (midpoints and radii).
fn same_frame(a: &Atom, b: &Atom) -> bool {
    a.q == b.q && a.lo == b.lo && a.hi == b.hi
}

/// Add up atoms that share exponent and window, so that a polynomial written as a sum, such as
/// $(t - 0.37)^3$, is one polynomial about its own centre rather than a sum of monomials about
/// 0.
fn combine(v: Vec<Atom>) -> Vec<Atom> {
    let mut out: Vec<Atom> = Vec::with_capacity(v.len());
    for a in v {
        if let Some(slot) = out.iter_mut().find(|o| same_frame(o, &a)) {
            slot.p = slot.p.add(&a.p);
        } else {
            out.push(a);
        }
    }
    out.retain(|a| !a.p.is_zero());
    out
}

fn check_count(v: &[Atom]) -> R<()> {
    if v.len() > MAX_ATOMS {
        return Err(Reject::TooLarge(format!(
            "{} terms after expansion (at most {MAX_ATOMS})",
            v.len()
        )));
    }
    if v.iter().any(|a| !a.p.is_finite() || !a.q.is_finite()) {
        return Err(Reject::NonFinite);
    }
    Ok(())
}

fn product(a: &[Atom], b: &[Atom]) -> R<Vec<Atom>> {
    if a.len().saturating_mul(b.len()) > MAX_ATOMS {
        return Err(Reject::TooLarge(format!(
            "a product of {} by {} terms (at most {MAX_ATOMS} in all)",
            a.len(),
            b.len()
        )));
    }
    let mut out = Vec::with_capacity(a.len() * b.len());
    for x in a {
        for y in b {
            if let Some(z) = x.times(y)? {
                out.push(z);
            }
        }
    }
    let out = combine(out);
    check_count(&out)?;
    Ok(out)
}

/// The value of an expression free of `t` as a ball: numbers with the uncertainty of their
/// decimal form, $\pi$ and $e$ to double-double precision, `exp`, `log`, `sqrt` and powers in
/// ball arithmetic; other functions at the `f64` value with a few ulps. `None` if a free name
/// other than `t` remains.
pub(super) fn const_ball(e: &Expr) -> Option<Ball> {
    Some(match e {
        Expr::Num(v) => Ball::literal(*v),
        Expr::Const { name, value } => match name.as_str() {
            "pi" => Ball::from_dd(ball::PI, 0.0),
            "e" => Ball::ONE.exp(),
            _ => Ball::literal(*value),
        },
        Expr::Var(_) => return None,
        Expr::Neg(a) => -const_ball(a)?,
        Expr::Add(a, b) => const_ball(a)? + const_ball(b)?,
        Expr::Sub(a, b) => const_ball(a)? - const_ball(b)?,
        Expr::Mul(a, b) => const_ball(a)? * const_ball(b)?,
        Expr::Div(a, b) => const_ball(a)? / const_ball(b)?,
        Expr::Pow(a, b) => {
            let (x, y) = (const_ball(a)?, const_ball(b)?);
            let n = y.mid();
            if y.r == 0.0 && n.fract() == 0.0 && n.abs() <= 64.0 {
                let p = x.powi(n.abs() as u32);
                if n < 0.0 { Ball::ONE / p } else { p }
            } else if x.mid() > 0.0 {
                (y * x.ln()).exp()
            } else {
                let v = e.constant_value()?;
                Ball::from_dd(Dd::new(v), f64::INFINITY)
            }
        }
        Expr::Call(f, a) => {
            let x = const_ball(a)?;
            match f {
                Func::Exp => x.exp(),
                Func::Log => x.ln(),
                Func::Sqrt => x.sqrt(),
                Func::Abs => x.abs(),
                _ => {
                    let v = e.constant_value()?;
                    // Outside exp/log/sqrt the value is known to libm's accuracy, and the
                    // argument's own uncertainty is not propagated: refuse a closed form
                    // built on it unless it is exact.
                    let r = if x.r == 0.0 {
                        4.0 * f64::EPSILON * v.abs()
                    } else {
                        f64::INFINITY
                    };
                    Ball::from_dd(Dd::new(v), r)
                }
            }
        }
    })
}

/// The expression as a single polynomial in `t` (no windows, no exponentials).
fn polynomial(e: &Expr) -> R<CPoly> {
    let atoms = atoms(e)?;
    let mut acc = CPoly::constant(Ball::ZERO);
    for a in &atoms {
        if !a.is_plain_polynomial() {
            return unsupported(format!("a non-polynomial argument {e}"));
        }
        acc = acc.add(&a.p);
    }
    Ok(acc)
}

/// $u = a (t - c)$ for an affine argument with $a \ne 0$; `None` if constant.
fn affine(e: &Expr, f: Func) -> R<Option<(Ball, Ball)>> {
    let u = polynomial(e)?;
    match u.degree() {
        0 => Ok(None),
        1 => {
            let k0 = u.k.first().copied().unwrap_or(Ball::ZERO);
            Ok(Some((u.k[1], u.centre - k0 / u.k[1])))
        }
        _ => unsupported(format!("{}(u) with u not affine in t", f.name())),
    }
}

/// Atoms of $f(u)$ for a piecewise-polynomial $f$ of an affine $u = a (t - c)$: each
/// `(u_lo, u_hi, g)` says $f(u) = g(u)$ for $u \in [u_lo, u_hi]$, with $g$ as coefficients in $u$.
fn pieces_of(a: Ball, c: Ball, parts: &[(f64, f64, &[f64])]) -> Vec<Atom> {
    let positive = a.mid() > 0.0;
    parts
        .iter()
        .filter_map(|&(ulo, uhi, g)| {
            // t = c + u / a (an infinite u stays infinite, with the sign of a).
            let end = |u: f64| {
                if u.is_infinite() {
                    Ball::exact(if positive { u } else { -u })
                } else {
                    c + Ball::exact(u) / a
                }
            };
            let (x, y) = (end(ulo), end(uhi));
            let (lo, hi) = if positive { (x, y) } else { (y, x) };
            // g(u) = g(a (t - c)): coefficients about c scale by a^k.
            let mut s = Ball::ONE;
            let k = g
                .iter()
                .map(|&gk| {
                    let v = Ball::exact(gk) * s;
                    s = s * a;
                    v
                })
                .collect();
            lo.cmp_mid(&hi).is_lt().then(|| Atom {
                p: CPoly { centre: c, k }.normalised(),
                q: CPoly::constant(Ball::ZERO),
                lo,
                hi,
            })
        })
        .collect()
}

/// The expression as a sum of atoms.
pub(super) fn atoms(e: &Expr) -> R<Vec<Atom>> {
    if !e.depends_on("t") {
        return match const_ball(e) {
            Some(v) if v.is_finite() => Ok(if v.is_zero() {
                Vec::new()
            } else {
                vec![Atom::poly(CPoly::constant(v))]
            }),
            Some(_) => Err(Reject::NonFinite),
            None => {
                let names: Vec<String> = e.free_vars().into_iter().collect();
                unsupported(format!("the free variable(s) {}", names.join(", ")))
            }
        };
    }
    match e {
        Expr::Var(_) => Ok(vec![Atom::poly(CPoly::t())]),
        Expr::Num(_) | Expr::Const { .. } => Ok(Vec::new()), // constant: handled above
        Expr::Neg(a) => Ok(atoms(a)?
            .into_iter()
            .map(|mut x| {
                x.p = x.p.scale(-Ball::ONE);
                x
            })
            .collect()),
        Expr::Add(a, b) | Expr::Sub(a, b) => {
            let mut out = atoms(a)?;
            let negate = matches!(e, Expr::Sub(..));
            out.extend(atoms(b)?.into_iter().map(|mut x| {
                if negate {
                    x.p = x.p.scale(-Ball::ONE);
                }
                x
            }));
            let out = combine(out);
            check_count(&out)?;
            Ok(out)
        }
        Expr::Mul(a, b) => product(&atoms(a)?, &atoms(b)?),
        Expr::Div(a, b) => {
            if b.depends_on("t") {
                return unsupported(format!("division by {b}, a function of t"));
            }
            let d = match const_ball(b) {
                Some(d) if d.is_finite() && d.mag() > 0.0 && d.m.hi.abs() > d.r => d,
                _ => return unsupported(format!("division by {b}")),
            };
            let inv = Ball::ONE / d;
            let out: Vec<Atom> = atoms(a)?
                .into_iter()
                .map(|mut x| {
                    x.p = x.p.scale(inv);
                    x
                })
                .collect();
            check_count(&out)?;
            Ok(out)
        }
        Expr::Pow(a, b) => {
            if !b.depends_on("t") {
                let n = match b.constant_value() {
                    Some(n) if n.fract() == 0.0 && (0.0..=MAX_POWER).contains(&n) => n as usize,
                    _ => return unsupported(format!("the power {e} (only 0..=16)")),
                };
                let base = atoms(a)?;
                let mut acc = vec![Atom::poly(CPoly::constant(Ball::ONE))];
                for _ in 0..n {
                    acc = product(&acc, &base)?;
                }
                return Ok(acc);
            }
            // c^u = e^{u ln c} for a constant c > 0.
            match const_ball(a) {
                Some(c) if !a.depends_on("t") && c.m.hi > c.r && c.is_finite() => {
                    let q = polynomial(b)?.scale(c.ln());
                    exp_of(q)
                }
                _ => unsupported(format!("the power {e}")),
            }
        }
        Expr::Call(f, u) => call_atoms(*f, u),
    }
}

fn exp_of(q: CPoly) -> R<Vec<Atom>> {
    if q.degree() > 2 {
        return unsupported("an exponential of a polynomial of degree above 2");
    }
    Ok(vec![Atom {
        p: CPoly::constant(Ball::ONE),
        q,
        lo: Ball::exact(-INF),
        hi: Ball::exact(INF),
    }])
}

fn call_atoms(f: Func, u: &Expr) -> R<Vec<Atom>> {
    if f == Func::Exp {
        return exp_of(polynomial(u)?);
    }
    if !matches!(
        f,
        Func::Gauss | Func::Step | Func::Rect | Func::Tri | Func::Abs | Func::Sign
    ) {
        return unsupported(format!("{}(·) of a function of t", f.name()));
    }
    let Some((a, c)) = affine(u, f)? else {
        // A constant argument written with t (such as t - t).
        let k = polynomial(u)?.k[0];
        let v = f.apply(k.mid());
        if k.r > 0.0 {
            return unsupported(format!("{}(·) of an uncertain constant", f.name()));
        }
        return if v.is_finite() {
            Ok(if v == 0.0 {
                Vec::new()
            } else {
                vec![Atom::poly(CPoly::constant(Ball::exact(v)))]
            })
        } else {
            Err(Reject::NonFinite)
        };
    };
    if !(a.is_finite() && c.is_finite()) {
        return Err(Reject::NonFinite);
    }
    Ok(match f {
        Func::Gauss => {
            // e^{-u²/2}/√(2π) with u = a (t - c).
            let norm = Ball::ONE / (Ball::from_dd(ball::PI, 0.0) * 2.0).sqrt();
            vec![Atom {
                p: CPoly::constant(norm),
                q: CPoly {
                    centre: c,
                    k: vec![Ball::ZERO, Ball::ZERO, -(a * a).scale(0.5)],
                },
                lo: Ball::exact(-INF),
                hi: Ball::exact(INF),
            }]
        }
        Func::Step => pieces_of(a, c, &[(0.0, INF, &[1.0])]),
        Func::Rect => pieces_of(a, c, &[(-0.5, 0.5, &[1.0])]),
        Func::Tri => pieces_of(a, c, &[(-1.0, 0.0, &[1.0, 1.0]), (0.0, 1.0, &[1.0, -1.0])]),
        Func::Abs => pieces_of(a, c, &[(-INF, 0.0, &[0.0, -1.0]), (0.0, INF, &[0.0, 1.0])]),
        _ => pieces_of(a, c, &[(-INF, 0.0, &[-1.0]), (0.0, INF, &[1.0])]),
    })
}

/// Sort the atoms of `e` into a [`Kind`].
pub(super) fn classify(e: &Expr) -> R<Kind> {
    let atoms: Vec<Atom> = atoms(e)?.into_iter().filter(|a| !a.p.is_zero()).collect();
    let (mut gauss, mut pieces) = (Vec::new(), Vec::new());
    for a in atoms {
        let qk = &a.q.k;
        let coef = |i: usize| qk.get(i).copied().unwrap_or(Ball::ZERO);
        match a.q.degree() {
            2 => {
                let (q0, q1, q2) = (coef(0), coef(1), coef(2));
                if q2.m.hi + q2.r > 0.0 {
                    return unsupported("a growing Gaussian exp(+a t²)");
                }
                if a.lo.mid() != -INF || a.hi.mid() != INF {
                    return unsupported("a Gaussian times a window (its convolutions need erf)");
                }
                let alpha = -q2;
                // With no linear term the centre is the exponent's own (the same ball: no
                // difference of two copies of one uncertain number is formed).
                let (m, log_k) = if q1.is_zero() {
                    (a.q.centre, q0)
                } else {
                    (
                        a.q.centre + q1 / (alpha * 2.0),
                        q0 + q1 * q1 / (alpha * 4.0),
                    )
                };
                let k = log_k.exp();
                let p: Vec<Ball> = a.p.about(m).into_iter().map(|c| c * k).collect();
                if !(alpha.is_finite() && m.is_finite() && p.iter().all(|c| c.is_finite())) {
                    return Err(Reject::NonFinite);
                }
                gauss.push(GaussTerm { m, alpha, poly: p });
            }
            _ => {
                let anchor = if a.lo.mid().is_finite() {
                    a.lo
                } else if a.hi.mid().is_finite() {
                    a.hi
                } else {
                    a.p.centre
                };
                let q1 = coef(1);
                let log_k = coef(0) + q1 * (anchor - a.q.centre);
                let k = log_k.exp();
                let p: Vec<Ball> = a.p.about(anchor).into_iter().map(|c| c * k).collect();
                let rate = -q1;
                if !(rate.is_finite() && anchor.is_finite() && p.iter().all(|c| c.is_finite())) {
                    return Err(Reject::NonFinite);
                }
                pieces.push(Piece {
                    lo: a.lo,
                    hi: a.hi,
                    anchor,
                    rate,
                    poly: p,
                });
            }
        }
    }
    Ok(match (gauss.is_empty(), pieces.is_empty()) {
        (true, true) => Kind::Zero,
        (false, true) => Kind::Gaussian(super::gaussian::merge(gauss)),
        (true, false) => Kind::Pieces(super::piecewise::merge(pieces)),
        (false, false) => Kind::Mixed,
    })
}
