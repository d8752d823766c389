//! `Functional::discretize`: the same functional on a grid in one call, and the measured
//! agreement of $J_\Delta$, $\tfrac1\Delta\nabla J_\Delta$ and $\tfrac1\Delta\nabla^2 J_\Delta v$
//! with $J$, $\delta J/\delta x$ and the second variation as the grid is refined.
//!
//! The continuous crate knows nothing of grids (dependencies flow one way, continuous ←
//! discrete), so the method lives here, on an extension trait of
//! [`flipshift_continuous::Functional`]: `use flipshift_discrete::Discretize;` and
//! `j.discretize(&grid, rule)`.

use crate::bridge::agree::effective_window;
use crate::bridge::{Grid, Rule, fit_order, sample};
use crate::error::DiscreteError;
use crate::functional::DiscreteFunctional;
use flipshift_continuous::{AsSignal, Expr, Functional, RealFn, Signal, Y};

/// The errors of one quantity over the refinements, and their observed order.
#[derive(Debug, Clone, PartialEq)]
pub struct Convergence {
    /// Relative errors, one per spacing (largest spacing first).
    pub errors: Vec<f64>,
    /// The rounding level of these errors (the continuous reference's own error estimate, or
    /// 512 ulps): no order is fitted below it.
    pub floor: f64,
    /// The least-squares slope of $\log$ error against $\log\Delta$ above the floor.
    pub order: Option<f64>,
}

/// What [`Discretize::agreement`] measured.
#[derive(Debug, Clone, PartialEq)]
pub struct FunctionalAgreement {
    /// The spacings, largest first.
    pub deltas: Vec<f64>,
    /// The points where gradients are compared (interior points of the coarsest grid).
    pub points: Vec<f64>,
    /// $|J_\Delta(x_\Delta) - J\[x\]| / |J\[x\]|$.
    pub value: Convergence,
    /// $\max|\tfrac1\Delta\nabla J_\Delta - \delta J/\delta x| / \max|\delta J/\delta x|$ at the
    /// points.
    pub gradient: Convergence,
    /// The same for $\tfrac1\Delta\nabla^2 J_\Delta\\, v_\Delta$ against $(\nabla^2 J\\, v)$, when a
    /// direction was given.
    pub hessian: Option<Convergence>,
}

/// The discretisation of a [`Functional`], as a method of it.
pub trait Discretize {
    /// The functional on `grid` (the signal's samples $x_j = x(t_j)$): the kernel and the data
    /// sampled by `rule` with the grid's spacing, the data term by the rectangle rule on the grid
    /// of $z = \Delta\\,(h * x)$ (widened to where the data lives, so that $J_\Delta \to J$; on a
    /// bounded domain with the trapezoidal weights of its points), the regulariser by the
    /// midpoint rule with central differences over the grid's span (which should be the domain,
    /// or cover the signal's support). See [`DiscreteFunctional`].
    fn discretize(&self, grid: &Grid, rule: Rule) -> Result<DiscreteFunctional, DiscreteError>;

    /// Discretise on `coarse` and `levels − 1` refinements (each halving $\Delta$, same span),
    /// sample `x` (and the direction `v`) by `rule`, and compare $J_\Delta$, the scaled gradient
    /// and Hessian-vector product with the continuous ones, with observed orders.
    fn agreement(
        &self,
        x: &(impl AsSignal + ?Sized),
        v: Option<&dyn Signal>,
        coarse: &Grid,
        levels: usize,
        rule: Rule,
    ) -> Result<FunctionalAgreement, DiscreteError>;
}

impl Discretize for Functional {
    fn discretize(&self, grid: &Grid, rule: Rule) -> Result<DiscreteFunctional, DiscreteError> {
        let mut d = DiscreteFunctional::new(*grid);
        if let (Some(h), Some(loss)) = (self.kernel(), self.loss()) {
            let dt = grid.dt();
            let (x0, x1) = (grid.start(), grid.point(grid.len() - 1));
            let (mut lo, mut hi) = effective_window(&**h, "h")?;
            // Widen the kernel's lattice (with zeros) so that the z grid covers the data too.
            let y = self.data();
            let loss = match y.and_then(|y| y.expr()) {
                Some(ye) => loss.substitute(Y, ye).simplify(),
                None if y.is_none() => loss.substitute(Y, &Expr::num(0.0)).simplify(),
                None => loss.clone(),
            };
            if let Some(y) = y
                && loss.depends_on(Y)
            {
                let (yl, yr) = effective_window(&**y, "y")?;
                lo = lo.min(yl - x1);
                hi = hi.max(yr - x0);
            }
            let dom = self.domain();
            if dom.a().is_finite() {
                lo = lo.max(dom.a() - x1 - dt);
            }
            if dom.b().is_finite() {
                hi = hi.min(dom.b() - x0 + dt);
            }
            let k0 = (lo / dt - 1e-9).floor() as i64;
            let k1 = (hi / dt + 1e-9).ceil() as i64;
            let lattice = Grid::lattice(k0, k1.max(k0), dt)?;
            let hs = sample(&**h, &lattice, rule)?;
            let h_start = lattice.start();
            d = if loss.depends_on(Y) {
                let zg = Grid::new(x0 + h_start, dt, grid.len() + hs.len() - 1)?;
                let ys = match y {
                    Some(y) => sample(&**y, &zg, rule)?,
                    None => vec![0.0; zg.len()],
                };
                d.with_data_samples(&hs, h_start, loss, &ys)?
            } else {
                d.with_data_term(&hs, h_start, loss)?
            };
            if dom.a().is_finite() || dom.b().is_finite() {
                d = d.with_data_window(dom.a(), dom.b())?;
            }
        }
        if let Some(l) = self.regulariser() {
            d = d.with_regulariser(l.clone())?;
        }
        Ok(d)
    }

