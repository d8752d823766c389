//! The CLI reference (`docs/cli.md`) and `--help` say the same thing: every command and option
//! the reference names exists, and every command `--help` lists is in the reference.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::process::Command;

fn help(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_flipshift"))
        .args(args)
        .output()
        .unwrap();
    assert!(out.status.success(), "{args:?} --help failed");
    String::from_utf8(out.stdout).unwrap()
}

/// (command, options) of each table row of the reference: `| \`cmd --opt ...\` | ... |`.
fn documented() -> Vec<(String, BTreeSet<String>)> {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/cli.md")).unwrap();
    doc.lines()
        .filter_map(|l| l.strip_prefix("| `"))
        .map(|row| {
            let usage = &row[..row.find("` |").unwrap()];
            let name = usage.split_whitespace().next().unwrap().to_string();
            let options = usage
                .split(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
                .filter(|w| w.starts_with("--") && w.len() > 2)
                .map(str::to_string)
                .collect();
            (name, options)
        })
        .collect()
}

#[test]
fn every_documented_command_and_option_exists() {
    let rows = documented();
    assert!(rows.len() >= 16, "{rows:?}");
    for (cmd, options) in rows {
        let text = help(&[&cmd, "--help"]);
        for opt in options {
            assert!(
                text.contains(&format!("{opt} ")) || text.contains(&format!("{opt}\n")),
                "docs/cli.md names `{cmd} {opt}`, which `flipshift {cmd} --help` does not list"
            );
        }
    }
}

#[test]
fn every_command_of_help_is_documented() {
    let text = help(&["--help"]);
    let names: BTreeSet<String> = documented().into_iter().map(|(n, _)| n).collect();
    let commands = text
        .lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        // A description that wraps continues on a line indented further.
        .filter(|l| !l.starts_with("   "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|c| *c != "help");
    for cmd in commands {
        assert!(names.contains(cmd), "`{cmd}` is missing from docs/cli.md");
    }
}
