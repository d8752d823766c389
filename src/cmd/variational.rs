//! `functional` and `deconvolve`: general functionals and the deconvolution experiment.

use crate::Format;
use crate::error::{CliError, Context};
use crate::input::{parse_expr, parse_expr_in, parse_grid, parse_number, parse_params};
use crate::output::{Output, finite_array, fmt_num, table};
use clap::Args;
use flipshift::{DeconvSetup, Regulariser};
use flipshift_continuous::{self as c, Interval, losses};
use flipshift_discrete::{MinimizeParams, Optimizer};
use serde_json::{Value, json};
use std::io::IsTerminal;
use std::ops::ControlFlow;
use std::path::PathBuf;

/// Arguments of `functional`.
#[derive(Debug, Args)]
pub struct FunctionalArgs {
    /// The kernel h(t) of the data term ∫G(t, (h*x)(t)) dt (omit for a regulariser alone).
    #[arg(long, allow_hyphen_values = true)]
    h: Option<String>,
    /// The data term G: ls (½(u − y)²), pseudo-huber (δ√(δ² + (u − y)²) − δ²), log-cosh
    /// (δ² log cosh((u − y)/δ)), poisson (u − y log u), or an expression in t and u.
    #[arg(long, default_value = "ls", allow_hyphen_values = true)]
    loss: String,
    /// The data y(t) of the ls, pseudo-huber and poisson losses.
    #[arg(long, default_value = "0", allow_hyphen_values = true)]
    y: String,
    /// δ of the pseudo-Huber and log-cosh losses.
    #[arg(long, default_value = "1", allow_hyphen_values = true)]
    delta: String,
    /// The regulariser L: none, smoothness (½λx′²), energy (½λx²), tv (λ√(ε² + x′²)), or an
    /// expression in t, x and xp.
    #[arg(long, default_value = "none", allow_hyphen_values = true)]
    reg: String,
    /// λ of the smoothness, energy and tv regularisers.
    #[arg(long, default_value = "0.1", allow_hyphen_values = true)]
    lambda: String,
    /// ε of the tv regulariser.
    #[arg(long, default_value = "0.1", allow_hyphen_values = true)]
    eps: String,
    /// Restrict both integrals to [A, B] (default: the whole line).
    #[arg(long, value_name = "A,B", allow_hyphen_values = true)]
    domain: Option<String>,
    /// The signal x(t) at which to evaluate.
    #[arg(long, allow_hyphen_values = true)]
    x: String,
    /// Where to evaluate δJ/δx(s).
    #[arg(long, allow_hyphen_values = true)]
    s: String,
    /// Also evaluate the Hessian-vector product (∇²J v)(s) in this direction v(t).
    #[arg(long, allow_hyphen_values = true)]
    v: Option<String>,
    /// Check the gradient numerically along a smooth bump (centre and half-width, default: the
    /// middle and a quarter of the --s range).
    #[arg(long)]
    gateaux: bool,
    /// The bump of --gateaux: CENTRE,HALF_WIDTH.
    #[arg(
        long,
        value_name = "C,W",
        allow_hyphen_values = true,
        requires = "gateaux"
    )]
    bump: Option<String>,
    /// Bind a name used in expressions: NAME=VALUE (repeatable).
    #[arg(long = "param", value_name = "NAME=VALUE")]
    params: Vec<String>,
    /// Least squares on one period P (--loss ls, no --reg, --domain, --v or --gateaux): J =
    /// ½∫₀ᴾ((h ⊛ x)(t) − y(t))² dt and its gradient in closed form when h, x and y are
    /// trigonometric polynomials of the period (other functions are refused).
    #[arg(long, allow_hyphen_values = true)]
    period: Option<String>,
}

