//! # flipshift
//!
//! The facade: re-exports the library crates, and draws figures from their reports.
#![warn(missing_docs)]

pub use flipshift_continuous as continuous;
pub use flipshift_discrete as discrete;
pub use flipshift_plot as plot;

pub mod figures;
