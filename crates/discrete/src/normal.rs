//! Least squares on convolutions: the cost $\tfrac12\\|h*x - y\\|^2$, its gradient
//! $H^\top(Hx - y)$ computed by correlation, and the normal equations
//! $(H^\top H + \lambda I)\\,x = H^\top y$ solved four ways.
//!
//! $H^\top H$ is symmetric Toeplitz with first column the autocorrelation
//! $a_k = \sum_i h_i h_{i+k}$ ($a_k = 0$ for $k \ge m$: banded, half-bandwidth $m-1$), and
//! $H^\top y$ is the cross-correlation of $y$ with $h$ — neither needs $H$.

use crate::convolution::{Method, Mode, convolve, correlate};
use crate::error::{DiscreteError, check, check_computed};
use crate::fourier;
use crate::scale::{Pow2, exponent, exponent_of_max, scan};
use crate::toeplitz_solvers::{
    ConditionProbe, SchurCholesky, ToeplitzMatvec, bandwidth, dense, levinson, pcg,
    relative_residual,
};

/// Non-empty, finite inputs, and `y` as long as the full convolution.
fn check_ls(h: &[f64], x: &[f64], y: &[f64]) -> Result<(), DiscreteError> {
    check("h", h)?;
    check("x", x)?;
    check("y", y)?;
    check_y_len(h, x, y)
}

/// `y` as long as the full convolution (inputs non-empty).
fn check_y_len(h: &[f64], x: &[f64], y: &[f64]) -> Result<(), DiscreteError> {
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
    // ½‖r‖² with r scaled to entries near 1 first: the squares neither overflow nor vanish
    // unless the cost itself is beyond the double range.
    let e = exponent_of_max(&r);
    let down = Pow2::new(-e);
    let sum: f64 = r.iter().map(|v| down.apply(*v).powi(2)).sum();
    Ok(Pow2::new(2 * e).apply(0.5 * sum))
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
    // The checks of `check_ls`, in the passes that also find each input's scale.
    let (_, exp_x, exp_y) = (scan("h", h)?, scan("x", x)?, scan("y", y)?);
    check_y_len(h, x, y)?;
    // One pass of overlap-save blocks, each transforming its stretch of x and y and inverting
    // ĥ̄(ĥX̂ − Ŷ), where the cost model says it beats the direct sums; small problems go direct.
    let g = if fourier::fft_gradient_is_faster(x.len(), h.len()) {
        fourier::ls_gradient(h, (x, exp_x), (y, exp_y))?
    } else {
        let r = ls_residual(h, x, y)?;
        check_computed("the residual h*x − y", &r)?;
        correlate(h, &r, Mode::Valid, Method::Direct)?
    };
    check_computed("the gradient Hᵀ(h*x − y)", &g)?;
    Ok(g)
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
    /// By a cost model: preconditioned conjugate gradients where enough of their
    /// iterations cost less than the banded factorisation, falling back to it when they do
    /// not converge in that budget; otherwise the banded factorisation.
    Auto,
    /// Levinson recursion for symmetric Toeplitz systems, $O(n^2)$ time, $O(n)$ memory.
    Levinson,
    /// The banded Cholesky factor by the Schur algorithm on the Toeplitz generators: $O(m)$
    /// per row, and once the rows have converged to the spectral factor (geometrically, for
    /// $\lambda > 0$) the rest of the factor is one stored row — $O(nm)$ in all.
    Banded,
    /// Conjugate gradients preconditioned by Strang's circulant (FFT), with banded
    /// matrix–vector products: few iterations when $\lambda$ is not tiny.
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

/// Condition numbers beyond this leave fewer than about 3 correct digits in double precision:
/// such a system is refused rather than answered with noise.
const MAX_CONDITION: f64 = 1e13;

/// The relative residual a solution must reach to be returned; larger means the solver's
/// result is not a solution of this system, whatever its cause.
const ACCEPT: f64 = 1e-6;

/// $x = \arg\min \tfrac12\\|h*x - y\\|^2 + \tfrac12\lambda\\|x\\|^2$, i.e. the solution of
/// $(H^\top H + \lambda I)x = H^\top y$, with $x$ of length $N - m + 1$ for `y` of length $N$.
///
/// The system is scaled by powers of two before it is solved — $h$ and $y$ to a largest entry
/// near 1, $\lambda$ with $h^2$, and the whole matrix down when $\lambda$ dominates it — and
/// the answer scaled back, exactly: the answer for $2^k h$ and $4^k\lambda$ is $2^{-k}$ times
/// the answer for $h$ and $\lambda$, bit for bit, for any $k$ that keeps the data finite. An
/// answer beyond the double range is an error, as is a singular or hopelessly ill-conditioned
/// system, or conjugate gradients that do not converge.
///
/// ```
/// # use flipshift_discrete::{Method, Mode, SolveMethod, convolve, solve_normal};
/// let h = [1.0, 0.5, 0.25];
/// let x_true = [1.0, -2.0, 3.0, 0.5];
/// let y = convolve(&h, &x_true, Mode::Full, Method::Direct)?;
/// let (x, info) = solve_normal(&h, &y, 0.0, SolveMethod::Levinson)?;
/// assert!(x.iter().zip(&x_true).all(|(a, b)| (a - b).abs() < 1e-12));
/// assert!(info.residual_norm < 1e-12);
/// // Scaled by 2^300 (and λ by 4^300), the same answer scaled by 2^-300.
/// let big: Vec<f64> = h.iter().map(|v| v * 2f64.powi(300)).collect();
/// let (x_big, _) = solve_normal(&big, &y, 0.0, SolveMethod::Levinson)?;
/// assert!(x_big.iter().zip(&x).all(|(a, b)| *a == b * 2f64.powi(-300)));
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
    if h.iter().all(|v| *v == 0.0) && lambda == 0.0 {
        return Err(DiscreteError::Singular {
            detail: "h is zero and λ = 0, so HᵀH + λI = 0".into(),
        });
    }
    // h' = 2^{-e_h} h and y' = 2^{-e_y} y, largest entries in [½, 1): exact.
    let (e_h, e_y) = (exponent_of_max(h), exponent_of_max(y));
    let hs: Vec<f64> = h.iter().map(|v| Pow2::new(-e_h).apply(*v)).collect();
    let ys: Vec<f64> = y.iter().map(|v| Pow2::new(-e_y).apply(*v)).collect();
    // HᵀH + λI = 2^{2e_h}(H'ᵀH' + λ'I) with λ' = 2^{-2e_h}λ; when λ' is far above H'ᵀH'
    // (whose entries are at most m), scale the matrix down by 2^{e_s} so that its diagonal
    // stays near 1: T = 2^{-e_s}(H'ᵀH' + λ'I), and H'ᵀH' may then fade below rounding, which
    // is what it is against λ'.
    let e_lambda = if lambda > 0.0 {
        exponent(lambda) - 2 * e_h
    } else {
        i32::MIN / 4
    };
    let e_s = e_lambda.max(0);
    let mut a = autocorrelation(&hs)?;
    a.resize(n.max(m), 0.0);
    a.truncate(n);
    for v in &mut a {
        *v = Pow2::new(-e_s).apply(*v);
    }
    if lambda > 0.0 {
        // λ·2^{-2e_h−e_s}, in one rounding-free step of exponent arithmetic.
        a[0] += Pow2::new(-2 * e_h - e_s).apply(lambda);
    }
    if !(a[0] > 0.0) {
        return Err(DiscreteError::Singular {
            detail: "HᵀH + λI has a zero diagonal (h is zero to double precision)".into(),
        });
    }
    let b = correlate(&hs, &ys, Mode::Valid, Method::Auto)?;
    let (xs, info) = solve_scaled(&a, &b, method)?;
    // x = T⁻¹ Hᵀy = 2^{e_y + e_h − 2e_h − e_s} x'.
    let x = unscale("h, y and λ", &xs, e_y - e_h - e_s)?;
    Ok((x, info))
}

