//! # flipshift-continuous
//!
//! Functions of one real variable, symbolic and numeric, and the calculus of convolutions on
//! them: the functional derivative of $z(t_0) = (h*x)(t_0)$ with respect to $x$ is the kernel
//! reversed and shifted, $\delta z(t_0)/\delta x(\tau) = (S_{t_0} R\\, h)(\tau) = h(t_0 - \tau)$.
//!
//! ## Conventions
//!
//! - Convolution $(h*x)(t) = \int h(t-\tau)\\, x(\tau)\\, d\tau$; correlation
//!   $(h \star r)(s) = \int h(t-s)\\, r(t)\\, dt = (Rh * r)(s)$.
//! - Reversal $(Rf)(t) = f(-t)$, shift $(S_{t_0} f)(t) = f(t - t_0)$, scale $(D_c f)(t) = f(ct)$.
//! - Inner product $\langle u, v\rangle = \int u(t)\\, v(t)\\, dt$.
//! - A sampling grid is $t_k = t_{\text{start}} + k\\,\Delta t$; on it
//!   $\Delta t \sum_k h_k x_{n-k}$ approximates $(h*x)(t_n)$ (see `flipshift-discrete`).
#![warn(missing_docs)]
// `!(x > 0.0)` is deliberate throughout: unlike `x <= 0.0` it is also true for NaN.
#![allow(clippy::neg_cmp_op_on_partial_ord)]

mod closed_form;
mod convolution;
mod distribution;
mod error;
mod operators;
mod periodic;
mod point_eval;
mod quadrature;
mod realfn;
mod special;
mod symbolic;
mod variational;

pub use closed_form::{
    ClosedForm, ConvPath, Family, NoClosedForm, convolve_auto, convolve_auto_lenient,
    convolve_symbolic,
};
pub use convolution::{
    ConvOutput, Convolution, convolve, convolve_lenient, correlate, correlate_lenient,
};
pub use distribution::{
    DiracTerm, Distribution, DistributionConvolution, DistributionValues, MAX_DIRAC_ORDER,
    contains_dirac, join_terms,
};
pub use error::{ContinuousError, Result};
pub use operators::{LinearCombination, RealFnExt, Reverse, Scale, Shift};
pub use periodic::{
    NotTrigPolynomial, PERIODIC_NESTED_OUTER, PeriodicFlip, PeriodicLeastSquares,
    PeriodicLeastSquaresClosedForm, PeriodicPointEval, TrigPoly, check_period, convolve_periodic,
    convolve_periodic_lenient, convolve_periodic_symbolic, periodic_least_squares,
    periodic_least_squares_symbolic,
};
pub use point_eval::{PointEval, point_eval_derivative, point_eval_derivative_in_t};
pub use quadrature::{Integrand, QuadInfo, QuadParams, integrate, integrate_fn, integrate_with};
pub use realfn::{Features, FnWithSupport, Interval, Peak, RealFn, SharedFn};
pub use special::{erf, erfc, sinc};
pub use symbolic::*;
pub use variational::*;
