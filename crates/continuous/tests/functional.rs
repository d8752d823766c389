//! General functionals: the symbolic gradients of the four losses and three regularisers against
//! hand-derived forms, least squares with kernels, data and signals that are expressions,
//! closures or samples, every gradient Gateaux-checked, Hessian-vector products against the
//! autocorrelation kernel (closed form) and against differences of gradients, and bad input.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::type_complexity)]

use flipshift_continuous::{
    Bump, ContinuousError, Expr, FnWithSupport, Functional, Interpolation, Interval, ParseOptions,
    QuadParams, Sampled, SharedFn, convolve, losses,
};
use std::sync::Arc;

fn parse(src: &str) -> Expr {
    Expr::parse(src).unwrap()
}

fn g_at(g: &Expr, t: f64, u: f64) -> f64 {
    g.eval_vars(&[("t", t), ("u", u)]).unwrap()
}

fn el_at(e: &Expr, t: f64, x: f64, xp: f64, xpp: f64) -> f64 {
    e.eval_vars(&[("t", t), ("x", x), ("xp", xp), ("xpp", xpp)])
        .unwrap()
}

const SAMPLES: [(f64, f64); 5] = [(-1.3, 0.2), (0.0, 0.9), (0.4, 1.7), (1.1, 0.05), (2.5, 3.0)];
const PATHS: [(f64, f64, f64, f64); 4] = [
    (0.0, 0.3, -1.2, 2.0),
    (0.7, -2.0, 0.4, -0.3),
    (1.5, 1.1, 3.0, 0.9),
    (-2.0, 0.5, 0.0, 5.0),
];

#[test]
fn losses_have_the_hand_derived_u_derivatives() {
    let y = parse("0.8*exp(-(t - 1)^2)");
    let yv = |t: f64| 0.8 * (-(t - 1.0) * (t - 1.0)).exp();
    let h = parse("gauss(t)");
    let cases: Vec<(Expr, Box<dyn Fn(f64, f64) -> f64>)> = vec![
        (
            losses::least_squares(&y).unwrap(),
            Box::new(move |t, u| u - yv(t)),
        ),
        (
            losses::pseudo_huber(&y, 0.3).unwrap(),
            Box::new(move |t, u| {
                let r = u - yv(t);
                r / (1.0 + (r / 0.3) * (r / 0.3)).sqrt()
            }),
        ),
        (
            losses::poisson(&y).unwrap(),
            Box::new(move |t, u| 1.0 - yv(t) / u),
        ),
    ];
    for (g, expected) in cases {
        let form = Functional::new()
            .with_data_term(h.clone(), g.clone())
            .unwrap()
            .gradient_form();
        let gu = form.g_u.unwrap();
        for (t, u) in SAMPLES {
            let (got, want) = (g_at(&gu, t, u), expected(t, u));
            assert!(
                (got - want).abs() <= 1e-14 * want.abs().max(1.0),
                "G = {g}: G_u({t}, {u}) = {got}, hand-derived {want}"
            );
        }
    }
}

#[test]
fn regularisers_have_the_textbook_euler_lagrange_terms() {
    let (lam, eps) = (0.3, 0.2);
    let cases: Vec<(Expr, Box<dyn Fn(f64, f64, f64) -> f64>)> = vec![
        (
            losses::smoothness(lam).unwrap(),
            Box::new(move |_, _, xpp| -lam * xpp),
        ),
        (
            losses::energy(lam).unwrap(),
            Box::new(move |x, _, _| lam * x),
        ),
        (
            losses::smooth_tv(lam, eps).unwrap(),
            Box::new(move |_, xp, xpp| -lam * eps * eps * xpp / (eps * eps + xp * xp).powf(1.5)),
        ),
    ];
    for (l, expected) in cases {
        let form = Functional::new()
            .with_regulariser(l.clone())
            .unwrap()
            .gradient_form();
        let el = form.euler_lagrange.unwrap();
        for (t, x, xp, xpp) in PATHS {
            let (got, want) = (el_at(&el, t, x, xp, xpp), expected(x, xp, xpp));
            assert!(
                (got - want).abs() <= 1e-14 * want.abs().max(1.0),
                "L = {l}: E = {el} gives {got}, textbook {want}"
            );
        }
    }
}

