//! What a command hands back: a JSON object for scripts, text for people, and optionally the
//! values as a `.npy` file.

use crate::error::CliError;
use serde_json::{Map, Value, json};

/// A command's result, ready to print in either format.
///
/// The values are kept once, as numbers: their JSON array and their table for people are
/// built only when printed, and not at all when `--out` sends them to a file and a summary is
/// printed instead ([`Output::summarise`]).
#[derive(Debug, Clone)]
pub struct Output {
    json: Map<String, Value>,
    /// The text shown to people (above the table of values, when there is one).
    pub text: String,
    npy: Option<(Vec<usize>, Vec<f64>)>,
    /// Whether the text ends with a `k, value` table of the values, rendered when printed.
    table: bool,
    /// The file the values went to, when they are summarised instead of printed.
    summary: Option<String>,
}

/// The first non-finite value, as the error that names it.
fn check_finite(what: impl Fn(usize) -> String, v: &[f64]) -> Result<(), CliError> {
    match v.iter().position(|x| !x.is_finite()) {
        Some(i) => Err(CliError::NonFiniteResult {
            what: what(i),
            value: v[i],
        }),
        None => Ok(()),
    }
}

impl Output {
    /// A result of `command` with the given values (a vector).
    pub fn vector(command: &str, values: &[f64]) -> Result<Self, CliError> {
        Self::from_values(command, values.to_vec())
    }

    /// A result of `command` with the given values (a vector), taking them without a copy.
    pub fn from_values(command: &str, values: Vec<f64>) -> Result<Self, CliError> {
        check_finite(|i| format!("values[{i}]"), &values)?;
        let mut json = Map::new();
        json.insert("command".into(), json!(command));
        Ok(Self {
            json,
            text: String::new(),
            npy: Some((vec![values.len()], values)),
            table: false,
            summary: None,
        })
    }

    /// A result of `command` that has no values (a distribution: its terms go in a field).
    pub fn without_values(command: &str) -> Self {
        let mut json = Map::new();
        json.insert("command".into(), json!(command));
        Self {
            json,
            text: String::new(),
            npy: None,
            table: false,
            summary: None,
        }
    }

    /// A result of `command` whose values are a matrix, given as rows.
    pub fn matrix(command: &str, rows: &[Vec<f64>]) -> Result<Self, CliError> {
        for (r, row) in rows.iter().enumerate() {
            check_finite(|i| format!("row {r}[{i}]"), row)?;
        }
        let mut json = Map::new();
        json.insert("command".into(), json!(command));
        let cols = rows.first().map_or(0, Vec::len);
        Ok(Self {
            json,
            text: String::new(),
            npy: Some((vec![rows.len(), cols], rows.concat())),
            table: false,
            summary: None,
        })
    }

    /// Add a field (any JSON value).
    pub fn field(mut self, key: &str, value: Value) -> Self {
        self.json.insert(key.into(), value);
        self
    }

    /// Add a number, which must be finite.
    pub fn number(self, key: &str, v: f64) -> Result<Self, CliError> {
        let value = finite(key, v)?;
        Ok(self.field(key, value))
    }

    /// Add an array of numbers, all finite.
    pub fn numbers(self, key: &str, v: &[f64]) -> Result<Self, CliError> {
        let value = finite_array(key, v)?;
        Ok(self.field(key, value))
    }

    /// Set the text for people.
    pub fn with_text(mut self, text: String) -> Self {
        self.text = text;
        self
    }

    /// Set the text for people: `head`, then the values as a `k, value` table.
    pub fn with_table(mut self, head: String) -> Self {
        self.text = head;
        self.table = true;
        self
    }

    /// The values went to `path`: print their length, range and norm instead of them.
    pub fn summarise(&mut self, path: &std::path::Path) {
        self.summary = Some(path.display().to_string());
    }

