//! `demo`: the whole story of the question, printed (and saved under `--out`): story.txt,
//! summary.json, the figures, and index.html — the derivation typeset with KaTeX, the numbers
//! and the figures on one page that renders offline.

#[path = "report.rs"]
mod report;

use crate::Format;
use crate::error::{CliError, Context};
use crate::output::{Output, fmt_num};
use clap::Args;
use flipshift_continuous::RealFnExt;
use flipshift_continuous::{
    Bump, CompiledExpr, Expr, Functional, PointEval, QuadParams, RealFn, SharedFn, gateaux_check,
    point_eval_derivative,
};
use flipshift_discrete::{
    AgreementReport, CheckParams, Grid, Layout, Method, Mode, Quantity, Rule, check_agreement,
    convolve as dconvolve, jacobian, ls_gradient, sample,
};
use serde_json::{Value, json};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::Arc;

/// Arguments of `demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Where to write the story (story.txt, summary.json, the figures and index.html).
    #[arg(long, default_value = "flipshift-demo")]
    out: PathBuf,
}

fn compile(src: &str) -> Result<CompiledExpr, CliError> {
    Expr::parse(src).and_then(|e| e.compile()).context("demo")
}

/// One kernel's chapter: z(t0), δz(t0)/δx, its Gateaux proof, the least-squares gradient and
/// its proof, and the discrete agreement.
fn chapter(
    name: &str,
    h_src: &str,
    text: &mut String,
    progress: &indicatif::ProgressBar,
) -> Result<(Value, AgreementReport, report::Chapter), CliError> {
    let x_src = "exp(-t^2)";
    let y_src = "0.8*exp(-(t - 1)^2)";
    let t0 = 1.0;
    let q = QuadParams::default();
    let h_expr = Expr::parse(h_src).context("demo")?;
    let (h, x) = (compile(h_src)?, compile(x_src)?);

    text.push_str(&format!("\n── {name}: h(t) = {} ──\n", h_expr.to_unicode()));
    let pe = PointEval::new(h.clone(), t0)?;
    let (z, z_err) = pe.value(&x, q)?;
    text.push_str(&format!(
        "z(t0) = (h*x)(t0) = ∫ h(t0 − τ)·x(τ) dτ with x(t) = exp(−t²), t0 = 1:\n  z(1) = {} ± {:.1e} (adaptive Gauss–Legendre, split at the breakpoints)\n",
        fmt_num(z),
        z_err
    ));
    let dz = point_eval_derivative(&h_expr, t0);
    text.push_str(&format!(
        "δz(t0)/δx(τ) = h(t0 − τ) = {}\n  the kernel reversed (τ ↦ h(−τ)) and shifted by t0: a linear functional's derivative is its kernel\n",
        dz.to_unicode()
    ));
    progress.inc(1);
    progress.set_message(format!("{name}: Gateaux check of δz/δx"));
    let phi = Bump::new(0.5, 1.0)?;
    let f = |xx: &dyn RealFn| pe.value(xx, q).map(|v| v.0);
    let g1 = gateaux_check(&f, &x, &pe.derivative(), &phi, 0.5, q)?;
    text.push_str(&format!(
        "  Gateaux check along a smooth bump φ: d/dε z[x + εφ] = {} vs ∫ h(t0 − τ) φ(τ) dτ = {} (relative discrepancy {:.1e})\n",
        fmt_num(g1.directional),
        fmt_num(g1.inner_product),
        g1.rel_discrepancy
    ));

    progress.inc(1);
    progress.set_message(format!("{name}: least-squares gradient"));
    let hs: SharedFn = Arc::new(h.clone());
    let ls = Functional::least_squares(hs.clone(), compile(y_src)?)?;
    let (j, j_err) = ls.value(&x)?;
    let s = [-1.0, 0.0, 1.0, 2.0];
    let g = ls.gradient(&x, &s)?;
    text.push_str(&format!(
        "J[x] = ½∫((h*x)(t) − y(t))² dt with y(t) = 0.8·exp(−(t − 1)²): J = {} ± {:.1e}\nδJ/δx(s) = ∫ h(t − s)·r(t) dt = (Rh * r)(s), r = h*x − y (the correlation of h with the residual):\n",
        fmt_num(j),
        j_err
    ));
    for (si, gi) in s.iter().zip(&g.values) {
        text.push_str(&format!("  δJ/δx({si:>4}) = {}\n", fmt_num(*gi)));
    }
    progress.inc(1);
    progress.set_message(format!("{name}: Gateaux check of δJ/δx"));
    let g2 = ls.gateaux_check(&x, &phi, 0.25)?;
    text.push_str(&format!(
        "  Gateaux check: d/dε J[x + εφ] = {} vs ⟨δJ/δx, φ⟩ = {} (relative discrepancy {:.1e})\n",
        fmt_num(g2.directional),
        fmt_num(g2.inner_product),
        g2.rel_discrepancy
    ));

    progress.inc(1);
    progress.set_message(format!("{name}: continuous vs discrete"));
    let report = check_agreement(
        hs,
        Arc::new(x),
        Some(Arc::new(compile(y_src)?)),
        &CheckParams {
            rule: Rule::Point,
            levels: 6,
            points: 15,
            ..Default::default()
        },
    )?;
    text.push_str("Discretised with spacing Δ (point samples): row k of H is h(t_k − τ_j), Δ·(h_Δ*x_Δ) → z, (1/Δ)∇J_Δ = ΔHᵀ(ΔHx − y) → δJ/δx:\n");
    let mut orders = serde_json::Map::new();
    for q in Quantity::ALL {
        if let Some(r) = report.get(q) {
            let last = r.errors.last().copied().unwrap_or(f64::NAN);
            let verdict = match r.order {
                Some(p) => format!("order {p:.2}"),
                None if r.rounding => "rounding level reached".into(),
                None => "no order".into(),
            };
            text.push_str(&format!(
                "  {:<10} error {:.1e} at Δ = {} ({verdict})\n",
                q.name(),
                last,
                report.deltas.last().copied().unwrap_or(f64::NAN)
            ));
            orders.insert(q.name().into(), r.order.map_or(Value::Null, |p| json!(p)));
        }
    }
    progress.inc(1);
    let page = report::Chapter {
        name: name.to_string(),
        h_src: h_src.to_string(),
        h_latex: h_expr.to_latex(),
        t0,
        z: (z, z_err),
        dz_latex: dz.to_latex(),
        point_eval: g1,
        j: (j, j_err),
        gradient: s.iter().copied().zip(g.values.iter().copied()).collect(),
        lsgrad: g2,
        agreement: report.clone(),
    };
    Ok((
        json!({
            "kernel": h_src,
            "z_t0": z,
            "derivative": dz.to_unicode(),
            "derivative_latex": dz.to_latex(),
            "gateaux_point_eval": g1.rel_discrepancy,
            "J": j,
            "gateaux_lsgrad": g2.rel_discrepancy,
            "orders": orders,
        }),
        report,
        page,
    ))
}

