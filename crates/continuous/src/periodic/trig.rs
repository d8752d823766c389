//! Trigonometric polynomials of period $P$ and their periodic convolutions in closed form.
//!
//! With $\omega = 2\pi/P$, a trigonometric polynomial is
//! $f(t) = a_0 + \sum_{k \ge 1} \big(a_k \cos k\omega t + b_k \sin k\omega t\big)$. They are
//! closed under sums and products ($\cos j\theta \cos k\theta = \tfrac12[\cos (j-k)\theta +
//! \cos (j+k)\theta]$ and its kin) and under periodic convolution, which acts harmonic by
//! harmonic: with $f_k = (a_k - i b_k)/2$, $(h \circledast x)_k = P\\, h_k x_k$, that is
//!
//! $$a^z_0 = P a^h_0 a^x_0, \quad a^z_k = \tfrac P2 (a^h_k a^x_k - b^h_k b^x_k), \quad
//! b^z_k = \tfrac P2 (a^h_k b^x_k + b^h_k a^x_k).$$
//!
//! Every coefficient is carried with the rounding of the constants it came from: a
//! [`TrigPoly`] holds, besides its coefficients, a bound on $\sup_{[0, P)} |f - \text{series}|$
//! (the rounding of every operation, and the phase a frequency written as `2*pi*t/3` drifts
//! from the exact multiple $k\omega$ over one period), so every value it gives carries a bound
//! that holds.

use crate::convolution::{ConvOutput, each_point};
use crate::error::Result;
use crate::quadrature::QuadParams;
use crate::realfn::{Interval, RealFn};
use crate::symbolic::{Expr, Func};
use std::f64::consts::TAU;

const U: f64 = 0.5 * f64::EPSILON;
/// The highest harmonic an expansion may reach.
const MAX_HARMONIC: usize = 4096;
/// The largest whole power expanded.
const MAX_POWER: f64 = 64.0;
/// The largest phase (radians) a frequency may drift from a whole multiple of $2\pi/P$ over
/// one period and still count as that multiple: a few hundred roundings of $2\pi$.
const MAX_DRIFT: f64 = 1e-12;

/// Why an expression is not a trigonometric polynomial of the period asked for (so its
/// periodic convolution goes to quadrature).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum NotTrigPolynomial {
    /// Something that is not a sum of products of constants, sines and cosines.
    #[error("{operand} contains {what}, which is not a trigonometric polynomial")]
    Unsupported {
        /// `"h"`, `"x"`, `"y"` or `"f"`.
        operand: &'static str,
        /// What was found.
        what: String,
    },
    /// A sine or cosine whose frequency is not a whole multiple of $2\pi/P$.
    #[error(
        "{operand} contains {what}, whose frequency is {ratio} times 2π/P for P = {period}, not a whole multiple, so it does not repeat with the period"
    )]
    Frequency {
        /// `"h"`, `"x"`, `"y"` or `"f"`.
        operand: &'static str,
        /// The sine or cosine.
        what: String,
        /// Its angular frequency over $2\pi/P$.
        ratio: f64,
        /// The period.
        period: f64,
    },
    /// The expansion would exceed the harmonic or power limits.
    #[error("{operand} is too large to expand: {what}")]
    TooLarge {
        /// `"h"`, `"x"`, `"y"` or `"f"`.
        operand: &'static str,
        /// What exceeded which limit.
        what: String,
    },
    /// A coefficient or a constant is not finite.
    #[error("a coefficient of {operand} is not finite")]
    NonFinite {
        /// `"h"`, `"x"`, `"y"` or `"f"`.
        operand: &'static str,
    },
    /// The period is not finite and positive, or two polynomials have different periods.
    #[error("the period {period} is not finite and positive, or not the one of the other operand")]
    Period {
        /// The offending period.
        period: f64,
    },
}

/// A trigonometric polynomial of period $P$:
/// $a_0 + \sum_{k=1}^{K} (a_k \cos k\omega t + b_k \sin k\omega t)$, $\omega = 2\pi/P$, with a
/// bound on how far the function it stands for may lie from that series on $[0, P)$.
///
/// ```
/// # use flipshift_continuous::{Expr, TrigPoly};
/// // cos²(2πt) = ½ + ½ cos(4πt), with the period 1.
/// let f = TrigPoly::from_expr(&Expr::parse("cos(2*pi*t)^2")?, 1.0)?;
/// assert_eq!(f.cos_coefficients(), &[0.5, 0.0, 0.5]);
/// assert!(f.remainder() < 1e-15);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct TrigPoly {
    period: f64,
    a: Vec<f64>,
    b: Vec<f64>,
    r: f64,
}

impl TrigPoly {
    /// The expression `e` (in `t`) as a trigonometric polynomial of period `period`: sums,
    /// products, whole powers and quotients by constants of constants and of `sin(u)`,
    /// `cos(u)` with $u = \alpha t + \beta$, $\alpha$ a whole multiple of $2\pi/P$.
    pub fn from_expr(e: &Expr, period: f64) -> std::result::Result<TrigPoly, NotTrigPolynomial> {
        Self::recognise(e, period, "f")
    }

    /// [`TrigPoly::from_expr`], naming the operand (`"h"`, `"x"`, `"y"`) in its errors.
    pub fn recognise(
        e: &Expr,
        period: f64,
        operand: &'static str,
    ) -> std::result::Result<TrigPoly, NotTrigPolynomial> {
        if !(period > 0.0 && period.is_finite()) {
            return Err(NotTrigPolynomial::Period { period });
        }
        let s = Rec {
            period,
            operand,
            omega_ratio: period / TAU,
        }
        .rec(e)?;
        Ok(TrigPoly { period, ..s }.tidy())
    }

