//! Least squares on convolutions: the cost $\tfrac12\\|h*x - y\\|^2$, its gradient
//! $H^\top(Hx - y)$ computed by correlation, and the normal equations
//! $(H^\top H + \lambda I)\\,x = H^\top y$ solved four ways.
//!
//! $H^\top H$ is symmetric Toeplitz with first column the autocorrelation
//! $a_k = \sum_i h_i h_{i+k}$ ($a_k = 0$ for $k \ge m$: banded, half-bandwidth $m-1$), and
//! $H^\top y$ is the cross-correlation of $y$ with $h$ — neither needs $H$.

use crate::convolution::{Method, Mode, convolve, correlate};
use crate::error::{DiscreteError, check};
use crate::fourier::FftKernel;
use nalgebra::DMatrix;

/// Non-empty, finite inputs, and `y` as long as the full convolution.
fn check_ls(h: &[f64], x: &[f64], y: &[f64]) -> Result<(), DiscreteError> {
    check("h", h)?;
    check("x", x)?;
    check("y", y)?;
    let want = x.len() + h.len() - 1;
    if y.len() != want {
        return Err(DiscreteError::Length {
            what: "y",
            got: y.len(),
            expected: format!("h*x in full mode has length n + m − 1 = {want}"),
        });
    }
    Ok(())
}

/// The residual $r = h*x - y$ (full mode: `y` has length $n + m - 1$).
pub fn ls_residual(h: &[f64], x: &[f64], y: &[f64]) -> Result<Vec<f64>, DiscreteError> {
    check_ls(h, x, y)?;
    let z = convolve(h, x, Mode::Full, Method::Auto)?;
    Ok(z.iter().zip(y).map(|(a, b)| a - b).collect())
}

/// The cost $J(x) = \tfrac12\\|h*x - y\\|^2$.
pub fn ls_cost(h: &[f64], x: &[f64], y: &[f64]) -> Result<f64, DiscreteError> {
    let r = ls_residual(h, x, y)?;
    Ok(0.5 * r.iter().map(|v| v * v).sum::<f64>())
}

/// The gradient $\nabla J = H^\top(Hx - y)$: the correlation of the residual with $h$
/// (its valid part), computed without forming $H$.
///
/// ```
/// # use flipshift_discrete::ls_gradient;
/// // h = (1, 2), x = (1), y = (0, 0): r = (1, 2), Hᵀr = 1·1 + 2·2 = 5.
/// assert_eq!(ls_gradient(&[1.0, 2.0], &[1.0], &[0.0, 0.0])?, vec![5.0]);
/// # Ok::<(), flipshift_discrete::DiscreteError>(())
/// ```
pub fn ls_gradient(h: &[f64], x: &[f64], y: &[f64]) -> Result<Vec<f64>, DiscreteError> {
    check_ls(h, x, y)?;
    // When one full-length transform is the FFT plan anyway, fuse the two convolutions into
    // four transforms; when overlap-add blocks are cheaper (m ≪ n), two blocked convolutions
    // win (measured in BENCHMARKS.md); small problems go direct.
    let (n, m) = (x.len(), h.len());
    if crate::fourier::fft_is_faster(n, m) {
        let (block, _) = crate::fourier::plan_overlap_add(n.max(m), n.min(m));
        if block >= crate::fourier::fast_len(n + m - 1) {
            return crate::fourier::ls_gradient(h, x, y);
        }
    }
    let r = ls_residual(h, x, y)?;
    correlate(h, &r, Mode::Valid, Method::Auto)
}

/// The autocorrelation $a_k = \sum_i h_i h_{i+k}$, $k = 0, \dots, m-1$: the first column of
/// $H^\top H$.
pub fn autocorrelation(h: &[f64]) -> Result<Vec<f64>, DiscreteError> {
    check("h", h)?;
    let full = correlate(h, h, Mode::Full, Method::Auto)?;
    Ok(full[h.len() - 1..].to_vec())
}

