//! Functionals $J[x] = \int_D G\big(t, (h * x)(t)\big)\\,dt + \int_D L(t, x, x')\\,dt$, their exact
//! gradients and Hessian-vector products, evaluated by nested quadrature and checked by Gateaux
//! differences.

use crate::closed_form::{ClosedForm, ConvPath, convolve_symbolic};
use crate::convolution::{ConvOutput, Convolution};
use crate::error::{ContinuousError, Result};
use crate::functionals::{GateauxReport, NESTED_INNER, NESTED_OUTER, richardson_directional};
use crate::quadrature::{QuadParams, integrate};
use crate::realfn::{Interval, RealFn};
use crate::symbolic::{CompiledExpr, Expr};
use crate::variational::losses::U;
use crate::variational::{X, XP, XPP, along_path, euler_lagrange};
use std::cell::{Cell, RefCell};

/// The data term $\int_D G(t, (h * x)(t))\\,dt$: the kernel and $G$ with its first two
/// $u$-derivatives.
#[derive(Debug, Clone)]
struct DataTerm {
    h: Expr,
    hc: CompiledExpr,
    g: Expr,
    g_u: Expr,
    g_uu: Expr,
    /// Where $G(t, 0) \ne 0$ may hold (outside it and outside the support of $h * x$ the
    /// integrand vanishes).
    g_at_zero: Interval,
    g_breaks: Vec<f64>,
}

