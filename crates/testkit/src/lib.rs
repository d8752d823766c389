//! Shared test helpers for flipshift: high-precision reference values, proptest strategies and
//! tolerance helpers. Not published.
#![warn(missing_docs)]

pub mod reference;

/// Machine epsilon for `f64`.
pub const EPS: f64 = f64::EPSILON;

/// Relative error `|got − want| / max(|want|, floor)`; `floor` keeps it meaningful near zero.
pub fn rel_err(got: f64, want: f64, floor: f64) -> f64 {
    (got - want).abs() / want.abs().max(floor)
}
