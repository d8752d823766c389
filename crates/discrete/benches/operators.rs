//! divan benchmarks: setup (planning, Toeplitz assembly) timed apart from `apply`, sizes with
//! primes and powers of two, direct against FFT to show where the FFT starts to win.
//! `cargo bench -p flipshift-discrete --bench operators`
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use divan::{Bencher, black_box};
use flipshift_discrete::{FftConv, LinearOp, Method, Mode, ToeplitzConv, convolve};
use nalgebra::DVector;

fn main() {
    divan::main();
}

fn data(n: usize) -> Vec<f64> {
    (0..n)
        .map(|i| ((i * 7919) % 1000) as f64 / 500.0 - 1.0)
        .collect()
}

const N: usize = 4096;
const KERNELS: &[usize] = &[3, 16, 31, 64, 127, 256, 509, 1024];

#[divan::bench(args = KERNELS)]
fn direct(b: Bencher, m: usize) {
    let (x, h) = (data(N), data(m));
    b.bench(|| convolve(black_box(&h), black_box(&x), Mode::Full, Method::Direct).unwrap());
}

#[divan::bench(args = KERNELS)]
fn fft(b: Bencher, m: usize) {
    let (x, h) = (data(N), data(m));
    b.bench(|| convolve(black_box(&h), black_box(&x), Mode::Full, Method::Fft).unwrap());
}

#[divan::bench(args = KERNELS)]
fn auto(b: Bencher, m: usize) {
    let (x, h) = (data(N), data(m));
    b.bench(|| convolve(black_box(&h), black_box(&x), Mode::Full, Method::Auto).unwrap());
}

#[divan::bench(args = [1009, 1024, 4093, 4096])]
fn fft_conv_plan(b: Bencher, n: usize) {
    let h = data(63);
    b.bench(|| FftConv::new(black_box(&h), n, Mode::Full).unwrap());
}

#[divan::bench(args = [1009, 1024, 4093, 4096])]
fn fft_conv_apply(b: Bencher, n: usize) {
    let op = FftConv::new(&data(63), n, Mode::Full).unwrap();
    let x = DVector::from_vec(data(n));
    b.bench(|| op.apply(black_box(&x)).unwrap());
}

#[divan::bench(args = [251, 512])]
fn toeplitz_assemble(b: Bencher, n: usize) {
    let h = data(63);
    b.bench(|| ToeplitzConv::new(black_box(&h), n, Mode::Full).unwrap());
}

#[divan::bench(args = [251, 512])]
fn toeplitz_apply(b: Bencher, n: usize) {
    let op = ToeplitzConv::new(&data(63), n, Mode::Full).unwrap();
    let x = DVector::from_vec(data(n));
    b.bench(|| op.apply(black_box(&x)).unwrap());
}

// ---- every other operator: correlation, the gradient, plans and batches, the Jacobian, the
// ---- autocorrelation, the normal-equation solvers and the direct operator.

#[divan::bench(args = [(10_000, 16), (10_000, 128), (100_000, 1_000)])]
fn correlate_auto(b: Bencher, (n, m): (usize, usize)) {
    let (x, h) = (data(n), data(m));
    b.bench(|| {
        flipshift_discrete::correlate(black_box(&h), black_box(&x), Mode::Valid, Method::Auto)
            .unwrap()
    });
}

#[divan::bench(args = [(1_000, 16), (10_000, 128), (100_000, 1_000), (1_000_000, 1_000)])]
fn ls_gradient(b: Bencher, (n, m): (usize, usize)) {
    let (x, h, y) = (data(n), data(m), data(n + m - 1));
    b.bench(|| {
        flipshift_discrete::ls_gradient(black_box(&h), black_box(&x), black_box(&y)).unwrap()
    });
}

#[divan::bench(args = [(100_000, 1_000), (1_000_000, 1_000)])]
fn plan_new(b: Bencher, (n, m): (usize, usize)) {
    let h = data(m);
    b.bench(|| flipshift_discrete::Plan::new(black_box(&h), n, Method::Auto).unwrap());
}

#[divan::bench(args = [(100_000, 1_000), (1_000_000, 1_000)])]
fn plan_convolve(b: Bencher, (n, m): (usize, usize)) {
    let plan = flipshift_discrete::Plan::new(&data(m), n, Method::Auto).unwrap();
    let x = data(n);
    b.bench(|| plan.convolve(black_box(&x), Mode::Full).unwrap());
}

/// Eight signals against one kernel: in parallel with the thread count of RAYON_NUM_THREADS.
#[divan::bench(args = [(100_000, 1_000)])]
fn plan_batch_of_8(b: Bencher, (n, m): (usize, usize)) {
    let plan = flipshift_discrete::Plan::new(&data(m), n, Method::Auto).unwrap();
    let xs: Vec<Vec<f64>> = (0..8).map(|s| data(n + s)[s..].to_vec()).collect();
    b.bench(|| plan.convolve_batch(black_box(&xs), Mode::Full).unwrap());
}

