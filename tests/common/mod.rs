//! What the command-line tests share: running the binary, reading its JSON, and the shape of
//! a refusal (docs/cli.md, "Errors"). Each test file uses a part of it.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use serde_json::Value;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// Run the binary with `args` and nothing on standard input.
pub fn flipshift(args: &[&str]) -> Output {
    flipshift_stdin(args, None)
}

/// Run the binary with `args`, feeding `stdin`.
pub fn flipshift_stdin(args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_flipshift"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut pipe = child.stdin.take().unwrap();
    if let Some(text) = stdin {
        // A command that rejects its arguments exits before reading standard input; the
        // closed pipe is then expected, not a failure of the test.
        let _ = pipe.write_all(text.as_bytes());
    }
    drop(pipe);
    child.wait_with_output().unwrap()
}

/// Run with `--format json`, expect success, return the object.
pub fn json_ok(args: &[&str]) -> Value {
    json_ok_stdin(args, None)
}

/// As [`json_ok`], feeding `stdin`.
pub fn json_ok_stdin(args: &[&str], stdin: Option<&str>) -> Value {
    let mut all = args.to_vec();
    all.extend(["--format", "json"]);
    let out = flipshift_stdin(&all, stdin);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{args:?} failed: {stderr}");
    let stdout = String::from_utf8(out.stdout).unwrap();
    let v: Value = serde_json::from_str(stdout.trim()).unwrap_or_else(|e| panic!("{e}: {stdout}"));
    assert!(v.is_object(), "{args:?}: not an object: {stdout}");
    v
}

/// A JSON array of numbers.
pub fn numbers(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap_or_else(|| panic!("not an array: {v}"))
        .iter()
        .map(|x| x.as_f64().unwrap_or_else(|| panic!("not a number: {x}")))
        .collect()
}

/// The `"values"` of an answer.
pub fn values(v: &Value) -> Vec<f64> {
    numbers(&v["values"])
}

/// Expect exit status 2 and exactly one line on standard error, beginning with `error:` and
/// mentioning `mention` (in any case); return standard error.
pub fn assert_bad_input(args: &[&str], mention: &str) -> String {
    assert_bad_input_stdin(args, None, mention)
}

/// As [`assert_bad_input`], feeding `stdin`.
pub fn assert_bad_input_stdin(args: &[&str], stdin: Option<&str>, mention: &str) -> String {
    let out = flipshift_stdin(args, stdin);
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(
        out.status.code(),
        Some(2),
        "{args:?}: status {:?}, stderr {stderr}",
        out.status
    );
    assert!(!stderr.contains("panicked"), "{args:?} panicked: {stderr}");
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "{args:?}: want one line, got {stderr}");
    assert!(lines[0].starts_with("error:"), "{args:?}: {stderr}");
    assert!(
        lines[0].to_lowercase().contains(&mention.to_lowercase()),
        "{args:?}: '{}' should mention '{mention}'",
        lines[0]
    );
    stderr
}

/// Write `contents` to a file `name` in a directory of this test binary's own.
pub fn tmp(name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "flipshift-{}-{}",
        env!("CARGO_CRATE_NAME"),
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, contents).unwrap();
    p
}

/// A path as an argument.
pub fn arg(p: &Path) -> &str {
    p.to_str().unwrap()
}
