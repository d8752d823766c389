//! The direct method for extremals: the functional of an [`Extremal`] discretised on $N$
//! intervals and made stationary (a minimum when there are no constraints) by Newton's method
//! on the discrete equations, with the errors against the spectral extremal over a sequence of
//! $N$ and their observed order.

// Matrices are indexed as in the formulas.
#![allow(clippy::needless_range_loop)]

use crate::bridge::{Grid, Rule, fit_order, sample};
use crate::error::DiscreteError;
use crate::functional::DiscreteFunctional;
use flipshift_continuous::{
    Boundary, Expr, Extremal, ExtremalSolution, QuadParams, RealFn, euler_lagrange, integrate,
    losses,
};
use nalgebra::{DMatrix, DVector};

/// A stationary point of the discretised functional on a uniform grid of $[a, b]$.
#[derive(Debug, Clone, PartialEq)]
pub struct DirectSolution {
    /// The grid $t_j = a + j\Delta$, $j = 0, \dots, N$.
    pub grid: Grid,
    /// $x_j$.
    pub values: Vec<f64>,
    /// The discrete Lagrange multipliers, one per constraint.
    pub multipliers: Vec<f64>,
    /// $J_\Delta(x)$ (the data term's part free of $x$, $\tfrac12\int y^2$, by quadrature).
    pub j: f64,
    /// $\max_j |E(t_j)|$ over the interior points, with $x'$ and $x''$ by central differences:
    /// how far the returned $x$ is from solving the Euler–Lagrange equation ($O(\Delta^2)$ for a
    /// converged direct solve).
    pub residual: f64,
    /// Newton iterations.
    pub newton_iterations: usize,
}

impl DirectSolution {
    /// The number of intervals $N$.
    pub fn n(&self) -> usize {
        self.values.len() - 1
    }

    /// $x(t)$ by linear interpolation between the grid values (NaN outside $[a, b]$).
    pub fn value_at(&self, t: f64) -> f64 {
        let (a, dt) = (self.grid.start(), self.grid.dt());
        let n = self.n();
        let u = (t - a) / dt;
        if !(u >= -1e-9 && u <= n as f64 + 1e-9) {
            return f64::NAN;
        }
        let j = (u.floor().max(0.0) as usize).min(n.saturating_sub(1));
        let s = (u - j as f64).clamp(0.0, 1.0);
        self.values[j] * (1.0 - s) + self.values[(j + 1).min(n)] * s
    }
}

/// The direct method at several $N$ against the spectral extremal.
#[derive(Debug, Clone, PartialEq)]
pub struct DirectLevels {
    /// The numbers of intervals, doubling.
    pub intervals: Vec<usize>,
    /// The spacings $\Delta = (b - a)/N$.
    pub deltas: Vec<f64>,
    /// $\max_j |x_j - x_{\text{spectral}}(t_j)|$ at each level.
    pub errors: Vec<f64>,
    /// The rounding level of the discrete solves ($N^2\varepsilon\max|x|$ at the finest): errors
    /// below it are not fitted.
    pub floor: f64,
    /// The observed order: the least-squares slope of $\log$ error against $\log\Delta$ above
    /// the floor.
    pub order: Option<f64>,
    /// The solutions, coarsest first.
    pub solutions: Vec<DirectSolution>,
}

/// The direct method for an [`Extremal`]: an extension of the continuous problem, which lives
/// in `flipshift-continuous` and knows nothing of grids.
pub trait DirectMethod {
    /// The stationary point of the discretised functional on $N$ intervals, from the problem's
    /// starting path.
    fn solve_direct(&self, n: usize) -> Result<DirectSolution, DiscreteError>;

    /// The same from a given start (one value per grid point).
    fn solve_direct_from(&self, n: usize, start: &[f64]) -> Result<DirectSolution, DiscreteError>;

    /// The direct solutions on $N_0, 2N_0, \dots$ ($K$ levels), each started from the previous
    /// one, with their errors against `reference` (the spectral extremal) and the observed order.
    fn direct_levels(
        &self,
        reference: &ExtremalSolution,
        n0: usize,
        levels: usize,
    ) -> Result<DirectLevels, DiscreteError>;
}

