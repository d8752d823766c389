//! # flipshift-discrete
//!
//! Discrete convolution $z = h * x = Hx$ as a linear operator: its Jacobian (the Toeplitz
//! matrix $H$, whose rows are the kernel flipped and shifted), its adjoint (correlation with
//! $h$), the least-squares gradient $H^\top(Hx - y)$, the normal equations, and the bridge to
//! the continuous answers.
//!
//! ## Conventions
//!
//! - Convolution $z_k = (h*x)_k = \sum_i h_i\, x_{k-i}$; correlation of $x$ with $h$:
//!   $c_k = \sum_j x_j\, h_{j-k+m-1}$ (full mode) — SciPy's `convolve(x, h, mode)` and
//!   `correlate(x, h, mode)`, with the same lengths and alignment (see [`Mode`]).
//! - One argument order everywhere: the kernel first, the signal next, data last —
//!   `convolve(h, x, mode, method)`, `correlate(h, x, ..)`, `ls_cost(h, x, y)`,
//!   `ls_gradient(h, x, y)`, `solve_normal(h, y, ..)`.
//! - For $x \in \mathbb{R}^n$, $h \in \mathbb{R}^m$ the `Full` result has length $n + m - 1$.
//! - The plain inner product $\langle u, v\rangle = \sum_k u_k v_k$; on a sampling grid
//!   $t_k = t_{\text{start}} + k\,\Delta t$ the one that approximates $\int u v$ is
//!   $\Delta t \sum_k u_k v_k$, and $\Delta t \sum_k h_k x_{n-k}$ approximates $(h*x)(t_n)$
//!   (see [`sample`]).
//! - The FFT's $1/N$ is applied once, inside the FFT convolution; nothing else rescales.
#![warn(missing_docs)]
// `!(x > 0.0)` is deliberate throughout: unlike `x <= 0.0` it is also true for NaN.
#![allow(clippy::neg_cmp_op_on_partial_ord)]

mod bridge;
mod buffers;
mod circular;
mod convolution;
mod direct_sum;
mod discretize;
mod error;
mod extremal;
mod fft_lengths;
mod fourier;
mod functional;
mod normal;
mod operators;
mod optimize;
mod partitioned;
mod plan;
mod scale;
mod toeplitz;
mod toeplitz_solvers;

pub use bridge::*;
pub use circular::{
    CircularSolveInfo, circulant_eigenvalues, circulant_matrix, circular_convolve,
    circular_correlate, circular_jacobian, circular_ls_cost, circular_ls_gradient, circular_solve,
};
pub use convolution::{Method, Mode, convolve, correlate};
pub use discretize::{Convergence, Discretize, FunctionalAgreement};
pub use error::DiscreteError;
pub use extremal::{DirectLevels, DirectMethod, DirectSolution};
pub use functional::DiscreteFunctional;
pub use normal::{
    SolveInfo, SolveMethod, autocorrelation, ls_cost, ls_gradient, ls_residual, solve_normal,
    solve_toeplitz,
};
pub use operators::{DirectConv, FftConv, LinearOp, ToeplitzConv};
pub use optimize::{
    IterInfo, MinimizeParams, MinimizeReport, Objective, Optimizer, Termination, minimize,
    minimize_observed,
};
pub use plan::Plan;
pub use toeplitz::{Layout, conv_matrix, jacobian};
