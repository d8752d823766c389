//! Extremals: the $x$ on $[a, b]$ that makes $J\[x\] = \int_a^b L(t, x, x')\\,dt$ stationary under
//! boundary conditions and integral constraints, found by Newton's method on the
//! Euler–Lagrange equation in Chebyshev collocation.
// Matrices are indexed as in the formulas; `!(a > b)` is also true for NaN, on purpose.
#![allow(clippy::needless_range_loop, clippy::neg_cmp_op_on_partial_ord)]

use crate::convolution::correlate;
use crate::error::{ContinuousError, Result};
use crate::quadrature::{QuadParams, integrate};
use crate::realfn::{Interval, RealFn};
use crate::symbolic::Expr;
use crate::variational::chebyshev::{Cheb, clenshaw, derivative_coefficients, solve_dense};
use crate::variational::functional::HessianKernel;
use crate::variational::{X, XP, XPP, euler_lagrange};
use gauss_quad::GaussLegendre;
use std::num::NonZeroUsize;

/// A boundary condition at one end of $[a, b]$.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Boundary {
    /// $x = v$ there.
    Value(f64),
    /// Free: the natural condition $\partial L/\partial x' = 0$ there (with the constraints'
    /// multipliers: $\partial(L + \sum_k \mu_k g_k)/\partial x' = 0$).
    Free,
}

impl std::str::FromStr for Boundary {
    type Err = ContinuousError;
    fn from_str(s: &str) -> Result<Self> {
        let s = s.trim();
        if s == "free" {
            return Ok(Boundary::Free);
        }
        match s.parse::<f64>() {
            Ok(v) if v.is_finite() => Ok(Boundary::Value(v)),
            _ => Err(ContinuousError::InvalidParameter {
                what: "boundary condition".into(),
                reason: format!("'{s}' is neither a finite number nor 'free'"),
            }),
        }
    }
}

impl std::fmt::Display for Boundary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Boundary::Value(v) => write!(f, "{v}"),
            Boundary::Free => f.write_str("free"),
        }
    }
}

/// Settings of [`Extremal::solve`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ExtremalParams {
    /// The first number of collocation intervals $N$ (doubled until the coefficients decay).
    pub initial_points: usize,
    /// The most intervals tried.
    pub max_points: usize,
    /// Converged when the trailing Chebyshev coefficients are below `tail_tol` times the
    /// largest.
    pub tail_tol: f64,
    /// Newton iterations allowed at each $N$.
    pub max_newton: usize,
}

impl Default for ExtremalParams {
    fn default() -> Self {
        Self {
            initial_points: 16,
            max_points: 512,
            tail_tol: 1e-13,
            max_newton: 60,
        }
    }
}

/// An expression in `t`, `x`, `xp`, `xpp` with its partial derivatives in `x`, `xp`, `xpp`.
#[derive(Debug, Clone)]
struct Partials {
    f: Expr,
    fx: Expr,
    fxp: Expr,
    fxpp: Expr,
}

impl Partials {
    fn new(f: Expr) -> Self {
        let f = f.simplify();
        Self {
            fx: f.diff(X).simplify(),
            fxp: f.diff(XP).simplify(),
            fxpp: f.diff(XPP).simplify(),
            f,
        }
    }
}

/// A Lagrangian-like term $F(t, x, x')$: itself, its Euler–Lagrange expression and its
/// momentum $\partial F/\partial x'$, each with partial derivatives.
#[derive(Debug, Clone)]
struct Term {
    value: Partials,
    el: Partials,
    momentum: Partials,
}

impl Term {
    fn new(f: &Expr) -> Self {
        Self {
            value: Partials::new(f.clone()),
            el: Partials::new(euler_lagrange(f)),
            momentum: Partials::new(f.diff(XP)),
        }
    }
}

fn ev(e: &Expr, t: f64, x: f64, xp: f64, xpp: f64) -> f64 {
    e.eval_vars(&[("t", t), (X, x), (XP, xp), (XPP, xpp)])
        .unwrap_or(f64::NAN)
}

/// The nonlocal data term $\tfrac12\int (h * x - y)^2\\,dt$ with $x$ zero outside $[a, b]$.
#[derive(Debug, Clone)]
struct DataTerm {
    h: Expr,
    y: Expr,
}

/// The data term on one collocation grid: $(K x)_i = \int_a^b a(t_i - \tau)\\,x(\tau)\\,d\tau$
/// for the interpolant $x$, with $a = Rh * h$, and $c_i = (Rh * y)(t_i)$.
struct DataOnGrid {
    k: Vec<f64>,
    c: Vec<f64>,
    half_y2: f64,
}

