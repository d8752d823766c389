//! Functionals $J\[x\] = \int_D G\big(t, (h * x)(t), y(t)\big)\\,dt + \int_D L(t, x, x')\\,dt$, their
//! exact gradients and Hessian-vector products, evaluated by nested quadrature and checked by
//! Gateaux differences. Least squares is the loss $G = \tfrac12(u - y)^2$.

use crate::closed_form::{ClosedForm, ConvPath, NoClosedForm, convolve_symbolic};
use crate::convolution::{ConvOutput, Convolution};
use crate::error::{ContinuousError, Result};
use crate::quadrature::{Integrand, QuadParams, integrate, integrate_with};
use crate::realfn::{Features, Interval, RealFn};
use crate::symbolic::{CompiledExpr, Expr};
use crate::variational::gateaux::{GateauxReport, richardson_directional};
use crate::variational::losses::{self, U};
use crate::variational::signal::{AsSignal, IntoSignal, Perturbed, SharedSignal, Signal};
use crate::variational::{X, XP, XPP, along_path, euler_lagrange};
use std::cell::{Cell, RefCell};

/// Quadrature of the inner integral of a nested one ($(h*x)(t)$ at each outer node): tighter than
/// the outer, so that its errors stay below the outer tolerance once integrated.
pub(crate) const NESTED_INNER: QuadParams = QuadParams {
    rel_tol: 1e-12,
    abs_tol: 1e-300,
    max_subdivisions: 4000,
    max_evaluations: 500_000,
};

/// Quadrature of the outer integral of a nested one (a cost, a gradient value).
pub(crate) const NESTED_OUTER: QuadParams = QuadParams {
    rel_tol: 1e-11,
    abs_tol: 1e-300,
    max_subdivisions: 4000,
    max_evaluations: 500_000,
};

/// The variable of a data term standing for the data $y(t)$.
pub const Y: &str = "y";

/// The data term $\int_D G(t, (h * x)(t), y(t))\\,dt$: the kernel, the loss as given, and the loss
/// with the data substituted (when the data is an expression) with its first two
/// $u$-derivatives.
#[derive(Clone)]
struct DataTerm {
    h: SharedSignal,
    /// The loss as given (in `t`, `u`, and `y`).
    loss: Expr,
    g: Expr,
    g_u: Expr,
    g_uu: Expr,
    /// Where $G(t, 0, y(t)) \ne 0$ may hold (outside it and outside the support of $h * x$ the
    /// integrand vanishes).
    g_at_zero: Interval,
    g_breaks: Vec<f64>,
    /// Whether $G$ still uses `y` (data that is not an expression, bound point by point).
    uses_y: bool,
}

/// A functional $J\[x\] = \int_D G\big(t, (h * x)(t), y(t)\big)\\,dt + \int_D L(t, x, x')\\,dt$ of a
/// signal $x$, with its first variation
/// $$\frac{\delta J}{\delta x}(s) = \int_D h(t - s)\\, G_u\big(t, (h * x)(t), y(t)\big)\\,dt + \frac{\partial L}{\partial x} - \frac{d}{dt}\frac{\partial L}{\partial x'},$$
/// that is $\big(Rh * G_u(\cdot, h * x, y)\big)(s) + E(s)$ (the regulariser's part $E$ for $s$
/// inside $D$, for variations that vanish at the ends of $D$), and its second variation in a
/// direction $v$,
/// $$\big(\nabla^2 J\\, v\big)(s) = \int_D h(t - s)\\, G_{uu}\big(t, (h * x)(t), y(t)\big)\\,(h * v)(t)\\,dt + E_x v + E_{x'} v' + E_{x''} v''.$$
///
/// Least squares is one loss, $G = \tfrac12(u - y)^2$ ([`Functional::least_squares`]); others are
/// in [`crate::losses`]. $G$ is an expression in `t`, `u` and the data `y`, $L$ one in `t`, `x`,
/// `xp`. The kernel $h$, the data $y$ and the signal $x$ are anything that implements
/// [`Signal`] — an expression, a closure with a declared support
/// ([`crate::FnWithSupport`]), sampled data with an interpolation rule ([`crate::Sampled`]).
/// Expressions open the exact paths: closed-form convolutions, symbolic Euler–Lagrange terms.
/// Integrals are nested quadratures: the inner one gives $(h * x)(t)$ at `inner` tolerance, the
/// outer one the value or gradient at `outer` tolerance, and inner errors are carried into the
/// outer estimates.
///
/// ```
/// # use flipshift_continuous::{Expr, Functional, losses};
/// // J[x] = ½∫(gauss * x − 0)² dt + ½·0.1∫x′² dt at x = gauss.
/// let h = Expr::parse("gauss(t)")?;
/// let j = Functional::least_squares(h, Expr::num(0.0))?
///     .with_regulariser(losses::smoothness(0.1)?)?;
/// let x = Expr::parse("gauss(t)")?;
/// let (v, _) = j.value(&x)?;
/// // gauss * gauss = N(0, 2): ½∫N(0,2)² = 1/(4√(2π)); ½·0.1∫gauss′² = 0.1/(8√π).
/// let pi = std::f64::consts::PI;
/// let exact = 1.0 / (4.0 * (2.0 * pi).sqrt()) + 0.1 / (8.0 * pi.sqrt());
/// assert!((v - exact).abs() < 1e-12);
/// # Ok::<(), flipshift_continuous::ContinuousError>(())
/// ```
#[derive(Clone)]
pub struct Functional {
    data: Option<DataTerm>,
    y: Option<SharedSignal>,
    reg: Option<Expr>,
    domain: Interval,
    /// Quadrature settings of the inner integrals ($(h * x)(t)$).
    pub inner: QuadParams,
    /// Quadrature settings of the outer integrals (the value, the gradient, the Hessian).
    pub outer: QuadParams,
}

