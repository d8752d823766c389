//! Convolution and correlation of vectors in SciPy's modes, by the direct sum or by FFT.

use crate::error::{DiscreteError, check};

/// Which part of the full convolution to return, as in `scipy.signal.convolve(x, h, mode)`.
///
/// For $x \in \mathbb{R}^n$, $h \in \mathbb{R}^m$ the full result has $n + m - 1$ entries;
/// `Same` is the centred slice of length $n$ starting at $\lfloor (m-1)/2 \rfloor$; `Valid`
/// holds the $\max(n,m) - \min(n,m) + 1$ entries that need no zero padding, starting at
/// $\min(n, m) - 1$.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Length $n + m - 1$.
    Full,
    /// Length $n$, centred.
    Same,
    /// Length $\max(n,m) - \min(n,m) + 1$.
    Valid,
}

impl Mode {
    /// Output length for signal length `n` and kernel length `m` (both ≥ 1).
    pub fn len(&self, n: usize, m: usize) -> usize {
        match self {
            Mode::Full => n + m - 1,
            Mode::Same => n,
            Mode::Valid => n.max(m) - n.min(m) + 1,
        }
    }

    /// Index into the full result where this mode's output starts.
    pub fn offset(&self, n: usize, m: usize) -> usize {
        match self {
            Mode::Full => 0,
            Mode::Same => (m - 1) / 2,
            Mode::Valid => n.min(m) - 1,
        }
    }
}

impl std::str::FromStr for Mode {
    type Err = DiscreteError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "full" => Ok(Mode::Full),
            "same" => Ok(Mode::Same),
            "valid" => Ok(Mode::Valid),
            _ => Err(DiscreteError::InvalidParameter {
                what: "mode",
                reason: format!("'{s}' is not one of full, same, valid"),
            }),
        }
    }
}

/// How a convolution is computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// Whichever a cost model says is faster.
    Auto,
    /// The $O(nm)$ sum: the ground truth.
    Direct,
    /// Real FFTs (overlap-save blocks when the kernel is much shorter than the signal).
    Fft,
}

impl std::str::FromStr for Method {
    type Err = DiscreteError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "auto" => Ok(Method::Auto),
            "direct" => Ok(Method::Direct),
            "fft" => Ok(Method::Fft),
            _ => Err(DiscreteError::InvalidParameter {
                what: "method",
                reason: format!("'{s}' is not one of auto, direct, fft"),
            }),
        }
    }
}

/// The convolution $h * x$ in the given mode, as `scipy.signal.convolve(x, h, mode)`: the
/// kernel first, the signal second.
///
/// $z_k = \sum_i h_i\\, x_{k-i}$; see [`Mode`] for the lengths and alignment (`Same` has the
/// signal's length $n$).
///
/// ```
/// # use flipshift_discrete::{Method, Mode, convolve};
/// let (h, x) = ([0.0, 1.0, 0.5], [1.0, 2.0, 3.0]);
/// let z = convolve(&h, &x, Mode::Full, Method::Direct)?;
/// assert_eq!(z, vec![0.0, 1.0, 2.5, 4.0, 1.5]);
/// let s = convolve(&h, &x, Mode::Same, Method::Direct)?;
/// assert_eq!(s, vec![1.0, 2.5, 4.0]);
/// # Ok::<(), flipshift_discrete::DiscreteError>(())
/// ```
pub fn convolve(
    h: &[f64],
    x: &[f64],
    mode: Mode,
    method: Method,
) -> Result<Vec<f64>, DiscreteError> {
    // Checked (non-empty, finite) inside, in the pass that also finds each input's scale.
    let (n, m) = (x.len().max(1), h.len().max(1));
    let (start, len) = (mode.offset(n, m), mode.len(n, m));
    // Only the mode's entries are computed (overlap-save blocks or direct sums over them).
    crate::plan::convolve_window(h, x, method, start, len)
}

/// The correlation of `x` with the kernel `h`, as `scipy.signal.correlate(x, h, mode)` (the
/// kernel first here too): $c_k = \sum_j x_j\\, h_{j - k + m - 1}$ in full mode, i.e. the
/// convolution of $x$ with the reversed kernel, sliced by the same rules.
///
/// ```
/// # use flipshift_discrete::{Method, Mode, correlate};
/// // Correlating with h = (1, 2) sums x_j·h_0 + x_{j+1}·h_1 in valid mode.
/// let c = correlate(&[1.0, 2.0], &[1.0, 0.0, 3.0], Mode::Valid, Method::Direct)?;
/// assert_eq!(c, vec![1.0, 6.0]);
/// # Ok::<(), flipshift_discrete::DiscreteError>(())
/// ```
pub fn correlate(
    h: &[f64],
    x: &[f64],
    mode: Mode,
    method: Method,
) -> Result<Vec<f64>, DiscreteError> {
    check("h", h)?;
    check("x", x)?;
    let rev: Vec<f64> = h.iter().rev().copied().collect();
    convolve(&rev, x, mode, method)
}
