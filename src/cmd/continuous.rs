//! `eval`, `convolve`, `derivative`, `lsgrad`, `euler-lagrange`: the continuous commands.

use crate::error::{CliError, Context};
use crate::input::{parse_expr, parse_expr_in, parse_grid, parse_number, parse_params};
use crate::output::{Output, finite_array, fmt_num, table};
use clap::Args;
use flipshift_continuous as c;
use flipshift_continuous::{Expr, RealFn};
use serde_json::json;

/// Arguments of `eval`.
#[derive(Debug, Args)]
pub struct EvalArgs {
    /// The expression in t.
    #[arg(long, allow_hyphen_values = true)]
    f: String,
    /// The grid: a:b:n or a comma list.
    #[arg(long, allow_hyphen_values = true)]
    t: String,
    /// Bind a name used in expressions: NAME=VALUE (repeatable).
    #[arg(long = "param", value_name = "NAME=VALUE")]
    params: Vec<String>,
}

/// Arguments of `convolve`.
#[derive(Debug, Args)]
pub struct ConvolveArgs {
    /// The kernel h(t).
    #[arg(long, allow_hyphen_values = true)]
    h: String,
    /// The signal x(t).
    #[arg(long, allow_hyphen_values = true)]
    x: String,
    /// Where to evaluate z = h*x: a:b:n or a comma list.
    #[arg(long, allow_hyphen_values = true)]
    t: String,
    /// Relative tolerance of each value (a value near zero is held to the rounding level of
    /// its integral instead).
    #[arg(long, default_value = "1e-12", allow_hyphen_values = true)]
    tol: String,
    /// The most integrand evaluations quadrature may spend on each value.
    #[arg(long, default_value = "500000", allow_hyphen_values = true)]
    max_evals: String,
    /// auto: the exact closed form when h and x belong to a family closed under convolution
    /// (Gaussians with polynomial factors, piecewise polynomials, one-sided exponentials),
    /// quadrature otherwise; or force one of closed-form, quadrature.
    #[arg(long, default_value = "auto")]
    method: String,
    /// Bind a name used in expressions: NAME=VALUE (repeatable).
    #[arg(long = "param", value_name = "NAME=VALUE")]
    params: Vec<String>,
    /// Periodic convolution with period P: z(t) = ∫₀ᴾ h_P(t − τ)·x_P(τ) dτ, f_P being f on
    /// [0, P) repeated; in closed form when h and x are trigonometric polynomials of the
    /// period (sums of products of sin/cos of multiples of 2πt/P, and constants), by
    /// quadrature over one period split at the breakpoints otherwise.
    #[arg(long, allow_hyphen_values = true)]
    period: Option<String>,
}

/// Arguments of `derivative`.
#[derive(Debug, Args)]
pub struct DerivativeArgs {
    /// The kernel h(t).
    #[arg(long, allow_hyphen_values = true)]
    h: String,
    /// The time t0 at which z(t0) = (h*x)(t0) is differentiated.
    #[arg(long, allow_hyphen_values = true)]
    t0: String,
    /// Where to evaluate δz(t0)/δx(τ) (default: 201 points over the interesting range).
    #[arg(long, allow_hyphen_values = true)]
    tau: Option<String>,
    /// A signal x(t): also compute z(t0) = (h*x)(t0) (needed by --gateaux).
    #[arg(long, allow_hyphen_values = true)]
    x: Option<String>,
    /// Check δz(t0)/δx numerically at --x along a smooth bump φ: d/dε z[x + εφ](t0) against
    /// ∫ h(t0 − τ) φ(τ) dτ.
    #[arg(long, requires = "x")]
    gateaux: bool,
    /// The bump of --gateaux: CENTRE,HALF_WIDTH (default: the middle and a quarter of the τ
    /// range).
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
    /// Periodic convolution with period P: δz(t0)/δx(τ) = h_P(t0 − τ), h on [0, P) repeated
    /// (default τ grid: one period; the --gateaux bump must lie within [0, P]).
    #[arg(long, allow_hyphen_values = true)]
    period: Option<String>,
}

/// Arguments of `lsgrad`.
#[derive(Debug, Args)]
pub struct LsgradArgs {
    /// The kernel h(t).
    #[arg(long, allow_hyphen_values = true)]
    h: String,
    /// The signal x(t).
    #[arg(long, allow_hyphen_values = true)]
    x: String,
    /// The target y(t).
    #[arg(long, allow_hyphen_values = true)]
    y: String,
    /// Where to evaluate δJ/δx(s).
    #[arg(long, allow_hyphen_values = true)]
    s: String,
    /// Bind a name used in expressions: NAME=VALUE (repeatable).
    #[arg(long = "param", value_name = "NAME=VALUE")]
    params: Vec<String>,
    /// Least squares on one period P: J = ½∫₀ᴾ((h ⊛ x)(t) − y(t))² dt and δJ/δx(s) =
    /// ∫₀ᴾ h_P(t − s)·r(t) dt, in closed form when h, x and y are trigonometric polynomials of
    /// the period (other functions are refused).
    #[arg(long, allow_hyphen_values = true)]
    period: Option<String>,
}

