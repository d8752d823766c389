//! Reading vectors, grids, expressions and parameters from the command line.

use crate::error::{CliError, Context};
use crate::npy;
use flipshift_continuous::{Expr, ParseOptions};
use std::io::Read;
use std::path::Path;

thread_local! {
    /// Set while the lab's API runs a command: vectors come inline, never from files.
    static INLINE_VECTORS: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Run `f` with vectors given inline — `1,2,3`, numbers separated by commas — instead of read
/// from files or standard input: the lab's API, which must not read the server's files.
pub fn with_inline_vectors<R>(f: impl FnOnce() -> R) -> R {
    INLINE_VECTORS.with(|c| c.set(true));
    let r = f();
    INLINE_VECTORS.with(|c| c.set(false));
    r
}

/// Read a vector for `option` from a path (`.npy`, `.json`, `.csv`, `.txt`) or `-` (a JSON array
/// on standard input) — or, under [`with_inline_vectors`], from the text itself (`1,2,3`). The
/// result is non-empty and finite.
pub fn read_vector(option: &str, spec: &str) -> Result<Vec<f64>, CliError> {
    let values = if INLINE_VECTORS.with(std::cell::Cell::get) {
        parse_delimited(spec).map_err(|r| {
            CliError::arg(
                option,
                format!("{r}; give the vector inline, numbers separated by commas (1,2,3)"),
            )
        })?
    } else if spec == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|e| CliError::arg(option, format!("cannot read standard input: {e}")))?;
        parse_json_array(&text)
            .map_err(|r| CliError::arg(option, format!("standard input: {r}")))?
    } else {
        let path = Path::new(spec);
        if !path.exists() && looks_inline(spec) {
            return Err(CliError::arg(
                option,
                format!(
                    "'{spec}' is not a file: vectors are read from a .npy, .json, .csv or .txt file, or as a JSON array from standard input with - (echo '[1, 2, 3]' | flipshift ... {option} -)"
                ),
            ));
        }
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .unwrap_or_default();
        match ext.as_str() {
            "npy" => npy::read_vector(path)?,
            "json" | "csv" | "txt" | "" => {
                let text = std::fs::read_to_string(path).map_err(|e| CliError::io(path, &e))?;
                let parsed = if ext == "json" {
                    parse_json_array(&text)
                } else {
                    parse_delimited(&text)
                };
                parsed.map_err(|reason| CliError::BadFile {
                    path: spec.to_string(),
                    reason,
                })?
            }
            other => {
                return Err(CliError::arg(
                    option,
                    format!(
                        "'{spec}': unknown file type '.{other}'; use .npy, .json, .csv or .txt, or - for standard input"
                    ),
                ));
            }
        }
    };
    check_vector(option, &values)?;
    Ok(values)
}

/// Whether `spec` looks like numbers typed inline (`[1, 0.5]`, `1,2,3`) rather than a path.
fn looks_inline(spec: &str) -> bool {
    let t = spec.trim();
    t.starts_with('[')
        || (t.contains(|c: char| c.is_ascii_digit())
            && t.chars()
                .all(|c| c.is_ascii_digit() || "+-.eE, ".contains(c)))
}

/// Non-empty and finite, or an error naming the first bad entry.
pub fn check_vector(option: &str, values: &[f64]) -> Result<(), CliError> {
    if values.is_empty() {
        return Err(CliError::arg(
            option,
            "the vector is empty; give at least one number",
        ));
    }
    if let Some((i, v)) = values.iter().enumerate().find(|(_, v)| !v.is_finite()) {
        return Err(CliError::arg(
            option,
            format!("entry {i} is {v}; every entry must be finite"),
        ));
    }
    Ok(())
}

fn parse_json_array(text: &str) -> Result<Vec<f64>, String> {
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| format!("not valid JSON: {e}"))?;
    let arr = value
        .as_array()
        .ok_or("expected a JSON array of numbers, like [1, 2.5, -3]")?;
    arr.iter()
        .enumerate()
        .map(|(i, v)| {
            v.as_f64()
                .ok_or_else(|| format!("entry {i} is {v}, not a number"))
        })
        .collect()
}

fn parse_delimited(text: &str) -> Result<Vec<f64>, String> {
    let mut out = Vec::new();
    for (line_no, line) in text.lines().enumerate() {
        for token in line
            .split(|c: char| c == ',' || c == ';' || c.is_whitespace())
            .filter(|s| !s.is_empty())
        {
            let v: f64 = token
                .parse()
                .map_err(|_| format!("line {}: '{token}' is not a number", line_no + 1))?;
            out.push(v);
        }
    }
    Ok(out)
}

