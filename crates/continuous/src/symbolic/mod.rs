//! Symbolic expressions in one real variable: parsing, printing, simplification,
//! differentiation, substitution, exact supports and breakpoints, and compiled evaluation.

mod ast;
mod compile;
mod diff;
mod parse;
mod print;
mod shape;
mod simplify;
mod support;

pub(crate) use ast::pow as pow_real;
pub use ast::{Expr, Func};
pub use compile::CompiledExpr;
pub use parse::ParseOptions;
pub(crate) use support::{affine, quadratic};
