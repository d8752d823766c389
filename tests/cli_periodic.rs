//! The command line on a period (docs/cli.md): closed forms of trigonometric polynomials,
//! the periodic functional derivative and least-squares gradient, and `check --period` with
//! its geometric and algebraic cases, each against a hand-worked or analytical reference.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use std::f64::consts::PI;

#[test]
fn convolve_period_is_exact_for_trigonometric_polynomials() {
    // P = 3: (2 + 3 sin ωt) ⊛ (½ + 4 cos ωt − sin 2ωt) = 3 + 18 sin ωt, by hand.
    let t = [-2.3, 0.0, 0.75, 1.1, 10.0];
    let v = json_ok(&[
        "convolve",
        "--h",
        "2 + 3*sin(2*pi*t/3)",
        "--x",
        "0.5 + 4*cos(2*pi*t/3) - sin(4*pi*t/3)",
        "--period",
        "3",
        "--t",
        "-2.3,0,0.75,1.1,10",
    ]);
    assert_eq!(v["method"], "closed-form");
    assert_eq!(v["family"], "trigonometric polynomial");
    assert_eq!(v["symbolic"], "3 + 18·sin(2π·t/3)");
    assert_eq!(numbers(&v["coefficients"]["sin"]), vec![0.0, 18.0]);
    let (z, b) = (numbers(&v["values"]), numbers(&v["error_estimates"]));
    for i in 0..t.len() {
        let want = 3.0 + 18.0 * (2.0 * PI * t[i] / 3.0).sin();
        assert!(
            (z[i] - want).abs() <= 1e-14 * want.abs().max(1.0),
            "{} vs {want}",
            z[i]
        );
        assert!((z[i] - want).abs() <= b[i] + 4.0 * f64::EPSILON * want.abs());
    }
    // Not a trigonometric polynomial of the period: auto integrates, closed-form refuses.
    let v = json_ok(&[
        "convolve",
        "--h",
        "t",
        "--x",
        "cos(pi*t)",
        "--period",
        "2",
        "--t",
        "0.3",
        "--tol",
        "1e-10",
    ]);
    assert_eq!(v["method"], "quadrature");
    assert_bad_input(
        &[
            "convolve",
            "--h",
            "cos(t)",
            "--x",
            "1",
            "--period",
            "1",
            "--t",
            "0",
            "--method",
            "closed-form",
        ],
        "not a whole multiple",
    );
}

#[test]
fn derivative_period_is_the_periodic_kernel_flipped_and_checked() {
    // h = t on [0, 1) repeated, t0 = 0.25: h_P(0.25 − τ) = (0.25 − τ) mod 1.
    let v = json_ok(&[
        "derivative",
        "--h",
        "t",
        "--t0",
        "0.25",
        "--period",
        "1",
        "--tau",
        "0,0.2,0.5,0.9,1.5,-0.3",
        "--x",
        "cos(2*pi*t)",
        "--gateaux",
    ]);
    let want: Vec<f64> = [0.0, 0.2, 0.5, 0.9, 1.5, -0.3]
        .iter()
        .map(|tau: &f64| (0.25 - tau).rem_euclid(1.0))
        .collect();
    for (g, w) in numbers(&v["values"]).iter().zip(&want) {
        assert!((g - w).abs() <= 4.0 * f64::EPSILON, "{g} vs {w}");
    }
    // z(t0) = −(P²/2π) sin(2π t0) for the sawtooth against cos (hand-worked).
    let z = v["z_t0"].as_f64().unwrap();
    assert!((z + 1.0 / (2.0 * PI)).abs() <= v["z_t0_error_estimate"].as_f64().unwrap());
    assert!(v["gateaux"]["rel_discrepancy"].as_f64().unwrap() < 1e-8);
    assert_bad_input(
        &[
            "derivative",
            "--h",
            "t",
            "--t0",
            "0",
            "--period",
            "1",
            "--x",
            "1",
            "--gateaux",
            "--bump",
            "0.9,0.2",
        ],
        "within one period",
    );
    assert_bad_input(
        &["derivative", "--h", "t", "--t0", "0", "--period", "-2"],
        "--period",
    );
}

