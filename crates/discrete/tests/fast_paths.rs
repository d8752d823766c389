//! Every fast path against the direct O(nm) sum and the dense matrix H, with tolerances
//! derived from the algorithms' error bounds; and the promise about threads: where the cost
//! model picks the same transform length, single- and multi-threaded results are the same bit
//! for bit, and where more threads make another length finish first (a long kernel), the
//! results agree within the FFT bound.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use flipshift_discrete::{
    Method, Mode, Plan, SolveMethod, conv_matrix, convolve, correlate, ls_gradient, solve_normal,
};
use nalgebra::DVector;

fn lcg(seed: u64, n: usize) -> Vec<f64> {
    let mut s = seed.wrapping_mul(2_862_933_555_777_941_757).wrapping_add(3);
    (0..n)
        .map(|_| {
            s = s
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (s >> 11) as f64 / (1u64 << 53) as f64 - 0.5
        })
        .collect()
}

fn norm1(v: &[f64]) -> f64 {
    v.iter().map(|x| x.abs()).sum()
}

fn norm_inf(v: &[f64]) -> f64 {
    v.iter().fold(0.0, |a, x| a.max(x.abs()))
}

/// Entrywise bound for an FFT convolution against the exact one: each of the three transforms
/// has relative 2-norm error ≲ 2ε·log₂N (c₀ ≈ 2 for RustFFT's radix kernels), the pointwise
/// product is bounded by ‖ĥ‖∞ ≤ ‖h‖₁, and the noise spreads over the outputs:
/// |error_k| ≲ 6ε·log₂N·‖h‖₁‖x‖∞; c = 8 for margin. The direct sum and the dense product,
/// the references, each add their own m·ε·‖h‖₁‖x‖∞ (m terms of a sum).
fn tol(h: &[f64], x: &[f64]) -> f64 {
    let n = (x.len() + h.len()) as f64;
    (8.0 * n.log2() + 2.0 * h.len().min(x.len()) as f64) * f64::EPSILON * norm1(h) * norm_inf(x)
}

fn assert_close(got: &[f64], want: &[f64], tol: f64, what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: lengths");
    let worst = got
        .iter()
        .zip(want)
        .fold(0.0f64, |a, (p, q)| a.max((p - q).abs()));
    assert!(worst <= tol, "{what}: {worst:e} > {tol:e}");
}

/// Sizes that exercise one transform, overlap-save blocks (m ≪ n), m > n, primes and powers of
/// two.
const SIZES: &[(usize, usize)] = &[
    (1, 1),
    (2, 7),
    (97, 5),
    (1000, 16),
    (4096, 64),
    (10_007, 128),
    (300, 257),
    (20_000, 1_000),
    (60_000, 33),
];

#[test]
fn every_method_and_mode_matches_the_direct_sum_and_the_dense_matrix() {
    for &(n, m) in SIZES {
        let (h, x) = (lcg(m as u64, m), lcg(n as u64 + 1, n));
        let t = tol(&h, &x);
        for mode in [Mode::Full, Mode::Same, Mode::Valid] {
            let want = convolve(&h, &x, mode, Method::Direct).unwrap();
            if n * (n + m) <= 1 << 24 {
                let dense = conv_matrix(&h, n, mode).unwrap() * DVector::from_column_slice(&x);
                assert_close(dense.as_slice(), &want, t, "dense against direct");
            }
            for method in [Method::Fft, Method::Auto] {
                let got = convolve(&h, &x, mode, method).unwrap();
                assert_close(&got, &want, t, &format!("{method:?} {mode:?} n={n} m={m}"));
                let plan = Plan::new(&h, n, method).unwrap();
                let planned = plan.convolve(&x, mode).unwrap();
                assert_close(
                    &planned,
                    &want,
                    t,
                    &format!("plan {method:?} {mode:?} n={n} m={m}"),
                );
            }
            let c = correlate(&h, &x, mode, Method::Fft).unwrap();
            let c_direct = correlate(&h, &x, mode, Method::Direct).unwrap();
            assert_close(&c, &c_direct, t, &format!("correlate {mode:?} n={n} m={m}"));
        }
    }
}

#[test]
fn the_fused_gradient_matches_the_dense_normal_form() {
    for &(n, m) in &[
        (50usize, 7usize),
        (3001, 200),
        (20_000, 64),
        (150, 900),
        (40_000, 1_500),
    ] {
        let (h, x) = (lcg(m as u64 + 5, m), lcg(n as u64 + 9, n));
        let y = lcg(3, n + m - 1);
        let g = ls_gradient(&h, &x, &y).unwrap();
        // Hᵀ(Hx − y) by the direct sums, the reference.
        let r: Vec<f64> = convolve(&h, &x, Mode::Full, Method::Direct)
            .unwrap()
            .iter()
            .zip(&y)
            .map(|(a, b)| a - b)
            .collect();
        let want = correlate(&h, &r, Mode::Valid, Method::Direct).unwrap();
        // The FFT bound twice (residual, then Hᵀ) with ‖r‖∞ ≤ ‖h‖₁‖x‖∞ + ‖y‖∞ as the signal of
        // the second: 2·tol(h, ·)·(‖h‖₁ + 1) in the units of tol.
        let t = 2.0 * tol(&h, &x) * (norm1(&h) + 1.0) + tol(&h, &r);
        assert_close(&g, &want, t, &format!("gradient n={n} m={m}"));
        if n <= 3001 {
            let hm = conv_matrix(&h, n, Mode::Full).unwrap();
            let dense =
                hm.tr_mul(&(&hm * DVector::from_column_slice(&x) - DVector::from_column_slice(&y)));
            assert_close(
                dense.as_slice(),
                &want,
                t,
                &format!("dense gradient n={n} m={m}"),
            );
        }
    }
}