/// `functional --period P`: the periodic least squares of trigonometric polynomials, or exit 2
/// naming what is not supported.
fn functional_periodic(
    a: &FunctionalArgs,
    s: &[f64],
    params: &[(String, f64)],
    period: &str,
) -> Result<Output, CliError> {
    super::continuous::refuse_period_with_delta(
        (a.h.as_deref().is_some_and(c::contains_dirac) || c::contains_dirac(&a.x))
            .then_some(&period.to_string()),
    )?;
    let unsupported = [
        (a.loss != "ls", "--loss (only ls)"),
        (a.reg != "none", "--reg"),
        (a.domain.is_some(), "--domain (the domain is one period)"),
        (a.v.is_some(), "--v"),
        (a.gateaux, "--gateaux"),
    ];
    if let Some((_, what)) = unsupported.iter().find(|(bad, _)| *bad) {
        return Err(CliError::arg(
            "--period",
            format!(
                "a periodic functional is computed for least squares only (in closed form for trigonometric polynomials, by nested quadrature otherwise), so {what} is not supported with it; drop --period to work on the line"
            ),
        ));
    }
    let Some(hs) = &a.h else {
        return Err(CliError::arg(
            "--period",
            "a periodic functional needs a data term: give --h",
        ));
    };
    let h = parse_expr("--h", hs, params)?;
    let x = parse_expr("--x", &a.x, params)?;
    let y = parse_expr("--y", &a.y, params)?;
    super::continuous::lsgrad_periodic("functional", &h, &x, &y, s, period)
}

fn pair(option: &str, spec: &str) -> Result<(f64, f64), CliError> {
    match parse_grid(option, spec)?.as_slice() {
        [a, b] => Ok((*a, *b)),
        other => Err(CliError::arg(
            option,
            format!("expected two numbers A,B, got {}", other.len()),
        )),
    }
}

/// `flipshift functional`.
pub fn functional(a: &FunctionalArgs) -> Result<Output, CliError> {
    let params = parse_params(&a.params)?;
    let deltas = a.h.as_deref().is_some_and(c::contains_dirac) || c::contains_dirac(&a.x);
    let s = parse_grid("--s", &a.s)?;
    if let Some(p) = &a.period {
        return functional_periodic(a, &s, &params, p);
    }
    let mut j = c::Functional::new();
    let mut delta_loss = None;
    if let Some(hs) = &a.h {
        let y = parse_expr("--y", &a.y, &params)?;
        let g = match a.loss.as_str() {
            "ls" => losses::least_squares(&y),
            "pseudo-huber" => losses::pseudo_huber(&y, parse_number("--delta", &a.delta)?),
            "log-cosh" => losses::log_cosh(&y, parse_number("--delta", &a.delta)?),
            "poisson" => losses::poisson(&y),
            src => Ok(parse_expr_in("--loss", src, &["t", "u"], &params)?),
        }
        .context("--loss")?;
        if deltas {
            delta_loss = Some(g);
        } else {
            j = j
                .with_data_term(parse_expr("--h", hs, &params)?, g)
                .context("--loss")?;
        }
    }
    let lambda = || parse_number("--lambda", &a.lambda);
    let l = match a.reg.as_str() {
        "none" => None,
        "smoothness" => Some(losses::smoothness(lambda()?).context("--lambda")?),
        "energy" => Some(losses::energy(lambda()?).context("--lambda")?),
        "tv" => {
            Some(losses::smooth_tv(lambda()?, parse_number("--eps", &a.eps)?).context("--eps")?)
        }
        src => Some(parse_expr_in("--reg", src, &["t", "x", "xp"], &params)?),
    };
    if let Some(l) = l {
        j = j.with_regulariser(l).context("--reg")?;
    }
    if a.h.is_none() && a.reg == "none" {
        return Err(CliError::Usage {
            message: "the functional is empty: give a data term (--h) or a regulariser (--reg)"
                .into(),
        });
    }
    if let Some(dom) = &a.domain {
        let (lo, hi) = pair("--domain", dom)?;
        j = j.on(Interval::new(lo, hi).context("--domain")?);
    }
    let bump = match &a.bump {
        Some(b) => Some(pair("--bump", b)?),
        None if a.gateaux => {
            let (lo, hi) = s
                .iter()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), v| {
                    (l.min(*v), h.max(*v))
                });
            Some((0.5 * (lo + hi), (0.25 * (hi - lo)).max(0.5)))
        }
        None => None,
    };
    if deltas {
        return super::dirac::functional(
            &super::dirac::FunctionalInput {
                h: a.h.as_deref(),
                x: &a.x,
                loss: delta_loss,
                domain: a.domain.is_some(),
                v: a.v.as_deref(),
                bump,
            },
            &j,
            &s,
            &params,
        );
    }
    let x = parse_expr("--x", &a.x, &params)?;
    let form = j.gradient_form();
    let (value, value_err) = j.value(&x).context("J")?;
    let g = j.gradient_lenient(&x, &s).context("δJ/δx")?;
    let max_err = g.error_estimates.iter().copied().fold(value_err, f64::max);
    let mut text = format!(
        "J[x] = {} ± {}\n{}\n",
        fmt_num(value),
        fmt_num(value_err),
        form.to_unicode()
    );
    if let Some(gu) = &form.g_u {
        text.push_str(&format!("  G_u(t, u) = {}\n", gu.to_unicode()));
    }
    if let Some(el) = &form.euler_lagrange {
        text.push_str(&format!("  ∂L/∂x − d/dt ∂L/∂x′ = {}\n", el.to_unicode()));
    }
    let exact = j.data_gradient_closed_form(&x);
    if let Some(e) = &exact {
        text.push_str(&format!(
            "  in closed form, (Rh * G_u(·, h*x))(s) = {}\n",
            e.expr().substitute("t", &c::Expr::var("s")).to_unicode()
        ));
    }
    let inner = match j.inner_path(&x) {
        Some(p) if p.is_closed_form() => "closed-form",
        Some(_) => "quadrature",
        None => "none",
    };
    let mut out = Output::vector("functional", &g.values)?
        .numbers("grid", &s)?
        .number("J", value)?
        .number("error_estimate", max_err)?
        .numbers("error_estimates", &g.error_estimates)?
        .field(
            "method",
            json!(if exact.is_some() {
                "closed-form"
            } else {
                "quadrature"
            }),
        )
        .field("inner", json!(inner))
        .field("symbolic", json!(form.to_unicode()))
        .field("latex", json!(form.to_latex()));
    let mut columns: Vec<(&str, Vec<f64>)> = vec![
        ("δJ/δx(s)", g.values.clone()),
        ("± estimate", g.error_estimates.clone()),
    ];
    if let Some(vs) = &a.v {
        let v = parse_expr("--v", vs, &params)?;
        let hv = j.hessian_vector(&x, &v, &s).context("∇²J v")?;
        out = out.field("hessian_vector", finite_array("∇²J v", &hv.values)?);
        columns.push(("(∇²J v)(s)", hv.values));
    }
    if let Some((centre, half)) = bump {
        let phi = c::Bump::new(centre, half).context("--bump")?;
        let r = j
            .gateaux_check(&x, &phi, 0.02 * half)
            .context("Gateaux check")?;
        out = gateaux_fields(
            out,
            &mut text,
            &phi,
            (r.directional, r.inner_product, r.rel_discrepancy),
        );
    }
    text.push_str(&grid_table(&s, &columns));
    super::continuous::unmet_error(
        &format!(
            "the relative tolerance {:e} of the outer integral",
            j.outer.rel_tol
        ),
        &s,
        &g,
        "the inner convolution's own error allows no better here",
        out.with_text(text),
    )
}