/// A variational problem: find $x$ on $[a, b]$ that makes
/// $$J\[x\] = \int_a^b L(t, x, x')\\,dt \\;\Big(+\\, \tfrac12\int (h * x - y)^2\\,dt\Big)$$
/// stationary under a [`Boundary`] condition at each end and the integral constraints
/// $\int_a^b g_k(t, x, x')\\,dt = C_k$, whose Lagrange multipliers $\mu_k$ make
/// $$\frac{\partial}{\partial x}\Big(L + \sum_k \mu_k g_k\Big) - \frac{d}{dt}\frac{\partial}{\partial x'}\Big(L + \sum_k \mu_k g_k\Big) \\;\big(+\\, (Rh * (h * x - y))(t)\big) = 0.$$
///
/// [`Extremal::solve`] is the spectral method: Newton's method on that equation collocated at
/// Chebyshev points (its linearisation differentiated symbolically), the number of points
/// doubled until the solution's Chebyshev coefficients have decayed to rounding level.
///
/// ```
/// # use flipshift_continuous::{Boundary, Expr, Extremal, Interval, ParseOptions};
/// // L = ½x′² + ½x², x(0) = 0, x(1) = 1: the extremal is sinh(t)/sinh(1).
/// let opts = ParseOptions { variables: &["t", "x", "xp"], params: &[] };
/// let l = Expr::parse_with("xp^2/2 + x^2/2", &opts)?;
/// let sol = Extremal::new(l, Interval::new(0.0, 1.0)?, Boundary::Value(0.0), Boundary::Value(1.0))?
///     .solve()?;
/// let exact = |t: f64| t.sinh() / 1f64.sinh();
/// assert!((sol.value_at(0.3) - exact(0.3)).abs() < 1e-12);
/// # Ok::<(), flipshift_continuous::ContinuousError>(())
/// ```
#[derive(Debug, Clone)]
pub struct Extremal {
    lagrangian: Expr,
    interval: Interval,
    left: Boundary,
    right: Boundary,
    constraints: Vec<(Expr, f64)>,
    data: Option<DataTerm>,
    guess: Option<Expr>,
    /// The solver's settings.
    pub params: ExtremalParams,
}

/// An extremal found by [`Extremal::solve`]: the Chebyshev interpolant on $[a, b]$ with what
/// the solve measured.
#[derive(Debug, Clone, PartialEq)]
pub struct ExtremalSolution {
    /// The interval.
    pub interval: Interval,
    /// The collocation points $t_j$ (increasing).
    pub nodes: Vec<f64>,
    /// $x(t_j)$.
    pub values: Vec<f64>,
    /// The Chebyshev coefficients of $x$ on $[a, b]$.
    pub coefficients: Vec<f64>,
    /// The Lagrange multipliers $\mu_k$, one per constraint.
    pub multipliers: Vec<f64>,
    /// $J\[x\]$ (the constraints' terms not included).
    pub j: f64,
    /// $\max_t |E(t)|$ over twice as many Chebyshev points: the Euler–Lagrange expression of the
    /// returned $x$, multipliers and data term included.
    pub residual: f64,
    /// $\int_a^b g_k - C_k$ for each constraint.
    pub constraint_residuals: Vec<f64>,
    /// The largest of the last few Chebyshev coefficients relative to the largest: how far the
    /// series had decayed.
    pub tail: f64,
    /// Newton iterations in all.
    pub newton_iterations: usize,
    /// The numbers of intervals tried, in order.
    pub points_tried: Vec<usize>,
}

impl ExtremalSolution {
    /// The number of collocation intervals $N$ ($N + 1$ points).
    pub fn n(&self) -> usize {
        self.nodes.len().saturating_sub(1)
    }

    /// $x(t)$ for $t$ in $[a, b]$ (the series is not extended outside; NaN there).
    pub fn value_at(&self, t: f64) -> f64 {
        if !self.interval.contains(t) {
            return f64::NAN;
        }
        clenshaw(&self.coefficients, self.interval.a(), self.interval.b(), t)
    }

    /// $x'(t)$ on $[a, b]$.
    pub fn derivative_at(&self, t: f64) -> f64 {
        if !self.interval.contains(t) {
            return f64::NAN;
        }
        let (a, b) = (self.interval.a(), self.interval.b());
        clenshaw(&derivative_coefficients(&self.coefficients, a, b), a, b, t)
    }
}

impl ExtremalSolution {
    /// $x''(t)$ on $[a, b]$.
    pub fn second_derivative_at(&self, t: f64) -> f64 {
        if !self.interval.contains(t) {
            return f64::NAN;
        }
        let (a, b) = (self.interval.a(), self.interval.b());
        let d1 = derivative_coefficients(&self.coefficients, a, b);
        clenshaw(&derivative_coefficients(&d1, a, b), a, b, t)
    }
}