/// Arguments of `euler-lagrange`.
#[derive(Debug, Args)]
pub struct EulerLagrangeArgs {
    /// The Lagrangian L(t, x, xp), xp standing for x′.
    #[arg(long, allow_hyphen_values = true)]
    lagrangian: String,
    /// A path x(t) at which to evaluate the Euler–Lagrange expression.
    #[arg(long, allow_hyphen_values = true)]
    x: Option<String>,
    /// The grid for the values (needs --x).
    #[arg(long, allow_hyphen_values = true)]
    t: Option<String>,
    /// Bind a name used in expressions: NAME=VALUE (repeatable).
    #[arg(long = "param", value_name = "NAME=VALUE")]
    params: Vec<String>,
}

/// Evaluate `f` on `grid`, refusing non-finite values with the point where they occur.
fn eval_on(option: &str, f: &Expr, grid: &[f64]) -> Result<Vec<f64>, CliError> {
    let compiled = f.compile().context(option)?;
    grid.iter()
        .map(|&t| {
            let v = compiled.eval(t);
            if v.is_finite() {
                Ok(v)
            } else {
                Err(CliError::arg(
                    option,
                    format!(
                        "'{}' is not finite at t = {} (value {v})",
                        f.to_unicode(),
                        fmt_num(t)
                    ),
                ))
            }
        })
        .collect()
}

/// `flipshift eval`.
pub fn eval(a: &EvalArgs) -> Result<Output, CliError> {
    let params = parse_params(&a.params)?;
    let f = if c::contains_dirac(&a.f) {
        super::dirac::eval_refusal(&a.f, &params)?
    } else {
        parse_expr("--f", &a.f, &params)?
    };
    let grid = parse_grid("--t", &a.t)?;
    let values = eval_on("--f", &f, &grid)?;
    let text = format!(
        "f(t) = {}\n{}",
        f.to_unicode(),
        table(&["t", "f(t)"], &[&grid, &values])
    );
    Ok(Output::vector("eval", &values)?
        .numbers("grid", &grid)?
        .field("symbolic", json!(f.to_unicode()))
        .field("latex", json!(f.to_latex()))
        .with_text(text))
}

fn quad_params(tol: &str, max_evals: &str) -> Result<c::QuadParams, CliError> {
    let rel_tol = parse_number("--tol", tol)?;
    if !(rel_tol > 0.0 && rel_tol < 1.0) {
        return Err(CliError::arg(
            "--tol",
            format!("must be in (0, 1), got {rel_tol}"),
        ));
    }
    let evals = parse_number("--max-evals", max_evals)?;
    if !((60.0..=1e12).contains(&evals) && evals.fract() == 0.0) {
        return Err(CliError::arg(
            "--max-evals",
            format!("must be a whole number from 60 to 1e12, got {max_evals}"),
        ));
    }
    Ok(c::QuadParams {
        rel_tol,
        max_evaluations: evals as usize,
        ..Default::default()
    })
}

/// The exit-1 error for the first point in `unmet`, carrying the whole output: what was
/// missed (`tol`, e.g. `--tol 1e-12`), where, and which option to change.
pub(crate) fn unmet_error(
    tol: &str,
    grid: &[f64],
    out: &c::ConvOutput,
    hint: &str,
    output: Output,
) -> Result<Output, CliError> {
    match out.unmet.first() {
        None => Ok(output),
        Some(&i) => Err(CliError::Unmet {
            message: format!(
                "{tol} not reached at t = {} ({} of {} values): best value {} ± {}; {hint}",
                fmt_num(grid[i]),
                out.unmet.len(),
                grid.len(),
                fmt_num(out.values[i]),
                fmt_num(out.error_estimates[i])
            ),
            output: Box::new(output),
        }),
    }
}

/// The fields of every `convolve` answer: the values on the grid, their bounds (the largest
/// as `error_estimate`, one per point as `error_estimates`), the method, the integrand
/// evaluations and the symbolic form.
pub(crate) fn convolve_output(
    out: &c::ConvOutput,
    grid: &[f64],
    method: &str,
    symbolic: &str,
) -> Result<Output, CliError> {
    let max_err = out.error_estimates.iter().copied().fold(0.0, f64::max);
    Ok(Output::vector("convolve", &out.values)?
        .numbers("grid", grid)?
        .number("error_estimate", max_err)?
        .field(
            "error_estimates",
            finite_array("error_estimates", &out.error_estimates)?,
        )
        .field("method", json!(method))
        .field("evaluations", json!(out.evaluations))
        .field("symbolic", json!(symbolic)))
}

