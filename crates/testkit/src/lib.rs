//! Shared test helpers for flipshift: high-precision reference values, proptest strategies and
//! tolerance helpers. Not published.
#![warn(missing_docs)]
// `!(x <= y)` is deliberate throughout: unlike `x > y` it is also true for NaN.
#![allow(clippy::neg_cmp_op_on_partial_ord)]

pub mod properties;
pub mod reference;
pub mod strategies;

/// Machine epsilon for `f64`.
pub const EPS: f64 = f64::EPSILON;

/// Relative error `|got − want| / max(|want|, floor)`; `floor` keeps it meaningful near zero.
pub fn rel_err(got: f64, want: f64, floor: f64) -> f64 {
    (got - want).abs() / want.abs().max(floor)
}
