//! The notebooks (`notebooks/*.ipynb`, for the evcxr Jupyter kernel) must not rot: each one's
//! code cells are turned, in order, into one Rust program, built against the workspace's
//! crates and run. A compile error, a panic or a non-zero exit fails the test.
//!
//! The translation follows evcxr: `:dep NAME = SPEC` lines become `[dependencies]` entries (a
//! relative `path` is taken from the notebook's directory, as evcxr does), other `:` commands
//! are dropped, `use` lines and cells of items (`fn`, `struct`, `impl`, ...) go to module
//! level, and every other cell goes, in order, into one `main` — so variables flow from cell to
//! cell as in the kernel. A cell ends with a statement, or with a figure: evcxr shows a trailing
//! value through its `evcxr_display` method, and so does the program (`(EXPR).evcxr_display();`
//! — a trailing value without one does not compile). No trailing loop or block (evcxr would
//! show its `()`).
//!
//! The programs are the binaries of one package under `target/notebooks-check/` (the union of
//! the notebooks' dependencies, so each is built once), with its own target directory: the
//! outer `cargo test` holds the lock on the workspace's.
//!
//! This checks that the notebooks compile and run; their stored outputs come from the real
//! evcxr kernel (`notebooks/tools/run_real.sh`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::Value;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

/// One code cell.
struct Cell {
    source: String,
}

fn cell_source(cell: &Value) -> String {
    match &cell["source"] {
        Value::String(s) => s.clone(),
        Value::Array(lines) => lines.iter().filter_map(Value::as_str).collect(),
        _ => String::new(),
    }
}

fn code_cells(nb: &Value) -> Vec<Cell> {
    nb["cells"]
        .as_array()
        .map(|cells| {
            cells
                .iter()
                .filter(|c| c["cell_type"] == "code")
                .map(|c| Cell {
                    source: cell_source(c),
                })
                .collect()
        })
        .unwrap_or_default()
}

/// `:dep name = { path = "../x", ... }` → `name = { path = "/abs/x", ... }`.
fn dependency(line: &str, nb_dir: &Path) -> String {
    let spec = line.trim_start_matches(":dep").trim();
    let Some(i) = spec.find("path = \"") else {
        return spec.to_string();
    };
    let start = i + "path = \"".len();
    let end = start + spec[start..].find('"').unwrap();
    let rel = &spec[start..end];
    let abs = nb_dir.join(rel);
    let abs = abs.canonicalize().unwrap_or_else(|e| {
        panic!("{line}: {} does not exist: {e}", abs.display());
    });
    format!("{}{}{}", &spec[..start], abs.display(), &spec[end..])
}

/// Does this cell hold only items (to be put at module level)?
fn is_item_cell(code: &str) -> bool {
    let first = code
        .lines()
        .map(str::trim_start)
        .find(|l| !l.is_empty() && !l.starts_with("//") && !l.starts_with("use "));
    first.is_some_and(|l| {
        [
            "fn ",
            "pub fn ",
            "struct ",
            "pub struct ",
            "enum ",
            "impl ",
            "impl<",
            "trait ",
            "const ",
            "static ",
            "type ",
            "mod ",
            "#[",
        ]
        .iter()
        .any(|k| l.starts_with(k))
    })
}

/// Where the cell's trailing expression starts (after the last `;` or `}` outside brackets,
/// strings and comments), if it has one.
fn trailing_expression(code: &str) -> Option<usize> {
    let b = code.as_bytes();
    let (mut depth, mut end, mut i) = (0i32, 0usize, 0usize);
    while i < b.len() {
        match b[i] {
            b'/' if b.get(i + 1) == Some(&b'/') => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            b'"' => {
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
            }
            // A character literal ('x', '\n'); a lifetime has no closing quote.
            b'\'' if b.get(i + 2) == Some(&b'\'') => i += 2,
            b'\'' if b.get(i + 1) == Some(&b'\\') && b.get(i + 3) == Some(&b'\'') => i += 3,
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' => depth -= 1,
            b'}' => {
                depth -= 1;
                if depth == 0 {
                    end = i + 1;
                }
            }
            b';' if depth == 0 => end = i + 1,
            _ => {}
        }
        i += 1;
    }
    let rest = &code[end..];
    let has_code = rest
        .lines()
        .map(str::trim)
        .any(|l| !l.is_empty() && !l.starts_with("//"));
    has_code.then_some(end)
}

/// One notebook as a program: its `[dependencies]` lines and its `main.rs`.
struct Program {
    deps: Vec<String>,
    main: String,
}