/// `flipshift convolve`.
pub fn convolve(a: &ConvolveArgs) -> Result<Output, CliError> {
    let params = parse_params(&a.params)?;
    if c::contains_dirac(&a.h) || c::contains_dirac(&a.x) {
        let grid = parse_grid("--t", &a.t)?;
        let qp = quad_params(&a.tol, &a.max_evals)?;
        if a.period.is_some() {
            return Err(CliError::arg(
                "--period",
                "a periodic convolution with a delta is not supported; convolve on the line (a delta sifts exactly there)",
            ));
        }
        return super::dirac::convolve(&a.h, &a.x, &grid, qp, &params, &a.method, &a.tol);
    }
    let h = parse_expr("--h", &a.h, &params)?;
    let x = parse_expr("--x", &a.x, &params)?;
    let grid = parse_grid("--t", &a.t)?;
    let qp = quad_params(&a.tol, &a.max_evals)?;
    if let Some(period) = &a.period {
        return convolve_periodic(a, &h, &x, period, &grid, qp);
    }
    let intro = format!(
        "z(t) = (h*x)(t) = ∫ h(t − τ)·x(τ) dτ, h(t) = {}, x(t) = {}\n",
        h.to_unicode(),
        x.to_unicode()
    );
    let quad_symbolic = format!(
        "∫ h(t − τ)·x(τ) dτ with h(t) = {}, x(t) = {}",
        h.to_unicode(),
        x.to_unicode()
    );
    // (output values, per-point method, closed form if any, a line saying how, the hint for a
    // missed tolerance)
    let (out, methods, closed, how, hint): (c::ConvOutput, Vec<&str>, _, String, &str) = match a
        .method
        .as_str()
    {
        "auto" => {
            let (out, path) = c::convolve_auto_lenient(&h, &x, &grid, qp)?;
            let n = grid.len();
            match path {
                c::ConvPath::ClosedForm(family) => (
                    out,
                    vec!["closed-form"; n],
                    c::convolve_symbolic(&h, &x).ok(),
                    format!("closed form ({family} family)"),
                    "the closed form's rounding bound and quadrature's both miss it; loosen --tol or raise --max-evals",
                ),
                c::ConvPath::Mixed { family, quadrature } => {
                    let mut m = vec!["closed-form"; n];
                    for &i in &quadrature {
                        m[i] = "quadrature";
                    }
                    (
                        out,
                        m,
                        c::convolve_symbolic(&h, &x).ok(),
                        format!(
                            "closed form ({family} family), by quadrature at {} of {n} points where the closed form's rounding bound missed --tol",
                            quadrature.len()
                        ),
                        "the closed form's rounding bound and quadrature's both miss it; loosen --tol or raise --max-evals",
                    )
                }
                c::ConvPath::Quadrature(why) => (
                    out,
                    vec!["quadrature"; n],
                    None,
                    format!("by quadrature (no closed form: {why})"),
                    "loosen --tol or raise --max-evals",
                ),
            }
        }
        "closed-form" => {
            let cf = c::convolve_symbolic(&h, &x).map_err(|why| {
                CliError::arg(
                    "--method",
                    format!("no closed form for these functions: {why}"),
                )
            })?;
            let how = format!("closed form ({} family)", cf.family());
            (
                cf.values(&grid, qp),
                vec!["closed-form"; grid.len()],
                Some(cf),
                how,
                "the closed form's rounding bound is larger; loosen --tol or use --method auto",
            )
        }
        "quadrature" => {
            let hc = h.compile().context("--h")?;
            let xc = x.compile().context("--x")?;
            (
                c::convolve_lenient(&hc, &xc, &grid, qp)?,
                vec!["quadrature"; grid.len()],
                None,
                "by quadrature".to_string(),
                "loosen --tol or raise --max-evals",
            )
        }
        other => {
            return Err(CliError::arg(
                "--method",
                format!("unknown method '{other}'; use auto, closed-form or quadrature"),
            ));
        }
    };
    let max_err = out.error_estimates.iter().copied().fold(0.0, f64::max);
    let method = if methods.iter().all(|m| *m == "closed-form") {
        "closed-form"
    } else if methods.iter().all(|m| *m == "quadrature") {
        "quadrature"
    } else {
        "mixed"
    };
    let symbolic = match (&closed, method) {
        (Some(cf), "closed-form" | "mixed") => cf.expr().to_unicode(),
        _ => quad_symbolic,
    };
    let mut text = format!("{intro}{how}; largest error bound {}\n", fmt_num(max_err));
    if let (Some(cf), "closed-form" | "mixed") = (&closed, method) {
        text.push_str(&format!("z(t) = {}\n", cf.expr().to_unicode()));
    }
    text.push_str(&table(
        &["t", "z(t)", "± bound"],
        &[&grid, &out.values, &out.error_estimates],
    ));
    let mut output = convolve_output(&out, &grid, method, &symbolic)?.with_text(text);
    if method == "mixed" {
        output = output.field("methods", json!(methods));
    }
    if let (Some(cf), "closed-form" | "mixed") = (&closed, method) {
        output = output
            .field("family", json!(cf.family().to_string()))
            .field("latex", json!(cf.expr().to_latex()));
    }
    unmet_error(&format!("--tol {}", a.tol), &grid, &out, hint, output)
}