#[test]
fn the_gradient_prints_in_unicode_and_latex() {
    let j = Functional::new()
        .with_data_term(
            parse("exp(-t)*step(t)"),
            losses::least_squares(&Expr::num(0.0)).unwrap(),
        )
        .unwrap()
        .with_regulariser(losses::smoothness(0.5).unwrap())
        .unwrap();
    let form = j.gradient_form();
    let u = form.to_unicode();
    assert!(u.starts_with("δJ/δx(s) = ∫ ("), "{u}");
    assert!(u.contains("step(t − s)") && u.contains("x″"), "{u}");
    let l = form.to_latex();
    assert!(
        l.starts_with("\\frac{\\delta J}{\\delta x}(s) = \\int"),
        "{l}"
    );
}

#[test]
fn least_squares_gradient_matches_the_dedicated_implementation_and_a_closed_form() {
    // h = x = gauss, y = 0: δJ/δx = Rh * (h*x) = gauss * N(0,2) = N(0,3).
    let j = Functional::new()
        .with_data_term(
            parse("gauss(t)"),
            losses::least_squares(&Expr::num(0.0)).unwrap(),
        )
        .unwrap();
    let x = parse("gauss(t)");
    let s = [-2.0, -0.5, 0.0, 0.7, 3.0];
    // Everything is Gaussian: the gradient itself has a closed form, N(0, 3) …
    let exact_form = j.data_gradient_closed_form(&x).unwrap();
    let g = j.gradient(&x, &s).unwrap();
    // … which the nested quadrature (on a bounded domain wide enough to hold it all) confirms.
    let bounded = j.clone().on(Interval::new(-40.0, 40.0).unwrap());
    assert!(bounded.data_gradient_closed_form(&x).is_none());
    let gq = bounded.gradient(&x, &s).unwrap();
    for (k, si) in s.iter().enumerate() {
        assert!(
            (g.values[k] - gq.values[k]).abs() < 1e-13,
            "{} vs {}",
            g.values[k],
            gq.values[k]
        );
        assert!((exact_form.eval_with_error(*si).0 - g.values[k]).abs() < 1e-16);
    }
    for (si, (v, e)) in s.iter().zip(g.values.iter().zip(&g.error_estimates)) {
        let exact = (-si * si / 6.0).exp() / (6.0 * std::f64::consts::PI).sqrt();
        assert!((v - exact).abs() < 1e-12, "s = {si}: {v} vs {exact}");
        assert!(*e < 1e-9 && *e >= 0.0);
    }
    // An off-centre one-sided kernel with data: the same numbers whether h, x and y are
    // expressions (the loss written with y(t) inside) or opaque functions (y bound point by
    // point): two routes through the code.
    let (h, xs, ys) = (
        "exp(-(t - 0.5))*step(t - 0.5)",
        "exp(-t^2)",
        "0.8*exp(-(t - 1)^2)",
    );
    let j = Functional::new()
        .with_data_term(parse(h), losses::least_squares(&parse(ys)).unwrap())
        .unwrap();
    let opaque = |src: &str| -> SharedFn { Arc::new(parse(src).compile().unwrap()) };
    let ls = Functional::least_squares(opaque(h), opaque(ys)).unwrap();
    let a = j.gradient(&parse(xs), &s).unwrap();
    let b = ls.gradient(&opaque(xs), &s).unwrap();
    for (p, q) in a.values.iter().zip(&b.values) {
        assert!((p - q).abs() < 1e-12, "{p} vs {q}");
    }
    let (ja, _) = j.value(&parse(xs)).unwrap();
    let (jb, _) = ls.value(&opaque(xs)).unwrap();
    assert!((ja - jb).abs() < 1e-12 * jb, "{ja} vs {jb}");
}

