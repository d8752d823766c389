//! The least-squares gradient $g = H^\top(h*x - y)$ by a uniformly partitioned kernel: $h$ cut
//! into $P$ pieces $h_p = h_{pB}, \dots, h_{pB+B-1}$, each transformed once at length
//! $N = 2B$, the signal transformed once in windows of $2B$ advancing by $B$ (a frequency-domain
//! delay line), and every block of $B$ outputs a sum of $P$ spectral products — for the
//! residual and for the correlation alike — so that a long kernel costs transforms of length
//! $2B$ instead of one transform longer than the whole signal.
//!
//! **Residual.** With $\hat X_k$ the transform of $x_{(k-1)B}, \dots, x_{(k+1)B-1}$ (zero
//! outside $0 \le j < n$), the last $B$ entries of the inverse of
//! $\sum_p \hat H_p \hat X_{k-p}$ are $(h*x)_{kB}, \dots, (h*x)_{kB+B-1}$: piece $p$ is a
//! convolution with $h_p$ delayed by $pB$, and its circular products wrap only into the first
//! $B$ positions. $r = h*x - y$ is formed block by block in the time domain.
//!
//! **Correlation.** With $\hat R_q$ the transform of $r_{qB}, \dots, r_{qB+2B-1}$, the first $B$
//! entries of the inverse of $\sum_p \overline{\hat H_p}\,\hat R_{l+p}$ are
//! $g_{lB}, \dots, g_{lB+B-1}$, since $g_j = \sum_p \sum_{i<B} h_{pB+i}\, r_{pB+i+j}$ and
//! $s + i < 2B$ never wraps.
//!
//! The two sums run in one pass over the pieces (each $\hat H_p$ read once per step for
//! both), the correlation one step behind the residual. The steps run in order on the calling
//! thread, so the result does not depend on the number of threads. Scaling by powers of two
//! and the folded $1/N$ are as in [`crate::fourier`].

use crate::buffers;
use crate::error::DiscreteError;
use crate::fft_lengths::{TRANSFORM_NS, transform_ns};
use crate::fourier::{fft_err, fill, plans};
use crate::scale::{Pow2, exponent_of_max};
use multiversion::multiversion;
use realfft::num_complex::Complex;

/// Nanoseconds per complex multiply-add of the spectral sums (both directions counted
/// separately) and per transform point of the work around the transforms in one step
/// (filling the windows, splitting and joining the spectra, forming the residual, copying
/// out): a least-squares fit to the times of piece lengths 1024 to 32768 at
/// $10^6 \times 10^5$ (`partitioned_timings` below), with the transforms' share taken from
/// [`TRANSFORM_NS`].
const MAC_NS: f64 = 0.37;
const STEP_NS_PER_POINT: f64 = 1.16;

/// The piece length $B$ and the predicted nanoseconds of the partitioned gradient for a
/// signal of length `n` and a kernel of length `m`, over the tabulated transform lengths
/// $2B$; `None` when no piece length is at least 64.
pub(crate) fn schedule(n: usize, m: usize) -> Option<(usize, f64)> {
    TRANSFORM_NS
        .iter()
        .map(|&(nfft, _)| nfft)
        .filter(|&nfft| nfft.is_multiple_of(2) && nfft / 2 >= 64 && nfft / 2 < m.max(n))
        .map(|nfft| (nfft / 2, cost_ns(n, m, nfft / 2)))
        .min_by(|a, b| a.1.total_cmp(&b.1))
}

/// Predicted nanoseconds with piece length `b`.
fn cost_ns(n: usize, m: usize, b: usize) -> f64 {
    let pieces = m.div_ceil(b);
    let steps = (n.div_ceil(b) + pieces + 1) as f64;
    let nfft = 2 * b;
    // Per step: a forward and an inverse transform for the residual, the same for the
    // correlation, and the two spectral sums of `pieces` products each.
    let per_step = 2.0 * transform_ns(nfft)
        + 2.0 * (pieces * (b + 1)) as f64 * MAC_NS
        + STEP_NS_PER_POINT * 2.0 * nfft as f64;
    steps * per_step + 0.5 * pieces as f64 * transform_ns(nfft)
}