impl std::fmt::Debug for Functional {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Functional")
            .field("loss", &self.data.as_ref().map(|d| d.loss.to_unicode()))
            .field("regulariser", &self.reg.as_ref().map(Expr::to_unicode))
            .field("domain", &self.domain)
            .finish_non_exhaustive()
    }
}

impl Default for Functional {
    fn default() -> Self {
        Self::new()
    }
}

/// The symbolic first variation of a [`Functional`]: the data term's $G_u$ and the regulariser's
/// Euler–Lagrange expression.
#[derive(Debug, Clone, PartialEq)]
pub struct GradientForm {
    /// The kernel $h$, if there is a data term and it is an expression.
    pub h: Option<Expr>,
    /// $\partial G/\partial u$ in `t` and `u` (and `y`), if there is a data term.
    pub g_u: Option<Expr>,
    /// $E = \partial L/\partial x - \frac{d}{dt}\partial L/\partial x'$ in `t`, `x`, `xp`, `xpp`,
    /// if there is a regulariser.
    pub euler_lagrange: Option<Expr>,
}

impl GradientForm {
    fn kernel_at(&self) -> Option<Expr> {
        // h(t − s): the kernel reversed and shifted to s.
        self.h.as_ref().map(|h| {
            h.substitute("t", &(Expr::var("t") - Expr::var("s")))
                .simplify()
        })
    }

    /// $\delta J/\delta x(s)$ in Unicode: `∫ h(t − s)·G_u(t, z(t)) dt + E(s)` with both parts
    /// written out, $z = h * x$.
    pub fn to_unicode(&self) -> String {
        let mut parts = Vec::new();
        if let Some(gu) = &self.g_u {
            let gz = gu.substitute(U, &Expr::var("z"));
            let k = self
                .kernel_at()
                .map_or("h(t − s)".to_string(), |k| k.to_unicode());
            parts.push(format!("∫ ({k})·({}) dt", gz.to_unicode()));
        }
        if let Some(el) = &self.euler_lagrange {
            parts.push(format!(
                "({})",
                el.substitute("t", &Expr::var("s")).to_unicode()
            ));
        }
        let mut out = format!("δJ/δx(s) = {}", parts.join(" + "));
        if self.g_u.is_some() {
            out.push_str(", z = h*x");
        }
        if self.euler_lagrange.is_some() {
            out.push_str(", x, x′, x″ at s");
        }
        out
    }

    /// $\delta J/\delta x(s)$ in LaTeX, in the same shape as [`GradientForm::to_unicode`].
    pub fn to_latex(&self) -> String {
        let mut parts = Vec::new();
        if let Some(gu) = &self.g_u {
            let gz = gu.substitute(U, &Expr::var("z"));
            let k = self
                .kernel_at()
                .map_or("h(t - s)".to_string(), |k| k.to_latex());
            parts.push(format!(
                "\\int \\left({k}\\right)\\left({}\\right)dt",
                gz.to_latex()
            ));
        }
        if let Some(el) = &self.euler_lagrange {
            parts.push(format!(
                "\\left({}\\right)",
                el.substitute("t", &Expr::var("s")).to_latex()
            ));
        }
        format!(
            "\\frac{{\\delta J}}{{\\delta x}}(s) = {}",
            parts.join(" + ")
        )
    }
}

/// $(h * x)(t)$ exactly when the pair has a closed form, by quadrature per evaluation otherwise,
/// remembering the worst error estimate and the first failure (the evaluation itself then
/// returns NaN).
struct Blurred<'a> {
    conv: Convolution<&'a dyn RealFn, &'a dyn RealFn>,
    closed: Option<ClosedForm>,
    worst: Cell<f64>,
    /// The error bound of the last value given.
    last: Cell<f64>,
    /// Values by quadrature already computed, by the bits of t (outer integrals at many
    /// points revisit the same nodes).
    memo: RefCell<std::collections::HashMap<u64, (f64, f64)>>,
    failure: RefCell<Option<ContinuousError>>,
}

impl<'a> Blurred<'a> {
    fn new(h: &'a dyn Signal, x: &'a dyn Signal, params: QuadParams) -> Self {
        let closed = match (h.expr(), x.expr()) {
            (Some(he), Some(xe)) => convolve_symbolic(he, xe).ok(),
            _ => None,
        };
        Self {
            conv: Convolution {
                h: h as &dyn RealFn,
                x: x as &dyn RealFn,
                params,
            },
            closed,
            worst: Cell::new(0.0),
            last: Cell::new(0.0),
            memo: RefCell::new(std::collections::HashMap::new()),
            failure: RefCell::new(None),
        }
    }
    fn eval(&self, t: f64) -> f64 {
        if let Some(cf) = &self.closed {
            let (v, e) = cf.eval_with_error(t);
            self.worst.set(self.worst.get().max(e));
            self.last.set(e);
            return v;
        }
        if let Some(&(v, e)) = self.memo.borrow().get(&t.to_bits()) {
            self.last.set(e);
            return v;
        }
        match self.conv.try_eval(t) {
            Ok((v, e)) => {
                self.worst.set(self.worst.get().max(e));
                self.last.set(e);
                self.memo.borrow_mut().insert(t.to_bits(), (v, e));
                v
            }
            // Short of the inner tolerance (a value at its rounding floor): its best value, with
            // its bound carried into the outer estimate.
            Err(ContinuousError::NoConvergence {
                estimate,
                error_estimate,
                ..
            }) if estimate.is_finite() && error_estimate.is_finite() => {
                self.worst.set(self.worst.get().max(error_estimate));
                self.last.set(error_estimate);
                self.memo
                    .borrow_mut()
                    .insert(t.to_bits(), (estimate, error_estimate));
                estimate
            }
            Err(err) => {
                self.failure.borrow_mut().get_or_insert(err);
                f64::NAN
            }
        }
    }
    /// The outer error, unless the inner integral failed first (that is the cause).
    fn settle<T>(&self, outer: Result<T>) -> Result<T> {
        let inner = self.failure.borrow_mut().take();
        match (outer, inner) {
            (Err(d @ ContinuousError::Divergent { .. }), _) => Err(d),
            (_, Some(e)) => Err(e),
            (r, None) => r,
        }
    }
}