/// The discretised pieces of one problem on one grid.
struct Discrete {
    grid: Grid,
    j: DiscreteFunctional,
    constraints: Vec<(DiscreteFunctional, f64)>,
    /// $\tfrac12\int y^2 - \tfrac12\Delta\sum_k y_k^2$: the $x$-free part of the data term taken
    /// exactly.
    data_constant: f64,
    /// The Lagrangian's part alone, when there is a data term (to split its gradient off).
    reg_only: Option<DiscreteFunctional>,
    el: Expr,
    el_g: Vec<Expr>,
    fixed: (Option<f64>, Option<f64>),
}

fn invalid(what: &'static str, reason: String) -> DiscreteError {
    DiscreteError::InvalidParameter { what, reason }
}

/// A window outside which `f` is below 1e-17 of its peak (its support when bounded).
fn window(f: &dyn RealFn) -> Result<(f64, f64), DiscreteError> {
    let s = f.support();
    if s.is_bounded() {
        return Ok((s.a(), s.b()));
    }
    let anchor = if s.a().is_finite() {
        s.a()
    } else if s.b().is_finite() {
        s.b()
    } else {
        0.0
    };
    let peak = (-400..=400)
        .map(|i| anchor + f64::from(i) * 0.05)
        .filter(|&t| s.contains(t))
        .map(|t| f.eval(t).abs())
        .fold(0.0, f64::max);
    if !(peak > 0.0 && peak.is_finite()) {
        return Err(invalid(
            "kernel",
            "the kernel is zero or not finite near its support".into(),
        ));
    }
    let reach = |dir: f64| -> Result<f64, DiscreteError> {
        let mut l = 1.0;
        while l <= 4096.0 {
            let band = (0..=256)
                .map(|i| f.eval(anchor + dir * (l + l * f64::from(i) / 256.0)).abs())
                .fold(0.0, f64::max);
            if band <= 1e-17 * peak {
                return Ok(anchor + dir * l);
            }
            l *= 2.0;
        }
        Err(invalid(
            "kernel",
            "the kernel does not decay: the data term does not exist".into(),
        ))
    };
    let lo = if s.a().is_finite() {
        s.a()
    } else {
        reach(-1.0)?
    };
    let hi = if s.b().is_finite() {
        s.b()
    } else {
        reach(1.0)?
    };
    Ok((lo, hi))
}

fn discretise(problem: &Extremal, n: usize) -> Result<Discrete, DiscreteError> {
    if n < 2 {
        return Err(invalid(
            "intervals",
            format!("the direct method needs N ≥ 2 intervals, got {n}"),
        ));
    }
    let iv = problem.interval();
    let (a, b) = (iv.a(), iv.b());
    let dt = (b - a) / n as f64;
    let grid = Grid::new(a, dt, n + 1)?;
    let mut j = DiscreteFunctional::new(grid).with_regulariser(problem.lagrangian().clone())?;
    let mut data_constant = 0.0;
    let mut reg_only = None;
    if let Some((h, y)) = problem.data_term() {
        reg_only = Some(j.clone());
        let hc = h.compile()?;
        let yc = y.compile()?;
        let (lo, hi) = window(&hc)?;
        let k0 = (lo / dt - 1e-9).floor() as i64;
        let k1 = (hi / dt + 1e-9).ceil() as i64;
        let hs = sample(&hc, &Grid::lattice(k0, k1, dt)?, Rule::Point)?;
        let h_start = k0 as f64 * dt;
        let zgrid = Grid::new(a + h_start, dt, n + 1 + hs.len() - 1)?;
        let ys = sample(&yc, &zgrid, Rule::Point)?;
        j = j.with_data_samples(&hs, h_start, losses::least_squares(&Expr::var("y"))?, &ys)?;
        let s = yc.support();
        let mut bps = yc.breakpoints();
        bps.extend([s.a(), s.b()].into_iter().filter(|v| v.is_finite()));
        let (y2, _) = integrate(&|t| yc.eval(t).powi(2), s, &bps, QuadParams::default())?;
        data_constant = 0.5 * y2 - 0.5 * dt * ys.iter().map(|v| v * v).sum::<f64>();
    }
    let constraints = problem
        .constraints()
        .iter()
        .map(|(g, c)| {
            Ok((
                DiscreteFunctional::new(grid).with_regulariser(g.clone())?,
                *c,
            ))
        })
        .collect::<Result<Vec<_>, DiscreteError>>()?;
    let (left, right) = problem.boundaries();
    let value = |b: Boundary| match b {
        Boundary::Value(v) => Some(v),
        Boundary::Free => None,
    };
    Ok(Discrete {
        grid,
        j,
        constraints,
        data_constant,
        reg_only,
        el: euler_lagrange(problem.lagrangian()),
        el_g: problem
            .constraints()
            .iter()
            .map(|(g, _)| euler_lagrange(g))
            .collect(),
        fixed: (value(left), value(right)),
    })
}

