//! Quadrature: accuracy, honest estimates, and errors for integrals that do not exist.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use flipshift_continuous::{
    ContinuousError, Expr, Interval, QuadParams, convolve, convolve_lenient, erfc, integrate,
};

/// An integrand, its range and its exact integral.
type Case = (Box<dyn Fn(f64) -> f64>, Interval, f64);

fn iv(a: f64, b: f64) -> Interval {
    Interval::new(a, b).unwrap()
}

#[test]
fn smooth_integrals_reach_machine_precision() {
    let p = QuadParams::default();
    let pi = std::f64::consts::PI;
    let cases: Vec<Case> = vec![
        (
            Box::new(|t: f64| (-t * t).exp()),
            Interval::real_line(),
            pi.sqrt(),
        ),
        (
            Box::new(|t: f64| 1.0 / (1.0 + t * t)),
            Interval::real_line(),
            pi,
        ),
        (
            Box::new(|t: f64| 1.0 / (t * t)),
            iv(1.0, f64::INFINITY),
            1.0,
        ),
        (Box::new(|t: f64| t.sqrt()), iv(0.0, 1.0), 2.0 / 3.0),
        (Box::new(|t: f64| (-t).exp()), iv(0.0, f64::INFINITY), 1.0),
        (Box::new(|t: f64| t.sin()), iv(0.0, pi), 2.0),
    ];
    for (i, (f, range, want)) in cases.iter().enumerate() {
        let (v, info) = integrate(f.as_ref(), *range, &[], p).unwrap();
        let err = (v - want).abs();
        // 1e-12 relative (the default tolerance), and the estimate covers the error.
        assert!(err <= 1e-12 * want.abs(), "case {i}: {v} vs {want}");
        assert!(
            err <= info.error_estimate + 4.0 * f64::EPSILON * want,
            "case {i}: estimate {}",
            info.error_estimate
        );
    }
}

#[test]
fn splitting_at_breakpoints_recovers_a_jump() {
    // (h*h)(1) for h = e^{−t}step(t) is e^{−1}; in one piece over [−5, 5] quadrature sees a jump.
    let f = |tau: f64| {
        let h = |t: f64| {
            if t > 0.0 {
                (-t).exp()
            } else if t == 0.0 {
                0.5
            } else {
                0.0
            }
        };
        h(tau) * h(1.0 - tau)
    };
    let (v, _) = integrate(&f, iv(-5.0, 5.0), &[0.0, 1.0], QuadParams::default()).unwrap();
    assert!((v - (-1.0f64).exp()).abs() < 1e-15);
}

#[test]
fn integrals_that_do_not_exist_are_errors() {
    let p = QuadParams::default();
    assert!(matches!(
        integrate(&|_t| 1.0, Interval::real_line(), &[], p),
        Err(ContinuousError::Divergent { .. })
    ));
    assert!(matches!(
        integrate(&|t: f64| 1.0 / t, iv(1.0, f64::INFINITY), &[], p),
        Err(ContinuousError::Divergent { .. })
    ));
    assert!(matches!(
        integrate(&|t: f64| t.sin(), iv(0.0, f64::INFINITY), &[], p),
        Err(ContinuousError::Divergent { .. })
    ));
}

#[test]
fn non_finite_integrands_are_errors_not_zeros() {
    let r = integrate(
        &|t: f64| (t - 0.3).ln(),
        iv(0.0, 1.0),
        &[],
        QuadParams::default(),
    );
    assert!(
        matches!(r, Err(ContinuousError::NotDefined { .. })),
        "{r:?}"
    );
}

#[test]
fn an_unreachable_tolerance_reports_the_best_value() {
    // The kink of √|t| at 0 (not declared as a breakpoint) needs ~30 bisections to reach
    // rounding level; a budget of 10 panels cannot.
    let p = QuadParams {
        rel_tol: 1e-15,
        abs_tol: 0.0,
        max_subdivisions: 10,
        ..Default::default()
    };
    match integrate(&|t: f64| t.abs().sqrt(), iv(-1.0, 1.0), &[], p) {
        Err(ContinuousError::NoConvergence {
            estimate,
            error_estimate,
            ..
        }) => {
            assert!((estimate - 4.0 / 3.0).abs() <= error_estimate.max(1e-12));
        }
        other => panic!("expected NoConvergence, got {other:?}"),
    }
}