fn ends(iv: &Interval) -> impl Iterator<Item = f64> {
    [iv.a(), iv.b()].into_iter().filter(|v| v.is_finite())
}

fn check_points(s: &[f64]) -> Result<()> {
    if s.is_empty() {
        return Err(ContinuousError::Empty {
            what: "evaluation points".into(),
        });
    }
    match s.iter().find(|v| !v.is_finite()) {
        Some(&v) => Err(ContinuousError::NonFinite {
            what: "evaluation point".into(),
            value: v,
        }),
        None => Ok(()),
    }
}

/// `e` in `t`, `x`, `xp`, `xpp` along the signal at `t`, from its values and derivatives.
fn along(e: &Expr, x: &dyn Signal, t: f64) -> f64 {
    e.eval_vars(&[
        ("t", t),
        (X, x.eval(t)),
        (XP, x.derivative(t, 1)),
        (XPP, x.derivative(t, 2)),
    ])
    .unwrap_or(f64::NAN)
}

/// A signal given to a functional: checked to be one of `t` alone when it is an expression.
fn check_signal(x: &dyn Signal, what: &str) -> Result<()> {
    if let Some(e) = x.expr() {
        e.require_vars(&["t"], what)?;
    }
    Ok(())
}

impl Functional {
    /// The zero functional on $D = \mathbb{R}$; add terms with [`Functional::with_data_term`] and
    /// [`Functional::with_regulariser`].
    pub fn new() -> Self {
        Self {
            data: None,
            y: None,
            reg: None,
            domain: Interval::real_line(),
            inner: NESTED_INNER,
            outer: NESTED_OUTER,
        }
    }

    /// Least squares $J\[x\] = \tfrac12\int \big((h*x)(t) - y(t)\big)^2 dt$, whose gradient is the
    /// correlation of $h$ with the residual, $(Rh * (h*x - y))(s)$.
    pub fn least_squares(h: impl IntoSignal, y: impl IntoSignal) -> Result<Self> {
        Self::new()
            .with_data_term(h, losses::least_squares(&Expr::var(Y))?)?
            .with_data(y)
    }

    /// Add the data term $\int_D G(t, (h * x)(t), y(t))\\,dt$: `h` any signal, `g` in `t`, `u`
    /// and `y` (the data, see [`Functional::with_data`]; zero until given).
    pub fn with_data_term(mut self, h: impl IntoSignal, g: Expr) -> Result<Self> {
        let h = h.into_signal()?;
        check_signal(&*h, "the kernel h")?;
        g.require_vars(&["t", U, Y], "the data term G")?;
        self.data = Some(DataTerm {
            h,
            g: Expr::num(0.0),
            g_u: Expr::num(0.0),
            g_uu: Expr::num(0.0),
            g_at_zero: Interval::real_line(),
            g_breaks: Vec::new(),
            uses_y: false,
            loss: g,
        });
        self.rebuild_data();
        Ok(self)
    }

    /// The data $y$ bound to the variable `y` of the data term.
    pub fn with_data(mut self, y: impl IntoSignal) -> Result<Self> {
        self.y = Some(y.into_signal()?);
        self.rebuild_data();
        Ok(self)
    }

    /// $G$ with the data substituted when it is an expression, and its derivatives.
    fn rebuild_data(&mut self) {
        let y_expr = match &self.y {
            Some(y) => y.expr().cloned(),
            None => Some(Expr::num(0.0)),
        };
        let Some(d) = self.data.as_mut() else {
            return;
        };
        let g = match &y_expr {
            Some(ye) => d.loss.substitute(Y, ye),
            None => d.loss.clone(),
        }
        .simplify();
        d.uses_y = g.depends_on(Y);
        d.g_u = g.diff(U).simplify();
        d.g_uu = d.g_u.diff(U).simplify();
        let at_zero = g.substitute(U, &Expr::num(0.0)).simplify();
        let mut support = at_zero.support();
        let mut breaks = at_zero.breakpoints();
        breaks.extend(d.g_u.substitute(U, &Expr::num(1.0)).breakpoints());
        if d.uses_y
            && let Some(y) = &self.y
        {
            // G(t, 0, y(t)) lives where y does (and where G does without it).
            let without = at_zero.substitute(Y, &Expr::num(0.0)).simplify();
            support = without.support().hull(&y.support());
            breaks.extend(y.breakpoints());
            breaks.extend(ends(&y.support()));
        }
        d.g_at_zero = support;
        d.g_breaks = breaks;
        d.g = g;
    }

    /// Add the regulariser $\int_D L(t, x, x')\\,dt$: `l` in `t`, `x`, `xp`.
    pub fn with_regulariser(mut self, l: Expr) -> Result<Self> {
        l.require_vars(&["t", X, XP], "the regulariser L")?;
        self.reg = Some(match self.reg.take() {
            Some(prev) => (prev + l).simplify(),
            None => l.simplify(),
        });
        Ok(self)
    }

