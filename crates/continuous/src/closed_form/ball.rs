//! Ball arithmetic on double-double midpoints: every quantity of a closed form is a midpoint
//! $m$ carried to about 32 digits and a radius $r$ such that the exact value lies in
//! $[m - r, m + r]$.
//!
//! The radius starts as the uncertainty of an input (half an ulp of a decimal number that is
//! not a double, nothing for an integer or a short binary fraction) and grows by the rules of
//! midpoint–radius arithmetic: $r_{a+b} = r_a + r_b$, $r_{ab} = |m_a| r_b + |m_b| r_a + r_a r_b$,
//! $r_{e^a} = e^{m_a}(e^{r_a} - 1)$, ..., each plus the rounding of the double-double midpoint
//! (a few units of $u^2$, $u = 2^{-53}$, relative) and every radius rounded upwards. A closed form
//! built this way knows how far from the exact answer it can be — through cancellation in
//! partial fractions, in Taylor shifts of ill-conditioned polynomials, or in its inputs — and
//! says so instead of printing a wrong number with a tiny estimate.

use std::cmp::Ordering;
use std::ops::{Add, Div, Mul, Neg, Sub};

/// $u = 2^{-53}$, the unit roundoff of `f64`.
const U: f64 = f64::EPSILON / 2.0;

/// A relative error bound of every double-double operation here, with room to spare
/// (accurate addition is $3u^2$, multiplication $5u^2$, division $10u^2$, the elementary
/// functions a few tens of $u^2$).
const DD_REL: f64 = 64.0 * U * U;

/// Below this magnitude the low word of a double-double loses bits to gradual underflow: an
/// absolute error charged on every operation.
const DD_ABS: f64 = 1e-290;

/// A double-double number: $hi + lo$ with $|lo| \le \tfrac12 \mathrm{ulp}(hi)$.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub(super) struct Dd {
    pub hi: f64,
    pub lo: f64,
}

#[inline]
fn two_sum(a: f64, b: f64) -> (f64, f64) {
    let s = a + b;
    let bb = s - a;
    (s, (a - (s - bb)) + (b - bb))
}

#[inline]
fn fast_two_sum(a: f64, b: f64) -> (f64, f64) {
    let s = a + b;
    (s, b - (s - a))
}

#[inline]
fn two_prod(a: f64, b: f64) -> (f64, f64) {
    let p = a * b;
    if !p.is_finite() {
        return (p, 0.0);
    }
    (p, a.mul_add(b, -p))
}

impl Dd {
    pub const ZERO: Dd = Dd { hi: 0.0, lo: 0.0 };
    pub const ONE: Dd = Dd { hi: 1.0, lo: 0.0 };

    pub fn new(x: f64) -> Dd {
        Dd { hi: x, lo: 0.0 }
    }

    /// The nearest double.
    pub fn to_f64(self) -> f64 {
        self.hi + self.lo
    }

    pub fn is_finite(self) -> bool {
        self.hi.is_finite() && self.lo.is_finite()
    }

    pub fn abs(self) -> Dd {
        if self.hi < 0.0 || (self.hi == 0.0 && self.lo < 0.0) {
            -self
        } else {
            self
        }
    }

    fn renorm(hi: f64, lo: f64) -> Dd {
        if !hi.is_finite() {
            return Dd { hi, lo: 0.0 };
        }
        let (h, l) = fast_two_sum(hi, lo);
        Dd { hi: h, lo: l }
    }

    pub fn mul_f64(self, b: f64) -> Dd {
        let (p, e) = two_prod(self.hi, b);
        Dd::renorm(p, e + self.lo * b)
    }

    /// $e^x$: $x = k \ln 2 + r$ with $|r| \le \tfrac12 \ln 2$, $e^r$ by its Taylor series.
    pub fn exp(self) -> Dd {
        if self.hi > 709.8 {
            return Dd::new(f64::INFINITY);
        }
        if self.hi < -745.2 {
            return Dd::ZERO;
        }
        if self.hi == 0.0 && self.lo == 0.0 {
            return Dd::ONE;
        }
        let k = (self.hi / std::f64::consts::LN_2).round();
        let r = self - LN2 * Dd::new(k);
        // Σ r^n/n! to n = 27: |r| ≤ 0.347, so the remainder is below 1e-40.
        let mut term = Dd::ONE;
        let mut sum = Dd::ONE;
        for n in 1..=27 {
            term = (term * r).div_f64(f64::from(n));
            sum = sum + term;
        }
        // × 2^k exactly (in two steps, so that 2^k itself stays in range).
        let k = k as i32;
        let (k1, k2) = (k / 2, k - k / 2);
        let p1 = 2f64.powi(k1);
        let p2 = 2f64.powi(k2);
        Dd {
            hi: sum.hi * p1 * p2,
            lo: sum.lo * p1 * p2,
        }
    }

