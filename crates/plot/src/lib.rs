//! # flipshift-plot
//!
//! Figures for flipshift.
#![warn(missing_docs)]