impl RealFn for ExtremalSolution {
    fn eval(&self, t: f64) -> f64 {
        if self.interval.contains(t) {
            self.value_at(t)
        } else {
            0.0
        }
    }
    fn support(&self) -> Interval {
        self.interval
    }
    fn breakpoints(&self) -> Vec<f64> {
        vec![self.interval.a(), self.interval.b()]
    }
}

/// What one Newton solve at fixed $N$ ended with.
struct NewtonRun {
    x: Vec<f64>,
    mu: Vec<f64>,
    iterations: usize,
    failure: Option<String>,
}

impl Extremal {
    /// The problem for the Lagrangian `l` (in `t`, `x`, `xp`) on `interval` (bounded) with the
    /// two boundary conditions.
    pub fn new(l: Expr, interval: Interval, left: Boundary, right: Boundary) -> Result<Self> {
        l.require_vars(&["t", X, XP], "the Lagrangian L")?;
        if !interval.is_bounded() {
            return Err(ContinuousError::InvalidParameter {
                what: "interval".into(),
                reason: format!("an extremal needs a bounded interval a < b, got {interval}"),
            });
        }
        for b in [left, right] {
            if let Boundary::Value(v) = b
                && !v.is_finite()
            {
                return Err(ContinuousError::NonFinite {
                    what: "boundary value".into(),
                    value: v,
                });
            }
        }
        Ok(Self {
            lagrangian: l.simplify(),
            interval,
            left,
            right,
            constraints: Vec::new(),
            data: None,
            guess: None,
            params: ExtremalParams::default(),
        })
    }

    /// Add the integral constraint $\int_a^b g(t, x, x')\\,dt = C$.
    pub fn with_constraint(mut self, g: Expr, value: f64) -> Result<Self> {
        g.require_vars(&["t", X, XP], "a constraint g")?;
        if !value.is_finite() {
            return Err(ContinuousError::NonFinite {
                what: "constraint value".into(),
                value,
            });
        }
        self.constraints.push((g.simplify(), value));
        Ok(self)
    }

    /// Add the nonlocal data term $\tfrac12\int (h * x - y)^2\\,dt$ ($x$ is zero outside
    /// $[a, b]$), which makes the Euler–Lagrange equation an integro-differential one.
    pub fn with_data_term(mut self, h: Expr, y: Expr) -> Result<Self> {
        h.require_vars(&["t"], "the kernel h")?;
        y.require_vars(&["t"], "the data y")?;
        self.data = Some(DataTerm { h, y });
        Ok(self)
    }

    /// Start Newton's method from `x0` (an expression in `t`) instead of the default guess.
    pub fn with_guess(mut self, x0: Expr) -> Result<Self> {
        x0.require_vars(&["t"], "the initial guess")?;
        self.guess = Some(x0);
        Ok(self)
    }

    /// The Lagrangian.
    pub fn lagrangian(&self) -> &Expr {
        &self.lagrangian
    }

    /// The interval $[a, b]$.
    pub fn interval(&self) -> Interval {
        self.interval
    }

    /// The boundary conditions (left, right).
    pub fn boundaries(&self) -> (Boundary, Boundary) {
        (self.left, self.right)
    }

    /// The constraints $(g_k, C_k)$.
    pub fn constraints(&self) -> &[(Expr, f64)] {
        &self.constraints
    }

    /// The kernel and data of the nonlocal term, if any.
    pub fn data_term(&self) -> Option<(&Expr, &Expr)> {
        self.data.as_ref().map(|d| (&d.h, &d.y))
    }

    /// The Euler–Lagrange expression of $L$, simplified (in `t`, `x`, `xp`, `xpp`).
    pub fn euler_lagrange(&self) -> Expr {
        euler_lagrange(&self.lagrangian)
    }

    /// Refuse problems whose extremal is not determined: a null Lagrangian (every path is an
    /// extremal), or free ends with nothing that depends on $x$ itself (adding a constant
    /// changes nothing).
    pub fn check_well_posed(&self) -> Result<()> {
        let ill = |reason: String| {
            Err(ContinuousError::InvalidParameter {
                what: "variational problem".into(),
                reason,
            })
        };
        let el = euler_lagrange(&self.lagrangian);
        if self.constraints.is_empty() && self.data.is_none() && el.constant_value() == Some(0.0) {
            return ill(format!(
                "L = {} is a null Lagrangian (its Euler–Lagrange expression is 0): every path is an extremal",
                self.lagrangian.to_unicode()
            ));
        }
        if self.left == Boundary::Free
            && self.right == Boundary::Free
            && self.data.is_none()
            && !self.lagrangian.depends_on(X)
            && self.constraints.iter().all(|(g, _)| !g.depends_on(X))
        {
            return ill(
                "both ends are free and nothing depends on x itself, so x + c is an extremal for every constant c: fix an end (a value instead of free)"
                    .into(),
            );
        }
        Ok(())
    }

