//! Least squares: the gradient against the dense product and central differences; the four
//! normal-equation solvers against the dense solve; bad inputs and singular systems.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use flipshift_discrete::{
    DiscreteError, Layout, Method, Mode, SolveMethod, autocorrelation, convolve, jacobian, ls_cost,
    ls_gradient, solve_normal,
};
use nalgebra::DVector;
use proptest::prelude::*;

fn lcg(seed: u64, n: usize) -> Vec<f64> {
    let mut s = seed;
    (0..n)
        .map(|_| {
            s = s
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            ((s >> 11) as f64 / (1u64 << 53) as f64) * 2.0 - 1.0
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 100, ..ProptestConfig::default() })]

    #[test]
    fn gradient_is_h_transpose_times_the_residual(n in 1usize..30, m in 1usize..12, seed in 0u64..1000) {
        let (x, h) = (lcg(seed, n), lcg(seed + 1, m));
        let y = lcg(seed + 2, n + m - 1);
        let g = ls_gradient(&h, &x, &y).unwrap();
        let hm = jacobian(&h, n, Mode::Full, Layout::Numerator).unwrap();
        let r = &hm * DVector::from_column_slice(&x) - DVector::from_column_slice(&y);
        let dense = hm.tr_mul(&r);
        // Both are sums of ≤ 2(n+m) products of numbers ≤ (m+1): 64·ε·(n+m)·m covers it.
        let tol = 64.0 * f64::EPSILON * (n + m) as f64 * m as f64;
        for i in 0..n {
            prop_assert!((g[i] - dense[i]).abs() <= tol, "{} vs {}", g[i], dense[i]);
        }
    }
}

#[test]
fn gradient_matches_central_differences() {
    // J is quadratic, so (J(x + εe_i) − J(x − εe_i))/2ε equals ∂J/∂x_i up to rounding of J
    // (about ε·J per evaluation, divided by ε = 1e-3): tolerance 1e-9 relative to J.
    let (n, m) = (17, 5);
    let (x, h) = (lcg(7, n), lcg(8, m));
    let y = lcg(9, n + m - 1);
    let g = ls_gradient(&h, &x, &y).unwrap();
    let j0 = ls_cost(&h, &x, &y).unwrap();
    let eps = 1e-3;
    for i in 0..n {
        let mut xp = x.clone();
        let mut xm = x.clone();
        xp[i] += eps;
        xm[i] -= eps;
        let fd = (ls_cost(&h, &xp, &y).unwrap() - ls_cost(&h, &xm, &y).unwrap()) / (2.0 * eps);
        assert!(
            (fd - g[i]).abs() <= 1e-9 * j0.max(1.0),
            "i = {i}: {fd} vs {}",
            g[i]
        );
    }
}

#[test]
fn wrong_lengths_and_bad_values_are_errors() {
    assert!(matches!(
        ls_gradient(&[1.0, 2.0], &[1.0], &[0.0]),
        Err(DiscreteError::Length { .. })
    ));
    assert!(ls_gradient(&[1.0], &[], &[]).is_err());
    assert!(ls_cost(&[1.0], &[f64::NAN], &[0.0]).is_err());
    assert!(solve_normal(&[1.0, 2.0], &[1.0], 0.0, SolveMethod::Auto).is_err());
    assert!(solve_normal(&[1.0], &[1.0], -1.0, SolveMethod::Auto).is_err());
    assert!(solve_normal(&[1.0], &[1.0], f64::NAN, SolveMethod::Auto).is_err());
}

#[test]
fn a_gradient_beyond_the_double_range_is_an_overflow_error_not_a_bad_input() {
    // Every input finite; h*x = 1e600 (the residual overflows, direct path) or
    // Hᵀr = (1e200)²·1e100 (the gradient does, with a finite residual).
    match ls_gradient(&[1e300, 1.0], &[1e300], &[0.0, 0.0]) {
        Err(DiscreteError::Overflow { what, index: 0, .. }) => {
            assert_eq!(what, "the residual h*x − y")
        }
        other => panic!("{other:?}"),
    }
    let e = ls_gradient(&[1e200, 1.0], &[1e100], &[0.0, 0.0]).unwrap_err();
    assert!(
        matches!(e, DiscreteError::Overflow { index: 0, .. }),
        "{e:?}"
    );
    assert!(
        e.to_string()
            .starts_with("the gradient Hᵀ(h*x − y) is inf at entry 0")
    );
    // The FFT path (long enough for the cost model to take it) says the same.
    let (h, x) = (vec![1e200; 300], vec![1e100; 3000]);
    let y = vec![0.0; 3299];
    assert!(matches!(
        ls_gradient(&h, &x, &y),
        Err(DiscreteError::Overflow { .. })
    ));
}