fn norm(v: &[f64]) -> f64 {
    v.iter().map(|a| a.abs()).fold(0.0, f64::max)
}

/// The stationarity residual of the discrete Lagrangian on the free indices (scaled by
/// $1/\Delta$ so that it approximates the Euler–Lagrange expression) and the constraints' misses.
fn kkt_residual(
    d: &Discrete,
    free: std::ops::Range<usize>,
    x: &[f64],
    mu: &[f64],
) -> Result<(Vec<f64>, f64), DiscreteError> {
    let (jv, g) = d.j.value_gradient(x)?;
    let mut r: Vec<f64> = g[free.clone()].to_vec();
    let mut out_c = Vec::with_capacity(mu.len());
    for ((c, target), m) in d.constraints.iter().zip(mu) {
        let (cv, cg) = c.value_gradient(x)?;
        for (ri, gi) in r.iter_mut().zip(&cg[free.clone()]) {
            *ri += m * gi;
        }
        out_c.push(cv - target);
    }
    let dt = d.grid.dt();
    let mut all: Vec<f64> = r.iter().map(|v| v / dt).collect();
    all.extend(out_c);
    Ok((all, jv))
}

/// Solve the symmetric tridiagonal system (diag, off) for each right-hand side by elimination
/// without pivoting; `None` when a pivot is tiny. Also returns the pivots (their signs give the
/// inertia).
fn tridiagonal(diag: &[f64], off: &[f64], rhs: &[Vec<f64>]) -> Option<(Vec<Vec<f64>>, Vec<f64>)> {
    let n = diag.len();
    let scale = norm(diag).max(norm(off));
    let mut piv = vec![0.0; n];
    let mut l = vec![0.0; n];
    piv[0] = diag[0];
    for i in 1..n {
        if !(piv[i - 1].abs() > 1e-14 * scale) {
            return None;
        }
        l[i] = off[i - 1] / piv[i - 1];
        piv[i] = diag[i] - l[i] * off[i - 1];
    }
    if !(piv[n - 1].abs() > 1e-14 * scale) {
        return None;
    }
    let sols = rhs
        .iter()
        .map(|b| {
            let mut y = b.clone();
            for i in 1..n {
                y[i] -= l[i] * y[i - 1];
            }
            y[n - 1] /= piv[n - 1];
            for i in (0..n - 1).rev() {
                y[i] = (y[i] - off[i] * y[i + 1]) / piv[i];
            }
            y
        })
        .collect();
    Some((sols, piv))
}

/// A Newton step: $\delta x$ on the free indices, $\delta\mu$, and whether the Hessian there is
/// positive definite.
type Step = (Vec<f64>, Vec<f64>, bool);

