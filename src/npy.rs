//! A small reader and writer for NumPy's `.npy` format: 1-D and 2-D little-endian float64.
//!
//! The format is a magic string, a version, a header length, a Python-literal dict
//! (`{'descr': '<f8', 'fortran_order': False, 'shape': (n,), }`) padded to a multiple of 64
//! bytes, then the raw data. Anything other than float64 is refused with a message that says
//! how to convert it.

use crate::error::CliError;
use std::path::Path;

const MAGIC: &[u8] = b"\x93NUMPY";

/// Read a 1-D float64 array (a 2-D array with one row or one column is accepted too).
pub fn read_vector(path: &Path) -> Result<Vec<f64>, CliError> {
    let bytes = std::fs::read(path).map_err(|e| CliError::io(path, &e))?;
    parse_vector(&bytes).map_err(|reason| CliError::BadFile {
        path: path.display().to_string(),
        reason,
    })
}

fn parse_vector(bytes: &[u8]) -> Result<Vec<f64>, String> {
    if bytes.len() < 10 || &bytes[..6] != MAGIC {
        return Err("not a .npy file (missing the \\x93NUMPY magic)".into());
    }
    let major = bytes[6];
    let (header_len, start): (usize, usize) = match major {
        1 => (u16::from_le_bytes([bytes[8], bytes[9]]) as usize, 10),
        2 | 3 => {
            if bytes.len() < 12 {
                return Err("truncated .npy header".into());
            }
            (
                u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize,
                12,
            )
        }
        v => return Err(format!("unsupported .npy version {v}")),
    };
    let end = start
        .checked_add(header_len)
        .filter(|&e| e <= bytes.len())
        .ok_or("truncated .npy header")?;
    let header = std::str::from_utf8(&bytes[start..end]).map_err(|_| "header is not text")?;
    let descr = dict_value(header, "descr").ok_or("header has no 'descr'")?;
    let descr = descr.trim_matches(|c| c == '\'' || c == '"');
    let big_endian = match descr {
        "<f8" | "f8" | "=f8" => false,
        ">f8" => true,
        other => {
            return Err(format!(
                "dtype '{other}' is not supported; save float64 (e.g. np.save(path, a.astype(np.float64)))"
            ));
        }
    };
    if dict_value(header, "fortran_order").is_some_and(|v| v.starts_with("True")) {
        // A 1-D array (or a single row or column) is laid out the same in both orders.
    }
    let shape = dict_value(header, "shape").ok_or("header has no 'shape'")?;
    let dims: Vec<usize> = shape
        .trim_start_matches('(')
        .split(')')
        .next()
        .unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse::<usize>()
                .map_err(|_| format!("bad shape entry '{s}'"))
        })
        .collect::<Result<_, _>>()?;
    let n = match dims.as_slice() {
        [n] => *n,
        [1, n] | [n, 1] => *n,
        [] => return Err("a 0-d array is not a vector".into()),
        d => return Err(format!("array has shape {d:?}; need a 1-D vector")),
    };
    let data = &bytes[end..];
    let need = n.checked_mul(8).ok_or("shape too large")?;
    if data.len() < need {
        return Err(format!(
            "file holds {} bytes of data but shape needs {need}",
            data.len()
        ));
    }
    Ok(data[..need]
        .chunks_exact(8)
        .map(|c| {
            let mut b = [0u8; 8];
            b.copy_from_slice(c);
            if big_endian {
                f64::from_be_bytes(b)
            } else {
                f64::from_le_bytes(b)
            }
        })
        .collect())
}

/// The text after `'key':` up to the next top-level comma (tuples kept whole).
fn dict_value<'a>(header: &'a str, key: &str) -> Option<&'a str> {
    let pat1 = format!("'{key}'");
    let pat2 = format!("\"{key}\"");
    let i = header.find(&pat1).or_else(|| header.find(&pat2))?;
    let rest = &header[i + pat1.len()..];
    let rest = rest.trim_start().strip_prefix(':')?.trim_start();
    let mut depth = 0usize;
    for (j, c) in rest.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            ',' | '}' if depth == 0 => return Some(rest[..j].trim()),
            _ => {}
        }
    }
    Some(rest.trim())
}

/// Write a float64 array of the given shape (1-D: `[n]`, 2-D row-major: `[rows, cols]`).
pub fn write(path: &Path, shape: &[usize], data: &[f64]) -> Result<(), CliError> {
    let shape_txt = match shape {
        [n] => format!("({n},)"),
        dims => format!(
            "({})",
            dims.iter()
                .map(usize::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    let mut header = format!("{{'descr': '<f8', 'fortran_order': False, 'shape': {shape_txt}, }}");
    // Pad so that magic + version + length + header + '\n' is a multiple of 64.
    let unpadded = MAGIC.len() + 2 + 2 + header.len() + 1;
    header.push_str(&" ".repeat((64 - unpadded % 64) % 64));
    header.push('\n');
    let mut out = Vec::with_capacity(10 + header.len() + 8 * data.len());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&[1, 0]);
    let len = u16::try_from(header.len()).map_err(|_| CliError::Usage {
        message: "array shape too long for a .npy header".into(),
    })?;
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(header.as_bytes());
    for v in data {
        out.extend_from_slice(&v.to_le_bytes());
    }
    std::fs::write(path, out).map_err(|e| CliError::io(path, &e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_preserves_values_and_layout() {
        let dir = std::env::temp_dir().join(format!("flipshift-npy-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("a.npy");
        let v = [1.5, -2.0, 1e-300, 3.0];
        write(&p, &[4], &v).unwrap();
        let bytes = std::fs::read(&p).unwrap();
        // NumPy requires the data to start on a 64-byte boundary.
        assert_eq!((bytes.len() - 32) % 64, 0);
        assert_eq!(read_vector(&p).unwrap(), v);
    }

    #[test]
    fn refuses_other_dtypes_with_advice() {
        let mut bytes = MAGIC.to_vec();
        bytes.extend_from_slice(&[1, 0]);
        let h = "{'descr': '<i8', 'fortran_order': False, 'shape': (1,), }\n";
        bytes.extend_from_slice(&(h.len() as u16).to_le_bytes());
        bytes.extend_from_slice(h.as_bytes());
        bytes.extend_from_slice(&7i64.to_le_bytes());
        let e = parse_vector(&bytes).unwrap_err();
        assert!(e.contains("'<i8'") && e.contains("float64"), "{e}");
    }

    #[test]
    fn refuses_truncated_data() {
        let mut bytes = MAGIC.to_vec();
        bytes.extend_from_slice(&[1, 0]);
        let h = "{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }\n";
        bytes.extend_from_slice(&(h.len() as u16).to_le_bytes());
        bytes.extend_from_slice(h.as_bytes());
        bytes.extend_from_slice(&1f64.to_le_bytes());
        assert!(parse_vector(&bytes).is_err());
        assert!(parse_vector(b"\x93NUMPY").is_err());
        assert!(parse_vector(b"hello world").is_err());
    }
}