    /// $\ln x$ for $x > 0$: Newton's step $y + x e^{-y} - 1$ from the double logarithm.
    pub fn ln(self) -> Dd {
        let y = Dd::new(self.hi.ln());
        if !y.is_finite() {
            return y;
        }
        let y = y + self * (-y).exp() - Dd::ONE;
        y + self * (-y).exp() - Dd::ONE
    }

    /// $\sqrt x$ for $x \ge 0$: one Newton step from the double root.
    pub fn sqrt(self) -> Dd {
        if self.hi <= 0.0 {
            return Dd::ZERO;
        }
        let s = self.hi.sqrt();
        let (p, e) = two_prod(s, s);
        let r = (self - Dd { hi: p, lo: e }).to_f64();
        Dd::renorm(s, r / (2.0 * s))
    }

    fn div_f64(self, b: f64) -> Dd {
        let q1 = self.hi / b;
        let (p, e) = two_prod(q1, b);
        let r = (self.hi - p - e + self.lo) / b;
        Dd::renorm(q1, r)
    }

    pub fn cmp_f64(self, x: f64) -> Ordering {
        match self.hi.partial_cmp(&x) {
            Some(Ordering::Equal) | None => self.lo.partial_cmp(&0.0).unwrap_or(Ordering::Equal),
            Some(o) => o,
        }
    }
}

/// $\ln 2$ to double-double precision.
const LN2: Dd = Dd {
    hi: std::f64::consts::LN_2,
    lo: 2.319_046_813_846_299_6e-17,
};

/// $\pi$ to double-double precision.
pub(super) const PI: Dd = Dd {
    hi: std::f64::consts::PI,
    lo: 1.224_646_799_147_353_2e-16,
};

impl Neg for Dd {
    type Output = Dd;
    fn neg(self) -> Dd {
        Dd {
            hi: -self.hi,
            lo: -self.lo,
        }
    }
}

impl Add for Dd {
    type Output = Dd;
    fn add(self, b: Dd) -> Dd {
        let (s, e) = two_sum(self.hi, b.hi);
        if !s.is_finite() {
            return Dd::new(s);
        }
        let (t, f) = two_sum(self.lo, b.lo);
        let (s, e) = fast_two_sum(s, e + t);
        Dd::renorm(s, e + f)
    }
}

impl Sub for Dd {
    type Output = Dd;
    fn sub(self, b: Dd) -> Dd {
        self + (-b)
    }
}

impl Mul for Dd {
    type Output = Dd;
    fn mul(self, b: Dd) -> Dd {
        let (p, e) = two_prod(self.hi, b.hi);
        Dd::renorm(p, e + (self.hi * b.lo + self.lo * b.hi))
    }
}

impl Div for Dd {
    type Output = Dd;
    fn div(self, b: Dd) -> Dd {
        let q1 = self.hi / b.hi;
        if !q1.is_finite() {
            return Dd::new(q1);
        }
        let r = self - b.mul_f64(q1);
        let q2 = r.hi / b.hi;
        let r = r - b.mul_f64(q2);
        let q3 = r.hi / b.hi;
        let q = Dd::renorm(q1, q2);
        q + Dd::new(q3)
    }
}

impl PartialOrd for Dd {
    fn partial_cmp(&self, o: &Dd) -> Option<Ordering> {
        match self.hi.partial_cmp(&o.hi) {
            Some(Ordering::Equal) => self.lo.partial_cmp(&o.lo),
            other => other,
        }
    }
}

/// A midpoint and a radius: the exact value lies within `r` of `m`.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub(super) struct Ball {
    pub m: Dd,
    pub r: f64,
}

