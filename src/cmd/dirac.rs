//! The continuous commands when a kernel or signal is a distribution (uses `dirac`): convolution
//! by sifting, the functional derivative as a distribution, the least-squares gradient with a
//! delta kernel, and `eval`'s refusal.

use crate::error::{CliError, Context};
use crate::input::{parse_expr, parse_grid, parse_number};
use crate::output::{Output, finite_array, fmt_num, table};
use flipshift_continuous as c;
use flipshift_continuous::{DiracTerm, Distribution, Expr, ParseOptions};
use serde_json::{Value, json};

/// Parse `src` for `option` as a distribution in `t`.
pub fn parse(option: &str, src: &str, params: &[(String, f64)]) -> Result<Distribution, CliError> {
    Distribution::parse_with(
        src,
        &ParseOptions {
            variables: &["t"],
            params,
        },
    )
    .context(option)
}

/// The JSON of a singular part: `{"points": [...], "orders": [...], "weights": [...]}`, the term
/// $\sum_i w_i\\,\delta^{(k_i)}(\cdot - p_i)$.
pub fn distribution_json(deltas: &[DiracTerm]) -> Result<Value, CliError> {
    let points: Vec<f64> = deltas.iter().map(|d| d.point).collect();
    let weights: Vec<f64> = deltas.iter().map(|d| d.weight).collect();
    let weight_errors: Vec<f64> = deltas.iter().map(|d| d.weight_error).collect();
    let orders: Vec<u32> = deltas.iter().map(|d| d.order).collect();
    Ok(json!({
        "points": finite_array("distribution points", &points)?,
        "orders": orders,
        "weights": finite_array("distribution weights", &weights)?,
        "weight_errors": finite_array("distribution weight errors", &weight_errors)?,
    }))
}

/// The singular part printed in `var` (`t`, `tau`, `s`): `δ(t − 1) − 2·δ′(t)`.
fn deltas_unicode(deltas: &[DiracTerm], var: &str) -> String {
    Distribution::new(Expr::num(0.0), deltas.to_vec()).to_unicode_in(var)
}

/// `flipshift eval` of a distribution: its regular part when the deltas cancel, otherwise
/// exit 2.
pub fn eval_refusal(src: &str, params: &[(String, f64)]) -> Result<Expr, CliError> {
    let d = parse("--f", src, params)?;
    if d.is_regular() {
        return Ok(d.regular().clone());
    }
    Err(CliError::arg(
        "--f",
        format!(
            "a distribution has no pointwise values: {} holds {}; convolve it with a function (flipshift convolve --h ... --x ...) or take its functional derivative instead",
            src.trim(),
            deltas_unicode(d.deltas(), "t")
        ),
    ))
}

