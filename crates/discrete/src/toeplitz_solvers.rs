//! Solvers for symmetric positive definite Toeplitz systems $T x = b$ (first column $a$,
//! banded when $a$ ends in zeros: half-bandwidth $p$), and the cheap checks that make a
//! refusal honest.
//!
//! - **Schur** ([`SchurCholesky`]): the Cholesky factor $T = LL^\top$ from the two generators
//!   of $T$'s displacement $T - ZTZ^\top = uu^\top - vv^\top$, one hyperbolic rotation per
//!   column, $O(p)$ work per column instead of banded Cholesky's $O(p^2)$. For a banded
//!   $T$ the columns of $L$ converge geometrically to the spectral factor of the symbol (the
//!   generator $v$ decays to 0); once $v$ is below rounding level every later column is the
//!   same, shifted, and is stored once. Stable in the mixed form of Bojanczyk, Brent,
//!   de Hoog and Sweet (SIAM J. Matrix Anal. Appl. 16, 1995).
//! - **Levinson**: $O(n^2)$ time, $O(n)$ memory, for a full (non-banded) $T$.
//! - **Preconditioned conjugate gradients** with Strang's circulant preconditioner (the
//!   symbol sampled at the $n$-th roots of unity, applied by FFT) and banded matrix–vector
//!   products by the plan of [`crate::Plan`]: $T - C$ has rank $\le 2p$, so the iteration
//!   converges in few steps when $\lambda$ is not tiny.
//! - **Dense** Cholesky (nalgebra): the reference.
//!
//! **Checks.** A lower bound on the condition number from Rayleigh quotients,
//! $\kappa_2(T) \ge R(v)/R(z)$ with $R(w) = w^\top T w / w^\top w$: $v$ a windowed wave at the
//! symbol's largest value and $z = T^{-1}w$ one step of inverse iteration from a windowed wave
//! $w$ at its smallest (for the iterative solver, $w$ itself). Both Rayleigh quotients lie in
//! $[\lambda_{\min}, \lambda_{\max}]$, so the bound never overstates $\kappa$: a refusal on
//! it is honest. Then the relative residual of the returned $x$, by one matrix–vector product.

use crate::linear::{DiscreteError, Method, Mode};
use crate::plan::Plan;
use multiversion::multiversion;
use nalgebra::DMatrix;
use realfft::RealFftPlanner;
use realfft::num_complex::Complex;

/// Pivots below this fraction of the diagonal mean the system is numerically singular: the
/// condition number exceeds about 1e14, beyond which double precision returns noise.
pub(crate) const PIVOT_FLOOR: f64 = 1e-14;

/// The Schur factor is kept in memory up to this many numbers (1 GiB); beyond, the factor
/// has not converged and Levinson's $O(n)$ memory is the better trade.
const SCHUR_MAX_STORED: usize = 1 << 27;

/// The half-bandwidth: the last lag with a non-zero entry.
pub(crate) fn bandwidth(a: &[f64]) -> usize {
    a.iter().rposition(|v| *v != 0.0).unwrap_or(0)
}

/// $T v$ for the symmetric Toeplitz $T$ with first column `a` (`a.len() == v.len()`), by the
/// convolution of $v$ with the symmetric kernel $(a_p, \dots, a_1, a_0, a_1, \dots, a_p)$ in
/// `same` mode — direct for a narrow band, FFT otherwise.
pub(crate) struct ToeplitzMatvec {
    plan: Plan,
    n: usize,
}

impl ToeplitzMatvec {
    pub(crate) fn new(a: &[f64]) -> Result<Self, DiscreteError> {
        let n = a.len();
        let band = bandwidth(a);
        let sym: Vec<f64> = (0..=2 * band).map(|i| a[i.abs_diff(band)]).collect();
        Ok(Self {
            plan: Plan::new(&sym, n, Method::Auto)?,
            n,
        })
    }

    pub(crate) fn apply_into(&self, v: &[f64], out: &mut [f64]) -> Result<(), DiscreteError> {
        debug_assert_eq!(v.len(), self.n);
        self.plan.convolve_into(v, Mode::Same, out)
    }

    pub(crate) fn apply(&self, v: &[f64]) -> Result<Vec<f64>, DiscreteError> {
        let mut out = vec![0.0; self.n];
        self.apply_into(v, &mut out)?;
        Ok(out)
    }
}

