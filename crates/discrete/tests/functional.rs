//! The discretised functional: its gradient against finite differences, its continuum limit
//! against the continuous gradient, and the minimisers against a dense solve.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use flipshift_continuous::{Expr, Functional, losses};
use flipshift_discrete::{
    DiscreteError, DiscreteFunctional, Grid, MinimizeParams, Objective, Optimizer, Rule,
    Termination, minimize, sample,
};
use nalgebra::{DMatrix, DVector};
use std::ops::ControlFlow;

fn parse(s: &str) -> Expr {
    Expr::parse(s).unwrap()
}

fn go(_: &flipshift_discrete::IterInfo) -> ControlFlow<()> {
    ControlFlow::Continue(())
}

/// A small functional on 14 points with kernel samples of an off-centre one-sided kernel.
fn small(g: Expr, l: Option<Expr>) -> DiscreteFunctional {
    let grid = Grid::new(-1.3, 0.2, 14).unwrap();
    let h = [0.9, 0.7, 0.45, 0.3, 0.1];
    let mut f = DiscreteFunctional::new(grid)
        .with_data_term(&h, 0.2, g)
        .unwrap();
    if let Some(l) = l {
        f = f.with_regulariser(l).unwrap();
    }
    f
}

#[test]
fn gradient_matches_central_differences() {
    let y = parse("0.5 + 0.3*exp(-(t - 0.5)^2)");
    let cases = [
        (
            losses::least_squares(&y).unwrap(),
            Some(losses::smoothness(0.3).unwrap()),
        ),
        (
            losses::pseudo_huber(&y, 0.05).unwrap(),
            Some(losses::smooth_tv(0.2, 0.1).unwrap()),
        ),
        (
            losses::poisson(&y).unwrap(),
            Some(losses::energy(0.5).unwrap()),
        ),
        (losses::log_cosh(&y, 0.05).unwrap(), None),
        (losses::least_squares(&y).unwrap(), None),
    ];
    let x: Vec<f64> = (0..14)
        .map(|j| 1.0 + 0.3 * (0.7 * j as f64).sin())
        .collect();
    for (g, l) in cases {
        let f = small(g.clone(), l.clone());
        let (_, grad) = f.value_gradient(&x).unwrap();
        for j in 0..x.len() {
            let e = 1e-4;
            let at = |d: f64| {
                let mut xe = x.clone();
                xe[j] += d;
                f.value(&xe).unwrap()
            };
            // Fourth-order central difference.
            let fd = (8.0 * (at(e) - at(-e)) - (at(2.0 * e) - at(-2.0 * e))) / (12.0 * e);
            assert!(
                (grad[j] - fd).abs() <= 1e-8 * fd.abs().max(1e-3),
                "G = {g}, L = {l:?}: ∂J/∂x_{j} = {} vs {fd}",
                grad[j]
            );
        }
    }
}

#[test]
fn scaled_gradient_converges_to_the_continuous_gradient_at_second_order() {
    let y = parse("0.8*exp(-(t - 1)^2)");
    let (hs, xs) = ("gauss(t/0.5)/0.5", "exp(-t^2)*(1 + 0.3*t)");
    let g = losses::pseudo_huber(&y, 0.2).unwrap();
    let l = losses::smoothness(0.05).unwrap();
    let cont = Functional::new()
        .with_data_term(parse(hs), g.clone())
        .unwrap()
        .with_regulariser(l.clone())
        .unwrap();
    let s = [-1.0, 0.0, 0.5, 1.0];
    let exact = cont.gradient(&parse(xs), &s).unwrap().values;
    let mut errors = Vec::new();
    for dt in [0.1f64, 0.05, 0.025] {
        let k = (6.0 / dt).round() as i64;
        let grid = Grid::lattice(-k, k, dt).unwrap();
        let h = sample(
            &parse(hs).compile().unwrap(),
            &Grid::lattice(-k / 2, k / 2, dt).unwrap(),
            Rule::Point,
        )
        .unwrap();
        let x = sample(&parse(xs).compile().unwrap(), &grid, Rule::Point).unwrap();
        let f = DiscreteFunctional::new(grid)
            .with_data_term(&h, -(k / 2) as f64 * dt, g.clone())
            .unwrap()
            .with_regulariser(l.clone())
            .unwrap();
        let (_, grad) = f.value_gradient(&x).unwrap();
        let err = s
            .iter()
            .zip(&exact)
            .map(|(si, ei)| {
                let j = ((si - grid.start()) / dt).round() as usize;
                (grad[j] / dt - ei).abs()
            })
            .fold(0.0f64, f64::max);
        errors.push(err);
    }
    let orders: Vec<f64> = errors.windows(2).map(|w| (w[0] / w[1]).log2()).collect();
    for p in &orders {
        assert!(
            (p - 2.0).abs() < 0.2,
            "errors {errors:?}, orders {orders:?}"
        );
    }
}

