//! Chebyshev collocation on $[a, b]$: the points of the second kind, the differentiation
//! matrix, Clenshaw–Curtis weights, coefficients, and evaluation of the interpolant and its
//! derivatives — with a dense LU to solve the collocated equations (this crate has no matrix
//! library).
// Matrices are indexed as in the formulas; `!(a > b)` is also true for NaN, on purpose.
#![allow(clippy::needless_range_loop, clippy::neg_cmp_op_on_partial_ord)]

use std::f64::consts::PI;

/// The $N + 1$ Chebyshev points of the second kind on $[a, b]$ in increasing order,
/// $t_j = \tfrac{a+b}{2} - \tfrac{b-a}{2}\cos(\pi j/N)$, with the differentiation matrix and the
/// Clenshaw–Curtis weights on them.
#[derive(Debug, Clone)]
pub(crate) struct Cheb {
    pub a: f64,
    pub b: f64,
    pub n: usize,
    /// The points $t_j$.
    pub t: Vec<f64>,
    /// $D$ (row-major, $(N+1)^2$): $(Dx)_i = x'(t_i)$ for the interpolant of $x$.
    pub d: Vec<f64>,
    /// $D^2$.
    pub d2: Vec<f64>,
    /// Clenshaw–Curtis weights: $\sum_j w_j f(t_j) \approx \int_a^b f$.
    pub w: Vec<f64>,
}

impl Cheb {
    /// The collocation data for `n ≥ 2` intervals on `[a, b]`.
    pub fn new(a: f64, b: f64, n: usize) -> Self {
        let theta: Vec<f64> = (0..=n).map(|j| PI * j as f64 / n as f64).collect();
        let (mid, half) = (0.5 * (a + b), 0.5 * (b - a));
        let mut t: Vec<f64> = theta.iter().map(|th| mid - half * th.cos()).collect();
        t[0] = a;
        t[n] = b;
        // Barycentric weights (−1)^j δ_j, δ = ½ at the ends.
        let bw: Vec<f64> = (0..=n)
            .map(|j| {
                let s = if j % 2 == 0 { 1.0 } else { -1.0 };
                if j == 0 || j == n { 0.5 * s } else { s }
            })
            .collect();
        let m = n + 1;
        let mut d = vec![0.0; m * m];
        for i in 0..m {
            let mut diag = 0.0;
            for j in 0..m {
                if i == j {
                    continue;
                }
                // s_i − s_j = cos θ_j − cos θ_i on [−1, 1], computed without cancellation.
                let diff =
                    2.0 * (0.5 * (theta[i] + theta[j])).sin() * (0.5 * (theta[i] - theta[j])).sin();
                let v = (bw[j] / bw[i]) / diff / half;
                d[i * m + j] = v;
                diag -= v;
            }
            d[i * m + i] = diag;
        }
        let d2 = matmul(&d, &d, m);
        Self {
            a,
            b,
            n,
            t,
            d,
            d2,
            w: clenshaw_curtis(n, half),
        }
    }

    /// $Dx$.
    pub fn diff(&self, x: &[f64]) -> Vec<f64> {
        matvec(&self.d, x)
    }

    /// $D^2 x$.
    pub fn diff2(&self, x: &[f64]) -> Vec<f64> {
        matvec(&self.d2, x)
    }

    /// $\sum_j w_j f_j$.
    pub fn integrate(&self, f: &[f64]) -> f64 {
        self.w.iter().zip(f).map(|(w, v)| w * v).sum()
    }

    /// The Chebyshev coefficients $c_k$ of the interpolant of the values `x` at the points,
    /// $x(t) = \sum_k c_k T_k(s)$, $s = (2t - a - b)/(b - a)$.
    pub fn coefficients(&self, x: &[f64]) -> Vec<f64> {
        let n = self.n;
        (0..=n)
            .map(|k| {
                let mut s = 0.0;
                for (j, v) in x.iter().enumerate() {
                    let w = if j == 0 || j == n { 0.5 } else { 1.0 };
                    // T_k(−cos θ_j) = (−1)^k cos(kθ_j); k·j mod 2N keeps the angle exact.
                    let kj = (k * j) % (2 * n);
                    s += w * v * (PI * kj as f64 / n as f64).cos();
                }
                let sign = if k % 2 == 0 { 1.0 } else { -1.0 };
                let scale = if k == 0 || k == n { 1.0 } else { 2.0 } / n as f64;
                sign * scale * s
            })
            .collect()
    }

