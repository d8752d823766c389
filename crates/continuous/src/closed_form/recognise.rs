//! Reading an expression as a finite sum of *atoms*
//! $c\\,p(t)\\,e^{q(t)}\\,\mathbf 1_{[lo, hi]}(t)$ with $p$ a polynomial and $q$ of degree at
//! most 2, and sorting the atoms into the families that convolve in closed form.

use super::gaussian::GaussTerm;
use super::piecewise::Piece;
use super::poly;
use crate::symbolic::{Expr, Func};

/// Most atoms one operand may expand to.
pub(super) const MAX_ATOMS: usize = 256;
/// Highest polynomial degree an atom may carry.
pub(super) const MAX_DEGREE: usize = 40;
/// Highest integer power expanded.
const MAX_POWER: f64 = 16.0;

/// Why an operand is outside every family (mapped to the public error by the caller).
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Reject {
    /// A construct no family covers.
    Unsupported(String),
    /// Too many terms or too high a degree.
    TooLarge(String),
    /// A coefficient overflowed.
    NonFinite,
    /// The convolution integral does not converge.
    Divergent,
}

type R<T> = std::result::Result<T, Reject>;

fn unsupported<T>(what: impl Into<String>) -> R<T> {
    Err(Reject::Unsupported(what.into()))
}

/// A polynomial $\sum_k c_k (t - \text{centre})^k$, kept about a centre of its own so that
/// factors such as $(t - 3)^4$ stay exact.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct CPoly {
    pub centre: f64,
    pub k: Vec<f64>,
}

impl CPoly {
    fn constant(c: f64) -> CPoly {
        CPoly {
            centre: 0.0,
            k: vec![c],
        }
    }

    fn t() -> CPoly {
        CPoly {
            centre: 0.0,
            k: vec![0.0, 1.0],
        }
    }

    pub fn degree(&self) -> usize {
        poly::degree(&self.k)
    }

    fn is_zero(&self) -> bool {
        poly::is_zero(&self.k)
    }

    /// Coefficients about `c`.
    pub fn about(&self, c: f64) -> Vec<f64> {
        if self.degree() == 0 || c == self.centre {
            self.k.clone()
        } else {
            poly::shift(&self.k, c - self.centre)
        }
    }

    /// Trim, and centre an affine polynomial at its root: $a t + b = a (t - r)$.
    fn normalised(mut self) -> CPoly {
        poly::trim(&mut self.k);
        if self.k.is_empty() {
            self.k.push(0.0);
        }
        if self.k.len() == 2 && self.k[0] != 0.0 {
            let root = self.centre - self.k[0] / self.k[1];
            if root.is_finite() {
                self.centre = root;
                self.k[0] = 0.0;
            }
        }
        if self.degree() == 0 {
            self.centre = 0.0;
        }
        self
    }

