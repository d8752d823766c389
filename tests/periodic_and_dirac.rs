//! The command line for periodic problems and Dirac kernels (docs/cli.md): circular mode of the
//! discrete commands against dense circulant matrices, the errors it refuses with.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::needless_range_loop)]

mod common;

use common::*;

fn close(got: &[f64], want: &[f64], tol: f64) {
    assert_eq!(got.len(), want.len(), "{got:?} vs {want:?}");
    for (g, w) in got.iter().zip(want) {
        assert!((g - w).abs() <= tol, "{got:?} vs {want:?}");
    }
}

/// H_kj = h_{(k−j) mod n}, by hand.
fn circulant(h: &[f64], n: usize) -> Vec<Vec<f64>> {
    (0..n)
        .map(|k| {
            (0..n)
                .map(|j| h.get((k + n - j) % n).copied().unwrap_or(0.0))
                .collect()
        })
        .collect()
}

fn matvec(a: &[Vec<f64>], x: &[f64]) -> Vec<f64> {
    a.iter()
        .map(|r| r.iter().zip(x).map(|(p, q)| p * q).sum())
        .collect()
}

fn transpose(a: &[Vec<f64>]) -> Vec<Vec<f64>> {
    (0..a[0].len())
        .map(|j| a.iter().map(|r| r[j]).collect())
        .collect()
}

#[test]
fn circular_conv_corr_jacobian_and_grad_are_the_circulant_matrix() {
    let (h, x, y) = (
        [0.5, -1.0, 2.0],
        [1.0, 2.0, -3.0, 0.25, 4.0],
        [0.0, 1.0, 1.0, -2.0, 0.5],
    );
    let hf = tmp("h.json", "[0.5, -1, 2]");
    let xf = tmp("x.json", "[1, 2, -3, 0.25, 4]");
    let yf = tmp("y.json", "[0, 1, 1, -2, 0.5]");
    let hm = circulant(&h, 5);
    let z = matvec(&hm, &x);
    let v = json_ok(&[
        "conv",
        "--x",
        arg(&xf),
        "--h",
        arg(&hf),
        "--mode",
        "circular",
    ]);
    assert_eq!(v["mode"], "circular");
    close(&values(&v), &z, 1e-13);
    let v = json_ok(&[
        "corr",
        "--x",
        arg(&xf),
        "--h",
        arg(&hf),
        "--mode",
        "circular",
    ]);
    close(&values(&v), &matvec(&transpose(&hm), &x), 1e-13);
    let v = json_ok(&[
        "jacobian",
        "--h",
        arg(&hf),
        "--n",
        "5",
        "--mode",
        "circular",
    ]);
    assert_eq!(v["shape"], serde_json::json!([5, 5]));
    let rows: Vec<Vec<f64>> = serde_json::from_value(v["values"].clone()).unwrap();
    assert_eq!(rows, hm);
    let v = json_ok(&[
        "grad",
        "--x",
        arg(&xf),
        "--h",
        arg(&hf),
        "--y",
        arg(&yf),
        "--mode",
        "circular",
    ]);
    let r: Vec<f64> = z.iter().zip(&y).map(|(a, b)| a - b).collect();
    close(&values(&v), &matvec(&transpose(&hm), &r), 1e-12);
    let j = 0.5 * r.iter().map(|v| v * v).sum::<f64>();
    assert!((v["J"].as_f64().unwrap() - j).abs() < 1e-12);
}

#[test]
fn circular_solve_inverts_a_shift_and_regularises() {
    // A pure cyclic shift is orthogonal: λ = 0 recovers x exactly.
    let hf = tmp("shift.json", "[0, 1]");
    let yf = tmp("ys.json", "[4, 1, 2, 3]");
    let v = json_ok(&[
        "solve",
        "--h",
        arg(&hf),
        "--y",
        arg(&yf),
        "--mode",
        "circular",
    ]);
    assert_eq!(v["solver"], "fourier");
    close(&values(&v), &[1.0, 2.0, 3.0, 4.0], 1e-14);
    assert!((v["condition"].as_f64().unwrap() - 1.0).abs() < 1e-12);
    // λ > 0 against the dense normal equations, solved by Gauss–Jordan here.
    let h = [1.0, 0.5, 0.25];
    let y = [1.0, -1.0, 2.0, 0.0, 3.0, 1.5];
    let lambda = 0.1;
    let hm = circulant(&h, 6);
    let ht = transpose(&hm);
    let mut a: Vec<Vec<f64>> = (0..6)
        .map(|i| {
            let mut row: Vec<f64> = (0..6)
                .map(|j| (0..6).map(|k| ht[i][k] * hm[k][j]).sum::<f64>())
                .collect();
            row[i] += lambda;
            row.push(matvec(&ht, &y)[i]);
            row
        })
        .collect();
    for c in 0..6 {
        let p = a[c][c];
        for j in 0..7 {
            a[c][j] /= p;
        }
        for r in 0..6 {
            if r != c {
                let f = a[r][c];
                for j in 0..7 {
                    a[r][j] -= f * a[c][j];
                }
            }
        }
    }
    let want: Vec<f64> = a.iter().map(|r| r[6]).collect();
    let hf = tmp("h3.json", "[1, 0.5, 0.25]");
    let yf = tmp("y6.json", "[1, -1, 2, 0, 3, 1.5]");
    let v = json_ok(&[
        "solve",
        "--h",
        arg(&hf),
        "--y",
        arg(&yf),
        "--mode",
        "circular",
        "--lambda",
        "0.1",
    ]);
    close(&values(&v), &want, 1e-12);
    assert!(v["residual_norm"].as_f64().unwrap() < 1e-13);
}

