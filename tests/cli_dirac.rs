//! The command line with Dirac deltas (docs/cli.md, "Distributions"): convolution by sifting
//! against closed forms and finite differences, the functional derivative as a distribution,
//! least squares with a delta kernel, and the inputs that define no distribution.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::Value;
use std::process::{Command, Output};

fn flipshift(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_flipshift"))
        .args(args)
        .output()
        .unwrap()
}

fn json_ok(args: &[&str]) -> Value {
    let mut all = args.to_vec();
    all.extend(["--format", "json"]);
    let out = flipshift(&all);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{args:?} failed: {stderr}");
    let stdout = String::from_utf8(out.stdout).unwrap();
    serde_json::from_str(stdout.trim()).unwrap_or_else(|e| panic!("{e}: {stdout}"))
}

fn numbers(v: &Value, key: &str) -> Vec<f64> {
    v[key]
        .as_array()
        .unwrap_or_else(|| panic!("no '{key}' in {v}"))
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

/// Exit 2, one line on standard error beginning with `error:` and mentioning `mention`.
fn assert_bad_input(args: &[&str], mention: &str) {
    let out = flipshift(args);
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
    assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "{args:?}: {stderr}");
    assert!(lines[0].starts_with("error:"), "{stderr}");
    assert!(
        lines[0].to_lowercase().contains(&mention.to_lowercase()),
        "{args:?}: '{}' should mention '{mention}'",
        lines[0]
    );
}

/// Each value within its own bound of the reference, and the bound at rounding level
/// (`rel` relative to the value's scale).
fn within_bounds(v: &Value, want: &[f64], rel: f64) {
    let got = numbers(v, "values");
    let bounds = numbers(v, "error_estimates");
    assert_eq!(got.len(), want.len());
    for ((g, w), b) in got.iter().zip(want).zip(&bounds) {
        // The reference is itself rounded: half an ulp of it on top of the bound.
        assert!(
            (g - w).abs() <= b + f64::EPSILON * w.abs(),
            "{g} vs {w} (bound {b})"
        );
        assert!(*b <= rel * (1.0 + w.abs()), "bound {b} too loose for {w}");
    }
}

#[test]
fn a_shifted_delta_shifts_the_signal_to_rounding() {
    let v = json_ok(&[
        "convolve",
        "--h",
        "dirac(t-0.5)",
        "--x",
        "exp(-t^2)",
        "--t",
        "0,1",
    ]);
    let want: Vec<f64> = [0.0f64, 1.0]
        .iter()
        .map(|t| (-(t - 0.5) * (t - 0.5)).exp())
        .collect();
    // Sifting evaluates exp(−(t − 0.5)²) once: a few ulps.
    within_bounds(&v, &want, 16.0 * f64::EPSILON);
    assert_eq!(v["method"], "closed-form");
    assert_eq!(v["symbolic"], "exp(−(t − 0.5)²)");
    assert!(v.get("distribution").is_none());
    // Affine arguments: δ(2t − 1) = δ(t − 0.5)/2; and the delta may be the signal instead.
    let v = json_ok(&[
        "convolve",
        "--h",
        "exp(-t^2)",
        "--x",
        "4*dirac(2*t-1)",
        "--t",
        "0,1",
    ]);
    let twice: Vec<f64> = want.iter().map(|w| 2.0 * w).collect();
    within_bounds(&v, &twice, 16.0 * f64::EPSILON);
}

#[test]
fn a_delta_derivative_differentiates_the_signal() {
    let t = [-1.0, -0.3, 0.0, 0.7, 2.0];
    let grid = "-1,-0.3,0,0.7,2";
    let v = json_ok(&[
        "convolve",
        "--h",
        "dirac(t,1)",
        "--x",
        "exp(-t^2)",
        "--t",
        grid,
    ]);
    // Against central differences of x, step 1e-5: truncation |x‴|η²/6 < 1e-10, rounding
    // ε/η ≈ 2e-11.
    let x = |s: f64| (-s * s).exp();
    let got = numbers(&v, "values");
    for (g, &ti) in got.iter().zip(&t) {
        let eta = 1e-5;
        let fd = (x(ti + eta) - x(ti - eta)) / (2.0 * eta);
        assert!((g - fd).abs() < 1e-9, "{ti}: {g} vs {fd}");
    }
    // And against the closed form −2t·e^{−t²}, within the bounds.
    let want: Vec<f64> = t.iter().map(|&s| -2.0 * s * x(s)).collect();
    within_bounds(&v, &want, 16.0 * f64::EPSILON);
    // The second derivative of a shifted Gaussian, scaled: 3·δ″(t + 1) * x = 3x″(t + 1).
    let v = json_ok(&[
        "convolve",
        "--h",
        "3*dirac(t+1,2)",
        "--x",
        "exp(-t^2)",
        "--t",
        grid,
    ]);
    let want: Vec<f64> = t
        .iter()
        .map(|&ti| {
            let s = ti + 1.0;
            3.0 * (4.0 * s * s - 2.0) * x(s)
        })
        .collect();
    // x″ = 4t²e^{−t²} − 2e^{−t²}: a dozen operations, each charged its rounding and the
    // argument's (t + 1 is rounded once) amplified by |x‴| — a bound of a few hundred ulps.
    within_bounds(&v, &want, 512.0 * f64::EPSILON);
}