/// One Newton step on the KKT system: $(\delta x_F, \delta\mu)$, and whether the Hessian on the
/// free indices is positive definite.
fn newton_step(
    d: &Discrete,
    free: std::ops::Range<usize>,
    x: &[f64],
    mu: &[f64],
    res: &[f64],
) -> Result<Option<Step>, DiscreteError> {
    let nf = free.len();
    let k = mu.len();
    let dt = d.grid.dt();
    // Right-hand sides: −∇ (unscaled) and −(C − target).
    let r: Vec<f64> = res[..nf].iter().map(|v| -v * dt).collect();
    let c: Vec<f64> = res[nf..].iter().map(|v| -v).collect();
    let mut grads = Vec::with_capacity(k);
    for (cf, _) in &d.constraints {
        grads.push(cf.value_gradient(x)?.1[free.clone()].to_vec());
    }
    if !d.j.has_data_term() {
        let (mut diag, mut off) = d.j.regulariser_hessian(x)?;
        for ((cf, _), m) in d.constraints.iter().zip(mu) {
            let (cd, co) = cf.regulariser_hessian(x)?;
            diag.iter_mut().zip(&cd).for_each(|(a, b)| *a += m * b);
            off.iter_mut().zip(&co).for_each(|(a, b)| *a += m * b);
        }
        let dg = &diag[free.clone()];
        let of = &off[free.start..free.end - 1];
        let mut rhs = vec![r.clone()];
        rhs.extend(grads.iter().cloned());
        if let Some((sols, piv)) = tridiagonal(dg, of, &rhs) {
            let y0 = &sols[0];
            let ys = &sols[1..];
            // (Bᵀ Y) δμ = Bᵀ y0 − c.
            let mut s = DMatrix::<f64>::zeros(k, k);
            let mut rhs_mu = DVector::<f64>::zeros(k);
            for p in 0..k {
                for q in 0..k {
                    s[(p, q)] = grads[p].iter().zip(&ys[q]).map(|(a, b)| a * b).sum();
                }
                rhs_mu[p] = grads[p].iter().zip(y0).map(|(a, b)| a * b).sum::<f64>() - c[p];
            }
            let dmu: Vec<f64> = if k == 0 {
                Vec::new()
            } else {
                match s.lu().solve(&rhs_mu) {
                    Some(v) => v.iter().copied().collect(),
                    None => return Ok(None),
                }
            };
            let dx: Vec<f64> = (0..nf)
                .map(|i| y0[i] - (0..k).map(|q| ys[q][i] * dmu[q]).sum::<f64>())
                .collect();
            let pd = piv.iter().all(|p| *p > 0.0);
            return Ok(Some((dx, dmu, pd)));
        }
    }
    // Dense KKT (a data term, or a tridiagonal pivot too small).
    let mut hm = d.j.hessian(x)?;
    for ((cf, _), m) in d.constraints.iter().zip(mu) {
        hm += cf.hessian(x)? * *m;
    }
    let hf = hm.view((free.start, free.start), (nf, nf)).clone_owned();
    let pd = hf.clone().cholesky().is_some();
    let mut kkt = DMatrix::<f64>::zeros(nf + k, nf + k);
    kkt.view_mut((0, 0), (nf, nf)).copy_from(&hf);
    for q in 0..k {
        for i in 0..nf {
            kkt[(i, nf + q)] = grads[q][i];
            kkt[(nf + q, i)] = grads[q][i];
        }
    }
    let mut b = DVector::<f64>::zeros(nf + k);
    for i in 0..nf {
        b[i] = r[i];
    }
    for q in 0..k {
        b[nf + q] = c[q];
    }
    Ok(kkt.lu().solve(&b).map(|u| {
        let u: Vec<f64> = u.iter().copied().collect();
        (u[..nf].to_vec(), u[nf..].to_vec(), pd)
    }))
}

