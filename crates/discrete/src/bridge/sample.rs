//! Discretising continuous functions: three sampling rules on a uniform grid.

use crate::DiscreteError;
use flipshift_continuous::{ContinuousError, Interval, QuadParams, RealFn, integrate};

/// A uniform grid $t_k = t_{\text{start}} + k\\,\Delta$, $k = 0, \dots, \text{len} - 1$.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Grid {
    start: f64,
    dt: f64,
    len: usize,
}

impl Grid {
    /// A grid of `len ≥ 1` points from `start` with spacing `dt > 0`, all finite.
    pub fn new(start: f64, dt: f64, len: usize) -> Result<Self, DiscreteError> {
        if !start.is_finite() {
            return Err(ContinuousError::NonFinite {
                what: "grid start".into(),
                value: start,
            }
            .into());
        }
        if !(dt.is_finite() && dt > 0.0) {
            return Err(ContinuousError::InvalidParameter {
                what: "grid spacing".into(),
                reason: format!("need a finite Δ > 0, got {dt}"),
            }
            .into());
        }
        if len == 0 {
            return Err(ContinuousError::Empty {
                what: "grid".into(),
            }
            .into());
        }
        Ok(Self { start, dt, len })
    }

    /// The lattice grid $t_k = k\\,\Delta$ for $k = k_{\min}, \dots, k_{\max}$ (inclusive).
    pub fn lattice(k_min: i64, k_max: i64, dt: f64) -> Result<Self, DiscreteError> {
        let len = usize::try_from(k_max - k_min + 1).unwrap_or(0);
        Self::new(k_min as f64 * dt, dt, len)
    }

    /// $t_{\text{start}}$.
    pub fn start(&self) -> f64 {
        self.start
    }

    /// $\Delta$.
    pub fn dt(&self) -> f64 {
        self.dt
    }

    /// Number of points.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Always false: a grid has at least one point.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// $t_k$.
    pub fn point(&self, k: usize) -> f64 {
        self.start + k as f64 * self.dt
    }

    /// All the points.
    pub fn points(&self) -> Vec<f64> {
        (0..self.len).map(|k| self.point(k)).collect()
    }
}

/// How a continuous function becomes a vector on a grid.
///
/// With any rule, $\Delta \sum_k h_k x_{n-k}$ approximates $(h*x)(t_n)$: the vector holds
/// *values* (not values times $\Delta$), and the one factor $\Delta$ of the quadrature is applied
/// where the sum is formed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// Point samples $f_k = f(t_k)$. Summing $\Delta \sum_k f_k g_k$ is then the rectangle rule,
    /// which on the whole line is the trapezoidal rule; at a jump sitting on a grid point the
    /// grammar's ½ conventions (`step(0) = 1/2`, `rect(±1/2) = 1/2`) supply the trapezoid's
    /// mean value.
    Point,
    /// Cell averages $f_k = \frac{1}{\Delta}\int_{t_k - \Delta/2}^{t_k + \Delta/2} f(t)\\,dt$:
    /// the vector is identified with the piecewise-constant function equal to $f_k$ on each cell,
    /// and $\Delta \sum_i h_i x_{n-i}$ is then *exactly* the convolution of the two
    /// piecewise-constant functions at $t_n$.
    Cell,
    /// Trapezoid weights: point samples, except that at a breakpoint lying on a grid point the
    /// sample is the mean of the one-sided limits $\tfrac12\big(f(t_k^-) + f(t_k^+)\big)$ — the
    /// weight ½ the composite trapezoidal rule gives to the end of each smooth piece (at the end
    /// of the support this is $\tfrac12 f$). It makes a closure kernel with no ½ convention
    /// behave like a symbolic one.
    Trapezoid,
}

impl std::str::FromStr for Rule {
    type Err = DiscreteError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "point" => Ok(Rule::Point),
            "cell" => Ok(Rule::Cell),
            "trapezoid" => Ok(Rule::Trapezoid),
            other => Err(ContinuousError::InvalidParameter {
                what: "rule".into(),
                reason: format!("'{other}' is not one of point, cell, trapezoid"),
            }
            .into()),
        }
    }
}

impl std::fmt::Display for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Rule::Point => "point",
            Rule::Cell => "cell",
            Rule::Trapezoid => "trapezoid",
        })
    }
}

/// Sample `f` on `grid` by `rule`; every sample must be finite.
///
/// ```
/// # use flipshift_continuous::Expr;
/// # use flipshift_discrete::{Grid, Rule, sample};
/// let rect = Expr::parse("rect(t)")?.compile()?;
/// let grid = Grid::lattice(-2, 2, 0.25)?; // −0.5, −0.25, 0, 0.25, 0.5
/// assert_eq!(sample(&rect, &grid, Rule::Point)?, vec![0.5, 1.0, 1.0, 1.0, 0.5]);
/// // The cell [0.375, 0.625] holds the jump at 1/2 in its middle: its mean is 1/2.
/// assert_eq!(sample(&rect, &grid, Rule::Cell)?[4], 0.5);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn sample(f: &dyn RealFn, grid: &Grid, rule: Rule) -> Result<Vec<f64>, DiscreteError> {
    let values: Vec<f64> = match rule {
        Rule::Point => grid.points().into_iter().map(|t| f.eval(t)).collect(),
        Rule::Trapezoid => {
            let bps = f.breakpoints();
            let support = f.support();
            grid.points()
                .into_iter()
                .map(|t| {
                    let on_break = bps.contains(&t) || (t == support.a() || t == support.b());
                    if on_break {
                        0.5 * (f.eval(t.next_down()) + f.eval(t.next_up()))
                    } else {
                        f.eval(t)
                    }
                })
                .collect()
        }
        Rule::Cell => {
            let params = QuadParams {
                rel_tol: 1e-12,
                abs_tol: 1e-300,
                ..Default::default()
            };
            let bps = f.breakpoints();
            let support = f.support();
            let mut out = Vec::with_capacity(grid.len());
            for t in grid.points() {
                let (a, b) = (t - 0.5 * grid.dt(), t + 0.5 * grid.dt());
                let Some(cell) = Interval::new(a, b)?.intersect(&support) else {
                    out.push(0.0);
                    continue;
                };
                let inner: Vec<f64> = bps
                    .iter()
                    .copied()
                    .filter(|&p| p > cell.a() && p < cell.b())
                    .collect();
                let (v, _) = integrate(&|t| f.eval(t), cell, &inner, params)?;
                out.push(v / grid.dt());
            }
            out
        }
    };
    if let Some((k, v)) = values.iter().enumerate().find(|(_, v)| !v.is_finite()) {
        return Err(ContinuousError::NotDefined {
            what: "sampled function".into(),
            t: grid.point(k),
            value: *v,
        }
        .into());
    }
    Ok(values)
}
