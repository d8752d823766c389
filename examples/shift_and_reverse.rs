//! The flip and the shift: h, R h and S_{t0} R h for an off-centre one-sided kernel, symbolic
//! and numeric, and the identity (S_{t0} R h)(τ) = h(t0 − τ).
//!
//! Writes `shift_and_reverse.{svg,png}`: h, R h and S_t0 R h on one axis, t0 marked.
//!
//! `cargo run --example shift_and_reverse [-- OUT_DIR]`

use flipshift::continuous::{Expr, RealFn, RealFnExt};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let h_expr = Expr::parse("exp(-(t - 0.5))*step(t - 0.5)")?;
    let t0 = 1.25;
    println!("h(t)          = {}", h_expr.to_unicode());
    println!(
        "(R h)(t)      = h(−t)      = {}",
        h_expr.reversed().to_unicode()
    );
    println!(
        "(S_t0 R h)(t) = h(t0 − t)  = {}   (t0 = {t0})",
        h_expr.reversed().shifted(t0).to_unicode()
    );
    let h = h_expr.compile()?;
    let flipped = h.clone().reversed().shifted(t0);
    println!(
        "\n{:>6} {:>12} {:>12} {:>14} {:>10}",
        "τ", "h(τ)", "h(−τ)", "S_t0 R h(τ)", "vs h(t0−τ)"
    );
    for i in 0..=12 {
        let tau = -1.5 + 0.25 * f64::from(i);
        let (a, b, c) = (
            h.eval(tau),
            h.clone().reversed().eval(tau),
            flipped.eval(tau),
        );
        let diff = c - h.eval(t0 - tau);
        println!("{tau:>6.2} {a:>12.6} {b:>12.6} {c:>14.6} {diff:>10.1e}");
        if diff != 0.0 {
            return Err(format!("S_t0 R h differs from h(t0 − τ) at τ = {tau}").into());
        }
    }
    let tau: Vec<f64> = (0..=600)
        .map(|i| -2.5 + 6.0 * f64::from(i) / 600.0)
        .collect();
    let hv: Vec<f64> = tau.iter().map(|&t| h.eval(t)).collect();
    let rv: Vec<f64> = tau.iter().map(|&t| h.clone().reversed().eval(t)).collect();
    let sv: Vec<f64> = tau.iter().map(|&t| flipped.eval(t)).collect();
    let out = flipshift::figures::example_dir()?;
    for p in flipshift::figures::both(
        &out,
        "shift_and_reverse",
        &flipshift::plot::flip_shift(
            &tau,
            &hv,
            &rv,
            &sv,
            t0,
            "Flip, then shift: δz(t₀)/δx(τ) = h(t₀ − τ)",
        )?,
    )? {
        println!("figure: {}", p.display());
    }
    let s = flipped.support();
    println!(
        "\nsupport: h on [0.5, ∞) → R h on (−∞, −0.5] → S_t0 R h on ({}, {}]",
        s.a(),
        s.b()
    );
    Ok(())
}