    /// The starting path of Newton's method at the points `t`: the guess given with
    /// [`Extremal::with_guess`], or the straight line between the boundary values (a constant
    /// when an end is free) plus, under constraints, the parabolic bump that meets the first
    /// one (so that the constraint's linearisation is not zero).
    pub fn starting_path(&self, t: &[f64]) -> Result<Vec<f64>> {
        let (a, b) = (self.interval.a(), self.interval.b());
        if let Some(x0) = &self.guess {
            let xc = x0.compile()?;
            let v: Vec<f64> = t.iter().map(|&t| xc.eval_formula(t)).collect();
            if let Some(bad) = v.iter().position(|v| !v.is_finite()) {
                return Err(ContinuousError::NotDefined {
                    what: format!("the initial guess {}", x0.to_unicode()),
                    t: t[bad],
                    value: v[bad],
                });
            }
            return Ok(v);
        }
        let c = match self.constraints.first() {
            Some((g, target)) => self.bump_size(&Term::new(g), *target),
            None => 0.0,
        };
        let (va, vb) = self.end_values();
        Ok(t.iter()
            .map(|&t| {
                va + (vb - va) * (t - a) / (b - a)
                    + c * 4.0 * (t - a) * (b - t) / ((b - a) * (b - a))
            })
            .collect())
    }

    fn end_values(&self) -> (f64, f64) {
        match (self.left, self.right) {
            (Boundary::Value(u), Boundary::Value(v)) => (u, v),
            (Boundary::Value(u), Boundary::Free) => (u, u),
            (Boundary::Free, Boundary::Value(v)) => (v, v),
            (Boundary::Free, Boundary::Free) => (0.0, 0.0),
        }
    }

    /// The height of the smallest upward parabolic bump on the boundary line that meets the
    /// constraint $\int g = C$, else a quarter of the interval's length.
    fn bump_size(&self, g: &Term, target: f64) -> f64 {
        let (a, b) = (self.interval.a(), self.interval.b());
        let cheb = Cheb::new(a, b, 32);
        let (va, vb) = self.end_values();
        let miss = |c: f64| -> f64 {
            let x: Vec<f64> = cheb
                .t
                .iter()
                .map(|&t| {
                    va + (vb - va) * (t - a) / (b - a)
                        + c * 4.0 * (t - a) * (b - t) / ((b - a) * (b - a))
                })
                .collect();
            let xp = cheb.diff(&x);
            let vals: Vec<f64> = (0..x.len())
                .map(|j| ev(&g.value.f, cheb.t[j], x[j], xp[j], 0.0))
                .collect();
            cheb.integrate(&vals) - target
        };
        let width = b - a;
        let mut prev = (0.0, miss(0.0));
        for i in 1..=40 {
            let c = width * 0.05 * f64::from(i);
            let m = miss(c);
            if prev.1.is_finite() && m.is_finite() && prev.1 * m <= 0.0 {
                let (mut lo, mut hi) = (prev.0, c);
                let flo = prev.1;
                for _ in 0..60 {
                    let mid = 0.5 * (lo + hi);
                    if miss(mid) * flo > 0.0 {
                        lo = mid;
                    } else {
                        hi = mid;
                    }
                }
                let c = 0.5 * (lo + hi);
                return if c == 0.0 { 0.25 * width } else { c };
            }
            prev = (c, m);
        }
        0.25 * width
    }