/// Multiply by $2^e$, refusing an answer that leaves the double range (overflow, or a
/// non-zero answer whose every entry would underflow).
pub(crate) fn unscale(what: &'static str, xs: &[f64], e: i32) -> Result<Vec<f64>, DiscreteError> {
    let e_max = exponent_of_max(xs) + e;
    let nonzero = xs.iter().any(|v| *v != 0.0);
    if nonzero && e_max > f64::MAX_EXP {
        return Err(DiscreteError::InvalidParameter {
            what,
            reason: format!(
                "the solution's largest entry is about 2^{e_max} (10^{:.0}), beyond double precision (1.8e308); rescale the data",
                e_max as f64 * std::f64::consts::LOG10_2
            ),
        });
    }
    if nonzero && e_max < f64::MIN_EXP {
        return Err(DiscreteError::InvalidParameter {
            what,
            reason: format!(
                "the solution's largest entry is about 2^{e_max} (10^{:.0}), below the smallest normal double (2.2e-308); rescale the data",
                e_max as f64 * std::f64::consts::LOG10_2
            ),
        });
    }
    let up = Pow2::new(e);
    Ok(xs.iter().map(|v| up.apply(*v)).collect())
}

/// Solve $T x = b$ for the symmetric positive definite Toeplitz matrix $T$ with first column
/// `a` (banded when `a` ends in zeros) — the core of [`solve_normal`], where
/// $a$ is the autocorrelation of $h$ plus $\lambda$ at lag 0 and $b = H^\top y$.
///
/// `a` and `b` are scaled by powers of two to entries near 1 first, and the answer scaled
/// back (exactly). The result is checked: a lower bound on the condition number above 1e13
/// (from Rayleigh quotients, so never an overstatement), a relative residual above 1e-6, a
/// pivot below 1e-14 of the diagonal, or conjugate gradients that stall are errors, never a
/// returned vector.
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
    let (e_a, e_b) = (exponent(a[0]), exponent_of_max(b));
    let a_s: Vec<f64> = a.iter().map(|v| Pow2::new(-e_a).apply(*v)).collect();
    let b_s: Vec<f64> = b.iter().map(|v| Pow2::new(-e_b).apply(*v)).collect();
    let (x, info) = solve_scaled(&a_s, &b_s, method)?;
    Ok((unscale("a and b", &x, e_b - e_a)?, info))
}