#[test]
fn jumps_of_the_signal_come_out_as_deltas() {
    // δ″ * tri = tri″ = δ(t + 1) − 2δ(t) + δ(t − 1): a pure distribution, no values.
    let v = json_ok(&["convolve", "--h", "dirac(t,2)", "--x", "tri(t)", "--t", "0"]);
    assert!(v.get("values").is_none(), "{v}");
    let d = &v["distribution"];
    assert_eq!(numbers(d, "points"), vec![-1.0, 0.0, 1.0]);
    assert_eq!(numbers(d, "orders"), vec![0.0, 0.0, 0.0]);
    assert_eq!(numbers(d, "weights"), vec![1.0, -2.0, 1.0]);
    assert_eq!(v["symbolic"], "δ(t + 1) − 2·δ(t) + δ(t − 1)");
    // δ′ * e^{−t}step(t): the classical derivative −e^{−t} on t > 0 plus δ(t) for the jump.
    let v = json_ok(&[
        "convolve",
        "--h",
        "dirac(t,1)",
        "--x",
        "exp(-t)*step(t)",
        "--t",
        "0.5,2",
    ]);
    within_bounds(
        &v,
        &[-(-0.5f64).exp(), -(-2.0f64).exp()],
        16.0 * f64::EPSILON,
    );
    let d = &v["distribution"];
    assert_eq!(numbers(d, "points"), vec![0.0]);
    assert_eq!(numbers(d, "weights"), vec![1.0]);
}

#[test]
fn a_function_plus_deltas_splits_into_the_two_parts() {
    // (rect + 2δ₁) * e^{−t²} = √π/2·(erf(t + ½) − erf(t − ½)) + 2e^{−(t−1)²}; the first by
    // quadrature (a Gaussian against a window has no closed form here) with its bound.
    let t = [0.0, 1.0, 2.5];
    let v = json_ok(&[
        "convolve",
        "--h",
        "rect(t) + 2*dirac(t-1)",
        "--x",
        "exp(-t^2)",
        "--t",
        "0,1,2.5",
    ]);
    let erf = flipshift_continuous::erf;
    let want: Vec<f64> = t
        .iter()
        .map(|&s| {
            0.5 * std::f64::consts::PI.sqrt() * (erf(s + 0.5) - erf(s - 0.5))
                + 2.0 * (-(s - 1.0) * (s - 1.0)).exp()
        })
        .collect();
    // erf itself is good to a few ulps: 1e-14 absolute covers it on top of the bound.
    let got = numbers(&v, "values");
    let bounds = numbers(&v, "error_estimates");
    for ((g, w), b) in got.iter().zip(&want).zip(&bounds) {
        assert!((g - w).abs() <= b + 1e-14, "{g} vs {w} ± {b}");
    }
    assert_eq!(v["method"], "quadrature");
    // Two pieces of one family: rect + δ₁ against rect is tri + rect(t − 1), all exact.
    let v = json_ok(&[
        "convolve",
        "--h",
        "rect(t) + dirac(t-1)",
        "--x",
        "rect(t)",
        "--t",
        "-0.75,0.2,1.25",
    ]);
    assert_eq!(v["method"], "closed-form");
    within_bounds(&v, &[0.25, 0.8, 1.0 + 0.0], 16.0 * f64::EPSILON);
}