    /// Restrict both integrals to $D = [a, b]$ (either end may be infinite).
    pub fn on(mut self, domain: Interval) -> Self {
        self.domain = domain;
        self
    }

    /// The domain $D$.
    pub fn domain(&self) -> Interval {
        self.domain
    }

    /// The kernel $h$ of the data term.
    pub fn kernel(&self) -> Option<&SharedSignal> {
        self.data.as_ref().map(|d| &d.h)
    }

    /// The loss $G$ as given (in `t`, `u`, `y`).
    pub fn loss(&self) -> Option<&Expr> {
        self.data.as_ref().map(|d| &d.loss)
    }

    /// The data $y$, if given.
    pub fn data(&self) -> Option<&SharedSignal> {
        self.y.as_ref()
    }

    /// The regulariser $L$.
    pub fn regulariser(&self) -> Option<&Expr> {
        self.reg.as_ref()
    }

    fn eval_g(&self, g: &Expr, d: &DataTerm, t: f64, u: f64) -> f64 {
        let y = match (&self.y, d.uses_y) {
            (Some(y), true) => y.eval(t),
            _ => 0.0,
        };
        g.eval_vars(&[("t", t), (U, u), (Y, y)]).unwrap_or(f64::NAN)
    }

    /// How the inner convolution $(h * x)(t)$ is computed for the signal `x`: exactly, when $h$
    /// and $x$ are expressions of a family closed under convolution, or by quadrature (with the
    /// reason); `None` without a data term.
    pub fn inner_path(&self, x: &(impl AsSignal + ?Sized)) -> Option<ConvPath> {
        let d = self.data.as_ref()?;
        let x = x.as_signal().ok()?;
        Some(match (d.h.expr(), x.expr()) {
            (Some(h), Some(xe)) => match convolve_symbolic(h, xe) {
                Ok(cf) => ConvPath::ClosedForm(cf.family()),
                Err(why) => ConvPath::Quadrature(why),
            },
            (None, _) => ConvPath::Quadrature(NoClosedForm::Unsupported {
                operand: "h",
                what: "a function that is not an expression".into(),
            }),
            (_, None) => ConvPath::Quadrature(NoClosedForm::Unsupported {
                operand: "x",
                what: "a function that is not an expression".into(),
            }),
        })
    }

    /// The data term's gradient $(Rh * G_u(\cdot, h * x))(s)$ in closed form, when there is one:
    /// $G$ quadratic in $u$ ($G_{uu} \equiv c$, least squares), $D = \mathbb{R}$, $h$, $x$ and the
    /// data expressions, and $h * x$, the residual $G_u = c\\,(h * x) + G_u(t, 0)$ and
    /// $Rh * G_u$ all in families closed under convolution (e.g. Gaussians throughout).
    /// [`Functional::gradient`] uses it when it exists.
    pub fn data_gradient_closed_form(&self, x: &(impl AsSignal + ?Sized)) -> Option<ClosedForm> {
        let x = x.as_signal().ok()?;
        self.closed_gradient(&*x)
    }

    fn closed_gradient(&self, x: &dyn Signal) -> Option<ClosedForm> {
        let d = self.data.as_ref()?;
        if self.domain.a().is_finite() || self.domain.b().is_finite() || d.uses_y {
            return None;
        }
        let (h, xe) = (d.h.expr()?, x.expr()?);
        let c = d.g_uu.constant_value()?;
        let z = convolve_symbolic(h, xe).ok()?;
        let r = (Expr::num(c) * z.into_expr() + d.g_u.substitute(U, &Expr::num(0.0))).simplify();
        convolve_symbolic(&h.reversed(), &r).ok()
    }

    /// The symbolic first variation.
    pub fn gradient_form(&self) -> GradientForm {
        GradientForm {
            h: self.data.as_ref().and_then(|d| d.h.expr().cloned()),
            g_u: self.data.as_ref().map(|d| d.g_u.clone()),
            euler_lagrange: self.reg.as_ref().map(euler_lagrange),
        }
    }

    /// $J\[x\]$ and an error estimate.
    pub fn value(&self, x: &(impl AsSignal + ?Sized)) -> Result<(f64, f64)> {
        let x = x.as_signal()?;
        self.value_of(&*x)
    }

    fn value_of(&self, x: &dyn Signal) -> Result<(f64, f64)> {
        check_signal(x, "the signal x")?;
        let mut total = (0.0, 0.0);
        if let Some(d) = &self.data {
            let z = Blurred::new(&*d.h, x, self.inner);
            let support = z.conv.support().hull(&d.g_at_zero);
            if let Some(iv) = support.intersect(&self.domain) {
                let mut bps = z.conv.breakpoints();
                bps.extend(d.g_breaks.iter().copied());
                bps.extend(ends(&self.domain));
                // Each sample carries what the inner error δz does to G: |G_u|·δz + ½|G_uu|·δz²
                // (so that J = 0 at an exact fit ends at that level, not at a relative goal).
                let f = |t: f64| {
                    let u = z.eval(t);
                    let du = z.last.get() + 4.0 * f64::EPSILON * u.abs();
                    let g = self.eval_g(&d.g, d, t, u);
                    let g_u = self.eval_g(&d.g_u, d, t, u).abs();
                    let g_uu = self.eval_g(&d.g_uu, d, t, u).abs();
                    (
                        g,
                        g_u * du + 0.5 * g_uu * du * du + 4.0 * f64::EPSILON * g.abs(),
                    )
                };
                let features = Features::default();
                let ig = Integrand {
                    f: &f,
                    bound: None,
                    breakpoints: &bps,
                    features: &features,
                };
                let res = integrate_with(&ig, iv, self.outer);
                let (v, info) = z.settle(res)?;
                if !self.settled(v, &info) {
                    return Err(ContinuousError::NoConvergence {
                        estimate: v,
                        error_estimate: info.error_estimate,
                        evaluations: info.evaluations,
                    });
                }
                total.0 += v;
                total.1 += info.error_estimate;
            }
        }
        if let Some(l) = &self.reg {
            let (v, e) = self.regulariser_value(l, x)?;
            total.0 += v;
            total.1 += e;
        }
        Ok(total)
    }