    /// The period $P$.
    pub fn period(&self) -> f64 {
        self.period
    }

    /// $a_0, a_1, \dots, a_K$, the coefficients of $\cos k\omega t$.
    pub fn cos_coefficients(&self) -> &[f64] {
        &self.a
    }

    /// $b_0 = 0, b_1, \dots, b_K$, the coefficients of $\sin k\omega t$.
    pub fn sin_coefficients(&self) -> &[f64] {
        &self.b
    }

    /// A bound on $|f(t) - \text{series}(t)|$ for $t \in [0, P)$: the rounding of the
    /// coefficients and the drift of frequencies written inexactly.
    pub fn remainder(&self) -> f64 {
        self.r
    }

    /// $\sum_k |a_k| + |b_k|$, a bound on the series' size.
    fn sup(&self) -> f64 {
        self.a.iter().chain(&self.b).map(|v| v.abs()).sum()
    }

    /// The periodic convolution $(h \circledast x)(t) = \int_0^P h(t - \tau)\\, x(\tau)\\, d\tau$,
    /// harmonic by harmonic; an error when the periods differ.
    ///
    /// The remainder is $P\big(R_h (S_x + R_x) + R_x S_h\big)$ plus the rounding, $S$ the sum
    /// of a polynomial's coefficients' magnitudes and $R$ its remainder.
    pub fn convolve(&self, x: &TrigPoly) -> std::result::Result<TrigPoly, NotTrigPolynomial> {
        self.harmonic_product(x, 1.0)
    }

    /// The periodic correlation $(h \star r)(s) = \int_0^P h(t - s)\\, r(t)\\, dt$ — the adjoint
    /// of convolution by $h$, the least-squares gradient's form; an error when the periods
    /// differ.
    pub fn correlate(&self, r: &TrigPoly) -> std::result::Result<TrigPoly, NotTrigPolynomial> {
        self.harmonic_product(r, -1.0)
    }

    /// $P\\, h_k x_k$ (`sigma` = 1) or $P\\, \overline{h_k} x_k$ (`sigma` = −1) per harmonic.
    fn harmonic_product(
        &self,
        x: &TrigPoly,
        sigma: f64,
    ) -> std::result::Result<TrigPoly, NotTrigPolynomial> {
        if self.period != x.period {
            return Err(NotTrigPolynomial::Period { period: x.period });
        }
        let p = self.period;
        let n = self.a.len().min(x.a.len());
        let mut a = vec![0.0; n];
        let mut b = vec![0.0; n];
        // The exact rounding errors of the products and sums (halving P is exact).
        let mut rounding = 0.0;
        let prod = |u: f64, v: f64, rounding: &mut f64| {
            let (q, e) = mul_err(u, v);
            *rounding += e;
            q
        };
        let r = &mut rounding;
        let p0 = prod(self.a[0], x.a[0], r);
        a[0] = prod(p, p0, r);
        for k in 1..n {
            let (ah, bh) = (self.a[k], sigma * self.b[k]);
            let (ax, bx) = (x.a[k], x.b[k]);
            let (u1, u2) = (prod(ah, ax, r), prod(bh, bx, r));
            let (v1, v2) = (prod(ah, bx, r), prod(bh, ax, r));
            let (da, e1) = add_err(u1, -u2);
            let (db, e2) = add_err(v1, v2);
            let half = 0.5 * p;
            a[k] = prod(half, da, r);
            b[k] = prod(half, db, r);
            *r += half * (e1 + e2) + 2.0 * f64::MIN_POSITIVE;
        }
        let (sh, sx) = (self.sup(), x.sup());
        let r = p * (self.r * (sx + x.r) + x.r * sh) + rounding;
        Ok(TrigPoly {
            period: p,
            a,
            b,
            r: r * (1.0 + 4.0 * U),
        }
        .tidy())
    }

    /// $f - g$; an error when the periods differ.
    pub fn sub(&self, g: &TrigPoly) -> std::result::Result<TrigPoly, NotTrigPolynomial> {
        if self.period != g.period {
            return Err(NotTrigPolynomial::Period { period: g.period });
        }
        let neg = TrigPoly {
            a: g.a.iter().map(|v| -v).collect(),
            b: g.b.iter().map(|v| -v).collect(),
            ..g.clone()
        };
        Ok(add(self, &neg).tidy())
    }

    /// $\int_0^P f(t)^2\\, dt = P a_0^2 + \tfrac P2 \sum_{k \ge 1} (a_k^2 + b_k^2)$ (Parseval),
    /// with a bound on its error.
    pub fn energy(&self) -> (f64, f64) {
        let p = self.period;
        let mut sum = self.a[0] * self.a[0];
        for k in 1..self.a.len() {
            sum += 0.5 * (self.a[k] * self.a[k] + self.b[k] * self.b[k]);
        }
        let s = self.sup();
        let n = 2.0 * self.a.len() as f64 + 4.0;
        let err = p * (n * U * s * s + 2.0 * s * self.r + self.r * self.r);
        (p * sum, err * (1.0 + 4.0 * U))
    }

