//! Every failure the fuzz targets (`fuzz/`) found, minimised, as a test. A failure not fixed
//! yet would be `#[ignore]`d here with what is wrong, and the fuzz targets and proptest suites
//! would skip its class in `flipshift_testkit::properties`; today none is.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use flipshift_continuous::{Expr, Func, QuadParams, convolve_lenient, convolve_symbolic};

fn parse(src: &str) -> Expr {
    Expr::parse(src).unwrap_or_else(|e| panic!("{src}: {e}"))
}

/// Found by `parse`: `1 - ` followed by 64 minus signs and `1` parsed (each sign one level of
/// nesting, 65 in all), but printed as `1 - (-(-(…-1)))`, a parenthesis and a sign per level,
/// which the parser refused as nested more than 100 deep. A '(' right after a unary sign now
/// costs no level of its own, so the printed text is exactly as deep as the typed one.
#[test]
fn what_parses_prints_as_text_that_parses_again_however_many_signs() {
    let src = format!("1\n{}1", "-".repeat(65));
    let e = parse(&src);
    let back = parse(&e.to_ascii());
    assert_eq!(back.eval_at(0.0), e.eval_at(0.0));
    for k in [1, 2, 50, 99, 100] {
        let src = format!("{}t", "-".repeat(k));
        let e = parse(&src);
        let printed = e.to_ascii();
        let back =
            Expr::parse(&printed).unwrap_or_else(|err| panic!("{k} signs: {printed}: {err}"));
        assert_eq!(back, e, "{k} signs");
    }
    // The limit itself stands: 101 signs, or 101 parentheses, are refused with a column.
    for src in [
        format!("{}t", "-".repeat(101)),
        format!("{}t{}", "(".repeat(101), ")".repeat(101)),
    ] {
        assert!(Expr::parse(&src).is_err(), "{}", &src[..10]);
    }
    // And a sign before a parenthesis still counts once: 100 of `-(` parse, 101 do not.
    let deep = |k: usize| format!("{}t{}", "-(".repeat(k), ")".repeat(k));
    assert!(Expr::parse(&deep(100)).is_ok());
    assert!(Expr::parse(&deep(101)).is_err());
}

/// Found by `parse`: the ASCII printer drops the parentheses of a right-nested product, so
/// `e*(t*t)*t` prints as `e*t*t*t`, which parses to a different tree, `((e·t)·t)·t`. The values
/// differ in the last bit (at t = −0.45: −0.24770343161833047 against −0.24770343161833053),
/// where the printer's documentation promises an equal expression (it regroups `a*(b/c)` as
/// `a*b/c` and `a + (b + c)` as `a + b + c` too). The fuzz target compares the values within
/// the rounding of both groupings meanwhile.
#[test]
fn printing_keeps_the_grouping_of_products() {
    for src in ["e*(t*t)*t", "t*(t/3)", "t + (t + 1)"] {
        let e = parse(src);
        assert_eq!(parse(&e.to_ascii()), e, "{src} printed as {}", e.to_ascii());
    }
}

/// Found by `simplify`: sinc″(u) is NaN for |u| ≳ 1e154 and sinc′(u) for |u| ≳ 1e308 (an
/// overflow inside their formulas: u³, u² then ∞/∞), where both are below 1e-150 in magnitude;
/// d²/dt² sinc(t) is then NaN at t = 1e200, and the compiled bound of `sinc′(exp(t))` at
/// t = 700 is NaN.
#[test]
fn sinc_derivatives_are_finite_at_large_arguments() {
    for u in [1e155, 1e200, 1e300, 1e308, -1e308] {
        for f in [Func::SincD1, Func::SincD2] {
            let v = Expr::call(f, Expr::num(u)).eval_at(0.0);
            assert!(
                v.is_finite() && v.abs() <= 10.0 / u.abs(),
                "{}({u:e}) = {v}",
                f.name()
            );
        }
    }
    let d2 = parse("sinc(t)").diff("t").diff("t");
    assert!(d2.eval_at(1e200).is_finite());
    let c = Expr::call(Func::SincD1, parse("exp(t)")).compile().unwrap();
    let (v, b) = c.eval_formula_with_error(700.0, 0.0);
    assert!(v.is_finite() && !b.is_nan(), "{v} ± {b}");
}