    /// Whether an outer integral is done: its tolerance met, or its truncation within the
    /// tolerance and the rest of its bound the inner values' own error, which no refinement of
    /// the outer integral can reduce (the bound, reported, says how far that is).
    fn settled(&self, v: f64, info: &crate::quadrature::QuadInfo) -> bool {
        let truncation = info.error_estimate - info.rounding_error;
        info.converged
            || (info.error_estimate.is_finite()
                && truncation
                    <= self
                        .outer
                        .abs_tol
                        .max(self.outer.rel_tol * v.abs())
                        .max(info.rounding_error))
    }

    /// $\int_D L(t, x, x')\\,dt$: symbolically along an expression, pointwise otherwise.
    fn regulariser_value(&self, l: &Expr, x: &dyn Signal) -> Result<(f64, f64)> {
        if let Some(xe) = x.expr() {
            let along_x = along_path(l, xe)?.compile()?;
            let Some(iv) = along_x.support().intersect(&self.domain) else {
                return Ok((0.0, 0.0));
            };
            let mut bps = along_x.breakpoints();
            bps.extend(ends(&self.domain));
            let (v, info) = integrate(&|t| along_x.eval_formula(t), iv, &bps, self.outer)?;
            return Ok((v, info.error_estimate));
        }
        let l0 = l
            .substitute(X, &Expr::num(0.0))
            .substitute(XP, &Expr::num(0.0))
            .simplify();
        let support = if l0.constant_value() == Some(0.0) {
            x.support()
        } else {
            x.support().hull(&l0.support())
        };
        let Some(iv) = support.intersect(&self.domain) else {
            return Ok((0.0, 0.0));
        };
        let mut bps = x.breakpoints();
        bps.extend(ends(&x.support()));
        bps.extend(ends(&self.domain));
        bps.extend(l0.breakpoints());
        let (v, info) = integrate(&|t| along(l, x, t), iv, &bps, self.outer)?;
        Ok((v, info.error_estimate))
    }

    /// The data term's part of a first or second variation at each `s`:
    /// $\int_D h(t - s)\\, w(t)\\,dt$ with $(w(t), \delta w(t)) = $ `weight(t, z(t), δz(t))`: the
    /// weight and a bound on its error given the inner value's. Each sample carries that error,
    /// so a variation that is zero (x the minimiser) ends at the level the inner values allow;
    /// points that miss the tolerance are listed in `unmet` with their best values.
    fn correlate_data(
        &self,
        d: &DataTerm,
        z: &Blurred<'_>,
        weight: &dyn Fn(f64, f64, f64) -> (f64, f64),
        extra_breaks: &[f64],
        s: &[f64],
    ) -> Result<ConvOutput> {
        let hs = d.h.support();
        let hb = d.h.breakpoints();
        let mut out = ConvOutput::default();
        let mut common = z.conv.breakpoints();
        common.extend(d.g_breaks.iter().copied());
        common.extend(extra_breaks.iter().copied());
        common.extend(ends(&self.domain));
        for &si in s {
            // t − s ∈ supp h  ⇔  t ∈ s + supp h.
            let window = hs.shifted(si);
            let Some(iv) = window.intersect(&self.domain) else {
                out.values.push(0.0);
                out.error_estimates.push(0.0);
                continue;
            };
            let mut bps = common.clone();
            bps.extend(hb.iter().map(|b| b + si));
            bps.extend(ends(&hs).map(|b| b + si));
            let f = |t: f64| {
                let k = d.h.eval(t - si);
                if k == 0.0 {
                    (0.0, 0.0)
                } else {
                    let u = z.eval(t);
                    let (w, dw) = weight(t, u, z.last.get());
                    (k * w, k.abs() * dw + f64::EPSILON * (k * w).abs())
                }
            };
            let features = Features::default();
            let ig = Integrand {
                f: &f,
                bound: None,
                breakpoints: &bps,
                features: &features,
            };
            let res = integrate_with(&ig, iv, self.outer);
            let (v, info) = z.settle(res)?;
            if !self.settled(v, &info) {
                out.unmet.push(out.values.len());
            }
            out.values.push(v);
            out.error_estimates.push(info.error_estimate);
            out.evaluations += info.evaluations;
        }
        Ok(out)
    }

    /// $\delta J/\delta x(s)$ at each point of `s`, with error estimates; an error
    /// ([`ContinuousError::NoConvergence`]) if any point misses the outer tolerance.
    pub fn gradient(&self, x: &(impl AsSignal + ?Sized), s: &[f64]) -> Result<ConvOutput> {
        self.gradient_lenient(x, s)?.require_converged()
    }

    /// [`Functional::gradient`], but the points that miss the tolerance are listed in
    /// [`ConvOutput::unmet`] with their best values and bounds instead of failing the call.
    pub fn gradient_lenient(&self, x: &(impl AsSignal + ?Sized), s: &[f64]) -> Result<ConvOutput> {
        let x = x.as_signal()?;
        self.gradient_of(&*x, s)
    }

