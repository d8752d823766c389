//! argmin's L-BFGS (More–Thuente) and Newton-CG against our own L-BFGS (backtracking Armijo)
//! and gradient descent on the deconvolution problem (the default experiment: Tikhonov and
//! smoothed TV on 401 samples). Prints iterations, objective evaluations, wall time (best of 3
//! runs) and the reconstruction error for each.
//!
//! `cargo bench --bench optimizers`

use flipshift::{DeconvSetup, deconvolution};
use flipshift_discrete::Optimizer;
use std::ops::ControlFlow;
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!(
        "{:<34} {:<10} {:>6} {:>6} {:>10} {:>8} {:>12}",
        "optimizer", "regulariser", "iters", "evals", "time (ms)", "error", "final J"
    );
    for (name, opt) in [
        (
            "argmin L-BFGS (More–Thuente), m=10",
            Optimizer::Lbfgs { memory: 10 },
        ),
        (
            "own L-BFGS (Armijo backtracking)",
            Optimizer::LbfgsBacktracking { memory: 10 },
        ),
        ("argmin Newton-CG", Optimizer::NewtonCg),
        ("own gradient descent", Optimizer::GradientDescent),
    ] {
        let mut setup = DeconvSetup::default();
        setup.minimize.optimizer = opt;
        let mut best = f64::INFINITY;
        let mut report = None;
        for _ in 0..3 {
            let t = Instant::now();
            let r = deconvolution(&setup, &mut |_, _| ControlFlow::Continue(()))?;
            best = best.min(t.elapsed().as_secs_f64());
            report = Some(r);
        }
        let r = report.ok_or("no run")?;
        for run in &r.runs {
            println!(
                "{:<34} {:<10} {:>6} {:>6} {:>10.1} {:>8.4} {:>12.6e}",
                name,
                run.regulariser.name(),
                run.report.iterations,
                run.report.evaluations,
                1e3 * best / r.runs.len() as f64,
                run.rel_error,
                run.report.cost
            );
        }
    }
    println!("(time: the whole experiment's best of 3, divided evenly between its two runs)");
    Ok(())
}
