//! Deconvolution: blur a box and a triangle with a Gaussian (σ = 0.3), add seeded noise, and
//! recover the signal by minimising ½‖Δ(h*x) − y‖²·Δ plus Tikhonov ½λx′² or smoothed total
//! variation λ√(ε² + x′²), with L-BFGS. Writes `deconvolution.{svg,png}` (truth, data,
//! reconstructions, and the cost per iteration).
//!
//! `cargo run --release --example deconvolution [-- OUT_DIR]`

use flipshift::{DeconvSetup, deconvolution};
use std::ops::ControlFlow;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out = flipshift::figures::example_dir()?;
    let setup = DeconvSetup::default();
    println!(
        "truth x(t) = {}, blurred by gauss(t/{})/{}, noise σ = {} (seed {}), Δ = {} on [{}, {}]",
        setup.truth.to_unicode(),
        setup.sigma,
        setup.sigma,
        setup.noise,
        setup.seed,
        setup.dt,
        setup.interval.0,
        setup.interval.1
    );
    let report = deconvolution(&setup, &mut |name, info| {
        if info.iteration % 250 == 0 {
            println!(
                "  {name:<9} iteration {:>4}: J = {:.6e}, ‖∇J‖ = {:.2e}",
                info.iteration, info.cost, info.grad_norm
            );
        }
        ControlFlow::Continue(())
    })?;

    println!("\nrelative L2 error against the truth on the grid:");
    println!(
        "  {:<22} {:.4}",
        "blurred, noisy data", report.data_rel_error
    );
    for r in &report.runs {
        println!(
            "  {:<22} {:.4}  ({} iterations, {})",
            r.regulariser.name(),
            r.rel_error,
            r.report.iterations,
            r.report.termination.describe()
        );
    }
    println!("\nthe continuous truth against the discrete reconstructions at a few points:");
    print!("  {:>6} {:>10}", "t", "x(t)");
    for r in &report.runs {
        print!(" {:>10} {:>10}", r.regulariser.name(), "difference");
    }
    println!();
    let t = report.grid.points();
    for k in (0..t.len()).step_by(t.len() / 10) {
        print!("  {:>6.2} {:>10.5}", t[k], report.truth[k]);
        for r in &report.runs {
            print!(
                " {:>10.5} {:>10.2e}",
                r.report.x[k],
                r.report.x[k] - report.truth[k]
            );
        }
        println!();
    }
    for r in &report.runs {
        if r.rel_error >= report.data_rel_error {
            return Err(format!("{} did not improve on the data", r.regulariser.name()).into());
        }
    }

    for f in flipshift::figures::deconvolution(&out, &report)? {
        println!("figure: {}", f.display());
    }
    Ok(())
}
