//! Polynomials times Gaussians: $p(t - m)\\, e^{-\alpha (t - m)^2}$, a family closed under
//! convolution. Completing the square turns each pair into Gaussian moments
//! $\int s^{2n} e^{-A s^2} ds = \sqrt{\pi/A}\\,(2n-1)!!/(2A)^n$.

use super::poly;
use crate::symbolic::Expr;

/// $\text{poly}(t - m)\\, e^{-\alpha (t - m)^2}$ with $\alpha > 0$.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct GaussTerm {
    pub m: f64,
    pub alpha: f64,
    pub poly: Vec<f64>,
}

impl GaussTerm {
    /// The value and $\sum_k |c_k| |s|^k e^{-\alpha s^2}$ (the rounding scale).
    pub fn eval(&self, t: f64) -> (f64, f64) {
        let s = t - self.m;
        let g = (-self.alpha * s * s).exp();
        (
            poly::horner(&self.poly, s) * g,
            poly::abs_sum(&self.poly, s) * g,
        )
    }
}

/// Add the polynomials of terms with the same centre and width.
pub(super) fn merge(terms: Vec<GaussTerm>) -> Vec<GaussTerm> {
    let mut out: Vec<GaussTerm> = Vec::with_capacity(terms.len());
    for t in terms {
        if let Some(slot) = out.iter_mut().find(|o| o.m == t.m && o.alpha == t.alpha) {
            poly::add_scaled(&mut slot.poly, &t.poly, 1.0);
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

/// Coefficients of $(a\\,T + b\\,s)^k$-style expansions: rows are powers of $T$, columns of $s$,
/// for $p(\lambda T + \sigma s)$.
fn bivariate(p: &[f64], lambda: f64, sigma: f64) -> Vec<Vec<f64>> {
    let n = p.len();
    let mut out = vec![vec![0.0; n]; n];
    for (k, &pk) in p.iter().enumerate() {
        if pk == 0.0 {
            continue;
        }
        // (λT + σs)^k = Σ_i C(k, i) λ^i σ^(k-i) T^i s^(k-i)
        let mut binom = 1.0;
        for i in 0..=k {
            out[i][k - i] += pk * binom * lambda.powi(i as i32) * sigma.powi((k - i) as i32);
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
    let mut moments = vec![0.0; deg];
    let mut m = (std::f64::consts::PI / a).sqrt();
    for (j, slot) in moments.iter_mut().enumerate() {
        if j % 2 == 0 {
            *slot = m;
            m *= (j + 1) as f64 / (2.0 * a);
        }
    }
    let mut out = vec![0.0; deg];
    for (i1, row1) in bp.iter().enumerate() {
        for (k1, &c1) in row1.iter().enumerate() {
            if c1 == 0.0 {
                continue;
            }
            for (i2, row2) in bq.iter().enumerate() {
                for (k2, &c2) in row2.iter().enumerate() {
                    if (k1 + k2) % 2 == 0 {
                        out[i1 + i2] += c1 * c2 * moments[k1 + k2];
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
            let s = super::emit::local(g.m);
            let gauss = Expr::call(
                crate::symbolic::Func::Exp,
                -(Expr::num(g.alpha) * s.clone().pow(Expr::num(2.0))),
            );
            super::emit::times(super::emit::horner(&g.poly, &s), gauss)
        })
        .reduce(|a, b| a + b)
        .unwrap_or(Expr::num(0.0))
}