#[test]
fn bad_parameters_are_errors() {
    let p = QuadParams {
        rel_tol: -1.0,
        ..Default::default()
    };
    assert!(integrate(&|t| t, iv(0.0, 1.0), &[], p).is_err());
}

/// A step the way a compiled expression computes it: ½ at 0.
fn step(t: f64) -> f64 {
    if t > 0.0 {
        1.0
    } else if t == 0.0 {
        0.5
    } else {
        0.0
    }
}

#[test]
fn a_nan_far_out_is_not_taken_for_divergence() {
    // e^{-|τ|} written as e^τ·step(−τ) + e^{−τ}·step(τ), times e^{−τ²}: the integral exists, but
    // beyond |τ| ≈ 709.8 one exponential overflows while its window is 0, and ∞·0 is NaN. The
    // decay probe (at 10⁴…10⁸) sees only NaN; that is not evidence that the integral does not
    // exist, and is reported as the NaN it is, where it came out.
    let p = QuadParams::default();
    let naive = |t: f64| (t.exp() * step(-t) + (-t).exp() * step(t)) * (-t * t).exp();
    match integrate(&naive, Interval::real_line(), &[0.0], p) {
        Err(ContinuousError::NotDefined { t, value, .. }) => {
            assert!(t.abs() >= 1e4 && value.is_nan(), "t = {t}, value {value}");
        }
        other => panic!("expected NotDefined, got {other:?}"),
    }
    // Written so that the window decides first, the same integrand integrates:
    // ∫ e^{−|τ|−τ²} dτ = √π e^{1/4} erfc(1/2).
    let safe = |t: f64| (-t.abs()).exp() * (-t * t).exp();
    let (v, _) = integrate(&safe, Interval::real_line(), &[0.0], p).unwrap();
    let want = std::f64::consts::PI.sqrt() * 0.25f64.exp() * erfc(0.5);
    assert!((v - want).abs() <= 1e-13 * want, "{v} vs {want}");
    // An integrand that overflows far out but visibly does not decay nearer in is still
    // divergent: e^τ·e^{−τ} is 1, and NaN (∞·0) beyond 709.8.
    let r = integrate(
        &|t: f64| t.exp() * (-t).exp(),
        iv(0.0, f64::INFINITY),
        &[],
        p,
    );
    assert!(matches!(r, Err(ContinuousError::Divergent { .. })), "{r:?}");
}

#[test]
fn one_sided_and_two_sided_kernels_against_a_gaussian() {
    // h = e^t step(−t) against x = e^{−t²}: (h*x)(t) = e^{t+1/4} (√π/2) erfc(t + 1/2).
    let p = QuadParams::default();
    let sqrt_pi = std::f64::consts::PI.sqrt();
    let compile = |s: &str| Expr::parse(s).unwrap().compile().unwrap();
    let x = compile("exp(-t^2)");
    let t = [-1.0, 0.0, 1.0];
    let z = convolve(&compile("exp(t)*step(-t)"), &x, &t, p).unwrap();
    for (i, &ti) in t.iter().enumerate() {
        let want = (ti + 0.25f64).exp() * 0.5 * sqrt_pi * erfc(ti + 0.5);
        assert!(
            (z.values[i] - want).abs() <= 1e-13 * want,
            "t = {ti}: {} vs {want}",
            z.values[i]
        );
    }
    // The two-sided e^{−|t|} as a sum of windowed exponentials: the compiled sum overflows to
    // ∞·0 = NaN far out (each term alone is clipped to its support, the sum is not), which
    // quadrature reports as such rather than as a divergent integral; where the evaluation
    // gives 0 there, the values are (√π/2) e^{1/4} (e^{−t} erfc(1/2 − t) + e^t erfc(1/2 + t)).
    let two_sided = compile("exp(t)*step(-t) + exp(-t)*step(t)");
    match convolve(&two_sided, &x, &t, p) {
        Ok(z) => {
            for (i, &ti) in t.iter().enumerate() {
                let want = 0.5
                    * sqrt_pi
                    * 0.25f64.exp()
                    * ((-ti).exp() * erfc(0.5 - ti) + ti.exp() * erfc(0.5 + ti));
                assert!(
                    (z.values[i] - want).abs() <= 1e-13 * want,
                    "t = {ti}: {} vs {want}",
                    z.values[i]
                );
            }
        }
        Err(ContinuousError::NotDefined { value, .. }) => assert!(value.is_nan()),
        Err(other) => panic!("{other:?}"),
    }
}