#[test]
fn least_squares_of_opaque_gaussians_is_a_gaussian() {
    // h = x = gauss (N(0,1)) as functions without formulas, y = 0: r = h*x = N(0, 2);
    // δJ/δx = Rh * r = N(0, 3) since gauss is even; J = ½∫N(0,2)² = ½ / (2√(2π)).
    let opaque = |src: &str| -> SharedFn { Arc::new(parse(src).compile().unwrap()) };
    let ls = Functional::least_squares(opaque("gauss(t)"), opaque("0*t")).unwrap();
    let x = opaque("gauss(t)");
    let (j, j_est) = ls.value(&x).unwrap();
    let want_j = 0.25 / (2.0 * std::f64::consts::PI).sqrt();
    assert!(
        (j - want_j).abs() <= 1e-11 * want_j,
        "J = {j}, want {want_j}"
    );
    assert!((j - want_j).abs() <= j_est + 4.0 * f64::EPSILON * want_j);
    let s = [-2.0, -0.5, 0.0, 1.0, 3.0];
    let g = ls.gradient(&x, &s).unwrap();
    for (i, &si) in s.iter().enumerate() {
        let want = (-si * si / 6.0).exp() / (6.0 * std::f64::consts::PI).sqrt();
        let err = (g.values[i] - want).abs();
        // Outer rel 1e-11 on top of inner rel 1e-13.
        assert!(err <= 1e-10 * want, "s = {si}: {} vs {want}", g.values[i]);
        assert!(
            err <= g.error_estimates[i] + 4.0 * f64::EPSILON * want,
            "estimate at s = {si}"
        );
    }
    // A target that does not decay has no least-squares cost.
    let flat = Functional::least_squares(opaque("gauss(t)"), opaque("1 + 0*t")).unwrap();
    assert!(flat.value(&x).is_err());
}

#[test]
fn kernels_data_and_signals_may_be_closures_or_samples() {
    // A closure kernel with a declared support gives the expression kernel's gradient and value
    // (quadrature inner convolutions instead of the closed form: rel 1e-13 inner, 1e-11 outer).
    let (hs, xs, ys) = (
        "exp(-(t - 0.5))*step(t - 0.5)",
        "exp(-t^2)",
        "0.8*exp(-(t - 1)^2)",
    );
    let closure = FnWithSupport::new(
        |t: f64| (-(t - 0.5)).exp(),
        Interval::new(0.5, f64::INFINITY).unwrap(),
    )
    .with_breakpoints(vec![0.5]);
    let a = Functional::least_squares(parse(hs), parse(ys)).unwrap();
    let b = Functional::least_squares(closure, parse(ys)).unwrap();
    let s = [-0.5, 0.7, 2.0];
    let (ga, gb) = (
        a.gradient(&parse(xs), &s).unwrap(),
        b.gradient(&parse(xs), &s).unwrap(),
    );
    for (p, q) in ga.values.iter().zip(&gb.values) {
        assert!((p - q).abs() < 1e-10, "{p} vs {q}");
    }
    let (ja, jb) = (
        a.value(&parse(xs)).unwrap().0,
        b.value(&parse(xs)).unwrap().0,
    );
    assert!((ja - jb).abs() < 1e-10 * ja, "{ja} vs {jb}");

    // Sampled data (a cubic spline through 41 samples) bound to y: J is quadratic in x, so the
    // extrapolated difference is exact up to quadrature noise; 1e-8 holds with room.
    let yv: Vec<f64> = (0..=40)
        .map(|k| {
            let t = -3.0 + 0.15 * k as f64;
            0.8 * (-(t - 1.0) * (t - 1.0)).exp()
        })
        .collect();
    let y = Sampled::new(-3.0, 0.15, yv, Interpolation::CubicSpline).unwrap();
    let j = Functional::least_squares(parse("gauss(t/0.5)/0.5"), y).unwrap();
    let rep = j
        .gateaux_check(&parse(xs), &Bump::new(0.5, 1.0).unwrap(), 0.25)
        .unwrap();
    assert!(rep.rel_discrepancy < 1e-8, "{rep:?}");

    // A sampled signal under a regulariser: the spline's own x′ and x″ enter
    // (E = λx − μx″ for ½λx² + ½μx′²), and the Gateaux check holds.
    let xv: Vec<f64> = (0..=60)
        .map(|k| {
            let t = -3.0 + 0.1 * k as f64;
            (-t * t).exp()
        })
        .collect();
    let x = Sampled::new(-3.0, 0.1, xv, Interpolation::CubicSpline).unwrap();
    let j = Functional::new()
        .with_regulariser(losses::smoothness(0.3).unwrap())
        .unwrap()
        .with_regulariser(losses::energy(2.0).unwrap())
        .unwrap();
    let rep = j
        .gateaux_check(&x, &Bump::new(0.2, 0.9).unwrap(), 0.1)
        .unwrap();
    assert!(rep.rel_discrepancy < 1e-9, "{rep:?}");
    assert!(rep.inner_product.abs() > 1e-3, "{rep:?}");
}