    fn agreement(
        &self,
        x: &(impl AsSignal + ?Sized),
        v: Option<&dyn Signal>,
        coarse: &Grid,
        levels: usize,
        rule: Rule,
    ) -> Result<FunctionalAgreement, DiscreteError> {
        if !(2..=12).contains(&levels) {
            return Err(DiscreteError::InvalidParameter {
                what: "levels",
                reason: format!("need 2 to 12 refinements, got {levels}"),
            });
        }
        if coarse.len() < 3 {
            return Err(DiscreteError::Length {
                what: "grid",
                got: coarse.len(),
                expected: "at least 3 points (one interior point to compare gradients at)".into(),
            });
        }
        let xs = x.as_signal()?;
        let x: &dyn Signal = &*xs;
        // Up to 15 interior points of the coarsest grid inside the domain: on every finer grid.
        let dom = self.domain();
        let interior: Vec<usize> = (1..coarse.len() - 1)
            .filter(|&k| dom.contains(coarse.point(k)))
            .collect();
        let stride = interior.len().div_ceil(15).max(1);
        let idx: Vec<usize> = interior.into_iter().step_by(stride).collect();
        let points: Vec<f64> = idx.iter().map(|&k| coarse.point(k)).collect();
        if points.is_empty() {
            return Err(DiscreteError::InvalidParameter {
                what: "grid",
                reason: "no interior grid point lies in the functional's domain".into(),
            });
        }
        // The references: relative accuracy where they matter, and an absolute floor where the
        // gradient is a far tail (errors are compared relative to the largest value, so a tail
        // need not be known to 11 digits of itself).
        let (j_ref, j_est) = self.value(x)?;
        let mut reference = self.clone();
        let abs_floor = 1e-14 * j_ref.abs().max(1.0);
        reference.outer.abs_tol = reference.outer.abs_tol.max(abs_floor);
        let g_ref = reference.gradient(x, &points)?;
        let h_ref = match v {
            Some(v) => Some(reference.hessian_vector(x, v, &points)?),
            None => None,
        };
        let rel = |errs: &[f64], scale: f64| -> f64 {
            let e = errs.iter().copied().fold(0.0, f64::max);
            if scale > 0.0 { e / scale } else { e }
        };
        let max_abs = |v: &[f64]| v.iter().map(|a| a.abs()).fold(0.0, f64::max);
        let ulps = 512.0 * f64::EPSILON;
        let floors = (
            ulps.max(2.0 * j_est / j_ref.abs().max(f64::MIN_POSITIVE)),
            ulps.max(2.0 * rel(&g_ref.error_estimates, max_abs(&g_ref.values)))
                .max(abs_floor / max_abs(&g_ref.values).max(f64::MIN_POSITIVE)),
            h_ref.as_ref().map(|h| {
                ulps.max(2.0 * rel(&h.error_estimates, max_abs(&h.values)))
                    .max(abs_floor / max_abs(&h.values).max(f64::MIN_POSITIVE))
            }),
        );
        let mut out = FunctionalAgreement {
            deltas: Vec::new(),
            points: points.clone(),
            value: Convergence {
                errors: Vec::new(),
                floor: floors.0,
                order: None,
            },
            gradient: Convergence {
                errors: Vec::new(),
                floor: floors.1,
                order: None,
            },
            hessian: floors.2.map(|floor| Convergence {
                errors: Vec::new(),
                floor,
                order: None,
            }),
        };
        for level in 0..levels {
            let f = 1usize << level;
            let grid = Grid::new(
                coarse.start(),
                coarse.dt() / f as f64,
                (coarse.len() - 1) * f + 1,
            )?;
            let dt = grid.dt();
            let jd = self.discretize(&grid, rule)?;
            let xd = sample(x as &dyn RealFn, &grid, rule)?;
            let (jv, g) = jd.value_gradient(&xd)?;
            out.value
                .errors
                .push((jv - j_ref).abs() / j_ref.abs().max(f64::MIN_POSITIVE));
            let at = |k: usize| k * f;
            let gd: Vec<f64> = idx.iter().map(|&k| g[at(k)] / dt).collect();
            let diff: Vec<f64> = gd.iter().zip(&g_ref.values).map(|(a, b)| a - b).collect();
            out.gradient
                .errors
                .push(max_abs(&diff) / max_abs(&g_ref.values).max(f64::MIN_POSITIVE));
            if let (Some(v), Some(hr), Some(conv)) = (v, &h_ref, out.hessian.as_mut()) {
                let vd = sample(v as &dyn RealFn, &grid, rule)?;
                let hv = jd.hessian_vector(&xd, &vd)?;
                let diff: Vec<f64> = idx
                    .iter()
                    .zip(&hr.values)
                    .map(|(&k, b)| hv[at(k)] / dt - b)
                    .collect();
                conv.errors
                    .push(max_abs(&diff) / max_abs(&hr.values).max(f64::MIN_POSITIVE));
            }
            out.deltas.push(dt);
        }
        for c in [&mut out.value, &mut out.gradient]
            .into_iter()
            .chain(out.hessian.as_mut())
        {
            c.order = fit_order(&out.deltas, &c.errors, c.floor);
        }
        Ok(out)
    }
}