/// Blocks computed together: each piece's spectrum is read once per batch of this many
/// blocks, which keeps the spectral sums in cache instead of streaming every piece and every
/// delayed spectrum from memory once per block.
const BATCH: usize = 4;

/// Bins per vector of the spectral sums (one AVX-512 register of doubles).
const LANES: usize = 8;

/// Spectra stored as separate real and imaginary parts, one spectrum of `half` bins (padded
/// with zeros to a multiple of [`LANES`]) after another, so that the spectral sums vectorise.
struct Split {
    re: Vec<f64>,
    im: Vec<f64>,
    half: usize,
    stride: usize,
}

impl Split {
    fn new(count: usize, half: usize) -> Self {
        let stride = half.next_multiple_of(LANES);
        Self {
            re: buffers::reals(count * stride),
            im: buffers::reals(count * stride),
            half,
            stride,
        }
    }

    /// Spectrum `i` set to `v`.
    fn set(&mut self, i: usize, v: &[Complex<f64>]) {
        let (re, im) = (
            &mut self.re[i * self.stride..][..self.half],
            &mut self.im[i * self.stride..][..self.half],
        );
        for ((r, m), c) in re.iter_mut().zip(im.iter_mut()).zip(v) {
            *r = c.re;
            *m = c.im;
        }
    }

    /// Spectrum `i` copied into `v`.
    fn get(&self, i: usize, v: &mut [Complex<f64>]) {
        let (re, im) = (
            &self.re[i * self.stride..][..self.half],
            &self.im[i * self.stride..][..self.half],
        );
        for ((c, &r), &m) in v.iter_mut().zip(re).zip(im) {
            *c = Complex::new(r, m);
        }
    }

    fn zero(&mut self, i: usize) {
        self.re[i * self.stride..][..self.stride].fill(0.0);
        self.im[i * self.stride..][..self.stride].fill(0.0);
    }
}

impl Drop for Split {
    fn drop(&mut self) {
        buffers::release_reals(std::mem::take(&mut self.re));
        buffers::release_reals(std::mem::take(&mut self.im));
    }
}

/// For the [`BATCH`] blocks `t`, `acc[t] = Σ_p a_p · ring[slot[t][p]]` over the pieces'
/// spectra `a`, with `a`'s imaginary parts times `sign` (−1 conjugates: exact). The
/// accumulators of a vector of bins stay in registers while the pieces stream past; each
/// `acc[t]` sums its terms in the order of `p`, and there is no fused multiply-add, so every
/// target computes the same bits.
#[multiversion(targets("x86_64+avx512f+avx512vl", "x86_64+avx2+fma", "x86_64+avx"))]
fn mac_batch(acc: &mut Split, a: &Split, ring: &Split, slot: &[[usize; BATCH]], sign: f64) {
    let stride = a.stride;
    let pieces = slot.len();
    for lo in (0..stride).step_by(LANES) {
        let mut cr = [[0.0f64; LANES]; BATCH];
        let mut ci = [[0.0f64; LANES]; BATCH];
        for (p, row) in slot.iter().enumerate().take(pieces) {
            let ar = &a.re[p * stride + lo..][..LANES];
            let ai = &a.im[p * stride + lo..][..LANES];
            for t in 0..BATCH {
                let s = row[t] * stride + lo;
                let br = &ring.re[s..][..LANES];
                let bi = &ring.im[s..][..LANES];
                for j in 0..LANES {
                    let aij = sign * ai[j];
                    cr[t][j] += ar[j] * br[j] - aij * bi[j];
                    ci[t][j] += ar[j] * bi[j] + aij * br[j];
                }
            }
        }
        for t in 0..BATCH {
            acc.re[t * stride + lo..][..LANES].copy_from_slice(&cr[t]);
            acc.im[t * stride + lo..][..LANES].copy_from_slice(&ci[t]);
        }
    }
}

