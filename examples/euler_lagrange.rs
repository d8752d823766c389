//! The Euler–Lagrange expression ∂L/∂x − d/dt ∂L/∂x′ of textbook Lagrangians, symbolically, and
//! the same first variation from the discretised functional: (1/Δ)∇J_Δ on a grid against the
//! continuous expression along a path, for two spacings. Writes `euler_lagrange.{svg,png}`.
//!
//! `cargo run --release --example euler_lagrange [-- OUT_DIR]`

use flipshift::continuous::{Expr, ParseOptions, along_path, euler_lagrange};
use flipshift::discrete::{DiscreteFunctional, Grid, Rule, sample};
use flipshift::plot::{Series, Style};

fn lagrangian(src: &str) -> Result<Expr, Box<dyn std::error::Error>> {
    let opts = ParseOptions {
        variables: &["t", "x", "xp"],
        params: &[],
    };
    Ok(Expr::parse_with(src, &opts)?)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out = flipshift::figures::example_dir()?;
    let textbook = [
        ("harmonic oscillator", "xp^2/2 + x^2/2"),
        ("arc length", "sqrt(1 + xp^2)"),
        ("pendulum", "xp^2/2 - cos(x)"),
        ("catenary", "x*sqrt(1 + xp^2)"),
        ("brachistochrone", "sqrt((1 + xp^2)/x)"),
        ("driven oscillator", "xp^2/2 - x^2/2 + x*sin(t)"),
        ("Tikhonov", "(x - exp(-t^2))^2/2 + 0.1*xp^2/2"),
    ];
    for (name, src) in textbook {
        let l = lagrangian(src)?;
        println!(
            "{name:<20} L = {:<28} ∂L/∂x − d/dt ∂L/∂x′ = {}",
            l.to_unicode(),
            euler_lagrange(&l).to_unicode()
        );
    }

    // The catenary along x(t) = 2 + sin(t) on [0, 3]: continuous against discrete.
    let l = lagrangian("x*sqrt(1 + xp^2)")?;
    let path = Expr::parse("2 + sin(t)")?;
    let el = along_path(&euler_lagrange(&l), &path)?.compile()?;
    println!(
        "\ncatenary along x(t) = 2 + sin(t): E(t) = {}",
        el.expr().to_unicode()
    );
    let fine: Vec<f64> = (0..=300).map(|i| 3.0 * f64::from(i) / 300.0).collect();
    let mut series = vec![Series::new(
        "E(t), symbolic",
        fine.clone(),
        fine.iter().map(|&t| el.eval(t)).collect(),
        Style::Line,
    )];
    use flipshift::continuous::RealFn;
    println!(
        "  {:>6} {:>8} {:>14} {:>14} {:>10}",
        "Δ", "t", "E(t)", "(1/Δ)∇J_Δ", "difference"
    );
    let mut worst = Vec::new();
    // The finer grid first, so the coarser markers (every other point) are drawn on top.
    for dt in [0.05, 0.1] {
        let n = (3.0 / dt) as usize + 1;
        let grid = Grid::new(0.0, dt, n)?;
        let x = sample(&path.compile()?, &grid, Rule::Point)?;
        let f = DiscreteFunctional::new(grid).with_regulariser(l.clone())?;
        let (_, g) = f.value_gradient(&x)?;
        // Interior points only: at the ends the discrete gradient carries the natural boundary
        // terms ∓∂L/∂x′ that the Euler–Lagrange expression leaves out.
        let (mut ts, mut gs) = (Vec::new(), Vec::new());
        let mut err = 0.0f64;
        for (j, gj) in g.iter().enumerate().take(n - 1).skip(1) {
            let t = grid.point(j);
            let (c, d) = (el.eval(t), gj / dt);
            err = err.max((c - d).abs());
            if j % (n / 5) == 0 {
                println!("  {dt:>6} {t:>8.3} {c:>14.9} {d:>14.9} {:>10.2e}", d - c);
            }
            ts.push(t);
            gs.push(d);
        }
        worst.push(err);
        series.push(Series::new(
            format!("(1/Δ)∇J_Δ, Δ = {dt}"),
            ts,
            gs,
            Style::Markers,
        ));
    }
    let order = (worst[1] / worst[0]).log2();
    println!(
        "largest difference: {:.2e} (Δ = 0.1), {:.2e} (Δ = 0.05): order {order:.2}",
        worst[1], worst[0]
    );
    if (order - 2.0).abs() > 0.3 {
        return Err(format!("expected second order, got {order:.2}").into());
    }
    for p in flipshift::figures::both(
        &out,
        "euler_lagrange",
        &flipshift::plot::lines(
            "Catenary x√(1 + x′²) along x = 2 + sin t: Euler–Lagrange, continuous and discrete",
            "t",
            "∂L/∂x − d/dt ∂L/∂x′",
            &series,
        )?,
    )? {
        println!("figure: {}", p.display());
    }
    Ok(())
}
