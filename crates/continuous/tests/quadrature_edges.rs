//! Quadrature: accuracy, honest estimates, and errors for integrals that do not exist.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use flipshift_continuous::{
    ContinuousError, Expr, Interval, QuadParams, convolve, erfc, integrate,
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
