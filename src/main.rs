//! The `flipshift` command line: a thin layer that parses arguments, calls the libraries and
//! prints. See `docs/cli.md` for the contract.

mod assets;
mod cmd;
mod error;
mod input;
mod npy;
mod output;

use clap::{Parser, Subcommand, ValueEnum};
use error::CliError;
use output::Output;
use serde_json::json;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

/// Derivatives of convolutions, continuous and discrete: computed, shown and proved.
///
/// δz(t0)/δx(τ) = h(t0 − τ) for z = h*x; the Jacobian of z = Hx is the Toeplitz matrix H, and
/// the gradient of ½‖h*x − y‖² is Hᵀ(Hx − y), the correlation of h with the residual.
#[derive(Debug, Parser)]
#[command(name = "flipshift", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Output format: text for people, json (one object on standard output) for scripts.
    #[arg(long, value_enum, default_value_t = Format::Text, global = true)]
    format: Format,
}

/// `--out FILE.npy`, shared by every command that returns values.
#[derive(Debug, clap::Args)]
struct NpyOut {
    /// Write the values to this float64 .npy file, and print a summary of them (length, min,
    /// max, norm) instead of the values.
    #[arg(long, value_name = "FILE.npy")]
    out: Option<PathBuf>,
}

/// How results are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Text for people.
    Text,
    /// One JSON object.
    Json,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// h * x for vectors (discrete convolution, SciPy's modes).
    Conv {
        #[command(flatten)]
        args: cmd::discrete::ConvArgs,
        #[command(flatten)]
        npy: NpyOut,
    },
    /// Correlation of x with h (scipy.signal.correlate(x, h)).
    Corr {
        #[command(flatten)]
        args: cmd::discrete::ConvArgs,
        #[command(flatten)]
        npy: NpyOut,
    },
    /// The Jacobian of z = h * x with respect to x: H (numerator layout) or Hᵀ (denominator).
    Jacobian {
        #[command(flatten)]
        args: cmd::discrete::JacobianArgs,
        #[command(flatten)]
        npy: NpyOut,
    },
    /// Hᵀ(Hx − y), the gradient of ½‖h*x − y‖² (full mode).
    Grad {
        #[command(flatten)]
        args: cmd::discrete::GradArgs,
        #[command(flatten)]
        npy: NpyOut,
    },
    /// argmin ½‖h*x − y‖² + ½λ‖x‖² by the normal equations.
    Solve {
        #[command(flatten)]
        args: cmd::discrete::SolveArgs,
        #[command(flatten)]
        npy: NpyOut,
    },
    /// An expression evaluated on a grid.
    Eval {
        #[command(flatten)]
        args: cmd::continuous::EvalArgs,
        #[command(flatten)]
        npy: NpyOut,
    },
    /// z(t) = (h*x)(t): in closed form when h and x belong to a family closed under convolution,
    /// otherwise by adaptive quadrature with an error estimate.
    Convolve {
        #[command(flatten)]
        args: cmd::continuous::ConvolveArgs,
        #[command(flatten)]
        npy: NpyOut,
    },
    /// δz(t0)/δx(τ) = h(t0 − τ): symbolic form and values.
    Derivative {
        #[command(flatten)]
        args: cmd::continuous::DerivativeArgs,
        #[command(flatten)]
        npy: NpyOut,
    },
    /// δJ/δx(s) for J[x] = ½∫((h*x)(t) − y(t))² dt, and J.
    Lsgrad {
        #[command(flatten)]
        args: cmd::continuous::LsgradArgs,
        #[command(flatten)]
        npy: NpyOut,
    },
    /// ∂L/∂x − d/dt ∂L/∂x′ for a Lagrangian L(t, x, xp).
    EulerLagrange {
        #[command(flatten)]
        args: cmd::continuous::EulerLagrangeArgs,
        #[command(flatten)]
        npy: NpyOut,
    },
    /// Continuous against discrete answers over a sequence of spacings: errors and orders.
    Check {
        #[command(flatten)]
        args: cmd::check::CheckArgs,
        #[command(flatten)]
        npy: NpyOut,
    },
    /// A functional J[x] = ∫G(t, (h*x)(t)) dt + ∫L(t, x, x′) dt: its value, its gradient δJ/δx
    /// symbolically and at --s, Hessian-vector products, and a Gateaux check.
    Functional {
        #[command(flatten)]
        args: cmd::variational::FunctionalArgs,
        #[command(flatten)]
        npy: NpyOut,
    },
    /// The kernel a = Rh * h of the least-squares Hessian HᵀH (exact where a closed form
    /// exists).
    HessianKernel {
        #[command(flatten)]
        args: cmd::variational::HessianKernelArgs,
        #[command(flatten)]
        npy: NpyOut,
    },
    /// Blur a signal with a Gaussian, add seeded noise, and recover it with Tikhonov and with
    /// smoothed total variation: the reconstruction errors, iterations and costs.
    Deconvolve {
        #[command(flatten)]
        args: cmd::variational::DeconvolveArgs,
        #[command(flatten)]
        npy: NpyOut,
    },
    /// An extremal of J[x] = ∫ₐᵇ L(t, x, x′) dt (plus ½∫(h*x − y)² dt) under boundary conditions
    /// and integral constraints, by the spectral or the direct method.
    Extremal {
        #[command(flatten)]
        args: cmd::extremal::ExtremalArgs,
        #[command(flatten)]
        npy: NpyOut,
    },
    /// The whole story of the question, printed and drawn.
    Demo(cmd::demo::DemoArgs),
    /// The convolution lab: a local web page where t0 slides the reversed kernel across the
    /// signal, served with a JSON API that answers as the commands do (loopback only by
    /// default).
    Lab(cmd::lab::LabArgs),
}

