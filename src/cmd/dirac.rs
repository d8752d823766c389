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
    if !z.exact().is_regular() {
        return Err(CliError::arg(
            "--h",
            format!(
                "h*x = {} holds a delta, so J = ½∫(h*x − y)² dt is infinite",
                z.exact().to_unicode()
            ),
        ));
    }
    if z.regular_pair().is_some() {
        return lsgrad_split(&h, &x, y, s);
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

/// The name of the `i`-th derivative of the inner convolution in [`DeltaFunctional`]'s total
/// derivatives: `u`, `u1`, `u2`, ...
fn u_name(i: usize) -> String {
    if i == 0 {
        c::losses::U.to_string()
    } else {
        format!("u{i}")
    }
}

/// A functional whose kernel or signal holds deltas, reduced to one the nested quadrature
/// computes. With $h = f + \sum_i w_i\\,\delta^{(k_i)}_{p_i}$ and $x = g + D_x$,
/// $h * x = f * g + s$ where sifting gives $s(t)$ exactly (with no delta, or $G$ of it is not
/// defined), so $J\[x\] = \int G(t, (f*g)(t) + s(t))\\,dt + \dots$ is the functional of kernel $f$ and
/// loss $\tilde G(t, u) = G(t, u + s(t))$, and its gradient is that functional's plus the deltas'
/// part $\sum_i w_i (-1)^{k_i} W^{(k_i)}(\sigma + p_i)$, $W(t) = G_u(t, (h*x)(t))$: the flip turns
/// each $d/dt$ into $-d/dt$. $W^{(k)}$ is the total derivative in $t$ with
/// $u_j = (f * g^{(j)})(t)$ standing for the $j$-th derivative of $f * g$.
pub struct DeltaFunctional {
    /// The functional without its data term (regulariser, domain).
    base: c::Functional,
    h: Distribution,
    x_deltas: Vec<DiracTerm>,
    /// The loss $G(t, u)$ as given (the data substituted).
    loss: Expr,
    /// The reduced functional at the signal it was built for.
    pub reduced: c::Functional,
    /// $s(t)$, the sifted part of $h * x$.
    pub sifted: Expr,
    /// $W^{(j)}$ for $j \le K + 1$, in `t`, `u`, `u1`, ...
    w: Vec<Expr>,
    /// $\partial W^{(j)}/\partial u_i$.
    w_u: Vec<Vec<Expr>>,
}

impl DeltaFunctional {
    /// Reduce: `base` holds the regulariser and domain, `loss` is $G(t, u)$.
    pub fn new(
        base: &c::Functional,
        h: &Distribution,
        x: &Distribution,
        loss: &Expr,
    ) -> Result<Self, CliError> {
        let (reduced, sifted) = Self::reduce(base, h, x, loss)?;
        let max_order = h.deltas().iter().map(|d| d.order).max().unwrap_or(0) as usize;
        let g_u = c::Expr::diff(&reduced_loss(loss, &Expr::num(0.0)), c::losses::U).simplify();
        // W = G_u(t, u + s(t)): the reduced loss's u-derivative.
        let w0 = g_u
            .substitute(
                c::losses::U,
                &(Expr::var(c::losses::U) + sifted.clone()).simplify(),
            )
            .simplify();
        if max_order >= 1 && !h.deltas().is_empty() {
            let mut bps = w0.breakpoints();
            if h.has_regular_part() {
                bps.extend(x.regular().breakpoints());
            }
            if let Some(b) = bps.first() {
                return Err(CliError::arg(
                    "--h",
                    format!(
                        "h holds δ⁽ᵏ⁾ with k ≥ 1, whose part of the gradient is (−1)ᵏ·W⁽ᵏ⁾ with W(t) = G_u(t, (h*x)(t)) = {}, and W or x has a breakpoint at t = {}: there the gradient holds a delta or is not defined; use smooth data and signal, or a kernel of plain deltas δ(t − p)",
                        w0.to_unicode(),
                        fmt_num(*b)
                    ),
                ));
            }
        }
        let mut w = vec![w0];
        for j in 0..=max_order {
            let e = &w[j];
            let mut next = e.diff("t");
            for i in 0..=j {
                next = next + e.diff(&u_name(i)) * Expr::var(&u_name(i + 1));
            }
            w.push(next.simplify());
        }
        let w_u = w
            .iter()
            .enumerate()
            .map(|(j, e)| (0..=j).map(|i| e.diff(&u_name(i)).simplify()).collect())
            .collect();
        Ok(Self {
            base: base.clone(),
            h: h.clone(),
            x_deltas: x.deltas().to_vec(),
            loss: loss.clone(),
            reduced,
            sifted,
            w,
            w_u,
        })
    }

    /// The reduced functional and $s(t)$ for the signal $x$.
    fn reduce(
        base: &c::Functional,
        h: &Distribution,
        x: &Distribution,
        loss: &Expr,
    ) -> Result<(c::Functional, Expr), CliError> {
        let conv = c::DistributionConvolution::new(h, x)?;
        if !conv.exact().is_regular() {
            return Err(CliError::arg(
                "--h",
                format!(
                    "h*x = {} holds a delta, so G(t, (h*x)(t)) is not defined (for least squares J = ½∫(h*x − y)² dt is infinite)",
                    conv.exact().to_unicode()
                ),
            ));
        }
        let sifted = conv.exact().regular().clone();
        let reduced = base
            .clone()
            .with_data_term(h.regular().clone(), reduced_loss(loss, &sifted))
            .context("--loss")?;
        Ok((reduced, sifted))
    }

    /// $J$ and its error estimate at $x = g + D_x$, `g` the regular part.
    pub fn value(&self, g: &Expr) -> Result<(f64, f64), CliError> {
        let x = Distribution::new(g.clone(), self.x_deltas.clone());
        let (j, _) = Self::reduce(&self.base, &self.h, &x, &self.loss)?;
        Ok(j.value(g)?)
    }

    /// The deltas' part of the gradient at each point of `s`, with bounds: $u_j$ carry the
    /// bounds of their convolutions, through $|\partial W^{(k)}/\partial u_j|$.
    pub fn delta_part(&self, g: &Expr, s: &[f64]) -> Result<c::ConvOutput, CliError> {
        let mut out = c::ConvOutput {
            values: vec![0.0; s.len()],
            error_estimates: vec![0.0; s.len()],
            evaluations: 0,
            unmet: Vec::new(),
        };
        let f = self.h.regular();
        let qp = c::QuadParams::default();
        for d in self.h.deltas() {
            let k = d.order as usize;
            let t: Vec<f64> = s.iter().map(|si| si + d.point).collect();
            // u_j = (f * g⁽ʲ⁾)(t) for j ≤ k + 1.
            let mut u: Vec<(Vec<f64>, Vec<f64>)> = Vec::new();
            let mut gj = g.clone();
            for _ in 0..=k + 1 {
                if self.h.has_regular_part() {
                    let (o, _) = c::convolve_auto_lenient(f, &gj, &t, qp)?;
                    out.evaluations += o.evaluations;
                    out.unmet.extend(o.unmet.iter().copied());
                    u.push((o.values, o.error_estimates));
                } else {
                    u.push((vec![0.0; t.len()], vec![0.0; t.len()]));
                }
                gj = gj.diff("t").simplify();
            }
            let sign = if d.order % 2 == 0 { 1.0 } else { -1.0 };
            for (n, &tn) in t.iter().enumerate() {
                let names: Vec<String> = (0..=k + 1).map(u_name).collect();
                let mut vars: Vec<(&str, f64)> = vec![("t", tn)];
                for (i, name) in names.iter().enumerate() {
                    vars.push((name, u[i].0[n]));
                }
                let eval = |e: &Expr| e.eval_vars(&vars).unwrap_or(f64::NAN);
                let wk = eval(&self.w[k]);
                let wk1 = eval(&self.w[k + 1]);
                if !wk.is_finite() {
                    return Err(CliError::arg(
                        "--h",
                        format!(
                            "the delta at {} meets W⁽{k}⁾ = {} at t = {}, where it is not defined",
                            fmt_num(d.point),
                            self.w[k].to_unicode(),
                            fmt_num(tn)
                        ),
                    ));
                }
                let mut err = 8.0 * f64::EPSILON * wk.abs();
                for (i, wu) in self.w_u[k].iter().enumerate() {
                    err += eval(wu).abs() * u[i].1[n];
                }
                if wk1.is_finite() {
                    err += wk1.abs() * (d.point_error + f64::EPSILON * tn.abs());
                }
                let term = sign * d.weight * wk;
                out.values[n] += term;
                out.error_estimates[n] += d.weight.abs() * err
                    + d.weight_error * wk.abs()
                    + 4.0 * f64::EPSILON * term.abs();
            }
        }
        out.unmet.sort_unstable();
        out.unmet.dedup();
        Ok(out)
    }

    /// The whole gradient: the reduced functional's (the function part of h, the regulariser)
    /// plus the deltas' part.
    pub fn gradient(&self, g: &Expr, s: &[f64]) -> Result<c::ConvOutput, CliError> {
        let mut out = self.reduced.gradient_lenient(g, s)?;
        let part = self.delta_part(g, s)?;
        for (k, (v, e)) in part.values.iter().zip(&part.error_estimates).enumerate() {
            out.values[k] += v;
            out.error_estimates[k] += e;
        }
        out.evaluations += part.evaluations;
        out.unmet.extend(part.unmet);
        out.unmet.sort_unstable();
        out.unmet.dedup();
        Ok(out)
    }

    /// A Gateaux check along `phi`: the Richardson difference of $J\[x + \varepsilon\varphi\]$
    /// (each $J$ rebuilt, $s(t)$ moving with $x$) against $\langle \delta J/\delta x, \varphi\rangle$,
    /// the function part's by the reduced functional and the deltas' by quadrature over the bump.
    pub fn gateaux_check(
        &self,
        g: &Expr,
        phi: &c::Bump,
        eps0: f64,
    ) -> Result<(f64, f64, f64), CliError> {
        let pe = phi.expr().clone();
        let directional = c::richardson_directional(
            &|eps| {
                self.value(&(g.clone() + Expr::num(eps) * pe.clone()).simplify())
                    .map(|v| v.0)
                    .map_err(|e| c::ContinuousError::InvalidParameter {
                        what: "J[x + εφ]".into(),
                        reason: e.to_string(),
                    })
            },
            eps0,
        )?;
        let regular = self.reduced.gateaux_check(g, phi, eps0)?.inner_product;
        let support = c::RealFn::support(phi);
        let failed = std::cell::Cell::new(false);
        let (deltas, _) = c::integrate(
            &|si| {
                let p = c::RealFn::eval(phi, si);
                if p == 0.0 {
                    return 0.0;
                }
                match self.delta_part(g, &[si]) {
                    Ok(o) => p * o.values[0],
                    Err(_) => {
                        failed.set(true);
                        f64::NAN
                    }
                }
            },
            support,
            &[],
            c::QuadParams {
                rel_tol: 1e-10,
                ..c::QuadParams::default()
            },
        )?;
        if failed.get() {
            return Err(CliError::arg(
                "--gateaux",
                "the deltas' part of the gradient could not be evaluated across the bump",
            ));
        }
        let inner = regular + deltas;
        let scale = directional.abs().max(inner.abs());
        let rel = if scale > 0.0 {
            (directional - inner).abs() / scale
        } else {
            0.0
        };
        Ok((directional, inner, rel))
    }
}

/// $\tilde G(t, u) = G(t, u + s(t))$.
fn reduced_loss(loss: &Expr, sifted: &Expr) -> Expr {
    loss.substitute(
        c::losses::U,
        &(Expr::var(c::losses::U) + sifted.clone()).simplify(),
    )
    .simplify()
}

/// What `functional` passes on when its kernel or signal holds deltas.
pub struct FunctionalInput<'a> {
    /// `--h`.
    pub h: Option<&'a str>,
    /// `--x`.
    pub x: &'a str,
    /// The loss $G(t, u)$ (the data substituted), when there is a data term.
    pub loss: Option<Expr>,
    /// Whether `--domain` was given.
    pub domain: bool,
    /// `--v`.
    pub v: Option<&'a str>,
    /// The `--gateaux` bump (centre, half-width).
    pub bump: Option<(f64, f64)>,
}