/// `flipshift convolve --period P`.
fn convolve_periodic(
    a: &ConvolveArgs,
    h: &Expr,
    x: &Expr,
    period: &str,
    grid: &[f64],
    qp: c::QuadParams,
) -> Result<Output, CliError> {
    let p = parse_period(period)?;
    let closed = match a.method.as_str() {
        "auto" => c::convolve_periodic_symbolic(h, x, p).ok(),
        "closed-form" => Some(c::convolve_periodic_symbolic(h, x, p).map_err(|why| {
            CliError::arg(
                "--method",
                format!(
                    "no closed form for this periodic convolution: {why}; use auto or quadrature"
                ),
            )
        })?),
        "quadrature" => None,
        other => {
            return Err(CliError::arg(
                "--method",
                format!("unknown method '{other}'; use auto, closed-form or quadrature"),
            ));
        }
    };
    let integral = format!(
        "∫₀^{} h_P(t − τ)·x_P(τ) dτ with h(t) = {}, x(t) = {} on [0, {}), repeated",
        fmt_num(p),
        h.to_unicode(),
        x.to_unicode(),
        fmt_num(p)
    );
    let (out, how, method) = match &closed {
        Some(z) => (
            z.values(grid, qp)?,
            "periodic, closed form (trigonometric polynomials: P·ĥ_k·x̂_k harmonic by harmonic)",
            "closed-form",
        ),
        None => {
            let hc = h.compile().context("--h")?;
            let xc = x.compile().context("--x")?;
            (
                c::convolve_periodic_lenient(&hc, &xc, p, grid, qp)?,
                "periodic, by quadrature over one period split at the breakpoints",
                "quadrature",
            )
        }
    };
    let max_err = out.error_estimates.iter().copied().fold(0.0, f64::max);
    let symbolic = match &closed {
        Some(z) => z.to_expr().to_unicode(),
        None => integral.clone(),
    };
    let mut text = format!(
        "z(t) = {integral}\n{how}; largest error bound {}\n",
        fmt_num(max_err)
    );
    if closed.is_some() {
        text.push_str(&format!("z(t) = {symbolic}\n"));
    }
    text.push_str(&table(
        &["t", "z(t)", "± bound"],
        &[grid, &out.values, &out.error_estimates],
    ));
    let mut output = convolve_output(&out, grid, method, &symbolic)?
        .number("period", p)?
        .with_text(text);
    if let Some(z) = &closed {
        output = output
            .field("family", json!("trigonometric polynomial"))
            .field("latex", json!(z.to_expr().to_latex()))
            .field(
                "coefficients",
                json!({
                    "cos": finite_array("coefficients", z.cos_coefficients())?,
                    "sin": finite_array("coefficients", z.sin_coefficients())?,
                }),
            );
    }
    let hint = if closed.is_some() {
        "the closed form's rounding bound is larger; loosen --tol"
    } else {
        "loosen --tol or raise --max-evals"
    };
    unmet_error(&format!("--tol {}", a.tol), grid, &out, hint, output)
}

/// A default τ grid: the support of h(t0 − τ), clipped to where it matters.
fn default_tau(h: &Expr, t0: f64) -> Vec<f64> {
    let s = h.support();
    // h(t0 − τ) lives on [t0 − b, t0 − a]; an infinite end is cut a few units out.
    let (a, b) = (t0 - s.b(), t0 - s.a());
    let (lo, hi) = match (a.is_finite(), b.is_finite()) {
        (true, true) => {
            let pad = 0.25 * (b - a);
            (a - pad, b + pad)
        }
        (true, false) => (a - 1.0, a + 8.0),
        (false, true) => (b - 8.0, b + 1.0),
        (false, false) => (t0 - 5.0, t0 + 5.0),
    };
    let n = 201;
    (0..n)
        .map(|i| lo + (hi - lo) * i as f64 / (n - 1) as f64)
        .collect()
}

/// Exit 2 when `--period` comes with a delta: periodic problems take functions only.
pub(crate) fn refuse_period_with_delta(period: Option<&String>) -> Result<(), CliError> {
    match period {
        Some(_) => Err(CliError::arg(
            "--period",
            "a periodic problem with a delta is not supported; use the line (a delta sifts exactly there)",
        )),
        None => Ok(()),
    }
}

