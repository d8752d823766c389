//! FFT convolution by overlap-save with real transforms: the kernel's spectrum computed once
//! per plan and reused by every block, the block length chosen from measured transform times
//! ([`crate::fft_lengths`]), no allocation inside the block loop, blocks in parallel, and the
//! least-squares gradient fused per block (two forward transforms, one inverse) instead of two
//! full convolutions.
//!
//! **Overlap-save.** A block of $S = N - m + 1$ consecutive outputs $z_{k_0}, \dots,
//! z_{k_0+S-1}$ needs the inputs $x_{k_0-m+1}, \dots, x_{k_0+S-1}$: exactly $N$ of them (zero
//! outside $0 \le j < n$). Their circular convolution with $h$ of length $N$ equals the linear
//! one at the positions $m-1, \dots, N-1$, which are the block's outputs; the first $m - 1$
//! positions wrap around and are discarded. Every output belongs to exactly one block, so the
//! blocks are independent: the same arithmetic produces each output whatever the number of
//! threads. When one transform of length $N \ge n + m - 1$ is cheaper, the whole signal is one
//! zero-padded block and nothing wraps.
//!
//! **Scaling.** Inputs are scaled by powers of two to a largest entry near 1 while they are
//! copied into the transform buffer, and outputs scaled back while copied out (exact: powers
//! of two), so that the transforms' sums can neither overflow nor lose precision in subnormal
//! numbers; only a result that is itself beyond the double range overflows.
//!
//! Normalisation: realfft's inverse is unnormalised; the factor $1/N$ is folded into the
//! kernel's stored spectrum, once.

use crate::buffers::{self, Buffer};
use crate::error::DiscreteError;
use crate::fft_lengths::{TRANSFORM_NS, transform_ns};
use crate::scale::{Pow2, exponent_of_max};
use rayon::prelude::*;
use realfft::num_complex::Complex;
use realfft::{ComplexToReal, RealFftPlanner, RealToComplex};
use std::cell::RefCell;
use std::sync::Arc;

thread_local! {
    static PLANNER: RefCell<RealFftPlanner<f64>> = RefCell::new(RealFftPlanner::new());
}

/// Forward and inverse plans of length `n` (cached by the planner).
pub(crate) fn plans(n: usize) -> (Arc<dyn RealToComplex<f64>>, Arc<dyn ComplexToReal<f64>>) {
    PLANNER.with(|p| {
        let mut p = p.borrow_mut();
        (p.plan_fft_forward(n), p.plan_fft_inverse(n))
    })
}

pub(crate) fn fft_err(e: impl std::fmt::Display) -> DiscreteError {
    DiscreteError::Fft(e.to_string())
}

/// Nanoseconds per multiply-add of the direct sum ([`crate::direct_sum`], register-blocked),
/// measured with `cargo bench --bench operators` on the machine that measured
/// [`TRANSFORM_NS`], so that the two costs are in the same unit.
const DIRECT_NS_PER_MAC: f64 = 0.06;

/// Nanoseconds per transform point of the work around the transforms in one block (zeroing and
/// filling the input, the pointwise product, copying out): about a quarter of a block's
/// transform time at N ≈ 10⁴ in a profile of the 10⁶ × 10³ convolution (`perf record` on
/// `cargo bench --bench peers`).
const BLOCK_NS_PER_POINT: f64 = 0.8;

/// Fixed cost of one call that transforms: planning look-up, buffers, the kernel's spectrum.
const CALL_NS: f64 = 1500.0;

/// Below this many transform points a call stays on the calling thread.
const PARALLEL_POINTS: usize = 1 << 16;

/// How a convolution by FFT covers its outputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Blocking {
    /// One zero-padded transform of length $N \ge n + m - 1$.
    Single,
    /// Overlap-save blocks of $N - m + 1$ outputs each (for the gradient, $N - 2(m - 1)$).
    Blocks,
}

/// A transform length with the blocking it serves and the predicted work in nanoseconds (the
/// sum over all blocks, whatever the number of threads).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Schedule {
    pub(crate) nfft: usize,
    pub(crate) blocking: Blocking,
    pub(crate) cost_ns: f64,
}

/// Whether `blocks` blocks of `nfft` points are spread over a pool of `threads` threads (the
/// rule of the block loops and of the cost model).
fn runs_in_parallel(blocks: usize, nfft: usize, threads: usize) -> bool {
    threads > 1 && blocks >= 2 && blocks * nfft >= PARALLEL_POINTS
}

/// A schedule wins over the least-work one on several threads only if it is predicted to
/// finish this much sooner: below that the gain is within the model's error, and the
/// least-work length keeps the result the same bit for bit on any number of threads.
const THREADED_GAIN: f64 = 0.8;