    /// The values at other points `t` of the interpolant of the values `x` (barycentric formula).
    pub fn interpolate(&self, x: &[f64], t: &[f64]) -> Vec<f64> {
        let n = self.n;
        t.iter()
            .map(|&ti| {
                let (mut num, mut den) = (0.0, 0.0);
                for j in 0..=n {
                    let dt = ti - self.t[j];
                    if dt == 0.0 {
                        return x[j];
                    }
                    let s = if j % 2 == 0 { 1.0 } else { -1.0 };
                    let w = if j == 0 || j == n { 0.5 * s } else { s } / dt;
                    num += w * x[j];
                    den += w;
                }
                num / den
            })
            .collect()
    }
}

/// Clenshaw–Curtis weights for the $N + 1$ points, scaled to an interval of half-width `half`.
fn clenshaw_curtis(n: usize, half: f64) -> Vec<f64> {
    let mut w = vec![0.0; n + 1];
    let nf = n as f64;
    for (j, wj) in w.iter_mut().enumerate() {
        let theta = PI * j as f64 / nf;
        let mut s = 1.0;
        for k in 1..=n / 2 {
            let b = if 2 * k == n { 1.0 } else { 2.0 };
            s -= b * (2.0 * k as f64 * theta).cos() / (4.0 * (k * k) as f64 - 1.0);
        }
        let c = if j == 0 || j == n { 1.0 } else { 2.0 };
        *wj = c * s / nf * half;
    }
    w
}

/// The coefficients of $p'$ for $p = \sum_k c_k T_k(s)$ on $[a, b]$ (derivative in $t$).
pub(crate) fn derivative_coefficients(c: &[f64], a: f64, b: f64) -> Vec<f64> {
    let n = c.len();
    if n <= 1 {
        return vec![0.0];
    }
    let mut d = vec![0.0; n];
    // c'_{k−1} = c'_{k+1} + 2k c_k, then halve c'_0.
    for k in (1..n).rev() {
        let next = if k + 1 < n { d[k + 1] } else { 0.0 };
        d[k - 1] = next + 2.0 * k as f64 * c[k];
    }
    d[0] *= 0.5;
    d.truncate(n - 1);
    let scale = 2.0 / (b - a);
    d.iter().map(|v| v * scale).collect()
}

/// $\sum_k c_k T_k(s)$ at $s = (2t - a - b)/(b - a)$, by Clenshaw's recurrence.
pub(crate) fn clenshaw(c: &[f64], a: f64, b: f64, t: f64) -> f64 {
    let s = (2.0 * t - a - b) / (b - a);
    let (mut b1, mut b2) = (0.0, 0.0);
    for &ck in c.iter().skip(1).rev() {
        let b0 = 2.0 * s * b1 - b2 + ck;
        b2 = b1;
        b1 = b0;
    }
    s * b1 - b2 + c.first().copied().unwrap_or(0.0)
}

fn matmul(a: &[f64], b: &[f64], m: usize) -> Vec<f64> {
    let mut c = vec![0.0; m * m];
    for i in 0..m {
        for k in 0..m {
            let aik = a[i * m + k];
            if aik == 0.0 {
                continue;
            }
            for j in 0..m {
                c[i * m + j] += aik * b[k * m + j];
            }
        }
    }
    c
}

fn matvec(a: &[f64], x: &[f64]) -> Vec<f64> {
    let m = x.len();
    (0..m)
        .map(|i| {
            a[i * m..(i + 1) * m]
                .iter()
                .zip(x)
                .map(|(p, q)| p * q)
                .sum()
        })
        .collect()
}