/// A radius rounded upwards, and the rounding of a midpoint of size `m` added.
#[inline]
fn up(r: f64, m: Dd) -> f64 {
    let mag = m.hi.abs();
    // The low word of a midpoint this small has lost bits to gradual underflow.
    let tiny = if mag != 0.0 && mag < 1e-250 {
        DD_ABS
    } else {
        0.0
    };
    (r + DD_REL * mag + tiny) * (1.0 + 4.0 * f64::EPSILON)
}

impl Ball {
    pub const ZERO: Ball = Ball {
        m: Dd::ZERO,
        r: 0.0,
    };
    pub const ONE: Ball = Ball { m: Dd::ONE, r: 0.0 };

    /// An exact number.
    pub fn exact(x: f64) -> Ball {
        Ball {
            m: Dd::new(x),
            r: 0.0,
        }
    }

    /// A number as written in an expression: exact if it is an integer or a short binary
    /// fraction (0.375), otherwise within half an ulp (a decimal such as 0.1 is not a double,
    /// and a folded constant was rounded).
    pub fn literal(x: f64) -> Ball {
        let r = if (x * 1024.0).fract() == 0.0 && x.abs() < 1e15 {
            0.0
        } else {
            U * x.abs()
        };
        Ball { m: Dd::new(x), r }
    }

    pub fn from_dd(m: Dd, r: f64) -> Ball {
        Ball { m, r }
    }

    /// The nearest double to the midpoint.
    pub fn mid(self) -> f64 {
        self.m.to_f64()
    }

    /// An upper bound of $|x|$ for every $x$ in the ball.
    pub fn mag(self) -> f64 {
        (self.m.hi.abs() + self.m.lo.abs() + self.r) * (1.0 + 2.0 * f64::EPSILON)
    }

    /// Whether the midpoint is exactly zero and the radius too.
    pub fn is_zero(self) -> bool {
        self.m.hi == 0.0 && self.r == 0.0
    }

    /// Whether the midpoint is zero (the radius may not be).
    pub fn mid_is_zero(self) -> bool {
        self.m.hi == 0.0
    }

    pub fn is_finite(self) -> bool {
        self.m.is_finite() && self.r.is_finite()
    }

    /// The midpoint's value and a bound on the distance from the exact value to it, as doubles.
    pub fn value_and_bound(self) -> (f64, f64) {
        let v = self.m.to_f64();
        let rounding = (self.m - Dd::new(v)).to_f64().abs();
        (v, (self.r + rounding) * (1.0 + 4.0 * f64::EPSILON))
    }

    pub fn abs(self) -> Ball {
        Ball {
            m: self.m.abs(),
            r: self.r,
        }
    }

    /// $e^x$: radius $e^{m}(e^{r} - 1)$.
    pub fn exp(self) -> Ball {
        let m = self.m.exp();
        let spread = if self.r == 0.0 { 0.0 } else { self.r.exp_m1() };
        let r = m.hi.abs() * spread * (1.0 + 4.0 * f64::EPSILON);
        Ball { m, r: up(r, m) }
    }

    /// $\ln x$; infinite radius unless the ball is positive.
    pub fn ln(self) -> Ball {
        let lower = self.m.hi - self.r;
        if !(lower > 0.0) {
            return Ball {
                m: self.m.ln(),
                r: f64::INFINITY,
            };
        }
        let m = self.m.ln();
        Ball {
            m,
            r: up(self.r / lower, m),
        }
    }

    /// $\sqrt x$; infinite radius unless the ball is non-negative.
    pub fn sqrt(self) -> Ball {
        let lower = self.m.hi - self.r;
        if lower < 0.0 {
            return Ball {
                m: self.m.sqrt(),
                r: f64::INFINITY,
            };
        }
        let m = self.m.sqrt();
        // √(m + r) − √m ≤ r / (√(m − r) + √m)... bounded by r / √(m − r) / 1.
        let denom = lower.sqrt() + m.hi;
        let r = if self.r == 0.0 {
            0.0
        } else if denom > 0.0 {
            self.r / denom * 2.0
        } else {
            self.r.sqrt()
        };
        Ball { m, r: up(r, m) }
    }

    /// $x^n$ by repeated squaring.
    pub fn powi(self, n: u32) -> Ball {
        let mut acc = Ball::ONE;
        let mut base = self;
        let mut k = n;
        while k > 0 {
            if k & 1 == 1 {
                acc = acc * base;
            }
            base = base * base;
            k >>= 1;
        }
        acc
    }

