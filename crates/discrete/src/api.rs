//! Convolution and correlation in SciPy's modes, the Toeplitz matrix $H$, the Jacobian, and
//! the three operators (direct, Toeplitz, FFT) with their adjoints.

use crate::linear::{DiscreteError, Layout, LinearOp, Method, Mode, check};
use crate::plan::Plan;
use nalgebra::{DMatrix, DVector};

/// The convolution $h * x$ in the given mode, as `scipy.signal.convolve(x, h, mode)`.
///
/// $z_k = \sum_i h_i\\, x_{k-i}$; see [`Mode`] for the lengths and alignment.
///
/// ```
/// # use flipshift_discrete::{Method, Mode, convolve};
/// let z = convolve(&[1.0, 2.0, 3.0], &[0.0, 1.0, 0.5], Mode::Full, Method::Direct)?;
/// assert_eq!(z, vec![0.0, 1.0, 2.5, 4.0, 1.5]);
/// let s = convolve(&[1.0, 2.0, 3.0], &[0.0, 1.0, 0.5], Mode::Same, Method::Direct)?;
/// assert_eq!(s, vec![1.0, 2.5, 4.0]);
/// # Ok::<(), flipshift_discrete::DiscreteError>(())
/// ```
pub fn convolve(
    x: &[f64],
    h: &[f64],
    mode: Mode,
    method: Method,
) -> Result<Vec<f64>, DiscreteError> {
    // Checked (non-empty, finite) inside, in the pass that also finds the scale.
    let (n, m) = (x.len(), h.len());
    let (start, len) = (
        mode.offset(n.max(1), m.max(1)),
        mode.len(n.max(1), m.max(1)),
    );
    // Only the mode's entries are computed (overlap-save blocks or direct sums over them).
    crate::plan::convolve_window(x, h, method, start, len)
}

/// The correlation of `x` with `h`, as `scipy.signal.correlate(x, h, mode)`:
/// $c_k = \sum_j x_j\\, h_{j - k + m - 1}$ in full mode, i.e. the convolution of $x$ with the
/// reversed kernel, sliced by the same rules.
pub fn correlate(
    x: &[f64],
    h: &[f64],
    mode: Mode,
    method: Method,
) -> Result<Vec<f64>, DiscreteError> {
    check("x", x)?;
    check("h", h)?;
    let rev: Vec<f64> = h.iter().rev().copied().collect();
    convolve(x, &rev, mode, method)
}

/// A usable kernel (non-empty, finite) and signal length (at least 1).
fn check_kernel(h: &[f64], n: usize) -> Result<(), DiscreteError> {
    check("h", h)?;
    if n == 0 {
        return Err(DiscreteError::InvalidParameter {
            what: "n",
            reason: "the signal length must be at least 1".into(),
        });
    }
    Ok(())
}

/// The convolution matrix $H$ with $Hx = $ `convolve(x, h, mode)` for $x \in \mathbb{R}^n$.
///
/// In full mode $H_{kj} = h_{k-j}$ (zero outside $0 \le k - j < m$): an $(n+m-1) \times n$
/// Toeplitz matrix whose row $k$ is the kernel **flipped and shifted** to $k$ — the discrete
/// twin of $\tau \mapsto h(t_0 - \tau)$. `Same` and `Valid` are row slices of it.
pub fn conv_matrix(h: &[f64], n: usize, mode: Mode) -> Result<DMatrix<f64>, DiscreteError> {
    check_kernel(h, n)?;
    let m = h.len();
    let (start, rows) = (mode.offset(n, m), mode.len(n, m));
    Ok(DMatrix::from_fn(rows, n, |r, j| {
        let k = r + start;
        k.checked_sub(j)
            .and_then(|i| h.get(i))
            .copied()
            .unwrap_or(0.0)
    }))
}

/// The Jacobian of $z = h * x$ with respect to $x$: $H$ in numerator layout
/// ($\partial z_k/\partial x_j$ in row $k$), $H^\top$ in denominator layout.
///
/// ```
/// # use flipshift_discrete::{Layout, Mode, jacobian};
/// // Each row of H is the kernel flipped and shifted.
/// let jac = jacobian(&[1.0, 2.0, 3.0], 4, Mode::Full, Layout::Numerator)?;
/// assert_eq!(jac.row(3).iter().copied().collect::<Vec<_>>(), vec![0.0, 3.0, 2.0, 1.0]);
/// # Ok::<(), flipshift_discrete::DiscreteError>(())
/// ```
pub fn jacobian(
    h: &[f64],
    n: usize,
    mode: Mode,
    layout: Layout,
) -> Result<DMatrix<f64>, DiscreteError> {
    let hm = conv_matrix(h, n, mode)?;
    Ok(match layout {
        Layout::Numerator => hm,
        Layout::Denominator => hm.transpose(),
    })
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
fn full_adjoint(r: &[f64], h: &[f64], method: Method) -> Result<Vec<f64>, DiscreteError> {
    correlate(r, h, Mode::Valid, method)
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
            x.as_slice(),
            &self.h,
            self.mode,
            Method::Direct,
        )?))
    }
    fn apply_adjoint(&self, y: &DVector<f64>) -> Result<DVector<f64>, DiscreteError> {
        let r = embed(y.as_slice(), self.n, self.h.len(), self.mode)?;
        Ok(DVector::from_vec(full_adjoint(
            &r,
            &self.h,
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
