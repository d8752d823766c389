//! Euler–Lagrange expressions against hand derivations, and a Gateaux check of ∫L dt.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use flipshift_continuous::{
    Bump, Expr, Interval, ParseOptions, QuadParams, RealFn, along_path, euler_lagrange, integrate,
    richardson_directional,
};

fn lagrangian(src: &str, params: &[(String, f64)]) -> Expr {
    Expr::parse_with(
        src,
        &ParseOptions {
            variables: &["t", "x", "xp"],
            params,
        },
    )
    .unwrap()
}

type Hand = fn(f64, f64, f64, f64) -> f64;

/// (Lagrangian, ∂L/∂x − d/dt ∂L/∂x′ derived by hand as a function of t, x, x′, x″).
fn cases() -> Vec<(&'static str, Hand)> {
    vec![
        // harmonic oscillator
        ("xp^2/2 + x^2/2", |_, x, _, q| x - q),
        // arc length: −x″/(1 + x′²)^{3/2}
        ("sqrt(1 + xp^2)", |_, _, p, q| -q / (1.0 + p * p).powf(1.5)),
        // pendulum ½x′² − cos x: sin x − x″
        ("xp^2/2 - cos(x)", |_, x, _, q| x.sin() - q),
        // catenary x√(1 + x′²): (1 + x′² − x x″)/(1 + x′²)^{3/2}
        ("x*sqrt(1 + xp^2)", |_, x, p, q| {
            (1.0 + p * p - x * q) / (1.0 + p * p).powf(1.5)
        }),
        // brachistochrone √((1 + x′²)/x): −1/(2x^{3/2}√(1+x′²)) − x″/(√x (1+x′²)^{3/2})
        ("sqrt((1 + xp^2)/x)", |_, x, p, q| {
            -1.0 / (2.0 * x.powf(1.5) * (1.0 + p * p).sqrt())
                - q / (x.sqrt() * (1.0 + p * p).powf(1.5))
        }),
        // a forced particle, explicit t: ½x′² − t x gives −t − x″
        ("xp^2/2 - t*x", |t, _, _, q| -t - q),
        // damped oscillator e^{−t}(½x′² − ½x²): e^{−t}(−x + x′ − x″)
        ("exp(-t)*(xp^2/2 - x^2/2)", |t, x, p, q| {
            (-t).exp() * (-x + p - q)
        }),
        // Tikhonov ½(x − sin t)² + ½λx′² with λ = 0.5: (x − sin t) − λx″
        ("(x - sin(t))^2/2 + lam*xp^2/2", |t, x, _, q| {
            (x - t.sin()) - 0.5 * q
        }),
        // quartic potential ½x′² − x⁴/4: −x³ − x″
        ("xp^2/2 - x^4/4", |_, x, _, q| -x * x * x - q),
        // smooth total variation √(ε² + x′²), ε = 0.1: −ε² x″/(ε² + x′²)^{3/2}
        ("sqrt(eps^2 + xp^2)", |_, _, p, q| {
            -0.01 * q / (0.01 + p * p).powf(1.5)
        }),
        // ½λx² with λ = 0.5: λx
        ("lam*x^2/2", |_, x, _, _| 0.5 * x),
        // a null Lagrangian plus a term: t·x·x′ gives −x (t x x′ = d/dt(t x²/2) − x²/2)
        ("t*x*xp", |_, x, _, _| -x),
    ]
}

#[test]
fn euler_lagrange_matches_hand_derivations() {
    let params = vec![("lam".to_string(), 0.5), ("eps".to_string(), 0.1)];
    for (src, hand) in cases() {
        let el = euler_lagrange(&lagrangian(src, &params));
        for &(t, x, p, q) in &[
            (0.3, 0.7, -0.4, 1.3),
            (1.1, 1.9, 0.8, -0.6),
            (-0.5, 0.2, 2.0, 0.1),
        ] {
            let got = el
                .eval_vars(&[("t", t), ("x", x), ("xp", p), ("xpp", q)])
                .unwrap();
            let want = hand(t, x, p, q);
            // Both sides are a handful of floating-point operations on O(1) numbers.
            assert!(
                (got - want).abs() <= 1e-13 * want.abs().max(1.0),
                "{src} at {:?}: {got} vs {want} ({el})",
                (t, x, p, q)
            );
        }
    }
}