    /// The ball times an exact double.
    pub fn scale(self, c: f64) -> Ball {
        let m = self.m.mul_f64(c);
        Ball {
            m,
            r: up(self.r * c.abs(), m),
        }
    }

    /// Compare midpoints.
    pub fn cmp_mid(&self, o: &Ball) -> Ordering {
        self.m.partial_cmp(&o.m).unwrap_or(Ordering::Equal)
    }
}

impl Neg for Ball {
    type Output = Ball;
    fn neg(self) -> Ball {
        Ball {
            m: -self.m,
            r: self.r,
        }
    }
}

impl Add for Ball {
    type Output = Ball;
    fn add(self, b: Ball) -> Ball {
        let m = self.m + b.m;
        Ball {
            m,
            r: up(self.r + b.r, m),
        }
    }
}

impl Sub for Ball {
    type Output = Ball;
    /// $a - b$; exactly zero when the two balls are identical: they are then one quantity
    /// computed twice (the same decimal, the same end of the same window), and its difference
    /// with itself is 0, where ball arithmetic alone would widen it to $\pm 2r$.
    fn sub(self, b: Ball) -> Ball {
        if self == b && self.is_finite() {
            return Ball::ZERO;
        }
        let m = self.m - b.m;
        Ball {
            m,
            r: up(self.r + b.r, m),
        }
    }
}

impl Mul for Ball {
    type Output = Ball;
    fn mul(self, b: Ball) -> Ball {
        let m = self.m * b.m;
        let r = if self.r == 0.0 && b.r == 0.0 {
            0.0
        } else {
            self.m.hi.abs() * b.r + b.m.hi.abs() * self.r + self.r * b.r
        };
        Ball { m, r: up(r, m) }
    }
}

impl Div for Ball {
    type Output = Ball;
    fn div(self, b: Ball) -> Ball {
        let m = self.m / b.m;
        let lower = b.m.hi.abs() - b.r;
        let r = if self.r == 0.0 && b.r == 0.0 {
            0.0
        } else if lower > 0.0 {
            (self.r + m.hi.abs() * b.r) / lower
        } else {
            f64::INFINITY
        };
        Ball { m, r: up(r, m) }
    }
}

impl Add<f64> for Ball {
    type Output = Ball;
    fn add(self, b: f64) -> Ball {
        self + Ball::exact(b)
    }
}

impl Mul<f64> for Ball {
    type Output = Ball;
    fn mul(self, b: f64) -> Ball {
        self.scale(b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Values from mpmath at 40 digits, split into two doubles by `mpf → float` twice.
    #[test]
    fn double_double_functions_agree_with_high_precision_values() {
        // exp(1), exp(-30.5), ln(10), sqrt(2)
        let e1 = Dd::new(1.0).exp();
        assert_eq!(e1.hi, std::f64::consts::E);
        assert!((e1.lo - 1.445_646_891_729_250_2e-16).abs() < 1e-31);
        let ln10 = Dd::new(10.0).ln();
        assert_eq!(ln10.hi, std::f64::consts::LN_10);
        assert!((ln10.lo - (-2.170_756_223_382_249_4e-16)).abs() < 1e-31);
        let s2 = Dd::new(2.0).sqrt();
        assert_eq!(s2.hi, std::f64::consts::SQRT_2);
        assert!((s2.lo - (-9.667_293_313_452_913e-17)).abs() < 1e-31);
        // exp(ln(x)) round trip at the double-double level.
        for x in [1e-200, 0.3, 7.5, 1e250] {
            let y = Dd::new(x).ln().exp();
            assert!(((y - Dd::new(x)).to_f64() / x).abs() < 1e-30, "{x}: {y:?}");
        }
    }

    #[test]
    fn balls_contain_the_exact_results_of_cancelling_sums() {
        // (1 + 1e-20) − 1 in balls of literal inputs: the radius covers the input uncertainty.
        let a = Ball::literal(0.1) + Ball::literal(0.2);
        let b = Ball::literal(0.3);
        let d = a - b;
        // Exactly, 0.1 + 0.2 − 0.3 = 0: the ball must contain 0.
        assert!(d.m.to_f64().abs() <= d.r, "{d:?}");
        // Integers are exact: (3·7 − 21) is exactly zero with radius zero.
        let z = Ball::exact(3.0) * Ball::exact(7.0) - Ball::exact(21.0);
        assert!(z.m.to_f64() == 0.0 && z.r < 1e-28);
    }
}
