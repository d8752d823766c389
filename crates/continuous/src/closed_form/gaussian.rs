//! Polynomials times Gaussians: $p(t - m)\\, e^{-\alpha (t - m)^2}$, a family closed under
//! convolution. Completing the square turns each pair into Gaussian moments
//! $\int s^{2n} e^{-A s^2} ds = \sqrt{\pi/A}\\,(2n-1)!!/(2A)^n$.

use super::ball::{self, Ball};
use super::operand::GaussTerm;
use super::poly;
use crate::symbolic::Expr;

impl GaussTerm {
    /// The value at `t` as a ball (midpoint and radius): the exact value lies inside.
    pub fn eval(&self, t: f64) -> Ball {
        let s = Ball::exact(t) - self.m;
        let g = (-(self.alpha * s * s)).exp();
        poly::horner(&self.poly, s) * g
    }
}

/// Add the polynomials of terms with the same centre and width.
pub(super) fn merge(terms: Vec<GaussTerm>) -> Vec<GaussTerm> {
    let mut out: Vec<GaussTerm> = Vec::with_capacity(terms.len());
    for t in terms {
        if let Some(slot) = out.iter_mut().find(|o| o.m == t.m && o.alpha == t.alpha) {
            poly::add(&mut slot.poly, &t.poly);
        } else {
            out.push(t);
        }
    }
    for o in &mut out {
        poly::trim(&mut o.poly);
    }
    out.retain(|o| !o.poly.is_empty());
    out
}

/// Coefficients of $p(\lambda T + \sigma s)$: rows are powers of $T$, columns of $s$.
fn bivariate(p: &[Ball], lambda: Ball, sigma: f64) -> Vec<Vec<Ball>> {
    let n = p.len();
    let mut out = vec![vec![Ball::ZERO; n]; n];
    let lambda_pow: Vec<Ball> = (0..n).map(|i| lambda.powi(i as u32)).collect();
    for (k, &pk) in p.iter().enumerate() {
        if pk.is_zero() {
            continue;
        }
        // (λT + σs)^k = Σ_i C(k, i) λ^i σ^(k-i) T^i s^(k-i)
        let mut binom = 1.0;
        for i in 0..=k {
            let sign = if (k - i) % 2 == 1 && sigma < 0.0 {
                -1.0
            } else {
                1.0
            };
            out[i][k - i] = out[i][k - i] + pk * lambda_pow[i] * (sign * binom);
            binom = binom * (k - i) as f64 / (i + 1) as f64;
        }
    }
    out
}

/// One pair: $\int P(u) e^{-\alpha_1 u^2} Q(T - u) e^{-\alpha_2 (T - u)^2} du$ with
/// $u = \tau - m_1$, $T = t - m_1 - m_2$.
fn pair(g: &GaussTerm, h: &GaussTerm) -> GaussTerm {
    let a = g.alpha + h.alpha;
    let (l1, l2) = (g.alpha / a, h.alpha / a);
    // u = λ2 T + s, T − u = λ1 T − s.
    let bp = bivariate(&g.poly, l2, 1.0);
    let bq = bivariate(&h.poly, l1, -1.0);
    let deg = g.poly.len() + h.poly.len() - 1;
    // Moments ∫ s^j e^{-A s²} ds.
    let mut moments = vec![Ball::ZERO; deg];
    let mut m = (Ball::from_dd(ball::PI, 0.0) / a).sqrt();
    for (j, slot) in moments.iter_mut().enumerate() {
        if j % 2 == 0 {
            *slot = m;
            m = m * ((j + 1) as f64) / (a * 2.0);
        }
    }
    let mut out = vec![Ball::ZERO; deg];
    for (i1, row1) in bp.iter().enumerate() {
        for (k1, &c1) in row1.iter().enumerate() {
            if c1.is_zero() {
                continue;
            }
            for (i2, row2) in bq.iter().enumerate() {
                for (k2, &c2) in row2.iter().enumerate() {
                    if (k1 + k2) % 2 == 0 && !c2.is_zero() {
                        out[i1 + i2] = out[i1 + i2] + c1 * c2 * moments[k1 + k2];
                    }
                }
            }
        }
    }
    GaussTerm {
        m: g.m + h.m,
        alpha: g.alpha * h.alpha / a,
        poly: out,
    }
}

/// Every pair, merged.
pub(super) fn convolve(hs: &[GaussTerm], xs: &[GaussTerm]) -> Vec<GaussTerm> {
    let mut out = Vec::with_capacity(hs.len() * xs.len());
    for g in hs {
        for h in xs {
            out.push(pair(g, h));
        }
    }
    merge(out)
}

/// $\sum \text{poly}(t - m)\\, \exp(-\alpha (t - m)^2)$ with each polynomial in Horner form.
pub(super) fn to_expr(terms: &[GaussTerm]) -> Expr {
    terms
        .iter()
        .map(|g| {
            let s = super::emit::local(g.m.mid());
            let gauss = Expr::call(
                crate::symbolic::Func::Exp,
                -(Expr::num(g.alpha.mid()) * s.clone().pow(Expr::num(2.0))),
            );
            let coeffs: Vec<f64> = g.poly.iter().map(|c| c.mid()).collect();
            super::emit::times(super::emit::horner(&coeffs, &s), gauss)
        })
        .reduce(|a, b| a + b)
        .unwrap_or(Expr::num(0.0))
}
