//! `extremal`: the extremal of ∫ₐᵇ L(t, x, x′) dt under boundary conditions and integral
//! constraints, by the spectral method or the direct method (with levels and the observed order).

use crate::error::{CliError, Context};
use crate::input::{parse_expr, parse_expr_in, parse_grid, parse_params};
use crate::output::{Output, fmt_num, table};
use clap::{Args, ValueEnum};
use flipshift_continuous::{Boundary, ContinuousError, Expr, Extremal, ExtremalSolution, Interval};
use flipshift_discrete::{DirectLevels, DirectMethod, DirectSolution, DiscreteError};
use serde_json::json;

/// How the extremal is found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Method {
    /// Newton's method on the Euler–Lagrange equation in Chebyshev collocation, refined until the
    /// coefficients decay.
    Spectral,
    /// The discretised functional (midpoint rule) made stationary on N intervals.
    Direct,
}

/// Arguments of `extremal`.
#[derive(Debug, Args)]
pub struct ExtremalArgs {
    /// The Lagrangian L(t, x, xp), xp standing for x′.
    #[arg(long, allow_hyphen_values = true)]
    lagrangian: String,
    /// The interval [a, b]: A,B with a < b.
    #[arg(long, value_name = "A,B", allow_hyphen_values = true)]
    interval: String,
    /// The left boundary condition: a value x(a), or free (∂L/∂x′ = 0 at a).
    #[arg(long, value_name = "V|free", allow_hyphen_values = true)]
    left: String,
    /// The right boundary condition: a value x(b), or free (∂L/∂x′ = 0 at b).
    #[arg(long, value_name = "V|free", allow_hyphen_values = true)]
    right: String,
    /// An integral constraint ∫ₐᵇ g(t, x, xp) dt = C, written 'g=C' (repeatable); its Lagrange
    /// multiplier is reported.
    #[arg(long = "constraint", value_name = "EXPR=C", allow_hyphen_values = true)]
    constraints: Vec<String>,
    /// The kernel h(t) of the data term ½∫(h*x − y)² dt (with --y; x is zero outside [a, b]).
    #[arg(long, allow_hyphen_values = true, requires = "y")]
    h: Option<String>,
    /// The data y(t) of the data term (with --h).
    #[arg(long, allow_hyphen_values = true, requires = "h")]
    y: Option<String>,
    /// The method: spectral (default) or direct.
    #[arg(long, value_enum, default_value_t = Method::Spectral)]
    method: Method,
    /// Intervals: the direct method's N (default 64; with --levels, the coarsest), or the
    /// spectral method's first N (default 16; doubled until the coefficients decay).
    #[arg(long)]
    n: Option<usize>,
    /// With --method direct: solve on N, 2N, ..., (K levels) and report the errors against the
    /// spectral extremal and the observed order.
    #[arg(long, value_name = "K")]
    levels: Option<usize>,
    /// The starting path x(t) of Newton's method (default: the line between the boundary
    /// values, with a bump that meets the first constraint).
    #[arg(long, allow_hyphen_values = true)]
    guess: Option<String>,
    /// Where to report x(t) (default a:b:101).
    #[arg(long, allow_hyphen_values = true)]
    t: Option<String>,
    /// Bind a name used in expressions: NAME=VALUE (repeatable).
    #[arg(long = "param", value_name = "NAME=VALUE")]
    params: Vec<String>,
}

const LAGRANGIAN_VARS: [&str; 3] = ["t", "x", "xp"];

/// `g=C` → (g, C), refusing a right side that is not a constant.
fn parse_constraint(spec: &str, params: &[(String, f64)]) -> Result<(Expr, f64), CliError> {
    let Some(eq) = spec.rfind('=') else {
        return Err(CliError::arg(
            "--constraint",
            format!("'{spec}' is not of the form g=C (e.g. 'sqrt(1+xp^2)=2.5')"),
        ));
    };
    let (lhs, rhs) = (&spec[..eq], &spec[eq + 1..]);
    let g = parse_expr_in("--constraint", lhs, &LAGRANGIAN_VARS, params)?;
    let c = parse_expr_in("--constraint", rhs, &LAGRANGIAN_VARS, params)?;
    match c.constant_value() {
        Some(v) if v.is_finite() => Ok((g, v)),
        _ => Err(CliError::arg(
            "--constraint",
            format!(
                "the right side of '{spec}' must be a constant C (∫ₐᵇ g dt = C), got {}",
                c.to_unicode()
            ),
        )),
    }
}

