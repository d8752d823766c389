//! The functional $J\[x\] = \int G(t, (h * x)(t))\\,dt + \int L(t, x, x')\\,dt$ on a grid, with its
//! exact gradient: the discrete counterpart of `flipshift_continuous::Functional`.

use crate::bridge::Grid;
use crate::convolution::{Method, Mode, convolve, correlate};
use crate::error::{DiscreteError, check_computed};
use crate::optimize::Objective;
use flipshift_continuous::{ContinuousError, Expr};
use nalgebra::DMatrix;

/// $G$ with $G_u$ and $G_{uu}$.
#[derive(Debug, Clone)]
struct Data {
    h: Vec<f64>,
    h_start: f64,
    g: Expr,
    g_u: Expr,
    g_uu: Expr,
    /// Sampled data $y_k$ on the z grid, bound to the variable `y` of $G$.
    y: Option<Vec<f64>>,
    /// Quadrature weights of the z grid's points relative to $\Delta$ (1 inside the domain, ½
    /// on its ends, 0 outside); `None` for the whole line.
    weights: Option<Vec<f64>>,
}

/// $L$ with its first and second partial derivatives in $x$ and $x'$.
#[derive(Debug, Clone)]
struct Reg {
    l: Expr,
    l_x: Expr,
    l_xp: Expr,
    l_xx: Expr,
    l_xxp: Expr,
    l_xpxp: Expr,
}

/// A functional of samples $x_j = x(t_j)$, $t_j = t_0 + j\Delta$, $j < n$:
/// $$J_\Delta(x) = \Delta\sum_k G(s_k, z_k) + \Delta\sum_{j=0}^{n-2} L\big(t_{j+1/2}, \tfrac12(x_j + x_{j+1}), (x_{j+1} - x_j)/\Delta\big),$$
/// with $z = \Delta\\,(h * x)$ (full mode) on $s_k = t_0 + t_h + k\Delta$, $h_i = h(t_h + i\Delta)$:
/// the rectangle rule for the data term and the midpoint rule with central differences for the
/// regulariser. Its gradient is exact for this discretisation,
/// $$\nabla J_\Delta = \Delta^2 H^\top G_u(s, z) + \Delta\\,\nabla_x\\!\sum_j L(\dots),$$
/// and $\frac1\Delta\nabla J_\Delta \to \frac{\delta J}{\delta x}$ as $\Delta \to 0$.
///
/// `G` is an expression in `t` and `u`, `L` one in `t`, `x` and `xp` (as in
/// `flipshift_continuous::losses`).
#[derive(Debug, Clone)]
pub struct DiscreteFunctional {
    grid: Grid,
    data: Option<Data>,
    reg: Option<Reg>,
}

fn eval(e: &Expr, vars: &[(&str, f64)], what: &str) -> Result<f64, DiscreteError> {
    let v = e.eval_vars(vars)?;
    if v.is_finite() {
        Ok(v)
    } else {
        Err(ContinuousError::NotDefined {
            what: format!("{what} {e}"),
            t: vars[0].1,
            value: v,
        }
        .into())
    }
}

impl DiscreteFunctional {
    /// The zero functional of samples on `grid`.
    pub fn new(grid: Grid) -> Self {
        Self {
            grid,
            data: None,
            reg: None,
        }
    }

    /// Add the data term with kernel samples `h` ($h_i = h(t_h + i\Delta)$, `h_start` $= t_h$)
    /// and $G(t, u)$.
    pub fn with_data_term(self, h: &[f64], h_start: f64, g: Expr) -> Result<Self, DiscreteError> {
        self.data_term(h, h_start, g, None)
    }

    /// Add a data term against sampled data: $G(t, u, y)$ with $y = y_k$ at the $k$-th point of
    /// the z grid (`y` has one entry per point, $n + m - 1$).
    pub fn with_data_samples(
        self,
        h: &[f64],
        h_start: f64,
        g: Expr,
        y: &[f64],
    ) -> Result<Self, DiscreteError> {
        let expected = self.grid.len() + h.len().max(1) - 1;
        if y.len() != expected {
            return Err(DiscreteError::Length {
                what: "y",
                got: y.len(),
                expected: format!(
                    "one sample per point of the full-mode grid, n + m − 1 = {expected}"
                ),
            });
        }
        crate::error::check("y", y)?;
        self.data_term(h, h_start, g, Some(y.to_vec()))
    }