/// A functional $J\[x\] = \int_D G\big(t, (h * x)(t)\big)\\,dt + \int_D L(t, x, x')\\,dt$ of a signal
/// $x$, with its first variation
/// $$\frac{\delta J}{\delta x}(s) = \int_D h(t - s)\\, G_u\big(t, (h * x)(t)\big)\\,dt + \frac{\partial L}{\partial x} - \frac{d}{dt}\frac{\partial L}{\partial x'},$$
/// that is $\big(Rh * G_u(\cdot, h * x)\big)(s) + E(s)$ (the regulariser's part $E$ for $s$ inside
/// $D$, for variations that vanish at the ends of $D$), and its second variation in a direction
/// $v$,
/// $$\big(\nabla^2 J\\, v\big)(s) = \int_D h(t - s)\\, G_{uu}\big(t, (h * x)(t)\big)\\,(h * v)(t)\\,dt + E_x v + E_{x'} v' + E_{x''} v''.$$
///
/// $G$ is an expression in `t` and `u` (see [`crate::losses`]), $L$ one in `t`, `x`, `xp`;
/// the signal is an expression in `t`. Integrals are nested quadratures: the inner one gives
/// $(h * x)(t)$ at `inner` tolerance, the outer one the value or gradient at `outer` tolerance.
///
/// ```
/// # use flipshift_continuous::{Expr, Functional, losses};
/// // J[x] = ½∫(gauss * x − 0)² dt + ½·0.1∫x′² dt at x = gauss.
/// let h = Expr::parse("gauss(t)")?;
/// let j = Functional::new()
///     .with_data_term(h, losses::least_squares(&Expr::num(0.0))?)?
///     .with_regulariser(losses::smoothness(0.1)?)?;
/// let x = Expr::parse("gauss(t)")?;
/// let (v, _) = j.value(&x)?;
/// // gauss * gauss = N(0, 2): ½∫N(0,2)² = 1/(4√(2π)); ½·0.1∫gauss′² = 0.1/(8√π).
/// let pi = std::f64::consts::PI;
/// let exact = 1.0 / (4.0 * (2.0 * pi).sqrt()) + 0.1 / (8.0 * pi.sqrt());
/// assert!((v - exact).abs() < 1e-12);
/// # Ok::<(), flipshift_continuous::ContinuousError>(())
/// ```
#[derive(Debug, Clone)]
pub struct Functional {
    data: Option<DataTerm>,
    reg: Option<Expr>,
    domain: Interval,
    /// Quadrature settings of the inner integrals ($(h * x)(t)$).
    pub inner: QuadParams,
    /// Quadrature settings of the outer integrals (the value, the gradient, the Hessian).
    pub outer: QuadParams,
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
    /// The kernel $h$, if there is a data term.
    pub h: Option<Expr>,
    /// $\partial G/\partial u$ in `t` and `u`, if there is a data term.
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
        if let (Some(k), Some(gu)) = (self.kernel_at(), &self.g_u) {
            let gz = gu.substitute(U, &Expr::var("z"));
            parts.push(format!("∫ ({})·({}) dt", k.to_unicode(), gz.to_unicode()));
        }
        if let Some(el) = &self.euler_lagrange {
            parts.push(format!(
                "({})",
                el.substitute("t", &Expr::var("s")).to_unicode()
            ));
        }
        let mut out = format!("δJ/δx(s) = {}", parts.join(" + "));
        if self.h.is_some() {
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
        if let (Some(k), Some(gu)) = (self.kernel_at(), &self.g_u) {
            let gz = gu.substitute(U, &Expr::var("z"));
            parts.push(format!(
                "\\int \\left({}\\right)\\left({}\\right)dt",
                k.to_latex(),
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
    conv: Convolution<&'a CompiledExpr, &'a dyn RealFn>,
    closed: Option<ClosedForm>,
    worst: Cell<f64>,
    failure: RefCell<Option<ContinuousError>>,
}

impl<'a> Blurred<'a> {
    fn new(
        h: &'a CompiledExpr,
        x: &'a dyn RealFn,
        params: QuadParams,
        closed: Option<ClosedForm>,
    ) -> Self {
        Self {
            conv: Convolution { h, x, params },
            closed,
            worst: Cell::new(0.0),
            failure: RefCell::new(None),
        }
    }
    fn eval(&self, t: f64) -> f64 {
        if let Some(cf) = &self.closed {
            let (v, e) = cf.eval_with_error(t);
            self.worst.set(self.worst.get().max(e));
            return v;
        }
        match self.conv.try_eval(t) {
            Ok((v, e)) => {
                self.worst.set(self.worst.get().max(e));
                v
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

fn eval_g(g: &Expr, t: f64, u: f64) -> f64 {
    g.eval_vars(&[("t", t), (U, u)]).unwrap_or(f64::NAN)
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

impl Functional {
    /// The zero functional on $D = \mathbb{R}$; add terms with [`Functional::with_data_term`] and
    /// [`Functional::with_regulariser`].
    pub fn new() -> Self {
        Self {
            data: None,
            reg: None,
            domain: Interval::real_line(),
            inner: NESTED_INNER,
            outer: NESTED_OUTER,
        }
    }

    /// Add the data term $\int_D G(t, (h * x)(t))\\,dt$: `h` in `t`, `g` in `t` and `u`.
    pub fn with_data_term(mut self, h: Expr, g: Expr) -> Result<Self> {
        h.require_vars(&["t"], "the kernel h")?;
        g.require_vars(&["t", U], "the data term G")?;
        let hc = h.compile()?;
        let g = g.simplify();
        let g_u = g.diff(U).simplify();
        let g_uu = g_u.diff(U).simplify();
        let at_zero = g.substitute(U, &Expr::num(0.0)).simplify();
        let mut g_breaks = at_zero.breakpoints();
        g_breaks.extend(g_u.substitute(U, &Expr::num(1.0)).breakpoints());
        self.data = Some(DataTerm {
            h,
            hc,
            g_at_zero: at_zero.support(),
            g,
            g_u,
            g_uu,
            g_breaks,
        });
        Ok(self)
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

    /// How the inner convolution $(h * x)(t)$ is computed for the signal `x`: exactly, when $h$
    /// and $x$ belong to a family closed under convolution, or by quadrature (with the reason);
    /// `None` without a data term.
    pub fn inner_path(&self, x: &Expr) -> Option<ConvPath> {
        self.data
            .as_ref()
            .map(|d| match convolve_symbolic(&d.h, x) {
                Ok(cf) => ConvPath::ClosedForm(cf.family()),
                Err(why) => ConvPath::Quadrature(why),
            })
    }

    /// The data term's gradient $(Rh * G_u(\cdot, h * x))(s)$ in closed form, when there is one:
    /// $G$ quadratic in $u$ ($G_{uu} \equiv c$, least squares), $D = \mathbb{R}$, and $h * x$,
    /// the residual $G_u = c\\,(h * x) + G_u(t, 0)$ and $Rh * G_u$ all in families closed under
    /// convolution (e.g. Gaussians throughout). [`Functional::gradient`] uses it when it exists.
    pub fn data_gradient_closed_form(&self, x: &Expr) -> Option<ClosedForm> {
        let d = self.data.as_ref()?;
        if self.domain.a().is_finite() || self.domain.b().is_finite() {
            return None;
        }
        let c = d.g_uu.constant_value()?;
        let z = convolve_symbolic(&d.h, x).ok()?;
        let r = (Expr::num(c) * z.into_expr() + d.g_u.substitute(U, &Expr::num(0.0))).simplify();
        convolve_symbolic(&d.h.reversed(), &r).ok()
    }

    /// The symbolic first variation.
    pub fn gradient_form(&self) -> GradientForm {
        GradientForm {
            h: self.data.as_ref().map(|d| d.h.clone()),
            g_u: self.data.as_ref().map(|d| d.g_u.clone()),
            euler_lagrange: self.reg.as_ref().map(euler_lagrange),
        }
    }

    fn compile_signal(x: &Expr, what: &str) -> Result<CompiledExpr> {
        x.require_vars(&["t"], what)?;
        x.compile()
    }

    /// $J\[x\]$ and an error estimate.
    pub fn value(&self, x: &Expr) -> Result<(f64, f64)> {
        let xc = Self::compile_signal(x, "the signal x")?;
        let mut total = (0.0, 0.0);
        if let Some(d) = &self.data {
            let z = Blurred::new(&d.hc, &xc, self.inner, convolve_symbolic(&d.h, x).ok());
            let support = z.conv.support().hull(&d.g_at_zero);
            if let Some(iv) = support.intersect(&self.domain) {
                let mut bps = z.conv.breakpoints();
                bps.extend(d.g_breaks.iter().copied());
                bps.extend(ends(&self.domain));
                let gu_max = Cell::new(0.0f64);
                let res = integrate(
                    &|t| {
                        let u = z.eval(t);
                        gu_max.set(gu_max.get().max(eval_g(&d.g_u, t, u).abs()));
                        eval_g(&d.g, t, u)
                    },
                    iv,
                    &bps,
                    self.outer,
                );
                let (v, info) = z.settle(res)?;
                // An inner error δ moves G by about |G_u|·δ; over the width where the integrand
                // lives (the breakpoints' span plus a margin on an infinite range).
                let width = if iv.is_bounded() {
                    iv.width()
                } else {
                    let lo = bps.iter().copied().fold(f64::INFINITY, f64::min);
                    let hi = bps.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                    if hi > lo { hi - lo + 10.0 } else { 10.0 }
                };
                let inner = z.worst.get() * gu_max.get() * width;
                total.0 += v;
                total.1 += info.error_estimate + inner;
            }
        }
        if let Some(l) = &self.reg {
            let along = along_path(l, x)?.compile()?;
            if let Some(iv) = along.support().intersect(&self.domain) {
                let mut bps = along.breakpoints();
                bps.extend(ends(&self.domain));
                let (v, info) = integrate(&|t| along.eval_formula(t), iv, &bps, self.outer)?;
                total.0 += v;
                total.1 += info.error_estimate;
            }
        }
        Ok(total)
    }

    /// The data term's part of a first or second variation at each `s`:
    /// $\int_D h(t - s)\\, w(t)\\,dt$ with $w(t) = $ `weight(t, z(t))`.
    fn correlate_data(
        &self,
        d: &DataTerm,
        z: &Blurred<'_>,
        weight: &dyn Fn(f64, f64) -> f64,
        extra_breaks: &[f64],
        s: &[f64],
    ) -> Result<ConvOutput> {
        let hs = d.hc.support();
        let hb = d.hc.breakpoints();
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
            let res = integrate(
                &|t| {
                    let k = d.hc.eval(t - si);
                    if k == 0.0 {
                        0.0
                    } else {
                        k * weight(t, z.eval(t))
                    }
                },
                iv,
                &bps,
                self.outer,
            );
            let (v, info) = z.settle(res)?;
            out.values.push(v);
            out.error_estimates.push(info.error_estimate);
            out.evaluations += info.evaluations;
        }
        Ok(out)
    }

    /// $\int |h|$, for carrying inner errors into outer estimates.
    fn h_l1(&self, d: &DataTerm) -> Result<f64> {
        let (v, _) = integrate(
            &|t| d.hc.eval(t).abs(),
            d.hc.support(),
            &d.hc.breakpoints(),
            self.outer,
        )?;
        Ok(v)
    }

    /// $\delta J/\delta x(s)$ at each point of `s`, with error estimates.
    pub fn gradient(&self, x: &Expr, s: &[f64]) -> Result<ConvOutput> {
        check_points(s)?;
        let xc = Self::compile_signal(x, "the signal x")?;
        let mut out = ConvOutput {
            values: vec![0.0; s.len()],
            error_estimates: vec![0.0; s.len()],
            evaluations: 0,
            unmet: Vec::new(),
        };
        if let Some(exact) = self.data_gradient_closed_form(x) {
            for (k, &si) in s.iter().enumerate() {
                let (v, e) = exact.eval_with_error(si);
                out.values[k] += v;
                out.error_estimates[k] += e;
            }
        } else if let Some(d) = &self.data {
            let z = Blurred::new(&d.hc, &xc, self.inner, convolve_symbolic(&d.h, x).ok());
            let g_uu_max = Cell::new(0.0f64);
            let weight = |t: f64, u: f64| {
                g_uu_max.set(g_uu_max.get().max(eval_g(&d.g_uu, t, u).abs()));
                eval_g(&d.g_u, t, u)
            };
            let part = self.correlate_data(d, &z, &weight, &[], s)?;
            let inner = z.worst.get() * g_uu_max.get() * self.h_l1(d)?;
            for (k, (v, e)) in part.values.iter().zip(&part.error_estimates).enumerate() {
                out.values[k] += v;
                out.error_estimates[k] += e + inner;
            }
            out.evaluations += part.evaluations;
        }
        if let Some(l) = &self.reg {
            let el = along_path(&euler_lagrange(l), x)?.compile()?;
            self.add_pointwise(&el, s, &mut out)?;
        }
        Ok(out)
    }

    /// Add the pointwise part `f(s)` for the `s` inside the domain.
    fn add_pointwise(&self, f: &CompiledExpr, s: &[f64], out: &mut ConvOutput) -> Result<()> {
        for (k, &si) in s.iter().enumerate() {
            if self.domain.contains(si) {
                let v = f.eval(si);
                if !v.is_finite() {
                    return Err(ContinuousError::NotDefined {
                        what: format!("the regulariser's Euler–Lagrange term {}", f.expr()),
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

    /// The Hessian-vector product $(\nabla^2 J\\, v)(s)$ at each point of `s`: the second variation
    /// of $J$ at `x` in the direction `v`.
    pub fn hessian_vector(&self, x: &Expr, v: &Expr, s: &[f64]) -> Result<ConvOutput> {
        check_points(s)?;
        let xc = Self::compile_signal(x, "the signal x")?;
        let vc = Self::compile_signal(v, "the direction v")?;
        let mut out = ConvOutput {
            values: vec![0.0; s.len()],
            error_estimates: vec![0.0; s.len()],
            evaluations: 0,
            unmet: Vec::new(),
        };
        if let Some(d) = &self.data {
            let z = Blurred::new(&d.hc, &xc, self.inner, convolve_symbolic(&d.h, x).ok());
            let hv = Blurred::new(&d.hc, &vc, self.inner, convolve_symbolic(&d.h, v).ok());
            let weight = |t: f64, u: f64| {
                let w = eval_g(&d.g_uu, t, u);
                if w == 0.0 { 0.0 } else { w * hv.eval(t) }
            };
            let part = self.correlate_data(d, &z, &weight, &hv.conv.breakpoints(), s)?;
            let part = hv.settle(Ok(part))?;
            let g3 = d.g_uu.diff(U).simplify();
            // Inner errors: δz moves G_uu·(h*v) by |G_uuu|·|h*v|·δz, δ(h*v) by |G_uu|·δ(h*v).
            let scale = self.h_l1(d)?;
            let g3_zero = g3.constant_value() == Some(0.0);
            for (k, (val, e)) in part.values.iter().zip(&part.error_estimates).enumerate() {
                out.values[k] += val;
                let mut inner = hv.worst.get() * val.abs().max(1.0);
                if !g3_zero {
                    inner += z.worst.get() * val.abs().max(1.0);
                }
                out.error_estimates[k] += e + inner * scale;
            }
            out.evaluations += part.evaluations;
        }
        if let Some(l) = &self.reg {
            let el = euler_lagrange(l);
            let (v1, v2) = (v.diff("t"), v.diff("t").diff("t"));
            let lin = (el.diff(X) * v.clone() + el.diff(XP) * v1 + el.diff(XPP) * v2).simplify();
            let along = along_path(&lin, x)?.compile()?;
            self.add_pointwise(&along, s, &mut out)?;
        }
        Ok(out)
    }

    /// Check the gradient at `x` numerically in the direction `phi` (an expression in `t`, best a
    /// smooth bump inside the domain such as [`crate::losses::bump`]): the Richardson-extrapolated
    /// central difference of $\varepsilon \mapsto J[x + \varepsilon\varphi]$ at 0 against
    /// $\int \frac{\delta J}{\delta x}\\,\varphi$.
    pub fn gateaux_check(&self, x: &Expr, phi: &Expr, eps0: f64) -> Result<GateauxReport> {
        let phic = Self::compile_signal(phi, "the direction φ")?;
        let f = |eps: f64| -> Result<f64> {
            Ok(self
                .value(&(x.clone() + Expr::num(eps) * phi.clone()).simplify())?
                .0)
        };
        let directional = richardson_directional(&f, eps0)?;
        let support = phic.support();
        if !support.is_bounded() {
            return Err(ContinuousError::InvalidParameter {
                what: "the direction φ".into(),
                reason: "a Gateaux check needs a direction of bounded support".into(),
            });
        }
        let mut bps = phic.breakpoints();
        if let Some(d) = &self.data {
            bps.extend(d.hc.breakpoints());
        }
        bps.extend(ends(&self.domain));
        // The gradient at the outer nodes, one point at a time (each is itself a nested
        // quadrature); a failure is remembered and reported.
        let failure: RefCell<Option<ContinuousError>> = RefCell::new(None);
        let grad_at = |si: f64| match self.gradient(x, &[si]) {
            Ok(o) => o.values[0],
            Err(e) => {
                failure.borrow_mut().get_or_insert(e);
                f64::NAN
            }
        };
        let params = QuadParams {
            rel_tol: 1e-10,
            ..self.outer
        };
        let res = integrate(
            &|si| {
                let p = phic.eval(si);
                if p == 0.0 { 0.0 } else { p * grad_at(si) }
            },
            support,
            &bps,
            params,
        );
        if let Some(e) = failure.borrow_mut().take() {
            return Err(e);
        }
        let (inner_product, _) = res?;
        Ok(GateauxReport::new(directional, inner_product))
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
