//! Minimisation of smooth objectives: gradient descent and L-BFGS, both with a backtracking
//! (Armijo) line search, reporting every iteration to a callback that may stop the run.

use crate::error::DiscreteError;
use std::collections::VecDeque;
use std::ops::ControlFlow;

/// A smooth objective $f: \mathbb{R}^n \to \mathbb{R}$ with its gradient.
pub trait Objective {
    /// $f(x)$ and $\nabla f(x)$.
    fn value_gradient(&self, x: &[f64]) -> Result<(f64, Vec<f64>), DiscreteError>;
}

impl<F> Objective for F
where
    F: Fn(&[f64]) -> Result<(f64, Vec<f64>), DiscreteError>,
{
    fn value_gradient(&self, x: &[f64]) -> Result<(f64, Vec<f64>), DiscreteError> {
        self(x)
    }
}

/// The descent method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Optimizer {
    /// Steepest descent $x \leftarrow x - \alpha\nabla f$, the step $\alpha$ found by
    /// backtracking and grown again after each success.
    GradientDescent,
    /// Limited-memory BFGS with the last `memory` pairs $(s_k, y_k)$ (two-loop recursion),
    /// trying the unit step first.
    Lbfgs {
        /// How many pairs to keep (5–20 is usual).
        memory: usize,
    },
}

impl std::str::FromStr for Optimizer {
    type Err = DiscreteError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "gd" | "gradient-descent" => Ok(Optimizer::GradientDescent),
            "lbfgs" | "l-bfgs" => Ok(Optimizer::Lbfgs { memory: 10 }),
            other => Err(DiscreteError::InvalidParameter {
                what: "optimizer",
                reason: format!("unknown optimizer '{other}'; use lbfgs or gd"),
            }),
        }
    }
}

/// Settings of [`minimize`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MinimizeParams {
    /// The method.
    pub optimizer: Optimizer,
    /// At most this many iterations.
    pub max_iterations: usize,
    /// Stop when $\lVert\nabla f\rVert \le$ `grad_tol` $\cdot \lVert\nabla f(x_0)\rVert$.
    pub grad_tol: f64,
    /// Stop when an iteration lowers $f$ by less than `cost_tol` $\cdot \max(|f|, \text{tiny})$.
    pub cost_tol: f64,
}

impl Default for MinimizeParams {
    fn default() -> Self {
        Self {
            optimizer: Optimizer::Lbfgs { memory: 10 },
            max_iterations: 500,
            grad_tol: 1e-8,
            cost_tol: 1e-15,
        }
    }
}

/// What one iteration reached, as passed to the callback of [`minimize`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct IterInfo {
    /// The iteration (0 is the starting point).
    pub iteration: usize,
    /// $f$ at the current point.
    pub cost: f64,
    /// $\lVert\nabla f\rVert_2$ there.
    pub grad_norm: f64,
    /// The step length taken to get there (0 at the start).
    pub step: f64,
    /// Objective evaluations so far.
    pub evaluations: usize,
}

/// Why [`minimize`] stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Termination {
    /// The gradient fell below its tolerance.
    GradientTolerance,
    /// An iteration no longer lowered the cost measurably.
    CostStalled,
    /// The iteration limit.
    MaxIterations,
    /// No step along the search direction lowered the cost (at rounding level).
    LineSearchFailed,
    /// The callback asked to stop.
    Stopped,
}

impl Termination {
    /// A short description.
    pub fn describe(&self) -> &'static str {
        match self {
            Termination::GradientTolerance => "gradient below tolerance",
            Termination::CostStalled => "cost no longer decreasing",
            Termination::MaxIterations => "iteration limit reached",
            Termination::LineSearchFailed => "line search found no decrease (rounding level)",
            Termination::Stopped => "stopped by the caller",
        }
    }
}

/// The outcome of [`minimize`].
#[derive(Debug, Clone, PartialEq)]
pub struct MinimizeReport {
    /// The best point found.
    pub x: Vec<f64>,
    /// $f$ there.
    pub cost: f64,
    /// $\lVert\nabla f\rVert_2$ there.
    pub grad_norm: f64,
    /// The cost at the start and after each iteration.
    pub costs: Vec<f64>,
    /// Iterations run.
    pub iterations: usize,
    /// Objective evaluations.
    pub evaluations: usize,
    /// Why it stopped.
    pub termination: Termination,
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(p, q)| p * q).sum()
}