/// $\max_j |E(t_j)|$ at the interior points, $x'$ and $x''$ by central differences, the data
/// term's part from the discrete gradient over $\Delta$.
fn el_residual(d: &Discrete, x: &[f64], mu: &[f64]) -> Result<f64, DiscreteError> {
    let dt = d.grid.dt();
    let n = x.len() - 1;
    let data_part: Vec<f64> = match &d.reg_only {
        // The data term's gradient is J's gradient less the regulariser's.
        Some(reg_only) => {
            let (_, gj) = d.j.value_gradient(x)?;
            let (_, gr) = reg_only.value_gradient(x)?;
            gj.iter().zip(&gr).map(|(a, b)| (a - b) / dt).collect()
        }
        None => vec![0.0; n + 1],
    };
    let mut worst: f64 = 0.0;
    for j in 1..n {
        let xp = (x[j + 1] - x[j - 1]) / (2.0 * dt);
        let xpp = (x[j + 1] - 2.0 * x[j] + x[j - 1]) / (dt * dt);
        let vars = [
            ("t", d.grid.point(j)),
            ("x", x[j]),
            ("xp", xp),
            ("xpp", xpp),
        ];
        let mut e = d.el.eval_vars(&vars)?;
        for (g, m) in d.el_g.iter().zip(mu) {
            e += m * g.eval_vars(&vars)?;
        }
        e += data_part[j];
        worst = worst.max(if e.is_finite() {
            e.abs()
        } else {
            f64::INFINITY
        });
    }
    Ok(worst)
}

impl DirectMethod for Extremal {
    fn solve_direct(&self, n: usize) -> Result<DirectSolution, DiscreteError> {
        let iv = self.interval();
        let dt = (iv.b() - iv.a()) / n.max(1) as f64;
        let t: Vec<f64> = (0..=n).map(|j| iv.a() + j as f64 * dt).collect();
        let start = self.starting_path(&t)?;
        self.solve_direct_from(n, &start)
    }

    fn solve_direct_from(&self, n: usize, start: &[f64]) -> Result<DirectSolution, DiscreteError> {
        self.check_well_posed()?;
        let d = discretise(self, n)?;
        if start.len() != n + 1 {
            return Err(DiscreteError::Length {
                what: "start",
                got: start.len(),
                expected: format!("one value per grid point, {}", n + 1),
            });
        }
        let mut x = start.to_vec();
        let lo = match d.fixed.0 {
            Some(v) => {
                x[0] = v;
                1
            }
            None => 0,
        };
        let hi = match d.fixed.1 {
            Some(v) => {
                x[n] = v;
                n
            }
            None => n + 1,
        };
        let free = lo..hi;
        let k = d.constraints.len();
        let mut mu = vec![0.0; k];
        // Initial multipliers: the least-squares fit of stationarity at the start.
        if k > 0 {
            let (base, _) = kkt_residual(&d, free.clone(), &x, &mu)?;
            let mut a = DMatrix::<f64>::zeros(k, k);
            let mut r = DVector::<f64>::zeros(k);
            let grads: Vec<Vec<f64>> = d
                .constraints
                .iter()
                .map(|(c, _)| c.value_gradient(&x).map(|(_, g)| g[free.clone()].to_vec()))
                .collect::<Result<_, _>>()?;
            for p in 0..k {
                for q in 0..k {
                    a[(p, q)] = grads[p].iter().zip(&grads[q]).map(|(u, v)| u * v).sum();
                }
                r[p] = -grads[p]
                    .iter()
                    .zip(&base)
                    .map(|(u, v)| u * v * d.grid.dt())
                    .sum::<f64>();
            }
            if let Some(m) = a.lu().solve(&r) {
                mu = m.iter().copied().collect();
            }
        }
        let fail = |reason: String, x: &[f64], mu: &[f64], it: usize| -> DiscreteError {
            let residual = el_residual(&d, x, mu).unwrap_or(f64::INFINITY);
            let j = d.j.value(x).map_or(f64::NAN, |v| v + d.data_constant);
            DiscreteError::NoExtremal {
                reason,
                residual,
                best: Box::new(DirectSolution {
                    grid: d.grid,
                    values: x.to_vec(),
                    multipliers: mu.to_vec(),
                    j,
                    residual,
                    newton_iterations: it,
                }),
            }
        };
        for it in 1..=80 {
            let (res, _) = match kkt_residual(&d, free.clone(), &x, &mu) {
                Ok(r) => r,
                Err(e) => {
                    return Err(fail(
                        format!(
                            "the discretised functional is not defined along the iterate ({e})"
                        ),
                        &x,
                        &mu,
                        it,
                    ));
                }
            };
            let rnorm = norm(&res);
            let Some((dx, dmu, pd)) = newton_step(&d, free.clone(), &x, &mu, &res)? else {
                return Err(fail(
                    "the discrete Newton system is singular: the boundary conditions cannot be met by this Lagrangian, or the extremal is not unique".into(),
                    &x,
                    &mu,
                    it,
                ));
            };
            let scale = norm(&x).max(norm(&mu)).max(1.0);
            let step = norm(&dx).max(norm(&dmu));
            let mut alpha = 1.0;
            let mut accepted = false;
            while alpha > 1e-6 {
                let mut xn = x.clone();
                for (i, v) in free.clone().zip(&dx) {
                    xn[i] += alpha * v;
                }
                let mun: Vec<f64> = mu.iter().zip(&dmu).map(|(a, b)| a + alpha * b).collect();
                let rn = kkt_residual(&d, free.clone(), &xn, &mun)
                    .map(|(r, _)| norm(&r))
                    .unwrap_or(f64::INFINITY);
                if rn < rnorm || (alpha == 1.0 && step <= 1e-8 * scale && rn.is_finite()) {
                    x = xn;
                    mu = mun;
                    accepted = true;
                    break;
                }
                alpha *= 0.5;
            }
            if !accepted {
                if step <= 1e-10 * scale {
                    break;
                }
                return Err(fail(
                    format!(
                        "Newton's method stalled on the discrete equations (residual {rnorm:.2e})"
                    ),
                    &x,
                    &mu,
                    it,
                ));
            }
            if alpha == 1.0 && step <= 1e-13 * scale {
                let residual = el_residual(&d, &x, &mu)?;
                if k == 0 && !pd {
                    return Err(fail(
                        "the discretised J has no minimum here: its Hessian is not positive definite (the stationary point is a saddle or a maximum, and J is not bounded below near it); the spectral method finds the extremal".into(),
                        &x,
                        &mu,
                        it,
                    ));
                }
                return Ok(DirectSolution {
                    grid: d.grid,
                    j: d.j.value(&x)? + d.data_constant,
                    values: x,
                    multipliers: mu,
                    residual,
                    newton_iterations: it,
                });
            }
        }
        Err(fail(
            "Newton's method did not converge on the discrete equations in 80 iterations".into(),
            &x,
            &mu,
            80,
        ))
    }