#[test]
fn lsgrad_period_matches_the_hand_worked_gradient() {
    // P = 2, h = 1 + sin πt, x = cos πt, y = ½: r = sin πt − ½, δJ/δx(s) = −1 + cos πs, J = ¾.
    let s = [0.0, 0.3, 1.25];
    let v = json_ok(&[
        "lsgrad",
        "--h",
        "1 + sin(pi*t)",
        "--x",
        "cos(pi*t)",
        "--y",
        "0.5",
        "--s",
        "0,0.3,1.25",
        "--period",
        "2",
    ]);
    assert_eq!(v["method"], "closed-form");
    for (g, si) in numbers(&v["values"]).iter().zip(s) {
        assert!((g - (-1.0 + (PI * si).cos())).abs() <= 1e-14, "{g}");
    }
    assert!((v["J"].as_f64().unwrap() - 0.75).abs() <= 1e-14);
    // Not a trigonometric polynomial: nested quadrature, against the worked answer. The
    // sawtooth h = t on [0, 2), x = cos πt, y = 0: r = −(2/π) sin πt,
    // δJ/δx(s) = (4/π²) cos πs, J = 2/π².
    let s = [0.0, 0.25, 1.1, -0.7];
    let v = json_ok(&[
        "lsgrad",
        "--h",
        "t",
        "--x",
        "cos(pi*t)",
        "--y",
        "0",
        "--s",
        "0,0.25,1.1,-0.7",
        "--period",
        "2",
    ]);
    assert_eq!(v["method"], "quadrature");
    let (g, b) = (numbers(&v["values"]), numbers(&v["error_estimates"]));
    for k in 0..s.len() {
        let want = 4.0 / (PI * PI) * (PI * s[k]).cos();
        assert!((g[k] - want).abs() <= b[k], "{} vs {want} ± {}", g[k], b[k]);
        assert!(b[k] <= 1e-8, "bound {}", b[k]);
    }
    let (j, je) = (
        v["J"].as_f64().unwrap(),
        v["error_estimate"].as_f64().unwrap(),
    );
    assert!((j - 2.0 / (PI * PI)).abs() <= je);
}

#[test]
fn check_period_converges_geometrically_for_a_smooth_kernel() {
    // h = 1/(a − cos 2πt): the trapezoidal error of a function analytic in the strip
    // |Im t| < arccosh(a)/2π falls like e^{−N·arccosh a}, so each halving of Δ = 1/N
    // multiplies the accuracy by e^{N·arccosh a} (N the coarser count).
    let v = json_ok(&[
        "check",
        "--h",
        "1/(1.5 - cos(2*pi*t))",
        "--x",
        "sin(2*pi*t)",
        "--period",
        "1",
    ]);
    assert_eq!(v["convergence"]["case"], "geometric");
    assert!(v["orders"]["conv"].is_null());
    let ratios = numbers(&v["ratios"]["conv"]);
    let deltas = numbers(&v["deltas"]);
    let c = 1.5f64.acosh();
    assert!(ratios.len() >= 2, "{ratios:?}");
    for (i, r) in ratios.iter().enumerate() {
        let n = 1.0 / deltas[i];
        let want = (n * c).exp();
        assert!((r / want - 1.0).abs() < 0.05, "ratio {r} vs {want}");
    }
    assert!(v["delta_at_rounding"]["conv"].as_f64().unwrap() <= 1.0 / 32.0);
}

#[test]
fn check_period_falls_back_to_an_algebraic_order_at_a_jump() {
    // The sawtooth t jumps at the seam and is sampled there by its right value 0, not the
    // mean ½: first order. A box sampled ½ at both jumps (step(0) = ½): second order.
    let v = json_ok(&[
        "check",
        "--h",
        "t",
        "--x",
        "exp(sin(2*pi*t))",
        "--period",
        "1",
    ]);
    assert_eq!(v["convergence"]["case"], "algebraic");
    assert_eq!(numbers(&v["convergence"]["points"]), vec![0.0]);
    let p = v["orders"]["conv"].as_f64().unwrap();
    assert!((p - 1.0).abs() < 0.05, "{p}");
    let v = json_ok(&[
        "check",
        "--h",
        "step(t)*step(0.5 - t)",
        "--x",
        "cos(2*pi*t)",
        "--period",
        "1",
    ]);
    assert_eq!(numbers(&v["convergence"]["points"]), vec![0.0, 0.5]);
    let p = v["orders"]["conv"].as_f64().unwrap();
    assert!((p - 2.0).abs() < 0.05, "{p}");
    assert_bad_input(
        &[
            "check", "--h", "t", "--x", "1", "--period", "1", "--rule", "cell",
        ],
        "--rule",
    );
    assert_bad_input(
        &["check", "--h", "t", "--x", "1", "--period", "nan"],
        "--period",
    );
}

