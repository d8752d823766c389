//! The direct $O(nm)$ convolution sum: the ground truth every fast path is checked against.

/// The full convolution $z_k = \sum_i h_i\\, x_{k-i}$, length $n + m - 1$ (inputs non-empty).
pub(crate) fn full(h: &[f64], x: &[f64]) -> Vec<f64> {
    let (n, m) = (x.len(), h.len());
    let mut z = vec![0.0; n + m - 1];
    // Loop over the shorter vector outside so the inner loop (an axpy the compiler vectorises)
    // is long.
    let (long, short) = if n >= m { (x, h) } else { (h, x) };
    for (i, &s) in short.iter().enumerate() {
        if s == 0.0 {
            continue;
        }
        let out = &mut z[i..i + long.len()];
        for (o, &l) in out.iter_mut().zip(long) {
            *o += s * l;
        }
    }
    z
}

/// Only the entries `start..start + len` of the full convolution, without computing the rest.
pub(crate) fn window(h: &[f64], x: &[f64], start: usize, len: usize) -> Vec<f64> {
    let (n, m) = (x.len(), h.len());
    let mut z = vec![0.0; len];
    for (i, &hi) in h.iter().enumerate() {
        if hi == 0.0 {
            continue;
        }
        // z[k] += h[i]·x[k − i] for k in [start, start+len) with 0 ≤ k − i < n.
        let k_lo = start.max(i);
        let k_hi = (start + len).min(i + n);
        if k_lo >= k_hi {
            continue;
        }
        let out = &mut z[k_lo - start..k_hi - start];
        let src = &x[k_lo - i..k_hi - i];
        for (o, &v) in out.iter_mut().zip(src) {
            *o += hi * v;
        }
    }
    let _ = m;
    z
}