/// `flipshift convolve` with a distribution for h or x.
pub fn convolve(
    h_src: &str,
    x_src: &str,
    grid: &[f64],
    qp: c::QuadParams,
    params: &[(String, f64)],
    method: &str,
    tol: &str,
) -> Result<Output, CliError> {
    let h = parse("--h", h_src, params)?;
    let x = parse("--x", x_src, params)?;
    let conv = c::DistributionConvolution::new(&h, &x)?;
    let exact = conv.exact();
    if !matches!(method, "auto" | "closed-form" | "quadrature") {
        return Err(CliError::arg(
            "--method",
            format!("unknown method '{method}'; use auto, closed-form or quadrature"),
        ));
    }
    if method == "closed-form"
        && let Some((hr, xr)) = conv.regular_pair()
        && let Err(why) = c::convolve_symbolic(hr, xr)
    {
        return Err(CliError::arg(
            "--method",
            format!("no closed form for the regular parts of h and x: {why}"),
        ));
    }
    let intro = format!(
        "z(t) = (h*x)(t), h(t) = {}, x(t) = {}\n\
         a delta sifts: w·δ⁽ᵏ⁾(t − p) * x = w·x⁽ᵏ⁾(t − p), exactly (x⁽ᵏ⁾ the derivative as a distribution: a jump of x or of a lower derivative gives a delta)\n",
        h.to_unicode(),
        x.to_unicode()
    );
    let mut out = if conv.is_singular_only() && !exact.is_regular() {
        // A pure distribution: no values.
        let text = format!(
            "{intro}z(t) = {}\na distribution has no pointwise values; its terms are listed in \"distribution\"\n",
            exact.to_unicode()
        );
        Output::without_values("convolve")
            .field("symbolic", json!(exact.to_unicode()))
            .field("latex", json!(exact.to_latex()))
            .field("method", json!("closed-form"))
            .with_text(text)
    } else {
        let v = conv.values(grid, qp)?;
        let o = &v.output;
        let method = match &v.path {
            None | Some(c::ConvPath::ClosedForm(_)) => "closed-form",
            Some(c::ConvPath::Mixed { .. }) => "mixed",
            Some(c::ConvPath::Quadrature(_)) => "quadrature",
        };
        let closed = conv
            .regular_pair()
            .and_then(|(hr, xr)| c::convolve_symbolic(hr, xr).ok());
        let mut regular = exact.regular().clone();
        if let Some(cf) = &closed {
            regular = (regular + cf.expr().clone()).simplify();
        }
        let symbolic = match (conv.regular_pair(), &closed) {
            (Some((hr, xr)), None) => format!(
                "{} + ∫ h_reg(t − τ)·x_reg(τ) dτ with h_reg(t) = {}, x_reg(t) = {}",
                exact.to_unicode(),
                hr.to_unicode(),
                xr.to_unicode()
            ),
            _ => Distribution::new(regular.clone(), exact.deltas().to_vec()).to_unicode(),
        };
        let how = match &v.path {
            None => "every term by sifting (exact up to rounding)".to_string(),
            Some(c::ConvPath::ClosedForm(f)) => {
                format!("the deltas by sifting, the regular parts in closed form ({f} family)")
            }
            Some(c::ConvPath::Mixed { family, .. }) => format!(
                "the deltas by sifting, the regular parts in closed form ({family} family) and by quadrature where its bound missed --tol"
            ),
            Some(c::ConvPath::Quadrature(why)) => format!(
                "the deltas by sifting, the regular parts by quadrature (no closed form: {why})"
            ),
        };
        let max_err = o.error_estimates.iter().copied().fold(0.0, f64::max);
        let mut text = format!(
            "{intro}{how}; largest error bound {}\nz(t) = {symbolic}\n",
            fmt_num(max_err)
        );
        if !exact.is_regular() {
            text.push_str("the values below are the regular part's; the deltas are listed above\n");
        }
        text.push_str(&table(
            &["t", "z(t)", "± bound"],
            &[grid, &o.values, &o.error_estimates],
        ));
        let mut output = Output::vector("convolve", &o.values)?
            .numbers("grid", grid)?
            .number("error_estimate", max_err)?
            .field(
                "error_estimates",
                finite_array("error_estimates", &o.error_estimates)?,
            )
            .field("method", json!(method))
            .field("evaluations", json!(o.evaluations))
            .field("symbolic", json!(symbolic))
            .with_text(text);
        if conv.regular_pair().is_none() || closed.is_some() {
            output = output.field(
                "latex",
                json!(Distribution::new(regular, exact.deltas().to_vec()).to_latex()),
            );
        }
        if !o.unmet.is_empty() {
            return super::continuous::unmet_error(
                &format!("--tol {tol}"),
                grid,
                o,
                "the sifted terms are exact; the regular parts' integral missed it: loosen --tol or raise --max-evals",
                output,
            );
        }
        output
    };
    if !exact.is_regular() {
        out = out.field("distribution", distribution_json(exact.deltas())?);
    }
    Ok(out)
}

