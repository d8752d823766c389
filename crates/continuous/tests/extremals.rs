//! Extremals of the textbook variational problems by the spectral method, against their closed
//! forms: the solution to 1e-10 on 201 points, J, the multipliers, and the residual; and the
//! refusals (ill-posed requests, problems without an extremal).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use flipshift_continuous::{
    Boundary, ContinuousError, Expr, Extremal, ExtremalSolution, Interval, ParseOptions,
};

fn lag(src: &str) -> Expr {
    Expr::parse_with(
        src,
        &ParseOptions {
            variables: &["t", "x", "xp"],
            params: &[],
        },
    )
    .unwrap()
}

fn problem(l: &str, a: f64, b: f64, left: Boundary, right: Boundary) -> Extremal {
    Extremal::new(lag(l), Interval::new(a, b).unwrap(), left, right).unwrap()
}

use Boundary::{Free, Value};

/// The textbook tolerance of the issue: 1e-10 on the solution (values of order 1 here).
const TEXTBOOK: f64 = 1e-10;

/// The largest error against `exact` on 201 equally spaced points of the interval.
fn max_error(sol: &ExtremalSolution, exact: impl Fn(f64) -> f64) -> f64 {
    let (a, b) = (sol.interval.a(), sol.interval.b());
    (0..=200)
        .map(|i| {
            let t = a + (b - a) * f64::from(i) / 200.0;
            (sol.value_at(t) - exact(t)).abs()
        })
        .fold(0.0, f64::max)
}

fn check(name: &str, sol: &ExtremalSolution, exact: impl Fn(f64) -> f64, j: f64) {
    let err = max_error(sol, &exact);
    println!(
        "{name:<28} N = {:>3}  max error {err:.1e}  J error {:.1e}  residual {:.1e}",
        sol.n(),
        (sol.j - j).abs(),
        sol.residual
    );
    assert!(err < TEXTBOOK, "{name}: max error {err:e}");
    // J is an integral of the solution: the same accuracy, times the interval's length.
    assert!(
        (sol.j - j).abs() < TEXTBOOK * (1.0 + j.abs()),
        "{name}: J = {} vs {j}",
        sol.j
    );
    // The residual involves x″ = D²x, whose rounding grows like N²·ε·|x″|; 1e-6 is far above
    // it and far below any unconverged answer.
    assert!(sol.residual < 1e-6, "{name}: residual {:e}", sol.residual);
}

#[test]
fn harmonic_lagrangian_gives_sinh() {
    let sol = problem("xp^2/2 + x^2/2", 0.0, 1.0, Value(0.0), Value(1.0))
        .solve()
        .unwrap();
    let s1 = 1f64.sinh();
    // J = ½∫x′² + x² = ½[x x′] (integrate by parts with x″ = x) = ½ coth 1.
    check("sinh", &sol, |t| t.sinh() / s1, 0.5 / 1f64.tanh());
}

#[test]
fn catenary_of_least_surface_is_cosh() {
    let c1 = 1f64.cosh();
    let sol = problem("x*sqrt(1 + xp^2)", -1.0, 1.0, Value(c1), Value(c1))
        .solve()
        .unwrap();
    // J = ∫cosh² t dt over [−1, 1] = 1 + sinh(2)/2.
    check("catenary", &sol, f64::cosh, 1.0 + 2f64.sinh() / 2.0);
}

#[test]
fn hanging_chain_of_given_length_is_a_catenary_with_its_multiplier() {
    // Length 2 sinh 1 between (−1, 0) and (1, 0): x = cosh t − cosh 1, and L + μg =
    // (x + μ)√(1 + x′²) makes x + μ = cosh t, so μ = cosh 1.
    let len = 2.0 * 1f64.sinh();
    let sol = problem("x*sqrt(1 + xp^2)", -1.0, 1.0, Value(0.0), Value(0.0))
        .with_constraint(lag("sqrt(1 + xp^2)"), len)
        .unwrap()
        .with_guess(Expr::parse("t^2 - 1").unwrap())
        .unwrap()
        .solve()
        .unwrap();
    let c1 = 1f64.cosh();
    // J = ∫(cosh t − cosh 1) cosh t dt = 1 + sinh(2)/2 − 2 cosh 1 sinh 1.
    let j = 1.0 + 2f64.sinh() / 2.0 - 2.0 * c1 * 1f64.sinh();
    check("hanging chain", &sol, |t| t.cosh() - c1, j);
    assert!(
        (sol.multipliers[0] - c1).abs() < TEXTBOOK,
        "μ = {:?}",
        sol.multipliers
    );
    assert!(sol.constraint_residuals[0].abs() < TEXTBOOK);
}

