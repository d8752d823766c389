//! The calculus of variations on Lagrangians $L(t, x, x')$: the Euler–Lagrange operator.
//!
//! For $J[x] = \int L(t, x, x')\\, dt$ the first variation is
//! $$\frac{\delta J}{\delta x} = \frac{\partial L}{\partial x} - \frac{d}{dt}\frac{\partial L}{\partial x'},$$
//! where the total derivative follows the chain rule along the path,
//! $\frac{d}{dt} F(t, x, x') = F_t + F_x\\, x' + F_{x'}\\, x''$. In expressions the path and its
//! derivatives are the variables `x`, `xp` ($x'$) and `xpp` ($x''$).

use crate::error::Result;
use crate::symbolic::Expr;

mod chebyshev;
mod extremal;
mod functional;
mod gateaux;
pub mod losses;
mod signal;

pub use extremal::{Boundary, Extremal, ExtremalParams, ExtremalSolution};
pub use functional::{Functional, GradientForm, HessianKernel, Y};
pub use gateaux::{Bump, GateauxReport, gateaux_check, richardson_directional};
pub use signal::{AsSignal, Interpolation, IntoSignal, Sampled, SharedSignal, Signal, SignalRef};

/// The variable standing for the path $x(t)$.
pub const X: &str = "x";
/// The variable standing for $x'(t)$.
pub const XP: &str = "xp";
/// The variable standing for $x''(t)$.
pub const XPP: &str = "xpp";

/// The total derivative $\frac{d}{dt}F(t, x, x') = F_t + F_x\\, x' + F_{x'}\\, x''$, simplified.
///
/// `f` may use `t`, `x` and `xp`; the result may also use `xpp`.
pub fn total_derivative(f: &Expr) -> Expr {
    let dt = f.diff("t");
    let dx = f.diff(X) * Expr::var(XP);
    let dxp = f.diff(XP) * Expr::var(XPP);
    (dt + dx + dxp).simplify()
}

/// The Euler–Lagrange expression $\partial L/\partial x - \frac{d}{dt}\\,\partial L/\partial x'$ of a
/// Lagrangian in `t`, `x`, `xp`, simplified; it may use `xpp`.
///
/// ```
/// # use flipshift_continuous::{Expr, ParseOptions, euler_lagrange};
/// // The harmonic oscillator ½x′² + ½x² gives x − x″.
/// let l = Expr::parse_with("xp^2/2 + x^2/2", &ParseOptions { variables: &["t", "x", "xp"], params: &[] })?;
/// let el = euler_lagrange(&l);
/// let v = el.eval_vars(&[("t", 0.0), ("x", 2.0), ("xp", 5.0), ("xpp", 3.0)])?;
/// assert!((v - (2.0 - 3.0)).abs() < 1e-15);
/// # Ok::<(), flipshift_continuous::ContinuousError>(())
/// ```
pub fn euler_lagrange(l: &Expr) -> Expr {
    let dl_dx = l.diff(X);
    let dl_dxp = l.diff(XP);
    (dl_dx - total_derivative(&dl_dxp)).simplify()
}

/// An expression in `t`, `x`, `xp`, `xpp` evaluated along a path: $x \mapsto x(t)$,
/// $x' \mapsto \dot x(t)$, $x'' \mapsto \ddot x(t)$, giving an expression in `t` alone.
///
/// The path's derivatives are taken symbolically; where the path has breakpoints they are
/// those of the classical derivative (see [`Expr::diff`]).
pub fn along_path(e: &Expr, path: &Expr) -> Result<Expr> {
    let d1 = path.diff("t");
    let d2 = d1.diff("t");
    Ok(e.substitute(XPP, &d2)
        .substitute(XP, &d1)
        .substitute(X, path)
        .simplify())
}
