//! Dense polynomials in a local variable, coefficients (balls) from the constant term up.

use super::ball::Ball;

/// $p(v)$ by Horner's rule.
pub(super) fn horner(p: &[Ball], v: Ball) -> Ball {
    p.iter().rev().fold(Ball::ZERO, |acc, &c| acc * v + c)
}

/// The coefficients of $q(v) = p(v + d)$ (a Taylor shift, $O(n^2)$).
pub(super) fn shift(p: &[Ball], d: Ball) -> Vec<Ball> {
    let mut q = p.to_vec();
    if d.is_zero() {
        return q;
    }
    let n = q.len();
    for i in 0..n.saturating_sub(1) {
        for j in (i..n - 1).rev() {
            q[j] = q[j] + d * q[j + 1];
        }
    }
    q
}

/// $a \cdot b$.
pub(super) fn mul(a: &[Ball], b: &[Ball]) -> Vec<Ball> {
    if a.is_empty() || b.is_empty() {
        return Vec::new();
    }
    let mut out = vec![Ball::ZERO; a.len() + b.len() - 1];
    for (i, &x) in a.iter().enumerate() {
        if x.is_zero() {
            continue;
        }
        for (j, &y) in b.iter().enumerate() {
            out[i + j] = out[i + j] + x * y;
        }
    }
    out
}

/// `acc += s · b`, growing `acc` as needed.
pub(super) fn add_scaled(acc: &mut Vec<Ball>, b: &[Ball], s: Ball) {
    if acc.len() < b.len() {
        acc.resize(b.len(), Ball::ZERO);
    }
    for (a, &y) in acc.iter_mut().zip(b) {
        *a = *a + s * y;
    }
}

/// `acc += b`, growing `acc` as needed.
pub(super) fn add(acc: &mut Vec<Ball>, b: &[Ball]) {
    if acc.len() < b.len() {
        acc.resize(b.len(), Ball::ZERO);
    }
    for (a, &y) in acc.iter_mut().zip(b) {
        *a = *a + y;
    }
}

/// Drop trailing coefficients that are exactly zero (midpoint and radius).
pub(super) fn trim(p: &mut Vec<Ball>) {
    while p.last().is_some_and(|c| c.is_zero()) {
        p.pop();
    }
}

/// Whether every coefficient is exactly zero.
pub(super) fn is_zero(p: &[Ball]) -> bool {
    p.iter().all(|c| c.is_zero())
}

/// The degree (0 for constants and for the zero polynomial).
pub(super) fn degree(p: &[Ball]) -> usize {
    p.iter().rposition(|c| !c.is_zero()).unwrap_or(0)
}

/// The antiderivative vanishing at 0.
pub(super) fn antiderivative(p: &[Ball]) -> Vec<Ball> {
    let mut out = Vec::with_capacity(p.len() + 1);
    out.push(Ball::ZERO);
    out.extend(
        p.iter()
            .enumerate()
            .map(|(k, &c)| c / Ball::exact((k + 1) as f64)),
    );
    out
}

/// Exact coefficients from doubles.
#[cfg(test)]
pub(super) fn exact(p: &[f64]) -> Vec<Ball> {
    p.iter().map(|&c| Ball::exact(c)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn taylor_shift_matches_evaluation() {
        let p = exact(&[1.0, -2.0, 0.5, 3.0]);
        let q = shift(&p, Ball::exact(1.5));
        for v in [-1.0, 0.0, 0.25, 2.0] {
            let a = horner(&q, Ball::exact(v)).mid();
            let b = horner(&p, Ball::exact(v + 1.5)).mid();
            assert!((a - b).abs() < 1e-14);
        }
    }

    #[test]
    fn product_and_antiderivative() {
        let p = mul(&exact(&[1.0, 1.0]), &exact(&[-1.0, 1.0]));
        assert_eq!(
            p.iter().map(|b| b.mid()).collect::<Vec<_>>(),
            vec![-1.0, 0.0, 1.0]
        );
        let a = antiderivative(&p);
        assert_eq!(a[3].mid(), 1.0 / 3.0);
        assert!(a[3].r < 1e-30);
        assert_eq!(degree(&exact(&[1.0, 0.0, 0.0])), 0);
    }
}
