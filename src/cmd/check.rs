//! `check`: continuous against discrete answers over a sequence of spacings.

use crate::Format;
use crate::error::{CliError, Context};
use crate::input::{parse_expr, parse_params};
use crate::output::{Output, finite_array, fmt_num};
use clap::Args;
use flipshift_continuous::SharedFn;
use flipshift_discrete::{
    CheckParams, PeriodicConvergence, Quantity, QuantityReport, Rule, check_agreement,
    check_periodic_agreement_with_data,
};
use serde_json::{Map, Value, json};
use std::sync::Arc;

/// Arguments of `check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The kernel h(t).
    #[arg(long, allow_hyphen_values = true)]
    h: String,
    /// The signal x(t).
    #[arg(long, allow_hyphen_values = true)]
    x: String,
    /// The target y(t) for the least-squares gradient (default: 0).
    #[arg(long, allow_hyphen_values = true)]
    y: Option<String>,
    /// Sampling rule: point, cell or trapezoid.
    #[arg(long, default_value = "point")]
    rule: String,
    /// Number of spacings (each half the previous).
    #[arg(long, default_value = "7", allow_hyphen_values = true)]
    levels: String,
    /// Bind a name used in expressions: NAME=VALUE (repeatable).
    #[arg(long = "param", value_name = "NAME=VALUE")]
    params: Vec<String>,
    /// On one period P: circular convolution of point samples (the periodic trapezoidal
    /// rule) against the periodic convolution, at Δ = P/8, P/16, ...; geometric convergence
    /// (ratio per halving, Δ at rounding) for kernels smooth on the circle, an algebraic order
    /// where a jump or kink remains. Compares conv, derivative and hessian.
    #[arg(long, allow_hyphen_values = true)]
    period: Option<String>,
}

fn compile(option: &str, src: &str, params: &[(String, f64)]) -> Result<SharedFn, CliError> {
    let e = parse_expr(option, src, params)?;
    Ok(Arc::new(e.compile().context(option)?))
}

/// `flipshift check`.
pub fn check(a: &CheckArgs, _format: Format) -> Result<Output, CliError> {
    let params = parse_params(&a.params)?;
    let rule: Rule = a.rule.parse().map_err(|_| {
        CliError::arg(
            "--rule",
            format!("'{}' is not one of point, cell, trapezoid", a.rule),
        )
    })?;
    let levels: usize = a
        .levels
        .trim()
        .parse()
        .ok()
        .filter(|l| (2..=12).contains(l))
        .ok_or_else(|| {
            CliError::arg(
                "--levels",
                format!("'{}' is not a whole number from 2 to 12", a.levels),
            )
        })?;
    if flipshift_continuous::contains_dirac(&a.h) {
        crate::cmd::continuous::refuse_period_with_delta(a.period.as_ref())?;
        return super::dirac::check(&a.h, &a.x, a.y.as_deref(), rule, levels, &params);
    }
    let h = compile("--h", &a.h, &params)?;
    let x = compile("--x", &a.x, &params)?;
    if let Some(p) = &a.period {
        if rule != Rule::Point {
            return Err(CliError::arg(
                "--rule",
                format!(
                    "with --period the samples are point samples (the periodic trapezoidal rule); got {rule}"
                ),
            ));
        }
        let p = crate::cmd::continuous::parse_period(p)?;
        let y = match &a.y {
            Some(s) => Some(compile("--y", s, &params)?),
            None => None,
        };
        return check_periodic(a, h, x, y, p, levels);
    }
    let y = match &a.y {
        Some(s) => Some(compile("--y", s, &params)?),
        None => None,
    };
    let report = check_agreement(
        h,
        x,
        y,
        &CheckParams {
            rule,
            levels,
            ..Default::default()
        },
    )?;

    let [errors, orders, rounding] = quantity_fields(&report.quantities)?;

    // The table for people.
    let mut text = format!(
        "continuous vs discrete, h(t) = {}, x(t) = {}, y(t) = {}, {} samples\n\
         relative max errors (conv: Δ·(h_Δ*x_Δ) vs z; derivative: row of H vs h(t0 − τ) at t0 = {}; \
         lsgrad: (1/Δ)∇J_Δ vs δJ/δx; hessian: Δ·HᵀH vs (Rh*h))\n",
        a.h,
        a.x,
        a.y.as_deref().unwrap_or("0"),
        rule,
        report.t0
    );
    text.push_str(&error_table(&report.deltas, &report.quantities, true));
    text.push_str("(* = at rounding level: no order is fitted to noise)\n");
    for w in &report.warnings {
        text.push_str(&format!("warning: {w}\n"));
    }

    let first: Vec<f64> = report
        .get(Quantity::Conv)
        .map(|q| q.errors.clone())
        .unwrap_or_default();
    Ok(Output::vector("check", &first)?
        .numbers("deltas", &report.deltas)?
        .field("errors", Value::Object(errors))
        .field("orders", Value::Object(orders))
        .field("rounding", Value::Object(rounding))
        .field("rule", json!(rule.to_string()))
        .number("t0", report.t0)?
        .field("warnings", json!(report.warnings))
        .with_text(text))
}