/// Found by `simplify`: the compiled program's error bound is NaN where a slope of 0 meets an
/// infinite error (`gauss` of an argument whose error overflowed: 0·∞), or an intermediate
/// overflows although the value does not (`t/exp(t)^(3/2)` at t = 700: 700/∞ = 0 with bound
/// NaN). A NaN bound is no bound: `f64::max` drops it, and a sum of bounds becomes NaN.
#[test]
fn compiled_bounds_are_never_nan() {
    for (src, t) in [("t*exp(t)^(-3/2)", 700.0), ("tanh(gauss(1e-300^t))", -0.5)] {
        let c = parse(src).compile().unwrap();
        let (v, b) = c.eval_formula_with_error(t, 0.0);
        assert!(!b.is_nan(), "{src} at {t}: {v} ± {b}");
    }
}

/// Found by `simplify`: a constant folded below the normal range keeps only a few digits
/// (1e-300·1e-17 = 1.0000002306925e-317), and the compiled bound does not count it:
/// `1e-300*1e-17/t` at t = 1e-8 gives 1.000000230692537e-309 ± 0 where the exact value is
/// 1e-309 to 16 digits.
#[test]
fn compiled_bounds_count_constants_folded_into_subnormals() {
    let c = parse("1e-300*1e-17/t").compile().unwrap();
    let (v, b) = c.eval_formula_with_error(1e-8, 0.0);
    let want = 1e-309;
    assert!(
        (v - want).abs() <= b + 1e-15 * want,
        "{v:e} ± {b:e}, want {want:e}"
    );
}

/// Found by `simplify`: a term whose constant factor underflows is dropped as zero although
/// the term is not: `(2*t)^(-1100) + 1` simplifies to `1` (2⁻¹¹⁰⁰ = 0 in double precision, but
/// at t = 0.5 the term is 1), `(3*t)^(-700) + 1/t` to `1/t`, and a product whose coefficients
/// fold through an underflow, `t*1e-200*1e-200*1e200*1e200`, to `0` (it is 1e300 at
/// t = 1e300; so is the unsimplified tree, evaluated left to right).
#[test]
fn simplify_keeps_terms_whose_constants_underflow() {
    for (src, t) in [
        ("(2*t)^(-1100) + 1", 0.5),
        ("(3*t)^(-700) + 1/t", 1.0 / 3.0),
        ("t*1e-200*1e-200*1e200*1e200", 1e300),
    ] {
        let e = parse(src);
        let (want, got) = (e.eval_at(t), e.simplify().eval_at(t));
        assert!(
            (got - want).abs() <= 1e-14 * want.abs(),
            "{src} simplified to {}: at t = {t:e}, {got:e} against {want:e}",
            e.simplify().to_ascii()
        );
    }
}

/// Found by `simplify`: simplification sums the constants of a sum in another order than the
/// one written, and compilation folds the result once more, charging only the last constant's
/// half ulp: `(-1e-10 - (step(pi) - 1))*t` becomes `(0.9999999999 - step(pi))*t` and then a
/// single coefficient −1.000000082740371e-10, with a bound of 2.2e-26 at t = 1 for an error of
/// 8.3e-18 (the expression as written is exactly −1e-10 there; its tree evaluation gives
/// that). The simplified form agrees with the original within the sum's condition
/// (Σ|terms|·ε), which is what the fuzz target checks; the bound is what is wrong.
#[test]
fn compiled_bounds_count_the_rounding_of_folded_constants() {
    let e = parse("(-1e-10 - (step(pi) - 1))*t");
    assert_eq!(e.eval_at(1.0), -1e-10);
    let (v, b) = e.compile().unwrap().eval_formula_with_error(1.0, 0.0);
    assert!((v + 1e-10).abs() <= b, "{v:e} ± {b:e}, want -1e-10");
}