    fn data_term(
        mut self,
        h: &[f64],
        h_start: f64,
        g: Expr,
        y: Option<Vec<f64>>,
    ) -> Result<Self, DiscreteError> {
        crate::error::check("h", h)?;
        if !h_start.is_finite() {
            return Err(DiscreteError::InvalidParameter {
                what: "h_start",
                reason: format!("must be finite, got {h_start}"),
            });
        }
        if y.is_some() {
            g.require_vars(&["t", "u", "y"], "the data term G")?;
        } else {
            g.require_vars(&["t", "u"], "the data term G")?;
        }
        let g = g.simplify();
        let g_u = g.diff("u").simplify();
        let g_uu = g_u.diff("u").simplify();
        self.data = Some(Data {
            h: h.to_vec(),
            h_start,
            g,
            g_u,
            g_uu,
            y,
            weights: None,
        });
        Ok(self)
    }

    /// Integrate the data term over $[a, b]$ only: the trapezoidal weights of the z grid's points
    /// there (½ on an end that is a grid point), none outside.
    pub fn with_data_window(mut self, a: f64, b: f64) -> Result<Self, DiscreteError> {
        let zg = self.z_grid().ok_or(DiscreteError::InvalidParameter {
            what: "data window",
            reason: "there is no data term to restrict".into(),
        })?;
        if !(a < b) {
            return Err(DiscreteError::InvalidParameter {
                what: "data window",
                reason: format!("need a < b, got [{a}, {b}]"),
            });
        }
        let tol = 1e-9 * zg.dt();
        let weights = zg
            .points()
            .into_iter()
            .map(|t| {
                if (t - a).abs() <= tol || (t - b).abs() <= tol {
                    0.5
                } else if t > a && t < b {
                    1.0
                } else {
                    0.0
                }
            })
            .collect();
        if let Some(d) = self.data.as_mut() {
            d.weights = Some(weights);
        }
        Ok(self)
    }

    /// Add the regulariser $L(t, x, x')$ (needs at least two samples).
    pub fn with_regulariser(mut self, l: Expr) -> Result<Self, DiscreteError> {
        l.require_vars(&["t", "x", "xp"], "the regulariser L")?;
        if self.grid.len() < 2 {
            return Err(DiscreteError::Length {
                what: "grid",
                got: self.grid.len(),
                expected: "at least 2 points for a regulariser with x′".into(),
            });
        }
        let l = match self.reg.take() {
            Some(prev) => (prev.l + l).simplify(),
            None => l.simplify(),
        };
        let (l_x, l_xp) = (l.diff("x").simplify(), l.diff("xp").simplify());
        self.reg = Some(Reg {
            l_xx: l_x.diff("x").simplify(),
            l_xxp: l_x.diff("xp").simplify(),
            l_xpxp: l_xp.diff("xp").simplify(),
            l_x,
            l_xp,
            l,
        });
        Ok(self)
    }

    /// The grid of $x$.
    pub fn grid(&self) -> &Grid {
        &self.grid
    }

    /// The grid of $z = \Delta\\,(h * x)$ (full mode), if there is a data term.
    pub fn z_grid(&self) -> Option<Grid> {
        self.data.as_ref().and_then(|d| {
            Grid::new(
                self.grid.start() + d.h_start,
                self.grid.dt(),
                self.grid.len() + d.h.len() - 1,
            )
            .ok()
        })
    }

    /// $z = \Delta\\,(h * x)$ on [`DiscreteFunctional::z_grid`].
    pub fn blurred(&self, x: &[f64]) -> Result<Vec<f64>, DiscreteError> {
        self.check_x(x)?;
        let Some(d) = &self.data else {
            return Ok(Vec::new());
        };
        let dt = self.grid.dt();
        Ok(convolve(&d.h, x, Mode::Full, Method::Auto)?
            .into_iter()
            .map(|v| dt * v)
            .collect())
    }