/// A normal-equation solver.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SolveMethod {
    /// Banded Cholesky for a narrow band; otherwise conjugate gradients, falling back to
    /// Levinson when they stall.
    Auto,
    /// Levinson recursion for symmetric Toeplitz systems, $O(n^2)$ time, $O(n)$ memory.
    Levinson,
    /// Cholesky in band storage, $O(n m^2)$.
    Banded,
    /// Conjugate gradients with FFT matrix–vector products, $O(n \log n)$ per iteration.
    Cg,
    /// Dense Cholesky (nalgebra): the reference.
    Dense,
}

impl std::str::FromStr for SolveMethod {
    type Err = DiscreteError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "auto" => SolveMethod::Auto,
            "levinson" => SolveMethod::Levinson,
            "banded" => SolveMethod::Banded,
            "cg" => SolveMethod::Cg,
            "dense" => SolveMethod::Dense,
            _ => {
                return Err(DiscreteError::InvalidParameter {
                    what: "method",
                    reason: format!("'{s}' is not one of auto, levinson, banded, cg, dense"),
                });
            }
        })
    }
}

/// What a solve did.
#[derive(Debug, Clone, PartialEq)]
pub struct SolveInfo {
    /// The solver used (never `Auto`).
    pub method: SolveMethod,
    /// Iterations, for conjugate gradients.
    pub iterations: Option<usize>,
    /// The relative residual $\\|(H^\top H + \lambda I)x - H^\top y\\| / \\|H^\top y\\|$.
    pub residual_norm: f64,
}

/// Pivots below this fraction of the diagonal mean the system is numerically singular: the
/// condition number exceeds about 1e14, beyond which double precision returns noise.
const PIVOT_FLOOR: f64 = 1e-14;

/// Condition numbers beyond this leave fewer than about 3 correct digits in double precision:
/// such a system is refused rather than answered with noise.
const MAX_CONDITION: f64 = 1e13;

/// The relative residual a solution must reach to be returned; larger means the solver's
/// result is not a solution of this system, whatever its cause.
const ACCEPT: f64 = 1e-6;

/// $x = \arg\min \tfrac12\\|h*x - y\\|^2 + \tfrac12\lambda\\|x\\|^2$, i.e. the solution of
/// $(H^\top H + \lambda I)x = H^\top y$, with $x$ of length $N - m + 1$ for `y` of length $N$.
///
/// A singular or hopelessly ill-conditioned system, or conjugate gradients that do not
/// converge, is an error.
///
/// ```
/// # use flipshift_discrete::{Method, Mode, SolveMethod, convolve, solve_normal};
/// let h = [1.0, 0.5, 0.25];
/// let x_true = [1.0, -2.0, 3.0, 0.5];
/// let y = convolve(&h, &x_true, Mode::Full, Method::Direct)?;
/// let (x, info) = solve_normal(&h, &y, 0.0, SolveMethod::Levinson)?;
/// assert!(x.iter().zip(&x_true).all(|(a, b)| (a - b).abs() < 1e-12));
/// assert!(info.residual_norm < 1e-12);
/// # Ok::<(), flipshift_discrete::DiscreteError>(())
/// ```
pub fn solve_normal(
    h: &[f64],
    y: &[f64],
    lambda: f64,
    method: SolveMethod,
) -> Result<(Vec<f64>, SolveInfo), DiscreteError> {
    check("h", h)?;
    check("y", y)?;
    if !(lambda.is_finite() && lambda >= 0.0) {
        return Err(DiscreteError::InvalidParameter {
            what: "lambda",
            reason: format!("need a finite λ ≥ 0, got {lambda}"),
        });
    }
    let m = h.len();
    if y.len() < m {
        return Err(DiscreteError::Length {
            what: "y",
            got: y.len(),
            expected: format!("y = h*x in full mode is at least as long as h (m = {m})"),
        });
    }
    let n = y.len() - m + 1;
    let mut a = autocorrelation(h)?;
    a.resize(n.max(m), 0.0);
    a.truncate(n);
    a[0] += lambda;
    if !(a[0] > 0.0) {
        return Err(DiscreteError::Singular {
            detail: "h is zero and λ = 0, so HᵀH + λI = 0".into(),
        });
    }
    let b = correlate(h, y, Mode::Valid, Method::Auto)?;
    solve_toeplitz(&a, &b, method)
}

