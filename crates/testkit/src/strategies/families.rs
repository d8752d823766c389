//! Pairs from the closed-form families — piecewise polynomials, exponentials times
//! polynomials, Gaussians times polynomials — written as a user would write them, with the
//! points to compare at.

use super::{Bytes, decimal, from_bytes};
use proptest::prelude::*;

/// The family a pair is drawn from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// Polynomials on windows (`rect`, `step·step`, `tri`, a sign window, Chebyshev
    /// polynomials in monomials, which cancel near the window's ends).
    Piecewise,
    /// One-sided exponentials times powers, and windowed polynomials times exponentials.
    Exponential,
    /// Polynomials times Gaussians (`exp(-u^2/2)` or `gauss(u)`).
    Gaussian,
}

/// The ranges the parameters are drawn from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limits {
    /// Highest polynomial degree.
    pub max_degree: usize,
    /// Narrowest and widest width (or decay length), drawn log-uniformly.
    pub widths: (f64, f64),
    /// Largest |centre|; a centre is 0, within a few widths of 0, or anywhere in this range.
    pub max_centre: f64,
    /// The most members summed in one operand.
    pub max_terms: usize,
    /// Points to compare at.
    pub points: usize,
}

impl Limits {
    /// What the fuzz target draws from: degrees to 8, widths 1e-3 to 1e2, centres to 1e3, one
    /// point per pair (quadrature is most of the cost of an execution).
    pub const FUZZ: Limits = Limits {
        max_degree: 8,
        widths: (1e-3, 1e2),
        max_centre: 1e3,
        max_terms: 2,
        points: 1,
    };
    /// What the proptest run in `cargo test` draws from: the same space.
    pub const TEST: Limits = Limits::FUZZ;
}

/// One member of a family, as text, with where it lives.
#[derive(Debug, Clone, PartialEq)]
pub struct Member {
    /// The expression.
    pub expr: String,
    /// Its centre (a window's middle, an exponential's start, a Gaussian's mean).
    pub centre: f64,
    /// Its width, decay length or standard deviation.
    pub width: f64,
}

/// Two operands from one family and the points to compare their convolution at.
#[derive(Clone, PartialEq)]
pub struct FamilyPair {
    /// The family both operands are drawn from.
    pub family: Family,
    /// The kernel (a sum of members).
    pub h: String,
    /// The signal.
    pub x: String,
    /// The points.
    pub t: Vec<f64>,
    /// The relative tolerance to ask quadrature for.
    pub tol: f64,
}

impl std::fmt::Debug for FamilyPair {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{:?} pair\n  h = {}\n  x = {}\n  t = {:?}\n  tol = {:e}",
            self.family, self.h, self.x, self.t, self.tol
        )
    }
}

/// A coefficient of modest size, with 3, 6 or 17 significant digits.
fn coefficient(b: &mut Bytes<'_>) -> String {
    let digits = b.pick(&[3, 6, 17]);
    // Zero bytes give 1: the simplest coefficient.
    let v = if b.one_in(8) {
        0.0
    } else {
        1.0 - 3.0 * b.unit()
    };
    decimal(if v == 0.0 { 0.0 } else { v }, digits)
}

fn width(b: &mut Bytes<'_>, l: &Limits) -> f64 {
    // A quarter of the widths are 1; zero bytes give the narrowest.
    if b.one_in(4) {
        return 1.0;
    }
    let w = b.log_uniform(l.widths.0, l.widths.1);
    decimal(w, b.pick(&[3, 6, 17])).parse().unwrap_or(w)
}

fn centre(b: &mut Bytes<'_>, w: f64, l: &Limits) -> f64 {
    let c = match b.below(10) {
        0..=3 => 0.0,
        4..=7 => b.uniform(-3.0, 3.0) * w,
        _ => b.uniform(-l.max_centre, l.max_centre),
    };
    decimal(c, b.pick(&[6, 17]))
        .trim_matches(['(', ')'])
        .parse()
        .unwrap_or(c)
}

/// `(t − c)`, or `t` for c = 0.
fn local(c: f64) -> String {
    if c == 0.0 {
        "t".into()
    } else {
        format!("({})", bare(c))
    }
}

/// `t − c` without parentheses, or `t` for c = 0.
fn bare(c: f64) -> String {
    if c == 0.0 {
        "t".into()
    } else {
        format!("t - {}", decimal(c, 17))
    }
}

/// `(a0 + a1*u + … + ad*u^d)`.
fn poly(b: &mut Bytes<'_>, degree: usize, u: &str) -> String {
    let terms: Vec<String> = (0..=degree)
        .map(|k| {
            let a = coefficient(b);
            match k {
                0 => a,
                1 => format!("{a}*{u}"),
                _ => format!("{a}*{u}^{k}"),
            }
        })
        .collect();
    format!("({})", terms.join(" + "))
}

/// The Chebyshev polynomial $T_d(u)$ in monomials: integer coefficients that cancel to
/// $|T_d| \le 1$ on the window.
fn chebyshev(d: usize, u: &str) -> String {
    let mut c: Vec<Vec<i64>> = vec![vec![1], vec![0, 1]];
    for n in 2..=d.max(1) {
        let mut next = vec![0i64; n + 1];
        for (i, v) in c[n - 1].iter().enumerate() {
            next[i + 1] += 2 * v;
        }
        for (i, v) in c[n - 2].iter().enumerate() {
            next[i] -= v;
        }
        c.push(next);
    }
    let terms: Vec<String> = c[d.max(1)]
        .iter()
        .enumerate()
        .filter(|(_, v)| **v != 0)
        .map(|(k, v)| match k {
            0 => format!("{v}"),
            1 => format!("{v}*{u}"),
            _ => format!("{v}*{u}^{k}"),
        })
        .collect();
    format!("({})", terms.join(" + ")).replace("+ -", "- ")
}