/// The schedule for `outputs` entries of the convolution of a signal of length `n` with a
/// kernel of length `m`, each transform pass doing `passes` transform pairs' worth of work per
/// block and losing `overlap` outputs per block to the wrap-around: the one of least work,
/// unless on the current rayon pool another finishes in less than [`THREADED_GAIN`] of its
/// time.
///
/// The predicted wall time is the kernel's transform plus the blocks of the busiest thread.
/// With a short kernel the many blocks divide evenly between the threads whatever the length,
/// and the least-work length stays; with a long one the least work can be one transform that
/// cannot be split (at $10^6 \times 10^5$ the gradient's transform of 1,179,648 points),
/// and on two threads four blocks of 458,752 finish sooner. So the transform length, and with
/// it the rounding of the result, can depend on the number of threads; for a given length
/// the result is the same bit for bit on any number of threads.
fn schedule(n: usize, m: usize, outputs: usize, passes: f64, overlap: usize) -> Schedule {
    // From a transform pair's time: one block's, and the kernel's own transform (one forward,
    // about half a pair).
    let per_block = |pair_ns: f64, nfft: usize| passes * pair_ns + BLOCK_NS_PER_POINT * nfft as f64;
    let kernel = |pair_ns: f64| 0.5 * pair_ns + CALL_NS;
    // Asked once: this runs for every call, small ones included.
    let threads = rayon::current_num_threads().max(1);
    let single_len = smallest_table_len(n + m - 1);
    let single_pair = transform_ns(single_len);
    let single = per_block(single_pair, single_len) + kernel(single_pair);
    // (schedule, predicted wall time on this pool): the least work and the soonest done.
    let first = (
        Schedule {
            nfft: single_len,
            blocking: Blocking::Single,
            cost_ns: single,
        },
        single,
    );
    let (mut least_work, mut soonest) = (first, first);
    for &(nfft, pair_ns) in TRANSFORM_NS {
        if nfft <= overlap || nfft >= single_len {
            continue;
        }
        let blocks = outputs.div_ceil(nfft - overlap);
        let rounds = if runs_in_parallel(blocks, nfft, threads) {
            blocks.div_ceil(threads)
        } else {
            blocks
        };
        let (block, kernel) = (per_block(pair_ns, nfft), kernel(pair_ns));
        let candidate = (
            Schedule {
                nfft,
                blocking: Blocking::Blocks,
                cost_ns: blocks as f64 * block + kernel,
            },
            rounds as f64 * block + kernel,
        );
        if candidate.0.cost_ns < least_work.0.cost_ns {
            least_work = candidate;
        }
        if candidate.1 < soonest.1 {
            soonest = candidate;
        }
    }
    if soonest.1 < THREADED_GAIN * least_work.1 {
        soonest.0
    } else {
        least_work.0
    }
}

/// The smallest tabulated fast length ≥ `target`, or the smallest even 7-smooth one beyond
/// the table.
fn smallest_table_len(target: usize) -> usize {
    TRANSFORM_NS
        .iter()
        .map(|&(n, _)| n)
        .find(|&n| n >= target)
        .unwrap_or_else(|| fast_len(target))
}

/// The schedule for entries `start..start + len` of the full convolution of lengths `n`, `m`.
pub(crate) fn conv_schedule(n: usize, m: usize, len: usize) -> Schedule {
    schedule(n, m, len, 1.0, m - 1)
}

/// The schedule for the fused least-squares gradient (two forward transforms and one inverse
/// per block; $2(m-1)$ outputs of each block lost to wrap-around).
pub(crate) fn gradient_schedule(n: usize, m: usize) -> Schedule {
    schedule(n, m, n, 1.5, 2 * (m - 1))
}

/// Predicted nanoseconds of the direct sum for `len` outputs of lengths `n`, `m`.
pub(crate) fn direct_cost_ns(n: usize, m: usize, len: usize) -> f64 {
    len as f64 * n.min(m) as f64 * DIRECT_NS_PER_MAC + 200.0
}

/// Cost model: `true` when the FFT is expected to beat the direct sum for the full convolution.
pub(crate) fn fft_is_faster(n: usize, m: usize) -> bool {
    let len = n + m - 1;
    conv_schedule(n.max(m), n.min(m), len).cost_ns < direct_cost_ns(n, m, len)
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

/// A kernel's spectrum at one transform length, scaled, with the plans to use it.
pub(crate) struct Spectrum {
    nfft: usize,
    m: usize,
    fwd: Arc<dyn RealToComplex<f64>>,
    inv: Arc<dyn ComplexToReal<f64>>,
    /// $\hat h'/N$ for the scaled kernel $h' = h \cdot 2^{-e_h}$.
    spec: Buffer<Complex<f64>>,
    /// $e_h$: the kernel's power-of-two scale.
    exp_h: i32,
}

impl std::fmt::Debug for Spectrum {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Spectrum")
            .field("nfft", &self.nfft)
            .field("m", &self.m)
            .finish_non_exhaustive()
    }
}

/// The buffers one block needs; one set per thread, reused by every block it computes, and
/// released to the thread's pool afterwards.
struct Work {
    time: Buffer<f64>,
    freq: Buffer<Complex<f64>>,
    freq2: Buffer<Complex<f64>>,
    out: Buffer<f64>,
    scratch: Buffer<Complex<f64>>,
}