#[test]
fn check_period_compares_the_least_squares_gradient_with_data() {
    // Smooth on the circle: the gradient's trapezoidal sums converge geometrically too.
    let v = json_ok(&[
        "check",
        "--h",
        "1/(1.5 - cos(2*pi*t))",
        "--x",
        "sin(2*pi*t)",
        "--y",
        "cos(2*pi*t)",
        "--period",
        "1",
    ]);
    assert_eq!(v["convergence"]["case"], "geometric");
    assert!(v["orders"]["lsgrad"].is_null());
    assert_eq!(v["rounding"]["lsgrad"], true);
    let errors = numbers(&v["errors"]["lsgrad"]);
    assert!(errors[0] > 1e3 * errors[3], "{errors:?}");
    // The sawtooth jumps at the seam, sampled by its right value: first order, as conv.
    let v = json_ok(&[
        "check",
        "--h",
        "t",
        "--x",
        "exp(sin(2*pi*t))",
        "--y",
        "0.3",
        "--period",
        "1",
    ]);
    assert_eq!(v["convergence"]["case"], "algebraic");
    let p = v["orders"]["lsgrad"].as_f64().unwrap();
    assert!((p - 1.0).abs() < 0.1, "lsgrad order {p}");
}

#[test]
fn a_delta_with_a_period_is_refused_by_every_command() {
    for args in [
        vec!["derivative", "--h", "dirac(t-0.5)", "--t0", "1"],
        vec![
            "lsgrad",
            "--h",
            "dirac(t-0.5)",
            "--x",
            "1",
            "--y",
            "0",
            "--s",
            "0",
        ],
        vec!["check", "--h", "dirac(t-0.5)", "--x", "sin(2*pi*t)"],
        vec!["convolve", "--h", "dirac(t-0.5)", "--x", "1", "--t", "0"],
    ] {
        let mut all = args.clone();
        all.extend(["--period", "1"]);
        assert_bad_input(&all, "--period");
    }
}

#[test]
fn functional_period_is_periodic_least_squares_in_closed_form() {
    // h = cos(2πt), x = sin(2πt) on P = 1: h ⊛ x = ½·sin(2πt) (by hand), J = ½∫₀¹ ¼sin² = 1/16,
    // δJ/δx(s) = ∫₀¹ cos(2π(t − s))·½·sin(2πt) dt = ¼·sin(2πs).
    let v = json_ok(&[
        "functional",
        "--h",
        "cos(2*pi*t)",
        "--x",
        "sin(2*pi*t)",
        "--period",
        "1",
        "--s",
        "0.1,0.25,0.7",
    ]);
    assert_eq!(v["command"], "functional");
    assert_eq!(v["period"], 1.0);
    assert!((v["J"].as_f64().unwrap() - 1.0 / 16.0).abs() < 1e-15, "{v}");
    for (g, s) in numbers(&v["values"]).iter().zip([0.1, 0.25, 0.7]) {
        assert!((g - 0.25 * (2.0 * PI * s).sin()).abs() < 1e-14, "{v}");
    }
    for extra in [
        ["--reg", "smoothness"],
        ["--loss", "log-cosh"],
        ["--v", "cos(2*pi*t)"],
    ] {
        let mut args = vec![
            "functional",
            "--h",
            "cos(2*pi*t)",
            "--x",
            "sin(2*pi*t)",
            "--period",
            "1",
            "--s",
            "0",
        ];
        args.extend(extra);
        assert_bad_input(&args, extra[0]);
    }
    // rect(t) on [0, 1) is the box on [0, ½): nested quadrature; functional answers as lsgrad.
    let args = [
        "--h",
        "rect(t)",
        "--x",
        "sin(2*pi*t)",
        "--y",
        "0",
        "--period",
        "1",
        "--s",
        "0.1,0.6",
    ];
    let f = json_ok(&[&["functional"][..], &args].concat());
    let l = json_ok(&[&["lsgrad"][..], &args].concat());
    assert_eq!(f["command"], "functional");
    assert_eq!(f["method"], "quadrature");
    assert_eq!(f["values"], l["values"]);
    assert_eq!(f["J"], l["J"]);
    assert_bad_input(
        &[
            "functional",
            "--h",
            "cos(2*pi*t)",
            "--x",
            "sin(2*pi*t)",
            "--period",
            "0",
            "--s",
            "0",
        ],
        "--period",
    );
}
