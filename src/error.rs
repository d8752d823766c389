//! The command line's error type: what went wrong, where, and which exit status it earns.

use crate::output::Output;
use flipshift_continuous::ContinuousError;
use flipshift_discrete::DiscreteError;
use std::path::Path;

/// Everything a command can fail with.
///
/// Bad input exits with status 2; an integral that could not reach `--tol` exits with status 1
/// after printing its best value.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// An option's value is malformed or out of range.
    #[error("{option}: {reason}")]
    BadArgument {
        /// The option, e.g. `--t`.
        option: String,
        /// What was wrong and what is accepted.
        reason: String,
    },
    /// A file that cannot be read or written.
    #[error("{path}: {reason}")]
    BadFile {
        /// The path as given.
        path: String,
        /// What was wrong.
        reason: String,
    },
    /// A usage problem that is not tied to one option.
    #[error("{message}")]
    Usage {
        /// What to change.
        message: String,
    },
    /// An error from the continuous engine (bad expression, divergent integral, ...).
    #[error("{context}{source}")]
    Continuous {
        /// Which argument the error came from (`--h: `), or empty.
        context: String,
        /// The engine's error.
        source: ContinuousError,
    },
    /// An error from the discrete engine.
    #[error("{0}")]
    Discrete(#[from] DiscreteError),
    /// A result that was computed but misses the requested accuracy somewhere (exit 1): the
    /// whole result with its best values and estimates, and what to change.
    #[error("{message}")]
    Unmet {
        /// What was missed, where, and which option to change.
        message: String,
        /// The result as far as it got: printed in full (with an `"error"` field in JSON).
        output: Box<Output>,
    },
    /// A result that is not finite (never printed as a number).
    #[error("the result is not finite ({what} = {value}); check the inputs' scale and domain")]
    NonFiniteResult {
        /// Which value.
        what: String,
        /// The value.
        value: f64,
    },
}

impl From<ContinuousError> for CliError {
    fn from(source: ContinuousError) -> Self {
        CliError::Continuous {
            context: String::new(),
            source,
        }
    }
}

impl CliError {
    /// An I/O failure on `path`.
    pub fn io(path: &Path, e: &std::io::Error) -> Self {
        CliError::BadFile {
            path: path.display().to_string(),
            reason: e.to_string().to_lowercase(),
        }
    }

    /// A bad value for `option`.
    pub fn arg(option: &str, reason: impl Into<String>) -> Self {
        CliError::BadArgument {
            option: option.to_string(),
            reason: reason.into(),
        }
    }

    /// The exit status this error earns: 1 when a tolerance could not be met, 2 otherwise.
    pub fn exit_code(&self) -> i32 {
        match self {
            CliError::Continuous {
                source: ContinuousError::NoConvergence { .. },
                ..
            }
            | CliError::Unmet { .. } => 1,
            _ => 2,
        }
    }
}

/// Attach the name of the argument an engine error came from.
pub trait Context<T> {
    /// Prefix the error with `option: `.
    fn context(self, option: &str) -> Result<T, CliError>;
}

impl<T> Context<T> for Result<T, ContinuousError> {
    fn context(self, option: &str) -> Result<T, CliError> {
        self.map_err(|source| CliError::Continuous {
            context: format!("{option}: "),
            source,
        })
    }
}