/// The Gateaux check of a functional along `phi` — `(directional, inner product, relative
/// discrepancy)` — as a line of `text` and the `"gateaux"` field of `out`.
pub(crate) fn gateaux_fields(
    out: Output,
    text: &mut String,
    phi: &c::Bump,
    (directional, inner, rel): (f64, f64, f64),
) -> Output {
    text.push_str(&format!(
        "Gateaux check along φ = {}: d/dε J[x + εφ] = {} vs ⟨δJ/δx, φ⟩ = {} (relative discrepancy {rel:.1e})\n",
        phi.expr().to_unicode(),
        fmt_num(directional),
        fmt_num(inner),
    ));
    out.field(
        "gateaux",
        json!({
            "directional": directional,
            "inner_product": inner,
            "rel_discrepancy": rel,
        }),
    )
}

/// A table of the grid `s` and the named columns beside it.
pub(crate) fn grid_table(s: &[f64], columns: &[(&str, Vec<f64>)]) -> String {
    let headers: Vec<&str> = std::iter::once("s")
        .chain(columns.iter().map(|c| c.0))
        .collect();
    let cols: Vec<&[f64]> = std::iter::once(s)
        .chain(columns.iter().map(|c| c.1.as_slice()))
        .collect();
    table(&headers, &cols)
}

/// Arguments of `hessian-kernel`.
#[derive(Debug, Args)]
pub struct HessianKernelArgs {
    /// The kernel h(t).
    #[arg(long, allow_hyphen_values = true)]
    h: String,
    /// Where to evaluate a(t) = (Rh * h)(t).
    #[arg(long, allow_hyphen_values = true)]
    t: String,
    /// Bind a name used in expressions: NAME=VALUE (repeatable).
    #[arg(long = "param", value_name = "NAME=VALUE")]
    params: Vec<String>,
}