#[test]
fn a_batch_is_its_signals_one_at_a_time() {
    let h = lcg(1, 300);
    let plan = Plan::new(&h, 50_000, Method::Auto).unwrap();
    assert_eq!(plan.method(), Method::Fft);
    let xs: Vec<Vec<f64>> = (0..5).map(|s| lcg(s + 10, 50_000)).collect();
    let batch = plan.convolve_batch(&xs, Mode::Same).unwrap();
    for (x, z) in xs.iter().zip(&batch) {
        assert_eq!(*z, plan.convolve(x, Mode::Same).unwrap());
    }
    // Wrong lengths are errors, for one signal and inside a batch.
    assert!(plan.convolve(&lcg(2, 49_999), Mode::Full).is_err());
    assert!(
        plan.convolve_batch(&[lcg(2, 50_000), lcg(3, 7)], Mode::Full)
            .is_err()
    );
}

/// Run `f` on a pool of `threads` threads.
fn with_threads<R: Send>(threads: usize, f: impl FnOnce() -> R + Send) -> R {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap()
        .install(f)
}

#[test]
fn threads_change_no_bit() {
    // Big enough that every fast path splits its work: overlap-save blocks, direct-sum chunks,
    // gradient blocks, a batch.
    let (h, x) = (lcg(4, 1_000), lcg(5, 400_000));
    let short = lcg(6, 24);
    let y = lcg(7, x.len() + h.len() - 1);
    let run = || {
        (
            convolve(&h, &x, Mode::Full, Method::Fft).unwrap(),
            convolve(&short, &x, Mode::Full, Method::Direct).unwrap(),
            ls_gradient(&h, &x, &y).unwrap(),
            Plan::new(&h, x.len(), Method::Auto)
                .unwrap()
                .convolve_batch(&[x.clone(), y[..x.len()].to_vec()], Mode::Valid)
                .unwrap(),
        )
    };
    let one = with_threads(1, run);
    let two = with_threads(2, run);
    let four = with_threads(4, run);
    assert!(one == two && two == four);
}

#[test]
fn a_long_kernel_on_two_threads_agrees_within_the_bound() {
    // One thread: one transform of 1,179,648 points, which cannot be split; two: overlap-save
    // blocks that run side by side. Different roundings of the same gradient.
    let (h, x) = (lcg(8, 100_000), lcg(9, 1_000_000));
    let y = lcg(10, x.len() + h.len() - 1);
    let one = with_threads(1, || ls_gradient(&h, &x, &y).unwrap());
    let two = with_threads(2, || ls_gradient(&h, &x, &y).unwrap());
    // The FFT part of the bound of `the_fused_gradient_matches_the_dense_normal_form` (no
    // direct sum here): c·ε·log₂N·‖h‖₁ for the residual, whose size is at most
    // ‖h‖₁‖x‖∞ + ‖y‖∞, and again for the correlation; each side within it of the exact
    // gradient, so within twice it of each other.
    let fft = |v_inf: f64| 8.0 * 21.0 * f64::EPSILON * norm1(&h) * v_inf;
    let r_inf = norm1(&h) * norm_inf(&x) + norm_inf(&y);
    let t = 2.0 * (fft(norm_inf(&x)) * norm1(&h) + fft(r_inf));
    assert_close(&two, &one, t, "two threads against one");
    let worst = one
        .iter()
        .zip(&two)
        .fold(0.0f64, |a, (p, q)| a.max((p - q).abs()));
    // The two are computed differently (else this test would not test the blocks).
    assert!(worst > 0.0);
}

#[test]
fn banded_factorisation_matches_the_dense_solve_at_benchmark_sizes() {
    // The systems of the benchmark (λ = 1e-3‖h‖², noisy data): every solver against dense
    // Cholesky. Condition numbers here are below ~1e5, so solutions agree to κ·n·ε ≲ 1e-8.
    for &(n, m) in &[(1_000usize, 32usize), (1_000, 256), (2_000, 64)] {
        let h = lcg(m as u64, m);
        let x_true = lcg(n as u64, n);
        let mut y = convolve(&h, &x_true, Mode::Full, Method::Auto).unwrap();
        for (v, e) in y.iter_mut().zip(lcg(9, n + m - 1)) {
            *v += 0.01 * e;
        }
        let lambda = 1e-3 * h.iter().map(|v| v * v).sum::<f64>();
        let (want, _) = solve_normal(&h, &y, lambda, SolveMethod::Dense).unwrap();
        let scale = norm_inf(&want);
        for method in [
            SolveMethod::Auto,
            SolveMethod::Banded,
            SolveMethod::Cg,
            SolveMethod::Levinson,
        ] {
            let (x, info) = solve_normal(&h, &y, lambda, method).unwrap();
            assert!(
                info.residual_norm < 1e-9,
                "{method:?}: {}",
                info.residual_norm
            );
            assert_close(&x, &want, 1e-8 * scale, &format!("{method:?} n={n} m={m}"));
        }
    }
}
