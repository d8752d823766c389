//! # flipshift
//!
//! The facade: re-exports the library crates, draws figures from their reports, and holds the
//! deconvolution experiment (blur, seeded noise, reconstruction) that the CLI, the demo and the
//! examples run.
#![warn(missing_docs)]

pub use flipshift_continuous as continuous;
pub use flipshift_discrete as discrete;
pub use flipshift_plot as plot;

mod deconvolution;
pub mod figures;

pub use deconvolution::{DeconvReport, DeconvRun, DeconvSetup, Regulariser, deconvolution};