/// Solve the dense square system $A u = r$ (row-major, `m × m`) by LU with partial pivoting;
/// `None` when a pivot is below `1e-14` of its column's scale (numerically singular).
pub(crate) fn solve_dense(mut a: Vec<f64>, mut r: Vec<f64>, m: usize) -> Option<Vec<f64>> {
    let scale = a.iter().map(|v| v.abs()).fold(0.0, f64::max);
    if !(scale > 0.0 && scale.is_finite()) {
        return None;
    }
    for k in 0..m {
        let p = (k..m).max_by(|&i, &j| a[i * m + k].abs().total_cmp(&a[j * m + k].abs()))?;
        if !(a[p * m + k].abs() > 1e-14 * scale) {
            return None;
        }
        if p != k {
            for j in 0..m {
                a.swap(k * m + j, p * m + j);
            }
            r.swap(k, p);
        }
        let piv = a[k * m + k];
        for i in k + 1..m {
            let f = a[i * m + k] / piv;
            if f == 0.0 {
                continue;
            }
            a[i * m + k] = 0.0;
            for j in k + 1..m {
                a[i * m + j] -= f * a[k * m + j];
            }
            r[i] -= f * r[k];
        }
    }
    let mut u = vec![0.0; m];
    for i in (0..m).rev() {
        let s: f64 = (i + 1..m).map(|j| a[i * m + j] * u[j]).sum();
        u[i] = (r[i] - s) / a[i * m + i];
    }
    u.iter().all(|v| v.is_finite()).then_some(u)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn differentiates_and_integrates_polynomials_exactly() {
        let c = Cheb::new(-1.0, 2.0, 12);
        let x: Vec<f64> = c.t.iter().map(|t| t.powi(5) - 3.0 * t).collect();
        let dx = c.diff(&x);
        let d2x = c.diff2(&x);
        for (i, t) in c.t.iter().enumerate() {
            // Entries of D grow like N², so a few hundred ulps of the values' scale (32).
            assert!((dx[i] - (5.0 * t.powi(4) - 3.0)).abs() < 1e-11, "{i}");
            assert!((d2x[i] - 20.0 * t.powi(3)).abs() < 1e-9, "{i}");
        }
        // ∫_{−1}^{2} t⁵ − 3t = (64 − 1)/6 − 3(4 − 1)/2.
        let exact = 63.0 / 6.0 - 4.5;
        assert!((c.integrate(&x) - exact).abs() < 1e-13);
    }

    #[test]
    fn coefficients_evaluate_back_to_the_values_and_differentiate() {
        let c = Cheb::new(0.5, 3.0, 16);
        let x: Vec<f64> = c.t.iter().map(|t| (0.7 * t).sin()).collect();
        let k = c.coefficients(&x);
        let dk = derivative_coefficients(&k, c.a, c.b);
        for &t in &[0.5, 1.1, 2.9, 3.0] {
            assert!((clenshaw(&k, c.a, c.b, t) - (0.7 * t).sin()).abs() < 1e-14);
            assert!((clenshaw(&dk, c.a, c.b, t) - 0.7 * (0.7 * t).cos()).abs() < 1e-13);
        }
        let mid = c.interpolate(&x, &[1.234]);
        assert!((mid[0] - (0.7f64 * 1.234).sin()).abs() < 1e-14);
    }

    #[test]
    fn lu_solves_and_refuses_a_singular_matrix() {
        let a = vec![0.0, 2.0, 1.0, 3.0, 1.0, 0.0, 1.0, 1.0, 1.0];
        let u = solve_dense(a, vec![5.0, 5.0, 4.0], 3).unwrap();
        assert!((u[0] - 1.0).abs() < 1e-14 && (u[1] - 2.0).abs() < 1e-14);
        assert!(solve_dense(vec![1.0, 2.0, 2.0, 4.0], vec![1.0, 1.0], 2).is_none());
    }
}
