//! Dirac deltas as kernels: the shift and the derivative are convolutions, and the functional
//! derivative of a convolution with δ′ is δ′ flipped — the adjoint of d/dt is −d/dt.
//!
//! δ(t − a) * x = x(t − a) and δ′ * x = x′, exactly, by sifting; the derivative of z(t0) with
//! respect to x is h(t0 − τ), for h = δ′ the distribution δ′(t0 − τ) = −δ′(τ − t0). On the
//! discrete side δ is the Kronecker delta 1/Δ and δ′ its centred difference; their convolutions
//! converge to the continuous ones, at the order the position of the delta on the lattice sets.
//!
//! Writes `dirac.{svg,png}`: x, the shifted x, x′ = δ′ * x and the discrete δ′ * x at Δ = 1/4.
//!
//! `cargo run --example dirac [-- OUT_DIR]`

use flipshift::continuous::{Distribution, DistributionConvolution, Expr, QuadParams};
use flipshift::discrete::{CheckParams, Method, Mode, Quantity, check_dirac_agreement};
use flipshift::plot::{Series, Style, lines};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let x_expr = Expr::parse("exp(-t^2)")?;
    let x = Distribution::from_expr(x_expr.clone());
    let shift = Distribution::parse("dirac(t - 0.5)")?;
    let d1 = Distribution::parse("dirac(t, 1)")?;
    let q = QuadParams::default();
    let f = |s: f64| (-s * s).exp();

    println!("x(t) = {}", x.to_unicode());
    let t: Vec<f64> = (0..=8).map(|i| -1.0 + 0.375 * f64::from(i)).collect();
    let z_shift = DistributionConvolution::new(&shift, &x)?
        .values(&t, q)?
        .output;
    let z_d1 = DistributionConvolution::new(&d1, &x)?.values(&t, q)?.output;
    println!(
        "\n{:>7} {:>14} {:>14} {:>10} {:>14} {:>14} {:>10}",
        "t", "δ(t−½)*x", "x(t − ½)", "diff", "δ′*x", "central diff", "diff"
    );
    for (i, &ti) in t.iter().enumerate() {
        let want = f(ti - 0.5);
        // Central difference of x, step 1e-5: accurate to about 1e-10.
        let eta = 1e-5;
        let fd = (f(ti + eta) - f(ti - eta)) / (2.0 * eta);
        println!(
            "{ti:>7.3} {:>14.10} {want:>14.10} {:>10.1e} {:>14.10} {fd:>14.10} {:>10.1e}",
            z_shift.values[i],
            z_shift.values[i] - want,
            z_d1.values[i],
            z_d1.values[i] - fd
        );
        if (z_shift.values[i] - want).abs() > z_shift.error_estimates[i] + f64::EPSILON
            || (z_d1.values[i] - fd).abs() > 1e-9
        {
            return Err(format!("sifting disagrees with the reference at t = {ti}").into());
        }
    }

    // The functional derivative: h(t0 − τ) for h = δ′ is δ′(t0 − τ) = −δ′(τ − t0).
    let t0 = 1.0;
    let flipped = d1.reflected(t0);
    let term = &flipped.deltas()[0];
    println!(
        "\nδz(t0)/δx(τ) for h = δ′, t0 = {t0}: h(t0 − τ) = {} = {}",
        term.to_unicode_reflected("tau"),
        term.to_unicode_in("tau")
    );
    println!(
        "  acting on x: ⟨−δ′(τ − 1), x⟩ = x′(1) = {:.12} (sifting: {:.12})",
        -2.0 * f(1.0),
        DistributionConvolution::new(&d1, &x)?
            .values(&[t0], q)?
            .output
            .values[0]
    );

    // Discrete: the Kronecker delta and its centred difference, orders measured.
    println!("\ncontinuous vs discrete (relative max error of Δ·(h_Δ * x_Δ)):");
    for h_src in ["dirac(t - 0.5)", "dirac(t - 0.3)", "dirac(t - 0.5, 1)"] {
        let h = Distribution::parse(h_src)?;
        let report = check_dirac_agreement(&h, &x_expr, None, &CheckParams::default())?;
        let conv = report
            .get(Quantity::Conv)
            .ok_or("the report has no conv quantity")?;
        let errs: Vec<String> = conv.errors.iter().map(|e| format!("{e:.1e}")).collect();
        let order = match conv.order {
            Some(p) => format!("order {p:.2}"),
            None if conv.rounding => "at rounding level".to_string(),
            None => "no order".to_string(),
        };
        println!("  {h_src:<18} {}  → {order}", errs.join(" "));
    }

    // The figure: x, its shift, its derivative, and the discrete δ′ * x at Δ = 1/4.
    let tau: Vec<f64> = (0..=400)
        .map(|i| -3.0 + 6.0 * f64::from(i) / 400.0)
        .collect();
    let xv: Vec<f64> = tau.iter().map(|&s| f(s)).collect();
    let sv = DistributionConvolution::new(&shift, &x)?
        .values(&tau, q)?
        .output
        .values;
    let dv = DistributionConvolution::new(&d1, &x)?
        .values(&tau, q)?
        .output
        .values;
    let dt = 0.25;
    let (first, hs) = flipshift::discrete::dirac_samples(&d1, dt)?;
    let k0 = -12i64;
    let xs: Vec<f64> = (k0..=12).map(|k| f(k as f64 * dt)).collect();
    let z = flipshift::discrete::convolve(&hs, &xs, Mode::Full, Method::Direct)?;
    let zt: Vec<f64> = (0..z.len())
        .map(|i| (i as i64 + first + k0) as f64 * dt)
        .collect();
    let zv: Vec<f64> = z.iter().map(|v| dt * v).collect();
    let (zt, zv): (Vec<f64>, Vec<f64>) = zt
        .into_iter()
        .zip(zv)
        .filter(|(s, _)| s.abs() <= 3.0)
        .unzip();
    let figure = lines(
        "Deltas as kernels: δ(t − ½) * x shifts, δ′ * x differentiates",
        "t",
        "value",
        &[
            Series::new("x(t) = exp(−t²)", tau.clone(), xv, Style::Dashed),
            Series::new("δ(t − ½) * x = x(t − ½)", tau.clone(), sv, Style::Line),
            Series::new("δ′ * x = x′(t)", tau, dv, Style::Line),
            Series::new("discrete δ′ * x, Δ = 1/4", zt, zv, Style::Markers),
        ],
    )?;
    let out = flipshift::figures::example_dir()?;
    for p in flipshift::figures::both(&out, "dirac", &figure)? {
        println!("figure: {}", p.display());
    }
    Ok(())
}
