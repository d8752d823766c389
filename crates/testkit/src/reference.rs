//! Reference values computed at high precision outside Rust (mpmath at 40 digits), committed
//! under `crates/testkit/data/` together with the scripts that made them
//! (`crates/testkit/reference/`).

use serde_json::Value;
use std::path::{Path, PathBuf};

/// One convolution $z(t) = (h*x)(t)$ with its reference value.
#[derive(Debug, Clone, PartialEq)]
pub struct ConvCase {
    /// The kernel, in the expression grammar.
    pub h: String,
    /// The signal.
    pub x: String,
    /// The point.
    pub t: f64,
    /// The relative tolerance to ask for.
    pub tol: f64,
    /// The families of `h` and `x` as the generator drew them.
    pub families: [String; 2],
    /// The reference value, rounded to the nearest double.
    pub value: f64,
    /// $\int |h(t - \tau)\\, x(\tau)|\\, d\tau$, rounded to the nearest double.
    pub abs_integral: f64,
}

/// The directory of the committed reference data.
pub fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data")
}

fn num(v: &Value, key: &str) -> Result<f64, String> {
    match &v[key] {
        Value::Number(n) => n.as_f64().ok_or_else(|| format!("{key}: not a number")),
        // Long decimals are stored as strings; the nearest double is close enough here, and
        // callers allow half an ulp of it.
        Value::String(s) => s.parse::<f64>().map_err(|e| format!("{key}: {e}")),
        other => Err(format!("{key}: unexpected {other}")),
    }
}

fn text(v: &Value, key: &str) -> Result<String, String> {
    v[key]
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| format!("{key}: not a string"))
}

/// Read convolution cases from a file written by `reference/convolutions.py`.
///
/// # Errors
/// The file cannot be read or is not in the generator's format.
pub fn conv_cases(path: &Path) -> Result<Vec<ConvCase>, String> {
    let raw = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let doc: Value = serde_json::from_str(&raw).map_err(|e| format!("{}: {e}", path.display()))?;
    let cases = doc["cases"]
        .as_array()
        .ok_or_else(|| "no \"cases\" array".to_string())?;
    cases
        .iter()
        .map(|c| {
            let fam = c["families"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .map(|f| f.as_str().unwrap_or("").to_string())
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default();
            Ok(ConvCase {
                h: text(c, "h")?,
                x: text(c, "x")?,
                t: num(c, "t")?,
                tol: num(c, "tol")?,
                families: [
                    fam.first().cloned().unwrap_or_default(),
                    fam.get(1).cloned().unwrap_or_default(),
                ],
                value: num(c, "value")?,
                abs_integral: num(c, "abs_integral")?,
            })
        })
        .collect()
}

/// Half an ulp of `x`: the rounding of a reference value to the nearest double.
pub fn half_ulp(x: f64) -> f64 {
    if x == 0.0 {
        0.0
    } else {
        let a = x.abs();
        (a.next_up() - a) * 0.5
    }
}
