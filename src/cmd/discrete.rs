//! `conv`, `corr`, `jacobian`, `grad`, `solve`: the discrete commands.

use crate::error::CliError;
use crate::input::{parse_number, read_vector};
use crate::output::{Output, fmt_num};
use clap::Args;
use flipshift_discrete as d;
use serde_json::json;

/// Arguments of `conv` and `corr`.
#[derive(Debug, Args)]
pub struct ConvArgs {
    /// The signal x: .npy, .json, .csv/.txt, or - for a JSON array on standard input.
    #[arg(long)]
    x: String,
    /// The kernel h (same formats).
    #[arg(long)]
    h: String,
    /// full (length n+m−1), same (length n), valid (length max(n,m) − min(n,m) + 1) or
    /// circular (length n, h of length m ≤ n padded with zeros and wrapped: H circulant).
    #[arg(long, default_value = "full")]
    mode: String,
    /// auto (by a cost model), direct (the O(nm) sum) or fft (circular mode always uses the FFT).
    #[arg(long, default_value = "auto")]
    method: String,
}

/// Arguments of `jacobian`.
#[derive(Debug, Args)]
pub struct JacobianArgs {
    /// The kernel h.
    #[arg(long)]
    h: String,
    /// Length n of the signal x.
    #[arg(long, allow_hyphen_values = true)]
    n: String,
    /// full, same, valid or circular (n × n circulant, h of length m ≤ n).
    #[arg(long, default_value = "full")]
    mode: String,
    /// numerator (∂z/∂x = H, rows indexed by z) or denominator (Hᵀ, rows indexed by x).
    #[arg(long, default_value = "numerator")]
    layout: String,
}

/// Arguments of `grad`.
#[derive(Debug, Args)]
pub struct GradArgs {
    /// The signal x (length n).
    #[arg(long)]
    x: String,
    /// The kernel h (length m).
    #[arg(long)]
    h: String,
    /// The target y (length n + m − 1; n in circular mode).
    #[arg(long)]
    y: String,
    /// full (z = h * x of length n + m − 1) or circular (z = Hx with H circulant, length n).
    #[arg(long, default_value = "full")]
    mode: String,
}

/// Arguments of `solve`.
#[derive(Debug, Args)]
pub struct SolveArgs {
    /// The kernel h (length m).
    #[arg(long)]
    h: String,
    /// The data y (length N); the solution has length N − m + 1.
    #[arg(long)]
    y: String,
    /// Tikhonov weight λ ≥ 0.
    #[arg(long, default_value = "0", allow_hyphen_values = true)]
    lambda: String,
    /// auto, levinson, banded, cg or dense (full mode; circular mode divides in the Fourier
    /// domain).
    #[arg(long, default_value = "auto")]
    method: String,
    /// full (y = h * x, x of length N − m + 1) or circular (y = Hx with H circulant, x of
    /// length N: solved exactly by division by the DFT of h).
    #[arg(long, default_value = "full")]
    mode: String,
}

fn parse_enum<T: std::str::FromStr>(option: &str, s: &str, accepted: &str) -> Result<T, CliError> {
    s.parse()
        .map_err(|_| CliError::arg(option, format!("'{s}' is not one of {accepted}")))
}

fn mode(s: &str) -> Result<d::Mode, CliError> {
    parse_enum("--mode", s, "full, same, valid, circular")
}

/// `--mode` of `grad` and `solve`: true for circular, false for full.
fn circular_or_full(s: &str) -> Result<bool, CliError> {
    match s {
        "full" => Ok(false),
        "circular" => Ok(true),
        _ => Err(CliError::arg(
            "--mode",
            format!("'{s}' is not one of full, circular"),
        )),
    }
}

fn method(s: &str) -> Result<d::Method, CliError> {
    parse_enum("--method", s, "auto, direct, fft")
}

/// The 2-norm, scaled so that it overflows only when it is itself beyond the double range.
fn norm2(v: &[f64]) -> f64 {
    let big = v.iter().fold(0.0f64, |a, x| a.max(x.abs()));
    if big == 0.0 {
        return 0.0;
    }
    big * v.iter().map(|x| (x / big) * (x / big)).sum::<f64>().sqrt()
}

