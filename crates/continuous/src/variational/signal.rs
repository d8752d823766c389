//! Signals and kernels of functionals: anything that implements [`RealFn`], with what is known
//! about its derivatives — exact for expressions, splines and extremals, by Richardson-extrapolated
//! central differences for a closure.

use crate::error::{ContinuousError, Result};
use crate::realfn::{FnWithSupport, Interval, RealFn};
use crate::symbolic::{CompiledExpr, Expr};
use crate::variational::extremal::ExtremalSolution;
use std::sync::Arc;

/// A function a [`crate::Functional`] can take as its signal $x$, its kernel $h$ or its data $y$:
/// a [`RealFn`] that can also give its derivatives $x'$, $x''$ (needed where the functional has
/// a regulariser $L(t, x, x')$), and its formula when it has one (which opens the exact paths:
/// closed-form convolutions, symbolic Euler–Lagrange terms).
///
/// Implemented by [`CompiledExpr`] (exact derivatives; functionals also take an [`Expr`]
/// directly, see [`AsSignal`]), [`Sampled`] data with an interpolation rule (the interpolant's
/// derivatives), [`FnWithSupport`] closures and any [`crate::SharedFn`] (derivatives by
/// differences), [`ExtremalSolution`] and [`crate::Bump`]. A type of one's own implements
/// [`RealFn`] and then `impl Signal for MyType {}`, which gives derivatives by differences.
pub trait Signal: RealFn {
    /// The formula, when there is one.
    fn expr(&self) -> Option<&Expr> {
        None
    }

    /// $x^{(k)}(t)$ for $k = 1, 2$ (and $k = 0$, the value). By default Richardson-extrapolated
    /// central differences with step $h = 10^{-3}\max(1, |t|)$ (relative error about $10^{-10}$
    /// for smooth functions), one-sided across none of the breakpoints: exact derivatives are
    /// better wherever they are available.
    fn derivative(&self, t: f64, order: usize) -> f64 {
        finite_difference(&|s| self.eval(s), t, order)
    }
}

/// $f^{(k)}(t)$ by central differences at $h$ and $h/2$, extrapolated once ($O(h^4)$).
pub(crate) fn finite_difference(f: &dyn Fn(f64) -> f64, t: f64, order: usize) -> f64 {
    let h = 1e-3 * t.abs().max(1.0);
    let d = |h: f64| match order {
        0 => f(t),
        1 => (f(t + h) - f(t - h)) / (2.0 * h),
        2 => (f(t + h) - 2.0 * f(t) + f(t - h)) / (h * h),
        _ => f64::NAN,
    };
    if order == 0 {
        return f(t);
    }
    let (d1, d2) = (d(h), d(0.5 * h));
    (4.0 * d2 - d1) / 3.0
}

/// $e^{(k)}(t)$ by symbolic differentiation.
pub(crate) fn expr_derivative(e: &Expr, t: f64, order: usize) -> f64 {
    let mut e = e.clone();
    for _ in 0..order {
        e = e.diff("t");
    }
    e.eval_at(t)
}

impl Signal for CompiledExpr {
    fn expr(&self) -> Option<&Expr> {
        Some(CompiledExpr::expr(self))
    }
    fn derivative(&self, t: f64, order: usize) -> f64 {
        expr_derivative(CompiledExpr::expr(self), t, order)
    }
}

/// A signal borrowed, or an expression compiled for the occasion.
pub enum SignalRef<'a> {
    /// A signal as given.
    Borrowed(&'a dyn Signal),
    /// An expression, compiled.
    Compiled(Box<CompiledExpr>),
}

impl<'a> std::ops::Deref for SignalRef<'a> {
    type Target = dyn Signal + 'a;
    fn deref(&self) -> &Self::Target {
        match self {
            SignalRef::Borrowed(s) => *s,
            SignalRef::Compiled(c) => &**c,
        }
    }
}

/// What a [`crate::Functional`] accepts as a signal: any [`Signal`], or an [`Expr`] in `t`
/// (compiled on the way in).
pub trait AsSignal {
    /// The signal (an expression's variables are checked: only `t`).
    fn as_signal(&self) -> Result<SignalRef<'_>>;
}

impl<S: Signal> AsSignal for S {
    fn as_signal(&self) -> Result<SignalRef<'_>> {
        Ok(SignalRef::Borrowed(self))
    }
}

impl AsSignal for dyn Signal + '_ {
    fn as_signal(&self) -> Result<SignalRef<'_>> {
        Ok(SignalRef::Borrowed(self))
    }
}

impl AsSignal for Expr {
    fn as_signal(&self) -> Result<SignalRef<'_>> {
        self.require_vars(&["t"], "a signal")?;
        Ok(SignalRef::Compiled(Box::new(self.compile()?)))
    }
}

/// What a [`crate::Functional`] keeps as its kernel or data: any [`Signal`] that can be shared,
/// or an [`Expr`] in `t` (compiled).
pub trait IntoSignal {
    /// The shared signal.
    fn into_signal(self) -> Result<SharedSignal>;
}