fn dot(u: &[f64], v: &[f64]) -> f64 {
    u.iter().zip(v).map(|(a, b)| a * b).sum()
}

pub(crate) fn norm(v: &[f64]) -> f64 {
    // Scaled, so that neither the squares overflow nor tiny entries vanish.
    let max = v.iter().fold(0.0f64, |a, x| a.max(x.abs()));
    if max == 0.0 || !max.is_finite() {
        return max;
    }
    max * v.iter().map(|x| (x / max) * (x / max)).sum::<f64>().sqrt()
}

/// The symbol $f(\theta) = a_0 + 2\sum_k a_k\cos k\theta$ at $\theta_j = 2\pi j/g$,
/// $j = 0, \dots, g/2$ (it is even in $\theta$), for an even grid size `g` > 2p.
fn symbol_on_grid(a: &[f64], band: usize, g: usize) -> Result<Vec<f64>, DiscreteError> {
    let mut buf = vec![0.0; g];
    buf[0] = a[0];
    for k in 1..=band {
        buf[k] = a[k];
        buf[g - k] = a[k];
    }
    let fwd = RealFftPlanner::<f64>::new().plan_fft_forward(g);
    let mut spec = fwd.make_output_vec();
    fwd.process(&mut buf, &mut spec)
        .map_err(|e| DiscreteError::Fft(e.to_string()))?;
    Ok(spec.iter().map(|c: &Complex<f64>| c.re).collect())
}

/// A wave $\cos(\theta k)$ under the window $\sin(\pi(k+1)/(n+1))$: its Rayleigh quotient is
/// the symbol averaged over a neighbourhood of $\theta$ of width about $2\pi/n$.
fn windowed_wave(n: usize, theta: f64) -> Vec<f64> {
    let w = std::f64::consts::PI / (n as f64 + 1.0);
    (0..n)
        .map(|k| ((k as f64 + 1.0) * w).sin() * (theta * k as f64).cos())
        .collect()
}

/// The frequencies where the symbol is smallest and largest, on a grid fine enough to see a
/// band of `band` lags and no coarser than the matrix size resolves.
fn extreme_frequencies(a: &[f64], band: usize) -> Result<(f64, f64), DiscreteError> {
    let n = a.len();
    let g = (8 * (band + 1))
        .max(16)
        .min(2 * n.max(8))
        .next_power_of_two();
    let f = symbol_on_grid(a, band.min(g / 2 - 1), g)?;
    let step = std::f64::consts::TAU / g as f64;
    let (mut lo, mut hi) = (0usize, 0usize);
    for (j, v) in f.iter().enumerate() {
        if *v < f[lo] {
            lo = j;
        }
        if *v > f[hi] {
            hi = j;
        }
    }
    Ok((lo as f64 * step, hi as f64 * step))
}

/// Lower bounds on $\lambda_{\max}$ (the diagonal, and $R(v)$ at the symbol's peak) and the
/// vector $w$ for the smallest eigenvalue.
pub(crate) struct ConditionProbe {
    lambda_max_lower: f64,
    pub(crate) w: Vec<f64>,
}

impl ConditionProbe {
    pub(crate) fn new(a: &[f64], op: &ToeplitzMatvec) -> Result<Self, DiscreteError> {
        let n = a.len();
        let band = bandwidth(a);
        let (theta_min, theta_max) = extreme_frequencies(a, band)?;
        let v = windowed_wave(n, theta_max);
        let tv = op.apply(&v)?;
        let rv = dot(&v, &tv) / dot(&v, &v);
        Ok(Self {
            lambda_max_lower: a[0].max(rv),
            w: windowed_wave(n, theta_min),
        })
    }

    /// $\kappa_2 \ge \lambda_{\max}/R(z)$ for $z = T^{-1}w$ (so $Tz = w$,
    /// $R(z) = z^\top w / z^\top z$).
    pub(crate) fn bound_from_inverse(&self, z: &[f64]) -> f64 {
        let zw = dot(z, &self.w);
        if !(zw > 0.0) {
            // T⁻¹ not positive on w: T is not positive definite (or z is noise).
            return f64::INFINITY;
        }
        self.lambda_max_lower * dot(z, z) / zw
    }