    fn gradient_of(&self, x: &dyn Signal, s: &[f64]) -> Result<ConvOutput> {
        check_points(s)?;
        check_signal(x, "the signal x")?;
        let exact = self.closed_gradient(x);
        let z = self
            .data
            .as_ref()
            .map(|d| Blurred::new(&*d.h, x, self.inner));
        self.gradient_in(x, exact.as_ref(), z.as_ref(), s)
    }

    /// [`Self::gradient_of`] with the closed form and the inner convolution prepared once (a
    /// Gateaux check asks for the gradient at every node of its own quadrature).
    fn gradient_in(
        &self,
        x: &dyn Signal,
        exact: Option<&ClosedForm>,
        z: Option<&Blurred<'_>>,
        s: &[f64],
    ) -> Result<ConvOutput> {
        let mut out = ConvOutput {
            values: vec![0.0; s.len()],
            error_estimates: vec![0.0; s.len()],
            evaluations: 0,
            unmet: Vec::new(),
        };
        if let Some(exact) = exact {
            for (k, &si) in s.iter().enumerate() {
                let (v, e) = exact.eval_with_error(si);
                out.values[k] += v;
                out.error_estimates[k] += e;
            }
        } else if let (Some(d), Some(z)) = (&self.data, z) {
            // δG_u = |G_uu|·δz, and the rounding of G_u itself.
            let weight = |t: f64, u: f64, du: f64| {
                let w = self.eval_g(&d.g_u, d, t, u);
                let g_uu = self.eval_g(&d.g_uu, d, t, u).abs();
                (
                    w,
                    g_uu * (du + 4.0 * f64::EPSILON * u.abs()) + 4.0 * f64::EPSILON * w.abs(),
                )
            };
            let part = self.correlate_data(d, z, &weight, &[], s)?;
            for (k, (v, e)) in part.values.iter().zip(&part.error_estimates).enumerate() {
                out.values[k] += v;
                out.error_estimates[k] += e;
            }
            out.unmet.extend(part.unmet);
            out.evaluations += part.evaluations;
        }
        if let Some(l) = &self.reg {
            let el = euler_lagrange(l);
            match x.expr() {
                Some(xe) => {
                    let f = along_path(&el, xe)?.compile()?;
                    self.add_pointwise(&|t| f.eval(t), &el, s, &mut out)?;
                }
                None => self.add_pointwise(&|t| along(&el, x, t), &el, s, &mut out)?,
            }
        }
        Ok(out)
    }

    /// Add the pointwise part `f(s)` for the `s` inside the domain.
    fn add_pointwise(
        &self,
        f: &dyn Fn(f64) -> f64,
        what: &Expr,
        s: &[f64],
        out: &mut ConvOutput,
    ) -> Result<()> {
        for (k, &si) in s.iter().enumerate() {
            if self.domain.contains(si) {
                let v = f(si);
                if !v.is_finite() {
                    return Err(ContinuousError::NotDefined {
                        what: format!(
                            "the regulariser's Euler–Lagrange term {}",
                            what.to_unicode()
                        ),
                        t: si,
                        value: v,
                    });
                }
                out.values[k] += v;
                out.error_estimates[k] += 4.0 * f64::EPSILON * v.abs();
            }
        }
        Ok(())
    }

    /// The gradient $\delta J/\delta x$ at `x` as a function of $s$ (each evaluation a nested
    /// quadrature; NaN where it fails): for [`crate::gateaux_check`] and plots.
    pub fn gradient_fn<'a>(&'a self, x: &'a (impl AsSignal + ?Sized)) -> Result<impl RealFn + 'a> {
        Ok(GradientFn {
            j: self,
            x: x.as_signal()?,
        })
    }

    /// The Hessian-vector product $(\nabla^2 J\\, v)(s)$ at each point of `s`: the second variation
    /// of $J$ at `x` in the direction `v`; an error if any point misses the outer tolerance.
    pub fn hessian_vector(
        &self,
        x: &(impl AsSignal + ?Sized),
        v: &(impl AsSignal + ?Sized),
        s: &[f64],
    ) -> Result<ConvOutput> {
        self.hessian_vector_lenient(x, v, s)?.require_converged()
    }