// ---- The edges of issue "right or refused": each value within its own bound ----------------

fn compiled(s: &str) -> flipshift_continuous::CompiledExpr {
    Expr::parse(s).unwrap().compile().unwrap()
}

/// Quadrature's value and bound at `t`, which must contain `want` (known to `want_err`).
fn quad_holds(h: &str, x: &str, t: f64, want: f64, want_err: f64) -> (f64, f64) {
    let out = convolve_lenient(&compiled(h), &compiled(x), &[t], QuadParams::default()).unwrap();
    let (v, b) = (out.values[0], out.error_estimates[0]);
    assert!(
        (v - want).abs() <= b + want_err,
        "{h} * {x} at {t}: {v} ± {b:e} vs {want} (error {:e})",
        (v - want).abs()
    );
    (v, b)
}

#[test]
fn a_window_narrower_than_the_rounding_of_its_position_is_integrated_in_its_own_variable() {
    // ∫_{−w}^{w} sin(t − τ) cos τ dτ = w sin t + ½ sin(2w) sin t... exactly
    // sin(t)·(w + sin(2w)/2) for w = 1e-9 (cos τ ≈ 1): relative accuracy, not that of t ± w.
    let w = 1e-9f64;
    let t = 0.7f64;
    let want = t.sin() * (w + (2.0 * w).sin() / 2.0);
    let (v, b) = quad_holds(
        "sin(t)*step(t+1)*step(1-t)",
        "cos(t)*step(t+1e-9)*step(1e-9-t)",
        t,
        want,
        4.0 * f64::EPSILON * want,
    );
    assert!(
        (v - want).abs() <= 1e-14 * want && b <= 1e-13 * want,
        "{v} ± {b}"
    );
}

#[test]
fn a_narrow_gaussian_is_found_on_a_long_range() {
    // h one-sided exponential (rate 1/w), x a Gaussian of width 3e-4:
    // ∫_c^∞ e^{−(τ−c)/w} e^{−(τ−m)²/(2s²)} dτ = s√(π/2) e^{s²/(2w²) − (m−c)/w} erfc((c − m + s²/w)/(s√2)).
    let (a1, c, w) = (-0.0121282, 0.0710627827963829, 1.40285312268091);
    let (a2, d, s) = (2.84099, 0.00101678, 0.000303183);
    let t = 0.391768943249043;
    let m = t + d;
    let want = a1
        * a2
        * s
        * (std::f64::consts::PI / 2.0).sqrt()
        * (s * s / (2.0 * w * w) - (m - c) / w).exp()
        * erfc((c - m + s * s / w) / (s * std::f64::consts::SQRT_2));
    let (v, b) = quad_holds(
        &format!("{a1}*exp(-(t-{c})/{w})*step(t-{c})"),
        &format!("{a2}*exp(-(t+{d})^2/(2*{s}^2))"),
        t,
        want,
        1e-14 * want.abs(),
    );
    assert!(v != 0.0 && b < 1e-12 * want.abs(), "{v} ± {b} vs {want}");
    // Two Gaussians 5719 apart, widths 3.5 and 336: the product's peak is found.
    let (s1, s2, t) = (3.5f64, 336.0f64, 0.0);
    let var = s1 * s1 + s2 * s2;
    let want = 2.0 * std::f64::consts::PI * s1 * s2 / (2.0 * std::f64::consts::PI * var).sqrt()
        * (-(t + 5719.0f64).powi(2) / (2.0 * var)).exp();
    quad_holds(
        "exp(-(t+5719)^2/(2*3.5^2))",
        "exp(-t^2/(2*336^2))",
        t,
        want,
        1e-13 * want,
    );
}

#[test]
fn an_integral_that_is_exactly_zero_ends_at_its_rounding_level() {
    // tanh is odd, e^{−t²} even: the integral at 0 vanishes.
    let out = convolve_lenient(
        &compiled("tanh(t)"),
        &compiled("exp(-t^2)"),
        &[0.0],
        QuadParams::default(),
    )
    .unwrap();
    assert!(out.unmet.is_empty(), "{out:?}");
    assert!(out.values[0].abs() <= out.error_estimates[0]);
    assert!(out.error_estimates[0] < 1e-13);
}