/// Found by `closed_form`: at a relative tolerance of 1e-10, quadrature of a product of narrow
/// Gaussians (standard deviations 1e-3 to 1e-2) reports the tolerance met with a bound up to
/// 14 times below its error; the closed forms are right (checked against mpmath at 40
/// digits). At the default 1e-12 the bounds hold.
#[test]
fn quadrature_bounds_hold_for_narrow_gaussians() {
    let x = parse("exp(-t^2/(2*1e-3^2))").compile().unwrap();
    for (h, t, exact) in [
        (
            "exp(-t^2/(2*1.99e-3^2))",
            -0.004485,
            2.948_338_347_140_033e-4,
        ),
        (
            "exp(-(t + 4.29442e-3)^2/(2*1.44e-3^2)) + exp(-t^2/(2*1e-3^2))",
            -0.00795442,
            2.329_385_597_487_057_2e-4,
        ),
    ] {
        let h = parse(h).compile().unwrap();
        let params = QuadParams {
            rel_tol: 1e-10,
            ..QuadParams::default()
        };
        let q = convolve_lenient(&h, &x, &[t], params).unwrap();
        let (v, b) = (q.values[0], q.error_estimates[0]);
        assert!((v - exact).abs() <= b, "{v:e} ± {b:e}, exact {exact:e}");
    }
}

/// Found by the proptest run of the same property: the supports of `tri((t - 129.0283203125)/0.0185)`
/// and `step(t + 1)`, placed for t = 128.0098203125, overlap on an interval 1.1e-14 long (the
/// decimals read as doubles: 0.0185 is a little less than 0.0185), where quadrature, computing
/// the supports' ends with rounding, finds them disjoint and answers 0 ± 0. The exact value,
/// L²/(2w) with L = t − c + w + 1 in exact rationals of the doubles, is 3.354280597319836e-27,
/// which the closed form gets.
#[test]
fn quadrature_sees_supports_that_meet_within_their_rounding() {
    let (h, x, t) = (
        parse("tri((t - 129.0283203125)/0.0185)"),
        parse("step(t + 1)"),
        128.0098203125,
    );
    let exact = 3.354280597319836e-27;
    let (cv, cb) = convolve_symbolic(&h, &x).unwrap().eval_with_error(t);
    assert!((cv - exact).abs() <= cb, "closed form {cv:e} ± {cb:e}");
    let q = convolve_lenient(
        &h.compile().unwrap(),
        &x.compile().unwrap(),
        &[t],
        QuadParams::default(),
    )
    .unwrap();
    let (v, b) = (q.values[0], q.error_estimates[0]);
    assert!(
        (v - exact).abs() <= b,
        "quadrature {v:e} ± {b:e}, exact {exact:e}"
    );
}

/// Found by the proptest run of `closed_form`'s property: far from the origin the rounding of
/// a window's ends is not all in quadrature's bound. `tri(t/0.0149)` against
/// `rect(((t - 144.1650390625)/0.0294418)/2)` at t = 144.1799390625 comes out as
/// 1.4895694387919885e-2 ± 9.7e-17; the exact value (the window's ends and the triangle's
/// area in exact rationals of the doubles) is 1.4895694387919187e-2, 7.2 times the bound away,
/// about |tri|·ulp(144) — a window end placed an ulp off. The closed form is right.
#[test]
fn quadrature_bounds_count_where_far_window_ends_are() {
    let (h, x) = (
        parse("tri(t/0.0149)"),
        parse("rect(((t - 144.1650390625)/0.0294418)/2)"),
    );
    let (t, exact) = (144.1799390625, 1.4895694387919187e-2);
    let (cv, cb) = convolve_symbolic(&h, &x).unwrap().eval_with_error(t);
    assert!((cv - exact).abs() <= cb, "closed form {cv:e} ± {cb:e}");
    let q = convolve_lenient(
        &h.compile().unwrap(),
        &x.compile().unwrap(),
        &[t],
        QuadParams::default(),
    )
    .unwrap();
    let (v, b) = (q.values[0], q.error_estimates[0]);
    assert!(
        (v - exact).abs() <= b,
        "quadrature {v:e} ± {b:e}, exact {exact:e}"
    );
}

