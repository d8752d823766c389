//! FFT convolution with real transforms: plans cached per thread and reused, fast (7-smooth,
//! even) transform lengths, and overlap-add when the kernel is much shorter than the signal.
//!
//! Normalisation: realfft's inverse is unnormalised, so each inverse result is multiplied by
//! $1/N$ exactly once, here.

use crate::error::DiscreteError;
use realfft::num_complex::Complex;
use realfft::{ComplexToReal, RealFftPlanner, RealToComplex};
use std::cell::RefCell;
use std::sync::Arc;

type Plans = (Arc<dyn RealToComplex<f64>>, Arc<dyn ComplexToReal<f64>>);

thread_local! {
    static PLANNER: RefCell<RealFftPlanner<f64>> = RefCell::new(RealFftPlanner::new());
}

/// Forward and inverse plans of length `n` (cached by the planner).
pub(crate) fn plans(n: usize) -> Plans {
    PLANNER.with(|p| {
        let mut p = p.borrow_mut();
        (p.plan_fft_forward(n), p.plan_fft_inverse(n))
    })
}

/// The smallest even $N \ge$ `target` of the form $2^a 3^b 5^c 7^d$.
pub(crate) fn fast_len(target: usize) -> usize {
    let target = target.max(2);
    let mut best = target.next_power_of_two();
    let mut p7 = 1usize;
    while p7 < best {
        let mut p5 = p7;
        while p5 < best {
            let mut p3 = p5;
            while p3 < best {
                // Smallest 2^a·p3 ≥ target with a ≥ 1 (even lengths are realfft's fast path).
                let mut v = p3 * 2;
                while v < target {
                    v *= 2;
                }
                best = best.min(v);
                p3 *= 3;
            }
            p5 *= 5;
        }
        p7 *= 7;
    }
    best
}

fn fft_err(e: impl std::fmt::Display) -> DiscreteError {
    DiscreteError::Fft(e.to_string())
}

/// A kernel's spectrum at one transform length, with the plans and scratch to use it.
pub(crate) struct Spectrum {
    nfft: usize,
    fwd: Arc<dyn RealToComplex<f64>>,
    inv: Arc<dyn ComplexToReal<f64>>,
    spec: Vec<Complex<f64>>,
}

impl Spectrum {
    /// The spectrum of `h` (zero-padded) at length `nfft` ≥ `h.len()`.
    pub(crate) fn new(h: &[f64], nfft: usize) -> Result<Self, DiscreteError> {
        let (fwd, inv) = plans(nfft);
        let mut buf = vec![0.0; nfft];
        buf[..h.len()].copy_from_slice(h);
        let mut spec = fwd.make_output_vec();
        fwd.process(&mut buf, &mut spec).map_err(fft_err)?;
        Ok(Self {
            nfft,
            fwd,
            inv,
            spec,
        })
    }

    /// Circular convolution of `block` (length ≤ nfft) with the kernel, written into `out`
    /// (length nfft), using the caller's buffers.
    fn convolve_block(
        &self,
        block: &[f64],
        time: &mut [f64],
        freq: &mut [Complex<f64>],
        out: &mut [f64],
        scratch: &mut Vec<Complex<f64>>,
    ) -> Result<(), DiscreteError> {
        let need = self.fwd.get_scratch_len().max(self.inv.get_scratch_len());
        if scratch.len() < need {
            scratch.resize(need, Complex::new(0.0, 0.0));
        }
        time[..block.len()].copy_from_slice(block);
        time[block.len()..].fill(0.0);
        self.fwd
            .process_with_scratch(time, freq, &mut scratch[..self.fwd.get_scratch_len()])
            .map_err(fft_err)?;
        let scale = 1.0 / self.nfft as f64;
        for (a, b) in freq.iter_mut().zip(&self.spec) {
            *a = *a * *b * scale;
        }
        // The DC and (even-length) Nyquist bins of a product of real spectra are real; clear
        // their rounding-level imaginary parts, which the inverse transform refuses.
        if let Some(f) = freq.first_mut() {
            f.im = 0.0;
        }
        if self.nfft.is_multiple_of(2)
            && let Some(f) = freq.last_mut()
        {
            f.im = 0.0;
        }
        self.inv
            .process_with_scratch(freq, out, &mut scratch[..self.inv.get_scratch_len()])
            .map_err(fft_err)
    }
}