/// `flipshift conv`.
pub fn conv(a: &ConvArgs) -> Result<Output, CliError> {
    let circular = a.mode == "circular";
    let (mode, method) = (
        if circular {
            d::Mode::Full
        } else {
            mode(&a.mode)?
        },
        method(&a.method)?,
    );
    let x = read_vector("--x", &a.x)?;
    let h = read_vector("--h", &a.h)?;
    let z = if circular {
        d::circular_convolve(&h, &x)?
    } else {
        d::convolve(&h, &x, mode, method)?
    };
    let head = format!(
        "z = h * x ({} mode, n = {}, m = {}, length {})",
        a.mode,
        x.len(),
        h.len(),
        z.len()
    );
    Ok(Output::from_values("conv", z)?
        .field("mode", json!(a.mode))
        .with_table(head))
}

/// `flipshift corr`.
pub fn corr(a: &ConvArgs) -> Result<Output, CliError> {
    let circular = a.mode == "circular";
    let (mode, method) = (
        if circular {
            d::Mode::Full
        } else {
            mode(&a.mode)?
        },
        method(&a.method)?,
    );
    let x = read_vector("--x", &a.x)?;
    let h = read_vector("--h", &a.h)?;
    // Circular: c = Hᵀx, c_k = Σ_j h_j x_{(k+j) mod n}, the adjoint of the circular convolution.
    let z = if circular {
        d::circular_correlate(&h, &x)?
    } else {
        d::correlate(&h, &x, mode, method)?
    };
    let head = format!(
        "correlation of x with h ({} mode, n = {}, m = {}, length {})",
        a.mode,
        x.len(),
        h.len(),
        z.len()
    );
    Ok(Output::from_values("corr", z)?
        .field("mode", json!(a.mode))
        .with_table(head))
}

/// `flipshift jacobian`.
pub fn jacobian(a: &JacobianArgs) -> Result<Output, CliError> {
    let circular = a.mode == "circular";
    let mode = if circular {
        d::Mode::Full
    } else {
        mode(&a.mode)?
    };
    let layout: d::Layout = parse_enum("--layout", &a.layout, "numerator, denominator")?;
    let n: usize =
        a.n.trim()
            .parse()
            .ok()
            .filter(|&n| n >= 1)
            .ok_or_else(|| CliError::arg("--n", format!("'{}' is not a length ≥ 1", a.n)))?;
    if n > 20_000 {
        return Err(CliError::arg(
            "--n",
            format!("{n} is too large for a dense matrix (at most 20000)"),
        ));
    }
    let h = read_vector("--h", &a.h)?;
    let jac = if circular {
        d::circular_jacobian(&h, n, layout)?
    } else {
        d::jacobian(&h, n, mode, layout)?
    };
    let rows: Vec<Vec<f64>> = jac
        .row_iter()
        .map(|r| r.iter().copied().collect())
        .collect();
    let mut text = format!(
        "{} of z = h * x ({} mode): {} × {}; each row of H is the flipped kernel, shifted{}\n",
        if a.layout == "denominator" {
            "Hᵀ = (∂z/∂x)ᵀ"
        } else {
            "H = ∂z/∂x"
        },
        a.mode,
        jac.nrows(),
        jac.ncols(),
        if circular {
            " and wrapped (circulant)"
        } else {
            ""
        }
    );
    for r in &rows {
        let line: Vec<String> = r.iter().map(|v| format!("{:>10}", fmt_num(*v))).collect();
        text.push_str(&line.join(" "));
        text.push('\n');
    }
    Ok(Output::matrix("jacobian", &rows)?
        .field("mode", json!(a.mode))
        .field("layout", json!(a.layout))
        .field("shape", json!([jac.nrows(), jac.ncols()]))
        .with_text(text))
}

