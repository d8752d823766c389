//! The README's program is `examples/quickstart.rs` (the README's Rust blocks are also compiled
//! and run as doctests of the `flipshift` crate): the two must not drift apart.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[test]
fn the_readme_program_is_the_quickstart_example() {
    let root = env!("CARGO_MANIFEST_DIR");
    let readme = std::fs::read_to_string(format!("{root}/README.md")).unwrap();
    let start = readme
        .find("```rust\n")
        .expect("a Rust block in the README")
        + "```rust\n".len();
    let block = &readme[start..start + readme[start..].find("```").unwrap()];
    let example = std::fs::read_to_string(format!("{root}/examples/quickstart.rs")).unwrap();
    let body: String = example
        .lines()
        .skip_while(|l| l.starts_with("//!") || l.is_empty())
        .map(|l| format!("{l}\n"))
        .collect();
    assert_eq!(block, body);
    assert!(block.lines().count() <= 25, "the README promises 25 lines");
}