    /// The value at `t` (any real $t$: the series has the period) and a bound on its error.
    pub fn eval_with_error(&self, t: f64) -> (f64, f64) {
        let p = self.period;
        // t − P⌊t/P⌋ and the exact rounding of the product and the difference (an argument
        // that lands on P is the seam, 0: the same point of the period).
        let (np, e1) = mul_err((t / p).floor(), p);
        let (tw, e2) = add_err(t, -np);
        let dtw = (e1 + e2) * (1.0 + 4.0 * U);
        let tw = if (0.0..p).contains(&tw) {
            tw
        } else {
            wrap(tw, p)
        };
        let mut v = self.a[0];
        let mut err = 0.0;
        for k in 1..self.a.len() {
            if self.a[k] == 0.0 && self.b[k] == 0.0 {
                continue;
            }
            let w = TAU * k as f64 / p;
            let theta = w * tw;
            let (s, c) = theta.sin_cos();
            let (p1, e1) = mul_err(self.a[k], c);
            let (p2, e2) = mul_err(self.b[k], s);
            let (term, e3) = add_err(p1, p2);
            let (total, e4) = add_err(v, term);
            v = total;
            let size = self.a[k].abs() + self.b[k].abs();
            // θ = (2πk/P)·t: the rounding of 2π (PI_ERR), of the two operations and of the
            // wrap (times ω); sin and cos within an ulp (of 1, at most).
            let dtheta = theta.abs() * (PI_ERR / std::f64::consts::PI + 3.0 * U) + w * dtw;
            err += size * (dtheta + 2.0 * U) + e1 + e2 + e3 + e4;
        }
        err += self.r;
        (v, err * (1.0 + 4.0 * U))
    }

    /// The values at `t` with their bounds, as [`ConvOutput`]; a value whose bound misses
    /// `params` is listed in `unmet` (unless it is zero to within the rounding level of the
    /// series' size). Errors: empty or non-finite points.
    pub fn values(&self, t: &[f64], params: QuadParams) -> Result<ConvOutput> {
        let mut out = each_point("evaluation points", t, &|ti| {
            let (v, e) = self.eval_with_error(ti);
            Ok((v, e, 0, true))
        })?;
        let level = 64.0 * f64::EPSILON * self.sup();
        out.unmet = (0..t.len())
            .filter(|&i| {
                let (v, e) = (out.values[i], out.error_estimates[i]);
                !(e <= params.abs_tol.max(params.rel_tol * v.abs()) || e <= level)
            })
            .collect();
        Ok(out)
    }

    /// The series as an expression in `t`:
    /// $a_0 + \sum_k a_k \cos(2\pi k t/P) + b_k \sin(2\pi k t/P)$, zero terms left out.
    pub fn to_expr(&self) -> Expr {
        let mut terms: Vec<(f64, Expr)> = Vec::new();
        if self.a[0] != 0.0 {
            terms.push((self.a[0], Expr::num(1.0)));
        }
        for k in 1..self.a.len() {
            let pi = Expr::Const {
                name: "pi".into(),
                value: std::f64::consts::PI,
            };
            // 2kπt/P, as nπt when 2k/P is a whole number n.
            let twice_k = 2.0 * k as f64;
            let n = twice_k / self.period;
            let arg = if n.fract() == 0.0 && n * self.period == twice_k {
                if n == 1.0 {
                    pi * Expr::var("t")
                } else {
                    Expr::num(n) * pi * Expr::var("t")
                }
            } else {
                Expr::num(twice_k) * pi * Expr::var("t") / Expr::num(self.period)
            };
            for (c, f) in [(self.a[k], Func::Cos), (self.b[k], Func::Sin)] {
                if c != 0.0 {
                    terms.push((c, Expr::call(f, arg.clone())));
                }
            }
        }
        let mut acc: Option<Expr> = None;
        for (c, f) in terms {
            let one = f == Expr::num(1.0);
            let term = |c: f64| {
                if one {
                    Expr::num(c)
                } else if c == 1.0 {
                    f.clone()
                } else {
                    Expr::num(c) * f.clone()
                }
            };
            acc = Some(match acc {
                None if c < 0.0 && !one => -term(-c),
                None => term(c),
                Some(e) if c < 0.0 => e - term(-c),
                Some(e) => e + term(c),
            });
        }
        acc.unwrap_or(Expr::num(0.0))
    }

    /// Coefficients at the rounding level of the whole moved into the remainder, trailing
    /// zero harmonics dropped.
    fn tidy(mut self) -> TrigPoly {
        let level = 16.0 * U * self.sup();
        for v in self.a.iter_mut().chain(self.b.iter_mut()) {
            if v.abs() <= level && *v != 0.0 {
                self.r += v.abs();
                *v = 0.0;
            }
        }
        while self.a.len() > 1 && self.a.last() == Some(&0.0) && self.b.last() == Some(&0.0) {
            self.a.pop();
            self.b.pop();
        }
        self
    }
}

impl RealFn for TrigPoly {
    fn eval(&self, t: f64) -> f64 {
        self.eval_with_error(t).0
    }
    fn support(&self) -> Interval {
        Interval::real_line()
    }
    fn eval_with_error(&self, t: f64, dt: f64) -> (f64, f64) {
        let (v, e) = TrigPoly::eval_with_error(self, t);
        // |f′| ≤ Σ k ω (|a_k| + |b_k|).
        let slope: f64 = (1..self.a.len())
            .map(|k| TAU * k as f64 / self.period * (self.a[k].abs() + self.b[k].abs()))
            .sum();
        (v, e + slope * dt)
    }
    fn bound(&self, _lo: f64, _hi: f64) -> Option<f64> {
        Some((self.sup() + self.r) * (1.0 + 4.0 * U))
    }
}

/// $s - P\lfloor s/P \rfloor$ in $[0, P)$.
fn wrap(s: f64, p: f64) -> f64 {
    let w = s - p * (s / p).floor();
    if w >= p || w < 0.0 { 0.0 } else { w }
}

