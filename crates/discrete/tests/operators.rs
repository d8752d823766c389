//! Convolution operators: SciPy's modes, direct = Toeplitz = FFT, adjoints, Jacobians.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use flipshift_discrete::{
    DirectConv, FftConv, Layout, LinearOp, Method, Mode, ToeplitzConv, conv_matrix, convolve,
    correlate, jacobian,
};
use nalgebra::DVector;
use proptest::prelude::*;

const EPS: f64 = f64::EPSILON;

fn norm1(v: &[f64]) -> f64 {
    v.iter().map(|x| x.abs()).sum()
}
fn norm_inf(v: &[f64]) -> f64 {
    v.iter().fold(0.0, |a, x| a.max(x.abs()))
}

/// FFT convolution error bound, entrywise: each of the three transforms perturbs by at most
/// c₀·ε·log₂N relative in the 2-norm (c₀ ≈ 1–2 for rustfft's radix kernels); the pointwise
/// product is bounded by ‖ĥ‖∞ ≤ ‖h‖₁, and rounding noise spreads evenly over the N outputs,
/// so |error_k| ≲ 3·c₀·ε·log₂N·‖h‖₁‖x‖∞. We test with c = 8 (c₀ = 2 plus margin), and add
/// the direct sum's own m·ε·‖h‖₁‖x‖∞ since it is the reference.
fn fft_tol(x: &[f64], h: &[f64]) -> f64 {
    let n = (x.len() + h.len()) as f64;
    (8.0 * n.log2().max(1.0) + h.len().min(x.len()) as f64) * EPS * norm1(h) * norm_inf(x)
}

fn mode_of(s: &str) -> Mode {
    s.parse().unwrap()
}

#[test]
fn modes_match_scipy_in_length_alignment_and_value() {
    let data: serde_json::Value =
        serde_json::from_str(include_str!("data/scipy_refs.json")).unwrap();
    let vec = |v: &serde_json::Value| -> Vec<f64> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_f64().unwrap())
            .collect()
    };
    for case in data["cases"].as_array().unwrap() {
        let (x, h) = (vec(&case["x"]), vec(&case["h"]));
        for mode in ["full", "same", "valid"] {
            for method in [Method::Direct, Method::Fft, Method::Auto] {
                let want = vec(&case[format!("conv_{mode}")]);
                let got = convolve(&h, &x, mode_of(mode), method).unwrap();
                assert_eq!(
                    got.len(),
                    want.len(),
                    "conv {mode} n={} m={}",
                    x.len(),
                    h.len()
                );
                for (g, w) in got.iter().zip(&want) {
                    assert!(
                        (g - w).abs() <= fft_tol(&x, &h),
                        "conv {mode} {method:?}: {got:?} vs {want:?}"
                    );
                }
                let want = vec(&case[format!("corr_{mode}")]);
                let got = correlate(&h, &x, mode_of(mode), method).unwrap();
                assert_eq!(
                    got.len(),
                    want.len(),
                    "corr {mode} n={} m={}",
                    x.len(),
                    h.len()
                );
                for (g, w) in got.iter().zip(&want) {
                    assert!(
                        (g - w).abs() <= fft_tol(&x, &h),
                        "corr {mode} {method:?}: {got:?} vs {want:?}"
                    );
                }
            }
        }
    }
}

#[test]
fn bad_inputs_are_typed_errors() {
    assert!(convolve(&[1.0], &[], Mode::Full, Method::Auto).is_err());
    assert!(convolve(&[], &[1.0], Mode::Full, Method::Auto).is_err());
    assert!(convolve(&[1.0], &[1.0, f64::NAN], Mode::Full, Method::Auto).is_err());
    assert!(correlate(&[f64::INFINITY], &[1.0], Mode::Same, Method::Fft).is_err());
    assert!(conv_matrix(&[1.0], 0, Mode::Full).is_err());
    let op = ToeplitzConv::new(&[1.0, 2.0], 3, Mode::Full).unwrap();
    assert!(op.apply(&DVector::from_vec(vec![1.0, 2.0])).is_err());
    let op = FftConv::new(&[1.0, 2.0], 3, Mode::Same).unwrap();
    assert!(op.apply_adjoint(&DVector::from_vec(vec![1.0; 4])).is_err());
}

#[test]
fn each_row_of_h_is_the_flipped_kernel_shifted() {
    let h = [1.0, 2.0, 3.0];
    let jac = jacobian(&h, 5, Mode::Full, Layout::Numerator).unwrap();
    assert_eq!(jac.shape(), (7, 5));
    for k in 0..7 {
        for j in 0..5 {
            let want = if k >= j && k - j < 3 { h[k - j] } else { 0.0 };
            assert_eq!(jac[(k, j)], want);
        }
    }
    // Row 3 reads 0, 3, 2, 1, 0: h reversed, placed to end at column 3.
    assert_eq!(
        jac.row(3).iter().copied().collect::<Vec<_>>(),
        vec![0.0, 3.0, 2.0, 1.0, 0.0]
    );
    let den = jacobian(&h, 5, Mode::Same, Layout::Denominator).unwrap();
    assert_eq!(
        den,
        jacobian(&h, 5, Mode::Same, Layout::Numerator)
            .unwrap()
            .transpose()
    );
    // Jacobian times x is the convolution, in every mode.
    let x = [0.5, -1.0, 2.0, 0.25, 3.0];
    for mode in [Mode::Full, Mode::Same, Mode::Valid] {
        let z = convolve(&h, &x, mode, Method::Direct).unwrap();
        let hx = jacobian(&h, 5, mode, Layout::Numerator).unwrap() * DVector::from_column_slice(&x);
        assert_eq!(hx.as_slice(), z.as_slice(), "{mode:?}");
    }
}