    /// $\kappa_2 \ge \lambda_{\max}/R(w)$, by one product.
    pub(crate) fn bound_from_product(&self, op: &ToeplitzMatvec) -> Result<f64, DiscreteError> {
        let tw = op.apply(&self.w)?;
        let rw = dot(&self.w, &tw) / dot(&self.w, &self.w);
        Ok(if rw > 0.0 {
            self.lambda_max_lower / rw
        } else {
            f64::INFINITY
        })
    }
}

/// The Cholesky factor $L$ of a banded SPD Toeplitz matrix by the Schur algorithm.
pub(crate) struct SchurCholesky {
    n: usize,
    p: usize,
    /// Columns $0, \dots, c-1$ of $L$, each $p+1$ entries (rows $j, \dots, j+p$).
    transient: Vec<f64>,
    /// Column $c$, repeated (shifted) for every later column.
    limit: Vec<f64>,
}

impl SchurCholesky {
    /// Factor $T$ (first column `a`, half-bandwidth `p`). Errors when $T$ is not numerically
    /// positive definite (a pivot below 1e-14 of the diagonal).
    pub(crate) fn new(a: &[f64], p: usize) -> Result<Option<Self>, DiscreteError> {
        let n = a.len();
        let w = p + 1;
        let s = a[0].sqrt();
        let mut u: Vec<f64> = a[..w].iter().map(|v| v / s).collect();
        // v has one slot more than u so the shift reads v[i + 1] for every i ≤ p.
        let mut v: Vec<f64> = (0..=w)
            .map(|i| if (1..w).contains(&i) { a[i] / s } else { 0.0 })
            .collect();
        let mut transient: Vec<f64> = Vec::with_capacity(w * n.min(64));
        let floor = (PIVOT_FLOOR * a[0]).sqrt();
        for j in 1..n {
            transient.extend_from_slice(&u);
            if transient.len() > SCHUR_MAX_STORED {
                return Ok(None);
            }
            let k = v[1] / u[0];
            if !(k.abs() < 1.0) {
                return Err(DiscreteError::Singular {
                    detail: format!(
                        "the Schur recursion met a reflection coefficient {k:e} at column {j} (not positive definite)"
                    ),
                });
            }
            let c = ((1.0 - k) * (1.0 + k)).sqrt();
            let vmax = rotate(&mut u, &mut v, k, c);
            if !(u[0] > floor) {
                return Err(DiscreteError::Singular {
                    detail: format!(
                        "Cholesky pivot {:e} at row {j} (diagonal {:e})",
                        u[0] * u[0],
                        a[0]
                    ),
                });
            }
            // v below rounding level against u: every later rotation is the identity to
            // working precision, and every later column is this one, shifted.
            let umax = u.iter().fold(0.0f64, |m, x| m.max(x.abs()));
            if vmax <= 0.125 * f64::EPSILON * umax {
                return Ok(Some(Self {
                    n,
                    p,
                    transient,
                    limit: u,
                }));
            }
        }
        // Not converged before the end: the last column is the limit of nothing, but it is
        // column n − 1, which is all the solves read of it.
        Ok(Some(Self {
            n,
            p,
            transient,
            limit: u,
        }))
    }

    /// Columns stored before the limit.
    #[cfg(test)]
    pub(crate) fn transient_columns(&self) -> usize {
        self.transient.len() / (self.p + 1)
    }

    fn column(&self, j: usize) -> &[f64] {
        let w = self.p + 1;
        if j * w < self.transient.len() {
            &self.transient[j * w..(j + 1) * w]
        } else {
            &self.limit
        }
    }

    /// Solve $L L^\top x = b$ in place (`b` becomes $x$).
    pub(crate) fn solve_in_place(&self, b: &mut [f64]) {
        let (n, p) = (self.n, self.p);
        // L y = b, column by column: y_j = b_j / L_jj, then b_{j+i} −= L_{j+i,j}·y_j.
        for j in 0..n {
            let col = self.column(j);
            let yj = b[j] / col[0];
            b[j] = yj;
            let end = (j + p + 1).min(n);
            axpy(-yj, &col[1..end - j], &mut b[j + 1..end]);
        }
        // Lᵀ x = y: x_j = (y_j − Σ_i L_{j+i,j}·x_{j+i}) / L_jj, from the bottom.
        for j in (0..n).rev() {
            let col = self.column(j);
            let end = (j + p + 1).min(n);
            let s = dot_fast(&col[1..end - j], &b[j + 1..end]);
            b[j] = (b[j] - s) / col[0];
        }
    }
}