fn norm(a: &[f64]) -> f64 {
    dot(a, a).sqrt()
}

fn finite(what: &'static str, v: &[f64]) -> Result<(), DiscreteError> {
    match v.iter().position(|x| !x.is_finite()) {
        Some(index) => Err(DiscreteError::NonFinite {
            what,
            index,
            value: v[index],
        }),
        None => Ok(()),
    }
}

/// The L-BFGS two-loop recursion: $-H_k \nabla f$ from the stored pairs.
fn lbfgs_direction(g: &[f64], pairs: &VecDeque<(Vec<f64>, Vec<f64>, f64)>) -> Vec<f64> {
    let mut q = g.to_vec();
    let mut alphas = Vec::with_capacity(pairs.len());
    for (s, y, rho) in pairs.iter().rev() {
        let a = rho * dot(s, &q);
        for (qi, yi) in q.iter_mut().zip(y) {
            *qi -= a * yi;
        }
        alphas.push(a);
    }
    if let Some((s, y, _)) = pairs.back() {
        let gamma = dot(s, y) / dot(y, y);
        for qi in &mut q {
            *qi *= gamma;
        }
    }
    for ((s, y, rho), a) in pairs.iter().zip(alphas.iter().rev()) {
        let b = rho * dot(y, &q);
        for (qi, si) in q.iter_mut().zip(s) {
            *qi += (a - b) * si;
        }
    }
    q.iter_mut().for_each(|v| *v = -*v);
    q
}