/// The minimiser of a quadratic functional by a dense solve: ∇J(x) = Ax − b.
fn dense_minimiser(f: &DiscreteFunctional, n: usize) -> Vec<f64> {
    let (_, g0) = f.value_gradient(&vec![0.0; n]).unwrap();
    let mut a = DMatrix::zeros(n, n);
    for i in 0..n {
        let mut e = vec![0.0; n];
        e[i] = 1.0;
        let (_, gi) = f.value_gradient(&e).unwrap();
        for r in 0..n {
            a[(r, i)] = gi[r] - g0[r];
        }
    }
    let b = -DVector::from_vec(g0);
    a.lu().solve(&b).unwrap().iter().copied().collect()
}

#[test]
fn both_optimizers_reach_the_dense_solution_of_a_tikhonov_problem() {
    let f = small(
        losses::least_squares(&parse("0.5 + 0.3*exp(-(t - 0.5)^2)")).unwrap(),
        Some(losses::smoothness(0.05).unwrap()),
    );
    let exact = dense_minimiser(&f, 14);
    for (opt, iters) in [
        (Optimizer::Lbfgs { memory: 8 }, 200),
        (Optimizer::GradientDescent, 20_000),
    ] {
        let p = MinimizeParams {
            optimizer: opt,
            max_iterations: iters,
            grad_tol: 1e-10,
            cost_tol: 0.0,
        };
        let r = minimize(&f, &[0.0; 14], &p, &mut go).unwrap();
        let err =
            r.x.iter()
                .zip(&exact)
                .map(|(a, b)| (a - b).abs())
                .fold(0.0f64, f64::max);
        let scale = exact.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        assert!(err < 1e-6 * scale, "{opt:?}: {err:e} after {r:?}");
        assert!(
            r.costs.windows(2).all(|w| w[1] <= w[0]),
            "{opt:?}: cost rose"
        );
        assert_eq!(r.costs.len(), r.iterations + 1);
    }
}

#[test]
fn lbfgs_solves_rosenbrock() {
    let f = |x: &[f64]| -> Result<(f64, Vec<f64>), DiscreteError> {
        let (a, b) = (x[0], x[1]);
        Ok((
            (1.0 - a).powi(2) + 100.0 * (b - a * a).powi(2),
            vec![
                -2.0 * (1.0 - a) - 400.0 * a * (b - a * a),
                200.0 * (b - a * a),
            ],
        ))
    };
    let r = minimize(&f, &[-1.2, 1.0], &MinimizeParams::default(), &mut go).unwrap();
    assert!(
        (r.x[0] - 1.0).abs() < 1e-6 && (r.x[1] - 1.0).abs() < 1e-6,
        "{r:?}"
    );
    assert!(r.iterations < 100, "{} iterations", r.iterations);
}

#[test]
fn the_callback_sees_every_iteration_and_can_stop() {
    let f = small(losses::least_squares(&Expr::num(1.0)).unwrap(), None);
    let mut seen = Vec::new();
    let r = minimize(&f, &[0.0; 14], &MinimizeParams::default(), &mut |i| {
        seen.push((i.iteration, i.cost));
        if i.iteration == 3 {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    })
    .unwrap();
    assert_eq!(r.termination, Termination::Stopped);
    assert_eq!(r.iterations, 3);
    assert_eq!(seen.iter().map(|s| s.0).collect::<Vec<_>>(), [0, 1, 2, 3]);
    assert_eq!(seen[3].1, r.cost);
}

#[test]
fn bad_input_is_a_typed_error() {
    let f = small(losses::least_squares(&Expr::num(0.0)).unwrap(), None);
    assert!(f.value(&[1.0; 3]).is_err());
    assert!(f.value(&[f64::NAN; 14]).is_err());
    let p = MinimizeParams::default();
    assert!(minimize(&f, &[], &p, &mut go).is_err());
    assert!(minimize(&f, &[f64::INFINITY; 14], &p, &mut go).is_err());
    let bad = MinimizeParams {
        optimizer: Optimizer::Lbfgs { memory: 0 },
        ..p
    };
    assert!(minimize(&f, &[0.0; 14], &bad, &mut go).is_err());
    let nan = |_: &[f64]| -> Result<(f64, Vec<f64>), DiscreteError> { Ok((f64::NAN, vec![0.0])) };
    assert!(minimize(&nan, &[0.0], &p, &mut go).is_err());
    let short = |_: &[f64]| -> Result<(f64, Vec<f64>), DiscreteError> { Ok((1.0, vec![])) };
    assert!(minimize(&short, &[0.0], &p, &mut go).is_err());
    assert!("newton".parse::<Optimizer>().is_err());
    // Poisson where the blurred signal is negative: log u is not defined.
    let poisson = small(losses::poisson(&Expr::num(1.0)).unwrap(), None);
    assert!(poisson.value(&[-1.0; 14]).is_err());
    // Sampled data of the wrong length.
    let grid = Grid::new(0.0, 0.1, 5).unwrap();
    let g = losses::least_squares(&Expr::var("y")).unwrap();
    assert!(
        DiscreteFunctional::new(grid)
            .with_data_samples(&[1.0, 1.0], 0.0, g.clone(), &[0.0; 5])
            .is_err()
    );
    assert!(
        DiscreteFunctional::new(grid)
            .with_data_samples(&[1.0, 1.0], 0.0, g, &[0.0; 6])
            .is_ok()
    );
    let objective: &dyn Objective = &f;
    assert!(objective.value_gradient(&[0.0; 2]).is_err());
}