/// Solve $T x = b$ for the symmetric positive definite Toeplitz matrix $T$ with first column
/// `a` (banded when `a` ends in zeros) — the core of [`solve_normal`], where
/// $a$ is the autocorrelation of $h$ plus $\lambda$ at lag 0 and $b = H^\top y$.
///
/// The result is checked: a relative residual above 1e-6, a pivot below 1e-14 of the diagonal,
/// or conjugate gradients that stall are errors, never a returned vector.
pub fn solve_toeplitz(
    a: &[f64],
    b: &[f64],
    method: SolveMethod,
) -> Result<(Vec<f64>, SolveInfo), DiscreteError> {
    check("a", a)?;
    check("b", b)?;
    if a.len() != b.len() {
        return Err(DiscreteError::Length {
            what: "b",
            got: b.len(),
            expected: format!("the matrix is {n} × {n}", n = a.len()),
        });
    }
    if !(a[0] > 0.0) {
        return Err(DiscreteError::Singular {
            detail: "the diagonal is not positive (h is zero and λ = 0?)".into(),
        });
    }
    let n = a.len();
    let band = a.iter().rposition(|v| *v != 0.0).unwrap_or(0);
    let method = match method {
        SolveMethod::Auto => {
            if band * band <= 4 * n || band < 16 {
                SolveMethod::Banded
            } else {
                // Wide band: CG with FFT products is fastest when the system is reasonably
                // conditioned (as with Tikhonov regularisation); when it stalls, Levinson.
                match solve_toeplitz(a, b, SolveMethod::Cg) {
                    Ok(done) => return Ok(done),
                    Err(DiscreteError::NoConvergence { .. }) if n <= 20_000 => {
                        SolveMethod::Levinson
                    }
                    Err(e) => return Err(e),
                }
            }
        }
        other => other,
    };
    // Each direct solver also returns A⁻¹p for the probes of the condition estimate.
    let alternating: Vec<f64> = (0..n)
        .map(|k| if k % 2 == 0 { 1.0 } else { -1.0 })
        .collect();
    let mut e1 = vec![0.0; n];
    e1[0] = 1.0;
    let (x, iterations, probes) = match method {
        SolveMethod::Levinson => {
            let (x, f) = levinson(a, b)?;
            let (alt, _) = levinson(a, &alternating)?;
            (x, None, vec![(f, &e1), (alt, &alternating)])
        }
        SolveMethod::Banded => {
            let xs = banded_cholesky(a, band, &[b, &e1, &alternating])?;
            let mut it = xs.into_iter();
            let (x, f, alt) = (
                it.next().unwrap_or_default(),
                it.next().unwrap_or_default(),
                it.next().unwrap_or_default(),
            );
            (x, None, vec![(f, &e1), (alt, &alternating)])
        }
        SolveMethod::Dense => {
            let xs = dense(a, &[b, &e1, &alternating])?;
            let mut it = xs.into_iter();
            let (x, f, alt) = (
                it.next().unwrap_or_default(),
                it.next().unwrap_or_default(),
                it.next().unwrap_or_default(),
            );
            (x, None, vec![(f, &e1), (alt, &alternating)])
        }
        SolveMethod::Cg | SolveMethod::Auto => {
            // CG on a hopeless system does not converge, which is its own error.
            let (x, it) = conjugate_gradients(a, b)?;
            (x, Some(it), Vec::new())
        }
    };
    // κ₁(A) ≥ ‖A‖₁·‖A⁻¹p‖₁/‖p‖₁ for any probe p; ‖A‖₁ ≤ |a₀| + 2Σ|a_k|.
    let norm_a = a[0].abs() + 2.0 * a[1..].iter().map(|v| v.abs()).sum::<f64>();
    let l1 = |v: &[f64]| v.iter().map(|x| x.abs()).sum::<f64>();
    let kappa = probes
        .iter()
        .map(|(sol, p)| norm_a * l1(sol) / l1(p))
        .fold(0.0, f64::max);
    if !(kappa <= MAX_CONDITION) {
        return Err(DiscreteError::Singular {
            detail: format!("condition number at least {kappa:.1e}"),
        });
    }
    let residual_norm = relative_residual(a, &x, b)?;
    if !(residual_norm <= ACCEPT) {
        return Err(DiscreteError::Singular {
            detail: format!("the {method:?} solution leaves a relative residual {residual_norm:e}"),
        });
    }
    Ok((
        x,
        SolveInfo {
            method,
            iterations,
            residual_norm,
        },
    ))
}