/// The gradient $H^\top(h*x - y)$ (length $n$; `y` of length $n + m - 1$) with pieces of
/// length `b`; each of `x`, `y` comes with the exponent of its largest entry.
pub(crate) fn ls_gradient(
    h: &[f64],
    (x, exp_x): (&[f64], i32),
    (y, exp_y): (&[f64], i32),
    b: usize,
) -> Result<Vec<f64>, DiscreteError> {
    let (n, m) = (x.len(), h.len());
    debug_assert_eq!(y.len(), n + m - 1);
    let nfft = 2 * b;
    let half = b + 1;
    let pieces = m.div_ceil(b);
    let (fwd, inv) = plans(nfft);
    let (sf, si) = (fwd.get_scratch_len(), inv.get_scratch_len());
    let mut scratch = buffers::complexes(sf.max(si).max(1));
    let mut time = buffers::reals(nfft);

    // The pieces' spectra, ĥ'_p / N for the scaled kernel h' = h·2^{-e_h}.
    let exp_h = exponent_of_max(h);
    let inv_n = 1.0 / nfft as f64;
    let mut freq = buffers::complexes(half);
    let mut spec_h = Split::new(pieces, half);
    for p in 0..pieces {
        fill(&mut time[..b], &h[p * b..], 0, Pow2::new(-exp_h));
        time[b..].fill(0.0);
        fwd.process_with_scratch(&mut time, &mut freq, &mut scratch[..sf])
            .map_err(fft_err)?;
        for v in freq.iter_mut() {
            *v *= inv_n;
        }
        spec_h.set(p, &freq);
    }

    // r = h*x − y = 2^{e_r}·(α·h'*x' − β·y'), e_r = max(e_h + e_x, e_y): α, β ≤ 1.
    let exp_r = (exp_h + exp_x).max(exp_y);
    let alpha = Pow2::new(exp_h + exp_x - exp_r).factor();
    let beta = Pow2::new(exp_y - exp_r).factor();
    let (down_x, down_y) = (Pow2::new(-exp_x), Pow2::new(-exp_y));
    let up = Pow2::new(exp_h + exp_r);

    let len_r = n + m - 1;
    let out_blocks = n.div_ceil(b);
    // Residual blocks 0..=last_r feed the correlation windows R̂_0 .. R̂_{last_r − 1}.
    let last_r = out_blocks + pieces - 1;
    // Delay lines of the signal's and the residual's spectra: a batch reads P − 1 earlier
    // ones and writes BATCH new ones.
    let slots = pieces + BATCH;
    // One more slot, kept zero, stands for a term that is absent.
    let mut spec_x = Split::new(slots + 1, half);
    let mut spec_r = Split::new(slots + 1, half);
    let mut slot = vec![[slots; BATCH]; pieces];
    let mut acc = Split::new(BATCH, half);
    let mut r_prev = buffers::reals(b);
    let mut r_cur = buffers::reals(b);
    let mut g = vec![0.0; n];
    let result = (|| {
        // Correlation blocks 0..done are written.
        let mut done = 0;
        let mut k0 = 0;
        while done < out_blocks {
            let k1 = (k0 + BATCH).min(last_r + 1);
            if k0 < k1 {
                // The signal's windows x[(k−1)B .. (k+1)B) for the batch's blocks.
                for k in k0..k1 {
                    if k * b < n + b && k * b < len_r {
                        fill(&mut time, x, k as isize * b as isize - b as isize, down_x);
                        fwd.process_with_scratch(&mut time, &mut freq, &mut scratch[..sf])
                            .map_err(fft_err)?;
                        spec_x.set(k % slots, &freq);
                    } else {
                        spec_x.zero(k % slots);
                    }
                }
                for (p, row) in slot.iter_mut().enumerate() {
                    for (t, s) in row.iter_mut().enumerate() {
                        *s = match (k0 + t).checked_sub(p) {
                            Some(i) if k0 + t < k1 => i % slots,
                            _ => slots,
                        };
                    }
                }
                mac_batch(&mut acc, &spec_h, &spec_x, &slot, 1.0);
                for k in k0..k1 {
                    if k * b < len_r {
                        acc.get(k - k0, &mut freq);
                        inverse(&inv, &mut freq, &mut time, &mut scratch[..si])?;
                        let valid = (len_r - k * b).min(b);
                        let ys = &y[k * b..k * b + valid];
                        for ((r, &t), &v) in r_cur.iter_mut().zip(&time[b..]).zip(ys) {
                            *r = alpha * t - beta * down_y.apply(v);
                        }
                        // Beyond n + m − 1 the residual is exactly zero.
                        r_cur[valid..].fill(0.0);
                    } else {
                        r_cur.fill(0.0);
                    }
                    if k >= 1 {
                        // R̂_{k−1}: the residual's window r[(k−1)B .. (k+1)B).
                        time[..b].copy_from_slice(&r_prev);
                        time[b..].copy_from_slice(&r_cur);
                        fwd.process_with_scratch(&mut time, &mut freq, &mut scratch[..sf])
                            .map_err(fft_err)?;
                        spec_r.set((k - 1) % slots, &freq);
                    }
                    std::mem::swap(&mut r_prev, &mut r_cur);
                }
                k0 = k1;
            }
            // Correlation block l needs R̂_l .. R̂_{l+P−1}; R̂ up to k0 − 2 are ready.
            let ready = k0.saturating_sub(pieces).min(out_blocks);
            while done < ready {
                let count = (ready - done).min(BATCH);
                for (p, row) in slot.iter_mut().enumerate() {
                    for (t, s) in row.iter_mut().enumerate() {
                        *s = if t < count {
                            (done + t + p) % slots
                        } else {
                            slots
                        };
                    }
                }
                mac_batch(&mut acc, &spec_h, &spec_r, &slot, -1.0);
                for t in 0..count {
                    let l = done + t;
                    acc.get(t, &mut freq);
                    inverse(&inv, &mut freq, &mut time, &mut scratch[..si])?;
                    let out = &mut g[l * b..(l * b + b).min(n)];
                    for (o, &v) in out.iter_mut().zip(&time[..b]) {
                        *o = up.apply(v);
                    }
                }
                done += count;
            }
        }
        Ok(())
    })();
    buffers::release_reals(time);
    buffers::release_reals(r_prev);
    buffers::release_reals(r_cur);
    buffers::release_complexes(scratch);
    buffers::release_complexes(freq);
    result.map(|()| g)
}