    /// [`Functional::hessian_vector`], with the points that miss the tolerance listed in
    /// [`ConvOutput::unmet`] instead of failing the call.
    pub fn hessian_vector_lenient(
        &self,
        x: &(impl AsSignal + ?Sized),
        v: &(impl AsSignal + ?Sized),
        s: &[f64],
    ) -> Result<ConvOutput> {
        let (x, v) = (x.as_signal()?, v.as_signal()?);
        let (x, v): (&dyn Signal, &dyn Signal) = (&*x, &*v);
        check_points(s)?;
        check_signal(x, "the signal x")?;
        check_signal(v, "the direction v")?;
        let mut out = ConvOutput {
            values: vec![0.0; s.len()],
            error_estimates: vec![0.0; s.len()],
            evaluations: 0,
            unmet: Vec::new(),
        };
        if let Some(d) = &self.data {
            let z = Blurred::new(&*d.h, x, self.inner);
            let hv = Blurred::new(&*d.h, v, self.inner);
            let g3 = d.g_uu.diff(U).simplify();
            let g3_zero = g3.constant_value() == Some(0.0);
            // w = G_uu·(h*v): δz moves it by |G_uuu|·|h*v|·δz, δ(h*v) by |G_uu|·δ(h*v).
            let weight = |t: f64, u: f64, du: f64| {
                let g_uu = self.eval_g(&d.g_uu, d, t, u);
                if g_uu == 0.0 {
                    return (0.0, 0.0);
                }
                let zv = hv.eval(t);
                let w = g_uu * zv;
                let mut dw = g_uu.abs() * hv.last.get() + 4.0 * f64::EPSILON * w.abs();
                if !g3_zero {
                    let g_uuu = self.eval_g(&g3, d, t, u).abs();
                    dw += g_uuu * zv.abs() * (du + 4.0 * f64::EPSILON * u.abs());
                }
                (w, dw)
            };
            let part = self.correlate_data(d, &z, &weight, &hv.conv.breakpoints(), s)?;
            let part = hv.settle(Ok(part))?;
            for (k, (val, e)) in part.values.iter().zip(&part.error_estimates).enumerate() {
                out.values[k] += val;
                out.error_estimates[k] += e;
            }
            out.unmet.extend(part.unmet);
            out.evaluations += part.evaluations;
        }
        if let Some(l) = &self.reg {
            let el = euler_lagrange(l);
            let (ex, exp, expp) = (
                el.diff(X).simplify(),
                el.diff(XP).simplify(),
                el.diff(XPP).simplify(),
            );
            match (x.expr(), v.expr()) {
                (Some(xe), Some(ve)) => {
                    let (v1, v2) = (ve.diff("t"), ve.diff("t").diff("t"));
                    let lin = (ex * ve.clone() + exp * v1 + expp * v2).simplify();
                    let f = along_path(&lin, xe)?.compile()?;
                    self.add_pointwise(&|t| f.eval(t), &lin, s, &mut out)?;
                }
                _ => {
                    let f = |t: f64| {
                        along(&ex, x, t) * v.eval(t)
                            + along(&exp, x, t) * v.derivative(t, 1)
                            + along(&expp, x, t) * v.derivative(t, 2)
                    };
                    self.add_pointwise(&f, &el, s, &mut out)?;
                }
            }
        }
        Ok(out)
    }

    /// Check the gradient at `x` numerically in the direction `phi` (best a [`crate::Bump`]
    /// inside the domain): the Richardson-extrapolated central difference of
    /// $\varepsilon \mapsto J\[x + \varepsilon\varphi\]$ at 0 against
    /// $\int \frac{\delta J}{\delta x}\\,\varphi$.
    pub fn gateaux_check(
        &self,
        x: &(impl AsSignal + ?Sized),
        phi: &(impl AsSignal + ?Sized),
        eps0: f64,
    ) -> Result<GateauxReport> {
        let (x, phi) = (x.as_signal()?, phi.as_signal()?);
        let (x, phi): (&dyn Signal, &dyn Signal) = (&*x, &*phi);
        check_signal(phi, "the direction φ")?;
        let f = |eps: f64| -> Result<f64> {
            match (x.expr(), phi.expr()) {
                (Some(xe), Some(pe)) => Ok(self
                    .value(&(xe.clone() + Expr::num(eps) * pe.clone()).simplify())?
                    .0),
                _ => Ok(self.value_of(&Perturbed { x, phi, eps })?.0),
            }
        };
        let directional = richardson_directional(&f, eps0)?;
        let support = phi.support();
        if !support.is_bounded() {
            return Err(ContinuousError::InvalidParameter {
                what: "the direction φ".into(),
                reason: "a Gateaux check needs a direction of bounded support".into(),
            });
        }
        let mut bps = phi.breakpoints();
        bps.extend(ends(&support));
        if let Some(d) = &self.data {
            bps.extend(d.h.breakpoints());
        }
        bps.extend(ends(&self.domain));
        check_signal(x, "the signal x")?;
        let params = QuadParams {
            rel_tol: 1e-10,
            ..self.outer
        };
        let inner_product = match (self.closed_gradient(x), &self.data) {
            // The gradient in closed form: ∫ φ·δJ/δx directly.
            (Some(exact), _) => {
                let reg = self.reg.as_ref().map(euler_lagrange);
                let reg = match (&reg, x.expr()) {
                    (Some(el), Some(xe)) => Some(along_path(el, xe)?.compile()?),
                    _ => None,
                };
                let f = |si: f64| {
                    let p = phi.eval(si);
                    if p == 0.0 {
                        return 0.0;
                    }
                    let mut g = exact.eval_with_error(si).0;
                    if self.domain.contains(si) {
                        g += match (&reg, &self.reg) {
                            (Some(f), _) => f.eval(si),
                            (None, Some(l)) => along(&euler_lagrange(l), x, si),
                            (None, None) => 0.0,
                        };
                    }
                    p * g
                };
                integrate(&f, support, &bps, params)?.0
            }
            // Otherwise by Fubini, ∫φ(s)∫h(t − s)G_u(t, z(t))dt ds = ∫G_u(t, z(t))·(h*φ)(t)dt:
            // two nested integrals instead of three (the same first variation, integrated in
            // the other order), plus the regulariser's ∫E·φ.
            (None, Some(d)) => {
                let z = Blurred::new(&*d.h, x, self.inner);
                let hp = Blurred::new(&*d.h, phi, self.inner);
                let mut total = 0.0;
                if let Some(iv) = hp.conv.support().intersect(&self.domain) {
                    let mut tb = z.conv.breakpoints();
                    tb.extend(hp.conv.breakpoints());
                    tb.extend(d.g_breaks.iter().copied());
                    tb.extend(ends(&self.domain));
                    let res = integrate(
                        &|t| {
                            let q = hp.eval(t);
                            if q == 0.0 {
                                0.0
                            } else {
                                q * self.eval_g(&d.g_u, d, t, z.eval(t))
                            }
                        },
                        iv,
                        &tb,
                        params,
                    );
                    let res = hp.settle(res);
                    total += z.settle(res)?.0;
                }
                total + self.regulariser_against(x, phi, support, &bps, params)?
            }
            (None, None) => self.regulariser_against(x, phi, support, &bps, params)?,
        };
        Ok(GateauxReport::new(directional, inner_product))
    }

