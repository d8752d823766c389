//! Convolution on a period: trigonometric polynomials in closed form against quadrature over
//! one period, the functional derivative h_P(t0 − τ), and the bridge to circular convolution —
//! geometric convergence for a kernel smooth on the circle, an algebraic order at a jump.
//!
//! Writes `periodic.{svg,png}`: the errors of circular against periodic convolution.
//!
//! `cargo run --example periodic [-- OUT_DIR]`

use flipshift::continuous::{
    Expr, PeriodicPointEval, QuadParams, RealFn, SharedFn, convolve_periodic,
    convolve_periodic_symbolic,
};
use flipshift::discrete::{PeriodicConvergence, check_periodic_agreement};
use std::sync::Arc;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // 1. (2 + 3 sin ωt) ⊛ (½ + 4 cos ωt − sin 2ωt) on P = 3, ω = 2π/3: exact, and by quadrature.
    let (h, x, p) = (
        Expr::parse("2 + 3*sin(2*pi*t/3)")?,
        Expr::parse("0.5 + 4*cos(2*pi*t/3) - sin(4*pi*t/3)")?,
        3.0,
    );
    let z = convolve_periodic_symbolic(&h, &x, p)?;
    println!(
        "z(t) = (h ⊛ x)(t) = {}   (P = {p})",
        z.to_expr().to_unicode()
    );
    let t = [0.0, 0.75, 1.9, 10.0];
    let exact = z.values(&t, QuadParams::default())?;
    let quad = convolve_periodic(&h.compile()?, &x.compile()?, p, &t, QuadParams::default())?;
    println!(
        "{:>6} {:>22} {:>22} {:>10} {:>10}",
        "t", "closed form", "quadrature", "diff", "bounds"
    );
    for (i, ti) in t.iter().enumerate() {
        println!(
            "{:>6} {:>22.16} {:>22.16} {:>10.1e} {:>10.1e}",
            ti,
            exact.values[i],
            quad.values[i],
            (exact.values[i] - quad.values[i]).abs(),
            exact.error_estimates[i] + quad.error_estimates[i]
        );
    }
    // Not every periodic kernel is a trigonometric polynomial: the reason, then quadrature.
    let saw = Expr::parse("t")?;
    if let Err(why) = convolve_periodic_symbolic(&saw, &Expr::parse("cos(pi*t)")?, 2.0) {
        println!("\nt ⊛ cos(πt) on P = 2: no closed form ({why}); by quadrature:");
    }
    let zq = convolve_periodic(
        &saw.compile()?,
        &Expr::parse("cos(pi*t)")?.compile()?,
        2.0,
        &[0.3],
        QuadParams::default(),
    )?;
    let want = -(4.0 / (2.0 * std::f64::consts::PI)) * (std::f64::consts::PI * 0.3).sin();
    println!(
        "z(0.3) = {} ± {:.1e}, hand-worked −(P²/2π) sin(0.3π) = {want} (diff {:.1e})",
        zq.values[0],
        zq.error_estimates[0],
        (zq.values[0] - want).abs()
    );

    // 2. δz(t0)/δx(τ) = h_P(t0 − τ): the sawtooth reversed, shifted and wrapped.
    let d = PeriodicPointEval::new(saw.compile()?, 0.5, 2.0)?.derivative();
    println!("\nδz(0.5)/δx(τ) = h_P(0.5 − τ) for h = t on [0, 2), repeated:");
    for tau in [0.0, 0.25, 0.5, 1.0, 1.5, 2.5] {
        println!("  τ = {tau:<5} {}", d.eval(tau));
    }

    // 3. The bridge: circular convolution of point samples is the periodic trapezoidal rule.
    let f = |s: &str| -> Result<SharedFn, Box<dyn std::error::Error>> {
        Ok(Arc::new(Expr::parse(s)?.compile()?))
    };
    let mut series = Vec::new();
    let mut deltas = Vec::new();
    for (name, h) in [
        ("1/(1.5 − cos 2πt), geometric", "1/(1.5 - cos(2*pi*t))"),
        ("t (jump at the seam)", "t"),
        ("box on [0, ½)", "step(t)*step(0.5 - t)"),
    ] {
        let r = check_periodic_agreement(f(h)?, f("sin(2*pi*t)")?, 1.0, 6)?;
        let conv = &r.quantities[0];
        let case = match &r.convergence {
            PeriodicConvergence::Geometric => "geometric".to_string(),
            PeriodicConvergence::Algebraic { points } => format!("algebraic, rough at {points:?}"),
        };
        println!("\nh = {name}: {case}");
        for (dt, e) in r.deltas.iter().zip(&conv.errors) {
            println!("  Δ = {dt:<10} error {e:.3e}");
        }
        match (&r.convergence, conv.order) {
            (PeriodicConvergence::Geometric, _) => {
                let c = 1.5f64.acosh();
                for (i, ratio) in conv.ratios.iter().enumerate() {
                    let n = 1.0 / r.deltas[i];
                    println!(
                        "  ratio {ratio:.4e} at N = {n}, predicted e^(N·arccosh 1.5) = {:.4e}",
                        (n * c).exp()
                    );
                }
                if let Some(d) = conv.delta_at_rounding {
                    println!("  rounding reached at Δ = {d}: no order is fitted");
                }
            }
            (_, Some(order)) => println!("  order {order:.2}"),
            _ => println!("  no order"),
        }
        deltas = r.deltas.clone();
        series.push((name.to_string(), conv.errors.clone(), conv.order));
    }
    let out = flipshift::figures::example_dir()?;
    for path in flipshift::figures::both(
        &out,
        "periodic",
        &flipshift::plot::convergence(
            "circular against periodic convolution, x = sin 2πt, P = 1",
            &deltas,
            &series,
        )?,
    )? {
        println!("figure: {}", path.display());
    }
    Ok(())
}