impl Command {
    /// The subcommand's name as typed.
    fn name(&self) -> &'static str {
        match self {
            Command::Conv { .. } => "conv",
            Command::Corr { .. } => "corr",
            Command::Jacobian { .. } => "jacobian",
            Command::Grad { .. } => "grad",
            Command::Solve { .. } => "solve",
            Command::Eval { .. } => "eval",
            Command::Convolve { .. } => "convolve",
            Command::Derivative { .. } => "derivative",
            Command::Lsgrad { .. } => "lsgrad",
            Command::EulerLagrange { .. } => "euler-lagrange",
            Command::Check { .. } => "check",
            Command::Functional { .. } => "functional",
            Command::HessianKernel { .. } => "hessian-kernel",
            Command::Deconvolve { .. } => "deconvolve",
            Command::Extremal { .. } => "extremal",
            Command::Demo(_) => "demo",
            Command::Lab(_) => "lab",
        }
    }
}

/// A number for JSON, or null where it is not finite (JSON has no NaN).
fn finite_or_null(v: f64) -> serde_json::Value {
    if v.is_finite() {
        json!(v)
    } else {
        serde_json::Value::Null
    }
}

fn run(cli: &Cli) -> Result<Output, CliError> {
    let (out, npy) = match &cli.command {
        Command::Conv { args, npy } => (cmd::discrete::conv(args), npy),
        Command::Corr { args, npy } => (cmd::discrete::corr(args), npy),
        Command::Jacobian { args, npy } => (cmd::discrete::jacobian(args), npy),
        Command::Grad { args, npy } => (cmd::discrete::grad(args), npy),
        Command::Solve { args, npy } => (cmd::discrete::solve(args), npy),
        Command::Eval { args, npy } => (cmd::continuous::eval(args), npy),
        Command::Convolve { args, npy } => (cmd::continuous::convolve(args), npy),
        Command::Derivative { args, npy } => (cmd::continuous::derivative(args), npy),
        Command::Lsgrad { args, npy } => (cmd::continuous::lsgrad(args), npy),
        Command::EulerLagrange { args, npy } => (cmd::continuous::euler_lagrange(args), npy),
        Command::Check { args, npy } => (cmd::check::check(args, cli.format), npy),
        Command::Functional { args, npy } => (cmd::variational::functional(args), npy),
        Command::HessianKernel { args, npy } => (cmd::variational::hessian_kernel(args), npy),
        Command::Deconvolve { args, npy } => (cmd::variational::deconvolve(args, cli.format), npy),
        Command::Extremal { args, npy } => (cmd::extremal::extremal(args), npy),
        Command::Demo(a) => return cmd::demo::demo(a, cli.format),
        Command::Lab(a) => return cmd::lab::lab(a),
    };
    let mut out = out?;
    if let (Some(path), Some((shape, data))) = (&npy.out, out.npy()) {
        npy::write(path, shape, data)?;
        // The values are in the file: print what they are, not all of them.
        out.summarise(path);
    }
    Ok(out)
}

