//! Three ways to apply H: the dense Toeplitz matrix, the direct sum and the FFT — equal to
//! rounding, with very different costs; and the adjoint identity ⟨Hx, r⟩ = ⟨x, Hᵀr⟩.
//!
//! Writes `toeplitz_vs_fft.{svg,png}`: the three results over the first outputs, on top of one
//! another.
//!
//! `cargo run --example toeplitz_vs_fft [-- OUT_DIR]`

use flipshift::discrete::{DirectConv, FftConv, LinearOp, Mode, ToeplitzConv};
use nalgebra::DVector;
use std::time::Instant;

/// A convolution operator on vectors, whichever way it is computed.
type VectorOp = dyn LinearOp<Domain = DVector<f64>, Range = DVector<f64>>;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (n, m) = (1500, 101);
    let x = DVector::from_fn(n, |i, _| ((i * 7919) % 1000) as f64 / 500.0 - 1.0);
    let h: Vec<f64> = (0..m)
        .map(|i| (-((i as f64 - 50.0) / 15.0).powi(2)).exp())
        .collect();
    let r = DVector::from_fn(n + m - 1, |i, _| ((i * 104_729) % 997) as f64 / 498.5 - 1.0);
    let ops: Vec<(&str, Box<VectorOp>)> = vec![
        (
            "dense Toeplitz H",
            Box::new(ToeplitzConv::new(&h, n, Mode::Full)?),
        ),
        ("direct sum", Box::new(DirectConv::new(&h, n, Mode::Full)?)),
        (
            "FFT (planned once)",
            Box::new(FftConv::new(&h, n, Mode::Full)?),
        ),
    ];
    let reference = ops[1].1.apply(&x)?;
    let mut series = Vec::new();
    println!(
        "{:<20} {:>12} {:>14} {:>16}",
        "operator", "time/apply", "max |Δ| vs sum", "adjoint defect"
    );
    for (name, op) in &ops {
        let t = Instant::now();
        let mut z = op.apply(&x)?;
        for _ in 0..9 {
            z = op.apply(&x)?;
        }
        let per = t.elapsed().as_secs_f64() / 10.0;
        let diff = (&z - &reference).amax();
        let defect = (z.dot(&r) - x.dot(&op.apply_adjoint(&r)?)).abs() / (z.norm() * r.norm());
        println!(
            "{name:<20} {:>9.1} µs {diff:>14.1e} {defect:>16.1e}",
            per * 1e6
        );
        // n·ε·‖h‖₁·‖x‖∞ bounds the rounding of any of the three.
        if diff > n as f64 * f64::EPSILON * h.iter().map(|v| v.abs()).sum::<f64>() || defect > 1e-12
        {
            return Err(format!("{name} disagrees").into());
        }
        // Every output for the first, every 4th (offset) for the others, so all three show.
        let (idx, vals): (Vec<f64>, Vec<f64>) = (0..300)
            .filter(|i| series.is_empty() || i % 4 == series.len())
            .map(|i| (i as f64, z[i]))
            .unzip();
        let style = if series.is_empty() {
            flipshift::plot::Style::Line
        } else {
            flipshift::plot::Style::Markers
        };
        series.push(flipshift::plot::Series::new(*name, idx, vals, style));
    }
    let out = flipshift::figures::example_dir()?;
    for p in flipshift::figures::both(
        &out,
        "toeplitz_vs_fft",
        &flipshift::plot::lines(
            "z = h*x three ways: dense Toeplitz, direct sum, FFT",
            "output index k",
            "z_k",
            &series,
        )?,
    )? {
        println!("figure: {}", p.display());
    }
    Ok(())
}