/// `flipshift derivative` with a distribution kernel: δz(t0)/δx(τ) = h(t0 − τ), a
/// distribution in τ.
pub fn derivative(
    h_src: &str,
    t0_src: &str,
    tau: Option<&str>,
    x_src: Option<&str>,
    gateaux: bool,
    params: &[(String, f64)],
) -> Result<Output, CliError> {
    let h = parse("--h", h_src, params)?;
    let t0 = parse_number("--t0", t0_src)?;
    if !t0.is_finite() {
        return Err(CliError::arg(
            "--t0",
            format!("must be finite, got {t0_src}"),
        ));
    }
    if gateaux {
        return Err(CliError::arg(
            "--gateaux",
            "with a delta kernel the derivative is a distribution, and its action on a bump φ is φ⁽ᵏ⁾ at a point — exactly what sifting computes, so there is nothing numerical to check; drop --gateaux",
        ));
    }
    // h(t0 − τ): the regular part in τ, each delta reflected.
    let reg_tau = c::point_eval_derivative(h.regular(), t0);
    let reflected = h.reflected(t0);
    let mut reflected_unicode = Vec::new();
    let mut reflected_latex = Vec::new();
    for d in reflected.deltas() {
        reflected_unicode.push(d.to_unicode_reflected("tau"));
        reflected_latex.push(d.to_latex_reflected("tau"));
    }
    let regular = h.has_regular_part();
    let head = |s: String| if regular { s } else { String::new() };
    let unicode = c::join_terms(head(reg_tau.to_unicode()), &reflected_unicode, "−");
    let latex = c::join_terms(head(reg_tau.to_latex()), &reflected_latex, "-");
    let normal = Distribution::new(reflected.regular().clone(), reflected.deltas().to_vec())
        .to_unicode_in("tau");
    let mut text = format!(
        "z(t0) = (h*x)(t0) = ∫ h(t0 − τ)·x(τ) dτ is linear in x, so its functional derivative is the kernel reversed and shifted:\n\
         δz(t0)/δx(τ) = (S_t0 ∘ R)h(τ) = h(t0 − τ) = {unicode}   (h(t) = {}, t0 = {})\n\
         a distribution in τ: {normal}\n\
         (δ⁽ᵏ⁾(c − τ) = (−1)ᵏ·δ⁽ᵏ⁾(τ − c): the flip turns d/dt into −d/dt, the adjoint of a derivative)\n",
        h.to_unicode(),
        fmt_num(t0)
    );
    let mut out = if regular {
        let grid = match tau {
            Some(s) => parse_grid("--tau", s)?,
            None => {
                let s = h.regular().support();
                let (a, b) = (t0 - s.b(), t0 - s.a());
                let (lo, hi) = if a.is_finite() && b.is_finite() {
                    (a - 0.25 * (b - a), b + 0.25 * (b - a))
                } else {
                    (t0 - 5.0, t0 + 5.0)
                };
                (0..201)
                    .map(|i| lo + (hi - lo) * f64::from(i) / 200.0)
                    .collect()
            }
        };
        let f = c::point_eval_derivative_in_t(h.regular(), t0)
            .compile()
            .context("--h")?;
        let values: Vec<f64> = grid.iter().map(|&t| c::RealFn::eval(&f, t)).collect();
        text.push_str("the values below are the regular part's\n");
        text.push_str(&table(&["τ", "regular part"], &[&grid, &values]));
        Output::vector("derivative", &values)?.numbers("grid", &grid)?
    } else {
        text.push_str(
            "a distribution has no pointwise values; its terms are listed in \"distribution\"\n",
        );
        Output::without_values("derivative")
    };
    out = out
        .number("t0", t0)?
        .field("symbolic", json!(unicode))
        .field("normal_form", json!(normal))
        .field("latex", json!(latex))
        .field("method", json!("closed-form"))
        .field("distribution", distribution_json(reflected.deltas())?);
    if let Some(xs) = x_src {
        let x = parse("--x", xs, params)?;
        let conv = c::DistributionConvolution::new(&h, &x)?;
        let v = conv.values(&[t0], c::QuadParams::default())?;
        if !conv.exact().is_regular() {
            return Err(CliError::arg(
                "--x",
                "z = h*x holds a delta here (x jumps and h differentiates it), so z(t0) has no value",
            ));
        }
        let (z, z_err) = (v.output.values[0], v.output.error_estimates[0]);
        text.push_str(&format!(
            "z(t0) = {} ± {:.1e} for x(t) = {}\n",
            fmt_num(z),
            z_err,
            x.to_unicode()
        ));
        out = out
            .number("z_t0", z)?
            .number("z_t0_error_estimate", z_err)?;
    }
    Ok(out.with_text(text))
}