    /// Length, smallest, largest and 2-norm of the values (the norm scaled so that it
    /// overflows only when it is itself beyond the double range).
    fn stats(&self) -> Option<(usize, f64, f64, f64)> {
        let (_, v) = self.npy.as_ref()?;
        let (lo, hi) = v
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), &x| {
                (l.min(x), h.max(x))
            });
        let big = lo.abs().max(hi.abs());
        let norm = if big > 0.0 {
            big * v.iter().map(|x| (x / big) * (x / big)).sum::<f64>().sqrt()
        } else {
            0.0
        };
        Some((v.len(), lo, hi, norm))
    }

    /// The JSON object.
    pub fn json(&self) -> Value {
        let mut json = self.json.clone();
        if let Some((shape, data)) = &self.npy {
            match (&self.summary, self.stats()) {
                (Some(path), Some((len, lo, hi, norm))) => {
                    json.insert(
                        "summary".into(),
                        json!({"file": path, "shape": shape, "length": len, "min": lo, "max": hi, "norm": norm}),
                    );
                }
                _ => {
                    let values = if shape.len() == 2 && shape[1] > 0 {
                        Value::Array(data.chunks(shape[1]).map(|r| json!(r)).collect())
                    } else if shape.len() == 2 {
                        Value::Array(vec![json!([]); shape[0]])
                    } else {
                        json!(data)
                    };
                    json.insert("values".into(), values);
                }
            }
        }
        Value::Object(json)
    }

    /// The text for people, with the values' table or, after [`Output::summarise`], their
    /// summary.
    pub fn render_text(&self) -> String {
        match (&self.summary, self.stats()) {
            (Some(path), Some((len, lo, hi, norm))) => format!(
                "{}
{len} values written to {path} (min {}, max {}, 2-norm {})",
                self.text.trim_end(),
                fmt_num(lo),
                fmt_num(hi),
                fmt_num(norm)
            ),
            _ => match (&self.npy, self.table) {
                (Some((_, v)), true) => {
                    let idx: Vec<f64> = (0..v.len()).map(|i| i as f64).collect();
                    format!("{}\n{}", self.text, table(&["k", "value"], &[&idx, v]))
                }
                _ => self.text.clone(),
            },
        }
    }

    /// Shape and data for `--out`.
    pub fn npy(&self) -> Option<(&[usize], &[f64])> {
        self.npy.as_ref().map(|(s, d)| (s.as_slice(), d.as_slice()))
    }
}

/// A finite number as JSON, or an error (JSON would silently turn NaN into null).
pub fn finite(what: &str, v: f64) -> Result<Value, CliError> {
    if v.is_finite() {
        Ok(json!(v))
    } else {
        Err(CliError::NonFiniteResult {
            what: what.to_string(),
            value: v,
        })
    }
}

/// Finite numbers as a JSON array, or an error naming the first bad one.
pub fn finite_array(what: &str, v: &[f64]) -> Result<Value, CliError> {
    v.iter()
        .enumerate()
        .map(|(i, &x)| finite(&format!("{what}[{i}]"), x))
        .collect::<Result<Vec<_>, _>>()
        .map(Value::Array)
}

/// A two-or-more column table for people, numbers in a fixed, readable format.
pub fn table(headers: &[&str], columns: &[&[f64]]) -> String {
    let n = columns.iter().map(|c| c.len()).max().unwrap_or(0);
    // Wide enough for the widest entry plus two spaces, so columns never run together.
    let widest = columns
        .iter()
        .flat_map(|c| c.iter().map(|v| fmt_num(*v).chars().count()))
        .chain(headers.iter().map(|h| h.chars().count()))
        .max()
        .unwrap_or(0);
    let width = (widest + 2).max(12);
    let mut s = String::new();
    for h in headers {
        s.push_str(&format!("{h:>width$}"));
    }
    s.push('\n');
    for i in 0..n {
        for c in columns {
            match c.get(i) {
                Some(v) => s.push_str(&format!("{:>width$}", fmt_num(*v))),
                None => s.push_str(&" ".repeat(width)),
            }
        }
        s.push('\n');
    }
    s
}

/// A number formatted for people: the shortest text that reads back as the same `f64`, plain for
/// moderate magnitudes and in scientific notation otherwise.
pub fn fmt_num(v: f64) -> String {
    if v == 0.0 {
        "0".into()
    } else if (1e-4..1e7).contains(&v.abs()) {
        format!("{v}")
    } else {
        format!("{v:e}")
    }
}