/// Found by `closed_form` (10^6 executions: 16 disagreements, all of this kind where checked):
/// quadrature's bound misses its error, while the closed form is right to within its own
/// bound. Two of them: a window of half-width 1.01e-3 at −1000 against a sign window
/// (1.0e-3 ± 7.2e-18 where the exact value, in exact rationals of the doubles, is
/// 9.999999999511055e-4: 5300 times the bound); and one-sided exponentials at a tolerance of
/// 1e-6 (met, with a bound 20 times below the error; mpmath at 30 digits gives the value).
#[test]
fn quadrature_bounds_hold_where_the_closed_form_is_right() {
    let cases = [
        (
            "rect(((t + 1000)/1.01e-3)/2)",
            "(2*step(t) - 1)*rect((t/1e-3)/2)",
            -999.99899,
            1e-12,
            9.999_999_999_511_055e-4,
        ),
        (
            "(-1.00212)*(t - 1.399932861328125)^2*exp(t - 1.399932861328125)*step(1.399932861328125 - t)",
            "(-1.19997)*exp(-(t + 11.7935)/6.62262)*step(t + 11.7935) + 0.9925384521484375*(t + 1.60007)^2*exp(-(t + 1.60007))*step(t + 1.60007)",
            0.6371126171874999,
            1e-6,
            -0.370_552_979_425_995_35,
        ),
    ];
    for (h, x, t, tol, exact) in cases {
        let (h, x) = (parse(h), parse(x));
        let (cv, cb) = convolve_symbolic(&h, &x).unwrap().eval_with_error(t);
        assert!(
            (cv - exact).abs() <= cb + 1e-16 * exact.abs(),
            "closed form {cv:e} ± {cb:e}"
        );
        let params = QuadParams {
            rel_tol: tol,
            ..QuadParams::default()
        };
        let q =
            convolve_lenient(&h.compile().unwrap(), &x.compile().unwrap(), &[t], params).unwrap();
        let (v, b) = (q.values[0], q.error_estimates[0]);
        assert!(
            (v - exact).abs() <= b,
            "quadrature {v:e} ± {b:e}, exact {exact:e}"
        );
    }
}

/// $z(t)$ by quadrature alone, with its bound.
fn quadrature_at(h: &Expr, x: &Expr, t: f64, rel_tol: f64) -> (f64, f64) {
    let params = QuadParams {
        rel_tol,
        ..QuadParams::default()
    };
    let q = convolve_lenient(&h.compile().unwrap(), &x.compile().unwrap(), &[t], params).unwrap();
    (q.values[0], q.error_estimates[0])
}