/// A grid: `a:b:n` (n equally spaced points from a to b inclusive) or a comma list.
pub fn parse_grid(option: &str, spec: &str) -> Result<Vec<f64>, CliError> {
    let spec = spec.trim();
    if spec.is_empty() {
        return Err(CliError::arg(
            option,
            "the grid is empty; use a:b:n or a comma list",
        ));
    }
    let number = |s: &str, what: &str| -> Result<f64, CliError> {
        let v: f64 = s
            .trim()
            .parse()
            .map_err(|_| CliError::arg(option, format!("{what} '{}' is not a number", s.trim())))?;
        if !v.is_finite() {
            return Err(CliError::arg(
                option,
                format!("{what} must be finite, got {v}"),
            ));
        }
        Ok(v)
    };
    let grid = if spec.contains(':') {
        let parts: Vec<&str> = spec.split(':').collect();
        let [a, b, n] = parts.as_slice() else {
            return Err(CliError::arg(
                option,
                format!("'{spec}' is not a:b:n (start, end, number of points)"),
            ));
        };
        let (a, b) = (number(a, "start")?, number(b, "end")?);
        let n: usize = n.trim().parse().map_err(|_| {
            CliError::arg(
                option,
                format!("point count '{}' is not a whole number", n.trim()),
            )
        })?;
        match n {
            0 => return Err(CliError::arg(option, "the grid has 0 points; need n ≥ 1")),
            1 => vec![a],
            _ if n > 10_000_000 => {
                return Err(CliError::arg(
                    option,
                    format!("{n} points is too many (at most 10^7)"),
                ));
            }
            _ => {
                let step = (b - a) / (n - 1) as f64;
                (0..n)
                    .map(|i| if i == n - 1 { b } else { a + step * i as f64 })
                    .collect()
            }
        }
    } else {
        spec.split(',')
            .enumerate()
            .map(|(i, s)| number(s, &format!("point {}", i + 1)))
            .collect::<Result<Vec<_>, _>>()?
    };
    Ok(grid)
}

/// A single finite number for `option`.
pub fn parse_number(option: &str, spec: &str) -> Result<f64, CliError> {
    let v: f64 = spec
        .trim()
        .parse()
        .map_err(|_| CliError::arg(option, format!("'{spec}' is not a number")))?;
    if !v.is_finite() {
        return Err(CliError::arg(option, format!("must be finite, got {v}")));
    }
    Ok(v)
}

/// `--param NAME=VALUE` pairs, checked.
pub fn parse_params(specs: &[String]) -> Result<Vec<(String, f64)>, CliError> {
    let reserved = [
        "t", "x", "xp", "u", "pi", "e", "exp", "log", "sqrt", "abs", "sin", "cos", "tan", "tanh",
        "erf", "step", "rect", "tri", "sinc", "gauss",
    ];
    let mut out: Vec<(String, f64)> = Vec::new();
    for spec in specs {
        let (name, value) = spec
            .split_once('=')
            .ok_or_else(|| CliError::arg("--param", format!("'{spec}' is not NAME=VALUE")))?;
        let name = name.trim();
        let valid = name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !valid {
            return Err(CliError::arg(
                "--param",
                format!("'{name}' is not a valid name"),
            ));
        }
        if reserved.contains(&name) {
            return Err(CliError::arg(
                "--param",
                format!(
                    "'{name}' is a variable, constant or function of the grammar; pick another name"
                ),
            ));
        }
        if out.iter().any(|(n, _)| n == name) {
            return Err(CliError::arg("--param", format!("'{name}' is given twice")));
        }
        let v = parse_number("--param", value)?;
        out.push((name.to_string(), v));
    }
    Ok(out)
}

/// Parse an expression in `t` for `option`, with bound parameters.
pub fn parse_expr(option: &str, src: &str, params: &[(String, f64)]) -> Result<Expr, CliError> {
    parse_expr_in(option, src, &["t"], params)
}

/// Parse an expression in the given variables for `option`, with bound parameters.
pub fn parse_expr_in(
    option: &str,
    src: &str,
    variables: &[&str],
    params: &[(String, f64)],
) -> Result<Expr, CliError> {
    Expr::parse_with(src, &ParseOptions { variables, params }).context(option)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grid_includes_both_ends() {
        let g = parse_grid("--t", "0:1:5").unwrap();
        assert_eq!(g, vec![0.0, 0.25, 0.5, 0.75, 1.0]);
        assert_eq!(
            parse_grid("--t", "0.1, 0.5,2").unwrap(),
            vec![0.1, 0.5, 2.0]
        );
    }

    #[test]
    fn bad_grids_are_errors() {
        for bad in [
            "", "0:1", "0:1:0", "0:1:x", "a,b", "nan:1:3", "0:inf:3", "1,,2", "0:1:-3",
        ] {
            assert!(parse_grid("--t", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn delimited_text_accepts_commas_spaces_and_newlines() {
        assert_eq!(
            parse_delimited("1, 2\n3 4\t5\n").unwrap(),
            vec![1.0, 2.0, 3.0, 4.0, 5.0]
        );
        assert!(parse_delimited("1, two").unwrap_err().contains("line 1"));
    }

    #[test]
    fn params_reject_reserved_and_malformed() {
        assert!(parse_params(&["a=2".into()]).is_ok());
        for bad in ["t=1", "a", "a=x", "1a=2", "a=nan", "exp=1"] {
            assert!(parse_params(&[bad.into()]).is_err(), "{bad}");
        }
    }
}