impl<S: Signal + Send + Sync + 'static> IntoSignal for S {
    fn into_signal(self) -> Result<SharedSignal> {
        Ok(Arc::new(self))
    }
}

impl IntoSignal for Expr {
    fn into_signal(self) -> Result<SharedSignal> {
        self.require_vars(&["t"], "a kernel or data")?;
        Ok(Arc::new(self.compile()?))
    }
}

impl<F: Fn(f64) -> f64> Signal for FnWithSupport<F> {}

/// Any function as a signal (derivatives by differences): what a [`crate::SharedFn`] holds.
impl Signal for dyn RealFn + Send + Sync {}

/// Any function as a signal (derivatives by differences).
impl Signal for dyn RealFn {}

impl Signal for ExtremalSolution {
    fn derivative(&self, t: f64, order: usize) -> f64 {
        match order {
            0 => self.eval(t),
            1 => self.derivative_at(t),
            2 => self.second_derivative_at(t),
            _ => f64::NAN,
        }
    }
}

impl<S: Signal + ?Sized> Signal for &S {
    fn expr(&self) -> Option<&Expr> {
        (**self).expr()
    }
    fn derivative(&self, t: f64, order: usize) -> f64 {
        (**self).derivative(t, order)
    }
}

impl<S: Signal + ?Sized> Signal for Arc<S> {
    fn expr(&self) -> Option<&Expr> {
        (**self).expr()
    }
    fn derivative(&self, t: f64, order: usize) -> f64 {
        (**self).derivative(t, order)
    }
}

impl<S: Signal + ?Sized> Signal for Box<S> {
    fn expr(&self) -> Option<&Expr> {
        (**self).expr()
    }
    fn derivative(&self, t: f64, order: usize) -> f64 {
        (**self).derivative(t, order)
    }
}

/// A shared, thread-safe signal: what a functional holds.
pub type SharedSignal = Arc<dyn Signal + Send + Sync>;

/// How [`Sampled`] data is interpolated between its samples.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Interpolation {
    /// Straight lines: $x'$ piecewise constant, $x'' = 0$ between samples.
    Linear,
    /// The natural cubic spline ($x'' = 0$ at both ends): $x$, $x'$, $x''$ continuous.
    CubicSpline,
}

/// Samples $x_k$ at $t_k = t_0 + k\Delta$, interpolated by a rule, and zero outside
/// $[t_0, t_{n-1}]$.
///
/// ```
/// # use flipshift_continuous::{Interpolation, RealFn, Sampled, Signal};
/// let t: Vec<f64> = (0..=40).map(|k| k as f64 * 0.05).collect();
/// let s = Sampled::new(0.0, 0.05, t.iter().map(|t| t.sin()).collect(), Interpolation::CubicSpline)?;
/// assert!((s.eval(1.03) - 1.03f64.sin()).abs() < 1e-5);
/// assert!((s.derivative(1.03, 1) - 1.03f64.cos()).abs() < 1e-3);
/// # Ok::<(), flipshift_continuous::ContinuousError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Sampled {
    start: f64,
    dt: f64,
    values: Vec<f64>,
    /// Second derivatives at the knots (the spline's moments; zero for linear).
    moments: Vec<f64>,
    rule: Interpolation,
}

impl Sampled {
    /// Interpolate `values` (at least two, all finite) at spacing `dt > 0` from `start`.
    pub fn new(start: f64, dt: f64, values: Vec<f64>, rule: Interpolation) -> Result<Self> {
        if !(start.is_finite() && dt.is_finite() && dt > 0.0) {
            return Err(ContinuousError::InvalidParameter {
                what: "sampling grid".into(),
                reason: format!("need a finite start and spacing Δ > 0, got {start}, {dt}"),
            });
        }
        if values.len() < 2 {
            return Err(ContinuousError::Empty {
                what: "samples (at least two)".into(),
            });
        }
        if let Some(v) = values.iter().find(|v| !v.is_finite()) {
            return Err(ContinuousError::NonFinite {
                what: "sample".into(),
                value: *v,
            });
        }
        let n = values.len();
        let moments = match rule {
            Interpolation::Linear => vec![0.0; n],
            Interpolation::CubicSpline => {
                // M_{k−1} + 4M_k + M_{k+1} = 6(x_{k+1} − 2x_k + x_{k−1})/Δ², M_0 = M_{n−1} = 0:
                // a diagonally dominant tridiagonal system.
                let mut m = vec![0.0; n];
                if n > 2 {
                    let k = n - 2;
                    let mut diag = vec![4.0; k];
                    let mut rhs: Vec<f64> = (1..n - 1)
                        .map(|i| {
                            6.0 * (values[i + 1] - 2.0 * values[i] + values[i - 1]) / (dt * dt)
                        })
                        .collect();
                    for i in 1..k {
                        let f = 1.0 / diag[i - 1];
                        diag[i] -= f;
                        rhs[i] -= f * rhs[i - 1];
                    }
                    m[k] = rhs[k - 1] / diag[k - 1];
                    for i in (1..k).rev() {
                        m[i] = (rhs[i - 1] - m[i + 1]) / diag[i - 1];
                    }
                }
                m
            }
        };
        Ok(Self {
            start,
            dt,
            values,
            moments,
            rule,
        })
    }

