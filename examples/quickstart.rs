//! The README's program: a blur, data and a smoothness term; the functional discretised in one
//! call and minimised; the observed order of the discrete gradient.
//!
//! `cargo run --example quickstart`

use flipshift::continuous::{Expr, Functional, losses};
use flipshift::discrete::{Discretize, Grid, MinimizeParams, Rule, minimize};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // A Gaussian blur h, data y = h * rect(t/2) (exactly), and a smoothness term ½λx′².
    let h = Expr::parse("gauss(t/0.3)/0.3")?;
    let y = Expr::parse("(erf((t + 1)/(0.3*sqrt(2))) - erf((t - 1)/(0.3*sqrt(2))))/2")?;
    let j = Functional::least_squares(h, y)?.with_regulariser(losses::smoothness(1e-3)?)?;
    // The same J on a grid, in one call, and its minimiser.
    let grid = Grid::new(-3.0, 0.025, 241)?;
    let jd = j.discretize(&grid, Rule::Point)?;
    let fit = minimize(&jd, &vec![0.0; grid.len()], &MinimizeParams::default())?;
    println!("J_Δ = {:.6e}, {} iterations", fit.cost, fit.iterations);

    // (1/Δ)∇J_Δ against δJ/δx at a test signal, as Δ halves: the observed order.
    let coarse = Grid::new(-6.0, 0.25, 49)?;
    let r = j.agreement(&Expr::parse("exp(-t^2)")?, None, &coarse, 5, Rule::Point)?;
    for (d, e) in r.deltas.iter().zip(&r.gradient.errors) {
        println!("Δ = {d:<9} relative error of the discrete gradient {e:.2e}");
    }
    let p = r.gradient.order.ok_or("no order")?;
    println!("observed order {p:.2}");
    Ok(())
}