    fn data_on_grid(
        &self,
        d: &DataTerm,
        kernel: &HessianKernel,
        cheb: &Cheb,
    ) -> Result<DataOnGrid> {
        let n = cheb.n;
        let m = n + 1;
        let (a, b) = (cheb.a, cheb.b);
        let rule = GaussLegendre::new(NonZeroUsize::MIN.saturating_add(19))
            .as_node_weight_pairs()
            .to_vec();
        let kb = kernel.breakpoints();
        let mut k = vec![0.0; m * m];
        // Barycentric weights of the points.
        let bw: Vec<f64> = (0..m)
            .map(|j| {
                let s = if j % 2 == 0 { 1.0 } else { -1.0 };
                if j == 0 || j == n { 0.5 * s } else { s }
            })
            .collect();
        for i in 0..m {
            let ti = cheb.t[i];
            // τ ∈ [a, b] split where a(tᵢ − τ) has a breakpoint, and into 32 panels at least.
            let mut cuts: Vec<f64> = (0..=32)
                .map(|p| a + (b - a) * f64::from(p) / 32.0)
                .collect();
            cuts.extend(kb.iter().map(|p| ti - p).filter(|&s| s > a && s < b));
            cuts.sort_by(f64::total_cmp);
            cuts.dedup();
            for w in cuts.windows(2) {
                let (lo, hi) = (w[0], w[1]);
                let (mid, half) = (0.5 * (lo + hi), 0.5 * (hi - lo));
                for &(u, wq) in &rule {
                    let tau = mid + half * u;
                    let av = kernel.eval(ti - tau);
                    if av == 0.0 {
                        continue;
                    }
                    let weight = wq * half * av;
                    // Lagrange basis ℓ_j(τ) by the barycentric formula.
                    let mut den = 0.0;
                    let mut exact = None;
                    for j in 0..m {
                        let dt = tau - cheb.t[j];
                        if dt == 0.0 {
                            exact = Some(j);
                            break;
                        }
                        den += bw[j] / dt;
                    }
                    match exact {
                        Some(j) => k[i * m + j] += weight,
                        None => {
                            for j in 0..m {
                                k[i * m + j] += weight * (bw[j] / (tau - cheb.t[j])) / den;
                            }
                        }
                    }
                }
            }
        }
        if let Some(bad) = k.iter().position(|v| !v.is_finite()) {
            return Err(ContinuousError::NotDefined {
                what: "the data term's kernel Rh * h".into(),
                t: cheb.t[bad / m],
                value: k[bad],
            });
        }
        let hc = d.h.compile()?;
        let yc = d.y.compile()?;
        let c = correlate(&hc, &yc, &cheb.t, QuadParams::default())?.values;
        let ys = yc.support();
        let mut bps = yc.breakpoints();
        bps.extend([ys.a(), ys.b()].into_iter().filter(|v| v.is_finite()));
        let (y2, _) = integrate(&|t| yc.eval(t).powi(2), ys, &bps, QuadParams::default())?;
        Ok(DataOnGrid {
            k,
            c,
            half_y2: 0.5 * y2,
        })
    }

    /// The residual $F$ of the collocated equations at $(x, \mu)$ and, when `jac` is given,
    /// its Jacobian (row-major) written there.
    fn residual(
        &self,
        terms: (&Term, &[Term]),
        cheb: &Cheb,
        data: Option<&DataOnGrid>,
        x: &[f64],
        mu: &[f64],
        jac: Option<&mut Vec<f64>>,
    ) -> Vec<f64> {
        let (l, gs) = terms;
        let n = cheb.n;
        let np = n + 1;
        let k = gs.len();
        let m = np + k;
        let xp = cheb.diff(x);
        let xpp = cheb.diff2(x);
        let mut f = vec![0.0; m];
        let mut jm = jac;
        if let Some(j) = jm.as_deref_mut() {
            j.clear();
            j.resize(m * m, 0.0);
        }
        let at = |e: &Expr, i: usize| ev(e, cheb.t[i], x[i], xp[i], xpp[i]);
        // Interior: the Euler–Lagrange equation.
        for i in 1..n {
            let mut e = at(&l.el.f, i);
            let (mut ex, mut exp, mut expp) =
                (at(&l.el.fx, i), at(&l.el.fxp, i), at(&l.el.fxpp, i));
            let mut e_mu = vec![0.0; k];
            for (q, g) in gs.iter().enumerate() {
                let eg = at(&g.el.f, i);
                e += mu[q] * eg;
                e_mu[q] = eg;
                ex += mu[q] * at(&g.el.fx, i);
                exp += mu[q] * at(&g.el.fxp, i);
                expp += mu[q] * at(&g.el.fxpp, i);
            }
            if let Some(d) = data {
                let row = &d.k[i * np..(i + 1) * np];
                e += row.iter().zip(x).map(|(p, q)| p * q).sum::<f64>() - d.c[i];
            }
            f[i] = e;
            if let Some(j) = jm.as_deref_mut() {
                let row = &mut j[i * m..(i + 1) * m];
                for c in 0..np {
                    row[c] = exp * cheb.d[i * np + c] + expp * cheb.d2[i * np + c];
                }
                row[i] += ex;
                if let Some(d) = data {
                    for c in 0..np {
                        row[c] += d.k[i * np + c];
                    }
                }
                row[np..].copy_from_slice(&e_mu);
            }
        }
        // The ends.
        for (i, bc) in [(0, self.left), (n, self.right)] {
            match bc {
                Boundary::Value(v) => {
                    f[i] = x[i] - v;
                    if let Some(j) = jm.as_deref_mut() {
                        j[i * m + i] = 1.0;
                    }
                }
                Boundary::Free => {
                    let mut p = at(&l.momentum.f, i);
                    let (mut px, mut pxp) = (at(&l.momentum.fx, i), at(&l.momentum.fxp, i));
                    let mut p_mu = vec![0.0; k];
                    for (q, g) in gs.iter().enumerate() {
                        let pg = at(&g.momentum.f, i);
                        p += mu[q] * pg;
                        p_mu[q] = pg;
                        px += mu[q] * at(&g.momentum.fx, i);
                        pxp += mu[q] * at(&g.momentum.fxp, i);
                    }
                    f[i] = p;
                    if let Some(j) = jm.as_deref_mut() {
                        let row = &mut j[i * m..(i + 1) * m];
                        for c in 0..np {
                            row[c] = pxp * cheb.d[i * np + c];
                        }
                        row[i] += px;
                        row[np..].copy_from_slice(&p_mu);
                    }
                }
            }
        }
        // The constraints, by Clenshaw–Curtis quadrature.
        for (q, g) in gs.iter().enumerate() {
            let vals: Vec<f64> = (0..np).map(|i| at(&g.value.f, i)).collect();
            f[np + q] = cheb.integrate(&vals) - self.constraints[q].1;
            if let Some(j) = jm.as_deref_mut() {
                let row = &mut j[(np + q) * m..(np + q + 1) * m];
                for i in 0..np {
                    let wgx = cheb.w[i] * at(&g.value.fx, i);
                    let wgxp = cheb.w[i] * at(&g.value.fxp, i);
                    row[i] += wgx;
                    if wgxp != 0.0 {
                        for c in 0..np {
                            row[c] += wgxp * cheb.d[i * np + c];
                        }
                    }
                }
            }
        }
        f
    }