/// The periodic convolution of two expressions in closed form, when both are trigonometric
/// polynomials of the period: $z = h \circledast x$ as a [`TrigPoly`], or why not.
///
/// ```
/// # use flipshift_continuous::{Expr, QuadParams, convolve_periodic_symbolic};
/// // (2 + 3 sin ωt) ⊛ (½ + 4 cos ωt), P = 3: 3·2·½ + (3/2)·3·4 sin ωt.
/// let h = Expr::parse("2 + 3*sin(2*pi*t/3)")?;
/// let x = Expr::parse("0.5 + 4*cos(2*pi*t/3)")?;
/// let z = convolve_periodic_symbolic(&h, &x, 3.0)?;
/// assert_eq!(z.cos_coefficients()[0], 3.0);
/// assert_eq!(z.sin_coefficients()[1], 18.0);
/// let out = z.values(&[0.75], QuadParams::default())?;
/// assert!((out.values[0] - 21.0).abs() <= out.error_estimates[0]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn convolve_periodic_symbolic(
    h: &Expr,
    x: &Expr,
    period: f64,
) -> std::result::Result<TrigPoly, NotTrigPolynomial> {
    let hp = TrigPoly::recognise(h, period, "h")?;
    let xp = TrigPoly::recognise(x, period, "x")?;
    hp.convolve(&xp)
}

fn add(x: &TrigPoly, y: &TrigPoly) -> TrigPoly {
    let n = x.a.len().max(y.a.len());
    let get = |v: &[f64], k: usize| v.get(k).copied().unwrap_or(0.0);
    let mut rounding = 0.0;
    let mut sum = |v: &[f64], w: &[f64], k: usize| {
        let (s, e) = add_err(get(v, k), get(w, k));
        rounding += e;
        s
    };
    let a: Vec<f64> = (0..n).map(|k| sum(&x.a, &y.a, k)).collect();
    let b: Vec<f64> = (0..n).map(|k| sum(&x.b, &y.b, k)).collect();
    TrigPoly {
        period: x.period,
        r: (x.r + y.r + rounding) * (1.0 + 4.0 * U),
        a,
        b,
    }
}

fn mul(x: &TrigPoly, y: &TrigPoly) -> TrigPoly {
    let (sx, sy) = (x.sup(), y.sup());
    // A constant factor scales: one rounding per coefficient.
    if let ([c], _) | (_, [c]) = (x.a.as_slice(), y.a.as_slice()) {
        let (p, rc) = if x.a.len() == 1 { (y, x.r) } else { (x, y.r) };
        let mut rounding = 0.0;
        let mut scale = |v: &f64| {
            let (q, e) = mul_err(*c, *v);
            rounding += e;
            q
        };
        let a: Vec<f64> = p.a.iter().map(&mut scale).collect();
        let b: Vec<f64> = p.b.iter().map(&mut scale).collect();
        return TrigPoly {
            period: x.period,
            a,
            b,
            r: (p.r * (c.abs() + rc) + rc * p.sup() + rounding) * (1.0 + 4.0 * U),
        };
    }
    let n = x.a.len() + y.a.len() - 1;
    let mut a = vec![0.0; n];
    let mut b = vec![0.0; n];
    // The exact rounding errors of every product and sum, added up: the true coefficients
    // differ from the computed ones by at most their total.
    let mut rounding = 0.0;
    for j in 0..x.a.len() {
        let (aj, bj) = (x.a[j], x.b[j]);
        if aj == 0.0 && bj == 0.0 {
            continue;
        }
        for k in 0..y.a.len() {
            let (ak, bk) = (y.a[k], y.b[k]);
            if ak == 0.0 && bk == 0.0 {
                continue;
            }
            // cos jθ cos kθ = ½[cos(j−k)θ + cos(j+k)θ]; sin jθ sin kθ = ½[cos(j−k)θ − cos(j+k)θ];
            // cos jθ sin kθ = ½[sin(j+k)θ − sin(j−k)θ]; sin jθ cos kθ = ½[sin(j+k)θ + sin(j−k)θ].
            let mut prod = |u: f64, v: f64| {
                let (q, e) = mul_err(u, v);
                rounding += e;
                q
            };
            let (cc, ss, cs, sc) = (prod(aj, ak), prod(bj, bk), prod(aj, bk), prod(bj, ak));
            let sum = j + k;
            let (diff, sign) = if j >= k { (j - k, 1.0) } else { (k - j, -1.0) };
            for (cosine, i, u, v) in [
                (true, sum, cc, -ss),
                (true, diff, cc, ss),
                (false, sum, cs, sc),
                (false, diff, sign * sc, -sign * cs),
            ] {
                let slot = if cosine { &mut a[i] } else { &mut b[i] };
                let (h, e1) = add_err(u, v);
                let (total, e2) = add_err(*slot, 0.5 * h);
                *slot = total;
                // Halving is exact above the subnormals; charge the smallest normal there.
                rounding += 0.5 * e1 + e2 + f64::MIN_POSITIVE;
            }
        }
    }
    // sin 0 = 0: what landed there is not a term.
    b[0] = 0.0;
    TrigPoly {
        period: x.period,
        a,
        b,
        r: (x.r * (sy + y.r) + y.r * sx + rounding) * (1.0 + 4.0 * U),
    }
}

/// The recogniser: the period, the operand's name for errors, and $P/2\pi$.
struct Rec {
    period: f64,
    operand: &'static str,
    omega_ratio: f64,
}

type R<T> = std::result::Result<T, NotTrigPolynomial>;

impl Rec {
    fn constant(&self, v: f64, r: f64) -> R<TrigPoly> {
        if !v.is_finite() || !r.is_finite() {
            return Err(NotTrigPolynomial::NonFinite {
                operand: self.operand,
            });
        }
        Ok(TrigPoly {
            period: self.period,
            a: vec![v],
            b: vec![0.0],
            r,
        })
    }

    fn unsupported<T>(&self, what: String) -> R<T> {
        Err(NotTrigPolynomial::Unsupported {
            operand: self.operand,
            what,
        })
    }