impl Drop for Work {
    fn drop(&mut self) {
        buffers::release_reals(std::mem::take(&mut self.time));
        buffers::release_reals(std::mem::take(&mut self.out));
        buffers::release_complexes(std::mem::take(&mut self.freq));
        buffers::release_complexes(std::mem::take(&mut self.freq2));
        buffers::release_complexes(std::mem::take(&mut self.scratch));
    }
}

/// The fused gradient's two filters, shared by its blocks and released to the pool after.
struct Filters {
    /// $\alpha N |\hat h'/N|^2$.
    filter_x: Buffer<f64>,
    /// $\beta\, \overline{\hat h'/N}$.
    filter_y: Buffer<Complex<f64>>,
}

impl Drop for Filters {
    fn drop(&mut self) {
        buffers::release_reals(std::mem::take(&mut self.filter_x));
        buffers::release_complexes(std::mem::take(&mut self.filter_y));
    }
}

impl Drop for Spectrum {
    fn drop(&mut self) {
        buffers::release_complexes(std::mem::take(&mut self.spec));
    }
}

impl Spectrum {
    /// The spectrum of `h` (zero-padded) at length `nfft` ≥ `h.len()`.
    pub(crate) fn new(h: &[f64], nfft: usize) -> Result<Self, DiscreteError> {
        let (fwd, inv) = plans(nfft);
        let exp_h = exponent_of_max(h);
        let down = Pow2::new(-exp_h);
        let mut buf = buffers::reals_overwritten(nfft);
        fill(&mut buf, h, 0, down);
        let mut spec = buffers::complexes_overwritten(nfft / 2 + 1);
        let mut scratch = buffers::complexes_overwritten(fwd.get_scratch_len());
        let done = fwd.process_with_scratch(&mut buf, &mut spec, &mut scratch);
        buffers::release_reals(buf);
        buffers::release_complexes(scratch);
        done.map_err(fft_err)?;
        let inv_n = 1.0 / nfft as f64;
        for s in spec.iter_mut() {
            *s *= inv_n;
        }
        Ok(Self {
            nfft,
            m: h.len(),
            fwd,
            inv,
            spec,
            exp_h,
        })
    }

    /// The transform length.
    pub(crate) fn nfft(&self) -> usize {
        self.nfft
    }

    fn work(&self) -> Work {
        let scratch_len = self.fwd.get_scratch_len().max(self.inv.get_scratch_len());
        let half = self.nfft / 2 + 1;
        // Every buffer is written in full before it is read (`fill`, the transforms).
        Work {
            time: buffers::reals_overwritten(self.nfft),
            freq: buffers::complexes_overwritten(half),
            freq2: buffers::complexes_overwritten(half),
            out: buffers::reals_overwritten(self.nfft),
            scratch: buffers::complexes_overwritten(scratch_len),
        }
    }

    /// Forward transform of `src[s..s + N]` (zero outside `src`), each entry times `scale`.
    fn forward(
        &self,
        src: &[f64],
        s: isize,
        scale: Pow2,
        time: &mut [f64],
        freq: &mut [Complex<f64>],
        scratch: &mut [Complex<f64>],
    ) -> Result<(), DiscreteError> {
        fill(time, src, s, scale);
        self.fwd
            .process_with_scratch(time, freq, &mut scratch[..self.fwd.get_scratch_len()])
            .map_err(fft_err)
    }