    fn direct_levels(
        &self,
        reference: &ExtremalSolution,
        n0: usize,
        levels: usize,
    ) -> Result<DirectLevels, DiscreteError> {
        if levels == 0 || levels > 12 {
            return Err(invalid(
                "levels",
                format!("need 1 to 12 levels, got {levels}"),
            ));
        }
        let mut out = DirectLevels {
            intervals: Vec::new(),
            deltas: Vec::new(),
            errors: Vec::new(),
            floor: 0.0,
            order: None,
            solutions: Vec::new(),
        };
        let iv = self.interval();
        let mut prev: Option<DirectSolution> = None;
        for level in 0..levels {
            let n = n0 << level;
            let dt = (iv.b() - iv.a()) / n as f64;
            let t: Vec<f64> = (0..=n).map(|j| iv.a() + j as f64 * dt).collect();
            let sol = match &prev {
                Some(p) => {
                    let start: Vec<f64> = t.iter().map(|&tj| p.value_at(tj)).collect();
                    self.solve_direct_from(n, &start)?
                }
                None => self.solve_direct(n)?,
            };
            let err = t
                .iter()
                .zip(&sol.values)
                .map(|(&tj, v)| (v - reference.value_at(tj)).abs())
                .fold(0.0, f64::max);
            let scale = norm(&sol.values).max(1.0);
            out.floor = out.floor.max((n * n) as f64 * f64::EPSILON * scale);
            out.intervals.push(n);
            out.deltas.push(dt);
            out.errors.push(err);
            prev = Some(sol.clone());
            out.solutions.push(sol);
        }
        out.order = fit_order(&out.deltas, &out.errors, out.floor);
        Ok(out)
    }
}
