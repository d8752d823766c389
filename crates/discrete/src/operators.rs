//! Convolution by a fixed kernel as a linear operator with its adjoint, three ways: the direct
//! sum, the dense Toeplitz matrix, and the FFT with plans made once.

use crate::convolution::{Method, Mode, convolve, correlate};
use crate::error::{DiscreteError, check_kernel};
use crate::plan::Plan;
use crate::toeplitz::conv_matrix;
use nalgebra::{DMatrix, DVector};

/// A linear operator together with its adjoint.
///
/// Implementations satisfy $\langle A x, y\rangle = \langle x, A^* y\rangle$; the tests check it
/// for every one.
pub trait LinearOp {
    /// The space the operator acts on.
    type Domain;
    /// The space it maps into.
    type Range;
    /// $A x$.
    fn apply(&self, x: &Self::Domain) -> Result<Self::Range, DiscreteError>;
    /// $A^* y$.
    fn apply_adjoint(&self, y: &Self::Range) -> Result<Self::Domain, DiscreteError>;
}

/// Scatter `y` (a mode's output) into a zero vector of the full length.
fn embed(y: &[f64], n: usize, m: usize, mode: Mode) -> Result<Vec<f64>, DiscreteError> {
    let len = mode.len(n, m);
    if y.len() != len {
        return Err(DiscreteError::Length {
            what: "y",
            got: y.len(),
            expected: format!("the {mode:?} output for n = {n}, m = {m} has length {len}"),
        });
    }
    let mut r = vec![0.0; n + m - 1];
    let start = mode.offset(n, m);
    r[start..start + len].copy_from_slice(y);
    Ok(r)
}

/// $H^\top r$ for full-length `r`: $\sum_k h_{k-j} r_k$, the correlation's valid part.
fn full_adjoint(h: &[f64], r: &[f64], method: Method) -> Result<Vec<f64>, DiscreteError> {
    correlate(h, r, Mode::Valid, method)
}

fn check_len(what: &'static str, v: &[f64], n: usize) -> Result<(), DiscreteError> {
    if v.len() != n {
        return Err(DiscreteError::Length {
            what,
            got: v.len(),
            expected: format!("the operator acts on vectors of length {n}"),
        });
    }
    Ok(())
}

/// Convolution by $h$ computed by the direct sum; adjoint: correlation with $h$.
#[derive(Debug, Clone)]
pub struct DirectConv {
    h: Vec<f64>,
    n: usize,
    mode: Mode,
}

impl DirectConv {
    /// $x \mapsto h * x$ on $\mathbb{R}^n$ in `mode`.
    pub fn new(h: &[f64], n: usize, mode: Mode) -> Result<Self, DiscreteError> {
        check_kernel(h, n)?;
        Ok(Self {
            h: h.to_vec(),
            n,
            mode,
        })
    }
}

impl LinearOp for DirectConv {
    type Domain = DVector<f64>;
    type Range = DVector<f64>;
    fn apply(&self, x: &DVector<f64>) -> Result<DVector<f64>, DiscreteError> {
        check_len("x", x.as_slice(), self.n)?;
        Ok(DVector::from_vec(convolve(
            &self.h,
            x.as_slice(),
            self.mode,
            Method::Direct,
        )?))
    }
    fn apply_adjoint(&self, y: &DVector<f64>) -> Result<DVector<f64>, DiscreteError> {
        let r = embed(y.as_slice(), self.n, self.h.len(), self.mode)?;
        Ok(DVector::from_vec(full_adjoint(
            &self.h,
            &r,
            Method::Direct,
        )?))
    }
}

/// Convolution as the dense Toeplitz matrix $H$; adjoint $H^\top$.
#[derive(Debug, Clone)]
pub struct ToeplitzConv {
    matrix: DMatrix<f64>,
}

impl ToeplitzConv {
    /// Assemble $H$ for $\mathbb{R}^n$ in `mode`.
    pub fn new(h: &[f64], n: usize, mode: Mode) -> Result<Self, DiscreteError> {
        Ok(Self {
            matrix: conv_matrix(h, n, mode)?,
        })
    }

    /// The matrix.
    pub fn matrix(&self) -> &DMatrix<f64> {
        &self.matrix
    }
}

impl LinearOp for ToeplitzConv {
    type Domain = DVector<f64>;
    type Range = DVector<f64>;
    fn apply(&self, x: &DVector<f64>) -> Result<DVector<f64>, DiscreteError> {
        check_len("x", x.as_slice(), self.matrix.ncols())?;
        Ok(&self.matrix * x)
    }
    fn apply_adjoint(&self, y: &DVector<f64>) -> Result<DVector<f64>, DiscreteError> {
        check_len("y", y.as_slice(), self.matrix.nrows())?;
        Ok(self.matrix.tr_mul(y))
    }
}

/// Convolution by FFT with plans and kernel spectra built once at construction; adjoint:
/// correlation with $h$ by FFT (the reversed kernel's spectrum, also precomputed).
pub struct FftConv {
    forward: Plan,
    adjoint: Plan,
    n: usize,
    m: usize,
    mode: Mode,
}

impl std::fmt::Debug for FftConv {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FftConv")
            .field("n", &self.n)
            .field("m", &self.m)
            .field("mode", &self.mode)
            .finish_non_exhaustive()
    }
}

impl FftConv {
    /// Plan $x \mapsto h * x$ on $\mathbb{R}^n$ in `mode`.
    pub fn new(h: &[f64], n: usize, mode: Mode) -> Result<Self, DiscreteError> {
        check_kernel(h, n)?;
        let rev: Vec<f64> = h.iter().rev().copied().collect();
        let m = h.len();
        Ok(Self {
            forward: Plan::new(h, n, Method::Fft)?,
            adjoint: Plan::new(&rev, n + m - 1, Method::Fft)?,
            n,
            m,
            mode,
        })
    }
}

impl LinearOp for FftConv {
    type Domain = DVector<f64>;
    type Range = DVector<f64>;
    fn apply(&self, x: &DVector<f64>) -> Result<DVector<f64>, DiscreteError> {
        check_len("x", x.as_slice(), self.n)?;
        Ok(DVector::from_vec(
            self.forward.convolve(x.as_slice(), self.mode)?,
        ))
    }
    fn apply_adjoint(&self, y: &DVector<f64>) -> Result<DVector<f64>, DiscreteError> {
        let r = embed(y.as_slice(), self.n, self.m, self.mode)?;
        // The correlation of r (length n+m−1) with h, valid part: length n, from m − 1.
        Ok(DVector::from_vec(self.adjoint.convolve(&r, Mode::Valid)?))
    }
}