/// One hyperbolic rotation of the generators in the mixed form, with $v$ shifted up by one
/// entry on the way (the window follows the next column); returns $\max|v|$ afterwards.
#[multiversion(targets("x86_64+avx512f+avx512vl", "x86_64+avx2+fma", "x86_64+avx"))]
fn rotate(u: &mut [f64], v: &mut [f64], k: f64, c: f64) -> f64 {
    let w = u.len();
    let inv_c = 1.0 / c;
    let mut vmax = 0.0f64;
    for i in 0..w {
        let vi = v[i + 1];
        let un = (u[i] - k * vi) * inv_c;
        let vn = c * vi - k * un;
        u[i] = un;
        v[i] = vn;
        vmax = vmax.max(vn.abs());
    }
    // The leading entry is zero by construction; store it exactly.
    v[0] = 0.0;
    v[w] = 0.0;
    vmax
}

#[multiversion(targets("x86_64+avx512f+avx512vl", "x86_64+avx2+fma", "x86_64+avx"))]
fn axpy(alpha: f64, x: &[f64], y: &mut [f64]) {
    for (yi, xi) in y.iter_mut().zip(x) {
        *yi += alpha * xi;
    }
}

/// A dot product in four interleaved partial sums (so that it vectorises).
#[multiversion(targets("x86_64+avx512f+avx512vl", "x86_64+avx2+fma", "x86_64+avx"))]
fn dot_fast(x: &[f64], y: &[f64]) -> f64 {
    let mut acc = [0.0f64; 8];
    let (xc, xr) = x.split_at(x.len() / 8 * 8);
    let (yc, yr) = y.split_at(xc.len());
    for (a, b) in xc.chunks_exact(8).zip(yc.chunks_exact(8)) {
        for l in 0..8 {
            acc[l] += a[l] * b[l];
        }
    }
    let mut s = ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
    for (a, b) in xr.iter().zip(yr) {
        s += a * b;
    }
    s
}

/// Levinson recursion for $T x = b$, $T$ symmetric Toeplitz with first column `t`; also
/// returns $T^{-1} e_1$.
///
/// Forward vectors $f^{(k)}$ with $T_k f^{(k)} = e_1$ (the backward ones are their reversals,
/// by symmetry) are extended one order at a time; the solution follows with them.
pub(crate) fn levinson(t: &[f64], bs: &[&[f64]]) -> Result<Vec<Vec<f64>>, DiscreteError> {
    let n = t.len();
    let t0 = t[0];
    if !(t0 > 0.0) {
        return Err(DiscreteError::Singular {
            detail: "the autocorrelation at lag 0 is not positive (h = 0?)".into(),
        });
    }
    let mut f = vec![0.0; n];
    f[0] = 1.0 / t0;
    let mut xs: Vec<Vec<f64>> = bs
        .iter()
        .map(|b| {
            let mut x = vec![0.0; n];
            x[0] = b[0] / t0;
            x
        })
        .collect();
    // t reversed, so that the dot products below run forwards over both operands.
    let trev: Vec<f64> = t.iter().rev().copied().collect();
    // Prediction error relative to t0: the k-th pivot of T's LDLᵀ over t0.
    let mut pivot = 1.0;
    for k in 1..n {
        // ε_f = Σ_{i<k} t[k − i]·f[i] = Σ_i trev[n−1−k+i]·f[i]; likewise ε_x with x.
        let tk = &trev[n - 1 - k..n - 1];
        let ef: f64 = tk.iter().zip(&f[..k]).map(|(a, c)| a * c).sum();
        let denom = 1.0 - ef * ef;
        pivot *= denom;
        if !(denom > 0.0) || pivot < PIVOT_FLOOR {
            return Err(DiscreteError::Singular {
                detail: format!("Levinson recursion broke down at order {k} (pivot {pivot:e})"),
            });
        }
        let exs: Vec<f64> = xs
            .iter()
            .map(|x| tk.iter().zip(&x[..k]).map(|(a, c)| a * c).sum())
            .collect();
        // f ← ([f; 0] − ε_f·[0; reverse f]) / denom, in place, pairing i with k − i.
        let (mut lo, mut hi) = (0usize, k);
        while lo < hi {
            let (a, c) = (f[lo], f[hi]);
            f[lo] = (a - ef * c) / denom;
            f[hi] = (c - ef * a) / denom;
            lo += 1;
            hi -= 1;
        }
        if lo == hi {
            f[lo] *= (1.0 - ef) / denom;
        }
        // x ← [x; 0] + (b_k − ε_x)·(backward vector = reverse of the new f).
        for ((x, b), ex) in xs.iter_mut().zip(bs).zip(exs) {
            let coef = b[k] - ex;
            for i in 0..=k {
                x[i] += coef * f[k - i];
            }
        }
    }
    xs.push(f);
    Ok(xs)
}

