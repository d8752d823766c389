//! The convolution matrix $H$ (Toeplitz: each row the kernel flipped and shifted) and the
//! Jacobian of $z = h * x$ in either layout.

use crate::convolution::Mode;
use crate::error::{DiscreteError, check_kernel};
use nalgebra::DMatrix;

/// Matrix-calculus layout of a Jacobian.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// $\partial z/\partial x = H$: one row per output $z_k$.
    Numerator,
    /// $(\partial z/\partial x)^\top = H^\top$: one row per input $x_j$.
    Denominator,
}

impl std::str::FromStr for Layout {
    type Err = DiscreteError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "numerator" => Ok(Layout::Numerator),
            "denominator" => Ok(Layout::Denominator),
            _ => Err(DiscreteError::InvalidParameter {
                what: "layout",
                reason: format!("'{s}' is not one of numerator, denominator"),
            }),
        }
    }
}

/// The convolution matrix $H$ with $Hx = $ `convolve(h, x, mode)` for $x \in \mathbb{R}^n$.
///
/// In full mode $H_{kj} = h_{k-j}$ (zero outside $0 \le k - j < m$): an $(n+m-1) \times n$
/// Toeplitz matrix whose row $k$ is the kernel **flipped and shifted** to $k$ — the discrete
/// twin of $\tau \mapsto h(t_0 - \tau)$. `Same` and `Valid` are row slices of it.
pub fn conv_matrix(h: &[f64], n: usize, mode: Mode) -> Result<DMatrix<f64>, DiscreteError> {
    check_kernel(h, n)?;
    let m = h.len();
    let (start, rows) = (mode.offset(n, m), mode.len(n, m));
    // Column j holds h shifted down to row j − start (column-major storage): each column is
    // one copy of the kernel into zeros, the columns filled in parallel for large matrices.
    let mut hm = DMatrix::zeros(rows, n);
    let fill = |(j, col): (usize, &mut [f64])| {
        // Rows r with 0 ≤ r + start − j < m: from max(j − start, 0), kernel index from
        // max(start − j, 0).
        let r0 = j.saturating_sub(start);
        let i0 = start.saturating_sub(j);
        if r0 < rows && i0 < m {
            let len = (m - i0).min(rows - r0);
            col[r0..r0 + len].copy_from_slice(&h[i0..i0 + len]);
        }
    };
    if rows.saturating_mul(n) >= 1 << 20 && rows > 0 {
        use rayon::prelude::*;
        hm.as_mut_slice()
            .par_chunks_mut(rows)
            .enumerate()
            .for_each(fill);
    } else if rows > 0 {
        hm.as_mut_slice()
            .chunks_mut(rows)
            .enumerate()
            .for_each(fill);
    }
    Ok(hm)
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
