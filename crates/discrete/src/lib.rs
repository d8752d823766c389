//! # flipshift-discrete
//!
//! Discrete convolution $z = h * x = Hx$ as a linear operator.
#![warn(missing_docs)]

mod core;
pub use crate::core::*;