fn boundary(option: &str, spec: &str) -> Result<Boundary, CliError> {
    spec.parse::<Boundary>()
        .map_err(|_| CliError::arg(option, format!("'{spec}' is neither a number nor 'free'")))
}

fn describe_end(name: &str, at: f64, b: Boundary) -> String {
    match b {
        Boundary::Value(v) => format!("x({}) = {}", fmt_num(at), fmt_num(v)),
        Boundary::Free => format!("{name} end free (∂L/∂x′ = 0 at t = {})", fmt_num(at)),
    }
}

/// The result object, filled by either method.
struct Report {
    method: &'static str,
    n: usize,
    grid: Vec<f64>,
    values: Vec<f64>,
    j: f64,
    residual: f64,
    multipliers: Vec<f64>,
    detail: String,
    extra: Vec<(&'static str, serde_json::Value)>,
}

fn values_on(grid: &[f64], f: impl Fn(f64) -> f64) -> Vec<f64> {
    grid.iter().map(|&t| f(t)).collect()
}

fn spectral_report(sol: &ExtremalSolution, grid: &[f64]) -> Report {
    Report {
        method: "spectral",
        n: sol.n(),
        grid: grid.to_vec(),
        values: values_on(grid, |t| sol.value_at(t)),
        j: sol.j,
        residual: sol.residual,
        multipliers: sol.multipliers.clone(),
        detail: format!(
            "spectral: Newton on the Euler–Lagrange equation in Chebyshev collocation, N = {} (tried {:?}), trailing coefficients {:.1e} of the largest, {} Newton iterations",
            sol.n(),
            sol.points_tried,
            sol.tail,
            sol.newton_iterations
        ),
        extra: vec![
            ("newton_iterations", json!(sol.newton_iterations)),
            ("tail", json!(sol.tail)),
            (
                "constraint_residuals",
                json!(
                    sol.constraint_residuals
                        .iter()
                        .map(|v| if v.is_finite() { json!(v) } else { json!(null) })
                        .collect::<Vec<_>>()
                ),
            ),
        ],
    }
}

fn direct_report(sol: &DirectSolution, grid: &[f64]) -> Report {
    Report {
        method: "direct",
        n: sol.n(),
        grid: grid.to_vec(),
        values: values_on(grid, |t| sol.value_at(t)),
        j: sol.j,
        residual: sol.residual,
        multipliers: sol.multipliers.clone(),
        detail: format!(
            "direct: the discretised functional (midpoint rule, central differences) made stationary by Newton on N = {} intervals (Δ = {}), {} Newton iterations; x between grid points by linear interpolation",
            sol.n(),
            fmt_num(sol.grid.dt()),
            sol.newton_iterations
        ),
        extra: vec![("newton_iterations", json!(sol.newton_iterations))],
    }
}

fn levels_extra(levels: &DirectLevels, report: &mut Report) {
    report.extra.push(("intervals", json!(levels.intervals)));
    report.extra.push(("deltas", json!(levels.deltas)));
    report.extra.push(("errors", json!(levels.errors)));
    report.extra.push(("order", json!(levels.order)));
    report.extra.push(("floor", json!(levels.floor)));
    report.detail.push_str(&format!(
        "\nerrors against the spectral extremal, max over the grid points |x_j − x(t_j)|:\n{}observed order {}",
        table(
            &["N", "Δ", "error"],
            &[
                &levels.intervals.iter().map(|&n| n as f64).collect::<Vec<_>>(),
                &levels.deltas,
                &levels.errors,
            ],
        ),
        levels
            .order
            .map_or("— (the errors reached rounding)".into(), |p| format!("{p:.3}"))
    ));
}

/// `flipshift extremal`.
pub fn extremal(a: &ExtremalArgs) -> Result<Output, CliError> {
    let params = parse_params(&a.params)?;
    let l = parse_expr_in("--lagrangian", &a.lagrangian, &LAGRANGIAN_VARS, &params)?;
    let (lo, hi) = match parse_grid("--interval", &a.interval)?.as_slice() {
        [lo, hi] => (*lo, *hi),
        other => {
            return Err(CliError::arg(
                "--interval",
                format!("expected two numbers A,B, got {}", other.len()),
            ));
        }
    };
    if lo >= hi {
        return Err(CliError::arg(
            "--interval",
            format!("need a < b, got [{}, {}]", fmt_num(lo), fmt_num(hi)),
        ));
    }
    let interval = Interval::new(lo, hi).context("--interval")?;
    let left = boundary("--left", &a.left)?;
    let right = boundary("--right", &a.right)?;
    let mut problem = Extremal::new(l.clone(), interval, left, right).context("--lagrangian")?;
    for spec in &a.constraints {
        let (g, value) = parse_constraint(spec, &params)?;
        problem = problem.with_constraint(g, value).context("--constraint")?;
    }
    if let (Some(hs), Some(ys)) = (&a.h, &a.y) {
        let h = parse_expr("--h", hs, &params)?;
        let y = parse_expr("--y", ys, &params)?;
        problem = problem.with_data_term(h, y).context("--h")?;
    }
    if let Some(gs) = &a.guess {
        problem = problem
            .with_guess(parse_expr("--guess", gs, &params)?)
            .context("--guess")?;
    }
    problem.check_well_posed().context("--lagrangian")?;
    let grid = match &a.t {
        Some(ts) => parse_grid("--t", ts)?,
        None => (0..=100)
            .map(|i| lo + (hi - lo) * f64::from(i) / 100.0)
            .collect(),
    };
    if let Some(bad) = grid.iter().find(|t| !interval.contains(**t)) {
        return Err(CliError::arg(
            "--t",
            format!(
                "{} lies outside [{}, {}], where the extremal lives",
                fmt_num(*bad),
                fmt_num(lo),
                fmt_num(hi)
            ),
        ));
    }
    if a.levels.is_some() && a.method != Method::Direct {
        return Err(CliError::Usage {
            message: "--levels goes with --method direct (the spectral method refines itself)"
                .into(),
        });
    }
    if let Some(n) = a.n
        && !(2..=100_000).contains(&n)
    {
        return Err(CliError::arg(
            "--n",
            format!("need 2 ≤ N ≤ 100000, got {n}"),
        ));
    }
    if let Some(k) = a.levels
        && !(1..=12).contains(&k)
    {
        return Err(CliError::arg(
            "--levels",
            format!("need 1 ≤ K ≤ 12, got {k}"),
        ));
    }
    if a.method == Method::Spectral
        && let Some(n) = a.n
    {
        problem.params.initial_points = n;
        problem.params.max_points = problem.params.max_points.max(n);
    }

    let header = {
        let mut s = format!(
            "extremal of J[x] = ∫ L(t, x, x′) dt on [{}, {}], L = {}",
            fmt_num(lo),
            fmt_num(hi),
            l.to_unicode()
        );
        if let (Some(hs), Some(ys)) = (&a.h, &a.y) {
            s.push_str(&format!(" + ½∫(h*x − y)² dt, h = {hs}, y = {ys}"));
        }
        s.push_str(&format!(
            "\n{}; {}\n",
            describe_end("left", lo, left),
            describe_end("right", hi, right)
        ));
        for (g, value) in problem.constraints() {
            s.push_str(&format!(
                "constraint ∫ {} dt = {}\n",
                g.to_unicode(),
                fmt_num(*value)
            ));
        }
        s.push_str(&format!(
            "Euler–Lagrange: ∂L/∂x − d/dt ∂L/∂x′ = {}\n",
            problem.euler_lagrange().to_unicode()
        ));
        s
    };
    let el = problem.euler_lagrange();
    let outcome: Result<Report, (Report, String)> = match a.method {
        Method::Spectral => match problem.solve() {
            Ok(sol) => Ok(spectral_report(&sol, &grid)),
            Err(ContinuousError::NoExtremal { reason, best, .. }) => {
                Err((spectral_report(&best, &grid), reason))
            }
            Err(e) => return Err(CliError::from(e)),
        },
        Method::Direct => {
            let n = a.n.unwrap_or(64);
            let run = match a.levels {
                None => problem.solve_direct(n).map(|s| (s, None)),
                Some(k) => {
                    let spectral = problem.solve().map_err(|e| match e {
                        ContinuousError::NoExtremal { reason, .. } => CliError::Usage {
                            message: format!(
                                "the errors of --levels are measured against the spectral extremal, which was not found: {reason}"
                            ),
                        },
                        other => CliError::from(other),
                    })?;
                    problem
                        .direct_levels(&spectral, n, k)
                        .map(|lv| (lv.solutions.last().cloned(), Some(lv)))
                        .and_then(|(s, lv)| {
                            s.map(|s| (s, lv))
                                .ok_or(DiscreteError::Empty { what: "levels" })
                        })
                }
            };
            match run {
                Ok((sol, lv)) => {
                    let mut r = direct_report(&sol, &grid);
                    if let Some(lv) = &lv {
                        levels_extra(lv, &mut r);
                    }
                    Ok(r)
                }
                Err(DiscreteError::NoExtremal { reason, best, .. }) => {
                    Err((direct_report(&best, &grid), reason))
                }
                Err(e) => return Err(CliError::from(e)),
            }
        }
    };
    let (report, failure) = match outcome {
        Ok(r) => (r, None),
        Err((r, why)) => (r, Some(why)),
    };
    let build = |report: &Report| -> Result<Output, CliError> {
        let mut out = Output::vector("extremal", &report.values)?
            .numbers("grid", &report.grid)?
            .number("J", report.j)?
            .field("method", json!(report.method))
            .field("n", json!(report.n))
            .numbers("multipliers", &report.multipliers)?
            .field("symbolic", json!(el.to_unicode()))
            .field("latex", json!(el.to_latex()));
        // The residual of a failed solve may be infinite; JSON has no such number.
        out = if report.residual.is_finite() {
            out.number("residual", report.residual)?
        } else {
            out.field("residual", json!(null))
        };
        for (k, v) in &report.extra {
            out = out.field(k, v.clone());
        }
        let mut text = header.clone();
        text.push_str(&report.detail);
        text.push('\n');
        text.push_str(&format!(
            "J = {}   max |Euler–Lagrange expression| = {}\n",
            fmt_num(report.j),
            fmt_num(report.residual)
        ));
        for (i, m) in report.multipliers.iter().enumerate() {
            text.push_str(&format!("multiplier μ{} = {}\n", i + 1, fmt_num(*m)));
        }
        text.push_str(&table(&["t", "x(t)"], &[&report.grid, &report.values]));
        Ok(out.with_text(text))
    };
    match failure {
        None => build(&report),
        Some(reason) => {
            // Exit 1 with the best iterate: its values may be unusable (non-finite), in which
            // case only the message is left.
            let message = format!(
                "no extremal found: {reason}; best iterate's Euler–Lagrange residual {}; try --guess, a larger --n, or another method",
                fmt_num(report.residual)
            );
            // A best iterate with non-finite values cannot be printed as numbers: then only
            // what the method and N were.
            let output = match build(&report) {
                Ok(out) => out,
                Err(_) => Output::vector("extremal", &[])?
                    .field("method", json!(report.method))
                    .field("n", json!(report.n))
                    .field("residual", json!(null)),
            };
            Err(CliError::Unmet {
                message,
                output: Box::new(output),
            })
        }
    }
}