#[test]
fn autocorrelation_is_the_first_column_of_hth() {
    let h = lcg(3, 6);
    let a = autocorrelation(&h).unwrap();
    let hm = jacobian(&h, 10, Mode::Full, Layout::Numerator).unwrap();
    let hth = hm.tr_mul(&hm);
    for k in 0..10 {
        let want = if k < 6 { a[k] } else { 0.0 };
        assert!(
            (hth[(k, 0)] - want).abs() <= 16.0 * f64::EPSILON * 6.0,
            "lag {k}"
        );
    }
}

fn all_methods() -> [SolveMethod; 4] {
    [
        SolveMethod::Levinson,
        SolveMethod::Banded,
        SolveMethod::Cg,
        SolveMethod::Dense,
    ]
}

#[test]
fn solvers_agree_with_the_dense_solve_on_well_conditioned_systems() {
    for (n, m, lambda) in [
        (50, 4, 0.0),
        (120, 17, 0.1),
        (64, 64, 1e-2),
        (31, 1, 0.0),
        (200, 9, 1e-3),
    ] {
        let h: Vec<f64> = (0..m).map(|i| 1.0 / (1.0 + i as f64)).collect();
        let x_true = lcg(n as u64, n);
        let mut y = convolve(&h, &x_true, Mode::Full, Method::Direct).unwrap();
        for (v, noise) in y.iter_mut().zip(lcg(5, n + m - 1)) {
            *v += 1e-3 * noise;
        }
        let (reference, _) = solve_normal(&h, &y, lambda, SolveMethod::Dense).unwrap();
        let scale = reference.iter().fold(0.0f64, |a, v| a.max(v.abs()));
        for method in all_methods() {
            let (x, info) = solve_normal(&h, &y, lambda, method).unwrap();
            assert_eq!(x.len(), n);
            assert_eq!(info.method, method);
            let diff = x
                .iter()
                .zip(&reference)
                .fold(0.0f64, |a, (p, q)| a.max((p - q).abs()));
            assert!(
                diff <= 1e-8 * scale,
                "{method:?} n={n} m={m} λ={lambda}: {diff:e}"
            );
            if method == SolveMethod::Cg {
                assert!(info.iterations.unwrap_or(0) > 0);
            }
        }
        // Without noise and λ = 0 the solution is the signal itself.
        if lambda == 0.0 {
            let clean = convolve(&h, &x_true, Mode::Full, Method::Direct).unwrap();
            let (x, _) = solve_normal(&h, &clean, 0.0, SolveMethod::Auto).unwrap();
            let err = x
                .iter()
                .zip(&x_true)
                .fold(0.0f64, |a, (p, q)| a.max((p - q).abs()));
            assert!(err < 1e-9, "n={n} m={m}: {err:e}");
        }
    }
}

#[test]
fn singular_and_hopeless_systems_are_errors_not_garbage() {
    // h = 0: HᵀH = 0.
    for method in all_methods() {
        let r = solve_normal(&[0.0, 0.0], &[1.0, 2.0, 3.0], 0.0, method);
        assert!(r.is_err(), "{method:?} should fail on h = 0: {r:?}");
    }
    // The binomial kernel (1 + z)⁸ has an eighth-order zero at the Nyquist frequency: the
    // smallest eigenvalue of HᵀH is about (π/n)¹⁶ ≈ 1e-24 for n = 100 — hopeless in f64.
    let h = [1.0, 8.0, 28.0, 56.0, 70.0, 56.0, 28.0, 8.0, 1.0];
    let y = lcg(11, 108);
    for method in [
        SolveMethod::Levinson,
        SolveMethod::Banded,
        SolveMethod::Dense,
        SolveMethod::Cg,
    ] {
        let r = solve_normal(&h, &y, 0.0, method);
        assert!(
            matches!(
                r,
                Err(DiscreteError::Singular { .. }) | Err(DiscreteError::NoConvergence { .. })
            ),
            "{method:?}: {r:?}"
        );
    }
    // Tikhonov regularisation makes it well posed.
    for method in all_methods() {
        assert!(
            solve_normal(&h, &y, 1.0, method).is_ok(),
            "{method:?} with λ = 1"
        );
    }
}

