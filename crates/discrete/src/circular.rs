//! Circular (periodic) convolution: the kernel $h$ of length $m \le n$, padded with zeros to
//! the signal's length $n$, acts on $x \in \mathbb{R}^n$ by
//! $z_k = \sum_j h_{(k - j) \bmod n}\\, x_j$.
//!
//! The matrix $H_{kj} = h_{(k-j) \bmod n}$ is **circulant**: the DFT diagonalises it,
//! $H = F^{-1} \operatorname{diag}(\hat h) F$ with eigenvalues $\hat h_k = \sum_j h_j
//! e^{-2\pi i jk/n}$. So $Hx$ is a product of spectra, $H^\top x$ the product with
//! $\overline{\hat h}$ (the correlation, the same flip as on the line), and the normal
//! equations $(H^\top H + \lambda I)x = H^\top y$ are diagonal in the Fourier domain:
//! $\hat x_k = \overline{\hat h_k}\\, \hat y_k / (|\hat h_k|^2 + \lambda)$ — an exact solve in
//! $O(n \log n)$. With $\lambda = 0$ and a zero eigenvalue (to rounding) there is no unique
//! solution, and the error names the frequency.
//!
//! Inputs are scaled by powers of two to a largest entry near 1 before they are transformed
//! and the results scaled back (exact), so the transforms neither overflow nor underflow
//! unless the answer itself does.

use crate::buffers;
use crate::error::{DiscreteError, check, check_computed};
use crate::fourier::{fft_err, fill, plans};
use crate::scale::{Pow2, exponent_of_max};
use crate::toeplitz::Layout;
use nalgebra::DMatrix;
use realfft::num_complex::Complex;

/// The half spectrum $\hat v_0, \dots, \hat v_{\lfloor n/2 \rfloor}$ of `v` (real,
/// zero-padded to length `n`), scaled by $2^{-e}$ first; returns it and $e$. The other half is
/// its mirror, $\hat v_{n-k} = \overline{\hat v_k}$. Real transforms from the thread's
/// cached plans (planning a length anew costs many transforms of it).
fn spectrum(v: &[f64], n: usize) -> Result<(Vec<Complex<f64>>, i32), DiscreteError> {
    let e = exponent_of_max(v);
    let (fwd, _) = plans(n);
    let mut buf = buffers::reals_overwritten(n);
    fill(&mut buf, v, 0, Pow2::new(-e));
    let mut spec = fwd.make_output_vec();
    let mut scratch = buffers::complexes_overwritten(fwd.get_scratch_len());
    let done = fwd.process_with_scratch(&mut buf, &mut spec, &mut scratch);
    buffers::release_reals(buf);
    buffers::release_complexes(scratch);
    done.map_err(fft_err)?;
    Ok((spec, e))
}

/// The inverse DFT (normalised by $1/n$) of the half spectrum `spec` of a real signal of
/// length `n`, scaled by $2^e$. The imaginary parts of the bins that must be real (zero
/// frequency, and $n/2$ for even $n$) are rounding noise of a product of spectra and are
/// cleared first.
fn inverse_real(mut spec: Vec<Complex<f64>>, n: usize, e: i32) -> Result<Vec<f64>, DiscreteError> {
    let (_, inv) = plans(n);
    if let Some(c) = spec.first_mut() {
        c.im = 0.0;
    }
    if n.is_multiple_of(2)
        && let Some(c) = spec.last_mut()
    {
        c.im = 0.0;
    }
    let mut out = vec![0.0; n];
    let mut scratch = buffers::complexes_overwritten(inv.get_scratch_len());
    let done = inv.process_with_scratch(&mut spec, &mut out, &mut scratch);
    buffers::release_complexes(scratch);
    done.map_err(fft_err)?;
    let up = Pow2::new(e);
    let inv_n = 1.0 / n as f64;
    for v in &mut out {
        *v = up.apply(*v * inv_n);
    }
    Ok(out)
}

/// A kernel no longer than the signal, both valid.
fn check_pair(h: &[f64], x: &[f64], what_x: &'static str) -> Result<(), DiscreteError> {
    check("h", h)?;
    check(what_x, x)?;
    check_len(h, x.len())
}

