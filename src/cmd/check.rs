//! `check`: continuous against discrete answers over a sequence of spacings.

use crate::Format;
use crate::error::{CliError, Context};
use crate::input::{parse_expr, parse_params};
use crate::output::{Output, finite_array};
use clap::Args;
use flipshift_continuous::SharedFn;
use flipshift_discrete::{CheckParams, Quantity, Rule, check_agreement};
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
        return super::dirac::check(&a.h, &a.x, a.y.as_deref(), rule, levels, &params);
    }
    let h = compile("--h", &a.h, &params)?;
    let x = compile("--x", &a.x, &params)?;
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

    let mut errors = Map::new();
    let mut orders = Map::new();
    let mut rounding = Map::new();
    for q in &report.quantities {
        errors.insert(
            q.quantity.name().into(),
            finite_array(q.quantity.name(), &q.errors)?,
        );
        orders.insert(
            q.quantity.name().into(),
            q.order
                .filter(|p| p.is_finite())
                .map_or(Value::Null, |p| json!(p)),
        );
        rounding.insert(q.quantity.name().into(), json!(q.rounding));
    }

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
    text.push_str(&format!("{:>12}", "Δ"));
    for q in Quantity::ALL {
        text.push_str(&format!("{:>14}", q.name()));
    }
    text.push('\n');
    for (i, d) in report.deltas.iter().enumerate() {
        text.push_str(&format!("{d:>12.6}"));
        for q in &report.quantities {
            let e = q.errors.get(i).copied().unwrap_or(f64::NAN);
            let mark = if e <= q.floor { "*" } else { " " };
            text.push_str(&format!("{:>13.3e}{mark}", e));
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
    text.push_str("\n(* = at rounding level: no order is fitted to noise)\n");
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