    fn check(&self, p: TrigPoly) -> R<TrigPoly> {
        if p.a.len() > MAX_HARMONIC + 1 {
            return Err(NotTrigPolynomial::TooLarge {
                operand: self.operand,
                what: format!("harmonics beyond {MAX_HARMONIC}"),
            });
        }
        if p.a.iter().chain(&p.b).any(|v| !v.is_finite()) || !p.r.is_finite() {
            return Err(NotTrigPolynomial::NonFinite {
                operand: self.operand,
            });
        }
        Ok(p)
    }

    fn rec(&self, e: &Expr) -> R<TrigPoly> {
        match e {
            Expr::Num(v) => self.constant(*v, literal(*v)),
            Expr::Const { name, value } => {
                let r = match name.as_str() {
                    "pi" => PI_ERR,
                    "e" => E_ERR,
                    _ => literal(*value),
                };
                self.constant(*value, r)
            }
            Expr::Var(n) if n == "t" => {
                self.unsupported("t itself (a sawtooth once repeated from [0, P))".into())
            }
            Expr::Var(n) => self.unsupported(format!("the name {n}")),
            Expr::Neg(a) => {
                let p = self.rec(a)?;
                Ok(TrigPoly {
                    a: p.a.iter().map(|v| -v).collect(),
                    b: p.b.iter().map(|v| -v).collect(),
                    ..p
                })
            }
            Expr::Add(a, b) => Ok(add(&self.rec(a)?, &self.rec(b)?)),
            Expr::Sub(a, b) => {
                let neg = Expr::Neg(b.clone());
                Ok(add(&self.rec(a)?, &self.rec(&neg)?))
            }
            Expr::Mul(a, b) => self.check(mul(&self.rec(a)?, &self.rec(b)?)),
            Expr::Div(a, b) => {
                let num = self.rec(a)?;
                let den = self.rec(b)?;
                let (v, r) = match (den.a.as_slice(), den.b.as_slice()) {
                    ([v], _) => (*v, den.r),
                    _ => return self.unsupported(format!("a division by {}", b.to_unicode())),
                };
                if !(v.abs() > 2.0 * r) {
                    return self.unsupported(format!(
                        "a division by {}, which may be zero",
                        b.to_unicode()
                    ));
                }
                let (c, e) = recip_err(v);
                // |1/(v ± r) − 1/v| ≤ r / (|v| (|v| − r)), plus the rounding of 1/v.
                let rc = r / (v.abs() * (v.abs() - r)) + e;
                self.check(mul(&num, &self.constant(c, rc)?))
            }
            Expr::Pow(_, b) if b.depends_on("t") => self.unsupported(e.to_unicode()),
            Expr::Pow(a, b) => {
                let exp = self.rec(b)?;
                if exp.a.len() != 1 {
                    return self.unsupported(format!("the power with exponent {}", b.to_unicode()));
                }
                let (n, rn) = (exp.a[0], exp.r);
                let base = self.rec(a)?;
                if rn == 0.0 && n.fract() == 0.0 && (0.0..=MAX_POWER).contains(&n) {
                    let mut acc = self.constant(1.0, 0.0)?;
                    for _ in 0..n as usize {
                        acc = self.check(mul(&acc, &base))?;
                    }
                    return Ok(acc);
                }
                match base.a.as_slice() {
                    [v] if *v > 2.0 * base.r => {
                        let (v, rv) = (*v, base.r);
                        let value = v.powf(n);
                        // First order in the radii, doubled: |n|·rv/v relative from the base,
                        // |ln v|·rn from the exponent, and the rounding of powf.
                        let rel = 2.0 * (n.abs() * rv / v + v.ln().abs() * rn) + 4.0 * U;
                        self.constant(value, rel * value.abs())
                    }
                    _ if base.a.len() > 1 => self.unsupported(format!(
                        "a power {} that is not a whole number from 0 to {MAX_POWER}",
                        b.to_unicode()
                    )),
                    _ => self.unsupported(format!(
                        "{}^{}, a power of a constant that may not be positive",
                        a.to_unicode(),
                        b.to_unicode()
                    )),
                }
            }
            Expr::Call(f @ (Func::Sin | Func::Cos), u) if u.depends_on("t") => self.trig(*f, u, e),
            Expr::Call(_, u) if u.depends_on("t") => self.unsupported(e.to_unicode()),
            Expr::Call(f, u) => {
                let arg = self.rec(u)?;
                if arg.a.len() != 1 {
                    return self.unsupported(e.to_unicode());
                }
                let (v, r) = (arg.a[0], arg.r);
                let value = f.apply(v);
                // A Lipschitz constant of f near v (or a refusal where it has none).
                let lip = match f {
                    Func::Sin | Func::Cos | Func::Abs | Func::Tanh | Func::Tri => 1.0,
                    Func::Erf => 1.13,
                    Func::Gauss => 0.25,
                    Func::Sinc => 2.0,
                    Func::Exp => (v + r).exp(),
                    Func::Sqrt if v > 2.0 * r => 1.0 / (v - r).sqrt(),
                    Func::Log if v > 2.0 * r => 1.0 / (v - r),
                    Func::Tan if (v + r).cos().abs() > 0.5 && v.cos().abs() > 0.5 => 4.0,
                    Func::Step | Func::Sign if r < v.abs() => 0.0,
                    Func::Rect if r < (v.abs() - 0.5).abs() => 0.0,
                    _ => return self.unsupported(e.to_unicode()),
                };
                self.constant(value, lip * r + 4.0 * U * value.abs())
            }
            #[allow(unreachable_patterns)]
            _ => self.unsupported(e.to_unicode()),
        }
    }