/// Inverse transform of `freq` into `out` (the DC and Nyquist bins' imaginary parts, rounding
/// noise for sums of products of real spectra, cleared first: realfft refuses them).
fn inverse(
    inv: &std::sync::Arc<dyn realfft::ComplexToReal<f64>>,
    freq: &mut [Complex<f64>],
    out: &mut [f64],
    scratch: &mut [Complex<f64>],
) -> Result<(), DiscreteError> {
    if let Some(f) = freq.first_mut() {
        f.im = 0.0;
    }
    if let Some(f) = freq.last_mut() {
        f.im = 0.0;
    }
    inv.process_with_scratch(freq, out, scratch)
        .map_err(fft_err)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Deterministic pseudo-random numbers in [−1, 1).
    fn data(seed: u64, n: usize) -> Vec<f64> {
        let mut s = seed.wrapping_mul(6364136223846793005).wrapping_add(1);
        (0..n)
            .map(|_| {
                s = s
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                (s >> 11) as f64 / (1u64 << 52) as f64 - 1.0
            })
            .collect()
    }

    /// The dense reference: r = Hx − y with H formed as a matrix, g = Hᵀr, by plain sums.
    fn dense(h: &[f64], x: &[f64], y: &[f64]) -> Vec<f64> {
        let (n, m) = (x.len(), h.len());
        let hm = crate::toeplitz::conv_matrix(h, n, crate::Mode::Full).unwrap();
        let r: Vec<f64> = (0..n + m - 1)
            .map(|i| (0..n).map(|j| hm[(i, j)] * x[j]).sum::<f64>() - y[i])
            .collect();
        (0..n)
            .map(|j| (0..n + m - 1).map(|i| hm[(i, j)] * r[i]).sum())
            .collect()
    }

    /// Two convolution-sized FFT errors (the residual's, then the correlation's), each
    /// multiplied by ‖h‖₁, and the reference's own m·ε·‖h‖₁‖r‖∞.
    fn tol(h: &[f64], x: &[f64], y: &[f64], r_inf: f64, nfft: usize) -> f64 {
        let h1: f64 = h.iter().map(|v| v.abs()).sum();
        let inf = |v: &[f64]| v.iter().fold(0.0f64, |a, b| a.max(b.abs()));
        16.0 * (nfft as f64).log2() * f64::EPSILON * h1 * (h1 * inf(x) + inf(y))
            + 4.0 * h.len() as f64 * f64::EPSILON * h1 * r_inf
    }

    fn check(n: usize, m: usize, b: usize, seed: u64) {
        let (h, x) = (data(seed, m), data(seed + 1, n));
        let y: Vec<f64> = data(seed + 2, n + m - 1).iter().map(|v| 0.5 * v).collect();
        let want = dense(&h, &x, &y);
        let r = crate::ls_residual(&h, &x, &y).unwrap();
        let r_inf = r.iter().fold(0.0f64, |a, v| a.max(v.abs()));
        let got = ls_gradient(&h, (&x, exponent_of_max(&x)), (&y, exponent_of_max(&y)), b).unwrap();
        assert_eq!(got.len(), n);
        let tol = tol(&h, &x, &y, r_inf, 2 * b);
        for (j, (a, w)) in got.iter().zip(&want).enumerate() {
            assert!(
                (a - w).abs() <= tol,
                "n={n} m={m} B={b} j={j}: {a} vs {w} (tol {tol:e})"
            );
        }
    }

    #[test]
    fn partitioned_gradient_matches_the_dense_normal_equations_product() {
        // Pieces that divide m and that do not, one piece, m > n, n < B, n = 1, m = 1.
        for (n, m, b) in [
            (1, 1, 8),
            (1, 5, 2),
            (5, 1, 4),
            (40, 16, 8),
            (40, 17, 8),
            (37, 23, 4),
            (10, 60, 8),
            (3, 40, 16),
            (100, 7, 64),
            (64, 64, 64),
            (65, 129, 32),
        ] {
            check(n, m, b, (n * 1000 + m) as u64);
        }
    }

    #[test]
    fn partitioned_gradient_on_random_sizes() {
        let sizes = data(99, 3 * 24);
        for (i, s) in sizes.chunks_exact(3).enumerate() {
            let u = |v: f64, top: f64| 1 + ((v + 1.0) * 0.5 * top) as usize;
            let (n, m, b) = (u(s[0], 300.0), u(s[1], 200.0), 1 << u(s[2], 6.0));
            check(n, m, b, 7 + i as u64);
        }
    }

    #[test]
    fn partitioned_gradient_matches_the_fused_path_at_medium_size() {
        let (n, m) = (20_000, 3_000);
        let (h, x) = (data(1, m), data(2, n));
        let y: Vec<f64> = data(3, n + m - 1).iter().map(|v| 0.5 * v).collect();
        let (ex, ey) = (exponent_of_max(&x), exponent_of_max(&y));
        let sched = crate::fourier::gradient_schedule(n, m);
        let fused = crate::fourier::fused_ls_gradient(&h, sched, (&x, ex), (&y, ey)).unwrap();
        let r = crate::ls_residual(&h, &x, &y).unwrap();
        let r_inf = r.iter().fold(0.0f64, |a, v| a.max(v.abs()));
        for b in [256, 1000, 1024, 4096] {
            let got = ls_gradient(&h, (&x, ex), (&y, ey), b).unwrap();
            let tol = 2.0 * tol(&h, &x, &y, r_inf, 8192);
            for (j, (a, w)) in got.iter().zip(&fused).enumerate() {
                assert!((a - w).abs() <= tol, "B={b} j={j}: {a} vs {w}");
            }
        }
    }

    #[test]
    fn scaled_inputs_neither_overflow_nor_underflow() {
        let (n, m) = (300, 70);
        let (h, x) = (data(4, m), data(5, n));
        let y: Vec<f64> = data(6, n + m - 1).iter().map(|v| 0.5 * v).collect();
        let want =
            ls_gradient(&h, (&x, exponent_of_max(&x)), (&y, exponent_of_max(&y)), 32).unwrap();
        for (eh, ex) in [(300, 200), (-300, -300), (200, -700)] {
            let hs: Vec<f64> = h.iter().map(|v| Pow2::new(eh).apply(*v)).collect();
            let xs: Vec<f64> = x.iter().map(|v| Pow2::new(ex).apply(*v)).collect();
            let ys: Vec<f64> = y.iter().map(|v| Pow2::new(eh + ex).apply(*v)).collect();
            let got = ls_gradient(
                &hs,
                (&xs, exponent_of_max(&xs)),
                (&ys, exponent_of_max(&ys)),
                32,
            )
            .unwrap();
            // g scales by 2^{2e_h + e_x} exactly: the same digits.
            let back = Pow2::new(-2 * eh - ex);
            for (a, w) in got.iter().zip(&want) {
                assert_eq!(back.apply(*a), *w, "2^{eh}, 2^{ex}");
            }
        }
    }

    /// Times of the fused blocks and of the partitioned pieces at 10⁶ × 10⁵ (and 10⁶ × 10³),
    /// with the cost models' predictions: `cargo test --release -p flipshift-discrete
    /// partitioned_timings -- --ignored --nocapture`.
    #[test]
    #[ignore]
    fn partitioned_timings() {
        let cpu = || cpu_time::ThreadTime::now().as_duration().as_secs_f64();
        for (n, m) in [
            (1_000_000usize, 100_000usize),
            (1_000_000, 1_000),
            (4_000_000, 4096),
        ] {
            let (h, x) = (data(1, m), data(2, n));
            let y: Vec<f64> = data(3, n + m - 1).iter().map(|v| 0.5 * v).collect();
            let (ex, ey) = (exponent_of_max(&x), exponent_of_max(&y));
            let time = |f: &dyn Fn() -> Vec<f64>| {
                let mut best = f64::INFINITY;
                for _ in 0..5 {
                    let t0 = cpu();
                    std::hint::black_box(f());
                    best = best.min(cpu() - t0);
                }
                best
            };
            let sched = crate::fourier::gradient_schedule(n, m);
            let fused =
                time(&|| crate::fourier::fused_ls_gradient(&h, sched, (&x, ex), (&y, ey)).unwrap());
            println!(
                "{n}x{m}: fused N={} {:?} predicted {:.1} ms, took {:.1} ms CPU",
                sched.nfft,
                sched.blocking,
                sched.cost_ns / 1e6,
                fused * 1e3
            );
            println!("  partitioned choice: {:?}", schedule(n, m));
            for b in [512usize, 1024, 2048, 4096, 8192, 16384, 32768] {
                if b > m {
                    continue;
                }
                let t = time(&|| ls_gradient(&h, (&x, ex), (&y, ey), b).unwrap());
                println!(
                    "  B={b}: predicted {:.1} ms, took {:.1} ms CPU",
                    cost_ns(n, m, b) / 1e6,
                    t * 1e3
                );
            }
        }
    }

    /// Where the cost model sends the gradient to the pieces: `cargo test -p
    /// flipshift-discrete partitioned_choices -- --ignored --nocapture`.
    #[test]
    #[ignore]
    fn partitioned_choices() {
        for n in [1_000usize, 10_000, 100_000, 1_000_000, 4_000_000] {
            for m in [16usize, 128, 1_000, 4096, 10_000, 100_000, 1_000_000] {
                let fused = crate::fourier::gradient_schedule(n, m).cost_ns;
                if let Some((b, cost)) = schedule(n, m)
                    && cost < fused
                {
                    println!(
                        "{n}x{m}: B={b} {:.2} ms against {:.2} ms",
                        cost / 1e6,
                        fused / 1e6
                    );
                }
            }
        }
    }
}