    fn check_x(&self, x: &[f64]) -> Result<(), DiscreteError> {
        if x.len() != self.grid.len() {
            return Err(DiscreteError::Length {
                what: "x",
                got: x.len(),
                expected: format!("one sample per grid point, {}", self.grid.len()),
            });
        }
        crate::error::check("x", x)
    }

    /// $J_\Delta(x)$.
    pub fn value(&self, x: &[f64]) -> Result<f64, DiscreteError> {
        Ok(self.value_gradient(x)?.0)
    }

    /// $J_\Delta(x)$ and its gradient $\nabla J_\Delta(x)$.
    pub fn value_gradient(&self, x: &[f64]) -> Result<(f64, Vec<f64>), DiscreteError> {
        self.check_x(x)?;
        let dt = self.grid.dt();
        let n = x.len();
        let mut value = 0.0;
        let mut grad = vec![0.0; n];
        if let (Some(d), Some(zg)) = (&self.data, self.z_grid()) {
            let z = self.blurred(x)?;
            let mut gu = Vec::with_capacity(z.len());
            for (k, &zk) in z.iter().enumerate() {
                let w = d.weights.as_ref().map_or(1.0, |w| w[k]);
                if w == 0.0 {
                    gu.push(0.0);
                    continue;
                }
                let yk = d.y.as_ref().map_or(0.0, |y| y[k]);
                let vars = [("t", zg.point(k)), ("u", zk), ("y", yk)];
                value += w * dt * eval(&d.g, &vars, "the data term")?;
                gu.push(w * eval(&d.g_u, &vars, "the data term's G_u")?);
            }
            // Hᵀw is the valid-mode correlation of w with h.
            check_computed("the data term's G_u(h*x)", &gu)?;
            let adj = correlate(&d.h, &gu, Mode::Valid, Method::Auto)?;
            for (gj, aj) in grad.iter_mut().zip(adj) {
                *gj += dt * dt * aj;
            }
        }
        if let Some(r) = &self.reg {
            for j in 0..n.saturating_sub(1) {
                let t = self.grid.point(j) + 0.5 * dt;
                let xm = 0.5 * (x[j] + x[j + 1]);
                let xp = (x[j + 1] - x[j]) / dt;
                let vars = [("t", t), ("x", xm), ("xp", xp)];
                value += dt * eval(&r.l, &vars, "the regulariser")?;
                let lx = eval(&r.l_x, &vars, "the regulariser's L_x")?;
                let lxp = eval(&r.l_xp, &vars, "the regulariser's L_x′")?;
                grad[j] += dt * (0.5 * lx) - lxp;
                grad[j + 1] += dt * (0.5 * lx) + lxp;
            }
        }
        Ok((value, grad))
    }
}

impl DiscreteFunctional {
    /// The regulariser's Hessian, tridiagonal: its diagonal (length $n$) and off-diagonal
    /// (length $n - 1$). Segment $j$ adds
    /// $\Delta\big[L_{xx}\,aa^\top + L_{xx'}(ab^\top + ba^\top) + L_{x'x'}\,bb^\top\big]$ with
    /// $a = (\tfrac12, \tfrac12)$, $b = (-\tfrac1\Delta, \tfrac1\Delta)$ to rows and columns $j, j+1$.
    pub fn regulariser_hessian(&self, x: &[f64]) -> Result<(Vec<f64>, Vec<f64>), DiscreteError> {
        self.check_x(x)?;
        let n = x.len();
        let mut diag = vec![0.0; n];
        let mut off = vec![0.0; n.saturating_sub(1)];
        let Some(r) = &self.reg else {
            return Ok((diag, off));
        };
        let dt = self.grid.dt();
        for j in 0..n.saturating_sub(1) {
            let t = self.grid.point(j) + 0.5 * dt;
            let vars = [
                ("t", t),
                ("x", 0.5 * (x[j] + x[j + 1])),
                ("xp", (x[j + 1] - x[j]) / dt),
            ];
            let lxx = eval(&r.l_xx, &vars, "the regulariser's L_xx")?;
            let lxxp = eval(&r.l_xxp, &vars, "the regulariser's L_xx′")?;
            let lpp = eval(&r.l_xpxp, &vars, "the regulariser's L_x′x′")?;
            diag[j] += 0.25 * dt * lxx - lxxp + lpp / dt;
            diag[j + 1] += 0.25 * dt * lxx + lxxp + lpp / dt;
            off[j] += 0.25 * dt * lxx - lpp / dt;
        }
        Ok((diag, off))
    }