    fn newton(
        &self,
        terms: (&Term, &[Term]),
        cheb: &Cheb,
        data: Option<&DataOnGrid>,
        mut x: Vec<f64>,
        mut mu: Vec<f64>,
    ) -> NewtonRun {
        let np = cheb.n + 1;
        let m = np + mu.len();
        let norm = |v: &[f64]| v.iter().map(|a| a.abs()).fold(0.0, f64::max);
        let finite_norm = |v: &[f64]| {
            if v.iter().all(|a| a.is_finite()) {
                norm(v)
            } else {
                f64::INFINITY
            }
        };
        let mut jac = Vec::new();
        for it in 1..=self.params.max_newton {
            let f = self.residual(terms, cheb, data, &x, &mu, Some(&mut jac));
            let fnorm = finite_norm(&f);
            if !fnorm.is_finite() {
                return NewtonRun {
                    x,
                    mu,
                    iterations: it - 1,
                    failure: Some(
                        "the Euler–Lagrange equation is not defined along the current path (give a --guess inside L's domain)".into(),
                    ),
                };
            }
            let rhs: Vec<f64> = f.iter().map(|v| -v).collect();
            let Some(delta) = solve_dense(jac.clone(), rhs, m) else {
                return NewtonRun {
                    x,
                    mu,
                    iterations: it - 1,
                    failure: Some(
                        "the linearised equations are singular: the boundary conditions cannot be met by this Lagrangian (∂²L/∂x′² ≡ 0?), or the extremal is not unique".into(),
                    ),
                };
            };
            let scale = norm(&x).max(norm(&mu)).max(1.0);
            let dnorm = norm(&delta);
            // Damped step: halve until the residual falls; near convergence the residual is
            // at rounding level and the full step is taken.
            let mut alpha = 1.0;
            let mut accepted = false;
            while alpha > 1e-6 {
                let xn: Vec<f64> = x.iter().zip(&delta).map(|(a, d)| a + alpha * d).collect();
                let mun: Vec<f64> = mu
                    .iter()
                    .zip(&delta[np..])
                    .map(|(a, d)| a + alpha * d)
                    .collect();
                let fnew = finite_norm(&self.residual(terms, cheb, data, &xn, &mun, None));
                if fnew < fnorm || (alpha == 1.0 && dnorm <= 1e-8 * scale && fnew.is_finite()) {
                    x = xn;
                    mu = mun;
                    accepted = true;
                    break;
                }
                alpha *= 0.5;
            }
            if !accepted {
                let failure = if dnorm <= 1e-10 * scale {
                    None
                } else {
                    Some(format!(
                        "Newton's method stalled (no step along the Newton direction lowers the residual {fnorm:.2e})"
                    ))
                };
                return NewtonRun {
                    x,
                    mu,
                    iterations: it,
                    failure,
                };
            }
            if alpha == 1.0 && dnorm <= 1e-13 * scale {
                return NewtonRun {
                    x,
                    mu,
                    iterations: it,
                    failure: None,
                };
            }
        }
        NewtonRun {
            x,
            mu,
            iterations: self.params.max_newton,
            failure: Some(format!(
                "Newton's method did not converge in {} iterations",
                self.params.max_newton
            )),
        }
    }