fn check_len(h: &[f64], n: usize) -> Result<(), DiscreteError> {
    if h.len() > n {
        return Err(DiscreteError::Length {
            what: "h",
            got: h.len(),
            expected: format!(
                "a circular kernel is at most as long as the signal (n = {n}); it is padded with zeros to n"
            ),
        });
    }
    Ok(())
}

/// Which side of $H$ acts: $H$ (convolution) or $H^\top$ (correlation).
#[derive(Clone, Copy)]
enum Side {
    Forward,
    Adjoint,
}

fn apply(h: &[f64], x: &[f64], side: Side) -> Result<Vec<f64>, DiscreteError> {
    let n = x.len();
    let (hs, eh) = spectrum(h, n)?;
    let (mut xs, ex) = spectrum(x, n)?;
    for (a, b) in xs.iter_mut().zip(&hs) {
        *a *= match side {
            Side::Forward => *b,
            Side::Adjoint => b.conj(),
        };
    }
    inverse_real(xs, n, eh + ex)
}

/// The circular convolution $z = Hx$, $z_k = \sum_j h_{(k-j) \bmod n}\\, x_j$, of length
/// $n$ = `x.len()`; `h` (length $m \le n$) is padded with zeros. NumPy's
/// `ifft(fft(x) * fft(h, n)).real`.
///
/// ```
/// # use flipshift_discrete::circular_convolve;
/// // The kernel's tail wraps around: z_0 = h_0 x_0 + h_1 x_2.
/// let z = circular_convolve(&[1.0, 1.0], &[1.0, 2.0, 3.0])?;
/// assert!((z[0] - 4.0).abs() < 1e-12 && (z[1] - 3.0).abs() < 1e-12 && (z[2] - 5.0).abs() < 1e-12);
/// # Ok::<(), flipshift_discrete::DiscreteError>(())
/// ```
pub fn circular_convolve(h: &[f64], x: &[f64]) -> Result<Vec<f64>, DiscreteError> {
    check_pair(h, x, "x")?;
    apply(h, x, Side::Forward)
}

/// The circular correlation of `x` with `h`: $c = H^\top x$, $c_k = \sum_j h_j\\,
/// x_{(k+j) \bmod n}$ — the adjoint of [`circular_convolve`], the kernel flipped. NumPy's
/// `ifft(fft(x) * conj(fft(h, n))).real`.
pub fn circular_correlate(h: &[f64], x: &[f64]) -> Result<Vec<f64>, DiscreteError> {
    check_pair(h, x, "x")?;
    apply(h, x, Side::Adjoint)
}

/// The $n \times n$ circulant matrix $H_{kj} = h_{(k-j) \bmod n}$ with $Hx$ =
/// [`circular_convolve`]`(h, x)`: row $k$ is the kernel flipped and shifted to $k$, wrapped.
pub fn circulant_matrix(h: &[f64], n: usize) -> Result<DMatrix<f64>, DiscreteError> {
    check("h", h)?;
    if n == 0 {
        return Err(DiscreteError::InvalidParameter {
            what: "n",
            reason: "the signal length must be at least 1".into(),
        });
    }
    check_len(h, n)?;
    Ok(DMatrix::from_fn(n, n, |k, j| {
        let i = (k + n - j) % n;
        h.get(i).copied().unwrap_or(0.0)
    }))
}

/// The Jacobian of the circular convolution in the given layout: $H$ (numerator) or $H^\top$
/// (denominator), $n \times n$.
pub fn circular_jacobian(
    h: &[f64],
    n: usize,
    layout: Layout,
) -> Result<DMatrix<f64>, DiscreteError> {
    let m = circulant_matrix(h, n)?;
    Ok(match layout {
        Layout::Numerator => m,
        Layout::Denominator => m.transpose(),
    })
}