fn translate(nb_path: &Path) -> Program {
    let nb: Value = serde_json::from_str(&std::fs::read_to_string(nb_path).unwrap())
        .unwrap_or_else(|e| panic!("{}: not JSON: {e}", nb_path.display()));
    assert_eq!(
        nb["nbformat"],
        4,
        "{}: nbformat 4 expected",
        nb_path.display()
    );
    assert_eq!(
        nb["metadata"]["kernelspec"]["name"],
        "rust",
        "{}: the kernel must be evcxr's (\"rust\")",
        nb_path.display()
    );
    let nb_dir = nb_path.parent().unwrap();
    let mut deps = Vec::new();
    let (mut items, mut body) = (String::new(), String::new());
    for (k, cell) in code_cells(&nb).iter().enumerate() {
        let mut code = String::new();
        for line in cell.source.lines() {
            let t = line.trim_start();
            if t.starts_with(":dep ") {
                deps.push(dependency(t, nb_dir));
            } else if t.starts_with(':') {
                // Other evcxr commands (:opt, :timing, ...) mean nothing here.
            } else if line.starts_with("use ") {
                items.push_str(line);
                items.push('\n');
            } else {
                code.push_str(line);
                code.push('\n');
            }
        }
        if is_item_cell(&code) {
            let _ = writeln!(items, "// cell {}\n{code}", k + 1);
        } else {
            // evcxr shows a cell's trailing expression; a trailing loop or block shows `()`.
            let last = code
                .lines()
                .map(str::trim)
                .rfind(|l| !l.is_empty() && !l.starts_with("//"));
            assert!(
                last != Some("}"),
                "{}: code cell {} ends with a block or a loop, which evcxr shows as `()`: \
                 end it with a statement",
                nb_path.display(),
                k + 1
            );
            let code = match trailing_expression(&code) {
                Some(at) => format!(
                    "{}\n({}).evcxr_display();\n",
                    &code[..at],
                    code[at..].trim()
                ),
                None => code,
            };
            let _ = writeln!(body, "// cell {}\n{code}", k + 1);
        }
    }
    let main = format!(
        "// Generated from {} by tests/notebooks.rs: do not edit.\n\
         #![allow(unused, clippy::all)]\n{items}\n\
         fn main() -> Result<(), Box<dyn std::error::Error>> {{\n{body}\nOk(())\n}}\n",
        nb_path.display()
    );
    Program { deps, main }
}

/// The binary's name for a notebook: `01_flip_and_shift` → `nb_01_flip_and_shift`.
fn bin_name(nb: &Path) -> String {
    let stem = nb.file_stem().unwrap().to_string_lossy();
    format!(
        "nb_{}",
        stem.replace(|c: char| !c.is_ascii_alphanumeric(), "_")
    )
}

/// One package with a binary per notebook and the union of their dependencies: one
/// resolution, so every dependency is built once, with one set of features.
fn manifest(programs: &[(String, Program)]) -> String {
    let mut deps: Vec<String> = Vec::new();
    for (nb, p) in programs {
        for d in &p.deps {
            let name = d.split('=').next().unwrap().trim();
            match deps
                .iter()
                .find(|e| e.split('=').next().unwrap().trim() == name)
            {
                Some(e) => assert_eq!(e, d, "{nb}: `{name}` is declared differently elsewhere"),
                None => deps.push(d.clone()),
            }
        }
    }
    let bins: String = programs
        .iter()
        .map(|(nb, _)| format!("[[bin]]\nname = \"{nb}\"\npath = \"src/bin/{nb}.rs\"\n\n"))
        .collect();
    // Dependencies lightly optimised: the notebooks integrate numerically, but a cold build of
    // nalgebra, rustfft and plotters at -O2 costs minutes.
    format!(
        "[package]\nname = \"flipshift-notebooks-check\"\nversion = \"0.0.0\"\nedition = \"2024\"\n\
         publish = false\nautobins = false\n\n[workspace]\n\n{bins}[dependencies]\n{}\n\n\
         [profile.dev]\nopt-level = 0\ndebug = false\n\n[profile.dev.package.\"*\"]\nopt-level = 1\n",
        deps.join("\n")
    )
}

fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn notebooks_run() {
    let root = workspace();
    let mut notebooks: Vec<PathBuf> = std::fs::read_dir(root.join("notebooks"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "ipynb"))
        .collect();
    notebooks.sort();
    assert!(!notebooks.is_empty(), "no notebooks found");
    // Under the workspace's target directory (git-ignored), or wherever CARGO_TARGET_DIR is.
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .map(|t| if t.is_absolute() { t } else { root.join(t) })
        .unwrap_or_else(|| root.join("target"));
    let check = target.join("notebooks-check");
    let programs: Vec<(String, Program)> = notebooks
        .iter()
        .map(|nb| (bin_name(nb), translate(nb)))
        .collect();
    std::fs::create_dir_all(check.join("src/bin")).unwrap();
    // Start from the workspace's lock file, so the dependencies are the versions the workspace
    // tests (cargo drops what the notebooks do not use).
    let lock = check.join("Cargo.lock");
    if !lock.exists() {
        std::fs::copy(root.join("Cargo.lock"), &lock).unwrap();
    }
    write_if_changed(&check.join("Cargo.toml"), &manifest(&programs));
    for (name, p) in &programs {
        write_if_changed(&check.join(format!("src/bin/{name}.rs")), &p.main);
    }
    let t = std::time::Instant::now();
    let build = Command::new(env!("CARGO"))
        .args(["build", "--quiet", "--bins", "--manifest-path"])
        .arg(check.join("Cargo.toml"))
        .env("CARGO_TARGET_DIR", check.join("target"))
        .env_remove("RUSTFLAGS")
        .output()
        .unwrap();
    println!("build: {:.1} s", t.elapsed().as_secs_f64());
    assert!(
        build.status.success(),
        "the notebooks do not compile (src/bin/nb_NAME.rs is notebooks/NAME.ipynb, in {}):\n{}",
        check.display(),
        String::from_utf8_lossy(&build.stderr)
    );
    let mut failures = Vec::new();
    for (nb, (name, _)) in notebooks.iter().zip(&programs) {
        let t = std::time::Instant::now();
        let out = Command::new(check.join("target/debug").join(name))
            .current_dir(nb.parent().unwrap())
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        println!(
            "{}: {} in {:.1} s",
            nb.display(),
            if out.status.success() { "ok" } else { "FAILED" },
            t.elapsed().as_secs_f64()
        );
        if !out.status.success() || stderr.contains("panicked at") {
            failures.push(format!(
                "{}: {}\n--- stderr ---\n{stderr}\n--- stdout (end) ---\n{}",
                nb.display(),
                out.status,
                tail(&stdout, 40)
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

fn write_if_changed(p: &Path, text: &str) {
    if std::fs::read_to_string(p).ok().as_deref() != Some(text) {
        std::fs::write(p, text).unwrap();
    }
}

fn tail(s: &str, lines: usize) -> String {
    let v: Vec<&str> = s.lines().collect();
    v[v.len().saturating_sub(lines)..].join("\n")
}

#[test]
fn translation_follows_evcxr() {
    let dir = std::env::temp_dir().join(format!("flipshift-nb-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let nb = dir.join("t.ipynb");
    let cell = |src: &str| serde_json::json!({"cell_type": "code", "source": src, "outputs": [], "metadata": {}});
    let doc = serde_json::json!({
        "nbformat": 4, "nbformat_minor": 5,
        "metadata": {"kernelspec": {"name": "rust", "display_name": "Rust", "language": "rust"}},
        "cells": [
            cell(":dep serde_json = \"1\"\n:opt 2\nuse std::fmt::Write;\nlet x = 1;"),
            {"cell_type": "markdown", "source": "# not code", "metadata": {}},
            cell("fn twice(v: i32) -> i32 {\n    2 * v\n}"),
            cell("let y = twice(x);\nassert_eq!(y, 2);"),
            cell("let s = \"a; b\";\nlet v = vec![1, 2];\nshow(\n    s,\n    ';',\n)?"),
        ]
    });
    std::fs::write(&nb, doc.to_string()).unwrap();
    let p = translate(&nb);
    let main = p.main.clone();
    let manifest = manifest(&[("nb_t".into(), p)]);
    assert!(manifest.contains("[dependencies]\nserde_json = \"1\"\n"));
    assert!(manifest.contains("[[bin]]\nname = \"nb_t\""));
    assert!(!main.contains(":opt") && !main.contains(":dep"));
    let (use_at, fn_at, main_at) = (
        main.find("use std::fmt::Write;").unwrap(),
        main.find("fn twice").unwrap(),
        main.find("fn main").unwrap(),
    );
    assert!(use_at < main_at && fn_at < main_at);
    assert!(main.find("let x = 1;").unwrap() < main.find("let y = twice(x);").unwrap());
    // A trailing value is shown as evcxr shows it; semicolons in strings and characters do not
    // end a statement.
    assert!(
        main.contains("let v = vec![1, 2];\n(show(\n    s,\n    ';',\n)?).evcxr_display();"),
        "{main}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