/// `flipshift lsgrad` when h or x is a distribution: J = ½∫(h*x − y)² dt and
/// δJ/δx(s) = (Rh * r)(s), r = h*x − y, with h*x by sifting (exact).
pub fn lsgrad(
    h_src: &str,
    x_src: &str,
    y: &Expr,
    s: &[f64],
    params: &[(String, f64)],
) -> Result<Output, CliError> {
    let h = parse("--h", h_src, params)?;
    let x = parse("--x", x_src, params)?;
    let z = c::DistributionConvolution::new(&h, &x)?;
    if z.regular_pair().is_some() {
        return Err(CliError::arg(
            "--h",
            "lsgrad with a delta takes a kernel or signal that is deltas alone (then h*x is exact by sifting); here both h and x have a function part besides the deltas",
        ));
    }
    if !z.exact().is_regular() {
        return Err(CliError::arg(
            "--h",
            format!(
                "h*x = {} holds a delta, so J = ½∫(h*x − y)² dt is infinite",
                z.exact().to_unicode()
            ),
        ));
    }
    let r = (z.exact().regular().clone() - y.clone()).simplify();
    let half_r2 = (Expr::num(0.5) * r.clone().pow(Expr::num(2.0)))
        .compile()
        .context("--y")?;
    let (j, info) = c::integrate_fn(&half_r2, c::QuadParams::default())?;
    let j_err = info.error_estimate;
    let rh = h.reflected(0.0);
    let g = c::DistributionConvolution::new(&rh, &Distribution::from_expr(r.clone()))?;
    let gv = g.values(s, c::QuadParams::default())?;
    let exact = g.regular_pair().is_none();
    let max_err = gv
        .output
        .error_estimates
        .iter()
        .copied()
        .fold(j_err, f64::max);
    let mut symbolic = format!(
        "δJ/δx(s) = (Rh * r)(s) = ∫ h(t − s)·r(t) dt, r(t) = (h*x)(t) − y(t) = {}, h(t) = {}, x(t) = {}, y(t) = {}",
        r.to_unicode(),
        h.to_unicode(),
        x.to_unicode(),
        y.to_unicode()
    );
    if exact {
        symbolic.push_str(&format!(
            "; by sifting, δJ/δx(s) = {}",
            g.exact().to_unicode_in("s")
        ));
    }
    let method = if exact { "closed-form" } else { "quadrature" };
    let mut text = format!(
        "J[x] = ½∫((h*x)(t) − y(t))² dt = {} ± {}\n{symbolic}\n",
        fmt_num(j),
        fmt_num(j_err)
    );
    if !g.exact().is_regular() {
        text.push_str("the gradient holds deltas (r jumps and h differentiates it); the values below are its regular part\n");
    }
    text.push_str(&table(
        &["s", "δJ/δx(s)", "± estimate"],
        &[s, &gv.output.values, &gv.output.error_estimates],
    ));
    let mut output = Output::vector("lsgrad", &gv.output.values)?
        .numbers("grid", s)?
        .number("J", j)?
        .number("error_estimate", max_err)?
        .numbers("error_estimates", &gv.output.error_estimates)?
        .field("method", json!(method))
        .field("symbolic", json!(symbolic))
        .field(
            "latex",
            json!(r"\frac{\delta J}{\delta x}(s) = \int h(t - s)\,\big((h*x)(t) - y(t)\big)\,dt"),
        )
        .with_text(text);
    if !g.exact().is_regular() {
        output = output.field("distribution", distribution_json(g.exact().deltas())?);
    }
    if !info.converged {
        return Err(CliError::Unmet {
            message: format!(
                "J's integral did not reach its tolerance: {} ± {}; the residual is too rough or too wide for the default quadrature",
                fmt_num(j),
                fmt_num(j_err)
            ),
            output: Box::new(output),
        });
    }
    super::continuous::unmet_error(
        "the default tolerance",
        s,
        &gv.output,
        "the regular part of the kernel against the residual missed it",
        output,
    )
}