/// `--period P`: finite and positive, or exit 2 saying so.
pub(crate) fn parse_period(src: &str) -> Result<f64, CliError> {
    let p = parse_number("--period", src)?;
    if !p.is_finite() || p <= 0.0 {
        return Err(CliError::arg(
            "--period",
            format!("must be finite and > 0, got {src}"),
        ));
    }
    Ok(p)
}

/// `CENTRE,HALF_WIDTH` of `--bump`, or the default: the middle and a quarter of `[lo, hi]`.
fn parse_bump(bump: Option<&str>, lo: f64, hi: f64) -> Result<(f64, f64), CliError> {
    Ok(match bump {
        Some(b) => match parse_grid("--bump", b)?.as_slice() {
            [c, w] => (*c, *w),
            other => {
                return Err(CliError::arg(
                    "--bump",
                    format!(
                        "expected two numbers CENTRE,HALF_WIDTH, got {}",
                        other.len()
                    ),
                ));
            }
        },
        None => (0.5 * (lo + hi), 0.25 * (hi - lo)),
    })
}

/// `flipshift derivative --period P`.
fn derivative_periodic(
    a: &DerivativeArgs,
    h: &Expr,
    t0: f64,
    period: &str,
    params: &[(String, f64)],
) -> Result<Output, CliError> {
    let p = parse_period(period)?;
    if !t0.is_finite() {
        return Err(CliError::arg("--t0", format!("must be finite, got {t0}")));
    }
    let tau = match &a.tau {
        Some(s) => parse_grid("--tau", s)?,
        None => (0..=200).map(|i| p * f64::from(i) / 200.0).collect(),
    };
    let hc = h.compile().context("--h")?;
    let pe = c::PeriodicPointEval::new(hc, t0, p).context("--h")?;
    let dz = pe.derivative();
    let values: Vec<f64> = tau.iter().map(|&s| dz.eval(s)).collect();
    if let Some(i) = values.iter().position(|v| !v.is_finite()) {
        return Err(CliError::arg(
            "--h",
            format!(
                "h_P(t0 − τ) is not finite at τ = {} (value {})",
                fmt_num(tau[i]),
                values[i]
            ),
        ));
    }
    // A trigonometric polynomial of the period is its own periodic extension: the formula
    // holds for every τ. Otherwise it holds where t0 − τ lies in [0, P), and repeats.
    let trig = c::TrigPoly::recognise(h, p, "h").is_ok();
    let flipped = c::point_eval_derivative(h, t0);
    let unicode = if trig {
        format!("h_P(t0 − τ) = {}", flipped.to_unicode())
    } else {
        format!(
            "h_P(t0 − τ) = {} for t0 − τ in [0, {}), repeated with period {}",
            flipped.to_unicode(),
            fmt_num(p),
            fmt_num(p)
        )
    };
    let latex = if trig {
        format!("h_P(t_0 - \\tau) = {}", flipped.to_latex())
    } else {
        format!(
            "h_P(t_0 - \\tau) = {} \\quad (t_0 - \\tau \\bmod {})",
            flipped.to_latex(),
            fmt_num(p)
        )
    };
    let mut text = format!(
        "z(t0) = ∫₀ᴾ h_P(t0 − τ)·x_P(τ) dτ is linear in x, so its functional derivative is the periodic kernel reversed and shifted:\n\
         δz(t0)/δx(τ) = {unicode}   (h(t) = {}, t0 = {}, P = {})\n{}",
        h.to_unicode(),
        fmt_num(t0),
        fmt_num(p),
        table(&["τ", "δz(t0)/δx(τ)"], &[&tau, &values])
    );
    let mut out = Output::vector("derivative", &values)?
        .numbers("grid", &tau)?
        .number("t0", t0)?
        .number("period", p)?
        .field("symbolic", json!(unicode))
        .field("latex", json!(latex))
        .field("method", json!("closed-form"));
    if let Some(xs) = &a.x {
        let x = parse_expr("--x", xs, params)?.compile().context("--x")?;
        let bump = if a.gateaux {
            let (centre, half) = parse_bump(a.bump.as_deref(), 0.0, p)?;
            if !(centre - half >= 0.0 && centre + half <= p) {
                return Err(CliError::arg(
                    "--bump",
                    format!(
                        "the bump [{}, {}] must lie within one period [0, {}]: x enters z only through its values there",
                        fmt_num(centre - half),
                        fmt_num(centre + half),
                        fmt_num(p)
                    ),
                ));
            }
            Some((centre, half))
        } else {
            None
        };
        let value = |xx: &dyn RealFn| pe.value(xx, c::QuadParams::default());
        out = signal_at_t0(out, &mut text, &x, value, &dz, bump, "h_P")?;
    }
    Ok(out.with_text(text))
}

