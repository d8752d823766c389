//! Circular mode: NumPy's FFT references (committed, `data/gen_circular_refs.py`) to 1e-12,
//! and the circulant matrix built densely as an independent check.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use flipshift_discrete::{
    DiscreteError, Layout, SolveMethod, circulant_eigenvalues, circulant_matrix, circular_convolve,
    circular_correlate, circular_jacobian, circular_ls_cost, circular_ls_gradient, circular_solve,
    solve_normal,
};
use nalgebra::{DMatrix, DVector};

fn vec(v: &serde_json::Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

fn norm_inf(v: &[f64]) -> f64 {
    v.iter().fold(0.0, |a, x| a.max(x.abs()))
}

/// Entrywise agreement to 1e-12 relative to the reference's largest entry (at least 1).
fn assert_close(what: &str, got: &[f64], want: &[f64]) {
    assert_eq!(got.len(), want.len(), "{what}: length");
    let scale = norm_inf(want).max(1.0);
    for (k, (g, w)) in got.iter().zip(want).enumerate() {
        assert!(
            (g - w).abs() <= 1e-12 * scale,
            "{what}[{k}]: {g} vs NumPy {w} (difference {:e})",
            (g - w).abs()
        );
    }
}

fn cases() -> Vec<serde_json::Value> {
    let data: serde_json::Value =
        serde_json::from_str(include_str!("data/circular_refs.json")).unwrap();
    data["cases"].as_array().unwrap().clone()
}

#[test]
fn convolution_correlation_gradient_and_cost_match_numpy() {
    for c in cases() {
        let (x, h, y) = (vec(&c["x"]), vec(&c["h"]), vec(&c["y"]));
        let tag = format!("n = {}, m = {}", x.len(), h.len());
        assert_close(
            &format!("conv {tag}"),
            &circular_convolve(&h, &x).unwrap(),
            &vec(&c["conv"]),
        );
        assert_close(
            &format!("corr {tag}"),
            &circular_correlate(&h, &x).unwrap(),
            &vec(&c["corr"]),
        );
        assert_close(
            &format!("grad {tag}"),
            &circular_ls_gradient(&h, &x, &y).unwrap(),
            &vec(&c["grad"]),
        );
        let cost = circular_ls_cost(&h, &x, &y).unwrap();
        let want = c["cost"].as_f64().unwrap();
        assert!(
            (cost - want).abs() <= 1e-12 * want.max(1.0),
            "cost {tag}: {cost} vs {want}"
        );
        let eig = circulant_eigenvalues(&h, x.len()).unwrap();
        let re: Vec<f64> = eig.iter().map(|p| p.0).collect();
        let im: Vec<f64> = eig.iter().map(|p| p.1).collect();
        assert_close(&format!("eig re {tag}"), &re, &vec(&c["eig_re"]));
        assert_close(&format!("eig im {tag}"), &im, &vec(&c["eig_im"]));
    }
}

#[test]
fn fourier_solve_matches_numpy() {
    let mut solved = 0;
    for c in cases() {
        let (h, y) = (vec(&c["h"]), vec(&c["y"]));
        for s in c["solve"].as_array().unwrap() {
            let lambda = s["lambda"].as_f64().unwrap();
            let (x, info) = circular_solve(&h, &y, lambda).unwrap();
            let tag = format!("solve n = {}, m = {}, λ = {lambda}", y.len(), h.len());
            assert_close(&tag, &x, &vec(&s["x"]));
            assert!(
                info.residual_norm < 1e-12,
                "{tag}: residual {:e}",
                info.residual_norm
            );
            solved += 1;
        }
    }
    assert!(solved >= 40, "only {solved} solves compared");
}

#[test]
fn the_dense_circulant_matrix_agrees_with_every_fft_path() {
    for c in cases() {
        let (x, h, y) = (vec(&c["x"]), vec(&c["h"]), vec(&c["y"]));
        let n = x.len();
        let hm = circulant_matrix(&h, n).unwrap();
        // Row k is the kernel flipped and shifted to k, wrapped: H_kj = h_{(k−j) mod n}.
        for k in 0..n {
            for j in 0..n {
                let i = (k + n - j) % n;
                assert_eq!(hm[(k, j)], h.get(i).copied().unwrap_or(0.0));
            }
        }
        let xv = DVector::from_vec(x.clone());
        let yv = DVector::from_vec(y.clone());
        let z = &hm * &xv;
        assert_close(
            "dense Hx",
            &circular_convolve(&h, &x).unwrap(),
            z.as_slice(),
        );
        let c_t = hm.transpose() * &xv;
        assert_close(
            "dense Hᵀx",
            &circular_correlate(&h, &x).unwrap(),
            c_t.as_slice(),
        );
        let g = hm.transpose() * (&z - &yv);
        assert_close(
            "dense Hᵀ(Hx − y)",
            &circular_ls_gradient(&h, &x, &y).unwrap(),
            g.as_slice(),
        );
        assert_eq!(circular_jacobian(&h, n, Layout::Numerator).unwrap(), hm);
        assert_eq!(
            circular_jacobian(&h, n, Layout::Denominator).unwrap(),
            hm.transpose()
        );
        // The normal equations, solved densely (LU) for λ > 0.
        let lambda = 0.25;
        let a = hm.transpose() * &hm + DMatrix::identity(n, n) * lambda;
        let want = a.lu().solve(&(hm.transpose() * &yv)).unwrap();
        let (got, _) = circular_solve(&h, &y, lambda).unwrap();
        assert_close("dense solve", &got, want.as_slice());
    }
}

#[test]
fn pure_shift_is_inverted_exactly() {
    // h = δ_2: H is a cyclic shift by 2, orthogonal, so λ = 0 gives back the signal.
    let x = [1.0, -2.0, 3.5, 0.25, 7.0];
    let h = [0.0, 0.0, 1.0];
    let y = circular_convolve(&h, &x).unwrap();
    assert_close("shift", &y, &[0.25, 7.0, 1.0, -2.0, 3.5]);
    let (back, info) = circular_solve(&h, &y, 0.0).unwrap();
    assert_close("unshift", &back, &x);
    assert!((info.condition - 1.0).abs() < 1e-12);
}

#[test]
fn a_zero_eigenvalue_without_regularisation_names_its_frequency() {
    // (1, 1) padded to 4 has ĥ_2 = 1 − 1 = 0; (1, −1) has ĥ_0 = 0; (1, 1, 1) on 6 points
    // vanishes at k = 2 and k = 4 (the first is named).
    for (h, n, k) in [
        (vec![1.0, 1.0], 4, 2),
        (vec![1.0, -1.0], 5, 0),
        (vec![1.0, 1.0, 1.0], 6, 2),
    ] {
        let y: Vec<f64> = (0..n).map(|i| (i as f64).sin()).collect();
        let err = circular_solve(&h, &y, 0.0).unwrap_err();
        let msg = err.to_string();
        assert!(matches!(err, DiscreteError::Singular { .. }), "{msg}");
        assert!(
            msg.contains(&format!("frequency k = {k} of n = {n}")),
            "{msg}"
        );
        // Regularised, the same system is fine.
        assert!(circular_solve(&h, &y, 1e-3).is_ok());
    }
}

#[test]
fn bad_lengths_and_values_are_refused() {
    assert!(matches!(
        circular_convolve(&[1.0, 2.0, 3.0], &[1.0, 2.0]),
        Err(DiscreteError::Length { what: "h", .. })
    ));
    assert!(matches!(
        circular_ls_gradient(&[1.0], &[1.0, 2.0], &[1.0]),
        Err(DiscreteError::Length { what: "y", .. })
    ));
    assert!(circular_convolve(&[], &[1.0]).is_err());
    assert!(circular_convolve(&[1.0], &[f64::NAN]).is_err());
    assert!(circulant_matrix(&[1.0], 0).is_err());
    assert!(circular_solve(&[1.0], &[1.0], -1.0).is_err());
    assert!(circular_solve(&[1.0], &[1.0], f64::INFINITY).is_err());
}

#[test]
fn a_gradient_beyond_the_double_range_is_an_overflow_error() {
    // (Hx)_0 = 1e300·1e300 overflows although every input is finite; as on the line, the
    // error names the computed residual, not an input.
    let e =
        circular_ls_gradient(&[1e300, 1.0], &[1e300, 1e300, 1.0], &[1.0, 2.0, 3.0]).unwrap_err();
    assert!(
        matches!(
            e,
            DiscreteError::Overflow {
                what: "the residual Hx − y",
                ..
            }
        ),
        "{e:?}"
    );
}

#[test]
fn a_solution_beyond_the_double_range_is_refused_as_on_the_line() {
    // ĥ = (1.5e-300, 0.5e-300) and ŷ ≈ (1e300, 1e300): x ≈ 10^600. The scaled solve is
    // finite; the scale is what leaves the double range, and the error says so (it used to
    // call the solution a non-finite input).
    let (h, y) = ([1e-300, 0.5e-300], [1e300, 1.0]);
    let e = circular_solve(&h, &y, 0.0).unwrap_err();
    assert!(
        matches!(e, DiscreteError::InvalidParameter { what: "h, y and λ", ref reason }
            if reason.contains("10^600")),
        "{e}"
    );
    // The same data on the line: the same refusal.
    let line = solve_normal(&h, &[1e300, 1.0, 3.0], 0.0, SolveMethod::Auto).unwrap_err();
    assert!(line.to_string().contains("10^600"), "{line}");
    // A solution below the normal range is refused too, not returned as subnormal noise.
    let e = circular_solve(&[1e300, 0.5e300], &[1e-300, 1e-300], 0.0).unwrap_err();
    assert!(
        e.to_string().contains("below the smallest normal double"),
        "{e}"
    );
    // A singular system in the scaled units: ĥ_1 = 0 exactly and a λ too small to matter
    // after the scaling is a solution of 0 there, not a division by zero.
    let (x, _) = circular_solve(&[1.0, 1.0], &[1.0, 3.0], 1e-300).unwrap();
    assert_close("λ tiny", &x, &[1.0, 1.0]);
    // A λ that underflows in the scaled units leaves 0/0 there: singular, naming λ.
    let e = circular_solve(&[1.0, 1.0], &[1.0, 3.0], 5e-324).unwrap_err();
    assert!(
        matches!(e, DiscreteError::Singular { ref detail } if detail.contains("λ = 5e-324")),
        "{e}"
    );
}

#[test]
fn extreme_scales_neither_overflow_nor_underflow() {
    let x = [1e300, -2e300, 3e300, 0.5e300];
    let h = [1e-300, 2e-300];
    let z = circular_convolve(&h, &x).unwrap();
    let want = [1.0 + 1.0, -2.0 + 2.0, 3.0 - 4.0, 0.5 + 6.0];
    assert_close("scaled", &z, &want);
    let tiny = [1e-310, 3e-310];
    let z = circular_convolve(&[2.0], &tiny).unwrap();
    assert!((z[1] - 6e-310).abs() <= 1e-323, "{:e}", z[1]);
    // The solve and its residual check: h·2^300 and y·2^−600 give x·2^−900 exactly (powers of
    // two), with λ·2^600 — and the same relative residual as the unscaled problem.
    let (h, y) = ([1.0, 0.5, -0.25], [1.0, -2.0, 0.5, 3.0, 1.5]);
    let (x, info) = circular_solve(&h, &y, 0.1).unwrap();
    let s = |v: &[f64], e: i32| -> Vec<f64> { v.iter().map(|a| a * 2f64.powi(e)).collect() };
    let (xs, big) = circular_solve(&s(&h, 300), &s(&y, -600), 0.1 * 2f64.powi(600)).unwrap();
    // Every scaling is by a power of two and no value leaves the normal range: the same
    // arithmetic, so the same bits.
    assert_eq!(s(&xs, 900), x);
    assert_eq!(big.residual_norm, info.residual_norm);
    assert_eq!(big.condition, info.condition);
    // And the residual check does check: the normal equations hold to the transforms'
    // rounding, a few ε·log₂n relative, amplified at most by the condition number.
    let rounding = 8.0 * f64::EPSILON * 5f64.log2() * info.condition;
    assert!(info.residual_norm <= rounding, "{info:?} > {rounding:e}");
}