    /// Initial multipliers: the least-squares fit of the interior equation at the guess.
    fn initial_multipliers(
        &self,
        terms: (&Term, &[Term]),
        cheb: &Cheb,
        data: Option<&DataOnGrid>,
        x: &[f64],
    ) -> Vec<f64> {
        let k = terms.1.len();
        if k == 0 {
            return Vec::new();
        }
        let zero = vec![0.0; k];
        let base = self.residual(terms, cheb, data, x, &zero, None);
        let xp = cheb.diff(x);
        let xpp = cheb.diff2(x);
        let cols: Vec<Vec<f64>> = terms
            .1
            .iter()
            .map(|g| {
                (1..cheb.n)
                    .map(|i| ev(&g.el.f, cheb.t[i], x[i], xp[i], xpp[i]))
                    .collect()
            })
            .collect();
        let mut a = vec![0.0; k * k];
        let mut r = vec![0.0; k];
        for p in 0..k {
            for q in 0..k {
                a[p * k + q] = cols[p].iter().zip(&cols[q]).map(|(u, v)| u * v).sum();
            }
            r[p] = -cols[p]
                .iter()
                .zip(&base[1..cheb.n])
                .map(|(u, v)| u * v)
                .sum::<f64>();
        }
        solve_dense(a, r, k)
            .filter(|m| m.iter().all(|v| v.is_finite()))
            .unwrap_or(zero)
    }

    /// Solve by the spectral method (see the type's documentation).
    ///
    /// Bad requests are [`ContinuousError::InvalidParameter`] (see
    /// [`Extremal::check_well_posed`]); when Newton's method does not converge, or the
    /// coefficients do not decay within `params.max_points`, the error is
    /// [`ContinuousError::NoExtremal`] with the best iterate.
    pub fn solve(&self) -> Result<ExtremalSolution> {
        self.check_well_posed()?;
        let p = self.params;
        if p.initial_points < 2 || p.max_points < p.initial_points {
            return Err(ContinuousError::InvalidParameter {
                what: "points".into(),
                reason: format!(
                    "need 2 ≤ initial points ≤ max points, got {} and {}",
                    p.initial_points, p.max_points
                ),
            });
        }
        let l = Term::new(&self.lagrangian);
        let gs: Vec<Term> = self.constraints.iter().map(|(g, _)| Term::new(g)).collect();
        let terms = (&l, gs.as_slice());
        let kernel = match &self.data {
            Some(d) => Some(HessianKernel::new(&d.h)?),
            None => None,
        };
        let (a, b) = (self.interval.a(), self.interval.b());
        let mut n = p.initial_points;
        let mut cheb = Cheb::new(a, b, n);
        let mut x = self.starting_path(&cheb.t)?;
        let mut data = self.grid_data(kernel.as_ref(), &cheb)?;
        let mut mu = self.initial_multipliers(terms, &cheb, data.as_ref(), &x);
        let mut total_iterations = 0;
        let mut tried = Vec::new();
        let mut prev_tail = f64::INFINITY;
        loop {
            tried.push(n);
            let run = self.newton(terms, &cheb, data.as_ref(), x, mu);
            total_iterations += run.iterations;
            x = run.x;
            mu = run.mu;
            let coefficients = cheb.coefficients(&x);
            let scale = coefficients.iter().map(|c| c.abs()).fold(0.0, f64::max);
            let last = (n / 16).max(3);
            let tail_abs = coefficients[n + 1 - last..]
                .iter()
                .map(|c| c.abs())
                .fold(0.0, f64::max);
            let tail = if scale > 0.0 { tail_abs / scale } else { 0.0 };
            let finish = |failure: Option<String>, cheb: &Cheb, data: Option<&DataOnGrid>| {
                self.finish(
                    terms,
                    cheb,
                    data,
                    kernel.as_ref(),
                    &x,
                    &mu,
                    tail,
                    total_iterations,
                    &tried,
                )
                .and_then(|sol| match failure {
                    None => Ok(sol),
                    Some(reason) => Err(ContinuousError::NoExtremal {
                        residual: sol.residual,
                        reason,
                        best: Box::new(sol),
                    }),
                })
            };
            if let Some(reason) = run.failure {
                return finish(Some(format!("{reason} (N = {n})")), &cheb, data.as_ref());
            }
            // Decayed to the tolerance, or to a plateau of rounding noise.
            let plateau = tail <= 1e-9 && tail >= 0.1 * prev_tail;
            if tail <= p.tail_tol || plateau {
                return finish(None, &cheb, data.as_ref());
            }
            if 2 * n > p.max_points {
                return finish(
                    Some(format!(
                        "the Chebyshev coefficients did not decay with {n} intervals (tail {tail:.1e} of the largest): the extremal is not smooth enough to resolve, or not an extremal"
                    )),
                    &cheb,
                    data.as_ref(),
                );
            }
            prev_tail = tail;
            let finer = Cheb::new(a, b, 2 * n);
            x = cheb.interpolate(&x, &finer.t);
            n *= 2;
            cheb = finer;
            data = self.grid_data(kernel.as_ref(), &cheb)?;
        }
    }