    /// `sin(u)` or `cos(u)` with $u = \alpha t + \beta$ and $\alpha = k\omega$.
    fn trig(&self, f: Func, u: &Expr, whole: &Expr) -> R<TrigPoly> {
        let Some(((alpha, ra), (beta, rb))) = self.affine(u)? else {
            return self.unsupported(format!(
                "{} (its argument is not affine in t)",
                whole.to_unicode()
            ));
        };
        let ratio = alpha * self.omega_ratio;
        let k = ratio.round();
        // The phase drift over one period, |α − kω|·P = |αP − 2πk|, from the exact errors of
        // the products αP and 2π·k (an ulp of 2π: PI_ERR twice) and the radii.
        let (ap, e1) = mul_err(alpha, self.period);
        let (tk, e2) = mul_err(TAU, k);
        let drift = if exact_multiple(u, self.period) == Some(k) {
            // α = kω exactly (a rational multiple of π, literals read as decimals): only the
            // phase's rounding remains.
            rb
        } else {
            ((ap - tk).abs() + e1 + e2 + 2.0 * PI_ERR * k.abs() + ra * self.period + rb)
                * (1.0 + 4.0 * U)
        };
        if drift > MAX_DRIFT || k.abs() > MAX_HARMONIC as f64 {
            if k.abs() > MAX_HARMONIC as f64 {
                return Err(NotTrigPolynomial::TooLarge {
                    operand: self.operand,
                    what: format!(
                        "harmonic {k} of {} beyond {MAX_HARMONIC}",
                        whole.to_unicode()
                    ),
                });
            }
            return Err(NotTrigPolynomial::Frequency {
                operand: self.operand,
                what: whole.to_unicode(),
                ratio,
                period: self.period,
            });
        }
        // A negative multiple: cos(−A + β) = cos(A − β), sin(−A + β) = −sin(A − β).
        let (k, beta, sign) = match (k < 0.0, f) {
            (false, _) => (k, beta, 1.0),
            (true, Func::Cos) => (-k, -beta, 1.0),
            (true, _) => (-k, -beta, -1.0),
        };
        let (sb, cb) = beta.sin_cos();
        let coef_err = if beta == 0.0 { 0.0 } else { 2.0 * U };
        let (ak, bk) = match f {
            // sin(A + β) = sin β cos A + cos β sin A; cos(A + β) = cos β cos A − sin β sin A.
            Func::Sin => (sign * sb, sign * cb),
            _ => (cb, -sb),
        };
        let n = k as usize;
        let mut a = vec![0.0; n + 1];
        let mut b = vec![0.0; n + 1];
        if n == 0 {
            a[0] = ak;
        } else {
            a[n] = ak;
            b[n] = bk;
        }
        Ok(TrigPoly {
            period: self.period,
            a,
            b,
            r: (drift + coef_err) * (1.0 + 4.0 * U),
        })
    }

    /// $u = \alpha t + \beta$ with the radii of $\alpha$ and $\beta$, `None` when $u$ is not
    /// affine in $t$.
    #[allow(clippy::type_complexity)]
    fn affine(&self, u: &Expr) -> R<Option<((f64, f64), (f64, f64))>> {
        if !u.depends_on("t") {
            let c = self.rec(u)?;
            return Ok(match c.a.as_slice() {
                [v] => Some(((0.0, 0.0), (*v, c.r))),
                _ => None,
            });
        }
        let plus = |(x, rx): (f64, f64), (y, ry): (f64, f64)| {
            let (s, e) = add_err(x, y);
            (s, rx + ry + e)
        };
        let times = |(x, rx): (f64, f64), (c, rc): (f64, f64)| {
            let (p, e) = mul_err(x, c);
            (p, rx * c.abs() + rc * x.abs() + rx * rc + e)
        };
        Ok(match u {
            Expr::Var(n) if n == "t" => Some(((1.0, 0.0), (0.0, 0.0))),
            Expr::Neg(a) => self
                .affine(a)?
                .map(|((p, rp), (q, rq))| ((-p, rp), (-q, rq))),
            Expr::Add(a, b) | Expr::Sub(a, b) => {
                let s = if matches!(u, Expr::Sub(..)) {
                    -1.0
                } else {
                    1.0
                };
                match (self.affine(a)?, self.affine(b)?) {
                    (Some((p, q)), Some(((r, rr), (w, rw)))) => {
                        Some((plus(p, (s * r, rr)), plus(q, (s * w, rw))))
                    }
                    _ => None,
                }
            }
            Expr::Mul(a, b) => {
                let (lin, c) = if a.depends_on("t") { (a, b) } else { (b, a) };
                if c.depends_on("t") {
                    return Ok(None);
                }
                let c = self.rec(c)?;
                match (self.affine(lin)?, c.a.as_slice()) {
                    (Some((p, q)), [v]) => Some((times(p, (*v, c.r)), times(q, (*v, c.r)))),
                    _ => None,
                }
            }
            Expr::Div(a, b) if !b.depends_on("t") => {
                let d = self.rec(b)?;
                match (self.affine(a)?, d.a.as_slice()) {
                    (Some((p, q)), [v]) if v.abs() > 2.0 * d.r => {
                        let (c, e) = recip_err(*v);
                        let rc = d.r / (v.abs() * (v.abs() - d.r)) + e;
                        Some((times(p, (c, rc)), times(q, (c, rc))))
                    }
                    _ => None,
                }
            }
            _ => None,
        })
    }
}

/// The rounding of a decimal literal: none for a short binary fraction (0.5, 3, −0.375), half
/// an ulp otherwise.
fn literal(v: f64) -> f64 {
    if (v * 1024.0).fract() == 0.0 && v.abs() < 1e15 {
        0.0
    } else {
        U * v.abs()
    }
}