/// `flipshift functional` when h or x holds deltas: the data term reduced by sifting
/// ([`DeltaFunctional`]), the gradient's delta part by the flipped deltas.
pub fn functional(
    a: &FunctionalInput<'_>,
    base: &c::Functional,
    s: &[f64],
    params: &[(String, f64)],
) -> Result<Output, CliError> {
    let (Some(h_src), Some(loss)) = (a.h, a.loss.as_ref()) else {
        return Err(CliError::arg(
            "--x",
            "x holds a delta and there is no data term: the regulariser L(t, x, x′) of a distribution is not defined; give a kernel (--h) or a function for x",
        ));
    };
    let h = parse("--h", h_src, params)?;
    let x = parse("--x", a.x, params)?;
    if base.regulariser().is_some() && !x.is_regular() {
        return Err(CliError::arg(
            "--x",
            "x holds a delta: the regulariser L(t, x, x′) of a distribution is not defined; drop --reg or give a function for x",
        ));
    }
    if a.domain && !h.is_regular() {
        return Err(CliError::arg(
            "--domain",
            "a delta kernel with a restricted domain: a delta at the domain's edge would be cut in half, and δ′ there gives a delta in the gradient; use the whole line",
        ));
    }
    if a.v.is_some() && !h.is_regular() {
        return Err(CliError::arg(
            "--v",
            "the Hessian-vector product with a delta kernel is not computed; use lsgrad's gradient or a Gateaux check instead",
        ));
    }
    let df = DeltaFunctional::new(base, &h, &x, loss)?;
    let g = x.regular().clone();
    let (value, value_err) = df.reduced.value(&g).context("J")?;
    let grad = df.gradient(&g, s)?;
    let max_err = grad
        .error_estimates
        .iter()
        .copied()
        .fold(value_err, f64::max);
    let form = df.reduced.gradient_form();
    let mut text = format!(
        "J[x] = {} ± {}\nh(t) = {}, x(t) = {}\n\
         a delta sifts: h*x = f*x_reg + s(t) with f = {} the function part of h and s(t) = {} exact, so G(t, h*x) = G̃(t, f*x_reg) with G̃(t, u) = G(t, u + s(t))\n",
        fmt_num(value),
        fmt_num(value_err),
        h.to_unicode(),
        x.to_unicode(),
        h.regular().to_unicode(),
        df.sifted.to_unicode()
    );
    text.push_str(&format!(
        "{} (the function part of h, with G̃)\n",
        form.to_unicode()
    ));
    if let Some(el) = &form.euler_lagrange {
        text.push_str(&format!("  ∂L/∂x − d/dt ∂L/∂x′ = {}\n", el.to_unicode()));
    }
    let mut terms = Vec::new();
    for d in h.deltas() {
        let sign = if d.order % 2 == 0 { 1.0 } else { -1.0 };
        let w = sign * d.weight;
        let at = if d.point == 0.0 {
            "s".to_string()
        } else if d.point > 0.0 {
            format!("s + {}", fmt_num(d.point))
        } else {
            format!("s − {}", fmt_num(-d.point))
        };
        let deriv = match d.order {
            0 => "W".to_string(),
            1 => "W′".to_string(),
            2 => "W″".to_string(),
            k => format!("W⁽{k}⁾"),
        };
        let coefficient = match w {
            1.0 => String::new(),
            -1.0 => "−".to_string(),
            _ => format!("{}·", fmt_num(w)),
        };
        terms.push(format!("{coefficient}{deriv}({at})"));
    }
    if !terms.is_empty() {
        text.push_str(&format!(
            "  + the deltas, ∫ w·δ⁽ᵏ⁾(t − s − p)·W(t) dt = (−1)ᵏ·w·W⁽ᵏ⁾(s + p) (the flip turns d/dt into −d/dt): {}, W(t) = G_u(t, (h*x)(t))\n",
            terms.join(" + ")
        ));
    }
    let symbolic = format!(
        "{}; h*x = f*x_reg + {}{}",
        form.to_unicode(),
        df.sifted.to_unicode(),
        if terms.is_empty() {
            String::new()
        } else {
            format!("; + {}", terms.join(" + "))
        }
    );
    let closed = !h.has_regular_part()
        || (df.reduced.data_gradient_closed_form(&g).is_some()
            && (h.is_regular() || c::convolve_symbolic(h.regular(), &g).is_ok()));
    let mut out = Output::vector("functional", &grad.values)?
        .numbers("grid", s)?
        .number("J", value)?
        .number("error_estimate", max_err)?
        .numbers("error_estimates", &grad.error_estimates)?
        .field(
            "method",
            json!(if closed { "closed-form" } else { "quadrature" }),
        )
        .field("symbolic", json!(symbolic))
        .field("sifted", json!(df.sifted.to_unicode()))
        .field("latex", json!(form.to_latex()));
    if !h.is_regular() {
        out = out.field("kernel_distribution", distribution_json(h.deltas())?);
    }
    let mut columns: Vec<(&str, Vec<f64>)> = vec![
        ("δJ/δx(s)", grad.values.clone()),
        ("± estimate", grad.error_estimates.clone()),
    ];
    if let Some(vs) = a.v {
        let v = parse_expr("--v", vs, params)?;
        let hv = df.reduced.hessian_vector(&g, &v, s).context("∇²J v")?;
        out = out.field("hessian_vector", finite_array("∇²J v", &hv.values)?);
        columns.push(("(∇²J v)(s)", hv.values));
    }
    if let Some((centre, half)) = a.bump {
        let phi = c::Bump::new(centre, half).context("--bump")?;
        let (directional, inner, rel) = df.gateaux_check(&g, &phi, 0.02 * half)?;
        text.push_str(&format!(
            "Gateaux check along φ = {}: d/dε J[x + εφ] = {} vs ⟨δJ/δx, φ⟩ = {} (relative discrepancy {rel:.1e})\n",
            phi.expr().to_unicode(),
            fmt_num(directional),
            fmt_num(inner),
        ));
        out = out.field(
            "gateaux",
            json!({
                "directional": directional,
                "inner_product": inner,
                "rel_discrepancy": rel,
            }),
        );
    }
    let headers: Vec<&str> = std::iter::once("s")
        .chain(columns.iter().map(|c| c.0))
        .collect();
    let cols: Vec<&[f64]> = std::iter::once(s)
        .chain(columns.iter().map(|c| c.1.as_slice()))
        .collect();
    text.push_str(&table(&headers, &cols));
    super::continuous::unmet_error(
        &format!(
            "the relative tolerance {:e} of the outer integral",
            base.outer.rel_tol
        ),
        s,
        &grad,
        "the inner convolution's own error allows no better here",
        out.with_text(text),
    )
}

