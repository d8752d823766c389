//! Limits of slowly converging sequences: the partial sums of an oscillatory tail integrated
//! period by period. Levin's u-transform (exact for remainders of the form
//! $\omega_n \sum_j c_j/(n+1)^j$ with $\omega_n = (n+1) a_n$: the algebraic, logarithmically
//! converging tails of `sinc`-like integrands) and Wynn's ε-algorithm (Shanks' transform:
//! sums of geometric and alternating components), each with an error estimate from the
//! agreement of its last orders.

/// A limit and an estimate of its error.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Limit {
    pub value: f64,
    pub error: f64,
}

/// Levin's u-transform $L_k^{(n)}$ of the partial sums `s` (terms `a`), with $\omega_n =
/// (n + \beta) a_n$: $\beta$ is the distance of the sequence's origin, in terms (a tail that
/// starts 32 periods out behaves like a function of $n + 32$, not of $n + 1$).
fn levin_u(s: &[f64], a: &[f64], beta: f64, n: usize, k: usize) -> Option<f64> {
    if n + k >= s.len() {
        return None;
    }
    let (mut num, mut den) = (0.0, 0.0);
    let mut binom = 1.0;
    let ratio = |j: usize| (((n + j) as f64 + beta) / ((n + k) as f64 + beta)).powi(k as i32 - 1);
    for j in 0..=k {
        let omega = ((n + j) as f64 + beta) * a[n + j];
        if omega == 0.0 || !omega.is_finite() {
            return None;
        }
        let sign = if j % 2 == 0 { 1.0 } else { -1.0 };
        let w = sign * binom * ratio(j) / omega;
        num += w * s[n + j];
        den += w;
        binom = binom * (k - j) as f64 / (j + 1) as f64;
    }
    let v = num / den;
    v.is_finite().then_some(v)
}

/// The best Levin estimate: over the orders $k \le 14$ (higher ones cancel catastrophically in
/// double precision), the one whose neighbours (order $k - 1$, and the same order started one
/// and two terms later) agree best; the error is the largest of the disagreements.
pub(super) fn levin(s: &[f64], a: &[f64], beta: f64) -> Option<Limit> {
    let mut best: Option<Limit> = None;
    for k in 3..s.len().saturating_sub(2).min(15) {
        let (Some(l), Some(prev), Some(shifted), Some(shifted2)) = (
            levin_u(s, a, beta, 0, k),
            levin_u(s, a, beta, 0, k - 1),
            levin_u(s, a, beta, 1, k),
            levin_u(s, a, beta, 2, k),
        ) else {
            continue;
        };
        let error = (l - prev)
            .abs()
            .max((l - shifted).abs())
            .max((l - shifted2).abs());
        if best.is_none_or(|b| error < b.error) {
            best = Some(Limit { value: l, error });
        }
    }
    best
}

/// Wynn's ε-algorithm on the partial sums: the even columns $\varepsilon_{2k}$, the estimate
/// from the last one whose change from the previous even column is smallest.
pub(super) fn wynn(s: &[f64]) -> Option<Limit> {
    let n = s.len();
    if n < 5 {
        return None;
    }
    // e[k][m]: column k, row m.
    let mut prev: Vec<f64> = vec![0.0; n + 1];
    let mut cur: Vec<f64> = s.to_vec();
    let mut best: Option<Limit> = None;
    let mut last_even: Option<f64> = None;
    for col in 1..n {
        let mut next = Vec::with_capacity(cur.len().saturating_sub(1));
        for m in 0..cur.len().saturating_sub(1) {
            let d = cur[m + 1] - cur[m];
            if d == 0.0 || !d.is_finite() {
                return best;
            }
            next.push(prev[m + 1] + 1.0 / d);
        }
        prev = cur;
        cur = next;
        if cur.is_empty() {
            break;
        }
        if col % 2 == 0 {
            let v = *cur.last().unwrap_or(&f64::NAN);
            if !v.is_finite() {
                break;
            }
            // Two estimates of the same column from different starting rows, and the change
            // from the previous even column.
            let shift = if cur.len() >= 2 {
                (v - cur[cur.len() - 2]).abs()
            } else {
                f64::INFINITY
            };
            if let Some(p) = last_even {
                let error = (v - p).abs().max(shift);
                if best.is_none_or(|b| error < b.error) {
                    best = Some(Limit { value: v, error });
                }
            }
            last_even = Some(v);
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sums(terms: &[f64]) -> Vec<f64> {
        terms
            .iter()
            .scan(0.0, |acc, t| {
                *acc += t;
                Some(*acc)
            })
            .collect()
    }

    #[test]
    fn levin_sums_a_logarithmically_converging_series() {
        // Σ 1/n² = π²/6: 30 terms leave a remainder of 1/30 for the plain sum.
        let a: Vec<f64> = (1..=30).map(|n| 1.0 / f64::from(n * n)).collect();
        let l = levin(&sums(&a), &a, 1.0).unwrap_or(Limit {
            value: 0.0,
            error: 1.0,
        });
        let exact = std::f64::consts::PI.powi(2) / 6.0;
        assert!((l.value - exact).abs() < 1e-10, "{l:?}");
        assert!((l.value - exact).abs() <= l.error.max(1e-14), "{l:?}");
    }

    #[test]
    fn wynn_sums_an_alternating_series() {
        // Σ (−1)^n/(n + 1) = ln 2.
        let a: Vec<f64> = (0..20)
            .map(|n| if n % 2 == 0 { 1.0 } else { -1.0 } / f64::from(n + 1))
            .collect();
        let w = wynn(&sums(&a)).unwrap_or(Limit {
            value: 0.0,
            error: 1.0,
        });
        assert!((w.value - std::f64::consts::LN_2).abs() < 1e-12, "{w:?}");
        assert!((w.value - std::f64::consts::LN_2).abs() <= w.error.max(1e-15));
    }
}
