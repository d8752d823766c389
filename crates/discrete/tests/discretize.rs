//! `Functional::discretize`: the same functional on a grid in one call, for any loss and
//! regulariser — J_Δ, (1/Δ)∇J_Δ and (1/Δ)∇²J_Δ v converge to J, δJ/δx and the second variation
//! at the order of the discretisation (2: the midpoint rule and central differences of the
//! regulariser; the rectangle rule of the data term is spectrally accurate for smooth,
//! decaying integrands).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use flipshift_continuous::{Expr, FnWithSupport, Functional, Interval, losses};
use flipshift_discrete::{Discretize, Grid, MinimizeParams, Rule, minimize, sample};

fn parse(s: &str) -> Expr {
    Expr::parse(s).unwrap()
}

fn assert_order(name: &str, errors: &[f64], order: Option<f64>) {
    println!(
        "{name:<34} {:?} order {order:?}",
        errors
            .iter()
            .map(|e| format!("{e:.2e}"))
            .collect::<Vec<_>>()
    );
    let p = order.unwrap_or_else(|| panic!("{name}: no order from {errors:?}"));
    assert!((p - 2.0).abs() < 0.15, "{name}: order {p} from {errors:?}");
}

#[test]
fn least_squares_with_smoothness_converges_at_second_order() {
    let j = Functional::least_squares(parse("gauss(t/0.5)/0.5"), parse("0.8*exp(-(t - 1)^2)"))
        .unwrap()
        .with_regulariser(losses::smoothness(0.3).unwrap())
        .unwrap();
    let x = parse("exp(-t^2)*(1 + 0.5*t)");
    let v = parse("exp(-(t - 0.5)^2)");
    let r = j
        .agreement(
            &x,
            Some(&v.compile().unwrap()),
            &Grid::new(-6.0, 0.25, 49).unwrap(),
            5,
            Rule::Point,
        )
        .unwrap();
    assert_order(
        "least squares + smoothness: J",
        &r.value.errors,
        r.value.order,
    );
    assert_order("  (1/Δ)∇J_Δ", &r.gradient.errors, r.gradient.order);
    let h = r.hessian.unwrap();
    assert_order("  (1/Δ)∇²J_Δ v", &h.errors, h.order);
}

#[test]
fn a_robust_loss_and_total_variation_converge_at_second_order() {
    // Pseudo-Huber against data, smoothed TV, a one-sided kernel given as a closure: any
    // functional, not only least squares.
    let h = FnWithSupport::new(
        |t: f64| 2.0 * (-2.0 * t).exp() * t,
        Interval::new(0.0, f64::INFINITY).unwrap(),
    )
    .with_breakpoints(vec![0.0]);
    let j = Functional::new()
        .with_data_term(
            h,
            losses::pseudo_huber(&parse("0.5*exp(-t^2/2)"), 0.3).unwrap(),
        )
        .unwrap()
        .with_regulariser(losses::smooth_tv(0.05, 0.5).unwrap())
        .unwrap()
        .on(Interval::new(-5.0, 5.0).unwrap());
    let x = parse("exp(-t^2)");
    let r = j
        .agreement(
            &x,
            None,
            &Grid::new(-5.0, 0.25, 41).unwrap(),
            5,
            Rule::Point,
        )
        .unwrap();
    assert_order(
        "pseudo-Huber + smoothed TV: J",
        &r.value.errors,
        r.value.order,
    );
    assert_order("  (1/Δ)∇J_Δ", &r.gradient.errors, r.gradient.order);
}

#[test]
fn the_discretised_minimiser_approaches_the_continuous_extremal() {
    // L = ½x² − x sin t + ½x′² on [0, π] with free ends: x″ − x = −sin t, x′(0) = x′(π) = 0,
    // so x = ½ sin t + B cosh t − ½ sinh t with B = (1 + cosh π)/(2 sinh π). The minimiser of
    // the discretised functional (no boundary conditions imposed: the natural ones emerge)
    // approaches it at second order.
    let l = Expr::parse_with(
        "x^2/2 - x*sin(t) + xp^2/2",
        &flipshift_continuous::ParseOptions {
            variables: &["t", "x", "xp"],
            params: &[],
        },
    )
    .unwrap();
    let j = Functional::new().with_regulariser(l).unwrap();
    let pi = std::f64::consts::PI;
    let b = (1.0 + pi.cosh()) / (2.0 * pi.sinh());
    let exact = |t: f64| 0.5 * t.sin() + b * t.cosh() - 0.5 * t.sinh();
    let (mut errors, mut deltas) = (Vec::new(), Vec::new());
    for n in [16usize, 32, 64, 128] {
        let dt = pi / n as f64;
        let grid = Grid::new(0.0, dt, n + 1).unwrap();
        let jd = j.discretize(&grid, Rule::Point).unwrap();
        let params = MinimizeParams {
            grad_tol: 1e-13,
            max_iterations: 20_000,
            ..Default::default()
        };
        let fit = minimize(&jd, &vec![0.0; grid.len()], &params).unwrap();
        let err = grid
            .points()
            .iter()
            .zip(&fit.x)
            .map(|(t, v)| (v - exact(*t)).abs())
            .fold(0.0, f64::max);
        errors.push(err);
        deltas.push(dt);
    }
    let p = flipshift_discrete::fit_order(&deltas, &errors, 0.0).unwrap();
    println!("discrete minimiser against the free-end extremal: {errors:?}, order {p:.3}");
    assert!((p - 2.0).abs() < 0.15, "{errors:?}");
    let _ = sample;
}