/// $T v$ for the symmetric Toeplitz $T$ with first column `a` (`a.len() == v.len()`), by FFT of
/// the symmetric kernel $(a_{n-1}, \dots, a_1, a_0, a_1, \dots, a_{n-1})$ trimmed to its
/// non-zero band.
struct ToeplitzMatvec {
    kernel: FftKernel,
    band: usize,
    n: usize,
}

impl ToeplitzMatvec {
    fn new(a: &[f64]) -> Result<Self, DiscreteError> {
        let n = a.len();
        let band = a.iter().rposition(|v| *v != 0.0).unwrap_or(0);
        let sym: Vec<f64> = (0..=2 * band).map(|i| a[i.abs_diff(band)]).collect();
        Ok(Self {
            kernel: FftKernel::new(&sym, n)?,
            band,
            n,
        })
    }

    fn apply(&self, v: &[f64]) -> Result<Vec<f64>, DiscreteError> {
        let full = self.kernel.full(v)?;
        Ok(full[self.band..self.band + self.n].to_vec())
    }
}

fn norm(v: &[f64]) -> f64 {
    v.iter().map(|x| x * x).sum::<f64>().sqrt()
}

fn relative_residual(a: &[f64], x: &[f64], b: &[f64]) -> Result<f64, DiscreteError> {
    // Directly when the band is narrow, by FFT otherwise.
    let n = a.len();
    let band = a.iter().rposition(|v| *v != 0.0).unwrap_or(0);
    let ax: Vec<f64> = if band < 64 {
        (0..n)
            .map(|i| {
                let lo = i.saturating_sub(band);
                let hi = (i + band).min(n - 1);
                (lo..=hi).map(|j| a[i.abs_diff(j)] * x[j]).sum()
            })
            .collect()
    } else {
        ToeplitzMatvec::new(a)?.apply(x)?
    };
    let r: Vec<f64> = ax.iter().zip(b).map(|(p, q)| p - q).collect();
    let nb = norm(b);
    Ok(if nb > 0.0 { norm(&r) / nb } else { norm(&r) })
}

/// Levinson recursion for $T x = b$, $T$ symmetric Toeplitz with first column `t`.
///
/// Forward vectors $f^{(k)}$ with $T_k f^{(k)} = e_1$ (the backward ones are their reversals,
/// by symmetry) are extended one order at a time; the solution follows with them.
fn levinson(t: &[f64], b: &[f64]) -> Result<(Vec<f64>, Vec<f64>), DiscreteError> {
    let n = t.len();
    let t0 = t[0];
    if !(t0 > 0.0) {
        return Err(DiscreteError::Singular {
            detail: "the autocorrelation at lag 0 is not positive (h = 0?)".into(),
        });
    }
    let mut f = vec![0.0; n];
    f[0] = 1.0 / t0;
    let mut x = vec![0.0; n];
    x[0] = b[0] / t0;
    // t reversed, so that the dot products below run forwards over both operands.
    let trev: Vec<f64> = t.iter().rev().copied().collect();
    // Prediction error relative to t0: the k-th pivot of T's LDLᵀ over t0.
    let mut pivot = 1.0;
    for k in 1..n {
        // ε_f = Σ_{i<k} t[k − i]·f[i] = Σ_i trev[n−1−k+i]·f[i]; likewise ε_x with x.
        let tk = &trev[n - 1 - k..n - 1];
        let ef: f64 = tk.iter().zip(&f[..k]).map(|(a, c)| a * c).sum();
        let ex: f64 = tk.iter().zip(&x[..k]).map(|(a, c)| a * c).sum();
        let denom = 1.0 - ef * ef;
        pivot *= denom;
        if !(denom > 0.0) || pivot < PIVOT_FLOOR {
            return Err(DiscreteError::Singular {
                detail: format!("Levinson recursion broke down at order {k} (pivot {pivot:e})"),
            });
        }
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
        let coef = b[k] - ex;
        for i in 0..=k {
            x[i] += coef * f[k - i];
        }
    }
    // f is now T⁻¹e₁: the caller's condition estimate gets it for free.
    Ok((x, f))
}