fn assert_gateaux(j: &Functional, x: &Expr, phi: &Bump, eps: f64, tol: f64) {
    let r = j.gateaux_check(x, phi, eps).unwrap();
    assert!(
        r.rel_discrepancy < tol,
        "Gateaux: directional {} vs ⟨δJ/δx, φ⟩ {} ({:.1e})",
        r.directional,
        r.inner_product,
        r.rel_discrepancy
    );
    assert!(r.inner_product.abs() > 1e-6, "a vacuous check: {r:?}");
}

#[test]
fn every_loss_and_regulariser_passes_a_gateaux_check() {
    let h = parse("exp(-(t - 0.5))*step(t - 0.5)");
    let y = parse("0.8*exp(-(t - 1)^2)");
    let x = parse("exp(-t^2)");
    let phi = Bump::new(0.8, 1.0).unwrap();
    // Least squares + smoothness on ℝ.
    let j = Functional::new()
        .with_data_term(h.clone(), losses::least_squares(&y).unwrap())
        .unwrap()
        .with_regulariser(losses::smoothness(0.2).unwrap())
        .unwrap();
    assert_gateaux(&j, &x, &phi, 0.25, 1e-8);
    // Pseudo-Huber (non-quadratic) + energy on ℝ.
    let j = Functional::new()
        .with_data_term(h.clone(), losses::pseudo_huber(&y, 0.1).unwrap())
        .unwrap()
        .with_regulariser(losses::energy(0.1).unwrap())
        .unwrap();
    assert_gateaux(&j, &x, &phi, 0.05, 1e-7);
    // Log-cosh, alone.
    let j = Functional::new()
        .with_data_term(h.clone(), losses::log_cosh(&y, 0.05).unwrap())
        .unwrap();
    assert_gateaux(&j, &x, &phi, 0.05, 1e-7);
    // Poisson on a bounded domain where the intensity is positive, + smoothed TV.
    let d = Interval::new(-2.0, 3.0).unwrap();
    let j = Functional::new()
        .with_data_term(
            parse("gauss(t)"),
            losses::poisson(&parse("1 + 0.5*exp(-(t - 1)^2)")).unwrap(),
        )
        .unwrap()
        .with_regulariser(losses::smooth_tv(0.05, 0.2).unwrap())
        .unwrap()
        .on(d);
    let xp = parse("1 + exp(-t^2)");
    assert_gateaux(&j, &xp, &phi, 0.05, 1e-7);
}

