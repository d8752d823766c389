//! δJ/δx = Rh * r for J[x] = ½∫(h*x − y)², against the discrete (1/Δ)·∇J_Δ = Δ·Hᵀ(ΔHx − y) on
//! finer and finer grids.
//!
//! Writes `least_squares_gradient.{svg,png}`: δJ/δx against (1/Δ)∇J_Δ of the discretised
//! functional for two spacings.
//!
//! `cargo run --example least_squares_gradient [-- OUT_DIR]`

use flipshift::continuous::losses;
use flipshift::continuous::{Expr, Functional, SharedFn};
use flipshift::discrete::{
    CheckParams, DiscreteFunctional, Grid, Quantity, Rule, check_agreement, sample,
};
use flipshift::plot::{Series, Style};
use std::sync::Arc;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let f = |s: &str| -> Result<SharedFn, Box<dyn std::error::Error>> {
        Ok(Arc::new(Expr::parse(s)?.compile()?))
    };
    let (h, x, y) = (
        f("tri(t - 0.3)")?,
        f("exp(-t^2)")?,
        f("0.8*exp(-(t - 1)^2)")?,
    );
    let ls = Functional::least_squares(h.clone(), y.clone())?;
    let (j, j_err) = ls.value(&x)?;
    println!("J[x] = {j:.15} ± {j_err:.1e}");
    let s = [-1.0, -0.5, 0.0, 0.5, 1.0, 1.5];
    let g = ls.gradient(&x, &s)?;
    for (si, gi) in s.iter().zip(&g.values) {
        println!("δJ/δx({si:>4}) = {gi:>20.15}");
    }
    let report = check_agreement(
        h.clone(),
        x.clone(),
        Some(y),
        &CheckParams {
            rule: Rule::Point,
            levels: 5,
            ..Default::default()
        },
    )?;
    let q = report.get(Quantity::Lsgrad).ok_or("no lsgrad report")?;
    println!("\n(1/Δ)∇J_Δ against δJ/δx (relative max error):");
    for (d, e) in report.deltas.iter().zip(&q.errors) {
        println!("  Δ = {d:<10} error {e:.3e}");
    }
    let p = q.order.ok_or("no order fitted")?;
    println!("observed order {p:.2}: tri(t − 0.3) has kinks between grid points, and a kink costs");
    println!(
        "second order wherever it sits (the oscillation in the errors is where it falls in a cell)"
    );
    if (p - 2.0).abs() > 0.25 {
        return Err(format!("expected second order, got {p:.2}").into());
    }

    // The figure: the continuous gradient against the discretised functional's.
    let s_fine: Vec<f64> = (0..=60).map(|i| -3.0 + 0.1 * f64::from(i)).collect();
    let mut series = vec![Series::new(
        "δJ/δx(s) = (Rh * r)(s)",
        s_fine.clone(),
        ls.gradient(&x, &s_fine)?.values,
        Style::Line,
    )];
    let g = losses::least_squares(&Expr::parse("0.8*exp(-(t - 1)^2)")?)?;
    for dt in [0.25, 0.1] {
        let k = (6.0 / dt) as i64;
        let grid = Grid::lattice(-k, k, dt)?;
        let hk = (2.0 / dt) as i64;
        let hs = sample(&*h, &Grid::lattice(-hk, hk, dt)?, Rule::Point)?;
        let xs = sample(&*x, &grid, Rule::Point)?;
        let f = DiscreteFunctional::new(grid).with_data_term(&hs, -(hk as f64) * dt, g.clone())?;
        let (_, grad) = f.value_gradient(&xs)?;
        let (sk, gk): (Vec<f64>, Vec<f64>) = grid
            .points()
            .into_iter()
            .zip(grad.iter().map(|v| v / dt))
            .filter(|(t, _)| (-3.0..=3.0).contains(t))
            .unzip();
        series.push(Series::new(
            format!("(1/Δ)∇J_Δ, Δ = {dt}"),
            sk,
            gk,
            Style::Markers,
        ));
    }
    let out = flipshift::figures::example_dir()?;
    for p in flipshift::figures::both(
        &out,
        "least_squares_gradient",
        &flipshift::plot::lines(
            "Least-squares gradient of tri(t − 0.3): continuous against discrete",
            "s",
            "δJ/δx(s)",
            &series,
        )?,
    )? {
        println!("figure: {}", p.display());
    }
    Ok(())
}