#[test]
fn euler_lagrange_passes_the_gateaux_check() {
    // J[x] = ∫_a^b L(t, x, x′) dt and a bump φ inside (a, b): d/dε J[x + εφ] = ∫ EL·φ dt.
    let params = vec![("lam".to_string(), 0.5), ("eps".to_string(), 0.1)];
    let x = Expr::parse("1.5 + sin(t)").unwrap();
    let phi = Bump::new(1.0, 0.8).unwrap();
    let phi_expr = |t: f64| phi.eval(t);
    let q = QuadParams::default();
    let iv = Interval::new(0.0, 2.0).unwrap();
    for (src, _) in cases() {
        let l = lagrangian(src, &params);
        let el_t = along_path(&euler_lagrange(&l), &x).unwrap();
        let (inner, _) = integrate(&|t| el_t.eval_at(t) * phi_expr(t), iv, &[0.2, 1.8], q).unwrap();
        // J along x + εφ, with φ′ by a central difference of the bump (smooth, so h = 1e-6
        // gives ~1e-10 relative) — the check only needs to be independent of the symbolic EL.
        let j = |eps: f64| -> f64 {
            let f = |t: f64| {
                let d = 1e-6;
                let xv = x.eval_at(t) + eps * phi_expr(t);
                let xd =
                    x.diff("t").eval_at(t) + eps * (phi_expr(t + d) - phi_expr(t - d)) / (2.0 * d);
                l.eval_vars(&[("t", t), ("x", xv), ("xp", xd)]).unwrap()
            };
            integrate(&f, iv, &[0.2, 1.8], q).unwrap().0
        };
        // Central differences at ε = 4e-3, 2e-3, 1e-3, extrapolated twice: O(ε⁶) truncation,
        // so what remains is the bump-derivative error (~1e-10) and quadrature noise.
        let dir = richardson_directional(&|e| Ok(j(e)), 4e-3).unwrap();
        assert!(
            (dir - inner).abs() <= 1e-5 * inner.abs().max(1e-3),
            "{src}: {dir} vs {inner}"
        );
    }
}

#[test]
fn euler_lagrange_expressions_print_as_the_textbooks_write_them() {
    // Rational normalisation: a common denominator, numerators expanded and collected, powers
    // of the same base combined.
    let opts = ParseOptions {
        variables: &["t", "x", "xp"],
        params: &[],
    };
    let e = Expr::parse_with("sqrt(xp^2 + 1) - xp^2/sqrt(xp^2 + 1)", &opts).unwrap();
    assert_eq!(e.simplify().to_unicode(), "1/√(x′² + 1)");
    for (src, textbook) in [
        ("sqrt(1 + xp^2)", "−x″/(x′² + 1)^(3/2)"),
        ("x*sqrt(1 + xp^2)", "(x′² − x·x″ + 1)/(x′² + 1)^(3/2)"),
        ("sqrt(1 + xp^2)/x", "−(x′² + x·x″ + 1)/(x²·(x′² + 1)^(3/2))"),
        ("xp^2/2 + x^2/2", "x − x″"),
    ] {
        let el = euler_lagrange(&lagrangian(src, &[]));
        assert_eq!(el.to_unicode(), textbook, "{src}");
    }
    let el = euler_lagrange(&lagrangian("sqrt(1 + xp^2)", &[]));
    assert_eq!(el.to_latex(), r"-\frac{x''}{\left(x'^{2} + 1\right)^{3/2}}");
    // The printed ASCII form parses back to the same values.
    let back = Expr::parse_with(
        &el.to_ascii(),
        &ParseOptions {
            variables: &["t", "x", "xp", "xpp"],
            params: &[],
        },
    )
    .unwrap();
    let vars = [("t", 0.3), ("x", 1.2), ("xp", -0.7), ("xpp", 2.5)];
    assert!((back.eval_vars(&vars).unwrap() - el.eval_vars(&vars).unwrap()).abs() < 1e-15);
}
