//! The command-line contract (docs/cli.md): JSON shapes, exit statuses and one-line errors.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use serde_json::Value;
use std::path::PathBuf;

#[test]
fn unknown_options_and_commands_are_one_line_errors() {
    assert_bad_input_stdin(&["conv", "--bogus", "1"], None, "bogus");
    assert_bad_input_stdin(&["nosuchcommand"], None, "nosuchcommand");
    assert_bad_input_stdin(&["eval", "--f", "t"], None, "--t");
}

#[test]
fn bad_expressions_name_the_column() {
    for (expr, col) in [
        ("exp(-t^", "column 8"),
        ("t**2", "column 3"),
        ("foo(t)", "foo"),
        ("2..3", "column"),
        ("()", "column 2"),
        ("", "column"),
    ] {
        assert_bad_input_stdin(&["eval", "--f", expr, "--t", "0:1:3"], None, col);
    }
}

#[test]
fn bad_grids_and_numbers_are_errors() {
    assert_bad_input_stdin(&["eval", "--f", "t", "--t", ""], None, "--t");
    assert_bad_input_stdin(&["eval", "--f", "t", "--t", "0:1:0"], None, "--t");
    assert_bad_input_stdin(&["eval", "--f", "t", "--t", "0:1"], None, "--t");
    assert_bad_input_stdin(&["eval", "--f", "t", "--t", "nan"], None, "--t");
    assert_bad_input_stdin(
        &["derivative", "--h", "rect(t)", "--t0", "nan"],
        None,
        "--t0",
    );
    assert_bad_input_stdin(
        &["derivative", "--h", "rect(t)", "--t0", "inf"],
        None,
        "--t0",
    );
    assert_bad_input_stdin(
        &["eval", "--f", "log(t)", "--t", "-1,1"],
        None,
        "not finite",
    );
    assert_bad_input_stdin(
        &["eval", "--f", "a*t", "--t", "0", "--param", "a=x"],
        None,
        "--param",
    );
}

#[test]
fn bad_vectors_are_errors() {
    let empty = tmp("empty.json", b"[]");
    let nan = tmp("nan.csv", b"1, nan, 3");
    let text = tmp("text.csv", b"1, two, 3");
    let h = tmp("h.json", b"[1, 2]");
    let odd = tmp("x.xyz", b"1");
    let e = empty.to_str().unwrap();
    let hh = h.to_str().unwrap();
    assert_bad_input_stdin(&["conv", "--x", e, "--h", hh], None, "empty");
    assert_bad_input_stdin(
        &["conv", "--x", nan.to_str().unwrap(), "--h", hh],
        None,
        "finite",
    );
    assert_bad_input_stdin(
        &["conv", "--x", text.to_str().unwrap(), "--h", hh],
        None,
        "two",
    );
    assert_bad_input_stdin(
        &["conv", "--x", "/no/such/file.json", "--h", hh],
        None,
        "/no/such/file.json",
    );
    assert_bad_input_stdin(
        &["conv", "--x", odd.to_str().unwrap(), "--h", hh],
        None,
        ".xyz",
    );
    // Numbers typed inline are not read as a path with an odd extension ('.5]'): the error
    // says where vectors come from.
    for inline in ["[1, 0.5]", "1,0.5", "[2]"] {
        assert_bad_input_stdin(&["conv", "--x", inline, "--h", hh], None, "is not a file");
    }
    assert_bad_input_stdin(
        &["conv", "--x", "-", "--h", hh],
        Some("{\"a\": 1}"),
        "array",
    );
    assert_bad_input_stdin(
        &["conv", "--x", "-", "--h", hh],
        Some("[1, \"a\"]"),
        "entry 1",
    );
    assert_bad_input_stdin(
        &["conv", "--x", "-", "--h", hh, "--mode", "middle"],
        Some("[1]"),
        "--mode",
    );
    assert_bad_input_stdin(&["jacobian", "--h", hh, "--n", "0"], None, "--n");
    assert_bad_input_stdin(&["grad", "--x", hh, "--h", hh, "--y", hh], None, "length");
    assert_bad_input_stdin(
        &["solve", "--h", hh, "--y", hh, "--lambda", "-1"],
        None,
        "--lambda",
    );
}

#[test]
fn conv_reads_stdin_and_matches_the_hand_computed_sum() {
    let h = tmp("h2.json", b"[1, -2, 0.5]");
    // (1, 2, 3) * (1, -2, 0.5) by hand: z_k = sum_i h_i x_(k-i).
    let want = [1.0, 0.0, -0.5, -5.0, 1.5];
    let v = json_ok_stdin(
        &["conv", "--x", "-", "--h", h.to_str().unwrap()],
        Some("[1, 2, 3]"),
    );
    assert_eq!(v["command"], "conv");
    let got = values(&v);
    assert_eq!(got.len(), want.len());
    for (g, w) in got.iter().zip(want) {
        // Integers small enough that every product and sum is exact in f64, up to FFT rounding
        // (a few ulps of the largest partial sum, 5).
        assert!((g - w).abs() <= 16.0 * f64::EPSILON * 5.0, "{got:?}");
    }
}