fn vecs() -> impl Strategy<Value = (Vec<f64>, Vec<f64>, Vec<f64>)> {
    // Sizes include 1, primes, m > n; the third vector is a test vector in the full range.
    (1usize..40, 1usize..24).prop_flat_map(|(n, m)| {
        (
            prop::collection::vec(-1.0f64..1.0, n),
            prop::collection::vec(-1.0f64..1.0, m),
            prop::collection::vec(-1.0f64..1.0, n + m - 1),
        )
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn direct_toeplitz_and_fft_agree((x, h, _r) in vecs()) {
        for mode in [Mode::Full, Mode::Same, Mode::Valid] {
            let xv = DVector::from_column_slice(&x);
            let d = DirectConv::new(&h, x.len(), mode).unwrap().apply(&xv).unwrap();
            let t = ToeplitzConv::new(&h, x.len(), mode).unwrap().apply(&xv).unwrap();
            let f = FftConv::new(&h, x.len(), mode).unwrap().apply(&xv).unwrap();
            let a = convolve(&h, &x, mode, Method::Fft).unwrap();
            let tol = fft_tol(&x, &h);
            prop_assert_eq!(d.len(), mode.len(x.len(), h.len()));
            for i in 0..d.len() {
                prop_assert!((d[i] - t[i]).abs() <= tol && (d[i] - f[i]).abs() <= tol && (d[i] - a[i]).abs() <= tol,
                    "{:?} at {}: direct {} toeplitz {} fft-op {} fft {}", mode, i, d[i], t[i], f[i], a[i]);
            }
        }
    }

    #[test]
    fn adjoint_identity_holds_for_every_operator((x, h, r) in vecs()) {
        // ⟨Ax, r⟩ = ⟨x, A*r⟩ to 1e-12 relative to ‖Ax‖‖r‖ (each side is a sum of at most
        // (n+m)² products of numbers ≤ 1: rounding ≲ 64·ε·(n+m) ≪ 1e-12 of the scale here).
        for mode in [Mode::Full, Mode::Same, Mode::Valid] {
            let (n, m) = (x.len(), h.len());
            let xv = DVector::from_column_slice(&x);
            let rv = DVector::from_column_slice(&r[..mode.len(n, m)]);
            let ops: Vec<Box<dyn LinearOp<Domain = DVector<f64>, Range = DVector<f64>>>> = vec![
                Box::new(DirectConv::new(&h, n, mode).unwrap()),
                Box::new(ToeplitzConv::new(&h, n, mode).unwrap()),
                Box::new(FftConv::new(&h, n, mode).unwrap()),
            ];
            for op in &ops {
                let ax = op.apply(&xv).unwrap();
                let atr = op.apply_adjoint(&rv).unwrap();
                let lhs = ax.dot(&rv);
                let rhs = xv.dot(&atr);
                let scale = ax.norm() * rv.norm() + xv.norm() * atr.norm();
                prop_assert!((lhs - rhs).abs() <= 1e-12 * scale.max(f64::MIN_POSITIVE), "{:?}: {} vs {}", mode, lhs, rhs);
            }
        }
    }

    #[test]
    fn convolution_commutes_in_full_mode((x, h, _r) in vecs()) {
        let a = convolve(&h, &x, Mode::Full, Method::Direct).unwrap();
        let b = convolve(&x, &h, Mode::Full, Method::Direct).unwrap();
        for (p, q) in a.iter().zip(&b) {
            prop_assert!((p - q).abs() <= fft_tol(&x, &h));
        }
    }
}

#[test]
fn large_fft_agrees_with_the_direct_sum_within_the_derived_bound() {
    // Overlap-add is exercised when m ≪ n; a prime n avoids lucky transform lengths.
    let n = 20_011;
    let x: Vec<f64> = (0..n)
        .map(|i| ((i * 7919) % 1000) as f64 / 500.0 - 1.0)
        .collect();
    for m in [3usize, 64, 1001] {
        let h: Vec<f64> = (0..m)
            .map(|i| ((i * 104_729) % 997) as f64 / 498.5 - 1.0)
            .collect();
        let d = convolve(&h, &x, Mode::Full, Method::Direct).unwrap();
        let f = convolve(&h, &x, Mode::Full, Method::Fft).unwrap();
        let tol = fft_tol(&x, &h);
        let worst = d
            .iter()
            .zip(&f)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f64::max);
        assert!(worst <= tol, "m = {m}: worst {worst:e} > {tol:e}");
    }
}