#[test]
fn the_derivative_of_a_delta_kernel_is_the_flipped_distribution() {
    let v = json_ok(&["derivative", "--h", "dirac(t,1)", "--t0", "1"]);
    assert_eq!(v["symbolic"], "δ′(1 − τ)");
    assert_eq!(v["normal_form"], "−δ′(τ − 1)");
    assert_eq!(v["latex"], r"\delta'(1 - \tau)");
    assert!(v.get("values").is_none(), "{v}");
    let d = &v["distribution"];
    assert_eq!(numbers(d, "points"), vec![1.0]);
    assert_eq!(numbers(d, "orders"), vec![1.0]);
    assert_eq!(numbers(d, "weights"), vec![-1.0]);
    // The text says what it means.
    let out = flipshift(&["derivative", "--h", "dirac(t,1)", "--t0", "1"]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("δ′(1 − τ)") && text.contains("no pointwise values"));
    // A function plus a delta: the function's values, and the delta reflected to t0 − p.
    let v = json_ok(&[
        "derivative",
        "--h",
        "exp(-t)*step(t) + 2*dirac(t-0.5)",
        "--t0",
        "2",
        "--tau",
        "0,1,3",
        "--x",
        "exp(-t^2)",
    ]);
    let want: Vec<f64> = [0.0f64, 1.0, 3.0]
        .iter()
        .map(|&tau| {
            let u = 2.0 - tau;
            if u > 0.0 { (-u).exp() } else { 0.0 }
        })
        .collect();
    let got = numbers(&v, "values");
    for (g, w) in got.iter().zip(&want) {
        assert!((g - w).abs() <= 4.0 * f64::EPSILON, "{g} vs {w}");
    }
    let d = &v["distribution"];
    assert_eq!(numbers(d, "points"), vec![1.5]);
    assert_eq!(numbers(d, "weights"), vec![2.0]);
    // z(t0) = ∫_0^∞ e^{−s} e^{−(2−s)²} ds + 2e^{−1.5²}; the integral by Simpson here.
    let n = 200_000;
    let hstep = 12.0 / f64::from(n);
    let f = |s: f64| (-s).exp() * (-(2.0 - s) * (2.0 - s)).exp();
    let simpson: f64 = (0..=n)
        .map(|i| {
            let w = if i == 0 || i == n {
                1.0
            } else if i % 2 == 1 {
                4.0
            } else {
                2.0
            };
            w * f(f64::from(i) * hstep)
        })
        .sum::<f64>()
        * hstep
        / 3.0;
    let z = v["z_t0"].as_f64().unwrap();
    // Simpson's error with h = 6e-5 is below 1e-15 here (f⁗ is O(10)).
    assert!(
        (z - (simpson + 2.0 * (-2.25f64).exp())).abs() < 1e-12,
        "{z}"
    );
}

#[test]
fn least_squares_with_a_shift_kernel_is_exact() {
    // h = δ(t − 1): h*x = x(t − 1), r(t) = x(t − 1) − y(t), δJ/δx(s) = r(s + 1).
    let v = json_ok(&[
        "lsgrad",
        "--h",
        "dirac(t-1)",
        "--x",
        "exp(-t^2)",
        "--y",
        "0",
        "--s",
        "0,0.5",
    ]);
    within_bounds(&v, &[1.0, (-0.25f64).exp()], 16.0 * f64::EPSILON);
    // J = ½∫e^{−2(t−1)²} dt = ½√(π/2).
    let j = v["J"].as_f64().unwrap();
    assert!(
        (j - 0.5 * (std::f64::consts::PI / 2.0).sqrt()).abs() < 1e-14,
        "{j}"
    );
    assert_eq!(v["method"], "closed-form");
    // Deconvolution of a pure shift: x = y(t + 1) is a zero of the gradient and of J.
    let v = json_ok(&[
        "lsgrad",
        "--h",
        "dirac(t-1)",
        "--x",
        "exp(-(t+1)^2)*cos(t)",
        "--y",
        "exp(-t^2)*cos(t-1)",
        "--s",
        "-1,0,2",
    ]);
    assert_eq!(numbers(&v, "values"), vec![0.0, 0.0, 0.0]);
    assert_eq!(v["J"].as_f64(), Some(0.0));
    // h = δ′(t − 1): δJ/δx(s) = −r′(s + 1); with y = 0, −x″(s) = (2 − 4s²)e^{−s²}.
    let v = json_ok(&[
        "lsgrad",
        "--h",
        "dirac(t-1,1)",
        "--x",
        "exp(-t^2)",
        "--y",
        "0",
        "--s",
        "0,0.5,1",
    ]);
    let want: Vec<f64> = [0.0f64, 0.5, 1.0]
        .iter()
        .map(|&s| (2.0 - 4.0 * s * s) * (-s * s).exp())
        .collect();
    within_bounds(&v, &want, 64.0 * f64::EPSILON);
}

