//! The `flipshift` command line.
fn main() {}
