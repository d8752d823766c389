//! Extremals both ways: the catenary (x√(1 + x′²) between equal heights) and Dido's problem (the
//! most area under a curve of given length: a circular arc), by the spectral method (Newton on
//! the Euler–Lagrange equation in Chebyshev collocation) and by the direct method (the
//! discretised functional made stationary on N intervals). The direct solutions close in on the
//! spectral curve at second order.
//!
//! Writes `extremal_catenary`, `extremal_dido` (the spectral curve with the direct solutions at
//! N = 4, 8, 16) and `extremal_orders` (errors against Δ), each `.svg` and `.png`.
//!
//! `cargo run --release --example extremals [-- OUT_DIR]`

use flipshift::continuous::{Boundary, Expr, Extremal, Interval, ParseOptions};
use flipshift::discrete::DirectMethod;
use flipshift::plot::{Series, Style};

fn lagrangian(src: &str) -> Result<Expr, Box<dyn std::error::Error>> {
    let opts = ParseOptions {
        variables: &["t", "x", "xp"],
        params: &[],
    };
    Ok(Expr::parse_with(src, &opts)?)
}

/// Solve both ways, print the story, draw the curves; return the errors of the direct method.
fn both_ways(
    name: &str,
    stem: &str,
    problem: &Extremal,
    exact: &dyn Fn(f64) -> f64,
    out: &std::path::Path,
) -> Result<Vec<f64>, Box<dyn std::error::Error>> {
    println!("── {name}: L = {}", problem.lagrangian().to_unicode());
    let mut el = problem.euler_lagrange().to_unicode();
    for (k, (g, c)) in problem.constraints().iter().enumerate() {
        let eg = flipshift::continuous::euler_lagrange(g).to_unicode();
        el.push_str(&format!(" + μ{}·({eg})", k + 1));
        println!("   constraint ∫ {} dt = {c}", g.to_unicode());
    }
    println!("   Euler–Lagrange: {el} = 0");
    let spectral = problem.solve()?;
    let fine: Vec<f64> = (0..=200).map(|i| -1.0 + f64::from(i) / 100.0).collect();
    let err = fine
        .iter()
        .map(|&t| (spectral.value_at(t) - exact(t)).abs())
        .fold(0.0, f64::max);
    println!(
        "   spectral: N = {}, {} Newton iterations, max error against the textbook {err:.1e}, J = {:.12}, residual {:.1e}, multipliers {:?}",
        spectral.n(),
        spectral.newton_iterations,
        spectral.j,
        spectral.residual,
        spectral.multipliers
    );
    if err > 1e-10 {
        return Err(format!("{name}: the spectral extremal is off by {err:e}").into());
    }
    let levels = problem.direct_levels(&spectral, 4, 7)?;
    println!("   direct, against the spectral extremal:");
    for ((n, d), e) in levels
        .intervals
        .iter()
        .zip(&levels.deltas)
        .zip(&levels.errors)
    {
        println!("     N = {n:>4}  Δ = {d:<10} max |x_j − x(t_j)| = {e:.3e}");
    }
    let order = levels.order.ok_or("no order")?;
    println!("   observed order {order:.3}\n");
    if (order - 2.0).abs() > 0.15 {
        return Err(format!("{name}: expected second order, got {order:.3}").into());
    }
    let mut series = vec![Series::new(
        format!("spectral (N = {})", spectral.n()),
        fine.clone(),
        fine.iter().map(|&t| spectral.value_at(t)).collect(),
        Style::Line,
    )];
    // The finer solutions first, so that the coarser grid's points show on top of them.
    for sol in levels.solutions.iter().take(3).rev() {
        series.push(Series::new(
            format!("direct, N = {}", sol.n()),
            sol.grid.points(),
            sol.values.clone(),
            Style::Markers,
        ));
    }
    for f in flipshift::figures::both(
        out,
        stem,
        &flipshift::plot::lines(
            &format!("{name}: the direct solutions close in on the spectral extremal"),
            "t",
            "x(t)",
            &series,
        )?,
    )? {
        println!("   figure: {}", f.display());
    }
    Ok(levels.errors)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out = flipshift::figures::example_dir()?;
    let iv = Interval::new(-1.0, 1.0)?;

    // The catenary: x = cosh t between x(±1) = cosh 1.
    let c1 = 1f64.cosh();
    let catenary = Extremal::new(
        lagrangian("x*sqrt(1 + xp^2)")?,
        iv,
        Boundary::Value(c1),
        Boundary::Value(c1),
    )?;
    let e1 = both_ways("catenary", "extremal_catenary", &catenary, &f64::cosh, &out)?;

    // Dido: the most area ∫x under a curve of length 2.5 over [−1, 1]: an arc of radius R,
    // R sin θ = 1, Rθ = 1.25.
    let (mut lo, mut hi) = (0.1f64, 3.0f64);
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if mid.sin() / mid > 0.8 {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    let r = 1.0 / lo.sin();
    let arc = move |t: f64| (r * r - t * t).sqrt() - r * lo.cos();
    let dido = Extremal::new(
        lagrangian("x")?,
        iv,
        Boundary::Value(0.0),
        Boundary::Value(0.0),
    )?
    .with_constraint(lagrangian("sqrt(1 + xp^2)")?, 2.5)?;
    println!("Dido's arc has radius R = {r:.12}: the multiplier is −R\n");
    let e2 = both_ways("Dido's problem", "extremal_dido", &dido, &arc, &out)?;

    let deltas: Vec<f64> = (0..e1.len()).map(|k| 2.0 / f64::from(4u32 << k)).collect();
    let order = |e: &[f64]| flipshift::discrete::fit_order(&deltas, e, 0.0);
    for f in flipshift::figures::both(
        &out,
        "extremal_orders",
        &flipshift::plot::convergence(
            "The direct method against the spectral extremal",
            &deltas,
            &[
                ("catenary".to_string(), e1.clone(), order(&e1)),
                ("Dido".to_string(), e2.clone(), order(&e2)),
            ],
        )?,
    )? {
        println!("figure: {}", f.display());
    }
    Ok(())
}