/// What `derivative --x` adds: z(t0) for the signal `x` (by `value`, which integrates
/// against the kernel at t0) and, with a bump `(centre, half-width)`, the Gateaux check of the
/// functional derivative `dz` along it; `kernel` names the kernel in the text (`h`, `h_P`).
fn signal_at_t0(
    mut out: Output,
    text: &mut String,
    x: &c::CompiledExpr,
    value: impl Fn(&dyn RealFn) -> c::Result<(f64, f64)>,
    dz: &dyn RealFn,
    bump: Option<(f64, f64)>,
    kernel: &str,
) -> Result<Output, CliError> {
    let q = c::QuadParams::default();
    let (z, z_err) = value(x).context("z(t0)")?;
    text.push_str(&format!(
        "z(t0) = {} ± {:.1e} for x(t) = {}\n",
        fmt_num(z),
        z_err,
        x.expr().to_unicode()
    ));
    out = out
        .number("z_t0", z)?
        .number("z_t0_error_estimate", z_err)?;
    if let Some((centre, half)) = bump {
        let phi = c::Bump::new(centre, half).context("--bump")?;
        let f = |xx: &dyn RealFn| value(xx).map(|v| v.0);
        let r = c::gateaux_check(&f, x, dz, &phi, 0.5 * half, q).context("Gateaux check")?;
        text.push_str(&format!(
            "Gateaux check along a bump at {} of half-width {}: d/dε z[x + εφ](t0) = {} vs ∫ {kernel}(t0 − τ) φ(τ) dτ = {} (relative discrepancy {:.1e})\n",
            fmt_num(centre),
            fmt_num(half),
            fmt_num(r.directional),
            fmt_num(r.inner_product),
            r.rel_discrepancy
        ));
        out = out.field(
            "gateaux",
            json!({
                "directional": r.directional,
                "inner_product": r.inner_product,
                "rel_discrepancy": r.rel_discrepancy,
                "bump": [centre, half],
            }),
        );
    }
    Ok(out)
}

/// `flipshift derivative`.
pub fn derivative(a: &DerivativeArgs) -> Result<Output, CliError> {
    let params = parse_params(&a.params)?;
    if c::contains_dirac(&a.h) || a.x.as_deref().is_some_and(c::contains_dirac) {
        refuse_period_with_delta(a.period.as_ref())?;
        return super::dirac::derivative(
            &a.h,
            &a.t0,
            a.tau.as_deref(),
            a.x.as_deref(),
            a.gateaux,
            &params,
        );
    }
    let h = parse_expr("--h", &a.h, &params)?;
    let t0 = parse_number("--t0", &a.t0)?;
    if let Some(p) = &a.period {
        return derivative_periodic(a, &h, t0, p, &params);
    }
    let tau = match &a.tau {
        Some(s) => parse_grid("--tau", s)?,
        None => default_tau(&h, t0),
    };
    let dz = c::point_eval_derivative(&h, t0);
    let values = eval_on("--h", &c::point_eval_derivative_in_t(&h, t0), &tau)?;
    let unicode = dz.to_unicode();
    let mut text = format!(
        "z(t0) = (h*x)(t0) = ∫ h(t0 − τ)·x(τ) dτ is linear in x, so its functional derivative is the kernel reversed and shifted:\n\
         δz(t0)/δx(τ) = (S_t0 ∘ R)h(τ) = h(t0 − τ) = {unicode}   (h(t) = {}, t0 = {})\n{}",
        h.to_unicode(),
        fmt_num(t0),
        table(&["τ", "δz(t0)/δx(τ)"], &[&tau, &values])
    );
    let mut out = Output::vector("derivative", &values)?
        .numbers("grid", &tau)?
        .number("t0", t0)?
        .field("symbolic", json!(unicode))
        .field("latex", json!(dz.to_latex()))
        .field("method", json!("closed-form"));
    if let Some(xs) = &a.x {
        let x = parse_expr("--x", xs, &params)?.compile().context("--x")?;
        let pe = c::PointEval::new(h.compile().context("--h")?, t0).context("--h")?;
        let bump = if a.gateaux {
            let (lo, hi) = tau
                .iter()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), v| {
                    (l.min(*v), h.max(*v))
                });
            Some(match &a.bump {
                Some(_) => parse_bump(a.bump.as_deref(), lo, hi)?,
                None => (0.5 * (lo + hi), (0.25 * (hi - lo)).max(0.5)),
            })
        } else {
            None
        };
        let value = |xx: &dyn RealFn| pe.value(xx, c::QuadParams::default());
        out = signal_at_t0(out, &mut text, &x, value, &pe.derivative(), bump, "h")?;
    }
    Ok(out.with_text(text))
}