#[test]
fn least_squares_hessian_is_convolution_with_the_autocorrelation_kernel() {
    // HᵀH v = a * v with a = Rh * h; for h = gauss, a = N(0, 2) (closed form).
    let lam = 0.3;
    let j = Functional::new()
        .with_data_term(
            parse("gauss(t)"),
            losses::least_squares(&parse("exp(-t^2)")).unwrap(),
        )
        .unwrap()
        .with_regulariser(losses::smoothness(lam).unwrap())
        .unwrap();
    let x = parse("sin(t)*exp(-t^2/4)");
    let v = parse("t*exp(-(t - 0.5)^2)");
    let s = [-2.0, -0.3, 0.0, 0.9, 2.4];
    let hv = j.hessian_vector(&x, &v, &s).unwrap();
    let a = parse("exp(-t^2/4)/sqrt(4*pi)").compile().unwrap();
    let av = convolve(&a, &v.compile().unwrap(), &s, QuadParams::default()).unwrap();
    let vpp = v.diff("t").diff("t");
    for (k, &si) in s.iter().enumerate() {
        let want = av.values[k] - lam * vpp.eval_at(si);
        assert!(
            (hv.values[k] - want).abs() < 1e-11,
            "s = {si}: {} vs {want}",
            hv.values[k]
        );
    }
}

#[test]
fn hessian_vector_products_match_differences_of_gradients() {
    // Non-quadratic pieces (pseudo-Huber, smoothed TV): (∇J[x + εv] − ∇J[x − εv])/2ε.
    let j = Functional::new()
        .with_data_term(
            parse("exp(-(t - 0.5))*step(t - 0.5)"),
            losses::pseudo_huber(&parse("0.8*exp(-(t - 1)^2)"), 0.1).unwrap(),
        )
        .unwrap()
        .with_regulariser(losses::smooth_tv(0.05, 0.3).unwrap())
        .unwrap()
        .on(Interval::new(-3.0, 4.0).unwrap());
    let x = parse("exp(-t^2)");
    let v = parse("exp(-(t - 0.5)^2)");
    let s = [-1.0, 0.2, 1.3];
    let hv = j.hessian_vector(&x, &v, &s).unwrap();
    let grad = |eps: f64| {
        j.gradient(&(x.clone() + Expr::num(eps) * v.clone()), &s)
            .unwrap()
            .values
    };
    let d = |eps: f64| -> Vec<f64> {
        grad(eps)
            .iter()
            .zip(grad(-eps))
            .map(|(p, m)| (p - m) / (2.0 * eps))
            .collect()
    };
    let (d1, d2) = (d(0.02), d(0.01));
    for k in 0..s.len() {
        let fd = (4.0 * d2[k] - d1[k]) / 3.0;
        assert!(
            (hv.values[k] - fd).abs() < 1e-6 * fd.abs().max(1.0),
            "s = {}: {} vs {fd}",
            s[k],
            hv.values[k]
        );
    }
}

#[test]
fn bad_input_is_a_typed_error() {
    let h = parse("gauss(t)");
    let opts = ParseOptions {
        variables: &["t", "u", "x"],
        params: &[],
    };
    let bad_g = Expr::parse_with("(u - x)^2", &opts).unwrap();
    assert!(matches!(
        Functional::new().with_data_term(h.clone(), bad_g),
        Err(ContinuousError::UnknownName { .. })
    ));
    let bad_l = Expr::parse_with("u^2", &opts).unwrap();
    assert!(Functional::new().with_regulariser(bad_l).is_err());
    assert!(losses::pseudo_huber(&Expr::num(0.0), 0.0).is_err());
    assert!(losses::smooth_tv(1.0, f64::NAN).is_err());
    assert!(Bump::new(0.0, -1.0).is_err());
    // Smoothed TV does not vanish where x′ = 0: on ℝ its integral does not exist.
    let tv = Functional::new()
        .with_regulariser(losses::smooth_tv(1.0, 0.1).unwrap())
        .unwrap();
    assert!(matches!(
        tv.value(&parse("exp(-t^2)")),
        Err(ContinuousError::Divergent { .. })
    ));
    // Poisson needs u > 0: log of a blurred signal that reaches 0 is not defined.
    let p = Functional::new()
        .with_data_term(parse("rect(t)"), losses::poisson(&Expr::num(1.0)).unwrap())
        .unwrap()
        .on(Interval::new(-3.0, 3.0).unwrap());
    assert!(p.value(&parse("rect(t)")).is_err());
    // Gradient points must be finite and present.
    let ls = Functional::new()
        .with_data_term(h, losses::least_squares(&Expr::num(0.0)).unwrap())
        .unwrap();
    assert!(ls.gradient(&parse("gauss(t)"), &[]).is_err());
    assert!(ls.gradient(&parse("gauss(t)"), &[f64::NAN]).is_err());
}