#[test]
fn eval_of_a_delta_has_no_values() {
    assert_bad_input(
        &["eval", "--f", "dirac(t-1)", "--t", "0,1"],
        "a distribution has no pointwise values",
    );
    // Deltas that cancel leave a function, which has values.
    let v = json_ok(&["eval", "--f", "t + dirac(t) - dirac(-t)", "--t", "0.5"]);
    assert_eq!(numbers(&v, "values"), vec![0.5]);
}

#[test]
fn what_defines_no_distribution_is_refused_with_the_reason() {
    let conv = |h: &str, mention: &str| {
        assert_bad_input(
            &["convolve", "--h", h, "--x", "exp(-t^2)", "--t", "0"],
            mention,
        );
    };
    conv("dirac(t,-1)", "whole number");
    conv("dirac(t,1.5)", "whole number");
    conv("dirac(t,99)", "at most");
    conv("exp(dirac(t))", "under exp");
    conv("dirac(t)*dirac(t-1)", "product of two deltas");
    conv("1/dirac(t)", "denominator");
    conv("dirac(t)^2", "power");
    conv("dirac(t^2-1)", "affine");
    conv("dirac(1)", "depend on t");
    conv("step(t)*dirac(t)", "jumps");
    conv("dirac(t)/t", "no finite value");
    conv("dirac(t, 1, 2)", "one or two");
    conv("dirac(t", "column");
    conv("dirac(t,k)", "--param");
    // Columns point at the delta.
    conv("1 + exp(dirac(t))", "column 9");
    // Where a derivative of the signal has a jump it cannot place, it says so.
    assert_bad_input(
        &[
            "convolve",
            "--h",
            "dirac(t,1)",
            "--x",
            "step(sin(t))",
            "--t",
            "0",
        ],
        "cannot be located",
    );
    // Commands that take no distribution name it as one.
    assert_bad_input(
        &["euler-lagrange", "--lagrangian", "dirac(t)*x"],
        "distribution",
    );
    // A cost that does not exist: h*x holds a delta, so ½∫(h*x − y)² is infinite.
    assert_bad_input(
        &[
            "lsgrad",
            "--h",
            "dirac(t,1)",
            "--x",
            "rect(t)",
            "--y",
            "0",
            "--s",
            "0",
        ],
        "infinite",
    );
}

#[test]
fn no_input_panics() {
    for h in [
        "dirac(",
        "dirac()",
        "dirac(t,)",
        "dirac(,1)",
        "dirac)",
        "dirac(t)dirac(t)",
        "dirac(1e-320*t)",
        "dirac(t/0)",
        "dirac(t, 1e400)",
        "dirac(dirac(t))",
        "dirac (t - 1)",
        "((dirac(t)",
        "dirac(t)*0",
        "sin(t)*dirac(t-pi,3)",
        "dirac(t,12)",
        "dirac(1e308*t - 1e308)",
        "−dirac(−t)",
    ] {
        for cmd in [
            vec!["convolve", "--h", h, "--x", "exp(-t^2)", "--t", "0,1"],
            vec!["derivative", "--h", h, "--t0", "1"],
            vec![
                "lsgrad",
                "--h",
                h,
                "--x",
                "exp(-t^2)",
                "--y",
                "0",
                "--s",
                "0",
            ],
            vec!["eval", "--f", h, "--t", "0"],
        ] {
            let out = flipshift(&cmd);
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(
                matches!(out.status.code(), Some(0..=2)) && !stderr.contains("panicked"),
                "{cmd:?}: {stderr}"
            );
        }
    }
}

