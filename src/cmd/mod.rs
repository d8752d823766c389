//! One module per group of subcommands. No maths here: parse, call the libraries, format.

pub mod check;
pub mod continuous;
pub mod demo;
pub mod dirac;
pub mod discrete;
pub mod extremal;
pub mod lab;
pub mod variational;