#[test]
fn circular_mode_refuses_what_has_no_answer() {
    let hf = tmp("pair.json", "[1, 1]");
    let yf = tmp("y4.json", "[1, 2, 3, 4]");
    // (1, 1) on 4 points: ĥ_2 = 1 − 1 + 1 − 1... = 0, so HᵀH is singular.
    assert_bad_input(
        &[
            "solve",
            "--h",
            arg(&hf),
            "--y",
            arg(&yf),
            "--mode",
            "circular",
        ],
        "frequency k = 2",
    );
    let long = tmp("long.json", "[1, 2, 3, 4, 5]");
    assert_bad_input(
        &[
            "conv",
            "--x",
            arg(&yf),
            "--h",
            arg(&long),
            "--mode",
            "circular",
        ],
        "at most as long as the signal",
    );
    assert_bad_input(
        &[
            "grad",
            "--x",
            arg(&yf),
            "--h",
            arg(&hf),
            "--y",
            arg(&hf),
            "--mode",
            "circular",
        ],
        "as long as x",
    );
    assert_bad_input(
        &[
            "solve",
            "--h",
            arg(&hf),
            "--y",
            arg(&yf),
            "--mode",
            "circular",
            "--method",
            "cg",
        ],
        "--method",
    );
    assert_bad_input(
        &[
            "grad",
            "--x",
            arg(&yf),
            "--h",
            arg(&hf),
            "--y",
            arg(&yf),
            "--mode",
            "same",
        ],
        "--mode",
    );
}

#[test]
fn periodic_convolve_matches_closed_forms_and_refuses_bad_periods() {
    // cos(2πt) ⊛ (cos(2πt) + sin(4πt)) on the period 1 is ½cos(2πt).
    let v = json_ok(&[
        "convolve",
        "--h",
        "cos(2*pi*t)",
        "--x",
        "cos(2*pi*t) + sin(4*pi*t)",
        "--period",
        "1",
        "--t",
        "0,0.1,0.25,3.7",
    ]);
    assert_eq!(v["period"], 1.0);
    let want: Vec<f64> = [0.0, 0.1, 0.25, 3.7]
        .iter()
        .map(|t: &f64| 0.5 * (2.0 * std::f64::consts::PI * t).cos())
        .collect();
    close(&values(&v), &want, 1e-14);
    // The sawtooth t on [0, 2) repeated, against cos(πt): −(P²/2π) sin(πt).
    let v = json_ok(&[
        "convolve",
        "--h",
        "t",
        "--x",
        "cos(pi*t)",
        "--period",
        "2",
        "--t",
        "0.3,1.1,-0.4",
        "--tol",
        "1e-10",
    ]);
    let want: Vec<f64> = [0.3, 1.1, -0.4]
        .iter()
        .map(|t: &f64| -(4.0 / (2.0 * std::f64::consts::PI)) * (std::f64::consts::PI * t).sin())
        .collect();
    let bounds: Vec<f64> = serde_json::from_value(v["error_estimates"].clone()).unwrap();
    for ((g, w), b) in values(&v).iter().zip(&want).zip(&bounds) {
        assert!(
            (g - w).abs() <= *b && *b <= 1e-10 * w.abs().max(1e-300) + 1e-15,
            "{g} {w} {b}"
        );
    }
    for p in ["0", "-1", "inf", "nan"] {
        assert_bad_input(
            &[
                "convolve", "--h", "t", "--x", "1", "--period", p, "--t", "0",
            ],
            "--period",
        );
    }
    assert_bad_input(
        &[
            "convolve",
            "--h",
            "t",
            "--x",
            "1",
            "--period",
            "1",
            "--t",
            "0",
            "--method",
            "closed-form",
        ],
        "--method",
    );
}