/// `flipshift hessian-kernel`.
pub fn hessian_kernel(a: &HessianKernelArgs) -> Result<Output, CliError> {
    let params = parse_params(&a.params)?;
    let h = parse_expr("--h", &a.h, &params)?;
    let t = parse_grid("--t", &a.t)?;
    let k = c::HessianKernel::new(&h).context("--h")?;
    let v = k.values(&t)?;
    let max_err = v.error_estimates.iter().copied().fold(0.0, f64::max);
    let (method, how) = match k.path() {
        c::ConvPath::ClosedForm(f) => ("closed-form", format!("closed form ({f} family)")),
        c::ConvPath::Quadrature(why) => (
            "quadrature",
            format!("by quadrature (no closed form: {why})"),
        ),
        c::ConvPath::Mixed { family, quadrature } => (
            "mixed",
            format!(
                "closed form ({family} family), by quadrature at {} points",
                quadrature.len()
            ),
        ),
    };
    let mut text = format!(
        "The least-squares Hessian HᵀH is convolution with a(t) = (Rh * h)(t) = ∫ h(τ)·h(τ + t) dτ, h(t) = {}\n{how}",
        h.to_unicode()
    );
    let mut out = Output::vector("hessian-kernel", &v.values)?
        .numbers("grid", &t)?
        .number("error_estimate", max_err)?
        .numbers("error_estimates", &v.error_estimates)?
        .field("method", json!(method));
    if let Some(e) = k.expr() {
        text.push_str(&format!(":\na(t) = {}", e.to_unicode()));
        out = out
            .field("symbolic", json!(e.to_unicode()))
            .field("latex", json!(e.to_latex()));
    }
    text.push('\n');
    text.push_str(&table(
        &["t", "a(t)", "± estimate"],
        &[&t, &v.values, &v.error_estimates],
    ));
    Ok(out.with_text(text))
}

/// Arguments of `deconvolve`.
#[derive(Debug, Args)]
pub struct DeconvolveArgs {
    /// The true signal x(t).
    #[arg(long, allow_hyphen_values = true)]
    truth: Option<String>,
    /// The width σ of the Gaussian blur gauss(t/σ)/σ.
    #[arg(long, default_value = "0.3", allow_hyphen_values = true)]
    sigma: String,
    /// The standard deviation of the added noise.
    #[arg(long, default_value = "0.01", allow_hyphen_values = true)]
    noise: String,
    /// The seed of the noise.
    #[arg(long, default_value_t = 7)]
    seed: u64,
    /// The interval of the reconstruction: A,B.
    #[arg(long, default_value = "-4,4", allow_hyphen_values = true)]
    interval: String,
    /// The sample spacing Δ.
    #[arg(long, default_value = "0.02", allow_hyphen_values = true)]
    dt: String,
    /// λ of the Tikhonov regulariser ½λx′².
    #[arg(long, default_value = "3e-6", allow_hyphen_values = true)]
    tikhonov: String,
    /// λ of the smoothed total variation λ√(ε² + x′²).
    #[arg(long, default_value = "1e-4", allow_hyphen_values = true)]
    tv: String,
    /// ε of the smoothed total variation.
    #[arg(long, default_value = "0.2", allow_hyphen_values = true)]
    tv_eps: String,
    /// The optimiser: lbfgs (argmin's L-BFGS with the More–Thuente line search), newton-cg
    /// (argmin's, with exact Hessian-vector products), lbfgs-backtracking (our own L-BFGS) or gd
    /// (gradient descent).
    #[arg(long, default_value = "lbfgs")]
    optimizer: String,
    /// At most this many iterations per reconstruction.
    #[arg(long, default_value_t = 2000)]
    max_iter: usize,
    /// Write deconvolution.svg and deconvolution.png (truth, data, reconstructions, cost per
    /// iteration) into this directory.
    #[arg(long, value_name = "DIR")]
    figure: Option<PathBuf>,
    /// Bind a name used in expressions: NAME=VALUE (repeatable).
    #[arg(long = "param", value_name = "NAME=VALUE")]
    params: Vec<String>,
}