/// `flipshift check --period P`.
fn check_periodic(
    a: &CheckArgs,
    h: SharedFn,
    x: SharedFn,
    y: Option<SharedFn>,
    p: f64,
    levels: usize,
) -> Result<Output, CliError> {
    let report = check_periodic_agreement_with_data(h, x, y, p, levels)?;
    let (case, points, explanation) = match &report.convergence {
        PeriodicConvergence::Geometric => (
            "geometric",
            Vec::new(),
            "h_P and x_P are smooth on the circle (no breakpoint in [0, P), values and slopes \
             match at the seam): the trapezoidal rule on a smooth periodic integrand converges \
             geometrically, faster than any power of Δ, so the ratio per halving grows and \
             rounding is reached at a coarse Δ; no algebraic order is fitted"
                .to_string(),
        ),
        PeriodicConvergence::Algebraic { points } => (
            "algebraic",
            points.clone(),
            format!(
                "h_P or x_P jumps or kinks at t = {} in [0, P) (0 is the seam): the periodic \
                 trapezoidal rule falls back to an algebraic order, as on the line (1 or 2 for \
                 a jump, depending on the value sampled there; 2 for a kink)",
                points
                    .iter()
                    .map(|v| fmt_num(*v))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ),
    };
    let [errors, orders, rounding] = quantity_fields(&report.quantities)?;
    let mut ratios = Map::new();
    let mut at_rounding = Map::new();
    for q in &report.quantities {
        let name = q.quantity.name();
        ratios.insert(name.into(), finite_array(name, &q.ratios)?);
        at_rounding.insert(
            name.into(),
            q.delta_at_rounding.map_or(Value::Null, |d| json!(d)),
        );
    }
    let mut text = format!(
        "continuous vs discrete on one period P = {}, h(t) = {}, x(t) = {}, y(t) = {}, point samples at t_j = jΔ, Δ = P/N\n\
         relative max errors (conv: Δ·(h_Δ ⊛ x_Δ) vs z; derivative: row of the circulant H vs h_P(t0 − τ) at t0 = {}; \
         lsgrad: (1/Δ)∇J_Δ = Δ·Hᵀr vs δJ/δx (nested quadrature), with --y; hessian: Δ·HᵀH vs ∫₀ᴾ h_P(t − τ_i)·h_P(t − τ_j) dt)\n",
        fmt_num(p),
        a.h,
        a.x,
        a.y.as_deref().unwrap_or("—"),
        fmt_num(report.t0)
    );
    text.push_str(&error_table(&report.deltas, &report.quantities, false));
    for q in &report.quantities {
        let ratios = if q.ratios.is_empty() {
            "—".to_string()
        } else {
            q.ratios
                .iter()
                .map(|r| format!("{r:.3}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let at = q
            .delta_at_rounding
            .map_or("not reached".into(), |d| format!("at Δ = {d}"));
        let order = match (case, q.order) {
            (_, Some(v)) => format!("; order {v:.2}"),
            ("algebraic", None) => "; no order (fewer than two errors above rounding)".into(),
            _ => String::new(),
        };
        text.push_str(&format!(
            "{:>10}: error ratios per halving {ratios}; rounding {at}{order}\n",
            q.quantity.name()
        ));
    }
    text.push_str(&format!(
        "(* = at rounding level; a ratio is the error at Δ over the error at Δ/2, both above it)\nconvergence: {case}: {explanation}\n"
    ));
    for w in &report.warnings {
        text.push_str(&format!("warning: {w}\n"));
    }
    let first = report
        .quantities
        .first()
        .map(|q| q.errors.clone())
        .unwrap_or_default();
    Ok(Output::vector("check", &first)?
        .numbers("deltas", &report.deltas)?
        .field("errors", Value::Object(errors))
        .field("orders", Value::Object(orders))
        .field("rounding", Value::Object(rounding))
        .field("rule", json!(Rule::Point.to_string()))
        .number("t0", report.t0)?
        .field("warnings", json!(report.warnings))
        .number("period", p)?
        .field(
            "convergence",
            json!({"case": case, "points": points, "explanation": explanation}),
        )
        .field("ratios", Value::Object(ratios))
        .field("delta_at_rounding", Value::Object(at_rounding))
        .with_text(text))
}

/// The JSON maps `errors`, `orders` and `rounding` of a check, one entry per quantity.
pub(crate) fn quantity_fields(
    quantities: &[QuantityReport],
) -> Result<[Map<String, Value>; 3], CliError> {
    let [mut errors, mut orders, mut rounding] = [Map::new(), Map::new(), Map::new()];
    for q in quantities {
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
    Ok([errors, orders, rounding])
}

/// The errors of a check as a table for people: a row per spacing, a column per quantity,
/// `*` after an error at its rounding floor, and with `orders` a last row of observed orders.
pub(crate) fn error_table(deltas: &[f64], quantities: &[QuantityReport], orders: bool) -> String {
    let mut text = format!("{:>12}", "Δ");
    for q in quantities {
        text.push_str(&format!("{:>14}", q.quantity.name()));
    }
    text.push('\n');
    for (i, d) in deltas.iter().enumerate() {
        text.push_str(&format!("{d:>12.6}"));
        for q in quantities {
            let e = q.errors.get(i).copied().unwrap_or(f64::NAN);
            let mark = if e <= q.floor { "*" } else { " " };
            text.push_str(&format!("{e:>13.3e}{mark}"));
        }
        text.push('\n');
    }
    if orders {
        text.push_str(&format!("{:>12}", "order"));
        for q in quantities {
            let cell = match q.order {
                Some(p) => format!("{p:.2}"),
                None if q.rounding => "rounding".into(),
                None => "—".into(),
            };
            text.push_str(&format!("{cell:>14}"));
        }
        text.push('\n');
    }
    text
}