    /// $G_{uu}(s_k, z_k)$ on the z grid (empty without a data term).
    fn data_curvature(&self, x: &[f64]) -> Result<Vec<f64>, DiscreteError> {
        let (Some(d), Some(zg)) = (&self.data, self.z_grid()) else {
            return Ok(Vec::new());
        };
        let z = self.blurred(x)?;
        z.iter()
            .enumerate()
            .map(|(k, &zk)| {
                let w = d.weights.as_ref().map_or(1.0, |w| w[k]);
                if w == 0.0 {
                    return Ok(0.0);
                }
                let yk = d.y.as_ref().map_or(0.0, |y| y[k]);
                Ok(w * eval(
                    &d.g_uu,
                    &[("t", zg.point(k)), ("u", zk), ("y", yk)],
                    "the data term's G_uu",
                )?)
            })
            .collect()
    }

    /// The Hessian-vector product $\nabla^2 J_\Delta(x)\,v$: $\Delta^3 H^\top\big(G_{uu} \odot Hv\big)$
    /// plus the regulariser's tridiagonal part. $\tfrac1\Delta\nabla^2 J_\Delta v$ approximates the
    /// second variation $(\nabla^2 J\, v)(s)$.
    pub fn hessian_vector(&self, x: &[f64], v: &[f64]) -> Result<Vec<f64>, DiscreteError> {
        self.check_x(x)?;
        if v.len() != x.len() {
            return Err(DiscreteError::Length {
                what: "v",
                got: v.len(),
                expected: format!("one entry per grid point, {}", x.len()),
            });
        }
        crate::error::check("v", v)?;
        let (diag, off) = self.regulariser_hessian(x)?;
        let mut out: Vec<f64> = diag.iter().zip(v).map(|(d, vi)| d * vi).collect();
        for j in 0..off.len() {
            out[j] += off[j] * v[j + 1];
            out[j + 1] += off[j] * v[j];
        }
        if let Some(d) = &self.data {
            let dt = self.grid.dt();
            let w: Vec<f64> = convolve(&d.h, v, Mode::Full, Method::Auto)?
                .into_iter()
                .zip(self.data_curvature(x)?)
                .map(|(hv, c)| c * hv)
                .collect();
            check_computed("the data term's curvature times h*v", &w)?;
            let adj = correlate(&d.h, &w, Mode::Valid, Method::Auto)?;
            for (o, a) in out.iter_mut().zip(adj) {
                *o += dt * dt * dt * a;
            }
        }
        Ok(out)
    }

    /// The Hessian $\nabla^2 J_\Delta(x)$ as a dense matrix.
    pub fn hessian(&self, x: &[f64]) -> Result<DMatrix<f64>, DiscreteError> {
        let (diag, off) = self.regulariser_hessian(x)?;
        let n = x.len();
        let mut hm = DMatrix::from_diagonal(&nalgebra::DVector::from_vec(diag));
        for (j, o) in off.iter().enumerate() {
            hm[(j, j + 1)] += o;
            hm[(j + 1, j)] += o;
        }
        if let Some(d) = &self.data {
            let dt = self.grid.dt();
            let big_h = crate::toeplitz::conv_matrix(&d.h, n, Mode::Full)?;
            let mut scaled = big_h.clone();
            for (k, c) in self.data_curvature(x)?.into_iter().enumerate() {
                scaled.row_mut(k).scale_mut(c * dt * dt * dt);
            }
            hm += big_h.tr_mul(&scaled);
        }
        Ok(hm)
    }

    /// Whether there is a data term.
    pub fn has_data_term(&self) -> bool {
        self.data.is_some()
    }
}

impl Objective for DiscreteFunctional {
    fn value_gradient(&self, x: &[f64]) -> Result<(f64, Vec<f64>), DiscreteError> {
        DiscreteFunctional::value_gradient(self, x)
    }
    fn hessian_vector(&self, x: &[f64], v: &[f64]) -> Option<Result<Vec<f64>, DiscreteError>> {
        Some(DiscreteFunctional::hessian_vector(self, x, v))
    }
}