/// Nanoseconds per column and lag of the whole banded solve — the Schur factorisation, both
/// substitutions for two right-hand sides and the checks — measured with `cargo bench --bench
/// peers` at n = 10³…1.6·10⁴, m = 32 and 256 (3.4–3.8 ns).
const SCHUR_NS_PER_ENTRY: f64 = 3.5;

/// Nanoseconds per point of one preconditioned CG iteration beyond its matrix–vector product:
/// the preconditioner's two real transforms of length n (about 0.25 ns·log₂n per point each,
/// the table of `fft_lengths`) and six vector passes — an estimate, not a measurement.
const PCG_NS_PER_POINT: f64 = 12.0;

/// Conjugate gradients are tried first only when this many of their iterations fit in the
/// banded solve's time: on the benchmark's systems (λ = 10⁻³‖h‖², m ≤ 256) they need more,
/// and a failed try would cost as much as the solve.
const PCG_MIN_BUDGET: usize = 60;

/// The solve of a system scaled to entries near 1 (`a[0] > 0`), with its checks.
fn solve_scaled(
    a: &[f64],
    b: &[f64],
    method: SolveMethod,
) -> Result<(Vec<f64>, SolveInfo), DiscreteError> {
    let n = a.len();
    let band = bandwidth(a);
    let op = ToeplitzMatvec::new(a)?;
    let probe = ConditionProbe::new(a, &op)?;
    let refuse = |kappa: f64| -> Result<(), DiscreteError> {
        if !(kappa <= MAX_CONDITION) {
            return Err(DiscreteError::Singular {
                detail: format!("condition number at least {kappa:.1e}"),
            });
        }
        Ok(())
    };
    let method = match method {
        SolveMethod::Auto => {
            // Schur costs O(n·p) (its transient is at most all n columns); CG is worth a try
            // when enough of its iterations fit in that budget to converge on a reasonably
            // conditioned system.
            let schur_ns = SCHUR_NS_PER_ENTRY * (n * (band + 1)) as f64;
            let iter_ns = fourier::direct_cost_ns(n, 2 * band + 1, n)
                .min(fourier::conv_schedule(n, 2 * band + 1, n).cost_ns)
                + PCG_NS_PER_POINT * n as f64;
            let budget = (schur_ns / iter_ns) as usize;
            if budget >= PCG_MIN_BUDGET && n >= 4 * band {
                match pcg(a, b, &op, budget) {
                    Ok((x, it)) => {
                        refuse(probe.bound_from_product(&op)?)?;
                        return finish(&op, x, b, SolveMethod::Cg, Some(it));
                    }
                    Err(DiscreteError::NoConvergence { .. }) => {}
                    Err(e) => return Err(e),
                }
            }
            SolveMethod::Banded
        }
        other => other,
    };
    match method {
        SolveMethod::Banded => {
            let (mut x, mut z) = (b.to_vec(), probe.w.clone());
            if SchurCholesky::solve(a, band, &mut [&mut x, &mut z])?.is_some() {
                refuse(probe.bound_from_inverse(&z))?;
                return finish(&op, x, b, SolveMethod::Banded, None);
            }
            // The factor did not converge within its memory budget: Levinson, O(n) memory.
            let xs = levinson(a, &[b, &probe.w])?;
            refuse(probe.bound_from_inverse(&xs[1]))?;
            finish(&op, xs[0].clone(), b, SolveMethod::Levinson, None)
        }
        SolveMethod::Levinson => {
            let mut xs = levinson(a, &[b, &probe.w])?;
            refuse(probe.bound_from_inverse(&xs[1]))?;
            // T⁻¹e₁ comes for free: κ₁ ≥ ‖T‖₁·‖T⁻¹e₁‖₁.
            let norm_a = a[0].abs() + 2.0 * a[1..].iter().map(|v| v.abs()).sum::<f64>();
            refuse(norm_a * xs[2].iter().map(|v| v.abs()).sum::<f64>())?;
            finish(&op, xs.swap_remove(0), b, SolveMethod::Levinson, None)
        }
        SolveMethod::Dense => {
            let mut xs = dense(a, &[b, &probe.w])?;
            refuse(probe.bound_from_inverse(&xs[1]))?;
            finish(&op, xs.swap_remove(0), b, SolveMethod::Dense, None)
        }
        SolveMethod::Cg | SolveMethod::Auto => {
            // CG on a hopeless system does not converge, which is its own error; one that
            // converges on an ill-conditioned one is refused by the bound.
            let (x, it) = pcg(a, b, &op, (10 * n).max(100))?;
            refuse(probe.bound_from_product(&op)?)?;
            finish(&op, x, b, SolveMethod::Cg, Some(it))
        }
    }
}

/// The residual check, and the report.
fn finish(
    op: &ToeplitzMatvec,
    x: Vec<f64>,
    b: &[f64],
    method: SolveMethod,
    iterations: Option<usize>,
) -> Result<(Vec<f64>, SolveInfo), DiscreteError> {
    let residual_norm = relative_residual(op, &x, b)?;
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