    /// The interval index and the local coordinate, or `None` outside the samples.
    fn locate(&self, t: f64) -> Option<(usize, f64)> {
        let n = self.values.len();
        let u = (t - self.start) / self.dt;
        if !(u >= 0.0 && u <= (n - 1) as f64) {
            return None;
        }
        let k = (u.floor() as usize).min(n - 2);
        Some((k, u - k as f64))
    }

    fn piece(&self, t: f64, order: usize) -> f64 {
        let Some((k, s)) = self.locate(t) else {
            return 0.0;
        };
        let (y0, y1) = (self.values[k], self.values[k + 1]);
        let (m0, m1) = (self.moments[k], self.moments[k + 1]);
        let h = self.dt;
        let a = 1.0 - s;
        match order {
            0 => a * y0 + s * y1 + h * h / 6.0 * ((a * a * a - a) * m0 + (s * s * s - s) * m1),
            1 => (y1 - y0) / h + h / 6.0 * ((1.0 - 3.0 * a * a) * m0 + (3.0 * s * s - 1.0) * m1),
            2 => a * m0 + s * m1,
            _ => f64::NAN,
        }
    }

    /// The interpolation rule.
    pub fn rule(&self) -> Interpolation {
        self.rule
    }
}

impl RealFn for Sampled {
    fn eval(&self, t: f64) -> f64 {
        self.piece(t, 0)
    }
    fn support(&self) -> Interval {
        let end = self.start + (self.values.len() - 1) as f64 * self.dt;
        Interval::new(self.start, end).unwrap_or(Interval::real_line())
    }
    fn breakpoints(&self) -> Vec<f64> {
        (0..self.values.len())
            .map(|k| self.start + k as f64 * self.dt)
            .collect()
    }
}

impl Signal for Sampled {
    fn derivative(&self, t: f64, order: usize) -> f64 {
        self.piece(t, order)
    }
}

/// $x + \varepsilon\varphi$ as a signal: the perturbation of a Gateaux check.
pub(crate) struct Perturbed<'a> {
    pub x: &'a dyn Signal,
    pub phi: &'a dyn Signal,
    pub eps: f64,
}

impl RealFn for Perturbed<'_> {
    fn eval(&self, t: f64) -> f64 {
        self.x.eval(t) + self.eps * self.phi.eval(t)
    }
    fn support(&self) -> Interval {
        self.x.support().hull(&self.phi.support())
    }
    fn breakpoints(&self) -> Vec<f64> {
        let mut b = self.x.breakpoints();
        b.extend(self.phi.breakpoints());
        b.sort_by(f64::total_cmp);
        b.dedup();
        b
    }
}

impl Signal for Perturbed<'_> {
    fn derivative(&self, t: f64, order: usize) -> f64 {
        self.x.derivative(t, order) + self.eps * self.phi.derivative(t, order)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_spline_reproduces_a_cubic_between_natural_ends_and_its_derivatives() {
        // A natural spline is exact for lines; for sin it converges at O(Δ⁴), O(Δ³), O(Δ²).
        let line = Sampled::new(
            -1.0,
            0.5,
            vec![-1.0, 0.0, 1.0, 2.0, 3.0],
            Interpolation::CubicSpline,
        )
        .unwrap();
        assert!((line.eval(0.3) - 1.6).abs() < 1e-15);
        assert!((line.derivative(0.3, 1) - 2.0).abs() < 1e-14);
        let dt = 0.01;
        let s = Sampled::new(
            0.0,
            dt,
            (0..=300).map(|k| (k as f64 * dt).sin()).collect(),
            Interpolation::CubicSpline,
        )
        .unwrap();
        for t in [0.505, 1.2345, 2.0] {
            assert!((s.eval(t) - t.sin()).abs() < 1e-9, "{t}");
            assert!((s.derivative(t, 1) - t.cos()).abs() < 1e-6, "{t}");
            assert!((s.derivative(t, 2) + t.sin()).abs() < 1e-3, "{t}");
        }
        assert_eq!(s.eval(-0.1), 0.0);
    }

    #[test]
    fn differences_of_a_closure_are_accurate() {
        let f = FnWithSupport::new(|t: f64| (0.7 * t).exp(), Interval::real_line());
        let d1 = Signal::derivative(&f, 0.4, 1);
        let d2 = Signal::derivative(&f, 0.4, 2);
        // O(h⁴) truncation with h = 1e-3 and rounding ε/h ≈ 2e-13.
        assert!((d1 - 0.7 * (0.28f64).exp()).abs() < 1e-10);
        assert!((d2 - 0.49 * (0.28f64).exp()).abs() < 1e-7);
    }
}