/// Dense Cholesky on the assembled matrix: the reference.
pub(crate) fn dense(a: &[f64], rhs: &[&[f64]]) -> Result<Vec<Vec<f64>>, DiscreteError> {
    let n = a.len();
    let m = DMatrix::from_fn(n, n, |i, j| a[i.abs_diff(j)]);
    let chol = nalgebra::Cholesky::new(m).ok_or_else(|| DiscreteError::Singular {
        detail: "dense Cholesky found the matrix not positive definite".into(),
    })?;
    let l = chol.l();
    let min_pivot = (0..n)
        .map(|i| l[(i, i)] * l[(i, i)])
        .fold(f64::INFINITY, f64::min);
    if min_pivot < PIVOT_FLOOR * a[0] {
        return Err(DiscreteError::Singular {
            detail: format!("dense Cholesky pivot {min_pivot:e} (diagonal {:e})", a[0]),
        });
    }
    Ok(rhs
        .iter()
        .map(|b| {
            chol.solve(&nalgebra::DVector::from_column_slice(b))
                .iter()
                .copied()
                .collect()
        })
        .collect())
}

/// Strang's circulant preconditioner: the symbol at the $n$-th roots of unity, inverted and
/// applied by a real FFT of length $n$. `None` when a sampled value is not positive (the
/// circulant would not be positive definite).
struct Strang {
    fwd: std::sync::Arc<dyn realfft::RealToComplex<f64>>,
    inv: std::sync::Arc<dyn realfft::ComplexToReal<f64>>,
    /// $1/(n f(\theta_j))$: the inverse eigenvalues with the inverse transform's $1/n$.
    scale: Vec<f64>,
    time: Vec<f64>,
    freq: Vec<Complex<f64>>,
    scratch: Vec<Complex<f64>>,
}

impl Strang {
    fn new(a: &[f64], band: usize) -> Result<Option<Self>, DiscreteError> {
        let n = a.len();
        if n < 2 * band + 1 {
            return Ok(None);
        }
        let mut planner = RealFftPlanner::<f64>::new();
        let (fwd, inv) = (planner.plan_fft_forward(n), planner.plan_fft_inverse(n));
        let mut c = vec![0.0; n];
        c[0] = a[0];
        for k in 1..=band {
            c[k] = a[k];
            c[n - k] = a[k];
        }
        let mut spec = fwd.make_output_vec();
        fwd.process(&mut c, &mut spec)
            .map_err(|e| DiscreteError::Fft(e.to_string()))?;
        let tiny = PIVOT_FLOOR * a[0];
        if spec.iter().any(|s| !(s.re > tiny)) {
            return Ok(None);
        }
        let scale = spec.iter().map(|s| 1.0 / (s.re * n as f64)).collect();
        let scratch_len = fwd.get_scratch_len().max(inv.get_scratch_len());
        Ok(Some(Self {
            time: fwd.make_input_vec(),
            freq: fwd.make_output_vec(),
            scratch: vec![Complex::new(0.0, 0.0); scratch_len],
            fwd,
            inv,
            scale,
        }))
    }

    fn apply(&mut self, r: &[f64], out: &mut [f64]) -> Result<(), DiscreteError> {
        let err = |e: realfft::FftError| DiscreteError::Fft(e.to_string());
        self.time.copy_from_slice(r);
        self.fwd
            .process_with_scratch(&mut self.time, &mut self.freq, &mut self.scratch)
            .map_err(err)?;
        for (f, s) in self.freq.iter_mut().zip(&self.scale) {
            *f *= *s;
        }
        self.freq[0].im = 0.0;
        if let Some(last) = self.freq.last_mut()
            && r.len().is_multiple_of(2)
        {
            last.im = 0.0;
        }
        self.inv
            .process_with_scratch(&mut self.freq, out, &mut self.scratch)
            .map_err(err)
    }
}