/// What one invocation of the command line produced: the exit status, what goes to standard
/// output (formatted as `--format` asked), the JSON object where there is one (also on exit 1,
/// with its `"error"` field), and the error message (without the `error: ` prefix).
///
/// The CLI prints it; `lab`'s API answers with it. One function makes both, so the API returns
/// exactly what `flipshift COMMAND --format json` prints.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// 0 success, 1 a tolerance not met (best values printed), 2 bad input.
    pub status: u8,
    /// What is printed, without the final newline (empty when nothing is): on standard output,
    /// except for the help shown when no command is given (status 2, no error message), which
    /// goes to standard error.
    pub printed: String,
    /// The JSON object, when the command got far enough to have one.
    pub json: Option<serde_json::Value>,
    /// The one-line message for standard error.
    pub error: Option<String>,
}

/// Parse `args` (the program name first, as in `std::env::args`) and run the command.
pub fn execute<I, T>(args: I) -> Outcome
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            use clap::error::ErrorKind;
            if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion)
                || e.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
            {
                let status = if e.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
                    2
                } else {
                    0
                };
                return Outcome {
                    status,
                    printed: e.render().to_string().trim_end().to_string(),
                    json: None,
                    error: None,
                };
            }
            // The contract: one line on standard error that begins with `error:`.
            // clap's message may continue on indented lines (the missing arguments): join them.
            let rendered = e.render().to_string();
            let mut lines = rendered.lines().skip_while(|l| l.trim().is_empty());
            let mut msg = lines
                .next()
                .unwrap_or("error: invalid arguments")
                .to_string();
            for l in lines.take_while(|l| !l.trim().is_empty() && l.starts_with(' ')) {
                msg.push(' ');
                msg.push_str(l.trim());
            }
            let msg = msg.strip_prefix("error: ").unwrap_or(&msg).to_string();
            return Outcome {
                status: 2,
                printed: String::new(),
                json: None,
                error: Some(msg),
            };
        }
    };
    match run(&cli) {
        Ok(out) => {
            let json = out.json();
            let printed = match cli.format {
                Format::Json => json.to_string(),
                Format::Text => out.render_text().trim_end().to_string(),
            };
            Outcome {
                status: 0,
                printed,
                json: Some(json),
                error: None,
            }
        }
        Err(e) => {
            let msg = e.to_string().replace('\n', " ");
            // Exit 1 (a tolerance not met) still prints the result as far as it got: the whole
            // JSON object with an "error" field, or the text with the best values.
            let (json, text) = match &e {
                CliError::Unmet { output, .. } => (
                    Some(output.as_ref().clone().field("error", json!(msg)).json()),
                    output.render_text().trim_end().to_string(),
                ),
                CliError::Continuous {
                    source:
                        flipshift_continuous::ContinuousError::NoConvergence {
                            estimate,
                            error_estimate,
                            ..
                        },
                    ..
                } => (
                    Some(json!({
                        "command": cli.command.name(),
                        "values": [finite_or_null(*estimate)],
                        "error_estimate": finite_or_null(*error_estimate),
                        "error": msg,
                    })),
                    format!(
                        "{} ± {}",
                        output::fmt_num(*estimate),
                        output::fmt_num(*error_estimate)
                    ),
                ),
                _ => (None, String::new()),
            };
            let printed = match (&json, cli.format) {
                (Some(j), Format::Json) => j.to_string(),
                (Some(_), Format::Text) => text,
                (None, _) => String::new(),
            };
            Outcome {
                status: u8::try_from(e.exit_code()).unwrap_or(2),
                printed,
                json,
                error: Some(msg),
            }
        }
    }
}

fn main() -> ExitCode {
    let outcome = execute(std::env::args_os());
    if outcome.status != 0 && outcome.error.is_none() {
        eprintln!("{}", outcome.printed);
    } else if !outcome.printed.is_empty() {
        // A closed pipe (e.g. `| head`) is not an error worth a panic.
        let _ = writeln!(std::io::stdout().lock(), "{}", outcome.printed);
    }
    if let Some(msg) = &outcome.error {
        eprintln!("error: {msg}");
    }
    ExitCode::from(outcome.status)
}
