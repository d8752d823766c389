//! Convolution integrals against closed forms: ≤ 1e-12 relative (1e-14 absolute where z ≈ 0),
//! with the reported error estimate never below the true error.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use flipshift_continuous::{CompiledExpr, Expr, QuadParams, convolve, erf, erfc};

fn c(src: &str) -> CompiledExpr {
    Expr::parse(src).unwrap().compile().unwrap()
}

fn grid() -> Vec<f64> {
    // Dense, plus the breakpoints of the kernels below and their sums.
    let mut g: Vec<f64> = (0..=160).map(|i| -4.0 + 0.05 * f64::from(i)).collect();
    g.extend([
        -1.5, -1.0, -0.5, 0.0, 0.5, 1.0, 1.5, 0.35, -0.35, 0.7, 2.5, 6.0, -6.0,
    ]);
    g
}

/// Assert every value within 1e-12 relative or 1e-14 absolute, and that the estimate covers the
/// true error.
fn check(name: &str, h: &str, x: &str, exact: &dyn Fn(f64) -> f64) {
    let (hc, xc) = (c(h), c(x));
    let t = grid();
    let out = convolve(&hc, &xc, &t, QuadParams::default()).unwrap();
    for (i, &ti) in t.iter().enumerate() {
        let (got, want, est) = (out.values[i], exact(ti), out.error_estimates[i]);
        let err = (got - want).abs();
        assert!(
            err <= 1e-12 * want.abs() || err <= 1e-14,
            "{name} at t = {ti}: got {got}, want {want}, error {err:e}"
        );
        // The estimate must cover the error; the exact value itself carries a few ulps of
        // rounding (erf differences, exp), so allow 4 ulps of the value on top.
        assert!(
            err <= est + 4.0 * f64::EPSILON * want.abs().max(f64::MIN_POSITIVE),
            "{name} at t = {ti}: error {err:e} exceeds its estimate {est:e}"
        );
    }
}

#[test]
fn gaussian_times_gaussian_adds_variances_and_means() {
    // N(0.3, 0.5²) * N(−1, 1.5²) = N(−0.7, 2.5).
    let s = 2.5f64.sqrt();
    check(
        "gauss*gauss",
        "gauss((t - 0.3)/0.5)/0.5",
        "gauss((t + 1)/1.5)/1.5",
        &|t| {
            (-(t + 0.7) * (t + 0.7) / (2.0 * 2.5)).exp() / (s * (2.0 * std::f64::consts::PI).sqrt())
        },
    );
}

#[test]
fn rect_times_rect_is_the_triangle() {
    check("rect*rect", "rect(t)", "rect(t)", &|t| {
        (1.0 - t.abs()).max(0.0)
    });
}

#[test]
fn rect_times_tri_is_piecewise_quadratic() {
    // ∫_{t−½}^{t+½} tri(u) du: 3/4 − t² for |t| ≤ ½ and (3/2 − |t|)²/2 for ½ ≤ |t| ≤ 3/2
    // (written without differences of nearly equal numbers, so exact to a few ulps).
    check("rect*tri", "rect(t)", "tri(t)", &|t| {
        let a = t.abs();
        if a <= 0.5 {
            0.75 - t * t
        } else if a <= 1.5 {
            (1.5 - a).powi(2) / 2.0
        } else {
            0.0
        }
    });
}

#[test]
fn one_sided_exponential_times_step_is_one_minus_exponential() {
    check("exp·step*step", "exp(-t)*step(t)", "step(t)", &|t| {
        if t > 0.0 { 1.0 - (-t).exp() } else { 0.0 }
    });
}

#[test]
fn two_sided_exponentials_of_different_rates() {
    // FT of e^{−a|t|} is 2a/(a² + ω²); partial fractions give
    // (2b e^{−a|t|} − 2a e^{−b|t|})/(b² − a²).
    let (a, b) = (1.0f64, 2.5f64);
    check(
        "exp(-a|t|)*exp(-b|t|)",
        "exp(-abs(t))",
        "exp(-2.5*abs(t))",
        &|t| (2.0 * b * (-a * t.abs()).exp() - 2.0 * a * (-b * t.abs()).exp()) / (b * b - a * a),
    );
}

#[test]
fn gaussian_times_rect_is_an_erf_difference() {
    // ∫_{t−½}^{t+½} gauss = Φ(t + ½) − Φ(t − ½); z is even, and for |t| ≥ ½ the difference is
    // taken between erfc values (small, no cancellation), for |t| < ½ between erf values
    // of opposite signs (a sum, no cancellation either).
    let exact = |t: f64| {
        let r = std::f64::consts::FRAC_1_SQRT_2;
        let a = t.abs();
        if a >= 0.5 {
            0.5 * (erfc((a - 0.5) * r) - erfc((a + 0.5) * r))
        } else {
            0.5 * (erf((a + 0.5) * r) - erf((a - 0.5) * r))
        }
    };
    check("gauss*rect", "gauss(t)", "rect(t)", &exact);
}

#[test]
fn off_centre_one_sided_kernel_against_a_gaussian() {
    // h = e^{−(t−½)} step(t − ½), x = e^{−t²}: z(t) = ∫_{½}^∞ e^{−(τ−½)} e^{−(t−τ)²} dτ
    // = (√π/2) e^{¼ − (t − ½)} erfc(½ − (t − ½)) after completing the square.
    let exact = |t: f64| {
        let s = t - 0.5;
        0.5 * std::f64::consts::PI.sqrt() * (0.25 - s).exp() * erfc(0.5 - s)
    };
    check(
        "off-centre",
        "exp(-(t - 0.5))*step(t - 0.5)",
        "exp(-t^2)",
        &exact,
    );
}

#[test]
fn far_tails_keep_their_relative_accuracy() {
    // gauss * gauss = N(0, 2): at t = 30 the value is e^{−225}/√(4π) ≈ 1e-98; with no absolute
    // floor in the default tolerance it is still computed to 1e-13 relative.
    let g = c("gauss(t)");
    let t = [10.0, 20.0, 30.0];
    let out = convolve(&g, &g, &t, QuadParams::default()).unwrap();
    for (i, &ti) in t.iter().enumerate() {
        let want = (-ti * ti / 4.0).exp() / (4.0 * std::f64::consts::PI).sqrt();
        // exp of a large argument carries |arg|·ε relative rounding (225·ε at t = 30).
        let tol = 1e-13 + 4.0 * (ti * ti / 4.0) * f64::EPSILON;
        assert!(
            (out.values[i] - want).abs() <= tol * want,
            "t = {ti}: {} vs {want}",
            out.values[i]
        );
    }
}
