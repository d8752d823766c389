//! δz(t0)/δx(τ) = h(t0 − τ): the symbolic answer, its Gateaux proof, and row k of the Toeplitz
//! matrix H next to it — the discrete derivative is the continuous one, sampled.
//!
//! Writes `functional_derivative.{svg,png}`: H as a heat map, row k outlined, beside it that row
//! against h(t0 − τ).
//!
//! `cargo run --example functional_derivative [-- OUT_DIR]`

use flipshift::continuous::{
    Bump, Expr, PointEval, QuadParams, RealFn, gateaux_check, point_eval_derivative,
};
use flipshift::discrete::{Grid, Layout, Mode, Rule, jacobian, sample};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let src = "exp(-(t - 0.5))*step(t - 0.5)";
    let (h_expr, t0) = (Expr::parse(src)?, 1.0);
    let h = h_expr.compile()?;
    let x = Expr::parse("exp(-t^2)")?.compile()?;
    println!(
        "δz(t0)/δx(τ) = h(t0 − τ) = {}",
        point_eval_derivative(&h_expr, t0).to_unicode()
    );

    // The proof: the directional derivative along a bump equals ⟨h(t0 − ·), φ⟩.
    let q = QuadParams::default();
    let pe = PointEval::new(h.clone(), t0)?;
    let f = |xx: &dyn RealFn| pe.value(xx, q).map(|v| v.0);
    let rep = gateaux_check(&f, &x, &pe.derivative(), &Bump::new(0.3, 0.8)?, 0.5, q)?;
    println!(
        "Gateaux check: d/dε z[x + εφ] = {:.15} vs ∫ h(t0 − τ)φ(τ) dτ = {:.15} (relative discrepancy {:.1e})",
        rep.directional, rep.inner_product, rep.rel_discrepancy
    );

    // The discrete twin: samples on t_k = kΔ, H the full convolution matrix; the row of H at
    // t_k = t0 holds h(t0 − τ_j).
    let dt = 0.25;
    let (gh, gx) = (Grid::lattice(2, 40, dt)?, Grid::lattice(-12, 12, dt)?);
    let hs = sample(&h, &gh, Rule::Point)?;
    let hm = jacobian(&hs, gx.len(), Mode::Full, Layout::Numerator)?;
    // Row k ↔ t_k = (2 − 12 + k)·Δ, so t0 = 1 is k = 1/Δ + 10.
    let k = (t0 / dt).round() as usize + 10;
    println!(
        "\n{:>7} {:>16} {:>16} {:>10}",
        "τ_j", "row k of H", "h(t0 − τ_j)", "difference"
    );
    for (j, tau) in gx
        .points()
        .into_iter()
        .enumerate()
        .filter(|(j, _)| j % 3 == 0)
    {
        let (d, c) = (hm[(k, j)], h.eval(t0 - tau));
        println!("{tau:>7.2} {d:>16.12} {c:>16.12} {:>10.1e}", d - c);
        if (d - c).abs() > 0.0 {
            return Err("the row of H is not the flipped, shifted kernel".into());
        }
    }
    let rows: Vec<Vec<f64>> = hm.row_iter().map(|r| r.iter().copied().collect()).collect();
    let fine: Vec<f64> = (0..=400)
        .map(|i| -3.0 + 6.0 * f64::from(i) / 400.0)
        .collect();
    let curve: Vec<f64> = fine.iter().map(|&t| h.eval(t0 - t)).collect();
    let out = flipshift::figures::example_dir()?;
    for p in flipshift::figures::both(
        &out,
        "functional_derivative",
        &flipshift::plot::jacobian(
            "The Jacobian H of z = h*x: row k is h(t_k − τ_j)",
            &rows,
            k,
            &gx.points(),
            &fine,
            &curve,
        )?,
    )? {
        println!("figure: {}", p.display());
    }
    Ok(())
}