/// Found by `fuzz/run.sh closed_form` (1e6 executions after the fixes above): two exponential
/// rates an ulp apart (widths 1.0000000000000002e-3 and 1e-3) put the series cut 2.3·10¹³ out,
/// and the cuts were merged to within 64 ulps of that, 0.33 — which fused the breakpoints
/// −988.26 and −987.95 and left −0.0396 ± 6e-11 where z = 3.95e-4 (the bound missed by 1%).
/// Cuts now merge to within the rounding of their own size. Reference: mpmath at 40 digits over
/// the only overlap that is not e^{−10⁴}.
#[test]
fn cuts_merge_to_within_their_own_rounding_not_the_farthest_cuts() {
    let h = parse(
        "8.95e-2*((t - (-9.8794600000000003e2))/1.0000000000000002e-3)^3*exp(-(t - (-9.8794600000000003e2))/1.0000000000000002e-3)*step(t - (-9.8794600000000003e2)) + (-6.87e-1)*(t/8.9768700000000007e-2)^2*exp(t/8.9768700000000007e-2)*step(0.0000000000000000 - t)",
    );
    let x = parse(
        "(-1.0976562500000000)*exp(-(t - 2.7410888671874998e-4)/1.0000000000000000e-3)*step(t - 2.7410888671874998e-4) + 1.00*exp(-(t - (-3.1393399999999999e-1))/1.0000000000000000)*step(t - (-3.1393399999999999e-1))",
    );
    let t = -987.948_725_891_113_3;
    let exact = 3.949_629_594_486_946_6e-4;
    let (cv, cb) = convolve_symbolic(&h, &x).unwrap().eval_with_error(t);
    // Right within its bound, and the bound useful (it was as large as the value).
    assert!(
        (cv - exact).abs() <= cb && cb <= 1e-8 * exact,
        "closed form {cv:e} ± {cb:e}"
    );
    let (v, b) = quadrature_at(&h, &x, t, 1e-12);
    assert!((v - exact).abs() <= b, "quadrature {v:e} ± {b:e}");
}

/// The same mechanism, found by the same run: rates an ulp apart against a window at 218.7.
/// The closed form and quadrature must agree within the sum of their bounds.
#[test]
fn rates_an_ulp_apart_leave_distant_breakpoints_apart() {
    let h = parse(
        "9.9995422363281250e-1*(t/1.0000000000000002e-3)^1*exp(-t/1.0000000000000002e-3)*step(t) + 9.88e-1*((t - (-3.6408242797851564e-3))/1.2700000000000001e-3)^2*exp(-(t - (-3.6408242797851564e-3))/1.2700000000000001e-3)*step(t - (-3.6408242797851564e-3))",
    );
    let x = parse(
        "(1.00)*exp((-2.10992)*((t - 2.1871899999999999e2)/1.2912399999999999e-3))*rect(((t - 2.1871899999999999e2)/1.2912399999999999e-3)/2) + 1.00*exp(-t/1.0000000000000000e-3)*step(t)",
    );
    let t = 218.715_563_14;
    let (cv, cb) = convolve_symbolic(&h, &x).unwrap().eval_with_error(t);
    let (v, b) = quadrature_at(&h, &x, t, 1e-12);
    assert!(
        (cv - v).abs() <= cb + b,
        "closed form {cv:e} ± {cb:e}, quadrature {v:e} ± {b:e}"
    );
    // Useful again, not only honest: before the fix the bound was as large as the value.
    assert!(cb <= 1e-8 * v.abs(), "closed form bound {cb:e}");
}

/// Found by the clean `closed_form` fuzz run after the fix above: a window's end 1e-15 (4.5
/// ulps) from the signal's jump. The quadrature kept the two cuts as one (a panel 4 ulps wide
/// cannot be bisected), so the window's jump sat inside a panel where the Gauss rules do not
/// see it: 0.002 + 8.9e-16 ± 3.4e-16. The merge now counts 2δ·sup|f| for each pair kept as one.
/// z = 2·0.001 exactly: the whole window lies where the sign window is +1.
#[test]
fn cuts_kept_as_one_count_what_the_dropped_one_may_hide() {
    let h = parse("rect((t - 2.2706)/2) + rect((t/1.0000000000000000e-3)/2)");
    let x = parse(
        "(2*step(t - 1.8134765625000000) - 1)*rect(((t - 1.8134765625000000)/1.0000000000000000)/2)",
    );
    let (v, b) = quadrature_at(&h, &x, 1.814_476_562_500_001, 1e-6);
    assert!((v - 0.002).abs() <= b, "quadrature {v:e} ± {b:e}");
}