    fn add(&self, o: &CPoly) -> CPoly {
        // Re-expand the lower-degree term about the other's centre: re-expanding a high degree
        // about a distant centre (an affine term's root, say) cancels badly.
        let (base, other) = if o.degree() > self.degree() {
            (o, self)
        } else {
            (self, o)
        };
        let mut k = base.k.clone();
        poly::add_scaled(&mut k, &other.about(base.centre), 1.0);
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

    fn scale(&self, s: f64) -> CPoly {
        CPoly {
            centre: self.centre,
            k: self.k.iter().map(|c| c * s).collect(),
        }
        .normalised()
    }

    fn divide(&self, s: f64) -> CPoly {
        CPoly {
            centre: self.centre,
            k: self.k.iter().map(|c| c / s).collect(),
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
    pub lo: f64,
    pub hi: f64,
}

impl Atom {
    fn poly(p: CPoly) -> Atom {
        Atom {
            p,
            q: CPoly::constant(0.0),
            lo: f64::NEG_INFINITY,
            hi: f64::INFINITY,
        }
    }

    fn is_plain_polynomial(&self) -> bool {
        self.q.is_zero() && self.lo == f64::NEG_INFINITY && self.hi == f64::INFINITY
    }

    fn times(&self, o: &Atom) -> R<Option<Atom>> {
        let (lo, hi) = (self.lo.max(o.lo), self.hi.min(o.hi));
        if lo.partial_cmp(&hi) != Some(std::cmp::Ordering::Less) {
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

/// Add up atoms that share exponent and window, so that a polynomial written as a sum, such as
/// $(t - 0.37)^3$, is one polynomial about its own centre rather than a sum of monomials about
/// 0 (whose re-expansion about $0.37$ would leave rounding noise in the low coefficients).
fn combine(v: Vec<Atom>) -> Vec<Atom> {
    let mut out: Vec<Atom> = Vec::with_capacity(v.len());
    for a in v {
        if let Some(slot) = out
            .iter_mut()
            .find(|o| o.q == a.q && o.lo == a.lo && o.hi == a.hi)
        {
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

/// The expression as a single polynomial in `t` (no windows, no exponentials).
fn polynomial(e: &Expr) -> R<CPoly> {
    let atoms = atoms(e)?;
    let mut acc = CPoly::constant(0.0);
    for a in &atoms {
        if !a.is_plain_polynomial() {
            return unsupported(format!("a non-polynomial argument {e}"));
        }
        acc = acc.add(&a.p);
    }
    Ok(acc)
}

/// $u = a (t - c)$ for an affine argument with $a \ne 0$; `None` if constant.
fn affine(e: &Expr, f: Func) -> R<Option<(f64, f64)>> {
    let u = polynomial(e)?;
    match u.degree() {
        0 => Ok(None),
        1 => Ok(Some((u.k[1], u.centre - u.k[0] / u.k[1]))),
        _ => unsupported(format!("{}(u) with u not affine in t", f.name())),
    }
}

/// Atoms of $f(u)$ for a piecewise-polynomial $f$ of an affine $u = a (t - c)$: each
/// `(u_lo, u_hi, g)` says $f(u) = g(u)$ for $u \in [u_lo, u_hi]$, with $g$ as coefficients in $u$.
fn pieces_of(a: f64, c: f64, parts: &[(f64, f64, &[f64])]) -> Vec<Atom> {
    parts
        .iter()
        .filter_map(|&(ulo, uhi, g)| {
            // t = c + u / a.
            let (x, y) = (c + ulo / a, c + uhi / a);
            let (lo, hi) = if a > 0.0 { (x, y) } else { (y, x) };
            // g(u) = g(a (t - c)): coefficients about c scale by a^k.
            let mut s = 1.0;
            let k = g
                .iter()
                .map(|&gk| {
                    let v = gk * s;
                    s *= a;
                    v
                })
                .collect();
            (lo < hi).then(|| Atom {
                p: CPoly { centre: c, k }.normalised(),
                q: CPoly::constant(0.0),
                lo,
                hi,
            })
        })
        .collect()
}

/// The expression as a sum of atoms.
pub(super) fn atoms(e: &Expr) -> R<Vec<Atom>> {
    if !e.depends_on("t") {
        return match e.constant_value() {
            Some(v) if v.is_finite() => Ok(if v == 0.0 {
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
                x.p = x.p.scale(-1.0);
                x
            })
            .collect()),
        Expr::Add(a, b) | Expr::Sub(a, b) => {
            let mut out = atoms(a)?;
            let sign = if matches!(e, Expr::Sub(..)) {
                -1.0
            } else {
                1.0
            };
            out.extend(atoms(b)?.into_iter().map(|mut x| {
                if sign < 0.0 {
                    x.p = x.p.scale(-1.0);
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
            let d = match b.constant_value() {
                Some(d) if d.is_finite() && d != 0.0 => d,
                _ => return unsupported(format!("division by {b}")),
            };
            let out: Vec<Atom> = atoms(a)?
                .into_iter()
                .map(|mut x| {
                    x.p = x.p.divide(d);
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
                let mut acc = vec![Atom::poly(CPoly::constant(1.0))];
                for _ in 0..n {
                    acc = product(&acc, &base)?;
                }
                return Ok(acc);
            }
            // c^u = e^{u ln c} for a constant c > 0.
            match a.constant_value() {
                Some(c) if !a.depends_on("t") && c > 0.0 && c.is_finite() => {
                    exp_atoms(&(b.as_ref().clone() * Expr::num(c.ln())))
                }
                _ => unsupported(format!("the power {e}")),
            }
        }
        Expr::Call(f, u) => call_atoms(*f, u),
    }
}

fn exp_atoms(u: &Expr) -> R<Vec<Atom>> {
    let q = polynomial(u)?;
    if q.degree() > 2 {
        return unsupported("an exponential of a polynomial of degree above 2");
    }
    Ok(vec![Atom {
        p: CPoly::constant(1.0),
        q,
        lo: f64::NEG_INFINITY,
        hi: f64::INFINITY,
    }])
}

fn call_atoms(f: Func, u: &Expr) -> R<Vec<Atom>> {
    const INF: f64 = f64::INFINITY;
    if f == Func::Exp {
        return exp_atoms(u);
    }
    if !matches!(
        f,
        Func::Gauss | Func::Step | Func::Rect | Func::Tri | Func::Abs | Func::Sign
    ) {
        return unsupported(format!("{}(·) of a function of t", f.name()));
    }
    let Some((a, c)) = affine(u, f)? else {
        // A constant argument written with t (such as t - t).
        let v = f.apply(polynomial(u)?.k[0]);
        return if v.is_finite() {
            Ok(if v == 0.0 {
                Vec::new()
            } else {
                vec![Atom::poly(CPoly::constant(v))]
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
            vec![Atom {
                p: CPoly::constant(crate::special::FRAC_1_SQRT_2PI),
                q: CPoly {
                    centre: c,
                    k: vec![0.0, 0.0, -0.5 * a * a],
                },
                lo: -INF,
                hi: INF,
            }]
        }
        Func::Step => pieces_of(a, c, &[(0.0, INF, &[1.0])]),
        Func::Rect => pieces_of(a, c, &[(-0.5, 0.5, &[1.0])]),
        Func::Tri => pieces_of(a, c, &[(-1.0, 0.0, &[1.0, 1.0]), (0.0, 1.0, &[1.0, -1.0])]),
        Func::Abs => pieces_of(a, c, &[(-INF, 0.0, &[0.0, -1.0]), (0.0, INF, &[0.0, 1.0])]),
        _ => pieces_of(a, c, &[(-INF, 0.0, &[-1.0]), (0.0, INF, &[1.0])]),
    })
}

/// What one operand is, once its atoms are sorted.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Kind {
    /// Identically zero.
    Zero,
    /// Polynomials times Gaussians on the whole line.
    Gaussian(Vec<GaussTerm>),
    /// Exponential-polynomial pieces on intervals.
    Pieces(Vec<Piece>),
    /// Both of the above (no closed form against anything nonzero).
    Mixed,
}

/// Sort the atoms of `e` into a [`Kind`].
pub(super) fn classify(e: &Expr) -> R<Kind> {
    let atoms: Vec<Atom> = atoms(e)?.into_iter().filter(|a| !a.p.is_zero()).collect();
    let (mut gauss, mut pieces) = (Vec::new(), Vec::new());
    for a in atoms {
        let qk = &a.q.k;
        match a.q.degree() {
            2 => {
                let (q0, q1, q2) = (qk[0], qk[1], qk[2]);
                if q2 > 0.0 {
                    return unsupported("a growing Gaussian exp(+a t²)");
                }
                if a.lo != f64::NEG_INFINITY || a.hi != f64::INFINITY {
                    return unsupported("a Gaussian times a window (its convolutions need erf)");
                }
                let alpha = -q2;
                let m = a.q.centre + q1 / (2.0 * alpha);
                let log_k = q0 + q1 * q1 / (4.0 * alpha);
                let k = log_k.exp();
                let p: Vec<f64> = a.p.about(m).into_iter().map(|c| c * k).collect();
                if !(alpha.is_finite() && m.is_finite() && p.iter().all(|c| c.is_finite())) {
                    return Err(Reject::NonFinite);
                }
                gauss.push(GaussTerm { m, alpha, poly: p });
            }
            _ => {
                let anchor = if a.lo.is_finite() {
                    a.lo
                } else if a.hi.is_finite() {
                    a.hi
                } else {
                    a.p.centre
                };
                let q1 = if qk.len() > 1 { qk[1] } else { 0.0 };
                let log_k = qk[0] + q1 * (anchor - a.q.centre);
                let k = log_k.exp();
                let p: Vec<f64> = a.p.about(anchor).into_iter().map(|c| c * k).collect();
                let rate = -q1 + 0.0;
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