#[test]
fn fused_fft_gradient_matches_the_direct_route() {
    // Sizes where the cost model picks the FFT, including a prime n and m > n.
    for (n, m) in [(3001, 200), (4096, 64), (150, 900), (2000, 1500)] {
        let (x, h) = (lcg(n as u64, n), lcg(m as u64 + 7, m));
        let y = lcg(3, n + m - 1);
        let g = ls_gradient(&h, &x, &y).unwrap();
        let r = flipshift_discrete::ls_residual(&h, &x, &y).unwrap();
        let want = flipshift_discrete::correlate(&h, &r, Mode::Valid, Method::Direct).unwrap();
        // The FFT bound of tests/operators.rs applied twice (the residual, then Hᵀ), with
        // ‖r‖∞ ≤ ‖h‖₁‖x‖∞ + ‖y‖∞ standing in for the signal: 2·8·ε·log₂N·‖h‖₁·(‖h‖₁ + 1).
        let h1: f64 = h.iter().map(|v| v.abs()).sum();
        let tol = 16.0 * f64::EPSILON * ((n + 2 * m) as f64).log2() * h1 * (h1 + 1.0) + 1e-300;
        let worst = g
            .iter()
            .zip(&want)
            .fold(0.0f64, |a, (p, q)| a.max((p - q).abs()));
        assert_eq!(g.len(), n);
        assert!(worst <= tol, "n={n} m={m}: {worst:e} > {tol:e}");
    }
}

#[test]
fn normal_equations_scale_exactly_by_powers_of_two() {
    // (HᵀH + λI)x = Hᵀy is solved at magnitudes near 1 whatever the data's: h·2^k with λ·4^k
    // and y·2^j give x·2^(j−k) bit for bit, for every solver, far beyond the range where the
    // unscaled checks would overflow (h ~ 1e100 makes ‖HᵀH‖ ~ 1e200 and ‖Hᵀy‖² ~ 1e400).
    let h = [1.0, 0.5, -0.25, 0.125];
    let y = lcg(7, 40);
    let lambda = 0.3;
    for method in all_methods() {
        let (base, _) = solve_normal(&h, &y, lambda, method).unwrap();
        for (k, j) in [
            (332, 0),
            (-332, 0),
            (0, 498),
            (332, 498),
            (-332, -400),
            (1000, 0),
        ] {
            let (fh, fy) = (2f64.powi(k), 2f64.powi(j));
            let hk: Vec<f64> = h.iter().map(|v| v * fh).collect();
            let yk: Vec<f64> = y.iter().map(|v| v * fy).collect();
            let lk = lambda * fh * fh;
            if !lk.is_finite() || lk == 0.0 {
                continue;
            }
            let (x, _) = solve_normal(&hk, &yk, lk, method).unwrap();
            for (a, b) in x.iter().zip(&base) {
                assert_eq!(*a, b * (fy / fh), "{method:?}: h·2^{k}, y·2^{j}");
            }
        }
    }
    // λ so large against ‖h‖² that HᵀH fades below its rounding: x = Hᵀy/λ to working
    // precision, no overflow on the way.
    let (x, _) = solve_normal(&h, &y, 1e300, SolveMethod::Auto).unwrap();
    let hty = flipshift_discrete::correlate(&h, &y, Mode::Valid, Method::Direct).unwrap();
    for (a, b) in x.iter().zip(&hty) {
        // Relative error of HᵀH's contribution: ‖h‖²/λ ~ 1e-300, far below ε.
        assert!((a - b / 1e300).abs() <= 4.0 * f64::EPSILON * (b / 1e300).abs() + 1e-320);
    }
    // An answer beyond the double range is a typed error, not ∞ or a panic.
    let tiny: Vec<f64> = h.iter().map(|v| v * 1e-200).collect();
    let huge: Vec<f64> = y.iter().map(|v| v * 1e200).collect();
    for method in all_methods() {
        let r = solve_normal(&tiny, &huge, 0.0, method);
        assert!(
            matches!(r, Err(DiscreteError::InvalidParameter { .. })),
            "{method:?}: {r:?}"
        );
    }
}