/// The residual $Hx - y$ of the circular model (`y` of length $n$).
fn residual(h: &[f64], x: &[f64], y: &[f64]) -> Result<Vec<f64>, DiscreteError> {
    check_pair(h, x, "x")?;
    check("y", y)?;
    if y.len() != x.len() {
        return Err(DiscreteError::Length {
            what: "y",
            got: y.len(),
            expected: format!("circular mode needs y as long as x ({})", x.len()),
        });
    }
    let z = apply(h, x, Side::Forward)?;
    Ok(z.iter().zip(y).map(|(a, b)| a - b).collect())
}

/// $\tfrac12\\|Hx - y\\|^2$ for the circular convolution.
pub fn circular_ls_cost(h: &[f64], x: &[f64], y: &[f64]) -> Result<f64, DiscreteError> {
    let r = residual(h, x, y)?;
    let big = r.iter().fold(0.0f64, |a, v| a.max(v.abs()));
    if big == 0.0 {
        return Ok(0.0);
    }
    let s: f64 = r.iter().map(|v| (v / big) * (v / big)).sum();
    Ok(0.5 * big * big * s)
}

/// $\nabla_x \tfrac12\\|Hx - y\\|^2 = H^\top(Hx - y)$ for the circular convolution: the
/// circular correlation of $h$ with the residual.
pub fn circular_ls_gradient(h: &[f64], x: &[f64], y: &[f64]) -> Result<Vec<f64>, DiscreteError> {
    let r = residual(h, x, y)?;
    check_computed("the residual Hx − y", &r)?;
    let g = apply(h, &r, Side::Adjoint)?;
    check_computed("the gradient Hᵀ(Hx − y)", &g)?;
    Ok(g)
}

/// What [`circular_solve`] reports besides the solution.
#[derive(Debug, Clone, PartialEq)]
pub struct CircularSolveInfo {
    /// The relative residual $\\|(H^\top H + \lambda I)x - H^\top y\\| / \\|H^\top y\\|$
    /// (0 when $H^\top y = 0$ and $x = 0$).
    pub residual_norm: f64,
    /// The condition number of $H^\top H + \lambda I$:
    /// $(\max_k |\hat h_k|^2 + \lambda) / (\min_k |\hat h_k|^2 + \lambda)$.
    pub condition: f64,
    /// The frequency $k$ where $|\hat h_k|$ is smallest, and that modulus.
    pub weakest: (usize, f64),
}