#[test]
fn the_hessian_kernel_is_the_autocorrelation_exact_or_by_quadrature() {
    use flipshift_continuous::{ConvPath, HessianKernel, RealFn, erfc};
    let pi = std::f64::consts::PI;
    let t = [-2.5f64, -0.7, 0.0, 0.3, 1.9];
    // gauss: a = N(0, 2), closed form.
    let a = HessianKernel::new(&parse("gauss(t)")).unwrap();
    assert!(a.path().is_closed_form(), "{:?}", a.path());
    for &ti in &t {
        let want = (-ti * ti / 4.0).exp() / (4.0 * pi).sqrt();
        assert!((a.eval(ti) - want).abs() < 1e-15, "t = {ti}");
    }
    // e^{−t} step(t): a = e^{−|t|}/2, closed form.
    let a = HessianKernel::new(&parse("exp(-t)*step(t)")).unwrap();
    assert!(a.path().is_closed_form());
    let printed = a.expr().unwrap().to_unicode();
    for &ti in &t {
        let want = 0.5 * (-ti.abs()).exp();
        assert!((a.eval(ti) - want).abs() < 1e-14, "t = {ti}: {printed}");
    }
    // e^{−t²} step(t) is in no family: quadrature, against e^{−t²/2}·√(π/8)·erfc(|t|/√2).
    let a = HessianKernel::new(&parse("exp(-t^2)*step(t)")).unwrap();
    assert!(matches!(a.path(), ConvPath::Quadrature(_)));
    assert!(a.expr().is_none());
    let v = a.values(&t).unwrap();
    for (k, &ti) in t.iter().enumerate() {
        let want = (-ti * ti / 2.0).exp() * (pi / 8.0).sqrt() * erfc(ti.abs() / 2f64.sqrt());
        assert!(
            (v.values[k] - want).abs() < 1e-14,
            "t = {ti}: {} vs {want}",
            v.values[k]
        );
        assert!(v.error_estimates[k] < 1e-12);
    }
    assert!(
        HessianKernel::new(&parse("gauss(t)"))
            .unwrap()
            .values(&[])
            .is_err()
    );
}

#[test]
fn least_squares_hessian_vector_products_are_convolutions_with_the_kernel() {
    use flipshift_continuous::HessianKernel;
    let h = parse("exp(-(t - 0.5))*step(t - 0.5)");
    let j = Functional::new()
        .with_data_term(
            h.clone(),
            losses::least_squares(&parse("exp(-t^2)")).unwrap(),
        )
        .unwrap();
    // The inner convolution of this pair is exact; that of the direction is not.
    let x = parse("exp(-t)*step(t)");
    assert!(j.inner_path(&x).unwrap().is_closed_form());
    let v = parse("exp(-(t - 0.5)^2)");
    assert!(!j.inner_path(&v).unwrap().is_closed_form());
    let s = [-1.0, 0.0, 0.8, 2.0];
    let hv = j.hessian_vector(&x, &v, &s).unwrap();
    let a = HessianKernel::new(&h).unwrap();
    assert!(a.path().is_closed_form());
    let av = convolve(&a, &v.compile().unwrap(), &s, QuadParams::default()).unwrap();
    for (k, sk) in s.iter().enumerate() {
        assert!(
            (hv.values[k] - av.values[k]).abs() < 1e-12,
            "s = {sk}: {} vs {}",
            hv.values[k],
            av.values[k]
        );
    }
}