#[test]
fn npy_csv_and_json_inputs_agree() {
    let csv = tmp("x.csv", b"1,2\n3");
    let json = tmp("x.json", b"[1, 2, 3]");
    let h = tmp("h3.txt", b"0.5 0.25");
    let a = json_ok(&[
        "conv",
        "--x",
        csv.to_str().unwrap(),
        "--h",
        h.to_str().unwrap(),
        "--method",
        "direct",
    ]);
    let npy = std::env::temp_dir().join(format!("flipshift-cli-{}/out.npy", std::process::id()));
    let b = json_ok(&[
        "conv",
        "--x",
        json.to_str().unwrap(),
        "--h",
        h.to_str().unwrap(),
        "--method",
        "direct",
        "--out",
        npy.to_str().unwrap(),
    ]);
    // With --out the values go to the file and a summary is printed instead of them.
    assert!(b.get("values").is_none(), "{b}");
    let want = values(&a);
    let summary = &b["summary"];
    assert_eq!(summary["length"], want.len());
    assert_eq!(summary["file"], npy.to_str().unwrap());
    assert_eq!(
        summary["min"],
        want.iter().copied().fold(f64::INFINITY, f64::min)
    );
    assert_eq!(
        summary["max"],
        want.iter().copied().fold(f64::NEG_INFINITY, f64::max)
    );
    // The written .npy reads back as the same values: convolving it with the unit impulse [1]
    // returns it unchanged, exactly.
    let c = json_ok_stdin(
        &[
            "conv",
            "--x",
            npy.to_str().unwrap(),
            "--h",
            "-",
            "--method",
            "direct",
        ],
        Some("[1]"),
    );
    assert_eq!(values(&c), want);
}

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol * b.abs().max(1.0)
}

#[test]
fn eval_returns_values_grid_and_both_printed_forms() {
    let v = json_ok(&["eval", "--f", "-t^2 + a", "--t", "0:2:3", "--param", "a=1"]);
    assert_eq!(v["command"], "eval");
    assert_eq!(values(&v), vec![1.0, 0.0, -3.0]);
    assert_eq!(v["grid"], serde_json::json!([0.0, 1.0, 2.0]));
    assert_eq!(v["symbolic"], "−t² + a");
    assert!(v["latex"].as_str().unwrap().contains("t^{2}"));
}

#[test]
fn convolve_of_two_rects_is_the_triangle_with_an_estimate() {
    let v = json_ok(&[
        "convolve",
        "--h",
        "rect(t)",
        "--x",
        "rect(t)",
        "--t",
        "-1.5,-0.5,0,0.25,1",
    ]);
    let want = [0.0, 0.5, 1.0, 0.75, 0.0];
    for (g, w) in values(&v).iter().zip(want) {
        // 1e-12 relative is the issue's accuracy bound.
        assert!(close(*g, w, 1e-12), "{g} vs {w}");
    }
    assert_eq!(v["method"], "closed-form");
    let est = v["error_estimate"].as_f64().unwrap();
    assert!((0.0..1e-12).contains(&est));
}

#[test]
fn an_unreachable_tolerance_exits_1_with_the_best_value() {
    for method in ["auto", "quadrature"] {
        let out = flipshift(&[
            "convolve",
            "--method",
            method,
            "--h",
            "gauss(t)",
            "--x",
            "exp(-t^2)",
            "--t",
            "0.3",
            "--tol",
            "1e-20",
        ]);
        assert_eq!(out.status.code(), Some(1));
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(stdout.contains('±'), "best value and estimate: {stdout}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.starts_with("error:") && stderr.contains("--tol"),
            "{stderr}"
        );
    }
}

#[test]
fn derivative_is_the_kernel_reversed_and_shifted() {
    let v = json_ok(&[
        "derivative",
        "--h",
        "exp(-t)*step(t)",
        "--t0",
        "1",
        "--tau",
        "-1,0,0.5,1,2",
    ]);
    assert_eq!(v["symbolic"], "exp(τ − 1)·step(1 − τ)");
    assert_eq!(
        v["latex"],
        r"e^{\tau - 1}\,\operatorname{step}\left(1 - \tau\right)"
    );
    let h = |t: f64| {
        if t > 0.0 {
            (-t).exp()
        } else if t == 0.0 {
            0.5
        } else {
            0.0
        }
    };
    for (g, tau) in values(&v).iter().zip([-1.0, 0.0, 0.5, 1.0, 2.0]) {
        assert!(close(*g, h(1.0 - tau), 4.0 * f64::EPSILON), "τ = {tau}");
    }
}

#[test]
fn lsgrad_of_gaussians_matches_the_closed_form() {
    // h = x = gauss, y = 0: δJ/δx = N(0, 3) density, J = 1/(4√(2π)).
    let v = json_ok(&[
        "lsgrad", "--h", "gauss(t)", "--x", "gauss(t)", "--y", "0*t", "--s", "-1,0,2",
    ]);
    let pi = std::f64::consts::PI;
    for (g, s) in values(&v).iter().zip([-1.0f64, 0.0, 2.0]) {
        let want = (-s * s / 6.0).exp() / (6.0 * pi).sqrt();
        assert!(close(*g, want, 1e-10), "s = {s}: {g} vs {want}");
    }
    assert!(close(
        v["J"].as_f64().unwrap(),
        0.25 / (2.0 * pi).sqrt(),
        1e-10
    ));
}