fn plot_err(e: flipshift_plot::PlotError) -> CliError {
    CliError::Usage {
        message: format!("cannot draw the demo figures: {e}"),
    }
}

/// The flip-and-shift figure for `h_src` at `t0`, and the convergence figure of `report`, as
/// SVG and PNG in `dir`; returns the files written.
fn figures(
    dir: &std::path::Path,
    h_src: &str,
    t0: f64,
    report: &AgreementReport,
) -> Result<Vec<PathBuf>, CliError> {
    let h = compile(h_src)?;
    let tau: Vec<f64> = (0..=800)
        .map(|i| -2.5 + 6.5 * f64::from(i) / 800.0)
        .collect();
    let hv: Vec<f64> = tau.iter().map(|&t| h.eval(t)).collect();
    let rv: Vec<f64> = tau.iter().map(|&t| h.clone().reversed().eval(t)).collect();
    let sv: Vec<f64> = tau
        .iter()
        .map(|&t| h.clone().reversed().shifted(t0).eval(t))
        .collect();
    let quantities: Vec<(String, Vec<f64>, Option<f64>)> = report
        .quantities
        .iter()
        .map(|q| (q.quantity.name().to_string(), q.errors.clone(), q.order))
        .collect();
    // The Jacobian of the sampled convolution: Δ = 0.25, x on τ_j = jΔ (j = −8..8), h on its
    // samples from t = 0.5 to 6 (past where h(t0 − τ) leaves the τ window); row k ↔
    // t_k = (k − 6)Δ.
    let dt = 0.25;
    let (gh, gx) = (Grid::lattice(2, 24, dt)?, Grid::lattice(-8, 8, dt)?);
    let hs = sample(&h, &gh, Rule::Point)?;
    let hm = jacobian(&hs, gx.len(), Mode::Full, Layout::Numerator)?;
    let rows: Vec<Vec<f64>> = hm.row_iter().map(|r| r.iter().copied().collect()).collect();
    let k0 = usize::try_from((t0 / dt).round() as i64 + 6).unwrap_or(0);
    let fine: Vec<f64> = (0..=400)
        .map(|i| -2.0 + 4.0 * f64::from(i) / 400.0)
        .collect();
    let dz: Vec<f64> = fine.iter().map(|&t| h.eval(t0 - t)).collect();
    // z = h*x against Δ·(h_Δ * x_Δ) for two spacings.
    let x = compile("exp(-t^2)")?;
    let t_fine: Vec<f64> = (0..=300)
        .map(|i| -2.5 + 7.5 * f64::from(i) / 300.0)
        .collect();
    let z = flipshift_continuous::convolve(&h, &x, &t_fine, QuadParams::default())?.values;
    let mut conv_series = vec![flipshift_plot::Series::new(
        "z(t) = (h*x)(t), quadrature",
        t_fine.clone(),
        z,
        flipshift_plot::Style::Line,
    )];
    for d in [0.5, 0.25] {
        let (h0, x0) = ((0.5 / d) as i64, (-6.0 / d) as i64);
        let hs = sample(&h, &Grid::lattice(h0, (40.0 / d) as i64, d)?, Rule::Point)?;
        let xs = sample(&x, &Grid::lattice(x0, -x0, d)?, Rule::Point)?;
        let zd = dconvolve(&hs, &xs, Mode::Full, Method::Auto)?;
        let (tk, zk): (Vec<f64>, Vec<f64>) = zd
            .iter()
            .enumerate()
            .map(|(k, v)| ((h0 + x0 + k as i64) as f64 * d, d * v))
            .filter(|(t, _)| (-2.5..=5.0).contains(t))
            .unzip();
        conv_series.push(flipshift_plot::Series::new(
            format!("Δ·(h_Δ * x_Δ), Δ = {d}"),
            tk,
            zk,
            flipshift_plot::Style::Markers,
        ));
    }
    // δJ/δx against (1/Δ)∇J_Δ = Δ·Hᵀ(ΔHx − y) = Δ²·Hᵀ(Hx − y/Δ) on x's lattice.
    let y = compile("0.8*exp(-(t - 1)^2)")?;
    let hs: SharedFn = std::sync::Arc::new(h.clone());
    let ls = flipshift_continuous::Functional::least_squares(hs, y.clone())?;
    let s_fine: Vec<f64> = (0..=80).map(|i| -3.0 + 6.0 * f64::from(i) / 80.0).collect();
    let g = ls.gradient(&x, &s_fine)?.values;
    let mut grad_series = vec![flipshift_plot::Series::new(
        "δJ/δx(s) = (Rh * r)(s), quadrature",
        s_fine,
        g,
        flipshift_plot::Style::Line,
    )];
    for d in [0.5, 0.25] {
        let (h0, h1, x0) = ((0.5 / d) as i64, (40.0 / d) as i64, (-6.0 / d) as i64);
        let hs = sample(&h, &Grid::lattice(h0, h1, d)?, Rule::Point)?;
        let xg = Grid::lattice(x0, -x0, d)?;
        let xs = sample(&x, &xg, Rule::Point)?;
        let ys: Vec<f64> = sample(&y, &Grid::lattice(h0 + x0, h1 - x0, d)?, Rule::Point)?
            .iter()
            .map(|v| v / d)
            .collect();
        let gd: Vec<f64> = ls_gradient(&hs, &xs, &ys)?
            .iter()
            .map(|v| d * d * v)
            .collect();
        let (sk, gk): (Vec<f64>, Vec<f64>) = xg
            .points()
            .into_iter()
            .zip(gd)
            .filter(|(t, _)| (-3.0..=3.0).contains(t))
            .unzip();
        grad_series.push(flipshift_plot::Series::new(
            format!("(1/Δ)∇J_Δ = ΔHᵀ(ΔHx − y), Δ = {d}"),
            sk,
            gk,
            flipshift_plot::Style::Markers,
        ));
    }
    let figures = [
        (
            "gradient",
            flipshift_plot::lines(
                "The least-squares gradient: continuous against discrete",
                "s",
                "δJ/δx(s)",
                &grad_series,
            ),
        ),
        (
            "jacobian",
            flipshift_plot::jacobian(
                "The Jacobian H: each row is the kernel flipped and shifted",
                &rows,
                k0,
                &gx.points(),
                &fine,
                &dz,
            ),
        ),
        (
            "conv_compare",
            flipshift_plot::lines(
                "The sampled convolution approaches z = h*x as Δ shrinks",
                "t",
                "z(t)",
                &conv_series,
            ),
        ),
        (
            "flip_shift",
            flipshift_plot::flip_shift(
                &tau,
                &hv,
                &rv,
                &sv,
                t0,
                "δz(t₀)/δx(τ) = h(t₀ − τ): the kernel reversed, then shifted",
            ),
        ),
        (
            "convergence",
            flipshift_plot::convergence(
                "Continuous against discrete: relative error against the spacing Δ",
                &report.deltas,
                &quantities,
            ),
        ),
    ];
    let mut written = Vec::new();
    for (stem, figure) in figures {
        let figure = figure.map_err(plot_err)?;
        written.extend(flipshift::figures::both(dir, stem, &figure).map_err(plot_err)?);
    }
    Ok(written)
}

