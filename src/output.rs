//! What a command hands back: a JSON object for scripts, text for people, and optionally the
//! values as a `.npy` file.

use crate::error::CliError;
use serde_json::{Map, Value, json};

/// A command's result, ready to print in either format.
#[derive(Debug, Clone)]
pub struct Output {
    json: Map<String, Value>,
    /// The text shown to people.
    pub text: String,
    npy: Option<(Vec<usize>, Vec<f64>)>,
}

impl Output {
    /// A result of `command` with the given values (a vector).
    pub fn vector(command: &str, values: &[f64]) -> Result<Self, CliError> {
        let mut json = Map::new();
        json.insert("command".into(), json!(command));
        json.insert("values".into(), finite_array("values", values)?);
        Ok(Self {
            json,
            text: String::new(),
            npy: Some((vec![values.len()], values.to_vec())),
        })
    }

    /// A result of `command` whose values are a matrix, given as rows.
    pub fn matrix(command: &str, rows: &[Vec<f64>]) -> Result<Self, CliError> {
        let mut json = Map::new();
        json.insert("command".into(), json!(command));
        let arr = rows
            .iter()
            .enumerate()
            .map(|(i, r)| finite_array(&format!("row {i}"), r))
            .collect::<Result<Vec<_>, _>>()?;
        json.insert("values".into(), Value::Array(arr));
        let cols = rows.first().map_or(0, Vec::len);
        Ok(Self {
            json,
            text: String::new(),
            npy: Some((vec![rows.len(), cols], rows.concat())),
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

    /// The JSON object.
    pub fn json(&self) -> Value {
        Value::Object(self.json.clone())
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