/// `flipshift grad`.
pub fn grad(a: &GradArgs) -> Result<Output, CliError> {
    let circular = circular_or_full(&a.mode)?;
    let x = read_vector("--x", &a.x)?;
    let h = read_vector("--h", &a.h)?;
    let y = read_vector("--y", &a.y)?;
    let (g, j) = if circular {
        (
            d::circular_ls_gradient(&h, &x, &y)?,
            d::circular_ls_cost(&h, &x, &y)?,
        )
    } else {
        (d::ls_gradient(&h, &x, &y)?, d::ls_cost(&h, &x, &y)?)
    };
    let head = format!(
        "J = ½‖h*x − y‖² = {}{}\n∇J = Hᵀ(Hx − y), the correlation of h with the residual:",
        fmt_num(j),
        if circular {
            " (circular: H circulant)"
        } else {
            ""
        }
    );
    Ok(Output::from_values("grad", g)?
        .number("J", j)?
        .field("mode", json!(a.mode))
        .with_table(head))
}

/// `flipshift solve`.
pub fn solve(a: &SolveArgs) -> Result<Output, CliError> {
    let lambda = parse_number("--lambda", &a.lambda)?;
    if lambda < 0.0 {
        return Err(CliError::arg(
            "--lambda",
            format!("must be ≥ 0, got {lambda}"),
        ));
    }
    let method: d::SolveMethod =
        parse_enum("--method", &a.method, "auto, levinson, banded, cg, dense")?;
    let h = read_vector("--h", &a.h)?;
    let y = read_vector("--y", &a.y)?;
    if circular_or_full(&a.mode)? {
        return solve_circular(a, &h, &y, lambda);
    }
    let (x, info) = d::solve_normal(&h, &y, lambda, method)?;
    // ½λ‖x‖² as ½(√λ·‖x‖)²: no overflow or underflow in the squares for extreme scales.
    let j = d::ls_cost(&h, &x, &y)? + 0.5 * (lambda.sqrt() * norm2(&x)).powi(2);
    let method_name = format!("{:?}", info.method).to_lowercase();
    let mut text = format!(
        "x = argmin ½‖h*x − y‖² + ½λ‖x‖², λ = {} ({} solver",
        fmt_num(lambda),
        method_name
    );
    if let Some(it) = info.iterations {
        text.push_str(&format!(", {it} iterations"));
    }
    text.push_str(&format!(
        ", normal-equation residual {})\nJ = {}\nx:",
        fmt_num(info.residual_norm),
        fmt_num(j)
    ));
    let mut out = Output::from_values("solve", x)?
        .number("J", j)?
        .field("solver", json!(method_name))
        .number("residual_norm", info.residual_norm)?;
    if let Some(it) = info.iterations {
        out = out.field("iterations", json!(it));
    }
    Ok(out.with_table(text))
}

/// `flipshift solve --mode circular`: the normal equations diagonalised by the DFT.
fn solve_circular(a: &SolveArgs, h: &[f64], y: &[f64], lambda: f64) -> Result<Output, CliError> {
    if a.method != "auto" {
        return Err(CliError::arg(
            "--method",
            format!(
                "'{}' is a Toeplitz solver; circular mode solves by division in the Fourier domain (leave --method auto)",
                a.method
            ),
        ));
    }
    let (x, info) = d::circular_solve(h, y, lambda)?;
    let j = d::circular_ls_cost(h, &x, y)? + 0.5 * (lambda.sqrt() * norm2(&x)).powi(2);
    let (k, weakest) = info.weakest;
    let text = format!(
        "x = argmin ½‖Hx − y‖² + ½λ‖x‖², H circulant, λ = {}: x̂_k = conj(ĥ_k)·ŷ_k / (|ĥ_k|² + λ) (fourier solver, normal-equation residual {})\ncondition number of HᵀH + λI {}; smallest |ĥ_k| = {} at k = {k}\nJ = {}\nx:",
        fmt_num(lambda),
        fmt_num(info.residual_norm),
        fmt_num(info.condition),
        fmt_num(weakest),
        fmt_num(j)
    );
    Ok(Output::from_values("solve", x)?
        .number("J", j)?
        .field("solver", json!("fourier"))
        .field("mode", json!("circular"))
        .number("residual_norm", info.residual_norm)?
        .number("condition", info.condition)?
        .field("weakest_frequency", json!(k))
        .with_table(text))
}
