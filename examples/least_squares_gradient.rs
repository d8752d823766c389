//! δJ/δx = Rh * r for J[x] = ½∫(h*x − y)², against the discrete (1/Δ)·∇J_Δ = Δ·Hᵀ(ΔHx − y) on
//! finer and finer grids.
//!
//! `cargo run --example least_squares_gradient`

use flipshift::continuous::{Expr, LeastSquares, SharedFn};
use flipshift::discrete::{CheckParams, Quantity, Rule, check_agreement};
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
    let ls = LeastSquares::new(h.clone(), x.clone(), y.clone());
    let (j, j_err) = ls.value()?;
    println!("J[x] = {j:.15} ± {j_err:.1e}");
    let s = [-1.0, -0.5, 0.0, 0.5, 1.0, 1.5];
    let g = ls.gradient(&s)?;
    for (si, gi) in s.iter().zip(&g.values) {
        println!("δJ/δx({si:>4}) = {gi:>20.15}");
    }
    let report = check_agreement(
        h,
        x,
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
    Ok(())
}