/// Preconditioned conjugate gradients, stopping at relative residual 1e-12 (a few hundred
/// ulps of the data) or after `max_iter` iterations (an error: [`DiscreteError::NoConvergence`]).
pub(crate) fn pcg(
    a: &[f64],
    b: &[f64],
    op: &ToeplitzMatvec,
    max_iter: usize,
) -> Result<(Vec<f64>, usize), DiscreteError> {
    let n = a.len();
    let mut precond = Strang::new(a, bandwidth(a))?;
    let nb = norm(b);
    let mut x = vec![0.0; n];
    if nb == 0.0 {
        return Ok((x, 0));
    }
    let mut r = b.to_vec();
    let mut z = vec![0.0; n];
    let mut apply_m = |r: &[f64], z: &mut [f64]| -> Result<(), DiscreteError> {
        match precond.as_mut() {
            Some(p) => p.apply(r, z),
            None => {
                z.copy_from_slice(r);
                Ok(())
            }
        }
    };
    apply_m(&r, &mut z)?;
    let mut p = z.clone();
    let mut rz = dot(&r, &z);
    let mut ap = vec![0.0; n];
    let mut rnorm = nb;
    for it in 1..=max_iter {
        op.apply_into(&p, &mut ap)?;
        let pap = dot(&p, &ap);
        if !(pap > 0.0) {
            return Err(DiscreteError::Singular {
                detail: format!(
                    "conjugate gradients met a direction of non-positive curvature at iteration {it}"
                ),
            });
        }
        let alpha = rz / pap;
        for i in 0..n {
            x[i] += alpha * p[i];
            r[i] -= alpha * ap[i];
        }
        rnorm = norm(&r);
        if rnorm <= 1e-12 * nb {
            return Ok((x, it));
        }
        apply_m(&r, &mut z)?;
        let rz_new = dot(&r, &z);
        let beta = rz_new / rz;
        rz = rz_new;
        for i in 0..n {
            p[i] = z[i] + beta * p[i];
        }
    }
    Err(DiscreteError::NoConvergence {
        iterations: max_iter,
        residual: rnorm / nb,
    })
}

/// The relative residual $\\|Tx - b\\| / \\|b\\|$ (or $\\|Tx - b\\|$ for $b = 0$).
pub(crate) fn relative_residual(
    op: &ToeplitzMatvec,
    x: &[f64],
    b: &[f64],
) -> Result<f64, DiscreteError> {
    let mut r = op.apply(x)?;
    for (ri, bi) in r.iter_mut().zip(b) {
        *ri -= bi;
    }
    let nb = norm(b);
    Ok(if nb > 0.0 { norm(&r) / nb } else { norm(&r) })
}