    /// $\int_{D} E(s)\\, \varphi(s)\\,ds$ for the regulariser's Euler–Lagrange term $E$ along `x`.
    fn regulariser_against(
        &self,
        x: &dyn Signal,
        phi: &dyn Signal,
        support: Interval,
        bps: &[f64],
        params: QuadParams,
    ) -> Result<f64> {
        let Some(l) = &self.reg else {
            return Ok(0.0);
        };
        let Some(iv) = support.intersect(&self.domain) else {
            return Ok(0.0);
        };
        let el = euler_lagrange(l);
        let compiled = match x.expr() {
            Some(xe) => Some(along_path(&el, xe)?.compile()?),
            None => None,
        };
        let f = |si: f64| {
            let p = phi.eval(si);
            if p == 0.0 {
                return 0.0;
            }
            p * match &compiled {
                Some(f) => f.eval(si),
                None => along(&el, x, si),
            }
        };
        Ok(integrate(&f, iv, bps, params)?.0)
    }
}

/// $\delta J/\delta x$ at a fixed signal as a function.
struct GradientFn<'a> {
    j: &'a Functional,
    x: crate::variational::signal::SignalRef<'a>,
}

impl RealFn for GradientFn<'_> {
    fn eval(&self, s: f64) -> f64 {
        self.j
            .gradient_of(&*self.x, &[s])
            .map_or(f64::NAN, |o| o.values[0])
    }
    fn support(&self) -> Interval {
        match &self.j.data {
            // (Rh * r) lives on supp(r) − supp(h), r on supp(h*x) ∪ where G(t, 0) ≠ 0.
            Some(d) => {
                let r =
                    d.h.support()
                        .minkowski_sum(&self.x.support())
                        .hull(&d.g_at_zero);
                let data = r.minkowski_sum(&d.h.support().reversed());
                match &self.j.reg {
                    Some(_) => data.hull(&self.x.support()),
                    None => data,
                }
            }
            None => self.x.support(),
        }
    }
    fn breakpoints(&self) -> Vec<f64> {
        Vec::new()
    }
}

/// The kernel of the least-squares Hessian: for $J = \tfrac12\lVert h * x - y\rVert^2$,
/// $\nabla^2 J = H^\top H$ is convolution with the autocorrelation
/// $$a(t) = (Rh * h)(t) = \int h(\tau)\\, h(\tau + t)\\,d\tau,$$
/// an even function: $(H^\top H v)(s) = (a * v)(s)$. Exact when $h$ belongs to a family closed
/// under convolution ([`crate::convolve_symbolic`] of $Rh$ and $h$), by quadrature otherwise.
///
/// ```
/// # use flipshift_continuous::{Expr, HessianKernel, RealFn};
/// // h = e^{-t} step(t): a(t) = e^{-|t|}/2, found in closed form.
/// let a = HessianKernel::new(&Expr::parse("exp(-t)*step(t)")?)?;
/// assert!(a.expr().is_some());
/// assert!((a.eval(-1.5) - 0.5 * (-1.5f64).exp()).abs() < 1e-15);
/// # Ok::<(), flipshift_continuous::ContinuousError>(())
/// ```
#[derive(Debug, Clone)]
pub struct HessianKernel {
    closed: Option<ClosedForm>,
    path: ConvPath,
    rh: CompiledExpr,
    h: CompiledExpr,
    /// Quadrature settings when there is no closed form.
    pub params: QuadParams,
}

impl HessianKernel {
    /// The autocorrelation kernel of `h` (an expression in `t`).
    pub fn new(h: &Expr) -> Result<Self> {
        h.require_vars(&["t"], "the kernel h")?;
        let rh_expr = h.reversed();
        let (closed, path) = match convolve_symbolic(&rh_expr, h) {
            Ok(cf) => {
                let fam = cf.family();
                (Some(cf), ConvPath::ClosedForm(fam))
            }
            Err(why) => (None, ConvPath::Quadrature(why)),
        };
        Ok(Self {
            closed,
            path,
            rh: rh_expr.compile()?,
            h: h.compile()?,
            params: QuadParams::default(),
        })
    }

    /// The closed form of $a(t)$, if there is one.
    pub fn expr(&self) -> Option<&Expr> {
        self.closed.as_ref().map(ClosedForm::expr)
    }

    /// How $a$ is computed.
    pub fn path(&self) -> &ConvPath {
        &self.path
    }

    /// $a(t)$ at each point of `t`, with error estimates.
    pub fn values(&self, t: &[f64]) -> Result<ConvOutput> {
        check_points(t)?;
        match &self.closed {
            Some(cf) => {
                let (values, error_estimates) = t.iter().map(|&ti| cf.eval_with_error(ti)).unzip();
                Ok(ConvOutput {
                    values,
                    error_estimates,
                    evaluations: 0,
                    unmet: Vec::new(),
                })
            }
            None => crate::convolution::convolve(&self.rh, &self.h, t, self.params),
        }
    }
}

impl RealFn for HessianKernel {
    fn eval(&self, t: f64) -> f64 {
        self.values(&[t]).map_or(f64::NAN, |o| o.values[0])
    }
    fn support(&self) -> Interval {
        self.rh.support().minkowski_sum(&self.h.support())
    }
    fn breakpoints(&self) -> Vec<f64> {
        Convolution {
            h: &self.rh,
            x: &self.h,
            params: self.params,
        }
        .breakpoints()
    }
}