/// `flipshift deconvolve`.
pub fn deconvolve(a: &DeconvolveArgs, format: Format) -> Result<Output, CliError> {
    let params = parse_params(&a.params)?;
    let mut setup = DeconvSetup::default();
    if let Some(t) = &a.truth {
        setup.truth = parse_expr("--truth", t, &params)?;
    }
    setup.sigma = parse_number("--sigma", &a.sigma)?;
    setup.noise = parse_number("--noise", &a.noise)?;
    setup.seed = a.seed;
    setup.interval = pair("--interval", &a.interval)?;
    setup.dt = parse_number("--dt", &a.dt)?;
    setup.regularisers = vec![
        Regulariser::Tikhonov {
            lambda: parse_number("--tikhonov", &a.tikhonov)?,
        },
        Regulariser::SmoothTv {
            lambda: parse_number("--tv", &a.tv)?,
            eps: parse_number("--tv-eps", &a.tv_eps)?,
        },
    ];
    let optimizer: Optimizer = a.optimizer.parse()?;
    setup.minimize = MinimizeParams {
        optimizer,
        max_iterations: a.max_iter,
        ..setup.minimize
    };
    let bar = indicatif::ProgressBar::new(a.max_iter as u64);
    if format != Format::Text || !std::io::stderr().is_terminal() {
        bar.set_draw_target(indicatif::ProgressDrawTarget::hidden());
    }
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{spinner} {prefix:<9} [{bar:30}] iteration {pos}: {msg}",
    ) {
        bar.set_style(style.progress_chars("=> "));
    }
    let report = flipshift::deconvolution(&setup, &mut |name, info| {
        if info.iteration == 0 {
            bar.reset();
            bar.set_prefix(name.to_string());
        }
        bar.set_position(info.iteration as u64);
        bar.set_message(format!("J = {:.6e}", info.cost));
        ControlFlow::Continue(())
    })?;
    bar.finish_and_clear();

    let mut text = format!(
        "truth x(t) = {}, blurred by gauss(t/{sigma})/{sigma}, noise σ = {} (seed {}), Δ = {} on [{}, {}]\n\
         relative L2 error against the truth:\n  {:<12} {:.4}\n",
        setup.truth.to_unicode(),
        setup.noise,
        setup.seed,
        setup.dt,
        setup.interval.0,
        setup.interval.1,
        "data",
        report.data_rel_error,
        sigma = setup.sigma,
    );
    let mut errors = serde_json::Map::new();
    let mut iterations = serde_json::Map::new();
    let mut costs = serde_json::Map::new();
    let mut termination = serde_json::Map::new();
    errors.insert("data".into(), json!(report.data_rel_error));
    for r in &report.runs {
        let name = r.regulariser.name();
        text.push_str(&format!(
            "  {:<12} {:.4}  ({} iterations, {}, J = {})\n",
            name,
            r.rel_error,
            r.report.iterations,
            r.report.termination.describe(),
            fmt_num(r.report.cost)
        ));
        errors.insert(name.into(), json!(r.rel_error));
        iterations.insert(name.into(), json!(r.report.iterations));
        costs.insert(name.into(), finite_array("cost", &r.report.costs)?);
        termination.insert(name.into(), json!(r.report.termination.describe()));
    }
    let rows: Vec<Vec<f64>> = report.runs.iter().map(|r| r.report.x.clone()).collect();
    let mut out = Output::matrix("deconvolve", &rows)?
        .numbers("grid", &report.grid.points())?
        .numbers("truth", &report.truth)?
        .numbers("data", &report.data)?
        .field(
            "methods",
            json!(
                report
                    .runs
                    .iter()
                    .map(|r| r.regulariser.name())
                    .collect::<Vec<_>>()
            ),
        )
        .field("errors", Value::Object(errors))
        .field("iterations", Value::Object(iterations))
        .field("costs", Value::Object(costs))
        .field("termination", Value::Object(termination));
    if let Some(dir) = &a.figure {
        std::fs::create_dir_all(dir).map_err(|e| CliError::io(dir, &e))?;
        let files =
            flipshift::figures::deconvolution(dir, &report).map_err(|e| CliError::BadFile {
                path: dir.display().to_string(),
                reason: e.to_string(),
            })?;
        for f in &files {
            text.push_str(&format!("figure: {}\n", f.display()));
        }
        out = out.field(
            "figures",
            json!(
                files
                    .iter()
                    .map(|f| f.display().to_string())
                    .collect::<Vec<_>>()
            ),
        );
    }
    Ok(out.with_text(text))
}