/// $x = \arg\min \tfrac12\\|Hx - y\\|^2 + \tfrac12\lambda\\|x\\|^2$ for the circular
/// convolution ($x$ and `y` of length $n$), by division in the Fourier domain:
/// $\hat x_k = \overline{\hat h_k}\\, \hat y_k / (|\hat h_k|^2 + \lambda)$.
///
/// With $\lambda = 0$, an eigenvalue $\hat h_k$ that is zero to rounding ($|\hat h_k| \le
/// 8\varepsilon \log_2 n \cdot \max_j |\hat h_j|$, the size of the transform's rounding
/// error) makes the system singular: the error names the frequency $k$.
pub fn circular_solve(
    h: &[f64],
    y: &[f64],
    lambda: f64,
) -> Result<(Vec<f64>, CircularSolveInfo), DiscreteError> {
    check("h", h)?;
    check("y", y)?;
    let n = y.len();
    check_len(h, n)?;
    if !(lambda >= 0.0) || !lambda.is_finite() {
        return Err(DiscreteError::InvalidParameter {
            what: "lambda",
            reason: format!("must be finite and ≥ 0, got {lambda}"),
        });
    }
    let (hs, eh) = spectrum(h, n)?;
    let (ys, ey) = spectrum(y, n)?;
    // λ in the units of the scaled kernel: |ĥ|² scales by 2^{-2eh}.
    let lam = Pow2::new(-2 * eh).apply(lambda);
    // The half spectrum holds every modulus (|ĥ_{n−k}| = |ĥ_k|), and the first smallest one.
    let moduli: Vec<f64> = hs.iter().map(|c| c.norm()).collect();
    let max = moduli.iter().fold(0.0f64, |a, &b| a.max(b));
    let (kmin, min) = moduli
        .iter()
        .copied()
        .enumerate()
        .fold(
            (0, f64::INFINITY),
            |a, (k, v)| if v < a.1 { (k, v) } else { a },
        );
    let rounding = 8.0 * f64::EPSILON * (n as f64).log2().max(1.0) * max;
    if lambda == 0.0 && min <= rounding {
        return Err(DiscreteError::Singular {
            detail: format!(
                "the DFT of h (the eigenvalues of the circulant H) vanishes at frequency k = {kmin} of n = {n}: |ĥ_{kmin}| = {:e}, within rounding of max|ĥ| = {:e}",
                Pow2::new(eh).apply(min),
                Pow2::new(eh).apply(max)
            ),
        });
    }
    let xs: Vec<Complex<f64>> = hs
        .iter()
        .zip(&ys)
        .map(|(a, b)| a.conj() * b / (a.norm_sqr() + lam))
        .collect();
    // In the scaled units the solution is finite unless |ĥ'_k|² + λ' is itself tiny (with
    // λ = 0 every |ĥ'_k| is above rounding here): singular to double precision. Otherwise only
    // the scale 2^{e_y − e_h} can take it beyond the double range, refused as the solve on the
    // line refuses it.
    let scaled = inverse_real(xs, n, 0)?;
    if let Some((index, value)) = crate::error::first_non_finite(&scaled) {
        return Err(DiscreteError::Singular {
            detail: format!(
                "HᵀH + λI is singular to double precision for λ = {lambda:e}: the solution is {value} at entry {index} (the smallest |ĥ_k| is {:e} at k = {kmin})",
                Pow2::new(eh).apply(min)
            ),
        });
    }
    let x = crate::normal::unscale("h, y and λ", &scaled, ey - eh)?;
    // The residual of the normal equations, in the original scale: the computed x transformed
    // again, HᵀHx + λx − Hᵀy formed from its spectrum and the kernel's, and brought back.
    let (xs, ex) = spectrum(&x, n)?;
    let (up_x, up_y) = (Pow2::new(ex + 2 * eh), Pow2::new(ey + eh));
    let x_scale = Pow2::new(ex);
    let (rs, htys): (Vec<Complex<f64>>, Vec<Complex<f64>>) = hs
        .iter()
        .zip(&xs)
        .zip(&ys)
        .map(|((a, u), b)| {
            let hty = a.conj() * b;
            // Each term brought to the original scale on its own (two exact steps: no
            // intermediate overflow unless the term itself overflows).
            let up = |p: Pow2, c: Complex<f64>| Complex::new(p.apply(c.re), p.apply(c.im));
            (
                up(up_x, u * a.norm_sqr()) + up(x_scale, u * lambda) - up(up_y, hty),
                hty,
            )
        })
        .unzip();
    let r = inverse_real(rs, n, 0)?;
    let hty = inverse_real(htys, n, ey + eh)?;
    let norm = |v: &[f64]| {
        let big = v.iter().fold(0.0f64, |a, x| a.max(x.abs()));
        if big == 0.0 {
            0.0
        } else {
            big * v.iter().map(|x| (x / big).powi(2)).sum::<f64>().sqrt()
        }
    };
    let (rn, bn) = (norm(&r), norm(&hty));
    let residual_norm = if bn == 0.0 { rn } else { rn / bn };
    let condition = (max * max + lam) / (min * min + lam);
    Ok((
        x,
        CircularSolveInfo {
            residual_norm,
            condition,
            weakest: (kmin, Pow2::new(eh).apply(min)),
        },
    ))
}

/// The eigenvalues of the circulant $H$: the DFT $\hat h_k = \sum_j h_j e^{-2\pi i jk/n}$ of
/// `h` padded to length `n`, as (real, imaginary) pairs.
pub fn circulant_eigenvalues(h: &[f64], n: usize) -> Result<Vec<(f64, f64)>, DiscreteError> {
    check("h", h)?;
    check_len(h, n)?;
    let (s, e) = spectrum(h, n)?;
    let up = Pow2::new(e);
    // The second half mirrors the first: ĥ_{n−k} = conj(ĥ_k).
    Ok((0..n)
        .map(|k| {
            let c = if k < s.len() { s[k] } else { s[n - k].conj() };
            (up.apply(c.re), up.apply(c.im))
        })
        .collect())
}