#[test]
fn check_converges_to_the_sifted_answer_at_the_explained_order() {
    // On a lattice point the Kronecker delta shifts exactly: rounding, no order.
    let v = json_ok(&["check", "--h", "dirac(t-0.5)", "--x", "exp(-t^2)"]);
    assert_eq!(v["rounding"]["conv"], true);
    assert!(v["orders"]["conv"].is_null());
    assert!(v["errors"].get("derivative").is_none());
    assert!(v["explanation"].as_str().unwrap().contains("lattice point"));
    // Between lattice points: first order, said so.
    let v = json_ok(&["check", "--h", "dirac(t-0.3)", "--x", "exp(-t^2)"]);
    let p = v["orders"]["conv"].as_f64().unwrap();
    assert!((0.7..1.4).contains(&p), "{v}");
    assert!(v["explanation"].as_str().unwrap().contains("first order"));
    // δ′ as the centred difference of the Kronecker delta: second order, conv and lsgrad.
    let v = json_ok(&[
        "check",
        "--h",
        "dirac(t-0.5,1)",
        "--x",
        "exp(-t^2)",
        "--y",
        "exp(-t^2)",
    ]);
    for q in ["conv", "lsgrad"] {
        let p = v["orders"][q].as_f64().unwrap();
        assert!((1.8..2.3).contains(&p), "{q}: {v}");
    }
    // A kernel with a function part and deltas is checked in two parts.
    assert_bad_input(
        &["check", "--h", "rect(t) + dirac(t)", "--x", "exp(-t^2)"],
        "separately",
    );
}

/// ∫ f over [a, b] by composite Simpson on n (even) panels: the independent reference for J.
fn simpson(f: impl Fn(f64) -> f64, a: f64, b: f64, n: usize) -> f64 {
    let h = (b - a) / n as f64;
    let mut sum = f(a) + f(b);
    for i in 1..n {
        let w = if i % 2 == 1 { 4.0 } else { 2.0 };
        sum += w * f(a + i as f64 * h);
    }
    sum * h / 3.0
}

fn gauss(t: f64) -> f64 {
    (-0.5 * t * t).exp() / (2.0 * std::f64::consts::PI).sqrt()
}

#[test]
fn functional_with_a_shift_kernel_sifts_value_and_gradient() {
    // h = δ(t − 0.5): h*x = x(t − 0.5) exactly, r = h*x − y, δJ/δx(s) = r(s + 0.5).
    let y = |t: f64| t.sin() * gauss(t);
    let r = |t: f64| (-(t - 0.5) * (t - 0.5)).exp() - y(t);
    let s = [-1.0, 0.0, 0.3, 1.0];
    let v = json_ok(&[
        "functional",
        "--h",
        "dirac(t-0.5)",
        "--x",
        "exp(-t^2)",
        "--y",
        "sin(t)*gauss(t)",
        "--s",
        "-1,0,0.3,1",
        "--gateaux",
    ]);
    let want: Vec<f64> = s.iter().map(|&si| r(si + 0.5)).collect();
    within_bounds(&v, &want, 1e-14);
    let j = v["J"].as_f64().unwrap();
    let j_ref = 0.5 * simpson(|t| r(t) * r(t), -12.0, 12.0, 20_000);
    assert!((j - j_ref).abs() < 1e-12 * j_ref, "{j} vs {j_ref}");
    assert!(
        v["gateaux"]["rel_discrepancy"].as_f64().unwrap() < 1e-9,
        "{v}"
    );
    assert_eq!(v["method"], "closed-form");
}

#[test]
fn functional_with_a_delta_derivative_kernel_flips_the_derivative() {
    // h = δ′: h*x = x′ = −2t·e^{−t²}, r = x′ − gauss, and δJ/δx(s) = −r′(s) — the adjoint of
    // d/dt is −d/dt: −r′(s) = 2e^{−s²} − 4s²e^{−s²} − s·gauss(s).
    let want = |s: f64| 2.0 * (-s * s).exp() - 4.0 * s * s * (-s * s).exp() - s * gauss(s);
    let v = json_ok(&[
        "functional",
        "--h",
        "dirac(t,1)",
        "--x",
        "exp(-t^2)",
        "--y",
        "gauss(t)",
        "--s",
        "0,0.5,1",
        "--gateaux",
    ]);
    within_bounds(&v, &[want(0.0), want(0.5), want(1.0)], 1e-14);
    let r = |t: f64| -2.0 * t * (-t * t).exp() - gauss(t);
    let j_ref = 0.5 * simpson(|t| r(t) * r(t), -12.0, 12.0, 20_000);
    let j = v["J"].as_f64().unwrap();
    assert!((j - j_ref).abs() < 1e-12 * j_ref, "{j} vs {j_ref}");
    assert!(
        v["gateaux"]["rel_discrepancy"].as_f64().unwrap() < 1e-9,
        "{v}"
    );
    // A non-quadratic loss: only the Gateaux difference of J can vouch for the gradient.
    let v = json_ok(&[
        "functional",
        "--h",
        "gauss(t) - dirac(t+0.25,1)",
        "--x",
        "exp(-t^2)",
        "--loss",
        "log-cosh",
        "--y",
        "gauss(t-1)",
        "--reg",
        "smoothness",
        "--s",
        "0",
        "--gateaux",
    ]);
    assert!(
        v["gateaux"]["rel_discrepancy"].as_f64().unwrap() < 1e-9,
        "{v}"
    );
}