/// `flipshift check` with a kernel of deltas: the discrete convolution and least-squares
/// gradient with the Kronecker delta (centred differences of it for δ⁽ᵏ⁾) against the sifted
/// continuous ones, their errors and observed orders, and why the orders are what they are.
pub fn check(
    h_src: &str,
    x_src: &str,
    y_src: Option<&str>,
    rule: flipshift_discrete::Rule,
    levels: usize,
    params: &[(String, f64)],
) -> Result<Output, CliError> {
    let h = parse("--h", h_src, params)?;
    if h.is_regular() || h.has_regular_part() {
        return Err(CliError::arg(
            "--h",
            "check takes a kernel that is a function or deltas alone; check the function part and the deltas separately",
        ));
    }
    let x = parse_expr("--x", x_src, params)?;
    let y = match y_src {
        Some(s) => Some(parse_expr("--y", s, params)?),
        None => None,
    };
    let report = flipshift_discrete::check_dirac_agreement(
        &h,
        &x,
        y.as_ref(),
        &flipshift_discrete::CheckParams {
            rule,
            levels,
            ..Default::default()
        },
    )?;
    let finest = report.deltas.last().copied().unwrap_or(1.0);
    // Where each delta sits on the finest lattice decides the order.
    let on_lattice = h.deltas().iter().all(|d| {
        let u = d.point / finest;
        (u - u.round()).abs() <= 1e-9 * (1.0 + u.abs())
    });
    let max_order = h.deltas().iter().map(|d| d.order).max().unwrap_or(0);
    let explanation = if on_lattice && max_order == 0 {
        "every delta sits on a lattice point, where the Kronecker delta 1/Δ shifts the samples exactly: the errors are the signal's sampling and rounding only (no order is fitted to rounding)".to_string()
    } else if on_lattice {
        "every delta sits on a lattice point; δ⁽ᵏ⁾ is the centred difference of the Kronecker delta, exact on polynomials of degree k + 1, so the error falls as Δ²".to_string()
    } else {
        "a delta sits between lattice points: the Kronecker delta on the cell holding p shifts by the cell's centre jΔ instead of p, an error |p − jΔ|·|x′| ≤ Δ/2·|x′| — first order, with a prefactor that oscillates as p/Δ moves within the cell (a point on a cell boundary is shared between two cells, which is second order)".to_string()
    };
    let mut errors = serde_json::Map::new();
    let mut orders = serde_json::Map::new();
    let mut rounding = serde_json::Map::new();
    for q in &report.quantities {
        let name = q.quantity.name();
        errors.insert(name.into(), finite_array(name, &q.errors)?);
        orders.insert(
            name.into(),
            q.order
                .filter(|p| p.is_finite())
                .map_or(Value::Null, |p| json!(p)),
        );
        rounding.insert(name.into(), json!(q.rounding));
    }
    let mut text = format!(
        "continuous vs discrete, h(t) = {}, x(t) = {}, y(t) = {}; h sampled as the Kronecker delta 1/Δ on the cell holding each point (centred differences of it for δ⁽ᵏ⁾), x and y by the {rule} rule\n\
         relative max errors (conv: Δ·(h_Δ*x_Δ) vs Σ w·x⁽ᵏ⁾(t − p); lsgrad: (1/Δ)∇J_Δ vs δJ/δx; derivative and hessian are distributions, with no values to compare)\n",
        h.to_unicode(),
        x.to_unicode(),
        y.as_ref().map_or("0".to_string(), Expr::to_unicode),
    );
    text.push_str(&format!("{:>12}", "Δ"));
    for q in &report.quantities {
        text.push_str(&format!("{:>14}", q.quantity.name()));
    }
    text.push('\n');
    for (i, d) in report.deltas.iter().enumerate() {
        text.push_str(&format!("{d:>12.6}"));
        for q in &report.quantities {
            let e = q.errors.get(i).copied().unwrap_or(f64::NAN);
            let mark = if e <= q.floor { "*" } else { " " };
            text.push_str(&format!("{e:>13.3e}{mark}"));
        }
        text.push('\n');
    }
    text.push_str(&format!("{:>12}", "order"));
    for q in &report.quantities {
        let cell = match q.order {
            Some(p) => format!("{p:.2}"),
            None if q.rounding => "rounding".into(),
            None => "—".into(),
        };
        text.push_str(&format!("{cell:>14}"));
    }
    text.push_str(&format!(
        "\n(* = at rounding level: no order is fitted to noise)\nwhy: {explanation}\n"
    ));
    for w in &report.warnings {
        text.push_str(&format!("warning: {w}\n"));
    }
    let first: Vec<f64> = report
        .get(flipshift_discrete::Quantity::Conv)
        .map(|q| q.errors.clone())
        .unwrap_or_default();
    Ok(Output::vector("check", &first)?
        .numbers("deltas", &report.deltas)?
        .field("errors", Value::Object(errors))
        .field("orders", Value::Object(orders))
        .field("rounding", Value::Object(rounding))
        .field("rule", json!(rule.to_string()))
        .field("kernel_rule", json!("kronecker"))
        .field("explanation", json!(explanation))
        .number("t0", report.t0)?
        .field("warnings", json!(report.warnings))
        .with_text(text))
}
