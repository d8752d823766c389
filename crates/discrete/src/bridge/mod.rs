//! The bridge between the continuous and the discrete answers: sampling rules, and the
//! measured agreement of convolutions, functional derivatives, least-squares gradients and
//! Hessians as the spacing shrinks.

pub(crate) mod agree;
mod dirac;
mod periodic;
mod sample;

pub use agree::{
    AgreementReport, CheckParams, Quantity, QuantityReport, check_agreement, fit_order,
};
pub use dirac::{check_dirac_agreement, dirac_samples};
pub use periodic::{
    PeriodicAgreementReport, PeriodicConvergence, check_periodic_agreement,
    check_periodic_agreement_with_data,
};
pub use sample::{Grid, Rule, sample};