/// h = gauss + 2δ(t − 0.5), x = e^{−t²}: gauss * e^{−t²} = e^{−t²/3}/√3, so
/// h*x = e^{−t²/3}/√3 + 2e^{−(t−0.5)²}, and with y = 0 the gradient ∫h(t − s)·(h*x)(t) dt is
/// e^{−s²/5}/√5 + (2/√3)(e^{−(s−0.5)²/3} + e^{−(s+0.5)²/3}) + 4e^{−s²}.
fn split_kernel_reference(s: f64) -> f64 {
    let r3 = 3f64.sqrt();
    (-s * s / 5.0).exp() / 5f64.sqrt()
        + 2.0 / r3 * ((-(s - 0.5) * (s - 0.5) / 3.0).exp() + (-(s + 0.5) * (s + 0.5) / 3.0).exp())
        + 4.0 * (-s * s).exp()
}

#[test]
fn a_kernel_that_is_a_function_plus_deltas_splits_in_functional_and_lsgrad() {
    let z = |t: f64| (-t * t / 3.0).exp() / 3f64.sqrt() + 2.0 * (-(t - 0.5) * (t - 0.5)).exp();
    let j_ref = 0.5 * simpson(|t| z(t) * z(t), -15.0, 15.0, 30_000);
    let want: Vec<f64> = [-0.5, 0.0, 1.0]
        .iter()
        .map(|&s| split_kernel_reference(s))
        .collect();
    for cmd in ["functional", "lsgrad"] {
        let mut args = vec![
            cmd,
            "--h",
            "gauss(t) + 2*dirac(t-0.5)",
            "--x",
            "exp(-t^2)",
            "--y",
            "0",
            "--s",
            "-0.5,0,1",
        ];
        if cmd == "functional" {
            args.push("--gateaux");
        }
        let v = json_ok(&args);
        within_bounds(&v, &want, 1e-13);
        let j = v["J"].as_f64().unwrap();
        assert!((j - j_ref).abs() < 1e-11 * j_ref, "{cmd}: {j} vs {j_ref}");
        if cmd == "functional" {
            assert!(
                v["gateaux"]["rel_discrepancy"].as_f64().unwrap() < 1e-9,
                "{v}"
            );
        }
    }
    // The delta in the signal instead: h*x = e^{−t²/3}/√3 + gauss(t − 0.5), and the gradient
    // ∫gauss(t − s)·(h*x)(t) dt = e^{−s²/5}/√5 + e^{−(s−0.5)²/4}/√(4π).
    let v = json_ok(&[
        "lsgrad",
        "--h",
        "gauss(t)",
        "--x",
        "exp(-t^2) + dirac(t-0.5)",
        "--y",
        "0",
        "--s",
        "0,1",
    ]);
    let want = |s: f64| {
        (-s * s / 5.0).exp() / 5f64.sqrt()
            + (-(s - 0.5) * (s - 0.5) / 4.0).exp() / (4.0 * std::f64::consts::PI).sqrt()
    };
    within_bounds(&v, &[want(0.0), want(1.0)], 1e-13);
}

#[test]
fn functional_refuses_what_a_delta_kernel_leaves_undefined() {
    // δ′ differentiates the residual, which jumps with y = rect.
    assert_bad_input(
        &[
            "functional",
            "--h",
            "dirac(t,1)",
            "--x",
            "gauss(t)",
            "--y",
            "rect(t)",
            "--s",
            "0",
        ],
        "breakpoint",
    );
    // A delta in h and in x: h*x holds a delta.
    assert_bad_input(
        &[
            "functional",
            "--h",
            "dirac(t)",
            "--x",
            "dirac(t-1)",
            "--s",
            "0",
        ],
        "holds a delta",
    );
    for (opt, val) in [("--domain", "-1,1"), ("--v", "gauss(t)")] {
        assert_bad_input(
            &[
                "functional",
                "--h",
                "dirac(t-0.5)",
                "--x",
                "gauss(t)",
                "--s",
                "0",
                opt,
                val,
            ],
            opt,
        );
    }
    assert_bad_input(
        &[
            "functional",
            "--reg",
            "energy",
            "--x",
            "dirac(t)",
            "--s",
            "0",
        ],
        "distribution",
    );
}