/// `lsgrad` when h and x both have a function part and one of them deltas: h = f + D_h,
/// x = g + D_x, h*x = f*g + s(t) with s exact by sifting; J and the gradient's function part by
/// the nested quadrature of f against the shifted residual, the deltas' part by the flip.
fn lsgrad_split(
    h: &Distribution,
    x: &Distribution,
    y: &Expr,
    s: &[f64],
) -> Result<Output, CliError> {
    let loss = c::losses::least_squares(y).context("--y")?;
    let df = DeltaFunctional::new(&c::Functional::new(), h, x, &loss)?;
    let g = x.regular().clone();
    let (j, j_err) = df.reduced.value(&g)?;
    let grad = df.gradient(&g, s)?;
    let max_err = grad.error_estimates.iter().copied().fold(j_err, f64::max);
    let closed = df.reduced.data_gradient_closed_form(&g).is_some()
        && c::convolve_symbolic(h.regular(), &g).is_ok();
    let symbolic = format!(
        "δJ/δx(s) = (Rh * r)(s) = ∫ h(t − s)·r(t) dt, r(t) = (h*x)(t) − y(t), h*x = f*g + s(t): f = {} and g = {} the function parts of h and x, s(t) = {} by sifting; each delta w·δ⁽ᵏ⁾(t − p) of h adds (−1)ᵏ·w·r⁽ᵏ⁾(s + p); y(t) = {}",
        h.regular().to_unicode(),
        g.to_unicode(),
        df.sifted.to_unicode(),
        y.to_unicode()
    );
    let text = format!(
        "J[x] = ½∫((h*x)(t) − y(t))² dt = {} ± {}\nh(t) = {}, x(t) = {}\n{symbolic}\n{}",
        fmt_num(j),
        fmt_num(j_err),
        h.to_unicode(),
        x.to_unicode(),
        table(
            &["s", "δJ/δx(s)", "± estimate"],
            &[s, &grad.values, &grad.error_estimates]
        )
    );
    let output = Output::vector("lsgrad", &grad.values)?
        .numbers("grid", s)?
        .number("J", j)?
        .number("error_estimate", max_err)?
        .numbers("error_estimates", &grad.error_estimates)?
        .field(
            "method",
            json!(if closed { "closed-form" } else { "quadrature" }),
        )
        .field("symbolic", json!(symbolic))
        .field("sifted", json!(df.sifted.to_unicode()))
        .field(
            "latex",
            json!(r"\frac{\delta J}{\delta x}(s) = \int h(t - s)\,\big((h*x)(t) - y(t)\big)\,dt"),
        )
        .with_text(text);
    super::continuous::unmet_error(
        "the default tolerance",
        s,
        &grad,
        "the function part of the kernel against the residual missed it",
        output,
    )
}
