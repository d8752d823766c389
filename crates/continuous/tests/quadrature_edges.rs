//! Quadrature: accuracy, honest estimates, and errors for integrals that do not exist.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use flipshift_continuous::{ContinuousError, Interval, QuadParams, integrate};

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
        // 1e-13 relative (the default tolerance), and the estimate covers the error.
        assert!(err <= 1e-13 * want.abs(), "case {i}: {v} vs {want}");
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