/// Rough cost of a transform of length `n`, in units of one multiply-add of the direct sum.
fn fft_cost(n: usize) -> f64 {
    let n = n as f64;
    // Calibrated with `cargo bench --bench operators` (n = 4096): the vectorised direct loop
    // does a multiply-add in ~0.19 ns, and a real transform of length n takes about as long as
    // n·log₂n of them (the direct and FFT times cross near m ≈ 36 there), plus a fixed
    // overhead per call (~100 multiply-adds) that dominates tiny overlap-add blocks.
    n * n.log2() + 100.0
}

/// The cheapest overlap-add block transform length for signal length `n`, kernel length `m`,
/// and its estimated cost (one transform per block forward and back, plus the pointwise
/// product).
pub(crate) fn plan_overlap_add(n: usize, m: usize) -> (usize, f64) {
    let full = fast_len(n + m - 1);
    // One transform covering everything: forward x, forward h, inverse.
    let mut best = (full, 3.0 * fft_cost(full));
    // Block lengths from 2m upward in steps of about 1.5×: the optimum is flat, so a
    // logarithmic number of candidates finds it without making small problems pay for planning.
    let mut target = 2 * m;
    while target < full {
        let l = fast_len(target);
        if l >= full {
            break;
        }
        let step = l - m + 1;
        let blocks = n.div_ceil(step) as f64;
        let cost = fft_cost(l) * (2.0 * blocks + 1.0);
        if cost < best.1 {
            best = (l, cost);
        }
        target = target + target / 2 + 1;
    }
    best
}

/// Full convolution by FFT (overlap-add over blocks when that is cheaper).
pub(crate) fn full(h: &[f64], x: &[f64]) -> Result<Vec<f64>, DiscreteError> {
    // The longer one is split into blocks; convolution commutes.
    let (x, h) = if x.len() >= h.len() { (x, h) } else { (h, x) };
    let (n, m) = (x.len(), h.len());
    let (nfft, _) = plan_overlap_add(n, m);
    let kernel = Spectrum::new(h, nfft)?;
    let total = n + m - 1;
    let mut z = vec![0.0; total];
    let step = if nfft >= n + m - 1 { n } else { nfft - m + 1 };
    let mut time = kernel.fwd.make_input_vec();
    let mut freq = kernel.fwd.make_output_vec();
    let mut out = kernel.inv.make_output_vec();
    let mut scratch = Vec::new();
    let mut start = 0;
    while start < n {
        let block = &x[start..(start + step).min(n)];
        kernel.convolve_block(block, &mut time, &mut freq, &mut out, &mut scratch)?;
        let len = (block.len() + m - 1).min(total - start);
        for (zi, oi) in z[start..start + len].iter_mut().zip(&out[..len]) {
            *zi += *oi;
        }
        start += step;
    }
    Ok(z)
}

/// The least-squares gradient $H^\top(h*x - y)$ in four real transforms: $\hat x$, $\hat h$,
/// $\hat y$ forward, $\hat r = \hat x\hat h - \hat y$, and one inverse of
/// $\hat r\,\overline{\hat h}$ (the correlation with $h$), read at lags $0, \dots, n-1$.
///
/// With $N \ge n + m - 1$ neither step wraps around: $r$ has length $n + m - 1$, and the
/// correlation at lags $0 \le \ell < n$ only reaches $h$ at indices $j - \ell$ that are either in
/// $[0, m)$ or (negative, wrapped) beyond $N - n \ge m - 1$, where $h$ is zero.
pub(crate) fn ls_gradient(h: &[f64], x: &[f64], y: &[f64]) -> Result<Vec<f64>, DiscreteError> {
    let (n, m) = (x.len(), h.len());
    let nfft = fast_len(n + m - 1);
    let (fwd, inv) = plans(nfft);
    let mut scratch =
        vec![Complex::new(0.0, 0.0); fwd.get_scratch_len().max(inv.get_scratch_len())];
    let mut time = vec![0.0; nfft];
    let mut spectrum =
        |v: &[f64], time: &mut Vec<f64>| -> Result<Vec<Complex<f64>>, DiscreteError> {
            time[..v.len()].copy_from_slice(v);
            time[v.len()..].fill(0.0);
            let mut out = fwd.make_output_vec();
            fwd.process_with_scratch(time, &mut out, &mut scratch[..fwd.get_scratch_len()])
                .map_err(fft_err)?;
            Ok(out)
        };
    let xs = spectrum(x, &mut time)?;
    let hs = spectrum(h, &mut time)?;
    let ys = spectrum(y, &mut time)?;
    let scale = 1.0 / nfft as f64;
    let mut g: Vec<Complex<f64>> = xs
        .iter()
        .zip(&hs)
        .zip(&ys)
        .map(|((a, b), c)| (a * b - c) * b.conj() * scale)
        .collect();
    if let Some(f) = g.first_mut() {
        f.im = 0.0;
    }
    if nfft.is_multiple_of(2)
        && let Some(f) = g.last_mut()
    {
        f.im = 0.0;
    }
    let mut out = inv.make_output_vec();
    let mut scratch = vec![Complex::new(0.0, 0.0); inv.get_scratch_len()];
    inv.process_with_scratch(&mut g, &mut out, &mut scratch)
        .map_err(fft_err)?;
    out.truncate(n);
    Ok(out)
}