/// `flipshift lsgrad --period P`.
pub(crate) fn lsgrad_periodic(
    command: &str,
    h: &Expr,
    x: &Expr,
    y: &Expr,
    s: &[f64],
    period: &str,
) -> Result<Output, CliError> {
    let p = parse_period(period)?;
    let ls = match c::periodic_least_squares_symbolic(h, x, y, p) {
        Ok(ls) => ls,
        Err(why) => return lsgrad_periodic_nested(command, h, x, y, s, p, &why.to_string()),
    };
    let qp = c::QuadParams::default();
    let g = ls.gradient.values(s, qp)?;
    let gs = ls.gradient.to_expr().substitute("t", &Expr::var("s"));
    let symbolic = format!(
        "δJ/δx(s) = ∫₀^{} h_P(t − s)·r(t) dt, r(t) = (h ⊛ x)(t) − y(t) = {}, h(t) = {}, x(t) = {}, y(t) = {}; in closed form, δJ/δx(s) = {}",
        fmt_num(p),
        ls.residual.to_expr().to_unicode(),
        h.to_unicode(),
        x.to_unicode(),
        y.to_unicode(),
        gs.to_unicode()
    );
    let latex = format!("\\frac{{\\delta J}}{{\\delta x}}(s) = {}", gs.to_latex());
    let output = periodic_ls_output(
        command,
        s,
        (ls.j, ls.j_error),
        &g,
        p,
        ("closed-form", &symbolic, &latex),
    )?;
    unmet_error(
        "the rounding level",
        s,
        &g,
        "the closed form's rounding bound allows no better here",
        output,
    )
}

/// The answer of periodic least squares, in closed form or by nested quadrature: the gradient
/// on the grid `s` with its bounds, `(J, its bound)`, the period, the method and the printed
/// forms.
fn periodic_ls_output(
    command: &str,
    s: &[f64],
    (j, j_error): (f64, f64),
    g: &c::ConvOutput,
    p: f64,
    (method, symbolic, latex): (&str, &str, &str),
) -> Result<Output, CliError> {
    let max_err = g.error_estimates.iter().copied().fold(j_error, f64::max);
    let text = format!(
        "J[x] = ½∫₀^{}((h ⊛ x)(t) − y(t))² dt = {} ± {}\n{symbolic}\n{}",
        fmt_num(p),
        fmt_num(j),
        fmt_num(j_error),
        table(
            &["s", "δJ/δx(s)", "± bound"],
            &[s, &g.values, &g.error_estimates]
        )
    );
    Ok(Output::vector(command, &g.values)?
        .numbers("grid", s)?
        .number("J", j)?
        .number("error_estimate", max_err)?
        .numbers("error_estimates", &g.error_estimates)?
        .field("method", json!(method))
        .number("period", p)?
        .field("symbolic", json!(symbolic))
        .field("latex", json!(latex))
        .with_text(text))
}

/// `lsgrad --period P` (and `functional --period P`) by nested quadrature, for functions that
/// are not trigonometric polynomials of the period (`why` says which is not).
fn lsgrad_periodic_nested(
    command: &str,
    h: &Expr,
    x: &Expr,
    y: &Expr,
    s: &[f64],
    p: f64,
    why: &str,
) -> Result<Output, CliError> {
    let (hc, xc, yc) = (
        h.compile().context("--h")?,
        x.compile().context("--x")?,
        y.compile().context("--y")?,
    );
    let outer = c::PERIODIC_NESTED_OUTER;
    let ls = c::periodic_least_squares(&hc, &xc, &yc, p, s, outer)?;
    let g = &ls.gradient;
    let symbolic = format!(
        "δJ/δx(s) = ∫₀^{} h_P(t − s)·r(t) dt, r(t) = (h ⊛ x)(t) − y(t), h(t) = {}, x(t) = {}, y(t) = {} on [0, {}), repeated; by nested quadrature (no closed form: {why})",
        fmt_num(p),
        h.to_unicode(),
        x.to_unicode(),
        y.to_unicode(),
        fmt_num(p)
    );
    let output = periodic_ls_output(
        command,
        s,
        (ls.j, ls.j_error),
        g,
        p,
        (
            "quadrature",
            &symbolic,
            r"\frac{\delta J}{\delta x}(s) = \int_0^P h_P(t - s)\,\big((h \circledast x)(t) - y(t)\big)\,dt",
        ),
    )?
    .field("evaluations", json!(g.evaluations));
    let tol = format!(
        "the relative tolerance {:e} of the outer integral",
        outer.rel_tol
    );
    if !ls.j_met && g.unmet.is_empty() {
        return Err(CliError::Unmet {
            message: format!(
                "{tol} not reached for J: best value {} ± {}; the inner convolution's own error allows no better here",
                fmt_num(ls.j),
                fmt_num(ls.j_error)
            ),
            output: Box::new(output),
        });
    }
    unmet_error(
        &tol,
        s,
        g,
        "the inner convolution's own error allows no better here",
        output,
    )
}

