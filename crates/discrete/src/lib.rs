//! # flipshift-discrete
//!
//! Discrete convolution $z = h * x = Hx$ as a linear operator.
#![warn(missing_docs)]

mod bridge;
pub use bridge::*;