#[test]
fn integrable_endpoint_singularities_are_integrated_to_rounding() {
    // ∫_{t−½}^{t+½} log|τ| dτ with F(x) = x log|x| − x.
    let f = |x: f64| if x == 0.0 { 0.0 } else { x * x.abs().ln() - x };
    let t = -0.375f64;
    let want = f(t + 0.5) - f(t - 0.5);
    assert!((want - (-1.3767701612564368)).abs() < 1e-15);
    quad_holds("log(abs(t))", "rect(t)", t, want, 1e-15);
    // ∫ |τ|^{−1/2} over [t − ½, t + ½] = 2(√|b| ± √|a|).
    let t = 0.2f64;
    let want = 2.0 * ((t + 0.5f64).sqrt() + (0.5 - t).sqrt());
    quad_holds("1/sqrt(abs(t))", "rect(t)", t, want, 1e-15);
}

#[test]
fn oscillatory_tails_are_extrapolated_with_honest_bounds() {
    // sinc * sinc = sinc (band-limited), and sinc * sinc(t/2) = sinc(t/2).
    for t in [0.3f64, 1.7, 10.2] {
        let want = flipshift_continuous::sinc(t);
        let (v, b) = quad_holds("sinc(t)", "sinc(t)", t, want, 1e-16);
        assert!((v - want).abs() < 1e-9 && b < 1e-7, "{t}: {v} ± {b}");
        let want = flipshift_continuous::sinc(t / 2.0);
        let (v, b) = quad_holds("sinc(t)", "sinc(t/2)", t, want, 1e-16);
        assert!((v - want).abs() < 1e-9 && b < 1e-7, "{t}: {v} ± {b}");
    }
}

#[test]
fn a_factor_outside_its_support_is_zero_whatever_the_other_gives() {
    // y = e^{−t} step(t) is e^{10⁴}·0 at t = −10⁴ in plain arithmetic; its support says 0.
    // gauss * (e^{−t} step(t)) at t: e^{1/2 − t} Φ(t − 1) (the normal CDF).
    let t = 1.5f64;
    let want = (0.5 - t).exp() * 0.5 * erfc(-(t - 1.0) / std::f64::consts::SQRT_2);
    quad_holds("gauss(t)", "exp(-t)*step(t)", t, want, 1e-15);
}

#[test]
fn a_user_closure_with_declared_features_has_its_spike_found() {
    // A spike of width 1e-6 at 0.375 on [0, 1000]: declared as a peak, it is not stepped over.
    // (At 0.375, t − c is exact near the peak; a closure centred at 123.4 would lose 1e-8 of
    // each value to the rounding of t − c, which no bound of a plain closure can know.)
    use flipshift_continuous::{Features, FnWithSupport, Peak, integrate_fn};
    let c = 0.375;
    let spike = FnWithSupport::new(
        move |t: f64| (-(t - c) * (t - c) / (2.0 * 1e-12)).exp(),
        iv(0.0, 1000.0),
    )
    .with_features(Features {
        peaks: vec![Peak {
            centre: c,
            width: 1e-6,
        }],
        ..Features::default()
    });
    let want = 1e-6 * (2.0 * std::f64::consts::PI).sqrt();
    // Each node lands up to an ulp of 0.375 (3·10⁻¹¹ of the width) from where the rule means
    // it: about 10⁻¹² of the value in all, which the bound counts. 10⁻¹⁰ is met...
    let params = QuadParams {
        rel_tol: 1e-10,
        ..QuadParams::default()
    };
    let (v, info) = integrate_fn(&spike, params).unwrap();
    assert!(
        (v - want).abs() <= info.error_estimate,
        "{v} ± {}",
        info.error_estimate
    );
    assert!((v - want).abs() < 1e-11 * want && info.error_estimate < 1e-10 * want);
    // ...and the default 10⁻¹², below what the nodes' rounding allows, is refused.
    match integrate_fn(&spike, QuadParams::default()) {
        Ok((v, info)) => assert!((v - want).abs() <= info.error_estimate),
        Err(ContinuousError::NoConvergence {
            estimate,
            error_estimate,
            ..
        }) => assert!((estimate - want).abs() <= error_estimate),
        Err(other) => panic!("{other:?}"),
    }
}
