//! Dense polynomials in a local variable, coefficients from the constant term up.

/// $p(v)$ by Horner's rule.
pub(super) fn horner(p: &[f64], v: f64) -> f64 {
    p.iter().rev().fold(0.0, |acc, &c| acc * v + c)
}

/// $\sum_k |p_k|\\,|v|^k$: the scale against which rounding in [`horner`] is measured.
pub(super) fn abs_sum(p: &[f64], v: f64) -> f64 {
    let v = v.abs();
    p.iter().rev().fold(0.0, |acc, &c| acc * v + c.abs())
}

/// The coefficients of $q(v) = p(v + d)$ (a Taylor shift, $O(n^2)$).
pub(super) fn shift(p: &[f64], d: f64) -> Vec<f64> {
    let mut q = p.to_vec();
    if d == 0.0 {
        return q;
    }
    let n = q.len();
    for i in 0..n.saturating_sub(1) {
        for j in (i..n - 1).rev() {
            q[j] += d * q[j + 1];
        }
    }
    q
}

/// $a \cdot b$.
pub(super) fn mul(a: &[f64], b: &[f64]) -> Vec<f64> {
    if a.is_empty() || b.is_empty() {
        return Vec::new();
    }
    let mut out = vec![0.0; a.len() + b.len() - 1];
    for (i, &x) in a.iter().enumerate() {
        if x == 0.0 {
            continue;
        }
        for (j, &y) in b.iter().enumerate() {
            out[i + j] += x * y;
        }
    }
    out
}

/// `acc += s · b`, growing `acc` as needed.
pub(super) fn add_scaled(acc: &mut Vec<f64>, b: &[f64], s: f64) {
    if acc.len() < b.len() {
        acc.resize(b.len(), 0.0);
    }
    for (a, &y) in acc.iter_mut().zip(b) {
        *a += s * y;
    }
}

/// Drop trailing zero coefficients.
pub(super) fn trim(p: &mut Vec<f64>) {
    while p.last() == Some(&0.0) {
        p.pop();
    }
}

/// Whether every coefficient is zero.
pub(super) fn is_zero(p: &[f64]) -> bool {
    p.iter().all(|&c| c == 0.0)
}

/// The degree (0 for constants and for the zero polynomial).
pub(super) fn degree(p: &[f64]) -> usize {
    p.iter().rposition(|&c| c != 0.0).unwrap_or(0)
}

/// The antiderivative vanishing at 0.
pub(super) fn antiderivative(p: &[f64]) -> Vec<f64> {
    let mut out = Vec::with_capacity(p.len() + 1);
    out.push(0.0);
    out.extend(p.iter().enumerate().map(|(k, &c)| c / (k + 1) as f64));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn taylor_shift_matches_evaluation() {
        let p = [1.0, -2.0, 0.5, 3.0];
        let q = shift(&p, 1.5);
        for v in [-1.0, 0.0, 0.25, 2.0] {
            assert!((horner(&q, v) - horner(&p, v + 1.5)).abs() < 1e-12);
        }
    }

    #[test]
    fn product_and_antiderivative() {
        let p = mul(&[1.0, 1.0], &[-1.0, 1.0]);
        assert_eq!(p, vec![-1.0, 0.0, 1.0]);
        assert_eq!(antiderivative(&p), vec![0.0, -1.0, 0.0, 1.0 / 3.0]);
        assert_eq!(degree(&[1.0, 0.0, 0.0]), 0);
    }
}