/// `flipshift lsgrad`.
pub fn lsgrad(a: &LsgradArgs) -> Result<Output, CliError> {
    let params = parse_params(&a.params)?;
    if c::contains_dirac(&a.h) || c::contains_dirac(&a.x) {
        refuse_period_with_delta(a.period.as_ref())?;
        let y = parse_expr("--y", &a.y, &params)?;
        let s = parse_grid("--s", &a.s)?;
        return super::dirac::lsgrad(&a.h, &a.x, &y, &s, &params);
    }
    let h = parse_expr("--h", &a.h, &params)?;
    let x = parse_expr("--x", &a.x, &params)?;
    let y = parse_expr("--y", &a.y, &params)?;
    let s = parse_grid("--s", &a.s)?;
    if let Some(p) = &a.period {
        return lsgrad_periodic("lsgrad", &h, &x, &y, &s, p);
    }
    let ls = c::Functional::new()
        .with_data_term(h.clone(), c::losses::least_squares(&y).context("--y")?)
        .context("--h")?;
    let (j, j_err) = ls.value(&x)?;
    let g = ls.gradient_lenient(&x, &s)?;
    let exact = ls.data_gradient_closed_form(&x);
    let max_err = g.error_estimates.iter().copied().fold(j_err, f64::max);
    let mut symbolic = format!(
        "δJ/δx(s) = (Rh * r)(s) = ∫ h(t − s)·r(t) dt, r(t) = (h*x)(t) − y(t), h(t) = {}, x(t) = {}, y(t) = {}",
        h.to_unicode(),
        x.to_unicode(),
        y.to_unicode()
    );
    if let Some(e) = &exact {
        symbolic.push_str(&format!(
            "; in closed form, δJ/δx(s) = {}",
            e.expr().substitute("t", &Expr::var("s")).to_unicode()
        ));
    }
    let method = if exact.is_some() {
        "closed-form"
    } else {
        "quadrature"
    };
    let text = format!(
        "J[x] = ½∫((h*x)(t) − y(t))² dt = {} ± {}\n{symbolic}\n{}",
        fmt_num(j),
        fmt_num(j_err),
        table(
            &["s", "δJ/δx(s)", "± estimate"],
            &[&s, &g.values, &g.error_estimates]
        )
    );
    let output = Output::vector("lsgrad", &g.values)?
        .numbers("grid", &s)?
        .number("J", j)?
        .number("error_estimate", max_err)?
        .numbers("error_estimates", &g.error_estimates)?
        .field("method", json!(method))
        .field("symbolic", json!(symbolic))
        .field(
            "latex",
            json!(r"\frac{\delta J}{\delta x}(s) = \int h(t - s)\,\big((h*x)(t) - y(t)\big)\,dt"),
        )
        .with_text(text);
    unmet_error(
        &format!(
            "the relative tolerance {:e} of the outer integral",
            c::Functional::new().outer.rel_tol
        ),
        &s,
        &g,
        "the inner convolution's own error allows no better here",
        output,
    )
}

/// `flipshift euler-lagrange`.
pub fn euler_lagrange(a: &EulerLagrangeArgs) -> Result<Output, CliError> {
    let params = parse_params(&a.params)?;
    let l = parse_expr_in("--lagrangian", &a.lagrangian, &["t", "x", "xp"], &params)?;
    let el = c::euler_lagrange(&l);
    let unicode = el.to_unicode();
    let latex = el.to_latex();
    let (values, grid) = match (&a.x, &a.t) {
        (Some(xs), Some(ts)) => {
            let x = parse_expr("--x", xs, &params)?;
            let grid = parse_grid("--t", ts)?;
            let along = c::along_path(&el, &x).context("--x")?;
            (eval_on("--lagrangian", &along, &grid)?, grid)
        }
        (None, None) => (Vec::new(), Vec::new()),
        _ => {
            return Err(CliError::Usage {
                message: "--x and --t go together: give both to evaluate along a path, or neither"
                    .into(),
            });
        }
    };
    let mut text = format!(
        "L(t, x, x′) = {}\n∂L/∂x − d/dt ∂L/∂x′ = {unicode}\n",
        l.to_unicode()
    );
    if !grid.is_empty() {
        text.push_str(&table(&["t", "E-L(t)"], &[&grid, &values]));
    }
    let mut out = Output::vector("euler-lagrange", &values)?
        .field("symbolic", json!(unicode))
        .field("latex", json!(latex))
        .field("method", json!("closed-form"));
    if !grid.is_empty() {
        out = out.numbers("grid", &grid)?;
    }
    Ok(out.with_text(text))
}
