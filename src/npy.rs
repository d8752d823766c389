//! A small reader and writer for NumPy's `.npy` format: 1-D and 2-D little-endian float64.
//!
//! The format is a magic string, a version, a header length, a Python-literal dict
//! (`{'descr': '<f8', 'fortran_order': False, 'shape': (n,), }`) padded to a multiple of 64
//! bytes, then the raw data. Anything other than float64 is refused with a message that says
//! how to convert it.

use crate::error::CliError;
use std::io::{Read, Write};
use std::path::Path;

const MAGIC: &[u8] = b"\x93NUMPY";

/// Read a 1-D float64 array (a 2-D array with one row or one column is accepted too).
///
/// The header is parsed first; the data are then read straight into the vector in blocks of
/// 64 KiB, so that reading runs at disk speed and needs no second copy of the file in memory.
pub fn read_vector(path: &Path) -> Result<Vec<f64>, CliError> {
    let bad = |reason: String| CliError::BadFile {
        path: path.display().to_string(),
        reason,
    };
    let mut file = std::fs::File::open(path).map_err(|e| CliError::io(path, &e))?;
    let size = file.metadata().map_err(|e| CliError::io(path, &e))?.len() as usize;
    // The preamble: magic, version, header length (2 or 4 bytes), then the header itself.
    let mut pre = [0u8; 12];
    let got = read_up_to(&mut file, &mut pre).map_err(|e| CliError::io(path, &e))?;
    let mut head = pre[..got].to_vec();
    let header_end = header_end(&head).map_err(bad)?;
    if header_end > head.len() {
        if header_end > size {
            return Err(bad("truncated .npy header".into()));
        }
        let mut rest = vec![0u8; header_end - head.len()];
        file.read_exact(&mut rest)
            .map_err(|e| CliError::io(path, &e))?;
        head.extend_from_slice(&rest);
    }
    let (n, big_endian, data_start) = parse_header(&head).map_err(bad)?;
    let need = n
        .checked_mul(8)
        .ok_or_else(|| bad("shape too large".into()))?;
    let available = size.saturating_sub(data_start);
    if available < need {
        return Err(bad(format!(
            "file holds {available} bytes of data but shape needs {need}"
        )));
    }
    // Any bytes of data that came with the preamble, then the rest in blocks.
    let mut values = Vec::with_capacity(n);
    let mut carry: Vec<u8> = head[data_start.min(head.len())..].to_vec();
    let mut block = vec![0u8; 1 << 16];
    while values.len() < n {
        let want = ((n - values.len()) * 8)
            .saturating_sub(carry.len())
            .min(block.len());
        let got = if want > 0 {
            read_up_to(&mut file, &mut block[..want]).map_err(|e| CliError::io(path, &e))?
        } else {
            0
        };
        carry.extend_from_slice(&block[..got]);
        let whole = carry.len() / 8 * 8;
        if whole == 0 {
            return Err(bad("the file ended before its data did".into()));
        }
        values.extend(
            carry[..whole]
                .chunks_exact(8)
                .take(n - values.len())
                .map(|c| {
                    let mut b = [0u8; 8];
                    b.copy_from_slice(c);
                    if big_endian {
                        f64::from_be_bytes(b)
                    } else {
                        f64::from_le_bytes(b)
                    }
                }),
        );
        carry.drain(..whole);
    }
    Ok(values)
}

/// Fill `buf` from `r` as far as the data go; the number of bytes read.
fn read_up_to(r: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut got = 0;
    while got < buf.len() {
        match r.read(&mut buf[got..]) {
            Ok(0) => break,
            Ok(k) => got += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(got)
}

/// Where the header ends (the data begin), from the preamble.
fn header_end(bytes: &[u8]) -> Result<usize, String> {
    if bytes.len() < 10 || &bytes[..6] != MAGIC {
        return Err("not a .npy file (missing the \\x93NUMPY magic)".into());
    }
    match bytes[6] {
        1 => Ok(10 + u16::from_le_bytes([bytes[8], bytes[9]]) as usize),
        2 | 3 => {
            if bytes.len() < 12 {
                return Err("truncated .npy header".into());
            }
            Ok(12 + u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize)
        }
        v => Err(format!("unsupported .npy version {v}")),
    }
}

/// The length, byte order and data offset from a complete header.
fn parse_header(bytes: &[u8]) -> Result<(usize, bool, usize), String> {
    let end = header_end(bytes)?;
    let start = if bytes[6] == 1 { 10 } else { 12 };
    if end > bytes.len() {
        return Err("truncated .npy header".into());
    }
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
    // A 1-D array (or a single row or column) is laid out the same in either order, so
    // 'fortran_order' does not matter here.
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
    Ok((n, big_endian, end))
}

/// A whole file's bytes as a vector (the reader above, on bytes in memory).
#[cfg(test)]
fn parse_vector(bytes: &[u8]) -> Result<Vec<f64>, String> {
    let (n, big_endian, start) = parse_header(bytes)?;
    let data = &bytes[start..];
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
    let len = u16::try_from(header.len()).map_err(|_| CliError::Usage {
        message: "array shape too long for a .npy header".into(),
    })?;
    // Streamed through a buffer in blocks: no second copy of the data in memory.
    let file = std::fs::File::create(path).map_err(|e| CliError::io(path, &e))?;
    let mut w = std::io::BufWriter::with_capacity(1 << 16, file);
    let io = |e: std::io::Error| CliError::io(path, &e);
    w.write_all(MAGIC).map_err(io)?;
    w.write_all(&[1, 0]).map_err(io)?;
    w.write_all(&len.to_le_bytes()).map_err(io)?;
    w.write_all(header.as_bytes()).map_err(io)?;
    let mut block = Vec::with_capacity(1 << 16);
    for chunk in data.chunks(1 << 13) {
        block.clear();
        for v in chunk {
            block.extend_from_slice(&v.to_le_bytes());
        }
        w.write_all(&block).map_err(io)?;
    }
    w.flush().map_err(io)
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