#[test]
fn euler_lagrange_of_the_harmonic_oscillator() {
    // L = ½x′² + ½x²: ∂L/∂x − d/dt ∂L/∂x′ = x − x″; along x = sin t that is 2 sin t.
    let v = json_ok(&[
        "euler-lagrange",
        "--lagrangian",
        "xp^2/2 + x^2/2",
        "--x",
        "sin(t)",
        "--t",
        "0:3:4",
    ]);
    assert_eq!(v["symbolic"], "x − x″");
    for (g, t) in values(&v).iter().zip([0.0f64, 1.0, 2.0, 3.0]) {
        assert!(close(*g, 2.0 * t.sin(), 1e-14), "t = {t}");
    }
    assert_bad_input_stdin(
        &["euler-lagrange", "--lagrangian", "xp^2", "--x", "sin(t)"],
        None,
        "--t",
    );
    assert_bad_input_stdin(
        &["euler-lagrange", "--lagrangian", "y*xp"],
        None,
        "column 1",
    );
}

#[test]
fn jacobian_rows_are_the_flipped_kernel() {
    let v = json_ok_stdin(&["jacobian", "--h", "-", "--n", "3"], Some("[1, 2]"));
    assert_eq!(
        v["values"],
        serde_json::json!([
            [1.0, 0.0, 0.0],
            [2.0, 1.0, 0.0],
            [0.0, 2.0, 1.0],
            [0.0, 0.0, 2.0]
        ])
    );
    let t = json_ok_stdin(
        &[
            "jacobian",
            "--h",
            "-",
            "--n",
            "3",
            "--layout",
            "denominator",
        ],
        Some("[1, 2]"),
    );
    assert_eq!(
        t["values"],
        serde_json::json!([
            [1.0, 2.0, 0.0, 0.0],
            [0.0, 1.0, 2.0, 0.0],
            [0.0, 0.0, 1.0, 2.0]
        ])
    );
}

#[test]
fn grad_and_solve_agree_with_hand_computations() {
    let h = tmp("hg.json", b"[1, 2]");
    let y = tmp("yg.json", b"[0, 0]");
    // x = (1): r = (1, 2), Hᵀr = 5, J = ½·5.
    let v = json_ok_stdin(
        &[
            "grad",
            "--x",
            "-",
            "--h",
            h.to_str().unwrap(),
            "--y",
            y.to_str().unwrap(),
        ],
        Some("[1]"),
    );
    assert_eq!(values(&v), vec![5.0]);
    assert_eq!(v["J"], 2.5);
    // y = h * (1, −1, 2) is recovered exactly by every solver.
    let yy = tmp("ys.json", b"[1, 1, 0, 4]");
    for method in ["levinson", "banded", "cg", "dense", "auto"] {
        let s = json_ok(&[
            "solve",
            "--h",
            h.to_str().unwrap(),
            "--y",
            yy.to_str().unwrap(),
            "--method",
            method,
        ]);
        for (g, w) in values(&s).iter().zip([1.0, -1.0, 2.0]) {
            assert!(close(*g, w, 1e-10), "{method}: {g} vs {w}");
        }
    }
    let zero = tmp("h0.json", b"[0, 0]");
    assert_bad_input_stdin(
        &[
            "solve",
            "--h",
            zero.to_str().unwrap(),
            "--y",
            yy.to_str().unwrap(),
        ],
        None,
        "singular",
    );
}

#[test]
fn check_reports_errors_orders_and_rounding_per_quantity() {
    let v = json_ok(&[
        "check",
        "--h",
        "tri(t)",
        "--x",
        "exp(-t^2)",
        "--levels",
        "5",
    ]);
    let deltas = v["deltas"].as_array().unwrap();
    assert_eq!(deltas.len(), 5);
    for q in ["conv", "derivative", "lsgrad", "hessian"] {
        assert_eq!(v["errors"][q].as_array().unwrap().len(), 5, "{q}");
        assert!(v["rounding"][q].is_boolean(), "{q}");
    }
    // tri has kinks on the grid: second order (see crates/discrete/tests/bridge_orders.rs).
    let p = v["orders"]["conv"].as_f64().unwrap();
    assert!((p - 2.0).abs() < 0.25, "{p}");
    // Point samples make the derivative row exact: rounding, no order.
    assert!(v["orders"]["derivative"].is_null());
    assert_eq!(v["rounding"]["derivative"], true);
    assert_bad_input_stdin(
        &[
            "check",
            "--h",
            "rect(t)",
            "--x",
            "exp(-t^2)",
            "--rule",
            "simpson",
        ],
        None,
        "--rule",
    );
    assert_bad_input_stdin(
        &["check", "--h", "rect(t)", "--x", "1 + t"],
        None,
        "does not decay",
    );
}