#[divan::bench(args = [(1_000, 16), (4_000, 64)])]
fn jacobian(b: Bencher, (n, m): (usize, usize)) {
    let h = data(m);
    b.bench(|| {
        flipshift_discrete::jacobian(
            black_box(&h),
            n,
            Mode::Full,
            flipshift_discrete::Layout::Numerator,
        )
        .unwrap()
    });
}

#[divan::bench(args = [16, 256, 4096])]
fn autocorrelation(b: Bencher, m: usize) {
    let h = data(m);
    b.bench(|| flipshift_discrete::autocorrelation(black_box(&h)).unwrap());
}

#[divan::bench(args = [(4096, 63)])]
fn direct_conv_apply(b: Bencher, (n, m): (usize, usize)) {
    let op = flipshift_discrete::DirectConv::new(&data(m), n, Mode::Full).unwrap();
    let x = DVector::from_vec(data(n));
    b.bench(|| op.apply(black_box(&x)).unwrap());
}

const SOLVERS: &[&str] = &["banded", "cg", "levinson", "dense"];

/// (HᵀH + λI)x = Hᵀy at n = 2000, m = 64, λ = 10⁻³‖h‖², by each solver (dense is the O(n³)
/// reference).
#[divan::bench(args = SOLVERS)]
fn solve_normal(b: Bencher, method: &str) {
    let (n, m) = (2_000, 64);
    let h: Vec<f64> = data(m + 3)[3..].to_vec();
    let x_true = data(n);
    let y = convolve(&h, &x_true, Mode::Full, Method::Auto).unwrap();
    let lambda = 1e-3 * h.iter().map(|v| v * v).sum::<f64>();
    let method: flipshift_discrete::SolveMethod = method.parse().unwrap();
    b.bench(|| {
        flipshift_discrete::solve_normal(black_box(&h), black_box(&y), lambda, method).unwrap()
    });
}

// ---- the adjoints, the least-squares cost and residual, and the circular (periodic) operators.

#[divan::bench(args = [1009, 4096])]
fn fft_conv_apply_adjoint(b: Bencher, n: usize) {
    let op = FftConv::new(&data(63), n, Mode::Full).unwrap();
    let y = DVector::from_vec(data(n + 62));
    b.bench(|| op.apply_adjoint(black_box(&y)).unwrap());
}

#[divan::bench(args = [(10_000, 128), (1_000_000, 1_000)])]
fn ls_residual(b: Bencher, (n, m): (usize, usize)) {
    let (x, h, y) = (data(n), data(m), data(n + m - 1));
    b.bench(|| {
        flipshift_discrete::ls_residual(black_box(&h), black_box(&x), black_box(&y)).unwrap()
    });
}

#[divan::bench(args = [(10_000, 128), (1_000_000, 1_000)])]
fn ls_cost(b: Bencher, (n, m): (usize, usize)) {
    let (x, h, y) = (data(n), data(m), data(n + m - 1));
    b.bench(|| flipshift_discrete::ls_cost(black_box(&h), black_box(&x), black_box(&y)).unwrap());
}

/// Periodic signals of length n (a power of two, a prime, 7-smooth) against a kernel of 63.
const PERIODS: &[usize] = &[4096, 4093, 100_000];

#[divan::bench(args = PERIODS)]
fn circular_convolve(b: Bencher, n: usize) {
    let (x, h) = (data(n), data(63));
    b.bench(|| flipshift_discrete::circular_convolve(black_box(&h), black_box(&x)).unwrap());
}

#[divan::bench(args = PERIODS)]
fn circular_correlate(b: Bencher, n: usize) {
    let (x, h) = (data(n), data(63));
    b.bench(|| flipshift_discrete::circular_correlate(black_box(&h), black_box(&x)).unwrap());
}

#[divan::bench(args = PERIODS)]
fn circular_ls_gradient(b: Bencher, n: usize) {
    let (x, h, y) = (data(n), data(63), data(n + 1)[1..].to_vec());
    b.bench(|| {
        flipshift_discrete::circular_ls_gradient(black_box(&h), black_box(&x), black_box(&y))
            .unwrap()
    });
}

#[divan::bench(args = PERIODS)]
fn circular_solve(b: Bencher, n: usize) {
    let (h, y) = (data(63), data(n));
    b.bench(|| flipshift_discrete::circular_solve(black_box(&h), black_box(&y), 1e-3).unwrap());
}

#[divan::bench(args = PERIODS)]
fn circulant_eigenvalues(b: Bencher, n: usize) {
    let h = data(63);
    b.bench(|| flipshift_discrete::circulant_eigenvalues(black_box(&h), n).unwrap());
}

#[divan::bench(args = [256, 1024])]
fn circular_jacobian(b: Bencher, n: usize) {
    let h = data(63);
    b.bench(|| {
        flipshift_discrete::circular_jacobian(
            black_box(&h),
            n,
            flipshift_discrete::Layout::Numerator,
        )
        .unwrap()
    });
}