/// Cholesky $A = L L^\top$ in band storage (half-bandwidth `p`), then two triangular solves.
fn banded_cholesky(a: &[f64], p: usize, rhs: &[&[f64]]) -> Result<Vec<Vec<f64>>, DiscreteError> {
    let n = a.len();
    let w = p + 1;
    // l[i*w + (j + p - i)] holds L[i][j] for i − p ≤ j ≤ i.
    let mut l = vec![0.0; n * w];
    let at = |i: usize, j: usize| a.get(i.abs_diff(j)).copied().unwrap_or(0.0);
    for i in 0..n {
        let j0 = i.saturating_sub(p);
        for j in j0..=i {
            let k0 = j0.max(j.saturating_sub(p));
            // Σ_k L[i][k]·L[j][k] over k0 ≤ k < j: contiguous runs of both band rows.
            let ri = &l[i * w + (k0 + p - i)..i * w + (j + p - i)];
            let rj = &l[j * w + (k0 + p - j)..j * w + p];
            let dot: f64 = ri.iter().zip(rj).map(|(u, v)| u * v).sum();
            let s = at(i, j) - dot;
            if i == j {
                if !(s > PIVOT_FLOOR * a[0]) {
                    return Err(DiscreteError::Singular {
                        detail: format!("Cholesky pivot {s:e} at row {i} (diagonal {:e})", a[0]),
                    });
                }
                l[i * w + p] = s.sqrt();
            } else {
                l[i * w + (j + p - i)] = s / l[j * w + p];
            }
        }
    }
    let solve = |b: &[f64]| -> Vec<f64> {
        // L y = b
        let mut y = vec![0.0; n];
        for i in 0..n {
            let k0 = i.saturating_sub(p);
            let row = &l[i * w + (k0 + p - i)..i * w + p];
            let dot: f64 = row.iter().zip(&y[k0..i]).map(|(u, v)| u * v).sum();
            y[i] = (b[i] - dot) / l[i * w + p];
        }
        // Lᵀ x = y
        let mut x = vec![0.0; n];
        for i in (0..n).rev() {
            let mut s = y[i];
            for k in i + 1..(i + p + 1).min(n) {
                s -= l[k * w + (i + p - k)] * x[k];
            }
            x[i] = s / l[i * w + p];
        }
        x
    };
    Ok(rhs.iter().map(|b| solve(b)).collect())
}

/// Dense Cholesky on the assembled matrix: the reference.
fn dense(a: &[f64], rhs: &[&[f64]]) -> Result<Vec<Vec<f64>>, DiscreteError> {
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

/// Conjugate gradients on the symmetric positive definite Toeplitz system, matrix–vector
/// products by FFT; stops at relative residual 1e-12 (a few hundred ulps of the data).
fn conjugate_gradients(a: &[f64], b: &[f64]) -> Result<(Vec<f64>, usize), DiscreteError> {
    let n = a.len();
    let op = ToeplitzMatvec::new(a)?;
    let nb = norm(b);
    let mut x = vec![0.0; n];
    if nb == 0.0 {
        return Ok((x, 0));
    }
    let mut r = b.to_vec();
    let mut p = r.clone();
    let mut rr: f64 = r.iter().map(|v| v * v).sum();
    let max_iter = (10 * n).max(100);
    for it in 1..=max_iter {
        let ap = op.apply(&p)?;
        let pap: f64 = p.iter().zip(&ap).map(|(u, v)| u * v).sum();
        if !(pap > 0.0) {
            return Err(DiscreteError::Singular {
                detail: format!(
                    "conjugate gradients met a direction of non-positive curvature at iteration {it}"
                ),
            });
        }
        let alpha = rr / pap;
        for i in 0..n {
            x[i] += alpha * p[i];
            r[i] -= alpha * ap[i];
        }
        let rr_new: f64 = r.iter().map(|v| v * v).sum();
        if rr_new.sqrt() <= 1e-12 * nb {
            return Ok((x, it));
        }
        let beta = rr_new / rr;
        rr = rr_new;
        for i in 0..n {
            p[i] = r[i] + beta * p[i];
        }
    }
    Err(DiscreteError::NoConvergence {
        iterations: max_iter,
        residual: rr.sqrt() / nb,
    })
}