#[test]
fn integrals_that_do_not_exist_are_bad_input() {
    // A product that does not decay, a non-integrable pole, a residual that does not decay.
    assert_bad_input_stdin(
        &["convolve", "--h", "1", "--x", "1", "--t", "0"],
        None,
        "does not exist",
    );
    assert_bad_input_stdin(
        &["convolve", "--h", "exp(t)", "--x", "exp(t)", "--t", "0"],
        None,
        "does not exist",
    );
    assert_bad_input_stdin(
        &["convolve", "--h", "1/t", "--x", "rect(t)", "--t", "0"],
        None,
        "singularity",
    );
    assert_bad_input_stdin(
        &[
            "lsgrad", "--h", "gauss(t)", "--x", "sin(t)", "--y", "0", "--s", "0",
        ],
        None,
        "does not exist",
    );
    assert_bad_input_stdin(
        &[
            "lsgrad", "--h", "gauss(t)", "--x", "gauss(t)", "--y", "1", "--s", "0",
        ],
        None,
        "does not exist",
    );
    assert_bad_input_stdin(&["check", "--h", "0*t", "--x", "exp(-t^2)"], None, "zero");
    // An integrable singularity is not an error of the input: the best value and exit 1 if
    // the tolerance cannot be met, never a claim that the integral diverges.
    let out = flipshift(&[
        "convolve",
        "--h",
        "1/sqrt(abs(t))",
        "--x",
        "rect(t)",
        "--t",
        "0",
    ]);
    assert_ne!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn functional_gradient_matches_the_closed_form_and_passes_its_gateaux_check() {
    // h = x = gauss, least squares against 0, plus ½λx′²:
    // δJ/δx = N(0,3) − λ·gauss″, gauss″(s) = (s² − 1)·gauss(s).
    let lam = 0.1;
    let v = json_ok(&[
        "functional",
        "--h",
        "gauss(t)",
        "--loss",
        "ls",
        "--reg",
        "smoothness",
        "--lambda",
        "0.1",
        "--x",
        "gauss(t)",
        "--s",
        "-1,0,1.5",
        "--gateaux",
    ]);
    let g = values(&v);
    for (k, s) in [-1.0f64, 0.0, 1.5].iter().enumerate() {
        let pi = std::f64::consts::PI;
        let n3 = (-s * s / 6.0).exp() / (6.0 * pi).sqrt();
        let gpp = (s * s - 1.0) * (-s * s / 2.0).exp() / (2.0 * pi).sqrt();
        assert!(close(g[k], n3 - lam * gpp, 1e-11), "s = {s}: {}", g[k]);
    }
    assert!(v["gateaux"]["rel_discrepancy"].as_f64().unwrap() < 1e-8);
    assert!(v["symbolic"].as_str().unwrap().starts_with("δJ/δx(s) = ∫"));
    assert!(
        v["latex"]
            .as_str()
            .unwrap()
            .contains("\\frac{\\delta J}{\\delta x}")
    );
    // Gaussians throughout: the data term's gradient is exact.
    assert_eq!(v["method"], "closed-form");
    assert_eq!(v["inner"], "closed-form");
    // ½∫N(0,2)² + ½λ∫gauss′² = 1/(4√(2π)) + λ/(8√π).
    let pi = std::f64::consts::PI;
    let j = 1.0 / (4.0 * (2.0 * pi).sqrt()) + lam / (8.0 * pi.sqrt());
    assert!(close(v["J"].as_f64().unwrap(), j, 1e-12));
}

#[test]
fn functional_rejects_bad_input() {
    let base = ["functional", "--x", "gauss(t)", "--s", "0,1"];
    let with = |extra: &[&str]| -> Vec<String> {
        base.iter().chain(extra).map(|s| s.to_string()).collect()
    };
    let run = |extra: &[&str], mention: &str| {
        let args = with(extra);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        assert_bad_input_stdin(&args, None, mention);
    };
    run(&[], "empty");
    run(&["--h", "gauss(t)", "--loss", "(u - x)^2"], "--loss");
    run(&["--reg", "u^2"], "--reg");
    run(
        &["--h", "gauss(t)", "--loss", "pseudo-huber", "--delta", "0"],
        "delta",
    );
    run(&["--reg", "tv", "--eps", "-1"], "eps");
    run(&["--reg", "tv"], "does not exist");
    run(&["--reg", "energy", "--domain", "1,-1"], "--domain");
    // Poisson needs u > 0: rect * rect vanishes outside [−1, 1].
    assert_bad_input_stdin(
        &[
            "functional",
            "--x",
            "rect(t)",
            "--s",
            "0",
            "--h",
            "rect(t)",
            "--loss",
            "poisson",
            "--y",
            "1",
            "--domain",
            "-3,3",
        ],
        None,
        "not finite",
    );
}

#[test]
fn deconvolve_recovers_the_signal_better_than_the_data() {
    let dir = std::env::temp_dir().join(format!("flipshift-deconv-{}", std::process::id()));
    let v = json_ok(&[
        "deconvolve",
        "--dt",
        "0.04",
        "--figure",
        dir.to_str().unwrap(),
    ]);
    let e = &v["errors"];
    let (data, tik, tv) = (
        e["data"].as_f64().unwrap(),
        e["tikhonov"].as_f64().unwrap(),
        e["smooth-tv"].as_f64().unwrap(),
    );
    assert!(tik < 0.8 * data && tv < 0.6 * data && tv < tik, "{e}");
    let rows = v["values"].as_array().unwrap();
    assert_eq!(rows.len(), 2);
    let n = v["grid"].as_array().unwrap().len();
    assert_eq!(n, 201);
    assert!(rows.iter().all(|r| r.as_array().unwrap().len() == n));
    assert_eq!(v["methods"], serde_json::json!(["tikhonov", "smooth-tv"]));
    for f in v["figures"].as_array().unwrap() {
        let p = PathBuf::from(f.as_str().unwrap());
        assert!(std::fs::metadata(&p).unwrap().len() > 1000, "{p:?}");
    }
    let _ = std::fs::remove_dir_all(&dir);
    assert_bad_input_stdin(&["deconvolve", "--sigma", "0"], None, "sigma");
    assert_bad_input_stdin(&["deconvolve", "--interval", "2,1"], None, "interval");
    assert_bad_input_stdin(&["deconvolve", "--optimizer", "newton"], None, "optimizer");
    assert_bad_input_stdin(&["deconvolve", "--truth", "rect(t"], None, "--truth");
}

#[test]
fn convolve_reports_the_closed_form_path_and_agrees_with_quadrature() {
    // Gaussians: N(0,1) * N(1, 1/2)·√π = widths add in quadrature.
    let args = [
        "convolve",
        "--h",
        "gauss(t)",
        "--x",
        "exp(-(t - 1)^2)",
        "--t",
        "-2:3:11",
    ];
    let exact = json_ok(&args);
    assert_eq!(exact["method"], "closed-form");
    assert_eq!(exact["family"], "Gaussian");
    assert!(exact["symbolic"].as_str().unwrap().contains("exp("));
    let mut forced = args.to_vec();
    forced.extend(["--method", "quadrature"]);
    let quad = json_ok(&forced);
    assert_eq!(quad["method"], "quadrature");
    let pi = std::f64::consts::PI;
    for (k, (a, b)) in values(&exact).iter().zip(values(&quad)).enumerate() {
        let t = -2.0 + 0.5 * k as f64;
        // ∫ gauss(t − τ) e^{−(τ−1)²} dτ = e^{−(t−1)²/3}/√3.
        let want = (-(t - 1.0) * (t - 1.0) / 3.0).exp() / 3f64.sqrt();
        assert!(
            close(*a, want, 1e-14) && close(b, want, 1e-13),
            "t = {t}: {a} {b} {want}"
        );
        let _ = pi;
    }
    // A mixed pair falls back and says so; forcing the closed form is then an error.
    let mixed = ["convolve", "--h", "gauss(t)", "--x", "rect(t)", "--t", "0"];
    assert_eq!(json_ok(&mixed)["method"], "quadrature");
    let mut force = mixed.to_vec();
    force.extend(["--method", "closed-form"]);
    assert_bad_input_stdin(&force, None, "no closed form");
    let mut bad = mixed.to_vec();
    bad.extend(["--method", "symbolic"]);
    assert_bad_input_stdin(&bad, None, "--method");
}

#[test]
fn hessian_kernel_of_tri_is_its_autocorrelation() {
    let v = json_ok(&["hessian-kernel", "--h", "tri(t)", "--t", "0,0.5,1,2"]);
    assert_eq!(v["method"], "closed-form");
    // a(0) = ∫tri² = 2/3, a(1) = 1/6, a(2) = 0, a(½) = 23/48.
    let want = [2.0 / 3.0, 23.0 / 48.0, 1.0 / 6.0, 0.0];
    for (a, b) in values(&v).iter().zip(want) {
        assert!(close(*a, b, 1e-14), "{a} vs {b}");
    }
    let q = json_ok(&["hessian-kernel", "--h", "exp(-t^2)*step(t)", "--t", "0"]);
    assert_eq!(q["method"], "quadrature");
    assert!(close(
        values(&q)[0],
        (std::f64::consts::PI / 8.0).sqrt(),
        1e-14
    ));
    assert_bad_input_stdin(
        &["hessian-kernel", "--h", "1", "--t", "0"],
        None,
        "does not exist",
    );
}

#[test]
fn a_two_sided_kernel_made_of_one_sided_terms_is_integrable() {
    // Each term is zero outside its own support, so e^{t}·step(−t) at t = 10⁴ is 0, not ∞·0.
    // z(t) = (√π/2)·e^{1/4}·(e^{−t}·erfc(½ − t) + e^{t}·erfc(½ + t)).
    let v = json_ok(&[
        "convolve",
        "--h",
        "exp(t)*step(-t) + exp(-t)*step(t)",
        "--x",
        "exp(-t^2)",
        "--t",
        "-1,0,1.5",
    ]);
    let sp = std::f64::consts::PI.sqrt() / 2.0 * 0.25f64.exp();
    for (z, t) in values(&v).iter().zip([-1.0f64, 0.0, 1.5]) {
        use flipshift_continuous::erfc;
        let want = sp * ((-t).exp() * erfc(0.5 - t) + t.exp() * erfc(0.5 + t));
        assert!(close(*z, want, 1e-12), "t = {t}: {z} vs {want}");
    }
}

#[test]
fn help_describes_every_command() {
    let out = flipshift(&["--help"]);
    assert!(out.status.success());
    let help = String::from_utf8(out.stdout).unwrap();
    assert!(
        !help.contains("Arguments of"),
        "a command without its own description:\n{help}"
    );
    for (cmd, words) in [
        ("demo", "The whole story"),
        ("functional", "A functional J[x]"),
        ("hessian-kernel", "least-squares Hessian"),
        ("deconvolve", "Blur a signal"),
        ("convolve", "closed form"),
        ("extremal", "An extremal of J[x]"),
    ] {
        let line = help
            .lines()
            .find(|l| l.trim_start().starts_with(&format!("{cmd} ")))
            .unwrap_or_else(|| panic!("{cmd} missing from:\n{help}"));
        assert!(line.contains(words), "{line}");
    }
}

#[test]
fn extremal_spectral_meets_the_catenary_and_reports_its_fields() {
    let c1 = 1f64.cosh().to_string();
    let v = json_ok(&[
        "extremal",
        "--lagrangian",
        "x*sqrt(1+xp^2)",
        "--interval",
        "-1,1",
        "--left",
        &c1,
        "--right",
        &c1,
        "--t",
        "-1:1:21",
    ]);
    assert_eq!(v["command"], "extremal");
    assert_eq!(v["method"], "spectral");
    assert!(v["n"].as_u64().unwrap() >= 16);
    let grid: Vec<f64> = v["grid"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect();
    assert_eq!(grid.len(), 21);
    for (x, t) in values(&v).iter().zip(&grid) {
        assert!((x - t.cosh()).abs() < 1e-10, "t = {t}: {x}");
    }
    // J = ∫cosh² = 1 + sinh(2)/2.
    let j = v["J"].as_f64().unwrap();
    assert!((j - (1.0 + 2f64.sinh() / 2.0)).abs() < 1e-10, "J = {j}");
    assert!(v["residual"].as_f64().unwrap() < 1e-6);
    assert_eq!(v["multipliers"].as_array().unwrap().len(), 0);
}

#[test]
fn extremal_dido_reports_the_multiplier_and_direct_levels_show_order_two() {
    let args = [
        "extremal",
        "--lagrangian",
        "x",
        "--interval",
        "-1,1",
        "--left",
        "0",
        "--right",
        "0",
        "--constraint",
        "sqrt(1+xp^2)=2.5",
    ];
    let v = json_ok(&args);
    let mu = v["multipliers"][0].as_f64().unwrap();
    // The arc of length 2.5 over a chord of 2: R sin θ = 1, Rθ = 1.25, μ = −R.
    let (mut lo, mut hi) = (0.1f64, 3.0f64);
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if mid.sin() / mid > 0.8 {
            lo = mid
        } else {
            hi = mid
        }
    }
    let r = 1.0 / lo.sin();
    assert!((mu + r).abs() < 1e-10, "μ = {mu}, R = {r}");
    let mut direct = args.to_vec();
    direct.extend(["--method", "direct", "--n", "16", "--levels", "5"]);
    let v = json_ok(&direct);
    assert_eq!(v["method"], "direct");
    assert_eq!(v["n"], 256);
    let errors = v["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 5);
    let order = v["order"].as_f64().unwrap();
    assert!((order - 2.0).abs() < 0.1, "order {order}");
}

#[test]
fn extremal_not_found_exits_1_with_the_best_iterate() {
    // Bratu's x″ + 5eˣ = 0, x(0) = x(1) = 0, has no solution.
    let args = [
        "extremal",
        "--lagrangian",
        "xp^2/2 - 5*exp(x)",
        "--interval",
        "0,1",
        "--left",
        "0",
        "--right",
        "0",
    ];
    let out = flipshift(&args);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).starts_with("error: no extremal found"));
    let mut json = args.to_vec();
    json.extend(["--format", "json"]);
    let out = flipshift(&json);
    assert_eq!(out.status.code(), Some(1));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(v["error"].as_str().unwrap().contains("no extremal"));
    assert!(v["residual"].as_f64().unwrap() > 1e-3);
    assert_eq!(values(&v).len(), 101);
    // The direct method refuses a stationary point that is not a minimum, also with exit 1.
    let out = flipshift(&[
        "extremal",
        "--lagrangian",
        "xp^2/2 - 20*x^2",
        "--interval",
        "0,1",
        "--left",
        "0",
        "--right",
        "1",
        "--method",
        "direct",
    ]);
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn extremal_ill_posed_requests_exit_2() {
    let base = |extra: &[&'static str]| {
        let mut v = vec![
            "extremal",
            "--lagrangian",
            "xp^2/2",
            "--interval",
            "0,1",
            "--left",
            "0",
            "--right",
            "1",
        ];
        v.extend_from_slice(extra);
        v
    };
    for (args, mention) in [
        (
            vec![
                "extremal",
                "--lagrangian",
                "xp^2/2",
                "--interval",
                "0,1",
                "--left",
                "free",
                "--right",
                "free",
            ],
            "free",
        ),
        (
            vec![
                "extremal",
                "--lagrangian",
                "xp^2/2",
                "--interval",
                "1,0",
                "--left",
                "0",
                "--right",
                "1",
            ],
            "a < b",
        ),
        (
            vec![
                "extremal",
                "--lagrangian",
                "xp^2/2",
                "--interval",
                "0,0",
                "--left",
                "0",
                "--right",
                "1",
            ],
            "a < b",
        ),
        (base(&["--constraint", "sqrt(1+xp^2)=t"]), "constant"),
        (base(&["--constraint", "sqrt(1+xp^2)"]), "g=C"),
        (
            vec![
                "extremal",
                "--lagrangian",
                "x*xp",
                "--interval",
                "0,1",
                "--left",
                "0",
                "--right",
                "1",
            ],
            "null Lagrangian",
        ),
        (
            vec![
                "extremal",
                "--lagrangian",
                "xp^2/2",
                "--interval",
                "0,1",
                "--left",
                "zero",
                "--right",
                "1",
            ],
            "--left",
        ),
        (base(&["--t", "0:2:5"]), "--t"),
        (base(&["--levels", "3"]), "--levels"),
        (
            vec![
                "extremal",
                "--lagrangian",
                "y*xp",
                "--interval",
                "0,1",
                "--left",
                "0",
                "--right",
                "1",
            ],
            "'y'",
        ),
    ] {
        assert_bad_input_stdin(&args, None, mention);
    }
}

#[test]
fn out_prints_a_summary_in_text_too_and_large_files_round_trip() {
    // 100,003 values (more than one 64 KiB block of the reader and writer, not a multiple of
    // it), written by conv --out and read back through conv with the unit impulse.
    let dir = std::env::temp_dir().join(format!("flipshift-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let xs: Vec<String> = (0..100_002)
        .map(|i| format!("{}", ((i * 7919) % 1013) as f64 / 64.0 - 7.0))
        .collect();
    let x = tmp("big_x.txt", xs.join("\n").as_bytes());
    let h = tmp("big_h.txt", b"0.5 0.25");
    let first = dir.join("big_z.npy");
    let out = flipshift(&[
        "conv",
        "--x",
        x.to_str().unwrap(),
        "--h",
        h.to_str().unwrap(),
        "--method",
        "direct",
        "--out",
        first.to_str().unwrap(),
    ]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    // A header line and the summary: not 100,003 lines of values.
    assert!(text.lines().count() <= 3, "{text}");
    assert!(text.contains("100003 values written to"), "{text}");
    let second = dir.join("big_z2.npy");
    let b = json_ok_stdin(
        &[
            "conv",
            "--x",
            first.to_str().unwrap(),
            "--h",
            "-",
            "--method",
            "direct",
            "--out",
            second.to_str().unwrap(),
        ],
        Some("[1]"),
    );
    assert_eq!(b["summary"]["length"], 100_003);
    assert_eq!(
        std::fs::read(&first).unwrap(),
        std::fs::read(&second).unwrap()
    );
}

#[test]
fn solve_is_scale_invariant_at_extreme_magnitudes() {
    // h scaled by 2^k and λ by 4^k gives the answer scaled by 2^-k, exactly: the system is
    // solved at magnitudes near 1 whatever the data's. Cases from h ~ 1e100 (λ ~ 7e197, the
    // condition number is small) to h ~ 1e-100, and y ~ 1e150.
    let h = [1.0, 0.5, -0.25];
    let y = [1.0, -2.0, 0.5, 3.0, 1.5, -1.0];
    let lambda = 0.7;
    let run = |h: &[f64], y: &[f64], lambda: f64| -> Vec<f64> {
        let hs = format!("{h:?}");
        let ys = format!("{y:?}");
        let v = json_ok_stdin(
            &[
                "solve",
                "--h",
                "-",
                "--y",
                &tmp_json(&ys),
                "--lambda",
                &format!("{lambda:e}"),
            ],
            Some(&hs),
        );
        values(&v)
    };
    let base = run(&h, &y, lambda);
    for (k, ky) in [(332, 0), (-332, 0), (0, 498), (332, 498), (-332, 498)] {
        let (fh, fy) = (2f64.powi(k), 2f64.powi(ky));
        let hk: Vec<f64> = h.iter().map(|v| v * fh).collect();
        let yk: Vec<f64> = y.iter().map(|v| v * fy).collect();
        let got = run(&hk, &yk, lambda * fh * fh);
        for (g, b) in got.iter().zip(&base) {
            assert_eq!(*g, b * fy / fh, "h·2^{k}, y·2^{ky}");
        }
    }
    // An answer beyond the double range is a typed error (exit 2), not inf or a panic.
    let tiny_h: Vec<f64> = h.iter().map(|v| v * 1e-200).collect();
    let huge_y: Vec<f64> = y.iter().map(|v| v * 1e200).collect();
    let out = flipshift_stdin(
        &[
            "solve",
            "--h",
            "-",
            "--y",
            &tmp_json(&format!("{huge_y:?}")),
            "--lambda",
            "1e-400",
        ],
        Some(&format!("{tiny_h:?}")),
    );
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.starts_with("error:") && err.contains("beyond double precision"),
        "{err}"
    );
}

/// A JSON file holding `text`, for a second vector beside the one on standard input.
fn tmp_json(text: &str) -> String {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static N: AtomicUsize = AtomicUsize::new(0);
    let name = format!("v{}.json", N.fetch_add(1, Ordering::Relaxed));
    tmp(&name, text.as_bytes()).to_str().unwrap().to_string()
}

#[test]
fn derivative_with_a_signal_gives_z_t0_and_a_passing_gateaux_check() {
    let h = "exp(-t)*step(t)";
    let d = json_ok(&[
        "derivative",
        "--h",
        h,
        "--t0",
        "1",
        "--tau",
        "-2:1:4",
        "--x",
        "exp(-t^2)",
        "--gateaux",
    ]);
    // z(1) = ∫_{−∞}^{1} e^{−(1−τ)} e^{−τ²} dτ = (√π/2)·e^{−3/4}·(1 + erf(1/2)), the closed form
    // of the Gaussian against a one-sided exponential.
    let erf_half = 0.520_499_877_813_046_5;
    let exact = std::f64::consts::PI.sqrt() / 2.0 * (-0.75f64).exp() * (1.0 + erf_half);
    let z = d["z_t0"].as_f64().unwrap();
    let est = d["z_t0_error_estimate"].as_f64().unwrap();
    assert!(
        (z - exact).abs() <= est.max(1e-14),
        "z(1) = {z} ± {est}, exact {exact}"
    );
    let g = &d["gateaux"];
    // z(t0) is linear in x: the Richardson difference quotient is exact up to quadrature
    // rounding, so the two sides agree to ~1e-12 relative.
    assert!(g["rel_discrepancy"].as_f64().unwrap() < 1e-10, "{g}");
    assert_eq!(g["bump"].as_array().unwrap().len(), 2);
    // --gateaux needs --x.
    assert_bad_input_stdin(
        &["derivative", "--h", h, "--t0", "1", "--gateaux"],
        None,
        "--x",
    );
}

#[test]
fn lsgrad_at_the_exact_minimiser_ends_at_the_rounding_level_with_a_bound_per_point() {
    // y = gauss * gauss exactly: the gradient is identically zero, and each value's bound holds.
    let v = json_ok(&[
        "lsgrad",
        "--h",
        "gauss(t)",
        "--x",
        "gauss(t)",
        "--y",
        "gauss(t/sqrt(2))/sqrt(2)",
        "--s",
        "-2:2:9",
    ]);
    let est: Vec<f64> = v["error_estimates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e.as_f64().unwrap())
        .collect();
    let vals = values(&v);
    assert_eq!(est.len(), vals.len());
    for (g, e) in vals.iter().zip(&est) {
        assert!(g.abs() <= *e && *e < 1e-15, "{g} ± {e}");
    }
    // Data that is e^{−t}·step(t): outside its support it is zero, not e^{10⁴}·0.
    // δJ/δx(s) = ∫ gauss(t − s)((gauss * rect)(t) − y(t)) dt, checked against a dense sum.
    let v = json_ok(&[
        "lsgrad",
        "--h",
        "gauss(t)",
        "--x",
        "rect(t)",
        "--y",
        "exp(-t)*step(t)",
        "--s",
        "0,1",
    ]);
    let vals = values(&v);
    let phi = |u: f64| (-(u * u) / 2.0).exp() / (2.0 * std::f64::consts::PI).sqrt();
    let cdf = |u: f64| 0.5 * (1.0 + erf_approx(u / std::f64::consts::SQRT_2));
    for (k, s) in [0.0f64, 1.0].iter().enumerate() {
        let n = 520_000; // the jump of y at 0 falls on a cell edge
        let (a, b) = (-12.0, 14.0);
        let d = (b - a) / f64::from(n);
        let mut sum = 0.0;
        for i in 0..n {
            let t = a + (f64::from(i) + 0.5) * d;
            let z = cdf(t + 0.5) - cdf(t - 0.5);
            let y = if t > 0.0 { (-t).exp() } else { 0.0 };
            sum += phi(t - s) * (z - y) * d;
        }
        assert!(
            (vals[k] - sum).abs() < 1e-6,
            "s = {s}: {} vs {sum}",
            vals[k]
        );
    }
}

/// erf to ~1e-7 (Abramowitz–Stegun 7.1.26 is 1.5e-7): enough for a 1e-6 check.
fn erf_approx(x: f64) -> f64 {
    let s = x.signum();
    let x = x.abs();
    let t = 1.0 / (1.0 + 0.327_591_1 * x);
    let y = 1.0
        - (((((1.061_405_429 * t - 1.453_152_027) * t) + 1.421_413_741) * t - 0.284_496_736) * t
            + 0.254_829_592)
            * t
            * (-x * x).exp();
    s * y
}