/// Minimise `f` from `x0`, calling `callback` with the starting point and after every iteration
/// (return [`ControlFlow::Break`] to stop early; the best point so far is returned).
///
/// The line search backtracks by halves from the trial step until the Armijo condition
/// $f(x + \alpha d) \le f(x) + 10^{-4}\alpha\\, \nabla f^\top d$ holds. L-BFGS keeps a pair only
/// when its curvature $s^\top y$ is positive, and falls back to $-\nabla f$ whenever its direction
/// is not one of descent.
///
/// ```
/// # use flipshift_discrete::{MinimizeParams, Termination, minimize};
/// // f(x) = (x₀ − 1)² + 10(x₁ + 2)².
/// let f = |x: &[f64]| Ok(((x[0] - 1.0).powi(2) + 10.0 * (x[1] + 2.0).powi(2),
///                         vec![2.0 * (x[0] - 1.0), 20.0 * (x[1] + 2.0)]));
/// let r = minimize(&f, &[0.0, 0.0], &MinimizeParams::default(), &mut |_| std::ops::ControlFlow::Continue(()))?;
/// assert!((r.x[0] - 1.0).abs() < 1e-7 && (r.x[1] + 2.0).abs() < 1e-7);
/// assert_eq!(r.termination, Termination::GradientTolerance);
/// # Ok::<(), flipshift_discrete::DiscreteError>(())
/// ```
pub fn minimize(
    f: &dyn Objective,
    x0: &[f64],
    params: &MinimizeParams,
    callback: &mut dyn FnMut(&IterInfo) -> ControlFlow<()>,
) -> Result<MinimizeReport, DiscreteError> {
    if x0.is_empty() {
        return Err(DiscreteError::Empty {
            what: "starting point",
        });
    }
    finite("starting point", x0)?;
    if !(params.grad_tol >= 0.0 && params.cost_tol >= 0.0) {
        return Err(DiscreteError::InvalidParameter {
            what: "tolerance",
            reason: format!(
                "grad_tol and cost_tol must be ≥ 0, got {} and {}",
                params.grad_tol, params.cost_tol
            ),
        });
    }
    let memory = match params.optimizer {
        Optimizer::Lbfgs { memory: 0 } => {
            return Err(DiscreteError::InvalidParameter {
                what: "L-BFGS memory",
                reason: "keep at least one pair".into(),
            });
        }
        Optimizer::Lbfgs { memory } => memory,
        Optimizer::GradientDescent => 0,
    };
    let eval = |x: &[f64]| -> Result<(f64, Vec<f64>), DiscreteError> {
        let (v, g) = f.value_gradient(x)?;
        if g.len() != x.len() {
            return Err(DiscreteError::Length {
                what: "gradient",
                got: g.len(),
                expected: format!("the length of x, {}", x.len()),
            });
        }
        if !v.is_finite() {
            return Err(DiscreteError::NonFinite {
                what: "objective value",
                index: 0,
                value: v,
            });
        }
        finite("gradient", &g)?;
        Ok((v, g))
    };
    let mut x = x0.to_vec();
    let (mut fx, mut g) = eval(&x)?;
    let mut evaluations = 1;
    let g0 = norm(&g);
    let mut costs = vec![fx];
    let mut pairs: VecDeque<(Vec<f64>, Vec<f64>, f64)> = VecDeque::new();
    let mut gd_step = 1.0 / g0.max(f64::MIN_POSITIVE);
    let mut iteration = 0;
    let info = |iteration, cost, g: &[f64], step, evaluations| IterInfo {
        iteration,
        cost,
        grad_norm: norm(g),
        step,
        evaluations,
    };
    let termination = 'run: loop {
        if iteration == 0 && callback(&info(0, fx, &g, 0.0, evaluations)).is_break() {
            break Termination::Stopped;
        }
        if norm(&g) <= params.grad_tol * g0 || g0 == 0.0 {
            break Termination::GradientTolerance;
        }
        if iteration >= params.max_iterations {
            break Termination::MaxIterations;
        }
        let (mut d, mut alpha) = if memory > 0 && !pairs.is_empty() {
            (lbfgs_direction(&g, &pairs), 1.0)
        } else {
            let d: Vec<f64> = g.iter().map(|v| -v).collect();
            let a = if memory > 0 {
                1.0 / g0.max(f64::MIN_POSITIVE)
            } else {
                gd_step
            };
            (d, a)
        };
        let mut slope = dot(&g, &d);
        if !(slope < 0.0) {
            pairs.clear();
            d = g.iter().map(|v| -v).collect();
            slope = -dot(&g, &g);
            alpha = gd_step;
        }
        // Backtracking Armijo line search.
        let (x_new, f_new, g_new) = loop {
            let trial: Vec<f64> = x.iter().zip(&d).map(|(xi, di)| xi + alpha * di).collect();
            let (ft, gt) = eval(&trial)?;
            evaluations += 1;
            if ft <= fx + 1e-4 * alpha * slope {
                break (trial, ft, gt);
            }
            alpha *= 0.5;
            if alpha * norm(&d) <= f64::EPSILON * norm(&x).max(f64::MIN_POSITIVE) {
                break 'run Termination::LineSearchFailed;
            }
        };
        iteration += 1;
        let decrease = fx - f_new;
        if memory > 0 {
            let s: Vec<f64> = x_new.iter().zip(&x).map(|(a, b)| a - b).collect();
            let y: Vec<f64> = g_new.iter().zip(&g).map(|(a, b)| a - b).collect();
            let sy = dot(&s, &y);
            if sy > 1e-12 * norm(&s) * norm(&y) {
                pairs.push_back((s, y, 1.0 / sy));
                if pairs.len() > memory {
                    pairs.pop_front();
                }
            }
        } else {
            // Grow the step again after a success, so one hard region does not slow the rest.
            gd_step = alpha * 2.0;
        }
        gd_step = gd_step.max(alpha);
        x = x_new;
        fx = f_new;
        g = g_new;
        costs.push(fx);
        if callback(&info(iteration, fx, &g, alpha, evaluations)).is_break() {
            break Termination::Stopped;
        }
        if decrease <= params.cost_tol * fx.abs().max(f64::MIN_POSITIVE) {
            break Termination::CostStalled;
        }
    };
    Ok(MinimizeReport {
        grad_norm: norm(&g),
        x,
        cost: fx,
        costs,
        iterations: iteration,
        evaluations,
        termination,
    })
}