/// A rational $n/d$ ($d > 0$) times $\pi^j$: the exact value of a constant built from decimal
/// literals and `pi` by sums, products and quotients.
#[derive(Debug, Clone, Copy, PartialEq)]
struct PiRational {
    n: i128,
    d: i128,
    j: i32,
}

impl PiRational {
    fn new(n: i128, d: i128, j: i32) -> Option<PiRational> {
        if d == 0 {
            return None;
        }
        let g = gcd(n.unsigned_abs(), d.unsigned_abs()).max(1) as i128;
        let s = if d < 0 { -1 } else { 1 };
        // Keep well inside i128 so that the next product cannot overflow unchecked.
        let (n, d) = (s * n / g, s * d / g);
        (n.unsigned_abs() < 1 << 60 && d < 1 << 60).then_some(PiRational { n, d, j })
    }

    /// The decimal a literal stands for: the shortest decimal that rounds to `v` (`0.7` is
    /// 7/10), as the rounding charged to literals assumes.
    fn of(v: f64) -> Option<PiRational> {
        let text = format!("{v}");
        if text.len() > 18 {
            return None;
        }
        let (sign, digits) = match text.strip_prefix('-') {
            Some(rest) => (-1, rest),
            None => (1, text.as_str()),
        };
        let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
        let n: i128 = format!("{int}{frac}").parse().ok()?;
        PiRational::new(sign * n, 10i128.checked_pow(frac.len() as u32)?, 0)
    }

    fn mul(self, o: PiRational) -> Option<PiRational> {
        PiRational::new(self.n * o.n, self.d * o.d, self.j + o.j)
    }

    fn div(self, o: PiRational) -> Option<PiRational> {
        PiRational::new(self.n * o.d, self.d * o.n, self.j - o.j)
    }

    fn add(self, o: PiRational) -> Option<PiRational> {
        if self.n == 0 {
            return Some(o);
        }
        if o.n == 0 {
            return Some(self);
        }
        (self.j == o.j)
            .then(|| PiRational::new(self.n * o.d + o.n * self.d, self.d * o.d, self.j))
            .flatten()
    }
}

fn gcd(mut a: u128, mut b: u128) -> u128 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// The exact value of a constant expression as a [`PiRational`], when it is one.
fn exact_constant(e: &Expr) -> Option<PiRational> {
    match e {
        Expr::Num(v) => PiRational::of(*v),
        Expr::Const { name, .. } if name == "pi" => PiRational::new(1, 1, 1),
        Expr::Const { name, value } if name != "e" => PiRational::of(*value),
        Expr::Neg(a) => exact_constant(a).map(|q| PiRational { n: -q.n, ..q }),
        Expr::Add(a, b) => exact_constant(a)?.add(exact_constant(b)?),
        Expr::Sub(a, b) => {
            let nb = exact_constant(b)?;
            exact_constant(a)?.add(PiRational { n: -nb.n, ..nb })
        }
        Expr::Mul(a, b) => exact_constant(a)?.mul(exact_constant(b)?),
        Expr::Div(a, b) => exact_constant(a)?.div(exact_constant(b)?),
        _ => None,
    }
}

/// The exact coefficient of $t$ in an affine `u`, as a [`PiRational`], when there is one.
fn exact_slope(u: &Expr) -> Option<PiRational> {
    if !u.depends_on("t") {
        return PiRational::new(0, 1, 0);
    }
    match u {
        Expr::Var(n) if n == "t" => PiRational::new(1, 1, 0),
        Expr::Neg(a) => exact_slope(a).map(|q| PiRational { n: -q.n, ..q }),
        Expr::Add(a, b) => exact_slope(a)?.add(exact_slope(b)?),
        Expr::Sub(a, b) => {
            let nb = exact_slope(b)?;
            exact_slope(a)?.add(PiRational { n: -nb.n, ..nb })
        }
        Expr::Mul(a, b) if !b.depends_on("t") => exact_slope(a)?.mul(exact_constant(b)?),
        Expr::Mul(a, b) if !a.depends_on("t") => exact_slope(b)?.mul(exact_constant(a)?),
        Expr::Div(a, b) if !b.depends_on("t") => exact_slope(a)?.div(exact_constant(b)?),
        _ => None,
    }
}

/// $k$ when the slope $\alpha$ of `u` is exactly $k \cdot 2\pi/P$ (a rational multiple of $\pi$,
/// literals and $P$ read as the decimals they were written as), so that no drift is charged.
fn exact_multiple(u: &Expr, period: f64) -> Option<f64> {
    let alpha = exact_slope(u)?;
    let p = PiRational::of(period)?;
    // k = α·P/(2π): α = (n/d)·π.
    let k = alpha.mul(p)?.div(PiRational::new(2, 1, 1)?)?;
    (k.j == 0 && k.d == 1).then_some(k.n as f64)
}

/// $|ab - \mathrm{fl}(ab)|$, exactly (by a fused multiply-add), and the product.
fn mul_err(a: f64, b: f64) -> (f64, f64) {
    let p = a * b;
    (p, a.mul_add(b, -p).abs())
}

/// $|a + b - \mathrm{fl}(a + b)|$, exactly (Knuth's two-sum), and the sum.
fn add_err(a: f64, b: f64) -> (f64, f64) {
    let s = a + b;
    let bb = s - a;
    (s, ((a - (s - bb)) + (b - bb)).abs())
}

/// $1/v$ and $|1/v - \mathrm{fl}(1/v)|$ (from the exact residual $1 - v\,\mathrm{fl}(1/v)$).
fn recip_err(v: f64) -> (f64, f64) {
    let c = 1.0 / v;
    (c, ((-v).mul_add(c, 1.0) / v).abs() * (1.0 + 4.0 * U))
}