/// $T v$ by the direct banded sum (for tests).
#[cfg(test)]
pub(crate) fn matvec_direct(a: &[f64], v: &[f64]) -> Vec<f64> {
    let band = bandwidth(a);
    let sym: Vec<f64> = (0..=2 * band).map(|i| a[i.abs_diff(band)]).collect();
    crate::direct_sum::window(v, &sym, band, v.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lcg(seed: u64, n: usize) -> Vec<f64> {
        let mut s = seed.wrapping_mul(6364136223846793005).wrapping_add(1);
        (0..n)
            .map(|_| {
                s = s
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                (s >> 11) as f64 / (1u64 << 53) as f64 - 0.5
            })
            .collect()
    }

    fn normal_matrix(h: &[f64], n: usize, lambda: f64) -> Vec<f64> {
        let m = h.len();
        let mut a = vec![0.0; n];
        for k in 0..m.min(n) {
            a[k] = (0..m - k).map(|i| h[i] * h[i + k]).sum();
        }
        a[0] += lambda;
        a
    }

    #[test]
    fn schur_factor_reproduces_the_matrix_and_converges() {
        for (n, m, lambda) in [
            (40, 5, 0.5),
            (300, 17, 1e-2),
            (300, 9, 1.0),
            (12, 12, 1.0),
            (5, 1, 0.0),
        ] {
            let h = lcg(n as u64 + m as u64, m);
            let a = normal_matrix(&h, n, lambda);
            let p = bandwidth(&a);
            let l = SchurCholesky::new(&a, p).unwrap().unwrap();
            // (LLᵀ)_{ij} against T_{ij}: backward error of a Cholesky factorisation,
            // ≲ c·(p+1)·ε·a₀ (Higham, Accuracy and Stability, Thm 10.3, band version), c = 8.
            let tol = 8.0 * (p + 1) as f64 * f64::EPSILON * a[0];
            let entry = |i: usize, j: usize| -> f64 {
                if i < j || i > j + p {
                    0.0
                } else {
                    l.column(j)[i - j]
                }
            };
            for i in 0..n {
                for j in 0..=i {
                    let llt: f64 = (0..=j).map(|k| entry(i, k) * entry(j, k)).sum();
                    let t = if i - j <= p { a[i - j] } else { 0.0 };
                    assert!(
                        (llt - t).abs() <= tol,
                        "n={n} m={m} ({i},{j}): {llt} vs {t}"
                    );
                }
            }
            // With λ comparable to ‖h‖² the symbol stays well away from 0 and the generator v
            // decays fast: the factor converges long before the last row.
            if n >= 300 && lambda >= 1.0 {
                assert!(
                    l.transient_columns() < n / 2,
                    "{} columns stored",
                    l.transient_columns()
                );
            }
        }
    }

    #[test]
    fn every_solver_matches_the_dense_reference() {
        for (n, m, lambda) in [(60, 7, 0.1), (257, 31, 1e-3), (30, 30, 0.5)] {
            let h = lcg(7 * n as u64, m);
            let a = normal_matrix(&h, n, lambda);
            let b = lcg(3, n);
            let want = dense(&a, &[&b]).unwrap().remove(0);
            let scale = want.iter().fold(0.0f64, |s, v| s.max(v.abs()));
            let mut got_schur = b.clone();
            SchurCholesky::new(&a, bandwidth(&a))
                .unwrap()
                .unwrap()
                .solve_in_place(&mut got_schur);
            let got_lev = levinson(&a, &[&b]).unwrap().remove(0);
            let op = ToeplitzMatvec::new(&a).unwrap();
            let (got_cg, _) = pcg(&a, &b, &op, 1000).unwrap();
            // Condition numbers here are below 1e4: the solutions agree to ~κ·n·ε ≲ 1e-9.
            for (name, got) in [("schur", got_schur), ("levinson", got_lev), ("pcg", got_cg)] {
                let d = got
                    .iter()
                    .zip(&want)
                    .fold(0.0f64, |s, (p, q)| s.max((p - q).abs()));
                assert!(d <= 1e-9 * scale, "{name} n={n} m={m}: {d:e}");
            }
            let tv = matvec_direct(&a, &want);
            let fast = op.apply(&want).unwrap();
            for (p, q) in tv.iter().zip(&fast) {
                assert!((p - q).abs() <= 1e-12 * a[0] * scale * n as f64);
            }
        }
    }

    #[test]
    fn the_condition_bound_never_exceeds_the_true_condition_number() {
        for (n, m, lambda) in [(50, 4, 1e-3), (80, 9, 0.0), (40, 3, 10.0)] {
            let h = lcg(n as u64, m);
            let a = normal_matrix(&h, n, lambda);
            let op = ToeplitzMatvec::new(&a).unwrap();
            let probe = ConditionProbe::new(&a, &op).unwrap();
            let mat = DMatrix::from_fn(n, n, |i, j| a[i.abs_diff(j)]);
            let eig = nalgebra::SymmetricEigen::new(mat).eigenvalues;
            let (lo, hi) = eig
                .iter()
                .fold((f64::INFINITY, 0.0f64), |(l, h), &v| (l.min(v), h.max(v)));
            let kappa = hi / lo;
            let mut z = probe.w.clone();
            SchurCholesky::new(&a, bandwidth(&a))
                .unwrap()
                .unwrap()
                .solve_in_place(&mut z);
            let k1 = probe.bound_from_inverse(&z);
            let k2 = probe.bound_from_product(&op).unwrap();
            // Rayleigh quotients lie within the spectrum: bounds ≤ κ up to rounding.
            assert!(
                k1 <= kappa * (1.0 + 1e-8) && k2 <= kappa * (1.0 + 1e-8),
                "κ={kappa:e}: {k1:e} {k2:e}"
            );
            // One inverse iteration gets within a modest factor.
            assert!(k1 >= kappa / 50.0, "κ={kappa:e}: {k1:e}");
        }
    }
}
