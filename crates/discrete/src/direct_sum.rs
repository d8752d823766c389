//! The direct $O(nm)$ convolution sum: the ground truth every fast path is checked against.
//!
//! Each output is accumulated in one fixed order — $z_k = \sum_i s_i\\, \ell_{k-i}$ over the
//! shorter operand $s$, $i$ ascending, starting from $0$ — whatever the instruction set, block
//! or thread that computes it, so the result is the same bit for bit on every path (and the
//! same as the plain loop `z[i..].iter_mut().zip(long)` of the first release). Speed comes from
//! keeping a block of [`LANES`] outputs in registers while the kernel streams past (one load
//! per multiply-add instead of a load and a store), compiled for AVX-512, AVX2 and the
//! baseline and picked at run time, and from computing blocks of outputs in parallel.

use multiversion::multiversion;
use rayon::prelude::*;

/// Outputs accumulated together in registers: 32 doubles are four AVX-512 or eight AVX2
/// registers, enough independent additions to hide their latency.
const LANES: usize = 32;

/// Outputs per parallel task: large enough that a task's work (`CHUNK · m` multiply-adds)
/// dwarfs the cost of scheduling it.
const CHUNK: usize = 4096;

/// Below this many multiply-adds a call stays on the calling thread.
const PARALLEL_WORK: usize = 1 << 20;

#[cfg(test)]
/// The full convolution $z_k = \sum_i h_i\\, x_{k-i}$, length $n + m - 1$ (inputs non-empty).
pub(crate) fn full(h: &[f64], x: &[f64]) -> Vec<f64> {
    window(h, x, 0, x.len() + h.len() - 1)
}

#[cfg(test)]
/// Only the entries `start..start + len` of the full convolution, without computing the rest.
pub(crate) fn window(h: &[f64], x: &[f64], start: usize, len: usize) -> Vec<f64> {
    let mut z = vec![0.0; len];
    window_into(h, x, start, &mut z);
    z
}

/// Entries `start..start + z.len()` of the full convolution of `h` and `x`, written into `z`.
pub(crate) fn window_into(h: &[f64], x: &[f64], start: usize, z: &mut [f64]) {
    // Convolution commutes: stream the longer operand past the shorter one.
    let (long, short) = if x.len() >= h.len() { (x, h) } else { (h, x) };
    let s = short.len();
    // `long` between s − 1 zeros and s − 1 + LANES zeros, so that every output block reads in
    // range: z_k = Σ_i short_i · padded_{k + s − 1 − i}. The zeros add exact ±0 terms, which
    // leave every partial sum unchanged.
    let mut padded = vec![0.0; long.len() + 2 * (s - 1) + LANES];
    padded[s - 1..s - 1 + long.len()].copy_from_slice(long);
    let work = z.len().saturating_mul(s);
    if work >= PARALLEL_WORK && rayon::current_num_threads() > 1 {
        z.par_chunks_mut(CHUNK)
            .enumerate()
            .for_each(|(c, out)| range(&padded, short, start + c * CHUNK, out));
    } else {
        range(&padded, short, start, z);
    }
}

/// `out[j] = Σ_i short[i] · padded[k0 + j + s − 1 − i]`, blocks of [`LANES`] at a time.
#[multiversion(targets("x86_64+avx512f+avx512vl", "x86_64+avx2+fma", "x86_64+avx"))]
fn range(padded: &[f64], short: &[f64], k0: usize, out: &mut [f64]) {
    let s = short.len();
    for (b, chunk) in out.chunks_mut(LANES).enumerate() {
        // padded[base − i .. base − i + LANES] feeds outputs k0 + b·LANES + (0..LANES).
        let base = k0 + b * LANES + s - 1;
        let mut acc = [0.0f64; LANES];
        for (i, &si) in short.iter().enumerate() {
            let src = &padded[base - i..base - i + LANES];
            for (a, &v) in acc.iter_mut().zip(src) {
                *a += si * v;
            }
        }
        chunk.copy_from_slice(&acc[..chunk.len()]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The first release's loop: the order of accumulation every path keeps.
    fn reference(h: &[f64], x: &[f64]) -> Vec<f64> {
        let (n, m) = (x.len(), h.len());
        let mut z = vec![0.0; n + m - 1];
        let (long, short) = if n >= m { (x, h) } else { (h, x) };
        for (i, &s) in short.iter().enumerate() {
            for (o, &l) in z[i..i + long.len()].iter_mut().zip(long) {
                *o += s * l;
            }
        }
        z
    }

    fn data(seed: usize, n: usize) -> Vec<f64> {
        (0..n)
            .map(|i| (((i + seed) * 7919) % 1013) as f64 / 506.0 - 1.0 + 1e-3 * (i as f64).sin())
            .collect()
    }

    #[test]
    fn blocked_sum_is_bit_identical_to_the_plain_loop() {
        for (n, m) in [
            (1, 1),
            (5, 3),
            (3, 5),
            (33, 1),
            (100, 31),
            (31, 100),
            (1000, 64),
        ] {
            let (x, h) = (data(1, n), data(2, m));
            let want = reference(&h, &x);
            assert_eq!(full(&h, &x), want, "n={n} m={m}");
            for (start, len) in [(0, 1), (m / 2, n.max(1)), (m - 1, n + m - 1 - (m - 1))] {
                let len = len.min(n + m - 1 - start);
                assert_eq!(
                    window(&h, &x, start, len),
                    want[start..start + len],
                    "n={n} m={m} window {start}+{len}"
                );
            }
        }
    }

    #[test]
    fn parallel_chunks_give_the_same_bits() {
        // Large enough to be split into tasks on a multi-core machine; each output is computed
        // by one task in the same order, so the split cannot change a bit.
        let (x, h) = (data(3, 70_000), data(4, 40));
        assert_eq!(full(&h, &x), reference(&h, &x));
    }
}
