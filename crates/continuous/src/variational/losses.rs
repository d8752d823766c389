//! Ready-made data terms $G(t, u)$ and regularisers $L(t, x, x')$ as expressions.
//!
//! Data terms use `t` and `u` (the blurred signal $u = (h * x)(t)$) and take the data $y(t)$ as an
//! expression in `t`, or the variable `y` bound to the functional's data (any signal, or samples in
//! the discrete functional); regularisers use `t`, `x` and `xp`. Each is an ordinary [`Expr`], so it
//! prints, differentiates and evaluates like one typed by hand.

use crate::error::{ContinuousError, Result};
use crate::symbolic::{Expr, Func};
use crate::variational::{X, XP};

/// The variable standing for the blurred signal $u = (h * x)(t)$ in a data term.
pub const U: &str = "u";

fn positive(what: &str, v: f64) -> Result<Expr> {
    if v.is_finite() && v > 0.0 {
        Ok(Expr::num(v))
    } else {
        Err(ContinuousError::InvalidParameter {
            what: what.into(),
            reason: format!("need a finite value > 0, got {v:?}"),
        })
    }
}

/// The data may be an expression in `t`, or the variable `y` standing for sampled data (bound
/// point by point by the discrete functional).
fn data_only_in_t(y: &Expr) -> Result<()> {
    match y.free_vars().into_iter().find(|v| v != "t" && v != "y") {
        Some(v) => Err(ContinuousError::UnknownName {
            name: v,
            column: 0,
            hint: "the data y(t) may use only t (or be the sampled-data variable y)".into(),
        }),
        None => Ok(()),
    }
}

/// Least squares $G(t, u) = \tfrac12\big(u - y(t)\big)^2$, so $G_u = u - y$: the residual.
pub fn least_squares(y: &Expr) -> Result<Expr> {
    data_only_in_t(y)?;
    let r = Expr::var(U) - y.clone();
    Ok(Expr::num(0.5) * r.pow(Expr::num(2.0)))
}

/// The pseudo-Huber loss $G(t, u) = \delta^2\big(\sqrt{1 + ((u - y(t))/\delta)^2} - 1\big)
/// = \delta\sqrt{\delta^2 + r^2} - \delta^2$ with $r = u - y$: quadratic for residuals small
/// against $\delta$, linear (robust to outliers) for large ones, and smooth everywhere;
/// $G_u = \delta\\, r/\sqrt{\delta^2 + r^2}$.
pub fn pseudo_huber(y: &Expr, delta: f64) -> Result<Expr> {
    data_only_in_t(y)?;
    let d = positive("delta", delta)?;
    let r = Expr::var(U) - y.clone();
    let root = Expr::call(Func::Sqrt, Expr::num(delta * delta) + r.pow(Expr::num(2.0)));
    Ok(d * root - Expr::num(delta * delta))
}

/// The log-cosh loss $G(t, u) = \delta^2 \log\cosh\big((u - y(t))/\delta\big)$: like
/// pseudo-Huber, quadratic for small residuals and linear for large ones, with
/// $G_u = \delta\tanh(r/\delta)$. Written as $\delta^2\big(|v| + \log(1 + e^{-2|v|}) - \log 2\big)$,
/// $v = r/\delta$, which cannot overflow however large the residual.
pub fn log_cosh(y: &Expr, delta: f64) -> Result<Expr> {
    data_only_in_t(y)?;
    let d = positive("delta", delta)?;
    let v = Expr::call(Func::Abs, (Expr::var(U) - y.clone()) / d);
    let soft = Expr::call(
        Func::Log,
        Expr::num(1.0) + Expr::call(Func::Exp, Expr::num(-2.0) * v.clone()),
    );
    Ok(Expr::num(delta * delta) * (v + soft - Expr::num(std::f64::consts::LN_2)))
}

/// The Poisson negative log-likelihood $G(t, u) = u - y(t)\log u$ (up to terms free of $u$), for
/// counts $y \ge 0$ and intensities $u > 0$; $G_u = 1 - y/u$. It is defined only where $u > 0$,
/// so use it on a domain where the blurred signal is positive.
pub fn poisson(y: &Expr) -> Result<Expr> {
    data_only_in_t(y)?;
    let u = Expr::var(U);
    Ok(u.clone() - y.clone() * Expr::call(Func::Log, u))
}

/// The smoothness (first-order Tikhonov) regulariser $L = \tfrac12\lambda x'^2$, whose
/// Euler–Lagrange term is $-\lambda x''$.
pub fn smoothness(lambda: f64) -> Result<Expr> {
    let l = positive("lambda", lambda)?;
    Ok(Expr::num(0.5) * l * Expr::var(XP).pow(Expr::num(2.0)))
}

/// The energy (zeroth-order Tikhonov) regulariser $L = \tfrac12\lambda x^2$, whose
/// Euler–Lagrange term is $\lambda x$.
pub fn energy(lambda: f64) -> Result<Expr> {
    let l = positive("lambda", lambda)?;
    Ok(Expr::num(0.5) * l * Expr::var(X).pow(Expr::num(2.0)))
}

/// Smoothed total variation $L = \lambda\sqrt{\varepsilon^2 + x'^2}$, whose Euler–Lagrange term
/// is $-\lambda\,\varepsilon^2 x''/(\varepsilon^2 + x'^2)^{3/2}$: edges cost their height, not
/// their steepness. It does not vanish where $x' = 0$, so use it on a bounded domain.
pub fn smooth_tv(lambda: f64, eps: f64) -> Result<Expr> {
    let l = positive("lambda", lambda)?;
    let e = positive("eps", eps)?;
    Ok(l * Expr::call(
        Func::Sqrt,
        e.pow(Expr::num(2.0)) + Expr::var(XP).pow(Expr::num(2.0)),
    ))
}