/// $\pi - \mathrm{fl}(\pi)$ and $e - \mathrm{fl}(e)$ (to three digits, rounded up).
const PI_ERR: f64 = 1.225e-16;
const E_ERR: f64 = 1.446e-16;

#[cfg(test)]
mod tests {
    use super::*;

    fn tp(src: &str, p: f64) -> TrigPoly {
        TrigPoly::from_expr(&Expr::parse(src).unwrap(), p).unwrap()
    }

    #[test]
    fn products_follow_the_product_to_sum_identities() {
        // sin(ωt)·cos(ωt) = ½ sin(2ωt); sin² = ½ − ½ cos 2ωt.
        let f = tp("sin(2*pi*t)*cos(2*pi*t)", 1.0);
        assert_eq!(f.cos_coefficients(), &[0.0, 0.0, 0.0]);
        assert_eq!(f.sin_coefficients(), &[0.0, 0.0, 0.5]);
        let g = tp("sin(pi*t)^2", 2.0);
        assert_eq!(g.cos_coefficients(), &[0.5, 0.0, -0.5]);
        // cos(3θ) = 4cos³θ − 3cos θ.
        let c = tp("4*cos(t)^3 - 3*cos(t)", TAU);
        assert_eq!(c.cos_coefficients(), &[0.0, 0.0, 0.0, 1.0]);
    }

    #[test]
    fn phases_and_negative_multiples_are_expanded() {
        // cos(ωt − π/2) = sin ωt; sin(−2ωt) = −sin 2ωt.
        let f = tp("cos(2*pi*t/3 - pi/2) + sin(-4*pi*t/3)", 3.0);
        assert!((f.sin_coefficients()[1] - 1.0).abs() <= 2.0 * f64::EPSILON);
        assert_eq!(f.sin_coefficients()[2], -1.0);
        assert!(f.cos_coefficients()[1].abs() <= f.remainder());
        for t in [0.0, 0.4, 1.7, 2.9] {
            let want = (TAU * t / 3.0).sin() - (2.0 * TAU * t / 3.0).sin();
            let (v, e) = f.eval_with_error(t);
            assert!((v - want).abs() <= e + 4.0 * f64::EPSILON, "{v} {want} {e}");
        }
    }

    #[test]
    fn what_does_not_repeat_is_refused_with_the_reason() {
        let e = |s: &str| TrigPoly::from_expr(&Expr::parse(s).unwrap(), 1.0).unwrap_err();
        assert!(matches!(e("t"), NotTrigPolynomial::Unsupported { .. }));
        // 2π/P with P = 1.4 is exactly π/0.7 (decimals): no drift; 6.2832 is not 2π.
        let f = TrigPoly::from_expr(&Expr::parse("cos(pi*t/0.7)").unwrap(), 1.4).unwrap();
        assert_eq!(f.remainder(), 0.0);
        assert!(matches!(
            e("exp(-t)"),
            NotTrigPolynomial::Unsupported { .. }
        ));
        assert!(matches!(e("cos(t)"), NotTrigPolynomial::Frequency { .. }));
        assert!(matches!(
            e("cos(6.2832*t)"),
            NotTrigPolynomial::Frequency { .. }
        ));
        assert!(matches!(
            e("cos(2*pi*t^2)"),
            NotTrigPolynomial::Unsupported { .. }
        ));
        assert!(matches!(
            e("cos(2*pi*t)^0.5"),
            NotTrigPolynomial::Unsupported { .. }
        ));
        assert!(matches!(
            e("1/cos(2*pi*t)"),
            NotTrigPolynomial::Unsupported { .. }
        ));
        assert!(matches!(
            e("cos(2*pi*t)^65"),
            NotTrigPolynomial::Unsupported { .. }
        ));
        assert!(matches!(
            e("cos(2*pi*5000*t)"),
            NotTrigPolynomial::TooLarge { .. }
        ));
        assert!(TrigPoly::from_expr(&Expr::parse("1").unwrap(), 0.0).is_err());
    }

    #[test]
    fn convolution_and_correlation_act_per_harmonic() {
        // sin ⊛ sin = −(P/2) cos; sin ⋆ sin = (P/2) cos (correlation conjugates h).
        let s = tp("sin(2*pi*t/3)", 3.0);
        let z = s.convolve(&s).unwrap();
        assert_eq!(z.cos_coefficients(), &[0.0, -1.5]);
        let g = s.correlate(&s).unwrap();
        assert_eq!(g.cos_coefficients(), &[0.0, 1.5]);
        // cos ⋆ sin(s) = ∫ cos(ω(t − s)) sin(ωt) dt = (P/2) sin(ωs).
        let c = tp("cos(2*pi*t/3)", 3.0);
        assert_eq!(c.correlate(&s).unwrap().sin_coefficients(), &[0.0, 1.5]);
        // Parseval: ∫₀³ (1 + sin)² = 3 + 3/2.
        let (j, e) = add(&tp("1", 3.0), &s).energy();
        assert!((j - 4.5).abs() <= e.max(4.0 * f64::EPSILON));
        assert!(tp("1", 2.0).convolve(&s).is_err());
    }

    #[test]
    fn the_printed_series_evaluates_to_the_values() {
        let z = convolve_periodic_symbolic(
            &Expr::parse("2 + 3*sin(2*pi*t/3)").unwrap(),
            &Expr::parse("0.5 - 4*cos(2*pi*t/3) + sin(4*pi*t/3)").unwrap(),
            3.0,
        )
        .unwrap();
        let e = z.to_expr();
        for t in [0.0, 0.3, 1.1, 2.7] {
            let (v, err) = z.eval_with_error(t);
            assert!((e.eval_at(t) - v).abs() <= err + 8.0 * f64::EPSILON * 18.0);
        }
    }
}