    /// Inverse transform of `freq` into `out` (the DC and Nyquist bins' imaginary parts, which
    /// are rounding noise for a product of real spectra, cleared first: realfft refuses them).
    fn inverse(
        &self,
        freq: &mut [Complex<f64>],
        out: &mut [f64],
        scratch: &mut [Complex<f64>],
    ) -> Result<(), DiscreteError> {
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

    /// The circular convolution of the kernel with `x[s..s + N]` (zero outside `x`, scaled by
    /// `down` on the way in), left in `w.out`.
    fn circular(&self, w: &mut Work, x: &[f64], s: isize, down: Pow2) -> Result<(), DiscreteError> {
        self.forward(x, s, down, &mut w.time, &mut w.freq, &mut w.scratch)?;
        multiply(&mut w.freq, &self.spec);
        self.inverse(&mut w.freq, &mut w.out, &mut w.scratch)
    }

    /// Where block `b` of the entries from `start` on reads its input (`s`), where its outputs
    /// sit in the circular result, and how many outputs a block has.
    fn layout(&self, blocking: Blocking, start: usize, b: usize) -> (isize, usize, usize) {
        match blocking {
            Blocking::Single => (0, start, usize::MAX),
            Blocking::Blocks => {
                let step = self.nfft - (self.m - 1);
                let k0 = start + b * step;
                (k0 as isize - (self.m as isize - 1), self.m - 1, step)
            }
        }
    }

    /// Entries `start..start + z.len()` of the full convolution of `x` with the kernel,
    /// written into `z`, by `blocking`; `exp_x` is [`exponent_of_max`] of `x`.
    pub(crate) fn convolve_into(
        &self,
        x: &[f64],
        exp_x: i32,
        blocking: Blocking,
        start: usize,
        z: &mut [f64],
    ) -> Result<(), DiscreteError> {
        debug_assert!(blocking == Blocking::Blocks || self.nfft >= x.len() + self.m - 1);
        let down = Pow2::new(-exp_x);
        let up = Pow2::new(exp_x + self.exp_h);
        let block = |w: &mut Work, b: usize, out: &mut [f64]| {
            let (s, offset, _) = self.layout(blocking, start, b);
            self.circular(w, x, s, down)?;
            for (zk, &c) in out.iter_mut().zip(&w.out[offset..]) {
                *zk = up.apply(c);
            }
            Ok(())
        };
        let (_, _, step) = self.layout(blocking, start, 0);
        let step = step.min(z.len()).max(1);
        let blocks = z.len().div_ceil(step);
        if runs_in_parallel(blocks, self.nfft, rayon::current_num_threads()) {
            z.par_chunks_mut(step)
                .enumerate()
                .try_for_each_init(|| self.work(), |w, (b, out)| block(w, b, out))
        } else {
            let mut w = self.work();
            z.chunks_mut(step)
                .enumerate()
                .try_for_each(|(b, out)| block(&mut w, b, out))
        }
    }

    /// As [`Spectrum::convolve_into`], into a new vector of `len` entries — on one thread
    /// without first zeroing it (each block's outputs are appended).
    pub(crate) fn convolve_vec(
        &self,
        x: &[f64],
        exp_x: i32,
        blocking: Blocking,
        start: usize,
        len: usize,
    ) -> Result<Vec<f64>, DiscreteError> {
        let (_, _, step) = self.layout(blocking, start, 0);
        let blocks = len.div_ceil(step.min(len).max(1));
        if runs_in_parallel(blocks, self.nfft, rayon::current_num_threads()) {
            let mut z = buffers::zeroed_in_parallel(len);
            self.convolve_into(x, exp_x, blocking, start, &mut z)?;
            return Ok(z);
        }
        let down = Pow2::new(-exp_x);
        let up = Pow2::new(exp_x + self.exp_h);
        let mut w = self.work();
        let mut z = Vec::with_capacity(len);
        for b in 0..blocks {
            let (s, offset, step) = self.layout(blocking, start, b);
            self.circular(&mut w, x, s, down)?;
            let count = step.min(len - z.len());
            z.extend(w.out[offset..offset + count].iter().map(|&c| up.apply(c)));
        }
        Ok(z)
    }

    /// The least-squares gradient $g = H^\top(h*x - y)$ (length $n$) for this kernel, fused per
    /// block: with $\hat X$, $\hat Y$ the transforms of the block's inputs,
    /// $\hat G = \overline{\hat h}\\,(\hat h \hat X - \hat Y)$, one inverse transform.
    ///
    /// A block of $S = N - 2(m-1)$ outputs $g_{j_0}, \dots, g_{j_0+S-1}$ reads the residual
    /// $r_{j_0}, \dots, r_{j_0+S+m-2}$, which needs $x_{j_0-m+1}, \dots, x_{j_0+S+m-2}$ — $N$
    /// inputs — and the same stretch of $y$, placed at offset $m - 1$. The residual is exact
    /// at the positions $m - 1, \dots, N - 1$ (no wrap-around), and the correlation that
    /// produces $g_{j_0+s}$ at position $s + m - 1$ reads exactly those. One block with
    /// $N \ge n + m - 1$ needs no offsets: nothing wraps.
    ///
    /// On one thread the blocks' outputs are appended to the result, which is never zeroed
    /// first.
    pub(crate) fn ls_gradient_vec(
        &self,
        (x, exp_x): (&[f64], i32),
        (y, exp_y): (&[f64], i32),
        blocking: Blocking,
    ) -> Result<Vec<f64>, DiscreteError> {
        let (n, m, nfft) = (x.len(), self.m, self.nfft);
        // r = h*x − y = 2^{e_r}·(α·h'*x' − β·y'), e_r = max(e_h + e_x, e_y): α, β ≤ 1.
        let exp_r = (self.exp_h + exp_x).max(exp_y);
        let alpha = Pow2::new(self.exp_h + exp_x - exp_r).factor();
        let beta = Pow2::new(exp_y - exp_r).factor();
        let (down_x, down_y) = (Pow2::new(-exp_x), Pow2::new(-exp_y));
        let up = Pow2::new(self.exp_h + exp_r);
        let (step, offset) = match blocking {
            Blocking::Single => {
                debug_assert!(nfft >= n + m - 1);
                (n, 0usize)
            }
            Blocking::Blocks => (nfft - 2 * (m - 1), m - 1),
        };
        let blocks = n.div_ceil(step);
        // spec = ĥ'/N carries the inverse's 1/N once: Ĝ/N = α·N·|spec|²·X̂ − β·conj(spec)·Ŷ.
        // Several blocks share the two filters, formed once; a single block forms them in the
        // pass that reads both spectra (a pass of its own would stream them through memory).
        let alpha_n = alpha * nfft as f64;
        let filters = (blocks > 1).then(|| {
            let mut filter_x = buffers::reals_overwritten(self.spec.len());
            let mut filter_y = buffers::complexes_overwritten(self.spec.len());
            for ((fx, fy), s) in filter_x.iter_mut().zip(filter_y.iter_mut()).zip(&self.spec) {
                *fx = alpha_n * s.norm_sqr();
                *fy = s.conj() * beta;
            }
            Filters { filter_x, filter_y }
        });
        let combine = |w: &mut Work| match &filters {
            Some(f) => {
                for ((fx, fy), (cx, cy)) in w
                    .freq
                    .iter_mut()
                    .zip(w.freq2.iter())
                    .zip(f.filter_x.iter().zip(&f.filter_y))
                {
                    *fx = *fx * *cx - fy * cy;
                }
            }
            None => {
                for ((fx, fy), s) in w.freq.iter_mut().zip(w.freq2.iter()).zip(&self.spec) {
                    *fx = s.conj() * (*s * *fx * alpha_n - fy * beta);
                }
            }
        };
        // Block `b`'s outputs are left in `w.out[offset..]`.
        let block = |w: &mut Work, b: usize| {
            let j0 = (b * step) as isize;
            let (sx, sy) = match blocking {
                Blocking::Single => (0, 0),
                Blocking::Blocks => (j0 - (m as isize - 1), j0 - (m as isize - 1)),
            };
            self.forward(x, sx, down_x, &mut w.time, &mut w.freq, &mut w.scratch)?;
            // y's block: y[j0 .. j0 + S + m − 1) at offset m − 1 (blocks), i.e. the window of y
            // starting m − 1 before j0, cut to the part from j0 on.
            fill_from(&mut w.time, y, sy, j0.max(0) as usize, down_y);
            self.fwd
                .process_with_scratch(
                    &mut w.time,
                    &mut w.freq2,
                    &mut w.scratch[..self.fwd.get_scratch_len()],
                )
                .map_err(fft_err)?;
            combine(w);
            let Work {
                freq,
                out: buf,
                scratch,
                ..
            } = w;
            self.inverse(freq, buf, scratch)
        };
        if runs_in_parallel(blocks, nfft, rayon::current_num_threads()) {
            let mut g = buffers::zeroed_in_parallel(n);
            g.par_chunks_mut(step).enumerate().try_for_each_init(
                || self.work(),
                |w, (b, out)| {
                    block(w, b)?;
                    for (gk, &c) in out.iter_mut().zip(&w.out[offset..]) {
                        *gk = up.apply(c);
                    }
                    Ok::<_, DiscreteError>(())
                },
            )?;
            Ok(g)
        } else {
            let mut w = self.work();
            let mut g = Vec::with_capacity(n);
            for b in 0..blocks {
                block(&mut w, b)?;
                let count = step.min(n - g.len());
                g.extend(w.out[offset..offset + count].iter().map(|&c| up.apply(c)));
            }
            Ok(g)
        }
    }
}

/// `time[i] = scale · src[s + i]`, zero where `s + i` is outside `src`.
pub(crate) fn fill(time: &mut [f64], src: &[f64], s: isize, scale: Pow2) {
    fill_from(time, src, s, 0, scale);
}

/// As [`fill`], but only entries of `src` at indices ≥ `from` (the rest zero).
fn fill_from(time: &mut [f64], src: &[f64], s: isize, from: usize, scale: Pow2) {
    let n = time.len() as isize;
    let lo = s.max(from as isize).clamp(s, s + n);
    let hi = (src.len() as isize).clamp(lo, s + n);
    let (a, b) = ((lo - s) as usize, (hi - s) as usize);
    time[..a].fill(0.0);
    for (t, &v) in time[a..b].iter_mut().zip(&src[lo as usize..hi as usize]) {
        *t = scale.apply(v);
    }
    time[b..].fill(0.0);
}

fn multiply(freq: &mut [Complex<f64>], spec: &[Complex<f64>]) {
    for (a, b) in freq.iter_mut().zip(spec) {
        *a *= *b;
    }
}

/// Full convolution by FFT (the schedule from the cost model).
#[cfg(test)]
pub(crate) fn full(h: &[f64], x: &[f64]) -> Result<Vec<f64>, DiscreteError> {
    window(
        (h, exponent_of_max(h)),
        (x, exponent_of_max(x)),
        0,
        x.len() + h.len() - 1,
    )
}

/// Entries `start..start + len` of the full convolution of `h` and `x` by FFT (each with the
/// exponent of its largest entry).
#[cfg(test)]
pub(crate) fn window(
    (h, exp_h): (&[f64], i32),
    (x, exp_x): (&[f64], i32),
    start: usize,
    len: usize,
) -> Result<Vec<f64>, DiscreteError> {
    // The longer one streams through the blocks; convolution commutes.
    let ((x, exp_x), h) = if x.len() >= h.len() {
        ((x, exp_x), h)
    } else {
        ((h, exp_h), x)
    };
    let sched = conv_schedule(x.len(), h.len(), len);
    window_scheduled((h, exp_h), (x, exp_x), sched, start, len)
}

/// As [`window`], with the schedule already chosen (by [`conv_schedule`] for the longer of
/// the two as the signal).
pub(crate) fn window_scheduled(
    (h, exp_h): (&[f64], i32),
    (x, exp_x): (&[f64], i32),
    sched: Schedule,
    start: usize,
    len: usize,
) -> Result<Vec<f64>, DiscreteError> {
    let ((x, exp_x), h) = if x.len() >= h.len() {
        ((x, exp_x), h)
    } else {
        ((h, exp_h), x)
    };
    Spectrum::new(h, sched.nfft)?.convolve_vec(x, exp_x, sched.blocking, start, len)
}

/// The least-squares gradient $H^\top(h*x - y)$ by FFT: fused per block, or with the kernel
/// cut into pieces ([`crate::partitioned`]) where the cost model predicts that cheaper.
pub(crate) fn ls_gradient(
    h: &[f64],
    (x, exp_x): (&[f64], i32),
    (y, exp_y): (&[f64], i32),
) -> Result<Vec<f64>, DiscreteError> {
    let sched = gradient_schedule(x.len(), h.len());
    if let Some((b, cost)) = crate::partitioned::schedule(x.len(), h.len())
        && cost < sched.cost_ns
    {
        return crate::partitioned::ls_gradient(h, (x, exp_x), (y, exp_y), b);
    }
    fused_ls_gradient(h, sched, (x, exp_x), (y, exp_y))
}

/// The fused per-block gradient with the schedule `sched`.
pub(crate) fn fused_ls_gradient(
    h: &[f64],
    sched: Schedule,
    (x, exp_x): (&[f64], i32),
    (y, exp_y): (&[f64], i32),
) -> Result<Vec<f64>, DiscreteError> {
    Spectrum::new(h, sched.nfft)?.ls_gradient_vec((x, exp_x), (y, exp_y), sched.blocking)
}

/// `true` when the fused FFT gradient is expected to beat the direct sums.
pub(crate) fn fft_gradient_is_faster(n: usize, m: usize) -> bool {
    // Direct: the residual (n + m − 1 outputs) and the correlation (n outputs), m terms each.
    let direct = direct_cost_ns(n, m, n + m - 1) + direct_cost_ns(n + m - 1, m, n);
    let partitioned = crate::partitioned::schedule(n, m).map_or(f64::INFINITY, |(_, c)| c);
    gradient_schedule(n, m).cost_ns.min(partitioned) < direct
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data(seed: usize, n: usize) -> Vec<f64> {
        (0..n)
            .map(|i| (((i + seed) * 7919) % 1013) as f64 / 506.0 - 1.0)
            .collect()
    }

    /// |error| ≤ c·ε·log₂N·‖h‖₁‖x‖∞ per entry for an FFT convolution (three transforms of
    /// relative 2-norm error ≲ 2ε·log₂N each, the product bounded by ‖ĥ‖∞ ≤ ‖h‖₁); c = 8 with
    /// margin, plus the direct sum's own m·ε·‖h‖₁‖x‖∞ as the reference.
    fn tol(x: &[f64], h: &[f64], nfft: usize) -> f64 {
        let h1: f64 = h.iter().map(|v| v.abs()).sum();
        let xi = x.iter().fold(0.0f64, |a, v| a.max(v.abs()));
        (8.0 * (nfft as f64).log2() + h.len() as f64) * f64::EPSILON * h1 * xi
    }

    #[test]
    fn every_blocking_and_length_matches_the_direct_sum() {
        for (n, m) in [
            (1, 1),
            (7, 3),
            (100, 1),
            (100, 17),
            (300, 64),
            (1000, 5),
            (64, 63),
        ] {
            let (x, h) = (data(1, n), data(2, m));
            let want = crate::direct_sum::full(&h, &x);
            let len = n + m - 1;
            let single = smallest_table_len(len);
            let mut cases = vec![(single, Blocking::Single)];
            for nfft in [16usize, 32, 96, 128, 640] {
                if nfft > m - 1 && nfft < single {
                    cases.push((nfft, Blocking::Blocks));
                }
            }
            for (nfft, blocking) in cases {
                let spec = Spectrum::new(&h, nfft).unwrap();
                for (start, count) in [(0, len), (m - 1, n - (m - 1).min(n - 1)), (len / 3, 1)] {
                    let count = count.min(len - start);
                    let mut z = vec![0.0; count];
                    spec.convolve_into(&x, exponent_of_max(&x), blocking, start, &mut z)
                        .unwrap();
                    let v = spec
                        .convolve_vec(&x, exponent_of_max(&x), blocking, start, count)
                        .unwrap();
                    assert_eq!(v, z);
                    for (k, (a, b)) in z.iter().zip(&want[start..]).enumerate() {
                        assert!(
                            (a - b).abs() <= tol(&x, &h, nfft),
                            "n={n} m={m} N={nfft} {blocking:?} start={start} k={k}: {a} vs {b}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn fused_gradient_equals_residual_then_correlation_for_every_blocking() {
        for (n, m) in [(37usize, 11usize), (1, 1), (200, 1), (500, 20), (90, 40)] {
            let x = data(3, n);
            let h = data(4, m);
            let y: Vec<f64> = data(5, n + m - 1).iter().map(|v| 0.5 * v).collect();
            let r: Vec<f64> = crate::direct_sum::full(&h, &x)
                .iter()
                .zip(&y)
                .map(|(a, b)| a - b)
                .collect();
            let want: Vec<f64> = (0..n)
                .map(|j| (0..m).map(|i| r[i + j] * h[i]).sum())
                .collect();
            let single = smallest_table_len(n + m - 1);
            let mut cases = vec![(single, Blocking::Single)];
            for nfft in [32usize, 128, 256] {
                if nfft > 2 * (m - 1) && nfft < single {
                    cases.push((nfft, Blocking::Blocks));
                }
            }
            let h1: f64 = h.iter().map(|v| v.abs()).sum();
            let r_inf = r.iter().fold(0.0f64, |a, v| a.max(v.abs()));
            for (nfft, blocking) in cases {
                let spec = Spectrum::new(&h, nfft).unwrap();
                let g = spec
                    .ls_gradient_vec(
                        (&x, exponent_of_max(&x)),
                        (&y, exponent_of_max(&y)),
                        blocking,
                    )
                    .unwrap();
                // Two convolution-sized errors: the residual's (≲ c·ε·log₂N·‖h‖₁·(‖x‖∞+‖y‖∞)
                // before the second product) and the correlation's, each multiplied by ‖h‖₁.
                let tol = 16.0 * (nfft as f64).log2() * f64::EPSILON * h1 * (h1 + 1.0)
                    + 4.0 * m as f64 * f64::EPSILON * h1 * r_inf;
                for (j, (a, b)) in g.iter().zip(&want).enumerate() {
                    assert!(
                        (a - b).abs() <= tol,
                        "n={n} m={m} N={nfft} {blocking:?} j={j}: {a} vs {b}"
                    );
                }
            }
        }
    }

    #[test]
    fn two_threads_pick_blocks_that_divide_between_them() {
        let pool = |threads| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap()
        };
        let (n, m) = (1_000_000, 100_000);
        let one = pool(1).install(|| gradient_schedule(n, m));
        let two = pool(2).install(|| gradient_schedule(n, m));
        assert_eq!(one.blocking, Blocking::Single);
        assert_eq!(two.blocking, Blocking::Blocks);
        let blocks = n.div_ceil(two.nfft - 2 * (m - 1));
        assert!(blocks.is_multiple_of(2), "{two:?}: {blocks} blocks");
        // More work in all, less on the busier thread.
        assert!(two.cost_ns > one.cost_ns);
        // A short kernel's many blocks divide evenly anyway: the same length on any count.
        let short =
            |t| pool(t).install(|| (conv_schedule(n, 1000, n + 999), gradient_schedule(n, 1000)));
        assert_eq!(short(1), short(2));
    }

    /// Wall milliseconds per call (least and median of 9 rounds, the candidates interleaved
    /// within each round so that the machine's drift falls on all of them alike) of the fused
    /// gradient and of the convolution at 10⁶ × 10⁵ for the transform lengths from 229,376
    /// up (the gradient's from 327,680: shorter blocks lose most of their outputs to the
    /// wrap-around), on one and two threads, beside the cost model's choice: the measurements behind
    /// [`schedule`]. `cargo test --release -p flipshift-discrete schedule_timings --
    /// --ignored --nocapture`.
    #[test]
    #[ignore]
    fn schedule_timings() {
        let (n, m) = (1_000_000usize, 100_000usize);
        let (h, x) = (data(1, m), data(2, n));
        let y: Vec<f64> = data(3, n + m - 1).iter().map(|v| 0.5 * v).collect();
        let (ex, ey) = (exponent_of_max(&x), exponent_of_max(&y));
        let single = smallest_table_len(n + m - 1);
        let candidates: Vec<Schedule> = TRANSFORM_NS
            .iter()
            .filter(|&&(nfft, _)| (229_376..=single).contains(&nfft))
            .map(|&(nfft, _)| Schedule {
                nfft,
                blocking: if nfft == single {
                    Blocking::Single
                } else {
                    Blocking::Blocks
                },
                cost_ns: 0.0,
            })
            .collect();
        let ms = |f: &dyn Fn()| {
            let t = std::time::Instant::now();
            f();
            t.elapsed().as_secs_f64() * 1e3
        };
        for threads in [1usize, 2] {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            pool.install(|| {
                println!(
                    "threads {threads}: the model picks N = {} for the gradient, {} for the \
                     convolution",
                    gradient_schedule(n, m).nfft,
                    conv_schedule(n, m, n + m - 1).nfft
                );
                let mut grad = vec![Vec::new(); candidates.len()];
                let mut conv = vec![Vec::new(); candidates.len()];
                for _ in 0..10 {
                    for (i, &sched) in candidates.iter().enumerate() {
                        // Gradient blocks lose 2(m − 1) outputs: only the longer ones are worth it.
                        if sched.nfft >= 327_680 {
                            grad[i].push(ms(&|| {
                                std::hint::black_box(
                                    fused_ls_gradient(&h, sched, (&x, ex), (&y, ey)).unwrap(),
                                );
                            }));
                        }
                        conv[i].push(ms(&|| {
                            std::hint::black_box(
                                window_scheduled((&h, 0), (&x, ex), sched, 0, n + m - 1).unwrap(),
                            );
                        }));
                    }
                }
                let summary = |t: &mut Vec<f64>| {
                    if t.is_empty() {
                        return "    —        ".to_string();
                    }
                    t.remove(0); // the first round warms the buffers up
                    t.sort_by(f64::total_cmp);
                    format!("{:5.1} / {:5.1}", t[0], t[t.len() / 2])
                };
                for (i, sched) in candidates.iter().enumerate() {
                    println!(
                        "threads {threads} N {:>8} {:?}: gradient {} ms, convolution {} ms",
                        sched.nfft,
                        sched.blocking,
                        summary(&mut grad[i]),
                        summary(&mut conv[i])
                    );
                }
            });
        }
    }

    /// Milliseconds per call (median of 9 rounds, the two kinds of buffer interleaved) of the
    /// gradient and the convolution at 10⁶ × 10⁵ on one thread, with the long transforms'
    /// buffers in huge pages and in allocator memory: the measurement behind the note in
    /// [`crate::buffers`]. `cargo test --release -p flipshift-discrete huge_page_timings --
    /// --ignored --nocapture`.
    #[test]
    #[ignore]
    fn huge_page_timings() {
        let (n, m) = (1_000_000usize, 100_000usize);
        let (h, x) = (data(1, m), data(2, n));
        let y: Vec<f64> = data(3, n + m - 1).iter().map(|v| 0.5 * v).collect();
        let (eh, ex, ey) = (
            exponent_of_max(&h),
            exponent_of_max(&x),
            exponent_of_max(&y),
        );
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap();
        pool.install(|| {
            let (grad, conv) = (gradient_schedule(n, m), conv_schedule(n, m, n + m - 1));
            let mut t = [[Vec::new(), Vec::new()], [Vec::new(), Vec::new()]];
            for _ in 0..9 {
                for (k, huge) in [true, false].into_iter().enumerate() {
                    buffers::use_huge_pages(huge);
                    let mut ms = |i: usize, f: &dyn Fn()| {
                        f(); // allocates this kind of buffer; the timed call reuses them
                        let c = std::time::Instant::now();
                        f();
                        t[k][i].push(c.elapsed().as_secs_f64() * 1e3);
                    };
                    ms(0, &|| {
                        std::hint::black_box(
                            fused_ls_gradient(&h, grad, (&x, ex), (&y, ey)).unwrap(),
                        );
                    });
                    ms(1, &|| {
                        std::hint::black_box(
                            window_scheduled((&h, eh), (&x, ex), conv, 0, n + m - 1).unwrap(),
                        );
                    });
                }
            }
            buffers::use_huge_pages(true);
            let median = |v: &mut Vec<f64>| {
                v.sort_by(f64::total_cmp);
                v[v.len() / 2]
            };
            for (k, kind) in ["huge pages", "allocator"].into_iter().enumerate() {
                println!(
                    "{kind:>10}: gradient (N = {}) {:.2} ms, convolution (N = {}) {:.2} ms",
                    grad.nfft,
                    median(&mut t[k][0]),
                    conv.nfft,
                    median(&mut t[k][1])
                );
            }
        });
    }

    #[test]
    fn huge_and_tiny_inputs_neither_overflow_nor_underflow() {
        let (x, h) = (data(6, 200), data(7, 9));
        let want = crate::direct_sum::full(&h, &x);
        // Exponents that keep every entry a normal number (a subnormal input has already lost
        // its digits before any algorithm sees it).
        for (ex, eh) in [(1000, -20), (-1000, 30), (500, 500), (-600, -400)] {
            let xs: Vec<f64> = x.iter().map(|v| Pow2::new(ex).apply(*v)).collect();
            let hs: Vec<f64> = h.iter().map(|v| Pow2::new(eh).apply(*v)).collect();
            let z = full(&hs, &xs).unwrap();
            let back = Pow2::new(-ex - eh);
            for (a, b) in z.iter().zip(&want) {
                let a = back.apply(*a);
                assert!(
                    (a - b).abs() <= tol(&x, &h, 256),
                    "2^{ex}, 2^{eh}: {a} vs {b}"
                );
            }
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