/// Steps the progress bar counts: five per chapter, the deconvolution, the figures, the page.
const STEPS: u64 = 2 * 5 + 3;

/// A progress bar on standard error when it is a terminal and the output is text; hidden
/// otherwise (JSON, pipes, CI logs).
fn progress_bar(format: Format) -> indicatif::ProgressBar {
    if format != Format::Text || !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let p = indicatif::ProgressBar::new(STEPS);
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{spinner} [{elapsed_precise}] [{bar:30}] {pos}/{len} {msg}",
    ) {
        p.set_style(style.progress_chars("=> "));
    }
    p.enable_steady_tick(std::time::Duration::from_millis(120));
    p
}

/// `flipshift demo`.
pub fn demo(a: &DemoArgs, format: Format) -> Result<Output, CliError> {
    let progress = progress_bar(format);
    let mut text = String::from(
        "flipshift — what is the derivative of a convolution with respect to the signal?\n\n\
         For z(t) = (h*x)(t) = ∫ h(t − τ) x(τ) dτ, fix t0: x ↦ z(t0) is linear, and its functional derivative is\n\
         \x20 δz(t0)/δx(τ) = h(t0 − τ) = (S_t0 ∘ R) h (τ)   — the kernel reversed, then shifted.\n\
         Discretely z = h*x = Hx: the Jacobian is the Toeplitz matrix H, each row the flipped kernel shifted, and\n\
         \x20 ∇ ½‖h*x − y‖² = Hᵀ(Hx − y) — the correlation of h with the residual (continuously δJ/δx = Rh * r).\n",
    );
    let mut chapters = Vec::new();
    let mut pages = Vec::new();
    let mut last_report = None;
    let off_centre = "exp(-(t - 0.5))*step(t - 0.5)";
    for (name, h) in [
        ("a Gaussian kernel", "gauss(t)"),
        ("an off-centre one-sided kernel", off_centre),
    ] {
        progress.set_message(name.to_string());
        let (json, report, page) = chapter(name, h, &mut text, &progress)?;
        chapters.push(json);
        pages.push(page);
        last_report = Some(report);
    }
    text.push_str(
        "\nThe Gaussian's discrete errors reach rounding level almost at once (the sampled sum is a trapezoidal rule on\n\
         the whole line); the one-sided kernel's jump sits on the grid with step(0) = ½, so its errors fall as Δ².\n\
         Its Hessian entry at lag 0 is Δ·Σh_k², where the jump contributes h(½)² = ¼ instead of the mean ½ of the\n\
         one-sided limits of h²: that single sample costs first order.\n",
    );
    progress.set_message("deconvolution: Tikhonov and smoothed TV by L-BFGS");
    let deconv = flipshift::deconvolution(&flipshift::DeconvSetup::default(), &mut |_, _| {
        std::ops::ControlFlow::Continue(())
    })?;
    text.push_str(&format!(
        "\n── the gradient at work: deconvolution ──\n\
         Blur rect((t + 1.5)/1.6) + 0.6·tri((t − 1.5)/0.75) with gauss(t/0.3)/0.3, add noise σ = 0.01, and minimise\n\
         J_Δ(x) = ½Δ‖ΔHx − y‖² + Δ·Σ L(x, x′) by L-BFGS; each gradient applies Hᵀ, the correlation with h.\n\
         relative error against the truth: data {:.3}",
        deconv.data_rel_error
    ));
    for r in &deconv.runs {
        text.push_str(&format!(
            ", {} {:.3} ({} iterations)",
            r.regulariser.name(),
            r.rel_error,
            r.report.iterations
        ));
    }
    text.push('\n');
    progress.inc(1);
    std::fs::create_dir_all(&a.out).map_err(|e| CliError::io(&a.out, &e))?;
    let mut written = Vec::new();
    let figure_t0 = 2.0;
    if let Some(report) = &last_report {
        progress.set_message("drawing the figures");
        written = figures(&a.out, off_centre, figure_t0, report)?;
        written.extend(flipshift::figures::deconvolution(&a.out, &deconv).map_err(plot_err)?);
    }
    progress.inc(1);
    progress.set_message("writing index.html");
    let errors: Vec<String> = std::iter::once(format!("data {:.3}", deconv.data_rel_error))
        .chain(
            deconv
                .runs
                .iter()
                .map(|r| format!("{} {:.3}", r.regulariser.name(), r.rel_error)),
        )
        .collect();
    let figs = report::Figures {
        stems: written
            .iter()
            .filter(|p| p.extension().is_some_and(|e| e == "svg"))
            .filter_map(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
            .collect(),
        kernel_latex: compile(off_centre)?.expr().to_latex(),
        t0: figure_t0,
        deconvolution_errors: errors.join(", "),
    };
    let page = report::write(&a.out, &pages, &figs)?;
    progress.inc(1);
    progress.finish_and_clear();
    let story = a.out.join("story.txt");
    std::fs::write(&story, &text).map_err(|e| CliError::io(&story, &e))?;
    let summary = json!({
        "command": "demo",
        "chapters": chapters,
        "deconvolution": {
            "data": deconv.data_rel_error,
            "runs": deconv.runs.iter().map(|r| json!({
                "method": r.regulariser.name(),
                "rel_error": r.rel_error,
                "iterations": r.report.iterations,
            })).collect::<Vec<_>>(),
        },
    });
    let sp = a.out.join("summary.json");
    std::fs::write(&sp, summary.to_string()).map_err(|e| CliError::io(&sp, &e))?;
    text.push_str(&format!(
        "\nwritten: {} and {}\npage:    {} (the derivation typeset, with the numbers and figures; opens offline)\n",
        story.display(),
        sp.display(),
        page.display()
    ));
    for w in &written {
        text.push_str(&format!("figure:  {}\n", w.display()));
    }
    let gateaux: Vec<f64> = chapters
        .iter()
        .flat_map(|c| {
            [
                c["gateaux_point_eval"].as_f64(),
                c["gateaux_lsgrad"].as_f64(),
            ]
        })
        .map(|v| v.unwrap_or(f64::NAN))
        .collect();
    Ok(Output::vector("demo", &gateaux)?
        .field("chapters", json!(chapters))
        .field("out", json!(a.out.display().to_string()))
        .field("page", json!(page.display().to_string()))
        .with_text(text))
}