fn degree(b: &mut Bytes<'_>, l: &Limits) -> usize {
    // Low degrees are the common case; every degree up to the limit is reachable.
    match b.below(4) {
        0 | 1 => b.below(3).min(l.max_degree),
        _ => b.below(l.max_degree + 1),
    }
}

/// A piecewise polynomial on a window of half-width w about c.
fn piecewise(b: &mut Bytes<'_>, l: &Limits) -> Member {
    let w = width(b, l);
    let c = centre(b, w, l);
    let u = format!("({}/{})", local(c), decimal(w, 17));
    let expr = match b.below(6) {
        0 | 1 => {
            let d = degree(b, l);
            format!("{}*rect({u}/2)", poly(b, d, &u))
        }
        2 => format!("tri({u})"),
        3 => format!("(2*step({}) - 1)*rect({u}/2)", bare(c)),
        4 => {
            let d = degree(b, l).max(1);
            format!("{}*{}*rect({u}/2)", coefficient(b), chebyshev(d, &u))
        }
        _ => {
            let d = degree(b, l);
            let (lo, hi) = (c - w, c + w);
            format!(
                "{}*step(t - {})*step({} - t)",
                poly(b, d, &u),
                decimal(lo, 17),
                decimal(hi, 17)
            )
        }
    };
    Member {
        expr,
        centre: c,
        width: w,
    }
}

/// A one-sided exponential times a power of its local variable, or a windowed polynomial
/// times an exponential.
fn exponential(b: &mut Bytes<'_>, l: &Limits) -> Member {
    let d = width(b, l);
    let c = centre(b, d, l);
    let (loc, ds) = (local(c), decimal(d, 17));
    let k = b.below(l.max_degree.min(4) + 1);
    let power = if k == 0 {
        String::new()
    } else {
        format!("({loc}/{ds})^{k}*")
    };
    let a = coefficient(b);
    let expr = match b.below(8) {
        0..=4 => format!("{a}*{power}exp(-{loc}/{ds})*step({})", bare(c)),
        5 | 6 => format!("{a}*{power}exp({loc}/{ds})*step({} - t)", decimal(c, 17)),
        _ => {
            let u = format!("({loc}/{ds})");
            let rate = decimal(b.uniform(-3.0, 3.0), 6);
            let d = degree(b, l);
            format!("{}*exp({rate}*{u})*rect({u}/2)", poly(b, d, &u))
        }
    };
    Member {
        expr,
        centre: c,
        width: d,
    }
}

/// A polynomial times a Gaussian, or a scaled `gauss`.
fn gaussian(b: &mut Bytes<'_>, l: &Limits) -> Member {
    let w = width(b, l);
    let c = centre(b, w, l);
    let (loc, ws) = (local(c), decimal(w, 17));
    let a = coefficient(b);
    let expr = if b.one_in(3) {
        format!("{a}*gauss({loc}/{ws})")
    } else {
        let d = degree(b, l);
        let p = if d == 0 {
            String::new()
        } else {
            format!("{}*", poly(b, d, &format!("({loc}/{ws})")))
        };
        format!("{a}*{p}exp(-{loc}^2/(2*{ws}^2))")
    };
    Member {
        expr,
        centre: c,
        width: w,
    }
}

fn member(b: &mut Bytes<'_>, family: Family, l: &Limits) -> Member {
    match family {
        Family::Piecewise => piecewise(b, l),
        Family::Exponential => exponential(b, l),
        Family::Gaussian => gaussian(b, l),
    }
}

fn operand(b: &mut Bytes<'_>, family: Family, l: &Limits) -> Vec<Member> {
    let n = 1 + b.below(l.max_terms);
    (0..n).map(|_| member(b, family, l)).collect()
}

/// A pair from one family within `l`, and points where its convolution is interesting: in
/// the bulk, next to where pieces of the two operands meet, and far out.
pub fn pair(b: &mut Bytes<'_>, l: &Limits) -> FamilyPair {
    let family = b.pick(&[Family::Piecewise, Family::Exponential, Family::Gaussian]);
    let (hs, xs) = (operand(b, family, l), operand(b, family, l));
    let join = |v: &[Member]| {
        v.iter()
            .map(|m| m.expr.as_str())
            .collect::<Vec<_>>()
            .join(" + ")
    };
    // Where the convolution lives: the sum of the centres, give or take the sum of the widths.
    let (mh, mx) = (&hs[b.below(hs.len())], &xs[b.below(xs.len())]);
    let (c, w) = (mh.centre + mx.centre, mh.width + mx.width);
    let t = (0..l.points)
        .map(|_| match b.below(8) {
            0..=3 => c + w * b.uniform(-1.5, 1.5),
            // Next to the sum of two piece ends, a few ulps to 1e-3 widths off.
            4..=6 => {
                let end =
                    c + b.pick(&[-1.0, 1.0]) * mh.width + b.pick(&[-1.0, 0.0, 1.0]) * mx.width;
                end + b.pick(&[-1.0, 1.0]) * w * b.pick(&[0.0, 1e-15, 1e-12, 1e-9, 1e-6, 1e-3])
            }
            _ => c + w * b.uniform(-20.0, 20.0),
        })
        .collect();
    FamilyPair {
        family,
        h: join(&hs),
        x: join(&xs),
        t,
        tol: b.pick(&[1e-12, 1e-10, 1e-8, 1e-6]),
    }
}

/// Pairs within [`Limits::TEST`].
pub fn family_pair() -> impl Strategy<Value = FamilyPair> {
    from_bytes(160, |b| pair(b, &Limits::TEST))
}
