//! The point evaluation's derivative h(t0 − τ) and its Gateaux proof; the operator identities
//! (reversal, shift, scale, adjoints) as properties.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use flipshift_continuous::{
    Bump, CompiledExpr, Expr, PointEval, QuadParams, RealFn, RealFnExt, gateaux_check, integrate,
    point_eval_derivative,
};
use proptest::prelude::*;

fn c(src: &str) -> CompiledExpr {
    Expr::parse(src).unwrap().compile().unwrap()
}

#[test]
fn point_eval_derivative_is_the_kernel_reversed_and_shifted() {
    let h = c("exp(-(t - 0.5))*step(t - 0.5)");
    let pe = PointEval::new(h.clone(), 1.25).unwrap();
    let d = pe.derivative();
    for tau in [-3.0, -0.1, 0.0, 0.5, 0.75, 0.76, 2.0] {
        assert_eq!(d.eval(tau), h.eval(1.25 - tau), "τ = {tau}");
    }
    // Support of h is [0.5, ∞); of h(t0 − ·) it is (−∞, t0 − 0.5].
    assert_eq!(
        (d.support().a(), d.support().b()),
        (f64::NEG_INFINITY, 0.75)
    );
    // Symbolically, with the simplifier's forms.
    let sym = point_eval_derivative(&Expr::parse("exp(-(t - 0.5))*step(t - 0.5)").unwrap(), 1.25);
    assert_eq!(sym.to_unicode(), "exp(τ − 0.75)·step(0.75 − τ)");
    assert!(PointEval::new(h, f64::NAN).is_err());
}

#[test]
fn point_eval_derivative_passes_the_gateaux_check() {
    // z(t0) is linear in x: its directional derivative along φ is ⟨h(t0 − ·), φ⟩ exactly.
    let h = c("exp(-(t - 0.5))*step(t - 0.5)");
    let x = c("exp(-t^2)");
    let pe = PointEval::new(h, 1.25).unwrap();
    let q = QuadParams::default();
    let f = |xx: &dyn RealFn| pe.value(xx, q).map(|v| v.0);
    let phi = Bump::new(0.3, 0.8).unwrap();
    let rep = gateaux_check(&f, &x, &pe.derivative(), &phi, 0.5, q).unwrap();
    // Both sides are quadratures at rel 1e-13; the difference quotient divides their rounding
    // by ε ≈ 0.1: 1e-11 leaves a factor 10 of room.
    assert!(rep.rel_discrepancy < 1e-11, "{rep:?}");
    // A wrong derivative (the kernel not flipped) fails the same check.
    let wrong = c("exp(-(t - 0.5))*step(t - 0.5)").shifted(-1.25);
    let bad = gateaux_check(&f, &x, &wrong, &phi, 0.5, q).unwrap();
    assert!(bad.rel_discrepancy > 1e-2, "{bad:?}");
}

fn inner(f: &dyn RealFn, g: &dyn RealFn) -> f64 {
    let mut b = f.breakpoints();
    b.extend(g.breakpoints());
    let iv = f.support().intersect(&g.support());
    match iv {
        None => 0.0,
        Some(iv) => {
            integrate(&|t| f.eval(t) * g.eval(t), iv, &b, QuadParams::default())
                .unwrap()
                .0
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn reversal_is_an_involution(t in -5.0f64..5.0) {
        let h = c("exp(-(t - 0.5))*step(t - 0.5)");
        prop_assert_eq!(h.clone().reversed().reversed().eval(t), h.eval(t));
    }

    #[test]
    fn shifts_compose_additively(a in -3.0f64..3.0, b in -3.0f64..3.0, t in -5.0f64..5.0) {
        let h = c("tri(t)*exp(t)");
        let lhs = h.clone().shifted(b).shifted(a).eval(t);
        let rhs = h.shifted(a + b).eval(t);
        // t − a − b and t − (a + b) differ by rounding: compare with tri's slope bound.
        prop_assert!((lhs - rhs).abs() <= 1e-12 * 10.0, "{} vs {}", lhs, rhs);
    }

    #[test]
    fn reversal_turns_a_shift_around(a in -3.0f64..3.0, t in -5.0f64..5.0) {
        let h = c("rect(t - 0.2)*(1 + t)");
        let lhs = h.clone().shifted(a).reversed();
        let rhs = h.reversed().shifted(-a);
        prop_assert_eq!(lhs.eval(t), rhs.eval(t));
        prop_assert_eq!(lhs.support(), rhs.support());
    }

    #[test]
    fn supports_follow_the_operator_rules(a in -3.0f64..3.0, c0 in 0.2f64..3.0) {
        let h = c("rect((t - 1)/2)"); // support [0, 2]
        let s = h.clone().shifted(a).support();
        prop_assert_eq!((s.a(), s.b()), (0.0 + a, 2.0 + a));
        let r = h.clone().reversed().support();
        prop_assert_eq!((r.a(), r.b()), (-2.0, 0.0));
        let d = h.scaled(-c0).unwrap().support();
        prop_assert!((d.a() + 2.0 / c0).abs() < 1e-12 && d.b().abs() < 1e-12);
    }

    #[test]
    fn shift_adjoint_is_the_opposite_shift(a in -2.0f64..2.0) {
        // ⟨S_a f, g⟩ = ⟨f, S_{−a} g⟩.
        let f = c("tri(t)*exp(t/3)");
        let g = c("exp(-(t - 0.4)^2)*(1 + t)");
        let lhs = inner(&f.clone().shifted(a), &g);
        let rhs = inner(&f, &g.clone().shifted(-a));
        prop_assert!((lhs - rhs).abs() <= 1e-12 * lhs.abs().max(1e-3), "{} vs {}", lhs, rhs);
    }
}