    fn grid_data(&self, kernel: Option<&HessianKernel>, cheb: &Cheb) -> Result<Option<DataOnGrid>> {
        match (&self.data, kernel) {
            (Some(d), Some(k)) => Ok(Some(self.data_on_grid(d, k, cheb)?)),
            _ => Ok(None),
        }
    }

    /// The solution with $J$ and the residual measured on twice as many points.
    #[allow(clippy::too_many_arguments)]
    fn finish(
        &self,
        terms: (&Term, &[Term]),
        cheb: &Cheb,
        data: Option<&DataOnGrid>,
        kernel: Option<&HessianKernel>,
        x: &[f64],
        mu: &[f64],
        tail: f64,
        newton_iterations: usize,
        tried: &[usize],
    ) -> Result<ExtremalSolution> {
        let (a, b) = (cheb.a, cheb.b);
        let coefficients = cheb.coefficients(x);
        let d1 = derivative_coefficients(&coefficients, a, b);
        let d2 = derivative_coefficients(&d1, a, b);
        let fine = Cheb::new(a, b, 2 * cheb.n);
        let fdata = self.grid_data(kernel, &fine)?;
        let xs: Vec<f64> = fine
            .t
            .iter()
            .map(|&t| clenshaw(&coefficients, a, b, t))
            .collect();
        let x1: Vec<f64> = fine.t.iter().map(|&t| clenshaw(&d1, a, b, t)).collect();
        let x2: Vec<f64> = fine.t.iter().map(|&t| clenshaw(&d2, a, b, t)).collect();
        let (l, gs) = terms;
        let mut residual: f64 = 0.0;
        let mut lvals = Vec::with_capacity(xs.len());
        for i in 0..xs.len() {
            let (t, xv, p, q) = (fine.t[i], xs[i], x1[i], x2[i]);
            let mut e = ev(&l.el.f, t, xv, p, q);
            for (g, m) in gs.iter().zip(mu) {
                e += m * ev(&g.el.f, t, xv, p, q);
            }
            if let Some(d) = &fdata {
                let np = fine.n + 1;
                e += d.k[i * np..(i + 1) * np]
                    .iter()
                    .zip(&xs)
                    .map(|(u, v)| u * v)
                    .sum::<f64>()
                    - d.c[i];
            }
            residual = residual.max(if e.is_finite() {
                e.abs()
            } else {
                f64::INFINITY
            });
            lvals.push(ev(&l.value.f, t, xv, p, 0.0));
        }
        let mut j = fine.integrate(&lvals);
        if let Some(d) = &fdata {
            let np = fine.n + 1;
            let kx: Vec<f64> = (0..np)
                .map(|i| {
                    d.k[i * np..(i + 1) * np]
                        .iter()
                        .zip(&xs)
                        .map(|(u, v)| u * v)
                        .sum()
                })
                .collect();
            let quad: Vec<f64> = (0..np).map(|i| xs[i] * (0.5 * kx[i] - d.c[i])).collect();
            j += fine.integrate(&quad) + d.half_y2;
        }
        let constraint_residuals = gs
            .iter()
            .zip(&self.constraints)
            .map(|(g, (_, c))| {
                let v: Vec<f64> = (0..xs.len())
                    .map(|i| ev(&g.value.f, fine.t[i], xs[i], x1[i], 0.0))
                    .collect();
                fine.integrate(&v) - c
            })
            .collect();
        let _ = data;
        Ok(ExtremalSolution {
            interval: self.interval,
            nodes: cheb.t.clone(),
            values: x.to_vec(),
            coefficients,
            multipliers: mu.to_vec(),
            j,
            residual,
            constraint_residuals,
            tail,
            newton_iterations,
            points_tried: tried.to_vec(),
        })
    }
}