#[test]
fn dido_problem_gives_a_circular_arc() {
    // Most area ∫x under a curve of length 2.5 over [−1, 1]: an arc of radius R with half-angle
    // θ, R sin θ = 1, Rθ = 1.25; x = √(R² − t²) − R cos θ, and μ = −R.
    let f = |th: f64| th.sin() / th - 0.8;
    let (mut lo, mut hi) = (0.1, 3.0);
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if f(mid) > 0.0 {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    let th = 0.5 * (lo + hi);
    let r = 1.0 / th.sin();
    let sol = problem("x", -1.0, 1.0, Value(0.0), Value(0.0))
        .with_constraint(lag("sqrt(1 + xp^2)"), 2.5)
        .unwrap()
        .solve()
        .unwrap();
    // The area under the arc: the sector minus the triangle, R²θ − R² sinθ cosθ.
    let area = r * r * th - r * r * th.sin() * th.cos();
    check(
        "Dido",
        &sol,
        |t| (r * r - t * t).sqrt() - r * th.cos(),
        area,
    );
    assert!(
        (sol.multipliers[0] + r).abs() < TEXTBOOK,
        "μ = {:?}, R = {r}",
        sol.multipliers
    );
}

#[test]
fn free_end_meets_the_natural_condition() {
    // L = ½x′² + x: x″ = 1, x(0) = 0, x′(1) = 0 → x = t²/2 − t; J = −1/6.
    let sol = problem("xp^2/2 + x", 0.0, 1.0, Value(0.0), Free)
        .solve()
        .unwrap();
    check("free end", &sol, |t| t * t / 2.0 - t, -1.0 / 6.0);
    assert!(sol.derivative_at(1.0).abs() < TEXTBOOK);
}

#[test]
fn free_left_end_too() {
    // L = ½x′² − x on [0, 2], x′(0) = 0, x(2) = 1: x″ = −1 → x = 3 − t²/2.
    // J = ∫ ½t² − 3 + ½t² dt over [0, 2] = 8/3 − 6.
    let sol = problem("xp^2/2 - x", 0.0, 2.0, Free, Value(1.0))
        .solve()
        .unwrap();
    check(
        "free left end",
        &sol,
        |t| 3.0 - t * t / 2.0,
        8.0 / 3.0 - 6.0,
    );
}

#[test]
fn hyperbolic_geodesic_is_a_semicircle() {
    // Arc length in the half-plane, √(1 + x′²)/x: geodesics are circles centred on the axis;
    // through (±1, √3) the one of radius 2, with length ∫2/(4 − t²) dt = ln 3.
    let s3 = 3f64.sqrt();
    let sol = problem("sqrt(1 + xp^2)/x", -1.0, 1.0, Value(s3), Value(s3))
        .solve()
        .unwrap();
    check(
        "hyperbolic geodesic",
        &sol,
        |t| (4.0 - t * t).sqrt(),
        3f64.ln(),
    );
}

#[test]
fn euclidean_geodesic_is_a_straight_line() {
    let sol = problem("sqrt(1 + xp^2)", 0.0, 3.0, Value(1.0), Value(5.0))
        .solve()
        .unwrap();
    check("straight line", &sol, |t| 1.0 + 4.0 * t / 3.0, 5.0);
}

#[test]
fn lagrangians_with_explicit_t() {
    // A forced oscillator ½x′² − ½x² + t x: x″ + x = t, x(0) = x(1) = 0 → x = t − sin t/sin 1.
    let sol = problem("xp^2/2 - x^2/2 + t*x", 0.0, 1.0, Value(0.0), Value(0.0))
        .solve()
        .unwrap();
    let s1 = 1f64.sin();
    let x = |t: f64| t - t.sin() / s1;
    // J by the closed form of the integrand, x′ = 1 − cos t/sin 1.
    let xp = |t: f64| 1.0 - t.cos() / s1;
    let j = simpson(
        |t| 0.5 * xp(t).powi(2) - 0.5 * x(t).powi(2) + t * x(t),
        0.0,
        1.0,
    );
    check("forced oscillator", &sol, x, j);

    // A time-dependent mass ½eᵗx′²: (eᵗx′)′ = 0 → x = (1 − e^{−t})/(1 − e^{−1}).
    let sol = problem("exp(t)*xp^2/2", 0.0, 1.0, Value(0.0), Value(1.0))
        .solve()
        .unwrap();
    let c = 1.0 / (1.0 - (-1f64).exp());
    // J = ½∫eᵗ c² e^{−2t} = ½c²(1 − e^{−1}) = c/2.
    check(
        "time-dependent mass",
        &sol,
        |t| c * (1.0 - (-t).exp()),
        c / 2.0,
    );
}

/// Composite Simpson with 2000 panels: exact to ~1e-14 for these smooth integrands.
fn simpson(f: impl Fn(f64) -> f64, a: f64, b: f64) -> f64 {
    let n = 2000;
    let h = (b - a) / n as f64;
    let mut s = f(a) + f(b);
    for i in 1..n {
        let w = if i % 2 == 1 { 4.0 } else { 2.0 };
        s += w * f(a + i as f64 * h);
    }
    s * h / 3.0
}

#[test]
fn ill_posed_requests_are_refused() {
    // Both ends free and L independent of x: every x + c is an extremal.
    let e = problem("xp^2/2", 0.0, 1.0, Free, Free).solve().unwrap_err();
    assert!(matches!(e, ContinuousError::InvalidParameter { .. }), "{e}");
    // A null Lagrangian: every path is an extremal.
    let e = problem("x*xp", 0.0, 1.0, Value(0.0), Value(1.0))
        .solve()
        .unwrap_err();
    assert!(matches!(e, ContinuousError::InvalidParameter { .. }), "{e}");
    // a ≥ b, an unbounded interval, a Lagrangian in unknown variables.
    assert!(Interval::new(1.0, 1.0).is_err());
    assert!(
        Extremal::new(
            lag("xp^2"),
            Interval::new(0.0, f64::INFINITY).unwrap(),
            Free,
            Free
        )
        .is_err()
    );
    assert!(
        Extremal::new(
            Expr::parse_with(
                "xp^2 + y",
                &ParseOptions {
                    variables: &["t", "x", "xp", "y"],
                    params: &[]
                }
            )
            .unwrap(),
            Interval::new(0.0, 1.0).unwrap(),
            Free,
            Free
        )
        .is_err()
    );
}

#[test]
fn problems_without_an_extremal_report_the_best_iterate() {
    // Bratu's problem x″ + λeˣ = 0 with x(0) = x(1) = 0 has no solution for λ > 3.51.
    let e = problem("xp^2/2 - 5*exp(x)", 0.0, 1.0, Value(0.0), Value(0.0))
        .solve()
        .unwrap_err();
    let ContinuousError::NoExtremal { residual, best, .. } = &e else {
        panic!("{e}");
    };
    assert!(*residual > 1e-3, "{e}");
    assert!(!best.values.is_empty());
    // J = ∫x is unbounded below under fixed ends: its Euler–Lagrange equation 1 = 0 has no
    // solution.
    let e = problem("x", 0.0, 1.0, Value(0.0), Value(0.0))
        .solve()
        .unwrap_err();
    assert!(matches!(e, ContinuousError::NoExtremal { .. }), "{e}");
}