/// Cost model: `true` when the FFT is expected to beat the direct sum.
pub(crate) fn fft_is_faster(n: usize, m: usize) -> bool {
    let direct = (n as f64) * (m as f64);
    let (_, fft) = plan_overlap_add(n.max(m), n.min(m));
    fft < direct
}

/// Convolution with one fixed kernel, planned once: the kernel's spectrum and the transform
/// plans are built at construction and reused by every call.
pub struct FftKernel {
    spectrum: Spectrum,
    m: usize,
    n: usize,
}

impl FftKernel {
    /// Plan the full convolution of signals of length `n` with `h`.
    pub(crate) fn new(h: &[f64], n: usize) -> Result<Self, DiscreteError> {
        let nfft = fast_len(n + h.len() - 1);
        Ok(Self {
            spectrum: Spectrum::new(h, nfft)?,
            m: h.len(),
            n,
        })
    }

    /// The full convolution of `x` (length `n`) with the kernel.
    pub(crate) fn full(&self, x: &[f64]) -> Result<Vec<f64>, DiscreteError> {
        let mut time = self.spectrum.fwd.make_input_vec();
        let mut freq = self.spectrum.fwd.make_output_vec();
        let mut out = self.spectrum.inv.make_output_vec();
        let mut scratch = Vec::new();
        self.spectrum
            .convolve_block(x, &mut time, &mut freq, &mut out, &mut scratch)?;
        out.truncate(self.n + self.m - 1);
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fused_gradient_equals_residual_then_correlation() {
        let (n, m) = (37usize, 11usize);
        let x: Vec<f64> = (0..n).map(|i| ((i * 31) % 17) as f64 / 8.0 - 1.0).collect();
        let h: Vec<f64> = (0..m).map(|i| ((i * 13) % 7) as f64 / 3.0 - 1.0).collect();
        let y: Vec<f64> = (0..n + m - 1)
            .map(|i| ((i * 5) % 11) as f64 / 5.0 - 1.0)
            .collect();
        let g = ls_gradient(&h, &x, &y).unwrap();
        let r: Vec<f64> = crate::direct_sum::full(&h, &x)
            .iter()
            .zip(&y)
            .map(|(a, b)| a - b)
            .collect();
        for (j, gj) in g.iter().enumerate() {
            let want: f64 = (0..m).map(|i| r[i + j] * h[i]).sum();
            // Entries are sums of ≤ 2·(n+m) products of numbers ≤ 6: 1e-12 is ~100 ulps.
            assert!((gj - want).abs() < 1e-12, "{j}: {gj} vs {want}");
        }
    }

    #[test]
    fn fast_lengths_are_even_7_smooth_and_minimal() {
        let smooth = |mut v: usize| {
            for p in [2, 3, 5, 7] {
                while v.is_multiple_of(p) {
                    v /= p;
                }
            }
            v == 1
        };
        for target in 1..2000 {
            let n = fast_len(target);
            assert!(
                n >= target && n.is_multiple_of(2) && smooth(n),
                "{target} → {n}"
            );
            assert!(
                !(target.max(2)..n).any(|v| v % 2 == 0 && smooth(v)),
                "{target} → {n} not minimal"
            );
        }
    }
}
