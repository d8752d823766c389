//! The direct method against the spectral extremal: the discretised functional's stationary
//! point converges at second order (midpoint rule, central differences) for the textbook
//! problems, its multipliers with it, and a data term gives the same extremal both ways.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use flipshift_continuous::{Boundary, Expr, Extremal, Interval, ParseOptions};
use flipshift_discrete::{DirectMethod, DiscreteError};

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

/// Solve both ways on 16, 32, ..., 512 intervals; the observed order must be 2 within 0.1 (the
/// midpoint rule and central differences are second order for smooth extremals), every error
/// must shrink, and the finest must be small.
fn second_order(name: &str, p: &Extremal) -> f64 {
    let spectral = p.solve().unwrap();
    let levels = p.direct_levels(&spectral, 16, 6).unwrap();
    let order = levels.order.unwrap();
    println!(
        "{name:<22} errors {:?}  order {order:.3}",
        levels
            .errors
            .iter()
            .map(|e| format!("{e:.2e}"))
            .collect::<Vec<_>>()
    );
    assert!((order - 2.0).abs() < 0.1, "{name}: order {order}");
    assert!(levels.errors.windows(2).all(|w| w[1] < w[0]), "{name}");
    let finest = levels.solutions.last().unwrap();
    assert!(
        levels.errors.last().unwrap() < &1e-4,
        "{name}: {:?}",
        levels.errors
    );
    // J_Δ converges to J at the same order: within a generous multiple of the finest error.
    assert!(
        (finest.j - spectral.j).abs()
            < 100.0 * levels.errors.last().unwrap() * (1.0 + spectral.j.abs()),
        "{name}: J {} vs {}",
        finest.j,
        spectral.j
    );
    for (m, ms) in finest.multipliers.iter().zip(&spectral.multipliers) {
        assert!(
            (m - ms).abs() < 1e-3 * (1.0 + ms.abs()),
            "{name}: μ {m} vs {ms}"
        );
    }
    order
}

#[test]
fn the_classics_converge_at_second_order() {
    let c1 = 1f64.cosh();
    second_order(
        "sinh",
        &problem("xp^2/2 + x^2/2", 0.0, 1.0, Value(0.0), Value(1.0)),
    );
    second_order(
        "catenary",
        &problem("x*sqrt(1 + xp^2)", -1.0, 1.0, Value(c1), Value(c1)),
    );
    second_order(
        "Dido",
        &problem("x", -1.0, 1.0, Value(0.0), Value(0.0))
            .with_constraint(lag("sqrt(1 + xp^2)"), 2.5)
            .unwrap(),
    );
    second_order(
        "free end",
        &problem("xp^2/2 + x + x^2", 0.0, 1.0, Value(0.0), Free),
    );
    second_order(
        "hyperbolic geodesic",
        &problem(
            "sqrt(1 + xp^2)/x",
            -1.0,
            1.0,
            Value(3f64.sqrt()),
            Value(3f64.sqrt()),
        ),
    );
    second_order(
        "explicit t",
        &problem("xp^2/2 - x^2/2 + t*x", 0.0, 1.0, Value(0.0), Value(0.0)),
    );
}

#[test]
fn a_data_term_gives_the_same_extremal_both_ways() {
    // ½λx′² + ½∫(h*x − y)² with a Gaussian blur: the integro-differential Euler–Lagrange
    // equation λx″ = (Rh*(h*x − y)) solved by collocation with the kernel matrix of a = Rh*h,
    // and by the discretised functional with sampled kernels: independent routes.
    let p = problem("0.05*xp^2/2", -2.0, 2.0, Value(0.0), Value(0.0))
        .with_data_term(
            Expr::parse("gauss(t/0.4)/0.4").unwrap(),
            Expr::parse("exp(-t^2)").unwrap(),
        )
        .unwrap();
    let order = second_order("data term", &p);
    assert!(order > 1.9);
}

#[test]
fn a_saddle_is_not_a_minimum_of_the_discretised_functional() {
    // ½x′² − 20x²: x″ = −40x with x(0) = 0, x(1) = 1 has the extremal sin(√40 t)/sin √40, but
    // √40 > π so the second variation is indefinite: J is not bounded below near it.
    let p = problem("xp^2/2 - 20*x^2", 0.0, 1.0, Value(0.0), Value(1.0));
    let spectral = p.solve().unwrap();
    let w = 40f64.sqrt();
    assert!((spectral.value_at(0.5) - (0.5 * w).sin() / w.sin()).abs() < 1e-10);
    let e = p.solve_direct(64).unwrap_err();
    let DiscreteError::NoExtremal { best, .. } = &e else {
        panic!("{e}");
    };
    assert_eq!(best.values.len(), 65);
}
